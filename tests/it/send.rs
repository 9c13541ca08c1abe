//! `apiscope send` against the real demo server (`apiscope demo-server` on a
//! free 127.0.0.1 port): every documented error code of every format, each
//! pagination style, and pagination under a tight rate limit.

use crate::common;

use common::Demo;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

struct Out {
    code: i32,
    lines: Vec<Value>,
    stderr: String,
}

fn send(args: &[&str]) -> Out {
    let config = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .arg("send")
        .args(args)
        .args(["--format", "json", "--timeout", "10"])
        .env("APISCOPE_CONFIG_DIR", config.path())
        .env("APISCOPE_DATA_DIR", config.path())
        .output()
        .expect("run apiscope send");
    let stdout = String::from_utf8_lossy(&out.stdout);
    Out {
        code: out.status.code().unwrap_or(-1),
        lines: stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn one(args: &[&str]) -> (i32, Value) {
    let mut o = send(args);
    assert_eq!(o.lines.len(), 1, "{:?} {}", args, o.stderr);
    (o.code, o.lines.remove(0))
}

fn expect(args: &[&str], status: u16, dialect: &str, code: &str) -> Value {
    let (exit, d) = one(args);
    assert_eq!(exit, 1, "{args:?}");
    assert_eq!(d["status"], status, "{args:?}: {d}");
    assert_eq!(d["dialect"], dialect, "{args:?}: {d}");
    assert_eq!(d["error"]["code"], code, "{args:?}: {d}");
    assert!(
        !d["troubleshooting"].as_array().unwrap().is_empty(),
        "{args:?}"
    );
    d
}

#[test]
fn envelope_every_code() {
    let demo = Demo::start(&[]);
    let u = |p: &str| format!("{}/envelope/v1{p}", demo.base);
    let tok = |t: &str| format!("Authorization:Bearer {t}");
    let ok = tok("imb_pat_demo");
    let d = expect(&[&u("/boards")], 401, "envelope", "UNAUTHENTICATED");
    assert!(
        d["findings"]
            .to_string()
            .contains("no Authorization header")
    );
    expect(
        &[&u("/boards"), "Authorization:imb_pat_demo"],
        401,
        "envelope",
        "UNAUTHENTICATED",
    );
    expect(
        &[&u("/boards"), &tok("imb_pat_demo_revoked")],
        401,
        "envelope",
        "INVALID_API_TOKEN",
    );
    expect(
        &[&u("/boards"), &tok("imb_pat_demo_suspended")],
        403,
        "envelope",
        "ACCOUNT_SUSPENDED",
    );
    expect(
        &[&u("/boards"), &tok("imb_pat_demo_inactive")],
        403,
        "envelope",
        "ACCOUNT_INACTIVE",
    );
    expect(
        &[&u("/boards"), &tok("imb_pat_demo_billing")],
        403,
        "envelope",
        "BILLING_RESTRICTED",
    );
    expect(
        &[
            "POST",
            &u("/boards"),
            &tok("imb_pat_demo_readonly"),
            "name=x",
        ],
        403,
        "envelope",
        "FORBIDDEN",
    );
    expect(
        &[&u("/boards/brd_999999"), &ok],
        404,
        "envelope",
        "RESOURCE_NOT_FOUND",
    );
    let d = expect(
        &["POST", &u("/boards"), &ok, "name="],
        400,
        "envelope",
        "INVALID_REQUEST_BODY",
    );
    assert!(d["error"]["fields"]["name"].is_string());
    let d = expect(
        &[&u("/boards"), &ok, "limit==500", "sort==name"],
        400,
        "envelope",
        "INVALID_QUERY_PARAMETER",
    );
    assert_eq!(
        d["error"]["fields"]["limit"],
        "Must be an integer between 1 and 100"
    );
    // Said once, in the step for the field, with what was sent.
    assert!(d["troubleshooting"].to_string().contains("limit=500"));
    assert!(!d["findings"].to_string().contains("limit=500"));
    expect(
        &["DELETE", &u("/boards/brd_1"), &ok],
        405,
        "envelope",
        "METHOD_NOT_ALLOWED",
    );
    expect(&[&u("/boom"), &ok], 500, "envelope", "INTERNAL_ERROR");
    let (exit, d) = one(&[&u("/boards/brd_1"), &ok]);
    assert_eq!(exit, 0);
    assert_eq!(d["rate_limit"]["limit"], 300);
    assert_eq!(d["url"], u("/boards/brd_1"));
}

#[test]
fn aptly_coded_ittybit_errors_array_every_code() {
    let demo = Demo::start(&[]);
    let b = &demo.base;
    // aptly
    let cards = format!("{b}/aptly/api/boards/b1/cards");
    let d = expect(&[&cards], 401, "aptly", "401");
    assert!(d["findings"].to_string().contains("no x-token header"));
    let d = expect(&[&cards, "x-token:aptly_demo_key_b2"], 401, "aptly", "401");
    assert!(
        d["findings"].to_string().contains("board b1"),
        "{}",
        d["findings"]
    );
    expect(
        &[
            &format!("{b}/aptly/api/boards/b9/cards"),
            "x-token:aptly_demo_key_b1",
        ],
        404,
        "aptly",
        "404",
    );
    expect(
        &[&format!("{cards}/card_99999"), "x-token:aptly_demo_key_b1"],
        404,
        "aptly",
        "404",
    );
    expect(
        &[
            "POST",
            &cards,
            "x-token:aptly_demo_key_b1_readonly",
            "title=x",
        ],
        403,
        "aptly",
        "403",
    );
    let d = expect(
        &[
            "POST",
            &cards,
            "x-token:aptly_demo_key_b1",
            "Content-Type:text/plain",
            "title=x",
        ],
        400,
        "aptly",
        "400",
    );
    assert!(
        d["findings"].to_string().contains("Content-Type"),
        "{}",
        d["findings"]
    );
    expect(&[&format!("{b}/aptly/api/boom")], 500, "aptly", "500");

    // coded: the real routes, then every documented code via /simulate.
    let projects = format!("{b}/coded/v1/projects");
    let ok = "Authorization:Bearer coded_demo_token";
    expect(&[&projects], 401, "coded", "2000");
    expect(
        &[&projects, "Authorization:coded_demo_token"],
        401,
        "coded",
        "2001",
    );
    expect(
        &[&projects, "Authorization:Bearer bad!"],
        401,
        "coded",
        "2002",
    );
    expect(
        &[&projects, "Authorization:Basic dXNlcjpwYXNz"],
        401,
        "coded",
        "4",
    );
    expect(
        &[&projects, "Authorization:Bearer unknown_token"],
        404,
        "coded",
        "4000",
    );
    expect(
        &[&projects, "Authorization:Bearer coded_demo_noscope"],
        403,
        "coded",
        "2201",
    );
    expect(&[&format!("{projects}/nope"), ok], 404, "coded", "5000");
    expect(
        &["POST", &projects, ok, "slug=project-1"],
        409,
        "coded",
        "5001",
    );
    expect(
        &["POST", &projects, ok, "slug=Bad Slug"],
        400,
        "coded",
        "5002",
    );
    expect(&["POST", &projects, ok, "name=x"], 400, "coded", "1000");
    expect(&[&format!("{b}/coded/v1/nowhere"), ok], 404, "coded", "2");
    for code in [
        1, 2, 4, 5, 6, 11, 1000, 1001, 1002, 2000, 2001, 2002, 2100, 2101, 2200, 2201, 2202, 3000,
        3200, 3201, 3500, 3501, 3502, 3600, 3601, 4000, 5000, 5001, 5002, 5003, 5100, 5101, 5102,
        5200, 5201, 5202, 5300, 5301, 5400,
    ] {
        let (exit, d) = one(&[&format!("{b}/coded/v1/simulate/{code}")]);
        assert_eq!(exit, 1);
        assert_eq!(d["dialect"], "coded", "{code}");
        assert_eq!(d["error"]["code"], code.to_string());
    }

    // ittybit
    let tasks = format!("{b}/ittybit/tasks");
    let key = "Authorization:Bearer ittybit_demo_key";
    expect(&[&tasks], 401, "ittybit", "unauthorized");
    expect(
        &[&tasks, "Authorization:Bearer ittybit_demo_unpaid"],
        402,
        "ittybit",
        "payment_required",
    );
    expect(
        &[
            "POST",
            &tasks,
            "Authorization:Bearer ittybit_demo_readonly",
            "url=x",
        ],
        403,
        "ittybit",
        "forbidden",
    );
    expect(
        &[&format!("{tasks}/task_0"), key],
        404,
        "ittybit",
        "not_found",
    );
    expect(&["PUT", &tasks, key], 405, "ittybit", "method_not_allowed");
    expect(
        &[&tasks, key, "limit==0"],
        400,
        "ittybit",
        "invalid_request",
    );
    expect(
        &[&format!("{b}/ittybit/boom")],
        500,
        "ittybit",
        "internal_error",
    );
    let d = expect(
        &[&format!("{b}/ittybit/maintenance")],
        503,
        "ittybit",
        "service_unavailable",
    );
    assert_eq!(d["rate_limit"]["retry_after_s"], 30);

    // errors-array
    let contacts = format!("{b}/errors-array/v1/contacts");
    let key = "Authorization:Bearer errors_array_demo_key";
    expect(&[&contacts], 401, "errors-array", "401");
    expect(
        &[
            "POST",
            &contacts,
            key,
            "Content-Type:application/json",
            "@Cargo.toml",
        ],
        400,
        "errors-array",
        "400",
    );
    let d = expect(
        &["POST", &contacts, key, "email=nope"],
        422,
        "errors-array",
        "422",
    );
    assert_eq!(
        d["error"]["messages"],
        serde_json::json!(["Name can't be blank", "Email is invalid"])
    );
}

#[test]
fn rate_limited_everywhere() {
    let demo = Demo::start(&["--rate", "1/30"]);
    let b = &demo.base;
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["/envelope/v1/boards", "Authorization:Bearer imb_pat_demo"],
            "envelope",
            "RATE_LIMITED",
        ),
        (
            &["/aptly/api/boards/b1/cards", "x-token:aptly_demo_key_b1"],
            "aptly",
            "429",
        ),
        (
            &[
                "/coded/v1/projects",
                "Authorization:Bearer coded_demo_token",
            ],
            "coded",
            "11",
        ),
        (
            &["/ittybit/tasks", "Authorization:Bearer ittybit_demo_key"],
            "ittybit",
            "rate_limited",
        ),
        (
            &[
                "/errors-array/v1/contacts",
                "Authorization:Bearer errors_array_demo_key",
            ],
            "errors-array",
            "429",
        ),
    ];
    for (args, dialect, code) in cases {
        let url = format!("{b}{}", args[0]);
        let mut a = vec![url.as_str()];
        a.extend_from_slice(&args[1..]);
        let (first, _) = one(&a);
        assert_eq!(first, 0, "{dialect}: the first request is within budget");
        let d = expect(&a, 429, dialect, code);
        let retry = d["rate_limit"]["retry_after_s"].as_u64().unwrap();
        assert!((1..=30).contains(&retry), "{dialect}: Retry-After {retry}");
        assert_eq!(
            d["rate_limit"]["window_s"], 30,
            "{dialect}: RateLimit-Policy"
        );
        // The wait comes first: "Wait N s (Retry-After)…", or the
        // vendor's own words for it with this response's number.
        let first = d["troubleshooting"][0].as_str().unwrap();
        assert!(
            first.starts_with("Wait ") || first.contains(&format!("(here: {retry} s)")),
            "{d}"
        );
    }
}

#[test]
fn every_pagination_style() {
    let demo = Demo::start(&[]);
    let b = &demo.base;
    let cases: [(String, &str, &str); 5] = [
        (
            format!("{b}/envelope/v1/boards?limit=100"),
            "Authorization:Bearer imb_pat_demo",
            "Link rel=next",
        ),
        (
            format!("{b}/aptly/api/boards/b2/cards"),
            "x-token:aptly_demo_key_b2",
            "meta page/total_pages",
        ),
        (
            format!("{b}/coded/v1/projects?page_size=100"),
            "Authorization:Bearer coded_demo_token",
            "page/page_size/total_items",
        ),
        (
            format!("{b}/ittybit/tasks?limit=100"),
            "Authorization:Bearer ittybit_demo_key",
            "Link + Has-More cursor",
        ),
        (
            format!("{b}/errors-array/v1/contacts?per_page=100"),
            "Authorization:Bearer errors_array_demo_key",
            "page_count",
        ),
    ];
    for (url, auth, style) in cases {
        let o = send(&[&url, auth, "--paginate", "--max-pages", "200"]);
        assert_eq!(o.code, 0, "{style}: {}", o.stderr);
        let expected_pages = if style.starts_with("meta") { 100 } else { 20 };
        assert_eq!(o.lines.len(), expected_pages, "{style}: {}", o.stderr);
        let last = o.lines.last().unwrap();
        assert_eq!(last["pagination"]["has_more"], false, "{style}: {last}");
        assert_eq!(last["pagination"]["next"], Value::Null, "{style}");
        assert!(o.stderr.contains("0 × 429"), "{style}: {}", o.stderr);
        assert!(
            o.stderr.contains("last page reached"),
            "{style}: {}",
            o.stderr
        );
    }
    // --max-pages stops early.
    let o = send(&[
        &format!("{b}/coded/v1/projects?page_size=10"),
        "Authorization:Bearer coded_demo_token",
        "--paginate",
        "--max-pages",
        "3",
    ]);
    assert_eq!(o.lines.len(), 3);
    assert!(o.stderr.contains("--max-pages 3"), "{}", o.stderr);
}

#[test]
fn pagination_under_a_tight_rate_limit_sends_no_429() {
    // 5 requests per 1 s: 20 pages need at least 3 s (pages 6, 11, 16 wait).
    let demo = Demo::start(&["--rate", "5/1"]);
    for (url, auth) in [
        (
            format!("{}/errors-array/v1/contacts?per_page=100", demo.base),
            "Authorization:Bearer errors_array_demo_key",
        ),
        (
            format!("{}/coded/v1/projects?page_size=100", demo.base),
            "Authorization:Bearer coded_demo_token",
        ),
    ] {
        let t = Instant::now();
        let o = send(&[&url, auth, "--paginate"]);
        let took = t.elapsed();
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(o.lines.len(), 20);
        assert!(
            o.lines.iter().all(|l| l["status"] == 200),
            "a page was not 200: {}",
            o.stderr
        );
        assert!(o.stderr.contains("0 × 429"), "{}", o.stderr);
        // Bounded: pacing must not stall.
        assert!(took < Duration::from_secs(15), "took {took:?}");
    }
}

#[test]
fn network_failures_are_diagnosed() {
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (exit, d) = one(&[&format!("http://127.0.0.1:{port}/x")]);
    assert_eq!(exit, 1);
    assert_eq!(d["status"], Value::Null);
    assert_eq!(d["error"]["code"], "CONNECTION_REFUSED");
    assert!(d["troubleshooting"][0].as_str().unwrap().contains("port"));
    // Bad usage is exit 2 with one line.
    let o = send(&["http://127.0.0.1:1/x", "what"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("item 'what'"), "{}", o.stderr);
}
