//! Runs the real `kmsbot` binary with a piped console script and parses its transcript.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One bot line of the transcript: `[#ID] kmsbot: TEXT`, `[#ID edited] kmsbot: TEXT` or `[#ID +EMOJI]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A new message, with its continuation lines joined by `\n`.
    Post {
        /// Message id.
        id: i64,
        /// Text.
        text: String,
    },
    /// An edit of message `id`.
    Edit {
        /// Message id.
        id: i64,
        /// New text.
        text: String,
    },
    /// A reaction the bot added.
    React {
        /// Message id.
        id: i64,
        /// Emoji name.
        emoji: String,
    },
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: Option<i32>,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
    /// stdout parsed into bot lines.
    pub lines: Vec<Line>,
}

impl Run {
    /// The texts of posted messages, in order.
    pub fn posts(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| match l {
                Line::Post { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The post with this id.
    pub fn post(&self, id: i64) -> Option<&str> {
        self.lines.iter().find_map(|l| match l {
            Line::Post { id: i, text } if *i == id => Some(text.as_str()),
            _ => None,
        })
    }

    /// The id of the first post containing `needle`.
    pub fn id_of(&self, needle: &str) -> Option<i64> {
        self.lines.iter().find_map(|l| match l {
            Line::Post { id, text } if text.contains(needle) => Some(*id),
            _ => None,
        })
    }
}

/// Parses a console transcript.
pub fn parse(stdout: &str) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    for raw in stdout.lines() {
        if let Some(cont) = raw.strip_prefix("    ") {
            match lines.last_mut() {
                Some(Line::Post { text, .. }) | Some(Line::Edit { text, .. }) => {
                    text.push('\n');
                    text.push_str(cont);
                }
                _ => {}
            }
            continue;
        }
        let Some(rest) = raw.strip_prefix("[#") else {
            continue;
        };
        let Some((head, tail)) = rest.split_once(']') else {
            continue;
        };
        let mut parts = head.split_whitespace();
        let Some(id) = parts.next().and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        match parts.next() {
            None => {
                if let Some(text) = tail.strip_prefix(" kmsbot: ") {
                    lines.push(Line::Post {
                        id,
                        text: text.to_string(),
                    });
                }
            }
            Some("edited") => {
                if let Some(text) = tail.strip_prefix(" kmsbot: ") {
                    lines.push(Line::Edit {
                        id,
                        text: text.to_string(),
                    });
                }
            }
            Some(e) if e.starts_with('+') => lines.push(Line::React {
                id,
                emoji: e[1..].to_string(),
            }),
            _ => {}
        }
    }
    lines
}

/// A scratch directory with a database path and an optional config file.
pub struct Env {
    /// The temporary directory (removed on drop).
    pub dir: tempfile::TempDir,
    /// The binary to run.
    pub bin: PathBuf,
    /// Extra environment variables.
    pub vars: Vec<(String, String)>,
}

impl Env {
    /// A fresh directory for the binary at `bin`.
    pub fn new(bin: &str) -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            bin: PathBuf::from(bin),
            vars: Vec::new(),
        }
    }

    /// The database path.
    pub fn db(&self) -> PathBuf {
        self.dir.path().join("kmsbot.db")
    }

    /// Writes `kmsbot.toml` in the directory and returns its path.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join("kmsbot.toml");
        std::fs::write(&p, text).expect("write config");
        p
    }

    /// A file path inside the directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `kmsbot ARGS` in the directory with `stdin` piped.
    pub fn run(&self, args: &[&str], stdin: &str) -> Run {
        let out = self.output(args, stdin);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        Run {
            code: out.status.code(),
            lines: parse(&stdout),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, _) in std::env::vars() {
            if k.starts_with("KMSBOT_") {
                cmd.env_remove(k);
            }
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Spawns `kmsbot chat` on this directory's database and config with piped stdin/stdout, for
    /// scenarios that read the transcript as it is written (and may kill the process).
    pub fn spawn_chat(&self) -> std::process::Child {
        let db = self.db();
        let mut args = vec!["chat".to_string(), "--db".into(), path_str(&db).to_string()];
        let cfg = self.dir.path().join("kmsbot.toml");
        if cfg.exists() {
            args.push("--config".into());
            args.push(path_str(&cfg).to_string());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.command(&refs).spawn().expect("spawn kmsbot")
    }

    /// Spawns `kmsbot serve` on this directory's database and config and waits for its
    /// "listening on" line; returns the child and the HTTP address.
    pub fn spawn_serve(&self) -> (std::process::Child, std::net::SocketAddr) {
        let db = self.db();
        let cfg = self.dir.path().join("kmsbot.toml");
        let args = ["serve", "--db", path_str(&db), "--config", path_str(&cfg)];
        let mut cmd = self.command(&args);
        cmd.stdin(Stdio::null()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("spawn kmsbot serve");
        let seen = read_until(&mut child, "listening on http://");
        let addr = seen
            .rsplit("http://")
            .next()
            .and_then(|a| a.trim().parse().ok())
            .expect("an address after `listening on`");
        (child, addr)
    }

    fn output(&self, args: &[&str], stdin: &str) -> Output {
        self.output_bytes(args, stdin.as_bytes())
    }

    fn output_bytes(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = self.command(args).spawn().expect("spawn kmsbot");
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin);
        }
        child.wait_with_output().expect("wait for kmsbot")
    }

    /// `kmsbot chat --db DB` on a script given as raw bytes (which need not be UTF-8).
    pub fn chat_bytes(&self, script: &[u8]) -> Run {
        let db = self.db();
        let out = self.output_bytes(&["chat", "--db", path_str(&db)], script);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        Run {
            code: out.status.code(),
            lines: parse(&stdout),
            stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `kmsbot chat --db DB [--config CFG]` on a script.
    pub fn chat(&self, script: &str) -> Run {
        let db = self.db();
        let mut args = vec!["chat", "--db", path_str(&db)];
        let cfg = self.dir.path().join("kmsbot.toml");
        if cfg.exists() {
            args.push("--config");
            args.push(path_str(&cfg));
        }
        let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
        self.run(&refs, script)
    }

    /// `kmsbot ARGS --db DB [--config CFG]`.
    pub fn cli(&self, args: &[&str]) -> Run {
        let db = self.db();
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.push("--db".into());
        all.push(path_str(&db).to_string());
        let cfg = self.dir.path().join("kmsbot.toml");
        if cfg.exists() {
            all.push("--config".into());
            all.push(path_str(&cfg).to_string());
        }
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        self.run(&refs, "")
    }
}

/// Reads `child`'s stdout line by line until a line contains `needle` (or 60 s pass), returning
/// everything read. The child keeps running.
pub fn read_until(child: &mut std::process::Child, needle: &str) -> String {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let reader = std::io::BufReader::new(stdout);
        for line in reader.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut seen = String::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(needle) {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("`{needle}` never appeared; transcript so far:\n{seen}");
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_console_contract() {
        let out = "[#1] kmsbot: hello\n    world\n[#1 edited] kmsbot: done\n[#1 +white_check_mark]\nnoise\n";
        assert_eq!(
            parse(out),
            vec![
                Line::Post {
                    id: 1,
                    text: "hello\nworld".into()
                },
                Line::Edit {
                    id: 1,
                    text: "done".into()
                },
                Line::React {
                    id: 1,
                    emoji: "white_check_mark".into()
                },
            ]
        );
    }
}
