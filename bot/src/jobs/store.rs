//! Job and step rows in SQLite: listing and showing activation jobs.

use crate::store::StoreError;
use serde::Serialize;
use sqlx::{Row, SqlitePool};

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
