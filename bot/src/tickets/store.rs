//! Ticket rows in SQLite: listing, showing and exporting (every field is a column).

use crate::states::{ConversationState, TicketKind, TicketStatus};
use crate::store::StoreError;
use serde::Serialize;
use sqlx::{Row, SqliteConnection, SqliteExecutor};

/// One ticket as stored.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TicketRow {
    /// `FW-12`, `NET-3`.
    pub id: String,
    /// `firewall` or `internet_access`.
    pub kind: TicketKind,
    /// `open`, `approved`, `rejected`, `done`, `cancelled`.
    pub status: TicketStatus,
    /// Platform user id of the requester.
    pub requester: String,
    /// Platform the request came from.
    pub platform: String,
    /// Channel of the request.
    pub channel: String,
    /// `tcp`, `udp`, `icmp`, `any`.
    pub protocol: Option<String>,
    /// `1688`, `1688,3389`, `5000-5010`.
    pub ports: Option<String>,
    /// Source address, CIDR, host or instance.
    pub source: Option<String>,
    /// Destination address, CIDR, host or instance.
    pub destination: Option<String>,
    /// `ingress` or `egress`.
    pub direction: Option<String>,
    /// Instances named by the request, comma-separated.
    pub instance: Option<String>,
    /// Why it is needed.
    pub reason: Option<String>,
    /// How long it is needed, if limited.
    pub duration: Option<String>,
    /// Who approved, rejected or cancelled it.
    pub decided_by: Option<String>,
    /// The rejection reason or other note.
    pub decision_note: Option<String>,
    /// When it was filed (UTC).
    pub created_at: String,
    /// When it last changed (UTC).
    pub updated_at: String,
    /// When a time-limited ticket's access ends (`2026-12-07 07:40 UTC`); set when it is done.
    pub expires_at: Option<String>,
    /// When the background check marked it expired, if it did.
    pub expired_at: Option<String>,
}

/// Which tickets to list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Only this status.
    pub status: Option<TicketStatus>,
    /// Only this kind.
    pub kind: Option<TicketKind>,
    /// Only this requester.
    pub requester: Option<String>,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Result<TicketRow, sqlx::Error> {
    Ok(TicketRow {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        requester: r.try_get("requester")?,
        platform: r.try_get("platform")?,
        channel: r.try_get("channel")?,
        protocol: r.try_get("protocol")?,
        ports: r.try_get("ports")?,
        source: r.try_get("source")?,
        destination: r.try_get("destination")?,
        direction: r.try_get("direction")?,
        instance: r.try_get("instances")?,
        reason: r.try_get("reason")?,
        duration: r.try_get("duration")?,
        decided_by: r.try_get("decided_by")?,
        decision_note: r.try_get("decision_note")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        expires_at: r
            .try_get::<Option<i64>, _>("expires_at")?
            .map(crate::clock::format_utc),
        expired_at: r
            .try_get::<Option<i64>, _>("expired_at")?
            .map(crate::clock::format_utc),
    })
}

/// Lists tickets, oldest first.
pub async fn list<'e>(
    db: impl SqliteExecutor<'e>,
    f: &TicketFilter,
) -> Result<Vec<TicketRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT * FROM tickets WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2) \
         AND (?3 IS NULL OR requester = ?3) ORDER BY created_at, kind, seq",
    )
    .bind(f.status)
    .bind(f.kind)
    .bind(&f.requester)
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// One ticket by id (`FW-12`, case-insensitive).
pub async fn get<'e>(
    db: impl SqliteExecutor<'e>,
    id: &str,
) -> Result<Option<TicketRow>, StoreError> {
    let row = sqlx::query("SELECT * FROM tickets WHERE id = ?")
        .bind(id.to_ascii_uppercase())
        .fetch_optional(db)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The audit trail of one subject (`FW-12`, `job:3`), oldest first: (at, actor, action, detail).
pub async fn history<'e>(
    db: impl SqliteExecutor<'e>,
    subject: &str,
) -> Result<Vec<(String, String, String, Option<String>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT at, actor, action, detail FROM audit_log WHERE subject = ? ORDER BY id",
    )
    .bind(subject)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|r| -> Result<_, sqlx::Error> {
            Ok((
                r.try_get("at")?,
                r.try_get("actor")?,
                r.try_get("action")?,
                r.try_get("detail")?,
            ))
        })
        .collect::<Result<_, _>>()?)
}

/// An instance's internet-access tickets that are approved or done and not expired: (id,
/// status), done first. A ticket names the instance by name or by its configured `address`.
/// Only a done ticket means the access is in place; an expired one means it was removed.
pub async fn internet_access<'e>(
    db: impl SqliteExecutor<'e>,
    instance: &str,
    address: Option<&str>,
) -> Result<Vec<(String, TicketStatus)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, status FROM tickets WHERE kind = 'internet_access' AND status IN ('approved', 'done') \
         AND expired_at IS NULL \
         AND ((',' || lower(instances) || ',') LIKE ('%,' || lower(?1) || ',%') \
              OR (?2 IS NOT NULL AND (',' || lower(instances) || ',') LIKE ('%,' || lower(?2) || ',%'))) \
         ORDER BY status = 'done' DESC, created_at DESC",
    )
    .bind(instance)
    .bind(address)
    .fetch_all(db)
    .await?)
}

/// An open slot-filling conversation as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationRow {
    /// Row id.
    pub id: i64,
    /// JSON of the draft.
    pub draft: String,
    /// The field asked for last, or `confirm`.
    pub awaiting: Option<String>,
}

/// Where a conversation is held: platform, channel, thread (`""` for none), user.
#[derive(Debug, Clone, Copy)]
pub struct ConversationKey<'a> {
    /// Platform name.
    pub platform: &'a str,
    /// Channel.
    pub channel: &'a str,
    /// Thread, `""` when none.
    pub thread: &'a str,
    /// The user's stable id.
    pub user: &'a str,
}

/// The user's open conversation at this place, if any.
pub async fn open_conversation(
    conn: &mut SqliteConnection,
    platform: &str,
    channel: &str,
    thread: &str,
    user: &str,
) -> Result<Option<ConversationRow>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, draft, awaiting FROM conversations WHERE platform = ? AND channel = ? AND thread = ? AND user_id = ? AND state = 'open'",
    )
    .bind(platform)
    .bind(channel)
    .bind(thread)
    .bind(user)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Updates an open conversation's draft.
pub async fn update_conversation(
    conn: &mut SqliteConnection,
    id: i64,
    kind: TicketKind,
    draft_json: &str,
    awaiting: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET draft = ?, awaiting = ?, kind = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
    )
    .bind(draft_json)
    .bind(awaiting)
    .bind(kind)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Opens a conversation.
pub async fn insert_conversation(
    conn: &mut SqliteConnection,
    at: ConversationKey<'_>,
    kind: TicketKind,
    draft_json: &str,
    awaiting: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO conversations (platform, channel, thread, user_id, kind, draft, awaiting) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(at.platform)
    .bind(at.channel)
    .bind(at.thread)
    .bind(at.user)
    .bind(kind)
    .bind(draft_json)
    .bind(awaiting)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Closes a conversation (`filed` or `cancelled`).
pub async fn close_conversation(
    conn: &mut SqliteConnection,
    id: i64,
    state: ConversationState,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE conversations SET state = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
    )
    .bind(state)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// (id, status) of an open or approved ticket with this fingerprint.
pub async fn live_duplicate(
    conn: &mut SqliteConnection,
    fingerprint: &str,
) -> Result<Option<(String, TicketStatus)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, status FROM tickets WHERE fingerprint = ? AND status IN ('open', 'approved') ORDER BY created_at LIMIT 1",
    )
    .bind(fingerprint)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The next sequence number for a ticket kind.
pub async fn next_seq(conn: &mut SqliteConnection, kind: TicketKind) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets WHERE kind = ?")
            .bind(kind)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// A ticket to file (status `open`).
#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    /// `FW-12`, `NET-3`.
    pub id: &'a str,
    /// `firewall` or `internet_access`.
    pub kind: TicketKind,
    /// Sequence within the kind.
    pub seq: i64,
    /// Who asked.
    pub requester: &'a str,
    /// Platform.
    pub platform: &'a str,
    /// Channel.
    pub channel: &'a str,
    /// Thread.
    pub thread: Option<&'a str>,
    /// Protocol.
    pub protocol: Option<String>,
    /// Ports.
    pub ports: Option<String>,
    /// Source.
    pub source: Option<String>,
    /// Destination.
    pub destination: Option<String>,
    /// Direction.
    pub direction: Option<String>,
    /// Instances, comma-separated.
    pub instances: Option<String>,
    /// Reason.
    pub reason: Option<String>,
    /// Duration.
    pub duration: Option<String>,
    /// Duplicate detection fingerprint.
    pub fingerprint: &'a str,
    /// The length in seconds of a time-limited ticket ("for 2 days").
    pub duration_secs: Option<i64>,
}

/// Files a ticket.
pub async fn insert_ticket(
    conn: &mut SqliteConnection,
    t: &NewTicket<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO tickets (id, kind, seq, status, requester, platform, channel, thread, protocol, ports, source, destination, direction, instances, reason, duration, fingerprint, duration_secs) \
         VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(t.id)
    .bind(t.kind)
    .bind(t.seq)
    .bind(t.requester)
    .bind(t.platform)
    .bind(t.channel)
    .bind(t.thread)
    .bind(&t.protocol)
    .bind(&t.ports)
    .bind(&t.source)
    .bind(&t.destination)
    .bind(&t.direction)
    .bind(&t.instances)
    .bind(&t.reason)
    .bind(&t.duration)
    .bind(t.fingerprint)
    .bind(t.duration_secs)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Starts a time-limited ticket's clock (it is done now): `expires_at = now + duration_secs`.
/// Returns the end, or `None` for a ticket without a length.
pub async fn start_clock(
    conn: &mut SqliteConnection,
    id: &str,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let end: Option<Option<i64>> = sqlx::query_scalar(
        "UPDATE tickets SET expires_at = ? + duration_secs WHERE id = ? AND duration_secs IS NOT NULL RETURNING expires_at",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(end.flatten())
}

/// A done, time-limited ticket whose time has not been marked up yet.
#[derive(Debug, Clone)]
pub struct RunningOut {
    /// `NET-3`.
    pub id: String,
    /// `firewall` or `internet_access`.
    pub kind: TicketKind,
    /// Platform user id of the requester.
    pub requester: String,
    /// Where the ticket was filed.
    pub platform: String,
    /// Its channel.
    pub channel: String,
    /// Its thread.
    pub thread: Option<String>,
    /// The instances (internet access) or `None`.
    pub instances: Option<String>,
    /// The length in seconds.
    pub duration_secs: i64,
    /// The end, Unix seconds.
    pub expires_at: i64,
    /// Whether the reminder was sent.
    pub reminded: bool,
}

/// Done tickets with an end that was not marked yet, soonest first.
pub async fn running_out(conn: &mut SqliteConnection) -> Result<Vec<RunningOut>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, kind, requester, platform, channel, thread, instances, duration_secs, expires_at, reminded_at \
         FROM tickets WHERE status = 'done' AND expires_at IS NOT NULL AND expired_at IS NULL ORDER BY expires_at",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| -> Result<RunningOut, sqlx::Error> {
            Ok(RunningOut {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                requester: r.try_get("requester")?,
                platform: r.try_get("platform")?,
                channel: r.try_get("channel")?,
                thread: r.try_get("thread")?,
                instances: r.try_get("instances")?,
                duration_secs: r.try_get("duration_secs")?,
                expires_at: r.try_get("expires_at")?,
                reminded: r.try_get::<Option<i64>, _>("reminded_at")?.is_some(),
            })
        })
        .collect::<Result<_, _>>()?)
}

/// Records that the reminder for `id` was sent; false when it already was.
pub async fn mark_reminded(
    conn: &mut SqliteConnection,
    id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE tickets SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks `id` expired; false when it already was.
pub async fn mark_expired(
    conn: &mut SqliteConnection,
    id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE tickets SET expired_at = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND expired_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ties a ticket to its approval message and request.
pub async fn set_approval_message(
    conn: &mut SqliteConnection,
    id: &str,
    message_id: i64,
    request_id: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tickets SET message_id = ?, approval_request_id = ? WHERE id = ?")
        .bind(message_id)
        .bind(request_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// (status, requester, approval request, channel, thread) of a ticket (id in any case).
pub async fn decision_row(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<(TicketStatus, String, Option<i64>, String, Option<String>)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT status, requester, approval_request_id, channel, thread FROM tickets WHERE id = ?",
    )
    .bind(id.to_ascii_uppercase())
    .fetch_optional(&mut *conn)
    .await?)
}

/// Sets a ticket's status, who decided, and (when given) the decision note.
pub async fn set_status(
    conn: &mut SqliteConnection,
    id: &str,
    status: TicketStatus,
    decided_by: &str,
    note: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE tickets SET status = ?, decided_by = ?, decision_note = COALESCE(?, decision_note), updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
    )
    .bind(status)
    .bind(decided_by)
    .bind(note)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A ticket's status.
pub async fn status(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<TicketStatus>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT status FROM tickets WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The CSV header, for an export with no rows.
pub const CSV_HEADER: &[&str] = &[
    "id",
    "kind",
    "status",
    "requester",
    "platform",
    "channel",
    "protocol",
    "ports",
    "source",
    "destination",
    "direction",
    "instance",
    "reason",
    "duration",
    "decided_by",
    "decision_note",
    "created_at",
    "updated_at",
];

/// A CSV cell that a spreadsheet will not run as a formula: a cell starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'` (OWASP's CSV injection advice).
pub fn csv_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// One line per ticket for `tickets list`.
pub fn one_line(t: &TicketRow) -> String {
    let what = match t.kind {
        TicketKind::Firewall => format!(
            "{} {} from {} to {}",
            t.protocol.as_deref().unwrap_or("?"),
            t.ports.as_deref().unwrap_or("?"),
            t.source.as_deref().unwrap_or("?"),
            t.destination.as_deref().unwrap_or("?")
        ),
        _ => format!(
            "internet access for {}",
            t.instance.as_deref().unwrap_or("?")
        ),
    };
    format!("{}\t{}\t{}\t{}", t.id, t.status, t.requester, what)
}

/// Every field, one per line, for `tickets show`.
pub fn details(t: &TicketRow) -> String {
    let mut s = format!("{} ({}) — {}\n", t.id, t.kind, t.status);
    let fields: [(&str, &Option<String>); 10] = [
        ("protocol", &t.protocol),
        ("ports", &t.ports),
        ("source", &t.source),
        ("destination", &t.destination),
        ("direction", &t.direction),
        ("instance", &t.instance),
        ("reason", &t.reason),
        ("duration", &t.duration),
        ("decided_by", &t.decided_by),
        ("decision_note", &t.decision_note),
    ];
    s.push_str(&format!("  requester: {}\n", t.requester));
    for (name, value) in fields {
        if let Some(v) = value {
            s.push_str(&format!("  {name}: {v}\n"));
        }
    }
    match (&t.expired_at, &t.expires_at) {
        (Some(at), _) => s.push_str(&format!("  expired: {at}\n")),
        (None, Some(at)) => s.push_str(&format!("  ends: {at}\n")),
        _ => {}
    }
    s.push_str(&format!(
        "  created: {}  updated: {}",
        t.created_at, t.updated_at
    ));
    s
}

/// One line per ticket in chat.
pub fn one_line_chat(t: &TicketRow) -> String {
    let what = match t.kind {
        TicketKind::Firewall => format!(
            "{} {} from {} to {}",
            t.protocol.as_deref().unwrap_or("?"),
            t.ports.as_deref().unwrap_or(""),
            t.source.as_deref().unwrap_or("?"),
            t.destination.as_deref().unwrap_or("?")
        ),
        _ => format!(
            "internet access for {}",
            t.instance.as_deref().unwrap_or("?")
        ),
    };
    let status = match (&t.expired_at, &t.expires_at) {
        (Some(_), _) => format!("{}, expired", t.status),
        (None, Some(end)) => format!("{}, ends {end}", t.status),
        _ => t.status.to_string(),
    };
    format!("**{}** ({status}): {what}", t.id)
}
