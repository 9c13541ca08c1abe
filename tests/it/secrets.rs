//! Secrets planted everywhere a request and a response can carry them —
//! headers, cookies, query names in every spelling, JSON and form bodies
//! (with a BOM, nested past 128 levels, holding arrays and objects), URLs
//! in `Location`, `Link`, `Referer` and inside bodies, token shapes in free
//! text — then every byte apiscope writes (sessions, HAR, Markdown, the
//! history database and its WAL) is searched for each of them.
//!
//! Each secret is a distinct marker (`FAKE…NN`) so a failure names the
//! place it leaked from.

use crate::common;

use common::{RawServer, Reply};
use std::path::Path;
use std::process::{Command, Output};

/// Secrets the request carries: (item for `apiscope send`, marker).
const REQUEST_ITEMS: &[(&str, &str)] = &[
    ("Authorization:Bearer FAKEBEARER01", "FAKEBEARER01"),
    (
        "Proxy-Authorization:Basic RkFLRUJBU0lDMDI=",
        "RkFLRUJBU0lDMDI=",
    ),
    ("PRIVATE-TOKEN:FAKEPRIVATE03", "FAKEPRIVATE03"),
    ("X-Auth-Token:FAKEXAUTH04", "FAKEXAUTH04"),
    ("apikey:FAKEAPIKEY05", "FAKEAPIKEY05"),
    ("X-Goog-Api-Key:FAKEGOOG06", "FAKEGOOG06"),
    ("X-Amz-Security-Token:FAKEAMZ07", "FAKEAMZ07"),
    ("X-Client-Secret:FAKECLIENT08", "FAKECLIENT08"),
    ("X-Authorization:FAKEXAUTHZ09", "FAKEXAUTHZ09"),
    ("Token:FAKETOKEN10", "FAKETOKEN10"),
    ("X-Apikey:FAKEXAPIKEY11", "FAKEXAPIKEY11"),
    ("X-Api-Key:FAKEXAPIKEY12", "FAKEXAPIKEY12"),
    ("Ocp-Apim-Subscription-Key:FAKEOCP13", "FAKEOCP13"),
    ("X-Vault-Token:FAKEVAULT14", "FAKEVAULT14"),
    ("X-CSRF-Token:FAKECSRF15", "FAKECSRF15"),
    ("Cookie:FAKEBARECOOKIE16", "FAKEBARECOOKIE16"),
    ("X-Shopify-Access-Token:FAKESHOPIFY17", "FAKESHOPIFY17"),
    (
        "Referer:https://app.example/cb?code=FAKEREFCODE18&state=x",
        "FAKEREFCODE18",
    ),
    ("X-Session-Id:FAKESESSION19", "FAKESESSION19"),
    ("X-Custom-Password:FAKEPASSHDR20", "FAKEPASSHDR20"),
    // Body fields, as JSON strings and raw JSON (`:=`).
    ("password=FAKEPASSWORD21", "FAKEPASSWORD21"),
    ("accessToken=FAKEACCESSTOKEN22", "FAKEACCESSTOKEN22"),
    ("clientSecret=FAKECLIENTSECRET23", "FAKECLIENTSECRET23"),
    ("privateKey=FAKEPRIVKEY24", "FAKEPRIVKEY24"),
    ("private_key=FAKEPRIVKEY25", "FAKEPRIVKEY25"),
    ("jwt=FAKEJWTFIELD26", "FAKEJWTFIELD26"),
    ("refresh_token=FAKEREFRESH27", "FAKEREFRESH27"),
    (
        "secret:={\"inner\":\"FAKESECRETOBJ28\",\"n\":[\"FAKESECRETOBJ29\"]}",
        "FAKESECRETOBJ28",
    ),
    (
        "credentials:=[\"FAKECREDARRAY30\",{\"k\":\"FAKECREDARRAY31\"}]",
        "FAKECREDARRAY30",
    ),
    ("api_key:=\"FAKEAPIKEYJSON32\"", "FAKEAPIKEYJSON32"),
    (
        "note=see ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE33 for details",
        "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE33",
    ),
    (
        "callback=https://hooks.example/x?token=FAKEBODYURL34",
        "FAKEBODYURL34",
    ),
];

/// Query parameters of the request URL, every spelling.
const QUERY: &[(&str, &str)] = &[
    ("access_token", "FAKEQACCESS40"),
    ("accessToken", "FAKEQACCESS41"),
    ("access%5Ftoken", "FAKEQACCESS42"),
    ("api-key", "FAKEQAPIKEY43"),
    ("api_key", "FAKEQAPIKEY44"),
    ("key", "FAKEQKEY45"),
    ("client_secret", "FAKEQCLIENT46"),
    ("X-Amz-Signature", "FAKEQSIG47"),
    ("X-Amz-Credential", "FAKEQCRED48"),
    ("sig", "FAKEQSIG49"),
    ("password", "FAKEQPASS50"),
    ("id_token", "FAKEQID51"),
    ("auth", "FAKEQAUTH52"),
    ("sessionid", "FAKEQSESSION53"),
    ("apiKey", "FAKEQAPIKEY54"),
    ("token", "FAKEQTOKEN55"),
    ("code", "FAKEQCODE56"),
    ("jwt", "FAKEQJWT57"),
    ("privateKey", "FAKEQPRIV58"),
    ("refresh-token", "FAKEQREFRESH59"),
    ("ACCESS_TOKEN", "FAKEQACCESS35"),
    ("x-amz-security-token", "FAKEQAMZ36"),
];

/// What the response carries, by place.
const RESPONSE: &[&str] = &[
    "FAKESETCOOKIE60", // Set-Cookie
    "FAKESETCOOKIE61", // a second Set-Cookie
    "FAKELINKTOKEN62", // Link: <…?access_token=…>
    "FAKELOCATION63",  // Location
    "FAKERESPTOKEN64", // X-Subject-Token response header
    "FAKEACCESS65",    // body access_token
    "FAKEIDTOKEN66",   // body id_token
    "FAKEREFRESH67",   // body refresh_token
    "FAKECLIENTSEC68", // body client_secret
    "FAKENEXTURL69",   // body links.next URL
    "FAKESECRETARR70", // body secret: [ … ]
    "FAKESECRETOBJ71", // body credentials: { … }
    "FAKEPRIVATE72",   // body private_key
    "FAKEINTEXT73",    // "Bearer …" in a message
    "FAKEURLTEXT74",   // a URL with a key in a message
    "FAKESHAPE75",     // a token shape in a detail string
    "FAKESESSION76",   // body sessionToken
    "FAKEAPIKEY77",    // body apiKey
    "FAKEPASSWORD78",  // body password
    "FAKEBOMBODY79",   // a BOM-prefixed body
    "FAKEDEEPBODY80",  // a body nested 200 deep
    "FAKEFORMBODY81",  // a form body ending in a newline
    "FAKEFORMBODY82",  // the same form body's second secret
    "FAKEREDIRECT83",  // the first hop's Location, same origin
    "FAKEREDIRECT84",  // the first hop's URL
    "FAKEJWTSIG85",    // a JWT in a body
];

const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJGQUtFIn0.FAKEJWTSIG85_notreal";

fn respond(req: &[u8]) -> Reply {
    let head = String::from_utf8_lossy(req);
    let path = head
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_owned();
    let host = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("host: ")
                .or_else(|| l.strip_prefix("Host: "))
        })
        .unwrap_or("127.0.0.1")
        .trim()
        .to_owned();
    let reply = |status: &str, headers: &[(&str, String)], body: &[u8]| {
        let mut r = format!(
            "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            r.push_str(&format!("{k}: {v}\r\n"));
        }
        r.push_str("\r\n");
        let mut b = r.into_bytes();
        b.extend_from_slice(body);
        Reply::Bytes(b)
    };
    match path.as_str() {
        "/start" => reply(
            "307 Temporary Redirect",
            &[(
                "Location",
                format!("http://{host}/api?token=FAKEREDIRECT83&page=1"),
            )],
            b"",
        ),
        "/api" => {
            let body = serde_json::json!({
                "error": {
                    "code": "UNAUTHORIZED",
                    "message": "Header was Authorization: Bearer FAKEINTEXT73; retry at https://api.example/v1?api_key=FAKEURLTEXT74",
                    "detail": format!("token sk_live_FAKESHAPE75xxxxxxxx and {JWT}"),
                },
                "access_token": "FAKEACCESS65",
                "id_token": "FAKEIDTOKEN66",
                "refresh_token": "FAKEREFRESH67",
                "client_secret": "FAKECLIENTSEC68",
                "links": { "next": format!("http://{host}/api?page=2&access_token=FAKENEXTURL69") },
                "secret": ["FAKESECRETARR70"],
                "credentials": { "user": "u", "pass": "FAKESECRETOBJ71" },
                "private_key": "FAKEPRIVATE72",
                "sessionToken": "FAKESESSION76",
                "apiKey": "FAKEAPIKEY77",
                "password": "FAKEPASSWORD78",
            });
            reply(
                "401 Unauthorized",
                &[
                    ("Content-Type", "application/json".into()),
                    ("Set-Cookie", "sid=FAKESETCOOKIE60; Path=/; HttpOnly".into()),
                    ("Set-Cookie", "refresh=FAKESETCOOKIE61; Secure".into()),
                    (
                        "Link",
                        format!(
                            "<http://{host}/api?page=2&access_token=FAKELINKTOKEN62>; rel=\"next\""
                        ),
                    ),
                    (
                        "Location",
                        "https://other.example/login?token=FAKELOCATION63".into(),
                    ),
                    ("X-Subject-Token", "FAKERESPTOKEN64".into()),
                ],
                body.to_string().as_bytes(),
            )
        }
        "/bom" => {
            let mut b = "\u{feff}".as_bytes().to_vec();
            b.extend_from_slice(br#"{"error":"invalid_grant","access_token":"FAKEBOMBODY79"}"#);
            reply(
                "400 Bad Request",
                &[("Content-Type", "application/json".into())],
                &b,
            )
        }
        "/deep" => {
            let mut b = String::new();
            for _ in 0..200 {
                b.push_str("{\"a\":");
            }
            b.push_str("{\"password\":\"FAKEDEEPBODY80\"}");
            for _ in 0..200 {
                b.push('}');
            }
            reply(
                "400 Bad Request",
                &[("Content-Type", "application/json".into())],
                b.as_bytes(),
            )
        }
        "/form" => reply(
            "400 Bad Request",
            &[("Content-Type", "application/x-www-form-urlencoded".into())],
            b"error=invalid&access_token=FAKEFORMBODY81&client_secret=FAKEFORMBODY82\n",
        ),
        _ => reply("404 Not Found", &[], b""),
    }
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .args(args)
        .env("APISCOPE_CONFIG_DIR", dir)
        .env("APISCOPE_DATA_DIR", dir)
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("run apiscope")
}

fn every_marker() -> Vec<&'static str> {
    let mut all: Vec<&str> = REQUEST_ITEMS.iter().map(|(_, m)| *m).collect();
    all.extend(["FAKESECRETOBJ29", "FAKECREDARRAY31"]);
    all.extend(QUERY.iter().map(|(_, m)| *m));
    all.extend(RESPONSE);
    all
}

/// Every file under `dir`, recursively, with its bytes.
fn written(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

fn leaks(bytes: &[u8], markers: &[&str]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    markers
        .iter()
        .filter(|m| text.contains(**m))
        .map(|m| (*m).to_owned())
        .collect()
}

#[test]
fn eighty_secrets_reach_no_written_byte() {
    let markers = every_marker();
    assert!(markers.len() >= 80, "{} markers", markers.len());
    let server = RawServer::start(respond);
    let dir = tempfile::tempdir().unwrap();
    let query: Vec<String> = QUERY.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let url = format!(
        "{}/start?sig=FAKEREDIRECT84&{}",
        server.base,
        query.join("&")
    );
    let mut reports = Vec::new();
    for (i, path) in [url.as_str(), "/bom", "/deep", "/form"].iter().enumerate() {
        let target = if i == 0 {
            (*path).to_owned()
        } else {
            format!("{}{path}", server.base)
        };
        let mut args = vec!["send".to_owned(), "POST".to_owned(), target];
        args.extend(REQUEST_ITEMS.iter().map(|(item, _)| (*item).to_owned()));
        for save in [".json", ".har", ".md"] {
            let mut a = args.clone();
            a.extend(["--save".to_owned(), format!("out{i}{save}")]);
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            let o = run(&a, dir.path());
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{a:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        // Markdown on stdout is a report too.
        let mut a = args.clone();
        a.extend(["--format".to_owned(), "markdown".to_owned()]);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        reports.push((
            format!("markdown stdout of {path}"),
            run(&a, dir.path()).stdout,
        ));
    }
    // The server saw the secrets (they were really sent): the test plants
    // what it means to.
    let seen = server.requests().join("\n");
    for m in [
        "FAKEBEARER01",
        "FAKEQACCESS42",
        "FAKEPASSWORD21",
        "FAKECREDARRAY31",
    ] {
        assert!(seen.contains(m), "{m} was not sent:\n{seen}");
    }
    // A customer's HAR that kept every secret, opened by support: the
    // Markdown reports of `decode` and `replay`, and the TUI's saves.
    let outside = tempfile::tempdir().unwrap();
    let mut a: Vec<String> = vec!["send".into(), "POST".into(), url.clone()];
    a.extend(REQUEST_ITEMS.iter().map(|(item, _)| (*item).to_owned()));
    let raw = outside.path().join("raw.har").display().to_string();
    a.extend(["--save".into(), raw.clone(), "--keep-secrets".into()]);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    run(&a, outside.path());
    let kept = std::fs::read_to_string(&raw).unwrap();
    for m in ["FAKEBEARER01", "FAKEPASSWORD21", "FAKEACCESS65"] {
        assert!(kept.contains(m), "--keep-secrets lost {m}");
    }
    for args in [
        vec!["decode", raw.as_str(), "--format", "markdown"],
        vec!["replay", raw.as_str(), "--format", "markdown"],
    ] {
        reports.push((format!("{args:?}"), run(&args, dir.path()).stdout));
    }
    let exchanges = apiscope::input::read_any(&raw).unwrap();
    let profiles = apiscope::decode::Profiles::built_in();
    let diagnoses = apiscope::decode::diagnose_all(&exchanges, &profiles, &Default::default());
    let (session, har, markdown) =
        apiscope::tui::documents("ticket", &exchanges, &diagnoses, &profiles);
    std::fs::write(dir.path().join("tui.json"), session).unwrap();
    std::fs::write(dir.path().join("tui.har"), har).unwrap();
    std::fs::write(dir.path().join("tui.md"), markdown).unwrap();
    let files = written(dir.path());
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "out0.json",
        "out0.har",
        "out3.md",
        "tui.har",
        "history.sqlite3",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} not written: {names:?}"
        );
    }
    let mut found = Vec::new();
    for (name, bytes) in files.iter().chain(reports.iter()) {
        for m in leaks(bytes, &markers) {
            found.push(format!("{m} in {name}"));
        }
    }
    assert!(
        found.is_empty(),
        "{} leaks:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_tui_request_line_in_history_is_redacted() {
    use apiscope::history::History;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite3");
    let history = History::open(&path).unwrap();
    let line = "POST https://api.example/v1/login?api_key=FAKELINEQ90 password=FAKELINEPW91 \
                secret:={\"k\":\"FAKELINEJSON92\"} Authorization:'Bearer FAKELINEHDR93' \
                token:=\"FAKELINERAW94\"";
    let exchange = apiscope::input::read_bytes(
        b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n\r\n{\"error\":\"x\"}",
        "x.txt",
        &Default::default(),
    )
    .unwrap()
    .remove(0);
    let d = apiscope::decode::diagnose(
        &exchange,
        &apiscope::decode::Profiles::built_in(),
        &apiscope::decode::Options::default(),
    );
    history.record(&exchange, &d, "tui", Some(line)).unwrap();
    drop(history);
    let markers = [
        "FAKELINEQ90",
        "FAKELINEPW91",
        "FAKELINEJSON92",
        "FAKELINEHDR93",
        "FAKELINERAW94",
    ];
    for (name, bytes) in written(dir.path()) {
        assert!(
            leaks(&bytes, &markers).is_empty(),
            "{name}: {:?}",
            leaks(&bytes, &markers)
        );
    }
}

/// A collection's private values, carried where no header name or field
/// name says "secret" (an odd header, a body field, a query value), sent
/// from the CLI (one request, `--paginate`, `replay --live`): no byte
/// written (sessions, HAR, Markdown, the history and its WAL) holds them.
#[test]
fn a_collections_private_values_reach_no_written_byte() {
    let server = RawServer::start(respond);
    let collection = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        collection.path().join("api.http"),
        "### one\n# @name one\nPOST {{host}}/echo?q={{query_value}}&pw={{spaced}}\nX-Odd: {{odd}}\nContent-Type: application/json\n\n{\"note\": \"{{note}}\"}\n",
    )
    .unwrap();
    std::fs::write(
        collection.path().join("http-client.env.json"),
        format!(r#"{{"dev": {{"host": "{}"}}}}"#, server.base),
    )
    .unwrap();
    std::fs::write(
        collection.path().join("http-client.private.env.json"),
        r#"{"dev": {"odd": "FAKECOLLODD91", "note": "FAKECOLLNOTE92", "query_value": "FAKECOLLQUERY93", "spaced": "FAKE Coll@Space 95"}}"#,
    )
    .unwrap();
    // (The spaced value as it is, and as a URL parser writes it into a
    // query: `%20` for the space, `@` kept — the HAR's url and queryString.)
    let markers = [
        "FAKECOLLODD91",
        "FAKECOLLNOTE92",
        "FAKECOLLQUERY93",
        "FAKE Coll@Space 95",
        "FAKE%20Coll@Space%2095",
        "Coll@Space",
    ];
    let file = collection.path().join("api.http").display().to_string();
    let one = format!("{file}#one");
    let mut reports = Vec::new();
    for args in [
        vec!["send", &one, "--env", "dev", "--yes", "--save", "c.json"],
        vec!["send", &one, "--env", "dev", "--yes", "--save", "c.har"],
        vec!["send", &one, "--env", "dev", "--yes", "--save", "c.md"],
        vec![
            "send",
            &one,
            "--env",
            "dev",
            "--yes",
            "--paginate",
            "--max-pages",
            "1",
            "--save",
            "p.json",
        ],
        vec!["replay", &file, "--live", "--yes", "--env", "dev"],
        vec![
            "send", &one, "--env", "dev", "--yes", "--format", "markdown",
        ],
        vec![
            "send",
            &one,
            "--env",
            "dev",
            "--yes",
            "--paginate",
            "--format",
            "markdown",
        ],
        vec![
            "replay", &file, "--live", "--yes", "--env", "dev", "--format", "markdown",
        ],
    ] {
        let o = run(&args, dir.path());
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if args.contains(&"markdown") {
            reports.push(o.stdout);
        }
    }
    let mut found = Vec::new();
    for (name, bytes) in written(dir.path()) {
        for m in leaks(&bytes, &markers) {
            found.push(format!("{m} in {name}"));
        }
    }
    for r in &reports {
        for m in leaks(r, &markers) {
            found.push(format!("{m} in the Markdown on stdout"));
        }
    }
    assert!(found.is_empty(), "leaked: {found:#?}");
    assert!(
        written(dir.path())
            .iter()
            .any(|(n, _)| n.ends_with("history.sqlite3")),
        "the history was written"
    );
}

/// A private value in every form it travels in (percent-encoded in a
/// query, escaped in JSON, base64 in what a server reflects), a `--secret`,
/// and a token chained from the answer to a request that carried one:
/// none reaches a written byte or the Markdown on stdout.
#[test]
fn encoded_chained_and_cli_secrets_reach_no_written_byte() {
    use base64::Engine as _;
    const PRIVATE: &str = "FAKE enc/&\"val95";
    const CLI: &str = "FAKESECRETCLI96";
    const CHAINED: &str = "FAKECHAINEDTOK97";
    let server = RawServer::start(|req| {
        let text = String::from_utf8_lossy(req).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
        // A server that reflects what it got, and a base64 of it.
        let reply = if target.starts_with("/login") {
            format!(r#"{{"token":"{CHAINED}"}}"#)
        } else {
            serde_json::json!({
                "target": target,
                "body": body,
                "b64": base64::engine::general_purpose::STANDARD.encode(PRIVATE),
            })
            .to_string()
        };
        Reply::Bytes(
            format!(
                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{reply}",
                reply.len()
            )
            .into_bytes(),
        )
    });
    let collection = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        collection.path().join("api.http"),
        "# @name login\nPOST {{host}}/login\nContent-Type: application/json\n\n{\"p\": \"{{pw}}\"}\n\n###\n# @name use\nPOST {{host}}/use?q={{pw}}&t={{login.response.body.$.token}}\nX-Extra: {{extra}}\nContent-Type: application/json\n\n{\"pw\": \"{{pw}}\", \"t\": \"{{login.response.body.$.token}}\"}\n",
    )
    .unwrap();
    std::fs::write(
        collection.path().join("http-client.env.json"),
        format!(r#"{{"dev": {{"host": "{}"}}}}"#, server.base),
    )
    .unwrap();
    std::fs::write(
        collection.path().join("http-client.private.env.json"),
        serde_json::json!({"dev": {"pw": PRIVATE}}).to_string(),
    )
    .unwrap();
    let file = collection.path().join("api.http").display().to_string();
    let target = format!("{file}#use");
    let secret = format!("extra={CLI}");
    let mut reports = Vec::new();
    for args in [
        vec![
            "send", &target, "--env", "dev", "--yes", "--secret", &secret, "--save", "u.har",
        ],
        vec![
            "send", &target, "--env", "dev", "--yes", "--secret", &secret, "--format", "markdown",
        ],
        vec![
            "replay", &file, "--live", "--yes", "--env", "dev", "--secret", &secret, "--format",
            "markdown",
        ],
    ] {
        let o = run(&args, dir.path());
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        reports.push(o.stdout);
    }
    let forms: Vec<String> = [PRIVATE, CLI, CHAINED]
        .iter()
        .flat_map(|s| apiscope::secrets::encoded_forms(s))
        .collect();
    let markers: Vec<&str> = forms.iter().map(String::as_str).collect();
    let mut found = Vec::new();
    for (name, bytes) in written(dir.path()) {
        for m in leaks(&bytes, &markers) {
            found.push(format!("{m} in {name}"));
        }
    }
    for r in &reports {
        for m in leaks(r, &markers) {
            found.push(format!("{m} in the Markdown on stdout"));
        }
    }
    assert!(found.is_empty(), "leaked: {found:#?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for f in ["history.sqlite3", "history.sqlite3-wal"] {
            if let Ok(m) = std::fs::metadata(dir.path().join(f)) {
                assert_eq!(m.permissions().mode() & 0o777, 0o600, "{f}");
            }
        }
    }
}

/// An imported Postman collection's OAuth 1.0 secrets (HMAC in the
/// header, PLAINTEXT in the query, where the signature *is* the secrets)
/// and its Digest password: kept in the private env file only, and none
/// reaches the wire as written, the history, a saved HAR, session or
/// report, or what is printed (`send -v` included).
#[test]
fn oauth1_and_digest_secrets_of_an_import_reach_no_written_byte() {
    let server =
        RawServer::start(|_| common::reply(200, &[("Content-Type", "application/json")], "{}"));
    let collection = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let auth1 = |method: &str, in_header: bool| {
        serde_json::json!({"type": "oauth1", "oauth1": [
            {"key": "consumerKey", "value": "ck_plain"},
            {"key": "consumerSecret", "value": "FAKEOAUTHCS71"},
            {"key": "token", "value": "tk_plain"},
            {"key": "tokenSecret", "value": "FAKEOAUTHTS72"},
            {"key": "signatureMethod", "value": method},
            {"key": "addParamsToHeader", "value": in_header}
        ]})
    };
    let doc = serde_json::json!({
        "info": {"name": "planted", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
        "item": [
            {"name": "hmac", "request": {"method": "GET", "url": format!("{}/h?x=1", server.base), "auth": auth1("HMAC-SHA1", true)}},
            {"name": "plain", "request": {"method": "GET", "url": format!("{}/p?x=1", server.base), "auth": auth1("PLAINTEXT", false)}},
            {"name": "dig", "request": {"method": "GET", "url": format!("{}/d", server.base), "auth": {"type": "digest", "digest": [
                {"key": "username", "value": "ann"}, {"key": "password", "value": "FAKEDIGESTPW73"},
                {"key": "realm", "value": "R"}, {"key": "nonce", "value": "N"}]}}}
        ]
    });
    std::fs::write(collection.path().join("c.json"), doc.to_string()).unwrap();
    let o = run(
        &[
            "import",
            &collection.path().join("c.json").display().to_string(),
            "-o",
            &collection.path().join("out").display().to_string(),
        ],
        dir.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = collection.path().join("out");
    let http = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "http"))
        .unwrap();
    let markers = ["FAKEOAUTHCS71", "FAKEOAUTHTS72", "FAKEDIGESTPW73"];
    assert!(leaks(&std::fs::read(&http).unwrap(), &markers).is_empty());
    let file = http.display().to_string();
    let mut printed = Vec::new();
    for args in [
        vec!["replay", &file, "--live", "--yes", "--trust"],
        vec![
            "replay", &file, "--live", "--yes", "--trust", "--format", "markdown",
        ],
        vec![
            "send",
            &format!("{file}#plain"),
            "--yes",
            "--trust",
            "-v",
            "--save",
            "p.har",
        ],
        vec![
            "send",
            &format!("{file}#hmac"),
            "--yes",
            "--trust",
            "-v",
            "--save",
            "h.json",
        ],
        vec![
            "send",
            &format!("{file}#dig"),
            "--yes",
            "--trust",
            "-v",
            "--save",
            "d.md",
        ],
    ] {
        let o = run(&args, dir.path());
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        printed.push(o.stdout);
        printed.push(o.stderr);
    }
    let mut found = Vec::new();
    for (name, bytes) in written(dir.path()) {
        for m in leaks(&bytes, &markers) {
            found.push(format!("{m} in {name}"));
        }
    }
    for p in &printed {
        for m in leaks(p, &markers) {
            found.push(format!("{m} printed"));
        }
    }
    let seen = server.requests();
    assert!(seen.len() >= 8, "{seen:?}");
    assert!(
        seen.iter()
            .any(|r| r.starts_with("GET /p?x=1&oauth_consumer_key=ck_plain")),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|r| r.starts_with("GET /h?x=1") && r.contains("oauth_signature=")),
        "{seen:?}"
    );
    // On the wire: the shorthands never as written; PLAINTEXT's signature
    // is the secrets by design (that is what it sends), nothing else is.
    for r in server.requests() {
        assert!(!r.contains("OAuth1 ") && !r.contains("Digest ann "), "{r}");
        if !r.starts_with("GET /p") {
            for m in leaks(r.as_bytes(), &markers) {
                found.push(format!(
                    "{m} on the wire: {}",
                    r.lines().next().unwrap_or("")
                ));
            }
        }
    }
    assert!(found.is_empty(), "leaked: {found:#?}");
    assert!(
        written(dir.path())
            .iter()
            .any(|(n, _)| n.ends_with("history.sqlite3")),
        "the history was written"
    );
}
