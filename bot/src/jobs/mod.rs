//! Activation jobs: their rows and steps in the store.

pub mod store;

pub use store::{JobRow, StepRow};
