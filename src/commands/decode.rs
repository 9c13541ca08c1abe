//! `apiscope decode`: the diagnosis of a capture, HAR, session or bare body.

use super::{Error, Outcome, Result, check_dialect, emit_report, load_profiles, outcome_of};
use crate::cli::DecodeArgs;
use crate::decode::{self, Options};
use crate::input::{self, BareBody};
use std::io::IsTerminal;

/// Runs `decode`.
pub fn run(args: DecodeArgs) -> Result<Outcome> {
    let profiles = load_profiles();
    check_dialect(&profiles, args.dialect.as_deref())?;
    let path = match args.file.as_deref() {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            return Err(Error::Usage(
                "decode: no input; give a FILE, or pipe a response in (curl -si URL | apiscope decode)"
                    .into(),
            ));
        }
        None => "-",
    };
    let bare = BareBody {
        status: args.status,
        headers: input::parse_header_flags(&args.headers)?,
    };
    let exchanges = input::read_path(path, &bare)?;
    let options = Options {
        dialect: args.dialect,
        now: None,
    };
    let diagnoses = decode::diagnose_all(&exchanges, &profiles, &options);
    emit_report(args.format, &diagnoses, args.keep_secrets)?;
    Ok(outcome_of(&diagnoses))
}
