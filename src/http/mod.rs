//! The HTTP client: one reqwest client (rustls, connection pool) reused for
//! every request, turning each request into an [`Exchange`] — a network
//! failure included, so it can be diagnosed like any response.

pub mod cookies;
pub mod drive;
pub mod timed;
mod tls;

use crate::model::{Exchange, Failure, FailureKind, Headers, Phases, Request, Response, Timing};
use std::time::{Duration, Instant};

/// How requests are sent.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Total time allowed per request.
    pub timeout: Duration,
    /// Accept invalid TLS certificates (`--insecure`).
    pub insecure: bool,
    /// Redirects to follow (0: none).
    pub max_redirects: usize,
    /// The most of a response body kept, after decompression (`--max-body`).
    pub max_body: usize,
    /// `--verify CA.pem`: the CA certificates (PEM) trusted instead of the
    /// system's.
    pub ca_file: Option<std::path::PathBuf>,
    /// `--cert CERT.pem [--cert-key KEY.pem]`: the client certificate (and
    /// its key, when not in the same file), PEM.
    pub client_cert: Option<(std::path::PathBuf, Option<std::path::PathBuf>)>,
    /// `--proxy URL`: every request through this proxy (`NO_PROXY` still
    /// applies); without it, `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY`.
    pub proxy: Option<String>,
    /// A cookie jar for this client's requests (a run's, a TUI session's).
    pub cookies: bool,
    /// `--cookie-jar NAME`: the jar kept in the data directory.
    pub cookie_jar: Option<String>,
    /// Measure where each exchange's time went (DNS, connect, TLS, first
    /// byte, download); off only to measure what measuring costs.
    pub phases: bool,
}

/// What the command line gave of TLS: it wins over an environment's
/// `SSLConfiguration`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TlsGiven {
    /// `--verify` or `--insecure`.
    pub verify: bool,
    /// `--cert`.
    pub cert: bool,
}

/// The default `--max-body`: 256 MB.
pub const DEFAULT_MAX_BODY: usize = 256 * 1024 * 1024;

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            insecure: false,
            max_redirects: 10,
            max_body: DEFAULT_MAX_BODY,
            ca_file: None,
            client_cert: None,
            proxy: None,
            cookies: true,
            cookie_jar: None,
            phases: true,
        }
    }
}

/// Where a response body also goes as it arrives (`send -o`,
/// `--download`): every byte, past `--max-body` (which only bounds the copy
/// kept for the diagnosis), with progress reported.
pub struct Sink<'a> {
    /// The file written; emptied at each response, so after redirects it
    /// holds the last response's body.
    pub file: &'a mut std::fs::File,
    /// Called with (bytes so far, Content-Length when known).
    pub progress: &'a mut (dyn FnMut(u64, Option<u64>) + Send),
    /// Bytes written.
    pub written: u64,
    /// The first write error, which stops the writing (not the request).
    pub error: Option<String>,
}

/// A client setup problem.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct ClientError(String);

/// The one HTTP client of a run.
#[derive(Debug, Clone)]
pub struct Client {
    inner: reqwest::Client,
    options: ClientOptions,
    jar: Option<std::sync::Arc<cookies::Jar>>,
    /// The connections opened, until their first response claims their
    /// phases (when phases are measured).
    phases: Option<std::sync::Arc<timed::Registry>>,
    /// A Postman collection's Digest state, as its runtime keeps it on the
    /// auth: the challenge's values and the next nonce count, by origin
    /// and shorthand (the requests that share an auth send ahead).
    digest_memo: DigestMemo,
}

type DigestMemo = std::sync::Arc<
    std::sync::Mutex<std::collections::HashMap<String, apiscope_core::auth::digest::Preset>>,
>;

impl Client {
    /// Builds the client. Proxies come from the environment (`HTTP_PROXY`,
    /// `HTTPS_PROXY`, `NO_PROXY`), as reqwest reads them.
    pub fn new(options: ClientOptions) -> Result<Client, ClientError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("apiscope/", env!("CARGO_PKG_VERSION")))
            // Redirects are followed here, so credentials can be dropped
            // when the host changes (reqwest keeps custom ones like x-token).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .use_preconfigured_tls(tls::config(&options)?);
        let phases = options
            .phases
            .then(|| std::sync::Arc::new(timed::Registry::default()));
        if let Some(registry) = &phases {
            builder = builder
                .dns_resolver(std::sync::Arc::new(timed::Resolver))
                .connector_layer(timed::Layer(registry.clone()));
        }
        if let Some(p) = &options.proxy {
            let proxy = reqwest::Proxy::all(p)
                .map_err(|e| ClientError(format!("--proxy {p}: {e}")))?
                .no_proxy(reqwest::NoProxy::from_env());
            builder = builder.proxy(proxy);
        }
        let inner = builder.build().map_err(|e| ClientError(e.to_string()))?;
        let jar = match (&options.cookie_jar, options.cookies) {
            (Some(name), _) => Some(cookies::Jar::named(name).map_err(ClientError)?),
            (None, true) => Some(cookies::Jar::new()),
            (None, false) => None,
        }
        .map(std::sync::Arc::new);
        Ok(Client {
            inner,
            options,
            jar,
            phases,
            digest_memo: DigestMemo::default(),
        })
    }

    /// This client with its options changed by `set` (another TLS setup):
    /// a client of its own, sharing this one's cookie jar.
    pub fn reconfigured(
        &self,
        set: impl FnOnce(&mut ClientOptions),
    ) -> Result<Client, ClientError> {
        let mut options = self.options.clone();
        set(&mut options);
        // (The jar is this one's, not one made or read anew.)
        options.cookies = false;
        options.cookie_jar = None;
        let mut client = Client::new(options)?;
        client.options.cookies = self.options.cookies;
        client
            .options
            .cookie_jar
            .clone_from(&self.options.cookie_jar);
        client.jar.clone_from(&self.jar);
        // (What Digest challenges taught is the run's too.)
        client.digest_memo = self.digest_memo.clone();
        Ok(client)
    }

    /// This client for a collection's request that goes its own way: its
    /// environment's `SSLConfiguration` (client certificate, verification;
    /// what the command line gave — `--cert`, `--verify`, `--insecure` —
    /// still wins), `# @no-redirect`, `# @timeout`.
    pub fn for_request(
        &self,
        t: &apiscope_core::collection::vars::Transport,
        given: TlsGiven,
    ) -> Result<Client, ClientError> {
        self.reconfigured(|o| {
            if !given.cert
                && let Some(cert) = &t.cert
            {
                o.client_cert = Some((cert.clone(), t.key.clone()));
            }
            if !given.verify {
                match t.verify {
                    Some(false) => o.insecure = true,
                    // (On, whatever config.toml said.)
                    Some(true) => o.insecure = false,
                    None => {}
                }
            }
            if t.no_redirect {
                o.max_redirects = 0;
            }
            if let Some(ms) = t.timeout_ms {
                o.timeout = Duration::from_millis(ms.max(1));
            }
        })
    }

    /// This client's cookie jar, when it has one.
    pub fn jar(&self) -> Option<&std::sync::Arc<cookies::Jar>> {
        self.jar.as_ref()
    }

    /// This client without its cookie jar (`# @no-cookie-jar`): the same
    /// connections, no cookie added or kept.
    pub fn without_jar(&self) -> Client {
        Client {
            jar: None,
            ..self.clone()
        }
    }

    /// Sends a request, following redirects, and returns the exchange.
    /// Never fails: a request that gets no response carries a [`Failure`].
    pub async fn send(&self, request: &Request) -> Exchange {
        self.send_to(request, None, &[]).await
    }

    /// [`Client::send`] with values that are secrets whatever carries them
    /// (a collection's): no redirect to another origin takes them along,
    /// and a 307/308 there that would resend a body holding one is not
    /// followed.
    pub async fn send_with(&self, request: &Request, secrets: &[String]) -> Exchange {
        self.send_to(request, None, secrets).await
    }

    /// [`Client::send_with`], also streaming the final body into `sink`.
    pub async fn send_to(
        &self,
        request: &Request,
        mut sink: Option<&mut Sink<'_>>,
        secrets: &[String],
    ) -> Exchange {
        let started = Instant::now();
        let started_wall = crate::time::unix_ms(std::time::SystemTime::now());
        let mut current = request.clone();
        let mut notes = Vec::new();
        // `Authorization: Digest USER PASSWORD`: never sent as it is; the
        // server's challenge is answered (once, and once more for a stale
        // nonce), on this origin only.
        let mut digest = take_shorthand(&mut current, apiscope_core::auth::digest::shorthand);
        // A Postman collection's digest (its shorthand has the challenge's
        // keys): the values its runtime would hold by now — another
        // request's challenge, or the realm and nonce given — answered
        // ahead (a challenge still gets its answer).
        let digest_key = digest
            .as_ref()
            .and_then(|c| c.preset.as_ref())
            .filter(|p| !p.shared.is_empty())
            .and_then(|_| {
                let origin = url::Url::parse(current.url.as_deref().unwrap_or(""))
                    .ok()?
                    .origin()
                    .ascii_serialization();
                Some(format!(
                    "{origin}\n{}",
                    current.headers.get("authorization").unwrap_or("")
                ))
            });
        let mut digest_used: Option<apiscope_core::auth::digest::Preset> = None;
        if let Some(creds) = &digest {
            let remembered = digest_key
                .as_ref()
                .and_then(|k| self.digest_memo.lock().ok().and_then(|m| m.get(k).cloned()));
            let ahead = remembered.or_else(|| {
                creds
                    .preset
                    .clone()
                    .filter(apiscope_core::auth::digest::Preset::ready)
            });
            if let Some(preset) = ahead {
                match apiscope_core::auth::digest::postman_answer(
                    creds,
                    &preset,
                    &current.method,
                    &target_of(&current),
                ) {
                    Ok(v) => {
                        current.headers.push("Authorization", v);
                        digest_used = Some(preset);
                    }
                    Err(e) => notes.push(format!("Digest: {e}")),
                }
            }
        }
        // `Authorization: AWS KEY_ID SECRET region:R service:S`: signed
        // (SigV4) as each hop leaves, on this origin only.
        let mut aws = take_shorthand(&mut current, apiscope_core::auth::sigv4::shorthand);
        // `Authorization: OAuth1 consumer_key="…" …`: signed (RFC 5849) as
        // each hop leaves, from its URL before signing, on this origin only.
        let mut oauth1 = take_shorthand(&mut current, apiscope_core::auth::oauth1::shorthand);
        if oauth1.is_none()
            && current.headers.get("authorization").is_some_and(|v| {
                let mut words = v.split_whitespace();
                words
                    .next()
                    .is_some_and(|w| w.eq_ignore_ascii_case("oauth1"))
                    && words.next().is_some()
            })
        {
            // (Never on the wire as written: it holds the secrets.)
            return not_sent(
                current,
                started,
                started_wall,
                "OAuth 1.0: the `Authorization: OAuth1 …` line could not be read (each value is key=\"value\", none holding a double quote): nothing sent",
            );
        }
        let mut oauth1_url: Option<String> = None;
        let mut answered = 0u32;
        let mut hop = 0;
        loop {
            // The jar's cookies for this hop, unless the request sets its
            // own Cookie header (a recorded one, a typed one).
            let jar_cookie = self
                .jar
                .as_ref()
                .filter(|_| !current.headers.contains("cookie"))
                .and_then(|j| j.header_for(current.url.as_deref().unwrap_or("")));
            if let Some(c) = &jar_cookie {
                current.headers.push("Cookie", c.clone());
            }
            if let Some(a) = &aws {
                let now = crate::time::unix_ms(std::time::SystemTime::now()) / 1000;
                if let Err(e) = apiscope_core::auth::sigv4::sign(
                    &mut current,
                    a,
                    &apiscope_core::auth::sigv4::amz_date(now),
                ) {
                    return not_sent(current, started, started_wall, format!("AWS SigV4: {e}"));
                }
            }
            if let Some(o) = &oauth1 {
                let base = oauth1_url
                    .get_or_insert_with(|| current.url.clone().unwrap_or_default())
                    .clone();
                let form: Option<Vec<(String, String)>> = current
                    .headers
                    .get("content-type")
                    .filter(|ct| {
                        ct.to_ascii_lowercase()
                            .starts_with("application/x-www-form-urlencoded")
                    })
                    .map(|_| {
                        url::form_urlencoded::parse(&current.body)
                            .into_owned()
                            .collect()
                    });
                let now = crate::time::unix_ms(std::time::SystemTime::now()) / 1000;
                match o.sign(
                    &current.method,
                    &base,
                    form.as_deref(),
                    &current.body,
                    u64::try_from(now).unwrap_or(0),
                    &apiscope_core::auth::oauth1::nonce(),
                ) {
                    Ok(signed) => {
                        current.url = Some(signed.url);
                        current.headers.remove("authorization");
                        if let Some(h) = signed.header {
                            current.headers.push("Authorization", h);
                        }
                    }
                    Err(e) => {
                        return not_sent(current, started, started_wall, format!("OAuth 1.0: {e}"));
                    }
                }
            }
            let result = self.send_once(&current, sink.as_deref_mut()).await;
            // (This hop's phases: the time of the hops before it counts as
            // waiting before it.)
            let (mut response, phases) = match result {
                Ok(r) => r,
                Err((failure, phases)) => {
                    return Exchange {
                        request: Some(current),
                        response: Response {
                            notes,
                            ..Response::default()
                        },
                        timing: timing(started, started_wall, phases),
                        failure: Some(failure),
                        dialect: None,
                    };
                }
            };
            if let Some(j) = &self.jar {
                j.store(
                    current.url.as_deref().unwrap_or(""),
                    &response.headers,
                    &mut response.notes,
                );
            }
            let status = response.status.unwrap_or(0);
            if let Some(creds) = &digest
                && matches!(status, 401 | 407)
            {
                match digest_answer(&current, &response, creds, answered, digest_used.as_ref()) {
                    Ok(Some((value, used))) => {
                        answered += 1;
                        digest_used = used;
                        let name = if status == 407 {
                            "proxy-authorization"
                        } else {
                            "authorization"
                        };
                        current.headers.remove(name);
                        current.headers.push(
                            if status == 407 {
                                "Proxy-Authorization"
                            } else {
                                "Authorization"
                            },
                            value,
                        );
                        continue;
                    }
                    Ok(None) => response.notes.push(format!(
                        "Digest: the server refused the credentials of user '{}'",
                        crate::report::sanitize(&creds.user, false)
                    )),
                    Err(e) => response.notes.push(format!("Digest: {e}")),
                }
            }
            let location = response.headers.get("location").map(str::to_owned);
            let follow =
                matches!(status, 301 | 302 | 303 | 307 | 308) && self.options.max_redirects > 0;
            if let (true, Some(loc)) = (follow, location) {
                if hop == self.options.max_redirects {
                    return Exchange {
                        request: Some(current),
                        response: Response::default(),
                        timing: timing(started, started_wall, None),
                        failure: Some(Failure {
                            kind: FailureKind::Redirect,
                            message: format!("more than {} redirects", self.options.max_redirects),
                        }),
                        dialect: None,
                    };
                }
                if let Some((mut next, stripped)) = redirect(&current, status, &loc, secrets) {
                    // (The next hop gets the jar's cookies for where it goes.)
                    if jar_cookie.is_some() {
                        next.headers.remove("cookie");
                    }
                    if matches!(status, 307 | 308)
                        && !next.body.is_empty()
                        && crate::secrets::holds_value(
                            &String::from_utf8_lossy(&next.body),
                            secrets,
                        )
                        && !same_origin(&current, &next)
                    {
                        // The redirect's answer is the exchange: said why.
                        response.notes.push(format!(
                            "Not followed: a {status} to {} would send the body again, and it holds a secret value",
                            crate::redact::url(next.url.as_deref().unwrap_or(""))
                        ));
                        response.notes.splice(0..0, notes);
                        return Exchange {
                            request: Some(current),
                            response,
                            timing: timing(started, started_wall, phases),
                            failure: None,
                            dialect: None,
                        };
                    }
                    // Notes are written to sessions and reports: no token
                    // of a URL goes into them.
                    notes.push(format!(
                        "Redirected: {status} {} → {}",
                        crate::redact::url(current.url.as_deref().unwrap_or("")),
                        crate::redact::url(next.url.as_deref().unwrap_or(""))
                    ));
                    if !stripped.is_empty() {
                        let host = next
                            .url
                            .as_deref()
                            .and_then(|u| url::Url::parse(u).ok())
                            .and_then(|u| u.host_str().map(str::to_owned))
                            .unwrap_or_default();
                        notes.push(stripped.describe(&host));
                    }
                    if !same_origin(&current, &next) {
                        digest = None;
                        digest_used = None;
                        aws = None;
                        oauth1 = None;
                    }
                    oauth1_url = None;
                    current = next;
                    hop += 1;
                    continue;
                }
            }
            // Answered: the next request of the same auth counts on.
            if let (Some(key), Some(used)) = (&digest_key, digest_used.take())
                && !matches!(response.status, Some(401 | 407))
                && let Ok(mut memo) = self.digest_memo.lock()
            {
                memo.insert(key.clone(), used.counted_on());
            }
            notes.append(&mut response.notes);
            response.notes = notes;
            return Exchange {
                request: Some(current),
                response,
                timing: timing(started, started_wall, phases),
                failure: None,
                dialect: None,
            };
        }
    }

    async fn send_once(
        &self,
        req: &Request,
        sink: Option<&mut Sink<'_>>,
    ) -> Result<(Response, Option<Phases>), (Failure, Option<Phases>)> {
        let url = req.url.as_deref().unwrap_or("");
        let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|_| {
            (
                Failure {
                    kind: FailureKind::Other,
                    message: format!("invalid method '{}'", req.method),
                },
                None,
            )
        })?;
        let mut builder = self.inner.request(method, url);
        for (k, v) in req.headers.iter() {
            builder = builder.header(k, v);
        }
        // (An empty body that is still a body, `curl -d ''`, carries its
        // own `Content-Length: 0` header.)
        if !req.body.is_empty() {
            builder = builder.body(req.body.clone());
        }
        let sent = Instant::now();
        let waiting: timed::Waiting = Default::default();
        let resp = match timed::watching(waiting.clone(), builder.send()).await {
            Ok(r) => r,
            // No response: where the connection it was opening got to.
            Err(e) => {
                let phases = self
                    .phases
                    .as_ref()
                    .and_then(|_| timed::failed_phases(&waiting, Instant::now()));
                return Err((classify(e), phases));
            }
        };
        let head = Instant::now();
        let info = resp
            .extensions()
            .get::<hyper_util::client::legacy::connect::HttpInfo>()
            .cloned();
        let status = resp.status().as_u16();
        let reason = resp.status().canonical_reason().map(str::to_owned);
        let version = format!("{:?}", resp.version());
        let mut headers = Headers::new();
        for (k, v) in resp.headers() {
            headers.push(
                k.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            );
        }
        let mut notes = Vec::new();
        let body = read_body(
            resp,
            self.options.max_body,
            self.options.timeout,
            &mut notes,
            sink,
        )
        .await;
        let phases = self
            .phases
            .as_ref()
            .map(|r| r.phases(info.as_ref(), sent, head, Instant::now()));
        let mut response = Response {
            status: Some(status),
            reason,
            version: Some(version),
            headers,
            body,
            notes,
        };
        // No Accept-Encoding is added to what the request says (an imported
        // curl command sends what curl sends); whatever coding comes back is
        // undone here, within --max-body and the bomb rules.
        crate::input::encoding::decode_received(&mut response, self.options.max_body as u64);
        Ok((response, phases))
    }
}

/// Reads a body as it streams in (still content-coded), up to
/// `max` bytes: an endless body or a decompression bomb stops there with a
/// note, never takes the process's memory.
async fn read_body(
    mut resp: reqwest::Response,
    max: usize,
    timeout: Duration,
    notes: &mut Vec<String>,
    mut sink: Option<&mut Sink<'_>>,
) -> bytes::Bytes {
    use std::io::{Seek, Write};
    let length = resp.content_length();
    if let Some(s) = sink.as_deref_mut() {
        s.written = 0;
        if let Err(e) = s.file.set_len(0).and_then(|()| s.file.rewind()) {
            s.error.get_or_insert(e.to_string());
        }
        (s.progress)(0, length);
    }
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut total = 0usize;
    let mut cut = false;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if let Some(s) = sink.as_deref_mut()
                    && s.error.is_none()
                {
                    match s.file.write_all(&chunk) {
                        Ok(()) => {
                            s.written += chunk.len() as u64;
                            (s.progress)(s.written, length);
                        }
                        Err(e) => s.error = Some(e.to_string()),
                    }
                }
                if cut {
                    continue;
                }
                let room = max.saturating_sub(total);
                if chunk.len() > room {
                    chunks.push(chunk.slice(..room));
                    total += room;
                    cut = true;
                    if sink.as_ref().is_some_and(|s| s.error.is_none()) {
                        // The file takes it all; the diagnosis keeps the start.
                        notes.push(format!(
                            "Body kept for the diagnosis cut at {} (--max-body); the file has all of it",
                            human_size(max)
                        ));
                        continue;
                    }
                    notes.push(format!(
                        "Body cut at {} (--max-body): the rest was not read",
                        human_size(max)
                    ));
                    break;
                }
                total += chunk.len();
                chunks.push(chunk);
            }
            Ok(None) => break,
            Err(e) => {
                notes.push(body_stopped(classify(e), total, length, timeout));
                break;
            }
        }
    }
    // One chunk (a small body) is kept as it came, without a copy.
    match chunks.len() {
        0 => bytes::Bytes::new(),
        1 => chunks.pop().unwrap_or_default(),
        _ => {
            let mut all = Vec::with_capacity(total);
            for c in chunks {
                all.extend_from_slice(&c);
            }
            all.into()
        }
    }
}

/// The note for a body that stopped before its end: how much arrived of
/// how much was promised, and why it stopped.
fn body_stopped(f: Failure, got: usize, length: Option<u64>, timeout: Duration) -> String {
    use apiscope_core::model::INCOMPLETE_BODY;
    let arrived = match length {
        Some(n) => format!("{got} of {n} bytes arrived"),
        None => format!("{got} bytes arrived"),
    };
    let why = match f.kind {
        FailureKind::Timeout => format!(
            "before the {} timeout ran out (the server stalled mid-body, or the link is slow; --timeout gives it longer)",
            crate::time::human_ms(timeout.as_secs_f64() * 1000.0)
        ),
        _ if f.kind == FailureKind::Reset
            || f.message.to_ascii_lowercase().contains("end of file") =>
        {
            "then the connection closed (the server or a proxy cut it; a Content-Length longer than the body is a server bug)".to_owned()
        }
        _ => format!("then reading failed: {}", f.message),
    };
    format!("{INCOMPLETE_BODY}{arrived}, {why}")
}

/// The `Authorization` answering a Digest challenge of `response`, the
/// `answered`-th time: `Ok(None)` when answering again would not help (the
/// credentials were refused, the nonce was not stale).
fn digest_answer(
    request: &Request,
    response: &Response,
    creds: &apiscope_core::auth::digest::Credentials,
    answered: u32,
    used: Option<&apiscope_core::auth::digest::Preset>,
) -> Result<Option<(String, Option<apiscope_core::auth::digest::Preset>)>, String> {
    use apiscope_core::auth::digest;
    use apiscope_core::decode::auth::challenges_of;
    let (name, list) = challenges_of(&response.headers, response.status)
        .ok_or("the server answered 401 without a WWW-Authenticate challenge")?;
    let list = list.map_err(|e| format!("the {name} header could not be read ({e})"))?;
    let challenge = digest::pick(&list)?;
    let target = target_of(request);
    // A Postman collection's digest: answered as its runtime answers
    // (once; not again with the values already sent).
    if let Some(preset) = &creds.preset {
        if answered >= 1 {
            return Ok(None);
        }
        return match used.unwrap_or(preset).from_challenge(challenge) {
            Some(next) => digest::postman_answer(creds, &next, &request.method, &target)
                .map(|v| Some((v, Some(next)))),
            None => Ok(None),
        };
    }
    let stale = challenge
        .param("stale")
        .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    if answered >= 2 || (answered == 1 && !stale) {
        return Ok(None);
    }
    digest::answer(
        challenge,
        creds,
        &request.method,
        &target,
        answered + 1,
        &digest::cnonce(),
    )
    .map(|v| Some((v, None)))
}

/// A request's target as Digest signs it: its path and query.
fn target_of(request: &Request) -> String {
    url::Url::parse(request.url.as_deref().unwrap_or(""))
        .map(|u| match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        })
        .unwrap_or_default()
}

/// `256 MB`, `512 KB`, `12 bytes`.
pub fn human_size(n: usize) -> String {
    const MB: usize = 1024 * 1024;
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

/// A shorthand `Authorization` (Digest's, AWS's, OAuth1's), read and
/// taken off the request: it never goes on the wire as written.
fn take_shorthand<T>(request: &mut Request, read: fn(&str) -> Option<T>) -> Option<T> {
    let found = request.headers.get("authorization").and_then(read);
    if found.is_some() {
        request.headers.remove("authorization");
    }
    found
}

/// An exchange for a request that was not sent, and why (one line).
fn not_sent(request: Request, started: Instant, wall_ms: i64, why: impl Into<String>) -> Exchange {
    Exchange {
        request: Some(request),
        response: Response::default(),
        timing: timing(started, wall_ms, None),
        failure: Some(Failure {
            kind: FailureKind::Other,
            message: why.into(),
        }),
        dialect: None,
    }
}

fn timing(started: Instant, wall_ms: i64, phases: Option<Phases>) -> Timing {
    let total = started.elapsed().as_secs_f64() * 1e3;
    // What the last hop's phases do not explain (earlier hops, a Digest
    // challenge, waiting for the pool) is time before it: HAR's `blocked`.
    let phases = phases.map(|mut p| {
        let counted: f64 = p.named().iter().filter_map(|(_, v)| *v).sum();
        p.blocked_ms = Some((total - counted).max(0.0));
        p
    });
    Timing {
        started_ms: Some(wall_ms),
        total_ms: Some(total),
        utc_offset_min: None,
        phases,
    }
}

/// The request to send after a redirect, or `None` when the Location is
/// unusable. 303 (and 301/302 after a POST) become GET without a body;
/// credentials do not follow to another origin (the one credential rule,
/// [`crate::secrets::retarget`]).
fn redirect(
    current: &Request,
    status: u16,
    location: &str,
    secrets: &[String],
) -> Option<(Request, crate::secrets::Stripped)> {
    let base = url::Url::parse(current.url.as_deref()?).ok()?;
    let next = base.join(location).ok()?;
    let (mut req, stripped) = crate::secrets::retarget_with(current, next.as_str(), secrets);
    if status == 303 || (matches!(status, 301 | 302) && req.method == "POST") {
        req.method = "GET".into();
        req.body = bytes::Bytes::new();
        req.headers.remove("content-type");
        req.headers.remove("content-length");
    }
    Some((req, stripped))
}

/// Whether two requests go to the same origin.
fn same_origin(a: &Request, b: &Request) -> bool {
    let parse = |r: &Request| r.url.as_deref().and_then(|u| url::Url::parse(u).ok());
    matches!((parse(a), parse(b)), (Some(x), Some(y)) if crate::secrets::same_origin(&x, &y))
}

/// Names the kind of a failed request from reqwest's error and its causes.
fn classify(e: reqwest::Error) -> Failure {
    let mut chain = Vec::new();
    let mut io_kind = None;
    let mut src: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = src {
        chain.push(s.to_string());
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        src = s.source();
    }
    let text = chain.join(": ").to_ascii_lowercase();
    let kind = if e.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        FailureKind::Timeout
    } else if io_kind == Some(std::io::ErrorKind::ConnectionRefused)
        || text.contains("connection refused")
    {
        FailureKind::Refused
    } else if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
    {
        FailureKind::Dns
    } else if text.contains("certificate")
        || text.contains("tls")
        || text.contains("handshake")
        || text.contains("fatal alert")
        || text.contains("peer is incompatible")
        || text.contains("invalidcontenttype")
        || text.contains("corrupt message")
    {
        FailureKind::Tls
    } else if matches!(
        io_kind,
        Some(
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
        )
    ) || text.contains("connection reset")
        || text.contains("connection closed")
    {
        FailureKind::Reset
    } else {
        FailureKind::Other
    };
    // The innermost causes say the most; keep the message to one line.
    let mut parts: Vec<String> = Vec::new();
    for c in chain {
        if !parts.iter().any(|p| p.contains(&c)) {
            parts.retain(|p| !c.contains(p.as_str()));
            parts.push(c);
        }
    }
    Failure {
        kind,
        message: parts.join(": "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_stay_on_their_host() {
        let mut headers = Headers::new();
        headers.push("Authorization", "Bearer FAKE");
        headers.push("x-token", "FAKE");
        headers.push("Accept", "*/*");
        let req = Request {
            method: "GET".into(),
            url: Some("https://a.example/x".into()),
            headers,
            body: bytes::Bytes::new(),
        };
        let (same, _) = redirect(&req, 302, "/y", &[]).unwrap();
        assert_eq!(same.headers.len(), 3);
        let (other, stripped) = redirect(&req, 302, "https://b.example/y", &[]).unwrap();
        assert_eq!(other.headers.len(), 1);
        assert_eq!(stripped.headers, ["Authorization", "x-token"]);
        assert_eq!(other.url.as_deref(), Some("https://b.example/y"));
    }
}
