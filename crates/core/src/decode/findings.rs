//! Checking the request against the error: the mistakes a support engineer
//! would look for first (no credential, wrong auth header, missing `Bearer `,
//! a token of the wrong kind, a JSON body without its Content-Type, a page
//! past the end, a query parameter outside its documented range).

use super::Diagnosis;
use super::json::Json;
use super::profile::{Profile, QueryRule};
use crate::model::{Exchange, Request};

/// Findings about the request of an exchange; empty when the request is
/// unknown.
pub fn check(
    profile: &Profile,
    exchange: &Exchange,
    d: &Diagnosis,
    _tree: Option<&Json>,
) -> Vec<String> {
    let Some(req) = &exchange.request else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let status = d.status.unwrap_or(0);
    let is_error = d.is_error();
    let url = req.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    let query: Vec<(String, String)> = url
        .as_ref()
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();

    if is_error {
        if matches!(status, 401 | 403)
            && let Some(exp) = d.token_expires_at
        {
            let sent = exchange
                .timing
                .started_ms
                .map(|ms| ms.div_euclid(1000))
                .or_else(|| {
                    exchange
                        .response
                        .headers
                        .get("date")
                        .and_then(crate::time::parse_http_date)
                });
            let at = crate::time::utc_and_local(exp.saturating_mul(1000), d.utc_offset_min);
            out.push(match sent {
                Some(t) if t >= exp => format!(
                    "Its JWT `exp` says the bearer token sent expired at {at}, {} before this request",
                    crate::time::human(std::time::Duration::from_secs(t.abs_diff(exp)))
                ),
                Some(_) => format!(
                    "Its JWT `exp` says the bearer token sent was valid until {at}: it had not expired when this request was sent"
                ),
                None => format!("Its JWT `exp` says the bearer token sent expires at {at}"),
            });
        }
        auth(profile, req, d, url.as_ref(), &mut out);
        super::auth::findings(exchange, d.status, &mut out);
        body(req, d, status, &mut out);
        // A parameter the server itself rejected (its field errors) is said
        // once, by the troubleshooting step for that field.
        let rejected = |name: &str| {
            d.error
                .as_ref()
                .is_some_and(|e| e.fields.iter().any(|(f, _)| f == name))
        };
        for rule in &profile.query_rules {
            if let Some((_, v)) = query.iter().find(|(k, _)| *k == rule.name)
                && !rejected(&rule.name)
            {
                query_rule(rule, v, &mut out);
            }
        }
        if status == 405
            && let Some(allow) = exchange.response.headers.get("allow")
        {
            out.push(format!(
                "The endpoint does not accept {}; it allows: {}",
                req.method,
                allow.trim()
            ));
        }
        for (k, _) in &query {
            if crate::secrets::is_secret_param(k) && k != "code" && k != "session" {
                out.push(format!(
                    "The URL carries a credential in its query string ({k}=…); URLs end up in logs — send it in a header instead"
                ));
            }
        }
    }

    // A skewed clock matters to a success too (the next token, the next
    // signature): said once, with the errors' findings or here.
    if !is_error
        && let Some(skew) = super::auth::clock_skew(exchange)
        && skew.abs() >= 60
    {
        super::auth::findings(exchange, d.status, &mut out);
    }

    // A page past the end often answers 200 with an empty list.
    if let Some(p) = &d.pagination
        && let (Some(page), Some(count)) = (page_param(profile, &query), p.page_count)
        && page > count
        && count > 0
    {
        out.push(format!(
            "The request asked for page {page}, but page_count is {count}: the last page is {count}"
        ));
    }
    out
}

fn page_param(profile: &Profile, query: &[(String, String)]) -> Option<i64> {
    let name = profile.pagination.page_param.as_deref()?;
    query
        .iter()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse().ok())
}

fn auth(
    profile: &Profile,
    req: &Request,
    d: &Diagnosis,
    url: Option<&url::Url>,
    out: &mut Vec<String>,
) {
    let Some(spec) = &profile.auth else {
        // Unknown scheme: still say when no credential at all was sent to
        // an endpoint that asks for one.
        if d.status == Some(401) && !has_any_credential(req) {
            out.push("The request sent no Authorization header".into());
        }
        return;
    };
    let status = d.status.unwrap_or(0);
    let header = spec.header.as_str();
    let value = req.headers.get(header).map(str::trim);
    let auth_related = matches!(status, 401 | 403 | 429) || d.status.is_none();

    match value {
        None => {
            if auth_related || status >= 400 {
                out.push(format!("The request sent no {header} header"));
            }
            if !header.eq_ignore_ascii_case("authorization")
                && req.headers.contains("authorization")
            {
                out.push(format!(
                    "The request sent an Authorization header, but this API reads its key from the {header} header"
                ));
            } else if header.eq_ignore_ascii_case("authorization") {
                for (other, _) in req.headers.iter() {
                    if crate::secrets::header(other)
                        == Some(crate::secrets::HeaderSecret::Credential)
                        && !other.eq_ignore_ascii_case("authorization")
                    {
                        out.push(format!(
                            "The request sent a credential in {}, but this API reads it from the Authorization header",
                            other.to_ascii_lowercase()
                        ));
                    }
                }
            }
            let unauthenticated = profile
                .rate_limit
                .policies
                .iter()
                .find(|p| p.key.as_deref() == Some("ip"));
            let authenticated = profile
                .rate_limit
                .policies
                .iter()
                .find(|p| p.key.as_deref() == Some("token"));
            if let Some(ip) = unauthenticated
                && (status == 429 || d.rate_limit.as_ref().and_then(|r| r.limit) == Some(ip.limit))
            {
                let mut f = format!(
                    "Without credentials the per-IP budget applies: {} requests / {}",
                    ip.limit,
                    crate::time::human_window(ip.window_s)
                );
                if let Some(t) = authenticated {
                    f.push_str(&format!(
                        " (authenticated: {} / {} per token)",
                        t.limit,
                        crate::time::human_window(t.window_s)
                    ));
                }
                out.push(f);
            }
        }
        Some(v) => {
            let token = match &spec.scheme {
                Some(scheme) => {
                    let (word, rest) = v.split_once(char::is_whitespace).unwrap_or((v, ""));
                    if word.eq_ignore_ascii_case(scheme) {
                        if word != scheme {
                            out.push(format!(
                                "The {header} scheme is written '{word}'; most servers accept it, but the documented form is '{scheme}'"
                            ));
                        }
                        rest.trim()
                    } else if rest.is_empty() {
                        out.push(format!(
                            "The {header} header lacks the '{scheme} ' prefix (expected: {header}: {scheme} <token>)"
                        ));
                        word
                    } else {
                        out.push(format!(
                            "The {header} header uses the '{word}' scheme; this API expects '{scheme} <token>'"
                        ));
                        rest.trim()
                    }
                }
                None => v,
            };
            if token.is_empty() {
                out.push(format!("The {header} header carries an empty token"));
            } else if looks_like_placeholder(token) {
                out.push(format!(
                    "The token '{token}' looks like a placeholder from the documentation, not a real key"
                ));
            } else if let Some(prefix) = &spec.token_prefix
                && !token.starts_with(prefix.as_str())
            {
                out.push(format!(
                    "The token does not start with {prefix}, the documented prefix of this API's tokens"
                ));
            }
            if let Some(resource) = &spec.per_resource
                && matches!(status, 401 | 403)
            {
                let id = url.and_then(|u| resource_id(u, resource));
                out.push(match id {
                    Some(id) => format!(
                        "A key was sent: each {resource} has its own key — check that this one was generated for {resource} {id}"
                    ),
                    None => format!(
                        "A key was sent: each {resource} has its own key — check that this one belongs to the {resource} in the URL"
                    ),
                });
            }
        }
    }
}

/// Whether the request carries a credential of any kind (the credential
/// rule's headers: Authorization, API-key headers, cookies…).
/// When the bearer token of a request expires: the `exp` claim of a JWT
/// in `Authorization: Bearer …` (read, never verified: a finding, not a
/// judgement of the signature).
pub fn jwt_expiry(req: &Request) -> Option<i64> {
    super::auth::time_claim(&super::auth::jwt_claims(req)?, "exp")
}

fn has_any_credential(req: &Request) -> bool {
    req.headers
        .iter()
        .any(|(k, _)| crate::secrets::is_secret_header(k))
}

fn looks_like_placeholder(token: &str) -> bool {
    let t = token.to_ascii_lowercase();
    t.contains("your_api_key")
        || t.contains("your-api-key")
        || t.contains("your_token")
        || t == "<token>"
        || t == "token"
        || t.starts_with("{{")
        || t.starts_with("${")
        || (t.starts_with('$')
            && t.len() > 1
            && t[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'))
        || t == "undefined"
        || t == "null"
}

/// The path segment after `/{resource}s/` or `/{resource}/`.
fn resource_id(url: &url::Url, resource: &str) -> Option<String> {
    let plural = format!("{resource}s");
    let mut segs = url.path_segments()?;
    while let Some(s) = segs.next() {
        if s.eq_ignore_ascii_case(resource) || s.eq_ignore_ascii_case(&plural) {
            return segs.next().filter(|s| !s.is_empty()).map(str::to_owned);
        }
    }
    None
}

fn body(req: &Request, d: &Diagnosis, status: u16, out: &mut Vec<String>) {
    let body_error = matches!(status, 400 | 415 | 422)
        || d.error
            .as_ref()
            .and_then(|e| e.code.as_deref())
            .is_some_and(|c| matches!(c, "INVALID_REQUEST_BODY" | "1001" | "1000"));
    if !body_error || req.body.is_empty() {
        return;
    }
    let ct = req.headers.get("content-type").map(str::to_ascii_lowercase);
    let trimmed = String::from_utf8_lossy(&req.body);
    let trimmed = trimmed.trim_start_matches('\u{feff}').trim();
    let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    let is_json_ct = ct.as_deref().is_some_and(|c| c.contains("json"));
    if (looks_json || is_json_ct)
        && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(trimmed)
    {
        out.push(format!("The request body is not valid JSON: {e}"));
    }
    match ct {
        None if looks_json => {
            out.push("The request sent a JSON body without Content-Type: application/json".into());
        }
        Some(c) if looks_json && !c.contains("json") => out.push(format!(
            "The request body is JSON but its Content-Type is {c}; send Content-Type: application/json"
        )),
        _ => {}
    }
}

fn query_rule(rule: &QueryRule, value: &str, out: &mut Vec<String>) {
    let name = &rule.name;
    let why = rule
        .message
        .as_deref()
        .unwrap_or("outside its documented range");
    if rule.integer || rule.min.is_some() || rule.max.is_some() {
        match value.trim().parse::<i64>() {
            Err(_) if rule.integer => {
                out.push(format!(
                    "The query parameter {name}={value} is not an integer ({why})"
                ));
                return;
            }
            Ok(n) if rule.min.is_some_and(|m| n < m) || rule.max.is_some_and(|m| n > m) => {
                out.push(format!(
                    "The query parameter {name}={n} is out of range ({why})"
                ));
                return;
            }
            _ => {}
        }
    }
    if !rule.allowed.is_empty() {
        let bare = value.trim().trim_start_matches(['-', '+']);
        let bare = bare.split(':').next().unwrap_or(bare);
        if !rule.allowed.iter().any(|a| a == bare) {
            out.push(format!(
                "The query parameter {name}={value} is not allowed ({why})"
            ));
        }
    }
}

/// One phase that took most of a slow exchange (over half, and at least a
/// second), said with where to look.
pub fn slow_phase(timing: &crate::model::Timing) -> Option<String> {
    let phases = timing.phases?;
    let total = timing.total_ms?;
    let (name, ms) = phases.dominant(total)?;
    let took = format!(
        "{} of {}",
        crate::time::human_ms(ms),
        crate::time::human_ms(total)
    );
    Some(match name {
        "DNS" => format!(
            "Resolving the host name took {took}: the DNS resolver is slow or unreachable (a VPN's resolver, a search domain tried first); try the lookup with dig or nslookup"
        ),
        "connect" => format!(
            "Opening the TCP connection took {took}: the server, a proxy or a firewall is slow to accept (packet loss, a full backlog, a far-away region)"
        ),
        "TLS" => format!(
            "The TLS handshake took {took}: a TLS-inspecting proxy, a server fetching OCSP or CRLs, or a long certificate chain; reusing connections avoids paying it on every request"
        ),
        "waiting" => format!(
            "The server took {took} to start answering (time to first byte): the time went in the server, not the network; quote the request id to the API's support"
        ),
        _ => format!(
            "Reading the response body took {took}: a large body or a slow link; ask for less (pagination, fields, compression)"
        ),
    })
}
