//! Bruno's own CLI as the reference for Bruno collection folders: each
//! collection of `tests/fixtures/bruno/` (its README says what each
//! covers) is run by `bru run` (`@usebruno/cli`, pinned, installed by
//! `.ci/run`) and, imported, by `apiscope replay --live`, against loopback
//! recorders; what arrived is compared request by request with newman's
//! comparison rules plus Bruno's own defaults (its `request-start-time`
//! header and its default `Accept`). Skipped with a message where `bru` is
//! absent, except under `CI=true`, where that is a failure.

use crate::common::{RawServer, Reply, apiscope_in};
use crate::newman::shape;
use std::collections::BTreeMap;

/// `POST /login` answers a token; a HEAD no body; anything else `{}`.
fn recorder() -> RawServer {
    RawServer::start(|req| {
        let body = if req.starts_with(b"HEAD ") {
            ""
        } else if req.starts_with(b"POST /login") {
            r#"{"token":"tok_FAKE_bru"}"#
        } else {
            "{}"
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    })
}

/// Collections that differ on purpose (the fixtures' README says why).
const KNOWN_DIFFERENT: &[&str] = &[];

/// A copy of `src` with `http://localhost:4041` pointed at `base`.
fn copy(src: &std::path::Path, dst: &std::path::Path, base: &str) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.path().is_dir() {
            copy(&e.path(), &to, base);
        } else {
            let text = std::fs::read_to_string(e.path()).unwrap();
            std::fs::write(to, text.replace("http://localhost:4041", base)).unwrap();
        }
    }
}

/// What a request is for the comparison, Bruno's own defaults aside.
fn bruno_shape(raw: &[u8]) -> (String, Vec<(String, String)>, String) {
    let (line, mut headers, body) = shape(raw);
    headers.retain(|(k, v)| {
        k != "request-start-time" && !(k == "accept" && v == "application/json, text/plain, */*")
    });
    (line, headers, body)
}

#[test]
fn bru_and_apiscope_send_the_same_requests() {
    if std::process::Command::new("bru")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "bru is not installed, and CI=true: .ci/run installs it (npm install -g @usebruno/cli@4.1.0)"
        );
        eprintln!(
            "SKIPPED: bru is not installed (npm install -g @usebruno/cli@4.1.0); .ci/run installs it"
        );
        return;
    }
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bruno");
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("bruno.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    let work = tempfile::tempdir().unwrap();
    let mut diffs = BTreeMap::new();
    for name in &names {
        let (theirs, ours) = (recorder(), recorder());
        let bru_dir = work.path().join(name).join("bru");
        let our_dir = work.path().join(name).join("apiscope");
        copy(&corpus.join(name), &bru_dir, &theirs.base);
        copy(&corpus.join(name), &our_dir, &ours.base);
        let env = bru_dir.join("environments/Local.bru").is_file();
        let mut args = vec!["run", "--noproxy"];
        if env {
            args.extend(["--env", "Local"]);
        }
        let out = std::process::Command::new("bru")
            .current_dir(&bru_dir)
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: bru: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let run = apiscope_in(&our_dir, &["import", ".", "-o", "c"], b"");
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let http = std::fs::read_dir(our_dir.join("c"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "http"))
            .unwrap();
        let http = http.to_string_lossy().into_owned();
        let mut replay = vec!["replay", http.as_str(), "--live", "--yes", "--trust"];
        if env {
            replay.extend(["--env", "Local"]);
        }
        let _ = apiscope_in(&our_dir, &replay, b"");
        let t: Vec<_> = theirs
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|r| bruno_shape(r))
            .collect();
        let m: Vec<_> = ours
            .received
            .lock()
            .unwrap()
            .iter()
            .map(|r| bruno_shape(r))
            .collect();
        if t.is_empty() || t != m {
            let what = crate::newman::first_difference("bru", &t, &m);
            diffs.insert(name.clone(), what);
        }
    }
    for known in KNOWN_DIFFERENT {
        assert!(
            diffs.remove(*known).is_some(),
            "{known} now goes out as bru sends it: take it off KNOWN_DIFFERENT"
        );
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
}
