//! kmsbot's core library: configuration, storage, the conversation engine and its commands.

pub mod answer_cache;
pub mod answer_commit;
pub mod app;
pub mod approvals;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod console;
pub mod contexts;
pub mod errors;
pub mod http_server;
pub mod inbox;
pub mod instance_check;
pub mod jobs;
pub mod metrics;
pub mod outbox;
pub mod preflight;
pub mod product_key;
pub mod serve;
pub mod services;
pub mod setup;
pub mod shells;
pub mod states;
pub mod status;
pub mod store;
pub mod tickets;
pub mod turn;
pub mod users;
pub mod validate;
pub mod watch;

pub use app::App;
pub use config::Config;
pub use store::Store;
