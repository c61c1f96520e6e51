//! Trains the intent classifier on `data/intents.toml` and writes it to `OUT_DIR/classifier.bin`, which the library embeds (start-up reads the weights instead of training); writes the validated fact tables to `OUT_DIR/tables.json` likewise.
//!
//! The features and the training are the library's own code: its source files are included
//! here as modules (`#[path]`), so the model is exactly what training at run time would give
//! (`nlu::tests::embedded_classifier_is_the_one_training_gives` checks it).

#[allow(dead_code)]
#[path = "src/editions.rs"]
mod editions;
#[allow(dead_code)]
#[path = "src/facts.rs"]
mod facts;
#[allow(dead_code)]
#[path = "src/pattern.rs"]
mod pattern;
#[allow(dead_code)]
#[path = "src/text.rs"]
mod text;

/// No prebuilt DFAs or gates while the build script itself runs: `text` compiles every
/// pattern.
#[allow(dead_code)]
mod prebuilt {
    pub(crate) fn dfa(
        _: &str,
    ) -> Option<(
        regex_automata::dfa::dense::DFA<&'static [u32]>,
        &'static str,
    )> {
        None
    }

    pub(crate) type Gate = &'static [&'static [&'static [u8]]];

    pub(crate) fn gate(_: &str) -> Option<(Gate, &'static str)> {
        None
    }
}

#[allow(dead_code)]
#[path = "src/nlu"]
mod nlu {
    pub mod classifier;
    pub mod dli;
    pub mod slots;
    pub mod training;
}

/// The library's error type, as far as the included modules use it.
#[allow(dead_code)]
#[derive(Debug)]
enum KbError {
    Article {
        file: String,
        line: usize,
        message: String,
    },
    Table {
        file: String,
        line: usize,
        message: String,
    },
}

fn main() {
    // Everything the model depends on: the utterances, the code that turns them into features
    // (slots read the fact tables) and the training.
    for path in [
        "data",
        "src/editions.rs",
        "src/facts.rs",
        "src/text.rs",
        "src/nlu/classifier.rs",
        "src/nlu/dli.rs",
        "src/nlu/slots.rs",
        "src/nlu/training.rs",
        "build.rs",
        // The match-only patterns, wherever they are written.
        "src",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    let training = match std::fs::read_to_string("data/intents.toml") {
        Ok(t) => t,
        Err(e) => panic!("cannot read data/intents.toml: {e}"),
    };
    let examples = match nlu::training::examples(&training) {
        Ok(x) => x,
        Err(e) => panic!("data/intents.toml: {e:?}"),
    };
    let model = nlu::classifier::Classifier::train(&examples).to_bytes();
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        panic!("cargo sets OUT_DIR for build scripts");
    };
    let out = std::path::Path::new(&out_dir).join("classifier.bin");
    if let Err(e) = std::fs::write(&out, model) {
        panic!("cannot write {}: {e}", out.display());
    }
    // The fact tables, parsed and validated here, as JSON: the library reads that in a fraction
    // of the time parsing the TOML takes at every start (`tests::embedded_tables_are_the_files`).
    let tables = match facts::Tables::builtin() {
        Ok(t) => t,
        Err(e) => panic!("fact tables: {e:?}"),
    };
    let json = match serde_json::to_vec(&tables) {
        Ok(j) => j,
        Err(e) => panic!("fact tables as JSON: {e}"),
    };
    let out = std::path::Path::new(&out_dir).join("tables.json");
    if let Err(e) = std::fs::write(&out, json) {
        panic!("cannot write {}: {e}", out.display());
    }
    prebuild_patterns(std::path::Path::new(&out_dir));
}

/// The largest DFA a pattern is prebuilt as; a larger one is compiled at run time as a lazy
/// DFA. (Half the patterns fit; of the others, nearly all need more than 4 MiB.)
const PREBUILT_DFA_LIMIT: usize = 64 * 1024;

/// Determinizes the crate's match-only patterns (see `src/prebuilt.rs`) into
/// `OUT_DIR/patterns.dfa` and indexes them in `OUT_DIR/patterns.rs`.
fn prebuild_patterns(out_dir: &std::path::Path) {
    use regex_automata::dfa::{dense, StartKind};
    let mut finder = PatternFinder::default();
    let mut files = Vec::new();
    rust_files(std::path::Path::new("src"), &mut files);
    files.sort();
    for file in &files {
        let code = match std::fs::read_to_string(file) {
            Ok(c) => c,
            Err(e) => panic!("cannot read {}: {e}", file.display()),
        };
        let mut ast = match syn::parse_file(&code) {
            Ok(a) => a,
            Err(e) => panic!("cannot parse {}: {e}", file.display()),
        };
        syn::visit_mut::VisitMut::visit_file_mut(&mut finder, &mut ast);
    }
    let mut sources: Vec<String> = finder
        .found
        .iter()
        .filter_map(|(folded, pattern)| {
            // A malformed pattern panics in `text`; the crate's tests report it, not the build.
            let source = std::panic::catch_unwind(|| {
                if *folded {
                    text::folded_source(pattern)
                } else {
                    text::match_source(pattern)
                }
            })
            .ok()?;
            Some(text::ascii_classes(&source).into_owned())
        })
        .collect();
    sources.sort();
    sources.dedup();
    let config = dense::Config::new()
        .start_kind(StartKind::Unanchored)
        .dfa_size_limit(Some(PREBUILT_DFA_LIMIT))
        .determinize_size_limit(Some(4 * PREBUILT_DFA_LIMIT));
    let mut blob: Vec<u8> = Vec::new();
    let mut index = String::from("static INDEX: &[(&str, usize, usize)] = &[\n");
    let mut gates = String::from("static GATES: &[(&str, &[&[&[u8]]])] = &[\n");
    for source in &sources {
        let Some(nfa) = text::matcher_nfa(source) else {
            continue;
        };
        let Ok(dfa) = dense::Builder::new()
            .configure(config.clone())
            .build_from_nfa(&nfa)
        else {
            // Compiled at run time: only once a text holds one of its literals.
            if let Some(sets) = gate_literals(source) {
                let sets: Vec<String> = sets
                    .iter()
                    .map(|set| {
                        let literals: Vec<String> = set.iter().map(|l| format!("&{l:?}")).collect();
                        format!("&[{}]", literals.join(", "))
                    })
                    .collect();
                gates.push_str(&format!("    ({source:?}, &[{}]),\n", sets.join(", ")));
            }
            continue;
        };
        while !blob.len().is_multiple_of(8) {
            blob.push(0);
        }
        let start = blob.len();
        blob.resize(start + dfa.write_to_len(), 0);
        if let Err(e) = dfa.write_to_little_endian(&mut blob[start..]) {
            panic!("cannot serialize the DFA of {source:?}: {e}");
        }
        index.push_str(&format!("    ({source:?}, {start}, {}),\n", blob.len()));
    }
    index.push_str("];\n");
    gates.push_str("];\n");
    index.push_str(&gates);
    for (name, bytes) in [("patterns.dfa", blob), ("patterns.rs", index.into_bytes())] {
        let out = out_dir.join(name);
        if let Err(e) = std::fs::write(&out, bytes) {
            panic!("cannot write {}: {e}", out.display());
        }
    }
}

/// Most literals in a gate's set: a set is looked for with one substring search per literal
/// until a pattern is compiled, far less than compiling it (a large alternation of words takes
/// hundreds of microseconds to compile, and most questions hold none of its words).
const GATE_LITERALS_MAX: usize = 256;

/// Sets of lower-case literals such that every match of `source` (a [`text::matcher_nfa`]
/// pattern), once the text is lower-cased (ASCII), holds one literal of each set: the literals
/// every match starts with, and those every match ends with. A set is kept when it is finite and
/// made of literals of two bytes or more; `None` when neither is (a class or a window at both
/// ends). Both sets are necessary conditions, so a text must meet both: a question holding a
/// word a pattern starts with but none it ends with does not compile the pattern.
///
/// The pattern is first made to match lower-cased text ([`lowered`]), so `(?i)` letters are one
/// byte rather than two and their literals do not multiply. regex-syntax's extractor gives, for
/// a finite sequence, literals one of which begins (ends) every match; look-arounds (`\b`,
/// `^`) count as empty, windows and large classes end a literal there. A literal that contains
/// another of the set is left out: the other is in the text whenever it is.
fn gate_literals(source: &str) -> Option<Vec<Vec<Vec<u8>>>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(source)
        .ok()?;
    let hir = lowered(&hir)?;
    let mut sets: Vec<Vec<Vec<u8>>> = Vec::new();
    for kind in [ExtractKind::Prefix, ExtractKind::Suffix] {
        let mut extractor = Extractor::new();
        extractor
            .kind(kind)
            .limit_class(8)
            .limit_repeat(8)
            .limit_literal_len(24)
            .limit_total(GATE_LITERALS_MAX);
        let seq = extractor.extract(&hir);
        let Some(literals) = seq.literals() else {
            continue;
        };
        let mut set: Vec<Vec<u8>> = literals.iter().map(|l| l.as_bytes().to_vec()).collect();
        set.sort();
        set.dedup();
        if set.is_empty() || set.iter().any(|l| l.len() < 2) {
            continue;
        }
        let all = set.clone();
        set.retain(|l| {
            !all.iter()
                .any(|other| other != l && l.windows(other.len()).any(|w| w == &other[..]))
        });
        if !sets.contains(&set) {
            sets.push(set);
        }
    }
    (!sets.is_empty()).then_some(sets)
}

/// `hir` as it matches lower-cased text: every byte its literals and classes accept, lower-cased
/// (ASCII), captures dropped. Wherever `hir` matches a text, the result matches that text
/// lower-cased, so the result's literals, looked for in the lower-cased text, gate `hir`.
/// `None` for a Unicode class (the patterns are parsed with Unicode off).
fn lowered(hir: &regex_syntax::hir::Hir) -> Option<regex_syntax::hir::Hir> {
    use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Hir, HirKind, Repetition};
    Some(match hir.kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(lit) => Hir::literal(lit.0.to_ascii_lowercase()),
        HirKind::Class(Class::Bytes(class)) => {
            let mut accepted = [false; 256];
            for range in class.ranges() {
                for b in range.start()..=range.end() {
                    accepted[usize::from(b.to_ascii_lowercase())] = true;
                }
            }
            let ranges = (0..=255u8)
                .filter(|b| accepted[usize::from(*b)])
                .map(|b| ClassBytesRange::new(b, b));
            Hir::class(Class::Bytes(ClassBytes::new(ranges)))
        }
        HirKind::Class(Class::Unicode(_)) => return None,
        HirKind::Look(look) => Hir::look(*look),
        HirKind::Repetition(rep) => Hir::repetition(Repetition {
            min: rep.min,
            max: rep.max,
            greedy: rep.greedy,
            sub: Box::new(lowered(&rep.sub)?),
        }),
        HirKind::Capture(capture) => lowered(&capture.sub)?,
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(lowered).collect::<Option<_>>()?),
        HirKind::Alternation(subs) => {
            Hir::alternation(subs.iter().map(lowered).collect::<Option<_>>()?)
        }
    })
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => panic!("cannot list {}: {e}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Collects the string literal of every `rx_folded(…)` and `rx_match(…)` call: whether it is a
/// folded one, and the pattern.
#[derive(Default)]
struct PatternFinder {
    found: Vec<(bool, String)>,
}

impl syn::visit_mut::VisitMut for PatternFinder {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            let name = path.path.segments.last().map(|s| s.ident.to_string());
            let folded = match name.as_deref() {
                Some("rx_folded") => Some(true),
                Some("rx_match") => Some(false),
                _ => None,
            };
            if let (Some(folded), Some(syn::Expr::Lit(lit))) = (folded, call.args.first()) {
                if let syn::Lit::Str(pattern) = &lit.lit {
                    self.found.push((folded, pattern.value()));
                }
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }
}
