//! `apiscope trust [DIR] [--list] [--revoke] [--yes] [--env ENV]`: the
//! collection directories the user trusts, and the origins confirmed for
//! each.

use super::{Error, Outcome, Result, write_out};
use crate::cli::TrustCommandArgs;
use crate::collection::run::{CollectionRun, dir_of};
use crate::collection::vars::Environments;
use crate::oauth::System;
use crate::report::sanitize;
use crate::trust::Store;

/// Runs `trust`.
pub fn run(args: &TrustCommandArgs) -> Result<Outcome> {
    let usage = |e: crate::trust::TrustError| Error::Usage(sanitize(&e.to_string(), false));
    let mut store = Store::load().map_err(usage)?;
    if args.list {
        if store.dirs.is_empty() {
            write_out(
                "No trusted directory: collections are untrusted (apiscope trust DIR trusts one).\n",
            )?;
            return Ok(Outcome::Ok);
        }
        let mut out = String::new();
        for e in &store.dirs {
            out.push_str(&format!("{}\n", e.path.display()));
            if e.origins.is_empty() {
                out.push_str("  no origin confirmed: each is asked before secrets go to it\n");
            }
            for o in &e.origins {
                out.push_str(&format!("  secrets may go to {o}\n"));
            }
        }
        out.push_str("apiscope trust DIR --revoke forgets one.\n");
        write_out(&sanitize(&out, true))?;
        return Ok(Outcome::Ok);
    }
    let dir = args.dir.clone().unwrap_or_else(|| ".".into());
    let canonical = std::fs::canonicalize(&dir)
        .map_err(|e| Error::Usage(sanitize(&format!("{dir}: {e}"), false)))?;
    if !canonical.is_dir() {
        return Err(Error::Usage(sanitize(
            &format!("{dir}: not a directory: trust names a collection's directory"),
            false,
        )));
    }
    let shown = sanitize(&canonical.display().to_string(), false);
    if args.revoke {
        let was = store.revoke(&canonical);
        store.save().map_err(usage)?;
        write_out(&if was {
            format!("{shown} is no longer trusted.\n")
        } else {
            format!("{shown} was not trusted.\n")
        })?;
        return Ok(Outcome::Ok);
    }
    let origins = secret_origins(&canonical, args.env.as_deref());
    if !origins.is_empty() && !args.yes {
        use std::io::IsTerminal as _;
        eprintln!(
            "apiscope: trusting {shown} confirms that its secret values (private env, .env, the process environment) may go to, and its requests sent first may reach:"
        );
        for o in &origins {
            eprintln!("  {}", sanitize(o, false));
        }
        if !std::io::stdin().is_terminal() {
            return Err(Error::Usage(
                "trust: confirm these origins on a terminal, or pass --yes; nothing was trusted"
                    .into(),
            ));
        }
        eprint!("apiscope: trust it? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return Err(Error::Declined("nothing was trusted".into()));
        }
    }
    let now = crate::time::unix_ms(std::time::SystemTime::now()) / 1000;
    let n = origins.len();
    store.trust(canonical, origins, now);
    store.save().map_err(usage)?;
    write_out(&format!(
        "{shown} is trusted: its `>> file` lines write inside it; {n} origin{} confirmed (apiscope trust --list).\n",
        if n == 1 { "" } else { "s" }
    ))?;
    Ok(Outcome::Ok)
}

/// The origins the collections under `dir` send secret-source values to,
/// as far as can be known before sending (in `env`, else every one).
fn secret_origins(dir: &std::path::Path, env: Option<&str>) -> Vec<String> {
    let files = crate::collection::walk::files(dir, &crate::collection::walk::is_collection_file)
        .unwrap_or_default();
    let mut out: Vec<String> = Vec::new();
    for f in files {
        let Ok(file) = crate::collection::HttpFile::read_lenient(&f) else {
            continue;
        };
        let Ok(envs) = Environments::load(&dir_of(&f), &System) else {
            continue;
        };
        let names = match env {
            Some(e) => vec![Some(e.to_owned())],
            None => {
                let mut n: Vec<Option<String>> = envs.names().into_iter().map(Some).collect();
                n.push(None);
                n
            }
        };
        let mut run = CollectionRun::new(
            vec![file],
            vec![envs],
            crate::collection::trust::Trust::new(dir.to_path_buf(), true, []),
        );
        for e in names {
            if run.set_env(e.as_deref()).is_err() {
                continue;
            }
            for p in run.preflight_all(&System).sends {
                if let Some(o) = p.origin
                    && (!p.secrets.is_empty() || crate::collection::trust::is_local(&o))
                    && !out.contains(&o)
                {
                    out.push(o);
                }
            }
        }
    }
    out.sort();
    out
}
