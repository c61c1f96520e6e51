//! The match-only patterns' DFAs that `build.rs` determinized when the crate was built, read in place from the binary.
//!
//! The build script finds every `rx_folded("…")` and `rx_match("…")` literal in this crate's
//! source, makes the pattern a [`crate::text::Matcher`] would compile, and determinizes it into
//! a dense DFA when that stays small. The DFAs are written one after another into
//! `OUT_DIR/patterns.dfa` (each starting on an 8-byte boundary), and an index of their patterns
//! (sorted, so a look-up is a binary search) into `OUT_DIR/patterns.rs`. A pattern that is not
//! there (too large, or assembled at run time) is compiled as a lazy DFA.
//!
//! About half the patterns are prebuilt; the others hold bounded windows (`.{0,30}`) between
//! alternations, whose full DFAs run to megabytes while a lazy DFA builds the few states a
//! question visits. A sparse DFA (smaller, checked at load in about the time compiling takes)
//! brought in 10 more and was dropped.

use regex_automata::dfa::dense::DFA;

/// Bytes aligned for a DFA's `u32` transition table.
#[repr(C, align(8))]
struct Aligned<B: ?Sized>(B);

/// A gated pattern's literal sets: a text holding no literal of one of them does not match.
pub(crate) type Gate = &'static [&'static [&'static [u8]]];

/// Every prebuilt DFA, serialized little-endian.
static BLOB: &Aligned<[u8]> = &Aligned(*include_bytes!(concat!(env!("OUT_DIR"), "/patterns.dfa")));

// `static INDEX: &[(&str, usize, usize)]`: each pattern, sorted, with its DFA's start and end in
// `BLOB`; `static GATES: &[(&str, &[&[&[u8]]])]`: each pattern compiled at run time that has gate
// literals, sorted, with their sets (see `gate`).
include!(concat!(env!("OUT_DIR"), "/patterns.rs"));

/// The prebuilt DFA of `source` (a pattern as [`crate::text::Matcher`] compiles it), and the
/// pattern as a static string.
pub(crate) fn dfa(source: &str) -> Option<(DFA<&'static [u32]>, &'static str)> {
    let i = INDEX.binary_search_by(|(s, _, _)| (*s).cmp(source)).ok()?;
    let (pattern, start, end) = INDEX[i];
    // The bytes are this build's own, serialized by the same regex-automata: `from_bytes`
    // checks them anyway (a big-endian target would fail here and compile the pattern), in
    // about a fifth of the time compiling the pattern takes.
    let (dfa, _) = DFA::from_bytes(BLOB.0.get(start..end)?).ok()?;
    Some((dfa, pattern))
}

/// Sets of literals such that every match of `source` holds one literal of each set (those it
/// starts with, those it ends with), for a pattern compiled at run time (not prebuilt), and the
/// pattern as a static string. `build.rs` finds them with regex-syntax's literal extractor
/// (`gate_literals`); a pattern has none when every match may start and end with a class or a
/// window.
pub(crate) fn gate(source: &str) -> Option<(Gate, &'static str)> {
    let i = GATES.binary_search_by(|(s, _)| (*s).cmp(source)).ok()?;
    let (pattern, literals) = GATES[i];
    Some((literals, pattern))
}

/// Every gated pattern and its literals.
#[cfg(test)]
pub(crate) fn gated() -> impl Iterator<Item = (&'static str, Gate)> {
    GATES
        .iter()
        .map(|(pattern, literals)| (*pattern, *literals))
}

/// Every prebuilt pattern.
#[cfg(test)]
pub(crate) fn patterns() -> impl Iterator<Item = &'static str> {
    INDEX.iter().map(|(pattern, _, _)| *pattern)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_index_is_sorted_and_every_dfa_reads() {
        assert!(super::INDEX.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::GATES.windows(2).all(|w| w[0].0 < w[1].0));
        for (pattern, _, _) in super::INDEX {
            assert!(super::dfa(pattern).is_some(), "{pattern}");
        }
    }
}
