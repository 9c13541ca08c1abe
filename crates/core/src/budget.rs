//! The rate-limit budget model: per host and credential, fed by every
//! response, answering "how many requests now, and when the next one".
//!
//! Two sources are combined. The server's own word (limit, remaining,
//! reset, Retry-After, `RateLimit-Policy`) is authoritative but coarse —
//! reset times come in whole seconds. Our own record of when each response
//! came back (a sliding log) is precise, and with a known limit and window
//! tells exactly when the oldest request leaves the window. A request that
//! came back at `t` reached the server no later than `t`, so waiting until
//! `t + window` is always enough for it to have left the server's window.
//!
//! The model is plain data with `Instant`s passed in: no clock, no IO, so
//! `send --paginate` and the TUI's budget panel share it and tests drive it.

use crate::decode::RateLimit;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Slack added to computed send times, for clock granularity on both ends.
const MARGIN: Duration = Duration::from_millis(15);
/// The longest wait a response can impose: a `Retry-After` or reset further
/// out than this is taken as this (the driver's `max_wait` then stops the
/// run with a message instead of waiting for years).
pub const MAX_HORIZON: Duration = Duration::from_secs(366 * 24 * 3600);

/// `t + d`, never overflowing: a delay past [`MAX_HORIZON`] is cut to it.
fn later(t: Instant, d: Duration) -> Instant {
    let d = d.min(MAX_HORIZON);
    t.checked_add(d).unwrap_or(t)
}
/// Entries kept per key for the sparkline and forecasts.
const HISTORY: usize = 120;

/// The least time the answers of a budget must span before their pace
/// is a forecast.
const MIN_PACE_SPAN: Duration = Duration::from_secs(1);

/// What a budget is counted per: a host and a credential fingerprint (or
/// none, for the unauthenticated per-IP budget).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BudgetKey {
    /// The host, lower case, with port.
    pub host: String,
    /// A short fingerprint of the credential, never the credential itself.
    pub credential: Option<String>,
}

impl BudgetKey {
    /// The key for a request: its host and a fingerprint of its
    /// credentials (the one credential rule: headers, cookies, query tokens).
    pub fn for_request(req: &crate::model::Request) -> BudgetKey {
        let host = req
            .url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .map(|u| {
                let h = u.host_str().unwrap_or("").to_ascii_lowercase();
                match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h,
                }
            })
            .unwrap_or_default();
        BudgetKey {
            host,
            credential: crate::secrets::fingerprint(req),
        }
    }
}

/// What the model knows about one budget.
#[derive(Debug, Clone, Default)]
struct KeyState {
    /// When each response came back, oldest first (pruned to the window).
    log: VecDeque<Instant>,
    limit: Option<u64>,
    window: Option<Duration>,
    /// Whether `window` is the server's word (a header), not a profile's.
    window_from_server: bool,
    /// Whether `retry_until` is the server's `Retry-After` (not our own
    /// back-off after a 429 that said nothing).
    retry_from_server: bool,
    /// The server's remaining count and when it was reported.
    remaining: Option<(u64, Instant)>,
    /// When the server said the window resets.
    reset_at: Option<Instant>,
    /// Do not send before this (Retry-After).
    retry_until: Option<Instant>,
    /// (when, remaining) of recent responses, for the sparkline.
    history: VecDeque<(Instant, u64)>,
    /// 429s seen.
    rejected: u64,
}

/// Requests of `limit` held back by a `reserve` fraction (rounded up, so a
/// 10 % reserve of 5 still keeps one).
pub fn reserved(limit: u64, reserve: f64) -> u64 {
    let r = reserve.clamp(0.0, 0.9);
    if r <= 0.0 {
        return 0;
    }
    ((limit as f64) * r).ceil() as u64
}

/// The documented policy of the profile that decoded a response: the
/// budget model's fallback when the headers do not say.
pub fn documented(
    profiles: &crate::decode::Profiles,
    exchange: &crate::model::Exchange,
    d: &crate::decode::Diagnosis,
) -> Documented {
    let profile = profiles.get(&d.dialect);
    let policy = profile.and_then(|p| {
        crate::decode::ratelimit::applicable_policy(
            p,
            exchange,
            d.rate_limit.as_ref().and_then(|r| r.limit),
        )
    });
    Documented {
        limit: policy.map(|p| p.limit),
        window: policy
            .map(|p| p.window_s)
            .or(profile.and_then(|p| p.rate_limit.window_s))
            .map(Duration::from_secs),
    }
}

/// What a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The server's `Retry-After`.
    RetryAfter,
    /// The reset the server announced (`X-RateLimit-Reset`, …).
    Reset,
    /// The window: our own log of the requests in it, or (when the server
    /// says nothing of when) the window waited out.
    Window,
}

/// A read-only view of one budget, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetView {
    /// Requests per window, when known.
    pub limit: Option<u64>,
    /// Requests left now (the server's count, less what was sent since).
    pub remaining: Option<u64>,
    /// The window, when known.
    pub window: Option<Duration>,
    /// Time until the server's reset.
    pub reset_in: Option<Duration>,
    /// Time until Retry-After allows a request.
    pub retry_in: Option<Duration>,
    /// Time until the next request may be sent (zero: now).
    pub next_in: Duration,
    /// Remaining after each recent response, oldest first.
    pub history: Vec<u64>,
    /// At the recent pace, when the budget runs out (`None`: it will not,
    /// it resets first, or too little is known). Never later than the
    /// reset: a forecast past it would be about a budget that no longer is.
    pub empty_in: Option<Duration>,
    /// Whether, at the recent pace, the window resets before the budget
    /// runs out.
    pub resets_first: bool,
    /// 429s received.
    pub rejected: u64,
}

/// Budgets for every host and credential seen.
#[derive(Debug, Default)]
pub struct Budget {
    keys: HashMap<BudgetKey, KeyState>,
}

/// Fallbacks for what a response does not say: the documented policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Documented {
    /// Requests per window.
    pub limit: Option<u64>,
    /// Window length.
    pub window: Option<Duration>,
}

impl Budget {
    /// Records a response that came back at `received`, with its decoded
    /// rate-limit state (measured from `rl.observed_at`) and HTTP status.
    pub fn record(
        &mut self,
        key: &BudgetKey,
        received: Instant,
        status: Option<u16>,
        rl: Option<&RateLimit>,
        documented: Documented,
    ) {
        let st = self.keys.entry(key.clone()).or_default();
        let rejected = status == Some(429);
        if rejected {
            st.rejected += 1;
        } else {
            // A rejected request is not counted by the server (the demo's
            // and most sliding-log limiters'); an allowed one is.
            st.log.push_back(received);
        }
        if let Some(l) = rl.and_then(|r| r.limit).or(documented.limit) {
            st.limit = Some(l);
        }
        let server_window = rl
            .filter(|r| r.window_from_headers)
            .and_then(|r| r.window_s)
            .map(Duration::from_secs);
        if let Some(w) = server_window {
            st.window = Some(w);
            st.window_from_server = true;
        } else if !st.window_from_server
            && let Some(w) = rl
                .and_then(|r| r.window_s)
                .map(Duration::from_secs)
                .or(documented.window)
        {
            st.window = Some(w);
        }
        let remaining = rl.and_then(|r| {
            r.remaining
                .or_else(|| Some(r.limit?.saturating_sub(r.used?)))
        });
        if let Some(rem) = remaining {
            st.remaining = Some((rem, received));
            st.history.push_back((received, rem));
            while st.history.len() > HISTORY {
                st.history.pop_front();
            }
        } else if rejected {
            st.remaining = Some((0, received));
        }
        st.reset_at = rl
            .and_then(RateLimit::reset_in_s)
            .map(|secs| later(received, Duration::from_secs(secs.unsigned_abs())));
        st.retry_until = rl
            .and_then(|r| {
                r.retry_after_ms
                    .or(r.retry_after_s.map(|s| s.saturating_mul(1000)))
            })
            .map(|ms| later(received, Duration::from_millis(ms)));
        st.retry_from_server = st.retry_until.is_some();
        if rejected && st.retry_until.is_none() {
            // No word on when: back off one second.
            st.retry_until = Some(later(received, Duration::from_secs(1)));
        }
        if let Some(w) = st.window {
            while st
                .log
                .front()
                .is_some_and(|t| received.saturating_duration_since(*t) > w)
            {
                st.log.pop_front();
            }
        } else {
            while st.log.len() > 10_000 {
                st.log.pop_front();
            }
        }
    }

    /// When the next request on `key` may be sent without a 429.
    pub fn next_send_at(&self, key: &BudgetKey, now: Instant) -> Instant {
        self.next_send_at_keeping(key, now, 0.0)
    }

    /// When the next request on `key` may be sent while leaving `reserve`
    /// (a fraction of the limit, 0.0–0.9) of the budget unspent for the
    /// user's other requests. The reserve only holds back when the limit
    /// is known.
    pub fn next_send_at_keeping(&self, key: &BudgetKey, now: Instant, reserve: f64) -> Instant {
        self.next_send(key, now, reserve).0
    }

    /// [`Budget::next_send_at_keeping`], and what the wait is for.
    ///
    /// The server's word wins over a profile's documents: a `Retry-After`
    /// is obeyed as it is (neither a documented window nor our own log of a
    /// documented window stretches it), a reset the server announced comes
    /// next, and only when the server says nothing about when is the
    /// window waited out.
    pub fn next_send(&self, key: &BudgetKey, now: Instant, reserve: f64) -> (Instant, Cause) {
        let Some(st) = self.keys.get(key) else {
            return (now, Cause::Window);
        };
        let held = st.limit.map_or(0, |l| reserved(l, reserve));
        let mut at = now;
        let mut cause = Cause::Window;
        if let Some(r) = st.retry_until
            && r > at
        {
            at = r;
            cause = if st.retry_from_server {
                Cause::RetryAfter
            } else {
                Cause::Window
            };
        }
        if st.retry_from_server && at > now {
            return (at, cause);
        }
        // The server says when; a window only documented is no match for it.
        let server_says_when = st.retry_from_server || st.reset_at.is_some();
        let log_applies = st.window_from_server || !server_says_when;
        // Our own log against the known limit (less the reserve) and window.
        let by_log = match (st.limit, st.window) {
            (Some(limit), Some(window)) if limit > held && log_applies => {
                let usable = limit - held;
                let in_window: Vec<Instant> = st
                    .log
                    .iter()
                    .copied()
                    .filter(|t| now.saturating_duration_since(*t) < window + MARGIN)
                    .collect();
                let n = in_window.len() as u64;
                (n >= usable).then(|| {
                    let oldest = in_window[usize::try_from(n - usable).unwrap_or(0)];
                    later(oldest, window + MARGIN)
                })
            }
            _ => None,
        };
        if let Some(t) = by_log
            && t > at
        {
            at = t;
            cause = Cause::Window;
        }
        // The server says no more than the reserve is left, and our log
        // cannot say when a slot frees (other clients share the budget):
        // wait for its reset.
        if let Some((left, when)) = st.remaining {
            let sent_since = st.log.iter().filter(|t| **t > when).count() as u64;
            let exhausted = if held == 0 {
                left == 0 && sent_since == 0
            } else {
                left.saturating_sub(sent_since) <= held
            };
            // When our own requests account for everything the server
            // counted (nobody else shares the budget), the log knows when
            // a slot frees: it already said so above.
            let log_knows = log_applies
                && match (st.limit, st.window) {
                    (Some(limit), Some(window)) => {
                        let ours = st
                            .log
                            .iter()
                            .filter(|t| **t <= when && when.saturating_duration_since(**t) < window)
                            .count() as u64;
                        ours + left >= limit
                    }
                    _ => false,
                };
            // (After a Retry-After, its end is the server's answer.)
            if exhausted && by_log.is_none() && !log_knows && !st.retry_from_server {
                let (fallback, why) = match st.reset_at {
                    Some(r) => (r, Cause::Reset),
                    None => (
                        st.window.map_or_else(
                            || later(when, Duration::from_secs(1)),
                            |w| later(when, w),
                        ),
                        Cause::Window,
                    ),
                };
                let fallback = later(fallback, MARGIN);
                if fallback > at {
                    at = fallback;
                    cause = why;
                }
            }
        }
        (at, cause)
    }

    /// A view of one budget at `now`.
    pub fn view(&self, key: &BudgetKey, now: Instant) -> Option<BudgetView> {
        let st = self.keys.get(key)?;
        let remaining = st.remaining.map(|(rem, when)| {
            let sent_since = st.log.iter().filter(|t| **t > when).count() as u64;
            rem.saturating_sub(sent_since)
        });
        let history: Vec<u64> = st.history.iter().map(|(_, r)| *r).collect();
        // A pace needs time to be one: two answers a millisecond apart (a
        // chain, a burst) say nothing about the next minutes.
        let empty_in = match (remaining, st.history.front(), st.history.back()) {
            (Some(rem), Some((t0, r0)), Some((t1, r1)))
                if r0 > r1 && t1.saturating_duration_since(*t0) >= MIN_PACE_SPAN =>
            {
                let per_sec = (r0 - r1) as f64 / t1.duration_since(*t0).as_secs_f64();
                (per_sec > 0.0).then(|| Duration::from_secs_f64(rem as f64 / per_sec))
            }
            _ => None,
        };
        let retry_in = st
            .retry_until
            .map(|r| r.saturating_duration_since(now))
            .filter(|d| !d.is_zero());
        // No countdown contradicts Retry-After: nothing resets before the
        // server lets a request through.
        let reset_in = st
            .reset_at
            .map(|r| r.saturating_duration_since(now))
            .map(|r| retry_in.map_or(r, |w| r.max(w)));
        // An empty budget is not "empty in 0 s": it is empty.
        let empty_in = empty_in.filter(|_| remaining != Some(0));
        let (empty_in, resets_first) = match (empty_in, reset_in) {
            (Some(e), Some(r)) if e > r => (None, true),
            (e, _) => (e, false),
        };
        Some(BudgetView {
            limit: st.limit,
            remaining,
            window: st.window,
            reset_in,
            retry_in,
            next_in: self.next_send_at(key, now).saturating_duration_since(now),
            history,
            empty_in,
            resets_first,
            rejected: st.rejected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> BudgetKey {
        BudgetKey {
            host: "h".into(),
            credential: None,
        }
    }

    fn rl(limit: u64, remaining: u64, window_s: u64) -> RateLimit {
        RateLimit {
            limit: Some(limit),
            remaining: Some(remaining),
            window_s: Some(window_s),
            ..RateLimit::default()
        }
    }

    #[test]
    fn sliding_log_frees_the_oldest_slot() {
        let mut b = Budget::default();
        let t0 = Instant::now();
        for i in 0..3u64 {
            let t = t0 + Duration::from_millis(100 * i);
            b.record(
                &key(),
                t,
                Some(200),
                Some(&rl(3, 2 - i, 2)),
                Documented::default(),
            );
        }
        let now = t0 + Duration::from_millis(300);
        let next = b.next_send_at(&key(), now);
        assert_eq!(next, t0 + Duration::from_secs(2) + MARGIN);
    }

    #[test]
    fn remaining_above_zero_sends_now() {
        let mut b = Budget::default();
        let t0 = Instant::now();
        b.record(
            &key(),
            t0,
            Some(200),
            Some(&rl(300, 10, 300)),
            Documented::default(),
        );
        assert_eq!(b.next_send_at(&key(), t0), t0);
    }

    #[test]
    fn retry_after_is_honoured() {
        let mut b = Budget::default();
        let t0 = Instant::now();
        let r = RateLimit {
            retry_after_s: Some(3),
            ..RateLimit::default()
        };
        b.record(&key(), t0, Some(429), Some(&r), Documented::default());
        assert_eq!(b.next_send_at(&key(), t0), t0 + Duration::from_secs(3));
        assert_eq!(b.view(&key(), t0).unwrap().rejected, 1);
    }

    #[test]
    fn limit_and_used_give_remaining() {
        let mut b = Budget::default();
        let t0 = Instant::now();
        let r = RateLimit {
            limit: Some(100),
            used: Some(40),
            ..RateLimit::default()
        };
        b.record(&key(), t0, Some(200), Some(&r), Documented::default());
        assert_eq!(b.view(&key(), t0).unwrap().remaining, Some(60));
    }

    #[test]
    fn a_slot_freed_by_the_window_is_used_though_the_server_said_zero() {
        let mut b = Budget::default();
        let t0 = Instant::now();
        // 3 allowed per 2 s; three answers, the last saying 0 left and a
        // reset a whole second later than the window ends.
        for i in 0..3u64 {
            let r = RateLimit {
                limit: Some(3),
                remaining: Some(2 - i),
                window_s: Some(2),
                reset_at: Some(1003),
                observed_at: Some(1000),
                window_from_headers: true,
                ..RateLimit::default()
            };
            b.record(&key(), t0, Some(200), Some(&r), Documented::default());
        }
        let first = b.next_send_at(&key(), t0);
        assert_eq!(first, t0 + Duration::from_secs(2) + MARGIN);
        // Asked again then, the log says a slot is free: no wait for the
        // server's coarser reset.
        assert_eq!(b.next_send_at(&key(), first), first);
    }
}
