//! A curl command as "Copy as cURL" gives it (Chrome, Firefox, API docs):
//! turned into the request it would send.
//!
//! The words are split as bash would: `'…'`, `"…"` (with `\"`, `\\`, `\$`,
//! `` \` `` unescaped), `$'…'` ANSI-C strings (`\n`, `\t`, `\xHH`, `\uHHHH`,
//! `\'`…), backslash escapes and line continuations. The options that shape
//! the request are read: `-X`, `-H`, `-d`/`--data`/`--data-raw`/
//! `--data-binary`/`--data-ascii`/`--data-urlencode`/`--json`, `-u`, `-A`,
//! `-e`, `-b`, `-G`, `-I`, `--url`, `--oauth2-bearer`; the ones that only
//! change how curl behaves (`--compressed`, `-L`, `-k`, `-s`, `-o FILE`…) are
//! accepted and ignored. A file may hold several commands.

use crate::model::{Headers, Request};
use base64::Engine as _;

/// Why a curl command could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CurlError {
    /// The 1-based line of the command in the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Whether text starts like a curl command.
pub fn sniff(text: &[u8]) -> bool {
    let t = text.trim_ascii_start();
    let t = t.strip_prefix(b"$ ").unwrap_or(t);
    t.starts_with(b"curl ") || t.starts_with(b"curl\t") || t.starts_with(b"curl\\")
}

/// Every curl command in `text`, as requests.
pub fn parse_all(text: &str) -> Result<Vec<Request>, CurlError> {
    let words = split(text)?;
    let mut out = Vec::new();
    let mut current: Vec<Word> = Vec::new();
    let flush = |cmd: &mut Vec<Word>, out: &mut Vec<Request>| -> Result<(), CurlError> {
        if let Some(first) = cmd.first() {
            let line = first.line;
            if first.text == "curl" {
                out.push(command(&cmd[1..])?);
            } else if !first.text.is_empty() {
                return Err(CurlError {
                    line,
                    message: format!("expected a curl command, found '{}'", first.text),
                });
            }
        }
        cmd.clear();
        Ok(())
    };
    // `curl … | jq .`: what follows a pipe is not part of the request.
    let mut piped = false;
    for w in words {
        if w.separator {
            flush(&mut current, &mut out)?;
            piped = w.text == "|";
        } else if piped {
            continue;
        } else if !(current.is_empty() && w.text == "$") {
            current.push(w);
        }
    }
    flush(&mut current, &mut out)?;
    if out.is_empty() {
        return Err(CurlError {
            line: 1,
            message: "no curl command found".into(),
        });
    }
    Ok(out)
}

/// One curl command (`curl …`) as a request.
pub fn parse(text: &str) -> Result<Request, CurlError> {
    parse_all(text).map(|mut v| v.remove(0))
}

#[derive(Debug, Clone)]
struct Word {
    text: String,
    line: usize,
    /// A command separator (newline, `;`, `&&`, `||`, `|`).
    separator: bool,
}

/// Splits shell text into words and command separators.
fn split(text: &str) -> Result<Vec<Word>, CurlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut cur = String::new();
    let mut in_word = false;
    let mut word_line = 1;
    let err = |line, message: &str| CurlError {
        line,
        message: message.to_owned(),
    };
    macro_rules! end_word {
        () => {
            if in_word {
                words.push(Word {
                    text: std::mem::take(&mut cur),
                    line: word_line,
                    separator: false,
                });
                in_word = false;
            }
        };
    }
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                i += 2;
                line += 1;
                continue;
            }
            '\\' if chars.get(i + 1) == Some(&'\r') && chars.get(i + 2) == Some(&'\n') => {
                i += 3;
                line += 1;
                continue;
            }
            ' ' | '\t' | '\r' => end_word!(),
            '\n' | ';' | '&' | '|' => {
                end_word!();
                if c == '\n' {
                    line += 1;
                }
                // `&&`, `||`: one separator; a lone `|` is a pipe.
                let pipe = c == '|' && chars.get(i + 1) != Some(&'|');
                if (c == '&' || c == '|') && chars.get(i + 1) == Some(&c) {
                    i += 1;
                }
                words.push(Word {
                    text: if pipe { "|".into() } else { String::new() },
                    line,
                    separator: true,
                });
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            _ => {
                if !in_word {
                    in_word = true;
                    word_line = line;
                }
                match c {
                    '\'' => {
                        let start_line = line;
                        i += 1;
                        loop {
                            match chars.get(i) {
                                None => return Err(err(start_line, "unterminated ' quote")),
                                Some('\'') => break,
                                Some(&ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    cur.push(ch);
                                }
                            }
                            i += 1;
                        }
                    }
                    '"' => {
                        let start_line = line;
                        i += 1;
                        loop {
                            match chars.get(i) {
                                None => return Err(err(start_line, "unterminated \" quote")),
                                Some('"') => break,
                                Some('\\') => match chars.get(i + 1) {
                                    Some('\n') => {
                                        line += 1;
                                        i += 1;
                                    }
                                    Some(&n @ ('"' | '\\' | '$' | '`')) => {
                                        cur.push(n);
                                        i += 1;
                                    }
                                    _ => cur.push('\\'),
                                },
                                Some(&ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    cur.push(ch);
                                }
                            }
                            i += 1;
                        }
                    }
                    '$' if chars.get(i + 1) == Some(&'\'') => {
                        let start_line = line;
                        i += 2;
                        loop {
                            match chars.get(i) {
                                None => return Err(err(start_line, "unterminated $' quote")),
                                Some('\'') => break,
                                Some('\\') => {
                                    i = ansi_c_escape(&chars, i, &mut cur);
                                    continue;
                                }
                                Some(&ch) => {
                                    if ch == '\n' {
                                        line += 1;
                                    }
                                    cur.push(ch);
                                }
                            }
                            i += 1;
                        }
                    }
                    '\\' => {
                        if let Some(&n) = chars.get(i + 1) {
                            cur.push(n);
                            i += 1;
                        }
                    }
                    // Windows cmd "Copy as cURL" continuation: not supported,
                    // but a lone `^` at a line end is the tell.
                    '^' if chars.get(i + 1) == Some(&'\n') => {
                        return Err(err(
                            line,
                            "this looks like a Windows cmd curl command (^ continuations); copy it as cURL (bash) instead",
                        ));
                    }
                    _ => cur.push(c),
                }
            }
        }
        i += 1;
    }
    if in_word {
        words.push(Word {
            text: cur,
            line: word_line,
            separator: false,
        });
    }
    Ok(words)
}

/// Reads the ANSI-C escape at `chars[i]` (a backslash) into `out`; returns
/// the index after it.
fn ansi_c_escape(chars: &[char], i: usize, out: &mut String) -> usize {
    let Some(&e) = chars.get(i + 1) else {
        out.push('\\');
        return i + 1;
    };
    let hex = |from: usize, max: usize| {
        let digits: String = chars[from..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_hexdigit())
            .collect();
        let n = digits.len();
        (u32::from_str_radix(&digits, 16).ok(), n)
    };
    let simple = match e {
        'n' => Some('\n'),
        't' => Some('\t'),
        'r' => Some('\r'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'e' | 'E' => Some('\x1b'),
        'f' => Some('\x0c'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '"' => Some('"'),
        '?' => Some('?'),
        _ => None,
    };
    if let Some(c) = simple {
        out.push(c);
        return i + 2;
    }
    match e {
        'x' | 'u' | 'U' => {
            let max = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            match hex(i + 2, max) {
                (Some(v), n) if n > 0 => {
                    if e == 'x' {
                        // A byte: bash writes it raw. Keep ASCII as is and
                        // read high bytes as Latin-1 (the best a string can do).
                        out.push(char::from(v as u8));
                    } else {
                        out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    }
                    i + 2 + n
                }
                _ => {
                    out.push('\\');
                    out.push(e);
                    i + 2
                }
            }
        }
        '0'..='7' => {
            let digits: String = chars[i + 1..]
                .iter()
                .take(3)
                .take_while(|c| ('0'..='7').contains(*c))
                .collect();
            let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
            out.push(char::from((v & 0xff) as u8));
            i + 1 + digits.len()
        }
        _ => {
            out.push('\\');
            out.push(e);
            i + 2
        }
    }
}

/// Short options that take a value.
const SHORT_WITH_VALUE: &str = "XHdubAeoFTxwcDrmEKYyzCQtPU";

/// Long options that take a value (the ones curl users paste; an unknown
/// long option is taken as a flag).
const LONG_WITH_VALUE: &[&str] = &[
    "request",
    "header",
    "data",
    "data-raw",
    "data-binary",
    "data-ascii",
    "data-urlencode",
    "json",
    "user",
    "user-agent",
    "referer",
    "cookie",
    "url",
    "output",
    "form",
    "form-string",
    "upload-file",
    "proxy",
    "proxy-user",
    "write-out",
    "cookie-jar",
    "dump-header",
    "range",
    "max-time",
    "connect-timeout",
    "retry",
    "retry-delay",
    "retry-max-time",
    "cert",
    "key",
    "cacert",
    "capath",
    "config",
    "resolve",
    "connect-to",
    "oauth2-bearer",
    "aws-sigv4",
    "max-redirs",
    "limit-rate",
    "interface",
    "ciphers",
    "tls-max",
    "trace",
    "trace-ascii",
    "stderr",
    "unix-socket",
    "abstract-unix-socket",
    "max-filesize",
    "expect100-timeout",
    "keepalive-time",
    "dns-servers",
    "local-port",
    "noproxy",
    "pass",
    "pinnedpubkey",
    "quote",
    "variable",
    "url-query",
    "proxy-header",
    "proxy-cacert",
    "doh-url",
    "netrc-file",
    "engine",
    "hostpubmd5",
    "krb",
    "login-options",
    "mail-from",
    "mail-rcpt",
    "preproxy",
    "socks5",
    "socks5-hostname",
    "header-file",
];

enum Data {
    /// `-d`, `--data`, `--data-ascii`: CR and LF removed.
    Ascii(String),
    /// `--data-raw`, `--data-binary`, `--json`: as given.
    Raw(String),
    /// `--data-urlencode`.
    UrlEncode(String),
}

fn command(words: &[Word]) -> Result<Request, CurlError> {
    let line = words.first().map_or(1, |w| w.line);
    let err = |line: usize, message: String| CurlError { line, message };
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut data: Vec<Data> = Vec::new();
    let mut url_query: Vec<String> = Vec::new();
    let mut get = false;
    let mut head = false;
    let mut json = false;
    let mut i = 0;
    let mut options_done = false;
    while i < words.len() {
        let w = &words[i];
        let t = w.text.as_str();
        i += 1;
        // (option name, value) pairs this word yields.
        let mut opts: Vec<(String, Option<String>)> = Vec::new();
        if options_done || !t.starts_with('-') || t == "-" {
            if url.is_none() {
                url = Some(t.to_owned());
            }
            continue;
        } else if t == "--" {
            options_done = true;
            continue;
        } else if let Some(long) = t.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) if LONG_WITH_VALUE.contains(&n) => (n.to_owned(), Some(v.to_owned())),
                _ => (long.to_owned(), None),
            };
            if LONG_WITH_VALUE.contains(&name.as_str()) {
                let value = match inline {
                    Some(v) => v,
                    None => {
                        let v = words
                            .get(i)
                            .ok_or_else(|| err(w.line, format!("{t} needs a value")))?;
                        i += 1;
                        v.text.clone()
                    }
                };
                opts.push((name, Some(value)));
            } else {
                opts.push((name, None));
            }
        } else {
            // Short options, possibly bundled (`-sSL`) or with an attached
            // value (`-XPOST`, `-H'X: y'`).
            let flags: Vec<char> = t[1..].chars().collect();
            let mut k = 0;
            while k < flags.len() {
                let f = flags[k];
                if SHORT_WITH_VALUE.contains(f) {
                    let rest: String = flags[k + 1..].iter().collect();
                    let value = if !rest.is_empty() {
                        rest
                    } else {
                        let v = words
                            .get(i)
                            .ok_or_else(|| err(w.line, format!("-{f} needs a value")))?;
                        i += 1;
                        v.text.clone()
                    };
                    opts.push((f.to_string(), Some(value)));
                    break;
                }
                opts.push((f.to_string(), None));
                k += 1;
            }
        }
        for (name, value) in opts {
            let v = value.unwrap_or_default();
            match name.as_str() {
                "X" | "request" => method = Some(v.to_ascii_uppercase()),
                "H" | "header" => {
                    if let Some(path) = v.strip_prefix('@') {
                        return Err(err(
                            w.line,
                            format!("-H @{path}: headers read from a file are not supported"),
                        ));
                    }
                    match v.split_once(':') {
                        Some((n, val)) if !n.trim().is_empty() => {
                            headers.push((n.trim().to_owned(), val.trim().to_owned()));
                        }
                        // `-H 'X;'` sends an empty header; `-H 'X:'` removes one.
                        _ => match v.strip_suffix(';') {
                            Some(n) if !n.trim().is_empty() => {
                                headers.push((n.trim().to_owned(), String::new()));
                            }
                            _ => {
                                return Err(err(
                                    w.line,
                                    format!("-H '{v}': a header is 'Name: value'"),
                                ));
                            }
                        },
                    }
                }
                "d" | "data" | "data-ascii" | "data-binary" | "json" if v.starts_with('@') => {
                    return Err(err(
                        w.line,
                        format!(
                            "{} {v}: the body is read from a file, which is not in this ticket; paste the body with --data-raw instead",
                            if name.len() == 1 {
                                format!("-{name}")
                            } else {
                                format!("--{name}")
                            }
                        ),
                    ));
                }
                "url-query" => url_query.push(url_encode_item(&v)),
                "d" | "data" | "data-ascii" => data.push(Data::Ascii(v)),
                "data-raw" | "data-binary" => data.push(Data::Raw(v)),
                "data-urlencode" => data.push(Data::UrlEncode(v)),
                "json" => {
                    json = true;
                    data.push(Data::Raw(v));
                }
                "u" | "user" => {
                    let creds = if v.contains(':') { v } else { format!("{v}:") };
                    headers.push((
                        "Authorization".into(),
                        format!(
                            "Basic {}",
                            base64::engine::general_purpose::STANDARD.encode(creds)
                        ),
                    ));
                }
                "oauth2-bearer" => headers.push(("Authorization".into(), format!("Bearer {v}"))),
                "A" | "user-agent" => headers.push(("User-Agent".into(), v)),
                "e" | "referer" => headers.push(("Referer".into(), v)),
                "b" | "cookie" => headers.push(("Cookie".into(), v)),
                "url" if url.is_none() => url = Some(v),
                "G" | "get" => get = true,
                "I" | "head" => head = true,
                "F" | "form" | "form-string" => {
                    return Err(err(
                        w.line,
                        "multipart forms (-F/--form) are not supported; use -d or --data-binary"
                            .into(),
                    ));
                }
                "T" | "upload-file" => {
                    return Err(err(
                        w.line,
                        "-T/--upload-file reads the body from a file, which is not supported"
                            .into(),
                    ));
                }
                _ => {}
            }
        }
    }
    let mut url = url.ok_or_else(|| err(line, "the curl command has no URL".into()))?;
    if !url_query.is_empty() {
        let sep = if url.contains('?') { '&' } else { '?' };
        url = format!("{url}{sep}{}", url_query.join("&"));
    }
    let has_data = !data.is_empty();
    let joined = data
        .iter()
        .map(|d| match d {
            Data::Ascii(s) => s.replace(['\r', '\n'], ""),
            Data::Raw(s) => s.clone(),
            Data::UrlEncode(s) => url_encode_item(s),
        })
        .collect::<Vec<_>>()
        .join("&");
    let has = |headers: &[(String, String)], n: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n))
    };
    let (url, body) = if get && has_data {
        let sep = if url.contains('?') { '&' } else { '?' };
        (format!("{url}{sep}{joined}"), Vec::new())
    } else {
        (
            url,
            if has_data {
                joined.into_bytes()
            } else {
                Vec::new()
            },
        )
    };
    if json {
        if !has(&headers, "content-type") {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        if !has(&headers, "accept") {
            headers.push(("Accept".into(), "application/json".into()));
        }
    }
    if has_data && !get && !has(&headers, "content-type") {
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if has_data && !get {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    Ok(Request {
        method,
        url: Some(url),
        headers: Headers(headers),
        body: body.into(),
    })
}

/// `--data-urlencode` item: `content`, `=content`, `name=content`.
fn url_encode_item(item: &str) -> String {
    match item.split_once('=') {
        Some(("", content)) => url_encode(content),
        Some((name, content)) => format!("{name}={}", url_encode(content)),
        None => url_encode(item),
    }
}

/// Percent-encodes everything but unreserved characters, as curl does.
fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_commands_and_errors_with_lines() {
        let reqs = parse_all("curl https://a.example/1\n\n# a comment\ncurl -X DELETE https://a.example/2 && curl b.example\n").unwrap();
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[1].method, "DELETE");
        assert_eq!(
            parse_all("curl https://a.example\nwget x")
                .unwrap_err()
                .to_string(),
            "line 2: expected a curl command, found 'wget'"
        );
        assert_eq!(
            parse("curl -H 'X: 'y https://a.example -d '{")
                .unwrap_err()
                .to_string(),
            "line 1: unterminated ' quote"
        );
        assert!(
            parse("curl -X")
                .unwrap_err()
                .message
                .contains("-X needs a value")
        );
        assert!(parse("curl -s").unwrap_err().message.contains("no URL"));
        // A pipe ends the request; -U takes a value; --url-query adds to it.
        let r = parse("curl -s -U proxyuser:pw https://a.example/x --url-query 'q=a b' | jq .data")
            .unwrap();
        assert_eq!(r.url.as_deref(), Some("https://a.example/x?q=a%20b"));
        assert!(
            parse("curl https://a.example -d @body.json")
                .unwrap_err()
                .message
                .contains("read from a file")
        );
        assert_eq!(
            &parse("curl https://a.example --data-raw '@channel hi'")
                .unwrap()
                .body[..],
            b"@channel hi"
        );
    }
}
