//! Imports into a collection (`.http` + JetBrains env files): recorded
//! requests (a HAR, a curl command file, an apiscope session) and Postman
//! collections (v2.1 and v2.0) with their environment exports.
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
}

impl Vault<'_> {
    /// The `{{name}}` that stands for `value` (a new variable named after
    /// `hint` the first time the value is seen).
    fn var(&mut self, hint: &str, value: &str) -> String {
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
            Some((k, v)) if !v.is_empty() && crate::secrets::is_secret_param(&decode(k)) => {
                format!("{k}={}", vault.var(&decode(k), &decode(v)))
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
                Some((k, v)) if !v.is_empty() && crate::secrets::is_secret_field(&decode(k)) => {
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
    if !secret_fields(&mut json, vault, 0) {
        return text.to_owned(); // nothing moved: the body exactly as sent
    }
    serde_json::to_string_pretty(&json).unwrap_or_else(|_| text.to_owned())
}

/// Replaces secret fields' values with `{{variables}}`; whether any was.
fn secret_fields(v: &mut Value, vault: &mut Vault<'_>, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    let mut changed = false;
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if crate::secrets::is_secret_field(k)
                    && let Value::String(s) = child
                    && !s.is_empty()
                {
                    *child = Value::String(vault.var(k, s));
                    changed = true;
                } else {
                    changed |= secret_fields(child, vault, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                changed |= secret_fields(child, vault, depth + 1);
            }
        }
        _ => {}
    }
    changed
}

/// Whether a JSON document is a Postman collection, and which version.
pub fn postman_version(doc: &Value) -> Option<&'static str> {
    let info = doc.get("info")?;
    let schema = info.get("schema").and_then(Value::as_str).unwrap_or("");
    if schema.contains("v2.1") {
        Some("Postman collection v2.1")
    } else if schema.contains("v2.0") {
        Some("Postman collection v2.0")
    } else if info.get("_postman_id").is_some() && doc.get("item").is_some() {
        Some("Postman collection")
    } else {
        None
    }
}

/// The dynamic variables a request may use (apiscope's and Postman's
/// common ones); any other `{{$…}}` is listed as not carried over.
const KNOWN_DYNAMIC: &[&str] = &[
    "$guid",
    "$uuid",
    "$timestamp",
    "$isoTimestamp",
    "$randomInt",
];

/// A Postman collection (v2.1 or v2.0) and its environment exports
/// (`(file name, document)`). Folders become titles that keep the path.
pub fn from_postman(doc: &Value, envs: &[(String, Value)]) -> Result<Imported, String> {
    let source = postman_version(doc).ok_or("not a Postman collection (no info.schema)")?;
    let name = doc
        .pointer("/info/name")
        .and_then(Value::as_str)
        .unwrap_or("collection")
        .to_owned();
    let mut out = Imported {
        name: name.clone(),
        source: source.to_owned(),
        ..Imported::default()
    };
    let mut private = Envs::new();
    let mut public = Envs::new();
    // Collection variables: file variables, or private `$shared` secrets.
    for v in doc
        .get("variable")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(k), Some(val)) = (v.get("key").and_then(Value::as_str), v.get("value")) else {
            continue;
        };
        let val = scalar(val);
        if crate::secrets::is_secret_field(k) && !val.is_empty() {
            private
                .entry("$shared".into())
                .or_default()
                .insert(k.to_owned(), val);
        } else {
            out.variables.push((k.to_owned(), val));
        }
    }
    for (file, env) in envs {
        let env_name = env
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| file.clone(), str::to_owned);
        let Some(values) = env.get("values").and_then(Value::as_array) else {
            return Err(format!(
                "{file}: not a Postman environment export (no values)"
            ));
        };
        for v in values {
            if v.get("enabled").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let Some(k) = v.get("key").and_then(Value::as_str) else {
                continue;
            };
            let val = v.get("value").map(scalar).unwrap_or_default();
            let secret = v.get("type").and_then(Value::as_str) == Some("secret")
                || crate::secrets::is_secret_field(k);
            let target = if secret { &mut private } else { &mut public };
            target
                .entry(env_name.clone())
                .or_default()
                .insert(k.to_owned(), val);
        }
    }
    let reserved = public
        .values()
        .chain(private.values())
        .flat_map(|vars| vars.keys().cloned())
        .chain(out.variables.iter().map(|(k, _)| k.clone()))
        .collect();
    let mut vault = Vault {
        env: "$shared".into(),
        private: &mut private,
        by_value: BTreeMap::new(),
        reserved,
    };
    let mut names = std::collections::HashSet::new();
    let root_auth = doc.get("auth");
    walk_items(
        doc.get("item")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
        &[],
        root_auth,
        &mut out,
        &mut vault,
        &mut names,
    );
    if doc
        .get("event")
        .and_then(Value::as_array)
        .is_some_and(|e| !e.is_empty())
    {
        out.skipped
            .push("the collection's scripts (pre-request / test) are not run".into());
    }
    out.private_env = private;
    out.public_env = public;
    Ok(out)
}

pub(super) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn walk_items(
    items: &[Value],
    path: &[String],
    auth: Option<&Value>,
    out: &mut Imported,
    vault: &mut Vault<'_>,
    names: &mut std::collections::HashSet<String>,
) {
    for item in items {
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("request")
            .to_owned();
        let mut here = path.to_vec();
        here.push(name.clone());
        let where_ = here.join(" / ");
        // A folder's auth is on the item, a request's in its `request`.
        let own_auth = item
            .get("auth")
            .or_else(|| item.pointer("/request/auth"))
            .filter(|a| a.get("type").and_then(Value::as_str) != Some("inherit"));
        let auth = own_auth.or(auth);
        if item
            .get("event")
            .and_then(Value::as_array)
            .is_some_and(|e| {
                e.iter().any(|ev| {
                    ev.pointer("/script/exec")
                        .and_then(Value::as_array)
                        .is_some_and(|l| {
                            l.iter()
                                .any(|x| x.as_str().is_some_and(|x| !x.trim().is_empty()))
                        })
                })
            })
        {
            out.skipped.push(format!(
                "{where_}: its scripts (pre-request / test) are not run"
            ));
        }
        if let Some(children) = item.get("item").and_then(Value::as_array) {
            out.folders += 1;
            if here.len() > 32 {
                out.skipped.push(format!(
                    "{where_}: folders nested deeper than 32 are not carried over"
                ));
                continue;
            }
            walk_items(children, &here, auth, out, vault, names);
            continue;
        }
        let Some(req) = item.get("request") else {
            continue;
        };
        if let Some(r) = postman_request(req, &where_, auth, out, vault) {
            let rname = unique(names, var_name(&name));
            let comments = req
                .get("description")
                .or_else(|| item.get("description"))
                .map(|d| match d {
                    Value::Object(o) => o.get("content").map(scalar).unwrap_or_default(),
                    other => scalar(other),
                })
                .map(|d| d.lines().map(str::to_owned).collect())
                .unwrap_or_default();
            out.requests.push(HttpRequest {
                name: Some(rname),
                title: Some(where_.replace(['\n', '\r'], " ")),
                comments,
                ..r
            });
        }
    }
}

fn postman_request(
    req: &Value,
    where_: &str,
    auth: Option<&Value>,
    out: &mut Imported,
    vault: &mut Vault<'_>,
) -> Option<HttpRequest> {
    // A bare string is the URL of a GET.
    let (method, url_v, header_v, body_v) = match req {
        Value::String(u) => ("GET".to_owned(), Value::String(u.clone()), None, None),
        _ => (
            req.get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_ascii_uppercase(),
            req.get("url").cloned().unwrap_or(Value::Null),
            req.get("header"),
            req.get("body"),
        ),
    };
    let mut url = match &url_v {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let raw = o.get("raw").and_then(Value::as_str).unwrap_or("");
            let base = raw.split('?').next().unwrap_or(raw).to_owned();
            let query: Vec<String> = o
                .get("query")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|q| q.get("disabled").and_then(Value::as_bool) != Some(true))
                .filter_map(|q| {
                    let k = q.get("key").and_then(Value::as_str)?;
                    let v = q.get("value").map(scalar).unwrap_or_default();
                    Some(if v.is_empty() {
                        k.to_owned()
                    } else {
                        format!("{k}={v}")
                    })
                })
                .collect();
            if query.is_empty() && raw.contains('?') && o.get("query").is_none() {
                raw.to_owned()
            } else if query.is_empty() {
                base
            } else {
                format!("{base}?{}", query.join("&"))
            }
        }
        _ => {
            out.skipped.push(format!("{where_}: no URL"));
            return None;
        }
    };
    if url.is_empty() {
        out.skipped.push(format!("{where_}: no URL"));
        return None;
    }
    url = secret_query(&url, vault);
    let mut headers: Vec<Header> = Vec::new();
    for h in header_v.and_then(Value::as_array).into_iter().flatten() {
        if h.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let (Some(k), Some(v)) = (h.get("key").and_then(Value::as_str), h.get("value")) else {
            continue;
        };
        let v = scalar(v);
        let value = if v.contains("{{") {
            v
        } else {
            secret_header(k, &v, vault, &mut out.skipped, 0)
        };
        headers.push(Header {
            name: k.to_owned(),
            value,
            line: 0,
        });
    }
    // Auth: the request's, else inherited from its folders or the collection.
    if let Some(a) = auth {
        let ty = a.get("type").and_then(Value::as_str).unwrap_or("noauth");
        let param = |key: &str| -> Option<String> {
            match a.get(ty)? {
                Value::Array(list) => list
                    .iter()
                    .find(|p| p.get("key").and_then(Value::as_str) == Some(key))
                    .and_then(|p| p.get("value"))
                    .map(scalar),
                Value::Object(o) => o.get(key).map(scalar),
                _ => None,
            }
        };
        let mut keep = |hint: &str, v: String| {
            if v.contains("{{") {
                v
            } else {
                vault.var(hint, &v)
            }
        };
        match ty {
            "noauth" => {}
            "bearer" => {
                let t = keep("token", param("token").unwrap_or_default());
                headers.push(Header {
                    name: "Authorization".into(),
                    value: format!("Bearer {t}"),
                    line: 0,
                });
            }
            "basic" => {
                let u = param("username").unwrap_or_default();
                let p = keep("password", param("password").unwrap_or_default());
                headers.push(Header {
                    name: "Authorization".into(),
                    value: format!("Basic {u} {p}"),
                    line: 0,
                });
            }
            "apikey" => {
                let k = param("key").unwrap_or_else(|| "X-Api-Key".into());
                let v = keep(&k, param("value").unwrap_or_default());
                if param("in").as_deref() == Some("query") {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str(&format!("{k}={v}"));
                } else {
                    headers.push(Header {
                        name: k,
                        value: v,
                        line: 0,
                    });
                }
            }
            other => out.skipped.push(format!(
                "{where_}: {other} authentication is not carried over (set the header yourself)"
            )),
        }
    }
    let body = match body_v {
        None | Some(Value::Null) => Body::None,
        Some(b) => postman_body(b, where_, &mut headers, out, vault),
    };
    let text_of_request = format!(
        "{url} {} {:?}",
        headers.iter().map(|h| h.value.as_str()).collect::<String>(),
        body
    );
    let mut rest = text_of_request.as_str();
    while let Some(i) = rest.find("{{$") {
        let after = &rest[i + 2..];
        let end = after.find("}}").unwrap_or(after.len());
        let var = after[..end].split_whitespace().next().unwrap_or("");
        if !KNOWN_DYNAMIC.contains(&var) {
            out.skipped.push(format!("{where_}: Postman's dynamic variable {{{{{var}}}}} has no apiscope equivalent: define it with --var"));
        }
        rest = &after[end..];
    }
    Some(HttpRequest {
        name: None,
        title: None,
        headers,
        body,
        ..HttpRequest::new(&method, &url)
    })
}

fn postman_body(
    b: &Value,
    where_: &str,
    headers: &mut Vec<Header>,
    out: &mut Imported,
    vault: &mut Vault<'_>,
) -> Body {
    let has_ct = |headers: &Vec<Header>| {
        headers
            .iter()
            .any(|h| h.name.eq_ignore_ascii_case("content-type"))
    };
    let set_ct = |headers: &mut Vec<Header>, ct: &str| {
        if !has_ct(headers) {
            headers.push(Header {
                name: "Content-Type".into(),
                value: ct.into(),
                line: 0,
            });
        }
    };
    let enabled = |list: Option<&Value>| -> Vec<Value> {
        list.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|p| p.get("disabled").and_then(Value::as_bool) != Some(true))
            .cloned()
            .collect()
    };
    match b.get("mode").and_then(Value::as_str).unwrap_or("") {
        "raw" => {
            let raw = b.get("raw").map(scalar).unwrap_or_default();
            if raw.is_empty() {
                return Body::None;
            }
            match b.pointer("/options/raw/language").and_then(Value::as_str) {
                Some("json") => set_ct(headers, "application/json"),
                Some("xml") => set_ct(headers, "application/xml"),
                Some("text") => set_ct(headers, "text/plain"),
                _ => {}
            }
            let ct = headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| h.value.to_ascii_lowercase())
                .unwrap_or_default();
            Body::Text(secret_body(&raw, &ct, vault))
        }
        "urlencoded" => {
            set_ct(headers, "application/x-www-form-urlencoded");
            let pairs: Vec<String> = enabled(b.get("urlencoded"))
                .iter()
                .filter_map(|p| {
                    let k = p.get("key").and_then(Value::as_str)?;
                    let v = p.get("value").map(scalar).unwrap_or_default();
                    let v =
                        if crate::secrets::is_secret_field(k) && !v.is_empty() && !v.contains("{{")
                        {
                            vault.var(k, &v)
                        } else {
                            v
                        };
                    Some(format!("{k}={v}"))
                })
                .collect();
            if pairs.is_empty() {
                Body::None
            } else {
                Body::Text(pairs.join("&"))
            }
        }
        "formdata" => {
            let boundary = "WebAppBoundary";
            headers.retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
            headers.push(Header {
                name: "Content-Type".into(),
                value: format!("multipart/form-data; boundary={boundary}"),
                line: 0,
            });
            let mut text = String::new();
            for p in enabled(b.get("formdata")) {
                let Some(k) = p.get("key").and_then(Value::as_str) else {
                    continue;
                };
                text.push_str(&format!("--{boundary}\n"));
                if p.get("type").and_then(Value::as_str) == Some("file") {
                    let src = p
                        .get("src")
                        .map(|s| match s {
                            Value::Array(a) => a.first().map(scalar).unwrap_or_default(),
                            other => scalar(other),
                        })
                        .unwrap_or_default();
                    let file = std::path::Path::new(&src)
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let ty = crate::multipart::guess_type(&file);
                    text.push_str(&format!("Content-Disposition: form-data; name=\"{k}\"; filename=\"{file}\"\nContent-Type: {ty}\n\n< {src}\n"));
                    if src.is_empty() {
                        out.skipped.push(format!(
                            "{where_}: the file of form field '{k}' is not named"
                        ));
                    }
                } else {
                    let v = p.get("value").map(scalar).unwrap_or_default();
                    text.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{k}\"\n\n{v}\n"
                    ));
                }
            }
            text.push_str(&format!("--{boundary}--"));
            Body::Text(text)
        }
        "file" => {
            let src = b.pointer("/file/src").map(scalar).unwrap_or_default();
            if src.is_empty() {
                out.skipped
                    .push(format!("{where_}: a file body with no file named"));
                Body::None
            } else {
                Body::File {
                    path: src,
                    substitute: false,
                }
            }
        }
        "graphql" => {
            set_ct(headers, "application/json");
            let query = b.pointer("/graphql/query").map(scalar).unwrap_or_default();
            let vars = b
                .pointer("/graphql/variables")
                .map(scalar)
                .unwrap_or_default();
            let vars: Value = serde_json::from_str(&vars).unwrap_or(Value::Object(Map::new()));
            let doc = serde_json::json!({"query": query, "variables": vars});
            // Compact, as Postman and newman send it.
            Body::Text(serde_json::to_string(&doc).unwrap_or_default())
        }
        "" => Body::None,
        other => {
            out.skipped.push(format!(
                "{where_}: a body of mode '{other}' is not carried over"
            ));
            Body::None
        }
    }
}

/// Insomnia's `{{ _.name }}` → `{{name}}`; `{% … %}` template tags
/// (response chaining, prompts) are noted.
fn insomnia_vars(text: &str, where_: &str, skipped: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return out;
        };
        let inner = after[..end].trim();
        let inner = inner.strip_prefix("_.").unwrap_or(inner);
        out.push_str("{{");
        out.push_str(inner);
        out.push_str("}}");
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    if out.contains("{%") {
        skipped.push(format!(
            "{where_}: Insomnia template tags ({{% … %}}, e.g. response chaining) are not carried over: use {{{{name.response.body.$.path}}}}"
        ));
    }
    out
}

/// An Insomnia export (v4, JSON or YAML already parsed): workspaces,
/// folders (`request_group`) as title paths, requests, and environments
/// (the base one as `$shared`, sub-environments by name).
pub fn from_insomnia(doc: &Value) -> Result<Imported, String> {
    if doc.get("_type").and_then(Value::as_str) != Some("export") {
        return Err("not an Insomnia export (no _type: export)".into());
    }
    let version = doc.get("__export_format").map(scalar).unwrap_or_default();
    let resources = doc
        .get("resources")
        .and_then(Value::as_array)
        .ok_or("an Insomnia export without resources")?;
    let by_id: BTreeMap<&str, &Value> = resources
        .iter()
        .filter_map(|r| Some((r.get("_id")?.as_str()?, r)))
        .collect();
    let ty = |r: &Value| {
        r.get("_type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let name = resources
        .iter()
        .find(|r| ty(r) == "workspace")
        .and_then(|w| w.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("insomnia")
        .to_owned();
    let mut out = Imported {
        name,
        source: format!("Insomnia export (format {version})"),
        ..Imported::default()
    };
    let mut private = Envs::new();
    let mut public = Envs::new();
    for e in resources.iter().filter(|r| ty(r) == "environment") {
        let parent_is_env = e
            .get("parentId")
            .and_then(Value::as_str)
            .and_then(|p| by_id.get(p))
            .is_some_and(|p| ty(p) == "environment");
        let env = if parent_is_env {
            e.get("name")
                .and_then(Value::as_str)
                .unwrap_or("env")
                .to_owned()
        } else {
            "$shared".to_owned()
        };
        for (k, v) in e
            .get("data")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if matches!(v, Value::Object(_) | Value::Array(_)) {
                out.skipped.push(format!("environment {env}: {k} is an object (nested Insomnia variables are not carried over)"));
                continue;
            }
            let target = if crate::secrets::is_secret_field(k) {
                &mut private
            } else {
                &mut public
            };
            target
                .entry(env.clone())
                .or_default()
                .insert(k.clone(), scalar(v));
        }
    }
    let reserved = public
        .values()
        .chain(private.values())
        .flat_map(|vars| vars.keys().cloned())
        .collect();
    let mut vault = Vault {
        env: "$shared".into(),
        private: &mut private,
        by_value: BTreeMap::new(),
        reserved,
    };
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    for r in resources.iter().filter(|r| ty(r) == "request") {
        // The folder path, from the request up to the workspace.
        let mut path = Vec::new();
        let mut parent = r.get("parentId").and_then(Value::as_str);
        let mut guard = 0;
        while let Some(p) = parent.and_then(|p| by_id.get(p)) {
            guard += 1;
            if guard > 64 || ty(p) != "request_group" {
                break;
            }
            path.push(
                p.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("folder")
                    .to_owned(),
            );
            parent = p.get("parentId").and_then(Value::as_str);
        }
        path.reverse();
        let rname = r
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("request")
            .to_owned();
        path.push(rname.clone());
        let where_ = path.join(" / ");
        let mut url = insomnia_vars(
            r.get("url").and_then(Value::as_str).unwrap_or(""),
            &where_,
            &mut out.skipped,
        );
        if url.is_empty() {
            out.skipped.push(format!("{where_}: no URL"));
            continue;
        }
        let enabled = |key: &str| -> Vec<(String, String)> {
            r.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|p| p.get("disabled").and_then(Value::as_bool) != Some(true))
                .filter_map(|p| {
                    Some((
                        p.get("name")?.as_str()?.to_owned(),
                        p.get("value").map(scalar).unwrap_or_default(),
                    ))
                })
                .collect()
        };
        let params = enabled("parameters");
        if !params.is_empty() {
            let q: Vec<String> = params
                .iter()
                .map(|(k, v)| format!("{k}={}", insomnia_vars(v, &where_, &mut Vec::new())))
                .collect();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&q.join("&"));
        }
        url = secret_query(&url, &mut vault);
        let mut headers: Vec<Header> = Vec::new();
        for (k, v) in enabled("headers") {
            let v = insomnia_vars(&v, &where_, &mut out.skipped);
            let value = if v.contains("{{") {
                v
            } else {
                secret_header(&k, &v, &mut vault, &mut out.skipped, 0)
            };
            headers.push(Header {
                name: k,
                value,
                line: 0,
            });
        }
        if let Some(a) = r
            .get("authentication")
            .filter(|a| a.get("disabled").and_then(Value::as_bool) != Some(true))
        {
            let get = |k: &str| a.get(k).map(scalar).unwrap_or_default();
            let mut keep = |hint: &str, v: String| {
                let v = insomnia_vars(&v, &where_, &mut Vec::new());
                if v.contains("{{") || v.is_empty() {
                    v
                } else {
                    vault.var(hint, &v)
                }
            };
            match a.get("type").and_then(Value::as_str).unwrap_or("") {
                "" | "none" => {}
                "bearer" => {
                    let prefix = Some(get("prefix"))
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| "Bearer".into());
                    let t = keep("token", get("token"));
                    headers.push(Header {
                        name: "Authorization".into(),
                        value: format!("{prefix} {t}"),
                        line: 0,
                    });
                }
                "basic" => {
                    let u = get("username");
                    let p = keep("password", get("password"));
                    headers.push(Header {
                        name: "Authorization".into(),
                        value: format!("Basic {u} {p}"),
                        line: 0,
                    });
                }
                "apikey" => {
                    let k = get("key");
                    let v = keep(&k, get("value"));
                    if get("addTo") == "queryParams" {
                        url.push(if url.contains('?') { '&' } else { '?' });
                        url.push_str(&format!("{k}={v}"));
                    } else {
                        headers.push(Header {
                            name: k,
                            value: v,
                            line: 0,
                        });
                    }
                }
                other => out.skipped.push(format!(
                    "{where_}: {other} authentication is not carried over"
                )),
            }
        }
        let body = match r.get("body") {
            Some(b) if b.get("text").is_some() => {
                let text = insomnia_vars(
                    &b.get("text").map(scalar).unwrap_or_default(),
                    &where_,
                    &mut out.skipped,
                );
                let mime = b.get("mimeType").map(scalar).unwrap_or_default();
                if !mime.is_empty()
                    && !headers
                        .iter()
                        .any(|h| h.name.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(Header {
                        name: "Content-Type".into(),
                        value: mime.clone(),
                        line: 0,
                    });
                }
                if text.is_empty() {
                    Body::None
                } else {
                    Body::Text(secret_body(&text, &mime, &mut vault))
                }
            }
            Some(b) if b.get("params").is_some() => {
                let pairs: Vec<String> = b
                    .get("params")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|p| p.get("disabled").and_then(Value::as_bool) != Some(true))
                    .filter_map(|p| {
                        Some(format!(
                            "{}={}",
                            p.get("name")?.as_str()?,
                            p.get("value").map(scalar).unwrap_or_default()
                        ))
                    })
                    .collect();
                if !headers
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case("content-type"))
                {
                    headers.push(Header {
                        name: "Content-Type".into(),
                        value: "application/x-www-form-urlencoded".into(),
                        line: 0,
                    });
                }
                Body::Text(secret_body(
                    &pairs.join("&"),
                    "application/x-www-form-urlencoded",
                    &mut vault,
                ))
            }
            _ => Body::None,
        };
        let n = unique(&mut names, var_name(&rname));
        out.requests.push(HttpRequest {
            name: Some(n),
            title: Some(where_.replace(['\n', '\r'], " ")),
            comments: r
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.lines().take(6).map(str::to_owned).collect())
                .unwrap_or_default(),
            headers,
            body,
            ..HttpRequest::new(
                &r.get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("GET")
                    .to_ascii_uppercase(),
                &url,
            )
        });
    }
    out.folders = resources
        .iter()
        .filter(|r| ty(r) == "request_group")
        .count();
    out.private_env = private;
    out.public_env = public;
    Ok(out)
}

/// The top-level blocks of a `.bru` file: (name, content lines).
fn bru_blocks(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let l = line.trim_end_matches('\r');
        match &mut cur {
            None => {
                if let Some(name) = l.strip_suffix('{').map(str::trim).filter(|n| !n.is_empty()) {
                    cur = Some((name.to_owned(), Vec::new()));
                } else if let Some(name) =
                    l.strip_suffix('[').map(str::trim).filter(|n| !n.is_empty())
                {
                    cur = Some((name.to_owned(), Vec::new()));
                }
            }
            Some((_, lines)) => {
                if l == "}" || l == "]" {
                    out.push(cur.take().unwrap_or_default());
                } else {
                    lines.push(l.strip_prefix("  ").unwrap_or(l).to_owned());
                }
            }
        }
    }
    out
}

/// `key: value` lines of a dictionary block, `~` (disabled) left out.
fn bru_dict(lines: &[String]) -> Vec<(String, String)> {
    lines
        .iter()
        .filter(|l| !l.trim_start().starts_with('~'))
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            Some((k.trim().to_owned(), v.trim().to_owned()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// A Bruno collection folder: `bruno.json`, request `.bru` files (sub
/// folders as title paths, in `seq` order), `environments/*.bru`.
pub fn from_bruno(files: &[(String, String)], collection_name: &str) -> Imported {
    let mut out = Imported {
        name: collection_name.to_owned(),
        source: "Bruno collection".into(),
        ..Imported::default()
    };
    let mut private = Envs::new();
    let mut public = Envs::new();
    let mut requests: Vec<(String, i64, HttpRequest)> = Vec::new();
    let mut folders = std::collections::BTreeSet::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (rel, text) in files {
        let blocks = bru_blocks(text);
        let block = |name: &str| {
            blocks
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, l)| l.as_slice())
        };
        if let Some(env_name) = rel
            .strip_prefix("environments/")
            .and_then(|r| r.strip_suffix(".bru"))
        {
            for (k, v) in bru_dict(block("vars").unwrap_or_default()) {
                let target = if crate::secrets::is_secret_field(&k) {
                    &mut private
                } else {
                    &mut public
                };
                target.entry(env_name.to_owned()).or_default().insert(k, v);
            }
            for k in block("vars:secret")
                .unwrap_or_default()
                .iter()
                .flat_map(|l| l.split(','))
            {
                let k = k.trim();
                if !k.is_empty() {
                    private
                        .entry(env_name.to_owned())
                        .or_default()
                        .entry(k.to_owned())
                        .or_default();
                }
            }
            continue;
        }
        if rel.ends_with("folder.bru") || rel.ends_with("collection.bru") {
            continue;
        }
        let meta = bru_dict(block("meta").unwrap_or_default());
        let title = meta.iter().find(|(k, _)| k == "name").map_or_else(
            || rel.trim_end_matches(".bru").to_owned(),
            |(_, v)| v.clone(),
        );
        let seq = meta
            .iter()
            .find(|(k, _)| k == "seq")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let folder: Vec<&str> = rel.split('/').collect();
        let dir = folder[..folder.len().saturating_sub(1)].join(" / ");
        if !dir.is_empty() {
            folders.insert(dir.clone());
        }
        let where_ = if dir.is_empty() {
            title.clone()
        } else {
            format!("{dir} / {title}")
        };
        let Some((method, lines)) = [
            "get", "post", "put", "patch", "delete", "options", "head", "trace", "connect",
        ]
        .iter()
        .find_map(|m| block(m).map(|l| (m.to_ascii_uppercase(), l))) else {
            if block("query").is_some() || meta.iter().any(|(k, v)| k == "type" && v == "graphql") {
                out.skipped.push(format!(
                    "{where_}: a GraphQL request: its block is not carried over"
                ));
            } else {
                out.skipped
                    .push(format!("{rel}: no request block (get, post, …)"));
            }
            continue;
        };
        let fields = bru_dict(lines);
        let field = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut url = field("url");
        let query = bru_dict(block("params:query").unwrap_or_default());
        if !query.is_empty() && !url.contains('?') {
            url.push('?');
            url.push_str(
                &query
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&"),
            );
        }
        let mut headers: Vec<Header> = bru_dict(block("headers").unwrap_or_default())
            .into_iter()
            .map(|(name, value)| Header {
                name,
                value,
                line: 0,
            })
            .collect();
        match field("auth").as_str() {
            "bearer" => {
                let t = bru_dict(block("auth:bearer").unwrap_or_default());
                let token = t
                    .iter()
                    .find(|(k, _)| k == "token")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                headers.push(Header {
                    name: "Authorization".into(),
                    value: format!("Bearer {token}"),
                    line: 0,
                });
            }
            "basic" => {
                let b = bru_dict(block("auth:basic").unwrap_or_default());
                let get = |k: &str| {
                    b.iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                headers.push(Header {
                    name: "Authorization".into(),
                    value: format!("Basic {} {}", get("username"), get("password")),
                    line: 0,
                });
            }
            "" | "none" | "inherit" => {}
            other => out.skipped.push(format!(
                "{where_}: {other} authentication is not carried over"
            )),
        }
        let ct = |headers: &mut Vec<Header>, v: &str| {
            if !headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("content-type"))
            {
                headers.push(Header {
                    name: "Content-Type".into(),
                    value: v.into(),
                    line: 0,
                });
            }
        };
        let body = match field("body").as_str() {
            "json" => {
                ct(&mut headers, "application/json");
                Body::Text(
                    block("body:json")
                        .unwrap_or_default()
                        .join("\n")
                        .trim()
                        .to_owned(),
                )
            }
            "text" => {
                ct(&mut headers, "text/plain");
                Body::Text(
                    block("body:text")
                        .unwrap_or_default()
                        .join("\n")
                        .trim()
                        .to_owned(),
                )
            }
            "xml" => {
                ct(&mut headers, "application/xml");
                Body::Text(
                    block("body:xml")
                        .unwrap_or_default()
                        .join("\n")
                        .trim()
                        .to_owned(),
                )
            }
            "formUrlEncoded" | "form-urlencoded" => {
                ct(&mut headers, "application/x-www-form-urlencoded");
                let pairs = bru_dict(block("body:form-urlencoded").unwrap_or_default());
                Body::Text(
                    pairs
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("&"),
                )
            }
            "" | "none" => Body::None,
            other => {
                out.skipped
                    .push(format!("{where_}: a {other} body is not carried over"));
                Body::None
            }
        };
        for tag in [
            "script:pre-request",
            "script:post-response",
            "tests",
            "vars:pre-request",
            "vars:post-response",
        ] {
            if block(tag).is_some_and(|l| l.iter().any(|x| !x.trim().is_empty())) {
                out.skipped
                    .push(format!("{where_}: its {tag} block is not run"));
            }
        }
        let n = unique(&mut names, var_name(&title));
        requests.push((
            dir,
            seq,
            HttpRequest {
                name: Some(n),
                title: Some(where_.replace(['\n', '\r'], " ")),
                comments: bru_blocks_docs(&blocks),
                headers,
                body,
                ..HttpRequest::new(&method, &url)
            },
        ));
    }
    requests.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    out.requests = requests.into_iter().map(|(_, _, r)| r).collect();
    out.folders = folders.len();
    out.private_env = private;
    out.public_env = public;
    out
}

fn bru_blocks_docs(blocks: &[(String, Vec<String>)]) -> Vec<String> {
    blocks
        .iter()
        .find(|(n, _)| n == "docs")
        .map(|(_, l)| l.iter().take(6).cloned().collect())
        .unwrap_or_default()
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
        assert!(text.contains("\"password\": \"{{password}}\""), "{text}");
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
