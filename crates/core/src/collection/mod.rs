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
pub mod openapi;
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
        let text = std::fs::read_to_string(path).map_err(|e| CollectionError {
            file: path.to_owned(),
            line: 0,
            message: format!("cannot read: {e}"),
        })?;
        parse(path, &text)
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

/// One line of the text: its content (without the line ending), its byte
/// range including the ending, and its 1-based number.
struct Line<'a> {
    text: &'a str,
    start: usize,
    end: usize,
    number: usize,
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

/// Parses the text of a `.http` file.
pub fn parse(path: &Path, text: &str) -> Result<HttpFile, CollectionError> {
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
    for (bi, (title, from, to)) in blocks.into_iter().enumerate() {
        let span_start = if bi == 0 { 0 } else { all[from - 1].start };
        let span_end = if to < all.len() {
            all[to].start
        } else {
            text.len()
        };
        let block = &all[from..to];
        let mut name = None;
        let mut comments = Vec::new();
        let mut i = 0;
        // Before the request line: comments, @name, file variables.
        while i < block.len() {
            let t = block[i].text;
            if t.trim().is_empty() {
                i += 1;
            } else if let Some(n) = name_directive(t) {
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
                i += 1;
            } else {
                break;
            }
        }
        if i == block.len() {
            continue; // a block of comments and variables only
        }
        let request_line = &block[i];
        let (method, mut url, version) =
            request_line_parts(request_line.text).ok_or_else(|| {
                err(
                    request_line.number,
                    "expected a request line: [METHOD] URL [HTTP/x]".into(),
                )
            })?;
        i += 1;
        // Query continued on the following indented lines.
        while i < block.len() {
            let t = block[i].text;
            let trimmed = t.trim_start();
            // (Indented in both tools' documents; a header never starts
            // with `?` or `&`, so an unindented one is read the same.)
            if trimmed.starts_with('?') || trimmed.starts_with('&') {
                url.push_str(trimmed.trim_end());
                i += 1;
            } else {
                break;
            }
        }
        let mut headers = Vec::new();
        while i < block.len() {
            let l = &block[i];
            let t = l.text;
            if t.trim().is_empty() {
                i += 1;
                break;
            }
            if is_comment(t) {
                i += 1;
                continue;
            }
            if t.starts_with('>') || t.starts_with('<') {
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
            i += 1;
        }
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
        });
    }
    Ok(HttpFile {
        path: path.to_owned(),
        text: text.to_owned(),
        variables,
        requests,
    })
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
