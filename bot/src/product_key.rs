//! Product keys, in one place: finding them in text, validating one, and redacting them.
//!
//! A key is five groups of five letters or digits. People write them in any case, with
//! ASCII or Unicode dashes (`‐ ‑ ‒ – — ― − ﹘ ﹣ －`), with spaces around the dashes, or with
//! spaces alone; all of these are found. Groups separated by spaces alone count only when every
//! character is from the product-key alphabet (`BCDFGHJKMNPQRTVWXY2346789`), so five ordinary
//! words are not mistaken for a key. Every key is handled in its canonical form:
//! upper case, ASCII dashes (`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`).

use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// What a redacted key is shown as.
pub const REDACTED: &str = "[redacted]";

/// Dashes people (and word processors) put between key groups.
const DASHES: &str =
    r"\-\x{2010}\x{2011}\x{2012}\x{2013}\x{2014}\x{2015}\x{2212}\x{FE58}\x{FE63}\x{FF0D}";

/// Groups joined by a dash (optionally with spaces around it).
static DASHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b[a-z0-9]{{5}}(?:[ \t]*[{DASHES}][ \t]*[a-z0-9]{{5}}){{4}}\b"
    ))
    .expect("static regex is valid")
});

/// Groups joined by spaces only, from the product-key alphabet.
static SPACED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[bcdfghjkmnpqrtvwxy2346789]{5}(?:[ \t]+[bcdfghjkmnpqrtvwxy2346789]{5}){4}\b")
        .expect("static regex is valid")
});

/// Compiles the patterns [`find`] uses on every chat message, for the warm-up thread `kmsbot
/// chat` starts first thing.
pub fn warm_up() {
    LazyLock::force(&DASHED);
    LazyLock::force(&SPACED);
}

/// A product key in canonical form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ProductKey(String);

impl ProductKey {
    /// The whole of `text` as a key (any case, dashes or spaces as above), or `None`.
    pub fn parse(text: &str) -> Option<ProductKey> {
        let text = text.trim();
        find(text)
            .into_iter()
            .next()
            .filter(|(range, _)| range.start == 0 && range.end == text.len())
            .map(|(_, key)| key)
    }

    /// The canonical form, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn canonical(matched: &str) -> ProductKey {
        let groups: Vec<String> = matched
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|g| !g.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        ProductKey(groups.join("-"))
    }
}

/// Never prints the key itself: a key found in text may be a private one.
impl fmt::Debug for ProductKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProductKey([redacted])")
    }
}

/// Every key in `text`: where it is (byte range) and its canonical form, in order.
pub fn find(text: &str) -> Vec<(Range<usize>, ProductKey)> {
    let mut found: Vec<(Range<usize>, ProductKey)> = DASHED
        .find_iter(text)
        .map(|m| (m.range(), ProductKey::canonical(m.as_str())))
        .collect();
    for m in SPACED.find_iter(text) {
        if !found
            .iter()
            .any(|(r, _)| r.start < m.end() && m.start() < r.end)
        {
            found.push((m.range(), ProductKey::canonical(m.as_str())));
        }
    }
    found.sort_by_key(|(r, _)| r.start);
    found
}

/// `text` with every key replaced by `[redacted]`, except the keys in `allowed` (Microsoft's
/// published GVLKs, in canonical form).
pub fn redact(text: &str, allowed: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, key) in find(text) {
        if allowed.contains(&key.as_str()) {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(REDACTED);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const GVLK: &str = "WMDGN-G9PQG-XVVXX-R3X43-63DFG";

    #[test]
    fn every_spelling_is_found_in_canonical_form() {
        for text in [
            "key WMDGN-G9PQG-XVVXX-R3X43-63DFG here",
            "key wmdgn-g9pqg-xvvxx-r3x43-63dfg here",
            "key WMDGN – G9PQG – XVVXX – R3X43 – 63DFG here",
            "key WMDGN‑G9PQG‑XVVXX‑R3X43‑63DFG here",
            "key WMDGN—G9PQG—XVVXX—R3X43—63DFG here",
            "key WMDGN－G9PQG－XVVXX－R3X43－63DFG here",
            "key WMDGN G9PQG XVVXX R3X43 63DFG here",
            "key wmdgn g9pqg xvvxx r3x43 63dfg here",
        ] {
            let found = find(text);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].1.as_str(), GVLK, "{text}");
        }
    }

    #[test]
    fn ordinary_text_is_not_a_key() {
        assert!(find("hello world there about those words").is_empty());
        assert!(find("ABCDE-FGHIJ-KLMNO-PQRST").is_empty(), "four groups");
        assert!(
            find("ABCDEF-FGHIJ-KLMNO-PQRST-UVWXY").is_empty(),
            "six in a group"
        );
        assert!(find("run slmgr /dli").is_empty());
    }

    #[test]
    fn parse_takes_the_whole_text_only() {
        assert_eq!(
            ProductKey::parse(" wmdgn-g9pqg-xvvxx-r3x43-63dfg\n")
                .unwrap()
                .as_str(),
            GVLK
        );
        assert!(ProductKey::parse("x WMDGN-G9PQG-XVVXX-R3X43-63DFG").is_none());
        assert!(ProductKey::parse("WMDGN-G9PQG").is_none());
        assert!(!format!("{:?}", ProductKey::parse(GVLK).unwrap()).contains("WMDGN"));
    }

    #[test]
    fn redaction_sees_every_spelling_and_keeps_allowed_keys() {
        let text = "a ABCDE-FGHIJ-KLMNO-PQRST-UVWXY b abcde–fghij–klmno–pqrst–uvwxy c WMDGN-G9PQG-XVVXX-R3X43-63DFG d BCDFG HJKMN PQRTV WXY23 46789 é";
        assert_eq!(
            redact(text, &[GVLK]),
            "a [redacted] b [redacted] c WMDGN-G9PQG-XVVXX-R3X43-63DFG d [redacted] é"
        );
        assert_eq!(
            redact("wmdgn-g9pqg-xvvxx-r3x43-63dfg", &[GVLK]),
            "wmdgn-g9pqg-xvvxx-r3x43-63dfg"
        );
    }
}
