//! Fact tables (GVLKs, error codes, slmgr options, KMS facts): embedded TOML, loading, validation and code/key helpers.

use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::KbError;

/// Embedded fact tables: (path for messages, TOML).
pub const BUILTIN_TABLES: &[(&str, &str)] = &[
    ("data/gvlk.toml", include_str!("../data/gvlk.toml")),
    ("data/errors.toml", include_str!("../data/errors.toml")),
    ("data/slmgr.toml", include_str!("../data/slmgr.toml")),
    ("data/kms.toml", include_str!("../data/kms.toml")),
];

/// A KMS client setup key (GVLK) for one edition, as Microsoft publishes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gvlk {
    /// Microsoft's exact edition name, e.g. "Windows Server 2022 Datacenter: Azure Edition".
    pub edition: String,
    /// Product family, e.g. "Windows Server 2019" or "Windows Server, version 1803".
    pub family: String,
    /// The key, `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`.
    pub key: String,
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

/// All fact tables, loaded and validated.
#[derive(Debug, Clone)]
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
        let tables = Tables {
            gvlks: g.gvlk,
            gvlk_source: g.source,
            errors: e.error,
            error_source: e.source,
            slmgr: s.option,
            slmgr_source: s.source,
            kms: k.fact,
            kms_source: k.source,
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

    /// Validation problems as (file, text to locate the line, message).
    pub fn validate(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
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

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex is valid"))
}

/// Canonical form of a full 8-hex-digit code (with or without `0x`), e.g. `c004f074` → `0xC004F074`.
fn normalize_full_code(s: &str) -> Option<String> {
    static FULL: OnceLock<Regex> = OnceLock::new();
    let r = re(&FULL, r"(?i)^\s*(?:0x)?([0-9a-f]{8})\s*$");
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
/// assert_eq!(knowledge::normalize_error_code("hello"), None);
/// ```
pub fn normalize_error_code(text: &str) -> Option<String> {
    static WITH_PREFIX: OnceLock<Regex> = OnceLock::new();
    static BARE: OnceLock<Regex> = OnceLock::new();
    static SHORT: OnceLock<Regex> = OnceLock::new();
    let with_prefix = re(
        &WITH_PREFIX,
        r"(?i)(?:^|[^0-9a-z])0x([0-9a-f]{8})(?:[^0-9a-z]|$)",
    );
    if let Some(m) = with_prefix.captures(text).and_then(|c| c.get(1)) {
        return Some(format!("0x{}", m.as_str().to_uppercase()));
    }
    let bare = re(
        &BARE,
        r"(?i)(?:^|[^0-9a-z])([c8]0[0-9a-f]{6})(?:[^0-9a-z]|$)",
    );
    if let Some(m) = bare.captures(text).and_then(|c| c.get(1)) {
        return Some(format!("0x{}", m.as_str().to_uppercase()));
    }
    let short = re(
        &SHORT,
        r"(?i)(?:^|[^0-9a-z])(?:0x)?([0-9a-f]{4,6})(?:[^0-9a-z]|$)",
    );
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
        ] {
            assert_eq!(
                normalize_error_code(input).as_deref(),
                Some(want),
                "{input}"
            );
        }
        assert_eq!(normalize_error_code("port 1688"), None);
        assert_eq!(normalize_error_code("windows server 2019"), None);
    }

    #[test]
    fn product_keys() {
        assert!(is_valid_product_key("YC6KT-GKW9T-YTKYR-T4X34-R7VHC"));
        assert!(!is_valid_product_key("YC6KT-GKW9T-YTKYR-T4X34-R7VH"));
        assert!(!is_valid_product_key("YC6KT-GKW9T-YTKYR-T4X34-R7VHC-"));
        assert!(!is_valid_product_key("YC6KT GKW9T YTKYR T4X34 R7VHC"));
    }
}
