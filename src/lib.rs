//! apiscope: a terminal API explorer and debugger.
//!
//! The library holds everything the binary, the tests and the benchmarks
//! share. One way through the code:
//!
//! ```text
//! input (HAR | curl -i | curl -v | session | bare body)
//!     → model::Exchange
//!     → decode::diagnose(&Exchange, &Profiles, &Options) -> Diagnosis   (pure)
//!     → report::{text, json, markdown}
//! ```

pub use apiscope_core::{
    budget, collection, decode, driver, input, items, line, model, multipart, redact, report,
    secrets, template, time, timeline,
};

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod history;
pub mod http;
pub mod jq;
pub mod oauth;
pub mod store;
pub mod trust;
pub mod tui;
