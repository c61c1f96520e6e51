//! Test support shared by the end-to-end scenarios: running the real `kmsbot` binary on a
//! transcript and reading what it printed.

pub mod transcript;
