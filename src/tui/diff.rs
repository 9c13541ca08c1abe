//! Comparing two exchanges: status, decoded error, headers and body, as
//! lines for the diff overlay (`d` on one exchange, then `d` on another).

use super::body::BodyDoc;
use crate::decode::Diagnosis;
use crate::model::{Exchange, Headers};

/// How a diff line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A section title.
    Title,
    /// Same on both sides.
    Same,
    /// Only in (or as in) the first exchange.
    Old,
    /// Only in (or as in) the second exchange.
    New,
    /// A note.
    Note,
}

/// Body lines compared at most (each side).
const MAX_BODY_LINES: usize = 20_000;
/// Diff lines shown at most.
const MAX_OUT: usize = 2_000;

/// The diff of exchange `a` (older, marked first) and `b`.
pub fn diff(a: (&Exchange, &Diagnosis), b: (&Exchange, &Diagnosis)) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    let (ea, da) = a;
    let (eb, db) = b;
    out.push((Kind::Title, "Outcome".into()));
    let field = |out: &mut Vec<(Kind, String)>, name: &str, x: String, y: String| {
        if x == y {
            out.push((Kind::Same, format!("  {name:<11} {x}")));
        } else {
            out.push((Kind::Old, format!("- {name:<11} {x}")));
            out.push((Kind::New, format!("+ {name:<11} {y}")));
        }
    };
    let opt = |s: Option<&str>| s.unwrap_or("—").to_owned();
    field(
        &mut out,
        "request",
        format!(
            "{} {}",
            da.method.as_deref().unwrap_or("GET"),
            opt(da.url.as_deref())
        ),
        format!(
            "{} {}",
            db.method.as_deref().unwrap_or("GET"),
            opt(db.url.as_deref())
        ),
    );
    field(
        &mut out,
        "status",
        da.status.map_or("—".into(), |s| s.to_string()),
        db.status.map_or("—".into(), |s| s.to_string()),
    );
    field(&mut out, "dialect", da.dialect.clone(), db.dialect.clone());
    let err = |d: &Diagnosis, f: fn(&crate::decode::ErrorInfo) -> Option<String>| {
        d.error.as_ref().and_then(f).unwrap_or_else(|| "—".into())
    };
    field(
        &mut out,
        "code",
        err(da, |e| e.code.clone()),
        err(db, |e| e.code.clone()),
    );
    field(
        &mut out,
        "message",
        err(da, |e| e.message.clone()),
        err(db, |e| e.message.clone()),
    );
    field(
        &mut out,
        "request id",
        err(da, |e| e.request_id.clone()),
        err(db, |e| e.request_id.clone()),
    );
    let rl = |d: &Diagnosis| {
        d.rate_limit
            .as_ref()
            .map_or("—".into(), crate::report::rate_limit_summary)
    };
    field(&mut out, "rate limit", rl(da), rl(db));

    out.push((Kind::Title, String::new()));
    out.push((Kind::Title, "Response headers".into()));
    headers(&mut out, &ea.response.headers, &eb.response.headers);
    if let (Some(ra), Some(rb)) = (&ea.request, &eb.request) {
        out.push((Kind::Title, String::new()));
        out.push((Kind::Title, "Request headers".into()));
        headers(&mut out, &ra.headers, &rb.headers);
    }

    out.push((Kind::Title, String::new()));
    out.push((Kind::Title, "Body".into()));
    let la = pretty(&ea.response.body);
    let lb = pretty(&eb.response.body);
    if la == lb {
        out.push((Kind::Note, "  (identical)".into()));
    } else {
        let ra: Vec<&str> = la.iter().map(String::as_str).collect();
        let rb: Vec<&str> = lb.iter().map(String::as_str).collect();
        let text = similar::TextDiff::configure()
            .timeout(std::time::Duration::from_millis(200))
            .diff_slices(&ra, &rb);
        for group in text.grouped_ops(2) {
            out.push((Kind::Note, "  ⋯".into()));
            for op in group {
                for change in text.iter_changes(&op) {
                    let (kind, sign) = match change.tag() {
                        similar::ChangeTag::Equal => (Kind::Same, ' '),
                        similar::ChangeTag::Delete => (Kind::Old, '-'),
                        similar::ChangeTag::Insert => (Kind::New, '+'),
                    };
                    out.push((kind, format!("{sign} {}", change.value())));
                }
            }
            if out.len() > MAX_OUT {
                out.push((Kind::Note, "  (more differences not shown)".into()));
                break;
            }
        }
    }
    out
}

fn headers(out: &mut Vec<(Kind, String)>, a: &Headers, b: &Headers) {
    let mut names: Vec<String> = Vec::new();
    for (k, _) in a.iter().chain(b.iter()) {
        let k = k.to_ascii_lowercase();
        if !names.contains(&k) {
            names.push(k);
        }
    }
    let mut any = false;
    for n in names {
        let va: Vec<&str> = a.get_all(&n).collect();
        let vb: Vec<&str> = b.get_all(&n).collect();
        if va == vb {
            continue;
        }
        any = true;
        for v in &va {
            out.push((Kind::Old, format!("- {n}: {v}")));
        }
        for v in &vb {
            out.push((Kind::New, format!("+ {n}: {v}")));
        }
    }
    if !any {
        out.push((Kind::Note, "  (identical)".into()));
    }
}

/// The body as the Body tab shows it (pretty JSON, or text lines).
fn pretty(bytes: &[u8]) -> Vec<String> {
    let mut doc = BodyDoc::new(bytes);
    doc.ensure_lines(bytes, MAX_BODY_LINES);
    let (n, _) = doc.known_lines();
    (0..n.min(MAX_BODY_LINES))
        .map(|i| doc.line(bytes, i).into_iter().map(|(_, s)| s).collect())
        .collect()
}
