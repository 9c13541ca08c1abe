//! Helpers shared by the integration tests: run the real binary.
#![allow(dead_code)]

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON Lines of stdout, parsed.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

/// Runs `apiscope ARGS` with `stdin` piped in, with an empty config dir so
/// the user's own profiles never change a test.
pub fn apiscope(args: &[&str], stdin: &[u8]) -> Run {
    apiscope_in(std::path::Path::new("."), args, stdin)
}

/// [`apiscope`] run in the directory `cwd`.
pub fn apiscope_in(cwd: &std::path::Path, args: &[&str], stdin: &[u8]) -> Run {
    let config = tempfile::tempdir().expect("temp dir");
    apiscope_with(config.path(), cwd, args, stdin)
}

/// [`apiscope`] with `data` as its config and data directory (kept from
/// one run to the next: the history, the trust store), in `cwd`.
pub fn apiscope_with(
    data: &std::path::Path,
    cwd: &std::path::Path,
    args: &[&str],
    stdin: &[u8],
) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_apiscope"))
        .current_dir(cwd)
        .args(args)
        .env("APISCOPE_CONFIG_DIR", data)
        .env("APISCOPE_DATA_DIR", data)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run apiscope");
    {
        let mut input = child.stdin.take().expect("stdin");
        // The binary may exit before reading everything (bad usage).
        let _ = input.write_all(stdin);
    }
    let out = child.wait_with_output().expect("wait for apiscope");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Decodes `input` from stdin as JSON and returns the single diagnosis.
pub fn decode_one(input: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["decode", "-", "--format", "json"];
    args.extend_from_slice(extra);
    let run = apiscope(&args, input.as_bytes());
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    let mut lines = run.json_lines();
    assert_eq!(lines.len(), 1, "one diagnosis expected: {}", run.stdout);
    (run.code, lines.remove(0))
}

/// A raw `curl -i` style response.
pub fn raw(status: u16, headers: &[(&str, &str)], body: &str) -> String {
    let mut s = format!("HTTP/1.1 {status} X\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    s
}

/// A whole HTTP/1.1 answer for a [`RawServer`]: status, headers, body,
/// `Content-Length` and `Connection: close`.
pub fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut s = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.push_str(body);
    Reply::Bytes(s.into_bytes())
}

/// A HAR 1.2 document from (method, url, request headers, request body,
/// status, response headers, response body) entries.
pub fn har(entries: &[HarEntry]) -> String {
    let list: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let hdrs = |h: &[(String, String)]| {
                h.iter()
                    .map(|(n, v)| serde_json::json!({"name": n, "value": v}))
                    .collect::<Vec<_>>()
            };
            let mut request = serde_json::json!({
                "method": e.method, "url": e.url, "httpVersion": "HTTP/1.1",
                "headers": hdrs(&e.req_headers), "queryString": [], "cookies": [],
                "headersSize": -1, "bodySize": e.req_body.len()
            });
            if !e.req_body.is_empty() {
                request["postData"] = serde_json::json!({"mimeType": "application/json", "text": e.req_body});
            }
            serde_json::json!({
                "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 10,
                "request": request,
                "response": {
                    "status": e.status, "statusText": "", "httpVersion": "HTTP/1.1",
                    "headers": hdrs(&e.resp_headers), "cookies": [],
                    "content": {"size": e.resp_body.len(), "mimeType": "application/json", "text": e.resp_body},
                    "redirectURL": "", "headersSize": -1, "bodySize": e.resp_body.len()
                },
                "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0}
            })
        })
        .collect();
    serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": list}})
        .to_string()
}

/// One HAR entry.
#[derive(Clone, Default)]
pub struct HarEntry {
    pub method: String,
    pub url: String,
    pub req_headers: Vec<(String, String)>,
    pub req_body: String,
    pub status: u16,
    pub resp_headers: Vec<(String, String)>,
    pub resp_body: String,
}

impl HarEntry {
    pub fn get(url: &str, status: u16, body: &str) -> HarEntry {
        HarEntry {
            method: "GET".into(),
            url: url.into(),
            status,
            resp_headers: vec![("Content-Type".into(), "application/json".into())],
            resp_body: body.into(),
            ..HarEntry::default()
        }
    }
    pub fn req_header(mut self, n: &str, v: &str) -> Self {
        self.req_headers.push((n.into(), v.into()));
        self
    }
    pub fn resp_header(mut self, n: &str, v: &str) -> Self {
        self.resp_headers.push((n.into(), v.into()));
        self
    }
}

/// A demo server child process, killed when dropped.
pub struct Demo {
    child: std::process::Child,
    pub base: String,
}

impl Demo {
    pub fn start(extra: &[&str]) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_apiscope"))
            .arg("demo-server")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start demo-server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the demo-server banner");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in banner: {line}"))
            .to_owned();
        Demo { child, base }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a [`RawServer`] answers.
pub enum Reply {
    /// These bytes, then the connection closes.
    Bytes(Vec<u8>),
    /// This head, then zeros without end (until the client goes away, or
    /// 2 GB, or 30 s): an endless body.
    Endless(Vec<u8>),
    /// These bytes, then nothing while the connection stays open (this
    /// long at most): a server that stalls mid-body.
    Stall(Vec<u8>, std::time::Duration),
}

/// A raw HTTP/1.1 server on 127.0.0.1 for hostile answers: each request's
/// bytes are kept, and `respond` decides the answer. Stops when dropped.
pub struct RawServer {
    pub base: String,
    pub port: u16,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    pub fn start(respond: impl Fn(&[u8]) -> Reply + Send + Sync + 'static) -> RawServer {
        use std::io::Read;
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().unwrap().port();
        let received: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>> = Default::default();
        let stop: std::sync::Arc<std::sync::atomic::AtomicBool> = Default::default();
        let (rec, st) = (received.clone(), stop.clone());
        let respond = std::sync::Arc::new(respond);
        let thread = std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            while !st.load(Ordering::Relaxed) && std::time::Instant::now() < deadline {
                let Ok((mut conn, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                let _ = conn.set_nonblocking(false);
                let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                let (rec, respond) = (rec.clone(), respond.clone());
                std::thread::spawn(move || {
                    // The head, then Content-Length bytes of body.
                    let mut req = Vec::new();
                    let mut buf = [0u8; 8192];
                    let mut want = None;
                    while req.len() < 1 << 20 {
                        if let Some(w) = want
                            && req.len() >= w
                        {
                            break;
                        }
                        let Ok(n) = conn.read(&mut buf) else { break };
                        if n == 0 {
                            break;
                        }
                        req.extend_from_slice(&buf[..n]);
                        if want.is_none()
                            && let Some(end) = req.windows(4).position(|w| w == b"\r\n\r\n")
                        {
                            let head = String::from_utf8_lossy(&req[..end]).to_ascii_lowercase();
                            let len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            want = Some(end + 4 + len);
                        }
                    }
                    let reply = respond(&req);
                    rec.lock().unwrap().push(req);
                    match reply {
                        Reply::Bytes(b) => {
                            let _ = conn.write_all(&b);
                        }
                        Reply::Stall(b, how_long) => {
                            let _ = conn.write_all(&b);
                            // (Until the client goes away, or the time is up.)
                            let _ = conn.set_read_timeout(Some(how_long));
                            let mut sink = [0u8; 64];
                            let _ = conn.read(&mut sink);
                        }
                        Reply::Endless(head) => {
                            let _ = conn.write_all(&head);
                            let chunk = vec![b'0'; 1 << 16];
                            let until =
                                std::time::Instant::now() + std::time::Duration::from_secs(30);
                            let mut sent = 0usize;
                            while sent < 2 << 30 && std::time::Instant::now() < until {
                                if conn.write_all(&chunk).is_err() {
                                    break;
                                }
                                sent += chunk.len();
                            }
                        }
                    }
                });
            }
        });
        RawServer {
            base: format!("http://127.0.0.1:{port}"),
            port,
            received,
            stop,
            thread: Some(thread),
        }
    }

    /// The requests received so far, as text.
    pub fn requests(&self) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A login API: `/login` answers 429 (Retry-After: 1) on every odd call,
/// else a token named after the server; `/me` answers 200.
pub fn login_api(name: &'static str) -> RawServer {
    login_api_with(name, true)
}

/// [`login_api`], with `throttle` false: no 429 (no test waits a second).
pub fn login_api_with(name: &'static str, throttle: bool) -> RawServer {
    let logins = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    RawServer::start(move |req| {
        let head = String::from_utf8_lossy(req);
        let reply = if head.starts_with("POST /login") {
            let n = logins.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if throttle && n.is_multiple_of(2) {
                "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{\"error\":\"slow down now\"}".to_owned()
            } else {
                let body = format!("{{\"token\":\"tok_{name}_FAKE\"}}");
                format!(
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
            }
        } else {
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
                .to_owned()
        };
        Reply::Bytes(reply.into_bytes())
    })
}

/// What a server received: (request line, Authorization).
pub fn seen(server: &RawServer) -> Vec<(String, Option<String>)> {
    let out = server
        .requests()
        .iter()
        .map(|r| {
            let first = r.lines().next().unwrap_or("").to_owned();
            let auth = r
                .lines()
                .find_map(|l| {
                    l.strip_prefix("authorization: ")
                        .or_else(|| l.strip_prefix("Authorization: "))
                })
                .map(str::to_owned);
            (first, auth)
        })
        .collect();
    server.received.lock().unwrap().clear();
    out
}

/// The TUI's app on `entries`, with the built-in profiles, as the tests
/// build it (one place, so a new field of `App` is set up once).
pub fn app(entries: Vec<apiscope::tui::app::Entry>) -> apiscope::tui::app::App {
    app_at(entries, std::time::Instant::now())
}

/// [`app`] with its clock at `now`.
pub fn app_at(
    entries: Vec<apiscope::tui::app::Entry>,
    now: std::time::Instant,
) -> apiscope::tui::app::App {
    apiscope::tui::app::App::new(
        entries,
        std::sync::Arc::new(apiscope::decode::Profiles::built_in()),
        now,
    )
}

/// [`app`] on a `.http` collection (a file or a directory), in the
/// environment `env` (else the first the files define).
pub fn collection_app(path: &std::path::Path, env: Option<&str>) -> apiscope::tui::app::App {
    let c = apiscope::tui::collection::Collections::open(path, env).expect("the collection opens");
    let mut app = app(c.entries());
    app.collection = Some(c);
    app
}
