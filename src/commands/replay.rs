//! `apiscope replay`: the recorded diagnoses of a file, or (`--live`) its
//! requests sent again through the driver, paced by the budget, with
//! `--check` comparing recorded and live.

use super::{
    Error, Outcome, Result, check_dialect, client_with, count_bar, emit_report, load_profiles,
    max_wait, outcome_of, write_out,
};
use crate::cli::ReplayArgs;
use crate::decode::{self, Diagnosis, Options};
use crate::driver::{self, Engine, Received, Run};
use crate::http::drive::{self, Event};
use crate::model::{Exchange, Request};
use crate::report::{self, Format};
use std::io::IsTerminal;
use std::time::Instant;

/// Runs `replay`.
pub async fn run(args: ReplayArgs) -> Result<Outcome> {
    let profiles = load_profiles();
    check_dialect(&profiles, args.dialect.as_deref())?;
    if let Some((path, selector)) = super::collection::target(&args.file)
        && !super::collection::is_capture(&path)
    {
        if selector.is_some() {
            return Err(Error::Usage(format!(
                "replay sends a whole collection: apiscope replay {}; one request: apiscope send {}",
                path.display(),
                args.file
            )));
        }
        return collection(&args, &path, &profiles).await;
    }
    if args.env.is_some()
        || !args.vars.is_empty()
        || !args.trust.secrets.is_empty()
        || args.trust.trust
        || !args.trust.allow_read.is_empty()
    {
        return Err(Error::Usage(
            "--env, --var, --secret, --trust and --allow-read go with a .http collection".into(),
        ));
    }
    let path = crate::store::resolve(&args.file);
    let path = path.to_string_lossy().into_owned();
    let exchanges = crate::input::read_any(&path)?;
    let options = Options {
        dialect: args.dialect.clone(),
        now: None,
    };
    if args.live || args.check {
        live(&args, &path, exchanges, &profiles, &options).await
    } else {
        offline(&args, &path, exchanges, &profiles, &options)
    }
}

/// A `.http` collection: offline, what `--live` would send; live, every
/// request in order (the ones a request refers to first), paced by one
/// budget, each diagnosis printed. Every request is resolved before
/// anything is sent: the ones that cannot be are named first and not
/// sent, and a summary ends the run.
async fn collection(
    args: &ReplayArgs,
    path: &std::path::Path,
    profiles: &decode::Profiles,
) -> Result<Outcome> {
    use super::collection::{Net, open};
    use crate::collection::run::Next;
    use crate::oauth::System;
    let mut run = open(
        path,
        args.env.as_deref(),
        &args.vars,
        &args.trust,
        args.transport.cookie_jar.as_deref(),
    )?;
    let shown = report::sanitize(&path.display().to_string(), false);
    let count = run.files()[0].requests.len();
    if count == 0 {
        return Err(Error::Usage(format!("{shown}: no request in the file")));
    }
    if args.check {
        return Err(Error::Usage(format!(
            "{shown}: a collection has no recorded responses to --check against; use --live"
        )));
    }
    let preview = run.preview(&System);
    let broken: Vec<(usize, String)> = preview
        .iter()
        .filter_map(|(id, r)| {
            r.as_ref()
                .err()
                .map(|e| (id.index, report::sanitize(&e.to_string(), false)))
        })
        .collect();
    if !args.live {
        let mut out = format!(
            "{shown}: {count} request(s); `apiscope replay {shown} --live` sends them in order:\n"
        );
        for (id, r) in &preview {
            let req = run.request(*id);
            out.push_str(&format!(
                "  {:>2}. {}  {} {}  (line {})\n",
                id.index + 1,
                req.label(),
                req.method,
                req.url,
                req.line
            ));
            if let Err(e) = r {
                out.push_str(&format!("      would not be sent: {}\n", e.message));
            }
        }
        write_out(&report::sanitize(&out, true))?;
        return Ok(Outcome::from_failed(false));
    }
    for (i, why) in &broken {
        eprintln!("apiscope: #{} will not be sent: {why}", i + 1);
    }
    if broken.len() == count {
        return Err(Error::Usage(format!(
            "{shown}: no request can be resolved; nothing was sent"
        )));
    }
    // One question for the whole run: every request with where it goes
    // and the secrets it carries; --yes answers it (but never for an
    // origin known only from a response: that is asked when it comes).
    let all = run.preflight_all(&System);
    let env = args
        .env
        .as_deref()
        .map_or_else(String::new, |e| format!(" with environment '{e}'"));
    let intro = format!(
        "apiscope: replay --live sends {} request(s) of {shown}{}:",
        count - broken.len(),
        report::sanitize(&env, false)
    );
    let listed: Vec<bool> = all
        .sends
        .iter()
        .map(|p| !broken.iter().any(|(i, _)| *i == p.id.index))
        .collect();
    super::collection::confirm_run(
        &mut run,
        &all,
        args.yes,
        &intro,
        |i| listed.get(i).copied().unwrap_or(false),
        format!("replay: nothing sent from {shown}; answer y, or pass --yes"),
    )?;
    let options = Options {
        dialect: args.dialect.clone(),
        now: None,
    };
    let client = client_with(args.timeout, |o| {
        o.max_body = args.max_body;
        args.transport.apply(o);
    })?;
    let mut net = Net {
        given: args.transport.given(false),
        transport_client: None,
        client: &client,
        engine: Engine::default(),
        profiles,
        options: &options,
        max_wait: max_wait(args.max_wait)?,
        rejected: 0,
        gave_up: None,
    };
    let mut diagnoses = Vec::new();
    let mut not_sent: Vec<(usize, String)> = broken.clone();
    let ids: Vec<_> = run.ids().collect();
    let mut done: Vec<usize> = Vec::new();
    for goal in ids {
        if broken.iter().any(|(i, _)| *i == goal.index) || done.contains(&goal.index) {
            continue; // not resolvable, or sent already as another's dependency
        }
        let mut plan = run.plan_picked(goal);
        loop {
            let (ticket, resolved, last) = match run.next(&mut plan, &System) {
                Next::Confirm(c) => match super::collection::confirm(&mut run, &c, false) {
                    Ok(()) => continue,
                    Err(e) => {
                        let why = report::sanitize(&e.to_string(), false);
                        eprintln!("apiscope: #{} not sent: {why}", goal.index + 1);
                        not_sent.push((goal.index, why));
                        break;
                    }
                },
                Next::Send {
                    ticket,
                    resolved,
                    for_,
                } => {
                    eprintln!(
                        "apiscope: sending '{}' first: '{}' uses its response",
                        report::sanitize(&run.request(ticket.id).label(), false),
                        report::sanitize(&run.request(for_).label(), false)
                    );
                    (ticket, resolved, false)
                }
                Next::Ready { ticket, resolved } => (ticket, resolved, true),
                Next::Failed(e) => {
                    let why = report::sanitize(&e.to_string(), false);
                    eprintln!("apiscope: #{} not sent: {why}", goal.index + 1);
                    not_sent.push((goal.index, why));
                    break;
                }
            };
            super::collection::script_reports(&mut run);
            super::collection::notes(&resolved);
            let id = ticket.id;
            let name = run.request(id).label();
            let exchange = match net.send(&mut run, &resolved).await {
                Ok(x) => x,
                Err(e) => {
                    let why = report::sanitize(&e.to_string(), false);
                    eprintln!("apiscope: #{} not sent: {why}", goal.index + 1);
                    not_sent.push((goal.index, why));
                    break;
                }
            };
            // What is shown, reported and kept has the run's secrets
            // redacted by value (redacted and diagnosed once).
            let shown_exchange = run.redacted(&exchange);
            let d = decode::diagnose(&shown_exchange, profiles, &options);
            super::collection::record_diagnosed(&run, id, &shown_exchange, &d);
            let mut text = report::render(args.format, std::slice::from_ref(&d), use_color(args));
            if args.format != Format::Json {
                text = format!(
                    "── {} {} ──\n{text}",
                    id.index + 1,
                    report::sanitize(&name, false)
                );
            }
            write_out(&text)?;
            diagnoses.push(d);
            done.push(id.index);
            run.received(&ticket, exchange, &System);
            super::collection::script_reports(&mut run);
            if last {
                break;
            }
        }
    }
    not_sent.sort();
    let failed = diagnoses.iter().filter(|d| d.is_error()).count();
    let mut summary = format!(
        "apiscope: {} of {count} request(s) sent: {} succeeded, {failed} answered with an error",
        diagnoses.len(),
        diagnoses.len() - failed
    );
    if !not_sent.is_empty() {
        summary.push_str(&format!(
            "; {} not sent ({})",
            not_sent.len(),
            not_sent
                .iter()
                .map(|(i, _)| format!("#{}", i + 1))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    eprintln!("{summary}");
    if !not_sent.is_empty() {
        return Ok(Outcome::Incomplete);
    }
    Ok(outcome_of(&diagnoses))
}

fn use_color(args: &ReplayArgs) -> bool {
    args.format == Format::Text && super::use_color()
}

/// The recorded diagnoses, then the rate-limit timeline.
fn offline(
    args: &ReplayArgs,
    path: &str,
    exchanges: Vec<Exchange>,
    profiles: &decode::Profiles,
    options: &Options,
) -> Result<Outcome> {
    let (recorded, unsent): (Vec<_>, Vec<_>) =
        exchanges.into_iter().partition(Exchange::has_response);
    if recorded.is_empty() {
        // Requests only (curl commands): say what --live would send.
        if args.format != Format::Json {
            let mut out = format!(
                "{path}: {} request(s), no recorded response; `apiscope replay {path} --live` sends them:\n",
                unsent.len()
            );
            for e in &unsent {
                if let Some(r) = &e.request {
                    out.push_str(&format!(
                        "  {} {}\n",
                        r.method,
                        crate::redact::url(r.url.as_deref().unwrap_or(""))
                    ));
                }
            }
            write_out(&report::sanitize(&out, true))?;
        }
        return Ok(Outcome::Ok);
    }
    if !unsent.is_empty() {
        eprintln!(
            "apiscope: {} request(s) without a recorded response skipped; --live sends them",
            unsent.len()
        );
    }
    let diagnoses = decode::diagnose_all(&recorded, profiles, options);
    emit_report(args.format, &diagnoses, args.keep_secrets)?;
    if args.format == Format::Text && recorded.len() > 1 {
        let hosts = crate::timeline::build(&recorded, &diagnoses, profiles);
        write_out(&format!(
            "\n── rate-limit timeline ──\n{}",
            report::sanitize(&crate::timeline::render_text(&hosts), true)
        ))?;
    }
    Ok(outcome_of(&diagnoses))
}

/// `host[:port]` of a URL, for the question before sending.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                format!(
                    "{h}{}",
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                )
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

/// Every request with a URL, sent again in order through the driver.
async fn live(
    args: &ReplayArgs,
    path: &str,
    exchanges: Vec<Exchange>,
    profiles: &decode::Profiles,
    options: &Options,
) -> Result<Outcome> {
    let exchanges: Vec<_> = exchanges
        .into_iter()
        .filter(|e| e.url().is_some_and(|u| !u.is_empty()))
        .collect();
    if exchanges.is_empty() {
        return Err(Error::Usage(format!(
            "{path}: no request with a URL to send"
        )));
    }
    let mut hosts: Vec<String> = Vec::new();
    for e in &exchanges {
        let host = host_of(e.url().unwrap_or(""));
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    let hosts = report::sanitize(&hosts.join(", "), false);
    if !args.yes {
        // Ask on stderr, read the answer from stdin (a terminal, or a
        // script's `echo y |`); no answer sends nothing.
        eprint!(
            "apiscope: send {} request(s) to {hosts}? [y/N] ",
            exchanges.len()
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            if !std::io::stdin().is_terminal() {
                eprintln!();
            }
            return Err(Error::Declined(format!(
                "replay: nothing sent to {hosts}; answer y, or pass --yes"
            )));
        }
    }
    let (requests, redacted) = prepare(args, &exchanges)?;
    // A recording that holds a redirect's answer (a 3xx) holds its next
    // hop as an entry of its own, as browsers export them: each is sent
    // as recorded, and none followed twice.
    let hops = exchanges
        .iter()
        .any(|e| e.response.status.is_some_and(|s| (300..400).contains(&s)));
    let client = client_with(args.timeout, |o| {
        o.max_body = args.max_body;
        args.transport.apply(o);
        if hops {
            o.max_redirects = 0;
        }
    })?;
    let settings = driver::Settings {
        max_wait: max_wait(args.max_wait)?,
        ..driver::Settings::default()
    };
    let mut engine = Engine::default();
    let mut run = Run::sequence(requests, settings);
    let progress = count_bar(exchanges.len() as u64, "request");
    let mut sent: Vec<Exchange> = Vec::with_capacity(exchanges.len());
    let mut announced = None;
    let mut last_rejected: Option<Exchange> = None;
    let summary = drive::drive(
        &client,
        &mut engine,
        &mut run,
        profiles,
        options,
        |event| match event {
            Event::Response {
                outgoing,
                exchange,
                received,
                ..
            } => match received {
                Received::Accepted { number } => {
                    last_rejected = None;
                    progress.set_position(u64::from(*number) + 1);
                    let mut live = exchange.clone();
                    // The recording's choice of dialect goes with its resend.
                    if let Some(recorded) = exchanges.get(*number as usize) {
                        live.dialect.clone_from(&recorded.dialect);
                    }
                    sent.push(live);
                }
                Received::Rejected { number, attempt } => {
                    // Kept: when the run stops on it (--max-wait, the
                    // retries), this 429 is the answer shown for it.
                    let mut live = exchange.clone();
                    if let Some(recorded) = exchanges.get(*number as usize) {
                        live.dialect.clone_from(&recorded.dialect);
                    }
                    last_rejected = Some(live);
                    let r = &outgoing.request;
                    progress.suspend(|| {
                        eprintln!(
                            "apiscope: request {}: 429 Too Many Requests (attempt {attempt}); waiting to retry {} {}",
                            number + 1,
                            report::sanitize(&r.method, false),
                            report::sanitize(&crate::redact::url(r.url.as_deref().unwrap_or("")), false)
                        );
                    });
                }
                Received::Ignored => {}
            },
            Event::Waiting { until, why } => {
                let wait = until.saturating_duration_since(Instant::now());
                super::say_wait(&progress, &mut announced, until, why, sent.len() + 1);
                progress.set_message(format!(
                    "{}: next request in {}",
                    why.label(),
                    crate::time::human(wait)
                ));
            }
        },
    )
    .await;
    progress.finish_and_clear();
    if let (Some(e), driver::Stop::WaitTooLong { .. } | driver::Stop::RetriesExhausted(_)) =
        (last_rejected, &summary.stop)
    {
        sent.push(e);
    }
    if summary.stop != driver::Stop::Finished {
        super::warn(&format!(
            "replay {}; {} of {} request(s) sent",
            summary.stop.describe(),
            sent.len(),
            exchanges.len()
        ));
    }
    let live_diagnoses = decode::diagnose_all(&sent, profiles, options);
    if !args.check {
        emit_report(args.format, &live_diagnoses, args.keep_secrets)?;
        return Ok(Outcome::from_failed(
            live_diagnoses.iter().any(Diagnosis::is_error) || summary.stop.is_failure(),
        ));
    }
    check(
        args,
        &exchanges,
        &live_diagnoses,
        &redacted,
        profiles,
        options,
    )
}

/// The requests to send: `--bearer` / `-H` applied, `{{env.NAME}}`
/// resolved (the same resolution as `send` and the TUI), and credentials a
/// saved file redacted left out — the marker is never sent, and the user is
/// told up front. Returns which requests lost a credential.
fn prepare(args: &ReplayArgs, exchanges: &[Exchange]) -> Result<(Vec<Request>, Vec<bool>)> {
    let overrides = crate::input::parse_header_flags(&args.headers)?;
    let mut requests = Vec::new();
    let mut redacted = Vec::new();
    let mut lost: Vec<String> = Vec::new();
    for (i, e) in exchanges.iter().enumerate() {
        let Some(r) = &e.request else { continue };
        let mut r = r.clone();
        if let Some(token) = &args.bearer {
            r.headers.remove("authorization");
            r.headers.push("Authorization", format!("Bearer {token}"));
        }
        for (name, value) in overrides.iter() {
            r.headers.remove(name);
            r.headers.push(name, value);
        }
        let r = crate::line::expand_request(&r, super::send::env_lookup)
            .map_err(|e| Error::Usage(format!("request {}: {e}", i + 1)))?;
        let (r, removed) = crate::secrets::strip_redacted(&r);
        for n in &removed {
            if !lost.contains(n) {
                lost.push(n.clone());
            }
        }
        redacted.push(!removed.is_empty());
        let words: Vec<String> = [r.url.clone().unwrap_or_default()]
            .into_iter()
            .chain(r.headers.iter().map(|(_, v)| v.to_owned()))
            .collect();
        if let Some(var) = words.iter().find_map(|w| crate::line::unresolved(w)) {
            return Err(Error::Usage(format!(
                "request {}: {var} is not resolved; nothing was sent",
                i + 1
            )));
        }
        requests.push(r);
    }
    let n = redacted.iter().filter(|r| **r).count();
    if n > 0 {
        super::warn(&format!(
            "{n} request(s) hold credentials the file redacted ({}: {}); they go without them. Give the real one with --bearer TOKEN or -H 'Name: value'",
            crate::secrets::MARK,
            lost.join(", ")
        ));
    }
    Ok((requests, redacted))
}

/// What `--check` says of one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Same,
    Different,
    /// Sent without a credential the file redacted: not comparable.
    Redacted,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Different => "DIFFERENT",
            Verdict::Redacted => "credential redacted",
        }
    }
}

/// Status, dialect and error code: what `replay --check` compares.
type Outcome3 = (Option<u16>, String, Option<String>);

fn outcome(d: &Diagnosis) -> Outcome3 {
    (
        d.status,
        d.dialect.clone(),
        d.error.as_ref().and_then(|e| e.code.clone()),
    )
}

fn outcome_text(o: &Outcome3) -> String {
    format!(
        "{} {} {}",
        o.0.map_or("—".to_owned(), |s| s.to_string()),
        o.1,
        o.2.as_deref().unwrap_or("—")
    )
}

/// The recorded vs live table; exit 1 on any difference. A request sent
/// without a credential the file redacted is "credential redacted", not a
/// difference: the server had no way to answer it as it did.
fn check(
    args: &ReplayArgs,
    exchanges: &[Exchange],
    live_diagnoses: &[Diagnosis],
    redacted: &[bool],
    profiles: &decode::Profiles,
    options: &Options,
) -> Result<Outcome> {
    let recorded: Vec<Option<Diagnosis>> = {
        let with: Vec<_> = exchanges
            .iter()
            .filter(|e| e.has_response())
            .cloned()
            .collect();
        let mut ds = decode::diagnose_all(&with, profiles, options).into_iter();
        exchanges
            .iter()
            .map(|e| if e.has_response() { ds.next() } else { None })
            .collect()
    };
    let mut differ = 0;
    let mut rows = Vec::new();
    let mut unknown = 0;
    for (i, (rec, live)) in recorded.iter().zip(live_diagnoses).enumerate() {
        let l = outcome(live);
        let r = rec.as_ref().map(outcome);
        let verdict = if rec.as_ref().is_some_and(|rec| rec.same_outcome(live)) {
            Verdict::Same
        } else if redacted.get(i).copied().unwrap_or(false) {
            unknown += 1;
            Verdict::Redacted
        } else {
            differ += 1;
            Verdict::Different
        };
        rows.push((i + 1, live, r, l, verdict));
    }
    // Requests the run did not get to (it stopped) are differences too.
    differ += exchanges.len().saturating_sub(live_diagnoses.len());
    let mut out = String::new();
    match args.format {
        Format::Json => {
            for (n, live, r, l, verdict) in &rows {
                let side =
                    |o: &Outcome3| serde_json::json!({"status": o.0, "dialect": o.1, "code": o.2});
                let line = serde_json::json!({
                    "index": n,
                    "method": live.method,
                    "url": live.url,
                    "recorded": r.as_ref().map(side),
                    "live": side(l),
                    "same": *verdict == Verdict::Same,
                    "verdict": verdict.text(),
                });
                out.push_str(&report::sanitize_json(&line.to_string()));
                out.push('\n');
            }
        }
        Format::Text | Format::Markdown => {
            let cells: Vec<[String; 5]> = rows
                .iter()
                .map(|(n, live, r, l, verdict)| {
                    let what = format!(
                        "{} {}",
                        live.method.as_deref().unwrap_or("GET"),
                        live.url.as_deref().unwrap_or("")
                    );
                    [
                        n.to_string(),
                        report::sanitize(&what, false),
                        r.as_ref().map_or("(not recorded)".into(), outcome_text),
                        outcome_text(l),
                        verdict.text().into(),
                    ]
                })
                .collect();
            let head = ["#", "request", "recorded", "live", ""];
            if args.format == Format::Markdown {
                out.push_str("| # | request | recorded | live | |\n|---|---|---|---|---|\n");
                for c in &cells {
                    out.push_str(&format!("| {} |\n", c.join(" | ").replace('\n', " ")));
                }
            } else {
                let width = |i: usize| {
                    cells
                        .iter()
                        .map(|c| c[i].chars().count())
                        .chain([head[i].len()])
                        .max()
                        .unwrap_or(0)
                };
                let w: Vec<usize> = (0..5).map(width).collect();
                let line = |c: &[String]| {
                    let mut s = String::new();
                    for (i, cell) in c.iter().enumerate() {
                        let pad = w[i].saturating_sub(cell.chars().count());
                        s.push_str(cell);
                        if i + 1 < c.len() {
                            s.push_str(&" ".repeat(pad + 2));
                        }
                    }
                    s.trim_end().to_owned() + "\n"
                };
                out.push_str(&line(&head.map(String::from)));
                for c in &cells {
                    out.push_str(&line(c));
                }
            }
            out.push_str(&format!(
                "\n{} of {} exchanges differ in status, dialect or error code",
                differ,
                exchanges.len()
            ));
            if unknown > 0 {
                out.push_str(&format!(
                    "; {unknown} not compared: their credential was redacted in the file (--bearer or -H gives a real one)"
                ));
            }
            out.push('\n');
        }
    }
    write_out(&out)?;
    Ok(Outcome::from_failed(differ > 0))
}
