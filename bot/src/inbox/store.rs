//! Inbox rows in SQLite: stored payloads waiting to be handled (migration 0013).

use crate::store::StoreError;
use adapters::RawInbound;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqliteExecutor};

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

/// Stores `rows` in one statement; a row whose dedupe key is already stored is skipped.
/// Returns how many rows were stored.
pub async fn insert_batch(
    conn: &mut SqliteConnection,
    rows: &[&RawInbound],
    now_ms: i64,
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let mut q = QueryBuilder::<Sqlite>::new(
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
    Ok(q.build().execute(&mut *conn).await?.rows_affected())
}

/// Deletes handled rows; returns how many were deleted.
pub async fn delete(conn: &mut SqliteConnection, ids: &[i64]) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut q = QueryBuilder::<Sqlite>::new("DELETE FROM inbox WHERE id IN (");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
    Ok(q.build().execute(&mut *conn).await?.rows_affected())
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
