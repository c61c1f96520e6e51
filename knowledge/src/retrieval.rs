//! In-memory tantivy index over passages (article sections, error codes, slmgr options, KMS facts) with synonyms and fuzzy terms.

// Fx hashing: these maps and sets are looked up for every word of every question, keyed by
// the knowledge base's own words (no outside input chooses the keys of a long-lived map).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use tantivy::collector::TopDocs;
use tantivy::directory::RamDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, Value, STORED, TEXT};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::text::{edit_distance, index_text, synonym_variants, tokens};
use crate::KbError;

/// A unit of retrieval with what is needed to answer from it.
#[derive(Debug, Clone)]
pub struct Passage {
    /// Source title (article title or table name).
    pub title: String,
    /// Source section (section heading, error code, option...).
    pub section: String,
    /// Answer body (Markdown).
    pub text: String,
    /// Words searched in addition to the text (title weight).
    pub index_title: String,
    /// Example questions this passage answers.
    pub questions: Vec<String>,
    /// Extra keywords.
    pub keywords: String,
    /// Connectivity offer tag (`kms-firewall` / `internet-access`).
    pub offer: Option<String>,
    /// Error code when the passage is an error entry.
    pub error: Option<String>,
    /// Steps from another section of the same article, appended when this section has no commands.
    pub steps: Option<(String, String)>,
    /// True for sections of an operator's own articles (`kb import`, `[knowledge] extra_dir`).
    pub operator: bool,
}

/// The built index plus the vocabulary statistics used for confidence.
pub struct Retriever {
    reader: IndexReader,
    f_title: Field,
    f_body: Field,
    f_questions: Field,
    f_pid: Field,
    /// Passages, indexed by `pid`.
    pub passages: Vec<Passage>,
    /// Normalised token set of each passage.
    pub passage_tokens: Vec<HashSet<String>>,
    /// Token sets of each passage's example questions.
    pub question_tokens: Vec<Vec<HashSet<String>>>,
    /// Sum of the idf of each example question's tokens (same shape as `question_tokens`).
    pub question_weights: Vec<Vec<f32>>,
    /// Document frequency of each token.
    df: HashMap<String, usize>,
    /// Vocabulary grouped by token length, for typo resolution.
    by_len: HashMap<usize, Vec<String>>,
    /// Inflected vocabulary words and the vocabulary word they are indexed as.
    merge: HashMap<String, String>,
    /// True when the index is one segment whose doc ids equal the pids (checked at build),
    /// so that search needs no stored-document fetch.
    doc_id_is_pid: bool,
}

impl std::fmt::Debug for Retriever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retriever")
            .field("passages", &self.passages.len())
            .finish()
    }
}

/// Memory for the index being written (tantivy sizes its term hash table from it).
const WRITER_BUDGET: usize = 2_000_000;

fn ix(e: tantivy::TantivyError) -> KbError {
    KbError::Index(e.to_string())
}

impl Retriever {
    /// Builds the RAM index.
    pub fn build(passages: Vec<Passage>) -> Result<Retriever, KbError> {
        let mut sb = Schema::builder();
        let f_title = sb.add_text_field("title", TEXT);
        let f_body = sb.add_text_field("body", TEXT);
        let f_questions = sb.add_text_field("questions", TEXT);
        let f_pid = sb.add_u64_field("pid", STORED);
        // One segment written on this thread: `IndexWriter` starts worker and merge threads and
        // takes at least 15 MB (a 4 MB hash table written in full), where the few hundred
        // passages need well under 1 MB.
        let mut writer = Index::builder()
            .schema(sb.build())
            .single_segment_index_writer(RamDirectory::create(), WRITER_BUDGET)
            .map_err(ix)?;
        // Normalised text of each passage's fields.
        let fields: Vec<[String; 3]> = passages
            .iter()
            .map(|p| {
                [
                    index_text(&format!("{} {}", p.index_title, p.section)),
                    index_text(&format!("{} {}", strip_links(&p.text), p.keywords)),
                    index_text(&p.questions.join(" . ")),
                ]
            })
            .collect();
        // Inflections of words that are also in the vocabulary are indexed as that word
        // ("listening" → "listen", "enabled" → "enable"), so either form finds both.
        let vocab: HashSet<&str> = fields
            .iter()
            .flat_map(|f| f.iter().flat_map(|t| t.split(' ')))
            .filter(|t| !t.is_empty())
            .collect();
        let merge: HashMap<String, String> = vocab
            .iter()
            .filter_map(|w| {
                base_forms(w)
                    .into_iter()
                    .find(|b| vocab.contains(b.as_str()))
                    .map(|b| (w.to_string(), b))
            })
            .collect();
        let map = |text: &str| -> String {
            text.split(' ')
                .map(|t| merge.get(t).map(String::as_str).unwrap_or(t))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let question_tokens: Vec<Vec<HashSet<String>>> = passages
            .iter()
            .map(|p| {
                p.questions
                    .iter()
                    .map(|q| {
                        tokens(q, false)
                            .into_iter()
                            .map(|t| merge.get(&t).cloned().unwrap_or(t))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let mut passage_tokens = Vec::with_capacity(passages.len());
        let mut df: HashMap<String, usize> = HashMap::default();
        for (pid, [title, body, questions]) in fields.iter().enumerate() {
            let (title, body, questions) = (map(title), map(body), map(questions));
            let set: HashSet<String> = title
                .split(' ')
                .chain(body.split(' '))
                .chain(questions.split(' '))
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect();
            for t in &set {
                *df.entry(t.clone()).or_default() += 1;
            }
            passage_tokens.push(set);
            writer
                .add_document(doc!(
                    f_title => title,
                    f_body => body,
                    f_questions => questions,
                    f_pid => pid as u64,
                ))
                .map_err(ix)?;
        }
        let index = writer.finalize().map_err(ix)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(ix)?;
        let doc_id_is_pid = {
            let searcher = reader.searcher();
            searcher.segment_readers().len() == 1
                && searcher.num_docs() as usize == passages.len()
                && (0..passages.len()).all(|pid| {
                    searcher
                        .doc::<TantivyDocument>(tantivy::DocAddress::new(0, pid as u32))
                        .ok()
                        .and_then(|d| d.get_first(f_pid).and_then(|v| v.as_u64()))
                        == Some(pid as u64)
                })
        };
        let n = passages.len() as f32;
        let question_weights = question_tokens
            .iter()
            .map(|qs| {
                qs.iter()
                    .map(|q| {
                        q.iter()
                            .filter_map(|t| df.get(t).map(|d| (1.0 + n / *d as f32).ln()))
                            .sum()
                    })
                    .collect()
            })
            .collect();
        let mut by_len: HashMap<usize, Vec<String>> = HashMap::default();
        for t in df.keys() {
            by_len.entry(t.len()).or_default().push(t.clone());
        }
        Ok(Retriever {
            reader,
            f_title,
            f_body,
            f_questions,
            f_pid,
            passages,
            passage_tokens,
            question_tokens,
            question_weights,
            df,
            by_len,
            merge,
            doc_id_is_pid,
        })
    }

    /// Inverse document frequency of a known token.
    pub fn idf(&self, token: &str) -> Option<f32> {
        let n = self.passages.len() as f32;
        self.df.get(token).map(|df| (1.0 + n / *df as f32).ln())
    }

    /// Largest inverse document frequency: the weight of a word that occurs in one passage.
    pub fn max_idf(&self) -> f32 {
        (1.0 + self.passages.len() as f32).ln()
    }

    /// Maps a query token to a vocabulary token: itself; else an inflection of a vocabulary
    /// word ("listening" → "listen", "changing" → "change"); else, for tokens of 5 or more
    /// characters, a vocabulary word or synonym variant within edit distance 1 (the most
    /// frequent such term wins).
    pub fn resolve(&self, token: &str) -> Option<Resolved> {
        if let Some(base) = self.merge.get(token) {
            return Some(Resolved::Exact(base.clone()));
        }
        if self.df.contains_key(token) {
            return Some(Resolved::Exact(token.to_string()));
        }
        if token.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        if let Some(v) = self.inflection(token) {
            return Some(Resolved::Inflection(v));
        }
        if token.len() < 5 {
            return None;
        }
        let mut best: Option<(&String, usize)> = None;
        let mut consider = |target: &str| {
            if let Some((k, df)) = self.df.get_key_value(target) {
                if best.is_none_or(|(_, bdf)| *df > bdf) {
                    best = Some((k, *df));
                }
            }
        };
        for len in (token.len() - 1).max(5)..=token.len() + 1 {
            for cand in self.by_len.get(&len).map(Vec::as_slice).unwrap_or(&[]) {
                if edit_distance(token, cand, 1) <= 1 {
                    consider(cand);
                }
            }
        }
        // Misspelt synonyms ("phnoe" → "phone" → "telephone").
        for (variant, canon) in synonym_variants() {
            if variant.len() >= 5
                && variant.len().abs_diff(token.len()) <= 1
                && edit_distance(token, variant, 1) <= 1
            {
                consider(canon);
            }
        }
        best.map(|(t, _)| Resolved::Typo(t.clone()))
    }

    /// A vocabulary word that `token` is an inflection of (or the other way round).
    fn inflection(&self, token: &str) -> Option<String> {
        let root = token.strip_suffix('e').unwrap_or(token);
        let mut forms = base_forms(token);
        for suffix in ["ing", "ed", "es", "s"] {
            forms.push(format!("{token}{suffix}"));
            forms.push(format!("{root}{suffix}"));
        }
        forms
            .into_iter()
            .filter(|s| s != token)
            .filter_map(|s| {
                let s = self.merge.get(&s).cloned().unwrap_or(s);
                self.df.get(&s).map(|df| (s, *df))
            })
            .max_by_key(|(_, df)| *df)
            .map(|(s, _)| s)
    }

    /// BM25 search over resolved vocabulary tokens: top `limit` passages as (pid, score).
    pub fn search(&self, terms: &[&str], limit: usize) -> Vec<(usize, f32)> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in terms {
            for (field, boost) in [
                (self.f_title, 2.0f32),
                (self.f_questions, 1.5),
                (self.f_body, 1.0),
            ] {
                let term = Term::from_field_text(field, t);
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                clauses.push((Occur::Should, Box::new(BoostQuery::new(q, boost))));
            }
        }
        if clauses.is_empty() {
            return Vec::new();
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let Ok(hits) = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score()) else {
            return Vec::new();
        };
        hits.into_iter()
            .filter_map(|(score, addr)| {
                if self.doc_id_is_pid {
                    return Some((addr.doc_id as usize, score));
                }
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                let pid = d.get_first(self.f_pid).and_then(|v| v.as_u64())?;
                Some((pid as usize, score))
            })
            .collect()
    }
}

/// How a query token maps to the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The token itself is in the vocabulary.
    Exact(String),
    /// An inflection of the token is ("listening" → "listen").
    Inflection(String),
    /// A word one edit away is (a typo).
    Typo(String),
}

impl Resolved {
    /// The vocabulary term.
    pub fn term(&self) -> &str {
        match self {
            Resolved::Exact(t) | Resolved::Inflection(t) | Resolved::Typo(t) => t,
        }
    }
}

/// Possible base forms of an inflected word, most likely first: "listening" → "listen",
/// "enabled" → "enable", "running" → "run", "caches" → "cache".
fn base_forms(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    if word.len() < 5 || word.chars().any(|c| c.is_ascii_digit()) {
        return out;
    }
    for suffix in ["ing", "ed", "es"] {
        if let Some(base) = word.strip_suffix(suffix) {
            if base.len() >= 3 {
                out.push(base.to_string());
                out.push(format!("{base}e"));
                let b = base.as_bytes();
                if b.len() >= 4 && b[b.len() - 1] == b[b.len() - 2] {
                    out.push(base[..base.len() - 1].to_string());
                }
            }
        }
    }
    out
}

/// Normalised, de-duplicated content tokens of a question.
pub fn query_tokens(question: &str) -> Vec<String> {
    let mut seen = HashSet::default();
    tokens(question, false)
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .collect()
}

/// Drops the targets of `[text](kb:...)` references so that they are not indexed.
fn strip_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("](kb:") {
        out.push_str(&rest[..pos + 1]);
        let after = &rest[pos + 1..];
        rest = after.find(')').map(|end| &after[end + 1..]).unwrap_or("");
    }
    out.push_str(rest);
    out
}
