//! The auth side of a diagnosis: the server's `WWW-Authenticate` and
//! `Proxy-Authenticate` challenges (RFC 7235, RFC 6750's bearer errors,
//! Basic and Digest realms), what a JWT bearer token sent says of itself
//! (`nbf`, `aud`, `scope`: read, never verified, never sent anywhere), and
//! the skew between the server's `Date` and the clock that sent the
//! request.

use crate::model::{Exchange, Headers, Request};

/// One challenge of a `WWW-Authenticate` header: `Bearer realm="api",
/// error="invalid_token"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme as written (`Bearer`, `Digest`); compare without case.
    pub scheme: String,
    /// The auth-params, names lower-cased, quoted values unquoted.
    pub params: Vec<(String, String)>,
    /// A token68 (`Negotiate abc==`), when the challenge has one.
    pub token68: Option<String>,
}

impl Challenge {
    /// A parameter's value (`realm`, `error`, `scope`).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the scheme is `scheme`, without case.
    pub fn is(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }
}

/// The most of a challenge header read.
const MAX_HEADER: usize = 16 * 1024;
/// The most challenges, and parameters, read from one header.
const MAX_ITEMS: usize = 64;

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Parses a challenge list (RFC 7235 §4.1): challenges and their
/// parameters are both comma-separated, so a `name=value` after a comma
/// belongs to the challenge before it. A malformed list is an error naming
/// where it went wrong.
pub fn parse_challenges(value: &str) -> Result<Vec<Challenge>, String> {
    if value.len() > MAX_HEADER {
        return Err(format!("longer than {} KB", MAX_HEADER / 1024));
    }
    let s: Vec<char> = value.chars().collect();
    let mut i = 0;
    let mut out: Vec<Challenge> = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && (s[*i] == ' ' || s[*i] == '\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < s.len() && is_tchar(s[*i]) {
            *i += 1;
        }
        s[start..*i].iter().collect::<String>()
    };
    // `name =` ahead (a parameter), without moving.
    let param_ahead = |i: usize| {
        let mut j = i;
        while j < s.len() && is_tchar(s[j]) {
            j += 1;
        }
        if j == i {
            return false;
        }
        while j < s.len() && (s[j] == ' ' || s[j] == '\t') {
            j += 1;
        }
        // (`=` then `=` or the end would be a token68's padding.)
        j < s.len() && s[j] == '=' && !matches!(s.get(j + 1), Some('=') | None)
    };
    let mut items = 0;
    loop {
        // Empty list elements (`, ,`) are allowed.
        while i < s.len() && (s[i] == ',' || s[i] == ' ' || s[i] == '\t') {
            i += 1;
        }
        if i >= s.len() {
            break;
        }
        items += 1;
        if items > MAX_ITEMS {
            return Err(format!("more than {MAX_ITEMS} challenges"));
        }
        if out.last().is_some() && param_ahead(i) {
            // A parameter of the challenge before, after a comma.
        } else {
            let scheme = token(&mut i);
            if scheme.is_empty() {
                return Err(format!("a scheme name was expected at character {}", i + 1));
            }
            out.push(Challenge {
                scheme,
                params: Vec::new(),
                token68: None,
            });
            skip_ws(&mut i);
            if i >= s.len() || s[i] == ',' {
                continue;
            }
            if !param_ahead(i) {
                // token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
                let start = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || "-._~+/".contains(s[i])) {
                    i += 1;
                }
                while i < s.len() && s[i] == '=' {
                    i += 1;
                }
                if i == start {
                    return Err(format!("unexpected '{}' at character {}", s[i], i + 1));
                }
                let t: String = s[start..i].iter().collect();
                if let Some(c) = out.last_mut() {
                    c.token68 = Some(t);
                }
                skip_ws(&mut i);
                if i < s.len() && s[i] != ',' {
                    return Err(format!("unexpected '{}' at character {}", s[i], i + 1));
                }
                continue;
            }
        }
        // One or more `name=value` parameters.
        loop {
            let name = token(&mut i).to_ascii_lowercase();
            skip_ws(&mut i);
            if i >= s.len() || s[i] != '=' {
                return Err(format!("'=' expected after '{name}'"));
            }
            i += 1;
            skip_ws(&mut i);
            let value = if i < s.len() && s[i] == '"' {
                i += 1;
                let mut v = String::new();
                loop {
                    match s.get(i) {
                        None => return Err(format!("the quoted value of '{name}' is not closed")),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if i + 1 < s.len() => {
                            v.push(s[i + 1]);
                            i += 2;
                        }
                        Some(c) => {
                            v.push(*c);
                            i += 1;
                        }
                    }
                }
                v
            } else {
                let v = token(&mut i);
                if v.is_empty() {
                    return Err(format!("'{name}' has no value"));
                }
                v
            };
            let Some(c) = out.last_mut() else {
                return Err(format!("the parameter '{name}' comes before any scheme"));
            };
            if c.params.len() >= MAX_ITEMS {
                return Err(format!("more than {MAX_ITEMS} parameters"));
            }
            c.params.push((name, value));
            skip_ws(&mut i);
            if i >= s.len() {
                break;
            }
            if s[i] != ',' {
                return Err(format!("unexpected '{}' at character {}", s[i], i + 1));
            }
            // After the comma: another parameter, or the next challenge.
            let mut j = i + 1;
            while j < s.len() && (s[j] == ' ' || s[j] == '\t' || s[j] == ',') {
                j += 1;
            }
            if param_ahead(j) {
                i = j;
                continue;
            }
            break;
        }
    }
    Ok(out)
}

/// The challenges a response asks with: `WWW-Authenticate` (every header
/// line), or `Proxy-Authenticate` for a 407. The header's name comes with
/// them; a header that does not parse is the error's text.
pub fn challenges_of(
    headers: &Headers,
    status: Option<u16>,
) -> Option<(&'static str, Result<Vec<Challenge>, String>)> {
    let name = if status == Some(407) {
        "Proxy-Authenticate"
    } else {
        "WWW-Authenticate"
    };
    let lines: Vec<&str> = headers.get_all(name).collect();
    if lines.is_empty() {
        return None;
    }
    let mut all = Vec::new();
    for l in lines {
        match parse_challenges(l) {
            Ok(mut c) => all.append(&mut c),
            Err(e) => return Some((name, Err(e))),
        }
    }
    Some((name, Ok(all)))
}

/// The bearer error a response's challenge names (RFC 6750 §3.1):
/// `(error, description, scope)`.
pub fn bearer_error(
    headers: &Headers,
    status: Option<u16>,
) -> Option<(String, Option<String>, Option<String>)> {
    let (_, Ok(list)) = challenges_of(headers, status)? else {
        return None;
    };
    list.iter().filter(|c| c.is("Bearer")).find_map(|c| {
        let e = c.param("error")?;
        Some((
            e.to_owned(),
            c.param("error_description").map(str::to_owned),
            c.param("scope").map(str::to_owned),
        ))
    })
}

/// The claims of a JWT in `Authorization: Bearer …` (read, never
/// verified), `None` when the token is not one.
pub fn jwt_claims(req: &Request) -> Option<serde_json::Map<String, serde_json::Value>> {
    use base64::Engine as _;
    let value = req.headers.get("authorization")?.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut parts = token.trim().split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(o) => Some(o),
        _ => None,
    }
}

/// A time claim (`exp`, `nbf`, `iat`) in Unix seconds, when plausible.
pub fn time_claim(claims: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<i64> {
    let v = claims.get(name)?;
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        .filter(|t| (0..253_402_300_800).contains(t))
}

/// When the request was sent, Unix seconds, as the input says.
fn sent_at(exchange: &Exchange) -> Option<i64> {
    exchange.timing.started_ms.map(|ms| ms.div_euclid(1000))
}

/// How far the server's clock (its `Date`) is from the clock that sent the
/// request, in seconds (positive: the server is ahead), when both are
/// known and they differ by more than the exchange's own duration allows.
pub fn clock_skew(exchange: &Exchange) -> Option<i64> {
    let sent = sent_at(exchange)?;
    let date = exchange
        .response
        .headers
        .get("date")
        .and_then(crate::time::parse_http_date)?;
    // The server wrote Date between the send and the end of the exchange,
    // truncated to the second.
    let took = exchange
        .timing
        .total_ms
        .filter(|t| t.is_finite() && *t >= 0.0)
        .map_or(0, |t| (t / 1000.0).ceil() as i64);
    // Outside that window the skew is the difference from the send (the
    // exchange's own time is within the precision of a Date).
    (date < sent - 1 || date > sent + took + 1).then_some(date - sent)
}

/// The skew worth a finding: a minute. JWT libraries allow 0–60 s of
/// leeway; request signatures (AWS SigV4) five minutes.
const SKEW_FINDING_S: i64 = 60;

/// The findings about authentication: the challenge's words, what the JWT
/// sent says of itself, and a skewed clock.
pub fn findings(exchange: &Exchange, status: Option<u16>, out: &mut Vec<String>) {
    let Some(req) = &exchange.request else {
        return;
    };
    let auth_status = matches!(status, Some(401 | 403 | 407));
    let sent_scheme = req
        .headers
        .get(if status == Some(407) {
            "proxy-authorization"
        } else {
            "authorization"
        })
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_owned);
    let claims = jwt_claims(req);
    if auth_status {
        match challenges_of(&exchange.response.headers, status) {
            Some((name, Err(e))) => out.push(format!(
                "The {name} header could not be read ({e}): the server's challenge is malformed"
            )),
            Some((name, Ok(list))) if !list.is_empty() => {
                challenge_findings(name, &list, sent_scheme.as_deref(), claims.as_ref(), out);
            }
            _ => {}
        }
    }
    if let Some(claims) = &claims
        && matches!(status, Some(401 | 403))
    {
        jwt_findings(exchange, req, claims, out);
    }
    if let Some(skew) = clock_skew(exchange)
        && skew.abs() >= SKEW_FINDING_S
    {
        let by = crate::time::human(std::time::Duration::from_secs(skew.unsigned_abs()));
        out.push(format!(
            "The server's clock (its Date header) is {by} {} the clock that sent this request: token expiry (exp, nbf), signed requests (AWS SigV4, HMAC) and reset times are off by as much — set the clock right (NTP)",
            if skew > 0 { "ahead of" } else { "behind" }
        ));
    }
}

fn challenge_findings(
    name: &str,
    list: &[Challenge],
    sent: Option<&str>,
    claims: Option<&serde_json::Map<String, serde_json::Value>>,
    out: &mut Vec<String>,
) {
    for c in list.iter().filter(|c| c.is("Bearer")) {
        let Some(error) = c.param("error") else {
            continue;
        };
        let desc = c
            .param("error_description")
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        match error {
            "invalid_token" => out.push(format!(
                "The server's {name} says the bearer token is not accepted (invalid_token{desc})"
            )),
            "insufficient_scope" => {
                let needed: Vec<&str> = c
                    .param("scope")
                    .map(|s| s.split_whitespace().collect())
                    .unwrap_or_default();
                let mut f = format!(
                    "The server's {name} says the token lacks a scope (insufficient_scope{desc})"
                );
                if !needed.is_empty() {
                    f.push_str(&format!("; it needs: {}", needed.join(" ")));
                }
                if let Some(has) = claims.and_then(token_scopes) {
                    let missing: Vec<&str> = needed
                        .iter()
                        .copied()
                        .filter(|n| !has.iter().any(|h| h == n))
                        .collect();
                    f.push_str(&format!(
                        "; the token has: {}",
                        if has.is_empty() {
                            "no scope".to_owned()
                        } else {
                            has.join(" ")
                        }
                    ));
                    if !missing.is_empty() && missing.len() < needed.len() {
                        f.push_str(&format!("; missing: {}", missing.join(" ")));
                    }
                }
                out.push(f);
            }
            "invalid_request" => out.push(format!(
                "The server's {name} says the request's authentication is malformed (invalid_request{desc})"
            )),
            other => out.push(format!(
                "The server's {name} names the error {other}{desc}"
            )),
        }
    }
    // The schemes asked for, against the one sent.
    let schemes: Vec<String> = list
        .iter()
        .map(|c| match c.param("realm") {
            Some(r) => format!("{} (realm \"{r}\")", c.scheme),
            None => c.scheme.clone(),
        })
        .collect();
    let asked = |s: &str| list.iter().any(|c| c.is(s));
    match sent {
        None => out.push(format!(
            "The server asks for {} authentication ({name})",
            schemes.join(" or ")
        )),
        Some(s) if !asked(s) => out.push(format!(
            "The request sent {s} credentials, but the server asks for {} ({name})",
            schemes.join(" or ")
        )),
        _ => {}
    }
    if let Some(d) = list.iter().find(|c| c.is("Digest")) {
        let algorithm = d.param("algorithm").unwrap_or("MD5");
        if !sent.is_some_and(|s| s.eq_ignore_ascii_case("digest")) {
            out.push(format!(
                "Digest ({algorithm}) is answered by apiscope: `Authorization: Digest USER PASSWORD` in a .http file, or send -a USER:PASSWORD --auth-type digest"
            ));
        } else if d
            .param("stale")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
        {
            out.push("The Digest nonce was stale: the server asks to answer again with its new nonce (the credentials were right)".into());
        }
    }
}

/// The scopes a token's claims grant: `scope` (space-separated) or `scp`
/// (a list or a string).
fn token_scopes(claims: &serde_json::Map<String, serde_json::Value>) -> Option<Vec<String>> {
    let v = claims.get("scope").or_else(|| claims.get("scp"))?;
    match v {
        serde_json::Value::String(s) => Some(s.split_whitespace().map(str::to_owned).collect()),
        serde_json::Value::Array(a) => Some(
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
        ),
        _ => None,
    }
}

fn jwt_findings(
    exchange: &Exchange,
    req: &Request,
    claims: &serde_json::Map<String, serde_json::Value>,
    out: &mut Vec<String>,
) {
    let offset = exchange.timing.utc_offset_min;
    if let (Some(nbf), Some(sent)) = (time_claim(claims, "nbf"), sent_at(exchange))
        && nbf > sent
    {
        out.push(format!(
            "Its JWT `nbf` says the bearer token is not valid before {}, {} after this request was sent: the issuer's clock is ahead, or the token was used too early",
            crate::time::utc_and_local(nbf.saturating_mul(1000), offset),
            crate::time::human(std::time::Duration::from_secs(nbf.abs_diff(sent)))
        ));
    }
    let host = req
        .url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
    let auds: Vec<&str> = match claims.get("aud") {
        Some(serde_json::Value::String(s)) => vec![s.as_str()],
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|x| x.as_str()).collect(),
        _ => Vec::new(),
    };
    let url_hosts: Vec<(&str, String)> = auds
        .iter()
        .filter_map(|a| {
            let u = url::Url::parse(a).ok()?;
            matches!(u.scheme(), "http" | "https")
                .then(|| u.host_str().map(|h| (*a, h.to_ascii_lowercase())))?
        })
        .collect();
    // Only when every audience is a URL and none is this host: an `aud`
    // that is a name (`api://x`, `my-api`) says nothing about hosts.
    if let Some(host) = host
        && !url_hosts.is_empty()
        && url_hosts.len() == auds.len()
        && !url_hosts.iter().any(|(_, h)| *h == host)
    {
        out.push(format!(
            "Its JWT `aud` is {}: the token was issued for another API than {host}",
            url_hosts
                .iter()
                .map(|(a, _)| crate::redact::url(a))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
}

/// What a failed TLS handshake's message says went wrong, as a finding
/// and the step for it (rustls's and the server's alert words, read
/// without case): the certificate expired or not yet valid, issued for
/// another host, by an unknown authority; a client certificate wanted or
/// refused; no protocol in common, or TLS spoken to a plain port.
pub fn tls_cause(message: &str) -> Option<(&'static str, &'static str)> {
    let m = message.to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| m.contains(x));
    Some(if has(&["certificaterequired", "certificate required"]) {
        (
            "The server asks for a client certificate, and none was sent",
            "Send your client certificate: --cert CERT.pem --cert-key KEY.pem (or SSLConfiguration in the env file)",
        )
    } else if has(&[
        "badcertificate",
        "bad certificate",
        "unknownca",
        "unknown ca",
        "certificateunknown",
    ]) && has(&["alert"])
    {
        (
            "The server refused the client certificate sent (its alert: bad certificate or unknown CA)",
            "Check the client certificate: issued by a CA the server trusts, not expired, and its key the one that matches",
        )
    } else if has(&["expired"]) {
        (
            "The server's certificate has expired",
            "The server's certificate must be renewed (its owner's job); check this machine's clock too — a clock far ahead makes a good certificate look expired",
        )
    } else if has(&["notvalidyet", "not valid yet", "not yet valid"]) {
        (
            "The server's certificate is not valid yet",
            "Check this machine's clock (a clock behind makes a new certificate look not yet valid), or wait for the certificate's start date",
        )
    } else if has(&[
        "notvalidforname",
        "not valid for name",
        "not valid for the name",
        "hostname mismatch",
    ]) {
        (
            "The server's certificate was issued for another host name",
            "Check the host in the URL against the certificate's names (a CDN or load balancer may serve another site's certificate)",
        )
    } else if has(&["causedasendentity", "ca used as end entity"]) {
        (
            "The server's certificate is a CA certificate (CA:TRUE) serving as its own — a self-signed test certificate made with `openssl req -x509` and no extensions",
            "Give the server a leaf certificate (basicConstraints CA:FALSE) signed by that CA and pass the CA with --verify CA.pem; curl --cacert takes such a certificate, rustls does not; --verify no only for a test server",
        )
    } else if has(&[
        "unknownissuer",
        "unknown issuer",
        "self-signed",
        "self signed",
    ]) {
        (
            "The server's certificate was issued by an authority this machine does not trust (a private CA, a self-signed certificate, or a proxy that inspects TLS)",
            "Trust the issuing CA: --verify CA.pem (or the system's store); --verify no only for a test server",
        )
    } else if has(&["handshakefailure", "handshake failure"]) {
        (
            "The TLS handshake failed: no cipher or version in common, or the server wants a client certificate",
            "Check the server's TLS versions and ciphers, and whether it wants a client certificate (--cert)",
        )
    } else if has(&[
        "protocolversion",
        "protocol version",
        "peer is incompatible",
        "peerincompatible",
    ]) {
        (
            "The client and the server have no TLS version in common",
            "The server speaks only an old TLS version (1.0/1.1) that apiscope refuses, or a newer one: have it enable TLS 1.2 or 1.3",
        )
    } else if has(&[
        "invalidcontenttype",
        "invalid content type",
        "corrupt message",
        "wrong version number",
    ]) {
        (
            "The server did not answer in TLS: an https:// URL to a plain-HTTP port",
            "Use http:// for this port, or the server's TLS port",
        )
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<Challenge> {
        parse_challenges(s).unwrap()
    }

    #[test]
    fn challenge_lists_parse_as_rfc_7235_writes_them() {
        let c = p(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].param("error"), Some("invalid_token"));
        assert_eq!(
            c[0].param("error_description"),
            Some("The access token expired")
        );
        let c =
            p(r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple""#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].param("title"), Some(r#"Login to "apps""#));
        assert_eq!(c[0].param("type"), Some("1"));
        assert!(c[1].is("basic"));
        assert_eq!(c[1].param("realm"), Some("simple"));
        let c = p("Negotiate abc+/def==, Basic realm=x");
        assert_eq!(c[0].token68.as_deref(), Some("abc+/def=="));
        assert_eq!(c[1].param("realm"), Some("x"));
        let c = p(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].param("qop"), Some("auth, auth-int"));
        assert_eq!(c[0].param("algorithm"), Some("SHA-256"));
        assert_eq!(p("Bearer").len(), 1);
        assert_eq!(p(", Basic ,").len(), 1);
    }

    #[test]
    fn malformed_challenges_are_a_reason_not_a_panic() {
        for bad in [
            r#"Bearer realm="open"#,
            "Bearer realm=,",
            "=x",
            "Bearer a b c",
            "Basic realm=\"x\" junk",
            "\u{0}",
        ] {
            assert!(parse_challenges(bad).is_err(), "{bad}");
        }
        assert!(parse_challenges(&"Basic, ".repeat(100)).is_err());
        assert!(parse_challenges(&"x".repeat(20_000)).is_err());
        // Whatever the bytes: an answer, never a panic.
        for s in ["\"", "a=\"\\", "a,=,", "B c=\"d\",,e", "Ω realm=é"] {
            let _ = parse_challenges(s);
        }
    }
}
