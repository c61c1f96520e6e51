//! Fact tables (GVLKs, error codes, slmgr options, KMS facts): embedded TOML, loading, validation and code/key helpers.

use std::sync::{LazyLock, OnceLock};

use crate::pattern::Regex;
use serde::{Deserialize, Serialize};

use crate::KbError;

/// Embedded fact tables: (path for messages, TOML).
pub const BUILTIN_TABLES: &[(&str, &str)] = &[
    ("data/gvlk.toml", include_str!("../data/gvlk.toml")),
    ("data/errors.toml", include_str!("../data/errors.toml")),
    ("data/slmgr.toml", include_str!("../data/slmgr.toml")),
    ("data/kms.toml", include_str!("../data/kms.toml")),
    (
        "data/lifecycle.toml",
        include_str!("../data/lifecycle.toml"),
    ),
    ("data/builds.toml", include_str!("../data/builds.toml")),
    ("data/sources.toml", include_str!("../data/sources.toml")),
];

/// Names of the TOML arrays whose rows must name their source documents.
pub const SOURCED_ROWS: &[&str] = &["gvlk", "error", "option", "fact", "lifecycle", "build"];

/// A Microsoft document the fact tables rely on (`data/sources.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Identifier used in the rows' `source` fields.
    pub id: String,
    /// Title as Microsoft gives it.
    pub title: String,
    /// Who publishes it, e.g. "Microsoft Learn".
    #[serde(default)]
    pub publisher: String,
    /// Public repository holding the Markdown source, e.g. "MicrosoftDocs/windowsserverdocs".
    #[serde(default)]
    pub repo: String,
    /// Path of the file in that repository.
    #[serde(default)]
    pub path: String,
    /// Revision that was checked (the page's ms.date, `YYYY-MM-DD`).
    #[serde(default)]
    pub revision: String,
    /// Published address.
    #[serde(default)]
    pub url: String,
}

impl Document {
    /// How the document is named to users: title, file name and revision.
    pub fn citation(&self) -> String {
        let file = self.path.rsplit('/').next().unwrap_or("");
        match (file.is_empty(), self.revision.is_empty()) {
            (false, false) => format!("{} ({}, revision {})", self.title, file, self.revision),
            (false, true) => format!("{} ({})", self.title, file),
            (true, false) => format!("{} (revision {})", self.title, self.revision),
            (true, true) => self.title.clone(),
        }
    }
}

/// Support lifecycle of a product family that is out of support (`data/lifecycle.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleEntry {
    /// Family, as in the GVLK table.
    pub family: String,
    /// Date support ended, `YYYY-MM-DD`.
    pub ended: String,
    /// What the bot says about it.
    pub text: String,
    /// Source document ids.
    #[serde(default)]
    pub source: String,
}

/// A Windows build number and the releases it belongs to (`data/builds.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildRow {
    /// The build number, e.g. "17763".
    pub build: String,
    /// The releases an answer names, e.g. "Windows Server 2019".
    pub releases: Vec<String>,
    /// How a message about a server reads the build ("server 2019"); empty when no server
    /// release has it.
    #[serde(default)]
    pub server: String,
    /// How a message about a client reads it ("windows 10").
    #[serde(default)]
    pub client: String,
    /// How a message about LTSC/LTSB reads it ("windows 10 ltsc 2019").
    #[serde(default)]
    pub ltsc: String,
    /// Source document ids.
    #[serde(default)]
    pub source: String,
}

#[derive(Deserialize)]
struct BuildsFile {
    build: Vec<BuildRow>,
}

/// The build numbers table, parsed once (validated with the other tables by
/// [`Tables::builtin`]; a table that does not parse reads as empty here).
pub fn builds() -> &'static [BuildRow] {
    static BUILDS: LazyLock<Vec<BuildRow>> = LazyLock::new(|| {
        parse_toml::<BuildsFile>("data/builds.toml", table_text("data/builds.toml"))
            .map(|f| f.build)
            .unwrap_or_default()
    });
    &BUILDS
}

/// The document ids named in a `source` field (comma-separated).
pub fn source_ids(source: &str) -> Vec<&str> {
    source
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A KMS client setup key (GVLK) for one edition, as Microsoft publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gvlk {
    /// Microsoft's exact edition name, e.g. "Windows Server 2022 Datacenter: Azure Edition".
    pub edition: String,
    /// Product family, e.g. "Windows Server 2019" or "Windows Server, version 1803".
    pub family: String,
    /// The key, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
    pub key: String,
    /// Source document ids (see `data/sources.toml`).
    #[serde(default)]
    pub source: String,
    /// Other names Microsoft has printed for this edition (e.g. "Windows 10 Enterprise 2015 LTSB").
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Caveat shown with the key (e.g. where Azure Edition can be used).
    #[serde(default)]
    pub note: String,
    /// Out-of-support notice for the family, filled from `data/lifecycle.toml` at load.
    #[serde(default)]
    pub lifecycle: String,
}

impl Gvlk {
    /// Edition name qualified with the family when the edition name alone is not unique
    /// (the Semi-Annual Channel rows are all called "Windows Server Standard/Datacenter").
    pub fn display_name(&self) -> String {
        if self.family.contains("version") {
            format!("{} ({})", self.edition, self.family)
        } else {
            self.edition.clone()
        }
    }

    /// True when `name` is Microsoft's name for this edition or one of its aliases
    /// (case and spacing ignored).
    pub fn is_named(&self, name: &str) -> bool {
        let norm = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let n = norm(name);
        norm(&self.edition) == n || self.aliases.iter().any(|a| norm(a) == n)
    }

    /// The same caveats as [`Gvlk::caveat`], as plain sentences (no Markdown).
    pub fn notice(&self) -> String {
        let mut parts = Vec::new();
        if !self.lifecycle.is_empty() {
            parts.push(format!("Out of support: {}", self.lifecycle));
        }
        if !self.note.is_empty() {
            parts.push(self.note.clone());
        }
        parts.join(" ")
    }

    /// Caveats to show with the key, Markdown: out-of-support notice and the row's note.
    /// Empty when there is nothing to say.
    pub fn caveat(&self) -> String {
        let mut parts = Vec::new();
        if !self.lifecycle.is_empty() {
            parts.push(format!("**Out of support:** {}", self.lifecycle));
        }
        if !self.note.is_empty() {
            parts.push(format!("**Note:** {}", self.note));
        }
        parts.join("\n\n")
    }
}

/// One activation error code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// Canonical code, e.g. `0xC004F074`.
    pub code: String,
    /// Short name.
    pub title: String,
    /// What the error means.
    pub meaning: String,
    /// Likely cause in this cloud.
    pub cause: String,
    /// The fix, Markdown with commands in fenced code blocks.
    pub fix: String,
    /// `kms-firewall` or `internet-access` when the fix needs a network request.
    #[serde(default)]
    pub offer: Option<String>,
    /// Extra search words.
    #[serde(default)]
    pub keywords: String,
    /// Source document ids (see `data/sources.toml`).
    #[serde(default)]
    pub source: String,
}

/// One `slmgr.vbs` option.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlmgrOption {
    /// The option, e.g. `/dlv`.
    pub option: String,
    /// Placeholder arguments.
    #[serde(default)]
    pub args: String,
    /// What it does.
    pub summary: String,
    /// Example command line.
    pub usage: String,
    /// Extra search words.
    #[serde(default)]
    pub keywords: String,
    /// Source document ids (see `data/sources.toml`).
    #[serde(default)]
    pub source: String,
    /// What Microsoft says about elevation: `required`, `not-required`, `online-only`
    /// (`/ato`), or empty when it says nothing.
    #[serde(default)]
    pub elevation: String,
}

impl SlmgrOption {
    /// The sentence introducing the command, saying whether it needs an elevated prompt.
    pub fn run_hint(&self) -> &'static str {
        match self.elevation.as_str() {
            "not-required" => "It needs no elevation; any command prompt will do:",
            "online-only" => {
                "KMS activation works from a normal command prompt; online activation (MAK, retail or KMS host key) needs an elevated one:"
            }
            _ => "Run it in an elevated command prompt:",
        }
    }
}

/// One KMS or telephone-activation fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KmsFact {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// Answer text (Markdown).
    pub text: String,
    /// Extra search words.
    #[serde(default)]
    pub keywords: String,
    /// Example questions.
    #[serde(default)]
    pub questions: Vec<String>,
    /// Source document ids (see `data/sources.toml`).
    #[serde(default)]
    pub source: String,
    /// False for a fact given only to the questions recognised as its own, never found by
    /// search: its words would change how the search ranks the other passages.
    #[serde(default = "searched_by_default")]
    pub search: bool,
}

/// Facts are searched unless they say otherwise.
fn searched_by_default() -> bool {
    true
}

#[derive(Deserialize)]
struct GvlkFile {
    source: String,
    gvlk: Vec<Gvlk>,
}
#[derive(Deserialize)]
struct ErrorFile {
    source: String,
    error: Vec<ErrorInfo>,
}
#[derive(Deserialize)]
struct SlmgrFile {
    source: String,
    option: Vec<SlmgrOption>,
}
#[derive(Deserialize)]
struct KmsFile {
    source: String,
    fact: Vec<KmsFact>,
}
#[derive(Deserialize)]
struct LifecycleFile {
    lifecycle: Vec<LifecycleEntry>,
}
#[derive(Deserialize)]
struct SourcesFile {
    document: Vec<Document>,
}

/// All fact tables, loaded and validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tables {
    /// GVLKs in Microsoft's order.
    pub gvlks: Vec<Gvlk>,
    /// Source line of the GVLK table.
    pub gvlk_source: String,
    /// Error codes.
    pub errors: Vec<ErrorInfo>,
    /// Source line of the error table.
    pub error_source: String,
    /// slmgr options.
    pub slmgr: Vec<SlmgrOption>,
    /// Source line of the slmgr table.
    pub slmgr_source: String,
    /// KMS facts.
    pub kms: Vec<KmsFact>,
    /// Source line of the KMS facts table.
    pub kms_source: String,
    /// Out-of-support families.
    pub lifecycle: Vec<LifecycleEntry>,
    /// Build numbers and their releases.
    pub builds: Vec<BuildRow>,
    /// The Microsoft documents the rows cite.
    pub documents: Vec<Document>,
}

/// 1-based line of the first occurrence of `needle` in `text` (1 when absent).
pub fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map(|pos| text[..pos].matches('\n').count() + 1)
        .unwrap_or(1)
}

fn parse_toml<T: for<'de> Deserialize<'de>>(file: &str, text: &str) -> Result<T, KbError> {
    toml::from_str(text).map_err(|e| KbError::Table {
        file: file.to_string(),
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1),
        message: e.message().to_string(),
    })
}

fn table_text(name: &str) -> &'static str {
    BUILTIN_TABLES
        .iter()
        .find(|(p, _)| *p == name)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

impl Tables {
    /// Loads and validates the embedded tables.
    pub fn builtin() -> Result<Tables, KbError> {
        let g: GvlkFile = parse_toml("data/gvlk.toml", table_text("data/gvlk.toml"))?;
        let e: ErrorFile = parse_toml("data/errors.toml", table_text("data/errors.toml"))?;
        let s: SlmgrFile = parse_toml("data/slmgr.toml", table_text("data/slmgr.toml"))?;
        let k: KmsFile = parse_toml("data/kms.toml", table_text("data/kms.toml"))?;
        let l: LifecycleFile =
            parse_toml("data/lifecycle.toml", table_text("data/lifecycle.toml"))?;
        let d: SourcesFile = parse_toml("data/sources.toml", table_text("data/sources.toml"))?;
        let b: BuildsFile = parse_toml("data/builds.toml", table_text("data/builds.toml"))?;
        let mut gvlks = g.gvlk;
        for row in &mut gvlks {
            if let Some(entry) = l.lifecycle.iter().find(|e| e.family == row.family) {
                row.lifecycle = entry.text.clone();
            }
        }
        let tables = Tables {
            gvlks,
            gvlk_source: g.source,
            errors: e.error,
            error_source: e.source,
            slmgr: s.option,
            slmgr_source: s.source,
            kms: k.fact,
            kms_source: k.source,
            lifecycle: l.lifecycle,
            builds: b.build,
            documents: d.document,
        };
        let issues = tables.validate();
        if let Some((file, needle, message)) = issues.into_iter().next() {
            return Err(KbError::Table {
                line: line_of(table_text(&file), &needle),
                file,
                message,
            });
        }
        Ok(tables)
    }

    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// Names the documents of a `source` field for users: "Title (file.md, revision
    /// YYYY-MM-DD); ...". Empty when the field is empty.
    pub fn cite(&self, source: &str) -> String {
        source_ids(source)
            .into_iter()
            .map(|id| {
                self.document(id)
                    .map(Document::citation)
                    .unwrap_or_else(|| id.to_string())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Source line for an error code: its own documents, else the table's source line.
    pub fn error_source(&self, e: &ErrorInfo) -> String {
        let c = self.cite(&e.source);
        if c.is_empty() {
            self.error_source.clone()
        } else {
            c
        }
    }

    /// Source line for the error code `code` (see [`Tables::error_source`]).
    pub fn error_source_for(&self, code: &str) -> String {
        match self.errors.iter().find(|e| e.code == code) {
            Some(e) => self.error_source(e),
            None => self.error_source.clone(),
        }
    }

    /// Source line for the KMS fact titled `title`: its own documents, else the table's.
    pub fn kms_source_for(&self, title: &str) -> String {
        let c = self
            .kms
            .iter()
            .find(|f| f.title == title)
            .map(|f| self.cite(&f.source))
            .unwrap_or_default();
        if c.is_empty() {
            self.kms_source.clone()
        } else {
            c
        }
    }

    /// Every row's (file, text locating the row, source field) for the source checks.
    fn sourced_rows(&self) -> Vec<(&'static str, String, &str)> {
        let mut rows: Vec<(&'static str, String, &str)> = Vec::new();
        for g in &self.gvlks {
            rows.push(("data/gvlk.toml", g.key.clone(), g.source.as_str()));
        }
        for e in &self.errors {
            rows.push(("data/errors.toml", e.code.clone(), e.source.as_str()));
        }
        for o in &self.slmgr {
            rows.push((
                "data/slmgr.toml",
                format!("option = \"{}\"", o.option),
                o.source.as_str(),
            ));
        }
        for f in &self.kms {
            rows.push((
                "data/kms.toml",
                format!("id = \"{}\"", f.id),
                f.source.as_str(),
            ));
        }
        for l in &self.lifecycle {
            rows.push((
                "data/lifecycle.toml",
                format!("family = \"{}\"", l.family),
                l.source.as_str(),
            ));
        }
        for b in &self.builds {
            rows.push((
                "data/builds.toml",
                format!("build = \"{}\"", b.build),
                b.source.as_str(),
            ));
        }
        rows
    }

    /// Validation problems as (file, text to locate the line, message).
    pub fn validate(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for d in &self.documents {
            if d.title.trim().is_empty() || d.revision.trim().is_empty() {
                out.push((
                    "data/sources.toml".into(),
                    format!("id = \"{}\"", d.id),
                    format!("document `{}` needs a title and a revision", d.id),
                ));
            }
        }
        for (file, at, source) in self.sourced_rows() {
            let ids = source_ids(source);
            if ids.is_empty() {
                out.push((
                    file.into(),
                    at.clone(),
                    format!("row `{at}` has no source (add `source = \"<document id>\"`)"),
                ));
            }
            for id in ids {
                if self.document(id).is_none() {
                    out.push((
                        file.into(),
                        at.clone(),
                        format!("row `{at}` cites unknown document `{id}` (see data/sources.toml)"),
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for g in &self.gvlks {
            if !is_valid_product_key(&g.key) {
                out.push((
                    "data/gvlk.toml".into(),
                    g.key.clone(),
                    format!("malformed key `{}` for {}", g.key, g.edition),
                ));
            }
            if !seen.insert((g.family.clone(), g.edition.clone())) {
                out.push((
                    "data/gvlk.toml".into(),
                    g.edition.clone(),
                    format!("duplicate edition `{}` in {}", g.edition, g.family),
                ));
            }
            if g.edition.trim().is_empty() || g.family.trim().is_empty() {
                out.push((
                    "data/gvlk.toml".into(),
                    g.key.clone(),
                    "empty edition or family".into(),
                ));
            }
        }
        let mut codes = std::collections::HashSet::new();
        for e in &self.errors {
            if normalize_full_code(&e.code).as_deref() != Some(e.code.as_str()) {
                out.push((
                    "data/errors.toml".into(),
                    e.code.clone(),
                    format!(
                        "error code `{}` is not in canonical 0xXXXXXXXX form",
                        e.code
                    ),
                ));
            }
            if !codes.insert(e.code.clone()) {
                out.push((
                    "data/errors.toml".into(),
                    e.code.clone(),
                    format!("duplicate code {}", e.code),
                ));
            }
            if !e.fix.contains("```") {
                out.push((
                    "data/errors.toml".into(),
                    e.code.clone(),
                    format!("fix for {} has no command block", e.code),
                ));
            }
            check_offer(&e.offer, "data/errors.toml", &e.code, &mut out);
        }
        for o in &self.slmgr {
            if !o.option.starts_with('/') || !o.usage.starts_with("slmgr") {
                out.push((
                    "data/slmgr.toml".into(),
                    o.option.clone(),
                    format!(
                        "option `{}` must start with / and usage with slmgr",
                        o.option
                    ),
                ));
            }
        }
        for f in &self.kms {
            if f.title.is_empty() || f.text.trim().is_empty() {
                out.push((
                    "data/kms.toml".into(),
                    f.id.clone(),
                    format!("fact `{}` is empty", f.id),
                ));
            }
        }
        out
    }
}

fn check_offer(
    offer: &Option<String>,
    file: &str,
    at: &str,
    out: &mut Vec<(String, String, String)>,
) {
    if let Some(o) = offer {
        if o != "kms-firewall" && o != "internet-access" {
            out.push((
                file.into(),
                at.into(),
                format!("unknown offer `{o}` (kms-firewall or internet-access)"),
            ));
        }
    }
}

/// Strict product key check: five groups of five characters from `[A-Z0-9]`, separated by `-`.
///
/// ```
/// assert!(knowledge::is_valid_product_key("WX4NM-KYWYW-QJJR4-XV3QB-6VM33"));
/// assert!(!knowledge::is_valid_product_key("wx4nm-kywyw-qjjr4-xv3qb-6vm33"));
/// assert!(!knowledge::is_valid_product_key("WX4NM-KYWYW-QJJR4-XV3QB"));
/// ```
pub fn is_valid_product_key(key: &str) -> bool {
    let groups: Vec<&str> = key.split('-').collect();
    groups.len() == 5
        && groups.iter().all(|g| {
            g.len() == 5
                && g.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        })
}

/// Canonical form of a full 8-hex-digit code (with or without `0x`), e.g. `c004f074` → `0xC004F074`.
fn normalize_full_code(s: &str) -> Option<String> {
    static FULL: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"(?i)^\s*(?:0x)?([0-9a-f]{8})\s*$"));
    let r = &*FULL;
    r.captures(s)
        .and_then(|c| c.get(1))
        .map(|m| format!("0x{}", m.as_str().to_uppercase()))
}

fn builtin_codes() -> &'static [String] {
    static CODES: OnceLock<Vec<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        #[derive(Deserialize)]
        struct Codes {
            error: Vec<Code>,
        }
        #[derive(Deserialize)]
        struct Code {
            code: String,
        }
        toml::from_str::<Codes>(table_text("data/errors.toml"))
            .map(|c| c.error.into_iter().map(|e| e.code).collect())
            .unwrap_or_default()
    })
}

/// Finds an activation error code anywhere in `text` and returns its canonical form (`0xC004F074`).
///
/// Accepts `0xC004F074`, `0xc004f074`, `c004f074`, `C004F074`, `0x8007232b`, and the short
/// forms people type (`error F074`, `0x232B`) when they match exactly one code of the
/// built-in error table. Returns `None` when there is no code.
///
/// ```
/// assert_eq!(knowledge::normalize_error_code("c004f074").as_deref(), Some("0xC004F074"));
/// assert_eq!(knowledge::normalize_error_code("error F074").as_deref(), Some("0xC004F074"));
/// assert_eq!(knowledge::normalize_error_code("0x8007232b").as_deref(), Some("0x8007232B"));
/// assert_eq!(knowledge::normalize_error_code("0x c004 f074").as_deref(), Some("0xC004F074"));
/// assert_eq!(knowledge::normalize_error_code("c004 f06c").as_deref(), Some("0xC004F06C"));
/// assert_eq!(knowledge::normalize_error_code("hello"), None);
/// ```
pub fn normalize_error_code(text: &str) -> Option<String> {
    static WITH_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::rx(r"(?i)(?:^|[^0-9a-z])0x ?([0-9a-f]{4})[ \-]?([0-9a-f]{4})(?:[^0-9a-z]|$)")
    });
    static BARE: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"(?i)(?:^|[^0-9a-z])([c8]0[0-9a-f]{6})(?:[^0-9a-z]|$)"));
    static SHORT: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::rx(r"(?i)(?:^|[^0-9a-z])(?:0x)?([0-9a-f]{4,6})(?:[^0-9a-z]|$)")
    });
    let with_prefix = &*WITH_PREFIX;
    // "0xC004F015", and the same typed in two halves ("0xC004 F015", "0xC004-F015").
    if let Some(c) = with_prefix.captures(text) {
        if let (Some(a), Some(b)) = (c.get(1), c.get(2)) {
            return Some(
                format!("0x{}{}", a.as_str(), b.as_str())
                    .to_uppercase()
                    .replacen("0X", "0x", 1),
            );
        }
    }
    let bare = &*BARE;
    if let Some(m) = bare.captures(text).and_then(|c| c.get(1)) {
        return Some(format!("0x{}", m.as_str().to_uppercase()));
    }
    // The same without `0x`, typed in two halves ("c004 f074", "8007-232b"): a licensing code
    // (`0xC004…`) or one of the table, so that two numbers side by side are not read as one.
    static BARE_SPLIT: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::rx(r"(?i)(?:^|[^0-9a-z])([c8]00[0-9a-f])[ \-]([0-9a-f]{4})(?:[^0-9a-z]|$)")
    });
    for c in BARE_SPLIT.captures_iter(text) {
        let (Some(a), Some(b)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let code = format!("0x{}{}", a.as_str(), b.as_str())
            .to_uppercase()
            .replacen("0X", "0x", 1);
        if code.starts_with("0xC004") || builtin_codes().contains(&code) {
            return Some(code);
        }
    }
    let short = &*SHORT;
    for c in short.captures_iter(text) {
        let Some(m) = c.get(1) else { continue };
        let s = m.as_str().to_uppercase();
        // Require a hex letter and a digit so that words ("face") and numbers (1688) don't match.
        if !s.bytes().any(|b| b.is_ascii_digit()) || !s.bytes().any(|b| b.is_ascii_alphabetic()) {
            continue;
        }
        let hits: Vec<&String> = builtin_codes().iter().filter(|c| c.ends_with(&s)).collect();
        if hits.len() == 1 {
            return Some(hits[0].clone());
        }
    }
    // The same HRESULT printed as a decimal number, signed ("-1073418124", as PowerShell and
    // event data show it) or unsigned ("3221549172"): only a code of the table counts.
    static DECIMAL: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"(?:^|[^0-9a-zA-Z.\-])(-?[0-9]{10})(?:[^0-9a-zA-Z.]|$)"));
    if text.bytes().filter(u8::is_ascii_digit).count() >= 10 {
        for m in DECIMAL.captures_iter(text).filter_map(|c| c.get(1)) {
            let Ok(n) = m.as_str().parse::<i64>() else {
                continue;
            };
            let n = if n < 0 { n + (1 << 32) } else { n };
            if !(0x8000_0000..=0xFFFF_FFFF).contains(&n) {
                continue;
            }
            let code = format!("0x{n:08X}");
            if let Some(c) = builtin_codes().iter().find(|c| **c == code) {
                return Some(c.clone());
            }
        }
    }
    // "err 74", "error 38": the last two digits of a KMS client error 0xC004F0nn.
    static ERR_DIGITS: LazyLock<Regex> =
        LazyLock::new(|| crate::text::rx(r"(?i)\berr(?:or)?\s*#?\s*([0-9]{2})\b"));
    if text.contains("rr") || text.contains("RR") {
        if let Some(m) = ERR_DIGITS.captures(text).and_then(|c| c.get(1)) {
            let code = format!("0xC004F0{}", m.as_str());
            if let Some(c) = builtin_codes().iter().find(|c| **c == code) {
                return Some(c.clone());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_load_and_validate() {
        let t = Tables::builtin().expect("embedded tables are valid");
        assert!(t.gvlks.len() >= 90);
        assert!(t.validate().is_empty());
        for code in [
            "0xC004F074",
            "0xC004F038",
            "0xC004C003",
            "0xC004F06C",
            "0x8007232B",
            "0xC004F042",
            "0x80070005",
            "0xC004F039",
            "0xC004F041",
            "0xC004F050",
            "0xC004C008",
            "0x800706BA",
            "0x8007251D",
            "0xC004C001",
            "0xC004C020",
            "0xC004F069",
            "0xC004F015",
        ] {
            assert!(t.errors.iter().any(|e| e.code == code), "missing {code}");
        }
        for opt in [
            "/ipk", "/ato", "/skms", "/ckms", "/dli", "/dlv", "/xpr", "/rearm", "/upk", "/cpky",
            "/dti", "/atp", "/skhc",
        ] {
            assert!(t.slmgr.iter().any(|o| o.option == opt), "missing {opt}");
        }
    }

    #[test]
    fn codes_normalise() {
        for (input, want) in [
            ("0xC004F074", "0xC004F074"),
            ("c004f074", "0xC004F074"),
            ("error F074", "0xC004F074"),
            ("I get 0x8007232b when activating", "0x8007232B"),
            ("code 232B", "0x8007232B"),
            ("Error: 0xc004f06c.", "0xC004F06C"),
            ("-1073418124", "0xC004F074"),
            ("LastErrorCode 3221549172", "0xC004F074"),
            ("hr -2147015893", "0x8007232B"),
        ] {
            assert_eq!(
                normalize_error_code(input).as_deref(),
                Some(want),
                "{input}"
            );
        }
        assert_eq!(normalize_error_code("port 1688"), None);
        assert_eq!(normalize_error_code("windows server 2019"), None);
        assert_eq!(normalize_error_code("call 5551234567"), None);
        assert_eq!(normalize_error_code("build 10.0.20348.2227"), None);
    }

    #[test]
    fn product_keys() {
        assert!(is_valid_product_key("YC6KT-GKW9T-YTKYR-T4X34-R7VHC"));
        assert!(!is_valid_product_key("YC6KT-GKW9T-YTKYR-T4X34-R7VH"));
        assert!(!is_valid_product_key("YC6KT-GKW9T-YTKYR-T4X34-R7VHC-"));
        assert!(!is_valid_product_key("YC6KT GKW9T YTKYR T4X34 R7VHC"));
    }
}
