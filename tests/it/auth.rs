//! Auth schemes on the wire, against loopback servers and the reference
//! tools: Digest as `curl --digest` answers it.

use crate::common::{RawServer, apiscope_in, reply};
use apiscope_core::auth::digest;
use apiscope_core::decode::auth::parse_challenges;

const CHALLENGE: &str = r#"Digest realm="apiscope-test@example.org", qop="auth", algorithm=MD5, nonce="FAKEnonce7ypf/xlj9XXwfDPEoM4URrv", opaque="FAKEopaqueFQhe""#;

/// A Digest endpoint: a request without `Authorization: Digest` gets the
/// challenge; one with an answer gets 200 (the test checks the answers).
fn digest_server(challenge: &'static str) -> RawServer {
    RawServer::start(move |req| {
        let text = String::from_utf8_lossy(req).to_ascii_lowercase();
        if text.contains("\r\nauthorization: digest ") {
            reply(
                200,
                &[("Content-Type", "application/json")],
                r#"{"ok":true}"#,
            )
        } else {
            reply(
                401,
                &[
                    ("WWW-Authenticate", challenge),
                    ("Content-Type", "text/plain"),
                ],
                "digest please",
            )
        }
    })
}

/// The `Authorization` header of each request received, parsed.
fn answers(server: &RawServer) -> Vec<Option<apiscope_core::decode::auth::Challenge>> {
    server
        .requests()
        .iter()
        .map(|r| {
            r.lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("authorization")
                        .then(|| v.trim().to_owned())
                })
                .map(|v| parse_challenges(&v).unwrap().remove(0))
        })
        .collect()
}

/// What an answer's `response` should be for its own cnonce and nc, as
/// apiscope's core computes it.
fn recomputed(
    answer: &apiscope_core::decode::auth::Challenge,
    challenge: &str,
    method: &str,
) -> String {
    let c = parse_challenges(challenge).unwrap().remove(0);
    let creds = digest::shorthand("Digest ann pw_FAKE_digest").unwrap();
    let nc = u32::from_str_radix(answer.param("nc").unwrap(), 16).unwrap();
    let full = digest::answer(
        &c,
        &creds,
        method,
        answer.param("uri").unwrap(),
        nc,
        answer.param("cnonce").unwrap(),
    )
    .unwrap();
    parse_challenges(&full).unwrap()[0]
        .param("response")
        .unwrap()
        .to_owned()
}

#[test]
fn digest_is_answered_as_curl_answers_it() {
    let curl = std::process::Command::new("curl").arg("--version").output();
    if curl.is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "curl is not installed"
        );
        eprintln!("SKIPPED: curl is not installed");
        return;
    }
    for challenge in [
        CHALLENGE,
        r#"Digest realm="apiscope-test@example.org", qop="auth", algorithm=SHA-256, nonce="FAKEnonce2", opaque="FAKEopaque2""#,
    ] {
        let theirs = digest_server(challenge);
        let ours = digest_server(challenge);
        let out = std::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--digest",
                "-u",
                "ann:pw_FAKE_digest",
            ])
            .arg(format!("{}/dir/index.html?x=1", theirs.base))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "200");
        let dir = tempfile::tempdir().unwrap();
        let run = apiscope_in(
            dir.path(),
            &[
                "send",
                &format!("{}/dir/index.html?x=1", ours.base),
                "-a",
                "ann:pw_FAKE_digest",
                "--auth-type",
                "digest",
                "--format",
                "json",
            ],
            b"",
        );
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let (t, m) = (answers(&theirs), answers(&ours));
        // Both: the first request without credentials, then the answer.
        assert_eq!(t.len(), 2, "{:?}", theirs.requests());
        assert_eq!(m.len(), 2, "{:?}", ours.requests());
        assert!(t[0].is_none() && m[0].is_none(), "{:?}", ours.requests());
        let (t, m) = (t[1].as_ref().unwrap(), m[1].as_ref().unwrap());
        let names = |c: &apiscope_core::decode::auth::Challenge| {
            let mut n: Vec<String> = c.params.iter().map(|(k, _)| k.clone()).collect();
            n.sort();
            n
        };
        assert_eq!(names(t), names(m), "curl: {t:?}\napiscope: {m:?}");
        for p in ["username", "realm", "nonce", "uri", "qop", "nc", "opaque"] {
            assert_eq!(t.param(p), m.param(p), "{p}: curl {t:?}\napiscope {m:?}");
        }
        assert!(
            t.param("algorithm")
                .unwrap()
                .eq_ignore_ascii_case(m.param("algorithm").unwrap()),
            "{t:?} {m:?}"
        );
        // curl's response is the one apiscope computes for curl's cnonce,
        // and apiscope's is right for its own.
        assert_eq!(
            t.param("response").unwrap(),
            recomputed(t, challenge, "GET")
        );
        assert_eq!(
            m.param("response").unwrap(),
            recomputed(m, challenge, "GET")
        );
        // The password is nowhere in what was printed.
        assert!(!run.stdout.contains("pw_FAKE_digest") && !run.stderr.contains("pw_FAKE_digest"));
    }
}

#[test]
fn digest_from_a_http_file_and_refused_credentials_said_once() {
    let server = digest_server(CHALLENGE);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "@user = ann\n\n### secured\n# @name secured\nPOST {}/dir/x\nAuthorization: Digest {{{{user}}}} {{{{pass}}}}\nContent-Type: application/json\n\n{{\"a\": 1}}\n",
            server.base
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        r#"{"dev": {"pass": "pw_FAKE_digest"}}"#,
    )
    .unwrap();
    let run = apiscope_in(
        dir.path(),
        &[
            "send",
            "api.http#secured",
            "--env",
            "dev",
            "--yes",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let a = answers(&server);
    assert_eq!(a.len(), 2);
    let m = a[1].as_ref().unwrap();
    assert_eq!(m.param("uri"), Some("/dir/x"));
    assert_eq!(
        m.param("response").unwrap(),
        recomputed(m, CHALLENGE, "POST")
    );
    // The body went both times.
    assert!(
        server.requests().iter().all(|r| r.ends_with("{\"a\": 1}")),
        "{:?}",
        server.requests()
    );

    // A server that refuses every answer: asked once, the 401 shown with
    // why, not a loop.
    let refusing = RawServer::start(|_| reply(401, &[("WWW-Authenticate", CHALLENGE)], "no"));
    let run = apiscope_in(
        dir.path(),
        &[
            "send",
            &format!("{}/x", refusing.base),
            "-a",
            "ann:wrong_FAKE",
            "-A",
            "digest",
        ],
        b"",
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(refusing.requests().len(), 2, "{:?}", refusing.requests());
    assert!(
        run.stdout
            .contains("Digest: the server refused the credentials of user 'ann'"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("wrong_FAKE"), "{}", run.stdout);
}
