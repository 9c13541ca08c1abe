//! Everything that understands a response: bytes and headers in, a
//! [`Diagnosis`] out. Pure and synchronous; the CLI, the TUI, replay and the
//! reports only render what this produces.

pub mod auth;
pub mod body;
pub mod code;
pub mod detect;
pub mod error;
pub mod findings;
pub mod json;
pub mod pagination;
pub mod profile;
pub mod ratelimit;
pub mod signature;
pub mod troubleshoot;

use crate::model::Exchange;
pub use detect::{Chooser, Evidence};
use json::Json;
pub use profile::{Profile, Profiles};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// The decoded error of a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ErrorInfo {
    /// The machine-readable code; numeric codes as decimal strings.
    pub code: Option<String>,
    /// The main human-readable message.
    pub message: Option<String>,
    /// The request id, from the body or a request-id header.
    pub request_id: Option<String>,
    /// Field name → message, in document order.
    #[serde(serialize_with = "ordered_map")]
    pub fields: Vec<(String, String)>,
    /// Every human-readable message.
    pub messages: Vec<String>,
    /// The other codes the body gives, less specific than `code` (a class
    /// beside a specific code): shown, not in the JSON.
    #[serde(skip)]
    pub other_codes: Vec<String>,
    /// A second request id that differs from `request_id` (one in the
    /// body, one in a header), as `name: value`: shown, not in the JSON.
    #[serde(skip)]
    pub other_request_ids: Vec<String>,
}

/// Where a response sits in a paginated collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pagination {
    /// The current page number.
    pub page: Option<i64>,
    /// Items per page.
    pub page_size: Option<i64>,
    /// Items in the whole collection.
    pub total_items: Option<i64>,
    /// Pages in the whole collection.
    pub page_count: Option<i64>,
    /// Whether another page follows.
    pub has_more: Option<bool>,
    /// The absolute URL of the next page.
    pub next: Option<String>,
    /// Items on this page (not part of the JSON contract).
    #[serde(skip)]
    pub items: Option<usize>,
    /// The cursor for the next page, when the API uses cursors.
    #[serde(skip)]
    pub cursor: Option<String>,
}

/// The rate-limit state read from the response headers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// Requests used in the window.
    pub used: Option<u64>,
    /// When the window resets, Unix seconds.
    pub reset_at: Option<i64>,
    /// Seconds to wait before retrying.
    pub retry_after_s: Option<u64>,
    /// The window length in seconds.
    pub window_s: Option<u64>,
    /// The response's `Date` (or the decode time), Unix seconds: what
    /// `reset_at` and `retry_after_s` are measured from (not in the JSON).
    #[serde(skip)]
    pub observed_at: Option<i64>,
    /// The documented policy that applies, e.g. "unauthenticated: 60 / 300 s"
    /// (not in the JSON).
    #[serde(skip)]
    pub policy: Option<String>,
    /// What `observed_at` is (not in the JSON): the response's `Date`, the
    /// time the recording says, or the time of decoding.
    #[serde(skip)]
    pub observed_from: Observed,
    /// Values that were not used, and why: "X-RateLimit-Reset: 1e23 is
    /// past the year 9999: ignored" (not in the JSON).
    #[serde(skip)]
    pub notes: Vec<String>,
    /// `Retry-After` to the millisecond (`2.4` → 2400), where
    /// `retry_after_s` rounds up (not in the JSON).
    #[serde(skip)]
    pub retry_after_ms: Option<u64>,
    /// Whether `window_s` came from the response's headers rather than a
    /// profile's documents (not in the JSON).
    #[serde(skip)]
    pub window_from_headers: bool,
}

impl RateLimit {
    /// The Retry-After wait as the server said it: `2.4 s` (a fraction,
    /// under 10 s), else whole seconds; what every report writes.
    pub fn retry_after_text(&self) -> Option<String> {
        match self.retry_after_ms {
            Some(ms) if ms % 1000 != 0 && ms < 10_000 => {
                Some(format!("{:.1} s", ms as f64 / 1000.0))
            }
            _ => self.retry_after_s.map(|s| format!("{s} s")),
        }
    }

    /// The Retry-After wait in milliseconds, when one was given.
    fn retry_after_wait_ms(&self) -> Option<u64> {
        self.retry_after_ms
            .or_else(|| self.retry_after_s.map(|s| s.saturating_mul(1000)))
    }

    /// Whether the window's reset comes before the server's Retry-After
    /// wait is over: a countdown to it would say "go" too early.
    pub fn reset_before_retry(&self) -> bool {
        match (self.reset_in_s(), self.retry_after_wait_ms()) {
            (Some(reset), Some(wait)) => {
                u64::try_from(reset).unwrap_or(0).saturating_mul(1000) < wait
            }
            _ => false,
        }
    }

    /// Seconds from the observation to the reset, as a person should see
    /// them: a server that rounds its reset up and a `Date` rounded down
    /// make a 2 s window read "3 s"; a reset at most one second past the
    /// window is the window.
    pub fn reset_in_s(&self) -> Option<i64> {
        let at = self.reset_at?;
        let secs = at.saturating_sub(self.observed_at.unwrap_or(at)).max(0);
        Some(match self.window_s.and_then(|w| i64::try_from(w).ok()) {
            Some(w) if secs > w && secs <= w + 1 => w,
            _ => secs,
        })
    }
}

/// Where the time a response's relative rate-limit values are measured
/// from came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Observed {
    /// The response's `Date` header.
    #[default]
    Date,
    /// The recording's own time (a HAR entry's `startedDateTime`, a
    /// session's timing): a file is read later than it was made.
    Recording,
    /// No date at all: the time of decoding.
    Now,
}

/// The full diagnosis of one response. Serialises to exactly the public
/// diagnosis JSON of `design.md`; the fields marked `skip` are for the
/// human-readable reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diagnosis {
    /// The HTTP status, when known.
    pub status: Option<u16>,
    /// The request URL, when known.
    pub url: Option<String>,
    /// The dialect id of the profile that decoded the response.
    pub dialect: String,
    /// The decoded error, `None` for a success.
    pub error: Option<ErrorInfo>,
    /// The pagination state, `None` when the response is not a page.
    pub pagination: Option<Pagination>,
    /// The rate-limit state, `None` when no rate-limit header is present.
    pub rate_limit: Option<RateLimit>,
    /// Why the dialect was picked; `None` when no format was recognised.
    pub evidence: Option<Evidence>,
    /// Where the time went, when it was measured or recorded.
    pub timings: Option<Timings>,
    /// What to do, most specific first.
    pub troubleshooting: Vec<String>,
    /// What was noticed about the request.
    pub findings: Vec<String>,
    /// The request method, when known.
    #[serde(skip)]
    pub method: Option<String>,
    /// The reason phrase of the status line.
    #[serde(skip)]
    pub reason: Option<String>,
    /// The HTTP version the answer came in (`HTTP/1.1`, `HTTP/2`), when
    /// known.
    #[serde(skip)]
    pub http_version: Option<String>,
    /// The dialect's human name.
    #[serde(skip)]
    pub dialect_name: String,
    /// The evidence in a few words: "host api.example.com", "shape like
    /// envelope, vendor not confirmed".
    #[serde(skip)]
    pub because: Option<String>,
    /// Notes on the body (BOM, truncation, decoding).
    #[serde(skip)]
    pub notes: Vec<String>,
    /// The vendor's description of the error code.
    #[serde(skip)]
    pub code_description: Option<String>,
    /// When the request was made, Unix milliseconds, when the input says
    /// (a HAR, a session, a live send).
    #[serde(skip)]
    pub started_ms: Option<i64>,
    /// The customer's UTC offset in minutes, when the recording says.
    #[serde(skip)]
    pub utc_offset_min: Option<i32>,
    /// When the bearer token sent expires (its JWT `exp`), Unix seconds.
    #[serde(skip)]
    pub token_expires_at: Option<i64>,
    /// The budget the request counted against (host and credential), as
    /// the driver and the timeline count budgets.
    #[serde(skip)]
    pub budget_key: Option<crate::budget::BudgetKey>,
    /// The response headers, for a report's details.
    #[serde(skip)]
    pub response_headers: Vec<(String, String)>,
}

/// The phases of an exchange as the public JSON has them: milliseconds to
/// a tenth, `null` for a phase that did not happen (DNS for an IP address,
/// TLS for `http:`, DNS/connect/TLS on a reused connection).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Resolving the host name.
    pub dns_ms: Option<f64>,
    /// Opening the TCP connection, TLS not included.
    pub connect_ms: Option<f64>,
    /// The TLS handshake.
    pub tls_ms: Option<f64>,
    /// The request's first byte out to the response's first byte in.
    pub ttfb_ms: Option<f64>,
    /// Reading the body.
    pub download_ms: Option<f64>,
    /// The phases as measured, for the reports.
    #[serde(skip)]
    pub phases: crate::model::Phases,
    /// The whole exchange, redirects included.
    #[serde(skip)]
    pub total_ms: Option<f64>,
}

impl Timings {
    /// The timings of an exchange that has phases.
    pub fn of(timing: &crate::model::Timing) -> Option<Timings> {
        let p = timing.phases?;
        let tenth = |v: Option<f64>| v.map(|ms| (ms * 10.0).round() / 10.0);
        Some(Timings {
            dns_ms: tenth(p.dns_ms),
            connect_ms: tenth(p.connect_ms),
            tls_ms: tenth(p.tls_ms),
            ttfb_ms: tenth(p.ttfb_ms),
            download_ms: tenth(p.download_ms),
            phases: p,
            total_ms: timing.total_ms,
        })
    }

    /// `DNS 2.1 ms · connect 11 ms · TLS 24 ms · waiting 120 ms ·
    /// download 3.2 ms (160 ms in all)`.
    pub fn line(&self) -> String {
        let mut out = self.phases.line();
        if let Some(t) = self.total_ms {
            out.push_str(&format!(" ({} in all)", crate::time::human_ms(t)));
        }
        out
    }
}

impl Diagnosis {
    /// The format and the evidence for it, in a few words, as the reports
    /// show them: "envelope (Error envelope API) — host api.example.com",
    /// "generic — shape like envelope, vendor not confirmed", "generic".
    pub fn identified(&self) -> String {
        let mut out = if self.dialect == profile::GENERIC || self.dialect_name.is_empty() {
            self.dialect.clone()
        } else {
            format!("{} ({})", self.dialect, self.dialect_name)
        };
        if let Some(b) = &self.because {
            out.push_str(" — ");
            out.push_str(b);
        }
        out
    }

    /// Whether two responses had the same outcome, as `replay --check` and
    /// the TUI's `R` compare them: status and error code equal, and the
    /// dialect equal for an error. For a success the dialect is not a
    /// difference: a success body often carries no sign of its format, so
    /// one side may say `generic` where the other knew better.
    pub fn same_outcome(&self, other: &Diagnosis) -> bool {
        let code = |d: &Diagnosis| d.error.as_ref().and_then(|e| e.code.clone());
        let error = self.is_error() || other.is_error();
        self.status == other.status
            && code(self) == code(other)
            && (!error || self.dialect == other.dialect)
    }

    /// Whether this response counts as an error (HTTP 4xx/5xx, or an error
    /// decoded from the body): what makes `send` and `decode` exit 1.
    pub fn is_error(&self) -> bool {
        self.error.is_some() || self.status.is_some_and(|s| s >= 400)
    }
}

/// Choices that change how a response is decoded.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Decode with this dialect instead of detecting one.
    pub dialect: Option<String>,
    /// "Now" in Unix seconds, for relative times when the response has no
    /// `Date` header. `None` reads the clock.
    pub now: Option<i64>,
}

/// A problem with the options themselves.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// `--dialect` named no known profile.
    #[error("unknown dialect '{0}' (known: {1})")]
    UnknownDialect(String, String),
}

/// Checks that a dialect id exists, so a bad `--dialect` fails before any
/// input is read.
pub fn check_dialect(profiles: &Profiles, id: &str) -> Result<(), DecodeError> {
    if profiles.get(id).is_some() {
        Ok(())
    } else {
        Err(DecodeError::UnknownDialect(
            id.to_owned(),
            profiles.ids().join(", "),
        ))
    }
}

/// Decodes one exchange.
pub fn diagnose(exchange: &Exchange, profiles: &Profiles, options: &Options) -> Diagnosis {
    let chosen = options.dialect.as_deref().map(|d| (d, Chooser::Flag));
    diagnose_as(exchange, profiles, options, chosen)
}

/// Decodes one exchange in a dialect chosen by someone (or detected when
/// `chosen` is `None`).
fn diagnose_as(
    exchange: &Exchange,
    profiles: &Profiles,
    options: &Options,
    chosen: Option<(&str, Chooser)>,
) -> Diagnosis {
    if let Some(failure) = &exchange.failure {
        return network_failure(exchange, failure, profiles, options);
    }
    let response = &exchange.response;
    let view = body::read(&response.headers, &response.body);
    let tree = view.tree.as_ref();
    let detected = detect::detect(exchange, tree, profiles, chosen);
    let profile: &Profile = &detected.profile;

    let status = response
        .status
        .or_else(|| error::body_status(profile, tree));
    let now = options.now.unwrap_or_else(unix_now);

    let mut error = error::extract(profile, exchange, status, tree);
    // A dialect someone chose that finds no message (or no code) where
    // its documents put them: the common places are read too, so the
    // body's own words are never dropped.
    if profile.id != profiles.generic().id
        && detected.evidence == Some(Evidence::Choice)
        && let Some(e) = error.as_mut()
        && (e.message.is_none() || e.code.is_none() || e.fields.is_empty())
        && let Some(g) = error::extract(profiles.generic(), exchange, status, tree)
    {
        if e.message.is_none() {
            e.message = g.message;
            if e.messages.is_empty() {
                e.messages = g.messages;
            }
        }
        if e.code.is_none() {
            e.code = g.code;
        }
        if e.fields.is_empty() {
            e.fields = g.fields;
        }
        if e.request_id.is_none() {
            e.request_id = g.request_id;
        }
    }
    // A problem's `instance` that is only the request's own path names the
    // resource, not this occurrence: nothing to quote to support.
    if let Some(e) = error.as_mut()
        && let Some(id) = e.request_id.as_deref()
        && id.starts_with('/')
        && exchange
            .url()
            .and_then(|u| url::Url::parse(u).ok())
            .is_some_and(|u| u.path() == id.split(['?', '#']).next().unwrap_or(id))
    {
        e.request_id = (!e.other_request_ids.is_empty()).then(|| e.other_request_ids.remove(0));
    }
    let is_error = error.is_some() || status.is_some_and(|s| s >= 400);
    let rate_limit = ratelimit::read(&response.headers, profile, exchange, now);
    let pagination = if is_error {
        None
    } else {
        pagination::read(profile, exchange, tree)
    };

    let message = error.as_ref().and_then(|e| e.message.clone());
    let code_entry = error
        .as_ref()
        .and_then(|e| e.code.as_deref())
        .and_then(|c| profile.code_or_standard(profiles.generic(), c));

    let mut diagnosis = Diagnosis {
        status,
        url: exchange.url().map(str::to_owned),
        dialect: profile.id.clone(),
        error,
        pagination,
        evidence: detected.evidence,
        because: detected.because.clone(),
        troubleshooting: Vec::new(),
        findings: Vec::new(),
        method: exchange.request.as_ref().map(|r| r.method.clone()),
        reason: response.reason.clone(),
        dialect_name: profile.name.clone(),
        // (A body that stopped early is a finding, below.)
        notes: response
            .notes
            .iter()
            .filter(|n| !n.starts_with(crate::model::INCOMPLETE_BODY))
            .cloned()
            .chain(view.notes)
            .chain(rate_limit.iter().flat_map(|r| r.notes.iter().cloned()))
            .collect(),
        code_description: code_entry
            .map(|c| c.description.clone())
            .filter(|d| !d.is_empty() && !same_words(Some(d), message.as_deref())),
        started_ms: exchange.timing.started_ms,
        utc_offset_min: exchange.timing.utc_offset_min,
        token_expires_at: exchange.request.as_ref().and_then(findings::jwt_expiry),
        budget_key: exchange
            .request
            .as_ref()
            .map(crate::budget::BudgetKey::for_request),
        response_headers: response.headers.0.clone(),
        rate_limit,
        timings: Timings::of(&exchange.timing),
        http_version: response.version.as_deref().map(|v| match v {
            "HTTP/2.0" => "HTTP/2".to_owned(),
            "HTTP/3.0" => "HTTP/3".to_owned(),
            other => other.to_owned(),
        }),
    };
    // Findings first: a step may depend on them (no credential sent).
    diagnosis.findings = findings::check(profile, exchange, &diagnosis, tree);
    // A body that stopped before its end says why, rather than "a large
    // body or a slow link".
    match response
        .notes
        .iter()
        .find_map(|n| n.strip_prefix(crate::model::INCOMPLETE_BODY))
    {
        Some(why) => diagnosis.findings.push(format!(
            "The response body is incomplete: {why}; what arrived was decoded, the rest is missing"
        )),
        None => diagnosis
            .findings
            .extend(findings::slow_phase(&exchange.timing)),
    }
    if diagnosis.is_error() {
        diagnosis.troubleshooting =
            troubleshoot::steps(profile, profiles.generic(), &diagnosis, now);
    }
    diagnosis
}

/// No response arrived: the error is the failure itself, with the generic
/// profile's steps for it.
fn network_failure(
    exchange: &Exchange,
    failure: &crate::model::Failure,
    profiles: &Profiles,
    options: &Options,
) -> Diagnosis {
    let generic = profiles.generic();
    let code = failure.kind.code();
    let mut d = Diagnosis {
        status: None,
        url: exchange.url().map(str::to_owned),
        dialect: generic.id.clone(),
        error: Some(ErrorInfo {
            code: Some(code.to_owned()),
            message: Some(failure.message.clone()),
            request_id: None,
            fields: Vec::new(),
            messages: vec![failure.message.clone()],
            ..ErrorInfo::default()
        }),
        method: exchange.request.as_ref().map(|r| r.method.clone()),
        reason: Some("no response".into()),
        dialect_name: generic.name.clone(),
        code_description: generic
            .code(code)
            .map(|c| c.description.clone())
            .filter(|d| !d.is_empty()),
        started_ms: exchange.timing.started_ms,
        ..Diagnosis::default()
    };
    d.timings = Timings::of(&exchange.timing);
    d.findings.extend(findings::slow_phase(&exchange.timing));
    d.troubleshooting =
        troubleshoot::steps(generic, generic, &d, options.now.unwrap_or_else(unix_now));
    // A header section too big to read (a huge Set-Cookie, a header
    // repeated without end): the response is lost, and says why.
    if failure
        .message
        .to_ascii_lowercase()
        .contains("message head is too large")
    {
        d.findings.push(
            "The response's headers are larger than a client reads (about 400 KB): a huge Set-Cookie, or a header repeated without end".into(),
        );
        d.troubleshooting.insert(
            0,
            "Look at the response's headers alone (curl -sS -D - -o /dev/null URL | head): the server or a proxy in front of it sends them; a cookie that grows on every request is the usual cause".into(),
        );
        d.troubleshooting.truncate(troubleshoot::MAX_STEPS);
    }
    // A TLS failure's cause, from its message: said first.
    if failure.kind == crate::model::FailureKind::Tls
        && let Some((finding, step)) = auth::tls_cause(&failure.message)
    {
        d.findings.push(finding.to_owned());
        d.troubleshooting.insert(0, step.to_owned());
        d.troubleshooting.truncate(troubleshoot::MAX_STEPS);
    }
    d
}

/// Decodes every exchange of an input, in order.
///
/// Within one input, a host keeps its dialect: when some responses from a
/// host were recognised (say, its errors) and others were not (its success
/// bodies often carry no signature), the unrecognised ones are decoded with
/// the host's dialect, so a HAR tells one consistent story. A dialect forced
/// in `options` wins over this.
pub fn diagnose_all(
    exchanges: &[Exchange],
    profiles: &Profiles,
    options: &Options,
) -> Vec<Diagnosis> {
    let mut out: Vec<Diagnosis> = exchanges
        .iter()
        .map(|e| diagnose(e, profiles, options))
        .collect();
    if options.dialect.is_some() {
        return out;
    }
    let mut affinity = Affinity::default();
    for (e, d) in exchanges.iter().zip(&out) {
        affinity.observe(e, d);
    }
    for (e, d) in exchanges.iter().zip(out.iter_mut()) {
        if d.dialect == profile::GENERIC
            && e.failure.is_none()
            && let Some(dialect) = affinity.hint(e)
        {
            *d = diagnose_as(e, profiles, options, Some((dialect, Chooser::SameApi)));
        }
    }
    out
}

/// [`diagnose`] for an exchange whose API was identified by another
/// exchange of the same input (see [`Affinity`]).
pub fn diagnose_hinted(
    exchange: &Exchange,
    profiles: &Profiles,
    options: &Options,
    hint: Option<&str>,
) -> Diagnosis {
    let d = diagnose(exchange, profiles, options);
    match hint {
        Some(dialect)
            if d.dialect == profile::GENERIC
                && exchange.failure.is_none()
                && options.dialect.is_none() =>
        {
            diagnose_as(
                exchange,
                profiles,
                options,
                Some((dialect, Chooser::SameApi)),
            )
        }
        _ => d,
    }
}

/// Which dialect each API (host, port, first path segment) spoke in one
/// input: a generic-looking exchange of an API that spoke one dialect is
/// decoded in it. Built in a first pass (from diagnoses, or from
/// [`detect_dialect`] when streaming a big file), used in the second.
#[derive(Debug, Default)]
pub struct Affinity {
    apis: std::collections::HashMap<String, Option<String>>,
}

impl Affinity {
    /// Notes the dialect an exchange was decoded in, when there was
    /// evidence for it (a shape alone says nothing of the API).
    pub fn observe(&mut self, e: &Exchange, d: &Diagnosis) {
        self.observe_dialect(e, &d.dialect, d.evidence);
    }

    /// [`Affinity::observe`] from the dialect and evidence alone.
    pub fn observe_dialect(&mut self, e: &Exchange, dialect: &str, evidence: Option<Evidence>) {
        if dialect == profile::GENERIC || matches!(evidence, None | Some(Evidence::Shape)) {
            return;
        }
        if let Some(h) = host_of(e) {
            let seen = self
                .apis
                .entry(h)
                .or_insert_with(|| Some(dialect.to_owned()));
            if seen.as_deref() != Some(dialect) {
                // Two dialects on one API: no single answer, leave it.
                *seen = None;
            }
        }
    }

    /// The dialect an exchange's API spoke, when it spoke only one.
    pub fn hint(&self, e: &Exchange) -> Option<&str> {
        self.apis.get(&host_of(e)?)?.as_deref()
    }
}

/// The dialect [`diagnose`] would pick for an exchange and its evidence,
/// without the rest of the diagnosis (the first pass over a big file).
pub fn detect_dialect(exchange: &Exchange, profiles: &Profiles) -> (String, Option<Evidence>) {
    if exchange.failure.is_some() {
        return (profiles.generic().id.clone(), None);
    }
    let view = body::read(&exchange.response.headers, &exchange.response.body);
    let d = detect::detect(exchange, view.tree.as_ref(), profiles, None);
    (d.profile.id.clone(), d.evidence)
}

fn host_of(e: &Exchange) -> Option<String> {
    api_of(e.url()?)
}

/// Where an API lives, for remembering its dialect: host, port and the
/// first path segment (`127.0.0.1:8080/envelope`, `api.example.com:443/v1`),
/// so five APIs behind one host (the demo) stay apart. The same rule in
/// `decode`, `replay` and the TUI.
pub fn api_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let first = u.path_segments().and_then(|mut s| s.next()).unwrap_or("");
    // The parser lower-cases the host of special schemes already.
    let mut key = String::with_capacity(u.host_str()?.len() + first.len() + 8);
    key.push_str(u.host_str()?);
    key.push(':');
    key.push_str(&u.port_or_known_default().unwrap_or(0).to_string());
    key.push('/');
    key.push_str(first);
    Some(key)
}

/// Whether two texts say the same thing, ignoring case and punctuation.
pub(crate) fn same_words(a: Option<&str>, b: Option<&str>) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    matches!((a, b), (Some(a), Some(b)) if norm(a) == norm(b))
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Reads the first pointer of a list that reaches a usable value. A pointer
/// may end in `#type` to accept only that JSON type; `@status` is handled by
/// the callers that accept it.
pub(crate) fn first<'a>(tree: Option<&'a Json>, pointers: &[String]) -> Option<&'a Json> {
    let tree = tree?;
    pointers.iter().find_map(|p| lookup(tree, p))
}

/// One pointer, with its optional `#type` filter; null counts as absent.
pub(crate) fn lookup<'a>(tree: &'a Json, pointer: &str) -> Option<&'a Json> {
    let (path, ty) = split_type(pointer);
    if path.starts_with('@') {
        return None;
    }
    if path.contains("/*") {
        // The first match of a wildcard pointer that has the type.
        return lookup_all(tree, pointer).into_iter().next();
    }
    let value = tree.pointer(path)?;
    if matches!(value, Json::Null) {
        return None;
    }
    match ty {
        Some(ty) if !value.has_type(ty) => None,
        _ => Some(value),
    }
}

/// Every value a wildcard pointer reaches, with the `#type` filter applied.
pub(crate) fn lookup_all<'a>(tree: &'a Json, pointer: &str) -> Vec<&'a Json> {
    let (path, ty) = split_type(pointer);
    tree.pointer_all(path)
        .into_iter()
        .filter(|v| !matches!(v, Json::Null))
        .filter(|v| ty.is_none_or(|t| v.has_type(t)))
        .collect()
}

fn split_type(pointer: &str) -> (&str, Option<&str>) {
    match pointer.rsplit_once('#') {
        Some((path, ty)) if !ty.contains('/') => (path, Some(ty)),
        _ => (pointer, None),
    }
}

fn ordered_map<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_successs_dialect_is_not_a_difference() {
        let ok = |dialect: &str| Diagnosis {
            status: Some(200),
            dialect: dialect.into(),
            ..Diagnosis::default()
        };
        assert!(ok("generic").same_outcome(&ok("envelope")));
        let err = |dialect: &str| Diagnosis {
            status: Some(400),
            dialect: dialect.into(),
            error: Some(ErrorInfo {
                code: Some("X".into()),
                ..ErrorInfo::default()
            }),
            ..Diagnosis::default()
        };
        assert!(!err("generic").same_outcome(&err("envelope")));
        assert!(err("envelope").same_outcome(&err("envelope")));
        assert!(!ok("envelope").same_outcome(&err("envelope")));
    }
}
