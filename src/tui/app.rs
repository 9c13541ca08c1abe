//! The TUI's state and the only place it changes: `update(Msg) -> Vec<Cmd>`.
//!
//! Terminal input, HTTP results and timers arrive as [`Msg`]; side effects
//! (send, cancel, copy, save, wake-ups) leave as [`Cmd`] for the event loop
//! to run. Nothing here touches the terminal, the network or the clock —
//! time comes in with the messages — so behaviour is tested by feeding
//! messages. Keys become [`Action`]s through the [`Keymap`]; a modal on
//! screen takes keys first. What to send next (pages, retries, replays) is
//! decided by the core's driver, run by `activity.rs`.

use super::action::{Action, Context, Keymap};
use super::body::BodyDoc;
pub use super::entry::{Entry, Filtered, Origin};
use super::input::LineInput;
use super::modal::{self, Modal, Outcome};
use crate::decode::{Diagnosis, Profiles};
use crate::driver::{Engine, Run, WaitReason};
use crate::items;
use crate::line::{expand_env, quote, shell_words};
use crate::model::{Exchange, Request};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use std::sync::Arc;
use std::time::Instant;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The request list.
    List,
    /// The request line editor: keys are typed into it.
    Editor,
    /// The response panes.
    Response,
}

impl Focus {
    /// What the status line says keys go to.
    pub fn name(self) -> &'static str {
        match self {
            Focus::List => "REQUESTS",
            Focus::Editor => "EDITING",
            Focus::Response => "RESPONSE",
        }
    }
}

/// The response tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Everything decoded, at a glance.
    Overview,
    /// The pretty-printed body.
    Body,
    /// Response headers.
    Headers,
    /// The raw response as received.
    Raw,
}

impl Tab {
    /// All tabs in order.
    pub const ALL: [Tab; 4] = [Tab::Overview, Tab::Body, Tab::Headers, Tab::Raw];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Body => "Body",
            Tab::Headers => "Headers",
            Tab::Raw => "Raw",
        }
    }
}

/// Where an API lives, for remembering its dialect: host, port and the
/// first path segment (`127.0.0.1:8080/envelope`, `api.example.com/v1`).
pub fn api_key(req: &Request) -> Option<String> {
    crate::decode::api_of(req.url.as_deref()?)
}

/// Scroll positions are clamped here (views clamp further to their content).
const MAX_SCROLL: usize = 1 << 30;

/// Where the panes were drawn (inner areas, without borders).
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    /// The request list, when shown.
    pub list: Option<Rect>,
    /// The first entry shown in the list.
    pub list_start: usize,
    /// The request line.
    pub editor: Rect,
    /// The first character of the request line shown.
    pub editor_start: usize,
    /// The tab titles: (x start, x end) of each tab on the tab row.
    pub tabs: [(u16, u16); 4],
    /// The tab row.
    pub tab_row: Rect,
    /// The response content.
    pub response: Rect,
    /// The response pane with its border (where the body editor sits).
    pub response_pane: Rect,
}

/// A request on the wire.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// Matches the response message.
    pub id: u64,
    /// The entry it belongs to.
    pub entry: usize,
    /// When it left.
    pub started: Instant,
    /// The request as handed to the client (see `Entry::given`).
    pub given: Option<Box<Request>>,
}

/// What kind of driver run is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Enter: one request, now.
    Send,
    /// `p`: the next page.
    NextPage,
    /// `A`: every page.
    AllPages,
    /// `r`: once Retry-After allows.
    Retry,
    /// `R`: every request again.
    ReplayAll,
}

/// A driver run in progress, and what the app does with its steps.
#[derive(Debug, Clone)]
pub struct Activity {
    /// The driver's run.
    pub run: Run,
    /// What it is.
    pub kind: Kind,
    /// The entry of the request on the wire (or the last one sent).
    pub entry: usize,
    /// For a replay: (original, live copy) entries, in order.
    pub pairs: Vec<(usize, usize)>,
    /// Waiting until, and why (the title bar's countdown).
    pub waiting: Option<(Instant, WaitReason)>,
    /// Responses that counted.
    pub done: u32,
    /// For a collection's request: whose answer it is (the collection run
    /// takes it when the run ends).
    pub ticket: Option<crate::collection::run::Ticket>,
    /// Whether a response for `entry` arrived in this run.
    pub answered: bool,
    /// A collection's request that carried an OAuth 2.0 token this
    /// process got: renewed once and sent again when answered 401.
    pub renew: Option<Box<crate::collection::vars::Resolved>>,
    /// Whether it was (its answer then says so).
    pub renewed: bool,
    /// The renewal is running (off the UI thread, `Cmd::Renew`).
    pub renewing: bool,
    /// The client TLS its requests go with (a collection environment's
    /// `SSLConfiguration`).
    pub transport: Option<Box<crate::collection::vars::Transport>>,
}

/// An active body search.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// What is being typed or was searched.
    pub query: String,
    /// Whether the query is being typed.
    pub typing: bool,
    /// Source offsets of the matches.
    pub matches: Vec<usize>,
    /// The current match.
    pub current: usize,
}

/// Input to `update`.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event.
    Mouse(MouseEvent),
    /// Pasted text.
    Paste(String),
    /// The terminal was resized.
    Resize,
    /// Time passed (countdowns, spinner, scheduled sends).
    Tick(Instant),
    /// A response (or failure) arrived, already decoded off the UI task.
    Response {
        /// The in-flight id.
        id: u64,
        /// The exchange.
        exchange: Box<Exchange>,
        /// Its diagnosis.
        diagnosis: Box<Diagnosis>,
        /// When it arrived.
        at: Instant,
    },
    /// A save finished: (the name used, what to tell the user), or why it
    /// failed.
    Saved(Result<(String, String), String>),
    /// The external editor finished: the new text, or why not.
    Edited(Result<String, String>),
    /// A jq filter finished.
    JqDone {
        /// The entry it ran on.
        entry: usize,
        /// The entry's generation when it started.
        generation: u64,
        /// The filter.
        filter: String,
        /// The outputs, or why it failed.
        result: Result<Vec<String>, String>,
    },
    /// The session's cookie jar, listed.
    Cookies(Vec<crate::http::cookies::Row>),
    /// An OAuth 2.0 token fetch ended.
    Token {
        /// The cache key asked for.
        key: String,
        /// The token, or why not.
        result: Result<apiscope_core::auth::oauth2::Token, String>,
    },
    /// A renewal ended: the request with new tokens, or `None`.
    Renewed {
        /// The entry of the request.
        entry: usize,
        /// The request again, with its tokens renewed, or why not.
        resolved: Result<Box<crate::collection::vars::Resolved>, String>,
    },
    /// History search results.
    HistoryRows(Result<Vec<crate::history::Row>, String>),
    /// A history exchange, decoded, with the request line it was sent from.
    HistoryLoaded(Result<Loaded, String>),
    /// The trust store took a directory (or why not).
    Trusted(Result<std::path::PathBuf, String>),
    /// A collection file changed on disk: its path and new text.
    FileChanged {
        /// The file.
        path: std::path::PathBuf,
        /// Its text now.
        text: String,
    },
    /// A collection file was written (its new text), or why not.
    FileWritten {
        /// The file, in `App::collection`.
        file: usize,
        /// The text written, or why not.
        result: super::editing::WriteResult,
        /// The environments beside it, read again after the private env
        /// file was written.
        envs: Option<Box<crate::collection::vars::Environments>>,
        /// What to do next.
        after: super::editing::AfterWrite,
    },
}

/// An exchange loaded from the history, decoded, with the request line it
/// was sent from.
pub type Loaded = (Box<Exchange>, Box<Diagnosis>, Option<String>);

/// Output of `update`: work for the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Send a request; answer with `Msg::Response { id, .. }`.
    Send {
        /// `# @no-cookie-jar` makes it false: sent without the session's
        /// cookie jar.
        cookies: bool,
        /// The id to answer with.
        id: u64,
        /// The request.
        request: Request,
        /// The request line it came from, as typed (kept in the history).
        line: String,
        /// The dialect earlier responses from the same API spoke: a success
        /// body that looks generic is decoded as that (budget policy, pages).
        dialect_hint: Option<String>,
        /// The dialect the user chose (a collection's `# @dialect`, the
        /// demo's): set on the exchange, decoded as the user's choice.
        dialect: Option<String>,
        /// Values to redact by value in the history's copy (a collection's
        /// secrets).
        secrets: Vec<String>,
        /// A collection environment's `SSLConfiguration` to send it with.
        transport: Option<Box<crate::collection::vars::Transport>>,
    },
    /// Get an OAuth 2.0 token (the cache's, refreshed or fetched) off the
    /// UI thread; answer with `Msg::Token`.
    Token {
        /// The configuration, its values resolved.
        config: Box<apiscope_core::auth::oauth2::Config>,
        /// Its cache key.
        key: String,
    },
    /// Renew the OAuth 2.0 tokens a request refused with a 401 carried,
    /// off the UI thread; answer with `Msg::Renewed`.
    Renew {
        /// The entry of the request.
        entry: usize,
        /// The request as resolved.
        resolved: Box<crate::collection::vars::Resolved>,
    },
    /// Abort the request with this id.
    Cancel(u64),
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Edit text in `$VISUAL`/`$EDITOR` (the terminal is handed over);
    /// answer with `Msg::Edited`.
    ExternalEdit(String),
    /// Deliver a `Tick` at this time.
    WakeAt(Instant),
    /// Run a jq filter on an entry's body off the UI thread; answer with
    /// `Msg::JqDone`. `remember` is the filter history to keep.
    Jq {
        /// The entry.
        entry: usize,
        /// The entry's generation (see `Entry::generation`).
        generation: u64,
        /// The filter.
        filter: String,
        /// The body (shared, not copied).
        body: bytes::Bytes,
        /// The filter history, newest last.
        remember: Vec<String>,
    },
    /// Stop the running jq filter.
    CancelJq,
    /// Write a collection file: `text` over `path` if it still holds
    /// `base` (else nothing is written), after the `extra` files (the
    /// private env file); answer with `Msg::FileWritten`.
    WriteFile {
        /// The file, in `App::collection`.
        file: usize,
        /// Its path.
        path: std::path::PathBuf,
        /// The text the edit was made on.
        base: String,
        /// The new text.
        text: String,
        /// Files written first, whole (path, text).
        extra: Vec<(std::path::PathBuf, String)>,
        /// What to do once written.
        after: super::editing::AfterWrite,
    },
    /// Open a file in `$EDITOR` at a line (the terminal is handed over);
    /// answer with `Msg::FileChanged` when it changed.
    EditFile {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line.
        line: usize,
    },
    /// Watch this file for changes made by other programs.
    Watch(std::path::PathBuf),
    /// Trust a collection directory for good (the trust store); answer
    /// with `Msg::Trusted`.
    Trust(std::path::PathBuf),
    /// Remember origins confirmed for a trusted collection directory.
    RememberOrigins {
        /// The directory.
        root: std::path::PathBuf,
        /// The origins.
        origins: Vec<String>,
    },
    /// Search the history; answer with `Msg::HistoryRows`.
    HistorySearch(String),
    /// Load one exchange of the history; answer with `Msg::HistoryLoaded`.
    HistoryLoad(i64),
    /// List the session's cookie jar; answer with `Msg::Cookies`.
    Cookies,
    /// Drop one cookie (domain, path, name) from the jar; answer with
    /// `Msg::Cookies`.
    CookieDelete(String, String, String),
    /// Write the session, a HAR and a Markdown report of these exchanges
    /// under this name in the sessions directory (built off the UI thread);
    /// answer with `Msg::Saved`.
    Save {
        /// The session's name (the file stem).
        name: String,
        /// Whether files of that name may be replaced (this run wrote them);
        /// else a free name (`name-2`…) is taken.
        overwrite: bool,
        /// The exchanges (bodies shared, not copied).
        exchanges: Vec<Exchange>,
        /// Their diagnoses.
        diagnoses: Vec<Diagnosis>,
        /// A collection's secret values: redacted by value in every file
        /// written (the diagnoses are then made again from the redacted
        /// exchanges).
        secrets: Vec<String>,
    },
}

/// The whole state of the TUI.
pub struct App {
    /// The session's requests.
    pub entries: Vec<Entry>,
    /// The selected entry.
    pub selected: usize,
    /// The request line editor (of the selected entry).
    pub editor: LineInput,
    /// Which pane has the keyboard.
    pub focus: Focus,
    /// Where Esc from the editor goes back to.
    pub focus_before_edit: Focus,
    /// The response tab.
    pub tab: Tab,
    /// Scroll offset of the current tab's content.
    pub scroll: usize,
    /// Sideways scroll of the Body and Raw tabs (when not wrapping).
    pub hscroll: usize,
    /// Wrap long lines on the Body and Raw tabs.
    pub wrap: bool,
    /// Lines the response area showed at the last draw (for paging keys).
    pub page_height: usize,
    /// Where the last draw put each pane, for mouse clicks.
    pub areas: Areas,
    /// The session's name, for saving (`S`).
    pub session_name: Option<String>,
    /// Mask credentials on screen (`m`), for screen sharing.
    pub mask: bool,
    /// Whether this run saved its session already (later saves replace it).
    pub saved_once: bool,
    /// The modal on screen (help, a question, the history, an overlay,
    /// the jq prompt, the body editor), if any.
    pub modal: Option<Modal>,
    /// Keys to actions.
    pub keymap: Keymap,
    /// How `A` spends the budget.
    pub paging: crate::config::Paging,
    /// Filters run, oldest first (kept across runs).
    pub jq_history: Vec<String>,
    /// A jq filter is running.
    pub jq_running: bool,
    /// The entry marked as the first side of a diff.
    pub diff_base: Option<usize>,
    /// The dialect each API (host and first path segment) answered in;
    /// `None` once two dialects were seen there.
    pub(super) dialects: std::collections::HashMap<String, Option<String>>,
    /// The request on the wire.
    pub in_flight: Option<InFlight>,
    /// The driver run in progress (a send, pages, a retry, a replay).
    pub activity: Option<Activity>,
    /// The rate-limit budgets of every host and credential.
    pub engine: Engine,
    /// The decoding profiles.
    pub profiles: Arc<Profiles>,
    /// A transient message for the status line.
    pub flash: Option<String>,
    /// The body search.
    pub search: Option<Search>,
    /// A banner (the demo server's address, the file opened).
    pub banner: Option<String>,
    /// The `.http` collections opened, with the environment chosen.
    pub collection: Option<super::collection::Collections>,
    /// A collection request being sent, its dependencies first: the
    /// collection run's plan, and the entry it leads to.
    pub plan: Option<(crate::collection::run::Plan, usize)>,
    /// The OAuth 2.0 token the plan waits for, fetched off the UI thread
    /// (`Cmd::Token`): its cache key.
    pub fetching: Option<String>,
    /// Tokens (or why not) fetches delivered, by cache key, kept while
    /// the plan that asked for them goes on.
    pub(super) tokens: super::collection::Delivered,
    /// Secret values collections resolved this session: redacted by value
    /// in the history.
    pub secrets: Vec<String>,
    /// The session's cookies as the cookie view (C) last listed them.
    pub cookie_rows: Vec<crate::http::cookies::Row>,
    /// C was pressed: its answer opens the cookie view.
    pub cookies_asked: bool,
    /// Collection files changed while a request was on the wire: taken in
    /// when it is done (file, text, what then).
    pub(super) pending_files: Vec<(usize, String, Option<super::editing::AfterWrite>)>,
    /// The file whose change on disk met an unsaved edit (`y` in the
    /// question takes the file's version).
    pub(super) conflict_file: Option<usize>,
    /// After a rename, the references offered to update: (file, old, new).
    pub(super) pending_references: Option<(usize, String, String)>,
    /// The collection run's question on screen (secrets to a new origin,
    /// a dependency to a local address): `y` confirms it.
    pub pending_confirm: Option<crate::collection::run::Confirmation>,
    /// `R` on a collection: every request of a file, in order, then a
    /// results view.
    pub run_all: Option<super::activity::RunAll>,
    /// "Now", as of the last message.
    pub now: Instant,
    /// Set when the user quits.
    pub quit: bool,
    pub(super) next_id: u64,
}

/// The line a first run starts with.
const EMPTY_LINE: &str = "GET https://";

impl App {
    /// A new app on these entries.
    pub fn new(entries: Vec<Entry>, profiles: Arc<Profiles>, now: Instant) -> App {
        let entries = if entries.is_empty() {
            vec![Entry::new(EMPTY_LINE, None)]
        } else {
            entries
        };
        let editor = LineInput::new(&entries[0].line);
        let focus = if entries.len() == 1 && entries[0].line == EMPTY_LINE {
            Focus::Editor
        } else {
            Focus::List
        };
        App {
            entries,
            selected: 0,
            editor,
            focus,
            focus_before_edit: Focus::List,
            tab: Tab::Overview,
            scroll: 0,
            hscroll: 0,
            wrap: false,
            page_height: 20,
            areas: Areas::default(),
            session_name: None,
            mask: false,
            saved_once: false,
            modal: None,
            keymap: Keymap::default(),
            paging: crate::config::Paging::default(),
            jq_history: Vec::new(),
            jq_running: false,
            diff_base: None,
            dialects: Default::default(),
            in_flight: None,
            activity: None,
            engine: Engine::default(),
            profiles,
            flash: None,
            search: None,
            banner: None,
            collection: None,
            plan: None,
            fetching: None,
            tokens: std::collections::HashMap::new(),
            secrets: Vec::new(),
            cookie_rows: Vec::new(),
            cookies_asked: false,
            pending_files: Vec::new(),
            conflict_file: None,
            pending_references: None,
            pending_confirm: None,
            run_all: None,
            now,
            quit: false,
            next_id: 1,
        }
    }

    /// The selected entry.
    pub fn current(&self) -> &Entry {
        &self.entries[self.selected]
    }

    /// The budget view for the selected entry's host and credential.
    pub fn budget_view(&self) -> Option<crate::budget::BudgetView> {
        let req = self.current().exchange.as_ref()?.request.as_ref()?;
        self.engine.view(req, self.now)
    }

    /// Applies the config file's `[keys]`.
    pub fn set_keymap(&mut self, keys: &[(String, Vec<super::action::Key>)]) {
        self.keymap = Keymap::with(keys);
    }

    /// The context whose key hints the status line shows.
    pub fn context(&self) -> Context {
        match self.focus {
            Focus::List
                if matches!(
                    self.entries[self.selected].origin,
                    Origin::Collection { .. } | Origin::Broken { .. }
                ) =>
            {
                Context::Collection
            }
            Focus::List | Focus::Editor => Context::List,
            Focus::Response if self.tab == Tab::Body => Context::Body,
            Focus::Response => Context::Response,
        }
    }

    /// Handles one message.
    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        let cmds = self.handle(msg);
        if !self.pending_files.is_empty() {
            self.apply_pending_files();
        }
        // The collection run's question closed without a yes: nothing of
        // that plan is sent.
        if self.pending_confirm.is_some() && self.modal.is_none() {
            self.pending_confirm = None;
            self.plan = None;
            // A file's run stops there, and shows what it did.
            if self.run_all.is_some() {
                self.finish_run_all(Some("stopped: a question was answered no"));
            }
        }
        cmds
    }

    fn handle(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Trusted(result) => {
                match (result, self.collection.as_mut()) {
                    (Ok(root), Some(c)) => {
                        c.run.trust_mut().set_trusted(true);
                        self.flash = Some(format!(
                            "{} is trusted: its >> lines write inside it (apiscope trust --list)",
                            root.display()
                        ));
                    }
                    (Err(e), _) => self.flash = Some(format!("Not trusted: {e}")),
                    _ => {}
                }
                Vec::new()
            }
            Msg::FileChanged { path, text } => {
                self.file_changed(&path, &text);
                Vec::new()
            }
            Msg::FileWritten {
                file,
                result,
                envs,
                after,
            } => self.written(file, result, envs, after),
            Msg::Tick(now) => {
                self.now = now;
                self.tick()
            }
            Msg::Resize => Vec::new(),
            Msg::Paste(text) => self.paste(&text),
            Msg::Mouse(m) => self.mouse(m),
            Msg::Key(key) => self.key(key),
            Msg::Edited(result) => {
                match result {
                    Ok(text) => {
                        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                        self.modal = Some(Modal::BodyEditor(Box::new(
                            modal::body_editor::BodyEditor::new(lines),
                        )));
                        self.flash = Some(
                            "Edited in $EDITOR · Ctrl-S applies the body · Esc discards".into(),
                        );
                    }
                    Err(e) => self.flash = Some(e),
                }
                Vec::new()
            }
            Msg::JqDone {
                entry,
                generation,
                filter,
                result,
            } => {
                self.jq_done(entry, generation, filter, result);
                Vec::new()
            }
            Msg::HistoryRows(result) => {
                if let Some(Modal::History(h)) = self.modal.as_mut() {
                    h.set_rows(result);
                }
                Vec::new()
            }
            Msg::Token { key, result } => self.token_fetched(key, result),
            Msg::Renewed { entry, resolved } => self.renewal_done(entry, resolved),
            Msg::Cookies(rows) => {
                // The answer to C, or to a delete while the view is open
                // (not once it was closed, or over another view).
                let open = matches!(&self.modal, Some(Modal::Overlay(o))
                    if o.purpose == super::modal::overlay::Purpose::Cookies);
                if std::mem::take(&mut self.cookies_asked) || open {
                    self.show_cookies(rows);
                }
                Vec::new()
            }
            Msg::HistoryLoaded(result) => {
                match result {
                    Ok((exchange, diagnosis, line)) => {
                        let mut e = Entry::recorded(*exchange, Some(*diagnosis), Origin::History);
                        if let Some(l) = line {
                            e.line = l;
                        }
                        self.entries.push(e);
                        let i = self.entries.len() - 1;
                        self.select(i);
                        self.focus = Focus::Response;
                        self.flash = Some(
                            "From the history: Enter resends (as a new entry), e edits, d marks it for a diff"
                                .into(),
                        );
                    }
                    Err(e) => self.flash = Some(e),
                }
                Vec::new()
            }
            Msg::Saved(result) => {
                self.flash = Some(match result {
                    Ok((name, m)) => {
                        self.session_name = Some(name);
                        self.saved_once = true;
                        m
                    }
                    Err(e) => format!("Not saved: {e}"),
                });
                Vec::new()
            }
            Msg::Response {
                id,
                exchange,
                diagnosis,
                at,
            } => self.response(id, *exchange, *diagnosis, at),
        }
    }

    fn jq_done(
        &mut self,
        entry: usize,
        generation: u64,
        filter: String,
        result: Result<Vec<String>, String>,
    ) {
        self.jq_running = false;
        let current = self
            .entries
            .get(entry)
            .is_some_and(|e| e.generation == generation);
        if !current {
            // The body changed while the filter ran: drop it.
            return;
        }
        match result {
            Ok(outputs) => {
                let output = outputs.join("\n").into_bytes();
                // One value is JSON again (coloured); several are shown
                // one after the other as jq prints them.
                let doc = if outputs.len() == 1 {
                    BodyDoc::new(&output)
                } else {
                    BodyDoc::plain(&output)
                };
                self.flash = Some(format!(
                    "jq {filter}: {} output{} · Esc shows the body again",
                    outputs.len(),
                    if outputs.len() == 1 { "" } else { "s" }
                ));
                self.entries[entry].filtered = Some(Filtered {
                    filter,
                    count: outputs.len(),
                    output,
                    doc,
                });
                if entry == self.selected {
                    self.scroll = 0;
                    self.search = None;
                }
            }
            Err(e) => self.flash = Some(format!("jq: {e}")),
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Cmd> {
        if let Some(m) = self.modal.as_mut() {
            let outcome = m.paste(text);
            return self.apply(outcome);
        }
        if self.focus == Focus::Editor {
            // A pasted URL with its scheme replaces the pre-filled one
            // (`GET https://` + `http://127.0.0.1:…`), and a pasted whole
            // request line replaces the pre-filled line.
            let pasted = text.trim();
            let current = self.editor.text().to_owned();
            let has_scheme = pasted.starts_with("http://") || pasted.starts_with("https://");
            let line_like = pasted.split_once(' ').is_some_and(|(m, rest)| {
                m.chars().all(|c| c.is_ascii_uppercase())
                    && (rest.starts_with("http") || rest.starts_with(':'))
            });
            if current == EMPTY_LINE && line_like {
                self.editor = LineInput::new(pasted);
                return Vec::new();
            }
            if has_scheme {
                let before: String = current.chars().take(self.editor.cursor()).collect();
                for scheme in ["https://", "http://"] {
                    if before.ends_with(scheme) {
                        for _ in 0..scheme.len() {
                            self.editor.backspace();
                        }
                        break;
                    }
                }
            }
            self.editor.insert(text);
        } else if let Some(s) = self.search.as_mut().filter(|s| s.typing) {
            s.query.push_str(text);
        }
        Vec::new()
    }

    fn mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        // A modal owns the screen: the panes under it take no clicks (a
        // click must not switch the request being edited).
        if self.modal.is_some() {
            return Vec::new();
        }
        let at = Position::new(m.column, m.row);
        let a = self.areas;
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let step = if m.kind == MouseEventKind::ScrollDown {
                    1
                } else {
                    -1
                };
                if a.list.is_some_and(|l| l.contains(at)) {
                    let n = self.entries.len() as isize;
                    let next = (self.selected as isize + step).clamp(0, n - 1) as usize;
                    self.select(next);
                } else {
                    self.scroll_by(3 * step);
                }
            }
            MouseEventKind::Down(MouseButton::Left) => {
                if let Some(l) = a.list.filter(|l| l.contains(at)) {
                    self.focus = Focus::List;
                    let i = a.list_start + (m.row - l.y) as usize;
                    if i < self.entries.len() {
                        self.select(i);
                    }
                } else if a.editor.contains(at) {
                    self.enter_editor();
                    let col = (m.column - a.editor.x) as usize;
                    self.editor.set_cursor(a.editor_start + col);
                } else if a.tab_row.contains(at) {
                    self.focus = Focus::Response;
                    if let Some(i) = a
                        .tabs
                        .iter()
                        .position(|(x0, x1)| (*x0..*x1).contains(&m.column))
                    {
                        self.set_tab(Tab::ALL[i]);
                    }
                } else if a.response.contains(at) {
                    self.focus = Focus::Response;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // Ctrl-C quits, except in the body editor, where it copies.
        if ctrl
            && key.code == KeyCode::Char('c')
            && !matches!(self.modal, Some(Modal::BodyEditor(_)))
        {
            self.quit = true;
            return self.cancel_all();
        }
        self.flash = None;
        if let Some(m) = self.modal.as_mut() {
            let page = self.page_height;
            let outcome = m.key(key, page);
            return self.apply(outcome);
        }
        if let Some(s) = self.search.as_mut()
            && s.typing
        {
            match key.code {
                KeyCode::Esc => self.search = None,
                KeyCode::Enter => {
                    s.typing = false;
                    self.run_search();
                }
                KeyCode::Backspace => {
                    s.query.pop();
                }
                KeyCode::Char(c) if !ctrl => s.query.push(c),
                _ => {}
            }
            return Vec::new();
        }
        if self.focus == Focus::Editor {
            return self.editor_key(key, ctrl);
        }
        // A key bound to two actions (n: next match while searching, else
        // a new request) does the first that applies.
        let actions = self.keymap.actions(&key);
        let searching = self.search.is_some();
        let action = actions
            .iter()
            .copied()
            .find(|a| searching || !matches!(a, Action::NextMatch | Action::PreviousMatch))
            .or_else(|| actions.first().copied());
        match action {
            Some(action) => self.act(action, false),
            None => Vec::new(),
        }
    }

    /// Applies what a modal answered.
    fn apply(&mut self, outcome: Outcome) -> Vec<Cmd> {
        match outcome {
            Outcome::Keep => Vec::new(),
            Outcome::Close => {
                self.modal = None;
                Vec::new()
            }
            Outcome::CloseWith(m) => {
                self.modal = None;
                self.flash = Some(m);
                Vec::new()
            }
            Outcome::Flash(m) => {
                self.flash = Some(m);
                Vec::new()
            }
            Outcome::Confirmed(action) => {
                self.modal = None;
                self.act(action, true)
            }
            Outcome::HistorySearch(q) => vec![Cmd::HistorySearch(q)],
            Outcome::HistoryOpen(id) => {
                self.modal = None;
                vec![Cmd::HistoryLoad(id)]
            }
            Outcome::DeleteCookie(i) => match self.cookie_rows.get(i) {
                Some(r) => vec![Cmd::CookieDelete(
                    r.domain.clone(),
                    r.path.clone(),
                    r.name.clone(),
                )],
                None => Vec::new(),
            },
            Outcome::ShowEntry(entry) => {
                self.modal = None;
                if entry < self.entries.len() {
                    self.select(entry);
                    self.tab = super::app::Tab::Overview;
                }
                Vec::new()
            }
            Outcome::RunJq(filter) => {
                self.modal = None;
                self.run_jq(filter)
            }
            Outcome::ApplyBody(body) => {
                self.modal = None;
                let words = match shell_words(self.editor.text()) {
                    Ok(w) => w,
                    Err(e) => {
                        self.flash = Some(e);
                        return Vec::new();
                    }
                };
                let new = items::replace_body(&words, &body);
                let line = new.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
                self.editor = LineInput::new(&line);
                self.flash = Some("Body applied to the request line · Enter sends".into());
                Vec::new()
            }
            Outcome::ExternalEdit(text) => vec![Cmd::ExternalEdit(text)],
            o @ Outcome::Prompted(..) => self.apply_collection(o),
        }
    }

    /// Does what an action says; `confirmed` when the user already
    /// answered yes to its question.
    pub fn act(&mut self, action: Action, confirmed: bool) -> Vec<Cmd> {
        match action {
            Action::Send => return self.send_selected(confirmed),
            Action::Edit => self.enter_editor(),
            Action::Body => self.open_body_editor(),
            Action::Cancel => return self.escape(),
            Action::NextPage => return self.next_page(false, confirmed),
            Action::AllPages => return self.next_page(true, confirmed),
            Action::Retry => return self.retry(confirmed),
            Action::ReplayAll => return self.replay_all(confirmed),
            Action::RunFile => {
                if self.collection.is_some()
                    && matches!(
                        self.entries[self.selected].origin,
                        Origin::Collection { .. }
                    )
                {
                    return self.replay_all(confirmed);
                }
                self.flash = Some(
                    "Ctrl-r runs a .http collection: choose one of its requests (apiscope open FILE.http or DIR)".into(),
                );
            }
            Action::CopyCurl => return self.copy_curl(),
            Action::CopyBody => return self.copy_body(),
            Action::CopyReport => return self.copy_diagnosis(),
            Action::Search => {
                self.tab = Tab::Body;
                self.focus = Focus::Response;
                self.search = Some(Search {
                    typing: true,
                    ..Search::default()
                });
            }
            Action::NextMatch if self.search.is_some() => self.step_match(1),
            Action::PreviousMatch if self.search.is_some() => self.step_match(-1),
            Action::NextMatch | Action::PreviousMatch => {
                self.flash = Some("No search: / searches the body".into());
            }
            Action::Filter => self.open_jq(),
            Action::Wrap => {
                self.wrap = !self.wrap;
                self.hscroll = 0;
                self.flash = Some(
                    if self.wrap {
                        "Long lines wrapped (Body and Raw)"
                    } else {
                        "Long lines not wrapped: ←/→ scroll sideways"
                    }
                    .into(),
                );
            }
            Action::Save => return self.save(),
            Action::History => {
                self.modal = Some(Modal::History(Default::default()));
                return vec![Cmd::HistorySearch(String::new())];
            }
            Action::Diff => self.mark_or_diff(),
            Action::Timeline => self.show_timeline(),
            Action::Cookies => {
                self.cookies_asked = true;
                return vec![Cmd::Cookies];
            }
            Action::Environment => self.next_environment(),
            Action::Variables => self.show_variables(),
            Action::SaveRequest => return self.save_request(),
            Action::NewRequest => self.new_request(),
            Action::Duplicate => self.duplicate_request(),
            Action::Rename if confirmed => return self.update_references(),
            Action::Rename => self.rename_request(),
            Action::Delete => return self.delete_request(confirmed),
            Action::OpenInEditor => return self.open_in_editor(),
            Action::Revert => self.revert(confirmed),
            Action::AddToCollection => self.add_to_collection(),
            Action::TrustCollection => return self.trust_collection(confirmed),
            Action::Mask => {
                self.mask = !self.mask;
                self.flash = Some(
                    if self.mask {
                        "Credentials masked on screen (and in copied curl commands)"
                    } else {
                        "Credentials shown"
                    }
                    .into(),
                );
            }
            Action::Help => {
                self.modal = Some(Modal::Help(modal::help::Help::new(self.keymap.help_rows())));
            }
            Action::Quit => {
                self.quit = true;
                return self.cancel_all();
            }
            Action::Down => self.down(1),
            Action::Up => self.down(-1),
            Action::PageDown => self.scroll_by(self.page_height as isize),
            Action::PageUp => self.scroll_by(-(self.page_height as isize)),
            Action::HalfDown => self.scroll_by(self.page_height as isize / 2),
            Action::HalfUp => self.scroll_by(-(self.page_height as isize / 2)),
            // In the list: the first and the last request; elsewhere the
            // top and the end of the response.
            Action::Top if self.focus == Focus::List => self.select(0),
            Action::Bottom if self.focus == Focus::List => {
                self.select(self.entries.len().saturating_sub(1));
            }
            Action::Top => {
                self.scroll = 0;
                self.hscroll = 0;
            }
            Action::Bottom => self.scroll_to_end(),
            Action::OverviewTab => self.set_tab(Tab::Overview),
            Action::BodyTab => self.set_tab(Tab::Body),
            Action::HeadersTab => self.set_tab(Tab::Headers),
            Action::RawTab => self.set_tab(Tab::Raw),
            Action::NextTab if self.focus == Focus::Response => self.step_tab(1),
            Action::PreviousTab if self.focus == Focus::Response => self.step_tab(-1),
            Action::NextTab | Action::PreviousTab => {}
            Action::Left | Action::Right => {
                let step = if action == Action::Left { -1 } else { 1 };
                if matches!(self.tab, Tab::Body | Tab::Raw) && !self.wrap {
                    self.hscroll = self.hscroll.saturating_add_signed(step * 8);
                } else if self.focus == Focus::Response {
                    self.step_tab(step as i32);
                }
            }
            Action::NextPane | Action::PreviousPane => {
                self.focus = match self.focus {
                    Focus::List => Focus::Response,
                    _ => Focus::List,
                };
            }
        }
        Vec::new()
    }

    /// Esc outside the editor: unfilter the body, else cancel what runs,
    /// else go back to the list.
    fn escape(&mut self) -> Vec<Cmd> {
        if self.tab == Tab::Body
            && self.entries[self.selected].filtered.is_some()
            && self.in_flight.is_none()
            && !self.jq_running
        {
            self.entries[self.selected].filtered = None;
            self.scroll = 0;
            self.search = None;
            self.flash = Some("The body, unfiltered".into());
            return Vec::new();
        }
        if self.jq_running
            || self.in_flight.is_some()
            || self.activity.is_some()
            || self.fetching.is_some()
            || self.search.is_some()
        {
            return self.cancel_all();
        }
        if self.focus == Focus::Response {
            self.focus = Focus::List;
        }
        Vec::new()
    }

    fn enter_editor(&mut self) {
        if self.focus != Focus::Editor {
            self.focus_before_edit = self.focus;
        }
        self.focus = Focus::Editor;
    }

    fn leave_editor(&mut self) {
        self.focus = if self.focus_before_edit == Focus::Editor {
            Focus::List
        } else {
            self.focus_before_edit
        };
    }

    fn editor_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        match key.code {
            // Send, and leave the editor (like Esc): the next key is a
            // command again (2 shows the body, j/k move in the list).
            KeyCode::Enter => {
                let cmds = self.send_selected(false);
                // A line that does not parse keeps the editor: fix it there.
                if !cmds.is_empty() || self.modal.is_some() {
                    self.leave_editor();
                }
                return cmds;
            }
            KeyCode::Esc => self.leave_editor(),
            KeyCode::Tab => self.focus = Focus::Response,
            KeyCode::BackTab => self.focus = Focus::List,
            KeyCode::Backspace if key.modifiers.contains(KeyModifiers::ALT) => {
                self.editor.delete_word();
            }
            KeyCode::Backspace => self.editor.backspace(),
            KeyCode::Delete => self.editor.delete(),
            KeyCode::Left => self.editor.move_by(-1),
            KeyCode::Right => self.editor.move_by(1),
            KeyCode::Home => self.editor.home(false),
            KeyCode::End => self.editor.home(true),
            KeyCode::Char('a') if ctrl => self.editor.home(false),
            KeyCode::Char('e') if ctrl => self.editor.home(true),
            KeyCode::Char('w') if ctrl => self.editor.delete_word(),
            KeyCode::Char('u') if ctrl => self.editor.clear(),
            KeyCode::Char('z') if ctrl => self.editor.undo(),
            KeyCode::Char('b') if ctrl => self.open_body_editor(),
            KeyCode::Char('s') if ctrl => return self.save_request(),
            KeyCode::Char(c) if !ctrl => self.editor.insert(&c.to_string()),
            _ => {}
        }
        Vec::new()
    }

    fn set_tab(&mut self, tab: Tab) {
        if self.tab != tab {
            self.tab = tab;
            self.scroll = 0;
            self.hscroll = 0;
        }
    }

    fn step_tab(&mut self, step: i32) {
        let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0) as i32;
        self.set_tab(Tab::ALL[(i + step).rem_euclid(4) as usize]);
    }

    fn down(&mut self, step: isize) {
        if self.focus == Focus::List {
            let n = self.entries.len() as isize;
            let next = (self.selected as isize + step).clamp(0, n - 1) as usize;
            self.select(next);
        } else {
            self.scroll_by(step);
        }
    }

    /// After opening a file: selects the first failed exchange at or after
    /// `from` (else the first one), with the list in focus (j/k move
    /// between exchanges; Tab goes to the response).
    pub fn open_first_failure(&mut self, from: usize) {
        let failed = (from..self.entries.len()).find(|&i| {
            self.entries[i]
                .diagnosis
                .as_ref()
                .is_some_and(|d| d.is_error())
        });
        let i = failed
            .unwrap_or(from)
            .min(self.entries.len().saturating_sub(1));
        self.selected = usize::MAX;
        self.select(i);
        self.focus = Focus::List;
        let total = self.entries.len() - from;
        let errors = (from..self.entries.len())
            .filter(|&i| {
                self.entries[i]
                    .diagnosis
                    .as_ref()
                    .is_some_and(|d| d.is_error())
            })
            .count();
        let s = if total == 1 { "" } else { "s" };
        self.flash = Some(match failed {
            Some(_) => format!(
                "{total} exchange{s}, {errors} failed; showing the first failure · offline: nothing is sent without asking"
            ),
            None => format!(
                "{total} exchange{s}, none failed · offline: nothing is sent without asking"
            ),
        });
    }

    /// Selects an entry: its line goes into the editor.
    pub fn select(&mut self, i: usize) {
        if i < self.entries.len() && i != self.selected {
            // An unsent edit of the request line stays with its entry.
            if let Some(cur) = self.entries.get_mut(self.selected) {
                let text = self.editor.text();
                cur.draft = (text != cur.line).then(|| text.to_owned());
            }
            self.selected = i;
            let e = &self.entries[i];
            self.editor = LineInput::new(e.draft.as_deref().unwrap_or(&e.line));
            self.scroll = 0;
            self.hscroll = 0;
            self.search = None;
        }
    }

    fn scroll_by(&mut self, delta: isize) {
        self.scroll = self.scroll.saturating_add_signed(delta).min(MAX_SCROLL);
    }

    fn scroll_to_end(&mut self) {
        if self.tab == Tab::Body
            && let Some((doc, bytes)) = self.entries[self.selected].body_mut()
        {
            doc.ensure_lines(bytes, usize::MAX);
            self.scroll = doc.known_lines().0.saturating_sub(self.page_height);
        } else {
            self.scroll = MAX_SCROLL;
        }
    }

    fn run_search(&mut self) {
        let Some(s) = self.search.as_mut() else {
            return;
        };
        let Some((_, bytes)) = self.entries[self.selected].body_mut() else {
            self.flash = Some("No body to search".into());
            return;
        };
        s.matches = BodyDoc::find_all(bytes, &s.query, 100_000);
        s.current = 0;
        if s.matches.is_empty() {
            self.flash = Some(format!("Not found: {}", s.query));
        }
        self.show_match();
    }

    fn step_match(&mut self, step: isize) {
        if let Some(s) = self.search.as_mut()
            && !s.matches.is_empty()
        {
            let n = s.matches.len() as isize;
            s.current = (s.current as isize + step).rem_euclid(n) as usize;
        }
        self.show_match();
    }

    fn show_match(&mut self) {
        let Some(s) = &self.search else { return };
        let Some(&offset) = s.matches.get(s.current) else {
            return;
        };
        let (current, total) = (s.current + 1, s.matches.len());
        if let Some((doc, bytes)) = self.entries[self.selected].body_mut() {
            doc.ensure_offset(bytes, offset);
            let line = doc.line_of_offset(bytes, offset);
            self.scroll = line.saturating_sub(self.page_height / 3);
            self.hscroll = 0;
            self.flash = Some(format!("match {current} of {total}"));
        }
    }

    /// Parses a request line into a request, or says why not: `{{env.NAME}}`
    /// resolved (an unset one is an error, never sent as text), a missing
    /// URL or a method with no URL refused.
    pub fn parse_line(line: &str) -> Result<Request, String> {
        let words = shell_words(line)?;
        let words: Vec<String> = match words.first() {
            Some(w) if w == "http" || w == "https" || w == "xh" => words[1..].to_vec(),
            _ => words,
        };
        let words = words
            .iter()
            .map(|w| expand_env(w, |name| std::env::var(name).ok()))
            .collect::<Result<Vec<_>, _>>()?;
        items::parse(&words)
            .map(|s| s.to_request())
            .map_err(|e| e.to_string())
    }

    fn copy_curl(&mut self) -> Vec<Cmd> {
        // A collection request: its variables resolved (the requests it
        // refers to must have answered), as it would be sent.
        let parsed = match (&self.entries[self.selected].origin, &self.collection) {
            (Origin::Collection { file, index }, Some(c)) => c
                .resolve(*file, *index)
                .map(|r| r.request)
                .map_err(|e| match e {
                    crate::collection::vars::ResolveError::Need(d) => {
                        format!("Not copied: it uses the response of '{d}': send it first")
                    }
                    crate::collection::vars::ResolveError::NeedRun { var, .. } => {
                        format!("Not copied: it uses {{{{{var}}}}}, which a response handler sets: send that request first")
                    }
                    crate::collection::vars::ResolveError::Error(e) => {
                        format!("Not copied: {e}")
                    }
                }),
            _ => App::parse_line(self.editor.text()),
        };
        match parsed {
            Ok(mut req) => {
                if self.mask {
                    crate::redact::request(&mut req);
                    // A collection's secrets, whatever their header's name.
                    let mut x = Exchange {
                        request: Some(req),
                        ..Exchange::default()
                    };
                    crate::redact::values(&mut x, &self.secrets_of_collection());
                    req = x.request.unwrap_or_default();
                    self.flash = Some("Copied as curl, credentials masked (m shows them)".into());
                } else {
                    self.flash = Some("Copied as curl".into());
                }
                vec![Cmd::Copy(crate::line::curl_command(&req))]
            }
            Err(e) => {
                self.flash = Some(e);
                Vec::new()
            }
        }
    }

    /// Every secret value the collection's requests resolve to (and those
    /// sent this session): masked with `m` whatever they are called.
    pub fn secrets_of_collection(&self) -> Vec<String> {
        let mut out = self.secrets.clone();
        if let Some(c) = &self.collection {
            out.extend(c.secret_values());
        }
        out.sort();
        out.dedup();
        out
    }

    fn copy_body(&mut self) -> Vec<Cmd> {
        let text = self
            .current()
            .exchange
            .as_ref()
            .map(|e| String::from_utf8_lossy(&e.response.body).into_owned());
        match text {
            Some(t) => {
                self.flash = Some("Copied the body".into());
                vec![Cmd::Copy(t)]
            }
            None => Vec::new(),
        }
    }

    fn copy_diagnosis(&mut self) -> Vec<Cmd> {
        let text = self
            .current()
            .diagnosis
            .as_ref()
            .map(|d| crate::report::markdown::render(std::slice::from_ref(d)));
        // (render redacts tokens in URLs: the report goes into tickets.)
        match text {
            Some(t) => {
                self.flash = Some("Copied the diagnosis (Markdown)".into());
                vec![Cmd::Copy(t)]
            }
            None => Vec::new(),
        }
    }

    /// `b`: the request's body in a multi-line editor (pretty JSON when it
    /// is JSON).
    /// The body is the line's as written: `{{…}}` stay (a collection's
    /// request is resolved only when it is sent).
    fn open_body_editor(&mut self) {
        let body = shell_words(self.editor.text())
            .and_then(|w| items::Items::parse(&w).map_err(|e| e.to_string()))
            .and_then(|i| i.body_text());
        let text = match body {
            Ok(Some(t)) => match serde_json::from_str::<serde_json::Value>(&t) {
                Ok(v) => serde_json::to_string_pretty(&v).unwrap_or(t),
                Err(_) => t,
            },
            Ok(None) => String::new(),
            Err(e) => {
                self.flash = Some(format!("Fix the request line first: {e}"));
                return;
            }
        };
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            text.lines().map(str::to_owned).collect()
        };
        self.modal = Some(Modal::BodyEditor(Box::new(
            modal::body_editor::BodyEditor::new(lines),
        )));
    }

    fn open_jq(&mut self) {
        if self.entries[self.selected].exchange.is_none() {
            self.flash = Some("No body to filter yet: send the request first".into());
            return;
        }
        self.tab = Tab::Body;
        self.focus = Focus::Response;
        let applied = self.entries[self.selected]
            .filtered
            .as_ref()
            .map(|f| f.filter.clone());
        self.modal = Some(Modal::Jq(modal::jq::JqPrompt::new(
            self.jq_history.clone(),
            applied,
        )));
    }

    fn run_jq(&mut self, filter: String) -> Vec<Cmd> {
        self.jq_history.retain(|f| *f != filter);
        self.jq_history.push(filter.clone());
        let overflow = self.jq_history.len().saturating_sub(100);
        self.jq_history.drain(..overflow);
        let entry = self.selected;
        let Some(ex) = self.entries[entry].exchange.as_ref() else {
            return Vec::new();
        };
        self.flash = Some(format!("jq {filter}: running… (Esc stops it)"));
        self.jq_running = true;
        vec![Cmd::Jq {
            entry,
            generation: self.entries[entry].generation,
            filter,
            body: ex.response.body.clone(),
            remember: self.jq_history.clone(),
        }]
    }

    /// `T`: the rate-limit timeline of every exchange in the session.
    /// The cookie view: every cookie of the session's jar, its value
    /// masked (a cookie is a credential), `x` deleting the chosen one. The
    /// cursor stays where it was after a delete.
    fn show_cookies(&mut self, rows: Vec<crate::http::cookies::Row>) {
        use super::diff::Kind;
        let cursor = match &self.modal {
            Some(Modal::Overlay(o)) if o.purpose == super::modal::overlay::Purpose::Cookies => {
                o.cursor
            }
            _ => None,
        };
        let mut lines = vec![(
            Kind::Title,
            match rows.len() {
                0 => {
                    "The session's cookie jar is empty: no response has set a cookie yet".to_owned()
                }
                1 => "1 cookie in the session's jar (x deletes the chosen one)".to_owned(),
                n => format!("{n} cookies in the session's jar (x deletes the chosen one)"),
            },
        )];
        let mut targets = vec![None];
        for (i, r) in rows.iter().enumerate() {
            let shown: String = r.value.chars().take(2).collect();
            let masked = if r.value.chars().count() <= 4 {
                "••••".to_owned()
            } else {
                format!("{shown}… ({} chars)", r.value.chars().count())
            };
            let mut flags = Vec::new();
            if r.host_only {
                flags.push("this host only");
            }
            if r.secure {
                flags.push("Secure");
            }
            if r.http_only {
                flags.push("HttpOnly");
            }
            flags.push(if r.session { "session" } else { "persistent" });
            lines.push((
                Kind::Same,
                format!(
                    "{}{}  {}={masked}  {}",
                    r.domain,
                    r.path,
                    r.name,
                    flags.join(" · ")
                ),
            ));
            targets.push(Some(i));
        }
        self.cookie_rows = rows;
        let mut o = super::modal::overlay::Overlay::new("Cookies", lines).with_targets(targets);
        o.purpose = super::modal::overlay::Purpose::Cookies;
        if let Some(c) = cursor {
            // The same line, or the last one when it was the last deleted.
            let last = o.targets.iter().rposition(Option::is_some);
            o.cursor = last.map(|l| c.min(l)).filter(|_| o.cursor.is_some());
            o.scroll = o.cursor.map_or(0, |c| c.saturating_sub(2));
        }
        self.modal = Some(Modal::Overlay(o));
    }

    fn show_timeline(&mut self) {
        use super::diff::Kind;
        use crate::timeline::LineKind;
        let (exchanges, diagnoses): (Vec<Exchange>, Vec<Diagnosis>) = self
            .entries
            .iter()
            .filter_map(|e| {
                Some((
                    (**e.exchange.as_ref()?).clone(),
                    (**e.diagnosis.as_ref()?).clone(),
                ))
            })
            .unzip();
        if exchanges.is_empty() {
            self.flash = Some("No responses yet: nothing to put on a timeline".into());
            return;
        }
        let hosts = crate::timeline::build(&exchanges, &diagnoses, &self.profiles);
        let lines = crate::timeline::render(&hosts)
            .into_iter()
            .map(|l| {
                let kind = match l.kind {
                    LineKind::Title => Kind::Title,
                    LineKind::Alarm => Kind::Old,
                    LineKind::Note | LineKind::Blank => Kind::Note,
                    LineKind::Window => Kind::Same,
                };
                (kind, l.text)
            })
            .collect();
        self.modal = Some(Modal::Overlay(modal::overlay::Overlay::new(
            format!("Rate-limit timeline of {} exchanges", exchanges.len()),
            lines,
        )));
    }

    /// `E`: the collection's next environment.
    fn next_environment(&mut self) {
        let Some(c) = self.collection.as_mut() else {
            self.flash =
                Some("No collection open: E switches the environment of a .http collection".into());
            return;
        };
        let names = c.env_names();
        self.flash = Some(match c.next_env() {
            Some(e) => format!("Environment: {e} (of {})", names.join(", ")),
            None if names.is_empty() => {
                "No environment files beside the collection (http-client.env.json)".into()
            }
            None => format!("Environment: none (E: {})", names.join(", ")),
        });
    }

    /// `V`: the selected request's variables, their values and sources.
    fn show_variables(&mut self) {
        let (Some(c), Origin::Collection { file, index }) = (
            self.collection.as_ref(),
            self.entries[self.selected].origin.clone(),
        ) else {
            self.flash = Some("V shows the variables of a .http collection's request".into());
            return;
        };

        let lines = c
            .variables(file, index)
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let kind = if i == 0 {
                    super::diff::Kind::Title
                } else {
                    super::diff::Kind::Same
                };
                (kind, l)
            })
            .collect();
        let title = format!("Variables of {}", c.files()[file].requests[index].label());
        self.modal = Some(Modal::Overlay(modal::overlay::Overlay::new(title, lines)));
    }

    /// `d`: marks this exchange as the first side of a diff, or diffs the
    /// marked one against this one.
    fn mark_or_diff(&mut self) {
        let cur = self.selected;
        let has = |e: &Entry| e.exchange.is_some() && e.diagnosis.is_some();
        if !has(&self.entries[cur]) {
            self.flash = Some("No response to compare yet: send it first".into());
            return;
        }
        match self
            .diff_base
            .filter(|&b| b != cur && b < self.entries.len() && has(&self.entries[b]))
        {
            None => {
                self.diff_base = Some(cur);
                self.flash = Some(format!(
                    "Marked #{} for a diff: select another exchange and press d",
                    cur + 1
                ));
            }
            Some(base) => {
                let (a, b) = (&self.entries[base], &self.entries[cur]);
                if let (Some(ea), Some(da), Some(eb), Some(db)) =
                    (&a.exchange, &a.diagnosis, &b.exchange, &b.diagnosis)
                {
                    // Masked on screen: the diff shows redacted copies
                    // (cheap: bodies are shared until redaction rewrites).
                    let (mut ea, mut eb) = (ea.clone(), eb.clone());
                    let (mut da, mut db) = (da.clone(), db.clone());
                    if self.mask {
                        crate::redact::exchange(&mut ea);
                        crate::redact::exchange(&mut eb);
                        da.url = da.url.as_deref().map(crate::redact::url);
                        db.url = db.url.as_deref().map(crate::redact::url);
                    }
                    self.modal = Some(Modal::Overlay(modal::overlay::Overlay::new(
                        format!("Diff: #{} → #{}", base + 1, cur + 1),
                        super::diff::diff((&ea, &da), (&eb, &db)),
                    )));
                }
                self.diff_base = None;
            }
        }
    }

    /// `S`: the session as files (every entry that has a response,
    /// redacted), written off the UI thread.
    fn save(&mut self) -> Vec<Cmd> {
        let (exchanges, diagnoses): (Vec<Exchange>, Vec<Diagnosis>) = self
            .entries
            .iter()
            .filter_map(|e| {
                Some((
                    (**e.exchange.as_ref()?).clone(),
                    (**e.diagnosis.as_ref()?).clone(),
                ))
            })
            .unzip();
        if exchanges.is_empty() {
            self.flash = Some("Nothing to save yet: send a request first".into());
            return Vec::new();
        }
        let name = self.session_name.clone().unwrap_or_else(|| {
            format!("session-{}", crate::report::now_rfc3339().replace(':', ""))
        });
        self.session_name = Some(name.clone());
        self.flash = Some("Saving…".into());
        vec![Cmd::Save {
            name,
            overwrite: self.saved_once,
            exchanges,
            diagnoses,
            secrets: self.secrets_of_collection(),
        }]
    }
}
