//! The `apiscope` binary: parse the command line, run one command, and map
//! what came of it to an exit status in one place (0 success, 1 an error
//! response, 2 bad usage or unreadable input, with one line on stderr).

use apiscope::cli::Cli;
use apiscope::commands;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
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

/// `--help` and `--version` print as clap writes them (exit 0); a usage
/// error is one line on stderr (exit 2), as every other error: clap's
/// message without its usage block, and where to look.
fn usage(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.render().to_string();
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("bad usage");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "the following required arguments were not provided:" names them on
    // the next line.
    let first = match (first.ends_with(':'), lines.next()) {
        (true, Some(next)) => format!("{first} {next}"),
        _ => first.to_owned(),
    };
    let tip = text
        .lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("tip: "))
        .map(|t| format!("; {t}"))
        .unwrap_or_default();
    eprintln!(
        "apiscope: {}{} (apiscope --help lists the usage)",
        apiscope::report::sanitize(&first, false),
        apiscope::report::sanitize(&tip, false)
    );
    ExitCode::from(2)
}
