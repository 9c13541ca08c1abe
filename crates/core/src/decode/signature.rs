//! Whether a profile's signature (`all` / `any` / `none` conditions on
//! JSON pointers, headers, known codes, allowed keys, the XML root) holds
//! for a response. Used by detection and by a profile's `present` rule.

use super::json::Json;
use super::lookup;
use super::profile::{Condition, Profile, Signature};
use crate::model::Exchange;

/// Whether one signature holds for a response.
pub fn signature_matches(
    sig: &Signature,
    profile: &Profile,
    exchange: &Exchange,
    tree: Option<&Json>,
) -> bool {
    let holds = |c: &Condition| condition_holds(c, profile, exchange, tree);
    if sig.all.is_empty() && sig.any.is_empty() {
        return false;
    }
    sig.all.iter().all(holds)
        && (sig.any.is_empty() || sig.any.iter().any(holds))
        && !sig.none.iter().any(holds)
}

fn condition_holds(
    c: &Condition,
    profile: &Profile,
    exchange: &Exchange,
    tree: Option<&Json>,
) -> bool {
    match c {
        // `false` and `""` count as absent: `{"error": false}` is no error.
        Condition::Pointer { pointer } => tree
            .and_then(|t| lookup(t, pointer))
            .is_some_and(|v| !matches!(v, Json::Bool(false)) && v.as_str() != Some("")),
        Condition::KnownCode { known_code } => {
            let found = super::code::code_of(profile, exchange.response.status, tree)
                .is_some_and(|code| profile.code(&code).is_some());
            found == *known_code
        }
        Condition::Header { header, contains } => {
            exchange
                .response
                .headers
                .get_all(header)
                .any(|v| match contains {
                    Some(needle) => v
                        .to_ascii_lowercase()
                        .contains(&needle.to_ascii_lowercase()),
                    None => true,
                })
        }
        Condition::OnlyKeys { only_keys } => tree
            .and_then(Json::as_object)
            .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, _)| only_keys.contains(k))),
        Condition::XmlRoot { xml_root } => tree
            .and_then(|t| t.pointer("/xml_root"))
            .and_then(Json::as_str)
            .is_some_and(|r| r.eq_ignore_ascii_case(xml_root)),
    }
}
