//! The expiry watch (`[watch]`): every `every`, a read-only check of every configured instance
//! (the status commands `slmgr /dli` and `/xpr`, and `slmgr /dlv` on the KMS hosts listed in
//! `kms_hosts`), its history kept in SQLite, and one message in the watch channel per change:
//! an instance that becomes unlicensed, enters grace or notification, has not renewed its KMS
//! activation for more than `renewal_warn_days`, cannot be checked, or a KMS host whose count
//! falls under a threshold (5 for servers, 25 for client editions) — and again when it recovers.
//!
//! A finding is compared with the last one stored for the instance and aspect, and both are
//! written in one transaction before anything is said: the same finding at the next check, after
//! a restart or from a second process, is not announced again. Dry-run instances are not watched
//! (their state is assumed, never read).

pub mod store;

use crate::config::{InstanceConfig, Transport, WatchConfig};
use crate::outbox::Outbox;
use crate::services::Services;
use crate::shells::ShellFactory;
use crate::shells::SLMGR;
use crate::states::{WatchAspect, WatchCondition};
use crate::status::{self, InstanceStatus, LicenseState};
use crate::store::StoreError;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use store::CheckRecord;
use tokio::sync::{watch as signal, Semaphore};

/// `slmgr /dlv` on a KMS host: its `Current count:` line.
pub static DLV: LazyLock<String> = LazyLock::new(|| format!("{SLMGR} /dlv"));

/// A KMS activation lasts this long; clients renew every 7 days.
pub const ACTIVATION_DAYS: u64 = 180;

/// The KMS host count servers need to activate.
pub const SERVER_THRESHOLD: u32 = 5;

/// The KMS host count client editions (Windows 10/11) need to activate.
pub const CLIENT_THRESHOLD: u32 = 25;

/// History is kept this long.
pub const KEEP_HISTORY_DAYS: i64 = 400;

/// Every command the watch may run: the status commands on every instance, `/dlv` on KMS
/// hosts. It runs nothing else.
pub fn read_only_commands() -> Vec<&'static str> {
    let mut v = status::READ_ONLY_COMMANDS.to_vec();
    v.push(DLV.as_str());
    v
}

/// What the watch needs: the services, where to say things, how to reach instances.
#[derive(Clone)]
pub struct WatchDeps {
    /// Store, config, knowledge base, metrics.
    pub services: Services,
    /// Where warnings are posted.
    pub outbox: Outbox,
    /// How instances are reached (the worker's shells).
    pub shells: Arc<dyn ShellFactory>,
    /// Read-only checks at once, shared with status requests (`[jobs] concurrency`).
    pub limit: Arc<Semaphore>,
}

/// The finding for an instance's licence.
pub fn licence_condition(r: &InstanceStatus, renewal_warn_days: u32) -> WatchCondition {
    match r.license_status {
        LicenseState::Licensed => {
            let stale = r.channel == Some("kms_client")
                && !r.permanent
                && r.days_left.is_some_and(|left| {
                    ACTIVATION_DAYS.saturating_sub(left) > u64::from(renewal_warn_days)
                });
            if stale {
                WatchCondition::RenewalOverdue
            } else {
                WatchCondition::Licensed
            }
        }
        LicenseState::Grace => WatchCondition::Grace,
        LicenseState::Notification => WatchCondition::Notification,
        LicenseState::Unlicensed => WatchCondition::Unlicensed,
        LicenseState::Unreachable => WatchCondition::Unreachable,
        LicenseState::Unknown => WatchCondition::Unknown,
    }
}

/// The finding for a KMS host's count.
pub fn count_condition(count: Option<u32>) -> WatchCondition {
    match count {
        None => WatchCondition::CountUnknown,
        Some(n) if n < SERVER_THRESHOLD => WatchCondition::BelowServerThreshold,
        Some(n) if n < CLIENT_THRESHOLD => WatchCondition::BelowClientThreshold,
        Some(_) => WatchCondition::CountOk,
    }
}

/// A KMS host's count, read with `slmgr /dlv`; or why it could not be read.
async fn host_count(
    shells: &dyn ShellFactory,
    inst: &InstanceConfig,
    timeout: Duration,
) -> Result<u32, String> {
    let shell = shells.open(inst)?;
    let out = shell
        .run(DLV.as_str(), timeout)
        .await
        .map_err(|e| e.to_string())?;
    knowledge::nlu::dli::parse(&out.output)
        .and_then(|r| r.current_count)
        .ok_or_else(|| "`slmgr /dlv` shows no `Current count` (is KMS enabled on it?)".to_string())
}

/// One change the watch announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The instance.
    pub instance: String,
    /// Licence or KMS count.
    pub aspect: WatchAspect,
    /// The finding before, if there was one.
    pub was: Option<WatchCondition>,
    /// The finding now.
    pub now: WatchCondition,
    /// One line saying what it means and what to do.
    pub line: String,
}

/// Whether a finding is announced: a change from the last finding, or a first finding that
/// needs attention.
fn announce(was: Option<WatchCondition>, now: WatchCondition) -> bool {
    match was {
        None => !now.is_healthy(),
        Some(w) => w != now,
    }
}

fn was_words(was: Option<WatchCondition>) -> String {
    match was {
        Some(w) => format!(" (was: {})", w.as_str().replace('_', " ")),
        None => String::new(),
    }
}

fn kms_target(r: &InstanceStatus) -> Option<(String, u16)> {
    r.kms_host
        .as_ref()
        .map(|h| (h.clone(), r.kms_port.unwrap_or(1688)))
}

/// The line for a licence finding.
fn licence_line(
    r: &InstanceStatus,
    now: WatchCondition,
    was: Option<WatchCondition>,
    warn_days: u32,
    kb: &knowledge::KnowledgeBase,
) -> String {
    let name = &r.instance;
    let was = was_words(was);
    let error = r.last_error.as_ref().map(|code| match kb.error_info(code) {
        Some(e) => format!("{code} ({})", e.title),
        None => code.clone(),
    });
    match now {
        WatchCondition::Licensed => {
            let until = match (r.permanent, r.days_left) {
                (true, _) => "permanently".to_string(),
                (false, Some(d)) => format!("for {d} more day(s)"),
                (false, None) => String::new(),
            };
            format!("🟢 `{name}` is licensed {until}{was}.")
                .replace("  ", " ")
                .replace(" .", ".")
        }
        WatchCondition::RenewalOverdue => {
            let left = r.days_left.unwrap_or(0);
            let since = ACTIVATION_DAYS.saturating_sub(left);
            let check = match kms_target(r) {
                Some((h, p)) => format!(
                    "it cannot reach its KMS host `{h}:{p}`: check from the instance with `Test-NetConnection {h} -Port {p}`; a closed port needs a firewall request"
                ),
                None => "it cannot reach a KMS host: run `status` on it and check the KMS host and port".to_string(),
            };
            format!(
                "🟠 `{name}` has not renewed its KMS activation for about {since} day(s) (more than {warn_days}; clients renew every 7 days), {left} day(s) before it expires{was}: {check}."
            )
        }
        WatchCondition::Grace => format!(
            "🟠 `{name}` is in a grace period{}{}{was}: it is not activated; `activate {name}` activates it.",
            r.detail
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            r.days_left
                .map(|d| format!(", {d} day(s) left"))
                .unwrap_or_default()
        ),
        WatchCondition::Notification => format!(
            "🔴 `{name}` is in notification mode{}{was}: its activation ended or failed; `activate {name}` activates it again.",
            error.map(|e| format!(", last error {e}")).unwrap_or_default()
        ),
        WatchCondition::Unlicensed => format!(
            "🔴 `{name}` is **not activated**{}{was}: `activate {name}` activates it.",
            error.map(|e| format!(", last error {e}")).unwrap_or_default()
        ),
        WatchCondition::Unreachable => format!(
            "⚪ `{name}` could not be checked{was}: {} (`kmsbot instances check` shows what is wrong).",
            r.detail.as_deref().unwrap_or("no answer")
        ),
        _ => format!(
            "⚪ `{name}`: its status output says nothing of its licence{was}; run `status {name}` to see it."
        ),
    }
}

/// The line for a KMS host count finding.
fn count_line(
    host: &str,
    count: Result<u32, &str>,
    now: WatchCondition,
    was: Option<WatchCondition>,
) -> String {
    let was = was_words(was);
    match (now, count) {
        (WatchCondition::BelowServerThreshold, Ok(n)) => format!(
            "🔴 KMS host `{host}` counts {n} machine(s){was}: under {SERVER_THRESHOLD}, so nothing activates against it (servers need {SERVER_THRESHOLD}, client editions {CLIENT_THRESHOLD}). Machines that renew keep it counting; a count that falls means clients stopped reaching it."
        ),
        (WatchCondition::BelowClientThreshold, Ok(n)) => format!(
            "🟠 KMS host `{host}` counts {n} machine(s){was}: enough for Windows Server ({SERVER_THRESHOLD}), not for client editions such as Windows 10/11 ({CLIENT_THRESHOLD})."
        ),
        (WatchCondition::CountOk, Ok(n)) => format!(
            "🟢 KMS host `{host}` counts {n} machine(s){was}: both thresholds ({SERVER_THRESHOLD} servers, {CLIENT_THRESHOLD} clients) are met."
        ),
        (_, Err(why)) => format!("⚪ KMS host `{host}`: its count could not be read{was}: {why}."),
        (_, Ok(n)) => format!("⚪ KMS host `{host}` counts {n} machine(s){was}."),
    }
}

/// What one round found and recorded.
#[derive(Debug, Clone, Default)]
pub struct Round {
    /// The status of every watched instance.
    pub rows: Vec<InstanceStatus>,
    /// The changes to announce, in config order.
    pub changes: Vec<Change>,
}

/// One round at `now` (Unix seconds): checks every instance and KMS host, records the history
/// and the new findings in one transaction, and returns the changes (not yet said).
pub async fn round(deps: &WatchDeps, watch: &WatchConfig, now: i64) -> Result<Round, StoreError> {
    let config = &deps.services.config;
    let timeout = Duration::from_secs(config.jobs.step_timeout_secs);
    let instances: Vec<InstanceConfig> = config
        .instances
        .iter()
        .filter(|i| i.transport != Transport::DryRun)
        .cloned()
        .collect();
    let rows = status::check_many(
        deps.shells.clone(),
        instances,
        deps.limit.clone(),
        timeout,
        |_| {},
    )
    .await;
    let mut counts = Vec::new();
    for name in &watch.kms_hosts {
        let Some(inst) = config.instance(name) else {
            continue;
        };
        if inst.transport == Transport::DryRun {
            continue;
        }
        let _permit = deps.limit.clone().acquire_owned().await.ok();
        counts.push((
            inst.name.clone(),
            host_count(deps.shells.as_ref(), inst, timeout).await,
        ));
    }
    let kb = &deps.services.kb;
    let mut changes = Vec::new();
    let mut tx = deps.services.store.begin().await?;
    for r in &rows {
        let now_c = licence_condition(r, watch.renewal_warn_days);
        store::insert_check(
            &mut tx,
            now,
            &CheckRecord {
                instance: r.instance.clone(),
                aspect: WatchAspect::Licence,
                condition: now_c,
                license_status: Some(r.license_status.words()),
                channel: r.channel,
                kms_host: r.kms_host.clone(),
                kms_port: r.kms_port,
                days_left: r.days_left,
                last_error: r.last_error.clone(),
                detail: r.detail.clone(),
                kms_count: None,
            },
        )
        .await?;
        let was = store::state(&mut tx, &r.instance, WatchAspect::Licence)
            .await?
            .map(|s| s.condition);
        store::set_state(&mut tx, &r.instance, WatchAspect::Licence, now_c, now).await?;
        if announce(was, now_c) {
            changes.push(Change {
                instance: r.instance.clone(),
                aspect: WatchAspect::Licence,
                was,
                now: now_c,
                line: licence_line(r, now_c, was, watch.renewal_warn_days, kb),
            });
        }
    }
    for (host, count) in &counts {
        let now_c = count_condition(count.as_ref().ok().copied());
        store::insert_check(
            &mut tx,
            now,
            &CheckRecord {
                instance: host.clone(),
                aspect: WatchAspect::KmsCount,
                condition: now_c,
                license_status: None,
                channel: None,
                kms_host: None,
                kms_port: None,
                days_left: None,
                last_error: None,
                detail: count.as_ref().err().cloned(),
                kms_count: count.as_ref().ok().copied(),
            },
        )
        .await?;
        let was = store::state(&mut tx, host, WatchAspect::KmsCount)
            .await?
            .map(|s| s.condition);
        store::set_state(&mut tx, host, WatchAspect::KmsCount, now_c, now).await?;
        if announce(was, now_c) {
            changes.push(Change {
                instance: host.clone(),
                aspect: WatchAspect::KmsCount,
                was,
                now: now_c,
                line: count_line(
                    host,
                    count.as_ref().copied().map_err(String::as_str),
                    now_c,
                    was,
                ),
            });
        }
    }
    store::prune_checks(&mut tx, now - KEEP_HISTORY_DAYS * 86_400).await?;
    tx.commit().await?;
    deps.services.metrics.instance_states(
        rows.iter()
            .map(|r| (r.instance.as_str(), r.license_status.words())),
    );
    deps.services.metrics.watch_round(changes.len());
    Ok(Round { rows, changes })
}

/// The message announcing a round's changes.
pub fn message(changes: &[Change]) -> String {
    let mut s = format!(
        "**Activation watch**: {} change(s) since the last check (read-only `slmgr /dli`, `/xpr`, `/dlv`; `status all` shows every instance):",
        changes.len()
    );
    for c in changes {
        s.push_str("\n• ");
        s.push_str(&c.line);
    }
    s
}

/// Loads the last known licence states into `/metrics` (so they survive a restart).
pub async fn load_metrics(services: &Services) {
    match store::latest_licence_states(services.store.pool()).await {
        Ok(states) => services.metrics.instance_states(
            states
                .iter()
                .filter(|(i, _)| services.config.instance(i).is_some())
                .filter_map(|(i, s)| Some((i.as_str(), LicenseState::from_words(s)?.words()))),
        ),
        Err(e) => tracing::warn!(error = %e, "cannot read the watch history for /metrics"),
    }
}

/// Runs a round now and then every `[watch] every` until `shutdown` turns true; each round's
/// changes are posted to `[watch] channel` as one message.
pub async fn run(deps: WatchDeps, mut shutdown: signal::Receiver<bool>) {
    let Some(watch) = deps.services.config.watch.clone() else {
        return;
    };
    let (Some(every), Some((platform, channel))) = (watch.interval(), watch.target()) else {
        // Validated when the configuration was loaded.
        tracing::error!("[watch] has no valid `every` or `channel`; the watch does not run");
        return;
    };
    let configured = match platform {
        adapters::Platform::Slack => deps.services.config.slack.is_some(),
        adapters::Platform::Discord => deps.services.config.discord.is_some(),
        adapters::Platform::Console => false,
    };
    if !configured {
        tracing::warn!(
            channel = %watch.channel.as_deref().unwrap_or(""),
            "[watch] channel is on a platform that is not configured here: changes are recorded (history, /metrics) but cannot be posted"
        );
    }
    tracing::info!(every = %watch.every, channel = %watch.channel.as_deref().unwrap_or(""), "expiry watch started");
    loop {
        if *shutdown.borrow() {
            return;
        }
        let now = deps.services.config.clock.now();
        let checked = tokio::select! {
            r = round(&deps, &watch, now) => Some(r),
            _ = shutdown.changed() => None,
        };
        match checked {
            // Shut down mid-round: nothing was recorded, the next start checks again.
            None => return,
            Some(Ok(r)) if !r.changes.is_empty() => {
                tracing::info!(
                    changes = r.changes.len(),
                    "expiry watch: announcing changes"
                );
                deps.outbox
                    .say(platform, channel, None, &message(&r.changes))
                    .await;
            }
            Some(Ok(_)) => tracing::debug!("expiry watch: no change"),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "expiry watch round failed; trying again at the next one")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licensed(days: u64) -> InstanceStatus {
        InstanceStatus {
            license_status: LicenseState::Licensed,
            licensed: true,
            channel: Some("kms_client"),
            days_left: Some(days),
            ..InstanceStatus::pending("web-01")
        }
    }

    #[test]
    fn renewal_is_overdue_only_for_kms_clients_past_the_warning() {
        assert_eq!(
            licence_condition(&licensed(179), 30),
            WatchCondition::Licensed
        );
        assert_eq!(
            licence_condition(&licensed(150), 30),
            WatchCondition::Licensed
        );
        assert_eq!(
            licence_condition(&licensed(149), 30),
            WatchCondition::RenewalOverdue
        );
        let mak = InstanceStatus {
            channel: Some("mak"),
            permanent: true,
            days_left: None,
            ..licensed(0)
        };
        assert_eq!(licence_condition(&mak, 30), WatchCondition::Licensed);
    }

    #[test]
    fn counts_against_both_thresholds() {
        assert_eq!(
            count_condition(Some(4)),
            WatchCondition::BelowServerThreshold
        );
        assert_eq!(
            count_condition(Some(5)),
            WatchCondition::BelowClientThreshold
        );
        assert_eq!(
            count_condition(Some(24)),
            WatchCondition::BelowClientThreshold
        );
        assert_eq!(count_condition(Some(25)), WatchCondition::CountOk);
        assert_eq!(count_condition(None), WatchCondition::CountUnknown);
    }

    #[test]
    fn announces_changes_and_first_findings_that_need_attention() {
        assert!(!announce(None, WatchCondition::Licensed));
        assert!(announce(None, WatchCondition::Unlicensed));
        assert!(!announce(
            Some(WatchCondition::Unlicensed),
            WatchCondition::Unlicensed
        ));
        assert!(announce(
            Some(WatchCondition::Unlicensed),
            WatchCondition::Licensed
        ));
        assert!(announce(
            Some(WatchCondition::Licensed),
            WatchCondition::Grace
        ));
    }
}
