//! Collections: requests kept in `.http` / `.rest` files, in the syntax the
//! JetBrains HTTP Client and VS Code REST Client read (also httpyac,
//! kulala.nvim, rest.nvim). No format of our own.
//!
//! ```text
//! @host = https://api.example.com          file variable
//!
//! ### Log in                                separator; the text is a title
//! # @name login                             the request's name
//! POST {{host}}/login                       [METHOD] URL [HTTP/x]
//! Content-Type: application/json           headers
//!
//! {"user": "ann", "password": "{{password}}"}
//!
//! ### Boards
//! GET {{host}}/boards
//!     ?limit=20                             query continued on indented lines
//!     &page=2
//! Authorization: Bearer {{login.response.body.$.token}}
//! > {% client.global.set("x", 1) %}         a response handler: not run (noted)
//! >> ./boards.json                          write the response body to a file
//! ```
//!
//! [`parse`] keeps each request's span of the original text, so an
//! untouched file writes back byte for byte ([`HttpFile::write`]), and
//! [`render`] writes a request the way [`parse`] reads it back. Variables
//! and environments are in [`vars`].

pub mod import;
pub mod run;
pub mod vars;

use std::ops::Range;
use std::path::{Path, PathBuf};

/// A `.http` file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The text as read.
    pub text: String,
    /// File variables (`@name = value`), in order.
    pub variables: Vec<FileVar>,
    /// The requests, in order.
    pub requests: Vec<HttpRequest>,
    /// Blocks that did not parse (only from [`parse_lenient`]): such a
    /// file is never written back.
    pub problems: Vec<CollectionError>,
    /// The byte range of each block in `problems`, in the same order.
    pub broken: Vec<Range<usize>>,
}

/// `@name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct FileVar {
    /// The name.
    pub name: String,
    /// The value, as written (may hold `{{…}}`).
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// One request of a `.http` file, before its variables are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// `# @name NAME`.
    pub name: Option<String>,
    /// The text after `###`.
    pub title: Option<String>,
    /// Comment lines before the request line (`#` / `//` stripped), e.g. a
    /// description kept by an import.
    pub comments: Vec<String>,
    /// 1-based line of the request line.
    pub line: usize,
    /// The method (GET when the line has none).
    pub method: String,
    /// The URL, with its continuation lines joined.
    pub url: String,
    /// `HTTP/1.1`, `HTTP/2`… when the line says.
    pub version: Option<String>,
    /// Headers in order.
    pub headers: Vec<Header>,
    /// The body.
    pub body: Body,
    /// 1-based line of the body's first line, when there is a body.
    pub body_line: Option<usize>,
    /// The line of a response handler (`> {% … %}`, `> handler.js`),
    /// which apiscope does not run (no JavaScript engine).
    pub handler_line: Option<usize>,
    /// `>> file` (`false`) or `>>! file` (`true`: overwrite).
    pub output: Option<(String, bool)>,
    /// The request's block in the file's text (from its `###` line, or the
    /// start of the file, to the next `###`).
    pub span: Range<usize>,
    /// Where its parts are in the file's text, for saving an edit back
    /// (empty for a request not read from a file).
    pub layout: Layout,
}

/// Byte ranges of a parsed request's parts in its file's text: an edit
/// rewrites only the parts that changed ([`HttpFile::replace`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layout {
    /// The request's own text, to the end of its span: from its `###`
    /// line, or in the first block from the first line after the file
    /// variables.
    pub own_start: usize,
    /// The `###` line (without its line ending), when it has one.
    pub separator: Option<Range<usize>>,
    /// The `@name` directive's line (with its line ending) and the name's
    /// range in it.
    pub name: Option<(Range<usize>, Range<usize>)>,
    /// The request line and its query continuation lines (without the
    /// last line ending).
    pub head: Range<usize>,
    /// The header lines (with comments between them and their line
    /// endings); an empty range where headers would go when it has none.
    pub headers: Range<usize>,
    /// The body as written (without its last line ending); an empty range
    /// where a body would go when it has none.
    pub body: Range<usize>,
    /// Whether a blank line ends the headers.
    pub blank: bool,
}

/// A header line.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The name.
    pub name: String,
    /// The value, as written.
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

/// A request's body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// None.
    None,
    /// Text written in the file (variables are substituted).
    Text(String),
    /// `< ./file` (as it is) or `<@ ./file` (`substitute`: variables
    /// substituted), relative to the `.http` file.
    File {
        /// The path as written.
        path: String,
        /// Whether `{{…}}` in the file are substituted.
        substitute: bool,
    },
}

/// A problem with a collection: file, line and what.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionError {
    /// The file.
    pub file: PathBuf,
    /// 1-based line (0 when the whole file is concerned).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CollectionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for CollectionError {}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

impl HttpRequest {
    /// A request with only a method and a URL.
    pub fn new(method: &str, url: &str) -> HttpRequest {
        HttpRequest {
            name: None,
            title: None,
            comments: Vec::new(),
            line: 0,
            method: method.to_owned(),
            url: url.to_owned(),
            version: None,
            headers: Vec::new(),
            body: Body::None,
            body_line: None,
            handler_line: None,
            output: None,
            span: 0..0,
            layout: Layout::default(),
        }
    }

    /// The name a user picks it by: `@name`, else the title, else
    /// `METHOD URL`.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.title.clone())
            .unwrap_or_else(|| format!("{} {}", self.method, self.url))
    }
}

impl HttpFile {
    /// Reads and parses a `.http` file.
    pub fn read(path: &Path) -> Result<HttpFile, CollectionError> {
        parse(path, &read_text(path)?)
    }

    /// Reads a `.http` file keeping what parses ([`parse_lenient`]); only
    /// a file that cannot be read is an error.
    pub fn read_lenient(path: &Path) -> Result<HttpFile, CollectionError> {
        Ok(parse_lenient(path, &read_text(path)?))
    }

    /// The file's text with every request as it is now: an untouched
    /// request keeps its bytes; the text between requests is kept.
    pub fn write(&self) -> String {
        self.text.clone()
    }

    /// The request `selector` names: `NAME` (its `@name` or title), or `N`
    /// (1-based). An unknown selector is an error listing the names.
    pub fn find(&self, selector: &str) -> Result<&HttpRequest, CollectionError> {
        let by_name = self
            .requests
            .iter()
            .find(|r| r.name.as_deref() == Some(selector))
            .or_else(|| {
                self.requests
                    .iter()
                    .find(|r| r.title.as_deref() == Some(selector))
            });
        if let Some(r) = by_name {
            return Ok(r);
        }
        if let Ok(n) = selector.parse::<usize>()
            && n >= 1
            && let Some(r) = self.requests.get(n - 1)
        {
            return Ok(r);
        }
        Err(CollectionError {
            file: self.path.clone(),
            line: 0,
            message: format!(
                "no request '{selector}'; the requests are: {}",
                self.names()
            ),
        })
    }

    /// The line ending the file uses (`\r\n` when its first line ends so).
    pub fn newline(&self) -> &'static str {
        match self.text.find('\n') {
            Some(i) if i > 0 && self.text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// The text with request `index` changed to `new`: only the parts that
    /// differ (title, name, request line, headers, body) are rewritten;
    /// every other byte of the file — comments, spacing, handlers, the
    /// other requests — stays as it was. Comments are not edited here.
    pub fn replace(&self, index: usize, new: &HttpRequest) -> String {
        let Some(old) = self.requests.get(index) else {
            return self.text.clone();
        };
        let nl = self.newline();
        let lay = &old.layout;
        let text = &self.text;
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        if new.title != old.title {
            let line = match &new.title {
                Some(t) => format!("### {t}"),
                None => "###".to_owned(),
            };
            match &lay.separator {
                Some(r) => edits.push((r.clone(), line)),
                None if new.title.is_some() => {
                    edits.push((lay.own_start..lay.own_start, format!("{line}{nl}")));
                }
                None => {}
            }
        }
        if new.name != old.name {
            match (&lay.name, &new.name) {
                (Some((_, at)), Some(n)) => edits.push((at.clone(), n.clone())),
                (Some((line, _)), None) => edits.push((line.clone(), String::new())),
                (None, Some(n)) => {
                    edits.push((lay.head.start..lay.head.start, format!("# @name {n}{nl}")));
                }
                (None, None) => {}
            }
        }
        if (&new.method, &new.url, &new.version) != (&old.method, &old.url, &old.version) {
            edits.push((
                lay.head.clone(),
                head_lines(&text[lay.head.clone()], new, nl),
            ));
        }
        let pairs = |r: &HttpRequest| -> Vec<(String, String)> {
            r.headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect()
        };
        // Where the head's line ends: new lines go after it.
        let ends_line = |at: usize| at == 0 || text[..at].ends_with('\n');
        let headers_changed = pairs(new) != pairs(old);
        if headers_changed {
            let mut block = String::new();
            if !ends_line(lay.headers.start) {
                block.push_str(nl);
            }
            // Comments between the headers are kept, before them.
            for l in text[lay.headers.clone()].lines() {
                if is_comment(l) {
                    block.push_str(l.trim_end_matches('\r'));
                    block.push_str(nl);
                }
            }
            for h in &new.headers {
                block.push_str(&h.name);
                block.push_str(": ");
                block.push_str(&h.value);
                block.push_str(nl);
            }
            edits.push((lay.headers.clone(), block));
        }
        if new.body != old.body {
            let written = match &new.body {
                Body::None => None,
                Body::Text(t) => Some(t.replace("\r\n", "\n").replace('\n', nl)),
                Body::File { path, substitute } => {
                    Some(format!("{} {path}", if *substitute { "<@" } else { "<" }))
                }
            };
            match (written, lay.body.is_empty()) {
                (None, false) => {
                    // The body and its line ending.
                    let mut end = lay.body.end;
                    if text[end..].starts_with("\r\n") {
                        end += 2;
                    } else if text[end..].starts_with('\n') {
                        end += 1;
                    }
                    edits.push((lay.body.start..end, String::new()));
                }
                (None, true) => {}
                // (A `< file` right under the headers had no blank line:
                // a text body needs one, or it would read as headers.)
                (Some(w), false) if !lay.blank && !matches!(new.body, Body::File { .. }) => {
                    edits.push((lay.body.clone(), format!("{nl}{w}")));
                }
                (Some(w), false) => edits.push((lay.body.clone(), w)),
                (Some(w), true) if lay.blank => {
                    let lead = if ends_line(lay.body.start) { "" } else { nl };
                    let tail = if lay.body.start == old.span.end && old.span.end < text.len() {
                        nl // a blank line before the next request's `###`
                    } else {
                        ""
                    };
                    edits.push((lay.body.clone(), format!("{lead}{w}{nl}{tail}")));
                }
                (Some(w), true) => {
                    let at = lay.headers.end;
                    // (Rewritten headers end their line.)
                    let lead = if headers_changed || ends_line(at) {
                        ""
                    } else {
                        nl
                    };
                    let tail = if at == old.span.end && old.span.end < text.len() {
                        nl
                    } else {
                        ""
                    };
                    edits.push((at..at, format!("{lead}{nl}{w}{nl}{tail}")));
                }
            }
        }
        apply(text, edits)
    }

    /// The text without request `index` (its own lines: the file
    /// variables before the first request stay).
    pub fn remove(&self, index: usize) -> String {
        let Some(r) = self.requests.get(index) else {
            return self.text.clone();
        };
        apply(
            &self.text,
            vec![(r.layout.own_start..r.span.end, String::new())],
        )
    }

    /// The text with `block` (a rendered request) inserted after request
    /// `after` (at the end when `None` or out of range), in the file's
    /// line endings.
    pub fn insert(&self, after: Option<usize>, block: &str) -> String {
        let nl = self.newline();
        let at = after
            .and_then(|i| self.requests.get(i))
            .map_or(self.text.len(), |r| r.span.end);
        let mut piece = String::new();
        if at > 0 && !self.text[..at].ends_with('\n') {
            piece.push_str(nl);
        }
        if at > 0
            && !self.text[..at].trim_end().is_empty()
            && !self.text[..at].ends_with("\n\n")
            && !self.text[..at].ends_with("\r\n\r\n")
        {
            piece.push_str(nl);
        }
        let block = block.replace("\r\n", "\n").replace('\n', nl);
        piece.push_str(&block);
        if !piece.ends_with('\n') {
            piece.push_str(nl);
        }
        if at < self.text.len() {
            piece.push_str(nl);
        }
        apply(&self.text, vec![(at..at, piece)])
    }

    /// The text with a copy of request `index` after it, named `name`: its
    /// own text as written (comments and handlers too).
    pub fn duplicate(&self, index: usize, name: &str) -> Result<String, CollectionError> {
        let Some(r) = self.requests.get(index) else {
            return Ok(self.text.clone());
        };
        let nl = self.newline();
        let mut own = self.text[r.layout.own_start..r.span.end].to_owned();
        if r.layout.separator.is_none() {
            own = format!("###{nl}{own}");
        }
        let text = self.insert(Some(index), own.trim_end());
        let copy = parse(&self.path, &text)?;
        let mut renamed = copy.requests[index + 1].clone();
        renamed.name = Some(name.to_owned());
        Ok(copy.replace(index + 1, &renamed))
    }

    /// The text with every `{{old.response…}}` / `{{old.request…}}` made
    /// to refer to `new` instead, and how many were; every other byte
    /// stays.
    pub fn rename_references(&self, old: &str, new: &str) -> (String, usize) {
        let mut n = 0;
        let text = crate::template::map(&self.text, |v| {
            let refers = v
                .expr
                .strip_prefix(old)
                .is_some_and(|rest| rest.starts_with(".response") || rest.starts_with(".request"));
            if !refers {
                return Ok::<_, std::convert::Infallible>(None);
            }
            n += 1;
            // Only the name changes: the braces and spaces stay as written.
            let at = v.raw.find(old).unwrap_or(2);
            Ok(Some(std::borrow::Cow::Owned(format!(
                "{}{new}{}",
                &v.raw[..at],
                &v.raw[at + old.len()..]
            ))))
        });
        let text = match text {
            Ok(t) => t.into_owned(),
            Err(never) => match never {},
        };
        (text, n)
    }

    /// The text without the `i`-th block that does not parse (its own
    /// lines, separator included); every other byte stays.
    pub fn remove_broken(&self, i: usize) -> String {
        match self.broken.get(i) {
            Some(r) => apply(&self.text, vec![(r.clone(), String::new())]),
            None => self.text.clone(),
        }
    }

    /// `1 login, 2 boards, …` for messages.
    pub fn names(&self) -> String {
        self.requests
            .iter()
            .enumerate()
            .map(|(i, r)| format!("{} {}", i + 1, r.label()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A request line as the file writes it: `METHOD URL [HTTP/x]`; when the
/// old head continued its query on indented lines (`?page=1` / `&n=3`),
/// the new one does too, with the same indentation.
fn head_lines(old_head: &str, r: &HttpRequest, nl: &str) -> String {
    let mut first = format!("{} ", r.method);
    let continued = old_head.lines().nth(1).map(|l| {
        let t = l.trim_end_matches('\r');
        &t[..t.len() - t.trim_start().len()]
    });
    let (base, query) = match (continued, r.url.split_once('?')) {
        (Some(_), Some((b, q))) => (b, Some(q)),
        _ => (r.url.as_str(), None),
    };
    first.push_str(base);
    if let Some(v) = &r.version {
        first.push(' ');
        first.push_str(v);
    }
    if let (Some(indent), Some(q)) = (continued, query) {
        for (i, pair) in q.split('&').enumerate() {
            first.push_str(nl);
            first.push_str(indent);
            first.push(if i == 0 { '?' } else { '&' });
            first.push_str(pair);
        }
    }
    first
}

/// One line of the text: its content (without the line ending), its byte
/// range including the ending, and its 1-based number.
struct Line<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    number: usize,
}

/// The largest `.http` file read (a collection of 100,000 requests is
/// about 30 MB).
pub const MAX_FILE: u64 = 64 << 20;

/// A `.http` file's text; one over [`MAX_FILE`] is refused before it is
/// read.
fn read_text(path: &Path) -> Result<String, CollectionError> {
    let err = |message: String| CollectionError {
        file: path.to_owned(),
        line: 0,
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| err(format!("cannot read: {e}")))?
        .len();
    if size > MAX_FILE {
        return Err(err(format!(
            "{} MiB is more than a collection file may hold ({} MiB)",
            size >> 20,
            MAX_FILE >> 20
        )));
    }
    std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))
}

/// Applies non-overlapping edits (range → replacement); edits at the same
/// place apply in the order given.
fn apply(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].0.start, i));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for i in order {
        let (r, with) = std::mem::take(&mut edits[i]);
        if r.start < at {
            continue; // overlapping: never happens for one request's parts
        }
        out.push_str(&text[at..r.start]);
        out.push_str(&with);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut number = 1;
    while start < text.len() {
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let content = text[start..end]
            .trim_end_matches('\n')
            .trim_end_matches('\r');
        out.push(Line {
            text: content,
            start,
            end,
            number,
        });
        start = end;
        number += 1;
    }
    out
}

fn is_comment(t: &str) -> bool {
    let t = t.trim_start();
    t.starts_with('#') || t.starts_with("//")
}

/// `# @name login`, `// @name login`, `# @name = login`.
fn name_directive(t: &str) -> Option<String> {
    let t = t.trim_start();
    let rest = t
        .strip_prefix("//")
        .or_else(|| t.strip_prefix('#'))?
        .trim_start();
    let rest = rest.strip_prefix("@name")?;
    if !rest.is_empty() && !rest.starts_with([' ', '\t', '=']) {
        return None;
    }
    let name = rest.trim_start().trim_start_matches('=').trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// `@name = value` (a file variable), not `@name` directives in comments.
fn file_variable(t: &str) -> Option<(String, String)> {
    let rest = t.trim_start().strip_prefix('@')?;
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$'))
    {
        return None;
    }
    Some((name.to_owned(), value.trim().to_owned()))
}

/// Parses the text of a `.http` file: the first problem is the error.
pub fn parse(path: &Path, text: &str) -> Result<HttpFile, CollectionError> {
    let file = parse_lenient(path, text);
    match file.problems.first() {
        Some(p) => Err(p.clone()),
        None => Ok(file),
    }
}

/// Parses the text of a `.http` file, keeping every request that parses
/// and a problem for each block that does not (the TUI shows the rest of
/// the collection, and never writes such a file back).
pub fn parse_lenient(path: &Path, text: &str) -> HttpFile {
    let all = lines(text);
    let err = |line: usize, message: String| CollectionError {
        file: path.to_owned(),
        line,
        message,
    };
    // Blocks: from each `###` line (or the start) to the next.
    let mut blocks: Vec<(Option<String>, usize, usize)> = Vec::new(); // title, first line idx, end idx
    let mut start = 0;
    let mut title = None;
    for (i, l) in all.iter().enumerate() {
        if l.text.starts_with("###") {
            blocks.push((title.take(), start, i));
            let t = l.text.trim_start_matches('#').trim();
            title = (!t.is_empty()).then(|| t.to_owned());
            start = i + 1;
        }
    }
    blocks.push((title, start, all.len()));

    let mut variables = Vec::new();
    let mut requests = Vec::new();
    let mut problems = Vec::new();
    let mut broken = Vec::new();
    for (bi, (title, from, to)) in blocks.into_iter().enumerate() {
        let one = || -> Result<(), CollectionError> {
            let span_start = if bi == 0 { 0 } else { all[from - 1].start };
            let span_end = if to < all.len() {
                all[to].start
            } else {
                text.len()
            };
            let block = &all[from..to];
            let mut name = None;
            let mut name_at = None;
            let mut comments = Vec::new();
            let mut own_start = span_start;
            let mut i = 0;
            // Before the request line: comments, @name, file variables.
            while i < block.len() {
                let t = block[i].text;
                if t.trim().is_empty() {
                    i += 1;
                } else if let Some(n) = name_directive(t) {
                    let at = block[i].start + t.rfind(n.as_str()).unwrap_or(0);
                    name_at = Some((block[i].start..block[i].end, at..at + n.len()));
                    name = Some(n);
                    i += 1;
                } else if is_comment(t) {
                    let c = t.trim_start();
                    let c = c
                        .strip_prefix("//")
                        .or_else(|| c.strip_prefix('#'))
                        .unwrap_or(c);
                    comments.push(c.strip_prefix(' ').unwrap_or(c).to_owned());
                    i += 1;
                } else if let Some((n, v)) = file_variable(t) {
                    variables.push(FileVar {
                        name: n,
                        value: v,
                        line: block[i].number,
                    });
                    if bi == 0 {
                        own_start = block[i].end;
                    }
                    i += 1;
                } else {
                    break;
                }
            }
            if i == block.len() {
                return Ok(()); // a block of comments and variables only
            }
            let request_line = &block[i];
            let (method, mut url, version) =
                request_line_parts(request_line.text).ok_or_else(|| {
                    err(
                        request_line.number,
                        "expected a request line: [METHOD] URL [HTTP/x]".into(),
                    )
                })?;
            let mut head_end = request_line.start + request_line.text.len();
            i += 1;
            // Query continued on the following indented lines.
            while i < block.len() {
                let t = block[i].text;
                let trimmed = t.trim_start();
                // (Indented in both tools' documents; a header never starts
                // with `?` or `&`, so an unindented one is read the same.)
                if trimmed.starts_with('?') || trimmed.starts_with('&') {
                    url.push_str(trimmed.trim_end());
                    head_end = block[i].start + t.len();
                    i += 1;
                } else {
                    break;
                }
            }
            let headers_start = block.get(i).map_or(span_end, |l| l.start);
            let mut headers_end = headers_start;
            let mut blank = false;
            let mut headers = Vec::new();
            while i < block.len() {
                let l = &block[i];
                let t = l.text;
                if t.trim().is_empty() {
                    headers_end = l.start;
                    blank = true;
                    i += 1;
                    break;
                }
                if is_comment(t) {
                    i += 1;
                    headers_end = l.end;
                    continue;
                }
                if t.starts_with('>') || t.starts_with('<') {
                    headers_end = l.start;
                    break; // a handler or a body file right after the headers
                }
                let Some((n, v)) = t.split_once(':') else {
                    return Err(err(
                        l.number,
                        format!(
                            "expected a header 'Name: value' (or a blank line before the body), found '{}'",
                            t.trim()
                        ),
                    ));
                };
                let n = n.trim();
                if n.is_empty() || n.contains(char::is_whitespace) {
                    return Err(err(l.number, format!("'{n}' is not a header name")));
                }
                headers.push(Header {
                    name: n.to_owned(),
                    value: v.trim().to_owned(),
                    line: l.number,
                });
                headers_end = l.end;
                i += 1;
            }
            let body_pos = block.get(i).map_or(span_end, |l| l.start);
            // The body, then handlers and output redirects at its end.
            let mut body_lines: Vec<&Line> = block[i..].iter().collect();
            let mut handler_line = None;
            let mut output = None;
            // Handlers and redirects are the last non-blank lines.
            loop {
                while body_lines.last().is_some_and(|l| l.text.trim().is_empty()) {
                    body_lines.pop();
                }
                let Some(last) = body_lines.last() else { break };
                let t = last.text.trim_start();
                if let Some(f) = t.strip_prefix(">>!") {
                    output = Some((f.trim().to_owned(), true));
                    body_lines.pop();
                } else if let Some(f) = t.strip_prefix(">>") {
                    output = Some((f.trim().to_owned(), false));
                    body_lines.pop();
                } else if t.starts_with("%}") || (t.starts_with("> {%") && t.ends_with("%}")) {
                    // Back to the handler's `> {%` line.
                    let open = body_lines
                        .iter()
                        .rposition(|l| l.text.trim_start().starts_with("> {%"))
                        .ok_or_else(|| {
                            err(last.number, "'%}' closes no '> {%' response handler".into())
                        })?;
                    handler_line = Some(body_lines[open].number);
                    body_lines.truncate(open);
                } else if t.starts_with('>') {
                    handler_line = Some(last.number);
                    body_lines.pop();
                } else {
                    break;
                }
            }
            while body_lines.first().is_some_and(|l| l.text.trim().is_empty()) {
                body_lines.remove(0);
            }
            let body_line = body_lines.first().map(|l| l.number);
            let body_range = match (body_lines.first(), body_lines.last()) {
                (Some(first), Some(last)) => first.start..last.start + last.text.len(),
                _ => body_pos..body_pos,
            };
            let body = match body_lines.first().map(|l| l.text.trim_start()) {
                None => Body::None,
                Some(t) if t.starts_with("<@") && body_lines.len() == 1 => Body::File {
                    path: t[2..].trim().to_owned(),
                    substitute: true,
                },
                Some(t) if t.starts_with("< ") && body_lines.len() == 1 => Body::File {
                    path: t[1..].trim().to_owned(),
                    substitute: false,
                },
                Some(_) => {
                    let first = body_lines[0];
                    let last = body_lines[body_lines.len() - 1];
                    let raw = &text[first.start..last.end];
                    let raw = raw.strip_suffix('\n').unwrap_or(raw);
                    let raw = raw.strip_suffix('\r').unwrap_or(raw);
                    Body::Text(raw.to_owned())
                }
            };
            requests.push(HttpRequest {
                name,
                title,
                comments,
                line: request_line.number,
                method,
                url,
                version,
                headers,
                body,
                body_line,
                handler_line,
                output,
                span: span_start..span_end,
                layout: Layout {
                    own_start,
                    separator: (bi > 0).then(|| {
                        all[from - 1].start..all[from - 1].start + all[from - 1].text.len()
                    }),
                    name: name_at,
                    head: request_line.start..head_end,
                    headers: headers_start..headers_end.max(headers_start),
                    body: body_range,
                    blank,
                },
            });
            Ok(())
        };
        if let Err(e) = one() {
            problems.push(e);
            // Its own lines: from its `###` (the first block: from its
            // request line, after the file's variables and comments).
            let start = if bi == 0 {
                all[from..to]
                    .iter()
                    .find(|l| {
                        let t = l.text.trim();
                        !t.is_empty() && !is_comment(t) && file_variable(t).is_none()
                    })
                    .map_or(0, |l| l.start)
            } else {
                all[from - 1].start
            };
            let end = if to < all.len() {
                all[to].start
            } else {
                text.len()
            };
            broken.push(start..end);
        }
    }
    HttpFile {
        path: path.to_owned(),
        text: text.to_owned(),
        variables,
        requests,
        problems,
        broken,
    }
}

/// `GET https://x/y HTTP/1.1`, `https://x/y`, `POST {{host}}/login`.
fn request_line_parts(t: &str) -> Option<(String, String, Option<String>)> {
    let mut words: Vec<&str> = t.split_whitespace().collect();
    let version = match words.last() {
        Some(w) if w.starts_with("HTTP/") && words.len() > 1 => {
            let v = (*w).to_owned();
            words.pop();
            Some(v)
        }
        _ => None,
    };
    let (method, url) = match words.as_slice() {
        [url] => ("GET".to_owned(), (*url).to_owned()),
        [m, url] if is_method(m) => ((*m).to_owned(), (*url).to_owned()),
        _ => return None,
    };
    Some((method, url, version))
}

fn is_method(w: &str) -> bool {
    METHODS.contains(&w) || (w.len() >= 3 && w.bytes().all(|b| b.is_ascii_uppercase()))
}

/// Writes a request as a block that [`parse`] reads back to the same
/// request (title, name, request line, headers, body, handler note,
/// output redirect).
pub fn render(r: &HttpRequest) -> String {
    let mut out = String::new();
    out.push_str("###");
    if let Some(t) = &r.title {
        out.push(' ');
        out.push_str(t);
    }
    out.push('\n');
    for c in &r.comments {
        out.push_str("# ");
        out.push_str(c);
        out.push('\n');
    }
    if let Some(n) = &r.name {
        out.push_str("# @name ");
        out.push_str(n);
        out.push('\n');
    }
    out.push_str(&r.method);
    out.push(' ');
    out.push_str(&r.url);
    if let Some(v) = &r.version {
        out.push(' ');
        out.push_str(v);
    }
    out.push('\n');
    for h in &r.headers {
        out.push_str(&h.name);
        out.push_str(": ");
        out.push_str(&h.value);
        out.push('\n');
    }
    match &r.body {
        Body::None => {}
        Body::Text(t) => {
            out.push('\n');
            out.push_str(t);
            out.push('\n');
        }
        Body::File { path, substitute } => {
            out.push('\n');
            out.push_str(if *substitute { "<@ " } else { "< " });
            out.push_str(path);
            out.push('\n');
        }
    }
    if let Some((f, overwrite)) = &r.output {
        if matches!(r.body, Body::None) {
            out.push('\n');
        }
        out.push_str(if *overwrite { ">>! " } else { ">> " });
        out.push_str(f);
        out.push('\n');
    }
    out
}

impl HttpRequest {
    /// The request as a template request line (`METHOD URL 'Name:value'…
    /// --raw=BODY`), for the list, the line editor and the history: the
    /// body exactly as the file has it, `{{…}}` as written. Built in one
    /// string: a file of thousands of requests makes one per request when
    /// it opens.
    pub fn template_line(&self) -> String {
        use crate::line::quote_into;
        let body = match &self.body {
            Body::Text(t) => t.as_str(),
            _ => "",
        };
        let mut line =
            String::with_capacity(self.url.len() + body.len() + 64 * (self.headers.len() + 1));
        quote_into(&mut line, &self.method);
        line.push(' ');
        quote_into(&mut line, &self.url);
        let mut word = String::new();
        for h in &self.headers {
            if is_client_header(&h.name) {
                continue; // the client sets them
            }
            word.clear();
            word.push_str(&h.name);
            // `Name:=x` would read back as a JSON field: a space keeps it a header.
            word.push_str(if h.value.starts_with('=') { ": " } else { ":" });
            word.push_str(&h.value);
            line.push(' ');
            quote_into(&mut line, &word);
        }
        if !body.is_empty() {
            word.clear();
            word.push_str("--raw=");
            word.push_str(body);
            line.push(' ');
            quote_into(&mut line, &word);
        }
        line
    }

    /// This request with the edited template line `line` read into it:
    /// method, URL (with `key==value` items added to its query), headers
    /// and body; `{{…}}` stay as written. A body that means the same as
    /// the old one (the same JSON, the same text) keeps the old text, so an
    /// untouched body is not rewritten; a line without body items keeps a
    /// `< file` body. What a `.http` file cannot hold is an error naming
    /// the item.
    pub fn with_line(&self, line: &str) -> Result<HttpRequest, String> {
        use crate::items::{BodyMode, Item, Items};
        let words = crate::line::shell_words(line)?;
        if words.is_empty() {
            return Err("the request line is empty".into());
        }
        let items = Items::parse(&words).map_err(|e| e.to_string())?;
        if items.mode != BodyMode::Json {
            return Err(
                "a --form or --multipart body cannot be saved into a .http file: write it in the file (Ctrl-E)"
                    .into(),
            );
        }
        let mut url = items.url.clone();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut fields = serde_json::Map::new();
        // `key:={{n}}`: not JSON until resolved; kept as written.
        let mut raw_fields: Vec<(String, String)> = Vec::new();
        let mut body: Option<Body> = None;
        for item in &items.items {
            match item {
                Item::Raw(t) => body = Some(Body::Text(t.clone())),
                Item::BodyFile(p) => {
                    body = Some(Body::File {
                        path: p.clone(),
                        substitute: false,
                    });
                }
                Item::Bearer(t) => headers.push(("Authorization".into(), format!("Bearer {t}"))),
                // JetBrains and REST Client encode `Basic user:password`.
                Item::Auth(c) => headers.push(("Authorization".into(), format!("Basic {c}"))),
                Item::Header(k, v) => headers.push((k.clone(), v.clone())),
                Item::Query(k, v) => {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(k);
                    url.push('=');
                    url.push_str(v);
                }
                Item::Field(k, v) => {
                    fields.insert(k.clone(), serde_json::Value::String(v.clone()));
                }
                Item::Json(k, v) => match serde_json::from_str(v) {
                    Ok(j) => {
                        fields.insert(k.clone(), j);
                    }
                    Err(_) => raw_fields.push((k.clone(), v.clone())),
                },
                Item::FieldFile(..) | Item::JsonFile(..) | Item::Part { .. } => {
                    return Err(format!(
                        "'{}' (read from a file when sent) cannot be saved into a .http file: write it in the file (Ctrl-E)",
                        item.word()
                    ));
                }
            }
        }
        let has_fields = !fields.is_empty() || !raw_fields.is_empty();
        if has_fields && body.is_some() {
            return Err("a body from --raw or @file cannot be combined with fields".into());
        }
        let same_json = |t: &str| {
            raw_fields.is_empty()
                && serde_json::from_str::<serde_json::Value>(t).ok()
                    == Some(serde_json::Value::Object(fields.clone()))
        };
        let mut json_added = false;
        let body = match (&self.body, body) {
            (Body::Text(t), _) if has_fields && same_json(t) => self.body.clone(),
            (_, None) if has_fields => {
                json_added = true;
                Body::Text(crate::items::json_object_text(fields, &raw_fields))
            }
            (Body::Text(t), Some(Body::Text(n)))
                if t.replace("\r\n", "\n") == n.replace("\r\n", "\n") =>
            {
                self.body.clone()
            }
            (Body::File { .. }, None) => self.body.clone(),
            (_, Some(b)) => b,
            (_, None) => Body::None,
        };
        let mut new = self.clone();
        new.method = items.method.clone().unwrap_or_else(|| {
            if matches!(body, Body::None) {
                "GET"
            } else {
                "POST"
            }
            .to_owned()
        });
        new.url = url;
        new.body = body;
        // `Host` and `Content-Length` are not on the line (the client sets
        // them): the file's stay where they were.
        for (i, h) in self.headers.iter().enumerate() {
            if is_client_header(&h.name) {
                headers.insert(i.min(headers.len()), (h.name.clone(), h.value.clone()));
            }
        }
        if json_added
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        new.headers = headers
            .into_iter()
            .map(|(name, value)| Header {
                name,
                value,
                line: 0,
            })
            .collect();
        Ok(new)
    }
}

/// Headers the HTTP client sets itself: not on a request line.
fn is_client_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case("content-length")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> HttpFile {
        parse(Path::new("t.http"), text).unwrap()
    }

    #[test]
    fn the_documented_constructs() {
        let f = p("@host = https://api.example.com\n\
                   @token = {{env.TOKEN}}\n\
                   \n\
                   ### Log in\n\
                   # @name login\n\
                   POST {{host}}/login HTTP/1.1\n\
                   Content-Type: application/json\n\
                   \n\
                   {\"user\": \"ann\",\n  \"password\": \"{{password}}\"}\n\
                   \n\
                   > {%\n  client.global.set(\"t\", response.body.token);\n%}\n\
                   \n\
                   ###\n\
                   // @name boards\n\
                   {{host}}/boards\n    ?limit=20\n    &page=2\n\
                   # a comment between headers\n\
                   Authorization: Bearer {{login.response.body.$.token}}\n\
                   \n\
                   >> ./boards.json\n\
                   ### Upload\n\
                   POST {{host}}/upload\n\
                   \n\
                   <@ ./payload.json\n");
        assert_eq!(f.variables.len(), 2);
        assert_eq!(f.variables[1].value, "{{env.TOKEN}}");
        assert_eq!(f.requests.len(), 3);
        let login = &f.requests[0];
        assert_eq!(login.name.as_deref(), Some("login"));
        assert_eq!(login.title.as_deref(), Some("Log in"));
        assert_eq!((login.method.as_str(), login.line), ("POST", 6));
        assert_eq!(login.version.as_deref(), Some("HTTP/1.1"));
        assert_eq!(
            login.body,
            Body::Text("{\"user\": \"ann\",\n  \"password\": \"{{password}}\"}".into())
        );
        assert_eq!(login.handler_line, Some(12));
        let boards = &f.requests[1];
        assert_eq!(boards.method, "GET");
        assert_eq!(boards.url, "{{host}}/boards?limit=20&page=2");
        assert_eq!(boards.headers.len(), 1);
        assert_eq!(boards.output, Some(("./boards.json".into(), false)));
        assert_eq!(boards.body, Body::None);
        assert_eq!(
            f.requests[2].body,
            Body::File {
                path: "./payload.json".into(),
                substitute: true
            }
        );
        assert_eq!(f.find("2").unwrap().label(), "boards");
        assert_eq!(f.find("Upload").unwrap().method, "POST");
        assert!(
            f.find("nope")
                .unwrap_err()
                .to_string()
                .contains("1 login, 2 boards, 3 Upload")
        );
    }

    #[test]
    fn crlf_files_and_spans() {
        let text = "GET https://a.example/x\r\nAccept: */*\r\n\r\n###\r\nPOST https://a.example/y\r\n\r\nbody line\r\n";
        let f = p(text);
        assert_eq!(f.requests.len(), 2);
        assert_eq!(f.requests[0].headers[0].value, "*/*");
        assert_eq!(f.requests[1].body, Body::Text("body line".into()));
        assert_eq!(
            &text[f.requests[1].span.clone()],
            "###\r\nPOST https://a.example/y\r\n\r\nbody line\r\n"
        );
        assert_eq!(f.write(), text);
    }

    #[test]
    fn a_file_too_big_for_a_collection_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("huge.http");
        // Sparse: its size says 65 MiB, nothing is written.
        std::fs::File::create(&p)
            .unwrap()
            .set_len(MAX_FILE + (1 << 20))
            .unwrap();
        let e = HttpFile::read_lenient(&p).unwrap_err();
        assert!(e.to_string().contains("65 MiB is more than"), "{e}");
        assert!(HttpFile::read(&p).is_err());
    }

    #[test]
    fn bad_lines_name_their_line() {
        let e = parse(
            Path::new("a.http"),
            "### x\nGET https://a.example\nnot a header\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.to_string().starts_with("a.http:3: expected a header"),
            "{e}"
        );
        let e = parse(Path::new("a.http"), "GET a b c\n").unwrap_err();
        assert_eq!(e.line, 1);
    }
}

#[cfg(test)]
mod edit_tests {
    use super::*;

    const FILE: &str = "@host = https://api.example.com\n\
                        \n\
                        ### Log in\n\
                        # @name login\n\
                        POST {{host}}/login\n\
                        Content-Type: application/json\n\
                        # keep me\n\
                        \n\
                        {\"user\": \"ann\"}\n\
                        \n\
                        > {% client.global.set(\"t\", 1) %}\n\
                        \n\
                        ### Boards\n\
                        GET {{host}}/boards\n    ?limit=20\n\
                        Accept: */*\n";

    fn p(text: &str) -> HttpFile {
        parse(Path::new("t.http"), text).unwrap()
    }

    #[test]
    fn a_changed_url_rewrites_only_its_lines_and_keeps_a_multi_line_query() {
        let f = p(FILE);
        let mut r = f.requests[1].clone();
        r.url = "{{host}}/boards?limit=50&page={{p}}".into();
        let out = f.replace(1, &r);
        assert_eq!(
            out,
            FILE.replace(
                "GET {{host}}/boards\n    ?limit=20\n",
                "GET {{host}}/boards\n    ?limit=50\n    &page={{p}}\n"
            )
        );
        assert_eq!(p(&out).requests[1].url, r.url);
        // A one-line request line stays one line.
        let mut login = f.requests[0].clone();
        login.url = "{{host}}/login?x=1&y=2".into();
        assert!(
            f.replace(0, &login)
                .contains("\nPOST {{host}}/login?x=1&y=2\n")
        );
        // CRLF files keep CRLF between the query's lines.
        let crlf = p(&FILE.replace('\n', "\r\n"));
        let out = crlf.replace(1, &r);
        assert!(
            out.contains("GET {{host}}/boards\r\n    ?limit=50\r\n    &page={{p}}\r\n"),
            "{out:?}"
        );
    }

    #[test]
    fn references_to_a_renamed_request_are_rewritten_and_only_they() {
        let f = p(
            "# @name login\nPOST https://a.example/login\n\n###\n# @name me\nGET https://a.example/me?u={{login.response.body.$.id}}\nAuthorization: Bearer {{ login.response.body.$.token }}\nX-Not: {{login}} {{loginx.response.body.$.a}}\n",
        );
        let (text, n) = f.rename_references("login", "auth");
        assert_eq!(n, 2);
        assert_eq!(
            text,
            f.text
                .replace("{{ login.response", "{{ auth.response")
                .replace("{{login.response", "{{auth.response")
        );
        assert!(text.contains("{{login}} {{loginx.response.body.$.a}}"));
    }

    #[test]
    fn a_block_that_does_not_parse_can_be_removed_alone() {
        let text = "@h = 1\n# top\nGET https://a.example/one\n\n###\nGET https://a.example/two with spaces\n\n### Three\nGET https://a.example/three\n";
        let f = parse_lenient(Path::new("t.http"), text);
        assert_eq!(f.problems.len(), 1);
        assert_eq!(
            f.remove_broken(0),
            "@h = 1\n# top\nGET https://a.example/one\n\n### Three\nGET https://a.example/three\n"
        );
        // The first block: after the file's variables and comments.
        let f = parse_lenient(
            Path::new("t.http"),
            "@h = 1\n# c\nGET a b c\n\n###\nGET https://x.example/\n",
        );
        assert_eq!(
            f.remove_broken(0),
            "@h = 1\n# c\n###\nGET https://x.example/\n"
        );
    }

    #[test]
    fn headers_body_name_and_title() {
        let f = p(FILE);
        let mut r = f.requests[0].clone();
        r.headers.push(Header {
            name: "X-Trace".into(),
            value: "1".into(),
            line: 0,
        });
        r.body = Body::Text("{\"user\": \"bob\"}".into());
        r.name = Some("signin".into());
        r.title = Some("Sign in".into());
        let out = f.replace(0, &r);
        let g = p(&out);
        let got = &g.requests[0];
        assert_eq!(got.name.as_deref(), Some("signin"));
        assert_eq!(got.title.as_deref(), Some("Sign in"));
        assert_eq!(got.headers.len(), 2);
        assert_eq!(got.body, r.body);
        assert!(got.handler_line.is_some());
        assert!(out.contains("# keep me\n"), "{out}");
        // The other request's bytes are untouched.
        assert!(out.ends_with(&FILE[f.requests[1].span.clone()]));
        assert!(
            out.starts_with("@host = https://api.example.com\n\n### Sign in\n# @name signin\n")
        );
    }

    #[test]
    fn a_body_added_and_removed() {
        let f = p(FILE);
        let mut r = f.requests[1].clone();
        r.method = "POST".into();
        r.body = Body::Text("{\"a\": 1}".into());
        let out = f.replace(1, &r);
        assert!(out.ends_with("Accept: */*\n\n{\"a\": 1}\n"), "{out:?}");
        assert_eq!(p(&out).requests[1].body, r.body);
        let mut r0 = f.requests[0].clone();
        r0.body = Body::None;
        let out = f.replace(0, &r0);
        let g = p(&out);
        assert_eq!(g.requests[0].body, Body::None);
        assert!(g.requests[0].handler_line.is_some());
        // A file without a final line ending.
        let f = p("GET https://a.example/x");
        let mut r = f.requests[0].clone();
        r.headers.push(Header {
            name: "A".into(),
            value: "b".into(),
            line: 0,
        });
        r.body = Body::Text("hi".into());
        let out = f.replace(0, &r);
        assert_eq!(out, "GET https://a.example/x\nA: b\n\nhi\n");
    }

    #[test]
    fn a_body_file_under_the_headers_becomes_text_with_a_blank_line() {
        let f = p("POST https://a.example/x\nContent-Type: application/json\n< ./p.json\n");
        assert!(!f.requests[0].layout.blank);
        let mut r = f.requests[0].clone();
        r.body = Body::Text("{\"a\":1}".into());
        let out = f.replace(0, &r);
        let g = p(&out);
        assert_eq!(g.requests[0].headers.len(), 1, "{out}");
        assert_eq!(g.requests[0].body, r.body, "{out}");
    }

    #[test]
    fn crlf_edits_stay_crlf() {
        let text = FILE.replace('\n', "\r\n");
        let f = p(&text);
        let mut r = f.requests[1].clone();
        r.headers.clear();
        r.name = Some("boards".into());
        r.body = Body::Text("a\nb".into());
        let out = f.replace(1, &r);
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
        let g = p(&out);
        assert_eq!(g.requests[1].name.as_deref(), Some("boards"));
        assert!(g.requests[1].headers.is_empty());
    }

    #[test]
    fn remove_insert_and_duplicate() {
        let f = p(FILE);
        let out = f.remove(0);
        assert_eq!(
            out,
            format!(
                "@host = https://api.example.com\n\n{}",
                &FILE[f.requests[1].span.clone()]
            )
        );
        let g = p(&out);
        assert_eq!(g.requests.len(), 1);
        assert_eq!(g.variables.len(), 1);
        let out = f.remove(1);
        assert_eq!(out, &FILE[..f.requests[1].span.start]);
        let block = render(&HttpRequest {
            name: Some("new".into()),
            method: "GET".into(),
            url: "{{host}}/x".into(),
            ..f.requests[1].clone()
        });
        let out = f.insert(Some(0), &block);
        let g = p(&out);
        assert_eq!(g.requests.len(), 3);
        assert_eq!(g.requests[1].name.as_deref(), Some("new"));
        assert_eq!(g.requests[0].body, f.requests[0].body);
        let out = f.duplicate(0, "login-2").unwrap();
        let g = p(&out);
        assert_eq!(g.requests.len(), 3);
        assert_eq!(g.requests[1].name.as_deref(), Some("login-2"));
        assert_eq!(g.requests[1].url, f.requests[0].url);
        assert!(g.requests[1].handler_line.is_some());
        assert!(out.starts_with(&FILE[..f.requests[0].span.end]));
        // The first request of a file with no `###` gets one in its copy.
        let f = p("GET https://a.example/x\n");
        let g = p(&f.duplicate(0, "copy").unwrap());
        assert_eq!(g.requests.len(), 2);
        assert_eq!(g.requests[0].name, None);
        assert_eq!(g.requests[1].name.as_deref(), Some("copy"));
    }
}
