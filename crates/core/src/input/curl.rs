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

/// Every curl command in `text`, as requests; `@file` arguments cannot be
/// read (see [`parse_all_in`]).
pub fn parse_all(text: &str) -> Result<Vec<Request>, CurlError> {
    parse_all_in(text, None)
}

/// Every curl command in `text`, as the requests curl would send (one per
/// URL, after globbing), reading `@file` arguments from `base`.
pub fn parse_all_in(text: &str, base: BaseDir<'_>) -> Result<Vec<Request>, CurlError> {
    let words = split(text)?;
    let mut out = Vec::new();
    let mut current: Vec<Word> = Vec::new();
    let flush = |cmd: &mut Vec<Word>, out: &mut Vec<Request>| -> Result<(), CurlError> {
        if let Some(first) = cmd.first() {
            let line = first.line;
            if first.text == "curl" {
                out.extend(command(&cmd[1..], base)?);
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
    // `\cX`: the control character of X.
    if e == 'c'
        && let Some(&x) = chars.get(i + 2)
        && x.is_ascii()
    {
        out.push(char::from((x as u8) & 0x1f));
        return i + 3;
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
                        // A byte: bash writes it raw.
                        let b = (v & 0xff) as u8;
                        out.push(if b.is_ascii() {
                            char::from(b)
                        } else {
                            raw_byte(b)
                        });
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
            let b = (v & 0xff) as u8;
            out.push(if b.is_ascii() {
                char::from(b)
            } else {
                raw_byte(b)
            });
            i + 1 + digits.len()
        }
        _ => {
            out.push('\\');
            out.push(e);
            i + 2
        }
    }
}

mod options;
use crate::multipart::{Part, boundary, guess_type, multipart};

/// A byte from a `\xHH` or octal escape that is not ASCII is kept in a word
/// as this private-use character plus the byte, so a body gets the byte
/// bash would give (not its UTF-8 re-encoding).
const RAW_BYTE_BASE: u32 = 0x10_FF00;

fn raw_byte(b: u8) -> char {
    char::from_u32(RAW_BYTE_BASE + u32::from(b)).unwrap_or('\u{fffd}')
}

/// A word's bytes: raw-byte marks become their byte, the rest UTF-8.
fn word_bytes(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        let n = u32::from(c);
        if (RAW_BYTE_BASE..RAW_BYTE_BASE + 256).contains(&n) {
            out.push((n - RAW_BYTE_BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// A word as text (headers, URLs): raw bytes read as Latin-1.
fn word_text(s: &str) -> String {
    s.chars()
        .map(|c| {
            let n = u32::from(c);
            if (RAW_BYTE_BASE..RAW_BYTE_BASE + 256).contains(&n) {
                char::from((n - RAW_BYTE_BASE) as u8)
            } else {
                c
            }
        })
        .collect()
}

/// Resolves a long option as curl 7.88 does: its exact name, an
/// unambiguous prefix, or `--no-NAME` for a flag. `(name, takes value)`.
fn long_option(name: &str) -> Option<(&'static str, bool)> {
    if let Some(&(n, v)) = options::LONG.iter().find(|(n, _)| *n == name) {
        return Some((n, v));
    }
    if let Some(base) = name.strip_prefix("no-")
        && let Some(&(n, false)) = options::LONG.iter().find(|(n, _)| *n == base)
    {
        return Some((n, false));
    }
    let mut matches = options::LONG.iter().filter(|(n, _)| n.starts_with(name));
    match (matches.next(), matches.next()) {
        (Some(&(n, v)), None) => Some((n, v)),
        _ => None,
    }
}

/// Where `@file` arguments are read from (the command file's folder);
/// `None` when the command came without one (pasted, from a ticket).
pub type BaseDir<'a> = Option<&'a std::path::Path>;

/// One body piece, in command order.
enum Data {
    /// `-d`, `--data`, `--data-ascii`, `--data-raw`, `--data-binary`.
    Plain(Vec<u8>),
    /// `--data-urlencode`, already encoded.
    Encoded(Vec<u8>),
    /// `--json`: appended without `&`.
    Json(Vec<u8>),
}

struct Reader<'a> {
    base: BaseDir<'a>,
    line: usize,
}

impl Reader<'_> {
    fn err(&self, message: String) -> CurlError {
        CurlError {
            line: self.line,
            message,
        }
    }

    /// The bytes of `@file` (`-` is standard input, which a file of
    /// commands does not have).
    fn file(&self, flag: &str, path: &str) -> Result<Vec<u8>, CurlError> {
        if path == "-" {
            return Err(self.err(format!(
                "{flag} @-: the body comes from standard input, which is not in this file; paste the body with --data-raw instead"
            )));
        }
        let Some(base) = self.base else {
            return Err(self.err(format!(
                "{flag} @{path}: reads a file that did not come with the command; paste its contents instead (e.g. --data-raw)"
            )));
        };
        let full = base.join(path);
        std::fs::read(&full).map_err(|e| {
            self.err(format!(
                "{flag} @{path}: cannot read {}: {}",
                full.display(),
                e.kind()
            ))
        })
    }
}

/// `application/x-www-form-urlencoded` encoding as curl's
/// `--data-urlencode` does it: unreserved characters kept, a space as `+`,
/// every other byte `%XX` (upper case).
fn url_encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else if b == b' ' {
            out.push(b'+');
        } else {
            out.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    out
}

/// A `--data-urlencode` argument: `content`, `=content`, `name=content`,
/// `@file`, `name@file` (a `=` wins over an `@`).
fn url_encode_item(r: &Reader<'_>, item: &str) -> Result<Vec<u8>, CurlError> {
    let eq = item.find('=');
    let at = item.find('@');
    let (name, content) = match (eq, at) {
        (Some(e), _) => (&item[..e], word_bytes(&item[e + 1..])),
        (None, Some(a)) => (&item[..a], r.file("--data-urlencode", &item[a + 1..])?),
        (None, None) => ("", word_bytes(item)),
    };
    let mut out = word_bytes(name);
    if !name.is_empty() {
        out.push(b'=');
    }
    out.extend(url_encode(&content));
    Ok(out)
}

/// Splits `value;type=x;filename=y` as curl's `-F` does: a value in double
/// quotes may hold `;` (with `\"` and `\\` escapes).
fn form_fields(value: &str) -> (String, Vec<(String, String)>) {
    let mut main = String::new();
    let mut rest = value;
    if let Some(q) = rest.strip_prefix('"') {
        let mut chars = q.char_indices();
        let mut end = q.len();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        main.push(n);
                    }
                }
                '"' => {
                    end = i + 1;
                    break;
                }
                c => main.push(c),
            }
        }
        rest = &q[end..];
    } else {
        let end = rest.find(';').unwrap_or(rest.len());
        main.push_str(&rest[..end]);
        rest = &rest[end..];
    }
    let mut params = Vec::new();
    for p in rest.split(';').filter(|p| !p.trim().is_empty()) {
        if let Some((k, v)) = p.split_once('=') {
            params.push((
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_owned(),
            ));
        }
    }
    (main, params)
}

/// One `-F name=…` (or `--form-string name=value`, taken literally).
fn form_part(r: &Reader<'_>, arg: &str, literal: bool) -> Result<Part, CurlError> {
    let Some((name, value)) = arg.split_once('=') else {
        return Err(r.err(format!("-F '{arg}': a form field is 'name=value'")));
    };
    let name = word_text(name);
    if literal {
        return Ok(Part {
            name,
            content: word_bytes(value),
            filename: None,
            content_type: None,
            headers: Vec::new(),
        });
    }
    let (main, params) = form_fields(value.trim());
    let main = match main.strip_prefix('@') {
        Some(q) if q.starts_with('"') => format!("@{}", form_fields(q).0),
        _ => main,
    };
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let headers = params
        .iter()
        .filter(|(k, _)| k == "headers")
        .map(|(_, v)| v.clone())
        .collect();
    if let Some(path) = main.strip_prefix('@') {
        let content = r.file("-F", path)?;
        let filename =
            param("filename").unwrap_or_else(|| path.rsplit('/').next().unwrap_or(path).to_owned());
        let content_type = param("type").unwrap_or_else(|| guess_type(&filename).to_owned());
        return Ok(Part {
            name,
            content,
            filename: Some(word_text(&filename)),
            content_type: Some(content_type),
            headers,
        });
    }
    if let Some(path) = main.strip_prefix('<') {
        // The file's type when curl knows it, but not text/plain (the
        // default of a part without a filename).
        let guessed = match guess_type(path) {
            "application/octet-stream" | "text/plain" => None,
            t => Some(t.to_owned()),
        };
        return Ok(Part {
            name,
            content: r.file("-F", path)?,
            filename: param("filename"),
            content_type: param("type").or(guessed),
            headers,
        });
    }
    Ok(Part {
        name,
        content: word_bytes(&main),
        filename: param("filename"),
        content_type: param("type"),
        headers,
    })
}

/// The URLs a URL argument stands for: curl's globbing (`{a,b}`,
/// `[1-3]`, `[a-c]`, `[01-10:2]`) unless `-g`; `\[` and friends are the
/// characters themselves.
fn glob(url: &str, line: usize) -> Result<Vec<String>, CurlError> {
    let bad = |pos: usize, what: &str| CurlError {
        line,
        message: format!("bad {what} in URL position {}: {url}", pos + 1),
    };
    let mut out = vec![String::new()];
    let chars: Vec<char> = url.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if matches!(chars.get(i + 1), Some('[' | ']' | '{' | '}')) => {
                for o in &mut out {
                    o.push(chars[i + 1]);
                }
                i += 2;
            }
            // `{{env.NAME}}` is apiscope's placeholder, not a glob.
            '{' if chars.get(i + 1) == Some(&'{') => {
                let rest: String = chars[i..].iter().collect();
                let end = rest.find("}}").map_or(rest.len(), |e| e + 2);
                let placeholder: String = rest.chars().take(rest[..end].chars().count()).collect();
                for o in &mut out {
                    o.push_str(&placeholder);
                }
                i += placeholder.chars().count();
            }
            '{' => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == '}')
                    .ok_or_else(|| bad(i, "brace"))?;
                let inner: String = chars[i + 1..i + close].iter().collect();
                let alternatives: Vec<&str> = inner.split(',').collect();
                out = out
                    .iter()
                    .flat_map(|o| alternatives.iter().map(move |a| format!("{o}{a}")))
                    .collect();
                i += close + 1;
            }
            '[' => {
                let close = chars[i..]
                    .iter()
                    .position(|&c| c == ']')
                    .ok_or_else(|| bad(i, "range"))?;
                let inner: String = chars[i + 1..i + close].iter().collect();
                let values = range(&inner).ok_or_else(|| bad(i, "range"))?;
                if out.len().saturating_mul(values.len()) > 1000 {
                    return Err(bad(i, "range (over 1000 URLs)"));
                }
                out = out
                    .iter()
                    .flat_map(|o| values.iter().map(move |v| format!("{o}{v}")))
                    .collect();
                i += close + 1;
            }
            c => {
                for o in &mut out {
                    o.push(c);
                }
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `1-3`, `01-10:2`, `a-c`: the values of a glob range.
fn range(inner: &str) -> Option<Vec<String>> {
    let (span, step) = match inner.split_once(':') {
        Some((s, st)) => (s, st.parse::<u64>().ok().filter(|s| *s > 0)?),
        None => (inner, 1),
    };
    let (a, b) = span.split_once('-')?;
    if let (Ok(x), Ok(y)) = (a.parse::<u64>(), b.parse::<u64>()) {
        if y < x || (y - x) / step > 1000 {
            return None;
        }
        let width = if a.starts_with('0') && a.len() > 1 {
            a.len()
        } else {
            0
        };
        return Some(
            (x..=y)
                .step_by(usize::try_from(step).ok()?)
                .map(|n| format!("{n:0width$}"))
                .collect(),
        );
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    match (ca.next(), ca.next(), cb.next(), cb.next()) {
        (Some(x), None, Some(y), None) if x.is_ascii_alphabetic() && x <= y => Some(
            (x..=y)
                .step_by(usize::try_from(step).ok()?)
                .map(String::from)
                .collect(),
        ),
        _ => None,
    }
}

/// A URL as curl sends it: `http://` when no scheme is given, non-ASCII
/// bytes percent-encoded (lower-case hex, as curl writes them); a space is
/// an error, as in curl.
fn finish_url(url: &str, line: usize) -> Result<String, CurlError> {
    if url.chars().any(char::is_whitespace) {
        return Err(CurlError {
            line,
            message: format!("URL using bad/illegal format (a space): '{url}'"),
        });
    }
    let with_scheme = if url.contains("://") || url.starts_with("{{") {
        url.to_owned()
    } else {
        format!("http://{url}")
    };
    let mut out = String::with_capacity(with_scheme.len());
    for b in word_bytes(&with_scheme) {
        if b.is_ascii() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    Ok(out)
}

/// curl's URL parser writes `%XX` escapes in lower case: what `-G` and
/// `--url-query` add to a URL comes out so.
fn lower_escapes(mut b: Vec<u8>) -> Vec<u8> {
    let mut k = 0;
    while k + 2 < b.len() {
        if b[k] == b'%' && b[k + 1].is_ascii_hexdigit() && b[k + 2].is_ascii_hexdigit() {
            b[k + 1] = b[k + 1].to_ascii_lowercase();
            b[k + 2] = b[k + 2].to_ascii_lowercase();
            k += 3;
        } else {
            k += 1;
        }
    }
    b
}

/// The `name=value` cookies of a Netscape cookie file (what `curl -c`
/// writes and `-b FILE` reads) that go to `url`, in curl's order (longest
/// path, then longest domain, then longest name first): its domain (and,
/// with the subdomain flag, below it), its path prefix, `https` for a
/// secure one (or a loopback host, as curl allows); `#HttpOnly_` lines are
/// cookies, other `#` lines comments. Expiry is not judged (the capture's
/// time is not known).
fn netscape_cookies(file: &[u8], url: &str) -> Vec<String> {
    let Ok(u) = url::Url::parse(url) else {
        return Vec::new();
    };
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    let text = String::from_utf8_lossy(file);
    let mut found: Vec<(usize, usize, usize, String)> = text
        .lines()
        .filter_map(|l| {
            let l = l.strip_prefix("#HttpOnly_").unwrap_or(l);
            if l.starts_with('#') || l.trim().is_empty() {
                return None;
            }
            let f: Vec<&str> = l.split('\t').collect();
            let [domain, sub, path, secure, _expires, name, value] = f.as_slice() else {
                return None;
            };
            let domain = domain.trim_start_matches('.').to_ascii_lowercase();
            let domain_ok = host == domain
                || (sub.eq_ignore_ascii_case("TRUE") && host.ends_with(&format!(".{domain}")));
            // RFC 6265 §5.1.4: `/foo` matches `/foo` and `/foo/x`, not `/foobar`.
            let req = u.path();
            let path_ok = req == *path
                || (req.starts_with(path)
                    && (path.ends_with('/') || req[path.len()..].starts_with('/')));
            let secure_ok =
                !secure.eq_ignore_ascii_case("TRUE") || u.scheme() == "https" || loopback;
            (domain_ok && path_ok && secure_ok).then(|| {
                (
                    path.len(),
                    domain.len(),
                    name.len(),
                    format!("{name}={value}"),
                )
            })
        })
        .collect();
    // (A stable sort: equal ones stay in the file's order.)
    found.sort_by_key(|a| std::cmp::Reverse((a.0, a.1, a.2)));
    found.into_iter().map(|(.., c)| c).collect()
}

fn command(words: &[Word], base: BaseDir<'_>) -> Result<Vec<Request>, CurlError> {
    let line = words.first().map_or(1, |w| w.line);
    let mut r = Reader { base, line };
    let mut method: Option<String> = None;
    let mut urls: Vec<String> = Vec::new();
    // -H headers in order; a `None` value removes what curl would add.
    let mut custom: Vec<(String, Option<String>)> = Vec::new();
    let mut user: Option<String> = None;
    let mut bearer: Option<String> = None;
    let mut agent: Option<String> = None;
    let mut referer: Option<String> = None;
    let mut cookie: Option<String> = None;
    // `-b FILE`: cookie files (Netscape format), sent where they match.
    let mut cookie_files: Vec<Vec<u8>> = Vec::new();
    let mut digest = false;
    let mut aws: Option<String> = None;
    let mut range_header: Option<String> = None;
    let mut data: Vec<Data> = Vec::new();
    let mut parts: Vec<Part> = Vec::new();
    let mut url_query: Vec<Vec<u8>> = Vec::new();
    let (mut get, mut head, mut json, mut compressed, mut globoff) =
        (false, false, false, false, false);
    let mut i = 0;
    let mut options_done = false;
    while i < words.len() {
        let w = &words[i];
        r.line = w.line;
        let t = w.text.as_str();
        i += 1;
        if options_done || !t.starts_with('-') || t == "-" {
            urls.push(t.to_owned());
            continue;
        }
        if t == "--" {
            options_done = true;
            continue;
        }
        // (long name, value) pairs this word yields.
        let mut opts: Vec<(&'static str, String)> = Vec::new();
        if let Some(long) = t.strip_prefix("--") {
            let (name, takes) = long_option(long)
                .ok_or_else(|| r.err(format!("curl: option {}: is unknown", word_text(t))))?;
            let value = if takes {
                let v = words
                    .get(i)
                    .ok_or_else(|| r.err(format!("curl: option {t}: requires parameter")))?;
                i += 1;
                v.text.clone()
            } else if long.starts_with("no-") && !name.starts_with("no-") {
                // `--no-digest`: the flag turned off.
                "no".to_owned()
            } else {
                String::new()
            };
            opts.push((name, value));
        } else {
            // Short options, bundled (`-sSL`) or with an attached value
            // (`-XPOST`, `-H'X: y'`).
            let flags: Vec<char> = t[1..].chars().collect();
            let mut k = 0;
            while k < flags.len() {
                let f = flags[k];
                let &(_, name, takes) = options::SHORT
                    .iter()
                    .find(|(c, _, _)| *c == f)
                    .ok_or_else(|| {
                        r.err(format!(
                            "curl: option -{}: is unknown",
                            word_text(&f.to_string())
                        ))
                    })?;
                if takes {
                    let rest: String = flags[k + 1..].iter().collect();
                    let value = if rest.is_empty() {
                        let v = words.get(i).ok_or_else(|| {
                            r.err(format!("curl: option -{f}: requires parameter"))
                        })?;
                        i += 1;
                        v.text.clone()
                    } else {
                        rest
                    };
                    opts.push((name, value));
                    break;
                }
                opts.push((name, String::new()));
                k += 1;
            }
        }
        for (name, v) in opts {
            match name {
                "request" => method = Some(word_text(&v)),
                "header" => {
                    let lines: Vec<String> = if let Some(path) = v.strip_prefix('@') {
                        let bytes = r.file("-H", path)?;
                        String::from_utf8_lossy(&bytes)
                            .lines()
                            .map(|l| l.trim_end_matches('\r').to_owned())
                            .filter(|l| !l.trim().is_empty())
                            .collect()
                    } else {
                        vec![word_text(&v)]
                    };
                    for h in lines {
                        match h.split_once(':') {
                            Some((n, val)) if !n.trim().is_empty() && !n.contains(';') => {
                                let val = val.trim();
                                custom.push((
                                    n.trim().to_owned(),
                                    (!val.is_empty()).then(|| val.to_owned()),
                                ));
                            }
                            // `-H 'X;'` sends an empty header.
                            _ => match h.trim().strip_suffix(';') {
                                Some(n) if !n.trim().is_empty() && !n.contains(':') => {
                                    custom.push((n.trim().to_owned(), Some(String::new())));
                                }
                                _ => {
                                    return Err(
                                        r.err(format!("-H '{h}': a header is 'Name: value'"))
                                    );
                                }
                            },
                        }
                    }
                }
                "data" | "data-ascii" => {
                    let bytes = match v.strip_prefix('@') {
                        // From a file, curl drops every CR and LF.
                        // From a file, curl reads it line by line, each
                        // line up to its first CR or LF.
                        Some(path) => r
                            .file("-d", path)?
                            .split(|c| *c == b'\n')
                            .flat_map(|l| l.split(|c| *c == b'\r').next().unwrap_or(&[]))
                            .copied()
                            .collect(),
                        None => word_bytes(&v),
                    };
                    data.push(Data::Plain(bytes));
                }
                "data-raw" => data.push(Data::Plain(word_bytes(&v))),
                "data-binary" => data.push(Data::Plain(match v.strip_prefix('@') {
                    Some(path) => r.file("--data-binary", path)?,
                    None => word_bytes(&v),
                })),
                "data-urlencode" => data.push(Data::Encoded(url_encode_item(&r, &v)?)),
                "json" => {
                    json = true;
                    data.push(Data::Json(match v.strip_prefix('@') {
                        Some(path) => r.file("--json", path)?,
                        None => word_bytes(&v),
                    }));
                }
                "form" => parts.push(form_part(&r, &v, false)?),
                "form-string" => parts.push(form_part(&r, &v, true)?),
                "url-query" => url_query.push(match v.strip_prefix('+') {
                    Some(raw) => word_bytes(raw),
                    None => url_encode_item(&r, &v)?,
                }),
                "user" => user = Some(word_text(&v)),
                "oauth2-bearer" => bearer = Some(word_text(&v)),
                "user-agent" => agent = Some(word_text(&v)),
                "referer" => {
                    let v = word_text(&v);
                    referer = Some(v.strip_suffix(";auto").unwrap_or(&v).to_owned());
                }
                // Without `=` it names a cookie file: read when it came
                // with the command (curl ignores one it cannot read).
                "cookie" if !v.contains('=') => {
                    if let Ok(bytes) = r.file("-b", &word_text(&v)) {
                        cookie_files.push(bytes);
                    }
                }
                "digest" => digest = v != "no",
                // The last of --basic / --digest wins, as in curl.
                "basic" if v != "no" => digest = false,
                "aws-sigv4" => aws = Some(word_text(&v)),
                "cookie" => {
                    // Several -b are joined with `;`, as curl does.
                    cookie = Some(match cookie.take() {
                        Some(c) => format!("{c};{}", word_text(&v)),
                        None => word_text(&v),
                    });
                }
                "range" => range_header = Some(format!("bytes={}", word_text(&v))),
                "url" => urls.push(v),
                "get" => get = true,
                "head" => head = true,
                "compressed" => compressed = true,
                "globoff" => globoff = true,
                "upload-file" => {
                    return Err(r.err(
                        "-T/--upload-file uploads a file, which apiscope does not send".into(),
                    ));
                }
                _ => {}
            }
        }
    }
    r.line = line;
    if urls.is_empty() {
        return Err(r.err("curl: no URL specified".into()));
    }
    // One request method only, as curl insists.
    let posting = !data.is_empty() && !get;
    if head && (posting || !parts.is_empty()) {
        return Err(r.err(
            "curl: you can only select one HTTP request method: both HEAD (-I) and POST (-d or -F)"
                .into(),
        ));
    }
    if !data.is_empty() && !parts.is_empty() {
        return Err(r.err(
            "curl: you can only select one HTTP request method: both POST (-d, --data) and multipart POST (-F, --form)"
                .into(),
        ));
    }
    // The body: pieces joined with `&`, except a --json piece.
    let mut body: Vec<u8> = Vec::new();
    for (n, d) in data.iter().enumerate() {
        let (bytes, joined) = match d {
            Data::Plain(b) | Data::Encoded(b) => (b, true),
            Data::Json(b) => (b, false),
        };
        if n > 0 && joined {
            body.push(b'&');
        }
        body.extend_from_slice(bytes);
    }
    // Headers in curl's order; a -H of the same name replaces (or, empty,
    // removes) curl's own.
    let given = |n: &str| custom.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut own = |name: &str, value: Option<String>| {
        if let Some(v) = value
            && !given(name)
        {
            headers.push((name.to_owned(), v));
        }
    };
    // --digest and --aws-sigv4 become the shorthands apiscope's client
    // answers the challenge with / signs with as the request leaves
    // (`Digest USER PASSWORD`, httpyac's `AWS KEY SECRET region:R
    // service:S`); neither goes on the wire as written.
    let scheme = match (&aws, digest, &user) {
        (Some(spec), _, Some(u)) => Some(
            crate::auth::sigv4::from_curl(spec, u, urls.first().map_or("", String::as_str))
                .map(|a| {
                    format!(
                        "AWS {} {} region:{} service:{}",
                        a.key_id, a.secret, a.region, a.service
                    )
                })
                .map_err(|e| r.err(e))?,
        ),
        (Some(spec), _, None) => {
            return Err(r.err(format!(
                "--aws-sigv4 {spec}: the credentials come with --user KEY_ID:SECRET, which this command does not give"
            )));
        }
        (None, true, Some(u)) => {
            // (curl asks for a password it was not given: no terminal here.)
            let Some((name, password)) = u.split_once(':') else {
                return Err(r.err(format!(
                    "--digest -u {}: curl would ask for the password; write -u USER:PASSWORD",
                    crate::report::sanitize(u, false)
                )));
            };
            let shorthand = format!("Digest {name} {password}");
            // A name the shorthand cannot carry (`=`, `"`, a space) would
            // go out as written, password and all: refused.
            if crate::auth::digest::shorthand(&shorthand).is_none_or(|c| c.user != name) {
                return Err(r.err(format!(
                    "--digest -u: the user name '{}' cannot be answered as Digest here (it holds '=', '\"' or a space)",
                    crate::report::sanitize(name, false)
                )));
            }
            Some(shorthand)
        }
        _ => None,
    };
    own(
        "Authorization",
        scheme
            .or_else(|| {
                user.map(|u| {
                    let creds = if u.contains(':') { u } else { format!("{u}:") };
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(word_bytes(&creds))
                    )
                })
            })
            .or(bearer.map(|b| format!("Bearer {b}"))),
    );
    own("User-Agent", agent);
    own(
        "Accept",
        Some(if json { "application/json" } else { "*/*" }.to_owned()),
    );
    own(
        "Accept-Encoding",
        compressed.then(|| "deflate, gzip, br, zstd".to_owned()),
    );
    own("Referer", referer);
    own("Cookie", cookie);
    own("Range", range_header);
    let boundary = boundary(&parts);
    let content_type = if !parts.is_empty() {
        Some(format!("multipart/form-data; boundary={boundary}"))
    } else if json {
        Some("application/json".to_owned())
    } else if posting {
        Some("application/x-www-form-urlencoded".to_owned())
    } else {
        None
    };
    headers.extend(custom.iter().filter_map(|(k, v)| {
        let v = v.clone()?;
        // A multipart Content-Type given with -H gets curl's boundary.
        if !parts.is_empty()
            && k.eq_ignore_ascii_case("content-type")
            && v.to_ascii_lowercase().starts_with("multipart/")
            && !v.contains("boundary=")
        {
            return Some((k.clone(), format!("{v}; boundary={boundary}")));
        }
        Some((k.clone(), v))
    }));
    // `-d ''` is an empty body, not none: curl says so.
    if !data.is_empty() && !get && body.is_empty() && !given("content-length") {
        headers.push(("Content-Length".into(), "0".into()));
    }
    if let Some(ct) = content_type
        && !given("content-type")
    {
        headers.push(("Content-Type".into(), ct));
    }
    let body = if parts.is_empty() {
        body
    } else {
        multipart(&parts, &boundary)
    };
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if posting || !parts.is_empty() {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    let mut out = Vec::new();
    for u in &urls {
        let expanded = if globoff {
            vec![u.clone()]
        } else {
            glob(u, line)?
        };
        for u in expanded {
            let mut query: Vec<Vec<u8>> =
                url_query.iter().map(|q| lower_escapes(q.clone())).collect();
            if get && !data.is_empty() {
                query.push(lower_escapes(body.clone()));
            }
            let mut url = u;
            if !query.is_empty() {
                let joined: Vec<u8> = query.join(&b'&');
                let joined = String::from_utf8_lossy(&joined).into_owned();
                let (before, fragment) = match url.split_once('#') {
                    Some((a, f)) => (a.to_owned(), Some(f.to_owned())),
                    None => (url.clone(), None),
                };
                let sep = if before.contains('?') { '&' } else { '?' };
                url = format!("{before}{sep}{joined}");
                if let Some(f) = fragment {
                    url = format!("{url}#{f}");
                }
            }
            let url = finish_url(&url, line)?;
            let mut headers = headers.clone();
            let from_files: Vec<String> = cookie_files
                .iter()
                .flat_map(|f| netscape_cookies(f, &url))
                .collect();
            // The file's cookies first, then the -b strings, as curl sends.
            if !from_files.is_empty() && !given("cookie") {
                let joined = from_files.join("; ");
                match headers.iter_mut().find(|(k, _)| k == "Cookie") {
                    Some((_, v)) => *v = format!("{joined}; {v}"),
                    None => headers.push(("Cookie".into(), joined)),
                }
            }
            out.push(Request {
                method: method.clone(),
                url: Some(url),
                headers: Headers(headers),
                body: if get { Vec::new() } else { body.clone() }.into(),
            });
        }
    }
    Ok(out)
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
                .contains("option -X: requires parameter")
        );
        assert!(parse("curl -s").unwrap_err().message.contains("no URL"));
        assert!(
            parse("curl --data-jsn x https://a.example")
                .unwrap_err()
                .message
                .contains("option --data-jsn: is unknown")
        );
        // A pipe ends the request; -U takes a value; --url-query adds to it.
        let r = parse("curl -s -U proxyuser:pw https://a.example/x --url-query 'q=a b' | jq .data")
            .unwrap();
        assert_eq!(r.url.as_deref(), Some("https://a.example/x?q=a+b"));
        assert!(
            parse("curl https://a.example -d @body.json")
                .unwrap_err()
                .message
                .contains("did not come with the command")
        );
        assert_eq!(
            &parse("curl https://a.example --data-raw '@channel hi'")
                .unwrap()
                .body[..],
            b"@channel hi"
        );
    }
}
