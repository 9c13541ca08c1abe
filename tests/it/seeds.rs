//! Every documented code of every vendor document in shared/seeds decodes to
//! the right dialect, code, message and troubleshooting, through the real
//! binary and the public JSON contract. Expected values are copied from the
//! seed documents, not from the profiles.

use crate::common;
use common::{HarEntry, apiscope, decode_one, har, raw};
use serde_json::{Value, json};

const JSON: (&str, &str) = ("Content-Type", "application/json");

fn steps(d: &Value) -> Vec<String> {
    d["troubleshooting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

fn assert_contract_keys(d: &Value) {
    for k in [
        "status",
        "url",
        "dialect",
        "error",
        "pagination",
        "rate_limit",
        "troubleshooting",
        "findings",
    ] {
        assert!(d.get(k).is_some(), "key {k} missing in {d}");
    }
    if let Some(e) = d["error"].as_object() {
        for k in ["code", "message", "request_id", "fields", "messages"] {
            assert!(e.contains_key(k), "error.{k} missing in {d}");
        }
    }
    if let Some(p) = d["pagination"].as_object() {
        for k in [
            "page",
            "page_size",
            "total_items",
            "page_count",
            "has_more",
            "next",
        ] {
            assert!(p.contains_key(k), "pagination.{k} missing in {d}");
        }
    }
    if let Some(r) = d["rate_limit"].as_object() {
        for k in [
            "limit",
            "remaining",
            "used",
            "reset_at",
            "retry_after_s",
            "window_s",
        ] {
            assert!(r.contains_key(k), "rate_limit.{k} missing in {d}");
        }
    }
}

// ---------------------------------------------------------------- envelope

/// (code, status, the vendor's troubleshooting line expected among the steps)
const ENVELOPE: &[(&str, u16, &str)] = &[
    (
        "UNAUTHENTICATED",
        401,
        "Verify the Authorization header format: Bearer imb_pat_...",
    ),
    (
        "INVALID_API_TOKEN",
        401,
        "Check that the token has not expired or been revoked",
    ),
    (
        "ACCOUNT_SUSPENDED",
        403,
        "ACCOUNT_SUSPENDED and ACCOUNT_INACTIVE indicate account-level issues — contact support",
    ),
    (
        "ACCOUNT_INACTIVE",
        403,
        "ACCOUNT_SUSPENDED and ACCOUNT_INACTIVE indicate account-level issues — contact support",
    ),
    (
        "BILLING_RESTRICTED",
        403,
        "Check billing status if you see BILLING_RESTRICTED",
    ),
    (
        "FORBIDDEN",
        403,
        "Verify the authenticated user has access to the target board",
    ),
    (
        "RESOURCE_NOT_FOUND",
        404,
        "Verify the resource ID is correct",
    ),
    ("INVALID_REQUEST_BODY", 400, "error.details.fields"),
    ("INVALID_QUERY_PARAMETER", 400, "error.details.fields"),
    ("METHOD_NOT_ALLOWED", 405, "HTTP method"),
    (
        "RATE_LIMITED",
        429,
        "Read the Retry-After header and wait before retrying",
    ),
    ("INTERNAL_ERROR", 500, "retry"),
];

#[test]
fn envelope_every_documented_code() {
    for (code, status, step) in ENVELOPE {
        let body = json!({"error": {"code": code, "message": format!("{code} happened."),
            "status": status, "requestId": "req_a1b2c3d4e5f6a7b8", "details": null}});
        let (exit, d) = decode_one(&raw(*status, &[JSON], &body.to_string()), &[]);
        assert_contract_keys(&d);
        assert_eq!(exit, 1, "{code}");
        assert_eq!(d["dialect"], "envelope", "{code}");
        assert_eq!(d["status"], *status, "{code}");
        assert_eq!(d["error"]["code"], *code);
        assert_eq!(d["error"]["message"], format!("{code} happened."));
        assert_eq!(d["error"]["request_id"], "req_a1b2c3d4e5f6a7b8");
        assert_eq!(d["error"]["fields"], json!({}));
        assert_eq!(d["error"]["messages"], json!([format!("{code} happened.")]));
        assert_eq!(d["pagination"], Value::Null);
        let s = steps(&d);
        assert!(
            s.iter().any(|x| x.contains(step)),
            "{code}: no step containing {step:?} in {s:?}"
        );
    }
}

#[test]
fn envelope_validation_fields_and_rate_limit_example() {
    let body = r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"One or more query parameters are invalid.","status":400,"requestId":"req_a1b2c3d4e5f6a7b8","details":{"fields":{"limit":"Must be an integer between 1 and 100","sort":"Invalid sort field. Allowed: createdAt, updatedAt"}}}}"#;
    let (_, d) = decode_one(&raw(400, &[JSON], body), &[]);
    assert_eq!(
        d["error"]["fields"],
        json!({"limit": "Must be an integer between 1 and 100", "sort": "Invalid sort field. Allowed: createdAt, updatedAt"})
    );
    // Field order is the document's.
    let text = serde_json::to_string(&d["error"]["fields"]).unwrap();
    assert!(text.find("limit").unwrap() < text.find("sort").unwrap());
    assert!(steps(&d)[0].contains("limit"));

    let body = r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_x9y8z7w6v5u4t3s2","details":null}}"#;
    let (exit, d) = decode_one(
        &raw(
            429,
            &[
                JSON,
                ("X-RateLimit-Limit", "300"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "1767225600"),
                ("Retry-After", "30"),
            ],
            body,
        ),
        &[],
    );
    assert_eq!(exit, 1);
    assert_eq!(
        d["rate_limit"],
        json!({"limit": 300, "remaining": 0, "used": null, "reset_at": 1767225600, "retry_after_s": 30, "window_s": 300})
    );
    // The vendor's wording, with what this response says.
    assert_eq!(
        steps(&d)[0],
        "Read the Retry-After header and wait before retrying (here: 30 s)"
    );
    assert_eq!(d["error"]["request_id"], "req_x9y8z7w6v5u4t3s2");
}

#[test]
fn envelope_findings_check_the_request() {
    let body = r#"{"error":{"code":"UNAUTHENTICATED","message":"No token.","status":401,"requestId":null,"details":null}}"#;
    let entries = [
        HarEntry::get("https://api.example.com/v1/boards", 401, body),
        HarEntry::get("https://api.example.com/v1/boards", 401, body)
            .req_header("Authorization", "imb_pat_FAKE123"),
        HarEntry::get("https://api.example.com/v1/boards", 401, body)
            .req_header("Authorization", "Bearer ghp_FAKE123"),
        HarEntry::get("https://api.example.com/v1/boards?limit=500&sort=name", 400,
            r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"bad","status":400,"requestId":"req_1","details":null}}"#)
            .req_header("Authorization", "Bearer imb_pat_FAKE123"),
        HarEntry::get("https://api.example.com/v1/boards", 429,
            r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_2","details":null}}"#)
            .resp_header("X-RateLimit-Limit", "60"),
    ];
    let run = apiscope(
        &["decode", "-", "--format", "json"],
        har(&entries).as_bytes(),
    );
    assert_eq!(run.code, 1);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 5);
    let f = |i: usize| lines[i]["findings"].to_string();
    assert!(
        f(0).contains("The request sent no Authorization header"),
        "{}",
        f(0)
    );
    assert!(f(1).contains("lacks the 'Bearer ' prefix"), "{}", f(1));
    assert!(f(2).contains("imb_pat_"), "{}", f(2));
    assert!(f(3).contains("limit=500"), "{}", f(3));
    assert!(f(3).contains("sort=name"), "{}", f(3));
    assert!(f(4).contains("per-IP budget"), "{}", f(4));
    assert_eq!(lines[0]["url"], "https://api.example.com/v1/boards");
}

// ------------------------------------------------------------------- coded

/// Every code of the coded seed, with its message.
const CODED: &[(u32, &str)] = &[
    (1, "Internal error"),
    (2, "Route not found"),
    (4, "Authentication method not allowed"),
    (5, "Resource not found"),
    (6, "One of our backend services is unavailable"),
    (11, "Too many requests"),
    (1000, "Invalid parameters"),
    (1001, "Invalid JSON body payload"),
    (1002, "Invalid upload payload"),
    (2000, "Unauthenticated"),
    (2001, "Invalid auth header"),
    (2002, "Invalid token format"),
    (2100, "Invalid OAuth code"),
    (2101, "Invalid OAuth state"),
    (2200, "Unauthorized"),
    (2201, "Unauthorized, missing required token scope"),
    (
        2202,
        "Unauthorized, missing required organization member scope",
    ),
    (3000, "User not found"),
    (3200, "Notification not found"),
    (3201, "Notification already read"),
    (3500, "Organization not found"),
    (3501, "Organization slug already used"),
    (3502, "Organization exceeds limit"),
    (3600, "Organization member not found"),
    (3601, "Organization member already exists"),
    (4000, "Token not found"),
    (5000, "Project not found"),
    (5001, "Project already used"),
    (5002, "Unacceptable project slug"),
    (5003, "Project locked"),
    (5100, "Project keyword not found"),
    (5101, "Project keyword already exists"),
    (5102, "Project keyword exceeds limit"),
    (5200, "Project channel not found"),
    (5201, "Project channel already exists"),
    (5202, "Project channel exceeds limit"),
    (5300, "Project version not found"),
    (5301, "Project version already exists"),
    (5400, "Invalid project dependency"),
];

#[test]
fn coded_every_documented_code() {
    // One HAR with an entry per code: one process, one line per code.
    let entries: Vec<HarEntry> = CODED
        .iter()
        .map(|(code, msg)| {
            HarEntry::get(
                "https://api.example.com/projects/p1",
                400,
                &json!({"code": code, "message": msg}).to_string(),
            )
        })
        .collect();
    let run = apiscope(
        &["decode", "-", "--format", "json"],
        har(&entries).as_bytes(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines = run.json_lines();
    assert_eq!(lines.len(), CODED.len());
    for ((code, msg), d) in CODED.iter().zip(&lines) {
        assert_contract_keys(d);
        assert_eq!(d["dialect"], "coded", "{code}");
        assert_eq!(
            d["error"]["code"],
            code.to_string(),
            "numeric codes are decimal strings"
        );
        assert_eq!(d["error"]["message"], *msg);
        assert!(!steps(d).is_empty(), "{code} has no troubleshooting");
    }
}

#[test]
fn coded_error_in_a_200_and_success_page() {
    let (exit, d) = decode_one(
        &raw(
            200,
            &[JSON],
            r#"{"code":5002,"message":"Unacceptable project slug"}"#,
        ),
        &[],
    );
    assert_eq!(exit, 1, "code != 0 is an error even with HTTP 200");
    assert_eq!(d["error"]["code"], "5002");

    let body = r#"{"code":0,"message":"OK","data":[{"id":1},{"id":2}],"pagination":{"page_size":20,"page":2,"total_items":95}}"#;
    let e = HarEntry::get("https://api.example.com/v1/projects?page=2", 200, body);
    let run = apiscope(&["decode", "-", "--format", "json"], har(&[e]).as_bytes());
    assert_eq!(run.code, 0, "{}", run.stdout);
    let d = &run.json_lines()[0];
    assert_eq!(d["dialect"], "coded");
    assert_eq!(d["error"], Value::Null);
    assert_eq!(d["troubleshooting"], json!([]));
    assert_eq!(
        d["pagination"],
        json!({"page": 2, "page_size": 20, "total_items": 95, "page_count": 5, "has_more": true,
               "next": "https://api.example.com/v1/projects?page=3"})
    );
}

// ------------------------------------------------------------------- aptly

#[test]
fn aptly_every_documented_status() {
    let cases: &[(u16, &str, &str)] = &[
        (400, "Bad request", "Content-Type: application/json"),
        (401, "Unauthorized", "Card Sources > API"),
        (403, "Forbidden", "permission"),
        (404, "Not found", "board ID"),
        (429, "Too many requests", "pause between page requests"),
        (500, "Internal server error", "adam@getaptly.com"),
    ];
    for (status, msg, step) in cases {
        let (exit, d) = decode_one(
            &raw(*status, &[JSON], &json!({"error": msg}).to_string()),
            &[],
        );
        assert_contract_keys(&d);
        assert_eq!(exit, 1);
        assert_eq!(d["dialect"], "aptly", "{status}");
        assert_eq!(d["error"]["code"], status.to_string());
        assert_eq!(d["error"]["message"], *msg);
        assert_eq!(d["error"]["messages"], json!([msg]));
        let s = steps(&d);
        assert!(
            s.iter().any(|x| x.contains(step)),
            "{status}: {step:?} not in {s:?}"
        );
    }
}

#[test]
fn aptly_findings_about_the_x_token() {
    let e1 = HarEntry::get(
        "https://app.getaptly.com/api/boards/b42/cards",
        401,
        r#"{"error":"Unauthorized"}"#,
    )
    .req_header("Authorization", "Bearer FAKE");
    let e2 = HarEntry::get(
        "https://app.getaptly.com/api/boards/b42/cards",
        401,
        r#"{"error":"Unauthorized"}"#,
    )
    .req_header("x-token", "FAKE_KEY_OTHER_BOARD");
    let e3 = HarEntry {
        method: "POST".into(),
        req_body: r#"{"title": "x""#.into(),
        ..HarEntry::get(
            "https://app.getaptly.com/api/boards/b42/cards",
            400,
            r#"{"error":"Bad request"}"#,
        )
    }
    .req_header("x-token", "FAKE_KEY");
    let run = apiscope(
        &["decode", "-", "--format", "json"],
        har(&[e1, e2, e3]).as_bytes(),
    );
    let lines = run.json_lines();
    let f0 = lines[0]["findings"].to_string();
    assert!(f0.contains("no x-token header"), "{f0}");
    assert!(f0.contains("reads its key from the x-token header"), "{f0}");
    let f1 = lines[1]["findings"].to_string();
    assert!(f1.contains("board b42"), "{f1}");
    let f2 = lines[2]["findings"].to_string();
    assert!(f2.contains("not valid JSON"), "{f2}");
    assert!(
        f2.contains("without Content-Type: application/json"),
        "{f2}"
    );
}

// ----------------------------------------------------------------- ittybit

#[test]
fn ittybit_every_documented_error_status() {
    let cases: &[(u16, &str)] = &[
        (400, "invalid_request"),
        (401, "unauthorized"),
        (402, "payment_required"),
        (403, "forbidden"),
        (404, "not_found"),
        (405, "method_not_allowed"),
        (429, "rate_limited"),
        (500, "internal_error"),
        (503, "service_unavailable"),
    ];
    for (status, kind) in cases {
        let body = json!({"kind": kind, "message": format!("{kind} message")}).to_string();
        let (exit, d) = decode_one(&raw(*status, &[JSON, ("Retry-After", "7")], &body), &[]);
        assert_contract_keys(&d);
        assert_eq!(exit, 1);
        assert_eq!(d["dialect"], "ittybit", "{status}");
        assert_eq!(d["error"]["code"], *kind);
        assert_eq!(d["error"]["message"], format!("{kind} message"));
        assert_eq!(d["rate_limit"]["retry_after_s"], 7);
        assert!(!steps(&d).is_empty(), "{status}");
    }
}

#[test]
fn ittybit_list_with_link_has_more_and_limit() {
    let e = HarEntry::get(
        "https://api.ittybit.com/tasks?limit=2",
        200,
        r#"[{"id":"task_1"},{"id":"task_2"}]"#,
    )
    .resp_header(
        "Link",
        r#"</tasks?limit=2&after=task_2>; rel="next", </tasks?limit=2>; rel="first""#,
    )
    .resp_header("Has-More", "true")
    .resp_header("Limit", "2");
    let run = apiscope(&["decode", "-", "--format", "json"], har(&[e]).as_bytes());
    assert_eq!(run.code, 0);
    let d = &run.json_lines()[0];
    assert_eq!(d["dialect"], "ittybit");
    assert_eq!(d["pagination"]["has_more"], true);
    assert_eq!(d["pagination"]["page_size"], 2);
    assert_eq!(
        d["pagination"]["next"],
        "https://api.ittybit.com/tasks?limit=2&after=task_2"
    );
    // An empty list is a success, not null or an error.
    let (exit, d) = decode_one(
        &raw(200, &[JSON, ("Has-More", "false"), ("Limit", "20")], "[]"),
        &[],
    );
    assert_eq!(exit, 0);
    assert_eq!(d["pagination"]["has_more"], false);
    assert_eq!(d["pagination"]["next"], Value::Null);
}

// ------------------------------------------------------------ errors-array

#[test]
fn errors_array_every_documented_status() {
    let cases: &[(u16, &[&str], &str)] = &[
        (400, &["Request is malformed"], "malformed"),
        (
            401,
            &["API key is missing or wrong"],
            "Authorization: Bearer",
        ),
        (
            422,
            &["Name can't be blank", "Email is invalid"],
            "not valid",
        ),
        (429, &["Too many requests"], "100 requests per minute"),
    ];
    for (status, messages, step) in cases {
        let body = json!({"errors": messages}).to_string();
        // The vendor sends its used and maximum counts on every response:
        // they tell its {"errors": […]} from any other API's.
        let headers: &[(&str, &str)] = if *status == 429 {
            &[
                JSON,
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Used", "100"),
                ("Retry-After", "7"),
            ]
        } else {
            &[
                JSON,
                ("X-RateLimit-Limit", "100"),
                ("X-RateLimit-Used", "3"),
            ]
        };
        let (exit, d) = decode_one(&raw(*status, headers, &body), &[]);
        assert_contract_keys(&d);
        assert_eq!(exit, 1);
        assert_eq!(d["dialect"], "errors-array", "{status}");
        assert_eq!(d["error"]["code"], status.to_string());
        assert_eq!(d["error"]["message"], messages[0]);
        assert_eq!(d["error"]["messages"], json!(messages));
        let s = steps(&d);
        assert!(
            s.iter().any(|x| x.contains(step)),
            "{status}: {step:?} not in {s:?}"
        );
    }
}

#[test]
fn errors_array_pages() {
    let body = r#"{"data":[{"id":1},{"id":2}],"pagination":{"page_count":5}}"#;
    // With the counts the vendor sends on every response.
    let page = |url: &str| {
        HarEntry::get(url, 200, body)
            .resp_header("X-RateLimit-Limit", "100")
            .resp_header("X-RateLimit-Used", "1")
    };
    let pages = [
        page("https://api.example.com/v1/items"),
        page("https://api.example.com/v1/items?page=2"),
        page("https://api.example.com/v1/items?page=5"),
        page("https://api.example.com/v1/items?page=9").req_header("Authorization", "Bearer FAKE"),
    ];
    let run = apiscope(&["decode", "-", "--format", "json"], har(&pages).as_bytes());
    assert_eq!(run.code, 0, "{}", run.stdout);
    let l = run.json_lines();
    assert_eq!(l[0]["dialect"], "errors-array");
    assert_eq!(l[0]["pagination"]["page"], 1, "page defaults to 1");
    assert_eq!(l[0]["pagination"]["page_count"], 5);
    assert_eq!(l[0]["pagination"]["has_more"], true);
    assert_eq!(
        l[0]["pagination"]["next"],
        "https://api.example.com/v1/items?page=2"
    );
    assert_eq!(
        l[1]["pagination"]["next"],
        "https://api.example.com/v1/items?page=3"
    );
    assert_eq!(l[2]["pagination"]["has_more"], false);
    assert_eq!(l[2]["pagination"]["next"], Value::Null);
    assert!(
        l[3]["findings"]
            .to_string()
            .contains("page 9, but page_count is 5"),
        "{}",
        l[3]["findings"]
    );
}
