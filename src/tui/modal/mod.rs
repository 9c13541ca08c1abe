//! Everything that takes the screen over the panes: one [`Modal`] at a
//! time, each in its own file with its state, its keys and its drawing.
//! A modal answers a key with an [`Outcome`] that the app applies.

pub mod body_editor;
pub mod confirm;
pub mod help;
pub mod history;
pub mod jq;
pub mod overlay;
pub mod prompt;

use super::action::Action;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

/// The modal on screen.
pub enum Modal {
    /// Every key (`?`).
    Help(help::Help),
    /// A question before something is sent.
    Confirm(confirm::Confirm),
    /// The history (`H`).
    History(history::HistoryView),
    /// A read-only text: a diff, the timeline, a replay's results.
    Overlay(overlay::Overlay),
    /// The jq filter prompt (`f`).
    Jq(jq::JqPrompt),
    /// The request body editor (`b`).
    BodyEditor(Box<body_editor::BodyEditor>),
    /// A one-line question (a request's name, a file).
    Prompt(prompt::Prompt),
}

/// What a key in a modal asks the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing more: the modal stays.
    Keep,
    /// The modal closes.
    Close,
    /// The modal closes with a message on the status line.
    CloseWith(String),
    /// A confirmation was answered yes: do the action, without asking.
    Confirmed(Action),
    /// The history query changed: search again.
    HistorySearch(String),
    /// Open this history exchange.
    HistoryOpen(i64),
    /// Run this jq filter.
    RunJq(String),
    /// Put this body into the request line.
    ApplyBody(String),
    /// Hand this text to `$EDITOR`.
    ExternalEdit(String),
    /// A message for the status line; the modal stays.
    Flash(String),
    /// A prompt was answered.
    Prompted(prompt::Purpose, String),
    /// Close, and show this list entry (a run's result line).
    ShowEntry(usize),
    /// Delete the cookie listed at this index (the cookie view).
    DeleteCookie(usize),
}

impl Modal {
    /// Handles a key. `page` is the height of the response area, for
    /// paging keys.
    pub fn key(&mut self, key: KeyEvent, page: usize) -> Outcome {
        match self {
            Modal::Help(m) => m.key(key),
            Modal::Confirm(m) => m.key(key),
            Modal::History(m) => m.key(key),
            Modal::Overlay(m) => m.key(key, page),
            Modal::Jq(m) => m.key(key),
            Modal::BodyEditor(m) => m.key(key),
            Modal::Prompt(m) => m.key(key),
        }
    }

    /// Pasted text.
    pub fn paste(&mut self, text: &str) -> Outcome {
        match self {
            Modal::History(m) => {
                m.query.insert(text);
                m.selected = 0;
                Outcome::HistorySearch(m.query.text().to_owned())
            }
            Modal::Jq(m) => {
                m.input.insert(text);
                Outcome::Keep
            }
            Modal::BodyEditor(m) => {
                m.area.insert_str(text);
                Outcome::Keep
            }
            Modal::Prompt(m) => {
                m.input.insert(text.lines().next().unwrap_or(""));
                Outcome::Keep
            }
            _ => Outcome::Keep,
        }
    }

    /// The keys it takes, for the status line.
    pub fn hints(&self) -> &'static str {
        match self {
            Modal::Help(_) => "j/k scroll · Esc or ? closes",
            Modal::Confirm(_) => "y does it · any other key cancels",
            Modal::Prompt(_) => "type · Enter confirms · Esc cancels",
            Modal::History(_) => {
                "type to search (host: status: dialect: code: words) · ↑/↓ select · Enter opens · Esc closes"
            }
            Modal::Overlay(_) => "j/k PgUp/PgDn g/G scroll · Esc closes",
            Modal::Jq(_) => {
                "type a jq filter (.data[] | .id, map(select(.x)), keys…) · Enter run · ↑/↓ earlier filters · Esc cancel"
            }
            Modal::BodyEditor(_) => {
                "Ctrl-S apply · Esc discard · Ctrl-E $EDITOR · Ctrl-Z undo · Ctrl-R redo · Shift-arrows select · Ctrl-C/Ctrl-X copy/cut · Ctrl-Y paste"
            }
        }
    }

    /// Draws it. `screen` is the whole screen, `response` the response
    /// pane (the body editor and the jq prompt sit there).
    pub fn render(&mut self, theme: &Theme, f: &mut Frame, screen: Rect, response: Rect) {
        match self {
            Modal::Help(m) => m.render(theme, f, screen),
            Modal::Confirm(m) => m.render(theme, f, screen),
            Modal::History(m) => m.render(theme, f, screen),
            Modal::Overlay(m) => m.render(theme, f, screen),
            Modal::Jq(m) => m.render(theme, f, response),
            Modal::BodyEditor(m) => m.render(theme, f, response),
            Modal::Prompt(m) => m.render(theme, f, screen),
        }
    }
}
