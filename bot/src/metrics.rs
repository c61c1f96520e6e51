//! Prometheus metrics: counters and latency histograms for events, answers, tickets and jobs.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Mutex;
use std::time::Duration;

/// Labels of event metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EventLabels {
    /// `console`, `slack`, `discord`.
    pub platform: String,
    /// `done`, `duplicate`, `ignored`, `user_error`, `internal_error`.
    pub outcome: String,
}

/// Labels of outbox metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PlatformLabels {
    /// `console`, `slack`, `discord`.
    pub platform: String,
}

/// Labels of answer metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AnswerLabels {
    /// `true` when the bot said it does not know.
    pub abstained: String,
}

/// Labels of ticket and job metrics.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    /// Ticket kind or job method.
    pub kind: String,
    /// Ticket or job status reached.
    pub status: String,
}

fn latency() -> Histogram {
    // 0.25 ms .. ~8 s
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

fn long_latency() -> Histogram {
    // 0.1 s .. ~30 min
    Histogram::new(exponential_buckets(0.1, 2.0, 15))
}

/// Labels of the instances-by-licence-state gauge.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct LicenseLabels {
    /// `licensed`, `notification`, `grace`, `unlicensed`, `unreachable`, `unknown`.
    pub license_state: String,
}

/// Every metric the bot exports.
pub struct Metrics {
    registry: Mutex<Registry>,
    events: Family<EventLabels, Counter>,
    event_seconds: Family<EventLabels, Histogram, fn() -> Histogram>,
    answers: Family<AnswerLabels, Counter>,
    answer_seconds: Histogram,
    tickets: Family<KindLabels, Counter>,
    jobs: Family<KindLabels, Counter>,
    job_seconds: Family<KindLabels, Histogram, fn() -> Histogram>,
    outbox_queued: Family<PlatformLabels, Gauge>,
    outbox_oldest: Family<PlatformLabels, Gauge>,
    outbox_failures: Family<PlatformLabels, Counter>,
    instances: Family<LicenseLabels, Gauge>,
    /// The last known licence state of each instance (watch rounds and status checks).
    instance_states: Mutex<std::collections::BTreeMap<String, &'static str>>,
    watch_rounds: Counter,
    watch_announcements: Counter,
    inbox_backlog: Gauge,
    inbox_oldest: Gauge,
    inbox_redeliveries: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("kmsbot");
        let events = Family::<EventLabels, Counter>::default();
        let event_seconds =
            Family::<EventLabels, Histogram, fn() -> Histogram>::new_with_constructor(latency);
        let answers = Family::<AnswerLabels, Counter>::default();
        let answer_seconds = latency();
        let tickets = Family::<KindLabels, Counter>::default();
        let jobs = Family::<KindLabels, Counter>::default();
        let job_seconds =
            Family::<KindLabels, Histogram, fn() -> Histogram>::new_with_constructor(long_latency);
        registry.register("events", "Chat events handled", events.clone());
        registry.register(
            "event_duration_seconds",
            "Time to handle one chat event (store and reply)",
            event_seconds.clone(),
        );
        registry.register(
            "answers",
            "Questions answered from the knowledge base",
            answers.clone(),
        );
        registry.register(
            "answer_duration_seconds",
            "Time to compute one knowledge answer",
            answer_seconds.clone(),
        );
        registry.register("tickets", "Ticket state changes", tickets.clone());
        registry.register("jobs", "Activation jobs that ended", jobs.clone());
        registry.register(
            "job_duration_seconds",
            "Wall time of one activation job run",
            job_seconds.clone(),
        );
        let outbox_queued = Family::<PlatformLabels, Gauge>::default();
        let outbox_oldest = Family::<PlatformLabels, Gauge>::default();
        let outbox_failures = Family::<PlatformLabels, Counter>::default();
        registry.register(
            "outbox_queued",
            "Chat deliveries waiting in the outbox (posts, coalesced edits, reactions)",
            outbox_queued.clone(),
        );
        registry.register(
            "outbox_oldest_age_seconds",
            "Age of the oldest chat delivery not yet accepted by the platform (0 when none)",
            outbox_oldest.clone(),
        );
        registry.register(
            "outbox_failures",
            "Chat delivery attempts that failed (each is retried with backoff)",
            outbox_failures.clone(),
        );
        let instances = Family::<LicenseLabels, Gauge>::default();
        let watch_rounds = Counter::default();
        let watch_announcements = Counter::default();
        registry.register(
            "instances",
            "Configured instances by their last known licence state (from the watch and status checks)",
            instances.clone(),
        );
        registry.register(
            "watch_rounds",
            "Completed rounds of the expiry watch",
            watch_rounds.clone(),
        );
        registry.register(
            "watch_announcements",
            "Changes the expiry watch announced",
            watch_announcements.clone(),
        );
        let inbox_backlog = Gauge::default();
        let inbox_oldest = Gauge::default();
        registry.register(
            "inbox_backlog",
            "Acknowledged platform events stored and not yet handled",
            inbox_backlog.clone(),
        );
        registry.register(
            "inbox_oldest_age_seconds",
            "Age of the oldest acknowledged event not yet handled (0 when none)",
            inbox_oldest.clone(),
        );
        let inbox_redeliveries = Counter::default();
        registry.register(
            "inbox_redeliveries",
            "Platform redeliveries of an event still waiting in the inbox (stored once)",
            inbox_redeliveries.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            instances,
            instance_states: Mutex::default(),
            watch_rounds,
            watch_announcements,
            inbox_backlog,
            inbox_oldest,
            inbox_redeliveries,
            outbox_queued,
            outbox_oldest,
            outbox_failures,
            events,
            event_seconds,
            answers,
            answer_seconds,
            tickets,
            jobs,
            job_seconds,
        }
    }

    /// The outbox of `platform`: how many deliveries wait and how old the oldest is.
    pub fn outbox(&self, platform: &str, queued: usize, oldest: Duration) {
        let l = PlatformLabels {
            platform: platform.to_string(),
        };
        self.outbox_queued
            .get_or_create(&l)
            .set(i64::try_from(queued).unwrap_or(i64::MAX));
        self.outbox_oldest
            .get_or_create(&l)
            .set(i64::try_from(oldest.as_secs()).unwrap_or(i64::MAX));
    }

    /// The durable inbox: how many acknowledged events wait and how old the oldest is.
    pub fn inbox(&self, backlog: i64, oldest: Duration, new_redeliveries: u64) {
        self.inbox_redeliveries.inc_by(new_redeliveries);
        self.inbox_backlog.set(backlog);
        self.inbox_oldest
            .set(i64::try_from(oldest.as_secs()).unwrap_or(i64::MAX));
    }

    /// One failed delivery attempt on `platform`.
    pub fn outbox_failure(&self, platform: &str) {
        self.outbox_failures
            .get_or_create(&PlatformLabels {
                platform: platform.to_string(),
            })
            .inc();
    }

    /// One event handled.
    pub fn event(&self, platform: &str, outcome: &str, took: Duration) {
        let l = EventLabels {
            platform: platform.to_string(),
            outcome: outcome.to_string(),
        };
        self.events.get_or_create(&l).inc();
        self.event_seconds
            .get_or_create(&l)
            .observe(took.as_secs_f64());
    }

    /// One knowledge answer.
    pub fn answer(&self, abstained: bool, took: Duration) {
        self.answers
            .get_or_create(&AnswerLabels {
                abstained: abstained.to_string(),
            })
            .inc();
        self.answer_seconds.observe(took.as_secs_f64());
    }

    /// A ticket reached `status`.
    pub fn ticket(&self, kind: &str, status: &str) {
        self.tickets
            .get_or_create(&KindLabels {
                kind: kind.to_string(),
                status: status.to_string(),
            })
            .inc();
    }

    /// A job run ended with `status`.
    pub fn job(&self, method: &str, status: &str, took: Duration) {
        let l = KindLabels {
            kind: method.to_string(),
            status: status.to_string(),
        };
        self.jobs.get_or_create(&l).inc();
        self.job_seconds
            .get_or_create(&l)
            .observe(took.as_secs_f64());
    }

    /// Records the licence state of instances just checked (`states`: the state's words, e.g.
    /// `licensed`) and recounts `kmsbot_instances`.
    pub fn instance_states<'a>(&self, states: impl IntoIterator<Item = (&'a str, &'static str)>) {
        let mut known = self
            .instance_states
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (instance, state) in states {
            known.insert(instance.to_string(), state);
        }
        let mut counts: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
        for state in known.values() {
            *counts.entry(state).or_default() += 1;
        }
        self.instances.clear();
        for (state, n) in counts {
            self.instances
                .get_or_create(&LicenseLabels {
                    license_state: state.to_string(),
                })
                .set(n);
        }
    }

    /// One watch round ended, having announced `announced` changes.
    pub fn watch_round(&self, announced: usize) {
        self.watch_rounds.inc();
        self.watch_announcements.inc_by(announced as u64);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &registry) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new();
        m.event("slack", "done", Duration::from_millis(3));
        m.answer(false, Duration::from_micros(40));
        m.ticket("firewall", "open");
        m.job("kms", "succeeded", Duration::from_secs(4));
        let text = m.render();
        assert!(
            text.contains("kmsbot_events_total{platform=\"slack\",outcome=\"done\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kmsbot_event_duration_seconds_bucket"),
            "{text}"
        );
        assert!(
            text.contains("kmsbot_answers_total{abstained=\"false\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kmsbot_tickets_total{kind=\"firewall\",status=\"open\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("kmsbot_jobs_total{kind=\"kms\",status=\"succeeded\"} 1"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
