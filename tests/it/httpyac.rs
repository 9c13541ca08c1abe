//! httpyac as the reference for `.http` files with JetBrains scripts: the
//! same files are sent by httpyac (one invocation, every file) and by
//! `apiscope test DIR --trust` against two loopback recorders, and what
//! arrived is compared request by request with newman's comparison rules
//! (each tool's own default headers ignored). Skipped with a message where
//! httpyac is not installed, except under `CI=true` (`.ci/run` installs
//! it), where that is a failure.

use crate::common::{RawServer, Reply, apiscope_in};
use crate::newman::shape;
use std::collections::BTreeMap;

/// `/login` answers a JSON token; `/text` a plain-text one; `/hdr` a
/// header to chain; anything else `{}`.
fn recorder() -> RawServer {
    RawServer::start(|req| {
        let head = req.starts_with(b"HEAD ");
        let (ct, body, extra) = if req.starts_with(b"POST /login") {
            (
                "application/json",
                r#"{"token":"tok_FAKE_hy","user":{"id":7,"roles":["a","b"]}}"#,
                "",
            )
        } else if req.starts_with(b"GET /text") {
            ("text/plain", "plain-FAKE-value", "")
        } else if req.starts_with(b"GET /hdr") {
            ("application/json", "{}", "X-Next: cursor_abc\r\n")
        } else {
            ("application/json", "{}", "")
        };
        // (A HEAD's answer has no body.)
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                body.len(),
                if head { "" } else { body }
            )
            .into_bytes(),
        )
    })
}

/// Both sides with their generated values compared by shape: each
/// `X-Dyn-…` header the two requests share becomes its kind when both
/// values have it (the header's name says which: `Int-A-B`, `Float-A-B`,
/// `Alpha-N`, `Word-N`, `Hex-N`, `Uuid`, `Email`, `Time`), and is left as
/// it is (a difference) when one does not. A `Time` value is the same
/// when both are written alike (digits aside) and are within 5 minutes
/// of each other (the tools run seconds apart).
fn by_shape(
    t: &crate::newman::Shape,
    m: &crate::newman::Shape,
) -> (crate::newman::Shape, crate::newman::Shape) {
    let (mut t, mut m) = (t.clone(), m.clone());
    for (k, tv) in &mut t.1 {
        let Some(kind) = k.strip_prefix("x-dyn-") else {
            continue;
        };
        let Some((_, mv)) = m.1.iter_mut().find(|(mk, _)| mk == k) else {
            continue;
        };
        if let Some(class) = dynamic_kind(kind, tv, mv) {
            *tv = class.clone();
            *mv = class;
        }
    }
    (t, m)
}

/// The kind both values share, or `None`.
fn dynamic_kind(kind: &str, a: &str, b: &str) -> Option<String> {
    let words: Vec<&str> = kind.split('-').collect();
    let num = |w: Option<&&str>| w.and_then(|w| w.parse::<f64>().ok());
    let both = |ok: &dyn Fn(&str) -> bool| ok(a) && ok(b);
    let ok = match words.as_slice() {
        ["int", "neg", ..] => {
            let (lo, hi) = (-num(words.get(2))?, num(words.get(3))?);
            both(&|v| {
                v.parse::<i64>()
                    .is_ok_and(|n| (n as f64) >= lo && (n as f64) < hi)
            })
        }
        ["int", ..] => {
            let (lo, hi) = (num(words.get(1))?, num(words.get(2))?);
            both(&|v| {
                v.parse::<i64>()
                    .is_ok_and(|n| (n as f64) >= lo && (n as f64) < hi)
            })
        }
        ["float", ..] => {
            let (lo, hi) = (num(words.get(1))?, num(words.get(2))?);
            both(&|v| v.parse::<f64>().is_ok_and(|n| n >= lo && n <= hi))
        }
        ["alpha", n] => both(&|v| {
            v.len() == n.parse().unwrap_or(0) && v.bytes().all(|c| c.is_ascii_alphabetic())
        }),
        ["word", n] => both(&|v| {
            v.len() == n.parse().unwrap_or(0)
                && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        }),
        ["hex", n] => {
            both(&|v| v.len() == n.parse().unwrap_or(0) && v.bytes().all(|c| c.is_ascii_hexdigit()))
        }
        ["uuid", ..] => both(&|v| {
            v.len() == 36
                && v.bytes().enumerate().all(|(i, c)| {
                    if matches!(i, 8 | 13 | 18 | 23) {
                        c == b'-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
                && v.as_bytes()[14] == b'4'
        }),
        ["email"] => both(&|v| {
            v.split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !v.contains(' '))
        }),
        ["time", ..] => {
            let pattern = |v: &str| {
                v.chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { c })
                    .collect::<String>()
            };
            let secs = |v: &str| -> Option<i64> {
                if !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()) {
                    return v.parse().ok();
                }
                apiscope_core::time::parse_any_ms(v)
                    .map(|ms| ms / 1000)
                    .or_else(|| apiscope_core::time::parse_http_date(&v.replace("+0000", "GMT")))
            };
            let close = match (secs(a), secs(b)) {
                (Some(x), Some(y)) => (x - y).abs() <= 300,
                // (A format without a full time: written alike is enough.)
                _ => true,
            };
            pattern(a) == pattern(b) && close
        }
        _ => false,
    };
    ok.then(|| format!("<{kind}>"))
}

/// The files: `tests/fixtures/httpyac/` (its README says what each part
/// covers and what is left out where the tools differ). Every file there
/// is copied with `http://localhost:4041` pointed at the recorder; the
/// `.http` files are sent in name order.
fn fixtures(base: &str) -> (tempfile::TempDir, Vec<String>) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/httpyac");
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(e.path()).unwrap();
        let bytes = match String::from_utf8(bytes) {
            Ok(t) => t
                .replace("http://localhost:4041", base)
                .replace("localhost:4041", base.trim_start_matches("http://"))
                .into_bytes(),
            Err(e) => e.into_bytes(),
        };
        std::fs::write(dir.path().join(&name), bytes).unwrap();
        if name.ends_with(".http") {
            names.push(name);
        }
    }
    names.sort();
    (dir, names)
}

#[test]
fn httpyac_and_apiscope_send_the_same_requests() {
    if std::process::Command::new("httpyac")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "httpyac is not installed, and CI=true: .ci/run installs it (npm install -g httpyac@6.16.7)"
        );
        eprintln!(
            "SKIPPED: httpyac is not installed (npm install -g httpyac@6.16.7); .ci/run installs it"
        );
        return;
    }
    let theirs_server = recorder();
    let ours_server = recorder();
    let (theirs_dir, files) = fixtures(&theirs_server.base);
    let (ours_dir, _) = fixtures(&ours_server.base);
    let mut args = vec!["send".to_owned()];
    args.extend(files.iter().cloned());
    args.extend(["--all", "--env", "dev", "-o", "none"].map(str::to_owned));
    let out = std::process::Command::new("httpyac")
        .current_dir(theirs_dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "httpyac: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = ours_dir.path().to_string_lossy().into_owned();
    let run = apiscope_in(
        ours_dir.path(),
        &["test", &dir, "--env", "dev", "--trust", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let theirs: Vec<_> = theirs_server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    let mine: Vec<_> = ours_server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    assert!(
        files.len() >= 100 && theirs.len() >= files.len(),
        "{} files; httpyac sent {theirs:#?}",
        files.len()
    );
    assert_eq!(mine.len(), theirs.len(), "apiscope sent {mine:#?}");
    let mut diffs = BTreeMap::new();
    for (i, (t, m)) in theirs.iter().zip(&mine).enumerate() {
        let (t, m) = by_shape(t, m);
        if t != m {
            diffs.insert(i + 1, format!("httpyac: {t:#?}\napiscope: {m:#?}"));
        }
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
}
