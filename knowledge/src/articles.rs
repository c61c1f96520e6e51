//! Markdown articles: the embedded built-in set, front matter parsing and splitting into sections.

use crate::text::slug;
use crate::KbError;

/// The built-in articles, embedded at compile time: (path for messages, Markdown).
pub const BUILTIN_ARTICLES: &[(&str, &str)] = &[
    (
        "articles/activation-methods.md",
        include_str!("../articles/activation-methods.md"),
    ),
    (
        "articles/byol-provider-kms.md",
        include_str!("../articles/byol-provider-kms.md"),
    ),
    (
        "articles/kms-thresholds.md",
        include_str!("../articles/kms-thresholds.md"),
    ),
    (
        "articles/kms-connectivity.md",
        include_str!("../articles/kms-connectivity.md"),
    ),
    (
        "articles/internet-access.md",
        include_str!("../articles/internet-access.md"),
    ),
    (
        "articles/kms-host.md",
        include_str!("../articles/kms-host.md"),
    ),
    (
        "articles/existing-kms.md",
        include_str!("../articles/existing-kms.md"),
    ),
    (
        "articles/kms-client.md",
        include_str!("../articles/kms-client.md"),
    ),
    (
        "articles/online-activation.md",
        include_str!("../articles/online-activation.md"),
    ),
    (
        "articles/phone-activation.md",
        include_str!("../articles/phone-activation.md"),
    ),
    (
        "articles/gvlk-keys.md",
        include_str!("../articles/gvlk-keys.md"),
    ),
    (
        "articles/check-status.md",
        include_str!("../articles/check-status.md"),
    ),
];

/// Parsed front matter of an article.
#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    /// `id:` (built-in articles) — used by `kb:` references; defaults to the file stem.
    pub id: Option<String>,
    /// `layout:` (operator articles, as in the provider's guide).
    pub layout: Option<String>,
    /// `title:`.
    pub title: Option<String>,
    /// `tags:`.
    pub tags: Vec<String>,
    /// `questions:` — example questions the article answers.
    pub questions: Vec<(usize, String)>,
    /// `offer:` — `kms-firewall` or `internet-access`.
    pub offer: Option<String>,
    /// `sources:` — ids of the Microsoft documents (`data/sources.toml`) the article's facts
    /// come from. Required for built-in articles.
    pub sources: Vec<String>,
    /// Line (1-based) of each key, for messages.
    pub key_lines: Vec<(String, usize)>,
}

/// One `##`/`###` section of an article.
#[derive(Debug, Clone)]
pub struct Section {
    /// Heading text (empty for text before the first heading).
    pub heading: String,
    /// Slug of the heading, used by `kb:id#slug` references.
    pub slug: String,
    /// Markdown body without the heading line.
    pub body: String,
}

/// A parsed article.
#[derive(Debug, Clone)]
pub struct Article {
    /// Path used in messages.
    pub path: String,
    /// Article id (front matter `id`, else the file stem).
    pub id: String,
    /// Front matter.
    pub front: FrontMatter,
    /// Sections with content.
    pub sections: Vec<Section>,
    /// 1-based line where the body starts.
    pub body_line: usize,
    /// The raw body (after the front matter).
    pub body: String,
}

impl Article {
    /// Title (front matter title, else the id).
    pub fn title(&self) -> &str {
        self.front.title.as_deref().unwrap_or(&self.id)
    }
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v);
    v.trim().to_string()
}

fn inline_list(v: &str) -> Option<Vec<String>> {
    let inner = v.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(
        inner
            .split(',')
            .map(unquote)
            .filter(|s| !s.is_empty())
            .collect(),
    )
}

fn file_stem(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name).to_string()
}

/// Parses an article. Errors carry the file and 1-based line.
pub fn parse_article(path: &str, text: &str) -> Result<Article, KbError> {
    let err = |line: usize, message: &str| KbError::Article {
        file: path.to_string(),
        line,
        message: message.to_string(),
    };
    let lines: Vec<&str> = text.lines().collect();
    if lines.first().map(|l| l.trim()) != Some("---") {
        return Err(err(
            1,
            "missing front matter (the file must start with a `---` line)",
        ));
    }
    let end = lines
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, l)| l.trim() == "---")
        .map(|(i, _)| i)
        .ok_or_else(|| err(1, "front matter is not closed with a `---` line"))?;
    let mut front = FrontMatter::default();
    let mut current_list: Option<String> = None;
    for (i, raw) in lines.iter().enumerate().take(end).skip(1) {
        let lineno = i + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        if let Some(item) = raw.trim_start().strip_prefix("- ") {
            if !raw.starts_with(' ') && !raw.starts_with('\t') && !raw.starts_with('-') {
                return Err(err(lineno, "unexpected list item"));
            }
            match current_list.as_deref() {
                Some("questions") => front.questions.push((lineno, unquote(item))),
                Some("tags") => front.tags.push(unquote(item)),
                Some("sources") => front.sources.push(unquote(item)),
                Some(_) => {}
                None => return Err(err(lineno, "list item outside of a list key")),
            }
            continue;
        }
        let Some((key, value)) = raw.split_once(':') else {
            return Err(err(
                lineno,
                &format!("expected `key: value`, found `{}`", raw.trim()),
            ));
        };
        if raw.starts_with(' ') {
            return Err(err(lineno, "unexpected indentation in front matter"));
        }
        let key = key.trim().to_string();
        if key.is_empty() || key.contains(' ') {
            return Err(err(lineno, &format!("invalid front matter key `{key}`")));
        }
        front.key_lines.push((key.clone(), lineno));
        let value = value.trim();
        current_list = None;
        match key.as_str() {
            "sources" => {
                if value.is_empty() {
                    current_list = Some(key.clone());
                } else if let Some(list) = inline_list(value) {
                    front.sources = list;
                } else {
                    front.sources = value.split(',').map(unquote).collect();
                }
            }
            "tags" | "questions" => {
                if value.is_empty() {
                    current_list = Some(key.clone());
                } else if let Some(list) = inline_list(value) {
                    if key == "tags" {
                        front.tags = list;
                    } else {
                        front.questions = list.into_iter().map(|q| (lineno, q)).collect();
                    }
                } else if key == "tags" {
                    front.tags = value.split(',').map(unquote).collect();
                } else {
                    return Err(err(lineno, "`questions` must be a list"));
                }
            }
            "id" => front.id = Some(unquote(value)),
            "layout" => front.layout = Some(unquote(value)),
            "title" => front.title = Some(unquote(value)),
            "offer" => front.offer = Some(unquote(value)),
            _ => {
                if value.is_empty() {
                    current_list = Some(key.clone());
                }
            }
        }
    }
    let body_line = end + 2;
    let body = lines[end + 1..].join("\n");
    let sections = split_sections(&body);
    let id = front.id.clone().unwrap_or_else(|| file_stem(path));
    Ok(Article {
        path: path.to_string(),
        id,
        front,
        sections,
        body_line,
        body,
    })
}

/// Splits a Markdown body into sections at `#`, `##` and `###` headings (outside code fences).
fn split_sections(body: &str) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut heading = String::new();
    let mut buf: Vec<&str> = Vec::new();
    let mut in_code = false;
    let mut flush = |heading: &str, buf: &mut Vec<&str>| {
        let text = buf.join("\n").trim().to_string();
        if !text.is_empty() {
            sections.push(Section {
                heading: heading.to_string(),
                slug: slug(heading),
                body: text,
            });
        }
        buf.clear();
    };
    for l in body.lines() {
        if l.trim_start().starts_with("```") {
            in_code = !in_code;
        }
        let t = l.trim_start();
        if !in_code && t.starts_with('#') {
            let h = t.trim_start_matches('#');
            if h.starts_with(' ') && t.len() - h.len() <= 4 {
                flush(&heading, &mut buf);
                heading = h.trim().to_string();
                continue;
            }
        }
        buf.push(l);
    }
    flush(&heading, &mut buf);
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_articles_parse() {
        for (path, text) in BUILTIN_ARTICLES {
            let a = parse_article(path, text).expect("builtin article parses");
            assert!(!a.sections.is_empty(), "{path}");
            assert!(a.front.title.is_some(), "{path}");
            assert!(!a.front.questions.is_empty(), "{path}");
        }
    }

    #[test]
    fn missing_front_matter_names_line() {
        let e = parse_article("x.md", "# hello\n")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("x.md:1: missing front matter (the file must start with a `---` line)")
        );
    }
}
