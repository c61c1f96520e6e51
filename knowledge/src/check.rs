//! Lints for `kmsbot kb check`: front matter, malformed product keys, duplicate example questions, dangling references.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::LazyLock;

use crate::pattern::Regex;

use crate::articles::{parse_article, Article, BUILTIN_ARTICLES};
use crate::facts::{
    is_valid_product_key, line_of, source_ids, Tables, BUILTIN_TABLES, SOURCED_ROWS,
};
use crate::KbError;

/// One problem found by a check, displayed as `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintIssue {
    /// File the problem is in.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LintIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

fn issue(file: &str, line: usize, message: impl Into<String>) -> LintIssue {
    LintIssue {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// Checks the embedded articles and fact tables. Empty means the shipped KB is clean.
pub fn check_builtin() -> Vec<LintIssue> {
    let files: Vec<(String, String)> = BUILTIN_ARTICLES
        .iter()
        .chain(BUILTIN_TABLES.iter())
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let mut out = check_files(&files, false);
    match Tables::builtin() {
        Ok(t) => {
            for (file, needle, message) in t.validate() {
                let text = BUILTIN_TABLES
                    .iter()
                    .find(|(p, _)| *p == file)
                    .map(|(_, t)| *t)
                    .unwrap_or("");
                out.push(issue(&file, line_of(text, &needle), message));
            }
        }
        Err(KbError::Table {
            file,
            line,
            message,
        }) => out.push(issue(&file, line, message)),
        Err(e) => out.push(issue("data", 1, e.to_string())),
    }
    out.dedup();
    out
}

/// Checks one file's text: an article (`.md`) or a fact table (`.toml`).
pub fn check_text(path: &str, text: &str) -> Vec<LintIssue> {
    check_files(&[(path.to_string(), text.to_string())], true)
}

/// Checks every `.md` and `.toml` file under `dir` (recursively), including cross-file rules
/// (duplicate example questions, references to articles and sections). Built-in articles
/// count as reference targets.
pub fn check_dir(dir: &Path) -> Vec<LintIssue> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    collect(dir, &mut files, &mut errors);
    files.sort();
    let mut out = errors;
    out.extend(check_files(&files, true));
    out
}

fn collect(dir: &Path, files: &mut Vec<(String, String)>, errors: &mut Vec<LintIssue>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(issue(
                &dir.display().to_string(),
                0,
                format!("cannot read directory: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, files, errors);
        } else if p.extension().is_some_and(|e| e == "md" || e == "toml") {
            match std::fs::read_to_string(&p) {
                Ok(t) => files.push((p.display().to_string(), t)),
                Err(e) => errors.push(issue(
                    &p.display().to_string(),
                    0,
                    format!("cannot read file: {e}"),
                )),
            }
        }
    }
}

/// Runs the per-file and cross-file checks. `with_builtin_targets` adds the built-in articles
/// as reference targets (for operator files).
fn check_files(files: &[(String, String)], with_builtin_targets: bool) -> Vec<LintIssue> {
    let mut out = Vec::new();
    let mut articles: Vec<Article> = Vec::new();
    let known = known_documents(files);
    for (path, text) in files {
        if path.ends_with(".toml") {
            out.extend(check_table(path, text, &known));
            continue;
        }
        match parse_article(path, text) {
            Ok(a) => {
                out.extend(check_front_matter(&a));
                for s in &a.front.sources {
                    if !known.contains(s) {
                        out.push(issue(
                            &a.path,
                            key_line(&a, "sources"),
                            format!("`sources` names unknown document `{s}`"),
                        ));
                    }
                }
                out.extend(check_keys_in_code(path, text));
                articles.push(a);
            }
            Err(KbError::Article {
                file,
                line,
                message,
            }) => out.push(issue(&file, line, message)),
            Err(e) => out.push(issue(path, 1, e.to_string())),
        }
    }
    // Reference targets.
    let mut targets: HashMap<String, Vec<String>> = HashMap::new();
    if with_builtin_targets {
        for (p, t) in BUILTIN_ARTICLES {
            if let Ok(a) = parse_article(p, t) {
                targets.insert(
                    a.id.clone(),
                    a.sections.iter().map(|s| s.slug.clone()).collect(),
                );
            }
        }
    }
    for a in &articles {
        targets.insert(
            a.id.clone(),
            a.sections.iter().map(|s| s.slug.clone()).collect(),
        );
    }
    // Duplicate example questions across articles.
    let mut seen: HashMap<String, (String, usize)> = HashMap::new();
    for a in &articles {
        for (line, q) in &a.front.questions {
            let norm: String = q
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ')
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if let Some((file, l)) = seen.get(&norm) {
                out.push(issue(
                    &a.path,
                    *line,
                    format!("duplicate example question \"{q}\" (also in {file}:{l})"),
                ));
            } else {
                seen.insert(norm, (a.path.clone(), *line));
            }
        }
    }
    // Dangling references.
    static REF: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"\]\(kb:([A-Za-z0-9_-]+)(?:#([A-Za-z0-9_-]+))?\)"));
    let r = &*REF;
    for a in &articles {
        for (i, line) in a.body.lines().enumerate() {
            for c in r.captures_iter(line) {
                let id = c.get(1).map(|m| m.as_str()).unwrap_or("");
                let sec = c.get(2).map(|m| m.as_str());
                let lineno = a.body_line + i;
                match targets.get(id) {
                    None => out.push(issue(
                        &a.path,
                        lineno,
                        format!("reference to unknown article `{id}`"),
                    )),
                    Some(slugs) => {
                        if let Some(s) = sec {
                            if !slugs.iter().any(|x| x == s) {
                                out.push(issue(
                                    &a.path,
                                    lineno,
                                    format!("reference to unknown section `{id}#{s}`"),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn key_line(a: &Article, key: &str) -> usize {
    a.front
        .key_lines
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, l)| *l)
        .unwrap_or(1)
}

fn check_front_matter(a: &Article) -> Vec<LintIssue> {
    let mut out = Vec::new();
    let operator = a.front.layout.is_some();
    if a.front.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        out.push(issue(
            &a.path,
            key_line(a, "title"),
            "front matter has no `title`",
        ));
    }
    if a.front.tags.iter().all(|t| t.trim().is_empty()) {
        out.push(issue(
            &a.path,
            key_line(a, "tags"),
            "front matter has no `tags`",
        ));
    }
    if !operator {
        if a.front.sources.is_empty() {
            out.push(issue(
                &a.path,
                1,
                "built-in article needs `sources` (ids of its Microsoft documents, see data/sources.toml)",
            ));
        }
        if a.front.id.is_none() {
            out.push(issue(
                &a.path,
                1,
                "built-in article needs an `id` (or operator articles a `layout`)",
            ));
        }
        if a.front.questions.is_empty() {
            out.push(issue(
                &a.path,
                key_line(a, "questions"),
                "front matter has no example `questions`",
            ));
        }
    }
    for (line, q) in &a.front.questions {
        if q.trim().is_empty() {
            out.push(issue(&a.path, *line, "empty example question"));
        }
        if let Some((_, anchor)) = q.rsplit_once(" #") {
            if !a.sections.iter().any(|s| s.slug == anchor.trim()) {
                out.push(issue(
                    &a.path,
                    *line,
                    format!(
                        "example question points at unknown section `#{}`",
                        anchor.trim()
                    ),
                ));
            }
        }
    }
    if let Some(o) = &a.front.offer {
        if o != "kms-firewall" && o != "internet-access" {
            out.push(issue(
                &a.path,
                key_line(a, "offer"),
                format!("unknown offer `{o}` (kms-firewall or internet-access)"),
            ));
        }
    }
    if a.sections.is_empty() {
        out.push(issue(&a.path, a.body_line, "article has no content"));
    }
    out
}

/// Flags product-key-looking strings in fenced code blocks that are not five groups of five `[A-Z0-9]`.
fn check_keys_in_code(path: &str, text: &str) -> Vec<LintIssue> {
    static CAND: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"\b[A-Za-z0-9]{3,7}(?:-[A-Za-z0-9]{3,7}){3,5}\b"));
    let cand = &*CAND;
    let mut out = Vec::new();
    let mut in_code = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        let scan_inline = !in_code;
        let spans: Vec<&str> = if scan_inline {
            line.split('`').skip(1).step_by(2).collect()
        } else {
            vec![line]
        };
        for s in spans {
            for m in cand.find_iter(s) {
                let k = m.as_str();
                let groups = k.split('-').count();
                let with_letters = k
                    .split('-')
                    .filter(|g| g.chars().any(|c| c.is_ascii_alphabetic()))
                    .count();
                let looks_like_key = (4..=6).contains(&groups) && with_letters * 2 >= groups;
                if looks_like_key && !is_valid_product_key(k) {
                    out.push(issue(path, i + 1, format!("malformed product key `{k}` (expected 5 groups of 5 characters A-Z, 0-9)")));
                }
            }
        }
    }
    out
}

/// Ids of the documents rows may cite: the built-in `data/sources.toml` plus every
/// `[[document]]` defined in the files being checked.
fn known_documents(files: &[(String, String)]) -> HashSet<String> {
    let builtin = BUILTIN_TABLES
        .iter()
        .filter(|(p, _)| *p == "data/sources.toml")
        .map(|(p, t)| (p.to_string(), t.to_string()));
    let mut known = HashSet::new();
    for (path, text) in builtin.chain(files.iter().cloned()) {
        if !path.ends_with(".toml") {
            continue;
        }
        let Ok(value) = toml::from_str::<toml::Value>(&text) else {
            continue;
        };
        if let Some(docs) = value.get("document").and_then(|v| v.as_array()) {
            for d in docs {
                if let Some(id) = d.get("id").and_then(|v| v.as_str()) {
                    known.insert(id.to_string());
                }
            }
        }
    }
    known
}

/// Every row of a fact table must name its source documents, and they must exist.
fn check_sources(
    path: &str,
    text: &str,
    value: &toml::Value,
    known: &HashSet<String>,
) -> Vec<LintIssue> {
    let mut out = Vec::new();
    for kind in SOURCED_ROWS {
        let Some(rows) = value.get(*kind).and_then(|v| v.as_array()) else {
            continue;
        };
        for (i, row) in rows.iter().enumerate() {
            let name = ["key", "code", "option", "id", "family", "edition", "build"]
                .iter()
                .find_map(|k| row.get(*k).and_then(|v| v.as_str()))
                .unwrap_or("")
                .to_string();
            let line = if name.is_empty() {
                1
            } else {
                line_of(text, &name)
            };
            let label = if name.is_empty() {
                format!("{kind} row {}", i + 1)
            } else {
                format!("{kind} `{name}`")
            };
            let source = row.get("source").and_then(|v| v.as_str()).unwrap_or("");
            let ids = source_ids(source);
            if ids.is_empty() {
                out.push(issue(
                    path,
                    line,
                    format!("{label} has no source (add `source = \"<document id>\"`, see data/sources.toml)"),
                ));
            }
            for id in ids {
                if !known.contains(id) {
                    out.push(issue(
                        path,
                        line,
                        format!("{label} cites unknown document `{id}`"),
                    ));
                }
            }
        }
    }
    if let Some(docs) = value.get("document").and_then(|v| v.as_array()) {
        for d in docs {
            let id = d.get("id").and_then(|v| v.as_str()).unwrap_or("");
            let missing = ["title", "revision"].iter().any(|k| {
                d.get(*k)
                    .and_then(|v| v.as_str())
                    .is_none_or(|s| s.trim().is_empty())
            });
            if id.is_empty() || missing {
                out.push(issue(
                    path,
                    line_of(text, id),
                    format!("document `{id}` needs an id, a title and a revision"),
                ));
            }
        }
    }
    out
}

fn check_table(path: &str, text: &str, known: &HashSet<String>) -> Vec<LintIssue> {
    let mut out = Vec::new();
    let value: toml::Value = match toml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            return vec![issue(path, line, format!("invalid TOML: {}", e.message()))];
        }
    };
    out.extend(check_sources(path, text, &value, known));
    if let Some(rows) = value.get("gvlk").and_then(|v| v.as_array()) {
        for row in rows {
            let key = row.get("key").and_then(|k| k.as_str()).unwrap_or("");
            let edition = row.get("edition").and_then(|k| k.as_str()).unwrap_or("");
            if !is_valid_product_key(key) {
                let at = if key.is_empty() { edition } else { key };
                out.push(issue(
                    path,
                    line_of(text, at),
                    format!("malformed key `{key}` for `{edition}`"),
                ));
            }
            if edition.is_empty()
                || row
                    .get("family")
                    .and_then(|f| f.as_str())
                    .is_none_or(str::is_empty)
            {
                out.push(issue(
                    path,
                    line_of(text, key),
                    "GVLK row without edition or family",
                ));
            }
        }
    }
    if let Some(rows) = value.get("error").and_then(|v| v.as_array()) {
        for row in rows {
            let code = row.get("code").and_then(|k| k.as_str()).unwrap_or("");
            let ok = code.len() == 10
                && code.starts_with("0x")
                && code[2..]
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
            if !ok {
                out.push(issue(
                    path,
                    line_of(text, code),
                    format!("malformed error code `{code}` (expected 0xXXXXXXXX)"),
                ));
            }
        }
    }
    out.extend(
        check_keys_in_code(path, text)
            .into_iter()
            .filter(|i| !i.message.is_empty()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_kb_is_clean() {
        let issues = check_builtin();
        assert!(
            issues.is_empty(),
            "{}",
            issues
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn broken_article_names_file_and_line() {
        let text = "---\nlayout: page\ntitle: Broken\ntags: [x]\n---\n\n## Steps\n\n```\nslmgr /ipk ABCDE-12345-ABCDE-1234-ABCDE\n```\n\nSee [x](kb:nowhere#steps).\n";
        let issues = check_text("ops/broken.md", text);
        let shown: Vec<String> = issues.iter().map(|i| i.to_string()).collect();
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("ops/broken.md:10: malformed product key")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("ops/broken.md:13: reference to unknown article")),
            "{shown:?}"
        );
    }

    #[test]
    fn missing_title_is_reported() {
        let issues = check_text("ops/a.md", "---\nlayout: page\ntags: [a]\n---\n\nBody.\n");
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(
            issues[0].to_string(),
            "ops/a.md:1: front matter has no `title`"
        );
    }
}
