//! Renderers of diagnoses: `text` for a person at a terminal, `json` for
//! scripts (the public JSON Lines contract), `markdown` for a ticket reply.
//! They only render; everything they show was decided in `decode`.

pub mod body;
pub mod json;
pub mod markdown;
pub mod text;

use crate::decode::Diagnosis;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, for a terminal.
    Text,
    /// One JSON object per response (JSON Lines).
    Json,
    /// A Markdown report to paste into a ticket.
    Markdown,
}

impl Format {
    /// The names the command line accepts, in order.
    pub const NAMES: [&'static str; 3] = ["text", "json", "markdown"];
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            _ => Err(format!(
                "unknown format '{s}': expected text, json or markdown"
            )),
        }
    }
}

/// Renders diagnoses in a format. `color` applies to `text` only.
pub fn render(format: Format, diagnoses: &[Diagnosis], color: bool) -> String {
    match format {
        Format::Text => text::render(diagnoses, color),
        Format::Json => json::render(diagnoses),
        Format::Markdown => markdown::render(diagnoses),
    }
}

/// Whether a character must never reach a terminal or a report as itself:
/// C0 and C1 controls and DEL (escape sequences: an OSC title, a CSI
/// cursor move) and the bidirectional controls that make text read in
/// another order than it is (U+202E "Trojan Source").
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// The one sanitiser: makes text from outside (a response, a file, a
/// command line) safe to print. Control characters become visible
/// `\x1b`-style escapes and bidi controls `\u{202e}`, so they show and
/// never act. Newlines and tabs are kept only when `multiline`.
pub fn sanitize(s: &str, multiline: bool) -> String {
    if !s.chars().any(is_unsafe_char) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\t' if multiline => out.push(c),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The sanitiser for JSON text: serde_json escapes C0 controls but writes
/// DEL, C1 controls (U+009B is a one-byte CSI) and bidi controls as they
/// are; they become `\uXXXX` escapes, which every JSON reader decodes to
/// the same string.
pub fn sanitize_json(json: &str) -> String {
    if !json.chars().any(is_unsafe_char) {
        return json.to_owned();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe_char(c) && c != '\n' {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

pub use crate::time::{http_date, rfc3339};

/// The current time as RFC 3339.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    rfc3339(now)
}

/// A one-line summary of a page: "page 2 of 5 · 20 per page · 95 items".
pub fn pagination_summary(p: &crate::decode::Pagination) -> String {
    let mut parts = Vec::new();
    match (p.page, p.page_count) {
        (Some(page), Some(count)) => parts.push(format!("page {page} of {count}")),
        (Some(page), None) => parts.push(format!("page {page}")),
        (None, Some(count)) => parts.push(format!("{count} pages")),
        (None, None) => {}
    }
    if let Some(n) = p.items {
        parts.push(format!("{n} items on this page"));
    }
    if let Some(s) = p.page_size {
        parts.push(format!("{s} per page"));
    }
    if let Some(t) = p.total_items {
        parts.push(format!("{t} items in all"));
    }
    match p.has_more {
        Some(true) => parts.push("more pages follow".into()),
        Some(false) => parts.push("last page".into()),
        None => {}
    }
    if parts.is_empty() {
        "a page of a collection".into()
    } else {
        parts.join(" · ")
    }
}

/// A one-line summary of the rate-limit state.
pub fn rate_limit_summary(r: &crate::decode::RateLimit) -> String {
    let mut parts = Vec::new();
    match (r.remaining, r.limit) {
        (Some(rem), Some(lim)) => parts.push(format!("{rem} of {lim} requests left")),
        (Some(rem), None) => parts.push(format!("{rem} requests left")),
        (None, Some(lim)) => parts.push(format!("limit {lim}")),
        (None, None) => {}
    }
    if let Some(u) = r.used {
        parts.push(format!("{u} used"));
    }
    if let Some(w) = r.window_s {
        parts.push(format!("window {w} s"));
    }
    if let Some(at) = r.reset_at {
        let secs = r.reset_in_s().unwrap_or(0);
        let when = match r.observed_from {
            crate::decode::Observed::Recording => {
                format!(" ({secs} s after the request was recorded)")
            }
            // A countdown shorter than the Retry-After wait would say "go"
            // before the server does: the wait is what counts.
            _ if r.reset_before_retry() => String::new(),
            _ => format!(" (in {secs} s)"),
        };
        parts.push(format!("resets {}{when}", http_date(at)));
    }
    if let Some(wait) = r.retry_after_text() {
        parts.push(format!("retry after {wait}"));
    }
    parts.join(" · ")
}

/// `GET https://…` or the URL alone, or `None`.
pub fn request_line(d: &Diagnosis) -> Option<String> {
    match (&d.method, &d.url) {
        (Some(m), Some(u)) => Some(format!("{m} {u}")),
        (None, Some(u)) => Some(u.clone()),
        _ => None,
    }
}

/// `429 Too Many Requests`, or `status unknown`.
pub fn status_line(d: &Diagnosis) -> String {
    match (d.status, &d.reason) {
        (Some(s), Some(r)) => format!("{s} {r}"),
        (Some(s), None) => match canonical_reason(s) {
            Some(r) => format!("{s} {r}"),
            None => s.to_string(),
        },
        (None, _) => "status unknown".into(),
    }
}

fn canonical_reason(s: u16) -> Option<&'static str> {
    Some(match s {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400 + 3661), "2000-02-29T01:01:01Z");
    }

    #[test]
    fn escape_sequences_are_shown_not_run() {
        assert_eq!(sanitize("a\x1b[31mred", false), "a\\x1b[31mred");
        assert_eq!(sanitize("a\nb", false), "a b");
        assert_eq!(sanitize("a\nb", true), "a\nb");
    }
}
