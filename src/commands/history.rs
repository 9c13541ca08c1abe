//! `apiscope history`: search the exchanges kept in the history.

use super::{Error, Outcome, Result, emit, load_profiles, outcome_of, write_out};
use crate::cli::HistoryArgs;
use crate::decode::{self, Options};
use crate::report::{self, Format};

/// Runs `history`.
pub fn run(args: HistoryArgs) -> Result<Outcome> {
    let h = crate::history::History::open_default()?;
    if let Some(id) = args.show {
        let (exchange, _) = h
            .get(id)?
            .ok_or_else(|| Error::Usage(format!("history: no exchange {id}")))?;
        let d = decode::diagnose(&exchange, &load_profiles(), &Options::default());
        emit(args.format, std::slice::from_ref(&d))?;
        return Ok(outcome_of(&[d]));
    }
    let q = crate::history::Query::parse(&args.query.join(" "))?;
    let rows = h.search(&q, args.limit)?;
    let mut out = String::new();
    for r in &rows {
        if args.format == Format::Json {
            let v = serde_json::json!({
                "id": r.id,
                "at": report::rfc3339(r.at_ms / 1000),
                "source": r.source,
                "method": r.method,
                "url": r.url,
                "status": r.status,
                "dialect": r.dialect,
                "code": r.code,
                "message": r.message,
            });
            out.push_str(&report::sanitize_json(&v.to_string()));
            out.push('\n');
        } else {
            out.push_str(&format!(
                "{:>6}  {}  {:>3}  {:<12}  {:<22}  {} {}\n",
                r.id,
                report::rfc3339(r.at_ms / 1000),
                r.status.map_or("—".into(), |s| s.to_string()),
                r.dialect,
                report::sanitize(r.code.as_deref().unwrap_or("—"), false),
                report::sanitize(&r.method, false),
                report::sanitize(&r.url, false)
            ));
        }
    }
    if rows.is_empty() && args.format != Format::Json {
        out.push_str("no exchange in the history matches\n");
    }
    write_out(&out)?;
    Ok(Outcome::Ok)
}
