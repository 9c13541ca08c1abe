//! The request driver: one pure state machine that decides what to send
//! next and when — the next page, every page, a retry after Retry-After, a
//! resend of everything, a live replay — for the CLI and the TUI alike.
//!
//! It owns the decisions that must not drift apart between front ends:
//! pacing on the rate-limit [`Budget`] (with a reserve held back for the
//! user's other requests), loop detection, the cap on 429 retries, the cap
//! on how long to wait, and the one credential rule on a change of origin
//! ([`secrets::retarget`]). It does no IO and reads no clock: "now" is
//! passed in, so every decision is testable without a network or a timer.
//!
//! A front end runs a [`Run`] like this:
//!
//! ```text
//! loop {
//!     match run.next(&engine, now) {
//!         Step::Send(out) => { let ex = send(out.request); run.received(&mut engine, now, &ex, &diag, &profiles); }
//!         Step::Wait { until, .. } => sleep_until(until),
//!         Step::Done(stop) => break,
//!     }
//! }
//! ```
//!
//! `send --paginate` and `replay --live` loop like that on tokio; the TUI
//! turns each step into a `Cmd` (send, or wake me at `until`).

use crate::budget::{Budget, BudgetKey, BudgetView};
use crate::decode::{Diagnosis, Profiles};
use crate::model::{Exchange, Request};
use crate::secrets::{self, Stripped};
use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

/// Limits of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Pages fetched at most by one run of [`Run::pages`].
    pub max_pages: u32,
    /// 429 answers to one request before the run gives up.
    pub max_retries: u32,
    /// Fraction of each budget (0.0–0.9) left unspent for other requests.
    pub reserve: f64,
    /// The longest the run waits for one request; a longer wait (a
    /// Retry-After of hours) stops it with [`Stop::WaitTooLong`].
    pub max_wait: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_pages: 1000,
            max_retries: 8,
            reserve: 0.0,
            max_wait: Duration::from_secs(15 * 60),
        }
    }
}

/// The rate-limit budgets of every host and credential, and the limits
/// every run obeys. One per process (the CLI) or per TUI session.
#[derive(Debug, Default)]
pub struct Engine {
    /// Every budget seen.
    pub budget: Budget,
}

impl Engine {
    /// Records a response on the budget of the request that got it.
    pub fn record(
        &mut self,
        request: &Request,
        received: Instant,
        exchange: &Exchange,
        diagnosis: &Diagnosis,
        profiles: &Profiles,
    ) {
        self.budget.record(
            &BudgetKey::for_request(request),
            received,
            diagnosis.status,
            diagnosis.rate_limit.as_ref(),
            crate::budget::documented(profiles, exchange, diagnosis),
        );
    }

    /// The budget of a request, at `now`.
    pub fn view(&self, request: &Request, now: Instant) -> Option<BudgetView> {
        self.budget.view(&BudgetKey::for_request(request), now)
    }
}

/// Why a run waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitReason {
    /// Pacing within the budget (the window, the server's remaining count).
    Pacing,
    /// The server's `Retry-After`.
    RetryAfter,
    /// The reset the server announced in its rate-limit headers.
    Reset,
}

impl WaitReason {
    /// What the wait is for, in a few words: "the server's Retry-After".
    pub fn label(self) -> &'static str {
        match self {
            WaitReason::Pacing => "the rate-limit window is full",
            WaitReason::RetryAfter => "the server's Retry-After",
            WaitReason::Reset => "the server's rate-limit reset",
        }
    }
}

impl From<crate::budget::Cause> for WaitReason {
    fn from(c: crate::budget::Cause) -> WaitReason {
        match c {
            crate::budget::Cause::RetryAfter => WaitReason::RetryAfter,
            crate::budget::Cause::Reset => WaitReason::Reset,
            crate::budget::Cause::Window => WaitReason::Pacing,
        }
    }
}

/// What to do now.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Send this request now, then report its response with
    /// [`Run::received`].
    Send(Box<Outgoing>),
    /// Nothing may be sent before `until`; ask again then.
    Wait {
        /// When to ask again.
        until: Instant,
        /// Why.
        why: WaitReason,
    },
    /// A request is on the wire: wait for its response.
    Busy,
    /// The run is over.
    Done(Stop),
}

/// A request the run wants sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// The request (credentials already stripped when it leaves the
    /// origin of the one before it).
    pub request: Request,
    /// Which request of the run this is: the page number for pages
    /// (1-based, counted from the first page of the collection when the
    /// previous page said its number), the index in a sequence (0-based).
    pub number: u32,
    /// How many times this request was sent before (after 429s).
    pub attempt: u32,
    /// What the one credential rule removed on the way to a new origin.
    pub stripped: Stripped,
}

/// Why a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Stop {
    /// Every request was sent (a sequence, a single retry).
    Finished,
    /// The last page said there is no next one.
    LastPage,
    /// The page cap was reached.
    MaxPages(u32),
    /// A page was an error response (not a 429).
    Error(Option<u16>),
    /// The next page's URL was one already fetched.
    Loop(String),
    /// 429s kept coming for one request.
    RetriesExhausted(u32),
    /// The next request could only go after a longer wait than allowed.
    WaitTooLong {
        /// How long it would have waited.
        wait: Duration,
        /// What it waited for.
        why: WaitReason,
        /// The longest wait allowed.
        max: Duration,
    },
}

impl Stop {
    /// One line for a person: "stopped: 429s kept coming (8 retries)".
    pub fn describe(&self) -> String {
        match self {
            Stop::Finished => "done".into(),
            Stop::LastPage => "last page reached".into(),
            Stop::MaxPages(n) => format!("stopped at the page cap ({n} pages)"),
            Stop::Error(s) => format!(
                "stopped at an error response ({})",
                s.map_or("no status".into(), |s| s.to_string())
            ),
            Stop::Loop(u) => format!(
                "stopped: the next page ({}) was already fetched",
                crate::redact::url(u)
            ),
            Stop::RetriesExhausted(n) => {
                format!("stopped: 429s kept coming ({n} retries of one request)")
            }
            Stop::WaitTooLong { wait, why, max } => format!(
                "stopped: the next request could only go in {} ({}), longer than the {} allowed (--max-wait)",
                crate::time::human(*wait),
                why.label(),
                crate::time::human(*max)
            ),
        }
    }

    /// Whether the run ended because something went wrong (exit 1).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            Stop::RetriesExhausted(_) | Stop::WaitTooLong { .. } | Stop::Error(_)
        )
    }
}

/// What the run made of a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A page (or a request of a sequence) was answered and counts.
    Accepted {
        /// Its number (see [`Outgoing::number`]).
        number: u32,
    },
    /// The server answered 429; the same request will be retried.
    Rejected {
        /// Its number.
        number: u32,
        /// Retries so far for it.
        attempt: u32,
    },
    /// A response the run did not ask for (a late answer after a cancel).
    Ignored,
}

#[derive(Debug, Clone)]
enum Kind {
    /// Follow next-page links.
    Pages {
        /// The last page number fetched (0 before the first).
        number: u32,
        /// Pages fetched by this run.
        fetched: u32,
        /// URLs fetched already (loop detection).
        seen: HashSet<String>,
    },
    /// Send each request once, in order.
    Sequence {
        /// The index of `current` in the original list.
        index: u32,
        /// What is left after `current`.
        rest: VecDeque<Request>,
    },
}

/// One activity of the driver: a run of pages, a sequence, a retry.
#[derive(Debug, Clone)]
pub struct Run {
    kind: Kind,
    settings: Settings,
    /// The request to send next (or in flight), with what was stripped.
    current: Option<(Request, Stripped)>,
    /// 429s for `current`.
    attempt: u32,
    in_flight: bool,
    /// Send `current` without pacing (the user pressed Enter).
    immediate: bool,
    stop: Option<Stop>,
    /// Values that are secrets whatever carries them (a collection's):
    /// they follow no redirect or next page to another origin.
    secrets: Vec<String>,
    /// The dialect the user chose for the answers (a collection's
    /// `# @dialect`), set on every exchange of the run.
    dialect: Option<String>,
    cookie_jar: bool,
}

impl Run {
    fn new(kind: Kind, first: Request, settings: Settings) -> Run {
        Run {
            kind,
            settings,
            current: Some((first, Stripped::default())),
            attempt: 0,
            in_flight: false,
            immediate: false,
            stop: None,
            secrets: Vec::new(),
            dialect: None,
            cookie_jar: true,
        }
    }

    /// `# @no-cookie-jar`: this run's requests go without the cookie jar.
    pub fn without_cookie_jar(mut self, off: bool) -> Run {
        self.cookie_jar = !off;
        self
    }

    /// Whether the cookie jar takes part in this run's requests.
    pub fn cookie_jar(&self) -> bool {
        self.cookie_jar
    }

    /// The dialect the user chose for this run's answers.
    pub fn with_dialect(mut self, dialect: Option<String>) -> Run {
        self.dialect = dialect;
        self
    }

    /// Sets the dialect the user chose, when the run has none yet.
    pub fn choose_dialect(&mut self, dialect: Option<&str>) {
        if self.dialect.is_none() {
            self.dialect = dialect.map(str::to_owned);
        }
    }

    /// The dialect [`Run::with_dialect`] gave.
    pub fn dialect(&self) -> Option<&str> {
        self.dialect.as_deref()
    }

    /// Values that are secrets whatever carries them (a collection's):
    /// dropped, with credential headers, when a redirect or a next page
    /// goes to another origin.
    pub fn with_secrets(mut self, secrets: Vec<String>) -> Run {
        self.secrets = secrets;
        self
    }

    /// The values [`Run::with_secrets`] gave.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Every page from `first` on (`send --paginate`), up to
    /// `settings.max_pages`.
    pub fn pages(first: Request, settings: Settings) -> Run {
        Run::new(
            Kind::Pages {
                number: 0,
                fetched: 0,
                seen: HashSet::new(),
            },
            first,
            settings,
        )
    }

    /// The pages after one already fetched (the TUI's `p` with a cap of
    /// one page, `A` with the page cap): `previous` is the request that got
    /// page `page` (when the response said its number), `next` the URL the
    /// diagnosis found for the following page.
    pub fn pages_after(
        previous: &Request,
        page: Option<u32>,
        next: &str,
        settings: Settings,
    ) -> Run {
        Run::pages_after_with(previous, page, next, settings, Vec::new())
    }

    /// [`Run::pages_after`] with by-value secrets ([`Run::with_secrets`]),
    /// dropped already if the first next page is on another origin.
    pub fn pages_after_with(
        previous: &Request,
        page: Option<u32>,
        next: &str,
        settings: Settings,
        by_value: Vec<String>,
    ) -> Run {
        let (request, stripped) = secrets::retarget_with(previous, next, &by_value);
        let mut seen = HashSet::new();
        if let Some(u) = &previous.url {
            seen.insert(u.clone());
        }
        let mut run = Run::new(
            Kind::Pages {
                number: page.unwrap_or(1),
                fetched: 0,
                seen,
            },
            request,
            settings,
        );
        if let Some((_, s)) = run.current.as_mut() {
            *s = stripped;
        }
        run.with_secrets(by_value)
    }

    /// Each request once, in order (`replay --live`, the TUI's `R`),
    /// paced by the budget; a 429 is waited out and the request retried.
    pub fn sequence(requests: Vec<Request>, settings: Settings) -> Run {
        let mut rest: VecDeque<Request> = requests.into();
        match rest.pop_front() {
            Some(first) => Run::new(Kind::Sequence { index: 0, rest }, first, settings),
            None => {
                let mut run = Run::new(
                    Kind::Sequence {
                        index: 0,
                        rest: VecDeque::new(),
                    },
                    Request::default(),
                    settings,
                );
                run.current = None;
                run.stop = Some(Stop::Finished);
                run
            }
        }
    }

    /// One request, sent once Retry-After (or the budget's reset) allows
    /// (the TUI's `r`); a 429 is waited out again, up to the retry cap.
    pub fn retry(request: Request, settings: Settings) -> Run {
        Run::sequence(vec![request], settings)
    }

    /// One request sent now, whatever the budget says (the user asked for
    /// it: Enter, `send`); a 429 ends the run.
    pub fn once(request: Request) -> Run {
        let mut run = Run::sequence(
            vec![request],
            Settings {
                max_retries: 0,
                ..Settings::default()
            },
        );
        run.immediate = true;
        run
    }

    /// The settings of this run.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Why the run ended, once it has.
    pub fn stopped(&self) -> Option<&Stop> {
        self.stop.as_ref()
    }

    /// The request to send next (or on the wire).
    pub fn current(&self) -> Option<&Request> {
        self.current.as_ref().map(|(r, _)| r)
    }

    /// What to do at `now`.
    pub fn next(&mut self, engine: &Engine, now: Instant) -> Step {
        if let Some(stop) = &self.stop {
            return Step::Done(stop.clone());
        }
        if self.in_flight {
            return Step::Busy;
        }
        let Some((request, stripped)) = self.current.clone() else {
            self.stop = Some(Stop::Finished);
            return Step::Done(Stop::Finished);
        };
        if let Kind::Pages { fetched, .. } = &self.kind
            && *fetched >= self.settings.max_pages
        {
            let stop = Stop::MaxPages(self.settings.max_pages);
            self.stop = Some(stop.clone());
            return Step::Done(stop);
        }
        if !self.immediate {
            let key = BudgetKey::for_request(&request);
            let (at, cause) = engine.budget.next_send(&key, now, self.settings.reserve);
            if at > now {
                let why = WaitReason::from(cause);
                let wait = at - now;
                if wait > self.settings.max_wait {
                    let stop = Stop::WaitTooLong {
                        wait,
                        why,
                        max: self.settings.max_wait,
                    };
                    self.stop = Some(stop.clone());
                    return Step::Done(stop);
                }
                return Step::Wait { until: at, why };
            }
        }
        self.in_flight = true;
        let number = match &self.kind {
            Kind::Pages { number, .. } => number + 1,
            Kind::Sequence { index, .. } => *index,
        };
        if let Kind::Pages { seen, .. } = &mut self.kind
            && let Some(u) = &request.url
        {
            seen.insert(u.clone());
        }
        Step::Send(Box::new(Outgoing {
            request,
            number,
            attempt: self.attempt,
            stripped,
        }))
    }

    /// Takes the response to the request [`Run::next`] handed out:
    /// records it on the budget and decides what comes after it.
    pub fn received(
        &mut self,
        engine: &mut Engine,
        now: Instant,
        exchange: &Exchange,
        diagnosis: &Diagnosis,
        profiles: &Profiles,
    ) -> Received {
        if !self.in_flight {
            return Received::Ignored;
        }
        self.in_flight = false;
        self.immediate = false;
        let Some((request, _)) = self.current.clone() else {
            return Received::Ignored;
        };
        engine.record(&request, now, exchange, diagnosis, profiles);
        let number = match &self.kind {
            Kind::Pages { number, .. } => number + 1,
            Kind::Sequence { index, .. } => *index,
        };
        if diagnosis.status == Some(429) {
            self.attempt += 1;
            if self.attempt > self.settings.max_retries {
                self.stop = Some(Stop::RetriesExhausted(self.settings.max_retries));
            }
            return Received::Rejected {
                number,
                attempt: self.attempt,
            };
        }
        self.attempt = 0;
        match &mut self.kind {
            Kind::Pages {
                number: n,
                fetched,
                seen,
            } => {
                *n += 1;
                *fetched += 1;
                if diagnosis.is_error() {
                    self.stop = Some(Stop::Error(diagnosis.status));
                    self.current = None;
                } else {
                    match diagnosis
                        .pagination
                        .as_ref()
                        .and_then(|p| p.next.as_deref())
                    {
                        None => {
                            self.stop = Some(Stop::LastPage);
                            self.current = None;
                        }
                        Some(next) if seen.contains(next) => {
                            self.stop = Some(Stop::Loop(next.to_owned()));
                            self.current = None;
                        }
                        Some(next) => {
                            self.current =
                                Some(secrets::retarget_with(&request, next, &self.secrets));
                        }
                    }
                }
            }
            Kind::Sequence { index, rest } => {
                *index += 1;
                self.current = rest.pop_front().map(|r| (r, Stripped::default()));
                if self.current.is_none() {
                    self.stop = Some(Stop::Finished);
                }
            }
        }
        Received::Accepted { number }
    }

    /// Stops the run (Esc, a new request); a response still on the wire
    /// is then [`Received::Ignored`].
    pub fn cancel(&mut self) {
        self.in_flight = false;
        self.current = None;
        self.stop.get_or_insert(Stop::Finished);
    }
}

/// How much a run of every page would cost, for asking first.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Pages still to fetch, when the collection says (else the cap).
    pub pages: Option<u64>,
    /// Whether `pages` is the cap because the collection does not say.
    pub capped: bool,
    /// How long at the budget's pace, when the budget is known.
    pub duration: Option<Duration>,
    /// Requests left in the budget now, when known.
    pub remaining: Option<u64>,
    /// Whether the run would spend more than half of what is left.
    pub ask: bool,
    /// "about 300 requests, 5 min of your 300 / 5 min budget".
    pub text: String,
}

/// What fetching every page after the one `d` describes would cost on the
/// budget of `request`, with `settings` (the reserve and the page cap).
pub fn estimate(
    engine: &Engine,
    request: &Request,
    d: &Diagnosis,
    settings: &Settings,
    now: Instant,
) -> Estimate {
    let p = d.pagination.as_ref();
    let cap = u64::from(settings.max_pages);
    let left_pages = p.and_then(|p| {
        let page = p.page.unwrap_or(1).max(1);
        let count = p
            .page_count
            .or_else(|| match (p.total_items, p.page_size) {
                (Some(t), Some(s)) if s > 0 => {
                    Some(t.div_euclid(s) + i64::from(t.rem_euclid(s) != 0))
                }
                _ => None,
            })?;
        u64::try_from(count.saturating_sub(page)).ok()
    });
    let (pages, capped) = match left_pages {
        Some(n) if n <= cap => (Some(n), false),
        Some(_) => (Some(cap), true),
        None => (Some(cap), true),
    };
    let view = engine.view(request, now);
    let remaining = view.as_ref().and_then(|v| v.remaining);
    let limit = view.as_ref().and_then(|v| v.limit);
    let window = view.as_ref().and_then(|v| v.window);
    let duration = match (pages, remaining, limit, window) {
        (Some(n), Some(rem), Some(limit), Some(w)) => {
            let held = crate::budget::reserved(limit, settings.reserve);
            let usable_now = rem.saturating_sub(held);
            if n <= usable_now {
                Some(Duration::ZERO)
            } else {
                let per_window = limit.saturating_sub(held).max(1);
                let extra = n - usable_now;
                let windows = extra.div_ceil(per_window);
                let first = view
                    .as_ref()
                    .and_then(|v| v.reset_in)
                    .filter(|r| !r.is_zero())
                    .unwrap_or(w);
                Some(first + w * u32::try_from(windows.saturating_sub(1)).unwrap_or(u32::MAX))
            }
        }
        // No count from the server, but a limit and a window (documented,
        // or the server's): the run is paced at the limit per window.
        (Some(n), None, Some(limit), Some(w)) if !capped => {
            let per_window = limit
                .saturating_sub(crate::budget::reserved(limit, settings.reserve))
                .max(1);
            Some(w * u32::try_from(n / per_window).unwrap_or(u32::MAX))
        }
        _ => None,
    };
    let ask = match (pages, remaining) {
        (Some(n), Some(rem)) => n > rem / 2,
        _ => false,
    };
    let mut text = match pages {
        Some(n) if capped => format!("up to {n} requests (the page cap)"),
        Some(n) => format!("about {n} request{}", if n == 1 { "" } else { "s" }),
        None => "an unknown number of requests".into(),
    };
    if let Some(d) = duration {
        if d.is_zero() {
            text.push_str(", no waiting");
        } else {
            text.push_str(&format!(", {}", crate::time::human(d)));
        }
    }
    match (remaining, limit, window) {
        (Some(rem), Some(l), Some(w)) => {
            text.push_str(&format!(
                " of your {l} / {} budget ({rem} left)",
                crate::time::human(w)
            ));
        }
        (Some(rem), _, _) => text.push_str(&format!(" ({rem} requests left in the budget)")),
        _ => {}
    }
    Estimate {
        pages,
        capped,
        duration,
        remaining,
        ask,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Pagination, RateLimit};
    use crate::model::Headers;

    fn req(url: &str) -> Request {
        let mut h = Headers::new();
        h.push("Authorization", "Bearer FAKE");
        Request {
            method: "GET".into(),
            url: Some(url.into()),
            headers: h,
            body: bytes::Bytes::new(),
        }
    }

    fn page(status: u16, next: Option<&str>, rl: Option<RateLimit>) -> Diagnosis {
        Diagnosis {
            status: Some(status),
            dialect: "generic".into(),
            pagination: Some(Pagination {
                next: next.map(str::to_owned),
                ..Pagination::default()
            }),
            rate_limit: rl,
            ..Diagnosis::default()
        }
    }

    fn send(run: &mut Run, engine: &Engine, now: Instant) -> Outgoing {
        match run.next(engine, now) {
            Step::Send(o) => *o,
            other => panic!("expected a send, got {other:?}"),
        }
    }

    #[test]
    fn pages_until_the_last_and_strip_credentials_off_origin() {
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let mut run = Run::pages(req("https://a.example/x"), Settings::default());
        let o = send(&mut run, &engine, t);
        assert_eq!(o.number, 1);
        assert_eq!(run.next(&engine, t), Step::Busy);
        let ex = Exchange::default();
        let d = page(200, Some("https://b.example/x?page=2"), None);
        assert_eq!(
            run.received(&mut engine, t, &ex, &d, &profiles),
            Received::Accepted { number: 1 }
        );
        let o = send(&mut run, &engine, t);
        assert_eq!(o.number, 2);
        assert!(o.request.headers.get("authorization").is_none());
        assert_eq!(o.stripped.headers, ["Authorization"]);
        let d = page(200, None, None);
        run.received(&mut engine, t, &ex, &d, &profiles);
        assert_eq!(run.next(&engine, t), Step::Done(Stop::LastPage));
    }

    #[test]
    fn loops_caps_and_errors_stop() {
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let ex = Exchange::default();
        let mut run = Run::pages(req("https://a.example/1"), Settings::default());
        send(&mut run, &engine, t);
        run.received(
            &mut engine,
            t,
            &ex,
            &page(200, Some("https://a.example/1"), None),
            &profiles,
        );
        assert_eq!(
            run.next(&engine, t),
            Step::Done(Stop::Loop("https://a.example/1".into()))
        );

        let settings = Settings {
            max_pages: 2,
            ..Settings::default()
        };
        let mut run = Run::pages(req("https://a.example/1"), settings);
        for i in 2..4 {
            send(&mut run, &engine, t);
            let next = format!("https://a.example/{i}");
            run.received(
                &mut engine,
                t,
                &ex,
                &page(200, Some(&next), None),
                &profiles,
            );
        }
        assert_eq!(run.next(&engine, t), Step::Done(Stop::MaxPages(2)));

        let mut run = Run::pages(req("https://a.example/1"), Settings::default());
        send(&mut run, &engine, t);
        run.received(
            &mut engine,
            t,
            &ex,
            &page(500, Some("https://a.example/2"), None),
            &profiles,
        );
        assert_eq!(run.next(&engine, t), Step::Done(Stop::Error(Some(500))));
    }

    #[test]
    fn a_429_is_waited_out_and_retried_up_to_the_cap() {
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let ex = Exchange::default();
        let settings = Settings {
            max_retries: 2,
            ..Settings::default()
        };
        let mut run = Run::pages(req("https://a.example/1"), settings);
        let limited = RateLimit {
            retry_after_s: Some(3),
            ..RateLimit::default()
        };
        let mut now = t;
        for attempt in 1..=3 {
            let o = send(&mut run, &engine, now);
            assert_eq!(o.number, 1);
            assert_eq!(o.attempt, attempt - 1);
            let r = run.received(
                &mut engine,
                now,
                &ex,
                &page(429, None, Some(limited.clone())),
                &profiles,
            );
            assert_eq!(r, Received::Rejected { number: 1, attempt });
            if attempt < 3 {
                match run.next(&engine, now) {
                    Step::Wait { until, why } => {
                        assert_eq!(until, now + Duration::from_secs(3));
                        assert_eq!(why, WaitReason::RetryAfter);
                        now = until;
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        assert_eq!(
            run.next(&engine, now),
            Step::Done(Stop::RetriesExhausted(2))
        );
    }

    #[test]
    fn an_absurd_retry_after_stops_instead_of_waiting_years() {
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let mut run = Run::pages(req("https://a.example/1"), Settings::default());
        send(&mut run, &engine, t);
        let limited = RateLimit {
            retry_after_s: Some(u64::MAX),
            ..RateLimit::default()
        };
        run.received(
            &mut engine,
            t,
            &Exchange::default(),
            &page(429, None, Some(limited)),
            &profiles,
        );
        match run.next(&engine, t) {
            Step::Done(Stop::WaitTooLong { wait, why, .. }) => {
                assert!(wait > Duration::from_secs(15 * 60));
                assert_eq!(why, WaitReason::RetryAfter);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_reserve_is_kept() {
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let settings = Settings {
            reserve: 0.1,
            ..Settings::default()
        };
        let r = req("https://a.example/1");
        let mut run = Run::sequence(vec![r.clone(), r.clone(), r.clone()], settings);
        // 10 allowed per 60 s, 2 left: one more would leave the reserve (1).
        let rl = RateLimit {
            limit: Some(10),
            remaining: Some(2),
            window_s: Some(60),
            ..RateLimit::default()
        };
        send(&mut run, &engine, t);
        run.received(
            &mut engine,
            t,
            &Exchange::default(),
            &page(200, None, Some(rl.clone())),
            &profiles,
        );
        let rl1 = RateLimit {
            remaining: Some(1),
            ..rl
        };
        send(&mut run, &engine, t);
        run.received(
            &mut engine,
            t,
            &Exchange::default(),
            &page(200, None, Some(rl1)),
            &profiles,
        );
        match run.next(&engine, t) {
            Step::Wait { until, why } => {
                assert!(until >= t + Duration::from_secs(60));
                assert_eq!(why, WaitReason::Pacing);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn estimates_say_what_a_run_costs() {
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let r = req("https://a.example/1");
        let d = Diagnosis {
            status: Some(200),
            pagination: Some(Pagination {
                page: Some(1),
                page_count: Some(301),
                next: Some("https://a.example/2".into()),
                ..Pagination::default()
            }),
            rate_limit: Some(RateLimit {
                limit: Some(300),
                remaining: Some(299),
                window_s: Some(300),
                ..RateLimit::default()
            }),
            ..Diagnosis::default()
        };
        engine.record(&r, t, &Exchange::default(), &d, &profiles);
        let e = estimate(
            &engine,
            &r,
            &d,
            &Settings {
                reserve: 0.1,
                max_pages: 1000,
                ..Settings::default()
            },
            t,
        );
        assert_eq!(e.pages, Some(300));
        assert!(e.ask);
        assert_eq!(e.duration, Some(Duration::from_secs(300)));
        assert_eq!(
            e.text,
            "about 300 requests, 5 min of your 300 / 5 min budget (299 left)"
        );
    }

    #[test]
    fn an_estimate_without_a_count_is_paced_at_the_limit() {
        // 400 pages of an API that gives no remaining count, at a
        // documented 20 per 2 s: about 40 s, not the pace of the first page.
        let profiles = Profiles::built_in();
        let mut engine = Engine::default();
        let t = Instant::now();
        let r = req("https://a.example/1");
        let d = Diagnosis {
            status: Some(200),
            pagination: Some(Pagination {
                page: Some(1),
                total_items: Some(2001),
                page_size: Some(5),
                ..Pagination::default()
            }),
            rate_limit: Some(RateLimit {
                limit: Some(20),
                window_s: Some(2),
                ..RateLimit::default()
            }),
            ..Diagnosis::default()
        };
        engine.record(&r, t, &Exchange::default(), &d, &profiles);
        let e = estimate(&engine, &r, &d, &Settings::default(), t);
        assert_eq!(e.pages, Some(400));
        assert_eq!(e.duration, Some(Duration::from_secs(40)));
    }
}
