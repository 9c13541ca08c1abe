//! The integration tests, in one binary (one link of the whole app
//! instead of one per file): each module drives the real binary, the
//! real demo server on 127.0.0.1, or the TUI's `App`.

mod auth;
mod bad_input;
mod browsers;
mod bruno;
mod collections;
mod common;
mod curl_exact;
mod engine;
mod evidence;
mod first_minutes;
mod generic;
mod hostile;
mod httpyac;
mod import;
mod items;
mod newman;
mod runner;
mod scripts;
mod secrets;
mod seeds;
mod send;
mod sessions;
mod strangers;
mod timings;
mod tmux;
mod transport;
mod tui;
