//! Typed states stored as text: job and step statuses, step checks and approval subjects.
//!
//! Each is an enum that encodes to the exact text the schema's CHECK constraints allow and that
//! fails to decode on any other value (an unknown value read from the database is an error, never
//! a silent default).

use std::fmt;

/// A stored text that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} in the database")]
pub struct UnknownValue {
    /// Which kind of value (`job status`, `check`, ...).
    pub what: &'static str,
    /// The text found.
    pub value: String,
}

/// Declares a text enum: `as_str`, `Display`, `TryFrom<&str>`/`TryFrom<String>` (erroring on
/// unknown text), serde as the same text, and `sqlx::Type` (decoding fails on unknown text).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, sqlx::Type)]
        #[serde(rename_all = "snake_case")]
        #[sqlx(type_name = "TEXT", rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl TryFrom<&str> for $name {
            type Error = UnknownValue;
            fn try_from(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_string() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;
            fn try_from(s: String) -> Result<Self, UnknownValue> {
                $name::try_from(s.as_str())
            }
        }
    };
}

text_enum!(
    /// Where an activation job stands.
    JobStatus, "job status" {
        /// Posted, waiting for the approval quorum.
        AwaitingApproval = "awaiting_approval",
        /// Approved, waiting for a worker slot.
        Queued = "queued",
        /// A worker runs it.
        Running = "running",
        /// Every step passed.
        Succeeded = "succeeded",
        /// A dry run ended: every command was recorded, none was executed.
        Rehearsed = "rehearsed",
        /// A step failed (always-run steps still ran).
        Failed = "failed",
        /// Cancelled by the requester or an approver.
        Cancelled = "cancelled",
        /// Stopped by a shutdown or a dead process; resumes at its first unfinished step.
        Interrupted = "interrupted",
        /// Rejected by an approver.
        Rejected = "rejected",
    }
);

impl JobStatus {
    /// The job has ended and will not run again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded
                | JobStatus::Rehearsed
                | JobStatus::Failed
                | JobStatus::Cancelled
                | JobStatus::Rejected
        )
    }

    /// The status in words, for people (chat and the CLI's tables; JSON keeps the stored text).
    pub fn words(self) -> &'static str {
        match self {
            JobStatus::AwaitingApproval => "awaiting approval",
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Rehearsed => "rehearsed (dry run, nothing executed)",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
            JobStatus::Interrupted => "interrupted (resumes after a restart)",
            JobStatus::Rejected => "rejected",
        }
    }
}

text_enum!(
    /// Where one step of a job stands.
    StepStatus, "step status" {
        /// Not started.
        Pending = "pending",
        /// Started (a restart puts it back to pending).
        Running = "running",
        /// Passed its check.
        Succeeded = "succeeded",
        /// Recorded by a dry run, not executed.
        Rehearsed = "rehearsed",
        /// Failed its check or could not run.
        Failed = "failed",
        /// Not run (an earlier failure, a cancel, or nothing to undo).
        Skipped = "skipped",
    }
);

impl StepStatus {
    /// The step has a result and is not run again on resume.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            StepStatus::Succeeded
                | StepStatus::Rehearsed
                | StepStatus::Failed
                | StepStatus::Skipped
        )
    }
}

text_enum!(
    /// How a step's result is judged.
    Check, "check" {
        /// Exit status 0 and no `Error: 0x…` in the output (slmgr prints errors but exits 0).
        Slmgr = "slmgr",
        /// Exit 0, or exit 2 with "already been started" (`net start w32time`).
        ServiceStart = "service_start",
        /// Exit status 0.
        ExitZero = "exit_zero",
        /// Exit 0 and the output shows `License Status: Licensed`.
        Licensed = "licensed",
    }
);

/// What an approval request approves: one ticket, or the jobs that point at it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ApprovalSubject {
    /// A ticket (`FW-12`), stored as `ticket:FW-12`.
    Ticket(String),
    /// The activation jobs created with this request, stored as `jobs`.
    Jobs,
}

impl ApprovalSubject {
    /// The stored text.
    pub fn to_db(&self) -> String {
        match self {
            ApprovalSubject::Ticket(id) => format!("ticket:{id}"),
            ApprovalSubject::Jobs => "jobs".into(),
        }
    }
}

impl TryFrom<&str> for ApprovalSubject {
    type Error = UnknownValue;
    fn try_from(s: &str) -> Result<Self, UnknownValue> {
        match s.split_once(':') {
            None if s == "jobs" => Ok(ApprovalSubject::Jobs),
            Some(("ticket", id)) if !id.is_empty() => Ok(ApprovalSubject::Ticket(id.to_string())),
            _ => Err(UnknownValue {
                what: "approval subject",
                value: s.to_string(),
            }),
        }
    }
}

impl TryFrom<String> for ApprovalSubject {
    type Error = UnknownValue;
    fn try_from(s: String) -> Result<Self, UnknownValue> {
        ApprovalSubject::try_from(s.as_str())
    }
}

impl fmt::Display for ApprovalSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_db())
    }
}

text_enum!(
    /// What the expiry watch checks of an instance.
    WatchAspect, "watch aspect" {
        /// Its own activation (`slmgr /dli`, `/xpr`).
        Licence = "licence",
        /// A KMS host's count of clients (`slmgr /dlv`).
        KmsCount = "kms_count",
    }
);

text_enum!(
    /// What the expiry watch found, for one instance and aspect. A change between two checks is
    /// announced once; the same finding again is not.
    WatchCondition, "watch condition" {
        /// Activated, and renewed recently (or permanent).
        Licensed = "licensed",
        /// A KMS client still activated whose last renewal is older than `renewal_warn_days`.
        RenewalOverdue = "renewal_overdue",
        /// In a grace period.
        Grace = "grace",
        /// In notification mode.
        Notification = "notification",
        /// Not licensed.
        Unlicensed = "unlicensed",
        /// Could not be checked.
        Unreachable = "unreachable",
        /// Checked, but the output said nothing of the licence.
        Unknown = "unknown",
        /// A KMS host's count meets both thresholds (25 and more).
        CountOk = "count_ok",
        /// A KMS host's count is 5 to 24: servers activate, client editions do not.
        BelowClientThreshold = "below_client_threshold",
        /// A KMS host's count is under 5: nothing activates against it.
        BelowServerThreshold = "below_server_threshold",
        /// A KMS host's count could not be read.
        CountUnknown = "count_unknown",
    }
);

impl WatchCondition {
    /// Whether this finding needs nobody's attention.
    pub fn is_healthy(self) -> bool {
        matches!(self, WatchCondition::Licensed | WatchCondition::CountOk)
    }
}

text_enum!(
    /// Where a firewall or internet-access ticket stands.
    TicketStatus, "ticket status" {
        /// Filed, waiting for an approver.
        Open = "open",
        /// Approved, waiting for support to make the change.
        Approved = "approved",
        /// Rejected by an approver.
        Rejected = "rejected",
        /// Support made the change.
        Done = "done",
        /// Withdrawn by the requester or an approver.
        Cancelled = "cancelled",
    }
);

impl TicketStatus {
    /// Still waiting for someone (open or approved).
    pub fn is_live(self) -> bool {
        matches!(self, TicketStatus::Open | TicketStatus::Approved)
    }
}

text_enum!(
    /// What a ticket asks for.
    TicketKind, "ticket kind" {
        /// A firewall rule (`FW-n`).
        Firewall = "firewall",
        /// Internet access for instances (`NET-n`).
        InternetAccess = "internet_access",
    }
);

impl TicketKind {
    /// The id prefix: `FW`, `NET`.
    pub fn prefix(self) -> &'static str {
        match self {
            TicketKind::Firewall => "FW",
            TicketKind::InternetAccess => "NET",
        }
    }

    /// The kind of a ticket id (`FW-12`, `net-3`).
    pub fn of_id(id: &str) -> Option<TicketKind> {
        let (prefix, _) = id.split_once('-')?;
        TicketKind::ALL
            .iter()
            .copied()
            .find(|k| k.prefix().eq_ignore_ascii_case(prefix))
    }
}

text_enum!(
    /// A slot-filling conversation's state.
    ConversationState, "conversation state" {
        /// Still gathering fields.
        Open = "open",
        /// Its ticket was filed.
        Filed = "filed",
        /// Abandoned.
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// An approval request's state.
    ApprovalState, "approval state" {
        /// Waiting for approvers.
        Pending = "pending",
        /// The quorum approved.
        Approved = "approved",
        /// An approver rejected it.
        Rejected = "rejected",
        /// Its subject was cancelled.
        Cancelled = "cancelled",
    }
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_value_round_trips_and_unknown_text_is_an_error() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::try_from(s.as_str()).unwrap(), *s);
        }
        for s in StepStatus::ALL {
            assert_eq!(StepStatus::try_from(s.as_str()).unwrap(), *s);
        }
        for s in WatchCondition::ALL {
            assert_eq!(WatchCondition::try_from(s.as_str()).unwrap(), *s);
        }
        for s in WatchAspect::ALL {
            assert_eq!(WatchAspect::try_from(s.as_str()).unwrap(), *s);
        }
        assert!(WatchCondition::try_from("licenced").is_err());
        for s in TicketStatus::ALL {
            assert_eq!(TicketStatus::try_from(s.as_str()).unwrap(), *s);
        }
        for s in ApprovalState::ALL {
            assert_eq!(ApprovalState::try_from(s.as_str()).unwrap(), *s);
        }
        assert!(TicketStatus::try_from("closed").is_err());
        assert_eq!(TicketKind::of_id("net-3"), Some(TicketKind::InternetAccess));
        assert_eq!(TicketKind::of_id("FW-12"), Some(TicketKind::Firewall));
        assert_eq!(TicketKind::of_id("JOB-1"), None);
        for c in Check::ALL {
            assert_eq!(Check::try_from(c.as_str()).unwrap(), *c);
        }
        assert!(Check::try_from("exit-zero").is_err());
        assert!(Check::try_from("").is_err());
        assert!(JobStatus::try_from("Running").is_err());
        assert_eq!(
            ApprovalSubject::try_from("ticket:FW-12").unwrap(),
            ApprovalSubject::Ticket("FW-12".into())
        );
        assert_eq!(
            ApprovalSubject::try_from("jobs").unwrap(),
            ApprovalSubject::Jobs
        );
        assert!(ApprovalSubject::try_from("ticket:").is_err());
        assert!(ApprovalSubject::try_from("job:3").is_err());
    }

    #[test]
    fn serde_uses_the_stored_text() {
        assert_eq!(
            serde_json::to_string(&JobStatus::AwaitingApproval).unwrap(),
            "\"awaiting_approval\""
        );
        assert_eq!(
            serde_json::to_string(&Check::ServiceStart).unwrap(),
            "\"service_start\""
        );
    }
}
