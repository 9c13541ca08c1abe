//! The core's integration tests, in one binary.

mod auth_diagnosis;
mod curl_import;
mod error_corpus;
mod numbers;
mod props;
mod reports;
mod round_trips;
