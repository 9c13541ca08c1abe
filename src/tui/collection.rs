//! `.http` collections in the TUI: the files opened, the environment
//! chosen (`E`), each request as an entry, and resolving a request's
//! variables when it is sent (the requests it refers to first).

use super::entry::{Entry, Origin};
use crate::collection::vars::{self, Context, Environments, ResolveError, Resolved, Source};
use crate::collection::{CollectionError, HttpFile};
use crate::model::{Exchange, Headers, Request};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The collection files of a TUI session.
#[derive(Debug, Clone, Default)]
pub struct Collections {
    /// The files, in order.
    pub files: Vec<HttpFile>,
    /// Each file's environment files (those beside it).
    pub envs: Vec<Environments>,
    /// The environment chosen (`E` cycles), or none.
    pub env: Option<String>,
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
        let mut out = Collections::default();
        for f in files {
            let file = HttpFile::read(&f)?;
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
        let several = self.files.len() > 1;
        let mut out = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            let stem = f
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            for (ri, r) in f.requests.iter().enumerate() {
                let label = if several {
                    format!("{stem} › {}", r.label())
                } else {
                    r.label()
                };
                let mut e = Entry::new(&template_line(r), Some(&label));
                e.origin = Origin::Collection {
                    file: fi,
                    index: ri,
                };
                out.push(e);
            }
        }
        out
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

/// A request as a template request line (`METHOD URL 'Name:value'…`),
/// for the list and the line editor.
fn template_line(r: &crate::collection::HttpRequest) -> String {
    let mut headers = Headers::new();
    for h in &r.headers {
        headers.push(h.name.clone(), h.value.clone());
    }
    let body = match &r.body {
        crate::collection::Body::Text(t) => t.clone().into_bytes(),
        _ => Vec::new(),
    };
    let req = Request {
        method: r.method.clone(),
        url: Some(r.url.clone()),
        headers,
        body: body.into(),
    };
    crate::items::to_words(&req)
        .iter()
        .map(|w| crate::line::quote(w))
        .collect::<Vec<_>>()
        .join(" ")
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
            out.insert(name.clone(), x.clone());
        }
    }
    out
}
