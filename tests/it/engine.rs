//! One engine for the CLI and the TUI: the same requests for the same
//! server from `send --paginate`, `replay --live` and the TUI's `A`; the
//! credential rule on a change of origin; the 429 cap; offline files that
//! send nothing without asking; copy-as-curl that keeps the mask.

use crate::common;

use apiscope::decode::{self, Options, Profiles};
use apiscope::demo::{self, DemoConfig, Logged, Rate};
use apiscope::input::{self, BareBody};
use apiscope::tui::app::{App, Cmd, Entry, Msg, Origin};
use apiscope::tui::modal::Modal;
use common::apiscope;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

/// Feeds a canned response to the request `Cmd::Send` asked for.
fn respond(
    app: &mut App,
    id: u64,
    request: apiscope::model::Request,
    raw: &str,
    at: Instant,
) -> Vec<Cmd> {
    let mut ex = input::read_bytes(raw.as_bytes(), "fixture", &BareBody::default())
        .unwrap()
        .remove(0);
    ex.request = Some(request);
    let d = decode::diagnose(&ex, &app.profiles, &Options::default());
    app.update(Msg::Response {
        id,
        exchange: Box::new(ex),
        diagnosis: Box::new(d),
        at,
    })
}

fn sends(cmds: &[Cmd]) -> Vec<(u64, apiscope::model::Request)> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::Send { id, request, .. } => Some((*id, request.clone())),
            _ => None,
        })
        .collect()
}

const CREDENTIALED: &str = "GET https://api.a.example/v1/items?access_token=FAKE_QUERY_TOKEN 'Authorization:Bearer FAKE_BEARER' 'X-Api-Key:FAKE_API_KEY' 'PRIVATE-TOKEN:FAKE_PRIVATE' 'X-Auth-Token:FAKE_AUTH' 'Cookie:sid=FAKE_COOKIE'";

/// A first page whose Link points to another host, repeating our query
/// token (as some servers do).
fn cross_origin_page(next_host: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLink: <https://{next_host}/v1/items?access_token=FAKE_QUERY_TOKEN&page=2>; rel=\"next\"\r\n\r\n[{{\"id\":1}}]"
    )
}

fn no_credential(req: &apiscope::model::Request) {
    for name in [
        "authorization",
        "x-api-key",
        "private-token",
        "x-auth-token",
        "cookie",
    ] {
        assert!(
            req.headers.get(name).is_none(),
            "{name} went to another host: {req:?}"
        );
    }
    let url = req.url.as_deref().unwrap();
    assert!(!url.contains("FAKE_QUERY_TOKEN"), "{url}");
    assert!(url.contains("page=2"), "{url}");
}

fn app_after_first_page(next_host: &str) -> App {
    let mut app = common::app(vec![Entry::new(CREDENTIALED, Some("items"))]);
    let cmds = app.update(key(KeyCode::Enter));
    let (id, req) = sends(&cmds).remove(0);
    assert_eq!(req.headers.get("x-api-key"), Some("FAKE_API_KEY"));
    let now = app.now;
    respond(&mut app, id, req, &cross_origin_page(next_host), now);
    app
}

#[test]
fn a_link_to_another_host_gets_no_credential_in_p_and_a() {
    for k in ['p', 'A'] {
        let mut app = app_after_first_page("api.b.example");
        let cmds = app.update(ch(k));
        let (_, req) = sends(&cmds)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{k} sent nothing: {cmds:?}"));
        assert_eq!(
            req.url.as_deref(),
            Some("https://api.b.example/v1/items?page=2")
        );
        no_credential(&req);
        // The user is told, and the new entry's line shows no credential.
        assert!(
            app.flash
                .as_deref()
                .unwrap_or("")
                .contains("not sent to api.b.example"),
            "{:?}",
            app.flash
        );
        assert!(
            !app.entries[1].line.contains("FAKE"),
            "{}",
            app.entries[1].line
        );
    }
    // The same origin keeps every credential.
    let mut app = app_after_first_page("api.a.example");
    let (_, req) = sends(&app.update(ch('p'))).remove(0);
    assert_eq!(req.headers.get("private-token"), Some("FAKE_PRIVATE"));
    assert_eq!(req.headers.get("cookie"), Some("sid=FAKE_COOKIE"));
}

#[test]
fn the_tui_caps_429_retries() {
    let mut app = app_after_first_page("api.a.example");
    let mut cmds = app.update(ch('A'));
    let mut sent = 0;
    let limited = "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\n\r\n{\"message\":\"slow down\"}";
    // Bounded: the cap is 8 retries; 50 rounds are far more than enough.
    for _ in 0..50 {
        let now = app.now;
        if let Some((id, req)) = sends(&cmds).into_iter().next() {
            sent += 1;
            cmds = respond(&mut app, id, req, limited, now);
        } else if let Some(Cmd::WakeAt(at)) = cmds.iter().find(|c| matches!(c, Cmd::WakeAt(_))) {
            cmds = app.update(Msg::Tick(*at));
        } else {
            break;
        }
    }
    assert_eq!(sent, 9, "one try and 8 retries");
    assert!(app.activity.is_none());
    assert!(
        app.flash
            .as_deref()
            .unwrap_or("")
            .contains("429s kept coming"),
        "{:?}",
        app.flash
    );
}

fn opened_app(authorization: &str) -> App {
    let raw = "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"UNAUTHENTICATED\",\"message\":\"No token\",\"status\":401}}";
    let mut ex = input::read_bytes(raw.as_bytes(), "t", &BareBody::default())
        .unwrap()
        .remove(0);
    let mut h = apiscope::model::Headers::new();
    h.push("Authorization", authorization);
    ex.request = Some(apiscope::model::Request {
        method: "GET".into(),
        url: Some("https://api.customer.example/v1/boards".into()),
        headers: h,
        body: Default::default(),
    });
    let profiles = Arc::new(Profiles::built_in());
    let d = decode::diagnose(&ex, &profiles, &Options::default());
    let mut app = common::app(vec![Entry::recorded(
        ex,
        Some(d),
        Origin::Recorded {
            file: "ticket.har".into(),
        },
    )]);
    app.open_first_failure(0);
    app
}

#[test]
fn an_opened_file_sends_nothing_without_asking_and_keeps_the_recording() {
    for k in [KeyCode::Enter, KeyCode::Char('r')] {
        // A credential the file redacted is never sent: said up front.
        let mut app = opened_app("Bearer imb_pat_REDACTED");
        let cmds = app.update(key(k));
        assert!(sends(&cmds).is_empty());
        assert!(app.modal.is_none());
        let flash = app.flash.clone().unwrap_or_default();
        assert!(flash.contains("Authorization holds REDACTED"), "{flash}");
        // A real one (a file saved with --keep-secrets) asks first.
        let mut app = opened_app("Bearer imb_pat_FAKE_CUSTOMER");
        let cmds = app.update(key(k));
        assert!(sends(&cmds).is_empty(), "{k:?} sent without asking");
        let Some(Modal::Confirm(c)) = &app.modal else {
            panic!("no question for {k:?}");
        };
        let text = c.lines.join("\n");
        assert!(text.contains("api.customer.example"), "{text}");
        assert!(text.contains("WOULD BE SENT"), "{text}");
        // Any key but y: nothing.
        let cmds = app.update(ch('n'));
        assert!(sends(&cmds).is_empty());
        assert_eq!(app.flash.as_deref(), Some("Nothing sent"));
        // y: sent, into a new entry; the recording stays as it was.
        app.update(key(k));
        let cmds = app.update(ch('y'));
        let (id, req) = sends(&cmds).remove(0);
        assert_eq!(app.entries.len(), 2);
        let now = app.now;
        respond(
            &mut app,
            id,
            req,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"data\":[]}",
            now,
        );
        assert_eq!(
            app.entries[0].diagnosis.as_ref().unwrap().status,
            Some(401),
            "the recording was replaced"
        );
        assert_eq!(app.entries[1].diagnosis.as_ref().unwrap().status, Some(200));
        assert!(
            app.entries[1]
                .label
                .as_deref()
                .unwrap()
                .starts_with("live: ")
        );
    }
}

#[test]
fn copy_as_curl_with_mask_on_holds_no_secret() {
    let mut app = common::app(vec![Entry::new(CREDENTIALED, None)]);
    app.update(ch('m'));
    let cmds = app.update(ch('c'));
    let Some(Cmd::Copy(text)) = cmds.first() else {
        panic!("{cmds:?}");
    };
    for secret in [
        "FAKE_BEARER",
        "FAKE_API_KEY",
        "FAKE_PRIVATE",
        "FAKE_AUTH",
        "FAKE_COOKIE",
        "FAKE_QUERY_TOKEN",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains("REDACTED"), "{text}");
    app.update(ch('m'));
    let Some(Cmd::Copy(text)) = app.update(ch('c')).into_iter().next() else {
        panic!();
    };
    assert!(text.contains("FAKE_BEARER"), "{text}");
}

/// The requests a run left in the demo server's log: (method, target,
/// credential), and the log emptied.
fn take(log: &Arc<Mutex<Vec<Logged>>>) -> Vec<(String, String, Option<String>)> {
    std::mem::take(&mut *log.lock().unwrap())
        .into_iter()
        .map(|l| {
            let auth = l
                .headers
                .iter()
                .find(|(k, _)| k == "authorization")
                .map(|(_, v)| v.clone());
            (l.method, l.target, auth)
        })
        .collect()
}

/// Runs the TUI's app against a real server: its `Cmd`s executed, its
/// responses fed back, until nothing is left to do (bounded).
fn drive_tui(
    app: &mut App,
    rt: &tokio::runtime::Runtime,
    client: &apiscope::http::Client,
    mut cmds: Vec<Cmd>,
) {
    let profiles = app.profiles.clone();
    for _ in 0..500 {
        let mut next = Vec::new();
        let mut progressed = false;
        for cmd in cmds {
            match cmd {
                Cmd::Send { id, request, .. } => {
                    let ex = rt.block_on(client.send(&request));
                    let d = decode::diagnose(&ex, &profiles, &Options::default());
                    next.extend(app.update(Msg::Response {
                        id,
                        exchange: Box::new(ex),
                        diagnosis: Box::new(d),
                        at: Instant::now(),
                    }));
                    progressed = true;
                }
                Cmd::WakeAt(at) => {
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                    next.extend(app.update(Msg::Tick(Instant::now())));
                    progressed = true;
                }
                _ => {}
            }
        }
        if !progressed {
            return;
        }
        cmds = next;
    }
    panic!("the TUI's run did not end");
}

#[test]
fn send_paginate_replay_live_and_the_tui_send_the_same_requests() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let log: Arc<Mutex<Vec<Logged>>> = Default::default();
    let server = rt
        .block_on(demo::start(
            None,
            DemoConfig {
                rate: Some(Rate {
                    limit: 1000,
                    window_s: 60,
                }),
                log: Some(log.clone()),
            },
        ))
        .unwrap();
    // `:PORT` means localhost; the demo's links follow the Host asked for,
    // so every page stays on the origin and keeps its credential.
    let port = server.addr.port();
    let first = format!(":{port}/coded/v1/projects");
    let dir = tempfile::tempdir().unwrap();
    let session = dir.path().join("pages.json");

    let run = apiscope(
        &[
            "send",
            &first,
            "page_size==100",
            "Authorization:Bearer coded_demo_token",
            "--paginate",
            "--format",
            "json",
            "--save",
            session.to_str().unwrap(),
            "--keep-secrets",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let paginate = take(&log);
    assert_eq!(paginate.len(), 20, "{paginate:#?}");
    assert!(
        paginate
            .iter()
            .all(|(_, _, a)| a.as_deref() == Some("Bearer coded_demo_token"))
    );

    let run = apiscope(
        &["replay", session.to_str().unwrap(), "--live", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let replay = take(&log);

    let mut app = common::app(vec![Entry::new(
        &format!("GET {first} page_size==100 'Authorization:Bearer coded_demo_token'"),
        None,
    )]);
    let client = apiscope::http::Client::new(Default::default()).unwrap();
    let cmds = app.update(key(KeyCode::Enter));
    drive_tui(&mut app, &rt, &client, cmds);
    let cmds = app.update(ch('A'));
    drive_tui(&mut app, &rt, &client, cmds);
    let tui = take(&log);

    assert_eq!(replay, paginate);
    assert_eq!(tui, paginate);
    assert!(
        app.flash.as_deref().unwrap_or("").contains("last page"),
        "{:?}",
        app.flash
    );
    rt.block_on(server.stop());
    let _ = Duration::ZERO;
}

#[test]
fn copy_as_curl_pasted_into_sh_sends_the_same_request() {
    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipping: curl is not installed");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let log: Arc<Mutex<Vec<Logged>>> = Default::default();
    let server = rt
        .block_on(demo::start(
            None,
            DemoConfig {
                rate: None,
                log: Some(log.clone()),
            },
        ))
        .unwrap();
    let base = server.base_url();
    // Everything a shell would misread unquoted: & ? * $ ' ! and spaces.
    let line = format!(
        "POST '{base}/errors-array/v1/contacts?x=1&y=a*b' 'Authorization:Bearer errors_array_demo_key' \"name=O'Brien & co \\$HOME!\" email=a@b.c 'X-Note:it'\\''s $PATH *'"
    );
    let mut app = common::app(vec![Entry::new(&line, None)]);
    let Some(Cmd::Copy(command)) = app.update(ch('c')).into_iter().next() else {
        panic!("c copied nothing");
    };
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} -s -o /dev/null"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{command}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let via_curl = std::mem::take(&mut *log.lock().unwrap()).remove(0);
    let request = App::parse_line(&line).unwrap();
    let client = apiscope::http::Client::new(Default::default()).unwrap();
    rt.block_on(client.send(&request));
    let via_apiscope = std::mem::take(&mut *log.lock().unwrap()).remove(0);
    assert_eq!(via_curl.method, via_apiscope.method);
    assert_eq!(via_curl.target, via_apiscope.target);
    assert_eq!(via_curl.body, via_apiscope.body);
    let header = |l: &Logged, n: &str| {
        l.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    for name in ["authorization", "x-note", "content-type", "accept"] {
        assert_eq!(
            header(&via_curl, name),
            header(&via_apiscope, name),
            "{name}\n{command}"
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&via_curl.body),
        r#"{"name":"O'Brien & co $HOME!","email":"a@b.c"}"#
    );
    rt.block_on(server.stop());
}

const CHAINED: &str = "# @name login\nPOST {{host}}/login\nContent-Type: application/json\n\n{\"user\": \"ann\"}\n\n###\n# @name me\nGET {{host}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\n";

/// Runs the TUI's app against real servers on a virtual clock: a wake-up
/// comes at once, "now" jumps to it (no test sleeps through a
/// Retry-After).
fn drive_virtual(app: &mut App, rt: &tokio::runtime::Runtime, mut cmds: Vec<Cmd>) {
    let client = apiscope::http::Client::new(Default::default()).unwrap();
    let profiles = app.profiles.clone();
    let mut now = app.now;
    for _ in 0..200 {
        let mut next = Vec::new();
        for cmd in std::mem::take(&mut cmds) {
            match cmd {
                Cmd::Send { id, request, .. } => {
                    let ex = rt.block_on(client.send(&request));
                    let d = decode::diagnose(&ex, &profiles, &Options::default());
                    next.extend(app.update(Msg::Response {
                        id,
                        exchange: Box::new(ex),
                        diagnosis: Box::new(d),
                        at: now,
                    }));
                }
                Cmd::WakeAt(at) => {
                    now = now.max(at);
                    next.extend(app.update(Msg::Tick(now)));
                }
                _ => {}
            }
        }
        if next.is_empty() {
            return;
        }
        cmds = next;
    }
    panic!("the TUI's run did not end");
}

fn collection_dir(dev: &str, staging: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.http"), CHAINED).unwrap();
    std::fs::write(
        dir.path().join("http-client.env.json"),
        format!(r#"{{"dev": {{"host": "{dev}"}}, "staging": {{"host": "{staging}"}}}}"#),
    )
    .unwrap();
    dir
}

/// Enter, and y to the question a collection's send asks first (a
/// dependency to a local address), as a person would.
fn enter_and_confirm(app: &mut App) -> Vec<Cmd> {
    let mut cmds = app.update(key(KeyCode::Enter));
    if matches!(app.modal, Some(Modal::Confirm(_))) {
        cmds.extend(app.update(ch('y')));
    }
    cmds
}

fn tui_on(dir: &std::path::Path) -> App {
    common::collection_app(&dir.join("api.http"), Some("dev"))
}

#[test]
fn a_chained_request_whose_login_answers_429_sends_the_same_from_the_cli_and_the_tui() {
    let server = common::login_api("dev");
    let dir = collection_dir(&server.base, "http://127.0.0.1:9");
    // The CLI: login (429), login again after Retry-After, then me.
    let file = format!("{}#me", dir.path().join("api.http").display());
    // (--yes: `login` is sent first to a local address, a question.)
    let run = apiscope(
        &["send", &file, "--env", "dev", "--format", "json", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("sending 'login' first"),
        "{}",
        run.stderr
    );
    let cli = common::seen(&server);
    assert_eq!(
        cli,
        [
            ("POST /login HTTP/1.1".to_owned(), None),
            ("POST /login HTTP/1.1".to_owned(), None),
            (
                "GET /me HTTP/1.1".to_owned(),
                Some("Bearer tok_dev_FAKE".to_owned())
            ),
        ]
    );
    // The TUI: Enter on `me`, every Cmd carried out.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut app = tui_on(dir.path());
    app.update(ch('j'));
    let cmds = enter_and_confirm(&mut app);
    drive_virtual(&mut app, &rt, cmds);
    assert_eq!(common::seen(&server), cli);
    assert_eq!(app.current().label.as_deref(), Some("me"));
    assert_eq!(
        app.current().diagnosis.as_ref().and_then(|d| d.status),
        Some(200)
    );
}

#[test]
fn a_request_answered_429_itself_is_sent_once_by_send_and_by_enter_alike() {
    // The goal itself (not a dependency) answers 429: `send FILE#NAME`
    // and Enter both show that answer (the diagnosis says when to retry);
    // neither sends it again on its own. (Dependencies, and every request
    // of replay --live and test, are waited out: see above.)
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = common::login_api("dev");
    let dir = collection_dir(&server.base, "http://127.0.0.1:9");
    let file = format!("{}#login", dir.path().join("api.http").display());
    let run = apiscope(
        &["send", &file, "--env", "dev", "--format", "json", "--yes"],
        b"",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json_lines()[0]["status"], 429);
    let cli = common::seen(&server);
    assert_eq!(cli.len(), 1, "{cli:?}");
    let server = common::login_api("dev");
    let dir = collection_dir(&server.base, "http://127.0.0.1:9");
    let mut app = tui_on(dir.path());
    let cmds = enter_and_confirm(&mut app);
    drive_virtual(&mut app, &rt, cmds);
    assert_eq!(common::seen(&server), cli);
    assert_eq!(
        app.current().diagnosis.as_ref().and_then(|d| d.status),
        Some(429)
    );
}

#[test]
fn switching_environment_sends_login_again_to_the_new_host() {
    let (dev, staging) = (common::login_api("dev"), common::login_api("staging"));
    let dir = collection_dir(&dev.base, &staging.base);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut app = tui_on(dir.path());
    app.update(ch('j'));
    let cmds = enter_and_confirm(&mut app);
    drive_virtual(&mut app, &rt, cmds);
    let on_dev = common::seen(&dev);
    assert_eq!(on_dev.len(), 3, "{on_dev:?}");
    assert_eq!(on_dev[2].1.as_deref(), Some("Bearer tok_dev_FAKE"));
    // E: staging. The dev login's token never goes to staging.
    app.update(ch('E'));
    assert_eq!(app.collection.as_ref().unwrap().env(), Some("staging"));
    let cmds = enter_and_confirm(&mut app);
    drive_virtual(&mut app, &rt, cmds);
    assert!(common::seen(&dev).is_empty());
    let on_staging = common::seen(&staging);
    assert_eq!(
        on_staging
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        [
            "POST /login HTTP/1.1",
            "POST /login HTTP/1.1",
            "GET /me HTTP/1.1"
        ]
    );
    assert_eq!(on_staging[2].1.as_deref(), Some("Bearer tok_staging_FAKE"));
    // Back to dev: its login's answer is still there; only `me` goes.
    app.update(ch('E'));
    app.update(ch('E'));
    assert_eq!(app.collection.as_ref().unwrap().env(), Some("dev"));
    let cmds = enter_and_confirm(&mut app);
    drive_virtual(&mut app, &rt, cmds);
    assert_eq!(
        common::seen(&dev),
        [(
            "GET /me HTTP/1.1".to_owned(),
            Some("Bearer tok_dev_FAKE".to_owned())
        )]
    );
}
