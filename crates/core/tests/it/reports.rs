//! The text and Markdown reports of every example session in `sessions/`,
//! as reviewed snapshots: a change to decoding or wording shows here as a
//! diff to review (`cargo insta review`), one session at a time.

use apiscope_core::decode::{self, Options, Profiles};
use apiscope_core::report::{self, Format};
use rstest::rstest;

fn reports(name: &str) -> (String, String) {
    let path = format!("{}/../../sessions/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let exchanges = apiscope_core::input::read_any(&path).expect("an example session reads");
    let options = Options {
        dialect: None,
        now: Some(1_767_225_600),
    };
    let diagnoses = decode::diagnose_all(&exchanges, &Profiles::built_in(), &options);
    (
        report::render(Format::Text, &diagnoses, false),
        report::render(Format::Markdown, &diagnoses, false),
    )
}

#[rstest]
#[case("aptly")]
#[case("coded")]
#[case("demo")]
#[case("envelope")]
#[case("errors-array")]
#[case("ittybit")]
fn reports_of_the_example_sessions(#[case] name: &str) {
    let (text, markdown) = reports(name);
    insta::assert_snapshot!(format!("{name}.text"), text);
    insta::assert_snapshot!(format!("{name}.markdown"), markdown);
}

#[test]
fn every_example_session_has_a_snapshot_case() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sessions");
    let cases = [
        "aptly",
        "coded",
        "demo",
        "envelope",
        "errors-array",
        "ittybit",
    ];
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".json");
        assert!(cases.contains(&stem), "sessions/{name} has no case above");
    }
}

/// A fake JWT whose `exp` is 2026-01-01T08:30:00Z (signature not real).
const EXPIRED_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlLXVzZXIiLCJleHAiOjE3NjcyNTYyMDB9.ZmFrZS1zaWduYXR1cmU";

/// One HAR entry: (started, method, url, request headers, status,
/// response headers, response body).
type Entry<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    u16,
    Vec<(&'a str, &'a str)>,
    &'a str,
);

/// A HAR 1.2 document of `entries`.
fn har_text(entries: &[Entry]) -> String {
    let pairs = |h: &[(&str, &str)]| {
        h.iter()
            .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
            .collect::<Vec<_>>()
    };
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|(started, method, url, req, status, resp, body)| {
            serde_json::json!({
                "startedDateTime": started,
                "time": 120.0,
                "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                    "headers": pairs(req), "queryString": [], "cookies": [],
                    "headersSize": -1, "bodySize": 0},
                "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                    "headers": pairs(resp), "cookies": [],
                    "content": {"size": body.len(), "mimeType": "application/json", "text": body},
                    "redirectURL": "", "headersSize": -1, "bodySize": body.len()},
                "cache": {}, "timings": {"send": 0, "wait": 120, "receive": 0}
            })
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2",
        "creator": {"name": "test", "version": "1"}, "entries": list}})
    .to_string()
}

/// The Markdown reply to a customer's HAR of `entries`.
fn reply(entries: &[Entry]) -> String {
    let har = har_text(entries);
    let exchanges = apiscope_core::input::read_bytes(
        har.as_bytes(),
        "ticket.har",
        &apiscope_core::input::BareBody::default(),
    )
    .expect("the HAR reads");
    let options = Options {
        dialect: None,
        now: Some(1_767_225_600),
    };
    let diagnoses = decode::diagnose_all(&exchanges, &Profiles::built_in(), &options);
    report::render(Format::Markdown, &diagnoses, false)
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const URL: &str = "https://api.shop.test/v2/orders";

fn e401_expired<'a>() -> Entry<'a> {
    (
        "2026-01-01T10:15:00.000+01:00",
        "GET",
        URL,
        vec![(
            "Authorization",
            "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlLXVzZXIiLCJleHAiOjE3NjcyNTYyMDB9.ZmFrZS1zaWduYXR1cmU",
        )],
        401,
        vec![
            JSON,
            ("Date", "Thu, 01 Jan 2026 09:15:00 GMT"),
            ("X-Request-Id", "req_fake_401"),
        ],
        r#"{"error":{"code":"token_expired","message":"The access token expired"}}"#,
    )
}

fn e422_list<'a>() -> Entry<'a> {
    (
        "2026-01-01T10:16:00.000+01:00",
        "POST",
        "https://api.shop.test/v2/customers",
        vec![JSON],
        422,
        vec![JSON, ("Date", "Thu, 01 Jan 2026 09:16:00 GMT")],
        r#"{"error":{"code":"validation_failed","message":"Validation failed","fields":[{"field":"email","message":"is not a valid email address"},{"field":"age","message":"must be 18 or more"},{"field":"country","message":"is not a supported country"},{"field":"phone","message":"must include the country code"}]}}"#,
    )
}

fn e429<'a>(started: &'a str, date: &'a str, status: u16, remaining: &'a str) -> Entry<'a> {
    (
        started,
        "GET",
        URL,
        vec![],
        status,
        vec![
            JSON,
            ("Date", date),
            ("X-RateLimit-Limit", "120"),
            ("X-RateLimit-Remaining", remaining),
            ("X-RateLimit-Reset", "1767259020"),
        ],
        if status == 429 {
            r#"{"error":{"code":"rate_limited","message":"Too many requests"}}"#
        } else {
            r#"{"items":[]}"#
        },
    )
}

fn e500<'a>() -> Entry<'a> {
    (
        "2026-01-01T10:17:00.000+01:00",
        "POST",
        "https://api.shop.test/v2/orders/10234/refunds",
        vec![JSON],
        500,
        vec![JSON, ("Date", "Thu, 01 Jan 2026 09:17:00 GMT")],
        r#"{"error":"internal_error","message":"Something went wrong on our side","request_id":"req_fake_500"}"#,
    )
}

#[test]
fn a_reply_to_an_expired_token_says_when_it_expired() {
    let md = reply(&[e401_expired()]);
    assert!(md.contains("08:30:00 UTC"), "{md}");
    assert!(
        !md.contains(EXPIRED_JWT),
        "the token itself is never in a reply"
    );
    insta::assert_snapshot!("reply.401-expired", md);
}

#[test]
fn a_reply_to_a_refusal() {
    insta::assert_snapshot!(
        "reply.403",
        reply(&[(
            "2026-01-01T09:00:00.000Z",
            "DELETE",
            "https://api.shop.test/v2/projects/42",
            vec![("Authorization", "Bearer fake_token_0000")],
            403,
            vec![JSON, ("Date", "Thu, 01 Jan 2026 09:00:00 GMT")],
            r#"{"code":"forbidden","message":"You do not have permission to delete project 42"}"#,
        )])
    );
}

#[test]
fn a_reply_to_a_missing_thing() {
    insta::assert_snapshot!(
        "reply.404",
        reply(&[(
            "2026-01-01T09:00:00.000Z",
            "GET",
            "https://api.shop.test/v2/orders/10234",
            vec![],
            404,
            vec![
                ("Content-Type", "application/problem+json"),
                ("Date", "Thu, 01 Jan 2026 09:00:00 GMT")
            ],
            r#"{"type":"https://api.shop.test/problems/not-found","title":"Not Found","status":404,"detail":"Order 10234 does not exist","instance":"/v2/orders/10234"}"#,
        )])
    );
}

#[test]
fn a_reply_to_a_conflict() {
    insta::assert_snapshot!(
        "reply.409",
        reply(&[(
            "2026-01-01T09:00:00.000Z",
            "PUT",
            "https://api.shop.test/v2/orders/10234",
            vec![JSON],
            409,
            vec![
                JSON,
                ("Date", "Thu, 01 Jan 2026 09:00:00 GMT"),
                ("X-Request-Id", "req_fake_409")
            ],
            r#"{"error":{"code":"version_conflict","message":"The order was changed by someone else since you read it"}}"#,
        )])
    );
}

#[test]
fn a_reply_to_invalid_fields_lists_them() {
    let md = reply(&[e422_list()]);
    for f in ["email", "age", "country", "phone"] {
        assert!(md.contains(&format!("- `{f}`:")), "{f} not listed:\n{md}");
    }
    insta::assert_snapshot!("reply.422-fields", md);
    // The same under `error.fields` as a map.
    let md = reply(&[(
        "2026-01-01T09:00:00.000Z",
        "POST",
        "https://api.shop.test/v2/customers",
        vec![JSON],
        422,
        vec![JSON],
        r#"{"error":{"message":"Invalid customer","fields":{"email":"is not a valid email address","name":"can't be blank"}}}"#,
    )]);
    assert!(
        md.contains("- `email`: is not a valid email address"),
        "{md}"
    );
    assert!(md.contains("- `name`: can't be blank"), "{md}");
}

#[test]
fn a_reply_to_a_429_says_the_budget_was_spent_before_the_ticket() {
    let md = reply(&[
        e429(
            "2026-01-01T09:15:40.000Z",
            "Thu, 01 Jan 2026 09:15:40 GMT",
            200,
            "2",
        ),
        e429(
            "2026-01-01T09:15:41.000Z",
            "Thu, 01 Jan 2026 09:15:41 GMT",
            200,
            "1",
        ),
        e429(
            "2026-01-01T09:15:42.000Z",
            "Thu, 01 Jan 2026 09:15:42 GMT",
            200,
            "0",
        ),
        e429(
            "2026-01-01T09:15:43.000Z",
            "Thu, 01 Jan 2026 09:15:43 GMT",
            429,
            "0",
        ),
    ]);
    assert!(
        md.contains("only 3 of its 120 requests were left: 117 had been spent"),
        "{md}"
    );
    // Successes are rows of the table, not sections.
    assert_eq!(md.matches("\n### ").count(), 1, "{md}");
    insta::assert_snapshot!("reply.429-spent-before", md);
}

#[test]
fn a_reply_to_a_server_failure() {
    insta::assert_snapshot!("reply.500", reply(&[e500()]));
}

#[test]
fn a_reply_to_a_har_mixing_them_keeps_the_customers_time_zone() {
    let md = reply(&[
        (
            "2026-01-01T10:14:00.000+01:00",
            "GET",
            "https://api.shop.test/v2/orders?page=1",
            vec![],
            200,
            vec![JSON, ("Date", "Thu, 01 Jan 2026 09:14:00 GMT")],
            r#"{"items":[{"id":1}]}"#,
        ),
        e401_expired(),
        e422_list(),
        e429(
            "2026-01-01T10:16:30.000+01:00",
            "Thu, 01 Jan 2026 09:16:30 GMT",
            429,
            "0",
        ),
        e500(),
    ]);
    assert!(md.contains("your time, UTC+01:00"), "{md}");
    assert_eq!(md.matches("\n### ").count(), 4, "{md}");
    insta::assert_snapshot!("reply.mixed-har", md);
}

/// The diagnosis of one raw response (no request, no recording).
fn diagnose_raw(status: u16, headers: &[(&str, &str)], body: &str) -> decode::Diagnosis {
    let mut h = apiscope_core::model::Headers::new();
    for (k, v) in headers {
        h.push(*k, *v);
    }
    let e = apiscope_core::model::Exchange {
        response: apiscope_core::model::Response {
            status: Some(status),
            headers: h,
            body: body.as_bytes().to_vec().into(),
            ..Default::default()
        },
        ..Default::default()
    };
    decode::diagnose(&e, &Profiles::built_in(), &Options::default())
}

#[test]
fn review_findings_stay_fixed() {
    // A REST error list is not GraphQL.
    let d = diagnose_raw(
        400,
        &[JSON],
        r#"{"errors":[{"code":215,"message":"Bad Authentication data."}]}"#,
    );
    assert_eq!(d.dialect, "generic");
    assert_eq!(d.error.as_ref().unwrap().code.as_deref(), Some("215"));
    // Apigee's fault.
    let d = diagnose_raw(
        401,
        &[JSON],
        r#"{"fault":{"faultstring":"Invalid ApiKey","detail":{"errorcode":"oauth.v2.InvalidApiKey"}}}"#,
    );
    let e = d.error.unwrap();
    assert_eq!(e.code.as_deref(), Some("oauth.v2.InvalidApiKey"));
    assert_eq!(e.message.as_deref(), Some("Invalid ApiKey"));
    // A fractional Retry-After is waited as it is.
    let d = diagnose_raw(429, &[("Retry-After", "2.4")], "{}");
    assert_eq!(
        d.troubleshooting[0],
        "Wait 2.4 s (Retry-After) before retrying"
    );
    // Without a Date, no clock time is made up from the time of decoding.
    let md = report::render(
        Format::Markdown,
        &[diagnose_raw(
            429,
            &[("Retry-After", "2")],
            r#"{"message":"slow down"}"#,
        )],
        false,
    );
    assert!(!md.contains("lets requests through again from"), "{md}");
    assert!(md.contains("It asks to wait 2 s"), "{md}");
}

#[test]
fn a_reply_counts_a_blocked_entry_as_failed_and_a_403_over_the_limit_as_a_rate_limit() {
    let md = reply(&[
        (
            "2026-01-01T09:00:00.000Z",
            "GET",
            URL,
            vec![],
            0,
            vec![],
            "",
        ),
        (
            "2026-01-01T09:00:01.000Z",
            "GET",
            URL,
            vec![],
            403,
            vec![
                JSON,
                ("X-RateLimit-Limit", "60"),
                ("X-RateLimit-Remaining", "0"),
            ],
            r#"{"message":"API rate limit exceeded for 203.0.113.9."}"#,
        ),
    ]);
    assert!(md.contains("0 succeeded and 2 failed"), "{md}");
    assert!(md.contains("1 got no response"), "{md}");
    assert!(md.contains("1 went over the rate limit"), "{md}");
}

#[test]
fn an_expired_token_step_never_contradicts_the_token() {
    // The body says expired, the JWT's exp is still ahead: clock skew.
    let md = reply(&[(
        "2026-01-01T08:00:00.000Z",
        "GET",
        URL,
        vec![(
            "Authorization",
            "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlLXVzZXIiLCJleHAiOjE3NjcyNTYyMDB9.ZmFrZS1zaWduYXR1cmU",
        )],
        401,
        vec![JSON, ("Date", "Thu, 01 Jan 2026 08:00:00 GMT")],
        r#"{"error":{"code":"token_expired","message":"The access token expired"}}"#,
    )]);
    assert!(md.contains("clock skew"), "{md}");
    assert!(!md.contains("The access token expired at"), "{md}");
    // No credential sent at all: not an expired token.
    let md = reply(&[(
        "2026-01-01T08:00:00.000Z",
        "GET",
        URL,
        vec![],
        401,
        vec![JSON],
        r#"{"error":{"code":"token_expired","message":"The access token expired"}}"#,
    )]);
    assert!(!md.contains("The access token has expired"), "{md}");
}

#[test]
fn more_common_shapes_from_the_review() {
    // `error.field_errors` as a map.
    let d = diagnose_raw(
        422,
        &[JSON],
        r#"{"error":{"message":"Invalid","field_errors":{"email":"is taken","name":"is blank"}}}"#,
    );
    let f = d.error.unwrap().fields;
    assert!(f.contains(&("email".into(), "is taken".into())), "{f:?}");
    // Azure's innererror request id.
    let d = diagnose_raw(
        500,
        &[JSON],
        r#"{"error":{"code":"InternalError","message":"Oops","innererror":{"request-id":"0000-fake-1111","date":"2026-01-01T00:00:00"}}}"#,
    );
    assert_eq!(
        d.error.unwrap().request_id.as_deref(),
        Some("0000-fake-1111")
    );
    // JSend's fail.
    let d = diagnose_raw(
        400,
        &[JSON],
        r#"{"status":"fail","data":{"email":"A valid email address is required"}}"#,
    );
    let f = d.error.unwrap().fields;
    assert_eq!(
        f,
        vec![(
            "email".to_owned(),
            "A valid email address is required".to_owned()
        )]
    );
}

#[test]
fn the_reply_and_the_timeline_count_the_same_budgets() {
    // Two tokens on one host: two budgets. Only token A's was spent by
    // someone else; the reply and the timeline say the same numbers.
    let a = ("Authorization", "Bearer tok_FAKE_aaaaaaaaaaaa");
    let b = ("Authorization", "Bearer tok_FAKE_bbbbbbbbbbbb");
    let entry = |t: &'static str, auth, remaining: &'static str| -> Entry<'static> {
        (
            t,
            "GET",
            URL,
            vec![auth],
            200,
            vec![
                JSON,
                ("X-RateLimit-Limit", "120"),
                ("X-RateLimit-Remaining", remaining),
            ],
            "{}",
        )
    };
    let entries = [
        entry("2026-01-01T09:00:00.000Z", a, "4"),
        entry("2026-01-01T09:00:01.000Z", b, "119"),
        entry("2026-01-01T09:00:02.000Z", a, "3"),
        entry("2026-01-01T09:00:03.000Z", b, "118"),
    ];
    let md = reply(&entries);
    assert_eq!(
        md.matches("had been spent by something not in this recording")
            .count(),
        1,
        "{md}"
    );
    assert!(
        md.contains("only 5 of its 120 requests were left: 115 had been spent"),
        "{md}"
    );
    let har = har_text(&entries);
    let exchanges = apiscope_core::input::read_bytes(
        har.as_bytes(),
        "t.har",
        &apiscope_core::input::BareBody::default(),
    )
    .unwrap();
    let profiles = Profiles::built_in();
    let diagnoses = decode::diagnose_all(&exchanges, &profiles, &Options::default());
    let timeline = apiscope_core::timeline::render_text(&apiscope_core::timeline::build(
        &exchanges, &diagnoses, &profiles,
    ));
    assert!(
        timeline.contains("only 5 of 120 were left before the first recorded request: 115 spent"),
        "{timeline}"
    );
    assert_eq!(
        timeline
            .matches("spent by something not in this file")
            .count(),
        1,
        "{timeline}"
    );
}

#[test]
fn a_chosen_dialect_keeps_the_bodys_own_words() {
    let mut h = apiscope_core::model::Headers::new();
    h.push("Content-Type", "application/json");
    let e = apiscope_core::model::Exchange {
        response: apiscope_core::model::Response {
            status: Some(401),
            headers: h,
            body: br#"{"message":"nope"}"#.to_vec().into(),
            ..Default::default()
        },
        ..Default::default()
    };
    let d = decode::diagnose(
        &e,
        &Profiles::built_in(),
        &Options {
            dialect: Some("envelope".into()),
            now: Some(1_767_225_600),
        },
    );
    assert_eq!(d.dialect, "envelope");
    assert_eq!(d.error.as_ref().unwrap().message.as_deref(), Some("nope"));
    let text = report::render(Format::Text, std::slice::from_ref(&d), false);
    assert!(text.contains("Error       nope"), "{text}");
    assert!(!text.contains("— —"), "{text}");
}
