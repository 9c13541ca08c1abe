//! The TUI's state and the only place it changes: `update(Msg) -> Vec<Cmd>`.
//!
//! Terminal input, HTTP results and timers arrive as [`Msg`]; side effects
//! (send, cancel, copy, wake-ups) leave as [`Cmd`] for the event loop to
//! run. Nothing here touches the terminal, the network or the clock — time
//! comes in with the messages — so behaviour is tested by feeding messages.

use super::body::BodyDoc;
use super::input::LineInput;
use crate::budget::{Budget, BudgetKey, Documented};
use crate::decode::{Diagnosis, Profiles, ratelimit};
use crate::items;
use crate::line::{expand_env, quote, shell_words, short_request};
use crate::model::{Exchange, Request};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The request list.
    List,
    /// The request line editor.
    Editor,
    /// The response panes.
    Response,
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

/// One request of the session, with its last response.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The request line, `[METHOD] URL [ITEM…]`.
    pub line: String,
    /// A short label for the list (the demo names its requests).
    pub label: Option<String>,
    /// The last exchange.
    pub exchange: Option<Exchange>,
    /// Its diagnosis.
    pub diagnosis: Option<Diagnosis>,
    /// The body, prepared for viewing.
    pub body: Option<BodyDoc>,
    /// The body through a jq filter (`f`), shown instead of it on the Body tab.
    pub filtered: Option<Filtered>,
    /// Syntax highlighting of a non-JSON body, as far as it was shown
    /// (`None` until the Body tab shows it, or when it has no syntax).
    pub highlight: Option<Box<super::syntax::Highlighted>>,
    /// Whether `highlight` was decided (set up, or found not to apply).
    pub highlight_tried: bool,
    /// An edit of the request line not sent yet (kept when another entry
    /// is selected).
    pub draft: Option<String>,
    /// Bumped with every response, so a late jq result for an older body
    /// is dropped.
    pub generation: u64,
}

/// A jq filter's output.
#[derive(Debug, Clone)]
pub struct Filtered {
    /// The filter.
    pub filter: String,
    /// Its outputs, pretty-printed, one after the other.
    pub output: Vec<u8>,
    /// How many outputs.
    pub count: usize,
    /// The view index of `output`.
    pub doc: BodyDoc,
}

impl Entry {
    /// An entry with no response yet.
    pub fn new(line: &str, label: Option<&str>) -> Entry {
        Entry {
            line: line.to_owned(),
            label: label.map(str::to_owned),
            exchange: None,
            diagnosis: None,
            body: None,
            filtered: None,
            highlight: None,
            highlight_tried: false,
            draft: None,
            generation: 0,
        }
    }
}

impl Entry {
    /// An entry for a recorded exchange (from a session, HAR, capture or
    /// curl command): its request as a request line, its response decoded.
    pub fn recorded(exchange: Exchange, diagnosis: Option<Diagnosis>) -> Entry {
        let line = match &exchange.request {
            Some(r) => items::to_words(r)
                .iter()
                .map(|w| quote(w))
                .collect::<Vec<_>>()
                .join(" "),
            None => "GET https://".to_owned(),
        };
        let (exchange, diagnosis) = if exchange.has_response() {
            (Some(exchange), diagnosis)
        } else {
            (None, None)
        };
        Entry {
            line,
            label: None,
            body: exchange.as_ref().map(|e| BodyDoc::new(&e.response.body)),
            exchange,
            diagnosis,
            filtered: None,
            highlight: None,
            highlight_tried: false,
            draft: None,
            generation: 0,
        }
    }

    /// What the Body tab shows: the jq output when a filter is applied,
    /// else the body; a view index with the bytes it indexes.
    pub fn body_mut(&mut self) -> Option<(&mut BodyDoc, &[u8])> {
        if self.filtered.is_some() {
            return self.filtered.as_mut().map(|f| (&mut f.doc, &f.output[..]));
        }
        self.original_body_mut()
    }

    /// The response body itself (the overview's preview).
    pub fn original_body_mut(&mut self) -> Option<(&mut BodyDoc, &[u8])> {
        match (self.body.as_mut(), self.exchange.as_ref()) {
            (Some(d), Some(e)) => Some((d, &e.response.body)),
            _ => None,
        }
    }
}

/// A text area for a request body.
fn body_textarea(lines: Vec<String>) -> ratatui_textarea::TextArea<'static> {
    let mut ta = ratatui_textarea::TextArea::new(lines);
    ta.set_tab_length(2);
    ta.set_max_histories(500);
    ta.set_placeholder_text("Type the JSON body (or any text); Ctrl-S applies it, Esc discards");
    ta
}

/// The history overlay (`H`): a query and the newest matching exchanges.
#[derive(Debug, Clone, Default)]
pub struct HistoryView {
    /// The query as typed (`host:… status:4xx code:… words`).
    pub query: LineInput,
    /// The rows of the last search.
    pub rows: Vec<crate::history::Row>,
    /// The highlighted row.
    pub selected: usize,
    /// Why the last search failed.
    pub error: Option<String>,
}

/// Where an API lives, for remembering its dialect: host, port and the
/// first path segment (`127.0.0.1:8080/envelope`, `api.example.com/v1`).
fn api_key(req: &Request) -> Option<String> {
    let u = url::Url::parse(req.url.as_deref()?).ok()?;
    let first = u.path_segments().and_then(|mut s| s.next()).unwrap_or("");
    Some(format!(
        "{}:{}/{first}",
        u.host_str()?,
        u.port_or_known_default().unwrap_or(0)
    ))
}

/// Scroll positions are clamped here (views clamp further to their content).
const MAX_SCROLL: usize = 1 << 30;

/// A replay of every exchange (`R`): (original, live) entry pairs and the
/// live entries still to send.
#[derive(Debug, Clone)]
pub struct ReplayRun {
    /// (original entry, its live copy).
    pub pairs: Vec<(usize, usize)>,
    /// Live entries not sent yet.
    pub queue: std::collections::VecDeque<usize>,
}

/// The diff overlay (`d` twice).
#[derive(Debug, Clone)]
pub struct DiffView {
    /// What is compared.
    pub title: String,
    /// The lines.
    pub lines: Vec<(super::diff::Kind, String)>,
    /// First line shown.
    pub scroll: usize,
}

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
}

/// Why a send is waiting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitReason {
    /// Retry-After / the rate-limit reset.
    Retry,
    /// Pacing the next page within the budget.
    Pacing,
}

/// A send scheduled for later.
#[derive(Debug, Clone)]
pub struct Scheduled {
    /// When.
    pub at: Instant,
    /// The entry to send.
    pub entry: usize,
    /// Why it waits.
    pub reason: WaitReason,
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
    /// Its budget key.
    pub key: BudgetKey,
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
    /// History search results.
    HistoryRows(Result<Vec<crate::history::Row>, String>),
    /// A history exchange, decoded, with the request line it was sent from.
    HistoryLoaded(Result<Loaded, String>),
}

/// An exchange loaded from the history, decoded, with the request line it
/// was sent from.
pub type Loaded = (Box<Exchange>, Box<Diagnosis>, Option<String>);

/// Output of `update`: work for the event loop.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Send a request; answer with `Msg::Response { id, .. }`.
    Send {
        /// The id to answer with.
        id: u64,
        /// The request.
        request: Request,
        /// The request line it came from, as typed (kept in the history).
        line: String,
        /// The dialect earlier responses from the same API spoke: a success
        /// body that looks generic is decoded as that (budget policy, pages).
        dialect_hint: Option<String>,
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
    /// Run a jq filter on a copy of an entry's body off the UI thread;
    /// answer with `Msg::JqDone`. `remember` is the filter history to keep.
    Jq {
        /// The entry.
        entry: usize,
        /// The entry's generation (see `Entry::generation`).
        generation: u64,
        /// The filter.
        filter: String,
        /// The body.
        body: Vec<u8>,
        /// The filter history, newest last.
        remember: Vec<String>,
    },
    /// Stop the running jq filter.
    CancelJq,
    /// Search the history; answer with `Msg::HistoryRows`.
    HistorySearch(String),
    /// Load one exchange of the history; answer with `Msg::HistoryLoaded`.
    HistoryLoad(i64),
    /// Write the session (and a HAR of it) under this name in the user's
    /// sessions directory; answer with `Msg::Saved`.
    Save {
        /// The session's name (the file stem).
        name: String,
        /// Whether files of that name may be replaced (this run wrote them);
        /// else a free name (`name-2`…) is taken.
        overwrite: bool,
        /// The session document.
        session: String,
        /// The same exchanges as HAR 1.2.
        har: String,
        /// The Markdown ticket report of them.
        report: String,
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
    /// The response tab.
    pub tab: Tab,
    /// Scroll offset of the current tab's content.
    pub scroll: usize,
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
    /// The history overlay, when open.
    pub history: Option<HistoryView>,
    /// First line of the help overlay shown (a short terminal scrolls it).
    pub help_scroll: usize,
    /// The user's key bindings: (key pressed, the default key it stands for).
    pub keymap: Vec<(crate::config::Key, crate::config::Key)>,
    /// Default keys of rebound actions.
    pub keymap_disabled: Vec<crate::config::Key>,
    /// The jq filter being typed (`f`).
    pub jq: Option<LineInput>,
    /// The request body being edited (`b`): a multi-line text area.
    pub body_editor: Option<ratatui_textarea::TextArea<'static>>,
    /// Filters run, oldest first (kept across runs).
    pub jq_history: Vec<String>,
    /// Position while stepping through `jq_history` with ↑/↓.
    jq_pos: Option<usize>,
    /// A jq filter is running.
    pub jq_running: bool,
    /// The entry marked as the first side of a diff.
    pub diff_base: Option<usize>,
    /// The diff overlay, when open.
    pub diff: Option<DiffView>,
    /// A replay of the whole session (`R`) in progress.
    pub replay: Option<ReplayRun>,
    /// A question waiting for y/n (what `R` is about to send).
    pub confirm: Option<Vec<String>>,
    /// The dialect each API (host and first path segment) answered in;
    /// `None` once two dialects were seen there.
    dialects: std::collections::HashMap<String, Option<String>>,
    /// The request on the wire.
    pub in_flight: Option<InFlight>,
    /// A send waiting for its time.
    pub scheduled: Option<Scheduled>,
    /// `A`: keep following next pages until the last (or Esc).
    pub paging_all: bool,
    /// The rate-limit budget of every host and credential.
    pub budget: Budget,
    /// The decoding profiles.
    pub profiles: Arc<Profiles>,
    /// The help overlay.
    pub show_help: bool,
    /// A transient message for the status line.
    pub flash: Option<String>,
    /// The body search.
    pub search: Option<Search>,
    /// A banner (the demo server's address).
    pub banner: Option<String>,
    /// "Now", as of the last message.
    pub now: Instant,
    /// Set when the user quits.
    pub quit: bool,
    next_id: u64,
}

impl App {
    /// A new app on these request lines.
    pub fn new(entries: Vec<Entry>, profiles: Arc<Profiles>, now: Instant) -> App {
        let entries = if entries.is_empty() {
            vec![Entry::new("GET https://", None)]
        } else {
            entries
        };
        let editor = LineInput::new(&entries[0].line);
        let focus = if entries.len() == 1 && entries[0].line == "GET https://" {
            Focus::Editor
        } else {
            Focus::List
        };
        App {
            entries,
            selected: 0,
            editor,
            focus,
            tab: Tab::Overview,
            scroll: 0,
            page_height: 20,
            areas: Areas::default(),
            session_name: None,
            mask: false,
            saved_once: false,
            history: None,
            help_scroll: 0,
            jq: None,
            keymap: Vec::new(),
            keymap_disabled: Vec::new(),
            body_editor: None,
            jq_history: Vec::new(),
            jq_pos: None,
            jq_running: false,
            diff_base: None,
            diff: None,
            replay: None,
            confirm: None,
            dialects: Default::default(),
            in_flight: None,
            scheduled: None,
            paging_all: false,
            budget: Budget::default(),
            profiles,
            show_help: false,
            flash: None,
            search: None,
            banner: None,
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
        self.budget.view(&BudgetKey::for_request(req), self.now)
    }

    /// Handles one message.
    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Tick(now) => {
                self.now = now;
                self.run_scheduled()
            }
            Msg::Resize => Vec::new(),
            Msg::Paste(text) => {
                if let Some(ta) = self.body_editor.as_mut() {
                    ta.insert_str(text);
                } else if self.focus == Focus::Editor {
                    self.editor.insert(&text);
                } else if let Some(s) = self.search.as_mut().filter(|s| s.typing) {
                    s.query.push_str(&text);
                }
                Vec::new()
            }
            Msg::Mouse(m) => self.mouse(m),
            Msg::Key(key) => self.key(key),
            Msg::Edited(result) => {
                match result {
                    Ok(text) => {
                        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
                        self.body_editor = Some(body_textarea(lines));
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
                self.jq_running = false;
                let current = self
                    .entries
                    .get(entry)
                    .is_some_and(|e| e.generation == generation);
                if !current {
                    // The body changed while the filter ran: drop it.
                    return Vec::new();
                }
                match result {
                    Ok(outputs) if entry < self.entries.len() => {
                        let output = outputs.join("\n").into_bytes();
                        // One value is JSON again (coloured); several are
                        // shown one after the other as jq prints them.
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
                    Ok(_) => {}
                    Err(e) => self.flash = Some(format!("jq: {e}")),
                }
                Vec::new()
            }
            Msg::HistoryRows(result) => {
                if let Some(h) = self.history.as_mut() {
                    match result {
                        Ok(rows) => {
                            h.rows = rows;
                            h.error = None;
                        }
                        Err(e) => h.error = Some(e),
                    }
                    h.selected = h.selected.min(h.rows.len().saturating_sub(1));
                }
                Vec::new()
            }
            Msg::HistoryLoaded(result) => {
                match result {
                    Ok((exchange, diagnosis, line)) => {
                        let mut e = Entry::recorded(*exchange, Some(*diagnosis));
                        if let Some(l) = line {
                            e.line = l;
                        }
                        e.label = None;
                        self.entries.push(e);
                        let i = self.entries.len() - 1;
                        self.select(i);
                        self.focus = Focus::Response;
                        self.flash = Some(
                            "From the history: Enter resends, e edits, d marks it for a diff"
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

    fn mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        // An overlay or a prompt owns the screen: the panes under it do not
        // take clicks (a click must not switch the request being edited).
        if self.show_help
            || self.body_editor.is_some()
            || self.jq.is_some()
            || self.history.is_some()
            || self.diff.is_some()
            || self.confirm.is_some()
        {
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
            MouseEventKind::Down(MouseButton::Left) if !self.show_help => {
                if let Some(l) = a.list.filter(|l| l.contains(at)) {
                    self.focus = Focus::List;
                    let i = a.list_start + (m.row - l.y) as usize;
                    if i < self.entries.len() {
                        self.select(i);
                    }
                } else if a.editor.contains(at) {
                    self.focus = Focus::Editor;
                    let col = (m.column - a.editor.x) as usize;
                    self.editor.set_cursor(a.editor_start + col);
                } else if a.tab_row.contains(at) {
                    self.focus = Focus::Response;
                    if let Some(i) = a
                        .tabs
                        .iter()
                        .position(|(x0, x1)| (*x0..*x1).contains(&m.column))
                    {
                        self.tab = Tab::ALL[i];
                        self.scroll = 0;
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
        if ctrl && key.code == KeyCode::Char('c') && self.body_editor.is_none() {
            self.quit = true;
            return self.cancel_all();
        }
        self.flash = None;
        if self.show_help {
            match key.code {
                KeyCode::Esc | KeyCode::Char('?' | 'q') => {
                    self.show_help = false;
                    self.help_scroll = 0;
                }
                KeyCode::Down | KeyCode::Char('j') => self.help_scroll += 1,
                KeyCode::Up | KeyCode::Char('k') => {
                    self.help_scroll = self.help_scroll.saturating_sub(1);
                }
                _ => {}
            }
            return Vec::new();
        }
        if self.confirm.is_some() {
            self.confirm = None;
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                return self.replay_all();
            }
            self.flash = Some("Nothing sent".into());
            return Vec::new();
        }
        if self.diff.is_some() {
            return self.diff_key(key);
        }
        if self.history.is_some() {
            return self.history_key(key, ctrl);
        }
        if self.jq.is_some() {
            return self.jq_key(key, ctrl);
        }
        if self.body_editor.is_some() {
            return self.body_editor_key(key, ctrl);
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
        // The user's keymap: a bound key acts as the action's default key;
        // an action's default key, once rebound, does nothing.
        let bound = self
            .keymap
            .iter()
            .find(|(k, _)| k.code == key.code && k.ctrl == ctrl)
            .map(|(_, default)| *default);
        let key = match bound {
            Some(d) => KeyEvent::new(
                d.code,
                if d.ctrl {
                    KeyModifiers::CONTROL
                } else {
                    KeyModifiers::NONE
                },
            ),
            None if self
                .keymap_disabled
                .iter()
                .any(|d| d.code == key.code && d.ctrl == ctrl) =>
            {
                return Vec::new();
            }
            None => key,
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('q') => {
                self.quit = true;
                return self.cancel_all();
            }
            KeyCode::Char('?') => self.show_help = true,
            KeyCode::Esc
                if self.tab == Tab::Body
                    && self.entries[self.selected].filtered.is_some()
                    && self.in_flight.is_none()
                    && !self.jq_running =>
            {
                self.entries[self.selected].filtered = None;
                self.scroll = 0;
                self.search = None;
                self.flash = Some("The body, unfiltered".into());
            }
            KeyCode::Esc => return self.cancel_all(),
            KeyCode::Char('b') if !ctrl => self.open_body_editor(),
            KeyCode::Char('f') if !ctrl => {
                if self.entries[self.selected].exchange.is_none() {
                    self.flash = Some("No body to filter yet: send the request first".into());
                } else {
                    self.tab = Tab::Body;
                    self.focus = Focus::Response;
                    let start = self.entries[self.selected]
                        .filtered
                        .as_ref()
                        .map(|f| f.filter.clone())
                        .or_else(|| self.jq_history.last().cloned())
                        .unwrap_or_else(|| ".".into());
                    self.jq = Some(LineInput::new(&start));
                    self.jq_pos = None;
                }
            }
            KeyCode::Tab => self.cycle_focus(1),
            KeyCode::BackTab => self.cycle_focus(-1),
            KeyCode::Char('e' | 'i') => self.focus = Focus::Editor,
            KeyCode::Enter | KeyCode::Char('s') => return self.send_selected(),
            KeyCode::Char('x') if ctrl => return self.cancel_all(),
            KeyCode::Char('p') => return self.next_page(false),
            KeyCode::Char('A') => return self.next_page(true),
            KeyCode::Char('r') => return self.retry_after(),
            KeyCode::Char('c') => return self.copy_curl(),
            KeyCode::Char('y') => return self.copy_body(),
            KeyCode::Char('Y') => return self.copy_diagnosis(),
            KeyCode::Char('S') => return self.save(),
            KeyCode::Char('H') => {
                self.history = Some(HistoryView::default());
                return vec![Cmd::HistorySearch(String::new())];
            }
            KeyCode::Char('d') if !ctrl => self.mark_or_diff(),
            KeyCode::Char('T') => self.show_timeline(),
            KeyCode::Char('R') => self.ask_replay_all(),
            KeyCode::Char('m') => {
                self.mask = !self.mask;
                self.flash = Some(
                    if self.mask {
                        "Credentials masked on screen"
                    } else {
                        "Credentials shown"
                    }
                    .into(),
                );
            }
            KeyCode::Char('/') => {
                self.tab = Tab::Body;
                self.focus = Focus::Response;
                self.search = Some(Search {
                    typing: true,
                    ..Search::default()
                });
            }
            KeyCode::Char('n') if self.search.is_some() => self.step_match(1),
            KeyCode::Char('N') if self.search.is_some() => self.step_match(-1),
            KeyCode::Char(c @ '1'..='4') => {
                self.tab = Tab::ALL[(c as u8 - b'1') as usize];
                self.scroll = 0;
            }
            KeyCode::Left | KeyCode::Char('h') if self.focus == Focus::Response => {
                self.step_tab(-1);
            }
            KeyCode::Right | KeyCode::Char('l') if self.focus == Focus::Response => {
                self.step_tab(1);
            }
            KeyCode::Down | KeyCode::Char('j') => self.down(1),
            KeyCode::Up | KeyCode::Char('k') => self.down(-1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll_by(self.page_height as isize),
            KeyCode::PageUp => self.scroll_by(-(self.page_height as isize)),
            KeyCode::Char('d') if ctrl => self.scroll_by(self.page_height as isize / 2),
            KeyCode::Char('u') if ctrl => self.scroll_by(-(self.page_height as isize / 2)),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll_to_end(),
            _ => {}
        }
        Vec::new()
    }

    fn editor_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        match key.code {
            KeyCode::Enter => return self.send_selected(),
            KeyCode::Esc | KeyCode::Tab => {
                self.focus = Focus::Response;
            }
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
            KeyCode::Char(c) if !ctrl => self.editor.insert(&c.to_string()),
            _ => {}
        }
        Vec::new()
    }

    fn cycle_focus(&mut self, step: i32) {
        let order = [Focus::List, Focus::Editor, Focus::Response];
        let i = order.iter().position(|f| *f == self.focus).unwrap_or(0) as i32;
        self.focus = order[(i + step).rem_euclid(3) as usize];
    }

    fn step_tab(&mut self, step: i32) {
        let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0) as i32;
        self.tab = Tab::ALL[(i + step).rem_euclid(4) as usize];
        self.scroll = 0;
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

    /// Applies the config file's `[keys]`.
    pub fn set_keymap(&mut self, keys: &[(String, Vec<crate::config::Key>)]) {
        for (action, list) in keys {
            let Some(default) = crate::config::ACTIONS
                .iter()
                .find(|(a, ..)| a == action)
                .and_then(|(_, d, _)| crate::config::Key::parse(d).ok())
            else {
                continue;
            };
            if !list.contains(&default) {
                self.keymap_disabled.push(default);
            }
            for k in list {
                self.keymap.push((*k, default));
            }
        }
        // A key bound to an action is never also disabled.
        let bound: Vec<_> = self.keymap.iter().map(|(k, _)| *k).collect();
        self.keymap_disabled.retain(|d| !bound.contains(d));
    }

    /// After opening a file: selects the first failed exchange at or after
    /// `from` (else the first one), with the response in focus.
    pub fn open_first_failure(&mut self, from: usize) {
        let failed = (from..self.entries.len()).find(|&i| {
            self.entries[i]
                .diagnosis
                .as_ref()
                .is_some_and(Diagnosis::is_error)
        });
        let i = failed
            .unwrap_or(from)
            .min(self.entries.len().saturating_sub(1));
        self.selected = usize::MAX;
        self.select(i);
        self.focus = if self.entries[i].exchange.is_some() {
            Focus::Response
        } else {
            Focus::List
        };
        let total = self.entries.len() - from;
        let errors = (from..self.entries.len())
            .filter(|&i| {
                self.entries[i]
                    .diagnosis
                    .as_ref()
                    .is_some_and(Diagnosis::is_error)
            })
            .count();
        self.flash = Some(match failed {
            Some(_) => format!(
                "{total} exchange{}, {errors} failed; showing the first failure",
                if total == 1 { "" } else { "s" }
            ),
            None => format!(
                "{total} exchange{}, none failed",
                if total == 1 { "" } else { "s" }
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
            let line = doc.line_of_offset(offset);
            self.scroll = line.saturating_sub(self.page_height / 3);
            self.flash = Some(format!("match {current} of {total}"));
        }
    }

    /// Parses the editor's line into a request, or says why not.
    fn parse_line(line: &str) -> Result<Request, String> {
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

    fn send_selected(&mut self) -> Vec<Cmd> {
        let line = self.editor.text().to_owned();
        let request = match App::parse_line(&line) {
            Ok(r) => r,
            Err(e) => {
                self.flash = Some(e);
                return Vec::new();
            }
        };
        if self.entries[self.selected].line != line {
            if self.entries[self.selected].exchange.is_some() {
                // Keep the old exchange in the history: a new entry.
                let mut e = Entry::new(&line, None);
                e.label = None;
                self.entries.push(e);
                self.selected = self.entries.len() - 1;
            } else {
                self.entries[self.selected].line = line;
            }
        }
        self.paging_all = false;
        self.scheduled = None;
        if self.replay.take().is_some() {
            self.flash = Some("Replay stopped: you sent a request".into());
        }
        let mut cmds = self.cancel_in_flight();
        cmds.extend(self.start_send(self.selected, request));
        self.focus = Focus::Response;
        cmds
    }

    fn start_send(&mut self, entry: usize, request: Request) -> Vec<Cmd> {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight = Some(InFlight {
            id,
            entry,
            started: self.now,
            key: BudgetKey::for_request(&request),
        });
        let line = self.entries[entry].line.clone();
        let dialect_hint = api_key(&request)
            .and_then(|k| self.dialects.get(&k).cloned())
            .flatten();
        vec![Cmd::Send {
            id,
            request,
            line,
            dialect_hint,
        }]
    }

    fn cancel_in_flight(&mut self) -> Vec<Cmd> {
        match self.in_flight.take() {
            Some(f) => vec![Cmd::Cancel(f.id)],
            None => Vec::new(),
        }
    }

    fn cancel_all(&mut self) -> Vec<Cmd> {
        if self.jq_running {
            self.jq_running = false;
            self.flash = Some("jq filter stopped".into());
            return vec![Cmd::CancelJq];
        }
        let had = self.in_flight.is_some()
            || self.scheduled.is_some()
            || self.paging_all
            || self.replay.is_some();
        self.scheduled = None;
        self.paging_all = false;
        self.replay = None;
        self.search = None;
        let cmds = self.cancel_in_flight();
        if had {
            self.flash = Some("Cancelled".into());
        }
        cmds
    }

    fn response(
        &mut self,
        id: u64,
        exchange: Exchange,
        diagnosis: Diagnosis,
        at: Instant,
    ) -> Vec<Cmd> {
        self.now = at;
        let Some(flight) = self.in_flight.take_if(|f| f.id == id) else {
            // A cancelled request's late answer.
            return Vec::new();
        };
        let documented = documented(&self.profiles, &exchange, &diagnosis);
        self.budget.record(
            &flight.key,
            at,
            diagnosis.status,
            diagnosis.rate_limit.as_ref(),
            documented,
        );
        if diagnosis.dialect != crate::decode::profile::GENERIC
            && let Some(k) = exchange.request.as_ref().and_then(api_key)
        {
            let seen = self
                .dialects
                .entry(k)
                .or_insert_with(|| Some(diagnosis.dialect.clone()));
            if seen.as_deref() != Some(diagnosis.dialect.as_str()) {
                *seen = None;
            }
        }
        let next = diagnosis.pagination.as_ref().and_then(|p| p.next.clone());
        let e = &mut self.entries[flight.entry];
        e.body = Some(BodyDoc::new(&exchange.response.body));
        e.filtered = None;
        e.draft = None;
        e.generation += 1;
        e.highlight = None;
        e.highlight_tried = false;
        e.exchange = Some(exchange);
        e.diagnosis = Some(diagnosis);
        if flight.entry == self.selected {
            self.scroll = 0;
            self.search = None;
        }
        if let Some(run) = self.replay.as_mut()
            && run.pairs.iter().any(|(_, live)| *live == flight.entry)
        {
            return match run.queue.pop_front() {
                Some(next) => {
                    self.flash = Some(format!(
                        "Replaying: {} of {} sent",
                        run.pairs.len() - run.queue.len() - 1,
                        run.pairs.len()
                    ));
                    self.schedule(next, WaitReason::Pacing)
                }
                None => {
                    self.finish_replay();
                    Vec::new()
                }
            };
        }
        if self.paging_all {
            if self.entries[flight.entry]
                .diagnosis
                .as_ref()
                .is_some_and(|d| d.status == Some(429))
            {
                // Wait out the 429 and retry the same page.
                return self.schedule(flight.entry, WaitReason::Pacing);
            }
            match next {
                Some(_)
                    if !self.entries[flight.entry]
                        .diagnosis
                        .as_ref()
                        .is_some_and(Diagnosis::is_error) =>
                {
                    return self.next_page(true);
                }
                _ => {
                    self.paging_all = false;
                    self.flash = Some("All pages fetched".into());
                }
            }
        }
        Vec::new()
    }

    /// Queues `entry` to be sent when the budget allows.
    fn schedule(&mut self, entry: usize, reason: WaitReason) -> Vec<Cmd> {
        let Ok(req) = App::parse_line(&self.entries[entry].line) else {
            return Vec::new();
        };
        let at = self
            .budget
            .next_send_at(&BudgetKey::for_request(&req), self.now);
        self.scheduled = Some(Scheduled { at, entry, reason });
        if at <= self.now {
            self.run_scheduled()
        } else {
            vec![Cmd::WakeAt(at)]
        }
    }

    fn run_scheduled(&mut self) -> Vec<Cmd> {
        match &self.scheduled {
            Some(s) if s.at <= self.now && self.in_flight.is_none() => {
                let entry = s.entry;
                self.scheduled = None;
                match App::parse_line(&self.entries[entry].line) {
                    Ok(req) => self.start_send(entry, req),
                    Err(e) => {
                        self.flash = Some(e);
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// `p` / `A`: the next page of the selected response, as a new entry,
    /// sent when the budget allows.
    fn next_page(&mut self, all: bool) -> Vec<Cmd> {
        let source = if all && self.paging_all {
            self.entries.len() - 1
        } else {
            self.selected
        };
        let Some(next) = self.entries[source]
            .diagnosis
            .as_ref()
            .and_then(|d| d.pagination.as_ref())
            .and_then(|p| p.next.clone())
        else {
            self.paging_all = false;
            self.flash = Some("No next page".into());
            return Vec::new();
        };
        let line = next_page_line(&self.entries[source].line, &next);
        // "envelope: boards · page 3", so a run of pages reads as one.
        let page = self.entries[source]
            .diagnosis
            .as_ref()
            .and_then(|d| d.pagination.as_ref())
            .and_then(|p| p.page)
            .map(|p| p + 1);
        let label = self.entries[source].label.as_deref().map(|l| {
            let base = l.split(" · page ").next().unwrap_or(l);
            match page {
                Some(n) => format!("{base} · page {n}"),
                None => format!("{base} · next page"),
            }
        });
        self.entries.push(Entry::new(&line, label.as_deref()));
        let i = self.entries.len() - 1;
        self.selected = i;
        self.editor = LineInput::new(&line);
        self.scroll = 0;
        self.paging_all = all;
        self.schedule(i, WaitReason::Pacing)
    }

    /// `r`: resend the selected request once Retry-After (or the reset)
    /// has passed; the countdown shows, Esc cancels.
    fn retry_after(&mut self) -> Vec<Cmd> {
        if self.current().exchange.is_none() {
            self.flash = Some("Nothing to retry yet".into());
            return Vec::new();
        }
        self.schedule(self.selected, WaitReason::Retry)
    }

    fn copy_curl(&mut self) -> Vec<Cmd> {
        match App::parse_line(self.editor.text()) {
            Ok(req) => {
                self.flash = Some("Copied as curl".into());
                vec![Cmd::Copy(curl_command(&req))]
            }
            Err(e) => {
                self.flash = Some(e);
                Vec::new()
            }
        }
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

    /// `b`: the request's body in a multi-line editor (pretty JSON when it
    /// is JSON).
    fn open_body_editor(&mut self) {
        let text = match App::parse_line(self.editor.text()) {
            Ok(req) => match serde_json::from_slice::<serde_json::Value>(&req.body) {
                Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
                Err(_) => String::from_utf8_lossy(&req.body).into_owned(),
            },
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
        self.body_editor = Some(body_textarea(lines));
    }

    fn body_editor_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        let Some(ta) = self.body_editor.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.body_editor = None;
                self.flash = Some("Body edit discarded".into());
            }
            KeyCode::Char('s') if ctrl => {
                let body = ta.lines().join("\n");
                let trimmed = body.trim();
                let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
                if looks_json && let Err(e) = serde_json::from_str::<serde_json::Value>(trimmed) {
                    // Say where, keep the editor open: nothing is lost.
                    self.flash = Some(format!("The body is not valid JSON: {e}; fix it or Esc"));
                    return Vec::new();
                }
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
                self.body_editor = None;
                self.flash = Some("Body applied to the request line · Enter sends".into());
            }
            KeyCode::Char('e') if ctrl => {
                return vec![Cmd::ExternalEdit(ta.lines().join("\n"))];
            }
            KeyCode::Char('z') if ctrl => {
                ta.undo();
            }
            _ => {
                ta.input(key);
            }
        }
        Vec::new()
    }

    fn jq_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        let Some(input) = self.jq.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.jq = None,
            KeyCode::Enter => {
                let filter = input.text().trim().to_owned();
                self.jq = None;
                if filter.is_empty() {
                    return Vec::new();
                }
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
                return vec![Cmd::Jq {
                    entry,
                    generation: self.entries[entry].generation,
                    filter,
                    body: ex.response.body.to_vec(),
                    remember: self.jq_history.clone(),
                }];
            }
            KeyCode::Up | KeyCode::Down if !self.jq_history.is_empty() => {
                let n = self.jq_history.len();
                let pos = match (self.jq_pos, key.code) {
                    (None, KeyCode::Up) => n - 1,
                    (None, _) => return Vec::new(),
                    (Some(p), KeyCode::Up) => p.saturating_sub(1),
                    (Some(p), _) => (p + 1).min(n - 1),
                };
                self.jq_pos = Some(pos);
                *input = LineInput::new(&self.jq_history[pos]);
            }
            KeyCode::Backspace => input.backspace(),
            KeyCode::Delete => input.delete(),
            KeyCode::Left => input.move_by(-1),
            KeyCode::Right => input.move_by(1),
            KeyCode::Home => input.home(false),
            KeyCode::End => input.home(true),
            KeyCode::Char('u') if ctrl => input.clear(),
            KeyCode::Char('w') if ctrl => input.delete_word(),
            KeyCode::Char('z') if ctrl => input.undo(),
            KeyCode::Char(c) if !ctrl => input.insert(&c.to_string()),
            _ => {}
        }
        Vec::new()
    }

    fn history_key(&mut self, key: KeyEvent, ctrl: bool) -> Vec<Cmd> {
        let Some(h) = self.history.as_mut() else {
            return Vec::new();
        };
        let before = h.query.text().to_owned();
        match key.code {
            KeyCode::Esc => {
                self.history = None;
                return Vec::new();
            }
            KeyCode::Enter => {
                let id = h.rows.get(h.selected).map(|r| r.id);
                self.history = None;
                return id.map(Cmd::HistoryLoad).into_iter().collect();
            }
            KeyCode::Down => h.selected = (h.selected + 1).min(h.rows.len().saturating_sub(1)),
            KeyCode::Up => h.selected = h.selected.saturating_sub(1),
            KeyCode::PageDown => h.selected = (h.selected + 10).min(h.rows.len().saturating_sub(1)),
            KeyCode::PageUp => h.selected = h.selected.saturating_sub(10),
            KeyCode::Backspace => h.query.backspace(),
            KeyCode::Left => h.query.move_by(-1),
            KeyCode::Right => h.query.move_by(1),
            KeyCode::Char('u') if ctrl => h.query.clear(),
            KeyCode::Char('w') if ctrl => h.query.delete_word(),
            KeyCode::Char(c) if !ctrl => h.query.insert(&c.to_string()),
            _ => {}
        }
        if h.query.text() != before {
            h.selected = 0;
            return vec![Cmd::HistorySearch(h.query.text().to_owned())];
        }
        Vec::new()
    }

    fn diff_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let page = self.page_height.max(1);
        if let Some(d) = self.diff.as_mut() {
            let max = d.lines.len().saturating_sub(1);
            match key.code {
                KeyCode::Esc | KeyCode::Char('q' | 'd' | 'T') => self.diff = None,
                KeyCode::Down | KeyCode::Char('j') => d.scroll = (d.scroll + 1).min(max),
                KeyCode::Up | KeyCode::Char('k') => d.scroll = d.scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => d.scroll = (d.scroll + page).min(max),
                KeyCode::PageUp => d.scroll = d.scroll.saturating_sub(page),
                KeyCode::Char('g') | KeyCode::Home => d.scroll = 0,
                KeyCode::Char('G') | KeyCode::End => d.scroll = max,
                _ => {}
            }
        }
        Vec::new()
    }

    /// The requests `R` would send: entries with a response or imported
    /// without one, not the live copies of an earlier replay, that parse.
    fn replay_candidates(&self) -> (Vec<usize>, usize) {
        let mut skipped = 0;
        let picked = (0..self.entries.len())
            .filter(|&i| {
                let e = &self.entries[i];
                (e.exchange.is_some() || e.label.is_none())
                    && !e.label.as_deref().is_some_and(|l| l.starts_with("live: "))
            })
            .filter(|&i| {
                let ok = App::parse_line(&self.entries[i].line).is_ok();
                skipped += usize::from(!ok);
                ok
            })
            .collect();
        (picked, skipped)
    }

    /// `R`: asks first, listing the hosts and any request that is not a
    /// GET (a customer's HAR may hold a DELETE).
    fn ask_replay_all(&mut self) {
        let (picked, skipped) = self.replay_candidates();
        if picked.is_empty() {
            self.flash = Some("Nothing to replay".into());
            return;
        }
        let mut hosts: Vec<String> = Vec::new();
        let mut writes: Vec<String> = Vec::new();
        for &i in &picked {
            if let Ok(req) = App::parse_line(&self.entries[i].line) {
                let host = req
                    .url
                    .as_deref()
                    .and_then(|u| url::Url::parse(u).ok())
                    .and_then(|u| u.host_str().map(str::to_owned))
                    .unwrap_or_default();
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
                if !matches!(req.method.as_str(), "GET" | "HEAD" | "OPTIONS") {
                    writes.push(format!(
                        "#{} {}",
                        i + 1,
                        short_request(&self.entries[i].line)
                    ));
                }
            }
        }
        let mut text = vec![
            format!(
                "Re-send {} request{} to {}?",
                picked.len(),
                if picked.len() == 1 { "" } else { "s" },
                hosts.join(", ")
            ),
            String::new(),
        ];
        if !writes.is_empty() {
            text.push(format!("{} of them change data:", writes.len()));
            text.extend(writes.into_iter().take(8).map(|w| format!("  {w}")));
            text.push(String::new());
        }
        if skipped > 0 {
            text.push(format!(
                "{skipped} request line(s) do not parse and are skipped."
            ));
            text.push(String::new());
        }
        text.push("y sends · any other key cancels".into());
        self.confirm = Some(text);
    }

    /// `R`: re-sends every exchange of the session, paced by the budget,
    /// each as a new entry, then compares recorded and live.
    fn replay_all(&mut self) -> Vec<Cmd> {
        let (originals, _) = self.replay_candidates();
        if originals.is_empty() {
            self.flash = Some("Nothing to replay".into());
            return Vec::new();
        }
        let mut pairs = Vec::new();
        for &i in &originals {
            let mut e = Entry::new(&self.entries[i].line, None);
            e.label = Some(format!(
                "live: {}",
                self.entries[i]
                    .label
                    .clone()
                    .unwrap_or_else(|| format!("#{}", i + 1))
            ));
            self.entries.push(e);
            pairs.push((i, self.entries.len() - 1));
        }
        let mut queue: std::collections::VecDeque<usize> =
            pairs.iter().map(|(_, live)| *live).collect();
        let first = queue.pop_front();
        self.replay = Some(ReplayRun { pairs, queue });
        self.flash = Some(format!(
            "Replaying {} requests, paced by the budget · Esc stops",
            originals.len()
        ));
        match first {
            Some(f) => self.schedule(f, WaitReason::Pacing),
            None => Vec::new(),
        }
    }

    fn finish_replay(&mut self) {
        use super::diff::Kind;
        let Some(run) = self.replay.take() else {
            return;
        };
        let outcome = |e: &Entry| {
            e.diagnosis.as_ref().map(|d| {
                (
                    d.status,
                    d.dialect.clone(),
                    d.error.as_ref().and_then(|x| x.code.clone()),
                )
            })
        };
        let show = |o: &Option<(Option<u16>, String, Option<String>)>| match o {
            None => "(not recorded)".to_owned(),
            Some((s, d, c)) => format!(
                "{} {} {}",
                s.map_or("—".into(), |s| s.to_string()),
                d,
                c.as_deref().unwrap_or("—")
            ),
        };
        let mut lines = vec![(
            Kind::Title,
            format!(
                "{:<4} {:<48} {:<36} {:<36}",
                "#", "request", "recorded", "live"
            ),
        )];
        let mut differ = 0;
        for (orig, live) in &run.pairs {
            let (r, l) = (outcome(&self.entries[*orig]), outcome(&self.entries[*live]));
            let same = r.is_some() && r == l;
            if !same {
                differ += 1;
            }
            let what = short_request(&self.entries[*orig].line);
            lines.push((
                if same { Kind::Same } else { Kind::Old },
                format!(
                    "{:<4} {:<48} {:<36} {:<36} {}",
                    orig + 1,
                    what.chars().take(48).collect::<String>(),
                    show(&r),
                    show(&l),
                    if same { "same" } else { "DIFFERENT" }
                ),
            ));
        }
        lines.push((Kind::Note, String::new()));
        lines.push((
            Kind::Note,
            format!(
                "{differ} of {} differ in status, dialect or error code · select a live entry and its original, d d to diff them",
                run.pairs.len()
            ),
        ));
        self.flash = Some(format!(
            "Replay done: {differ} of {} differ",
            run.pairs.len()
        ));
        self.diff = Some(DiffView {
            title: "Replay: recorded vs live".into(),
            lines,
            scroll: 0,
        });
    }

    /// `T`: the rate-limit timeline of every exchange in the session.
    fn show_timeline(&mut self) {
        use super::diff::Kind;
        let (exchanges, diagnoses): (Vec<Exchange>, Vec<Diagnosis>) = self
            .entries
            .iter()
            .filter_map(|e| Some((e.exchange.clone()?, e.diagnosis.clone()?)))
            .unzip();
        if exchanges.is_empty() {
            self.flash = Some("No responses yet: nothing to put on a timeline".into());
            return;
        }
        let hosts = crate::timeline::build(&exchanges, &diagnoses, &self.profiles);
        let lines = crate::timeline::render(&hosts)
            .into_iter()
            .map(|l| {
                let kind = if !l.starts_with(' ') {
                    Kind::Title
                } else if l.contains("ran out") || l.contains("429") {
                    Kind::Old
                } else if l.contains("never ran out") || l.contains("not placed") {
                    Kind::Note
                } else {
                    Kind::Same
                };
                (kind, l)
            })
            .collect();
        self.diff = Some(DiffView {
            title: format!("Rate-limit timeline of {} exchanges", exchanges.len()),
            lines,
            scroll: 0,
        });
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
                    // Masked on screen: the diff shows redacted copies.
                    let (mut ea, mut eb) = (ea.clone(), eb.clone());
                    let (mut da, mut db) = (da.clone(), db.clone());
                    if self.mask {
                        crate::redact::exchange(&mut ea);
                        crate::redact::exchange(&mut eb);
                        da.url = da.url.as_deref().map(crate::redact::url);
                        db.url = db.url.as_deref().map(crate::redact::url);
                    }
                    self.diff = Some(DiffView {
                        title: format!("Diff: #{} → #{}", base + 1, cur + 1),
                        lines: super::diff::diff((&ea, &da), (&eb, &db)),
                        scroll: 0,
                    });
                }
                self.diff_base = None;
            }
        }
    }

    /// The session as files: every entry that has a response, redacted.
    fn save(&mut self) -> Vec<Cmd> {
        let exchanges: Vec<Exchange> = self
            .entries
            .iter()
            .filter_map(|e| e.exchange.clone())
            .collect();
        if exchanges.is_empty() {
            self.flash = Some("Nothing to save yet: send a request first".into());
            return Vec::new();
        }
        let name = self.session_name.clone().unwrap_or_else(|| {
            format!("session-{}", crate::report::now_rfc3339().replace(':', ""))
        });
        self.session_name = Some(name.clone());
        let session =
            crate::input::session::to_json(Some(&name), &exchanges, &self.profiles, false);
        let har = crate::input::har::to_json(&exchanges, false);
        let diagnoses: Vec<Diagnosis> = self
            .entries
            .iter()
            .filter(|e| e.exchange.is_some())
            .filter_map(|e| e.diagnosis.clone())
            .collect();
        let report = crate::report::markdown::render(&diagnoses);
        vec![Cmd::Save {
            name,
            overwrite: self.saved_once,
            session,
            har,
            report,
        }]
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
}

/// The documented policy for the budget model's fallbacks.
fn documented(profiles: &Profiles, exchange: &Exchange, d: &Diagnosis) -> Documented {
    let profile = profiles.get(&d.dialect);
    let policy = profile.and_then(|p| {
        ratelimit::applicable_policy(p, exchange, d.rate_limit.as_ref().and_then(|r| r.limit))
    });
    Documented {
        limit: policy.map(|p| p.limit),
        window: policy
            .map(|p| p.window_s)
            .or(profile.and_then(|p| p.rate_limit.window_s))
            .map(Duration::from_secs),
    }
}

/// The request line for the next page: same method and items, new URL
/// (query items are dropped: the next URL already carries them).
pub fn next_page_line(line: &str, next: &str) -> String {
    let Ok(words) = shell_words(line) else {
        return format!("GET {}", quote(next));
    };
    let mut out = Vec::new();
    let mut url_done = false;
    for (i, w) in words.iter().enumerate() {
        let is_method = i == 0 && w.chars().all(|c| c.is_ascii_alphabetic()) && words.len() > 1;
        if is_method {
            out.push(w.clone());
        } else if !url_done {
            out.push(quote(next));
            url_done = true;
        } else if !w.contains("==") || w.find(':').is_some_and(|c| Some(c) < w.find("==")) {
            out.push(quote(w));
        }
    }
    out.join(" ")
}

/// A curl command for a request, with shell quoting.
pub fn curl_command(req: &Request) -> String {
    let mut parts = vec!["curl".to_owned(), "-i".to_owned()];
    if req.method != "GET" {
        parts.push(format!("-X {}", req.method));
    }
    for (k, v) in req.headers.iter() {
        parts.push(format!("-H {}", quote(&format!("{k}: {v}"))));
    }
    if !req.body.is_empty() {
        parts.push(format!(
            "--data-raw {}",
            quote(&String::from_utf8_lossy(&req.body))
        ));
    }
    parts.push(quote(req.url.as_deref().unwrap_or("")));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_keeps_method_and_headers() {
        assert_eq!(
            next_page_line(
                "GET :80/v1/boards limit==10 'Authorization:Bearer imb_pat_x'",
                "http://localhost:80/v1/boards?limit=10&page=2"
            ),
            "GET http://localhost:80/v1/boards?limit=10&page=2 'Authorization:Bearer imb_pat_x'"
        );
    }

    #[test]
    fn curl_is_quoted() {
        let req = App::parse_line("POST :80/x name=a 'X-A:it'\\''s'").unwrap();
        let c = curl_command(&req);
        assert!(c.starts_with("curl -i -X POST -H 'X-A: it'\\''s'"), "{c}");
        assert!(c.ends_with("http://localhost/x"), "{c}");
    }
}
