//! `b`: the request body in a multi-line text area (ratatui-textarea);
//! Ctrl-S applies it to the request line, Ctrl-E hands it to `$EDITOR`.

use super::Outcome;
use crate::tui::theme::Theme;
use crate::tui::widgets::block;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

/// The editor.
pub struct BodyEditor {
    /// The text area.
    pub area: ratatui_textarea::TextArea<'static>,
}

impl BodyEditor {
    /// An editor on these lines.
    pub fn new(lines: Vec<String>) -> BodyEditor {
        let mut ta = ratatui_textarea::TextArea::new(lines);
        ta.set_tab_length(2);
        ta.set_max_histories(500);
        ta.set_placeholder_text(
            "Type the JSON body (or any text); Ctrl-S applies it, Esc discards",
        );
        BodyEditor { area: ta }
    }

    /// The text.
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Handles a key.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return Outcome::CloseWith("Body edit discarded".into()),
            KeyCode::Char('s') if ctrl => {
                let body = self.text();
                let trimmed = body.trim();
                let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
                if looks_json && let Err(e) = serde_json::from_str::<serde_json::Value>(trimmed) {
                    // Say where, keep the editor open: nothing is lost.
                    return Outcome::Flash(format!(
                        "The body is not valid JSON: {e}; fix it or Esc"
                    ));
                }
                return Outcome::ApplyBody(body);
            }
            KeyCode::Char('e') if ctrl => return Outcome::ExternalEdit(self.text()),
            KeyCode::Char('z') if ctrl => {
                self.area.undo();
            }
            _ => {
                self.area.input(key);
            }
        }
        Outcome::Keep
    }

    /// Draws it over the response pane.
    pub fn render(&mut self, theme: &Theme, f: &mut Frame, area: Rect) {
        f.render_widget(Clear, area);
        self.area.set_block(block(
            "Request body  (Ctrl-S apply · Esc discard · Ctrl-E $EDITOR)",
            true,
            theme,
        ));
        self.area.set_style(theme.text);
        self.area
            .set_cursor_line_style(ratatui::style::Style::default());
        self.area.set_line_number_style(theme.dim);
        self.area.set_selection_style(theme.selected);
        f.render_widget(&self.area, area);
    }
}
