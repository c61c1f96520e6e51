//! The intent classifier's training examples from `data/intents.toml`; shared by the library and `build.rs`, which trains the model at build time.
//!
//! `build.rs` includes this file, `classifier.rs`, `slots.rs`, `dli.rs`, `editions.rs`,
//! `facts.rs` and `text.rs` as modules of its own (`#[path]`), so what it trains on is exactly
//! what [`super::Nlu::understand`] computes at run time.

use serde::Deserialize;

use crate::nlu::classifier::{utterance, Utterance};
use crate::nlu::slots::{self, Slots};
use crate::KbError;

#[derive(Deserialize)]
struct IntentFile {
    intent: std::collections::BTreeMap<String, Utterances>,
}

#[derive(Deserialize)]
struct Utterances {
    u: Vec<String>,
}

/// Slot presence as classifier features.
pub fn slot_features(s: &Slots) -> Vec<&'static str> {
    let mut f = Vec::new();
    if !s.editions.is_empty() {
        f.push("edition");
    }
    if s.editions.len() > 1 {
        f.push("editions");
    }
    if s.host.is_some() {
        f.push("host");
    }
    if s.port.is_some() {
        f.push("port");
    }
    if s.error.is_some() {
        f.push("error");
    }
    if s.count.is_some() {
        f.push("count");
    }
    if s.dli.is_some() {
        f.push("dli");
    }
    if s.instance.is_some() {
        f.push("instance");
    }
    f
}

/// Replaces slot values by their kind so that the classifier learns shapes, not values.
pub fn mask(text: &str, s: &Slots) -> String {
    let mut t = text.to_string();
    if let Some(h) = &s.host {
        t = t.replace(h.as_str(), " kmshostname ");
    }
    if let Some(i) = &s.instance {
        t = t.replace(i.as_str(), " instancename ");
    }
    t
}

/// The labelled utterances of `data/intents.toml` (its text is `training`), as the classifier
/// sees them: slot values masked, slot kinds as features. Labels in file order (sorted).
pub fn examples(training: &str) -> Result<Vec<(Utterance, String)>, KbError> {
    let file: IntentFile = toml::from_str(training).map_err(|e| KbError::Table {
        file: "data/intents.toml".into(),
        line: 1,
        message: e.to_string(),
    })?;
    let mut examples = Vec::new();
    for (label, utts) in &file.intent {
        for u in &utts.u {
            let s = slots::extract(u);
            examples.push((utterance(&mask(u, &s), &slot_features(&s)), label.clone()));
        }
    }
    Ok(examples)
}
