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

/// A token is refreshed this long before it expires.
pub const REFRESH_BEFORE_S: i64 = 60;

/// The world of every command: the core's (clock, environment, disk), and
/// OAuth 2.0 tokens from the cache or the network.
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

impl World for System {
    fn now(&self) -> i64 {
        crate::collection::vars::System.now()
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
        && t.fresh(now(), REFRESH_BEFORE_S)
    {
        return Ok(t.clone());
    }
    obtain(config, key, None)
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
            if t.fresh(now(), REFRESH_BEFORE_S) && refused.is_none_or(|r| r != t.access_token) =>
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
    cache.insert(
        key.to_owned(),
        Entry {
            id: config.id.clone(),
            grant: config.grant.label().to_owned(),
            token_url: crate::redact::url(&config.token_url),
            client_id: config.client_id.clone(),
            token: token.clone(),
        },
    );
    write_cache(&path, &cache)?;
    if let Ok(mut memo) = MEMO.lock() {
        memo.get_or_insert_with(HashMap::new)
            .insert(key.to_owned(), (config.clone(), token.clone()));
    }
    Ok(token)
}

/// `resolved` again with the OAuth 2.0 tokens it carried renewed (another
/// process's newer one from the cache, else refreshed or fetched), when it
/// carried any this process got; `None` otherwise.
pub fn renewed(
    resolved: &crate::collection::vars::Resolved,
) -> Option<crate::collection::vars::Resolved> {
    use crate::collection::vars::Source;
    let mut out = resolved.clone();
    let mut any = false;
    for (name, source) in &resolved.sources {
        if !matches!(source, Source::OAuth2 { .. }) || name.contains("idToken") {
            continue;
        }
        let old = resolved.values.iter().find(|(k, _)| k == name)?.1.clone();
        let (key, config) = {
            let memo = MEMO.lock().ok()?;
            memo.as_ref()?
                .iter()
                .find(|(_, (_, t))| t.access_token == old)
                .map(|(k, (c, _))| (k.clone(), c.clone()))?
        };
        let new = obtain(&config, &key, Some(&old)).ok()?;
        if new.access_token == old {
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
    any.then_some(out)
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
    let path =
        cache_path().ok_or("no data directory for the token cache (set APISCOPE_DATA_DIR)")?;
    let _lock = lock(&path)?;
    let mut cache = read_cache(&path);
    cache.insert(
        key.to_owned(),
        Entry {
            id: config.id.clone(),
            grant: config.grant.label().to_owned(),
            token_url: crate::redact::url(&config.token_url),
            client_id: config.client_id.clone(),
            token: token.clone(),
        },
    );
    write_cache(&path, &cache)?;
    Ok(token)
}

/// Sends one request to an authorization server (on a thread of its own,
/// with its own small runtime: the caller may be inside one); a request
/// that gets no answer is one line naming `url`.
fn send_blocking(
    request: &crate::model::Request,
    url: &str,
) -> Result<crate::model::Exchange, String> {
    let options = crate::http::ClientOptions {
        // A token endpoint that redirects is not followed with the secret.
        max_redirects: 0,
        max_body: 1024 * 1024,
        ..crate::http::ClientOptions::default()
    };
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
