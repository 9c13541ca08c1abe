//! `f`: the jq filter prompt. It starts empty (typing `.data[]` gives
//! `.data[]`); ↑/↓ recall earlier filters.

use super::Outcome;
use crate::report::sanitize;
use crate::tui::input::LineInput;
use crate::tui::theme::Theme;
use crate::tui::widgets::block;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The prompt.
#[derive(Debug, Clone, Default)]
pub struct JqPrompt {
    /// The filter being typed.
    pub input: LineInput,
    /// Filters run before, oldest first.
    pub history: Vec<String>,
    /// Position while stepping through `history`.
    pos: Option<usize>,
    /// The filter applied now, if any (shown as a hint).
    pub applied: Option<String>,
}

impl JqPrompt {
    /// An empty prompt.
    pub fn new(history: Vec<String>, applied: Option<String>) -> JqPrompt {
        JqPrompt {
            input: LineInput::default(),
            history,
            pos: None,
            applied,
        }
    }

    /// Handles a key.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        let input = &mut self.input;
        match key.code {
            KeyCode::Esc => return Outcome::Close,
            KeyCode::Enter => {
                let filter = input.text().trim().to_owned();
                return if filter.is_empty() {
                    Outcome::Close
                } else {
                    Outcome::RunJq(filter)
                };
            }
            KeyCode::Up | KeyCode::Down if !self.history.is_empty() => {
                let n = self.history.len();
                let pos = match (self.pos, key.code) {
                    (None, KeyCode::Up) => n - 1,
                    (None, _) => return Outcome::Keep,
                    (Some(p), KeyCode::Up) => p.saturating_sub(1),
                    (Some(p), _) => (p + 1).min(n - 1),
                };
                self.pos = Some(pos);
                *input = LineInput::new(&self.history[pos]);
            }
            _ => {
                input.edit_key(&key);
            }
        }
        Outcome::Keep
    }

    /// Draws the prompt on the first lines of the response pane.
    pub fn render(&self, theme: &Theme, f: &mut Frame, area: Rect) {
        let r = Rect::new(area.x, area.y, area.width, 3.min(area.height));
        f.render_widget(Clear, r);
        let title = match &self.applied {
            Some(a) => format!(
                "jq filter (applied now: {}) · Enter runs · Esc",
                sanitize(a, false)
            ),
            None if self.history.is_empty() => "jq filter · Enter runs · Esc".to_owned(),
            None => "jq filter · ↑ earlier filters · Enter runs · Esc".to_owned(),
        };
        let b = block(&title, true, theme);
        let inner = b.inner(r);
        let text = self.input.text();
        let line = if text.is_empty() {
            Line::from(Span::styled(".data[] | .id   (type a filter)", theme.dim))
        } else {
            Line::from(Span::styled(sanitize(text, false), theme.text))
        };
        f.render_widget(Paragraph::new(line).block(b), r);
        let col = self
            .input
            .cursor()
            .min(inner.width.saturating_sub(1) as usize) as u16;
        f.set_cursor_position((inner.x + col, inner.y));
    }
}
