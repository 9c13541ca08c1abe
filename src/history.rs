//! The history: every exchange sent from the TUI or `send`, kept in an
//! embedded SQLite database in the user data directory, searchable by host,
//! status, dialect and code.
//!
//! Exchanges are stored redacted (like every file apiscope writes); the
//! request line typed in the TUI is kept as typed, so a line that names its
//! secret as `{{env.API_TOKEN}}` resends as it was. A body over
//! [`BODY_LIMIT`] keeps its first part, with its size and SHA-256 in a
//! note: a 20 MB response costs the history 1 MB, not 20.
//!
//! The TUI writes through a [`Worker`]: a thread of its own, so a send
//! never waits on SQLite and the screen shows the body first.

use crate::decode::Diagnosis;
use crate::model::Exchange;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

/// The most of a body the history keeps.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// `body` cut to [`BODY_LIMIT`] (at a UTF-8 boundary, so a text body stays
/// text), with a note naming its size and SHA-256 when it was cut.
fn bound(body: &bytes::Bytes, what: &str, notes: &mut Vec<String>) -> bytes::Bytes {
    if body.len() <= BODY_LIMIT {
        return body.clone();
    }
    use sha2::Digest as _;
    let hash = sha2::Sha256::digest(body);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let mut cut = BODY_LIMIT;
    // Back up to the start of a UTF-8 sequence.
    while cut > 0 && (body[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    notes.push(format!(
        "History: the {what} body was cut to its first {} of {} (sha256 {hex})",
        crate::http::human_size(BODY_LIMIT),
        crate::http::human_size(body.len())
    ));
    body.slice(..cut)
}

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA: i64 = 1;

/// An open history database.
pub struct History {
    conn: Connection,
}

/// One stored exchange, as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Its id.
    pub id: i64,
    /// When it was received, Unix milliseconds.
    pub at_ms: i64,
    /// `send` or `tui`.
    pub source: String,
    /// The method.
    pub method: String,
    /// The URL (redacted).
    pub url: String,
    /// The status, when a response arrived.
    pub status: Option<u16>,
    /// The dialect.
    pub dialect: String,
    /// The error code, if any.
    pub code: Option<String>,
    /// The error message, if any.
    pub message: Option<String>,
}

/// A search: `host:H status:429|4xx dialect:D code:C` and free words that
/// must all occur in the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Host (substring).
    pub host: Option<String>,
    /// Exact status, or a class (`4` for `4xx`).
    pub status: Option<StatusFilter>,
    /// Dialect.
    pub dialect: Option<String>,
    /// Error code (exact, case-insensitive).
    pub code: Option<String>,
    /// Words the URL must contain.
    pub words: Vec<String>,
}

/// A status filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StatusFilter {
    /// One status.
    Exact(u16),
    /// A class: `4` for 400–499.
    Class(u16),
}

impl Query {
    /// Parses `host:api.example.com status:4xx code:RATE_LIMITED boards`.
    pub fn parse(text: &str) -> Result<Query, HistoryError> {
        let mut q = Query::default();
        for word in text.split_whitespace() {
            match word.split_once(':') {
                Some(("host", v)) => q.host = Some(v.to_owned()),
                Some(("dialect", v)) => q.dialect = Some(v.to_owned()),
                Some(("code", v)) => q.code = Some(v.to_owned()),
                Some(("status", v)) => {
                    let lower = v.to_ascii_lowercase();
                    q.status = Some(if let Some(c) = lower.strip_suffix("xx") {
                        match c.parse::<u16>() {
                            Ok(c @ 1..=5) => StatusFilter::Class(c),
                            _ => return Err(bad_status(v)),
                        }
                    } else {
                        match v.parse::<u16>() {
                            Ok(s @ 100..=599) => StatusFilter::Exact(s),
                            _ => return Err(bad_status(v)),
                        }
                    });
                }
                _ => q.words.push(word.to_owned()),
            }
        }
        Ok(q)
    }
}

/// The database readable by its owner only (0600; SQLite gives its WAL
/// and shared-memory files the database's mode): it holds requests and
/// responses, redacted, but still one's traffic.
fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        if std::fs::symlink_metadata(path).is_err() {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)?;
        } else {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn bad_status(v: &str) -> HistoryError {
    HistoryError::BadStatus(v.to_owned())
}

/// Why the history could not be opened, written or read.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The platform has no data directory (and none was set).
    #[error("no user data directory on this system")]
    NoDataDir,
    /// The directory of the database could not be made.
    #[error("{}: cannot create the directory: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database file could not be made private (0600).
    #[error("{}: cannot create or protect the history file: {source}", path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened or set up.
    #[error("{}: {source}", path.display())]
    Open {
        /// The database.
        path: std::path::PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// A newer apiscope wrote it.
    #[error("{}: history schema {found} is newer than this apiscope understands ({SCHEMA}); upgrade apiscope", path.display())]
    Newer {
        /// The database.
        path: std::path::PathBuf,
        /// Its schema version.
        found: i64,
    },
    /// A query or a write failed.
    #[error("history: {0}")]
    Db(#[from] rusqlite::Error),
    /// An exchange could not be stored as JSON.
    #[error("{0}")]
    Encode(serde_json::Error),
    /// A stored exchange does not read back.
    #[error("history: exchange {id} is unreadable: {source}")]
    Unreadable {
        /// Its id.
        id: i64,
        /// Why.
        source: serde_json::Error,
    },
    /// A `status:` filter that is no status.
    #[error("status:{0}: expected a status such as 429 or a class such as 4xx")]
    BadStatus(String),
}

impl History {
    /// Opens (creating) the history in the user data directory.
    pub fn open_default() -> Result<History, HistoryError> {
        let dir = crate::store::data_dir().ok_or(HistoryError::NoDataDir)?;
        History::open(&dir.join("history.sqlite3"))
    }

    /// Opens (creating) the history at `path`.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| HistoryError::CreateDir {
                dir: dir.to_owned(),
                source,
            })?;
        }
        let err = |source: rusqlite::Error| HistoryError::Open {
            path: path.to_owned(),
            source,
        };
        private_file(path).map_err(|source| HistoryError::File {
            path: path.to_owned(),
            source,
        })?;
        let conn = Connection::open(path).map_err(err)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA {
            return Err(HistoryError::Newer {
                path: path.to_owned(),
                found: version,
            });
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 2000;
             CREATE TABLE IF NOT EXISTS exchanges (
                 id       INTEGER PRIMARY KEY,
                 at_ms    INTEGER NOT NULL,
                 source   TEXT NOT NULL,
                 method   TEXT NOT NULL,
                 url      TEXT NOT NULL,
                 host     TEXT NOT NULL,
                 status   INTEGER,
                 dialect  TEXT NOT NULL,
                 code     TEXT,
                 message  TEXT,
                 line     TEXT,
                 exchange TEXT NOT NULL
             );
             CREATE INDEX IF NOT EXISTS by_host ON exchanges(host, at_ms);
             CREATE INDEX IF NOT EXISTS by_status ON exchanges(status, at_ms);
             CREATE INDEX IF NOT EXISTS by_code ON exchanges(code, at_ms);
             PRAGMA user_version = 1;",
        )
        .map_err(err)?;
        Ok(History { conn })
    }

    /// Stores an exchange (redacted) with its diagnosis; `line` is the TUI's
    /// request line as typed, when there is one.
    pub fn record(
        &self,
        exchange: &Exchange,
        d: &Diagnosis,
        source: &str,
        line: Option<&str>,
    ) -> Result<i64, HistoryError> {
        let mut e = exchange.clone();
        let mut notes = Vec::new();
        e.response.body = bound(&e.response.body, "response", &mut notes);
        if let Some(r) = e.request.as_mut() {
            r.body = bound(&r.body, "request", &mut notes);
        }
        e.response.notes.extend(notes);
        crate::redact::exchange(&mut e);
        let url = e.url().unwrap_or("").to_owned();
        let host = url::Url::parse(&url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| {
                    format!(
                        "{h}{}",
                        u.port().map(|p| format!(":{p}")).unwrap_or_default()
                    )
                })
            })
            .unwrap_or_default();
        let method = e
            .request
            .as_ref()
            .map_or("GET".to_owned(), |r| r.method.clone());
        let at_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let json = serde_json::to_string(&e).map_err(HistoryError::Encode)?;
        self.conn
            .execute(
                "INSERT INTO exchanges (at_ms, source, method, url, host, status, dialect, code, message, line, exchange)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    at_ms,
                    source,
                    method,
                    url,
                    host,
                    d.status,
                    d.dialect,
                    d.error
                        .as_ref()
                        .and_then(|e| e.code.as_deref())
                        .map(|c| crate::redact::text(c).into_owned()),
                    d.error
                        .as_ref()
                        .and_then(|e| e.message.as_deref())
                        .map(|m| crate::redact::text(m).into_owned()),
                    line.map(crate::line::mask_line),
                    json
                ],
            )
            ?;
        Ok(self.conn.last_insert_rowid())
    }

    /// The newest exchanges matching `q`, at most `limit`.
    pub fn search(&self, q: &Query, limit: usize) -> Result<Vec<Row>, HistoryError> {
        let mut sql = String::from(
            "SELECT id, at_ms, source, method, url, status, dialect, code, message FROM exchanges WHERE 1 = 1",
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let like = |s: &str| {
            format!(
                "%{}%",
                s.replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        };
        if let Some(h) = &q.host {
            sql.push_str(" AND host LIKE ? ESCAPE '\\'");
            args.push(like(h).into());
        }
        match q.status {
            Some(StatusFilter::Exact(s)) => {
                sql.push_str(" AND status = ?");
                args.push(i64::from(s).into());
            }
            Some(StatusFilter::Class(c)) => {
                sql.push_str(" AND status BETWEEN ? AND ?");
                args.push(i64::from(c * 100).into());
                args.push(i64::from(c * 100 + 99).into());
            }
            None => {}
        }
        if let Some(d) = &q.dialect {
            sql.push_str(" AND dialect = ?");
            args.push(d.clone().into());
        }
        if let Some(c) = &q.code {
            sql.push_str(" AND code = ? COLLATE NOCASE");
            args.push(c.clone().into());
        }
        for w in &q.words {
            sql.push_str(" AND url LIKE ? ESCAPE '\\'");
            args.push(like(w).into());
        }
        sql.push_str(" ORDER BY at_ms DESC, id DESC LIMIT ?");
        args.push((limit.min(i64::MAX as usize) as i64).into());
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(Row {
                id: r.get(0)?,
                at_ms: r.get(1)?,
                source: r.get(2)?,
                method: r.get(3)?,
                url: r.get(4)?,
                status: r.get(5)?,
                dialect: r.get(6)?,
                code: r.get(7)?,
                message: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// One stored exchange and its request line, by id.
    pub fn get(&self, id: i64) -> Result<Option<(Exchange, Option<String>)>, HistoryError> {
        let row: Option<(String, Option<String>)> = self
            .conn
            .query_row(
                "SELECT exchange, line FROM exchanges WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            None => Ok(None),
            Some((json, line)) => {
                let e: Exchange = serde_json::from_str(&json)
                    .map_err(|source| HistoryError::Unreadable { id, source })?;
                Ok(Some((e, line)))
            }
        }
    }
}

/// A job for the history's thread.
pub enum Job {
    /// Store an exchange.
    Record {
        /// The exchange (bodies shared, not copied).
        exchange: Box<Exchange>,
        /// Its diagnosis.
        diagnosis: Box<Diagnosis>,
        /// `tui` or `send`.
        source: &'static str,
        /// The request line as typed.
        line: Option<String>,
    },
    /// Search, and hand the rows to `reply`.
    Search {
        /// The query as typed.
        query: String,
        /// Rows at most.
        limit: usize,
        /// Gets the rows or why the search failed.
        reply: Box<dyn FnOnce(Result<Vec<Row>, String>) + Send>,
    },
    /// Read one exchange, and hand it to `reply`.
    Get {
        /// Its id.
        id: i64,
        /// Gets the exchange and its line, or why not.
        reply: Box<GetReply>,
    },
    /// Signals when every job queued before it is done.
    Flush(std::sync::mpsc::Sender<()>),
}

/// What a [`Job::Get`] answers with.
pub type GetReply = dyn FnOnce(Result<Option<(Exchange, Option<String>)>, String>) + Send;

/// The history on a thread of its own: the UI hands it jobs and never
/// waits for SQLite; jobs run in order, so a search sees every exchange
/// recorded before it.
pub struct Worker {
    tx: std::sync::mpsc::Sender<Job>,
}

impl Worker {
    /// Starts the thread.
    pub fn spawn(history: History) -> Worker {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::spawn(move || {
            // Records that queue up while one is written go in one
            // transaction (one commit, not one per exchange): a run of
            // 500 requests costs a few commits, not 500.
            let mut pending: std::collections::VecDeque<Job> = std::collections::VecDeque::new();
            loop {
                let job = match pending.pop_front() {
                    Some(j) => j,
                    None => match rx.recv() {
                        Ok(j) => j,
                        Err(_) => break,
                    },
                };
                match job {
                    Job::Record {
                        exchange,
                        diagnosis,
                        source,
                        line,
                    } => {
                        // A history that cannot be written must not cost
                        // the user anything: errors are dropped.
                        let batch = history.conn.execute_batch("BEGIN").is_ok();
                        let _ = history.record(&exchange, &diagnosis, source, line.as_deref());
                        while pending.len() < 10_000 {
                            match rx.try_recv() {
                                Ok(Job::Record {
                                    exchange,
                                    diagnosis,
                                    source,
                                    line,
                                }) if pending.is_empty() => {
                                    let _ = history.record(
                                        &exchange,
                                        &diagnosis,
                                        source,
                                        line.as_deref(),
                                    );
                                }
                                Ok(other) => pending.push_back(other),
                                Err(_) => break,
                            }
                        }
                        if batch {
                            let _ = history.conn.execute_batch("COMMIT");
                        }
                    }
                    Job::Search {
                        query,
                        limit,
                        reply,
                    } => reply(
                        Query::parse(&query)
                            .and_then(|q| history.search(&q, limit))
                            .map_err(|e| e.to_string()),
                    ),
                    Job::Get { id, reply } => reply(history.get(id).map_err(|e| e.to_string())),
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Worker { tx }
    }

    /// Queues a job (a closed worker drops it).
    pub fn send(&self, job: Job) {
        let _ = self.tx.send(job);
    }

    /// A handle that queues jobs from another task.
    pub fn sender(&self) -> std::sync::mpsc::Sender<Job> {
        self.tx.clone()
    }

    /// Waits (at most `timeout`) until every job queued so far is done:
    /// at quit, so the last exchanges are kept.
    pub fn flush(&self, timeout: std::time::Duration) {
        let (done, wait) = std::sync::mpsc::channel();
        self.send(Job::Flush(done));
        let _ = wait.recv_timeout(timeout);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Options, Profiles, diagnose};
    use crate::model::{Headers, Request, Response};

    fn ex(url: &str, status: u16, body: &str) -> Exchange {
        let mut h = Headers::new();
        h.push("Authorization", "Bearer imb_pat_SECRET");
        let mut rh = Headers::new();
        rh.push("Content-Type", "application/json");
        Exchange {
            request: Some(Request {
                method: "GET".into(),
                url: Some(url.into()),
                headers: h,
                body: bytes::Bytes::new(),
            }),
            response: Response {
                status: Some(status),
                headers: rh,
                body: body.as_bytes().to_vec().into(),
                ..Response::default()
            },
            ..Exchange::default()
        }
    }

    #[test]
    fn records_searches_and_reads_back_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let h = History::open(&dir.path().join("h.sqlite3")).unwrap();
        let p = Profiles::built_in();
        let o = Options::default();
        let rl = r#"{"error":{"code":"RATE_LIMITED","message":"Too many requests. Please try again later.","status":429,"requestId":"req_x9y8z7w6v5u4t3s2","details":null}}"#;
        for (url, status, body) in [
            ("https://api.envelope.example/v1/boards", 429, rl),
            (
                "https://api.envelope.example/v1/boards?page=2",
                200,
                r#"{"data":[]}"#,
            ),
            (
                "https://other.example/x_y",
                404,
                r#"{"message":"Not Found"}"#,
            ),
        ] {
            let e = ex(url, status, body);
            h.record(&e, &diagnose(&e, &p, &o), "send", Some("GET {{env.URL}}"))
                .unwrap();
        }
        let all = h.search(&Query::default(), 10).unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].url, "https://other.example/x_y"); // newest first
        let q = |s: &str| h.search(&Query::parse(s).unwrap(), 10).unwrap();
        assert_eq!(q("status:429")[0].code.as_deref(), Some("RATE_LIMITED"));
        assert_eq!(q("status:4xx").len(), 2);
        assert_eq!(q("host:envelope").len(), 2);
        assert_eq!(q("code:rate_limited dialect:envelope").len(), 1);
        assert_eq!(q("page=2").len(), 1);
        assert_eq!(q("x_y").len(), 1);
        assert_eq!(q("%").len(), 0);
        assert!(Query::parse("status:abc").is_err());
        assert!(Query::parse("status:700xx").is_err());
        assert!(Query::parse("status:99999").is_err());
        let (back, line) = h.get(all[2].id).unwrap().unwrap();
        assert_eq!(line.as_deref(), Some("GET {{env.URL}}"));
        let auth = back
            .request
            .unwrap()
            .headers
            .get("authorization")
            .unwrap()
            .to_owned();
        assert_eq!(auth, "Bearer imb_pat_REDACTED");
        assert!(h.get(999).unwrap().is_none());
    }
}
