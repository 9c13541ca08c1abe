//! HARs as browsers export them — Chrome (HTTP/2 with pseudo-headers, a
//! redirect as two entries, a base64 body, a form post), Firefox
//! (HTTP/1.1 and HTTP/2, `Host`, `Connection`, `TE`, a JSON body with
//! UTF-8), a WebKit-shaped one (cookies only in the `cookies` array, a
//! 429) — replayed live against a loopback recorder: each request arrives
//! as the browser sent it, with what the client derives itself (`Host`,
//! `Content-Length`, hop-by-hop headers, `Accept-Encoding`) left to it.
//! The fixtures are written from each browser's export shape
//! (`tests/fixtures/har/`), not recorded.

use crate::common::{self, RawServer};

/// What arrived: request line, headers (names lower-cased, in order), body.
type Arrived = (String, Vec<(String, String)>, String);

fn recorder() -> RawServer {
    RawServer::start(|req| {
        if req.starts_with(b"GET /old") {
            common::reply(302, &[("Location", "/new?from=mail")], "")
        } else {
            common::reply(200, &[("Content-Type", "application/json")], "{}")
        }
    })
}

/// (request line, headers lower-cased in order, body) of what arrived.
fn arrived(s: &RawServer) -> Vec<Arrived> {
    s.received
        .lock()
        .unwrap()
        .iter()
        .map(|raw| {
            let end = raw
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .unwrap_or(raw.len());
            let head = String::from_utf8_lossy(&raw[..end]).into_owned();
            let body = String::from_utf8_lossy(raw.get(end + 4..).unwrap_or_default()).into_owned();
            let mut lines = head.lines();
            let line = lines.next().unwrap_or("").to_owned();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            (line, headers, body)
        })
        .collect()
}

fn replay(name: &str) -> (RawServer, Vec<Arrived>) {
    let s = recorder();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/har/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .replace("{{BASE}}", &s.base)
    // (The headless Chromium recording keeps its own origin.)
    .replace("http://127.0.0.1:47123", &s.base);
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let o = common::apiscope_in(
        dir.path(),
        &[
            "replay",
            &path.to_string_lossy(),
            "--live",
            "--yes",
            "--max-wait",
            "5",
        ],
        b"",
    );
    assert_eq!(o.code, 0, "{name}: {}\n{}", o.stdout, o.stderr);
    let got = arrived(&s);
    (s, got)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    h.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// What every replayed request must hold: no pseudo-header, the client's
/// own `Host` (the recorder's, not the site's), a `Content-Length` that is
/// the body's, no hop-by-hop header from the recording.
fn well_formed(base: &str, got: &[Arrived]) {
    let host = base.trim_start_matches("http://");
    for (line, h, body) in got {
        assert!(h.iter().all(|(k, _)| !k.starts_with(':')), "{line}: {h:?}");
        assert_eq!(header(h, "host"), [host], "{line}: {h:?}");
        let cl = header(h, "content-length");
        if body.is_empty() {
            assert!(cl.is_empty() || cl == ["0"], "{line}: {h:?}");
        } else {
            assert_eq!(cl, [body.len().to_string().as_str()], "{line}: {h:?}");
        }
        assert!(
            header(h, "te").is_empty() && header(h, "upgrade").is_empty(),
            "{line}: {h:?}"
        );
        assert!(
            !header(h, "accept-encoding")
                .iter()
                .any(|v| v.contains("zstd")),
            "{line}: {h:?}"
        );
    }
}

#[test]
fn a_chrome_har_replays_as_chrome_sent_it() {
    let (s, got) = replay("chrome.har");
    // The redirect is two entries: each sent once, the 302 not followed.
    let lines: Vec<&str> = got.iter().map(|(l, _, _)| l.as_str()).collect();
    assert_eq!(
        lines,
        [
            "GET /old?from=mail HTTP/1.1",
            "GET /new?from=mail HTTP/1.1",
            "POST /api/login HTTP/1.1"
        ]
    );
    well_formed(&s.base, &got);
    for (_, h, _) in &got {
        assert_eq!(header(h, "cookie"), ["sid=sess_FAKE_chrome; theme=dark"]);
    }
    let (_, h, body) = &got[2];
    assert_eq!(body, "user=ann&note=a%20b%26c%3D1");
    assert_eq!(
        header(h, "content-type"),
        ["application/x-www-form-urlencoded"]
    );
    assert_eq!(header(h, "origin"), ["https://shop.example.com"]);
}

#[test]
fn a_firefox_har_replays_as_firefox_sent_it() {
    let (s, got) = replay("firefox.har");
    assert_eq!(got.len(), 2, "{got:?}");
    well_formed(&s.base, &got);
    let (line, h, body) = &got[0];
    assert_eq!(line, "PUT /api/cart/7 HTTP/1.1");
    assert_eq!(
        body,
        "{\"qty\": 2, \"note\": \"gift ✓\", \"items\": [1, 2]}"
    );
    assert_eq!(header(h, "cookie"), ["sid=sess_FAKE_firefox"]);
    assert_eq!(header(h, "sec-fetch-mode"), ["cors"]);
    assert!(header(h, "connection").is_empty(), "{h:?}");
    let (line, h, _) = &got[1];
    assert_eq!(line, "GET /api/cart?expand=items&currency=EUR HTTP/1.1");
    assert_eq!(header(h, "if-none-match"), ["\"v42\""]);
}

#[test]
fn a_webkit_har_with_cookies_only_in_their_array_sends_them() {
    let (s, got) = replay("safari.har");
    assert_eq!(got.len(), 1, "{got:?}");
    well_formed(&s.base, &got);
    let (line, h, body) = &got[0];
    assert_eq!(line, "POST /api/search HTTP/1.1");
    assert_eq!(header(h, "cookie"), ["sid=sess_FAKE_safari; lang=en"]);
    assert_eq!(body, "{\"q\":\"shoes\",\"page\":2}");
}

/// A HAR recorded by headless Chromium (Playwright's `recordHar`; how, in
/// `tests/fixtures/har/README-chromium.md`): every entry arrives as the
/// HAR says Chromium sent it — method, target, every header but the ones
/// the client derives itself (`Host`, `Connection`, `Content-Length`,
/// `Accept-Encoding`), the body byte for byte (the multipart one with its
/// recorded boundary).
#[test]
fn a_har_recorded_by_headless_chromium_replays_as_chromium_sent_it() {
    let (s, got) = replay("chromium-headless.har");
    well_formed(&s.base, &got);
    let har: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!(
            "{}/tests/fixtures/har/chromium-headless.har",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(got.len(), entries.len(), "{got:?}");
    for (e, (line, h, body)) in entries.iter().zip(&got) {
        let req = &e["request"];
        let url = url::Url::parse(req["url"].as_str().unwrap()).unwrap();
        let target = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        assert_eq!(
            line,
            &format!("{} {target} HTTP/1.1", req["method"].as_str().unwrap()),
        );
        for hh in req["headers"].as_array().unwrap() {
            let name = hh["name"].as_str().unwrap().to_ascii_lowercase();
            if matches!(
                name.as_str(),
                "host" | "connection" | "content-length" | "accept-encoding"
            ) {
                continue;
            }
            // (Origin and Referer name the recorder now, as the HAR was
            // pointed at it.)
            let value = hh["value"]
                .as_str()
                .unwrap()
                .replace("http://127.0.0.1:47123", &s.base);
            assert_eq!(
                header(h, &name),
                [value.as_str()],
                "{line}: {name} in {h:?}"
            );
        }
        let sent = req["postData"]["text"].as_str().unwrap_or("");
        assert_eq!(body, sent, "{line}");
    }
}

/// A HAR whose pseudo-headers and headers are malformed (an unknown
/// pseudo-header, a `:method` that is not the entry's, a name that is no
/// token, a value that breaks the line): each left out with one note, the
/// request still sent as recorded; a form given only as `params` goes
/// encoded as a form.
#[test]
fn a_har_with_malformed_pseudo_headers_replays_and_says_what_it_left_out() {
    let (s, got) = replay("malformed-pseudo.har");
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, "GET /a HTTP/1.1");
    assert_eq!(header(&got[0].1, "x-ok"), ["1"]);
    assert!(header(&got[0].1, "injected").is_empty(), "{:?}", got[0].1);
    assert!(header(&got[0].1, "x-split").is_empty(), "{:?}", got[0].1);
    assert_eq!(got[1].0, "POST /form HTTP/1.1");
    assert_eq!(got[1].2, "q=a+b%26c&lang=%C3%A9");
    well_formed(&s.base, &got);
    // Offline, the notes say what was left out, one line each.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.har");
    std::fs::write(
        &path,
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/har/malformed-pseudo.har",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
    )
    .unwrap();
    let o = common::apiscope_in(dir.path(), &["replay", &path.to_string_lossy()], b"");
    assert_eq!(o.code, 0, "{}", o.stderr);
    for note in [
        "The HAR's :method POST is not its request's method GET",
        "request pseudo-header `:bogus` is not one HTTP/2 defines: left out",
        "request header `bad name` is not a valid header name: left out",
        "request header `x-split` is not a valid header (its value breaks the line): left out",
        "response pseudo-header `:weird` is not one HTTP/2 defines",
    ] {
        assert!(o.stdout.contains(note), "{note}:\n{}", o.stdout);
    }
}
