//! The curl importer against a corpus of real-world "Copy as cURL" commands
//! (Chrome, Firefox, API docs): method, URL, headers and body of each.

use apiscope_core::input::curl;
use serde::Deserialize;

#[derive(Deserialize)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    source: String,
    command: String,
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

#[test]
fn every_copied_command_gives_its_request() {
    let text = include_str!("../fixtures/curl_commands.toml");
    let corpus: Corpus = toml::from_str(text).expect("the corpus is valid TOML");
    assert!(corpus.case.len() >= 40, "only {} cases", corpus.case.len());
    let mut failures = Vec::new();
    for c in &corpus.case {
        let req = match curl::parse(&c.command) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{} ({}): {e}", c.name, c.source));
                continue;
            }
        };
        let mut problems = Vec::new();
        if req.method != c.method {
            problems.push(format!("method {} != {}", req.method, c.method));
        }
        if req.url.as_deref() != Some(c.url.as_str()) {
            problems.push(format!("url {:?} != {:?}", req.url, c.url));
        }
        if req.headers.0 != c.headers {
            problems.push(format!(
                "headers\n    got  {:?}\n    want {:?}",
                req.headers.0, c.headers
            ));
        }
        let body = String::from_utf8_lossy(&req.body);
        let want = c.body.as_deref().unwrap_or("");
        if body != want {
            problems.push(format!("body {body:?} != {want:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{} ({}): {}",
                c.name,
                c.source,
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        corpus.case.len(),
        failures.join("\n")
    );
}

/// Rewrites the expectations of `fixtures/curl_commands.toml` from the
/// importer (run after `tests/curl_exact.rs` showed the importer sends
/// what curl sends): `APISCOPE_REGENERATE=path cargo test -p apiscope-core
/// --test curl_import regenerate -- --ignored` writes JSON lines.
#[test]
#[ignore = "a tool, not a test"]
fn regenerate() {
    let Ok(out) = std::env::var("APISCOPE_REGENERATE") else {
        return;
    };
    let text = include_str!("../fixtures/curl_commands.toml");
    let corpus: Corpus = toml::from_str(text).unwrap();
    let mut lines = String::new();
    for c in &corpus.case {
        let r = curl::parse(&c.command).unwrap();
        lines.push_str(
            &serde_json::json!({
                "name": c.name,
                "method": r.method,
                "url": r.url,
                "headers": r.headers.0,
                "body": String::from_utf8_lossy(&r.body),
            })
            .to_string(),
        );
        lines.push('\n');
    }
    std::fs::write(out, lines).unwrap();
}

#[test]
fn digest_and_aws_sigv4_become_the_shorthands_the_client_answers_and_signs_with() {
    let auth = |cmd: &str| {
        let r = curl::parse(cmd).unwrap_or_else(|e| panic!("{cmd}: {e}"));
        r.headers.get("authorization").map(str::to_owned)
    };
    assert_eq!(
        auth("curl --digest -u ann:s3cret_FAKE https://api.example.com/x").as_deref(),
        Some("Digest ann s3cret_FAKE")
    );
    assert_eq!(
        auth("curl -u ann:s3cret_FAKE https://api.example.com/x").as_deref(),
        Some("Basic YW5uOnMzY3JldF9GQUtF")
    );
    assert_eq!(
        auth("curl --aws-sigv4 aws:amz:eu-west-1:execute-api -u AKIDFAKE:SECRETFAKE https://abc.example.com/prod/x").as_deref(),
        Some("AWS AKIDFAKE SECRETFAKE region:eu-west-1 service:execute-api")
    );
    // The region and service from an *.amazonaws.com host.
    assert_eq!(
        auth("curl --aws-sigv4 aws:amz -u AKIDFAKE:SECRETFAKE https://sqs.us-east-2.amazonaws.com/1/q").as_deref(),
        Some("AWS AKIDFAKE SECRETFAKE region:us-east-2 service:sqs")
    );
    // No credentials: one line saying where they go.
    let e =
        curl::parse("curl --aws-sigv4 aws:amz:eu-west-1:s3 https://abc.example.com/x").unwrap_err();
    assert!(e.message.contains("--user KEY_ID:SECRET"), "{e}");
}

#[test]
fn digest_edges_and_cookie_paths_as_curl_reads_them() {
    let auth =
        |cmd: &str| curl::parse(cmd).map(|r| r.headers.get("authorization").map(str::to_owned));
    // --no-digest and a later --basic turn it off.
    assert_eq!(
        auth("curl --digest --no-digest -u ann:pw https://h.example/x")
            .unwrap()
            .as_deref(),
        Some("Basic YW5uOnB3")
    );
    assert_eq!(
        auth("curl --digest --basic -u ann:pw https://h.example/x")
            .unwrap()
            .as_deref(),
        Some("Basic YW5uOnB3")
    );
    // No password (curl would ask), or a name the shorthand cannot carry:
    // one line, never a header sent as written.
    let e = curl::parse("curl --digest -u ann https://h.example/x").unwrap_err();
    assert!(e.message.contains("-u USER:PASSWORD"), "{e}");
    let e = curl::parse("curl --digest -u 'a=b:pw' https://h.example/x").unwrap_err();
    assert!(e.message.contains("cannot be answered as Digest"), "{e}");
    // A cookie for /foo goes to /foo and /foo/x, not /foobar (RFC 6265).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.txt"),
        "h.example\tFALSE\t/foo\tFALSE\t0\tpath\tyes\n",
    )
    .unwrap();
    let cookie = |url: &str| {
        curl::parse_all_in(&format!("curl -b c.txt {url}"), Some(dir.path())).unwrap()[0]
            .headers
            .get("cookie")
            .map(str::to_owned)
    };
    assert_eq!(cookie("https://h.example/foo").as_deref(), Some("path=yes"));
    assert_eq!(
        cookie("https://h.example/foo/x").as_deref(),
        Some("path=yes")
    );
    assert_eq!(cookie("https://h.example/foobar"), None);
}
