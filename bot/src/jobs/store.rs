//! Job and step rows in SQLite: listing and showing activation jobs.

use crate::store::StoreError;
use serde::Serialize;
use sqlx::{Row, SqliteConnection, SqlitePool};

/// One activation job.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
    /// `awaiting_approval`, `queued`, `running`, `succeeded`, `failed`, `cancelled`, `interrupted`, `rejected`.
    pub status: String,
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
}

/// One step of a job.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StepRow {
    /// Position, from 1.
    pub seq: i64,
    /// What the step does.
    pub name: String,
    /// The exact command line.
    pub command: String,
    /// `pending`, `running`, `succeeded`, `failed`, `skipped`.
    pub status: String,
    /// Exit status, when it ran.
    pub exit_status: Option<i64>,
    /// Output (product keys redacted).
    pub output: Option<String>,
    /// Activation error code seen in the output.
    pub error_code: Option<String>,
    /// How long it took.
    pub duration_ms: Option<i64>,
}

fn job_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<JobRow, sqlx::Error> {
    Ok(JobRow {
        id: r.try_get("id")?,
        instance: r.try_get("instance")?,
        method: r.try_get("method")?,
        kms_host: r.try_get("kms_host")?,
        kms_port: r.try_get("kms_port")?,
        status: r.try_get("status")?,
        requested_by: r.try_get("requested_by")?,
        approved_by: r.try_get("approved_by")?,
        error_code: r.try_get("error_code")?,
        error: r.try_get("error")?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

/// Every job, newest last.
pub async fn list(pool: &SqlitePool) -> Result<Vec<JobRow>, StoreError> {
    let rows = sqlx::query("SELECT * FROM jobs ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(job_from_row).collect::<Result<_, _>>()?)
}

/// One job.
pub async fn get(pool: &SqlitePool, id: i64) -> Result<Option<JobRow>, StoreError> {
    let row = sqlx::query("SELECT * FROM jobs WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(job_from_row).transpose()?)
}

/// The steps of a job, in order.
pub async fn steps(pool: &SqlitePool, job_id: i64) -> Result<Vec<StepRow>, StoreError> {
    let rows = sqlx::query("SELECT * FROM job_steps WHERE job_id = ? ORDER BY seq")
        .bind(job_id)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| -> Result<StepRow, sqlx::Error> {
            Ok(StepRow {
                seq: r.try_get("seq")?,
                name: r.try_get("name")?,
                command: r.try_get("command")?,
                status: r.try_get("status")?,
                exit_status: r.try_get("exit_status")?,
                output: r.try_get("output")?,
                error_code: r.try_get("error_code")?,
                duration_ms: r.try_get("duration_ms")?,
            })
        })
        .collect::<Result<_, _>>()?)
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
    /// The approval message.
    pub request_message_id: i64,
    /// Its approval request.
    pub approval_request_id: i64,
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
            "INSERT INTO job_steps (job_id, seq, name, command, status, secret_ref, always_run, undoes, check_kind) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(i as i64 + 1)
        .bind(&s.name)
        .bind(&s.command)
        .bind(&s.secret_ref)
        .bind(s.always)
        .bind(s.undoes.map(|u| u as i64))
        .bind(check_name(s.check))
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

/// The stored name of a check.
pub fn check_name(c: super::plan::Check) -> &'static str {
    use super::plan::Check;
    match c {
        Check::Slmgr => "slmgr",
        Check::ServiceStart => "service_start",
        Check::ExitZero => "exit_zero",
        Check::Licensed => "licensed",
    }
}

/// A check from its stored name.
pub fn check_from_name(s: &str) -> super::plan::Check {
    use super::plan::Check;
    match s {
        "slmgr" => Check::Slmgr,
        "service_start" => Check::ServiceStart,
        "licensed" => Check::Licensed,
        _ => Check::ExitZero,
    }
}

/// (id, instance, status) of the jobs an approval request covers.
pub async fn jobs_of_request(
    conn: &mut SqliteConnection,
    request_id: i64,
) -> Result<Vec<(i64, String, String)>, StoreError> {
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

/// Sets a job's status (terminal states also set `finished_at`).
pub async fn set_status(
    conn: &mut SqliteConnection,
    job: i64,
    status: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET status = ?, finished_at = CASE WHEN ? IN ('succeeded','failed','cancelled','rejected') THEN strftime('%Y-%m-%dT%H:%M:%fZ', 'now') ELSE finished_at END WHERE id = ?",
    )
    .bind(status)
    .bind(status)
    .bind(job)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Asks a running job to stop before its next step.
pub async fn request_cancel(conn: &mut SqliteConnection, job: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET cancel_requested = 1 WHERE id = ?")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
