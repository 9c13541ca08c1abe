//! The error code of a response: where a profile says it is (a body
//! pointer, the HTTP status, a header), normalised. Shared by detection
//! (`known_code` conditions) and extraction, so neither depends on the other.

use super::json::Json;
use super::lookup;
use super::profile::Profile;
use crate::model::Headers;

/// The error code as text, from the first of the profile's code pointers
/// that gives one (`@status` gives the HTTP status, `@header:Name` a
/// response header). Numeric codes come out in decimal.
pub fn code_of(profile: &Profile, status: Option<u16>, tree: Option<&Json>) -> Option<String> {
    code_with_source(profile, status, tree, None).map(|(c, _)| c)
}

/// The code and whether it came from the body (not from `@status`).
pub fn code_with_source(
    profile: &Profile,
    status: Option<u16>,
    tree: Option<&Json>,
    headers: Option<&Headers>,
) -> Option<(String, bool)> {
    for p in &profile.error.code {
        let found = if p == "@status" {
            status.map(|s| (s.to_string(), false))
        } else if let Some(name) = p.strip_prefix("@header:") {
            headers
                .and_then(|h| h.get(name))
                .map(|v| (header_code(v), true))
        } else {
            tree.and_then(|t| lookup(t, p))
                .and_then(Json::scalar_text)
                .map(|c| (normalise_code(p, c), true))
        };
        match found {
            Some((c, _)) if c.is_empty() || profile.error.ignore_codes.contains(&c) => continue,
            Some(found) => return Some(found),
            None => continue,
        }
    }
    None
}

/// AWS JSON `__type` is `namespace#Code`; keep the code.
fn normalise_code(pointer: &str, code: String) -> String {
    if pointer.starts_with("/__type")
        && let Some((_, short)) = code.rsplit_once('#')
        && !short.is_empty()
    {
        return short.to_owned();
    }
    code
}

/// `x-amzn-ErrorType: ValidationException:http://…` → `ValidationException`.
fn header_code(v: &str) -> String {
    v.split(':').next().unwrap_or(v).trim().to_owned()
}
