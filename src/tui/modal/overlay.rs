//! A read-only, scrollable text over the screen: a diff of two exchanges,
//! the rate-limit timeline, a replay's recorded-vs-live table.

use super::Outcome;
use crate::report::sanitize;
use crate::tui::diff::Kind;
use crate::tui::theme::Theme;
use crate::tui::widgets::{block, centred};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The overlay.
#[derive(Debug, Clone)]
pub struct Overlay {
    /// What it shows.
    pub title: String,
    /// The lines, each with how to colour it.
    pub lines: Vec<(Kind, String)>,
    /// First line shown.
    pub scroll: usize,
    /// Per line, the list entry it stands for (a run's results): then
    /// j/k move a cursor over those lines and Enter shows the entry.
    pub targets: Vec<Option<usize>>,
    /// The line under the cursor, when lines have targets.
    pub cursor: Option<usize>,
    /// What choosing a line does.
    pub purpose: Purpose,
}

/// What a chosen line of an overlay leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// Enter shows the list entry (a run's results).
    #[default]
    Entries,
    /// `x` / Delete deletes the cookie (the cookie view).
    Cookies,
}

impl Overlay {
    /// An overlay at its top.
    pub fn new(title: impl Into<String>, lines: Vec<(Kind, String)>) -> Overlay {
        Overlay {
            title: title.into(),
            lines,
            scroll: 0,
            targets: Vec::new(),
            cursor: None,
            purpose: Purpose::Entries,
        }
    }

    /// Lines that lead somewhere: the cursor starts on the first.
    pub fn with_targets(mut self, targets: Vec<Option<usize>>) -> Overlay {
        self.cursor = targets.iter().position(Option::is_some);
        self.targets = targets;
        self
    }

    /// The next line with a target from the cursor, `forward` or back.
    fn step(&self, forward: bool) -> Option<usize> {
        let at = self.cursor?;
        let has = |i: &usize| self.targets.get(*i).is_some_and(Option::is_some);
        if forward {
            (at + 1..self.targets.len()).find(has)
        } else {
            (0..at).rev().find(has)
        }
    }

    /// Handles a key.
    pub fn key(&mut self, key: KeyEvent, page: usize) -> Outcome {
        let max = self.lines.len().saturating_sub(1);
        let page = page.max(1);
        if self.cursor.is_some() {
            let moved = match key.code {
                KeyCode::Down | KeyCode::Char('j') => self.step(true),
                KeyCode::Up | KeyCode::Char('k') => self.step(false),
                KeyCode::Enter if self.purpose == Purpose::Entries => {
                    if let Some(entry) = self.cursor.and_then(|c| self.targets[c]) {
                        return Outcome::ShowEntry(entry);
                    }
                    None
                }
                KeyCode::Char('x') | KeyCode::Delete if self.purpose == Purpose::Cookies => {
                    if let Some(i) = self.cursor.and_then(|c| self.targets[c]) {
                        return Outcome::DeleteCookie(i);
                    }
                    None
                }
                _ => None,
            };
            if let Some(c) = moved {
                self.cursor = Some(c);
                // Keep it in view (a few lines of context above).
                if c < self.scroll || c >= self.scroll + page {
                    self.scroll = c.saturating_sub(2).min(max);
                }
                return Outcome::Keep;
            }
            if matches!(
                key.code,
                KeyCode::Down | KeyCode::Up | KeyCode::Enter | KeyCode::Char('j' | 'k')
            ) {
                return Outcome::Keep;
            }
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q' | 'd' | 'T') => return Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => self.scroll = (self.scroll + 1).min(max),
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll = (self.scroll + page).min(max),
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(page),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            KeyCode::Char('G') | KeyCode::End => self.scroll = max,
            _ => {}
        }
        // The cursor stays on a line in view: what x or Enter acts on is
        // what is seen.
        if let Some(c) = self.cursor
            && (c < self.scroll || c >= self.scroll + page)
        {
            let has = |i: &usize| self.targets.get(*i).is_some_and(Option::is_some);
            self.cursor = (self.scroll..(self.scroll + page).min(self.targets.len()))
                .find(has)
                .or(Some(c));
        }
        Outcome::Keep
    }

    /// Draws it.
    pub fn render(&self, theme: &Theme, f: &mut Frame, area: Rect) {
        let r = centred(area, 150, area.height.saturating_sub(2));
        f.render_widget(Clear, r);
        let title = if self.cursor.is_some() && self.purpose == Purpose::Cookies {
            format!("{}  (j/k choose · x deletes it · Esc closes)", self.title)
        } else if self.cursor.is_some() {
            format!(
                "{}  (j/k choose · Enter shows it · PgUp/PgDn scroll · Esc closes)",
                self.title
            )
        } else {
            format!("{}  (j/k PgUp/PgDn scroll · Esc closes)", self.title)
        };
        let b = block(&title, true, theme);
        let inner = b.inner(r);
        f.render_widget(b, r);
        // Long lines wrap (a variable's long value, a long URL), so
        // nothing is cut off; scrolling moves by whole lines.
        let width = (inner.width as usize).max(1);
        let mut lines: Vec<Line> = Vec::new();
        for (i, (k, s)) in self.lines.iter().enumerate().skip(self.scroll) {
            if lines.len() >= inner.height as usize {
                break;
            }
            let chosen = self.cursor == Some(i);
            let style = match k {
                Kind::Title => theme.accent,
                Kind::Same => theme.text,
                Kind::Old => theme.server_error,
                Kind::New => theme.ok,
                Kind::Note => theme.dim,
            };
            let style = if chosen {
                style.add_modifier(ratatui::style::Modifier::REVERSED)
            } else {
                style
            };
            let text = sanitize(s, false);
            // (The cursor shows as text too: `›`.)
            let text = match (self.cursor.is_some(), chosen) {
                (true, true) => format!("› {text}"),
                (true, false) => format!("  {text}"),
                (false, _) => text,
            };
            if text.chars().count() <= width {
                lines.push(Line::from(Span::styled(text, style)));
            } else {
                for row in crate::tui::widgets::wrap(&text, width) {
                    lines.push(Line::from(Span::styled(row, style)));
                }
            }
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}
