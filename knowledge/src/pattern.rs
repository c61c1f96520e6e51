//! Patterns that capture or find: regex-automata's meta regex on the text's bytes with Unicode off, behind the small part of the `regex` crate's interface the bot uses.
//!
//! Built by [`crate::text::rx`] for this crate's `LazyLock` statics, and by the bot's request
//! parser for its own. Compared with a
//! `regex::Regex`, a pattern here is compiled without Unicode (`\b`, `\s`, `\d` and `(?i)` are
//! ASCII's, `.` is one byte), without literal prefilters and without the one-pass DFA. The
//! questions are short, so a prefilter saves little per search, while building one (extracting
//! the pattern's literal sets, the reverse-inner search) was most of what compiling a
//! `regex::Regex` cost, and Unicode classes most of the rest: compiling the crate's capturing
//! patterns takes about a fifth of the time, which a process's first answer pays.
//!
//! On ASCII text, nearly every question, a pattern matches as its Unicode form does. Beyond
//! ASCII, a letter such as `é` is not a word character for `\b`, and a match or group that
//! would end inside a character is widened to the character's boundaries, so every
//! [`Match::as_str`] is a valid slice of the text.

use std::borrow::Cow;

use regex_automata::meta;
use regex_automata::util::{interpolate, syntax};
use regex_automata::PatternID;

/// A compiled pattern (see the module's documentation).
#[derive(Clone, Debug)]
pub struct Regex(meta::Regex);

impl Regex {
    /// Compiles one of the program's own patterns, with a lazy DFA cache of at most 256 KiB per
    /// thread.
    pub fn new(pattern: &str) -> Result<Regex, String> {
        Regex::with_cache_capacity(pattern, 256 * 1024)
    }

    /// Compiles `pattern`, its search caches bounded by `cache_capacity` bytes per thread.
    ///
    /// A pattern that Unicode-off syntax rejects (a class holding a range of characters beyond
    /// ASCII, such as the typographic dashes `[\u{2010}-\u{2015}]`) is compiled with Unicode on.
    pub fn with_cache_capacity(pattern: &str, cache_capacity: usize) -> Result<Regex, String> {
        let build = |unicode: bool| {
            meta::Regex::builder()
                .configure(
                    meta::Config::new()
                        .auto_prefilter(false)
                        .onepass(false)
                        .dfa(false)
                        // Empty matches never split a character (the text is a `&str`).
                        .utf8_empty(true)
                        .hybrid_cache_capacity(cache_capacity),
                )
                .syntax(syntax::Config::new().unicode(unicode).utf8(unicode))
                .build(pattern)
                .map_err(|e| match e.syntax_error() {
                    Some(syntax) => format!("{pattern}: {syntax}"),
                    None => format!("{pattern}: {e}"),
                })
        };
        build(false).or_else(|_| build(true)).map(Regex)
    }

    /// True when the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        self.0.is_match(text.as_bytes())
    }

    /// The leftmost-first match.
    pub fn find<'t>(&self, text: &'t str) -> Option<Match<'t>> {
        self.0
            .find(text.as_bytes())
            .map(|m| Match::new(text, m.start(), m.end()))
    }

    /// Every non-overlapping match, left to right.
    pub fn find_iter<'r, 't>(
        &'r self,
        text: &'t str,
    ) -> impl Iterator<Item = Match<'t>> + use<'r, 't> {
        self.0
            .find_iter(text.as_bytes())
            .map(move |m| Match::new(text, m.start(), m.end()))
    }

    /// The groups of the leftmost-first match.
    pub fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        let mut caps = self.0.create_captures();
        self.0.captures(text.as_bytes(), &mut caps);
        caps.is_match().then_some(Captures { text, caps })
    }

    /// The groups of every non-overlapping match, left to right.
    pub fn captures_iter<'r, 't>(
        &'r self,
        text: &'t str,
    ) -> impl Iterator<Item = Captures<'t>> + use<'r, 't> {
        self.0
            .captures_iter(text.as_bytes())
            .map(move |caps| Captures { text, caps })
    }

    /// The pieces of `text` between matches.
    pub fn split<'r, 't>(&'r self, text: &'t str) -> impl Iterator<Item = &'t str> + use<'r, 't> {
        self.0
            .split(text.as_bytes())
            .map(move |span| Match::new(text, span.start, span.end).as_str())
    }

    /// `text` with every match replaced: by a template (`$1`, `${name}`, `$$`) or by what a
    /// closure returns for the match's groups.
    pub fn replace_all<'t, R: Replacer>(&self, text: &'t str, rep: R) -> Cow<'t, str> {
        self.replacen(text, usize::MAX, rep)
    }

    /// `text` with its first match replaced, as [`Regex::replace_all`] replaces each.
    pub fn replace<'t, R: Replacer>(&self, text: &'t str, rep: R) -> Cow<'t, str> {
        self.replacen(text, 1, rep)
    }

    /// `text` with its first `limit` matches replaced.
    fn replacen<'t, R: Replacer>(&self, text: &'t str, limit: usize, mut rep: R) -> Cow<'t, str> {
        let mut out = String::new();
        let mut last = 0;
        let mut replaced = false;
        for caps in self.captures_iter(text).take(limit) {
            let Some(whole) = caps.get(0) else { continue };
            if whole.start() < last {
                // A match widened to a character's start can begin inside the previous
                // one's last character; that character is replaced once.
                continue;
            }
            out.push_str(&text[last..whole.start()]);
            rep.replace_append(&caps, &mut out);
            last = whole.end();
            replaced = true;
        }
        if !replaced {
            return Cow::Borrowed(text);
        }
        out.push_str(&text[last..]);
        Cow::Owned(out)
    }
}

/// Where a pattern or one of its groups matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match<'t> {
    text: &'t str,
    start: usize,
    end: usize,
}

impl<'t> Match<'t> {
    /// The match from `start` to `end` in `text`, widened to character boundaries.
    fn new(text: &'t str, mut start: usize, mut end: usize) -> Match<'t> {
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Match { text, start, end }
    }

    /// The matched text.
    pub fn as_str(&self) -> &'t str {
        &self.text[self.start..self.end]
    }

    /// Byte offset of the start.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Byte offset just past the end.
    pub fn end(&self) -> usize {
        self.end
    }
}

/// The groups of one match.
#[derive(Clone, Debug)]
pub struct Captures<'t> {
    text: &'t str,
    caps: regex_automata::util::captures::Captures,
}

impl<'t> Captures<'t> {
    /// Group `i` (0 is the whole match), if it took part in the match.
    pub fn get(&self, i: usize) -> Option<Match<'t>> {
        self.caps
            .get_group(i)
            .map(|s| Match::new(self.text, s.start, s.end))
    }

    /// The group named `name`, if it took part in the match.
    pub fn name(&self, name: &str) -> Option<Match<'t>> {
        self.caps
            .get_group_by_name(name)
            .map(|s| Match::new(self.text, s.start, s.end))
    }
}

impl std::ops::Index<usize> for Captures<'_> {
    type Output = str;

    /// Group `i`'s text. Panics when the group did not take part in the match, as indexing
    /// `regex::Captures` does: callers index only groups every match has.
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(m) => m.as_str(),
            None => panic!("group {i} did not take part in the match"),
        }
    }
}

impl std::ops::Index<&str> for Captures<'_> {
    type Output = str;

    /// The text of the group named `name`. Panics when it did not take part in the match, as
    /// indexing `regex::Captures` does: callers index only groups every match has.
    fn index(&self, name: &str) -> &str {
        match self.name(name) {
            Some(m) => m.as_str(),
            None => panic!("group {name} did not take part in the match"),
        }
    }
}

/// What replaces a match in [`Regex::replace_all`].
pub trait Replacer {
    /// Appends the replacement for the match with groups `caps` to `dst`.
    fn replace_append(&mut self, caps: &Captures<'_>, dst: &mut String);
}

impl Replacer for &str {
    fn replace_append(&mut self, caps: &Captures<'_>, dst: &mut String) {
        interpolate::string(
            self,
            |i, dst| {
                if let Some(m) = caps.get(i) {
                    dst.push_str(m.as_str());
                }
            },
            |name| caps.caps.group_info().to_index(PatternID::ZERO, name),
            dst,
        );
    }
}

impl<F, T> Replacer for F
where
    F: FnMut(&Captures<'_>) -> T,
    T: AsRef<str>,
{
    fn replace_append(&mut self, caps: &Captures<'_>, dst: &mut String) {
        dst.push_str(self(caps).as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(p: &str) -> Regex {
        Regex::new(p).expect("test pattern is valid")
    }

    #[test]
    fn captures_and_templates_work_as_the_regex_crate_does() {
        let r = re(r"(?i)\b(\d+)\s*(min|hour)s?\b");
        let c = r.captures("wait 30 Mins please").expect("matches");
        assert_eq!(&c[1], "30");
        assert_eq!(c.get(2).map(|m| m.as_str()), Some("Min"));
        assert_eq!(
            r.replace_all("5 hours or 30 mins", "<$2:${1}>"),
            "<hour:5> or <min:30>"
        );
        assert_eq!(
            r.replace_all("5 hours", |c: &Captures<'_>| c[1].repeat(2)),
            "55"
        );
        assert!(matches!(
            r.replace_all("nothing here", "x"),
            Cow::Borrowed(_)
        ));
        let named = re(r"port (?P<port>\d+)");
        assert_eq!(
            named.replace_all("on port 1688", "${port}/tcp"),
            "on 1688/tcp"
        );
        let m = named.find("on port 1688").expect("matches");
        assert_eq!((m.start(), m.end()), (3, 12));
        assert_eq!(
            re(r"[,;]\s*").split("a, b;c").collect::<Vec<_>>(),
            vec!["a", "b", "c"]
        );
        assert_eq!(re(r"\d+").find_iter("1 22 333").count(), 3);
    }

    #[test]
    fn matches_beyond_ascii_stay_on_character_boundaries() {
        // `.` is one byte: a match may end inside `é`; the slice is widened instead.
        let r = re(r"caf.");
        let m = r.find("un café noir").expect("matches");
        assert_eq!(m.as_str(), "café");
        assert_eq!(re(r"x*").replace_all("é", "-"), "-é-");
    }
}
