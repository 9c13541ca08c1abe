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
        // `false`, `""`, `[]` and `{}` count as absent: `{"error": false}`
        // and Kraken's `{"error": []}` are no error.
        Condition::Pointer { pointer, matches } => {
            // (A pointer that asks for an array or object by type accepts
            // an empty one: `/data#array` on an empty page.)
            let typed = pointer.ends_with("#array") || pointer.ends_with("#object");
            tree.and_then(|t| lookup(t, pointer)).is_some_and(|v| {
                !matches!(v, Json::Bool(false))
                    && v.as_str() != Some("")
                    && (typed || !matches!(v, Json::Array { items, .. } if items.is_empty()))
                    && (typed || !matches!(v, Json::Object(m) if m.is_empty()))
                    && matches
                        .as_ref()
                        .is_none_or(|re| v.scalar_text().is_some_and(|t| re.is_match(&t)))
            })
        }
        Condition::Status { status } => exchange
            .response
            .status
            .is_some_and(|s| status.contains(&s)),
        Condition::Every { every } => tree.is_some_and(|t| {
            let (path, _) = every.rsplit_once('#').unwrap_or((every, ""));
            let reached = t.pointer_all(path).len();
            reached > 0 && super::lookup_all(t, every).len() == reached
        }),
        Condition::Key { key } => tree.is_some_and(|t| t.pointer(key).is_some()),
        Condition::RequestHeader { request_header } => exchange
            .request
            .as_ref()
            .is_some_and(|r| r.headers.get(request_header).is_some()),
        Condition::KnownMessage { known_message } => {
            let said = super::code::code_of(profile, exchange.response.status, tree)
                .and_then(|code| profile.code(&code))
                .zip(super::first(tree, &profile.error.message).and_then(Json::scalar_text))
                .is_some_and(|(entry, message)| {
                    super::same_words(Some(&entry.description), Some(&message))
                });
            said == *known_message
        }
        Condition::KnownCode { known_code } => {
            let found = super::code::code_of(profile, exchange.response.status, tree)
                .is_some_and(|code| profile.code(&code).is_some());
            found == *known_code
        }
        Condition::Header {
            header,
            contains,
            matches,
        } => exchange.response.headers.get_all(header).any(|v| {
            contains.as_ref().is_none_or(|needle| {
                v.to_ascii_lowercase()
                    .contains(&needle.to_ascii_lowercase())
            }) && matches.as_ref().is_none_or(|re| re.is_match(v.trim()))
        }),
        Condition::OnlyKeys { only_keys } => tree
            .and_then(Json::as_object)
            .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, _)| only_keys.contains(k))),
        Condition::XmlRoot { xml_root } => tree
            .and_then(|t| t.pointer("/xml_root"))
            .and_then(Json::as_str)
            .is_some_and(|r| r.eq_ignore_ascii_case(xml_root)),
    }
}
