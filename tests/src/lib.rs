//! Test support shared by the end-to-end scenarios: running the real `kmsbot` binary on a
//! transcript and reading what it printed.

pub mod discord_standin;
pub mod fake_windows;
pub mod fake_winrm;
pub mod http;
pub mod instance;
pub mod slack_standin;
pub mod transcript;
