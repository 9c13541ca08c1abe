//! `apiscope import`: a HAR and a Postman collection into `.http` files with
//! their env files, credentials moved to the private env file, and the
//! imported requests sent with `send FILE.http#NAME --env` to a loopback
//! server to check they arrive as the originals would.

use crate::common;

use common::{HarEntry, RawServer, Reply, apiscope, apiscope_in, har};

fn echo() -> RawServer {
    RawServer::start(|_| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                .to_vec(),
        )
    })
}

fn head_and_body(r: &str) -> (String, String) {
    let (h, b) = r.split_once("\r\n\r\n").unwrap_or((r, ""));
    (h.to_ascii_lowercase(), b.to_owned())
}

#[test]
fn a_har_becomes_a_repro_collection_without_its_tokens() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "{}/v1/boards?api_key=key_FAKE_in_query&limit=5",
        server.base
    );
    let input = har(&[HarEntry::get(&url, 401, r#"{"error":"nope"}"#)
        .req_header("Authorization", "Bearer tok_FAKE_customer_1")
        .req_header("Accept", "application/json")]);
    std::fs::write(dir.path().join("ticket-4711.har"), input).unwrap();
    let run = apiscope_in(dir.path(), &["import", "ticket-4711.har"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("imported 1 request(s) from ticket-4711.har (read as a HAR)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("2 secret(s) in the private env file"),
        "{}",
        run.stderr
    );
    let out = dir.path().join("ticket-4711");
    let http = std::fs::read_to_string(out.join("ticket-4711.http")).unwrap();
    assert!(
        !http.contains("tok_FAKE_customer_1") && !http.contains("key_FAKE_in_query"),
        "{http}"
    );
    assert!(http.contains("Authorization: Bearer {{token}}"), "{http}");
    let private = std::fs::read_to_string(out.join("http-client.private.env.json")).unwrap();
    assert!(private.contains("tok_FAKE_customer_1"), "{private}");
    // The repro sends what the customer sent.
    let target = format!("{}#1", out.join("ticket-4711.http").display());
    let run = apiscope(&["send", &target, "--env", "ticket-4711", "--yes"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, _) = head_and_body(&server.requests()[0]);
    assert!(
        head.starts_with("get /v1/boards?api_key=key_fake_in_query&limit=5 "),
        "{head}"
    );
    assert!(
        head.contains("authorization: bearer tok_fake_customer_1"),
        "{head}"
    );
    // A second import does not overwrite without --force.
    let before = std::fs::read_to_string(out.join("ticket-4711.http")).unwrap();
    let run = apiscope_in(dir.path(), &["import", "ticket-4711.har"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("exists: nothing was written (pass --force"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(out.join("ticket-4711.http")).unwrap(),
        before
    );
}

const POSTMAN: &str = r#"{
  "info": {"_postman_id": "0000-fake", "name": "Acme API", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
  "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "tok_FAKE_collection", "type": "string"}]},
  "variable": [{"key": "baseUrl", "value": "BASE"}],
  "item": [
    {"name": "Boards", "item": [
      {"name": "List boards",
       "event": [{"listen": "test", "script": {"exec": ["pm.test('ok', () => {});"]}}],
       "request": {"method": "GET", "description": "Lists the boards.",
         "header": [{"key": "Accept", "value": "application/json"}, {"key": "X-Debug", "value": "1", "disabled": true}],
         "url": {"raw": "{{baseUrl}}/boards?limit=5&draft=1", "host": ["{{baseUrl}}"], "path": ["boards"],
                 "query": [{"key": "limit", "value": "5"}, {"key": "draft", "value": "1", "disabled": true}]}}},
      {"name": "Cards", "item": [
        {"name": "Create card",
         "request": {"method": "POST", "header": [],
           "body": {"mode": "raw", "raw": "{\"title\": \"{{title}}\", \"id\": \"{{$guid}}\"}", "options": {"raw": {"language": "json"}}},
           "url": "{{baseUrl}}/cards"}}
      ]}
    ]},
    {"name": "Login", "request": {"method": "POST", "auth": {"type": "noauth"},
       "body": {"mode": "urlencoded", "urlencoded": [{"key": "user", "value": "ann"}, {"key": "password", "value": "pw_FAKE_form"}, {"key": "skip", "value": "x", "disabled": true}]},
       "url": "{{baseUrl}}/login"}},
    {"name": "Search", "request": {"method": "POST", "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Api-Key"}, {"key": "value", "value": "{{apiKey}}"}, {"key": "in", "value": "header"}]},
       "body": {"mode": "graphql", "graphql": {"query": "{ boards { id } }", "variables": "{\"n\": 1}"}},
       "url": "{{baseUrl}}/graphql"}}
  ]
}"#;

const POSTMAN_ENV: &str = r#"{"name": "Staging", "values": [
  {"key": "title", "value": "Hello", "type": "default", "enabled": true},
  {"key": "apiKey", "value": "key_FAKE_env_secret", "type": "secret", "enabled": true}
]}"#;

#[test]
fn a_postman_collection_keeps_folders_auth_and_bodies() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.postman_collection.json"),
        POSTMAN.replace("BASE", &server.base),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("staging.postman_environment.json"),
        POSTMAN_ENV,
    )
    .unwrap();
    let run = apiscope_in(
        dir.path(),
        &[
            "import",
            "acme.postman_collection.json",
            "--env-file",
            "staging.postman_environment.json",
            "-o",
            "acme",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("imported 4 request(s) in 2 folder(s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("read as a Postman collection v2.1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("'list_boards' runs a test script, ./scripts/list_boards.test.js, once the collection is trusted"),
        "{}",
        run.stderr
    );
    let out = dir.path().join("acme");
    let http = std::fs::read_to_string(out.join("acme-api.http")).unwrap();
    for secret in ["tok_FAKE_collection", "pw_FAKE_form", "key_FAKE_env_secret"] {
        assert!(!http.contains(secret), "{secret} in\n{http}");
    }
    assert!(http.contains("### Boards / Cards / Create card"), "{http}");
    assert!(http.contains("# Lists the boards."), "{http}");
    assert!(
        !http.contains("X-Debug") && !http.contains("draft") && !http.contains("skip=x"),
        "{http}"
    );
    let public = std::fs::read_to_string(out.join("http-client.env.json")).unwrap();
    let private = std::fs::read_to_string(out.join("http-client.private.env.json")).unwrap();
    assert!(
        public.contains("\"Staging\"") && public.contains("Hello"),
        "{public}"
    );
    assert!(
        private.contains("key_FAKE_env_secret") && private.contains("tok_FAKE_collection"),
        "{private}"
    );
    let file = out.join("acme-api.http").display().to_string();
    for (name, want_line, want_head, want_body) in [
        (
            "list_boards",
            "get /boards?limit=5 ",
            "authorization: bearer tok_fake_collection",
            "",
        ),
        (
            "create_card",
            "post /cards ",
            "content-type: application/json",
            "\"title\": \"Hello\"",
        ),
        (
            "login",
            "post /login ",
            "content-type: application/x-www-form-urlencoded",
            "user=ann&password=pw_FAKE_form",
        ),
        (
            "search",
            "post /graphql ",
            "x-api-key: key_fake_env_secret",
            "\"query\":\"{ boards { id } }\"",
        ),
    ] {
        let before = server.requests().len();
        let run = apiscope(
            &[
                "send",
                &format!("{file}#{name}"),
                "--env",
                "Staging",
                "--yes",
            ],
            b"",
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let (head, body) = head_and_body(&server.requests()[before]);
        assert!(head.starts_with(want_line), "{name}: {head}");
        assert!(head.contains(want_head), "{name}: {head}");
        assert!(body.contains(want_body), "{name}: {body}");
        if name == "login" {
            assert!(!head.contains("authorization"), "noauth: {head}");
        }
    }
}

#[test]
fn a_file_that_is_no_known_format_is_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thing.json"), r#"{"hello": "world"}"#).unwrap();
    let run = apiscope_in(dir.path(), &["import", "thing.json"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("not a format apiscope imports"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

const INSOMNIA: &str = r#"{"_type": "export", "__export_format": 4, "resources": [
  {"_id": "wrk_1", "_type": "workspace", "parentId": null, "name": "Shop"},
  {"_id": "env_base", "_type": "environment", "parentId": "wrk_1", "name": "Base Environment", "data": {"baseUrl": "BASE", "api_token": "tok_FAKE_insomnia"}},
  {"_id": "env_prod", "_type": "environment", "parentId": "env_base", "name": "Production", "data": {"baseUrl": "https://shop.example"}},
  {"_id": "fld_1", "_type": "request_group", "parentId": "wrk_1", "name": "Orders"},
  {"_id": "req_1", "_type": "request", "parentId": "fld_1", "name": "Create order", "method": "POST",
   "url": "{{ _.baseUrl }}/orders", "headers": [{"name": "X-Off", "value": "1", "disabled": true}],
   "parameters": [{"name": "dry", "value": "true"}],
   "authentication": {"type": "bearer", "token": "{{ _.api_token }}"},
   "body": {"mimeType": "application/json", "text": "{\"sku\": \"A-1\"}"}}
]}"#;

#[test]
fn an_insomnia_export_keeps_environments_and_folders() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shop.json"),
        INSOMNIA.replace("BASE", &server.base),
    )
    .unwrap();
    let run = apiscope_in(dir.path(), &["import", "shop.json"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("read as an Insomnia export (format 4)"),
        "{}",
        run.stderr
    );
    let out = dir.path().join("shop");
    let http = std::fs::read_to_string(out.join("shop.http")).unwrap();
    assert!(http.contains("### Orders / Create order"), "{http}");
    assert!(http.contains("POST {{baseUrl}}/orders?dry=true"), "{http}");
    assert!(
        http.contains("Authorization: Bearer {{api_token}}"),
        "{http}"
    );
    assert!(
        !http.contains("X-Off") && !http.contains("tok_FAKE_insomnia"),
        "{http}"
    );
    let private = std::fs::read_to_string(out.join("http-client.private.env.json")).unwrap();
    assert!(private.contains("tok_FAKE_insomnia"), "{private}");
    let file = out.join("shop.http").display().to_string();
    let run = apiscope(&["send", &format!("{file}#create_order"), "--yes"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, body) = head_and_body(&server.requests()[0]);
    assert!(head.starts_with("post /orders?dry=true "), "{head}");
    assert!(
        head.contains("authorization: bearer tok_fake_insomnia"),
        "{head}"
    );
    assert_eq!(body, r#"{"sku": "A-1"}"#);
}

/// Insomnia's form bodies on the wire as Insomnia builds them: a
/// urlencoded form's names and values rendered, then encoded
/// (`encodeURIComponent`, a `%XX` kept — insomnia-url's
/// `flexibleEncodeComponent`), a variable's value too; a multipart form's
/// text parts as written and its file part read from the file.
#[test]
fn insomnia_forms_go_out_encoded_and_as_multipart() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("logo.txt"), "LOGO-BYTES").unwrap();
    let export = serde_json::json!({"_type": "export", "__export_format": 4, "resources": [
        {"_id": "wrk_1", "_type": "workspace", "parentId": null, "name": "Forms"},
        {"_id": "env_base", "_type": "environment", "parentId": "wrk_1", "name": "Base Environment",
         "data": {"baseUrl": server.base, "note": "a b+c!/é", "who": "ann"}},
        {"_id": "req_1", "_type": "request", "parentId": "wrk_1", "name": "Form", "method": "POST",
         "url": "{{ _.baseUrl }}/form", "headers": [],
         "body": {"mimeType": "application/x-www-form-urlencoded", "params": [
            {"name": "user name", "value": "ann é & co"},
            {"name": "pre", "value": "100%25 sure"},
            {"name": "note", "value": "{{ _.note }}"},
            {"name": "off", "value": "x", "disabled": true}]}},
        {"_id": "req_2", "_type": "request", "parentId": "wrk_1", "name": "Upload", "method": "POST",
         "url": "{{ _.baseUrl }}/upload", "headers": [],
         "body": {"mimeType": "multipart/form-data", "params": [
            {"name": "title", "value": "Hello {{ _.who }}"},
            {"name": "logo", "type": "file", "fileName": dir.path().join("logo.txt")}]}}
    ]});
    std::fs::write(dir.path().join("forms.json"), export.to_string()).unwrap();
    let run = apiscope_in(dir.path(), &["import", "forms.json"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = dir.path().join("forms/forms.http").display().to_string();
    let root = dir.path().display().to_string();
    for name in ["form", "upload"] {
        let run = apiscope(
            &[
                "send",
                &format!("{file}#{name}"),
                "--yes",
                "--trust",
                "--allow-read",
                &root,
            ],
            b"",
        );
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    }
    let requests = server.requests();
    let (head, body) = head_and_body(&requests[0]);
    assert!(
        head.contains("content-type: application/x-www-form-urlencoded"),
        "{head}"
    );
    assert_eq!(
        body,
        "user%20name=ann%20%C3%A9%20%26%20co&pre=100%25%20sure&note=a%20b%2Bc!%2F%C3%A9"
    );
    let (head, body) = head_and_body(&requests[1]);
    assert!(
        head.contains("content-type: multipart/form-data; boundary="),
        "{head}"
    );
    assert!(
        body.contains("Content-Disposition: form-data; name=\"title\"\r\n\r\nHello ann\r\n"),
        "{body}"
    );
    assert!(
        body.contains("Content-Disposition: form-data; name=\"logo\"; filename=\"logo.txt\"\r\nContent-Type: text/plain\r\n\r\nLOGO-BYTES\r\n"),
        "{body}"
    );
}

#[test]
fn a_bruno_folder_becomes_a_collection() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("bru");
    std::fs::create_dir_all(col.join("environments")).unwrap();
    std::fs::create_dir_all(col.join("users")).unwrap();
    std::fs::write(
        col.join("bruno.json"),
        r#"{"version": "1", "name": "Team API", "type": "collection"}"#,
    )
    .unwrap();
    std::fs::write(
        col.join("environments/Local.bru"),
        format!(
            "vars {{\n  baseUrl: {}\n}}\nvars:secret [\n  token\n]\n",
            server.base
        ),
    )
    .unwrap();
    std::fs::write(
        col.join("users/Create user.bru"),
        "meta {\n  name: Create user\n  type: http\n  seq: 2\n}\n\npost {\n  url: {{baseUrl}}/users\n  body: json\n  auth: bearer\n}\n\nheaders {\n  X-Team: blue\n  ~X-Off: 1\n}\n\nauth:bearer {\n  token: {{token}}\n}\n\nbody:json {\n  {\n    \"name\": \"Ann\"\n  }\n}\n\ntests {\n  test(\"ok\", () => {});\n}\n",
    )
    .unwrap();
    let run = apiscope_in(dir.path(), &["import", "bru"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("read as a Bruno collection"),
        "{}",
        run.stderr
    );
    // Its tests go to a script file of their own, run once trusted.
    assert!(
        run.stderr.contains(
            "runs a test script, ./scripts/create_user.post.js, once the collection is trusted"
        ),
        "{}",
        run.stderr
    );
    let script =
        std::fs::read_to_string(dir.path().join("team-api/scripts/create_user.post.js")).unwrap();
    assert!(script.contains("test(\"ok\", () => {});"), "{script}");
    let out = dir.path().join("team-api");
    let http = std::fs::read_to_string(out.join("team-api.http")).unwrap();
    assert!(http.contains("### users / Create user"), "{http}");
    assert!(http.contains("Authorization: Bearer {{token}}"), "{http}");
    assert!(!http.contains("X-Off"), "{http}");
    let file = out.join("team-api.http").display().to_string();
    let run = apiscope(
        &[
            "send",
            &format!("{file}#create_user"),
            "--yes",
            "--env",
            "Local",
            "--var",
            "token=tok_FAKE_bru",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, body) = head_and_body(&server.requests()[0]);
    assert!(head.starts_with("post /users "), "{head}");
    assert!(
        head.contains("x-team: blue") && head.contains("bearer tok_fake_bru"),
        "{head}"
    );
    assert!(body.contains("\"name\": \"Ann\""), "{body}");
}

const OPENAPI: &str = r##"openapi: 3.1.0
info:
  title: Acme Boards
  version: "1.0"
servers:
  - url: https://api.acme.example/{version}
    description: Production
    variables:
      version:
        default: v2
  - url: http://localhost:8080/v2
    description: Local
security:
  - bearerAuth: []
tags:
  - name: boards
paths:
  /boards/{boardId}/cards:
    parameters:
      - $ref: "#/components/parameters/BoardId"
    get:
      tags: [boards]
      operationId: listCards
      summary: List the cards of a board
      parameters:
        - name: limit
          in: query
          required: true
          schema: {type: integer, example: 20}
        - name: cursor
          in: query
          schema: {type: string}
    post:
      tags: [boards]
      operationId: createCard
      security:
        - apiKey: []
      requestBody:
        content:
          application/json:
            schema:
              $ref: "#/components/schemas/NewCard"
  /health:
    get:
      operationId: health
      security: []
components:
  parameters:
    BoardId:
      name: boardId
      in: path
      required: true
      schema: {type: string, example: brd_1}
  schemas:
    NewCard:
      type: object
      required: [title, due]
      properties:
        title: {type: string}
        due: {type: string, format: date-time}
        tags: {type: array, items: {type: string}}
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-Api-Key}
"##;

#[test]
fn an_openapi_document_becomes_one_request_per_operation() {
    let server = echo();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("acme.yaml"), OPENAPI).unwrap();
    let run = apiscope_in(dir.path(), &["import", "acme.yaml"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("imported 3 request(s) in 1 folder(s) from acme.yaml (read as an OpenAPI 3.1.0 document)"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("credentials to fill in http-client.private.env.json: token, x_api_key"),
        "{}",
        run.stderr
    );
    let out = dir.path().join("acme-boards");
    let http = std::fs::read_to_string(out.join("acme-boards.http")).unwrap();
    assert!(http.contains("@boardId = brd_1\n@limit = 20"), "{http}");
    assert!(
        http.contains("### boards / List the cards of a board"),
        "{http}"
    );
    assert!(http.contains("# @name listCards"), "{http}");
    assert!(
        http.contains("GET {{baseUrl}}/boards/{{boardId}}/cards?limit={{limit}}"),
        "{http}"
    );
    assert!(http.contains("Authorization: Bearer {{token}}"), "{http}");
    assert!(http.contains("X-Api-Key: {{x_api_key}}"), "{http}");
    assert!(http.contains("\"due\": \"2026-01-01T00:00:00Z\""), "{http}");
    assert!(
        !http.contains("cursor"),
        "optional query parameters are left out: {http}"
    );
    let public = std::fs::read_to_string(out.join("http-client.env.json")).unwrap();
    assert!(
        public.contains("https://api.acme.example/v2") && public.contains("\"local\""),
        "{public}"
    );
    // Sent to a loopback server with the local environment's URL replaced.
    let file = out.join("acme-boards.http").display().to_string();
    let base = format!("baseUrl={}/v2", server.base);
    let run = apiscope(
        &[
            "send",
            &format!("{file}#createCard"),
            "--yes",
            "--env",
            "local",
            "--var",
            &base,
            "--var",
            "x_api_key=key_FAKE_cli",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, body) = head_and_body(&server.requests()[0]);
    assert!(head.starts_with("post /v2/boards/brd_1/cards "), "{head}");
    assert!(head.contains("x-api-key: key_fake_cli"), "{head}");
    assert!(body.contains("\"title\": \"string\""), "{body}");
}

#[test]
fn an_openapi_profile_teaches_decode_the_apis_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("widgets.json"),
        r##"{"openapi": "3.0.3", "info": {"title": "Widget Cloud", "version": "2"},
        "servers": [{"url": "https://api.widgets.example/v2"}],
        "paths": {"/widgets/{id}": {"get": {"operationId": "getWidget",
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
          "responses": {
            "200": {"description": "OK", "headers": {"X-Widget-RateLimit-Remaining": {"schema": {"type": "integer"}}}},
            "404": {"description": "The widget does not exist in this workspace", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
            "default": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}}}},
        "components": {"schemas": {"Problem": {"type": "object", "properties": {"fault": {"type": "object"},
          "error": {"type": "object", "properties": {
            "code": {"type": "string", "enum": ["WIDGET_GONE", "QUOTA"], "x-enum-descriptions": ["The widget was deleted: restore it from the trash", "The workspace quota is used up: delete widgets or upgrade"]},
            "message": {"type": "string"}, "trace_id": {"type": "string"}}}}}}}}"##,
    )
    .unwrap();
    let run = |args: &[&str], stdin: &[u8]| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_apiscope"))
            .current_dir(dir.path())
            .args(args)
            .env("APISCOPE_CONFIG_DIR", config.path())
            .env("APISCOPE_DATA_DIR", config.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(&["import", "widgets.json", "--profile"], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("profile 'widget-cloud' written"),
        "{stderr}"
    );
    let toml = std::fs::read_to_string(config.path().join("profiles/widget-cloud.toml")).unwrap();
    assert!(toml.contains("api.widgets.example"), "{toml}");
    assert!(toml.contains("X-Widget-RateLimit-Remaining"), "{toml}");
    // decode now knows the API: its code, message, request id and steps.
    let response = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"WIDGET_GONE\",\"message\":\"No widget w_1\",\"trace_id\":\"tr-9\"}}";
    let out = run(&["decode", "-", "--format", "json"], response.as_bytes());
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["dialect"], "widget-cloud", "{d}");
    assert_eq!(d["error"]["code"], "WIDGET_GONE");
    assert_eq!(d["error"]["message"], "No widget w_1");
    assert_eq!(d["error"]["request_id"], "tr-9");
    let steps = d["troubleshooting"].to_string();
    assert!(steps.contains("restore it from the trash"), "{steps}");
}

#[test]
fn bad_exports_are_one_line_or_bounded() {
    let dir = tempfile::tempdir().unwrap();
    // A truncated export: the line, nothing written.
    let cut = &POSTMAN[..POSTMAN.len() / 2];
    std::fs::write(dir.path().join("cut.json"), cut).unwrap();
    let run = apiscope_in(dir.path(), &["import", "cut.json"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("cut.json:") && run.stderr.contains("not valid JSON"),
        "{}",
        run.stderr
    );
    // A Postman collection of 10,000 nested folders: one line saying so,
    // nothing written, no stack overflow.
    let mut deep = String::new();
    for i in 0..10_000 {
        deep.push_str(&format!(r#"{{"name":"f{i}","item":["#));
    }
    deep.push_str(r#"{"name":"leaf","request":"http://127.0.0.1:9/deep"}"#);
    deep.push_str(&"]}".repeat(10_000));
    std::fs::write(
        dir.path().join("deep.json"),
        format!(
            r#"{{"info":{{"name":"deep","schema":"https://schema.getpostman.com/json/collection/v2.1.0/collection.json"}},"item":[{deep}]}}"#
        ),
    )
    .unwrap();
    let run = apiscope_in(dir.path(), &["import", "deep.json", "-o", "deep"], b"");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("deep.json:1: nested more than 128 levels deep"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("deep").exists());
    // A schema that refers to itself ten times over, and a $ref to nowhere:
    // imported within the node budget, the dangling reference listed.
    let props: Vec<String> = (0..10)
        .map(|i| format!("\"p{i}\": {{\"$ref\": \"#/components/schemas/Node\"}}"))
        .collect();
    let doc = format!(
        r##"{{"openapi": "3.0.0", "info": {{"title": "Loop"}}, "paths": {{"/n": {{"post": {{"operationId": "n",
          "requestBody": {{"content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Node"}}}}}}}},
          "responses": {{"400": {{"description": "bad", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Missing"}}}}}}}}}}}}}}}},
          "components": {{"schemas": {{"Node": {{"type": "object", "properties": {{{}}}}}}}}}}}"##,
        props.join(", ")
    );
    std::fs::write(dir.path().join("loop.json"), doc).unwrap();
    let run = apiscope_in(dir.path(), &["import", "loop.json"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("$ref #/components/schemas/Missing points nowhere"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_collection_of_100000_items_imports() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<serde_json::Value> = (0..100_000)
        .map(|i| {
            serde_json::json!({"name": format!("Request {i}"),
                "request": {"method": "GET", "url": format!("https://a.example/items/{i}")}})
        })
        .collect();
    let doc = serde_json::json!({
        "info": {"name": "Huge", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": items
    });
    std::fs::write(dir.path().join("huge.json"), doc.to_string()).unwrap();
    let run = apiscope_in(dir.path(), &["import", "huge.json"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("imported 100000 request(s)"),
        "{}",
        run.stderr
    );
    let http = std::fs::read_to_string(dir.path().join("huge/huge.http")).unwrap();
    assert_eq!(http.matches("\n###").count(), 100_000);
    assert!(http.contains("# @name request_99999"), "names stay unique");
}

/// Insomnia's YAML export (v4, as Insomnia writes it with "Export Data →
/// YAML") imports as its JSON twin does: the same `.http` file and the
/// same environment files, byte for byte.
#[test]
fn an_insomnia_yaml_export_imports_as_its_json_twin() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = r#"_type: export
__export_format: 4
__export_date: 2026-12-07T10:00:00.000Z
__export_source: insomnia.desktop.app:v2023.5.8
resources:
  - _id: wrk_1
    _type: workspace
    parentId: null
    name: Shop
  - _id: env_base
    _type: environment
    parentId: wrk_1
    name: Base Environment
    data:
      baseUrl: https://shop.example
      api_token: tok_FAKE_insomnia
  - _id: env_prod
    _type: environment
    parentId: env_base
    name: Production
    data:
      baseUrl: https://shop.example
  - _id: fld_1
    _type: request_group
    parentId: wrk_1
    name: Orders
  - _id: req_1
    _type: request
    parentId: fld_1
    name: Create order
    method: POST
    url: "{{ _.baseUrl }}/orders"
    headers:
      - name: X-Off
        value: "1"
        disabled: true
    parameters:
      - name: dry
        value: "true"
    authentication:
      type: bearer
      token: "{{ _.api_token }}"
    body:
      mimeType: application/json
      text: '{"sku": "A-1"}'
"#;
    std::fs::write(dir.path().join("shop.yaml"), yaml).unwrap();
    std::fs::write(
        dir.path().join("shop.json"),
        INSOMNIA.replace("BASE", "https://shop.example"),
    )
    .unwrap();
    for (file, out) in [("shop.yaml", "from-yaml"), ("shop.json", "from-json")] {
        let run = apiscope_in(dir.path(), &["import", file, "-o", out], b"");
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(
            run.stderr.contains("read as an Insomnia export (format 4)"),
            "{file}: {}",
            run.stderr
        );
    }
    for f in [
        "shop.http",
        "http-client.env.json",
        "http-client.private.env.json",
    ] {
        let a = std::fs::read_to_string(dir.path().join("from-yaml").join(f)).unwrap();
        let b = std::fs::read_to_string(dir.path().join("from-json").join(f)).unwrap();
        assert_eq!(a, b, "{f}");
    }
}
