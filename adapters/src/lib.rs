//! The edges of kmsbot: a neutral chat vocabulary and the adapters that speak each platform's protocol.
//!
//! Nothing platform-specific (Slack, Discord, SSH, WinRM types) leaves this crate: the bot only sees
//! [`chat::Incoming`], [`chat::Outgoing`], the [`chat::Chat`] trait and the [`shell::RemoteShell`] trait.

pub mod chat;
pub mod console;
pub mod discord;
pub mod emoji;
pub mod message;
pub mod shell;
pub mod slack;
pub mod split;
pub mod ssh;
pub mod winrm;

pub use chat::{
    Block, Button, Chat, ChatError, EventSink, Field, Incoming, IncomingKind, Intake, Message,
    Outgoing, Platform, RawInbound, RawKind,
};
