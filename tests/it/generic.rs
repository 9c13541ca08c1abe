//! The generic recognisers (problem details, JSON:API, GraphQL, common
//! public-API shapes) and rate-limit header spellings, through the binary.

use crate::common;
use common::{HarEntry, apiscope, decode_one, har, raw};
use serde_json::{Value, json};

const JSON: (&str, &str) = ("Content-Type", "application/json");

#[test]
fn google_style_error_is_not_envelope() {
    let body = r#"{"error":{"code":403,"message":"The caller does not have permission","status":"PERMISSION_DENIED"}}"#;
    let (_, d) = decode_one(&raw(403, &[JSON, ("X-Request-Id", "abc-123")], body), &[]);
    assert_eq!(d["dialect"], "generic");
    assert_eq!(d["error"]["code"], "PERMISSION_DENIED");
    assert_eq!(d["error"]["message"], "The caller does not have permission");
    assert_eq!(d["error"]["request_id"], "abc-123");
}

#[rstest::rstest]
#[case::oauth(
    400,
    r#"{"error":"invalid_grant","error_description":"Bad code"}"#,
    Some("invalid_grant"),
    "Bad code"
)]
#[case::openai(
    401,
    r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}"#,
    Some("invalid_api_key"),
    "Incorrect API key"
)]
#[case::github(
    404,
    r#"{"message":"Not Found","documentation_url":"https://docs.example.com"}"#,
    None,
    "Not Found"
)]
#[case::aws_json(
    400,
    r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#,
    Some("ResourceNotFoundException"),
    "Requested resource not found"
)]
fn common_public_shapes(
    #[case] status: u16,
    #[case] body: &str,
    #[case] code: Option<&str>,
    #[case] message: &str,
) {
    let (_, d) = decode_one(&raw(status, &[JSON], body), &[]);
    assert_eq!(d["dialect"], "generic", "{body}");
    assert_eq!(
        d["error"]["code"],
        code.map_or(Value::Null, Value::from),
        "{body}"
    );
    assert_eq!(d["error"]["message"], message, "{body}");
}

#[test]
fn aws_xml_error() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
    let (_, d) = decode_one(&raw(404, &[("Content-Type", "application/xml")], body), &[]);
    assert_eq!(d["error"]["code"], "NoSuchKey");
    assert_eq!(d["error"]["message"], "The specified key does not exist.");
    assert_eq!(d["error"]["request_id"], "4442587FB7D0A2F9");
}

#[test]
fn problem_details() {
    let body = r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","status":403,"detail":"Your current balance is 30, but that costs 50.","instance":"/account/12345/msgs/abc"}"#;
    let (_, d) = decode_one(
        &raw(403, &[("Content-Type", "application/problem+json")], body),
        &[],
    );
    assert_eq!(d["dialect"], "problem");
    assert_eq!(
        d["error"]["code"],
        "https://example.com/probs/out-of-credit"
    );
    assert_eq!(
        d["error"]["message"],
        "Your current balance is 30, but that costs 50."
    );
    assert_eq!(
        d["error"]["messages"],
        json!([
            "Your current balance is 30, but that costs 50.",
            "You do not have enough credit."
        ])
    );
    let body = r#"{"type":"about:blank","title":"Bad Request","status":400,"invalid-params":[{"name":"age","reason":"must be a positive integer"}]}"#;
    let (_, d) = decode_one(
        &raw(400, &[("Content-Type", "application/problem+json")], body),
        &[],
    );
    assert_eq!(d["error"]["code"], Value::Null, "about:blank is no code");
    assert_eq!(
        d["error"]["fields"],
        json!({"age": "must be a positive integer"})
    );
}

#[test]
fn jsonapi_errors() {
    let body = r#"{"errors":[{"status":"422","code":"blank","source":{"pointer":"/data/attributes/firstName"},"title":"Invalid Attribute","detail":"First name must contain at least two characters."},{"status":"422","source":{"pointer":"/data/attributes/password"},"detail":"Password too short."}]}"#;
    let (_, d) = decode_one(
        &raw(422, &[("Content-Type", "application/vnd.api+json")], body),
        &[],
    );
    assert_eq!(d["dialect"], "jsonapi");
    assert_eq!(d["error"]["code"], "blank");
    assert_eq!(
        d["error"]["fields"],
        json!({"firstName": "First name must contain at least two characters.", "password": "Password too short."})
    );
    assert_eq!(d["error"]["messages"].as_array().unwrap().len(), 3);
}

#[test]
fn graphql_errors_in_a_200_exit_1() {
    let body = r#"{"data":{"user":null},"errors":[{"message":"Not authorised","path":["user","email"],"extensions":{"code":"FORBIDDEN"}},{"message":"Second"}]}"#;
    let (exit, d) = decode_one(&raw(200, &[JSON], body), &[]);
    assert_eq!(exit, 1);
    assert_eq!(d["dialect"], "graphql");
    assert_eq!(d["error"]["code"], "FORBIDDEN");
    assert_eq!(d["error"]["messages"], json!(["Not authorised", "Second"]));
    assert_eq!(
        d["error"]["fields"],
        json!({"user.email": "Not authorised"})
    );
    // Without errors it is a success.
    let (exit, d) = decode_one(&raw(200, &[JSON], r#"{"data":{"user":{"id":1}}}"#), &[]);
    assert_eq!(exit, 0);
    assert_eq!(d["error"], Value::Null);
}

#[test]
fn rate_limit_spellings() {
    let date = ("Date", "Thu, 01 Jan 2026 00:00:00 GMT");
    let cases: Vec<(Vec<(&str, &str)>, Value)> = vec![
        // GitHub
        (
            vec![
                date,
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "4990"),
                ("x-ratelimit-used", "10"),
                ("x-ratelimit-reset", "1767229200"),
            ],
            json!({"limit": 5000, "remaining": 4990, "used": 10, "reset_at": 1767229200, "retry_after_s": null, "window_s": null}),
        ),
        // Twitter
        (
            vec![
                date,
                ("x-rate-limit-limit", "900"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1767226500"),
            ],
            json!({"limit": 900, "remaining": 0, "used": null, "reset_at": 1767226500, "retry_after_s": null, "window_s": null}),
        ),
        // Reset as seconds from the Date header (Reddit style)
        (
            vec![
                date,
                ("X-Ratelimit-Used", "3"),
                ("X-Ratelimit-Remaining", "97"),
                ("X-Ratelimit-Reset", "420"),
            ],
            json!({"limit": null, "remaining": 97, "used": 3, "reset_at": 1767225600 + 420, "retry_after_s": null, "window_s": null}),
        ),
        // IETF draft fields
        (
            vec![
                date,
                ("RateLimit-Limit", "100"),
                ("RateLimit-Remaining", "40"),
                ("RateLimit-Reset", "20"),
                ("RateLimit-Policy", "100;w=60"),
            ],
            json!({"limit": 100, "remaining": 40, "used": null, "reset_at": 1767225620, "retry_after_s": null, "window_s": 60}),
        ),
        // Retry-After as an HTTP-date, measured from Date
        (
            vec![date, ("Retry-After", "Thu, 01 Jan 2026 00:02:00 GMT")],
            json!({"limit": null, "remaining": null, "used": null, "reset_at": null, "retry_after_s": 120, "window_s": null}),
        ),
        // Discord: fractional reset, reset-after
        (
            vec![
                date,
                ("X-RateLimit-Limit", "5"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "1767225601.250"),
            ],
            json!({"limit": 5, "remaining": 0, "used": null, "reset_at": 1767225602, "retry_after_s": null, "window_s": null}),
        ),
    ];
    for (headers, expected) in cases {
        let (_, d) = decode_one(&raw(200, &headers, ""), &[]);
        assert_eq!(d["rate_limit"], expected, "{headers:?}");
    }
}

#[test]
fn link_header_relative_targets_resolve_against_the_request() {
    let e = HarEntry::get("https://api.github.com/repos/o/r/issues?per_page=2", 200, "[{},{}]")
        .resp_header("Link", r#"<https://api.github.com/repositories/1/issues?per_page=2&page=2>; rel="next", <https://api.github.com/repositories/1/issues?per_page=2&page=7>; rel="last""#);
    let e2 = HarEntry::get(
        "https://api.example.com/v2/things?cursor=a",
        200,
        r#"{"items":[]}"#,
    )
    .resp_header("Link", "<?cursor=b>; rel=next");
    let run = apiscope(
        &["decode", "-", "--format", "json"],
        har(&[e, e2]).as_bytes(),
    );
    let l = run.json_lines();
    assert_eq!(
        l[0]["pagination"]["next"],
        "https://api.github.com/repositories/1/issues?per_page=2&page=2"
    );
    assert_eq!(l[0]["pagination"]["page_count"], 7);
    assert_eq!(
        l[1]["pagination"]["next"],
        "https://api.example.com/v2/things?cursor=b"
    );
    // Without a request URL a relative link cannot be made absolute.
    let (_, d) = decode_one(
        &raw(200, &[("Link", "</p?page=2>; rel=\"next\"")], "[]"),
        &[],
    );
    assert_eq!(d["pagination"]["next"], Value::Null);
    assert_eq!(d["pagination"]["has_more"], true);
}

#[test]
fn har_prints_one_line_per_entry_and_markdown_summarises() {
    let entries: Vec<HarEntry> = (0..40)
        .map(|i| {
            if i % 10 == 9 {
                HarEntry::get(
                    "https://api.example.com/v1/b",
                    429,
                    r#"{"error":"Too many requests"}"#,
                )
            } else {
                HarEntry::get("https://api.example.com/v1/b", 200, "{}")
            }
        })
        .collect();
    let input = har(&entries);
    let run = apiscope(&["decode", "-", "--format", "json"], input.as_bytes());
    assert_eq!(run.code, 1);
    assert_eq!(run.json_lines().len(), 40);
    let md = apiscope(&["decode", "-", "--format", "markdown"], input.as_bytes());
    assert!(
        md.stdout.starts_with(
            "<!-- apiscope report -->\nWe looked at the 40 requests your application sent to "
        ) && md
            .stdout
            .contains("36 succeeded and 4 failed (4 went over the rate limit)"),
        "{}",
        md.stdout
    );
    // One section per failed request; the successes are rows of the table.
    assert_eq!(md.stdout.matches("\n### ").count(), 4, "{}", md.stdout);
    assert!(md.stdout.contains("**What to do**"));
    assert!(md.stdout.contains("Your requests went over the rate limit"));
    assert!(
        md.stdout
            .contains("<details><summary>Technical details</summary>")
    );
}

#[test]
fn curl_verbose_transcript_gives_url_and_findings() {
    let input = "* Connected to api.example.com (1.2.3.4) port 443\n* ALPN: server accepted h2\n> GET /v1/boards HTTP/2\n> Host: api.example.com\n> Accept: */*\n> \n< HTTP/2 401 \n< content-type: application/json\n< x-ratelimit-limit: 60\n< \n{\"error\":{\"code\":\"UNAUTHENTICATED\",\"message\":\"No token provided.\",\"status\":401,\"requestId\":\"req_1\",\"details\":null}}\n* Connection #0 to host api.example.com left intact\n";
    let (exit, d) = decode_one(input, &[]);
    assert_eq!(exit, 1);
    assert_eq!(d["url"], "https://api.example.com/v1/boards");
    assert_eq!(d["error"]["code"], "UNAUTHENTICATED");
    assert!(
        d["findings"]
            .to_string()
            .contains("no Authorization header"),
        "{}",
        d["findings"]
    );
}

#[test]
fn user_profiles_teach_a_new_api() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles");
    std::fs::create_dir(&profiles).unwrap();
    std::fs::write(
        profiles.join("acme.toml"),
        r#"
id = "acme"
name = "ACME API"
priority = 5
[[detect]]
all = [{ pointer = "/fault/faultcode#string" }]
[error]
code = ["/fault/faultcode"]
message = ["/fault/reason"]
[[codes]]
code = "ACME-42"
status = 409
description = "Widget already exists"
steps = ["Pick another widget name"]
"#,
    )
    .unwrap();
    std::fs::write(profiles.join("broken.toml"), "id = \"x\"\nname = 3\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .args(["decode", "-", "--format", "json"])
        .env("APISCOPE_CONFIG_DIR", dir.path())
        .env("APISCOPE_DATA_DIR", dir.path())
        .stdin(
            std::fs::File::open({
                let p = dir.path().join("r.txt");
                std::fs::write(
                    &p,
                    raw(
                        409,
                        &[JSON],
                        r#"{"fault":{"faultcode":"ACME-42","reason":"exists"}}"#,
                    ),
                )
                .unwrap();
                p
            })
            .unwrap(),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("broken.toml: line 2"), "{stderr}");
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["dialect"], "acme");
    assert_eq!(d["error"]["code"], "ACME-42");
    assert_eq!(d["troubleshooting"][0], "Pick another widget name");
}

#[test]
fn a_recording_without_date_is_measured_from_its_own_time() {
    let input = har(&[HarEntry::get("https://api.example.com/v1/b", 429, "{}")
        .resp_header("X-RateLimit-Reset", "30")
        .resp_header("X-RateLimit-Remaining", "0")]);
    let run = apiscope(&["decode", "-", "--format", "json"], input.as_bytes());
    let d = &run.json_lines()[0];
    // startedDateTime 2026-01-01T00:00:00Z, not the time of decoding.
    assert_eq!(d["rate_limit"]["reset_at"], 1_767_225_630);
    let text = apiscope(&["decode", "-"], input.as_bytes()).stdout;
    assert!(
        text.contains("resets Thu, 01 Jan 2026 00:00:30 GMT (30 s after the request was recorded)"),
        "{text}"
    );
}

#[test]
fn absurd_rate_limit_values_are_notes_not_crashes() {
    for (name, value) in [
        ("X-RateLimit-Reset", "253402300800"),
        ("X-RateLimit-Reset", "1e23"),
        ("RateLimit-Reset", "1e23"),
        ("Retry-After", "99999999999999999999"),
    ] {
        let input = raw(429, &[JSON, (name, value)], "{}");
        for format in ["text", "json", "markdown"] {
            let run = apiscope(&["decode", "-", "--format", format], input.as_bytes());
            assert_eq!(run.code, 1, "{name}: {value} ({format}): {}", run.stderr);
        }
        let text = apiscope(&["decode", "-"], input.as_bytes()).stdout;
        assert!(!text.contains("-2"), "a wrapped date: {text}");
        if name.contains("Reset") {
            assert!(text.contains("ignored"), "{text}");
        }
    }
}

#[test]
fn dialect_affinity_is_per_api_not_per_host() {
    // Two APIs on one host (the demo's shape): an envelope success must
    // not take the errors-array dialect of its neighbour, nor the reverse.
    let input = har(&[
        HarEntry::get(
            "https://h.example/envelope/v1/boards",
            400,
            r#"{"error":{"code":"INVALID_QUERY_PARAMETER","message":"bad","status":400,"requestId":"req_a1b2c3d4e5f6a7b8","details":null}}"#,
        ),
        HarEntry::get(
            "https://h.example/envelope/v1/boards?page=2",
            200,
            r#"{"data":[]}"#,
        ),
        HarEntry::get(
            "https://h.example/errors-array/v1/contacts",
            422,
            r#"{"errors":["Email is invalid"]}"#,
        )
        .resp_header("X-RateLimit-Limit", "100")
        .resp_header("X-RateLimit-Used", "1"),
        HarEntry::get(
            "https://h.example/errors-array/v1/contacts?page=2",
            200,
            r#"{"data":[]}"#,
        ),
    ]);
    let run = apiscope(&["decode", "-", "--format", "json"], input.as_bytes());
    let d = run.json_lines();
    assert_eq!(d[1]["dialect"], "envelope");
    assert_eq!(d[3]["dialect"], "errors-array");
}

/// `application/problem+json` is RFC 9457 whatever its extension members
/// look like: here a `code`/`message`/`data` trio that the coded format
/// would claim, and an `error` object that the envelope format would claim.
#[rstest::rstest]
#[case::coded_lookalike(r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","detail":"Your balance is 30, but that costs 50.","status":403,"code":1001,"message":"no credit","data":null}"#)]
#[case::envelope_lookalike(r#"{"type":"https://example.com/probs/out-of-credit","title":"You do not have enough credit.","detail":"Your balance is 30, but that costs 50.","status":403,"error":{"code":"OUT_OF_CREDIT","message":"no credit","requestId":"r-1"}}"#)]
fn problem_json_media_type_wins_over_lookalike_members(#[case] body: &str) {
    let (_, d) = decode_one(
        &raw(
            403,
            &[("Content-Type", "application/problem+json; charset=utf-8")],
            body,
        ),
        &[],
    );
    assert_eq!(d["dialect"], "problem", "{d}");
    assert_eq!(
        d["error"]["message"],
        "Your balance is 30, but that costs 50."
    );
}

#[test]
fn color_is_auto_always_or_never() {
    let capture = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"x_code\",\"message\":\"y\"}}";
    let o = apiscope(&["decode", "-", "--color", "always"], capture.as_bytes());
    assert!(o.stdout.contains('\x1b'), "{}", o.stdout);
    // Padded before it is styled: the code does not run into the label.
    assert!(
        o.stdout.contains("Error       \x1b[0m\x1b[1mx_code"),
        "{:?}",
        o.stdout
    );
    let o = apiscope(&["decode", "-", "--color", "never"], capture.as_bytes());
    assert!(!o.stdout.contains('\x1b'), "{}", o.stdout);
    // Not a terminal: auto is plain.
    let o = apiscope(&["decode", "-"], capture.as_bytes());
    assert!(!o.stdout.contains('\x1b'), "{}", o.stdout);
    let o = apiscope(&["decode", "-", "--color", "sometimes"], capture.as_bytes());
    assert_eq!(o.code, 2);
}
