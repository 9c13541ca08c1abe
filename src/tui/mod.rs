//! The interactive terminal UI.
//!
//! One channel carries every [`app::Msg`] (keys from a reader thread,
//! responses from send tasks, wake-ups from timers); the loop drains all
//! pending messages, runs the resulting [`app::Cmd`]s, and draws once if
//! anything changed. Sends run on tokio tasks and are decoded there, so the
//! UI never waits on the network or on a big body.

pub mod action;
mod activity;
pub mod app;
pub mod body;
pub mod collection;
pub mod diff;
pub mod editing;
pub mod entry;
pub mod guard;
pub mod input;
pub mod modal;
pub mod syntax;
pub mod theme;
pub mod view;
pub mod widgets;

use crate::decode::{self, Profiles};
use crate::http::Client;
use app::{App, Cmd, Entry, Msg};
use entry::Origin;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::{execute, terminal};
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How the TUI starts.
pub struct Launch {
    /// The session's requests: (request line, label).
    pub entries: Vec<(String, Option<String>)>,
    /// Send the first request at once.
    pub send_first: bool,
    /// A banner for the title bar.
    pub banner: Option<String>,
    /// The theme.
    pub theme: theme::Theme,
    /// The HTTP client.
    pub client: Client,
    /// The decoding profiles.
    pub profiles: Arc<Profiles>,
    /// Recorded exchanges to open (`apiscope open`), after `entries`.
    pub recorded: Vec<crate::model::Exchange>,
    /// The session's name, for saving.
    pub session_name: Option<String>,
    /// The file `recorded` was read from (`apiscope open`).
    pub recorded_from: Option<String>,
    /// How `A` spends the budget (`config.toml` `[paging]`).
    pub paging: crate::config::Paging,
    /// A message for the status line at start (a config problem).
    pub flash: Option<String>,
    /// The user's key bindings (config file `[keys]`).
    pub keys: Vec<(String, Vec<action::Key>)>,
    /// Where sent exchanges are kept, when it could be opened.
    pub history: Option<crate::history::History>,
    /// `.http` collections to show (their requests after `entries`).
    pub collection: Option<collection::Collections>,
    /// What the command line gave of TLS (it wins over an env file's
    /// `SSLConfiguration`).
    pub given: crate::http::TlsGiven,
}

/// The demo session's requests against a demo server at `base`: every
/// format, its errors and its pages.
pub fn demo_entries(base: &str) -> Vec<(String, Option<String>)> {
    let e = |line: String, label: &str| (line, Some(label.to_owned()));
    vec![
        e(
            format!("GET {base}/envelope/v1/boards limit==5 'Authorization:Bearer imb_pat_demo'"),
            "envelope: boards",
        ),
        e(
            format!(
                "GET {base}/envelope/v1/boards limit==500 sort==name 'Authorization:Bearer imb_pat_demo'"
            ),
            "envelope: bad query",
        ),
        e(
            format!("GET {base}/envelope/v1/boards 'Authorization:imb_pat_demo'"),
            "envelope: no Bearer",
        ),
        e(
            format!("POST {base}/envelope/v1/boards name= 'Authorization:Bearer imb_pat_demo'"),
            "envelope: bad body",
        ),
        e(
            format!("GET {base}/aptly/api/boards/b1/cards"),
            "aptly: no x-token",
        ),
        e(
            format!("GET {base}/aptly/api/boards/b1/cards x-token:aptly_demo_key_b2"),
            "aptly: other board's key",
        ),
        e(
            format!("GET {base}/aptly/api/boards/b1/cards x-token:aptly_demo_key_b1"),
            "aptly: cards",
        ),
        e(
            format!(
                "GET {base}/coded/v1/projects page_size==5 'Authorization:Bearer coded_demo_token'"
            ),
            "coded: projects",
        ),
        e(
            format!("GET {base}/coded/v1/projects/nope 'Authorization:Bearer coded_demo_token'"),
            "coded: not found",
        ),
        e(
            format!("GET {base}/coded/v1/projects Authorization:coded_demo_token"),
            "coded: bad auth header",
        ),
        e(
            format!("GET {base}/ittybit/tasks limit==5 'Authorization:Bearer ittybit_demo_key'"),
            "ittybit: tasks",
        ),
        e(
            format!("GET {base}/ittybit/tasks 'Authorization:Bearer ittybit_demo_unpaid'"),
            "ittybit: payment",
        ),
        e(
            format!(
                "GET {base}/errors-array/v1/contacts per_page==5 'Authorization:Bearer errors_array_demo_key'"
            ),
            "errors-array: contacts",
        ),
        e(
            format!(
                "POST {base}/errors-array/v1/contacts email=nope 'Authorization:Bearer errors_array_demo_key'"
            ),
            "errors-array: invalid",
        ),
        e(
            format!("GET {base}/errors-array/v1/contacts"),
            "errors-array: no key",
        ),
    ]
}

/// Set while an external editor owns the terminal: the input thread stops
/// reading, so the editor gets every key.
static INPUT_PAUSED: AtomicBool = AtomicBool::new(false);

/// Restores the terminal: raw mode off, main screen, cursor shown.
fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        event::DisableMouseCapture,
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// Runs the TUI until the user quits.
pub async fn run(launch: Launch) -> Result<(), String> {
    // Restore the terminal on a panic too, before the message prints.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    syntax::preload();
    // (Before raw mode: the guard saves the terminal as it is now.)
    let guard = guard::Guard::spawn();
    let mut terminal = ratatui::init();
    let _ = execute!(
        std::io::stdout(),
        event::EnableMouseCapture,
        event::EnableBracketedPaste
    );
    let result = event_loop(&mut terminal, launch).await;
    restore();
    if let Some(g) = guard {
        g.disarm();
    }
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut launch: Launch,
) -> Result<(), String> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    // Terminal input on its own thread: crossterm's read blocks.
    let input_tx = tx.clone();
    std::thread::spawn(move || {
        loop {
            if INPUT_PAUSED.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(30));
                continue;
            }
            // Poll, so a pause takes effect within 50 ms.
            match event::poll(Duration::from_millis(50)) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => break,
            }
            let msg = match event::read() {
                Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => Msg::Key(k),
                Ok(Event::Mouse(m)) => Msg::Mouse(m),
                Ok(Event::Paste(p)) => Msg::Paste(p),
                Ok(Event::Resize(..)) => Msg::Resize,
                Ok(_) => continue,
                Err(_) => break,
            };
            if input_tx.send(msg).is_err() {
                break;
            }
        }
    });
    // A tick while something moves on screen (spinner, countdowns).
    let tick_tx = tx.clone();
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(200));
        loop {
            iv.tick().await;
            if tick_tx.send(Msg::Tick(Instant::now())).is_err() {
                break;
            }
        }
    });

    let mut entries: Vec<Entry> = launch
        .entries
        .iter()
        .map(|(l, label)| {
            let mut e = Entry::new(l, label.as_deref());
            // The demo labels each request "dialect: what it shows": it
            // names the API it talks to, so its answers speak in that
            // vendor's voice (evidence "choice").
            e.dialect = label
                .as_deref()
                .and_then(|l| l.split_once(": "))
                .map(|(d, _)| d)
                .filter(|d| launch.profiles.get(d).is_some())
                .map(str::to_owned);
            e
        })
        .collect();
    let diagnoses = decode::diagnose_all(
        &launch.recorded,
        &launch.profiles,
        &decode::Options::default(),
    );
    if let Some(c) = &launch.collection {
        entries.extend(c.entries());
    }
    let first_recorded = entries.len();
    let file = launch
        .recorded_from
        .clone()
        .unwrap_or_else(|| "the file".into());
    for (ex, d) in launch.recorded.iter().cloned().zip(diagnoses) {
        // An exchange without a response (a curl command) gets none.
        entries.push(Entry::recorded(
            ex,
            Some(d),
            Origin::Recorded { file: file.clone() },
        ));
    }
    let mut app = App::new(entries, launch.profiles.clone(), Instant::now());
    app.banner = launch.banner.clone();
    app.collection = launch.collection.take();
    // An untrusted collection: what trust would allow, asked once.
    if app
        .collection
        .as_ref()
        .is_some_and(|c| !c.run.trust().trusted())
    {
        app.trust_collection(false);
    }
    app.session_name = launch.session_name.clone();
    app.set_keymap(&launch.keys);
    app.paging = launch.paging;
    let history = launch.history.map(crate::history::Worker::spawn);
    if launch.flash.is_some() {
        app.flash = launch.flash.clone();
    }
    app.jq_history = crate::store::data_dir()
        .and_then(|d| std::fs::read_to_string(d.join("jq_history")).ok())
        .map(|t| {
            t.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if !launch.recorded.is_empty() {
        app.open_first_failure(first_recorded);
    }
    // Collection files are watched: a change made in another editor shows
    // within a tenth of a second.
    let watched = Watched::default();
    if let Some(c) = &app.collection {
        for f in c.files() {
            watched.add_collection(&f.path);
        }
    }
    watched.spawn(tx.clone());
    let theme = launch.theme;
    let mut tasks: HashMap<u64, tokio::task::AbortHandle> = HashMap::new();
    let mut jq_task: Option<tokio::task::AbortHandle> = None;
    // The client of the last collection environment with an SSLConfiguration.
    let mut transport_client: Option<(crate::collection::vars::Transport, Client)> = None;
    let mut pending: Vec<Cmd> = Vec::new();
    if launch.send_first {
        pending.extend(app.update(Msg::Key(event::KeyEvent::from(event::KeyCode::Enter))));
    }
    let mut dirty = true;
    loop {
        for cmd in std::mem::take(&mut pending) {
            if let Cmd::ExternalEdit(text) = cmd {
                let result = external_edit(terminal, &text);
                pending.extend(app.update(Msg::Edited(result)));
                dirty = true;
                continue;
            }
            if let Cmd::EditFile { path, line } = &cmd {
                let result = edit_file(terminal, path, *line);
                let msg = match result {
                    Ok(text) => {
                        watched.seen(path);
                        Msg::FileChanged {
                            path: path.clone(),
                            text,
                        }
                    }
                    Err(e) => Msg::Saved(Err(e)),
                };
                pending.extend(app.update(msg));
                dirty = true;
                continue;
            }
            if let Cmd::Watch(path) = &cmd {
                watched.add_collection(path);
                continue;
            }
            if let Cmd::WriteFile {
                file,
                path,
                base,
                text,
                extra,
                after,
            } = cmd
            {
                let (result, envs) = write_collection(&path, &base, &text, &extra);
                watched.seen(&path);
                for (p, _) in &extra {
                    watched.seen(p);
                }
                pending.extend(app.update(Msg::FileWritten {
                    file,
                    result,
                    envs,
                    after,
                }));
                dirty = true;
                continue;
            }
            run_cmd(
                cmd,
                (&launch.client, launch.given),
                &mut transport_client,
                &launch.profiles,
                history.as_ref(),
                &mut jq_task,
                &tx,
                &mut tasks,
            );
        }
        if app.quit {
            break;
        }
        if dirty {
            terminal
                .draw(|f| view::render(&mut app, &theme, f))
                .map_err(|e| format!("drawing the screen: {e}"))?;
            dirty = false;
        }
        let Some(first) = rx.recv().await else { break };
        // Coalesce a burst (key repeat, paste, many ticks) into one draw.
        let mut batch = vec![first];
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        for msg in batch {
            let animating = app.in_flight.is_some()
                || app.activity.as_ref().is_some_and(|a| a.waiting.is_some())
                || app.budget_view().is_some_and(|b| {
                    b.retry_in.is_some() || b.reset_in.is_some_and(|r| !r.is_zero())
                });
            let is_tick = matches!(msg, Msg::Tick(_));
            if let Msg::Response { id, .. } = &msg {
                tasks.remove(id);
            }
            pending.extend(app.update(msg));
            dirty |= !is_tick || animating;
        }
    }
    for (_, t) in tasks {
        t.abort();
    }
    if let Some(h) = &history {
        // The last exchanges are written before the process ends.
        h.flush(Duration::from_secs(3));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn run_cmd(
    cmd: Cmd,
    (client, given): (&Client, crate::http::TlsGiven),
    transport_client: &mut Option<(crate::collection::vars::Transport, Client)>,
    profiles: &Arc<Profiles>,
    history: Option<&crate::history::Worker>,
    jq_task: &mut Option<tokio::task::AbortHandle>,
    tx: &mpsc::UnboundedSender<Msg>,
    tasks: &mut HashMap<u64, tokio::task::AbortHandle>,
) {
    use crate::history::Job;
    match cmd {
        Cmd::Send {
            id,
            request,
            line,
            dialect_hint,
            dialect,
            secrets,
            cookies,
            transport,
        } => {
            // A collection environment's SSLConfiguration: a client of its
            // own (the session's jar shared), kept for the next request.
            let base = match transport.as_deref() {
                None => client,
                Some(t) => {
                    if transport_client.as_ref().is_none_or(|(k, _)| k != t) {
                        match client.for_request(t, given) {
                            Ok(c) => *transport_client = Some((t.clone(), c)),
                            Err(e) => {
                                let ex = crate::model::Exchange {
                                    request: Some(request),
                                    failure: Some(crate::model::Failure {
                                        kind: crate::model::FailureKind::Tls,
                                        message: format!(
                                            "not sent: the environment's SSLConfiguration: {e}"
                                        ),
                                    }),
                                    ..Default::default()
                                };
                                let d = decode::diagnose(&ex, profiles, &Default::default());
                                let _ = tx.send(Msg::Response {
                                    id,
                                    exchange: Box::new(ex),
                                    diagnosis: Box::new(d),
                                    at: Instant::now(),
                                });
                                return;
                            }
                        }
                    }
                    &transport_client.as_ref().expect("set above").1
                }
            };
            // (`# @no-cookie-jar`: the session's jar stays out of it.)
            let client = if cookies {
                base.clone()
            } else {
                base.without_jar()
            };
            let profiles = profiles.clone();
            let tx = tx.clone();
            // The history gets its copy after the screen has the response;
            // the copy shares the body (Bytes), and the history's thread
            // cuts, redacts and writes it.
            let record = history.map(crate::history::Worker::sender);
            let handle = tokio::spawn(async move {
                let mut exchange = client.send_with(&request, &secrets).await;
                exchange.dialect = dialect;
                let url = request.url.clone();
                // Decoding a big body is real work: keep it off the UI.
                let decoded = tokio::task::spawn_blocking(move || {
                    let d = decode::diagnose_hinted(
                        &exchange,
                        &profiles,
                        &decode::Options::default(),
                        dialect_hint.as_deref(),
                    );
                    (exchange, d)
                })
                .await;
                // A decoder bug must not leave the request spinning forever.
                let (exchange, diagnosis) = decoded.unwrap_or_else(|e| {
                    let ex = crate::model::Exchange {
                        request: Some(crate::model::Request {
                            url,
                            ..Default::default()
                        }),
                        failure: Some(crate::model::Failure {
                            kind: crate::model::FailureKind::Other,
                            message: format!("decoding the response failed: {e}"),
                        }),
                        ..Default::default()
                    };
                    let d = decode::diagnose(&ex, &Profiles::built_in(), &Default::default());
                    (ex, d)
                });
                let job = record.map(|r| {
                    let mut copy = exchange.clone();
                    crate::redact::values(&mut copy, &secrets);
                    (
                        r,
                        Job::Record {
                            exchange: Box::new(copy),
                            diagnosis: Box::new(diagnosis.clone()),
                            source: "tui",
                            line: Some(crate::line::mask_line(&line)),
                        },
                    )
                });
                let _ = tx.send(Msg::Response {
                    id,
                    exchange: Box::new(exchange),
                    diagnosis: Box::new(diagnosis),
                    at: Instant::now(),
                });
                if let Some((r, job)) = job {
                    let _ = r.send(job);
                }
            });
            tasks.insert(id, handle.abort_handle());
        }
        Cmd::Cancel(id) => {
            if let Some(t) = tasks.remove(&id) {
                t.abort();
            }
        }
        Cmd::Copy(text) => osc52(&text),
        // Handled by the event loop, which owns the terminal and the
        // watcher.
        Cmd::ExternalEdit(_) | Cmd::EditFile { .. } | Cmd::Watch(_) | Cmd::WriteFile { .. } => {}
        Cmd::Jq {
            entry,
            generation,
            filter,
            body,
            remember,
        } => {
            // A process of its own (this binary, `jq-worker`): jaq cannot
            // be interrupted, and a filter that never ends, or recurses
            // until the stack is gone, must cost nothing but that process.
            // A new filter replaces a running one; 20 s is the limit.
            if let Some(old) = jq_task.take() {
                old.abort();
            }
            let tx = tx.clone();
            let handle = tokio::spawn(async move {
                let result = run_jq_worker(&filter, body).await;
                let _ = tx.send(Msg::JqDone {
                    entry,
                    generation,
                    filter,
                    result,
                });
            });
            *jq_task = Some(handle.abort_handle());
            if let Some(dir) = crate::store::data_dir() {
                let mut text = remember.join("\n");
                text.push('\n');
                let _ = crate::store::write_atomic(&dir.join("jq_history"), text.as_bytes());
            }
        }
        Cmd::CancelJq => {
            if let Some(t) = jq_task.take() {
                t.abort();
            }
        }
        Cmd::Trust(root) => {
            let result = crate::trust::Store::load()
                .and_then(|mut store| {
                    let now = crate::time::unix_ms(std::time::SystemTime::now()) / 1000;
                    store.trust(root.clone(), Vec::new(), now);
                    store.save()
                })
                .map(|()| root)
                .map_err(|e| e.to_string());
            let _ = tx.send(Msg::Trusted(result));
        }
        Cmd::RememberOrigins { root, origins } => crate::trust::remember(&root, &origins),
        Cmd::HistorySearch(query) => {
            let tx = tx.clone();
            match history {
                None => {
                    let _ = tx.send(Msg::HistoryRows(Err(
                        "the history is not available (APISCOPE_HISTORY=off, or it could not be opened)".to_owned(),
                    )));
                }
                Some(h) => h.send(Job::Search {
                    query,
                    limit: 200,
                    reply: Box::new(move |rows| {
                        let _ = tx.send(Msg::HistoryRows(rows));
                    }),
                }),
            }
        }
        Cmd::Token { config, key } => {
            // (A token endpoint may be slow, or wait on another process's
            // refresh: never on the UI thread.)
            let tx = tx.clone();
            std::thread::spawn(move || {
                let result = crate::oauth::token(&config, &key);
                let _ = tx.send(Msg::Token { key, result });
            });
        }
        Cmd::Renew { entry, resolved } => {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let resolved = match crate::oauth::renewed(&resolved) {
                    Ok(Some(r)) => Ok(Box::new(r)),
                    Ok(None) => Err("no token of this session to renew".to_owned()),
                    Err(why) => Err(why),
                };
                let _ = tx.send(Msg::Renewed { entry, resolved });
            });
        }
        Cmd::Cookies => {
            let rows = client.jar().map(|j| j.rows()).unwrap_or_default();
            let _ = tx.send(Msg::Cookies(rows));
        }
        Cmd::CookieDelete(domain, path, name) => {
            if let Some(j) = client.jar() {
                j.remove(&domain, &path, &name);
            }
            let rows = client.jar().map(|j| j.rows()).unwrap_or_default();
            let _ = tx.send(Msg::Cookies(rows));
        }
        Cmd::HistoryLoad(id) => {
            let tx = tx.clone();
            let profiles = profiles.clone();
            match history {
                None => {
                    let _ = tx.send(Msg::HistoryLoaded(Err(
                        "the history is not available".to_owned()
                    )));
                }
                Some(h) => h.send(Job::Get {
                    id,
                    reply: Box::new(move |row| {
                        let loaded = row
                            .and_then(|r| r.ok_or_else(|| format!("history: no exchange {id}")))
                            .map(|(ex, line)| {
                                let d =
                                    decode::diagnose(&ex, &profiles, &decode::Options::default());
                                (Box::new(ex), Box::new(d), line)
                            });
                        let _ = tx.send(Msg::HistoryLoaded(loaded));
                    }),
                }),
            }
        }
        Cmd::Save {
            name,
            overwrite,
            mut exchanges,
            mut diagnoses,
            secrets,
        } => {
            let tx = tx.clone();
            let profiles = profiles.clone();
            // Serialising and redacting megabytes: not on the UI task.
            tokio::task::spawn_blocking(move || {
                redact_values(&mut exchanges, &mut diagnoses, &secrets, &profiles);
                let result = save(&name, overwrite, &exchanges, &diagnoses, &profiles);
                let _ = tx.send(Msg::Saved(result));
            });
        }
        Cmd::WakeAt(at) => {
            let tx = tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let _ = tx.send(Msg::Tick(Instant::now()));
            });
        }
    }
}

/// A collection's secrets redacted by value in exchanges about to be
/// written, whatever carries them; the diagnoses are made again from what
/// is written (a report must not quote what its session hides).
pub fn redact_values(
    exchanges: &mut [crate::model::Exchange],
    diagnoses: &mut Vec<crate::decode::Diagnosis>,
    secrets: &[String],
    profiles: &Profiles,
) {
    if secrets.is_empty() {
        return;
    }
    for x in exchanges.iter_mut() {
        crate::redact::values(x, secrets);
    }
    *diagnoses = decode::diagnose_all(exchanges, profiles, &decode::Options::default());
}

/// What `S` writes: the session, a HAR and the Markdown report of these
/// exchanges, credentials redacted.
pub fn documents(
    name: &str,
    exchanges: &[crate::model::Exchange],
    diagnoses: &[crate::decode::Diagnosis],
    profiles: &Profiles,
) -> (String, String, String) {
    (
        crate::input::session::to_json(Some(name), exchanges, profiles, false),
        crate::input::har::to_json(exchanges, false),
        crate::report::markdown::render(diagnoses),
    )
}

/// Writes `NAME.json`, `NAME.har` and `NAME.md` (redacted) in the sessions
/// directory; the first save of a run never replaces another session of
/// the same name: it takes `NAME-2`, `NAME-3`…
fn save(
    name: &str,
    overwrite: bool,
    exchanges: &[crate::model::Exchange],
    diagnoses: &[crate::decode::Diagnosis],
    profiles: &Profiles,
) -> Result<(String, String), String> {
    let dir = crate::store::sessions_dir()
        .ok_or_else(|| "no user data directory on this system".to_owned())?;
    let taken = |n: &str| {
        ["json", "har", "md"]
            .iter()
            .any(|x| dir.join(format!("{n}.{x}")).exists())
    };
    let mut name = name.to_owned();
    if !overwrite && taken(&name) {
        let base = name.clone();
        name = (2..10_000)
            .map(|i| format!("{base}-{i}"))
            .find(|n| !taken(n))
            .ok_or_else(|| format!("no free name like {base}-N"))?;
    }
    let (session, har, report) = documents(&name, exchanges, diagnoses, profiles);
    let s = dir.join(format!("{name}.json"));
    let h = dir.join(format!("{name}.har"));
    let r = dir.join(format!("{name}.md"));
    crate::store::write_atomic(&s, session.as_bytes()).map_err(|e| e.to_string())?;
    crate::store::write_atomic(&h, har.as_bytes()).map_err(|e| e.to_string())?;
    crate::store::write_atomic(&r, report.as_bytes()).map_err(|e| e.to_string())?;
    Ok((
        name,
        format!(
            "Saved {} (+ .har, .md report; credentials redacted)",
            s.display()
        ),
    ))
}

/// Runs a jq filter in a child process (`apiscope jq-worker FILTER`, the
/// body on stdin), killed if it runs over 20 s or this task is aborted.
async fn run_jq_worker(filter: &str, body: bytes::Bytes) -> Result<Vec<String>, String> {
    use tokio::io::AsyncWriteExt as _;
    let exe = std::env::current_exe().map_err(|e| format!("cannot start the filter: {e}"))?;
    let mut child = tokio::process::Command::new(exe)
        .args(["jq-worker", filter])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the filter: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("cannot start the filter")?;
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&body).await;
    });
    let out = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output()).await;
    writer.abort();
    let out = match out {
        Err(_) => return Err("the filter ran for 20 s and was stopped".into()),
        Ok(Err(e)) => return Err(format!("the filter failed: {e}")),
        Ok(Ok(o)) => o,
    };
    if !out.status.success() {
        return Err(format!(
            "the filter crashed ({}): it probably recursed too deep",
            out.status
        ));
    }
    #[derive(serde::Deserialize)]
    struct Reply {
        ok: Option<Vec<String>>,
        err: Option<String>,
    }
    match serde_json::from_slice::<Reply>(&out.stdout) {
        Ok(Reply { ok: Some(v), .. }) => Ok(v),
        Ok(Reply { err: Some(e), .. }) => Err(e),
        _ => Err("the filter gave no answer".into()),
    }
}

/// Hands the terminal to `$VISUAL`/`$EDITOR` (else `vi`) on a temporary
/// `.json` file holding `text`, then takes it back.
fn external_edit(terminal: &mut ratatui::DefaultTerminal, text: &str) -> Result<String, String> {
    let editor = editor();
    let file = tempfile::Builder::new()
        .prefix("apiscope-body-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("$EDITOR: cannot create a temporary file: {e}"))?;
    std::fs::write(file.path(), text)
        .map_err(|e| format!("$EDITOR: {}: {e}", file.path().display()))?;
    let status = hand_over(
        terminal,
        &format!("{editor} \"$1\""),
        &[file.path().as_os_str()],
    );
    match status {
        Ok(s) if s.success() => std::fs::read_to_string(file.path())
            .map_err(|e| format!("$EDITOR: {}: {e}", file.path().display())),
        Ok(s) => Err(format!(
            "$EDITOR ({editor}) exited with {s}; the body is unchanged"
        )),
        Err(e) => Err(format!("$EDITOR ({editor}) could not start: {e}")),
    }
}

/// Writes a collection file (after the private env file, when there is
/// one to write), only if it still holds `base`; the environments beside
/// it are read again when the env file was written.
pub fn write_collection(
    path: &std::path::Path,
    base: &str,
    text: &str,
    extra: &[(std::path::PathBuf, String)],
) -> (
    editing::WriteResult,
    Option<Box<crate::collection::vars::Environments>>,
) {
    use collection::WriteError;
    // (The extra file is the private env file: 0600, never through a
    // symlink — a token must not land in a tracked file it points to.)
    for (p, t) in extra {
        if let Err(e) = crate::store::write_private(p, t.as_bytes()) {
            return (Err(WriteError::Io(e.to_string())), None);
        }
    }
    let envs = (!extra.is_empty())
        .then(|| {
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            crate::collection::vars::Environments::load(dir, &crate::collection::vars::System)
                .ok()
                .map(Box::new)
        })
        .flatten();
    let result = collection::write_checked(path, base, text).map(|()| text.to_owned());
    (result, envs)
}

/// The collection files watched, with the size and time each had when
/// last seen. A thread looks every 100 ms (a few `stat` calls) and sends `Msg::FileChanged`
/// (with the new text, read off the UI thread) when one changed.
#[derive(Clone, Default)]
struct Watched(Arc<std::sync::Mutex<Vec<WatchedFile>>>);

/// A watched file and how it was when last seen.
type WatchedFile = (std::path::PathBuf, Option<Stamp>);

type Stamp = (std::time::SystemTime, u64);

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

impl Watched {
    /// A `.http` file and the environment files beside it (watched even
    /// before they exist).
    fn add_collection(&self, path: &std::path::Path) {
        self.add(path);
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        for name in collection::ENV_FILES {
            self.add(&dir.join(name));
        }
    }

    fn add(&self, path: &std::path::Path) {
        if let Ok(mut list) = self.0.lock()
            && !list.iter().any(|(p, _)| p == path)
        {
            list.push((path.to_path_buf(), stamp(path)));
        }
    }

    /// This program changed the file: not news.
    fn seen(&self, path: &std::path::Path) {
        if let Ok(mut list) = self.0.lock() {
            for (p, s) in list.iter_mut() {
                if p == path {
                    *s = stamp(path);
                }
            }
        }
    }

    fn spawn(&self, tx: mpsc::UnboundedSender<Msg>) {
        let me = self.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(100));
                // While an editor has the terminal, its saves are taken in
                // when it exits (and what it wrote is marked seen then).
                if INPUT_PAUSED.load(Ordering::Acquire) {
                    continue;
                }
                let changed: Vec<(std::path::PathBuf, Option<Stamp>)> = match me.0.lock() {
                    Ok(list) => list
                        .iter()
                        .filter_map(|(p, s)| {
                            let now = stamp(p);
                            (now != *s && now.is_some()).then(|| (p.clone(), now))
                        })
                        .collect(),
                    Err(_) => break,
                };
                if changed.is_empty() {
                    continue;
                }
                // A file being written (truncated, then filled) is read
                // once it has stopped changing: never half of it.
                std::thread::sleep(Duration::from_millis(30));
                for (path, seen) in changed {
                    if stamp(&path) != seen {
                        continue; // still moving: the next look takes it
                    }
                    // The read rules of every file a collection holds:
                    // a regular file, within the cap (a file swapped for a
                    // FIFO or /dev/zero neither hangs nor fills memory).
                    let Ok(bytes) =
                        crate::collection::vars::read_regular(&path, crate::collection::MAX_FILE)
                    else {
                        continue;
                    };
                    if stamp(&path) != seen {
                        continue;
                    }
                    if let Ok(mut list) = me.0.lock() {
                        for (p, s) in list.iter_mut() {
                            if *p == path {
                                *s = seen;
                            }
                        }
                    }
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    if tx.send(Msg::FileChanged { path, text }).is_err() {
                        return;
                    }
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
    }
}

/// Hands the terminal to `$VISUAL`/`$EDITOR` (else `vi`) on `path` at
/// `line` (`+LINE`, which vi, vim, nvim, nano, emacs, micro and kakoune
/// read), then takes it back; the file's text after.
fn edit_file(
    terminal: &mut ratatui::DefaultTerminal,
    path: &std::path::Path,
    line: usize,
) -> Result<String, String> {
    let editor = editor();
    let line = line.max(1).to_string();
    let status = hand_over(
        terminal,
        &at_line_script(&editor),
        &[std::ffi::OsStr::new(&line), path.as_os_str()],
    );
    match status {
        Ok(_) => std::fs::read(path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) => Err(format!("$EDITOR ({editor}) could not start: {e}")),
    }
}

/// Hands the terminal to `sh -c SCRIPT sh ARGS…` (`$EDITOR` may hold
/// arguments, `code --wait`: it runs through the shell), then takes it
/// back: raw mode, the alternate screen, mouse and paste as before.
fn hand_over(
    terminal: &mut ratatui::DefaultTerminal,
    script: &str,
    args: &[&std::ffi::OsStr],
) -> std::io::Result<std::process::ExitStatus> {
    INPUT_PAUSED.store(true, Ordering::Release);
    // Let the input thread finish its current poll before the editor reads.
    std::thread::sleep(Duration::from_millis(60));
    restore();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args)
        .status();
    *terminal = ratatui::init();
    let _ = execute!(
        std::io::stdout(),
        event::EnableMouseCapture,
        event::EnableBracketedPaste
    );
    let _ = terminal.clear();
    INPUT_PAUSED.store(false, Ordering::Release);
    status
}

/// The shell script opening `$2` at line `$1` in `editor`: `+LINE FILE`
/// (vi, vim, nvim, nano, emacs, micro, kakoune), `--goto FILE:LINE` (VS
/// Code and its builds), `FILE:LINE` (Sublime Text, Zed, Helix).
fn at_line_script(editor: &str) -> String {
    let program = editor
        .split_whitespace()
        .next()
        .map_or("", |p| p.rsplit('/').next().unwrap_or(p));
    match program {
        "code" | "code-insiders" | "codium" | "vscodium" => {
            format!("{editor} --goto \"$2:$1\"")
        }
        "subl" | "zed" | "hx" | "helix" => format!("{editor} \"$2:$1\""),
        _ => format!("{editor} \"+$1\" \"$2\""),
    }
}

/// `$VISUAL`, else `$EDITOR`, else `vi`.
fn editor() -> String {
    std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".into())
}

/// Puts text on the clipboard with OSC 52 (works over SSH and in tmux with
/// `set -g set-clipboard on`).
fn osc52(text: &str) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_editor_is_told_the_line_its_own_way() {
        use super::at_line_script as s;
        assert_eq!(s("vim"), "vim \"+$1\" \"$2\"");
        assert_eq!(s("/usr/bin/nvim"), "/usr/bin/nvim \"+$1\" \"$2\"");
        assert_eq!(s("code --wait"), "code --wait --goto \"$2:$1\"");
        assert_eq!(s("hx"), "hx \"$2:$1\"");
    }
}
