//! The text report: what a person reads in a terminal.

use super::{pagination_summary, rate_limit_summary, request_line, sanitize, status_line};
use crate::decode::Diagnosis;
use std::fmt::Write as _;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    fn status(&self, d: &Diagnosis, s: &str) -> String {
        // Blue/orange rather than green/red: readable with colour blindness.
        let code = match d.status {
            _ if d.error.is_some() && d.status.is_none_or(|s| s < 400) => "1;33",
            Some(s) if s >= 500 => "1;31",
            Some(s) if s >= 400 => "1;33",
            Some(_) => "1;34",
            None => "1",
        };
        self.paint(code, s)
    }
}

/// Renders diagnoses as text; `color` adds ANSI styling.
pub fn render(diagnoses: &[Diagnosis], color: bool) -> String {
    let mut out = String::new();
    let n = diagnoses.len();
    for (i, d) in diagnoses.iter().enumerate() {
        out.push_str(&render_nth(d, i, n, color));
    }
    out
}

/// The text of diagnosis `i` of `n` (0-based), as [`render`] writes it:
/// for writing a long input's report as it is decoded.
pub fn render_nth(d: &Diagnosis, i: usize, n: usize, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    if n > 1 {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", st.dim(&format!("── {}/{n} ──", i + 1)));
    }
    one(&mut out, d, &st);
    out
}

fn one(out: &mut String, d: &Diagnosis, st: &Style) {
    let s = |t: &str| sanitize(t, false);
    let _ = writeln!(
        out,
        "{}  {}",
        st.status(d, &format!("HTTP {}", s(&status_line(d)))),
        st.dim(&s(&d.identified()))
    );
    if let Some(r) = request_line(d) {
        let _ = writeln!(out, "{}", s(&r));
    }
    if let Some(e) = &d.error {
        out.push('\n');
        let code = e.code.as_deref().map_or_else(|| "—".into(), s);
        match &e.message {
            // No code: the message alone, not "— — message".
            Some(m) if e.code.is_none() => {
                let _ = writeln!(out, "{}{}", st.bold("Error       "), s(m));
            }
            Some(m) => {
                let _ = writeln!(
                    out,
                    "{}{} — {}",
                    st.bold("Error       "),
                    st.bold(&code),
                    s(m)
                );
            }
            None => {
                let _ = writeln!(out, "{}{}", st.bold("Error       "), st.bold(&code));
            }
        }
        if !e.other_codes.is_empty() {
            let also = e.other_codes.join(", ");
            let _ = writeln!(out, "{:<12}{}", "", st.dim(&format!("also: {}", s(&also))));
        }
        if let Some(desc) = &d.code_description {
            let _ = writeln!(out, "{:<12}{}", "", st.dim(&s(desc)));
        }
        for m in e.messages.iter().filter(|m| Some(*m) != e.message.as_ref()) {
            let _ = writeln!(out, "{:<12}{}", "", s(m));
        }
        if let Some(id) = &e.request_id {
            let _ = writeln!(out, "{:<12}{}", "Request id", s(id));
            for other in &e.other_request_ids {
                let _ = writeln!(out, "{:<12}{}", "", st.dim(&format!("also {}", s(other))));
            }
        }
        if !e.fields.is_empty() {
            let width = e
                .fields
                .iter()
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            for (i, (k, v)) in e.fields.iter().enumerate() {
                let label = if i == 0 { "Fields" } else { "" };
                let _ = writeln!(out, "{label:<12}{:<width$}  {}", s(k), s(v));
            }
        }
    }
    if d.rate_limit.is_some() || d.pagination.is_some() {
        out.push('\n');
    }
    if let Some(r) = &d.rate_limit {
        let _ = writeln!(out, "{:<12}{}", "Rate limit", rate_limit_summary(r));
        if let Some(p) = &r.policy {
            let _ = writeln!(out, "{:<12}{}", "", st.dim(&format!("documented: {p}")));
        }
    }
    if let Some(p) = &d.pagination {
        let _ = writeln!(out, "{:<12}{}", "Pagination", pagination_summary(p));
        if let Some(n) = &p.next {
            let _ = writeln!(out, "{:<12}next: {}", "", s(n));
        }
    }
    if let Some(t) = &d.timings {
        // (With the protocol the answer came in.)
        let line = match &d.http_version {
            Some(v) => format!("{} · {}", t.line(), s(v)),
            None => t.line(),
        };
        let _ = writeln!(out, "{:<12}{}", "Timing", st.dim(&line));
    }
    if !d.troubleshooting.is_empty() {
        let _ = writeln!(out, "\n{}", st.bold("Troubleshooting"));
        for (i, t) in d.troubleshooting.iter().enumerate() {
            let _ = writeln!(out, "  {}. {}", i + 1, s(t));
        }
    }
    if !d.findings.is_empty() {
        let _ = writeln!(out, "\n{}", st.bold("Findings"));
        for f in &d.findings {
            let _ = writeln!(out, "  • {}", s(f));
        }
    }
    if !d.notes.is_empty() {
        let _ = writeln!(out, "\n{}", st.bold("Notes"));
        for f in &d.notes {
            let _ = writeln!(out, "  • {}", s(f));
        }
    }
}
