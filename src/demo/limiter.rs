//! A sliding-log rate limiter, as the documented APIs describe theirs: a
//! request is allowed when fewer than `limit` allowed requests arrived in
//! the last `window` seconds. Rejected requests are not counted.

use super::Rate;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The outcome of one check, with what the headers should say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The limit per window.
    pub limit: u64,
    /// Requests left in the window after this one.
    pub remaining: u64,
    /// Requests counted in the window, this one included.
    pub used: u64,
    /// When the oldest counted request leaves the window, Unix seconds
    /// (rounded up).
    pub reset_at: u64,
    /// Seconds until a request would be allowed (rounded up), for a
    /// rejected one.
    pub retry_after_s: u64,
}

/// Request logs per budget key.
#[derive(Debug, Default)]
pub struct Limiter {
    logs: HashMap<String, VecDeque<Instant>>,
}

impl Limiter {
    /// Counts a request against `key`'s budget at time `now`.
    pub fn check(&mut self, key: &str, rate: Rate, now: Instant) -> Decision {
        let window = Duration::from_secs(rate.window_s);
        let log = self.logs.entry(key.to_owned()).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            log.pop_front();
        }
        let allowed = (log.len() as u64) < rate.limit;
        if allowed {
            log.push_back(now);
        }
        let oldest = log.front().copied().unwrap_or(now);
        let frees_at = oldest + window;
        let wait = frees_at.saturating_duration_since(now);
        let unix_now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let reset = unix_now + wait;
        Decision {
            allowed,
            limit: rate.limit,
            remaining: rate.limit.saturating_sub(log.len() as u64),
            used: log.len() as u64,
            reset_at: reset.as_secs() + u64::from(reset.subsec_nanos() > 0),
            retry_after_s: if allowed {
                0
            } else {
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let mut l = Limiter::default();
        let rate = Rate {
            limit: 2,
            window_s: 10,
        };
        let t0 = Instant::now();
        assert!(l.check("k", rate, t0).allowed);
        assert!(l.check("k", rate, t0 + Duration::from_secs(4)).allowed);
        let d = l.check("k", rate, t0 + Duration::from_secs(5));
        assert!(!d.allowed);
        assert_eq!(d.retry_after_s, 5);
        assert!(l.check("k", rate, t0 + Duration::from_secs(10)).allowed);
        assert!(l.check("other", rate, t0).allowed, "budgets are per key");
    }
}
