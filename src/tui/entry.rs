//! One request of the session (a row of the list) with its last response.

use super::body::BodyDoc;
use crate::decode::Diagnosis;
use crate::items;
use crate::line::quote;
use crate::model::Exchange;

/// Where an entry came from: it decides whether sending it asks first and
/// whether its exchange may be replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Typed, the demo's, a page or a live copy: sent freely, its last
    /// exchange replaced by the next.
    Session,
    /// Read from a file with `apiscope open` (a customer's HAR, a
    /// session, a capture, a curl file): offline. Sending it asks first,
    /// and the live answer goes into a new entry beside it — the recording
    /// stays what the customer sent.
    Recorded {
        /// The file's name, for the question.
        file: String,
    },
    /// Loaded from the history: a resend goes into a new entry.
    History,
    /// A request of a `.http` collection: sent with its variables resolved
    /// in the current environment (the requests it refers to first).
    Collection {
        /// The file, in `App::collection`.
        file: usize,
        /// The request in the file.
        index: usize,
    },
    /// An unsaved edit whose request left its file (changed on disk):
    /// kept as a row of its own until it is sent, added (`+`) or dropped
    /// (`X`, `u`).
    Orphan,
    /// A block of a `.http` file that does not parse: shown with its
    /// error (Ctrl-E opens the file at its line); never sent.
    Broken {
        /// The file, in `App::collection`.
        file: usize,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// One request of the session, with its last response.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The request line, `[METHOD] URL [ITEM…]`.
    pub line: String,
    /// A short label for the list (the demo names its requests).
    pub label: Option<String>,
    /// The dialect the user (or the demo) chose for its answers.
    pub dialect: Option<String>,
    /// Where it came from.
    pub origin: Origin,
    /// The client TLS it was last sent with (its collection environment's
    /// `SSLConfiguration`): its next page and its retry go the same way.
    pub transport: Option<Box<crate::collection::vars::Transport>>,
    /// The last exchange.
    pub exchange: Option<Box<Exchange>>,
    /// The request of the last exchange as it was handed to the client,
    /// before the client signed it (OAuth 1.0, AWS SigV4, Digest) or added
    /// the jar's cookies: a next page starts from it, signed afresh.
    /// Memory only (it may hold an OAuth1 shorthand's secrets).
    pub given: Option<Box<crate::model::Request>>,
    /// Its diagnosis (boxed: an entry stays small, and a collection has
    /// thousands of entries that have none).
    pub diagnosis: Option<Box<Diagnosis>>,
    /// The body, prepared for viewing.
    pub body: Option<BodyDoc>,
    /// The body through a jq filter (`f`), shown instead of it on the Body tab.
    pub filtered: Option<Filtered>,
    /// Syntax highlighting of a non-JSON body, as far as it was shown
    /// (`None` until the Body tab shows it, or when it has no syntax).
    pub highlight: Option<Box<super::syntax::Highlighted>>,
    /// Whether `highlight` was decided (set up, or found not to apply).
    pub highlight_tried: bool,
    /// An edit of the request line not sent yet (kept when another entry
    /// is selected).
    pub draft: Option<String>,
    /// Bumped with every response, so a late jq result for an older body
    /// is dropped.
    pub generation: u64,
    /// Why the last Enter sent nothing (an unresolved variable, a cycle),
    /// shown whole in the response pane until the next send.
    pub problem: Option<String>,
    /// The `??` assertions of a collection request, checked against its
    /// last response: (held, the assertion, what came, its line).
    pub tests: Vec<TestLine>,
    /// What its scripts said: log lines, errors, a script not run and why.
    pub script: Vec<String>,
}

/// One checked assertion, for the Overview's Tests section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestLine {
    /// Whether it held (`None`: it does not parse).
    pub passed: Option<bool>,
    /// The assertion as written, or why it does not parse.
    pub text: String,
    /// What came, for a failure.
    pub actual: String,
    /// 1-based line in its file.
    pub line: usize,
}

/// A jq filter's output.
#[derive(Debug, Clone)]
pub struct Filtered {
    /// The filter.
    pub filter: String,
    /// Its outputs, pretty-printed, one after the other.
    pub output: Vec<u8>,
    /// How many outputs.
    pub count: usize,
    /// The view index of `output`.
    pub doc: BodyDoc,
}

impl Entry {
    /// An entry with no response yet.
    pub fn new(line: &str, label: Option<&str>) -> Entry {
        Entry {
            line: line.to_owned(),
            label: label.map(str::to_owned),
            dialect: None,
            origin: Origin::Session,
            transport: None,
            exchange: None,
            given: None,
            diagnosis: None,
            body: None,
            filtered: None,
            highlight: None,
            highlight_tried: false,
            draft: None,
            generation: 0,
            problem: None,
            tests: Vec::new(),
            script: Vec::new(),
        }
    }

    /// An entry for a recorded exchange (from a session, HAR, capture or
    /// curl command, or the history): its request as a request line, its
    /// response decoded.
    pub fn recorded(exchange: Exchange, diagnosis: Option<Diagnosis>, origin: Origin) -> Entry {
        let line = match &exchange.request {
            Some(r) => items::to_words(r)
                .iter()
                .map(|w| quote(w))
                .collect::<Vec<_>>()
                .join(" "),
            None => "GET https://".to_owned(),
        };
        let (exchange, diagnosis) = if exchange.has_response() {
            (Some(exchange), diagnosis)
        } else {
            (None, None)
        };
        let mut e = Entry::new(&line, None);
        e.origin = origin;
        e.body = exchange.as_ref().map(|e| BodyDoc::new(&e.response.body));
        e.exchange = exchange.map(Box::new);
        e.diagnosis = diagnosis.map(Box::new);
        e
    }

    /// Whether this entry is a recording that must not be replaced.
    pub fn is_recording(&self) -> bool {
        matches!(self.origin, Origin::Recorded { .. } | Origin::History) && self.exchange.is_some()
    }

    /// Takes a new exchange: the body view, the filter and the draft are
    /// reset.
    pub fn set_response(&mut self, exchange: Exchange, diagnosis: Diagnosis) {
        self.body = Some(BodyDoc::new(&exchange.response.body));
        self.filtered = None;
        self.draft = None;
        self.problem = None;
        self.generation += 1;
        self.highlight = None;
        self.highlight_tried = false;
        self.exchange = Some(Box::new(exchange));
        self.given = None;
        self.diagnosis = Some(Box::new(diagnosis));
        self.tests.clear();
        self.script.clear();
    }

    /// Takes what a run's scripts did for this request: their tests join
    /// the Tests section, their logs and errors the Script section. What
    /// the status line should say (a script failed or was not run).
    pub fn scripts(
        &mut self,
        reports: &[crate::collection::script::ScriptReport],
    ) -> Option<String> {
        use crate::collection::script::Phase;
        let mut flash = None;
        for r in reports {
            let what = match r.phase {
                Phase::Pre => "pre-request script",
                Phase::Response => "response handler",
            };
            if let Some(why) = &r.skipped {
                self.script.push(why.clone());
                flash = Some(format!("'{}': {why}", r.label));
                continue;
            }
            for l in &r.outcome.logs {
                self.script.push(format!("log: {l}"));
            }
            for t in &r.outcome.tests {
                self.tests.push(TestLine {
                    passed: Some(t.failure.is_none()),
                    text: match t.line {
                        Some(_) => t.name.clone(),
                        None => format!("client.test: {}", t.name),
                    },
                    actual: t.failure.clone().unwrap_or_default(),
                    line: t.line.unwrap_or(0),
                });
            }
            if let Some(e) = &r.outcome.error {
                self.script.push(format!("the {what} failed: {e}"));
                flash = Some(format!("'{}': the {what} failed: {e}", r.label));
            }
        }
        flash
    }

    /// Checks `asserts` (a collection request's `??` lines) against the
    /// last response, as `apiscope test` does.
    pub fn check(&mut self, asserts: &[(usize, String)]) {
        use crate::collection::assert;
        self.tests.clear();
        let (Some(e), Some(d)) = (self.exchange.as_deref(), self.diagnosis.as_deref()) else {
            return;
        };
        let subjects = assert::Subjects {
            exchange: e,
            diagnosis: d,
            duration_ms: e.timing.total_ms,
        };
        for (line, text) in asserts {
            self.tests.push(match assert::parse(*line, text) {
                // (Run by the script engine as the run takes the answer.)
                Ok(a) if matches!(a.subject, assert::Subject::Js(_)) => continue,
                Ok(a) => {
                    let o = a.check(&subjects);
                    TestLine {
                        passed: Some(o.passed),
                        text: a.text,
                        actual: o.actual,
                        line: *line,
                    }
                }
                Err((_, why)) => TestLine {
                    passed: None,
                    text: format!("?? {text}: {why}"),
                    actual: String::new(),
                    line: *line,
                },
            });
        }
    }

    /// What the Body tab shows: the jq output when a filter is applied,
    /// else the body; a view index with the bytes it indexes.
    pub fn body_mut(&mut self) -> Option<(&mut BodyDoc, &[u8])> {
        if self.filtered.is_some() {
            return self.filtered.as_mut().map(|f| (&mut f.doc, &f.output[..]));
        }
        self.original_body_mut()
    }

    /// The response body itself (the overview's preview).
    pub fn original_body_mut(&mut self) -> Option<(&mut BodyDoc, &[u8])> {
        match (self.body.as_mut(), self.exchange.as_ref()) {
            (Some(d), Some(e)) => Some((d, &e.response.body)),
            _ => None,
        }
    }
}
