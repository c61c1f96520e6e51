//! `retry N`: a new job with the same plan as a failed job (same instance, method and KMS host),
//! linked to it in the store, that needs approval again like any request.

use super::request::{ActivationRequest, Method};
use super::store as jstore;
use crate::errors::{AppError, UserError};
use crate::states::JobStatus;
use crate::turn::Turn;

/// Re-requests failed job `n`: the request is checked and put to approvers as a new job.
pub async fn retry(turn: &mut Turn<'_>, n: i64) -> Result<(), AppError> {
    let Some(job) = jstore::get(turn.conn(), n).await? else {
        return Err(UserError::new(format!("There is no job #{n}."), "jobs").into());
    };
    let why_not = match job.status {
        JobStatus::Failed => None,
        JobStatus::Interrupted | JobStatus::Queued | JobStatus::Running => Some(
            "it has not ended yet (an interrupted job resumes by itself when kmsbot runs again)",
        ),
        JobStatus::AwaitingApproval => Some("it still waits for approval"),
        JobStatus::Succeeded | JobStatus::Rehearsed => Some("it did not fail"),
        JobStatus::Cancelled | JobStatus::Rejected => {
            Some("it was stopped on purpose; ask for the activation again if it is still wanted")
        }
    };
    if let Some(why) = why_not {
        return Err(UserError::new(
            format!(
                "There is nothing to retry in job #{n} ({}): {why}. Only a failed job can be retried.",
                job.status.words()
            ),
            format!("job {n}"),
        )
        .into());
    }
    for r in jstore::retries(turn.conn(), n).await? {
        let Some(retry) = jstore::get(turn.conn(), r).await? else {
            continue;
        };
        if !matches!(
            retry.status,
            JobStatus::Failed | JobStatus::Cancelled | JobStatus::Rejected
        ) {
            return Err(UserError::new(
                format!(
                    "Job #{n} is already retried as job #{r}, which is {}.",
                    retry.status.words()
                ),
                format!("job {r}"),
            )
            .into());
        }
    }
    let method = match job.method.as_str() {
        "kms" => Method::Kms(job.kms_host.clone().map(|h| {
            let port = job.kms_port.and_then(|p| u16::try_from(p).ok());
            (h, port)
        })),
        "online" => Method::Online,
        "kms_host" => Method::KmsHost,
        other => return Err(anyhow::anyhow!("job {n} has an unknown method {other:?}").into()),
    };
    let req = ActivationRequest {
        instances: vec![job.instance.clone()],
        method,
    };
    super::flow::request_jobs(turn, req, Some(&job)).await
}
