//! Markdown articles: the embedded built-in set, front matter parsing and splitting into sections.

use crate::text::slug;
use crate::KbError;
use pulldown_cmark::{Event as MdEvent, HeadingLevel, Options, Parser as MdParser, Tag};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

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

fn file_stem(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.strip_suffix(".md").unwrap_or(name).to_string()
}

/// Parses an article. Errors carry the file and 1-based line.
///
/// The front matter between the two `---` lines is YAML, read with `yaml-rust2` (events with
/// their line, so messages and `kmsbot knowledge check` can name the line of each key and
/// question); the body is split into sections with `pulldown-cmark`.
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
    let yaml = lines[1..end].join("\n");
    let front = front_matter(&yaml).map_err(|(line, message)| err(line, &message))?;
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

/// YAML events with the file line (1-based) each starts on: the YAML's first line is the
/// file's second.
struct Collect(Vec<(Event, usize)>);

impl MarkedEventReceiver for Collect {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        self.0.push((ev, mark.line() + 1));
    }
}

/// A front matter value: a scalar, or a list of scalars with their lines.
enum Value {
    Scalar(String),
    List(Vec<(usize, String)>),
    /// A nested mapping or a list of non-scalars: allowed for keys kmsbot does not read.
    Other,
}

/// Reads the front matter's YAML. Errors are (file line, message).
fn front_matter(yaml: &str) -> Result<FrontMatter, (usize, String)> {
    let mut events = Collect(Vec::new());
    Parser::new_from_str(yaml)
        .load(&mut events, false)
        .map_err(|e| (e.marker().line() + 1, format!("invalid YAML: {}", e.info())))?;
    let mut front = FrontMatter::default();
    let mut it = events.0.into_iter();
    // StreamStart, DocumentStart, then the mapping (an empty front matter has no document).
    let mut in_mapping = false;
    for (ev, line) in it.by_ref() {
        match ev {
            Event::StreamStart | Event::DocumentStart => {}
            Event::MappingStart(..) => {
                in_mapping = true;
                break;
            }
            Event::StreamEnd => return Ok(front),
            _ => return Err((line, "expected `key: value` lines".to_string())),
        }
    }
    if !in_mapping {
        return Ok(front);
    }
    while let Some((ev, line)) = it.next() {
        let key = match ev {
            Event::MappingEnd => break,
            Event::Scalar(key, ..) => key,
            _ => return Err((line, "a front matter key must be a plain word".to_string())),
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err((line, format!("invalid front matter key `{key}`")));
        }
        let value = match it.next() {
            Some((Event::Scalar(v, ..), _)) => Value::Scalar(v.trim().to_string()),
            Some((Event::SequenceStart(..), _)) => {
                let mut items = Vec::new();
                let mut depth = 0usize;
                let mut scalars_only = true;
                for (ev, item_line) in it.by_ref() {
                    match ev {
                        Event::SequenceEnd | Event::MappingEnd if depth == 0 => break,
                        Event::SequenceEnd | Event::MappingEnd => depth -= 1,
                        Event::SequenceStart(..) | Event::MappingStart(..) => {
                            depth += 1;
                            scalars_only = false;
                        }
                        Event::Scalar(v, ..) if depth == 0 => {
                            items.push((item_line, v.trim().to_string()));
                        }
                        _ => {}
                    }
                }
                if scalars_only {
                    Value::List(items)
                } else {
                    Value::Other
                }
            }
            Some((Event::MappingStart(..), _)) => {
                let mut depth = 0usize;
                for (ev, _) in it.by_ref() {
                    match ev {
                        Event::SequenceEnd | Event::MappingEnd if depth == 0 => break,
                        Event::SequenceEnd | Event::MappingEnd => depth -= 1,
                        Event::SequenceStart(..) | Event::MappingStart(..) => depth += 1,
                        _ => {}
                    }
                }
                Value::Other
            }
            _ => Value::Other,
        };
        front.key_lines.push((key.clone(), line));
        let list = |value: Value, what: &str| -> Result<Vec<(usize, String)>, (usize, String)> {
            match value {
                Value::List(items) => {
                    Ok(items.into_iter().filter(|(_, s)| !s.is_empty()).collect())
                }
                // `tags: a, b` is kept as a short form of a list.
                Value::Scalar(s) if what != "questions" => Ok(s
                    .split(',')
                    .map(|t| (line, t.trim().to_string()))
                    .filter(|(_, t)| !t.is_empty())
                    .collect()),
                _ => Err((line, format!("`{what}` must be a list"))),
            }
        };
        let scalar = |value: Value| -> Result<String, (usize, String)> {
            match value {
                Value::Scalar(s) => Ok(s),
                _ => Err((line, format!("`{key}` must be a single value"))),
            }
        };
        match key.as_str() {
            "sources" => {
                front.sources = list(value, "sources")?
                    .into_iter()
                    .map(|(_, s)| s)
                    .collect()
            }
            "tags" => front.tags = list(value, "tags")?.into_iter().map(|(_, s)| s).collect(),
            "questions" => front.questions = list(value, "questions")?,
            "id" => front.id = Some(scalar(value)?),
            "layout" => front.layout = Some(scalar(value)?),
            "title" => front.title = Some(scalar(value)?),
            "offer" => front.offer = Some(scalar(value)?),
            _ => {}
        }
    }
    Ok(front)
}

/// Splits a Markdown body into sections at headings of levels 1 to 4 (as `pulldown-cmark` reads
/// them: never inside code blocks). A section's heading is the heading line's own text (inline
/// Markdown kept, so slugs stay stable); its body is the Markdown up to the next heading.
fn split_sections(body: &str) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut push = |heading: &str, text: &str| {
        let text = text.trim();
        if !text.is_empty() {
            sections.push(Section {
                heading: heading.to_string(),
                slug: slug(heading),
                body: text.to_string(),
            });
        }
    };
    let mut heading = String::new();
    let mut from = 0usize;
    for (event, range) in MdParser::new_ext(body, Options::empty()).into_offset_iter() {
        let MdEvent::Start(Tag::Heading { level, .. }) = event else {
            continue;
        };
        if level > HeadingLevel::H4 {
            continue;
        }
        push(&heading, &body[from..range.start]);
        let line = body[range.clone()].lines().next().unwrap_or_default();
        heading = line
            .trim()
            .trim_start_matches('#')
            .trim_end_matches('#')
            .trim()
            .to_string();
        from = range.end;
    }
    push(&heading, &body[from..]);
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

    #[test]
    fn front_matter_is_yaml_with_the_line_of_each_key_and_question() {
        let text = "---\ntitle: \"Phone: activation\"   # a comment\ntags: [kms, phone]\nsources: a, b\nquestions:\n  - 'How do I call: step by step?'\n  - \"Why? #steps\"\nextra:\n  nested: ignored\n---\n## Steps\n\ndo it\n";
        let a = parse_article("p.md", text).expect("parses");
        assert_eq!(a.front.title.as_deref(), Some("Phone: activation"));
        assert_eq!(a.front.tags, ["kms", "phone"]);
        assert_eq!(a.front.sources, ["a", "b"]);
        assert_eq!(
            a.front.questions,
            [
                (6, "How do I call: step by step?".to_string()),
                (7, "Why? #steps".to_string())
            ]
        );
        let keys: Vec<_> = a
            .front
            .key_lines
            .iter()
            .map(|(k, l)| (k.as_str(), *l))
            .collect();
        assert_eq!(
            keys,
            [
                ("title", 2),
                ("tags", 3),
                ("sources", 4),
                ("questions", 5),
                ("extra", 8)
            ]
        );
        assert_eq!(a.body_line, 11);
        assert_eq!(a.sections[0].heading, "Steps");
        assert_eq!(a.sections[0].body, "do it");
    }

    #[test]
    fn broken_front_matter_names_its_line() {
        let e = |text: &str| parse_article("x.md", text).err().map(|e| e.to_string());
        let bad_yaml = e("---\ntitle: a\nquestions: [unclosed\n---\nbody\n").unwrap_or_default();
        assert!(bad_yaml.starts_with("x.md:4: invalid YAML"), "{bad_yaml}");
        assert_eq!(
            e("---\ntitle: a\nquestions: just one\n---\nbody\n").as_deref(),
            Some("x.md:3: `questions` must be a list")
        );
        assert_eq!(
            e("---\ntitle: [a, b]\n---\nbody\n").as_deref(),
            Some("x.md:2: `title` must be a single value")
        );
        assert_eq!(
            e("---\n- a\n- b\n---\nbody\n").as_deref(),
            Some("x.md:2: expected `key: value` lines")
        );
    }

    #[test]
    fn sections_split_at_headings_but_not_inside_code() {
        let body = "intro\n\n## First `slmgr` step\n\n```\n# not a heading\n```\n\n#### Deep\n\nx\n\n##### Too deep\n\ny\n";
        let s = split_sections(body);
        let heads: Vec<_> = s.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(heads, ["", "First `slmgr` step", "Deep"]);
        assert_eq!(s[1].body, "```\n# not a heading\n```");
        assert_eq!(s[2].body, "x\n\n##### Too deep\n\ny");
    }
}
