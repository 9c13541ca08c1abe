//! Property tests: the parsers take arbitrary bytes without panicking, and
//! what they accept decodes to a diagnosis whose JSON keeps the contract.

use apiscope_core::decode::{self, Options, Profiles, pagination::parse_link_header};
use apiscope_core::input::{self, BareBody};
use proptest::prelude::*;

fn check_all(bytes: &[u8]) {
    let profiles = Profiles::built_in();
    let options = Options {
        dialect: None,
        now: Some(1_767_225_600),
    };
    if let Ok(exchanges) = input::read_bytes(bytes, "prop", &BareBody::default()) {
        for d in decode::diagnose_all(&exchanges, &profiles, &options) {
            let v: serde_json::Value = serde_json::to_value(&d).unwrap();
            assert!(v["troubleshooting"].is_array());
            assert!(v["findings"].is_array());
            let _ = apiscope_core::report::render(
                apiscope_core::report::Format::Text,
                std::slice::from_ref(&d),
                false,
            );
            let _ =
                apiscope_core::report::render(apiscope_core::report::Format::Markdown, &[d], false);
        }
    }
}

/// Bytes that look a bit like HTTP: a status line, headers and a body made
/// of JSON-ish fragments, so the fuzzing reaches past the first check.
fn http_like() -> impl Strategy<Value = Vec<u8>> {
    let status = prop_oneof![
        Just(200u16),
        Just(204),
        Just(400),
        Just(401),
        Just(404),
        Just(429),
        Just(500),
        100u16..600
    ];
    let header = prop_oneof![
        Just("Content-Type: application/json".to_owned()),
        Just("Content-Encoding: gzip".to_owned()),
        Just("Content-Encoding: br".to_owned()),
        Just("Transfer-Encoding: chunked".to_owned()),
        Just("Link: <?page=2>; rel=\"next\"".to_owned()),
        "[A-Za-z-]{1,12}: [ -~]{0,20}".prop_map(|s| s),
        "(X-RateLimit-(Limit|Remaining|Reset)|Retry-After|RateLimit|RateLimit-Policy|Date): [ -~]{0,24}".prop_map(|s| s),
    ];
    let fragment = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("\"error\":".to_owned()),
        Just("\"errors\":".to_owned()),
        Just("\"code\":".to_owned()),
        Just("\"message\":".to_owned()),
        Just("\"kind\":".to_owned()),
        Just("\"data\":".to_owned()),
        Just("\"pagination\":".to_owned()),
        Just("\"page_count\":".to_owned()),
        Just(",".to_owned()),
        Just("\"x\"".to_owned()),
        Just("5000".to_owned()),
        Just("null".to_owned()),
        Just("\\u00".to_owned()),
        "[ -~]{0,8}".prop_map(|s| s),
    ];
    (
        status,
        prop::collection::vec(header, 0..6),
        prop::collection::vec(fragment, 0..30),
        any::<bool>(),
    )
        .prop_map(|(status, headers, body, crlf)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = format!("HTTP/1.1 {status} X{nl}");
            for h in headers {
                s.push_str(&h);
                s.push_str(nl);
            }
            s.push_str(nl);
            s.push_str(&body.concat());
            s.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_all(&bytes);
    }

    #[test]
    fn http_like_inputs_never_panic(bytes in http_like()) {
        check_all(&bytes);
    }

    #[test]
    fn json_bodies_never_panic(body in "[{}\\[\\]\",:a-z0-9 \\\\]{0,200}") {
        check_all(body.as_bytes());
        let mut har = br#"{"log":{"entries":[{"request":{"method":"GET","url":"https://a.example/?page=2"},"response":{"status":200,"content":{"text":"#.to_vec();
        har.extend_from_slice(serde_json::to_string(&body).unwrap().as_bytes());
        har.extend_from_slice(b"}}}]}}");
        check_all(&har);
    }

    #[test]
    fn request_items_never_panic(words in prop::collection::vec("[a-zé:=@.ñ/ -]{0,10}", 0..6)) {
        let mut args = vec!["https://a.example/x".to_owned()];
        args.extend(words);
        let _ = apiscope_core::items::parse(&args);
        if let Ok(spec) = apiscope_core::items::parse(&args) {
            // What the TUI writes for a request reads back.
            let words = apiscope_core::items::to_words(&spec.to_request());
            prop_assert!(apiscope_core::items::parse(&words).is_ok(), "{:?}", words);
        }
    }

    #[test]
    fn curl_commands_never_panic(
        args in prop::collection::vec("[-a-zA-Z0-9 '\"$\\\\\n:=@&;|#^xu{}é]{0,12}", 0..12)
    ) {
        let text = format!("curl {}", args.join(" "));
        let _ = apiscope_core::input::curl::parse_all(&text);
    }

    #[test]
    fn link_headers_never_panic(v in "[<>;,=\" a-z/:?.&]{0,120}") {
        for l in parse_link_header(&v) {
            prop_assert!(!l.target.contains('>'));
        }
    }

    #[test]
    fn truncating_a_valid_error_still_decodes(cut in 0usize..140) {
        let body = r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_x9y8z7w6v5u4t3s2","details":null}}"#;
        let input = format!("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n\r\n{}", &body[..cut.min(body.len())]);
        let profiles = Profiles::built_in();
        let ex = input::read_bytes(input.as_bytes(), "prop", &BareBody::default()).unwrap();
        let d = decode::diagnose(&ex[0], &profiles, &Options::default());
        prop_assert_eq!(d.status, Some(429));
        prop_assert!(d.is_error());
    }
}

/// One link of a generated `Link` header: a target, its rels, and a
/// parameter whose quoted value holds `,` and `;`.
fn link_strategy() -> impl Strategy<Value = (String, Vec<String>, String, bool, bool)> {
    (
        "(https://a\\.example)?/[a-z0-9/]{0,12}(\\?[a-z]=[0-9;,]{1,4})?",
        prop::collection::vec(
            prop_oneof![
                Just("next"),
                Just("prev"),
                Just("last"),
                Just("first"),
                Just("self")
            ],
            1..3,
        )
        .prop_map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>()),
        "[a-z ,;]{0,12}",
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(t, rels, title, upper, twice)| (t, rels, title, upper, twice))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// RFC 8288: every link comes back with its target and its rels (lower
    /// case, however `rel` and its values were written), a quoted `,` or
    /// `;` in another parameter splits nothing, and a second `rel` on the
    /// same link is ignored.
    #[test]
    fn link_headers_keep_targets_and_first_rels(links in prop::collection::vec(link_strategy(), 1..5)) {
        let value = links
            .iter()
            .map(|(t, rels, title, upper, twice)| {
                let rel_name = if *upper { "REL" } else { "rel" };
                let rel_value = if *upper {
                    rels.join(" ").to_ascii_uppercase()
                } else {
                    rels.join(" ")
                };
                let mut s = format!("<{t}>; title=\"{title}\"; {rel_name}=\"{rel_value}\"");
                if *twice {
                    s.push_str("; rel=\"bogus\"");
                }
                s
            })
            .collect::<Vec<_>>()
            .join(" ,\t");
        let parsed = parse_link_header(&value);
        prop_assert_eq!(parsed.len(), links.len(), "{}", value);
        for (p, (t, rels, ..)) in parsed.iter().zip(&links) {
            prop_assert_eq!(&p.target, t);
            prop_assert_eq!(&p.rels, rels);
        }
    }

    /// The curl tokenizer gives back any text quoted the three ways bash
    /// quotes it — '…', "…" and $'…' — byte for byte.
    #[test]
    fn curl_words_round_trip_every_quoting(s in "\\PC{0,40}") {
        let single = format!("'{}'", s.replace('\'', "'\\''"));
        let double = format!(
            "\"{}\"",
            s.replace('\\', "\\\\").replace('"', "\\\"").replace('$', "\\$").replace('`', "\\`")
        );
        let ansi = format!(
            "$'{}'",
            s.chars()
                .map(|c| match c {
                    '\\' => "\\\\".to_owned(),
                    '\'' => "\\'".to_owned(),
                    c if c.is_ascii_control() => format!("\\x{:02x}", c as u32),
                    c if !c.is_ascii() => format!("\\u{:04x}", c as u32),
                    c => c.to_string(),
                })
                .collect::<String>()
        );
        for quoted in [single, double, ansi] {
            if s.contains(|c: char| !c.is_ascii() && c as u32 > 0xffff) && quoted.starts_with("$'") {
                continue;
            }
            let cmd = format!("curl https://a.example/ --data-raw {quoted}");
            let r = apiscope_core::input::curl::parse(&cmd).map_err(|e| TestCaseError::fail(format!("{cmd}: {e}")))?;
            prop_assert_eq!(&r.body[..], s.as_bytes(), "{}", cmd);
        }
    }
}

/// Any JSON value, with wide arrays and objects (past the skeleton's kept
/// items and keys), escapes, non-ASCII text, big and negative numbers.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "[a-z\"\\\\/\u{0}-\u{1f}é€😀 ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 400, 80, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..80).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-z_\"\\\\é]{0,6}", inner), 0..10)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// The fast skeleton parser builds exactly what the serde path builds,
    /// for any valid document, compact or pretty-printed.
    #[test]
    fn fast_json_skeleton_equals_the_serde_one(v in json_value(), pretty in any::<bool>()) {
        use apiscope_core::decode::json::Json;
        let text = if pretty {
            serde_json::to_vec_pretty(&v).unwrap()
        } else {
            serde_json::to_vec(&v).unwrap()
        };
        let slow = Json::parse_serde(&text);
        prop_assert!(slow.is_ok());
        prop_assert_eq!(Json::parse(&text), slow);
    }

    /// Bytes that are not JSON get serde_json's own error, never a
    /// different tree.
    #[test]
    fn broken_json_is_an_error_or_the_same_tree(v in json_value(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        use apiscope_core::decode::json::Json;
        let mut text = serde_json::to_vec(&v).unwrap();
        let at = cut.index(text.len() + 1);
        text.insert(at.min(text.len()), byte);
        let slow = Json::parse_serde(&text);
        let fast = Json::parse(&text);
        if slow.is_ok() {
            prop_assert_eq!(fast, slow);
        } else if fast.is_err() {
            prop_assert_eq!(fast, slow);
        }
        // (fast Ok where serde errs: a typo inside a skimmed value, by design)
    }
}

/// A `.http` request the way a user could write it.
fn http_request() -> impl Strategy<Value = apiscope_core::collection::HttpRequest> {
    use apiscope_core::collection::{Body, Header, HttpRequest};
    let body = prop_oneof![
        Just(Body::None),
        prop::collection::vec("[a-z{}\":, ]{0,6}[a-z{}\":,]", 1..4)
            .prop_map(|lines| Body::Text(lines.join("\n"))),
        ("[a-z]{1,6}\\.json", any::<bool>()).prop_map(|(p, s)| Body::File {
            path: format!("./{p}"),
            substitute: s
        }),
    ];
    (
        prop::option::of("[a-z][a-z0-9_]{0,7}"),
        prop::option::of("[A-Za-z][A-Za-z ]{0,10}[A-Za-z]"),
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH"]),
        "(https://a\\.example|\\{\\{host\\}\\})/[a-z/{}]{0,10}(\\?[a-z]=[a-z0-9]{1,3})?",
        prop::option::of(prop::sample::select(vec!["HTTP/1.1", "HTTP/2"])),
        prop::collection::vec(("[A-Za-z][A-Za-z-]{0,8}", "([!-~][ -~]{0,12}[!-~])?"), 0..4),
        body,
        prop::option::of(("[a-z]{1,6}\\.out", any::<bool>())),
        prop::collection::vec("[a-z][a-z .]{0,10}", 0..3),
    )
        .prop_map(
            |(name, title, method, url, version, headers, body, output, comments)| HttpRequest {
                name,
                title,
                comments,
                line: 0,
                method: method.to_owned(),
                url,
                version: version.map(str::to_owned),
                headers: headers
                    .into_iter()
                    .map(|(name, value)| Header {
                        name,
                        value,
                        line: 0,
                    })
                    .collect(),
                body,
                body_line: None,
                pre: None,
                handler: None,
                output: output.map(|(f, o)| (format!("./{f}"), o)),
                asserts: Vec::new(),
                span: 0..0,
                layout: Default::default(),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// render → parse gives the same requests; the parsed file writes back
    /// byte-identical.
    #[test]
    fn http_files_round_trip(reqs in prop::collection::vec(http_request(), 1..5), crlf in any::<bool>()) {
        use apiscope_core::collection::{parse, render};
        let mut text: String = reqs.iter().map(render).collect::<Vec<_>>().join("\n");
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let file = parse(std::path::Path::new("p.http"), &text).unwrap();
        prop_assert_eq!(file.write(), text.clone());
        prop_assert_eq!(file.requests.len(), reqs.len());
        for (got, want) in file.requests.iter().zip(&reqs) {
            prop_assert_eq!(&got.name, &want.name);
            prop_assert_eq!(&got.title, &want.title);
            prop_assert_eq!(&got.comments, &want.comments);
            prop_assert_eq!(&got.method, &want.method);
            prop_assert_eq!(&got.url, &want.url);
            prop_assert_eq!(&got.version, &want.version);
            let gh: Vec<(&str, &str)> = got.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
            let wh: Vec<(&str, &str)> = want.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
            prop_assert_eq!(gh, wh);
            let body = match (&got.body, crlf) {
                (apiscope_core::collection::Body::Text(t), true) => apiscope_core::collection::Body::Text(t.replace("\r\n", "\n")),
                (b, _) => b.clone(),
            };
            prop_assert_eq!(&body, &want.body);
            prop_assert_eq!(&got.output, &want.output);
            // Every request's span is its own block of the text.
            prop_assert!(text[got.span.clone()].contains(&got.method));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Editing one request of a file and saving it: that request reads back
    /// as edited, and every byte before and after it is as it was.
    #[test]
    fn http_edits_touch_only_their_request(
        reqs in prop::collection::vec(http_request(), 1..5),
        new in http_request(),
        pick in any::<prop::sample::Index>(),
        crlf in any::<bool>(),
    ) {
        use apiscope_core::collection::{parse, Body};
        let mut text: String = reqs.iter().map(apiscope_core::collection::render).collect::<Vec<_>>().join("\n");
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let path = std::path::Path::new("p.http");
        let file = parse(path, &text).unwrap();
        let k = pick.index(file.requests.len());
        let old = &file.requests[k];
        let out = file.replace(k, &new);
        let back = parse(path, &out).unwrap();
        prop_assert_eq!(back.requests.len(), reqs.len());
        let got = &back.requests[k];
        prop_assert_eq!(&got.name, &new.name);
        prop_assert_eq!(&got.title, &new.title);
        prop_assert_eq!(&got.method, &new.method);
        prop_assert_eq!(&got.url, &new.url);
        prop_assert_eq!(&got.version, &new.version);
        let gh: Vec<(&str, &str)> = got.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        let wh: Vec<(&str, &str)> = new.headers.iter().map(|h| (h.name.as_str(), h.value.as_str())).collect();
        prop_assert_eq!(gh, wh);
        let body = match &got.body {
            Body::Text(t) => Body::Text(t.replace("\r\n", "\n")),
            b => b.clone(),
        };
        prop_assert_eq!(&body, &new.body);
        // Comments and the output redirect are the old request's.
        prop_assert_eq!(&got.comments, &old.comments);
        prop_assert_eq!(&got.output, &old.output);
        prop_assert_eq!(&out[..old.layout.own_start], &text[..old.layout.own_start]);
        prop_assert!(out.ends_with(&text[old.span.end..]));
        if crlf {
            prop_assert!(!out.replace("\r\n", "").contains('\n'));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A `WWW-Authenticate` value of any text answers, never panics; a
    /// challenge list written as RFC 7235 writes it reads back as written.
    #[test]
    fn challenges_parse_any_text_and_read_back_what_they_write(
        junk in "[ -~é\t]{0,200}",
        list in proptest::collection::vec(
            ("[A-Za-z][A-Za-z0-9-]{0,8}", proptest::collection::vec(("[a-z][a-z_]{0,6}", "[ -!#-\\[\\]-~]{0,12}"), 1..4)),
            1..4,
        ),
    ) {
        let _ = apiscope_core::decode::auth::parse_challenges(&junk);
        let text = list
            .iter()
            .map(|(scheme, params)| {
                let ps: Vec<String> = params.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
                format!("{scheme} {}", ps.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let read = apiscope_core::decode::auth::parse_challenges(&text).unwrap();
        prop_assert_eq!(read.len(), list.len(), "{}", text);
        for (c, (scheme, params)) in read.iter().zip(&list) {
            prop_assert_eq!(&c.scheme, scheme);
            let want: Vec<(String, String)> = params.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            prop_assert_eq!(&c.params, &want);
        }
    }
}
