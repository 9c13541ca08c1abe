//! The model of a `.http` file: requests, their parts and where each part
//! is in the text, and a request as a template line.

use std::ops::Range;
use std::path::PathBuf;

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
    /// A pre-request script (`< {% … %}` or `< ./pre.js` before the
    /// request line).
    pub pre: Option<Script>,
    /// A response handler (`> {% … %}` or `> ./handler.js`).
    pub handler: Option<Script>,
    /// `>> file` (`false`) or `>>! file` (`true`: overwrite).
    pub output: Option<(String, bool)>,
    /// httpyac's `?? …` assertion lines: (1-based line, the text after
    /// `??`), in order; parsed by [`crate::collection::assert::parse`].
    pub asserts: Vec<(usize, String)>,
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

/// A JetBrains HTTP Client script of a request: run (in trusted
/// collections only) by a [`super::script::ScriptEngine`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// 1-based line of its `<` / `>` line.
    pub line: usize,
    /// Its code, or the file that holds it.
    pub code: ScriptCode,
}

/// Where a script's code is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptCode {
    /// Between `{%` and `%}`.
    Inline(String),
    /// `> ./handler.js`: a file, relative to the collection's directory.
    File(String),
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

/// How `# @urlencode-variables` encodes a form body's variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEncoding {
    /// newman's: every byte but letters, digits and `-_.~` as `%XX`.
    Newman,
    /// URLSearchParams': `+` for a space; letters, digits and `*-._` kept.
    WwwForm,
    /// Insomnia's: `encodeURIComponent`, a `%XX` already there kept.
    UriComponent,
}

impl HttpRequest {
    /// Whether the request says `# @urlencode-variables` (a comment line
    /// before its request line): a form body's variables are form-encoded
    /// once substituted — as newman does (the Postman import writes it), or
    /// with `www-form` after it as a browser's URLSearchParams does, `+`
    /// for a space (the Bruno import writes that).
    pub fn urlencode_variables(&self) -> Option<FormEncoding> {
        self.comments.iter().find_map(|c| {
            match c.trim().strip_prefix("@urlencode-variables")?.trim() {
                "" => Some(FormEncoding::Newman),
                "www-form" => Some(FormEncoding::WwwForm),
                "uri-component" => Some(FormEncoding::UriComponent),
                _ => None,
            }
        })
    }

    /// Whether the request says `# @no-cookie-jar` (JetBrains, httpyac):
    /// the run's cookie jar neither adds its cookies nor keeps what comes
    /// back.
    pub fn no_cookie_jar(&self) -> bool {
        self.comments.iter().any(|c| c.trim() == "@no-cookie-jar")
    }

    /// `# @no-redirect` (JetBrains): a redirect is the answer.
    pub fn no_redirect(&self) -> bool {
        self.comments.iter().any(|c| c.trim() == "@no-redirect")
    }

    /// `# @timeout N` (JetBrains; seconds, or `N ms`, `N s`, `N m`): the
    /// time the request may take, in milliseconds; a value that is not a
    /// time is an error naming it.
    pub fn timeout_ms(&self) -> Result<Option<u64>, String> {
        let Some(rest) = self.comments.iter().find_map(|c| {
            let rest = c.trim().strip_prefix("@timeout")?;
            rest.starts_with([' ', '\t'])
                .then(|| rest.trim().to_owned())
        }) else {
            return Ok(None);
        };
        let (num, unit) = match rest.find(|c: char| !c.is_ascii_digit() && c != '.') {
            Some(at) => (rest[..at].trim(), rest[at..].trim()),
            None => (rest.as_str(), ""),
        };
        let n: f64 = num
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite() && *n > 0.0)
            .ok_or_else(|| {
                format!("# @timeout {rest}: not a time (write seconds, or N ms, N s, N m)")
            })?;
        let ms = match unit {
            "" | "s" | "sec" | "seconds" => n * 1000.0,
            "ms" => n,
            "m" | "min" | "minutes" => n * 60_000.0,
            other => {
                return Err(format!(
                    "# @timeout {rest}: the unit {other} is not one of ms, s, m"
                ));
            }
        };
        Ok(Some(ms.min(1e12) as u64))
    }

    /// The dialect the request names (`# @dialect envelope`): its answers
    /// are decoded as that API, the user's choice.
    pub fn dialect(&self) -> Option<&str> {
        self.comments.iter().find_map(|c| {
            let rest = c.trim().strip_prefix("@dialect")?;
            let id = rest.trim_start_matches([' ', '\t', '=']).trim();
            (!id.is_empty() && rest.starts_with([' ', '\t', '='])).then_some(id)
        })
    }

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
            pre: None,
            handler: None,
            output: None,
            asserts: Vec::new(),
            span: 0..0,
            layout: Layout::default(),
        }
    }

    /// Whether it has a script: a pre-request script, a response handler
    /// or a `?? js` assertion.
    pub fn has_script(&self) -> bool {
        self.pre.is_some()
            || self.handler.is_some()
            || self
                .asserts
                .iter()
                .any(|(_, a)| a.split_whitespace().next() == Some("js"))
    }

    /// The line of its response handler, when it has one.
    pub fn handler_line(&self) -> Option<usize> {
        self.handler.as_ref().map(|s| s.line)
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
