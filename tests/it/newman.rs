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
/// that are not the client's own (lower-cased, sorted), and the body
/// byte for byte (multipart boundaries normalised).
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
    // (Bodies compare byte for byte: a JSON body re-indented is a
    // different body on the wire, and a signature over it differs.)
    // Generated values compared by shape: OAuth 1.0's timestamp, nonce and
    // signature (the signature itself is checked against newman's runtime
    // for fixed values in crates/core/src/auth/oauth1.rs).
    for (_, v) in &mut headers {
        *v = generated_by_shape(v);
    }
    (generated_by_shape(&line), headers, body)
}

/// Whether a generated value has its expected shape.
type ShapeOk = fn(&str) -> bool;

/// `text` with each `oauth_timestamp`, `oauth_nonce` and `oauth_signature`
/// value replaced by its shape, when it has the shape newman gives it
/// (10 digits; 11 letters and digits; percent-encoded base64).
fn generated_by_shape(text: &str) -> String {
    let mut out = text.to_owned();
    // A Digest answer with a client nonce: the nonce (8 letters and
    // digits, as Postman's runtime makes it) and the response it changes.
    let digest: &[(&str, ShapeOk)] = if text.starts_with("Digest ") && text.contains(" cnonce=\"") {
        &[
            ("cnonce", |v: &str| {
                v.len() == 8 && v.bytes().all(|b| b.is_ascii_alphanumeric())
            }),
            ("response", |v: &str| {
                matches!(v.len(), 32 | 64) && v.bytes().all(|b| b.is_ascii_hexdigit())
            }),
        ]
    } else {
        &[]
    };
    for &(name, ok) in digest {
        let key = format!(" {name}=\"");
        if let Some(at) = out.find(&key) {
            let vstart = at + key.len();
            let vend = out[vstart..].find('"').map_or(out.len(), |e| vstart + e);
            if ok(&out[vstart..vend]) {
                out.replace_range(vstart..vend, &format!("<{name}>"));
            }
        }
    }
    for (name, ok) in [
        (
            "oauth_timestamp",
            (|v: &str| v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit())) as fn(&str) -> bool,
        ),
        ("oauth_nonce", |v: &str| {
            v.len() == 11 && v.bytes().all(|b| b.is_ascii_alphanumeric())
        }),
        ("oauth_signature", |v: &str| {
            v.len() >= 20 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'%')
        }),
    ] {
        let mut from = 0;
        while let Some(at) = out[from..].find(&format!("{name}=")) {
            let start = from + at + name.len() + 1;
            let quoted = out[start..].starts_with('"');
            let vstart = start + usize::from(quoted);
            let vend = out[vstart..]
                .find(['"', '&', ',', ' '])
                .map_or(out.len(), |e| vstart + e);
            let value = out[vstart..vend].to_owned();
            let masked = if ok(&value) {
                format!("<{name}>")
            } else {
                value
            };
            out.replace_range(vstart..vend, &masked);
            from = vstart + masked.len();
        }
    }
    out
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

/// newman's own integration collections (`../shared/corpora/
/// newman-integration/`) that apiscope sends exactly as newman does, once
/// imported (the echo answers `/digest-auth` with postman-echo's challenge,
/// which the collection's first request reads, and `/redirect-to` as
/// httpbin does); `whatwg-url` with its targets as [`WHATWG_WRITTEN`] says.
const CORPUS_SAME: &[&str] = &[
    "whatwg-url",
    "custom-http-method",
    "echo-v2",
    "bom-in-collection-file",
    "bom-in-environment-file",
    "case-insen-header-sandbox",
    "cookie-jar",
    "disabled-and-duplicates",
    "esc-formdata",
    "head-requests",
    "inherited-entities",
    "multi-level-folders-v2",
    "multiple-form-values",
    "request-body-with-get",
    "request-name-in-script",
    "semicolon-tests",
    "slashed-variable-names",
    "utf16-le-encoding-in-env",
    "v2-regression-tests",
];

/// An echo like postman-echo's (the scripts read it): the query, the
/// headers, the body.
fn echo() -> RawServer {
    RawServer::start(|raw| {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(raw.len());
        let head = String::from_utf8_lossy(&raw[..end]).into_owned();
        let body = String::from_utf8_lossy(raw.get(end + 4..).unwrap_or_default()).into_owned();
        let mut lines = head.lines();
        let target = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        let args: serde_json::Map<String, serde_json::Value> = target
            .split_once('?')
            .map_or("", |(_, q)| q)
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (k.to_owned(), serde_json::Value::from(v))
            })
            .collect();
        let headers: serde_json::Map<String, serde_json::Value> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| {
                (
                    k.trim().to_ascii_lowercase(),
                    serde_json::Value::from(v.trim()),
                )
            })
            .collect();
        let json = serde_json::from_str::<serde_json::Value>(&body).unwrap_or_default();
        let out = serde_json::json!({"args": args, "headers": headers, "url": target, "data": body, "json": json, "form": {}})
            .to_string();
        let status = target
            .strip_prefix("/status/")
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(200);
        // postman-echo's Digest endpoint: a challenge to a request without
        // credentials (the collections read its realm and nonce).
        if target == "/digest-auth" && !headers.contains_key("authorization") {
            return Reply::Bytes(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"Users\", nonce=\"nonce_FAKE_42\", qop=\"auth\"\r\nContent-Length: 12\r\nConnection: close\r\n\r\nUnauthorized"
                    .to_vec(),
            );
        }
        // httpbin's redirect: a 302 to its `url` parameter, decoded.
        if let Some(to) = target.strip_prefix("/redirect-to?url=") {
            let to = percent_decoded(to);
            return Reply::Bytes(
                format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .into_bytes(),
            );
        }
        // (A HEAD's answer has no body.)
        let out = if raw.starts_with(b"HEAD ") {
            String::new()
        } else {
            out
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 {status} OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{out}",
                out.len()
            )
            .into_bytes(),
        )
    })
}

/// `%XX` sequences decoded (others kept as they are).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(x)) => {
                out.push(x);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A corpus file with its hosts pointed at `base` (`http://127.0.0.1:N`):
/// in URL strings and in URL objects' `host` / `port` / `protocol`. A file
/// that is not UTF-8 (a UTF-16 environment) is copied as it is.
fn pointed_at(bytes: &[u8], base: &str) -> Vec<u8> {
    let (bom, rest) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(r) => (&b"\xEF\xBB\xBF"[..], r),
        None => (&b""[..], bytes),
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return bytes.to_vec();
    };
    let port = base.rsplit(':').next().unwrap_or("");
    let mut doc: serde_json::Value = match serde_json::from_str(text) {
        Ok(d) => d,
        Err(_) => return bytes.to_vec(),
    };
    fn walk(v: &mut serde_json::Value, port: &str) {
        match v {
            serde_json::Value::Object(o) => {
                let host = o.get("host").and_then(|h| h.as_array()).map(|h| {
                    h.iter()
                        .map(|p| p.as_str().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(".")
                });
                if matches!(
                    host.as_deref(),
                    Some("localhost" | "postman-echo.com" | "httpbin.org")
                ) {
                    o.insert("host".into(), serde_json::json!(["127", "0", "0", "1"]));
                    o.insert("port".into(), serde_json::json!(port));
                    o.insert("protocol".into(), serde_json::json!("http"));
                }
                // (whatwg-url's host is a variable its script sets.)
                if host.as_deref().is_some_and(|h| h.starts_with("{{host.")) {
                    o.insert("protocol".into(), serde_json::json!("http"));
                }
                for x in o.values_mut() {
                    walk(x, port);
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, port)),
            _ => {}
        }
    }
    walk(&mut doc, port);
    let hostport = base.trim_start_matches("http://");
    let text = doc
        .to_string()
        .replace("https://postman-echo.com", base)
        .replace("http://postman-echo.com", base)
        .replace("postman-echo.com", hostport)
        .replace("http://localhost:4041", base)
        .replace("localhost:4041", hostport)
        .replace("https://httpbin.org", base)
        // whatwg-url's scripts build a URL of parts (scheme, host and port
        // each a variable): the echo's, in plain HTTP.
        .replace(r#"\"p://\", \"https\""#, r#"\"p://\", \"http\""#)
        .replace(
            &format!(r#"\"host.name\", \"{hostport}\""#),
            r#"\"host.name\", \"127.0.0.1\""#,
        )
        .replace(r#"\":p\", \"443\""#, &format!(r#"\":p\", \"{port}\""#))
        .replace("https://{{host.", "http://{{host.");
    [bom, text.as_bytes()].concat()
}

/// What a request is on the wire, for the comparisons.
pub type Shape = (String, Vec<(String, String)>, String);

/// The first request that differs between what the reference `tool` sent
/// (`t`) and what apiscope sent (`m`), both sides and the counts.
pub fn first_difference(tool: &str, t: &[Shape], m: &[Shape]) -> String {
    match t.iter().zip(m).position(|(a, b)| a != b) {
        Some(i) => format!(
            "request {} of {} (apiscope sent {}):\n{tool}: {:?}\napiscope: {:?}",
            i + 1,
            t.len(),
            m.len(),
            t[i],
            m[i]
        ),
        None => format!(
            "{tool} sent {}, apiscope {}: {tool}'s next: {:?}; apiscope's next: {:?}",
            t.len(),
            m.len(),
            t.get(m.len()),
            m.get(t.len())
        ),
    }
}

/// Where newman's library is (`npm root -g`), or `None` with the skip
/// message printed (a failure under `CI=true`).
fn newman_library() -> Option<String> {
    let npm_root = std::process::Command::new("npm")
        .args(["root", "-g"])
        .output();
    let node_path = npm_root
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|p| std::path::Path::new(p).join("newman").is_dir());
    if node_path.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "newman is not installed, and CI=true: .ci/run installs it (npm install -g newman@6)"
        );
        eprintln!("SKIPPED: newman is not installed (npm install -g newman); .ci/run installs it");
    }
    node_path
}

/// Every collection directory of `corpus` named in `names` (a
/// `collection.json`, maybe an `environment.json` or `env.json` and the
/// files it uploads), its hosts pointed at two echoes: run through newman
/// (its library, one Node process for every collection) and, imported,
/// through `apiscope replay --live`. Returns the collections whose
/// requests differ on the wire, each with both sides.
fn differential(
    corpus: &std::path::Path,
    names: &[String],
    node_path: &str,
) -> BTreeMap<String, String> {
    let work = tempfile::tempdir().unwrap();
    let mut jobs = Vec::new();
    let mut servers = Vec::new();
    for name in names {
        let (theirs, ours) = (echo(), echo());
        for (side, base) in [("newman", &theirs.base), ("apiscope", &ours.base)] {
            let dir = work.path().join(name).join(side);
            std::fs::create_dir_all(&dir).unwrap();
            // (Also where newman's own tests find a form part's file: its
            // `src` is relative to newman's repository, the run's working
            // directory there.)
            let layout = dir.join("test/integration").join(name);
            std::fs::create_dir_all(&layout).unwrap();
            for e in std::fs::read_dir(corpus.join(name)).unwrap().flatten() {
                // `files/`: the form files, where newman's working
                // directory (and apiscope's --files-dir) points.
                if e.path().is_dir() {
                    std::fs::create_dir_all(dir.join(e.file_name())).unwrap();
                    for f in std::fs::read_dir(e.path()).unwrap().flatten() {
                        std::fs::copy(f.path(), dir.join(e.file_name()).join(f.file_name()))
                            .unwrap();
                    }
                    continue;
                }
                let bytes = std::fs::read(e.path()).unwrap();
                std::fs::write(dir.join(e.file_name()), pointed_at(&bytes, base)).unwrap();
                if !e.file_name().to_string_lossy().ends_with(".json") {
                    std::fs::write(layout.join(e.file_name()), &bytes).unwrap();
                }
            }
        }
        let dir = work.path().join(name).join("newman");
        let env = ["environment.json", "env.json"]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists());
        let globals = Some(dir.join("globals.json")).filter(|p| p.exists());
        let files = dir.join("files");
        jobs.push(serde_json::json!({
            "dir": if files.is_dir() { files } else { dir.clone() },
            "collection": dir.join("collection.json"),
            "environment": env,
            "globals": globals,
        }));
        let env_name = env.and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()));
        servers.push((name, theirs, ours, env_name));
    }
    let driver = r#"
        const newman = require('newman');
        const jobs = JSON.parse(process.argv[1]);
        (async () => {
          for (const j of jobs) {
            await new Promise((done) => newman.run({
              collection: j.collection, environment: j.environment || undefined,
              globals: j.globals || undefined,
              reporters: [], timeoutRequest: 5000, workingDir: j.dir,
            }, () => done()));
          }
        })();
    "#;
    let out = std::process::Command::new("node")
        .env("NODE_PATH", node_path)
        .args(["-e", driver, &serde_json::Value::Array(jobs).to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "node: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut diffs = BTreeMap::new();
    for (name, theirs, ours, env) in &servers {
        let dir = work.path().join(name).join("apiscope");
        let mut import = vec!["import", "collection.json", "-o", "c"];
        if let Some(env) = env {
            import.extend(["--env-file", env.as_str()]);
        }
        if dir.join("globals.json").exists() {
            import.extend(["--globals", "globals.json"]);
        }
        if dir.join("files").is_dir() {
            import.extend(["--files-dir", "files"]);
        }
        let run = apiscope_in(&dir, &import, b"");
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        // (An environment of secrets only is in the private file alone.)
        let envs: Vec<String> = ["c/http-client.env.json", "c/http-client.private.env.json"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
            .filter_map(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .flat_map(|v| {
                v.as_object()
                    .map(|o| {
                        o.keys()
                            .filter(|k| *k != "$shared")
                            .cloned()
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let http = std::fs::read_dir(dir.join("c"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "http"))
            .unwrap();
        let http = http.to_string_lossy().into_owned();
        let mut replay = vec![
            "replay",
            http.as_str(),
            "--live",
            "--yes",
            "--trust",
            "--allow-read",
            ".",
        ];
        if let Some(e) = envs.first() {
            replay.extend(["--env", e.as_str()]);
        }
        let _ = apiscope_in(&dir, &replay, b"");
        let t = echoed(&theirs.received.lock().unwrap(), &theirs.base);
        let m = echoed(&ours.received.lock().unwrap(), &ours.base);
        // (newman sends raw what a WHATWG URL parser writes another way:
        // compared as that parser writes newman's request targets.)
        let t = if WHATWG_WRITTEN.contains(&name.as_str()) {
            t.into_iter().map(whatwg_written).collect()
        } else {
            t
        };
        if t.is_empty() || t != m {
            let what = first_difference("newman", &t, &m);
            diffs.insert((*name).clone(), what);
        }
    }
    diffs
}

/// What an echo at `base` received, as [`shape`]s: the echo's own
/// address written `http://ECHO` (a redirect's query names it), and the
/// `Referer` newman adds when it follows a redirect (its own default, as
/// postman-request's) left out.
fn echoed(received: &[Vec<u8>], base: &str) -> Vec<Shape> {
    let mut out: Vec<Shape> = Vec::new();
    for raw in received {
        let (line, mut headers, body) = shape(raw);
        let line = line.replace(base, "http://ECHO");
        for (_, v) in &mut headers {
            *v = v.replace(base, "http://ECHO");
        }
        let before = out
            .last()
            .and_then(|(l, _, _)| l.split_once(' '))
            .map(|(_, target)| format!("http://ECHO{target}"));
        headers.retain(|(k, v)| !(k == "referer" && Some(v) == before.as_ref()));
        out.push((line, headers, body));
    }
    out
}

/// Collections whose requests newman sends with bytes a WHATWG URL parser
/// (reqwest's, browsers') writes otherwise: a `/./` segment (removed), and
/// under `disableUrlEncoding` (and in a redirect's `Location`) `"`, `<`,
/// `>`, `` ` ``, `{`, `}` and, in a query, `'` raw (percent-encoded). Those
/// raw bytes are not a valid request target (RFC 9112 §3.2, RFC 3986
/// §2), and hyper's URI type refuses them: apiscope sends newman's target
/// as that parser writes it, and nothing else differs.
const WHATWG_WRITTEN: &[&str] = &["whatwg-url"];

/// A request with its target as a WHATWG URL parser writes it.
fn whatwg_written((line, headers, body): Shape) -> Shape {
    let line = match line.split_once(' ') {
        Some((method, target)) if target.starts_with('/') => {
            match url::Url::parse(&format!("http://echo{target}")) {
                Ok(u) => format!(
                    "{method} {}{}",
                    u.path(),
                    u.query().map(|q| format!("?{q}")).unwrap_or_default()
                ),
                Err(_) => line,
            }
        }
        _ => line,
    };
    (line, headers, body)
}

/// The corpus through newman and, imported, through `apiscope replay
/// --live`: the collections listed in [`CORPUS_SAME`] put the same requests
/// on the wire.
#[test]
fn newmans_own_collections_go_out_as_newman_sends_them() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpora/newman-integration");
    if !corpus.is_dir() {
        // (.ci/run runs beside ../shared: there, a missing corpus is a
        // failure, not a skip.)
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is not here, and CI=true",
            corpus.display()
        );
        eprintln!("SKIPPED: {} is not here", corpus.display());
        return;
    }
    let Some(node_path) = newman_library() else {
        return;
    };
    let names: Vec<String> = CORPUS_SAME.iter().map(|s| (*s).to_owned()).collect();
    let diffs = differential(&corpus, &names, &node_path);
    assert!(diffs.is_empty(), "{diffs:#?}");
}

/// Own collections that differ from newman on purpose or by a known gap
/// (`tests/fixtures/postman/README.md` says why).
const KNOWN_DIFFERENT: &[&str] = &[];

/// Collections built from the shapes of public ones
/// (`tests/fixtures/postman/`, its README says which): every one goes out
/// as newman sends it.
#[test]
fn public_shaped_collections_go_out_as_newman_sends_them() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postman");
    let Some(node_path) = newman_library() else {
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("collection.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 40, "{} collections", names.len());
    let mut diffs = differential(&corpus, &names, &node_path);
    // Known and written down (the fixtures' README says why); one that
    // starts to agree is to come off this list.
    for known in KNOWN_DIFFERENT {
        assert!(
            diffs.remove(*known).is_some(),
            "{known} now goes out as newman sends it: take it off KNOWN_DIFFERENT"
        );
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
    assert!(names.len() - KNOWN_DIFFERENT.len() >= 40);
}
