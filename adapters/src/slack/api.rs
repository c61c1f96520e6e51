//! [`SlackChat`]: the Web API side (posting, editing, reacting, user names, own identity).
//!
//! Calls go through slack-morphism's hyper client with JSON bodies built here, so the wire format
//! stays visible and the answers are decoded leniently. The connector is chosen by the scheme of
//! [`SlackSettings::api_url`]: rustls (native roots, https only) for `https://`, plain TCP for
//! `http://` on a loopback host (test stand-ins); plain http elsewhere is refused so a token never
//! travels in clear text.

use super::decode::ThreadOracle;
use super::mrkdwn::{escape, markdown_to_mrkdwn};
use super::SlackSettings;
use crate::chat::{Block, Button, Chat, ChatError, Field, Message, Outgoing, Platform};
use async_trait::async_trait;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use slack_morphism::errors::SlackClientError;
use slack_morphism::hyper_tokio::{SlackClientHyperConnector, SlackClientHyperHttpsConnector};
use slack_morphism::{ClientResult, SlackApiToken, SlackApiTokenValue, SlackClient};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;
use tracing::{debug, warn};

/// How many times one Web API call is tried when Slack answers 429 before giving up with an error.
const MAX_ATTEMPTS: u32 = 5;
/// Wait used when a 429 carries no usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// Longest single wait honoured for one `Retry-After` (Slack asks for seconds to a minute).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Slack's limit on the text of one section block.
const SECTION_TEXT_LIMIT: usize = 3000;
/// Slack's limit on the fields of one section block.
const SECTION_FIELDS_LIMIT: usize = 10;
/// How much of a field's value is shown (Slack takes 2000 characters per field text).
const FIELD_VALUE_SHOWN: usize = 1900;
/// How many bot threads are remembered (oldest forgotten first).
const REMEMBERED_THREADS: usize = 10_000;

/// Threads the bot posted in, bounded: a set for lookups, a queue for eviction order.
#[derive(Default)]
struct Threads {
    known: HashSet<(String, String)>,
    order: VecDeque<(String, String)>,
}

/// The HTTP client, typed by connector (slack-morphism's client is generic over it).
enum Transport {
    Https(SlackClient<SlackClientHyperHttpsConnector>),
    Http(SlackClient<SlackClientHyperConnector<HttpConnector>>),
}

impl Transport {
    fn for_url(api_url: &str) -> Result<Transport, ChatError> {
        let lower = api_url.to_ascii_lowercase();
        if lower.starts_with("https://") {
            install_crypto_provider();
            let connector = SlackClientHyperConnector::new()
                .map_err(|e| rejected(format!("cannot set up TLS for the Slack API: {e}")))?
                .with_slack_api_url(api_url);
            Ok(Transport::Https(SlackClient::new(connector)))
        } else if let Some(rest) = lower.strip_prefix("http://") {
            let host = rest.split('/').next().unwrap_or_default();
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            let loopback = host == "localhost"
                || host == "[::1]"
                || host.starts_with("127.")
                || host
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if !loopback {
                return Err(rejected(format!(
                    "refusing plain http to {host}: only https, or http on a loopback host, may carry Slack tokens"
                )));
            }
            let connector = SlackClientHyperConnector::with_connector(HttpConnector::new())
                .with_slack_api_url(api_url);
            Ok(Transport::Http(SlackClient::new(connector)))
        } else {
            Err(rejected(format!(
                "Slack api_url must start with https:// (got {api_url:?})"
            )))
        }
    }

    async fn post(&self, token: &SlackApiToken, method: &str, body: &Value) -> ClientResult<Value> {
        match self {
            Transport::Https(c) => {
                c.open_session(token)
                    .http_session_api
                    .http_post(method, body, None)
                    .await
            }
            Transport::Http(c) => {
                c.open_session(token)
                    .http_session_api
                    .http_post(method, body, None)
                    .await
            }
        }
    }

    async fn get(
        &self,
        token: &SlackApiToken,
        method: &str,
        params: &[(&str, String)],
    ) -> ClientResult<Value> {
        let params: Vec<(&str, Option<&String>)> =
            params.iter().map(|(k, v)| (*k, Some(v))).collect();
        match self {
            Transport::Https(c) => {
                c.open_session(token)
                    .http_session_api
                    .http_get(method, &params, None)
                    .await
            }
            Transport::Http(c) => {
                c.open_session(token)
                    .http_session_api
                    .http_get(method, &params, None)
                    .await
            }
        }
    }
}

/// Makes ring rustls' process-wide provider unless one is installed already, so TLS set-up does
/// not panic when another crate in the binary also enables rustls' aws-lc-rs backend.
pub(crate) fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

enum Verb<'a> {
    Post(&'a Value),
    Get(&'a [(&'a str, String)]),
}

fn rejected(detail: String) -> ChatError {
    ChatError::Rejected {
        platform: Platform::Slack,
        detail,
    }
}

fn unreachable(detail: String) -> ChatError {
    ChatError::Unreachable {
        platform: Platform::Slack,
        detail,
    }
}

fn token(secret: &str) -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue(secret.to_string()))
}

/// Sends [`Outgoing`] actions to Slack and answers questions about users and the bot itself.
///
/// Share one instance (in an `Arc`) between the outbox and the inbound runners: it caches display
/// names and the bot's user id, and remembers the threads it posted in (its [`ThreadOracle`]).
pub struct SlackChat {
    transport: Transport,
    bot_token: SlackApiToken,
    app_token: Option<SlackApiToken>,
    bot_user_id: OnceCell<String>,
    names: Mutex<HashMap<String, String>>,
    /// `users.info` calls in flight, by user: concurrent look-ups of one user share one call.
    lookups: Mutex<HashMap<String, Arc<OnceCell<Option<String>>>>>,
    threads: Mutex<Threads>,
}

impl std::fmt::Debug for SlackChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackChat")
            .field("bot_user_id", &self.bot_user_id.get())
            .finish_non_exhaustive()
    }
}

impl SlackChat {
    /// Builds the client for `settings.api_url` (no network call yet).
    ///
    /// Fails on an api_url that is neither https nor loopback http, or when TLS roots can't load.
    pub fn new(settings: &SlackSettings) -> Result<SlackChat, ChatError> {
        let mut api_url = settings.api_url.trim().to_string();
        // slack-morphism joins base and method with '/': keep exactly one.
        while api_url.ends_with('/') {
            api_url.pop();
        }
        Ok(SlackChat {
            transport: Transport::for_url(&api_url)?,
            bot_token: token(settings.bot_token.expose()),
            app_token: settings.app_token.as_ref().map(|t| token(t.expose())),
            bot_user_id: OnceCell::new(),
            names: Mutex::new(HashMap::new()),
            lookups: Mutex::new(HashMap::new()),
            threads: Mutex::new(Threads::default()),
        })
    }

    /// One Web API call, retried on HTTP 429 after `Retry-After` (at most [`MAX_ATTEMPTS`] tries;
    /// then an `Unreachable` error so the caller keeps the action for later instead of dropping it).
    async fn call(
        &self,
        token: &SlackApiToken,
        method: &str,
        verb: Verb<'_>,
    ) -> Result<Value, ChatError> {
        let mut attempt = 1;
        loop {
            let result = match &verb {
                Verb::Post(body) => self.transport.post(token, method, body).await,
                Verb::Get(params) => self.transport.get(token, method, params).await,
            };
            match result {
                Ok(value) => return Ok(value),
                Err(SlackClientError::RateLimitError(limit)) => {
                    if attempt >= MAX_ATTEMPTS {
                        return Err(unreachable(format!(
                            "{method}: still rate limited after {MAX_ATTEMPTS} attempts"
                        )));
                    }
                    let wait = limit
                        .retry_after
                        .unwrap_or(DEFAULT_RETRY_AFTER)
                        .min(MAX_RETRY_AFTER);
                    warn!(
                        method,
                        attempt,
                        wait_secs = wait.as_secs_f64(),
                        "Slack rate limit (429); retrying"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(SlackClientError::ApiError(api)) => {
                    return Err(rejected(format!("{method}: {}", api.code)));
                }
                Err(other) => return Err(unreachable(format!("{method}: {other}"))),
            }
        }
    }

    /// The bot's own user id (`auth.test`), asked once and cached.
    pub async fn bot_user_id(&self) -> Result<String, ChatError> {
        self.bot_user_id
            .get_or_try_init(|| async {
                let answer = self
                    .call(&self.bot_token, "auth.test", Verb::Get(&[]))
                    .await?;
                answer
                    .get("user_id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| rejected("auth.test: answer has no user_id".to_string()))
            })
            .await
            .cloned()
    }

    /// The display name of a Slack user (`U0123` or `slack:U0123`), from `users.info`, cached.
    ///
    /// Prefers the profile's display name, then the real name, then the handle; `None` when the
    /// lookup fails (failures are not cached, so a later call tries again). Concurrent look-ups of
    /// one user share one `users.info` call.
    pub async fn display_name(&self, user_id: &str) -> Option<String> {
        let raw = user_id.strip_prefix("slack:").unwrap_or(user_id);
        if let Some(name) = self
            .names
            .lock()
            .ok()
            .and_then(|names| names.get(raw).cloned())
        {
            return Some(name);
        }
        // Single flight: the first caller asks Slack, the others wait for its answer.
        let cell = {
            let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
            lookups
                .entry(raw.to_string())
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let name = cell.get_or_init(|| self.fetch_name(raw)).await.clone();
        let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        if lookups.get(raw).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            lookups.remove(raw);
        }
        name
    }

    /// One `users.info` call: the user's display name (cached once known).
    async fn fetch_name(&self, raw: &str) -> Option<String> {
        let params = [("user", raw.to_string())];
        let answer = match self
            .call(&self.bot_token, "users.info", Verb::Get(&params))
            .await
        {
            Ok(answer) => answer,
            Err(e) => {
                debug!(user = raw, error = %e, "users.info failed");
                return None;
            }
        };
        let user = answer.get("user")?;
        let name = pick(user.pointer("/profile/display_name"))
            .or_else(|| pick(user.pointer("/profile/real_name")))
            .or_else(|| pick(user.get("real_name")))
            .or_else(|| pick(user.get("name")))?
            .to_string();
        if let Ok(mut names) = self.names.lock() {
            names.insert(raw.to_string(), name.clone());
        }
        Some(name)
    }

    /// The Socket Mode WebSocket URL from `apps.connections.open` (app token, at the api_url).
    pub(crate) async fn open_socket_url(&self) -> Result<String, ChatError> {
        let Some(app_token) = &self.app_token else {
            return Err(rejected(
                "Socket Mode needs an app token (xapp-...)".to_string(),
            ));
        };
        let answer = self
            .call(app_token, "apps.connections.open", Verb::Post(&json!({})))
            .await?;
        answer
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| rejected("apps.connections.open: answer has no url".to_string()))
    }

    /// Remembers that the bot posted in this thread (see [`ThreadOracle`]).
    pub fn remember_thread(&self, channel: &str, thread_ts: &str) {
        if let Ok(mut threads) = self.threads.lock() {
            let key = (channel.to_string(), thread_ts.to_string());
            if threads.known.insert(key.clone()) {
                threads.order.push_back(key);
                while threads.order.len() > REMEMBERED_THREADS {
                    if let Some(old) = threads.order.pop_front() {
                        threads.known.remove(&old);
                    }
                }
            }
        }
    }

    async fn post(
        &self,
        channel: &str,
        thread: Option<&str>,
        message: &Message,
        buttons: &[Button],
    ) -> Result<Option<String>, ChatError> {
        let mut body = json!({ "channel": channel, "text": fallback_text(message) });
        if let Some(thread) = thread {
            body["thread_ts"] = json!(thread);
        }
        if let Some(blocks) = blocks_for(message, buttons) {
            body["blocks"] = blocks;
        }
        let answer = self
            .call(&self.bot_token, "chat.postMessage", Verb::Post(&body))
            .await?;
        let ts = answer
            .get("ts")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| rejected("chat.postMessage: answer has no ts".to_string()))?;
        self.remember_thread(channel, thread.unwrap_or(&ts));
        Ok(Some(ts))
    }
}

fn pick(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The message's `text`: all of it in mrkdwn, what notifications and clients without Block Kit show.
fn fallback_text(message: &Message) -> String {
    markdown_to_mrkdwn(&message.to_markdown())
}

/// Block Kit sections for a message's blocks, in order: each run of text and code blocks as
/// mrkdwn sections (one when it fits Slack's 3000 characters, else split between blocks, a long
/// code block closed and reopened, see [`crate::split::pack`]), each [`Block::Fields`] as
/// two-column `fields` sections of at most 10.
fn sections(message: &Message) -> Vec<Value> {
    let mut sections = Vec::new();
    let mut run: Vec<&Block> = Vec::new();
    for block in &message.blocks {
        if let Block::Fields(fields) = block {
            text_sections(&run, &mut sections);
            run.clear();
            field_sections(fields, &mut sections);
        } else {
            run.push(block);
        }
    }
    text_sections(&run, &mut sections);
    sections
}

/// Sections for a run of text and code blocks.
fn text_sections(run: &[&Block], sections: &mut Vec<Value>) {
    if run.is_empty() {
        return;
    }
    let markdown: Vec<String> = run.iter().map(|b| b.to_markdown()).collect();
    let whole = markdown_to_mrkdwn(&markdown.join("\n"));
    let texts = if whole.chars().count() <= SECTION_TEXT_LIMIT {
        vec![whole]
    } else {
        let blocks: Vec<String> = markdown.iter().map(|m| markdown_to_mrkdwn(m)).collect();
        crate::split::pack(&blocks, SECTION_TEXT_LIMIT)
    };
    for text in texts.into_iter().filter(|t| !t.trim().is_empty()) {
        sections.push(json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }));
    }
}

/// `fields` sections: the name in bold over the value.
fn field_sections(fields: &[Field], sections: &mut Vec<Value>) {
    for group in fields.chunks(SECTION_FIELDS_LIMIT) {
        let fields: Vec<Value> = group
            .iter()
            .map(|f| {
                let value = markdown_to_mrkdwn(&f.value);
                let shown: String = value.chars().take(FIELD_VALUE_SHOWN).collect();
                json!({ "type": "mrkdwn", "text": format!("*{}*\n{shown}", escape(&f.name)) })
            })
            .collect();
        sections.push(json!({ "type": "section", "fields": fields }));
    }
}

/// Block Kit for a message, when it helps: buttons (an `actions` block after the sections) or
/// fields. `None`: the mrkdwn `text` is enough.
fn blocks_for(message: &Message, buttons: &[Button]) -> Option<Value> {
    if buttons.is_empty() && !message.has_fields() {
        return None;
    }
    let mut blocks = sections(message);
    if buttons.is_empty() {
        return Some(Value::Array(blocks));
    }
    let elements: Vec<Value> = buttons
        .iter()
        .map(|b| {
            let mut button = json!({
                "type": "button",
                "action_id": b.action,
                "value": b.action,
                "text": { "type": "plain_text", "text": b.label, "emoji": true },
            });
            match b.action.as_str() {
                "approve" => button["style"] = json!("primary"),
                "reject" => button["style"] = json!("danger"),
                _ => {}
            }
            button
        })
        .collect();
    blocks.push(json!({ "type": "actions", "elements": elements }));
    Some(Value::Array(blocks))
}

impl ThreadOracle for SlackChat {
    fn is_bot_thread(&self, channel: &str, thread_ts: &str) -> bool {
        self.threads
            .lock()
            .map(|threads| {
                threads
                    .known
                    .contains(&(channel.to_string(), thread_ts.to_string()))
            })
            .unwrap_or(false)
    }
}

#[async_trait]
impl Chat for SlackChat {
    fn platform(&self) -> Platform {
        Platform::Slack
    }

    async fn send(&self, out: &Outgoing) -> Result<Option<String>, ChatError> {
        match out {
            Outgoing::Post {
                channel,
                thread,
                message,
                buttons,
                ..
            } => {
                self.post(channel, thread.as_deref(), message, buttons)
                    .await
            }
            Outgoing::Edit {
                channel,
                message_ref,
                message,
                ..
            } => {
                // The new blocks replace the old ones; `blocks: []` drops them (e.g. approval
                // buttons) so the new text shows.
                let blocks = blocks_for(message, &[]).unwrap_or_else(|| json!([]));
                let body = json!({
                    "channel": channel,
                    "ts": message_ref,
                    "text": fallback_text(message),
                    "blocks": blocks,
                });
                self.call(&self.bot_token, "chat.update", Verb::Post(&body))
                    .await?;
                Ok(None)
            }
            Outgoing::React {
                channel,
                message_ref,
                emoji,
                ..
            } => {
                let name = emoji.trim().trim_matches(':');
                let body = json!({ "channel": channel, "timestamp": message_ref, "name": name });
                match self
                    .call(&self.bot_token, "reactions.add", Verb::Post(&body))
                    .await
                {
                    Ok(_) => Ok(None),
                    Err(ChatError::Rejected { detail, .. })
                        if detail.ends_with("already_reacted") =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }
}

#[cfg(test)]
mod block_tests {
    use super::*;

    fn ticket() -> Message {
        Message::markdown("Filed **FW-1**:")
            .with_fields(vec![
                Field::new("Kind", "firewall rule"),
                Field::new("Protocol", "tcp"),
                Field::new("Ports", "`1688`"),
            ])
            .with_markdown("The rule:")
            .with_code(None, "openstack security group rule create --protocol tcp")
            .with_markdown("Next: approve.")
    }

    #[test]
    fn fields_blocks_become_a_fields_section_and_plain_text_stays_plain() {
        let blocks = blocks_for(&ticket(), &[]).expect("fields use Block Kit");
        let blocks = blocks.as_array().expect("array");
        assert_eq!(blocks.len(), 3, "{blocks:?}");
        assert_eq!(blocks[0]["text"]["text"], "Filed *FW-1*:");
        assert_eq!(blocks[1]["fields"][1]["text"], "*Protocol*\ntcp");
        assert_eq!(blocks[1]["fields"][2]["text"], "*Ports*\n`1688`");
        // Text and code between fields are one section; code keeps its fences.
        assert_eq!(
            blocks[2]["text"]["text"],
            "The rule:\n```\nopenstack security group rule create --protocol tcp\n```\nNext: approve."
        );
        // The text fallback is the whole message, fields as a list.
        assert_eq!(
            fallback_text(&ticket()),
            "Filed *FW-1*:\n• *Kind:* firewall rule\n• *Protocol:* tcp\n• *Ports:* `1688`\nThe rule:\n```\nopenstack security group rule create --protocol tcp\n```\nNext: approve."
        );
        // Markdown that looks like fields is not re-read as fields.
        let list = Message::markdown("Filed:\n- **Kind:** a\n- **Protocol:** b\n- **Ports:** c");
        assert!(blocks_for(&list, &[]).is_none());
    }

    #[test]
    fn more_than_ten_fields_take_several_sections() {
        let fields: Vec<Field> = (0..23)
            .map(|i| Field::new(format!("F{i}"), "<v>"))
            .collect();
        let blocks = blocks_for(&Message::new().with_fields(fields), &[]).expect("blocks");
        let sizes: Vec<usize> = blocks
            .as_array()
            .expect("array")
            .iter()
            .map(|b| b["fields"].as_array().map_or(0, Vec::len))
            .collect();
        assert_eq!(sizes, [10, 10, 3]);
        assert_eq!(blocks[0]["fields"][0]["text"], "*F0*\n&lt;v&gt;");
    }

    #[test]
    fn a_long_code_block_is_split_into_sections_with_fences_closed_and_reopened() {
        let code: Vec<String> = (0..200)
            .map(|i| format!("slmgr /skms kms.example.internal:1688 # host {i:03}"))
            .collect();
        let message = Message::markdown("Run:")
            .with_code(Some("powershell"), code.join("\n"))
            .with_markdown("Then `slmgr /ato`.");
        let blocks = blocks_for(
            &message,
            &[Button {
                action: "approve".into(),
                label: "Approve".into(),
            }],
        )
        .expect("buttons use Block Kit");
        let blocks = blocks.as_array().expect("array");
        let texts: Vec<&str> = blocks
            .iter()
            .filter_map(|b| b["text"]["text"].as_str())
            .collect();
        assert!(texts.len() >= 4, "{}", texts.len());
        for t in &texts {
            assert!(t.chars().count() <= SECTION_TEXT_LIMIT);
            let fences = t.lines().filter(|l| l.starts_with("```")).count();
            assert_eq!(fences % 2, 0, "unbalanced: {t}");
        }
        assert!(texts[0].starts_with("Run:\n```\n"), "{}", texts[0]);
        assert!(texts[1].starts_with("```\n"), "{}", texts[1]);
        assert!(texts
            .last()
            .is_some_and(|t| t.ends_with("```\nThen `slmgr /ato`.")));
        let all = texts.concat();
        assert!(code.iter().all(|line| all.contains(line.as_str())));
        assert_eq!(
            blocks.last().map(|b| b["type"].clone()),
            Some(json!("actions"))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_url_gets_a_tls_client() {
        let settings = crate::slack::SlackSettings::new("xoxb-unused");
        assert_eq!(settings.api_url, crate::slack::DEFAULT_API_URL);
        assert!(SlackChat::new(&settings).is_ok());
    }

    #[test]
    fn plain_http_only_on_loopback() {
        assert!(Transport::for_url("http://127.0.0.1:9/api").is_ok());
        assert!(Transport::for_url("http://localhost:9/api").is_ok());
        assert!(Transport::for_url("http://example.com/api").is_err());
        assert!(Transport::for_url("ftp://example.com/api").is_err());
    }
}
