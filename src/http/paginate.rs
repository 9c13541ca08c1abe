//! Following every page of a collection in the API's own style — whatever
//! `decode` found as the next URL (Link rel=next, page/page_count,
//! page/page_size/total_items, Has-More with cursors) — paced by the shared
//! [`Budget`] so a rate-limited server sees no 429 and the run still ends
//! near the fastest the limit allows.

use super::Client;
use crate::budget::{Budget, BudgetKey, Documented};
use crate::decode::{self, Diagnosis, Profiles, ratelimit};
use crate::model::{Exchange, Request};
use std::time::{Duration, Instant};

/// How far to go.
#[derive(Debug, Clone)]
pub struct PaginateOptions {
    /// Stop after this many pages.
    pub max_pages: u32,
    /// Retries of one page after 429s before giving up.
    pub max_retries: u32,
    /// Decoding options (dialect).
    pub decode: decode::Options,
}

impl Default for PaginateOptions {
    fn default() -> Self {
        PaginateOptions {
            max_pages: 1000,
            max_retries: 8,
            decode: decode::Options::default(),
        }
    }
}

/// What happens during a run, for progress and output.
#[derive(Debug)]
pub enum Event<'a> {
    /// A page arrived (the last one may be an error that ends the run).
    Page {
        /// 1-based page number.
        number: u32,
        /// The exchange.
        exchange: &'a Exchange,
        /// Its diagnosis.
        diagnosis: &'a Diagnosis,
        /// The budget after it.
        budget: Option<crate::budget::BudgetView>,
    },
    /// Pausing before the next request, to stay within the budget.
    Waiting {
        /// The page about to be requested.
        number: u32,
        /// How long.
        duration: Duration,
    },
    /// The server answered 429 anyway; the page will be retried.
    Rejected {
        /// The page.
        number: u32,
        /// Time until the retry.
        retry_in: Duration,
    },
}

/// Why the run stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The last page said there is no next one.
    LastPage,
    /// `max_pages` was reached.
    MaxPages,
    /// A page was an error.
    Error,
    /// The next URL was one already fetched.
    Loop(String),
    /// 429s kept coming.
    RetriesExhausted,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Pages fetched.
    pub pages: u32,
    /// 429 responses received.
    pub rejected: u32,
    /// Wall time.
    pub elapsed: Duration,
    /// Why it stopped.
    pub stop: Stop,
    /// Items counted on the pages, when the format says.
    pub items: u64,
}

/// Fetches `first` and every following page.
pub async fn run(
    client: &Client,
    profiles: &Profiles,
    first: Request,
    budget: &mut Budget,
    options: &PaginateOptions,
    mut on_event: impl FnMut(Event<'_>),
) -> Summary {
    let started = Instant::now();
    let mut request = first;
    let mut seen = std::collections::HashSet::new();
    let mut summary = Summary {
        pages: 0,
        rejected: 0,
        elapsed: Duration::ZERO,
        stop: Stop::LastPage,
        items: 0,
    };
    let mut number = 1u32;
    let mut retries = 0u32;
    loop {
        if number > options.max_pages {
            summary.stop = Stop::MaxPages;
            break;
        }
        let key = BudgetKey::for_request(&request);
        let now = Instant::now();
        let at = budget.next_send_at(&key, now);
        if at > now {
            on_event(Event::Waiting {
                number,
                duration: at - now,
            });
            tokio::time::sleep_until(at.into()).await;
        }
        if let Some(u) = &request.url {
            seen.insert(u.clone());
        }
        let exchange = client.send(&request).await;
        let received = Instant::now();
        let diagnosis = decode::diagnose(&exchange, profiles, &options.decode);
        let documented = documented(profiles, &exchange, &diagnosis);
        budget.record(
            &key,
            received,
            diagnosis.status,
            diagnosis.rate_limit.as_ref(),
            documented,
        );
        if diagnosis.status == Some(429) {
            summary.rejected += 1;
            retries += 1;
            if retries > options.max_retries {
                on_event(Event::Page {
                    number,
                    exchange: &exchange,
                    diagnosis: &diagnosis,
                    budget: budget.view(&key, Instant::now()),
                });
                summary.stop = Stop::RetriesExhausted;
                break;
            }
            let retry_in = budget
                .next_send_at(&key, Instant::now())
                .saturating_duration_since(Instant::now());
            on_event(Event::Rejected { number, retry_in });
            continue;
        }
        retries = 0;
        summary.pages += 1;
        if let Some(n) = diagnosis.pagination.as_ref().and_then(|p| p.items) {
            summary.items += n as u64;
        }
        on_event(Event::Page {
            number,
            exchange: &exchange,
            diagnosis: &diagnosis,
            budget: budget.view(&key, Instant::now()),
        });
        if diagnosis.is_error() {
            summary.stop = Stop::Error;
            break;
        }
        let Some(next) = diagnosis.pagination.as_ref().and_then(|p| p.next.clone()) else {
            summary.stop = Stop::LastPage;
            break;
        };
        if seen.contains(&next) {
            summary.stop = Stop::Loop(next);
            break;
        }
        request = next_request(&request, &next);
        number += 1;
    }
    summary.elapsed = started.elapsed();
    summary
}

/// The documented policy for the budget model's fallbacks.
pub fn documented(profiles: &Profiles, exchange: &Exchange, d: &Diagnosis) -> Documented {
    let profile = profiles.get(&d.dialect);
    let policy = profile.and_then(|p| {
        ratelimit::applicable_policy(p, exchange, d.rate_limit.as_ref().and_then(|r| r.limit))
    });
    Documented {
        limit: policy.map(|p| p.limit),
        window: policy
            .map(|p| p.window_s)
            .or(profile.and_then(|p| p.rate_limit.window_s))
            .map(Duration::from_secs),
    }
}

/// The request for the next page: same method and headers, new URL;
/// credentials are not sent to another host.
fn next_request(current: &Request, next: &str) -> Request {
    let mut req = current.clone();
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .map(|u| (u.host_str().map(str::to_owned), u.port_or_known_default()))
    };
    if current.url.as_deref().map(host) != Some(host(next)) {
        for h in super::CREDENTIAL_HEADERS {
            req.headers.remove(h);
        }
    }
    req.url = Some(next.to_owned());
    req
}
