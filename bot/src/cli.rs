//! The `kmsbot` command line (design section 4): argument definitions and what each command does.

use crate::app::App;
use crate::config::Config;
use crate::console::{self, ConsoleOptions};
use crate::setup::{answer_settings, check_instances, load_knowledge};
use crate::shells::ConfiguredShells;
use crate::states::{StepStatus, TicketKind, TicketStatus};
use crate::store::Store;
use crate::{jobs, tickets};
use adapters::console::printable;
use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// kmsbot: Windows activation help, firewall tickets and approved activation jobs, in chat.
#[derive(Debug, Parser)]
#[command(
    name = "kmsbot",
    version,
    propagate_version = true,
    about = "Windows activation help, firewall and internet-access tickets, and approved activation jobs, in chat",
    long_about = "Windows activation help, firewall and internet-access tickets, and approved activation jobs, in chat.\n\n\
kmsbot answers activation questions from Microsoft's documentation, files firewall and internet-access \
tickets, and runs Microsoft's documented slmgr/w32tm steps on your own instances once an approver agrees.\n\n\
Try it in this terminal: `kmsbot chat` (say `help`). Run it on Slack or Discord: `kmsbot serve`. \
Settings come from ./kmsbot.toml (or --config) and KMSBOT_* environment variables."
)]
pub struct Cli {
    /// Configuration file (default: ./kmsbot.toml if present, else built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// SQLite database (default: ./kmsbot.db, created and migrated on first use).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Log format on stderr (filter with RUST_LOG, e.g. `RUST_LOG=kmsbot=debug`).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Shift the clock of ticket deadlines by SECS (rehearsals and tests of time-limited tickets).
    #[arg(
        long,
        global = true,
        hide = true,
        value_name = "SECS",
        allow_hyphen_values = true
    )]
    pub clock_offset: Option<i64>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The bot in a terminal (console adapter); no tokens needed.
    Chat {
        /// At the end of piped input, exit without waiting for running jobs.
        #[arg(long)]
        no_wait: bool,
        /// Speak as this user first (default `you`).
        #[arg(long = "as", value_name = "NAME", default_value = "you")]
        user: String,
        /// Speak in this channel first (default `general`).
        #[arg(long = "in", value_name = "CHANNEL", default_value = "general")]
        channel: String,
    },
    /// One answer from the knowledge base (offline; no database needed).
    Ask {
        /// Print one JSON object: question, answer, abstained, confidence, sources.
        #[arg(long)]
        json: bool,
        /// The question.
        #[arg(required = true, num_args = 1.., value_name = "QUESTION", value_parser = question_word)]
        question: Vec<String>,
    },
    /// The knowledge base: lint it, or add an operator's own articles.
    Kb {
        /// What to do with the knowledge base.
        #[command(subcommand)]
        action: KbCommand,
    },
    /// The configured Slack and/or Discord adapters, the job worker and the HTTP server.
    Serve,
    /// The ticket store.
    Tickets {
        /// What to do with tickets.
        #[command(subcommand)]
        action: TicketsCommand,
    },
    /// Activation jobs and their steps.
    Jobs {
        /// What to do with jobs.
        #[command(subcommand)]
        action: JobsCommand,
    },
    /// Read-only activation state of instances (licence status, channel, KMS host used, days to
    /// expiry, last error): runs only `slmgr /dli` and `slmgr /xpr` on each, concurrently within
    /// `[jobs] concurrency`. Exits 1 when an instance could not be checked.
    Status {
        /// Instance names, `tag:T`, or `all` (the default).
        #[arg(value_name = "NAME|tag:T|all")]
        targets: Vec<String>,
        /// Print a JSON array (`instance`, `license_status`, `channel`, `kms_host`, `kms_port`,
        /// `days_left`, `last_error`, …).
        #[arg(long)]
        json: bool,
    },
    /// The instances the bot may act on.
    Instances {
        /// What to do with instances.
        #[command(subcommand)]
        action: InstancesCommand,
    },
}

/// `kmsbot kb …`
#[derive(Debug, Subcommand)]
pub enum KbCommand {
    /// Lint the built-in knowledge base and the operator's articles (`[knowledge] extra_dir`).
    Check {
        /// Lint the Markdown articles in this folder instead of the configured extra_dir.
        dir: Option<PathBuf>,
    },
    /// Lint the Markdown articles of DIR and copy them into `[knowledge] extra_dir`.
    Import {
        /// Folder of Markdown articles (front matter: layout, title, tags).
        dir: PathBuf,
    },
}

/// `kmsbot tickets …`
#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// List tickets.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
        /// Only tickets with this status.
        #[arg(long, value_name = "S")]
        status: Option<TicketStatus>,
        /// Only tickets of this kind.
        #[arg(long, value_name = "K")]
        kind: Option<TicketKind>,
    },
    /// Show one ticket with its history.
    Show {
        /// Ticket id, e.g. FW-12.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export every ticket.
    Export {
        /// Output format.
        #[arg(long, value_enum)]
        format: ExportFormat,
    },
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// A JSON array.
    Json,
    /// CSV with a header row.
    Csv,
}

/// `kmsbot jobs …`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List activation jobs.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Show one job and its steps.
    Show {
        /// Job number.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `kmsbot instances …`
#[derive(Debug, Subcommand)]
pub enum InstancesCommand {
    /// List configured instances.
    List {
        /// Print a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Check every instance: edition, files readable, private key usable, host key known,
    /// secret references resolvable, and the SSH login itself (short timeout). Exits 1 on any
    /// problem.
    Check {
        /// Skip the SSH login (check the configuration and files only).
        #[arg(long)]
        offline: bool,
    },
}

/// `--status` takes the stored words (`open`, `approved`, ...), checked by clap.
impl ValueEnum for TicketStatus {
    fn value_variants<'a>() -> &'a [Self] {
        TicketStatus::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// `--kind` takes the stored words (`firewall`, `internet_access`), checked by clap.
impl ValueEnum for TicketKind {
    fn value_variants<'a>() -> &'a [Self] {
        TicketKind::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

/// Opens the database for a command that only reads it: a missing file is an error (a mistyped
/// `--db` would otherwise create an empty database and report "no tickets").
async fn open_existing(db_path: &std::path::Path) -> anyhow::Result<Store> {
    if !db_path.exists() {
        anyhow::bail!(
            "there is no database at {} (nothing was recorded there yet, or the path is mistyped); \
             `kmsbot chat` and `kmsbot serve` create it on first use, and `--db PATH` names another one",
            db_path.display()
        );
    }
    Ok(Store::open(db_path).await?)
}

/// Chat Markdown as plain text for a terminal: no `**bold**`, `_emphasis_`, backticks, code
/// fences or list dashes.
fn plain_text(markdown: &str) -> String {
    let mut out = String::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            continue;
        }
        let line = line.trim_start();
        let line = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("• "))
            .unwrap_or(line);
        let line = line.replace("**", "").replace('`', "");
        // `_word_` emphasis, but not snake_case names.
        let mut plain = String::with_capacity(line.len());
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            let inner = |x: Option<&char>| x.is_some_and(|c| c.is_alphanumeric());
            if *c == '_' && inner(before) != inner(after) {
                continue;
            }
            plain.push(*c);
        }
        out.push_str(&plain);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// Writes text to stdout. A closed pipe (`| head`) is not an error: the reader has what it wanted.
fn print_out(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Runs a parsed command line with a loaded configuration.
/// A word of `kmsbot ask`'s question: blank ones are refused with an example, since an empty
/// question has no answer to give (the knowledge base would only say it does not know).
fn question_word(word: &str) -> Result<String, String> {
    if word.trim().is_empty() {
        return Err(
            "the question is empty; ask something, e.g. kmsbot ask \"kms key for server 2022 standard\""
                .into(),
        );
    }
    Ok(word.to_string())
}

pub async fn run(cli: Cli, mut config: Config, history: Option<PathBuf>) -> anyhow::Result<()> {
    let db_path = config.database_path(cli.db.as_deref());
    if let Some(offset) = cli.clock_offset {
        config.clock = crate::clock::Clock::shifted(offset);
    }
    let config = Arc::new(config);
    match cli.command {
        Command::Chat {
            no_wait,
            user,
            channel,
        } => {
            let kb = load_knowledge(&config)?;
            check_instances(&config, &kb)?;
            crate::instance_check::warn_at_start(&config);
            console::pin_to_one_cpu();
            let store = Store::open(&db_path).await?;
            let app = Arc::new(App::new(store.clone(), config.clone(), kb));
            let worker = app.start_worker(Arc::new(ConfiguredShells::new(
                std::time::Duration::from_secs(config.jobs.connect_timeout_secs),
            )));
            let opts = ConsoleOptions {
                no_wait,
                history,
                user,
                channel,
            };
            let result = console::run(app.clone(), opts).await;
            app.shutdown();
            let _ = worker.await;
            app.ticket_clock_stopped().await;
            app.outbox()
                .flush_for(std::time::Duration::from_secs(10))
                .await;
            store.close().await;
            result
        }
        Command::Ask { json, question } => {
            let kb = load_knowledge(&config)?;
            let question = question.join(" ");
            let answer = kb.answer_with(&question, None, &answer_settings(&config));
            if json {
                let mut v = serde_json::to_value(&answer)?;
                v["question"] = serde_json::Value::String(question);
                // f32 → two decimals, so the JSON shows 0.97 rather than 0.9700000286102295.
                v["confidence"] =
                    serde_json::json!((f64::from(answer.confidence) * 100.0).round() / 100.0);
                print_json(&v)
            } else {
                print_out(&format!("{}\n", answer.text))
            }
        }
        Command::Kb {
            action: KbCommand::Check { dir },
        } => {
            let mut issues = knowledge::check_builtin();
            match dir.as_ref().or(config.knowledge.extra_dir.as_ref()) {
                Some(d) if d.is_dir() => issues.extend(knowledge::check_dir(d)),
                Some(d) => anyhow::bail!("{} is not a folder", d.display()),
                None => {}
            }
            for i in &issues {
                println!("{i}");
            }
            if issues.is_empty() {
                println!("knowledge base OK");
                Ok(())
            } else {
                anyhow::bail!("{} problem(s) in the knowledge base", issues.len())
            }
        }
        Command::Kb {
            action: KbCommand::Import { dir },
        } => {
            let Some(target) = &config.knowledge.extra_dir else {
                anyhow::bail!("set `[knowledge] extra_dir = \"/etc/kmsbot/articles\"` in the config first: imported articles are kept there and indexed at start");
            };
            if !dir.is_dir() {
                anyhow::bail!("{} is not a folder", dir.display());
            }
            let issues = knowledge::check_dir(&dir);
            for i in &issues {
                println!("{i}");
            }
            if !issues.is_empty() {
                anyhow::bail!(
                    "nothing imported: {} problem(s); fix them and import again",
                    issues.len()
                );
            }
            std::fs::create_dir_all(target)
                .with_context(|| format!("cannot create {}", target.display()))?;
            let mut n = 0;
            for entry in std::fs::read_dir(&dir)? {
                let p = entry?.path();
                if p.extension().is_some_and(|x| x == "md") {
                    let name = p.file_name().map(PathBuf::from).unwrap_or_default();
                    std::fs::copy(&p, target.join(&name))
                        .with_context(|| format!("cannot copy {}", p.display()))?;
                    n += 1;
                }
            }
            // Prove the result loads before saying so.
            load_knowledge(&config)?;
            println!("imported {n} article(s) into {}", target.display());
            Ok(())
        }
        Command::Serve => crate::serve::run(config, &db_path).await,
        Command::Tickets { action } => {
            let store = open_existing(&db_path).await?;
            let result = tickets_command(&store, action).await;
            store.close().await;
            result
        }
        Command::Jobs { action } => {
            let store = open_existing(&db_path).await?;
            let result = jobs_command(&store, action).await;
            store.close().await;
            result
        }
        Command::Instances {
            action: InstancesCommand::List { json },
        } => {
            check_instances(&config, load_knowledge(&config)?.as_ref())?;
            if json {
                print_json(&config.instances)
            } else {
                if config.instances.is_empty() {
                    eprintln!("no instances configured (add [[instances]] to the config file)");
                }
                let mut out = String::from("name\tedition\ttransport\taddress\n");
                for i in &config.instances {
                    out.push_str(&format!(
                        "{}\t{}\t{}\t{}\n",
                        i.name,
                        i.edition,
                        i.transport.as_str(),
                        i.address.as_deref().unwrap_or("-")
                    ));
                }
                print_out(&printable(&out))
            }
        }
        Command::Instances {
            action: InstancesCommand::Check { offline },
        } => instances_check(&config, offline).await,
        Command::Status { targets, json } => status_command(&config, &targets, json).await,
    }
}

/// `kmsbot status`: the chat's status check (same selection, commands and reading), printed.
async fn status_command(config: &Config, targets: &[String], json: bool) -> anyhow::Result<()> {
    let sel = crate::status::parse_selector(targets).with_context(|| {
        format!(
            "`{}` is not an instance name, `tag:T` or `all`",
            targets.join(" ")
        )
    })?;
    let instances = crate::status::select(config, &sel)
        .map_err(|e| anyhow::anyhow!("{}", plain_text(&e.to_string())))?;
    let shells = Arc::new(ConfiguredShells::new(std::time::Duration::from_secs(
        config.jobs.connect_timeout_secs,
    )));
    let limit = Arc::new(tokio::sync::Semaphore::new(config.jobs.concurrency.max(1)));
    let timeout = std::time::Duration::from_secs(config.jobs.step_timeout_secs);
    let rows = crate::status::check_many(shells, instances, limit, timeout, |_| {}).await;
    if json {
        print_json(&rows)?;
    } else {
        print_out(&printable(&crate::status::tsv(&rows)))?;
    }
    let unreachable = rows
        .iter()
        .filter(|r| r.license_status == crate::status::LicenseState::Unreachable)
        .count();
    if unreachable > 0 {
        anyhow::bail!(
            "{unreachable} of {} instance(s) could not be checked",
            rows.len()
        );
    }
    Ok(())
}

/// `kmsbot instances check`: one line per instance, `ok` or its problems; fails if any has one.
async fn instances_check(config: &Config, offline: bool) -> anyhow::Result<()> {
    let kb = load_knowledge(config)?;
    if config.instances.is_empty() {
        anyhow::bail!("no instances configured (add [[instances]] to the config file)");
    }
    // Short: a check must not hang on an address that drops packets.
    let timeout = std::time::Duration::from_secs(config.jobs.connect_timeout_secs.clamp(1, 5));
    let mut bad = 0;
    let mut out = String::new();
    if let Err(e) = check_instances(config, &kb) {
        bad += 1;
        out.push_str(&format!("config\tproblem: {e:#}\n"));
    }
    for inst in &config.instances {
        let mut problems = Vec::new();
        problems.extend(crate::instance_check::problems(inst));
        let reach = if inst.transport == crate::config::Transport::Ssh && problems.is_empty() {
            if offline {
                " (SSH login not tried: --offline)".to_string()
            } else {
                match crate::instance_check::reachable(inst, timeout).await {
                    Ok(()) => " (SSH login ok)".to_string(),
                    Err(e) => {
                        problems.push(e);
                        String::new()
                    }
                }
            }
        } else if inst.transport == crate::config::Transport::DryRun {
            " (dry-run: nothing to reach)".to_string()
        } else if inst.transport == crate::config::Transport::Winrm && problems.is_empty() {
            " (WinRM: files and password reference ok; the login is tried when a job runs)"
                .to_string()
        } else {
            String::new()
        };
        if problems.is_empty() {
            out.push_str(&format!("{}\tok{reach}\n", inst.name));
        } else {
            bad += 1;
            for p in problems {
                out.push_str(&format!("{}\tproblem: {p}\n", inst.name));
            }
        }
    }
    print_out(&printable(&out))?;
    if bad > 0 {
        anyhow::bail!(
            "{bad} of {} instance(s) cannot be used as configured",
            config.instances.len()
        );
    }
    Ok(())
}

async fn tickets_command(store: &Store, action: TicketsCommand) -> anyhow::Result<()> {
    match action {
        TicketsCommand::List { json, status, kind } => {
            let filter = tickets::TicketFilter {
                status,
                kind,
                requester: None,
            };
            let rows = tickets::store::list(store.pool(), &filter).await?;
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                eprintln!("no tickets");
            }
            let mut out = String::from("id\tstatus\trequester\twhat\n");
            for t in rows {
                out.push_str(&printable(&tickets::store::one_line(&t)));
                out.push('\n');
            }
            print_out(&out)
        }
        TicketsCommand::Show { id, json } => {
            let t = tickets::store::get(store.pool(), &id)
                .await?
                .with_context(|| {
                    format!(
                        "no ticket {id}; ids look like FW-12 or NET-3 (see `kmsbot tickets list`)"
                    )
                })?;
            let history = tickets::store::history(store.pool(), &t.id).await?;
            if json {
                let mut v = serde_json::to_value(&t)?;
                v["history"] = serde_json::json!(history
                    .iter()
                    .map(|(at, actor, action, detail)| serde_json::json!({"at": at, "actor": actor, "action": action, "detail": detail}))
                    .collect::<Vec<_>>());
                return print_json(&v);
            }
            // Ticket fields and history hold text from chat: shown, never obeyed by the terminal.
            let mut out = format!("{}\n", tickets::store::details(&t));
            for (at, actor, action, detail) in history {
                out.push_str(&format!("  {at}  {actor}  {action}"));
                match detail.map(|d| plain_text(&d)) {
                    Some(d) if d.contains('\n') => {
                        out.push_str(":\n");
                        for line in d.lines().filter(|l| !l.trim().is_empty()) {
                            out.push_str(&format!("      {}\n", line.trim()));
                        }
                    }
                    Some(d) => out.push_str(&format!(": {d}\n")),
                    None => out.push('\n'),
                }
            }
            print_out(&printable(&out))
        }
        TicketsCommand::Export { format } => {
            let rows = tickets::store::list(store.pool(), &Default::default()).await?;
            match format {
                ExportFormat::Json => print_json(&rows),
                ExportFormat::Csv => {
                    // Serialized once, then every cell made safe for spreadsheets.
                    let mut plain = csv::Writer::from_writer(Vec::new());
                    for r in &rows {
                        plain.serialize(r)?;
                    }
                    if rows.is_empty() {
                        plain.write_record(tickets::store::CSV_HEADER)?;
                    }
                    let plain = plain.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
                    let mut read = csv::ReaderBuilder::new()
                        .has_headers(false)
                        .from_reader(plain.as_slice());
                    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
                    for (i, record) in read.records().enumerate() {
                        let record = record?;
                        if i == 0 {
                            w.write_record(&record)?;
                        } else {
                            w.write_record(
                                record
                                    .iter()
                                    .map(|c| tickets::store::csv_cell(c).into_owned()),
                            )?;
                        }
                    }
                    w.flush()?;
                    Ok(())
                }
            }
        }
    }
}

async fn jobs_command(store: &Store, action: JobsCommand) -> anyhow::Result<()> {
    match action {
        JobsCommand::List { json } => {
            let rows = jobs::store::list(store.pool()).await?;
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                eprintln!("no jobs");
            }
            let mut out = String::from(
                "id\tinstance\tmethod\tstatus\trequested_by\tapproved_by\trejected_by\treject_reason\n",
            );
            for j in rows {
                let line = [
                    j.id.to_string(),
                    j.instance,
                    j.method,
                    j.status.to_string(),
                    j.requested_by,
                    j.approved_by.unwrap_or_else(|| "-".into()),
                    j.rejected_by.unwrap_or_else(|| "-".into()),
                    j.reject_reason.unwrap_or_else(|| "-".into()),
                ]
                .map(|c| c.replace(['\t', '\n'], " "))
                .join("\t");
                out.push_str(&printable(&line));
                out.push('\n');
            }
            print_out(&out)
        }
        JobsCommand::Show { id, json } => {
            let job = jobs::store::get(store.pool(), id)
                .await?
                .with_context(|| format!("no job {id} (see `kmsbot jobs list`)"))?;
            let steps = jobs::store::steps(store.pool(), id).await?;
            if json {
                let mut v = serde_json::to_value(&job)?;
                v["steps"] = serde_json::to_value(&steps)?;
                v["retry_of"] = serde_json::json!(jobs::store::retry_of(store.pool(), id).await?);
                v["retries"] = serde_json::json!(jobs::store::retries(store.pool(), id).await?);
                return print_json(&v);
            }
            let mut out = format!(
                "job {} on {}: {} ({}), requested by {}{}\n",
                job.id,
                job.instance,
                job.status.words(),
                job.method,
                job.requested_by,
                job.approved_by
                    .as_deref()
                    .map(|a| format!(", approved by {a}"))
                    .unwrap_or_default()
            );
            if let Some(by) = &job.rejected_by {
                out.push_str(&format!(
                    "rejected by {by}: {}\n",
                    job.reject_reason.as_deref().unwrap_or("no reason given")
                ));
            }
            if let Some(error) = &job.error {
                out.push_str(&format!("  error: {error}\n"));
            }
            for s in steps {
                let result = match (s.status, s.exit_status) {
                    (StepStatus::Rehearsed, _) => "not executed (dry run)".to_string(),
                    (_, Some(e)) => format!("exit {e}"),
                    (_, None) => "not run".to_string(),
                };
                out.push_str(&format!(
                    "  {}. {} [{}] {result}\n     {}\n",
                    s.seq, s.name, s.status, s.command
                ));
            }
            print_out(&printable(&out))
        }
    }
}
