//! Bruno collection folders (`.bru` files).

use super::*;

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
