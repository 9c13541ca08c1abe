//! Bruno collection folders (`.bru` files).

use super::*;
use crate::collection::{Script, ScriptCode};

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

/// Auth as a `.bru` file says it: a request's `auth:` field, or a
/// collection's or folder's `auth { mode: … }`.
#[derive(Debug, Clone, PartialEq)]
enum BruAuth {
    None,
    Inherit,
    Bearer(String),
    Basic(String, String),
    Other(String),
}

/// Where a request comes in Bruno's order: per level, (0 for a folder, 1
/// for a request; its `seq`; its name).
type OrderKey = Vec<(u8, i64, String)>;

/// What a `collection.bru` or `folder.bru` gives its requests.
#[derive(Debug, Clone, Default)]
struct Level {
    headers: Vec<(String, String)>,
    auth: Option<BruAuth>,
    vars: Vec<(String, String)>,
    seq: Option<i64>,
    /// `script:pre-request`.
    pre: String,
    /// `script:post-response`, `vars:post-response` and `tests`, as one
    /// response script.
    post: String,
}

/// A `.bru` file's scripts: its `script:pre-request`, and its
/// `script:post-response`, `vars:post-response` (each `name: expression`
/// as `bru.setVar`) and `tests` in the order Bruno runs them.
fn scripts_of(block: &dyn Fn(&str) -> Option<Vec<String>>) -> (String, String) {
    let code = |tag: &str| {
        block(tag)
            .map(|l| l.join("\n"))
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_default()
    };
    let vars: String = bru_dict(&block("vars:post-response").unwrap_or_default())
        .into_iter()
        .filter(|(k, v)| !k.is_empty() && !v.trim().is_empty())
        .map(|(k, v)| format!("bru.setVar({}, {v});\n", serde_json::Value::String(k)))
        .collect();
    let mut post = String::new();
    for part in [vars, code("script:post-response"), code("tests")] {
        if !part.trim().is_empty() {
            post.push_str(&scoped(&part));
        }
    }
    let pre = code("script:pre-request");
    (
        if pre.trim().is_empty() {
            String::new()
        } else {
            scoped(&pre)
        },
        post,
    )
}

/// Code in a block of its own (each level's script has its own scope in
/// Bruno: two may declare the same `const`).
fn scoped(code: &str) -> String {
    format!("{{\n{}\n}}\n", code.trim_end())
}

fn auth_of(mode: &str, block: &dyn Fn(&str) -> Option<Vec<String>>) -> BruAuth {
    let get = |b: &str, k: &str| {
        bru_dict(&block(b).unwrap_or_default())
            .into_iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v)
            .unwrap_or_default()
    };
    match mode {
        "" | "none" => BruAuth::None,
        "inherit" => BruAuth::Inherit,
        "bearer" => BruAuth::Bearer(get("auth:bearer", "token")),
        "basic" => BruAuth::Basic(get("auth:basic", "username"), get("auth:basic", "password")),
        other => BruAuth::Other(other.to_owned()),
    }
}

/// Sets `name` in `headers`, the last one winning (Bruno sends one).
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_owned(), value.to_owned()));
}

/// `{{name}}` replaced where `vars` has it (its value's own variables
/// too, a few levels deep); other variables stay for the environment.
fn substitute_static(text: &str, vars: &[(String, String)]) -> String {
    let mut out = text.to_owned();
    for _ in 0..4 {
        let mut changed = false;
        for (k, v) in vars {
            let pat = format!("{{{{{k}}}}}");
            if out.contains(&pat) {
                out = out.replace(&pat, v);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    out
}

/// JSON with `//` and `/* */` comments taken out as Bruno does it (the
/// `decomment` package): a comment alone on its lines takes its lines
/// with it; a comment after text leaves the text (and the spaces before
/// the comment); a block comment before text on its line takes the spaces
/// after it.
fn strip_json_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut in_str = false;
    let mut start = 0;
    // Where the current line starts, in `text`.
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |n| n + 1);
    let blank = |s: &str| s.bytes().all(|c| c == b' ' || c == b'\t');
    // The end of the line from `at`, past its newline (`\n` or `\r\n`).
    let past_eol = |at: usize| text[at..].find('\n').map_or(text.len(), |n| at + n + 1);
    while i < b.len() {
        if in_str {
            if b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] == b'"' || b[i] == b'\n' {
                in_str = false;
            }
            i += 1;
            continue;
        }
        if b[i] == b'"' {
            in_str = true;
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            let ls = line_start(i).max(start);
            let alone = blank(&text[ls..i]);
            out.push_str(&text[start..if alone { ls } else { i }]);
            let eol = text[i..].find('\n').map_or(text.len(), |n| i + n);
            // (Alone: the line goes, its newline too; else the newline stays.)
            i = if alone { past_eol(i) } else { eol };
            if !alone && eol > 0 && text[..eol].ends_with('\r') {
                i = eol - 1;
            }
            start = i;
            continue;
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            let ls = line_start(i).max(start);
            let alone_before = blank(&text[ls..i]);
            let close = text[i + 2..]
                .find("*/")
                .map_or(text.len(), |n| i + 2 + n + 2);
            let eol = text[close..].find('\n').map_or(text.len(), |n| close + n);
            let rest_of_line = text[close..eol].trim_end_matches('\r');
            if alone_before && blank(rest_of_line) {
                out.push_str(&text[start..ls]);
                i = past_eol(close);
            } else if alone_before {
                out.push_str(&text[start..i]);
                i = close + (rest_of_line.len() - rest_of_line.trim_start().len());
            } else {
                out.push_str(&text[start..i]);
                i = close;
            }
            start = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&text[start.min(text.len())..]);
    out
}

/// A form field as Bruno (URLSearchParams) encodes it: `+` for a space,
/// every byte but letters, digits and `*-._` percent-encoded; a
/// `{{variable}}` left whole.
fn search_params_encode(text: &str) -> String {
    outside_vars(text, crate::collection::vars::www_form_value)
}

/// encodeURIComponent: letters, digits and `-_.!~*'()` kept, every other
/// byte `%XX`; a `{{variable}}` left whole.
fn uri_component(text: &str) -> String {
    outside_vars(text, |lit| {
        crate::collection::vars::percent_encoded(
            lit,
            |c| c.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&c),
            false,
        )
    })
}

/// An environment's values that name its other (public) values, put in
/// (Bruno resolves `{{baseUrl}}/{{apiVersion}}` in an environment); a
/// private value is never copied into a public one.
fn expand_envs(public: &mut Envs, private: &Envs) {
    for (env, vars) in public.iter_mut() {
        let usable: Vec<(String, String)> = vars
            .iter()
            .filter(|(k, v)| {
                !crate::template::has_placeholder(v)
                    && !private.get(env).is_some_and(|p| p.contains_key(*k))
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for v in vars.values_mut() {
            if crate::template::has_placeholder(v) {
                *v = substitute_static(v, &usable);
            }
        }
    }
}

/// A Bruno collection folder: `bruno.json`, request `.bru` files (sub
/// folders as title paths, in Bruno's order: at each level folders first
/// by their `seq`, then requests by theirs), `collection.bru` and
/// `folder.bru` (headers, auth and variables their requests take),
/// `environments/*.bru`.
pub fn from_bruno(files: &[(String, String)], collection_name: &str) -> Imported {
    let mut out = Imported {
        name: collection_name.to_owned(),
        source: "Bruno collection".into(),
        ..Imported::default()
    };
    let mut private = Envs::new();
    let mut public = Envs::new();
    let mut requests: Vec<(OrderKey, HttpRequest)> = Vec::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    // `"scripts": {"flow": "sequential"}` in bruno.json: response scripts
    // top down (else request first, Bruno's "sandwich").
    let sequential = files
        .iter()
        .find(|(rel, _)| rel == "bruno.json")
        .and_then(|(_, t)| serde_json::from_str::<serde_json::Value>(t).ok())
        .and_then(|v| {
            v.pointer("/scripts/flow")
                .and_then(serde_json::Value::as_str)
                .map(|f| f == "sequential")
        })
        .unwrap_or(false);
    // The collection's and each folder's level first.
    let mut levels: BTreeMap<String, Level> = BTreeMap::new();
    for (rel, text) in files {
        let dir = match rel.as_str() {
            "collection.bru" => String::new(),
            r => match r.strip_suffix("/folder.bru") {
                Some(d) => d.to_owned(),
                None => continue,
            },
        };
        let blocks = bru_blocks(text);
        let block = |name: &str| {
            blocks
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, l)| l.clone())
        };
        let mut level = Level::default();
        for (k, v) in bru_dict(&block("headers").unwrap_or_default()) {
            set_header(&mut level.headers, &k, &v);
        }
        let mode = bru_dict(&block("auth").unwrap_or_default())
            .into_iter()
            .find(|(k, _)| k == "mode")
            .map(|(_, v)| v);
        level.auth = mode.map(|m| auth_of(&m, &block));
        level.vars = bru_dict(&block("vars:pre-request").unwrap_or_default());
        level.seq = bru_dict(&block("meta").unwrap_or_default())
            .into_iter()
            .find(|(k, _)| k == "seq")
            .and_then(|(_, v)| v.parse().ok());
        (level.pre, level.post) = scripts_of(&block);
        levels.insert(dir, level);
    }
    // The collection's variables rank below every environment: `$shared`.
    if let Some(c) = levels.get("") {
        for (k, v) in &c.vars {
            let target = if super::is_secret(k, v) {
                &mut private
            } else {
                &mut public
            };
            target
                .entry("$shared".into())
                .or_default()
                .insert(k.clone(), v.clone());
        }
    }
    let mut folders = std::collections::BTreeSet::new();
    for (rel, text) in files {
        // (bruno.json is read above, for its script flow.)
        if !rel.ends_with(".bru") {
            continue;
        }
        let blocks = bru_blocks(text);
        let block = |name: &str| {
            blocks
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, l)| l.clone())
        };
        if let Some(env_name) = rel
            .strip_prefix("environments/")
            .and_then(|r| r.strip_suffix(".bru"))
        {
            for (k, v) in bru_dict(&block("vars").unwrap_or_default()) {
                let target = if super::is_secret(&k, &v) {
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
        if rel.ends_with("folder.bru") || rel == "collection.bru" {
            continue;
        }
        let meta = bru_dict(&block("meta").unwrap_or_default());
        let title = meta.iter().find(|(k, _)| k == "name").map_or_else(
            || rel.trim_end_matches(".bru").to_owned(),
            |(_, v)| v.clone(),
        );
        let seq = meta
            .iter()
            .find(|(k, _)| k == "seq")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(i64::MAX);
        let parts: Vec<&str> = rel.split('/').collect();
        let dirs: Vec<&str> = parts[..parts.len().saturating_sub(1)].to_vec();
        let dir = dirs.join(" / ");
        if !dir.is_empty() {
            folders.insert(dir.clone());
        }
        let where_ = if dir.is_empty() {
            title.clone()
        } else {
            format!("{dir} / {title}")
        };
        // The folders from the collection down, and the order key.
        let chain: Vec<String> = (0..=dirs.len()).map(|n| dirs[..n].join("/")).collect();
        let mut key: OrderKey = Vec::new();
        for n in 1..=dirs.len() {
            let d = dirs[..n].join("/");
            let fseq = levels.get(&d).and_then(|l| l.seq).unwrap_or(i64::MAX);
            key.push((0, fseq, dirs[n - 1].to_owned()));
        }
        key.push((1, seq, title.clone()));
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
        let fields = bru_dict(&lines);
        let field = |k: &str| {
            fields
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        // Variables: the request's over its folders' (nearest first); they
        // are put in here (an environment's would rank below them).
        let mut vars: Vec<(String, String)> =
            bru_dict(&block("vars:pre-request").unwrap_or_default());
        for d in chain.iter().skip(1).rev() {
            if let Some(l) = levels.get(d) {
                for (k, v) in &l.vars {
                    if !vars.iter().any(|(n, _)| n == k) {
                        vars.push((k.clone(), v.clone()));
                    }
                }
            }
        }
        let sub = |t: &str| substitute_static(t, &vars);
        // (Only the url line makes the query: Bruno keeps params:query in
        // step with it.) Path parameters go into `:name` segments.
        let mut url = field("url");
        let path_params = bru_dict(&block("params:path").unwrap_or_default());
        if !path_params.is_empty() {
            let (base, query) = match url.split_once('?') {
                Some((b, q)) => (b.to_owned(), Some(q.to_owned())),
                None => (url.clone(), None),
            };
            let base: Vec<String> = base
                .split('/')
                .map(|seg| {
                    seg.strip_prefix(':')
                        .and_then(|n| path_params.iter().find(|(k, _)| k == n))
                        .map_or_else(|| seg.to_owned(), |(_, v)| v.clone())
                })
                .collect();
            url = base.join("/");
            if let Some(q) = query {
                url.push('?');
                url.push_str(&q);
            }
        }
        // Headers: the collection's, each folder's, the request's; the
        // last of a name wins.
        let mut hv: Vec<(String, String)> = Vec::new();
        for d in &chain {
            if let Some(l) = levels.get(d) {
                for (k, v) in &l.headers {
                    set_header(&mut hv, k, v);
                }
            }
        }
        for (k, v) in bru_dict(&block("headers").unwrap_or_default()) {
            set_header(&mut hv, &k, &v);
        }
        // Auth: the request's; `inherit` takes the nearest folder's that
        // says something (a folder's `none` does not stop it), else the
        // collection's; no auth line is none.
        let mut auth = auth_of(&field("auth"), &block);
        if auth == BruAuth::Inherit {
            auth = chain
                .iter()
                .rev()
                .filter_map(|d| levels.get(d).and_then(|l| l.auth.clone()))
                .find(|a| !matches!(a, BruAuth::None | BruAuth::Inherit))
                .unwrap_or(BruAuth::None);
        }
        match auth {
            BruAuth::Bearer(t) => set_header(&mut hv, "Authorization", &format!("Bearer {t}")),
            BruAuth::Basic(u, p) if p.is_empty() => {
                set_header(&mut hv, "Authorization", &format!("Basic {u}:"));
            }
            BruAuth::Basic(u, p) => {
                set_header(&mut hv, "Authorization", &format!("Basic {u} {p}"));
            }
            BruAuth::None | BruAuth::Inherit => {}
            BruAuth::Other(other) => out.skipped.push(format!(
                "{where_}: {other} authentication is not carried over"
            )),
        }
        let mut headers: Vec<Header> = hv
            .into_iter()
            .map(|(name, value)| Header {
                name,
                value: sub(&value),
                line: 0,
            })
            .collect();
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
        let text_of = |tag: &str| block(tag).unwrap_or_default().join("\n").trim().to_owned();
        let body = match field("body").as_str() {
            "json" => {
                ct(&mut headers, "application/json");
                Body::Text(sub(strip_json_comments(&text_of("body:json")).trim()))
            }
            "text" => {
                ct(&mut headers, "text/plain");
                Body::Text(sub(&text_of("body:text")))
            }
            "xml" => {
                ct(&mut headers, "application/xml");
                Body::Text(sub(&text_of("body:xml")))
            }
            "formUrlEncoded" | "form-urlencoded" => {
                let pairs = bru_dict(&block("body:form-urlencoded").unwrap_or_default());
                if pairs.is_empty() {
                    Body::None
                } else {
                    ct(&mut headers, "application/x-www-form-urlencoded");
                    Body::Text(
                        pairs
                            .iter()
                            .map(|(k, v)| {
                                format!(
                                    "{}={}",
                                    search_params_encode(&sub(k)),
                                    search_params_encode(&sub(v))
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("&"),
                    )
                }
            }
            "multipartForm" | "multipart-form" => {
                let boundary = "WebAppBoundary";
                let parts = bru_dict(&block("body:multipart-form").unwrap_or_default());
                let mut text = String::new();
                for (k, v) in parts {
                    if super::harden::has_control(&k) || k.contains('"') {
                        continue;
                    }
                    let (value, part_type) = match v.rsplit_once(" @contentType(") {
                        Some((val, t)) => (val.to_owned(), t.strip_suffix(')').map(str::to_owned)),
                        None => (v.clone(), None),
                    };
                    if value.starts_with("@file(") {
                        out.skipped.push(format!(
                            "{where_}: the file part '{k}' is not carried over (attach it in the .http file: < ./path)"
                        ));
                        continue;
                    }
                    if value.contains(boundary) {
                        continue;
                    }
                    text.push_str(&format!(
                        "--{boundary}\nContent-Disposition: form-data; name=\"{k}\"\n"
                    ));
                    if let Some(t) = part_type.filter(|t| !super::harden::has_control(t)) {
                        text.push_str(&format!("Content-Type: {t}\n"));
                    }
                    text.push_str(&format!("\n{}\n", sub(&value)));
                }
                if text.is_empty() {
                    Body::None
                } else {
                    headers.retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
                    headers.push(Header {
                        name: "Content-Type".into(),
                        value: format!("multipart/form-data; boundary={boundary}"),
                        line: 0,
                    });
                    text.push_str(&format!("--{boundary}--"));
                    Body::Text(text)
                }
            }
            "" | "none" => Body::None,
            other => {
                out.skipped
                    .push(format!("{where_}: a {other} body is not carried over"));
                Body::None
            }
        };
        // A form body's variables are encoded once substituted, as
        // URLSearchParams encodes the interpolated value.
        let mut comments = bru_blocks_docs(&blocks);
        if let Body::Text(t) = &body
            && crate::template::has_placeholder(t)
            && headers.iter().any(|h| {
                h.name.eq_ignore_ascii_case("content-type")
                    && h.value
                        .to_ascii_lowercase()
                        .starts_with("application/x-www-form-urlencoded")
            })
        {
            comments.push("@urlencode-variables www-form".to_owned());
        }
        // `settings { encodeUrl: true }`: each query key and value as
        // encodeURIComponent writes it (`+` and `%` too).
        let encode_url = bru_dict(&block("settings").unwrap_or_default())
            .iter()
            .any(|(k, v)| k == "encodeUrl" && v == "true");
        let url = sub(&url);
        let url = match url.split_once('?') {
            Some((base, query)) if encode_url => {
                let q: Vec<String> = query
                    .split('&')
                    .map(|pair| match pair.split_once('=') {
                        Some((k, v)) => format!("{}={}", uri_component(k), uri_component(v)),
                        None => uri_component(pair),
                    })
                    .collect();
                format!("{base}?{}", q.join("&"))
            }
            _ => url,
        };
        // Scripts: the collection's, each folder's, the request's before
        // it is sent; after, the request's first and the collection's
        // last (Bruno's default "sandwich" flow; `"flow": "sequential"` in
        // bruno.json runs them top down). Written to files of their own,
        // never into the `.http` text; run once the collection is trusted.
        let (own_pre, own_post) = scripts_of(&block);
        let mut pre = String::new();
        let mut posts: Vec<String> = Vec::new();
        for d in &chain {
            if let Some(l) = levels.get(d) {
                pre.push_str(&l.pre);
                posts.push(l.post.clone());
            }
        }
        pre.push_str(&own_pre);
        posts.push(own_post);
        if !sequential {
            posts.reverse();
        }
        let post: String = posts.concat();
        let n = unique(&mut names, var_name(&title));
        let mut file_script = |code: &str, kind: &str| -> Option<Script> {
            if code.trim().is_empty() {
                return None;
            }
            let rel = format!("scripts/{n}.{kind}.js");
            out.files.push((rel.clone(), code.to_owned()));
            Some(Script {
                line: 0,
                code: ScriptCode::File(format!("./{rel}")),
            })
        };
        let pre = file_script(&pre, "pre");
        let handler = file_script(&post, "post");
        requests.push((
            key,
            HttpRequest {
                name: Some(n),
                title: Some(where_.replace(['\n', '\r'], " ")),
                comments,
                headers,
                body,
                pre,
                handler,
                ..HttpRequest::new(&method, &url)
            },
        ));
    }
    requests.sort_by(|a, b| a.0.cmp(&b.0));
    out.requests = requests.into_iter().map(|(_, r)| r).collect();
    out.folders = folders.len();
    expand_envs(&mut public, &private);
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
    use super::strip_json_comments;

    /// What `decomment` (Bruno's) makes of the same texts (node, the
    /// package Bruno's CLI 4.1 ships).
    #[test]
    fn comments_go_as_decomment_takes_them() {
        for (text, decommented) in [
            (
                "{\n  // a line comment\n  \"a\": 1, /* inline */\n  \"b\": 2 // trailing\n}",
                "{\n  \"a\": 1, \n  \"b\": 2 \n}",
            ),
            (
                "{\n  /* block\n     two */\n  \"a\": 1\n}",
                "{\n  \"a\": 1\n}",
            ),
            (
                "{\"a\": \"//not\", /* x */ \"b\": 1}\n// last",
                "{\"a\": \"//not\",  \"b\": 1}\n",
            ),
            ("  /* x */  \"a\"\n", "  \"a\"\n"),
            ("{\r\n  // c\r\n  \"a\": 1\r\n}", "{\r\n  \"a\": 1\r\n}"),
            ("{\"u\": \"http://x/*y*/\"}", "{\"u\": \"http://x/*y*/\"}"),
        ] {
            assert_eq!(strip_json_comments(text), decommented, "{text:?}");
        }
        // (decomment refuses a comment never closed; the rest goes.)
        assert_eq!(strip_json_comments("{} /* never closed"), "{} ");
    }
}
