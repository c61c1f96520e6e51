//! What the bot remembers per thread and user between questions (`answer_contexts`): the
//! knowledge base's follow-up context and a request the bot offered to file. This module owns
//! every query on that table. [`load_place`] also reads the user's open ticket conversation at
//! the same place, so a message's turn learns both in one round trip to the database.

use crate::store::StoreError;
use crate::tickets::request::Draft;
use sqlx::SqliteConnection;

/// Where a context is kept: platform, channel, thread (`""` for none) and user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    Ok(parse(json.as_deref()))
}

/// What the bot knows about a user at a place when a message arrives: the stored context (and
/// its JSON as stored, so an unchanged context is not written again) and the user's open ticket
/// conversation there.
#[derive(Debug, Default)]
pub struct Place {
    /// The stored context (empty when none, or when it no longer parses).
    pub context: StoredContext,
    /// The context's JSON as stored.
    pub stored_json: Option<String>,
    /// The open ticket conversation, if any.
    pub conversation: Option<crate::tickets::store::ConversationRow>,
}

/// The context JSON this process last read or wrote per place that had no open conversation,
/// so a plain answer can start without reading it (`app`'s early answer). An entry may be
/// stale (another process or a concurrent turn wrote since): that is safe, because the group
/// commit writes an answer only over the context it was worked out from, and the ordinary
/// turn reads what is stored. Bounded: it is emptied when [`PlaceCache::MAX`] places are in it.
#[derive(Debug, Default)]
pub struct PlaceCache {
    places: std::sync::Mutex<std::collections::HashMap<String, Seen>>,
}

/// A place's context as stored (JSON) and read back.
type Seen = (Option<String>, StoredContext);

impl PlaceCache {
    /// Most places kept: a place holds its context twice (JSON and parsed), about a kilobyte
    /// or two; 4,096 of them put a 20,000-event burst's peak RSS over 60 MiB.
    pub const MAX: usize = 1024;

    fn key(key: ContextKey<'_>) -> String {
        // The unit separator occurs in none of the platforms' ids.
        [key.platform, key.channel, key.thread, key.user].join("\u{1f}")
    }

    fn places(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Seen>> {
        self.places.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The place as last seen (no open conversation then), or `None` when not known.
    pub fn get(&self, key: ContextKey<'_>) -> Option<Place> {
        let (json, context) = self.places().get(&Self::key(key))?.clone();
        Some(Place {
            context,
            stored_json: json,
            conversation: None,
        })
    }

    /// Remembers that the place holds `json` (`None`: no context row), whose context is
    /// `context` (what `json` reads back as), and no open conversation.
    pub fn put(&self, key: ContextKey<'_>, json: Option<String>, context: StoredContext) {
        let mut places = self.places();
        if places.len() >= Self::MAX {
            places.clear();
        }
        places.insert(Self::key(key), (json, context));
    }

    /// Forgets the place: something other than a plain answer may have changed it.
    pub fn forget(&self, key: ContextKey<'_>) {
        self.places().remove(&Self::key(key));
    }
}

/// A stored context's JSON read back (empty when none, or when it no longer parses).
fn parse(json: Option<&str>) -> StoredContext {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// The statement of [`load_place`], its parameters numbered from `?3` so it can go with an
/// event's BEGIN (`store::FirstRead`).
const PLACE: &str = "SELECT (SELECT context FROM answer_contexts WHERE platform = ?3 AND channel = ?4 AND thread = ?5 AND user_id = ?6) AS context, \
     c.id, c.draft, c.awaiting FROM (SELECT 1) LEFT JOIN conversations c \
     ON c.platform = ?3 AND c.channel = ?4 AND c.thread = ?5 AND c.user_id = ?6 AND c.state = 'open' LIMIT 1";

/// The read of [`load_place`], to send with the event's BEGIN.
pub fn place_read(key: ContextKey<'_>) -> crate::store::FirstRead {
    crate::store::FirstRead {
        sql: PLACE,
        binds: vec![
            key.platform.to_string(),
            key.channel.to_string(),
            key.thread.to_string(),
            key.user.to_string(),
        ],
    }
}

/// The context and the open conversation at `key`, in one statement.
pub async fn load_place(
    conn: &mut SqliteConnection,
    key: ContextKey<'_>,
) -> Result<Place, StoreError> {
    // `?1` and `?2` are unused here (they are the event's in `place_read`).
    let row = sqlx::query(PLACE)
        .bind("")
        .bind("")
        .bind(key.platform)
        .bind(key.channel)
        .bind(key.thread)
        .bind(key.user)
        .fetch_optional(&mut *conn)
        .await?;
    place_from_rows(row.as_slice())
}

/// The [`Place`] of the rows [`place_read`] returned.
pub fn place_from_rows(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Place, StoreError> {
    use sqlx::Row as _;
    let Some(row) = rows.first() else {
        return Ok(Place::default());
    };
    let json: Option<String> = row.try_get("context")?;
    let id: Option<i64> = row.try_get("id")?;
    let draft: Option<String> = row.try_get("draft")?;
    let awaiting: Option<String> = row.try_get("awaiting")?;
    let conversation = match (id, draft) {
        (Some(id), Some(draft)) => Some(crate::tickets::store::ConversationRow {
            id,
            draft,
            awaiting,
        }),
        _ => None,
    };
    Ok(Place {
        context: parse(json.as_deref()),
        stored_json: json,
        conversation,
    })
}

/// Stores the context unless it is what `stored_json` already holds (no write, no round trip).
pub async fn save_if_changed(
    conn: &mut SqliteConnection,
    key: ContextKey<'_>,
    ctx: &StoredContext,
    stored_json: Option<&str>,
) -> Result<(), StoreError> {
    match changed_json(ctx, stored_json)? {
        Some(json) => write(conn, key, json).await,
        None => Ok(()),
    }
}

/// The context as JSON, or `None` when that is what `stored_json` already holds.
pub fn changed_json(
    ctx: &StoredContext,
    stored_json: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let json = serde_json::to_string(ctx)
        .map_err(|e| StoreError::Query(sqlx::Error::Encode(Box::new(e))))?;
    Ok((stored_json != Some(json.as_str())).then_some(json))
}

const UPSERT: &str = "INSERT INTO answer_contexts (platform, channel, thread, user_id, context) VALUES (?1, ?2, ?3, ?4, ?5) \
     ON CONFLICT (platform, channel, thread, user_id) DO UPDATE SET context = excluded.context, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// SQL true when the place whose platform, channel, thread and user are the SQL expressions
/// `p`, `c`, `t`, `u` still holds the context JSON `json` (NULL: no context row) and has no open
/// ticket conversation: what [`load_place`] read before a plain answer was worked out (see
/// `store::Store::commit_answers`).
pub fn place_unchanged_sql(p: &str, c: &str, t: &str, u: &str, json: &str) -> String {
    format!(
        "(SELECT context FROM answer_contexts WHERE platform = {p} AND channel = {c} AND thread = {t} AND user_id = {u}) IS {json} \
         AND NOT EXISTS (SELECT 1 FROM conversations WHERE platform = {p} AND channel = {c} AND thread = {t} AND user_id = {u} AND state = 'open')"
    )
}

/// The context upsert as `INSERT … SELECT platform, channel, thread, user_id, context FROM
/// {source} WHERE {condition}`: `source` names those five columns; nothing is written where
/// `context` is NULL.
pub fn upsert_from_sql(source: &str, condition: &str) -> String {
    format!(
        "INSERT INTO answer_contexts (platform, channel, thread, user_id, context) \
         SELECT platform, channel, thread, user_id, context FROM {source} WHERE context IS NOT NULL AND {condition} \
         ON CONFLICT (platform, channel, thread, user_id) DO UPDATE SET context = excluded.context, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    )
}

/// [`save_if_changed`] as the last write of a turn: sent together with its COMMIT (nothing in
/// the turn may read the context after this).
pub async fn save_at_commit(
    turn: &mut crate::turn::Turn<'_>,
    ctx: &StoredContext,
    stored_json: Option<&str>,
) -> Result<(), StoreError> {
    let Some(json) = changed_json(ctx, stored_json)? else {
        return Ok(());
    };
    let ev = turn.ev;
    let binds = vec![
        Some(ev.platform.as_str().to_string()),
        Some(ev.channel.clone()),
        Some(ev.thread.clone().unwrap_or_default()),
        Some(ev.user.clone()),
        Some(json),
    ];
    turn.write_at_commit(UPSERT, binds).await
}

/// Stores the context (insert or replace).
pub async fn save(
    conn: &mut SqliteConnection,
    key: ContextKey<'_>,
    ctx: &StoredContext,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(ctx)
        .map_err(|e| StoreError::Query(sqlx::Error::Encode(Box::new(e))))?;
    write(conn, key, json).await
}

async fn write(
    conn: &mut SqliteConnection,
    key: ContextKey<'_>,
    json: String,
) -> Result<(), StoreError> {
    sqlx::query(UPSERT)
        .bind(key.platform)
        .bind(key.channel)
        .bind(key.thread)
        .bind(key.user)
        .bind(json)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
