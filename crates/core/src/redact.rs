//! Secrets out of everything apiscope writes: credential headers, cookies,
//! tokens in URLs (in the request, in `Location`, `Link`, `Referer` and
//! bodies), secret fields of JSON or form bodies, and token-shaped strings
//! (JWTs, vendor keys) wherever they appear in text. Which names are
//! secret is the one credential rule of [`crate::secrets`].
//!
//! A redacted value keeps what a diagnosis needs and nothing that grants
//! access: the auth scheme (`Bearer `, `Basic `) and a token's vendor prefix
//! (`imb_pat_`, `sk_test_`, `ghp_`), so "the token lacks the `imb_pat_`
//! prefix" is still found in a redacted session, and the rest becomes
//! `REDACTED`.

use crate::model::{Exchange, Headers, Request};
use std::borrow::Cow;

use crate::secrets::{self, HeaderSecret, MARK};
pub use crate::secrets::{is_secret_field, is_secret_header, is_secret_param};

/// Redacts every secret of an exchange in place: the request, the
/// response's headers and body, the notes and the failure message (which
/// quote URLs).
pub fn exchange(e: &mut Exchange) {
    if let Some(r) = e.request.as_mut() {
        request(r);
    }
    headers(&mut e.response.headers);
    if let Some(b) = body(&e.response.body) {
        e.response.body = b.into();
    }
    for n in &mut e.response.notes {
        *n = text(n).into_owned();
    }
    if let Some(r) = e.response.reason.as_mut() {
        *r = text(r).into_owned();
    }
    if let Some(f) = e.failure.as_mut() {
        f.message = text(&f.message).into_owned();
    }
}

/// Replaces every occurrence of these values (a collection's secrets: the
/// private env file, `.env`, the process environment) with the mark,
/// wherever they appear — under any header name, in URLs, bodies, notes.
/// Values shorter than 4 bytes are left (they would redact at random).
pub fn values(e: &mut Exchange, secrets: &[String]) {
    // Each secret in the forms it travels in too: percent- and
    // form-encoded, JSON-escaped, base64.
    let forms: Vec<String> = secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .flat_map(|s| crate::secrets::encoded_forms(s))
        .collect();
    let mut secrets: Vec<&str> = forms.iter().map(String::as_str).collect();
    // The longest first: a form that holds another is replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    if secrets.is_empty() {
        return;
    }
    let fix = |t: &str| -> Option<String> {
        secrets.iter().any(|s| t.contains(s)).then(|| {
            secrets
                .iter()
                .fold(t.to_owned(), |acc, s| acc.replace(s, MARK))
        })
    };
    let fix_bytes = |b: &bytes::Bytes| -> Option<bytes::Bytes> {
        let t = String::from_utf8_lossy(b);
        fix(&t).map(|t| bytes::Bytes::from(t.into_bytes()))
    };
    if let Some(r) = e.request.as_mut() {
        for (_, v) in &mut r.headers.0 {
            if let Some(f) = fix(v) {
                *v = f;
            }
        }
        if let Some(u) = r.url.as_deref().and_then(fix) {
            r.url = Some(u);
        }
        if let Some(b) = fix_bytes(&r.body) {
            r.body = b;
        }
    }
    for (_, v) in &mut e.response.headers.0 {
        if let Some(f) = fix(v) {
            *v = f;
        }
    }
    if let Some(b) = fix_bytes(&e.response.body) {
        e.response.body = b;
    }
    for n in &mut e.response.notes {
        if let Some(f) = fix(n) {
            *n = f;
        }
    }
    if let Some(f) = e.failure.as_mut()
        && let Some(m) = fix(&f.message)
    {
        f.message = m;
    }
}

/// Free text (a script's log line, its error) with these secret values
/// (in every form they travel in) and every token-shaped string redacted.
pub fn text_by_value(t: &str, secrets: &[String]) -> String {
    let mut forms: Vec<String> = secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .flat_map(|s| crate::secrets::encoded_forms(s))
        .collect();
    forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    forms.dedup();
    let replaced = forms
        .iter()
        .fold(t.to_owned(), |acc, s| acc.replace(s.as_str(), MARK));
    text(&replaced).into_owned()
}

/// Redacts a request in place.
pub fn request(r: &mut Request) {
    headers(&mut r.headers);
    if let Some(u) = r.url.as_deref() {
        r.url = Some(url(u));
    }
    if let Some(b) = body(&r.body) {
        r.body = b.into();
    }
}

/// Redacts credential headers and cookies, and tokens in the URLs and text
/// of every other header (`Location`, `Link`, `Referer`…).
pub fn headers(h: &mut Headers) {
    for (k, v) in &mut h.0 {
        match secrets::header(k) {
            Some(HeaderSecret::Credential) => *v = credential(v),
            Some(HeaderSecret::Cookie) => *v = cookie(v, false),
            Some(HeaderSecret::SetCookie) => *v = cookie(v, true),
            None => {
                if let Cow::Owned(t) = text(v) {
                    *v = t;
                }
            }
        }
    }
}

/// Free text (a note, a header value, a body string) with every URL's
/// secrets and every token-shaped string redacted; borrowed when nothing
/// was secret.
pub fn text(t: &str) -> Cow<'_, str> {
    // URLs first: their secret parameters by name.
    let mut result = String::new();
    let mut last = 0;
    for (start, end) in urls_in(t) {
        let u = &t[start..end];
        let r = url(u);
        if r != u {
            result.push_str(&t[last..start]);
            result.push_str(&r);
            last = end;
        }
    }
    let after_urls: Cow<'_, str> = if last == 0 {
        Cow::Borrowed(t)
    } else {
        result.push_str(&t[last..]);
        Cow::Owned(result)
    };
    // Then token shapes wherever they are; a vendor prefix is kept.
    let tokens = secrets::find_tokens(&after_urls);
    if tokens.is_empty() {
        return after_urls;
    }
    let mut out = String::with_capacity(after_urls.len());
    let mut last = 0;
    for (_, end, keep) in tokens {
        out.push_str(&after_urls[last..keep]);
        out.push_str(MARK);
        last = end;
    }
    out.push_str(&after_urls[last..]);
    Cow::Owned(out)
}

/// Where `http://` and `https://` URLs are in a text: (start, end).
fn urls_in(t: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = t[from..].find("http") {
        let start = from + i;
        let tail = &t[start..];
        if tail.starts_with("http://") || tail.starts_with("https://") {
            let end = tail
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '>' | '"' | '\'' | '<' | ')' | ']' | '`')
                })
                .unwrap_or(tail.len());
            found.push((start, start + end));
            from = start + end.max(4);
        } else {
            from = start + 4;
        }
    }
    found
}

/// `Bearer imb_pat_abc` → `Bearer imb_pat_REDACTED`; `Basic dXNlcjpw` →
/// `Basic REDACTED`.
pub fn credential(value: &str) -> String {
    // A `{{env.NAME}}` placeholder names a secret without holding it.
    if value.contains(MARK) || crate::template::has_placeholder(value) {
        return value.to_owned();
    }
    let v = value.trim();
    let (scheme, token) = match v.split_once(' ') {
        Some((s, t)) if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            (format!("{s} "), t.trim())
        }
        _ => (String::new(), v),
    };
    if token.is_empty() {
        return value.to_owned();
    }
    if scheme.eq_ignore_ascii_case("basic ") {
        return format!("{scheme}{MARK}");
    }
    format!("{scheme}{}{MARK}", token_prefix(token))
}

/// The vendor prefix of a token: up to two `word_` segments of letters
/// (`imb_pat_`, `sk_test_`, `ghp_`), at most 12 characters.
fn token_prefix(token: &str) -> &str {
    let mut end = 0;
    let mut segments = 0;
    for (i, c) in token.char_indices() {
        if c == '_' || c == '-' {
            if i == end {
                break;
            }
            end = i + 1;
            segments += 1;
            if segments == 2 {
                break;
            }
        } else if !c.is_ascii_alphabetic() {
            break;
        }
    }
    if end > 12 || end >= token.len() {
        ""
    } else {
        &token[..end]
    }
}

/// `a=1; b=2` → `a=REDACTED; b=REDACTED`; for `Set-Cookie` only the first
/// pair (the attributes after it are not secret).
fn cookie(value: &str, set_cookie: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (i, part) in value.split(';').enumerate() {
        let redact = !set_cookie || i == 0;
        match part.split_once('=') {
            Some((n, _)) if redact => parts.push(format!("{n}={MARK}")),
            // A bare value (`Cookie: abc123`) is the secret itself.
            None if redact && !part.trim().is_empty() => {
                let lead = &part[..part.len() - part.trim_start().len()];
                parts.push(format!("{lead}{MARK}"));
            }
            _ => parts.push(part.to_owned()),
        }
    }
    parts.join(";")
}

/// Redacts user info and secret query parameters of a URL; a URL that does
/// not parse is returned as is.
pub fn url(u: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(u) else {
        // Not an absolute URL (`api.example.com/?token=…`, `:3000/x?…`):
        // the query and fragment parameters are still redacted.
        return redact_params_in(u);
    };
    let mut changed = false;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        let _ = parsed.set_username(MARK);
        let _ = parsed.set_password(None);
        changed = true;
    }
    if let Some(q) = parsed.query().map(str::to_owned) {
        let new = redact_pairs(&q);
        if new != q {
            parsed.set_query(Some(&new));
            changed = true;
        }
    }
    // OAuth implicit flows put tokens in the fragment.
    if let Some(f) = parsed.fragment().map(str::to_owned) {
        let new = redact_pairs(&f);
        if new != f {
            parsed.set_fragment(Some(&new));
            changed = true;
        }
    }
    if changed {
        parsed.to_string()
    } else {
        u.to_owned()
    }
}

/// `a=1&token=x` → `a=1&token=REDACTED`, every other pair as written.
fn redact_pairs(q: &str) -> String {
    q.split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if is_secret_param(k) && !v.is_empty() => format!("{k}={MARK}"),
            _ => kv.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn redact_params_in(u: &str) -> String {
    let (before_frag, frag) = match u.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (u, None),
    };
    let mut out = match before_frag.split_once('?') {
        Some((base, q)) => format!("{base}?{}", redact_pairs(q)),
        None => before_frag.to_owned(),
    };
    if let Some(f) = frag {
        out.push('#');
        out.push_str(&redact_pairs(f));
    }
    out
}

/// Redacts secret fields of a JSON or form body, and token-shaped strings
/// and URL secrets in any text body; `None` when nothing was secret (the
/// body is then kept byte for byte).
///
/// JSON is scanned, not parsed into a tree: a body that is truncated (the
/// history keeps only the first megabytes), starts with a BOM or nests
/// deeper than any parser allows is redacted all the same, in one pass.
pub fn body(b: &[u8]) -> Option<Vec<u8>> {
    let start = b
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(b)
        .trim_ascii_start();
    if start.starts_with(b"{") || start.starts_with(b"[") {
        return json_scan(b);
    }
    let text = String::from_utf8_lossy(b);
    if let Some(form) = form(&text) {
        return Some(form.into_bytes());
    }
    match self::text(&text) {
        Cow::Owned(t) => Some(t.into_bytes()),
        Cow::Borrowed(_) => None,
    }
}

/// `a=1&password=x` → `a=1&password=REDACTED`: an
/// `application/x-www-form-urlencoded` body (a trailing newline allowed).
fn form(text: &str) -> Option<String> {
    let core = text.trim_end_matches(['\r', '\n']);
    if core.is_empty() || core.contains(['\n', ' ']) || !core.contains('=') {
        return None;
    }
    let mut changed = false;
    let parts: Vec<String> = core
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v))
                if is_secret_field(k) && !v.is_empty() && !crate::template::has_placeholder(v) =>
            {
                changed = true;
                format!("{k}={MARK}")
            }
            _ => kv.to_owned(),
        })
        .collect();
    changed.then(|| format!("{}{}", parts.join("&"), &text[core.len()..]))
}

/// Whether a secret field's value keeps its vendor prefix (tokens, API
/// keys) or nothing (passwords, secrets).
fn keeps_prefix(key: &str) -> bool {
    let n = secrets::normalise(key);
    n.contains("token") || n.ends_with("apikey")
}

/// One container of the JSON being scanned.
struct Level {
    object: bool,
    /// In an object: the next string is a key.
    want_key: bool,
    /// In an object: the key of the value that comes next, when secret.
    secret: Option<bool>,
}

/// Redacts a JSON document by scanning its tokens (see [`body`]).
fn json_scan(b: &[u8]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut stack: Vec<Level> = Vec::new();
    let mut changed = false;
    let mut copied = 0; // b[..copied] is in `out` or replaced
    let mut i = 0;
    // Whether the value that starts at `i` belongs to a secret key, and
    // whether it keeps a prefix.
    let secret_here = |stack: &[Level]| -> Option<bool> {
        stack
            .last()
            .filter(|l| l.object && !l.want_key)
            .and_then(|l| l.secret)
    };
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                if let Some(_prefix) = secret_here(&stack) {
                    // A secret held in an object or array: all of it goes.
                    let end = skip_value(b, i);
                    out.extend_from_slice(&b[copied..i]);
                    out.extend_from_slice(format!("\"{MARK}\"").as_bytes());
                    copied = end;
                    changed = true;
                    i = end;
                    continue;
                }
                stack.push(Level {
                    object: b[i] == b'{',
                    want_key: b[i] == b'{',
                    secret: None,
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(l) = stack.last_mut()
                    && l.object
                {
                    l.want_key = true;
                    l.secret = None;
                }
                i += 1;
            }
            b':' => {
                if let Some(l) = stack.last_mut() {
                    l.want_key = false;
                }
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                let closed = end <= b.len() && end > i + 1 && b[end - 1] == b'"';
                let inner_end = if closed { end - 1 } else { end };
                let content = &b[i + 1..inner_end.max(i + 1)];
                let is_key = stack.last().is_some_and(|l| l.object && l.want_key);
                if is_key {
                    let key = unescape(content);
                    if let Some(l) = stack.last_mut() {
                        l.secret = is_secret_field(&key).then(|| keeps_prefix(&key));
                    }
                } else {
                    let replacement = match secret_here(&stack) {
                        // A `{{name}}` placeholder names a secret without
                        // holding it (a collection's template).
                        Some(_) if crate::template::has_placeholder(&unescape(content)) => None,
                        Some(prefix) => {
                            let v = unescape(content);
                            Some(if prefix {
                                credential(&v)
                            } else {
                                MARK.to_owned()
                            })
                            .filter(|r| *r != v)
                        }
                        None => {
                            let v = unescape(content);
                            match text(&v) {
                                Cow::Owned(r) => Some(r),
                                Cow::Borrowed(_) => None,
                            }
                        }
                    };
                    if let Some(r) = replacement {
                        out.extend_from_slice(&b[copied..i]);
                        out.extend_from_slice(escape(&r).as_bytes());
                        copied = end;
                        changed = true;
                    }
                }
                i = end;
            }
            c if c == b'-' || c.is_ascii_alphanumeric() => {
                let end = i + b[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.')))
                    .unwrap_or(b.len() - i);
                if secret_here(&stack).is_some() && &b[i..end] != b"null" {
                    out.extend_from_slice(&b[copied..i]);
                    out.extend_from_slice(format!("\"{MARK}\"").as_bytes());
                    copied = end;
                    changed = true;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    if !changed {
        return None;
    }
    out.extend_from_slice(&b[copied.min(b.len())..]);
    Some(out)
}

/// The index just past the string starting at `b[i] == '"'` (its closing
/// quote), or `b.len()` when it is cut off.
fn string_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// The index just past the object or array starting at `b[i]` (strings
/// inside skipped whole), or `b.len()` when it is cut off.
fn skip_value(b: &[u8], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < b.len() {
        match b[j] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j + 1;
                }
            }
            b'"' => {
                j = string_end(b, j);
                continue;
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// The text of a JSON string's content (escapes decoded; a cut-off or
/// invalid escape kept as written).
fn unescape(content: &[u8]) -> String {
    if !content.contains(&b'\\') {
        return String::from_utf8_lossy(content).into_owned();
    }
    let quoted = [b"\"", content, b"\""].concat();
    serde_json::from_slice::<String>(&quoted)
        .unwrap_or_else(|_| String::from_utf8_lossy(content).into_owned())
}

/// A string as JSON, quotes included.
fn escape(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{MARK}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_keep_scheme_and_prefix_only() {
        assert_eq!(
            credential("Bearer imb_pat_abc123"),
            "Bearer imb_pat_REDACTED"
        );
        assert_eq!(credential("imb_pat_abc123"), "imb_pat_REDACTED");
        assert_eq!(credential("Basic dXNlcjpwYXNz"), "Basic REDACTED");
        assert_eq!(credential("aptly_demo_key_b1"), "aptly_demo_REDACTED");
        assert_eq!(credential("Bearer 0123456789abcdef"), "Bearer REDACTED");
        assert_eq!(credential("sk_test_FAKE"), "sk_test_REDACTED");
        assert_eq!(credential("verylongvendorname_x_secret"), "REDACTED");
        assert_eq!(credential("Bearer REDACTED"), "Bearer REDACTED");
        assert_eq!(credential("Bearer {{env.TOKEN}}"), "Bearer {{env.TOKEN}}");
        // A collection's template keeps its placeholders; a value is masked.
        assert_eq!(body(br#"{"password": "{{password}}"}"#), None);
        assert_eq!(body(b"user=ann&password={{pw}}"), None);
        assert_eq!(
            body(br#"{"password": "hunter2"}"#).unwrap(),
            br#"{"password": "REDACTED"}"#
        );
    }

    #[test]
    fn urls_cookies_and_bodies() {
        assert_eq!(
            url("https://u:p@api.example.com/x?limit=20&access_token=abc&api_key=k"),
            "https://REDACTED@api.example.com/x?limit=20&access_token=REDACTED&api_key=REDACTED"
        );
        assert_eq!(
            url("https://api.example.com/x?a=b%20c"),
            "https://api.example.com/x?a=b%20c"
        );
        assert_eq!(cookie("a=1; b=2", false), "a=REDACTED; b=REDACTED");
        assert_eq!(
            cookie("sid=abc; Path=/; HttpOnly", true),
            "sid=REDACTED; Path=/; HttpOnly"
        );
        assert_eq!(
            body(br#"{"user":"x","password":"hunter2","nested":[{"client_secret":"s"}]}"#).unwrap(),
            br#"{"user":"x","password":"REDACTED","nested":[{"client_secret":"REDACTED"}]}"#
        );
        assert_eq!(
            body(b"grant_type=x&client_secret=s").unwrap(),
            b"grant_type=x&client_secret=REDACTED"
        );
        assert_eq!(body(br#"{"name":"x"}"#), None);
        assert_eq!(body(b"not json {"), None);
    }

    #[test]
    fn bodies_the_parser_would_refuse_are_redacted_too() {
        // A BOM, a cut-off body, nesting deeper than serde_json allows.
        let bom = b"\xEF\xBB\xBF{\"password\":\"hunter2\"}";
        assert_eq!(
            body(bom).unwrap(),
            b"\xEF\xBB\xBF{\"password\":\"REDACTED\"}"
        );
        let cut = br#"{"items":[1,2],"access_token":"imb_pat_FAKE12345","next":{"cli"#;
        let r = String::from_utf8(body(cut).unwrap()).unwrap();
        assert!(r.contains(r#""access_token":"imb_pat_REDACTED""#), "{r}");
        let cut_inside = br#"{"password":"hunt"#;
        assert_eq!(body(cut_inside).unwrap(), br#"{"password":"REDACTED""#);
        let deep = format!(
            "{}{{\"clientSecret\":\"s3cr3t\"}}{}",
            "[".repeat(300),
            "]".repeat(300)
        );
        let r = String::from_utf8(body(deep.as_bytes()).unwrap()).unwrap();
        assert!(!r.contains("s3cr3t"), "{r}");
        // Secrets holding objects or arrays go whole; numbers too.
        let r =
            body(br#"{"privateKey":{"d":"x","n":"y"},"jwt":["a","b"],"pin":1,"password":1234}"#)
                .unwrap();
        assert_eq!(
            r,
            br#"{"privateKey":"REDACTED","jwt":"REDACTED","pin":1,"password":"REDACTED"}"#
        );
        // Form bodies ending in a newline.
        assert_eq!(
            body(b"user=a&client_secret=s\n").unwrap(),
            b"user=a&client_secret=REDACTED\n"
        );
        // Tokens by shape, and URLs inside bodies.
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        let b = format!(
            r#"{{"note":"use {jwt}","links":{{"next":"https://a.example/x?page=2&access_token=FAKE"}}}}"#
        );
        let r = String::from_utf8(body(b.as_bytes()).unwrap()).unwrap();
        assert!(!r.contains(jwt) && !r.contains("access_token=FAKE"), "{r}");
        assert!(r.contains("page=2"), "{r}");
        let plain = format!("token: {jwt}\n");
        assert!(
            !String::from_utf8(body(plain.as_bytes()).unwrap())
                .unwrap()
                .contains(jwt)
        );
        assert_eq!(body(br#"{"code":"INVALID","message":"nope"}"#), None);
    }

    #[test]
    fn headers_notes_and_cookies() {
        let mut h = Headers::new();
        h.push("Cookie", "abc123");
        h.push("X-Authorization", "Token abc123secret");
        h.push("Location", "https://b.example/cb?code=FAKE&state=1");
        h.push(
            "Link",
            "<https://a.example/x?page=2&apikey=FAKE>; rel=\"next\"",
        );
        h.push("Referer", "https://a.example/?token=FAKE");
        headers(&mut h);
        let all: String = h.iter().map(|(k, v)| format!("{k}: {v}\n")).collect();
        assert!(!all.contains("FAKE") && !all.contains("abc123"), "{all}");
        assert!(all.contains("X-Authorization: Token REDACTED"), "{all}");
        assert!(all.contains("page=2") && all.contains("state=1"), "{all}");
        assert_eq!(
            text("connection to https://u:p@a.example/?api_key=FAKE refused").into_owned(),
            "connection to https://REDACTED@a.example/?api_key=REDACTED refused"
        );
    }
}
