//! Activation jobs: requests in chat, plans, approvals, the durable worker and its rows.

pub mod control;
pub mod flow;
pub mod plan;
pub mod request;
pub mod retry;
pub mod store;
pub mod worker;

use crate::states::StepStatus;
pub use store::{JobRow, StepRow};

/// A job's method as people read it (`kms`, `online`, `kms host setup`).
pub fn method_words(method: &str) -> &str {
    match method {
        "kms_host" => "kms host setup",
        other => other,
    }
}

/// The step list of a progress message: one line per step with its state.
pub fn progress_lines(steps: &[StepRow]) -> String {
    let mut s = String::new();
    for st in steps {
        let mark = match st.status {
            StepStatus::Succeeded => "✅",
            StepStatus::Rehearsed => "📝",
            StepStatus::Failed => "❌",
            StepStatus::Running => "⏳",
            StepStatus::Skipped => "⏭️",
            StepStatus::Pending => "▫️",
        };
        let extra = match (st.status, st.duration_ms, &st.error_code) {
            (StepStatus::Failed, _, Some(code)) => format!(" ({code})"),
            (StepStatus::Succeeded | StepStatus::Failed, Some(ms), _) => {
                format!(" ({:.1} s)", ms as f64 / 1000.0)
            }
            (StepStatus::Rehearsed, _, _) => " (rehearsed, not executed)".to_string(),
            _ => String::new(),
        };
        s.push_str(&format!("{mark} {}. {}{extra}\n", st.seq, st.name));
    }
    s
}
