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
}

impl Overlay {
    /// An overlay at its top.
    pub fn new(title: impl Into<String>, lines: Vec<(Kind, String)>) -> Overlay {
        Overlay {
            title: title.into(),
            lines,
            scroll: 0,
        }
    }

    /// Handles a key.
    pub fn key(&mut self, key: KeyEvent, page: usize) -> Outcome {
        let max = self.lines.len().saturating_sub(1);
        let page = page.max(1);
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
        Outcome::Keep
    }

    /// Draws it.
    pub fn render(&self, theme: &Theme, f: &mut Frame, area: Rect) {
        let r = centred(area, 150, area.height.saturating_sub(2));
        f.render_widget(Clear, r);
        let title = format!("{}  (j/k PgUp/PgDn scroll · Esc closes)", self.title);
        let b = block(&title, true, theme);
        let inner = b.inner(r);
        f.render_widget(b, r);
        // Long lines wrap (a variable's long value, a long URL), so
        // nothing is cut off; scrolling moves by whole lines.
        let width = (inner.width as usize).max(1);
        let mut lines: Vec<Line> = Vec::new();
        for (k, s) in self.lines.iter().skip(self.scroll) {
            if lines.len() >= inner.height as usize {
                break;
            }
            let style = match k {
                Kind::Title => theme.accent,
                Kind::Same => theme.text,
                Kind::Old => theme.server_error,
                Kind::New => theme.ok,
                Kind::Note => theme.dim,
            };
            let text = sanitize(s, false);
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
