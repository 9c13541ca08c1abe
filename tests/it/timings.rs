//! Where the time went (issue 23): DNS, connect, TLS, time to first byte
//! and download, measured on the request itself — in the JSON contract
//! (`timings`), the text report, `send -v`, the HAR apiscope writes, and
//! read back from a real browser's HAR. (TLS is timed in transport.rs,
//! against its TLS server.)

use crate::common::{Demo, RawServer, apiscope, apiscope_in, reply};

fn number(t: &serde_json::Value, phase: &str) -> f64 {
    t[phase]
        .as_f64()
        .unwrap_or_else(|| panic!("{phase} is not a number: {t}"))
}

#[test]
fn a_live_send_says_where_its_time_went() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    // A name to resolve: DNS is a phase of its own.
    let url = format!(
        "{}/envelope/v1/boards",
        demo.base.replace("127.0.0.1", "localhost")
    );
    let token = "Authorization:Bearer imb_pat_demo";
    let key = "X-Api-Key:FAKE_verbose_secret_0123";
    let run = apiscope_in(
        dir.path(),
        &["send", &url, token, key, "--format", "json", "-v"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let d = &run.json_lines()[0];
    let t = &d["timings"];
    for phase in ["dns_ms", "connect_ms", "ttfb_ms", "download_ms"] {
        assert!(number(t, phase) >= 0.0, "{phase}: {t}");
    }
    assert!(t["tls_ms"].is_null(), "plain HTTP has no TLS: {t}");

    // -v: the request as sent (the token masked), the response's head,
    // the phases as a line — on stderr, so stdout stays the report.
    let err = &run.stderr;
    assert!(err.contains("> GET /envelope/v1/boards\n"), "{err}");
    assert!(err.contains("> Host: localhost:"), "{err}");
    assert!(err.contains("> user-agent: apiscope/"), "{err}");
    assert!(err.contains("< HTTP/1.1 200 OK"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("* DNS ") && l.contains(" · waiting ") && l.contains("in all)")),
        "{err}"
    );
    assert!(err.contains("> X-Api-Key: "), "{err}");
    assert!(!err.contains("FAKE_verbose_secret"), "{err}");
    assert!(!run.stdout.contains("FAKE_verbose_secret"));

    // The text report has the phases as a line.
    let run = apiscope_in(dir.path(), &["send", &url, token], b"");
    let timing = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Timing "))
        .unwrap_or_else(|| panic!("no Timing line: {}", run.stdout));
    assert!(
        timing.contains("DNS ") && timing.contains("connect ") && timing.contains("waiting "),
        "{timing}"
    );
}

#[test]
fn a_connection_kept_open_is_said_to_be_reused() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.http");
    std::fs::write(
        &file,
        format!(
            "GET {0}/envelope/v1/boards\nAuthorization: Bearer imb_pat_demo\n\n###\nGET {0}/envelope/v1/boards?limit=2\nAuthorization: Bearer imb_pat_demo\n",
            demo.base
        ),
    )
    .unwrap();
    let run = apiscope_in(
        dir.path(),
        &["replay", "two.http", "--live", "--yes", "--format", "json"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    let (first, second) = (&lines[0]["timings"], &lines[1]["timings"]);
    assert!(number(first, "connect_ms") >= 0.0, "{first}");
    // The second request went over the first one's connection: no DNS,
    // connect or TLS of its own, only its own wait and download.
    for phase in ["dns_ms", "connect_ms", "tls_ms"] {
        assert!(second[phase].is_null(), "{phase}: {second}");
    }
    assert!(number(second, "ttfb_ms") >= 0.0, "{second}");
}

#[test]
fn a_slow_server_is_named_as_where_the_time_went() {
    let server = RawServer::start(|_| {
        std::thread::sleep(std::time::Duration::from_millis(1100));
        reply(200, &[("Content-Type", "application/json")], "{}")
    });
    let dir = tempfile::tempdir().unwrap();
    let run = apiscope_in(
        dir.path(),
        &["send", &format!("{}/slow", server.base), "--format", "json"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let d = &run.json_lines()[0];
    assert!(number(&d["timings"], "ttfb_ms") >= 1000.0, "{d}");
    let findings = d["findings"].to_string();
    assert!(
        findings.contains("The server took 1.1 s of 1.1 s to start answering")
            || findings.contains("The server took 1.1 s of 1.2 s to start answering"),
        "{findings}"
    );
}

#[test]
fn the_har_written_holds_the_phases_and_reads_back() {
    let demo = Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/envelope/v1/boards", demo.base);
    let run = apiscope_in(
        dir.path(),
        &[
            "send",
            &url,
            "Authorization:Bearer imb_pat_demo",
            "--save",
            "out.har",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let har: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out.har")).unwrap()).unwrap();
    let entry = &har["log"]["entries"][0];
    let t = &entry["timings"];
    // HAR 1.2: -1 for what did not happen (no name to resolve, no TLS);
    // `connect` includes `ssl`; `time` is their sum.
    assert_eq!(t["dns"], -1.0, "{t}");
    assert_eq!(t["ssl"], -1.0, "{t}");
    let phases = ["blocked", "connect", "send", "wait", "receive"];
    for k in phases {
        assert!(number(t, k) >= 0.0, "{k}: {t}");
    }
    let sum: f64 = phases.iter().map(|k| number(t, k)).sum();
    assert!(
        (sum - number(entry, "time")).abs() < 0.01,
        "{sum} vs {}",
        entry["time"]
    );
    let back = apiscope_in(dir.path(), &["decode", "out.har", "--format", "json"], b"");
    let t = &back.json_lines()[0]["timings"];
    assert!(number(t, "connect_ms") >= 0.0, "{t}");
    assert!(t["dns_ms"].is_null() && t["tls_ms"].is_null(), "{t}");
}

#[test]
fn a_browsers_har_timings_are_read_and_a_capture_has_none() {
    // Recorded by headless Chromium (tests/fixtures/har/README-chromium.md):
    // its first entry waited 468.698 ms and received for 44.428 ms, over a
    // connection whose DNS/connect/ssl are -1.
    let run = apiscope(
        &[
            "decode",
            "tests/fixtures/har/chromium-headless.har",
            "--format",
            "json",
        ],
        b"",
    );
    let first = &run.json_lines()[0]["timings"];
    assert_eq!(
        *first,
        serde_json::json!({"dns_ms": null, "connect_ms": null, "tls_ms": null, "ttfb_ms": 468.7, "download_ms": 44.4})
    );
    let text = apiscope(&["decode", "tests/fixtures/har/chromium-headless.har"], b"");
    assert!(
        text.stdout.contains(
            "Timing      reused connection · waiting 469 ms · download 44 ms (513 ms in all)"
        ),
        "{}",
        text.stdout
    );

    // A capture records no phases: the key is there, null.
    let capture = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}";
    let run = apiscope(&["decode", "-", "--format", "json"], capture.as_bytes());
    let d = &run.json_lines()[0];
    assert!(d.as_object().unwrap().contains_key("timings"), "{d}");
    assert!(d["timings"].is_null(), "{d}");
}

#[test]
fn a_handshake_that_never_ends_says_tls_took_the_time() {
    // A port that accepts TCP and then says nothing: the TLS handshake
    // waits until --timeout. The ticket's question — where did the time
    // go? — is answered: TLS, with the phases before it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(4));
        drop(tcp);
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("https://127.0.0.1:{port}/x");
    let run = apiscope_in(
        dir.path(),
        &["send", &url, "--format", "json", "--timeout", "1.2"],
        b"",
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let d = &run.json_lines()[0];
    assert_eq!(d["error"]["code"], "TIMEOUT", "{d}");
    let t = &d["timings"];
    assert!(number(t, "connect_ms") < 1000.0, "{t}");
    assert!(number(t, "tls_ms") >= 1000.0, "{t}");
    assert!(t["ttfb_ms"].is_null() && t["download_ms"].is_null(), "{t}");
    assert!(
        d["findings"]
            .to_string()
            .contains("The TLS handshake took 1."),
        "{d}"
    );
    let run = apiscope_in(dir.path(), &["send", &url, "--timeout", "1.2"], b"");
    assert!(
        run.stdout.contains("— no answer: stopped in TLS"),
        "{}",
        run.stdout
    );
    held.join().unwrap();
}

#[test]
fn absurd_har_timings_are_no_crash() {
    // A HAR may say anything: a wait of 1e300 ms, a negative phase, text.
    let dir = tempfile::tempdir().unwrap();
    let har = r#"{"log": {"version": "1.2", "entries": [
      {"startedDateTime": "2026-01-01T00:00:00Z", "time": 1e300,
       "request": {"method": "GET", "url": "https://api.example.com/x", "headers": []},
       "response": {"status": 200, "headers": [], "content": {"text": "{}"}},
       "timings": {"dns": -5, "connect": "x", "wait": 1e300, "receive": 3}}]}}"#;
    std::fs::write(dir.path().join("odd.har"), har).unwrap();
    for format in ["text", "json", "markdown"] {
        let run = apiscope_in(dir.path(), &["decode", "odd.har", "--format", format], b"");
        assert_eq!(run.code, 0, "{format}: {}\n{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}
