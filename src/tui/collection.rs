//! `.http` collections in the TUI: what was opened, and each request as
//! an entry. What a collection owns — files, environments, the responses
//! of this session per environment, secrets — is the core's
//! [`CollectionRun`], rebuilt when a collection is opened; sending a
//! request (its dependencies first) follows its answers (`activity.rs`).

use super::entry::{Entry, Origin};
use crate::collection::run::{CollectionRun, RequestId, dir_of};
use crate::collection::trust::FileFacts;
use crate::collection::vars::{Environments, ResolveError, Resolved, Source};
use crate::collection::vars::{System, World};
use crate::collection::{CollectionError, HttpFile};
use apiscope_core::auth::oauth2::{Config, Token};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Tokens (or why not) that fetches delivered, by cache key.
pub type Delivered = HashMap<String, Result<Token, String>>;

/// The TUI's world: the system's clock, environment and disk, but OAuth
/// 2.0 tokens only as already here (this process's, the cache's while
/// fresh, or `delivered` by a fetch that ran off the UI thread). A token
/// that must be fetched is noted as `wanted`, for the caller to fetch
/// (`Cmd::Token`) and ask again with it: the UI never waits on a token
/// endpoint.
pub struct Held {
    delivered: Delivered,
    wanted: RefCell<Option<(Config, String)>>,
}

impl Held {
    /// With the tokens (or why not) fetches delivered, by cache key.
    pub fn new(delivered: Delivered) -> Held {
        Held {
            delivered,
            wanted: RefCell::new(None),
        }
    }

    /// What was delivered, and the token to fetch (its configuration and
    /// cache key), if one was wanted.
    pub fn into_parts(self) -> (Delivered, Option<(Config, String)>) {
        (self.delivered, self.wanted.into_inner())
    }
}

impl World for Held {
    fn now(&self) -> i64 {
        System.now()
    }
    fn now_ms(&self) -> i64 {
        System.now_ms()
    }
    fn var(&self, name: &str) -> Option<String> {
        System.var(name)
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        System.read(path)
    }
    fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
        System.canonical(path)
    }
    fn facts(&self, path: &Path) -> std::io::Result<FileFacts> {
        System.facts(path)
    }
    fn oauth2_token(&self, config: &Config, key: &str) -> Result<Token, String> {
        if let Some(r) = self.delivered.get(key) {
            return r.clone();
        }
        if let Some(t) = crate::oauth::held(config, key) {
            return Ok(t);
        }
        *self.wanted.borrow_mut() = Some((config.clone(), key.to_owned()));
        Err("no token yet (sending the request gets one)".into())
    }
}

/// The files beside a `.http` file that hold its environments.
pub const ENV_FILES: [&str; 3] = [
    "http-client.env.json",
    "http-client.private.env.json",
    ".env",
];

/// The collection of a TUI session.
#[derive(Debug)]
pub struct Collections {
    /// The files, their environments, this session's responses, and the
    /// trust model's rules for them.
    pub run: CollectionRun,
    /// What was opened (a file or a directory), for the title bar.
    pub root: Option<PathBuf>,
    /// `--yes`: the questions a send would ask are answered yes (never
    /// for an origin known only from a response).
    pub yes: bool,
}

impl Collections {
    /// Reads `path`: a `.http` / `.rest` file, or a directory (its
    /// `.http` / `.rest` files, and those of its subdirectories, sorted),
    /// untrusted. A file that cannot be read is an error naming it. With
    /// no `env`, the first environment the files define is chosen.
    pub fn open(path: &Path, env: Option<&str>) -> Result<Collections, CollectionError> {
        let root = if path.is_dir() {
            path.to_path_buf()
        } else {
            dir_of(path)
        };
        let root = std::fs::canonicalize(&root).map_err(|e| CollectionError {
            file: root.clone(),
            line: 0,
            message: format!("cannot be read: {e}"),
        })?;
        Collections::open_with(
            path,
            env,
            crate::collection::trust::Trust::new(root, false, []),
        )
    }

    /// [`Collections::open`] under the rules `trust` (the trust store's,
    /// `--trust`, `--allow-read`).
    pub fn open_with(
        path: &Path,
        env: Option<&str>,
        trust: crate::collection::trust::Trust,
    ) -> Result<Collections, CollectionError> {
        let paths = if path.is_dir() {
            crate::collection::walk::files(path, &crate::collection::walk::is_collection_file)
                .map_err(|message| CollectionError {
                    file: path.to_path_buf(),
                    line: 0,
                    message,
                })?
        } else {
            vec![path.to_path_buf()]
        };
        let mut files = Vec::with_capacity(paths.len());
        let mut envs = Vec::with_capacity(paths.len());
        for f in paths {
            files.push(HttpFile::read_lenient(&f)?);
            envs.push(Environments::load(&dir_of(&f), &System)?);
        }
        let mut run = CollectionRun::new(files, envs, trust);
        run.set_engine(
            Box::new(apiscope_script::QuickJs),
            crate::collection::script::Limits::default(),
        );
        run.read_scripts(&System);
        match env {
            Some(e) => run.set_env(Some(e)).map_err(|e| CollectionError {
                file: path.to_path_buf(),
                ..e
            })?,
            None => {
                let first = run.env_names().into_iter().next();
                run.set_env(first.as_deref())?;
            }
        }
        Ok(Collections {
            run,
            root: Some(path.to_path_buf()),
            yes: false,
        })
    }

    /// A collection of these files (read already), no environment
    /// chosen, untrusted under `root`.
    pub fn of(files: Vec<HttpFile>, envs: Vec<Environments>, root: PathBuf) -> Collections {
        let mut run = CollectionRun::new(
            files,
            envs,
            crate::collection::trust::Trust::new(root, false, []),
        );
        run.set_engine(
            Box::new(apiscope_script::QuickJs),
            crate::collection::script::Limits::default(),
        );
        Collections {
            run,
            root: None,
            yes: false,
        }
    }

    /// What trusting this collection would allow, for the question asked
    /// when an untrusted one is opened.
    pub fn trust_question(&self) -> Vec<String> {
        let root = self.run.trust().root().display().to_string();
        let scripted = self
            .run
            .ids()
            .filter(|&id| self.run.request(id).has_script())
            .count();
        let mut out = vec![
            format!("{root} is not trusted. Untrusted, its requests are sent when you pick them, but:"),
            "· `>> file` lines write nothing;".into(),
            "· `< file` reads only regular files inside it;".into(),
            "· secret values (private env, .env, the process environment) go only to origins you confirm, each asked once.".into(),
        ];
        if scripted > 0 {
            out.push(format!(
                "· its scripts do not run ({scripted} request(s) have a pre-request script, a response handler or `?? js`)."
            ));
            out.push(format!("Trusting it (apiscope trust {root}) lets its `>>` write inside it and runs its scripts, sandboxed (no files, network or processes); you are still asked before secrets go to a new origin."));
        } else {
            out.push(format!("Trusting it (apiscope trust {root}) lets its `>>` write inside it; you are still asked before secrets go to a new origin."));
        }
        out
    }

    /// The files.
    pub fn files(&self) -> &[HttpFile] {
        self.run.files()
    }

    /// The environment chosen.
    pub fn env(&self) -> Option<&str> {
        self.run.env()
    }

    /// The title bar's words: what was opened (a directory by its name,
    /// not `.`), how many requests in how many files.
    pub fn banner(&self) -> String {
        let n: usize = self.files().iter().map(|f| f.requests.len()).sum();
        let root = match &self.root {
            Some(p) if p.as_os_str() == "." || p.as_os_str().is_empty() => std::env::current_dir()
                .ok()
                .and_then(|d| d.file_name().map(|f| format!("{}/", f.to_string_lossy())))
                .unwrap_or_else(|| "./".into()),
            Some(p) => p.display().to_string(),
            None => self
                .files()
                .first()
                .map(|f| f.path.display().to_string())
                .unwrap_or_default(),
        };
        let broken: usize = self.files().iter().map(|f| f.problems.len()).sum();
        format!(
            "{root} · {n} request{} in {} file{}{}",
            if n == 1 { "" } else { "s" },
            self.files().len(),
            if self.files().len() == 1 { "" } else { "s" },
            if broken > 0 {
                format!(
                    " · {broken} block{} that do not parse",
                    if broken == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        )
    }

    /// Every secret value of the environments (private env files, `.env`)
    /// and every one this session's requests used.
    pub fn secret_values(&self) -> Vec<String> {
        self.run.secrets()
    }

    /// Every environment of every file, in the files' order.
    pub fn env_names(&self) -> Vec<String> {
        self.run.env_names()
    }

    /// `E`: the next environment (first → … → last → none → first).
    pub fn next_env(&mut self) -> Option<&str> {
        self.run.next_env()
    }

    /// One entry per request: labelled by its name (with the file's name
    /// when there are several files), its line the request as a template.
    pub fn entries(&self) -> Vec<Entry> {
        (0..self.files().len())
            .flat_map(|fi| self.entries_of(fi))
            .collect()
    }

    /// The entries of one file: its requests, then a row for each block
    /// that does not parse.
    pub fn entries_of(&self, fi: usize) -> Vec<Entry> {
        let several = self.files().len() > 1;
        let f = &self.files()[fi];
        // Grouped by file, and by directory under the one opened:
        // `users/admin › list`.
        let stem = {
            let rel = self
                .root
                .as_deref()
                .filter(|r| r.is_dir())
                .and_then(|r| f.path.strip_prefix(r).ok())
                .unwrap_or(&f.path);
            let rel = if self.root.as_deref().is_some_and(Path::is_dir) {
                rel.to_path_buf()
            } else {
                PathBuf::from(rel.file_name().unwrap_or_default())
            };
            rel.with_extension("").to_string_lossy().into_owned()
        };
        let prefix = |l: String| {
            if several {
                format!("{stem} › {l}")
            } else {
                l
            }
        };
        let mut out = Vec::with_capacity(f.requests.len() + f.problems.len());
        for (ri, r) in f.requests.iter().enumerate() {
            let mut e = Entry::new("", Some(&prefix(r.label())));
            e.line = r.template_line();
            e.origin = Origin::Collection {
                file: fi,
                index: ri,
            };
            out.push(e);
        }
        for p in &f.problems {
            let mut e = Entry::new(
                "",
                Some(&prefix(format!("⚠ line {}: does not parse", p.line))),
            );
            e.origin = Origin::Broken {
                file: fi,
                line: p.line,
                message: p.to_string(),
            };
            out.push(e);
        }
        out
    }

    /// The index of the file read from `path`.
    pub fn file_of(&self, path: &Path) -> Option<usize> {
        self.files().iter().position(|f| f.path == path)
    }

    /// Reads the environment files in `dir` again for every file there;
    /// how many files that concerns. A broken one is an error (the
    /// environments read before stay).
    pub fn reload_envs(&mut self, dir: &Path) -> Result<usize, CollectionError> {
        if !self.files().iter().any(|f| dir_of(&f.path) == dir) {
            return Ok(0);
        }
        let fresh = Environments::load(dir, &System)?;
        Ok(self.run.set_envs_of_dir(dir, &fresh))
    }

    /// Takes a file's new text (saved, or changed on disk).
    pub fn reload(&mut self, file: usize, text: &str) {
        self.run.reload(file, text);
    }

    /// Adds a file to the collection (read leniently; a missing file is
    /// an empty one), with the environments beside it.
    pub fn add_file(&mut self, path: &Path) -> Result<usize, CollectionError> {
        if let Some(i) = self.file_of(path) {
            return Ok(i);
        }
        let file = if path.exists() {
            HttpFile::read_lenient(path)?
        } else {
            crate::collection::parse_lenient(path, "")
        };
        let envs = Environments::load(&dir_of(path), &System)?;
        Ok(self.run.add_file(file, envs))
    }

    /// Resolves request `index` of `file` with this session's responses
    /// (in the environment chosen), sending nothing.
    pub fn resolve(&self, file: usize, index: usize) -> Result<Resolved, ResolveError> {
        self.run
            .resolve(RequestId { file, index }, &Held::new(HashMap::new()))
    }

    /// Substitutes the variables of a line that belongs to no request of
    /// `file` (a history entry's template): its `{{…}}` resolved with the
    /// file's variables and environments.
    pub fn substitute_line(
        &self,
        file: usize,
        text: &str,
    ) -> Result<(String, Vec<String>), String> {
        self.run
            .substitute(file, text, 0, &Held::new(HashMap::new()))
            .map_err(|e| match e {
                ResolveError::Need(dep) => {
                    format!("it uses the response of '{dep}': send '{dep}' first")
                }
                ResolveError::NeedRun { index, var } => {
                    let by = self.files()[file].requests.get(index).map(crate::collection::HttpRequest::label).unwrap_or_default();
                    format!("it uses {{{{{var}}}}}, which the response handler of '{by}' sets: send '{by}' first")
                }
                ResolveError::Error(e) => e.message,
            })
    }

    /// `V`: the variables of a request, each with its value (secrets
    /// masked) and where it came from; or why it does not resolve.
    pub fn variables(&self, file: usize, index: usize) -> Vec<String> {
        let r = &self.files()[file].requests[index];
        let mut out = vec![
            format!(
                "{} · line {} · environment: {}",
                self.files()[file].path.display(),
                r.line,
                self.env().unwrap_or("none (E chooses)")
            ),
            String::new(),
        ];
        match self.resolve(file, index) {
            Ok(res) => {
                let secrets = self.run.secrets();
                for (name, source) in &res.sources {
                    let value = value_of(&res, name);
                    let shown = if source.is_secret() || secrets.contains(&value) {
                        mask(&value)
                    } else {
                        value
                    };
                    out.push(format!(
                        "{{{{{name}}}}} = {shown}    ({})",
                        describe(source)
                    ));
                }
                if res.sources.is_empty() {
                    out.push("No variables.".into());
                }
                out.extend(res.notes.iter().map(|n| format!("Note: {n}")));
            }
            Err(ResolveError::Need(dep)) => out.push(format!(
                "Uses the response of '{dep}', which has none yet: Enter sends '{dep}' first."
            )),
            Err(ResolveError::NeedRun { index, var }) => {
                let by = self.files()[file]
                    .requests
                    .get(index)
                    .map(crate::collection::HttpRequest::label)
                    .unwrap_or_default();
                out.push(format!(
                    "Uses {{{{{var}}}}}, which the response handler of '{by}' sets: Enter sends '{by}' first."
                ));
            }
            Err(ResolveError::Error(e)) => out.push(format!("Does not resolve: {e}")),
        }
        out
    }
}

/// The value a variable took in a resolved request: found again by
/// resolving it alone would send nothing, so it is read back from the
/// sources' order (only for display).
fn value_of(res: &Resolved, name: &str) -> String {
    res.values
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn mask(v: &str) -> String {
    if v.len() <= 4 {
        "••••".into()
    } else {
        format!(
            "{}…••••",
            &v[..v.char_indices().nth(2).map_or(v.len(), |(i, _)| i)]
        )
    }
}

fn describe(s: &Source) -> String {
    match s {
        Source::CommandLine => "--var".into(),
        Source::File => "file variable".into(),
        Source::PrivateEnv(e) => format!("http-client.private.env.json [{e}]"),
        Source::PublicEnv(e) => format!("http-client.env.json [{e}]"),
        Source::Dotenv => ".env".into(),
        Source::ProcessEnv => "process environment".into(),
        Source::Dynamic => "dynamic".into(),
        Source::Request(r) => format!("the exchange of '{r}'"),
        Source::Secret => "--secret".into(),
        Source::OAuth2 { id, .. } => format!("OAuth2 '{id}'"),
        Source::Script(by) if by.starts_with("its ") => by.clone(),
        Source::Script(by) => format!("set by the script of '{by}'"),
    }
}

/// Why a collection file was not written.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteError {
    /// The file changed on disk since it was read: its text now.
    Changed(String),
    /// The write failed.
    Io(String),
}

/// Writes `text` over `path` atomically, if the file still holds `base`
/// (what the edit was made on); else nothing is written and the file's
/// text is returned. A file that does not exist holds "".
pub fn write_checked(path: &Path, base: &str, text: &str) -> Result<(), WriteError> {
    let now = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(WriteError::Io(format!("{}: {e}", path.display()))),
    };
    if now != base.as_bytes() {
        return Err(match String::from_utf8(now) {
            Ok(t) => WriteError::Changed(t),
            // Bytes that are not UTF-8 would be replaced: never written.
            Err(_) => WriteError::Io(format!(
                "{} is not UTF-8 text now; apiscope does not write it",
                path.display()
            )),
        });
    }
    crate::store::write_atomic(path, text.as_bytes()).map_err(|e| WriteError::Io(e.to_string()))
}
