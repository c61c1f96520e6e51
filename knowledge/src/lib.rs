//! The knowledge base: activation articles, fact tables, recognizers and answers (pure, no I/O runtime).
//!
//! Build one [`KnowledgeBase`] at start-up with [`KnowledgeBase::builtin`] (or
//! [`KnowledgeBase::with_extra`] to add an operator's articles), share it through an `Arc`,
//! and call [`KnowledgeBase::answer`] for every question. Everything is embedded in the
//! binary; no file is read at run time unless the caller passes operator articles.
//!
//! ```
//! let kb = knowledge::KnowledgeBase::builtin().expect("built-in KB is valid");
//! let a = kb.answer("kms key for srv 2019 dc", None);
//! assert!(a.text.contains("WMDGN-G9PQG-XVVXX-R3X43-63DFG"));
//! let follow = kb.answer("and for standard?", a.context.as_ref());
//! assert!(follow.text.contains("N69G4-B89J2-4G8F4-WWYCC-J464C"));
//! assert!(kb.answer("what's the weather in Paris?", None).abstained);
//! ```

mod answer;
mod articles;
mod check;
mod compose;
mod editions;
mod facts;
pub mod nlu;
pub mod pattern;
mod prebuilt;
mod retrieval;
mod text;

use serde::{Deserialize, Serialize};
use std::sync::{Mutex, OnceLock};

pub use check::{check_builtin, check_dir, check_text, LintIssue};
pub use compose::MAX_LINES;
pub use editions::EditionMatch;
pub use facts::{
    builds, is_valid_product_key, normalize_error_code, BuildRow, ErrorInfo, Gvlk, KmsFact,
    SlmgrOption,
};
pub use nlu::Intent;

use articles::{parse_article, Article, BUILTIN_ARTICLES};
use facts::Tables;
use retrieval::{Passage, Retriever};

/// Compiles the regular expressions that understanding and answering use, which are otherwise
/// compiled by the answers that first need them (most by a process's first answer, tens of
/// milliseconds). For a thread of its own started with the process, while the knowledge base is
/// built: it goes through them in about the reverse of the order an answer needs them, so an
/// answer that starts meanwhile compiles the first ones itself while this thread compiles the
/// last (each is compiled once; an answer that needs one being compiled waits for it).
pub fn warm_up() {
    warm_up_build();
    compose::warm_up();
    answer::warm_up();
    nlu::warm_up();
}

/// Compiles what building the knowledge base needs (the tokenizer's patterns and word sets):
/// the first part of [`warm_up`], for a thread that has something else to do before the rest.
pub fn warm_up_build() {
    text::warm_up();
}

/// Errors while building the knowledge base.
#[derive(Debug, thiserror::Error)]
pub enum KbError {
    /// An article is malformed.
    #[error("{file}:{line}: {message}")]
    Article {
        /// Path of the article.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A fact table is malformed.
    #[error("{file}:{line}: {message}")]
    Table {
        /// Path of the table.
        file: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The search index could not be built.
    #[error("search index: {0}")]
    Index(String),
}

/// Where an answer came from: an article and section, or a fact table and entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Article title or fact table name.
    pub title: String,
    /// Section heading or table entry.
    pub section: String,
}

/// What the bot can offer to request on the user's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestOffer {
    /// A static cloud-firewall rule for tcp/1688 from the instances to a KMS host.
    KmsFirewall,
    /// Outbound internet access, for online activation or a KMS host.
    InternetAccess,
}

impl RequestOffer {
    fn parse(s: &str) -> Option<RequestOffer> {
        match s {
            "kms-firewall" => Some(RequestOffer::KmsFirewall),
            "internet-access" => Some(RequestOffer::InternetAccess),
            _ => None,
        }
    }
}

/// What a follow-up question in the same thread needs. The bot stores it as JSON per thread
/// and passes it back to [`KnowledgeBase::answer`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// Product family of the last edition discussed, e.g. "Windows Server 2019".
    #[serde(default)]
    pub family: Option<String>,
    /// Microsoft's name of the last edition discussed, e.g. "Windows Server 2019 Standard".
    #[serde(default)]
    pub edition: Option<String>,
    /// Last error code discussed, e.g. "0xC004F074".
    #[serde(default)]
    pub error: Option<String>,
    /// Last article section or table entry used.
    #[serde(default)]
    pub topic: Option<Source>,
    /// What the last question was about.
    #[serde(default)]
    pub intent: Option<Intent>,
    /// KMS host the user named in this thread.
    #[serde(default)]
    pub host: Option<String>,
    /// KMS port the user named in this thread.
    #[serde(default)]
    pub port: Option<u16>,
    /// The rest of a long answer, sent when the user says "more".
    #[serde(default)]
    pub more: Option<String>,
    /// The machine count the thread talked about ("we have 4 servers"), for "what if we add
    /// two more?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machines: Option<nlu::MachineCount>,
    /// The editions of the last answer that gave several keys, in the order named, for "the
    /// second one" or "same for 2022?".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editions: Vec<String>,
    /// The clients' network (or the instance) a firewall or internet-access request in this
    /// thread is for ("from 10.0.4.0/24").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
}

/// Values from the bot's configuration that fill in what a question leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerSettings {
    /// The tenant's KMS host (`[kms] host`), used in commands when the user names none.
    pub kms_host: Option<String>,
    /// The tenant's KMS port (`[kms] port`).
    pub kms_port: Option<u16>,
}

/// An answer to one question.
///
/// Serialises (for `kmsbot ask --json`) as
/// `{"answer": .., "abstained": .., "confidence": .., "sources": [{"title", "section"}]}`;
/// the bot adds `"question"`.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    /// Markdown: the direct answer first, then steps with commands in fenced code blocks,
    /// then a source line. When abstaining: says so, lists what it can help with and offers
    /// to file a request.
    #[serde(rename = "answer")]
    pub text: String,
    /// True when the knowledge base does not know.
    pub abstained: bool,
    /// Calibrated confidence, 0..1.
    pub confidence: f32,
    /// Where the answer came from.
    pub sources: Vec<Source>,
    /// Context to pass with the next question of the same thread.
    #[serde(skip)]
    pub context: Option<Context>,
    /// Set when the answer is about connectivity the bot can request for the user.
    #[serde(skip)]
    pub offer: Option<RequestOffer>,
    /// What the question was understood to be about (absent when abstaining or asking back).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intent: Option<Intent>,
}

/// The knowledge base: articles, fact tables and the in-memory search index.
///
/// `Send + Sync`; build it once and share it through an `Arc`.
#[derive(Debug)]
pub struct KnowledgeBase {
    tables: Tables,
    articles: Vec<Article>,
    /// The search index, built by the first answer that searches ([`KnowledgeBase::retriever`]):
    /// many answers need none (an edition's key, an error code), among them often a process's
    /// first, which building it at start delayed by several milliseconds.
    retriever: OnceLock<Result<Retriever, String>>,
    /// The passages to index, until the index takes them.
    passages: Mutex<Vec<Passage>>,
    passage_count: usize,
    nlu: nlu::Nlu,
    operator_articles: usize,
}

const GVLK_TABLE: &str = "KMS client setup keys (GVLK table)";
const ERROR_TABLE: &str = "Activation error codes";
const SLMGR_TABLE: &str = "slmgr options";
const KMS_TABLE: &str = "KMS facts";

impl KnowledgeBase {
    /// The built-in knowledge base: embedded articles and fact tables, validated. The search
    /// index is built in memory by the first answer that searches ([`Self::build_index`]).
    pub fn builtin() -> Result<KnowledgeBase, KbError> {
        Self::with_extra(Vec::new())
    }

    /// The built-in knowledge base plus operator articles, given as
    /// `(path used in messages, Markdown)`. Operator articles use front matter like the
    /// provider's guide (`layout`, `title`, `tags`, optional `questions`).
    pub fn with_extra(articles: Vec<(String, String)>) -> Result<KnowledgeBase, KbError> {
        let tables = embedded_tables()?;
        let mut parsed = Vec::new();
        for (path, text) in BUILTIN_ARTICLES {
            parsed.push(parse_article(path, text)?);
        }
        for (path, text) in &articles {
            let a = parse_article(path, text)?;
            if a.front.title.as_deref().is_none_or(str::is_empty) {
                return Err(KbError::Article {
                    file: path.clone(),
                    line: 1,
                    message: "front matter has no `title`".into(),
                });
            }
            parsed.push(a);
        }
        let builtin = BUILTIN_ARTICLES.len();
        let passages = build_passages(&parsed, &tables, builtin);
        // The classifier was trained at build time (build.rs): this only reads its weights.
        let nlu = nlu::Nlu::build()?;
        let kb = KnowledgeBase {
            tables,
            operator_articles: parsed.len() - builtin,
            articles: parsed,
            retriever: OnceLock::new(),
            passage_count: passages.len(),
            passages: Mutex::new(passages),
            nlu,
        };
        // An operator's articles are indexed now, so that a problem shows at start.
        if !articles.is_empty() {
            kb.build_index()?;
        }
        Ok(kb)
    }

    /// Answers a question. Pass the previous answer's `context` for a follow-up in the same
    /// thread. Never fails: outside activation it abstains, when unsure it asks back.
    pub fn answer(&self, question: &str, ctx: Option<&Context>) -> Answer {
        compose::answer(self, question, ctx, &AnswerSettings::default())
    }

    /// Answers a question with the tenant's configured values (KMS host and port) filling in
    /// what the question does not say.
    pub fn answer_with(
        &self,
        question: &str,
        ctx: Option<&Context>,
        settings: &AnswerSettings,
    ) -> Answer {
        compose::answer(self, question, ctx, settings)
    }

    /// What a message is understood to ask, with its slots (for routing in the bot).
    pub fn understand(&self, question: &str) -> nlu::Understanding {
        self.nlu.understand(question)
    }

    /// True when operator articles were added.
    pub fn has_operator_articles(&self) -> bool {
        self.operator_articles > 0
    }

    /// Looks up the GVLK for an edition written in any common spelling
    /// ("srv 2019 dc", "Win 10 pro", "2012 R2 Datacenter").
    pub fn gvlk(&self, edition: &str) -> EditionMatch<'_> {
        // Microsoft's exact edition name (or an older name of it) always finds its row.
        match self.tables.gvlks.iter().find(|g| g.is_named(edition)) {
            Some(g) => EditionMatch::Exact(g),
            None => editions::lookup(&self.tables.gvlks, &editions::parse(edition)),
        }
    }

    /// The edition name closest to a misspelt one ("Windows Server 2019 Standrd"), for
    /// "did you mean" messages; `None` when nothing is close.
    pub fn suggest_edition(&self, name: &str) -> Option<&str> {
        let want = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        self.tables
            .gvlks
            .iter()
            .map(|g| {
                let d = strsim::levenshtein(&want, &g.edition.to_lowercase());
                (d, g.edition.as_str())
            })
            .filter(|(d, _)| *d <= 4)
            .min_by_key(|(d, _)| *d)
            .map(|(_, e)| e)
    }

    /// Looks up an error code in any spelling ("0xC004F074", "c004f074", "error F074").
    pub fn error_info(&self, code: &str) -> Option<&ErrorInfo> {
        let c = normalize_error_code(code)?;
        self.tables.errors.iter().find(|e| e.code == c)
    }

    /// Every GVLK, in the order of Microsoft's table.
    pub fn gvlks(&self) -> &[Gvlk] {
        &self.tables.gvlks
    }

    /// Every error code entry.
    pub fn errors(&self) -> &[ErrorInfo] {
        &self.tables.errors
    }

    /// Every slmgr option entry.
    pub fn slmgr_options(&self) -> &[SlmgrOption] {
        &self.tables.slmgr
    }

    /// Number of indexed passages (article sections and table entries).
    pub fn passage_count(&self) -> usize {
        self.passage_count
    }

    /// Builds the search index unless it is built (the first answer that searches does it
    /// otherwise, and answers as if nothing matched if it fails); waits when another thread is
    /// building it.
    pub fn build_index(&self) -> Result<(), KbError> {
        match self.retriever() {
            Ok(_) => Ok(()),
            Err(e) => Err(KbError::Index(e.clone())),
        }
    }

    /// The search index, built on first use.
    pub(crate) fn retriever(&self) -> &Result<Retriever, String> {
        self.retriever.get_or_init(|| {
            // A thread that panicked holding the lock left the passages as they were.
            let passages = std::mem::take(
                &mut *self
                    .passages
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            Retriever::build(passages).map_err(|e| match e {
                KbError::Index(e) => e,
                e => e.to_string(),
            })
        })
    }

    /// Titles of all articles (built-in and operator).
    pub fn article_titles(&self) -> Vec<&str> {
        self.articles.iter().map(Article::title).collect()
    }
}

/// The fact tables as the build parsed and validated them from `data/*.toml` (build.rs): JSON
/// reads in a fraction of the time the TOML takes, and every start reads them.
fn embedded_tables() -> Result<Tables, KbError> {
    serde_json::from_slice(include_bytes!(concat!(env!("OUT_DIR"), "/tables.json"))).map_err(|e| {
        KbError::Table {
            file: "tables.json (built from data/*.toml)".into(),
            line: e.line(),
            message: e.to_string(),
        }
    })
}

/// Turns articles and tables into retrieval passages.
fn build_passages(articles: &[Article], tables: &Tables, builtin: usize) -> Vec<Passage> {
    let mut out = Vec::new();
    for (n, a) in articles.iter().enumerate() {
        let operator = n >= builtin;
        let title = a.title().to_string();
        let first = out.len();
        for s in &a.sections {
            out.push(Passage {
                title: title.clone(),
                section: s.heading.clone(),
                text: s.body.clone(),
                index_title: format!("{} {}", title, a.front.tags.join(" ")),
                questions: Vec::new(),
                keywords: String::new(),
                offer: a.front.offer.clone(),
                error: None,
                steps: None,
                operator,
            });
        }
        // Sections without commands borrow the article's first section with commands.
        let with_code = (first..out.len()).find(|i| out[*i].text.contains("```"));
        if let Some(j) = with_code {
            let (heading, text) = (out[j].section.clone(), out[j].text.clone());
            for p in out.iter_mut().skip(first) {
                if !p.text.contains("```") {
                    p.steps = Some((heading.clone(), text.clone()));
                }
            }
        }
        // Attach each example question to the section sharing most words with it. Each
        // section's words are worked out once for all of the article's questions.
        let mut section_words: Option<Vec<std::collections::HashSet<String>>> = None;
        for (_, q) in &a.front.questions {
            // An explicit `#section-slug` suffix picks the section.
            if let Some((text_q, anchor)) = q.rsplit_once(" #") {
                if let Some(i) =
                    (first..out.len()).find(|i| text::slug(&out[*i].section) == anchor.trim())
                {
                    out[i].questions.push(text_q.trim().to_string());
                    continue;
                }
            }
            let qt: std::collections::HashSet<String> =
                text::tokens(q, false).into_iter().collect();
            let words = section_words.get_or_insert_with(|| {
                out[first..]
                    .iter()
                    .map(|p| {
                        text::tokens(&format!("{} {}", p.section, p.text), false)
                            .into_iter()
                            .collect()
                    })
                    .collect()
            });
            let best = (first..out.len()).max_by_key(|i| {
                // Earlier sections win ties (max_by_key keeps the last maximum, so negate index).
                (qt.intersection(&words[*i - first]).count(), usize::MAX - *i)
            });
            if let Some(i) = best {
                out[i].questions.push(q.clone());
            }
        }
    }
    for e in &tables.errors {
        out.push(Passage {
            title: ERROR_TABLE.into(),
            section: e.code.clone(),
            text: answer::error_text(e),
            index_title: format!("{} {} error", e.code, e.title),
            questions: Vec::new(),
            keywords: format!("{} {}", e.keywords, e.meaning),
            offer: e.offer.clone(),
            error: Some(e.code.clone()),
            steps: None,
            operator: false,
        });
    }
    for o in &tables.slmgr {
        out.push(Passage {
            title: SLMGR_TABLE.into(),
            section: format!("slmgr {}", o.option),
            text: answer::slmgr_text(o),
            index_title: format!("slmgr {} {}", o.option.trim_start_matches('/'), o.keywords),
            questions: Vec::new(),
            keywords: o.keywords.clone(),
            offer: None,
            error: None,
            steps: None,
            operator: false,
        });
    }
    for f in tables.kms.iter().filter(|f| f.search) {
        out.push(Passage {
            title: KMS_TABLE.into(),
            section: f.title.clone(),
            text: f.text.trim().to_string(),
            index_title: f.title.clone(),
            questions: f.questions.clone(),
            keywords: f.keywords.clone(),
            offer: if f.id == "port" {
                Some("kms-firewall".into())
            } else {
                None
            },
            error: None,
            steps: None,
            operator: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `warm_up` compiles every module-level pattern of these files: a new one must be listed
    /// in its file's `warm_up`, or the first answer that needs it compiles it.
    #[test]
    fn warm_up_lists_every_pattern() {
        for (file, src) in [
            ("text.rs", include_str!("text.rs")),
            ("compose.rs", include_str!("compose.rs")),
            ("compose/newcomer.rs", include_str!("compose/newcomer.rs")),
            (
                "compose/request_thread.rs",
                include_str!("compose/request_thread.rs"),
            ),
            ("compose/port_told.rs", include_str!("compose/port_told.rs")),
            (
                "compose/asked_plainly.rs",
                include_str!("compose/asked_plainly.rs"),
            ),
            (
                "compose/codes_and_options.rs",
                include_str!("compose/codes_and_options.rs"),
            ),
            ("answer.rs", include_str!("answer.rs")),
            ("nlu/mod.rs", include_str!("nlu/mod.rs")),
            ("nlu/slots.rs", include_str!("nlu/slots.rs")),
            ("nlu/dli.rs", include_str!("nlu/dli.rs")),
        ] {
            let body = src
                .split("fn warm_up() {")
                .nth(1)
                .and_then(|b| b.split("\n}\n").next())
                .unwrap_or_else(|| panic!("{file} has a warm_up function"));
            let statics: Vec<&str> = src
                .lines()
                .filter(|l| l.starts_with("static ") && l.contains(": LazyLock<"))
                .filter_map(|l| l["static ".len()..].split(':').next())
                .collect();
            assert!(!statics.is_empty(), "{file} has patterns");
            for name in statics {
                assert!(
                    body.contains(&format!("&{name},")) || body.contains(&format!("&{name})")),
                    "{file}: `{name}` is missing from warm_up"
                );
            }
        }
        warm_up();
    }

    /// What the build embedded is what the TOML files say today.
    #[test]
    fn embedded_tables_are_the_files() {
        let embedded = embedded_tables().expect("embedded tables read");
        let files = Tables::builtin().expect("tables parse and validate");
        assert!(
            embedded == files,
            "the embedded tables differ from data/*.toml"
        );
    }

    #[test]
    fn send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<KnowledgeBase>();
    }

    #[test]
    fn suggests_the_nearest_edition() {
        let kb = KnowledgeBase::builtin().expect("builtin");
        assert_eq!(
            kb.suggest_edition("Windows Server 2019 Standrd"),
            Some("Windows Server 2019 Standard")
        );
        assert_eq!(kb.suggest_edition("Ubuntu 22.04"), None);
    }

    #[test]
    fn builds() {
        let kb = KnowledgeBase::builtin().expect("builtin");
        kb.build_index().expect("index");
        assert!(kb.passage_count() > 40);
        assert!(kb.error_info("error F074").is_some());
    }
}
