//! The two kinds of failure: problems a chat user can fix, and internal errors they cannot.

use std::fmt;

/// A problem with what the user asked, shown to them with an example of what works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// What was wrong, specifically.
    pub problem: String,
    /// An example of input that works.
    pub example: Option<String>,
}

impl UserError {
    /// A problem with an example of what works.
    pub fn new(problem: impl Into<String>, example: impl Into<String>) -> Self {
        UserError {
            problem: problem.into(),
            example: Some(example.into()),
        }
    }

    /// A problem with no example (e.g. a permission refusal).
    pub fn plain(problem: impl Into<String>) -> Self {
        UserError {
            problem: problem.into(),
            example: None,
        }
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)?;
        if let Some(ex) = &self.example {
            // The problem is a sentence of its own before the example.
            if !self.problem.trim_end().ends_with(['.', '!', '?', ':']) {
                f.write_str(".")?;
            }
            write!(f, "\nFor example: `{ex}`")?;
        }
        Ok(())
    }
}

/// Why handling an event stopped.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user can fix it; nothing of the event is kept but the reply.
    #[error("{0}")]
    User(UserError),
    /// Something on our side; logged with a reference, the user sees a short apology.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<UserError> for AppError {
    fn from(e: UserError) -> Self {
        AppError::User(e)
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// A short reference for an internal error, to match the log line with what the user sees.
pub fn short_ref() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "E{:08x}",
        (nanos as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32
    )
}
