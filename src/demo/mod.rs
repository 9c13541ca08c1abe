//! The demo API: one HTTP server on 127.0.0.1 that behaves like each of the
//! five documented APIs (`shared/seeds/`), under `/envelope`, `/aptly`,
//! `/coded`, `/ittybit` and `/errors-array`, with their auth schemes, error
//! bodies, pagination styles and rate limits. `apiscope demo-server` runs it
//! alone; `apiscope --demo` and the integration tests run it in-process.
//!
//! Each vendor is a plain function from a [`DemoRequest`] to a
//! [`DemoResponse`], so its behaviour is readable in one place and testable
//! without sockets; this module only adapts them to axum.

mod aptly;
mod coded;
mod envelope;
mod errors_array;
mod ittybit;
pub mod limiter;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use limiter::Limiter;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// Items in each demo collection.
pub const COLLECTION_SIZE: usize = 2000;

/// How the demo server is set up.
#[derive(Debug, Clone, Default)]
pub struct DemoConfig {
    /// `--rate LIMIT/SECONDS`: replaces every documented window with this
    /// one (so a test runs in seconds) and announces it in
    /// `RateLimit-Policy`.
    pub rate: Option<Rate>,
    /// Every request received, in order (tests compare what arrived).
    pub log: Option<RequestLog>,
}

/// What arrived: (method, target with query, headers).
pub type RequestLog = Arc<Mutex<Vec<Logged>>>;

/// One request as the demo server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    /// `GET`, `POST`…
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// The headers, lower-case names, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// A rate limit: `limit` requests per `window_s` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests per window.
    pub limit: u64,
    /// Window length in seconds.
    pub window_s: u64,
}

impl std::str::FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Rate, String> {
        let (l, w) = s
            .split_once('/')
            .ok_or_else(|| format!("'{s}': expected LIMIT/SECONDS, e.g. 20/2"))?;
        let limit: u64 = l
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': LIMIT must be a whole number"))?;
        let window_s: u64 = w
            .trim()
            .parse()
            .map_err(|_| format!("'{s}': SECONDS must be a whole number"))?;
        if limit == 0 || window_s == 0 {
            return Err(format!("'{s}': LIMIT and SECONDS must be above 0"));
        }
        Ok(Rate { limit, window_s })
    }
}

/// A request as the vendor functions see it.
#[derive(Debug, Clone, Default)]
pub struct DemoRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path below the vendor prefix, e.g. `/v1/boards`.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
    /// The client's IP, for per-IP budgets.
    pub ip: String,
    /// `http://127.0.0.1:PORT/vendor`, for absolute links.
    pub base: String,
}

impl DemoRequest {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The path split into segments, without empty ones.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    /// The bearer token of `Authorization: Bearer …`, if that is the form.
    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?.trim();
        let (scheme, token) = v.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    }

    /// Whether the body was declared as JSON.
    pub fn json_content_type(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.to_ascii_lowercase().contains("json"))
    }
}

/// A response from a vendor function.
#[derive(Debug, Clone)]
pub struct DemoResponse {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides Content-Type.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`None` for no body).
    pub body: Option<serde_json::Value>,
}

impl DemoResponse {
    /// A JSON response.
    pub fn json(status: u16, body: serde_json::Value) -> DemoResponse {
        DemoResponse {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    /// Adds a header.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> DemoResponse {
        self.headers.push((name.to_owned(), value.into()));
        self
    }
}

/// Shared server state: the rate limiter and the configuration.
pub struct DemoState {
    /// Sliding-window request logs per budget key.
    pub limiter: Mutex<Limiter>,
    /// The configuration.
    pub config: DemoConfig,
}

impl DemoState {
    /// The window to enforce: the documented one, or `--rate`'s.
    pub fn rate(&self, documented: Rate) -> Rate {
        self.config.rate.unwrap_or(documented)
    }

    /// Counts a request against a budget; see [`Limiter::check`].
    pub fn check(&self, key: &str, rate: Rate) -> limiter::Decision {
        let mut l = self
            .limiter
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        l.check(key, rate, std::time::Instant::now())
    }

    /// `RateLimit-Policy` when `--rate` changed the documented window.
    pub fn policy_header(&self, resp: DemoResponse, rate: Rate) -> DemoResponse {
        if self.config.rate.is_some() {
            resp.with(
                "RateLimit-Policy",
                format!("{};w={}", rate.limit, rate.window_s),
            )
        } else {
            resp
        }
    }
}

/// The demo tokens and keys, listed by `GET /`.
pub fn index(base: &str) -> serde_json::Value {
    serde_json::json!({
        "name": "apiscope demo API",
        "note": "Emulates the five documented API formats. Every token here is a fake demo value.",
        "apis": {
            "envelope": {
                "base": format!("{base}/envelope/v1"),
                "auth": "Authorization: Bearer imb_pat_demo",
                "routes": ["GET /boards?limit=1..100&sort=createdAt|updatedAt&page=N", "POST /boards", "GET /boards/{id}", "DELETE /boards/{id} (405)", "GET /boom (500)"],
                "tokens": envelope::TOKENS,
            },
            "aptly": {
                "base": format!("{base}/aptly/api"),
                "auth": "x-token: <the board's key>",
                "routes": ["GET /boards/{board}/cards?page=N", "POST /boards/{board}/cards", "GET /boards/{board}/cards/{card}", "GET /boom (500)"],
                "keys": aptly::KEYS,
            },
            "coded": {
                "base": format!("{base}/coded/v1"),
                "auth": "Authorization: Bearer coded_demo_token",
                "routes": ["GET /projects?page=N&page_size=N", "POST /projects", "GET /projects/{slug}", "GET /simulate/{code} (any documented code)"],
            },
            "ittybit": {
                "base": format!("{base}/ittybit"),
                "auth": "Authorization: Bearer ittybit_demo_key",
                "routes": ["GET /tasks?limit=N&after=ID", "GET /tasks/{id}", "POST /tasks", "GET /boom (500)", "GET /maintenance (503)"],
                "keys": ittybit::KEYS,
            },
            "errors-array": {
                "base": format!("{base}/errors-array/v1"),
                "auth": "Authorization: Bearer errors_array_demo_key",
                "routes": ["GET /contacts?page=N&per_page=N", "POST /contacts"],
            },
        },
    })
}

/// Routes one request to its vendor.
pub fn handle(state: &DemoState, vendor: &str, req: &DemoRequest) -> DemoResponse {
    match vendor {
        "envelope" => envelope::handle(state, req),
        "aptly" => aptly::handle(state, req),
        "coded" => coded::handle(state, req),
        "ittybit" => ittybit::handle(state, req),
        "errors-array" => errors_array::handle(state, req),
        _ => DemoResponse::json(
            404,
            serde_json::json!({"message": format!("No demo API at /{vendor}; GET / lists them")}),
        ),
    }
}

/// A running demo server.
pub struct DemoServer {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl DemoServer {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server ends (it ends only on error or stop).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Starts the demo server on 127.0.0.1 (`port` 0 or `None`: a free port).
pub async fn start(port: Option<u16>, config: DemoConfig) -> std::io::Result<DemoServer> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port.unwrap_or(0))).await?;
    let addr = listener.local_addr()?;
    let state = Arc::new(DemoState {
        limiter: Mutex::new(Limiter::default()),
        config,
    });
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let state = state.clone();
        async move { serve_one(&state, addr, req).await }
    });
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(DemoServer {
        addr,
        shutdown: Some(tx),
        task,
    })
}

async fn serve_one(
    state: &DemoState,
    addr: SocketAddr,
    req: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    if let Some(log) = &state.config.log
        && let Ok(mut log) = log.lock()
    {
        log.push(Logged {
            method: parts.method.as_str().to_owned(),
            target: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.clone(),
        });
    }
    let path = parts.uri.path().to_owned();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    // Links are built from the Host the client asked for, so a client that
    // says `localhost:PORT` gets links to the same origin (its credentials
    // follow them) and one that says `127.0.0.1:PORT` gets those.
    let host = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map_or_else(|| addr.to_string(), str::to_owned);
    let base = format!("http://{host}");
    let resp = if path == "/" || path.is_empty() {
        DemoResponse::json(200, index(&base))
    } else {
        let trimmed = path.trim_start_matches('/');
        let (vendor, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
        let demo_req = DemoRequest {
            method: parts.method.as_str().to_owned(),
            path: format!("/{rest}"),
            query,
            headers: parts.headers,
            body,
            ip: "127.0.0.1".into(),
            base: format!("{base}/{vendor}"),
        };
        handle(state, vendor, &demo_req)
    };
    to_axum(resp)
}

fn to_axum(resp: DemoResponse) -> axum::response::Response {
    let mut builder = axum::response::Response::builder()
        .status(StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    if let Some(h) = builder.headers_mut() {
        h.insert(
            "date",
            HeaderValue::from_str(&date).unwrap_or(HeaderValue::from_static("")),
        );
        if resp.body.is_some() {
            h.insert("content-type", HeaderValue::from_static("application/json"));
        }
        for (k, v) in &resp.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(k.as_str()), HeaderValue::from_str(v)) {
                h.append(k, v);
            }
        }
    }
    let body = match resp.body {
        Some(v) => Body::from(v.to_string()),
        None => Body::empty(),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| axum::response::Response::new(Body::empty()))
}

/// Parses a JSON request body: `Err` when it is not valid JSON.
pub fn json_body(req: &DemoRequest) -> Result<serde_json::Value, String> {
    serde_json::from_slice(&req.body).map_err(|e| e.to_string())
}

/// The page of a collection: items `start..end` of `total`.
pub fn page_bounds(page: usize, size: usize, total: usize) -> (usize, usize) {
    let start = page.saturating_sub(1).saturating_mul(size).min(total);
    let end = start.saturating_add(size).min(total);
    (start, end)
}
