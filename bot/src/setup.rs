//! Start-up checks shared by the commands that run the bot (`chat`, `serve`): loading the
//! knowledge base with the operator's articles, and checking configured instances against it.

use crate::config::Config;
use anyhow::Context as _;
use std::path::PathBuf;
use std::sync::Arc;

/// Every configured instance must have an edition with a KMS client setup key, named the way
/// Microsoft's table names it; anything else is a configuration error at start.
pub fn check_instances(config: &Config, kb: &knowledge::KnowledgeBase) -> anyhow::Result<()> {
    for (i, inst) in config.instances.iter().enumerate() {
        let matched = kb.gvlk(&inst.edition);
        if matches!(matched, knowledge::EditionMatch::Exact(_)) {
            continue;
        }
        // A typo ("Standrd") is answered with the nearest name, not a list of other editions;
        // a name that is only incomplete ("Windows Server 2019") still lists its candidates.
        let near = kb
            .suggest_edition(&inst.edition)
            .filter(|near| match &matched {
                knowledge::EditionMatch::Ambiguous(c) => c.iter().any(|g| g.edition == **near),
                _ => true,
            });
        if let Some(near) = near {
            anyhow::bail!(
                "config error: key `instances[{i}].edition` of `{}`: \"{}\" is not one of Microsoft's edition names; did you mean \"{near}\"? For example `edition = \"{near}\"`",
                inst.name,
                inst.edition
            );
        }
        match matched {
            knowledge::EditionMatch::Exact(_) => {}
            knowledge::EditionMatch::Ambiguous(c) => anyhow::bail!(
                "config error: key `instances[{i}].edition` of `{}`: \"{}\" matches several editions ({}); use Microsoft's exact name",
                inst.name,
                inst.edition,
                c.iter().take(6).map(|g| format!("\"{}\"", g.display_name())).collect::<Vec<_>>().join(", ")
            ),
            knowledge::EditionMatch::Unknown => anyhow::bail!(
                "config error: key `instances[{i}].edition` of `{}`: \"{}\" has no KMS client setup key; use an edition from Microsoft's table, e.g. \"Windows Server 2019 Datacenter\"",
                inst.name,
                inst.edition
            ),
        }
    }
    Ok(())
}

/// The built-in knowledge base plus the operator's articles from `[knowledge] extra_dir`.
/// What the configuration fills in when a question leaves it out (`[kms] host` and `port`).
pub fn answer_settings(config: &Config) -> knowledge::AnswerSettings {
    knowledge::AnswerSettings {
        kms_host: config.kms.host.clone(),
        kms_port: Some(config.kms.port),
    }
}

pub fn load_knowledge(config: &Config) -> anyhow::Result<Arc<knowledge::KnowledgeBase>> {
    let Some(dir) = &config.knowledge.extra_dir else {
        return Ok(Arc::new(knowledge::KnowledgeBase::builtin()?));
    };
    let mut articles = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read [knowledge] extra_dir {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p)
            .with_context(|| format!("cannot read article {}", p.display()))?;
        articles.push((p.display().to_string(), text));
    }
    Ok(Arc::new(knowledge::KnowledgeBase::with_extra(articles)?))
}
