//! `.http` collections from the command line, against a loopback server:
//! `send FILE.http#NAME --env`, `replay FILE.http --live --yes`, chaining
//! (login → token), precedence, errors before anything is sent, and secrets
//! from the private env file redacted by value in everything written.

use crate::common;

use common::{RawServer, Reply};
use std::path::Path;
use std::process::Command;

/// /login answers a token and a session header; everything else echoes 200.
fn server() -> RawServer {
    RawServer::start(|req| {
        let head = String::from_utf8_lossy(req);
        let (body, extra) = if head.starts_with("POST /login ") {
            (
                r#"{"token":"tok_FAKE_chain_123","user":{"id":7}}"#.to_owned(),
                "X-Session: sess-FAKE-9\r\n",
            )
        } else {
            (r#"{"ok":true}"#.to_owned(), "")
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    })
}

const COLLECTION: &str = "@api = {{host}}/v1\n\
\n\
### Log in\n\
# @name login\n\
POST {{api}}/../login\n\
Content-Type: application/json\n\
\n\
{\"user\": \"{{user}}\", \"password\": \"{{password}}\"}\n\
\n\
> {% client.global.set(\"token\", response.body.token); %}\n\
\n\
###\n\
# @name me\n\
GET {{api}}/me\n\
\x20   ?user={{login.response.body.$.user.id}}\n\
Authorization: Bearer {{login.response.body.$.token}}\n\
X-Session: {{login.response.headers.X-Session}}\n\
X-Weird: {{odd_secret}}\n\
\n\
>> ./me.json\n\
\n\
### Basic\n\
GET {{api}}/basic\n\
Authorization: Basic {{user}} {{password}}\n";

fn collection(dir: &Path) -> String {
    std::fs::write(dir.join("api.http"), COLLECTION).unwrap();
    std::fs::write(
        dir.join("http-client.env.json"),
        r#"{"$shared": {"user": "ann"}, "dev": {"host": "http://127.0.0.1:9"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("http-client.private.env.json"),
        r#"{"dev": {"password": "pw_FAKE_private_77", "odd_secret": "xsecret_FAKE_value_42"}}"#,
    )
    .unwrap();
    dir.join("api.http").to_string_lossy().into_owned()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(data: &Path, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .args(args)
        .env("APISCOPE_CONFIG_DIR", data)
        .env("APISCOPE_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .env_remove("APISCOPE_HISTORY")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (request line, lower-cased head, body) of each request received.
fn received(server: &RawServer) -> Vec<(String, String, String)> {
    server
        .requests()
        .iter()
        .map(|r| {
            let (head, body) = r.split_once("\r\n\r\n").unwrap_or((r, ""));
            (
                head.lines().next().unwrap_or("").to_owned(),
                head.to_ascii_lowercase(),
                body.to_owned(),
            )
        })
        .collect()
}

#[test]
fn send_a_named_request_sends_its_login_first_and_chains_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = collection(dir.path());
    let server = server();
    let target = format!("{file}#me");
    let out = run(
        data.path(),
        &[
            "send",
            &target,
            "--env",
            "dev",
            "--var",
            &format!("host={}", server.base),
            // (Secrets to 127.0.0.1, and `>> ./me.json`: confirmed and
            // trusted for this run.)
            "--yes",
            "--trust",
            "X-Extra:1",
            "limit==5",
            "--save",
            &dir.path().join("saved.json").to_string_lossy(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("sending 'login' first: 'me' uses its response"),
        "{}",
        out.stderr
    );
    // (Trusted for this run: its response handler ran, without error.)
    assert!(
        !out.stderr.contains("not run") && !out.stderr.contains("failed"),
        "{}",
        out.stderr
    );
    let got = received(&server);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "POST /login HTTP/1.1");
    assert_eq!(
        got[0].2,
        r#"{"user": "ann", "password": "pw_FAKE_private_77"}"#
    );
    assert_eq!(got[1].0, "GET /v1/me?user=7&limit=5 HTTP/1.1");
    assert!(
        got[1]
            .1
            .contains("authorization: bearer tok_fake_chain_123"),
        "{}",
        got[1].1
    );
    assert!(got[1].1.contains("x-session: sess-fake-9"), "{}", got[1].1);
    assert!(
        got[1].1.contains("x-weird: xsecret_fake_value_42"),
        "{}",
        got[1].1
    );
    assert!(got[1].1.contains("x-extra: 1"), "{}", got[1].1);
    // `>> ./me.json` beside the collection.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("me.json")).unwrap(),
        r#"{"ok":true}"#
    );
    // The private env's values never reach a written file, whatever the
    // header is called: the session, the history database.
    assert!(
        data.path().join("history.sqlite3").exists(),
        "the history was written"
    );
    let mut written: Vec<std::path::PathBuf> = vec![dir.path().join("saved.json")];
    for e in std::fs::read_dir(data.path()).unwrap() {
        written.push(e.unwrap().path()); // the database and its WAL
    }
    for written in written {
        let bytes = std::fs::read(&written).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["xsecret_FAKE_value_42", "pw_FAKE_private_77"] {
            assert!(!text.contains(secret), "{secret} in {}", written.display());
        }
    }
    assert!(
        std::fs::read_to_string(dir.path().join("saved.json"))
            .unwrap()
            .contains("REDACTED"),
        "the session marks what it redacted"
    );
    // The history keeps each request's template, so a resend resolves it
    // again: `login` first (sent as `me`'s dependency), then `me`.
    let h = apiscope::history::History::open(&data.path().join("history.sqlite3")).unwrap();
    let (_, login) = h.get(1).unwrap().unwrap();
    let (_, me) = h.get(2).unwrap().unwrap();
    assert!(
        login.as_deref().unwrap_or("").contains("{{password}}"),
        "{login:?}"
    );
    assert!(
        me.as_deref()
            .unwrap_or("")
            .contains("'Authorization:Bearer {{login.response.body.$.token}}'"),
        "{me:?}"
    );
}

#[test]
fn replay_live_sends_every_request_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = collection(dir.path());
    let server = server();
    // Offline: what would be sent, nothing sent.
    let out = run(data.path(), &["replay", &file, "--env", "dev"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("3 request(s)"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("2. me  GET {{api}}/me?user={{login.response.body.$.user.id}}"),
        "{}",
        out.stdout
    );
    assert!(server.requests().is_empty());
    let host = format!("host={}", server.base);
    let out = run(
        data.path(),
        &[
            "replay", &file, "--live", "--yes", "--env", "dev", "--var", &host,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<String> = received(&server).into_iter().map(|r| r.0).collect();
    assert_eq!(
        lines,
        [
            "POST /login HTTP/1.1",
            "GET /v1/me?user=7 HTTP/1.1",
            "GET /v1/basic HTTP/1.1"
        ]
    );
    let basic = &received(&server)[2].1;
    // `Basic ann pw_FAKE_private_77` → base64 of `ann:pw_FAKE_private_77`.
    assert!(
        basic.contains("authorization: basic yw5uonb3x0zbs0vfchjpdmf0zv83nw=="),
        "{basic}"
    );
    assert!(
        out.stdout.contains("── 1 Log in ──") || out.stdout.contains("── 1 login ──"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_request_that_cannot_be_resolved_is_one_line_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = collection(dir.path());
    let server = server();
    let host = format!("host={}", server.base);
    for (args, want) in [
        (
            vec!["send", "FILE#me"],
            "{{host}} is not defined (searched: --var, file variables, http-client.private.env.json [$shared], http-client.env.json [$shared], no --env chosen (environments: dev)); nothing was sent",
        ),
        (
            vec!["send", "FILE#me", "--env", "prod"],
            "no environment 'prod'; the environments are: dev",
        ),
        (
            vec!["send", "FILE"],
            "holds 3 requests: pick one with FILE#NAME or FILE#N (1 login, 2 me, 3 Basic)",
        ),
        (
            vec!["send", "FILE#9", "--env", "dev", "--var", &host],
            "no request '9'",
        ),
    ] {
        let args: Vec<String> = args.iter().map(|a| a.replace("FILE", &file)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run(data.path(), &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(want), "{args:?}: {}", out.stderr);
    }
    // A cycle of file variables, a broken env file: named with file and line.
    std::fs::write(
        dir.path().join("cyc.http"),
        "@a = {{b}}\n@b = {{a}}\nGET http://127.0.0.1:9/{{a}}\n",
    )
    .unwrap();
    let out = run(
        data.path(),
        &["send", &dir.path().join("cyc.http").to_string_lossy()],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("cyc.http:1: variables refer to each other in a cycle: a → b → a"),
        "{}",
        out.stderr
    );
    std::fs::write(
        dir.path().join("http-client.env.json"),
        "{\"dev\": {\n  \"host\": ,\n}}",
    )
    .unwrap();
    let out = run(
        data.path(),
        &["send", &format!("{file}#me"), "--env", "dev"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("http-client.env.json:2: not valid JSON"),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty(), "nothing may be sent");
}

#[test]
fn paginate_a_collection_request_with_its_secrets_kept_out_of_what_is_written() {
    let demo = common::Demo::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        "### Boards\n# @name boards\nGET {{host}}/envelope/v1/boards?limit=2\nAuthorization: Bearer {{token}}\nX-Odd: {{odd}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.env.json"),
        format!(r#"{{"local": {{"host": "{}"}}}}"#, demo.base),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("http-client.private.env.json"),
        r#"{"local": {"token": "imb_pat_demo", "odd": "xsecret_FAKE_pages_31"}}"#,
    )
    .unwrap();
    let file = format!("{}#boards", dir.path().join("api.http").display());
    let saved = dir.path().join("pages.json");
    let out = run(
        data.path(),
        &[
            "send",
            &file,
            "--env",
            "local",
            "--yes",
            "--paginate",
            "--max-pages",
            "3",
            "--save",
            &saved.display().to_string(),
        ],
    );
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("── page 3 ──"), "{}", out.stdout);
    assert!(out.stderr.contains("3 pages"), "{}", out.stderr);
    let mut written = vec![saved];
    for e in std::fs::read_dir(data.path()).unwrap() {
        written.push(e.unwrap().path());
    }
    for w in written {
        let text = String::from_utf8_lossy(&std::fs::read(&w).unwrap_or_default()).into_owned();
        assert!(
            !text.contains("xsecret_FAKE_pages_31"),
            "in {}",
            w.display()
        );
    }
}

#[test]
fn a_file_name_is_never_looked_up_as_a_host() {
    let data = tempfile::tempdir().unwrap();
    for (word, want) in [
        ("nothere.http#x", "nothere.http: no such collection file"),
        (
            "./nothere.http#x",
            "./nothere.http: no such collection file",
        ),
        ("NOTHERE.REST", "NOTHERE.REST: no such collection file"),
        (
            "./notes.txt",
            "./notes.txt: send takes a URL, or FILE.http#NAME for a collection's request",
        ),
    ] {
        let out = run(data.path(), &["send", word]);
        assert_eq!(out.code, 2, "{word}: {}", out.stderr);
        assert_eq!(out.stderr.trim(), format!("apiscope: {want}"), "{word}");
    }
}

#[test]
fn replay_live_resolves_everything_first_sends_what_it_can_and_sums_up() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let server = server();
    let file = dir.path().join("api.http");
    std::fs::write(
        &file,
        format!(
            "# @name one\nGET {0}/one\n\n###\n# @name two\nGET {0}/two?x={{{{nope}}}}\n\n###\n# @name three\nGET {0}/three\n\n###\n# @name four\nGET {0}/four/{{{{two.response.body.$.id}}}}\n",
            server.base
        ),
    )
    .unwrap();
    let file = file.to_string_lossy().into_owned();
    // Offline: the listing says which would not be sent.
    let out = run(data.path(), &["replay", &file]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("would not be sent: {{nope}} is not defined"),
        "{}",
        out.stdout
    );
    let out = run(data.path(), &["replay", &file, "--live", "--yes"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // Named before anything is sent; the rest is sent; a summary ends it.
    let stderr: Vec<&str> = out.stderr.lines().collect();
    assert!(
        stderr[0].starts_with("apiscope: #2 will not be sent: ")
            && stderr[0].contains("api.http:6: {{nope}} is not defined"),
        "{}",
        out.stderr
    );
    assert!(
        stderr[1].starts_with("apiscope: #4 will not be sent: ")
            && stderr[1].ends_with("api.http:14: uses the response of 'two', which cannot be sent"),
        "{}",
        out.stderr
    );
    assert_eq!(
        stderr.last().copied(),
        Some(
            "apiscope: 2 of 4 request(s) sent: 2 succeeded, 0 answered with an error; 2 not sent (#2, #4)"
        )
    );
    let lines: Vec<String> = received(&server).into_iter().map(|r| r.0).collect();
    assert_eq!(lines, ["GET /one HTTP/1.1", "GET /three HTTP/1.1"]);
}

/// What other tools' `.http` files hold that apiscope does not do: a
/// WebSocket or gRPC request is refused with one line naming it, a
/// directive it does not apply is a note, and the request still goes.
#[test]
fn websocket_grpc_and_foreign_directives_are_said_not_guessed() {
    let server = crate::common::RawServer::start(|_| crate::common::reply(200, &[], "{}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "### ws\n# @name ws\nWEBSOCKET ws://127.0.0.1:9/ws\n\n### rpc\n# @name rpc\nGRPC 127.0.0.1:9/svc.Greeter/SayHello\n\n### plain\n# @name plain\n# @no-log\n# @ref other\nGET {}/plain\n",
            server.base
        ),
    )
    .unwrap();
    for (name, words) in [
        (
            "ws",
            "a WEBSOCKET request (JetBrains' WebSocket client): apiscope sends HTTP requests only",
        ),
        (
            "rpc",
            "a GRPC request (JetBrains' gRPC client): apiscope sends HTTP requests only",
        ),
    ] {
        let run = crate::common::apiscope_in(
            dir.path(),
            &["send", &format!("api.http#{name}"), "--yes"],
            b"",
        );
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(words), "{}", run.stderr);
    }
    let run = crate::common::apiscope_in(dir.path(), &["send", "api.http#plain", "--yes"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("JetBrains' # @no-log is not applied")
            && run.stderr.contains("httpyac's # @ref is not read"),
        "{}",
        run.stderr
    );
    assert_eq!(server.requests().len(), 1);
}

/// JetBrains' `# @no-redirect`: the redirect is the answer; `# @timeout`
/// bounds the request (a bad value is one line naming it).
#[test]
fn no_redirect_and_timeout_directives_are_applied() {
    let server = RawServer::start(|req| {
        if req.starts_with(b"GET /old") {
            crate::common::reply(302, &[("Location", "/new")], "")
        } else if req.starts_with(b"GET /slow") {
            // (Bounded: the test's client gives up long before.)
            std::thread::sleep(std::time::Duration::from_secs(3));
            crate::common::reply(200, &[], "{}")
        } else {
            crate::common::reply(200, &[], "{}")
        }
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "### old\n# @name old\n# @no-redirect\nGET {b}/old\n\n### follow\n# @name follow\nGET {b}/old\n\n### slow\n# @name slow\n# @timeout 300 ms\nGET {b}/slow\n\n### bad\n# @name bad\n# @timeout soon\nGET {b}/x\n",
            b = server.base
        ),
    )
    .unwrap();
    let send = |name: &str| {
        crate::common::apiscope_in(
            dir.path(),
            &[
                "send",
                &format!("api.http#{name}"),
                "--yes",
                "--format",
                "json",
            ],
            b"",
        )
    };
    let run = send("old");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(run.stdout.trim()).unwrap()["status"],
        302,
        "{}",
        run.stdout
    );
    assert_eq!(server.requests().len(), 1);
    let run = send("follow");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(server.requests().len(), 3, "the redirect followed");
    let started = std::time::Instant::now();
    let run = send("slow");
    assert!(
        run.stdout.contains("TIMEOUT") || run.stdout.contains("timed out"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    // (Far below the default 30 s: the directive's 300 ms applied.)
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let run = send("bad");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("# @timeout soon: not a time"),
        "{}",
        run.stderr
    );
}

/// A variable named by another (Postman's nested variables, which newman
/// resolves innermost first): `{{base_{{env}}}}`.
#[test]
fn a_variable_named_by_another_resolves_innermost_first() {
    let server = RawServer::start(|_| crate::common::reply(200, &[], "{}"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("api.http"),
        format!(
            "@stage = dev\n@base_dev = {}\n@base_prod = http://127.0.0.1:9\n\n### n\n# @name n\nGET {{{{base_{{{{stage}}}}}}}}/nested?x={{{{stage}}}}\n",
            server.base
        ),
    )
    .unwrap();
    let run = crate::common::apiscope_in(dir.path(), &["send", "api.http#n", "--yes"], b"");
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let seen = server.requests();
    assert!(seen[0].starts_with("GET /nested?x=dev "), "{seen:?}");
}
