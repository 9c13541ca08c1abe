//! Reading a response body into something the decoders can query.
//!
//! Bodies are evidence, so nothing is refused here: a BOM is stripped and
//! noted, invalid UTF-8 is noted and read lossily, truncated JSON is closed
//! and noted, HTML and XML error pages are reduced to the few elements that
//! carry a message (`<title>`, `<Code>`, `<Message>`, `<RequestId>`).

use super::json::Json;
use crate::model::Headers;

/// What the body turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyKind {
    /// No bytes at all.
    Empty,
    /// JSON (possibly repaired; see the notes).
    Json,
    /// An XML document.
    Xml,
    /// An HTML page.
    Html,
    /// Anything else.
    Other,
}

/// A body prepared for decoding.
#[derive(Debug, Clone)]
pub struct BodyView {
    /// What kind of body it is.
    pub kind: BodyKind,
    /// The queryable tree: the JSON skeleton, or a small tree made from an
    /// XML or HTML error page.
    pub tree: Option<Json>,
    /// What a reader should know about the body.
    pub notes: Vec<String>,
}

/// Prepares a body for decoding.
pub fn read(headers: &Headers, body: &[u8]) -> BodyView {
    let mut notes = Vec::new();
    let content_type = headers
        .get("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut bytes = body;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        notes.push("The body starts with a UTF-8 byte order mark (BOM); it was skipped".into());
        bytes = rest;
    }
    let trimmed = trim_ascii_start(bytes);
    if trimmed.is_empty() {
        return BodyView {
            kind: BodyKind::Empty,
            tree: None,
            notes,
        };
    }
    let utf8_error = std::str::from_utf8(bytes).err();
    if let Some(e) = &utf8_error {
        notes.push(format!(
            "The body is not valid UTF-8 (first bad byte at offset {}); it was read with replacement characters",
            e.valid_up_to()
        ));
    }
    let claims_json = content_type.contains("json");
    let first = trimmed[0];
    if first == b'{' || first == b'[' || (claims_json && !matches!(first, b'<')) {
        let lossy;
        let input: &[u8] = if utf8_error.is_some() {
            lossy = String::from_utf8_lossy(bytes).into_owned().into_bytes();
            &lossy
        } else {
            bytes
        };
        match Json::parse(input) {
            Ok(tree) => {
                if !claims_json && !content_type.is_empty() {
                    notes.push(format!(
                        "The body is JSON but Content-Type says {}",
                        content_type.trim()
                    ));
                }
                return BodyView {
                    kind: BodyKind::Json,
                    tree: Some(tree),
                    notes,
                };
            }
            Err(problem) => {
                if problem.truncated {
                    let repaired = close_truncated(input).and_then(|t| Json::parse(&t).ok());
                    notes.push(format!(
                        "The body is truncated JSON ({}); {}",
                        problem.message,
                        if repaired.is_some() {
                            "what was there was decoded"
                        } else {
                            "it could not be decoded"
                        }
                    ));
                    return BodyView {
                        kind: BodyKind::Json,
                        tree: repaired,
                        notes,
                    };
                }
                notes.push(format!("The body is not valid JSON: {}", problem.message));
                return BodyView {
                    kind: BodyKind::Other,
                    tree: None,
                    notes,
                };
            }
        }
    }
    let text = String::from_utf8_lossy(trimmed);
    let head: String = text
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    // A page, or a fragment of one (`<h1>Not Found</h1><p>…`).
    let fragment = [
        "<h1>", "<h2>", "<p>", "<body", "<head", "<title>", "<center>", "<pre>",
    ]
    .iter()
    .any(|t| head.starts_with(t));
    if head.starts_with("<!doctype html") || head.contains("<html") || fragment {
        if claims_json {
            notes.push(
                "The body is an HTML page although Content-Type says JSON: a proxy, gateway or load balancer probably answered instead of the API"
                    .into(),
            );
        }
        let mut page = Vec::new();
        if let Some(t) = element_text(&text, "title") {
            page.push(("title".to_owned(), Json::String(collapse_ws(&t))));
        }
        // The first paragraph often says more than the title (which is
        // usually the reason phrase).
        if let Some(p) = flat_text(&text, "p").filter(|p| p.len() <= 500) {
            page.push(("p".to_owned(), Json::String(p)));
        }
        let tree =
            (!page.is_empty()).then(|| Json::Object(vec![("html".into(), Json::Object(page))]));
        return BodyView {
            kind: BodyKind::Html,
            tree,
            notes,
        };
    }
    if first == b'<' {
        return BodyView {
            kind: BodyKind::Xml,
            tree: xml_error_tree(&text),
            notes,
        };
    }
    if claims_json {
        notes.push("Content-Type says JSON but the body is not JSON".into());
    }
    BodyView {
        kind: BodyKind::Other,
        tree: form_tree(&text).or_else(|| plain_text_tree(&text)),
        notes,
    }
}

/// A form-encoded answer (`error=invalid_grant&error_description=…`, as
/// older OAuth token endpoints send) as an object of its fields: read like
/// JSON, so its `error` is the code and no credential beside it becomes a
/// message.
fn form_tree(text: &str) -> Option<Json> {
    let t = text.trim();
    let pair = |p: &str| {
        p.split_once('=').is_some_and(|(k, v)| {
            !k.is_empty()
                && k.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'[' | b']')
                })
                && !v.contains(char::is_whitespace)
        })
    };
    if t.is_empty() || t.len() > 64 * 1024 || !t.split('&').all(pair) {
        return None;
    }
    let members = url::form_urlencoded::parse(t.as_bytes())
        .take(1000)
        .map(|(k, v)| (k.into_owned(), Json::String(v.into_owned())))
        .collect();
    Some(Json::Object(members))
}

/// A short plain-text answer (`Retry later`, `limit exceeded`, a proxy's
/// `upstream connect error`) as `{"plain": {"text": …}}`: it is the
/// message. Long or binary-looking bodies are not.
fn plain_text_tree(text: &str) -> Option<Json> {
    let t = text.trim();
    let printable = t
        .chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
    if t.is_empty()
        || t.len() > 300
        || t.lines().count() > 5
        || !printable
        || t.contains('\u{fffd}')
    {
        return None;
    }
    Some(Json::Object(vec![(
        "plain".into(),
        Json::Object(vec![("text".into(), Json::String(collapse_ws(t)))]),
    )]))
}

fn trim_ascii_start(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Closes every string, array and object left open by a truncated body, and
/// drops a dangling `,` / `:` / partial literal, so the part that arrived can
/// be decoded. Returns `None` when the text cannot be closed sensibly.
pub fn close_truncated(input: &[u8]) -> Option<Vec<u8>> {
    let mut stack: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    // Position after the last complete value or container opening, where
    // the text can be cut safely.
    let mut safe_cut = 0usize;
    let mut safe_stack_len = 0usize;
    for (i, &c) in input.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => {
                stack.push(if c == b'{' { b'}' } else { b']' });
                safe_cut = i + 1;
                safe_stack_len = stack.len();
            }
            b'}' | b']' => {
                stack.pop()?;
                safe_cut = i + 1;
                safe_stack_len = stack.len();
            }
            b',' => {
                safe_cut = i;
                safe_stack_len = stack.len();
            }
            _ => {}
        }
    }
    if stack.is_empty() {
        return None;
    }
    // Try the longest candidate first: close the open string where it is,
    // then fall back to the last safe cut.
    let mut candidates = Vec::new();
    if in_string && !escaped {
        let mut t = input.to_vec();
        t.push(b'"');
        t.extend(stack.iter().rev());
        candidates.push(t);
    }
    let mut t = input[..safe_cut].to_vec();
    while matches!(t.last(), Some(b' ' | b'\n' | b'\r' | b'\t' | b',')) {
        t.pop();
    }
    t.extend(stack[..safe_stack_len].iter().rev());
    candidates.push(t);
    candidates
        .into_iter()
        .find(|c| serde_json::from_slice::<serde::de::IgnoredAny>(c).is_ok())
}

/// The text inside the first `<name>…</name>` element (case-insensitive),
/// with entities decoded.
fn element_text(text: &str, name: &str) -> Option<String> {
    element_raw(text, name).map(|(inner, _)| decode_entities(inner.trim()))
}

/// The inner text of the first element `name` (case-insensitive, with or
/// without a namespace prefix: `<faultcode>`, `<soap:Fault>`), and whether it
/// holds no child elements.
fn element_raw<'t>(text: &'t str, name: &str) -> Option<(&'t str, bool)> {
    let lower = text.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&name) {
        let start = from + pos;
        let after = start + name.len();
        from = after;
        // `<name` or `<prefix:name`, followed by `>`, `/` or a space.
        let tag_start = match start.checked_sub(1).map(|i| bytes[i]) {
            Some(b'<') => start - 1,
            Some(b':') => {
                let prefix_start = lower[..start - 1].rfind(|c: char| {
                    !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                })?;
                if bytes[prefix_start] != b'<' {
                    continue;
                }
                prefix_start
            }
            _ => continue,
        };
        if !matches!(bytes.get(after), Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')) {
            continue;
        }
        let qualified = &lower[tag_start + 1..after];
        let content_start = after + lower[after..].find('>')? + 1;
        if lower[..content_start].ends_with("/>") {
            continue;
        }
        let close = format!("</{qualified}>");
        let content_end = content_start + lower[content_start..].find(&close)?;
        let inner = &text[content_start..content_end];
        return Some((inner, !inner.contains('<')));
    }
    None
}

/// The value of attribute `attr` on the first element `name`
/// (case-insensitive): `<Error code="120">` → `120`.
fn attribute(text: &str, name: &str, attr: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let open = format!("<{}", name.to_ascii_lowercase());
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&open) {
        let start = from + pos + open.len();
        from = start;
        if !matches!(
            lower.as_bytes().get(start),
            Some(b' ' | b'\t' | b'\n' | b'\r')
        ) {
            continue;
        }
        let end = start + lower[start..].find('>')?;
        let tag = &lower[start..end];
        let key = format!("{}=", attr.to_ascii_lowercase());
        let at = tag.find(&key)? + key.len();
        let quote = tag[at..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''))?;
        let value_start = start + at + 1;
        let value_end = value_start + lower[value_start..end].find(quote)?;
        let v = decode_entities(text[value_start..value_end].trim());
        return (!v.is_empty()).then_some(v);
    }
    None
}

/// Every `<error field="NAME" …>message</error>` element, as field errors.
fn field_errors(text: &str) -> Vec<(String, Json)> {
    let lower = text.to_ascii_lowercase();
    let mut out: Vec<(String, Json)> = Vec::new();
    let mut from = 0;
    while let Some(pos) = lower[from..].find("<error ") {
        let start = from + pos;
        let Some(end) = lower[start..].find('>').map(|e| start + e) else {
            break;
        };
        from = end;
        let Some(field) = attribute(&text[start..=end], "error", "field") else {
            continue;
        };
        let Some(close) = lower[end..].find("</error>").map(|c| end + c) else {
            break;
        };
        let inner = &text[end + 1..close];
        if inner.contains('<') {
            continue;
        }
        let message = decode_entities(inner.trim());
        if !message.is_empty() && out.len() < 200 {
            out.push((field, Json::String(message)));
        }
        from = close;
    }
    out
}

/// The text of the first element `name` that holds text only.
fn leaf_text(text: &str, name: &str) -> Option<String> {
    let (inner, leaf) = element_raw(text, name)?;
    let t = decode_entities(inner.trim());
    (leaf && !t.is_empty()).then_some(t)
}

/// An element's text with the tags inside it dropped and spaces collapsed.
fn flat_text(text: &str, name: &str) -> Option<String> {
    let (inner, _) = element_raw(text, name)?;
    let mut out = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let t = collapse_ws(&decode_entities(&out));
    (!t.is_empty()).then_some(t)
}

/// `SOAP-ENV:ContactNotFound` → `ContactNotFound`.
fn drop_prefix(code: String) -> String {
    match code.rsplit_once(':') {
        Some((_, local)) if !local.is_empty() => local.to_owned(),
        _ => code,
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// A tree `{"Error":{"Code","Message","RequestId"}}` from an XML error
/// document (AWS S3, the AWS query APIs and many SOAP-era services use these
/// element names), with `{"xml_root": name}` for detection.
fn xml_error_tree(text: &str) -> Option<Json> {
    let mut body = text.trim_start();
    if body.starts_with("<?xml") {
        body = &body[body.find("?>")? + 2..];
        body = body.trim_start();
    }
    let root: String = body
        .strip_prefix('<')?
        .chars()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
        .collect();
    if root.is_empty() {
        return None;
    }
    // AWS / Azure `<Error><Code>`; SOAP 1.1 `<faultcode>` (a vendor code in
    // `<detail><code>` wins over the generic `soap:Server`); SOAP 1.2
    // `<Subcode><Value>` over `<Code><Value>`.
    // Intuit `<Error code="120">`; Google Maps `<status>INVALID_REQUEST`;
    // Recurly `<error_code>`, `<symbol>`, `<error symbol="…">`.
    let code = leaf_text(text, "error_code")
        .or_else(|| leaf_text(text, "Code"))
        .or_else(|| element_raw(text, "Subcode").and_then(|(s, _)| leaf_text(s, "Value")))
        .or_else(|| leaf_text(text, "faultcode"))
        .or_else(|| element_raw(text, "Code").and_then(|(s, _)| leaf_text(s, "Value")))
        .or_else(|| attribute(text, "Error", "code"))
        .or_else(|| leaf_text(text, "symbol"))
        .or_else(|| attribute(text, "error", "symbol"))
        .or_else(|| {
            leaf_text(text, "status").filter(|s| Json::String(s.clone()).has_type("constant"))
        })
        .map(drop_prefix);
    // A `<Detail>` that is text says more than the `<Message>` beside it
    // (Intuit: "Authorization Failure" / what exactly failed).
    // (Recurly: `<details>` beside `<description>`, and the message for the
    // merchant beside the one for the customer.)
    let message = leaf_text(text, "Detail")
        .or_else(|| leaf_text(text, "details"))
        .or_else(|| leaf_text(text, "merchant_message"))
        .or_else(|| leaf_text(text, "Message"))
        .or_else(|| leaf_text(text, "error_message"))
        .or_else(|| leaf_text(text, "description"))
        .or_else(|| leaf_text(text, "faultstring"))
        .or_else(|| element_raw(text, "Reason").and_then(|(s, _)| leaf_text(s, "Text")));
    let request_id = ["RequestId", "RequestID"]
        .iter()
        .find_map(|n| leaf_text(text, n));
    let mut error = Vec::new();
    for (key, value) in [
        ("Code", code),
        ("Message", message),
        ("RequestId", request_id),
    ] {
        if let Some(v) = value {
            error.push((key.to_owned(), Json::String(v)));
        }
    }
    // Azure Storage names the query parameter or header at fault.
    if let Some(name) =
        leaf_text(text, "QueryParameterName").or_else(|| leaf_text(text, "HeaderName"))
        && let Some(reason) =
            leaf_text(text, "Reason").or_else(|| leaf_text(text, "ExceptionMessage"))
    {
        error.push((
            "fields".to_owned(),
            Json::Object(vec![(name, Json::String(reason))]),
        ));
    }
    // Recurly: `<error field="account.email" …>is not a valid email</error>`.
    let named = field_errors(text);
    if !named.is_empty() {
        error.push(("fields".to_owned(), Json::Object(named)));
    }
    let mut members = vec![("xml_root".to_owned(), Json::String(root))];
    if !error.is_empty() {
        members.push(("Error".to_owned(), Json::Object(error)));
    }
    Some(Json::Object(members))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(ct: &str) -> Headers {
        let mut h = Headers::new();
        h.push("Content-Type", ct);
        h
    }

    #[test]
    fn truncated_json_keeps_what_arrived() {
        let v = read(
            &h("application/json"),
            br#"{"error":{"code":"RATE_LIMITED","message":"Too many req"#,
        );
        let tree = v.tree.unwrap();
        assert_eq!(
            tree.pointer("/error/code").unwrap().as_str(),
            Some("RATE_LIMITED")
        );
        assert!(v.notes[0].contains("truncated"));
    }

    #[test]
    fn html_gateway_page_gives_its_title() {
        let v = read(
            &h("application/json"),
            b"<html><head><title>502 Bad Gateway</title></head></html>",
        );
        assert_eq!(v.kind, BodyKind::Html);
        assert_eq!(
            v.tree.unwrap().pointer("/html/title").unwrap().as_str(),
            Some("502 Bad Gateway")
        );
        assert!(v.notes[0].contains("HTML"));
    }

    #[test]
    fn aws_xml_error() {
        let v = read(
            &h("application/xml"),
            b"<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key &amp; more</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>",
        );
        let t = v.tree.unwrap();
        assert_eq!(
            t.pointer("/Error/Code").unwrap().as_str(),
            Some("NoSuchKey")
        );
        assert_eq!(
            t.pointer("/Error/Message").unwrap().as_str(),
            Some("The key & more")
        );
    }

    #[test]
    fn bom_and_bad_utf8_are_noted_not_fatal() {
        let v = read(
            &h("application/json"),
            b"\xEF\xBB\xBF{\"errors\":[\"caf\xE9\"]}",
        );
        assert_eq!(v.kind, BodyKind::Json);
        assert_eq!(v.notes.len(), 2);
    }
}
