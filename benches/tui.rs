//! TUI speed and memory: `cargo bench --bench tui`.
//!
//! 1. Start-up to first frame: the real release binary in a pseudo-terminal
//!    (util-linux `script`), timed from spawn until its first frame's text
//!    arrives on the terminal; the same pseudo-terminal set-up running
//!    `printf` instead is timed too and subtracted.
//! 2. A 20 MB JSON body: from the response's arrival (decode, then the first
//!    frame drawn on a 160×45 TestBackend), page-down frames on the Body tab,
//!    the jump to the last line, and the peak RSS (`VmHWM`, reset with
//!    `/proc/self/clear_refs` before the response arrives) relative to the
//!    body's size.
//! 3. A 5,000-request `.http` collection (about 1.6 MB): `apiscope open`
//!    to its first frame in the pseudo-terminal (end to end), and in
//!    process: open + first frame, `E` (switch environment, resolve the
//!    selected request, draw), and taking in an edit made on disk
//!    (re-parse, rebuild the list keeping responses, draw).

mod common;

use apiscope::decode::{self, Options, Profiles};
use apiscope::model::{Exchange, Headers, Request, Response};
use apiscope::tui::app::{App, Cmd, Entry, Msg};
use apiscope::tui::theme::Theme;
use apiscope::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A `kB` line of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
fn proc_status(field: &str) -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resets the peak RSS (VmHWM) to the current RSS (Linux: `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

const MB: f64 = 1024.0 * 1024.0;

fn main() {
    startup();
    large_body();
    collection();
}

/// The 5,000-request collection of `benches/decode.rs`, with two
/// environments, in a temporary directory.
fn big_collection() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let http = common::http_5000();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("http-client.env.json"),
        r#"{"dev": {"user": "ann"}, "prod": {"user": "bob"}, "$shared": {"token": "tok_FAKE"}}"#,
    )
    .expect("env file");
    let path = dir.path().join("big.http");
    std::fs::write(&path, &http).expect("collection");
    (dir, path, http)
}

fn collection() {
    let (_dir, path, http) = big_collection();
    println!(
        "collection: {} requests, {:.1} MB",
        5_000,
        http.len() as f64 / MB
    );
    // End to end: the release binary opening it, to its first frame.
    let bin = env!("CARGO_BIN_EXE_apiscope");
    if Command::new("script").arg("--version").output().is_ok() {
        let runs = 15;
        let cmd = format!("{bin} open {} --env dev", path.display());
        let mut open = Vec::new();
        let mut base = Vec::new();
        for _ in 0..runs {
            if let Some(d) = time_to_marker(&cmd, b"boards/0/cards") {
                open.push(d);
            }
            if let Some(d) = time_to_marker("printf '? help'", b"? help") {
                base.push(d);
            }
        }
        if !open.is_empty() && !base.is_empty() {
            let (a, b) = (median(open), median(base));
            println!(
                "  apiscope open (end to end, median of {runs}): {:.1} ms to the first frame; apiscope's own {:.1} ms",
                a.as_secs_f64() * 1e3,
                a.saturating_sub(b).as_secs_f64() * 1e3
            );
        }
    }
    let theme = Theme::load("dark", false).expect("theme");
    let profiles = Arc::new(Profiles::built_in());
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("terminal");
    let runs = 11;
    let mut first = Vec::new();
    let mut env = Vec::new();
    let mut reload = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        let c = apiscope::tui::collection::Collections::open(&path, Some("dev")).expect("opens");
        let mut app = App::new(c.entries(), profiles.clone(), Instant::now());
        app.collection = Some(c);
        app.focus = apiscope::tui::app::Focus::List;
        term.draw(|f| view::render(&mut app, &theme, f))
            .expect("draw");
        first.push(t.elapsed());
        // Somewhere in the middle of the list.
        for _ in 0..2_500 {
            app.update(key(KeyCode::Char('j')));
        }
        term.draw(|f| view::render(&mut app, &theme, f))
            .expect("draw");
        let t = Instant::now();
        app.update(key(KeyCode::Char('E')));
        let c = app.collection.as_ref().expect("collection");
        std::hint::black_box(c.resolve(0, 2_500).expect("resolves"));
        term.draw(|f| view::render(&mut app, &theme, f))
            .expect("draw");
        env.push(t.elapsed());
        // Another program changed one request.
        let edited = http.replace(
            "/boards/4999/cards",
            &format!("/boards/4999/cards?run={run}"),
        );
        let t = Instant::now();
        app.update(Msg::FileChanged {
            path: path.clone(),
            text: edited,
        });
        term.draw(|f| view::render(&mut app, &theme, f))
            .expect("draw");
        reload.push(t.elapsed());
        assert_eq!(app.current().label.as_deref(), Some("r2500"));
    }
    let ms = |v: Vec<Duration>| median(v).as_secs_f64() * 1e3;
    println!(
        "  in process (160x45 TestBackend, median of {runs}): open + first frame {:.1} ms · E (switch environment, resolve, draw) {:.2} ms · an edit on disk taken in (parse, rebuild, draw) {:.1} ms",
        ms(first),
        ms(env),
        ms(reload)
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Time from spawning `command` in a 160×45 pseudo-terminal until `marker`
/// shows in its output.
fn time_to_marker(command: &str, marker: &[u8]) -> Option<Duration> {
    let t0 = Instant::now();
    let mut child = Command::new("script")
        .args([
            "-qfec",
            &format!("stty rows 45 cols 160; exec {command}"),
            "/dev/null",
        ])
        .env(
            "APISCOPE_CONFIG_DIR",
            std::env::temp_dir().join("apiscope-bench-empty"),
        )
        .env(
            "APISCOPE_DATA_DIR",
            std::env::temp_dir().join("apiscope-bench-empty"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut out = child.stdout.take()?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    let mut found = None;
    let deadline = t0 + Duration::from_secs(5);
    while Instant::now() < deadline {
        let n = out.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
        if seen.windows(marker.len()).any(|w| w == marker) {
            found = Some(t0.elapsed());
            break;
        }
    }
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"q");
    }
    let _ = child.kill();
    let _ = child.wait();
    found
}

fn startup() {
    let bin = env!("CARGO_BIN_EXE_apiscope");
    if Command::new("script").arg("--version").output().is_err() {
        println!("startup: skipped (util-linux `script` not installed)");
        return;
    }
    let runs = 30;
    let mut app = Vec::new();
    let mut base = Vec::new();
    for _ in 0..runs {
        // The status line is the last thing the first frame writes.
        if let Some(d) = time_to_marker(bin, b"Ctrl-Z undo") {
            app.push(d);
        }
        if let Some(d) = time_to_marker("printf 'Ctrl-Z undo'", b"Ctrl-Z undo") {
            base.push(d);
        }
    }
    if app.is_empty() || base.is_empty() {
        println!("startup: no measurement (the first frame never showed)");
        return;
    }
    let (a, b) = (median(app), median(base));
    println!(
        "startup to first frame (160x45, median of {runs}): {:.1} ms; pty + shell set-up alone {:.1} ms; apiscope's own {:.1} ms",
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        a.saturating_sub(b).as_secs_f64() * 1e3
    );
}

/// A 20 MB JSON body shaped like a real API's list response.
fn body_20mb() -> Vec<u8> {
    let mut s = String::with_capacity(21 << 20);
    s.push_str("{\"data\":[");
    let mut i = 0u64;
    while s.len() < 20 << 20 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"id\":\"brd_{i:08}\",\"name\":\"Board number {i}\",\"archived\":{},\"members\":[{},{}],\"createdAt\":\"2026-01-01T00:00:{:02}Z\",\"owner\":{{\"id\":{},\"email\":\"user{i}@example.com\"}}}}",
            i.is_multiple_of(7),
            i % 100,
            i % 37,
            i % 60,
            i * 31 % 1000
        ));
        i += 1;
    }
    s.push_str("],\"meta\":{\"page\":1,\"page_size\":");
    s.push_str(&i.to_string());
    s.push_str("}}");
    s.into_bytes()
}

fn key(c: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn large_body() {
    let theme = Theme::load("dark", true).expect("dark theme");
    let profiles = Arc::new(Profiles::built_in());
    let body = body_20mb();
    let size = body.len();
    let mut headers = Headers::new();
    headers.push("Content-Type", "application/json");
    let exchange = Exchange {
        request: Some(Request {
            method: "GET".into(),
            url: Some("https://api.example.com/v1/boards".into()),
            headers: Headers::new(),
            body: bytes::Bytes::new(),
        }),
        response: Response {
            version: Some("HTTP/1.1".into()),
            status: Some(200),
            reason: Some("OK".into()),
            headers,
            body: body.into(),
            notes: Vec::new(),
        },
        timing: Default::default(),
        failure: None,
        dialect: None,
    };
    let mut app = App::new(
        vec![Entry::new("GET https://api.example.com/v1/boards", None)],
        profiles.clone(),
        Instant::now(),
    );
    let Some(Cmd::Send { id, .. }) = app.update(key(KeyCode::Enter)).into_iter().next() else {
        panic!("Enter did not send");
    };
    let mut term = Terminal::new(TestBackend::new(160, 45)).expect("test backend");

    let before = proc_status("VmRSS:");
    reset_peak_rss();
    let arrived = Instant::now();
    // What the send task does off the UI thread.
    let d = decode::diagnose(&exchange, &profiles, &Options::default());
    let decoded = arrived.elapsed();
    app.update(Msg::Response {
        id,
        exchange: Box::new(exchange),
        diagnosis: Box::new(d),
        at: Instant::now(),
    });
    term.draw(|f| view::render(&mut app, &theme, f))
        .expect("draw");
    let first = arrived.elapsed();
    app.update(key(KeyCode::Char('2')));
    let t = Instant::now();
    term.draw(|f| view::render(&mut app, &theme, f))
        .expect("draw");
    let body_tab = t.elapsed();

    let pages = 300;
    let mut frames = Vec::with_capacity(pages);
    for _ in 0..pages {
        let t = Instant::now();
        app.update(key(KeyCode::PageDown));
        term.draw(|f| view::render(&mut app, &theme, f))
            .expect("draw");
        frames.push(t.elapsed());
    }
    let t = Instant::now();
    app.update(key(KeyCode::Char('G')));
    term.draw(|f| view::render(&mut app, &theme, f))
        .expect("draw");
    let to_end = t.elapsed();
    let mut tail = Vec::with_capacity(pages);
    for _ in 0..pages {
        let t = Instant::now();
        app.update(key(KeyCode::PageUp));
        term.draw(|f| view::render(&mut app, &theme, f))
            .expect("draw");
        tail.push(t.elapsed());
    }
    let total_peak = proc_status("VmHWM:");
    let peak = total_peak.saturating_sub(before);

    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let worst = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    println!(
        "20 MB JSON body ({:.1} MB): decode {:.1} ms; first frame {:.1} ms after arrival (decode included); Body tab first frame {:.2} ms",
        size as f64 / MB,
        ms(decoded),
        ms(first),
        ms(body_tab)
    );
    println!(
        "  page-down x{pages}: median {:.2} ms, worst {:.2} ms a frame; G (index all lines) {:.0} ms; page-up near the end: median {:.2} ms, worst {:.2} ms",
        ms(median(frames.clone())),
        ms(worst(&frames)),
        ms(to_end),
        ms(median(tail.clone())),
        ms(worst(&tail))
    );
    println!(
        "  memory: peak RSS {:.1} MB above the body already held ({:.2}x the body); whole process peak RSS {:.1} MB = {:.2}x the body",
        peak as f64 / MB,
        peak as f64 / size as f64,
        total_peak as f64 / MB,
        total_peak as f64 / size as f64
    );
}
