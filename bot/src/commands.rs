//! The one registry of chat commands (names, usage, descriptions, examples) and their parser;
//! `help` is generated from the registry.

use crate::errors::UserError;

/// One chat command.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The first word.
    pub name: &'static str,
    /// How to call it.
    pub usage: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// A working example.
    pub example: &'static str,
}

/// Every command the bot understands, in the order `help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        usage: "help [COMMAND]",
        summary: "what I can do, or the details of one command",
        example: "help tickets",
    },
    CommandSpec {
        name: "tickets",
        usage: "tickets [open|all]",
        summary: "your firewall and internet-access tickets (or all open ones, or all)",
        example: "tickets open",
    },
    CommandSpec {
        name: "ticket",
        usage: "ticket ID",
        summary: "one ticket with every field and its history",
        example: "ticket FW-12",
    },
    CommandSpec {
        name: "approve",
        usage: "approve FW-12|JOB",
        summary: "approve a ticket or an activation job (approvers only; never your own)",
        example: "approve FW-12",
    },
    CommandSpec {
        name: "reject",
        usage: "reject FW-12|JOB [REASON]",
        summary: "reject a ticket or an activation job, saying why (approvers only)",
        example: "reject FW-12 source is too wide",
    },
    CommandSpec {
        name: "done",
        usage: "done FW-12",
        summary: "mark an approved ticket as applied (approvers only)",
        example: "done FW-12",
    },
    CommandSpec {
        name: "cancel",
        usage: "cancel [FW-12|JOB]",
        summary: "drop the request we are filling in, withdraw your ticket, or stop a job",
        example: "cancel NET-3",
    },
    CommandSpec {
        name: "jobs",
        usage: "jobs",
        summary: "recent activation jobs and their status",
        example: "jobs",
    },
    CommandSpec {
        name: "job",
        usage: "job N",
        summary: "one activation job with every step, its exit status and timing",
        example: "job 3",
    },
    CommandSpec {
        name: "instances",
        usage: "instances",
        summary: "the Windows instances I may act on, with their editions",
        example: "instances",
    },
];

/// What a ticket/job command refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `FW-12`, `NET-3`.
    Ticket(String),
    /// A job number.
    Job(i64),
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `help [COMMAND]`
    Help(Option<String>),
    /// `instances`
    Instances,
    /// `tickets [open|all]`: "mine", "open" or "all".
    Tickets(&'static str),
    /// `ticket ID`
    Ticket(String),
    /// `approve X`
    Approve(Target),
    /// `reject X [REASON]`
    Reject(Target, Option<String>),
    /// `done ID`
    Done(String),
    /// `cancel [X]`
    Cancel(Option<Target>),
    /// `jobs`
    Jobs,
    /// `job N`
    Job(i64),
}

/// Requests written as sentences rather than commands: (what to write, what it does).
pub const REQUESTS: &[(&str, &str)] = &[
    (
        "activate web-01 [and web-02] [using kms HOST[:PORT] | online]",
        "run the activation steps on instances, once an approver agrees",
    ),
    (
        "make kms-01 a kms host",
        "set an instance up as a KMS host (its host key comes from the config, never from chat)",
    ),
    (
        "open tcp 1688 from 10.20.0.0/16 to 203.0.113.7",
        "file a firewall-rule ticket; I ask for anything missing",
    ),
    (
        "web-01 needs internet access for online activation",
        "file an internet-access ticket",
    ),
];

/// Looks a command up by its first word (case-insensitive).
pub fn find(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(word))
}

fn ticket_id(s: &str) -> Option<String> {
    let up = s
        .trim_matches(|c: char| c == '*' || c == '`' || c == '.')
        .to_ascii_uppercase();
    let (prefix, num) = up.split_once('-')?;
    (matches!(prefix, "FW" | "NET")
        && !num.is_empty()
        && num.len() <= 9
        && num.bytes().all(|b| b.is_ascii_digit()))
    .then_some(up)
}

fn job_id(s: &str) -> Option<i64> {
    let s = s.trim_start_matches('#');
    (!s.is_empty() && s.len() <= 12 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

fn target(words: &[&str]) -> Option<(Target, usize)> {
    match words {
        [w, ..] if ticket_id(w).is_some() => ticket_id(w).map(|t| (Target::Ticket(t), 1)),
        [j, n, ..] if j.eq_ignore_ascii_case("job") => job_id(n).map(|n| (Target::Job(n), 2)),
        [n, ..] => job_id(n).map(|n| (Target::Job(n), 1)),
        [] => None,
    }
}

/// Parses a message as a command. `None`: not a command (route it elsewhere);
/// `Some(Err)`: a command written wrongly, with an example of what works.
pub fn parse(text: &str) -> Option<Result<Command, UserError>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let first = words.first()?.to_ascii_lowercase();
    let rest = &words[1..];
    let spec = |name: &str| find(name).map(|c| c.example).unwrap_or("help");
    let bad = |name: &str, what: &str| Some(Err(UserError::new(what.to_string(), spec(name))));
    match first.as_str() {
        "help" | "?" => match rest {
            [] => Some(Ok(Command::Help(None))),
            [w] => Some(Ok(Command::Help(Some(w.to_string())))),
            _ => None,
        },
        "instances" if rest.is_empty() => Some(Ok(Command::Instances)),
        "tickets" => match rest {
            [] => Some(Ok(Command::Tickets("mine"))),
            [w] if w.eq_ignore_ascii_case("open") => Some(Ok(Command::Tickets("open"))),
            [w] if w.eq_ignore_ascii_case("all") => Some(Ok(Command::Tickets("all"))),
            [w] if w.eq_ignore_ascii_case("mine") => Some(Ok(Command::Tickets("mine"))),
            _ => bad("tickets", "`tickets` takes nothing, `open` or `all`."),
        },
        "ticket" => match rest {
            [w] => match ticket_id(w) {
                Some(id) => Some(Ok(Command::Ticket(id))),
                None => bad(
                    "ticket",
                    &format!("`{w}` is not a ticket id; ticket ids look like FW-12 or NET-3."),
                ),
            },
            _ if rest.len() > 1 => None,
            _ => bad("ticket", "`ticket` needs a ticket id."),
        },
        "approve" => match target(rest) {
            Some((t, used)) if used == rest.len() => Some(Ok(Command::Approve(t))),
            _ if rest.is_empty() => bad("approve", "`approve` needs a ticket id or a job number."),
            _ if rest.len() <= 2 => bad(
                "approve",
                &format!("`{}` is not a ticket id or job number.", rest.join(" ")),
            ),
            _ => None,
        },
        "reject" => match target(rest) {
            Some((t, used)) => {
                let reason = rest[used..].join(" ");
                Some(Ok(Command::Reject(
                    t,
                    (!reason.is_empty()).then_some(reason),
                )))
            }
            None if rest.is_empty() => bad("reject", "`reject` needs a ticket id or a job number."),
            None => bad(
                "reject",
                &format!("`{}` is not a ticket id or job number.", rest[0]),
            ),
        },
        "done" => match rest {
            [w] => match ticket_id(w) {
                Some(id) => Some(Ok(Command::Done(id))),
                None => bad(
                    "done",
                    &format!("`{w}` is not a ticket id; ticket ids look like FW-12 or NET-3."),
                ),
            },
            _ => None,
        },
        "cancel" => match target(rest) {
            Some((t, used)) if used == rest.len() => Some(Ok(Command::Cancel(Some(t)))),
            _ if rest.is_empty() => Some(Ok(Command::Cancel(None))),
            _ => None,
        },
        "jobs" if rest.is_empty() => Some(Ok(Command::Jobs)),
        "job" => match rest {
            [n] => match job_id(n) {
                Some(n) => Some(Ok(Command::Job(n))),
                None => bad("job", &format!("`{n}` is not a job number.")),
            },
            _ => None,
        },
        _ => None,
    }
}

/// The text of `help`.
pub fn help() -> String {
    let mut s = String::from(
        "I'm kmsbot. I help you activate Windows instances brought with your own licence.\n\
         Ask me a question in plain words (\"what is the KMS key for Server 2019 Datacenter?\", \"what does 0xC004F074 mean?\"), \
         or use a command:\n",
    );
    for c in COMMANDS {
        s.push_str(&format!(
            "• `{}`: {} (e.g. `{}`)\n",
            c.usage, c.summary, c.example
        ));
    }
    s.push_str("Say `help COMMAND` for one command's details.");
    s
}

/// The text of `help COMMAND`.
pub fn help_for(word: &str) -> Option<String> {
    find(word).map(|c| format!("`{}`: {}\nExample: `{}`", c.usage, c.summary, c.example))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for c in COMMANDS {
            assert!(names.insert(c.name), "duplicate command {}", c.name);
            assert!(c.usage.starts_with(c.name), "{}", c.name);
            assert!(c.example.starts_with(c.name), "{}", c.name);
            assert!(!c.summary.is_empty());
            // Every example parses as the command it illustrates.
            assert!(matches!(parse(c.example), Some(Ok(_))), "{}", c.example);
        }
        let h = help();
        for c in COMMANDS {
            assert!(h.contains(c.usage));
        }
        assert!(help_for("HELP").is_some());
        assert!(help_for("nope").is_none());
    }

    #[test]
    fn parser() {
        assert_eq!(parse("tickets"), Some(Ok(Command::Tickets("mine"))));
        assert_eq!(parse("Tickets open"), Some(Ok(Command::Tickets("open"))));
        assert_eq!(
            parse("ticket fw-12"),
            Some(Ok(Command::Ticket("FW-12".into())))
        );
        assert_eq!(
            parse("approve FW-3"),
            Some(Ok(Command::Approve(Target::Ticket("FW-3".into()))))
        );
        assert_eq!(
            parse("approve 4"),
            Some(Ok(Command::Approve(Target::Job(4))))
        );
        assert_eq!(
            parse("approve job #4"),
            Some(Ok(Command::Approve(Target::Job(4))))
        );
        assert_eq!(
            parse("reject NET-2 not needed any more"),
            Some(Ok(Command::Reject(
                Target::Ticket("NET-2".into()),
                Some("not needed any more".into())
            )))
        );
        assert_eq!(parse("cancel"), Some(Ok(Command::Cancel(None))));
        assert_eq!(
            parse("cancel 7"),
            Some(Ok(Command::Cancel(Some(Target::Job(7)))))
        );
        assert_eq!(parse("job 7"), Some(Ok(Command::Job(7))));
        assert_eq!(parse("jobs"), Some(Ok(Command::Jobs)));
        assert!(matches!(parse("ticket FW12"), Some(Err(_))));
        assert!(matches!(parse("approve"), Some(Err(_))));
        assert!(matches!(parse("approve banana"), Some(Err(_))));
        // Sentences that start with a command word are not commands.
        assert_eq!(parse("help me activate windows server 2019 please"), None);
        assert_eq!(parse("cancel my request for web-01 please"), None);
        assert_eq!(parse("what is a ticket"), None);
    }
}
