//! OpenAPI 3.0 / 3.1 and Swagger 2.0 documents into a collection: one
//! request per operation, named by `operationId`, grouped by tag; path
//! parameters as `{{variables}}`; required query and header parameters; a
//! body from the example, else a minimal one generated from the schema;
//! `servers` as environments; security schemes as headers or query
//! parameters whose `{{variable}}` waits in the private env file.

use super::{Envs, Imported, scalar};
use crate::collection::{Body, Header, HttpRequest};
use serde_json::{Map, Value};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Whether a document is OpenAPI (3.x) or Swagger (2.0), and which.
pub fn version(doc: &Value) -> Option<String> {
    if let Some(v) = doc.get("openapi").and_then(Value::as_str) {
        return Some(format!("OpenAPI {v} document"));
    }
    if let Some(v) = doc.get("swagger").and_then(|v| {
        v.as_str()
            .map(str::to_owned)
            .or_else(|| v.as_f64().map(|f| f.to_string()))
    }) {
        return Some(format!("Swagger {v} document"));
    }
    None
}

/// Follows a local `$ref` (`#/components/schemas/X`), at most 32 deep.
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut cur = v;
    for _ in 0..32 {
        match cur.get("$ref").and_then(Value::as_str) {
            Some(r) if r.starts_with('#') => match doc.pointer(&r[1..]) {
                Some(next) => cur = next,
                None => return cur,
            },
            _ => return cur,
        }
    }
    cur
}

/// Imports an OpenAPI or Swagger document.
pub fn from_openapi(doc: &Value) -> Result<Imported, String> {
    let source =
        version(doc).ok_or("not an OpenAPI or Swagger document (no openapi / swagger field)")?;
    let swagger2 = doc.get("swagger").is_some();
    let name = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("api")
        .to_owned();
    let mut out = Imported {
        name,
        source,
        ..Imported::default()
    };
    // One budget for every example of the document.
    let budget = std::cell::Cell::new(EXAMPLE_BUDGET);
    // Servers → environments holding `baseUrl`.
    let mut public = Envs::new();
    if swagger2 {
        let host = doc
            .get("host")
            .and_then(Value::as_str)
            .unwrap_or("localhost");
        let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
        let scheme = doc
            .get("schemes")
            .and_then(Value::as_array)
            .and_then(|s| s.first())
            .and_then(Value::as_str)
            .unwrap_or("https");
        public
            .entry("default".into())
            .or_default()
            .insert("baseUrl".into(), format!("{scheme}://{host}{base}"));
    } else {
        let servers = doc
            .get("servers")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if servers.is_empty() {
            public
                .entry("default".into())
                .or_default()
                .insert("baseUrl".into(), "http://localhost".into());
        }
        for (i, s) in servers.iter().enumerate() {
            let mut url = s
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if let Some(vars) = s.get("variables").and_then(Value::as_object) {
                for (k, v) in vars {
                    let d = v.get("default").map(scalar).unwrap_or_default();
                    url = url.replace(&format!("{{{k}}}"), &d);
                }
            }
            let env = s
                .get("description")
                .and_then(Value::as_str)
                .map(slug)
                .filter(|d| !d.is_empty() && d.len() <= 30)
                .unwrap_or_else(|| {
                    if i == 0 {
                        "default".into()
                    } else {
                        format!("server{}", i + 1)
                    }
                });
            let mut env = env;
            if public.contains_key(&env) {
                env = format!("{env}-{}", i + 1);
            }
            public
                .entry(env)
                .or_default()
                .insert("baseUrl".into(), url.trim_end_matches('/').to_owned());
        }
    }
    let env_names: Vec<String> = public.keys().cloned().collect();
    // Security schemes.
    let schemes = if swagger2 {
        doc.get("securityDefinitions")
    } else {
        doc.pointer("/components/securitySchemes")
    }
    .and_then(Value::as_object)
    .cloned()
    .unwrap_or_default();
    let mut private = Envs::new();
    let mut file_vars: Vec<(String, String)> = Vec::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut with_tag: Vec<(String, HttpRequest)> = Vec::new();
    let no_paths = Map::new();
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .unwrap_or(&no_paths);
    for (path, item) in paths {
        let item = deref(doc, item);
        let shared_params: &[Value] = item
            .get("parameters")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice);
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let op_id = op.get("operationId").and_then(Value::as_str);
            let rname = super::unique(
                &mut names,
                slug_var(&op_id.map_or_else(|| format!("{m}_{path}"), str::to_owned)),
            );
            let tag = op
                .get("tags")
                .and_then(Value::as_array)
                .and_then(|t| t.first())
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let where_ = format!("{} {path}", m.to_ascii_uppercase());
            // Path template: `{id}` → `{{id}}`.
            let mut url = format!(
                "{{{{baseUrl}}}}{}",
                path.replace('{', "{{").replace('}', "}}")
            );
            let mut headers: Vec<Header> = Vec::new();
            let mut query: Vec<String> = Vec::new();
            let mut form: Vec<String> = Vec::new();
            let mut body_schema: Option<&Value> = None;
            let params: Vec<&Value> = shared_params
                .iter()
                .chain(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                )
                .map(|p| deref(doc, p))
                .collect();
            for p in params {
                let Some(pname) = p.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let required = p.get("required").and_then(Value::as_bool).unwrap_or(false);
                let var = slug_var(pname);
                let example = p
                    .get("example")
                    .or_else(|| p.pointer("/schema/example"))
                    .or_else(|| p.pointer("/schema/default"))
                    .or_else(|| p.get("default"))
                    .map(scalar);
                match p.get("in").and_then(Value::as_str).unwrap_or("") {
                    "path" => {
                        if var != pname {
                            url =
                                url.replace(&format!("{{{{{pname}}}}}"), &format!("{{{{{var}}}}}"));
                        }
                        define(&mut file_vars, &var, example);
                    }
                    "query" if required => {
                        query.push(format!("{pname}={{{{{var}}}}}"));
                        define(&mut file_vars, &var, example);
                    }
                    "header" if required => {
                        headers.push(Header {
                            name: pname.to_owned(),
                            value: format!("{{{{{var}}}}}"),
                            line: 0,
                        });
                        define(&mut file_vars, &var, example);
                    }
                    "body" => body_schema = p.get("schema"),
                    "formData" if required => form.push(format!("{pname}={{{{{var}}}}}")),
                    _ => {}
                }
            }
            if !query.is_empty() {
                url.push('?');
                url.push_str(&query.join("&"));
            }
            // Security: the operation's, else the document's; the first
            // requirement.
            let security = op.get("security").or_else(|| doc.get("security"));
            if let Some(req) = security
                .and_then(Value::as_array)
                .and_then(|s| s.first())
                .and_then(Value::as_object)
                && let Some((scheme_name, _)) = req.iter().next()
                && let Some(scheme) = schemes.get(scheme_name).map(|s| deref(doc, s))
            {
                let ty = scheme.get("type").and_then(Value::as_str).unwrap_or("");
                let http_scheme = scheme
                    .get("scheme")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let mut secret = |var: &str| {
                    for env in &env_names {
                        private
                            .entry(env.clone())
                            .or_default()
                            .entry(var.to_owned())
                            .or_default();
                    }
                };
                match (ty, http_scheme.as_str()) {
                    ("http", "bearer") | ("oauth2" | "openIdConnect", _) => {
                        headers.push(Header {
                            name: "Authorization".into(),
                            value: "Bearer {{token}}".into(),
                            line: 0,
                        });
                        secret("token");
                        if ty != "http" {
                            let note = format!(
                                "{scheme_name}: the {ty} flow is not run; put an access token in {{{{token}}}}"
                            );
                            if !out.skipped.contains(&note) {
                                out.skipped.push(note);
                            }
                        }
                    }
                    ("http" | "basic", "basic" | "") => {
                        headers.push(Header {
                            name: "Authorization".into(),
                            value: "Basic {{username}} {{password}}".into(),
                            line: 0,
                        });
                        secret("username");
                        secret("password");
                    }
                    ("apiKey", _) => {
                        let key = scheme
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or("X-Api-Key");
                        let var = slug_var(key);
                        secret(&var);
                        match scheme.get("in").and_then(Value::as_str) {
                            Some("query") => {
                                url.push(if url.contains('?') { '&' } else { '?' });
                                url.push_str(&format!("{key}={{{{{var}}}}}"));
                            }
                            Some("cookie") => headers.push(Header {
                                name: "Cookie".into(),
                                value: format!("{key}={{{{{var}}}}}"),
                                line: 0,
                            }),
                            _ => headers.push(Header {
                                name: key.to_owned(),
                                value: format!("{{{{{var}}}}}"),
                                line: 0,
                            }),
                        }
                    }
                    (other, _) => out.skipped.push(format!(
                        "{where_}: security scheme {scheme_name} ({other}) is not carried over"
                    )),
                }
            }
            // The body.
            let mut body = Body::None;
            if swagger2 {
                if let Some(schema) = body_schema {
                    let consumes = op
                        .get("consumes")
                        .or_else(|| doc.get("consumes"))
                        .and_then(Value::as_array);
                    let ct = consumes
                        .and_then(|c| c.first())
                        .and_then(Value::as_str)
                        .unwrap_or("application/json");
                    headers.push(Header {
                        name: "Content-Type".into(),
                        value: ct.to_owned(),
                        line: 0,
                    });
                    let v = example_within(doc, schema, 0, &budget);
                    body = Body::Text(serde_json::to_string_pretty(&v).unwrap_or_default());
                } else if !form.is_empty() {
                    headers.push(Header {
                        name: "Content-Type".into(),
                        value: "application/x-www-form-urlencoded".into(),
                        line: 0,
                    });
                    body = Body::Text(form.join("&"));
                }
            } else if let Some(rb) = op.get("requestBody").map(|r| deref(doc, r))
                && let Some(content) = rb.get("content").and_then(Value::as_object)
            {
                let (ct, media) = content
                    .iter()
                    .find(|(k, _)| k.contains("json"))
                    .or_else(|| content.iter().next())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .unwrap_or_default();
                headers.push(Header {
                    name: "Content-Type".into(),
                    value: ct.clone(),
                    line: 0,
                });
                let example = media
                    .get("example")
                    .map(|e| charged(e, &budget))
                    .or_else(|| {
                        media
                            .get("examples")
                            .and_then(Value::as_object)
                            .and_then(|e| e.values().next())
                            .map(|e| deref(doc, e))
                            .and_then(|e| e.get("value").map(|v| charged(v, &budget)))
                    })
                    .or_else(|| {
                        media
                            .get("schema")
                            .map(|s| example_within(doc, s, 0, &budget))
                    });
                if let Some(ex) = example {
                    body = Body::Text(if ct.contains("json") {
                        serde_json::to_string_pretty(&ex).unwrap_or_default()
                    } else if ct.contains("x-www-form-urlencoded") {
                        ex.as_object()
                            .map(|o| {
                                o.iter()
                                    .map(|(k, v)| format!("{k}={}", scalar(v)))
                                    .collect::<Vec<_>>()
                                    .join("&")
                            })
                            .unwrap_or_default()
                    } else {
                        scalar(&ex)
                    });
                }
            }
            let summary = op.get("summary").and_then(Value::as_str).map(str::to_owned);
            let title = match (&tag.is_empty(), &summary) {
                (false, Some(s)) => format!("{tag} / {s}"),
                (false, None) => format!("{tag} / {}", op_id.unwrap_or(&where_)),
                (true, Some(s)) => s.clone(),
                (true, None) => where_.clone(),
            };
            let comments = op
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.lines().take(6).map(str::to_owned).collect())
                .unwrap_or_default();
            with_tag.push((
                tag,
                HttpRequest {
                    name: Some(rname),
                    title: Some(title.replace(['\n', '\r'], " ")),
                    comments,
                    headers,
                    body,
                    ..HttpRequest::new(&m.to_ascii_uppercase(), &url)
                },
            ));
        }
    }
    // References that point nowhere (or out of the document) are listed.
    let mut broken = Vec::new();
    walk_refs(doc, doc, &mut Vec::new(), &mut broken, 0);
    for (at, r) in broken.into_iter().take(20) {
        out.skipped
            .push(format!("{at}: $ref {r} points nowhere in the document"));
    }
    // Grouped by tag, in the document's order within a tag.
    let mut tags: Vec<String> = Vec::new();
    for (t, _) in &with_tag {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    out.folders = tags.iter().filter(|t| !t.is_empty()).count();
    for t in &tags {
        out.requests.extend(
            with_tag
                .iter()
                .filter(|(x, _)| x == t)
                .map(|(_, r)| r.clone()),
        );
    }
    out.variables = file_vars;
    out.public_env = public;
    out.private_env = private;
    let empty: Vec<String> = out
        .private_env
        .values()
        .flat_map(|v| {
            v.iter()
                .filter(|(_, x)| x.is_empty())
                .map(|(k, _)| k.clone())
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !empty.is_empty() {
        out.skipped.push(format!(
            "credentials to fill in http-client.private.env.json: {}",
            empty.join(", ")
        ));
    }
    if budget.get() == 0 {
        out.skipped.push(format!(
            "the generated example bodies reached {EXAMPLE_BUDGET} nodes for this document: later ones are left minimal"
        ));
    }
    Ok(out)
}

/// Every `$ref` that does not resolve: (JSON pointer of the `$ref`, target).
/// The pointer is only spelled out for a broken one.
fn walk_refs(
    doc: &Value,
    v: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > 64 || out.len() >= 20 {
        return;
    }
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref")
                && (!r.starts_with('#') || doc.pointer(&r[1..]).is_none())
            {
                let at: String = path
                    .iter()
                    .map(|k| format!("/{}", k.replace('~', "~0").replace('/', "~1")))
                    .collect();
                out.push((format!("{at}/$ref"), r.clone()));
            }
            for (k, child) in m {
                if matches!(child, Value::Object(_) | Value::Array(_)) {
                    path.push(k.clone());
                    walk_refs(doc, child, path, out, depth + 1);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                if matches!(child, Value::Object(_) | Value::Array(_)) {
                    path.push(i.to_string());
                    walk_refs(doc, child, path, out, depth + 1);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// Adds a file variable once (with its example, else left for the user to
/// define: sending then names it).
fn define(vars: &mut Vec<(String, String)>, name: &str, example: Option<String>) {
    if let Some(e) = example
        && !vars.iter().any(|(k, _)| k == name)
    {
        vars.push((name.to_owned(), e));
    }
}

fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// A variable or request name: the original when it is already one
/// (`boardId`, `listCards`), else a slug (`X-Api-Key` → `x_api_key`).
fn slug_var(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.starts_with(|c: char| c.is_ascii_digit())
    {
        return s.to_owned();
    }
    let v = slug(s).replace('-', "_");
    if v.is_empty() { "param".into() } else { v }
}

/// A minimal example of a schema: its `example`, else required properties
/// (all when none is marked) with typed placeholders; `$ref`, `allOf`,
/// `oneOf` / `anyOf` (the first) followed; bounded in depth.
pub fn example_of(doc: &Value, schema: &Value, depth: usize) -> Value {
    let budget = std::cell::Cell::new(EXAMPLE_BUDGET);
    example_within(doc, schema, depth, &budget)
}

/// The nodes every generated example of one document may hold in all (a
/// schema that refers to itself through arrays and properties would
/// otherwise reach gigabytes from a few kilobytes).
pub const EXAMPLE_BUDGET: usize = 200_000;

/// A value's nodes, counted up to `limit` (the cost of copying it).
fn nodes(v: &Value, limit: usize) -> usize {
    let mut n = 1;
    let children: Box<dyn Iterator<Item = &Value>> = match v {
        Value::Array(a) => Box::new(a.iter()),
        Value::Object(o) => Box::new(o.values()),
        _ => return 1,
    };
    for c in children {
        if n >= limit {
            break;
        }
        n += nodes(c, limit - n);
    }
    n
}

/// A value from the document, if the budget still holds its copy.
fn charged(v: &Value, budget: &std::cell::Cell<usize>) -> Value {
    let cost = nodes(v, budget.get() + 1);
    if cost > budget.get() {
        budget.set(0);
        return Value::Null;
    }
    budget.set(budget.get() - cost);
    v.clone()
}

/// [`example_of`] with a budget of schema nodes: a schema that refers to
/// itself many times over (`A` with ten properties of type `A`) stops at
/// the budget instead of growing exponentially.
fn example_within(
    doc: &Value,
    schema: &Value,
    depth: usize,
    budget: &std::cell::Cell<usize>,
) -> Value {
    let s = deref(doc, schema);
    if depth > 8 || budget.get() == 0 {
        return Value::Null;
    }
    budget.set(budget.get() - 1);
    if let Some(e) = s.get("example") {
        return charged(e, budget);
    }
    if let Some(e) = s
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return charged(e, budget);
    }
    if let Some(d) = s.get("default") {
        return charged(d, budget);
    }
    if let Some(first) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return charged(first, budget);
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(o) = example_within(doc, part, depth + 1, budget) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    if let Some(first) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
    {
        return example_within(doc, first, depth + 1, budget);
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_owned(),
        _ if s.get("properties").is_some() => "object".into(),
        _ => String::new(),
    };
    match ty.as_str() {
        "object" => {
            let props = s
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut o = Map::new();
            for (k, v) in &props {
                if required.is_empty() || required.contains(&k.as_str()) {
                    o.insert(k.clone(), example_within(doc, v, depth + 1, budget));
                }
            }
            Value::Object(o)
        }
        "array" => {
            let item = s
                .get("items")
                .map_or(Value::Null, |i| example_within(doc, i, depth + 1, budget));
            Value::Array(vec![item])
        }
        "integer" => Value::from(0),
        "number" => Value::from(0.0),
        "boolean" => Value::Bool(false),
        "string" => Value::String(
            match s.get("format").and_then(Value::as_str).unwrap_or("") {
                "date-time" => "2026-01-01T00:00:00Z",
                "date" => "2026-01-01",
                "email" => "user@example.com",
                "uuid" => "00000000-0000-0000-0000-000000000000",
                "uri" | "url" => "https://example.com",
                _ => "string",
            }
            .into(),
        ),
        _ => Value::Null,
    }
}

/// A decode profile (TOML) for the API a document describes: error
/// detection and the code / message / request-id places from its error
/// response schemas (4xx, 5xx, `default`), its documented codes (the code
/// property's enum, with `x-enum-descriptions` when given) and per-status
/// descriptions as troubleshooting entries, and the rate-limit headers its
/// responses declare. The text is checked to load before it is returned.
pub fn profile(doc: &Value) -> Result<(String, String), String> {
    version(doc).ok_or("not an OpenAPI or Swagger document")?;
    let swagger2 = doc.get("swagger").is_some();
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("api");
    let id = slug(title);
    let id = if id.is_empty() { "api".to_owned() } else { id };
    // A document titled `generic` (or `envelope`…) never replaces a
    // built-in profile: its id says it is the imported one.
    let id = if crate::decode::profile::built_in_ids().any(|b| b == id) {
        format!("{id}-imported")
    } else {
        id
    };
    // Error schemas by frequency; per-status descriptions; rate headers.
    // Counted by place in the document: a shared component is one place.
    let mut schemas: Vec<(&Value, usize)> = Vec::new();
    let mut seen: std::collections::HashMap<*const Value, usize> = Default::default();
    let mut status_desc: std::collections::BTreeMap<String, String> = Default::default();
    let mut rate_headers: Vec<String> = Vec::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(_, v)| deref(doc, v))
    {
        for m in METHODS {
            let Some(responses) = item
                .get(*m)
                .and_then(|op| op.get("responses"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            for (status, resp) in responses {
                let resp = deref(doc, resp);
                for h in resp
                    .get("headers")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(k, _)| k)
                {
                    let l = h.to_ascii_lowercase();
                    if (l.contains("ratelimit") || l.contains("rate-limit") || l == "retry-after")
                        && !rate_headers.contains(h)
                    {
                        rate_headers.push(h.clone());
                    }
                }
                let error_status =
                    status.starts_with('4') || status.starts_with('5') || status == "default";
                if !error_status {
                    continue;
                }
                if status.len() == 3
                    && status.bytes().all(|b| b.is_ascii_digit())
                    && let Some(d) = resp.get("description").and_then(Value::as_str)
                    && !d.trim().is_empty()
                {
                    status_desc
                        .entry(status.clone())
                        .or_insert_with(|| d.trim().to_owned());
                }
                let schema = if swagger2 {
                    resp.get("schema")
                } else {
                    resp.get("content")
                        .and_then(Value::as_object)
                        .and_then(|c| c.iter().find(|(k, _)| k.contains("json")).map(|(_, v)| v))
                        .and_then(|mt| mt.get("schema"))
                };
                if let Some(sc) = schema {
                    let sc = deref(doc, sc);
                    match seen.get(&std::ptr::from_ref(sc)) {
                        Some(&k) => schemas[k].1 += 1,
                        None => {
                            seen.insert(std::ptr::from_ref(sc), schemas.len());
                            schemas.push((sc, 1));
                        }
                    }
                }
            }
        }
    }
    schemas.sort_by_key(|s| std::cmp::Reverse(s.1));
    let schema = schemas.first().map(|(s, _)| (*s).clone()).ok_or(
        "the document declares no JSON schema for its error responses (4xx, 5xx, default)",
    )?;
    // Where the error object sits: `{error: {…}}`, `{errors: [{…}]}` or the body.
    let props_of = |s: &Value| -> Map<String, Value> {
        let s = deref(doc, s);
        let mut out = s
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for part in s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(p) = deref(doc, part)
                .get("properties")
                .and_then(Value::as_object)
            {
                out.extend(p.clone());
            }
        }
        out
    };
    let top = props_of(&schema);
    let (base, props) = if let Some(e) = top.get("error").filter(|e| !props_of(e).is_empty()) {
        ("/error".to_owned(), props_of(e))
    } else if let Some(items) = top
        .get("errors")
        .and_then(|e| deref(doc, e).get("items"))
        .filter(|i| !props_of(i).is_empty())
    {
        ("/errors/0".to_owned(), props_of(items))
    } else {
        (String::new(), top)
    };
    let pick = |names: &[&str]| {
        names
            .iter()
            .find(|n| props.contains_key(**n))
            .map(|n| (*n).to_owned())
    };
    let code = pick(&[
        "code",
        "error_code",
        "errorCode",
        "error",
        "type",
        "kind",
        "reason",
        "status",
    ]);
    let message = pick(&[
        "message",
        "error_description",
        "detail",
        "description",
        "errorMessage",
        "error_message",
        "msg",
        "title",
    ]);
    let request_id = pick(&[
        "request_id",
        "requestId",
        "trace_id",
        "traceId",
        "correlation_id",
        "correlationId",
    ]);
    if code.is_none() && message.is_none() {
        return Err("its error schema names no code or message property".into());
    }
    let ptr = |f: &Option<String>| f.as_ref().map(|f| format!("{base}/{f}"));
    let mut t = toml::Table::new();
    t.insert("id".into(), id.clone().into());
    t.insert("name".into(), title.into());
    t.insert(
        "description".into(),
        format!(
            "From the OpenAPI document '{title}' {} (apiscope import --profile)",
            doc.pointer("/info/version").map(scalar).unwrap_or_default()
        )
        .into(),
    );
    let hosts: Vec<toml::Value> = doc
        .get("servers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.get("url").and_then(Value::as_str))
        .chain(doc.get("host").and_then(Value::as_str))
        .filter_map(|u| {
            let u = if u.contains("://") {
                u.to_owned()
            } else {
                format!("https://{u}")
            };
            url::Url::parse(&u).ok()?.host_str().map(str::to_owned)
        })
        .filter(|h| h != "localhost" && h != "127.0.0.1" && !h.contains('{'))
        .map(toml::Value::from)
        .collect();
    t.insert("hosts".into(), toml::Value::Array(hosts));
    // After the built-in formats (10–62) and before `generic` (1000): a
    // response from the API's own hosts is claimed by host; elsewhere the
    // documented formats keep theirs.
    t.insert("priority".into(), 900.into());
    let cond = |p: &str| {
        let mut c = toml::Table::new();
        c.insert("pointer".into(), p.into());
        toml::Value::Table(c)
    };
    let mut all = Vec::new();
    for p in [ptr(&code), ptr(&message)].into_iter().flatten() {
        all.push(cond(&p));
    }
    let mut present = toml::Table::new();
    present.insert("all".into(), toml::Value::Array(all.clone()));
    let documented = code.as_ref().is_some_and(|c| {
        deref(doc, &props[c])
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| !e.is_empty())
    });
    let mut sig = present.clone();
    if documented {
        // Only a documented code marks a body as this API's.
        let mut known = toml::Table::new();
        known.insert("known_code".into(), true.into());
        sig.insert(
            "any".into(),
            toml::Value::Array(vec![toml::Value::Table(known)]),
        );
    }
    // Claimed by host, by --dialect, or by a code only this API documents;
    // a body's shape alone is no evidence — a stranger's document must
    // not speak for everybody's `{"code", "message"}`.
    let detect = if documented {
        vec![toml::Value::Table(sig)]
    } else {
        Vec::new()
    };
    t.insert("detect".into(), toml::Value::Array(detect));
    let mut error = toml::Table::new();
    error.insert("present".into(), toml::Value::Table(present));
    let list =
        |p: Option<String>| toml::Value::Array(p.into_iter().map(toml::Value::from).collect());
    error.insert("code".into(), list(ptr(&code)));
    error.insert("message".into(), list(ptr(&message)));
    error.insert("request_id".into(), list(ptr(&request_id)));
    t.insert("error".into(), toml::Value::Table(error));
    if !rate_headers.is_empty() {
        let mut rl = toml::Table::new();
        rl.insert(
            "headers".into(),
            toml::Value::Array(rate_headers.iter().map(|h| h.as_str().into()).collect()),
        );
        t.insert("rate_limit".into(), toml::Value::Table(rl));
    }
    let mut status = toml::Table::new();
    for (st, d) in &status_desc {
        let mut g = toml::Table::new();
        g.insert("steps".into(), toml::Value::Array(vec![d.as_str().into()]));
        status.insert(st.clone(), toml::Value::Table(g));
    }
    if !status.is_empty() {
        t.insert("status".into(), toml::Value::Table(status));
    }
    // Documented codes: the code property's enum.
    if let Some(c) = &code {
        let cs = deref(doc, &props[c]);
        let descriptions = cs
            .get("x-enum-descriptions")
            .or_else(|| cs.get("x-enumDescriptions"))
            .and_then(Value::as_array);
        let mut codes = Vec::new();
        for (i, v) in cs
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let mut e = toml::Table::new();
            e.insert("code".into(), scalar(v).into());
            if let Some(d) = descriptions.and_then(|d| d.get(i)).and_then(Value::as_str) {
                e.insert("description".into(), d.into());
                e.insert("steps".into(), toml::Value::Array(vec![d.into()]));
            }
            codes.push(toml::Value::Table(e));
        }
        if !codes.is_empty() {
            t.insert("codes".into(), toml::Value::Array(codes));
        }
    }
    let text = format!(
        "# A decode profile written by `apiscope import --profile` from the OpenAPI\n# document '{title}'. Edit it freely; see the README's \"Teaching apiscope your API\".\n{}",
        toml::to_string(&t).map_err(|e| e.to_string())?
    );
    crate::decode::profile::parse_profile(&text)
        .map_err(|e| format!("the profile written does not load: {e}"))?;
    Ok((id, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swagger_2_body_form_and_query_key() {
        let doc: Value = serde_json::from_str(
            r##"{"swagger": "2.0", "info": {"title": "Pets"}, "host": "pets.example", "basePath": "/v1", "schemes": ["https"],
            "securityDefinitions": {"key": {"type": "apiKey", "in": "query", "name": "api_key"}},
            "security": [{"key": []}],
            "definitions": {"Pet": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "example": "Rex"}, "age": {"type": "integer"}}}},
            "paths": {
              "/pets": {"post": {"operationId": "addPet", "parameters": [{"in": "body", "name": "pet", "schema": {"$ref": "#/definitions/Pet"}}]}},
              "/login": {"post": {"operationId": "login", "consumes": ["application/x-www-form-urlencoded"], "security": [],
                 "parameters": [{"in": "formData", "name": "user", "required": true, "type": "string"}]}}
            }}"##,
        )
        .unwrap();
        let out = from_openapi(&doc).unwrap();
        assert_eq!(out.source, "Swagger 2.0 document");
        assert_eq!(
            out.public_env["default"]["baseUrl"],
            "https://pets.example/v1"
        );
        let add = &out.requests[0];
        assert_eq!(add.url, "{{baseUrl}}/pets?api_key={{api_key}}");
        assert_eq!(add.body, Body::Text("{\n  \"name\": \"Rex\"\n}".into()));
        let login = &out.requests[1];
        assert_eq!(login.url, "{{baseUrl}}/login");
        assert_eq!(login.body, Body::Text("user={{user}}".into()));
        assert!(out.private_env["default"].contains_key("api_key"));
    }
}
