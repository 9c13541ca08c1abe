//! Hostile input, as an adversary would send it: absurd numbers, endless
//! and bombed bodies, waits of years, secrets everywhere, escape sequences
//! and bidi controls. Nothing crashes (exit 101), nothing grows without
//! bound, nothing hangs, no secret is written, nothing acts on a terminal.

use crate::common;

use common::{RawServer, Reply, apiscope};
use std::io::Write as _;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .args(args)
        .env("APISCOPE_CONFIG_DIR", dir)
        .env("APISCOPE_DATA_DIR", dir)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("run apiscope")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// No panic, no abort: exit 0, 1 or 2 and no "panicked" on stderr.
fn survived(o: &Output, what: &str) {
    let code = o.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "{what}: exit {code:?}\n{}",
        text(&o.stderr)
    );
    assert!(
        !text(&o.stderr).contains("panicked"),
        "{what}: {}",
        text(&o.stderr)
    );
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    let mut b = r.into_bytes();
    b.extend_from_slice(body);
    b
}

const ABSURD: &[(&str, &str)] = &[
    ("X-RateLimit-Reset", "253402300800"),
    ("X-RateLimit-Reset", "1e23"),
    ("RateLimit-Reset", "1e23"),
    ("Retry-After", "10000000000000000000"),
    ("Retry-After", "999999999"),
    ("X-RateLimit-Limit", "99999999999999999999999"),
];

#[test]
fn absurd_numbers_never_crash_any_command() {
    let dir = tempfile::tempdir().unwrap();
    for (name, value) in ABSURD {
        let capture = format!(
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n{name}: {value}\r\n\r\n{{\"error\":{{\"code\":\"RATE_LIMITED\",\"message\":\"slow\",\"status\":429}}}}"
        );
        std::fs::write(dir.path().join("c.txt"), &capture).unwrap();
        for format in ["text", "json", "markdown"] {
            let o = run(&["decode", "c.txt", "--format", format], dir.path());
            survived(&o, &format!("decode {name}: {value} ({format})"));
            assert_eq!(o.status.code(), Some(1));
            let out = text(&o.stdout);
            assert!(!out.contains("-29"), "a wrapped date: {out}");
        }
        // send, and the files it writes.
        let body = capture
            .split("\r\n\r\n")
            .nth(1)
            .unwrap()
            .as_bytes()
            .to_vec();
        let (n, v) = (name.to_string(), value.to_string());
        let server = RawServer::start(move |_| {
            Reply::Bytes(response(
                "429 Too Many Requests",
                &[("Content-Type", "application/json"), (&n, &v)],
                &body,
            ))
        });
        for save in ["s.json", "s.md", "s.har"] {
            let o = run(&["send", &server.base, "--save", save], dir.path());
            survived(&o, &format!("send --save {save} with {name}: {value}"));
        }
        // Paging and a live replay stop at --max-wait instead of waiting.
        let t = Instant::now();
        let o = run(
            &["send", &server.base, "--paginate", "--max-wait", "2"],
            dir.path(),
        );
        survived(&o, "send --paginate");
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{name}: {value} hung"
        );
        if name.contains("Retry") {
            assert_eq!(o.status.code(), Some(1));
            assert!(
                text(&o.stderr).contains("--max-wait"),
                "{}",
                text(&o.stderr)
            );
        }
        let o = run(
            &["replay", "s.json", "--live", "--yes", "--max-wait", "2"],
            dir.path(),
        );
        survived(&o, "replay --live");
        assert!(
            t.elapsed() < Duration::from_secs(40),
            "{name}: {value} hung"
        );
    }
}

#[test]
fn endless_and_bombed_bodies_stop_at_the_cap() {
    use flate2::write::GzEncoder;
    let dir = tempfile::tempdir().unwrap();
    // An endless body.
    let endless = RawServer::start(|_| {
        Reply::Endless(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n".to_vec())
    });
    let t = Instant::now();
    let o = run(
        &[
            "send",
            &endless.base,
            "--max-body",
            "2M",
            "--format",
            "json",
        ],
        dir.path(),
    );
    survived(&o, "endless body");
    assert!(t.elapsed() < Duration::from_secs(20));
    let o = run(&["send", &endless.base, "--max-body", "2M"], dir.path());
    assert!(
        text(&o.stdout).contains("Body cut at 2 MB"),
        "{}",
        text(&o.stdout)
    );
    // A gzip bomb: 64 MB of zeros in ~64 KB.
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![0u8; 64 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    let gzip_bomb = bomb.clone();
    let server = RawServer::start(move |_| {
        Reply::Bytes(response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
            ],
            &gzip_bomb,
        ))
    });
    let o = run(&["send", &server.base, "--max-body", "4M"], dir.path());
    survived(&o, "gzip bomb");
    assert!(
        text(&o.stdout).contains("Body cut at 4 MB"),
        "{}",
        text(&o.stdout)
    );
    // A brotli bomb.
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
        w.write_all(&vec![0u8; 64 << 20]).unwrap();
    }
    let server = RawServer::start(move |_| {
        Reply::Bytes(response(
            "200 OK",
            &[
                ("Content-Type", "application/json"),
                ("Content-Encoding", "br"),
            ],
            &br,
        ))
    });
    let o = run(&["send", &server.base, "--max-body", "4M"], dir.path());
    survived(&o, "brotli bomb");
    assert!(
        text(&o.stdout).contains("Body cut at 4 MB"),
        "{}",
        text(&o.stdout)
    );
    // A HAR of bombed entries: each is cut, and the whole file's work too.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bomb);
    let entries: Vec<common::HarEntry> = (0..24)
        .map(|_| {
            common::HarEntry::get("https://a.example/x", 200, "")
                .resp_header("Content-Encoding", "gzip")
        })
        .collect();
    let har = common::har(&entries).replace(
        "\"content\":{\"size\":0,\"mimeType\":\"application/json\",\"text\":\"\"}",
        &format!("\"content\":{{\"size\":0,\"mimeType\":\"application/json\",\"text\":\"{b64}\",\"encoding\":\"base64\"}}"),
    );
    assert!(har.contains(&b64[..20]));
    std::fs::write(dir.path().join("bombs.har"), har).unwrap();
    let t = Instant::now();
    let o = run(&["decode", "bombs.har"], dir.path());
    survived(&o, "HAR of bombs");
    assert!(t.elapsed() < Duration::from_secs(60));
    assert!(
        text(&o.stdout).contains("decompression bomb"),
        "{}",
        &text(&o.stdout)[..2000.min(o.stdout.len())]
    );
}

#[test]
fn credentials_never_follow_a_redirect_to_another_origin() {
    let dir = tempfile::tempdir().unwrap();
    let target = RawServer::start(|_| Reply::Bytes(response("200 OK", &[], b"{}")));
    // localhost is another origin than 127.0.0.1, though the same machine.
    let location = format!("http://localhost:{}/landed?x=1", target.port);
    let from = RawServer::start(move |_| {
        Reply::Bytes(response("302 Found", &[("Location", &location)], b""))
    });
    let secrets = [
        "PRIVATE-TOKEN:FAKE_PRIVATE_1",
        "X-Auth-Token:FAKE_AUTH_2",
        "apikey:FAKE_APIKEY_3",
        "X-Goog-Api-Key:FAKE_GOOG_4",
        "X-Amz-Security-Token:FAKE_AMZ_5",
        "X-Client-Secret:FAKE_CLIENT_6",
        "Authorization:Bearer FAKE_BEARER_7",
        "Cookie:sid=FAKE_COOKIE_8",
        "X-Authorization:FAKE_XAUTH_9",
        "Token:FAKE_TOKEN_10",
    ];
    let mut args = vec!["send".to_owned(), format!("{}/start", from.base)];
    args.extend(secrets.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = run(&args, dir.path());
    survived(&o, "redirect");
    let landed = target.requests();
    assert_eq!(landed.len(), 1, "{landed:?}");
    for s in secrets {
        let value = s.split(':').nth(1).unwrap();
        assert!(
            !landed[0].contains(value),
            "{value} followed the redirect:\n{}",
            landed[0]
        );
    }
    assert!(
        text(&o.stdout).contains("not sent to localhost"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn a_failed_request_writes_no_token_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: the failure message quotes the URL.
    let url = "http://127.0.0.1:1/v1?access_token=FAKE_SECRET_IN_URL&x=1";
    for save in ["f.json", "f.har", "f.md"] {
        let o = run(&["send", url, "--save", save, "--timeout", "5"], dir.path());
        survived(&o, "refused");
        let written = std::fs::read_to_string(dir.path().join(save)).unwrap();
        assert!(!written.contains("FAKE_SECRET_IN_URL"), "{save}: {written}");
    }
    let o = run(
        &["send", url, "--format", "markdown", "--timeout", "5"],
        dir.path(),
    );
    assert!(
        !text(&o.stdout).contains("FAKE_SECRET_IN_URL"),
        "{}",
        text(&o.stdout)
    );
    let history = std::fs::read(dir.path().join("history.sqlite3")).unwrap_or_default();
    assert!(!history.is_empty());
    assert!(!text(&history).contains("FAKE_SECRET_IN_URL"));
}

#[test]
fn nothing_from_outside_acts_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    // A curl file whose -X carries an OSC title sequence.
    std::fs::write(
        dir.path().join("evil.sh"),
        "curl -X $'GET\\e]0;pwned\\a' 'https://a.example/x'\n",
    )
    .unwrap();
    let o = run(&["replay", "evil.sh"], dir.path());
    survived(&o, "replay of an evil curl file");
    for out in [&o.stdout, &o.stderr] {
        assert!(
            !out.contains(&0x1b) && !out.contains(&0x07),
            "{}",
            text(out)
        );
    }
    // Error messages quote file names, curl words and header flags.
    let evil_name = "bad\u{1b}[31mname.txt";
    std::fs::write(dir.path().join(evil_name), "not http").unwrap();
    for args in [
        vec!["decode", evil_name],
        vec!["decode", "nope\u{1b}]0;x\u{7}.txt"],
        vec!["decode", "-H", "X-Bad\u{1b}[2J"],
    ] {
        let o = run(&args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            !o.stderr.contains(&0x1b) && !o.stderr.contains(&0x07),
            "{}",
            text(&o.stderr)
        );
        assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
    }
    std::fs::write(
        dir.path().join("bad.sh"),
        "curl --\u{1b}[31mbogus https://a.example\n",
    )
    .unwrap();
    let o = run(&["replay", "bad.sh", "--live", "--yes"], dir.path());
    assert!(!o.stderr.contains(&0x1b), "{}", text(&o.stderr));
    // Bidi controls and C1 controls in a body, in every format.
    let body = "{\"error\":{\"code\":\"X\u{202e}Y\",\"message\":\"a\u{9b}31mb \u{2066}c\"}}";
    let capture =
        format!("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{body}");
    std::fs::write(dir.path().join("bidi.txt"), capture).unwrap();
    for format in ["text", "json", "markdown"] {
        let o = run(&["decode", "bidi.txt", "--format", format], dir.path());
        let out = text(&o.stdout);
        for c in ['\u{202e}', '\u{9b}', '\u{2066}'] {
            assert!(!out.contains(c), "{format}: {c:?} in {out}");
        }
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
            // The JSON still says what the body said.
            assert_eq!(v["error"]["code"], "X\u{202e}Y");
        }
    }
}

#[test]
fn odd_inputs_give_answers_or_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // A reason phrase in Latin-1.
    let mut capture =
        b"HTTP/1.1 401 Non autoris\xe9\r\nContent-Type: application/json\r\n\r\n".to_vec();
    capture.extend_from_slice(br#"{"error":"Unauthorized"}"#);
    std::fs::write(dir.path().join("latin1.txt"), capture).unwrap();
    let o = run(&["decode", "latin1.txt", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    // A session from the future.
    std::fs::write(
        dir.path().join("future.json"),
        "{\"apiscope_session\": 4294967296, \"exchanges\": []}",
    )
    .unwrap();
    let o = run(&["decode", "future.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("made by a newer apiscope"),
        "{}",
        text(&o.stderr)
    );
    // Usage errors are one line.
    for args in [
        vec!["send", "--bogus"],
        vec!["send"],
        vec!["decode", "--format", "xml"],
        vec!["nope-command", "x", "y"],
    ] {
        let r = apiscope(&args, b"");
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
    }
}

/// A big JSON body is printed as it came, not built into a tree and
/// pretty-printed (a 256 MB one took gigabytes that way).
#[test]
fn a_big_json_body_is_printed_as_it_came() {
    let body: String = std::iter::once("[".to_owned())
        .chain((0..1_000_000).map(|i| format!("{{\"i\":{i}}},")))
        .chain(std::iter::once("{}]".to_owned()))
        .collect();
    assert!(body.len() > 8 << 20);
    let reply = format!(
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let server = RawServer::start(move |_| Reply::Bytes(reply.clone().into_bytes()));
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["send", &server.base], dir.path());
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("[{\"i\":0},{\"i\":1},"),
        "{}",
        &out[..out.len().min(400)]
    );
}

/// A body that stops before its end — the server stalls until the
/// timeout, or closes the connection early — is still diagnosed, and the
/// diagnosis says so (how much arrived, of how much, and why), in the
/// text and the JSON findings, rather than calling the link slow.
#[test]
fn a_body_that_stops_early_is_a_finding_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"items\": [1,".to_vec();
    let stalled = {
        let head = head.clone();
        RawServer::start(move |_| Reply::Stall(head.clone(), Duration::from_secs(10)))
    };
    let o = run(
        &["send", &stalled.base, "--timeout", "1", "--format", "json"],
        dir.path(),
    );
    survived(&o, "stalled body");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], 200);
    let findings = v["findings"].to_string();
    assert!(
        findings.contains(
            "The response body is incomplete: 13 of 100 bytes arrived, before the 1.0 s timeout ran out"
        ),
        "{findings}"
    );
    assert!(
        !findings.contains("a large body or a slow link"),
        "{findings}"
    );
    let closed = RawServer::start(move |_| Reply::Bytes(head.clone()));
    let o = run(&["send", &closed.base], dir.path());
    survived(&o, "closed early");
    // Still a response (design.md: a broken body is diagnosed, not
    // refused): exit 0 for a 200.
    assert_eq!(o.status.code(), Some(0));
    let out = text(&o.stdout);
    assert!(
        out.contains("13 of 100 bytes arrived, then the connection closed"),
        "{out}"
    );
    assert!(!out.contains("error decoding response body"), "{out}");
    // (The protocol the answer came in, on the Timing line.)
    assert!(out.contains("in all) · HTTP/1.1"), "{out}");
}

/// A `Set-Cookie` of 1 MB: the response cannot be read (its headers are
/// past what a client reads), and the diagnosis says so, with a step —
/// one JSON line, no panic, no cookie kept.
#[test]
fn a_megabyte_set_cookie_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = RawServer::start(|_| {
        let big = "x".repeat(1 << 20);
        Reply::Bytes(
            format!("HTTP/1.1 200 OK\r\nSet-Cookie: huge={big}\r\nContent-Length: 2\r\n\r\n{{}}")
                .into_bytes(),
        )
    });
    let o = run(&["send", &server.base, "--format", "json"], dir.path());
    survived(&o, "1 MB Set-Cookie");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["findings"]
            .to_string()
            .contains("headers are larger than a client reads"),
        "{v}"
    );
    assert!(
        v["troubleshooting"][0].to_string().contains("Set-Cookie")
            || v["troubleshooting"][0].to_string().contains("cookie"),
        "{v}"
    );
}
