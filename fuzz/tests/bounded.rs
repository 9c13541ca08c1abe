//! Every fuzz target, bounded by a count, not a clock: its whole corpus,
//! then `APISCOPE_FUZZ_RUNS` inputs in all (default 1,500; CI runs 4,000 more
//! under an address-space limit) from a fixed
//! seed (`APISCOPE_FUZZ_SEED`), so a CI run tries the same inputs on a
//! fast machine and a slow one and a failure reproduces.
//! `APISCOPE_FUZZ_SECS` (default 300) is only a safety stop. Longer runs:
//! `cargo run -p apiscope-fuzz --release`.

use std::time::Duration;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz(name: &str) {
    let target = apiscope_fuzz::TARGETS
        .iter()
        .find(|t| t.name == name)
        .expect("a target of that name");
    assert!(
        apiscope_fuzz::seeds(name).len() >= 3,
        "fuzz/corpus/{name} needs seeds"
    );
    let secs = env("APISCOPE_FUZZ_SECS", 300);
    let runs = env("APISCOPE_FUZZ_RUNS", 1_500);
    let seed = env("APISCOPE_FUZZ_SEED", 20_261_128);
    match apiscope_fuzz::run(target, Duration::from_secs(secs), runs, seed) {
        Ok(stats) => assert!(stats.runs > 0),
        Err(c) => panic!(
            "{}: {} — input saved to {}",
            c.target,
            c.message,
            c.saved.display()
        ),
    }
}

#[test]
fn raw_http() {
    fuzz("raw_http");
}

#[test]
fn har() {
    fuzz("har");
}

#[test]
fn session() {
    fuzz("session");
}

#[test]
fn curl() {
    fuzz("curl");
}

#[test]
fn link() {
    fuzz("link");
}

#[test]
fn ratelimit() {
    fuzz("ratelimit");
}

#[test]
fn profile() {
    fuzz("profile");
}

#[test]
fn redact() {
    fuzz("redact");
}

#[test]
fn http_file() {
    fuzz("http_file");
}

#[test]
fn env_file() {
    fuzz("env_file");
}

#[test]
fn import_postman() {
    fuzz("import_postman");
}

#[test]
fn import_requests() {
    fuzz("import_requests");
}

#[test]
fn import_insomnia() {
    fuzz("import_insomnia");
}

#[test]
fn import_bruno() {
    fuzz("import_bruno");
}

#[test]
fn import_openapi() {
    fuzz("import_openapi");
}
