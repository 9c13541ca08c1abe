//! One module per command of the command line, and what they share:
//! the error type whose exit code `main` maps in one place, output, the
//! HTTP client set-up, the history, progress bars.

pub mod auth;
pub mod collection;
pub mod decode;
pub mod demo_server;
pub mod history;
pub mod import;
pub mod jq_worker;
pub mod replay;
pub mod send;
pub mod test;
pub mod trust;
pub mod tui;

use crate::cli::{Cli, Command};
use crate::decode::{Diagnosis, Profiles};
use crate::http;
use crate::report::{self, Format};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Why a command could not do its job. Every kind is exit status 2 (bad
/// usage, or no HTTP response could be read or sent); the message is one
/// line naming the problem.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line asks for something that cannot be done.
    #[error("{0}")]
    Usage(String),
    /// An input file could not be read as anything apiscope knows.
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// A request line or request item does not parse.
    #[error(transparent)]
    Item(#[from] crate::items::ItemError),
    /// The output could not be written.
    #[error("{0}")]
    Output(String),
    /// Setting something up failed (the runtime, the client, a file).
    #[error("{0}")]
    Setup(String),
    /// The history could not be opened or read.
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// A file could not be written.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The user answered no: nothing was sent.
    #[error("{0}")]
    Declined(String),
}

impl Error {
    /// The exit status of the contract (`shared/design.md`).
    pub fn exit_code(&self) -> u8 {
        2
    }
}

impl From<String> for Error {
    fn from(s: String) -> Error {
        Error::Setup(s)
    }
}

/// What a command found: the exit status when it ran to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0: every response succeeded.
    Ok,
    /// Exit 1: a diagnosed response is an error (or `--check` found a
    /// difference).
    Failed,
    /// Exit 2: some requests of a run could not be sent (each was named,
    /// and the run's summary printed).
    Incomplete,
    /// Exit 3 (`apiscope test`): a request could not complete (network,
    /// TLS, timeout, a wait past `--max-wait`).
    Unfinished,
}

impl Outcome {
    /// `Failed` when `failed`.
    pub fn from_failed(failed: bool) -> Outcome {
        if failed { Outcome::Failed } else { Outcome::Ok }
    }

    /// The exit status.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Failed => 1,
            Outcome::Incomplete => 2,
            Outcome::Unfinished => 3,
        }
    }
}

/// Result of a command.
pub type Result<T> = std::result::Result<T, Error>;

/// `--color`, as given.
static COLOR: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Runs the command the user asked for.
pub fn run(cli: Cli) -> Result<Outcome> {
    let _ = COLOR.set(cli.color.clone());
    let outcome = dispatch(cli);
    flush_history();
    outcome
}

fn dispatch(cli: Cli) -> Result<Outcome> {
    match cli.command {
        Some(Command::Decode(args)) => decode::run(args),
        Some(Command::Send(args)) => runtime()?.block_on(send::run(*args)),
        Some(Command::DemoServer { port, rate }) => {
            runtime()?.block_on(demo_server::run(port, rate))
        }
        Some(Command::Open {
            file,
            theme,
            env,
            yes,
            trust,
            transport,
        }) => runtime()?.block_on(tui::run(tui::Args {
            demo: false,
            theme: theme.or(cli.theme),
            request: Vec::new(),
            open: Some(file),
            env,
            yes,
            trust,
            transport,
        })),
        Some(Command::Trust(args)) => trust::run(&args),
        Some(Command::Auth { action }) => auth::run(action),
        Some(Command::Replay(args)) => runtime()?.block_on(replay::run(args)),
        Some(Command::Test(args)) => runtime()?.block_on(test::run(args)),
        Some(Command::History(args)) => history::run(args),
        Some(Command::Import(args)) => import::run(args),
        Some(Command::JqWorker { filter }) => jq_worker::run(&filter),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory as _;
            // The internal commands (the terminal guard, the jq worker)
            // are not offered: the completion generators list hidden
            // subcommands, so the command is rebuilt without them.
            let full = crate::cli::Cli::command();
            let mut cmd = clap::Command::new("apiscope")
                .about(full.get_about().cloned().unwrap_or_default())
                .args(full.get_arguments().cloned())
                .subcommands(full.get_subcommands().filter(|c| !c.is_hide_set()).cloned());
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "apiscope", &mut out);
            write_bytes(&out)?;
            Ok(Outcome::Ok)
        }
        Some(Command::Man { dir }) => {
            use clap::CommandFactory as _;
            let cmd = crate::cli::Cli::command();
            match dir {
                Some(d) => {
                    clap_mangen::generate_to(cmd, &d).map_err(|e| {
                        Error::Usage(format!(
                            "man --dir {}: {e}",
                            crate::report::sanitize(&d, false)
                        ))
                    })?;
                    eprintln!(
                        "apiscope: manual pages written to {}",
                        crate::report::sanitize(&d, false)
                    );
                }
                None => {
                    let mut out = Vec::new();
                    clap_mangen::Man::new(cmd)
                        .render(&mut out)
                        .map_err(|e| Error::Setup(format!("man: {e}")))?;
                    write_bytes(&out)?;
                }
            }
            Ok(Outcome::Ok)
        }
        Some(Command::TtyGuard) => {
            let _ = crate::tui::guard::run();
            Ok(Outcome::Ok)
        }
        None => runtime()?.block_on(tui::run(tui::Args {
            demo: cli.demo,
            theme: cli.theme,
            request: cli.request,
            open: None,
            env: None,
            yes: false,
            trust: crate::cli::TrustArgs::default(),
            transport: crate::cli::TransportArgs::default(),
        })),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Setup(format!("cannot start the async runtime: {e}")))
}

/// The history of this process's command line runs: one connection on a
/// thread of its own, opened at the first exchange to keep, writing in
/// batches off the send path; [`flush_history`] waits for it at the end.
static HISTORY: std::sync::OnceLock<Option<crate::history::Worker>> = std::sync::OnceLock::new();

/// Keeps an exchange (already redacted as the caller wants it) in the
/// history, unless the history is off.
pub fn keep(
    exchange: &crate::model::Exchange,
    d: &Diagnosis,
    source: &'static str,
    line: Option<String>,
) {
    let worker = HISTORY.get_or_init(|| open_history().map(crate::history::Worker::spawn));
    if let Some(w) = worker {
        w.send(crate::history::Job::Record {
            exchange: Box::new(exchange.clone()),
            diagnosis: Box::new(d.clone()),
            source,
            line,
        });
    }
}

/// Waits until every exchange handed to [`keep`] is written (at most a
/// few seconds: a stuck disk does not hang the command's exit).
pub fn flush_history() {
    if let Some(Some(w)) = HISTORY.get() {
        w.flush(Duration::from_secs(10));
    }
}

/// Whether the history is kept (`APISCOPE_HISTORY=off` or `0`: not).
pub fn history_on() -> bool {
    !std::env::var("APISCOPE_HISTORY").is_ok_and(|v| v == "off" || v == "0")
}

/// The history database, unless `APISCOPE_HISTORY=off`; a history that
/// cannot be opened is a warning, never a failure.
pub fn open_history() -> Option<crate::history::History> {
    if !history_on() {
        return None;
    }
    match crate::history::History::open_default() {
        Ok(h) => Some(h),
        Err(e) => {
            warn(&format!("history not kept: {e}"));
            None
        }
    }
}

/// The built-in profiles and the user's; a broken file is a warning.
pub fn load_profiles() -> Profiles {
    let (profiles, problems) = crate::config::load_profiles();
    for p in problems {
        warn(&format!("skipped profile {p}"));
    }
    profiles
}

/// `apiscope: warning: …` on stderr, sanitised.
pub fn warn(message: &str) {
    eprintln!("apiscope: warning: {}", report::sanitize(message, false));
}

/// Checks `--dialect ID` names a profile.
fn check_dialect(profiles: &Profiles, dialect: Option<&str>) -> Result<()> {
    if let Some(d) = dialect {
        crate::decode::check_dialect(profiles, d).map_err(|e| Error::Usage(e.to_string()))?;
    }
    Ok(())
}

/// The HTTP client for `--timeout SECONDS` (checked) and other options.
fn client_with(timeout: f64, set: impl FnOnce(&mut http::ClientOptions)) -> Result<http::Client> {
    if !(timeout > 0.0 && timeout.is_finite() && timeout < 1e9) {
        return Err(Error::Usage(format!(
            "--timeout {timeout}: must be a positive number of seconds"
        )));
    }
    let mut options = http::ClientOptions {
        timeout: Duration::from_secs_f64(timeout),
        ..Default::default()
    };
    // config.toml's [transport] first; the command's options win.
    crate::config::transport().apply(&mut options);
    set(&mut options);
    http::Client::new(options).map_err(|e| Error::Setup(e.to_string()))
}

/// `--max-wait SECONDS` as a duration, checked.
fn max_wait(seconds: f64) -> Result<Duration> {
    if !(seconds >= 0.0 && seconds.is_finite() && seconds < 1e9) {
        return Err(Error::Usage(format!(
            "--max-wait {seconds}: must be a number of seconds (0 or more)"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_out(text: &str) -> Result<()> {
    write_bytes(text.as_bytes())
}

/// Writes bytes to stdout as they are; a closed pipe is not an error.
pub fn write_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Output(format!("writing the report: {e}"))),
    }
}

/// Writes to stdout through `f` (a body too big to build in memory); a
/// closed pipe is not an error.
pub fn write_with(f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match f(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Output(format!("writing the report: {e}"))),
    }
}

fn emit(format: Format, diagnoses: &[Diagnosis]) -> Result<()> {
    let color = format == Format::Text && use_color();
    write_out(&report::render(format, diagnoses, color))
}

/// As `emit`, with `--keep-secrets` honoured for the Markdown report.
fn emit_report(format: Format, diagnoses: &[Diagnosis], keep_secrets: bool) -> Result<()> {
    if format == Format::Markdown && keep_secrets {
        return write_out(&report::markdown::render_keeping_secrets(diagnoses));
    }
    emit(format, diagnoses)
}

/// Whether text on stdout may be coloured: a terminal, no `NO_COLOR`.
pub fn use_color() -> bool {
    match COLOR.get().map(String::as_str) {
        Some("always") => return true,
        Some("never") => return false,
        _ => {}
    }
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

fn outcome_of(diagnoses: &[Diagnosis]) -> Outcome {
    Outcome::from_failed(diagnoses.iter().any(Diagnosis::is_error))
}

fn spinner(what: &str) -> indicatif::ProgressBar {
    let pb =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(report::sanitize(what, false));
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// Says once on stderr what a run waits for, when the wait is a second or
/// more and no progress bar shows it (stderr is not a terminal): a run
/// that waits never looks hung.
fn say_wait(
    bar: &indicatif::ProgressBar,
    announced: &mut Option<std::time::Instant>,
    until: std::time::Instant,
    why: crate::driver::WaitReason,
    next: impl std::fmt::Display,
) {
    let wait = until.saturating_duration_since(std::time::Instant::now());
    if *announced == Some(until) || wait < Duration::from_secs(1) || !bar.is_hidden() {
        return;
    }
    *announced = Some(until);
    eprintln!(
        "apiscope: waiting {} before request {next} ({})",
        crate::time::human(wait),
        why.label()
    );
}

fn count_bar(max: u64, unit: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(max),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{spinner}} {unit} {{pos}}/{{len}} · {{elapsed}} · {{msg}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// Writes exchanges where `--save` says, in the format its extension names:
/// `.har` a HAR 1.2 file, `.md` the Markdown report, else an apiscope
/// session (a path ending in `.json` or with a directory part, or a name in
/// the sessions directory).
fn save_session(
    target: &str,
    exchanges: &[crate::model::Exchange],
    profiles: &Profiles,
    keep_secrets: bool,
) -> Result<()> {
    let lower = target.to_ascii_lowercase();
    if lower.ends_with(".har") || lower.ends_with(".md") {
        let path = std::path::PathBuf::from(target);
        // Never replace a file apiscope did not write.
        if let Ok(existing) = std::fs::read(&path) {
            let ours = if lower.ends_with(".har") {
                crate::input::har::sniff(&existing)
            } else {
                report::markdown::sniff(&existing)
            };
            if !ours {
                return Err(Error::Usage(format!(
                    "--save: {} exists and was not written by apiscope; it was left as it was (choose another path)",
                    path.display()
                )));
            }
        } else if path.exists() {
            return Err(Error::Usage(format!(
                "--save: {} is not a file",
                path.display()
            )));
        }
        let text = if lower.ends_with(".har") {
            crate::input::har::to_json(exchanges, keep_secrets)
        } else {
            let diagnoses = crate::decode::diagnose_all(
                exchanges,
                profiles,
                &crate::decode::Options::default(),
            );
            if keep_secrets {
                report::markdown::render_keeping_secrets(&diagnoses)
            } else {
                report::markdown::render(&diagnoses)
            }
        };
        crate::store::write_atomic(&path, text.as_bytes())?;
        eprintln!(
            "apiscope: saved {} exchange(s) to {}{}",
            exchanges.len(),
            report::sanitize(&path.display().to_string(), false),
            if keep_secrets {
                " (credentials kept)"
            } else {
                " (credentials redacted)"
            }
        );
        return Ok(());
    }
    let path = if target.ends_with(".json") || target.contains(std::path::MAIN_SEPARATOR) {
        std::path::PathBuf::from(target)
    } else {
        crate::store::sessions_dir()
            .ok_or_else(|| {
                Error::Usage("--save: no user data directory on this system; give a path".into())
            })?
            .join(format!("{target}.json"))
    };
    // Never replace a file that is not an apiscope session.
    if let Ok(existing) = std::fs::read(&path)
        && !crate::input::session::sniff(existing.trim_ascii_start())
    {
        return Err(Error::Usage(format!(
            "--save: {} exists and is not an apiscope session; it was left as it was (choose another path)",
            path.display()
        )));
    }
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let text = crate::input::session::to_json(name.as_deref(), exchanges, profiles, keep_secrets);
    crate::store::write_atomic(&path, text.as_bytes())?;
    eprintln!(
        "apiscope: saved {} exchange(s) to {}{}",
        exchanges.len(),
        report::sanitize(&path.display().to_string(), false),
        if keep_secrets {
            " (credentials kept)"
        } else {
            " (credentials redacted)"
        }
    );
    Ok(())
}
