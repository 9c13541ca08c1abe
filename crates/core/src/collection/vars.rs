//! Variables of a collection: environments, `{{…}}` substitution, dynamic
//! variables and chaining (request variables).
//!
//! Where a plain `{{name}}` is looked up, first match wins:
//!
//! 1. `--var NAME=VALUE` on the command line;
//! 2. file variables (`@name = value`; a later definition wins);
//! 3. `http-client.private.env.json`, the chosen environment;
//! 4. `http-client.env.json`, the chosen environment;
//! 5. `$shared` of the private file, then of the public file;
//! 6. `.env` beside the file.
//!
//! Also: `{{$uuid}}` (`$guid`, `$random.uuid`), `{{$timestamp}}`,
//! `{{$isoTimestamp}}`, `{{$randomInt MIN MAX}}` (MAX excluded),
//! `{{$processEnv NAME}}` and `{{env.NAME}}` (the process environment),
//! `{{$dotenv NAME}}`, and `{{login.response.body.$.token}}` (RFC 9535
//! JSONPath; `*` for the whole body), `{{login.response.headers.Name}}`,
//! `{{login.request.body.…}}` / `{{login.request.headers.…}}`.
//!
//! Values from the private env file, `.env` and the process environment are
//! secrets: [`Resolved::secrets`] lists the ones a request used, so every
//! file apiscope writes can redact them by value.

use super::{Body, CollectionError, HttpFile, HttpRequest};
use crate::model::{Exchange, Headers, Request};
use crate::template::Piece;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// An environment file: its path and its environments.
pub type EnvFile = Option<(PathBuf, Map<String, Value>)>;

/// The public and private environment files and `.env` beside a
/// collection.
#[derive(Debug, Clone, Default)]
pub struct Environments {
    /// `http-client.env.json`, when present.
    pub public: EnvFile,
    /// `http-client.private.env.json`, when present.
    pub private: EnvFile,
    /// `.env`, when present.
    pub dotenv: Option<(PathBuf, Vec<(String, String)>)>,
}

impl Environments {
    /// Every value of the private env file (every environment) and of
    /// `.env`: secrets, masked and redacted by value.
    pub fn secret_values(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some((_, envs)) = &self.private {
            for vars in envs.values() {
                if let Value::Object(m) = vars {
                    for v in m.values() {
                        match v {
                            Value::String(s) => out.push(s.clone()),
                            Value::Number(n) => out.push(n.to_string()),
                            _ => {}
                        }
                    }
                }
            }
        }
        if let Some((_, vars)) = &self.dotenv {
            out.extend(vars.iter().map(|(_, v)| v.clone()));
        }
        out.retain(|v| v.len() >= 4);
        out
    }

    /// Reads the environment files in `dir` through `world`; a broken
    /// one is an error naming it and its line.
    pub fn load(dir: &Path, world: &dyn World) -> Result<Environments, CollectionError> {
        let text = |name: &str| -> Result<Option<(PathBuf, String)>, CollectionError> {
            let path = dir.join(name);
            match world.read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => Ok(Some((path, t))),
                    Err(_) => Err(CollectionError {
                        file: path,
                        line: 0,
                        message: "not UTF-8 text".into(),
                    }),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(CollectionError {
                    file: path,
                    line: 0,
                    message: format!("cannot read: {e}"),
                }),
            }
        };
        let json = |name: &str| -> Result<EnvFile, CollectionError> {
            let Some((path, text)) = text(name)? else {
                return Ok(None);
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(m)) => Ok(Some((path, m))),
                Ok(_) => Err(CollectionError {
                    file: path,
                    line: 1,
                    message: "an environment file is a JSON object of environments".into(),
                }),
                Err(e) => Err(CollectionError {
                    file: path,
                    line: e.line(),
                    message: format!("not valid JSON: {e}"),
                }),
            }
        };
        let dotenv = text(".env")?.map(|(p, t)| (p, parse_dotenv(&t)));
        Ok(Environments {
            public: json("http-client.env.json")?,
            private: json("http-client.private.env.json")?,
            dotenv,
        })
    }

    /// The environments defined (not `$shared`), in the order the files
    /// give them (the public file's first).
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, m) in [&self.public, &self.private].into_iter().flatten() {
            for k in m.keys() {
                if k != "$shared" && !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        out
    }

    /// Checks that `env` exists.
    pub fn check(&self, env: &str, file: &Path) -> Result<(), CollectionError> {
        if self.names().iter().any(|n| n == env) {
            return Ok(());
        }
        let names = self.names();
        Err(CollectionError {
            file: file.to_owned(),
            line: 0,
            message: if names.is_empty() {
                format!(
                    "no environment '{env}': there is no http-client.env.json or http-client.private.env.json beside the file"
                )
            } else {
                format!(
                    "no environment '{env}'; the environments are: {}",
                    names.join(", ")
                )
            },
        })
    }

    /// The variables of the environment `env` alone (not `$shared`): the
    /// private file's over the public file's.
    pub fn env_only(&self, env: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for map in [&self.private, &self.public] {
            let Some(Value::Object(m)) = map.as_ref().and_then(|(_, m)| m.get(env)) else {
                continue;
            };
            for name in m.keys() {
                if !out.iter().any(|(n, _)| n == name)
                    && let Some(v) = Environments::get(map, env, name)
                {
                    out.push((name.clone(), v));
                }
            }
        }
        out
    }

    /// Every variable of `env` (and `$shared`) with the value a request
    /// would get: `request.environment` of a script.
    pub fn variables(&self, env: Option<&str>) -> Vec<(String, String)> {
        let mut out = env.map(|e| self.env_only(e)).unwrap_or_default();
        for (name, v) in self.env_only("$shared") {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, v));
            }
        }
        out
    }

    fn get(map: &EnvFile, env: &str, name: &str) -> Option<String> {
        let v = map.as_ref()?.1.get(env)?.get(name)?;
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

/// What Postman scripts set in the scopes that rank below the environment,
/// and the environment values they unset (newman's order: local, then the
/// environment, then the collection, then globals).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scoped {
    /// `pm.collectionVariables.set`: name → (value, the request's label).
    pub collection: HashMap<String, (String, String)>,
    /// `pm.globals.set`.
    pub global: HashMap<String, (String, String)>,
    /// `pm.environment.unset`: the environment's value no longer used.
    pub hidden: std::collections::HashSet<String>,
    /// `pm.collectionVariables.unset`: the collection's value (`$shared`)
    /// no longer used.
    pub hidden_collection: std::collections::HashSet<String>,
}

/// An environment's `SSLConfiguration` block (JetBrains HTTP Client), as
/// written: each path with the directory of the env file that gave it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SslConfiguration {
    /// `clientCertificate`: (the env file's directory, the path written).
    pub cert: Option<(PathBuf, String)>,
    /// `clientCertificateKey`.
    pub key: Option<(PathBuf, String)>,
    /// `verifyHostCertificate`.
    pub verify: Option<bool>,
    /// The env file that wrote each key (for messages).
    pub file: String,
}

/// How a collection's request goes, where it differs from the run's
/// client: its environment's `SSLConfiguration` (the paths checked by the
/// trust model) and its own `# @no-redirect` / `# @timeout`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Transport {
    /// The client certificate (PEM), its key in the same file or in `key`.
    pub cert: Option<PathBuf>,
    /// The client certificate's key (PEM).
    pub key: Option<PathBuf>,
    /// Whether the server's certificate is verified, when the env says
    /// (off only in a trusted collection); `None`: as the run's client.
    pub verify: Option<bool>,
    /// `# @no-redirect`: a redirect is the answer, not followed.
    pub no_redirect: bool,
    /// `# @timeout N`: the time the request may take, in milliseconds.
    pub timeout_ms: Option<u64>,
}

impl Environments {
    /// `env`'s `SSLConfiguration` (the private file's keys over the public
    /// file's, each over `$shared`), or `None` when no file has one.
    pub fn ssl_configuration(&self, env: Option<&str>) -> Result<Option<SslConfiguration>, String> {
        let mut order: Vec<(&EnvFile, &str)> =
            vec![(&self.public, "$shared"), (&self.private, "$shared")];
        if let Some(e) = env {
            order.push((&self.public, e));
            order.push((&self.private, e));
        }
        let mut out: Option<SslConfiguration> = None;
        for (file, e) in order {
            let Some((path, m)) = file.as_ref() else {
                continue;
            };
            let Some(block) = m.get(e).and_then(|v| v.get("SSLConfiguration")) else {
                continue;
            };
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let Some(block) = block.as_object() else {
                return Err(format!("{name}: {e}.SSLConfiguration is not an object"));
            };
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let c = out.get_or_insert_with(SslConfiguration::default);
            c.file = name.clone();
            // A path: "cert.pem", or {"path": "cert.pem", "format": "PEM"}.
            let path_of = |key: &str, v: &Value| -> Result<String, String> {
                let (p, format) = match v {
                    Value::String(s) => (s.as_str(), None),
                    Value::Object(o) => (
                        o.get("path").and_then(Value::as_str).ok_or_else(|| {
                            format!("{name}: {e}.SSLConfiguration.{key} has no \"path\"")
                        })?,
                        o.get("format").and_then(Value::as_str),
                    ),
                    _ => {
                        return Err(format!(
                            "{name}: {e}.SSLConfiguration.{key} is neither a path nor {{\"path\": …}}"
                        ));
                    }
                };
                let lower = p.to_ascii_lowercase();
                if format.is_some_and(|f| !f.eq_ignore_ascii_case("pem"))
                    || lower.ends_with(".p12")
                    || lower.ends_with(".pfx")
                {
                    return Err(format!(
                        "{name}: {e}.SSLConfiguration.{key}: only PEM files are read (a PKCS#12 file converts with openssl pkcs12 -in FILE.p12 -out cert.pem -nodes)"
                    ));
                }
                if p.is_empty() || p.len() > 4096 || p.contains('\0') {
                    return Err(format!("{name}: {e}.SSLConfiguration.{key} is not a path"));
                }
                Ok(p.to_owned())
            };
            for (k, v) in block {
                match k.as_str() {
                    "clientCertificate" => c.cert = Some((dir.clone(), path_of(k, v)?)),
                    "clientCertificateKey" => c.key = Some((dir.clone(), path_of(k, v)?)),
                    "verifyHostCertificate" => {
                        c.verify = Some(v.as_bool().ok_or_else(|| {
                            format!("{name}: {e}.SSLConfiguration.verifyHostCertificate is not true or false")
                        })?);
                    }
                    "hasCertificatePassphrase" if v.as_bool() == Some(true) => {
                        return Err(format!(
                            "{name}: {e}.SSLConfiguration: an encrypted client key (hasCertificatePassphrase) is not read; decrypt it once (openssl pkey -in KEY.pem -out KEY.plain.pem) and point clientCertificateKey there"
                        ));
                    }
                    // (Keys of later JetBrains versions: not ours to refuse.)
                    _ => {}
                }
            }
        }
        if let Some(c) = &out
            && c.key.is_some()
            && c.cert.is_none()
        {
            return Err(format!(
                "{}: SSLConfiguration has a clientCertificateKey but no clientCertificate",
                c.file
            ));
        }
        Ok(out)
    }
}

/// `NAME=value`, `export NAME="value"`, `# comments`.
fn parse_dotenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim();
            if l.is_empty() || l.starts_with('#') {
                return None;
            }
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_owned(), v.to_owned()))
        })
        .collect()
}

/// Where a value came from (the variables view and error messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--var`.
    CommandLine,
    /// `@name = value`.
    File,
    /// `http-client.private.env.json` (environment or `$shared`).
    PrivateEnv(String),
    /// `http-client.env.json` (environment or `$shared`).
    PublicEnv(String),
    /// `.env`.
    Dotenv,
    /// The process environment.
    ProcessEnv,
    /// `$uuid`, `$timestamp`…
    Dynamic,
    /// Another request's request or response.
    Request(String),
    /// `--secret`.
    Secret,
    /// Set by a script of this run (`client.global.set`,
    /// `request.variables.set`): the label of the request whose script
    /// set it.
    Script(String),
    /// `{{$auth.token("ID")}}`: the OAuth 2.0 configuration's id, and the
    /// origin of its Token URL (where its client secret goes).
    OAuth2 {
        /// The configuration's id.
        id: String,
        /// The Token URL's origin, when it parses.
        token_origin: Option<String>,
    },
}

impl Source {
    /// Whether values from here are secrets.
    pub fn is_secret(&self) -> bool {
        matches!(
            self,
            Source::PrivateEnv(_)
                | Source::Dotenv
                | Source::ProcessEnv
                | Source::Secret
                | Source::OAuth2 { .. }
        )
    }
}

/// What resolving a request reads from outside the process's memory: the
/// clock, the process environment and files (`< ./body.json`), and facts
/// about paths for the trust model. Passed in, so resolving is pure and
/// tests pin all of it.
pub trait World {
    /// Now, Unix seconds.
    fn now(&self) -> i64;
    /// Now, Unix milliseconds (`$isoTimestamp`, `$datetime` write them).
    fn now_ms(&self) -> i64 {
        self.now().saturating_mul(1000)
    }
    /// A variable of the process environment.
    fn var(&self, name: &str) -> Option<String>;
    /// A regular file's bytes, at most [`super::trust::MAX_READ`]: a FIFO,
    /// a device or a bigger file is an error, never a hang or an abort.
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    /// The path with every symlink resolved.
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf>;
    /// The kind and size of what `path` names (a last symlink not
    /// followed).
    fn facts(&self, path: &Path) -> std::io::Result<super::trust::FileFacts>;
    /// An OAuth 2.0 token for `config` (its values resolved), cached as
    /// `key`: from the cache while it is fresh, else refreshed or fetched
    /// (the caller's network and cache). `None` here: no token source.
    fn oauth2_token(
        &self,
        config: &crate::auth::oauth2::Config,
        key: &str,
    ) -> Result<crate::auth::oauth2::Token, String> {
        let _ = (config, key);
        Err("this command gets no OAuth 2.0 tokens".into())
    }
}

/// The real world: the system clock, the process environment, the disk.
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

impl World for System {
    fn now(&self) -> i64 {
        crate::time::unix_ms(std::time::SystemTime::now()) / 1000
    }
    fn now_ms(&self) -> i64 {
        crate::time::unix_ms(std::time::SystemTime::now())
    }
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        read_regular(path, super::trust::MAX_READ)
    }
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
    fn facts(&self, path: &Path) -> std::io::Result<super::trust::FileFacts> {
        use super::trust::{FileFacts, FileKind};
        let m = std::fs::symlink_metadata(path)?;
        let t = m.file_type();
        let kind = if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_dir() {
            FileKind::Dir
        } else if t.is_file() {
            FileKind::Regular
        } else {
            FileKind::Special
        };
        Ok(FileFacts { kind, len: m.len() })
    }
}

/// A regular file's bytes (symlinks followed), at most `cap`: anything
/// else (a FIFO, which would block; a device such as `/dev/zero`, which
/// never ends) is an error before it is opened, and a file that grows past
/// `cap` while it is read is one too.
pub fn read_regular(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let other = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(other("not a regular file".into()));
    }
    if meta.len() > cap {
        return Err(other(format!(
            "{} MiB is more than apiscope reads here ({} MiB)",
            meta.len() >> 20,
            cap >> 20
        )));
    }
    let mut out = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)?
        .take(cap + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > cap {
        return Err(other(format!(
            "more than {} MiB: apiscope reads no more here",
            cap >> 20
        )));
    }
    Ok(out)
}

/// What a resolution needs.
pub struct Context<'a> {
    /// The collection.
    pub file: &'a HttpFile,
    /// Its environment files.
    pub envs: &'a Environments,
    /// The chosen environment (checked with [`Environments::check`]).
    pub env: Option<&'a str>,
    /// `--var NAME=VALUE`.
    pub cli: &'a [(String, String)],
    /// `--secret NAME=VALUE`: as `--var`, and its value is a secret.
    pub secrets: &'a [(String, String)],
    /// The exchanges of the requests already sent in this run (in this
    /// environment), by name.
    pub responses: &'a HashMap<String, Exchange>,
    /// Variables set by scripts of this run (in this environment): name →
    /// (value, the label of the request whose script set it).
    pub globals: &'a HashMap<String, (String, String)>,
    /// Postman's scopes set by scripts of this run (in this environment).
    pub scoped: &'a Scoped,
    /// `request.variables.set` by this request's pre-request script.
    pub request_vars: &'a [(String, String)],
    /// The variables a response handler of the file sets (found without
    /// running it): name → the index of its request.
    pub setters: &'a HashMap<String, usize>,
    /// The clock, the process environment, files.
    pub world: &'a dyn World,
    /// What the collection may read.
    pub trust: &'a super::trust::Trust,
    /// A check before anything is sent: a value chained from a response
    /// not received yet is this stand-in (the request it names must
    /// exist), so the rest of the request is resolved.
    pub dry: Option<&'a str>,
}

/// Why a request could not be resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolveError {
    /// The request refers to this request's response: send it first.
    Need(String),
    /// The request uses a variable that the response handler of the
    /// request at this index (of the same file) sets: send it first.
    NeedRun {
        /// The index of the request whose handler sets it.
        index: usize,
        /// The variable.
        var: String,
    },
    /// A real error.
    Error(CollectionError),
}

impl From<CollectionError> for ResolveError {
    fn from(e: CollectionError) -> Self {
        ResolveError::Error(e)
    }
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The request.
    pub request: Request,
    /// The secret values it used (to redact by value).
    pub secrets: Vec<String>,
    /// Every variable it used and where its value came from.
    pub sources: Vec<(String, Source)>,
    /// Every variable's value (for the variables view; secrets included,
    /// to be masked by whoever shows them).
    pub values: Vec<(String, String)>,
    /// What a reader should know ("the response handler at line 14 is not
    /// run").
    pub notes: Vec<String>,
    /// `>> file`: where to write the response body (checked by the trust
    /// model), and whether to overwrite.
    pub output: Option<(PathBuf, bool)>,
    /// The dialect the request names (`# @dialect`), for decoding its
    /// answer as the user chose.
    pub dialect: Option<String>,
    /// `# @no-cookie-jar`: sent without the run's cookie jar.
    pub no_cookie_jar: bool,
    /// How it goes where that differs from the run's client (its
    /// environment's `SSLConfiguration`, `# @no-redirect`, `# @timeout`).
    pub transport: Option<Transport>,
}

struct State<'c, 'a> {
    ctx: &'c Context<'a>,
    line: usize,
    /// The request line of the request being resolved (it never depends
    /// on itself).
    own: usize,
    secrets: Vec<String>,
    sources: Vec<(String, Source)>,
    values: Vec<(String, String)>,
    stack: Vec<String>,
    /// File variables resolved already in this resolution: each is
    /// expanded once (nested `{{a}}{{a}}` definitions stay linear).
    memo: HashMap<String, String>,
}

/// The most a resolved text may grow to (a body, a header, a variable):
/// past it, an error names the variable, rather than gigabytes.
pub const MAX_EXPANSION: usize = 16 << 20;

/// File variables nested deeper than this are an error.
pub const MAX_NESTING: usize = 32;

/// Descendant steps (`..`) a chained JSONPath may take.
pub const MAX_DESCENT: usize = 2;

/// The most nodes × depth a JSONPath with two descendant steps may visit.
pub const MAX_DESCENT_VISITS: usize = 4_000_000;

/// How many values a JSON tree holds and how deep it goes.
fn tree_size(v: &Value) -> (usize, usize) {
    let mut count = 0usize;
    let mut deepest = 0usize;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        count += 1;
        deepest = deepest.max(depth);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, depth + 1))),
            Value::Object(o) => stack.extend(o.values().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    (count, deepest)
}

/// The largest body a chained value is read from (parsed into a tree).
pub const MAX_CHAINED_BODY: usize = 32 << 20;

/// Resolves a request's variables.
pub fn resolve(ctx: &Context<'_>, req: &HttpRequest) -> Result<Resolved, ResolveError> {
    let mut st = State {
        ctx,
        line: req.line,
        own: req.line,
        secrets: Vec::new(),
        sources: Vec::new(),
        values: Vec::new(),
        stack: Vec::new(),
        memo: HashMap::new(),
    };
    // JetBrains' WebSocket and gRPC requests: not HTTP requests apiscope
    // sends (said before anything is resolved).
    if let Some(kind) = ["WEBSOCKET", "GRPC"]
        .into_iter()
        .find(|k| req.method.eq_ignore_ascii_case(k))
    {
        return Err(st
            .err(format!(
                "a {kind} request (JetBrains' {} client): apiscope sends HTTP requests only",
                if kind == "GRPC" { "gRPC" } else { "WebSocket" }
            ))
            .into());
    }
    let url = st.substitute(&req.url)?;
    // An origin-form request line (`GET /path` and a `Host:` header), as
    // JetBrains and httpyac read it: the server is the Host's; https when
    // its port is 443 or 8443 (httpyac's rule), else http.
    let url = match req
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("host"))
    {
        Some(h) if url.trim_start().starts_with('/') => {
            st.line = h.line;
            let host = st.substitute(&h.value)?;
            st.line = req.line;
            let host = host.trim();
            let port = host.rsplit_once(':').map(|(_, p)| p);
            let scheme = if matches!(port, Some("443" | "8443")) {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}{}", url.trim())
        }
        _ => url,
    };
    let dir = super::run::dir_of(&ctx.file.path);
    let parsed = match url::Url::parse(url.trim()) {
        Ok(u) => u.to_string(),
        // A check before sending: a URL taken from a response is known
        // only then.
        Err(_)
            if ctx.dry.is_some()
                && st
                    .sources
                    .iter()
                    .any(|(_, s)| matches!(s, Source::Request(_) | Source::Script(_))) =>
        {
            url
        }
        // (The template, not the resolved URL: that may hold a secret.)
        Err(e) => {
            return Err(st
                .err(format!(
                    "the URL '{}' is not valid once resolved ({e}); write it with its scheme (https://…)",
                    crate::report::sanitize(&req.url, false)
                ))
                .into());
        }
    };
    let mut headers = Headers::new();
    for h in &req.headers {
        st.line = h.line;
        let mut value = st.substitute(&h.value)?;
        if h.name.eq_ignore_ascii_case("authorization") {
            // (httpyac's form as written in the file: a value that only
            // reads `oauth2 …` once substituted — a server's — is not it.)
            let written = h
                .value
                .split_whitespace()
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("oauth2"));
            value = match written
                .then(|| st.httpyac_oauth2(&value))
                .transpose()?
                .flatten()
            {
                Some(bearer) => bearer,
                None => basic_auth(&value),
            };
        }
        // (A `{{variable}}` in a header's name too, as JetBrains does.)
        let name = if h.name.contains("{{") {
            st.substitute(&h.name)?
        } else {
            h.name.clone()
        };
        headers.push(name, value);
    }
    st.line = req.body_line.unwrap_or(req.line);
    let multipart = headers
        .get("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("multipart/"));
    let body: Vec<u8> = match &req.body {
        Body::None => Vec::new(),
        // The JetBrains multipart syntax: parts written as text, lines
        // ending in CRLF on the wire, `< ./file` lines read from the file.
        Body::Text(t) if multipart => {
            let text = st.substitute(t)?;
            let mut out = Vec::new();
            for line in text.lines() {
                if let Some(f) = line.strip_prefix("< ") {
                    let p = ctx
                        .trust
                        .may_read(&dir, f.trim(), ctx.world)
                        .map_err(|e| st.err(format!("the part file {e}")))?;
                    let bytes = ctx.world.read(&p).map_err(|e| {
                        st.err(format!("cannot read the part file {}: {e}", p.display()))
                    })?;
                    out.extend_from_slice(&bytes);
                } else {
                    out.extend_from_slice(line.as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            out
        }
        Body::Text(t) => {
            // Line breaks as editors keep them in memory (JetBrains and
            // httpyac send LF from a CRLF file); a form body's lines are
            // one body (`a=1` / `&b=2` → `a=1&b=2`), as both tools join them.
            let form = headers.get("content-type").is_some_and(|ct| {
                ct.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
            // `# @urlencode-variables` (written by the Postman import):
            // each variable's value is form-encoded once substituted, as
            // newman encodes a form field's value.
            let encode = req.urlencode_variables().filter(|_| form).map(|e| match e {
                super::FormEncoding::Newman => form_value as fn(&str) -> String,
                super::FormEncoding::WwwForm => www_form_value,
                super::FormEncoding::UriComponent => uri_component_value,
            });
            let text = st.substitute_encoded(t, encode)?.replace("\r\n", "\n");
            match (form, encode) {
                // (Written by the Postman import: encoded as newman does.)
                (true, Some(_)) => text.lines().map(str::trim).collect::<String>().into_bytes(),
                // As httpyac sends a form written by hand: spaces around
                // `=` and `&` dropped, then what may not go raw in a URL
                // escaped (a space, `"<>\`{}`, controls, non-ASCII, a `%`
                // that starts no escape); `%XX`, `+` and the rest kept.
                (true, None) => url_escaped(
                    &text
                        .lines()
                        .map(|l| form_line_tidied(l.trim()))
                        .collect::<String>(),
                ),
                _ => text.into_bytes(),
            }
        }
        Body::File { path, substitute } => {
            let p = ctx
                .trust
                .may_read(&dir, path, ctx.world)
                .map_err(|e| st.err(format!("the body file {e}")))?;
            let bytes = ctx
                .world
                .read(&p)
                .map_err(|e| st.err(format!("cannot read the body file {}: {e}", p.display())))?;
            if *substitute {
                st.substitute(&String::from_utf8_lossy(&bytes))?
                    .into_bytes()
            } else {
                bytes
            }
        }
    };
    let mut notes = directive_notes(req);
    let transport = transport_of(ctx, req, &mut notes).map_err(|e| st.err(e))?;
    let mut secrets = st.secrets;
    secrets.sort();
    secrets.dedup();
    Ok(Resolved {
        request: Request {
            method: req.method.clone(),
            url: Some(parsed),
            headers,
            body: body.into(),
        },
        secrets,
        sources: st.sources,
        values: st.values,
        notes,
        dialect: req.dialect().map(str::to_owned),
        no_cookie_jar: req.no_cookie_jar(),
        transport,
        // (Decided by the collection run: who picked it, what trust allows.)
        output: None,
    })
}

/// Directives other tools read that apiscope does not apply, each said
/// once per request (the request still goes).
pub fn directive_notes(req: &HttpRequest) -> Vec<String> {
    const NOT_APPLIED: &[(&str, &str)] = &[
        (
            "@no-log",
            "JetBrains' # @no-log is not applied: the exchange goes to the history (APISCOPE_HISTORY=off keeps none)",
        ),
        (
            "@no-auto-encoding",
            "JetBrains' # @no-auto-encoding is not applied: the URL is sent as the URL parser writes it",
        ),
        (
            "@connection-timeout",
            "# @connection-timeout is not applied: --timeout sets the time a request may take",
        ),
        (
            "@use-os-credentials",
            "JetBrains' # @use-os-credentials is not applied (no NTLM or Kerberos)",
        ),
        (
            "@import",
            "httpyac's # @import is not read: a request uses another file's variables and responses only when both files are in one collection directory",
        ),
        (
            "@ref",
            "httpyac's # @ref is not read: a request that uses {{name.response…}} sends 'name' first on its own",
        ),
        (
            "@forceRef",
            "httpyac's # @forceRef is not read: a request that uses {{name.response…}} sends 'name' first on its own",
        ),
        (
            "@loop",
            "httpyac's # @loop is not run: the request goes once (apiscope test --iterations N repeats a whole run)",
        ),
        ("@sleep", "httpyac's # @sleep is not applied"),
        (
            "@disabled",
            "httpyac's # @disabled is not applied: the request goes when it is picked",
        ),
        (
            "@jwt",
            "httpyac's # @jwt is not applied (the diagnosis reads a JWT bearer token on its own)",
        ),
        (
            "@save",
            "httpyac's # @save is not applied (send -o FILE, or >> file in a trusted collection)",
        ),
    ];
    let mut out: Vec<String> = Vec::new();
    for c in &req.comments {
        let word = c.split_whitespace().next().unwrap_or("");
        if let Some((_, note)) = NOT_APPLIED.iter().find(|(d, _)| *d == word)
            && !out.iter().any(|n| n == note)
        {
            out.push((*note).to_owned());
        }
    }
    out
}

/// The environment's `SSLConfiguration` as the trust model allows it:
/// certificate and key files read as `< file` is (inside the collection,
/// or a trusted one's `--allow-read` directories); verification turned
/// off only by a trusted collection (else a note says it stays on).
pub fn tls_of(ctx: &Context<'_>, notes: &mut Vec<String>) -> Result<Option<Transport>, String> {
    let Some(c) = ctx.envs.ssl_configuration(ctx.env)? else {
        return Ok(None);
    };
    let judge = |what: &str, (dir, path): &(PathBuf, String)| {
        ctx.trust
            .may_read(dir, path, ctx.world)
            .map_err(|e| format!("{}: SSLConfiguration's {what} {e}", c.file))
    };
    let cert = c
        .cert
        .as_ref()
        .map(|p| judge("clientCertificate", p))
        .transpose()?;
    let key = c
        .key
        .as_ref()
        .map(|p| judge("clientCertificateKey", p))
        .transpose()?;
    let verify = match c.verify {
        Some(false) if ctx.trust.trusted() => Some(false),
        Some(false) => {
            notes.push(format!(
                "{}: SSLConfiguration's verifyHostCertificate: false is not applied: the collection is not trusted, so the server's certificate is verified (apiscope trust {})",
                c.file,
                ctx.trust.root().display()
            ));
            Some(true)
        }
        other => other,
    };
    Ok(Some(Transport {
        cert,
        key,
        verify,
        ..Transport::default()
    }))
}

/// How `req` goes where that differs from the run's client: its
/// environment's `SSLConfiguration` ([`tls_of`]) and its `# @no-redirect`
/// and `# @timeout` directives; `None` when nothing differs.
pub fn transport_of(
    ctx: &Context<'_>,
    req: &HttpRequest,
    notes: &mut Vec<String>,
) -> Result<Option<Transport>, String> {
    let mut t = tls_of(ctx, notes)?;
    if req.no_redirect() {
        t.get_or_insert_with(Transport::default).no_redirect = true;
    }
    if let Some(ms) = req.timeout_ms()? {
        t.get_or_insert_with(Transport::default).timeout_ms = Some(ms);
    }
    Ok(t)
}

/// Substitutes the variables of any text (a request line the user edited)
/// in a collection's context: the text and the secrets it used.
pub fn substitute(
    ctx: &Context<'_>,
    text: &str,
    line: usize,
) -> Result<(String, Vec<String>), ResolveError> {
    let mut st = State {
        ctx,
        line,
        own: line,
        secrets: Vec::new(),
        sources: Vec::new(),
        values: Vec::new(),
        stack: Vec::new(),
        memo: HashMap::new(),
    };
    let out = st.substitute(text)?;
    Ok((out, st.secrets))
}

/// A resolved text's parts: the text, the secret values it used, every
/// variable's source and value.
pub type Substituted = (
    String,
    Vec<String>,
    Vec<(String, Source)>,
    Vec<(String, String)>,
);

/// [`substitute`], with where every value came from (the trust model asks
/// which secret sources a typed line carries).
pub fn substitute_all(
    ctx: &Context<'_>,
    text: &str,
    line: usize,
) -> Result<Substituted, ResolveError> {
    let mut st = State {
        ctx,
        line,
        own: line,
        secrets: Vec::new(),
        sources: Vec::new(),
        values: Vec::new(),
        stack: Vec::new(),
        memo: HashMap::new(),
    };
    let out = st.substitute(text)?;
    Ok((out, st.secrets, st.sources, st.values))
}

/// `text` with every byte `raw` does not keep written `%XX` (UTF-8 bytes
/// one by one); with `keep_escapes`, a `%XX` already there stays as it is
/// (and a `%` that starts none is `%25`). Every tool's encoding is one
/// `raw` set of this.
pub fn percent_encoded(text: &str, raw: impl Fn(u8) -> bool, keep_escapes: bool) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in b.iter().enumerate() {
        let escape = keep_escapes
            && c == b'%'
            && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if escape || ((!keep_escapes || c != b'%') && raw(c)) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// A form field's name or value as newman writes it on the wire
/// (`encodeURIComponent`, and `!'()*` too).
pub fn form_value(text: &str) -> String {
    percent_encoded(
        text,
        |b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b),
        false,
    )
}

/// A form field's name or value as Insomnia writes it (insomnia-url's
/// `flexibleEncodeComponent`): `encodeURIComponent` — letters, digits and
/// `-_.!~*'()` kept — with a `%XX` already there kept as it is.
pub fn uri_component_value(text: &str) -> String {
    percent_encoded(
        text,
        |b| b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b),
        true,
    )
}

/// A form field's value as a browser's URLSearchParams writes it: `+` for
/// a space, letters, digits and `*-._` as they are, every other byte `%XX`.
pub fn www_form_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"*-._".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `Basic user:pass` and `Basic user pass` (both tools' shorthand) become
/// base64; a value already encoded is kept.
fn basic_auth(value: &str) -> String {
    use base64::Engine as _;
    let Some(rest) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return value.to_owned();
    };
    let rest = rest.trim();
    let creds = if let Some((u, p)) = rest.split_once(' ') {
        format!("{}:{}", u, p.trim())
    } else if rest.contains(':') {
        rest.to_owned()
    } else {
        return value.to_owned();
    };
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(creds)
    )
}

impl State<'_, '_> {
    fn err(&self, message: String) -> CollectionError {
        CollectionError {
            file: self.ctx.file.path.clone(),
            line: self.line,
            message,
        }
    }

    fn substitute(&mut self, text: &str) -> Result<String, ResolveError> {
        self.substitute_encoded(text, None)
    }

    /// `text` with each variable that sits inside another's name
    /// substituted (innermost first; at most 20 levels, as Postman).
    fn inner_first(&mut self, text: &str) -> Result<String, ResolveError> {
        let mut t = text.to_owned();
        for _ in 0..20 {
            let Some((at, len)) = crate::template::pieces(&t).find_map(|p| match p {
                Piece::Var(v) if v.expr.contains("{{") => Some((v.at, v.raw.len())),
                _ => None,
            }) else {
                break;
            };
            let raw = &t[at..at + len];
            let inner_at = raw.rfind("{{").unwrap_or(0);
            let inner = raw[inner_at..].to_owned();
            let value = self.substitute(&inner)?;
            if value.contains("{{") || t.len() + value.len() > MAX_EXPANSION {
                break;
            }
            t.replace_range(at + inner_at..at + len, &value);
        }
        Ok(t)
    }

    /// [`State::substitute`], each variable's value passed through
    /// `encode` (a form body's `# @urlencode-variables`).
    fn substitute_encoded(
        &mut self,
        text: &str,
        encode: Option<fn(&str) -> String>,
    ) -> Result<String, ResolveError> {
        // A variable named by another (Postman's nested `{{a_{{env}}}}`):
        // the inner one first, then the name it makes.
        let nested;
        let text = if crate::template::pieces(text)
            .any(|p| matches!(p, Piece::Var(v) if v.expr.contains("{{")))
        {
            nested = self.inner_first(text)?;
            nested.as_str()
        } else {
            text
        };
        let mut out = String::with_capacity(text.len());
        for piece in crate::template::pieces(text) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Var(v) => {
                    let value = self.value(v.expr)?;
                    let value = match encode {
                        Some(f) => f(&value),
                        None => value,
                    };
                    if out.len() + value.len() > MAX_EXPANSION {
                        return Err(self
                            .err(format!(
                                "{{{{{}}}}} expands past {} MiB: apiscope stops there",
                                v.expr,
                                MAX_EXPANSION >> 20
                            ))
                            .into());
                    }
                    out.push_str(&value);
                }
                Piece::Unclosed { at, rest } => {
                    return Err(CollectionError {
                        file: self.ctx.file.path.clone(),
                        line: crate::template::line_at(text, at, self.line),
                        message: format!(
                            "'{{{{' is not closed: {}",
                            crate::report::sanitize(rest.lines().next().unwrap_or(""), false)
                        ),
                    }
                    .into());
                }
            }
        }
        Ok(out)
    }

    fn value(&mut self, expr: &str) -> Result<String, ResolveError> {
        if let Some(dynamic) = expr.strip_prefix('$') {
            return self.dynamic(expr, dynamic);
        }
        if let Some(name) = expr.strip_prefix("env.") {
            return self.process(expr, name);
        }
        if let Some((name, path)) = expr.split_once('.')
            && self
                .ctx
                .file
                .requests
                .iter()
                .any(|r| r.name.as_deref() == Some(name))
        {
            return self.chained(expr, name, path);
        }
        self.named(expr)
    }

    fn process(&mut self, expr: &str, name: &str) -> Result<String, ResolveError> {
        match self.ctx.world.var(name) {
            Some(v) => {
                self.used(expr, Source::ProcessEnv, &v);
                Ok(v)
            }
            None => Err(self
                .err(format!(
                    "{{{{{expr}}}}}: the environment variable {name} is not set"
                ))
                .into()),
        }
    }

    /// `{{$auth.token("ID")}}` / `{{$auth.idToken("ID")}}`: the
    /// configuration read from the environment files, its values resolved,
    /// its Token URL's origin confirmed (its client secret goes there), the
    /// token from the world (cache, refresh or fetch).
    fn oauth2(&mut self, expr: &str, args: &str, id_token: bool) -> Result<String, ResolveError> {
        let id = args
            .trim()
            .strip_prefix('(')
            .and_then(|a| a.strip_suffix(')'))
            .map(|a| a.trim().trim_matches(['"', '\'']))
            .filter(|a| !a.is_empty())
            .ok_or_else(|| self.err(format!("{{{{{expr}}}}}: write $auth.token(\"ID\"), ID an auth configuration of the environment")))?
            .to_owned();
        let config = crate::auth::oauth2::Config::find(self.ctx.envs, self.ctx.env, &id)
            .map_err(|e| self.err(format!("{{{{{expr}}}}}: {e}")))?;
        // Its values may use variables (a private client secret).
        let config = config.map_values(|v| self.substitute(v))?;
        self.oauth2_token_of(expr, &id, &config, id_token)
    }

    /// httpyac's `Authorization: oauth2 [GRANT] [PREFIX]`: the grant
    /// (`client_credentials` by default) configured by the variables
    /// `PREFIX_tokenEndpoint`, `PREFIX_clientId`, `PREFIX_clientSecret`,
    /// `PREFIX_scope`, … (PREFIX `oauth2` by default), as httpyac reads
    /// them; the header becomes `Bearer TOKEN`. `None`: not that form.
    fn httpyac_oauth2(&mut self, value: &str) -> Result<Option<String>, ResolveError> {
        use crate::auth::oauth2::{Config, Grant};
        let mut words = value.split_whitespace();
        if !words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("oauth2"))
        {
            return Ok(None);
        }
        let expr = value.trim().to_owned();
        let word = words.next().unwrap_or("client_credentials");
        let grant = match Config::httpyac_grant(word) {
            Some(Grant::Implicit) | None => {
                return Err(self
                    .err(format!(
                        "Authorization: oauth2 {word}: this form takes client_credentials, password, authorization_code or device_code (implicit is not supported)"
                    ))
                    .into());
            }
            Some(g) => g,
        };
        let prefix = words.next().unwrap_or("oauth2").to_owned();
        let config = Config::httpyac(&prefix, grant, |name| {
            if self.defined(name) {
                self.named(name).map(Some)
            } else {
                Ok(None)
            }
        })?;
        let Some(config) = config else {
            return Err(self
                .err(format!(
                    "Authorization: oauth2: define {prefix}_tokenEndpoint and {prefix}_clientId (httpyac's variables) in an environment or the file"
                ))
                .into());
        };
        let id = config.id.clone();
        let token = self.oauth2_token_of(&expr, &id, &config, false)?;
        Ok(Some(format!("Bearer {token}")))
    }

    /// Whether `name` is a variable this resolution can read (without
    /// reading it).
    fn defined(&self, name: &str) -> bool {
        let envs = self.ctx.envs;
        let mut order: Vec<(&EnvFile, String)> = Vec::new();
        if let Some(env) = self.ctx.env {
            order.push((&envs.private, env.to_owned()));
            order.push((&envs.public, env.to_owned()));
        }
        order.push((&envs.private, "$shared".to_owned()));
        order.push((&envs.public, "$shared".to_owned()));
        self.ctx.cli.iter().any(|(k, _)| k == name)
            || self.ctx.secrets.iter().any(|(k, _)| k == name)
            || self.ctx.request_vars.iter().any(|(k, _)| k == name)
            || self.ctx.globals.get(name).is_some()
            || self.ctx.scoped.collection.contains_key(name)
            || self.ctx.scoped.global.contains_key(name)
            || self.ctx.file.variables.iter().any(|v| v.name == name)
            || order
                .into_iter()
                .any(|(map, env)| Environments::get(map, &env, name).is_some())
            || envs
                .dotenv
                .as_ref()
                .is_some_and(|(_, vars)| vars.iter().any(|(k, _)| k == name))
    }

    /// The token of an OAuth 2.0 configuration (its values resolved): its
    /// Token URL's origin confirmed (the client secret goes there), then
    /// the world's token (cache, refresh or fetch); every secret of it kept.
    fn oauth2_token_of(
        &mut self,
        expr: &str,
        id: &str,
        config: &crate::auth::oauth2::Config,
        id_token: bool,
    ) -> Result<String, ResolveError> {
        let id = id.to_owned();
        for s in config.secrets() {
            self.secrets.push(s);
        }
        let token_origin = super::trust::origin_of(&config.token_url);
        let source = Source::OAuth2 {
            id: id.clone(),
            token_origin: token_origin.clone(),
        };
        if let Some(stand_in) = self.ctx.dry {
            self.used(expr, source, stand_in);
            return Ok(stand_in.to_owned());
        }
        let Some(origin) = token_origin else {
            return Err(self
                .err(format!(
                    "{{{{{expr}}}}}: the Token URL '{}' is not an http(s) URL",
                    crate::report::sanitize(&config.token_url, false)
                ))
                .into());
        };
        if !self.ctx.trust.confirmed(&origin) {
            return Err(self
                .err(format!(
                    "{{{{{expr}}}}}: the Token URL's origin {origin} is not confirmed for this collection (its client secret goes there); confirm it when asked, or with --yes"
                ))
                .into());
        }
        let key = config.cache_key(self.ctx.trust.root());
        let token = self
            .ctx
            .world
            .oauth2_token(config, &key)
            .map_err(|e| self.err(format!("OAuth2 '{id}': {e}")))?;
        for s in token.secrets() {
            if s.len() >= 4 {
                self.secrets.push(s);
            }
        }
        let value = if id_token {
            token.id_token.clone().ok_or_else(|| {
                self.err(format!(
                    "{{{{{expr}}}}}: the token endpoint gave no id_token (ask for the openid scope)"
                ))
            })?
        } else {
            token.access_token.clone()
        };
        self.used(expr, source, &value);
        Ok(value)
    }

    fn used(&mut self, name: &str, source: Source, value: &str) {
        if source.is_secret() && value.len() >= 4 {
            self.secrets.push(value.to_owned());
        }
        if !self.sources.iter().any(|(n, _)| n == name) {
            self.sources.push((name.to_owned(), source));
            self.values.push((name.to_owned(), value.to_owned()));
        }
    }

    /// Now moved by REST Client's offset words (`1 d`, `-2 h`; none: now),
    /// Unix milliseconds; `None` when they are not an offset.
    fn offset(&self, expr: &str, words: &[&str]) -> Result<Option<i64>, ResolveError> {
        let _ = expr;
        let now = self.ctx.world.now_ms();
        Ok(match words {
            [] => Some(now),
            [n, unit] => n
                .parse::<i64>()
                .ok()
                .and_then(|n| crate::time::add(now, n, unit)),
            _ => None,
        })
    }

    fn dynamic(&mut self, expr: &str, d: &str) -> Result<String, ResolveError> {
        if let Some(rest) = d
            .strip_prefix("auth.token")
            .map(|r| (r, false))
            .or_else(|| d.strip_prefix("auth.idToken").map(|r| (r, true)))
        {
            return self.oauth2(expr, rest.0, rest.1);
        }
        // JetBrains' call form (`$random.integer(1, 100)`,
        // `$random.uuid()`), else words (a quoted format one word).
        let (head, owned): (&str, Vec<String>) =
            match d.trim().strip_suffix(')').and_then(|c| c.split_once('(')) {
                Some((name, inner)) if !name.contains(char::is_whitespace) => (
                    name,
                    inner
                        .split(',')
                        .map(|a| a.trim().trim_matches(['"', '\'']).to_owned())
                        .filter(|a| !a.is_empty())
                        .collect(),
                ),
                _ => {
                    let mut w = quoted_words(d);
                    let head = if w.is_empty() {
                        String::new()
                    } else {
                        w.remove(0)
                    };
                    let head = d
                        .trim_start()
                        .get(..head.len())
                        .filter(|h| *h == head)
                        .unwrap_or("");
                    (head, w)
                }
            };
        let args: Vec<&str> = owned.iter().map(String::as_str).collect();
        if let Some(v) = random_value(head, &args) {
            self.used(expr, Source::Dynamic, &v);
            return Ok(v);
        }
        let v = match head {
            "uuid" | "guid" | "random.uuid" | "randomUUID" => uuid_v4(),
            "datetime" | "localDatetime" => {
                // REST Client's `{{$datetime iso8601|rfc1123|"FORMAT"
                // [N UNIT]}}` (local time is written in UTC: the zone
                // database is not read).
                let local = head == "localDatetime";
                let Some(at) = self.offset(expr, args.get(1..).unwrap_or_default())? else {
                    return Err(self
                        .err(format!(
                            "{{{{{expr}}}}}: write $datetime FORMAT [N UNIT], UNIT one of y M w d h m s ms"
                        ))
                        .into());
                };
                let quoted = d
                    .split_whitespace()
                    .nth(1)
                    .is_some_and(|w| w.starts_with(['"', '\'']));
                match args.first().copied() {
                    Some(f) if quoted => crate::time::format_dayjs(at, 0, f),
                    Some("rfc1123") if local => {
                        crate::time::format_dayjs(at, 0, "ddd, DD MMM YYYY HH:mm:ss ZZ")
                    }
                    Some("rfc1123") => crate::time::http_date(at.div_euclid(1000)),
                    Some("iso8601") | None if local => {
                        crate::time::format_dayjs(at, 0, "YYYY-MM-DDTHH:mm:ssZ")
                    }
                    Some("iso8601") | None => crate::time::rfc3339_ms(at),
                    Some(other) => {
                        return Err(self
                            .err(format!(
                                "{{{{{expr}}}}}: the format {other} is not one apiscope writes (iso8601, rfc1123, or a quoted format such as \"YYYY-MM-DD\")"
                            ))
                            .into());
                    }
                }
            }
            "timestamp" => match self.offset(expr, &args)? {
                Some(at) => at.div_euclid(1000).to_string(),
                None => {
                    return Err(self
                        .err(format!(
                            "{{{{{expr}}}}}: write $timestamp [N UNIT], UNIT one of y M w d h m s ms"
                        ))
                        .into());
                }
            },
            "isoTimestamp" => crate::time::rfc3339_ms(self.ctx.world.now_ms()),
            "randomInt" => {
                let (lo, hi) = match args.as_slice() {
                    [] => (0, 1000),
                    [a, b] => match (a.parse::<i64>(), b.parse::<i64>()) {
                        (Ok(a), Ok(b)) if a < b => (a, b),
                        _ => {
                            return Err(self
                                .err(format!(
                                    "{{{{{expr}}}}}: write $randomInt MIN MAX with MIN < MAX"
                                ))
                                .into());
                        }
                    },
                    _ => {
                        return Err(self
                            .err(format!("{{{{{expr}}}}}: write $randomInt MIN MAX"))
                            .into());
                    }
                };
                fastrand::i64(lo..hi).to_string()
            }
            "processEnv" => {
                let [name] = args.as_slice() else {
                    return Err(self
                        .err(format!("{{{{{expr}}}}}: write $processEnv NAME"))
                        .into());
                };
                return self.process(expr, name);
            }
            "dotenv" => {
                let [name] = args.as_slice() else {
                    return Err(self
                        .err(format!("{{{{{expr}}}}}: write $dotenv NAME"))
                        .into());
                };
                let found = self
                    .ctx
                    .envs
                    .dotenv
                    .as_ref()
                    .and_then(|(_, vars)| vars.iter().rev().find(|(k, _)| k == name))
                    .map(|(_, v)| v.clone());
                return match found {
                    Some(v) => {
                        self.used(expr, Source::Dotenv, &v);
                        Ok(v)
                    }
                    None => Err(self
                        .err(format!(
                            "{{{{{expr}}}}}: {name} is not in the .env file beside the collection"
                        ))
                        .into()),
                };
            }
            _ => {
                return Err(self
                    .err(format!(
                        "{{{{{expr}}}}} is not a dynamic variable apiscope knows ($uuid, $timestamp, $isoTimestamp, $randomInt, $datetime, $random.*, Postman's $random… names, $processEnv, $dotenv)"
                    ))
                    .into());
            }
        };
        self.used(expr, Source::Dynamic, &v);
        Ok(v)
    }

    /// `name.response.body.$.path`, `name.response.headers.X`,
    /// `name.request.…`.
    fn chained(&mut self, expr: &str, name: &str, path: &str) -> Result<String, ResolveError> {
        let Some(exchange) = self.ctx.responses.get(name) else {
            if let Some(stand_in) = self.ctx.dry {
                // Known only once it is sent: stands in, so the rest of
                // the request is checked.
                self.used(expr, Source::Request(name.to_owned()), stand_in);
                return Ok(stand_in.to_owned());
            }
            return Err(ResolveError::Need(name.to_owned()));
        };
        let (part, rest) = path.split_once('.').unwrap_or((path, ""));
        let (kind, selector) = rest.split_once('.').unwrap_or((rest, ""));
        let (headers, body): (&Headers, &[u8]) = match part {
            "response" => (&exchange.response.headers, &exchange.response.body),
            "request" => match &exchange.request {
                Some(r) => (&r.headers, &r.body),
                None => {
                    return Err(self
                        .err(format!("{{{{{expr}}}}}: '{name}' has no request"))
                        .into());
                }
            },
            _ => {
                return Err(self
                    .err(format!(
                        "{{{{{expr}}}}}: write {name}.response.body.… or {name}.response.headers.…"
                    ))
                    .into());
            }
        };
        let value = match kind {
            "headers" => headers.get(selector).map(str::to_owned).ok_or_else(|| {
                self.err(format!(
                    "{{{{{expr}}}}}: the {part} of '{name}' has no header {selector}"
                ))
            })?,
            "body" if selector == "*" || selector.is_empty() => {
                String::from_utf8_lossy(body).into_owned()
            }
            "body" if selector.starts_with('$') => {
                // Each `..` multiplies the work: two are plenty, more can
                // take a tiny body to gigabytes.
                if selector.matches("..").count() > MAX_DESCENT {
                    return Err(self
                        .err(format!(
                            "{{{{{expr}}}}}: '{selector}' has more than {MAX_DESCENT} descendant steps (..): apiscope reads at most {MAX_DESCENT}"
                        ))
                        .into());
                }
                if body.len() > MAX_CHAINED_BODY {
                    return Err(self
                        .err(format!(
                            "{{{{{expr}}}}}: the {part} body of '{name}' is {} MiB; a value is read from at most {} MiB",
                            body.len() >> 20,
                            MAX_CHAINED_BODY >> 20
                        ))
                        .into());
                }
                let path = serde_json_path::JsonPath::parse(selector).map_err(|e| {
                    self.err(format!(
                        "{{{{{expr}}}}}: '{selector}' is not a JSONPath (RFC 9535): {e}"
                    ))
                })?;
                let json: Value = serde_json::from_slice(body).map_err(|_| {
                    self.err(format!(
                        "{{{{{expr}}}}}: the {part} body of '{name}' is not JSON"
                    ))
                })?;
                // A descendant step lists every node under each node it
                // starts from: a second one over a wide, deep tree lists
                // (nodes × depth) of them, gigabytes from a few MB.
                let descents = selector.matches("..").count();
                if descents >= 2 {
                    let (count, depth) = tree_size(&json);
                    if count.saturating_mul(depth) > MAX_DESCENT_VISITS {
                        return Err(self
                            .err(format!(
                                "{{{{{expr}}}}}: '{selector}' takes two descendant steps (..) over the {count} values of the {part} body of '{name}' ({depth} deep): more than apiscope visits ({MAX_DESCENT_VISITS}); use one .. or a path"
                            ))
                            .into());
                    }
                }
                let nodes = path.query(&json).all();
                match nodes.first() {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => {
                        return Err(self
                            .err(format!("{{{{{expr}}}}}: {selector} matches nothing in the {part} body of '{name}'"))
                            .into());
                    }
                }
            }
            _ => {
                return Err(self
                    .err(format!(
                        "{{{{{expr}}}}}: write {name}.{part}.body.$.path (JSONPath), {name}.{part}.body.* or {name}.{part}.headers.Name"
                    ))
                    .into());
            }
        };
        self.used(expr, Source::Request(name.to_owned()), &value);
        // A value read from a response that carried a credential stays one.
        if crate::secrets::is_secret_header(selector) {
            self.secrets.push(value.clone());
        }
        Ok(value)
    }

    /// A value a script set: its own `{{…}}` resolved in turn (as newman
    /// resolves a variable's value that names others; cycles and depth
    /// are errors, as for file variables).
    fn script_value(
        &mut self,
        name: &str,
        v: String,
        source: Source,
    ) -> Result<String, ResolveError> {
        let v = if crate::template::has_placeholder(&v) {
            let cycle = self.stack.iter().any(|s| s == name);
            if cycle || self.stack.len() >= MAX_NESTING {
                let mut path = self.stack.clone();
                path.push(name.to_owned());
                return Err(self
                    .err(format!(
                        "variables a script set refer to each other in a cycle, or more than {MAX_NESTING} deep: {}",
                        path.iter().take(6).cloned().collect::<Vec<_>>().join(" → ")
                    ))
                    .into());
            }
            self.stack.push(name.to_owned());
            let r = self.substitute(&v);
            self.stack.pop();
            r?
        } else {
            v
        };
        self.used(name, source, &v);
        Ok(v)
    }

    fn named(&mut self, name: &str) -> Result<String, ResolveError> {
        if let Some((_, v)) = self.ctx.cli.iter().rev().find(|(k, _)| k == name) {
            let v = v.clone();
            self.used(name, Source::CommandLine, &v);
            return Ok(v);
        }
        if let Some((_, v)) = self.ctx.secrets.iter().rev().find(|(k, _)| k == name) {
            let v = v.clone();
            self.used(name, Source::Secret, &v);
            return Ok(v);
        }
        if let Some((_, v)) = self.ctx.request_vars.iter().rev().find(|(k, _)| k == name) {
            let v = v.clone();
            return self.script_value(name, v, Source::Script("its pre-request script".into()));
        }
        if let Some((v, by)) = self.ctx.globals.get(name) {
            let (v, by) = (v.clone(), by.clone());
            return self.script_value(name, v, Source::Script(by));
        }
        if let Some(var) = self
            .ctx
            .file
            .variables
            .iter()
            .rev()
            .find(|v| v.name == name)
        {
            if let Some(v) = self.memo.get(name) {
                return Ok(v.clone());
            }
            let cycle = self.stack.iter().any(|s| s == name);
            if cycle || self.stack.len() >= MAX_NESTING {
                let mut path = self.stack.clone();
                path.push(name.to_owned());
                return Err(CollectionError {
                    file: self.ctx.file.path.clone(),
                    line: var.line,
                    message: if cycle {
                        format!(
                            "variables refer to each other in a cycle: {}",
                            path.join(" → ")
                        )
                    } else {
                        format!(
                            "variables are nested more than {MAX_NESTING} deep: {} → …",
                            path[..4].join(" → ")
                        )
                    },
                }
                .into());
            }
            self.stack.push(name.to_owned());
            let saved = self.line;
            self.line = var.line;
            let v = self.substitute(&var.value);
            self.line = saved;
            self.stack.pop();
            let v = v?;
            self.used(name, Source::File, &v);
            self.memo.insert(name.to_owned(), v.clone());
            return Ok(v);
        }
        let envs = self.ctx.envs;
        let mut searched = vec!["--var".to_owned(), "file variables".to_owned()];
        if !self.ctx.secrets.is_empty() {
            searched.insert(1, "--secret".to_owned());
        }
        let file_name = |m: &EnvFile| {
            m.as_ref().map_or_else(String::new, |(p, _)| {
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
        };
        let mut order: Vec<(&EnvFile, String, bool)> = Vec::new();
        if let Some(env) = self.ctx.env
            && !self.ctx.scoped.hidden.contains(name)
        {
            order.push((&envs.private, env.to_owned(), true));
            order.push((&envs.public, env.to_owned(), false));
        }
        if !self.ctx.scoped.hidden_collection.contains(name) {
            order.push((&envs.private, "$shared".to_owned(), true));
            order.push((&envs.public, "$shared".to_owned(), false));
        }
        if let Some((v, by)) = self.ctx.scoped.collection.get(name) {
            // (Below the environment, above the collection's own values.)
            if order.iter().all(|(_, e, _)| e == "$shared")
                || order
                    .iter()
                    .filter(|(_, e, _)| e != "$shared")
                    .all(|(m, e, _)| Environments::get(m, e, name).is_none())
            {
                let (v, by) = (v.clone(), by.clone());
                return self.script_value(name, v, Source::Script(by));
            }
        }
        for (map, env, private) in order {
            if map.is_none() {
                continue;
            }
            searched.push(format!("{} [{env}]", file_name(map)));
            if let Some(v) = Environments::get(map, &env, name) {
                let source = if private {
                    Source::PrivateEnv(env)
                } else {
                    Source::PublicEnv(env)
                };
                self.used(name, source, &v);
                return Ok(v);
            }
        }
        if let Some((_, vars)) = &envs.dotenv {
            searched.push(".env".into());
            if let Some((_, v)) = vars.iter().rev().find(|(k, _)| k == name) {
                let v = v.clone();
                self.used(name, Source::Dotenv, &v);
                return Ok(v);
            }
        }
        // `pm.globals.set`: the lowest scope.
        if let Some((v, by)) = self.ctx.scoped.global.get(name) {
            let (v, by) = (v.clone(), by.clone());
            return self.script_value(name, v, Source::Script(by));
        }
        // Its own pre-request script sets it (or, a script file, may):
        // known once it ran.
        if let Some(own) = self.ctx.file.requests.iter().find(|r| r.line == self.own)
            && let Some(pre) = &own.pre
        {
            let sets = match &pre.code {
                super::ScriptCode::Inline(c) => super::script::request_sets(c)
                    .iter()
                    .chain(&super::script::sets(c))
                    .any(|n| n == name),
                super::ScriptCode::File(_) => true,
            };
            if sets {
                if let Some(stand_in) = self.ctx.dry {
                    self.used(
                        name,
                        Source::Script("its pre-request script".into()),
                        stand_in,
                    );
                    return Ok(stand_in.to_owned());
                }
                searched.push(format!(
                    "its pre-request script (line {}), which did not set it",
                    pre.line
                ));
            }
        }
        if let Some(&index) = self.ctx.setters.get(name)
            && let Some(by) = self.ctx.file.requests.get(index)
            && by.line != self.own
        {
            if !self.ctx.trust.trusted() {
                return Err(self
                    .err(format!(
                        "{{{{{name}}}}} is set by the response handler of '{}' (line {}), and scripts run only in a trusted collection: add --trust for this run, or `apiscope trust {}`",
                        by.label(),
                        by.handler_line().unwrap_or(by.line),
                        self.ctx.trust.root().display()
                    ))
                    .into());
            }
            if let Some(stand_in) = self.ctx.dry {
                self.used(name, Source::Script(by.label()), stand_in);
                return Ok(stand_in.to_owned());
            }
            return Err(ResolveError::NeedRun {
                index,
                var: name.to_owned(),
            });
        }
        if self.ctx.env.is_none() && !envs.names().is_empty() {
            searched.push(format!(
                "no --env chosen (environments: {})",
                envs.names().join(", ")
            ));
        }
        Err(self
            .err(format!(
                "{{{{{name}}}}} is not defined (searched: {})",
                searched.join(", ")
            ))
            .into())
    }
}

/// Generated values under the names the tools use: JetBrains'
/// `$random.*` and Postman's `$random…` (faker-like; compared by shape,
/// never by value). `None`: not one of them.
pub fn random_value(name: &str, args: &[&str]) -> Option<String> {
    const FIRST: &[&str] = &[
        "Ada", "Grace", "Alan", "Linus", "Ken", "Barbara", "Edsger", "Frances",
    ];
    const LAST: &[&str] = &[
        "Lovelace", "Hopper", "Turing", "Torvalds", "Thompson", "Liskov", "Allen",
    ];
    const WORDS: &[&str] = &[
        "alpha", "bravo", "delta", "echo", "lima", "oscar", "tango", "zulu",
    ];
    const CITIES: &[&str] = &["Lisbon", "Osaka", "Quito", "Accra", "Tallinn", "Perth"];
    const COUNTRIES: &[&str] = &[
        "Portugal",
        "Japan",
        "Ecuador",
        "Ghana",
        "Estonia",
        "Australia",
    ];
    let pick = |list: &[&str]| list[fastrand::usize(..list.len())].to_owned();
    let chars = |set: &[u8], n: usize| -> String {
        (0..n.min(4096))
            .map(|_| set[fastrand::usize(..set.len())] as char)
            .collect()
    };
    let count = || {
        args.first()
            .and_then(|a| a.parse::<usize>().ok())
            .unwrap_or(1)
    };
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    // (JetBrains: letters, digits and underscores.)
    const WORD: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
    const HEX: &[u8] = b"0123456789abcdef";
    Some(match name {
        "random.email" | "randomEmail" | "randomExampleEmail" => format!(
            "{}.{}{}@example.com",
            pick(FIRST).to_lowercase(),
            pick(LAST).to_lowercase(),
            fastrand::u16(..1000)
        ),
        "randomFirstName" => pick(FIRST),
        "randomLastName" => pick(LAST),
        "randomFullName" => format!("{} {}", pick(FIRST), pick(LAST)),
        "randomUserName" => format!("{}{}", pick(FIRST).to_lowercase(), fastrand::u16(..1000)),
        "randomPassword" => chars(ALNUM, 15),
        "randomWord" | "randomNoun" | "randomVerb" | "randomAdjective" => pick(WORDS),
        "randomWords" => (0..3).map(|_| pick(WORDS)).collect::<Vec<_>>().join(" "),
        "randomCity" => pick(CITIES),
        "randomCountry" => pick(COUNTRIES),
        "randomBoolean" | "random.bool" => fastrand::bool().to_string(),
        "randomAlphaNumeric" => chars(ALNUM, 1),
        "random.alphabetic" => chars(ALPHA, count()),
        "random.alphanumeric" => chars(WORD, count()),
        "random.hexadecimal" => chars(HEX, count()),
        "randomHexColor" => format!("#{}", chars(HEX, 6)),
        "randomIP" => format!("192.0.2.{}", fastrand::u8(1..255)),
        "randomUrl" => format!("https://example.com/{}", pick(WORDS)),
        "randomPhoneNumber" => format!(
            "555-01{:02}-{:04}",
            fastrand::u8(..100),
            fastrand::u16(..10_000)
        ),
        "random.integer" => {
            let lo = args
                .first()
                .and_then(|a| a.parse::<i64>().ok())
                .unwrap_or(0);
            let hi = args
                .get(1)
                .and_then(|a| a.parse::<i64>().ok())
                .unwrap_or(1000);
            if lo >= hi {
                return None;
            }
            fastrand::i64(lo..hi).to_string()
        }
        "random.float" => {
            let lo = args
                .first()
                .and_then(|a| a.parse::<f64>().ok())
                .unwrap_or(0.0);
            let hi = args
                .get(1)
                .and_then(|a| a.parse::<f64>().ok())
                .unwrap_or(1000.0);
            if lo >= hi || !lo.is_finite() || !hi.is_finite() {
                return None;
            }
            format!("{:.3}", lo + fastrand::f64() * (hi - lo))
        }
        _ => return None,
    })
}

/// A form body's line with the spaces around its `=` and `&` taken out.
fn form_line_tidied(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, piece) in line.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        let mut parts = piece.split('=');
        if let Some(first) = parts.next() {
            out.push_str(if i == 0 {
                first.trim_end()
            } else {
                first.trim()
            });
        }
        for p in parts {
            out.push('=');
            out.push_str(p.trim());
        }
    }
    out
}

/// Escapes what may not go raw in a URL as the `encodeurl` package does
/// (httpyac's form bodies): every byte but `!#$%&'()*+,-./0-9:;=?@A-Z[\]^_
/// a-z|~` as `%XX`, and a `%` that starts no `%XX` as `%25`.
fn url_escaped(text: &str) -> Vec<u8> {
    percent_encoded(
        text,
        |c| matches!(c, 0x21 | 0x23..=0x3B | 0x3D | 0x3F..=0x5F | 0x61..=0x7A | 0x7C | 0x7E),
        true,
    )
    .into_bytes()
}

/// `text` in words split at whitespace, a `'…'` or `"…"` one word (its
/// quotes taken off).
fn quoted_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let q = rest.chars().next().filter(|c| matches!(c, '"' | '\''));
        let (word, next) = match q.and_then(|q| rest[1..].find(q).map(|e| (q, e))) {
            Some((_, end)) => (&rest[1..=end], &rest[end + 2..]),
            None => rest.split_at(rest.find(char::is_whitespace).unwrap_or(rest.len())),
        };
        out.push(word.to_owned());
        rest = next.trim_start();
    }
    out
}

/// A random (version 4) UUID.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    for x in &mut b {
        *x = fastrand::u8(..);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::parse;

    /// Trust for tests: every read allowed under `/`.
    static OPEN: std::sync::LazyLock<crate::collection::trust::Trust> =
        std::sync::LazyLock::new(|| {
            crate::collection::trust::Trust::new(PathBuf::from("/"), true, [])
        });

    /// A world with no process environment, a fixed clock and the disk.
    struct Fixed;
    impl World for Fixed {
        fn now(&self) -> i64 {
            1_767_225_600
        }
        fn var(&self, _: &str) -> Option<String> {
            None
        }
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            std::fs::read(path)
        }
        fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
            System.canonical(path)
        }
        fn facts(&self, path: &Path) -> std::io::Result<crate::collection::trust::FileFacts> {
            System.facts(path)
        }
    }

    static NO_SCOPED: std::sync::LazyLock<Scoped> = std::sync::LazyLock::new(Scoped::default);
    static NO_GLOBALS: std::sync::LazyLock<HashMap<String, (String, String)>> =
        std::sync::LazyLock::new(HashMap::new);
    static NO_SETTERS: std::sync::LazyLock<HashMap<String, usize>> =
        std::sync::LazyLock::new(HashMap::new);

    fn ctx<'a>(
        file: &'a HttpFile,
        envs: &'a Environments,
        env: Option<&'a str>,
        cli: &'a [(String, String)],
        responses: &'a HashMap<String, Exchange>,
        _process: &'a dyn Fn(&str) -> Option<String>,
    ) -> Context<'a> {
        Context {
            file,
            envs,
            env,
            cli,
            secrets: &[],
            responses,
            globals: &NO_GLOBALS,
            scoped: &NO_SCOPED,
            request_vars: &[],
            setters: &NO_SETTERS,
            world: &Fixed,
            trust: &OPEN,
            dry: None,
        }
    }

    #[test]
    fn precedence_and_sources() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(
            dir.join("http-client.env.json"),
            r#"{"$shared": {"host": "https://shared.example", "v": "1"}, "dev": {"host": "https://dev.example", "user": "ann"}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("http-client.private.env.json"),
            r#"{"dev": {"token": "tok_private_FAKE"}, "$shared": {"v": "2"}}"#,
        )
        .unwrap();
        std::fs::write(dir.join(".env"), "PASS=\"dotenv_FAKE\"\n").unwrap();
        let path = dir.join("api.http");
        let file = parse(
            &path,
            "@base = {{host}}/v{{v}}\n\
             GET {{base}}/me?u={{user}}&id={{$uuid}}\n\
             Authorization: Basic {{user}} {{$dotenv PASS}}\n\
             X-Token: {{token}}\n",
        )
        .unwrap();
        let envs = Environments::load(&dir, &Fixed).unwrap();
        assert_eq!(envs.names(), ["dev"]);
        let responses = HashMap::new();
        let none = |_: &str| None;
        let r = resolve(
            &ctx(&file, &envs, Some("dev"), &[], &responses, &none),
            &file.requests[0],
        )
        .unwrap();
        let url = r.request.url.clone().unwrap();
        assert!(
            url.starts_with("https://dev.example/v2/me?u=ann&id="),
            "{url}"
        );
        assert_eq!(
            r.request.headers.get("authorization"),
            Some("Basic YW5uOmRvdGVudl9GQUtF")
        );
        assert_eq!(r.secrets, ["dotenv_FAKE", "tok_private_FAKE"]);
        // --var wins over everything.
        let cli = vec![("host".to_owned(), "http://127.0.0.1:9".to_owned())];
        let r = resolve(
            &ctx(&file, &envs, Some("dev"), &cli, &responses, &none),
            &file.requests[0],
        )
        .unwrap();
        assert!(r.request.url.unwrap().starts_with("http://127.0.0.1:9/v2/"));
        // Without an environment, `user` is unknown: the error says where it looked.
        let e = resolve(
            &ctx(&file, &envs, None, &[], &responses, &none),
            &file.requests[0],
        )
        .unwrap_err();
        let ResolveError::Error(e) = e else { panic!() };
        assert_eq!(e.line, 2);
        assert!(e.message.contains("{{user}} is not defined"), "{e}");
        assert!(
            e.message.contains("no --env chosen (environments: dev)"),
            "{e}"
        );
    }

    #[test]
    fn chaining_cycles_and_unclosed_braces() {
        let path = PathBuf::from("chain.http");
        let file = parse(
            &path,
            "# @name login\nPOST https://a.example/login\n\n###\n# @name me\nGET https://a.example/me\nAuthorization: Bearer {{login.response.body.$.token}}\nX-S: {{login.response.headers.X-Session}}\n\n###\nGET https://a.example/{{a}}\n\n###\nGET https://a.example/{{oops\n",
        )
        .unwrap();
        let envs = Environments::default();
        let none = |_: &str| None;
        let mut responses = HashMap::new();
        let e = resolve(
            &ctx(&file, &envs, None, &[], &responses, &none),
            &file.requests[1],
        )
        .unwrap_err();
        assert_eq!(e, ResolveError::Need("login".into()));
        let mut login = Exchange::default();
        login.response.body = br#"{"token":"abc.def","n":[1,2]}"#.to_vec().into();
        login.response.headers.push("X-Session", "s-1");
        responses.insert("login".to_owned(), login);
        let r = resolve(
            &ctx(&file, &envs, None, &[], &responses, &none),
            &file.requests[1],
        )
        .unwrap();
        assert_eq!(
            r.request.headers.get("authorization"),
            Some("Bearer abc.def")
        );
        assert_eq!(r.request.headers.get("x-s"), Some("s-1"));
        let cyc = parse(
            &path,
            "@a = {{b}}\n@b = {{a}}\nGET https://a.example/{{a}}\n",
        )
        .unwrap();
        let ResolveError::Error(e) = resolve(
            &ctx(&cyc, &envs, None, &[], &responses, &none),
            &cyc.requests[0],
        )
        .unwrap_err() else {
            panic!()
        };
        assert!(e.message.contains("cycle: a → b → a"), "{e}");
        let ResolveError::Error(e) = resolve(
            &ctx(&file, &envs, None, &[], &responses, &none),
            &file.requests[3],
        )
        .unwrap_err() else {
            panic!()
        };
        assert!(e.message.contains("not closed"), "{e}");
        assert_eq!(e.line, 14);
    }
}
