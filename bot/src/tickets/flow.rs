//! The ticket conversation: from a sentence to a filed ticket (slot filling, validation,
//! confirmation, duplicates) and the ticket lifecycle (approve, reject, done, cancel).

use super::request::{self, Draft, Field, Problem, RequestKind, Slot};
use super::store as tstore;
use crate::approvals::{self, Decision, Outcome};
use crate::errors::{AppError, UserError};
use crate::states::{ApprovalSubject, ConversationState, TicketKind, TicketStatus};
use crate::store::Store;
use crate::turn::Turn;
use crate::users::mention;
use adapters::Message;
use sqlx::SqliteConnection;

/// An open conversation row.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Row id.
    pub id: i64,
    /// The draft gathered so far.
    pub draft: Draft,
    /// The field asked for last, or `confirm`.
    pub awaiting: Option<String>,
}

fn key(turn: &Turn<'_>) -> (String, String, String, String) {
    let ev = turn.ev;
    (
        ev.platform.as_str().to_string(),
        ev.channel.clone(),
        ev.thread.clone().unwrap_or_default(),
        ev.user.clone(),
    )
}

/// The user's open conversation where they speak now, if any.
pub async fn open_conversation(turn: &mut Turn<'_>) -> Result<Option<Conversation>, AppError> {
    let (platform, channel, thread, user) = key(turn);
    let row = tstore::open_conversation(turn.tx(), &platform, &channel, &thread, &user).await?;
    conversation(row)
}

/// The conversation of a row read already (`contexts::load_place`).
pub fn conversation(
    row: Option<tstore::ConversationRow>,
) -> Result<Option<Conversation>, AppError> {
    let Some(row) = row else {
        return Ok(None);
    };
    let draft: Draft = serde_json::from_str(&row.draft).map_err(anyhow::Error::from)?;
    Ok(Some(Conversation {
        id: row.id,
        draft,
        awaiting: row.awaiting,
    }))
}

async fn save(
    turn: &mut Turn<'_>,
    existing: Option<i64>,
    draft: &Draft,
    awaiting: Option<&str>,
) -> Result<(), AppError> {
    let json = serde_json::to_string(draft).map_err(anyhow::Error::from)?;
    let kind = kind_of(draft);
    match existing {
        Some(id) => tstore::update_conversation(turn.tx(), id, kind, &json, awaiting).await?,
        None => {
            let (platform, channel, thread, user) = key(turn);
            let at = tstore::ConversationKey {
                platform: &platform,
                channel: &channel,
                thread: &thread,
                user: &user,
            };
            tstore::insert_conversation(turn.tx(), at, kind, &json, awaiting).await?
        }
    }
    Ok(())
}

async fn close(turn: &mut Turn<'_>, id: i64, state: ConversationState) -> Result<(), AppError> {
    Ok(tstore::close_conversation(turn.tx(), id, state).await?)
}

fn known_instances(turn: &Turn<'_>) -> Vec<String> {
    turn.config()
        .instances
        .iter()
        .map(|i| i.name.clone())
        .collect()
}

fn problems_text(problems: &[Problem]) -> String {
    let mut s = String::new();
    for p in problems {
        s.push_str(&format!(
            "• {}: {} For example: `{}`\n",
            p.field,
            sentence(&p.message),
            p.example
        ));
    }
    s
}

/// `text` ending with a full stop (unless it already ends a sentence).
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?', ':']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// "a firewall rule request", "an internet access request", "a request".
fn a_request(kind: Option<RequestKind>) -> &'static str {
    match kind {
        Some(RequestKind::Firewall) => "a firewall rule request",
        Some(RequestKind::InternetAccess) => "an internet access request",
        None => "a request",
    }
}

/// What a request of `kind` is called, without its article ("firewall rule request").
fn request_name(kind: Option<RequestKind>) -> &'static str {
    let a = a_request(kind);
    a.strip_prefix("an ")
        .or_else(|| a.strip_prefix("a "))
        .unwrap_or(a)
}

/// The approvers, mentioned so they are notified of a new ticket (a Discord role is named, not
/// pinged); the usual text when there are none.
fn approver_mentions(cfg: &crate::config::ApprovalsConfig) -> String {
    if cfg.approvers.is_empty() {
        return approvals::approvers_text(cfg);
    }
    cfg.approvers
        .iter()
        .map(|a| {
            if a.starts_with("discord-role:") {
                format!("`{a}`")
            } else {
                mention(a)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A message that is a request of its own, complete but for direction and reason: it starts a
/// new draft even while another one is open.
fn complete_request(text: &str, known: &[String]) -> Option<Draft> {
    let kind = request::detect(text)?;
    let mut draft = request::parse(text, known);
    draft.kind = Some(kind);
    match request::next_missing(&draft) {
        None | Some(Field::Direction | Field::Reason) => Some(draft),
        Some(_) => None,
    }
}

/// Whether `new` asks for something else than `old`: a field both name differs. A complete
/// request that only restates or completes the open draft continues it instead.
fn conflicts(old: &Draft, new: &Draft) -> bool {
    fn differ<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
        matches!((a, b), (Some(x), Some(y)) if x != y)
    }
    let instances = !old.instances.is_empty()
        && !new.instances.is_empty()
        && !new
            .instances
            .iter()
            .all(|n| old.instances.iter().any(|o| o.eq_ignore_ascii_case(n)));
    differ(&old.kind, &new.kind)
        || differ(&old.protocol, &new.protocol)
        || differ(&old.ports, &new.ports)
        || differ(&old.source, &new.source)
        || differ(&old.destination, &new.destination)
        || differ(&old.direction, &new.direction)
        || instances
}

/// What an open draft was, in a few words, for the note when it is replaced.
fn pending_text(conv: &Conversation) -> String {
    let d = &conv.draft;
    let mut parts: Vec<String> = Vec::new();
    if d.kind == Some(RequestKind::InternetAccess) {
        if !d.instances.is_empty() {
            parts.push(format!("for {}", d.instances.join(", ")));
        }
    } else {
        if let Some(p) = d.protocol {
            parts.push(p.to_string());
        }
        if let Some(ports) = &d.ports {
            parts.push(ports.to_string());
        }
        if let Some(src) = &d.source {
            parts.push(format!("from {src}"));
        }
        if let Some(dst) = &d.destination {
            parts.push(format!("to {dst}"));
        }
    }
    let state = match conv.awaiting.as_deref() {
        Some("confirm") => "waiting for your `confirm`".to_string(),
        Some(slot) => format!("the {slot} was still open"),
        None => "not complete".to_string(),
    };
    let what = if parts.is_empty() {
        state
    } else {
        format!("{}, {state}", parts.join(" "))
    };
    format!(
        "I dropped your earlier {} ({what}); nothing was filed for it. Your new message starts a new one.\n",
        request_name(d.kind)
    )
}

fn dedupe_problems(mut problems: Vec<Problem>) -> Vec<Problem> {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.field, p.message.clone())));
    problems
}

/// Starts a request from a sentence that `request::detect` recognised (or an accepted offer).
pub async fn start(
    turn: &mut Turn<'_>,
    text: &str,
    prefill: Option<Draft>,
) -> Result<(), AppError> {
    let known = known_instances(turn);
    let mut draft = prefill.unwrap_or_default();
    let parsed = request::parse(text, &known);
    request::merge(&mut draft, &parsed);
    if draft.kind.is_none() {
        draft.kind = parsed.kind.or_else(|| request::detect(text));
    }
    let problems = parsed.problems.clone();
    draft.problems.clear();
    advance(turn, None, draft, problems, true, String::new()).await
}

/// Whether `text`, sent while `conv` is open, is a question of its own rather than an answer
/// to it: it reads as a question, is more than one word, and would change nothing in the
/// request's rule (its protocol, ports, endpoints, direction, instances or kind). The caller
/// answers such a question and leaves the request as it is (see [`still_open`]).
pub fn is_aside(turn: &Turn<'_>, conv: &Conversation, text: &str) -> bool {
    if text.split_whitespace().count() < 2 || !request::looks_like_question(text) {
        return false;
    }
    let known = known_instances(turn);
    let mut after = conv.draft.clone();
    match awaited(conv, &after) {
        Some(slot) => {
            // An unusable answer is what this looks for; its problem is not needed.
            let _ = request::apply_answer(&mut after, slot, text, &known);
        }
        None => request::merge(&mut after, &request::parse(text, &known)),
    }
    let rule = |d: &Draft| {
        (
            d.kind,
            d.protocol,
            d.ports.clone(),
            d.source.clone(),
            d.destination.clone(),
            d.direction,
            d.instances.clone(),
        )
    };
    rule(&after) == rule(&conv.draft)
}

/// The line after an answer given while `conv` is open: the request waits, and how to go on.
pub fn still_open(conv: &Conversation) -> String {
    let waiting = match conv.awaiting.as_deref() {
        Some("confirm") => "it waits for your `confirm`".to_string(),
        Some(slot) => format!("it still needs the {slot}"),
        None => "it is not complete yet".to_string(),
    };
    format!(
        "_Your {} is still open: {waiting}. Reply to go on with it, or `cancel`._",
        request_name(conv.draft.kind)
    )
}

/// What confirms a request waiting for `confirm`, and what drops it (`lower`, as
/// [`answer`] reads it).
const CONFIRMS: &[&str] = &[
    "confirm",
    "yes",
    "y",
    "yes, confirm",
    "confirmed",
    "i confirm",
    "yes confirm",
];
const DECLINES: &[&str] = &["no", "n"];

/// The reply to thanks, an acknowledgement or a greeting sent while `conv` is open, as the
/// knowledge base recognises them; `None` for anything else. A "yes" or "no" is never small
/// talk here: it answers a confirmation or a doubt.
fn small_talk_reply(turn: &Turn<'_>, lower: &str, text: &str) -> Option<&'static str> {
    if CONFIRMS.contains(&lower) || DECLINES.contains(&lower) {
        return None;
    }
    match turn.kb().answer(text, None).intent? {
        knowledge::Intent::Thanks => Some("You're welcome."),
        knowledge::Intent::Ack => Some("\u{1f44d}"),
        knowledge::Intent::Greet => Some("Hi!"),
        _ => None,
    }
}

/// Continues an open conversation with the user's next message.
pub async fn answer(turn: &mut Turn<'_>, conv: Conversation, text: &str) -> Result<(), AppError> {
    let lower = text
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "cancel" | "cancel it" | "never mind" | "nevermind" | "stop" | "abort"
    ) {
        close(turn, conv.id, ConversationState::Cancelled).await?;
        turn.reply("OK, I dropped that request; nothing was filed.")
            .await?;
        return Ok(());
    }
    // "file it" before the request is complete: what it still needs. ("yes" and "confirm"
    // answer a confirmation or a doubt, and are left to them.)
    if conv.awaiting.as_deref() != Some("confirm")
        && conv.draft.doubts.is_empty()
        && matches!(
            lower.as_str(),
            "file it" | "ok file it" | "file it please" | "go ahead" | "submit" | "submit it"
        )
    {
        turn.reply(format!("It isn't complete yet. {}", still_open(&conv)))
            .await?;
        return Ok(());
    }
    // "thanks", "ok", "hi" while a request is open: no value for the awaited field; a short
    // reply and where the request stands, with nothing changed.
    if let Some(reply) = small_talk_reply(turn, &lower, text) {
        turn.reply(format!("{reply} {}", still_open(&conv))).await?;
        return Ok(());
    }
    let known = known_instances(turn);
    let fresh = complete_request(text, &known).filter(|f| conflicts(&conv.draft, f));
    if let Some(mut fresh) = fresh {
        // One rule: a new complete request starts a new draft; the old one is dropped, and
        // the requester is told so.
        close(turn, conv.id, ConversationState::Cancelled).await?;
        let problems = std::mem::take(&mut fresh.problems);
        return advance(turn, None, fresh, problems, true, pending_text(&conv)).await;
    }
    let mut draft = conv.draft.clone();
    let mut problems = Vec::new();
    if conv.awaiting.as_deref() == Some("confirm") {
        if CONFIRMS.contains(&lower.as_str()) {
            draft.confirmed = true;
        } else if DECLINES.contains(&lower.as_str()) {
            close(turn, conv.id, ConversationState::Cancelled).await?;
            turn.reply("OK, I dropped that request; nothing was filed.")
                .await?;
            return Ok(());
        } else {
            let update = request::parse(text, &known);
            request::merge(&mut draft, &update);
            problems.extend(update.problems);
        }
    } else {
        match awaited(&conv, &draft) {
            Some(slot) => {
                let before = draft.clone();
                if let Err(p) = request::apply_answer(&mut draft, slot, text, &known) {
                    // "from 10.0.4.0/24" when the protocol was asked: the source is taken and
                    // the protocol asked again, without "That didn't work".
                    let took_other = p.field == slot
                        && p.message.starts_with(request::NOT_FOUND)
                        && fields_changed(&before, &draft);
                    if !took_other {
                        problems.push(p);
                    }
                }
            }
            None => {
                let update = request::parse(text, &known);
                request::merge(&mut draft, &update);
                problems.extend(update.problems);
            }
        }
    }
    draft.problems.clear();
    advance(turn, Some(conv.id), draft, problems, false, String::new()).await
}

/// Whether a request's fields differ between `a` and `b` (what was understood, not the
/// problems found in it).
fn fields_changed(a: &Draft, b: &Draft) -> bool {
    let fields = |d: &Draft| {
        let mut d = d.clone();
        d.problems.clear();
        d.doubts.clear();
        d
    };
    fields(a) != fields(b)
}

/// The field `conv` asked for last, or the first one `draft` still misses.
fn awaited(conv: &Conversation, draft: &Draft) -> Option<Slot> {
    conv.awaiting
        .as_deref()
        .and_then(slot_from_str)
        .or_else(|| request::next_missing(draft))
}

fn slot_from_str(s: &str) -> Option<Slot> {
    Some(match s {
        "kind" => Field::Kind,
        "protocol" => Field::Protocol,
        "ports" => Field::Ports,
        "source" => Field::Source,
        "destination" => Field::Destination,
        "direction" => Field::Direction,
        "instances" => Field::Instances,
        "reason" => Field::Reason,
        "duration" => Field::Duration,
        _ => return None,
    })
}

/// Validates, then asks about what is unclear or missing, asks for confirmation, or files the
/// ticket. `note` goes before the reply (what happened to an earlier draft).
async fn advance(
    turn: &mut Turn<'_>,
    conv_id: Option<i64>,
    draft: Draft,
    mut problems: Vec<Problem>,
    first: bool,
    note: String,
) -> Result<(), AppError> {
    let known = known_instances(turn);
    problems.extend(request::validate(&draft, &known));
    let problems = dedupe_problems(problems);
    let a_kind = a_request(draft.kind);
    if !problems.is_empty() {
        let next = request::next_missing(&draft);
        let awaiting = problems
            .first()
            .map(|p| p.field)
            .or(next)
            .map(|f| f.as_str().to_string());
        save(turn, conv_id, &draft, awaiting.as_deref()).await?;
        let mut text = note;
        if first {
            text.push_str(&format!(
                "I'm starting {a_kind}, but some of it doesn't work yet:\n"
            ));
        } else {
            text.push_str("That didn't work:\n");
        }
        text.push_str(&problems_text(&problems));
        text.push_str("I kept everything else. Reply with a corrected value, or `cancel`.");
        turn.reply(text).await?;
        return Ok(());
    }
    // The reply: the note, on the first turn what is understood so far (as fields), then `rest`.
    let reply = |rest: String| {
        if first {
            Message::markdown(format!("{note}I'll file {a_kind}. So far:"))
                .with_fields(request::summary_fields(&draft))
                .with_markdown(rest)
        } else {
            Message::markdown(format!("{note}{rest}"))
        }
    };
    if let Some(doubt) = draft.doubts.first() {
        // Never drop or guess words silently: ask first.
        let message = reply(format!(
            "Before I go on, one question: {} Reply with the {} you mean (for example `{}`), `yes` to keep what is shown, or `cancel`.",
            sentence(&doubt.message),
            doubt.field,
            doubt.example
        ));
        save(turn, conv_id, &draft, Some(doubt.field.as_str())).await?;
        turn.reply(message).await?;
        return Ok(());
    }
    if let Some(slot) = request::next_missing(&draft) {
        let message = reply(format!("{} (or `cancel`)", request::question(slot)));
        save(turn, conv_id, &draft, Some(slot.as_str())).await?;
        turn.reply(message).await?;
        return Ok(());
    }
    if request::needs_confirmation(&draft) && !draft.confirmed {
        save(turn, conv_id, &draft, Some("confirm")).await?;
        turn.reply(
            Message::markdown(format!(
                "{note}⚠️ This rule lets traffic in from anywhere on the internet:"
            ))
            .with_fields(request::summary_fields(&draft))
            .with_markdown(
                "Reply `confirm` to file it as it is, send a narrower source (for example `from 198.51.100.0/24`), or `cancel`.",
            ),
        )
        .await?;
        return Ok(());
    }
    let id = match conv_id {
        Some(id) => id,
        None => {
            save(turn, None, &draft, None).await?;
            match open_conversation(turn).await? {
                Some(c) => c.id,
                None => return Err(anyhow::anyhow!("conversation vanished").into()),
            }
        }
    };
    file(turn, id, &draft, note).await
}

fn kind_of(draft: &Draft) -> TicketKind {
    match draft.kind {
        Some(RequestKind::InternetAccess) => TicketKind::InternetAccess,
        _ => TicketKind::Firewall,
    }
}

/// Files a complete, valid draft as a ticket (or points at an identical open one).
async fn file(
    turn: &mut Turn<'_>,
    conv_id: i64,
    draft: &Draft,
    note: String,
) -> Result<(), AppError> {
    let fingerprint = request::fingerprint(draft);
    let existing = tstore::live_duplicate(turn.tx(), &fingerprint).await?;
    if let Some((id, status)) = existing {
        close(turn, conv_id, ConversationState::Cancelled).await?;
        turn.reply(format!(
            "{note}That is the same as **{id}**, which is already {status}; I did not file a duplicate. Follow it with `ticket {id}`."
        ))
        .await?;
        return Ok(());
    }
    let kind = kind_of(draft);
    let seq = tstore::next_seq(turn.tx(), kind).await?;
    let id = format!("{}-{seq}", kind.prefix());
    let ev = turn.ev;
    let direction = request::effective_direction(draft).map(|d| d.as_str().to_string());
    let instances = if draft.instances.is_empty() {
        None
    } else {
        Some(draft.instances.join(","))
    };
    tstore::insert_ticket(
        turn.tx(),
        &tstore::NewTicket {
            id: &id,
            kind,
            seq,
            requester: &ev.user,
            platform: ev.platform.as_str(),
            channel: &ev.channel,
            thread: ev.thread.as_deref(),
            protocol: draft.protocol.map(|p| p.as_str().to_string()),
            ports: draft.ports.as_ref().map(|p| p.to_string()),
            source: draft.source.as_ref().map(|e| e.to_string()),
            destination: draft.destination.as_ref().map(|e| e.to_string()),
            direction,
            instances,
            reason: draft.reason.clone(),
            duration: draft.duration.as_ref().map(|d| d.text.clone()),
            fingerprint: &fingerprint,
            duration_secs: draft
                .duration
                .as_ref()
                .and_then(|d| d.seconds)
                .and_then(|s| i64::try_from(s).ok()),
        },
    )
    .await?;
    close(turn, conv_id, ConversationState::Filed).await?;
    turn.metrics()
        .ticket(kind.as_str(), TicketStatus::Open.as_str());
    Store::audit(
        turn.tx(),
        &ev.user,
        "filed",
        Some(&id),
        Some(&request::summary(draft)),
    )
    .await?;
    let cfg = turn.config();
    let mut message = Message::markdown(format!(
        "{note}Filed **{id}** ({}) for {}:",
        match kind {
            TicketKind::Firewall => "firewall rule",
            TicketKind::InternetAccess => "internet access",
        },
        mention(&ev.user),
    ))
    .with_fields(request::summary_fields(draft));
    if kind == TicketKind::Firewall {
        let cmds = request::openstack_commands(draft, &cfg.tickets.security_group);
        if !cmds.is_empty() {
            message = message
                .with_markdown("The OpenStack security group rule(s) that implement it:")
                .with_code(None, cmds.join("\n"));
        }
    } else {
        message = message.with_markdown(format!(
            "Online activation needs outbound HTTPS (tcp/443) from {} to Microsoft's activation service on the internet; instances have no internet access until support opens it.",
            draft.instances.join(", ")
        ));
    }
    let mut text = format!(
        "Next: an approver ({}) approves with :{}: or `approve {id}` (reject with :{}: or `reject {id} REASON`); then support applies it and marks it `done {id}`. You can `cancel {id}` any time before that.",
        approver_mentions(&cfg.approvals),
        adapters::emoji::normalize(&cfg.approvals.approve_emoji),
        adapters::emoji::normalize(&cfg.approvals.reject_emoji),
    );
    // A ticket needs one approver other than the requester: say at once when there is none.
    // (With none configured at all, the line above already says so.)
    if !cfg.approvals.approvers.is_empty() && cfg.approvals.approvers.iter().all(|a| *a == ev.user)
    {
        text.push_str(&format!(
            "\n⚠️ Nobody can approve this: {} is the only approver in `[approvals] approvers`, and nobody approves their own request. An operator adds another approver to the config (for example `approvers = [\"console:bob\", \"console:carol\"]`) and restarts kmsbot; the ticket then waits here for them. Or withdraw it with `cancel {id}`.",
            mention(&ev.user)
        ));
    }
    let message = message.with_markdown(text);
    let msg = turn.reply(message).await?;
    let req = approvals::create(
        turn.tx(),
        &ApprovalSubject::Ticket(id.clone()),
        msg,
        &ev.user,
        1,
        ev.platform.as_str(),
        &ev.channel,
        ev.thread.as_deref(),
    )
    .await?;
    tstore::set_approval_message(turn.tx(), &id, msg, req).await?;
    turn.react(
        msg,
        adapters::emoji::normalize(&cfg.approvals.approve_emoji),
    );
    turn.react(msg, adapters::emoji::normalize(&cfg.approvals.reject_emoji));
    Ok(())
}

async fn ticket_row(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<(TicketStatus, String, Option<i64>, String, Option<String>)>, AppError> {
    Ok(tstore::decision_row(conn, id).await?)
}

async fn set_status(
    turn: &mut Turn<'_>,
    id: &str,
    status: TicketStatus,
    note: Option<&str>,
) -> Result<(), AppError> {
    let ev = turn.ev;
    tstore::set_status(turn.tx(), id, status, &ev.user, note).await?;
    Store::audit(turn.tx(), &ev.user, status.as_str(), Some(id), note).await?;
    let kind = TicketKind::of_id(id).unwrap_or(TicketKind::Firewall);
    turn.metrics().ticket(kind.as_str(), status.as_str());
    Ok(())
}

fn no_such_ticket(id: &str) -> AppError {
    UserError::new(format!("There is no ticket {id}."), "tickets open").into()
}

/// Posts in the ticket's own thread (where the requester asked), as the requester's notice.
async fn tell_requester(
    turn: &mut Turn<'_>,
    channel: &str,
    thread: Option<&str>,
    text: String,
) -> Result<(), AppError> {
    if turn.ev.channel == channel && turn.ev.thread.as_deref() == thread {
        turn.reply(text).await?;
    } else {
        turn.post(channel, thread, text, Vec::new()).await?;
    }
    Ok(())
}

/// `approve FW-12` / `reject FW-12 REASON` / a reaction or button on the ticket message.
pub async fn decide(
    turn: &mut Turn<'_>,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let id = id.to_ascii_uppercase();
    let Some((_, requester, req_id, channel, thread)) = ticket_row(turn.tx(), &id).await? else {
        return Err(no_such_ticket(&id));
    };
    let Some(req_id) = req_id else {
        return Err(anyhow::anyhow!("ticket {id} has no approval request").into());
    };
    let Some(req) = approvals::by_id(turn.tx(), req_id).await? else {
        return Err(anyhow::anyhow!("approval request {req_id} missing").into());
    };
    let cfg = turn.config().approvals.clone();
    let ev = turn.ev;
    let outcome = approvals::decide(turn.tx(), &cfg, &req, &ev.user, &ev.roles, decision).await?;
    match outcome {
        Outcome::Approved(_) => {
            set_status(turn, &id, TicketStatus::Approved, None).await?;
            tell_requester(
                turn,
                &channel,
                thread.as_deref(),
                format!(
                    "**{id}** was approved by {}. {}: support will apply it; an approver marks it `done {id}` when it is in place.",
                    mention(&turn.ev.user),
                    mention(&requester)
                ),
            )
            .await
        }
        Outcome::Counted { have, need } => {
            turn.reply(format!("Approval of **{id}** recorded ({have} of {need})."))
                .await?;
            Ok(())
        }
        Outcome::Rejected => {
            set_status(turn, &id, TicketStatus::Rejected, reason).await?;
            let why = reason
                .map(|r| format!(" Reason: {}", sentence(r)))
                .unwrap_or_default();
            tell_requester(
                turn,
                &channel,
                thread.as_deref(),
                format!(
                    "**{id}** was rejected by {}.{why} {}: you can file a corrected request any time.",
                    mention(&turn.ev.user),
                    mention(&requester)
                ),
            )
            .await
        }
        Outcome::AlreadyApproved => {
            turn.reply(format!("You already approved **{id}**."))
                .await?;
            Ok(())
        }
        Outcome::AlreadyDecided(state) => Err(UserError::plain(format!(
            "**{id}** is already {}; there is nothing to decide.",
            current_status(turn.tx(), &id)
                .await?
                .map_or_else(|| state.to_string(), |s| s.to_string())
        ))
        .into()),
        Outcome::SelfApproval => Err(UserError::plain(format!(
            "You filed **{id}**, so you cannot approve it yourself; one of {} must.",
            approvals::approvers_text(&cfg)
        ))
        .into()),
        Outcome::NotApprover => Err(UserError::plain(format!(
            "Only {} may approve or reject **{id}**.",
            approvals::approvers_text(&cfg)
        ))
        .into()),
    }
}

async fn current_status(
    conn: &mut SqliteConnection,
    id: &str,
) -> Result<Option<TicketStatus>, AppError> {
    Ok(tstore::status(conn, id).await?)
}

/// `done FW-12`: an approver marks an approved ticket as applied.
pub async fn mark_done(turn: &mut Turn<'_>, id: &str) -> Result<(), AppError> {
    let id = id.to_ascii_uppercase();
    let Some((status, requester, _, channel, thread)) = ticket_row(turn.tx(), &id).await? else {
        return Err(no_such_ticket(&id));
    };
    let cfg = turn.config().approvals.clone();
    if !approvals::is_approver(&cfg, &turn.ev.user, &turn.ev.roles) {
        return Err(UserError::plain(format!(
            "Only {} may mark **{id}** done.",
            approvals::approvers_text(&cfg)
        ))
        .into());
    }
    if status != TicketStatus::Approved {
        return Err(UserError::new(
            format!("**{id}** is {status}; only an approved ticket can be marked done."),
            format!("approve {id}"),
        )
        .into());
    }
    set_status(turn, &id, TicketStatus::Done, None).await?;
    // A time-limited ticket's clock starts now that the access is in place.
    let now = turn.now();
    let ends = match tstore::start_clock(turn.tx(), &id, now).await? {
        Some(end) => format!(
            " It ends {} ({} from now); I will remind you and the approvers before then.",
            crate::clock::format_utc(end),
            crate::clock::duration_words(end - now)
        ),
        None => match tstore::get(turn.conn(), &id).await?.and_then(|t| t.duration) {
            // "until friday": a deadline I cannot time; say so rather than stay silent.
            Some(until) => format!(
                " It is meant to last {until}; I can only time lengths such as `for 2 days`, so nobody will be reminded: remove the access by hand then."
            ),
            None => String::new(),
        },
    };
    tell_requester(
        turn,
        &channel,
        thread.as_deref(),
        format!(
            "**{id}** is done: the access is in place. {}: you can go ahead.{ends}",
            mention(&requester)
        ),
    )
    .await
}

/// `cancel FW-12`: the requester withdraws an open or approved ticket.
pub async fn cancel(turn: &mut Turn<'_>, id: &str) -> Result<(), AppError> {
    let id = id.to_ascii_uppercase();
    let Some((status, requester, req_id, _, _)) = ticket_row(turn.tx(), &id).await? else {
        return Err(no_such_ticket(&id));
    };
    if requester != turn.ev.user {
        return Err(UserError::plain(format!(
            "Only the requester ({}) can cancel **{id}**; approvers can `reject {id} REASON`.",
            mention(&requester)
        ))
        .into());
    }
    if !status.is_live() {
        return Err(UserError::plain(format!("**{id}** is already {status}.")).into());
    }
    set_status(turn, &id, TicketStatus::Cancelled, None).await?;
    if let Some(r) = req_id {
        approvals::cancel(turn.tx(), r).await?;
    }
    turn.reply(format!("**{id}** is cancelled.")).await?;
    Ok(())
}

/// `tickets`, `tickets open`, `tickets all`.
pub async fn list(turn: &mut Turn<'_>, which: &str) -> Result<(), AppError> {
    let filter = match which {
        "mine" => tstore::TicketFilter {
            requester: Some(turn.ev.user.clone()),
            ..Default::default()
        },
        "open" => tstore::TicketFilter {
            status: Some(TicketStatus::Open),
            ..Default::default()
        },
        _ => tstore::TicketFilter::default(),
    };
    let rows = tstore::list(turn.conn(), &filter).await?;
    let title = match which {
        "mine" => "Your tickets",
        "open" => "Open tickets",
        _ => "All tickets",
    };
    if rows.is_empty() {
        turn.reply(format!("{title}: none.")).await?;
        return Ok(());
    }
    let mut s = format!("{title}:\n");
    for t in rows.iter().rev().take(20) {
        s.push_str(&format!("• {}\n", tstore::one_line_chat(t)));
    }
    if rows.len() > 20 {
        s.push_str(&format!(
            "…and {} older (see `kmsbot tickets list`).",
            rows.len() - 20
        ));
    }
    turn.reply(s.trim_end().to_string()).await?;
    Ok(())
}

/// `ticket FW-12`.
pub async fn show(turn: &mut Turn<'_>, id: &str) -> Result<(), AppError> {
    let Some(t) = tstore::get(turn.conn(), id).await? else {
        return Err(no_such_ticket(&id.to_ascii_uppercase()));
    };
    let history = tstore::history(turn.conn(), &t.id).await?;
    let mut s = format!("```\n{}\n```", tstore::details(&t));
    if !history.is_empty() {
        s.push_str("\nHistory:\n");
        for (at, actor, action, _) in history {
            s.push_str(&format!("• {at} {action} by {}\n", mention(&actor)));
        }
    }
    turn.reply(s.trim_end().to_string()).await?;
    Ok(())
}
