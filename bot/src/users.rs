//! How users are named in messages.

/// How a user is mentioned in a message: a mention the Slack and Discord adapters turn into a
/// notifying `<@U123>` (and the console into `@U123`), `@name` for console users.
pub fn mention(user: &str) -> String {
    match user.split_once(':') {
        Some(("slack" | "discord", id)) => adapters::chat::mention(id),
        Some((_, name)) => format!("@{name}"),
        None => user.to_string(),
    }
}
