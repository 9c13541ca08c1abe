//! Secrets out of everything apiscope writes: credential headers, cookies,
//! tokens in URLs and secret fields of JSON or form bodies.
//!
//! A redacted value keeps what a diagnosis needs and nothing that grants
//! access: the auth scheme (`Bearer `, `Basic `) and a token's vendor prefix
//! (`imb_pat_`, `sk_test_`, `ghp_`), so "the token lacks the `imb_pat_`
//! prefix" is still found in a redacted session, and the rest becomes
//! `REDACTED`.

use crate::model::{Exchange, Headers, Request};

/// What replaces a secret.
pub const MARK: &str = "REDACTED";

use crate::secrets::{self, HeaderSecret};
pub use crate::secrets::{is_secret_field, is_secret_header, is_secret_param};

/// Redacts every secret of an exchange in place.
pub fn exchange(e: &mut Exchange) {
    if let Some(r) = e.request.as_mut() {
        request(r);
    }
    headers(&mut e.response.headers);
    if let Some(b) = body(&e.response.body) {
        e.response.body = b.into();
    }
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

/// Redacts credential headers and cookies.
pub fn headers(h: &mut Headers) {
    for (k, v) in &mut h.0 {
        match secrets::header(k) {
            Some(HeaderSecret::Credential) => *v = credential(v),
            Some(HeaderSecret::Cookie) => *v = cookie(v, false),
            Some(HeaderSecret::SetCookie) => *v = cookie(v, true),
            None => {}
        }
    }
}

/// `Bearer imb_pat_abc` → `Bearer imb_pat_REDACTED`; `Basic dXNlcjpw` →
/// `Basic REDACTED`.
pub fn credential(value: &str) -> String {
    // A `{{env.NAME}}` placeholder names a secret without holding it.
    if value.contains(MARK) || value.contains("{{") {
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

/// Redacts secret fields of a JSON or form body; `None` when nothing was
/// secret (the body is then kept byte for byte).
pub fn body(b: &[u8]) -> Option<Vec<u8>> {
    let trimmed = b.trim_ascii_start();
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        let mut v: serde_json::Value = serde_json::from_slice(b).ok()?;
        return json(&mut v).then(|| serde_json::to_vec(&v).unwrap_or_default());
    }
    let text = std::str::from_utf8(b).ok()?;
    if text.contains(['\n', ' ']) || !text.contains('=') {
        return None;
    }
    let mut changed = false;
    let parts: Vec<String> = text
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if is_secret_field(k) && !v.is_empty() => {
                changed = true;
                format!("{k}={MARK}")
            }
            _ => kv.to_owned(),
        })
        .collect();
    changed.then(|| parts.join("&").into_bytes())
}

fn json(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(m) => {
            let mut changed = false;
            for (k, val) in m.iter_mut() {
                if is_secret_field(k) && (val.is_string() || val.is_number()) {
                    // A token keeps its vendor prefix, as in headers; a
                    // password or secret keeps nothing.
                    let token = k.to_ascii_lowercase().contains("token")
                        || k.eq_ignore_ascii_case("api_key")
                        || k.eq_ignore_ascii_case("apikey");
                    let s = val.as_str().filter(|_| token).map(credential);
                    *val = serde_json::Value::String(s.unwrap_or_else(|| MARK.into()));
                    changed = true;
                } else {
                    changed |= json(val);
                }
            }
            changed
        }
        serde_json::Value::Array(a) => a.iter_mut().fold(false, |c, x| json(x) | c),
        _ => false,
    }
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
}
