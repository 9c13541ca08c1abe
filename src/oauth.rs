//! OAuth 2.0 tokens for collections (`{{$auth.token("ID")}}`): the token
//! cache that survives runs — `tokens.json` in the data directory, 0600,
//! locked while a token is fetched or refreshed so two processes never
//! spend one rotating refresh token twice — and the world the collection
//! engine asks for them.

use crate::collection::trust::FileFacts;
use crate::collection::vars::World;
use apiscope_core::auth::oauth2::{Config, Token, read_token};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A token is refreshed this long before it expires, unless config.toml
/// says otherwise.
pub const REFRESH_BEFORE_S: i64 = 60;

/// Seconds before expiry a cached token is renewed: config.toml's
/// `[oauth2] refresh_before_seconds`, else [`REFRESH_BEFORE_S`] (read once).
pub fn refresh_before() -> i64 {
    static SKEW: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *SKEW.get_or_init(|| crate::config::load().0.oauth2.refresh_before_seconds)
}

/// The world of every command: the core's (clock, environment, disk), and
/// OAuth 2.0 tokens from the cache or the network.
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

impl World for System {
    fn now(&self) -> i64 {
        crate::collection::vars::System.now()
    }
    fn now_ms(&self) -> i64 {
        crate::collection::vars::System.now_ms()
    }
    fn var(&self, name: &str) -> Option<String> {
        crate::collection::vars::System.var(name)
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        crate::collection::vars::System.read(path)
    }
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        crate::collection::vars::System.canonical(path)
    }
    fn facts(&self, path: &Path) -> std::io::Result<FileFacts> {
        crate::collection::vars::System.facts(path)
    }
    fn oauth2_token(&self, config: &Config, key: &str) -> Result<Token, String> {
        token(config, key)
    }
}

/// One cached token, with what it is for (shown by `auth list`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// The configuration's id.
    pub id: String,
    /// Its grant.
    pub grant: String,
    /// Its Token URL.
    pub token_url: String,
    /// Its client id.
    pub client_id: String,
    /// The token.
    pub token: Token,
}

impl Entry {
    /// The cache's entry for `token` of `config` (its Token URL redacted).
    fn of(config: &Config, token: &Token) -> Entry {
        Entry {
            id: config.id.clone(),
            grant: config.grant.label().to_owned(),
            token_url: crate::redact::url(&config.token_url),
            client_id: config.client_id.clone(),
            token: token.clone(),
        }
    }
}

/// The cache file's contents: key → entry.
pub type Cache = BTreeMap<String, Entry>;

/// The cache file, and its lock beside it.
pub fn cache_path() -> Option<PathBuf> {
    crate::store::data_dir().map(|d| d.join("tokens.json"))
}

/// Reads the cache (an unreadable or damaged one is empty: a token is
/// fetched again, nothing is lost that matters).
pub fn read_cache(path: &Path) -> Cache {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Writes the cache atomically, 0600.
pub fn write_cache(path: &Path, cache: &Cache) -> Result<(), String> {
    let text = serde_json::to_string_pretty(cache).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let tmp = dir.join(format!(".tokens.{}.tmp", std::process::id()));
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o
            .open(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Holds the cache's lock (released when dropped).
pub struct Locked(#[allow(dead_code)] std::fs::File);

/// Takes the cache's lock (a file beside it), waiting while another
/// process fetches or refreshes.
pub fn lock(path: &Path) -> Result<Locked, String> {
    let lock = path.with_extension("lock");
    if let Some(dir) = lock.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let f = o
        .open(&lock)
        .map_err(|e| format!("{}: {e}", lock.display()))?;
    f.lock().map_err(|e| format!("{}: {e}", lock.display()))?;
    Ok(Locked(f))
}

/// Tokens this process already has (a run asks once per configuration).
static MEMO: Mutex<Option<HashMap<String, (Config, Token)>>> = Mutex::new(None);

fn now() -> i64 {
    crate::collection::vars::System.now()
}

/// A token for `config`: this process's, else the cache's while fresh,
/// else refreshed (its refresh token), else fetched — the cache locked
/// meanwhile and written after.
pub fn token(config: &Config, key: &str) -> Result<Token, String> {
    if let Ok(memo) = MEMO.lock()
        && let Some((_, t)) = memo.as_ref().and_then(|m| m.get(key))
        && t.fresh(now(), refresh_before())
    {
        return Ok(t.clone());
    }
    obtain(config, key, None)
}

/// A token for `config` already here, without the network or a wait for
/// the cache's lock: this process's, else the cache's while fresh (then
/// kept as this process's). `None`: it must be fetched ([`token`]).
pub fn held(config: &Config, key: &str) -> Option<Token> {
    if let Ok(memo) = MEMO.lock()
        && let Some((_, t)) = memo.as_ref().and_then(|m| m.get(key))
        && t.fresh(now(), refresh_before())
    {
        return Some(t.clone());
    }
    let token = read_cache(&cache_path()?).remove(key)?.token;
    if !token.fresh(now(), refresh_before()) {
        return None;
    }
    if let Ok(mut memo) = MEMO.lock() {
        memo.get_or_insert_with(HashMap::new)
            .insert(key.to_owned(), (config.clone(), token.clone()));
    }
    Some(token)
}

/// The cache's token for `key` unless it is `refused`, else refreshed or
/// fetched; the cache locked meanwhile and written after.
fn obtain(config: &Config, key: &str, refused: Option<&str>) -> Result<Token, String> {
    let path =
        cache_path().ok_or("no data directory for the token cache (set APISCOPE_DATA_DIR)")?;
    let _lock = lock(&path)?;
    let mut cache = read_cache(&path);
    let cached = cache.get(key).map(|e| e.token.clone());
    let token = match cached {
        Some(t)
            if t.fresh(now(), refresh_before()) && refused.is_none_or(|r| r != t.access_token) =>
        {
            t
        }
        Some(t) if t.refresh_token.is_some() => {
            match fetch(config, t.refresh_token.as_deref()) {
                Ok(t) => t,
                // A refresh token refused (expired, revoked, rotated by
                // another client): the grant itself, when it needs no one.
                Err(e) if !config.grant.interactive() => fetch(config, None).map_err(|e2| {
                    format!("refreshing failed ({e}); fetching anew failed too: {e2}")
                })?,
                Err(e) => return Err(format!("refreshing the token failed: {e}")),
            }
        }
        _ => fetch(config, None)?,
    };
    cache.insert(key.to_owned(), Entry::of(config, &token));
    write_cache(&path, &cache)?;
    if let Ok(mut memo) = MEMO.lock() {
        memo.get_or_insert_with(HashMap::new)
            .insert(key.to_owned(), (config.clone(), token.clone()));
    }
    Ok(token)
}

/// `resolved` again with the OAuth 2.0 tokens it carried renewed (another
/// process's newer one from the cache, else refreshed or fetched), when it
/// carried any this process got; `Ok(None)` when it carried none; why not
/// when renewing failed or gave the same token back.
pub fn renewed(
    resolved: &crate::collection::vars::Resolved,
) -> Result<Option<crate::collection::vars::Resolved>, String> {
    use crate::collection::vars::Source;
    let mut out = resolved.clone();
    let mut any = false;
    let mut why = None;
    for (name, source) in &resolved.sources {
        if !matches!(source, Source::OAuth2 { .. }) || name.contains("idToken") {
            continue;
        }
        let Some(old) = resolved
            .values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
        else {
            continue;
        };
        let found = MEMO.lock().ok().and_then(|memo| {
            memo.as_ref()?
                .iter()
                .find(|(_, (_, t))| t.access_token == old)
                .map(|(k, (c, _))| (k.clone(), c.clone()))
        });
        let Some((key, config)) = found else {
            continue;
        };
        let new = match obtain(&config, &key, Some(&old)) {
            Ok(t) => t,
            Err(e) => {
                why = Some(format!(
                    "renewing the OAuth2 token '{}' failed: {e}",
                    config.id
                ));
                continue;
            }
        };
        if new.access_token == old {
            let expired = if new.expires_at.is_some_and(|at| at <= now()) {
                " (it expires as it is issued: the endpoint's expires_in is 0?)"
            } else {
                ""
            };
            why = Some(format!(
                "the token endpoint gave the same token back for '{}'{expired}",
                config.id
            ));
            continue;
        }
        let swap = |s: &str| s.replace(&old, &new.access_token);
        let r = &mut out.request;
        r.url = r.url.as_deref().map(swap);
        for (_, v) in &mut r.headers.0 {
            *v = swap(v);
        }
        let body = String::from_utf8_lossy(&r.body).into_owned();
        if body.contains(&old) {
            r.body = swap(&body).into_bytes().into();
        }
        out.secrets.extend(new.secrets());
        any = true;
    }
    match (any, why) {
        (true, _) => Ok(Some(out)),
        (false, Some(why)) => Err(why),
        (false, None) => Ok(None),
    }
}

/// Asks the token endpoint.
fn fetch(config: &Config, refresh: Option<&str>) -> Result<Token, String> {
    let request = config.token_request(refresh)?;
    let exchange = send_blocking(&request, &config.token_url)?;
    read_token(
        exchange.response.status,
        exchange.response.headers.get("content-type"),
        &exchange.response.body,
        now(),
        refresh,
    )
}

/// Runs the Device Authorization grant (RFC 8628) for `config`: the codes
/// asked for and handed to `show` (the URL to open, the code to enter),
/// then the token endpoint polled at the interval the server gives (5 s
/// more after a `slow_down`) until the person approves, the codes expire,
/// or the server refuses; the token cached as `key`.
pub fn device_login(
    config: &Config,
    key: &str,
    show: impl Fn(&apiscope_core::auth::oauth2::DeviceCode),
) -> Result<Token, String> {
    use apiscope_core::auth::oauth2::{Poll, read_device, read_poll};
    let request = config.device_request()?;
    let url = config.device_auth_url.clone().unwrap_or_default();
    let answer = send_blocking(&request, &url)?;
    let device = read_device(answer.response.status, &answer.response.body)?;
    show(&device);
    let until = now() + device.expires_in;
    let mut interval = device.interval;
    let token = loop {
        std::thread::sleep(std::time::Duration::from_secs(
            u64::try_from(interval).unwrap_or(5),
        ));
        if now() > until {
            return Err(
                "the device code expired before it was approved: run auth login again".into(),
            );
        }
        let poll = send_blocking(
            &config.device_token_request(&device.device_code),
            &config.token_url,
        )?;
        match read_poll(
            poll.response.status,
            poll.response.headers.get("content-type"),
            &poll.response.body,
            now(),
        ) {
            Poll::Token(t) => break t,
            Poll::Pending => {}
            Poll::SlowDown => interval += 5,
            Poll::Failed(e) => return Err(e),
        }
    };
    cache_token(config, key, &token)?;
    Ok(token)
}

/// `n` random bytes from the operating system, base64url (a PKCE verifier,
/// a state).
fn random_token(n: usize) -> Result<String, String> {
    use base64::Engine as _;
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| format!("no randomness from the system: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf))
}

/// Keeps `token` in the cache as `key`.
fn cache_token(config: &Config, key: &str, token: &Token) -> Result<(), String> {
    let path =
        cache_path().ok_or("no data directory for the token cache (set APISCOPE_DATA_DIR)")?;
    let _lock = lock(&path)?;
    let mut cache = read_cache(&path);
    cache.insert(key.to_owned(), Entry::of(config, token));
    write_cache(&path, &cache)
}

/// How long `auth login` waits for the browser's redirect.
const REDIRECT_WAIT_S: u64 = 300;

/// Runs the Authorization Code grant with PKCE (RFC 6749 §4.1, RFC 7636
/// S256): a listener on the loopback `Redirect URL` (127.0.0.1; its port,
/// or any free one), the authorization URL handed to `show` (and opened
/// in the system browser when `browser`), one redirect awaited — its
/// one-time `state` checked, a wrong one ends the login with nothing
/// exchanged — then the code redeemed with its verifier, and the token
/// cached as `key`.
pub fn code_login(
    config: &Config,
    key: &str,
    browser: bool,
    show: impl Fn(&str),
) -> Result<Token, String> {
    use std::io::{Read as _, Write as _};
    let wanted = config
        .redirect_url
        .clone()
        .unwrap_or_else(|| "http://127.0.0.1:0/callback".into());
    let mut redirect =
        url::Url::parse(&wanted).map_err(|e| format!("the Redirect URL {wanted}: {e}"))?;
    let loopback = matches!(
        redirect.host_str(),
        Some("127.0.0.1" | "localhost" | "[::1]")
    );
    if redirect.scheme() != "http" || !loopback {
        return Err(format!(
            "the Redirect URL {wanted} is not one apiscope can listen on: write http://127.0.0.1:PORT/PATH (or localhost) in the configuration and register it with the authorization server"
        ));
    }
    let port = redirect.port().unwrap_or(80);
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port} for the redirect: {e}"))?;
    let actual = listener.local_addr().map_err(|e| e.to_string())?.port();
    let _ = redirect.set_port(Some(actual));
    let redirect_s = redirect.to_string();
    let state = random_token(16)?;
    let verifier = match &config.code_verifier {
        Some(v) => v.clone(),
        None => random_token(32)?,
    };
    let url = config.authorization_url(&redirect_s, &state, &verifier)?;
    show(&url);
    if browser {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        let _ = std::process::Command::new(opener)
            .arg(&url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    // A headless machine: the browser elsewhere cannot reach this
    // listener, so the address it ended on (or the code alone) may be
    // pasted here instead, one line.
    let (paste_tx, pasted) = std::sync::mpsc::channel::<String>();
    let typed = std::io::IsTerminal::is_terminal(&std::io::stdin());
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut line = String::new();
        loop {
            line.clear();
            match stdin.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if paste_tx.send(line.trim().to_owned()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(REDIRECT_WAIT_S);
    let page = |conn: &mut std::net::TcpStream, status: &str, text: &str| {
        let body = format!("<!doctype html><title>apiscope</title><p>{text}</p>");
        let _ = conn.write_all(
            format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
    };
    let code = loop {
        if std::time::Instant::now() > deadline {
            return Err(format!(
                "no redirect came back within {REDIRECT_WAIT_S} s: run auth login again"
            ));
        }
        if let Ok(line) = pasted.try_recv() {
            match read_pasted(&line, redirect.path(), &state, typed) {
                Pasted::Code(code) => break code,
                Pasted::Refused(e) => return Err(e),
                Pasted::Nothing => continue,
                Pasted::Unclear(why) => {
                    eprintln!("apiscope: {why}");
                    continue;
                }
            }
        }
        let Ok((mut conn, _)) = listener.accept() else {
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        };
        let _ = conn.set_nonblocking(false);
        let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(5)));
        let mut buf = vec![0u8; 8192];
        let n = conn.read(&mut buf).unwrap_or(0);
        let head = String::from_utf8_lossy(&buf[..n]).into_owned();
        let target = head
            .lines()
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/")
            .to_owned();
        let Ok(got) = url::Url::parse(&format!("http://127.0.0.1{target}")) else {
            page(
                &mut conn,
                "400 Bad Request",
                "Not a redirect apiscope understands.",
            );
            continue;
        };
        if got.path() != redirect.path() {
            // (A favicon, a probe: not the redirect.)
            page(&mut conn, "404 Not Found", "Not here.");
            continue;
        }
        match read_redirect(&got, &state) {
            Ok(code) => {
                page(
                    &mut conn,
                    "200 OK",
                    "Signed in: you can close this tab and go back to the terminal.",
                );
                break code;
            }
            Err((page_text, e)) => {
                let status = if page_text.starts_with("The sign-in was refused") {
                    "200 OK"
                } else {
                    "400 Bad Request"
                };
                page(&mut conn, status, page_text);
                return Err(e);
            }
        }
    };
    drop(listener);
    let exchange = send_blocking(
        &config.code_token_request(&code, &redirect_s, &verifier),
        &config.token_url,
    )?;
    let token = read_token(
        exchange.response.status,
        exchange.response.headers.get("content-type"),
        &exchange.response.body,
        now(),
        None,
    )?;
    cache_token(config, key, &token)?;
    Ok(token)
}

/// What a line pasted during `auth login` holds.
#[derive(Debug, PartialEq)]
enum Pasted {
    /// The code to redeem.
    Code(String),
    /// A redirect that ends the login (another state, an error).
    Refused(String),
    /// An empty line.
    Nothing,
    /// Not a redirect nor a code: why, and the login waits on.
    Unclear(String),
}

/// Reads a line pasted while `auth login` waits: the address the browser
/// ended on (its `state` checked as the listener checks it), its query
/// alone, or the bare code (the person copied it from their own browser).
fn read_pasted(line: &str, path: &str, state: &str, bare_ok: bool) -> Pasted {
    let line = line.trim();
    if line.is_empty() {
        return Pasted::Nothing;
    }
    let url = if line.contains("://") {
        url::Url::parse(line).ok()
    } else if line.contains("code=") || line.contains("error=") {
        url::Url::parse(&format!(
            "http://127.0.0.1{path}?{}",
            line.trim_start_matches('?')
        ))
        .ok()
    } else if bare_ok
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/=%".contains(&b))
        && line.len() <= 4096
    {
        // (Typed at a terminal by the person signing in; piped input must
        // carry the state.)
        return Pasted::Code(line.to_owned());
    } else {
        None
    };
    let Some(url) = url else {
        return Pasted::Unclear(
            "that is not the address the browser ended on, nor a code: paste the whole address (…?code=…&state=…)".into(),
        );
    };
    if url.path() != path {
        return Pasted::Unclear(format!(
            "that address is not the redirect (its path is not {}): paste the address the browser ended on",
            crate::report::sanitize(path, false)
        ));
    }
    match read_redirect(&url, state) {
        Ok(code) => Pasted::Code(code),
        Err((_, e)) => Pasted::Refused(e),
    }
}

/// The code a redirect to the listener carries, its one-time `state`
/// checked; else the page to show the browser and the error.
fn read_redirect(got: &url::Url, state: &str) -> Result<String, (&'static str, String)> {
    let q: Vec<(String, String)> = got.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if get("state").as_deref() != Some(state) {
        return Err((
            "The sign-in did not match the one apiscope started: nothing was exchanged.",
            "the redirect's state does not match the one sent (another sign-in, or a forged redirect): nothing was exchanged".into(),
        ));
    }
    if let Some(e) = get("error") {
        let desc = get("error_description")
            .map(|d| format!(": {}", crate::report::sanitize(&d, false)))
            .unwrap_or_default();
        return Err((
            "The sign-in was refused; see the terminal.",
            format!(
                "the authorization server answered {}{desc}",
                crate::report::sanitize(&e, false)
            ),
        ));
    }
    match get("code") {
        Some(code) if !code.is_empty() => Ok(code),
        _ => Err((
            "No code in the redirect.",
            "the redirect carried no code".into(),
        )),
    }
}

/// Sends one request to an authorization server (on a thread of its own,
/// with its own small runtime: the caller may be inside one); a request
/// that gets no answer is one line naming `url`.
fn send_blocking(
    request: &crate::model::Request,
    url: &str,
) -> Result<crate::model::Exchange, String> {
    let mut options = crate::http::ClientOptions {
        // A token endpoint that redirects is not followed with the secret.
        max_redirects: 0,
        max_body: 1024 * 1024,
        ..crate::http::ClientOptions::default()
    };
    // The token endpoint is reached as every request is: config.toml's
    // [transport] (a corporate CA, a proxy).
    crate::config::transport().apply(&mut options);
    let exchange = std::thread::scope(|s| {
        s.spawn(|| -> Result<crate::model::Exchange, String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            let client = crate::http::Client::new(options).map_err(|e| e.to_string())?;
            Ok(rt.block_on(client.send(request)))
        })
        .join()
        .map_err(|_| "the token request's thread failed".to_owned())?
    })?;
    if let Some(f) = &exchange.failure {
        return Err(format!(
            "{} could not be reached: {}",
            crate::redact::url(url),
            f.message
        ));
    }
    Ok(exchange)
}

#[cfg(test)]
mod pasted_tests {
    use super::{Pasted, read_pasted};

    #[test]
    fn a_pasted_address_is_judged_as_the_listener_judges_a_redirect() {
        let p = "/callback";
        assert_eq!(
            read_pasted(
                "http://127.0.0.1:8400/callback?code=c_FAKE&state=s1",
                p,
                "s1",
                false
            ),
            Pasted::Code("c_FAKE".into())
        );
        assert_eq!(
            read_pasted("?code=c_FAKE&state=s1", p, "s1", true),
            Pasted::Code("c_FAKE".into())
        );
        assert_eq!(
            read_pasted("  c_FAKE/x  ", p, "s1", true),
            Pasted::Code("c_FAKE/x".into())
        );
        assert_eq!(read_pasted("", p, "s1", true), Pasted::Nothing);
        assert!(matches!(
            read_pasted("http://127.0.0.1:8400/callback?code=c&state=other", p, "s1", true),
            Pasted::Refused(e) if e.contains("state does not match")
        ));
        assert!(matches!(
            read_pasted("http://127.0.0.1:8400/callback?error=access_denied&state=s1", p, "s1", true),
            Pasted::Refused(e) if e.contains("access_denied")
        ));
        assert!(matches!(
            read_pasted("http://127.0.0.1:8400/other?code=c&state=s1", p, "s1", true),
            Pasted::Unclear(_)
        ));
        assert!(matches!(
            read_pasted("not a code at all", p, "s1", true),
            Pasted::Unclear(_)
        ));
        // Piped in (no terminal): a bare code is not taken, its state
        // cannot be checked.
        assert!(matches!(
            read_pasted("c_FAKE", p, "s1", false),
            Pasted::Unclear(_)
        ));
    }
}
