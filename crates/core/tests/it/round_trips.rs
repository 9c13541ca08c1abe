//! Every importer round-trips: what it writes, read back and written again
//! (import → save → reopen), is the same text, byte for byte, and reads as
//! the same requests. Inputs shaped as each source app exports them.

use apiscope_core::collection::import::{self, Imported};
use apiscope_core::collection::{self, HttpFile};
use apiscope_core::model::{Headers, Request};
use serde_json::json;
use std::path::Path;

/// `imported` as `apiscope import` writes it, read back, and written again.
fn round_trip(what: &str, mut imported: Imported) {
    import::harden::harden(&mut imported);
    let text = imported.http_text();
    let file: HttpFile = collection::parse(Path::new("x.http"), &text)
        .unwrap_or_else(|e| panic!("{what}: the written file does not read back: {e}\n{text}"));
    assert_eq!(
        file.requests.len(),
        imported.requests.len(),
        "{what}: {text}"
    );
    let again = Imported {
        variables: file
            .variables
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect(),
        requests: file.requests.clone(),
        ..imported.clone()
    };
    assert_eq!(again.http_text(), text, "{what}: written again, it changed");
    for (a, b) in imported.requests.iter().zip(&file.requests) {
        assert_eq!(a.method, b.method, "{what}");
        assert_eq!(a.url, b.url, "{what}");
        assert_eq!(a.name, b.name, "{what}");
        assert_eq!(a.body, b.body, "{what}: {}", a.label());
        assert_eq!(
            a.pre,
            b.pre.as_ref().map(|s| collection::Script {
                line: 0,
                ..s.clone()
            }),
            "{what}"
        );
        assert_eq!(
            a.handler,
            b.handler.as_ref().map(|s| collection::Script {
                line: 0,
                ..s.clone()
            }),
            "{what}"
        );
        let h = |r: &collection::HttpRequest| -> Vec<(String, String)> {
            r.headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect()
        };
        assert_eq!(h(a), h(b), "{what}: {}", a.label());
    }
}

#[test]
fn postman() {
    let doc = json!({
        "info": {"name": "Shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "variable": [{"key": "base", "value": "https://api.shop.test"}],
        "event": [{"listen": "prerequest", "script": {"exec": ["pm.variables.set('ts', Date.now());"]}}],
        "item": [
            {"name": "Boards", "item": [
                {"name": "List boards", "request": {"method": "GET", "url": {"raw": "{{base}}/boards?limit=5", "host": ["{{base}}"], "path": ["boards"], "query": [{"key": "limit", "value": "5"}]},
                    "header": [{"key": "Accept", "value": "application/json"}]}},
                {"name": "Create board", "event": [{"listen": "test", "script": {"exec": ["pm.test('201', () => pm.response.to.have.status(201));"]}}],
                 "request": {"method": "POST", "url": "{{base}}/boards",
                    "body": {"mode": "raw", "raw": "{\n  \"name\": \"Q3\",\n  \"tags\": [\"a\"]\n}", "options": {"raw": {"language": "json"}}}}}
            ]},
            {"name": "Login", "request": {"method": "POST", "url": "{{base}}/login",
                "body": {"mode": "urlencoded", "urlencoded": [{"key": "user", "value": "ann"}, {"key": "note", "value": "a b"}]}}},
            {"name": "Upload", "request": {"method": "POST", "url": "{{base}}/upload",
                "body": {"mode": "formdata", "formdata": [{"key": "name", "value": "Ann", "type": "text"}, {"key": "doc", "type": "file", "src": "notes.txt"}]}}}
        ]
    });
    round_trip("Postman", import::from_postman(&doc, &[]).unwrap());
}

#[test]
fn openapi() {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "Boards", "version": "1"},
        "servers": [{"url": "https://api.boards.test/v1"}],
        "paths": {
            "/boards": {
                "get": {"operationId": "listBoards", "tags": ["boards"], "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "example": 20}}]},
                "post": {"operationId": "createBoard", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string", "example": "Q3"}}}}}}}
            },
            "/boards/{id}": {"delete": {"operationId": "deleteBoard", "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]}}
        }
    });
    round_trip("OpenAPI", import::openapi::from_openapi(&doc).unwrap());
}

#[test]
fn insomnia() {
    let doc = json!({
        "_type": "export", "__export_format": 4, "__export_source": "insomnia.desktop.app:v2023.5.8",
        "resources": [
            {"_id": "wrk_1", "_type": "workspace", "name": "Shop"},
            {"_id": "fld_1", "_type": "request_group", "parentId": "wrk_1", "name": "Cart"},
            {"_id": "req_1", "_type": "request", "parentId": "fld_1", "name": "Add item", "method": "POST", "url": "{{ _.base }}/cart",
             "body": {"mimeType": "application/json", "text": "{\"sku\": \"A1\", \"qty\": 2}"},
             "headers": [{"name": "Content-Type", "value": "application/json"}, {"name": "X-Trace", "value": "t1", "disabled": true}]},
            {"_id": "req_2", "_type": "request", "parentId": "wrk_1", "name": "Cart", "method": "GET", "url": "{{ _.base }}/cart",
             "parameters": [{"name": "expand", "value": "items"}], "headers": []},
            {"_id": "env_1", "_type": "environment", "parentId": "wrk_1", "name": "Base Environment", "data": {"base": "https://shop.test"}}
        ]
    });
    round_trip("Insomnia", import::from_insomnia(&doc).unwrap());
}

#[test]
fn bruno() {
    let files = vec![
        (
            "Boards/List.bru".to_owned(),
            "meta {\n  name: List\n  type: http\n  seq: 1\n}\n\nget {\n  url: {{base}}/boards\n  body: none\n  auth: none\n}\n\nparams:query {\n  limit: 5\n}\n\nheaders {\n  Accept: application/json\n  ~X-Debug: 1\n}\n".to_owned(),
        ),
        (
            "Boards/Create.bru".to_owned(),
            "meta {\n  name: Create\n  type: http\n  seq: 2\n}\n\npost {\n  url: {{base}}/boards\n  body: json\n  auth: bearer\n}\n\nauth:bearer {\n  token: {{token}}\n}\n\nbody:json {\n  {\n    \"name\": \"Q3\"\n  }\n}\n".to_owned(),
        ),
    ];
    round_trip("Bruno", import::from_bruno(&files, "boards"));
}

#[test]
fn har_and_curl_requests() {
    let req = |method: &str, url: &str, headers: &[(&str, &str)], body: &str| Request {
        method: method.into(),
        url: Some(url.into()),
        headers: Headers(
            headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        body: body.as_bytes().to_vec().into(),
    };
    let requests = vec![
        req(
            "GET",
            "https://api.shop.test/boards?limit=5&q=a%20b",
            &[("Accept", "application/json")],
            "",
        ),
        req(
            "POST",
            "https://api.shop.test/cards",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", "Bearer tok_FAKE_roundtrip_123"),
            ],
            "{\"title\": \"Hello\",\n \"n\": 1}",
        ),
        req("DELETE", "https://api.shop.test/cards/7", &[], ""),
    ];
    round_trip(
        "HAR",
        import::from_requests("ticket", "HAR", &requests, "default"),
    );
}

/// A browser's HAR, read by the HAR reader (pseudo-headers, the derived
/// headers, a form given as params, cookies in their array), imported,
/// written, read back and written again.
#[test]
fn a_har_read_from_its_file() {
    let har = json!({"log": {"version": "1.2", "creator": {"name": "Chrome", "version": "120"}, "entries": [
        {"startedDateTime": "2026-12-07T10:00:00.000Z", "time": 12,
         "request": {"method": "GET", "url": "https://api.shop.test/boards?limit=5&q=a%20b", "httpVersion": "http/2.0",
            "headers": [{"name": ":authority", "value": "api.shop.test"}, {"name": ":method", "value": "GET"}, {"name": ":path", "value": "/boards?limit=5&q=a%20b"}, {"name": ":scheme", "value": "https"},
                        {"name": "accept", "value": "application/json"}, {"name": "accept-encoding", "value": "gzip, br, zstd"}],
            "queryString": [], "cookies": [{"name": "sid", "value": "s_FAKE_1"}], "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": [], "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"}, "redirectURL": "", "headersSize": -1, "bodySize": 2},
         "cache": {}, "timings": {"send": 1, "wait": 10, "receive": 1}},
        {"startedDateTime": "2026-12-07T10:00:01.000Z", "time": 9,
         "request": {"method": "POST", "url": "https://api.shop.test/login", "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": "application/x-www-form-urlencoded"}, {"name": "Host", "value": "api.shop.test"}, {"name": "Content-Length", "value": "18"}],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 18,
            "postData": {"mimeType": "application/x-www-form-urlencoded", "params": [{"name": "user", "value": "ann"}, {"name": "note", "value": "a b"}]}},
         "response": {"status": 204, "statusText": "No Content", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
         "cache": {}, "timings": {"send": 1, "wait": 7, "receive": 1}}
    ]}});
    let exchanges =
        apiscope_core::input::har::read(har.to_string().as_bytes(), "ticket.har").unwrap();
    let requests: Vec<Request> = exchanges.into_iter().filter_map(|e| e.request).collect();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0]
            .headers
            .0
            .iter()
            .all(|(k, _)| !k.starts_with(':')),
        "{:?}",
        requests[0].headers
    );
    assert_eq!(&requests[1].body[..], b"user=ann&note=a+b");
    round_trip(
        "HAR file",
        import::from_requests("ticket", "HAR", &requests, "ticket"),
    );
}

/// curl commands as a support ticket pastes them (line continuations,
/// `-H`, `--data-raw`, `-u`, `--json`), read by the curl reader, imported,
/// written, read back and written again.
#[test]
fn curl_commands_read_from_their_file() {
    let text = "curl 'https://api.shop.test/boards?limit=5' \\\n  -H 'Accept: application/json' \\\n  -H 'X-Trace: t 1'\n\ncurl -X POST https://api.shop.test/cards -H 'Content-Type: application/json' --data-raw '{\"title\": \"Hello\"}'\n\ncurl -u ann:pw_FAKE https://api.shop.test/me\n\ncurl --json '{\"a\": [1, 2]}' https://api.shop.test/items\n";
    let requests = apiscope_core::input::curl::parse_all(text).unwrap();
    assert_eq!(requests.len(), 4);
    round_trip(
        "curl file",
        import::from_requests("ticket", "curl command file", &requests, "ticket"),
    );
}

/// Firefox writes `ssl: 0` for a plain-http request: no handshake there,
/// so no TLS phase (an https one keeps its `ssl`, 0 ms included).
#[test]
fn a_plain_http_entry_has_no_tls_phase_whatever_its_ssl_says() {
    let entry = |url: &str| {
        json!({"startedDateTime": "2026-12-07T10:00:00.000Z", "time": 20,
         "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1, "bodySize": 0},
         "cache": {}, "timings": {"blocked": 0, "dns": 1, "connect": 3, "ssl": 0, "send": 0, "wait": 15, "receive": 1}})
    };
    let har = json!({"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "128"},
        "entries": [entry("http://plain.test/a"), entry("https://secure.test/b")]}});
    let x = apiscope_core::input::har::read(har.to_string().as_bytes(), "f.har").unwrap();
    let p0 = x[0].timing.phases.unwrap();
    assert_eq!(p0.tls_ms, None);
    assert_eq!(p0.connect_ms, Some(3.0));
    let p1 = x[1].timing.phases.unwrap();
    assert_eq!(p1.tls_ms, Some(0.0));
}
