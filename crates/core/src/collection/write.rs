//! Writing a `.http` file back: an edit rewrites only the parts of a
//! request that changed; every other byte stays.

use super::parse::is_comment;
use super::*;
use std::ops::Range;

impl HttpFile {
    /// The file's text with every request as it is now: an untouched
    /// request keeps its bytes; the text between requests is kept.
    pub fn write(&self) -> String {
        self.text.clone()
    }

    /// The text with request `index` changed to `new`: only the parts that
    /// differ (title, name, request line, headers, body) are rewritten;
    /// every other byte of the file — comments, spacing, handlers, the
    /// other requests — stays as it was. Comments are not edited here.
    pub fn replace(&self, index: usize, new: &HttpRequest) -> String {
        let Some(old) = self.requests.get(index) else {
            return self.text.clone();
        };
        let nl = self.newline();
        let lay = &old.layout;
        let text = &self.text;
        let mut edits: Vec<(Range<usize>, String)> = Vec::new();
        if new.title != old.title {
            let line = match &new.title {
                Some(t) => format!("### {t}"),
                None => "###".to_owned(),
            };
            match &lay.separator {
                Some(r) => edits.push((r.clone(), line)),
                None if new.title.is_some() => {
                    edits.push((lay.own_start..lay.own_start, format!("{line}{nl}")));
                }
                None => {}
            }
        }
        if new.name != old.name {
            match (&lay.name, &new.name) {
                (Some((_, at)), Some(n)) => edits.push((at.clone(), n.clone())),
                (Some((line, _)), None) => edits.push((line.clone(), String::new())),
                (None, Some(n)) => {
                    edits.push((lay.head.start..lay.head.start, format!("# @name {n}{nl}")));
                }
                (None, None) => {}
            }
        }
        if (&new.method, &new.url, &new.version) != (&old.method, &old.url, &old.version) {
            edits.push((
                lay.head.clone(),
                head_lines(&text[lay.head.clone()], new, nl),
            ));
        }
        let pairs = |r: &HttpRequest| -> Vec<(String, String)> {
            r.headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect()
        };
        // Where the head's line ends: new lines go after it.
        let ends_line = |at: usize| at == 0 || text[..at].ends_with('\n');
        let headers_changed = pairs(new) != pairs(old);
        if headers_changed {
            let mut block = String::new();
            if !ends_line(lay.headers.start) {
                block.push_str(nl);
            }
            // Comments between the headers are kept, before them.
            for l in text[lay.headers.clone()].lines() {
                if is_comment(l) {
                    block.push_str(l.trim_end_matches('\r'));
                    block.push_str(nl);
                }
            }
            for h in &new.headers {
                block.push_str(&h.name);
                block.push_str(": ");
                block.push_str(&h.value);
                block.push_str(nl);
            }
            edits.push((lay.headers.clone(), block));
        }
        if new.body != old.body {
            let written = match &new.body {
                Body::None => None,
                Body::Text(t) => Some(t.replace("\r\n", "\n").replace('\n', nl)),
                Body::File { path, substitute } => {
                    Some(format!("{} {path}", if *substitute { "<@" } else { "<" }))
                }
            };
            match (written, lay.body.is_empty()) {
                (None, false) => {
                    // The body and its line ending.
                    let mut end = lay.body.end;
                    if text[end..].starts_with("\r\n") {
                        end += 2;
                    } else if text[end..].starts_with('\n') {
                        end += 1;
                    }
                    edits.push((lay.body.start..end, String::new()));
                }
                (None, true) => {}
                // (A `< file` right under the headers had no blank line:
                // a text body needs one, or it would read as headers.)
                (Some(w), false) if !lay.blank && !matches!(new.body, Body::File { .. }) => {
                    edits.push((lay.body.clone(), format!("{nl}{w}")));
                }
                (Some(w), false) => edits.push((lay.body.clone(), w)),
                (Some(w), true) if lay.blank => {
                    let lead = if ends_line(lay.body.start) { "" } else { nl };
                    let tail = if lay.body.start == old.span.end && old.span.end < text.len() {
                        nl // a blank line before the next request's `###`
                    } else {
                        ""
                    };
                    edits.push((lay.body.clone(), format!("{lead}{w}{nl}{tail}")));
                }
                (Some(w), true) => {
                    let at = lay.headers.end;
                    // (Rewritten headers end their line.)
                    let lead = if headers_changed || ends_line(at) {
                        ""
                    } else {
                        nl
                    };
                    let tail = if at == old.span.end && old.span.end < text.len() {
                        nl
                    } else {
                        ""
                    };
                    edits.push((at..at, format!("{lead}{nl}{w}{nl}{tail}")));
                }
            }
        }
        apply(text, edits)
    }

    /// The text without request `index` (its own lines: the file
    /// variables before the first request stay).
    pub fn remove(&self, index: usize) -> String {
        let Some(r) = self.requests.get(index) else {
            return self.text.clone();
        };
        apply(
            &self.text,
            vec![(r.layout.own_start..r.span.end, String::new())],
        )
    }

    /// The text with `block` (a rendered request) inserted after request
    /// `after` (at the end when `None` or out of range), in the file's
    /// line endings.
    pub fn insert(&self, after: Option<usize>, block: &str) -> String {
        let nl = self.newline();
        let at = after
            .and_then(|i| self.requests.get(i))
            .map_or(self.text.len(), |r| r.span.end);
        let mut piece = String::new();
        if at > 0 && !self.text[..at].ends_with('\n') {
            piece.push_str(nl);
        }
        if at > 0
            && !self.text[..at].trim_end().is_empty()
            && !self.text[..at].ends_with("\n\n")
            && !self.text[..at].ends_with("\r\n\r\n")
        {
            piece.push_str(nl);
        }
        let block = block.replace("\r\n", "\n").replace('\n', nl);
        piece.push_str(&block);
        if !piece.ends_with('\n') {
            piece.push_str(nl);
        }
        if at < self.text.len() {
            piece.push_str(nl);
        }
        apply(&self.text, vec![(at..at, piece)])
    }

    /// The text with a copy of request `index` after it, named `name`: its
    /// own text as written (comments and handlers too).
    pub fn duplicate(&self, index: usize, name: &str) -> Result<String, CollectionError> {
        let Some(r) = self.requests.get(index) else {
            return Ok(self.text.clone());
        };
        let nl = self.newline();
        let mut own = self.text[r.layout.own_start..r.span.end].to_owned();
        if r.layout.separator.is_none() {
            own = format!("###{nl}{own}");
        }
        let text = self.insert(Some(index), own.trim_end());
        let copy = parse(&self.path, &text)?;
        let mut renamed = copy.requests[index + 1].clone();
        renamed.name = Some(name.to_owned());
        Ok(copy.replace(index + 1, &renamed))
    }

    /// The text with every `{{old.response…}}` / `{{old.request…}}` made
    /// to refer to `new` instead, and how many were; every other byte
    /// stays.
    pub fn rename_references(&self, old: &str, new: &str) -> (String, usize) {
        let mut n = 0;
        let text = crate::template::map(&self.text, |v| {
            let refers = v
                .expr
                .strip_prefix(old)
                .is_some_and(|rest| rest.starts_with(".response") || rest.starts_with(".request"));
            if !refers {
                return Ok::<_, std::convert::Infallible>(None);
            }
            n += 1;
            // Only the name changes: the braces and spaces stay as written.
            let at = v.raw.find(old).unwrap_or(2);
            Ok(Some(std::borrow::Cow::Owned(format!(
                "{}{new}{}",
                &v.raw[..at],
                &v.raw[at + old.len()..]
            ))))
        });
        let text = match text {
            Ok(t) => t.into_owned(),
            Err(never) => match never {},
        };
        (text, n)
    }

    /// The text without the `i`-th block that does not parse (its own
    /// lines, separator included); every other byte stays.
    pub fn remove_broken(&self, i: usize) -> String {
        match self.broken.get(i) {
            Some(r) => apply(&self.text, vec![(r.clone(), String::new())]),
            None => self.text.clone(),
        }
    }
}

/// A request line as the file writes it: `METHOD URL [HTTP/x]`; when the
/// old head continued its query on indented lines (`?page=1` / `&n=3`),
/// the new one does too, with the same indentation.
fn head_lines(old_head: &str, r: &HttpRequest, nl: &str) -> String {
    let mut first = format!("{} ", r.method);
    let continued = old_head.lines().nth(1).map(|l| {
        let t = l.trim_end_matches('\r');
        &t[..t.len() - t.trim_start().len()]
    });
    let (base, query) = match (continued, r.url.split_once('?')) {
        (Some(_), Some((b, q))) => (b, Some(q)),
        _ => (r.url.as_str(), None),
    };
    first.push_str(base);
    if let Some(v) = &r.version {
        first.push(' ');
        first.push_str(v);
    }
    if let (Some(indent), Some(q)) = (continued, query) {
        for (i, pair) in q.split('&').enumerate() {
            first.push_str(nl);
            first.push_str(indent);
            first.push(if i == 0 { '?' } else { '&' });
            first.push_str(pair);
        }
    }
    first
}

/// Applies non-overlapping edits (range → replacement); edits at the same
/// place apply in the order given.
fn apply(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (edits[i].0.start, i));
    let mut out = String::with_capacity(text.len() + 256);
    let mut at = 0;
    for i in order {
        let (r, with) = std::mem::take(&mut edits[i]);
        if r.start < at {
            continue; // overlapping: never happens for one request's parts
        }
        out.push_str(&text[at..r.start]);
        out.push_str(&with);
        at = r.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Writes a request as a block that [`parse`] reads back to the same
/// request (title, name, request line, headers, body, handler note,
/// output redirect).
pub fn render(r: &HttpRequest) -> String {
    let mut out = String::new();
    out.push_str("###");
    if let Some(t) = &r.title {
        out.push(' ');
        out.push_str(t);
    }
    out.push('\n');
    for c in &r.comments {
        out.push_str("# ");
        out.push_str(c);
        out.push('\n');
    }
    if let Some(n) = &r.name {
        out.push_str("# @name ");
        out.push_str(n);
        out.push('\n');
    }
    if let Some(s) = &r.pre {
        script_into(&mut out, '<', s);
    }
    out.push_str(&r.method);
    out.push(' ');
    out.push_str(&r.url);
    if let Some(v) = &r.version {
        out.push(' ');
        out.push_str(v);
    }
    out.push('\n');
    for h in &r.headers {
        out.push_str(&h.name);
        out.push_str(": ");
        out.push_str(&h.value);
        out.push('\n');
    }
    match &r.body {
        Body::None => {}
        Body::Text(t) => {
            out.push('\n');
            out.push_str(t);
            out.push('\n');
        }
        Body::File { path, substitute } => {
            out.push('\n');
            out.push_str(if *substitute { "<@ " } else { "< " });
            out.push_str(path);
            out.push('\n');
        }
    }
    if let Some((f, overwrite)) = &r.output {
        if matches!(r.body, Body::None) {
            out.push('\n');
        }
        out.push_str(if *overwrite { ">>! " } else { ">> " });
        out.push_str(f);
        out.push('\n');
    }
    if let Some(s) = &r.handler {
        if matches!(r.body, Body::None) && r.output.is_none() {
            out.push('\n');
        }
        script_into(&mut out, '>', s);
    }
    out
}

/// `< {% … %}` / `> ./file.js` as `parse` reads them back.
fn script_into(out: &mut String, mark: char, s: &super::Script) {
    out.push(mark);
    out.push(' ');
    match &s.code {
        super::ScriptCode::File(f) => out.push_str(f),
        super::ScriptCode::Inline(c) => {
            out.push_str("{%");
            out.push_str(c);
            if !c.ends_with('\n') {
                out.push('\n');
            }
            out.push_str("%}");
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod edit_tests {
    use super::*;
    use std::path::Path;

    const FILE: &str = "@host = https://api.example.com\n\
                        \n\
                        ### Log in\n\
                        # @name login\n\
                        POST {{host}}/login\n\
                        Content-Type: application/json\n\
                        # keep me\n\
                        \n\
                        {\"user\": \"ann\"}\n\
                        \n\
                        > {% client.global.set(\"t\", 1) %}\n\
                        \n\
                        ### Boards\n\
                        GET {{host}}/boards\n    ?limit=20\n\
                        Accept: */*\n";

    fn p(text: &str) -> HttpFile {
        parse(Path::new("t.http"), text).unwrap()
    }

    #[test]
    fn a_changed_url_rewrites_only_its_lines_and_keeps_a_multi_line_query() {
        let f = p(FILE);
        let mut r = f.requests[1].clone();
        r.url = "{{host}}/boards?limit=50&page={{p}}".into();
        let out = f.replace(1, &r);
        assert_eq!(
            out,
            FILE.replace(
                "GET {{host}}/boards\n    ?limit=20\n",
                "GET {{host}}/boards\n    ?limit=50\n    &page={{p}}\n"
            )
        );
        assert_eq!(p(&out).requests[1].url, r.url);
        // A one-line request line stays one line.
        let mut login = f.requests[0].clone();
        login.url = "{{host}}/login?x=1&y=2".into();
        assert!(
            f.replace(0, &login)
                .contains("\nPOST {{host}}/login?x=1&y=2\n")
        );
        // CRLF files keep CRLF between the query's lines.
        let crlf = p(&FILE.replace('\n', "\r\n"));
        let out = crlf.replace(1, &r);
        assert!(
            out.contains("GET {{host}}/boards\r\n    ?limit=50\r\n    &page={{p}}\r\n"),
            "{out:?}"
        );
    }

    #[test]
    fn references_to_a_renamed_request_are_rewritten_and_only_they() {
        let f = p(
            "# @name login\nPOST https://a.example/login\n\n###\n# @name me\nGET https://a.example/me?u={{login.response.body.$.id}}\nAuthorization: Bearer {{ login.response.body.$.token }}\nX-Not: {{login}} {{loginx.response.body.$.a}}\n",
        );
        let (text, n) = f.rename_references("login", "auth");
        assert_eq!(n, 2);
        assert_eq!(
            text,
            f.text
                .replace("{{ login.response", "{{ auth.response")
                .replace("{{login.response", "{{auth.response")
        );
        assert!(text.contains("{{login}} {{loginx.response.body.$.a}}"));
    }

    #[test]
    fn a_block_that_does_not_parse_can_be_removed_alone() {
        let text = "@h = 1\n# top\nGET https://a.example/one\n\n###\nGET https://a.example/two with spaces\n\n### Three\nGET https://a.example/three\n";
        let f = parse_lenient(Path::new("t.http"), text);
        assert_eq!(f.problems.len(), 1);
        assert_eq!(
            f.remove_broken(0),
            "@h = 1\n# top\nGET https://a.example/one\n\n### Three\nGET https://a.example/three\n"
        );
        // The first block: after the file's variables and comments.
        let f = parse_lenient(
            Path::new("t.http"),
            "@h = 1\n# c\nGET a b c\n\n###\nGET https://x.example/\n",
        );
        assert_eq!(
            f.remove_broken(0),
            "@h = 1\n# c\n###\nGET https://x.example/\n"
        );
    }

    #[test]
    fn headers_body_name_and_title() {
        let f = p(FILE);
        let mut r = f.requests[0].clone();
        r.headers.push(Header {
            name: "X-Trace".into(),
            value: "1".into(),
            line: 0,
        });
        r.body = Body::Text("{\"user\": \"bob\"}".into());
        r.name = Some("signin".into());
        r.title = Some("Sign in".into());
        let out = f.replace(0, &r);
        let g = p(&out);
        let got = &g.requests[0];
        assert_eq!(got.name.as_deref(), Some("signin"));
        assert_eq!(got.title.as_deref(), Some("Sign in"));
        assert_eq!(got.headers.len(), 2);
        assert_eq!(got.body, r.body);
        assert!(got.handler_line().is_some());
        assert!(out.contains("# keep me\n"), "{out}");
        // The other request's bytes are untouched.
        assert!(out.ends_with(&FILE[f.requests[1].span.clone()]));
        assert!(
            out.starts_with("@host = https://api.example.com\n\n### Sign in\n# @name signin\n")
        );
    }

    #[test]
    fn a_body_added_and_removed() {
        let f = p(FILE);
        let mut r = f.requests[1].clone();
        r.method = "POST".into();
        r.body = Body::Text("{\"a\": 1}".into());
        let out = f.replace(1, &r);
        assert!(out.ends_with("Accept: */*\n\n{\"a\": 1}\n"), "{out:?}");
        assert_eq!(p(&out).requests[1].body, r.body);
        let mut r0 = f.requests[0].clone();
        r0.body = Body::None;
        let out = f.replace(0, &r0);
        let g = p(&out);
        assert_eq!(g.requests[0].body, Body::None);
        assert!(g.requests[0].handler_line().is_some());
        // A file without a final line ending.
        let f = p("GET https://a.example/x");
        let mut r = f.requests[0].clone();
        r.headers.push(Header {
            name: "A".into(),
            value: "b".into(),
            line: 0,
        });
        r.body = Body::Text("hi".into());
        let out = f.replace(0, &r);
        assert_eq!(out, "GET https://a.example/x\nA: b\n\nhi\n");
    }

    #[test]
    fn a_body_file_under_the_headers_becomes_text_with_a_blank_line() {
        let f = p("POST https://a.example/x\nContent-Type: application/json\n< ./p.json\n");
        assert!(!f.requests[0].layout.blank);
        let mut r = f.requests[0].clone();
        r.body = Body::Text("{\"a\":1}".into());
        let out = f.replace(0, &r);
        let g = p(&out);
        assert_eq!(g.requests[0].headers.len(), 1, "{out}");
        assert_eq!(g.requests[0].body, r.body, "{out}");
    }

    #[test]
    fn crlf_edits_stay_crlf() {
        let text = FILE.replace('\n', "\r\n");
        let f = p(&text);
        let mut r = f.requests[1].clone();
        r.headers.clear();
        r.name = Some("boards".into());
        r.body = Body::Text("a\nb".into());
        let out = f.replace(1, &r);
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
        let g = p(&out);
        assert_eq!(g.requests[1].name.as_deref(), Some("boards"));
        assert!(g.requests[1].headers.is_empty());
    }

    #[test]
    fn remove_insert_and_duplicate() {
        let f = p(FILE);
        let out = f.remove(0);
        assert_eq!(
            out,
            format!(
                "@host = https://api.example.com\n\n{}",
                &FILE[f.requests[1].span.clone()]
            )
        );
        let g = p(&out);
        assert_eq!(g.requests.len(), 1);
        assert_eq!(g.variables.len(), 1);
        let out = f.remove(1);
        assert_eq!(out, &FILE[..f.requests[1].span.start]);
        let block = render(&HttpRequest {
            name: Some("new".into()),
            method: "GET".into(),
            url: "{{host}}/x".into(),
            ..f.requests[1].clone()
        });
        let out = f.insert(Some(0), &block);
        let g = p(&out);
        assert_eq!(g.requests.len(), 3);
        assert_eq!(g.requests[1].name.as_deref(), Some("new"));
        assert_eq!(g.requests[0].body, f.requests[0].body);
        let out = f.duplicate(0, "login-2").unwrap();
        let g = p(&out);
        assert_eq!(g.requests.len(), 3);
        assert_eq!(g.requests[1].name.as_deref(), Some("login-2"));
        assert_eq!(g.requests[1].url, f.requests[0].url);
        assert!(g.requests[1].handler_line().is_some());
        assert!(out.starts_with(&FILE[..f.requests[0].span.end]));
        // The first request of a file with no `###` gets one in its copy.
        let f = p("GET https://a.example/x\n");
        let g = p(&f.duplicate(0, "copy").unwrap());
        assert_eq!(g.requests.len(), 2);
        assert_eq!(g.requests[0].name, None);
        assert_eq!(g.requests[1].name.as_deref(), Some("copy"));
    }
}
