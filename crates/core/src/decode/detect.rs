//! Which profile decodes a response: by host when a profile claims the
//! request's host, else by the first profile (in priority order) whose
//! signature matches the body and headers, else `generic`.

use super::json::Json;
use super::profile::{Profile, Profiles};
use super::signature::signature_matches;
use crate::model::Exchange;

/// Picks the profile for an exchange.
pub fn detect<'p>(exchange: &Exchange, tree: Option<&Json>, profiles: &'p Profiles) -> &'p Profile {
    if let Some(host) = exchange
        .url()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        && let Some(p) = profiles.iter().find(|p| p.matches_host(&host))
    {
        return p;
    }
    // The media type says what the body is: RFC 9457 problem details, even
    // when its extension members look like another format.
    if exchange
        .response
        .headers
        .get("content-type")
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|mt| mt.trim().eq_ignore_ascii_case("application/problem+json"))
        && let Some(p) = profiles.get("problem")
    {
        return p;
    }
    profiles
        .iter()
        .filter(|p| p.id != super::profile::GENERIC)
        .find(|p| {
            p.detect
                .iter()
                .any(|s| signature_matches(s, p, exchange, tree))
        })
        .unwrap_or_else(|| profiles.generic())
}
