//! Plain data for one HTTP exchange: what was asked, what came back, and when.
//!
//! Every input (the HTTP client, a HAR file, a `curl -i` capture, a session)
//! is turned into these types, and everything that understands a response
//! (`decode`) reads only these types. They carry no behaviour beyond lookups.

use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// An ordered list of header fields. Order and duplicates are kept, because a
/// capture is evidence: `Set-Cookie` twice, or two `Link` headers, matter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    /// An empty list.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// Appends a field, keeping any earlier one of the same name.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// The first value of a header, matched case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether a header is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Removes every field of that name.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Iterates over (name, value) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The request half of an exchange, when it is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The absolute URL, when known.
    pub url: Option<String>,
    /// Request headers as sent.
    pub headers: Headers,
    /// The request body, if any. Shared, not copied, when an exchange is
    /// cloned for the history, a save or a diff.
    #[serde(default, with = "body_serde")]
    pub body: Bytes,
}

/// How a response's note begins when its body stopped before its end (a
/// timeout mid-body, a connection closed early): the diagnosis makes it a
/// finding.
pub const INCOMPLETE_BODY: &str = "The body is incomplete: ";

/// The response half of an exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The HTTP status, when known (a bare JSON body given without `--status`
    /// has none).
    pub status: Option<u16>,
    /// The reason phrase from the status line, if one was given.
    pub reason: Option<String>,
    /// `HTTP/1.1`, `HTTP/2`, … when known.
    pub version: Option<String>,
    /// Response headers as received.
    pub headers: Headers,
    /// The body after transfer and content decoding (chunked, gzip, …).
    /// Shared, not copied, when an exchange is cloned.
    #[serde(default, with = "body_serde")]
    pub body: Bytes,
    /// What happened to the body on the way in, when it matters to a reader:
    /// "gzip body could not be decoded", "chunked framing removed", ….
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// When an exchange happened and how long it took.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// When the request started, Unix milliseconds. Written as RFC 3339
    /// text (`"started": "2026-01-01T00:00:00.000Z"`, as HAR writes it);
    /// read from that or an HTTP date; a date that does not parse is
    /// unknown, not an error.
    #[serde(rename = "started", default, with = "started_serde")]
    pub started_ms: Option<i64>,
    /// Total time in milliseconds.
    pub total_ms: Option<f64>,
    /// The UTC offset the recording stated for `started`, in minutes,
    /// when not UTC (a HAR written in the customer's time zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_min: Option<i32>,
    /// Where the time of the final hop went, when it was measured (a live
    /// exchange) or recorded (a HAR entry's `timings`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phases: Option<Phases>,
}

/// The phases of one HTTP exchange, in milliseconds. A phase that did not
/// happen is `None`: DNS for an IP address, TLS for `http:`, and DNS,
/// connect and TLS on a connection that was already open (reused).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Phases {
    /// Waiting before the connection was asked for or handed over (a
    /// browser's queue; a pool's checkout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_ms: Option<f64>,
    /// Resolving the host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_ms: Option<f64>,
    /// Opening the TCP connection (the proxy's, through a proxy), TLS not
    /// included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<f64>,
    /// The TLS handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_ms: Option<f64>,
    /// From the request's first byte leaving to the response's first byte
    /// arriving (HAR's `send` + `wait`): the server's time plus one round trip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<f64>,
    /// Reading the response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_ms: Option<f64>,
    /// The connection was already open: no DNS, connect or TLS.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reused: bool,
    /// No response came: the phase it stopped in (`DNS`, `connect`,
    /// `TLS`, `waiting`), counted until it gave up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_in: Option<Phase>,
}

/// A phase of an exchange, where one that got no answer stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Resolving the host name.
    #[serde(rename = "DNS")]
    Dns,
    /// Opening the TCP connection.
    #[serde(rename = "connect")]
    Connect,
    /// The TLS handshake.
    #[serde(rename = "TLS")]
    Tls,
    /// Waiting for the response.
    #[serde(rename = "waiting")]
    Waiting,
}

impl Phase {
    /// Its name, as [`Phases::named`] has it.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Dns => "DNS",
            Phase::Connect => "connect",
            Phase::Tls => "TLS",
            Phase::Waiting => "waiting",
        }
    }
}

impl Phases {
    /// The named phases in order, with their value: what a one-line
    /// summary, the TUI and `send -v` list.
    pub fn named(&self) -> [(&'static str, Option<f64>); 5] {
        [
            ("DNS", self.dns_ms),
            ("connect", self.connect_ms),
            ("TLS", self.tls_ms),
            ("waiting", self.ttfb_ms),
            ("download", self.download_ms),
        ]
    }

    /// `DNS 2 ms · connect 11 ms · TLS 24 ms · waiting 120 ms · download
    /// 3 ms` (phases that did not happen left out; "reused connection" said).
    pub fn line(&self) -> String {
        let mut parts: Vec<String> = self
            .named()
            .iter()
            .filter_map(|(name, v)| v.map(|ms| format!("{name} {}", crate::time::human_ms(ms))))
            .collect();
        if self.reused {
            parts.insert(0, "reused connection".to_owned());
        }
        let mut out = parts.join(" · ");
        if let Some(s) = self.stopped_in {
            out.push_str(&format!(" — no answer: stopped in {}", s.name()));
        }
        out
    }

    /// The phase that took most of `total_ms` (over half, and at least a
    /// second): what to look at first.
    pub fn dominant(&self, total_ms: f64) -> Option<(&'static str, f64)> {
        let (name, ms) = self
            .named()
            .into_iter()
            .filter_map(|(n, v)| v.map(|ms| (n, ms)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        (ms >= 1000.0 && ms > total_ms.max(ms) / 2.0).then_some((name, ms))
    }
}

/// What kind of network failure kept a response from arriving. Written
/// in sessions as the lower-case name (`"refused"`); a name this build does
/// not know reads as `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// The host name did not resolve.
    Dns,
    /// Nothing listens there.
    Refused,
    /// The TLS handshake or the certificate failed.
    Tls,
    /// No answer in time.
    Timeout,
    /// The connection was reset or closed mid-way.
    Reset,
    /// Too many redirects.
    Redirect,
    /// Anything else.
    #[serde(other)]
    Other,
}

impl FailureKind {
    /// The machine-readable code a diagnosis gives it.
    pub fn code(self) -> &'static str {
        match self {
            FailureKind::Dns => "DNS_ERROR",
            FailureKind::Refused => "CONNECTION_REFUSED",
            FailureKind::Tls => "TLS_ERROR",
            FailureKind::Timeout => "TIMEOUT",
            FailureKind::Reset => "CONNECTION_RESET",
            FailureKind::Redirect => "TOO_MANY_REDIRECTS",
            FailureKind::Other => "NETWORK_ERROR",
        }
    }

    /// The name written in files.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Dns => "dns",
            FailureKind::Refused => "refused",
            FailureKind::Tls => "tls",
            FailureKind::Timeout => "timeout",
            FailureKind::Reset => "reset",
            FailureKind::Redirect => "redirect",
            FailureKind::Other => "other",
        }
    }
}

/// Why no response arrived at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The client's message.
    pub message: String,
}

/// One request and its response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// The request, when the input holds it (HAR, session, `send`, `curl -v`).
    pub request: Option<Request>,
    /// The response (empty, with no status, when `failure` is set).
    pub response: Response,
    /// Timing, when known.
    #[serde(default)]
    pub timing: Timing,
    /// The network failure, when no response arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// The dialect the user chose for this exchange (a collection's
    /// `# @dialect`, a session's), decoded as the user's choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<String>,
}

impl Exchange {
    /// Whether a response (or a network failure) was recorded; a request
    /// imported from a curl command has none until it is sent.
    pub fn has_response(&self) -> bool {
        let r = &self.response;
        self.failure.is_some()
            || r.status.is_some()
            || !r.headers.is_empty()
            || !r.body.is_empty()
            || !r.notes.is_empty()
    }

    /// The request URL, when known.
    pub fn url(&self) -> Option<&str> {
        self.request.as_ref().and_then(|r| r.url.as_deref())
    }
}

mod started_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => s.serialize_str(&crate::time::rfc3339_ms(*ms)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Ok(Option::<String>::deserialize(d)?
            .as_deref()
            .and_then(crate::time::parse_any_ms))
    }
}

/// Bodies are bytes; in JSON they are written as UTF-8 text when they are
/// valid UTF-8 and as `{"base64": "..."}` otherwise, so sessions stay readable.
mod body_serde {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Base64 { base64: String },
    }

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(body) {
            Ok(text) => Repr::Text(text.to_owned()).serialize(s),
            Err(_) => Repr::Base64 {
                base64: base64::engine::general_purpose::STANDARD.encode(body),
            }
            .serialize(s),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bytes::Bytes, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Text(t) => Ok(t.into_bytes().into()),
            Repr::Base64 { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64.as_bytes())
                .map(Into::into)
                .map_err(serde::de::Error::custom),
        }
    }
}
