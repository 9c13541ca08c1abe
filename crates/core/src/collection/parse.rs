//! Reading a `.http` file: blocks, requests and their layout, with a
//! problem for each block that does not parse.

use super::*;
use std::path::Path;

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
}

const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

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

/// The most lines a `.http` file may have (100,000 requests are about a
/// million): 64 MiB of empty lines would need gigabytes of line records.
pub const MAX_LINES: usize = 4_000_000;

/// The most headers one request may have (servers refuse far fewer; a
/// file of millions of header lines would take gigabytes to resolve).
pub const MAX_HEADERS: usize = 10_000;

/// The most file variables (`@name = value`) a file may define.
pub const MAX_VARIABLES: usize = 100_000;

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

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    // A byte-order mark belongs to no line (editors on Windows write one).
    let mut start = if text.starts_with('\u{feff}') { 3 } else { 0 };
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

pub(super) fn is_comment(t: &str) -> bool {
    let t = t.trim_start();
    t.starts_with('#') || t.starts_with("//")
}

/// The code between a script's `{%` and its last `%}`.
fn script_code(raw: &str) -> String {
    let from = raw.find("{%").map_or(0, |p| p + 2);
    let to = raw.rfind("%}").filter(|&t| t >= from).unwrap_or(raw.len());
    // (Leading line breaks kept: the code's line 1 is the `{%` line.)
    raw[from..to].trim_end_matches(['\r', '\n']).to_owned()
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
    let err = |line: usize, message: String| CollectionError {
        file: path.to_owned(),
        line,
        message,
    };
    let count = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    if count > MAX_LINES {
        return HttpFile {
            path: path.to_owned(),
            text: text.to_owned(),
            variables: Vec::new(),
            requests: Vec::new(),
            problems: vec![err(
                0,
                format!("{count} lines: more than a collection file may hold ({MAX_LINES})"),
            )],
            broken: std::iter::once(0..0).collect(),
        };
    }
    let all = lines(text);
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
            let mut pre = None;
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
                } else if let Some(rest) = t.trim_start().strip_prefix('<') {
                    // A pre-request script: `< {% … %}` or `< ./pre.js`.
                    let rest = rest.trim();
                    let line = block[i].number;
                    if rest.starts_with("{%") {
                        let close = block[i..]
                            .iter()
                            .enumerate()
                            .find(|(k, l)| {
                                let e = l.text.trim_end();
                                e.ends_with("%}") && (*k > 0 || e.trim_start().len() > 4)
                            })
                            .map(|(k, _)| i + k)
                            .ok_or_else(|| {
                                err(
                                    line,
                                    "'< {%' opens a pre-request script that no '%}' closes".into(),
                                )
                            })?;
                        let raw = &text[block[i].start..block[close].end];
                        pre = Some(Script {
                            line,
                            code: ScriptCode::Inline(script_code(raw)),
                        });
                        i = close + 1;
                    } else if rest.is_empty() {
                        return Err(err(line, "'<' names no pre-request script file".into()));
                    } else {
                        pre = Some(Script {
                            line,
                            code: ScriptCode::File(rest.to_owned()),
                        });
                        i += 1;
                    }
                } else if let Some((n, v)) = file_variable(t) {
                    if variables.len() >= MAX_VARIABLES {
                        return Err(err(
                            block[i].number,
                            format!(
                                "more than {MAX_VARIABLES} file variables (@name = value): apiscope reads no more"
                            ),
                        ));
                    }
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
                // JetBrains breaks the path the same way: indented `/api`.
                if (trimmed.starts_with('?') && !trimmed.starts_with("??"))
                    || trimmed.starts_with('&')
                    || (trimmed.starts_with('/')
                        && !trimmed.starts_with("//")
                        && trimmed.len() < t.len())
                {
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
                if t.starts_with('>') || t.starts_with('<') || t.starts_with("??") {
                    headers_end = l.start;
                    break; // a handler, a body file or an assertion after the headers
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
                if headers.len() >= MAX_HEADERS {
                    return Err(err(
                        l.number,
                        format!(
                            "more than {MAX_HEADERS} headers in one request: apiscope reads no more"
                        ),
                    ));
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
            let mut handler = None;
            let mut output = None;
            let mut asserts = Vec::new();
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
                    let raw = &text[body_lines[open].start..last.end];
                    handler = Some(Script {
                        line: body_lines[open].number,
                        code: ScriptCode::Inline(script_code(raw)),
                    });
                    body_lines.truncate(open);
                } else if let Some(f) = t.strip_prefix('>') {
                    let f = f.trim();
                    if f.is_empty() {
                        return Err(err(
                            last.number,
                            "'>' names no response handler file".into(),
                        ));
                    }
                    handler = Some(Script {
                        line: last.number,
                        code: ScriptCode::File(f.to_owned()),
                    });
                    body_lines.pop();
                } else if let Some(a) = t.strip_prefix("??") {
                    asserts.push((last.number, a.trim().to_owned()));
                    body_lines.pop();
                } else if t.starts_with("<>") {
                    // A JetBrains response reference (`<> 2024-…json`, the
                    // response it saved): never sent.
                    body_lines.pop();
                } else {
                    break;
                }
            }
            asserts.reverse();
            // (Leading blank lines dropped at once: a body of a million
            // blank lines stays linear.)
            let leading = body_lines
                .iter()
                .take_while(|l| l.text.trim().is_empty())
                .count();
            body_lines.drain(..leading);
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
                pre,
                handler,
                output,
                asserts,
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
    let mut words = template_words(t);
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

/// Words split on whitespace outside `{{…}}`: `{{$randomInt 1 100}}` and
/// `{{ host }}` stay inside the URL, as JetBrains and httpyac read them.
fn template_words(t: &str) -> Vec<&str> {
    use crate::template::Piece;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut at = 0;
    for p in crate::template::pieces(t) {
        match p {
            // An unclosed `{{`: plain words, as before.
            Piece::Unclosed { .. } => return t.split_whitespace().collect(),
            Piece::Var(v) => {
                start.get_or_insert(v.at);
                at = v.at + v.raw.len();
            }
            Piece::Text(text) => {
                for (i, b) in text.bytes().enumerate() {
                    if b.is_ascii_whitespace() {
                        if let Some(s) = start.take() {
                            out.push(&t[s..at + i]);
                        }
                    } else {
                        start.get_or_insert(at + i);
                    }
                }
                at += text.len();
            }
        }
    }
    if let Some(s) = start {
        out.push(&t[s..]);
    }
    out
}

fn is_method(w: &str) -> bool {
    METHODS.contains(&w) || (w.len() >= 3 && w.bytes().all(|b| b.is_ascii_uppercase()))
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
        assert_eq!(login.handler_line(), Some(12));
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
    fn a_dynamic_variable_with_arguments_stays_in_the_url() {
        let f = p("GET https://a.test/x?n={{$randomInt 1 100}}&h={{ host }} HTTP/1.1\n");
        assert_eq!(
            f.requests[0].url,
            "https://a.test/x?n={{$randomInt 1 100}}&h={{ host }}"
        );
        assert_eq!(f.requests[0].version.as_deref(), Some("HTTP/1.1"));
        let f = p("POST {{$processEnv BASE}}/login\n");
        assert_eq!(f.requests[0].method, "POST");
        assert_eq!(f.requests[0].url, "{{$processEnv BASE}}/login");
    }

    #[test]
    fn assertions_end_a_request() {
        let f = p(
            "GET https://a.test/x\n?? status == 200\n\n### b\nPOST https://a.test/y\nContent-Type: application/json\n\n{\"a\": 1}\n\n?? status == 201\n?? body a exists\n> {% client.log(1) %}\n",
        );
        assert_eq!(f.requests[0].asserts, vec![(2, "status == 200".to_owned())]);
        assert!(f.requests[0].headers.is_empty());
        let b = &f.requests[1];
        assert_eq!(b.body, Body::Text("{\"a\": 1}".into()));
        assert_eq!(
            b.asserts,
            vec![
                (10, "status == 201".to_owned()),
                (11, "body a exists".to_owned())
            ]
        );
        assert_eq!(b.handler_line(), Some(12));
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
