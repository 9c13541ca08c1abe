//! The apiscope session file: a versioned JSON document holding exchanges.
//!
//! ```json
//! {"apiscope_session": 1, "name": "demo", "exchanges": [{"request": …, "response": …, "timing": …}]}
//! ```
//!
//! Bodies are UTF-8 text, or `{"base64": "…"}` when they are not valid
//! UTF-8. A file with a newer version than this build knows is refused with a
//! message naming the file, never guessed at.

use super::InputError;
use crate::model::Exchange;
use serde::{Deserialize, Serialize};

/// The session format version this build writes and reads.
pub const VERSION: u32 = 1;

/// A session file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    /// The format version.
    pub apiscope_session: u32,
    /// A name for the session.
    #[serde(default)]
    pub name: Option<String>,
    /// When it was written (RFC 3339), informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_at: Option<String>,
    /// Whether credentials were redacted when it was written.
    #[serde(default)]
    pub redacted: bool,
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
    /// The diagnosis of each exchange as the contract's JSON, for readers
    /// of the file (jq, a ticket system); apiscope recomputes them on open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnoses: Vec<serde_json::Value>,
}

/// The session document for `exchanges`: secrets redacted unless
/// `keep_secrets`, with the diagnoses of the (redacted) exchanges.
pub fn to_json(
    name: Option<&str>,
    exchanges: &[Exchange],
    profiles: &crate::decode::Profiles,
    keep_secrets: bool,
) -> String {
    let mut exchanges = exchanges.to_vec();
    if !keep_secrets {
        exchanges.iter_mut().for_each(crate::redact::exchange);
    }
    let diagnoses =
        crate::decode::diagnose_all(&exchanges, profiles, &crate::decode::Options::default())
            .iter()
            .map(|d| serde_json::to_value(d).unwrap_or_default())
            .collect();
    let session = Session {
        apiscope_session: VERSION,
        name: name.map(str::to_owned),
        saved_at: Some(crate::report::now_rfc3339()),
        redacted: !keep_secrets,
        exchanges,
        diagnoses,
    };
    let mut text = serde_json::to_string_pretty(&session).unwrap_or_default();
    text.push('\n');
    text
}

/// Whether a JSON document looks like a session (its first key is
/// `apiscope_session`).
pub fn sniff(text: &[u8]) -> bool {
    let Some(rest) = text.strip_prefix(b"{") else {
        return false;
    };
    let rest = &rest[rest
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(rest.len())..];
    rest.starts_with(b"\"apiscope_session\"")
}

/// Reads a session's exchanges.
pub fn read(bytes: &[u8], source: &str) -> Result<Vec<Exchange>, InputError> {
    #[derive(Deserialize)]
    struct Version {
        // Any number: a version past u32 is still "newer", not a type error.
        apiscope_session: serde_json::Number,
    }
    let err = |message: String| InputError::Session {
        file: source.to_owned(),
        message,
    };
    // Check the version first, so a newer file is refused with that reason
    // rather than with whatever field it changed.
    if let Ok(v) = serde_json::from_slice::<Version>(bytes) {
        let n = &v.apiscope_session;
        let newer = n.as_u64().map_or_else(
            || n.as_f64().is_some_and(|f| f > f64::from(VERSION)),
            |v| v > u64::from(VERSION),
        );
        if newer {
            return Err(err(format!(
                "format version {n} was made by a newer apiscope (this one reads {VERSION}); upgrade apiscope"
            )));
        }
    }
    let session: Session = serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?;
    Ok(session.exchanges)
}
