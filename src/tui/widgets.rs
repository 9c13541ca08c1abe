//! Small drawing helpers shared by the panes and the modals.

use super::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Block;

/// A bordered block with a title; the focused one stands out.
pub fn block<'a>(title: &str, focused: bool, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .title(Span::styled(
            format!(" {title} "),
            if focused {
                theme.border_focus
            } else {
                theme.accent
            },
        ))
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2)).max(1);
    let h = h.min(area.height.saturating_sub(2)).max(1);
    Rect::new(
        area.x + (area.width.saturating_sub(w)) / 2,
        area.y + (area.height.saturating_sub(h)) / 2,
        w,
        h,
    )
}

/// At most `width` characters, with `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Splits text into lines of at most `width` characters, at spaces where
/// it can (a word longer than the width is cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ') {
        let wl = word.chars().count();
        let cl = cur.chars().count();
        if cl > 0 && cl + 1 + wl > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.chars().count() > width {
            let head: String = cur.chars().take(width).collect();
            let tail: String = cur.chars().skip(width).collect();
            lines.push(head);
            cur = tail;
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    #[test]
    fn wraps_at_spaces() {
        assert_eq!(
            super::wrap("one two three four", 9),
            ["one two", "three", "four"]
        );
        assert_eq!(super::wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }
}
