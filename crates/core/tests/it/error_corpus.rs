//! The generic decoder against real error responses of public APIs, each
//! copied from the vendor's own documentation (the source URL is kept per
//! case in `fixtures/error_corpus.toml`): code, message, request id, field
//! errors and rate-limit state, scored per field.
//!
//! The test prints the score table (`cargo test -p apiscope-core --test
//! error_corpus -- --nocapture`) that the README quotes, and fails when a
//! field's rate falls below its floor or when a case listed as passing
//! regresses. A miss that is a deliberate choice is in `KNOWN` with its
//! reason.

use apiscope_core::decode::{self, Options, Profiles};
use apiscope_core::model::{Exchange, Headers, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct Corpus {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    vendor: String,
    source: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    expect: Expect,
}

#[derive(Deserialize, Default)]
struct Expect {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    fields: Option<BTreeMap<String, String>>,
    rate_limit: Option<BTreeMap<String, toml::Value>>,
}

/// Misses kept on purpose: (case id, field, why).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "field-nation-validation-error",
        "fields",
        "a one-step pointer (`/title`) is shown as the field it names (`title`), as for JSON:API",
    ),
    (
        "amadeus-oauth-invalid-client",
        "code",
        "an OAuth2 token error's code is its `error` (RFC 6749); the vendor's numeric `code` is kept as another code",
    ),
    (
        "nylas-token-invalid-request",
        "code",
        "an OAuth2 token error's code is its `error` (RFC 6749); `error_code` is kept as another code",
    ),
    (
        "launchdarkly-validation-failed",
        "fields",
        "the same message twice for one field is said once",
    ),
    (
        "xero-assets-field-validation",
        "message",
        "RFC 9457: `detail` explains this occurrence, so it wins over `title` even when it says less",
    ),
    (
        "zapier-jsonapi-bad-request",
        "fields",
        "JSON:API source pointers are shown as the field they end in (`first-name`), not the whole pointer",
    ),
    (
        "akamai-sandbox-property-search-failed-trailing-comma",
        "code",
        "the published example is not JSON (trailing comma): apiscope says so rather than guess",
    ),
    (
        "akamai-sandbox-property-search-failed-trailing-comma",
        "message",
        "idem",
    ),
    (
        "kraken-invalid-key",
        "code",
        "Kraken's `error` list holds sentences (`EAPI:Invalid key`): shown as the message; a sentence is not taken as a code",
    ),
    ("kraken-unknown-asset-pair", "code", "idem"),
    (
        "ringcentral-readcalllog-permission",
        "code",
        "the top-level errorCode (InsufficientPermissions) is taken; the per-item CMN-401 is not preferred over it",
    ),
    (
        "tiendanube-too-many-requests",
        "rate_limit",
        "X-Rate-Limit-Reset: 20000 is milliseconds for this vendor; nothing in the response tells it from seconds",
    ),
    (
        "vonage-verify-concurrent-conflict",
        "request_id",
        "a body member named request_id is taken over the problem's `instance`",
    ),
    (
        "akamai-sandbox-property-search-failed-trailing-comma",
        "request_id",
        "idem",
    ),
];

/// The dialects of the five documented vendors (shared/seeds/).
const SEED_DIALECTS: &[&str] = &["envelope", "aptly", "coded", "ittybit", "errors-array"];

/// The lowest rate each field may fall to, in per cent.
const FLOORS: &[(&str, f64)] = &[
    ("code", 97.0),
    ("message", 97.0),
    ("request_id", 97.0),
    ("fields", 97.0),
    ("rate_limit", 95.0),
];

/// The untouched split's floors: the same, but with 17 field cases one
/// deliberate miss (in `KNOWN`) is 5.9 points.
const UNTOUCHED_FLOORS: &[(&str, f64)] = &[
    ("code", 97.0),
    ("message", 97.0),
    ("request_id", 97.0),
    ("fields", 94.0),
    ("rate_limit", 95.0),
];

fn exchange(c: &Case) -> Exchange {
    let mut headers = Headers::new();
    for (n, v) in &c.headers {
        headers.push(n.clone(), v.clone());
    }
    Exchange {
        response: Response {
            status: Some(c.status),
            headers,
            body: c.body.trim_start_matches('\n').as_bytes().to_vec().into(),
            ..Response::default()
        },
        ..Exchange::default()
    }
}

/// The misses of one case: (field, what was expected, what was decoded).
fn misses(c: &Case, d: &decode::Diagnosis) -> Vec<(&'static str, String, String)> {
    let mut out = Vec::new();
    let e = d.error.clone().unwrap_or_default();
    let mut check = |field: &'static str, want: &Option<String>, got: &Option<String>| {
        // Leading and trailing spaces are not part of a message.
        if let Some(w) = want
            && got.as_deref().map(str::trim) != Some(w.trim())
        {
            out.push((field, w.clone(), format!("{got:?}")));
        }
    };
    check("code", &c.expect.code, &e.code);
    check("message", &c.expect.message, &e.message);
    check("request_id", &c.expect.request_id, &e.request_id);
    if let Some(want) = &c.expect.fields {
        let got: BTreeMap<String, String> = e.fields.iter().cloned().collect();
        if &got != want {
            out.push(("fields", format!("{want:?}"), format!("{got:?}")));
        }
    }
    if let Some(want) = &c.expect.rate_limit {
        let r = d.rate_limit.clone().unwrap_or_default();
        let mut bad = Vec::new();
        for (k, v) in want {
            let w = v
                .as_integer()
                .or_else(|| v.as_float().map(|f| f as i64))
                .unwrap_or(-1);
            let g = match k.as_str() {
                "limit" => r.limit.map(|x| x as i64),
                "remaining" => r.remaining.map(|x| x as i64),
                "reset_at" => r.reset_at,
                "retry_after_s" => r.retry_after_s.map(|x| x as i64),
                _ => None,
            };
            // apiscope rounds fractional waits and resets up (a retry
            // never comes early); the corpus truncates them (its reset_at
            // is stored whole, so one second up is always allowed there).
            let rounding = k == "reset_at"
                || (k == "retry_after_s" && v.as_float().is_some_and(|f| f.fract() != 0.0));
            let close = g.is_some_and(|g| g == w || rounding && g - w == 1);
            if !close {
                bad.push(format!("{k}: want {w}, got {g:?}"));
            }
        }
        if !bad.is_empty() {
            out.push(("rate_limit", bad.join(", "), String::new()));
        }
    }
    out
}

/// What scoring one split found.
struct Score {
    cases: usize,
    vendors: std::collections::BTreeSet<String>,
    /// Lines of the table, for the README.
    table: Vec<String>,
    /// Fields below their floor.
    below: Vec<String>,
    /// Every miss, one line each.
    report: Vec<String>,
    /// Misses not in `KNOWN`, and other failures (a seed dialect claimed,
    /// an error not seen).
    unexpected: Vec<String>,
}

fn score(text: &str, name: &str, floors: &[(&str, f64)]) -> Score {
    let corpus: Corpus = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let profiles = Profiles::built_in();
    let options = Options {
        dialect: None,
        now: Some(1_767_225_600),
    };
    let fields = ["code", "message", "request_id", "fields", "rate_limit"];
    let mut asked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut missed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Score {
        cases: corpus.case.len(),
        vendors: corpus.case.iter().map(|c| c.vendor.clone()).collect(),
        table: Vec::new(),
        below: Vec::new(),
        report: Vec::new(),
        unexpected: Vec::new(),
    };
    for c in &corpus.case {
        let d = decode::diagnose(&exchange(c), &profiles, &options);
        if !d.is_error() {
            out.unexpected
                .push(format!("{}: not decoded as an error", c.id));
        }
        // None of these APIs is one of the five documented vendors: a seed
        // dialect here would put another vendor's steps and limits on it.
        if SEED_DIALECTS.contains(&d.dialect.as_str()) {
            out.unexpected.push(format!(
                "{}: decoded as the seed vendor '{}' ({:?})",
                c.id, d.dialect, d.because
            ));
        }
        let e = &c.expect;
        for (f, present) in fields.iter().zip([
            e.code.is_some(),
            e.message.is_some(),
            e.request_id.is_some(),
            e.fields.is_some(),
            e.rate_limit.is_some(),
        ]) {
            if present {
                *asked.entry(f).or_default() += 1;
            }
        }
        for (field, want, got) in misses(c, &d) {
            *missed.entry(field).or_default() += 1;
            let line = format!(
                "{} [{field}] want {want} got {got} ({} / {})",
                c.id, d.dialect, c.source
            );
            if !KNOWN.iter().any(|(id, f, _)| *id == c.id && *f == field) {
                out.unexpected.push(line.clone());
            }
            out.report.push(line);
        }
    }
    for (f, floor) in floors {
        let n = asked.get(f).copied().unwrap_or(0);
        let ok = n - missed.get(f).copied().unwrap_or(0);
        let rate = 100.0 * ok as f64 / n.max(1) as f64;
        out.table
            .push(format!("  {f:<11} {ok:>3} / {n:<3} {rate:5.1} %"));
        if rate < *floor {
            out.below.push(format!("{f}: {rate:.1} % < {floor} %"));
        }
    }
    out
}

fn print(name: &str, s: &Score) {
    println!(
        "error corpus, {name}: {} cases from {} APIs",
        s.cases,
        s.vendors.len()
    );
    for line in &s.table {
        println!("{line}");
    }
    for line in &s.report {
        println!("  miss: {line}");
    }
}

/// The split apiscope was tuned on: every case here was read while the
/// decoder was written. `KNOWN` holds its deliberate misses.
#[test]
fn real_error_responses_of_public_apis_decode() {
    let s = score(
        include_str!("../fixtures/error_corpus.toml"),
        "tuned",
        FLOORS,
    );
    print("tuned split", &s);
    assert!(s.cases >= 300, "{} cases", s.cases);
    assert!(s.vendors.len() >= 100, "{} vendors", s.vendors.len());
    assert!(
        s.below.is_empty() && s.unexpected.is_empty(),
        "below floor: {:?}\nmisses not in KNOWN:\n{}",
        s.below,
        s.unexpected.join("\n")
    );
}

/// The split nobody tuned on: 100 responses of 25 APIs not in the tuned
/// split, collected by someone else and scored before anyone working on
/// the decoder read them. That first score, untouched, was code 63.0 %,
/// message 86.6 %, request id 61.9 %, fields 47.1 %, rate limit 93.8 %
/// (README). Its misses were then read and the shapes behind them (FHIR
/// OperationOutcome, Mailjet, PocketBase, Dropbox Sign, Conekta, …)
/// taught to the generic decoder: since then it is a regression guard
/// like the tuned split, and a new untouched split is the honest measure.
#[test]
fn the_untouched_split_scores_as_well() {
    let s = score(
        include_str!("../fixtures/error_corpus_untouched.toml"),
        "untouched",
        UNTOUCHED_FLOORS,
    );
    print("untouched split", &s);
    let tuned = score(
        include_str!("../fixtures/error_corpus.toml"),
        "tuned",
        FLOORS,
    );
    let shared: Vec<&String> = s.vendors.intersection(&tuned.vendors).collect();
    assert!(shared.is_empty(), "APIs in both splits: {shared:?}");
    assert!(
        s.cases + tuned.cases >= 500,
        "{} cases",
        s.cases + tuned.cases
    );
    assert!(
        s.vendors.len() + tuned.vendors.len() >= 160,
        "{} APIs",
        s.vendors.len() + tuned.vendors.len()
    );
    assert!(
        s.below.is_empty() && s.unexpected.is_empty(),
        "below floor: {:?}\nmisses not in KNOWN:\n{}",
        s.below,
        s.unexpected.join("\n")
    );
}

/// The fresh split's floors: 5 field cases, one a deliberate miss.
const FRESH_FLOORS: &[(&str, f64)] = &[
    ("code", 97.0),
    ("message", 97.0),
    ("request_id", 97.0),
    ("fields", 80.0),
    ("rate_limit", 95.0),
];

/// The split collected after the untouched one was opened: 38 responses
/// of 15 more APIs, scored before they were read. That first score was
/// code 100 %, message 94.6 %, request id 90.9 %, fields 60.0 %, rate
/// limit 100 % (README); its four misses were then read and fixed where
/// they were not a deliberate choice.
#[test]
fn the_fresh_split_scores() {
    let s = score(
        include_str!("../fixtures/error_corpus_fresh.toml"),
        "fresh",
        FRESH_FLOORS,
    );
    print("fresh split", &s);
    let others: std::collections::BTreeSet<String> = [
        include_str!("../fixtures/error_corpus.toml"),
        include_str!("../fixtures/error_corpus_untouched.toml"),
    ]
    .iter()
    .flat_map(|t| score(t, "other", FLOORS).vendors)
    .collect();
    let shared: Vec<&String> = s.vendors.intersection(&others).collect();
    assert!(shared.is_empty(), "APIs in two splits: {shared:?}");
    assert!(
        s.below.is_empty() && s.unexpected.is_empty(),
        "below floor: {:?}\nmisses not in KNOWN:\n{}",
        s.below,
        s.unexpected.join("\n")
    );
}
