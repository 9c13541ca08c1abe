//! `.http` collections in the TUI: the files opened, the environment
//! chosen (`E`), each request as an entry, and resolving a request's
//! variables when it is sent (the requests it refers to first).

use super::entry::{Entry, Origin};
use crate::collection::vars::{self, Context, Environments, ResolveError, Resolved, Source};
use crate::collection::{CollectionError, HttpFile};
use crate::model::Exchange;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The files beside a `.http` file that hold its environments.
pub const ENV_FILES: [&str; 3] = [
    "http-client.env.json",
    "http-client.private.env.json",
    ".env",
];

/// The collection files of a TUI session.
#[derive(Debug, Clone, Default)]
pub struct Collections {
    /// The files, in order.
    pub files: Vec<HttpFile>,
    /// Each file's environment files (those beside it).
    pub envs: Vec<Environments>,
    /// The environment chosen (`E` cycles), or none.
    pub env: Option<String>,
    /// What was opened (a file or a directory), for the title bar.
    pub root: Option<PathBuf>,
}

impl Collections {
    /// Reads `path`: a `.http` / `.rest` file, or a directory (its
    /// `.http` / `.rest` files, and those of its subdirectories, sorted).
    /// A file that does not parse is an error naming it and its line.
    pub fn open(path: &Path, env: Option<&str>) -> Result<Collections, CollectionError> {
        let files = if path.is_dir() {
            let mut found = Vec::new();
            find(path, 0, &mut found);
            found.sort();
            found
        } else {
            vec![path.to_path_buf()]
        };
        let mut out = Collections {
            root: Some(path.to_path_buf()),
            ..Collections::default()
        };
        for f in files {
            let file = HttpFile::read_lenient(&f)?;
            let dir = f
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            out.envs.push(Environments::load(&dir)?);
            out.files.push(file);
        }
        if let Some(e) = env {
            let known = out.env_names();
            if !known.iter().any(|k| k == e) {
                return Err(CollectionError {
                    file: path.to_path_buf(),
                    line: 0,
                    message: format!(
                        "no environment '{e}'; the environments are: {}",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                });
            }
            out.env = Some(e.to_owned());
        }
        Ok(out)
    }

    /// The title bar's words: what was opened (a directory by its name,
    /// not `.`), how many requests in how many files.
    pub fn banner(&self) -> String {
        let n: usize = self.files.iter().map(|f| f.requests.len()).sum();
        let root = match &self.root {
            Some(p) if p.as_os_str() == "." || p.as_os_str().is_empty() => std::env::current_dir()
                .ok()
                .and_then(|d| d.file_name().map(|f| format!("{}/", f.to_string_lossy())))
                .unwrap_or_else(|| "./".into()),
            Some(p) => p.display().to_string(),
            None => self
                .files
                .first()
                .map(|f| f.path.display().to_string())
                .unwrap_or_default(),
        };
        let broken: usize = self.files.iter().map(|f| f.problems.len()).sum();
        format!(
            "{root} · {n} request{} in {} file{}{}",
            if n == 1 { "" } else { "s" },
            self.files.len(),
            if self.files.len() == 1 { "" } else { "s" },
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

    /// Every secret value of the environments (private env files, `.env`).
    pub fn secret_values(&self) -> Vec<String> {
        self.envs
            .iter()
            .flat_map(Environments::secret_values)
            .collect()
    }

    /// Every environment of every file, sorted.
    pub fn env_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.envs.iter().flat_map(Environments::names).collect();
        names.sort();
        names.dedup();
        names
    }

    /// `E`: the next environment (none → first → … → none).
    pub fn next_env(&mut self) -> Option<&str> {
        let names = self.env_names();
        self.env = match &self.env {
            None => names.first().cloned(),
            Some(cur) => names
                .iter()
                .position(|n| n == cur)
                .and_then(|i| names.get(i + 1).cloned()),
        };
        self.env.as_deref()
    }

    /// One entry per request: labelled by its name (with the file's name
    /// when there are several files), its line the request as a template.
    pub fn entries(&self) -> Vec<Entry> {
        (0..self.files.len())
            .flat_map(|fi| self.entries_of(fi))
            .collect()
    }

    /// The entries of one file: its requests, then a row for each block
    /// that does not parse.
    pub fn entries_of(&self, fi: usize) -> Vec<Entry> {
        let several = self.files.len() > 1;
        let f = &self.files[fi];
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
            e.line = template_line(r);
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
        self.files.iter().position(|f| f.path == path)
    }

    /// Reads the environment files in `dir` again for every file there;
    /// how many files that concerns. A broken one is an error (the
    /// environments read before stay).
    pub fn reload_envs(&mut self, dir: &Path) -> Result<usize, CollectionError> {
        let mut n = 0;
        let mut fresh = None;
        for (i, f) in self.files.iter().enumerate() {
            let d = f
                .path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            if d == dir {
                if fresh.is_none() {
                    fresh = Some(Environments::load(dir)?);
                }
                if let Some(e) = &fresh {
                    self.envs[i] = e.clone();
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Takes a file's new text (saved, or changed on disk).
    pub fn reload(&mut self, file: usize, text: &str) {
        if let Some(f) = self.files.get_mut(file) {
            *f = crate::collection::parse_lenient(&f.path.clone(), text);
        }
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
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        self.envs.push(Environments::load(&dir)?);
        self.files.push(file);
        Ok(self.files.len() - 1)
    }

    fn context<'a>(
        &'a self,
        file: usize,
        responses: &'a HashMap<String, Exchange>,
        process: &'a dyn Fn(&str) -> Option<String>,
    ) -> Context<'a> {
        Context {
            file: &self.files[file],
            envs: &self.envs[file],
            env: self.env.as_deref(),
            cli: &[],
            process_env: process,
            responses,
            now: crate::time::unix_ms(std::time::SystemTime::now()) / 1000,
        }
    }

    /// Resolves request `index` of `file` with the responses this session
    /// has (by request name).
    pub fn resolve(
        &self,
        file: usize,
        index: usize,
        responses: &HashMap<String, Exchange>,
    ) -> Result<Resolved, ResolveError> {
        let process = |n: &str| std::env::var(n).ok();
        let ctx = self.context(file, responses, &process);
        vars::resolve(&ctx, &self.files[file].requests[index])
    }

    /// Substitutes the variables of an edited request line.
    pub fn substitute(
        &self,
        file: usize,
        index: usize,
        text: &str,
        responses: &HashMap<String, Exchange>,
    ) -> Result<(String, Vec<String>), ResolveError> {
        let process = |n: &str| std::env::var(n).ok();
        let ctx = self.context(file, responses, &process);
        vars::substitute(&ctx, text, self.files[file].requests[index].line)
    }

    /// Substitutes the variables of a line that belongs to no request of
    /// `file` (a history entry's template): its `{{…}}` resolved with the
    /// file's variables and environments.
    pub fn substitute_line(
        &self,
        file: usize,
        text: &str,
        responses: &HashMap<String, Exchange>,
    ) -> Result<(String, Vec<String>), String> {
        let process = |n: &str| std::env::var(n).ok();
        let ctx = self.context(file, responses, &process);
        vars::substitute(&ctx, text, 0).map_err(|e| match e {
            ResolveError::Need(dep) => {
                format!("it uses the response of '{dep}': send '{dep}' first")
            }
            ResolveError::Error(e) => e.message,
        })
    }

    /// The index of the request named `name` in `file`.
    pub fn named(&self, file: usize, name: &str) -> Option<usize> {
        self.files[file]
            .requests
            .iter()
            .position(|r| r.name.as_deref() == Some(name))
    }

    /// `V`: the variables of a request, each with its value (secrets
    /// masked) and where it came from; or why it does not resolve.
    pub fn variables(
        &self,
        file: usize,
        index: usize,
        responses: &HashMap<String, Exchange>,
    ) -> Vec<String> {
        let r = &self.files[file].requests[index];
        let mut out = vec![
            format!(
                "{} · line {} · environment: {}",
                self.files[file].path.display(),
                r.line,
                self.env.as_deref().unwrap_or("none (E chooses)")
            ),
            String::new(),
        ];
        match self.resolve(file, index, responses) {
            Ok(res) => {
                for (name, source) in &res.sources {
                    let value = value_of(&res, name);
                    let shown = if source.is_secret() {
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
    }
}

/// A request as a template request line (`METHOD URL 'Name:value'…
/// --raw=BODY`), for the list and the line editor: the body exactly as the
/// file has it (`b` shows it pretty), `{{…}}` as written. Built in one
/// string: a file of thousands of requests makes one per request when it
/// opens.
pub fn template_line(r: &crate::collection::HttpRequest) -> String {
    use crate::line::quote_into;
    let body = match &r.body {
        crate::collection::Body::Text(t) => t.as_str(),
        _ => "",
    };
    let mut line = String::with_capacity(r.url.len() + body.len() + 64 * (r.headers.len() + 1));
    quote_into(&mut line, &r.method);
    line.push(' ');
    quote_into(&mut line, &r.url);
    let mut word = String::new();
    for h in &r.headers {
        if h.name.eq_ignore_ascii_case("host") || h.name.eq_ignore_ascii_case("content-length") {
            continue; // the client sets them
        }
        word.clear();
        word.push_str(&h.name);
        // `Name:=x` would read back as a JSON field: a space keeps it a header.
        word.push_str(if h.value.starts_with('=') { ": " } else { ":" });
        word.push_str(&h.value);
        line.push(' ');
        quote_into(&mut line, &word);
    }
    if !body.is_empty() {
        word.clear();
        word.push_str("--raw=");
        word.push_str(body);
        line.push(' ');
        quote_into(&mut line, &word);
    }
    line
}

fn find(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if p.is_dir() {
            find(&p, depth + 1, out);
        } else if name.ends_with(".http") || name.ends_with(".rest") {
            out.push(p);
        }
    }
}

/// The responses a session has for a file's named requests.
pub fn responses(entries: &[Entry], files: &Collections, file: usize) -> HashMap<String, Exchange> {
    let mut out = HashMap::new();
    for e in entries {
        if let Origin::Collection { file: f, index } = e.origin
            && f == file
            && let Some(x) = &e.exchange
            && let Some(name) = &files.files[f].requests[index].name
        {
            out.insert(name.clone(), (**x).clone());
        }
    }
    out
}

/// The request `old` with the edited template line `line` read into it:
/// method, URL (with `key==value` items added to its query), headers and
/// body. `{{…}}` stay as written. A body that means the same as the old
/// one (the same JSON, the same text) keeps the old text, so an untouched
/// body is not rewritten; a line without body items keeps a `< file` body.
pub fn edited_request(
    old: &crate::collection::HttpRequest,
    line: &str,
) -> Result<crate::collection::HttpRequest, String> {
    use crate::collection::Body;
    use crate::items::{Sep, split};
    let words = crate::line::shell_words(line)?;
    let is_method = |w: &str| {
        let up = w.to_ascii_uppercase();
        words.len() > 1
            && ([
                "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
            ]
            .contains(&up.as_str())
                || (w.len() >= 3 && w.bytes().all(|b| b.is_ascii_uppercase())))
    };
    let mut it = words.iter();
    let first = it.next().ok_or("the request line is empty")?;
    let (method, mut url) = if is_method(first) {
        let url = it
            .next()
            .ok_or_else(|| format!("'{first}' is a method, and no URL follows it"))?;
        (Some(first.to_ascii_uppercase()), url.clone())
    } else {
        (None, first.clone())
    };
    let mut headers = Vec::new();
    let mut fields = serde_json::Map::new();
    // `key:={{n}}`: not JSON until resolved; kept as written.
    let mut raw_fields: Vec<(String, String)> = Vec::new();
    let mut body: Option<Body> = None;
    for w in it {
        if let Some(t) = w.strip_prefix("--raw=") {
            body = Some(Body::Text(t.to_owned()));
            continue;
        }
        if let Some(t) = w.strip_prefix("--bearer=") {
            headers.push(("Authorization".to_owned(), format!("Bearer {t}")));
            continue;
        }
        if w.starts_with("--") {
            return Err(format!(
                "'{w}' cannot be saved into a .http file: write it in the file (Ctrl-E)"
            ));
        }
        if let Some(p) = w.strip_prefix('@') {
            body = Some(Body::File {
                path: p.to_owned(),
                substitute: false,
            });
            continue;
        }
        match split(w) {
            Some((k, Sep::Header, v)) => headers.push((k.to_owned(), v.trim_start().to_owned())),
            Some((k, Sep::Query, v)) => {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&format!("{k}={v}"));
            }
            Some((k, Sep::Field, v)) => {
                fields.insert(k.to_owned(), serde_json::Value::String(v.to_owned()));
            }
            Some((k, Sep::RawJson, v)) => match serde_json::from_str(v) {
                Ok(j) => {
                    fields.insert(k.to_owned(), j);
                }
                Err(_) if v.contains("{{") => raw_fields.push((k.to_owned(), v.to_owned())),
                Err(e) => return Err(format!("item '{w}': the value after := is not JSON ({e})")),
            },
            Some((_, Sep::File, _)) => {
                return Err(format!(
                    "'{w}' (a form file part) cannot be saved into a .http file: write it in the file (Ctrl-E)"
                ));
            }
            None => {
                return Err(format!(
                    "item '{w}' is not Name:value, key==value, key=value, key:=json or @file"
                ));
            }
        }
    }
    let has_fields = !fields.is_empty() || !raw_fields.is_empty();
    if has_fields && body.is_some() {
        return Err("a body from --raw or @file cannot be combined with fields".into());
    }
    let same_json = |t: &str| {
        raw_fields.is_empty()
            && serde_json::from_str::<serde_json::Value>(t).ok()
                == Some(serde_json::Value::Object(fields.clone()))
    };
    let mut json_added = false;
    let body = match (&old.body, body) {
        (Body::Text(t), _) if has_fields && same_json(t) => old.body.clone(),
        (_, None) if has_fields => {
            json_added = true;
            let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(fields))
                .unwrap_or_default();
            for (k, v) in raw_fields {
                let entry = format!("  {}: {v}", serde_json::Value::String(k));
                text = match text.strip_suffix('}') {
                    Some(head) if head.trim_end() == "{" => format!("{{\n{entry}\n}}"),
                    Some(head) => format!("{},\n{entry}\n}}", head.trim_end()),
                    None => text,
                };
            }
            Body::Text(text)
        }
        (Body::Text(t), Some(Body::Text(n)))
            if t.replace("\r\n", "\n") == n.replace("\r\n", "\n") =>
        {
            old.body.clone()
        }
        (Body::File { .. }, None) => old.body.clone(),
        (_, Some(b)) => b,
        (_, None) => Body::None,
    };
    let mut new = old.clone();
    new.method = method.unwrap_or_else(|| {
        if matches!(body, Body::None) {
            "GET"
        } else {
            "POST"
        }
        .to_owned()
    });
    new.url = url;
    new.body = body;
    // `Host` and `Content-Length` are not on the line (the client sets
    // them): the file's stay where they were.
    for (i, h) in old.headers.iter().enumerate() {
        if h.name.eq_ignore_ascii_case("host") || h.name.eq_ignore_ascii_case("content-length") {
            headers.insert(i.min(headers.len()), (h.name.clone(), h.value.clone()));
        }
    }
    if json_added
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    new.headers = headers
        .into_iter()
        .map(|(name, value)| crate::collection::Header {
            name,
            value,
            line: 0,
        })
        .collect();
    Ok(new)
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
    crate::store::write_atomic(path, text.as_bytes()).map_err(WriteError::Io)
}
