//! Syntax highlighting for bodies that are not JSON (HTML error pages, XML,
//! YAML, JavaScript, CSS…) with syntect's precompiled syntaxes and themes.
//!
//! JSON keeps its own lazy tokenizer (`body.rs`), which is what keeps a
//! 20 MB body instant; syntect is stateful from the first line, so it is
//! used for bodies up to [`MAX_BYTES`] and only as far as the user scrolls.
//! The syntax set is loaded on a background thread at start-up
//! ([`preload`]), never on the way to the first frame.

use ratatui::style::Color;
use std::sync::OnceLock;
use syntect::highlighting::{HighlightIterator, HighlightState, Highlighter, Theme, ThemeSet};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};

/// Bodies larger than this are shown without highlighting.
pub const MAX_BYTES: usize = 2 << 20;
/// Characters of one line highlighted and shown at most.
const MAX_LINE: usize = 4096;

static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
static THEMES: OnceLock<ThemeSet> = OnceLock::new();

fn syntaxes() -> &'static SyntaxSet {
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn themes() -> &'static ThemeSet {
    THEMES.get_or_init(ThemeSet::load_defaults)
}

/// Loads the syntaxes and themes on a background thread.
pub fn preload() {
    let _ = std::thread::Builder::new()
        .name("syntect-preload".into())
        .spawn(|| {
            syntaxes();
            themes();
        });
}

/// The syntax for a body, from its Content-Type, else its first bytes.
pub fn syntax_for(content_type: Option<&str>, body: &[u8]) -> Option<&'static SyntaxReference> {
    let ss = syntaxes();
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let by_name = |n: &str| ss.find_syntax_by_name(n);
    let from_type = if ct.contains("html") {
        by_name("HTML")
    } else if ct.contains("xml") {
        by_name("XML")
    } else if ct.contains("yaml") {
        by_name("YAML")
    } else if ct.contains("javascript") {
        by_name("JavaScript")
    } else if ct.contains("css") {
        by_name("CSS")
    } else if ct.contains("markdown") {
        by_name("Markdown")
    } else {
        None
    };
    if from_type.is_some() {
        return from_type;
    }
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    if start.starts_with(b"<!doctype html") || start.starts_with(b"<html") {
        by_name("HTML")
    } else if start.starts_with(b"<?xml") || start.starts_with(b"<") {
        by_name("XML")
    } else {
        None
    }
}

/// A body being highlighted as far as it has been shown: the parser and
/// highlighter states after the last line done, and the lines so far.
#[derive(Clone)]
pub struct Highlighted {
    theme: &'static Theme,
    parse: ParseState,
    state: HighlightState,
    lines: Vec<Vec<(Color, String)>>,
    offset: usize,
    done: bool,
}

impl std::fmt::Debug for Highlighted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Highlighted")
            .field("lines", &self.lines.len())
            .field("offset", &self.offset)
            .finish()
    }
}

impl Highlighted {
    /// A highlighter for `syntax` in the syntect theme `theme` (an unknown
    /// name falls back to `base16-ocean.dark`).
    pub fn new(syntax: &'static SyntaxReference, theme: &str) -> Highlighted {
        let ts = themes();
        let t = ts
            .themes
            .get(theme)
            .or_else(|| ts.themes.get("base16-ocean.dark"))
            .or_else(|| ts.themes.values().next());
        let theme = t.expect("syntect ships default themes");
        let state = HighlightState::new(&Highlighter::new(theme), ScopeStack::new());
        Highlighted {
            theme,
            parse: ParseState::new(syntax),
            state,
            lines: Vec::new(),
            offset: 0,
            done: false,
        }
    }

    /// Highlights lines of `bytes` until `n` are ready (or the end).
    pub fn ensure(&mut self, bytes: &[u8], n: usize) {
        let ss = syntaxes();
        let highlighter = Highlighter::new(self.theme);
        while !self.done && self.lines.len() < n {
            let rest = &bytes[self.offset.min(bytes.len())..];
            if rest.is_empty() {
                self.done = true;
                break;
            }
            let end = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
            let raw = String::from_utf8_lossy(&rest[..end]);
            self.offset += end;
            let cut: String = raw.chars().take(MAX_LINE).collect();
            let mut text = cut.trim_end_matches(['\n', '\r']).to_owned();
            text.push('\n');
            let spans = match self.parse.parse_line(&text, ss) {
                Ok(ops) => HighlightIterator::new(&mut self.state, &ops, &text, &highlighter)
                    .map(|(style, s)| {
                        let c = style.foreground;
                        (
                            Color::Rgb(c.r, c.g, c.b),
                            crate::report::sanitize(s.trim_end_matches('\n'), false),
                        )
                    })
                    .filter(|(_, s)| !s.is_empty())
                    .collect(),
                Err(_) => vec![(
                    Color::Reset,
                    crate::report::sanitize(text.trim_end_matches('\n'), false),
                )],
            };
            self.lines.push(spans);
        }
    }

    /// Line `i`, once [`ensure`](Self::ensure)d.
    pub fn line(&self, i: usize) -> Option<&[(Color, String)]> {
        self.lines.get(i).map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_error_pages_are_highlighted_and_sanitised() {
        let body =
            b"<!DOCTYPE html>\n<html><title>502 Bad Gateway</title>\n<p>\x1b[31mno</p></html>\n";
        let syntax = syntax_for(Some("text/html; charset=utf-8"), body).expect("HTML");
        assert_eq!(syntax.name, "HTML");
        let mut h = Highlighted::new(syntax, "base16-ocean.dark");
        h.ensure(body, 10);
        let line: String = h.line(1).unwrap().iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(line, "<html><title>502 Bad Gateway</title>");
        let colours: std::collections::HashSet<_> =
            h.line(1).unwrap().iter().map(|(c, _)| *c).collect();
        assert!(colours.len() > 1, "one colour only: not highlighted");
        let escaped: String = h.line(2).unwrap().iter().map(|(_, s)| s.as_str()).collect();
        assert!(escaped.contains("\\x1b"), "{escaped}");
        assert!(h.line(3).is_none());
        assert!(syntax_for(None, b"<?xml version=\"1.0\"?><Error/>").is_some());
        assert!(syntax_for(Some("text/plain"), b"plain").is_none());
    }
}
