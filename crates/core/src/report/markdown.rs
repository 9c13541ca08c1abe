//! The Markdown report: what a support engineer pastes into a ticket reply.
//!
//! It reads as a reply to a customer: per request, what happened in plain
//! words first ("Your request was rejected because the token has expired"),
//! then what to do, what we noticed in their request, and the facts they
//! can quote (the API's name, the error code, the request id, when it was
//! sent). The internals (dialect id, every message, notes, the response
//! headers) sit in a collapsed `<details>` block.

use super::{pagination_summary, rate_limit_summary, sanitize, status_line};
use crate::decode::Diagnosis;
use std::fmt::Write as _;

/// The first line of every report: how apiscope recognises a file it wrote
/// (it never replaces one it did not write). Invisible when rendered.
pub const MARKER: &str = "<!-- apiscope report -->";

/// Renders diagnoses as a Markdown report, with tokens in URLs and headers
/// redacted (a report is pasted into tickets).
pub fn render(diagnoses: &[Diagnosis]) -> String {
    let redacted: Vec<Diagnosis> = diagnoses
        .iter()
        .cloned()
        .map(|mut d| {
            d.url = d.url.as_deref().map(crate::redact::url);
            if let Some(p) = d.pagination.as_mut() {
                p.next = p.next.as_deref().map(crate::redact::url);
            }
            let mut h = crate::model::Headers(std::mem::take(&mut d.response_headers));
            crate::redact::headers(&mut h);
            d.response_headers = h.0;
            if let Some(e) = d.error.as_mut() {
                for m in e.messages.iter_mut().chain(e.message.iter_mut()) {
                    *m = crate::redact::text(m).into_owned();
                }
            }
            d.notes = d
                .notes
                .iter()
                .map(|n| crate::redact::text(n).into_owned())
                .collect();
            d
        })
        .collect();
    render_keeping_secrets(&redacted)
}

/// Whether a file's text is a report apiscope wrote.
pub fn sniff(text: &[u8]) -> bool {
    text.starts_with(MARKER.as_bytes())
}

/// Renders diagnoses as a Markdown report as they are (`--keep-secrets`).
pub fn render_keeping_secrets(diagnoses: &[Diagnosis]) -> String {
    let mut out = format!("{MARKER}\n");
    let n = diagnoses.len();
    if n > 1 {
        let errors = diagnoses.iter().filter(|d| d.is_error()).count();
        let _ = writeln!(out, "## What happened: {n} requests, {errors} failed\n");
        out.push_str("| # | Sent | Request | Result |\n|---|---|---|---|\n");
        for (i, d) in diagnoses.iter().enumerate() {
            let result = match d.error.as_ref().and_then(|e| e.code.as_deref()) {
                Some(c) => format!("{} — `{}`", cell(&status_line(d)), cell(c)),
                None => cell(&status_line(d)),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                i + 1,
                d.started_ms
                    .map_or_else(|| "—".into(), |ms| when(ms).replace(" UTC", "")),
                cell(&short_request(d)),
                result
            );
        }
        out.push('\n');
    }
    for (i, d) in diagnoses.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        one(&mut out, d, (n > 1).then_some(i + 1));
    }
    out
}

/// `GET api.example.com/v1/boards?limit=20`.
fn short_request(d: &Diagnosis) -> String {
    let method = d.method.as_deref().unwrap_or("GET");
    match d.url.as_deref().and_then(|u| url::Url::parse(u).ok()) {
        Some(u) => {
            let host = u.host_str().unwrap_or("");
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
            format!("{method} {host}{port}{}{query}", u.path())
        }
        None => d.url.as_deref().map_or_else(
            || "(request not recorded)".into(),
            |u| format!("{method} {u}"),
        ),
    }
}

/// `2026-01-01 00:00:05 UTC`.
fn when(ms: i64) -> String {
    crate::time::rfc3339(ms.div_euclid(1000))
        .replace('T', " ")
        .replace('Z', " UTC")
}

/// Whether a message reads as a clause ("the token has expired"), so it
/// can follow "because".
fn is_clause(s: &str) -> bool {
    let l = format!(" {} ", s.to_lowercase());
    [
        " is ",
        " are ",
        " was ",
        " were ",
        " has ",
        " have ",
        " had ",
        " must ",
        " cannot ",
        " can't ",
        " can not ",
        " does ",
        " do not ",
        " don't ",
        " did ",
        " should ",
        " exceeds ",
        " exceeded ",
        " requires ",
        " expired ",
        " failed ",
        " will ",
    ]
    .iter()
    .any(|v| l.contains(v))
}

/// `One or more…` → `one or more…` (an acronym or a code keeps its case);
/// without a trailing full stop.
fn lower_first(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let mut c = s.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => {
            a.to_lowercase().collect::<String>() + &s[a.len_utf8()..]
        }
        _ => s.to_owned(),
    }
}

/// What happened, in plain words, for the customer.
pub fn plain_words(d: &Diagnosis) -> String {
    let Some(e) = &d.error else {
        let mut s = "Your request succeeded.".to_owned();
        if let Some(p) = &d.pagination {
            match (p.page, p.page_count) {
                (Some(page), Some(count)) => {
                    let _ = write!(s, " This is page {page} of {count}.");
                }
                _ if p.has_more == Some(true) => s.push_str(" More pages follow."),
                _ => {}
            }
        }
        return s;
    };
    let why = d
        .code_description
        .as_deref()
        .filter(|x| !x.is_empty())
        .or(e.message.as_deref())
        .unwrap_or("");
    let because = |lead: &str| {
        if why.is_empty() {
            format!("{lead}.")
        } else if is_clause(why) {
            format!("{lead} because {}.", lower_first(why))
        } else {
            format!("{lead}: {}.", why.trim().trim_end_matches('.'))
        }
    };
    if d.status.is_none() && d.reason.as_deref() == Some("no response") {
        return format!(
            "Your request got no response: {}.",
            lower_first(e.message.as_deref().unwrap_or("the connection failed"))
        );
    }
    let mut s = match d.status {
        Some(401) => because("Your request was not accepted as authenticated"),
        Some(403) => because("Your request was refused"),
        Some(404) => because("What your request asked for was not found"),
        Some(409) => because("Your request conflicts with the current state"),
        Some(429) => because("Your requests went over the rate limit"),
        Some(s) if s >= 500 => because(&format!("The API failed on its side (HTTP {s})")),
        Some(s) if s >= 400 => because("Your request was rejected"),
        _ => because("The API answered with an error"),
    };
    if let Some(rl) = &d.rate_limit
        && d.status == Some(429)
    {
        if let Some(secs) = rl.retry_after_s {
            let _ = write!(s, " It asks to wait {secs} s before trying again.");
        } else if let (Some(at), Some(from)) = (rl.reset_at, rl.observed_at) {
            let _ = write!(
                s,
                " The limit resets {} s after this response.",
                at.saturating_sub(from).max(0)
            );
        }
    }
    s
}

fn one(out: &mut String, d: &Diagnosis, number: Option<usize>) {
    let lead = number.map(|n| format!("{n}. ")).unwrap_or_default();
    let _ = writeln!(
        out,
        "### {lead}`{}` — {}\n",
        code_span(&short_request(d)),
        inline(&status_line(d))
    );
    let _ = writeln!(out, "{}\n", inline(&plain_words(d)));
    if !d.troubleshooting.is_empty() {
        out.push_str("**What to do**\n\n");
        for (i, t) in d.troubleshooting.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, inline(t));
        }
        out.push('\n');
    }
    if !d.findings.is_empty() {
        out.push_str("**What we noticed in your request**\n\n");
        for f in &d.findings {
            let _ = writeln!(out, "- {}", inline(f));
        }
        out.push('\n');
    }
    out.push_str("| | |\n|---|---|\n");
    let _ = writeln!(out, "| API | {} |", cell(&d.dialect_name));
    if let Some(e) = &d.error {
        if let Some(c) = &e.code {
            let desc = d
                .code_description
                .as_deref()
                .map(|x| format!(" — {}", cell(x)))
                .unwrap_or_default();
            let _ = writeln!(out, "| Error code | `{}`{desc} |", cell(c));
        }
        if let Some(m) = &e.message {
            let _ = writeln!(out, "| Message | {} |", cell(m));
        }
        if let Some(id) = &e.request_id {
            let _ = writeln!(
                out,
                "| Request id | `{}` (quote it to the API's support) |",
                cell(id)
            );
        }
    }
    if let Some(ms) = d.started_ms {
        let _ = writeln!(out, "| Sent | {} |", when(ms));
    }
    if let Some(r) = &d.rate_limit {
        let _ = writeln!(out, "| Rate limit | {} |", cell(&rate_limit_summary(r)));
        if let Some(p) = &r.policy {
            let _ = writeln!(out, "| Documented budget | {} |", cell(p));
        }
    }
    if let Some(p) = &d.pagination {
        let _ = writeln!(out, "| Pagination | {} |", cell(&pagination_summary(p)));
    }
    details(out, d);
}

/// The internals, collapsed: what an engineer needs, not the customer.
fn details(out: &mut String, d: &Diagnosis) {
    out.push_str("\n<details><summary>Technical details</summary>\n\n");
    let _ = writeln!(
        out,
        "- Format: `{}` ({})",
        d.dialect,
        inline(&d.dialect_name)
    );
    if let Some(u) = &d.url {
        let _ = writeln!(out, "- URL: `{}`", code_span(u));
    }
    if let Some(p) = d.pagination.as_ref().and_then(|p| p.next.as_deref()) {
        let _ = writeln!(out, "- Next page: `{}`", code_span(p));
    }
    if let Some(e) = &d.error {
        let extra: Vec<&String> = e
            .messages
            .iter()
            .filter(|m| Some(*m) != e.message.as_ref())
            .collect();
        for m in extra {
            let _ = writeln!(out, "- Message: {}", inline(m));
        }
        if !e.fields.is_empty() {
            out.push_str("\n| Field | Problem |\n|---|---|\n");
            for (k, v) in &e.fields {
                let _ = writeln!(out, "| `{}` | {} |", cell(k), cell(v));
            }
            out.push('\n');
        }
    }
    for n in &d.notes {
        let _ = writeln!(out, "- Note: {}", inline(n));
    }
    if !d.response_headers.is_empty() {
        out.push_str("\nResponse headers:\n\n```\n");
        for (k, v) in &d.response_headers {
            // A fence inside a value must not end the block.
            let _ = writeln!(
                out,
                "{}: {}",
                sanitize(k, false),
                sanitize(v, false).replace("```", "'''")
            );
        }
        out.push_str("```\n");
    }
    out.push_str("\n</details>\n");
}

/// Text for a table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    inline(s).replace('|', "\\|")
}

/// Text for a paragraph or list item: one line, HTML-ish `<` neutralised.
fn inline(s: &str) -> String {
    sanitize(s, false).replace('<', "&lt;")
}

/// Text inside a backtick span.
fn code_span(s: &str) -> String {
    sanitize(s, false).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::ErrorInfo;

    fn err(status: u16, message: &str, desc: Option<&str>) -> Diagnosis {
        Diagnosis {
            status: Some(status),
            error: Some(ErrorInfo {
                message: Some(message.into()),
                ..ErrorInfo::default()
            }),
            code_description: desc.map(str::to_owned),
            ..Diagnosis::default()
        }
    }

    #[test]
    fn plain_words_first() {
        assert_eq!(
            plain_words(&err(
                401,
                "Unauthorized",
                Some("The access token has expired")
            )),
            "Your request was not accepted as authenticated because the access token has expired."
        );
        assert_eq!(
            plain_words(&err(400, "One or more query parameters are invalid.", None)),
            "Your request was rejected because one or more query parameters are invalid."
        );
        assert_eq!(
            plain_words(&err(404, "Project not found", None)),
            "What your request asked for was not found: Project not found."
        );
        assert_eq!(
            plain_words(&Diagnosis::default()),
            "Your request succeeded."
        );
    }
}
