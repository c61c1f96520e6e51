//! Time-limited tickets ("for 2 days"): the background check that reminds the requester and the
//! approvers before the access ends and marks the ticket expired when the time is up.
//!
//! A ticket's clock starts when it is marked done (`store::start_clock`). The check runs once
//! when the bot starts and then every [`CHECK_EVERY`]; each finding is recorded before it is
//! announced, in one transaction, so a restart or a second process never announces it twice.

use super::store as tstore;
use crate::clock::{duration_words, format_utc};
use crate::outbox::Outbox;
use crate::services::Services;
use crate::states::TicketKind;
use crate::store::{Store, StoreError};
use crate::users::mention;
use adapters::Platform;
use std::time::Duration;
use tokio::sync::watch;

/// How often the background check looks for tickets running out.
pub const CHECK_EVERY: Duration = Duration::from_secs(60);

/// How long before the end the reminder goes out: a quarter of the ticket's length, at most a
/// day, at least a minute.
pub fn reminder_lead(duration_secs: i64) -> i64 {
    (duration_secs / 4).clamp(60, 86_400)
}

/// One announcement decided by a check.
struct Notice {
    platform: Platform,
    channel: String,
    thread: Option<String>,
    text: String,
}

/// Who hears about a ticket running out: its requester and the approvers on its platform.
fn audience(services: &Services, t: &tstore::RunningOut) -> String {
    let mut names = vec![mention(&t.requester)];
    let prefix = format!("{}:", t.platform);
    for a in &services.config.approvals.approvers {
        if a.starts_with(&prefix) && *a != t.requester {
            names.push(mention(a));
        }
    }
    names.join(" ")
}

fn what(t: &tstore::RunningOut) -> String {
    match (t.kind, &t.instances) {
        (TicketKind::InternetAccess, Some(i)) => format!("internet access for {i}"),
        (TicketKind::InternetAccess, None) => "internet access".to_string(),
        (TicketKind::Firewall, _) => "firewall rule".to_string(),
    }
}

/// One pass at `now` (Unix seconds): records and returns what is due. Returns how many notices
/// were sent.
pub async fn check(services: &Services, outbox: &Outbox, now: i64) -> Result<usize, StoreError> {
    let mut notices = Vec::new();
    let mut tx = services.store.begin().await?;
    for t in tstore::running_out(&mut tx).await? {
        let Some(platform) = Platform::parse(&t.platform) else {
            continue;
        };
        let who = audience(services, &t);
        let ends = format_utc(t.expires_at);
        let length = duration_words(t.duration_secs);
        let text = if now >= t.expires_at {
            if !tstore::mark_expired(&mut tx, &t.id, now).await? {
                continue;
            }
            Store::audit(&mut tx, "kmsbot", "expired", Some(&t.id), Some(&ends)).await?;
            format!(
                "⌛ **{}** ({}, {length}) ended {ends}: its time is up and it is marked expired. Support: remove the access now. {who}: file a new request if it is still needed.",
                t.id,
                what(&t)
            )
        } else if !t.reminded && t.expires_at - now <= reminder_lead(t.duration_secs) {
            if !tstore::mark_reminded(&mut tx, &t.id, now).await? {
                continue;
            }
            Store::audit(&mut tx, "kmsbot", "reminded", Some(&t.id), Some(&ends)).await?;
            format!(
                "⏰ **{}** ({}, {length}) ends {ends}, in {}. {who}: when it ends support removes the access; file a new request if more time is needed.",
                t.id,
                what(&t),
                // Rounded up to the minute: a second past an hour still reads "in 1 hour".
                duration_words((t.expires_at - now + 59) / 60 * 60)
            )
        } else {
            continue;
        };
        notices.push(Notice {
            platform,
            channel: t.channel.clone(),
            thread: t.thread.clone(),
            text,
        });
    }
    tx.commit().await?;
    // Said after the commit: `say` writes its own row on the one writer connection.
    for n in &notices {
        outbox
            .say(n.platform, &n.channel, n.thread.as_deref(), &n.text)
            .await;
    }
    Ok(notices.len())
}

/// Checks every [`CHECK_EVERY`] until `shutdown` turns true. The caller runs the first check
/// itself, so a start-up finding is announced before anything else happens.
pub async fn run(services: Services, outbox: Outbox, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(CHECK_EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
        let now = services.config.clock.now();
        if let Err(e) = check(&services, &outbox, now).await {
            tracing::warn!(error = %e, "ticket expiry check failed; trying again later");
        }
    }
}
