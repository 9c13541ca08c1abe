//! The cookie jar of a run or a TUI session (RFC 6265's rules through
//! `cookie_store`: domain and path matching, `Secure`, expiry), with the
//! checks a stranger's server calls for: a cookie for a public suffix
//! (`Domain=com`, `Domain=github.io`, by the `psl` list) or for another
//! domain is refused with a note, a `Set-Cookie` longer than 8 KB or past
//! the 50th of a response is not kept. `--cookie-jar NAME` keeps it in
//! the data directory between runs (0600).

use crate::model::Headers;
use cookie_store::{CookieStore, RawCookie};
use std::path::PathBuf;
use std::sync::Mutex;

/// The longest `Set-Cookie` kept, and the most kept from one response.
const MAX_SET_COOKIE: usize = 8 * 1024;
const MAX_PER_RESPONSE: usize = 50;

/// A jar, maybe kept in a file.
#[derive(Debug)]
pub struct Jar {
    store: Mutex<CookieStore>,
    file: Option<PathBuf>,
}

impl Jar {
    /// An empty jar kept only in memory.
    pub fn new() -> Jar {
        Jar {
            store: Mutex::new(CookieStore::default()),
            file: None,
        }
    }

    /// The jar named `name` in the data directory (empty when new); a
    /// damaged file is an error naming it.
    pub fn named(name: &str) -> Result<Jar, String> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            || name.starts_with('.')
        {
            return Err(format!(
                "--cookie-jar {name}: a name of letters, digits, '-', '_' and '.'"
            ));
        }
        let dir = crate::store::data_dir()
            .ok_or("--cookie-jar: no data directory (set APISCOPE_DATA_DIR)")?
            .join("cookies");
        let file = dir.join(format!("{name}.json"));
        let store = match std::fs::File::open(&file) {
            Ok(f) => cookie_store::serde::json::load(std::io::BufReader::new(f))
                .map_err(|e| format!("{}: not a cookie jar ({e})", file.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => CookieStore::default(),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        Ok(Jar {
            store: Mutex::new(store),
            file: Some(file),
        })
    }

    /// The `Cookie` header for `url`, when the jar holds cookies for it.
    pub fn header_for(&self, url: &str) -> Option<String> {
        let url = url::Url::parse(url).ok()?;
        let store = self.store.lock().ok()?;
        // Longer paths first (RFC 6265 §5.4), then by name: the same
        // header for the same jar.
        let mut found: Vec<(usize, String, String)> = store
            .matches(&url)
            .into_iter()
            .map(|c| {
                (
                    c.path().map_or(0, str::len),
                    c.name().to_owned(),
                    c.value().to_owned(),
                )
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let pairs: Vec<String> = found
            .into_iter()
            .map(|(_, n, v)| format!("{n}={v}"))
            .collect();
        (!pairs.is_empty()).then(|| pairs.join("; "))
    }

    /// Every cookie the jar holds (not expired), by domain, path and name:
    /// what the TUI's cookie view lists.
    pub fn rows(&self) -> Vec<Row> {
        let Ok(store) = self.store.lock() else {
            return Vec::new();
        };
        let mut rows: Vec<Row> = store
            .iter_unexpired()
            .map(|c| Row {
                domain: c
                    .domain
                    .as_cow()
                    .map(std::borrow::Cow::into_owned)
                    .unwrap_or_default(),
                host_only: matches!(c.domain, cookie_store::CookieDomain::HostOnly(_)),
                path: String::from(&c.path),
                name: c.name().to_owned(),
                value: c.value().to_owned(),
                secure: c.secure().unwrap_or(false),
                http_only: c.http_only().unwrap_or(false),
                session: matches!(c.expires, cookie_store::CookieExpiration::SessionEnd),
            })
            .collect();
        rows.sort_by(|a, b| (&a.domain, &a.path, &a.name).cmp(&(&b.domain, &b.path, &b.name)));
        rows
    }

    /// Drops one cookie (and saves a named jar); whether it was there.
    pub fn remove(&self, domain: &str, path: &str, name: &str) -> bool {
        let Ok(mut store) = self.store.lock() else {
            return false;
        };
        let gone = store.remove(domain, path, name).is_some();
        if gone {
            self.save(&store);
        }
        gone
    }

    /// Writes a named jar's file (0600); an error is said on stderr only
    /// by the caller's notes, so here it is dropped.
    fn save(&self, store: &CookieStore) {
        if let Some(file) = &self.file {
            let mut bytes = Vec::new();
            if cookie_store::serde::json::save_incl_expired_and_nonpersistent(store, &mut bytes)
                .is_ok()
            {
                let _ = crate::store::write_private(file, &bytes);
            }
        }
    }

    /// Keeps the cookies a response from `url` sets; what it refuses is a
    /// note.
    pub fn store(&self, url: &str, headers: &Headers, notes: &mut Vec<String>) {
        let Ok(url) = url::Url::parse(url) else {
            return;
        };
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let mut kept = Vec::new();
        for (i, v) in headers.get_all("set-cookie").enumerate() {
            if i >= MAX_PER_RESPONSE {
                notes.push(format!(
                    "More than {MAX_PER_RESPONSE} Set-Cookie headers: the rest were not kept"
                ));
                break;
            }
            if v.len() > MAX_SET_COOKIE {
                notes.push(format!(
                    "A Set-Cookie of {} was not kept (more than 8 KB)",
                    super::human_size(v.len())
                ));
                continue;
            }
            let Ok(c) = RawCookie::parse(v.to_owned()) else {
                notes.push("A Set-Cookie that does not parse was not kept".into());
                continue;
            };
            if let Some(d) = c.domain() {
                let d = d.trim_start_matches('.').to_ascii_lowercase();
                let matches = host == d || host.ends_with(&format!(".{d}"));
                if !matches {
                    notes.push(format!(
                        "A cookie for another domain ({}) was refused: {host} may not set it",
                        crate::report::sanitize(&d, false)
                    ));
                    continue;
                }
                if d != host && psl::suffix_str(&d) == Some(d.as_str()) {
                    notes.push(format!(
                        "A cookie for the public suffix '{}' was refused (it would go to every site under it)",
                        crate::report::sanitize(&d, false)
                    ));
                    continue;
                }
            }
            kept.push(c.into_owned());
        }
        if kept.is_empty() {
            return;
        }
        let Ok(mut store) = self.store.lock() else {
            return;
        };
        store.store_response_cookies(kept.into_iter(), &url);
        if let Some(file) = &self.file {
            // (Session cookies too: the jar is the run's session, kept.)
            let mut bytes = Vec::new();
            let saved =
                cookie_store::serde::json::save_incl_expired_and_nonpersistent(&store, &mut bytes);
            if let Err(e) = saved {
                notes.push(format!("The cookie jar could not be saved: {e}"));
            } else if let Err(e) = file
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .map_err(|e| e.to_string())
                .and_then(|()| crate::store::write_private(file, &bytes).map_err(|e| e.to_string()))
            {
                notes.push(format!("The cookie jar could not be saved: {e}"));
            }
        }
    }
}

/// One cookie of a jar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Its domain (the host that set it, for a host-only cookie).
    pub domain: String,
    /// Sent to that host only (no `Domain` attribute).
    pub host_only: bool,
    /// Its path.
    pub path: String,
    /// Its name.
    pub name: String,
    /// Its value (a secret: shown masked).
    pub value: String,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// It ends with the session (no `Expires` / `Max-Age`).
    pub session: bool,
}

impl Default for Jar {
    fn default() -> Self {
        Jar::new()
    }
}
