//! What the bot remembers per thread and user between questions (`answer_contexts`): the
//! knowledge base's follow-up context and a request the bot offered to file. This module owns
//! every query on that table.

use crate::store::StoreError;
use crate::tickets::request::Draft;
use sqlx::SqliteConnection;

/// Where a context is kept: platform, channel, thread (`""` for none) and user.
#[derive(Debug, Clone, Copy)]
pub struct ContextKey<'a> {
    /// Platform name.
    pub platform: &'a str,
    /// Channel.
    pub channel: &'a str,
    /// Thread, `""` when none.
    pub thread: &'a str,
    /// The user's stable id.
    pub user: &'a str,
}

/// What the bot remembers per thread and user.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct StoredContext {
    /// The knowledge base's follow-up context.
    #[serde(default)]
    pub kb: Option<knowledge::Context>,
    /// A request the bot offered to file (accepted with `file it`).
    #[serde(default)]
    pub offer: Option<Draft>,
    /// The last answer was "I don't know" (which offers to file a request).
    #[serde(default)]
    pub abstained: bool,
}

/// The stored context, or an empty one (a context that no longer parses is forgotten: it only
/// helps follow-up questions).
pub async fn load(
    conn: &mut SqliteConnection,
    key: ContextKey<'_>,
) -> Result<StoredContext, StoreError> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT context FROM answer_contexts WHERE platform = ? AND channel = ? AND thread = ? AND user_id = ?",
    )
    .bind(key.platform)
    .bind(key.channel)
    .bind(key.thread)
    .bind(key.user)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default())
}

/// Stores the context (insert or replace).
pub async fn save(
    conn: &mut SqliteConnection,
    key: ContextKey<'_>,
    ctx: &StoredContext,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(ctx)
        .map_err(|e| StoreError::Query(sqlx::Error::Encode(Box::new(e))))?;
    sqlx::query(
        "INSERT INTO answer_contexts (platform, channel, thread, user_id, context) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (platform, channel, thread, user_id) DO UPDATE SET context = excluded.context, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
    )
    .bind(key.platform)
    .bind(key.channel)
    .bind(key.thread)
    .bind(key.user)
    .bind(json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
