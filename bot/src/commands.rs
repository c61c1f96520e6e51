//! The one registry of chat commands: names, usage, descriptions and examples; `help` is generated from it.

/// One chat command.
#[derive(Debug, Clone, Copy)]
pub struct CommandSpec {
    /// The first word.
    pub name: &'static str,
    /// How to call it.
    pub usage: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// A working example.
    pub example: &'static str,
}

/// Every command the bot understands, in the order `help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        usage: "help [COMMAND]",
        summary: "what I can do, or the details of one command",
        example: "help instances",
    },
    CommandSpec {
        name: "instances",
        usage: "instances",
        summary: "the Windows instances I may act on, with their editions",
        example: "instances",
    },
];

/// Looks a command up by its first word (case-insensitive).
pub fn find(word: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name.eq_ignore_ascii_case(word))
}

/// The text of `help`.
pub fn help() -> String {
    let mut s = String::from(
        "I'm kmsbot. I help you activate Windows instances brought with your own licence.\n\
         Ask me a question in plain words, or use one of these commands:\n",
    );
    for c in COMMANDS {
        s.push_str(&format!(
            "• `{}`: {} (e.g. `{}`)\n",
            c.usage, c.summary, c.example
        ));
    }
    s.push_str("Say `help COMMAND` for one command's details.");
    s
}

/// The text of `help COMMAND`.
pub fn help_for(word: &str) -> Option<String> {
    find(word).map(|c| format!("`{}`: {}\nExample: `{}`", c.usage, c.summary, c.example))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for c in COMMANDS {
            assert!(names.insert(c.name), "duplicate command {}", c.name);
            assert!(c.usage.starts_with(c.name), "{}", c.name);
            assert!(c.example.starts_with(c.name), "{}", c.name);
            assert!(!c.summary.is_empty());
        }
        let h = help();
        for c in COMMANDS {
            assert!(h.contains(c.usage));
        }
        assert!(help_for("HELP").is_some());
        assert!(help_for("nope").is_none());
    }
}
