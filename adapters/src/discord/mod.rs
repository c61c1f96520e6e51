//! The Discord adapter: REST sender ([`DiscordChat`]), event decoding and the gateway runner.
//!
//! Both directions go through serenity 0.12 (`client`, `gateway`, `model`, `rustls_backend`, no
//! cache): REST through [`serenity::http::Http`], the gateway through serenity's `Client` and
//! shard manager, which heartbeats, resumes a dropped session (RESUME, op 6) and re-identifies
//! when the session cannot be resumed.
//!
//! # Addresses
//! [`DiscordSettings::api_url`] replaces `https://discord.com` in every REST URL. With the default
//! (`https://discord.com`) serenity's rate limiter stays on and no URL is rewritten; with any other
//! value (a stand-in) the [`serenity::http::HttpBuilder::proxy`] rewrite is used, which serenity
//! only applies with its rate limiter disabled. The gateway address is whatever `GET /gateway`
//! at that API answers, used as is (`ws://` works), with `?v=10` appended by serenity.
//!
//! # Threads
//! Discord's "start thread from message" gives the thread the id of the message it starts from,
//! so a thread and its starter message share one id. The adapter maps:
//! * a guild-channel message that addresses the bot (mentions it) → `channel = <channel id>`,
//!   `thread = Some(<that message id>)`: replies go into a thread on the asking message;
//! * any message in a thread the bot started (no mention needed) → `channel = <parent channel
//!   id>`, `thread = Some(<thread id>)` — the same pair as the asking message above, so one
//!   conversation keeps one key;
//! * a mention inside somebody else's thread → `channel = <thread id>`, `thread = None` (the
//!   reply stays in that thread);
//! * a DM → `channel = <DM channel id>`, `thread = None`, `direct = true`.
//!
//! [`DiscordChat`]'s `send` of `Post { thread: Some(t) }` posts into channel `t` once a thread `t`
//! is known to exist, and otherwise first creates it with
//! `POST /channels/{channel}/messages/{t}/threads` (an "already created" answer, code 160004,
//! counts as existing). Whether a guild channel is a thread, its parent and whether the bot owns
//! it are learnt from `GET /channels/{id}` once per channel and cached (so this also works for
//! threads started before a restart, without serenity's cache).
//!
//! # Dedupe keys ([`crate::chat::Incoming::event_id`])
//! * messages: `discord:msg:<message id>`;
//! * buttons: `discord:interaction:<interaction id>`;
//! * reactions: `discord:react:<add|remove>:<message id>:<user id>:<emoji>:<epoch>.<generation>`
//!   where `<epoch>` is the start time (ms) of this process's [`ReactionLedger`] and
//!   `<generation>` counts the completed add→remove cycles of that (message, user, emoji) seen
//!   by this process. A replayed add (or remove) carries the same id; adding again after a
//!   removal carries a new one, so a re-approval is not swallowed by the bot's dedupe. Gateway
//!   replays never cross a restart (a new process identifies afresh), so the epoch costs nothing.

mod decode;
mod gateway;
mod send;

use serde::Deserialize;
use std::fmt;

pub use crate::split::split_message;
pub use decode::{
    decode_interaction, decode_message, decode_reaction, strip_mention, ChannelContext,
    ReactionLedger,
};
pub use gateway::{intents, run_gateway};
pub use send::DiscordChat;
pub use send::MESSAGE_LIMIT;

/// Discord's public API base; production uses it, with serenity's rate limiter on.
pub const DEFAULT_API_URL: &str = "https://discord.com";

/// A credential (token or signing secret) held in a [`secrecy::SecretString`]: zeroed on drop,
/// never shown by `Debug`, and readable only through [`DiscordSecret::expose`].
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct DiscordSecret(secrecy::SecretString);

impl DiscordSecret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        DiscordSecret(secrecy::SecretString::new(value.into()))
    }

    /// The credential itself, for the one place that must send or use it.
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

impl fmt::Debug for DiscordSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DiscordSecret(***)")
    }
}

impl From<&str> for DiscordSecret {
    fn from(value: &str) -> Self {
        DiscordSecret::new(value)
    }
}

impl From<String> for DiscordSecret {
    fn from(value: String) -> Self {
        DiscordSecret::new(value)
    }
}

/// Configuration of the Discord adapter (`[discord]`).
#[derive(Debug, Clone, Deserialize)]
pub struct DiscordSettings {
    /// Replaces `https://discord.com` for REST (default [`DEFAULT_API_URL`]); the gateway address
    /// comes from that API's `GET /api/v10/gateway`. Must be `https://`, except `http://` on a
    /// loopback host for tests.
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// The bot token (without the `Bot ` prefix; serenity adds it).
    pub token: DiscordSecret,
}

fn default_api_url() -> String {
    DEFAULT_API_URL.to_string()
}

impl DiscordSettings {
    /// Settings for the real Discord with a bot token.
    pub fn new(token: impl Into<DiscordSecret>) -> Self {
        DiscordSettings {
            api_url: default_api_url(),
            token: token.into(),
        }
    }

    /// The API base without a trailing slash, checked: `https://…`, or `http://` on a loopback
    /// host (`127.0.0.1`, `[::1]`, `localhost`).
    pub fn checked_api_url(&self) -> Result<String, crate::chat::ChatError> {
        let url = self.api_url.trim().trim_end_matches('/').to_string();
        let ok = if let Some(rest) = url.strip_prefix("http://") {
            let host = rest.split(['/', '?']).next().unwrap_or_default();
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            matches!(host, "127.0.0.1" | "localhost" | "[::1]")
        } else {
            url.starts_with("https://") && url.len() > "https://".len()
        };
        if ok {
            Ok(url)
        } else {
            Err(crate::chat::ChatError::Rejected {
                platform: crate::chat::Platform::Discord,
                detail: format!(
                    "[discord] api_url must be https:// (or http:// on loopback), got {url:?}"
                ),
            })
        }
    }

    /// True when the settings point at the real Discord (rate limiter on, no URL rewrite).
    pub fn is_default_api(&self) -> bool {
        self.api_url.trim().trim_end_matches('/') == DEFAULT_API_URL
    }

    /// Builds serenity's REST client for these settings (see the module docs on addresses).
    pub fn http(&self) -> Result<serenity::http::Http, crate::chat::ChatError> {
        install_crypto_provider();
        let url = self.checked_api_url()?;
        let builder = serenity::http::HttpBuilder::new(self.token.expose());
        let builder = if self.is_default_api() {
            builder
        } else {
            builder.proxy(url).ratelimiter_disabled(true)
        };
        Ok(builder.build())
    }
}

/// Installs rustls' `ring` provider as the process default, unless one is installed already.
///
/// serenity's REST client (reqwest 0.12, `rustls-tls`) picks ring itself and its gateway client
/// (tokio-tungstenite 0.21 on rustls 0.22) does not consult the process default, so this only
/// guarantees that other rustls 0.23 users in the binary find exactly one provider. Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_hide_the_token() {
        let s: DiscordSettings =
            serde_json::from_value(serde_json::json!({"token": "abc.def"})).expect("valid json");
        assert_eq!(s.api_url, DEFAULT_API_URL);
        assert!(s.is_default_api());
        assert!(!format!("{s:?}").contains("abc.def"));
        assert_eq!(s.token.expose(), "abc.def");
    }

    #[test]
    fn api_url_must_be_https_or_loopback() {
        let mut s = DiscordSettings::new("t");
        s.api_url = "http://127.0.0.1:9000/".into();
        assert_eq!(
            s.checked_api_url().expect("loopback"),
            "http://127.0.0.1:9000"
        );
        assert!(!s.is_default_api());
        s.api_url = "http://example.com".into();
        assert!(s.checked_api_url().is_err());
        s.api_url = "https://discord.com/".into();
        assert!(s.is_default_api());
    }
}
