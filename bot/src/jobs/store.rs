//! Job and step rows in SQLite: listing and showing activation jobs.

use crate::states::{Check, JobStatus, StepStatus};
use crate::store::StoreError;
use serde::Serialize;
use sqlx::{Row, SqliteConnection, SqliteExecutor};

/// One activation job.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    /// Job number.
    pub id: i64,
    /// Instance name.
    pub instance: String,
    /// `kms`, `online`, `kms_host`.
    pub method: String,
    /// KMS host used, for `kms`.
    pub kms_host: Option<String>,
    /// KMS port used, for `kms`.
    pub kms_port: Option<i64>,
    /// Where the job stands.
    pub status: JobStatus,
    /// Who asked.
    pub requested_by: String,
    /// Who approved (comma-separated).
    pub approved_by: Option<String>,
    /// The activation error code, when it failed with one.
    pub error_code: Option<String>,
    /// What went wrong.
    pub error: Option<String>,
    /// When it was requested (UTC).
    pub created_at: String,
    /// When it started running.
    pub started_at: Option<String>,
    /// When it ended.
    pub finished_at: Option<String>,
    /// Who rejected it, when it was rejected.
    pub rejected_by: Option<String>,
    /// Why, as the rejecter said (`reject 2 wrong window`).
    pub reject_reason: Option<String>,
}

/// One step of a job.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRow {
    /// Position, from 1.
    pub seq: i64,
    /// What the step does.
    pub name: String,
    /// The exact command line.
    pub command: String,
    /// Where the step stands.
    pub status: StepStatus,
    /// Exit status, when it ran.
    pub exit_status: Option<i64>,
    /// Output (product keys redacted).
    pub output: Option<String>,
    /// Activation error code seen in the output.
    pub error_code: Option<String>,
    /// How long it took.
    pub duration_ms: Option<i64>,
}

const JOB_COLUMNS: &str = "id, instance, method, kms_host, kms_port, status, requested_by, approved_by, error_code, error, created_at, started_at, finished_at, rejected_by, reject_reason";
const STEP_COLUMNS: &str =
    "seq, name, command, status, exit_status, output, error_code, duration_ms";

/// Every job, newest last.
pub async fn list<'e>(db: impl SqliteExecutor<'e>) -> Result<Vec<JobRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM jobs ORDER BY id"))
            .fetch_all(db)
            .await?,
    )
}

/// One job.
pub async fn get<'e>(db: impl SqliteExecutor<'e>, id: i64) -> Result<Option<JobRow>, StoreError> {
    Ok(
        sqlx::query_as(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The steps of a job, in order.
pub async fn steps<'e>(
    db: impl SqliteExecutor<'e>,
    job_id: i64,
) -> Result<Vec<StepRow>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {STEP_COLUMNS} FROM job_steps WHERE job_id = ? ORDER BY seq"
    ))
    .bind(job_id)
    .fetch_all(db)
    .await?)
}

/// A job to create (awaiting approval).
pub struct NewJob<'a> {
    /// Instance name.
    pub instance: &'a str,
    /// Its edition.
    pub edition: &'a str,
    /// `kms`, `online`, `kms_host`.
    pub method: &'a str,
    /// KMS host for `kms`.
    pub kms_host: Option<&'a str>,
    /// KMS port for `kms`.
    pub kms_port: Option<u16>,
    /// Who asked.
    pub requested_by: &'a str,
    /// Platform of the request.
    pub platform: &'a str,
    /// Channel of the request.
    pub channel: &'a str,
    /// Thread of the request.
    pub thread: Option<&'a str>,
    /// The approval message (set later with [`attach_request`] when the message names the job).
    pub request_message_id: Option<i64>,
    /// Its approval request (likewise).
    pub approval_request_id: Option<i64>,
}

/// Creates a job awaiting approval, with its planned steps.
pub async fn insert_job(
    conn: &mut SqliteConnection,
    j: &NewJob<'_>,
    steps: &[super::plan::Step],
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO jobs (instance, edition, method, kms_host, kms_port, status, requested_by, platform, channel, thread, request_message_id, approval_request_id) \
         VALUES (?, ?, ?, ?, ?, 'awaiting_approval', ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(j.instance)
    .bind(j.edition)
    .bind(j.method)
    .bind(j.kms_host)
    .bind(j.kms_port)
    .bind(j.requested_by)
    .bind(j.platform)
    .bind(j.channel)
    .bind(j.thread)
    .bind(j.request_message_id)
    .bind(j.approval_request_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    for (i, s) in steps.iter().enumerate() {
        sqlx::query(
            "INSERT INTO job_steps (job_id, seq, name, command, status, secret_ref, always_run, undoes, check_kind, probe) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(&s.name)
        .bind(&s.command)
        .bind(&s.secret_ref)
        .bind(s.always)
        .bind(s.undoes.map(|u| u as i64))
        .bind(s.check)
        .bind(&s.probe)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// Ties jobs created before their approval message to that message and its approval request.
pub async fn attach_request(
    conn: &mut SqliteConnection,
    jobs: &[i64],
    message: i64,
    request: i64,
) -> Result<(), StoreError> {
    for id in jobs {
        sqlx::query("UPDATE jobs SET request_message_id = ?, approval_request_id = ? WHERE id = ?")
            .bind(message)
            .bind(request)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Links a job to the failed job it retries (`retry N`).
pub async fn link_retry(
    conn: &mut SqliteConnection,
    job: i64,
    retry_of: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET retry_of = ? WHERE id = ?")
        .bind(retry_of)
        .bind(job)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The job a job retries, if it is a retry.
pub async fn retry_of<'e>(
    db: impl SqliteExecutor<'e>,
    job: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar("SELECT retry_of FROM jobs WHERE id = ?")
        .bind(job)
        .fetch_optional(db)
        .await?
        .flatten())
}

/// The retries of a job, oldest first.
pub async fn retries<'e>(db: impl SqliteExecutor<'e>, job: i64) -> Result<Vec<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM jobs WHERE retry_of = ? ORDER BY id")
            .bind(job)
            .fetch_all(db)
            .await?,
    )
}

/// (id, instance, status) of the jobs an approval request covers.
pub async fn jobs_of_request(
    conn: &mut SqliteConnection,
    request_id: i64,
) -> Result<Vec<(i64, String, JobStatus)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, instance, status FROM jobs WHERE approval_request_id = ? ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The approval request of a job.
pub async fn approval_request_of(
    conn: &mut SqliteConnection,
    job: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT approval_request_id FROM jobs WHERE id = ?")
            .bind(job)
            .fetch_optional(&mut *conn)
            .await?
            .flatten(),
    )
}

/// Approved: queue the job with its progress message.
pub async fn queue(
    conn: &mut SqliteConnection,
    job: i64,
    approved_by: &str,
    progress: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET status = 'queued', approved_by = ?, progress_message_id = ? WHERE id = ? AND status = 'awaiting_approval'",
    )
    .bind(approved_by)
    .bind(progress)
    .bind(job)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a job's status (terminal states also set `finished_at`); a job that is no longer
/// running has no owner and no lease.
pub async fn set_status(
    conn: &mut SqliteConnection,
    job: i64,
    status: JobStatus,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET status = ?, finished_at = CASE WHEN ? THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE finished_at END, \
         owner = NULL, lease_expires_at = NULL WHERE id = ?",
    )
    .bind(status)
    .bind(status.is_final())
    .bind(job)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rejected: the job keeps who rejected it and why, and its steps are marked skipped.
pub async fn reject(
    conn: &mut SqliteConnection,
    job: i64,
    by: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    set_status(conn, job, JobStatus::Rejected).await?;
    sqlx::query("UPDATE jobs SET rejected_by = ?, reject_reason = ? WHERE id = ?")
        .bind(by)
        .bind(reason)
        .bind(job)
        .execute(&mut *conn)
        .await?;
    skip_pending_after(conn, job, 0).await
}

/// Asks a running job to stop before its next step.
pub async fn request_cancel(conn: &mut SqliteConnection, job: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = ?")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Now, as SQLite writes timestamps (text in this form compares in time order).
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The end of a lease that starts now and lasts `secs` seconds.
fn lease_end(secs: u64) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+{secs} seconds')")
}

/// Marks jobs left `running` by a worker whose lease expired (a dead process, or a version
/// without leases) as `interrupted`, and their running step as pending again, so they resume from
/// their first unfinished step. A job whose owner still renews its lease is left alone. Returns
/// how many.
pub async fn recover_interrupted(conn: &mut SqliteConnection) -> Result<u64, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar(&format!(
        "UPDATE jobs SET status = 'interrupted', owner = NULL, lease_expires_at = NULL \
         WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < {NOW}) RETURNING id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for id in &ids {
        sqlx::query(
            "UPDATE job_steps SET status = 'pending', started_at = NULL WHERE status = 'running' AND job_id = ?",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(ids.len() as u64)
}

/// Claims up to `n` runnable jobs (queued, or interrupted with no live owner) for `owner`: they
/// become `running` with a lease of `lease_secs`. Run it in the same write transaction as
/// [`recover_interrupted`], so a job is claimed by one process only.
pub async fn claim(
    conn: &mut SqliteConnection,
    n: usize,
    owner: &str,
    lease_secs: u64,
) -> Result<Vec<i64>, StoreError> {
    Ok(sqlx::query_scalar(&format!(
        "UPDATE jobs SET status = 'running', owner = ?, lease_expires_at = {}, \
         started_at = COALESCE(started_at, {NOW}) \
         WHERE id IN (SELECT id FROM jobs WHERE status IN ('queued', 'interrupted') ORDER BY id LIMIT ?) RETURNING id",
        lease_end(lease_secs)
    ))
    .bind(owner)
    .bind(n as i64)
    .fetch_all(&mut *conn)
    .await?)
}

/// Renews `owner`'s lease on a running job. False when the job is no longer running under
/// `owner` (the lease expired and another process took the job over, or it ended).
pub async fn renew_lease(
    conn: &mut SqliteConnection,
    job: i64,
    owner: &str,
    lease_secs: u64,
) -> Result<bool, StoreError> {
    let n = sqlx::query(&format!(
        "UPDATE jobs SET lease_expires_at = {} WHERE id = ? AND owner = ? AND status = 'running'",
        lease_end(lease_secs)
    ))
    .bind(job)
    .bind(owner)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Seconds until the earliest lease of a running job expires (negative when one already has),
/// `None` when no job is running: the worker sleeps until then to take over a dead process's job.
pub async fn next_lease_expiry<'e>(db: impl SqliteExecutor<'e>) -> Result<Option<f64>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT (julianday(min(lease_expires_at)) - julianday('now')) * 86400.0 FROM jobs WHERE status = 'running'",
    )
    .fetch_one(db)
    .await?)
}

/// How many jobs are queued, running or interrupted.
pub async fn unfinished_count<'e>(db: impl SqliteExecutor<'e>) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running', 'interrupted')",
    )
    .fetch_one(db)
    .await?)
}

/// What the worker needs to know about a job to run it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RunnableJob {
    /// Job number.
    pub id: i64,
    /// Instance name.
    pub instance: String,
    /// `kms`, `online`, `kms_host`.
    pub method: String,
    /// KMS host, for `kms`.
    pub kms_host: Option<String>,
    /// Who asked.
    pub requested_by: String,
    /// Platform of the request.
    pub platform: String,
    /// Channel of the request.
    pub channel: String,
    /// Thread of the request.
    pub thread: Option<String>,
    /// The progress message (the bot's id).
    pub progress_message_id: Option<i64>,
    /// Where it stands.
    pub status: JobStatus,
}

/// A job for the worker.
pub async fn runnable<'e>(db: impl SqliteExecutor<'e>, id: i64) -> Result<RunnableJob, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, instance, method, kms_host, requested_by, platform, channel, thread, progress_message_id, status FROM jobs WHERE id = ?",
    )
    .bind(id)
    .fetch_one(db)
    .await?)
}

/// How one stored step is run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepSpec {
    /// Position, from 1.
    pub seq: i64,
    /// The display command (a secret shows as `[redacted]`).
    pub command: String,
    /// Where the secret comes from.
    pub secret_ref: Option<String>,
    /// Runs after a failure or cancel.
    #[sqlx(rename = "always_run")]
    pub always: bool,
    /// The step this one undoes.
    pub undoes: Option<i64>,
    /// How the result is judged.
    #[sqlx(rename = "check_kind")]
    pub check: Check,
    /// Where it stands.
    pub status: StepStatus,
    /// How often it was started (more than 0 on a pending step: it was interrupted).
    pub attempts: i64,
    /// A read-only check whose exit status 0 means the change is already in place.
    pub probe: Option<String>,
}

/// The steps of a job as the worker runs them.
pub async fn step_specs<'e>(
    db: impl SqliteExecutor<'e>,
    job_id: i64,
) -> Result<Vec<StepSpec>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, command, secret_ref, always_run, undoes, check_kind, status, attempts, probe FROM job_steps WHERE job_id = ? ORDER BY seq",
    )
    .bind(job_id)
    .fetch_all(db)
    .await?)
}

/// Whether any step of the job was started (it may have changed the instance).
pub async fn any_step_started<'e>(
    db: impl SqliteExecutor<'e>,
    job: i64,
) -> Result<bool, StoreError> {
    let v: i64 = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM job_steps WHERE job_id = ? AND (status <> 'pending' OR attempts > 0))",
    )
    .bind(job)
    .fetch_one(db)
    .await?;
    Ok(v != 0)
}

/// Whether someone asked to cancel the job.
pub async fn cancel_requested<'e>(
    db: impl SqliteExecutor<'e>,
    job: i64,
) -> Result<bool, StoreError> {
    let v: i64 = sqlx::query_scalar("SELECT cancel_requested FROM jobs WHERE id = ?")
        .bind(job)
        .fetch_one(db)
        .await?;
    Ok(v != 0)
}

/// Sets one step's status (`running` also sets `started_at` and counts an attempt).
pub async fn set_step_status(
    conn: &mut SqliteConnection,
    job: i64,
    seq: i64,
    status: StepStatus,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job_steps SET status = ?1, started_at = CASE WHEN ?2 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE started_at END, \
         attempts = attempts + CASE WHEN ?2 THEN 1 ELSE 0 END WHERE job_id = ?3 AND seq = ?4",
    )
    .bind(status)
    .bind(status == StepStatus::Running)
    .bind(job)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The result of one step.
#[derive(Debug, Clone)]
pub struct StepResult<'a> {
    /// Succeeded or failed.
    pub status: StepStatus,
    /// Exit status, when the command ran.
    pub exit: Option<u32>,
    /// Redacted output (or why it could not run).
    pub output: &'a str,
    /// Activation error code seen.
    pub code: Option<&'a str>,
    /// How long it took.
    pub elapsed_ms: i64,
}

/// Records a step's result.
pub async fn record_step(
    conn: &mut SqliteConnection,
    job: i64,
    seq: i64,
    r: &StepResult<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job_steps SET status = ?, exit_status = ?, output = ?, error_code = ?, duration_ms = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE job_id = ? AND seq = ?",
    )
    .bind(r.status)
    .bind(r.exit.map(i64::from))
    .bind(r.output)
    .bind(r.code)
    .bind(r.elapsed_ms)
    .bind(job)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Skips every pending step after `after`.
pub async fn skip_pending_after(
    conn: &mut SqliteConnection,
    job: i64,
    after: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE job_steps SET status = 'skipped' WHERE job_id = ? AND seq > ? AND status = 'pending'",
    )
    .bind(job)
    .bind(after)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends a job with its final status and error.
pub async fn finish(
    conn: &mut SqliteConnection,
    job: i64,
    status: JobStatus,
    code: Option<&str>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET status = ?, error_code = ?, error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), \
         owner = NULL, lease_expires_at = NULL WHERE id = ?",
    )
    .bind(status)
    .bind(code)
    .bind(error)
    .bind(job)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The status of a job, if it exists.
pub async fn status<'e>(
    db: impl SqliteExecutor<'e>,
    job: i64,
) -> Result<Option<JobStatus>, StoreError> {
    Ok(sqlx::query_scalar("SELECT status FROM jobs WHERE id = ?")
        .bind(job)
        .fetch_optional(db)
        .await?)
}
