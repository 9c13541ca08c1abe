//! `.http` collections from the command line: `send FILE.http#NAME` and
//! `replay FILE.http`. The parsing and the variables are in
//! `apiscope_core::collection`; this module sends, and sends the requests
//! a request refers to (`{{login.response.body.$.token}}`) first.

use super::{Error, Result};
use crate::collection::vars::{self, Context, Environments, ResolveError, Resolved};
use crate::collection::{CollectionError, HttpFile};
use crate::decode::{self, Options, Profiles};
use crate::driver::{self, Engine, Received, Run};
use crate::http::drive::{self, Event};
use crate::model::Exchange;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// `api.http#login` → (`api.http`, `Some("login")`), when the word names a
/// `.http` / `.rest` file that exists.
pub fn target(word: &str) -> Option<(PathBuf, Option<String>)> {
    let (file, selector) = match word.rsplit_once('#') {
        Some((f, s)) if !s.is_empty() => (f, Some(s.to_owned())),
        _ => (word, None),
    };
    let lower = file.to_ascii_lowercase();
    if !(lower.ends_with(".http") || lower.ends_with(".rest")) {
        return None;
    }
    let path = PathBuf::from(file);
    path.is_file().then_some((path, selector))
}

/// A collection file, its environments and the choices of this run.
pub struct Session {
    /// The file.
    pub file: HttpFile,
    /// Its environment files.
    pub envs: Environments,
    /// `--env`.
    pub env: Option<String>,
    /// `--var`.
    pub vars: Vec<(String, String)>,
    /// The exchanges of this run, by request name.
    pub responses: HashMap<String, Exchange>,
    /// Every secret value used in this run.
    pub secrets: Vec<String>,
}

fn usage(e: CollectionError) -> Error {
    Error::Usage(crate::report::sanitize(&e.to_string(), false))
}

impl Session {
    /// Reads `path` and the environment files beside it; checks `--env`
    /// and `--var`.
    pub fn open(path: &Path, env: Option<&str>, vars: &[String]) -> Result<Session> {
        let file = HttpFile::read(path).map_err(usage)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let envs = Environments::load(&dir).map_err(usage)?;
        if let Some(e) = env {
            envs.check(e, path).map_err(usage)?;
        }
        let vars = vars
            .iter()
            .map(|v| {
                v.split_once('=')
                    .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
                    .filter(|(k, _)| !k.is_empty())
                    .ok_or_else(|| Error::Usage(format!("--var {v}: write NAME=VALUE")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Session {
            file,
            envs,
            env: env.map(str::to_owned),
            vars,
            responses: HashMap::new(),
            secrets: Vec::new(),
        })
    }

    /// The index of the request `selector` names; with none, the file's
    /// only request (a file of several is an error listing them).
    pub fn pick(&self, selector: Option<&str>) -> Result<usize> {
        match selector {
            Some(s) => {
                let r = self.file.find(s).map_err(usage)?;
                Ok(self
                    .file
                    .requests
                    .iter()
                    .position(|x| std::ptr::eq(x, r))
                    .unwrap_or(0))
            }
            None if self.file.requests.len() == 1 => Ok(0),
            None if self.file.requests.is_empty() => Err(Error::Usage(format!(
                "{}: no request in the file",
                self.file.path.display()
            ))),
            None => Err(Error::Usage(format!(
                "{} holds {} requests: pick one with FILE#NAME or FILE#N ({})",
                self.file.path.display(),
                self.file.requests.len(),
                self.file.names()
            ))),
        }
    }

    /// Resolves request `index`, or names the request it needs first.
    fn resolve(&self, index: usize) -> std::result::Result<Resolved, ResolveError> {
        let process = |name: &str| std::env::var(name).ok();
        let ctx = Context {
            file: &self.file,
            envs: &self.envs,
            env: self.env.as_deref(),
            cli: &self.vars,
            process_env: &process,
            responses: &self.responses,
            now: crate::time::unix_ms(std::time::SystemTime::now()) / 1000,
        };
        vars::resolve(&ctx, &self.file.requests[index])
    }

    /// Resolves request `index`, sending the requests it refers to first
    /// (once per run; each through `send`, and announced on stderr). A
    /// cycle is an error naming it.
    pub async fn prepare(&mut self, index: usize, net: &mut Net<'_>) -> Result<Resolved> {
        let mut stack: Vec<usize> = vec![index];
        loop {
            let top = *stack.last().unwrap_or(&index);
            match self.resolve(top) {
                Ok(r) if top == index => {
                    self.secrets.extend(r.secrets.iter().cloned());
                    return Ok(r);
                }
                Ok(r) => {
                    // A dependency: send it, keep its exchange, go back up.
                    self.secrets.extend(r.secrets.iter().cloned());
                    let name = self.file.requests[top].label();
                    for n in &r.notes {
                        eprintln!("apiscope: note: {}", crate::report::sanitize(n, false));
                    }
                    let exchange = net.send(&r).await?;
                    record(self, top, &exchange, net.profiles, net.options);
                    self.responses.insert(name, exchange);
                    stack.pop();
                }
                Err(ResolveError::Need(name)) => {
                    let dep = self
                        .file
                        .requests
                        .iter()
                        .position(|r| r.name.as_deref() == Some(name.as_str()))
                        .unwrap_or(0);
                    if stack.contains(&dep) {
                        let mut names: Vec<String> = stack
                            .iter()
                            .map(|i| self.file.requests[*i].label())
                            .collect();
                        names.push(name);
                        return Err(Error::Usage(format!(
                            "{}:{}: requests refer to each other's responses in a cycle: {}",
                            self.file.path.display(),
                            self.file.requests[top].line,
                            names.join(" → ")
                        )));
                    }
                    eprintln!(
                        "apiscope: sending '{}' first: '{}' uses its response",
                        crate::report::sanitize(&name, false),
                        crate::report::sanitize(&self.file.requests[top].label(), false)
                    );
                    stack.push(dep);
                }
                Err(ResolveError::Error(e)) => return Err(usage(e)),
            }
        }
    }

    /// An exchange as it may be written (history, sessions, reports): the
    /// secrets of this run redacted by value.
    pub fn redacted(&self, e: &Exchange) -> Exchange {
        let mut e = e.clone();
        crate::redact::values(&mut e, &self.secrets);
        e
    }
}

/// What sending needs: one client, one engine (so every request of a run
/// shares the budget), the profiles.
pub struct Net<'a> {
    /// The client.
    pub client: &'a crate::http::Client,
    /// The driver's engine.
    pub engine: Engine,
    /// The profiles.
    pub profiles: &'a Profiles,
    /// Decode options.
    pub options: &'a Options,
    /// `--max-wait`.
    pub max_wait: std::time::Duration,
}

impl Net<'_> {
    /// Sends one resolved request (see [`send_paced`]).
    pub async fn send(&mut self, resolved: &Resolved) -> Result<Exchange> {
        send_paced(
            self.client,
            &mut self.engine,
            self.profiles,
            self.options,
            resolved,
            self.max_wait,
        )
        .await
    }
}

/// Sends one resolved request through the driver (429s waited out, paced by
/// the engine's budget), printing its notes; returns the final exchange.
pub async fn send_paced(
    client: &crate::http::Client,
    engine: &mut Engine,
    profiles: &Profiles,
    options: &Options,
    resolved: &Resolved,
    max_wait: std::time::Duration,
) -> Result<Exchange> {
    let settings = driver::Settings {
        max_wait,
        ..driver::Settings::default()
    };
    let mut run = Run::retry(resolved.request.clone(), settings);
    let mut last: Option<Exchange> = None;
    let summary = drive::drive(client, engine, &mut run, profiles, options, |event| {
        if let Event::Response {
            exchange, received, ..
        } = event
            && !matches!(received, Received::Ignored)
        {
            last = Some(exchange.clone());
        }
    })
    .await;
    let exchange = last.ok_or_else(|| {
        Error::Usage(format!(
            "{}: {}",
            crate::redact::url(resolved.request.url.as_deref().unwrap_or("")),
            summary.stop.describe()
        ))
    })?;
    if let Some((path, overwrite)) = &resolved.output {
        write_output(path, *overwrite, &exchange.response.body)?;
    }
    Ok(exchange)
}

/// `>> file` (never over an existing file: `name-1.ext`…) or `>>! file`.
pub fn write_output(path: &Path, overwrite: bool, body: &[u8]) -> Result<()> {
    let mut target = path.to_path_buf();
    if !overwrite {
        let mut n = 0;
        while target.exists() && n < 1000 {
            n += 1;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            target = path.with_file_name(match path.extension() {
                Some(e) => format!("{stem}-{n}.{}", e.to_string_lossy()),
                None => format!("{stem}-{n}"),
            });
        }
    }
    crate::store::write_atomic(&target, body).map_err(Error::Output)?;
    eprintln!(
        "apiscope: response body written to {}",
        crate::report::sanitize(&target.display().to_string(), false)
    );
    Ok(())
}

/// Diagnoses an exchange of a collection run and keeps it in the history
/// with the run's secrets redacted by value.
/// The history keeps request `index`'s template line (`{{token}}`, not
/// its value; a credential written in the file masked), so a resend from
/// the TUI's history resolves it again.
pub fn record(
    session: &Session,
    index: usize,
    exchange: &Exchange,
    profiles: &Profiles,
    options: &Options,
) {
    if let Some(h) = super::open_history() {
        let safe = session.redacted(exchange);
        let d = decode::diagnose(&safe, profiles, options);
        let line = session
            .file
            .requests
            .get(index)
            .map(|r| crate::line::mask_line(&crate::tui::collection::template_line(r)));
        let _ = h.record(&safe, &d, "collection", line.as_deref());
    }
}
