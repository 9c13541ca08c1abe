//! Raw HTTP/1.x responses as `curl -i` prints them, and `curl -v`
//! transcripts (`> ` request lines, `< ` response lines, `* ` info lines).
//!
//! Captures come from tickets, so the reader is lenient where the meaning is
//! clear: CRLF or LF, `HTTP/2 200` status lines without a reason, blank
//! lines before the status line, folded headers, and several responses in a
//! row (`100 Continue`, redirects followed with `-L`, a proxy's `200
//! Connection established`), of which the last one counts.

use super::InputError;
use crate::model::{Exchange, Headers, Request, Response};

/// Whether bytes start (after blank lines and a BOM) like an HTTP response
/// or a `curl -v` transcript.
pub fn sniff(bytes: &[u8]) -> bool {
    let text = strip_bom(bytes);
    lines(text)
        .map(|(l, _)| trim_cr(l))
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .is_some_and(|l| {
            status_line(l).is_some()
                || l.starts_with(b"* ")
                || l.starts_with(b"> ")
                || l.starts_with(b"< HTTP/")
        })
}

/// Reads one exchange from a `curl -i` capture or `curl -v` transcript.
pub fn read(bytes: &[u8], source: &str) -> Result<Exchange, InputError> {
    read_shared(&bytes::Bytes::copy_from_slice(bytes), source)
}

/// As [`read`], from shared bytes: the body is a slice of the input.
pub fn read_shared(shared: &bytes::Bytes, source: &str) -> Result<Exchange, InputError> {
    let bytes: &[u8] = shared;
    let text = strip_bom(bytes);
    if is_verbose(text) {
        return read_verbose(text, source);
    }
    let mut rest = text;
    let mut offset_line = 1usize;
    // Skip leading blank lines.
    loop {
        match first_line(rest) {
            Some((l, next)) if l.iter().all(u8::is_ascii_whitespace) && next > 0 => {
                rest = &rest[next..];
                offset_line += 1;
            }
            _ => break,
        }
    }
    let mut last: Option<Response> = None;
    while let Some((line, _)) = first_line(rest) {
        if status_line(trim_cr(line)).is_none() {
            if last.is_none() {
                return Err(InputError::NotHttp {
                    file: source.to_owned(),
                    line: offset_line,
                    found: preview(line),
                });
            }
            break;
        }
        let (mut resp, body_start, header_lines) = head(rest);
        offset_line += header_lines;
        let after = &rest[body_start..];
        // Another response follows right away (1xx, redirects, proxies)?
        if next_is_status(after) {
            last = Some(resp);
            let skip = after.len() - trim_start_ws(after).len();
            rest = &after[skip..];
            continue;
        }
        // Or after this response's Content-Length bytes?
        if let Some(n) = resp
            .headers
            .get("content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
            && n < after.len()
            && next_is_status(&after[n..])
        {
            resp.body = shared.slice_ref(&after[..n]);
            let rem = &after[n..];
            let skip = rem.len() - trim_start_ws(rem).len();
            rest = &rem[skip..];
            last = Some(resp);
            continue;
        }
        resp.body = shared.slice_ref(after);
        last = Some(resp);
        break;
    }
    let mut response = last.ok_or_else(|| InputError::NotHttp {
        file: source.to_owned(),
        line: 1,
        found: String::new(),
    })?;
    super::encoding::normalise(&mut response);
    Ok(Exchange {
        request: None,
        response,
        timing: Default::default(),
        failure: None,
        dialect: None,
    })
}

/// Parses a status line and headers; returns the response (without body),
/// the byte offset where the body starts and the number of lines read.
fn head(text: &[u8]) -> (Response, usize, usize) {
    let mut resp = Response::default();
    let mut count = 0;
    let mut pos = 0;
    let mut first = true;
    while let Some((line, next)) = first_line(&text[pos..]) {
        let l = trim_cr(line);
        let line_end = pos + next;
        count += 1;
        if first {
            if let Some((version, status, reason)) = status_line(l) {
                resp.version = Some(version);
                resp.status = Some(status);
                resp.reason = reason;
            }
            first = false;
            pos = line_end;
            continue;
        }
        if l.is_empty() {
            return (resp, line_end, count);
        }
        if l.starts_with(b" ") || l.starts_with(b"\t") {
            // obs-fold: a continuation of the previous header's value.
            if let Some((_, v)) = resp.headers.0.last_mut() {
                v.push(' ');
                v.push_str(String::from_utf8_lossy(l).trim());
            }
        } else if let Some(colon) = l.iter().position(|&b| b == b':') {
            let name = String::from_utf8_lossy(&l[..colon]).trim().to_owned();
            let value = String::from_utf8_lossy(&l[colon + 1..]).trim().to_owned();
            if !name.is_empty() {
                resp.headers.push(name, value);
            }
        } else {
            resp.notes.push(format!(
                "Header line {count} is not `Name: value` and was ignored: {}",
                preview(l)
            ));
        }
        pos = line_end;
    }
    (resp, text.len(), count)
}

/// `HTTP/1.1 200 OK` → (version, status, reason).
fn status_line(l: &[u8]) -> Option<(String, u16, Option<String>)> {
    // A reason phrase in Latin-1 (`401 Non autorisé`) is still a status
    // line: read it lossily.
    let lossy = String::from_utf8_lossy(l);
    let s = lossy.trim();
    let mut parts = s.splitn(3, ' ');
    let version = parts.next()?;
    if !version.starts_with("HTTP/") {
        return None;
    }
    let code = parts.next()?.trim();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let status: u16 = code.parse().ok()?;
    if !(100..=599).contains(&status) {
        return None;
    }
    let reason = parts
        .next()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    Some((version.to_owned(), status, reason))
}

fn next_is_status(b: &[u8]) -> bool {
    let t = trim_start_ws(b);
    first_line(t).is_some_and(|(l, _)| status_line(trim_cr(l)).is_some())
}

fn is_verbose(text: &[u8]) -> bool {
    lines(text)
        .take(200)
        .any(|(l, _)| l.starts_with(b"< HTTP/"))
}

/// A `curl -v` transcript: the last `< ` response block, the request from
/// the `> ` block before it, and the body from the lines that follow.
fn read_verbose(text: &[u8], source: &str) -> Result<Exchange, InputError> {
    let all: Vec<&[u8]> = lines(text).map(|(l, _)| l).collect();
    let last_status = all
        .iter()
        .rposition(|l| l.starts_with(b"< HTTP/"))
        .ok_or_else(|| InputError::NotHttp {
            file: source.to_owned(),
            line: 1,
            found: String::new(),
        })?;
    // Response head: consecutive `< ` lines from the status line.
    let mut head_text = Vec::new();
    let mut i = last_status;
    while i < all.len() && all[i].starts_with(b"<") {
        let l = trim_cr(all[i]);
        head_text.extend_from_slice(l.strip_prefix(b"< ").unwrap_or(&l[1..]));
        head_text.extend_from_slice(b"\r\n");
        i += 1;
    }
    head_text.extend_from_slice(b"\r\n");
    let (mut response, _, _) = head(&head_text);
    // Body: the remaining lines that are not curl's own chatter.
    let body_lines: Vec<&[u8]> = all[i..]
        .iter()
        .copied()
        .filter(|l| {
            !(l.starts_with(b"* ")
                || l.starts_with(b"{ [")
                || l.starts_with(b"} [")
                || l.starts_with(b"< ")
                || l.starts_with(b"> "))
        })
        .collect();
    let mut body = body_lines.join(&b'\n');
    while body.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
        body.pop();
    }
    response.body = body.into();
    super::encoding::normalise(&mut response);

    // Request: the last `> ` block before the response.
    let request = all[..last_status]
        .iter()
        .rposition(|l| l.starts_with(b"> ") && request_line(&l[2..]).is_some())
        .map(|start| {
            let (method, target) = request_line(&all[start][2..]).unwrap_or_default();
            let mut headers = Headers::new();
            for l in &all[start + 1..last_status] {
                let Some(h) = l.strip_prefix(b"> ") else {
                    break;
                };
                let h = trim_cr(h);
                if let Some(c) = h.iter().position(|&b| b == b':') {
                    headers.push(
                        String::from_utf8_lossy(&h[..c]).trim(),
                        String::from_utf8_lossy(&h[c + 1..]).trim(),
                    );
                }
            }
            let tls = all[..last_status].iter().any(|l| {
                l.starts_with(b"* ")
                    && (memchr::memmem::find(l, b"SSL").is_some()
                        || memchr::memmem::find(l, b"TLS").is_some()
                        || memchr::memmem::find(l, b"ALPN").is_some())
            });
            let url = if target.starts_with("http://") || target.starts_with("https://") {
                Some(target.clone())
            } else {
                headers.get("host").map(|h| {
                    format!(
                        "{}://{}{}",
                        if tls { "https" } else { "http" },
                        h.trim(),
                        target
                    )
                })
            };
            Request {
                method,
                url,
                headers,
                body: bytes::Bytes::new(),
            }
        });
    Ok(Exchange {
        request,
        response,
        timing: Default::default(),
        failure: None,
        dialect: None,
    })
}

fn request_line(l: &[u8]) -> Option<(String, String)> {
    let s = std::str::from_utf8(trim_cr(l)).ok()?;
    let mut parts = s.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    let version = parts.next()?;
    (version.starts_with("HTTP/") && method.bytes().all(|b| b.is_ascii_uppercase()))
        .then(|| (method.to_owned(), target.to_owned()))
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

fn trim_start_ws(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// The first line (without `\n`) and the offset after it.
fn first_line(b: &[u8]) -> Option<(&[u8], usize)> {
    if b.is_empty() {
        return None;
    }
    Some(match memchr::memchr(b'\n', b) {
        Some(i) => (&b[..i], i + 1),
        None => (b, b.len()),
    })
}

fn lines(b: &[u8]) -> impl Iterator<Item = (&[u8], usize)> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let (l, next) = first_line(&b[pos..])?;
        let start = pos;
        pos += next;
        Some((l, start))
    })
}

fn preview(l: &[u8]) -> String {
    let s = String::from_utf8_lossy(trim_cr(l));
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(60)
        .collect();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_i_with_redirect_keeps_the_last() {
        let raw = b"HTTP/1.1 301 Moved\r\nLocation: /b\r\nContent-Length: 0\r\n\r\nHTTP/2 404\r\ncontent-type: application/json\r\n\r\n{\"error\":\"Not found\"}";
        let ex = read(raw, "t").unwrap();
        assert_eq!(ex.response.status, Some(404));
        assert_eq!(&ex.response.body[..], b"{\"error\":\"Not found\"}");
    }

    #[test]
    fn continue_then_response() {
        let raw = b"HTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\nX-A: 1\n  folded\n\n{}";
        let ex = read(raw, "t").unwrap();
        assert_eq!(ex.response.status, Some(201));
        assert_eq!(ex.response.headers.get("x-a"), Some("1 folded"));
    }

    #[test]
    fn curl_verbose_gives_the_request() {
        let raw = b"*   Trying 1.2.3.4:443...\n* SSL connection using TLSv1.3\n> GET /v1/boards?limit=500 HTTP/2\n> Host: api.example.com\n> user-agent: curl/8.5.0\n> \n< HTTP/2 400 \n< content-type: application/json\n< \n{ [120 bytes data]\n{\"error\":{\"code\":\"INVALID_QUERY_PARAMETER\"}}\n* Connection #0 to host api.example.com left intact\n";
        let ex = read(raw, "t").unwrap();
        assert_eq!(ex.response.status, Some(400));
        assert_eq!(
            &ex.response.body[..],
            b"{\"error\":{\"code\":\"INVALID_QUERY_PARAMETER\"}}"
        );
        let req = ex.request.unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(
            req.url.as_deref(),
            Some("https://api.example.com/v1/boards?limit=500")
        );
    }

    #[test]
    fn not_http_names_the_line() {
        let err = read(b"\nhello world\n", "f.txt").unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.txt: line 2: not an HTTP response (found 'hello world'); expected a status line such as 'HTTP/1.1 200 OK'"
        );
    }
}
