//! HAR 1.2 files, as browser devtools and proxies export them: every entry
//! becomes an exchange with its request.

use super::InputError;
use crate::model::{Exchange, Headers, Request, Response, Timing};
use base64::Engine as _;
use serde::Deserialize;

#[derive(Deserialize)]
struct Har {
    log: Log,
}

#[derive(Deserialize)]
struct Log {
    entries: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    #[serde(default)]
    started_date_time: Option<String>,
    #[serde(default)]
    time: Option<f64>,
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
        .map(|i| &text[i..])
        .unwrap_or(&[]);
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
    let har: Har = serde_json::from_slice(bytes).map_err(|e| InputError::Har {
        file: source.to_owned(),
        message: e.to_string(),
    })?;
    Ok(har.log.entries.into_iter().map(exchange).collect())
}

fn headers(list: Vec<NameValue>) -> Headers {
    Headers(
        list.into_iter()
            .map(|nv| (nv.name, nv.value.unwrap_or_default()))
            .collect(),
    )
}

fn exchange(e: Entry) -> Exchange {
    let body = e
        .request
        .post_data
        .map(|p| match p.text {
            Some(t) => t.into_bytes(),
            None => p
                .params
                .into_iter()
                .map(|nv| format!("{}={}", nv.name, nv.value.unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes(),
        })
        .unwrap_or_default();
    let request = Request {
        method: e.request.method,
        url: Some(e.request.url),
        headers: headers(e.request.headers),
        body,
    };

    let mut notes = Vec::new();
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
        headers: headers(e.response.headers),
        body,
        notes,
    };
    super::encoding::normalise(&mut response);
    Exchange {
        request: Some(request),
        response,
        timing: Timing {
            started: e.started_date_time,
            total_ms: e.time.filter(|t| *t >= 0.0),
        },
        failure: None,
    }
}
