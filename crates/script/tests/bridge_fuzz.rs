//! The script bridge under the fuzz harness (`apiscope-fuzz`'s mutator,
//! seeds in `fuzz/corpus/script_bridge/`): values in and out. Each input
//! is split at `\x1f` into a variable's name and value, a response body, a
//! header value, and code. Twice per input:
//! - a fixed script reads each value through the API and sets it back:
//!   what comes out is what went in, byte for byte (no value is lost,
//!   truncated, re-encoded or evaluated);
//! - the code itself runs (tight caps): whatever it is, it ends with its
//!   outcome and at most one error line, and never panics.
//!
//! It lives here, not in `fuzz/`, so the fuzz crate does not build the
//! engine; it is bounded by count (`APISCOPE_FUZZ_RUNS`, default 1,500).

use apiscope_core::collection::script::{
    GlobalChange, Limits, Phase, ScriptJob, ScriptRequest, ScriptResponse,
};
use apiscope_core::model::Headers;
use std::time::Duration;

fn job(
    code: String,
    name: &str,
    value: &str,
    body: &str,
    header: &str,
    limits: Limits,
) -> ScriptJob {
    ScriptJob {
        phase: Phase::Response,
        code,
        origin: "fuzz.http".into(),
        first_line: 1,
        request_name: name.to_owned(),
        globals: vec![(name.to_owned(), value.to_owned())],
        request_vars: Vec::new(),
        environment: vec![(format!("env_{name}"), value.to_owned())],
        request: ScriptRequest {
            method: "GET".into(),
            url: "https://fuzz.test/".into(),
            headers: Headers::new(),
            body: body.to_owned(),
        },
        response: Some(ScriptResponse {
            status: 200,
            headers: Headers(vec![
                ("Content-Type".into(), "text/plain".into()),
                ("X-F".into(), header.to_owned()),
            ]),
            body: body.as_bytes().to_vec(),
        }),
        limits,
    }
}

fn bridge(input: &[u8]) {
    let text = String::from_utf8_lossy(input);
    let mut parts = text.split('\u{1f}');
    let mut next = || parts.next().unwrap_or("").to_owned();
    let (name, value, body, header, code) = (next(), next(), next(), next(), next());
    let lit = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let echo = format!(
        "client.global.set(\"g\", client.global.get({n}));\n\
         client.global.set(\"e\", request.environment.get({e}));\n\
         client.global.set(\"h\", response.headers.valueOf(\"X-F\"));\n\
         request.variables.set(\"b\", response.body);\n\
         client.global.set(\"r\", request.body.getRaw());",
        n = lit(&name),
        e = lit(&format!("env_{name}")),
    );
    let limits = Limits {
        memory: 16 << 20,
        time: Duration::from_millis(500),
    };
    let o = apiscope_script::run(&job(echo, &name, &value, &body, &header, limits));
    assert_eq!(o.error, None, "the echo script failed");
    let set = |k: &str| {
        o.globals.iter().find_map(|g| match g {
            GlobalChange::Set(n, v) if n == k => Some(v.clone()),
            _ => None,
        })
    };
    assert_eq!(set("g").as_deref(), Some(value.as_str()), "a global");
    assert_eq!(
        set("e").as_deref(),
        Some(value.as_str()),
        "an environment value"
    );
    // (A header value is what an HTTP client could receive: the bridge
    // passes it as it is.)
    assert_eq!(set("h").as_deref(), Some(header.as_str()), "a header");
    assert_eq!(set("r").as_deref(), Some(body.as_str()), "a request body");
    assert_eq!(
        o.request_vars,
        [("b".to_owned(), body.clone())],
        "a text response body"
    );
    // Any code at all: an outcome, one error line at most.
    let tight = Limits {
        memory: 8 << 20,
        time: Duration::from_millis(50),
    };
    let o = apiscope_script::run(&job(code, &name, &value, &body, &header, tight));
    if let Some(e) = &o.error {
        assert!(!e.contains('\n'), "an error of more than one line: {e:?}");
    }
}

#[test]
fn values_cross_the_bridge_unchanged_under_mutation() {
    let target = apiscope_fuzz::Target {
        name: "script_bridge",
        run: bridge,
        dictionary: &[
            "\u{1f}",
            "\"",
            "\\",
            "\\u0000",
            "${",
            "{{",
            "}}",
            "client.global.set(\"x\", ",
            "pm.environment.set(\"x\", ",
            "bru.setVar(\"x\", ",
            "response.body",
            "JSON.parse(",
            "while(true){}",
            "new Array(1e9)",
            "throw ",
            "\u{2028}",
            "\u{fffd}",
            "__proto__",
        ],
    };
    assert!(apiscope_fuzz::seeds("script_bridge").len() >= 3);
    let runs = std::env::var("APISCOPE_FUZZ_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_500);
    match apiscope_fuzz::run(&target, Duration::from_secs(300), runs, 20_261_207) {
        Ok(stats) => assert!(stats.runs > 0),
        Err(c) => panic!(
            "{}: {} — input saved to {}",
            c.target,
            c.message,
            c.saved.display()
        ),
    }
}
