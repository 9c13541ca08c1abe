//! Bad input never panics: a broken body is still a response and gets a
//! diagnosis; input with no readable response gets one line and exit 2.

use crate::common;
use common::{apiscope, decode_one, raw};
use serde_json::Value;
use std::io::Write;

const JSON: (&str, &str) = ("Content-Type", "application/json");

fn text(input: &[u8]) -> common::Run {
    apiscope(&["decode", "-"], input)
}

#[test]
fn truncated_json_is_diagnosed_from_what_arrived() {
    let (exit, d) = decode_one(
        &raw(
            429,
            &[JSON],
            r#"{"error":{"requestId":"req_x9y8z7w6v5u4t3s2","code":"RATE_LIMITED","message":"Too many requests. Plea"#,
        ),
        &[],
    );
    assert_eq!(exit, 1);
    assert_eq!(d["dialect"], "envelope");
    assert_eq!(d["error"]["code"], "RATE_LIMITED");
    let run = text(raw(429, &[JSON], r#"{"error":{"code":"RATE_LI"#).as_bytes());
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("truncated JSON"), "{}", run.stdout);
}

#[test]
fn invalid_utf8_and_bom_still_decode() {
    let mut input = raw(422, &[JSON], "").into_bytes();
    input.extend_from_slice(b"\xEF\xBB\xBF{\"errors\":[\"Caf\xE9 is invalid\"]}");
    let run = apiscope(&["decode", "-", "--format", "json"], &input);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let d = &run.json_lines()[0];
    // The errors-array shape, without that vendor's headers: read as it.
    assert_eq!(
        (d["dialect"].as_str(), d["evidence"].as_str()),
        (Some("generic"), Some("shape"))
    );
    assert_eq!(d["error"]["message"], "Caf\u{fffd} is invalid");
    let t = text(&input);
    assert!(t.stdout.contains("not valid UTF-8"), "{}", t.stdout);
    assert!(t.stdout.contains("BOM"), "{}", t.stdout);
}

#[test]
fn html_from_a_gateway_is_a_response() {
    let (exit, d) = decode_one(
        &raw(
            502,
            &[JSON],
            "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        ),
        &[],
    );
    assert_eq!(exit, 1);
    assert_eq!(d["dialect"], "generic");
    assert_eq!(d["error"]["message"], "502 Bad Gateway");
    assert!(!d["troubleshooting"].as_array().unwrap().is_empty());
}

#[test]
fn no_content_is_a_success() {
    let (exit, d) = decode_one(
        "HTTP/1.1 204 No Content\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n",
        &[],
    );
    assert_eq!(exit, 0);
    assert_eq!(d["status"], 204);
    assert_eq!(d["error"], Value::Null);
    assert_eq!(d["troubleshooting"], serde_json::json!([]));
}

#[test]
fn chunked_framing_left_in_a_capture_is_removed() {
    let body = "{\"error\":\"Not found\"}";
    let framed = format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
    let (_, d) = decode_one(
        &raw(404, &[JSON, ("Transfer-Encoding", "chunked")], &framed),
        &[],
    );
    assert_eq!(d["dialect"], "aptly");
    assert_eq!(d["error"]["message"], "Not found");
}

#[test]
fn gzip_body_in_a_har_is_decoded_and_garbage_is_reported() {
    use base64::Engine as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(br#"{"code":5000,"message":"Project not found"}"#)
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
    let entry = |text: &str, encoding: &str| {
        serde_json::json!({
            "request": {"method": "GET", "url": "https://api.example.com/p", "headers": []},
            "response": {"status": 404, "headers": [{"name": "Content-Encoding", "value": "gzip"}],
                         "content": {"text": text, "encoding": encoding, "mimeType": "application/json"}}
        })
    };
    let bogus = base64::engine::general_purpose::STANDARD.encode([0x1f, 0x8b, 8, 0, 9, 9, 9, 9]);
    let har =
        serde_json::json!({"log": {"entries": [entry(&b64, "base64"), entry(&bogus, "base64")]}});
    let run = apiscope(
        &["decode", "-", "--format", "json"],
        har.to_string().as_bytes(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let l = run.json_lines();
    assert_eq!(l[0]["dialect"], "coded");
    assert_eq!(l[0]["error"]["code"], "5000");
    // Same host, so the same dialect; but nothing is read from the garbage.
    assert_eq!(
        l[1]["error"]["code"],
        Value::Null,
        "an undecodable body is not mis-parsed"
    );
    assert_eq!(l[1]["error"]["message"], Value::Null);
    let t = apiscope(&["decode", "-"], har.to_string().as_bytes());
    assert!(t.stdout.contains("could not be decoded"), "{}", t.stdout);
}

#[test]
fn unreadable_inputs_exit_2_with_one_line() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "empty input"),
        (b"   \n\n", "empty input"),
        (
            b"hello world\nthis is not http\n",
            "line 1: not an HTTP response",
        ),
        (b"\n\nPOST /x HTTP/1.1\n", "line 3: not an HTTP response"),
        (b"{\"log\": {\"pages\": []}}", "not a valid HAR 1.2 file"),
        (
            b"{\"log\": {\"entries\": [{\"request\": 5}]",
            "not a valid HAR 1.2 file",
        ),
        (
            b"{\"apiscope_session\": 99, \"exchanges\": []}",
            "made by a newer apiscope",
        ),
        (
            b"curl -H 'x-token: abc' https://example.com",
            "curl command",
        ),
        (b"\x00\x01\x02\xff\xfe binary", "not an HTTP response"),
    ];
    for (input, needle) in cases {
        let run = text(input);
        assert_eq!(run.code, 2, "{needle}: {}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "{needle} not in {:?}",
            run.stderr
        );
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "{:?}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    let run = apiscope(&["decode", "/nonexistent/apiscope/response.txt"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/apiscope/response.txt"),
        "{}",
        run.stderr
    );
    let run = apiscope(
        &["decode", "-", "--dialect", "nope"],
        b"HTTP/1.1 200 OK\r\n\r\n",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown dialect 'nope'"),
        "{}",
        run.stderr
    );
    let run = apiscope(&["decode", "-", "--format", "yaml"], b"");
    assert_eq!(run.code, 2);
    let run = apiscope(&["decode", "-", "-H", "no colon here"], b"{}");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad header"), "{}", run.stderr);
}

#[test]
fn escape_sequences_in_a_body_never_reach_the_terminal() {
    let run = text(
        raw(
            400,
            &[JSON],
            "{\"error\":\"\\u001b[2J\\u001b]0;pwned\\u0007Bad request\"}",
        )
        .as_bytes(),
    );
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains('\x1b'), "{:?}", run.stdout);
    assert!(run.stdout.contains("\\x1b[2J"), "{}", run.stdout);
}

#[test]
fn bare_body_with_status_and_headers() {
    let (exit, d) = decode_one(
        r#"{"error":{"code":"RATE_LIMITED","message":"slow down","status":429,"requestId":"req_1","details":null}}"#,
        &["-H", "Retry-After: 12"],
    );
    assert_eq!(exit, 1);
    assert_eq!(
        d["status"], 429,
        "taken from the body when --status is absent"
    );
    assert_eq!(d["rate_limit"]["retry_after_s"], 12);
    let (_, d) = decode_one(
        r#"{"errors":["Name can't be blank"]}"#,
        &["--status", "422"],
    );
    assert_eq!(d["status"], 422);
    assert_eq!(d["error"]["message"], "Name can't be blank");
    let (exit, d) = decode_one(r#"{"errors":["x"]}"#, &[]);
    assert_eq!(exit, 1);
    assert_eq!(d["status"], Value::Null);
}

#[test]
fn dialect_can_be_forced() {
    let (_, d) = decode_one(
        &raw(401, &[JSON], r#"{"error":"Unauthorized","hint":"x"}"#),
        &[],
    );
    assert_eq!(d["dialect"], "generic");
    let (_, d) = decode_one(
        &raw(401, &[JSON], r#"{"error":"Unauthorized","hint":"x"}"#),
        &["--dialect", "aptly"],
    );
    assert_eq!(d["dialect"], "aptly");
    assert_eq!(d["error"]["code"], "401");
}

#[test]
fn an_empty_har_is_nothing_to_diagnose() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("e.har"),
        r#"{"log":{"version":"1.2","entries":[]}}"#,
    )
    .unwrap();
    for format in ["text", "markdown", "json"] {
        let o =
            crate::common::apiscope_in(dir.path(), &["decode", "e.har", "--format", format], b"");
        assert_eq!(o.code, 2, "{format}: {}", o.stdout);
        assert!(o.stderr.contains("nothing to diagnose"), "{}", o.stderr);
    }
}
