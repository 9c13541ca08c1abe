//! `apiscope demo-server`: the demo API alone, on 127.0.0.1.

use super::{Error, Outcome, Result, write_out};

/// Runs the demo API until Ctrl-C.
pub async fn run(port: Option<u16>, rate: Option<crate::demo::Rate>) -> Result<Outcome> {
    let server = crate::demo::start(port, crate::demo::DemoConfig { rate, log: None })
        .await
        .map_err(|e| {
            Error::Setup(format!(
                "demo-server: cannot listen on 127.0.0.1:{}: {e}",
                port.unwrap_or(0)
            ))
        })?;
    write_out(&format!(
        "apiscope demo API on {} (GET / lists the routes and demo tokens; Ctrl-C stops)\n",
        server.base_url()
    ))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = server.wait() => {}
    }
    Ok(Outcome::Ok)
}
