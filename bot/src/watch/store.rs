//! The expiry watch's rows in SQLite: the history of every check (`watch_checks`) and the last
//! finding per instance and aspect (`watch_state`).

use crate::states::{WatchAspect, WatchCondition};
use crate::store::StoreError;
use sqlx::{SqliteConnection, SqliteExecutor};

/// One check to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// The instance.
    pub instance: String,
    /// Its licence, or a KMS host's count.
    pub aspect: WatchAspect,
    /// What was found.
    pub condition: WatchCondition,
    /// The licence state's words (`licensed`, ...), for a licence check.
    pub license_status: Option<&'static str>,
    /// `kms_client`, `mak`, ...
    pub channel: Option<&'static str>,
    /// The KMS host the instance uses.
    pub kms_host: Option<String>,
    /// Its port.
    pub kms_port: Option<u16>,
    /// Days until the activation or grace period ends.
    pub days_left: Option<u64>,
    /// The last error shown.
    pub last_error: Option<String>,
    /// More words (why it could not be checked, the grace period's kind).
    pub detail: Option<String>,
    /// A KMS host's count.
    pub kms_count: Option<u32>,
}

/// The last finding of one instance and aspect.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StateRow {
    /// The instance.
    pub instance: String,
    /// Which aspect.
    pub aspect: WatchAspect,
    /// The finding.
    pub condition: WatchCondition,
    /// When it was first seen (Unix seconds).
    pub since: i64,
    /// When it was last confirmed (Unix seconds).
    pub checked_at: i64,
}

/// Appends one check to the history.
pub async fn insert_check(
    conn: &mut SqliteConnection,
    at: i64,
    r: &CheckRecord,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO watch_checks (instance, aspect, checked_at, condition, license_status, channel, \
         kms_host, kms_port, days_left, last_error, detail, kms_count) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&r.instance)
    .bind(r.aspect)
    .bind(at)
    .bind(r.condition)
    .bind(r.license_status)
    .bind(r.channel)
    .bind(&r.kms_host)
    .bind(r.kms_port.map(i64::from))
    .bind(r.days_left.and_then(|d| i64::try_from(d).ok()))
    .bind(&r.last_error)
    .bind(&r.detail)
    .bind(r.kms_count.map(i64::from))
    .execute(conn)
    .await?;
    Ok(())
}

/// The last finding of `instance`'s `aspect`, if it was ever checked.
pub async fn state(
    conn: &mut SqliteConnection,
    instance: &str,
    aspect: WatchAspect,
) -> Result<Option<StateRow>, StoreError> {
    Ok(sqlx::query_as::<_, StateRow>(
        "SELECT instance, aspect, condition, since, checked_at FROM watch_state \
         WHERE instance = ? AND aspect = ?",
    )
    .bind(instance)
    .bind(aspect)
    .fetch_optional(conn)
    .await?)
}

/// Records `condition` as the last finding: keeps `since` when it did not change.
pub async fn set_state(
    conn: &mut SqliteConnection,
    instance: &str,
    aspect: WatchAspect,
    condition: WatchCondition,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO watch_state (instance, aspect, condition, since, checked_at) \
         VALUES (?1, ?2, ?3, ?4, ?4) \
         ON CONFLICT (instance, aspect) DO UPDATE SET \
           since = CASE WHEN condition = excluded.condition THEN since ELSE excluded.since END, \
           condition = excluded.condition, checked_at = excluded.checked_at",
    )
    .bind(instance)
    .bind(aspect)
    .bind(condition)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets history older than `before` (Unix seconds); returns how many rows went.
pub async fn prune_checks(conn: &mut SqliteConnection, before: i64) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM watch_checks WHERE checked_at < ?")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}

/// The newest licence state recorded for each instance (for `/metrics` after a restart).
pub async fn latest_licence_states<'e>(
    db: impl SqliteExecutor<'e>,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as::<_, (String, String)>(
        "SELECT c.instance, c.license_status FROM watch_checks c \
         JOIN (SELECT instance, MAX(id) AS id FROM watch_checks \
               WHERE aspect = 'licence' AND license_status IS NOT NULL GROUP BY instance) m \
           ON c.id = m.id",
    )
    .fetch_all(db)
    .await?)
}

/// The history of one instance, newest first, at most `limit` rows: (checked_at, aspect,
/// condition, days_left, last_error, kms_count).
pub async fn history<'e>(
    db: impl SqliteExecutor<'e>,
    instance: &str,
    limit: i64,
) -> Result<Vec<HistoryRow>, StoreError> {
    Ok(sqlx::query_as::<_, HistoryRow>(
        "SELECT checked_at, aspect, condition, license_status, days_left, last_error, kms_count \
         FROM watch_checks WHERE instance = ? ORDER BY id DESC LIMIT ?",
    )
    .bind(instance)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// One row of an instance's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct HistoryRow {
    /// When (Unix seconds).
    pub checked_at: i64,
    /// Licence or KMS count.
    pub aspect: WatchAspect,
    /// What was found.
    pub condition: WatchCondition,
    /// The licence state's words.
    pub license_status: Option<String>,
    /// Days left.
    pub days_left: Option<i64>,
    /// The last error shown.
    pub last_error: Option<String>,
    /// A KMS host's count.
    pub kms_count: Option<i64>,
}
