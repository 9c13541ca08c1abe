//! The first five minutes with the CLI, as a new user has them: `send`
//! shows the body, refuses what it cannot form before sending anything,
//! never re-sends a redacted credential, resolves `{{env.NAME}}` the same
//! way everywhere, and saves in the format the extension names.

use apiscope::demo::{self, DemoConfig, Logged};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// The demo API in this process, with its request log.
struct Server {
    rt: tokio::runtime::Runtime,
    server: Option<demo::DemoServer>,
    log: Arc<Mutex<Vec<Logged>>>,
    base: String,
}

impl Server {
    fn start() -> Server {
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
        Server {
            rt,
            server: Some(server),
            log,
            base,
        }
    }

    fn received(&self) -> Vec<Logged> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.stop());
        }
    }
}

fn run(args: &[&str], env: &[(&str, &str)], dir: &std::path::Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_apiscope"));
    cmd.args(args)
        .env("APISCOPE_CONFIG_DIR", dir)
        .env("APISCOPE_DATA_DIR", dir)
        .env("NO_COLOR", "1")
        .env_remove("APISCOPE_TEST_TOKEN")
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run apiscope")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

#[test]
fn send_shows_the_body_after_the_diagnosis_or_only_the_body() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/envelope/v1/boards", s.base);
    let auth = "Authorization:Bearer imb_pat_demo";
    let out = run(&["send", &url, "limit==2", auth], &[], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let diag = stdout.find("HTTP 200").expect("the diagnosis");
    let body = stdout.find("\"data\": [").expect("the pretty body");
    assert!(diag < body, "{stdout}");
    // --body: only the body's bytes, as the server sent them.
    let out = run(&["send", &url, "limit==2", auth, "--body"], &[], dir.path());
    let body = text(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&body).expect("raw JSON");
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert!(!body.contains("HTTP 200"));
    // -o FILE: the body in the file, the diagnosis on stdout.
    let out = run(
        &["send", &url, "limit==2", auth, "-o", "boards.json"],
        &[],
        dir.path(),
    );
    assert!(text(&out.stdout).contains("HTTP 200"));
    assert!(!text(&out.stdout).contains("\"data\""));
    let saved = std::fs::read_to_string(dir.path().join("boards.json")).unwrap();
    assert!(saved.starts_with("{\"data\":["), "{saved}");
}

#[test]
fn a_request_that_cannot_be_formed_is_exit_2_before_anything_is_sent() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["send", "DELETE"],
            "'DELETE' is a method, and no URL follows it",
        ),
        (&["send", "GET"], "'GET' is a method, and no URL follows it"),
        (
            &["send", "{{env.APISCOPE_TEST_TOKEN}}"],
            "APISCOPE_TEST_TOKEN is not set",
        ),
    ];
    for (args, want) in cases {
        let out = run(args, &[], dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    let url = format!("{}/envelope/v1/boards", s.base);
    for item in [
        "Authorization:Bearer {{env.APISCOPE_TEST_TOKEN}}",
        "Authorization:Bearer {{token}}",
    ] {
        let out = run(&["send", &url, item], &[], dir.path());
        assert_eq!(out.status.code(), Some(2), "{item}");
        assert!(
            text(&out.stderr).contains("nothing was sent") || text(&out.stderr).contains("not set")
        );
    }
    assert!(s.received().is_empty(), "a request went out");
    // Set, it resolves.
    let out = run(
        &[
            "send",
            &url,
            "Authorization:Bearer {{env.APISCOPE_TEST_TOKEN}}",
        ],
        &[("APISCOPE_TEST_TOKEN", "imb_pat_demo")],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = s.received();
    assert_eq!(
        got[0]
            .headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1,
        "Bearer imb_pat_demo"
    );
}

#[test]
fn saved_work_never_resends_the_redaction_mark() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/envelope/v1/boards", s.base);
    let out = run(
        &[
            "send",
            &url,
            "Authorization:Bearer imb_pat_demo",
            "--save",
            "s.json",
        ],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(dir.path().join("s.json"))
            .unwrap()
            .contains("imb_pat_REDACTED")
    );
    s.received();
    // Replayed as saved: said up front, sent without it, not a false
    // difference.
    let out = run(
        &["replay", "s.json", "--live", "--check", "--yes"],
        &[],
        dir.path(),
    );
    let err = text(&out.stderr);
    assert!(err.contains("credentials the file redacted"), "{err}");
    let table = text(&out.stdout);
    assert!(table.contains("credential redacted"), "{table}");
    assert!(table.contains("0 of 1 exchanges differ"), "{table}");
    assert_eq!(out.status.code(), Some(0), "{table}");
    let got = s.received();
    assert!(got[0].headers.iter().all(|(_, v)| !v.contains("REDACTED")));
    // With the real credential given, the same answer as recorded.
    let out = run(
        &[
            "replay",
            "s.json",
            "--live",
            "--check",
            "--yes",
            "--bearer",
            "imb_pat_demo",
        ],
        &[],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("same"));
    let got = s.received();
    assert!(
        got[0]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Bearer imb_pat_demo")
    );
}

#[test]
fn a_curl_file_resolves_env_in_replay_live_as_in_open() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ticket.sh"),
        "curl '{{env.BASE}}/coded/v1/projects' -H 'Authorization: Bearer {{env.TOKEN}}'\n",
    )
    .unwrap();
    let env = [("BASE", s.base.as_str()), ("TOKEN", "coded_demo_token")];
    let out = run(
        &["replay", "ticket.sh", "--live", "--yes", "--format", "json"],
        &env,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = s.received();
    assert_eq!(got[0].target, "/coded/v1/projects");
    // Unset, nothing goes out.
    let out = run(&["replay", "ticket.sh", "--live", "--yes"], &[], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("BASE is not set"),
        "{}",
        text(&out.stderr)
    );
    assert!(s.received().is_empty());
}

#[test]
fn save_writes_the_format_its_extension_names() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/coded/v1/projects/nope", s.base);
    for (file, check) in [
        ("x.har", "\"log\""),
        ("x.md", "<!-- apiscope report -->"),
        ("x.json", "\"apiscope_session\""),
    ] {
        let out = run(
            &[
                "send",
                &url,
                "Authorization:Bearer coded_demo_token",
                "--save",
                file,
            ],
            &[],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let written = std::fs::read_to_string(dir.path().join(file)).unwrap();
        assert!(written.contains(check), "{file}: {written}");
        assert!(!written.contains("coded_demo_token"), "{file}");
        assert!(!dir.path().join(format!("{file}.json")).exists());
    }
    // The HAR reads back.
    let out = run(&["decode", "x.har", "--format", "json"], &[], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("\"5000\""));
}
