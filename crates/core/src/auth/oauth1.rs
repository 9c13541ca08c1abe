//! OAuth 1.0a request signing (RFC 5849), as Postman collections carry it
//! and as newman's runtime signs it: HMAC-SHA1, HMAC-SHA256, HMAC-SHA512
//! and PLAINTEXT; the parameters in the `Authorization` header or the
//! query; an `oauth_body_hash` when asked.
//!
//! In a `.http` file it is apiscope's shorthand, written by the Postman
//! import: `Authorization: OAuth1 consumer_key="…" consumer_secret="…"
//! [token="…" token_secret="…"] [signature_method="HMAC-SHA1"]
//! [version="1.0"] [realm="…"] [callback="…"] [verifier="…"]
//! [timestamp="…"] [nonce="…"] [in="query"] [body_hash="true"]
//! [empty_params="true"]`. It never goes on the wire: each request is
//! signed as it leaves, with a fresh nonce and timestamp.

use base64::Engine as _;
use hmac::{Hmac, Mac};

/// An OAuth 1.0 signing configuration.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct OAuth1 {
    /// `oauth_consumer_key`.
    pub consumer_key: String,
    /// The consumer secret.
    pub consumer_secret: String,
    /// `oauth_token`.
    pub token: String,
    /// The token secret.
    pub token_secret: String,
    /// `HMAC-SHA1` (the default), `HMAC-SHA256`, `HMAC-SHA512`,
    /// `PLAINTEXT`.
    pub signature_method: String,
    /// `oauth_version` (`1.0`; empty leaves it out).
    pub version: String,
    /// `realm`, in the header only.
    pub realm: String,
    /// `oauth_callback`.
    pub callback: String,
    /// `oauth_verifier`.
    pub verifier: String,
    /// A fixed `oauth_timestamp` (else the clock's).
    pub timestamp: String,
    /// A fixed `oauth_nonce` (else a fresh one).
    pub nonce: String,
    /// The parameters go in the query rather than the header.
    pub in_query: bool,
    /// `oauth_body_hash` of a body that is not a form.
    pub body_hash: bool,
    /// Empty parameters are signed too.
    pub empty_params: bool,
}

impl std::fmt::Debug for OAuth1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth1")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &"…")
            .field("token", &self.token)
            .field("token_secret", &"…")
            .field("signature_method", &self.signature_method)
            .finish_non_exhaustive()
    }
}

/// The words a shorthand is made of (`key="value"`), in the order the
/// import writes them.
const KEYS: &[&str] = &[
    "consumer_key",
    "consumer_secret",
    "token",
    "token_secret",
    "signature_method",
    "version",
    "realm",
    "callback",
    "verifier",
    "timestamp",
    "nonce",
    "in",
    "body_hash",
    "empty_params",
];

/// The shorthand `OAuth1 key="value" …`, else `None` (an `OAuth …` header
/// already signed is not it).
pub fn shorthand(value: &str) -> Option<OAuth1> {
    let rest = value.trim();
    let (scheme, mut rest) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("oauth1") {
        return None;
    }
    let mut o = OAuth1 {
        signature_method: "HMAC-SHA1".into(),
        version: "1.0".into(),
        ..OAuth1::default()
    };
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (key, after) = rest.split_once('=')?;
        let key = key.trim();
        if !KEYS.contains(&key) {
            return None;
        }
        let (v, next) = match after.strip_prefix('"') {
            Some(q) => {
                let end = q.find('"')?;
                (&q[..end], &q[end + 1..])
            }
            None => after.split_once(char::is_whitespace).unwrap_or((after, "")),
        };
        let v = v.to_owned();
        match key {
            "consumer_key" => o.consumer_key = v,
            "consumer_secret" => o.consumer_secret = v,
            "token" => o.token = v,
            "token_secret" => o.token_secret = v,
            "signature_method" => o.signature_method = v,
            "version" => o.version = v,
            "realm" => o.realm = v,
            "callback" => o.callback = v,
            "verifier" => o.verifier = v,
            "timestamp" => o.timestamp = v,
            "nonce" => o.nonce = v,
            "in" => o.in_query = v.eq_ignore_ascii_case("query"),
            "body_hash" => o.body_hash = v == "true",
            _ => o.empty_params = v == "true",
        }
        rest = next;
    }
    (!o.consumer_key.is_empty()).then_some(o)
}

/// RFC 5849 §3.6 percent-encoding (unreserved kept), as node-oauth1's
/// `percentEncode` does it.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding of one word (`+` is a
/// space), as node-oauth1's `decodePercent`.
fn decode_percent(s: &str) -> String {
    let s = s.replace('+', " ");
    url::form_urlencoded::parse(format!("x={}", s.replace('&', "%26")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A query string as node-oauth1's `decodeForm` reads it: empty words
/// dropped, a word without `=` has no value.
fn decode_form(query: &str) -> Vec<(String, Option<String>)> {
    query
        .split('&')
        .filter(|w| !w.is_empty())
        .map(|w| match w.split_once('=') {
            Some((k, v)) => (decode_percent(k), Some(decode_percent(v))),
            None => (decode_percent(w), None),
        })
        .collect()
}

/// The alphabet of node-oauth1's nonces (its own, typo included).
const NONCE_CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXTZabcdefghiklmnopqrstuvwxyz";

/// A fresh 11-character nonce, as newman's runtime makes them.
pub fn nonce() -> String {
    (0..11)
        .map(|_| NONCE_CHARS[fastrand::usize(..NONCE_CHARS.len())] as char)
        .collect()
}

/// What signing changes on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The `Authorization` header (when the parameters go there).
    pub header: Option<String>,
    /// The URL to send: its query re-encoded as RFC 5849 says (newman
    /// does), the parameters appended when they go in the query.
    pub url: String,
}

impl OAuth1 {
    /// Signs `method` `url` (with `form` the fields of a form body, and
    /// `body` the bytes of another body) at `timestamp` with `nonce`
    /// (the configuration's own, when fixed, win).
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        form: Option<&[(String, String)]>,
        body: &[u8],
        timestamp: u64,
        nonce: &str,
    ) -> Result<Signed, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("the URL does not parse ({e})"))?;
        let method_name = self.signature_method.to_ascii_uppercase();
        let body_hash = if self.body_hash && form.is_none() {
            use sha2::Digest as _;
            let digest = match method_name.as_str() {
                "HMAC-SHA256" => sha2::Sha256::digest(body).to_vec(),
                "HMAC-SHA512" => sha2::Sha512::digest(body).to_vec(),
                "HMAC-SHA1" => sha1::Sha1::digest(body).to_vec(),
                _ => Vec::new(),
            };
            (!digest.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(digest))
        } else {
            None
        };
        let timestamp = if self.timestamp.is_empty() {
            timestamp.to_string()
        } else {
            self.timestamp.clone()
        };
        let nonce = if self.nonce.is_empty() {
            nonce.to_owned()
        } else {
            self.nonce.clone()
        };
        let mut params: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), self.consumer_key.clone()),
            ("oauth_token".into(), self.token.clone()),
            (
                "oauth_signature_method".into(),
                self.signature_method.clone(),
            ),
            ("oauth_timestamp".into(), timestamp),
            ("oauth_nonce".into(), nonce),
            ("oauth_version".into(), self.version.clone()),
        ];
        for (k, v) in [
            ("oauth_body_hash", body_hash.unwrap_or_default()),
            ("oauth_callback", self.callback.clone()),
            ("oauth_verifier", self.verifier.clone()),
        ] {
            if !v.is_empty() {
                params.push((k.into(), v));
            }
        }
        params.retain(|(_, v)| self.empty_params || !v.is_empty());
        // The base string (§3.4.1): the method, the URL without its query,
        // and every parameter (the query's, the form's, the oauth ones)
        // encoded, sorted, joined.
        let scheme = parsed.scheme().to_ascii_lowercase();
        let host = parsed.host_str().unwrap_or("").to_ascii_lowercase();
        let authority = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        };
        let base_url = format!("{scheme}://{authority}{}", parsed.path());
        let query = decode_form(parsed.query().unwrap_or(""));
        let mut all: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
            .collect();
        all.extend(params.iter().cloned());
        if let Some(f) = form {
            all.extend(f.iter().cloned());
        }
        let mut encoded: Vec<(String, String, String)> = all
            .iter()
            .map(|(k, v)| {
                let (k, v) = (percent_encode(k), percent_encode(v));
                (format!("{k} {v}"), k, v)
            })
            .collect();
        encoded.sort_by(|a, b| a.0.cmp(&b.0));
        let normalized = encoded
            .iter()
            .map(|(_, k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let base = format!(
            "{}&{}&{}",
            percent_encode(&method.to_ascii_uppercase()),
            percent_encode(&base_url),
            percent_encode(&normalized)
        );
        let key = format!(
            "{}&{}",
            percent_encode(&self.consumer_secret),
            percent_encode(&self.token_secret)
        );
        let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(bytes);
        let signature = match method_name.as_str() {
            "HMAC-SHA1" => b64(mac::<Hmac<sha1::Sha1>>(&key, &base)),
            "HMAC-SHA256" => b64(mac::<Hmac<sha2::Sha256>>(&key, &base)),
            "HMAC-SHA512" => b64(mac::<Hmac<sha2::Sha512>>(&key, &base)),
            "PLAINTEXT" => key,
            other => {
                return Err(format!(
                    "the OAuth 1.0 signature method {other} is not supported (HMAC-SHA1, HMAC-SHA256, HMAC-SHA512 and PLAINTEXT are)"
                ));
            }
        };
        params.push(("oauth_signature".into(), signature));
        // The query as newman sends it: each pair RFC 5849-encoded.
        let mut out = parsed.clone();
        let mut words: Vec<String> = query
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{}={}", percent_encode(k), percent_encode(v)),
                None => percent_encode(k),
            })
            .collect();
        let header = if self.in_query {
            words.extend(
                params
                    .iter()
                    .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))),
            );
            None
        } else {
            let mut parts: Vec<String> = Vec::new();
            if !self.realm.trim().is_empty() {
                parts.push(format!("realm=\"{}\"", percent_encode(&self.realm)));
            }
            for (k, v) in &params {
                let v = v.trim();
                if !v.is_empty() {
                    parts.push(format!("{}=\"{}\"", percent_encode(k), percent_encode(v)));
                }
            }
            Some(format!("OAuth {}", parts.join(",")))
        };
        if parsed.query().is_some() || !words.is_empty() {
            let joined = words.join("&");
            out.set_query((!words.is_empty()).then_some(joined.as_str()));
        }
        Ok(Signed {
            header,
            url: out.to_string(),
        })
    }

    /// The values a log must never show: the secrets.
    pub fn secrets(&self) -> Vec<String> {
        [&self.consumer_secret, &self.token_secret]
            .into_iter()
            .filter(|s| s.len() >= 4)
            .cloned()
            .collect()
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &str, data: &str) -> Vec<u8> {
    let mut m =
        <M as hmac::digest::KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(method: &str, ck: &str, cs: &str) -> OAuth1 {
        OAuth1 {
            consumer_key: ck.into(),
            consumer_secret: cs.into(),
            signature_method: method.into(),
            version: "1.0".into(),
            ..OAuth1::default()
        }
    }

    /// Each expected value is what newman's runtime (postman-runtime's
    /// oauth1 authorizer over node-oauth1) made of the same request, the
    /// same nonce and timestamp.
    #[test]
    fn signatures_are_newmans() {
        let mut o = config("HMAC-SHA1", "ck_FAKE", "cs_FAKE");
        o.token = "tk_FAKE".into();
        o.token_secret = "ts_FAKE".into();
        let s = o
            .sign(
                "GET",
                "https://api.example.com/v1/items?b=2&a=1%20x&flag&c=d+e",
                None,
                b"",
                1_700_000_000,
                "abcDEF12345",
            )
            .unwrap();
        assert_eq!(
            s.header.as_deref(),
            Some(
                "OAuth oauth_consumer_key=\"ck_FAKE\",oauth_token=\"tk_FAKE\",oauth_signature_method=\"HMAC-SHA1\",oauth_timestamp=\"1700000000\",oauth_nonce=\"abcDEF12345\",oauth_version=\"1.0\",oauth_signature=\"JBWbEImS0kf2Xm88PEIXEHjl%2BDc%3D\""
            )
        );
        assert_eq!(
            s.url,
            "https://api.example.com/v1/items?b=2&a=1%20x&flag&c=d%20e"
        );

        let mut o = config("HMAC-SHA256", "RKCGzna7bv9YD57c", "D+EdQ-gs$-%@2Nu7");
        o.realm = "Photos".into();
        let s = o
            .sign(
                "POST",
                "http://127.0.0.1:8080/oauth1",
                None,
                b"",
                1_700_000_001,
                "zzz",
            )
            .unwrap();
        assert_eq!(
            s.header.as_deref(),
            Some(
                "OAuth realm=\"Photos\",oauth_consumer_key=\"RKCGzna7bv9YD57c\",oauth_signature_method=\"HMAC-SHA256\",oauth_timestamp=\"1700000001\",oauth_nonce=\"zzz\",oauth_version=\"1.0\",oauth_signature=\"QwLJIG7RxhLUY%2Bgpbjs9Aw5Sa5aD1XrYYmpKC8RxZ6A%3D\""
            )
        );

        let mut o = config("PLAINTEXT", "ck", "cs_FAKE");
        o.in_query = true;
        let s = o
            .sign("GET", "https://Example.COM:443/p?x=!*", None, b"", 1, "n")
            .unwrap();
        assert_eq!(s.header, None);
        assert_eq!(
            s.url,
            "https://example.com/p?x=%21%2A&oauth_consumer_key=ck&oauth_signature_method=PLAINTEXT&oauth_timestamp=1&oauth_nonce=n&oauth_version=1.0&oauth_signature=cs_FAKE%26"
        );

        let mut o = config("HMAC-SHA512", "ck", "cs_FAKE");
        o.version = String::new();
        let s = o.sign("GET", "http://h.test/q", None, b"", 2, "m").unwrap();
        assert_eq!(
            s.header.as_deref(),
            Some(
                "OAuth oauth_consumer_key=\"ck\",oauth_signature_method=\"HMAC-SHA512\",oauth_timestamp=\"2\",oauth_nonce=\"m\",oauth_signature=\"0k9U69z6nnCdJLTdXSRQUP1hqRcsqnl2kq3MgcO77B6x%2Fbl0fUyMUQd4zX0ZbDu5DS8weZBWTmsW3Z9PE5TH8Q%3D%3D\""
            )
        );
    }

    #[test]
    fn the_shorthand_reads_back_what_the_import_writes() {
        let o = shorthand(
            r#"OAuth1 consumer_key="ck" consumer_secret="c s" token="" signature_method="HMAC-SHA256" realm="R" in="query" body_hash="true""#,
        )
        .unwrap();
        assert_eq!(o.consumer_secret, "c s");
        assert_eq!(o.signature_method, "HMAC-SHA256");
        assert!(o.in_query && o.body_hash && !o.empty_params);
        assert_eq!(o.version, "1.0");
        assert!(!format!("{o:?}").contains("c s"));
        // An OAuth header already signed, or a stranger's word: not it.
        assert_eq!(shorthand(r#"OAuth oauth_consumer_key="ck""#), None);
        assert_eq!(shorthand(r#"OAuth1 consumer_key="ck" evil="1""#), None);
        assert_eq!(shorthand("OAuth1 consumer_secret=\"x\""), None);
        assert!(
            config("RSA-SHA1", "ck", "x")
                .sign("GET", "http://h.test/", None, b"", 1, "n")
                .unwrap_err()
                .contains("not supported")
        );
        assert_eq!(nonce().len(), 11);
    }
}
