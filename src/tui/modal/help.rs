//! `?`: every key, generated from the key bindings (a key rebound in
//! `config.toml` shows where it is), then the request-line grammar.

use super::Outcome;
use crate::tui::theme::Theme;
use crate::tui::widgets::{block, centred, wrap};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// The request line's grammar and the editing keys, after the actions.
const GRAMMAR: &[(&str, &str)] = &[
    ("", ""),
    ("Request line", "[METHOD] URL [ITEM…] as in HTTPie:"),
    (
        "",
        "Name:value header · key==value query · key=value JSON string · key:=json raw JSON",
    ),
    (
        "",
        "--bearer=TOKEN · --auth=USER:PASS · --raw=TEXT · @file body",
    ),
    (
        "",
        "{{env.NAME}}: an environment variable, resolved when sent",
    ),
    (
        "Editing",
        "←/→ Home/End · Ctrl-A/E · Ctrl-W word · Ctrl-U clear · Ctrl-Z undo · Esc leaves",
    ),
    (
        "Focus",
        "the focused pane has the bright border; the status line starts with where keys go",
    ),
];

/// The help overlay.
#[derive(Debug, Clone, Default)]
pub struct Help {
    /// (keys, what they do).
    pub rows: Vec<(String, String)>,
    /// First line shown (a short terminal scrolls).
    pub scroll: usize,
}

impl Help {
    /// The overlay for these key rows.
    pub fn new(rows: Vec<(String, String)>) -> Help {
        let mut rows = rows;
        rows.extend(
            GRAMMAR
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Help { rows, scroll: 0 }
    }

    /// Handles a key.
    pub fn key(&mut self, key: KeyEvent) -> Outcome {
        match key.code {
            KeyCode::Esc | KeyCode::Char('?' | 'q') => return Outcome::Close,
            KeyCode::Down | KeyCode::Char('j') => self.scroll += 1,
            KeyCode::Up | KeyCode::Char('k') => self.scroll = self.scroll.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.scroll += 10,
            KeyCode::PageUp => self.scroll = self.scroll.saturating_sub(10),
            KeyCode::Char('g') | KeyCode::Home => self.scroll = 0,
            _ => {}
        }
        Outcome::Keep
    }

    /// Draws it: as wide as the screen allows (up to 130 columns), the
    /// descriptions wrapped, never cut.
    pub fn render(&mut self, theme: &Theme, f: &mut Frame, area: Rect) {
        let w = area.width.saturating_sub(4).clamp(20, 130);
        let key_w = self
            .rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(10)
            .min(24)
            + 2;
        let text_w = (w as usize).saturating_sub(key_w + 3).max(10);
        let mut lines: Vec<Line> = Vec::new();
        for (k, v) in &self.rows {
            for (i, part) in wrap(v, text_w).into_iter().enumerate() {
                let key = if i == 0 { k.as_str() } else { "" };
                lines.push(Line::from(vec![
                    Span::styled(format!(" {key:<key_w$}"), theme.key),
                    Span::styled(part, theme.text),
                ]));
            }
        }
        let h = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
        let r = centred(area, w, h);
        let room = h.saturating_sub(2) as usize;
        self.scroll = self.scroll.min(lines.len().saturating_sub(room));
        let title = if lines.len() > room {
            "Keys (j/k PgUp/PgDn scroll · Esc closes)"
        } else {
            "Keys (Esc or ? closes)"
        };
        f.render_widget(Clear, r);
        let shown: Vec<Line> = lines.into_iter().skip(self.scroll).collect();
        f.render_widget(Paragraph::new(shown).block(block(title, true, theme)), r);
    }
}
