//! A question before something is sent: what, to which host, with which
//! credentials. `y` does it; any other key cancels.

use super::Outcome;
use crate::report::sanitize;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::{block, centred, wrap};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The question, and the action a yes performs.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    /// The title.
    pub title: String,
    /// The lines of the question.
    pub lines: Vec<String>,
    /// What `y` does.
    pub action: Action,
    /// The last line: what `y` does and what any other key does.
    pub keys: String,
    /// The message when it is not confirmed.
    pub cancelled: String,
}

impl Confirm {
    /// A question before something is sent.
    pub fn send(title: &str, lines: Vec<String>, action: Action) -> Confirm {
        Confirm {
            title: title.to_owned(),
            lines,
            action,
            keys: "y sends · any other key cancels".into(),
            cancelled: "Nothing sent".into(),
        }
    }
}

impl Confirm {
    /// Handles a key: `y` confirms, anything else cancels.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Char('y' | 'Y') => Outcome::Confirmed(self.action),
            _ => Outcome::CloseWith(self.cancelled.clone()),
        }
    }

    /// Draws the question in the middle of the screen.
    pub fn render(&self, theme: &Theme, f: &mut Frame, area: Rect) {
        let width = area.width.saturating_sub(6).clamp(20, 100) as usize;
        let mut lines: Vec<Line> = Vec::new();
        for l in &self.lines {
            for w in wrap(&sanitize(l, false), width.saturating_sub(2)) {
                lines.push(Line::from(Span::styled(w, theme.text)));
            }
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(self.keys.clone(), theme.accent)));
        let w = lines.iter().map(Line::width).max().unwrap_or(20) as u16 + 4;
        let r = centred(area, w.max(40), lines.len() as u16 + 2);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines).block(block(&self.title, true, theme)),
            r,
        );
    }
}
