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
///
/// A reply, top to bottom: a paragraph a non-developer understands, the
/// requests in a table (successes are only there), then one section per
/// failed request — what happened, what to do, the fields to fix, what we
/// noticed, what to quote to the API's support — and the internals
/// collapsed.
pub fn render_keeping_secrets(diagnoses: &[Diagnosis]) -> String {
    let mut out = format!("{MARKER}\n");
    let n = diagnoses.len();
    let _ = writeln!(out, "{}\n", inline(&summary(diagnoses)));
    if n > 1 {
        let offset = diagnoses.iter().find_map(|d| d.utc_offset_min);
        let head = match offset {
            Some(off) => format!("Sent (UTC; yours is UTC{})", offset_text(off)),
            None => "Sent (UTC)".to_owned(),
        };
        let _ = writeln!(out, "| # | {head} | Request | Result |\n|---|---|---|---|");
        for (i, d) in diagnoses.iter().enumerate() {
            let result = match d.error.as_ref().and_then(|e| e.code.as_deref()) {
                Some(c) => format!("{} — `{}`", cell(&status_line(d)), cell(c)),
                None => cell(&status_line(d)),
            };
            let result = if failed(d) {
                format!("**{result}** (see {})", i + 1)
            } else {
                result
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                i + 1,
                d.started_ms.map_or_else(
                    || "—".into(),
                    |ms| crate::time::rfc3339(ms.div_euclid(1000))
                        .replace('T', " ")
                        .replace('Z', "")
                ),
                cell(&short_request(d)),
                result
            );
        }
        out.push('\n');
    }
    let mut first = true;
    for (i, d) in diagnoses.iter().enumerate() {
        // With several, a success is a row of the table and no more.
        if n > 1 && !failed(d) {
            continue;
        }
        if !first {
            out.push_str("\n---\n\n");
        }
        first = false;
        one(&mut out, d, (n > 1).then_some(i + 1));
    }
    out
}

/// `+01:00`.
fn offset_text(off: i32) -> String {
    let sign = if off < 0 { '-' } else { '+' };
    let a = off.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 60, a % 60)
}

/// The API as the customer knows it: the vendor's name when the response
/// is one a documented profile recognised, else the host it was sent to.
fn api_name(d: &Diagnosis) -> String {
    const FORMATS: &[&str] = &["generic", "problem", "jsonapi", "graphql"];
    if !FORMATS.contains(&d.dialect.as_str()) && !d.dialect_name.is_empty() {
        return d.dialect_name.clone();
    }
    host(d).unwrap_or_else(|| "the API".to_owned())
}

fn host(d: &Diagnosis) -> Option<String> {
    d.url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
}

/// Whether an exchange failed in the customer's eyes: an error, or no
/// response at all (a HAR entry blocked or cancelled).
fn failed(d: &Diagnosis) -> bool {
    d.is_error() || d.status.is_none_or(|s| s == 0)
}

/// What kind of failure, in the words of the summary ("went over the rate
/// limit"), for grouping.
fn failure_kind(d: &Diagnosis) -> &'static str {
    let limited = d
        .rate_limit
        .as_ref()
        .is_some_and(|r| r.remaining == Some(0));
    match d.status {
        None | Some(0) => "got no response",
        Some(403) if limited => "went over the rate limit",
        Some(401) => "were not accepted as authenticated",
        Some(403) => "were refused (no permission)",
        Some(404) => "asked for something that was not found",
        Some(409) => "conflicted with the current state",
        Some(400 | 422) if d.error.as_ref().is_some_and(|e| !e.fields.is_empty()) => {
            "had invalid fields"
        }
        Some(429) => "went over the rate limit",
        Some(s) if s >= 500 => "failed on the API's side",
        _ => "were rejected",
    }
}

/// One paragraph a non-developer understands: what was looked at, what
/// failed and why, and whether someone else spent the budget.
fn summary(diagnoses: &[Diagnosis]) -> String {
    let mut apis: Vec<String> = Vec::new();
    for d in diagnoses {
        let a = api_name(d);
        if !apis.contains(&a) {
            apis.push(a);
        }
    }
    let apis = match apis.len() {
        0 => "the API".to_owned(),
        1 => apis[0].clone(),
        2 => format!("{} and {}", apis[0], apis[1]),
        n => format!("{}, {} and {} more", apis[0], apis[1], n - 2),
    };
    let offset = diagnoses.iter().find_map(|d| d.utc_offset_min);
    let times: Vec<i64> = diagnoses.iter().filter_map(|d| d.started_ms).collect();
    let span = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if a / 1000 == b / 1000 => {
            format!(" at {}", crate::time::utc_and_local(*a, offset))
        }
        (Some(a), Some(b)) => format!(
            " between {} and {}",
            crate::time::utc_and_local(*a, offset),
            crate::time::utc_and_local(*b, offset)
        ),
        _ => String::new(),
    };
    let mut s = if let [d] = diagnoses {
        let what = if failed(d) {
            failure_kind(d)
                .replacen("were ", "was ", 1)
                .replace("went over", "it went over")
        } else {
            "it succeeded".to_owned()
        };
        let what = if what.starts_with("it ") {
            what
        } else {
            format!("it {what}")
        };
        format!("We looked at the request your application sent to {apis}{span}: {what}.")
    } else {
        let failed: Vec<&Diagnosis> = diagnoses.iter().filter(|d| failed(d)).collect();
        let mut s = format!(
            "We looked at the {} requests your application sent to {apis}{span}: ",
            diagnoses.len()
        );
        if failed.is_empty() {
            s.push_str("all of them succeeded.");
        } else {
            let mut kinds: Vec<(&str, usize)> = Vec::new();
            for d in &failed {
                let k = failure_kind(d);
                match kinds.iter_mut().find(|(x, _)| *x == k) {
                    Some((_, n)) => *n += 1,
                    None => kinds.push((k, 1)),
                }
            }
            let parts: Vec<String> = kinds
                .iter()
                .map(|(k, n)| {
                    let k = if *n == 1 {
                        k.replacen("were ", "was ", 1)
                    } else {
                        (*k).to_owned()
                    };
                    format!("{n} {k}")
                })
                .collect();
            let _ = write!(
                s,
                "{} succeeded and {} failed ({}).",
                diagnoses.len() - failed.len(),
                failed.len(),
                join_words(&parts)
            );
        }
        s
    };
    for (api, b) in spent_before(diagnoses) {
        let left = match b.left {
            0 => "none of its".to_owned(),
            n => format!("only {n} of its"),
        };
        let were = if b.left == 1 { "was" } else { "were" };
        let _ = write!(
            s,
            " When your first recorded request reached {api}, {left} {} requests {were} left: {} had been spent by something not in this recording (another program, script or person using the same account).",
            b.limit,
            b.limit - b.left
        );
    }
    if diagnoses.is_empty() {
        return "The recording holds no request.".to_owned();
    }
    if diagnoses.len() > 1 && diagnoses.iter().any(failed) {
        s.push_str(" Each failed request is explained below, with what to change.");
    }
    s
}

/// "a, b and c".
fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Per API, what the server's count says was left before the first
/// recorded request, when that is less than a quarter of the limit.
fn spent_before(diagnoses: &[Diagnosis]) -> Vec<(String, crate::timeline::BeforeFirst)> {
    // One budget per host and credential, as the driver and the timeline
    // count them.
    let mut by_host: Vec<(String, Vec<&Diagnosis>)> = Vec::new();
    for d in diagnoses {
        let h = match &d.budget_key {
            Some(k) => format!("{} {}", k.host, k.credential.as_deref().unwrap_or("")),
            None => host(d).unwrap_or_default(),
        };
        match by_host.iter_mut().find(|(x, _)| *x == h) {
            Some((_, v)) => v.push(d),
            None => by_host.push((h, vec![d])),
        }
    }
    let mut out = Vec::new();
    for (_, mut ds) in by_host {
        ds.sort_by_key(|d| d.started_ms);
        let points: Vec<crate::timeline::Point> = ds
            .iter()
            .map(|d| {
                let rl = d.rate_limit.as_ref();
                crate::timeline::Point {
                    at: d.started_ms.map(|ms| ms.div_euclid(1000)),
                    remaining: rl.and_then(|r| r.remaining),
                    limit: rl.and_then(|r| r.limit),
                    rejected: d.status == Some(429),
                }
            })
            .collect();
        let window = ds
            .iter()
            .find_map(|d| d.rate_limit.as_ref().and_then(|r| r.window_s))
            .unwrap_or(60)
            .max(1);
        if let Some(b) = crate::timeline::before_first(&points, window, None)
            && b.left * 4 <= b.limit
            && b.left < b.limit
        {
            out.push((api_name(ds[0]), b));
        }
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
    match d.status {
        Some(401) => because("Your request was not accepted as authenticated"),
        Some(403) => because("Your request was refused"),
        Some(404) => because("What your request asked for was not found"),
        Some(409) => because("Your request conflicts with the current state"),
        Some(429) => because("Your requests went over the rate limit"),
        Some(s) if s >= 500 => because(&format!("The API failed on its side (HTTP {s})")),
        Some(s) if s >= 400 => because("Your request was rejected"),
        _ => because("The API answered with an error"),
    }
}

/// The 429's wait as a time the customer can act on a day later: "You
/// can send again from 00:00:42 UTC." (once: not when the message already
/// says the wait).
fn wait_sentence(d: &Diagnosis) -> Option<String> {
    let rl = d.rate_limit.as_ref()?;
    if d.status != Some(429) {
        return None;
    }
    let anchored = !matches!(rl.observed_from, crate::decode::Observed::Now);
    let Some(from) = rl.observed_at.filter(|_| anchored) else {
        // No clock to anchor it to: the wait as the server said it, unless
        // its message already does.
        let s = rl.retry_after_s?;
        let said = d
            .error
            .as_ref()
            .and_then(|e| e.message.as_deref())
            .is_some_and(|m| m.contains(&s.to_string()));
        return (!said).then(|| format!("It asks to wait {s} s before trying again."));
    };
    let at = match (rl.retry_after_s, rl.reset_at) {
        (Some(s), _) => from.saturating_add(i64::try_from(s).ok()?),
        (None, Some(r)) => r,
        _ => return None,
    };
    Some(format!(
        "The API lets requests through again from {}.",
        crate::time::utc_and_local(at.saturating_mul(1000), d.utc_offset_min)
    ))
}

/// The rate-limit state with absolute times.
fn rate_limit_row(d: &Diagnosis, r: &crate::decode::RateLimit) -> String {
    let mut parts = Vec::new();
    match (r.remaining, r.limit) {
        (Some(rem), Some(l)) => parts.push(format!("{rem} of {l} requests left")),
        (Some(rem), None) => parts.push(format!("{rem} requests left")),
        (None, Some(l)) => parts.push(format!("limit {l}")),
        _ => {}
    }
    if let Some(w) = r.window_s {
        parts.push(format!("per {}", crate::time::human_window(w)));
    }
    if let Some(at) = r.reset_at {
        parts.push(format!(
            "resets at {}",
            crate::time::utc_and_local(at.saturating_mul(1000), d.utc_offset_min)
        ));
    }
    // (The wait as the server said it: 2.4 s, as the steps say it.)
    if let (Some(s), Some(wait), Some(from)) =
        (r.retry_after_s, r.retry_after_text(), r.observed_at)
    {
        parts.push(format!(
            "Retry-After {wait} (until {})",
            crate::time::utc_and_local(
                from.saturating_add(i64::try_from(s).unwrap_or(0))
                    .saturating_mul(1000),
                d.utc_offset_min
            )
        ));
    } else if let Some(wait) = r.retry_after_text() {
        parts.push(format!("Retry-After {wait}"));
    }
    if parts.is_empty() {
        rate_limit_summary(r)
    } else {
        parts.join(" · ")
    }
}

fn one(out: &mut String, d: &Diagnosis, number: Option<usize>) {
    let lead = number.map(|n| format!("{n}. ")).unwrap_or_default();
    let _ = writeln!(
        out,
        "### {lead}`{}` — {}\n",
        code_span(&short_request(d)),
        inline(&status_line(d))
    );
    let mut words = plain_words(d);
    if let Some(w) = wait_sentence(d) {
        words.push(' ');
        words.push_str(&w);
    }
    let _ = writeln!(out, "{}\n", inline(&words));
    // A field's step ("Fix `email`: …") is said once, in the list of
    // fields to fix, with what was sent when the step knows it.
    let fields: &[(String, String)] = d.error.as_ref().map_or(&[], |e| &e.fields);
    let field_step = |t: &str| {
        fields
            .iter()
            .any(|(k, _)| t.starts_with(&format!("Fix `{k}`")))
    };
    let steps: Vec<&String> = d
        .troubleshooting
        .iter()
        .filter(|t| !field_step(t))
        .collect();
    if !steps.is_empty() {
        out.push_str("**What to do**\n\n");
        for (i, t) in steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, inline(t));
        }
        out.push('\n');
    }
    if !fields.is_empty() {
        out.push_str("**Fields to fix**\n\n");
        for (k, v) in fields {
            let sent = d
                .troubleshooting
                .iter()
                .find_map(|t| t.strip_prefix(&format!("Fix `{k}` (you sent ")))
                .and_then(|rest| rest.split_once("): "))
                .map(|(sent, _)| format!(" (you sent {})", code_span(sent)))
                .unwrap_or_default();
            let _ = writeln!(out, "- `{}`{sent}: {}", code_span(k), inline(v));
        }
        out.push('\n');
    }
    // Every message the API gave (an HTTP reason phrase says nothing the
    // status does not), when there is more than one.
    let said: Vec<&String> = d.error.as_ref().map_or_else(Vec::new, |e| {
        e.messages
            .iter()
            .filter(|m| !crate::decode::json::is_reason_phrase(m))
            .collect()
    });
    if said.len() > 1 {
        out.push_str("**What the API said**\n\n");
        for m in said.iter().take(20) {
            let _ = writeln!(out, "- {}", inline(m));
        }
        if said.len() > 20 {
            let _ = writeln!(out, "- … and {} more", said.len() - 20);
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
    let api = api_name(d);
    if let Some(id) = d.error.as_ref().and_then(|e| e.request_id.as_deref()) {
        let _ = writeln!(
            out,
            "**To quote to {}'s support**: request id `{}`{}\n",
            inline(&api),
            code_span(id),
            d.started_ms
                .map(|ms| format!(
                    ", sent {}",
                    crate::time::utc_and_local(ms, d.utc_offset_min)
                ))
                .unwrap_or_default()
        );
    }
    out.push_str("| | |\n|---|---|\n");
    let _ = writeln!(out, "| API | {} |", cell(&api));
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
    }
    if let Some(ms) = d.started_ms {
        let _ = writeln!(
            out,
            "| Sent | {} |",
            cell(&crate::time::utc_and_local(ms, d.utc_offset_min))
        );
    }
    if let Some(r) = &d.rate_limit {
        let _ = writeln!(out, "| Rate limit | {} |", cell(&rate_limit_row(d, r)));
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
    let _ = writeln!(out, "- Format: {}", inline(&d.identified()));
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
        for c in &e.other_codes {
            let _ = writeln!(out, "- Also a code: `{}`", code_span(c));
        }
        for r in &e.other_request_ids {
            let _ = writeln!(out, "- Also a request id: `{}`", code_span(r));
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
