//! Postman collections (v2.1 and v2.0) and their environment exports.

use super::*;
use crate::collection::{Script, ScriptCode};

/// Whether a JSON document is a Postman collection, and which version.
pub fn postman_version(doc: &Value) -> Option<&'static str> {
    let Some(info) = doc.get("info") else {
        // newman also runs a collection with no `info` (only `item`, with
        // `name`, `variable`, `auth` or `event` beside it).
        let items = doc.get("item").is_some_and(Value::is_array);
        let beside = ["name", "variable", "auth", "event"]
            .iter()
            .any(|k| doc.get(k).is_some());
        return (items && beside).then_some("Postman collection");
    };
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
    "$randomUUID",
    "$timestamp",
    "$isoTimestamp",
    "$randomInt",
];

/// A Postman collection (v2.1 or v2.0) and its environment exports
/// (`(file name, document)`). Folders become titles that keep the path.
pub fn from_postman(doc: &Value, envs: &[(String, Value)]) -> Result<Imported, String> {
    from_postman_in(doc, envs, "")
}

/// [`from_postman`], with the relative file paths of its bodies (`src`,
/// relative to the collection, as newman reads them) written after
/// `files_base` (the way from the `.http` file to the collection, `../`).
pub fn from_postman_in(
    doc: &Value,
    envs: &[(String, Value)],
    files_base: &str,
) -> Result<Imported, String> {
    let source = postman_version(doc).ok_or("not a Postman collection (no info.schema)")?;
    let name = doc
        .pointer("/info/name")
        .or_else(|| doc.get("name"))
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
    // Collection variables: `$shared` values (public, or private for a
    // secret), below every environment's, as Postman ranks them.
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
        let target = if super::is_secret(k, &val) && !val.is_empty() {
            &mut private
        } else {
            &mut public
        };
        target
            .entry("$shared".into())
            .or_default()
            .insert(k.to_owned(), val);
    }
    // Globals exports (newman's `-g`): defined everywhere, below the
    // collection's variables.
    for (_, globals) in envs.iter().filter(|(_, e)| is_globals(e)) {
        for v in globals
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            // (newman uses a value exported with `enabled: false` too.)
            let taken = v.get("key").and_then(Value::as_str).is_some_and(|k| {
                [&public, &private]
                    .iter()
                    .any(|m| m.get("$shared").is_some_and(|s| s.contains_key(k)))
            });
            if !taken {
                put_export_value(v, "$shared", &mut public, &mut private);
            }
        }
    }
    for (file, env) in envs.iter().filter(|(_, e)| !is_globals(e)) {
        let env_name = env
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| file.clone(), str::to_owned);
        let Some(values) = env.get("values").and_then(Value::as_array) else {
            return Err(format!(
                "{file}: not a Postman environment export (no values)"
            ));
        };
        // (newman uses a value exported with `enabled: false` too.)
        for v in values {
            put_export_value(v, &env_name, &mut public, &mut private);
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
        files_base: files_base.to_owned(),
    };
    let mut names = std::collections::HashSet::new();
    let root_auth = doc.get("auth");
    // The collection's scripts run before (pre-request) and after (test)
    // each of its requests, then each folder's, then the request's own.
    let root_scripts = (
        level(
            Vec::new(),
            "the collection",
            event_script(doc, "prerequest", "the collection", &mut out),
        ),
        level(
            Vec::new(),
            "the collection",
            event_script(doc, "test", "the collection", &mut out),
        ),
    );
    walk_items(
        doc.get("item")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice),
        &[],
        root_auth.map(|a| (a, "the collection".to_owned())),
        &root_scripts,
        &mut out,
        &mut vault,
        &mut names,
    );
    out.private_env = private;
    out.public_env = public;
    Ok(out)
}

/// What a Postman sandbox script may use that apiscope's lacks: named in
/// the import summary (the script fails clearly when it reaches one).
const UNSUPPORTED: &[&str] = &[
    "pm.sendRequest",
    "pm.cookies",
    "pm.execution",
    "pm.iterationData",
    "pm.request.url.query.add",
    "pm.request.url.query.upsert",
    "pm.request.url.query.remove",
    "pm.request.url.addQueryParams",
    "pm.request.url.removeQueryParams",
    "pm.request.url.update",
    "pm.request.body.update",
    "pm.request.auth",
    "postman.setNextRequest",
    "require(",
    "CryptoJS.AES",
    "CryptoJS.Rabbit",
    "xml2Json",
    "cheerio",
    "moment(",
    "_.",
];

/// An item's (or the collection's) `listen` script, its lines joined; what
/// it uses that the sandbox lacks goes to the summary.
fn event_script(item: &Value, listen: &str, where_: &str, out: &mut Imported) -> String {
    let mut code = String::new();
    for ev in item
        .get("event")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if ev.get("listen").and_then(Value::as_str) != Some(listen)
            || ev.get("disabled").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        match ev.pointer("/script/exec") {
            Some(Value::Array(lines)) => {
                for l in lines {
                    code.push_str(l.as_str().unwrap_or_default());
                    code.push('\n');
                }
            }
            Some(Value::String(s)) => {
                code.push_str(s);
                code.push('\n');
            }
            _ => {}
        }
    }
    if code.trim().is_empty() {
        return String::new();
    }
    for u in UNSUPPORTED {
        if code.contains(u) {
            let what = u.trim_end_matches(['(', '.']);
            out.skipped.push(format!(
                "{where_}: its {listen} script uses {what}, which apiscope's script sandbox lacks (that script fails there when run)"
            ));
        }
    }
    code
}

/// A URL object's URL built from its parts, as newman builds it:
/// `protocol://host:port/path`, each `:name` segment replaced by its
/// `variable` value (spaces and non-ASCII percent-encoded; an empty or
/// undeclared one stays as written). `None` without `host` and `path`.
fn url_from_parts(o: &Map<String, Value>) -> Option<String> {
    let join = |v: Option<&Value>, sep: &str| -> Option<String> {
        match v? {
            Value::Array(a) => Some(a.iter().map(scalar).collect::<Vec<_>>().join(sep)),
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    };
    let host = join(o.get("host"), ".")?;
    let vars: Vec<(String, String)> = o
        .get("variable")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v.get("disabled").and_then(Value::as_bool) != Some(true))
        .filter_map(|v| {
            let k = v.get("key").and_then(Value::as_str)?;
            Some((k.to_owned(), v.get("value").map(scalar).unwrap_or_default()))
        })
        .collect();
    let segments: Vec<String> = match o.get("path") {
        Some(Value::Array(a)) => a.iter().map(scalar).collect(),
        Some(Value::String(s)) => s
            .trim_start_matches('/')
            .split('/')
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let path: Vec<String> = segments
        .into_iter()
        .map(|seg| {
            let Some(name) = seg.strip_prefix(':').filter(|n| !n.is_empty()) else {
                return seg;
            };
            // `:id.json`: the variable `id`, then `.json`.
            let (name, rest) = if vars.iter().any(|(k, _)| k == name) {
                (name, "")
            } else {
                name.split_once('.')
                    .map_or((name, ""), |(n, _)| (n, &name[n.len()..]))
            };
            match vars.iter().find(|(k, _)| k == name) {
                Some((_, v)) if !v.is_empty() => format!("{}{rest}", path_encode(v)),
                _ => seg,
            }
        })
        .collect();
    let mut out = String::new();
    if let Some(p) = o
        .get("protocol")
        .and_then(Value::as_str)
        .filter(|p| !p.is_empty())
    {
        out.push_str(p.trim_end_matches("://").trim_end_matches(':'));
        out.push_str("://");
    }
    out.push_str(&host);
    if let Some(port) = o.get("port").map(scalar).filter(|p| !p.is_empty()) {
        out.push(':');
        out.push_str(&port);
    }
    if !path.is_empty() {
        out.push('/');
        out.push_str(&path.join("/"));
    }
    Some(out)
}

/// The type newman gives a file part (its MIME database, the common
/// part); curl's smaller table otherwise.
pub(super) fn newman_type(file: &str) -> &'static str {
    let ext = file
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "md" | "markdown" => "text/markdown",
        "csv" => "text/csv",
        "json" => "application/json",
        "js" | "mjs" => "application/javascript",
        "css" => "text/css",
        "yaml" | "yml" => "text/yaml",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "webp" => "image/webp",
        "ico" => "image/vnd.microsoft.icon",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "bin" => "application/octet-stream",
        _ => crate::multipart::guess_type(file),
    }
}

/// A path variable's value as newman puts it in the path: spaces, quotes,
/// angle brackets, `#`, `?` and non-ASCII percent-encoded, `{{…}}` whole.
fn path_encode(v: &str) -> String {
    if crate::template::has_placeholder(v) {
        return v.to_owned();
    }
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_graphic() && !b"\"<>`#?{}%".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A form field's name or value as newman puts it on the wire
/// (`encodeURIComponent`, and `!'()*`), its `{{variables}}` left whole
/// (form-encoded once substituted: `# @urlencode-variables`).
fn form_encode(text: &str) -> String {
    outside_vars(text, crate::collection::vars::form_value)
}

/// A file path of the collection as the `.http` file names it: a
/// relative one after `base`; absolute ones, `~` and `{{…}}` as written.
pub(super) fn relative_to(base: &str, src: &str) -> String {
    if base.is_empty()
        || src.is_empty()
        || std::path::Path::new(src).is_absolute()
        || src.starts_with('~')
        || src.starts_with("{{")
    {
        return src.to_owned();
    }
    format!("{base}{}", src.trim_start_matches("./"))
}

/// The code of a script made of its parents' and its own parts.
/// One value of a Postman environment or globals export under `env`: in
/// the private file when it is a secret (its `type`, or its name and
/// shape), else the public one.
fn put_export_value(v: &Value, env: &str, public: &mut Envs, private: &mut Envs) {
    let Some(k) = v.get("key").and_then(Value::as_str) else {
        return;
    };
    let val = v.get("value").map(scalar).unwrap_or_default();
    let secret =
        v.get("type").and_then(Value::as_str) == Some("secret") || super::is_secret(k, &val);
    let target = if secret { private } else { public };
    target
        .entry(env.to_owned())
        .or_default()
        .insert(k.to_owned(), val);
}

/// Whether a Postman export is a globals export (`-g` for newman).
fn is_globals(doc: &Value) -> bool {
    doc.get("_postman_variable_scope").and_then(Value::as_str) == Some("globals")
}

/// `text` percent-encoded as postman-url-encoder encodes a query
/// parameter: controls, non-ASCII (UTF-8), space `"` `#` `'` `<` `>`, and
/// `extra` (`&` in a value; `&` and `=` in a key).
fn query_param_encoded(text: &str, extra: &[u8]) -> String {
    crate::collection::vars::percent_encoded(
        text,
        |b| (0x20..0x7F).contains(&b) && !b" \"#'<>".contains(&b) && !extra.contains(&b),
        false,
    )
}

/// The scripts of one event, each level's (the collection's, each
/// folder's, the request's) with where it is from.
type Levels = Vec<(String, String)>;

/// `parent`'s levels, and `own` (of `where_`) after them when not empty.
fn level(parent: Levels, where_: &str, own: String) -> Levels {
    let mut out = parent;
    if !own.trim().is_empty() {
        out.push((where_.to_owned(), own));
    }
    out
}

/// One script file of an event's levels. One level is written as it is;
/// several run each on its own, as newman runs them: an error in one does
/// not stop the next (the first is reported once all ran), and names one
/// declares are not seen by the next (`const data` in two levels is no
/// clash). `client.exit()` still ends them all.
fn script_text(levels: &[(String, String)], event: &str) -> String {
    match levels {
        [] => String::new(),
        [(_, code)] => code.clone(),
        _ => {
            let mut out = String::from(
                "// Imported from a Postman collection: each level's script runs on its own, as\n// newman runs them (an error in one does not stop the next; names declared in\n// one are not seen by the next).\nvar __apiscope_failed = [];\n",
            );
            for (where_, code) in levels {
                let where_ = where_.replace(['\n', '\r'], " ");
                out.push_str(&format!(
                    "// ── {where_}: its {event} script\ntry {{ (function () {{\n{code}"
                ));
                if !code.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(
                    "})(); } catch (e) { if (e === globalThis.__exit) throw e; __apiscope_failed.push(e); }\n",
                );
            }
            out.push_str("if (__apiscope_failed.length > 0) throw __apiscope_failed[0];\n");
            out
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn walk_items(
    items: &[Value],
    path: &[String],
    auth: Option<(&Value, String)>,
    scripts: &(Levels, Levels),
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
        // (newman reads an explicit `{"type": "inherit"}` as no auth at
        // all; only an item without `auth` inherits.)
        let own_auth = item.get("auth").or_else(|| item.pointer("/request/auth"));
        // (With where it is written: requests that share a folder's auth
        // share its state, as Postman's runtime keeps it on the auth.)
        let auth = match own_auth {
            Some(a) if a.get("type").and_then(Value::as_str) == Some("inherit") => None,
            Some(a) => Some((a, where_.clone())),
            None => auth.clone(),
        };
        let scripts = (
            level(
                scripts.0.clone(),
                &where_,
                event_script(item, "prerequest", &where_, out),
            ),
            level(
                scripts.1.clone(),
                &where_,
                event_script(item, "test", &where_, out),
            ),
        );
        if let Some(children) = item.get("item").and_then(Value::as_array) {
            out.folders += 1;
            if here.len() > 32 {
                out.skipped.push(format!(
                    "{where_}: folders nested deeper than 32 are not carried over"
                ));
                continue;
            }
            walk_items(children, &here, auth.clone(), &scripts, out, vault, names);
            continue;
        }
        let Some(req) = item.get("request") else {
            continue;
        };
        let keep_body = item
            .pointer("/protocolProfileBehavior/disableBodyPruning")
            .and_then(Value::as_bool)
            == Some(true);
        let shared = auth
            .as_ref()
            .map(|(_, owner)| owner.clone())
            .filter(|owner| *owner != where_);
        if let Some(r) = postman_request(
            req,
            keep_body,
            &where_,
            auth.map(|(a, _)| a),
            shared.as_deref(),
            out,
            vault,
        ) {
            let rname = unique(names, var_name(&name));
            // Scripts go to files of their own beside the collection,
            // never into the `.http` text (a `%}` or `###` in one cannot
            // change the file), and run once the collection is trusted.
            let mut file_script = |levels: &Levels, kind: &str| -> Option<Script> {
                let code = script_text(levels, if kind == "pre" { "pre-request" } else { "test" });
                if code.trim().is_empty() {
                    return None;
                }
                let rel = format!("scripts/{rname}.{kind}.js");
                out.files.push((rel.clone(), code));
                Some(Script {
                    line: 0,
                    code: ScriptCode::File(format!("./{rel}")),
                })
            };
            let pre = file_script(&scripts.0, "pre");
            let handler = file_script(&scripts.1, "test");
            let comments = req
                .get("description")
                .or_else(|| item.get("description"))
                .map(|d| match d {
                    Value::Object(o) => o.get("content").map(scalar).unwrap_or_default(),
                    other => scalar(other),
                })
                .map(|d| d.lines().map(str::to_owned).collect())
                .unwrap_or_default();
            let comments = [comments, r.comments.clone()].concat();
            out.requests.push(HttpRequest {
                name: Some(rname),
                title: Some(where_.replace(['\n', '\r'], " ")),
                comments,
                pre,
                handler,
                ..r
            });
        }
    }
}

fn postman_request(
    req: &Value,
    keep_body: bool,
    where_: &str,
    auth: Option<&Value>,
    shared: Option<&str>,
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
            // newman builds the URL from its parts when it has them (and
            // they win over `raw`), path variables put in.
            let base = match url_from_parts(o) {
                Some(b) => b,
                None => raw.split('?').next().unwrap_or(raw).to_owned(),
            };
            let query: Vec<String> = o
                .get("query")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|q| q.get("disabled").and_then(Value::as_bool) != Some(true))
                .map(|q| {
                    let k = q.get("key").and_then(Value::as_str).unwrap_or("");
                    // A key without a value goes as `flag`; an empty
                    // value as `empty=`.
                    // (A `#` in a parameter is data: newman encodes it.)
                    let k = k.replace('#', "%23").replace('&', "%26");
                    match q.get("value") {
                        // (An empty word stays: `?a&&b`, `?` alone — newman
                        // keeps them.)
                        None | Some(Value::Null) => k,
                        Some(v) => format!(
                            "{k}={}",
                            outside_vars(&scalar(v), |t| t.replace('#', "%23").replace('&', "%26"))
                        ),
                    }
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
    // A URL without a scheme is http://, as Postman reads it.
    if !url.contains("://") && !url.starts_with("{{") {
        url = format!("http://{url}");
    }
    url = secret_query(&url, vault);
    let mut headers: Vec<Header> = Vec::new();
    // The URL's user and password (`url.auth`): Basic, as newman sends
    // them (the password kept in the private env file).
    if let Some(a) = url_v.get("auth").and_then(Value::as_object) {
        let user = a.get("user").map(scalar).unwrap_or_default();
        let password = a.get("password").map(scalar).unwrap_or_default();
        if !user.is_empty() && !user.contains(char::is_whitespace) {
            let password = if password.is_empty() || crate::template::has_placeholder(&password) {
                password
            } else {
                vault.var("password", &password)
            };
            headers.push(Header {
                name: "Authorization".into(),
                value: if password.is_empty() {
                    format!("Basic {user}:")
                } else {
                    format!("Basic {user} {password}")
                },
                line: 0,
            });
        }
    }
    for h in header_v.and_then(Value::as_array).into_iter().flatten() {
        if h.get("disabled").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let (Some(k), Some(v)) = (h.get("key").and_then(Value::as_str), h.get("value")) else {
            continue;
        };
        let v = scalar(v);
        let value = if crate::template::has_placeholder(&v) {
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
    // (One Authorization header goes, as newman sends one.)
    if let Some(a) = auth
        && matches!(
            a.get("type").and_then(Value::as_str),
            Some("bearer" | "basic" | "digest" | "oauth1")
        )
    {
        headers.retain(|h| !h.name.eq_ignore_ascii_case("authorization"));
    }
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
            if crate::template::has_placeholder(&v) {
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
                let p = param("password").unwrap_or_default();
                let p = if p.is_empty() { p } else { keep("password", p) };
                headers.push(Header {
                    name: "Authorization".into(),
                    // (`user:` when there is no password: Basic of `user:`.)
                    value: if p.is_empty() {
                        format!("Basic {u}:")
                    } else {
                        format!("Basic {u} {p}")
                    },
                    line: 0,
                });
            }
            "digest" => {
                // `Digest USER PASSWORD`: the challenge answered; with the
                // realm and nonce given, answered ahead as Postman's
                // runtime does (`realm="…" nonce="…" …` after it).
                let u = param("username").unwrap_or_default();
                let p = param("password").unwrap_or_default();
                let p = if p.is_empty() { p } else { keep("password", p) };
                // (The algorithm always: it marks Postman's way of
                // answering, its header's form.)
                let mut value = format!(
                    "Digest {u} {p} algorithm=\"{}\"",
                    param("algorithm")
                        .filter(|a| !a.is_empty() && !a.contains('"'))
                        .unwrap_or_else(|| "MD5".into())
                );
                {
                    for (key, name) in [
                        ("realm", "realm"),
                        ("nonce", "nonce"),
                        ("qop", "qop"),
                        ("nonceCount", "nc"),
                        ("clientNonce", "cnonce"),
                        ("opaque", "opaque"),
                    ] {
                        let v = param(key).unwrap_or_default();
                        if !v.is_empty() && !v.contains('"') {
                            value.push_str(&format!(" {name}=\"{v}\""));
                        }
                    }
                    // The folder (or collection) whose auth it is: the
                    // requests under it share what a challenge taught.
                    if let Some(owner) = shared.filter(|o| !o.contains('"')) {
                        value.push_str(&format!(" shared=\"{owner}\""));
                    }
                }
                if u.is_empty()
                    || p.is_empty()
                    || u.contains(char::is_whitespace)
                    || u.contains(['=', '"'])
                {
                    out.skipped.push(format!(
                        "{where_}: digest authentication without a user name and a password (or with a space, `=` or `\"` in the name) is not carried over"
                    ));
                } else {
                    headers.push(Header {
                        name: "Authorization".into(),
                        value,
                        line: 0,
                    });
                }
            }
            "oauth1" => {
                // apiscope's `OAuth1 key="value" …` shorthand: signed as
                // newman's runtime signs (a fresh nonce and timestamp).
                let method = param("signatureMethod").unwrap_or_else(|| "HMAC-SHA1".into());
                let ck = param("consumerKey").unwrap_or_default();
                let cs = param("consumerSecret").unwrap_or_default();
                let truthy = |k: &str| param(k).is_some_and(|v| v == "true");
                if method.to_ascii_uppercase().starts_with("RSA") {
                    out.skipped.push(format!(
                        "{where_}: OAuth 1.0 with {method} is not carried over (HMAC-SHA1, HMAC-SHA256, HMAC-SHA512 and PLAINTEXT are)"
                    ));
                } else if ck.is_empty() || cs.is_empty() {
                    // (newman signs nothing without both.)
                } else {
                    let mut words = vec![format!("consumer_key=\"{ck}\"")];
                    let mut bad = false;
                    for (key, name, secret) in [
                        ("consumerSecret", "consumer_secret", true),
                        ("token", "token", false),
                        ("tokenSecret", "token_secret", true),
                        ("signatureMethod", "signature_method", false),
                        ("version", "version", false),
                        ("realm", "realm", false),
                        ("callback", "callback", false),
                        ("verifier", "verifier", false),
                        ("timestamp", "timestamp", false),
                        ("nonce", "nonce", false),
                    ] {
                        let Some(v) = param(key) else { continue };
                        if v.contains('"') {
                            bad = true;
                        }
                        let v = if secret && !v.is_empty() {
                            keep(name, v)
                        } else {
                            v
                        };
                        words.push(format!("{name}=\"{v}\""));
                    }
                    if !truthy("addParamsToHeader") {
                        words.push("in=\"query\"".into());
                    }
                    if truthy("includeBodyHash") {
                        words.push("body_hash=\"true\"".into());
                    }
                    if truthy("addEmptyParamsToSign") {
                        words.push("empty_params=\"true\"".into());
                    }
                    if bad || ck.contains('"') {
                        out.skipped.push(format!(
                            "{where_}: OAuth 1.0 values holding a double quote are not carried over"
                        ));
                    } else {
                        headers.push(Header {
                            name: "Authorization".into(),
                            value: format!("OAuth1 {}", words.join(" ")),
                            line: 0,
                        });
                    }
                }
            }
            "apikey" => {
                let k = param("key").unwrap_or_else(|| "X-Api-Key".into());
                let in_query = param("in").as_deref() == Some("query");
                let raw = param("value").unwrap_or_default();
                // (In the query, encoded as newman adds a query parameter:
                // `&` and the query set in a value, `&` and `=` in a key.)
                let v = if in_query && !crate::template::has_placeholder(&raw) {
                    keep(&k, query_param_encoded(&raw, b"&"))
                } else {
                    keep(&k, raw)
                };
                if in_query {
                    let k = if crate::template::has_placeholder(&k) {
                        k
                    } else {
                        query_param_encoded(&k, b"&=")
                    };
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
    // Postman's runtime sends no body with these methods unless the item
    // says `protocolProfileBehavior.disableBodyPruning` (newman does the
    // same).
    let pruned = matches!(
        method.to_ascii_lowercase().as_str(),
        "get" | "head" | "copy" | "purge" | "unlock"
    ) && !keep_body;
    let body = match body_v {
        None | Some(Value::Null) => Body::None,
        Some(_) if pruned => Body::None,
        Some(b) => postman_body(b, where_, &mut headers, out, vault),
    };
    // A form body with variables: their values are form-encoded once
    // substituted, as newman does.
    let mut comments = Vec::new();
    if let Body::Text(t) = &body
        && crate::template::has_placeholder(t)
        && headers.iter().any(|h| {
            h.name.eq_ignore_ascii_case("content-type")
                && h.value
                    .to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
        })
    {
        comments.push("@urlencode-variables".to_owned());
    }
    let text_of_request = format!(
        "{url} {} {:?}",
        headers.iter().map(|h| h.value.as_str()).collect::<String>(),
        body
    );
    for var in crate::template::pieces(&text_of_request).filter_map(|p| match p {
        crate::template::Piece::Var(v) if v.expr.starts_with('$') => {
            v.expr.split_whitespace().next()
        }
        _ => None,
    }) {
        if !KNOWN_DYNAMIC.contains(&var)
            && crate::collection::vars::random_value(var.trim_start_matches('$'), &[]).is_none()
        {
            out.skipped.push(format!("{where_}: Postman's dynamic variable {{{{{var}}}}} has no apiscope equivalent: write a value (or a {{{{variable}}}} of your own) in its place"));
        }
    }
    Some(HttpRequest {
        name: None,
        title: None,
        comments,
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
    // A body switched off (`"disabled": true`): newman sends none.
    if b.get("disabled").and_then(Value::as_bool) == Some(true) {
        return Body::None;
    }
    match b.get("mode").and_then(Value::as_str).unwrap_or("") {
        "raw" => {
            let raw = b.get("raw").map(scalar).unwrap_or_default();
            if raw.is_empty() {
                return Body::None;
            }
            // newman's Content-Type for a raw body without one: by its
            // language, else text/plain.
            match b.pointer("/options/raw/language").and_then(Value::as_str) {
                Some("json") => set_ct(headers, "application/json"),
                Some("xml") => set_ct(headers, "application/xml"),
                Some("javascript") => set_ct(headers, "application/javascript"),
                Some("html") => set_ct(headers, "text/html"),
                _ => set_ct(headers, "text/plain"),
            }
            let ct = headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-type"))
                .map(|h| h.value.to_ascii_lowercase())
                .unwrap_or_default();
            let text = secret_body(&raw, &ct, vault);
            // A body that ends in a line break (NDJSON, text) keeps it
            // only in a file of its own: a .http body ends at its last line.
            if text.ends_with('\n') && !ct.contains("json")
                || ct.contains("ndjson") && text.ends_with('\n')
            {
                let ext = if ct.contains("ndjson") {
                    "ndjson"
                } else {
                    "txt"
                };
                let rel = format!("bodies/body-{}.{ext}", out.files.len() + 1);
                out.files.push((rel.clone(), text.clone()));
                return Body::File {
                    path: format!("./{rel}"),
                    substitute: crate::template::has_placeholder(&text),
                };
            }
            Body::Text(text)
        }
        "urlencoded" => {
            // newman sends a repeated key's values together, where the key
            // first appears.
            let mut fields = enabled(b.get("urlencoded"));
            let mut order: Vec<String> = Vec::new();
            for f in &fields {
                let k = f
                    .get("key")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                if !order.contains(&k) {
                    order.push(k);
                }
            }
            fields.sort_by_key(|f| {
                let k = f.get("key").and_then(Value::as_str).unwrap_or("");
                order.iter().position(|o| o == k)
            });
            let pairs: Vec<String> = fields
                .iter()
                .filter_map(|p| {
                    let k = p.get("key").and_then(Value::as_str)?;
                    let v = p.get("value").map(scalar).unwrap_or_default();
                    let v = if super::is_secret(k, &v)
                        && !v.is_empty()
                        && !crate::template::has_placeholder(&v)
                    {
                        vault.var(k, &v)
                    } else {
                        v
                    };
                    // Encoded as newman encodes them (what a variable
                    // stands for is inserted as it resolves).
                    Some(format!("{}={}", form_encode(k), form_encode(&v)))
                })
                .collect();
            if pairs.is_empty() {
                // (newman sends no Content-Type then either.)
                Body::None
            } else {
                set_ct(headers, "application/x-www-form-urlencoded");
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
            let parts = enabled(b.get("formdata"));
            if parts.is_empty() {
                headers.retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
                return Body::None;
            }
            let mut text = String::new();
            for p in parts {
                let Some(k) = p.get("key").and_then(Value::as_str) else {
                    continue;
                };
                // Names and file names go into part headers: one line, no quote.
                if super::harden::has_control(k) || k.contains('"') {
                    out.skipped.push(format!(
                        "{where_}: the form field name '{}' holds a quote or a line break; not carried over",
                        k.escape_default()
                    ));
                    continue;
                }
                let value = p.get("value").map(scalar).unwrap_or_default();
                if value.contains(boundary) {
                    out.skipped.push(format!(
                        "{where_}: the form field '{k}' holds the multipart boundary; not carried over"
                    ));
                    continue;
                }
                text.push_str(&format!("--{boundary}\n"));
                if p.get("type").and_then(Value::as_str) == Some("file") {
                    let src = p
                        .get("src")
                        .map(|s| match s {
                            Value::Array(a) => a.first().map(scalar).unwrap_or_default(),
                            other => scalar(other),
                        })
                        .unwrap_or_default();
                    if super::harden::has_control(&src) {
                        out.skipped.push(format!(
                            "{where_}: the file of form field '{k}' has a line break in its name; not carried over"
                        ));
                        text.push_str(&format!(
                            "Content-Disposition: form-data; name=\"{k}\"\n\n\n"
                        ));
                        continue;
                    }
                    let src = relative_to(&vault.files_base, &src);
                    let file = std::path::Path::new(&src)
                        .file_name()
                        .map(|f| f.to_string_lossy().replace('"', "%22"))
                        .unwrap_or_default();
                    let ty = p
                        .get("contentType")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty() && !super::harden::has_control(t))
                        .unwrap_or_else(|| newman_type(&file));
                    text.push_str(&format!("Content-Disposition: form-data; name=\"{k}\"; filename=\"{file}\"\nContent-Type: {ty}\n\n< {src}\n"));
                    if src.is_empty() {
                        out.skipped.push(format!(
                            "{where_}: the file of form field '{k}' is not named"
                        ));
                    }
                } else {
                    // A text part's own type, when the item gives one.
                    let ty = p
                        .get("contentType")
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty() && !super::harden::has_control(t))
                        .map(|t| format!("Content-Type: {t}\n"))
                        .unwrap_or_default();
                    text.push_str(&format!(
                        "Content-Disposition: form-data; name=\"{k}\"\n{ty}\n{value}\n"
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
                // newman types a file body by its extension.
                let ty = newman_type(&src);
                if ty != "application/octet-stream" {
                    set_ct(headers, ty);
                }
                Body::File {
                    path: relative_to(&vault.files_base, &src),
                    substitute: false,
                }
            }
        }
        "graphql" => {
            set_ct(headers, "application/json");
            // As newman's runtime builds it: `variables` written as text
            // goes in as written (never parsed, left out when empty), the
            // query and operation name as JSON strings; `variables` given
            // as an object, the whole compact.
            let graphql = b.get("graphql");
            let field = |k: &str| graphql.and_then(|g| g.get(k));
            let text = match field("variables") {
                Some(v) if !v.is_string() && !v.is_null() => {
                    let mut doc = Map::new();
                    for k in ["query", "operationName", "variables"] {
                        if let Some(x) = field(k).filter(|x| !x.is_null()) {
                            doc.insert(k.to_owned(), x.clone());
                        }
                    }
                    serde_json::to_string(&doc).unwrap_or_default()
                }
                vars => {
                    let mut parts = Vec::new();
                    for k in ["query", "operationName"] {
                        if let Some(Value::String(s)) = field(k) {
                            parts.push(format!(
                                "\"{k}\":{}",
                                serde_json::to_string(s).unwrap_or_default()
                            ));
                        }
                    }
                    if let Some(Value::String(v)) = vars
                        && !v.is_empty()
                    {
                        parts.push(format!("\"variables\":{v}"));
                    }
                    format!("{{{}}}", parts.join(","))
                }
            };
            Body::Text(text)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_are_encoded_as_newman_encodes_them_variables_whole() {
        assert_eq!(form_encode(r"hello\world"), "hello%5Cworld");
        assert_eq!(form_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        // (newman's encoding is stricter than encodeURIComponent.)
        assert_eq!(form_encode("x-_.!~*'()"), "x-_.%21~%2A%27%28%29");
        assert_eq!(
            form_encode("{{user name}} & {{b}}"),
            "{{user name}}%20%26%20{{b}}"
        );
        assert_eq!(form_encode("{{open"), "%7B%7Bopen");
    }

    #[test]
    fn a_collection_without_info_is_postmans() {
        let doc =
            serde_json::json!({"name": "x", "item": [{"name": "r", "request": "http://a.test/"}]});
        assert_eq!(postman_version(&doc), Some("Postman collection"));
        assert_eq!(
            postman_version(&serde_json::json!({"item": 1, "name": "x"})),
            None
        );
        assert_eq!(postman_version(&serde_json::json!({"item": []})), None);
    }

    fn imported(doc: serde_json::Value) -> Imported {
        from_postman_in(&doc, &[], "../").unwrap()
    }

    /// Digest and OAuth 1.0 become apiscope's shorthands (their secrets
    /// in the private env file): the folder's digest marked as shared by
    /// the requests under it, a request's own not; RSA signing refused.
    #[test]
    fn digest_and_oauth1_become_shorthands_with_their_secrets_kept_apart() {
        let out = imported(serde_json::json!({
            "info": {"name": "n", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "item": [
                {"name": "F", "auth": {"type": "digest", "digest": [{"key": "username", "value": "ann"}, {"key": "password", "value": "pw_FAKE_digest"}]},
                 "item": [{"name": "a", "request": {"method": "GET", "url": "http://h.test/a",
                    "header": [{"key": "Authorization", "value": "Digest stale"}]}}]},
                {"name": "own", "request": {"method": "GET", "url": "http://h.test/b", "auth": {"type": "digest", "digest": {
                    "username": "ann", "password": "pw_FAKE_digest", "realm": "R", "nonce": "N", "algorithm": "SHA-256"}}}},
                {"name": "o1", "request": {"method": "GET", "url": "http://h.test/c", "auth": {"type": "oauth1", "oauth1": {
                    "consumerKey": "ck", "consumerSecret": "cs_FAKE_oauth1", "token": "tk", "tokenSecret": "ts_FAKE_oauth1",
                    "signatureMethod": "HMAC-SHA256", "addParamsToHeader": true}}}},
                {"name": "rsa", "request": {"method": "GET", "url": "http://h.test/d", "auth": {"type": "oauth1", "oauth1": {
                    "consumerKey": "ck", "privateKey": "-----BEGIN", "signatureMethod": "RSA-SHA1"}}}}
            ]
        }));
        let auth = |i: usize| {
            out.requests[i]
                .headers
                .iter()
                .filter(|h| h.name.eq_ignore_ascii_case("authorization"))
                .map(|h| h.value.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            auth(0),
            [r#"Digest ann {{password}} algorithm="MD5" shared="F""#]
        );
        assert_eq!(
            auth(1),
            [r#"Digest ann {{password}} algorithm="SHA-256" realm="R" nonce="N""#]
        );
        let o1 = auth(2);
        assert_eq!(o1.len(), 1);
        let parsed = crate::auth::oauth1::shorthand(&o1[0]).unwrap();
        assert_eq!(parsed.signature_method, "HMAC-SHA256");
        assert!(!parsed.in_query);
        assert!(!o1[0].contains("FAKE"), "{}", o1[0]);
        assert!(auth(3).is_empty());
        assert!(
            out.skipped.iter().any(|s| s.contains("RSA-SHA1")),
            "{:?}",
            out.skipped
        );
        let private = serde_json::to_string(&out.private_env).unwrap();
        for secret in ["pw_FAKE_digest", "cs_FAKE_oauth1", "ts_FAKE_oauth1"] {
            assert!(private.contains(secret), "{secret}: {private}");
        }
    }

    /// What newman does that an imported `.http` file must do too: path
    /// variables (`:id.json` included), an explicit `inherit` as no auth,
    /// a `{{variable}}` secret left where it is, form values encoded once
    /// substituted, `src` paths from the collection.
    #[test]
    fn newmans_rules_survive_the_import() {
        let out = imported(serde_json::json!({
            "info": {"name": "n", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
            "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{tok}}"}]},
            "item": [
                {"name": "p", "request": {"method": "GET", "auth": {"type": "inherit"},
                    "url": {"raw": "{{base}}/p/:id.json", "host": ["{{base}}"], "path": ["p", ":id.json", ":who", ":none"],
                            "variable": [{"key": "id", "value": "42"}, {"key": "who", "value": "Ana María"}]}}},
                {"name": "login", "request": {"method": "POST", "url": "{{base}}/login",
                    "body": {"mode": "raw", "raw": "{\"password\": \"{{password}}\"}", "options": {"raw": {"language": "json"}}}}},
                {"name": "form", "request": {"method": "POST", "url": "{{base}}/f",
                    "body": {"mode": "urlencoded", "urlencoded": [{"key": "q", "value": "{{q}}"}, {"key": "k", "value": "a b"}, {"key": "q", "value": "2"}]}}},
                {"name": "up", "request": {"method": "POST", "url": "{{base}}/u",
                    "body": {"mode": "file", "file": {"src": "data/x.json"}}}},
                {"name": "off", "request": {"method": "POST", "url": "{{base}}/o",
                    "body": {"disabled": true, "mode": "raw", "raw": "foo=bar"}}}
            ]
        }));
        let r = &out.requests;
        assert_eq!(r[0].url, "{{base}}/p/42.json/Ana%20Mar%C3%ADa/:none");
        assert!(r[0].headers.is_empty(), "{:?}", r[0].headers);
        assert!(
            matches!(&r[1].body, Body::Text(t) if t.contains("\"{{password}}\"")),
            "{:?}",
            r[1].body
        );
        assert!(
            out.private_env
                .values()
                .all(|v| !v.values().any(|x| x == "{{password}}"))
        );
        assert!(r[2].urlencode_variables().is_some());
        assert!(
            matches!(&r[2].body, Body::Text(t) if t == "q={{q}}&q=2&k=a%20b"),
            "{:?}",
            r[2].body
        );
        assert!(
            matches!(&r[3].body, Body::File { path, .. } if path == "../data/x.json"),
            "{:?}",
            r[3].body
        );
        assert!(r[3].headers.iter().any(|h| h.value == "application/json"));
        // A body switched off is not sent (newman's custom-http-method).
        assert!(matches!(r[4].body, Body::None), "{:?}", r[4].body);
        assert!(
            !r[4]
                .headers
                .iter()
                .any(|h| h.name.eq_ignore_ascii_case("content-type")),
            "{:?}",
            r[4].headers
        );
    }
}
