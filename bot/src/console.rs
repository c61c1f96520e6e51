//! The console adapter's driver: reads lines (a prompt with history on a terminal, or a piped
//! script), keeps who is speaking where, and feeds events through the same `App::handle` as Slack
//! and Discord.

use crate::app::App;
use crate::approvals;
use adapters::console::{parse_line, ConsoleChat, ConsoleLine, CONSOLE_HELP};
use adapters::{Incoming, IncomingKind, Platform};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};
use tokio::sync::mpsc;

/// How `kmsbot chat` runs.
#[derive(Debug, Clone)]
pub struct ConsoleOptions {
    /// At end of a piped script, do not wait for running jobs.
    pub no_wait: bool,
    /// Where the interactive history is kept.
    pub history: Option<PathBuf>,
    /// The first speaker.
    pub user: String,
    /// The first channel.
    pub channel: String,
}

impl Default for ConsoleOptions {
    fn default() -> Self {
        ConsoleOptions {
            no_wait: false,
            history: None,
            user: "you".into(),
            channel: "general".into(),
        }
    }
}

/// Who speaks where: the console's state.
#[derive(Debug, Clone)]
struct Speaker {
    user: String,
    channel: String,
    direct: bool,
    thread: Option<i64>,
}

impl Speaker {
    fn channel(&self) -> String {
        if self.direct {
            format!("dm-{}", self.user)
        } else {
            self.channel.clone()
        }
    }

    /// The event of this speaker saying `text` as the run's `n`th line.
    fn says(&self, text: String, run_id: u128, n: u64) -> Incoming {
        Incoming {
            platform: Platform::Console,
            event_id: format!("console-{run_id}-{n}"),
            channel: self.channel(),
            thread: self.thread.map(|t| t.to_string()),
            user: Platform::Console.user_id(&self.user),
            user_name: Some(self.user.clone()),
            roles: Vec::new(),
            kind: IncomingKind::Message {
                text,
                message_ref: format!("in-{run_id}-{n}"),
                direct: self.direct,
            },
        }
    }

    fn prompt(&self) -> String {
        let place = if self.direct {
            "dm".to_string()
        } else {
            format!("#{}", self.channel)
        };
        match self.thread {
            Some(t) => format!("{}@{} (thread #{t})> ", self.user, place),
            None => format!("{}@{}> ", self.user, place),
        }
    }
}

fn console_error(msg: &str) {
    eprintln!("console: {msg}");
}

/// The transcript writer for a person at a terminal. While the prompt is showing (a job's
/// progress arrives as the user types), a message clears the prompt line, is printed, and the
/// prompt is drawn again after it. (rustyline's external printer would redraw the half-typed text
/// too, but in rustyline 17 it stalls on input that arrives several bytes at once, as over SSH.)
struct PromptWriter {
    /// The prompt while `readline` shows it; `None` while a line is being handled.
    showing: Arc<std::sync::Mutex<Option<String>>>,
    buf: Vec<u8>,
}

impl std::io::Write for PromptWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        self.buf.clear();
        let showing = self
            .showing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut out = std::io::stdout().lock();
        match showing {
            Some(prompt) => write!(out, "\r\x1b[K{text}{prompt}")?,
            None => write!(out, "{text}")?,
        }
        out.flush()
    }
}

/// The interactive reader's channels: prompts in, lines out, and the transcript writer.
type TerminalReader = (
    std::sync::mpsc::Sender<String>,
    mpsc::Receiver<Option<String>>,
    PromptWriter,
);

/// Reads lines from a terminal with line editing and history, on a blocking thread; each prompt
/// is sent by the driver after the previous line was handled.
fn terminal_reader(history: Option<PathBuf>) -> TerminalReader {
    let (prompt_tx, prompt_rx) = std::sync::mpsc::channel::<String>();
    let (line_tx, line_rx) = mpsc::channel::<Option<String>>(1);
    let showing = Arc::new(std::sync::Mutex::new(None::<String>));
    let writer = PromptWriter {
        showing: showing.clone(),
        buf: Vec::new(),
    };
    std::thread::spawn(move || {
        let mut editor = match rustyline::DefaultEditor::new() {
            Ok(e) => e,
            Err(e) => {
                console_error(&format!("cannot start line editing: {e}"));
                let _ = line_tx.blocking_send(None);
                return;
            }
        };
        if let Some(h) = &history {
            let _ = editor.load_history(h);
        }
        let set_showing = |p: Option<String>| {
            *showing.lock().unwrap_or_else(|e| e.into_inner()) = p;
        };
        while let Ok(prompt) = prompt_rx.recv() {
            set_showing(Some(prompt.clone()));
            let read = editor.readline(&prompt);
            set_showing(None);
            match read {
                Ok(line) => {
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    if line_tx.blocking_send(Some(line)).is_err() {
                        break;
                    }
                }
                Err(rustyline::error::ReadlineError::Interrupted) => {
                    let _ = line_tx.blocking_send(Some(String::new()));
                }
                Err(_) => {
                    let _ = line_tx.blocking_send(None);
                    break;
                }
            }
        }
        if let Some(h) = &history {
            let _ = editor.save_history(h);
        }
    });
    (prompt_tx, line_rx, writer)
}

/// Keeps the calling thread, and every thread it starts from now on (SQLite's connection
/// threads, tokio's blocking threads), on the CPU it runs on. The console hands each line from
/// its runtime thread to SQLite's connection thread and back a few times; on one CPU such a
/// hand-over is a plain switch instead of a wake-up of another, possibly idle, CPU (about a third
/// less time per message on the 2-core development machine, see BENCHMARKS.md). Call it after
/// the knowledge base is built (that build uses two threads). Failing to pin changes nothing.
pub fn pin_to_one_cpu() {
    use nix::sched::{sched_getcpu, sched_setaffinity, CpuSet};
    let pinned = sched_getcpu().and_then(|cpu| {
        let mut set = CpuSet::new();
        set.set(cpu)?;
        sched_setaffinity(nix::unistd::Pid::from_raw(0), &set)
    });
    if let Err(e) = pinned {
        tracing::debug!(error = %e, "console not pinned to one CPU");
    }
}

/// Runs the console until end of input or `/quit`; registers the console's chat (stdout) first.
pub async fn run(app: Arc<App>, opts: ConsoleOptions) -> anyhow::Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let run_id = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut speaker = Speaker {
        user: opts.user.clone(),
        channel: opts.channel.clone(),
        direct: false,
        thread: None,
    };
    let mut terminal = None;
    let mut piped = None;
    if interactive {
        eprintln!("kmsbot console: type `help` to ask the bot what it can do, `/help` for console commands, Ctrl-D to leave.");
        let (prompt_tx, line_rx, writer) = terminal_reader(opts.history.clone());
        // For a person: edits show what changed, and the prompt is redrawn after each message
        // (only when stdout is that terminal too).
        let out: Box<dyn std::io::Write + Send> = if std::io::stdout().is_terminal() {
            Box::new(writer)
        } else {
            Box::new(std::io::stdout())
        };
        app.register_chat(Arc::new(ConsoleChat::interactive(out)));
        terminal = Some((prompt_tx, line_rx));
    } else {
        // A piped script gets the transcript contract (design §5), full edits included.
        // Buffered: the chat flushes after each message, so a message of many lines is one
        // write to the pipe rather than one per line.
        app.register_chat(Arc::new(ConsoleChat::new(Box::new(
            std::io::BufWriter::new(std::io::stdout()),
        ))));
        piped = Some(tokio::io::BufReader::new(tokio::io::stdin()));
    }
    // Time-limited tickets are checked once the console can say what the check finds.
    app.start_ticket_clock().await;
    let mut n: u64 = 0;
    // A line read ahead that ended a run of questions (see below), handled next.
    let mut carried: Option<String> = None;
    loop {
        let line = if let Some(l) = carried.take() {
            l
        } else if let Some((prompt_tx, line_rx)) = terminal.as_mut() {
            if prompt_tx.send(speaker.prompt()).is_err() {
                break;
            }
            match line_rx.recv().await.flatten() {
                Some(l) => l,
                None => break,
            }
        } else if let Some(input) = piped.as_mut() {
            match next_line_lossy(input).await? {
                Some(l) => l,
                None => break,
            }
        } else {
            break;
        };
        n += 1;
        let parsed = match parse_line(&line) {
            Ok(p) => p,
            Err(e) => {
                console_error(&e.to_string());
                continue;
            }
        };
        let event_id = format!("console-{run_id}-{n}");
        let ev = match parsed {
            ConsoleLine::Empty => continue,
            ConsoleLine::Quit => break,
            ConsoleLine::ConsoleHelp => {
                eprintln!("{CONSOLE_HELP}");
                continue;
            }
            ConsoleLine::As(name) => {
                speaker.user = name;
                continue;
            }
            ConsoleLine::In(channel) => {
                speaker.channel = channel;
                speaker.direct = false;
                speaker.thread = None;
                continue;
            }
            ConsoleLine::Dm => {
                speaker.direct = true;
                speaker.thread = None;
                continue;
            }
            ConsoleLine::ThreadOff => {
                speaker.thread = None;
                continue;
            }
            ConsoleLine::Thread(id) => {
                match app.store().message(id).await? {
                    Some(m) if m.platform == Platform::Console.as_str() => {
                        // Speaking in a thread also means speaking in its channel.
                        if let Some(dm_user) = m.channel.strip_prefix("dm-") {
                            speaker.direct = dm_user == speaker.user;
                        } else {
                            speaker.direct = false;
                            speaker.channel = m.channel.clone();
                        }
                        speaker.thread = Some(
                            m.thread
                                .as_deref()
                                .and_then(|t| t.parse().ok())
                                .unwrap_or(id),
                        );
                    }
                    _ => console_error(&format!(
                        "there is no message #{id}; use an id shown as `[#ID]`, e.g. `/thread 4`"
                    )),
                }
                continue;
            }
            ConsoleLine::Say(text) => {
                let mut run = vec![speaker.says(text, run_id, n)];
                // The lines of a script already read are handled as one run (`App::handle_run`:
                // its questions' answers are stored together), up to the first line that is
                // not something to say. Each line's replies still come before the next's.
                if let Some(input) = piped.as_mut() {
                    while run.len() < crate::answer_commit::ANSWERS_MAX
                        && input.buffer().contains(&b'\n')
                    {
                        let Some(line) = next_line_lossy(input).await? else {
                            break;
                        };
                        match parse_line(&line) {
                            Ok(ConsoleLine::Say(text)) => {
                                n += 1;
                                run.push(speaker.says(text, run_id, n));
                            }
                            Ok(ConsoleLine::Empty) => n += 1,
                            _ => {
                                carried = Some(line);
                                break;
                            }
                        }
                    }
                }
                app.handle_run(&run).await;
                app.flush().await;
                continue;
            }
            ConsoleLine::React { emoji, id } => {
                match reaction(&app, &speaker, &event_id, emoji, id, true).await? {
                    Some(ev) => ev,
                    None => continue,
                }
            }
            ConsoleLine::Unreact { emoji, id } => {
                match reaction(&app, &speaker, &event_id, emoji, id, false).await? {
                    Some(ev) => ev,
                    None => continue,
                }
            }
        };
        // Internal errors were already answered in the transcript with the apology and its
        // reference (`[#0]` when the database could not even record that).
        let _ = app.handle(&ev).await;
        // The transcript shows each line's replies before the next line.
        app.flush().await;
    }
    if !interactive && !opts.no_wait {
        app.wait_for_jobs().await;
    }
    Ok(())
}

/// The next line of a piped script without its line ending; bytes that are not UTF-8 (a file
/// in a legacy code page) become U+FFFD instead of ending the run.
async fn next_line_lossy<R: AsyncBufRead + Unpin>(
    input: &mut R,
) -> std::io::Result<Option<String>> {
    let mut buf = Vec::new();
    if input.read_until(b'\n', &mut buf).await? == 0 {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Builds a reaction event on message `id`; without an id, on the newest message in this channel
/// that accepts reactions (an approval request, pending ones first). Says on stderr which message
/// it reacted to, and when that message asks for no approval (the reaction changes nothing).
async fn reaction(
    app: &App,
    speaker: &Speaker,
    event_id: &str,
    emoji: String,
    id: Option<i64>,
    added: bool,
) -> anyhow::Result<Option<Incoming>> {
    let platform = Platform::Console.as_str();
    let mut conn = app.store().pool().acquire().await?;
    let (target, request) = match id {
        Some(id) => {
            let request = approvals::by_message(&mut conn, id).await?;
            (app.store().message(id).await?, request)
        }
        None => {
            match approvals::latest_in_channel(&mut conn, platform, &speaker.channel()).await? {
                Some(req) => (app.store().message(req.message_id).await?, Some(req)),
                None => (None, None),
            }
        }
    };
    drop(conn);
    let Some(m) = target.filter(|m| m.platform == platform) else {
        match id {
            Some(id) => console_error(&format!(
                "there is no message #{id}; react to an id shown as `[#ID]`"
            )),
            None => console_error(
                "no message in this channel accepts reactions yet (approval requests do); give a message id, e.g. `/react white_check_mark 3`",
            ),
        }
        return Ok(None);
    };
    let verb = if added { "reacting with" } else { "removing" };
    match &request {
        Some(req) => console_error(&format!(
            "{verb} :{emoji}: on #{}, {}",
            m.id,
            approvals::describe(req)
        )),
        None => console_error(&format!(
            "{verb} :{emoji}: on #{}; that message asks for no approval, so this changes nothing",
            m.id
        )),
    }
    let message_ref = m.platform_ref.clone().unwrap_or_else(|| m.id.to_string());
    Ok(Some(Incoming {
        platform: Platform::Console,
        event_id: event_id.to_string(),
        channel: m.channel.clone(),
        thread: m.thread.clone(),
        user: Platform::Console.user_id(&speaker.user),
        user_name: Some(speaker.user.clone()),
        roles: Vec::new(),
        kind: if added {
            IncomingKind::ReactionAdded { message_ref, emoji }
        } else {
            IncomingKind::ReactionRemoved { message_ref, emoji }
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn script_lines_are_decoded_lossily() {
        let mut input: &[u8] = b"help\r\nwhat is \xff\xfe?\nlast";
        let mut lines = Vec::new();
        while let Some(l) = next_line_lossy(&mut input).await.unwrap() {
            lines.push(l);
        }
        assert_eq!(lines, vec!["help", "what is \u{FFFD}\u{FFFD}?", "last"]);
    }
}
