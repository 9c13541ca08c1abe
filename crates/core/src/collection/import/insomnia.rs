//! Insomnia exports (v4, JSON or YAML already parsed).

use super::*;

/// Insomnia's `{{ _.name }}` → `{{name}}`; `{% … %}` template tags
/// (response chaining, prompts) are noted.
fn insomnia_vars(text: &str, where_: &str, skipped: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in crate::template::pieces(text) {
        match piece {
            crate::template::Piece::Text(t) => out.push_str(t),
            crate::template::Piece::Unclosed { rest, .. } => out.push_str(rest),
            crate::template::Piece::Var(v) => {
                out.push_str("{{");
                out.push_str(v.expr.strip_prefix("_.").unwrap_or(v.expr));
                out.push_str("}}");
            }
        }
    }
    if out.contains("{%") {
        skipped.push(format!(
            "{where_}: Insomnia template tags ({{% … %}}, e.g. response chaining) are not carried over: use {{{{name.response.body.$.path}}}}"
        ));
    }
    out
}

/// A `multipart/form-data` body of Insomnia's params, in the JetBrains
/// multipart syntax: a text part's value as written (its variables
/// converted), a file part (`"type": "file"`) read from its `fileName`
/// when sent; the Content-Type set with the boundary.
fn multipart(
    params: &[&Value],
    where_: &str,
    headers: &mut Vec<Header>,
    skipped: &mut Vec<String>,
    vault: &Vault<'_>,
) -> Body {
    let boundary = "WebAppBoundary";
    headers.retain(|h| !h.name.eq_ignore_ascii_case("content-type"));
    if params.is_empty() {
        return Body::None;
    }
    headers.push(Header {
        name: "Content-Type".into(),
        value: format!("multipart/form-data; boundary={boundary}"),
        line: 0,
    });
    let mut text = String::new();
    for p in params {
        let Some(name) = p.get("name").and_then(Value::as_str) else {
            continue;
        };
        let name = insomnia_vars(name, where_, skipped);
        if super::harden::has_control(&name) || name.contains('"') {
            skipped.push(format!(
                "{where_}: the form field name '{}' holds a quote or a line break; not carried over",
                name.escape_default()
            ));
            continue;
        }
        let value = insomnia_vars(
            &p.get("value").map(scalar).unwrap_or_default(),
            where_,
            skipped,
        );
        if value.contains(boundary) {
            skipped.push(format!(
                "{where_}: the form field '{name}' holds the multipart boundary; not carried over"
            ));
            continue;
        }
        text.push_str(&format!("--{boundary}\n"));
        if p.get("type").and_then(Value::as_str) == Some("file") {
            let src = p.get("fileName").map(scalar).unwrap_or_default();
            if src.is_empty() || super::harden::has_control(&src) {
                skipped.push(format!(
                    "{where_}: the file of form field '{name}' is not named (or its name has a line break); sent empty"
                ));
                text.push_str(&format!(
                    "Content-Disposition: form-data; name=\"{name}\"\n\n\n"
                ));
                continue;
            }
            let src = super::postman::relative_to(&vault.files_base, &src);
            let file = std::path::Path::new(&src)
                .file_name()
                .map(|f| f.to_string_lossy().replace('"', "%22"))
                .unwrap_or_default();
            let ty = super::postman::newman_type(&file);
            text.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\nContent-Type: {ty}\n\n< {src}\n"
            ));
        } else {
            text.push_str(&format!(
                "Content-Disposition: form-data; name=\"{name}\"\n\n{value}\n"
            ));
        }
    }
    text.push_str(&format!("--{boundary}--"));
    Body::Text(text)
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
            let target = if super::is_secret(k, &scalar(v)) {
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
        files_base: String::new(),
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
            let value = if crate::template::has_placeholder(&v) {
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
                if crate::template::has_placeholder(&v) || v.is_empty() {
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
        let mut comments_extra: Vec<String> = Vec::new();
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
                let params: Vec<&Value> = b
                    .get("params")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|p| p.get("disabled").and_then(Value::as_bool) != Some(true))
                    .collect();
                let mime = b.get("mimeType").map(scalar).unwrap_or_default();
                if mime.to_ascii_lowercase().starts_with("multipart/") {
                    multipart(&params, &where_, &mut headers, &mut out.skipped, &vault)
                } else {
                    // As Insomnia sends a form: each name and value
                    // rendered, then encoded (encodeURIComponent, a `%XX`
                    // kept) — a variable's value too, once substituted.
                    let field = |v: Option<&Value>, skipped: &mut Vec<String>| {
                        let text =
                            insomnia_vars(&v.map(scalar).unwrap_or_default(), &where_, skipped);
                        outside_vars(&text, crate::collection::vars::uri_component_value)
                    };
                    let pairs: Vec<String> = params
                        .iter()
                        .filter(|p| p.get("name").and_then(Value::as_str).is_some())
                        .map(|p| {
                            format!(
                                "{}={}",
                                field(p.get("name"), &mut out.skipped),
                                field(p.get("value"), &mut out.skipped)
                            )
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
                    let text = secret_body(
                        &pairs.join("&"),
                        "application/x-www-form-urlencoded",
                        &mut vault,
                    );
                    if crate::template::has_placeholder(&text) {
                        comments_extra.push("@urlencode-variables uri-component".to_owned());
                    }
                    Body::Text(text)
                }
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
                .map(|d| d.lines().take(6).map(str::to_owned).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .chain(comments_extra)
                .collect(),
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
