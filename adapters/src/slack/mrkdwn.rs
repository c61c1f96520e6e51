//! Markdown (what the bot writes) to Slack mrkdwn (what Slack renders), parsed with
//! pulldown-cmark (CommonMark plus strikethrough).
//!
//! Rendered: `**bold**`/`__bold__` → `*bold*`, `*italic*` → `_italic_`, `~~strike~~` → `~strike~`,
//! links → `<url|text>`, headings → bold lines, bullets → `•` (nested ones indented), numbered
//! items keep their numbers, inline code and fenced code blocks kept (Slack has no language tags),
//! quotes as `>` lines, and `&`, `<`, `>` escaped as Slack requires. The blank lines between blocks
//! are the source's. The bot's own mentions ([`crate::chat::mention`]) become `<@U…>` so they
//! notify; nothing else can.
//!
//! The structure of a message (fields, code blocks) is not guessed here: it comes with the
//! [`crate::chat::Message`], and the Web API client lays it out in Block Kit.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::ops::Range;

/// Converts Markdown to Slack mrkdwn.
pub fn markdown_to_mrkdwn(markdown: &str) -> String {
    mentions(&render(markdown))
}

fn parser(
    markdown: &str,
) -> pulldown_cmark::OffsetIter<'_, pulldown_cmark::DefaultBrokenLinkCallback> {
    Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).into_offset_iter()
}

fn mentions(text: &str) -> String {
    // The bot's own mentions notify (`<@U…>`); users' text was escaped and stays inert.
    crate::chat::replace_mentions(text, |id| format!("<@{id}>"))
}

/// Escapes `&`, `<` and `>` as Slack requires in mrkdwn text.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// What is open while rendering.
enum Frame {
    /// A link whose text starts at this byte of the output.
    Link { start: usize, url: String },
    /// A quote whose text starts at this byte of the output.
    Quote { start: usize },
}

struct Renderer<'a> {
    source: &'a str,
    out: String,
    frames: Vec<Frame>,
    /// Open lists: the next number of an ordered one, `None` for bullets.
    lists: Vec<Option<u64>>,
    /// Where the last block ended in the source (for the blank lines between blocks).
    last_end: usize,
    /// Just after an item's bullet: the item's first block adds no line break.
    at_item_start: bool,
    in_heading: bool,
    in_code_block: bool,
}

impl Renderer<'_> {
    /// Line breaks before a block starting at `start`: as many as the source has (one or two).
    fn separate(&mut self, start: usize) {
        if self.at_item_start || self.out.is_empty() {
            return;
        }
        let prev = self.source[..self.last_end.min(start)].trim_end().len();
        let gap = self.source[prev..start].matches('\n').count().clamp(1, 2);
        let have = self.out.len() - self.out.trim_end_matches('\n').len();
        for _ in have..gap {
            self.out.push('\n');
        }
    }

    fn text(&mut self, s: &str) {
        self.at_item_start = false;
        self.out.push_str(&escape(s));
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>) {
        match tag {
            Tag::Paragraph => self.separate(range.start),
            Tag::Heading { .. } => {
                self.separate(range.start);
                self.in_heading = true;
                self.out.push('*');
                self.at_item_start = false;
            }
            Tag::BlockQuote(_) => {
                self.separate(range.start);
                self.frames.push(Frame::Quote {
                    start: self.out.len(),
                });
                self.at_item_start = true;
            }
            Tag::CodeBlock(_) => {
                self.separate(range.start);
                self.in_code_block = true;
                self.out.push_str("```\n");
                self.at_item_start = false;
            }
            Tag::List(first) => {
                if self.lists.is_empty() {
                    self.separate(range.start);
                }
                self.lists.push(first);
            }
            Tag::Item => {
                self.separate(range.start);
                let depth = self.lists.len().saturating_sub(1);
                self.out.push_str(&"  ".repeat(depth));
                match self.lists.last_mut() {
                    Some(Some(n)) => {
                        self.out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => self.out.push_str("• "),
                }
                self.at_item_start = true;
            }
            Tag::Emphasis => self.text_mark('_'),
            Tag::Strong if !self.in_heading => self.text_mark('*'),
            Tag::Strikethrough => self.text_mark('~'),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.at_item_start = false;
                self.frames.push(Frame::Link {
                    start: self.out.len(),
                    url: dest_url.to_string(),
                });
            }
            _ => {}
        }
    }

    fn text_mark(&mut self, mark: char) {
        self.at_item_start = false;
        self.out.push(mark);
    }

    fn end(&mut self, tag: TagEnd, range: Range<usize>) {
        match tag {
            TagEnd::Paragraph | TagEnd::Item => self.last_end = range.end,
            TagEnd::Heading(_) => {
                self.in_heading = false;
                self.out.push('*');
                self.last_end = range.end;
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                if !self.out.ends_with('\n') {
                    self.out.push('\n');
                }
                self.out.push_str("```");
                self.last_end = range.end;
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.last_end = range.end;
            }
            TagEnd::BlockQuote(_) => {
                if let Some(Frame::Quote { start }) = self.frames.pop() {
                    let inner = self.out.split_off(start);
                    let quoted: Vec<String> = inner.lines().map(|l| format!("> {l}")).collect();
                    self.out.push_str(&quoted.join("\n"));
                }
                self.last_end = range.end;
            }
            TagEnd::Emphasis => self.out.push('_'),
            TagEnd::Strong if !self.in_heading => self.out.push('*'),
            TagEnd::Strikethrough => self.out.push('~'),
            TagEnd::Link | TagEnd::Image => {
                if let Some(Frame::Link { start, url }) = self.frames.pop() {
                    let label = self.out.split_off(start);
                    let url = url.replace('>', "%3E").replace('|', "%7C");
                    if label.is_empty() || label == escape(&url) {
                        self.out.push_str(&format!("<{url}>"));
                    } else {
                        self.out
                            .push_str(&format!("<{url}|{}>", label.replace('|', "\u{2223}")));
                    }
                }
            }
            _ => {}
        }
    }
}

fn render(markdown: &str) -> String {
    let mut r = Renderer {
        source: markdown,
        out: String::with_capacity(markdown.len() + 16),
        frames: Vec::new(),
        lists: Vec::new(),
        last_end: 0,
        at_item_start: false,
        in_heading: false,
        in_code_block: false,
    };
    for (event, range) in parser(markdown) {
        if matches!(
            event,
            Event::Text(_) | Event::Code(_) | Event::Html(_) | Event::InlineHtml(_)
        ) {
            r.last_end = r.last_end.max(range.end);
        }
        match event {
            Event::Start(tag) => r.start(tag, range),
            Event::End(tag) => r.end(tag, range),
            Event::Text(t) if r.in_code_block => r.out.push_str(&escape(&t)),
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => r.text(&t),
            Event::Code(c) => {
                r.at_item_start = false;
                r.out.push('`');
                r.out.push_str(&escape(&c));
                r.out.push('`');
            }
            Event::SoftBreak | Event::HardBreak => r.out.push('\n'),
            Event::Rule => {
                r.separate(range.start);
                r.out.push_str("———");
                r.last_end = range.end;
            }
            _ => r.text(&markdown[range]),
        }
    }
    r.out.trim_end_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::markdown_to_mrkdwn as md;

    #[test]
    fn inline_spans() {
        assert_eq!(md("**bold** and *it*"), "*bold* and _it_");
        assert_eq!(
            md("see [the docs](https://example.com/a?b=1&c=2)"),
            "see <https://example.com/a?b=1&c=2|the docs>"
        );
        assert_eq!(md("~~old~~ `a<b>` x"), "~old~ `a&lt;b&gt;` x");
        assert_eq!(md("1 < 2 & 3 > 2"), "1 &lt; 2 &amp; 3 &gt; 2");
        assert_eq!(md("snake_case_name stays"), "snake_case_name stays");
        assert_eq!(
            md("run `slmgr /skms <KMS_host>:1688`"),
            "run `slmgr /skms &lt;KMS_host&gt;:1688`"
        );
    }

    #[test]
    fn blocks() {
        assert_eq!(md("# Title\n- one\n- **two**"), "*Title*\n• one\n• *two*");
        assert_eq!(
            md("```powershell\nslmgr /ato **x**\n```"),
            "```\nslmgr /ato **x**\n```"
        );
        assert_eq!(md("> quoted"), "> quoted");
        assert_eq!(md("one\n\ntwo\nthree"), "one\n\ntwo\nthree");
        assert_eq!(
            md("Steps:\n1. first\n2. second\n   - nested"),
            "Steps:\n1. first\n2. second\n  • nested"
        );
        assert_eq!(md("Text:\n```\na\n```\nafter"), "Text:\n```\na\n```\nafter");
    }
}
