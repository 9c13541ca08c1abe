//! Pulling the error out of a body: code, message(s), request id and field
//! errors, at the places the profile names.

use super::code::codes;
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
    "x-transaction-id",
    "bkndtransid",
    "pspreference",
    "apigw-requestid",
    "fly-request-id",
];

/// A CDN's or a tracer's id: used when no header names the API's own.
const TRACE_HEADERS: &[&str] = &[
    "x-amz-cf-id",
    "x-cloud-trace-context",
    "x-b3-traceid",
    "traceparent",
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
    // A body wrapped in one member (`{"subsonic-response": {"error": …}}`)
    // is read inside its wrapper when the outside says nothing.
    let tree = match tree.and_then(wrapped) {
        Some(inner)
            if first(tree, &spec.code).is_none() && first(tree, &spec.message).is_none() =>
        {
            Some(inner)
        }
        _ => tree,
    };
    let (code, other_codes) = codes(profile, status, tree, Some(headers));
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
    let mut message = main_message(tree, &spec.message).or_else(|| messages.first().cloned());
    // A message that only repeats the code (Scrapfly's `"message":
    // "ERR::…"`) gives way to the description a header carries
    // (`X-Scrapfly-Reject-Description`, `X-Error-Message`).
    let code_text = code.as_ref().map(|(c, _)| c.as_str());
    if message.is_none() || message.as_deref() == code_text {
        let described = headers.0.iter().find_map(|(n, v)| {
            let n = n.to_ascii_lowercase();
            (n.ends_with("-reject-description")
                || n.ends_with("-error-description")
                || n == "x-error-message"
                || n == "x-error-description")
                .then(|| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        });
        if let Some(d) = described {
            message = Some(d);
        }
    }
    // The main message leads the list.
    if let Some(m) = &message {
        messages.retain(|x| x != m);
        messages.insert(0, m.clone());
    }

    // The body's id (where the profile says), else a request-id header;
    // when both are there and differ, the other is kept to be shown.
    let body_id = first(tree, &spec.request_id)
        .or_else(|| tree.and_then(body_request_id))
        .and_then(Json::scalar_text)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let header_id = request_id_header(headers);
    let (request_id, other_request_ids) = match (body_id, header_id) {
        (Some(b), Some((name, h))) if b != h => (Some(b), vec![format!("{name}: {h}")]),
        (Some(b), _) => (Some(b), Vec::new()),
        (None, Some((_, h))) => (Some(h), Vec::new()),
        (None, None) => (None, Vec::new()),
    };

    Some(ErrorInfo {
        code: code.map(|(c, _)| c),
        message,
        request_id,
        fields: tree
            .map(|t| {
                let named = fields(&spec.fields, t);
                if !named.is_empty() {
                    named
                } else {
                    let common = common_fields(t);
                    if common.is_empty() && matches!(status, Some(400 | 422)) {
                        top_level_fields(t)
                    } else {
                        common
                    }
                }
            })
            .unwrap_or_default(),
        messages,
        other_codes,
        other_request_ids,
    })
}

/// The inside of a body that is one member holding an object
/// (`{"subsonic-response": {…}}`), unless that member is itself a place
/// errors or data are read from.
fn wrapped(tree: &Json) -> Option<&Json> {
    match tree.as_object()? {
        [(key, inner @ Json::Object(_))]
            if !matches!(
                key.as_str(),
                "error"
                    | "errors"
                    | "Error"
                    | "Errors"
                    | "data"
                    | "Fault"
                    | "Response"
                    | "html"
                    | "plain"
            ) =>
        {
            Some(inner)
        }
        _ => None,
    }
}

/// The main message: the first of the places that has one, except that an
/// HTTP reason phrase (`"message": "Unauthorized"`) gives way to a more
/// telling text further on (`"description": "Invalid access token"`).
fn main_message(tree: Option<&Json>, pointers: &[String]) -> Option<String> {
    let tree = tree?;
    let mut reason: Option<String> = None;
    for p in pointers {
        let Some(text) = lookup(tree, p)
            .and_then(Json::scalar_text)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        if super::json::is_reason_phrase(&text) {
            reason.get_or_insert(text);
            continue;
        }
        return Some(text);
    }
    reason
}

/// Keys that hold a request id in a body, at the top or inside `error`,
/// after the places a profile names.
const BODY_ID_KEYS: &[&str] = &[
    "requestId",
    "request_id",
    "requestID",
    "RequestId",
    "correlationId",
    "correlation_id",
    "traceId",
    "trace_id",
    "tracingId",
    "debug_id",
    "debugId",
    "errorId",
    "error_id",
    "refId",
    "ref_id",
    "api_id",
    "incidentId",
    "supportId",
    "fbtrace_id",
    "log_id",
    "logId",
    "request-id",
];

fn body_request_id(tree: &Json) -> Option<&Json> {
    // (Azure puts its ids in `error.innererror`.)
    [
        tree.pointer("/error"),
        Some(tree),
        tree.pointer("/error/innererror"),
    ]
    .into_iter()
    .flatten()
    .filter(|t| matches!(t, Json::Object(_)))
    .find_map(|t| {
        BODY_ID_KEYS.iter().find_map(|k| {
            t.pointer(&format!("/{k}"))
                .filter(|v| v.has_type("string") || v.has_type("integer"))
        })
    })
}

/// Django REST framework's answer to a bad request: the body itself maps
/// fields to lists of messages (`{"email": ["This field is required."]}`),
/// beside other members (`code`, `message`). Read for a 400 or 422 only.
fn top_level_fields(tree: &Json) -> Vec<(String, String)> {
    const NOT_FIELDS: &[&str] = &[
        "errors",
        "messages",
        "message",
        "error_messages",
        "errorMessages",
        "non_field_errors",
        "detail",
        "details",
        "error",
    ];
    let mut out = Vec::new();
    for (k, v) in tree.as_object().unwrap_or_default() {
        if NOT_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if let Json::Array { items, .. } = v
            && !items.is_empty()
            && items.iter().all(|i| matches!(i, Json::String(_)))
            && let Some(m) = list_message(v)
        {
            push_field(&mut out, k.clone(), m);
        }
    }
    out
}

/// The request id a header gives: the names in [`REQUEST_ID_HEADERS`]
/// first, then any name that says it is one (`X-Line-Request-Id`,
/// `X-AREQUESTID`, `Klarna-Correlation-Id`, `X-Fb-Trace-Id`).
fn request_id_header(headers: &crate::model::Headers) -> Option<(String, String)> {
    let usable = |v: &str| {
        let v = v.trim();
        (!v.is_empty()).then(|| v.to_owned())
    };
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| {
            headers
                .get(h)
                .and_then(usable)
                .map(|v| ((*h).to_owned(), v))
        })
        .or_else(|| {
            headers.0.iter().find_map(|(name, v)| {
                let n = name.to_ascii_lowercase();
                let says = [
                    "request-id",
                    "requestid",
                    "correlation-id",
                    "trace-id",
                    "debug-id",
                    "_tid",
                ]
                .iter()
                .any(|s| n.ends_with(s))
                    && !n.contains("accepted")
                    && !TRACE_HEADERS.contains(&n.as_str());
                says.then(|| usable(v).map(|v| (n, v))).flatten()
            })
        })
        .or_else(|| {
            TRACE_HEADERS.iter().find_map(|h| {
                headers
                    .get(h)
                    .and_then(usable)
                    .map(|v| ((*h).to_owned(), v))
            })
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

/// Keys that name the field an item is about, in order.
const NAME_KEYS: &[&str] = &[
    "field",
    "param",
    "parameter",
    "field_name",
    "fieldName",
    "invalidField",
    "propertyName",
    "argument_name",
    "property",
    "propertyPath",
    "attribute",
    "name",
    "path",
    "pointer",
    "loc",
    "in",
];
/// Keys that hold an item's message, in order (`code` last: GitHub's
/// `{"field":"title","code":"missing_field"}` has nothing else).
const ITEM_MESSAGE_KEYS: &[&str] = &[
    "message",
    "detail",
    "description",
    "error_message",
    "errorMessage",
    "help_message",
    "reason",
    "localisedMessage",
    "msg",
    "messages",
    "defaultMessage",
    "ErrorMessage",
    "title",
    "error",
    "code",
];
/// Lists of per-field items.
const ITEM_LISTS: &[&str] = &[
    "/errors",
    "/invalidFields",
    "/invalid-params",
    "/invalid_params",
    "/invalidParams",
    "/invalid_parameters",
    "/invalidParameters",
    "/validation_errors",
    "/validationErrors",
    "/violations",
    "/fieldErrors",
    "/field_errors",
    "/fields",
    "/error/errors",
    "/error/fields",
    "/error/invalid_params",
    "/error/invalid-params",
    "/error/violations",
    "/error/validation_errors",
    "/error/details",
    "/error/details/fields",
    "/details",
    "/detail",
    "/_embedded/errors",
    "/response/errors",
    "/Messages/0/Errors",
    "/ErrorInfo/Properties",
];
/// Objects mapping field names to messages (Rails, Laravel, Discord,
/// Marshmallow, GitLab's `message`, FusionAuth's `fieldErrors`).
const FIELD_MAPS: &[&str] = &[
    "/errors",
    "/details",
    "/error/errors",
    "/error/fields",
    "/description",
    "/fields",
    "/fieldErrors",
    "/field_errors",
    "/validation_errors",
    "/error/validation_errors",
    "/error/field_errors",
    "/error/fieldErrors",
    "/violations",
    "/invalid_params",
    "/invalid-params",
    "/message",
];

/// Field errors in the shapes public APIs commonly use, when the profile's
/// own places name none: lists of `{field, message}` items, objects mapping
/// fields to messages (nested, with `_errors`), a top-level array of errors,
/// and a single error naming its `param`.
fn common_fields(tree: &Json) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let item_message = |item: &Json| {
        ITEM_MESSAGE_KEYS
            .iter()
            .find_map(|k| item.pointer(&format!("/{k}")).and_then(list_message))
            .map(|m| m.trim().to_owned())
    };
    let mut lists: Vec<&Json> = ITEM_LISTS.iter().filter_map(|p| tree.pointer(p)).collect();
    if matches!(tree, Json::Array { .. }) {
        lists.push(tree);
    }
    // Google's `details[].fieldViolations[]`: a list inside an item.
    let nested: Vec<&Json> = lists
        .iter()
        .filter_map(|l| match l {
            Json::Array { items, .. } => Some(items),
            _ => None,
        })
        .flatten()
        .filter_map(|i| {
            i.pointer("/fieldViolations")
                .or_else(|| i.pointer("/violations"))
        })
        .collect();
    lists.extend(nested);
    for list in lists {
        let Json::Array { items, .. } = list else {
            continue;
        };
        for item in items {
            // `{"email": "is invalid"}`: an item that is one field and its
            // message.
            if let Some([(name, Json::String(m))]) = item.as_object()
                && !NAME_KEYS.contains(&name.as_str())
                && !ITEM_MESSAGE_KEYS.contains(&name.as_str())
            {
                push_field(&mut out, name.clone(), m.trim().to_owned());
                continue;
            }
            let Some(message) = item_message(item) else {
                continue;
            };
            if let Some(Json::Array { items: names, .. }) = item
                .pointer("/fields")
                .or_else(|| item.pointer("/ErrorRelatedTo"))
            {
                for n in names.iter().filter_map(Json::as_str) {
                    push_field(&mut out, n.to_owned(), message.clone());
                }
                continue;
            }
            let name = NAME_KEYS
                .iter()
                .find_map(|k| item.pointer(&format!("/{k}")))
                .or_else(|| item.pointer("/source/pointer"))
                .and_then(field_name);
            if let Some(n) = name {
                push_field(&mut out, n, message);
            }
        }
    }
    if out.is_empty() {
        for p in FIELD_MAPS {
            if let Some(map @ Json::Object(_)) = tree.pointer(p) {
                // GitLab's `{"message": {"error": "…"}}` is a message.
                if *p == "/message"
                    && (map.pointer("/error").is_some() || map.pointer("/message").is_some())
                {
                    continue;
                }
                field_map(map, "", 0, &mut out);
            }
        }
    }
    // JSend: `{"status": "fail", "data": {"email": "A valid email is required"}}`.
    if out.is_empty()
        && tree.pointer("/status").and_then(Json::as_str) == Some("fail")
        && let Some(map @ Json::Object(members)) = tree.pointer("/data")
        && !members.is_empty()
        && members
            .iter()
            .all(|(_, v)| matches!(v, Json::String(_) | Json::Array { .. }))
    {
        field_map(map, "", 0, &mut out);
    }
    if out.is_empty()
        && let Some(map @ Json::Object(members)) = tree.pointer("/data")
        && !members.is_empty()
        && members
            .iter()
            .all(|(_, v)| v.pointer("/message").is_some_and(|m| m.has_type("string")))
    {
        // PocketBase's `data: {"title": {"code", "message"}}`: a `data`
        // member is a field map only when every member is an error.
        field_map(map, "", 0, &mut out);
    }
    if out.is_empty() {
        // One error naming its parameter (Stripe-style `error.param`,
        // Mollie's `field` beside `detail`).
        for e in [tree.pointer("/error"), Some(tree)].into_iter().flatten() {
            if let Some(n) = ["/param", "/field", "/error_path", "/var_name"]
                .iter()
                .find_map(|p| e.pointer(p))
                .and_then(Json::as_str)
                && let Some(m) = ["/message", "/detail", "/error_msg", "/msg", "/description"]
                    .iter()
                    .find_map(|p| e.pointer(p))
                    .and_then(Json::as_str)
            {
                push_field(&mut out, n.to_owned(), m.trim().to_owned());
                break;
            }
        }
    }
    out
}

/// Adds a field's message, joining several messages for one field.
fn push_field(out: &mut Vec<(String, String)>, name: String, message: String) {
    if name.is_empty() || message.is_empty() {
        return;
    }
    match out.iter_mut().find(|(n, _)| *n == name) {
        Some((_, m)) if !m.split("; ").any(|x| x == message) => {
            m.push_str("; ");
            m.push_str(&message);
        }
        Some(_) => {}
        None => out.push((name, message)),
    }
}

/// Locations Marshmallow/webargs put before the field names.
const LOCATIONS: &[&str] = &[
    "json",
    "query",
    "form",
    "body",
    "path",
    "headers",
    "querystring",
];

/// Walks `{"name": ["msg"]}`, `{"a": {"0": {"b": {"_errors": [...]}}}}`.
fn field_map(v: &Json, path: &str, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > 8 {
        return;
    }
    let Json::Object(members) = v else {
        return;
    };
    for (k, child) in members {
        let at_parent = matches!(k.as_str(), "_errors" | "_schema" | "__all__");
        let name = if at_parent {
            path.to_owned()
        } else if path.is_empty()
            && depth == 0
            && LOCATIONS.contains(&k.as_str())
            && matches!(child, Json::Object(_))
        {
            field_map(child, "", depth + 1, out);
            continue;
        } else if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        match child {
            Json::Object(_) if !at_parent => {
                if let Some(m) = ["/message", "/msg"]
                    .iter()
                    .find_map(|p| child.pointer(p))
                    .and_then(Json::as_str)
                {
                    push_field(out, name, m.trim().to_owned());
                } else {
                    field_map(child, &name, depth + 1, out);
                }
            }
            other => {
                if let Some(m) = list_message(other) {
                    push_field(out, name, m);
                }
            }
        }
    }
}

/// A message from a string, a list of strings, or a list of
/// `{message|description}` objects.
fn list_message(v: &Json) -> Option<String> {
    match v {
        Json::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Json::Array { items, .. } => {
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Json::Object(_) => ["/message", "/description", "/detail"]
                        .iter()
                        .find_map(|p| i.pointer(p))
                        .and_then(Json::as_str)
                        .map(|s| s.trim().to_owned()),
                    other => other.as_str().map(|s| s.trim().to_owned()),
                })
                .collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        _ => None,
    }
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
            // A JSON:API pointer (`/data/attributes/first-name`), a schema
            // path (`#/age`) or a one-step pointer (`/email`) names the
            // field it ends in; a longer path (PayPal's
            // `/purchase_units/@reference_id=='default'/amount/value`) is
            // kept whole: its last step alone would not say which.
            let s = s.trim();
            let p = s.strip_prefix('#').unwrap_or(s);
            let Some(rest) = p.strip_prefix('/') else {
                return Some(s.to_owned());
            };
            let short = s.starts_with('#')
                || !rest.contains('/')
                || rest.starts_with("data/attributes/")
                || rest.starts_with("data/relationships/");
            if short {
                p.rsplit('/').find(|seg| !seg.is_empty()).map(str::to_owned)
            } else {
                Some(s.to_owned())
            }
        }
        Json::Array { items, .. } => {
            let mut parts: Vec<String> = items.iter().filter_map(Json::scalar_text).collect();
            // FastAPI's `loc: ["body", "name"]`: where, then the field.
            if parts.len() > 1 && LOCATIONS.contains(&parts[0].as_str()) {
                parts.remove(0);
            }
            (!parts.is_empty()).then(|| parts.join("."))
        }
        other => other.scalar_text(),
    }
}
