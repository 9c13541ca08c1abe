//! The core's integration tests, in one binary.

mod curl_import;
mod error_corpus;
mod props;
mod reports;
