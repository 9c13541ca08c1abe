//! A bounded "skeleton" of a JSON body: enough of the tree to decode errors
//! and pagination, and nothing more.
//!
//! A collection page can be 100 MB of items nobody needs to decode. The
//! skeleton keeps the first [`KEEP_ITEMS`] elements of each array (and counts
//! the rest without building them), the first [`KEEP_KEYS`] members of each
//! object (later keys are still read, so `pagination` after a huge `data` is
//! found) and the first [`KEEP_STRING`] bytes of each string. Skipped values
//! are skimmed by a byte scanner (the `fast` module); a document the fast
//! path does not accept goes through serde_json, which names the error.

mod fast;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Array elements kept per array.
pub const KEEP_ITEMS: usize = 64;
/// Object members kept per object (values beyond are skipped, keys of
/// interest are still kept: see [`is_interesting_key`]).
pub const KEEP_KEYS: usize = 256;
/// Bytes kept per string.
pub const KEEP_STRING: usize = 16 * 1024;

/// A JSON value with arrays and strings possibly cut short.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// Any number, kept as serde_json keeps it.
    Number(serde_json::Number),
    /// A string, cut at [`KEEP_STRING`] bytes.
    String(String),
    /// An array: the kept elements and the real length.
    Array {
        /// The first elements.
        items: Vec<Json>,
        /// How many elements the array really has.
        len: usize,
    },
    /// An object's members in document order.
    Object(Vec<(String, Json)>),
}

/// Why a body could not be read as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonProblem {
    /// serde_json's message, with line and column.
    pub message: String,
    /// True when the text ended in the middle of a value (truncated body).
    pub truncated: bool,
}

impl Json {
    /// Parses a body into a skeleton.
    pub fn parse(bytes: &[u8]) -> Result<Json, JsonProblem> {
        if let Some(v) = fast::parse(bytes) {
            return Ok(v);
        }
        Self::parse_serde(bytes)
    }

    /// The serde path: validates every token, and gives serde_json's error
    /// (with line and column) for a body that is not JSON.
    #[doc(hidden)]
    pub fn parse_serde(bytes: &[u8]) -> Result<Json, JsonProblem> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = Seed.deserialize(&mut de).map_err(problem)?;
        de.end().map_err(problem)?;
        Ok(value)
    }

    /// Looks up an RFC 6901 pointer. `""` is the value itself. `*` is not
    /// special here: see [`Json::pointer_all`].
    pub fn pointer(&self, pointer: &str) -> Option<&Json> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut cur = self;
        for raw in rest.split('/') {
            let token = unescape(raw);
            cur = match cur {
                Json::Object(members) => {
                    members.iter().find(|(k, _)| *k == token).map(|(_, v)| v)?
                }
                Json::Array { items, .. } => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Every value a pointer with `*` wildcards reaches (a `*` segment stands
    /// for every element of an array, or every member of an object).
    pub fn pointer_all<'a>(&'a self, pointer: &str) -> Vec<&'a Json> {
        let mut out = Vec::new();
        let segments: Vec<String> = if pointer.is_empty() {
            Vec::new()
        } else if let Some(rest) = pointer.strip_prefix('/') {
            rest.split('/').map(unescape).collect()
        } else {
            return out;
        };
        walk(self, &segments, &mut out);
        out
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, if it is an integral number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Json::Number(n) => n
                .as_i64()
                .or_else(|| n.as_u64().and_then(|u| i64::try_from(u).ok())),
            _ => None,
        }
    }

    /// The value as an integer, also from a numeric string (`"3"`), as many
    /// APIs quote their page numbers.
    pub fn as_i64_lenient(&self) -> Option<i64> {
        match self {
            Json::String(s) => s.trim().parse().ok(),
            Json::Number(n) => self
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            _ => None,
        }
    }

    /// The value as a boolean, also from `"true"` / `"false"`.
    pub fn as_bool_lenient(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            Json::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The members, if this is an object.
    pub fn as_object(&self) -> Option<&[(String, Json)]> {
        match self {
            Json::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Whether the value has the named JSON type (`string`, `number`,
    /// `integer`, `bool`, `array`, `object`, `null`). Unknown names match
    /// nothing.
    pub fn has_type(&self, ty: &str) -> bool {
        match ty {
            "string" => matches!(self, Json::String(_)),
            "number" => matches!(self, Json::Number(_)),
            "integer" => self.as_i64().is_some(),
            "bool" | "boolean" => matches!(self, Json::Bool(_)),
            "array" => matches!(self, Json::Array { .. }),
            "object" => matches!(self, Json::Object(_)),
            "null" => matches!(self, Json::Null),
            // A machine-readable token: no spaces, not a URL.
            // (Not a capitalised HTTP reason phrase: `"error": "Unauthorized"`
            // beside a real code says nothing the status does not.)
            "token" => matches!(self, Json::String(s) if is_token(s)
                && !(s.starts_with(|c: char| c.is_ascii_uppercase())
                    && is_reason_phrase(s))),
            // A code made of words only (`not_found`, `unauthorized`), as
            // opposed to an id (`3f2a…`, `42`): for keys such as `id` that
            // hold either.
            "word" => matches!(self, Json::String(s) if is_token(s)
                && s.chars().all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'))),
            // A short label with spaces, as a few APIs send their code
            // (`"error": "No query passed"`), but not a sentence or an HTTP
            // reason phrase.
            "label" => matches!(self, Json::String(s) if is_label(s)),
            // An upper-case constant (`REQUEST_DENIED`, `INVALID_REQUEST`),
            // as a few APIs put their code in `status`; not `OK`.
            "constant" => matches!(self, Json::String(s) if is_constant(s)),
            // A code of several words joined (`version-mismatch`,
            // `not_found`), where a bare word would be a status
            // (`error`, `fail`).
            "compound" => matches!(self, Json::String(s) if is_token(s)
                && s.contains(['-', '_'])
                && s.chars().any(|c| c.is_ascii_alphabetic())
                && !s.chars().any(|c| matches!(c, ':' | '/' | '.'))),
            // Words, not a token: a sentence some APIs put where a status
            // word usually is (`"status": "not enough lines"`).
            "text" => matches!(self, Json::String(s) if s.trim().contains(' ')),
            _ => false,
        }
    }

    /// A short text form of a scalar, for codes and messages: strings as
    /// they are, numbers in decimal, booleans as words; `None` for null,
    /// arrays and objects.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            Json::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

fn walk<'a>(value: &'a Json, segments: &[String], out: &mut Vec<&'a Json>) {
    let Some((first, rest)) = segments.split_first() else {
        out.push(value);
        return;
    };
    match value {
        Json::Object(members) => {
            if first == "*" {
                for (_, v) in members {
                    walk(v, rest, out);
                }
            } else if let Some((_, v)) = members.iter().find(|(k, _)| k == first) {
                walk(v, rest, out);
            }
        }
        Json::Array { items, .. } => {
            if first == "*" {
                for v in items {
                    walk(v, rest, out);
                }
            } else if let Some(v) = first.parse::<usize>().ok().and_then(|i| items.get(i)) {
                walk(v, rest, out);
            }
        }
        _ => {}
    }
}

fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_owned()
    }
}

fn problem(e: serde_json::Error) -> JsonProblem {
    JsonProblem {
        truncated: e.classify() == serde_json::error::Category::Eof,
        message: e.to_string(),
    }
}

/// Keys that decoders look for; they are kept even in an object past
/// [`KEEP_KEYS`] members, so a wide object cannot hide its `pagination`.
fn is_interesting_key(key: &str) -> bool {
    matches!(
        key,
        "error"
            | "errors"
            | "code"
            | "message"
            | "kind"
            | "data"
            | "pagination"
            | "meta"
            | "links"
            | "status"
            | "type"
            | "title"
            | "detail"
    )
}

fn cut(s: &str) -> String {
    if s.len() <= KEEP_STRING {
        return s.to_owned();
    }
    let mut end = KEEP_STRING;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

struct Seed;

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(SkeletonVisitor)
    }
}

struct SkeletonVisitor;

impl<'de> Visitor<'de> for SkeletonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(cut(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(if v.len() <= KEEP_STRING {
            v
        } else {
            cut(&v)
        }))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        let mut len = 0usize;
        while len < KEEP_ITEMS {
            match seq.next_element_seed(Seed)? {
                Some(v) => {
                    items.push(v);
                    len += 1;
                }
                None => return Ok(Json::Array { items, len }),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            len += 1;
        }
        Ok(Json::Array { items, len })
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members: Vec<(String, Json)> = Vec::new();
        while let Some(key) = map.next_key::<KeyString>()? {
            if members.len() < KEEP_KEYS || is_interesting_key(&key.0) {
                let value = map.next_value_seed(Seed)?;
                members.push((key.0, value));
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Json::Object(members))
    }
}

/// A key, borrowed while serde_json can lend it and cut like other strings.
struct KeyString(String);

impl<'de> de::Deserialize<'de> for KeyString {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(cut(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A short machine-readable token: `invalid_grant`, `29_001`,
/// `AuthFailure.SignatureFailure`; not a sentence and not a URL.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && !s.contains("://")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '/'))
}

fn is_constant(s: &str) -> bool {
    s.len() >= 3
        && s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !matches!(
            s,
            "SUCCESS" | "SUCCEEDED" | "DONE" | "ACTIVE" | "PENDING" | "ZERO_RESULTS"
        )
}

/// HTTP reason phrases: a text that is only one says nothing new.
const REASONS: &[&str] = &[
    "bad request",
    "unauthorized",
    "forbidden",
    "not found",
    "method not allowed",
    "conflict",
    "gone",
    "unprocessable entity",
    "unprocessable content",
    "too many requests",
    "internal server error",
    "bad gateway",
    "service unavailable",
    "gateway timeout",
    "payment required",
    "not acceptable",
    "request timeout",
    "precondition failed",
    "unsupported media type",
    "not implemented",
];

/// Whether a text is only an HTTP reason phrase (`Unauthorized`,
/// `Not Found`): it says no more than the status line.
pub fn is_reason_phrase(s: &str) -> bool {
    REASONS.contains(&s.trim().trim_end_matches('.').to_ascii_lowercase().as_str())
}

fn is_label(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty()
        && t.len() <= 40
        && !t.ends_with(['.', '!', '?'])
        && !t.contains([':', ','])
        && !REASONS.contains(&t.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_and_wildcards() {
        let j = Json::parse(br#"{"errors":[{"message":"a"},{"message":"b"}],"x/y":1}"#).unwrap();
        assert_eq!(j.pointer("/errors/1/message").unwrap().as_str(), Some("b"));
        assert_eq!(j.pointer("/x~1y").unwrap().as_i64(), Some(1));
        let all: Vec<_> = j
            .pointer_all("/errors/*/message")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(all, ["a", "b"]);
    }

    #[test]
    fn long_arrays_are_counted_not_kept() {
        let body = format!(
            "{{\"data\":[{}],\"pagination\":{{\"page\":2}}}}",
            (0..1000)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        let j = Json::parse(body.as_bytes()).unwrap();
        match j.pointer("/data").unwrap() {
            Json::Array { items, len } => {
                assert_eq!(items.len(), KEEP_ITEMS);
                assert_eq!(*len, 1000);
            }
            other => panic!("not an array: {other:?}"),
        }
        assert_eq!(j.pointer("/pagination/page").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn truncation_is_reported() {
        let err = Json::parse(br#"{"error":{"code":"RATE"#).unwrap_err();
        assert!(err.truncated);
        let err = Json::parse(b"{\"a\":1}}").unwrap_err();
        assert!(!err.truncated);
    }
}
