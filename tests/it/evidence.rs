//! No vendor without evidence: a documented API's dialect (its steps,
//! limits, token format, console paths) only when the host is one its
//! profile names, the user chose it, or the response carries the marks its
//! documents make distinctive. A common code in a common shape is read the
//! same way but decoded as `generic`.

use crate::common::{self, HarEntry, apiscope, decode_one, har, raw};
use serde_json::{Value, json};

const JSON: (&str, &str) = ("Content-Type", "application/json");

/// Words that only a seed vendor's documents say: none may appear in the
/// diagnosis of somebody else's API.
const VENDOR_FACTS: &[&str] = &[
    "imb_pat_",
    "Account > API Access",
    "300 requests",
    "60 / 300",
    "5 min",
    "board",
    "Card Sources",
    "x-token",
    "getaptly",
    "100 requests per minute",
    "account manager",
    "Ittybit",
    "Aptly",
    "project slug",
    "lowercase letters",
];

/// Bodies of a user's own API that share a seed's shape and a common code,
/// but nothing its documents make distinctive.
/// (the seed it looks like, status, headers, body).
type Case = (&'static str, u16, Vec<(&'static str, &'static str)>, String);

fn lookalikes() -> Vec<Case> {
    vec![
        (
            "envelope",
            401,
            vec![JSON],
            json!({"error": {"code": "UNAUTHENTICATED", "message": "bad token"}}).to_string(),
        ),
        (
            "envelope",
            429,
            vec![
                JSON,
                ("Retry-After", "1"),
                ("X-RateLimit-Limit", "1000"),
                ("X-RateLimit-Remaining", "0"),
            ],
            json!({"error": {"code": "RATE_LIMITED", "message": "slow down", "requestId": "abc-123"}})
                .to_string(),
        ),
        (
            "envelope",
            403,
            vec![JSON],
            json!({"error": {"code": "FORBIDDEN", "message": "no", "details": {"scope": "admin"}}})
                .to_string(),
        ),
        (
            "ittybit",
            400,
            vec![JSON],
            json!({"kind": "validation", "message": "bad input", "trace": "t-1"}).to_string(),
        ),
        (
            "coded",
            400,
            vec![JSON],
            json!({"code": 5002, "message": "slug taken"}).to_string(),
        ),
        (
            "aptly",
            401,
            vec![JSON],
            json!({"error": "invalid_token"}).to_string(),
        ),
        (
            "errors-array",
            429,
            vec![JSON, ("Retry-After", "2")],
            json!({"errors": ["Too many requests"]}).to_string(),
        ),
        // A real payments API's answer: the errors-array body exactly.
        (
            "errors-array",
            400,
            vec![JSON],
            json!({"errors": ["Foo is required"]}).to_string(),
        ),
        // A real messaging API's: the envelope minus its requestId.
        (
            "envelope",
            401,
            vec![JSON],
            json!({"error": {"code": "invalid_api_key", "message": "The API key provided is invalid or has been revoked.",
                "status": 401, "details": {"api_key_prefix": "un_xxx..."}}})
            .to_string(),
        ),
    ]
}

#[test]
fn a_users_own_api_with_a_seeds_shape_gets_no_vendor_facts() {
    for (like, status, headers, body) in lookalikes() {
        let input = raw(status, &headers, &body);
        let (exit, d) = decode_one(&input, &[]);
        assert_eq!(exit, 1);
        assert_eq!(d["dialect"], "generic", "{body}");
        assert_eq!(d["evidence"], "shape", "{body}");
        // The fields are still read where the shape puts them.
        assert!(d["error"]["message"].is_string(), "{body}: {d}");
        for format in ["text", "json", "markdown"] {
            let out = apiscope(&["decode", "-", "--format", format], input.as_bytes()).stdout;
            for fact in VENDOR_FACTS {
                assert!(
                    !out.contains(fact),
                    "{body} ({format}) says {fact:?} of another vendor:\n{out}"
                );
            }
            if format == "text" {
                assert!(
                    out.contains(&format!(
                        "generic — shape like {like}, vendor not confirmed"
                    )),
                    "{out}"
                );
            }
        }
        // A window of the vendor's never stands in for the server's word.
        if status == 429 {
            assert_eq!(d["rate_limit"]["window_s"], Value::Null, "{d}");
        }
    }
    // The envelope example of the issue, word for word.
    let (_, d) = decode_one(
        r#"{"error":{"code":"UNAUTHENTICATED","message":"bad token"}}"#,
        &["--status", "401"],
    );
    assert_eq!(d["dialect"], "generic");
    assert_eq!(d["error"]["code"], "UNAUTHENTICATED");
    assert_eq!(d["error"]["message"], "bad token");
}

#[test]
fn the_same_bodies_on_the_vendors_host_or_by_choice_are_that_vendor() {
    // By host: the profiles that name one.
    let input = har(&[
        HarEntry::get(
            "https://api.getaptly.com/api/boards/b1/cards",
            401,
            r#"{"error":"invalid_token"}"#,
        ),
        HarEntry::get(
            "https://api.ittybit.com/tasks",
            400,
            r#"{"kind":"validation","message":"bad input","trace":"t-1"}"#,
        ),
    ]);
    let d = apiscope(&["decode", "-", "--format", "json"], input.as_bytes()).json_lines();
    assert_eq!(
        (d[0]["dialect"].as_str(), d[0]["evidence"].as_str()),
        (Some("aptly"), Some("host"))
    );
    assert_eq!(
        (d[1]["dialect"].as_str(), d[1]["evidence"].as_str()),
        (Some("ittybit"), Some("host"))
    );
    let text = apiscope(&["decode", "-"], input.as_bytes()).stdout;
    assert!(text.contains("— host api.getaptly.com"), "{text}");
    // By choice: --dialect.
    for (like, status, headers, body) in lookalikes() {
        let (_, d) = decode_one(&raw(status, &headers, &body), &["--dialect", like]);
        assert_eq!(d["dialect"], like, "{body}");
        assert_eq!(d["evidence"], "choice", "{body}");
    }
    let (_, d) = decode_one(
        r#"{"error":{"code":"UNAUTHENTICATED","message":"bad token"}}"#,
        &["--status", "401", "--dialect", "envelope"],
    );
    assert!(d["troubleshooting"].to_string().contains("imb_pat_"), "{d}");
}

#[test]
fn every_seed_example_keeps_its_dialect_by_its_marks() {
    // The examples the vendors' documents give (and the shapes they
    // describe), as a bare response with no host and no choice.
    let cases: Vec<Case> = vec![
        (
            "envelope",
            429,
            vec![JSON],
            json!({"error": {"code": "RATE_LIMITED", "message": "Too many requests. Please try again later.",
                "status": 429, "requestId": "req_x9y8z7w6v5u4t3s2", "details": null}})
            .to_string(),
        ),
        (
            "envelope",
            400,
            vec![JSON],
            json!({"error": {"code": "INVALID_QUERY_PARAMETER", "message": "One or more query parameters are invalid.",
                "status": 400, "requestId": "req_a1b2c3d4e5f6a7b8",
                "details": {"fields": {"limit": "Must be an integer between 1 and 100"}}}})
            .to_string(),
        ),
        (
            "envelope",
            401,
            vec![JSON, ("X-RateLimit-Limit", "60"), ("X-RateLimit-Reset", "1767225600")],
            json!({"error": {"code": "UNAUTHENTICATED", "message": "No token"}}).to_string(),
        ),
        ("aptly", 401, vec![JSON], json!({"error": "Unauthorized"}).to_string()),
        ("aptly", 404, vec![JSON], json!({"error": "Not found"}).to_string()),
        ("aptly", 400, vec![JSON], json!({"error": "Bad request"}).to_string()),
        ("aptly", 429, vec![JSON], json!({"error": "Too many requests"}).to_string()),
        ("aptly", 500, vec![JSON], json!({"error": "Internal server error"}).to_string()),
        (
            "coded",
            404,
            vec![JSON],
            json!({"code": 5000, "message": "Project not found"}).to_string(),
        ),
        (
            "coded",
            429,
            vec![JSON],
            json!({"code": 11, "message": "Too many requests"}).to_string(),
        ),
        (
            "coded",
            200,
            vec![JSON],
            json!({"code": 0, "message": "OK", "data": [], "pagination": {"page_size": 20, "page": 1, "total_items": 0}})
                .to_string(),
        ),
        (
            "ittybit",
            404,
            vec![JSON],
            json!({"kind": "not_found", "message": "Task not found"}).to_string(),
        ),
        ("ittybit", 200, vec![JSON, ("Has-More", "true"), ("Limit", "20")], "[]".into()),
        (
            "errors-array",
            401,
            vec![JSON, ("X-RateLimit-Limit", "100"), ("X-RateLimit-Used", "4")],
            json!({"errors": ["API key is missing or wrong"]}).to_string(),
        ),
        (
            "errors-array",
            422,
            vec![JSON, ("X-RateLimit-Limit", "100"), ("X-RateLimit-Used", "5")],
            json!({"errors": ["Name can't be blank", "Email is invalid"]}).to_string(),
        ),
        (
            "errors-array",
            429,
            vec![JSON, ("X-RateLimit-Limit", "100"), ("X-RateLimit-Used", "100"), ("Retry-After", "12")],
            json!({"errors": ["Too many requests"]}).to_string(),
        ),
        (
            "errors-array",
            200,
            vec![JSON, ("X-RateLimit-Limit", "100"), ("X-RateLimit-Used", "6")],
            json!({"data": [], "pagination": {"page_count": 3}}).to_string(),
        ),
    ];
    for (dialect, status, headers, body) in cases {
        let (_, d) = decode_one(&raw(status, &headers, &body), &[]);
        assert_eq!(d["dialect"], dialect, "{body}: {d}");
        assert_eq!(d["evidence"], "marks", "{body}");
    }
    // Nothing recognised: no evidence at all.
    let (_, d) = decode_one(&raw(500, &[("Content-Type", "text/plain")], "oops"), &[]);
    assert_eq!(
        (d["dialect"].as_str(), &d["evidence"]),
        (Some("generic"), &Value::Null)
    );
}

#[test]
fn an_imported_profile_wins_by_host_over_a_seeds_marks() {
    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(config.path().join("profiles")).unwrap();
    std::fs::write(
        config.path().join("profiles/acme.toml"),
        "id = \"acme\"\nname = \"Acme API\"\nhosts = [\"api.acme.test\"]\n\
         [error]\ncode = [\"/error/code#string\"]\nmessage = [\"/error/message#string\"]\n\
         [status.429]\nsteps = [\"Acme: wait for the quota to refill\"]\n",
    )
    .unwrap();
    // The envelope's own marks (status, details, a req_ id), on Acme's host.
    let body = r#"{"error":{"code":"RATE_LIMITED","message":"slow","status":429,"requestId":"req_a1b2c3d4e5f6a7b8","details":null}}"#;
    let input = har(&[
        HarEntry::get("https://api.acme.test/v1/things", 429, body).resp_header("Retry-After", "3"),
        HarEntry::get("https://elsewhere.test/v1/things", 429, body),
    ]);
    let run = common::apiscope_with(
        config.path(),
        config.path(),
        &["decode", "-", "--format", "json"],
        input.as_bytes(),
    );
    let d = run.json_lines();
    assert_eq!(
        (d[0]["dialect"].as_str(), d[0]["evidence"].as_str()),
        (Some("acme"), Some("choice")),
        "{}",
        run.stderr
    );
    assert!(
        d[0]["troubleshooting"].to_string().contains("Acme: wait"),
        "{}",
        d[0]
    );
    assert_eq!(d[1]["dialect"], "envelope");
    assert_eq!(d[1]["evidence"], "marks");
}

#[test]
fn a_collection_names_its_dialect_and_the_demo_session_keeps_its_voice() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::RawServer::start(|_| {
        common::reply(
            401,
            &[JSON],
            r#"{"error":{"code":"UNAUTHENTICATED","message":"No token"}}"#,
        )
    });
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "### mine\n# @name mine\nGET {}/v1/me\n\n### theirs\n# @name theirs\n# @dialect envelope\nGET {}/v1/me\n",
            server.base, server.base
        ),
    )
    .unwrap();
    let send = |name: &str| {
        let run = common::apiscope_with(
            dir.path(),
            dir.path(),
            &[
                "send",
                &format!("api.http#{name}"),
                "--format",
                "json",
                "--yes",
            ],
            b"",
        );
        run.json_lines().remove(0)
    };
    let mine = send("mine");
    assert_eq!(
        (mine["dialect"].as_str(), mine["evidence"].as_str()),
        (Some("generic"), Some("shape"))
    );
    let theirs = send("theirs");
    assert_eq!(
        (theirs["dialect"].as_str(), theirs["evidence"].as_str()),
        (Some("envelope"), Some("choice"))
    );
    // The example sessions name their profile.
    let run = apiscope(&["decode", "sessions/demo.json", "--format", "json"], b"");
    for d in run.json_lines() {
        assert_eq!(d["evidence"], "choice", "{d}");
        assert_ne!(d["dialect"], "generic", "{d}");
    }
}

/// A 429 from somebody else's API in the envelope seed's shape.
const FOREIGN_429: &str =
    r#"{"error":{"code":"RATE_LIMITED","message":"slow down","requestId":"req_fake_1"}}"#;

#[test]
fn a_foreign_429_in_a_seed_shape_waits_for_its_own_retry_after() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = common::RawServer::start(move |_| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            common::reply(429, &[JSON, ("Retry-After", "1")], FOREIGN_429)
        } else {
            common::reply(200, &[JSON], r#"{"items":[1,2]}"#)
        }
    });
    let started = std::time::Instant::now();
    let o = apiscope(&["send", &server.base, "--paginate"], b"");
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The server's one second, not the envelope vendor's five minutes.
    assert!(
        o.stderr
            .contains("429 Too Many Requests; retrying in 1.0 s")
            || o.stderr
                .contains("429 Too Many Requests; retrying in 0.9 s"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("5 min"), "{}", o.stderr);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "waited {:?}",
        started.elapsed()
    );
}

#[test]
fn a_run_that_max_wait_stops_shows_the_429_that_stopped_it() {
    let server = common::RawServer::start(|_| {
        common::reply(
            429,
            &[JSON, ("Retry-After", "120"), ("X-Request-Id", "req_fake_9")],
            FOREIGN_429,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let o = common::apiscope_in(
            dir.path(),
            &[
                "send",
                &server.base,
                "--paginate",
                "--max-wait",
                "2",
                "--format",
                format,
                "--save",
                "s.json",
            ],
            b"",
        );
        assert_eq!(o.code, 1, "{}", o.stderr);
        // It did not retry, and says why it stopped.
        assert!(!o.stderr.contains("retrying"), "{}", o.stderr);
        assert!(
            o.stderr
                .contains("the next try could only go in 2 min (longer than --max-wait)"),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains("--max-wait"), "{}", o.stderr);
        // stdout has the 429's diagnosis.
        if format == "json" {
            let v: Value = serde_json::from_str(o.stdout.trim()).expect(&o.stdout);
            assert_eq!(v["status"], 429);
            assert_eq!(v["error"]["code"], "RATE_LIMITED");
            assert_eq!(v["rate_limit"]["retry_after_s"], 120);
        } else {
            assert!(o.stdout.contains("RATE_LIMITED"), "{}", o.stdout);
            assert!(o.stdout.contains("429"), "{}", o.stdout);
        }
    }
    // A live replay that stops the same way reports the 429 too.
    let o = common::apiscope_in(
        dir.path(),
        &[
            "replay",
            "s.json",
            "--live",
            "--yes",
            "--max-wait",
            "2",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let lines = o.json_lines();
    assert!(
        lines.iter().any(|v| v["status"] == 429),
        "{}\n{}",
        o.stdout,
        o.stderr
    );
}
