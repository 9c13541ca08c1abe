//! The request line: `[METHOD] URL [ITEM…]` as typed in the TUI and stored in
//! the history, split and quoted as a POSIX shell would, with `{{env.NAME}}`
//! placeholders and a masked form for the screen.

use crate::redact;

/// Splits a line into words as a POSIX shell would for quoting: `'…'`
/// literal, `"…"` with `\"` and `\\`, backslash escapes outside quotes.
pub fn shell_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated ' quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\' | '$' | '`')) => cur.push(e),
                            Some(e) => {
                                cur.push('\\');
                                cur.push(e);
                            }
                            None => return Err("unterminated \" quote".into()),
                        },
                        Some(ch) => cur.push(ch),
                        None => return Err("unterminated \" quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Quotes a word for the request line when it needs it.
pub fn quote(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 2);
    quote_into(&mut out, word);
    out
}

/// [`quote`], appended to `out` (a request line of many words, built
/// without a string per word).
pub fn quote_into(out: &mut String, word: &str) {
    // (A byte table: a collection of thousands of requests quotes every
    // word of every request line when it opens.)
    const SAFE: [bool; 256] = {
        let mut t = [false; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = (i as u8).is_ascii_alphanumeric();
            i += 1;
        }
        let extra = b"-_./:=@,?&%+~#[]{}";
        let mut j = 0;
        while j < extra.len() {
            t[extra[j] as usize] = true;
            j += 1;
        }
        t
    };
    if !word.is_empty() && word.bytes().all(|b| SAFE[b as usize]) {
        out.push_str(word);
        return;
    }
    out.push('\'');
    for (i, part) in word.split('\'').enumerate() {
        if i > 0 {
            out.push_str("'\\''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

/// A request line with its credentials masked, for the screen (`m`) and
/// the history: secret items ([`crate::items::Item::masked`]) and tokens
/// in the URL. A line that does not split is shown as is; a word that is
/// no item has tokens redacted by their shape.
pub fn mask_line(line: &str) -> String {
    use crate::items::{Item, is_method};
    let Ok(words) = shell_words(line) else {
        return line.to_owned();
    };
    let mut url_seen = false;
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let masked = if i == 0 && words.len() > 1 && is_method(w) {
                w.clone()
            } else if !url_seen && !w.starts_with('-') {
                // The URL (with or without a scheme).
                url_seen = true;
                redact::url(w)
            } else {
                match Item::parse_lenient(w) {
                    Some(item) => item.masked().word(),
                    None => redact::text(w).into_owned(),
                }
            };
            quote(&masked)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The request line for the next page: same method and items, the next
/// URL (query items are dropped: the next URL already carries them). A
/// line that is no request line becomes `GET NEXT`.
pub fn next_page_line(line: &str, next: &str) -> String {
    let items = shell_words(line)
        .ok()
        .and_then(|w| crate::items::Items::parse(&w).ok());
    match items {
        Some(items) => items.at(next).line(),
        None => format!("GET {}", quote(next)),
    }
}

/// Quotes a word for a POSIX shell, always: `'…'`, with `'` written as
/// `'\''`. Pasted into sh, bash or zsh it is one word, exactly as given
/// (no `&`, `?`, `*`, `$` or `!` is ever interpreted).
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// A curl command sending `req` exactly: every word quoted for a POSIX
/// shell, headers in order, the body as given (`--data-raw` sends it byte
/// for byte and never reads a file for a leading `@`).
pub fn curl_command(req: &crate::model::Request) -> String {
    let mut parts = vec!["curl".to_owned(), "-i".to_owned()];
    let has_body = !req.body.is_empty();
    let default_method = if has_body { "POST" } else { "GET" };
    if req.method != default_method {
        parts.push("-X".into());
        parts.push(shell_quote(&req.method));
    }
    for (k, v) in req.headers.iter() {
        parts.push("-H".into());
        parts.push(shell_quote(&if v.is_empty() {
            format!("{k};")
        } else {
            format!("{k}: {v}")
        }));
    }
    if has_body {
        if !req.headers.contains("content-type") {
            // curl would add a form Content-Type of its own.
            parts.push("-H".into());
            parts.push(shell_quote("Content-Type:"));
        }
        parts.push("--data-raw".into());
        parts.push(shell_quote(&String::from_utf8_lossy(&req.body)));
    }
    parts.push("--url".into());
    parts.push(shell_quote(req.url.as_deref().unwrap_or("")));
    parts.join(" ")
}

/// Replaces every `{{env.NAME}}` in a word with that environment variable,
/// so a saved request line names the secret instead of holding it.
pub fn expand_env(word: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    crate::template::map(word, |v| match v.expr.strip_prefix("env.") {
        Some(name) if !name.is_empty() => match lookup(name) {
            Some(value) => Ok(Some(value.into())),
            None => Err(format!(
                "{{{{env.{name}}}}}: the environment variable {name} is not set; nothing was sent"
            )),
        },
        // Template text, not a variable (`{{#each}}`): kept.
        _ if !v.is_variable() => Ok(None),
        _ => Err(format!(
            "{{{{{}}}}} is not resolved: there is no such variable (use {{{{env.NAME}}}} for an environment variable); nothing was sent",
            v.expr
        )),
    })
    .map(std::borrow::Cow::into_owned)
}

/// The first `{{name}}` placeholder left in a text (`{{token}}`,
/// `{{env.API_TOKEN}}`, `{{ base_url }}`), if any: a request holding one
/// is not sent. Template syntax that is not a variable name (`{{#each}}`)
/// is not one.
pub fn unresolved(text: &str) -> Option<String> {
    crate::template::first_variable(text)
}

/// A request with every `{{env.NAME}}` in its URL, header values and (text)
/// body replaced by that environment variable: the same resolution for a
/// request line, a curl file and a session, wherever it is sent from.
pub fn expand_request(
    req: &crate::model::Request,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<crate::model::Request, String> {
    let mut out = req.clone();
    if let Some(u) = &req.url {
        out.url = Some(expand_env(u, &lookup)?);
    }
    for (_, v) in &mut out.headers.0 {
        if crate::template::has_placeholder(v) {
            *v = expand_env(v, &lookup)?;
        }
    }
    if let Ok(text) = std::str::from_utf8(&req.body)
        && text.contains("{{env.")
    {
        out.body = expand_env(text, &lookup)?.into_bytes().into();
    }
    Ok(out)
}

/// `GET /v1/boards?limit=5` from a request line, for the list and tables.
pub fn short_request(line: &str) -> String {
    // A line being typed may not split yet (an open quote): words anyway.
    let words =
        shell_words(line).unwrap_or_else(|_| line.split_whitespace().map(str::to_owned).collect());
    let (method, url) = match words.as_slice() {
        [m, u, ..] if m.chars().all(|c| c.is_ascii_uppercase()) => (m.as_str(), u.as_str()),
        [u, ..] => ("GET", u.as_str()),
        [] => ("", ""),
    };
    let path = url::Url::parse(url).map_or_else(
        |_| url.to_owned(),
        |u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
    );
    format!("{method} {path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        assert_eq!(
            shell_words(r#"POST :80/x 'Authorization:Bearer a b' name="x \"y\"" a\ b"#).unwrap(),
            [
                "POST",
                ":80/x",
                "Authorization:Bearer a b",
                "name=x \"y\"",
                "a b"
            ]
        );
        assert!(shell_words("a 'b").is_err());
        assert_eq!(quote("Authorization:Bearer x"), "'Authorization:Bearer x'");
        assert_eq!(quote("limit==20"), "limit==20");
    }

    #[test]
    fn masked_lines_hide_credentials() {
        assert_eq!(
            mask_line(
                "GET https://a.example/x?access_token=abc 'Authorization:Bearer imb_pat_x' api_key==k limit==5 x-token:aptly_k_b1 --bearer=ghp_x --auth=u:p 'Authorization:Basic dXNlcjpwYXNzd29yZA==' password=hunter2 client_secret:=\"s\" '--raw={\"password\":\"p\"}'"
            ),
            "GET https://a.example/x?access_token=REDACTED 'Authorization:Bearer imb_pat_REDACTED' api_key==REDACTED limit==5 x-token:aptly_k_REDACTED --bearer=ghp_REDACTED --auth=REDACTED 'Authorization:Basic REDACTED' password=REDACTED 'client_secret:=\"REDACTED\"' '--raw={\"password\":\"REDACTED\"}'"
        );
        assert_eq!(mask_line(":3000/x?token=abc"), ":3000/x?token=REDACTED");
        let kept = mask_line("POST :3000/x password={{env.PW}}");
        assert!(kept.contains("password={{env.PW}}"), "{kept}");
    }

    #[test]
    fn env_variables_expand() {
        let look = |n: &str| (n == "TOKEN").then(|| "imb_pat_x".to_owned());
        assert_eq!(
            expand_env("Authorization:Bearer {{env.TOKEN}}", look).unwrap(),
            "Authorization:Bearer imb_pat_x"
        );
        assert_eq!(
            expand_env("{{ env.TOKEN }}{{env.TOKEN}}", look).unwrap(),
            "imb_pat_ximb_pat_x"
        );
        assert_eq!(expand_env("a{{b", look).unwrap(), "a{{b");
        assert!(
            expand_env("{{env.NOPE}}", look)
                .unwrap_err()
                .contains("NOPE is not set")
        );
        assert!(
            expand_env("{{x}}", look)
                .unwrap_err()
                .contains("{{x}} is not resolved")
        );
        // Template text that is not a variable is kept.
        assert_eq!(expand_env("{{#each}}", look).unwrap(), "{{#each}}");
    }

    #[test]
    fn next_page_keeps_method_and_headers() {
        assert_eq!(
            next_page_line(
                "GET :80/v1/boards limit==10 'Authorization:Bearer imb_pat_x'",
                "http://localhost:80/v1/boards?limit=10&page=2"
            ),
            "GET http://localhost:80/v1/boards?limit=10&page=2 'Authorization:Bearer imb_pat_x'"
        );
    }

    #[test]
    fn curl_commands_quote_every_word() {
        let req = crate::items::parse(&[
            "POST".to_owned(),
            ":80/x?a=1&b=2".to_owned(),
            "name=a".to_owned(),
            "X-A:it's".to_owned(),
        ])
        .unwrap()
        .to_request();
        let c = curl_command(&req);
        assert!(c.starts_with("curl -i -H 'X-A: it'\\''s'"), "{c}");
        assert!(c.ends_with("--url 'http://localhost/x?a=1&b=2'"), "{c}");
        assert!(c.contains("--data-raw '{\"name\":\"a\"}'"), "{c}");
    }
}
