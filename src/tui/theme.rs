//! Colour themes: `themes/*.toml` compiled in (dark, light, high-contrast),
//! plus `<config dir>/themes/*.toml`. `NO_COLOR` turns colour off; styles
//! then rely on bold, reverse and underline only.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::str::FromStr;

const BUILT_IN: &[&str] = &[
    include_str!("../../themes/dark.toml"),
    include_str!("../../themes/light.toml"),
    include_str!("../../themes/high-contrast.toml"),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    /// The syntect theme for highlighted (non-JSON) bodies.
    #[serde(default)]
    syntax: Option<String>,
    fg: String,
    dim: String,
    accent: String,
    border: String,
    border_focus: String,
    selected_bg: String,
    ok: String,
    client_error: String,
    server_error: String,
    key: String,
    string: String,
    number: String,
    literal: String,
    punct: String,
    gauge_ok: String,
    gauge_low: String,
    gauge_empty: String,
}

/// Resolved styles for every element the views draw.
#[derive(Debug, Clone)]
pub struct Theme {
    /// The theme's name.
    pub name: String,
    /// Whether colours are used at all.
    pub color: bool,
    /// Plain text.
    pub text: Style,
    /// Secondary text.
    pub dim: Style,
    /// Titles and highlights.
    pub accent: Style,
    /// Pane borders.
    pub border: Style,
    /// The focused pane's border.
    pub border_focus: Style,
    /// The selected row.
    pub selected: Style,
    /// 2xx/3xx.
    pub ok: Style,
    /// 4xx.
    pub client_error: Style,
    /// 5xx and network failures.
    pub server_error: Style,
    /// JSON keys.
    pub key: Style,
    /// JSON strings.
    pub string: Style,
    /// JSON numbers.
    pub number: Style,
    /// JSON literals.
    pub literal: Style,
    /// JSON punctuation.
    pub punct: Style,
    /// Budget gauge: plenty left.
    pub gauge_ok: Style,
    /// Budget gauge: below a quarter.
    pub gauge_low: Style,
    /// Budget gauge: empty.
    pub gauge_empty: Style,
    /// The syntect theme for highlighted bodies (the syntax theme follows
    /// the UI theme).
    pub syntax: String,
}

fn color(s: &str) -> Color {
    Color::from_str(s).unwrap_or(Color::Reset)
}

impl Theme {
    /// The built-in theme names.
    pub fn names() -> Vec<String> {
        BUILT_IN
            .iter()
            .filter_map(|t| toml::from_str::<ThemeFile>(t).ok().map(|f| f.name))
            .collect()
    }

    /// A theme by name from the built-ins or the user's theme directory;
    /// `color: false` (NO_COLOR) keeps only modifiers.
    pub fn load(name: &str, color: bool) -> Result<Theme, String> {
        let mut files: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|t| ("built-in".to_owned(), (*t).to_owned()))
            .collect();
        if let Some(dir) = crate::config::config_dir().map(|d| d.join("themes"))
            && let Ok(entries) = std::fs::read_dir(&dir)
        {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "toml")
                    && let Ok(text) = std::fs::read_to_string(&p)
                {
                    files.push((p.display().to_string(), text));
                }
            }
        }
        for (origin, text) in files.iter().rev() {
            match toml::from_str::<ThemeFile>(text) {
                Ok(f) if f.name == name => return Ok(Theme::from_file(&f, color)),
                Ok(_) => {}
                Err(e) if origin != "built-in" && text.contains(&format!("\"{name}\"")) => {
                    return Err(format!("theme {origin}: {}", e.message()));
                }
                Err(_) => {}
            }
        }
        Err(format!(
            "unknown theme '{name}' (built in: {})",
            Theme::names().join(", ")
        ))
    }

    fn from_file(f: &ThemeFile, use_color: bool) -> Theme {
        let c = |s: &str| {
            if use_color {
                Style::default().fg(color(s))
            } else {
                Style::default()
            }
        };
        let bold = Modifier::BOLD;
        Theme {
            name: f.name.clone(),
            color: use_color,
            text: c(&f.fg),
            dim: if use_color {
                c(&f.dim)
            } else {
                Style::default().add_modifier(Modifier::DIM)
            },
            accent: c(&f.accent).add_modifier(bold),
            border: c(&f.border),
            border_focus: c(&f.border_focus).add_modifier(bold),
            selected: if use_color {
                Style::default()
                    .bg(color(&f.selected_bg))
                    .add_modifier(bold)
            } else {
                Style::default().add_modifier(Modifier::REVERSED)
            },
            ok: c(&f.ok).add_modifier(bold),
            client_error: c(&f.client_error).add_modifier(bold),
            server_error: c(&f.server_error).add_modifier(bold),
            key: c(&f.key),
            string: c(&f.string),
            number: c(&f.number),
            literal: c(&f.literal),
            punct: c(&f.punct),
            gauge_ok: c(&f.gauge_ok),
            gauge_low: c(&f.gauge_low),
            gauge_empty: c(&f.gauge_empty),
            syntax: f
                .syntax
                .clone()
                .unwrap_or_else(|| "base16-ocean.dark".into()),
        }
    }

    /// The style for an HTTP status (and for errors without one).
    pub fn status(&self, status: Option<u16>, is_error: bool) -> Style {
        match status {
            Some(s) if s >= 500 => self.server_error,
            Some(s) if s >= 400 => self.client_error,
            None if is_error => self.server_error,
            _ if is_error => self.client_error,
            _ => self.ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_ins_load() {
        for n in ["dark", "light", "high-contrast"] {
            assert!(Theme::load(n, true).is_ok(), "{n}");
        }
        assert!(
            Theme::load("nope", true)
                .unwrap_err()
                .contains("unknown theme")
        );
    }
}
