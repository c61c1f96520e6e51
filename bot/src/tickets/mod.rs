//! Firewall-rule and internet-access tickets: understanding requests, slot filling, storage, lifecycle.

pub mod expiry;
pub mod flow;
pub mod request;
mod request_check;
mod request_names;
mod request_parse;
mod request_render;
#[cfg(test)]
mod request_tests;
pub mod store;

pub use request_parse::warm_up;
pub use store::{TicketFilter, TicketRow};
