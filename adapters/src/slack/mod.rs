//! The Slack adapter: Web API sender ([`SlackChat`]), event decoding, Socket Mode and the Events API.
//!
//! Inbound paths:
//! * Socket Mode ([`run_socket_mode`]): a hand-written client over tokio-tungstenite. It asks
//!   `apps.connections.open` (at [`SlackSettings::api_url`], with the app token) for a WebSocket URL
//!   and reconnects with a bounded backoff when the connection drops or Slack sends `disconnect`.
//!   [`run_socket_mode_durable`] stores each envelope through an [`crate::Intake`] and acknowledges
//!   it once stored; [`run_socket_mode_with`] acknowledges at once and queues to one worker.
//! * Events API ([`events_router`]): `POST /slack/events` and `POST /slack/interactions`, signature
//!   checked before anything else; [`events_router_durable`] answers 200 once the payload is
//!   stored through an [`crate::Intake`], [`events_router_with`] at once (delivering on a task).
//!
//! Stored payloads are decoded and delivered by whoever reads the intake, with [`handle_stored`].
//!
//! Dedupe keys ([`crate::chat::Incoming::event_id`]), stable across Slack's redeliveries:
//! * messages (`message` and `app_mention` alike): `slack:msg:<channel>:<ts>`, so the two events
//!   Slack sends for one mention, and any redelivery of either, share one id;
//! * reactions: `slack:ev:<event_id>` (Slack keeps `event_id` across retries; adding, removing and
//!   adding again are three events with three ids);
//! * buttons: `slack:action:<channel>:<message_ts>:<action_id>:<user>:<action_ts>` (interaction
//!   payloads carry no `event_id`; `action_ts` identifies one click and survives redelivery).

mod api;
mod decode;
mod events;
mod mrkdwn;
mod socket;

use serde::Deserialize;
use std::fmt;

pub use api::SlackChat;
pub use decode::{decode_event, decode_interaction, NoThreads, ThreadOracle};
pub use events::{
    events_router, events_router_durable, events_router_with, sign_request, verify_request,
    SignatureError, MAX_BODY_BYTES, SIGNATURE_HEADER, TIMESTAMP_HEADER, TIMESTAMP_TOLERANCE_SECS,
};
pub use mrkdwn::markdown_to_mrkdwn;
pub use socket::{
    handle_stored, run_socket_mode, run_socket_mode_durable, run_socket_mode_with,
    PERSISTS_IN_FLIGHT, QUEUE_CAPACITY,
};

/// Slack's public Web API base; production must use it (https).
pub const DEFAULT_API_URL: &str = "https://slack.com/api/";

/// A credential (token or signing secret) held in a [`secrecy::SecretString`]: zeroed on drop,
/// never shown by `Debug`, and readable only through [`SlackSecret::expose`].
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct SlackSecret(secrecy::SecretString);

impl SlackSecret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        SlackSecret(secrecy::SecretString::new(value.into()))
    }

    /// The credential itself, for the one place that must send or use it.
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

impl fmt::Debug for SlackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SlackSecret(***)")
    }
}

impl From<&str> for SlackSecret {
    fn from(value: &str) -> Self {
        SlackSecret::new(value)
    }
}

impl From<String> for SlackSecret {
    fn from(value: String) -> Self {
        SlackSecret::new(value)
    }
}

impl Default for SlackSecret {
    fn default() -> Self {
        SlackSecret::new(String::new())
    }
}

impl PartialEq for SlackSecret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for SlackSecret {}

/// How Slack reaches the bot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlackMode {
    /// Socket Mode: the bot dials out over a WebSocket (needs [`SlackSettings::app_token`]).
    #[default]
    Socket,
    /// Events API: Slack POSTs signed requests to the bot's HTTP server (needs
    /// [`SlackSettings::signing_secret`]).
    Events,
}

/// Configuration of the Slack adapter.
#[derive(Debug, Clone, Deserialize)]
pub struct SlackSettings {
    /// Base of every Web API call, `apps.connections.open` included (default
    /// [`DEFAULT_API_URL`]). Must be `https://`, except `http://` on a loopback host for tests.
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// The bot token (`xoxb-...`) used for every Web API call except `apps.connections.open`.
    pub bot_token: SlackSecret,
    /// The app-level token (`xapp-...`, scope `connections:write`), required in Socket Mode.
    #[serde(default)]
    pub app_token: Option<SlackSecret>,
    /// The signing secret, required by the Events API endpoints.
    #[serde(default)]
    pub signing_secret: Option<SlackSecret>,
    /// Socket Mode or Events API.
    #[serde(default)]
    pub mode: SlackMode,
    /// Consecutive failed Socket Mode connection attempts after which
    /// [`run_socket_mode`] gives up and returns an error (default 20; delays grow from 0.5 s to 30 s).
    #[serde(default = "default_max_reconnect_attempts")]
    pub max_reconnect_attempts: u32,
}

fn default_api_url() -> String {
    DEFAULT_API_URL.to_string()
}

fn default_max_reconnect_attempts() -> u32 {
    20
}

impl SlackSettings {
    /// Settings for the real Slack with a bot token, Socket Mode, and no other credential yet.
    pub fn new(bot_token: impl Into<SlackSecret>) -> Self {
        SlackSettings {
            api_url: default_api_url(),
            bot_token: bot_token.into(),
            app_token: None,
            signing_secret: None,
            mode: SlackMode::Socket,
            max_reconnect_attempts: default_max_reconnect_attempts(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_deserialize_with_defaults_and_hide_secrets() {
        let settings: SlackSettings = serde_json::from_value(serde_json::json!({
            "bot_token": "xoxb-secret-bot",
            "app_token": "xapp-secret-app",
            "signing_secret": "very-secret",
        }))
        .expect("valid settings");
        assert_eq!(settings.api_url, DEFAULT_API_URL);
        assert_eq!(settings.mode, SlackMode::Socket);
        assert_eq!(settings.bot_token.expose(), "xoxb-secret-bot");
        let shown = format!("{settings:?}");
        assert!(
            !shown.contains("secret-bot")
                && !shown.contains("secret-app")
                && !shown.contains("very-secret")
        );
        let events: SlackMode = serde_json::from_value(serde_json::json!("events")).expect("mode");
        assert_eq!(events, SlackMode::Events);
    }
}
