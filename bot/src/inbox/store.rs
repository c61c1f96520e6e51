//! Inbox rows in SQLite: stored payloads waiting to be handled (migration 0013).

use crate::store::{Lane, Store, StoreError};
use adapters::RawInbound;
use sqlx::{Row, SqliteExecutor};

/// One stored payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxRow {
    /// Row id (the order rows are handled in).
    pub id: i64,
    /// Platform name.
    pub platform: String,
    /// `event` or `interaction`.
    pub kind: String,
    /// What keeps its order (the channel).
    pub order_key: Option<String>,
    /// The payload, JSON.
    pub body: String,
}

/// Stores `rows` and deletes the handled rows `handled` in one transaction, sent to the writer
/// in one round trip ([`Store::write_built`]), ahead of ordinary writers
/// ([`Lane::Acknowledging`]: a platform waits for this commit). A row whose dedupe key is
/// already stored is skipped. Returns how many rows were stored.
pub async fn write(
    store: &Store,
    rows: &[&RawInbound],
    handled: &[i64],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let mut q = Store::transaction_builder();
    if !rows.is_empty() {
        q.push(
            "INSERT OR IGNORE INTO inbox (platform, kind, dedupe, order_key, body, received_at) ",
        );
        q.push_values(rows, |mut b, r| {
            b.push_bind(r.platform.as_str())
                .push_bind(r.kind.as_str())
                .push_bind(r.dedupe.as_deref())
                .push_bind(r.order_key.as_deref())
                .push_bind(r.body.as_str())
                .push_bind(now_ms);
        });
        // One row back per row stored (a redelivery stores none).
        q.push(" RETURNING 1; ");
    }
    if !handled.is_empty() {
        // One statement whatever the number of ids (prepared once).
        let ids = serde_json::to_string(handled).unwrap_or_else(|_| "[]".into());
        q.push("DELETE FROM inbox WHERE id IN (SELECT value FROM json_each(")
            .push_bind(ids)
            .push(")); ");
    }
    let stored = store.write_built(Lane::Acknowledging, q).await?;
    Ok(stored.len() as u64)
}

/// Up to `limit` rows after id `after`, oldest first.
pub async fn after<'e>(
    db: impl SqliteExecutor<'e>,
    after: i64,
    limit: i64,
) -> Result<Vec<InboxRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, platform, kind, order_key, body FROM inbox WHERE id > ? ORDER BY id LIMIT ?",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(InboxRow {
                id: r.try_get("id")?,
                platform: r.try_get("platform")?,
                kind: r.try_get("kind")?,
                order_key: r.try_get("order_key")?,
                body: r.try_get("body")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// How many rows wait, and when the oldest was received (Unix ms).
pub async fn backlog<'e>(db: impl SqliteExecutor<'e>) -> Result<(i64, Option<i64>), StoreError> {
    let row = sqlx::query(
        "SELECT count(*), (SELECT received_at FROM inbox ORDER BY id LIMIT 1) FROM inbox",
    )
    .fetch_one(db)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}
