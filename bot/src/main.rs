//! The `kmsbot` binary: parses the command line, reads the environment and config, sets up
//! logging on stderr, and runs the chosen command. Errors are one line on stderr and exit 1.

use clap::Parser;
use kmsbot::cli::{self, Cli, LogFormat};
use kmsbot::Config;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    // Colour only for a person at a terminal: a log file or a pipe gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, cli::Command::Chat { .. }) {
        // The console's first answer would compile the knowledge base's regular expressions
        // (tens of milliseconds); a thread of their own compiles them while the configuration
        // is read and the knowledge base and database are opened. It keeps running on every
        // CPU when the console pins itself to one (`console::pin_to_one_cpu`). Without the
        // thread, the first answer compiles them itself.
        let _ = std::thread::Builder::new()
            .name("kb-warm-up".into())
            .spawn(|| {
                // In the order the main thread meets them: the tokenizer's patterns as it
                // builds the knowledge base, those every message meets (an activation request,
                // a ticket request, a product key), then the rest.
                knowledge::warm_up_build();
                kmsbot::jobs::request::warm_up();
                kmsbot::tickets::warm_up();
                kmsbot::product_key::warm_up();
                knowledge::warm_up();
            });
    }
    init_logging(cli.log_format);
    let config = match Config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".kmsbot_history"));
    // The console handles one line at a time: on one thread its turn, its outbox delivery and
    // its job worker hand work to each other without waking other threads (SQLite's connection
    // threads aside). `serve` takes events from many users at once and keeps a thread per core.
    let mut builder = if matches!(cli.command, cli::Command::Chat { .. }) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli, config, history)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`kmsbot jobs list | head`): it has what it wanted.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: the chain of causes joined.
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                .is_some_and(|k| k == std::io::ErrorKind::BrokenPipe)
    })
}
