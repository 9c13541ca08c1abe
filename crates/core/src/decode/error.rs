//! Pulling the error out of a body: code, message(s), request id and field
//! errors, at the places the profile names.

use super::code::code_with_source;
use super::json::Json;
use super::profile::{FieldSpec, Profile};
use super::signature::signature_matches;
use super::{ErrorInfo, first, lookup, lookup_all};
use crate::model::Exchange;

/// Request-id headers read when the body has no request id, in order.
const REQUEST_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-github-request-id",
    "x-correlation-id",
    "correlation-id",
    "x-trace-id",
    "x-ms-request-id",
    "apigw-requestid",
    "fly-request-id",
    "cf-ray",
];

/// The HTTP status repeated in the body, for a bare body given without one.
pub fn body_status(profile: &Profile, tree: Option<&Json>) -> Option<u16> {
    first(tree, &profile.error.status)
        .and_then(Json::as_i64_lenient)
        .and_then(|s| u16::try_from(s).ok())
        .filter(|s| (100..=599).contains(s))
}

/// The error of a response, or `None` for a success.
pub fn extract(
    profile: &Profile,
    exchange: &Exchange,
    status: Option<u16>,
    tree: Option<&Json>,
) -> Option<ErrorInfo> {
    let spec = &profile.error;
    let headers = &exchange.response.headers;
    let code = code_with_source(profile, status, tree, Some(headers));
    let http_error = status.is_some_and(|s| s >= 400);
    if !http_error {
        // A 2xx/3xx (or unknown status) is an error only when the body says so.
        let success_code = code
            .as_ref()
            .is_some_and(|(c, _)| spec.success_codes.contains(c));
        let says_error = match &spec.present {
            Some(sig) => signature_matches(sig, profile, exchange, tree),
            None => code.as_ref().is_some_and(|(_, from_body)| *from_body),
        };
        if success_code || !says_error {
            return None;
        }
    }

    let mut messages: Vec<String> = Vec::new();
    if let Some(t) = tree {
        for p in &spec.messages {
            for v in lookup_all(t, p) {
                if let Some(s) = v.scalar_text().map(|s| s.trim().to_owned())
                    && !s.is_empty()
                    && !messages.contains(&s)
                {
                    messages.push(s);
                }
            }
        }
    }
    let message = first(tree, &spec.message)
        .and_then(Json::scalar_text)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .or_else(|| messages.first().cloned());
    // The main message leads the list.
    if let Some(m) = &message {
        messages.retain(|x| x != m);
        messages.insert(0, m.clone());
    }

    let request_id = first(tree, &spec.request_id)
        .and_then(Json::scalar_text)
        .filter(|s| !s.is_empty())
        .or_else(|| {
            REQUEST_ID_HEADERS
                .iter()
                .find_map(|h| headers.get(h))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        });

    Some(ErrorInfo {
        code: code.map(|(c, _)| c),
        message,
        request_id,
        fields: tree.map(|t| fields(&spec.fields, t)).unwrap_or_default(),
        messages,
    })
}

fn fields(specs: &[FieldSpec], tree: &Json) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |name: String, message: String| {
        if name.is_empty() || message.is_empty() {
            return;
        }
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, m)) if !m.contains(&message) => {
                m.push_str("; ");
                m.push_str(&message);
            }
            Some(_) => {}
            None => out.push((name, message)),
        }
    };
    for spec in specs {
        match spec {
            FieldSpec::Object { object } => {
                if let Some(members) = lookup(tree, object).and_then(Json::as_object) {
                    for (name, v) in members {
                        if let Some(m) = message_text(v) {
                            push(name.clone(), m);
                        }
                    }
                }
            }
            FieldSpec::Each {
                each,
                name,
                message,
            } => {
                let Some(Json::Array { items, .. }) = lookup(tree, each) else {
                    continue;
                };
                for item in items {
                    let n = name
                        .iter()
                        .find_map(|p| lookup(item, p))
                        .and_then(field_name);
                    let m = message
                        .iter()
                        .find_map(|p| lookup(item, p))
                        .and_then(message_text);
                    if let (Some(n), Some(m)) = (n, m) {
                        push(n, m);
                    }
                }
            }
        }
    }
    out
}

/// A message from a string, a list of strings (Rails style) or an object
/// with a `message`.
fn message_text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.trim().to_owned()),
        Json::Array { items, .. } => {
            let parts: Vec<String> = items.iter().filter_map(message_text).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Json::Object(_) => v
            .pointer("/message")
            .or_else(|| v.pointer("/detail"))
            .and_then(Json::scalar_text),
        other => other.scalar_text(),
    }
}

/// A field name from a JSON pointer (`/data/attributes/name`, `#/age`), a
/// GraphQL path (`["user", 0, "name"]`) or a plain name.
fn field_name(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => {
            let s = s.trim();
            let p = s.strip_prefix('#').unwrap_or(s);
            if p.starts_with('/') {
                p.rsplit('/').find(|seg| !seg.is_empty()).map(str::to_owned)
            } else {
                Some(s.to_owned())
            }
        }
        Json::Array { items, .. } => {
            let parts: Vec<String> = items.iter().filter_map(Json::scalar_text).collect();
            (!parts.is_empty()).then(|| parts.join("."))
        }
        other => other.scalar_text(),
    }
}
