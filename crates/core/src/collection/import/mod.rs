//! Imports into a collection (`.http` + JetBrains env files): recorded
//! requests (a HAR, a curl command file, an apiscope session) here, and one
//! module per foreign format: [`postman`] (v2.1 and v2.0, with environment
//! exports), [`insomnia`], [`bruno`] and [`openapi`].
//!
//! Credentials never stay in the `.http` file: every value the credential
//! rule calls a secret (headers, query parameters, JSON and form fields at
//! any depth, cookies) becomes a `{{variable}}` whose value goes to the
//! private env file. A customer's HAR becomes a repro collection without
//! their token in it.

use super::{Body, Header, HttpRequest, render};
use crate::model::Request;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

mod bruno;
pub mod harden;
mod insomnia;
pub mod openapi;
mod postman;

pub use bruno::from_bruno;
pub use insomnia::from_insomnia;
pub use postman::{from_postman, from_postman_in, postman_version};

/// Environments: name → variable → value, in order.
pub type Envs = BTreeMap<String, BTreeMap<String, String>>;

/// What an import produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// The collection's name (the file stem, or Postman's `info.name`).
    pub name: String,
    /// What was read ("HAR", "Postman collection v2.1"…), for the summary.
    pub source: String,
    /// File variables (`@name = value`).
    pub variables: Vec<(String, String)>,
    /// The requests.
    pub requests: Vec<HttpRequest>,
    /// `http-client.env.json`.
    pub public_env: Envs,
    /// `http-client.private.env.json`: the secrets.
    pub private_env: Envs,
    /// Folders read (Postman).
    pub folders: usize,
    /// Everything that could not be carried over, with where it was.
    pub skipped: Vec<String>,
    /// Files written beside the collection (a body a `.http` file could
    /// not hold as text): path relative to it, content.
    pub files: Vec<(String, String)>,
    /// What the collection will read, write or take from the process
    /// (`$processEnv`, `< file`, `>>`, scripts), for the summary.
    pub effects: Vec<String>,
}

impl Imported {
    /// The `.http` file's text.
    pub fn http_text(&self) -> String {
        let mut out = format!(
            "# {} — imported by apiscope from {}.\n# Secrets are in http-client.private.env.json (keep it out of git).\n",
            self.name,
            a(&self.source)
        );
        if !self.variables.is_empty() {
            out.push('\n');
            for (k, v) in &self.variables {
                out.push_str(&format!("@{k} = {v}\n"));
            }
        }
        for r in &self.requests {
            out.push('\n');
            out.push_str(&render(r));
        }
        out
    }

    /// An env file's text (pretty JSON), or `None` when it would be empty.
    pub fn env_text(envs: &Envs) -> Option<String> {
        if envs.values().all(BTreeMap::is_empty) {
            return None;
        }
        let v: Map<String, Value> = envs
            .iter()
            .filter(|(_, vars)| !vars.is_empty())
            .map(|(env, vars)| {
                (
                    env.clone(),
                    Value::Object(
                        vars.iter()
                            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                            .collect(),
                    ),
                )
            })
            .collect();
        serde_json::to_string_pretty(&Value::Object(v))
            .ok()
            .map(|t| t + "\n")
    }
}

/// "a HAR", "an OpenAPI 3.1.0 document".
pub fn a(what: &str) -> String {
    let article = if what.starts_with(['A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {what}")
}

/// Secret values turned into variables: one variable per distinct value.
struct Vault<'a> {
    env: String,
    private: &'a mut Envs,
    by_value: BTreeMap<String, String>,
    /// Names the collection already uses (its variables, its
    /// environments'): a moved secret never takes one of them.
    reserved: std::collections::HashSet<String>,
    /// What a relative file path of the input is written after, so it
    /// still names the same file from where the `.http` file goes
    /// (`../`): Postman's `src` paths are relative to the collection.
    files_base: String,
}

impl Vault<'_> {
    /// The `{{name}}` that stands for `value` (a new variable named after
    /// `hint` the first time the value is seen).
    fn var(&mut self, hint: &str, value: &str) -> String {
        // A value that is a `{{variable}}` already names where it is kept.
        if crate::template::has_placeholder(value) || value.is_empty() {
            return value.to_owned();
        }
        if let Some(name) = self.by_value.get(value) {
            return format!("{{{{{name}}}}}");
        }
        let base = var_name(hint);
        let vars = self.private.entry(self.env.clone()).or_default();
        let mut name = base.clone();
        let mut n = 2;
        while vars.contains_key(&name) || self.reserved.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        vars.insert(name.clone(), value.to_owned());
        self.by_value.insert(value.to_owned(), name.clone());
        format!("{{{{{name}}}}}")
    }
}

/// `base`, or `base_2`, `base_3`… when it is taken; the name is then taken.
pub(super) fn unique(names: &mut std::collections::HashSet<String>, base: String) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    names.insert(name.clone());
    name
}

/// `X-Api-Key` → `x_api_key`.
fn var_name(hint: &str) -> String {
    let mut s: String = hint
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s = s.trim_matches('_').to_owned();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("secret_{s}");
    }
    s
}

/// `GET /v1/boards/42` → `get_boards_42`.
fn request_name(method: &str, url: &str) -> String {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    // `v1`, `v2`: a version segment says nothing about the request.
    let is_version =
        |s: &str| s.len() <= 3 && s.starts_with('v') && s[1..].bytes().all(|b| b.is_ascii_digit());
    let words: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && !is_version(s))
        .collect();
    let tail = words[words.len().saturating_sub(2)..].join("_");
    var_name(&format!("{}_{}", method.to_ascii_lowercase(), tail))
}

/// Requests read from a HAR, a curl file or a session: one per entry, in
/// order, credentials moved to the private env file under `env`.
pub fn from_requests(name: &str, source: &str, requests: &[Request], env: &str) -> Imported {
    add_requests(name, source, requests, env, Envs::new(), Default::default())
}

/// Requests to add to an existing collection: like [`from_requests`], with
/// the private env file's current contents (`private`: a secret already
/// there keeps its variable, a new one never takes a name in use) and the
/// names the file's requests and variables already have (`taken`). The
/// private env of the result is the whole file to write back.
pub fn add_requests(
    name: &str,
    source: &str,
    requests: &[Request],
    env: &str,
    private: Envs,
    taken: std::collections::HashSet<String>,
) -> Imported {
    let mut out = Imported {
        name: name.to_owned(),
        source: source.to_owned(),
        ..Imported::default()
    };
    let mut private = private;
    let by_value: BTreeMap<String, String> = private
        .get(env)
        .map(|vars| vars.iter().map(|(k, v)| (v.clone(), k.clone())).collect())
        .unwrap_or_default();
    let mut vault = Vault {
        files_base: String::new(),
        env: env.to_owned(),
        private: &mut private,
        by_value,
        reserved: taken.clone(),
    };
    let mut names = taken;
    for (i, r) in requests.iter().enumerate() {
        let Some(raw_url) = r.url.as_deref().filter(|u| !u.is_empty()) else {
            out.skipped.push(format!("entry {}: no URL", i + 1));
            continue;
        };
        let url = secret_query(raw_url, &mut vault);
        let mut headers = Vec::new();
        for (k, v) in r.headers.iter() {
            let lower = k.to_ascii_lowercase();
            if k.starts_with(':')
                || matches!(lower.as_str(), "host" | "content-length" | "connection")
            {
                continue;
            }
            let value = secret_header(k, v, &mut vault, &mut out.skipped, i + 1);
            headers.push(Header {
                name: k.to_owned(),
                value,
                line: 0,
            });
        }
        let body = if r.body.is_empty() {
            Body::None
        } else {
            match std::str::from_utf8(&r.body) {
                Ok(text) => {
                    let ct = r
                        .headers
                        .get("content-type")
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    Body::Text(secret_body(text, &ct, &mut vault))
                }
                Err(_) => {
                    out.skipped.push(format!(
                        "entry {}: a binary body ({} bytes) is not carried over",
                        i + 1,
                        r.body.len()
                    ));
                    Body::None
                }
            }
        };
        let rname = unique(&mut names, request_name(&r.method, raw_url));
        out.requests.push(HttpRequest {
            name: Some(rname),
            title: Some(format!("{} {}", i + 1, crate::redact::url(raw_url))),
            headers,
            body,
            ..HttpRequest::new(&r.method, &url)
        });
    }
    out.private_env = private;
    out
}

/// Whether a value goes to the private env file: its name says it is a
/// secret, or its shape does (a JWT, `xoxb-…`, `github_pat_…`: the
/// detector redaction uses), whatever it is called.
pub(crate) fn is_secret(name: &str, value: &str) -> bool {
    crate::secrets::is_secret_field(name)
        || (!crate::template::has_placeholder(value) && crate::secrets::looks_like_token(value))
}

/// Secret query parameters → `{{variables}}`.
fn secret_query(raw: &str, vault: &mut Vault<'_>) -> String {
    let Some((base, query)) = raw.split_once('?') else {
        return raw.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v))
                if !v.is_empty()
                    && (crate::secrets::is_secret_param(&decode(k))
                        || is_secret(&decode(k), &decode(v))) =>
            {
                // (The value as written: substituted back, it puts the
                // same bytes in the URL.)
                format!("{k}={}", vault.var(&decode(k), v))
            }
            _ => pair.to_owned(),
        })
        .collect();
    let mut out = format!("{base}?{}", parts.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// `text` with `f` applied to what is outside its `{{…}}` parts (a
/// variable's value goes in as it resolves); an unclosed `{{` is text.
pub(super) fn outside_vars(text: &str, f: impl Fn(&str) -> String) -> String {
    use crate::template::Piece;
    let mut out = String::with_capacity(text.len());
    for p in crate::template::pieces(text) {
        match p {
            Piece::Text(t) | Piece::Unclosed { rest: t, .. } => out.push_str(&f(t)),
            Piece::Var(v) => out.push_str(v.raw),
        }
    }
    out
}

fn decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map_or_else(|| s.to_owned(), |(_, v)| v.into_owned())
}

fn secret_header(
    name: &str,
    value: &str,
    vault: &mut Vault<'_>,
    skipped: &mut Vec<String>,
    entry: usize,
) -> String {
    use crate::secrets::HeaderSecret;
    let redacted = value.contains(crate::secrets::MARK);
    let out = match crate::secrets::header(name) {
        // A header of any name whose value has a token's shape.
        None if is_secret(name, value) => vault.var(name, value),
        None => return value.to_owned(),
        Some(HeaderSecret::Cookie | HeaderSecret::SetCookie) => vault.var("cookie", value),
        Some(HeaderSecret::Credential) => {
            let (scheme, cred) = match value.split_once(' ') {
                Some((s, c))
                    if ["bearer", "basic", "token", "digest"]
                        .contains(&s.to_ascii_lowercase().as_str()) =>
                {
                    (Some(s), c)
                }
                _ => (None, value),
            };
            let hint = match scheme.map(str::to_ascii_lowercase).as_deref() {
                Some("bearer" | "token") => "token".to_owned(),
                Some("basic") => "basic_auth".to_owned(),
                _ => name.to_owned(),
            };
            let var = vault.var(&hint, cred);
            match scheme {
                Some(s) => format!("{s} {var}"),
                None => var,
            }
        }
    };
    if redacted {
        skipped.push(format!(
            "entry {entry}: the {name} header was redacted in the input: put the real value in http-client.private.env.json"
        ));
    }
    out
}

fn secret_body(text: &str, content_type: &str, vault: &mut Vault<'_>) -> String {
    if content_type.contains("x-www-form-urlencoded") {
        return text
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if !v.is_empty() && is_secret(&decode(k), &decode(v)) => {
                    format!("{k}={}", vault.var(&decode(k), &decode(v)))
                }
                _ => pair.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("&");
    }
    let Ok(mut json) = serde_json::from_str::<Value>(text) else {
        return text.to_owned();
    };
    let mut moved = Vec::new();
    if !secret_fields(&mut json, vault, 0, &mut moved) {
        return text.to_owned(); // nothing moved: the body exactly as sent
    }
    // The body as written, each secret value's token replaced in place
    // (its spacing and key order are what the other tool sends); written
    // anew only when a value is escaped in a way this cannot find.
    let mut out = text.to_owned();
    for (key, value, var) in &moved {
        let (Ok(k), Ok(v), Ok(w)) = (
            serde_json::to_string(key),
            serde_json::to_string(value),
            serde_json::to_string(var),
        ) else {
            return serde_json::to_string_pretty(&json).unwrap_or_else(|_| text.to_owned());
        };
        match replaced_pair(&out, &k, &v, &w) {
            Some(t) => out = t,
            None => {
                return serde_json::to_string_pretty(&json).unwrap_or_else(|_| text.to_owned());
            }
        }
    }
    out
}

/// `text` with every `KEY: VALUE` (JSON tokens, any spacing around the
/// colon) given `with` for its value; `None` when there is none.
fn replaced_pair(text: &str, key: &str, value: &str, with: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut found = false;
    while let Some(i) = rest.find(key) {
        let after_key = &rest[i + key.len()..];
        let value_at = after_key
            .trim_start()
            .strip_prefix(':')
            .map(str::trim_start)
            .filter(|t| t.starts_with(value))
            .map(|t| rest.len() - t.len());
        match value_at {
            Some(at) => {
                out.push_str(&rest[..at]);
                out.push_str(with);
                rest = &rest[at + value.len()..];
                found = true;
            }
            None => {
                out.push_str(&rest[..i + key.len()]);
                rest = after_key;
            }
        }
    }
    out.push_str(rest);
    found.then_some(out)
}

/// Replaces secret fields' values with `{{variables}}` (each moved one in
/// `moved`: key, value, variable); whether any was.
fn secret_fields(
    v: &mut Value,
    vault: &mut Vault<'_>,
    depth: usize,
    moved: &mut Vec<(String, String, String)>,
) -> bool {
    if depth > 64 {
        return false;
    }
    let mut changed = false;
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if let Value::String(s) = child
                    && is_secret(k, s)
                    && !s.is_empty()
                {
                    let var = vault.var(k, s);
                    moved.push((k.clone(), s.clone(), var.clone()));
                    *child = Value::String(var);
                    changed = true;
                } else {
                    changed |= secret_fields(child, vault, depth + 1, moved);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                changed |= secret_fields(child, vault, depth + 1, moved);
            }
        }
        _ => {}
    }
    changed
}

/// A JSON scalar as text (a string as is, null as empty).
pub(crate) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Headers;

    #[test]
    fn postman_v2_0_auth_objects_and_inheritance() {
        let doc: Value = serde_json::from_str(
            r#"{"info": {"name": "Old", "schema": "https://schema.getpostman.com/json/collection/v2.0.0/collection.json"},
            "auth": {"type": "basic", "basic": {"username": "ann", "password": "pw_FAKE_v20"}},
            "item": [{"name": "F", "auth": {"type": "apikey", "apikey": {"key": "api_key", "value": "k_FAKE_v20", "in": "query"}},
              "item": [{"name": "Inner", "request": {"method": "GET", "url": "https://a.example/x"}}]},
              {"name": "Top", "request": "https://a.example/top"}]}"#,
        )
        .unwrap();
        let out = from_postman(&doc, &[]).unwrap();
        assert_eq!(out.source, "Postman collection v2.0");
        assert_eq!(
            out.requests[0].url,
            "https://a.example/x?api_key={{api_key}}"
        );
        assert_eq!(out.requests[1].headers[0].value, "Basic ann {{password}}");
        assert_eq!(out.private_env["$shared"]["password"], "pw_FAKE_v20");
        assert_eq!(out.private_env["$shared"]["api_key"], "k_FAKE_v20");
    }

    #[test]
    fn credentials_move_to_the_private_env() {
        let mut h = Headers::new();
        h.push("Authorization", "Bearer tok_FAKE_1");
        h.push("X-Api-Key", "key_FAKE_2");
        h.push("Cookie", "sid=abc_FAKE");
        h.push("Content-Type", "application/json");
        h.push(":authority", "a.example");
        let r = Request {
            method: "POST".into(),
            url: Some("https://a.example/v1/boards?access_token=tok_FAKE_1&limit=5".into()),
            headers: h,
            body: br#"{"name":"x","auth":{"password":"pw_FAKE_3"}}"#.to_vec().into(),
        };
        let got = from_requests("ticket", "HAR", &[r.clone(), r], "ticket");
        let text = got.http_text();
        for secret in ["tok_FAKE_1", "key_FAKE_2", "abc_FAKE", "pw_FAKE_3"] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
        // One value, one variable: the token in the query and the header.
        assert!(
            text.contains("access_token={{access_token}}&limit=5"),
            "{text}"
        );
        assert!(
            text.contains("Authorization: Bearer {{access_token}}"),
            "{text}"
        );
        assert!(text.contains("X-Api-Key: {{x_api_key}}"), "{text}");
        // (The body as it was written, its secret value replaced.)
        assert!(
            text.contains(r#"{"name":"x","auth":{"password":"{{password}}"}}"#),
            "{text}"
        );
        assert!(text.contains("# @name post_boards_2"), "{text}");
        let private = &got.private_env["ticket"];
        assert_eq!(private["access_token"], "tok_FAKE_1");
        assert_eq!(private["cookie"], "sid=abc_FAKE");
        // What was written reads back as the same requests.
        let parsed = crate::collection::parse(std::path::Path::new("t.http"), &text).unwrap();
        assert_eq!(parsed.requests.len(), 2);
        assert_eq!(parsed.requests[0].method, "POST");
    }
}
