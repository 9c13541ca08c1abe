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
    /// The exchanges, in order.
    pub exchanges: Vec<Exchange>,
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
        apiscope_session: u32,
    }
    let err = |message: String| InputError::Session {
        file: source.to_owned(),
        message,
    };
    // Check the version first, so a newer file is refused with that reason
    // rather than with whatever field it changed.
    if let Ok(v) = serde_json::from_slice::<Version>(bytes)
        && v.apiscope_session > VERSION
    {
        return Err(err(format!(
            "format version {} is newer than this apiscope understands ({VERSION}); upgrade apiscope",
            v.apiscope_session
        )));
    }
    let session: Session = serde_json::from_slice(bytes).map_err(|e| err(e.to_string()))?;
    Ok(session.exchanges)
}
