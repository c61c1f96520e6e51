//! What the bot says, with its structure: a [`Message`] is a list of [`Block`]s (Markdown text,
//! named fields, code) that each adapter renders in its platform's form.
//!
//! Flows that know the structure build the blocks directly ([`Message::with_fields`],
//! [`Message::with_code`]); Markdown from elsewhere (knowledge answers) goes through
//! [`Message::markdown`], the one place that splits Markdown into blocks, with pulldown-cmark.
//!
//! [`Message::to_markdown`] gives the whole message back as Markdown (blocks joined by a line
//! break, fields as `- **Name:** value` lines): what the console prints and what Discord sends.
//! For parsed Markdown it is the source itself (a trailing line break aside), so a message reads
//! the same whichever way it was made.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// A bot message: its blocks, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The blocks, shown one after another.
    pub blocks: Vec<Block>,
}

/// One block of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// Markdown: paragraphs, lists, quotes, inline code. Kept as written, blank lines at its edges
    /// included (they separate it from the blocks around it); may be empty between two code
    /// blocks that a blank line separates.
    Text(String),
    /// Named values, shown side by side where the platform can (Slack `fields`), else as a
    /// `- **Name:** value` list.
    Fields(Vec<Field>),
    /// A fenced code block.
    Code {
        /// The fence's info string (`powershell`), if any.
        lang: Option<String>,
        /// The code, without the fences and without a final line break. It must not contain a
        /// line starting with three backticks.
        text: String,
    },
}

/// A named value of a [`Block::Fields`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The name, plain text (`Protocol`).
    pub name: String,
    /// The value, inline Markdown (`` `1688` ``, `_missing_`).
    pub value: String,
}

impl Field {
    /// A field.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The field as a Markdown list item: `- **Name:** value`.
    pub fn to_markdown(&self) -> String {
        format!("- **{}:** {}", self.name, self.value)
    }
}

impl Block {
    /// The block as Markdown.
    pub fn to_markdown(&self) -> String {
        match self {
            Block::Text(text) => text.clone(),
            Block::Fields(fields) => fields
                .iter()
                .map(Field::to_markdown)
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Code { lang, text } => {
                format!("```{}\n{text}\n```", lang.as_deref().unwrap_or_default())
            }
        }
    }
}

impl Message {
    /// A message without blocks.
    pub fn new() -> Message {
        Message::default()
    }

    /// A message from Markdown: top-level ```` ``` ```` code blocks become [`Block::Code`], the
    /// Markdown between them [`Block::Text`]. Anything [`Message::to_markdown`] could not give back
    /// as written (a `~~~` or indented fence, a code block in a list, an unclosed fence) stays in
    /// the text.
    pub fn markdown(markdown: impl Into<String>) -> Message {
        Message {
            blocks: parse(markdown.into()),
        }
    }

    /// Adds Markdown (parsed as [`Message::markdown`] does) after the blocks so far; empty
    /// Markdown adds nothing.
    pub fn with_markdown(mut self, markdown: impl Into<String>) -> Message {
        self.blocks.extend(parse(markdown.into()));
        self
    }

    /// Adds named values after the blocks so far; none adds nothing.
    pub fn with_fields(mut self, fields: Vec<Field>) -> Message {
        if !fields.is_empty() {
            self.blocks.push(Block::Fields(fields));
        }
        self
    }

    /// Adds a code block after the blocks so far.
    pub fn with_code(mut self, lang: Option<&str>, text: impl Into<String>) -> Message {
        self.blocks.push(Block::Code {
            lang: lang.map(str::to_string),
            text: text.into(),
        });
        self
    }

    /// True when some block is a [`Block::Fields`].
    pub fn has_fields(&self) -> bool {
        self.blocks.iter().any(|b| matches!(b, Block::Fields(_)))
    }

    /// The whole message as Markdown: the blocks' Markdown joined by line breaks.
    pub fn to_markdown(&self) -> String {
        match self.blocks.as_slice() {
            [Block::Text(text)] => text.clone(),
            blocks => blocks
                .iter()
                .map(Block::to_markdown)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

impl From<String> for Message {
    fn from(markdown: String) -> Message {
        Message::markdown(markdown)
    }
}

impl From<&str> for Message {
    fn from(markdown: &str) -> Message {
        Message::markdown(markdown)
    }
}

impl From<&String> for Message {
    fn from(markdown: &String) -> Message {
        Message::markdown(markdown.as_str())
    }
}

/// The opening of a fenced code block the parser recognises.
const FENCE: &str = "```";

/// Splits Markdown into text and code blocks (see [`Message::markdown`]).
fn parse(markdown: String) -> Vec<Block> {
    if markdown.is_empty() {
        return Vec::new();
    }
    if !markdown.contains(FENCE) {
        return vec![Block::Text(markdown)];
    }
    let codes = code_blocks(&markdown);
    if codes.is_empty() {
        return vec![Block::Text(markdown)];
    }
    match split_at_code(&markdown, codes) {
        Some(blocks) if gives_back(&blocks, &markdown) => blocks,
        // Never lose or change a word: what cannot be split exactly stays one text.
        _ => vec![Block::Text(markdown)],
    }
}

/// True when `blocks` render to `markdown` (a final line break aside).
fn gives_back(blocks: &[Block], markdown: &str) -> bool {
    let shown = Message {
        blocks: blocks.to_vec(),
    }
    .to_markdown();
    markdown
        .strip_prefix(shown.as_str())
        .is_some_and(|rest| rest.is_empty() || rest == "\n")
}

/// A top-level code block that renders back exactly as written: where it is (from its opening
/// fence to the end of its closing fence, the line break after it excluded) and the block.
struct Code {
    range: Range<usize>,
    block: Block,
}

/// The top-level ```` ``` ```` code blocks of `markdown` that [`Block::to_markdown`] writes back
/// exactly as they are written.
fn code_blocks(markdown: &str) -> Vec<Code> {
    let mut found = Vec::new();
    let mut depth = 0usize;
    // The code block being read: its range, info string and text so far.
    let mut open: Option<(Range<usize>, String, String)> = None;
    for (event, range) in
        Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).into_offset_iter()
    {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if depth == 0 => {
                depth += 1;
                open = Some((range, info.to_string(), String::new()));
            }
            Event::Start(_) => depth += 1,
            Event::End(end) => {
                depth = depth.saturating_sub(1);
                if end == TagEnd::CodeBlock && depth == 0 {
                    if let Some((range, info, text)) = open.take() {
                        found.extend(exact_code(markdown, range, info, text));
                    }
                }
            }
            Event::Text(t) => {
                if let Some((_, _, text)) = &mut open {
                    text.push_str(&t);
                }
            }
            _ => {}
        }
    }
    found
}

/// The code block at `range` when rendering it gives its source back; `None` otherwise.
fn exact_code(markdown: &str, range: Range<usize>, info: String, text: String) -> Option<Code> {
    let source = markdown.get(range.clone())?;
    let source = source.strip_suffix('\n').unwrap_or(source);
    let text = text.strip_suffix('\n')?.to_string();
    let lang = (!info.is_empty()).then_some(info);
    let block = Block::Code { lang, text };
    (block.to_markdown() == source).then(|| Code {
        range: range.start..range.start + source.len(),
        block,
    })
}

/// The blocks of `markdown` split around `codes` (in order); `None` when the text around a code
/// block does not leave it on lines of its own.
fn split_at_code(markdown: &str, codes: Vec<Code>) -> Option<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut at = 0;
    let mut after_code = false;
    for code in codes {
        let gap = markdown.get(at..code.range.start)?;
        let gap = if after_code {
            gap.strip_prefix('\n')?
        } else {
            gap
        };
        if !gap.is_empty() {
            // Text before the fence ends with the line break that the join puts back.
            blocks.push(Block::Text(gap.strip_suffix('\n')?.to_string()));
        }
        blocks.push(code.block);
        at = code.range.end;
        after_code = true;
    }
    let rest = markdown.get(at..)?;
    if !rest.is_empty() {
        let rest = rest.strip_prefix('\n')?;
        if !rest.is_empty() {
            blocks.push(Block::Text(rest.to_string()));
        }
    }
    Some(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(lang: Option<&str>, text: &str) -> Block {
        Block::Code {
            lang: lang.map(str::to_string),
            text: text.to_string(),
        }
    }

    fn text(t: &str) -> Block {
        Block::Text(t.to_string())
    }

    #[test]
    fn markdown_without_code_is_one_text() {
        assert_eq!(Message::markdown("").blocks, vec![]);
        let m = Message::markdown("**Hi**\n- a list\n- **Kind:** not fields");
        assert_eq!(
            m.blocks,
            vec![text("**Hi**\n- a list\n- **Kind:** not fields")]
        );
        assert!(!m.has_fields());
    }

    #[test]
    fn code_blocks_are_split_out_and_the_markdown_comes_back_as_written() {
        let md = "Run this:\n\n```powershell\nslmgr /ato\nslmgr /dli\n```\n\nThen `slmgr /xpr`.\n";
        let m = Message::markdown(md);
        assert_eq!(
            m.blocks,
            vec![
                text("Run this:\n"),
                code(Some("powershell"), "slmgr /ato\nslmgr /dli"),
                text("\nThen `slmgr /xpr`.\n"),
            ]
        );
        assert_eq!(m.to_markdown(), md);

        let tight = "Intro:\n```\na\n```\nDone.";
        let m = Message::markdown(tight);
        assert_eq!(
            m.blocks,
            vec![text("Intro:"), code(None, "a"), text("Done.")]
        );
        assert_eq!(m.to_markdown(), tight);

        let md = "```\na\n```\n\n```\nb\n```\n```\nc\n```\n";
        let m = Message::markdown(md);
        assert_eq!(
            m.blocks,
            vec![code(None, "a"), text(""), code(None, "b"), code(None, "c")]
        );
        assert_eq!(format!("{}\n", m.to_markdown()), md);
    }

    #[test]
    fn what_cannot_come_back_exactly_stays_text() {
        for md in [
            "~~~\ntilde fence\n~~~",
            "1. step:\n   ```\n   slmgr /ato\n   ```\n2. next",
            "````\n```\nnested\n```\n````",
            "open:\n```\nnever closed",
            "```\n```",
            "  ```\nindented\n  ```",
            "> ```\n> quoted\n> ```",
        ] {
            let m = Message::markdown(md);
            assert_eq!(m.blocks, vec![text(md)], "{md}");
            assert_eq!(m.to_markdown(), md);
        }
    }

    #[test]
    fn built_messages_render_as_the_markdown_flows_wrote() {
        let m = Message::markdown("Filed **FW-1**:")
            .with_fields(vec![
                Field::new("Kind", "firewall rule"),
                Field::new("Ports", "`1688`"),
            ])
            .with_markdown("The rule:")
            .with_code(None, "openstack security group rule create")
            .with_markdown("Next: approve.");
        assert_eq!(
            m.to_markdown(),
            "Filed **FW-1**:\n- **Kind:** firewall rule\n- **Ports:** `1688`\nThe rule:\n```\nopenstack security group rule create\n```\nNext: approve."
        );
        assert!(m.has_fields());
        assert_eq!(
            Message::new().with_fields(vec![]).with_markdown(""),
            Message::new()
        );
    }

    #[test]
    fn serialized_blocks_read_back() {
        let m = Message::markdown("a\n```sh\nb\n```")
            .with_fields(vec![Field::new("Kind", "firewall rule")]);
        let json = serde_json::to_string(&m).expect("serializes");
        assert_eq!(
            json,
            r#"{"blocks":[{"text":"a"},{"code":{"lang":"sh","text":"b"}},{"fields":[{"name":"Kind","value":"firewall rule"}]}]}"#
        );
        let back: Message = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, m);
    }
}
