//! apiscope-core: everything apiscope understands, with no network, terminal,
//! database or platform-directory code, so the compiler keeps it pure and its
//! tests build without the heavy dependencies.
//!
//! ```text
//! input (HAR | curl -i | curl -v | session | curl command | bare body)
//!     → model::Exchange
//!     → decode::diagnose(&Exchange, &Profiles, &Options) -> Diagnosis   (pure)
//!     → report::{text, json, markdown}
//! ```
//!
//! What to send next (the next page, every page, a retry after Retry-After,
//! a live replay) is decided by [`driver`], with the rate-limit [`budget`]
//! and the one credential rule of [`secrets`]; the application crate only
//! runs its decisions.

pub mod auth;
pub mod budget;
pub mod collection;
pub mod decode;
pub mod driver;
pub mod input;
pub mod items;
pub mod line;
pub mod model;
pub mod multipart;
pub mod redact;
pub mod report;
pub mod secrets;
pub mod template;
pub mod time;
pub mod timeline;
