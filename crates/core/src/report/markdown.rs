//! The Markdown report: what a support engineer pastes into a ticket reply.

use super::{pagination_summary, rate_limit_summary, request_line, sanitize, status_line};
use crate::decode::Diagnosis;
use std::fmt::Write as _;

/// Renders diagnoses as a Markdown report, with tokens in URLs redacted
/// (a report is pasted into tickets).
pub fn render(diagnoses: &[Diagnosis]) -> String {
    let redacted: Vec<Diagnosis> = diagnoses
        .iter()
        .cloned()
        .map(|mut d| {
            d.url = d.url.as_deref().map(crate::redact::url);
            if let Some(p) = d.pagination.as_mut() {
                p.next = p.next.as_deref().map(crate::redact::url);
            }
            d
        })
        .collect();
    render_keeping_secrets(&redacted)
}

/// Renders diagnoses as a Markdown report as they are (`--keep-secrets`).
pub fn render_keeping_secrets(diagnoses: &[Diagnosis]) -> String {
    let mut out = String::new();
    if diagnoses.len() > 1 {
        let errors = diagnoses.iter().filter(|d| d.is_error()).count();
        let _ = writeln!(
            out,
            "## apiscope diagnosis: {} responses, {} failed\n",
            diagnoses.len(),
            errors
        );
        out.push_str("| # | Request | Status | Dialect | Code |\n|---|---|---|---|---|\n");
        for (i, d) in diagnoses.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                i + 1,
                cell(&request_line(d).unwrap_or_else(|| "—".into())),
                cell(&status_line(d)),
                d.dialect,
                d.error
                    .as_ref()
                    .and_then(|e| e.code.as_deref())
                    .map_or_else(|| "—".into(), |c| format!("`{}`", cell(c)))
            );
        }
        out.push('\n');
    }
    for (i, d) in diagnoses.iter().enumerate() {
        if i > 0 {
            out.push_str("\n---\n\n");
        }
        one(&mut out, d);
    }
    out
}

fn one(out: &mut String, d: &Diagnosis) {
    let title = match request_line(d) {
        Some(r) => format!("`{}` → {}", code_span(&r), inline(&status_line(d))),
        None => format!("HTTP {}", inline(&status_line(d))),
    };
    let _ = writeln!(out, "### {title}\n");
    out.push_str("| | |\n|---|---|\n");
    let _ = writeln!(
        out,
        "| Format | {} ({}) |",
        d.dialect,
        cell(&d.dialect_name)
    );
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
            let _ = writeln!(out, "| Request id | `{}` |", cell(id));
        }
    }
    if let Some(r) = &d.rate_limit {
        let _ = writeln!(out, "| Rate limit | {} |", cell(&rate_limit_summary(r)));
        if let Some(p) = &r.policy {
            let _ = writeln!(out, "| Documented budget | {} |", cell(p));
        }
    }
    if let Some(p) = &d.pagination {
        let _ = writeln!(out, "| Pagination | {} |", cell(&pagination_summary(p)));
        if let Some(n) = &p.next {
            let _ = writeln!(out, "| Next page | {} |", cell(n));
        }
    }
    if let Some(e) = &d.error {
        let extra: Vec<&String> = e
            .messages
            .iter()
            .filter(|m| Some(*m) != e.message.as_ref())
            .collect();
        if !extra.is_empty() {
            out.push_str("\n**All messages**\n\n");
            for m in extra {
                let _ = writeln!(out, "- {}", inline(m));
            }
        }
        if !e.fields.is_empty() {
            out.push_str("\n**Field errors**\n\n| Field | Problem |\n|---|---|\n");
            for (k, v) in &e.fields {
                let _ = writeln!(out, "| `{}` | {} |", cell(k), cell(v));
            }
        }
    }
    if !d.troubleshooting.is_empty() {
        out.push_str("\n**Troubleshooting**\n\n");
        for (i, t) in d.troubleshooting.iter().enumerate() {
            let _ = writeln!(out, "{}. {}", i + 1, inline(t));
        }
    }
    if !d.findings.is_empty() {
        out.push_str("\n**What we noticed in the request**\n\n");
        for f in &d.findings {
            let _ = writeln!(out, "- {}", inline(f));
        }
    }
    if !d.notes.is_empty() {
        out.push_str("\n**Notes on the response**\n\n");
        for f in &d.notes {
            let _ = writeln!(out, "- {}", inline(f));
        }
    }
}

/// Text for a table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    sanitize(s, false).replace('|', "\\|")
}

/// Text for a paragraph or list item: one line, HTML-ish `<` neutralised.
fn inline(s: &str) -> String {
    sanitize(s, false).replace('<', "&lt;")
}

/// Text inside a backtick span.
fn code_span(s: &str) -> String {
    sanitize(s, false).replace('`', "'")
}
