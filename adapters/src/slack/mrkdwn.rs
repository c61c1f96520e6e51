//! Markdown (what the bot writes) to Slack mrkdwn (what Slack renders).
//!
//! Handled: `**bold**`/`__bold__` → `*bold*`, `*italic*` → `_italic_`, `~~strike~~` → `~strike~`,
//! `[text](url)` → `<url|text>`, headings → bold lines, `-`/`*`/`+` bullets → `•`, inline code and
//! fenced code blocks kept (the fence's language tag dropped, Slack shows it as text), and `&`, `<`,
//! `>` escaped as Slack requires (a leading `>` quote marker is kept). The bot's own mentions
//! ([`crate::chat::mention`]) become `<@U…>` so they notify; nothing else can.

/// Converts Markdown to Slack mrkdwn.
pub fn markdown_to_mrkdwn(markdown: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if let Some(after) = trimmed.strip_prefix("```") {
            if in_fence {
                in_fence = false;
                out.push(format!("```{}", escape(after)));
            } else {
                in_fence = true;
                // ```lang opens a block; Slack has no language tags.
                let rest = if after
                    .chars()
                    .all(|c| c.is_alphanumeric() || "+-_#.".contains(c))
                {
                    ""
                } else {
                    after
                };
                out.push(format!("```{}", escape(rest)));
            }
        } else if in_fence {
            out.push(escape(line));
        } else {
            out.push(convert_line(line));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    // The bot's own mentions notify (`<@U…>`); users' text was escaped above and stays inert.
    crate::chat::replace_mentions(&out.join("\n"), |id| format!("<@{id}>"))
}

fn convert_line(line: &str) -> String {
    let indent_len = line.len() - line.trim_start().len();
    let (indent, body) = line.split_at(indent_len);
    let hashes = body.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && body[hashes..].starts_with(' ') {
        let title = body[hashes..].trim();
        return format!("{indent}*{}*", strip_bold(&inline(title)));
    }
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = body.strip_prefix(bullet) {
            return format!("{indent}• {}", inline(rest));
        }
    }
    if let Some(rest) = body.strip_prefix('>') {
        return format!("{indent}>{}", inline(rest));
    }
    format!("{indent}{}", inline(body))
}

/// A heading that is already bold would become `**title**`; keep one level.
fn strip_bold(s: &str) -> String {
    if s.len() >= 2 && s.starts_with('*') && s.ends_with('*') && !s[1..s.len() - 1].contains('*') {
        s[1..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

fn escape(s: &str) -> String {
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

/// Converts the inline spans of one line.
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if let Some(after) = rest.strip_prefix('`') {
            if let Some(end) = after.find('`') {
                out.push('`');
                out.push_str(&escape(&after[..end]));
                out.push('`');
                i += end + 2;
                continue;
            }
        }
        if let Some(delim) = ["**", "__", "~~"].into_iter().find(|d| rest.starts_with(d)) {
            let after = &rest[2..];
            if let Some(end) = after.find(delim).filter(|e| *e > 0) {
                let mark = if delim == "~~" { '~' } else { '*' };
                out.push(mark);
                out.push_str(&inline(&after[..end]));
                out.push(mark);
                i += end + 4;
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('*') {
            if !after.starts_with([' ', '*']) {
                if let Some(end) = after.find('*').filter(|e| *e > 0) {
                    out.push('_');
                    out.push_str(&inline(&after[..end]));
                    out.push('_');
                    i += end + 2;
                    continue;
                }
            }
        }
        if let Some((consumed, link)) = link(rest) {
            out.push_str(&link);
            i += consumed;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push_str(&escape(c.encode_utf8(&mut [0; 4])));
        i += c.len_utf8();
    }
    out
}

/// `[text](url)` at the start of `s`: the bytes consumed and the Slack link.
fn link(s: &str) -> Option<(usize, String)> {
    let after = s.strip_prefix('[')?;
    let close = after.find("](")?;
    let text = &after[..close];
    let url_part = &after[close + 2..];
    let end = url_part.find(')')?;
    let url = url_part[..end].trim();
    if url.is_empty() || url.contains(char::is_whitespace) || text.contains('[') {
        return None;
    }
    let url = url.replace('>', "%3E").replace('|', "%7C");
    let label = escape(text).replace('|', "\u{2223}");
    let consumed = 1 + close + 2 + end + 1;
    if label.is_empty() {
        Some((consumed, format!("<{url}>")))
    } else {
        Some((consumed, format!("<{url}|{label}>")))
    }
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
    }

    #[test]
    fn blocks() {
        assert_eq!(md("# Title\n- one\n- **two**"), "*Title*\n• one\n• *two*");
        assert_eq!(
            md("```powershell\nslmgr /ato **x**\n```"),
            "```\nslmgr /ato **x**\n```"
        );
        assert_eq!(md("> quoted"), "> quoted");
    }
}
