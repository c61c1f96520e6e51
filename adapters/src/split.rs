//! Splitting a long message into pieces a platform takes (Discord's 2000-character messages,
//! Slack's 3000-character sections): at block boundaries where possible ([`pack`]), else at line
//! boundaries ([`split_message`]), keeping code fences balanced in every piece.

/// The closing fence appended to a chunk that ends inside a code block.
const CLOSE: &str = "\n```";

/// Splits `text` into pieces of at most `limit` characters (code points).
///
/// Pieces break between lines; a single line longer than about half the limit is cut at a space
/// (or, failing that, anywhere). A piece that would end inside a ```` ``` ```` code block is closed with
/// a fence and the next piece reopens it with the same opening line (language tag kept), so every
/// piece renders on its own. Blank pieces are dropped; an empty text gives one empty piece.
/// `limit` is raised to 64 if smaller.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(64);
    let text = text.trim_end();
    if text.chars().count() <= limit {
        return vec![text.to_string()];
    }
    // A reopened fence and one line after it, both cut to this, still leave room for the close.
    let max_line = (limit - CLOSE.chars().count() - 1) / 2;
    let mut chunks = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    // The opening line of the code block we are in, if any.
    let mut fence: Option<String> = None;

    for line in text.lines().flat_map(|l| cut_line(l, max_line)) {
        let is_fence = line.trim_start().starts_with("```");
        let inside_after = if is_fence {
            fence.is_none()
        } else {
            fence.is_some()
        };
        let sep = usize::from(!cur.is_empty());
        let reserve = if inside_after {
            CLOSE.chars().count()
        } else {
            0
        };
        let len = line.chars().count();
        if cur_len + sep + len + reserve > limit && !cur.is_empty() {
            if let Some(open) = &fence {
                cur.push_str(CLOSE);
                chunks.push(std::mem::take(&mut cur));
                cur.push_str(open);
                cur_len = open.chars().count();
            } else {
                chunks.push(std::mem::take(&mut cur));
                cur_len = 0;
            }
        }
        if !cur.is_empty() {
            cur.push('\n');
            cur_len += 1;
        }
        cur.push_str(&line);
        cur_len += len;
        if is_fence {
            fence = match fence {
                Some(_) => None,
                None => Some(line.trim().to_string()),
            };
        }
    }
    if fence.is_some() {
        // The text itself left a block open: close it so the last piece is balanced too.
        cur.push_str(CLOSE);
    }
    chunks.push(cur);
    chunks.retain(|c| !c.trim().is_empty());
    if chunks.is_empty() {
        chunks.push(String::new());
    }
    chunks
}

/// Packs rendered blocks (each a self-contained piece of text, code fences balanced) into pieces
/// of at most `limit` characters, blocks joined by a line break.
///
/// A block that does not fit in the current piece but fits in a piece of its own starts the next
/// piece, so pieces break between blocks. A block longer than a piece is split by
/// [`split_message`], continuing the current piece (its code block closed at the end of each
/// piece and reopened at the start of the next). Trailing white space of pieces is dropped, blank
/// pieces too; no blocks give one empty piece. `limit` is raised to 64 if smaller.
pub fn pack(blocks: &[String], limit: usize) -> Vec<String> {
    let limit = limit.max(64);
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut cur_len = 0usize;
    let mut started = false;
    for block in blocks {
        let len = block.chars().count();
        if !started {
            started = true;
            if len <= limit {
                cur.clone_from(block);
                cur_len = len;
                continue;
            }
        } else if cur_len + 1 + len <= limit {
            cur.push('\n');
            cur.push_str(block);
            cur_len += 1 + len;
            continue;
        } else if len <= limit {
            pieces.push(std::mem::replace(&mut cur, block.clone()));
            cur_len = len;
            continue;
        }
        // Longer than a piece: split, starting in the current piece.
        let joined = if cur.is_empty() {
            block.clone()
        } else {
            format!("{cur}\n{block}")
        };
        let mut split = split_message(&joined, limit);
        cur = split.pop().unwrap_or_default();
        cur_len = cur.chars().count();
        pieces.extend(split);
    }
    pieces.push(cur);
    for p in &mut pieces {
        p.truncate(p.trim_end().len());
    }
    pieces.retain(|p| !p.trim().is_empty());
    if pieces.is_empty() {
        pieces.push(String::new());
    }
    pieces
}

/// Cuts one line into pieces of at most `max` characters, preferring to cut after a space.
fn cut_line(line: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= max {
        return vec![line.to_string()];
    }
    let mut out = Vec::new();
    let mut start = 0;
    while chars.len() - start > max {
        let window = &chars[start..start + max];
        let cut = window
            .iter()
            .rposition(|c| *c == ' ')
            .filter(|p| *p >= max / 2)
            .map_or(max, |p| p + 1);
        out.push(window[..cut].iter().collect());
        start += cut;
    }
    out.push(chars[start..].iter().collect());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balanced(s: &str) -> bool {
        s.lines()
            .filter(|l| l.trim_start().starts_with("```"))
            .count()
            % 2
            == 0
    }

    #[test]
    fn short_text_is_one_piece() {
        assert_eq!(split_message("hello\n", 2000), vec!["hello".to_string()]);
        assert_eq!(split_message("", 2000), vec![String::new()]);
    }

    #[test]
    fn long_text_splits_at_lines_with_fences_balanced() {
        let mut text = String::from("Intro\n```powershell\n");
        for i in 0..200 {
            text.push_str(&format!("slmgr /ato # attempt number {i:04} .........\n"));
        }
        text.push_str("```\nDone.\n");
        let pieces = split_message(&text, 2000);
        assert!(pieces.len() >= 3, "{}", pieces.len());
        for p in &pieces {
            assert!(p.chars().count() <= 2000);
            assert!(balanced(p), "unbalanced: {p}");
        }
        assert!(pieces[1].starts_with("```powershell\n"));
        let joined: String = pieces.concat();
        for i in 0..200 {
            assert!(joined.contains(&format!("attempt number {i:04}")));
        }
        assert!(pieces.last().is_some_and(|p| p.ends_with("Done.")));
    }

    #[test]
    fn very_long_lines_are_cut() {
        let text = "word ".repeat(1000);
        let pieces = split_message(&text, 2000);
        assert!(pieces.len() >= 3);
        assert!(pieces.iter().all(|p| p.chars().count() <= 2000));
        let total: usize = pieces.iter().map(|p| p.split_whitespace().count()).sum();
        assert_eq!(total, 1000);
    }

    #[test]
    fn unclosed_block_is_closed() {
        let text = format!("```\n{}", "x\n".repeat(1500));
        let pieces = split_message(&text, 2000);
        assert!(pieces
            .iter()
            .all(|p| balanced(p) && p.chars().count() <= 2000));
    }

    #[test]
    fn short_blocks_make_one_piece_joined_by_line_breaks() {
        let blocks = vec!["one".to_string(), "```\ntwo\n```".into(), "three\n".into()];
        assert_eq!(pack(&blocks, 2000), vec!["one\n```\ntwo\n```\nthree"]);
        assert_eq!(pack(&[], 2000), vec![String::new()]);
    }

    #[test]
    fn pieces_break_between_blocks_that_fit_a_piece() {
        let text = "word ".repeat(300).trim_end().to_string();
        let code = format!("```sh\n{}\n```", "echo hello\n".repeat(70).trim_end());
        let blocks = vec![text.clone(), code.clone(), "Done.".to_string()];
        let pieces = pack(&blocks, 2000);
        assert_eq!(pieces, vec![text, format!("{code}\nDone.")]);
    }

    #[test]
    fn a_code_block_longer_than_a_piece_is_closed_and_reopened() {
        let lines: Vec<String> = (0..150)
            .map(|i| format!("slmgr /skms kms.example.internal:1688 # host {i:03}"))
            .collect();
        let code = format!("```powershell\n{}\n```", lines.join("\n"));
        let blocks = vec!["Run these:".to_string(), code, "Then check.".to_string()];
        let pieces = pack(&blocks, 2000);
        assert!(pieces.len() >= 4, "{}", pieces.len());
        for p in &pieces {
            assert!(p.chars().count() <= 2000);
            assert!(balanced(p), "unbalanced: {p}");
        }
        // The block starts in the piece of the text before it; later pieces reopen its fence.
        assert!(pieces[0].starts_with("Run these:\n```powershell\n"));
        assert!(pieces[1..].iter().all(|p| p.starts_with("```powershell\n")));
        assert!(pieces
            .last()
            .is_some_and(|p| p.ends_with("```\nThen check.")));
        let joined = pieces.concat();
        assert!(lines.iter().all(|l| joined.contains(l.as_str())));
    }
}
