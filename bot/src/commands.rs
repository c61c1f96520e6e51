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
        usage: "help [TOPIC]",
        summary: "what I can do, or more on one topic or command",
        example: "help activate",
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
        usage: "approve FW-12|JOB [JOB …]",
        summary: "approve a ticket or an activation job (approvers only; never your own)",
        example: "approve FW-12",
    },
    CommandSpec {
        name: "reject",
        usage: "reject FW-12|JOB [JOB …] [REASON]",
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
        name: "retry",
        usage: "retry JOB",
        summary: "ask again for a failed job's plan: a new job, linked to the failed one, that needs approval again",
        example: "retry 4",
    },
    CommandSpec {
        name: "status",
        usage: "status [NAME …|tag:T|all]",
        summary: "the activation state of instances, read-only: licensed or not, channel, KMS host, days left, last error",
        example: "status web-01",
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
    /// Several job numbers (`approve 2 3`, `approve jobs 2 and 3`).
    Jobs(Vec<i64>),
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
    /// `retry N`
    Retry(i64),
    /// `status [NAME …|tag:T|all]`
    Status(crate::status::Selector),
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

/// A ticket id, or job numbers (`2`, `job 2`, `jobs 2 and 3`, `2, 3`), and how many words
/// they took.
fn target(words: &[&str]) -> Option<(Target, usize)> {
    if let Some(t) = words.first().and_then(|w| ticket_id(w)) {
        return Some((Target::Ticket(t), 1));
    }
    let number = |w: &str| job_id(w.trim_end_matches(','));
    let mut used = usize::from(
        words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("job") || w.eq_ignore_ascii_case("jobs")),
    );
    let mut ids = Vec::new();
    while let Some(w) = words.get(used) {
        if let Some(n) = number(w) {
            ids.push(n);
            used += 1;
        } else if w.eq_ignore_ascii_case("and")
            && !ids.is_empty()
            && words.get(used + 1).is_some_and(|n| number(n).is_some())
        {
            used += 1;
        } else {
            break;
        }
    }
    match ids.as_slice() {
        [] => None,
        [one] => Some((Target::Job(*one), used)),
        _ => Some((Target::Jobs(ids), used)),
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
        "retry" => match rest {
            [n] => match job_id(n) {
                Some(n) => Some(Ok(Command::Retry(n))),
                None => bad("retry", &format!("`{n}` is not a job number.")),
            },
            [w, n] if w.eq_ignore_ascii_case("job") => job_id(n).map(|n| Ok(Command::Retry(n))),
            [] => bad("retry", "`retry` needs the number of a failed job."),
            _ => None,
        },
        // Only names, tags and `all`: "status of my request" is a sentence, not a command.
        "status" => crate::status::parse_selector(rest).map(|s| Ok(Command::Status(s))),
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

/// Help topics beyond single commands: what a user can say in sentences, and how approvals go.
/// (names that call it up, text). Every example in a topic works as written.
pub const TOPICS: &[(&[&str], &str)] = &[
    (
        &["activate", "activation", "kms", "online"],
        "**Activating instances** (each job runs only after an approver agrees):\n\
         • `activate web-01`: KMS client activation through the configured `[kms] host`\n\
         • `activate web-01 and web-02 using kms kms.corp.example:1688`: through that KMS host\n\
         • `activate web-01 online`: online with Microsoft (needs the instance's `product_key` in the config and a done internet-access ticket)\n\
         • `make kms-01 a kms host`: set an instance up as a KMS host (its key comes from `[kms] host_key`, never from chat)\n\
         I answer with the exact commands and the job numbers (`Job #2: web-01`); approvers then approve or reject. \
         See `instances` for the names I know, `help approve` for approving, `help jobs` for following a job.",
    ),
    (
        &["approve", "approval", "approvals", "approver", "approvers"],
        "**Approving** (approvers from `[approvals] approvers` only; nobody approves their own request):\n\
         • react with :white_check_mark: on the request message, or\n\
         • `approve 2` for job #2, `approve 2 3` for jobs #2 and #3 of one request, `approve FW-12` for a ticket.\n\
         One decision covers a whole request: if it holds other jobs, name them all or `cancel` the ones not wanted first. \
         `[approvals] required` says how many distinct approvers a job needs.",
    ),
    (
        &["reject", "rejection"],
        "**Rejecting** (approvers only), with a reason the requester sees:\n\
         • `reject 2 wrong maintenance window` for job #2\n\
         • `reject FW-12 source is too wide` for a ticket\n\
         • or react with :x: on the request message (no reason then).\n\
         A rejected job runs nothing; `job 2` shows who rejected it and why.",
    ),
    (
        &["jobs", "progress", "job"],
        "**Following jobs and tickets**:\n\
         • `jobs`: recent activation jobs and where each stands\n\
         • `job 2`: one job with every step, its result and timing\n\
         • `tickets`, `tickets open`, `ticket FW-12`: your tickets, open ones, one ticket with its history\n\
         A running job's progress message is edited as its steps finish. A dry-run instance's job ends **rehearsed**: its commands were recorded, not executed.",
    ),
    (
        &["status", "licence", "license", "expiry"],
        "**Activation status of instances** (read-only: only `slmgr /dli` and `slmgr /xpr` run, no approval needed):\n\
         • `status web-01`, `status web-01 web-02`: those instances\n\
         • `status tag:web`: every instance tagged `web` (`tags = [\"web\"]` in its `[[instances]]` entry)\n\
         • `status all` (or `status`): every configured instance\n\
         • or ask: \"is web-01 activated?\"\n\
         One table answers: licensed or not, channel (KMS client, MAK, retail), the KMS host and port used, days until expiry, the last error. \
         Who may ask is set by `[status] allowed` (default: the approvers).\n\
         To follow an activation job instead: `jobs`, `job 2` (`help jobs`).",
    ),
    (
        &["tickets", "ticket", "requests", "request", "firewall", "internet"],
        "**Tickets** (firewall rules and internet access; I ask for anything missing):\n\
         • `open tcp 1688 from 10.20.0.0/16 to 203.0.113.7`: a firewall-rule ticket\n\
         • `web-01 needs internet access for online activation`: an internet-access ticket\n\
         • `tickets`, `ticket FW-12`: yours, and one with its history\n\
         • `approve FW-12`, `reject FW-12 REASON`, `done FW-12` (approvers), `cancel FW-12` (you)",
    ),
    (
        &["cancel"],
        "**Cancelling**:\n\
         • `cancel`: drop the request we are filling in\n\
         • `cancel FW-12`: withdraw your ticket\n\
         • `cancel 2`: stop job #2 (requester or approver); a running job stops before its next step and the time source is still restored\n\
         • `retry 2`: ask again for failed job #2's plan (a new job that needs approval again)",
    ),
    (
        &["questions", "question", "ask", "keys", "errors"],
        "**Questions**: ask in plain words, for example \"what is the KMS key for Windows Server 2019 Datacenter?\", \
         \"what does 0xC004F074 mean?\" or \"how do I activate by phone?\". Say `more` for the rest of a long answer.",
    ),
];

/// The text of `help`.
pub fn help() -> String {
    let mut s = String::from(
        "I'm kmsbot. I help you activate Windows instances brought with your own licence.\n\
         Ask me a question in plain words (\"what is the KMS key for Server 2019 Datacenter?\", \"what does 0xC004F074 mean?\").\n\
         Ask for work in a sentence:\n",
    );
    for (write, does) in REQUESTS {
        s.push_str(&format!("• `{write}`: {does}\n"));
    }
    s.push_str("Or use a command:\n");
    for c in COMMANDS {
        s.push_str(&format!(
            "• `{}`: {} (e.g. `{}`)\n",
            c.usage, c.summary, c.example
        ));
    }
    s.push_str(&format!(
        "Say `help TOPIC` for more: {}, or any command above.",
        topic_names()
    ));
    s
}

/// The first name of each topic, for "help TOPIC" hints.
pub fn topic_names() -> String {
    TOPICS
        .iter()
        .map(|(names, _)| format!("`{}`", names[0]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text of `help WORD`: a topic, else one command.
pub fn help_for(word: &str) -> Option<String> {
    let word = word.trim_matches(|c: char| c == '`' || c == '?' || c == '.');
    if let Some((_, text)) = TOPICS
        .iter()
        .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(word)))
    {
        return Some((*text).to_string());
    }
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
        for topic in [
            "activate", "approve", "reject", "status", "tickets", "requests", "cancel",
        ] {
            assert!(help_for(topic).is_some(), "{topic}");
        }
        for (write, _) in REQUESTS {
            assert!(h.contains(write), "help mentions {write}");
        }
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
        assert_eq!(
            parse("approve jobs 2 and 3"),
            Some(Ok(Command::Approve(Target::Jobs(vec![2, 3]))))
        );
        assert_eq!(
            parse("reject 2, 3 wrong window"),
            Some(Ok(Command::Reject(
                Target::Jobs(vec![2, 3]),
                Some("wrong window".into())
            )))
        );
        assert_eq!(parse("cancel"), Some(Ok(Command::Cancel(None))));
        assert_eq!(
            parse("cancel 7"),
            Some(Ok(Command::Cancel(Some(Target::Job(7)))))
        );
        assert_eq!(parse("job 7"), Some(Ok(Command::Job(7))));
        assert_eq!(parse("jobs"), Some(Ok(Command::Jobs)));
        assert_eq!(
            parse("status all"),
            Some(Ok(Command::Status(crate::status::Selector::All)))
        );
        assert!(matches!(
            parse("status web-01 tag:web"),
            Some(Ok(Command::Status(_)))
        ));
        assert_eq!(parse("status of my request?"), None);
        assert_eq!(parse("retry 4"), Some(Ok(Command::Retry(4))));
        assert_eq!(parse("retry job #4"), Some(Ok(Command::Retry(4))));
        assert!(matches!(parse("retry"), Some(Err(_))));
        assert!(matches!(parse("ticket FW12"), Some(Err(_))));
        assert!(matches!(parse("approve"), Some(Err(_))));
        assert!(matches!(parse("approve banana"), Some(Err(_))));
        // Sentences that start with a command word are not commands.
        assert_eq!(parse("help me activate windows server 2019 please"), None);
        assert_eq!(parse("cancel my request for web-01 please"), None);
        assert_eq!(parse("what is a ticket"), None);
    }
}
