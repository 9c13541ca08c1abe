//! Runs the driver's decisions ([`apiscope_core::driver`]) on tokio: send
//! when it says send, sleep when it says wait. `send --paginate` and
//! `replay --live` are this loop with a different [`Run`]; the TUI runs the
//! same decisions as `Cmd`s instead.

use super::Client;
use crate::budget::BudgetView;
use crate::decode::{self, Diagnosis, Profiles};
use crate::driver::{Engine, Outgoing, Received, Run, Step, Stop, WaitReason};
use crate::model::Exchange;
use std::time::{Duration, Instant};

/// What happens during a run, for progress and output.
#[derive(Debug)]
pub enum Event<'a> {
    /// A response arrived.
    Response {
        /// The request as sent (with what the credential rule stripped).
        outgoing: &'a Outgoing,
        /// The exchange.
        exchange: &'a Exchange,
        /// Its diagnosis.
        diagnosis: &'a Diagnosis,
        /// What the run made of it (a page, or a 429 to wait out).
        received: &'a Received,
        /// The budget after it.
        budget: Option<BudgetView>,
        /// For a page: how long the pages after it will take at the
        /// budget's pace, when the collection and the budget say.
        eta: Option<Duration>,
    },
    /// Pausing before the next request (repeated about four times a second
    /// while it lasts, so a countdown can move).
    Waiting {
        /// Until when.
        until: Instant,
        /// Why.
        why: WaitReason,
    },
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Responses that counted (pages, or requests of a sequence).
    pub accepted: u32,
    /// 429 responses received.
    pub rejected: u32,
    /// Items counted on the pages, when the format says.
    pub items: u64,
    /// Wall time.
    pub elapsed: Duration,
    /// Why it stopped.
    pub stop: Stop,
}

/// Runs `run` to its end: sends what it says, sleeps while it waits, and
/// reports every response and wait to `on_event`.
pub async fn drive(
    client: &Client,
    engine: &mut Engine,
    run: &mut Run,
    profiles: &Profiles,
    options: &decode::Options,
    mut on_event: impl FnMut(Event<'_>),
) -> Summary {
    let started = Instant::now();
    let mut summary = Summary {
        accepted: 0,
        rejected: 0,
        items: 0,
        elapsed: Duration::ZERO,
        stop: Stop::Finished,
    };
    loop {
        match run.next(engine, Instant::now()) {
            Step::Done(stop) => {
                summary.stop = stop;
                break;
            }
            // Only one request of a run is ever on the wire, and this loop
            // awaits it; Busy cannot happen here.
            Step::Busy => {
                summary.stop = Stop::Finished;
                break;
            }
            Step::Wait { until, why } => loop {
                on_event(Event::Waiting { until, why });
                let now = Instant::now();
                if now >= until {
                    break;
                }
                let slice = (until - now).min(Duration::from_millis(250));
                tokio::time::sleep(slice).await;
            },
            Step::Send(outgoing) => {
                let mut exchange = if run.cookie_jar() {
                    client.send_with(&outgoing.request, run.secrets()).await
                } else {
                    client
                        .without_jar()
                        .send_with(&outgoing.request, run.secrets())
                        .await
                };
                exchange.dialect = run.dialect().map(str::to_owned);
                let now = Instant::now();
                let diagnosis = decode::diagnose(&exchange, profiles, options);
                let received = run.received(engine, now, &exchange, &diagnosis, profiles);
                match received {
                    Received::Accepted { .. } => {
                        summary.accepted += 1;
                        if let Some(n) = diagnosis.pagination.as_ref().and_then(|p| p.items) {
                            summary.items += n as u64;
                        }
                    }
                    Received::Rejected { .. } => summary.rejected += 1,
                    Received::Ignored => {}
                }
                let eta = crate::driver::estimate(
                    engine,
                    &outgoing.request,
                    &diagnosis,
                    run.settings(),
                    Instant::now(),
                )
                .duration;
                on_event(Event::Response {
                    outgoing: &outgoing,
                    exchange: &exchange,
                    diagnosis: &diagnosis,
                    received: &received,
                    budget: engine.view(&outgoing.request, Instant::now()),
                    eta,
                });
            }
        }
    }
    summary.elapsed = started.elapsed();
    summary
}
