//! The HTTP listener of `kmsbot serve`: hyper's HTTP/1 connections with a header read timeout,
//! a whole-request timeout (408, tower-http) and a connection limit that sheds idle connections.
//!
//! Why not `axum::serve`: it sets no timer, so hyper's header read timeout never fires (a silent
//! connection stays open for ever), and it accepts without limit (file descriptors run out, and
//! then `/healthz` cannot be accepted either). Here every connection has a slot; at
//! [`HttpLimits::max_connections`] a newcomer closes the oldest connection that has no request
//! in progress (one that sent nothing yet, or idles between keep-alive requests), so a flood of
//! silent connections cannot lock out a health check; when every slot is busy with a request the
//! newcomer is closed instead.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The limits applied to every connection and request.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// The headers of a request (and the first byte after an idle keep-alive) must arrive within it.
    pub header_timeout: Duration,
    /// A request (body read and answer) must complete within it, else 408.
    pub request_timeout: Duration,
    /// Open connections at most.
    pub max_connections: usize,
}

impl HttpLimits {
    /// The limits `[http]` configures.
    pub fn from_config(c: &crate::config::HttpConfig) -> HttpLimits {
        HttpLimits {
            header_timeout: Duration::from_secs(c.header_timeout_secs),
            request_timeout: Duration::from_secs(c.body_timeout_secs),
            max_connections: c.max_connections,
        }
    }
}

/// The warning to log when `listen` is reachable from other machines.
pub fn listen_warning(listen: SocketAddr) -> Option<String> {
    if listen.ip().is_loopback() {
        return None;
    }
    Some(format!(
        "[http] listen = \"{listen}\" is not a loopback address: /metrics and /readyz answer anyone who can reach it; put the server behind a reverse proxy with HTTPS, or listen on 127.0.0.1"
    ))
}

/// One open connection: requests in progress, and how to close it.
struct Slot {
    busy: Arc<AtomicUsize>,
    close: CancellationToken,
}

/// The open connections, oldest first.
#[derive(Default)]
struct Slots {
    next: u64,
    open: BTreeMap<u64, Slot>,
}

/// Counts a request in progress on its connection for as long as it lives.
struct Busy(Arc<AtomicUsize>);

impl Busy {
    fn new(count: &Arc<AtomicUsize>) -> Busy {
        count.fetch_add(1, Ordering::SeqCst);
        Busy(count.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock(slots: &Mutex<Slots>) -> std::sync::MutexGuard<'_, Slots> {
    // The table holds plain data; a panic elsewhere while it was held leaves it usable.
    slots
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Makes room for one more connection: `Some(id)` of its slot, or `None` when every open
/// connection has a request in progress (the newcomer is then closed).
fn admit(slots: &Mutex<Slots>, max: usize) -> Option<(u64, Arc<AtomicUsize>, CancellationToken)> {
    let mut s = lock(slots);
    if s.open.len() >= max {
        let idle = s
            .open
            .iter()
            .find(|(_, slot)| slot.busy.load(Ordering::SeqCst) == 0)
            .map(|(id, _)| *id)?;
        if let Some(old) = s.open.remove(&idle) {
            old.close.cancel();
            tracing::debug!(
                connection = idle,
                "connection limit reached: closed the oldest idle connection"
            );
        }
    }
    let id = s.next;
    s.next += 1;
    let busy = Arc::new(AtomicUsize::new(0));
    let close = CancellationToken::new();
    s.open.insert(
        id,
        Slot {
            busy: busy.clone(),
            close: close.clone(),
        },
    );
    Some((id, busy, close))
}

/// Serves `router` on `listener` until `stop`; then stops accepting, lets requests in progress
/// finish (bounded by the request timeout) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    stop: CancellationToken,
) {
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request_timeout,
    ));
    let slots = Arc::new(Mutex::new(Slots::default()));
    let tasks = tokio_util::task::TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.cancelled() => break,
        };
        let tcp = match accepted {
            Ok((tcp, _peer)) => tcp,
            Err(e) => {
                // Out of file descriptors (or a connection reset before accept): back off a little
                // rather than spin; connections already open keep being served.
                tracing::warn!(error = %e, "cannot accept an HTTP connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some((id, busy, close)) = admit(&slots, limits.max_connections) else {
            tracing::warn!(
                max = limits.max_connections,
                "every HTTP connection is busy with a request: refused a new one"
            );
            drop(tcp);
            continue;
        };
        let (router, slots, stop) = (router.clone(), slots.clone(), stop.clone());
        tasks.spawn(async move {
            connection(tcp, router, busy, close, limits, stop).await;
            lock(&slots).open.remove(&id);
        });
    }
    tasks.close();
    // Requests in progress finish within the request timeout; keep-alive idlers close at once.
    let _ = tokio::time::timeout(
        limits.request_timeout + Duration::from_secs(1),
        tasks.wait(),
    )
    .await;
}

async fn connection(
    tcp: tokio::net::TcpStream,
    router: Router,
    busy: Arc<AtomicUsize>,
    close: CancellationToken,
    limits: HttpLimits,
    stop: CancellationToken,
) {
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let guard = Busy::new(&busy);
        let mut router = router.clone();
        async move {
            let response = tower_service::Service::call(&mut router, req).await;
            drop(guard);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(tcp), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "HTTP connection ended with an error");
            }
        }
        _ = close.cancelled() => {}
        _ = stop.cancelled() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = close.cancelled() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_listen_is_warned() {
        assert!(listen_warning("127.0.0.1:8080".parse().unwrap()).is_none());
        assert!(listen_warning("[::1]:8080".parse().unwrap()).is_none());
        let w = listen_warning("0.0.0.0:8080".parse().unwrap()).unwrap();
        assert!(w.contains("not a loopback address"), "{w}");
        assert!(listen_warning("10.1.2.3:80".parse().unwrap()).is_some());
    }

    #[test]
    fn at_the_limit_the_oldest_idle_connection_makes_room() {
        let slots = Mutex::new(Slots::default());
        let (a, busy_a, close_a) = admit(&slots, 2).unwrap();
        let (_b, _busy_b, close_b) = admit(&slots, 2).unwrap();
        busy_a.fetch_add(1, Ordering::SeqCst);
        // a is busy, so b (the oldest idle one) is closed for c.
        let (_c, busy_c, close_c) = admit(&slots, 2).unwrap();
        assert!(!close_a.is_cancelled());
        assert!(close_b.is_cancelled());
        busy_c.fetch_add(1, Ordering::SeqCst);
        // Everyone busy: the newcomer is refused.
        assert!(admit(&slots, 2).is_none());
        assert!(!close_c.is_cancelled());
        assert_eq!(lock(&slots).open.len(), 2);
        assert!(lock(&slots).open.contains_key(&a));
    }
}
