//! Decode throughput: a 100 MB JSON collection page, and a HAR file of
//! 10,000 entries in all five documented formats.
//!
//! Run with `cargo bench --bench decode` (release build). Prints the best of
//! a few runs; `APISCOPE_BENCH_MB` changes the body size.

mod common;

use apiscope::decode::{self, Options, Profiles};
use apiscope::input::{self, BareBody};
use apiscope::model::{Exchange, Headers, Response};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn big_body(target: usize) -> Vec<u8> {
    let mut s = String::with_capacity(target + 256);
    s.push_str("{\"data\":[");
    let mut i = 0u64;
    while s.len() < target {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"id\":\"card_{i:08}\",\"title\":\"Card number {i} \\\"quoted\\\" \\u00e9\",\"tags\":[\"alpha\",\"beta\"],\"score\":{}.25,\"done\":{},\"owner\":{{\"id\":{},\"name\":\"Ada\"}}}}",
            i * 7,
            i.is_multiple_of(2),
            i % 97
        ));
        i += 1;
    }
    s.push_str("],\"pagination\":{\"page_count\":50,\"page\":3}}");
    s.into_bytes()
}

fn har(entries: usize) -> Vec<u8> {
    let bodies = [
        (
            429,
            r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_x9y8z7w6v5u4t3s2","details":null}}"#,
        ),
        (401, r#"{"error":"Unauthorized"}"#),
        (404, r#"{"code":5000,"message":"Project not found"}"#),
        (
            403,
            r#"{"kind":"forbidden","message":"API key does not have access"}"#,
        ),
        (
            422,
            r#"{"errors":["Name can't be blank","Email is invalid"]}"#,
        ),
        (
            200,
            r#"{"data":[{"id":1},{"id":2}],"pagination":{"page_count":5}}"#,
        ),
    ];
    let mut out = String::from(
        "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"bench\",\"version\":\"1\"},\"entries\":[",
    );
    for i in 0..entries {
        let (status, body) = bodies[i % bodies.len()];
        if i > 0 {
            out.push(',');
        }
        let entry = serde_json::json!({
            "startedDateTime": "2026-01-01T00:00:00.000Z",
            "time": 12.5,
            "request": {
                "method": "GET",
                "url": format!("https://api.example.com/v1/boards/{i}/cards?page=2&limit=20"),
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": "Authorization", "value": "Bearer imb_pat_FAKE0000"}],
                "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0
            },
            "response": {
                "status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                "headers": [
                    {"name": "Content-Type", "value": "application/json"},
                    {"name": "X-RateLimit-Limit", "value": "300"},
                    {"name": "X-RateLimit-Remaining", "value": "12"},
                    {"name": "X-RateLimit-Reset", "value": "1767225630"}
                ],
                "cookies": [],
                "content": {"size": body.len(), "mimeType": "application/json", "text": body},
                "redirectURL": "", "headersSize": -1, "bodySize": body.len()
            },
            "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 2.5}
        });
        out.push_str(&entry.to_string());
    }
    out.push_str("]}}");
    out.into_bytes()
}

/// An OpenAPI 3.1 document of about `target` bytes: paths with a path
/// parameter, a required query parameter, a request body schema, error
/// responses sharing one error schema with an enum of codes.
fn openapi_doc(target: usize) -> Vec<u8> {
    let mut paths = serde_json::Map::new();
    let mut i = 0;
    let mut size = 0;
    while size < target {
        let item = serde_json::json!({
            "get": {
                "operationId": format!("getThing{i}"), "tags": [format!("tag{}", i % 40)],
                "summary": format!("Get thing {i} with a long enough summary to look like a real one"),
                "parameters": [
                    {"name": "id", "in": "path", "required": true, "schema": {"type": "string", "example": "t_1"}},
                    {"name": "limit", "in": "query", "required": true, "schema": {"type": "integer", "example": 20}}
                ],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "404": {"description": "Not found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
                }
            },
            "post": {
                "operationId": format!("postThing{i}"),
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                "responses": {"default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
            }
        });
        size += item.to_string().len() + 20;
        paths.insert(format!("/things{i}/{{id}}"), item);
        i += 1;
    }
    serde_json::to_vec(&serde_json::json!({
        "openapi": "3.1.0", "info": {"title": "Big", "version": "1"},
        "servers": [{"url": "https://big.example/v1"}],
        "paths": paths,
        "components": {"schemas": {
            "Thing": {"type": "object", "required": ["name", "at"], "properties": {
                "name": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                "tags": {"type": "array", "items": {"type": "string"}}}},
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string", "enum": ["NOT_FOUND", "INVALID", "RATE_LIMITED"]},
                "message": {"type": "string"}, "request_id": {"type": "string"}}}}}
        }}
    }))
    .expect("serialises")
}

fn main() {
    // `cargo test --benches` runs this binary too; keep that cheap.
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let profiles = Profiles::built_in();
    let options = Options {
        dialect: None,
        now: Some(1_767_225_600),
    };

    let mb: usize = std::env::var("APISCOPE_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let body = big_body(mb * 1_000_000);
    let mut headers = Headers::new();
    headers.push("Content-Type", "application/json");
    let exchange = Exchange {
        request: None,
        response: Response {
            status: Some(200),
            headers,
            body: body.into(),
            ..Response::default()
        },
        timing: Default::default(),
        failure: None,
        dialect: None,
    };
    let len = exchange.response.body.len() as f64;
    let d = decode::diagnose(&exchange, &profiles, &options);
    assert_eq!(d.pagination.as_ref().and_then(|p| p.page_count), Some(50));
    let t = best_of(5, || decode::diagnose(&exchange, &profiles, &options));
    println!(
        "diagnose, {:.0} MB JSON body:        {:>8.1} ms  {:>7.0} MB/s",
        len / 1e6,
        t.as_secs_f64() * 1e3,
        len / 1e6 / t.as_secs_f64()
    );

    let raw = exchange.response.body.clone();
    for (name, parse) in [
        (
            "skeleton parse (fast path)",
            apiscope::decode::json::Json::parse as fn(&[u8]) -> _,
        ),
        (
            "skeleton parse (serde path)",
            apiscope::decode::json::Json::parse_serde,
        ),
    ] {
        let t = best_of(3, || parse(&raw));
        println!(
            "{name:<37} {:>8.1} ms  {:>7.0} MB/s",
            t.as_secs_f64() * 1e3,
            len / 1e6 / t.as_secs_f64()
        );
    }

    // The path `apiscope decode FILE` takes: the file read (or mapped), the
    // input recognised, every exchange decoded.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("page.json");
    std::fs::write(&file, &exchange.response.body).expect("write the body file");
    let path = file.to_string_lossy().into_owned();
    let t = best_of(5, || {
        let ex = input::read_path(&path, &BareBody::default()).unwrap_or_default();
        decode::diagnose_all(&ex, &profiles, &options)
    });
    println!(
        "read + diagnose, same body as a file: {:>8.1} ms  {:>7.0} MB/s",
        t.as_secs_f64() * 1e3,
        len / 1e6 / t.as_secs_f64()
    );

    // A 5,000-request `.http` collection (about 1 MB): parse, and resolve
    // every request's variables (file variables, an environment, $uuid).
    let http = common::http_5000();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("http-client.env.json"),
        r#"{"dev": {"user": "ann"}, "$shared": {"token": "tok_FAKE"}}"#,
    )
    .expect("env file");
    let path = dir.path().join("big.http");
    let t = best_of(5, || {
        apiscope::collection::parse(&path, &http).expect("parses")
    });
    println!(
        "parse a {:.1} MB .http file of 5,000 requests: {:>6.1} ms",
        http.len() as f64 / 1e6,
        t.as_secs_f64() * 1e3
    );
    let file = apiscope::collection::parse(&path, &http).expect("parses");
    let world = apiscope::collection::vars::System;
    let envs = apiscope::collection::vars::Environments::load(dir.path(), &world).expect("envs");
    let responses = std::collections::HashMap::new();
    let trust = apiscope::collection::trust::Trust::new(
        std::fs::canonicalize(dir.path()).expect("dir"),
        false,
        [],
    );
    let ctx = apiscope::collection::vars::Context {
        file: &file,
        envs: &envs,
        env: Some("dev"),
        cli: &[],
        secrets: &[],
        responses: &responses,
        globals: &std::collections::HashMap::new(),
        scoped: &apiscope::collection::vars::Scoped::default(),
        request_vars: &[],
        setters: &std::collections::HashMap::new(),
        world: &world,
        trust: &trust,
        dry: None,
    };
    let t = best_of(5, || {
        for r in &file.requests {
            black_box(apiscope::collection::vars::resolve(&ctx, r).expect("resolves"));
        }
    });
    println!(
        "resolve one request's variables:               {:>6.1} µs",
        t.as_secs_f64() * 1e6 / 5_000.0
    );

    // A 10 MB OpenAPI document (the size of the largest public specs):
    // parse, one request per operation, the .http text, and the profile.
    let spec = openapi_doc(10_000_000);
    let t = best_of(3, || {
        let doc: serde_json::Value = serde_json::from_slice(&spec).expect("JSON");
        let imported = apiscope::collection::import::openapi::from_openapi(&doc).expect("imports");
        let text = imported.http_text();
        let profile = apiscope::collection::import::openapi::profile(&doc).expect("profile");
        (imported.requests.len(), text.len(), profile.1.len())
    });
    println!(
        "import a {:.1} MB OpenAPI document (+ --profile):  {:>6.1} ms",
        spec.len() as f64 / 1e6,
        t.as_secs_f64() * 1e3
    );

    let har = har(10_000);
    let t = best_of(5, || {
        let ex = input::read_bytes(&har, "bench.har", &BareBody::default()).unwrap_or_default();
        assert_eq!(ex.len(), 10_000);
        decode::diagnose_all(&ex, &profiles, &options)
    });
    println!(
        "HAR, 10,000 entries ({:.1} MB):        {:>8.1} ms  {:>7.0} entries/s",
        har.len() as f64 / 1e6,
        t.as_secs_f64() * 1e3,
        10_000.0 / t.as_secs_f64()
    );
}
