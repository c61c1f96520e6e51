//! In-memory tantivy index over passages (article sections, error codes, slmgr options, KMS facts) with synonyms and fuzzy terms.

use std::collections::{HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, Value, STORED, TEXT};
use tantivy::{doc, Index, IndexReader, ReloadPolicy, TantivyDocument, Term};

use crate::text::{edit_distance, index_text, tokens};
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
    /// Document frequency of each token.
    df: HashMap<String, usize>,
    /// Vocabulary grouped by token length, for typo resolution.
    by_len: HashMap<usize, Vec<String>>,
}

impl std::fmt::Debug for Retriever {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Retriever")
            .field("passages", &self.passages.len())
            .finish()
    }
}

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
        let index = Index::create_in_ram(sb.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000).map_err(ix)?;
        let mut passage_tokens = Vec::with_capacity(passages.len());
        let question_tokens: Vec<Vec<HashSet<String>>> = passages
            .iter()
            .map(|p| {
                p.questions
                    .iter()
                    .map(|q| tokens(q, false).into_iter().collect())
                    .collect()
            })
            .collect();
        let mut df: HashMap<String, usize> = HashMap::new();
        for (pid, p) in passages.iter().enumerate() {
            let title = index_text(&format!("{} {}", p.index_title, p.section));
            let body = index_text(&format!("{} {}", strip_links(&p.text), p.keywords));
            let questions = index_text(&p.questions.join(" . "));
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
        writer.commit().map_err(ix)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(ix)?;
        let mut by_len: HashMap<usize, Vec<String>> = HashMap::new();
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
            df,
            by_len,
        })
    }

    /// Inverse document frequency of a known token.
    pub fn idf(&self, token: &str) -> Option<f32> {
        let n = self.passages.len() as f32;
        self.df.get(token).map(|df| (1.0 + n / *df as f32).ln())
    }

    /// Maps a query token to a vocabulary token: itself, or a term within edit distance 1
    /// for tokens of 5 or more characters (the most frequent such term wins).
    pub fn resolve(&self, token: &str) -> Option<String> {
        if self.df.contains_key(token) {
            return Some(token.to_string());
        }
        if token.len() < 5 || token.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut best: Option<(&String, usize)> = None;
        for len in (token.len() - 1).max(5)..=token.len() + 1 {
            for cand in self.by_len.get(&len).map(Vec::as_slice).unwrap_or(&[]) {
                if edit_distance(token, cand, 1) <= 1 {
                    let df = self.df.get(cand).copied().unwrap_or(0);
                    if best.is_none_or(|(_, bdf)| df > bdf) {
                        best = Some((cand, df));
                    }
                }
            }
        }
        best.map(|(t, _)| t.clone())
    }

    /// BM25 search: top `limit` passages as (pid, score).
    pub fn search(&self, query_tokens: &[String], limit: usize) -> Vec<(usize, f32)> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Only typos that have a neighbour in the vocabulary get a (costly) fuzzy query.
        let fuzzy_ok: HashSet<&str> = query_tokens
            .iter()
            .filter(|t: &&String| {
                let s: &str = t;
                !self.df.contains_key(s) && self.resolve(s).is_some()
            })
            .map(String::as_str)
            .collect();
        for t in query_tokens {
            let known = self.df.contains_key(t);
            for (field, boost) in [
                (self.f_title, 2.0f32),
                (self.f_questions, 1.5),
                (self.f_body, 1.0),
            ] {
                let term = Term::from_field_text(field, t);
                let q: Box<dyn Query> = if known {
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
                } else if t.len() >= 5 && fuzzy_ok.contains(t.as_str()) {
                    Box::new(FuzzyTermQuery::new(term, 1, true))
                } else {
                    continue;
                };
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
                let d: TantivyDocument = searcher.doc(addr).ok()?;
                let pid = d.get_first(self.f_pid).and_then(|v| v.as_u64())?;
                Some((pid as usize, score))
            })
            .collect()
    }
}

/// Normalised, de-duplicated content tokens of a question.
pub fn query_tokens(question: &str) -> Vec<String> {
    let mut seen = HashSet::new();
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
