//! The durable job worker: claims approved jobs from SQLite, runs their steps on the instance
//! through a [`RemoteShell`], records every step, queues progress edits in the outbox, and
//! resumes jobs that a previous process left unfinished.
//!
//! Two processes may share a database (`serve` and an operator's `chat`, or an old and a new
//! process during a restart): every job a worker runs carries its owner id and a lease that a
//! heartbeat renews. Recovery and claims take only jobs whose lease expired, and a worker starts
//! each step only while it still holds the lease, so a running job is never run by two processes.
//! Every later write about the job (a step's result, a skip, the checkpoint, the job's final
//! status and its audit entry) is fenced the same way, in the transaction that writes it: a worker
//! whose lease was taken over writes nothing more and logs the refused write ([`LeaseLost`]).
//!
//! The worker depends only on [`WorkerDeps`]: the services, the outbox (it never waits for a chat
//! platform), the [`JobsControl`] signals and a [`ShellFactory`]. Each job runs in its own task;
//! a panic in it is contained: the job ends `failed`, its always-run steps still run, and its
//! slot is freed.

use super::control::JobsControl;
use super::plan;
use super::store::{self as jstore, StepResult, StepSpec};
use super::StepRow;
use crate::config::SecretRef;
use crate::contexts::{self, ContextKey};
use crate::outbox::Outbox;
use crate::services::Services;
use crate::shells::ShellFactory;
use crate::states::{JobStatus, StepStatus};
use crate::store::Store;
use crate::tickets::request::{
    Direction, Draft, Endpoint, PortRange, Ports, Protocol, RequestKind,
};
use crate::users::mention;
use adapters::shell::{CommandOutput, ShellError};
use adapters::Platform;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Everything the worker uses; nothing of the event side.
#[derive(Clone)]
pub struct WorkerDeps {
    /// Store, config, knowledge base, metrics.
    pub services: Services,
    /// Where progress edits and results go.
    pub outbox: Outbox,
    /// Wake-ups, running count, shutdown.
    pub control: Arc<JobsControl>,
    /// Opens instance shells.
    pub shells: Arc<dyn ShellFactory>,
}

/// This worker's claim on the jobs it runs.
#[derive(Clone)]
struct Lease {
    /// Who holds the jobs: this process (pid and a random part).
    owner: Arc<str>,
    /// How long a lease lasts.
    secs: u64,
}

impl Lease {
    fn new(secs: u64) -> Lease {
        Lease {
            owner: format!("pid {} {}", std::process::id(), crate::errors::short_ref()).into(),
            secs: secs.max(2),
        }
    }

    /// Renews the lease on `job`; false when another process owns it now.
    async fn renew(&self, store: &Store, job: i64) -> Result<bool, crate::store::StoreError> {
        let mut tx = store.begin().await?;
        let held = jstore::renew_lease(&mut tx, job, &self.owner, self.secs).await?;
        tx.commit().await?;
        Ok(held)
    }

    /// Renews the lease on `job` every third of its length until the job ends; sets `lost` when
    /// another process took the job over (after this one failed to renew in time).
    fn heartbeat(
        &self,
        store: Store,
        job: i64,
        lost: Arc<AtomicBool>,
    ) -> tokio::task::JoinHandle<()> {
        let lease = self.clone();
        tokio::spawn(async move {
            let every = Duration::from_millis(lease.secs * 1000 / 3);
            loop {
                tokio::time::sleep(every).await;
                match lease.renew(&store, job).await {
                    Ok(true) => {}
                    Ok(false) => {
                        lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    Err(e) => tracing::warn!(job, error = %e, "cannot renew a job's lease"),
                }
            }
        })
    }
}

/// A write about a job refused because another process holds its lease now.
#[derive(Debug, thiserror::Error)]
#[error("job #{job}: refused to write {what}: its lease was taken over by another process")]
pub struct LeaseLost {
    /// The job.
    pub job: i64,
    /// What was not written.
    pub what: &'static str,
}

/// Renews `lease` on `job` inside `tx` (the transaction about to write about the job); a
/// [`LeaseLost`] error, logged, when another process holds it now. The caller drops `tx`
/// (rolling it back) on that error.
async fn fence(
    tx: &mut sqlx::SqliteConnection,
    job: i64,
    lease: &Lease,
    what: &'static str,
) -> anyhow::Result<()> {
    if jstore::renew_lease(tx, job, &lease.owner, lease.secs).await? {
        return Ok(());
    }
    let refused = LeaseLost { job, what };
    tracing::warn!(job, owner = %lease.owner, "{refused}");
    Err(refused.into())
}

/// Marks jobs whose worker died (their lease expired) as `interrupted`, and their running step
/// as pending again, so they resume from their first unfinished step. Jobs that another live
/// process runs are left alone.
pub async fn recover(store: &Store) -> Result<u64, crate::store::StoreError> {
    let mut tx = store.begin().await?;
    let n = jstore::recover_interrupted(&mut tx).await?;
    if n > 0 {
        Store::audit(
            &mut tx,
            "kmsbot",
            "recovered interrupted jobs",
            None,
            Some(&n.to_string()),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Claims up to `n` runnable jobs (queued, or interrupted, or running under an expired lease) in
/// one transaction.
async fn claim(
    store: &Store,
    n: usize,
    lease: &Lease,
) -> Result<Vec<i64>, crate::store::StoreError> {
    let mut tx = store.begin().await?;
    let recovered = jstore::recover_interrupted(&mut tx).await?;
    if recovered > 0 {
        Store::audit(
            &mut tx,
            "kmsbot",
            "recovered interrupted jobs",
            None,
            Some(&recovered.to_string()),
        )
        .await?;
    }
    let ids = jstore::claim(&mut tx, n, &lease.owner, lease.secs).await?;
    for id in &ids {
        Store::audit(
            &mut tx,
            "kmsbot",
            "started",
            Some(&format!("job:{id}")),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ids)
}

/// Runs the worker until shutdown: at most `[jobs] concurrency` jobs at once.
pub async fn run(deps: WorkerDeps) {
    let deps = Arc::new(deps);
    if let Err(e) = recover(&deps.services.store).await {
        tracing::error!(error = %e, "cannot recover interrupted jobs");
    }
    let lease = Lease::new(deps.services.config.jobs.lease_secs);
    let slots = deps.services.config.jobs.concurrency.max(1);
    let limit = Arc::new(Semaphore::new(slots));
    let mut shutdown = deps.control.shutdown_signal();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let first = tokio::select! {
            p = limit.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => continue,
        };
        // Take every free slot at once, so a wave of jobs starts together.
        let mut permits = vec![first];
        while let Ok(p) = limit.clone().try_acquire_owned() {
            permits.push(p);
        }
        match claim(&deps.services.store, permits.len(), &lease).await {
            Ok(ids) if !ids.is_empty() => {
                for id in ids {
                    let Some(permit) = permits.pop() else { break };
                    let deps = deps.clone();
                    let lease = lease.clone();
                    deps.control.job_started();
                    tokio::spawn(async move {
                        let lost = Arc::new(AtomicBool::new(false));
                        let heartbeat =
                            lease.heartbeat(deps.services.store.clone(), id, lost.clone());
                        supervise(&deps, id, &lease, &lost).await;
                        heartbeat.abort();
                        deps.control.job_finished();
                        drop(permit);
                    });
                }
                drop(permits);
            }
            Ok(_) => {
                drop(permits);
                // Nothing to claim: sleep until this process queues work (`JobsControl::wake`),
                // a running job's lease may expire (another process died), or the fallback
                // poll for jobs another process queued.
                let wait = idle_wait(&deps.services.store).await;
                tokio::select! {
                    _ = deps.control.queued() => {}
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                drop(permits);
                tracing::error!(error = %e, "cannot claim a job");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
    // Let running steps finish and checkpoint (their jobs end `interrupted`).
    let _ = limit.acquire_many(slots as u32).await;
}

/// How often an idle worker looks for jobs that another process (a second `chat` or `serve` on
/// the same database) queued: this process's own approvals, cancels and retries wake it at once.
pub const CROSS_PROCESS_POLL: Duration = Duration::from_secs(60);

/// How long an idle worker sleeps: until the earliest lease of a running job expires (plus a
/// little, so it has), at most [`CROSS_PROCESS_POLL`].
async fn idle_wait(store: &Store) -> Duration {
    match jstore::next_lease_expiry(store.pool()).await {
        Ok(Some(secs)) => {
            Duration::from_secs_f64((secs + 0.05).clamp(0.05, CROSS_PROCESS_POLL.as_secs_f64()))
        }
        Ok(None) => CROSS_PROCESS_POLL,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read job leases; polling");
            Duration::from_secs(1)
        }
    }
}

/// Runs one job in its own task and contains what goes wrong: an internal error or a panic ends
/// the job `failed` (after a panic its always-run steps still run, in a second task).
async fn supervise(deps: &Arc<WorkerDeps>, id: i64, lease: &Lease, lost: &Arc<AtomicBool>) {
    let held = Held {
        lease: lease.clone(),
        lost: lost.clone(),
    };
    let first = tokio::spawn(run_job(deps.clone(), id, held.clone(), None)).await;
    let reference = match first {
        Ok(Ok(())) => return,
        // Another process runs the job now: it writes the job's outcome, not this one.
        Ok(Err(e)) if e.downcast_ref::<LeaseLost>().is_some() => return,
        Ok(Err(e)) => {
            let reference = crate::errors::short_ref();
            tracing::error!(job = id, reference = %reference, error = format!("{e:#}"), "job failed internally");
            reference
        }
        Err(join) => {
            let reference = crate::errors::short_ref();
            tracing::error!(job = id, reference = %reference, panic = %panic_text(join), "job task panicked");
            reference
        }
    };
    let why = format!("internal error (reference {reference}); the operator's log has the details");
    // Run what must run after a failure (restore the time source), then end the job `failed`.
    let second = tokio::spawn(run_job(deps.clone(), id, held, Some(why.clone()))).await;
    if !matches!(second, Ok(Ok(()))) {
        tracing::error!(job = id, reference = %reference, "the always-run steps of a failed job could not run");
        if let Err(e) = mark_internal_failure(&deps.services.store, id, lease, &why).await {
            tracing::error!(job = id, error = %e, "cannot mark a job failed");
        }
    }
}

fn panic_text(join: tokio::task::JoinError) -> String {
    if !join.is_panic() {
        return join.to_string();
    }
    let payload = join.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

async fn mark_internal_failure(
    store: &Store,
    id: i64,
    lease: &Lease,
    error: &str,
) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    fence(&mut tx, id, lease, "the job's final status")
        .await
        .map_err(|e| e.context("not marked failed"))?;
    jstore::finish(&mut tx, id, JobStatus::Failed, None, Some(error)).await?;
    Store::audit(
        &mut tx,
        "kmsbot",
        "failed",
        Some(&format!("job:{id}")),
        Some(error),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The lease a job task runs under, and whether it was lost to another process.
#[derive(Clone)]
struct Held {
    lease: Lease,
    lost: Arc<AtomicBool>,
}

struct JobInfo {
    id: i64,
    instance: String,
    method: String,
    kms_host: Option<String>,
    requested_by: String,
    platform: Platform,
    channel: String,
    thread: Option<String>,
    progress: Option<i64>,
    dry_run: bool,
    /// The lease every write about the job is fenced on.
    lease: Lease,
    /// The steps as last written, so progress messages need no query.
    rows: std::sync::Mutex<Vec<StepRow>>,
}

impl JobInfo {
    fn update_row(&self, seq: i64, f: impl FnOnce(&mut StepRow)) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = rows.iter_mut().find(|r| r.seq == seq) {
            f(r);
        }
    }

    fn row_status(&self, seq: i64) -> Option<StepStatus> {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.iter().find(|r| r.seq == seq).map(|r| r.status)
    }
}

async fn load(store: &Store, id: i64, lease: &Lease) -> anyhow::Result<JobInfo> {
    let r = jstore::runnable(store.pool(), id).await?;
    Ok(JobInfo {
        id,
        platform: Platform::parse(&r.platform)
            .ok_or_else(|| anyhow::anyhow!("unknown platform {}", r.platform))?,
        instance: r.instance,
        method: r.method,
        kms_host: r.kms_host,
        requested_by: r.requested_by,
        channel: r.channel,
        thread: r.thread,
        progress: r.progress_message_id,
        dry_run: false,
        lease: lease.clone(),
        rows: std::sync::Mutex::new(jstore::steps(store.pool(), id).await?),
    })
}

fn step_ran(job: &JobInfo, seq: i64) -> bool {
    matches!(
        job.row_status(seq),
        Some(
            StepStatus::Succeeded
                | StepStatus::Rehearsed
                | StepStatus::Failed
                | StepStatus::Running
        )
    )
}

async fn set_step(
    store: &Store,
    job: &JobInfo,
    seq: i64,
    status: StepStatus,
) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    fence(&mut tx, job.id, &job.lease, "a step's status").await?;
    job.update_row(seq, |r| r.status = status);
    jstore::set_step_status(&mut tx, job.id, seq, status).await?;
    tx.commit().await?;
    Ok(())
}

async fn record_step(
    store: &Store,
    job: &JobInfo,
    seq: i64,
    result: StepResult<'_>,
) -> anyhow::Result<()> {
    let id = job.id;
    let mut tx = store.begin().await?;
    fence(&mut tx, id, &job.lease, "a step's result").await?;
    job.update_row(seq, |r| {
        r.status = result.status;
        r.exit_status = result.exit.map(i64::from);
        r.output = Some(result.output.to_string());
        r.error_code = result.code.map(str::to_string);
        r.duration_ms = Some(result.elapsed_ms);
    });
    jstore::record_step(&mut tx, id, seq, &result).await?;
    Store::audit(
        &mut tx,
        "kmsbot",
        &format!("step {seq} {}", result.status),
        Some(&format!("job:{id}")),
        result.code,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Queues the progress message's new text (never waits for the platform).
fn progress(outbox: &Outbox, job: &JobInfo, state: &str) {
    let Some(msg) = job.progress else { return };
    let lines = {
        let rows = job.rows.lock().unwrap_or_else(|e| e.into_inner());
        super::progress_lines(&rows)
    };
    let text = format!(
        "Job #{} on {} ({}): {state}\n{}",
        job.id,
        job.instance,
        super::method_words(&job.method),
        lines.trim_end()
    );
    outbox.edit(job.platform, msg, text);
}

/// Runs a job's remaining steps. With `forced_failure` (after a panic or an internal error)
/// only always-run steps run, a step left `running` is recorded failed, and the job ends failed.
async fn run_job(
    deps: Arc<WorkerDeps>,
    id: i64,
    held: Held,
    forced_failure: Option<String>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = &deps.services.store;
    let mut job = load(store, id, &held.lease).await?;
    let result = run_steps(&deps, &mut job, &held, forced_failure).await;
    if let Ok(Some(status)) = jstore::status(store.pool(), id).await {
        deps.services
            .metrics
            .job(&job.method, status.as_str(), started.elapsed());
    }
    result
}

async fn run_steps(
    deps: &WorkerDeps,
    job: &mut JobInfo,
    held: &Held,
    forced_failure: Option<String>,
) -> anyhow::Result<()> {
    let id = job.id;
    let store = &deps.services.store;
    let config = &deps.services.config;
    let steps = jstore::step_specs(store.pool(), id).await?;
    let instance = config.instance(&job.instance).cloned();
    job.dry_run = instance
        .as_ref()
        .is_some_and(|i| i.transport == crate::config::Transport::DryRun);
    let mut failure: Option<(Option<String>, String)> = match &forced_failure {
        Some(why) => Some((None, why.clone())),
        None => steps
            .iter()
            .find(|s| s.status == StepStatus::Failed)
            .map(|_| (None, "an earlier step failed".to_string())),
    };
    if let Some(why) = &forced_failure {
        // The step that was running when the task died has no result: record it failed.
        for step in steps.iter().filter(|s| s.status == StepStatus::Running) {
            record_step(
                store,
                job,
                step.seq,
                StepResult {
                    status: StepStatus::Failed,
                    exit: None,
                    output: why,
                    code: None,
                    elapsed_ms: 0,
                },
            )
            .await?;
        }
    }
    let shell = match instance {
        Some(inst) => deps.shells.open(&inst),
        None => Err(format!("instance {} is no longer configured", job.instance)),
    };
    let shell = match shell {
        Ok(s) => s,
        Err(e) => {
            let (code, why) = failure.unwrap_or((None, e));
            finish(deps, job, JobStatus::Failed, code.as_deref(), Some(&why)).await?;
            return Ok(());
        }
    };
    let gvlks: Vec<String> = deps
        .services
        .kb
        .gvlks()
        .iter()
        .map(|g| g.key.clone())
        .collect();
    let allowed: Vec<&str> = gvlks.iter().map(String::as_str).collect();
    let timeout = Duration::from_secs(config.jobs.step_timeout_secs);
    let mut cancelled = false;
    progress(&deps.outbox, job, "running");
    let mut shutdown = deps.control.shutdown_signal();
    for step in &steps {
        if step.status.is_done() || forced_failure.is_some() && step.status == StepStatus::Running {
            continue;
        }
        if held.lost.load(Ordering::SeqCst) {
            return lease_lost(job);
        }
        if *shutdown.borrow_and_update() {
            // Checkpoint: this step has not started; the job resumes here after restart.
            let mut tx = store.begin().await?;
            fence(&mut tx, id, &job.lease, "the checkpoint").await?;
            jstore::set_status(&mut tx, id, JobStatus::Interrupted).await?;
            tx.commit().await?;
            progress(&deps.outbox, job, "interrupted (will resume after restart)");
            return Ok(());
        }
        if !cancelled && jstore::cancel_requested(store.pool(), id).await? {
            cancelled = true;
        }
        if (failure.is_some() || cancelled) && !step.always {
            set_step(store, job, step.seq, StepStatus::Skipped).await?;
            continue;
        }
        if let Some(undone) = step.undoes {
            // Restore only what was changed: skip when the step it undoes never ran.
            // A step started before a crash may have had its effect (attempts > 0).
            let attempted = steps.iter().any(|s| s.seq == undone && s.attempts > 0);
            if !step_ran(job, undone) && !attempted {
                set_step(store, job, step.seq, StepStatus::Skipped).await?;
                continue;
            }
        }
        // Fenced: the step starts only while this process still holds the job's lease.
        if !start_step(store, job, step.seq, &held.lease).await? {
            return lease_lost(job);
        }
        let outcome = match resumed_and_in_place(shell.as_ref(), step, timeout, &allowed).await {
            Some(done) => done,
            None => run_one(deps, shell.as_ref(), step, timeout, &allowed).await,
        };
        record_step(
            store,
            job,
            step.seq,
            StepResult {
                status: if outcome.failure.is_some() {
                    StepStatus::Failed
                } else if job.dry_run {
                    StepStatus::Rehearsed
                } else {
                    StepStatus::Succeeded
                },
                // A dry run executed nothing, so it has no exit status to show.
                exit: if job.dry_run { None } else { outcome.exit },
                output: &outcome.output,
                code: outcome.code.as_deref(),
                elapsed_ms: i64::try_from(outcome.elapsed.as_millis()).unwrap_or(i64::MAX),
            },
        )
        .await?;
        if let Some(why) = outcome.failure {
            if failure.is_none() {
                failure = Some((outcome.code.clone(), why));
            }
            if outcome.unreachable {
                // Nothing else can run on an instance we cannot reach safely.
                skip_rest(store, job, step.seq).await?;
                break;
            }
        }
        progress(&deps.outbox, job, "running");
    }
    match (failure, cancelled) {
        (Some((code, why)), _) => {
            finish(deps, job, JobStatus::Failed, code.as_deref(), Some(&why)).await
        }
        (None, true) => finish(deps, job, JobStatus::Cancelled, None, None).await,
        (None, false) if job.dry_run => finish(deps, job, JobStatus::Rehearsed, None, None).await,
        (None, false) => finish(deps, job, JobStatus::Succeeded, None, None).await,
    }
}

/// Another process took the job over after this one could not renew its lease in time: stop
/// without touching the job again.
fn lease_lost(job: &JobInfo) -> anyhow::Result<()> {
    tracing::warn!(
        job = job.id,
        "lost the job's lease to another process; stopping before the next step"
    );
    Ok(())
}

/// Renews the lease and marks the step running in one transaction; false (and nothing written)
/// when another process owns the job now.
async fn start_step(store: &Store, job: &JobInfo, seq: i64, lease: &Lease) -> anyhow::Result<bool> {
    let mut tx = store.begin().await?;
    if !jstore::renew_lease(&mut tx, job.id, &lease.owner, lease.secs).await? {
        return Ok(false);
    }
    jstore::set_step_status(&mut tx, job.id, seq, StepStatus::Running).await?;
    tx.commit().await?;
    job.update_row(seq, |r| r.status = StepStatus::Running);
    Ok(true)
}

/// Check before change: a step that was started before without a recorded result (the process
/// died or lost its lease mid-step) may already have had its effect. If it has a probe and the
/// probe says the change is in place, the step is recorded as succeeded without running again.
async fn resumed_and_in_place(
    shell: &dyn adapters::shell::RemoteShell,
    step: &StepSpec,
    timeout: Duration,
    allowed: &[&str],
) -> Option<Outcome> {
    let probe = step.probe.as_deref().filter(|_| step.attempts > 0)?;
    let started = Instant::now();
    let out = shell.run(probe, timeout).await.ok()?;
    (out.exit_status == Some(0)).then(|| Outcome {
        exit: Some(0),
        output: format!(
            "already in place (checked with `{probe}` after a resume; not run again)\n{}",
            plan::redact(&out.output, allowed)
        ),
        code: None,
        elapsed: started.elapsed(),
        failure: None,
        unreachable: false,
    })
}

/// What running one step gave.
struct Outcome {
    exit: Option<u32>,
    output: String,
    code: Option<String>,
    elapsed: Duration,
    /// Why it failed, when it did.
    failure: Option<String>,
    /// The instance could not be reached safely (host key, auth, connect).
    unreachable: bool,
}

async fn run_one(
    _deps: &WorkerDeps,
    shell: &dyn adapters::shell::RemoteShell,
    step: &StepSpec,
    timeout: Duration,
    allowed: &[&str],
) -> Outcome {
    let refused = |why: String| Outcome {
        exit: None,
        output: why.clone(),
        code: None,
        elapsed: Duration::ZERO,
        failure: Some(why),
        unreachable: false,
    };
    let secret = match &step.secret_ref {
        Some(r) => match SecretRef::resolve(r) {
            Ok(s) => Some(s),
            Err(e) => return refused(e),
        },
        None => None,
    };
    let command = match plan::real_command(&step.command, secret.as_ref().map(|s| s.expose())) {
        Ok(c) => c,
        // Named by its reference, never by its value.
        Err(e) => {
            return refused(match &step.secret_ref {
                Some(r) => format!("the secret from `{r}`: {}", e.0),
                None => e.0,
            })
        }
    };
    let started = Instant::now();
    let result = shell.run(&command, timeout).await;
    let elapsed = started.elapsed();
    match result {
        Ok(CommandOutput {
            exit_status,
            output,
        }) => {
            let output = plan::redact(&output, allowed);
            match plan::judge(step.check, exit_status, &output) {
                Ok(()) => Outcome {
                    exit: exit_status,
                    output,
                    code: None,
                    elapsed,
                    failure: None,
                    unreachable: false,
                },
                Err((code, why)) => Outcome {
                    exit: exit_status,
                    output,
                    code,
                    elapsed,
                    failure: Some(why),
                    unreachable: false,
                },
            }
        }
        Err(e) => {
            let msg = e.to_string();
            Outcome {
                exit: None,
                output: msg.clone(),
                code: None,
                elapsed,
                failure: Some(msg),
                unreachable: matches!(
                    e,
                    ShellError::HostKey { .. }
                        | ShellError::Auth { .. }
                        | ShellError::Connect { .. }
                ),
            }
        }
    }
}

async fn skip_rest(store: &Store, job: &JobInfo, after: i64) -> anyhow::Result<()> {
    let mut tx = store.begin().await?;
    fence(&mut tx, job.id, &job.lease, "the skipped steps").await?;
    {
        let mut rows = job.rows.lock().unwrap_or_else(|e| e.into_inner());
        for r in rows
            .iter_mut()
            .filter(|r| r.seq > after && r.status == StepStatus::Pending)
        {
            r.status = StepStatus::Skipped;
        }
    }
    jstore::skip_pending_after(&mut tx, job.id, after).await?;
    tx.commit().await?;
    Ok(())
}

async fn finish(
    deps: &WorkerDeps,
    job: &JobInfo,
    status: JobStatus,
    code: Option<&str>,
    error: Option<&str>,
) -> anyhow::Result<()> {
    let mut tx = deps.services.store.begin().await?;
    fence(
        &mut tx,
        job.id,
        &job.lease,
        "the job's final status and audit entry",
    )
    .await?;
    jstore::finish(&mut tx, job.id, status, code, error).await?;
    Store::audit(
        &mut tx,
        "kmsbot",
        status.as_str(),
        Some(&format!("job:{}", job.id)),
        code.or(error),
    )
    .await?;
    tx.commit().await?;
    progress(&deps.outbox, job, status.words());
    let who = mention(&job.requested_by);
    let text = match status {
        JobStatus::Rehearsed => format!(
            "{who}: job #{} was rehearsed (dry run): every command was recorded and none was executed on {} (its transport is `dry-run`). See them with `job {}`.",
            job.id, job.instance, job.id
        ),
        JobStatus::Succeeded => format!("{who}: job #{} succeeded — {} is activated (`License Status: Licensed`).", job.id, job.instance),
        JobStatus::Cancelled => format!("{who}: job #{} on {} was cancelled; the time source was restored.", job.id, job.instance),
        _ => failure_text(deps, job, code, error),
    };
    deps.outbox
        .say(job.platform, &job.channel, job.thread.as_deref(), &text)
        .await;
    if code == Some("0xC004F074") {
        if let Some(host) = &job.kms_host {
            offer_firewall(deps, job, host).await;
        }
    }
    if status == JobStatus::Failed {
        if let Some(err) = error {
            offer_winrm_firewall(deps, job, err).await;
        }
    }
    Ok(())
}

/// After a WinRM instance could not be reached (port closed, no answer): offers, in the job's
/// thread, to file the firewall request that lets the bot in on the instance's WinRM port
/// (accepted with `file it`; the ticket flow then asks for the bot's address).
async fn offer_winrm_firewall(deps: &WorkerDeps, job: &JobInfo, error: &str) {
    let Some(inst) = deps
        .services
        .config
        .instances
        .iter()
        .find(|i| i.name == job.instance && i.transport == crate::config::Transport::Winrm)
    else {
        return;
    };
    if !(error.contains("the port is closed") || error.contains("no answer")) {
        return;
    }
    let port = inst.port;
    let instance = &job.instance;
    let draft = Draft {
        kind: Some(RequestKind::Firewall),
        protocol: Some(Protocol::Tcp),
        ports: Some(Ports(vec![PortRange::single(port)])),
        destination: Some(Endpoint::Instance(instance.clone())),
        direction: Some(Direction::Ingress),
        reason: Some(format!(
            "WinRM from kmsbot to {instance} for activation jobs"
        )),
        ..Default::default()
    };
    let key = ContextKey {
        platform: job.platform.as_str(),
        channel: &job.channel,
        thread: job.thread.as_deref().unwrap_or_default(),
        user: &job.requested_by,
    };
    let stored: Result<(), crate::store::StoreError> = async {
        let mut tx = deps.services.store.begin().await?;
        let mut ctx = contexts::load(&mut tx, key).await?;
        ctx.offer = Some(draft);
        contexts::save(&mut tx, key, &ctx).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot store the WinRM firewall offer");
        return;
    }
    deps.outbox
        .say(
            job.platform,
            &job.channel,
            job.thread.as_deref(),
            &format!(
                "{}: the bot could not reach {instance} over WinRM on tcp/{port}. If its security group does not let the bot in yet, reply `file it` here and I'll file the firewall request (tcp/{port} from the bot's address to {instance}, inbound) for support; I'll ask for the bot's address.",
                mention(&job.requested_by),
            ),
        )
        .await;
}

/// After a job failed with 0xC004F074: offers, in the job's thread, to file the firewall
/// request for tcp/1688 from the instance to the KMS host (accepted with `file it`).
async fn offer_firewall(deps: &WorkerDeps, job: &JobInfo, kms_host: &str) {
    let port = deps.services.config.kms.port;
    let instance = &job.instance;
    let draft = Draft {
        kind: Some(RequestKind::Firewall),
        protocol: Some(Protocol::Tcp),
        ports: Some(Ports(vec![PortRange::single(port)])),
        source: Some(Endpoint::Instance(instance.clone())),
        destination: Some(Endpoint::for_host(kms_host)),
        direction: Some(Direction::Egress),
        reason: Some(format!(
            "KMS activation of {instance} (job failed with 0xC004F074)"
        )),
        ..Default::default()
    };
    let key = ContextKey {
        platform: job.platform.as_str(),
        channel: &job.channel,
        thread: job.thread.as_deref().unwrap_or_default(),
        user: &job.requested_by,
    };
    let stored: Result<(), crate::store::StoreError> = async {
        let mut tx = deps.services.store.begin().await?;
        let mut ctx = contexts::load(&mut tx, key).await?;
        ctx.offer = Some(draft);
        contexts::save(&mut tx, key, &ctx).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = stored {
        tracing::error!(error = %e, "cannot store the firewall offer");
        return;
    }
    deps.outbox
        .say(
            job.platform,
            &job.channel,
            job.thread.as_deref(),
            &format!(
                "{}: {instance} could not reach the KMS host {kms_host} on tcp/{port}. Reply `file it` here and I'll file the firewall request (tcp/{port} from {instance} to {kms_host}, outbound) for support.",
                mention(&job.requested_by),
            ),
        )
        .await;
}

fn failure_text(
    deps: &WorkerDeps,
    job: &JobInfo,
    code: Option<&str>,
    error: Option<&str>,
) -> String {
    let who = mention(&job.requested_by);
    let mut s = format!("{who}: job #{} on {} failed", job.id, job.instance);
    match code.and_then(|c| deps.services.kb.error_info(c)) {
        Some(info) => {
            s.push_str(&format!(
                " with **{}** ({}).\n{}\nLikely cause here: {}\nWhat to do:\n{}",
                info.code, info.title, info.meaning, info.cause, info.fix
            ));
        }
        None => {
            if let Some(c) = code {
                s.push_str(&format!(" with {c}"));
            }
            if let Some(e) = error {
                s.push_str(&format!(": {e}"));
            }
            s.push('.');
        }
    }
    s.push_str(&format!("\nSee every step with `job {}`.", job.id));
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::approvals;
    use crate::config::{Config, InstanceConfig, Transport};
    use crate::metrics::Metrics;
    use crate::outbox::Backoff;
    use crate::states::ApprovalSubject;
    use adapters::shell::{DryRunShell, RemoteShell};
    use adapters::{Chat, ChatError, Outgoing};
    use async_trait::async_trait;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    /// The dry-run shell, except that the first `/ato` panics (as a bug in a step would).
    struct PanicOnce {
        inner: DryRunShell,
        armed: Arc<AtomicBool>,
        log: Arc<Mutex<Vec<String>>>,
    }

    #[async_trait]
    impl RemoteShell for PanicOnce {
        async fn run(&self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError> {
            self.log.lock().unwrap().push(command.to_string());
            if command.ends_with("/ato") && self.armed.swap(false, Ordering::SeqCst) {
                panic!("injected panic in a step");
            }
            self.inner.run(command, timeout).await
        }
    }

    struct Shells {
        armed: Arc<AtomicBool>,
        log: Arc<Mutex<Vec<String>>>,
    }

    impl ShellFactory for Shells {
        fn open(
            &self,
            _: &crate::config::InstanceConfig,
        ) -> Result<Arc<dyn adapters::shell::RemoteShell>, String> {
            Ok(Arc::new(PanicOnce {
                inner: DryRunShell::new(),
                armed: self.armed.clone(),
                log: self.log.clone(),
            }))
        }
    }

    struct Recorder(Mutex<Vec<Outgoing>>);

    #[async_trait]
    impl Chat for Recorder {
        fn platform(&self) -> Platform {
            Platform::Console
        }
        async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
            self.0.lock().unwrap().push(out.clone());
            Ok(match out {
                Outgoing::Post { local_id, .. } => Some(local_id.to_string()),
                _ => None,
            })
        }
    }

    fn config() -> Config {
        let mut cfg = Config::default();
        cfg.jobs.concurrency = 1;
        cfg.instances = vec![InstanceConfig {
            name: "web-01".into(),
            edition: "Windows Server 2019 Datacenter".into(),
            tags: Vec::new(),
            transport: Transport::DryRun,
            address: None,
            port: 22,
            user: "Administrator".into(),
            key_file: None,
            known_hosts: None,
            product_key: None,
            password: None,
            auth: None,
            ca_file: None,
            tls_insecure: false,
        }];
        cfg
    }

    /// A queued 8-step KMS job on web-01 whose progress message was posted.
    async fn queued_job(store: &Store, outbox: &Outbox) -> i64 {
        let mut tx = store.begin().await.unwrap();
        let msg = Store::insert_message(&mut tx, "console", "ops", None, "bot", Some("req"))
            .await
            .unwrap();
        let req = approvals::create(
            &mut tx,
            &ApprovalSubject::Jobs,
            msg,
            "console:alice",
            1,
            "console",
            "ops",
            None,
        )
        .await
        .unwrap();
        let steps =
            plan::kms_client("WMDGN-G9PQG-XVVXX-R3X43-63DFG", "kms.corp.example", 1688).unwrap();
        let id = jstore::insert_job(
            &mut tx,
            &jstore::NewJob {
                instance: "web-01",
                edition: "Windows Server 2019 Datacenter",
                method: "kms",
                kms_host: Some("kms.corp.example"),
                kms_port: Some(1688),
                requested_by: "console:alice",
                platform: "console",
                channel: "ops",
                thread: None,
                request_message_id: Some(msg),
                approval_request_id: Some(req),
            },
            &steps,
        )
        .await
        .unwrap();
        let progress = Store::insert_message(&mut tx, "console", "ops", None, "bot", None)
            .await
            .unwrap();
        jstore::queue(&mut tx, id, "console:bob", progress)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        outbox.enqueue(
            Platform::Console,
            vec![crate::outbox::Delivery::Post {
                local_id: progress,
                channel: "ops".into(),
                thread: None,
                message: format!("Job #{id} on web-01: queued").into(),
                buttons: Vec::new(),
            }],
        );
        id
    }

    async fn wait_final(store: &Store, id: i64) -> JobStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match jstore::status(store.pool(), id).await.unwrap() {
                Some(s) if s.is_final() => return s,
                _ if Instant::now() > deadline => panic!("job {id} did not end"),
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    struct Rig {
        _dir: tempfile::TempDir,
        store: Store,
        outbox: Outbox,
        control: Arc<JobsControl>,
        chat: Arc<Recorder>,
        log: Arc<Mutex<Vec<String>>>,
        metrics: Arc<Metrics>,
        armed: Arc<AtomicBool>,
        worker: tokio::task::JoinHandle<()>,
    }

    fn rig_with(dir: tempfile::TempDir, store: Store) -> Rig {
        let log = Arc::new(Mutex::new(Vec::new()));
        let armed = Arc::new(AtomicBool::new(true));
        let shells = Arc::new(Shells {
            armed: armed.clone(),
            log: log.clone(),
        });
        rig_with_shells(dir, store, shells, log, armed)
    }

    fn rig_with_shells(
        dir: tempfile::TempDir,
        store: Store,
        shells: Arc<dyn ShellFactory>,
        log: Arc<Mutex<Vec<String>>>,
        armed: Arc<AtomicBool>,
    ) -> Rig {
        let metrics = Arc::new(Metrics::new());
        let outbox = Outbox::new(store.clone(), metrics.clone(), Backoff::default());
        let chat = Arc::new(Recorder(Mutex::new(Vec::new())));
        outbox.register(chat.clone());
        let control = Arc::new(JobsControl::new());
        let deps = WorkerDeps {
            services: Services {
                store: store.clone(),
                config: Arc::new(config()),
                kb: Arc::new(knowledge::KnowledgeBase::builtin().unwrap()),
                metrics: metrics.clone(),
            },
            outbox: outbox.clone(),
            control: control.clone(),
            shells,
        };
        let worker = tokio::spawn(run(deps));
        Rig {
            _dir: dir,
            store,
            outbox,
            control,
            chat,
            log,
            metrics,
            armed,
            worker,
        }
    }

    async fn rig() -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        rig_with(dir, store)
    }

    #[tokio::test]
    async fn a_dry_run_is_counted_as_rehearsed_in_the_metrics() {
        let rig = rig().await;
        // No injected panic: the dry run goes through.
        rig.armed.store(false, Ordering::SeqCst);
        let id = queued_job(&rig.store, &rig.outbox).await;
        rig.control.wake();
        assert_eq!(wait_final(&rig.store, id).await, JobStatus::Rehearsed);
        // The metric is counted just after the job's row ends.
        let rendered = tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let text = rig.metrics.render();
                if text.contains("kmsbot_jobs_total{") {
                    return text;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .unwrap();
        assert!(rendered.contains("status=\"rehearsed\""), "{rendered}");
        assert!(!rendered.contains("status=\"succeeded\""), "{rendered}");
    }

    #[tokio::test]
    async fn a_panic_in_a_job_fails_it_runs_its_restore_and_frees_its_slot() {
        let rig = rig().await;
        let first = queued_job(&rig.store, &rig.outbox).await;
        rig.control.wake();
        assert_eq!(wait_final(&rig.store, first).await, JobStatus::Failed);

        let job = jstore::get(rig.store.pool(), first).await.unwrap().unwrap();
        let error = job.error.unwrap();
        assert!(error.starts_with("internal error (reference E"), "{error}");
        assert!(
            !error.contains("injected"),
            "panic details stay in the log: {error}"
        );
        let steps = jstore::steps(rig.store.pool(), first).await.unwrap();
        let status: Vec<StepStatus> = steps.iter().map(|s| s.status).collect();
        use StepStatus::*;
        // 1-5 ran (a dry run: rehearsed), /ato (6) panicked, the time-source restore (7) still
        // ran, /dli (8) skipped.
        assert_eq!(
            status,
            vec![Rehearsed, Rehearsed, Rehearsed, Rehearsed, Rehearsed, Failed, Rehearsed, Skipped]
        );
        let ran = rig.log.lock().unwrap().clone();
        assert_eq!(
            ran.last().map(String::as_str),
            Some("w32tm /config /manualpeerlist:time.windows.com /update"),
            "{ran:?}"
        );

        // The only slot (concurrency 1) is free again: the next job runs and succeeds.
        let second = queued_job(&rig.store, &rig.outbox).await;
        rig.control.wake();
        assert_eq!(wait_final(&rig.store, second).await, JobStatus::Rehearsed);
        // The job's row ends just before its task does: wait for the task to hand its slot back.
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let ended = rig.control.job_ended();
                tokio::pin!(ended);
                ended.as_mut().enable();
                if rig.control.active() == 0 {
                    break;
                }
                ended.await;
            }
        })
        .await
        .expect("every job task ended");
        rig.outbox.flush().await;
        let said: Vec<String> = rig
            .chat
            .0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|o| match o {
                Outgoing::Post { message, .. } => Some(message.to_markdown()),
                _ => None,
            })
            .collect();
        assert!(
            said.iter()
                .any(|t| t.contains(&format!("job #{first} on web-01 failed"))),
            "{said:?}"
        );
        rig.control.shutdown();
        rig.worker.await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_check_or_status_in_the_database_is_an_error_not_a_default() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let metrics = Arc::new(Metrics::new());
        let outbox = Outbox::new(store.clone(), metrics, Backoff::default());
        let id = queued_job(&store, &outbox).await;
        // The schema refuses unknown values outright...
        let mut tx = store.begin().await.unwrap();
        let refused = sqlx::query("UPDATE job_steps SET check_kind = 'exit-zero' WHERE job_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await;
        assert!(refused.is_err(), "CHECK constraint on check_kind");
        // ...so write them past the constraints, as a bad migration or hand edit would.
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("UPDATE job_steps SET check_kind = 'exit-zero' WHERE job_id = ? AND seq = 8")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = OFF")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let err = jstore::step_specs(store.pool(), id).await.unwrap_err();
        assert!(err.to_string().contains("exit-zero"), "{err}");

        let mut tx = store.begin().await.unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = ON")
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("UPDATE job_steps SET status = 'done' WHERE job_id = ? AND seq = 1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query("PRAGMA ignore_check_constraints = OFF")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let err = jstore::steps(store.pool(), id).await.unwrap_err();
        assert!(err.to_string().contains("done"), "{err}");

        // The worker does not run such a job with a guessed check: it ends failed, untouched.
        let rig = rig_with(dir, store);
        rig.control.wake();
        assert_eq!(wait_final(&rig.store, id).await, JobStatus::Failed);
        assert!(rig.log.lock().unwrap().is_empty(), "nothing ran");
        rig.control.shutdown();
        rig.worker.await.unwrap();
    }

    /// The dry-run shell, except that a command ending with `at` waits for the gate to open.
    struct Gated {
        inner: DryRunShell,
        at: &'static str,
        gate: Arc<tokio::sync::Semaphore>,
        log: Arc<Mutex<Vec<String>>>,
    }

    #[async_trait]
    impl RemoteShell for Gated {
        async fn run(&self, command: &str, timeout: Duration) -> Result<CommandOutput, ShellError> {
            self.log.lock().unwrap().push(command.to_string());
            if command.ends_with(self.at) {
                let _open = self.gate.acquire().await.unwrap();
            }
            self.inner.run(command, timeout).await
        }
    }

    impl ShellFactory for Gated {
        fn open(
            &self,
            _: &crate::config::InstanceConfig,
        ) -> Result<Arc<dyn adapters::shell::RemoteShell>, String> {
            Ok(Arc::new(Gated {
                inner: DryRunShell::new(),
                at: self.at,
                gate: self.gate.clone(),
                log: self.log.clone(),
            }))
        }
    }

    /// A `tracing` writer into a shared buffer.
    #[derive(Clone, Default)]
    struct LogBuf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for LogBuf {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_worker_whose_lease_was_taken_over_writes_no_end_of_job_state_or_audit() {
        let logs = LogBuf::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        // The runtime of a plain #[tokio::test] is single-threaded: the worker's tasks log here.
        let _guard = tracing::subscriber::set_default(subscriber);

        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).await.unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        // Worker A stops inside the last step (`/dli`) until the gate opens.
        let shells = Arc::new(Gated {
            inner: DryRunShell::new(),
            at: "/dli",
            gate: gate.clone(),
            log: log.clone(),
        });
        let rig = rig_with_shells(
            dir,
            store,
            shells,
            log.clone(),
            Arc::new(AtomicBool::new(true)),
        );
        let id = queued_job(&rig.store, &rig.outbox).await;
        rig.control.wake();
        tokio::time::timeout(Duration::from_secs(20), async {
            while !log.lock().unwrap().iter().any(|c| c.ends_with("/dli")) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("worker A reached the last step");

        // Worker B takes the job over, as its claim does once A's lease has expired (A stalled
        // past its lease): recovery marks it interrupted (the running step pending again), and
        // B's claim makes it running under B.
        let b = Lease::new(30);
        let mut tx = rig.store.begin().await.unwrap();
        sqlx::query("UPDATE jobs SET lease_expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        assert_eq!(jstore::recover_interrupted(&mut tx).await.unwrap(), 1);
        assert_eq!(
            jstore::claim(&mut tx, 1, &b.owner, b.secs).await.unwrap(),
            vec![id]
        );
        tx.commit().await.unwrap();

        // A's `/dli` returns now: its step result and the job's end must not be written.
        gate.add_permits(1);
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                if rig.control.active() == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("worker A's job task ended");

        let job = jstore::get(rig.store.pool(), id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Running, "B's job is left to B");
        let owner: Option<String> = sqlx::query_scalar("SELECT owner FROM jobs WHERE id = ?")
            .bind(id)
            .fetch_one(rig.store.pool())
            .await
            .unwrap();
        assert_eq!(owner.as_deref(), Some(&*b.owner));
        let steps = jstore::steps(rig.store.pool(), id).await.unwrap();
        assert_eq!(
            steps.last().map(|s| s.status),
            Some(StepStatus::Pending),
            "A's late result of /dli is not recorded over B's resume point"
        );
        let audit: Vec<String> =
            sqlx::query_scalar("SELECT action FROM audit_log WHERE subject = ? ORDER BY id")
                .bind(format!("job:{id}"))
                .fetch_all(rig.store.pool())
                .await
                .unwrap();
        assert!(
            !audit
                .iter()
                .any(|a| a == "succeeded" || a == "failed" || a == "step 8 succeeded"),
            "{audit:?}"
        );
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        assert!(
            text.contains(&format!("job #{id}: refused to write"))
                && text.contains("its lease was taken over by another process"),
            "{text}"
        );
        rig.control.shutdown();
        rig.worker.await.unwrap();
    }
}
