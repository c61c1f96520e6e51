//! Question understanding: exact patterns first, then a linear intent classifier, then slots (editions, host, port, codes, counts, pasted output).

pub mod classifier;
pub mod dli;
pub mod gloss;
pub mod slots;
mod training;

use std::sync::LazyLock;

use crate::text::{rx_match, Matcher};
use serde::{Deserialize, Serialize};

use crate::KbError;
use classifier::{utterance, Classifier};
pub use slots::{MachineCount, MachineKind, Slots};
use training::{mask, slot_features};

/// What the user wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// Hello.
    Greet,
    /// Thanks.
    Thanks,
    /// "ok", "bye".
    Ack,
    /// What the bot can do.
    Help,
    /// The whole KMS client procedure.
    ClientProcedure,
    /// Point a client at a given KMS host.
    PointKms,
    /// Ports, reachability, firewall rules.
    Connectivity,
    /// Clock synchronisation.
    TimeSync,
    /// KMS client setup keys.
    KeyLookup,
    /// Setting up a KMS host.
    HostSetup,
    /// Activation thresholds and counting.
    Thresholds,
    /// Validity, renewal, retries.
    Timing,
    /// How to check activation status.
    StatusCheck,
    /// Status of one named instance.
    InstanceStatus,
    /// "Not activated": start a diagnosis.
    Diagnose,
    /// An error code or error text.
    ErrorCode,
    /// Online activation.
    Online,
    /// Telephone activation.
    Phone,
    /// Outbound internet access.
    InternetAccess,
    /// MAK vs KMS and other comparisons.
    Compare,
    /// The activation methods.
    Methods,
    /// The provider's policy on BYOL activation.
    Policy,
    /// An existing KMS host, DNS discovery.
    ExistingKms,
    /// One slmgr option.
    Slmgr,
    /// "more" after a long answer.
    More,
    /// Outside Windows activation.
    None,
}

impl Intent {
    /// Every intent the classifier knows, with its label in `data/intents.toml`.
    const LABELS: &'static [(&'static str, Intent)] = &[
        ("greet", Intent::Greet),
        ("thanks", Intent::Thanks),
        ("ack", Intent::Ack),
        ("help", Intent::Help),
        ("client_procedure", Intent::ClientProcedure),
        ("point_kms", Intent::PointKms),
        ("connectivity", Intent::Connectivity),
        ("time_sync", Intent::TimeSync),
        ("key_lookup", Intent::KeyLookup),
        ("host_setup", Intent::HostSetup),
        ("thresholds", Intent::Thresholds),
        ("timing", Intent::Timing),
        ("status_check", Intent::StatusCheck),
        ("instance_status", Intent::InstanceStatus),
        ("diagnose", Intent::Diagnose),
        ("error_code", Intent::ErrorCode),
        ("online", Intent::Online),
        ("phone", Intent::Phone),
        ("internet_access", Intent::InternetAccess),
        ("compare", Intent::Compare),
        ("methods", Intent::Methods),
        ("policy", Intent::Policy),
        ("existing_kms", Intent::ExistingKms),
        ("slmgr", Intent::Slmgr),
        ("none", Intent::None),
    ];

    /// The intent named by a label.
    pub fn from_label(label: &str) -> Option<Intent> {
        Self::LABELS
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, i)| *i)
    }

    /// The label of this intent.
    pub fn label(self) -> &'static str {
        Self::LABELS
            .iter()
            .find(|(_, i)| *i == self)
            .map(|(l, _)| *l)
            .unwrap_or("more")
    }

    /// Small talk: answered in one line.
    pub fn is_small_talk(self) -> bool {
        matches!(
            self,
            Intent::Greet | Intent::Thanks | Intent::Ack | Intent::Help
        )
    }

    /// Words for a clarifying question ("Do you mean …?").
    pub fn describe(self) -> &'static str {
        match self {
            Intent::ClientProcedure => "the commands to activate an instance through KMS",
            Intent::PointKms => "pointing an instance at a KMS host",
            Intent::Connectivity => "the network path to the KMS host (tcp/1688)",
            Intent::TimeSync => "synchronising the clock",
            Intent::KeyLookup => "the KMS client setup key (GVLK) for an edition",
            Intent::HostSetup => "setting up a KMS host",
            Intent::Thresholds => "how many machines KMS needs",
            Intent::Timing => "how long an activation lasts and when it renews",
            Intent::StatusCheck => "checking the activation status",
            Intent::InstanceStatus => "the status of one of your instances",
            Intent::Diagnose => "finding out why an instance is not activated",
            Intent::ErrorCode => "an activation error code",
            Intent::Online => "activating online",
            Intent::Phone => "activating by telephone",
            Intent::InternetAccess => "internet access for an instance",
            Intent::Compare => "how the activation methods compare",
            Intent::Methods => "the ways to activate",
            Intent::Policy => "why the provider does not activate BYOL images",
            Intent::ExistingKms => "using a KMS host you already run",
            Intent::Slmgr => "an slmgr option",
            _ => "something else",
        }
    }
}

/// The understanding of one message.
#[derive(Debug, Clone)]
pub struct Understanding {
    /// The chosen intent.
    pub intent: Intent,
    /// Its probability (1.0 for exact patterns).
    pub confidence: f32,
    /// The runner-up on-topic intent, when close.
    pub alternative: Option<(Intent, f32)>,
    /// What the user told us.
    pub slots: Slots,
    /// The message asks about prices or buying.
    pub priced: bool,
}

impl Understanding {
    /// Sets the intent a rule decided on: at least fairly sure (0.6), with no runner-up.
    pub fn reroute(&mut self, intent: Intent) {
        self.intent = intent;
        self.confidence = self.confidence.max(0.6);
        self.alternative = None;
    }
}

/// The trained language model of the knowledge base.
#[derive(Debug)]
pub struct Nlu {
    classifier: Classifier,
}

/// The training utterances, embedded.
pub const TRAINING: &str = include_str!("../../data/intents.toml");

/// The classifier `build.rs` trained on [`TRAINING`].
const MODEL: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/classifier.bin"));

use crate::text::{rx_folded, Folded};

/// The last question of a long message of several sentences ("... What are the actual steps
/// I need to do on the VM?"), when there is one.
fn final_question(text: &str) -> Option<&str> {
    const LONG: usize = 35;
    if text.split_whitespace().count() < LONG {
        return None;
    }
    let trimmed = text.trim_end();
    let end = trimmed.rfind('?')?;
    let start = trimmed[..end]
        .rfind(['.', '!', '?', '\n'])
        .map_or(0, |i| i + 1);
    let q = trimmed[start..=end].trim();
    // Only a real sentence, and only when it is not the whole message; a closing "can you
    // explain?" or "any ideas?" asks nothing of its own.
    (q.split_whitespace().count() >= 3 && start > 0 && !GENERIC_TAIL.is_match(q)).then_some(q)
}

/// A closing question that only asks for an answer ("can you explain?", "any ideas?").
static GENERIC_TAIL: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)^\s*(so\s+|and\s+)?((can|could|would)\s+(you|u|someone|anyone)\s+(please\s+)?(explain|help|advise|assist)(\s+(me|us))?(\s+(please|pls))?|any\s+(ideas?|thoughts|suggestions|advice|help)|(what\s+do\s+you\s+(think|suggest|recommend)))\s*[?!.]*\s*$",
    )
});
/// Greeting words, English and the few other languages users greet in ("hola", "konnichiwa").
const GREET_WORDS: &str = r"(hi|hello|hey|hiya|howdy|good\s+(morning|afternoon|evening)|greetings|hola|hallo|bonjour|salut|ciao|ol[aá]|oi|namaste|konn?ichiwa|servus|moin|guten\s+(morgen|tag)|buen[oa]s(\s+(d[ií]as|tardes))?|bom\s+dia)";

static GREETING: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(&format!(
        r"(?i)^\s*({GREET_WORDS}|yo|sup|morning)(\s+(there|all|everyone|team|bot|kmsbot|folks))?\s*[!.?]*\s*$",
    ))
});
static THANKS: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)^\s*(thanks?(\s+you)?|thx|ty|tysm|cheers|many\s+thanks|thank\s+u|much\s+appreciated|appreciate\s+it|great|perfect|awesome|cool|nice|(muito\s+)?obrigad[oa]|(muchas\s+)?gracias|merci(\s+beaucoup)?|danke(\s+sch[oö]n)?|grazie(\s+mille)?|arigat[oō]u?|dhanyavaa?d|dank\s+je(\s+wel)?|valeu)\b[^?]{0,100}$",
    )
});
/// Thanks must actually say thanks when the message goes on ("great, that fixed it").
static THANKS_WORD: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(thanks?|thx|ty|tysm|cheers|appreciated?|saved|worked|fixed|solved|obrigad[oa]|gracias|merci|danke|grazie|arigat[oō]u?|dhanyavaa?d|dank|valeu)\b",
    )
});
static GREETING_LOOSE: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(&format!(
        r"(?i)^\s*({GREET_WORDS}|yo|sup)\b[\s,!.]*(there|all|everyone|team|bot|kmsbot|folks)?[\s,!.]*((are\s+)?(you|u)\s+(there|alive|around|awake|up|online)|anyone\s+(there|around|home)|how\s+are\s+(you|u)|how'?s\s+it\s+going|tudo\s+bem|como\s+est[aá]s?|qu[eé]\s+tal|[cç]a\s+va|wie\s+geht'?s)?\s*[!.?]*\s*$",
    ))
});
/// A greeting that goes on to ask whether the bot can help, and nothing more specific
/// ("Hello, good morning. You are able to help me with something?").
static GREETING_HELP: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(&format!(
        r"(?i)^\s*{GREET_WORDS}\b[^?]{{0,60}}?\b(help|assist|question|ask\s+(you\s+)?something|are\s+you\s+(there|around|a\s+bot))\b(\s+(me|us))?(\s+(with|on)\s+(something|a\s+(thing|question|problem)|some\w*))?\s*(please|pls)?\s*[!.?]*\s*$",
    ))
});
/// A greeting followed by a short remark about the user, with no question ("hello there,
/// first time using this").
static GREETING_REMARK: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(&format!(
        r"(?i)^\s*{GREET_WORDS}\b(\s+(there|all|everyone|team|bot|kmsbot|folks))?[\s,!.]+(i('?m|\s+am)\s+new(\s+(here|in\s+(this|the)\s+\w+|to\s+(this|the)(\s+\w+)?))?|new\s+here|first\s+time(\s+(here|using\s+(this|you|the\s+bot)|with\s+(this|you)))?|just\s+(testing|trying(\s+(this|you))?(\s+out)?|saying\s+hi)|nice\s+to\s+meet\s+you|testing)[\s!.]*$",
    ))
});
static ACK: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*((ok(ay)?|k|kk|cool|alright|fine|yes|yeah)[\s,]*)?(ok(ay)?|k|kk|cool|got\s+it|great|nice|alright|sure|bye|goodbye|see\s+ya|see\s+you|noted|roger|perfect|fine|yes|no|yep|nope|yeah|np|sounds\s+good|(i\s+)?understand|understood|i\s+see|makes\s+sense|clear|all\s+clear|will\s+do|(i\s+)?get\s+it|copy(\s+that)?)\s*[!.]*\s*$",
    )
});
static MORE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)^\s*(more|tell\s+me\s+more|show\s+(me\s+)?more|continue|go\s+on|the\s+rest|rest\s+please|more\s+please)\s*[!.?]*\s*$",
    )
});
static PRICE: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)(?:\$|€|£)\s?\d|\b\d+\s?(usd|eur|dollars?|euros?|bucks)\b|\b(ebay|grey\s+market|gray\s+market|key\s+resellers?)\b|\b(cost|costs|price|prices|pricing|how\s+much\s+(is|does|are|for)|buy|purchase|cheap|cheaper|cheapest|discount|discounts|quote|reseller|resellers|sell|(have|need|got)\s+to\s+pay\s+(for|anything|money|extra|more)|(have|need|got)\s+to\s+pay\s*[?.!]*$|pay\s+(for\s+)?(the\s+|a\s+)?(gvlks?|keys?|licen[cs]es?))\b",
    )
});

/// More machines bought ("we can't just buy more servers"): machines, not a licence's price.
static MACHINES_BOUGHT: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(buy|purchase)\s+(more|extra|additional)\s+(servers|vms|machines|computers|boxes|instances|hardware)\b",
    )
});

/// Licences bought already ("we bought them from a reseller", "we already own the keys").
static ALREADY_BOUGHT: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(r"(?i)\b(bought|purchased|already\s+(have|own|bought|purchased|paid))\b")
});
/// The reseller as the one who said or did something ("our reseller says it's in the portal",
/// "my reseller isn't helpful"): a character of the story, not a purchase.
static RESELLER_SAID: LazyLock<Matcher> = LazyLock::new(|| {
    rx_match(
        r"(?i)\b(our|my|the)\s+(reseller|vendor|partner)\s+(says|said|told|tells|isn'?t|is\s+not|wasn'?t|gave|sent|set|recommended|suggested|claims|insists)\b",
    )
});
static PRICE_STRONG: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(r"(?i)\b(cost|costs|price|prices|pricing|how\s+much|cheap|cheaper|sell|pay)\b")
});
static BUY_WHAT_IS_NEEDED: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(kms\s+host|host\s+key|csvlk|own\s+kms|kms\s+server)\b.*\b(buy|purchase)|\b(buy|purchase)\b.*\b(kms\s+host|host\s+key|csvlk|own\s+kms|kms\s+server)\b",
    )
});

/// "What do I need to buy?": which licence or key is needed, not a price.
static WHAT_TO_BUY: LazyLock<Folded> = LazyLock::new(|| {
    rx_folded(
        r"(?i)\b(what|which)\b.{0,40}\b(do|should|must|would|will)\s+(i|we)\s+(need\s+to\s+|have\s+to\s+)?(buy|purchase|order|get)\b|\b(what|which)\s+(licen[cs]es?|keys?)\s+(do|should|must|would)\s+(i|we)\s+(need|buy|purchase|get)\b",
    )
});

/// Compiles the patterns of understanding (`crate::warm_up`): this module's in the reverse of
/// the order `Nlu::understand` needs them, then those of `dli`, `slots` and the edition and
/// error-code recognizers.
pub(crate) fn warm_up() {
    let patterns: &[&dyn crate::text::WarmUp] = &[
        &THANKS_WORD,
        &MACHINES_BOUGHT,
        &PRICE_STRONG,
        &RESELLER_SAID,
        &ALREADY_BOUGHT,
        &ACK,
        &THANKS,
        &GREETING_REMARK,
        &GREETING_HELP,
        &GREETING_LOOSE,
        &GREETING,
        &MORE,
        &GENERIC_TAIL,
        &WHAT_TO_BUY,
        &PRICE,
        &BUY_WHAT_IS_NEEDED,
    ];
    for pattern in patterns {
        pattern.warm_up();
    }
    dli::warm_up();
    slots::warm_up();
    gloss::warm_up();
}

impl Nlu {
    /// The classifier trained at build time on the embedded utterances.
    pub fn build() -> Result<Nlu, KbError> {
        let classifier = Classifier::from_bytes(MODEL).ok_or_else(|| KbError::Table {
            file: "data/intents.toml".into(),
            line: 1,
            message: "the intent classifier built from this file is unreadable".into(),
        })?;
        Self::checked(classifier)
    }

    /// Trains the classifier on the embedded utterances, as `build.rs` does (for tests).
    pub fn train() -> Result<Nlu, KbError> {
        Self::checked(Classifier::train(&training::examples(TRAINING)?))
    }

    /// The model's bytes (for tests: the embedded model must be the trained one).
    pub fn model_bytes(&self) -> Vec<u8> {
        self.classifier.to_bytes()
    }

    fn checked(classifier: Classifier) -> Result<Nlu, KbError> {
        if let Some(label) = classifier
            .labels()
            .find(|l| Intent::from_label(l).is_none())
        {
            return Err(KbError::Table {
                file: "data/intents.toml".into(),
                line: crate::facts::line_of(TRAINING, &format!("[intent.{label}]")),
                message: format!("unknown intent `{label}`"),
            });
        }
        Ok(Nlu { classifier })
    }

    /// Understands one message.
    pub fn understand(&self, text: &str) -> Understanding {
        let slots = slots::extract(text);
        let lower = text.to_lowercase();
        // "Bring my own licence or is it included in the price?" is about the provider's
        // licensing model, not a price to quote.
        // "Buy" alone may ask what is needed ("do I need to buy a KMS host key?"): that is a
        // question about host keys, not a price to quote.
        let needs_a_host_key = (BUY_WHAT_IS_NEEDED.is_match(text) || WHAT_TO_BUY.is_match(text))
            && !PRICE_STRONG.is_match(text);
        // "We bought licences from a reseller, how do we activate them?" is about activating
        // what they already have.
        let already_bought = ALREADY_BOUGHT.is_match(text)
            // "... where do I type the key?": putting in a key they have.
            && (lower.contains("activat")
                || (lower.contains("key")
                    && ["type", "enter", "put", "install", "insert"]
                        .iter()
                        .any(|w| lower.contains(w))))
            && !PRICE_STRONG.is_match(text);
        let priced = PRICE.is_match(text)
            && !needs_a_host_key
            // "we can't just buy more servers": machines, not a licence's price.
            && (!MACHINES_BOUGHT.is_match(text) || PRICE_STRONG.is_match(text))
            && (!RESELLER_SAID.is_match(&lower) || PRICE_STRONG.is_match(text))
            && !already_bought
            && !lower.contains("free")
            // "I never bought a licence, why does it say it expires?" tells what they did not
            // do; it asks no price.
            && ![
                "didn't buy",
                "did not buy",
                "never bought",
                "haven't bought",
                "have not bought",
                "didn't purchase",
                "did not purchase",
                "never purchased",
            ]
            .iter()
            .any(|w| lower.contains(w))
            && ![
                "bring",
                "byol",
                "own licen",
                "own win",
                "included",
                "include",
            ]
            .iter()
            .any(|w| lower.contains(w));
        let exact = |intent| Understanding {
            intent,
            confidence: 1.0,
            alternative: None,
            slots: slots.clone(),
            priced,
        };
        if MORE.is_match(text) {
            return exact(Intent::More);
        }
        if GREETING.is_match(text)
            || GREETING_LOOSE.is_match(text)
            || GREETING_HELP.is_match(text)
            || GREETING_REMARK.is_match(text)
        {
            return exact(Intent::Greet);
        }
        let has_slots = !slots.editions.is_empty() || slots.error.is_some() || slots.host.is_some();
        if THANKS.is_match(text) && THANKS_WORD.is_match(text) && !has_slots {
            return exact(Intent::Thanks);
        }
        if ACK.is_match(text) {
            return exact(Intent::Ack);
        }
        if slots.dli.is_some() {
            return exact(Intent::Diagnose);
        }
        let masked = mask(text, &slots);
        let feats = utterance(&masked, &slot_features(&slots));
        let ranked = self.classifier.predict(&feats);
        let mut ranked: Vec<(Intent, f32)> = ranked
            .into_iter()
            .filter_map(|(l, p)| Intent::from_label(l).map(|i| (i, p)))
            .collect();
        // A long story usually ends with its question: it weighs as much as the whole.
        if let Some(last) = final_question(&masked) {
            let feats = utterance(last, &slot_features(&slots));
            let last_ranked = self.classifier.predict(&feats);
            for (i, p) in &mut ranked {
                let q = last_ranked
                    .iter()
                    .find(|(l, _)| Intent::from_label(l) == Some(*i))
                    .map_or(0.0, |(_, q)| *q);
                *p = 0.5 * *p + 0.5 * q;
            }
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        }
        // A price question is never answered with a key.
        if priced {
            if let Some(none) = ranked.iter().position(|(i, _)| *i == Intent::None) {
                let n = ranked.remove(none);
                ranked.insert(0, (Intent::None, n.1.max(0.9)));
            }
        }
        let (intent, confidence) = ranked.first().copied().unwrap_or((Intent::None, 0.0));
        let alternative = ranked
            .iter()
            .skip(1)
            .find(|(i, _)| *i != Intent::None && !i.is_small_talk())
            .copied();
        Understanding {
            intent,
            confidence,
            alternative,
            slots,
            priced,
        }
    }

    /// Features in the trained vocabulary (for benchmarks and `kb check`).
    pub fn vocabulary_size(&self) -> usize {
        self.classifier.vocabulary_size()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_classifier_is_the_one_training_gives() {
        let embedded = Nlu::build().expect("the embedded classifier reads");
        let trained = Nlu::train().expect("the utterances train");
        assert!(
            embedded.model_bytes() == trained.model_bytes(),
            "build.rs's classifier differs from training at run time"
        );
    }
}
