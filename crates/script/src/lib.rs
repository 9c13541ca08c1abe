//! apiscope's script engine: JetBrains HTTP Client pre-request scripts and
//! response handlers run in QuickJS (rquickjs), sandboxed.
//!
//! Each script runs in a runtime of its own, made for it and dropped after
//! it: nothing a script defines outlives it but what it hands back through
//! the API (`client.global`, `request.variables`, tests, logs). The context
//! has the language's built-ins only — no file system, network, process,
//! module loader or timers (`setTimeout`, `require`, `fetch` throw a
//! clear error) — a heap cap and a time cap (an interrupt at the deadline).
//! The runtime is not `Send`; it never leaves the thread that runs the
//! script.
//!
//! The API itself is a JavaScript prelude ([`PRELUDE`]) over the job as
//! JSON: the bridge is one string in and one string out.

use apiscope_core::collection::script::{
    GlobalChange, Phase, RequestEdit, ScriptEngine, ScriptJob, ScriptOutcome, ScriptTest,
};
use rquickjs::{CatchResultExt, CaughtError, Context, Runtime};
use serde_json::{Value, json};
use std::time::Instant;

/// The JetBrains script API, in JavaScript.
pub const PRELUDE: &str = include_str!("prelude.js");

/// Postman's `pm` over it: evaluated only for a script that names `pm` or
/// `postman` (parsing the API is most of a small script's cost).
pub const PM: &str = include_str!("pm.js");

/// Bruno's `bru`, `req`, `res`, `test` and `expect` over both: for a
/// script that names `bru`, `req` or `res` (an imported Bruno script).
pub const BRU: &str = include_str!("bru.js");

/// The most of a response body a script sees (`response.body`).
pub const MAX_BODY: usize = 32 << 20;

/// Runs scripts in QuickJS.
#[derive(Debug, Default, Clone, Copy)]
pub struct QuickJs;

impl ScriptEngine for QuickJs {
    fn run(&mut self, job: ScriptJob) -> ScriptOutcome {
        run(&job)
    }
}

/// The job as the prelude reads it.
fn input(job: &ScriptJob) -> String {
    let pairs = |v: &[(String, String)]| -> Value {
        Value::Array(v.iter().map(|(k, v)| json!([k, v])).collect())
    };
    let response = job.response.as_ref().map(|r| {
        let body = if r.body.len() > MAX_BODY {
            String::new()
        } else {
            String::from_utf8_lossy(&r.body).into_owned()
        };
        json!({
            "status": r.status,
            "headers": pairs(&r.headers.0),
            "body": body,
        })
    });
    json!({
        "globals": pairs(&job.globals),
        "request_vars": pairs(&job.request_vars),
        "environment": pairs(&job.environment),
        "request_name": job.request_name,
        "request": {
            "method": job.request.method,
            "url": job.request.url,
            "headers": pairs(&job.request.headers.0),
            "body": job.request.body,
        },
        "response": response,
    })
    .to_string()
}

/// A thread's engine: a runtime and a context with the API's code
/// parsed once (parsing it is most of a small script's cost).
struct Warm {
    rt: Runtime,
    ctx: Context,
    /// Scripts run in this context so far.
    used: u32,
}

/// Scripts a context serves before a fresh one is made (what scripts
/// leave on the global object is dropped then, and after any error).
const REUSE: u32 = 200;

impl Warm {
    fn new() -> Option<Warm> {
        let rt = Runtime::new().ok()?;
        let ctx = Context::full(&rt).ok()?;
        ctx.with(|ctx| {
            let f = rquickjs::Function::new(ctx.clone(), native_digest)?;
            ctx.globals().set("__digest", f)?;
            // (Shifted down by API_LINES, so a stack frame of the API is
            // told from one of the script's own: QuickJS names both
            // `eval_script`.)
            let shifted = |source: &str| format!("{}{source}", "\n".repeat(API_LINES));
            ctx.eval::<(), _>(shifted(PRELUDE))?;
            ctx.eval::<(), _>(shifted(PM))?;
            ctx.eval::<(), _>(shifted(BRU))
        })
        .ok()?;
        Some(Warm { rt, ctx, used: 0 })
    }
}

/// `text` as one line: line breaks written `\n`, at most 500 characters.
fn one_line(text: &str) -> String {
    let flat = text.replace("\r\n", "\\n").replace(['\n', '\r'], "\\n");
    match flat.char_indices().nth(500) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// The digests and HMACs behind `CryptoJS` and JetBrains' `crypto`:
/// `(algorithm, data as hex[, key as hex])` → the digest as hex.
fn native_digest(
    alg: String,
    data: String,
    key: rquickjs::function::Opt<String>,
) -> rquickjs::Result<String> {
    use hmac::{Hmac, Mac};
    use sha2::Digest;
    let bad = |what: &str| rquickjs::Error::new_from_js_message("string", "bytes", what.to_owned());
    let data = hex::decode(&data).map_err(|_| bad("data is not hex"))?;
    macro_rules! both {
        ($h:ty) => {
            match &key.0 {
                None => Ok(hex::encode(<$h>::digest(&data))),
                Some(k) => {
                    let k = hex::decode(k).map_err(|_| bad("key is not hex"))?;
                    let mut m =
                        <Hmac<$h> as Mac>::new_from_slice(&k).map_err(|_| bad("key rejected"))?;
                    m.update(&data);
                    Ok(hex::encode(m.finalize().into_bytes()))
                }
            }
        };
    }
    match alg.as_str() {
        "md5" => both!(md5::Md5),
        "sha1" => both!(sha1::Sha1),
        "sha224" => both!(sha2::Sha224),
        "sha256" => both!(sha2::Sha256),
        "sha384" => both!(sha2::Sha384),
        "sha512" => both!(sha2::Sha512),
        _ => Err(bad("unknown digest")),
    }
}

/// Runs one script to its end or to a cap.
///
/// Each thread keeps one runtime and one context, with the API parsed
/// once; each script gets a fresh API (`client`, `request`, `response`,
/// `pm`) and runs in a function scope of its own, so its declarations do
/// not outlive it. The context is replaced after any error and every
/// [`REUSE`] scripts.
pub fn run(job: &ScriptJob) -> ScriptOutcome {
    thread_local! {
        static WARM: std::cell::RefCell<Option<Warm>> = const { std::cell::RefCell::new(None) };
    }
    WARM.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Warm::new();
        }
        let Some(warm) = slot.as_mut() else {
            return ScriptOutcome {
                error: Some(format!("{}: the script engine could not start", job.origin)),
                ..ScriptOutcome::default()
            };
        };
        warm.used += 1;
        let mut outcome = run_in(warm, job);
        // One line, whatever the script threw (a message with line breaks,
        // a megabyte of text).
        if let Some(e) = outcome.error.as_mut() {
            *e = one_line(e);
        }
        if outcome.error.is_some() || warm.used >= REUSE {
            *slot = None;
        }
        outcome
    })
}

fn run_in(warm: &Warm, job: &ScriptJob) -> ScriptOutcome {
    let fail = |error: String| ScriptOutcome {
        error: Some(error),
        ..ScriptOutcome::default()
    };
    let at = |line: Option<usize>| match line {
        Some(l) => format!("{}:{}", job.origin, job.first_line.max(1) + l - 1),
        None => job.origin.clone(),
    };
    let rt = &warm.rt;
    rt.run_gc();
    rt.set_memory_limit(job.limits.memory);
    rt.set_max_stack_size(512 << 10);
    let deadline = Instant::now() + job.limits.time;
    rt.set_interrupt_handler(Some(Box::new(move || Instant::now() >= deadline)));
    let secs = job.limits.time.as_secs_f64();
    let mib = job.limits.memory >> 20;
    warm.ctx.with(|ctx| {
        // Postman's API, and its legacy sandbox's globals.
        let postman = [
            "pm.",
            "postman.",
            "tests[",
            "responseBody",
            "responseCode",
            "responseHeaders",
            "environment.",
            "globals.",
        ]
        .iter()
        .any(|w| job.code.contains(w));
        // Bruno's API (it needs pm's chai for `expect`).
        let bruno = ["bru.", "req.", "res."]
            .iter()
            .any(|w| job.code.contains(w));
        let g = ctx.globals();
        let prepared = g
            .get::<_, rquickjs::Function>("__make")
            .and_then(|f| f.call::<_, ()>((input(job),)))
            .and_then(|()| {
                if postman || bruno {
                    g.get::<_, rquickjs::Function>("__makePm")
                        .and_then(|f| f.call::<_, ()>(()))
                } else {
                    Ok(())
                }
            })
            .and_then(|()| {
                if bruno {
                    g.get::<_, rquickjs::Function>("__makeBru")
                        .and_then(|f| f.call::<_, ()>(()))
                } else {
                    Ok(())
                }
            })
            .and_then(|()| g.remove("__api"));
        if let Err(e) = prepared {
            let why = match e {
                rquickjs::Error::Exception => ctx
                    .catch()
                    .as_exception()
                    .and_then(rquickjs::Exception::message)
                    .unwrap_or_default(),
                e => e.to_string(),
            };
            return fail(format!(
                "{}: the script API could not be set up: {why}",
                job.origin
            ));
        }
        // (On the code's first line: line numbers stay the file's.)
        let code = format!("(function () {{{}\n}})();", job.code);
        let ran = ctx.eval::<(), _>(code.as_str()).catch(&ctx);
        let error = match ran {
            Ok(()) => None,
            Err(CaughtError::Exception(e)) => {
                let message = e.message().unwrap_or_default();
                let line = e.stack().as_deref().and_then(line_of);
                Some(if Instant::now() >= deadline {
                    format!("{}: stopped after {secs} s (the time cap)", at(line))
                } else if message.contains("out of memory") {
                    format!("{}: stopped at {mib} MiB (the memory cap)", at(line))
                } else if message == "stack overflow" || message.contains("stack overflow") {
                    format!("{}: stack overflow (recursion too deep)", at(line))
                } else {
                    let kind = e
                        .get::<_, String>("name")
                        .ok()
                        .filter(|k| !k.is_empty())
                        .unwrap_or_else(|| "Error".into());
                    format!("{}: {kind}: {message}", at(line))
                })
            }
            Err(CaughtError::Value(v)) => {
                let is_exit = ctx
                    .globals()
                    .get::<_, rquickjs::Value>("__exit")
                    .is_ok_and(|x| x == v);
                if is_exit {
                    None
                } else if Instant::now() >= deadline {
                    Some(format!(
                        "{}: stopped after {secs} s (the time cap)",
                        at(None)
                    ))
                } else {
                    let shown = v
                        .as_string()
                        .and_then(|s| s.to_string().ok())
                        .unwrap_or_else(|| format!("{:?}", v.type_of()));
                    Some(format!("{}: uncaught {shown}", at(None)))
                }
            }
            Err(CaughtError::Error(e)) => Some(if Instant::now() >= deadline {
                format!("{}: stopped after {secs} s (the time cap)", at(None))
            } else {
                format!("{}: {e}", at(None))
            }),
        };
        // What it did up to where it stopped (an error keeps the values
        // and tests set before it).
        let result: Option<String> = ctx
            .globals()
            .get::<_, rquickjs::Function>("__result")
            .and_then(|f| f.call(()))
            .ok();
        let mut outcome = result
            .and_then(|r| serde_json::from_str::<Value>(&r).ok())
            .map(|v| outcome_of(&v))
            .unwrap_or_default();
        if outcome.error.is_none() {
            outcome.error = error;
        }
        if job.phase == Phase::Pre && !outcome.tests.is_empty() {
            // (JetBrains: tests belong to response handlers; kept anyway.)
        }
        outcome
    })
}

/// Where the script API's own lines start (prelude.js, pm.js and bru.js
/// are evaluated this many lines down; a script is far shorter).
const API_LINES: usize = 1_000_000;

/// The line of the script's own code in a QuickJS stack (`at <eval>
/// (eval_script:3)`): the innermost frame that is not the API's (an
/// error the API throws — a call the sandbox lacks, a failed
/// `pm.expect` — names the script's line that called it).
fn line_of(stack: &str) -> Option<usize> {
    stack.lines().find_map(|l| {
        let at = l.find("eval_script:")? + "eval_script:".len();
        let digits: String = l[at..].chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok().filter(|n| *n < API_LINES)
    })
}

fn outcome_of(v: &Value) -> ScriptOutcome {
    let strs = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let list = |k: &str| {
        v.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let globals = list("globals")
        .iter()
        .filter_map(|c| {
            let c = strs(c);
            match c.first().map(String::as_str) {
                Some("set") if c.len() == 3 => Some(GlobalChange::Set(c[1].clone(), c[2].clone())),
                Some("clear") if c.len() >= 2 => Some(GlobalChange::Clear(c[1].clone())),
                Some("clearAll") => Some(GlobalChange::ClearAll),
                Some("collection") if c.len() == 3 => {
                    Some(GlobalChange::SetCollection(c[1].clone(), c[2].clone()))
                }
                Some("uncollection") if c.len() >= 2 => {
                    Some(GlobalChange::ClearCollection(c[1].clone()))
                }
                Some("global") if c.len() == 3 => {
                    Some(GlobalChange::SetGlobal(c[1].clone(), c[2].clone()))
                }
                Some("unglobal") if c.len() >= 2 => Some(GlobalChange::ClearGlobal(c[1].clone())),
                Some("hide") if c.len() >= 2 => Some(GlobalChange::HideEnv(c[1].clone())),
                _ => None,
            }
        })
        .collect();
    let request_vars = list("request_vars")
        .iter()
        .filter_map(|p| {
            let p = strs(p);
            (p.len() == 2).then(|| (p[0].clone(), p[1].clone()))
        })
        .collect();
    let tests = list("tests")
        .iter()
        .map(|t| ScriptTest {
            name: t
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            failure: t.get("failure").and_then(Value::as_str).map(str::to_owned),
            line: None,
        })
        .collect();
    let edits = list("edits")
        .iter()
        .filter_map(|e| {
            let e = strs(e);
            Some(match (e.first().map(String::as_str), e.len()) {
                (Some("header"), 3) => RequestEdit::Header(e[1].clone(), e[2].clone()),
                (Some("unset"), 2) => RequestEdit::RemoveHeader(e[1].clone()),
                (Some("add"), 3) => RequestEdit::AddHeader(e[1].clone(), e[2].clone()),
                (Some("body"), 2) => RequestEdit::Body(e[1].clone()),
                (Some("url"), 2) => RequestEdit::Url(e[1].clone()),
                (Some("method"), 2) => RequestEdit::Method(e[1].clone()),
                _ => return None,
            })
        })
        .collect();
    ScriptOutcome {
        edits,
        globals,
        request_vars,
        tests,
        logs: strs(v.get("logs").unwrap_or(&Value::Null)),
        error: None,
        exited: v.get("exited").and_then(Value::as_bool).unwrap_or(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apiscope_core::collection::script::{Limits, ScriptRequest, ScriptResponse};
    use apiscope_core::model::Headers;
    use std::time::Duration;

    fn job(code: &str, body: &str) -> ScriptJob {
        ScriptJob {
            phase: Phase::Response,
            code: code.into(),
            origin: "api.http".into(),
            first_line: 10,
            request_name: "login".into(),
            globals: vec![("old".into(), "1".into())],
            request_vars: Vec::new(),
            environment: vec![("host".into(), "https://a.test".into())],
            request: ScriptRequest {
                method: "POST".into(),
                url: "https://a.test/login".into(),
                headers: Headers::new(),
                body: String::new(),
            },
            response: Some(ScriptResponse {
                status: 200,
                headers: Headers(vec![
                    (
                        "Content-Type".into(),
                        "application/json; charset=utf-8".into(),
                    ),
                    ("X-Id".into(), "a".into()),
                    ("x-id".into(), "b".into()),
                ]),
                body: body.as_bytes().to_vec(),
            }),
            limits: Limits {
                memory: 16 << 20,
                time: Duration::from_millis(300),
            },
        }
    }

    #[test]
    fn the_login_pattern_sets_a_global() {
        let o = run(&job(
            r#"client.global.set("auth_token", response.body.token);
               client.log("status", response.status, response.contentType.mimeType, response.contentType.charset);
               client.log(response.headers.valueOf("x-ID"), response.headers.valuesOf("X-Id").length);
               client.log(client.global.get("old"), request.environment.get("host"), client.global.get("nope"));"#,
            r#"{"token":"tok_fake_123"}"#,
        ));
        assert_eq!(o.error, None);
        assert_eq!(
            o.globals,
            [GlobalChange::Set(
                "auth_token".into(),
                "tok_fake_123".into()
            )]
        );
        assert_eq!(
            o.logs,
            [
                "status 200 application/json utf-8",
                "a 2",
                "1 https://a.test null"
            ]
        );
    }

    #[test]
    fn a_scripts_declarations_do_not_outlive_it() {
        let first = run(&job(
            "var leaked = 1; function f() {} client.log(typeof leaked)",
            "{}",
        ));
        assert_eq!(first.logs, ["number"]);
        let second = run(&job(
            "client.log(typeof leaked, typeof f, typeof response, client.global.get('old'))",
            "{}",
        ));
        assert_eq!(second.logs, ["undefined undefined object 1"]);
        // A pre-request script sees no response, even after a handler ran.
        let mut pre = job("client.log(typeof response, typeof pm)", "");
        pre.phase = Phase::Pre;
        pre.response = None;
        assert_eq!(run(&pre).logs, ["undefined undefined"]);
    }

    #[test]
    fn tests_and_asserts() {
        let o = run(&job(
            r#"client.test("ok", function () { client.assert(response.status === 200, "status"); });
               client.test("bad", () => { client.assert(response.body.n === 2, "n is " + response.body.n); });
               client.test("throws", () => { null.x; });
               client.assert(false, "outside");"#,
            r#"{"n":1}"#,
        ));
        assert_eq!(o.error, None);
        let t: Vec<(&str, Option<&str>)> = o
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.failure.as_deref()))
            .collect();
        assert_eq!(t[0], ("ok", None));
        assert_eq!(t[1], ("bad", Some("n is 1")));
        assert_eq!(t[2].0, "throws");
        assert!(t[2].1.is_some_and(|m| m.contains("null")), "{t:?}");
        assert_eq!(t[3], ("outside", Some("outside")));
    }

    #[test]
    fn exceptions_name_the_files_line_and_keep_what_was_done() {
        let o = run(&job(
            "client.global.set('a', 1);\n\nundefinedThing();\nclient.global.set('b', 2);",
            "{}",
        ));
        let e = o.error.expect("an error");
        assert!(e.starts_with("api.http:12: ReferenceError:"), "{e}");
        assert_eq!(o.globals, [GlobalChange::Set("a".into(), "1".into())]);
    }

    /// An error the API throws (a call the sandbox lacks, a failed
    /// `client.assert`) names the script's line that made the call, not
    /// the API's own.
    #[test]
    fn errors_thrown_by_the_api_name_the_scripts_line() {
        for (code, kind) in [
            (
                "client.global.set('a', 1);\n\nsetTimeout(() => 1, 1);",
                "Error",
            ),
            ("\n\nrequire('fs');", "Error"),
            ("// a comment\n\npm.expect(1).to.equal(2);", ""),
        ] {
            let o = run(&job(code, "{}"));
            let e = o.error.expect("an error");
            assert!(
                e.starts_with(&format!("api.http:12: {kind}")),
                "{code}: {e}"
            );
        }
    }

    #[test]
    fn caps_and_the_sandbox() {
        let forever = run(&job("while (true) {}", "{}"));
        assert!(
            forever
                .error
                .as_deref()
                .is_some_and(|e| e.contains("time cap")),
            "{forever:?}"
        );
        let hog = run(&job(
            "let a = []; while (true) { a.push('x'.repeat(1 << 20) + a.length); }",
            "{}",
        ));
        assert!(
            hog.error
                .as_deref()
                .is_some_and(|e| e.contains("memory cap") || e.contains("time cap")),
            "{hog:?}"
        );
        let deep = run(&job("function f() { return f() + 1; } f();", "{}"));
        assert!(deep.error.is_some(), "{deep:?}");
        for call in [
            "require('fs')",
            "setTimeout(() => 1, 1)",
            "fetch('http://a.test')",
        ] {
            let o = run(&job(call, "{}"));
            assert!(
                o.error
                    .as_deref()
                    .is_some_and(|e| e.contains("not available")),
                "{call}: {o:?}"
            );
        }
        let exit = run(&job(
            "client.global.set('x', 'y'); client.exit(); client.global.set('z', 1)",
            "{}",
        ));
        assert_eq!(exit.error, None);
        assert!(exit.exited);
        assert_eq!(exit.globals.len(), 1);
        let thrown = run(&job("throw 'plain'", "{}"));
        assert!(thrown.error.as_deref().is_some_and(|e| e.contains("plain")));
        let syntax = run(&job("client.global.set(", "{}"));
        assert!(
            syntax
                .error
                .as_deref()
                .is_some_and(|e| e.contains("SyntaxError")),
            "{syntax:?}"
        );
    }

    /// Bruno's API: runtime variables (a number stays a number for the
    /// next script), the environment, the request's edits, the response,
    /// tests with chai's expect; what the sandbox lacks is one line.
    #[test]
    fn bruno_scripts_run_with_bru_req_and_res() {
        let o = run(&job(
            r#"
            bru.setVar("n", 1);
            bru.setVar("token", res.body.token);
            req.setHeader("X-Tenant", bru.getEnvVar("host").toUpperCase());
            req.setBody({ a: 1, b: [true] });
            req.deleteHeader("x-old");
            test("status", function () { expect(res.status).to.equal(200); expect(res.getHeader("x-id")).to.equal("a"); });
            test("fails", () => expect(res.getStatus()).to.equal(201));
            "#,
            r#"{"token":"t_1"}"#,
        ));
        assert_eq!(o.error, None);
        assert_eq!(
            o.globals,
            [
                GlobalChange::Set("n".into(), "1".into()),
                GlobalChange::Set("token".into(), "t_1".into())
            ]
        );
        assert_eq!(
            o.edits,
            [
                RequestEdit::Header("X-Tenant".into(), "HTTPS://A.TEST".into()),
                RequestEdit::Body(r#"{"a":1,"b":[true]}"#.into()),
                RequestEdit::RemoveHeader("x-old".into())
            ]
        );
        assert_eq!(o.tests.len(), 2);
        assert_eq!(o.tests[0].failure, None);
        assert!(o.tests[1].failure.is_some());
        // The next script (same thread) reads 1 back as a number.
        let mut next = job(r#"bru.setVar("n", bru.getVar("n") + 1);"#, "{}");
        next.globals = vec![("n".into(), "1".into())];
        assert_eq!(
            run(&next).globals,
            [GlobalChange::Set("n".into(), "2".into())]
        );
        // A value the run changed since is read as it is now.
        let mut next = job(r#"bru.setVar("m", bru.getVar("n") + 1);"#, "{}");
        next.globals = vec![("n".into(), "5".into())];
        assert_eq!(
            run(&next).globals,
            [GlobalChange::Set("m".into(), "51".into())]
        );
        let o = run(&job("bru.sleep(10)", "{}"));
        assert!(
            o.error.as_deref().is_some_and(|e| e.contains("bru.sleep")),
            "{:?}",
            o.error
        );
    }

    /// A chai word the subset lacks names itself (not "cannot read
    /// property of undefined").
    #[test]
    fn a_chai_word_apiscope_lacks_is_named() {
        let o = run(&job(
            "\npm.expect([1]).to.have.ordered.deep.frobnicated([1]);",
            "{}",
        ));
        let e = o.error.expect("an error");
        assert!(
            e.contains(":11: Error: pm.expect(…).frobnicated is not in apiscope's chai subset"),
            "{e}"
        );
    }

    #[test]
    fn postman_scripts_run_with_pm() {
        let o = run(&job(
            r#"
            pm.test("status", () => pm.response.to.have.status(200));
            pm.test("not 404", () => pm.response.to.not.have.status(404));
            pm.test("json", () => {
                const j = pm.response.json();
                pm.expect(j.token).to.be.a("string");
                pm.expect(j).to.have.property("token");
                pm.expect(j.items).to.eql([1, 2]);
                pm.expect(j.items).to.include(2);
                pm.expect(j.items.length).to.be.above(1).and.below(3);
                pm.expect(j.token).to.not.equal("x");
            });
            pm.test("fails", () => pm.expect(pm.response.json().items).to.have.lengthOf(3));
            pm.environment.set("token", pm.response.json().token);
            pm.collectionVariables.set("n", 2);
            client.log(pm.environment.get("host"), pm.info.requestName, pm.response.headers.get("x-id"), pm.response.code, pm.response.status);
            "#,
            r#"{"token":"t_1","items":[1,2]}"#,
        ));
        assert_eq!(o.error, None);
        let t: Vec<(&str, Option<&str>)> = o
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.failure.as_deref()))
            .collect();
        assert_eq!(t[0], ("status", None));
        assert_eq!(t[1], ("not 404", None));
        assert_eq!(t[2], ("json", None));
        assert_eq!(t[3].0, "fails");
        assert!(t[3].1.is_some_and(|m| m.contains("length 3")), "{t:?}");
        // (A collection variable ranks below the environment: its scope
        // goes along.)
        assert_eq!(
            o.globals,
            [
                GlobalChange::Set("token".into(), "t_1".into()),
                GlobalChange::SetCollection("n".into(), "2".into())
            ]
        );
        assert_eq!(o.logs, ["https://a.test login a 200 OK"]);
        let o = run(&job("pm.sendRequest('http://x.test', () => {})", "{}"));
        assert!(
            o.error
                .as_deref()
                .is_some_and(|e| e.contains("pm.sendRequest is not available")),
            "{o:?}"
        );
        let o = run(&job("CryptoJS.AES.encrypt('x', 'k')", "{}"));
        assert!(
            o.error
                .as_deref()
                .is_some_and(|e| e.contains("CryptoJS.AES")),
            "{o:?}"
        );
    }

    /// Digests and HMACs as CryptoJS and JetBrains' `crypto` give them
    /// (the expected values from `openssl dgst` / RFC 4231 case 2).
    #[test]
    fn crypto_digests_and_hmacs() {
        let o = run(&job(
            r#"client.log(CryptoJS.SHA256("abc").toString());
               client.log(CryptoJS.MD5("abc").toString(), CryptoJS.SHA1("abc").toString());
               client.log(CryptoJS.HmacSHA256("what do ya want for nothing?", "Jefe").toString());
               client.log(CryptoJS.enc.Base64.stringify(CryptoJS.HmacSHA256("what do ya want for nothing?", "Jefe")));
               client.log(CryptoJS.SHA256(CryptoJS.enc.Utf8.parse("é漢😀")).toString(CryptoJS.enc.Hex));
               client.log(CryptoJS.enc.Utf8.stringify(CryptoJS.enc.Base64.parse(CryptoJS.enc.Base64.stringify(CryptoJS.enc.Utf8.parse("é漢😀")))));
               client.log(btoa("hi\u00ff"), atob(btoa("hi\u00ff")) === "hi\u00ff");
               client.log(crypto.hmac.sha256().withTextSecret("Jefe").updateWithText("what do ya want ").updateWithText("for nothing?").digest().toHex());
               client.log(crypto.sha512().updateWithText("abc").digest().toBase64().slice(0, 12));"#,
            "{}",
        ));
        assert_eq!(o.error, None);
        assert_eq!(
            o.logs,
            [
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                "900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=",
                "3ea0588400cb4af7b15d0edd7dc2fe1e359a94ab6822abe8c535f4281f330a20",
                "é漢😀",
                "aGn/ true",
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                "3a81oZNherrM",
            ]
        );
    }

    /// A small deterministic generator (no dependency): strings that
    /// stress the bridge — quotes, backslashes, control characters,
    /// surrogates' neighbours, `{{`, `%}`, `</script>`, long runs.
    struct Gen(u64);
    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn text(&mut self) -> String {
            const PIECES: &[&str] = &[
                "a",
                "Z",
                "0",
                " ",
                "\"",
                "'",
                "`",
                "\\",
                "\n",
                "\r\n",
                "\t",
                "\u{0}",
                "\u{7f}",
                "é",
                "漢",
                "😀",
                "\u{fffd}",
                "\u{2028}",
                "{{x}}",
                "%}",
                "</script>",
                "${a}",
                "null",
                "undefined",
                "[",
                "{",
                "]",
                "}",
            ];
            let n = (self.next() % 12) as usize;
            let mut s = String::new();
            for _ in 0..n {
                s.push_str(PIECES[(self.next() % PIECES.len() as u64) as usize]);
            }
            if self.next().is_multiple_of(50) {
                s.push_str(&"x".repeat(70_000));
            }
            s
        }
        fn json(&mut self, depth: usize) -> serde_json::Value {
            match self.next() % if depth > 3 { 4 } else { 6 } {
                0 => Value::Null,
                1 => Value::Bool(self.next().is_multiple_of(2)),
                2 => Value::from((self.next() % 2_000_000) as i64 - 1_000_000),
                3 => Value::String(self.text()),
                4 => Value::Array((0..self.next() % 4).map(|_| self.json(depth + 1)).collect()),
                _ => Value::Object(
                    (0..self.next() % 4)
                        .map(|_| (self.text(), self.json(depth + 1)))
                        .collect(),
                ),
            }
        }
    }

    /// Values in and out of the bridge come back exactly: globals,
    /// environment, request variables, headers and a JSON body (a fuzz
    /// target for the bridge, bounded: 300 cases, a fixed seed).
    #[test]
    fn values_cross_the_bridge_unchanged() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        for case in 0..300 {
            let (k, v, e, h, b) = (g.text(), g.text(), g.text(), g.text(), g.json(0));
            let mut j = job(
                r#"client.global.set("g", client.global.get(Object.keys(globalThis.__keys)[0]));
                   client.global.set("e", request.environment.get(__keys.e));
                   client.global.set("h", response.headers.valueOf("x-echo"));
                   client.global.set("b", JSON.stringify(response.body));
                   request.variables.set(__keys.e, client.global.get("g"));"#,
                &serde_json::to_string(&b).unwrap(),
            );
            // (The names reach the script as data, never as code.)
            let keys = serde_json::json!({ k.clone(): 1, "e": e.clone() }).to_string();
            j.code = format!("globalThis.__keys = {keys};\n{}", j.code);
            j.globals = vec![(k.clone(), v.clone())];
            j.environment = vec![(e.clone(), v.clone())];
            j.response.as_mut().unwrap().headers = Headers(vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Echo".into(), h.clone()),
            ]);
            j.limits.time = Duration::from_secs(5);
            let o = run(&j);
            assert_eq!(o.error, None, "case {case}: {k:?} {v:?} {e:?}");
            let got = |name: &str| {
                o.globals.iter().find_map(|c| match c {
                    GlobalChange::Set(n, v) if n == name => Some(v.clone()),
                    _ => None,
                })
            };
            // (The object's first key is `k` unless `k` is "e"; then both
            // name the same entry.)
            if k != "e" {
                assert_eq!(got("g").as_deref(), Some(v.as_str()), "case {case}");
            }
            assert_eq!(got("e").as_deref(), Some(v.as_str()), "case {case}");
            assert_eq!(got("h").as_deref(), Some(h.as_str()), "case {case}");
            let back: Value = serde_json::from_str(&got("b").unwrap()).unwrap();
            assert_eq!(back, b, "case {case}");
            assert_eq!(o.request_vars.len(), 1, "case {case}");
        }
    }

    #[test]
    fn the_legacy_postman_sandbox_still_runs() {
        let o = run(&job(
            r#"tests["status is 200"] = responseCode.code === 200;
               tests["has token"] = JSON.parse(responseBody).token === "t";
               tests["host known"] = environment.host === "https://a.test";
               postman.setEnvironmentVariable("seen", responseHeaders["x-id"]);"#,
            r#"{"token":"t"}"#,
        ));
        assert_eq!(o.error, None);
        let t: Vec<(&str, Option<&str>)> = o
            .tests
            .iter()
            .map(|t| (t.name.as_str(), t.failure.as_deref()))
            .collect();
        assert_eq!(
            t,
            [
                ("status is 200", None),
                ("has token", None),
                ("host known", None)
            ]
        );
        assert_eq!(o.globals, [GlobalChange::Set("seen".into(), "a".into())]);
        // The next script, JetBrains-style, sees none of it.
        // (Named so as not to ask for the Postman API.)
        let o = run(&job(
            "client.log(['tes' + 'ts', 'response' + 'Body'].map((k) => typeof globalThis[k]).join(' '))",
            "{}",
        ));
        assert_eq!(o.logs, ["undefined undefined"]);
    }

    #[test]
    fn a_pre_request_script_sets_request_variables() {
        let mut j = job(
            "request.variables.set('ts', '123'); request.variables.set('sig', request.url.tryGetSubstituted());",
            "",
        );
        j.phase = Phase::Pre;
        j.response = None;
        j.request.url = "{{host}}/x".into();
        let o = run(&j);
        assert_eq!(o.error, None);
        assert_eq!(
            o.request_vars,
            [
                ("ts".to_owned(), "123".to_owned()),
                ("sig".to_owned(), "https://a.test/x".to_owned())
            ]
        );
        let o = run(&{
            let mut j = j.clone();
            j.code = "response.status".into();
            j
        });
        assert!(
            o.error.as_deref().is_some_and(|e| e.contains("response")),
            "{o:?}"
        );
    }
}
