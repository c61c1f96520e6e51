//! The console adapter's protocol: parsing what the person types and printing what the bot says.
//!
//! The driving loop (prompt, history, defaults that need the database) lives in the bot; this
//! module is the pure part: the line grammar of the console contract and the transcript format.

use crate::chat::{Chat, ChatError, Outgoing, Platform};
use crate::emoji;
use async_trait::async_trait;
use std::io::Write;
use std::sync::Mutex;

/// One line typed at the console, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsoleLine {
    /// An empty line: nothing happens.
    Empty,
    /// A plain message from the current user in the current channel.
    Say(String),
    /// `/as NAME`: switch the speaker.
    As(String),
    /// `/in CHANNEL`: switch the channel (leaves any thread).
    In(String),
    /// `/dm`: talk to the bot in a direct message.
    Dm,
    /// `/react EMOJI [ID]`: add a reaction; `None` means the latest message here that accepts reactions.
    React {
        /// Slack-style emoji name.
        emoji: String,
        /// Target message id.
        id: Option<i64>,
    },
    /// `/unreact EMOJI [ID]`: remove a reaction.
    Unreact {
        /// Slack-style emoji name.
        emoji: String,
        /// Target message id.
        id: Option<i64>,
    },
    /// `/thread ID`: speak inside the thread of message ID.
    Thread(i64),
    /// `/thread off`: leave the thread.
    ThreadOff,
    /// `/help` (console commands, not the bot's help).
    ConsoleHelp,
    /// `/quit` or `/exit`.
    Quit,
}

/// A console line that does not follow the grammar; the message says what works.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConsoleLineError(pub String);

/// What `/help` prints: the console's own commands.
pub const CONSOLE_HELP: &str = "\
console commands:
  /as NAME             speak as NAME (user id console:NAME)
  /in CHANNEL          speak in CHANNEL
  /dm                  speak to the bot in a direct message
  /react EMOJI [ID]    react to message ID (default: the latest approval request here)
  /unreact EMOJI [ID]  remove that reaction
  /thread ID | off     speak inside the thread of message ID, or leave it
  /quit                leave
anything else is a message to the bot; try `help`.";

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_id(s: &str, usage: &str) -> Result<i64, ConsoleLineError> {
    s.trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            ConsoleLineError(format!(
                "`{s}` is not a message id; ids are the numbers in `[#ID]`, e.g. {usage}"
            ))
        })
}

fn parse_reaction(rest: &str, cmd: &str) -> Result<(String, Option<i64>), ConsoleLineError> {
    let usage = format!("/{cmd} white_check_mark 3");
    let mut parts = rest.split_whitespace();
    let emoji = parts.next().ok_or_else(|| {
        ConsoleLineError(format!(
            "/{cmd} needs an emoji, e.g. `{usage}` or `/{cmd} ✅`"
        ))
    })?;
    let id = parts.next().map(|s| parse_id(s, &usage)).transpose()?;
    if parts.next().is_some() {
        return Err(ConsoleLineError(format!(
            "/{cmd} takes an emoji and at most one message id, e.g. `{usage}`"
        )));
    }
    Ok((emoji::normalize(emoji), id))
}

/// Parses one line of console input.
pub fn parse_line(line: &str) -> Result<ConsoleLine, ConsoleLineError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(ConsoleLine::Empty);
    }
    let Some(body) = line.strip_prefix('/') else {
        return Ok(ConsoleLine::Say(line.to_string()));
    };
    let (cmd, rest) = match body.split_once(char::is_whitespace) {
        Some((c, r)) => (c, r.trim()),
        None => (body, ""),
    };
    match cmd {
        "as" => {
            if valid_name(rest) {
                Ok(ConsoleLine::As(rest.to_string()))
            } else {
                Err(ConsoleLineError(
                    "/as needs one name of letters, digits, `-`, `_` or `.`, e.g. `/as alice`"
                        .into(),
                ))
            }
        }
        "in" => {
            let ch = rest.trim_start_matches('#');
            if valid_name(ch) {
                Ok(ConsoleLine::In(ch.to_string()))
            } else {
                Err(ConsoleLineError(
                    "/in needs one channel name of letters, digits, `-`, `_` or `.`, e.g. `/in ops`"
                        .into(),
                ))
            }
        }
        "dm" if rest.is_empty() => Ok(ConsoleLine::Dm),
        "react" => parse_reaction(rest, "react").map(|(emoji, id)| ConsoleLine::React { emoji, id }),
        "unreact" => {
            parse_reaction(rest, "unreact").map(|(emoji, id)| ConsoleLine::Unreact { emoji, id })
        }
        "thread" => match rest {
            "off" => Ok(ConsoleLine::ThreadOff),
            "" => Err(ConsoleLineError(
                "/thread needs a message id or `off`, e.g. `/thread 4`".into(),
            )),
            id => parse_id(id, "`/thread 4`").map(ConsoleLine::Thread),
        },
        "help" => Ok(ConsoleLine::ConsoleHelp),
        "quit" | "exit" => Ok(ConsoleLine::Quit),
        _ => Err(ConsoleLineError(format!(
            "unknown console command `/{cmd}`; the console knows /as, /in, /dm, /react, /unreact, /thread, /help, /quit"
        ))),
    }
}

/// Text made safe for a terminal: control characters (ANSI/OSC escape sequences start with ESC,
/// a bare CR rewrites the line) and bidirectional overrides become visible `\u{..}` escapes, so
/// text from chat cannot restyle, retitle or hide parts of the transcript. Newlines and tabs stay.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `head` then the lines of `text` (Markdown), continuation lines indented.
fn body(head: String, text: &str) -> String {
    let mut s = head;
    let text = crate::chat::replace_mentions(text, |id| format!("@{id}"));
    let text = printable(&text);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            s.push('\n');
            s.push_str("    ");
        }
        s.push_str(line);
    }
    s
}

/// Formats a bot action as transcript lines, per the console contract:
/// `[#ID] kmsbot: TEXT` (continuation lines indented), `[#ID edited] kmsbot: TEXT`, `[#ID +EMOJI]`.
/// TEXT is the message's Markdown ([`crate::chat::Message::to_markdown`]).
pub fn render(out: &Outgoing) -> String {
    match out {
        Outgoing::Post {
            local_id, message, ..
        } => body(format!("[#{local_id}] kmsbot: "), &message.to_markdown()),
        Outgoing::Edit {
            local_id, message, ..
        } => body(
            format!("[#{local_id} edited] kmsbot: "),
            &message.to_markdown(),
        ),
        Outgoing::React {
            local_id, emoji, ..
        } => format!("[#{local_id} +{emoji}]"),
    }
}

/// An edit for a person at a terminal: `[#ID edited] kmsbot: ` with the first line (a progress
/// message's headline) and then only the lines that differ from the message's previous text, so a
/// progress edit shows what changed instead of the whole block again.
pub fn render_edit_changes(local_id: i64, old: &str, new: &str) -> String {
    let old: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut shown: Vec<&str> = Vec::new();
    for (i, line) in new_lines.iter().enumerate() {
        if i == 0 || old.get(i) != Some(line) {
            shown.push(line);
        }
    }
    let unchanged = new_lines.len() - shown.len();
    let mut text = shown.join("\n");
    if unchanged > 0 {
        text.push_str(&format!("\n({unchanged} unchanged line(s) not repeated)"));
    }
    body(format!("[#{local_id} edited] kmsbot: "), &text)
}

/// The console's [`Chat`]: prints the transcript to a writer (stdout in `kmsbot chat`).
pub struct ConsoleChat {
    out: Mutex<Box<dyn Write + Send>>,
    /// For a person at a terminal: the last text of each message, so edits show only changes.
    /// `None` for piped transcripts, which keep the full `[#ID edited]` text of the contract.
    seen: Option<Mutex<std::collections::HashMap<i64, String>>>,
}

impl ConsoleChat {
    /// A console printing the transcript contract to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        ConsoleChat {
            out: Mutex::new(out),
            seen: None,
        }
    }

    /// A console for a person at a terminal: an edit prints only the lines that changed.
    pub fn interactive(out: Box<dyn Write + Send>) -> Self {
        ConsoleChat {
            out: Mutex::new(out),
            seen: Some(Mutex::new(std::collections::HashMap::new())),
        }
    }

    fn text_for(&self, out: &Outgoing) -> String {
        let Some(seen) = &self.seen else {
            return render(out);
        };
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        match out {
            Outgoing::Post {
                local_id, message, ..
            } => {
                seen.insert(*local_id, message.to_markdown());
                render(out)
            }
            Outgoing::Edit {
                local_id, message, ..
            } => {
                let text = message.to_markdown();
                let line = match seen.get(local_id) {
                    Some(old) => render_edit_changes(*local_id, old, &text),
                    None => render(out),
                };
                seen.insert(*local_id, text);
                line
            }
            Outgoing::React { .. } => render(out),
        }
    }
}

#[async_trait]
impl Chat for ConsoleChat {
    fn platform(&self) -> Platform {
        Platform::Console
    }

    async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
        let text = self.text_for(out);
        {
            // A poisoned lock only means another print panicked; the writer itself is still usable.
            let mut w = self.out.lock().unwrap_or_else(|e| e.into_inner());
            writeln!(w, "{text}")?;
            w.flush()?;
        }
        Ok(match out {
            Outgoing::Post { local_id, .. } => Some(local_id.to_string()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_chat_are_shown_not_obeyed() {
        let post = Outgoing::Post {
            local_id: 1,
            channel: "general".into(),
            thread: None,
            message: "I don't know `\u{1b}]0;owned\u{7}\u{1b}[2J` or \u{202E}txt.exe\r".into(),
            buttons: Vec::new(),
        };
        let shown = render(&post);
        assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
        assert!(shown.contains(r"\u{1b}]0;owned\u{7}\u{1b}[2J"), "{shown}");
        assert!(shown.contains(r"\u{202e}txt.exe\u{d}"), "{shown}");
        assert_eq!(printable("plain\ttext\n"), "plain\ttext\n");
    }

    #[test]
    fn grammar() {
        assert_eq!(parse_line("  "), Ok(ConsoleLine::Empty));
        assert_eq!(parse_line("help"), Ok(ConsoleLine::Say("help".into())));
        assert_eq!(parse_line("/as alice"), Ok(ConsoleLine::As("alice".into())));
        assert_eq!(parse_line("/in #ops"), Ok(ConsoleLine::In("ops".into())));
        assert_eq!(parse_line("/dm"), Ok(ConsoleLine::Dm));
        assert_eq!(
            parse_line("/react ✅"),
            Ok(ConsoleLine::React {
                emoji: "white_check_mark".into(),
                id: None
            })
        );
        assert_eq!(
            parse_line("/react :x: 12"),
            Ok(ConsoleLine::React {
                emoji: "x".into(),
                id: Some(12)
            })
        );
        assert_eq!(
            parse_line("/unreact white_check_mark #3"),
            Ok(ConsoleLine::Unreact {
                emoji: "white_check_mark".into(),
                id: Some(3)
            })
        );
        assert_eq!(parse_line("/thread 7"), Ok(ConsoleLine::Thread(7)));
        assert_eq!(parse_line("/thread off"), Ok(ConsoleLine::ThreadOff));
        assert_eq!(parse_line("/quit"), Ok(ConsoleLine::Quit));
    }

    #[test]
    fn bad_lines_say_what_works() {
        let e = parse_line("/as").unwrap_err();
        assert!(e.0.contains("/as alice"), "{e}");
        let e = parse_line("/as bob smith").unwrap_err();
        assert!(e.0.contains("/as alice"), "{e}");
        let e = parse_line("/react").unwrap_err();
        assert!(e.0.contains("/react white_check_mark 3"), "{e}");
        let e = parse_line("/react x abc").unwrap_err();
        assert!(e.0.contains("not a message id"), "{e}");
        let e = parse_line("/thread").unwrap_err();
        assert!(e.0.contains("/thread 4"), "{e}");
        let e = parse_line("/frobnicate").unwrap_err();
        assert!(e.0.contains("unknown console command `/frobnicate`"), "{e}");
    }

    #[test]
    fn an_interactive_edit_shows_only_what_changed() {
        let old = "Job #1 on web-01 (kms): running\n✅ 1. a\n▫️ 2. b\n▫️ 3. c";
        let new = "Job #1 on web-01 (kms): running\n✅ 1. a\n✅ 2. b\n▫️ 3. c";
        assert_eq!(
            render_edit_changes(4, old, new),
            "[#4 edited] kmsbot: Job #1 on web-01 (kms): running\n    ✅ 2. b\n    (2 unchanged line(s) not repeated)"
        );
    }

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn at_a_terminal_edits_show_changes_and_piped_transcripts_keep_full_edits() {
        let post = Outgoing::Post {
            local_id: 3,
            channel: "general".into(),
            thread: None,
            message: "Job #1 on web-01 (kms): running\n▫️ 1. a\n▫️ 2. b".into(),
            buttons: Vec::new(),
        };
        let edit = Outgoing::Edit {
            local_id: 3,
            channel: "general".into(),
            thread: None,
            message_ref: "3".into(),
            message: "Job #1 on web-01 (kms): running\n✅ 1. a\n▫️ 2. b".into(),
        };
        let person = Shared::default();
        let chat = ConsoleChat::interactive(Box::new(person.clone()));
        chat.send(&post).await.unwrap();
        chat.send(&edit).await.unwrap();
        let shown = String::from_utf8(person.0.lock().unwrap().clone()).unwrap();
        assert!(
            shown.ends_with("[#3 edited] kmsbot: Job #1 on web-01 (kms): running\n    ✅ 1. a\n    (1 unchanged line(s) not repeated)\n"),
            "{shown}"
        );
        let piped = Shared::default();
        let chat = ConsoleChat::new(Box::new(piped.clone()));
        chat.send(&post).await.unwrap();
        chat.send(&edit).await.unwrap();
        let shown = String::from_utf8(piped.0.lock().unwrap().clone()).unwrap();
        assert!(
            shown.ends_with(
                "[#3 edited] kmsbot: Job #1 on web-01 (kms): running\n    ✅ 1. a\n    ▫️ 2. b\n"
            ),
            "{shown}"
        );
    }

    #[test]
    fn structured_messages_print_as_the_markdown_they_stand_for() {
        use crate::chat::{mention, Block, Field, Message};
        let message = Message::markdown(format!("Filed **FW-1** for {}:", mention("alice")))
            .with_fields(vec![
                Field::new("Kind", "firewall rule"),
                Field::new("Ports", "`1688`"),
            ])
            .with_markdown("The rule:")
            .with_code(Some("sh"), "openstack security group rule create")
            .with_markdown("Next: approve.");
        let post = |local_id, message| Outgoing::Post {
            local_id,
            channel: "general".into(),
            thread: None,
            message,
            buttons: vec![],
        };
        assert_eq!(
            render(&post(5, message)),
            "[#5] kmsbot: Filed **FW-1** for @alice:\n    - **Kind:** firewall rule\n    - **Ports:** `1688`\n    The rule:\n    ```sh\n    openstack security group rule create\n    ```\n    Next: approve."
        );
        // Markdown split into blocks prints exactly as the Markdown itself did.
        let answer = "Run this:\n\n```\nslmgr /dli\n```\n\nThen paste the output.\n";
        let parsed = Message::markdown(answer);
        assert_eq!(parsed.blocks.len(), 3, "{parsed:?}");
        let whole = Message {
            blocks: vec![Block::Text(answer.into())],
        };
        assert_eq!(render(&post(6, parsed)), render(&post(6, whole)));
        assert_eq!(
            render(&post(6, answer.into())),
            "[#6] kmsbot: Run this:\n    \n    ```\n    slmgr /dli\n    ```\n    \n    Then paste the output."
        );
    }

    #[test]
    fn transcript_format() {
        let post = Outgoing::Post {
            local_id: 4,
            channel: "general".into(),
            thread: None,
            message: "line one\nline two".into(),
            buttons: vec![],
        };
        assert_eq!(render(&post), "[#4] kmsbot: line one\n    line two");
        let edit = Outgoing::Edit {
            local_id: 4,
            channel: "general".into(),
            thread: None,
            message_ref: "4".into(),
            message: "done".into(),
        };
        assert_eq!(render(&edit), "[#4 edited] kmsbot: done");
        let react = Outgoing::React {
            local_id: 4,
            channel: "general".into(),
            thread: None,
            message_ref: "4".into(),
            emoji: "white_check_mark".into(),
        };
        assert_eq!(render(&react), "[#4 +white_check_mark]");
    }
}
