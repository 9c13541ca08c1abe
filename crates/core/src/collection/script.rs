//! Scripts of a collection — JetBrains HTTP Client pre-request scripts
//! (`< {% … %}`) and response handlers (`> {% … %}`) — as the collection
//! run sees them: what goes in ([`ScriptJob`]), what comes out
//! ([`ScriptOutcome`]) and the engine that runs one ([`ScriptEngine`]).
//! The engine (JavaScript) lives outside the core, so the core's tests and
//! fuzzing never build it; the run decides when a script runs (only in a
//! trusted collection) and what its results change.
//!
//! Scripts are also read without running them: [`sets`] finds the
//! variables a script sets (`client.global.set("token", …)`), so a request
//! that uses `{{token}}` sends the one whose handler sets it first, as a
//! request that uses `{{login.response…}}` sends `login` first.

use crate::model::Headers;
use std::time::Duration;

/// When a script runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the request is resolved and sent (`< {% … %}`).
    Pre,
    /// After its response came back (`> {% … %}`).
    Response,
}

/// The caps every script runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most memory its heap may use.
    pub memory: usize,
    /// The most time it may run.
    pub time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 64 << 20,
            time: Duration::from_secs(2),
        }
    }
}

/// The request a script sees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptRequest {
    /// Its method.
    pub method: String,
    /// Its URL (resolved for a response handler; as written for a
    /// pre-request script).
    pub url: String,
    /// Its headers.
    pub headers: Headers,
    /// Its body, as text.
    pub body: String,
}

/// The response a handler sees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptResponse {
    /// The status code.
    pub status: u16,
    /// The headers.
    pub headers: Headers,
    /// The body (decoded), as the server sent it.
    pub body: Vec<u8>,
}

/// One script to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptJob {
    /// When it runs.
    pub phase: Phase,
    /// The code.
    pub code: String,
    /// Where it is, for messages: `api.http:14` or `handler.js`.
    pub origin: String,
    /// The line of `origin` its code starts on (a script's line 1 is this
    /// line of the file), so an error names the file's line.
    pub first_line: usize,
    /// The request's name, as the user picks it.
    pub request_name: String,
    /// `client.global` as the run has it.
    pub globals: Vec<(String, String)>,
    /// `request.variables` set so far (by a pre-request script).
    pub request_vars: Vec<(String, String)>,
    /// `request.environment`: the chosen environment's variables.
    pub environment: Vec<(String, String)>,
    /// The request.
    pub request: ScriptRequest,
    /// The response (handlers only).
    pub response: Option<ScriptResponse>,
    /// The caps it runs under.
    pub limits: Limits,
}

/// A change a script made to `client.global`, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobalChange {
    /// `client.global.set(name, value)`.
    Set(String, String),
    /// `client.global.clear(name)`.
    Clear(String),
    /// `client.global.clearAll()`.
    ClearAll,
    /// `pm.collectionVariables.set(name, value)`: below the environment,
    /// above the collection's own values (Postman's order).
    SetCollection(String, String),
    /// `pm.collectionVariables.unset(name)`.
    ClearCollection(String),
    /// `pm.globals.set(name, value)`: the lowest scope (Postman's order).
    SetGlobal(String, String),
    /// `pm.globals.unset(name)`.
    ClearGlobal(String),
    /// `pm.environment.unset(name)`: the environment's value hidden for
    /// the rest of the run (a lower scope's shows through).
    HideEnv(String),
}

/// One `client.test(name, fn)`: passed, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptTest {
    /// Its name.
    pub name: String,
    /// `None`: passed; else the failure's message.
    pub failure: Option<String>,
    /// Its line in the collection file, when it has one of its own (a
    /// `?? js` line); else the script's.
    pub line: Option<usize>,
}

/// A change a pre-request script made to its request (Bruno's
/// `req.setHeader`, `req.setBody`, …), applied once the request is
/// resolved, before the trust model looks at where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestEdit {
    /// A header set (every header of that name replaced).
    Header(String, String),
    /// A header added (those of that name kept: Postman's
    /// `pm.request.headers.add`).
    AddHeader(String, String),
    /// Every header of that name removed.
    RemoveHeader(String),
    /// The body replaced.
    Body(String),
    /// The URL replaced.
    Url(String),
    /// The method replaced.
    Method(String),
}

impl RequestEdit {
    /// Applies it to `request`.
    pub fn apply(&self, request: &mut crate::model::Request) {
        match self {
            RequestEdit::Header(n, v) => {
                request.headers.remove(n);
                request.headers.push(n.clone(), v.clone());
            }
            RequestEdit::AddHeader(n, v) => request.headers.push(n.clone(), v.clone()),
            RequestEdit::RemoveHeader(n) => request.headers.remove(n),
            RequestEdit::Body(b) => request.body = b.clone().into_bytes().into(),
            RequestEdit::Url(u) => request.url = Some(u.clone()),
            RequestEdit::Method(m) => request.method = m.to_ascii_uppercase(),
        }
    }
}

/// What a script did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptOutcome {
    /// Its changes to its request (a pre-request script's), in order.
    pub edits: Vec<RequestEdit>,
    /// Its changes to `client.global`, in order.
    pub globals: Vec<GlobalChange>,
    /// `request.variables.set(name, value)`, in order.
    pub request_vars: Vec<(String, String)>,
    /// Its tests (`client.test`, and `client.assert` outside a test).
    pub tests: Vec<ScriptTest>,
    /// `client.log` / `console.log` lines.
    pub logs: Vec<String>,
    /// Why it stopped early: one line naming the file, the line and the
    /// message (an exception, the time or memory cap, a missing API).
    pub error: Option<String>,
    /// Whether it called `client.exit()`.
    pub exited: bool,
}

/// Runs scripts. Its runtime need not be `Send`: an engine may run every
/// script on one worker thread of its own.
pub trait ScriptEngine: Send {
    /// Runs one script to its end (or to a cap).
    fn run(&mut self, job: ScriptJob) -> ScriptOutcome;
}

/// What a run's scripts did for one request, for the front ends to show:
/// logs, tests, errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptReport {
    /// The request.
    pub request: super::run::RequestId,
    /// Its label.
    pub label: String,
    /// Which of its scripts.
    pub phase: Phase,
    /// What it did (values redacted by the run's secrets).
    pub outcome: ScriptOutcome,
    /// Set when the script was not run, and why (an untrusted collection,
    /// no engine, its file refused).
    pub skipped: Option<String>,
}

/// The variables a script sets for later requests, found without running
/// it: the first argument of `client.global.set(…)` when it is a string
/// literal.
pub fn sets(code: &str) -> Vec<String> {
    calls_named(
        code,
        &[
            "client.global.set",
            "pm.environment.set",
            "pm.globals.set",
            "pm.collectionVariables.set",
            "pm.variables.set",
            "postman.setEnvironmentVariable",
            "postman.setGlobalVariable",
            "bru.setVar",
            "bru.setEnvVar",
        ],
    )
}

/// The request variables a pre-request script sets
/// (`request.variables.set("name", …)`), found without running it.
pub fn request_sets(code: &str) -> Vec<String> {
    calls_named(code, &["request.variables.set"])
}

/// The string-literal first arguments of these calls in `code`.
fn calls_named(code: &str, calls: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for call in calls {
        let mut rest = code;
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            let Some(args) = rest.trim_start().strip_prefix('(') else {
                continue;
            };
            let args = args.trim_start();
            let Some(q) = args
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\'' | '`'))
            else {
                continue;
            };
            let Some(end) = args[1..].find(q) else {
                continue;
            };
            let name = &args[1..1 + end];
            if !name.is_empty()
                && name.len() <= 128
                && !name.contains(['\\', '$', '\n'])
                && !out.iter().any(|n| n == name)
            {
                out.push(name.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_reads_literal_names_only() {
        let code = r#"
            client.global.set("auth_token", response.body.token);
            client.global.set( 'refresh', response.body.refresh );
            client.global.set(`x`, 1); client.global.set("auth_token", 2);
            client.global.set(name, 3);
            client.global.set("a${b}", 4);
            client.global.get("nope");
        "#;
        assert_eq!(sets(code), ["auth_token", "refresh", "x"]);
        assert!(sets("client.global.set(").is_empty());
        assert!(sets("client.global.set(\"unterminated").is_empty());
    }
}
