//! The plain data every part of the bot works with: the store, the configuration, the knowledge
//! base and the metrics. No behaviour lives here; it is handed down, never called back into.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::Store;
use knowledge::KnowledgeBase;
use std::sync::Arc;

/// The shared services (cheap to clone).
#[derive(Clone)]
pub struct Services {
    /// The database.
    pub store: Store,
    /// The configuration.
    pub config: Arc<Config>,
    /// The knowledge base (articles, key and error tables).
    pub kb: Arc<KnowledgeBase>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
}
