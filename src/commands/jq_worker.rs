//! `apiscope jq-worker FILTER` (hidden): one jq filter on the body given on
//! stdin, for the TUI, which runs it as a separate process so a runaway
//! filter can be stopped and a crash costs only this process.

use super::{Error, Outcome, Result, write_out};

/// Runs the worker.
pub fn run(filter: &str) -> Result<Outcome> {
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin(), &mut body)
        .map_err(|e| Error::Setup(format!("jq-worker: reading the body: {e}")))?;
    let out = match crate::jq::run(filter, &body) {
        Ok(values) => serde_json::json!({ "ok": values }),
        Err(e) => serde_json::json!({ "err": e }),
    };
    write_out(&out.to_string())?;
    Ok(Outcome::Ok)
}
