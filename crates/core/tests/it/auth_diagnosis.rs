//! The auth side of the diagnosis on anyone's API: the server's
//! `WWW-Authenticate` challenge (RFC 6750 bearer errors, Basic and Digest
//! realms), the OAuth 2.0 token endpoint's standard errors, what a JWT
//! sent says of itself (`nbf`, `aud`, `scope`) and a skewed clock.

use apiscope_core::decode::{self, Diagnosis, Options, Profiles};
use apiscope_core::model::{Exchange, Headers, Request, Response, Timing};
use base64::Engine as _;

/// 2026-01-01T00:00:00Z.
const T: i64 = 1_767_225_600;
const DATE: &str = "Thu, 01 Jan 2026 00:00:00 GMT";

fn jwt(claims: serde_json::Value) -> String {
    let b = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.c2lnRkFLRQ",
        b(br#"{"alg":"HS256","typ":"JWT"}"#),
        b(claims.to_string().as_bytes())
    )
}

fn diagnose(
    url: &str,
    req_headers: &[(&str, &str)],
    status: u16,
    headers: &[(&str, &str)],
    body: &str,
    sent: Option<i64>,
) -> Diagnosis {
    let mut rh = Headers::new();
    for (k, v) in req_headers {
        rh.push(*k, *v);
    }
    let mut h = Headers::new();
    for (k, v) in headers {
        h.push(*k, *v);
    }
    let e = Exchange {
        request: Some(Request {
            method: "GET".into(),
            url: Some(url.into()),
            headers: rh,
            ..Request::default()
        }),
        response: Response {
            status: Some(status),
            headers: h,
            body: body.as_bytes().to_vec().into(),
            ..Response::default()
        },
        timing: Timing {
            started_ms: sent.map(|s| s * 1000),
            total_ms: Some(120.0),
            ..Timing::default()
        },
        ..Exchange::default()
    };
    let options = Options {
        now: Some(T),
        ..Options::default()
    };
    decode::diagnose(&e, &Profiles::built_in(), &options)
}

fn has(list: &[String], words: &str) -> bool {
    list.iter().any(|f| f.contains(words))
}

#[test]
fn an_insufficient_scope_names_the_missing_scope_against_the_tokens_own() {
    let token = jwt(serde_json::json!({"scope": "repo:read user", "exp": T + 3600}));
    let bearer = format!("Bearer {token}");
    let d = diagnose(
        "https://api.corp.example/repos/1",
        &[("Authorization", &bearer)],
        403,
        &[
            ("Date", DATE),
            (
                "WWW-Authenticate",
                r#"Bearer realm="corp", error="insufficient_scope", scope="repo:read repo:write""#,
            ),
        ],
        "",
        Some(T),
    );
    assert!(
        has(
            &d.findings,
            "it needs: repo:read repo:write; the token has: repo:read user; missing: repo:write"
        ),
        "{:#?}",
        d.findings
    );
    assert!(
        has(
            &d.troubleshooting,
            "Get a token with the scope `repo:read repo:write`"
        ),
        "{:#?}",
        d.troubleshooting
    );
}

#[test]
fn an_invalid_token_challenge_gives_the_standard_steps_without_a_body() {
    let d = diagnose(
        "https://api.corp.example/me",
        &[("Authorization", "Bearer opaque_FAKE_token")],
        401,
        &[(
            "WWW-Authenticate",
            r#"Bearer realm="corp", error="invalid_token", error_description="The access token was revoked""#,
        )],
        "",
        None,
    );
    assert!(
        has(
            &d.findings,
            "not accepted (invalid_token: The access token was revoked)"
        ),
        "{:#?}",
        d.findings
    );
    assert!(
        has(&d.troubleshooting, "Get a new access token"),
        "{:#?}",
        d.troubleshooting
    );
    // The standard step replaces the generic "send valid credentials".
    assert!(
        !has(&d.troubleshooting, "Send valid credentials"),
        "{:#?}",
        d.troubleshooting
    );
}

#[test]
fn the_scheme_asked_for_is_named_against_the_one_sent() {
    let d = diagnose(
        "https://intranet.example/x",
        &[("Authorization", "Bearer opaque_FAKE")],
        401,
        &[(
            "WWW-Authenticate",
            r#"Basic realm="intranet", charset="UTF-8""#,
        )],
        "",
        None,
    );
    assert!(
        has(
            &d.findings,
            r#"sent Bearer credentials, but the server asks for Basic (realm "intranet")"#
        ),
        "{:#?}",
        d.findings
    );
    let d = diagnose(
        "https://intranet.example/x",
        &[],
        401,
        &[(
            "WWW-Authenticate",
            r#"Digest realm="api@example.org", qop="auth", algorithm=SHA-256, nonce="abc", opaque="xyz""#,
        )],
        "",
        None,
    );
    assert!(
        has(&d.findings, "asks for Digest (realm \"api@example.org\")"),
        "{:#?}",
        d.findings
    );
    assert!(
        has(&d.findings, "Digest (SHA-256) is answered by apiscope"),
        "{:#?}",
        d.findings
    );
    // A proxy's challenge on a 407.
    let d = diagnose(
        "https://x.example/",
        &[],
        407,
        &[("Proxy-Authenticate", r#"Basic realm="proxy""#)],
        "",
        None,
    );
    assert!(
        has(&d.findings, "(Proxy-Authenticate)"),
        "{:#?}",
        d.findings
    );
}

#[test]
fn a_malformed_challenge_is_one_finding() {
    let d = diagnose(
        "https://x.example/",
        &[("Authorization", "Bearer FAKE")],
        401,
        &[("WWW-Authenticate", r#"Bearer realm="open, error="#)],
        "",
        None,
    );
    assert!(
        has(&d.findings, "The WWW-Authenticate header could not be read"),
        "{:#?}",
        d.findings
    );
}

#[test]
fn a_jwt_not_yet_valid_or_for_another_api_is_a_finding() {
    let token =
        jwt(serde_json::json!({"nbf": T + 600, "exp": T + 4200, "aud": "https://billing.example"}));
    let bearer = format!("Bearer {token}");
    let d = diagnose(
        "https://api.corp.example/me",
        &[("Authorization", &bearer)],
        401,
        &[("Date", DATE)],
        r#"{"error":"unauthorized"}"#,
        Some(T),
    );
    assert!(
        has(
            &d.findings,
            "`nbf` says the bearer token is not valid before 2026-01-01 00:10:00 UTC, 10 min after"
        ),
        "{:#?}",
        d.findings
    );
    assert!(
        has(
            &d.findings,
            "`aud` is https://billing.example: the token was issued for another API than api.corp.example"
        ),
        "{:#?}",
        d.findings
    );
    // An audience that names this host, or is not a URL, says nothing.
    for aud in [
        serde_json::json!(["https://api.corp.example", "https://x.example"]),
        serde_json::json!("corp-api"),
    ] {
        let token = jwt(serde_json::json!({"aud": aud}));
        let bearer = format!("Bearer {token}");
        let d = diagnose(
            "https://api.corp.example/me",
            &[("Authorization", &bearer)],
            401,
            &[],
            "",
            Some(T),
        );
        assert!(!has(&d.findings, "`aud`"), "{:#?}", d.findings);
    }
}

#[test]
fn a_skewed_clock_is_named_with_its_direction_and_size() {
    // The server says 00:00:00; the request was sent at 00:07:00 by its clock.
    let d = diagnose(
        "https://api.corp.example/me",
        &[],
        401,
        &[("Date", DATE)],
        "",
        Some(T + 420),
    );
    assert!(
        has(
            &d.findings,
            "The server's clock (its Date header) is 7 min behind the clock that sent this request"
        ),
        "{:#?}",
        d.findings
    );
    // On a success too; within a minute, nothing.
    let d = diagnose(
        "https://api.corp.example/me",
        &[],
        200,
        &[("Date", DATE)],
        "{}",
        Some(T - 90),
    );
    assert!(has(&d.findings, "1 min 30 s ahead of"), "{:#?}", d.findings);
    let d = diagnose(
        "https://api.corp.example/me",
        &[],
        200,
        &[("Date", DATE)],
        "{}",
        Some(T - 30),
    );
    assert!(d.findings.is_empty(), "{:#?}", d.findings);
}

#[test]
fn the_token_endpoints_standard_errors_get_their_steps_from_any_api() {
    for (code, step) in [
        ("invalid_grant", "Get a new grant"),
        (
            "invalid_client",
            "Check the Client ID and the Client Secret",
        ),
        ("invalid_scope", "Check the Scope"),
        ("unauthorized_client", "Enable this grant type"),
        ("unsupported_grant_type", "Check grant_type"),
        ("authorization_pending", "Keep polling"),
        ("slow_down", "add 5 seconds"),
        ("expired_token", "Start the device authorization again"),
    ] {
        let body = format!(r#"{{"error":"{code}","error_description":"FAKE description"}}"#);
        let d = diagnose(
            "https://login.corp.example/oauth2/token",
            &[],
            400,
            &[("Content-Type", "application/json")],
            &body,
            None,
        );
        let e = d.error.as_ref().expect("an error");
        assert_eq!(e.code.as_deref(), Some(code), "{d:#?}");
        assert!(
            has(&d.troubleshooting, step),
            "{code}: {:#?}",
            d.troubleshooting
        );
    }
}
