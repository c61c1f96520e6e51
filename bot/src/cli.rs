//! The `kmsbot` command line (design section 4): argument definitions and what each command does.

use crate::app::App;
use crate::config::Config;
use crate::console::{self, ConsoleOptions};
use crate::setup::{answer_settings, check_instances, load_knowledge};
use crate::shells::ConfiguredShells;
use crate::store::Store;
use crate::{jobs, tickets};
use adapters::console::{printable, ConsoleChat};
use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// kmsbot: Windows activation help, firewall tickets and approved activation jobs, in chat.
#[derive(Debug, Parser)]
#[command(name = "kmsbot", version, about, propagate_version = true)]
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
        #[arg(required = true, num_args = 1.., value_name = "QUESTION")]
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
        /// Only tickets with this status (open, approved, rejected, done, cancelled).
        #[arg(long, value_name = "S")]
        status: Option<String>,
        /// Only tickets of this kind (firewall, internet_access).
        #[arg(long, value_name = "K")]
        kind: Option<String>,
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
}

const STATUSES: &[&str] = &["open", "approved", "rejected", "done", "cancelled"];
const KINDS: &[&str] = &["firewall", "internet_access"];

fn check_choice(what: &str, value: &Option<String>, allowed: &[&str]) -> anyhow::Result<()> {
    if let Some(v) = value {
        if !allowed.contains(&v.as_str()) {
            anyhow::bail!(
                "unknown {what} `{v}`; expected one of {}",
                allowed.join(", ")
            );
        }
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Runs a parsed command line with a loaded configuration.
pub async fn run(cli: Cli, config: Config, history: Option<PathBuf>) -> anyhow::Result<()> {
    let db_path = config.database_path(cli.db.as_deref());
    let config = Arc::new(config);
    match cli.command {
        Command::Chat {
            no_wait,
            user,
            channel,
        } => {
            let kb = load_knowledge(&config)?;
            check_instances(&config, &kb)?;
            let store = Store::open(&db_path).await?;
            let app = Arc::new(App::new(store.clone(), config.clone(), kb));
            app.register_chat(Arc::new(ConsoleChat::new(Box::new(std::io::stdout()))));
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
                println!("{}", answer.text);
                Ok(())
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
            let store = Store::open(&db_path).await?;
            let result = tickets_command(&store, action).await;
            store.close().await;
            result
        }
        Command::Jobs { action } => {
            let store = Store::open(&db_path).await?;
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
                    println!("no instances configured (add [[instances]] to the config file)");
                }
                for i in &config.instances {
                    println!(
                        "{}\t{}\t{:?}\t{}",
                        i.name,
                        i.edition,
                        i.transport,
                        i.address.as_deref().unwrap_or("-")
                    );
                }
                Ok(())
            }
        }
    }
}

async fn tickets_command(store: &Store, action: TicketsCommand) -> anyhow::Result<()> {
    match action {
        TicketsCommand::List { json, status, kind } => {
            check_choice("status", &status, STATUSES)?;
            check_choice("kind", &kind, KINDS)?;
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
                println!("no tickets");
            }
            for t in rows {
                println!("{}", printable(&tickets::store::one_line(&t)));
            }
            Ok(())
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
            println!("{}", printable(&tickets::store::details(&t)));
            for (at, actor, action, detail) in history {
                let line = format!(
                    "  {at}  {actor}  {action}{}",
                    detail.map(|d| format!(": {d}")).unwrap_or_default()
                );
                println!("{}", printable(&line));
            }
            Ok(())
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
                println!("no jobs");
            }
            for j in rows {
                let line = format!(
                    "{}\t{}\t{}\t{}\trequested by {}{}",
                    j.id,
                    j.instance,
                    j.method,
                    j.status,
                    j.requested_by,
                    j.approved_by
                        .as_deref()
                        .map(|a| format!(", approved by {a}"))
                        .unwrap_or_default()
                );
                println!("{}", printable(&line));
            }
            Ok(())
        }
        JobsCommand::Show { id, json } => {
            let job = jobs::store::get(store.pool(), id)
                .await?
                .with_context(|| format!("no job {id} (see `kmsbot jobs list`)"))?;
            let steps = jobs::store::steps(store.pool(), id).await?;
            if json {
                let mut v = serde_json::to_value(&job)?;
                v["steps"] = serde_json::to_value(&steps)?;
                return print_json(&v);
            }
            println!(
                "job {} on {}: {} ({})",
                job.id, job.instance, job.status, job.method
            );
            if let Some(error) = &job.error {
                println!("{}", printable(&format!("  error: {error}")));
            }
            for s in steps {
                let line = format!(
                    "  {}. {} [{}] exit {}\n     {}",
                    s.seq,
                    s.name,
                    s.status,
                    s.exit_status.map(|e| e.to_string()).unwrap_or("-".into()),
                    s.command
                );
                println!("{}", printable(&line));
            }
            Ok(())
        }
    }
}
