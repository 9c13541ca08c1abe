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
            Ok(t) => t.replace("http://localhost:4041", base).into_bytes(),
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
        if t != m {
            diffs.insert(i + 1, format!("httpyac: {t:#?}\napiscope: {m:#?}"));
        }
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
}
