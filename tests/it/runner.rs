//! `apiscope test` against a loopback server: `??` assertions passing and
//! failing (each predicate is unit-tested in the core), diagnosis
//! assertions, `--bail`, `--filter`, each exit code, JUnit read back as
//! GitLab and Jenkins read it, and no planted secret in any report.

use crate::common::{self, RawServer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// /ok answers 200 JSON; /missing a 404 in the envelope shape; /echo
/// returns the request's Authorization header in its body (a server that
/// reflects a secret).
fn server(count: Arc<AtomicUsize>) -> RawServer {
    RawServer::start(move |req| {
        count.fetch_add(1, Ordering::SeqCst);
        let head = String::from_utf8_lossy(req).into_owned();
        let json = ("Content-Type", "application/json");
        if head.starts_with("GET /ok ") || head.starts_with("GET /ok?") {
            common::reply(
                200,
                &[json, ("X-Trace", "t-1")],
                r#"{"items":[{"id":7,"name":"ann"}],"total":1}"#,
            )
        } else if head.starts_with("GET /echo ") {
            let auth = head
                .lines()
                .find_map(|l| l.strip_prefix("Authorization: "))
                .unwrap_or("")
                .to_owned();
            common::reply(200, &[json], &format!(r#"{{"you_sent":"{auth}"}}"#))
        } else {
            common::reply(
                404,
                &[json, ("X-Request-Id", "req_fake_404")],
                r#"{"error":{"code":"NOT_FOUND","message":"No such thing","fields":{"id":"unknown id"}}}"#,
            )
        }
    })
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn assertions_pass_and_fail_with_the_diagnosis_under_a_failure() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "api.http",
        &format!(
            "### ok\n# @name list\nGET {0}/ok\n\n?? status == 200\n?? header content-type includes json\n?? body items[0].name == ann\n?? body $.total == 1\n?? duration < 30000\n?? dialect == generic\n\n### missing\n# @name missing\nGET {0}/missing\n\n?? status == 404\n?? error.code == NOT_FOUND\n?? error.fields includes id\n?? error.request_id startsWith req_\n?? body error.message == Something else\n",
            s.base
        ),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("✔ list"), "{}", o.stdout);
    for a in [
        "status == 200",
        "body items[0].name == ann",
        "body $.total == 1",
        "dialect == generic",
    ] {
        assert!(
            o.stdout.contains(&format!("    ✔ {a}")),
            "{a}\n{}",
            o.stdout
        );
    }
    assert!(o.stdout.contains("✘ missing"), "{}", o.stdout);
    assert!(
        o.stdout.contains("    ✔ error.code == NOT_FOUND"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("    ✔ error.fields includes id"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout
            .contains("✘ body error.message == Something else  — got \"No such thing\" ("),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("api.http:20)"), "{}", o.stdout);
    // The diagnosis under the failure: code, message, request id.
    assert!(o.stdout.contains("req_fake_404"), "{}", o.stdout);
    assert!(
        o.stderr
            .contains("2 request(s), 11 test(s): 10 passed, 1 failed, 0 errored, 0 skipped"),
        "{}",
        o.stderr
    );
    // --filter: only the passing one.
    let o = common::apiscope_in(
        dir.path(),
        &["test", &file, "--yes", "--filter", "list"],
        b"",
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(!o.stdout.contains("missing"), "{}", o.stdout);
}

#[test]
fn a_bad_assertion_is_exit_2_before_anything_is_sent() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "api.http",
        &format!("GET {}/ok\n\n?? status == 200\n?? status is 200\n", s.base),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("api.http:4:"), "{}", o.stderr);
    assert!(o.stderr.contains("'is' is not a predicate"), "{}", o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 0);
    // `?? js` is a script: in an untrusted collection, said, nothing sent.
    write(
        dir.path(),
        "api.http",
        &format!("GET {}/ok\n\n?? js response.ok\n", s.base),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("api.http:3:") && o.stderr.contains("--trust"),
        "{}",
        o.stderr
    );
    // A report that cannot be written: exit 2, nothing sent.
    write(dir.path(), "api.http", &format!("GET {}/ok\n", s.base));
    let o = common::apiscope_in(
        dir.path(),
        &[
            "test",
            &file,
            "--yes",
            "--report",
            "junit:/nonexistent-dir/r.xml",
        ],
        b"",
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 0);
}

#[test]
fn bail_stops_at_the_first_failure_and_a_request_that_cannot_complete_is_exit_3() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "api.http",
        &format!(
            "### a\nGET {0}/missing\n\n?? status == 200\n\n### b\nGET {0}/ok\n",
            s.base
        ),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes", "--bail"], b"");
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 1, "--bail sent the next one");
    assert!(o.stderr.contains("--bail"), "{}", o.stderr);
    // A request without assertions passes on a 404; one to a closed port
    // does not complete: exit 3 over a failed test's 1.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    write(
        dir.path(),
        "api.http",
        &format!(
            "### a\nGET {}/missing\n\n### b\nGET http://127.0.0.1:{closed}/x\n\n### c\nGET {}/missing\n\n?? status == 200\n",
            s.base, s.base
        ),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("did not complete"), "{}", o.stdout);
    assert!(o.stdout.contains("✔ a"), "{}", o.stdout);
    assert!(
        !o.stdout.contains('\x1b'),
        "no colour into a pipe: {}",
        o.stdout
    );
    // --color always colours a pipe too: green passes, red failures (the
    // diagnosis under a failure coloured as decode colours it).
    let o = common::apiscope_in(
        dir.path(),
        &["test", &file, "--yes", "--color", "always"],
        b"",
    );
    assert!(
        o.stdout.contains("\x1b[32m✔\x1b[0m a") && o.stdout.contains("\x1b[31m✘\x1b[0m b"),
        "{:?}",
        o.stdout
    );
}

#[test]
fn junit_reads_back_as_ci_servers_read_it_and_no_report_holds_a_secret() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    const SECRET: &str = "sk_live_FAKE_planted_0123456789";
    let file = write(
        dir.path(),
        "api.http",
        &format!(
            "### echo\n# @name echo\nGET {0}/echo\nAuthorization: Bearer {{{{token}}}}\n\n?? status == 200\n?? body you_sent == nothing\n\n### missing\nGET {0}/missing\n\n?? status == 404\n",
            s.base
        ),
    );
    let reports = ["junit:r.xml", "tap:r.tap", "json:r.json", "markdown:r.md"];
    let mut args = vec!["test", file.as_str(), "--yes", "--secret"];
    let secret_arg = format!("token={SECRET}");
    args.push(&secret_arg);
    for r in &reports {
        args.push("--report");
        args.push(r);
    }
    let o = common::apiscope_in(dir.path(), &args, b"");
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        !o.stdout.contains(SECRET) && !o.stderr.contains(SECRET),
        "{}",
        o.stdout
    );
    for r in &reports {
        let path = dir.path().join(r.split_once(':').unwrap().1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(SECRET), "{r} holds the secret:\n{text}");
        assert!(!text.contains('\x1b'), "{r}");
    }
    // JUnit: the attributes GitLab and Jenkins read.
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut suites, mut cases, mut failures) = (0, 0, 0);
    let mut failure_message = String::new();
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let attr = |n: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == n)
                        .map(|a| {
                            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                };
                match e.name().as_ref() {
                    "testsuite" => {
                        suites += 1;
                        assert_eq!(attr("tests").as_deref(), Some("3"));
                        assert_eq!(attr("failures").as_deref(), Some("1"));
                        assert!(attr("name").unwrap().ends_with("api.http"));
                        assert!(attr("time").is_some());
                    }
                    "testcase" => {
                        cases += 1;
                        assert!(attr("classname").unwrap().contains("api.http."));
                        assert!(attr("name").is_some() && attr("time").is_some());
                    }
                    "failure" => {
                        failures += 1;
                        failure_message = attr("message").unwrap();
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert_eq!((suites, cases, failures), (1, 3, 1));
    assert!(
        failure_message.starts_with("expected body you_sent == nothing, got"),
        "{failure_message}"
    );
    // TAP and JSON say the same.
    let tap = std::fs::read_to_string(dir.path().join("r.tap")).unwrap();
    assert!(tap.starts_with("TAP version 13\n1..3\n"), "{tap}");
    assert_eq!(tap.matches("\nnot ok ").count(), 1, "{tap}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!(json[0]["tests"][1]["result"], "failed");
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    use clap::CommandFactory as _;
    // Every command the CLI has, read from it (a new one cannot be
    // forgotten), and its subcommands (auth list|show|clear|login).
    let cli = apiscope::cli::Cli::command();
    let public: Vec<&clap::Command> = cli.get_subcommands().filter(|c| !c.is_hide_set()).collect();
    let commands: Vec<String> = public.iter().map(|c| c.get_name().to_owned()).collect();
    let nested: Vec<String> = public
        .iter()
        .flat_map(|c| c.get_subcommands().map(|s| s.get_name().to_owned()))
        .collect();
    assert!(commands.iter().any(|c| c == "auth") && nested.iter().any(|c| c == "login"));
    let internal: Vec<String> = cli
        .get_subcommands()
        .filter(|c| c.is_hide_set())
        .map(|c| c.get_name().to_owned())
        .collect();
    assert!(internal.iter().any(|c| c == "tty-guard"), "{internal:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = common::apiscope(&["completions", shell], b"");
        assert_eq!(o.code, 0, "{shell}: {}", o.stderr);
        for c in commands.iter().chain(&nested) {
            assert!(
                o.stdout.contains(c.as_str()),
                "{shell} completions lack {c}"
            );
        }
        for c in &internal {
            assert!(
                !o.stdout.contains(c.as_str()),
                "{shell} completions offer {c}"
            );
        }
        assert!(o.stdout.contains("report"), "{shell}: test options");
    }

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_string_lossy().into_owned();
    let o = common::apiscope(&["man", "--dir", &d], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    for c in &commands {
        let page = std::fs::read_to_string(dir.path().join(format!("apiscope-{c}.1")))
            .unwrap_or_else(|e| panic!("apiscope-{c}.1: {e}"));
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{c}: not roff");
    }
    let test = std::fs::read_to_string(dir.path().join("apiscope-test.1")).unwrap();
    assert!(
        test.contains("\\-\\-bail") && test.contains("\\-\\-report"),
        "{test}"
    );
    let o = common::apiscope(&["man"], b"");
    assert!(
        o.stdout.contains(".TH apiscope 1"),
        "{}",
        &o.stdout[..200.min(o.stdout.len())]
    );
    // No internal command in the pages.
    assert!(!dir.path().join("apiscope-tty-guard.1").exists());
}

#[test]
fn a_run_keeps_every_exchange_in_the_history_in_batches() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..40 {
        text.push_str(&format!(
            "### r{i}\nGET {}/ok?i={i}\n\n?? status == 200\n\n",
            s.base
        ));
    }
    let file = write(dir.path(), "api.http", &text);
    let o = common::apiscope_with(data.path(), dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 40);
    // Written before the process ended: all 40, in order.
    let h = common::apiscope_with(
        data.path(),
        dir.path(),
        &["history", "--limit", "100", "--format", "json"],
        b"",
    );
    assert_eq!(h.code, 0, "{}", h.stderr);
    let rows = h.stdout.matches("/ok?i=").count();
    assert!(rows >= 40, "{rows} rows:\n{}", h.stdout);
}

#[test]
fn data_rows_and_iterations_each_run_the_file_afresh() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "api.http",
        &format!(
            "### item\n# @name item\nGET {}/ok?i={{{{id}}}}&who={{{{name}}}}\n\n?? status == 200\n",
            s.base
        ),
    );
    write(
        dir.path(),
        "rows.csv",
        "id,name\n1,ann\n2,\"bob, jr\"\n3,cy\n",
    );
    let o = common::apiscope_in(
        dir.path(),
        &["test", &file, "--yes", "--data", "rows.csv"],
        b"",
    );
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert!(o.stdout.contains("item [iteration 3]"), "{}", o.stdout);
    assert!(
        o.stdout.contains("who=bob,%20jr") || o.stdout.contains("who=bob, jr"),
        "{}",
        o.stdout
    );
    // JSON rows, and --iterations past the rows repeats them.
    write(
        dir.path(),
        "rows.json",
        r#"[{"id": 7, "name": "x"}, {"id": 8, "name": "y"}]"#,
    );
    let o = common::apiscope_in(
        dir.path(),
        &[
            "test",
            &file,
            "--yes",
            "--data",
            "rows.json",
            "--iterations",
            "4",
            "--report",
            "json:r.json",
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 7);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(json[3]["iteration"], 4);
    assert!(json[2]["url"].as_str().unwrap().contains("i=7"), "{json}");
    // A row that leaves a variable undefined: exit 2, nothing sent.
    write(dir.path(), "bad.csv", "id\n1\n");
    let o = common::apiscope_in(
        dir.path(),
        &["test", &file, "--yes", "--data", "bad.csv"],
        b"",
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("{{name}}") && o.stderr.contains("data row 1"),
        "{}",
        o.stderr
    );
    write(dir.path(), "ragged.csv", "id,name\n1\n");
    let o = common::apiscope_in(
        dir.path(),
        &["test", &file, "--yes", "--data", "ragged.csv"],
        b"",
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(count.load(Ordering::SeqCst), 7);
}

#[test]
fn recorded_exchanges_are_judged_without_sending_anything() {
    use common::HarEntry;
    let dir = tempfile::tempdir().unwrap();
    let har = common::har(&[
        HarEntry::get(
            "https://api.shop.test/v2/orders/10?x=1",
            200,
            r#"{"id":10,"state":"paid"}"#,
        )
        .resp_header("Content-Type", "application/json"),
        HarEntry::get(
            "https://api.shop.test/v2/orders/11",
            429,
            r#"{"error":{"code":"RATE_LIMITED","message":"slow down"}}"#,
        )
        .resp_header("Content-Type", "application/json")
        .resp_header("Retry-After", "30"),
    ]);
    write(dir.path(), "ticket.har", &har);
    let file = write(
        dir.path(),
        "contract.http",
        "@host = https://api.shop.test\n\n### order\n# @name order\nGET {{host}}/v2/orders/{{id}}\n\n?? status == 200\n?? body state exists\n\n### list\nGET {{host}}/v2/customers\n",
    );
    let o = common::apiscope_in(
        dir.path(),
        &[
            "test",
            &file,
            "--recorded",
            "ticket.har",
            "--var",
            "id=1",
            "--report",
            "junit:r.xml",
        ],
        b"",
    );
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("✔ order (recorded 1 of 2)"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("✘ order (recorded 2 of 2)"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("got 429"), "{}", o.stdout);
    assert!(o.stdout.contains("RATE_LIMITED"), "{}", o.stdout);
    assert!(
        o.stdout.contains("- no recorded exchange matches it"),
        "{}",
        o.stdout
    );
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(xml.contains("<skipped/>"), "{xml}");
}

#[test]
fn generated_values_under_the_names_jetbrains_postman_and_rest_client_use() {
    let count = Arc::new(AtomicUsize::new(0));
    let s = server(count.clone());
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "api.http",
        &format!(
            "POST {}/ok\nContent-Type: application/json\n\n{{\"a\": \"{{{{$randomEmail}}}}\", \"b\": \"{{{{$random.alphanumeric 8}}}}\", \"c\": \"{{{{$randomUUID}}}}\", \"d\": \"{{{{$datetime iso8601}}}}\", \"e\": {{{{$random.integer 5 6}}}}}}\n",
            s.base
        ),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes"], b"");
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let got = s.received.lock().unwrap();
    let req = String::from_utf8_lossy(&got[0]).into_owned();
    let body = req.split("\r\n\r\n").nth(1).unwrap_or("");
    let v: serde_json::Value = serde_json::from_str(body).expect(body);
    let email = v["a"].as_str().unwrap();
    assert!(
        email.contains('@') && email.ends_with("@example.com"),
        "{email}"
    );
    let b = v["b"].as_str().unwrap();
    // (JetBrains: letters, digits and underscores.)
    assert!(
        b.len() == 8 && b.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "{b}"
    );
    assert_eq!(v["c"].as_str().unwrap().len(), 36);
    assert!(v["d"].as_str().unwrap().ends_with('Z'), "{v}");
    assert_eq!(v["e"], 5);
}

#[test]
fn a_429_whose_wait_is_over_max_wait_could_not_complete() {
    // Always 429 with a Retry-After far past --max-wait: nothing is waited
    // out, the request did not complete (exit 3, errored, not a failed
    // test and not a pass), and its diagnosis still says why.
    let s = RawServer::start(|_| {
        common::reply(
            429,
            &[("Retry-After", "100"), ("Content-Type", "application/json")],
            r#"{"error": {"code": "RATE_LIMITED", "message": "slow down"}}"#,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    for asserts in ["", "?? status == 200\n"] {
        let file = write(
            dir.path(),
            "api.http",
            &format!("### limited\nGET {}/x\n\n{asserts}", s.base),
        );
        let o = common::apiscope_in(
            dir.path(),
            &[
                "test",
                &file,
                "--yes",
                "--max-wait",
                "1",
                "--report",
                "json:r.json",
            ],
            b"",
        );
        assert_eq!(o.code, 3, "{asserts:?}: {}\n{}", o.stdout, o.stderr);
        assert!(
            o.stdout.contains("429 Too Many Requests, not waited out")
                && o.stdout
                    .contains("longer than the 1.0 s allowed (--max-wait)"),
            "{}",
            o.stdout
        );
        assert!(
            o.stderr.contains("1 errored") && o.stderr.contains("0 × 429 waited out"),
            "{}",
            o.stderr
        );
        let report = std::fs::read_to_string(dir.path().join("r.json")).unwrap();
        assert!(report.contains("not waited out"), "{report}");
    }
    // The 429 is no answer: a request that reads it is not sent with the
    // 429's body in it.
    let file = write(
        dir.path(),
        "api.http",
        &format!(
            "### limited\n# @name limited\nGET {0}/x\n\n### next\nGET {0}/y?v={{{{limited.response.body.$.error.code}}}}\n",
            s.base
        ),
    );
    let o = common::apiscope_in(
        dir.path(),
        &["test", &file, "--yes", "--max-wait", "1"],
        b"",
    );
    assert_eq!(o.code, 3, "{}\n{}", o.stdout, o.stderr);
    let sent: Vec<String> = s.requests();
    assert!(!sent.iter().any(|r| r.contains("RATE_LIMITED")), "{sent:?}");
}

#[test]
fn every_predicate_of_httpyac_passes_and_fails_on_the_wire() {
    // Each of httpyac's predicates, once true and once false, on a real
    // answer: 200, X-Trace t-1, {"items":[{"id":7,"name":"ann"}],"total":1}.
    // (The digests are of the body's bytes, computed by Python's hashlib.)
    let s = server(Arc::new(AtomicUsize::new(0)));
    let dir = tempfile::tempdir().unwrap();
    let pass = [
        "status == 200",
        "status != 404",
        "status > 199",
        "status >= 200",
        "status < 300",
        "status <= 200",
        "header x-trace startsWith t-",
        "header x-trace endsWith -1",
        "header content-type includes json",
        "header content-type contains application",
        "header x-trace exists",
        "body total isNumber",
        "body items[0].name isString",
        "body items isArray",
        "body items[0].name matches ^a.n$",
        "body sha256 6809f443eb8ba2e672c1824dbd53c5e6ae139d64e11b4436fe4d3dfe662e1c89",
        "body sha512 Z316CCtC1aA1rWOApWZe+gwtCq9gT7BWFrjoEgh5aU5n0JAW1b/eYDuhrvT0LOJEnZDKGUFVDKqtZud6g4jofQ==",
        "body md5 d2654c0148a9b53a9497ad67f8ef8231",
        "js response.parsedBody.total === 1 isTrue",
        "js response.parsedBody.total === 2 isFalse",
        "js typeof response.parsedBody.total === 'number' isBoolean",
    ];
    let fail = [
        "status == 201",
        "status != 200",
        "status > 200",
        "status >= 201",
        "status < 200",
        "status <= 199",
        "header x-trace startsWith x",
        "header x-trace endsWith 2",
        "header content-type includes xml",
        "header x-missing exists",
        "body items isNumber",
        "body total isString",
        "body total isArray",
        "body items[0].name matches ^b",
        "body sha256 00",
        "body md5 00",
        "js response.parsedBody.total === 2 isTrue",
    ];
    let asserts: String = pass
        .iter()
        .chain(fail.iter())
        .map(|a| format!("?? {a}\n"))
        .collect();
    let file = write(
        dir.path(),
        "api.http",
        &format!("### ok\nGET {}/ok\n\n{asserts}", s.base),
    );
    let o = common::apiscope_in(dir.path(), &["test", &file, "--yes", "--trust"], b"");
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    for a in pass {
        assert!(
            o.stdout.contains(&format!("    ✔ {a}\n")),
            "should pass: {a}\n{}",
            o.stdout
        );
    }
    for a in fail {
        assert!(
            o.stdout.contains(&format!("    ✘ {a}  — got")),
            "should fail: {a}\n{}",
            o.stdout
        );
    }
    assert!(
        o.stderr.contains(&format!(
            "{} test(s): {} passed, {} failed",
            pass.len() + fail.len(),
            pass.len(),
            fail.len()
        )),
        "{}",
        o.stderr
    );
}
