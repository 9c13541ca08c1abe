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
    codes(profile, status, tree, headers).0
}

/// The most specific code, and the other codes the body gives (a class
/// beside a specific code, Meta's `code` beside its `error_subcode`), in
/// the order of the profile's pointers. A number that only repeats the
/// HTTP status is the least specific code: another body code wins over it,
/// and it is not kept among the others.
pub fn codes(
    profile: &Profile,
    status: Option<u16>,
    tree: Option<&Json>,
    headers: Option<&Headers>,
) -> (Option<(String, bool)>, Vec<String>) {
    let mut found: Vec<(String, bool)> = Vec::new();
    for p in &profile.error.code {
        let candidate = candidate(p, profile, status, tree, headers);
        if let Some(c) = candidate
            && !found.iter().any(|(f, _)| *f == c.0)
        {
            let from_status = !c.1;
            found.push(c);
            // `@status` is a profile's fact: nothing after it is read.
            if from_status {
                break;
            }
        }
    }
    let mirror = |c: &(String, bool)| c.1 && status.is_some_and(|s| c.0 == s.to_string());
    let pick = match found.first() {
        Some(first) if mirror(first) => found.iter().position(|c| c.1 && !mirror(c)).unwrap_or(0),
        _ => 0,
    };
    if found.is_empty() {
        return (None, Vec::new());
    }
    let chosen = found.remove(pick);
    let others = found
        .into_iter()
        .filter(|c| c.1 && !mirror(c))
        .map(|c| c.0)
        .take(3)
        .collect();
    (Some(chosen), others)
}

fn candidate(
    p: &str,
    profile: &Profile,
    status: Option<u16>,
    tree: Option<&Json>,
    headers: Option<&Headers>,
) -> Option<(String, bool)> {
    {
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
            Some((c, _)) if c.is_empty() || profile.error.ignore_codes.contains(&c) => None,
            found => found,
        }
    }
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
