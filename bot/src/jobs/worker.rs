//! The durable job worker: claims approved jobs from SQLite, runs their steps on the instance
//! through a [`RemoteShell`], records every step, edits the progress message, and resumes jobs
//! that a previous process left unfinished.

use super::plan::{self, Check};
use super::store as jstore;
use crate::app::{mention, App};
use crate::config::{InstanceConfig, SecretRef};
use crate::store::Store;
use adapters::shell::{CommandOutput, RemoteShell, ShellError};
use adapters::Platform;
use sqlx::Row;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Opens the remote shell of an instance (SSH, dry run, or a test double).
pub trait ShellFactory: Send + Sync {
    /// A shell for `instance`; connecting may happen lazily on the first command.
    fn open(&self, instance: &InstanceConfig) -> Result<Arc<dyn RemoteShell>, String>;
}

/// Marks jobs that were running when the process died as `interrupted`, and their running step
/// as pending again, so they resume from their first unfinished step.
pub async fn recover(store: &Store) -> Result<u64, crate::store::StoreError> {
    let mut tx = store.begin().await?;
    let n = sqlx::query("UPDATE jobs SET status = 'interrupted' WHERE status = 'running'")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query(
        "UPDATE job_steps SET status = 'pending', started_at = NULL WHERE status = 'running' AND job_id IN (SELECT id FROM jobs WHERE status = 'interrupted')",
    )
    .execute(&mut *tx)
    .await?;
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

/// Claims up to `n` runnable jobs (queued, or interrupted by a restart) in one transaction.
async fn claim(store: &Store, n: usize) -> Result<Vec<i64>, crate::store::StoreError> {
    let mut tx = store.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) \
         WHERE id IN (SELECT id FROM jobs WHERE status IN ('queued', 'interrupted') ORDER BY id LIMIT ?) RETURNING id",
    )
    .bind(n as i64)
    .fetch_all(&mut *tx)
    .await?;
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

/// Runs the worker until the app shuts down: at most `[jobs] concurrency` jobs at once.
pub async fn run(app: Arc<App>, shells: Arc<dyn ShellFactory>) {
    if let Err(e) = recover(&app.store).await {
        tracing::error!(error = %e, "cannot recover interrupted jobs");
    }
    let limit = Arc::new(Semaphore::new(app.config.jobs.concurrency.max(1)));
    let mut shutdown = app.shutdown_signal();
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
        match claim(&app.store, permits.len()).await {
            Ok(ids) if !ids.is_empty() => {
                for id in ids {
                    let Some(permit) = permits.pop() else { break };
                    let app = app.clone();
                    let shells = shells.clone();
                    app.job_started();
                    tokio::spawn(async move {
                        if let Err(e) = run_job(&app, shells.as_ref(), id).await {
                            tracing::error!(
                                job = id,
                                error = format!("{e:#}"),
                                "job failed internally"
                            );
                            let _ = mark_internal_failure(&app, id, &e.to_string()).await;
                        }
                        app.job_finished();
                        drop(permit);
                    });
                }
                drop(permits);
            }
            Ok(_) => {
                drop(permits);
                tokio::select! {
                    _ = app.jobs_wakeup() => {}
                    _ = tokio::time::sleep(Duration::from_millis(500)) => {}
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
    let _ = limit
        .acquire_many(app.config.jobs.concurrency.max(1) as u32)
        .await;
}

async fn mark_internal_failure(app: &App, id: i64, error: &str) -> anyhow::Result<()> {
    let mut tx = app.store.begin().await?;
    sqlx::query("UPDATE jobs SET status = 'failed', error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ? AND status = 'running'")
        .bind(format!("internal error: {error}"))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
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
    /// The steps as last written, so progress messages need no query.
    rows: std::sync::Mutex<Vec<super::StepRow>>,
}

impl JobInfo {
    fn update_row(&self, seq: i64, f: impl FnOnce(&mut super::StepRow)) {
        let mut rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = rows.iter_mut().find(|r| r.seq == seq) {
            f(r);
        }
    }

    fn row_status(&self, seq: i64) -> Option<String> {
        let rows = self.rows.lock().unwrap_or_else(|e| e.into_inner());
        rows.iter().find(|r| r.seq == seq).map(|r| r.status.clone())
    }
}

async fn load(app: &App, id: i64) -> anyhow::Result<JobInfo> {
    let r = sqlx::query("SELECT * FROM jobs WHERE id = ?")
        .bind(id)
        .fetch_one(app.store.pool())
        .await?;
    let platform: String = r.try_get("platform")?;
    Ok(JobInfo {
        id,
        instance: r.try_get("instance")?,
        method: r.try_get("method")?,
        kms_host: r.try_get("kms_host")?,
        requested_by: r.try_get("requested_by")?,
        platform: Platform::parse(&platform)
            .ok_or_else(|| anyhow::anyhow!("unknown platform {platform}"))?,
        channel: r.try_get("channel")?,
        thread: r.try_get("thread")?,
        progress: r.try_get("progress_message_id")?,
        dry_run: false,
        rows: std::sync::Mutex::new(jstore::steps(app.store.pool(), id).await?),
    })
}

struct StepSpec {
    seq: i64,
    command: String,
    secret_ref: Option<String>,
    always: bool,
    undoes: Option<i64>,
    check: Check,
    status: String,
}

async fn step_specs(app: &App, id: i64) -> anyhow::Result<Vec<StepSpec>> {
    let rows = sqlx::query("SELECT seq, command, secret_ref, always_run, undoes, check_kind, status FROM job_steps WHERE job_id = ? ORDER BY seq")
        .bind(id)
        .fetch_all(app.store.pool())
        .await?;
    rows.iter()
        .map(|r| -> anyhow::Result<StepSpec> {
            let check: String = r.try_get("check_kind")?;
            Ok(StepSpec {
                seq: r.try_get("seq")?,
                command: r.try_get("command")?,
                secret_ref: r.try_get("secret_ref")?,
                always: r.try_get("always_run")?,
                undoes: r.try_get("undoes")?,
                check: jstore::check_from_name(&check),
                status: r.try_get("status")?,
            })
        })
        .collect()
}

async fn is_cancel_requested(app: &App, id: i64) -> anyhow::Result<bool> {
    let v: i64 = sqlx::query_scalar("SELECT cancel_requested FROM jobs WHERE id = ?")
        .bind(id)
        .fetch_one(app.store.pool())
        .await?;
    Ok(v != 0)
}

fn step_ran(job: &JobInfo, seq: i64) -> bool {
    matches!(
        job.row_status(seq).as_deref(),
        Some("succeeded" | "failed" | "running")
    )
}

async fn set_step(app: &App, job: &JobInfo, seq: i64, status: &str) -> anyhow::Result<()> {
    let id = job.id;
    job.update_row(seq, |r| r.status = status.to_string());
    let mut tx = app.store.begin().await?;
    sqlx::query(
        "UPDATE job_steps SET status = ?, started_at = CASE WHEN ? = 'running' THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE started_at END WHERE job_id = ? AND seq = ?",
    )
    .bind(status)
    .bind(status)
    .bind(id)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn record_step(
    app: &App,
    job: &JobInfo,
    seq: i64,
    status: &str,
    exit: Option<u32>,
    output: &str,
    code: Option<&str>,
    elapsed: Duration,
) -> anyhow::Result<()> {
    let id = job.id;
    job.update_row(seq, |r| {
        r.status = status.to_string();
        r.exit_status = exit.map(i64::from);
        r.output = Some(output.to_string());
        r.error_code = code.map(str::to_string);
        r.duration_ms = Some(elapsed.as_millis() as i64);
    });
    let mut tx = app.store.begin().await?;
    sqlx::query(
        "UPDATE job_steps SET status = ?, exit_status = ?, output = ?, error_code = ?, duration_ms = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE job_id = ? AND seq = ?",
    )
    .bind(status)
    .bind(exit.map(i64::from))
    .bind(output)
    .bind(code)
    .bind(elapsed.as_millis() as i64)
    .bind(id)
    .bind(seq)
    .execute(&mut *tx)
    .await?;
    Store::audit(
        &mut tx,
        "kmsbot",
        &format!("step {seq} {status}"),
        Some(&format!("job:{id}")),
        code,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn progress(app: &App, job: &JobInfo, state: &str) {
    let Some(msg) = job.progress else { return };
    let lines = {
        let rows = job.rows.lock().unwrap_or_else(|e| e.into_inner());
        super::progress_lines(&rows)
    };
    let text = format!(
        "Job #{} on {} ({}): {state}\n{}",
        job.id,
        job.instance,
        job.method,
        lines.trim_end()
    );
    app.edit_message(job.platform, msg, &text).await;
}

async fn run_job(app: &App, shells: &dyn ShellFactory, id: i64) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut job = load(app, id).await?;
    let result = run_steps(app, shells, &mut job).await;
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM jobs WHERE id = ?")
        .bind(id)
        .fetch_optional(app.store.pool())
        .await
        .ok()
        .flatten();
    if let Some(status) = status {
        app.metrics.job(&job.method, &status, started.elapsed());
    }
    result
}

async fn run_steps(app: &App, shells: &dyn ShellFactory, job: &mut JobInfo) -> anyhow::Result<()> {
    let id = job.id;
    let steps = step_specs(app, id).await?;
    let instance = app.config.instance(&job.instance).cloned();
    job.dry_run = instance
        .as_ref()
        .is_some_and(|i| i.transport == crate::config::Transport::DryRun);
    let shell = match instance {
        Some(inst) => shells.open(&inst),
        None => Err(format!("instance {} is no longer configured", job.instance)),
    };
    let shell = match shell {
        Ok(s) => s,
        Err(e) => {
            finish(app, job, "failed", None, Some(&e)).await?;
            return Ok(());
        }
    };
    let gvlks: Vec<String> = app.kb.gvlks().iter().map(|g| g.key.clone()).collect();
    let allowed: Vec<&str> = gvlks.iter().map(String::as_str).collect();
    let timeout = Duration::from_secs(app.config.jobs.step_timeout_secs);
    let mut failure: Option<(Option<String>, String)> = steps
        .iter()
        .find(|s| s.status == "failed")
        .map(|_| (None, "an earlier step failed".to_string()));
    let mut cancelled = false;
    progress(app, job, "running").await;
    let mut shutdown = app.shutdown_signal();
    for step in &steps {
        if matches!(step.status.as_str(), "succeeded" | "failed" | "skipped") {
            continue;
        }
        if *shutdown.borrow_and_update() {
            // Checkpoint: this step has not started; the job resumes here after restart.
            let mut tx = app.store.begin().await?;
            jstore::set_status(&mut tx, id, "interrupted").await?;
            tx.commit().await?;
            progress(app, job, "interrupted (will resume after restart)").await;
            return Ok(());
        }
        if !cancelled && is_cancel_requested(app, id).await? {
            cancelled = true;
        }
        if (failure.is_some() || cancelled) && !step.always {
            set_step(app, job, step.seq, "skipped").await?;
            continue;
        }
        if let Some(undone) = step.undoes {
            // Restore only what was changed: skip when the step it undoes never ran.
            if !step_ran(job, undone) {
                set_step(app, job, step.seq, "skipped").await?;
                continue;
            }
        }
        set_step(app, job, step.seq, "running").await?;
        let secret = match &step.secret_ref {
            Some(r) => match SecretRef::resolve(r) {
                Ok(s) => Some(s),
                Err(e) => {
                    record_step(app, job, step.seq, "failed", None, &e, None, Duration::ZERO)
                        .await?;
                    failure = Some((None, e));
                    continue;
                }
            },
            None => None,
        };
        let command = match plan::real_command(&step.command, secret.as_ref().map(|s| s.expose())) {
            Ok(c) => c,
            Err(e) => {
                record_step(
                    app,
                    job,
                    step.seq,
                    "failed",
                    None,
                    &e.0,
                    None,
                    Duration::ZERO,
                )
                .await?;
                failure = Some((None, e.0));
                continue;
            }
        };
        let started = Instant::now();
        let result = shell.run(&command, timeout).await;
        let elapsed = started.elapsed();
        let (exit, output) = match result {
            Ok(CommandOutput {
                exit_status,
                output,
            }) => (exit_status, output),
            Err(e) => {
                let msg = e.to_string();
                record_step(app, job, step.seq, "failed", None, &msg, None, elapsed).await?;
                if failure.is_none() {
                    failure = Some((None, msg));
                }
                if matches!(
                    e,
                    ShellError::HostKey { .. }
                        | ShellError::Auth { .. }
                        | ShellError::Connect { .. }
                ) {
                    // Nothing else can run on an instance we cannot reach safely.
                    skip_rest(app, job, step.seq).await?;
                    break;
                }
                continue;
            }
        };
        let output = plan::redact(&output, &allowed);
        match plan::judge(step.check, exit, &output) {
            Ok(()) => {
                record_step(
                    app,
                    job,
                    step.seq,
                    "succeeded",
                    exit,
                    &output,
                    None,
                    elapsed,
                )
                .await?
            }
            Err((code, why)) => {
                record_step(
                    app,
                    job,
                    step.seq,
                    "failed",
                    exit,
                    &output,
                    code.as_deref(),
                    elapsed,
                )
                .await?;
                if failure.is_none() {
                    failure = Some((code, why));
                }
            }
        }
        progress(app, job, "running").await;
    }
    match (failure, cancelled) {
        (Some((code, why)), _) => finish(app, job, "failed", code.as_deref(), Some(&why)).await,
        (None, true) => finish(app, job, "cancelled", None, None).await,
        (None, false) => finish(app, job, "succeeded", None, None).await,
    }
}

async fn skip_rest(app: &App, job: &JobInfo, after: i64) -> anyhow::Result<()> {
    let id = job.id;
    {
        let mut rows = job.rows.lock().unwrap_or_else(|e| e.into_inner());
        for r in rows
            .iter_mut()
            .filter(|r| r.seq > after && r.status == "pending")
        {
            r.status = "skipped".into();
        }
    }
    let mut tx = app.store.begin().await?;
    sqlx::query("UPDATE job_steps SET status = 'skipped' WHERE job_id = ? AND seq > ? AND status = 'pending'")
        .bind(id)
        .bind(after)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

async fn finish(
    app: &App,
    job: &JobInfo,
    status: &str,
    code: Option<&str>,
    error: Option<&str>,
) -> anyhow::Result<()> {
    let mut tx = app.store.begin().await?;
    sqlx::query(
        "UPDATE jobs SET status = ?, error_code = ?, error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
    )
    .bind(status)
    .bind(code)
    .bind(error)
    .bind(job.id)
    .execute(&mut *tx)
    .await?;
    Store::audit(
        &mut tx,
        "kmsbot",
        status,
        Some(&format!("job:{}", job.id)),
        code.or(error),
    )
    .await?;
    tx.commit().await?;
    progress(app, job, status).await;
    let who = mention(&job.requested_by);
    let text = match status {
        "succeeded" if job.dry_run => format!(
            "{who}: dry run of job #{} finished: every command was recorded and none was executed on {} (its transport is `dry-run`). See them with `job {}`.",
            job.id, job.instance, job.id
        ),
        "succeeded" => format!("{who}: job #{} succeeded — {} is activated (`License Status: Licensed`).", job.id, job.instance),
        "cancelled" => format!("{who}: job #{} on {} was cancelled; the time source was restored.", job.id, job.instance),
        _ => failure_text(app, job, code, error),
    };
    app.say(job.platform, &job.channel, job.thread.as_deref(), &text)
        .await;
    if code == Some("0xC004F074") {
        if let Some(host) = &job.kms_host {
            app.offer_firewall_for_job(
                job.platform,
                &job.channel,
                job.thread.as_deref(),
                &job.requested_by,
                &job.instance,
                host,
            )
            .await;
        }
    }
    Ok(())
}

fn failure_text(app: &App, job: &JobInfo, code: Option<&str>, error: Option<&str>) -> String {
    let who = mention(&job.requested_by);
    let mut s = format!("{who}: job #{} on {} failed", job.id, job.instance);
    match code.and_then(|c| app.kb.error_info(c)) {
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
