//! A one-line question that takes text: the name of a new, copied or
//! renamed request, the `.http` file to add a request to.

use super::Outcome;
use crate::report::sanitize;
use crate::tui::input::LineInput;
use crate::tui::theme::Theme;
use crate::tui::widgets::{block, centred};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// What the answer is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    /// `n`: a new request named so, after request `after` of `file`.
    New {
        /// The file, in the app's collection.
        file: usize,
        /// The request it goes after (the end when `None`).
        after: Option<usize>,
    },
    /// Duplicate request `index` of `file` under this name.
    Duplicate {
        /// The file.
        file: usize,
        /// The request.
        index: usize,
    },
    /// Rename request `index` of `file`.
    Rename {
        /// The file.
        file: usize,
        /// The request.
        index: usize,
    },
    /// `+`: add entry `entry`'s request to the `.http` file named so.
    AddTo {
        /// The entry.
        entry: usize,
    },
}

/// The prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// The title.
    pub title: String,
    /// A line under the input (what happens on Enter).
    pub help: String,
    /// The text being typed.
    pub input: LineInput,
    /// What it is for.
    pub purpose: Purpose,
}

impl Prompt {
    /// A prompt holding `text` to start with.
    pub fn new(title: String, help: String, text: &str, purpose: Purpose) -> Prompt {
        Prompt {
            title,
            help,
            input: LineInput::new(text),
            purpose,
        }
    }

    /// Handles a key: Enter answers, Esc cancels.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        let input = &mut self.input;
        match key.code {
            KeyCode::Esc => return Outcome::CloseWith("Cancelled".into()),
            KeyCode::Enter => {
                let text = input.text().trim().to_owned();
                return if text.is_empty() {
                    Outcome::Flash("Type a name first (Esc cancels)".into())
                } else {
                    Outcome::Prompted(self.purpose.clone(), text)
                };
            }
            _ => {
                input.edit_key(&key);
            }
        }
        Outcome::Keep
    }

    /// Draws the prompt in the middle of the screen.
    pub fn render(&self, theme: &Theme, f: &mut Frame, area: Rect) {
        let width = area.width.saturating_sub(6).clamp(20, 90);
        // The help wraps: a narrow terminal shows all of it.
        let help = crate::tui::widgets::wrap(
            &sanitize(&self.help, false),
            width.saturating_sub(2) as usize,
        );
        let height = u16::try_from(help.len() + 4).unwrap_or(u16::MAX);
        let r = centred(area, width, height);
        f.render_widget(Clear, r);
        let b = block(&sanitize(&self.title, false), true, theme);
        let inner = b.inner(r);
        let text = sanitize(self.input.text(), false);
        let mut lines = vec![Line::from(Span::styled(text, theme.text)), Line::from("")];
        lines.extend(
            help.into_iter()
                .map(|h| Line::from(Span::styled(h, theme.dim))),
        );
        f.render_widget(Paragraph::new(lines).block(b), r);
        let col = self
            .input
            .cursor()
            .min(inner.width.saturating_sub(1) as usize) as u16;
        f.set_cursor_position((inner.x + col, inner.y));
    }
}
