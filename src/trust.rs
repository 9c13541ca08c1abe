//! The trust store: the collection directories the user trusts, each with
//! the origins confirmed for it (`apiscope trust`), in `trust.json` in the
//! data directory — by canonical path, as git's `safe.directory` is. The
//! rules themselves are the core's (`collection::trust`); this file only
//! remembers the user's answers.

use crate::collection::trust::Trust;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One trusted directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Its canonical path.
    pub path: PathBuf,
    /// The origins secret-source values may go to without asking.
    #[serde(default)]
    pub origins: Vec<String>,
    /// When it was trusted (Unix seconds).
    #[serde(default)]
    pub at: i64,
}

/// Every trusted directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Store {
    /// The format's version.
    #[serde(default)]
    pub version: u32,
    /// The directories.
    #[serde(default)]
    pub dirs: Vec<Entry>,
}

/// Why the store could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// No data directory on this system.
    #[error("no user data directory on this system: trust needs one (set APISCOPE_DATA_DIR)")]
    NoDataDir,
    /// The file is not the store's JSON.
    #[error("{}: not a trust store ({source}); fix or remove it", path.display())]
    Broken {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// Reading it failed.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing it failed.
    #[error(transparent)]
    Write(#[from] crate::store::StoreError),
    /// A directory to trust is not there.
    #[error("{}: {source}", path.display())]
    Dir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Where the store lives.
pub fn path() -> Option<PathBuf> {
    crate::store::data_dir().map(|d| d.join("trust.json"))
}

impl Store {
    /// Reads the store (an absent one is empty).
    pub fn load() -> Result<Store, TrustError> {
        let Some(p) = path() else {
            return Ok(Store::default());
        };
        Store::load_from(&p)
    }

    /// Reads the store at `p`.
    pub fn load_from(p: &Path) -> Result<Store, TrustError> {
        match crate::collection::vars::read_regular(p, 16 << 20) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| TrustError::Broken {
                path: p.to_owned(),
                source,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Store::default()),
            Err(source) => Err(TrustError::Read {
                path: p.to_owned(),
                source,
            }),
        }
    }

    /// Writes the store (0600, atomically).
    pub fn save(&self) -> Result<(), TrustError> {
        let p = path().ok_or(TrustError::NoDataDir)?;
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        crate::store::write_private(&p, text.as_bytes())?;
        Ok(())
    }

    /// The entry of the trusted directory `dir` is in (itself or an
    /// ancestor), if any.
    pub fn find(&self, dir: &Path) -> Option<&Entry> {
        self.dirs
            .iter()
            .filter(|e| dir.starts_with(&e.path))
            .max_by_key(|e| e.path.as_os_str().len())
    }

    /// Trusts `dir` (canonical) with these origins confirmed.
    pub fn trust(&mut self, dir: PathBuf, origins: Vec<String>, now: i64) {
        self.version = 1;
        match self.dirs.iter_mut().find(|e| e.path == dir) {
            Some(e) => {
                for o in origins {
                    if !e.origins.contains(&o) {
                        e.origins.push(o);
                    }
                }
                e.origins.sort();
            }
            None => {
                let mut origins = origins;
                origins.sort();
                origins.dedup();
                self.dirs.push(Entry {
                    path: dir,
                    origins,
                    at: now,
                });
            }
        }
        self.dirs.sort_by(|a, b| a.path.cmp(&b.path));
    }

    /// Forgets `dir`; whether it was there.
    pub fn revoke(&mut self, dir: &Path) -> bool {
        let before = self.dirs.len();
        self.dirs.retain(|e| e.path != dir);
        before != self.dirs.len()
    }
}

/// The collection directory `root` (made canonical) under the rules the
/// user chose: trusted when the store says so or `--trust` is given, its
/// confirmed origins, `--allow-read` directories.
pub fn rules(root: &Path, flag: bool, allow_read: &[String]) -> Result<Trust, TrustError> {
    let canonical = std::fs::canonicalize(root).map_err(|source| TrustError::Dir {
        path: root.to_owned(),
        source,
    })?;
    let store = Store::load()?;
    let entry = store.find(&canonical);
    let mut t = Trust::new(
        canonical.clone(),
        flag || entry.is_some(),
        entry.map(|e| e.origins.clone()).unwrap_or_default(),
    );
    for d in allow_read {
        let c = std::fs::canonicalize(d).map_err(|source| TrustError::Dir {
            path: PathBuf::from(d),
            source,
        })?;
        t.allow_read(c);
    }
    Ok(t)
}

/// Remembers origins the user confirmed, for a directory the store trusts
/// (an untrusted collection's confirmations last for the run).
pub fn remember(root: &Path, origins: &[String]) {
    if origins.is_empty() {
        return;
    }
    let Ok(mut store) = Store::load() else {
        return;
    };
    let Some(path) = store.find(root).map(|e| e.path.clone()) else {
        return;
    };
    let now = crate::time::unix_ms(std::time::SystemTime::now()) / 1000;
    store.trust(path, origins.to_vec(), now);
    let _ = store.save();
}

/// Says once, to someone who used apiscope before trust came in (a
/// history exists), what changed and how to get the old behaviour for a
/// directory of their own; a new user has nothing to unlearn.
pub fn notice_once(root: &Path) -> Option<String> {
    let dir = crate::store::data_dir()?;
    let marker = dir.join("trust-notice");
    if marker.exists() || path().is_some_and(|p| p.exists()) {
        return None;
    }
    let existing = dir.join("history.sqlite3").exists();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(&marker, b"shown\n");
    if !existing {
        return None;
    }
    Some(format!(
        "collections are untrusted until you trust them: `>> file` writes nothing and secrets go only to origins you confirm; for a directory of your own: apiscope trust {}",
        root.display()
    ))
}
