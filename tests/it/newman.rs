//! Postman's own runner as the reference: a collection with an environment
//! is run by newman and, imported, by `apiscope replay --live`, against
//! loopback servers; what arrived is compared request by request (method,
//! target, headers, body), ignoring the headers newman adds on its own.
//! Skipped, with a message, where newman is not installed (`.ci/run`
//! installs it with npm).

use crate::common;

use common::{RawServer, Reply, apiscope_in};
use std::collections::BTreeMap;

fn server() -> RawServer {
    RawServer::start(|_| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                .to_vec(),
        )
    })
}

/// What a request is, for the comparison: method and target, the headers
/// that are not the client's own (lower-cased, sorted), and the body (JSON
/// compared as JSON; multipart boundaries normalised).
pub fn shape(raw: &[u8]) -> (String, Vec<(String, String)>, String) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut body = String::from_utf8_lossy(raw.get(end + 4..).unwrap_or_default()).into_owned();
    let mut lines = head.lines();
    let line = lines
        .next()
        .unwrap_or("")
        .rsplit_once(' ')
        .map_or("", |(l, _)| l)
        .to_owned();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut boundary = None;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_owned());
        if matches!(
            k.as_str(),
            "user-agent"
                | "postman-token"
                | "accept-encoding"
                | "connection"
                | "host"
                | "cache-control"
                | "content-length"
        ) || (k == "accept" && v == "*/*")
        {
            continue;
        }
        if let Some(b) = v.split("boundary=").nth(1) {
            boundary = Some(b.trim_matches('"').to_owned());
        }
        headers.push((k, v));
    }
    if let Some(b) = &boundary {
        body = body.replace(b.as_str(), "BOUNDARY");
        for (_, v) in &mut headers {
            *v = v.replace(b.as_str(), "BOUNDARY");
        }
    }
    headers.sort();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
        body = v.to_string();
    }
    (line, headers, body)
}

#[test]
fn newman_and_apiscope_send_the_same_requests() {
    if std::process::Command::new("newman")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "newman is not installed, and CI=true: .ci/run installs it (npm install -g newman@6)"
        );
        eprintln!("SKIPPED: newman is not installed (npm install -g newman); .ci/run installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "line one\nline two\n").unwrap();
    let payload = dir.path().join("payload.json");
    std::fs::write(&payload, r#"{"raw": true}"#).unwrap();
    let collection = serde_json::json!({
        "info": {"_postman_id": "0000-fake", "name": "Wire", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}]},
        "item": [
            {"name": "Boards", "item": [
                {"name": "List", "request": {"method": "GET",
                    "header": [{"key": "Accept", "value": "application/json"}, {"key": "X-Debug", "value": "1", "disabled": true}],
                    "url": {"raw": "{{baseUrl}}/boards?limit=5", "host": ["{{baseUrl}}"], "path": ["boards"],
                            "query": [{"key": "limit", "value": "5"}, {"key": "draft", "value": "1", "disabled": true}]}}},
                {"name": "Create", "request": {"method": "POST", "header": [],
                    "body": {"mode": "raw", "raw": "{\"title\": \"{{title}}\"}", "options": {"raw": {"language": "json"}}},
                    "url": "{{baseUrl}}/cards"}}
            ]},
            {"name": "Login", "request": {"method": "POST", "auth": {"type": "noauth"},
                "body": {"mode": "urlencoded", "urlencoded": [{"key": "user", "value": "ann"}, {"key": "password", "value": "{{password}}"}]},
                "url": "{{baseUrl}}/login"}},
            {"name": "Search", "request": {"method": "POST",
                "auth": {"type": "apikey", "apikey": [{"key": "key", "value": "X-Api-Key"}, {"key": "value", "value": "{{apiKey}}"}, {"key": "in", "value": "header"}]},
                "body": {"mode": "graphql", "graphql": {"query": "{ boards { id } }", "variables": "{\"n\": 1}"}},
                "url": "{{baseUrl}}/graphql"}},
            {"name": "Basic", "request": {"method": "GET",
                "auth": {"type": "basic", "basic": [{"key": "username", "value": "ann"}, {"key": "password", "value": "pw_FAKE_basic"}]},
                "url": "{{baseUrl}}/basic"}},
            {"name": "Upload", "request": {"method": "POST",
                "body": {"mode": "formdata", "formdata": [
                    {"key": "name", "value": "Ann", "type": "text"},
                    {"key": "doc", "type": "file", "src": notes.display().to_string()}]},
                "url": "{{baseUrl}}/upload"}},
            {"name": "Raw file", "request": {"method": "PUT", "header": [{"key": "Content-Type", "value": "application/json"}],
                "body": {"mode": "file", "file": {"src": payload.display().to_string()}},
                "url": "{{baseUrl}}/raw"}}
        ]
    });
    let newman_server = server();
    let ours = server();
    let env = |base: &str| {
        serde_json::json!({"name": "Wire", "values": [
            {"key": "baseUrl", "value": base, "type": "default", "enabled": true},
            {"key": "token", "value": "tok_FAKE_nm", "type": "secret", "enabled": true},
            {"key": "title", "value": "Hello", "type": "default", "enabled": true},
            {"key": "password", "value": "pw_FAKE_nm", "type": "secret", "enabled": true},
            {"key": "apiKey", "value": "key_FAKE_nm", "type": "secret", "enabled": true}
        ]})
    };
    std::fs::write(dir.path().join("wire.json"), collection.to_string()).unwrap();
    std::fs::write(
        dir.path().join("newman-env.json"),
        env(&newman_server.base).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("wire-env.json"),
        env(&ours.base).to_string(),
    )
    .unwrap();
    let out = std::process::Command::new("newman")
        .current_dir(dir.path())
        .args([
            "run",
            "wire.json",
            "-e",
            "newman-env.json",
            "--reporters",
            "cli",
            "--timeout-request",
            "10000",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "newman: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let run = apiscope_in(
        dir.path(),
        &[
            "import",
            "wire.json",
            "--env-file",
            "wire-env.json",
            "-o",
            "wire",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = apiscope_in(
        dir.path(),
        &[
            "replay",
            "wire/wire.http",
            "--live",
            "--yes",
            "--env",
            "Wire",
            // The collection's `src` files are beside the import, outside
            // its directory: read only when the user allows it.
            "--trust",
            "--allow-read",
            ".",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let theirs: Vec<_> = newman_server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    let mine: Vec<_> = ours
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    assert_eq!(theirs.len(), 7, "newman sent {theirs:#?}");
    let mut diffs = BTreeMap::new();
    for (i, (t, m)) in theirs.iter().zip(&mine).enumerate() {
        if t != m {
            diffs.insert(i + 1, format!("newman: {t:#?}\napiscope: {m:#?}"));
        }
    }
    assert_eq!(mine.len(), theirs.len(), "apiscope sent {mine:#?}");
    assert!(diffs.is_empty(), "{diffs:#?}");
}

/// A login API for the scripts' comparison: `/login` answers a token.
fn login_server() -> RawServer {
    RawServer::start(|req| {
        let body = if req.starts_with(b"POST /login") {
            r#"{"token":"tok_FAKE_from_login","ttl":60}"#
        } else {
            "{}"
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    })
}

/// Scripts change what goes on the wire the same way in newman and in
/// apiscope: a collection pre-request script signing with CryptoJS, a
/// login test script keeping the token in the environment, a folder's
/// pre-request variable, `pm.variables` in a body.
#[test]
fn newman_and_apiscope_run_the_scripts_alike() {
    if std::process::Command::new("newman")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "newman is not installed, and CI=true: .ci/run installs it (npm install -g newman@6)"
        );
        eprintln!("SKIPPED: newman is not installed (npm install -g newman); .ci/run installs it");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let collection = serde_json::json!({
        "info": {"_postman_id": "0000-fake-2", "name": "Signed", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": [
            "const path = pm.request.url.toString().replace(/^https?:\\/\\/[^/]+/, '');",
            "pm.variables.set('sig', CryptoJS.HmacSHA256(pm.request.method + ' ' + path, pm.environment.get('secret')).toString(CryptoJS.enc.Base64));",
            "pm.variables.set('digest', CryptoJS.SHA256('fixed body').toString());"
        ]}}],
        "item": [
            {"name": "Login", "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": [
                "pm.test('has a token', () => pm.expect(pm.response.json()).to.have.property('token'));",
                "pm.environment.set('token', pm.response.json().token);",
                "pm.environment.set('ttl', pm.response.json().ttl * 2);"
            ]}}],
             "request": {"method": "POST", "url": "{{baseUrl}}/login",
                "header": [{"key": "X-Sig", "value": "{{sig}}"}],
                "body": {"mode": "raw", "raw": "{\"user\": \"ann\"}", "options": {"raw": {"language": "json"}}}}},
            {"name": "Account", "event": [{"listen": "prerequest", "script": {"type": "text/javascript", "exec": [
                "pm.variables.set('n', String(1 + 2));"
             ]}}],
             "item": [
                {"name": "Me", "request": {"method": "GET", "url": "{{baseUrl}}/me?ttl={{ttl}}",
                    "header": [
                        {"key": "Authorization", "value": "Bearer {{token}}"},
                        {"key": "X-Sig", "value": "{{sig}}"},
                        {"key": "X-Digest", "value": "{{digest}}"}
                    ]}},
                {"name": "Update", "request": {"method": "PUT", "url": "{{baseUrl}}/me",
                    "header": [{"key": "Authorization", "value": "Bearer {{token}}"}],
                    "body": {"mode": "raw", "raw": "{\"n\": \"{{n}}\", \"sig\": \"{{sig}}\"}", "options": {"raw": {"language": "json"}}}}}
             ]}
        ]
    });
    let newman_server = login_server();
    let ours = login_server();
    let env = |base: &str| {
        serde_json::json!({"name": "Signed", "values": [
            {"key": "baseUrl", "value": base, "type": "default", "enabled": true},
            {"key": "secret", "value": "key_FAKE_signing", "type": "secret", "enabled": true}
        ]})
    };
    std::fs::write(dir.path().join("signed.json"), collection.to_string()).unwrap();
    std::fs::write(
        dir.path().join("newman-env.json"),
        env(&newman_server.base).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("signed-env.json"),
        env(&ours.base).to_string(),
    )
    .unwrap();
    let out = std::process::Command::new("newman")
        .current_dir(dir.path())
        .args([
            "run",
            "signed.json",
            "-e",
            "newman-env.json",
            "--reporters",
            "cli",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "newman: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let run = apiscope_in(
        dir.path(),
        &[
            "import",
            "signed.json",
            "--env-file",
            "signed-env.json",
            "-o",
            "signed",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = apiscope_in(
        dir.path(),
        &[
            "test",
            "signed/signed.http",
            "--yes",
            "--env",
            "Signed",
            "--trust",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("✔ has a token"), "{}", run.stdout);
    let theirs: Vec<_> = newman_server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    let mine: Vec<_> = ours
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    assert_eq!(theirs.len(), 3, "newman sent {theirs:#?}");
    assert_eq!(mine.len(), theirs.len(), "apiscope sent {mine:#?}");
    // (newman signs the URL template before sending, `{{baseUrl}}/…`:
    // equal on both servers, whatever their ports.)
    let mut diffs = BTreeMap::new();
    for (i, (t, m)) in theirs.iter().zip(&mine).enumerate() {
        if t != m {
            diffs.insert(i + 1, format!("newman: {t:#?}\napiscope: {m:#?}"));
        }
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
}
