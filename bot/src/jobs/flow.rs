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
    request_jobs(turn, req, None).await
}

/// An activation request; `retry_of`: the failed job these jobs retry (said in the approval
/// message, and linked in the store).
pub(crate) async fn request_jobs(
    turn: &mut Turn<'_>,
    req: ActivationRequest,
    retry_of: Option<&super::JobRow>,
) -> Result<(), AppError> {
    let cfg = turn.config();
    let kb = turn.kb();
    let mut instances: Vec<InstanceConfig> = Vec::new();
    for name in &req.instances {
        if let Some(tag) = name.split_once(':').map(|(_, t)| t) {
            let tagged = cfg.tagged(tag);
            if tagged.is_empty() {
                return Err(UserError::new(
                    format!(
                        "No instance has the tag `{tag}`. Tags: {}.",
                        crate::status::tags_text(cfg)
                    ),
                    "activate web-01",
                )
                .into());
            }
            for inst in tagged {
                if !instances.iter().any(|i| i.name == inst.name) {
                    instances.push(inst.clone());
                }
            }
            continue;
        }
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
    // Whatever would stop the job after approval is said now, before anyone is asked.
    for inst in &instances {
        let problems = crate::instance_check::problems(inst);
        if !problems.is_empty() {
            return Err(UserError::plain(format!(
                "I can't run anything on `{}` as it is configured, so I asked nobody to approve: {}. An operator fixes the `[[instances]]` entry (`kmsbot instances check` lists every problem); then ask again.",
                inst.name,
                problems.join("; ")
            ))
            .into());
        }
    }
    if matches!(req.method, Method::Kms(_)) && !turn.preflight().is_empty() {
        return preflight_refusal(turn).await;
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
                let Some(key) = inst.product_key.as_ref() else {
                    return Err(UserError::plain(format!(
                        "`{}` has no `product_key` in the config, so online activation would only try `/ato` with whatever key is installed (a KMS client key never activates online). \
                         An operator adds the instance's MAK or retail key as a secret reference, e.g. `product_key = \"file:/etc/kmsbot/{}.key\"` under its `[[instances]]`; then ask again. \
                         Or activate it through KMS: `activate {} using kms`.",
                        inst.name, inst.name, inst.name
                    ))
                    .into());
                };
                needs_internet(turn, &inst.name, "online activation").await?;
                ("online", None, plan::online(Some(key.as_str())))
            }
            Method::KmsHost => {
                let Some(r) = &cfg.kms.host_key else {
                    return Err(UserError::plain(
                        "A KMS host key is never typed in chat. An operator sets `[kms] host_key = \"env:KMS_HOST_KEY\"` (or `file:/path`) in the config; then ask again.",
                    )
                    .into());
                };
                if let Err(e) = crate::config::SecretRef::resolve(r.as_str()) {
                    return Err(UserError::plain(format!(
                        "The KMS host key cannot be read ({e}), so I asked nobody to approve. An operator fixes `[kms] host_key`; then ask again."
                    ))
                    .into());
                }
                // A KMS host activates its own key with Microsoft: it needs outbound internet.
                needs_internet(
                    turn,
                    &inst.name,
                    "a KMS host (it activates its host key online)",
                )
                .await?;
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
    // The jobs exist before their approval message, so the message can name their numbers.
    let mut ids = Vec::new();
    for p in &planned {
        let id = jstore::insert_job(
            turn.tx(),
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
                request_message_id: None,
                approval_request_id: None,
            },
            &p.steps,
        )
        .await?;
        Store::audit(
            turn.tx(),
            &ev.user,
            "requested",
            Some(&format!("job:{id}")),
            Some(p.method),
        )
        .await?;
        if let Some(old) = retry_of {
            jstore::link_retry(turn.tx(), id, old.id).await?;
            Store::audit(
                turn.tx(),
                &ev.user,
                "retried",
                Some(&format!("job:{}", old.id)),
                Some(&format!("as job {id}")),
            )
            .await?;
        }
        ids.push(id);
    }
    let approve = emoji::normalize(&cfg.approvals.approve_emoji);
    let reject = emoji::normalize(&cfg.approvals.reject_emoji);
    let mut text = format!(
        "Activation request from {} ({}). Once approved I will run, in order:\n",
        mention(&ev.user),
        numbers_label(&ids)
    );
    if let Some(old) = retry_of {
        text.push_str(&format!(
            "This retries job #{} ({}{}) with the same plan. A retry is a new job: it needs approval again.\n",
            old.id,
            old.status.words(),
            old.error_code
                .as_deref()
                .map(|c| format!(" with {c}"))
                .unwrap_or_default()
        ));
    }
    for (p, id) in planned.iter().zip(&ids) {
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
            "\n**Job #{id}: {}** ({}; {}; {})\n```\n",
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
            text.push_str("Windows Server 2008 R2 needs update KB3079821 installed (KB2757817 alone is not enough) before it can host KMS for newer Windows versions.\n");
        }
    }
    let required = i64::from(cfg.approvals.required);
    let numbers: Vec<String> = ids.iter().map(i64::to_string).collect();
    let numbers = numbers.join(" ");
    text.push_str(&format!(
        "\nApprove with :{approve}: or reject with :{reject}: on this message (or `approve {numbers}` / `reject {numbers} REASON`). Who may approve: {}. {} needed; the requester does not count.",
        approvals::approvers_text(&cfg.approvals),
        if required == 1 { "One approval is".to_string() } else { format!("{required} distinct approvals are") }
    ));
    if let Some(warning) = nobody_can_approve(&cfg.approvals, &ev.user, &ids) {
        text.push_str(&format!("\n\n{warning}"));
    }
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
        turn.tx(),
        &ApprovalSubject::Jobs,
        msg,
        &ev.user,
        required,
        ev.platform.as_str(),
        &ev.channel,
        ev.thread.as_deref(),
    )
    .await?;
    jstore::attach_request(turn.tx(), &ids, msg, req_id).await?;
    // Reachability takes a network round trip: checked after the commit, said in this thread.
    for (p, id) in planned.iter().zip(&ids) {
        if p.instance.transport == Transport::Ssh {
            turn.probe(crate::turn::Probe {
                instance: p.instance.clone(),
                jobs: vec![*id],
                channel: channel.clone(),
                thread: thread.clone(),
            });
        }
    }
    turn.react(msg, approve);
    turn.react(msg, reject);
    Ok(())
}

/// The pre-flight found a reason the activation would fail: an edition that differs from the
/// configuration is refused; a blocked KMS port is said with the firewall request offered,
/// prefilled (`file it`). Nobody is asked to approve either way.
async fn preflight_refusal(turn: &mut Turn<'_>) -> Result<(), AppError> {
    use crate::preflight::Finding;
    use crate::tickets::request::{
        Direction, Draft, Endpoint, PortRange, Ports, Protocol, RequestKind,
    };
    let findings = turn.preflight().to_vec();
    if let Some(Finding::Edition {
        instance,
        found,
        configured,
    }) = findings
        .iter()
        .find(|f| matches!(f, Finding::Edition { .. }))
    {
        return Err(UserError::plain(format!(
            "`{instance}` runs {found} (its registry `EditionID`), but the config says {configured}: the KMS client key I would install is for the wrong edition, so I asked nobody to approve. \
             An operator corrects `edition` in its `[[instances]]` entry; then ask again."
        ))
        .into());
    }
    let blocked: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f, Finding::Blocked { .. }))
        .collect();
    let Some(Finding::Blocked {
        instance,
        host,
        port,
        unresolved,
    }) = blocked.first().copied()
    else {
        return Ok(());
    };
    let names: Vec<String> = blocked
        .iter()
        .map(|f| format!("`{}`", f.instance()))
        .collect();
    let ev = turn.ev;
    let draft = Draft {
        kind: Some(RequestKind::Firewall),
        protocol: Some(Protocol::Tcp),
        ports: Some(Ports(vec![PortRange::single(*port)])),
        source: Some(Endpoint::Instance(instance.clone())),
        destination: Some(Endpoint::for_host(host)),
        direction: Some(Direction::Egress),
        reason: Some(format!(
            "KMS activation of {instance} (tcp/{port} to {host} is blocked)"
        )),
        ..Default::default()
    };
    let key = crate::contexts::ContextKey {
        platform: ev.platform.as_str(),
        channel: &ev.channel,
        thread: ev.thread.as_deref().unwrap_or_default(),
        user: &ev.user,
    };
    let mut ctx = crate::contexts::load(turn.tx(), key).await?;
    ctx.offer = Some(draft);
    crate::contexts::save(turn.tx(), key, &ctx).await?;
    let what = if *unresolved {
        format!("the name {host} does not resolve")
    } else {
        format!("{host} does not answer on tcp/{port}")
    };
    turn.reply(format!(
        "⚠️ Checked before asking for approval: from {}, {what} (`Test-NetConnection`), so activation would fail with 0xC004F074. I asked nobody to approve. \
         Reply `file it` here and I'll file the firewall request (tcp/{port} from {instance} to {host}, outbound) for support; once it is open, ask again.",
        names.join(", ")
    ))
    .await?;
    Ok(())
}

/// "job #2" or "jobs #2 and #3".
fn numbers_label(ids: &[i64]) -> String {
    let parts: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
    match parts.as_slice() {
        [one] => format!("job {one}"),
        [init @ .., last] => format!("jobs {} and {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// When fewer people than the quorum may approve a request of `requester` (the requester never
/// counts), a warning that says so and how to fix it. Role approvers may be anyone: they count.
fn nobody_can_approve(
    cfg: &crate::config::ApprovalsConfig,
    requester: &str,
    ids: &[i64],
) -> Option<String> {
    let others = cfg.approvers.iter().filter(|a| *a != requester).count();
    let required = usize::try_from(cfg.required).unwrap_or(usize::MAX);
    if others >= required {
        return None;
    }
    let who = if cfg.approvers.iter().any(|a| a == requester) && others == 0 {
        format!(
            "⚠️ Nobody can approve this: {} is the only approver in `[approvals] approvers`, and nobody approves their own request.",
            mention(requester)
        )
    } else if others == 0 {
        "⚠️ Nobody can approve this: no approver is configured in `[approvals] approvers`."
            .to_string()
    } else {
        format!(
            "⚠️ Nobody can approve this: it needs {required} approvals (`[approvals] required`) but only {others} approver(s) other than {} are configured.",
            mention(requester)
        )
    };
    Some(format!(
        "{who} An operator adds another approver to the config (for example `approvers = [\"console:bob\", \"console:carol\"]`) and restarts kmsbot; the request then waits here for them. Or withdraw it with {}.",
        ids.iter()
            .map(|id| format!("`cancel {id}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Online and KMS-host jobs reach Microsoft: the instance's internet-access ticket must be done
/// (applied), not just approved, before anyone is asked to approve the job.
async fn needs_internet(turn: &mut Turn<'_>, instance: &str, what: &str) -> Result<(), AppError> {
    let address = turn
        .config()
        .instance(instance)
        .and_then(|i| i.address.as_deref());
    let tickets = crate::tickets::store::internet_access(turn.conn(), instance, address).await?;
    match tickets.first() {
        Some((_, crate::states::TicketStatus::Done)) => Ok(()),
        Some((id, _)) => Err(UserError::plain(format!(
            "`{instance}` needs outbound internet for {what}. Its internet-access ticket **{id}** is approved but not done yet: once it is applied, an approver says `done {id}`; then ask me again."
        ))
        .into()),
        None => Err(UserError::new(
            format!(
                "`{instance}` needs outbound internet for {what}, and it has no internet-access ticket in force (none, or only expired ones). Ask for one first; once it is approved and marked done, ask me again."
            ),
            format!("{instance} needs internet access for online activation"),
        )
        .into()),
    }
}

/// A decision (reaction, button or command) on an activation approval request.
pub async fn decide(
    turn: &mut Turn<'_>,
    req: &ApprovalRequest,
    decision: Decision,
    from_reaction: bool,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let cfg = turn.config();
    let user = turn.ev.user.clone();
    let jobs = jstore::jobs_of_request(turn.tx(), req.id).await?;
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
    let ev = turn.ev;
    let outcome =
        approvals::decide(turn.tx(), &cfg.approvals, req, &user, &ev.roles, decision).await?;
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
                jstore::queue(turn.tx(), *id, &by, progress).await?;
                Store::audit(
                    turn.tx(),
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
                jstore::reject(turn.tx(), *id, &user, reason).await?;
                Store::audit(
                    turn.tx(),
                    &user,
                    "rejected",
                    Some(&format!("job:{id}")),
                    reason,
                )
                .await?;
            }
            let why = match reason {
                Some(r) => format!(" Reason: {r}."),
                None => " No reason was given.".to_string(),
            };
            turn.post(
                &channel,
                thread.as_deref(),
                format!(
                    "Rejected by {}: {label} will not run.{why} {}, ask again with `activate …` if it is still needed.",
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
    if approvals::withdraw(turn.tx(), req, &user).await? {
        let jobs = jstore::jobs_of_request(turn.tx(), req.id).await?;
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

/// `approve N [M …]` / `reject N [M …] [REASON]`: the same as reacting on the jobs' approval
/// message, but only for exactly the jobs named. One approval releases a whole request, so when
/// the request holds other jobs still waiting, nothing is decided and the reply says how to name
/// them all or withdraw the others.
pub async fn decide_by_jobs(
    turn: &mut Turn<'_>,
    named: &[i64],
    decision: Decision,
    reason: Option<&str>,
) -> Result<(), AppError> {
    let mut request = None;
    for &job in named {
        let Some(req_id) = jstore::approval_request_of(turn.tx(), job).await? else {
            return Err(UserError::new(format!("There is no job #{job}."), "jobs").into());
        };
        match request {
            None => request = Some(req_id),
            Some(r) if r == req_id => {}
            Some(_) => {
                return Err(UserError::new(
                    format!(
                    "Jobs {} were asked for in different requests; decide one request at a time.",
                    named
                        .iter()
                        .map(|n| format!("#{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                    format!("approve {job}"),
                )
                .into())
            }
        }
    }
    let Some(req_id) = request else {
        return Err(UserError::new("Which job?", "approve 2").into());
    };
    let Some(req) = approvals::by_id(turn.tx(), req_id).await? else {
        return Err(anyhow::anyhow!("approval request {req_id} missing").into());
    };
    let jobs = jstore::jobs_of_request(turn.tx(), req.id).await?;
    let unnamed: Vec<_> = jobs
        .iter()
        .filter(|(id, _, s)| *s == JobStatus::AwaitingApproval && !named.contains(id))
        .cloned()
        .collect();
    if req.state == crate::states::ApprovalState::Pending && !unnamed.is_empty() {
        let all: Vec<String> = jobs
            .iter()
            .filter(|(id, _, s)| *s == JobStatus::AwaitingApproval || named.contains(id))
            .map(|(id, _, _)| id.to_string())
            .collect();
        let verb = match decision {
            Decision::Approve => "approve",
            Decision::Reject => "reject",
        };
        let cancels: Vec<String> = unnamed
            .iter()
            .map(|(id, _, _)| format!("`cancel {id}`"))
            .collect();
        return Err(UserError::plain(format!(
            "I decided nothing: {} was requested together with {}, and one decision covers the whole request. \
             To {verb} them all, say `{verb} {}` (or react on the request message). \
             To {verb} only what you named, the requester or an approver first withdraws the others ({}).",
            numbers_label(named),
            jobs_label(&unnamed),
            all.join(" "),
            cancels.join(", ")
        ))
        .into());
    }
    decide(turn, &req, decision, false, reason).await
}

/// `cancel N`: by the requester or an approver; stops a running job before its next step.
pub async fn cancel(turn: &mut Turn<'_>, job: i64) -> Result<(), AppError> {
    let Some(row) = jstore::get(turn.conn(), job).await? else {
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
    let started = jstore::any_step_started(turn.conn(), job).await?;
    match row.status {
        JobStatus::Interrupted if started => {
            // Steps ran before the interruption: the worker runs the always-run restore steps
            // (the time source) and then ends the job `cancelled`.
            jstore::request_cancel(turn.tx(), job).await?;
            Store::audit(
                turn.tx(),
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
            jstore::set_status(turn.tx(), job, JobStatus::Cancelled).await?;
            // Nothing of it will run: its steps say so.
            jstore::skip_pending_after(turn.tx(), job, 0).await?;
            Store::audit(
                turn.tx(),
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
            jstore::request_cancel(turn.tx(), job).await?;
            Store::audit(
                turn.tx(),
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
            return Err(UserError::plain(format!(
                "Job #{job} has already ended ({}).",
                other.words()
            ))
            .into());
        }
    }
    Ok(())
}

/// `jobs`: recent jobs.
pub async fn list(turn: &mut Turn<'_>) -> Result<(), AppError> {
    let rows = jstore::list(turn.conn()).await?;
    if rows.is_empty() {
        turn.reply("No activation jobs yet. Ask for one, e.g. `activate web-01`.")
            .await?;
        return Ok(());
    }
    let mut s = String::from("Activation jobs (newest first):\n");
    for j in rows.iter().rev().take(20) {
        s.push_str(&format!(
            "• #{} {} ({}): **{}**{}{}\n",
            j.id,
            j.instance,
            super::method_words(&j.method),
            j.status.words(),
            j.error_code
                .as_deref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default(),
            rejection(j)
        ));
    }
    turn.reply(s.trim_end().to_string()).await?;
    Ok(())
}

/// `job N`: one job and its steps.
pub async fn show(turn: &mut Turn<'_>, id: i64) -> Result<(), AppError> {
    let Some(j) = jstore::get(turn.conn(), id).await? else {
        return Err(UserError::new(format!("There is no job #{id}."), "jobs").into());
    };
    let steps = jstore::steps(turn.conn(), id).await?;
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
        j.status.words(),
        mention(&j.requested_by),
        j.approved_by
            .as_deref()
            .map(|a| format!(
                ", approved by {}",
                a.split(',').map(mention).collect::<Vec<_>>().join(", ")
            ))
            .unwrap_or_default()
    );
    let rejected = rejection(&j);
    if !rejected.is_empty() {
        s.push_str(&format!("Rejected{rejected}.\n"));
    }
    if let Some(old) = jstore::retry_of(turn.conn(), id).await? {
        s.push_str(&format!("A retry of job #{old}.\n"));
    }
    let retries = jstore::retries(turn.conn(), id).await?;
    if !retries.is_empty() {
        let r: Vec<String> = retries.iter().map(|r| format!("#{r}")).collect();
        s.push_str(&format!("Retried as job {}.\n", r.join(", ")));
    } else if j.status == JobStatus::Failed {
        s.push_str(&format!(
            "`retry {id}` asks again for the same plan (a new job that needs approval).\n"
        ));
    }
    s.push_str(&super::progress_lines(&steps));
    if let Some(e) = &j.error {
        s.push_str(&format!("\nError: {e}"));
    }
    turn.reply(s.trim_end().to_string()).await?;
    Ok(())
}

/// ", by @carol: wrong window" for a rejected job; empty otherwise.
fn rejection(j: &jstore::JobRow) -> String {
    match (&j.rejected_by, &j.reject_reason) {
        (Some(by), Some(why)) => format!(" by {}: {why}", mention(by)),
        (Some(by), None) => format!(" by {} (no reason given)", mention(by)),
        _ => String::new(),
    }
}
