//! `.http` collections from the command line: `send FILE.http#NAME` and
//! `replay FILE.http`. What to send — a request's dependencies first, each
//! resolved in the environment chosen — is decided by the core's
//! [`CollectionRun`]; this module carries its answers out through the
//! driver (a 429 waited out within `--max-wait`), as the TUI does.

use super::{Error, Result};
use crate::collection::CollectionError;
use crate::collection::run::{CollectionRun, Confirmation, Next, RequestId, Ticket};
use crate::collection::script::{Phase, ScriptReport};
use crate::collection::vars::Resolved;
use crate::decode::{self, Options, Profiles};
use crate::driver::{self, Engine, Received, Run};
use crate::http::drive::{self, Event};
use crate::model::Exchange;
use crate::oauth::System;
use std::path::{Path, PathBuf};

/// `api.http#login` → (`api.http`, `Some("login")`) when the word names a
/// `.http` / `.rest` file — whether or not it exists (opening it says
/// so): such a word is never a host name to look up.
pub fn target(word: &str) -> Option<(PathBuf, Option<String>)> {
    if word.contains("://") {
        return None;
    }
    let (file, selector) = match word.rsplit_once('#') {
        Some((f, s)) if !s.is_empty() => (f, Some(s.to_owned())),
        Some((f, _)) => (f, None),
        None => (word, None),
    };
    let lower = file.to_ascii_lowercase();
    (lower.ends_with(".http") || lower.ends_with(".rest")).then(|| (PathBuf::from(file), selector))
}

/// Whether a file named like a collection holds a recorded exchange
/// instead (a `curl -i` capture saved as `x.http`): read as one.
pub fn is_capture(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    head.starts_with(b"HTTP/") || head.starts_with(b"* ") || head.starts_with(b"> ")
}

/// A word that is a path, not a URL: `./x`, `../x`, `/x`, `~/x`.
pub fn is_path(word: &str) -> bool {
    ["./", "../", "/", "~/"].iter().any(|p| word.starts_with(p))
}

fn usage(e: impl std::fmt::Display) -> Error {
    Error::Usage(crate::report::sanitize(&e.to_string(), false))
}

/// Reads `path` and the environment files beside it under the rules the
/// user chose (the trust store, `--trust`, `--allow-read`); checks
/// `--env`, `--var` and `--secret`.
pub fn open(
    path: &Path,
    env: Option<&str>,
    vars: &[String],
    trust: &crate::cli::TrustArgs,
    cookie_jar: Option<&str>,
) -> Result<CollectionRun> {
    if !path.exists() {
        return Err(Error::Usage(format!(
            "{}: no such collection file",
            crate::report::sanitize(&path.display().to_string(), false)
        )));
    }
    let mut run = CollectionRun::open_file(path, &System).map_err(usage)?;
    let rules = crate::trust::rules(
        &crate::collection::run::dir_of(path),
        trust.trust,
        &trust.allow_read,
    )
    .map_err(usage)?;
    if !rules.trusted()
        && let Some(note) = crate::trust::notice_once(rules.root())
    {
        eprintln!("apiscope: note: {}", crate::report::sanitize(&note, false));
    }
    *run.trust_mut() = rules;
    run.set_env(env).map_err(|e| {
        usage(CollectionError {
            file: path.to_owned(),
            ..e
        })
    })?;
    run.set_vars(pairs("--var", vars)?);
    run.set_secrets(pairs("--secret", &trust.secrets)?);
    run.set_engine(
        Box::new(apiscope_script::QuickJs),
        crate::config::script_limits(),
    );
    run.read_scripts(&System);
    // A jar kept from earlier runs holds the user's cookies: the trust
    // model asks before they go anywhere not confirmed.
    if let Some(name) = cookie_jar {
        let held = crate::http::cookies::Jar::named(name).map_err(Error::Usage)?;
        run.set_cookie_jar((
            name.to_owned(),
            Box::new(move |url: &str| held.header_for(url).is_some()),
        ));
    }
    Ok(run)
}

/// What the run's scripts did since last asked, on stderr (through the
/// sanitiser; the run redacted its secrets already): a script not run and
/// why, its log lines, its error, its tests.
pub fn script_reports(run: &mut CollectionRun) {
    for line in script_lines(&run.take_reports()) {
        eprintln!("apiscope: {}", crate::report::sanitize(&line, false));
    }
}

/// The lines [`script_reports`] writes.
pub fn script_lines(reports: &[ScriptReport]) -> Vec<String> {
    let mut out = Vec::new();
    for r in reports {
        let who = format!("'{}'", r.label);
        if let Some(why) = &r.skipped {
            out.push(format!("{who}: {why}"));
            continue;
        }
        for l in &r.outcome.logs {
            out.push(format!("{who} log: {l}"));
        }
        for t in &r.outcome.tests {
            match &t.failure {
                None => out.push(format!("{who} test passed: {}", t.name)),
                Some(m) if *m == t.name => out.push(format!("{who} test FAILED: {}", t.name)),
                Some(m) => out.push(format!("{who} test FAILED: {}: {m}", t.name)),
            }
        }
        if let Some(e) = &r.outcome.error {
            let what = match r.phase {
                Phase::Pre => "pre-request script",
                Phase::Response => "response handler",
            };
            out.push(format!("{who}: the {what} failed: {e}"));
        }
    }
    out
}

/// `NAME=VALUE` options.
fn pairs(flag: &str, items: &[String]) -> Result<Vec<(String, String)>> {
    items
        .iter()
        .map(|v| {
            v.split_once('=')
                .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                .filter(|(k, _)| !k.is_empty())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{flag} {}: write NAME=VALUE",
                        if flag == "--secret" { "…" } else { v }
                    ))
                })
        })
        .collect()
}

/// Asks the user what a collection run would do (on a terminal), or
/// takes `--yes` for it (never for an origin known only from a response);
/// without either, nothing is sent: exit 2, one line. A yes is remembered
/// for a trusted directory.
pub fn confirm(run: &mut CollectionRun, c: &Confirmation, yes: bool) -> Result<()> {
    use std::io::IsTerminal as _;
    let tty = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let what = if c.origins().is_empty() {
        "a request sent first goes to a local address".to_owned()
    } else {
        format!(
            "secret values would go to {}, not confirmed for this collection",
            c.origins().join(", ")
        )
    };
    if tty {
        eprintln!("apiscope: before sending: {what}:");
        for l in c.lines() {
            eprintln!("  {}", crate::report::sanitize(&l, false));
        }
        eprint!("apiscope: send? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            return Err(Error::Declined("nothing sent".into()));
        }
    } else if !yes || c.runtime {
        let fix = if c.runtime {
            "an origin known only from a response needs a yes on a terminal"
        } else {
            "pass --yes to confirm the origins listed, or run it on a terminal"
        };
        return Err(Error::Usage(crate::report::sanitize(
            &format!(
                "refused: {what} ({}); {fix}; nothing was sent",
                c.lines().join("; ")
            ),
            false,
        )));
    }
    run.confirm(c);
    if run.trust().trusted() {
        let mut all = c.origins();
        all.extend(c.locals());
        crate::trust::remember(run.trust().root(), &all);
    }
    Ok(())
}

/// One question for a whole run (`replay --live`, `test`): `intro`, then
/// every request with where it goes and the secrets it carries (`shown`
/// picks which of `all`'s lines), `[y/N]`; `yes` (`--yes`) answers it —
/// but never for an origin known only from a response: that is asked when
/// it comes. A yes is confirmed in the run and remembered for a trusted
/// directory; a no is `declined`, nothing sent.
pub fn confirm_run(
    run: &mut CollectionRun,
    all: &Confirmation,
    yes: bool,
    intro: &str,
    shown: impl Fn(usize) -> bool,
    declined: String,
) -> Result<()> {
    use std::io::IsTerminal as _;
    if !yes {
        eprintln!("{intro}");
        for (i, line) in all.lines().into_iter().enumerate() {
            if shown(i) {
                eprintln!("  {}", crate::report::sanitize(&line, false));
            }
        }
        eprint!("apiscope: send them? [y/N] ");
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            if !std::io::stdin().is_terminal() {
                eprintln!();
            }
            return Err(Error::Declined(declined));
        }
    }
    run.confirm(all);
    if run.trust().trusted() {
        let mut origins = all.origins();
        origins.extend(all.locals());
        crate::trust::remember(run.trust().root(), &origins);
    }
    Ok(())
}

/// The request `selector` names; with none, the file's only request (a
/// file of several is an error listing them).
pub fn pick(run: &CollectionRun, selector: Option<&str>) -> Result<RequestId> {
    let file = &run.files()[0];
    match selector {
        Some(s) => run.find(0, s).map_err(usage),
        None if file.requests.len() == 1 => Ok(RequestId { file: 0, index: 0 }),
        None if file.requests.is_empty() => Err(Error::Usage(format!(
            "{}: no request in the file",
            file.path.display()
        ))),
        None => Err(Error::Usage(format!(
            "{} holds {} requests: pick one with FILE#NAME or FILE#N ({})",
            file.path.display(),
            file.requests.len(),
            file.names()
        ))),
    }
}

/// Resolves `goal`, sending the requests it refers to first (once per
/// run, each through the driver and announced on stderr). Its answer goes
/// back with [`CollectionRun::received`] and the ticket.
pub async fn prepare(
    run: &mut CollectionRun,
    goal: RequestId,
    net: &mut Net<'_>,
    yes: bool,
) -> Result<(Ticket, Resolved)> {
    let mut plan = run.plan(goal);
    loop {
        match run.next(&mut plan, &System) {
            Next::Confirm(c) => confirm(run, &c, yes)?,
            Next::Send {
                ticket,
                resolved,
                for_,
            } => {
                eprintln!(
                    "apiscope: sending '{}' first: '{}' uses its response",
                    crate::report::sanitize(&run.request(ticket.id).label(), false),
                    crate::report::sanitize(&run.request(for_).label(), false)
                );
                notes(&resolved);
                let exchange = net.send(run, &resolved).await?;
                record(run, ticket.id, &exchange, net.profiles, net.options);
                run.received(&ticket, exchange, &System);
                script_reports(run);
            }
            Next::Ready { ticket, resolved } => {
                script_reports(run);
                notes(&resolved);
                return Ok((ticket, *resolved));
            }
            Next::Failed(e) => {
                let what = if plan.sent().is_empty() {
                    "nothing was sent".to_owned()
                } else {
                    format!("'{}' was not sent", run.request(goal).label())
                };
                return Err(usage(format!("{e}; {what}")));
            }
        }
    }
}

/// A resolved request's notes, on stderr.
pub fn notes(resolved: &Resolved) {
    for n in &resolved.notes {
        eprintln!("apiscope: note: {}", crate::report::sanitize(n, false));
    }
}

/// What sending needs: one client, one engine (so every request of a run
/// shares the budget), the profiles.
pub struct Net<'a> {
    /// The client.
    pub client: &'a crate::http::Client,
    /// What the command line gave of TLS (over an env's SSLConfiguration).
    pub given: crate::http::TlsGiven,
    /// The client for the last request whose env had an SSLConfiguration.
    pub transport_client: Option<(crate::collection::vars::Transport, crate::http::Client)>,
    /// The driver's engine.
    pub engine: Engine,
    /// The profiles.
    pub profiles: &'a Profiles,
    /// Decode options.
    pub options: &'a Options,
    /// `--max-wait`.
    pub max_wait: std::time::Duration,
    /// 429s answered and waited out so far.
    pub rejected: u64,
    /// Why the last request sent ended on a 429 that was not waited out
    /// (its wait over `--max-wait`, or the retries spent): the request
    /// could not complete.
    pub gave_up: Option<String>,
}

impl Net<'_> {
    /// Sends one resolved request through the driver (429s waited out
    /// within `--max-wait`, paced by the engine's budget); the final
    /// exchange. `>> file` is written.
    pub async fn send(&mut self, run: &mut CollectionRun, resolved: &Resolved) -> Result<Exchange> {
        let mut exchange = self.send_once(resolved).await?;
        // A 401 to a request that carried an OAuth 2.0 token: the token is
        // renewed once (refreshed, or fetched anew) and the request resent.
        let renewal = if exchange.response.status == Some(401) {
            crate::oauth::renewed(resolved)
        } else {
            Ok(None)
        };
        if let Err(why) = &renewal {
            exchange.response.notes.insert(
                0,
                format!(
                    "The answer was 401 with the OAuth2 token, which could not be renewed: {why}"
                ),
            );
        }
        if let Ok(Some(renewed)) = renewal {
            eprintln!(
                "apiscope: the OAuth2 token was refused (401): renewed once, and the request sent again"
            );
            run.keep_secrets(&renewed.secrets);
            let mut again = self.send_once(&renewed).await?;
            again.response.notes.insert(
                0,
                "The first answer was 401 with the cached OAuth2 token: the token was renewed and the request sent again".into(),
            );
            return Ok(again);
        }
        Ok(exchange)
    }

    async fn send_once(&mut self, resolved: &Resolved) -> Result<Exchange> {
        let settings = driver::Settings {
            max_wait: self.max_wait,
            ..driver::Settings::default()
        };
        let mut run = Run::retry(resolved.request.clone(), settings)
            .with_secrets(resolved.secrets.clone())
            .with_dialect(resolved.dialect.clone())
            .without_cookie_jar(resolved.no_cookie_jar);
        let mut last: Option<Exchange> = None;
        let mut rejected = 0u64;
        let client = client_for(
            self.client,
            resolved.transport.as_ref(),
            self.given,
            &mut self.transport_client,
        )?;
        let summary = drive::drive(
            client,
            &mut self.engine,
            &mut run,
            self.profiles,
            self.options,
            |event| {
                if let Event::Response {
                    exchange, received, ..
                } = event
                    && !matches!(received, Received::Ignored)
                {
                    if matches!(received, Received::Rejected { .. }) {
                        rejected += 1;
                    }
                    last = Some(exchange.clone());
                }
            },
        )
        .await;
        // The last 429, when the driver stopped on it, was not waited out.
        self.gave_up = match &summary.stop {
            driver::Stop::WaitTooLong { .. } | driver::Stop::RetriesExhausted(_)
                if last.as_ref().and_then(|e| e.response.status) == Some(429) =>
            {
                rejected = rejected.saturating_sub(1);
                Some(summary.stop.describe())
            }
            _ => None,
        };
        self.rejected += rejected;
        let exchange = last.ok_or_else(|| {
            Error::Usage(format!(
                "{}: {}",
                crate::redact::url(resolved.request.url.as_deref().unwrap_or("")),
                summary.stop.describe()
            ))
        })?;
        if let Some((path, overwrite)) = &resolved.output {
            write_output(path, *overwrite, &exchange.response.body)?;
        }
        Ok(exchange)
    }
}

/// The client for a collection's request: `base`, or, when its
/// environment has an `SSLConfiguration`, `base` with it (what the command
/// line gave still wins), kept in `cache` for the requests after it.
pub fn client_for<'c>(
    base: &'c crate::http::Client,
    tls: Option<&crate::collection::vars::Transport>,
    given: crate::http::TlsGiven,
    cache: &'c mut Option<(crate::collection::vars::Transport, crate::http::Client)>,
) -> Result<&'c crate::http::Client> {
    let Some(tls) = tls else {
        return Ok(base);
    };
    if cache.as_ref().is_none_or(|(t, _)| t != tls) {
        let client = base.for_request(tls, given).map_err(|e| {
            Error::Usage(format!(
                "the environment's SSLConfiguration: {}",
                crate::report::sanitize(&e.to_string(), false)
            ))
        })?;
        *cache = Some((tls.clone(), client));
    }
    Ok(&cache.as_ref().expect("set above").1)
}

/// `>> file` (never over an existing file: `name-1.ext`…) or `>>! file`.
pub fn write_output(path: &Path, overwrite: bool, body: &[u8]) -> Result<()> {
    let mut target = path.to_path_buf();
    if !overwrite {
        let mut n = 0;
        while target.exists() && n < 1000 {
            n += 1;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            target = path.with_file_name(match path.extension() {
                Some(e) => format!("{stem}-{n}.{}", e.to_string_lossy()),
                None => format!("{stem}-{n}"),
            });
        }
    }
    crate::store::write_confined(&target, body)?;
    eprintln!(
        "apiscope: response body written to {}",
        crate::report::sanitize(&target.display().to_string(), false)
    );
    Ok(())
}

/// Diagnoses an exchange of a collection run and keeps it in the history
/// with the run's secrets redacted by value. The history keeps the
/// request's template line (`{{token}}`, not its value; a credential
/// written in the file masked), so a resend from the TUI's history
/// resolves it again.
pub fn record(
    run: &CollectionRun,
    id: RequestId,
    exchange: &Exchange,
    profiles: &Profiles,
    options: &Options,
) {
    if super::history_on() {
        let safe = run.redacted(exchange);
        let d = decode::diagnose(&safe, profiles, options);
        record_diagnosed(run, id, &safe, &d);
    }
}

/// [`record`] for an exchange redacted and diagnosed already (what the
/// command shows): the history gets the same, without doing it twice.
pub fn record_diagnosed(
    run: &CollectionRun,
    id: RequestId,
    safe: &Exchange,
    d: &decode::Diagnosis,
) {
    if super::history_on() {
        let line = crate::line::mask_line(&run.request(id).template_line());
        super::keep(safe, d, "collection", Some(line));
    }
}
