//! `apiscope test`: runs a collection's requests (dependencies first, as
//! the collection engine decides, paced by one budget), checks their `??`
//! assertions against each response and its diagnosis, prints one line per
//! request and per test as it goes, and writes the reports asked for.
//!
//! Exit status: 0 every test passed; 1 a test failed; 2 bad usage, a file
//! or an assertion that does not parse, or a request that cannot be
//! resolved — before anything is sent; 3 a request could not complete
//! (network, TLS, timeout, a wait past `--max-wait`). When several apply:
//! 2, then 3, then 1. A request without assertions passes on any response
//! that arrived (a 4xx is not a failure unless asserted), as in httpyac and
//! Hurl.

use super::collection::{Net, open};
use super::{Error, Outcome, Result, client_with, load_profiles, max_wait, write_out};
use crate::cli::TestArgs;
use crate::collection::HttpRequest;
use crate::collection::assert::{self, Assertion, Subjects};
use crate::collection::run::{CollectionRun, Next};
use crate::collection::script::Phase;
use crate::decode::{self, Diagnosis, Options};
use crate::driver::Engine;
use crate::oauth::System;
use crate::report;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// One test of a request: an assertion, or (for a request without any)
/// that a response arrived.
#[derive(Debug, Clone)]
struct TestResult {
    /// `status == 200`, or `response received`.
    name: String,
    /// 1-based line of the assertion (the request line for the implicit
    /// test).
    line: usize,
    /// Passed, failed or skipped.
    verdict: Verdict,
    /// What came, for a failure.
    actual: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Passed,
    Failed,
    Skipped,
}

/// One request of the run and what came of it.
#[derive(Debug, Clone)]
struct RequestResult {
    file: String,
    /// The iteration (1-based) of a data-driven or repeated run.
    iteration: Option<usize>,
    name: String,
    method: String,
    url: String,
    line: usize,
    status: Option<u16>,
    time_ms: Option<f64>,
    tests: Vec<TestResult>,
    /// Why the request did not complete, when it did not.
    error: Option<String>,
    /// The diagnosis (of the exchange with the run's secrets redacted).
    diagnosis: Option<Diagnosis>,
}

impl RequestResult {
    fn failed(&self) -> bool {
        self.tests.iter().any(|t| t.verdict == Verdict::Failed)
    }
}

/// A report asked for with `--report KIND:PATH`, its file opened (and so
/// checked) before anything is sent.
struct ReportFile {
    kind: ReportKind,
    path: PathBuf,
    file: std::fs::File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReportKind {
    Junit,
    Tap,
    Json,
    Markdown,
}

fn open_reports(specs: &[String]) -> Result<Vec<ReportFile>> {
    let mut out = Vec::new();
    for spec in specs {
        let (kind, path) = spec.split_once(':').ok_or_else(|| {
            Error::Usage(format!(
                "--report {spec}: write KIND:PATH (junit:, tap:, json: or markdown:)"
            ))
        })?;
        let kind = match kind {
            "junit" => ReportKind::Junit,
            "tap" => ReportKind::Tap,
            "json" => ReportKind::Json,
            "markdown" | "md" => ReportKind::Markdown,
            other => {
                return Err(Error::Usage(format!(
                    "--report {other}:…: the kinds are junit, tap, json and markdown"
                )));
            }
        };
        if path.is_empty() {
            return Err(Error::Usage(format!(
                "--report {spec}: the path is missing"
            )));
        }
        let path = PathBuf::from(path);
        let file = std::fs::File::create(&path).map_err(|e| {
            Error::Usage(format!(
                "--report {}: cannot write {}: {e}",
                report::sanitize(kind_name(kind), false),
                report::sanitize(&path.display().to_string(), false)
            ))
        })?;
        out.push(ReportFile { kind, path, file });
    }
    Ok(out)
}

fn kind_name(k: ReportKind) -> &'static str {
    match k {
        ReportKind::Junit => "junit",
        ReportKind::Tap => "tap",
        ReportKind::Json => "json",
        ReportKind::Markdown => "markdown",
    }
}

/// The collection files the arguments name (directories walked).
fn collection_files(words: &[String]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for w in words {
        let p = Path::new(w);
        if p.is_dir() {
            let found =
                crate::collection::walk::files(p, &crate::collection::walk::is_collection_file)
                    .map_err(|e| Error::Usage(report::sanitize(&e, false)))?;
            if found.is_empty() {
                return Err(Error::Usage(format!(
                    "{}: no .http or .rest file in the directory",
                    report::sanitize(w, false)
                )));
            }
            out.extend(found);
        } else {
            out.push(p.to_path_buf());
        }
    }
    Ok(out)
}

/// Every request's assertions, parsed: a bad one is exit 2 naming
/// file:line:column, before anything is sent.
fn parse_asserts(run: &CollectionRun) -> Result<Vec<Vec<Assertion>>> {
    let file = &run.files()[0];
    file.requests
        .iter()
        .map(|r| {
            r.asserts
                .iter()
                .map(|(line, text)| {
                    assert::parse(*line, text).map_err(|(col, why)| {
                        Error::Usage(format!(
                            "{}:{line}:{}: {why}",
                            file.path.display(),
                            col + 3 // after `?? `
                        ))
                    })
                })
                .collect()
        })
        .collect()
}

/// Iterations at most (a bound on a run, not on memory: results are
/// streamed to the reports).
const MAX_ITERATIONS: usize = 10_000;

/// The rows of `--data`: a CSV file with a header line, or a JSON array
/// of objects; each row's values as variables.
fn data_rows(path: &str) -> Result<Vec<Vec<String>>> {
    let shown = report::sanitize(path, false);
    let bytes = crate::collection::vars::read_regular(Path::new(path), 64 << 20)
        .map_err(|e| Error::Usage(format!("--data {shown}: {e}")))?;
    let text =
        String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes)).into_owned();
    let rows: Vec<Vec<(String, String)>> = if path.to_ascii_lowercase().ends_with(".json") {
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Usage(format!("--data {shown}:{}: not JSON: {e}", e.line())))?;
        let items = v.as_array().ok_or_else(|| {
            Error::Usage(format!("--data {shown}: write a JSON array of objects"))
        })?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let obj = item.as_object().ok_or_else(|| {
                    Error::Usage(format!("--data {shown}: item {} is not an object", i + 1))
                })?;
                Ok(obj
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        (k.clone(), v)
                    })
                    .collect())
            })
            .collect::<Result<_>>()?
    } else {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| Error::Usage(format!("--data {shown}: {e}")))?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        reader
            .records()
            .map(|r| {
                let r = r.map_err(|e| Error::Usage(format!("--data {shown}: {e}")))?;
                Ok(header
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_owned))
                    .collect())
            })
            .collect::<Result<_>>()?
    };
    if rows.is_empty() {
        return Err(Error::Usage(format!("--data {shown}: no row")));
    }
    Ok(rows
        .into_iter()
        .map(|row| row.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
        .collect())
}

/// The exchanges `--recorded` names: a session or HAR file, or
/// `history:QUERY` (the newest 10,000 matches of the history's search,
/// oldest first).
fn recorded_exchanges(what: &str) -> Result<Vec<crate::model::Exchange>> {
    if let Some(q) = what.strip_prefix("history:") {
        let h = crate::history::History::open_default()?;
        let q = crate::history::Query::parse(q)?;
        let mut out = Vec::new();
        for row in h.search(&q, 10_000)?.into_iter().rev() {
            if let Some((e, _)) = h.get(row.id)? {
                out.push(e);
            }
        }
        return Ok(out);
    }
    let exchanges = crate::input::read_any(what)
        .map_err(|e| Error::Usage(report::sanitize(&e.to_string(), false)))?;
    Ok(exchanges
        .into_iter()
        .filter(crate::model::Exchange::has_response)
        .collect())
}

/// `--recorded`: every request's assertions checked against the recorded
/// exchanges it matches; nothing is sent.
fn judge_recorded(
    args: &TestArgs,
    files: &[PathBuf],
    recorded: &[crate::model::Exchange],
    profiles: &decode::Profiles,
) -> Result<Vec<RequestResult>> {
    let options = Options {
        dialect: None,
        now: None,
    };
    let mut results = Vec::new();
    for path in files {
        let run = open(
            path,
            args.env.as_deref(),
            &args.vars,
            &args.trust,
            args.transport.cookie_jar.as_deref(),
        )?;
        let asserts = parse_asserts(&run)?;
        let shown = report::sanitize(&path.display().to_string(), false);
        for id in run.ids().collect::<Vec<_>>() {
            let req = run.request(id);
            if !wanted(args, &req.label()) {
                continue;
            }
            let matching: Vec<&crate::model::Exchange> = recorded
                .iter()
                .filter(|e| {
                    e.request.as_ref().is_some_and(|r| {
                        r.method.eq_ignore_ascii_case(&req.method)
                            && r.url
                                .as_deref()
                                .is_some_and(|u| assert::url_matches(&req.url, u))
                    })
                })
                .collect();
            if matching.is_empty() {
                results.push(RequestResult {
                    file: shown.clone(),
                    iteration: None,
                    name: req.label(),
                    method: req.method.clone(),
                    url: req.url.clone(),
                    line: req.line,
                    status: None,
                    time_ms: None,
                    tests: vec![TestResult {
                        name: "no recorded exchange matches it".into(),
                        line: req.line,
                        verdict: Verdict::Skipped,
                        actual: String::new(),
                    }],
                    error: None,
                    diagnosis: None,
                });
                continue;
            }
            for (k, e) in matching.iter().enumerate() {
                let safe = run.redacted(e);
                let d = decode::diagnose(&safe, profiles, &options);
                let subjects = Subjects {
                    exchange: &safe,
                    diagnosis: &d,
                    duration_ms: safe.timing.total_ms,
                };
                let mut tests = check_all(&asserts[id.index], &subjects);
                if tests.is_empty() {
                    tests.push(TestResult {
                        name: "response recorded".into(),
                        line: req.line,
                        verdict: Verdict::Passed,
                        actual: String::new(),
                    });
                }
                let r = RequestResult {
                    file: shown.clone(),
                    iteration: None,
                    name: if matching.len() > 1 {
                        format!("{} (recorded {} of {})", req.label(), k + 1, matching.len())
                    } else {
                        req.label()
                    },
                    method: safe
                        .request
                        .as_ref()
                        .map_or_else(String::new, |r| r.method.clone()),
                    url: crate::redact::url(safe.url().unwrap_or("")),
                    line: req.line,
                    status: safe.response.status,
                    time_ms: safe.timing.total_ms,
                    tests,
                    error: None,
                    diagnosis: Some(d),
                };
                let failed = r.failed();
                results.push(r);
                if failed && args.bail {
                    return Ok(results);
                }
            }
        }
    }
    Ok(results)
}

/// What the run's scripts did for `req` since last asked, as its tests:
/// each `client.test` passed or failed, a script's error failed; log
/// lines on stderr.
fn script_tests(run: &mut CollectionRun, req: &HttpRequest) -> Vec<TestResult> {
    let mut out = Vec::new();
    for r in run.take_reports() {
        let (what, line) = match r.phase {
            Phase::Pre => (
                "the pre-request script",
                req.pre.as_ref().map_or(req.line, |s| s.line),
            ),
            Phase::Response => (
                "the response handler",
                req.handler.as_ref().map_or(req.line, |s| s.line),
            ),
        };
        if let Some(why) = r.skipped {
            out.push(TestResult {
                name: why,
                line,
                verdict: Verdict::Skipped,
                actual: String::new(),
            });
            continue;
        }
        for l in &r.outcome.logs {
            eprintln!(
                "apiscope: '{}' log: {}",
                report::sanitize(&r.label, false),
                report::sanitize(l, false)
            );
        }
        for t in r.outcome.tests {
            out.push(TestResult {
                name: t.name,
                line: t.line.unwrap_or(line),
                verdict: if t.failure.is_some() {
                    Verdict::Failed
                } else {
                    Verdict::Passed
                },
                actual: t.failure.unwrap_or_default(),
            });
        }
        if let Some(e) = r.outcome.error {
            out.push(TestResult {
                name: format!("{what} runs without an error"),
                line,
                verdict: Verdict::Failed,
                actual: e,
            });
        }
    }
    out
}

/// `apiscope test`.
pub async fn run(args: TestArgs) -> Result<Outcome> {
    let started = Instant::now();
    let files = collection_files(&args.files)?;
    if let Some(what) = &args.recorded {
        let recorded = recorded_exchanges(what)?;
        let mut reports = Reports::new(open_reports(&args.reports)?)?;
        let profiles = load_profiles();
        let results = judge_recorded(&args, &files, &recorded, &profiles)?;
        let color = super::use_color();
        let mut tally = Tally::default();
        for r in &results {
            print_result(r, color)?;
            tally.add(r);
            reports.push(r)?;
        }
        return finish(&tally, 0, started, false, reports);
    }
    let rows = match &args.data {
        Some(p) => data_rows(p)?,
        None => vec![Vec::new()],
    };
    let iterations = args.iterations.unwrap_or(rows.len());
    if iterations == 0 || iterations > MAX_ITERATIONS {
        return Err(Error::Usage(format!(
            "--iterations {iterations}: from 1 to {MAX_ITERATIONS}"
        )));
    }
    let many = iterations > 1;
    // The variables of iteration `i`: its data row, then --var (which wins).
    let vars_of = |i: usize| -> Vec<String> {
        rows[i % rows.len()]
            .iter()
            .chain(args.vars.iter())
            .cloned()
            .collect()
    };
    let mut reports = Reports::new(open_reports(&args.reports)?)?;
    let profiles = load_profiles();
    let options = Options {
        dialect: None,
        now: None,
    };
    // Every file opened, every assertion parsed and every request of every
    // iteration resolved before anything is sent.
    let mut checked = Vec::new();
    for path in &files {
        let mut asserts = Vec::new();
        for i in 0..iterations.min(rows.len()) {
            let run = open(
                path,
                args.env.as_deref(),
                &vars_of(i),
                &args.trust,
                args.transport.cookie_jar.as_deref(),
            )?;
            if i == 0 {
                asserts = parse_asserts(&run)?;
            }
            if i == 0
                && run.has_scripts()
                && !run.trust().trusted()
                && let Some(r) = run
                    .ids()
                    .map(|id| run.request(id))
                    .find(|r| wanted(&args, &r.label()) && r.has_script())
            {
                let js = r
                    .asserts
                    .iter()
                    .find(|(_, a)| a.split_whitespace().next() == Some("js"))
                    .map(|(l, _)| *l);
                let line = r
                    .pre
                    .as_ref()
                    .or(r.handler.as_ref())
                    .map(|s| s.line)
                    .or(js)
                    .unwrap_or(r.line);
                return Err(Error::Usage(format!(
                    "{}:{line}: '{}' has a script, and scripts run only in trusted collections: add --trust for this run, or `apiscope trust {}`; nothing was sent",
                    report::sanitize(&path.display().to_string(), false),
                    report::sanitize(&r.label(), false),
                    report::sanitize(&run.trust().root().display().to_string(), false),
                )));
            }
            for (id, r) in run.preview(&System) {
                if let Err(e) = r
                    && wanted(&args, &run.request(id).label())
                {
                    let row = if args.data.is_some() {
                        format!(" (data row {})", i + 1)
                    } else {
                        String::new()
                    };
                    return Err(Error::Usage(format!(
                        "{}{row}; nothing was sent",
                        report::sanitize(&e.to_string(), false)
                    )));
                }
            }
        }
        let shown = report::sanitize(&path.display().to_string(), false);
        checked.push((path.clone(), shown, asserts));
    }
    let client = client_with(args.timeout, |o| {
        o.max_body = args.max_body;
        args.transport.apply(o);
    })?;
    let mut net = Net {
        given: args.transport.given(false),
        transport_client: None,
        client: &client,
        engine: Engine::default(),
        profiles: &profiles,
        options: &options,
        max_wait: max_wait(args.max_wait)?,
        rejected: 0,
        gave_up: None,
    };
    let color = super::use_color();
    // (Each request's result goes to the totals and the reports as it
    // finishes: nothing of a long run is kept.)
    let mut tally = Tally::default();
    let mut bailed = false;
    let mut asked: Vec<PathBuf> = Vec::new();
    'files: for (i, (path, shown, asserts)) in
        (0..iterations).flat_map(|i| checked.iter().map(move |c| (i, c)))
    {
        // Each iteration starts afresh: its own variables, no response of
        // another iteration reused.
        let mut run = open(
            path,
            args.env.as_deref(),
            &vars_of(i),
            &args.trust,
            args.transport.cookie_jar.as_deref(),
        )?;
        if asked.contains(path) {
            let all = run.preflight_all(&System);
            run.confirm(&all);
        } else {
            confirm_all(&args, &mut run, shown)?;
            asked.push(path.clone());
        }
        let iteration = many.then_some(i + 1);
        let ids: Vec<_> = run.ids().collect();
        let mut done: Vec<usize> = Vec::new();
        for goal in ids {
            if done.contains(&goal.index) || !wanted(&args, &run.request(goal).label()) {
                continue;
            }
            let mut plan = run.plan_picked(goal);
            loop {
                let (ticket, resolved, last) = match run.next(&mut plan, &System) {
                    Next::Confirm(c) => {
                        super::collection::confirm(&mut run, &c, false)?;
                        continue;
                    }
                    Next::Send {
                        ticket, resolved, ..
                    } => (ticket, resolved, false),
                    Next::Ready { ticket, resolved } => (ticket, resolved, true),
                    Next::Failed(e) => {
                        return Err(Error::Usage(report::sanitize(&e.to_string(), false)));
                    }
                };
                super::collection::notes(&resolved);
                let id = ticket.id;
                let req = run.request(id).clone();
                // What its pre-request script did (it ran as the run
                // resolved it).
                let mut pre_tests = script_tests(&mut run, &req);
                let mut result = RequestResult {
                    file: shown.clone(),
                    iteration,
                    name: match iteration {
                        Some(n) => format!("{} [iteration {n}]", req.label()),
                        None => req.label(),
                    },
                    method: resolved.request.method.clone(),
                    url: crate::redact::url(resolved.request.url.as_deref().unwrap_or("")),
                    line: req.line,
                    status: None,
                    time_ms: None,
                    tests: Vec::new(),
                    error: None,
                    diagnosis: None,
                };
                let exchange = match net.send(&mut run, &resolved).await {
                    Ok(x) => x,
                    Err(e) => {
                        result.error = Some(report::sanitize(&e.to_string(), false));
                        print_result(&result, color)?;
                        tally.add(&result);
                        reports.push(&result)?;
                        done.push(id.index);
                        break;
                    }
                };
                // A 429 not waited out: the request could not complete
                // (errored, exit 3), its diagnosis still shown.
                let gave_up = net.gave_up.take();
                // What is judged, reported and kept has the run's secrets
                // redacted by value (redacted and diagnosed once).
                let safe = run.redacted(&exchange);
                let d = decode::diagnose(&safe, &profiles, &options);
                super::collection::record_diagnosed(&run, id, &safe, &d);
                result.status = safe.response.status;
                result.time_ms = safe.timing.total_ms;
                if let Some(f) = &safe.failure {
                    result.error = Some(report::sanitize(
                        &d.error
                            .as_ref()
                            .and_then(|e| e.message.clone())
                            .unwrap_or_else(|| format!("{f:?}")),
                        false,
                    ));
                } else if let Some(why) = &gave_up {
                    result.error = Some(report::sanitize(
                        &format!("429 Too Many Requests, not waited out: {why}"),
                        false,
                    ));
                } else {
                    let subjects = Subjects {
                        exchange: &safe,
                        diagnosis: &d,
                        duration_ms: safe.timing.total_ms,
                    };
                    result.tests = check_all(&asserts[id.index], &subjects);
                    // Its response handler runs as the run takes the
                    // answer: its tests and its error join the request's.
                    run.received(&ticket, exchange.clone(), &System);
                    pre_tests.extend(script_tests(&mut run, &req));
                    result.tests.append(&mut pre_tests);
                    if result.tests.is_empty() {
                        result.tests.push(TestResult {
                            name: "response received".into(),
                            line: req.line,
                            verdict: Verdict::Passed,
                            actual: String::new(),
                        });
                    }
                }
                result.diagnosis = Some(d);
                result.tests.append(&mut pre_tests);
                print_result(&result, color)?;
                let failed = result.failed();
                tally.add(&result);
                reports.push(&result)?;
                done.push(id.index);
                // (A failed exchange: the run keeps why; no handler runs.
                // A 429 not waited out is no answer either: nothing reads
                // it as this request's response.)
                if let Some(why) = &gave_up {
                    let mut exchange = exchange;
                    exchange.failure = Some(crate::model::Failure {
                        kind: crate::model::FailureKind::Other,
                        message: format!("429 Too Many Requests, not waited out: {why}"),
                    });
                    run.received(&ticket, exchange, &System);
                } else if safe.failure.is_some() {
                    run.received(&ticket, exchange, &System);
                }
                if failed && args.bail {
                    bailed = true;
                    break 'files;
                }
                if last {
                    break;
                }
            }
        }
    }
    let rejected = net.rejected;
    finish(&tally, rejected, started, bailed, reports)
}

/// The summary line, the reports, and the exit status.
fn finish(
    tally: &Tally,
    rejected: u64,
    started: Instant,
    bailed: bool,
    reports: Reports,
) -> Result<Outcome> {
    let elapsed = started.elapsed();
    let summary = Summary::of(tally, rejected, elapsed.as_secs_f64());
    eprintln!(
        "apiscope: {}{}",
        summary.line(),
        if bailed {
            " (stopped at the first failure: --bail)"
        } else {
            ""
        }
    );
    reports.finish(&summary)?;
    Ok(if summary.errored > 0 {
        Outcome::Unfinished
    } else if summary.failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    })
}

fn wanted(args: &TestArgs, label: &str) -> bool {
    args.filter.as_deref().is_none_or(|f| label.contains(f))
}

/// One question for a file's run (every request with where it goes and
/// the secrets it carries); `--yes` answers it.
fn confirm_all(args: &TestArgs, run: &mut CollectionRun, shown: &str) -> Result<()> {
    let all = run.preflight_all(&System);
    super::collection::confirm_run(
        run,
        &all,
        args.yes,
        &format!("apiscope: test sends the requests of {shown}:"),
        |_| true,
        format!("test: nothing sent from {shown}; answer y, or pass --yes"),
    )
}

/// A request's assertions checked against what came.
fn check_all(asserts: &[Assertion], subjects: &Subjects<'_>) -> Vec<TestResult> {
    asserts
        .iter()
        // (`?? js` runs in the script engine, as the run takes the answer.)
        .filter(|a| !matches!(a.subject, assert::Subject::Js(_)))
        .map(|a| {
            let o = a.check(subjects);
            TestResult {
                name: a.text.clone(),
                line: a.line,
                verdict: if o.passed {
                    Verdict::Passed
                } else {
                    Verdict::Failed
                },
                actual: o.actual,
            }
        })
        .collect()
}

/// A request's lines as it finishes: `✔ name (200 OK, 12 ms)`, then each
/// test, a failure with what came and the response's diagnosis under it.
fn print_result(r: &RequestResult, color: bool) -> Result<()> {
    // Every piece from outside through the sanitiser, then the colours
    // (`--color`; green passes, red failures, dim details).
    let s = |t: &str| report::sanitize(t, false);
    let paint = |code: &str, t: &str| {
        if color {
            format!("\x1b[{code}m{t}\x1b[0m")
        } else {
            t.to_owned()
        }
    };
    let mark = |ok: bool| {
        if ok {
            paint("32", "✔")
        } else {
            paint("31", "✘")
        }
    };
    let time = r
        .time_ms
        .map_or_else(String::new, |t| format!(", {t:.0} ms"));
    // An unnamed request's name is its request line: said once.
    let target = format!("{} {}", r.method, r.url);
    let title = if r.name == target || r.name.is_empty() {
        s(&target)
    } else {
        format!("{}  {}", s(&r.name), paint("2", &s(&target)))
    };
    let mut out = match &r.error {
        Some(e) => format!(
            "{} {title}  {}\n",
            mark(false),
            paint("31", &format!("did not complete: {}", s(e)))
        ),
        None => format!(
            "{} {title}  {}\n",
            mark(!r.failed()),
            paint(
                "2",
                &format!(
                    "({}{time})",
                    r.status
                        .map_or_else(|| "no status".into(), |s| s.to_string())
                )
            )
        ),
    };
    for t in &r.tests {
        match t.verdict {
            Verdict::Passed => out.push_str(&format!("    {} {}\n", mark(true), s(&t.name))),
            Verdict::Skipped => out.push_str(&format!("    - {}\n", paint("2", &s(&t.name)))),
            Verdict::Failed => out.push_str(&format!(
                "    {} {}  — got {} {}\n",
                mark(false),
                s(&t.name),
                s(&t.actual),
                paint("2", &format!("({}:{})", s(&r.file), t.line))
            )),
        }
    }
    if (r.failed() || r.error.is_some())
        && let Some(d) = &r.diagnosis
    {
        // (The text report sanitises what it prints, and colours it.)
        let text = report::render(report::Format::Text, std::slice::from_ref(d), color);
        for l in text.lines() {
            out.push_str("      ");
            out.push_str(l);
            out.push('\n');
        }
    }
    write_out(&out)
}

/// The run's counts.
/// A run's totals, counted as each request finishes.
#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    tests: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    errored: usize,
}

impl Tally {
    fn add(&mut self, r: &RequestResult) {
        self.requests += 1;
        self.tests += r.tests.len();
        self.errored += usize::from(r.error.is_some());
        for t in &r.tests {
            match t.verdict {
                Verdict::Passed => self.passed += 1,
                Verdict::Failed => self.failed += 1,
                Verdict::Skipped => self.skipped += 1,
            }
        }
    }
}

struct Summary {
    requests: usize,
    tests: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    errored: usize,
    rejected: u64,
    seconds: f64,
}

impl Summary {
    fn of(t: &Tally, rejected: u64, seconds: f64) -> Summary {
        Summary {
            requests: t.requests,
            tests: t.tests,
            passed: t.passed,
            failed: t.failed,
            skipped: t.skipped,
            errored: t.errored,
            rejected,
            seconds,
        }
    }

    fn line(&self) -> String {
        format!(
            "{} request(s), {} test(s): {} passed, {} failed, {} errored, {} skipped · {} × 429 waited out · {:.1} s",
            self.requests,
            self.tests,
            self.passed,
            self.failed,
            self.errored,
            self.skipped,
            self.rejected,
            self.seconds
        )
    }
}

/// Text for XML: escaped, and no character XML 1.0 cannot hold.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in report::sanitize(s, true).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn diagnosis_text(r: &RequestResult) -> String {
    r.diagnosis.as_ref().map_or_else(String::new, |d| {
        report::render(report::Format::Text, std::slice::from_ref(d), false)
    })
}

/// A testsuite's counts in the JUnit report (one per collection file).
#[derive(Default)]
struct SuiteCounts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    seconds: f64,
}

/// The reports of a run, streamed: each request's part is written as it
/// finishes, to spool files (anonymous temporary files), and the parts
/// that need the totals first (JUnit's counts, TAP's plan, Markdown's
/// summary) are put together at the end. A run of any length keeps only
/// counters in memory.
struct Reports {
    files: Vec<ReportFile>,
    /// JUnit: per collection file, its testcases spooled and its counts.
    suites: Vec<(String, std::fs::File, SuiteCounts)>,
    /// TAP points, JSON objects, Markdown rows and failures, spooled.
    tap: Option<(std::fs::File, usize)>,
    json: Option<(std::fs::File, usize)>,
    markdown: Option<(std::fs::File, std::fs::File)>,
    junit: bool,
}

fn spool() -> Result<std::fs::File> {
    tempfile::tempfile().map_err(|e| Error::Setup(format!("cannot spool a report: {e}")))
}

fn spool_err(e: std::io::Error) -> Error {
    Error::Setup(format!("cannot spool a report: {e}"))
}

impl Reports {
    fn new(files: Vec<ReportFile>) -> Result<Reports> {
        let has = |k: ReportKind| files.iter().any(|f| f.kind == k);
        Ok(Reports {
            tap: if has(ReportKind::Tap) {
                Some((spool()?, 0))
            } else {
                None
            },
            json: if has(ReportKind::Json) {
                Some((spool()?, 0))
            } else {
                None
            },
            markdown: if has(ReportKind::Markdown) {
                Some((spool()?, spool()?))
            } else {
                None
            },
            junit: has(ReportKind::Junit),
            suites: Vec::new(),
            files,
        })
    }

    /// One request's part of every report.
    fn push(&mut self, r: &RequestResult) -> Result<()> {
        if self.junit {
            let at = match self.suites.iter().position(|(f, ..)| *f == r.file) {
                Some(i) => i,
                None => {
                    self.suites
                        .push((r.file.clone(), spool()?, SuiteCounts::default()));
                    self.suites.len() - 1
                }
            };
            let (_, out, counts) = &mut self.suites[at];
            junit_cases(r, out, counts).map_err(spool_err)?;
        }
        if let Some((out, n)) = self.tap.as_mut() {
            tap_points(r, out, n).map_err(spool_err)?;
        }
        if let Some((out, n)) = self.json.as_mut() {
            let text = serde_json::to_string_pretty(&json_object(r))
                .unwrap_or_default()
                .replace('\n', "\n  ");
            let sep = if *n == 0 { "  " } else { ",\n  " };
            *n += 1;
            out.write_all(sep.as_bytes())
                .and_then(|()| out.write_all(text.as_bytes()))
                .map_err(spool_err)?;
        }
        if let Some((rows, failures)) = self.markdown.as_mut() {
            markdown_parts(r, rows, failures).map_err(spool_err)?;
        }
        Ok(())
    }

    /// Puts every report together, with the run's totals.
    fn finish(mut self, s: &Summary) -> Result<()> {
        for i in 0..self.files.len() {
            let written = self.write_one(i, s);
            let r = &self.files[i];
            written.map_err(|e| {
                Error::Setup(format!(
                    "cannot write the report {}: {e}",
                    report::sanitize(&r.path.display().to_string(), false)
                ))
            })?;
        }
        Ok(())
    }

    fn write_one(&mut self, i: usize, s: &Summary) -> std::io::Result<()> {
        use std::io::{Seek as _, SeekFrom};
        fn copy(from: &mut std::fs::File, to: &mut impl std::io::Write) -> std::io::Result<()> {
            from.seek(SeekFrom::Start(0))?;
            std::io::copy(from, to).map(|_| ())
        }
        let mut out = std::io::BufWriter::new(&self.files[i].file);
        match self.files[i].kind {
            ReportKind::Junit => {
                write!(
                    out,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"apiscope\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
                    s.tests + s.errored,
                    s.failed,
                    s.errored,
                    s.skipped,
                    s.seconds
                )?;
                for (file, cases, c) in &mut self.suites {
                    writeln!(
                        out,
                        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">",
                        xml(file),
                        c.tests,
                        c.failures,
                        c.errors,
                        c.skipped,
                        c.seconds
                    )?;
                    copy(cases, &mut out)?;
                    out.write_all(b"  </testsuite>\n")?;
                }
                out.write_all(b"</testsuites>\n")?;
            }
            ReportKind::Tap => {
                if let Some((points, n)) = self.tap.as_mut() {
                    write!(out, "TAP version 13\n1..{n}\n")?;
                    copy(points, &mut out)?;
                }
            }
            ReportKind::Json => {
                if let Some((objects, n)) = self.json.as_mut() {
                    if *n == 0 {
                        out.write_all(b"[]\n")?;
                    } else {
                        out.write_all(b"[\n")?;
                        copy(objects, &mut out)?;
                        out.write_all(b"\n]\n")?;
                    }
                }
            }
            ReportKind::Markdown => {
                if let Some((rows, failures)) = self.markdown.as_mut() {
                    let line = report::sanitize(&s.line(), false).replace('|', "\\|");
                    write!(
                        out,
                        "# apiscope test\n\n{line}\n\n| | Request | Status | Tests |\n|---|---|---|---|\n"
                    )?;
                    copy(rows, &mut out)?;
                    copy(failures, &mut out)?;
                }
            }
        }
        out.flush()
    }
}

/// A request's testcases in the JUnit report, as GitLab, GitHub and
/// Jenkins read them (`classname` = file and request; a failure's message
/// and the diagnosis as its text).
fn junit_cases(
    r: &RequestResult,
    out: &mut std::fs::File,
    c: &mut SuiteCounts,
) -> std::io::Result<()> {
    let f = &r.file;
    let classname = xml(&format!("{f}.{}", r.name));
    let t = r.time_ms.unwrap_or(0.0) / 1000.0;
    c.tests += r.tests.len().max(1);
    c.seconds += t;
    let mut text = String::new();
    if let Some(e) = &r.error {
        c.errors += 1;
        text.push_str(&format!(
            "    <testcase classname=\"{classname}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{t:.3}\">\n      <error message=\"{}\" type=\"request\">{}</error>\n    </testcase>\n",
            xml(&format!("{} {}", r.method, r.url)),
            xml(f),
            r.line,
            xml(e),
            xml(&diagnosis_text(r))
        ));
    }
    for test in &r.tests {
        text.push_str(&format!(
            "    <testcase classname=\"{classname}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{t:.3}\"",
            xml(&test.name),
            xml(f),
            test.line
        ));
        match test.verdict {
            Verdict::Passed => text.push_str("/>\n"),
            Verdict::Skipped => {
                c.skipped += 1;
                text.push_str(">\n      <skipped/>\n    </testcase>\n");
            }
            Verdict::Failed => {
                c.failures += 1;
                text.push_str(&format!(
                    ">\n      <failure message=\"{}\" type=\"assertion\">{}</failure>\n    </testcase>\n",
                    xml(&format!("expected {}, got {}", test.name, test.actual)),
                    xml(&diagnosis_text(r))
                ));
            }
        }
    }
    out.write_all(text.as_bytes())
}

/// A request's TAP version 13 points (one per test, a failure's details
/// in YAML), numbered on from `n`.
fn tap_points(r: &RequestResult, out: &mut std::fs::File, n: &mut usize) -> std::io::Result<()> {
    let yaml = |s: &str| serde_json::to_string(&report::sanitize(s, false)).unwrap_or_default();
    let mut points = Vec::new();
    if let Some(e) = &r.error {
        points.push(format!(
            "not ok {{n}} - {} {}: did not complete\n  ---\n  message: {}\n  file: {}\n  line: {}\n  ...",
            r.file,
            r.name,
            yaml(e),
            yaml(&r.file),
            r.line
        ));
    }
    for t in &r.tests {
        let head = format!("{} {}: {}", r.file, r.name, t.name);
        points.push(match t.verdict {
            Verdict::Passed => format!("ok {{n}} - {head}"),
            Verdict::Skipped => format!("ok {{n}} - {head} # SKIP"),
            Verdict::Failed => format!(
                "not ok {{n}} - {head}\n  ---\n  message: {}\n  actual: {}\n  file: {}\n  line: {}\n  ...",
                yaml(&format!("expected {}", t.name)),
                yaml(&t.actual),
                yaml(&r.file),
                t.line
            ),
        });
    }
    let mut text = String::new();
    for p in points {
        *n += 1;
        text.push_str(&report::sanitize(
            &p.replacen("{n}", &n.to_string(), 1),
            true,
        ));
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

/// A request in the JSON report (request, status, time, tests, diagnosis).
fn json_object(r: &RequestResult) -> serde_json::Value {
    serde_json::json!({
        "file": report::sanitize(&r.file, false),
        "iteration": r.iteration,
        "request": report::sanitize(&r.name, false),
        "method": r.method,
        "url": report::sanitize(&r.url, false),
        "line": r.line,
        "status": r.status,
        "time_ms": r.time_ms,
        "error": r.error,
        "tests": r.tests.iter().map(|t| serde_json::json!({
            "name": report::sanitize(&t.name, false),
            "line": t.line,
            "result": match t.verdict {
                Verdict::Passed => "passed",
                Verdict::Failed => "failed",
                Verdict::Skipped => "skipped",
            },
            "actual": (t.verdict == Verdict::Failed).then(|| report::sanitize(&t.actual, false)),
        })).collect::<Vec<_>>(),
        "diagnosis": r.diagnosis,
    })
}

/// A request's row in the Markdown report's table, and its section under
/// the table when it failed (with its diagnosis).
fn markdown_parts(
    r: &RequestResult,
    rows: &mut std::fs::File,
    failures: &mut std::fs::File,
) -> std::io::Result<()> {
    let cell = |x: &str| report::sanitize(x, false).replace('|', "\\|");
    let ok = r.error.is_none() && !r.failed();
    let passed = r
        .tests
        .iter()
        .filter(|t| t.verdict == Verdict::Passed)
        .count();
    rows.write_all(
        format!(
            "| {} | `{}` {} | {} | {passed} / {} |\n",
            if ok { "✔" } else { "✘" },
            cell(&r.name),
            cell(&format!("{} {}", r.method, r.url)),
            r.status.map_or_else(|| "—".into(), |x| x.to_string()),
            r.tests.len()
        )
        .as_bytes(),
    )?;
    if ok {
        return Ok(());
    }
    let mut out = format!(
        "\n## ✘ {} ({}:{})\n\n",
        cell(&r.name),
        cell(&r.file),
        r.line
    );
    if let Some(e) = &r.error {
        out.push_str(&format!("Did not complete: {}\n\n", cell(e)));
    }
    for t in r.tests.iter().filter(|t| t.verdict == Verdict::Failed) {
        out.push_str(&format!(
            "- `{}` (line {}): got {}\n",
            cell(&t.name).replace('`', "'"),
            t.line,
            cell(&t.actual)
        ));
    }
    if let Some(d) = &r.diagnosis {
        out.push_str("\n```\n");
        out.push_str(
            &report::render(report::Format::Text, std::slice::from_ref(d), false)
                .replace("```", "'''"),
        );
        out.push_str("```\n");
    }
    failures.write_all(out.as_bytes())
}
