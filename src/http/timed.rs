//! Where the time of an exchange went — DNS, TCP connect, TLS, time to
//! first byte, download — measured on the request itself, never with a
//! second request.
//!
//! reqwest opens connections in one connector (resolve → TCP → TLS) that
//! offers three seams, and each phase boundary is read at one of them:
//! - the DNS resolver ([`Resolver`], given to reqwest): when resolving
//!   starts and ends;
//! - the TLS client's session store ([`TlsStart`], in the rustls
//!   configuration built here): rustls asks it for a resumption ticket
//!   when it writes the ClientHello, the moment the TCP connection is up
//!   and TLS starts;
//! - a connector layer ([`Layer`]): when the connection was asked for and
//!   when it is ready.
//!
//! The three write into one [`Opening`] that the layer scopes to the
//! connection being opened (a task-local over its future), so concurrent
//! connections never mix. A finished opening is kept by the connection's
//! local and remote addresses; the response names its connection by the
//! same two (hyper's `HttpInfo`), and the first response over it claims it.
//! A response whose connection is not waiting to be claimed came over one
//! already open: a reused connection, no DNS, connect or TLS.

use apiscope_core::model::{Phase, Phases};
use hyper_util::client::legacy::connect::{Connection, HttpInfo};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What was seen while one connection was opened.
#[derive(Debug, Clone, Copy)]
pub struct Opening {
    started: Instant,
    dns_start: Option<Instant>,
    dns: Option<(Instant, Instant)>,
    tls_start: Option<Instant>,
    ready: Option<Instant>,
}

/// The connection a request is waiting for, when it opens one: read back
/// when the request fails (no response names its connection then).
pub type Waiting = Arc<Mutex<Option<Arc<Mutex<Opening>>>>>;

tokio::task_local! {
    static OPENING: Arc<Mutex<Opening>>;
    static WAITING: Waiting;
}

/// Runs `request` with a [`Waiting`] slot the connector fills: what a
/// failed request's phases are read from.
pub async fn watching<F: Future>(slot: Waiting, request: F) -> F::Output {
    WAITING.scope(slot, request).await
}

/// The phases of a request that got no response, from the connection it
/// was opening (`None` when it was not opening one): each phase that
/// ended, and the one it stopped in counted until `now`.
pub fn failed_phases(slot: &Waiting, now: Instant) -> Option<Phases> {
    let cell = slot.lock().ok()?.clone()?;
    let o = *cell.lock().ok()?;
    let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1e3;
    let mut p = Phases::default();
    let stopped = if let Some(ready) = o.ready {
        // Connected, then no answer (the server closed, or took too long).
        let tcp_from = o.dns.map_or(o.started, |(_, end)| end);
        p.dns_ms = o.dns.map(|(a, b)| ms(a, b));
        p.connect_ms = Some(ms(tcp_from, o.tls_start.unwrap_or(ready)));
        p.tls_ms = o.tls_start.map(|t| ms(t, ready));
        p.ttfb_ms = Some(ms(ready, now));
        Phase::Waiting
    } else if let Some(t) = o.tls_start {
        let tcp_from = o.dns.map_or(o.started, |(_, end)| end);
        p.dns_ms = o.dns.map(|(a, b)| ms(a, b));
        p.connect_ms = Some(ms(tcp_from, t));
        p.tls_ms = Some(ms(t, now));
        Phase::Tls
    } else if let Some((a, b)) = o.dns {
        p.dns_ms = Some(ms(a, b));
        p.connect_ms = Some(ms(b, now));
        Phase::Connect
    } else if let Some(a) = o.dns_start {
        p.dns_ms = Some(ms(a, now));
        Phase::Dns
    } else {
        // An IP address: straight to TCP.
        p.connect_ms = Some(ms(o.started, now));
        Phase::Connect
    };
    p.stopped_in = Some(stopped);
    Some(p)
}

/// Runs `f` on the connection being opened, when there is one.
fn with_opening(f: impl FnOnce(&mut Opening)) {
    let _ = OPENING.try_with(|cell| {
        if let Ok(mut o) = cell.lock() {
            f(&mut o);
        }
    });
}

/// Openings waiting for the first response over their connection.
#[derive(Debug, Default)]
pub struct Registry {
    open: Mutex<HashMap<(SocketAddr, SocketAddr), Opening>>,
}

/// The most openings kept unclaimed (a connection opened and never used,
/// a failed one): past it, the oldest go.
const KEPT: usize = 256;
/// How long an unclaimed opening is kept.
const KEPT_FOR: Duration = Duration::from_secs(300);

impl Registry {
    fn put(&self, key: (SocketAddr, SocketAddr), opening: Opening) {
        let Ok(mut open) = self.open.lock() else {
            return;
        };
        let now = Instant::now();
        open.retain(|_, o| now.duration_since(o.started) < KEPT_FOR);
        if open.len() >= KEPT
            && let Some(oldest) = open.iter().min_by_key(|(_, o)| o.started).map(|(k, _)| *k)
        {
            open.remove(&oldest);
        }
        open.insert(key, opening);
    }

    /// The opening of that connection, taken when this request (asked
    /// at `sent`) opened it: one opened before it was asked for was
    /// opened for another request (HTTP/2's first answer may not be its
    /// opener's), and stays for that one.
    fn claim(&self, key: (SocketAddr, SocketAddr), sent: Instant) -> Option<Opening> {
        let mut open = self.open.lock().ok()?;
        if open.get(&key)?.started >= sent {
            open.remove(&key)
        } else {
            None
        }
    }

    /// The phases of one hop: asked at `sent` (before the request went to
    /// the client), its head back at `head`, its body read by `done`, over
    /// the connection `info` names.
    pub fn phases(
        &self,
        info: Option<&HttpInfo>,
        sent: Instant,
        head: Instant,
        done: Instant,
    ) -> Phases {
        let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1e3;
        let opening = info.and_then(|i| self.claim((i.local_addr(), i.remote_addr()), sent));
        let mut p = Phases {
            download_ms: Some(ms(head, done)),
            ..Phases::default()
        };
        match opening {
            Some(o) => {
                let ready = o.ready.unwrap_or(head);
                let tcp_from = o.dns.map_or(o.started, |(_, end)| end);
                p.dns_ms = o.dns.map(|(a, b)| ms(a, b));
                p.connect_ms = Some(ms(tcp_from, o.tls_start.unwrap_or(ready)));
                p.tls_ms = o.tls_start.map(|t| ms(t, ready));
                p.ttfb_ms = Some(ms(ready, head));
            }
            None => {
                p.reused = info.is_some();
                p.ttfb_ms = Some(ms(sent, head));
            }
        }
        p
    }
}

/// The connector layer: scopes an [`Opening`] to each connection opened,
/// and hands the finished one to the [`Registry`].
#[derive(Debug, Clone)]
pub struct Layer(pub Arc<Registry>);

impl<S> tower_layer::Layer<S> for Layer {
    type Service = Timed<S>;
    fn layer(&self, inner: S) -> Timed<S> {
        Timed {
            inner,
            registry: self.0.clone(),
        }
    }
}

/// The connector service [`Layer`] makes.
#[derive(Debug, Clone)]
pub struct Timed<S> {
    inner: S,
    registry: Arc<Registry>,
}

type Boxed<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, R> tower_service::Service<R> for Timed<S>
where
    S: tower_service::Service<R>,
    S::Response: Connection + Send + 'static,
    S::Error: Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Boxed<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let cell = Arc::new(Mutex::new(Opening {
            started: Instant::now(),
            dns_start: None,
            dns: None,
            tls_start: None,
            ready: None,
        }));
        // The request that asked for it, if it is watching (a failure
        // reads where the opening got to).
        let _ = WAITING.try_with(|slot| {
            if let Ok(mut s) = slot.lock() {
                *s = Some(cell.clone());
            }
        });
        let inner = &mut self.inner;
        let connecting = OPENING.sync_scope(cell.clone(), || inner.call(req));
        let connecting = OPENING.scope(cell.clone(), connecting);
        let registry = self.registry.clone();
        Box::pin(async move {
            let conn = connecting.await?;
            let ready = Instant::now();
            if let Ok(mut o) = cell.lock() {
                o.ready = Some(ready);
            }
            let mut extras = Default::default();
            conn.connected().get_extras(&mut extras);
            let opening = cell.lock().ok().map(|o| Opening {
                ready: Some(ready),
                ..*o
            });
            if let (Some(info), Some(o)) = (extras.get::<HttpInfo>(), opening) {
                registry.put((info.local_addr(), info.remote_addr()), o);
            }
            Ok(conn)
        })
    }
}

/// The DNS resolver: the system's (`getaddrinfo`, as reqwest's own), timed.
#[derive(Debug, Clone, Copy)]
pub struct Resolver;

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let start = Instant::now();
            with_opening(|o| o.dns_start = Some(start));
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let end = Instant::now();
            with_opening(|o| o.dns = Some((start, end)));
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The TLS session store: rustls's own in-memory one, noting the moment
/// rustls first asks it about a server — when it writes the ClientHello,
/// right after the TCP connection is up.
#[derive(Debug)]
pub struct TlsStart(pub Arc<dyn rustls::client::ClientSessionStore>);

fn tls_starts() {
    with_opening(|o| {
        o.tls_start.get_or_insert_with(Instant::now);
    });
}

impl rustls::client::ClientSessionStore for TlsStart {
    fn set_kx_hint(&self, name: rustls::pki_types::ServerName<'static>, group: rustls::NamedGroup) {
        self.0.set_kx_hint(name, group);
    }

    fn kx_hint(&self, name: &rustls::pki_types::ServerName<'_>) -> Option<rustls::NamedGroup> {
        tls_starts();
        self.0.kx_hint(name)
    }

    fn set_tls12_session(
        &self,
        name: rustls::pki_types::ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        self.0.set_tls12_session(name, value);
    }

    fn tls12_session(
        &self,
        name: &rustls::pki_types::ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        tls_starts();
        self.0.tls12_session(name)
    }

    fn remove_tls12_session(&self, name: &rustls::pki_types::ServerName<'static>) {
        self.0.remove_tls12_session(name);
    }

    fn insert_tls13_ticket(
        &self,
        name: rustls::pki_types::ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        self.0.insert_tls13_ticket(name, value);
    }

    fn take_tls13_ticket(
        &self,
        name: &rustls::pki_types::ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        tls_starts();
        self.0.take_tls13_ticket(name)
    }
}
