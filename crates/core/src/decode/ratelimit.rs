//! The rate-limit state a response announces, from every common spelling:
//! `X-RateLimit-*` (GitHub, Discord, most APIs), `X-Rate-Limit-*` (Twitter),
//! IETF `RateLimit` / `RateLimit-Policy` (structured, and the older
//! `limit=, remaining=, reset=` form), `RateLimit-*`, Shopify's call limit
//! (`32/40`), and `Retry-After` as seconds or HTTP-date.

use super::profile::Profile;
use super::{Observed, RateLimit};
use crate::model::{Exchange, Headers};

/// Values below this are seconds-from-now, not Unix time (design.md).
const DELTA_BELOW: f64 = 1e9;
/// Values above this are Unix milliseconds.
const MILLIS_ABOVE: f64 = 1e12;

/// Reads the rate-limit state, or `None` when no rate-limit header is there.
pub fn read(
    headers: &Headers,
    profile: &Profile,
    exchange: &Exchange,
    now: i64,
) -> Option<RateLimit> {
    // Relative values are measured from the response's Date; a recording
    // without one from its own time; only a live answer from now.
    let date = headers
        .get("date")
        .and_then(crate::time::parse_http_date)
        .filter(|t| crate::time::plausible(*t));
    let recorded = exchange.timing.started_ms.map(|ms| {
        let took = exchange.timing.total_ms.unwrap_or(0.0).max(0.0);
        ms.div_euclid(1000) + (took / 1000.0).min(1e9) as i64
    });
    let (observed, observed_from) = match (date, recorded) {
        (Some(d), _) => (d, Observed::Date),
        (None, Some(r)) => (r, Observed::Recording),
        (None, None) => (now, Observed::Now),
    };
    let mut notes = Vec::new();

    let structured = headers.get("ratelimit").map(parse_params);
    let policy = headers.get("ratelimit-policy").map(parse_params);
    let shopify = headers
        .get("x-shopify-shop-api-call-limit")
        .and_then(|v| v.split_once('/'))
        .and_then(|(u, l)| Some((u.trim().parse::<u64>().ok()?, l.trim().parse::<u64>().ok()?)))
        // Salesforce: `Sforce-Limit-Info: api-usage=25/15000`.
        .or_else(|| {
            headers
                .get("sforce-limit-info")
                .and_then(|v| {
                    v.split(',')
                        .find_map(|p| p.trim().strip_prefix("api-usage="))
                })
                .and_then(|v| v.split_once('/'))
                .and_then(|(u, l)| {
                    Some((u.trim().parse::<u64>().ok()?, l.trim().parse::<u64>().ok()?))
                })
        });

    let limit = first_u64(
        headers,
        &["x-ratelimit-limit", "x-rate-limit-limit", "ratelimit-limit"],
    )
    .or_else(|| structured.as_ref().and_then(|p| p.get_u64(&["limit", "l"])))
    .or_else(|| policy.as_ref().and_then(|p| p.get_u64(&["q", "limit"])))
    .or_else(|| {
        // Older drafts: `RateLimit-Policy: 100;w=60` (the quota comes first).
        headers
            .get("ratelimit-policy")
            .and_then(|v| v.split([';', ',']).next())
            .and_then(|q| q.trim().parse::<u64>().ok())
    })
    .or(shopify.map(|(_, l)| l))
    .or_else(|| {
        // A vendor's own spelling: `X-Contentful-RateLimit-Limit`,
        // BigCommerce's `X-Rate-Limit-Requests-Quota`.
        suffixed(headers, &["-ratelimit-limit", "-rate-limit-requests-quota"]).and_then(whole)
    });
    let remaining = first_u64(
        headers,
        &[
            "x-ratelimit-remaining",
            "x-rate-limit-remaining",
            "ratelimit-remaining",
        ],
    )
    .or_else(|| {
        structured
            .as_ref()
            .and_then(|p| p.get_u64(&["remaining", "r"]))
    })
    .or(shopify.map(|(u, l)| l.saturating_sub(u)))
    .or_else(|| {
        suffixed(
            headers,
            &["-ratelimit-remaining", "-rate-limit-requests-left"],
        )
        .and_then(whole)
    })
    .or_else(|| {
        // Several buckets (`X-Ratelimit-Route-Remaining`,
        // `X-Ratelimit-Global-Remaining`): the one with least left binds.
        headers
            .0
            .iter()
            .filter(|(n, _)| {
                let n = n.to_ascii_lowercase();
                n.starts_with("x-ratelimit-") && n.ends_with("-remaining")
            })
            .filter_map(|(n, v)| whole((n, v)))
            .min()
    });
    let used = first_u64(
        headers,
        &["x-ratelimit-used", "x-rate-limit-used", "ratelimit-used"],
    )
    .or(shopify.map(|(u, _)| u));

    let force_delta = profile.rate_limit.reset.as_deref() == Some("delta");
    // BigCommerce's reset and window are milliseconds from now.
    let reset_ms = headers
        .get("x-rate-limit-time-reset-ms")
        .and_then(first_number)
        .map(|ms| format!("{}", ms / 1000.0));
    let reset_header = ["x-ratelimit-reset", "x-rate-limit-reset"]
        .iter()
        .find_map(|h| headers.get(h).map(|v| (*h, v)))
        .or_else(|| {
            reset_ms
                .as_deref()
                .map(|v| ("X-Rate-Limit-Time-Reset-Ms", v))
        })
        .or_else(|| suffixed(headers, &["-ratelimit-reset"]));
    let delta_header = ["ratelimit-reset", "x-ratelimit-reset-after"]
        .iter()
        .find_map(|h| headers.get(h).map(|v| (*h, v)));
    let reset_at = match reset_header {
        Some((name, v)) => reset_value(v, observed, force_delta).or_else(|| {
            notes.push(format!(
                "{name}: {} is no date (before 1970 or past the year 9999): ignored",
                v.trim()
            ));
            None
        }),
        None => {
            // IETF fields are seconds from now; a value that can only be a
            // Unix time (DigitalOcean's `ratelimit-reset`) is taken as one.
            if let Some((name, v)) = delta_header
                && first_number(v).is_some_and(|n| n >= DELTA_BELOW)
            {
                reset_value(v, observed, false).or_else(|| {
                    notes.push(format!(
                        "{name}: {} is no date (past the year 9999): ignored",
                        v.trim()
                    ));
                    None
                })
            } else {
                let delta = delta_header
                    .and_then(|(_, v)| first_number(v))
                    .or_else(|| structured.as_ref().and_then(|p| p.get_f64(&["reset", "t"])));
                delta.and_then(|d| {
                    let at = after(observed, d);
                    if at.is_none() {
                        notes.push(format!(
                            "{}: a reset {d} s away is past the year 9999: ignored",
                            delta_header.map_or("RateLimit", |(n, _)| n)
                        ));
                    }
                    at
                })
            }
        }
    };

    // Rebilly's `X-RateLimit-Retry-After` is a Unix time: the reset.
    let retry_at = headers
        .get("x-ratelimit-retry-after")
        .and_then(first_number)
        .filter(|n| *n >= DELTA_BELOW);
    let reset_at = reset_at.or_else(|| retry_at.map(|t| t as i64));
    let retry_after_s = ["retry-after", "x-ratelimit-retry-after", "x-retry-after"]
        .iter()
        .find_map(|h| headers.get(h))
        .and_then(|v| match first_number(v) {
            Some(n) if n >= DELTA_BELOW => u64::try_from((n as i64).saturating_sub(observed)).ok(),
            _ => retry_after(v, observed),
        });
    let retry_after_ms = ["retry-after", "x-ratelimit-retry-after", "x-retry-after"]
        .iter()
        .find_map(|h| headers.get(h))
        .and_then(first_number)
        .filter(|n| *n >= 0.0 && *n < DELTA_BELOW)
        .map(|n| (n * 1000.0).ceil() as u64)
        .or(retry_after_s.map(|s| s.saturating_mul(1000)));
    if let Some(s) = retry_after_s.filter(|s| *s > 366 * 86_400) {
        notes.push(format!(
            "Retry-After asks for a wait of {} (taken as it is: a run stops at --max-wait)",
            crate::time::human(std::time::Duration::from_secs(s))
        ));
    }

    let header_window = policy
        .as_ref()
        .and_then(|p| p.get_u64(&["w", "window"]))
        .or_else(|| {
            // Older drafts: `RateLimit-Limit: 100, 100;w=60`.
            headers
                .get("ratelimit-limit")
                .or_else(|| headers.get("x-ratelimit-limit"))
                .filter(|v| v.contains("w="))
                .map(parse_params)
                .and_then(|p| p.get_u64(&["w"]))
        })
        .or_else(|| {
            headers
                .get("x-ratelimit-window")
                .and_then(first_number)
                .map(|f| f as u64)
        })
        .or_else(|| {
            headers
                .get("x-rate-limit-time-window-ms")
                .and_then(first_number)
                .map(|ms| (ms / 1000.0).round() as u64)
        });
    let window_s = header_window;

    if limit.is_none()
        && remaining.is_none()
        && used.is_none()
        && reset_at.is_none()
        && retry_after_s.is_none()
        && window_s.is_none()
        && notes.is_empty()
    {
        return None;
    }
    let applicable = applicable_policy(profile, exchange, limit);
    Some(RateLimit {
        limit,
        remaining,
        used,
        reset_at,
        retry_after_s,
        window_s: window_s
            .or(applicable.map(|p| p.window_s))
            .or(profile.rate_limit.window_s),
        observed_at: Some(observed),
        observed_from,
        notes,
        retry_after_ms,
        window_from_headers: header_window.is_some(),
        policy: applicable.map(|p| {
            format!(
                "{}: {} requests / {} per {}",
                p.name,
                p.limit,
                crate::time::human_window(p.window_s),
                match p.key.as_deref() {
                    Some("ip") => "IP address",
                    Some(k) => k,
                    None => "client",
                }
            )
        }),
    })
}

/// The documented budget that applies: the one whose limit the server
/// announced, else the one for the request's credential (token or IP).
pub fn applicable_policy<'p>(
    profile: &'p Profile,
    exchange: &Exchange,
    limit: Option<u64>,
) -> Option<&'p super::profile::Policy> {
    let policies = &profile.rate_limit.policies;
    if let Some(l) = limit
        && let Some(p) = policies.iter().find(|p| p.limit == l)
    {
        return Some(p);
    }
    let authenticated = exchange.request.as_ref().map(|r| {
        let header = profile
            .auth
            .as_ref()
            .map_or("authorization", |a| a.header.as_str());
        r.headers.contains(header)
    });
    match authenticated {
        Some(true) => policies
            .iter()
            .find(|p| p.key.as_deref() == Some("token"))
            .or(policies.first()),
        Some(false) => policies
            .iter()
            .find(|p| p.key.as_deref() == Some("ip"))
            .or(policies.first()),
        None => policies.first().filter(|_| policies.len() == 1),
    }
}

/// The first header whose name ends with one of `suffixes` (a vendor's own
/// prefix before a common name), as (name, value).
fn suffixed<'h>(headers: &'h Headers, suffixes: &[&str]) -> Option<(&'h str, &'h str)> {
    headers.0.iter().find_map(|(n, v)| {
        let lower = n.to_ascii_lowercase();
        suffixes
            .iter()
            .any(|s| lower.ends_with(s))
            .then_some((n.as_str(), v.as_str()))
    })
}

/// A whole number from a header value.
fn whole((_, v): (&str, &str)) -> Option<u64> {
    v.trim().parse().ok()
}

fn first_u64(headers: &Headers, names: &[&str]) -> Option<u64> {
    names
        .iter()
        .find_map(|n| headers.get(n))
        .and_then(first_number)
        .filter(|f| *f >= 0.0)
        .map(|f| f as u64)
}

/// The first number in a header value: `100`, `100, 100;w=60`, `4.5`.
fn first_number(v: &str) -> Option<f64> {
    let t = v.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E')))
        .unwrap_or(t.len());
    t[..end].parse::<f64>().ok().filter(|f| f.is_finite())
}

/// `observed + seconds`, when that is a date (1970 to 9999).
fn after(observed: i64, seconds: f64) -> Option<i64> {
    let d = seconds.max(0.0).ceil();
    if !d.is_finite() || d > crate::time::MAX_UNIX as f64 {
        return None;
    }
    observed
        .checked_add(d as i64)
        .filter(|t| crate::time::plausible(*t))
}

/// `X-RateLimit-Reset`: Unix seconds, Unix milliseconds, seconds from the
/// response's `Date` (below 10^9), or an HTTP-date; `None` when it is no
/// date a server could mean.
fn reset_value(v: &str, observed: i64, force_delta: bool) -> Option<i64> {
    if let Some(n) = first_number(v) {
        if n < 0.0 {
            return None;
        }
        if force_delta || n < DELTA_BELOW {
            return after(observed, n);
        }
        let secs = if n > MILLIS_ABOVE { n / 1000.0 } else { n }.ceil();
        return (secs <= crate::time::MAX_UNIX as f64)
            .then_some(secs as i64)
            .filter(|t| crate::time::plausible(*t));
    }
    crate::time::parse_http_date(v)
}

/// `Retry-After`: seconds, or an HTTP-date measured from `Date` (else now).
/// Huge values saturate; the driver's `max_wait` decides what to do.
fn retry_after(v: &str, observed: i64) -> Option<u64> {
    if let Some(n) = first_number(v) {
        return (n >= 0.0).then(|| n.ceil() as u64);
    }
    crate::time::parse_http_date(v)
        .map(|at| u64::try_from(at.saturating_sub(observed)).unwrap_or(0))
}

/// `key=value` parameters of a structured or list header, across every
/// item: `"default";r=50;t=30` and `limit=100, remaining=50, reset=30`.
struct Params(Vec<(String, String)>);

fn parse_params(v: &str) -> Params {
    Params(
        v.split([',', ';'])
            .filter_map(|part| part.split_once('='))
            .map(|(k, v)| {
                (
                    k.trim().to_ascii_lowercase(),
                    v.trim().trim_matches('"').to_owned(),
                )
            })
            .collect(),
    )
}

impl Params {
    fn get_f64(&self, keys: &[&str]) -> Option<f64> {
        keys.iter().find_map(|k| {
            self.0
                .iter()
                .find(|(name, _)| name == k)
                .and_then(|(_, v)| first_number(v))
        })
    }
    fn get_u64(&self, keys: &[&str]) -> Option<u64> {
        self.get_f64(keys).filter(|f| *f >= 0.0).map(|f| f as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::Profiles;

    fn rl(pairs: &[(&str, &str)]) -> Option<RateLimit> {
        let mut h = Headers::new();
        for (k, v) in pairs {
            h.push(*k, *v);
        }
        let p = Profiles::built_in();
        read(&h, p.generic(), &Exchange::default(), 1_767_225_000)
    }

    #[test]
    fn reset_delta_is_measured_from_date() {
        let r = rl(&[
            ("Date", "Thu, 01 Jan 2026 00:00:00 GMT"),
            ("X-RateLimit-Reset", "30"),
        ])
        .unwrap();
        assert_eq!(r.reset_at, Some(1_767_225_600 + 30));
    }

    #[test]
    fn retry_after_http_date() {
        let r = rl(&[
            ("Date", "Thu, 01 Jan 2026 00:00:00 GMT"),
            ("Retry-After", "Thu, 01 Jan 2026 00:01:30 GMT"),
        ])
        .unwrap();
        assert_eq!(r.retry_after_s, Some(90));
    }

    #[test]
    fn ietf_structured_fields() {
        let r = rl(&[
            ("RateLimit", "\"default\";r=50;t=30"),
            ("RateLimit-Policy", "\"default\";q=100;w=60"),
        ])
        .unwrap();
        assert_eq!(
            (r.limit, r.remaining, r.window_s),
            (Some(100), Some(50), Some(60))
        );
        assert_eq!(r.reset_at, Some(1_767_225_030));
    }

    #[test]
    fn old_draft_policy_gives_the_quota() {
        let r = rl(&[("RateLimit-Policy", "20;w=2")]).unwrap();
        assert_eq!((r.limit, r.window_s), (Some(20), Some(2)));
    }

    #[test]
    fn a_ratelimit_reset_that_is_a_unix_time_is_taken_as_one() {
        // DigitalOcean sends `ratelimit-reset` as Unix seconds.
        let r = rl(&[
            ("Date", "Thu, 15 Oct 2015 17:00:00 GMT"),
            ("ratelimit-reset", "1444931833"),
        ])
        .unwrap();
        assert_eq!(r.reset_at, Some(1_444_931_833));
        let r = rl(&[
            ("Date", "Thu, 15 Oct 2015 17:00:00 GMT"),
            ("ratelimit-reset", "60"),
        ])
        .unwrap();
        assert_eq!(r.reset_at, Some(1_444_928_460));
    }

    #[test]
    fn salesforce_api_usage() {
        let r = rl(&[("Sforce-Limit-Info", "api-usage=25/15000")]).unwrap();
        assert_eq!(
            (r.used, r.limit, r.remaining),
            (Some(25), Some(15000), Some(14975))
        );
    }

    #[test]
    fn shopify_call_limit() {
        let r = rl(&[("X-Shopify-Shop-Api-Call-Limit", "32/40")]).unwrap();
        assert_eq!((r.used, r.limit), (Some(32), Some(40)));
    }

    #[test]
    fn no_headers_no_rate_limit() {
        assert!(rl(&[("Content-Type", "application/json")]).is_none());
    }
}
