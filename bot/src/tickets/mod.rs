//! Firewall-rule and internet-access tickets: their rows, queries and rendering.

pub mod store;

pub use store::{TicketFilter, TicketRow};
