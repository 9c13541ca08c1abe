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

/// An authorization server and an API on one loopback origin: `POST
/// /token` answers client credentials (client `cli`, secret
/// `cs_FAKE_oauth`) and refresh tokens with numbered tokens, anything else
/// `invalid_client`; `/api/me` wants a token it issued.
fn oauth_server() -> RawServer {
    oauth_server_from(1)
}

/// [`oauth_server`] whose API takes only tokens numbered `min` or later
/// (an earlier one is revoked: 401 `invalid_token`).
pub(crate) fn oauth_server_from(min: usize) -> RawServer {
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    RawServer::start(move |req| {
        let text = String::from_utf8_lossy(req).into_owned();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        if text.starts_with("POST /token") {
            // Basic base64("cli:cs_FAKE_oauth")
            let client_ok = text.contains("Basic Y2xpOmNzX0ZBS0Vfb2F1dGg=");
            if !client_ok {
                return reply(
                    401,
                    &[("Content-Type", "application/json")],
                    r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
                );
            }
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            let kind = if body.contains("grant_type=refresh_token") {
                "refreshed"
            } else if body.contains("grant_type=client_credentials") {
                "cc"
            } else {
                return reply(
                    400,
                    &[("Content-Type", "application/json")],
                    r#"{"error":"unsupported_grant_type"}"#,
                );
            };
            return reply(
                200,
                &[("Content-Type", "application/json")],
                &format!(
                    r#"{{"access_token":"at_FAKE_{kind}_{n}","token_type":"Bearer","expires_in":3600,"refresh_token":"rt_FAKE_{n}"}}"#
                ),
            );
        }
        let number = text
            .to_ascii_lowercase()
            .split("\r\nauthorization: bearer at_fake_")
            .nth(1)
            .and_then(|t| t.split("\r\n").next().map(str::to_owned))
            .and_then(|t| t.rsplit('_').next().and_then(|n| n.parse::<usize>().ok()));
        if number.is_some_and(|n| n >= min) {
            reply(
                200,
                &[("Content-Type", "application/json")],
                r#"{"me":"ann"}"#,
            )
        } else {
            reply(
                401,
                &[("WWW-Authenticate", r#"Bearer error="invalid_token""#)],
                "",
            )
        }
    })
}

pub(crate) fn oauth_collection(dir: &std::path::Path, base: &str, secret: &str) {
    std::fs::write(
        dir.join("api.http"),
        "### me\n# @name me\nGET {{host}}/api/me\nAuthorization: Bearer {{$auth.token(\"api\")}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("http-client.env.json"),
        serde_json::json!({"dev": {"host": base, "Security": {"Auth": {"api": {
            "Type": "OAuth2", "Grant Type": "Client Credentials",
            "Token URL": format!("{base}/token"), "Client ID": "cli",
            "Client Secret": "{{client_secret}}", "Scope": "read"
        }}}}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.join("http-client.private.env.json"),
        serde_json::json!({"dev": {"client_secret": secret}}).to_string(),
    )
    .unwrap();
}

/// Every file under `dir` (the history, the trust store…) but the token
/// cache itself, as text.
fn everything_but_the_cache(dir: &std::path::Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|f| f != "tokens.json") {
                out.push_str(&String::from_utf8_lossy(
                    &std::fs::read(&p).unwrap_or_default(),
                ));
            }
        }
    }
    out
}

#[test]
fn an_oauth2_token_is_fetched_once_cached_across_processes_and_refreshed() {
    let server = oauth_server();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    oauth_collection(dir.path(), &server.base, "cs_FAKE_oauth");
    let send = || {
        crate::common::apiscope_with(
            data.path(),
            dir.path(),
            &[
                "send",
                "api.http#me",
                "--env",
                "dev",
                "--yes",
                "--format",
                "json",
            ],
            b"",
        )
    };
    // Without --yes (and no terminal): refused, the Token URL named, nothing sent.
    let refused = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "api.http#me", "--env", "dev"],
        b"",
    );
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("OAuth2 token 'api'"),
        "{}",
        refused.stderr
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());

    let first = send();
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let second = send();
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let seen = server.requests();
    let tokens = seen.iter().filter(|r| r.starts_with("POST /token")).count();
    assert_eq!(tokens, 1, "one token for two processes: {seen:?}");
    assert!(
        seen.iter()
            .filter(|r| r.contains("Bearer at_FAKE_cc_1"))
            .count()
            == 2,
        "{seen:?}"
    );
    // The cache is the user's only: 0600.
    let cache = data.path().join("tokens.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    // No token and no client secret in anything printed or kept elsewhere.
    for run in [&first, &second] {
        for secret in ["at_FAKE_cc_1", "rt_FAKE_1", "cs_FAKE_oauth"] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{secret}: {}{}",
                run.stdout,
                run.stderr
            );
        }
    }
    let kept = everything_but_the_cache(data.path());
    for secret in ["at_FAKE_cc_1", "rt_FAKE_1", "cs_FAKE_oauth"] {
        assert!(
            !kept.contains(secret),
            "{secret} written outside the token cache"
        );
    }
    // `auth list` / `show` mask the values.
    let list = crate::common::apiscope_with(data.path(), dir.path(), &["auth", "show", "api"], b"");
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(
        list.stdout.contains("Client Credentials") && list.stdout.contains("expires in"),
        "{}",
        list.stdout
    );
    assert!(
        !list.stdout.contains("at_FAKE_cc_1") && !list.stdout.contains("rt_FAKE_1"),
        "{}",
        list.stdout
    );

    // Expired in the cache: refreshed with its refresh token, not fetched anew.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    for e in doc.as_object_mut().unwrap().values_mut() {
        e["token"]["expires_at"] = serde_json::json!(1);
    }
    std::fs::write(&cache, doc.to_string()).unwrap();
    let third = send();
    assert_eq!(third.code, 0, "{}\n{}", third.stdout, third.stderr);
    let seen = server.requests();
    assert!(
        seen.iter().any(|r| r.starts_with("POST /token")
            && r.contains("grant_type=refresh_token&refresh_token=rt_FAKE_1")),
        "{seen:?}"
    );
    assert!(
        seen.last().unwrap().contains("Bearer at_FAKE_refreshed_2"),
        "{seen:?}"
    );

    // `auth clear` drops it: the next run fetches again.
    let clear = crate::common::apiscope_with(data.path(), dir.path(), &["auth", "clear"], b"");
    assert!(clear.stdout.contains("Dropped 1"), "{}", clear.stdout);

    // Two processes at once with nothing cached: the cache's lock makes
    // one fetch, and the other use what it cached.
    let before = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /token"))
        .count();
    let runs: Vec<_> = std::thread::scope(|s| {
        let a = s.spawn(send);
        let b = s.spawn(send);
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    for r in &runs {
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    }
    let after = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /token"))
        .count();
    assert_eq!(after - before, 1, "{:?}", server.requests());
}

#[test]
fn a_token_endpoint_error_is_one_line_and_nothing_else_is_sent() {
    let server = oauth_server();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    oauth_collection(dir.path(), &server.base, "wrong_FAKE_secret");
    let run = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "api.http#me", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("OAuth2 'api': the token endpoint answered 401 invalid_client: Client authentication failed"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("wrong_FAKE_secret"), "{}", run.stderr);
    let seen = server.requests();
    assert!(
        seen.iter().all(|r| r.starts_with("POST /token")),
        "{seen:?}"
    );

    // `auth login` fills the cache ahead (and names the same error).
    oauth_collection(dir.path(), &server.base, "cs_FAKE_oauth");
    let login = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["auth", "login", "api", "api.http", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(login.code, 0, "{}\n{}", login.stdout, login.stderr);
    assert!(
        login.stdout.contains("Cached a token for 'api'"),
        "{}",
        login.stdout
    );
    assert!(!login.stdout.contains("at_FAKE_cc"), "{}", login.stdout);
    let run = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "api.http#me", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let tokens = server
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST /token"))
        .count();
    assert_eq!(
        tokens,
        2,
        "the failed one and the login's: {:?}",
        server.requests()
    );
    // As design.md writes it, `auth login ID`: the collection in this
    // directory, the one environment that has the configuration.
    let bare = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["auth", "login", "api", "--yes"],
        b"",
    );
    assert_eq!(bare.code, 0, "{}\n{}", bare.stdout, bare.stderr);
    assert!(
        bare.stdout.contains("Cached a token for 'api'"),
        "{}",
        bare.stdout
    );
}

/// A token the API refuses (401 `invalid_token`, revoked before it
/// expired): renewed once with the refresh token, and the request sent
/// again; the run succeeds.
#[test]
fn a_refused_oauth2_token_is_renewed_once_and_the_request_resent() {
    let server = oauth_server_from(2);
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    oauth_collection(dir.path(), &server.base, "cs_FAKE_oauth");
    let run = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &[
            "send",
            "api.http#me",
            "--env",
            "dev",
            "--yes",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("renewed once"), "{}", run.stderr);
    let seen: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.lines().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        seen,
        [
            "POST /token HTTP/1.1",
            "GET /api/me HTTP/1.1",
            "POST /token HTTP/1.1",
            "GET /api/me HTTP/1.1"
        ]
    );
    assert!(server.requests()[2].contains("grant_type=refresh_token"));
    assert!(server.requests()[3].contains("at_FAKE_refreshed_2"));
    assert!(!run.stdout.contains("at_FAKE") && !run.stderr.contains("at_FAKE"));
    // Neither token is kept anywhere but the token cache (the history).
    let kept = everything_but_the_cache(data.path());
    for secret in ["at_FAKE_cc_1", "at_FAKE_refreshed_2", "rt_FAKE_"] {
        assert!(
            !kept.contains(secret),
            "{secret} written outside the token cache"
        );
    }
}

/// A token endpoint that gives the same token again (here one that
/// expires as issued, `expires_in: 0`): the 401 stands, once renewed, and
/// the answer says why rather than nothing.
#[test]
fn a_renewal_that_gives_the_same_token_says_so() {
    let server = RawServer::start(|req| {
        let text = String::from_utf8_lossy(req).into_owned();
        if text.starts_with("POST /token") {
            return reply(
                200,
                &[("Content-Type", "application/json")],
                r#"{"access_token":"at_FAKE_same","token_type":"Bearer","expires_in":0}"#,
            );
        }
        reply(
            401,
            &[("WWW-Authenticate", r#"Bearer error="invalid_token""#)],
            "",
        )
    });
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    oauth_collection(dir.path(), &server.base, "cs_FAKE_oauth");
    let run = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "api.http#me", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("could not be renewed: the token endpoint gave the same token back for 'api' (it expires as it is issued"),
        "{}",
        run.stdout
    );
    assert!(server.requests().len() <= 4, "{}", server.requests().len());
}

/// The Device Authorization grant (RFC 8628) from `auth login`: the code
/// and the URL shown, the token endpoint polled through
/// `authorization_pending`, the token cached; a later run uses it without
/// asking again, and without it the run says to log in first.
#[test]
fn the_device_grant_logs_in_once_and_runs_use_its_token() {
    // As a JetBrains Security block, and as httpyac's `oauth2 device_code`.
    for httpyac in [false, true] {
        let polls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let p = polls.clone();
        let server = RawServer::start(move |req| {
            let text = String::from_utf8_lossy(req).into_owned();
            if text.starts_with("POST /device") {
                return reply(
                    200,
                    &[("Content-Type", "application/json")],
                    r#"{"device_code":"dc_FAKE_device","user_code":"WDJB-MJHT","verification_uri":"https://idp.example/activate","expires_in":60,"interval":1}"#,
                );
            }
            if text.starts_with("POST /token") && text.contains("device_code=dc_FAKE_device") {
                if p.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    return reply(
                        400,
                        &[("Content-Type", "application/json")],
                        r#"{"error":"authorization_pending"}"#,
                    );
                }
                return reply(
                    200,
                    &[("Content-Type", "application/json")],
                    r#"{"access_token":"at_FAKE_device_1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt_FAKE_device"}"#,
                );
            }
            if text
                .to_ascii_lowercase()
                .contains("authorization: bearer at_fake_device_1")
            {
                reply(
                    200,
                    &[("Content-Type", "application/json")],
                    r#"{"me":"ann"}"#,
                )
            } else {
                reply(401, &[], "")
            }
        });
        let data = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let id = if httpyac { "httpyac-tv" } else { "tv" };
        if httpyac {
            std::fs::write(
                dir.path().join("api.http"),
                "### me\n# @name me\nGET {{host}}/api/me\nAuthorization: oauth2 device_code tv\n",
            )
            .unwrap();
            std::fs::write(
                dir.path().join("http-client.env.json"),
                serde_json::json!({"dev": {"host": server.base,
                "tv_deviceCodeEndpoint": format!("{}/device", server.base),
                "tv_tokenEndpoint": format!("{}/token", server.base),
                "tv_clientId": "tv-app", "tv_scope": "read"}})
                .to_string(),
            )
            .unwrap();
        } else {
            std::fs::write(
            dir.path().join("api.http"),
            "### me\n# @name me\nGET {{host}}/api/me\nAuthorization: Bearer {{$auth.token(\"tv\")}}\n",
        )
        .unwrap();
            std::fs::write(
                dir.path().join("http-client.env.json"),
                serde_json::json!({"dev": {"host": server.base, "Security": {"Auth": {"tv": {
                    "Type": "OAuth2", "Grant Type": "Device Authorization",
                    "Device Auth URL": format!("{}/device", server.base),
                    "Token URL": format!("{}/token", server.base),
                    "Client ID": "tv-app", "Client Credentials": "none", "Scope": "read"
                }}}}})
                .to_string(),
            )
            .unwrap();
        }
        let run = |args: &[&str]| crate::common::apiscope_with(data.path(), dir.path(), args, b"");
        // Not logged in: the run says how.
        let first = run(&["send", "api.http#me", "--env", "dev", "--yes"]);
        assert_eq!(first.code, 2, "{}\n{}", first.stdout, first.stderr);
        assert!(
            first
                .stderr
                .contains(&format!("run `apiscope auth login {id} ")),
            "{}",
            first.stderr
        );
        let login = run(&["auth", "login", id, "api.http", "--env", "dev", "--yes"]);
        assert_eq!(login.code, 0, "{}\n{}", login.stdout, login.stderr);
        assert!(
            login
                .stderr
                .contains("open https://idp.example/activate and enter the code WDJB-MJHT"),
            "{}",
            login.stderr
        );
        assert!(
            login.stdout.contains(&format!("Cached a token for '{id}'")),
            "{}",
            login.stdout
        );
        assert!(
            !login.stdout.contains("at_FAKE") && !login.stderr.contains("dc_FAKE"),
            "{}{}",
            login.stdout,
            login.stderr
        );
        assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 2);
        let me = run(&["send", "api.http#me", "--env", "dev", "--yes"]);
        assert_eq!(me.code, 0, "{}\n{}", me.stdout, me.stderr);
        let tokens = server
            .requests()
            .iter()
            .filter(|r| r.starts_with("POST /token"))
            .count();
        assert_eq!(tokens, 2, "the two polls only: {:?}", server.requests());
    }
}

/// Reads lines of a child's stderr until one holds `needle`, within 20 s.
fn line_with(stderr: &mut impl std::io::BufRead, needle: &str) -> String {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut line = String::new();
    while std::time::Instant::now() < until {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.contains(needle) {
            return line.trim().to_owned();
        }
    }
    panic!("no line with {needle}");
}

/// A GET by hand (the browser following the redirect); the status code.
fn browser_get(url: &str) -> u16 {
    use std::io::{Read, Write};
    let u = url::Url::parse(url).unwrap();
    let mut c = std::net::TcpStream::connect(("127.0.0.1", u.port().unwrap())).unwrap();
    let target = format!("{}?{}", u.path(), u.query().unwrap_or(""));
    write!(
        c,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = c.read_to_string(&mut out);
    out.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// The Authorization Code grant with PKCE from `auth login --no-browser`:
/// the authorization URL printed (S256 challenge, a one-time state), the
/// browser's redirect to the loopback listener answered, the code redeemed
/// with the verifier whose challenge the URL carried; a redirect with
/// another state ends the login with nothing exchanged.
#[test]
fn the_code_grant_with_pkce_logs_in_through_the_loopback_redirect() {
    let server = RawServer::start(move |req| {
        let text = String::from_utf8_lossy(req).into_owned();
        if text.starts_with("POST /token") && text.contains("grant_type=authorization_code") {
            let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
            let verifier = url::form_urlencoded::parse(body.as_bytes())
                .find(|(k, _)| k == "code_verifier")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let ok = body.contains("code=code_FAKE_1") && !verifier.is_empty();
            // (The challenge is checked by the test, against the URL.)
            if ok {
                return reply(
                    200,
                    &[("Content-Type", "application/json")],
                    &format!(
                        r#"{{"access_token":"at_FAKE_code","token_type":"Bearer","expires_in":3600,"verifier_seen":"{verifier}"}}"#
                    ),
                );
            }
            return reply(
                400,
                &[("Content-Type", "application/json")],
                r#"{"error":"invalid_grant"}"#,
            );
        }
        reply(404, &[], "")
    });
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("api.http"), "GET https://api.example/me\n").unwrap();
    std::fs::write(
        dir.path().join("http-client.env.json"),
        serde_json::json!({"dev": {"Security": {"Auth": {"web": {
            "Type": "OAuth2", "Grant Type": "Authorization Code",
            "Auth URL": "https://idp.example/authorize",
            "Token URL": format!("{}/token", server.base),
            "Client ID": "web-app", "Client Credentials": "none", "Scope": "openid read",
            "Redirect URL": "http://127.0.0.1:0/callback"
        }}}}})
        .to_string(),
    )
    .unwrap();
    let login = |state_override: Option<&str>, paste: bool| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_apiscope"))
            .current_dir(dir.path())
            .args([
                "auth",
                "login",
                "web",
                "api.http",
                "--env",
                "dev",
                "--yes",
                "--no-browser",
            ])
            .env("APISCOPE_DATA_DIR", data.path())
            .env("APISCOPE_CONFIG_DIR", data.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut input = child.stdin.take().unwrap();
        let url = line_with(&mut err, "https://idp.example/authorize?");
        let u = url::Url::parse(&url).unwrap();
        let q: std::collections::HashMap<String, String> = u.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["client_id"], "web-app");
        assert!(q["state"].len() >= 16, "{url}");
        let redirect = &q["redirect_uri"];
        assert!(
            redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"),
            "{redirect}"
        );
        let state = state_override.unwrap_or(&q["state"]).to_owned();
        let landed = format!("{redirect}?code=code_FAKE_1&state={state}");
        let status = if paste {
            // A headless machine: the browser elsewhere ended on the
            // loopback address it could not reach; the person pastes it.
            use std::io::Write as _;
            writeln!(input, "{landed}").unwrap();
            0
        } else {
            browser_get(&landed)
        };
        drop(input);
        let out = child.wait_with_output().unwrap();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut rest);
        (
            status,
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            rest,
            q["code_challenge"].clone(),
        )
    };
    // Another state: refused, nothing exchanged.
    let (status, code, _, stderr, _) = login(Some("forged_FAKE"), false);
    assert_eq!(status, 400);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("state does not match"), "{stderr}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // The right one: the code redeemed with the verifier of the challenge.
    let (status, code, _, stderr, _) = login(Some("forged_FAKE"), true);
    assert_eq!(status, 0);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("state does not match"), "{stderr}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // Pasted back by hand, with its state: redeemed as a redirect is.
    let (_, code, stdout, stderr, _) = login(None, true);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("Cached a token for 'web'"), "{stdout}");
    assert_eq!(server.requests().len(), 1);
    let (status, code, stdout, stderr, challenge) = login(None, false);
    assert_eq!(status, 200);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("Cached a token for 'web'"), "{stdout}");
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    let body = seen[1].split("\r\n\r\n").nth(1).unwrap_or("");
    let verifier = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "code_verifier")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(
        apiscope_core::auth::oauth2::pkce_challenge(&verifier),
        challenge
    );
    assert!(
        body.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{body}"
    );
}

/// The `Authorization` header of a raw request, and its other headers.
fn aws_parts(raw: &str) -> (String, apiscope_core::model::Request) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let mut lines = head.lines();
    let line = lines.next().unwrap();
    let mut parts = line.split(' ');
    let method = parts.next().unwrap().to_owned();
    let target = parts.next().unwrap().to_owned();
    let mut headers = apiscope_core::model::Headers::new();
    let mut auth = String::new();
    for l in lines {
        let (k, v) = l.split_once(':').unwrap();
        if k.eq_ignore_ascii_case("authorization") {
            auth = v.trim().to_owned();
        } else {
            headers.push(k.trim(), v.trim());
        }
    }
    let host = headers.get("host").unwrap().to_owned();
    (
        auth,
        apiscope_core::model::Request {
            method,
            url: Some(format!("http://{host}{target}")),
            headers,
            body: body.as_bytes().to_vec().into(),
        },
    )
}

/// Checks a signed request as AWS would: the signature recomputed over
/// the headers it says it signed.
fn verify_sigv4(raw: &str, secret: &str) -> (String, String) {
    use apiscope_core::auth::sigv4;
    let (auth, req) = aws_parts(raw);
    let cred = auth
        .split("Credential=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let scope: Vec<&str> = cred.split('/').collect();
    let signed: Vec<String> = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .split(';')
        .map(str::to_owned)
        .collect();
    let sent = auth.split("Signature=").nth(1).unwrap().trim().to_owned();
    let aws = sigv4::Aws {
        key_id: scope[0].to_owned(),
        secret: secret.to_owned(),
        session_token: None,
        region: scope[2].to_owned(),
        service: scope[3].to_owned(),
    };
    let date = req.headers.get("x-amz-date").unwrap().to_owned();
    let (mine, _) = sigv4::signature(&req, &aws, &date, &signed).unwrap();
    (sent, mine)
}

/// AWS SigV4 as curl signs it (`--aws-sigv4`): curl's signature is the
/// one apiscope computes for curl's request, and apiscope's own (send
/// --aws-sigv4, and httpyac's `Authorization: AWS …` in a .http file)
/// verifies the same way.
#[test]
fn sigv4_signs_as_curl_signs() {
    let theirs = RawServer::start(|_| reply(200, &[("Content-Type", "application/json")], "{}"));
    let ours = RawServer::start(|_| reply(200, &[("Content-Type", "application/json")], "{}"));
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY_FAKE";
    let user = format!("AKIDEXAMPLE:{secret}");
    // (A query already in canonical order: curl 7.88 signs the query as
    // written, where the SigV4 spec sorts it, as apiscope does.)
    let url = |base: &str| format!("{base}/prod/items?a=1&b=two");
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_ok()
    {
        let out = std::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "--aws-sigv4",
                "aws:amz:eu-west-1:execute-api",
                "--user",
                &user,
            ])
            .args(["-H", "Content-Type: application/json", "-d", r#"{"n":1}"#])
            .arg(url(&theirs.base))
            .output()
            .unwrap();
        assert!(out.status.success());
        let raw = theirs.requests().remove(0);
        let (sent, mine) = verify_sigv4(&raw, secret);
        assert_eq!(sent, mine, "curl's request:\n{raw}");
    } else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "curl is not installed"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let run = apiscope_in(
        dir.path(),
        &[
            "send",
            "POST",
            &url(&ours.base),
            "n:=1",
            "--aws-sigv4",
            "aws:amz:eu-west-1:execute-api",
            "-a",
            &user,
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret));
    std::fs::write(
        dir.path().join("aws.http"),
        format!(
            "### put\n# @name put\nPUT {}/prod/items/7\nContent-Type: text/plain\nAuthorization: AWS AKIDEXAMPLE {{{{aws_secret}}}} region:eu-west-1 service:execute-api\n\nhello\n",
            ours.base
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        serde_json::json!({"dev": {"aws_secret": secret}}).to_string(),
    )
    .unwrap();
    let run = apiscope_in(
        dir.path(),
        &["send", "aws.http#put", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let seen = ours.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for raw in &seen {
        assert!(
            raw.contains("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{raw}"
        );
        assert!(
            !raw.contains("region:eu-west-1"),
            "the shorthand went on the wire: {raw}"
        );
        let (sent, mine) = verify_sigv4(raw, secret);
        assert_eq!(sent, mine, "{raw}");
    }
}

/// `send --aws-sigv4` without `-a`: the credentials the AWS tools read —
/// the variables first, else the shared credentials file's profile (its
/// session token sent as `x-amz-security-token`); none is one line.
#[test]
fn sigv4_credentials_come_from_where_the_aws_tools_read_them() {
    let server = RawServer::start(|_| reply(200, &[("Content-Type", "application/json")], "{}"));
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(
        &creds,
        "[default]\naws_access_key_id = AKID_FAKE_DEFAULT\naws_secret_access_key = secret_FAKE_default\n\n[work]\naws_access_key_id = AKID_FAKE_WORK\naws_secret_access_key = secret_FAKE_work\naws_session_token = tok_FAKE_session\n",
    )
    .unwrap();
    let send = |env: &[(&str, &str)]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_apiscope"));
        c.current_dir(dir.path())
            .args([
                "send",
                &format!("{}/x", server.base),
                "--aws-sigv4",
                "aws:amz:us-east-1:execute-api",
            ])
            .env("APISCOPE_DATA_DIR", dir.path())
            .env("APISCOPE_CONFIG_DIR", dir.path())
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("HOME", dir.path().join("nohome"));
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let creds_s = creds.to_string_lossy().into_owned();
    let out = send(&[
        ("AWS_SHARED_CREDENTIALS_FILE", &creds_s),
        ("AWS_PROFILE", "work"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = send(&[
        ("AWS_ACCESS_KEY_ID", "AKID_FAKE_ENV"),
        ("AWS_SECRET_ACCESS_KEY", "secret_FAKE_env"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(
        seen[0].contains("Credential=AKID_FAKE_WORK/")
            && seen[0]
                .to_ascii_lowercase()
                .contains("x-amz-security-token: tok_fake_session"),
        "{}",
        seen[0]
    );
    let (s, m) = verify_sigv4(&seen[0], "secret_FAKE_work");
    assert_eq!(s, m);
    assert!(seen[1].contains("Credential=AKID_FAKE_ENV/"), "{}", seen[1]);
    let (s, m) = verify_sigv4(&seen[1], "secret_FAKE_env");
    assert_eq!(s, m);
    // None anywhere: one line, nothing sent.
    let out = send(&[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--aws-sigv4: no credentials"), "{err}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn httpyacs_oauth2_header_form_fetches_caches_and_sends_the_token() {
    // httpyac's `Authorization: oauth2 client_credentials` with its
    // oauth2_* variables (the client secret in the private env file):
    // the token fetched once (Basic client auth, as httpyac's default),
    // cached for the next process, and sent as `Bearer TOKEN`.
    let server = oauth_server();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "### me\n# @name me\nGET {{host}}/api/me\nAuthorization: oauth2 client_credentials\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.env.json"),
        serde_json::json!({"dev": {"host": server.base,
            "oauth2_tokenEndpoint": format!("{}/token", server.base),
            "oauth2_clientId": "cli", "oauth2_scope": "read"}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        serde_json::json!({"dev": {"oauth2_clientSecret": "cs_FAKE_oauth"}}).to_string(),
    )
    .unwrap();
    let send = || {
        crate::common::apiscope_with(
            data.path(),
            dir.path(),
            &[
                "send",
                "api.http#me",
                "--env",
                "dev",
                "--yes",
                "--format",
                "json",
            ],
            b"",
        )
    };
    for _ in 0..2 {
        let run = send();
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(!run.stdout.contains("at_FAKE_cc_1") && !run.stderr.contains("cs_FAKE_oauth"));
    }
    let seen = server.requests();
    assert_eq!(
        seen.iter().filter(|r| r.starts_with("POST /token")).count(),
        1,
        "{seen:?}"
    );
    let token = seen.iter().find(|r| r.starts_with("POST /token")).unwrap();
    assert!(
        token.contains("grant_type=client_credentials") && token.contains("scope=read"),
        "{token}"
    );
    assert_eq!(
        seen.iter()
            .filter(|r| r
                .to_ascii_lowercase()
                .contains("authorization: bearer at_fake_cc_1"))
            .count(),
        2,
        "{seen:?}"
    );
    // The shorthand itself never went out.
    assert!(
        !seen.iter().any(|r| r.contains("oauth2 client_credentials")),
        "{seen:?}"
    );
    // Without its variables: one line naming them, nothing sent.
    std::fs::write(
        dir.path().join("bare.http"),
        "GET {{host}}/api/me\nAuthorization: oauth2 client_credentials other\n",
    )
    .unwrap();
    let before = server.requests().len();
    let run = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "bare.http#1", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("define other_tokenEndpoint and other_clientId"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), before);
}

#[test]
fn send_oauth2_options_fetch_once_and_send_the_bearer() {
    // A one-off request with OAuth 2.0 client credentials on the command
    // line (the secret from the environment): fetched once for two
    // processes (the token cache), sent as the bearer; a refused client is
    // one line, exit 2, nothing sent to the API.
    let server = oauth_server();
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/api/me", server.base);
    let token_url = format!("{}/token", server.base);
    let run = |secret: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_apiscope"))
            .current_dir(dir.path())
            .args([
                "send",
                &url,
                "--oauth2-token-url",
                &token_url,
                "--oauth2-client-id",
                "cli",
                "--oauth2-client-secret",
                "{{env.CLIENT_SECRET}}",
                "--oauth2-scope",
                "read",
                "--format",
                "json",
            ])
            .env("APISCOPE_CONFIG_DIR", data.path())
            .env("APISCOPE_DATA_DIR", data.path())
            .env("CLIENT_SECRET", secret)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for _ in 0..2 {
        let (code, stdout, stderr) = run("cs_FAKE_oauth");
        assert_eq!(code, Some(0), "{stdout}\n{stderr}");
        assert!(!stdout.contains("at_FAKE_cc_1") && !stderr.contains("cs_FAKE_oauth"));
    }
    let seen = server.requests();
    assert_eq!(
        seen.iter().filter(|r| r.starts_with("POST /token")).count(),
        1,
        "{seen:?}"
    );
    assert_eq!(
        seen.iter()
            .filter(|r| r
                .to_ascii_lowercase()
                .contains("authorization: bearer at_fake_cc_1"))
            .count(),
        2,
        "{seen:?}"
    );
    // Nothing written outside the token cache holds the token or the
    // secret (the history above all).
    let kept = everything_but_the_cache(data.path());
    for secret in ["at_FAKE_cc_1", "cs_FAKE_oauth"] {
        assert!(
            !kept.contains(secret),
            "{secret} written outside the token cache"
        );
    }
    // Another client secret is another configuration: fetched, refused.
    let before = server.requests().len();
    let (code, stdout, stderr) = run("cs_WRONG_FAKE");
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("invalid_client"), "{stderr}");
    assert!(!stderr.contains("cs_WRONG_FAKE"), "{stderr}");
    let after = server.requests();
    assert_eq!(after.len(), before + 1, "only the token request: {after:?}");
}

/// The Password grant on the wire, with its RFC errors: the token (and
/// its `id_token`, `{{$auth.idToken("ID")}}`) fetched with the user's
/// credentials; an API 401 renews it — the refresh token refused with
/// `invalid_grant`, so fetched anew with the grant — and the request is
/// sent again; a scope the server refuses (`invalid_scope`) is one line
/// with its step and nothing reaches the API.
#[test]
fn the_password_grant_its_id_token_and_a_refused_refresh() {
    let issued = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let server = RawServer::start(move |req| {
        let text = String::from_utf8_lossy(req).into_owned();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        let json = [("Content-Type", "application/json")];
        if text.starts_with("POST /token") {
            if body.contains("grant_type=refresh_token") {
                return reply(
                    400,
                    &json,
                    r#"{"error":"invalid_grant","error_description":"refresh token revoked"}"#,
                );
            }
            if !(body.contains("grant_type=password")
                && body.contains("username=ann")
                && body.contains("password=pw_FAKE_grant"))
            {
                return reply(400, &json, r#"{"error":"invalid_request"}"#);
            }
            if body.contains("scope=bad") {
                return reply(400, &json, r#"{"error":"invalid_scope"}"#);
            }
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            return reply(
                200,
                &json,
                &format!(
                    r#"{{"access_token":"at_FAKE_pw_{n}","token_type":"Bearer","expires_in":3600,"refresh_token":"rt_FAKE_pw_{n}","id_token":"idt_FAKE_{n}"}}"#
                ),
            );
        }
        let ok = text.contains("Bearer at_FAKE_pw_2") && text.contains("idt_FAKE_");
        if ok {
            reply(200, &json, r#"{"me":"ann"}"#)
        } else {
            reply(
                401,
                &[("WWW-Authenticate", r#"Bearer error="invalid_token""#)],
                "",
            )
        }
    });
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "### me\n# @name me\nGET {{host}}/me\nAuthorization: Bearer {{$auth.token(\"pw\")}}\nX-Id-Token: {{$auth.idToken(\"pw\")}}\n",
    )
    .unwrap();
    let block = |scope: &str| {
        serde_json::json!({"host": server.base, "Security": {"Auth": {"pw": {
            "Type": "OAuth2", "Grant Type": "Password", "Token URL": format!("{}/token", server.base),
            "Client ID": "cli", "Client Credentials": "none", "Username": "ann", "Password": "{{pw}}", "Scope": scope
        }}}})
    };
    std::fs::write(
        dir.path().join("http-client.env.json"),
        serde_json::json!({"dev": block("read"), "badscope": block("bad")}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        serde_json::json!({"dev": {"pw": "pw_FAKE_grant"}, "badscope": {"pw": "pw_FAKE_grant"}})
            .to_string(),
    )
    .unwrap();
    let run = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "api.http#me", "--env", "dev", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            let line = r.lines().next().unwrap_or("").to_owned();
            let grant = r
                .split("grant_type=")
                .nth(1)
                .map(|g| g.split('&').next().unwrap_or("").to_owned());
            grant.map_or(line.clone(), |g| format!("{line} {g}"))
        })
        .collect();
    assert_eq!(
        lines,
        [
            "POST /token HTTP/1.1 password",
            "GET /me HTTP/1.1",
            "POST /token HTTP/1.1 refresh_token",
            "POST /token HTTP/1.1 password",
            "GET /me HTTP/1.1"
        ]
    );
    // Planted: the password, the tokens and the id token reach no printed
    // line and no file but the token cache (the history included).
    let kept = everything_but_the_cache(data.path());
    for secret in ["pw_FAKE_grant", "at_FAKE_pw", "idt_FAKE_", "rt_FAKE_pw"] {
        assert!(
            !kept.contains(secret),
            "{secret} written outside the token cache"
        );
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "{secret}"
        );
    }
    let before = server.requests().len();
    let bad = crate::common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", "api.http#me", "--env", "badscope", "--yes"],
        b"",
    );
    assert_eq!(bad.code, 2, "{}\n{}", bad.stdout, bad.stderr);
    assert!(
        bad.stderr.contains("invalid_scope — Check the Scope"),
        "{}",
        bad.stderr
    );
    let after: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.lines().next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        after,
        ["POST /token HTTP/1.1"],
        "nothing but the token request"
    );
}
