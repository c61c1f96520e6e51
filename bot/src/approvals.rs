//! Approvals: who may approve, and the quorum bookkeeping behind approval messages.
//!
//! An approval request is tied to the bot message that asks for it (by the bot's message id, so
//! reactions keep working after a restart). Each approver counts once; the requester never counts;
//! removing a reaction before the quorum withdraws that approval.

use crate::config::ApprovalsConfig;
use crate::states::{ApprovalState, ApprovalSubject};
use crate::store::StoreError;
use adapters::emoji;
use sqlx::{Row, SqliteConnection};

/// A stored approval request.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApprovalRequest {
    /// Its id.
    pub id: i64,
    /// What it approves: a ticket or the jobs of the request.
    #[sqlx(try_from = "String")]
    pub subject: ApprovalSubject,
    /// The bot message that asks for approval.
    pub message_id: i64,
    /// Who asked (never counts as an approver).
    pub requester: String,
    /// Distinct approvers needed.
    pub required: i64,
    /// `pending`, `approved`, `rejected`, `cancelled`.
    pub state: ApprovalState,
    /// Platform of the request.
    pub platform: String,
    /// Channel of the request.
    pub channel: String,
    /// Thread of the request.
    pub thread: Option<String>,
}

/// What a reaction, button or command means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve.
    Approve,
    /// Reject.
    Reject,
}

/// The result of recording a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The quorum is reached now; these approved.
    Approved(Vec<String>),
    /// Counted; more approvals are needed.
    Counted {
        /// Approvals so far.
        have: i64,
        /// Approvals needed.
        need: i64,
    },
    /// Rejected now.
    Rejected,
    /// This approver had already approved.
    AlreadyApproved,
    /// The request was already decided (its state).
    AlreadyDecided(ApprovalState),
    /// The requester tried to approve their own request.
    SelfApproval,
    /// The user may not approve.
    NotApprover,
}

/// Maps an emoji to a decision under the configured emoji.
pub fn decision_for_emoji(cfg: &ApprovalsConfig, raw: &str) -> Option<Decision> {
    let e = emoji::normalize(raw);
    if e == emoji::normalize(&cfg.approve_emoji) {
        Some(Decision::Approve)
    } else if e == emoji::normalize(&cfg.reject_emoji) {
        Some(Decision::Reject)
    } else {
        None
    }
}

/// True when `user` (a platform user id) is a configured approver, directly or through one of
/// their `roles` (`discord-role:<id>`).
pub fn is_approver(cfg: &ApprovalsConfig, user: &str, roles: &[String]) -> bool {
    cfg.approvers.iter().any(|a| {
        a == user
            || a.strip_prefix("discord-role:")
                .is_some_and(|role| user.starts_with("discord:") && roles.iter().any(|r| r == role))
    })
}

/// "who may approve", for messages.
pub fn approvers_text(cfg: &ApprovalsConfig) -> String {
    if cfg.approvers.is_empty() {
        "nobody yet (an operator must list approvers under [approvals] in the config)".into()
    } else {
        cfg.approvers
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

const REQUEST_COLUMNS: &str =
    "id, subject, message_id, requester, required, state, platform, channel, thread";

/// Creates an approval request for a bot message.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    conn: &mut SqliteConnection,
    subject: &ApprovalSubject,
    message_id: i64,
    requester: &str,
    required: i64,
    platform: &str,
    channel: &str,
    thread: Option<&str>,
) -> Result<i64, StoreError> {
    let id = sqlx::query(
        "INSERT INTO approval_requests (subject, message_id, requester, required, platform, channel, thread) \
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(subject.to_db())
    .bind(message_id)
    .bind(requester)
    .bind(required)
    .bind(platform)
    .bind(channel)
    .bind(thread)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    Ok(id)
}

/// The request asked for by a bot message.
pub async fn by_message(
    conn: &mut SqliteConnection,
    message_id: i64,
) -> Result<Option<ApprovalRequest>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE message_id = ?"
    ))
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The newest approval request asked for in `channel` (threads included), pending ones first:
/// the message a reaction without a message id is meant for.
pub async fn latest_in_channel(
    conn: &mut SqliteConnection,
    platform: &str,
    channel: &str,
) -> Result<Option<ApprovalRequest>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE platform = ? AND channel = ? \
         ORDER BY state = 'pending' DESC, message_id DESC LIMIT 1"
    ))
    .bind(platform)
    .bind(channel)
    .fetch_optional(&mut *conn)
    .await?)
}

/// What an approval request asks for, in words (`the activation request`, `ticket FW-12`).
pub fn describe(req: &ApprovalRequest) -> String {
    let what = match &req.subject {
        ApprovalSubject::Jobs => "the activation request".to_string(),
        ApprovalSubject::Ticket(id) => format!("ticket {id}"),
    };
    if req.state == ApprovalState::Pending {
        what
    } else {
        format!("{what} (already {})", req.state)
    }
}

/// A request by id.
pub async fn by_id(
    conn: &mut SqliteConnection,
    id: i64,
) -> Result<Option<ApprovalRequest>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {REQUEST_COLUMNS} FROM approval_requests WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

async fn active_approvers(
    conn: &mut SqliteConnection,
    request_id: i64,
) -> Result<Vec<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT approver FROM approvals WHERE request_id = ? AND withdrawn_at IS NULL ORDER BY approver",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?)
}

async fn set_state(
    conn: &mut SqliteConnection,
    request_id: i64,
    state: ApprovalState,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE approval_requests SET state = ?, decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
    )
    .bind(state)
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records `user`'s decision on a request, enforcing who may decide.
pub async fn decide(
    conn: &mut SqliteConnection,
    cfg: &ApprovalsConfig,
    req: &ApprovalRequest,
    user: &str,
    roles: &[String],
    decision: Decision,
) -> Result<Outcome, StoreError> {
    if req.state != ApprovalState::Pending {
        return Ok(Outcome::AlreadyDecided(req.state));
    }
    if user == req.requester && decision == Decision::Approve {
        return Ok(Outcome::SelfApproval);
    }
    if !is_approver(cfg, user, roles) {
        return Ok(Outcome::NotApprover);
    }
    match decision {
        Decision::Reject => {
            set_state(conn, req.id, ApprovalState::Rejected).await?;
            Ok(Outcome::Rejected)
        }
        Decision::Approve => {
            let existing: Option<Option<String>> = sqlx::query_scalar(
                "SELECT withdrawn_at FROM approvals WHERE request_id = ? AND approver = ?",
            )
            .bind(req.id)
            .bind(user)
            .fetch_optional(&mut *conn)
            .await?;
            match existing {
                Some(None) => return Ok(Outcome::AlreadyApproved),
                Some(Some(_)) => {
                    sqlx::query(
                        "UPDATE approvals SET withdrawn_at = NULL, at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                         WHERE request_id = ? AND approver = ?",
                    )
                    .bind(req.id)
                    .bind(user)
                    .execute(&mut *conn)
                    .await?;
                }
                None => {
                    sqlx::query("INSERT INTO approvals (request_id, approver) VALUES (?, ?)")
                        .bind(req.id)
                        .bind(user)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            let approvers = active_approvers(conn, req.id).await?;
            let have = approvers.len() as i64;
            if have >= req.required {
                set_state(conn, req.id, ApprovalState::Approved).await?;
                Ok(Outcome::Approved(approvers))
            } else {
                Ok(Outcome::Counted {
                    have,
                    need: req.required,
                })
            }
        }
    }
}

/// Withdraws `user`'s approval (a removed reaction) while the request is still pending.
/// Returns true when an approval was withdrawn.
pub async fn withdraw(
    conn: &mut SqliteConnection,
    req: &ApprovalRequest,
    user: &str,
) -> Result<bool, StoreError> {
    if req.state != ApprovalState::Pending {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE approvals SET withdrawn_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE request_id = ? AND approver = ? AND withdrawn_at IS NULL",
    )
    .bind(req.id)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a pending request cancelled (the requester withdrew it).
pub async fn cancel(conn: &mut SqliteConnection, request_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE approval_requests SET state = 'cancelled', decided_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
         WHERE id = ? AND state = 'pending'",
    )
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn cfg(required: u32) -> ApprovalsConfig {
        ApprovalsConfig {
            approvers: vec![
                "console:bob".into(),
                "console:carol".into(),
                "discord-role:42".into(),
            ],
            required,
            ..ApprovalsConfig::default()
        }
    }

    async fn setup(required: i64) -> (tempfile::TempDir, Store, ApprovalRequest) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let msg = Store::insert_message(&mut tx, "console", "general", None, "bot", Some("1"))
            .await
            .unwrap();
        let id = create(
            &mut tx,
            &ApprovalSubject::Jobs,
            msg,
            "console:alice",
            required,
            "console",
            "general",
            None,
        )
        .await
        .unwrap();
        let req = by_id(&mut tx, id).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        (dir, store, req)
    }

    #[tokio::test]
    async fn quorum_of_two_with_withdrawal_and_refusals() {
        let (_d, store, req) = setup(2).await;
        let c = cfg(2);
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            decide(&mut tx, &c, &req, "console:alice", &[], Decision::Approve)
                .await
                .unwrap(),
            Outcome::SelfApproval
        );
        assert_eq!(
            decide(&mut tx, &c, &req, "console:mallory", &[], Decision::Approve)
                .await
                .unwrap(),
            Outcome::NotApprover
        );
        assert_eq!(
            decide(&mut tx, &c, &req, "console:bob", &[], Decision::Approve)
                .await
                .unwrap(),
            Outcome::Counted { have: 1, need: 2 }
        );
        assert_eq!(
            decide(&mut tx, &c, &req, "console:bob", &[], Decision::Approve)
                .await
                .unwrap(),
            Outcome::AlreadyApproved
        );
        assert!(withdraw(&mut tx, &req, "console:bob").await.unwrap());
        assert_eq!(
            decide(&mut tx, &c, &req, "console:carol", &[], Decision::Approve)
                .await
                .unwrap(),
            Outcome::Counted { have: 1, need: 2 }
        );
        assert_eq!(
            decide(&mut tx, &c, &req, "console:bob", &[], Decision::Approve)
                .await
                .unwrap(),
            Outcome::Approved(vec!["console:bob".into(), "console:carol".into()])
        );
        let req = by_id(&mut tx, req.id).await.unwrap().unwrap();
        assert_eq!(req.state, ApprovalState::Approved);
        assert_eq!(
            decide(&mut tx, &c, &req, "console:carol", &[], Decision::Reject)
                .await
                .unwrap(),
            Outcome::AlreadyDecided(ApprovalState::Approved)
        );
        tx.commit().await.unwrap();
    }

    #[tokio::test]
    async fn roles_and_rejection() {
        let (_d, store, req) = setup(1).await;
        let c = cfg(1);
        let mut tx = store.begin().await.unwrap();
        assert_eq!(
            decide(
                &mut tx,
                &c,
                &req,
                "discord:7",
                &["41".into()],
                Decision::Approve
            )
            .await
            .unwrap(),
            Outcome::NotApprover
        );
        assert_eq!(
            decide(
                &mut tx,
                &c,
                &req,
                "discord:7",
                &["42".into()],
                Decision::Reject
            )
            .await
            .unwrap(),
            Outcome::Rejected
        );
        tx.commit().await.unwrap();
    }

    #[test]
    fn emoji_mapping() {
        let c = cfg(1);
        assert_eq!(decision_for_emoji(&c, "✅"), Some(Decision::Approve));
        assert_eq!(decision_for_emoji(&c, ":x:"), Some(Decision::Reject));
        assert_eq!(decision_for_emoji(&c, "tada"), None);
    }
}
