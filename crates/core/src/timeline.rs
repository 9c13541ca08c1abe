//! The rate-limit timeline of a whole file (a customer's HAR, a session):
//! per host, requests per window against the documented limit, where the
//! budget ran out and where the 429s began. What a support engineer needs
//! to answer "were they really over the limit, and since when?".

use crate::decode::{Diagnosis, Profiles, ratelimit};
use crate::model::Exchange;

/// One window of one host.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// Start, Unix seconds.
    pub start: i64,
    /// Requests sent in it.
    pub requests: u64,
    /// Of which answered 429.
    pub rejected: u64,
    /// The lowest `remaining` the server reported in it.
    pub min_remaining: Option<u64>,
}

/// The timeline of one budget: one API (host, and the format it speaks)
/// and one credential, as the driver counts budgets.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// `api.example.com · envelope · token …3f2a` (or `· no credential`).
    pub host: String,
    /// The limit per window (from the headers, else the documented policy).
    pub limit: Option<u64>,
    /// The window length in seconds (`RateLimit-Policy`, the profile, else 60).
    pub window_s: u64,
    /// Where the window length comes from.
    pub window_known: bool,
    /// The windows from the first request to the last, empty ones included
    /// (at most [`MAX_WINDOWS`]).
    pub windows: Vec<Window>,
    /// The first exchange (index in the file) whose `remaining` was 0.
    pub exhausted: Option<(usize, i64)>,
    /// The first 429 (index in the file, time).
    pub first_429: Option<(usize, i64)>,
    /// Exchanges with no timestamp (not placed on the timeline).
    pub untimed: usize,
    /// What the server's count says was left before the first recorded
    /// request, when its first counted answer is within one window of it.
    pub before_first: Option<BeforeFirst>,
    /// Requests the server counted between two recorded ones (in one
    /// window) beyond those recorded: spent by something not in the file.
    pub spent_elsewhere: u64,
    /// Recorded requests by endpoint (`GET /v1/boards/{id}`), most first.
    pub endpoints: Vec<(String, u64)>,
}

/// The budget as the customer's first recorded request found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeforeFirst {
    /// Requests left before the first recorded one.
    pub left: u64,
    /// The limit they are left of.
    pub limit: u64,
}

impl Host {
    /// Requests spent before the first recorded one, by something not in
    /// the file (another client, a script, a colleague's token).
    pub fn spent_before(&self) -> Option<u64> {
        self.before_first
            .map(|b| b.limit.saturating_sub(b.left))
            .filter(|n| *n > 0)
    }
}

/// One recorded request to a budget, in time order: when, and the count
/// the server gave in its answer.
#[derive(Debug, Clone, Copy)]
pub struct Point {
    /// When it was sent, Unix seconds.
    pub at: Option<i64>,
    /// The server's remaining count after it.
    pub remaining: Option<u64>,
    /// The server's limit, when it said.
    pub limit: Option<u64>,
    /// Answered 429: the server did not count it.
    pub rejected: bool,
}

/// What was left before the first of `points` (in time order): the first
/// counted answer within one window of the first request, plus the
/// recorded requests up to it.
pub fn before_first(points: &[Point], window_s: u64, limit: Option<u64>) -> Option<BeforeFirst> {
    let t0 = points.first().and_then(|p| p.at);
    points.iter().enumerate().find_map(|(k, p)| {
        let r = p.remaining?;
        let l = p.limit.or(limit)?;
        let within = match (p.at, t0) {
            (Some(t), Some(t0)) => {
                t.saturating_sub(t0) < i64::try_from(window_s).unwrap_or(i64::MAX)
            }
            _ => k == 0,
        };
        // Each recorded request up to this answer spent one, but a 429.
        let spent = points[..=k].iter().filter(|p| !p.rejected).count() as u64;
        within.then_some(BeforeFirst {
            left: r.saturating_add(spent).min(l),
            limit: l,
        })
    })
}

/// Method and path of a request, ids replaced: `GET /v1/boards/{id}`.
pub fn endpoint(r: &crate::model::Request) -> String {
    let url = r.url.as_deref().unwrap_or("");
    let path = url::Url::parse(url).map_or_else(
        |_| url.split(['?', '#']).next().unwrap_or("").to_owned(),
        |u| u.path().to_owned(),
    );
    let path: Vec<String> = path
        .split('/')
        .map(|seg| {
            if looks_like_id(seg) {
                "{id}".to_owned()
            } else {
                seg.to_owned()
            }
        })
        .collect();
    format!("{} {}", r.method.to_uppercase(), path.join("/"))
}

/// A path segment that names one thing rather than a collection: digits,
/// a UUID, a long hex or mixed letter-and-digit token.
fn looks_like_id(seg: &str) -> bool {
    if seg.is_empty() {
        return false;
    }
    let digits = seg.chars().filter(char::is_ascii_digit).count();
    let alnum = seg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    digits == seg.len()
        || (alnum && seg.len() >= 8 && digits >= 2)
        || (seg.len() == 36 && seg.matches('-').count() == 4)
}

/// Windows drawn at most per host.
pub const MAX_WINDOWS: usize = 200;

/// The timeline of `exchanges` (with their diagnoses, in the same order).
pub fn build(exchanges: &[Exchange], diagnoses: &[Diagnosis], profiles: &Profiles) -> Vec<Host> {
    struct Item {
        index: usize,
        at: Option<i64>,
        status: Option<u16>,
        remaining: Option<u64>,
        limit: Option<u64>,
        endpoint: Option<String>,
    }
    // (host, its exchanges, limit, window)
    type PerHost = (String, Vec<Item>, Option<u64>, Option<u64>);
    let mut hosts: Vec<PerHost> = Vec::new();
    for (index, (e, d)) in exchanges.iter().zip(diagnoses).enumerate() {
        if !e.has_response() {
            continue;
        }
        // The budget key the driver uses (host and credential), and the
        // API when the format says which: the demo's five APIs on one host,
        // or an authenticated and an unauthenticated budget, stay apart.
        let key = e
            .request
            .as_ref()
            .map(crate::budget::BudgetKey::for_request);
        let mut host = match &key {
            Some(k) if !k.host.is_empty() => k.host.clone(),
            _ => "(unknown host)".into(),
        };
        if d.dialect != crate::decode::profile::GENERIC {
            host.push_str(&format!(" · {}", d.dialect));
        }
        match key.as_ref().and_then(|k| k.credential.as_deref()) {
            Some(c) => host.push_str(&format!(
                " · credential …{}",
                &c[c.len().saturating_sub(4)..]
            )),
            None if e.request.is_some() => host.push_str(" · no credential"),
            None => {}
        }
        let at = e
            .timing
            .started_ms
            .map(|ms| ms.div_euclid(1000))
            // Not `rate_limit.observed_at`: without a Date header that is
            // the decode time, which would pile every exchange into "now".
            .or_else(|| {
                e.response
                    .headers
                    .get("date")
                    .and_then(crate::time::parse_http_date)
            });
        let rl = d.rate_limit.as_ref();
        let policy = profiles
            .get(&d.dialect)
            .and_then(|p| ratelimit::applicable_policy(p, e, rl.and_then(|r| r.limit)));
        let limit = rl.and_then(|r| r.limit).or(policy.map(|p| p.limit));
        let window = rl.and_then(|r| r.window_s).or(policy.map(|p| p.window_s));
        let item = Item {
            index,
            at,
            status: d.status,
            remaining: rl.and_then(|r| r.remaining),
            limit: rl.and_then(|r| r.limit),
            endpoint: e.request.as_ref().map(endpoint),
        };
        match hosts.iter_mut().find(|(h, ..)| *h == host) {
            Some((_, items, l, w)) => {
                items.push(item);
                *l = l.or(limit);
                *w = w.or(window);
            }
            None => hosts.push((host, vec![item], limit, window)),
        }
    }
    hosts
        .into_iter()
        .map(|(host, mut items, limit, window)| {
            let window_s = window.unwrap_or(60).max(1);
            let untimed = items.iter().filter(|i| i.at.is_none()).count();
            items.sort_by_key(|i| (i.at, i.index));
            let mut windows: Vec<Window> = Vec::new();
            let first = items.iter().find_map(|i| i.at);
            let mut exhausted = None;
            let mut first_429 = None;
            for it in &items {
                if it.remaining == Some(0) && exhausted.is_none() {
                    exhausted = Some((it.index, it.at.unwrap_or(0)));
                }
                if it.status == Some(429) && first_429.is_none() {
                    first_429 = Some((it.index, it.at.unwrap_or(0)));
                }
                let (Some(t), Some(t0)) = (it.at, first) else {
                    continue;
                };
                let n = ((t - t0) / window_s as i64) as usize;
                if n >= MAX_WINDOWS {
                    continue;
                }
                while windows.len() <= n {
                    windows.push(Window {
                        start: t0 + (windows.len() as i64) * window_s as i64,
                        requests: 0,
                        rejected: 0,
                        min_remaining: None,
                    });
                }
                let w = &mut windows[n];
                w.requests += 1;
                if it.status == Some(429) {
                    w.rejected += 1;
                }
                if let Some(r) = it.remaining {
                    w.min_remaining = Some(w.min_remaining.map_or(r, |m| m.min(r)));
                }
            }
            // The server's count against what the file holds: the first
            // counted answer within one window of the first request tells
            // what was left before it; a count that drops by more than one
            // between two recorded requests in one window was spent by
            // something else.
            let points: Vec<Point> = items
                .iter()
                .map(|i| Point {
                    at: i.at,
                    remaining: i.remaining,
                    limit: i.limit,
                    rejected: i.status == Some(429),
                })
                .collect();
            let before_first = before_first(&points, window_s, limit);
            let mut spent_elsewhere = 0u64;
            let mut previous: Option<(Option<i64>, u64, usize)> = None;
            let mut seen = 0usize;
            // (`seen` counts the requests the server counted: not a 429.)
            for it in &items {
                if it.status != Some(429) {
                    seen += 1;
                }
                let Some(r) = it.remaining else { continue };
                if let Some((at, before, n)) = previous {
                    let same_window = match (at, it.at) {
                        (Some(a), Some(b)) => {
                            b.saturating_sub(a) < i64::try_from(window_s).unwrap_or(i64::MAX)
                        }
                        _ => false,
                    };
                    let recorded = (seen - n) as u64;
                    if same_window && r < before {
                        spent_elsewhere =
                            spent_elsewhere.saturating_add((before - r).saturating_sub(recorded));
                    }
                }
                previous = Some((it.at, r, seen));
            }
            let mut endpoints: Vec<(String, u64)> = Vec::new();
            for it in &items {
                let Some(e) = &it.endpoint else { continue };
                match endpoints.iter_mut().find(|(n, _)| n == e) {
                    Some((_, c)) => *c += 1,
                    None => endpoints.push((e.clone(), 1)),
                }
            }
            endpoints.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Host {
                host,
                limit,
                window_s,
                window_known: window.is_some(),
                windows,
                exhausted,
                first_429,
                untimed,
                before_first,
                spent_elsewhere,
                endpoints,
            }
        })
        .collect()
}

/// What a line of the rendered timeline is, for colouring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A host's heading.
    Title,
    /// A window that stayed within the budget.
    Window,
    /// Where the budget ran out or 429s came: a window with 429s, and
    /// the "ran out" / "429s began" lines.
    Alarm,
    /// A remark: the budget never ran out, exchanges not placed.
    Note,
    /// A blank line between hosts.
    Blank,
}

/// One line of the rendered timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// What it is.
    pub kind: LineKind,
    /// The text.
    pub text: String,
}

impl Line {
    fn new(kind: LineKind, text: impl Into<String>) -> Line {
        Line {
            kind,
            text: text.into(),
        }
    }
}

/// The timeline as text, the lines joined (for `replay`).
pub fn render_text(hosts: &[Host]) -> String {
    render(hosts)
        .into_iter()
        .map(|l| l.text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The timeline as typed lines (for the TUI overlay and `replay`).
pub fn render(hosts: &[Host]) -> Vec<Line> {
    let mut out = Vec::new();
    for h in hosts {
        let limit = h
            .limit
            .map_or("limit unknown".to_owned(), |l| format!("limit {l}"));
        let window = if h.window_known {
            format!("per {} s", h.window_s)
        } else {
            format!("per {} s window (assumed: none documented)", h.window_s)
        };
        out.push(Line::new(
            LineKind::Title,
            format!("{}: {limit} {window}", h.host),
        ));
        out.extend(spending(h));
        for w in &h.windows {
            let bar = match h.limit {
                Some(l) if l > 0 => {
                    let filled = ((w.requests as f64 / l as f64) * 30.0).ceil().min(30.0) as usize;
                    format!("{}{}", "█".repeat(filled), "░".repeat(30 - filled))
                }
                _ => "█".repeat((w.requests as usize).min(30)),
            };
            let mut line = format!(
                "  {}  {bar}  {:>4} request{}",
                crate::report::rfc3339(w.start)[11..19].to_owned(),
                w.requests,
                if w.requests == 1 { "" } else { "s" }
            );
            if let Some(l) = h.limit {
                line.push_str(&format!(" of {l}"));
            }
            if w.rejected > 0 {
                line.push_str(&format!(" · {} × 429", w.rejected));
            }
            if let Some(r) = w.min_remaining {
                line.push_str(&format!(" · remaining down to {r}"));
            }
            let kind = if w.rejected > 0 || w.min_remaining == Some(0) {
                LineKind::Alarm
            } else {
                LineKind::Window
            };
            out.push(Line::new(kind, line));
        }
        match (h.exhausted, h.first_429) {
            (None, None) => out.push(Line::new(
                LineKind::Note,
                "  the budget never ran out; no 429",
            )),
            (e, r) => {
                if let Some((i, t)) = e {
                    out.push(Line::new(
                        LineKind::Alarm,
                        format!(
                            "  the budget ran out at exchange #{} ({})",
                            i + 1,
                            crate::report::rfc3339(t)
                        ),
                    ));
                }
                if let Some((i, t)) = r {
                    out.push(Line::new(
                        LineKind::Alarm,
                        format!(
                            "  429s began at exchange #{} ({})",
                            i + 1,
                            crate::report::rfc3339(t)
                        ),
                    ));
                }
            }
        }
        if h.untimed > 0 {
            out.push(Line::new(
                LineKind::Note,
                format!("  {} exchange(s) without a time are not placed", h.untimed),
            ));
        }
        out.push(Line::new(LineKind::Blank, ""));
    }
    out
}

/// Who spent the budget: what was gone before the first recorded
/// request, what went between recorded ones, and the recorded requests by
/// endpoint.
pub fn spending(h: &Host) -> Vec<Line> {
    let mut out = Vec::new();
    if let (Some(b), Some(spent)) = (h.before_first, h.spent_before()) {
        let kind = if b.left * 4 <= b.limit {
            LineKind::Alarm
        } else {
            LineKind::Note
        };
        out.push(Line::new(
            kind,
            format!(
                "  {}{} of {} were left before the first recorded request: {spent} spent by something not in this file",
                if kind == LineKind::Alarm { "only " } else { "" },
                b.left,
                b.limit
            ),
        ));
    }
    if h.spent_elsewhere > 0 {
        out.push(Line::new(
            LineKind::Alarm,
            format!(
                "  {} more spent between recorded requests by something not in this file",
                h.spent_elsewhere
            ),
        ));
    }
    if !h.endpoints.is_empty() {
        const SHOWN: usize = 5;
        let mut parts: Vec<String> = h
            .endpoints
            .iter()
            .take(SHOWN)
            .map(|(e, n)| format!("{n} × {e}"))
            .collect();
        let rest: u64 = h.endpoints.iter().skip(SHOWN).map(|(_, n)| n).sum();
        if rest > 0 {
            parts.push(format!("{rest} × others"));
        }
        out.push(Line::new(
            LineKind::Note,
            format!("  recorded: {}", parts.join(" · ")),
        ));
    }
    out
}

pub use crate::time::parse_rfc3339;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Options, diagnose_all};
    use crate::model::{Headers, Request, Response};

    fn at(method: &str, url: &str, ms: i64, status: u16, remaining: u64) -> Exchange {
        let mut h = Headers::new();
        h.push("X-RateLimit-Limit", "120");
        h.push("X-RateLimit-Remaining", remaining.to_string());
        Exchange {
            request: Some(Request {
                method: method.into(),
                url: Some(url.into()),
                ..Request::default()
            }),
            response: Response {
                status: Some(status),
                headers: h,
                ..Response::default()
            },
            timing: crate::model::Timing {
                started_ms: Some(ms),
                ..crate::model::Timing::default()
            },
            ..Exchange::default()
        }
    }

    fn lines(exchanges: &[Exchange]) -> (Vec<Host>, String) {
        let profiles = Profiles::built_in();
        let d = diagnose_all(exchanges, &profiles, &Options::default());
        let hosts = build(exchanges, &d, &profiles);
        let text = render_text(&hosts);
        (hosts, text)
    }

    #[test]
    fn a_budget_spent_before_the_first_recorded_request_is_named() {
        let t = 1_767_225_600_000;
        let (hosts, text) = lines(&[
            at("GET", "https://api.shop.test/v2/orders/10234", t, 200, 2),
            at(
                "GET",
                "https://api.shop.test/v2/orders/10235",
                t + 1000,
                200,
                1,
            ),
            at(
                "POST",
                "https://api.shop.test/v2/orders?x=1",
                t + 2000,
                200,
                0,
            ),
            at(
                "GET",
                "https://api.shop.test/v2/orders/10236",
                t + 3000,
                429,
                0,
            ),
        ]);
        assert_eq!(hosts[0].spent_before(), Some(117));
        assert!(
            text.contains("only 3 of 120 were left before the first recorded request: 117 spent by something not in this file"),
            "{text}"
        );
        assert!(
            text.contains("recorded: 3 × GET /v2/orders/{id} · 1 × POST /v2/orders"),
            "{text}"
        );
        assert!(!text.contains("between recorded requests"), "{text}");
    }

    #[test]
    fn a_count_that_drops_faster_than_the_file_sends_is_someone_else() {
        let t = 1_767_225_600_000;
        let (hosts, text) = lines(&[
            at("GET", "https://api.shop.test/a", t, 200, 119),
            at("GET", "https://api.shop.test/a", t + 1000, 200, 100),
            at("GET", "https://api.shop.test/a", t + 2000, 200, 99),
        ]);
        assert_eq!(hosts[0].spent_before(), None);
        assert_eq!(hosts[0].spent_elsewhere, 18);
        assert!(
            text.contains("18 more spent between recorded requests by something not in this file"),
            "{text}"
        );
    }

    #[test]
    fn absurd_counts_and_times_do_not_overflow() {
        let p = |at, remaining| Point {
            at: Some(at),
            remaining: Some(remaining),
            limit: Some(u64::MAX),
            rejected: false,
        };
        let b = before_first(
            &[p(i64::MIN, u64::MAX), p(i64::MAX, u64::MAX)],
            u64::MAX,
            None,
        );
        assert_eq!(b.map(|b| b.left), Some(u64::MAX));
    }

    #[test]
    fn endpoints_keep_collections_and_fold_ids() {
        let r = |m: &str, u: &str| {
            endpoint(&Request {
                method: m.into(),
                url: Some(u.into()),
                ..Request::default()
            })
        };
        assert_eq!(
            r("get", "https://a.test/v1/users/42?x=1"),
            "GET /v1/users/{id}"
        );
        assert_eq!(
            r(
                "GET",
                "https://a.test/v1/users/3f2a1b9c-0000-4000-8000-00000000abcd/posts"
            ),
            "GET /v1/users/{id}/posts"
        );
        assert_eq!(r("GET", "https://a.test/v1/cus_9a8b7c6d5e"), "GET /v1/{id}");
        assert_eq!(r("GET", "https://a.test/v2/boards"), "GET /v2/boards");
    }

    #[test]
    fn rfc3339_parses_as_har_writes_it() {
        assert_eq!(parse_rfc3339("2026-01-01T00:00:00Z"), Some(1_767_225_600));
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00.123Z"),
            Some(1_767_225_600)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T01:00:00+01:00"),
            Some(1_767_225_600)
        );
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        for t in [0, 951_782_400, 1_767_225_600 + 3599] {
            assert_eq!(parse_rfc3339(&crate::report::rfc3339(t)), Some(t));
        }
    }
}
