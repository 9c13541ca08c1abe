//! In-process cost of one script (`cargo run --release -p apiscope-script --example overhead`).
use apiscope_core::collection::script::{Limits, Phase, ScriptJob, ScriptRequest, ScriptResponse};
use apiscope_core::model::Headers;
use std::time::Instant;

fn main() {
    let job = ScriptJob {
        phase: Phase::Response,
        code: "client.global.set('last', String(response.status)); client.test('ok', () => client.assert(response.status < 400));".into(),
        origin: "api.http".into(),
        first_line: 1,
        request_name: "r".into(),
        globals: Vec::new(),
        request_vars: Vec::new(),
        environment: vec![("host".into(), "http://127.0.0.1".into())],
        request: ScriptRequest::default(),
        response: Some(ScriptResponse {
            status: 200,
            headers: Headers(vec![("Content-Type".into(), "application/json".into())]),
            body: br#"{"id": 1, "name": "item"}"#.to_vec(),
        }),
        limits: Limits::default(),
    };
    for _ in 0..20 {
        apiscope_script::run(&job);
    }
    let n = 1000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(apiscope_script::run(&job));
    }
    println!(
        "one response handler, in process: {:.0} µs",
        t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
    );
}
