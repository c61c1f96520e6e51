//! How users are named in messages.

/// How a user is mentioned in a message: `<@U123>` on Slack and Discord, `@name` on the console.
pub fn mention(user: &str) -> String {
    match user.split_once(':') {
        Some(("slack" | "discord", id)) => format!("<@{id}>"),
        Some((_, name)) => format!("@{name}"),
        None => user.to_string(),
    }
}
