//! httpyac as the reference for `.http` files with JetBrains scripts: the
//! same files are sent by httpyac (one invocation, every file) and by
//! `apiscope test DIR --trust` against two loopback recorders, and what
//! arrived is compared request by request with newman's comparison rules
//! (each tool's own default headers ignored). Skipped with a message where
//! httpyac is not installed, except under `CI=true` (`.ci/run` installs
//! it), where that is a failure.

use crate::common::{RawServer, Reply, apiscope_in};
use crate::newman::shape;
use std::collections::BTreeMap;

/// `/login` answers a JSON token; `/text` a plain-text one; `/hdr` a
/// header to chain; anything else `{}`.
fn recorder() -> RawServer {
    RawServer::start(|req| {
        let head = req.starts_with(b"HEAD ");
        let (ct, body, extra) = if req.starts_with(b"POST /login") {
            (
                "application/json",
                r#"{"token":"tok_FAKE_hy","user":{"id":7,"roles":["a","b"]}}"#,
                "",
            )
        } else if req.starts_with(b"GET /text") {
            ("text/plain", "plain-FAKE-value", "")
        } else if req.starts_with(b"GET /hdr") {
            ("application/json", "{}", "X-Next: cursor_abc\r\n")
        } else {
            ("application/json", "{}", "")
        };
        // (A HEAD's answer has no body.)
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {ct}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{}",
                body.len(),
                if head { "" } else { body }
            )
            .into_bytes(),
        )
    })
}

/// The files: each self-contained (its variables its own), named in the
/// order both tools take them.
const FILES: &[(&str, &str)] = &[
    (
        "01-login.http",
        "### Login\n# @name login\nPOST {{host}}/login\nContent-Type: application/json\n\n{\"user\": \"ann\"}\n\n> {%\n  client.global.set(\"t01\", response.body.token);\n  client.global.set(\"u01\", response.body.user.id);\n%}\n\n### me\nGET {{host}}/me?uid={{u01}}\nAuthorization: Bearer {{t01}}\n",
    ),
    (
        "02-pre.http",
        "### signed\n< {%\n  request.variables.set(\"trace02\", \"t-\" + (40 + 2));\n  request.variables.set(\"host02\", request.environment.get(\"region\") || \"none\");\n%}\nGET {{host}}/items?trace={{trace02}}\nX-Trace: {{trace02}}\nX-Region: {{host02}}\n",
    ),
    (
        "03-header.http",
        "### first\nGET {{host}}/hdr\n\n> {% client.global.set(\"next03\", response.headers.valueOf(\"x-next\")); %}\n\n### second\nGET {{host}}/page?cursor={{next03}}\n",
    ),
    (
        "04-text.http",
        "### text\nGET {{host}}/text\n\n> {% client.global.set(\"plain04\", response.body); %}\n\n### use\nPOST {{host}}/echo\nContent-Type: text/plain\n\nvalue={{plain04}}\n",
    ),
    (
        "05-array.http",
        "### Login\nPOST {{host}}/login\n\n> {%\n  client.global.set(\"role05\", response.body.user.roles[1]);\n  client.global.set(\"n05\", response.body.user.roles.length);\n%}\n\n### roles\nGET {{host}}/roles/{{role05}}?n={{n05}}\n",
    ),
    (
        "06-tests.http",
        "### checked\nGET {{host}}/ok\nAccept: application/json\n\n> {%\n  client.test(\"status\", function () {\n    client.assert(response.status === 200, \"got \" + response.status);\n  });\n%}\n",
    ),
    (
        "07-json-body.http",
        "### Login\nPOST {{host}}/login\n\n> {% client.global.set(\"tok07\", response.body.token); %}\n\n### create\nPOST {{host}}/cards\nContent-Type: application/json\nAuthorization: Bearer {{tok07}}\n\n{\"owner\": \"{{tok07}}\", \"n\": 1}\n",
    ),
    (
        "08-status.http",
        "### probe\nGET {{host}}/probe\n\n> {% client.global.set(\"st08\", response.status); client.global.set(\"ct08\", response.contentType.mimeType); %}\n\n### report\nGET {{host}}/report?status={{st08}}\nX-Type: {{ct08}}\n",
    ),
    // The syntax without scripts: variables, query lines, versions, bodies
    // (JSON, form, form lines, XML, files, templates), comments, CRLF,
    // environments (public, private), `{{ spaced }}`, Basic auth, methods,
    // chained responses, `$processEnv`. Left out, where the tools differ
    // and apiscope follows JetBrains (README): `#` lines inside a body are
    // body (httpyac drops them); a multipart body's closing delimiter ends
    // with CRLF (httpyac: without); `$shared` values (httpyac 6.16.7 does
    // not read them); `{{name.response.body.$.x}}` references (httpyac
    // names them `{{name.x}}`).
    (
        "a01-vars.http",
        "@a = 1\n@b = {{a}}-x\n\nGET {{host}}/v?a={{a}}&b={{b}}\nX-B: {{b}}\n",
    ),
    (
        "a02-query-lines.http",
        "GET {{host}}/q\n    ?x=1\n    &y=two\n    &z=%20s\n",
    ),
    ("a03-no-method.http", "{{host}}/plain\n"),
    (
        "a04-version.http",
        "GET {{host}}/ver HTTP/1.1\nAccept: text/plain\n",
    ),
    (
        "a05-colon-value.http",
        "GET {{host}}/colon\nX-Time: 12:30:45\nX-Url: http://a.test:8080/x\n",
    ),
    (
        "a06-json-body.http",
        "POST {{host}}/json\nContent-Type: application/json\n\n{\n  \"a\": 1,\n  \"b\": [1, 2, {\"c\": \"d\"}]\n}\n",
    ),
    (
        "a07-form-body.http",
        "POST {{host}}/form\nContent-Type: application/x-www-form-urlencoded\n\na=1&b=two%20words\n",
    ),
    (
        "a08-form-lines.http",
        "POST {{host}}/form2\nContent-Type: application/x-www-form-urlencoded\n\na=1\n&b=2\n&c=3\n",
    ),
    (
        "a09-header-comments.http",
        "GET {{host}}/hc\n# a comment\nX-A: 1\n// another\nX-B: 2\n",
    ),
    (
        "a10-crlf.http",
        "GET {{host}}/crlf\r\nX-A: 1\r\n\r\n###\r\nPOST {{host}}/crlf2\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two\r\n",
    ),
    (
        "a12-spaced.http",
        "@who = ann\n\nGET {{host}}/spaced?u={{ who }}\nX-Who: {{ who }}\n",
    ),
    (
        "a13-separators.http",
        "### first one\nGET {{host}}/s1\n\n### second one\nGET {{host}}/s2\n\n###\nGET {{host}}/s3\n",
    ),
    (
        "a14-basic.http",
        "GET {{host}}/basic\nAuthorization: Basic ann secret\n",
    ),
    (
        "a15-basic-colon.http",
        "GET {{host}}/basic2\nAuthorization: Basic ann:secret\n",
    ),
    (
        "a16-unicode.http",
        "POST {{host}}/uni?q=é\nContent-Type: text/plain; charset=utf-8\n\nhéllo wörld ✓ 漢字\n",
    ),
    (
        "a17-empty-ct.http",
        "POST {{host}}/empty\nContent-Type: application/json\n",
    ),
    (
        "a18-methods.http",
        "PUT {{host}}/m\n\n###\nPATCH {{host}}/m\nContent-Type: application/json\n\n{\"p\": 1}\n\n###\nDELETE {{host}}/m\n\n###\nOPTIONS {{host}}/m\n",
    ),
    (
        "a19-body-file.http",
        "POST {{host}}/bf\nContent-Type: application/json\n\n< ./body.json\n",
    ),
    (
        "a20-body-file-vars.http",
        "@n = 42\n\nPOST {{host}}/bfv\nContent-Type: application/json\n\n<@ ./tmpl.json\n",
    ),
    ("a23-trailing-ws.http", "GET {{host}}/tw   \nX-A: 1   \n"),
    (
        "a24-many-headers.http",
        "GET {{host}}/mh\nAccept: application/json\nAccept-Language: en\nX-Dup: 1\nX-Dup: 2\n",
    ),
    (
        "a25-var-in-path.http",
        "@id = 7\n@path = items/{{id}}\n\nGET {{host}}/{{path}}/detail\n",
    ),
    (
        "a26-xml-body.http",
        "POST {{host}}/xml\nContent-Type: application/xml\n\n<a>\n  <b>1</b>\n</a>\n",
    ),
    (
        "a27-body-blank-lines.http",
        "POST {{host}}/bl\nContent-Type: text/plain\n\nfirst\n\nthird\n",
    ),
    ("a28-head.http", "HEAD {{host}}/head\n"),
    (
        "a29-query-encoded.http",
        "GET {{host}}/enc?a=b%2Fc&d=e+f&g=%E2%9C%93\n",
    ),
    (
        "a30-name-directive.http",
        "###\n// @name second\nGET {{host}}/named\n",
    ),
    (
        "a31-processenv.http",
        "GET {{host}}/pe?u={{$processEnv HOME}}\n",
    ),
    (
        "a33-private-env.http",
        "GET {{host}}/priv\nAuthorization: Bearer {{secret_token}}\n",
    ),
    (
        "a34-get-with-body.http",
        "GET {{host}}/gb\nContent-Type: application/json\n\n{\"q\": 1}\n",
    ),
    (
        "a35-var-override.http",
        "@region = file-level\n\nGET {{host}}/ov?r={{region}}\n",
    ),
];

#[test]
fn httpyac_and_apiscope_send_the_same_requests() {
    if std::process::Command::new("httpyac")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "httpyac is not installed, and CI=true: .ci/run installs it (npm install -g httpyac@6.16.7)"
        );
        eprintln!(
            "SKIPPED: httpyac is not installed (npm install -g httpyac@6.16.7); .ci/run installs it"
        );
        return;
    }
    let theirs_server = recorder();
    let ours_server = recorder();
    let write = |base: &str| {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in FILES {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::write(
            dir.path().join("http-client.env.json"),
            serde_json::json!({"dev": {"host": base, "region": "eu-1", "api_key": "k1"}})
                .to_string(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("http-client.private.env.json"),
            r#"{"dev": {"secret_token": "tok_FAKE_priv"}}"#,
        )
        .unwrap();
        std::fs::write(dir.path().join("body.json"), r#"{"from": "file"}"#).unwrap();
        std::fs::write(dir.path().join("tmpl.json"), r#"{"n": {{n}}}"#).unwrap();
        dir
    };
    let theirs_dir = write(&theirs_server.base);
    let ours_dir = write(&ours_server.base);
    let mut args = vec!["send".to_owned()];
    args.extend(FILES.iter().map(|(n, _)| (*n).to_owned()));
    args.extend(["--all", "--env", "dev", "-o", "none"].map(str::to_owned));
    let out = std::process::Command::new("httpyac")
        .current_dir(theirs_dir.path())
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "httpyac: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = ours_dir.path().to_string_lossy().into_owned();
    let run = apiscope_in(
        ours_dir.path(),
        &["test", &dir, "--env", "dev", "--trust", "--yes"],
        b"",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let theirs: Vec<_> = theirs_server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    let mine: Vec<_> = ours_server
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| shape(r))
        .collect();
    assert_eq!(theirs.len(), 51, "httpyac sent {theirs:#?}");
    assert_eq!(mine.len(), theirs.len(), "apiscope sent {mine:#?}");
    let mut diffs = BTreeMap::new();
    for (i, (t, m)) in theirs.iter().zip(&mine).enumerate() {
        if t != m {
            diffs.insert(i + 1, format!("httpyac: {t:#?}\napiscope: {m:#?}"));
        }
    }
    assert!(diffs.is_empty(), "{diffs:#?}");
}
