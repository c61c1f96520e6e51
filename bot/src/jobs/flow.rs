//! Activation requests in chat: checking them, the approval message, decisions, cancel, listing.

use super::plan::{self, Step};
use super::request::{ActivationRequest, Method};
use super::store as jstore;
use crate::approvals::{self, ApprovalRequest, Decision, Outcome};
use crate::config::{InstanceConfig, Transport};
use crate::errors::{AppError, UserError};
use crate::states::{ApprovalSubject, JobStatus};
use crate::store::Store;
use crate::turn::Turn;
use crate::users::mention;
use adapters::{emoji, Button};
use knowledge::EditionMatch;

/// One instance's planned job.
struct Planned {
    instance: InstanceConfig,
    method: &'static str,
    host: Option<(String, u16)>,
    steps: Vec<Step>,
}

fn method_label(method: &str, host: Option<&(String, u16)>) -> String {
    match (method, host) {
        ("kms", Some((h, p))) => format!("KMS client activation via {h}:{p}"),
        ("online", _) => "online activation with Microsoft".into(),
        ("kms_host", _) => "KMS host setup".into(),
        _ => method.to_string(),
    }
}

/// Checks an activation request and posts the approval message.
pub async fn request(turn: &mut Turn<'_>, req: ActivationRequest) -> Result<(), AppError> {
    let cfg = turn.config();
    let kb = turn.kb();
    let mut instances: Vec<InstanceConfig> = Vec::new();
    for name in &req.instances {
        let Some(inst) = cfg.instance(name) else {
            let known: Vec<String> = cfg
                .instances
                .iter()
                .map(|i| format!("`{}`", i.name))
                .collect();
            return Err(UserError::new(
                format!(
                    "I don't know an instance called `{name}`. {}",
                    if known.is_empty() {
                        "No instances are configured yet (an operator adds `[[instances]]` to the config).".to_string()
                    } else {
                        format!("I know {}.", known.join(", "))
                    }
                ),
                format!("activate {}", cfg.instances.first().map(|i| i.name.as_str()).unwrap_or("web-01")),
            )
            .into());
        };
        if !instances.iter().any(|i| i.name == inst.name) {
            instances.push(inst.clone());
        }
    }
    let mut planned = Vec::new();
    for inst in instances {
        let (method, host, steps) = match &req.method {
            Method::Kms(given) => {
                let (host, port) = match given {
                    Some((h, p)) => (h.clone(), p.unwrap_or(cfg.kms.port)),
                    None => match &cfg.kms.host {
                        Some(h) => (h.clone(), cfg.kms.port),
                        None => {
                            return Err(UserError::new(
                                "Which KMS host should the instance use? None is configured, so name one.",
                                format!("activate {} using kms kms.corp.example", inst.name),
                            )
                            .into())
                        }
                    },
                };
                let gvlk = match kb.gvlk(&inst.edition) {
                    EditionMatch::Exact(g) => g.key.clone(),
                    _ => {
                        return Err(anyhow::anyhow!(
                            "instance {} has edition {:?} without a client setup key",
                            inst.name,
                            inst.edition
                        )
                        .into())
                    }
                };
                let steps = plan::kms_client(&gvlk, &host, port).map_err(|e| {
                    UserError::new(e.0, "activate web-01 using kms kms.corp.example")
                })?;
                ("kms", Some((host, port)), steps)
            }
            Method::Online => {
                if !crate::tickets::store::has_internet_access(&mut *turn.tx, &inst.name).await? {
                    return Err(UserError::new(
                        format!(
                            "`{}` has no approved internet-access ticket, and online activation needs outbound internet. Ask for it first; once it is approved, ask me again.",
                            inst.name
                        ),
                        format!("{} needs internet access for online activation", inst.name),
                    )
                    .into());
                }
                (
                    "online",
                    None,
                    plan::online(inst.product_key.as_ref().map(|r| r.as_str())),
                )
            }
            Method::KmsHost => {
                let Some(r) = &cfg.kms.host_key else {
                    return Err(UserError::plain(
                        "A KMS host key is never typed in chat. An operator sets `[kms] host_key = \"env:KMSBOT_KMS_HOST_KEY\"` (or `file:/path`) in the config; then ask again.",
                    )
                    .into());
                };
                ("kms_host", None, plan::kms_host(r.as_str()))
            }
        };
        planned.push(Planned {
            instance: inst,
            method,
            host,
            steps,
        });
    }
    let ev = turn.ev;
    let approve = emoji::normalize(&cfg.approvals.approve_emoji);
    let reject = emoji::normalize(&cfg.approvals.reject_emoji);
    let mut text = format!(
        "Activation request from {}. Once approved I will run, in order:\n",
        mention(&ev.user)
    );
    for p in &planned {
        let transport = match p.instance.transport {
            Transport::Ssh => format!(
                "ssh {}@{}:{}",
                p.instance.user,
                p.instance.address.as_deref().unwrap_or("?"),
                p.instance.port
            ),
            Transport::Winrm => format!(
                "winrm {}@{}:{}",
                p.instance.user,
                p.instance.address.as_deref().unwrap_or("?"),
                p.instance.port
            ),
            Transport::DryRun => "dry run: commands are recorded, not executed".into(),
        };
        text.push_str(&format!(
            "\n**{}** ({}; {}; {})\n```\n",
            p.instance.name,
            p.instance.edition,
            method_label(p.method, p.host.as_ref()),
            transport
        ));
        for (i, s) in p.steps.iter().enumerate() {
            text.push_str(&format!("{}. {}\n", i + 1, s.command));
        }
        text.push_str("```\n");
        if p.method == "kms_host" && p.instance.edition.contains("2008 R2") {
            text.push_str("Windows Server 2008 R2 needs update KB2757817 installed before it can host KMS for newer Windows versions.\n");
        }
    }
    let required = i64::from(cfg.approvals.required);
    text.push_str(&format!(
        "\nApprove with :{approve}: or reject with :{reject}: on this message (or `approve JOB` / `reject JOB`). Who may approve: {}. {} needed; the requester does not count.",
        approvals::approvers_text(&cfg.approvals),
        if required == 1 { "One approval is".to_string() } else { format!("{required} distinct approvals are") }
    ));
    let buttons = vec![
        Button {
            action: "approve".into(),
            label: "Approve".into(),
        },
        Button {
            action: "reject".into(),
            label: "Reject".into(),
        },
    ];
    let channel = ev.channel.clone();
    let thread = ev.thread.clone();
    let msg = turn
        .post(&channel, thread.as_deref(), text, buttons)
        .await?;
    let req_id = approvals::create(
        &mut turn.tx,
        &ApprovalSubject::Jobs,
        msg,
        &ev.user,
        required,
        ev.platform.as_str(),
        &ev.channel,
        ev.thread.as_deref(),
    )
    .await?;
    let mut ids = Vec::new();
    for p in &planned {
        let id = jstore::insert_job(
            &mut turn.tx,
            &jstore::NewJob {
                instance: &p.instance.name,
                edition: &p.instance.edition,
                method: p.method,
                kms_host: p.host.as_ref().map(|h| h.0.as_str()),
                kms_port: p.host.as_ref().map(|h| h.1),
                requested_by: &ev.user,
                platform: ev.platform.as_str(),
                channel: &ev.channel,
                thread: ev.thread.as_deref(),
                request_message_id: msg,
                approval_request_id: req_id,
            },
            &p.steps,
        )
        .await?;
        Store::audit(
            &mut turn.tx,
            &ev.user,
            "requested",
            Some(&format!("job:{id}")),
            Some(p.method),
        )
        .await?;
        ids.push(id);
    }
    turn.react(msg, approve);
    turn.react(msg, reject);
    let _ = ids;
    Ok(())
}

/// A decision (reaction, button or command) on an activation approval request.
pub async fn decide(
    turn: &mut Turn<'_>,
    req: &ApprovalRequest,
    decision: Decision,
    from_reaction: bool,
) -> Result<(), AppError> {
    let cfg = turn.config();
    let user = turn.ev.user.clone();
    let jobs = jstore::jobs_of_request(&mut turn.tx, req.id).await?;
    if !jobs.is_empty() && jobs.iter().all(|(_, _, s)| *s == JobStatus::Cancelled) {
        // Cancelled before the quorum: a later decision changes nothing, and says so.
        let text = format!(
            "{} was cancelled before it was approved; {} it has no effect. Ask again with `activate …` if it is still needed.",
            jobs_label(&jobs),
            match decision {
                Decision::Approve => "approving",
                Decision::Reject => "rejecting",
            }
        );
        if from_reaction {
            turn.post(
                &req.channel.clone(),
                req.thread.clone().as_deref(),
                format!("{}: {text}", mention(&user)),
                Vec::new(),
            )
            .await?;
            return Ok(());
        }
        return Err(UserError::plain(text).into());
    }
    let label = jobs_label(&jobs);
    let outcome = approvals::decide(
        &mut turn.tx,
        &cfg.approvals,
        req,
        &user,
        &turn.ev.roles,
        decision,
    )
    .await?;
    let thread = req.thread.clone();
    let channel = req.channel.clone();
    match outcome {
        Outcome::Approved(approvers) => {
            let by = approvers.join(",");
            // Only jobs still waiting are queued: one cancelled meanwhile stays cancelled.
            let jobs: Vec<_> = jobs
                .into_iter()
                .filter(|(_, _, s)| *s == JobStatus::AwaitingApproval)
                .collect();
            let label = jobs_label(&jobs);
            for (id, instance, _) in &jobs {
                let progress = turn
                    .post(
                        &channel,
                        thread.as_deref(),
                        format!("Job #{id} on {instance}: queued"),
                        Vec::new(),
                    )
                    .await?;
                jstore::queue(&mut turn.tx, *id, &by, progress).await?;
                Store::audit(
                    &mut turn.tx,
                    &user,
                    "approved",
                    Some(&format!("job:{id}")),
                    Some(&by),
                )
                .await?;
            }
            turn.wake_jobs();
            let names: Vec<String> = approvers.iter().map(|a| mention(a)).collect();
            turn.post(
                &channel,
                thread.as_deref(),
                format!(
                    "Approved by {}: {label} queued. {} will see progress here.",
                    names.join(", "),
                    mention(&req.requester)
                ),
                Vec::new(),
            )
            .await?;
            Ok(())
        }
        Outcome::Counted { have, need } => {
            turn.post(
                &channel,
                thread.as_deref(),
                format!(
                    "Approval from {} recorded for {label} ({have} of {need}).",
                    mention(&user)
                ),
                Vec::new(),
            )
            .await?;
            Ok(())
        }
        Outcome::Rejected => {
            for (id, _, _) in &jobs {
                jstore::set_status(&mut turn.tx, *id, JobStatus::Rejected).await?;
                Store::audit(
                    &mut turn.tx,
                    &user,
                    "rejected",
                    Some(&format!("job:{id}")),
                    None,
                )
                .await?;
            }
            turn.post(
                &channel,
                thread.as_deref(),
                format!(
                    "Rejected by {}: {label} will not run. {}",
                    mention(&user),
                    mention(&req.requester)
                ),
                Vec::new(),
            )
            .await?;
            Ok(())
        }
        Outcome::AlreadyApproved => {
            if !from_reaction {
                turn.reply(format!("You already approved {label}.")).await?;
            }
            Ok(())
        }
        Outcome::AlreadyDecided(state) => {
            if from_reaction {
                return Ok(());
            }
            Err(UserError::plain(format!("That request is already {state}.")).into())
        }
        Outcome::SelfApproval => {
            turn.post(
                &channel,
                thread.as_deref(),
                format!(
                    "{}: you asked for {label}, so you cannot approve it yourself. Approvers: {}.",
                    mention(&user),
                    approvals::approvers_text(&cfg.approvals)
                ),
                Vec::new(),
            )
            .await?;
            Ok(())
        }
        Outcome::NotApprover => {
            turn.post(
                &channel,
                thread.as_deref(),
                format!(
                    "{}: only {} may approve or reject {label} (with :{}: / :{}:).",
                    mention(&user),
                    approvals::approvers_text(&cfg.approvals),
                    emoji::normalize(&cfg.approvals.approve_emoji),
                    emoji::normalize(&cfg.approvals.reject_emoji)
                ),
                Vec::new(),
            )
            .await?;
            Ok(())
        }
    }
}

fn jobs_label(jobs: &[(i64, String, JobStatus)]) -> String {
    let parts: Vec<String> = jobs
        .iter()
        .map(|(id, inst, _)| format!("job #{id} ({inst})"))
        .collect();
    parts.join(", ")
}

/// A removed approval reaction: withdraws that approval while the quorum is not reached.
pub async fn withdraw(turn: &mut Turn<'_>, req: &ApprovalRequest) -> Result<(), AppError> {
    let user = turn.ev.user.clone();
    if approvals::withdraw(&mut turn.tx, req, &user).await? {
        let jobs = jstore::jobs_of_request(&mut turn.tx, req.id).await?;
        let thread = req.thread.clone();
        turn.post(
            &req.channel,
            thread.as_deref(),
            format!(
                "{} withdrew their approval of {}.",
                mention(&user),
                jobs_label(&jobs)
            ),
            Vec::new(),
        )
        .await?;
    }
    Ok(())
}

/// `approve N` / `reject N`: the same as reacting on the job's approval message.
pub async fn decide_by_job(
    turn: &mut Turn<'_>,
    job: i64,
    decision: Decision,
) -> Result<(), AppError> {
    let Some(req_id) = jstore::approval_request_of(&mut turn.tx, job).await? else {
        return Err(UserError::new(format!("There is no job #{job}."), "jobs").into());
    };
    let Some(req) = approvals::by_id(&mut turn.tx, req_id).await? else {
        return Err(anyhow::anyhow!("approval request {req_id} missing").into());
    };
    decide(turn, &req, decision, false).await
}

/// `cancel N`: by the requester or an approver; stops a running job before its next step.
pub async fn cancel(turn: &mut Turn<'_>, job: i64) -> Result<(), AppError> {
    let Some(row) = jstore::get(&mut *turn.tx, job).await? else {
        return Err(UserError::new(format!("There is no job #{job}."), "jobs").into());
    };
    let user = turn.ev.user.clone();
    let cfg = turn.config();
    if row.requested_by != user && !approvals::is_approver(&cfg.approvals, &user, &turn.ev.roles) {
        return Err(UserError::plain(format!(
            "Only the requester ({}) or an approver can cancel job #{job}.",
            mention(&row.requested_by)
        ))
        .into());
    }
    let started = jstore::any_step_started(&mut *turn.tx, job).await?;
    match row.status {
        JobStatus::Interrupted if started => {
            // Steps ran before the interruption: the worker runs the always-run restore steps
            // (the time source) and then ends the job `cancelled`.
            jstore::request_cancel(&mut turn.tx, job).await?;
            Store::audit(
                &mut turn.tx,
                &user,
                "cancel requested",
                Some(&format!("job:{job}")),
                None,
            )
            .await?;
            turn.wake_jobs();
            turn.reply(format!(
                "Job #{job} on {} is cancelled; nothing more of it will run except restoring what it changed (the time source).",
                row.instance
            ))
            .await?;
        }
        JobStatus::AwaitingApproval | JobStatus::Queued | JobStatus::Interrupted => {
            jstore::set_status(&mut turn.tx, job, JobStatus::Cancelled).await?;
            Store::audit(
                &mut turn.tx,
                &user,
                "cancelled",
                Some(&format!("job:{job}")),
                None,
            )
            .await?;
            turn.reply(format!(
                "Job #{job} on {} is cancelled; nothing more will run.",
                row.instance
            ))
            .await?;
        }
        JobStatus::Running => {
            jstore::request_cancel(&mut turn.tx, job).await?;
            Store::audit(
                &mut turn.tx,
                &user,
                "cancel requested",
                Some(&format!("job:{job}")),
                None,
            )
            .await?;
            turn.reply(format!(
                "Job #{job} on {} will stop before its next step (the time source is still restored).",
                row.instance
            ))
            .await?;
        }
        other => {
            return Err(
                UserError::plain(format!("Job #{job} has already ended ({other}).")).into(),
            );
        }
    }
    Ok(())
}

/// `jobs`: recent jobs.
pub async fn list(turn: &mut Turn<'_>) -> Result<(), AppError> {
    let rows = jstore::list(&mut *turn.tx).await?;
    if rows.is_empty() {
        turn.reply("No activation jobs yet. Ask for one, e.g. `activate web-01`.")
            .await?;
        return Ok(());
    }
    let mut s = String::from("Activation jobs (newest first):\n");
    for j in rows.iter().rev().take(20) {
        s.push_str(&format!(
            "• #{} {} ({}): **{}**{}\n",
            j.id,
            j.instance,
            j.method,
            j.status,
            j.error_code
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default()
        ));
    }
    turn.reply(s.trim_end().to_string()).await?;
    Ok(())
}

/// `job N`: one job and its steps.
pub async fn show(turn: &mut Turn<'_>, id: i64) -> Result<(), AppError> {
    let Some(j) = jstore::get(&mut *turn.tx, id).await? else {
        return Err(UserError::new(format!("There is no job #{id}."), "jobs").into());
    };
    let steps = jstore::steps(&mut *turn.tx, id).await?;
    let mut s = format!(
        "Job #{} on {} ({}): **{}**, requested by {}{}\n",
        j.id,
        j.instance,
        method_label(
            &j.method,
            j.kms_host
                .as_ref()
                .map(|h| (h.clone(), j.kms_port.unwrap_or(1688) as u16))
                .as_ref()
        ),
        j.status,
        mention(&j.requested_by),
        j.approved_by
            .as_deref()
            .map(|a| format!(", approved by {a}"))
            .unwrap_or_default()
    );
    s.push_str(&super::progress_lines(&steps));
    if let Some(e) = &j.error {
        s.push_str(&format!("\nError: {e}"));
    }
    turn.reply(s.trim_end().to_string()).await?;
    Ok(())
}
