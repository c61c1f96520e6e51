//! The job worker's control signals: wake-ups when jobs are queued, the count of running jobs,
//! and the shutdown flag. Shared by whoever queues jobs and the worker, so neither calls the other.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tokio::sync::{watch, Notify};

/// Signals between the event side and the job worker.
pub struct JobsControl {
    queued: Notify,
    idle: Notify,
    active: AtomicUsize,
    worker_running: AtomicBool,
    shutdown: watch::Sender<bool>,
}

impl Default for JobsControl {
    fn default() -> Self {
        Self::new()
    }
}

impl JobsControl {
    /// Fresh signals: no worker, nothing running, not shutting down.
    pub fn new() -> JobsControl {
        JobsControl {
            queued: Notify::new(),
            idle: Notify::new(),
            active: AtomicUsize::new(0),
            worker_running: AtomicBool::new(false),
            shutdown: watch::channel(false).0,
        }
    }

    /// Jobs were queued: wake the worker.
    pub fn wake(&self) {
        self.queued.notify_one();
    }

    /// Resolves when jobs were queued (or after a spurious wake-up).
    pub async fn queued(&self) {
        self.queued.notified().await;
    }

    /// A job task started.
    pub fn job_started(&self) {
        self.active.fetch_add(1, Ordering::SeqCst);
    }

    /// A job task ended (whatever its outcome, including a panic).
    pub fn job_finished(&self) {
        self.active.fetch_sub(1, Ordering::SeqCst);
        self.idle.notify_waiters();
    }

    /// Job tasks running now.
    pub fn active(&self) -> usize {
        self.active.load(Ordering::SeqCst)
    }

    /// Resolves when a job task ends (enable it before checking, so no end is missed).
    pub fn job_ended(&self) -> tokio::sync::futures::Notified<'_> {
        self.idle.notified()
    }

    /// Records whether a worker runs in this process.
    pub fn set_worker_running(&self, running: bool) {
        self.worker_running.store(running, Ordering::SeqCst);
    }

    /// Whether a worker runs in this process.
    pub fn worker_running(&self) -> bool {
        self.worker_running.load(Ordering::SeqCst)
    }

    /// A receiver that turns true when the process is shutting down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// Asks the worker to stop taking work (running steps finish and checkpoint).
    pub fn shutdown(&self) {
        self.shutdown.send_replace(true);
        self.queued.notify_waiters();
    }
}
