//! A collection run: the one engine behind `send FILE.http#NAME`, `replay
//! FILE.http`, and Enter on a collection's request in the TUI.
//!
//! It owns what a run of a collection knows — the files, their
//! environments, the environment chosen, the `--var`s, the responses of
//! this run **per environment**, and every secret value used — and decides
//! what to send: asked for a request, [`CollectionRun::next`] answers with a
//! request it depends on (send it first), the request resolved, a cycle or
//! an error; each response comes back through
//! [`CollectionRun::received`]. It does no IO: the clock, the process
//! environment and file reads come in through a [`World`], so both front
//! ends — which only carry its answers out, through `driver::Run` — and the
//! tests see the same decisions.
//!
//! ```text
//! let mut plan = run.plan(goal);
//! loop {
//!     match run.next(&mut plan, &world) {
//!         Next::Send { ticket, resolved, .. } => { let ex = send(resolved); run.received(&ticket, ex, world); }
//!         Next::Ready { ticket, resolved }    => { send it; run.received(&ticket, ex, world); break }
//!         Next::Failed(e)                     => { say e; break }
//!     }
//! }
//! ```
//!
//! Pre-request scripts and response handlers run through a
//! [`ScriptEngine`] (set by the front end) in trusted collections only;
//! what they did comes out of [`CollectionRun::take_reports`].

use super::script::{
    self, GlobalChange, Limits, Phase, ScriptEngine, ScriptJob, ScriptOutcome, ScriptReport,
    ScriptRequest, ScriptResponse,
};
use super::vars::{self, Context, Environments, ResolveError, Resolved, World};
use super::{CollectionError, HttpFile, HttpRequest, Script, ScriptCode};
use crate::model::Exchange;
use std::collections::HashMap;
use std::path::Path;

/// A request of the run: its file and its index there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId {
    /// Index of the file in [`CollectionRun::files`].
    pub file: usize,
    /// Index of the request in the file.
    pub index: usize,
}

/// Which response a sent request's answer belongs to: the request, and
/// the environment it was resolved in (a switch of environment while it
/// is on the wire does not file it under the new one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// The request.
    pub id: RequestId,
    /// The environment it was resolved in.
    pub env: Option<String>,
    /// The origin it went to, when it carried secret-source values (what
    /// is chained from its answer is a secret source that may go back
    /// there).
    pub carried: Option<String>,
}

/// What a request's pre-request script left for its resolution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct PreRan {
    /// `request.variables.set`.
    vars: Vec<(String, String)>,
    /// Its changes to the request.
    edits: Vec<super::script::RequestEdit>,
}

/// The way to one request: the requests it needs first, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    goal: RequestId,
    /// A request line typed over the goal's (the TUI's editor): resolved
    /// in the goal's context instead of the goal's template.
    line: Option<String>,
    stack: Vec<RequestId>,
    /// The dependency sent last, whose answer is awaited.
    awaiting: Option<RequestId>,
    /// The dependencies sent for this plan, in order.
    sent: Vec<RequestId>,
    /// Whether the requests it sends first were picked by the user too
    /// (a `replay --live` run): then their `>>` may write.
    deps_picked: bool,
    /// Whether the whole plan was checked against the trust model.
    checked: bool,
    /// The `request.variables` each request's pre-request script set (it
    /// ran for this plan).
    pre_run: Vec<(RequestId, PreRan)>,
}

impl Plan {
    /// The request the plan leads to.
    pub fn goal(&self) -> RequestId {
        self.goal
    }

    /// The dependencies sent for it so far.
    pub fn sent(&self) -> &[RequestId] {
        &self.sent
    }
}

/// What to do next for a [`Plan`].
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Send this request first: the goal uses its response. Give the
    /// answer back with [`CollectionRun::received`], then ask again.
    Send {
        /// Whose answer it will be.
        ticket: Ticket,
        /// The request, resolved.
        resolved: Box<Resolved>,
        /// The request that uses its response.
        for_: RequestId,
    },
    /// The goal, resolved: send it (and give its answer back).
    Ready {
        /// Whose answer it will be.
        ticket: Ticket,
        /// The request, resolved.
        resolved: Box<Resolved>,
    },
    /// Ask the user first: secret-source values to origins not confirmed
    /// yet, or an automatic dependency to a loopback or private address.
    /// A yes goes back with [`CollectionRun::confirm`], then ask again; a
    /// no ends the plan.
    Confirm(Confirmation),
    /// The goal cannot be sent.
    Failed(PlanError),
}

/// A request a plan will send, as the trust model sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The request.
    pub id: RequestId,
    /// Its name.
    pub label: String,
    /// Its method.
    pub method: String,
    /// Where it goes; `None` when that is known only once a response
    /// arrives (the URL comes from one).
    pub origin: Option<String>,
    /// The secret sources whose values it carries (`http-client.private.
    /// env.json`, `.env`, `the process environment`, `--secret`, `the
    /// response of 'login'`).
    pub secrets: Vec<String>,
    /// Whether it is sent only because another request uses its response.
    pub automatic: bool,
    /// Whether it needs a yes: secrets to an origin not confirmed, or an
    /// automatic send to a loopback or private address not confirmed.
    pub ask: bool,
}

/// What the user is asked before a plan sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// Every request about to go, in order (dependencies first).
    pub sends: Vec<Planned>,
    /// Whether an origin of it is known only at run time (from a response):
    /// only an interactive yes confirms it, never `--yes`.
    pub runtime: bool,
}

impl Confirmation {
    /// The origins a yes confirms for secret-source values.
    pub fn origins(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sends
            .iter()
            .filter(|p| p.ask && !p.secrets.is_empty())
            .filter_map(|p| p.origin.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The loopback or private origins a yes confirms for automatic sends.
    pub fn locals(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sends
            .iter()
            .filter(|p| p.ask && p.automatic)
            .filter_map(|p| p.origin.clone())
            .filter(|o| super::trust::is_local(o))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The question, line by line: each request with its method, origin
    /// and the secret sources it carries.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.sends {
            let origin = p
                .origin
                .clone()
                .unwrap_or_else(|| "an origin known only from a response".into());
            let mut line = format!("{} {} → {origin}", p.method, p.label);
            if p.label.starts_with("OAuth2 token") {
                line.push_str(" (asked first: a request uses the token)");
            } else if p.automatic {
                line.push_str(" (sent first: another request uses its response)");
            }
            if !p.secrets.is_empty() {
                line.push_str(&format!(" · carries {}", p.secrets.join(", ")));
            }
            if p.ask {
                line.push_str(
                    if p.automatic && p.origin.as_deref().is_some_and(super::trust::is_local) {
                        " · a local address"
                    } else {
                        " · not confirmed yet"
                    },
                );
            }
            out.push(line);
        }
        out
    }
}

/// Why a plan stopped.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A request does not resolve (an undefined variable, a bad URL…).
    #[error("{0}")]
    Resolve(CollectionError),
    /// Requests refer to each other's responses in a cycle.
    #[error("{}:{line}: requests refer to each other's responses in a cycle: {}", file.display(), path.join(" → "))]
    Cycle {
        /// The file.
        file: std::path::PathBuf,
        /// The line of the request that closes it.
        line: usize,
        /// The names, from the goal back to itself.
        path: Vec<String>,
    },
    /// A dependency sent for the goal got no answer (the front end
    /// stopped, or the request failed).
    #[error("'{name}' got no answer{why}, so '{goal}' was not sent")]
    NoAnswer {
        /// The dependency.
        name: String,
        /// The goal.
        goal: String,
        /// Why, when known (` (connection refused)`), else empty.
        why: String,
    },
    /// A dependency answered with an error, and the goal does not resolve
    /// against that answer.
    #[error("'{goal}' uses the response of '{name}', which answered {status}: {why}")]
    DependencyFailed {
        /// The dependency.
        name: String,
        /// Its status.
        status: u16,
        /// The goal.
        goal: String,
        /// Why the goal does not resolve.
        why: String,
    },
    /// A request the goal refers to does not resolve.
    #[error("'{goal}' uses the response of '{name}', which cannot be sent: {why}")]
    DependencyUnresolved {
        /// The dependency.
        name: String,
        /// The goal.
        goal: String,
        /// Why the dependency does not resolve.
        why: String,
    },
    /// A request uses a variable that another request's response handler
    /// sets, and that handler ran without setting it.
    #[error(
        "'{goal}' uses {{{{{var}}}}}, which the response handler of '{name}' sets; '{name}' was sent{status} and its handler did not set it"
    )]
    NotSet {
        /// The request whose handler sets it.
        name: String,
        /// Its status (` (401)`), when it answered.
        status: String,
        /// The variable.
        var: String,
        /// The goal.
        goal: String,
    },
}

/// Chains deeper than this are refused (each link is a request sent).
pub const MAX_DEPTH: usize = 32;

/// The largest script file read (`> ./handler.js`).
pub const MAX_SCRIPT: usize = 1 << 20;

/// The responses of one environment: per file, by request name.
type Answers = HashMap<usize, HashMap<String, Exchange>>;

/// A persisted cookie jar as the trust model sees it: its name, and
/// whether it held cookies for a URL when the run began.
pub type CookieJarSource = (String, Box<dyn Fn(&str) -> bool + Send + Sync>);

/// One run of a collection.
pub struct CollectionRun {
    files: Vec<HttpFile>,
    envs: Vec<Environments>,
    env: Option<String>,
    cli: Vec<(String, String)>,
    /// By environment (`None`: none chosen).
    responses: HashMap<Option<String>, Answers>,
    /// Requests whose last send got no response: why (the client's words).
    failures: HashMap<(Option<String>, RequestId), String>,
    /// Requests whose response handler threw on their last answer: sending one again as a dependency would not set
    /// what it failed to set.
    handler_failed: std::collections::HashSet<(Option<String>, RequestId)>,
    /// Requests whose answer came from a send that carried secret-source
    /// values: the origin it went to (values chained from it are secret
    /// sources that may go back there).
    carried: HashMap<(Option<String>, RequestId), String>,
    secrets: Vec<String>,
    trust: super::trust::Trust,
    /// Runs scripts (none: scripts are not run, and say so).
    engine: Option<Box<dyn ScriptEngine>>,
    /// A jar kept from earlier runs (`--cookie-jar NAME`): its name, and
    /// whether it held cookies for a URL when the run began. Its cookies
    /// are the user's, a secret source: sent only where confirmed.
    cookie_jar: Option<CookieJarSource>,
    limits: Limits,
    /// Variables set by scripts, by environment: name → (value, the
    /// label of the request whose script set it).
    globals: HashMap<Option<String>, HashMap<String, (String, String)>>,
    /// Postman's lower scopes set by scripts, by environment.
    scoped: HashMap<Option<String>, vars::Scoped>,
    /// The origin of the request whose script set a variable (the one
    /// credential rule: it may go back there unasked).
    global_origins: HashMap<(Option<String>, String), String>,
    /// Per file: the variables its response handlers set → the index of
    /// the request (inline ones at once, files by [`Self::read_scripts`]).
    setters: Vec<HashMap<String, usize>>,
    /// Per file: whether its handler files were read for `setters`.
    scripts_read: Vec<bool>,
    /// What scripts did, not yet taken by the front end.
    reports: Vec<ScriptReport>,
    /// The status of each request's last answer, by environment (named
    /// or not).
    statuses: HashMap<(Option<String>, RequestId), u16>,
    /// The origin each request's last send went to, by environment.
    last_origin: HashMap<(Option<String>, RequestId), String>,
    /// `--secret NAME=VALUE`s.
    cli_secrets: Vec<(String, String)>,
}

impl std::fmt::Debug for CollectionRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectionRun")
            .field("files", &self.files.len())
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

static NO_ANSWERS: std::sync::LazyLock<HashMap<String, Exchange>> =
    std::sync::LazyLock::new(HashMap::new);
static NO_SCOPED: std::sync::LazyLock<vars::Scoped> =
    std::sync::LazyLock::new(vars::Scoped::default);

static NO_GLOBALS: std::sync::LazyLock<HashMap<String, (String, String)>> =
    std::sync::LazyLock::new(HashMap::new);
static NO_SETTERS: std::sync::LazyLock<HashMap<String, usize>> =
    std::sync::LazyLock::new(HashMap::new);

/// The global variables each inline script of `file` sets (a response
/// handler's, or a pre-request script's `client.global.set`).
fn setters_of(file: &HttpFile) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for (i, r) in file.requests.iter().enumerate() {
        for s in [&r.pre, &r.handler] {
            if let Some(Script {
                code: ScriptCode::Inline(code),
                ..
            }) = s
            {
                for name in script::sets(code) {
                    out.entry(name).or_insert(i);
                }
            }
        }
    }
    out
}

impl CollectionRun {
    /// A run of these files, each with the environments beside it, under
    /// the rules of `trust`.
    pub fn new(
        files: Vec<HttpFile>,
        envs: Vec<Environments>,
        trust: super::trust::Trust,
    ) -> CollectionRun {
        debug_assert_eq!(files.len(), envs.len());
        let setters = files.iter().map(setters_of).collect();
        let scripts_read = vec![false; files.len()];
        CollectionRun {
            files,
            envs,
            env: None,
            cli: Vec::new(),
            responses: HashMap::new(),
            failures: HashMap::new(),
            handler_failed: std::collections::HashSet::new(),
            carried: HashMap::new(),
            secrets: Vec::new(),
            setters,
            scripts_read,
            engine: None,
            cookie_jar: None,
            limits: Limits::default(),
            globals: HashMap::new(),
            scoped: HashMap::new(),
            global_origins: HashMap::new(),
            reports: Vec::new(),
            statuses: HashMap::new(),
            last_origin: HashMap::new(),
            trust,
            cli_secrets: Vec::new(),
        }
    }

    /// Reads one `.http` file and the environment files beside it; the
    /// collection directory is the file's (untrusted until `trust` says).
    pub fn open_file(path: &Path, world: &dyn World) -> Result<CollectionRun, CollectionError> {
        let file = HttpFile::read(path)?;
        let dir = dir_of(path);
        let envs = Environments::load(&dir, world)?;
        let root = world.canonical(&dir).map_err(|e| CollectionError {
            file: dir.clone(),
            line: 0,
            message: format!("cannot be read: {e}"),
        })?;
        Ok(CollectionRun::new(
            vec![file],
            vec![envs],
            super::trust::Trust::new(root, false, []),
        ))
    }

    /// The trust model's rules for this run.
    pub fn trust(&self) -> &super::trust::Trust {
        &self.trust
    }

    /// Changes the rules (`--trust`, `--allow-read`, a trust store).
    pub fn trust_mut(&mut self) -> &mut super::trust::Trust {
        &mut self.trust
    }

    /// The user's yes to `c`: its origins and local addresses confirmed.
    pub fn confirm(&mut self, c: &Confirmation) {
        self.trust.confirm(c.origins(), c.locals());
    }

    /// `--secret NAME=VALUE`: variables (they win over everything, as
    /// `--var` does) whose values are secrets.
    pub fn set_secrets(&mut self, secrets: Vec<(String, String)>) {
        self.cli_secrets = secrets;
    }

    /// The `--var NAME=VALUE`s (they win over everything).
    pub fn set_vars(&mut self, vars: Vec<(String, String)>) {
        self.cli = vars;
    }

    /// The persisted cookie jar the run's requests go with (see
    /// [`CookieJarSource`]).
    pub fn set_cookie_jar(&mut self, jar: CookieJarSource) {
        self.cookie_jar = Some(jar);
    }

    /// The engine that runs this run's scripts, and its caps. Scripts run
    /// only while the collection is trusted.
    pub fn set_engine(&mut self, engine: Box<dyn ScriptEngine>, limits: Limits) {
        self.engine = Some(engine);
        self.limits = limits;
    }

    /// Whether a request of the run has a script.
    pub fn has_scripts(&self) -> bool {
        self.files
            .iter()
            .flat_map(|f| &f.requests)
            .any(HttpRequest::has_script)
    }

    /// What scripts did since the last call (logs, tests, errors), in
    /// order.
    pub fn take_reports(&mut self) -> Vec<ScriptReport> {
        std::mem::take(&mut self.reports)
    }

    /// The variables scripts set in the chosen environment: (name, value,
    /// the label of the request whose script set it), by name.
    pub fn globals(&self) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = self
            .globals
            .get(&self.env)
            .map(|g| {
                g.iter()
                    .map(|(k, (v, by))| (k.clone(), v.clone(), by.clone()))
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }

    /// The files.
    pub fn files(&self) -> &[HttpFile] {
        &self.files
    }

    /// A file's environments.
    pub fn envs(&self, file: usize) -> &Environments {
        &self.envs[file]
    }

    /// A request.
    pub fn request(&self, id: RequestId) -> &HttpRequest {
        &self.files[id.file].requests[id.index]
    }

    /// Every request, in order.
    pub fn ids(&self) -> impl Iterator<Item = RequestId> + '_ {
        self.files
            .iter()
            .enumerate()
            .flat_map(|(file, f)| (0..f.requests.len()).map(move |index| RequestId { file, index }))
    }

    /// The environment chosen.
    pub fn env(&self) -> Option<&str> {
        self.env.as_deref()
    }

    /// Every environment of every file, in the files' order.
    pub fn env_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in self.envs.iter().flat_map(Environments::names) {
            if !out.contains(&n) {
                out.push(n);
            }
        }
        out
    }

    /// Chooses the environment (`None`: none). An unknown one is an error
    /// listing those there are. Responses of another environment are
    /// never used in this one.
    pub fn set_env(&mut self, env: Option<&str>) -> Result<(), CollectionError> {
        if let Some(e) = env {
            let names = self.env_names();
            if !names.iter().any(|n| n == e) {
                let file = self
                    .files
                    .first()
                    .map(|f| f.path.clone())
                    .unwrap_or_default();
                return Err(CollectionError {
                    file,
                    line: 0,
                    message: if names.is_empty() {
                        format!(
                            "no environment '{e}': there is no http-client.env.json or http-client.private.env.json beside the file"
                        )
                    } else {
                        format!(
                            "no environment '{e}'; the environments are: {}",
                            names.join(", ")
                        )
                    },
                });
            }
        }
        self.env = env.map(str::to_owned);
        Ok(())
    }

    /// The next environment (none → first → … → last → none).
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

    /// The request `selector` names in `file` (`NAME`, its title, or `N`).
    pub fn find(&self, file: usize, selector: &str) -> Result<RequestId, CollectionError> {
        let f = &self.files[file];
        let r = f.find(selector)?;
        let index = f
            .requests
            .iter()
            .position(|x| std::ptr::eq(x, r))
            .unwrap_or(0);
        Ok(RequestId { file, index })
    }

    /// The request named `name` in `file`.
    pub fn named(&self, file: usize, name: &str) -> Option<RequestId> {
        self.files[file]
            .requests
            .iter()
            .position(|r| r.name.as_deref() == Some(name))
            .map(|index| RequestId { file, index })
    }

    fn answers(&self, env: Option<&String>, file: usize) -> &HashMap<String, Exchange> {
        self.responses
            .get(&env.cloned())
            .and_then(|a| a.get(&file))
            .unwrap_or(&NO_ANSWERS)
    }

    /// This run's response to `id` in the chosen environment.
    pub fn response(&self, id: RequestId) -> Option<&Exchange> {
        let name = self.request(id).name.as_ref()?;
        self.answers(self.env.as_ref(), id.file).get(name)
    }

    fn context<'a>(
        &'a self,
        file: usize,
        world: &'a dyn World,
        dry: Option<&'a str>,
    ) -> Context<'a> {
        Context {
            file: &self.files[file],
            envs: &self.envs[file],
            env: self.env.as_deref(),
            cli: &self.cli,
            secrets: &self.cli_secrets,
            responses: self.answers(self.env.as_ref(), file),
            globals: self.globals.get(&self.env).unwrap_or(&NO_GLOBALS),
            scoped: self.scoped.get(&self.env).unwrap_or(&NO_SCOPED),
            request_vars: &[],
            setters: self.setters.get(file).unwrap_or(&NO_SETTERS),
            world,
            trust: &self.trust,
            dry,
        }
    }

    /// Resolves a request with the responses this run has, sending
    /// nothing (the variables view, copy): a request it refers to that
    /// has no response yet is [`ResolveError::Need`].
    pub fn resolve(&self, id: RequestId, world: &dyn World) -> Result<Resolved, ResolveError> {
        vars::resolve(&self.context(id.file, world, None), self.request(id))
    }

    /// Substitutes the variables of any text (a request line typed in the
    /// TUI, a history entry's template) in `file`'s context: the text and
    /// the secrets it used.
    pub fn substitute(
        &self,
        file: usize,
        text: &str,
        line: usize,
        world: &dyn World,
    ) -> Result<(String, Vec<String>), ResolveError> {
        vars::substitute(&self.context(file, world, None), text, line)
    }

    /// Every request resolved before anything is sent — a request another
    /// refers to stands in for its response — or why it cannot be: its own
    /// error, or a request it refers to that cannot be sent.
    pub fn preview(
        &self,
        world: &dyn World,
    ) -> Vec<(RequestId, Result<Resolved, CollectionError>)> {
        let mut out: Vec<(RequestId, Result<Resolved, CollectionError>)> = self
            .ids()
            .map(|id| {
                let r = vars::resolve(&self.context(id.file, world, Some("0")), self.request(id));
                let r = r.map_err(|e| match e {
                    ResolveError::Error(e) => e,
                    // (Dry resolution never asks for a response.)
                    ResolveError::Need(name) => {
                        self.error_at(id, format!("uses the response of '{name}'"))
                    }
                    ResolveError::NeedRun { index, var } => self.error_at(
                        id,
                        format!(
                            "uses {{{{{var}}}}}, set by the response handler of '{}'",
                            self.files[id.file].requests[index].label()
                        ),
                    ),
                });
                (id, r)
            })
            .collect();
        // A request that refers to one that cannot be sent cannot be
        // either (to any depth: one pass per level, bounded).
        for _ in 0..=MAX_DEPTH {
            let broken: Vec<(usize, String)> = out
                .iter()
                .filter(|(_, r)| r.is_err())
                .filter_map(|(id, _)| Some((id.file, self.request(*id).name.clone()?)))
                .collect();
            let mut changed = false;
            for (id, r) in &mut out {
                let Ok(resolved) = r else { continue };
                let dep = resolved.sources.iter().find_map(|(_, s)| match s {
                    vars::Source::Request(n) if broken.contains(&(id.file, n.clone())) => {
                        Some(n.clone())
                    }
                    _ => None,
                });
                if let Some(n) = dep {
                    *r = Err(self.error_at(
                        *id,
                        format!("uses the response of '{n}', which cannot be sent"),
                    ));
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        out
    }

    fn error_at(&self, id: RequestId, message: String) -> CollectionError {
        CollectionError {
            file: self.files[id.file].path.clone(),
            line: self.request(id).line,
            message,
        }
    }

    /// Every request that cannot be resolved, checked before anything is
    /// sent.
    pub fn check(&self, world: &dyn World) -> Vec<(RequestId, CollectionError)> {
        self.preview(world)
            .into_iter()
            .filter_map(|(id, r)| r.err().map(|e| (id, e)))
            .collect()
    }

    /// A plan to send `goal` (the requests it refers to first).
    pub fn plan(&self, goal: RequestId) -> Plan {
        Plan {
            goal,
            line: None,
            stack: vec![goal],
            awaiting: None,
            sent: Vec::new(),
            deps_picked: false,
            checked: false,
            pre_run: Vec::new(),
        }
    }

    /// A plan for a request of a run the user started (`replay --live`,
    /// `test`): what it sends first counts as picked too.
    pub fn plan_picked(&self, goal: RequestId) -> Plan {
        Plan {
            deps_picked: true,
            ..self.plan(goal)
        }
    }

    /// A plan to send the request line `line` typed over `goal`'s: its
    /// `{{…}}` resolved in `goal`'s file, the requests it refers to first.
    pub fn plan_line(&self, goal: RequestId, line: String) -> Plan {
        Plan {
            line: Some(line),
            ..self.plan(goal)
        }
    }

    /// Reads the response handler files (`> ./login.js`) of every file not
    /// read yet, for the variables they set (as inline handlers are read
    /// at once): a request that uses one sends that request first. A file
    /// the trust model refuses, or that cannot be read, sets nothing here
    /// (running it says why).
    pub fn read_scripts(&mut self, world: &dyn World) {
        for file in 0..self.files.len() {
            if self.scripts_read[file] {
                continue;
            }
            self.scripts_read[file] = true;
            for index in 0..self.files[file].requests.len() {
                let id = RequestId { file, index };
                let r = self.request(id);
                for s in [r.pre.clone(), r.handler.clone()].into_iter().flatten() {
                    if !matches!(s.code, ScriptCode::File(_)) {
                        continue;
                    }
                    if let Ok(code) = self.script_code(id, &s, world) {
                        for name in script::sets(&code) {
                            self.setters[file].entry(name).or_insert(index);
                        }
                    }
                }
            }
        }
    }

    /// What to do next for `plan`.
    pub fn next(&mut self, plan: &mut Plan, world: &dyn World) -> Next {
        self.read_scripts(world);
        if let Some(dep) = plan.awaiting.take() {
            if !self.statuses.contains_key(&(self.env.clone(), dep)) {
                let why = self
                    .failures
                    .get(&(self.env.clone(), dep))
                    .map_or_else(String::new, |w| format!(" ({w})"));
                return Next::Failed(PlanError::NoAnswer {
                    name: self.request(dep).label(),
                    goal: self.request(plan.goal).label(),
                    why,
                });
            }
            if plan.stack.last() == Some(&dep) {
                plan.stack.pop();
            }
        }
        // Before anything goes: every request of the plan, where it goes
        // and what secrets it carries, asked about once.
        if !plan.checked {
            plan.checked = true;
            let c = self.preflight(plan, world);
            if c.sends.iter().any(|p| p.ask) {
                return Next::Confirm(c);
            }
        }
        loop {
            let Some(&top) = plan.stack.last() else {
                // Only when a caller reuses a finished plan.
                return Next::Failed(PlanError::NoAnswer {
                    name: self.request(plan.goal).label(),
                    goal: self.request(plan.goal).label(),
                    why: String::new(),
                });
            };
            // Its pre-request script, once, just before it is resolved.
            if self.request(top).pre.is_some() && !plan.pre_run.iter().any(|(i, _)| *i == top) {
                let ran = self.run_pre(top, world);
                plan.pre_run.push((top, ran));
            }
            let ran = plan.pre_run.iter().find(|(i, _)| *i == top).map(|(_, r)| r);
            let request_vars: &[(String, String)] = ran.map_or(&[], |r| r.vars.as_slice());
            let edits: Vec<super::script::RequestEdit> =
                ran.map(|r| r.edits.clone()).unwrap_or_default();
            let resolved = if top == plan.goal
                && let Some(line) = &plan.line
            {
                self.resolve_line(top, line, world, None)
            } else {
                let mut ctx = self.context(top.file, world, None);
                ctx.request_vars = request_vars;
                vars::resolve(&ctx, self.request(top))
            };
            // A request still waiting for another runs its script again
            // when its turn comes.
            if matches!(
                resolved,
                Err(ResolveError::Need(_) | ResolveError::NeedRun { .. })
            ) {
                plan.pre_run.retain(|(i, _)| *i != top);
            }
            match resolved {
                Ok(mut r) => {
                    // What its pre-request script changed (Bruno's `req.*`),
                    // before the trust model looks at where it goes.
                    // Their `{{…}}` substituted as the request's are (Bruno
                    // interpolates after the script), and a private value
                    // they carry counted as the request's own (asked about
                    // before it goes to an origin not confirmed).
                    if !edits.is_empty() {
                        use super::script::RequestEdit as E;
                        let private = self.envs[top.file].secret_values();
                        let line = self.request(top).line;
                        let mut carried_private = Vec::new();
                        for e in &edits {
                            let mut e = e.clone();
                            if let E::Header(_, t) | E::Body(t) | E::Url(t) = &mut e {
                                if crate::template::has_placeholder(t)
                                    && let Ok((text, secrets)) = vars::substitute(
                                        &self.context(top.file, world, None),
                                        t,
                                        line,
                                    )
                                {
                                    *t = text;
                                    r.secrets.extend(secrets);
                                }
                                carried_private.extend(
                                    private
                                        .iter()
                                        .filter(|v| v.len() >= 4 && t.contains(v.as_str()))
                                        .cloned(),
                                );
                            }
                            e.apply(&mut r.request);
                        }
                        if !carried_private.is_empty() {
                            r.sources.push((
                                "a pre-request script's change".into(),
                                vars::Source::PrivateEnv(self.env.clone().unwrap_or_default()),
                            ));
                            r.secrets.extend(carried_private);
                        }
                    }
                    let automatic = top != plan.goal && !plan.deps_picked;
                    let (planned, carried) = self.planned(top, &r, automatic, &HashMap::new());
                    // An origin seen only now (from a response): asked
                    // now, and only a person can say yes.
                    if planned.ask {
                        return Next::Confirm(Confirmation {
                            sends: vec![planned],
                            runtime: true,
                        });
                    }
                    self.decide_output(top, top == plan.goal || plan.deps_picked, &mut r, world);
                    self.keep_secrets(&r.secrets);
                    self.keep_secrets(&carried);
                    let ticket = Ticket {
                        id: top,
                        env: self.env.clone(),
                        carried: (!planned.secrets.is_empty())
                            .then(|| planned.origin.clone())
                            .flatten(),
                    };
                    if top == plan.goal {
                        plan.stack.clear();
                        return Next::Ready {
                            ticket,
                            resolved: Box::new(r),
                        };
                    }
                    plan.awaiting = Some(top);
                    plan.sent.push(top);
                    let for_ = plan.stack[plan.stack.len() - 2];
                    return Next::Send {
                        ticket,
                        resolved: Box::new(r),
                        for_,
                    };
                }
                Err(ResolveError::NeedRun { index, var }) => {
                    let dep = RequestId {
                        file: top.file,
                        index,
                    };
                    if plan.sent.contains(&dep)
                        || self.handler_failed.contains(&(self.env.clone(), dep))
                    {
                        // Sent (in this plan, or its handler failed on its
                        // last answer), and its handler did not set it: say
                        // so rather than sending it again.
                        let status = self
                            .statuses
                            .get(&(self.env.clone(), dep))
                            .map_or_else(String::new, |s| format!(" ({s})"));
                        return Next::Failed(PlanError::NotSet {
                            name: self.request(dep).label(),
                            status,
                            var,
                            goal: self.request(top).label(),
                        });
                    }
                    if plan.stack.contains(&dep) || plan.stack.len() > MAX_DEPTH {
                        let mut path: Vec<String> = plan
                            .stack
                            .iter()
                            .map(|i| self.request(*i).label())
                            .collect();
                        path.push(self.request(dep).label());
                        return Next::Failed(PlanError::Cycle {
                            file: self.files[top.file].path.clone(),
                            line: self.request(top).line,
                            path,
                        });
                    }
                    plan.stack.push(dep);
                }
                Err(ResolveError::Need(name)) => {
                    let Some(dep) = self.named(top.file, &name) else {
                        return Next::Failed(PlanError::Resolve(CollectionError {
                            file: self.files[top.file].path.clone(),
                            line: self.request(top).line,
                            message: format!(
                                "no request named '{name}' in the file; the requests are: {}",
                                self.files[top.file].names()
                            ),
                        }));
                    };
                    if plan.stack.contains(&dep) || plan.stack.len() > MAX_DEPTH {
                        let mut path: Vec<String> = plan
                            .stack
                            .iter()
                            .map(|i| self.request(*i).label())
                            .collect();
                        path.push(name);
                        return Next::Failed(PlanError::Cycle {
                            file: self.files[top.file].path.clone(),
                            line: self.request(top).line,
                            path,
                        });
                    }
                    plan.stack.push(dep);
                }
                Err(ResolveError::Error(e)) => {
                    // A dependency that answered with an error explains
                    // why its value is missing better than the JSONPath.
                    let failed = plan.sent.iter().rev().find_map(|d| {
                        let status = self.response(*d)?.response.status?;
                        (status >= 400).then_some((*d, status))
                    });
                    return Next::Failed(match failed {
                        Some((d, status)) => PlanError::DependencyFailed {
                            name: self.request(d).label(),
                            status,
                            goal: self.request(top).label(),
                            why: e.to_string(),
                        },
                        None if top != plan.goal => PlanError::DependencyUnresolved {
                            name: self.request(top).label(),
                            goal: self.request(plan.stack[plan.stack.len() - 2]).label(),
                            why: e.to_string(),
                        },
                        None => PlanError::Resolve(e),
                    });
                }
            }
        }
    }

    /// Every request `plan` would send (what it refers to first, as far
    /// as can be known before anything is sent), with where each goes
    /// and which secret sources it carries.
    pub fn preflight(&self, plan: &Plan, world: &dyn World) -> Confirmation {
        let mut order: Vec<(RequestId, Resolved)> = Vec::new();
        let mut seen: Vec<RequestId> = Vec::new();
        self.visit(plan, plan.goal, 0, world, &mut seen, &mut order);
        let mut dry_carried: HashMap<RequestId, String> = HashMap::new();
        let mut sends = Vec::new();
        for (id, r) in order {
            let automatic = id != plan.goal && !plan.deps_picked;
            // An OAuth2 token it uses is asked for first, at its Token
            // URL, with the client's secret.
            for (_, source) in &r.sources {
                if let vars::Source::OAuth2 {
                    id: auth,
                    token_origin,
                } = source
                    && !sends.iter().any(|p: &Planned| {
                        p.origin == *token_origin && p.label.starts_with("OAuth2 token")
                    })
                {
                    sends.push(Planned {
                        id,
                        label: format!("OAuth2 token '{auth}'"),
                        method: "POST".into(),
                        origin: token_origin.clone(),
                        secrets: vec![format!("the auth configuration '{auth}'")],
                        automatic: true,
                        ask: token_origin
                            .as_deref()
                            .is_none_or(|o| !self.trust.confirmed(o)),
                    });
                }
            }
            let (p, _) = self.planned(id, &r, automatic, &dry_carried);
            if !p.secrets.is_empty() || self.request(id).handler.is_some() {
                dry_carried.insert(id, p.origin.clone().unwrap_or_default());
            }
            sends.push(p);
        }
        let runtime = sends
            .iter()
            .any(|p| p.origin.is_none() && (p.ask || !p.secrets.is_empty()));
        Confirmation { sends, runtime }
    }

    /// Every request of the collection as a `replay --live` run would send
    /// them (each picked), for the one question before the run.
    pub fn preflight_all(&self, world: &dyn World) -> Confirmation {
        let mut sends: Vec<Planned> = Vec::new();
        let mut runtime = false;
        for id in self.ids() {
            if sends.iter().any(|p| p.id == id) {
                continue;
            }
            let c = self.preflight(&self.plan_picked(id), world);
            runtime |= c.runtime;
            for p in c.sends {
                // (An OAuth2 token's send is listed once per Token URL.)
                if !sends.iter().any(|q| {
                    q.id == p.id && q.label == p.label
                        || q.label.starts_with("OAuth2 token")
                            && q.label == p.label
                            && q.origin == p.origin
                }) {
                    sends.push(p);
                }
            }
        }
        Confirmation { sends, runtime }
    }

    fn visit(
        &self,
        plan: &Plan,
        id: RequestId,
        depth: usize,
        world: &dyn World,
        seen: &mut Vec<RequestId>,
        order: &mut Vec<(RequestId, Resolved)>,
    ) {
        if seen.contains(&id) || depth > MAX_DEPTH {
            return;
        }
        seen.push(id);
        let dry = |stand_in: &str| {
            if id == plan.goal
                && let Some(line) = &plan.line
            {
                self.resolve_line(id, line, world, Some(stand_in))
            } else {
                vars::resolve(
                    &self.context(id.file, world, Some(stand_in)),
                    self.request(id),
                )
            }
        };
        let Ok(mut r) = dry("0") else {
            return; // (sending says why, at its turn)
        };
        // Resolved again with another stand-in: a URL that changes with it
        // goes where a response says, known only then.
        let origin = |r: &Resolved| r.request.url.as_deref().and_then(super::trust::origin_of);
        if let Ok(other) = dry("1")
            && origin(&other) != origin(&r)
        {
            r.request.url = None;
        }
        for (var, source) in &r.sources {
            if let vars::Source::Request(n) = source
                && let Some(dep) = self.named(id.file, n)
                && self.response(dep).is_none()
            {
                self.visit(plan, dep, depth + 1, world, seen, order);
            }
            if let Some(dep) = self.setter(id.file, var, source) {
                self.visit(plan, dep, depth + 1, world, seen, order);
            }
        }
        order.push((id, r));
    }

    /// A request as the trust model sees it, and the values chained from
    /// a response that carried secrets (secrets themselves). `carried_dry`
    /// stands in for answers not received yet (a check before sending).
    fn planned(
        &self,
        id: RequestId,
        r: &Resolved,
        automatic: bool,
        carried_dry: &HashMap<RequestId, String>,
    ) -> (Planned, Vec<String>) {
        use vars::Source;
        let origin = r.request.url.as_deref().and_then(super::trust::origin_of);
        let mut secrets: Vec<String> = Vec::new();
        let mut values = Vec::new();
        let mut add = |s: &str| {
            if !secrets.iter().any(|x| x == s) {
                secrets.push(s.to_owned());
            }
        };
        for (name, source) in &r.sources {
            match source {
                Source::PrivateEnv(_) => add("http-client.private.env.json"),
                Source::Dotenv => add(".env"),
                Source::ProcessEnv => add("the process environment"),
                Source::Secret => add("--secret"),
                Source::OAuth2 { id, .. } => add(&format!("the OAuth2 token '{id}'")),
                Source::Script(by) => {
                    // Set by a script: it may go back, unasked, only to
                    // where the request whose script set it went.
                    let from = self
                        .global_origins
                        .get(&(self.env.clone(), name.clone()))
                        .cloned()
                        .or_else(|| {
                            let dep = self.setter(id.file, name, source)?;
                            carried_dry.get(&dep).cloned()
                        });
                    // A value shaped or named like a credential (a dry
                    // check cannot see it: a handler not run yet sets it).
                    let scoped = self.scoped.get(&self.env);
                    let set = self
                        .globals
                        .get(&self.env)
                        .and_then(|g| g.get(name))
                        .or_else(|| scoped.and_then(|s| s.collection.get(name)))
                        .or_else(|| scoped.and_then(|s| s.global.get(name)))
                        .map(|(v, _)| v);
                    let secretish = crate::secrets::is_secret_field(name)
                        || set.is_some_and(|v| v.len() >= 4 && crate::secrets::looks_like_token(v));
                    if secretish && (from.is_none() || from.as_deref() != origin.as_deref()) {
                        if let Some((_, v)) = r.values.iter().find(|(k, _)| k == name)
                            && v.len() >= 4
                        {
                            values.push(v.clone());
                        }
                        if by != "its pre-request script" {
                            add(&format!("the script of '{by}'"));
                        }
                    }
                }
                Source::Request(n) => {
                    let Some(dep) = self.named(id.file, n) else {
                        continue;
                    };
                    let from = self
                        .carried
                        .get(&(self.env.clone(), dep))
                        .or_else(|| carried_dry.get(&dep));
                    if let Some(from) = from {
                        // Redacted by value when it is a credential: taken
                        // from a secret's name (`$.access_token`) or shaped
                        // like one; an id (`$.data[0].id`) stays readable.
                        let last = name
                            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                            .find(|s| !s.is_empty())
                            .unwrap_or("");
                        if let Some((_, v)) = r.values.iter().find(|(k, _)| k == name)
                            && v.len() >= 4
                            && (crate::secrets::is_secret_field(last)
                                || crate::secrets::is_secret_header(last)
                                || crate::secrets::looks_like_token(v))
                        {
                            values.push(v.clone());
                        }
                        // Back to where it came from: no question.
                        if origin.as_deref() != Some(from.as_str()) {
                            add(&format!("the response of '{n}'"));
                        }
                    }
                }
                _ => {}
            }
        }
        // Cookies a persisted jar held for it before the run: the user's
        // (a session), asked about as any secret source (not those the
        // run's own answers set).
        if let (Some((jar, held)), Some(url)) = (&self.cookie_jar, r.request.url.as_deref())
            && !r.no_cookie_jar
            && !r.request.headers.contains("cookie")
            && held(url)
        {
            add(&format!("the cookie jar '{jar}'"));
        }
        let unconfirmed =
            !secrets.is_empty() && origin.as_deref().is_none_or(|o| !self.trust.confirmed(o));
        let local = automatic
            && origin
                .as_deref()
                .is_some_and(|o| super::trust::is_local(o) && !self.trust.local_confirmed(o));
        (
            Planned {
                id,
                label: self.request(id).label(),
                method: r.request.method.clone(),
                origin,
                secrets,
                automatic,
                ask: unconfirmed || local,
            },
            values,
        )
    }

    /// `>> file`: written only where the trust model allows; else a note.
    fn decide_output(&self, id: RequestId, picked: bool, r: &mut Resolved, world: &dyn World) {
        let request = self.request(id);
        let Some((f, overwrite)) = &request.output else {
            return;
        };
        match self
            .trust
            .may_write(&dir_of(&self.files[id.file].path), f, picked, world)
        {
            Ok(p) => r.output = Some((p, *overwrite)),
            Err(e) => r.notes.push(format!("'>> {}' {}", f.trim(), e.why)),
        }
    }

    /// A typed request line, resolved in `id`'s file: its `{{…}}`
    /// substituted, then read as `[METHOD] URL [ITEM…]` (its `@file` items
    /// read as the trust model allows).
    fn resolve_line(
        &self,
        id: RequestId,
        line: &str,
        world: &dyn World,
        dry: Option<&str>,
    ) -> Result<Resolved, ResolveError> {
        let at = self.request(id).line;
        let (text, secrets, sources, values) =
            vars::substitute_all(&self.context(id.file, world, dry), line, at)?;
        let err = |message: String| {
            ResolveError::Error(CollectionError {
                file: self.files[id.file].path.clone(),
                line: at,
                message,
            })
        };
        let words = crate::line::shell_words(&text).map_err(err)?;
        let items = crate::items::Items::parse(&words).map_err(|e| err(e.to_string()))?;
        let dir = dir_of(&self.files[id.file].path);
        let read = |p: &Path| -> std::io::Result<Vec<u8>> {
            let path = self
                .trust
                .may_read(&dir, &p.to_string_lossy(), world)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.why))?;
            world.read(&path)
        };
        let request = match items.to_request(&read) {
            Ok(r) => r,
            Err(crate::items::ItemError::BadUrl(..)) if dry.is_some() => crate::model::Request {
                method: items.method.clone().unwrap_or_else(|| "GET".into()),
                url: Some(items.url.clone()),
                ..crate::model::Request::default()
            },
            Err(e) => return Err(err(e.to_string())),
        };
        let mut notes = Vec::new();
        let transport = vars::transport_of(
            &self.context(id.file, world, dry),
            self.request(id),
            &mut notes,
        )
        .map_err(err)?;
        Ok(Resolved {
            request,
            secrets,
            sources,
            values,
            notes,
            output: None,
            dialect: None,
            no_cookie_jar: false,
            transport,
        })
    }

    /// The answer to a request sent for `ticket`: kept for the requests
    /// that refer to it (in the environment it was resolved in). An
    /// exchange that failed (no response) is not an answer; why is kept.
    pub fn received(&mut self, ticket: &Ticket, exchange: Exchange, world: &dyn World) {
        if ticket.id.file >= self.files.len()
            || ticket.id.index >= self.files[ticket.id.file].requests.len()
        {
            return; // the file changed under it
        }
        let key = (ticket.env.clone(), ticket.id);
        if let Some(f) = &exchange.failure {
            self.failures.insert(key, f.message.clone());
            return;
        }
        self.failures.remove(&key);
        match &ticket.carried {
            Some(o) => {
                self.carried.insert(key.clone(), o.clone());
            }
            None => {
                self.carried.remove(&key);
            }
        }
        if let Some(status) = exchange.response.status {
            self.statuses.insert(key.clone(), status);
        }
        match exchange
            .request
            .as_ref()
            .and_then(|r| r.url.as_deref())
            .and_then(super::trust::origin_of)
        {
            Some(o) => {
                self.last_origin.insert(key, o);
            }
            None => {
                self.last_origin.remove(&key);
            }
        }
        if self.request(ticket.id).handler.is_some() {
            self.run_handler(ticket, &exchange, world);
        }
        self.run_js_asserts(ticket, &exchange);
        let request = &self.files[ticket.id.file].requests[ticket.id.index];
        if let Some(name) = request.name.clone() {
            self.responses
                .entry(ticket.env.clone())
                .or_default()
                .entry(ticket.id.file)
                .or_default()
                .insert(name, exchange);
        }
    }

    /// The request whose response handler sets `var`, when `source` says a
    /// script set it (or will).
    fn setter(&self, file: usize, var: &str, source: &vars::Source) -> Option<RequestId> {
        if !matches!(source, vars::Source::Script(_)) {
            return None;
        }
        let index = *self.setters.get(file)?.get(var)?;
        Some(RequestId { file, index })
    }

    /// A script's code: inline, or its file read as the trust model
    /// allows (inside the collection directory, at most 1 MiB).
    fn script_code(&self, id: RequestId, s: &Script, world: &dyn World) -> Result<String, String> {
        match &s.code {
            ScriptCode::Inline(c) => Ok(c.clone()),
            ScriptCode::File(f) => {
                let dir = dir_of(&self.files[id.file].path);
                let p = self
                    .trust
                    .may_read(&dir, f, world)
                    .map_err(|e| format!("the script file {e}"))?;
                let bytes = world
                    .read(&p)
                    .map_err(|e| format!("cannot read the script file {}: {e}", p.display()))?;
                if bytes.len() > MAX_SCRIPT {
                    return Err(format!(
                        "the script file {} is {} KiB; a script may be at most {} KiB",
                        p.display(),
                        bytes.len() >> 10,
                        MAX_SCRIPT >> 10
                    ));
                }
                String::from_utf8(bytes)
                    .map_err(|_| format!("the script file {} is not UTF-8", p.display()))
            }
        }
    }

    /// Runs one script of `id` (or says why not): the job's other fields
    /// filled here, its outcome applied to the globals and reported.
    fn run_script(
        &mut self,
        id: RequestId,
        phase: Phase,
        env: Option<String>,
        mut job: ScriptJob,
        world: &dyn World,
    ) -> ScriptOutcome {
        let request = self.request(id);
        let label = request.label();
        let script = match phase {
            Phase::Pre => request.pre.clone(),
            Phase::Response => request.handler.clone(),
        };
        let Some(script) = script else {
            return ScriptOutcome::default();
        };
        let what = match phase {
            Phase::Pre => "the pre-request script",
            Phase::Response => "the response handler",
        };
        let skip = |why: String| ScriptReport {
            request: id,
            label: label.clone(),
            phase,
            outcome: ScriptOutcome::default(),
            skipped: Some(format!("{what} at line {}: {why}", script.line)),
        };
        if !self.trust.trusted() {
            self.reports.push(skip(format!(
                "not run: the collection is not trusted (`apiscope trust {}`, or --trust for this run)",
                self.trust.root().display()
            )));
            return ScriptOutcome::default();
        }
        let code = match self.script_code(id, &script, world) {
            Ok(c) => c,
            Err(e) => {
                self.reports.push(skip(format!("not run: {e}")));
                return ScriptOutcome::default();
            }
        };
        let file = &self.files[id.file];
        let name = file
            .path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        (job.origin, job.first_line) = match &script.code {
            ScriptCode::Inline(_) => (name, script.line),
            ScriptCode::File(f) => (f.clone(), 1),
        };
        job.code = code;
        // (A request's human name — the last part of its `###` title, the
        // Postman item's name once imported — else its label.)
        job.request_name = self
            .request(id)
            .title
            .as_deref()
            .and_then(|t| t.rsplit(" / ").next())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map_or_else(|| label.clone(), str::to_owned);
        let Some(engine) = self.engine.as_mut() else {
            self.reports
                .push(skip("not run: this command runs no scripts".into()));
            return ScriptOutcome::default();
        };
        let outcome = engine.run(job);
        // Applied to this environment's variables; a value that looks
        // like a credential is redacted by value from here on.
        let origin = self.origin_of_last(id, &env);
        let globals = self.globals.entry(env.clone()).or_default();
        let scoped = self.scoped.entry(env.clone()).or_default();
        let mut keep = Vec::new();
        for change in &outcome.globals {
            // (Where the request whose script set it went: the value may
            // go back there unasked, as client.global's.)
            if let GlobalChange::SetCollection(k, _) | GlobalChange::SetGlobal(k, _) = change {
                match &origin {
                    Some(o) => {
                        self.global_origins
                            .insert((env.clone(), k.clone()), o.clone());
                    }
                    None => {
                        self.global_origins.remove(&(env.clone(), k.clone()));
                    }
                }
            }
            if let GlobalChange::SetCollection(k, v) | GlobalChange::SetGlobal(k, v) = change
                && v.len() >= 4
                && (crate::secrets::is_secret_field(k) || crate::secrets::looks_like_token(v))
            {
                keep.push(v.clone());
            }
            match change {
                GlobalChange::SetCollection(k, v) => {
                    scoped
                        .collection
                        .insert(k.clone(), (v.clone(), label.clone()));
                    scoped.hidden_collection.remove(k);
                }
                GlobalChange::ClearCollection(k) => {
                    scoped.collection.remove(k);
                    scoped.hidden_collection.insert(k.clone());
                }
                GlobalChange::SetGlobal(k, v) => {
                    scoped.global.insert(k.clone(), (v.clone(), label.clone()));
                }
                GlobalChange::ClearGlobal(k) => {
                    scoped.global.remove(k);
                }
                GlobalChange::HideEnv(k) => {
                    scoped.hidden.insert(k.clone());
                }
                GlobalChange::Set(k, v) => {
                    globals.insert(k.clone(), (v.clone(), label.clone()));
                    if v.len() >= 4
                        && (crate::secrets::is_secret_field(k)
                            || crate::secrets::looks_like_token(v))
                    {
                        keep.push(v.clone());
                    }
                    match &origin {
                        Some(o) => {
                            self.global_origins
                                .insert((env.clone(), k.clone()), o.clone());
                        }
                        None => {
                            self.global_origins.remove(&(env.clone(), k.clone()));
                        }
                    }
                }
                GlobalChange::Clear(k) => {
                    globals.remove(k);
                }
                GlobalChange::ClearAll => globals.clear(),
            }
        }
        for (k, v) in &outcome.request_vars {
            if v.len() >= 4
                && (crate::secrets::is_secret_field(k) || crate::secrets::looks_like_token(v))
            {
                keep.push(v.clone());
            }
        }
        self.keep_secrets(&keep);
        let mut shown = outcome.clone();
        let secrets = self.secrets();
        let hide = |t: &mut String| *t = crate::redact::text_by_value(t, &secrets);
        shown.logs.iter_mut().for_each(hide);
        if let Some(e) = shown.error.as_mut() {
            hide(e);
        }
        for t in &mut shown.tests {
            if let Some(f) = t.failure.as_mut() {
                hide(f);
            }
        }
        self.reports.push(ScriptReport {
            request: id,
            label,
            phase,
            outcome: shown,
            skipped: None,
        });
        outcome
    }

    /// The origin a request's last send went to (its handler's values
    /// may go back there).
    fn origin_of_last(&self, id: RequestId, env: &Option<String>) -> Option<String> {
        self.last_origin.get(&(env.clone(), id)).cloned()
    }

    /// A script job for a request of `file` in `env`: the variables scripts
    /// set there, the environment's variables then the file's (Postman's
    /// collection variables land there), the caps. The code and where it
    /// is are the caller's.
    fn job(
        &self,
        file: usize,
        env: &Option<String>,
        phase: Phase,
        request: ScriptRequest,
        response: Option<ScriptResponse>,
    ) -> ScriptJob {
        // In the order a request reads them (newman's for what Postman
        // scripts set): the environment, collection variables scripts set,
        // `$shared` (a Postman collection's own), the file's, globals
        // scripts set; each name once.
        let none = vars::Scoped::default();
        let sc = self.scoped.get(env).unwrap_or(&none);
        let mut environment: Vec<(String, String)> = Vec::new();
        let add = |environment: &mut Vec<(String, String)>, k: &str, v: &str| {
            if !environment.iter().any(|(n, _)| n == k) {
                environment.push((k.to_owned(), v.to_owned()));
            }
        };
        if let Some(e) = env.as_deref() {
            for (k, v) in self.envs[file].env_only(e) {
                if !sc.hidden.contains(&k) {
                    add(&mut environment, &k, &v);
                }
            }
        }
        for (k, (v, _)) in &sc.collection {
            add(&mut environment, k, v);
        }
        for (k, v) in self.envs[file].variables(None) {
            if !sc.hidden_collection.contains(&k) {
                add(&mut environment, &k, &v);
            }
        }
        for v in &self.files[file].variables {
            add(&mut environment, &v.name, &v.value);
        }
        for (k, (v, _)) in &sc.global {
            add(&mut environment, k, v);
        }
        ScriptJob {
            phase,
            code: String::new(),
            origin: String::new(),
            first_line: 0,
            request_name: String::new(),
            globals: self
                .globals
                .get(env)
                .map(|g| g.iter().map(|(k, (v, _))| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            request_vars: Vec::new(),
            environment,
            request,
            response,
            limits: self.limits,
        }
    }

    /// Runs `id`'s pre-request script: the `request.variables` it set and
    /// the changes it made to the request.
    fn run_pre(&mut self, id: RequestId, world: &dyn World) -> PreRan {
        let r = self.request(id);
        let request = ScriptRequest {
            method: r.method.clone(),
            url: r.url.clone(),
            headers: crate::model::Headers(
                r.headers
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect(),
            ),
            body: match &r.body {
                super::Body::Text(t) => t.clone(),
                _ => String::new(),
            },
        };
        let env = self.env.clone();
        let job = self.job(id.file, &env, Phase::Pre, request, None);
        let outcome = self.run_script(id, Phase::Pre, env, job, world);
        // (A header a script sets that looks like a credential is a secret
        // from here on.)
        let keep: Vec<String> = outcome
            .edits
            .iter()
            .filter_map(|e| match e {
                super::script::RequestEdit::Header(n, v)
                    if v.len() >= 4
                        && (crate::secrets::is_secret_field(n)
                            || crate::secrets::looks_like_token(v)) =>
                {
                    Some(v.clone())
                }
                _ => None,
            })
            .collect();
        self.keep_secrets(&keep);
        PreRan {
            vars: outcome.request_vars,
            edits: outcome.edits,
        }
    }

    /// Runs the response handler of the request `ticket` sent.
    fn run_handler(&mut self, ticket: &Ticket, exchange: &Exchange, world: &dyn World) {
        let job = self.job(
            ticket.id.file,
            &ticket.env,
            Phase::Response,
            sent_request(exchange),
            Some(response_of(exchange)),
        );
        let outcome = self.run_script(ticket.id, Phase::Response, ticket.env.clone(), job, world);
        // (A handler not run — an untrusted collection — runs once trusted.)
        let key = (ticket.env.clone(), ticket.id);
        if outcome.error.is_some() {
            self.handler_failed.insert(key);
        } else {
            self.handler_failed.remove(&key);
        }
    }

    /// The `?? js` assertions of the request `ticket` sent, each evaluated
    /// by the engine and judged by its predicate: one report of tests.
    fn run_js_asserts(&mut self, ticket: &Ticket, exchange: &Exchange) {
        use super::assert::{self, Subject};
        let request = self.request(ticket.id);
        let label = request.label();
        let asserts: Vec<assert::Assertion> = request
            .asserts
            .iter()
            .filter_map(|(l, t)| assert::parse(*l, t).ok())
            .filter(|a| matches!(a.subject, Subject::Js(_)))
            .collect();
        let Some(first) = asserts.first() else {
            return;
        };
        if !self.trust.trusted() || self.engine.is_none() {
            let why = if self.trust.trusted() {
                "this command runs no scripts".to_owned()
            } else {
                format!(
                    "the collection is not trusted (`apiscope trust {}`, or --trust for this run)",
                    self.trust.root().display()
                )
            };
            self.reports.push(ScriptReport {
                request: ticket.id,
                label,
                phase: Phase::Response,
                outcome: ScriptOutcome::default(),
                skipped: Some(format!("`?? js` at line {}: not run: {why}", first.line)),
            });
            return;
        }
        let name = self.files[ticket.id.file]
            .path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        let mut tests = Vec::new();
        for a in &asserts {
            let Subject::Js(expr) = &a.subject else {
                continue;
            };
            let mut job = self.job(
                ticket.id.file,
                &ticket.env,
                Phase::Response,
                sent_request(exchange),
                Some(response_of(exchange)),
            );
            // (One line, so an error names the assertion's line.)
            job.code = format!(
                "client.log((function () {{ const v = ({expr}); return v === undefined ? '<undefined>' : JSON.stringify(v); }})())"
            );
            job.origin = name.clone();
            job.first_line = a.line;
            job.request_name = label.clone();
            let Some(engine) = self.engine.as_mut() else {
                return;
            };
            let out = engine.run(job);
            let failure = match (&out.error, out.logs.first()) {
                (Some(e), _) => Some(e.clone()),
                (None, Some(v)) => {
                    let value = (v != "<undefined>")
                        .then(|| serde_json::from_str(v).ok())
                        .flatten();
                    let o = a.check_value(value);
                    (!o.passed).then_some(o.actual)
                }
                (None, None) => Some("the expression gave nothing".into()),
            };
            tests.push(super::script::ScriptTest {
                name: a.text.clone(),
                failure,
                line: Some(a.line),
            });
        }
        let secrets = self.secrets();
        for t in &mut tests {
            if let Some(f) = t.failure.as_mut() {
                *f = crate::redact::text_by_value(f, &secrets);
            }
        }
        self.reports.push(ScriptReport {
            request: ticket.id,
            label,
            phase: Phase::Response,
            outcome: ScriptOutcome {
                tests,
                ..ScriptOutcome::default()
            },
            skipped: None,
        });
    }

    /// Values that are secrets from now on (a token renewed outside a
    /// resolution): redacted by value in whatever the run writes.
    pub fn keep_secrets(&mut self, found: &[String]) {
        for s in found {
            if let Err(at) = self.secrets.binary_search(s) {
                self.secrets.insert(at, s.clone());
            }
        }
    }

    /// Every secret value this run used, and every value of the private
    /// env files and `.env` (redacted by value in whatever is written).
    pub fn secrets(&self) -> Vec<String> {
        let mut out = self.secrets.clone();
        out.extend(self.envs.iter().flat_map(Environments::secret_values));
        out.sort();
        out.dedup();
        out
    }

    /// An exchange as it may be written (history, sessions, reports): the
    /// secrets of this run redacted by value.
    pub fn redacted(&self, e: &Exchange) -> Exchange {
        let mut e = e.clone();
        crate::redact::values(&mut e, &self.secrets());
        e
    }

    /// Takes a file's new text (saved, or changed on disk): read
    /// leniently; the responses of its requests stay (they are by name).
    pub fn reload(&mut self, file: usize, text: &str) {
        if let Some(f) = self.files.get_mut(file) {
            *f = super::parse_lenient(&f.path.clone(), text);
            self.setters[file] = setters_of(f);
            self.scripts_read[file] = false;
        }
    }

    /// Replaces the environments of every file in `dir`; how many files
    /// that concerns.
    pub fn set_envs_of_dir(&mut self, dir: &Path, envs: &Environments) -> usize {
        let mut n = 0;
        for (i, f) in self.files.iter().enumerate() {
            if dir_of(&f.path) == dir {
                self.envs[i] = envs.clone();
                n += 1;
            }
        }
        n
    }

    /// Adds a file with its environments; its index.
    pub fn add_file(&mut self, file: HttpFile, envs: Environments) -> usize {
        self.setters.push(setters_of(&file));
        self.scripts_read.push(false);
        self.files.push(file);
        self.envs.push(envs);
        self.files.len() - 1
    }
}

/// The request a script sees of an exchange sent (as it went: resolved).
fn sent_request(exchange: &Exchange) -> ScriptRequest {
    let request = exchange.request.clone().unwrap_or_default();
    ScriptRequest {
        method: request.method,
        url: request.url.unwrap_or_default(),
        headers: request.headers,
        body: String::from_utf8_lossy(&request.body).into_owned(),
    }
}

/// The response a handler sees.
fn response_of(exchange: &Exchange) -> ScriptResponse {
    ScriptResponse {
        status: exchange.response.status.unwrap_or(0),
        headers: exchange.response.headers.clone(),
        body: exchange.response.body.to_vec(),
    }
}

/// The directory a collection file's environment files are in.
pub fn dir_of(path: &Path) -> std::path::PathBuf {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| std::path::PathBuf::from("."), Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::parse;
    use crate::model::{Failure, FailureKind};
    use std::path::PathBuf;

    /// No clock, no process environment, no disk.
    struct Nothing;
    impl World for Nothing {
        fn now(&self) -> i64 {
            1_767_225_600
        }
        fn var(&self, _: &str) -> Option<String> {
            None
        }
        fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                path.display().to_string(),
            ))
        }
        fn canonical(&self, path: &Path) -> std::io::Result<PathBuf> {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                path.display().to_string(),
            ))
        }
        fn facts(&self, path: &Path) -> std::io::Result<super::super::trust::FileFacts> {
            Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                path.display().to_string(),
            ))
        }
    }

    fn envs(json: &str) -> Environments {
        let serde_json::Value::Object(map) = serde_json::from_str(json).unwrap() else {
            unreachable!()
        };
        Environments {
            public: Some((PathBuf::from("http-client.env.json"), map)),
            ..Environments::default()
        }
    }

    fn run(text: &str) -> CollectionRun {
        let file = parse(Path::new("api.http"), text).unwrap();
        let mut run = CollectionRun::new(
            vec![file],
            vec![envs(
                r#"{"dev": {"host": "https://dev.example"}, "staging": {"host": "https://staging.example"}}"#,
            )],
            super::super::trust::Trust::new(PathBuf::from("/nowhere"), false, []),
        );
        run.set_env(Some("dev")).unwrap();
        run
    }

    const CHAIN: &str = "# @name login\nPOST {{host}}/login\n\n###\n# @name me\nGET {{host}}/me\nAuthorization: Bearer {{login.response.body.$.token}}\n\n###\n# @name a\nGET {{host}}/{{b.response.body.$.x}}\n\n###\n# @name b\nGET {{host}}/{{a.response.body.$.x}}\n\n###\n# @name ghost\nGET {{host}}/{{nobody}}\n";

    fn answer(status: u16, body: &str) -> Exchange {
        let mut e = Exchange::default();
        e.response.status = Some(status);
        e.response.body = body.as_bytes().to_vec().into();
        e
    }

    fn me() -> RequestId {
        RequestId { file: 0, index: 1 }
    }

    #[test]
    fn a_dependency_first_then_the_request_in_the_environment_chosen() {
        let mut run = run(CHAIN);
        let mut plan = run.plan(me());
        let Next::Send {
            ticket,
            resolved,
            for_,
        } = run.next(&mut plan, &Nothing)
        else {
            panic!()
        };
        assert_eq!((ticket.id.index, for_), (0, me()));
        assert_eq!(ticket.env.as_deref(), Some("dev"));
        assert_eq!(
            resolved.request.url.as_deref(),
            Some("https://dev.example/login")
        );
        run.received(&ticket, answer(200, r#"{"token":"tok_dev"}"#), &Nothing);
        let Next::Ready { resolved, .. } = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        assert_eq!(
            resolved.request.headers.get("authorization"),
            Some("Bearer tok_dev")
        );
        // Another environment never uses dev's answer: login goes again.
        run.set_env(Some("staging")).unwrap();
        let mut plan = run.plan(me());
        let Next::Send { resolved, .. } = run.next(&mut plan, &Nothing) else {
            panic!("staging reused dev's login")
        };
        assert_eq!(
            resolved.request.url.as_deref(),
            Some("https://staging.example/login")
        );
        // Back in dev, its answer is there.
        run.set_env(Some("dev")).unwrap();
        let mut plan = run.plan(me());
        assert!(matches!(run.next(&mut plan, &Nothing), Next::Ready { .. }));
    }

    #[test]
    fn cycles_unknown_variables_and_failed_dependencies_are_named() {
        let mut run = run(CHAIN);
        let mut plan = run.plan(RequestId { file: 0, index: 2 });
        let Next::Failed(e) = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        assert!(e.to_string().ends_with("cycle: a → b → a"), "{e}");
        let mut plan = run.plan(RequestId { file: 0, index: 4 });
        let Next::Failed(e) = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        assert!(e.to_string().contains("{{nobody}} is not defined"), "{e}");
        // A login that answered 401: the reason names it.
        let mut plan = run.plan(me());
        let Next::Send { ticket, .. } = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        run.received(
            &ticket,
            answer(401, r#"{"error":"bad password"}"#),
            &Nothing,
        );
        let Next::Failed(e) = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        assert!(
            e.to_string()
                .starts_with("'me' uses the response of 'login', which answered 401"),
            "{e}"
        );
        // No answer at all: said so, with the client's words.
        run.set_env(Some("staging")).unwrap();
        let mut plan = run.plan(me());
        let Next::Send { ticket, .. } = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        let failed = Exchange {
            failure: Some(Failure {
                kind: FailureKind::Refused,
                message: "connection refused".into(),
            }),
            ..Exchange::default()
        };
        run.received(&ticket, failed, &Nothing);
        let Next::Failed(e) = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        assert_eq!(
            e.to_string(),
            "'login' got no answer (connection refused), so 'me' was not sent"
        );
    }

    #[test]
    fn a_check_before_sending_finds_what_never_resolves() {
        let run = run(CHAIN);
        let bad: Vec<usize> = run.check(&Nothing).iter().map(|(id, _)| id.index).collect();
        // Chained values stand in; only `ghost` is broken.
        assert_eq!(bad, [4]);
    }

    #[test]
    fn a_typed_line_resolves_in_the_files_context() {
        let mut run = run(CHAIN);
        run.received(
            &Ticket {
                id: RequestId { file: 0, index: 0 },
                env: Some("dev".into()),
                carried: None,
            },
            answer(200, r#"{"token":"t1"}"#),
            &Nothing,
        );
        let mut plan = run.plan_line(
            me(),
            "GET {{host}}/me/2 'Authorization:Bearer {{login.response.body.$.token}}'".into(),
        );
        let Next::Ready { resolved, .. } = run.next(&mut plan, &Nothing) else {
            panic!()
        };
        assert_eq!(
            resolved.request.url.as_deref(),
            Some("https://dev.example/me/2")
        );
        assert_eq!(
            resolved.request.headers.get("authorization"),
            Some("Bearer t1")
        );
    }
}
