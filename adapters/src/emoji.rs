//! Emoji names: every adapter normalizes reactions to Slack-style short names (`white_check_mark`).

/// Slack-style names and the characters they stand for, for the emoji the bot cares about.
const TABLE: &[(&str, &str)] = &[
    ("white_check_mark", "\u{2705}"),
    ("heavy_check_mark", "\u{2714}\u{fe0f}"),
    ("x", "\u{274c}"),
    ("+1", "\u{1f44d}"),
    ("thumbsup", "\u{1f44d}"),
    ("-1", "\u{1f44e}"),
    ("thumbsdown", "\u{1f44e}"),
    ("no_entry", "\u{26d4}"),
    ("no_entry_sign", "\u{1f6ab}"),
    ("rocket", "\u{1f680}"),
    ("eyes", "\u{1f440}"),
];

/// Normalizes an emoji given as a name (`white_check_mark`, `:x:`) or as the character (`✅`)
/// to its Slack-style name. Unknown characters are returned as they are.
pub fn normalize(raw: &str) -> String {
    let trimmed = raw.trim().trim_matches(':');
    let bare = trimmed.trim_end_matches('\u{fe0f}');
    for (name, ch) in TABLE {
        if trimmed.eq_ignore_ascii_case(name) || bare == ch.trim_end_matches('\u{fe0f}') {
            return match *name {
                "thumbsup" => "+1".to_string(),
                "thumbsdown" => "-1".to_string(),
                other => other.to_string(),
            };
        }
    }
    trimmed.to_string()
}

/// The character for a Slack-style name, if the bot knows it (Discord reacts with characters).
pub fn to_char(name: &str) -> Option<&'static str> {
    let name = normalize(name);
    TABLE.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_characters_meet() {
        assert_eq!(normalize("white_check_mark"), "white_check_mark");
        assert_eq!(normalize(":white_check_mark:"), "white_check_mark");
        assert_eq!(normalize("\u{2705}"), "white_check_mark");
        assert_eq!(normalize("\u{274c}"), "x");
        assert_eq!(normalize("thumbsup"), "+1");
        assert_eq!(normalize("\u{1f44d}"), "+1");
        assert_eq!(normalize("tada"), "tada");
        assert_eq!(to_char("x"), Some("\u{274c}"));
    }
}
