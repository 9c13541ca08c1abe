//! The one credential rule: which header names, query parameters and body
//! fields hold secrets, which strings look like tokens wherever they appear,
//! and what may follow a request to another origin.
//!
//! Everything that decides whether a secret leaves the machine or reaches a
//! file asks this module: redirects and next pages (what is stripped on a
//! change of origin), the rate-limit budget key (which credential a budget is
//! counted for), redaction of sessions, HARs, reports and the history,
//! masking on screen and copy-as-curl. One list, so a header that is redacted
//! in a saved file is also never forwarded to another host.
//!
//! Names are compared after normalising: percent-decoded, lower case, with
//! `-`, `_`, `.` and spaces removed, so `X-Auth-Token`, `x_auth_token`,
//! `accessToken`, `access%5Ftoken` and `ACCESS-TOKEN` are one name.

use crate::model::Request;

/// What replaces a secret in whatever apiscope writes or shows.
pub const MARK: &str = "REDACTED";

/// How a header carries a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderSecret {
    /// The whole value is a credential (`Authorization`, `X-Api-Key`…).
    Credential,
    /// `Cookie`: every pair's value is a secret.
    Cookie,
    /// `Set-Cookie`: the first pair's value is a secret, the attributes not.
    SetCookie,
}

/// Normalised names of credential headers that no suffix rule catches.
const HEADERS: &[&str] = &[
    "authorization",
    "proxyauthorization",
    "token",
    "xtoken",
    "apikey",
    "xapikey",
    "xauth",
    "xauthuser",
    "xauthemail",
    "xsessionid",
    "sessionid",
    "xcsrftoken",
    "xxsrftoken",
    "xamzsecuritytoken",
    "privatetoken",
    "xshopifyaccesstoken",
    "xclientsecret",
    "xchecksum",
];

/// Suffixes of normalised header names that mark a credential:
/// `X-Vault-Token`, `Ocp-Apim-Subscription-Key`, `X-Client-Secret`,
/// `X-Authorization`, `X-Amz-Security-Token`.
const HEADER_SUFFIXES: &[&str] = &[
    "token",
    "key",
    "secret",
    "authorization",
    "password",
    "signature",
    "credential",
    "credentials",
    "apikey",
    "session",
];

/// Normalised header names that end like a credential but are not one.
const NOT_SECRET_HEADERS: &[&str] = &[
    "idempotencykey",
    "xidempotencykey",
    "xrequestkey",
    "cachekey",
    "xcachekey",
    "secwebsocketkey",
    "xpaginationkey",
];

/// Normalised query parameter names whose values are secrets (URLs also
/// carry OAuth codes, signatures and session ids).
const PARAMS: &[&str] = &[
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "apikey",
    "key",
    "secret",
    "clientsecret",
    "password",
    "passwd",
    "pwd",
    "signature",
    "sig",
    "xamzsignature",
    "xamzcredential",
    "xamzsecuritytoken",
    // (OAuth 1.0 in the query: PLAINTEXT's signature is the secrets.)
    "oauthsignature",
    "oauthtoken",
    "auth",
    "session",
    "sessionid",
    "sid",
    "code",
    "jwt",
    "privatekey",
];

/// Normalised body field names whose values are secrets. Narrower than the
/// query list: an error body's `code`, `key` or `session` is what a
/// diagnosis reads.
const FIELDS: &[&str] = &[
    "token",
    "accesstoken",
    "refreshtoken",
    "idtoken",
    "authtoken",
    "sessiontoken",
    "apikey",
    "secret",
    "clientsecret",
    "password",
    "passwd",
    "privatekey",
    "jwt",
    "bearer",
    "credentials",
];

/// Suffixes of normalised field and parameter names that mark a secret.
const FIELD_SUFFIXES: &[&str] = &["token", "secret", "password", "privatekey", "apikey"];

/// Names that end like a secret but name a page cursor: a session saved
/// with its `nextPageToken` redacted could not be paged from again.
const CURSOR_NAMES: &[&str] = &[
    "pagetoken",
    "nextpagetoken",
    "prevpagetoken",
    "previouspagetoken",
    "nexttoken",
    "continuationtoken",
    "synctoken",
    "paginationtoken",
    "cursortoken",
    "tokentype",
];

/// A name lower-cased, percent-decoded, without `-`, `_`, `.` or spaces.
pub fn normalise(name: &str) -> String {
    let decoded = percent_decode(name);
    decoded
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Runs `f` on the normalised name; short ASCII names (nearly all) are
/// normalised on the stack: this runs for every header and parameter of
/// every exchange decoded or written.
fn with_normalised<R>(name: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 64];
    if name.len() <= buf.len() && name.is_ascii() && !name.contains('%') {
        let mut n = 0;
        for b in name.bytes() {
            if !matches!(b, b'-' | b'_' | b'.' | b' ') {
                buf[n] = b.to_ascii_lowercase();
                n += 1;
            }
        }
        // ASCII in, ASCII out.
        return f(std::str::from_utf8(&buf[..n]).unwrap_or(""));
    }
    f(&normalise(name))
}

/// Whether (and how) a header's value is a secret.
pub fn header(name: &str) -> Option<HeaderSecret> {
    with_normalised(name, header_normalised)
}

fn header_normalised(n: &str) -> Option<HeaderSecret> {
    match n {
        "cookie" => return Some(HeaderSecret::Cookie),
        "setcookie" => return Some(HeaderSecret::SetCookie),
        _ => {}
    }
    if NOT_SECRET_HEADERS.contains(&n) {
        return None;
    }
    (HEADERS.contains(&n) || HEADER_SUFFIXES.iter().any(|s| n.ends_with(s)))
        .then_some(HeaderSecret::Credential)
}

/// Whether a header's value is a secret of any kind (credential or cookie).
pub fn is_secret_header(name: &str) -> bool {
    header(name).is_some()
}

/// Whether a query parameter's value is a secret.
pub fn is_secret_param(name: &str) -> bool {
    with_normalised(name, |n| {
        PARAMS.contains(&n) || is_secret_field_normalised(n)
    })
}

/// Whether a JSON or form body field's value is a secret.
pub fn is_secret_field(name: &str) -> bool {
    with_normalised(name, is_secret_field_normalised)
}

fn is_secret_field_normalised(n: &str) -> bool {
    if CURSOR_NAMES.contains(&n) || n.ends_with("pagetoken") {
        return false;
    }
    FIELDS.contains(&n) || FIELD_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// Prefixes of tokens issued by well-known vendors, each followed by at
/// least [`MIN_TOKEN_TAIL`] token characters.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "whsec_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "xoxe-",
    "xapp-",
    "sk-ant-",
    "sk-proj-",
    "sk-",
    "AKIA",
    "ASIA",
    "AIza",
    "ya29.",
    "npm_",
    "pypi-",
    "shpat_",
    "shpss_",
    "shpca_",
    "SG.",
    "EAAC",
    "imb_pat_",
    "dop_v1_",
    "hf_",
    "lin_api_",
    "pat-na1-",
    "key-",
];

/// Characters after a known prefix before a string counts as a token.
pub const MIN_TOKEN_TAIL: usize = 12;

/// Characters of a token: base64url and the separators vendors use.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// The vendor prefix of `s` when `s` starts with a known token shape
/// (`ghp_…`, `sk_live_…`, `xoxb-…`, `AKIA…`), with the tail's length.
fn known_prefix(s: &str) -> Option<(&'static str, usize)> {
    TOKEN_PREFIXES.iter().find_map(|p| {
        let rest = s.strip_prefix(p)?;
        let tail = rest
            .chars()
            .take_while(|c| is_token_char(*c) || *c == '.')
            .count();
        (tail >= MIN_TOKEN_TAIL && rest.chars().take(tail).any(|c| c.is_ascii_digit()))
            .then_some((*p, tail))
    })
}

/// Whether `s` (a whole value) has the shape of a token: a JWT, a key
/// with a well-known vendor prefix, or a long high-entropy string.
pub fn looks_like_token(s: &str) -> bool {
    let s = s.trim();
    if jwt_len(s) == Some(s.len()) {
        return true;
    }
    if let Some((p, tail)) = known_prefix(s) {
        return p.len() + tail == s.len();
    }
    high_entropy(s)
}

/// The length of the JWT at the start of `s`, if one is there:
/// `eyJ…` header, payload and signature in base64url, dot-separated.
fn jwt_len(s: &str) -> Option<usize> {
    if !s.starts_with("eyJ") {
        return None;
    }
    let b64 = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let mut end = 0;
    for part in 0..3 {
        let seg = s[end..].chars().take_while(|c| b64(*c)).count();
        if seg < 4 && part < 2 {
            return None;
        }
        end += seg;
        if part < 2 {
            if !s[end..].starts_with('.') {
                return None;
            }
            end += 1;
        }
    }
    (end >= 30).then_some(end)
}

/// A long run of token characters mixing upper case, lower case and
/// digits, switching between them often: what random keys look like, and
/// words, camel-case names, ids and hashes rarely do.
fn high_entropy(s: &str) -> bool {
    if s.len() < 32 || s.len() > 512 || !s.chars().all(is_token_char) {
        return false;
    }
    let class = |c: char| {
        if c.is_ascii_uppercase() {
            0
        } else if c.is_ascii_lowercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        }
    };
    let mut counts = [0usize; 4];
    let mut switches = 0;
    let mut last = None;
    for c in s.chars() {
        let k = class(c);
        counts[k] += 1;
        if last.is_some_and(|l| l != k) {
            switches += 1;
        }
        last = Some(k);
    }
    // Hex digests and UUIDs are ids, not secrets: they lack a class.
    counts[0] >= 4 && counts[1] >= 4 && counts[2] >= 4 && switches * 3 >= s.len()
}

/// Every token-shaped run inside free text: (start, end, kept prefix end).
/// Used to redact tokens wherever they appear in text that is written
/// (bodies, notes, failure messages), not only under known names.
pub fn find_tokens(text: &str) -> Vec<(usize, usize, usize)> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A token starts at a word boundary.
        if !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !is_token_char(text[..i].chars().next_back().unwrap_or(' '));
        if !boundary {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let rest = &text[i..];
        if let Some(n) = jwt_len(rest) {
            found.push((i, i + n, i));
            i += n;
            continue;
        }
        if let Some((p, tail)) = known_prefix(rest) {
            found.push((i, i + p.len() + tail, i + p.len()));
            i += p.len() + tail;
            continue;
        }
        let run = rest.chars().take_while(|c| is_token_char(*c)).count();
        if run > 0 {
            let word = &rest[..run];
            if high_entropy(word) || after_scheme(&text[..i], word) {
                found.push((i, i + run, i));
            }
            i += run;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

/// `Bearer FAKE123` or `Basic dXNlcjp4` quoted in prose (an error message
/// echoing the header it got): the word after an auth scheme is the
/// credential, whatever its shape. Ordinary words after "bearer" ("a
/// bearer token") are not: a credential has a digit or mixed case.
fn after_scheme(before: &str, word: &str) -> bool {
    let Some(head) = before.strip_suffix(' ') else {
        return false;
    };
    let scheme_len = ["bearer", "basic"].iter().find_map(|s| {
        let n = head.len().checked_sub(s.len())?;
        (head.is_char_boundary(n) && head[n..].eq_ignore_ascii_case(s)).then_some(n)
    });
    let Some(n) = scheme_len else {
        return false;
    };
    let boundary = !head[..n]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    boundary
        && word.len() >= 8
        && (word.bytes().any(|b| b.is_ascii_digit())
            || (word.bytes().any(|b| b.is_ascii_uppercase())
                && word.bytes().any(|b| b.is_ascii_lowercase())))
}

/// Whether two URLs share an origin: scheme, host and port (the default
/// port of the scheme when none is written). Strict on purpose: a
/// credential for `https://api.example.com` does not go to
/// `http://api.example.com` or `https://api.example.com:8443`.
pub fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The credentials a request carries: secret header values, secret query
/// values and the URL's user info, as (where, value) pairs.
pub fn credentials(req: &Request) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(n, v)| is_secret_header(n) && !v.trim().is_empty())
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    if let Some(u) = req.url.as_deref().and_then(|u| url::Url::parse(u).ok()) {
        for (k, v) in u.query_pairs() {
            if is_secret_param(&k) && !v.is_empty() {
                out.push((format!("?{k}"), v.into_owned()));
            }
        }
        if !u.username().is_empty() || u.password().is_some() {
            out.push((
                "userinfo".into(),
                format!("{}:{}", u.username(), u.password().unwrap_or("")),
            ));
        }
    }
    out
}

/// What [`retarget`] removed from a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stripped {
    /// Header names removed.
    pub headers: Vec<String>,
    /// Query parameter names removed from the new URL.
    pub params: Vec<String>,
    /// Whether user info was removed from the new URL.
    pub userinfo: bool,
}

impl Stripped {
    /// Whether nothing was removed.
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.params.is_empty() && !self.userinfo
    }

    /// "Authorization, Cookie and ?access_token were not sent to other.example".
    pub fn describe(&self, host: &str) -> String {
        let mut names: Vec<String> = self.headers.clone();
        names.extend(self.params.iter().map(|p| format!("?{p}")));
        if self.userinfo {
            names.push("the URL's user:password".into());
        }
        format!(
            "{} not sent to {host}: it is another origin",
            names.join(", ")
        )
    }
}

/// The request `current` becomes when it is sent to `next` instead (a
/// redirect's Location, a next-page link): same method, headers and body,
/// and — when `next` is another origin — without any credential of
/// `current`: secret headers (cookies included), secret query values of
/// ours that the new URL repeats, and user info. A URL that does not parse
/// is another origin.
pub fn retarget(current: &Request, next: &str) -> (Request, Stripped) {
    retarget_with(current, next, &[])
}

/// [`retarget`], also dropping on a change of origin every header whose
/// value holds one of `by_value` (a collection's private values, whatever
/// the header is called) and every query value of ours that holds one.
pub fn retarget_with(current: &Request, next: &str, by_value: &[String]) -> (Request, Stripped) {
    let mut req = current.clone();
    let mut stripped = Stripped::default();
    let from = current.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    let to = url::Url::parse(next).ok();
    let same = matches!((&from, &to), (Some(a), Some(b)) if same_origin(a, b));
    req.url = Some(next.to_owned());
    if same {
        return (req, stripped);
    }
    let holds = |v: &str| holds_value(v, by_value);
    let before: Vec<(String, bool)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_owned(), is_secret_header(n) || holds(v)))
        .collect();
    req.headers
        .0
        .retain(|(n, v)| !is_secret_header(n) && !holds(v));
    for (n, dropped) in before {
        if dropped && !stripped.headers.iter().any(|h| h.eq_ignore_ascii_case(&n)) {
            stripped.headers.push(n);
        }
    }
    if let Some(mut to) = to {
        let ours: Vec<String> = credentials(current).into_iter().map(|(_, v)| v).collect();
        if to.query().is_some() {
            let pairs: Vec<(String, String)> = to.query_pairs().into_owned().collect();
            let keep: Vec<&(String, String)> = pairs
                .iter()
                .filter(|(k, v)| {
                    let drop = (is_secret_param(k) && ours.iter().any(|o| o == v)) || holds(v);
                    if drop {
                        stripped.params.push(k.clone());
                    }
                    !drop
                })
                .collect();
            if keep.len() != pairs.len() {
                if keep.is_empty() {
                    to.set_query(None);
                } else {
                    to.query_pairs_mut()
                        .clear()
                        .extend_pairs(keep.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                }
            }
        }
        if !to.username().is_empty() || to.password().is_some() {
            let _ = to.set_username("");
            let _ = to.set_password(None);
            stripped.userinfo = true;
        }
        if !stripped.params.is_empty() || stripped.userinfo {
            req.url = Some(to.to_string());
        }
    }
    (req, stripped)
}

/// A secret value and the forms it travels in: as it is, percent-encoded
/// (a query; also as a URL parser encodes a query or a path), form-encoded (`+` for a space), JSON-escaped (a body) and
/// base64 (standard and URL-safe, padded or not) — each of at least 4
/// bytes, the value itself first.
pub fn encoded_forms(value: &str) -> Vec<String> {
    use base64::Engine as _;
    let mut out = vec![value.to_owned()];
    let mut add = |f: String| {
        if f.len() >= 4 && !out.contains(&f) {
            out.push(f);
        }
    };
    add(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    add(url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20"));
    // As a URL parser writes it into a query or a path (WHATWG's
    // percent-encode sets: a space is %20, `@`, `/` and `:` stay as they
    // are). Written out here: this runs for every secret of every exchange.
    let whatwg = |extra: &[u8]| {
        let mut out = String::with_capacity(value.len());
        for &b in value.as_bytes() {
            if b <= 0x20 || b >= 0x7f || b"\"#<>".contains(&b) || extra.contains(&b) {
                out.push_str(&format!("%{b:02X}"));
            } else {
                out.push(char::from(b));
            }
        }
        out
    };
    add(whatwg(b"'"));
    add(whatwg(b"?`{}"));
    let json = serde_json::to_string(value).unwrap_or_default();
    add(json.trim_matches('"').to_owned());
    let b = value.as_bytes();
    add(base64::engine::general_purpose::STANDARD.encode(b));
    add(base64::engine::general_purpose::STANDARD_NO_PAD.encode(b));
    add(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b));
    out
}

/// Whether `text` holds one of the by-value secrets (at least 4 bytes).
pub fn holds_value(text: &str, by_value: &[String]) -> bool {
    by_value
        .iter()
        .filter(|s| s.len() >= 4)
        .any(|s| encoded_forms(s).iter().any(|f| text.contains(f.as_str())))
}

/// The request without the credentials a saved file redacted (values that
/// hold [`crate::secrets::MARK`]): the marker is never sent. Returns the
/// names removed (`Authorization`, `?access_token`, `userinfo`).
pub fn strip_redacted(req: &Request) -> (Request, Vec<String>) {
    let mark = crate::secrets::MARK;
    let mut out = req.clone();
    let mut removed = Vec::new();
    out.headers.0.retain(|(n, v)| {
        let drop = is_secret_header(n) && v.contains(mark);
        if drop {
            removed.push(n.clone());
        }
        !drop
    });
    if let Some(mut u) = req.url.as_deref().and_then(|u| url::Url::parse(u).ok()) {
        let mut changed = false;
        if u.query().is_some_and(|q| q.contains(mark)) {
            let pairs: Vec<(String, String)> = u.query_pairs().into_owned().collect();
            let keep: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k, v)| {
                    let drop = is_secret_param(k) && v.contains(mark);
                    if drop {
                        removed.push(format!("?{k}"));
                    }
                    !drop
                })
                .cloned()
                .collect();
            if keep.len() != pairs.len() {
                if keep.is_empty() {
                    u.set_query(None);
                } else {
                    u.query_pairs_mut().clear().extend_pairs(keep);
                }
                changed = true;
            }
        }
        if u.username().contains(mark) || u.password().is_some_and(|p| p.contains(mark)) {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            removed.push("userinfo".into());
            changed = true;
        }
        if changed {
            out.url = Some(u.to_string());
        }
    }
    (out, removed)
}

/// A short fingerprint of a request's credentials (never the credentials):
/// what a rate-limit budget is counted per, with the host. `None` for an
/// unauthenticated request.
pub fn fingerprint(req: &Request) -> Option<String> {
    let mut creds = credentials(req);
    // A browser's cookies ride along with a token: the API counts the
    // token. Cookies count only when they are the credential.
    if creds.iter().any(|(k, _)| k != "cookie") {
        creds.retain(|(k, _)| k != "cookie");
    }
    if creds.is_empty() {
        return None;
    }
    // FNV-1a: enough to tell credentials apart without keeping them.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in &creds {
        for b in k.bytes().chain([0]).chain(v.bytes()).chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    Some(format!("{h:016x}"))
}

#[cfg(test)]
mod url_forms {
    /// The forms written out match what the URL parser writes.
    #[test]
    fn whatwg_forms_are_the_parsers() {
        for v in ["FAKE Coll@Space 95", "a\"b#c<d>e'f", "é ü?{x}`", "plain"] {
            let forms = super::encoded_forms(v);
            let mut u = url::Url::parse("http://h/").unwrap();
            u.set_query(Some(v));
            assert!(
                forms.contains(&u.query().unwrap().to_owned()) || u.query() == Some(v),
                "{v}: query"
            );
            u.set_query(None);
            u.set_path(&format!("/{v}"));
            let path = u.path().trim_start_matches('/').to_owned();
            assert!(forms.contains(&path) || path == v, "{v}: path {path}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Headers;

    #[test]
    fn names_match_after_normalising() {
        for h in [
            "Authorization",
            "Proxy-Authorization",
            "PRIVATE-TOKEN",
            "X-Auth-Token",
            "apikey",
            "X-Goog-Api-Key",
            "X-Amz-Security-Token",
            "X-Client-Secret",
            "X-Authorization",
            "Token",
            "X-Apikey",
            "x-token",
            "Ocp-Apim-Subscription-Key",
            "X-Vault-Token",
        ] {
            assert_eq!(header(h), Some(HeaderSecret::Credential), "{h}");
        }
        assert_eq!(header("Cookie"), Some(HeaderSecret::Cookie));
        assert_eq!(header("set-cookie"), Some(HeaderSecret::SetCookie));
        for h in ["Accept", "Content-Type", "Idempotency-Key", "X-Request-Id"] {
            assert_eq!(header(h), None, "{h}");
        }
        for p in [
            "access_token",
            "accessToken",
            "access%5Ftoken",
            "api-key",
            "API_KEY",
            "X-Amz-Signature",
            "client_secret",
            // OAuth 1.0 in the query (PLAINTEXT's signature is the secrets).
            "oauth_signature",
            "oauth_token",
        ] {
            assert!(is_secret_param(p), "{p}");
        }
        assert!(!is_secret_param("limit"));
        assert!(!is_secret_param("pageToken"));
        for f in [
            "accessToken",
            "clientSecret",
            "privateKey",
            "private_key",
            "jwt",
            "password",
            "refresh_token",
        ] {
            assert!(is_secret_field(f), "{f}");
        }
        for f in ["code", "message", "nextPageToken", "token_type", "key"] {
            assert!(!is_secret_field(f), "{f}");
        }
    }

    #[test]
    fn token_shapes() {
        assert!(looks_like_token(
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        ));
        assert!(looks_like_token("ghp_FAKEabcdefghijklmnop1234567890"));
        assert!(looks_like_token("sk_live_FAKE0123456789abcdef"));
        assert!(looks_like_token("xoxb-FAKE-1234567890-abcdefgh"));
        assert!(looks_like_token("AKIAFAKE1234567890AB"));
        assert!(!looks_like_token("hello world"));
        assert!(!looks_like_token("550e8400-e29b-41d4-a716-446655440000"));
        assert!(!looks_like_token("d41d8cd98f00b204e9800998ecf8427e"));
        assert!(!looks_like_token("sk-"));
        let text = "token ghp_FAKEabcdefghijklmnop1234567890 in a note";
        let t = find_tokens(text);
        assert_eq!(t.len(), 1);
        assert_eq!(&text[t[0].0..t[0].2], "ghp_");
        assert_eq!(&text[t[0].0..t[0].1], "ghp_FAKEabcdefghijklmnop1234567890");
        assert!(!looks_like_token("ResourceNotFoundException2012Version"));
        assert!(looks_like_token("aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3f"));
    }

    fn req(url: &str, headers: &[(&str, &str)]) -> Request {
        let mut h = Headers::new();
        for (k, v) in headers {
            h.push(*k, *v);
        }
        Request {
            method: "GET".into(),
            url: Some(url.into()),
            headers: h,
            body: bytes::Bytes::new(),
        }
    }

    #[test]
    fn credentials_stay_on_their_origin() {
        let r = req(
            "https://a.example/x?access_token=FAKE1&limit=5",
            &[
                ("Authorization", "Bearer FAKE"),
                ("PRIVATE-TOKEN", "FAKE"),
                ("Cookie", "sid=FAKE"),
                ("Accept", "*/*"),
            ],
        );
        let (same, s) = retarget(&r, "https://a.example/x?page=2");
        assert!(s.is_empty());
        assert_eq!(same.headers.len(), 4);
        let (other, s) = retarget(&r, "https://b.example/x?access_token=FAKE1&page=2");
        assert_eq!(other.headers.len(), 1);
        assert_eq!(s.headers, ["Authorization", "PRIVATE-TOKEN", "Cookie"]);
        assert_eq!(s.params, ["access_token"]);
        assert_eq!(other.url.as_deref(), Some("https://b.example/x?page=2"));
        // A signature the server put in its own link is not ours: kept.
        let (presigned, s) = retarget(&r, "https://cdn.example/f?X-Amz-Signature=abc");
        assert!(s.params.is_empty());
        assert!(presigned.url.unwrap().contains("X-Amz-Signature=abc"));
        // Scheme and port count.
        let (_, s) = retarget(&r, "http://a.example/x");
        assert!(!s.is_empty());
        let (_, s) = retarget(&r, "https://a.example:8443/x");
        assert!(!s.is_empty());
        let (_, s) = retarget(&r, "https://A.EXAMPLE:443/y");
        assert!(s.is_empty());
    }

    #[test]
    fn fingerprints_tell_credentials_apart() {
        let a = req("https://a.example/", &[("X-Auth-Token", "one")]);
        let b = req("https://a.example/", &[("X-Auth-Token", "two")]);
        let q = req("https://a.example/?api_key=one", &[]);
        let none = req("https://a.example/", &[("Accept", "x")]);
        assert!(fingerprint(&a).is_some());
        assert_ne!(fingerprint(&a), fingerprint(&b));
        assert!(fingerprint(&q).is_some());
        assert_eq!(fingerprint(&none), None);
    }

    #[test]
    fn a_credential_after_an_auth_scheme_in_prose_is_a_token() {
        let found = |t: &str| {
            find_tokens(t)
                .iter()
                .map(|(a, b, _)| t[*a..*b].to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("got Authorization: Bearer FAKEINTEXT73;"),
            ["FAKEINTEXT73"]
        );
        assert_eq!(found("basic dXNlcjpwYXNz"), ["dXNlcjpwYXNz"]);
        assert!(found("send a bearer token here").is_empty());
        assert!(found("Bearer realm=api").is_empty());
        assert!(found("debearer 12345678").is_empty());
    }
}
