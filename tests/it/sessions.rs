//! Sessions, replay and redaction: `send --save` → session → `decode` /
//! `replay` give the same diagnosis; `replay --live/--check` against the
//! real demo server; HAR import → session → HAR export; no credential of a
//! fixture in any written file unless asked.

use crate::common;

use apiscope::decode::{self, Options, Profiles};
use apiscope::input::{self, har, session};
use common::{Demo, apiscope};
use serde_json::Value;
use std::process::{Command, Stdio};

/// The fixture's credentials: none may appear in a redacted file.
const SECRETS: &[&str] = &[
    "imb_pat_DEMO_FAKE_TOKEN",
    "DEMO_FAKE_BOARD_KEY",
    "DEMO_FAKE_TOKEN",
    "DEMO_FAKE_KEY",
    "FAKE_COOKIE_VALUE",
    "FAKE_URL_TOKEN",
];

fn run_with_data_dir(args: &[&str], data: &std::path::Path) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .args(args)
        .env("APISCOPE_DATA_DIR", data)
        .env("APISCOPE_CONFIG_DIR", data.join("config"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run apiscope");
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_lines(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn send_save_then_decode_and_replay_give_the_same_diagnosis() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/envelope/v1/boards", demo.base);
    // No Bearer prefix: a 401 with a finding that must survive redaction.
    for (name, auth) in [
        ("bad", "Authorization:imb_pat_demo"),
        ("good", "Authorization:Bearer imb_pat_demo"),
    ] {
        let sent = run_with_data_dir(
            &[
                "send", &url, "limit==2", auth, "--format", "json", "--save", name,
            ],
            dir.path(),
        );
        assert!(sent.code <= 1, "{}", sent.stderr);
        let saved = dir.path().join(format!("sessions/{name}.json"));
        let text = std::fs::read_to_string(&saved).expect("the session was saved");
        assert!(!text.contains("imb_pat_demo"), "token in {text}");
        assert!(text.contains("imb_pat_REDACTED"));
        let mut live = json_lines(&sent.stdout);
        // Offline, decode and replay agree with what send printed (the
        // rate-limit reset is the same header; nothing depends on now).
        for args in [
            vec!["decode", saved.to_str().unwrap(), "--format", "json"],
            vec!["replay", name, "--format", "json"],
        ] {
            let back = run_with_data_dir(&args, dir.path());
            assert_eq!(back.code, sent.code, "{args:?}: {}", back.stderr);
            let mut again = json_lines(&back.stdout);
            for d in live.iter_mut().chain(again.iter_mut()) {
                d["rate_limit"]["reset_at"] = Value::Null;
            }
            assert_eq!(again, live, "{args:?}");
        }
        if name == "bad" {
            assert!(
                live[0]["findings"][0]
                    .as_str()
                    .unwrap()
                    .contains("lacks the 'Bearer ' prefix")
            );
        }
    }
}

#[test]
fn replay_check_compares_recorded_and_live() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let p = path.to_str().unwrap();
    let sent = apiscope(
        &[
            "send",
            &format!("{}/coded/v1/projects/nope", demo.base),
            "Authorization:Bearer coded_demo_token",
            "--save",
            p,
            "--keep-secrets",
        ],
        b"",
    );
    assert_eq!(sent.code, 1, "{}", sent.stderr);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("coded_demo_token")
    );

    let same = apiscope(&["replay", p, "--check", "--yes"], b"");
    assert_eq!(same.code, 0, "{}{}", same.stdout, same.stderr);
    assert!(
        same.stdout.contains("404 coded 5000  404 coded 5000  same"),
        "{}",
        same.stdout
    );

    // The recorded response said 500: the live 404 differs.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    doc["exchanges"][0]["response"]["status"] = 500.into();
    std::fs::write(&path, doc.to_string()).unwrap();
    let differ = apiscope(&["replay", p, "--check", "--yes", "--format", "json"], b"");
    assert_eq!(differ.code, 1, "{}", differ.stderr);
    let rows = differ.json_lines();
    assert_eq!(rows[0]["same"], false);
    assert_eq!(rows[0]["recorded"]["status"], 500);
    assert_eq!(rows[0]["live"]["code"], "5000");

    // Without --yes it asks, listing the host; no answer sends nothing…
    let refused = apiscope(&["replay", p, "--live"], b"");
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains("send 1 request(s) to 127.0.0.1:"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    // …and "y" sends.
    let yes = apiscope(&["replay", p, "--live", "--format", "json"], b"y\n");
    assert_eq!(yes.code, 1, "{}", yes.stderr);
    assert_eq!(yes.json_lines()[0]["status"], 404);
}

#[test]
fn replay_live_sends_a_curl_command_file() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ticket.sh");
    std::fs::write(
        &path,
        format!(
            "curl '{0}/aptly/api/boards/b1/cards' \\\n  -H 'x-token: aptly_demo_key_b2' \\\n  --compressed\ncurl '{0}/aptly/api/boards/b1/cards' -H 'x-token: aptly_demo_key_b1'\n",
            demo.base
        ),
    )
    .unwrap();
    let p = path.to_str().unwrap();
    // Offline there is nothing recorded: it says what --live would send.
    let offline = apiscope(&["replay", p], b"");
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert!(
        offline
            .stdout
            .contains("2 request(s), no recorded response"),
        "{}",
        offline.stdout
    );
    assert!(offline.stdout.contains("--live"), "{}", offline.stdout);
    assert!(
        offline.stdout.contains("GET http://127.0.0.1:"),
        "{}",
        offline.stdout
    );
    // decode says what to do with a curl command.
    let decode = apiscope(&["decode", p], b"");
    assert_eq!(decode.code, 2);
    assert!(decode.stderr.contains("replay"), "{}", decode.stderr);

    let live = apiscope(&["replay", p, "--live", "--yes", "--format", "json"], b"");
    assert_eq!(live.code, 1, "{}", live.stderr);
    let ds = live.json_lines();
    assert_eq!(ds.len(), 2);
    assert_eq!(ds[0]["status"], 401);
    assert_eq!(ds[0]["dialect"], "aptly");
    assert_eq!(ds[1]["status"], 200);
}

#[test]
fn har_import_session_and_har_export_round_trip_without_secrets() {
    let profiles = Profiles::built_in();
    let options = Options::default();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ticket.har");
    let imported = input::read_any(path).unwrap();
    assert_eq!(imported.len(), 16);
    let before = decode::diagnose_all(&imported, &profiles, &options);

    // → session (redacted) → read back: same diagnoses.
    let text = session::to_json(Some("ticket"), &imported, &profiles, false);
    for s in SECRETS {
        assert!(!text.contains(s), "{s} in the session");
    }
    let reread = session::read(text.as_bytes(), "ticket.json").unwrap();
    let after = decode::diagnose_all(&reread, &profiles, &options);
    let key = |d: &decode::Diagnosis| {
        (
            d.status,
            d.dialect.clone(),
            d.error.as_ref().and_then(|e| e.code.clone()),
            d.findings.len(),
        )
    };
    assert_eq!(
        before.iter().map(key).collect::<Vec<_>>(),
        after.iter().map(key).collect::<Vec<_>>()
    );

    // → HAR 1.2 export: valid (every required field) and readable again.
    let exported = har::to_json(&reread, false);
    for s in SECRETS {
        assert!(!exported.contains(s), "{s} in the HAR");
    }
    let doc: Value = serde_json::from_str(&exported).unwrap();
    assert_eq!(doc["log"]["version"], "1.2");
    assert_eq!(doc["log"]["creator"]["name"], "apiscope");
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 16);
    for e in entries {
        for k in [
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
        ] {
            assert!(!e[k].is_null(), "entry without {k}");
        }
        for k in [
            "method",
            "url",
            "httpVersion",
            "cookies",
            "headers",
            "queryString",
            "headersSize",
            "bodySize",
        ] {
            assert!(!e["request"][k].is_null(), "request without {k}");
        }
        for k in [
            "status",
            "statusText",
            "httpVersion",
            "cookies",
            "headers",
            "content",
            "redirectURL",
            "headersSize",
            "bodySize",
        ] {
            assert!(!e["response"][k].is_null(), "response without {k}");
        }
        assert!(e["response"]["content"]["mimeType"].is_string());
        assert!(e["timings"]["wait"].is_number());
    }
    let again = input::read_bytes(exported.as_bytes(), "x.har", &Default::default()).unwrap();
    let third = decode::diagnose_all(&again, &profiles, &options);
    assert_eq!(
        before.iter().map(key).collect::<Vec<_>>(),
        third.iter().map(key).collect::<Vec<_>>()
    );

    // Asked to keep them, they stay.
    assert!(session::to_json(None, &imported, &profiles, true).contains("FAKE_COOKIE_VALUE"));
}

#[test]
fn bad_session_files_give_one_line_and_stay_intact() {
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.json");
    let text = r#"{"apiscope_session": 9, "exchanges": []}"#;
    std::fs::write(&newer, text).unwrap();
    let r = apiscope(&["replay", newer.to_str().unwrap()], b"");
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("newer.json") && r.stderr.contains("version 9"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&newer).unwrap(), text);

    let corrupt = dir.path().join("corrupt.json");
    let text = "{\"apiscope_session\": 1, \"exchanges\": [{\"response\": {\"status\": \"x\"}}]}";
    std::fs::write(&corrupt, text).unwrap();
    let r = apiscope(&["replay", corrupt.to_str().unwrap()], b"");
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("corrupt.json") && r.stderr.contains("line 1"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&corrupt).unwrap(), text);
}

#[test]
fn the_timeline_shows_where_the_budget_ran_out() {
    let profiles = Profiles::built_in();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ticket.har");
    let mut exchanges = input::read_any(path).unwrap();
    // Spread the envelope requests over two 300 s windows.
    exchanges[0].timing.started_ms = Some(1_767_225_600_000);
    exchanges[1].timing.started_ms = Some(1_767_225_840_000);
    exchanges[2].timing.started_ms = Some(1_767_226_000_000);
    let diagnoses = decode::diagnose_all(&exchanges, &profiles, &Options::default());
    let hosts = apiscope::timeline::build(&exchanges, &diagnoses, &profiles);
    let labels: Vec<&str> = hosts.iter().map(|h| h.host.as_str()).collect();
    // One timeline per budget: API and credential, as the driver counts.
    let envelope = hosts
        .iter()
        .find(|h| {
            h.host
                .starts_with("api.envelope.example · envelope · credential …")
        })
        .unwrap_or_else(|| panic!("{labels:#?}"));
    assert_eq!(envelope.limit, Some(300));
    assert_eq!(envelope.window_s, 300);
    assert_eq!(envelope.windows.len(), 1);
    assert_eq!(envelope.windows[0].requests, 2, "{labels:#?}");
    assert!(envelope.first_429.is_none());
    // The 429 came from the unauthenticated budget (no token was sent):
    // its own timeline, with the limit that applies to it.
    let anonymous = hosts
        .iter()
        .find(|h| h.host == "api.envelope.example · envelope · no credential")
        .unwrap_or_else(|| panic!("{labels:#?}"));
    assert_eq!(anonymous.first_429.map(|(i, _)| i), Some(2));
    assert_eq!(anonymous.windows[0].rejected, 1);
    let text = apiscope::timeline::render_text(&hosts);
    assert!(
        text.contains("429s began at exchange #3 (2026-01-01T00:06:40Z)"),
        "{text}"
    );
    let coded: Vec<_> = hosts
        .iter()
        .filter(|h| h.host.starts_with("api.coded.example · coded"))
        .collect();
    assert!(!coded.is_empty(), "{labels:#?}");
    assert!(coded.iter().all(|h| h.first_429.is_none()));

    // replay prints it after the diagnoses.
    let r = apiscope(&["replay", path], b"");
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("── rate-limit timeline ──"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("api.errors-array.example · errors-array · "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(": limit 100 per 60 s"), "{}", r.stdout);
}

#[test]
fn markdown_reports_are_redacted_unless_asked() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ticket.har");
    let r = apiscope(&["decode", path, "--format", "markdown"], b"");
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("RATE_LIMITED"));
    for s in SECRETS {
        assert!(!r.stdout.contains(s), "{s} in the report");
    }
    let kept = apiscope(
        &["decode", path, "--format", "markdown", "--keep-secrets"],
        b"",
    );
    assert!(kept.stdout.contains("FAKE_URL_TOKEN"));
    // The JSON contract keeps the request URL as it was.
    let json = apiscope(&["decode", path, "--format", "json"], b"");
    assert!(json.stdout.contains("access_token=FAKE_URL_TOKEN"));
}

#[test]
fn send_save_never_replaces_a_file_that_is_not_a_session() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("package.json");
    std::fs::write(&path, "{\"name\": \"my-app\"}").unwrap();
    let r = apiscope(
        &[
            "send",
            &format!("{}/coded/v1/projects/nope", demo.base),
            "--save",
            path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("is not an apiscope session"),
        "{}",
        r.stderr
    );
    // The response was still printed, and the file is untouched.
    assert!(
        r.stdout.contains("HTTP 401") || r.stdout.contains("HTTP 404"),
        "{}",
        r.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"name\": \"my-app\"}"
    );
}

#[test]
fn a_chrome_har_of_an_http2_site_replays_without_its_pseudo_headers() {
    use crate::common::{HarEntry, RawServer};
    let server = RawServer::start(|_| {
        crate::common::reply(
            200,
            &[("Content-Type", "application/json")],
            r#"{"ok":true}"#,
        )
    });
    let url = format!("{}/v1/things?x=1", server.base);
    let host = server.base.trim_start_matches("http://").to_owned();
    let har = crate::common::har(&[HarEntry::get(&url, 200, r#"{"ok":true}"#)
        .req_header(":authority", &host)
        .req_header(":method", "GET")
        .req_header(":path", "/v1/things?x=1")
        .req_header(":scheme", "http")
        .req_header("accept", "application/json")
        .resp_header(":status", "200")]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chrome.har"), har).unwrap();
    // Offline: no pseudo-header shown as a header.
    let o = crate::common::apiscope_in(
        dir.path(),
        &["decode", "chrome.har", "--format", "json"],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = crate::common::apiscope_in(
        dir.path(),
        &["replay", "chrome.har", "--check", "--yes"],
        b"",
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let got = server.received.lock().unwrap();
    assert_eq!(got.len(), 1, "the request was not sent: {}", o.stderr);
    let head = String::from_utf8_lossy(&got[0]).to_lowercase();
    assert!(head.starts_with("get /v1/things?x=1 http/1.1"), "{head}");
    assert!(
        !head.contains(":authority") && !head.contains(":path"),
        "{head}"
    );
    assert!(head.contains("accept: application/json"), "{head}");
}
