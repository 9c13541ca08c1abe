//! The `apiscope` binary: parse the command line, run one command, turn
//! errors into one line and an exit code (0 success, 1 an error response,
//! 2 bad usage or unreadable input).

use apiscope::budget::Budget;
use apiscope::cli::{Cli, Command, DecodeArgs, HistoryArgs, ReplayArgs, SendArgs};
use apiscope::decode::{self, Diagnosis, Options, Profiles};
use apiscope::http::{self, paginate};
use apiscope::input::{self, BareBody};
use apiscope::report::{self, Format};
use base64::Engine as _;
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("apiscope: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Some(Command::Decode(args)) => decode_cmd(args),
        Some(Command::Send(args)) => runtime()?.block_on(send_cmd(args)),
        Some(Command::DemoServer { port, rate }) => runtime()?.block_on(demo_server(port, rate)),
        Some(Command::Open { file, theme }) => {
            runtime()?.block_on(tui_cmd(false, theme.or(cli.theme), Vec::new(), Some(file)))
        }
        Some(Command::Replay(args)) => runtime()?.block_on(replay_cmd(args)),
        Some(Command::History(args)) => history_cmd(args),
        Some(Command::JqWorker { filter }) => {
            let mut body = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut body)
                .map_err(|e| format!("jq-worker: reading the body: {e}"))?;
            let out = match apiscope::jq::run(&filter, &body) {
                Ok(values) => serde_json::json!({ "ok": values }),
                Err(e) => serde_json::json!({ "err": e }),
            };
            write_out(&out.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        None => runtime()?.block_on(tui_cmd(cli.demo, cli.theme, cli.request, None)),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

async fn tui_cmd(
    demo: bool,
    theme: Option<String>,
    request: Vec<String>,
    open: Option<String>,
) -> Result<ExitCode, String> {
    // Read the file first: a bad file is a one-line error, not a TUI state.
    let (recorded, session_name, open_banner) = match &open {
        Some(file) => {
            let path = apiscope::store::resolve(file);
            let path = path.to_string_lossy().into_owned();
            let exchanges = input::read_any(&path).map_err(|e| e.to_string())?;
            let name = std::path::Path::new(&path)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            let n = exchanges.len();
            let banner = format!(
                "{path} · {n} exchange{} · offline",
                if n == 1 { "" } else { "s" }
            );
            (exchanges, name, Some(banner))
        }
        None => (Vec::new(), None, None),
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(match open {
            Some(f) => format!("the interactive TUI needs a terminal; for scripts use `apiscope replay {f}`"),
            None => "the interactive TUI needs a terminal; for scripts use `apiscope send` or `apiscope decode`".into(),
        });
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    // A broken config is said on the status line (stderr is hidden by the
    // TUI), and the defaults are used.
    let (config, problem) = apiscope::config::load();
    let flash = problem.map(|p| format!("Config ignored: {p}"));
    let theme = theme.or(config.theme.clone());
    let theme = apiscope::tui::theme::Theme::load(theme.as_deref().unwrap_or("dark"), color)?;
    let profiles = std::sync::Arc::new(load_profiles());
    let client = http::Client::new(http::ClientOptions::default()).map_err(|e| e.to_string())?;
    let mut server = None;
    let (entries, send_first, banner) = if demo {
        let s = apiscope::demo::start(None, apiscope::demo::DemoConfig::default())
            .await
            .map_err(|e| format!("--demo: cannot start the demo API on 127.0.0.1: {e}"))?;
        let base = s.base_url();
        server = Some(s);
        (
            apiscope::tui::demo_entries(&base),
            false,
            Some(format!("demo API on {base} · Enter sends · ? keys")),
        )
    } else if request.is_empty() {
        (Vec::new(), false, open_banner)
    } else {
        // Check it parses now: a typo is a usage error, not a TUI state.
        apiscope::items::parse(&request).map_err(|e| e.to_string())?;
        let line = request
            .iter()
            .map(|w| apiscope::line::quote(w))
            .collect::<Vec<_>>()
            .join(" ");
        (vec![(line, None)], true, None)
    };
    let result = apiscope::tui::run(apiscope::tui::Launch {
        entries,
        send_first,
        banner,
        theme,
        client,
        profiles,
        recorded,
        session_name,
        keys: config.keys,
        flash,
        history: open_history().map(|h| std::sync::Arc::new(std::sync::Mutex::new(h))),
    })
    .await;
    if let Some(s) = server {
        s.stop().await;
    }
    result.map(|_| ExitCode::SUCCESS)
}

/// The history database, unless `APISCOPE_HISTORY=off`; a history that
/// cannot be opened is a warning, never a failure.
fn open_history() -> Option<apiscope::history::History> {
    if std::env::var("APISCOPE_HISTORY").is_ok_and(|v| v == "off" || v == "0") {
        return None;
    }
    match apiscope::history::History::open_default() {
        Ok(h) => Some(h),
        Err(e) => {
            eprintln!("apiscope: warning: history not kept: {e}");
            None
        }
    }
}

fn load_profiles() -> Profiles {
    let (profiles, problems) = apiscope::config::load_profiles();
    for p in problems {
        eprintln!("apiscope: warning: skipped profile {p}");
    }
    profiles
}

fn decode_cmd(args: DecodeArgs) -> Result<ExitCode, String> {
    let profiles = load_profiles();
    if let Some(d) = &args.dialect {
        decode::check_dialect(&profiles, d).map_err(|e| e.to_string())?;
    }
    let path = match args.file.as_deref() {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            return Err(
                "decode: no input; give a FILE, or pipe a response in (curl -si URL | apiscope decode)"
                    .into(),
            );
        }
        None => "-",
    };
    let bare = BareBody {
        status: args.status,
        headers: input::parse_header_flags(&args.headers).map_err(|e| e.to_string())?,
    };
    let exchanges = input::read_path(path, &bare).map_err(|e| e.to_string())?;
    let options = Options {
        dialect: args.dialect,
        now: None,
    };
    let diagnoses = decode::diagnose_all(&exchanges, &profiles, &options);
    emit_report(args.format, &diagnoses, args.keep_secrets)?;
    Ok(exit_for(&diagnoses))
}

fn exit_for(diagnoses: &[Diagnosis]) -> ExitCode {
    if diagnoses.iter().any(Diagnosis::is_error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

async fn send_cmd(args: SendArgs) -> Result<ExitCode, String> {
    let profiles = load_profiles();
    if let Some(d) = &args.dialect {
        decode::check_dialect(&profiles, d).map_err(|e| e.to_string())?;
    }
    let spec = apiscope::items::parse(&args.request).map_err(|e| e.to_string())?;
    let mut request = spec.to_request();
    if let Some(token) = &args.bearer {
        request.headers.remove("authorization");
        request
            .headers
            .push("Authorization", format!("Bearer {token}"));
    } else if let Some(auth) = &args.auth {
        let creds = if auth.contains(':') {
            auth.clone()
        } else {
            format!("{auth}:")
        };
        request.headers.remove("authorization");
        request.headers.push(
            "Authorization",
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(creds)
            ),
        );
    }
    let client = client_with(args.timeout, |o| {
        o.insecure = args.insecure;
        o.max_redirects = args.max_redirects;
    })?;
    let options = Options {
        dialect: args.dialect.clone(),
        now: None,
    };

    if !args.paginate {
        let progress = spinner(&format!(
            "{} {}",
            request.method,
            request.url.as_deref().unwrap_or("")
        ));
        let exchange = client.send(&request).await;
        progress.finish_and_clear();
        let d = decode::diagnose(&exchange, &profiles, &options);
        if let Some(h) = open_history() {
            let _ = h.record(&exchange, &d, "send", None);
        }
        // The answer first: a request was sent, whatever happens to the file.
        emit(args.format, std::slice::from_ref(&d))?;
        if let Some(target) = &args.save {
            save_session(
                target,
                std::slice::from_ref(&exchange),
                &profiles,
                args.keep_secrets,
            )?;
        }
        return Ok(exit_for(&[d]));
    }

    let mut budget = Budget::default();
    let bar = page_bar(args.max_pages);
    let mut any_error = false;
    let mut write_error = None;
    let color = args.format == Format::Text && use_color();
    let mut first = true;
    let mut items = 0u64;
    let mut last_status = String::new();
    let mut saved = Vec::new();
    let history = open_history();
    let started = std::time::Instant::now();
    let summary = paginate::run(
        &client,
        &profiles,
        request,
        &mut budget,
        &paginate::PaginateOptions {
            max_pages: args.max_pages,
            decode: options,
            ..Default::default()
        },
        |event| match event {
            paginate::Event::Page {
                number,
                exchange,
                diagnosis,
                budget,
            } => {
                if args.save.is_some() {
                    saved.push(exchange.clone());
                }
                if let Some(h) = &history {
                    let _ = h.record(exchange, diagnosis, "send", None);
                }
                any_error |= diagnosis.is_error();
                let mut text = report::render(args.format, std::slice::from_ref(diagnosis), color);
                if args.format != Format::Json {
                    let sep = if first { "" } else { "\n" };
                    text = format!("{sep}── page {number} ──\n{text}");
                }
                first = false;
                bar.suspend(|| {
                    if let Err(e) = write_out(&text) {
                        write_error.get_or_insert(e);
                    }
                });
                bar.set_position(u64::from(number));
                items += diagnosis
                    .pagination
                    .as_ref()
                    .and_then(|p| p.items)
                    .unwrap_or(0) as u64;
                let mut parts = vec![format!("{items} items")];
                if let Some(b) = budget {
                    match (b.remaining, b.limit) {
                        (Some(r), Some(l)) => parts.push(format!("budget {r}/{l}")),
                        (Some(r), None) => parts.push(format!("budget {r} left")),
                        _ => {}
                    }
                }
                if let Some(count) = diagnosis.pagination.as_ref().and_then(|p| p.page_count) {
                    let count = count.min(i64::from(args.max_pages)).max(1) as u64;
                    bar.set_length(count);
                    let done = u64::from(number);
                    if done < count {
                        let per_page = started.elapsed().as_secs_f64() / done as f64;
                        parts.push(format!("ETA {:.0} s", per_page * (count - done) as f64));
                    }
                }
                last_status = parts.join(" · ");
                bar.set_message(last_status.clone());
            }
            paginate::Event::Waiting { duration, .. } => {
                if duration > Duration::from_millis(200) {
                    bar.set_message(format!(
                        "{last_status} · pacing: next request in {:.1} s",
                        duration.as_secs_f64()
                    ));
                }
            }
            paginate::Event::Rejected { number, retry_in } => {
                bar.suspend(|| {
                    eprintln!(
                        "apiscope: page {number}: 429 Too Many Requests; retrying in {:.1} s",
                        retry_in.as_secs_f64()
                    );
                });
            }
        },
    )
    .await;
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e);
    }
    if let Some(target) = &args.save {
        save_session(target, &saved, &profiles, args.keep_secrets)?;
    }
    let stop = match &summary.stop {
        paginate::Stop::LastPage => "last page reached".to_owned(),
        paginate::Stop::MaxPages => format!("stopped at --max-pages {}", args.max_pages),
        paginate::Stop::Error => "stopped at an error response".to_owned(),
        paginate::Stop::Loop(u) => format!("stopped: the next page ({u}) was already fetched"),
        paginate::Stop::RetriesExhausted => "stopped: 429s kept coming".to_owned(),
    };
    eprintln!(
        "apiscope: {} pages, {} items, {} × 429, {:.1} s; {stop}",
        summary.pages,
        summary.items,
        summary.rejected,
        summary.elapsed.as_secs_f64()
    );
    Ok(
        if any_error || summary.stop == paginate::Stop::RetriesExhausted {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}

fn history_cmd(args: HistoryArgs) -> Result<ExitCode, String> {
    let h = apiscope::history::History::open_default()?;
    if let Some(id) = args.show {
        let (exchange, _) = h
            .get(id)?
            .ok_or_else(|| format!("history: no exchange {id}"))?;
        let d = decode::diagnose(&exchange, &load_profiles(), &Options::default());
        emit(args.format, std::slice::from_ref(&d))?;
        return Ok(exit_for(&[d]));
    }
    let q = apiscope::history::Query::parse(&args.query.join(" "))?;
    let rows = h.search(&q, args.limit)?;
    let mut out = String::new();
    for r in &rows {
        if args.format == Format::Json {
            let v = serde_json::json!({
                "id": r.id,
                "at": report::rfc3339(r.at_ms / 1000),
                "source": r.source,
                "method": r.method,
                "url": r.url,
                "status": r.status,
                "dialect": r.dialect,
                "code": r.code,
                "message": r.message,
            });
            out.push_str(&v.to_string());
            out.push('\n');
        } else {
            out.push_str(&format!(
                "{:>6}  {}  {:>3}  {:<12}  {:<22}  {} {}\n",
                r.id,
                report::rfc3339(r.at_ms / 1000),
                r.status.map_or("—".into(), |s| s.to_string()),
                r.dialect,
                report::sanitize(r.code.as_deref().unwrap_or("—"), false),
                r.method,
                report::sanitize(&r.url, false)
            ));
        }
    }
    if rows.is_empty() && args.format != Format::Json {
        out.push_str("no exchange in the history matches\n");
    }
    write_out(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// Status, dialect and error code: what `replay --check` compares.
fn outcome(d: &Diagnosis) -> (Option<u16>, String, Option<String>) {
    (
        d.status,
        d.dialect.clone(),
        d.error.as_ref().and_then(|e| e.code.clone()),
    )
}

fn outcome_text(o: &(Option<u16>, String, Option<String>)) -> String {
    format!(
        "{} {} {}",
        o.0.map_or("—".to_owned(), |s| s.to_string()),
        o.1,
        o.2.as_deref().unwrap_or("—")
    )
}

async fn replay_cmd(args: ReplayArgs) -> Result<ExitCode, String> {
    let profiles = load_profiles();
    if let Some(d) = &args.dialect {
        decode::check_dialect(&profiles, d).map_err(|e| e.to_string())?;
    }
    let path = apiscope::store::resolve(&args.file);
    let path = path.to_string_lossy();
    let exchanges = input::read_any(&path).map_err(|e| e.to_string())?;
    let options = Options {
        dialect: args.dialect.clone(),
        now: None,
    };
    let live = args.live || args.check;
    if !live {
        let (recorded, unsent): (Vec<_>, Vec<_>) = exchanges
            .into_iter()
            .partition(apiscope::model::Exchange::has_response);
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
                            report::sanitize(
                                &apiscope::redact::url(r.url.as_deref().unwrap_or("")),
                                false
                            )
                        ));
                    }
                }
                write_out(&out)?;
            }
            return Ok(ExitCode::SUCCESS);
        }
        if !unsent.is_empty() {
            eprintln!(
                "apiscope: {} request(s) without a recorded response skipped; --live sends them",
                unsent.len()
            );
        }
        let diagnoses = decode::diagnose_all(&recorded, &profiles, &options);
        emit_report(args.format, &diagnoses, args.keep_secrets)?;
        if args.format == Format::Text && recorded.len() > 1 {
            let hosts = apiscope::timeline::build(&recorded, &diagnoses, &profiles);
            let lines = apiscope::timeline::render(&hosts);
            write_out(&format!(
                "\n── rate-limit timeline ──\n{}",
                report::sanitize(&lines.join("\n"), true)
            ))?;
        }
        return Ok(exit_for(&diagnoses));
    }

    // Live: every exchange with a request URL is re-sent, in order.
    let exchanges: Vec<_> = exchanges
        .into_iter()
        .filter(|e| e.url().is_some_and(|u| !u.is_empty()))
        .collect();
    if exchanges.is_empty() {
        return Err(format!("{path}: no request with a URL to send"));
    }
    let mut hosts: Vec<String> = Vec::new();
    for e in &exchanges {
        let host = e
            .url()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| {
                u.host_str().map(|h| {
                    format!(
                        "{h}{}",
                        u.port().map(|p| format!(":{p}")).unwrap_or_default()
                    )
                })
            })
            .unwrap_or_else(|| e.url().unwrap_or("").to_owned());
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    if !args.yes {
        // Ask on stderr, read the answer from stdin (a terminal, or a
        // script's `echo y |`); no answer sends nothing.
        eprint!(
            "apiscope: send {} request(s) to {}? [y/N] ",
            exchanges.len(),
            hosts.join(", ")
        );
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            if !std::io::stdin().is_terminal() {
                eprintln!();
            }
            return Err(format!(
                "replay: nothing sent to {}; answer y, or pass --yes",
                hosts.join(", ")
            ));
        }
    }
    if exchanges.iter().any(|e| {
        e.request.as_ref().is_some_and(|r| {
            r.headers
                .iter()
                .any(|(_, v)| v.contains(apiscope::redact::MARK))
                || r.url
                    .as_deref()
                    .is_some_and(|u| u.contains(apiscope::redact::MARK))
        })
    }) {
        eprintln!(
            "apiscope: warning: some requests hold redacted credentials ({}); expect the server to refuse them",
            apiscope::redact::MARK
        );
    }
    let client = client_with(args.timeout, |_| {})?;
    let mut budget = Budget::default();
    let mut sent = Vec::with_capacity(exchanges.len());
    let progress = page_bar(exchanges.len() as u32);
    for (i, e) in exchanges.iter().enumerate() {
        let Some(request) = e.request.as_ref() else {
            continue;
        };
        let key = apiscope::budget::BudgetKey::for_request(request);
        // Paced by the same budget model as --paginate: no self-made 429s.
        let at = budget.next_send_at(&key, std::time::Instant::now());
        tokio::time::sleep_until(at.into()).await;
        progress.set_message(format!(
            "{} {}",
            request.method,
            request.url.as_deref().unwrap_or("")
        ));
        let live = client.send(request).await;
        let d = decode::diagnose(&live, &profiles, &options);
        budget.record(
            &key,
            std::time::Instant::now(),
            d.status,
            d.rate_limit.as_ref(),
            paginate::documented(&profiles, &live, &d),
        );
        progress.set_position(i as u64 + 1);
        sent.push(live);
    }
    progress.finish_and_clear();
    let live_diagnoses = decode::diagnose_all(&sent, &profiles, &options);
    if !args.check {
        emit_report(args.format, &live_diagnoses, args.keep_secrets)?;
        return Ok(exit_for(&live_diagnoses));
    }

    let recorded: Vec<Option<Diagnosis>> = {
        let with: Vec<_> = exchanges
            .iter()
            .filter(|e| e.has_response())
            .cloned()
            .collect();
        let mut ds = decode::diagnose_all(&with, &profiles, &options).into_iter();
        exchanges
            .iter()
            .map(|e| if e.has_response() { ds.next() } else { None })
            .collect()
    };
    let mut differ = 0;
    let mut rows = Vec::new();
    for (i, (rec, live)) in recorded.iter().zip(&live_diagnoses).enumerate() {
        let l = outcome(live);
        let r = rec.as_ref().map(outcome);
        let same = r.as_ref() == Some(&l);
        if !same {
            differ += 1;
        }
        rows.push((i + 1, live, r, l, same));
    }
    let mut out = String::new();
    match args.format {
        Format::Json => {
            for (n, live, r, l, same) in &rows {
                let side = |o: &(Option<u16>, String, Option<String>)| serde_json::json!({"status": o.0, "dialect": o.1, "code": o.2});
                let line = serde_json::json!({
                    "index": n,
                    "method": live.method,
                    "url": live.url,
                    "recorded": r.as_ref().map(side),
                    "live": side(l),
                    "same": same,
                });
                out.push_str(&line.to_string());
                out.push('\n');
            }
        }
        Format::Text | Format::Markdown => {
            let cells: Vec<[String; 5]> = rows
                .iter()
                .map(|(n, live, r, l, same)| {
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
                        if *same {
                            "same".into()
                        } else {
                            "DIFFERENT".into()
                        },
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
                "\n{} of {} exchanges differ in status, dialect or error code\n",
                differ,
                rows.len()
            ));
        }
    }
    write_out(&out)?;
    Ok(if differ > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The HTTP client for `--timeout SECONDS` (checked) and other options.
fn client_with(
    timeout: f64,
    set: impl FnOnce(&mut http::ClientOptions),
) -> Result<http::Client, String> {
    if !(timeout > 0.0 && timeout.is_finite()) {
        return Err(format!(
            "--timeout {timeout}: must be a positive number of seconds"
        ));
    }
    let mut options = http::ClientOptions {
        timeout: Duration::from_secs_f64(timeout),
        ..Default::default()
    };
    set(&mut options);
    http::Client::new(options).map_err(|e| e.to_string())
}

/// Writes exchanges as a session at `target`: a path (ends in `.json` or
/// names a directory part), else a name in the sessions directory.
fn save_session(
    target: &str,
    exchanges: &[apiscope::model::Exchange],
    profiles: &Profiles,
    keep_secrets: bool,
) -> Result<(), String> {
    let path = if target.ends_with(".json") || target.contains(std::path::MAIN_SEPARATOR) {
        std::path::PathBuf::from(target)
    } else {
        apiscope::store::sessions_dir()
            .ok_or("--save: no user data directory on this system; give a path")?
            .join(format!("{target}.json"))
    };
    // Never replace a file that is not an apiscope session.
    if let Ok(existing) = std::fs::read(&path)
        && !input::session::sniff(existing.trim_ascii_start())
    {
        return Err(format!(
            "--save: {} exists and is not an apiscope session; it was left as it was (choose another path)",
            path.display()
        ));
    }
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let text = input::session::to_json(name.as_deref(), exchanges, profiles, keep_secrets);
    apiscope::store::write_atomic(&path, text.as_bytes())?;
    eprintln!(
        "apiscope: saved {} exchange(s) to {}{}",
        exchanges.len(),
        path.display(),
        if keep_secrets {
            " (credentials kept)"
        } else {
            " (credentials redacted)"
        }
    );
    Ok(())
}

fn spinner(what: &str) -> indicatif::ProgressBar {
    let pb =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(what.to_owned());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

fn page_bar(max: u32) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(u64::from(max)),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} page {pos}/{len} · {elapsed} · {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

async fn demo_server(
    port: Option<u16>,
    rate: Option<apiscope::demo::Rate>,
) -> Result<ExitCode, String> {
    let server = apiscope::demo::start(port, apiscope::demo::DemoConfig { rate })
        .await
        .map_err(|e| {
            format!(
                "demo-server: cannot listen on 127.0.0.1:{}: {e}",
                port.unwrap_or(0)
            )
        })?;
    write_out(&format!(
        "apiscope demo API on {} (GET / lists the routes and demo tokens; Ctrl-C stops)\n",
        server.base_url()
    ))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = server.wait() => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn write_out(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // `apiscope decode big.har | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("writing the report: {e}")),
    }
}

fn emit(format: Format, diagnoses: &[Diagnosis]) -> Result<(), String> {
    let color = format == Format::Text && use_color();
    write_out(&report::render(format, diagnoses, color))
}

/// As `emit`, with `--keep-secrets` honoured for the Markdown report.
fn emit_report(format: Format, diagnoses: &[Diagnosis], keep_secrets: bool) -> Result<(), String> {
    if format == Format::Markdown && keep_secrets {
        return write_out(&report::markdown::render_keeping_secrets(diagnoses));
    }
    emit(format, diagnoses)
}

fn use_color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}
