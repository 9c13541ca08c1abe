//! The `apiscope` binary: parse the command line, run one command, and map
//! what came of it to an exit status in one place (0 success, 1 an error
//! response, 2 bad usage or unreadable input, with one line on stderr).

use apiscope::cli::Cli;
use apiscope::commands;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match commands::run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) => {
            // Messages quote file names, URLs and words from the input:
            // they go through the one sanitiser like every byte printed.
            eprintln!(
                "apiscope: {}",
                apiscope::report::sanitize(&e.to_string(), false)
            );
            ExitCode::from(e.exit_code())
        }
    }
}
