//! Text normalisation shared by indexing and querying: tokens, stop words, synonyms and light stemming.

// Fx hashing: the stop-word and synonym sets are looked up for every word of every message.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::pattern::Regex;
use regex_automata::nfa::thompson;
use regex_automata::util::{pool::Pool, syntax};
use regex_automata::{hybrid, Input};
use std::sync::{LazyLock, OnceLock};

/// A regex from a pattern written in this crate's source, for `LazyLock` statics that capture
/// or find: a [`Regex`] of this crate's [`crate::pattern`], on bytes with Unicode off.
///
/// `\w` outside brackets is written `(?-u:\w)` (an ASCII word character), which the Unicode-off
/// syntax makes of it anyway; a pattern that Unicode-off syntax rejects falls back to Unicode
/// (see [`Regex::new`]), and there `\w` stays ASCII's: the patterns use it for the endings of
/// English words (`activat\w*`, `licen[cs]\w*`). Case-insensitive patterns asked only whether
/// they match are [`Folded`] instead.
pub(crate) fn rx(pattern: &str) -> Regex {
    build(&ascii_word_class(pattern))
}

/// The lazy DFA cache each pattern may fill per thread that uses it. A process that had answered
/// the 3,487 questions of the dev sets on one thread held 153 MB; with the groups of [`Folded`]
/// patterns made non-capturing 103 MB, and with this limit instead of the crate's 2 MiB 78 MB,
/// in the same time (1.05-1.10 s; 64 KiB: 61 MB but 1.45-1.51 s). Patterns with bounded
/// windows like `.{0,60}` make many states; a full cache is cleared and refilled.
const DFA_CACHE_LIMIT: usize = 256 * 1024;

/// Compiles one of this crate's patterns with the bounded cache.
fn build(pattern: &str) -> Regex {
    // The patterns are literals in this crate, covered by its tests: invalid is a bug.
    match Regex::with_cache_capacity(pattern, DFA_CACHE_LIMIT) {
        Ok(re) => re,
        Err(e) => panic!("static regex is valid: {e}"),
    }
}

/// A case-insensitive pattern (`(?i)`) for `LazyLock` statics that are only asked whether they
/// match: [`Folded::is_match`] lower-cases the text's letters that fold with ASCII ones
/// ([`fold_case`]) and matches it with the pattern written without `(?i)`, which must then have
/// no upper-case letters of its own (its escapes aside).
///
/// The same answers as the pattern with `(?i)` on the text as written, and it compiles in about
/// two thirds of the time: under `(?i)` every letter is a class (`[Kk\u{212A}]` for `k`),
/// which makes the compiler's literal sets and prefilters several times larger and, for the
/// `k` and `s` in nearly every pattern, builds a UTF-8 automaton with a fresh 400 KB table per
/// pattern. The one difference: a Kelvin sign or long s right after an ASCII word class
/// (`activat(?-u:\w)*`, see [`rx`]) now continues the word, as its letter does.
///
/// It runs as a [`Matcher`] does.
pub(crate) struct Folded(Matcher);

impl Folded {
    /// True when the pattern matches somewhere in `text`, letter case aside.
    pub(crate) fn is_match(&self, text: &str) -> bool {
        // An answer asks hundreds of patterns about text that is mostly lower-case ASCII
        // already: a byte scan settles that before the scan by characters.
        let bytes = text.as_bytes();
        if bytes.is_ascii() && !bytes.iter().any(u8::is_ascii_uppercase) {
            return self.0.matches(bytes);
        }
        if !text.contains(folds_to_ascii) {
            return self.0.is_match(text);
        }
        // An answer asks a hundred patterns about the same text: fold it once per thread.
        LAST_FOLDED.with(|last| {
            let mut last = last.borrow_mut();
            let (original, folded) = &mut *last;
            if original != text {
                original.clear();
                original.push_str(text);
                *folded = fold_case(text).into_owned();
            }
            self.0.is_match(folded)
        })
    }
}

thread_local! {
    /// The last text [`Folded::is_match`] folded on this thread, and its folded form.
    static LAST_FOLDED: std::cell::RefCell<(String, String)> =
        const { std::cell::RefCell::new((String::new(), String::new())) };
}

/// Letters that fold with ASCII ones: `A`-`Z`, the KELVIN SIGN U+212A and the LATIN SMALL
/// LETTER LONG S U+017F (the only two others).
fn folds_to_ascii(c: char) -> bool {
    c.is_ascii_uppercase() || c == '\u{212A}' || c == '\u{17F}'
}

/// A pattern static, compiled by the `warm_up` functions before an answer needs it.
pub(crate) trait WarmUp {
    /// Compiles the pattern unless it is compiled already.
    fn warm_up(&self);
}

impl WarmUp for std::sync::LazyLock<Regex> {
    fn warm_up(&self) {
        std::sync::LazyLock::force(self);
    }
}

// A gated pattern (see `Engine::Gated`) is left uncompiled by the warm-up: it is compiled by
// the first text that holds one of its literals, so a process compiles only the patterns its
// messages can match.
impl WarmUp for std::sync::LazyLock<Matcher> {
    fn warm_up(&self) {
        std::sync::LazyLock::force(self);
    }
}

impl WarmUp for std::sync::LazyLock<Folded> {
    fn warm_up(&self) {
        std::sync::LazyLock::force(self);
    }
}

/// A [`Folded`] from a pattern that starts with `(?i)` or `(?im)`, written in lower case.
pub(crate) fn rx_folded(pattern: &str) -> Folded {
    Folded(Matcher::new(&folded_source(pattern)))
}

/// What a [`Folded`] pattern compiles as a [`Matcher`]: without `(?i)`, its groups
/// non-capturing (the build script prebuilds these, see [`Matcher`]).
pub(crate) fn folded_source(pattern: &str) -> String {
    let pattern = ascii_word_class(pattern);
    // The patterns are literals in this crate, covered by its tests (`warm_up` builds them all):
    // one that does not start with `(?i)`, or has an upper-case letter, is a bug.
    let unflagged = match (pattern.strip_prefix("(?i)"), pattern.strip_prefix("(?im)")) {
        (Some(rest), _) => rest.to_string(),
        (None, Some(rest)) => format!("(?m){rest}"),
        (None, None) => panic!("a folded pattern starts with (?i): {pattern}"),
    };
    // Letters other than ASCII would need their own case folding (`ö` matches `Ö` with `(?i)`).
    assert!(
        !without_escapes(&unflagged).contains(|c: char| c.is_ascii_uppercase()
            || (!c.is_ascii() && (c.is_lowercase() || c.is_uppercase()))),
        "a folded pattern has ASCII lower-case letters only: {pattern}"
    );
    // Matched on bytes with Unicode off (`.`, `\s`, `\b` are ASCII ones), see [`Folded`].
    without_groups(&unflagged)
}

/// A pattern for `LazyLock` statics that are only asked whether they match, its letter case as
/// written, its groups made non-capturing.
///
/// It runs on the text's bytes with Unicode off: `.` is one byte rather than a UTF-8 automaton
/// of several states (a window such as `.{0,60}` is 60 states, not hundreds), and `\s`, `\d`,
/// `\b` and `(?i)` are ASCII's. The automata are smaller and compile faster, and so are each
/// thread's search caches, which hold two sets sized by the states. Answering the 3,532 dev-set
/// questions on one thread held at most 80 MB with [`Regex`] patterns and 65 MB with these,
/// with the same answer to every question. On ASCII text, nearly every question, it matches
/// as the Unicode pattern does. Other text is matched with its accented letters written as
/// ASCII ones ([`ascii_letter`]: `clé` as `cle`, so a class such as `cl[eé]` needs its ASCII
/// letter); there a window counts bytes, not characters, and `\b` sees a letter it does not
/// know (`я`) as a non-word character.
///
/// Whether a pattern matches needs only a forward search, so a `Matcher` is regex-automata's
/// forward lazy DFA alone: none of the reverse automaton, literal prefilters and other engines
/// that a `regex::bytes::Regex` builds to find where a match starts and ends. Compiling these
/// patterns takes about half the instructions it took as `Regex`es (the warm-up of all patterns
/// 707 → 477 million in all), one search cache per thread instead of two holds less memory (the
/// dev sets answered on one thread: 61 → 54 MB at most), and answers cost the same (1,656 →
/// 1,683 million instructions for 400 of them, every answer the same).
///
/// A pattern written as a literal whose full DFA is small (about half of them) is not compiled
/// at all: `build.rs` determinized it when the crate was built and the `Matcher` reads that DFA
/// in place from the binary ([`crate::prebuilt`]).
pub(crate) struct Matcher(Engine);

/// How a [`Matcher`] searches.
enum Engine {
    /// A full DFA that `build.rs` determinized when the crate was built, read in place from the
    /// binary ([`crate::prebuilt`]): nothing to compile at start, no states to build per search.
    Prebuilt {
        dfa: regex_automata::dfa::dense::DFA<&'static [u32]>,
        /// The pattern, for a search the DFA gives up on (see `Lazy::nfa`).
        source: &'static str,
    },
    /// A pattern too large to prebuild whose every match holds a literal of each of `gate`'s
    /// sets (`build.rs` found them): a text without one does not match, and the pattern is
    /// compiled (as `Lazy`) only when a text has them.
    Gated {
        gate: crate::prebuilt::Gate,
        source: &'static str,
        compiled: std::sync::OnceLock<Box<Matcher>>,
    },
    /// A pattern compiled at run time: too large to prebuild, or built from text assembled
    /// at run time.
    Lazy {
        /// The forward lazy DFA.
        dfa: hybrid::dfa::DFA,
        /// Each thread's search cache, as a `Regex` keeps them.
        caches: Pool<hybrid::dfa::Cache, CacheFn>,
        /// For a search the lazy DFA gives up on, which with these settings (no Unicode word
        /// boundary, no minimum of cache clearings) does not happen.
        nfa: thompson::NFA,
    },
}

/// Makes a search cache for a [`Matcher`]'s lazy DFA.
type CacheFn = Box<
    dyn Fn() -> hybrid::dfa::Cache
        + Send
        + Sync
        + std::panic::UnwindSafe
        + std::panic::RefUnwindSafe,
>;

/// The NFA compiler of every [`Matcher`], here and in the build script that prebuilds them:
/// bytes, Unicode off, no captures. `None` for a malformed pattern.
pub(crate) fn matcher_nfa(source: &str) -> Option<thompson::NFA> {
    thompson::Compiler::new()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .configure(
            thompson::Config::new()
                .which_captures(thompson::WhichCaptures::None)
                .utf8(false),
        )
        .build(source)
        .ok()
}

impl Matcher {
    /// The matcher of `source` ([`folded_source`], [`match_source`], or a pattern assembled at
    /// run time): the prebuilt DFA when the build script made one, else a lazy DFA.
    fn new(source: &str) -> Matcher {
        // A class with letters beyond ASCII (`[uü]`) needs Unicode; as an alternation it does
        // not (`(?:[u]|ü)`).
        let source = ascii_classes(source);
        if let Some((dfa, source)) = crate::prebuilt::dfa(&source) {
            return Matcher(Engine::Prebuilt { dfa, source });
        }
        if let Some((gate, source)) = crate::prebuilt::gate(&source) {
            return Matcher(Engine::Gated {
                gate,
                source,
                compiled: std::sync::OnceLock::new(),
            });
        }
        Matcher::lazy(&source)
    }

    /// The lazy DFA of `source`, whose classes are ASCII ([`ascii_classes`]).
    fn lazy(source: &str) -> Matcher {
        // The patterns are literals in this crate, covered by its tests (`warm_up` builds them
        // all).
        let nfa = matcher_nfa(source).expect("static regex is valid");
        let dfa = hybrid::dfa::Builder::new()
            .configure(hybrid::dfa::Config::new().cache_capacity(DFA_CACHE_LIMIT))
            .build_from_nfa(nfa.clone())
            .expect("static regex fits the lazy DFA's cache");
        let for_caches = dfa.clone();
        Matcher(Engine::Lazy {
            dfa,
            caches: Pool::new(Box::new(move || for_caches.create_cache())),
            nfa,
        })
    }

    /// True when the pattern matches somewhere in `bytes`.
    fn matches(&self, bytes: &[u8]) -> bool {
        use regex_automata::dfa::Automaton;
        let input = Input::new(bytes).earliest(true);
        let found = match &self.0 {
            Engine::Gated {
                gate,
                source,
                compiled,
            } => {
                // Once compiled, the DFA answers faster than the gate's literals would.
                if let Some(matcher) = compiled.get() {
                    return matcher.matches(bytes);
                }
                return gate_open(gate, bytes)
                    && compiled
                        .get_or_init(|| Box::new(Matcher::lazy(source)))
                        .matches(bytes);
            }
            Engine::Prebuilt { dfa, .. } => dfa.try_search_fwd(&input),
            Engine::Lazy { dfa, caches, .. } => dfa.try_search_fwd(&mut caches.get(), &input),
        };
        match found {
            Ok(found) => found.is_some(),
            Err(_) => {
                let nfa = match &self.0 {
                    Engine::Lazy { nfa, .. } => nfa.clone(),
                    // A gated pattern never gets here (its compiled matcher searched).
                    Engine::Prebuilt { source, .. } | Engine::Gated { source, .. } => {
                        matcher_nfa(source).expect("a pattern of this crate is valid")
                    }
                };
                let vm = thompson::pikevm::PikeVM::new_from_nfa(nfa)
                    .expect("a PikeVM builds from any NFA without Unicode word boundaries");
                vm.is_match(&mut vm.create_cache(), input)
            }
        }
    }

    /// True when the pattern matches somewhere in `text`; on text beyond ASCII, with its
    /// accented letters as ASCII ones ([`ascii_letter`]).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if text.is_ascii() {
            return self.matches(text.as_bytes());
        }
        // An answer asks a hundred patterns about the same text: fold it once per thread.
        LAST_UNACCENTED.with(|last| {
            let mut last = last.borrow_mut();
            let (original, unaccented) = &mut *last;
            if original != text {
                original.clear();
                original.push_str(text);
                unaccented.clear();
                unaccented.extend(text.chars().map(|c| ascii_letter(c).unwrap_or(c)));
            }
            self.matches(unaccented.as_bytes())
        })
    }
}

/// True when `bytes`, lower-cased (ASCII), hold a literal of each of a gate's sets (lower-case,
/// see `build.rs` `gate_literals`).
fn gate_open(gate: crate::prebuilt::Gate, bytes: &[u8]) -> bool {
    let holds = |text: &[u8]| {
        gate.iter().all(|set| {
            set.iter()
                .any(|literal| memchr::memmem::find(text, literal).is_some())
        })
    };
    if !bytes.iter().any(u8::is_ascii_uppercase) {
        return holds(bytes);
    }
    // An answer asks many gates about the same text: lower-case it once per thread.
    LAST_LOWERED.with(|last| {
        let mut last = last.borrow_mut();
        let (original, lowered) = &mut *last;
        if original != bytes {
            original.clear();
            original.extend_from_slice(bytes);
            lowered.clear();
            lowered.extend(bytes.iter().map(u8::to_ascii_lowercase));
        }
        holds(lowered)
    })
}

thread_local! {
    /// The last text with upper-case letters a gate was asked about on this thread, and its
    /// lower-case form ([`gate_open`]).
    static LAST_LOWERED: std::cell::RefCell<(Vec<u8>, Vec<u8>)> =
        const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
    /// The last text beyond ASCII [`Matcher::is_match`] asked about on this thread, and its
    /// form with ASCII letters.
    static LAST_UNACCENTED: std::cell::RefCell<(String, String)> =
        const { std::cell::RefCell::new((String::new(), String::new())) };
}

/// The lower-case ASCII letter an accented Latin letter is written with (`é`, `É` → `e`,
/// `ł` → `l`), and typographic quotes as ASCII ones (`’` → `'`); `None` for anything else.
///
/// [`Matcher`] patterns see text beyond ASCII through it: with Unicode off, `é` would not be a
/// word character for `\b` (`\bclé\b`, `\bça\s+va\b` would not match).
pub(crate) fn ascii_letter(c: char) -> Option<char> {
    if c.is_ascii() {
        return None;
    }
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' | 'ą' | 'ā' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ē' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' | 'ō' => 'o',
        'ś' | 'š' => 's',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        '\u{2018}' | '\u{2019}' => '\'',
        '\u{201C}' | '\u{201D}' => '"',
        _ => return None,
    })
}

/// A [`Matcher`] from a pattern written in this crate's source.
pub(crate) fn rx_match(pattern: &str) -> Matcher {
    Matcher::new(&match_source(pattern))
}

/// What an [`rx_match`] pattern compiles as a [`Matcher`]: its groups non-capturing.
pub(crate) fn match_source(pattern: &str) -> String {
    without_groups(&ascii_word_class(pattern))
}

/// `pattern` with each class that holds non-ASCII letters (`[uü]`) written as an alternation of
/// its ASCII part and those letters (`(?:[u]|ü)`). Negated and nested classes, and ranges of
/// non-ASCII letters, are left as they are.
pub(crate) fn ascii_classes(pattern: &str) -> std::borrow::Cow<'_, str> {
    if pattern.is_ascii() {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut rest = pattern;
    while let Some(i) = rest.find(['\\', '[']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(escaped) = tail.strip_prefix('\\') {
            // An escape and the character it escapes.
            let len = escaped.chars().next().map_or(1, |c| 1 + c.len_utf8());
            out.push_str(&tail[..len]);
            rest = &tail[len..];
            continue;
        }
        match simple_class(tail) {
            Some((len, ascii, others)) if !others.is_empty() => {
                out.push_str("(?:");
                if !ascii.is_empty() {
                    out.push('[');
                    out.push_str(&ascii);
                    out.push_str("]|");
                }
                let others: Vec<String> = others.iter().map(char::to_string).collect();
                out.push_str(&others.join("|"));
                out.push(')');
                rest = &tail[len..];
            }
            _ => {
                out.push('[');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// For a class at the start of `text` (`[...]`), not negated, not nested, with no range that
/// starts or ends with a non-ASCII character: its length in bytes, its ASCII part as written,
/// and its non-ASCII characters.
fn simple_class(text: &str) -> Option<(usize, String, Vec<char>)> {
    let body = text.strip_prefix('[')?;
    if body.starts_with('^') || body.starts_with(']') {
        return None;
    }
    let mut ascii = String::new();
    let mut others = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ']' => return Some((1 + i + 1, ascii, others)),
            '[' => return None,
            '\\' => {
                let (_, e) = chars.next()?;
                ascii.push('\\');
                ascii.push(e);
            }
            c if !c.is_ascii() => {
                // A range to or from it (`a-é`, `é-z`).
                let after_dash = ascii.len() > 1 && ascii.ends_with('-');
                if after_dash || chars.peek().is_some_and(|&(_, n)| n == '-') {
                    return None;
                }
                others.push(c);
            }
            c => ascii.push(c),
        }
    }
    None
}

/// `pattern` with its capturing groups made non-capturing (`(` → `(?:`): a [`Folded`] pattern
/// is only asked whether it matches, and each group costs every thread's search cache room per
/// state of the pattern.
fn without_groups(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    // Depth of bracketed classes (`[a-z[:digit:]]` nests).
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            }
            '[' => {
                depth += 1;
                open_class(&mut chars, &mut out);
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(c);
            }
            '(' if depth == 0 && chars.peek() != Some(&'?') => out.push_str("(?:"),
            _ => out.push(c),
        }
    }
    out
}

/// Writes a class's `[`, and its `^` and a literal `]` first in it, when there are.
fn open_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, out: &mut String) {
    out.push('[');
    // A `]` first in a class (after an optional `^`) is a literal.
    if chars.peek() == Some(&'^') {
        out.push('^');
        chars.next();
    }
    if chars.peek() == Some(&']') {
        out.push(']');
        chars.next();
    }
}

/// `pattern` without its escapes (`\S`, `\p{L}`) and group flags and names, whose letters are
/// not letters to match.
fn without_escapes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(e) = chars.next() {
                    if matches!(e, 'p' | 'P' | 'x' | 'u' | 'U') && chars.peek() == Some(&'{') {
                        chars.by_ref().find(|&c| c == '}');
                    }
                }
            }
            '(' if chars.peek() == Some(&'?') => {
                // `(?flags)`, `(?flags:`, `(?P<name>`: up to `:`, `)` or `>`.
                chars.by_ref().find(|&c| matches!(c, ':' | ')' | '>'));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` with the letters that fold with ASCII ones (`A`-`Z`, the KELVIN SIGN U+212A and the
/// LATIN SMALL LETTER LONG S U+017F, the only two others) in lower-case ASCII; borrowed when it
/// has none.
pub(crate) fn fold_case(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(folds_to_ascii) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\u{212A}' => 'k',
                '\u{17F}' => 's',
                c => c.to_ascii_lowercase(),
            })
            .collect(),
    )
}

/// `pattern` with each `\w` outside a bracketed class written `(?-u:\w)`.
fn ascii_word_class(pattern: &str) -> std::borrow::Cow<'_, str> {
    if !pattern.contains(r"\w") {
        return std::borrow::Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 64);
    let mut chars = pattern.chars().peekable();
    // Depth of bracketed classes (`[a-z[:digit:]]` nests).
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('w') if depth == 0 => out.push_str(r"(?-u:\w)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            },
            '[' => {
                depth += 1;
                open_class(&mut chars, &mut out);
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Multi-word phrases rewritten to one canonical token before tokenising.
/// Longer phrases come first so that they win over their own prefixes.
const PHRASES: &[(&str, &str)] = &[
    ("generic volume license key", " gvlk "),
    ("generic volume licence key", " gvlk "),
    ("kms client setup keys", " gvlk "),
    ("kms client setup key", " gvlk "),
    ("kms client product key", " gvlk "),
    ("kms client keys", " gvlk "),
    ("kms client key", " gvlk "),
    ("client setup keys", " gvlk "),
    ("client setup key", " gvlk "),
    ("product key for kms", " gvlk "),
    ("kms product key", " gvlk "),
    ("kms host key", " csvlk "),
    ("host key", " csvlk "),
    ("kms keys", " gvlk "),
    ("kms key", " gvlk "),
    ("setup key", " gvlk "),
    ("key management services", " kms "),
    ("key management service", " kms "),
    ("key management server", " kms "),
    ("multiple activation key", " mak "),
    ("software protection", " sppsvc "),
    ("software licensing service", " sppsvc "),
    ("tcp/1688", " tcp 1688 "),
    ("kms servers", " kms host "),
    ("kms server", " kms host "),
    ("windows servers", " windows "),
    ("windows server", " windows "),
    ("set up", " setup "),
    ("set-up", " setup "),
    ("time server", " timeserver "),
    ("time source", " timeserver "),
    ("ntp server", " timeserver "),
    ("data center", " datacenter "),
    ("phone number", " telephone "),
    ("by phone", " telephone "),
    ("installation id", " installationid "),
    ("install id", " installationid "),
    ("confirmation id", " confirmationid "),
    // "in the old days", "back in the 2008 R2 days", "these days": when, not how long.
    ("in the old days", " formerly "),
    ("in the good old days", " formerly "),
    ("back in the day", " formerly "),
    ("the old days", " formerly "),
    ("these days", " now "),
    ("nowadays", " now "),
    ("how many days", " how long days "),
    ("how many hours", " how long hours "),
    ("how many weeks", " how long weeks "),
    ("how many months", " how long months "),
    ("how many", " count "),
    ("number of", " count "),
    ("on prem", " premises "),
    ("on-prem", " premises "),
    ("outbound internet", " internet "),
    ("outbound access", " internet access "),
    ("outbound connectivity", " internet connectivity "),
    ("without any internet", " offline internet "),
    ("without internet", " offline internet "),
    ("no internet", " offline internet "),
    ("no outbound internet", " offline internet "),
    ("windows updates", " windowsupdate "),
    ("windows update", " windowsupdate "),
    ("how much is", " cost "),
    ("how much are", " cost "),
    ("how much does", " cost "),
    ("how much do", " cost "),
    ("air-gapped", " offline "),
    ("air gapped", " offline "),
    ("bring your own license", " byol "),
    ("bring your own licence", " byol "),
    ("bring-your-own-license", " byol "),
    ("bring-your-own-licence", " byol "),
    ("bring your own", " byol "),
    ("service provider use rights", " spur "),
];

/// Single-word synonyms, inflections and common misspellings: (canonical form, variants).
/// The canonical form itself needs no entry.
const SYNONYMS: &[(&str, &[&str])] = &[
    (
        "activ",
        &[
            "activate",
            "activated",
            "activates",
            "activating",
            "activation",
            "activations",
            "activator",
            "actvate",
            "activaton",
            "reactivate",
            "reactivation",
        ],
    ),
    (
        "license",
        &["licence", "licences", "licenses", "licensing", "licensed"],
    ),
    ("datacenter", &["datacentre", "dc"]),
    ("key", &["keys", "cdkey", "cdkeys"]),
    // The volume licence key of Windows XP and Server 2003; MAK and KMS replaced it.
    ("mak", &["vlk", "vlks"]),
    ("telephone", &["phone", "telephony", "call", "calling"]),
    ("firewall", &["firewalls", "fw"]),
    ("port", &["ports"]),
    (
        "instance",
        &[
            "vm",
            "vms",
            "instances",
            "box",
            "boxes",
            "machine",
            "machines",
            "node",
            "nodes",
        ],
    ),
    ("server", &["servers"]),
    (
        "client",
        &[
            "clients", "desktop", "desktops", "pc", "pcs", "laptop", "laptops",
        ],
    ),
    ("host", &["hosts", "hosting"]),
    (
        "sync",
        &[
            "synchronise",
            "synchronize",
            "synchronised",
            "synchronized",
            "synchronisation",
            "synchronization",
            "syncing",
            "resync",
            "resynchronize",
        ],
    ),
    ("time", &["clock", "clocks", "ntp"]),
    (
        "expir",
        &[
            "expire",
            "expires",
            "expired",
            "expiry",
            "expiration",
            "expiring",
        ],
    ),
    ("renew", &["renews", "renewal", "renewed", "renewing"]),
    ("threshold", &["thresholds", "minimum", "minimal", "min"]),
    (
        "validity",
        &["valid", "permanent", "permanently", "forever", "lifetime"],
    ),
    (
        "buy",
        &[
            "buying",
            "bought",
            "purchase",
            "purchased",
            "purchasing",
            "acquire",
            "obtain",
        ],
    ),
    (
        "premises",
        &["prem", "onprem", "premise", "onpremise", "onpremises"],
    ),
    ("error", &["errors"]),
    ("internet", &["online", "egress"]),
    ("support", &["ticket", "tickets", "helpdesk"]),
    (
        "need",
        &[
            "requirements",
            "require",
            "requires",
            "required",
            "prerequisite",
            "prerequisites",
        ],
    ),
    ("windows", &["win"]),
    ("standard", &["std", "stnd"]),
    ("gvlk", &["gvlks"]),
    (
        "setup",
        &[
            "configure",
            "configuring",
            "config",
            "create",
            "creating",
            "build",
            "building",
            "deploy",
            "deploying",
            "make",
            "making",
        ],
    ),
    (
        "set",
        &[
            "change",
            "changing",
            "modify",
            "modifying",
            "specify",
            "specifying",
        ],
    ),
    ("rule", &["rules"]),
    ("update", &["updates", "patch", "hotfix"]),
    ("status", &["check", "checking", "verify"]),
    (
        "choose",
        &[
            "choosing",
            "chose",
            "pick",
            "picking",
            "select",
            "selecting",
            "decide",
            "deciding",
            "choice",
        ],
    ),
    (
        "few",
        &[
            "1", "2", "3", "4", "two", "three", "four", "fewer", "less", "handful", "small",
        ],
    ),
    ("manual", &["manually", "hand"]),
];

fn synonym_map() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        SYNONYMS
            .iter()
            .flat_map(|(canon, variants)| variants.iter().map(move |v| (*v, *canon)))
            .collect()
    })
}

/// Every variant word that has a canonical form (for typo resolution against synonyms).
pub fn synonym_variants() -> impl Iterator<Item = (&'static str, &'static str)> {
    synonym_map().iter().map(|(v, c)| (*v, *c))
}

/// Single-word synonyms and inflections mapped to one canonical form.
fn canonical(word: &str) -> &str {
    synonym_map().get(word).copied().unwrap_or(word)
}

/// Words that carry no meaning for retrieval (English function words and chat filler).
const STOPWORDS: &str = "a an the and or but if then so of to in on at by for with from into onto about \
over under as is are was were be been being am do does did doing done have has had having can could \
should would will shall may might must i me my mine we us our you your yours he she it its they them \
their this that these those there here what which who whom whose when where why how whats hows \
not no yes please pls plz thanks thank thx hi hello hey hiya ok okay just also too very really quite \
any some all each every much many more most other another such than get gets got getting give tell \
know want wanted need needs needed like would i'm im ive i've it's dont don't doesnt doesn't cant \
can't cannot wont won't isnt isn't there's theres let lets let's one two use using used way ways \
help guys folks team anyone someone something thing things stuff able go going \
again still now currently new our ours own sure right exactly kind sort lot lots bit via per etc \
up down out off only even yet already ever both either neither";

fn stopwords() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| STOPWORDS.split_whitespace().collect())
}

/// True when `word` (already lower-cased) is a stop word.
pub fn is_stopword(word: &str) -> bool {
    stopwords().contains(word)
}

/// Rewrites negated mentions of KMS ("without kms", "no kms host", "we dont have a kms
/// server", "not using kms") to the single token `nokms`, so that they point at the
/// methods that need no KMS host instead of at KMS itself.
fn negate_kms(lower: &str) -> std::borrow::Cow<'_, str> {
    NEGATED_KMS.replace_all(lower, |c: &crate::pattern::Captures<'_>| {
        let m = c.get(0).map_or("", |m| m.as_str());
        let after = c.get(0).map_or("", |m| &lower[m.end()..]);
        if QUOTED_ERROR.is_match(after) {
            m.to_string()
        } else {
            " nokms ".to_string()
        }
    })
}

/// A negated mention of KMS, for [`negate_kms`].
static NEGATED_KMS: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"\b(?:without|w/o|no|not|dont\s+(?:have|use|want|need|run)|do\s+not\s+(?:have|use|want|need|run)|havent\s+got|instead\s+of|other\s+than|except|lack|lacking)\s+(?:(?:a|an|any|the|our|my|own|using|use|to\s+use|local|access\s+to)\s+)*kms(?:\s+(?:host|server|service|activation)s?)?\b",
    )
});

/// What follows "no KMS host" when it quotes an error message ("... could be contacted"): not
/// a negation.
static QUOTED_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    rx(
        r"^\s*(?:could|can|cannot|cant|was|were|found|contacted|reached|reachable|responded|responding|answered)\b",
    )
});

/// Joins a number to its time unit ("7 days" → "7days days"), so that "every 7 days" does
/// not match "Windows 7" plus "30 days" elsewhere.
fn join_durations(lower: &str) -> std::borrow::Cow<'_, str> {
    DURATION.replace_all(lower, " ${1}${2}s ${2}s ")
}

/// A number and its time unit, for [`join_durations`].
static DURATION: LazyLock<Regex> =
    LazyLock::new(|| rx(r"\b(\d+)\s*-?\s*(minute|hour|day|week|month|year)s?\b"));

/// Drops the version after "windows" ("windows 10" → "windows"): the edition recognizer
/// handles versions, and for retrieval "10" is not a quantity.
fn drop_client_versions(lower: &str) -> std::borrow::Cow<'_, str> {
    CLIENT_VERSION.replace_all(lower, " windows ")
}

/// "windows" and a client version, for [`drop_client_versions`].
static CLIENT_VERSION: LazyLock<Regex> =
    LazyLock::new(|| rx(r"\b(windows|win)\s*(?:7|8\.1|8|10|11|vista|xp)\b"));

/// Compiles the patterns every tokenization meets (building the knowledge base tokenizes
/// every passage, so these come first in [`crate::warm_up`]).
pub(crate) fn warm_up() {
    LazyLock::force(&NEGATED_KMS);
    LazyLock::force(&QUOTED_ERROR);
    LazyLock::force(&DURATION);
    LazyLock::force(&CLIENT_VERSION);
    stopwords();
    synonym_map();
    is_canonical("");
}

/// Applies the phrase synonyms to lower-cased text.
fn apply_phrases(lower: &str) -> String {
    // The rewrites only run when their trigger is present (they are on the answer hot path).
    let lower = if lower.contains("kms") {
        negate_kms(lower)
    } else {
        std::borrow::Cow::Borrowed(lower)
    };
    let has_digit = lower.bytes().any(|b| b.is_ascii_digit());
    let lower = if has_digit && lower.contains("win") {
        std::borrow::Cow::Owned(drop_client_versions(&lower).into_owned())
    } else {
        lower
    };
    let lower = if has_digit {
        std::borrow::Cow::Owned(join_durations(&lower).into_owned())
    } else {
        lower
    };
    let mut s = format!(" {lower} ");
    for (from, to) in PHRASES {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    s
}

/// True for canonical forms ("windows", "premises", "nokms"), which are never stemmed further.
fn is_canonical(word: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        SYNONYMS
            .iter()
            .map(|(c, _)| *c)
            .chain(["nokms", "gvlks"])
            .collect()
    })
    .contains(word)
}

/// Light stemmer: strips a plural `s` from longer words.
fn stem(word: &str) -> String {
    let w = canonical(word);
    if is_canonical(w) {
        return w.to_string();
    }
    if w.len() > 4
        && w.ends_with('s')
        && !w.ends_with("ss")
        && !w.ends_with("us")
        && !w.ends_with("is")
        && !w.chars().any(|c| c.is_ascii_digit())
    {
        let base = &w[..w.len() - 1];
        return canonical(base).to_string();
    }
    w.to_string()
}

/// Splits text into normalised tokens (lower case, synonyms applied, stemmed).
/// Stop words are kept when `keep_stopwords` is true.
pub fn tokens(text: &str, keep_stopwords: bool) -> Vec<String> {
    let lower = text.to_lowercase().replace(['\u{2019}', '\''], "");
    let phrased = apply_phrases(&lower);
    phrased
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| keep_stopwords || !is_stopword(w))
        .map(stem)
        .filter(|w| keep_stopwords || !is_stopword(w))
        .collect()
}

/// Normalised content tokens (no stop words), as a space-separated string for the index.
pub fn index_text(text: &str) -> String {
    tokens(text, false).join(" ")
}

/// Damerau-Levenshtein distance limited to small values (returns `max + 1` when larger).
pub fn edit_distance(a: &str, b: &str, max: usize) -> usize {
    // Vocabulary look-ups call this for many candidates per word: words in ASCII go without
    // allocating (same result, see the test).
    if a.is_ascii() && b.is_ascii() && a.len() <= SHORT && b.len() <= SHORT {
        return edit_distance_ascii(a.as_bytes(), b.as_bytes(), max);
    }
    edit_distance_chars(a, b, max)
}

/// Longest word [`edit_distance`] measures on the stack.
const SHORT: usize = 48;

/// [`edit_distance`] over ASCII bytes, with three rolling rows on the stack.
fn edit_distance_ascii(a: &[u8], b: &[u8], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut rows = [[0usize; SHORT + 1]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(m + 1) {
        *cell = j;
    }
    // Row i lives in rows[i % 3].
    for i in 1..=n {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
    }
    rows[n % 3][m]
}

fn edit_distance_chars(a: &str, b: &str, max: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        let mut row_min = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return max + 1;
        }
    }
    d[n][m]
}

/// Section slug used in references: lower case, non-alphanumerics collapsed to `-`.
pub fn slug(heading: &str) -> String {
    let mut out = String::new();
    for c in heading.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    /// Every prebuilt DFA answers as the lazy DFA of its pattern would, on every line of the
    /// question sets (ordinary questions, pasted output, other languages).
    #[test]
    fn prebuilt_dfas_match_as_lazy_ones_do() {
        let texts: Vec<&str> = [
            include_str!("../tests/dev.toml"),
            include_str!("../tests/dev28.toml"),
            include_str!("../tests/dev23.toml"),
            include_str!("../data/kms.toml"),
        ]
        .iter()
        .flat_map(|t| t.lines())
        .collect();
        let mut prebuilt = 0;
        for source in crate::prebuilt::patterns() {
            let fast = Matcher::new(source);
            assert!(matches!(fast.0, Engine::Prebuilt { .. }), "{source}");
            prebuilt += 1;
            let slow = Matcher::lazy(source);
            for text in &texts {
                let folded = fold_case(text);
                for t in [text, &*folded] {
                    assert_eq!(fast.is_match(t), slow.is_match(t), "{source} on {t}");
                }
            }
        }
        assert!(prebuilt > 50, "only {prebuilt} patterns prebuilt");
    }

    /// Every gated pattern answers as its lazy DFA does on every line of the question sets: a
    /// text without its literals never matches. And the gates leave most patterns uncompiled
    /// for a question that has none of their words.
    #[test]
    fn gated_patterns_match_as_lazy_ones_do() {
        let texts: Vec<&str> = [
            include_str!("../tests/dev.toml"),
            include_str!("../tests/dev28.toml"),
            include_str!("../tests/dev23.toml"),
            include_str!("../tests/dev34.toml"),
            include_str!("../tests/dev35.toml"),
            include_str!("../data/kms.toml"),
        ]
        .iter()
        .flat_map(|t| t.lines())
        .collect();
        let mut gated = 0;
        let mut left_uncompiled = 0;
        for (source, literals) in crate::prebuilt::gated() {
            let fast = Matcher::new(source);
            let Engine::Gated { compiled, .. } = &fast.0 else {
                panic!("{source} is not gated");
            };
            gated += 1;
            assert!(
                !literals.is_empty()
                    && literals
                        .iter()
                        .flat_map(|set| set.iter())
                        .all(|l| { l.len() >= 2 && !l.iter().any(u8::is_ascii_uppercase) }),
                "{source}: {literals:?}"
            );
            if !fast.is_match("srv 2019 dc") {
                left_uncompiled += usize::from(compiled.get().is_none());
            }
            let slow = Matcher::lazy(source);
            for text in &texts {
                let folded = fold_case(text);
                for t in [text, &*folded] {
                    assert_eq!(fast.is_match(t), slow.is_match(t), "{source} on {t}");
                }
            }
        }
        assert!(gated > 50, "only {gated} patterns gated");
        assert!(
            left_uncompiled * 10 > gated * 9,
            "{left_uncompiled} of {gated} gated patterns left uncompiled by a short question"
        );
    }

    #[test]
    fn classes_with_letters_beyond_ascii_become_alternations() {
        use super::ascii_classes;
        assert_eq!(ascii_classes(r"schl[uü]ssel"), r"schl(?:[u]|ü)ssel");
        assert_eq!(ascii_classes(r"cl[eé]s?\b"), r"cl(?:[e]|é)s?\b");
        assert_eq!(ascii_classes(r#"["'“‘]x"#), r#"(?:["']|“|‘)x"#);
        assert_eq!(ascii_classes(r"[“]"), r"(?:“)");
        // Left for the Unicode build: negated, a range, an escaped bracket before.
        assert_eq!(ascii_classes(r"[^ü]"), r"[^ü]");
        assert_eq!(ascii_classes(r"[a-é]"), r"[a-é]");
        assert_eq!(ascii_classes(r"[é-ü]"), r"[é-ü]");
        assert_eq!(ascii_classes(r"\[ü\]"), r"\[ü\]");
        assert_eq!(ascii_classes(r"[a-z]ö"), r"[a-z]ö");
    }

    #[test]
    fn a_matcher_matches_accented_words_through_their_ascii_letters() {
        let m = super::rx_match(r"(?i)\b(schl[uü]ssel|cl[eé]s?)\b.{0,20}\bgratis\b");
        assert!(m.is_match("Schlüssel für Windows gratis"));
        assert!(m.is_match("CLES GRATIS"));
        assert!(m.is_match("une clé gratis"));
        assert!(m.is_match("une CLÉ gratis"));
        assert!(!m.is_match("une cle payante"));
        assert!(super::rx_match(r"(?i)\b[cç]a\s+va\b").is_match("ça va ?"));
        assert!(super::rx_match(r"(?i)\bwhat'?s\b").is_match("what’s this"));
    }

    #[test]
    fn groups_become_non_capturing_and_nothing_else_changes() {
        use super::without_groups;
        assert_eq!(without_groups(r"(a|b)(?:c)(?i:d)"), r"(?:a|b)(?:c)(?i:d)");
        assert_eq!(without_groups(r"\(x\)[(][^)(]"), r"\(x\)[(][^)(]");
        assert_eq!(without_groups(r"[]()](y)"), r"[]()](?:y)");
        assert_eq!(without_groups(r"(?P<n>z)\\(w)"), r"(?P<n>z)\\(?:w)");
        assert_eq!(without_groups(r"[\]](v)"), r"[\]](?:v)");
        assert_eq!(without_groups(r"[a[:digit:](](u)"), r"[a[:digit:](](?:u)");
    }

    use super::*;

    #[test]
    fn word_class_is_ascii_outside_brackets() {
        assert_eq!(ascii_word_class(r"a\w*b"), r"a(?-u:\w)*b");
        assert_eq!(ascii_word_class(r"[\w-]\\w"), r"[\w-]\\w");
        assert_eq!(
            ascii_word_class(r"[^]\w][[:alpha:]\w]\w"),
            r"[^]\w][[:alpha:]\w](?-u:\w)"
        );
        assert_eq!(ascii_word_class(r"\s\b\d"), r"\s\b\d");
        let r = rx(r"(?i)\bcrack\w*\b");
        assert!(r.is_match("Cracked it") && r.is_match("crack"));
        // `\b` is ASCII's too (see `pattern`): `ó` is not a word character.
        assert!(r.is_match("crackó"));
    }

    #[test]
    fn synonyms_and_stopwords() {
        assert_eq!(
            tokens("What is the KMS client setup key?", false),
            vec!["gvlk"]
        );
        assert_eq!(
            tokens("Key Management Service activation", false),
            vec!["kms", "activ"]
        );
        assert_eq!(tokens("Activating VMs", false), vec!["activ", "instance"]);
        assert_eq!(tokens("Windows", false), vec!["windows"]);
        assert_eq!(
            tokens("can I activate without a KMS server?", false),
            vec!["activ", "nokms"]
        );
        assert_eq!(tokens("we don't have a kms host", false), vec!["nokms"]);
        assert_eq!(tokens("no kms", false), vec!["nokms"]);
        assert_eq!(
            tokens("no kms host could be contacted", false),
            vec!["kms", "host", "contacted"]
        );
        assert_eq!(
            tokens("kms without internet", false),
            vec!["kms", "offline", "internet"]
        );
        assert_eq!(tokens("how many days", false), vec!["long", "days"]);
        assert_eq!(
            tokens("renew every 7 days, windows 7", false),
            vec!["renew", "7days", "days", "windows"]
        );
        assert_eq!(tokens("how many servers", false), vec!["count", "server"]);
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("firewall", "firewal", 2), 1);
        assert_eq!(edit_distance("threshold", "thershold", 2), 1);
        assert_eq!(edit_distance("abc", "xyz", 1), 2);
    }

    #[test]
    fn edit_distance_on_ascii_matches_the_general_one() {
        // Every word of up to 5 letters over a small alphabet, against every other.
        let mut words = vec![String::new()];
        for len in 1..=5 {
            let mut next = Vec::new();
            for w in words.iter().filter(|w| w.len() == len - 1) {
                for c in ['a', 'b', 'c'] {
                    next.push(format!("{w}{c}"));
                }
            }
            words.extend(next);
        }
        for a in &words {
            for b in &words {
                for max in 0..=3 {
                    assert_eq!(
                        edit_distance_ascii(a.as_bytes(), b.as_bytes(), max),
                        edit_distance_chars(a, b, max),
                        "{a:?} {b:?} {max}"
                    );
                }
            }
        }
        let long = "x".repeat(SHORT);
        assert_eq!(edit_distance(&long, &format!("{long}y"), 1), 1);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("What you need"), "what-you-need");
        assert_eq!(slug("Validity and renewal"), "validity-and-renewal");
    }
}
