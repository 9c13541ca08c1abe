//! HAR 1.2 files, as browser devtools and proxies export them: every entry
//! becomes an exchange with its request.

use super::InputError;
use crate::model::{Exchange, Headers, Request, Response, Timing};
use base64::Engine as _;
use serde::Deserialize;

/// Walks a HAR document (`{"log": {"entries": […]}}`, any other member
/// skipped) and hands each entry to a callback as an exchange the moment it
/// is parsed: neither the file's text nor a million entries' serde structs
/// are ever all held. One decompression budget serves the whole file.
struct HarSeed<'f, F>(&'f mut F);
struct LogSeed<'f, F>(&'f mut F);
struct EntriesSeed<'f, F>(&'f mut F);

/// The callback: each exchange, or why to stop.
trait Sink: FnMut(Exchange) -> Result<(), String> {}
impl<T: FnMut(Exchange) -> Result<(), String>> Sink for T {}

impl<'de, F: Sink> serde::de::DeserializeSeed<'de> for HarSeed<'_, F> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        struct V<'f, F>(&'f mut F);
        impl<'de, F: Sink> serde::de::Visitor<'de> for V<'_, F> {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a HAR document: {\"log\": {\"entries\": [...]}}")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                let mut found = false;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "log" {
                        found |= map.next_value_seed(LogSeed(&mut *self.0))?;
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(found)
            }
        }
        d.deserialize_map(V(self.0))
    }
}

impl<'de, F: Sink> serde::de::DeserializeSeed<'de> for LogSeed<'_, F> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        struct V<'f, F>(&'f mut F);
        impl<'de, F: Sink> serde::de::Visitor<'de> for V<'_, F> {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a HAR log object with entries")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                let mut found = false;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "entries" {
                        map.next_value_seed(EntriesSeed(&mut *self.0))?;
                        found = true;
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Ok(found)
            }
        }
        d.deserialize_map(V(self.0))
    }
}

impl<'de, F: Sink> serde::de::DeserializeSeed<'de> for EntriesSeed<'_, F> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        struct V<'f, F>(&'f mut F);
        impl<'de, F: Sink> serde::de::Visitor<'de> for V<'_, F> {
            type Value = ();
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of HAR entries")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                let mut budget = super::encoding::Inflate::default();
                while let Some(e) = seq.next_element::<Entry>()? {
                    (self.0)(exchange(e, &mut budget)).map_err(serde::de::Error::custom)?;
                }
                Ok(())
            }
        }
        d.deserialize_seq(V(self.0))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    started_date_time: Option<String>,
    #[serde(default)]
    time: Option<f64>,
    /// Read leniently: a browser's numbers, anything else ignored.
    #[serde(default)]
    timings: Option<serde_json::Value>,
    request: HarRequest,
    response: HarResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarRequest {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<NameValue>,
    #[serde(default)]
    cookies: Vec<NameValue>,
    #[serde(default)]
    post_data: Option<PostData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostData {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    params: Vec<NameValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarResponse {
    status: i64,
    #[serde(default)]
    status_text: Option<String>,
    #[serde(default)]
    http_version: Option<String>,
    #[serde(default)]
    headers: Vec<NameValue>,
    #[serde(default)]
    content: Option<Content>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Content {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct NameValue {
    name: String,
    #[serde(default)]
    value: Option<String>,
}

/// Whether a JSON document looks like a HAR file (its first key is `log`).
pub fn sniff(text: &[u8]) -> bool {
    let t = text
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .map_or(&[][..], |i| &text[i..]);
    let Some(rest) = t.strip_prefix(b"{") else {
        return false;
    };
    let rest = &rest[rest
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(rest.len())..];
    rest.starts_with(b"\"log\"")
}

/// Reads every entry of a HAR file.
pub fn read(bytes: &[u8], source: &str) -> Result<Vec<Exchange>, InputError> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_slice(bytes);
    walk(&mut de, source, &mut |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}

/// Reads every entry of a HAR file from a reader, without holding the
/// file's text: for big files on disk.
pub fn read_from(reader: impl std::io::Read, source: &str) -> Result<Vec<Exchange>, InputError> {
    let mut out = Vec::new();
    for_each(reader, source, |e| {
        out.push(e);
        Ok(())
    })?;
    Ok(out)
}

/// Hands each entry of a HAR file (from a reader) to `f` as it is parsed,
/// holding nothing else: `decode` of a million-entry HAR stays small. `f`
/// may stop the walk with a message. Returns the number of entries.
pub fn for_each(
    reader: impl std::io::Read,
    source: &str,
    mut f: impl FnMut(Exchange) -> Result<(), String>,
) -> Result<usize, InputError> {
    let mut n = 0usize;
    let mut de =
        serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
    walk(&mut de, source, &mut |e| {
        n += 1;
        f(e)
    })?;
    Ok(n)
}

/// As [`for_each`], over a HAR file's text in memory (parsed three times
/// faster than from a reader).
pub fn for_each_slice(
    bytes: &[u8],
    source: &str,
    mut f: impl FnMut(Exchange) -> Result<(), String>,
) -> Result<usize, InputError> {
    let mut n = 0usize;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    walk(&mut de, source, &mut |e| {
        n += 1;
        f(e)
    })?;
    Ok(n)
}

fn walk<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    source: &str,
    f: &mut impl FnMut(Exchange) -> Result<(), String>,
) -> Result<(), InputError> {
    use serde::de::DeserializeSeed as _;
    let err = |message: String| InputError::Har {
        file: source.to_owned(),
        message,
    };
    let found = HarSeed(f)
        .deserialize(&mut *de)
        .map_err(|e| err(e.to_string()))?;
    de.end().map_err(|e| err(e.to_string()))?;
    if !found {
        return Err(err("missing field `entries` in `log`".into()));
    }
    Ok(())
}

/// A HAR's headers. An HTTP/2 or HTTP/3 entry (Chrome, Firefox) lists
/// the pseudo-headers `:authority`, `:method`, `:path`, `:scheme` and
/// `:status`: they are the request line and the status, not headers, and
/// no HTTP/1.1 request may carry them — left out, as the browser sent them.
/// A header that is not one (a name that is no token, a value holding
/// a line break), or a pseudo-header HTTP/2 does not define, is left out
/// with a note naming it.
fn headers(list: Vec<NameValue>, what: &str, notes: &mut Vec<String>) -> Headers {
    const PSEUDO: &[&str] = &[
        ":authority",
        ":method",
        ":path",
        ":scheme",
        ":status",
        ":protocol",
    ];
    let shown = |n: &str| n.chars().take(64).collect::<String>();
    let token = |n: &str| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let mut out = Vec::new();
    for nv in list {
        let value = nv.value.unwrap_or_default();
        if nv.name.starts_with(':') {
            if !PSEUDO.contains(&nv.name.to_ascii_lowercase().as_str()) && notes.len() < 20 {
                notes.push(format!(
                    "The HAR's {what} pseudo-header `{}` is not one HTTP/2 defines: left out",
                    shown(&nv.name)
                ));
            }
            continue;
        }
        if !token(&nv.name) || value.contains(['\r', '\n', '\0']) {
            if notes.len() < 20 {
                notes.push(format!(
                    "The HAR's {what} header `{}` is not a valid header{}: left out",
                    shown(&nv.name),
                    if token(&nv.name) {
                        " (its value breaks the line)"
                    } else {
                        " name"
                    }
                ));
            }
            continue;
        }
        out.push((nv.name, value));
    }
    Headers(out)
}

/// A recorded request's headers as a replay sends them: what the client
/// derives itself is left to it — `Host` (from the URL), `Content-Length`
/// (from the body: a recorded one that no longer matches would hang the
/// server), the hop-by-hop headers, and `Accept-Encoding` (a browser
/// offers `zstd`, which the client could not decode) — and the `cookies`
/// array becomes a `Cookie` header where the export left it out.
fn request_headers(
    list: Vec<NameValue>,
    cookies: Vec<NameValue>,
    notes: &mut Vec<String>,
) -> Headers {
    const DERIVED: &[&str] = &[
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "upgrade",
        "accept-encoding",
    ];
    let mut h = headers(list, "request", notes);
    h.0.retain(|(k, _)| !DERIVED.iter().any(|d| k.eq_ignore_ascii_case(d)));
    if h.get("cookie").is_none() && !cookies.is_empty() {
        let jar: Vec<String> = cookies
            .into_iter()
            .map(|c| format!("{}={}", c.name, c.value.unwrap_or_default()))
            .collect();
        h.push("Cookie", jar.join("; "));
    }
    h
}

fn exchange(e: Entry, budget: &mut super::encoding::Inflate) -> Exchange {
    // (`params` alone: the form's fields, decoded, encoded again as the
    // form was sent.)
    let body = e
        .request
        .post_data
        .map(|p| match p.text {
            Some(t) => t.into_bytes(),
            None => {
                let mut form = url::form_urlencoded::Serializer::new(String::new());
                for nv in p.params {
                    form.append_pair(&nv.name, nv.value.as_deref().unwrap_or_default());
                }
                form.finish().into_bytes()
            }
        })
        .unwrap_or_default();
    let mut notes = Vec::new();
    // A `:method` that is not the entry's method: the entry's goes.
    if let Some(m) = e
        .request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(":method"))
        .and_then(|h| h.value.as_deref())
        .filter(|m| !m.eq_ignore_ascii_case(&e.request.method))
    {
        notes.push(format!(
            "The HAR's :method {} is not its request's method {}: {} is what was recorded and what a replay sends",
            m.chars().take(32).collect::<String>(),
            e.request.method,
            e.request.method
        ));
    }
    let request_url = e.request.url.to_ascii_lowercase();
    let request = Request {
        method: e.request.method,
        url: Some(e.request.url),
        headers: request_headers(e.request.headers, e.request.cookies, &mut notes),
        body: body.into(),
    };

    let mut body = Vec::new();
    if let Some(c) = e.response.content
        && let Some(text) = c.text
    {
        if c.encoding.as_deref() == Some("base64") {
            match base64::engine::general_purpose::STANDARD.decode(text.trim().as_bytes()) {
                Ok(b) => body = b,
                Err(err) => {
                    notes.push(format!(
                        "The HAR entry's body is marked base64 but is not valid base64 ({err}); shown as stored"
                    ));
                    body = text.into_bytes();
                }
            }
        } else {
            body = text.into_bytes();
        }
    }
    let status = u16::try_from(e.response.status)
        .ok()
        .filter(|s| (100..=599).contains(s));
    if status.is_none() {
        notes.push(format!(
            "The HAR entry records no response (status {}): the request failed, was blocked (CORS, an extension) or was cancelled",
            e.response.status
        ));
    }
    let mut response = Response {
        status,
        reason: e.response.status_text.filter(|s| !s.is_empty()),
        version: e.response.http_version.filter(|s| !s.is_empty()),
        headers: headers(e.response.headers, "response", &mut notes),
        body: body.into(),
        notes,
    };
    super::encoding::normalise_within(&mut response, budget);
    Exchange {
        request: Some(request),
        response,
        timing: Timing {
            started_ms: e
                .started_date_time
                .as_deref()
                .and_then(crate::time::parse_any_ms),
            total_ms: e.time.filter(|t| *t >= 0.0),
            utc_offset_min: e
                .started_date_time
                .as_deref()
                .and_then(crate::time::rfc3339_offset_min),
            phases: e
                .timings
                .as_ref()
                .and_then(|t| phases_of(t, !request_url.starts_with("http:"))),
        },
        failure: None,
        dialect: None,
    }
}

/// The phases of a HAR entry's `timings`: `-1` (or absent) is a phase
/// that did not happen; `connect` includes `ssl` (HAR 1.2), so TCP is the
/// difference; `send` + `wait` is the time to the first byte. An entry
/// whose DNS, connect and TLS are all `-1` went over a connection already
/// open (reused). `None` when it holds no phase at all.
fn phases_of(t: &serde_json::Value, tls: bool) -> Option<crate::model::Phases> {
    // (A phase over a year is not a measurement: left out.)
    let get = |k: &str| {
        t.get(k)
            .and_then(serde_json::Value::as_f64)
            .filter(|v| v.is_finite() && (0.0..=3.2e10).contains(v))
    };
    // (Firefox writes `ssl: 0` for a plain-http request: no handshake.)
    let ssl = get("ssl").filter(|s| tls || *s > 0.0);
    let (dns, connect) = (get("dns"), get("connect"));
    let ttfb = match (get("send"), get("wait")) {
        (None, None) => None,
        (s, w) => Some(s.unwrap_or(0.0) + w.unwrap_or(0.0)),
    };
    let p = crate::model::Phases {
        blocked_ms: get("blocked"),
        dns_ms: dns,
        connect_ms: connect.map(|c| (c - ssl.unwrap_or(0.0)).max(0.0)),
        tls_ms: ssl,
        ttfb_ms: ttfb,
        download_ms: get("receive"),
        reused: dns.is_none()
            && connect.is_none()
            && get("ssl").is_none()
            && ttfb.is_some()
            && t.get("connect").and_then(serde_json::Value::as_f64) == Some(-1.0),
        stopped_in: None,
    };
    (p != crate::model::Phases::default()).then_some(p)
}

/// HAR 1.2 `timings` for an exchange: its phases when measured (`-1` for
/// one that did not happen; `connect` including `ssl`, as HAR has it),
/// else the whole time as waiting.
fn timings_of(e: &Exchange) -> serde_json::Value {
    let total = e.timing.total_ms.unwrap_or(0.0);
    let Some(p) = e.timing.phases else {
        return serde_json::json!({"send": 0, "wait": total, "receive": 0});
    };
    let or_none = |v: Option<f64>| v.unwrap_or(-1.0);
    serde_json::json!({
        "blocked": or_none(p.blocked_ms),
        "dns": or_none(p.dns_ms),
        "connect": match (p.connect_ms, p.tls_ms) {
            (None, None) => -1.0,
            (c, t) => c.unwrap_or(0.0) + t.unwrap_or(0.0),
        },
        "ssl": or_none(p.tls_ms),
        "send": 0,
        "wait": p.ttfb_ms.unwrap_or(0.0),
        "receive": p.download_ms.unwrap_or(0.0),
    })
}

/// A HAR 1.2 document for `exchanges` (as `creator` apiscope), secrets
/// redacted unless `keep_secrets`. Bodies that are not UTF-8 are written
/// base64, as HAR allows.
pub fn to_json(exchanges: &[Exchange], keep_secrets: bool) -> String {
    use serde_json::{Value, json};
    let nv = |h: &Headers| -> Value {
        Value::Array(
            h.iter()
                .map(|(n, v)| json!({"name": n, "value": v}))
                .collect(),
        )
    };
    let query = |url: &str| -> Value {
        url::Url::parse(url).map_or(Value::Array(Vec::new()), |u| {
            Value::Array(
                u.query_pairs()
                    .map(|(n, v)| json!({"name": n, "value": v}))
                    .collect(),
            )
        })
    };
    let entries: Vec<Value> = exchanges
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if !keep_secrets {
                crate::redact::exchange(&mut e);
            }
            let req = e.request.clone().unwrap_or_default();
            let url = req.url.clone().unwrap_or_default();
            let mut request = json!({
                "method": if req.method.is_empty() { "GET" } else { req.method.as_str() },
                "url": url,
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": nv(&req.headers),
                "queryString": query(&url),
                "headersSize": -1,
                "bodySize": req.body.len(),
            });
            if !req.body.is_empty() {
                request["postData"] = json!({
                    "mimeType": req.headers.get("content-type").unwrap_or(""),
                    "text": String::from_utf8_lossy(&req.body),
                });
            }
            let r = &e.response;
            let mut content = json!({
                "size": r.body.len(),
                "mimeType": r.headers.get("content-type").unwrap_or(""),
            });
            match std::str::from_utf8(&r.body) {
                Ok(t) => content["text"] = Value::String(t.to_owned()),
                Err(_) => {
                    content["text"] =
                        Value::String(base64::engine::general_purpose::STANDARD.encode(&r.body));
                    content["encoding"] = Value::String("base64".into());
                }
            }
            let mut entry = json!({
                "startedDateTime": e.timing.started_ms.map_or_else(crate::report::now_rfc3339, crate::time::rfc3339_ms),
                "time": e.timing.total_ms.unwrap_or(0.0),
                "request": request,
                "response": {
                    "status": r.status.unwrap_or(0),
                    "statusText": r.reason.clone().unwrap_or_default(),
                    "httpVersion": r.version.clone().unwrap_or_else(|| "HTTP/1.1".into()),
                    "cookies": [],
                    "headers": nv(&r.headers),
                    "content": content,
                    "redirectURL": r.headers.get("location").unwrap_or(""),
                    "headersSize": -1,
                    "bodySize": r.body.len(),
                },
                "cache": {},
                "timings": timings_of(&e),
            });
            if let Some(f) = &e.failure {
                entry["_error"] = Value::String(format!("{}: {}", f.kind.name(), f.message));
            }
            entry
        })
        .collect();
    let doc = json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "apiscope", "version": env!("CARGO_PKG_VERSION")},
            "entries": entries,
        }
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
