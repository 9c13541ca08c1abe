//! `H`: the history of sent exchanges — a query as typed, the newest
//! matching rows, Enter opens one.

use super::Outcome;
use crate::report::sanitize;
use crate::tui::input::LineInput;
use crate::tui::theme::Theme;
use crate::tui::widgets::{block, centred};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The history overlay: a query and the newest matching exchanges.
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

impl HistoryView {
    /// Takes the rows of a search (or why it failed).
    pub fn set_rows(&mut self, result: Result<Vec<crate::history::Row>, String>) {
        match result {
            Ok(rows) => {
                self.rows = rows;
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Handles a key.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let before = self.query.text().to_owned();
        let last = self.rows.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Enter => {
                return match self.rows.get(self.selected) {
                    Some(r) => Outcome::HistoryOpen(r.id),
                    None => Outcome::Close,
                };
            }
            KeyCode::Down => self.selected = (self.selected + 1).min(last),
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(last),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::Backspace => self.query.backspace(),
            KeyCode::Left => self.query.move_by(-1),
            KeyCode::Right => self.query.move_by(1),
            KeyCode::Char('u') if ctrl => self.query.clear(),
            KeyCode::Char('w') if ctrl => self.query.delete_word(),
            KeyCode::Char(c) if !ctrl => self.query.insert(&c.to_string()),
            _ => {}
        }
        if self.query.text() != before {
            self.selected = 0;
            return Outcome::HistorySearch(self.query.text().to_owned());
        }
        Outcome::Keep
    }

    /// Draws it.
    pub fn render(&self, theme: &Theme, f: &mut Frame, area: Rect) {
        let r = centred(area, 140, area.height.saturating_sub(4));
        f.render_widget(Clear, r);
        let b = block(
            "History  (host:H status:4xx dialect:D code:C words · ↑/↓ · Enter opens · Esc)",
            true,
            theme,
        );
        let inner = b.inner(r);
        f.render_widget(b, r);
        let mut lines = vec![Line::from(vec![
            Span::styled("Search ", theme.accent),
            Span::styled(sanitize(self.query.text(), false), theme.text),
            Span::styled("▏", theme.accent),
        ])];
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(
                sanitize(e, false),
                theme.server_error,
            )));
        } else if self.rows.is_empty() {
            lines.push(Line::from(Span::styled(
                "No exchange in the history matches (every request sent from the TUI or `send` is kept).",
                theme.dim,
            )));
        }
        let room = (inner.height as usize).saturating_sub(lines.len());
        let wide = inner.width >= 110;
        let start = self.selected.saturating_sub(room.saturating_sub(1));
        for (i, row) in self.rows.iter().enumerate().skip(start).take(room) {
            let status = row.status.map_or("—".to_owned(), |s| s.to_string());
            let style = theme.status(row.status, row.status.is_some_and(|s| s >= 400));
            let when = crate::report::rfc3339(row.at_ms / 1000).replace('T', " ");
            let when: String = when.chars().skip(5).take(11).collect();
            let mut line = Line::from(vec![
                Span::styled(format!("{when:>6} "), theme.dim),
                Span::styled(format!("{status:>3} "), style),
                Span::styled(
                    if wide {
                        format!(
                            "{:<24} ",
                            sanitize(row.code.as_deref().unwrap_or(""), false)
                        )
                    } else {
                        row.code
                            .as_deref()
                            .map_or(String::new(), |c| format!("{} ", sanitize(c, false)))
                    },
                    style,
                ),
                Span::styled(
                    if wide {
                        format!("{:<12} ", row.dialect)
                    } else {
                        String::new()
                    },
                    theme.dim,
                ),
                Span::styled(
                    sanitize(&format!("{} {}", row.method, row.url), false),
                    theme.text,
                ),
            ]);
            if i == self.selected {
                line = line.style(theme.selected);
            }
            lines.push(line);
        }
        f.render_widget(Paragraph::new(lines), inner);
    }
}
