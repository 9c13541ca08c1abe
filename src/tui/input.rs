//! The request line editor: one line holding `[METHOD] URL [ITEM…]` in the
//! HTTPie grammar (quotes as in a shell), with the usual editing keys and
//! an undo stack.

/// A single-line text editor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineInput {
    text: String,
    /// Cursor position in characters.
    cursor: usize,
    undo: Vec<(String, usize)>,
}

impl LineInput {
    /// An editor holding `text`, cursor at the end.
    pub fn new(text: &str) -> LineInput {
        LineInput {
            text: text.to_owned(),
            cursor: text.chars().count(),
            undo: Vec::new(),
        }
    }

    /// The editing keys every one-line input shares (characters,
    /// Backspace, Delete, ←/→, Home/End, Ctrl-U clear, Ctrl-W word,
    /// Ctrl-Z undo); whether the key was one of them.
    pub fn edit_key(&mut self, key: &ratatui::crossterm::event::KeyEvent) -> bool {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => self.move_by(-1),
            KeyCode::Right => self.move_by(1),
            KeyCode::Home => self.home(false),
            KeyCode::End => self.home(true),
            KeyCode::Char('u') if ctrl => self.clear(),
            KeyCode::Char('w') if ctrl => self.delete_word(),
            KeyCode::Char('z') if ctrl => self.undo(),
            KeyCode::Char(c) if !ctrl => self.insert(&c.to_string()),
            _ => return false,
        }
        true
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(b, _)| b)
    }

    fn save(&mut self) {
        self.undo.push((self.text.clone(), self.cursor));
        if self.undo.len() > 200 {
            self.undo.remove(0);
        }
    }

    /// Inserts text at the cursor (control characters dropped).
    pub fn insert(&mut self, s: &str) {
        let clean: String = s
            .chars()
            .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        if clean.is_empty() {
            return;
        }
        self.save();
        let at = self.byte(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        self.save();
        let at = self.byte(self.cursor - 1);
        self.text.remove(at);
        self.cursor -= 1;
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) {
        if self.cursor >= self.text.chars().count() {
            return;
        }
        self.save();
        let at = self.byte(self.cursor);
        self.text.remove(at);
    }

    /// Deletes the word before the cursor (Ctrl-W).
    pub fn delete_word(&mut self) {
        if self.cursor == 0 {
            return;
        }
        self.save();
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i > 0 && chars[i - 1] == ' ' {
            i -= 1;
        }
        while i > 0 && chars[i - 1] != ' ' {
            i -= 1;
        }
        let (a, b) = (self.byte(i), self.byte(self.cursor));
        self.text.replace_range(a..b, "");
        self.cursor = i;
    }

    /// Clears the line (Ctrl-U).
    pub fn clear(&mut self) {
        self.save();
        self.text.clear();
        self.cursor = 0;
    }

    /// Moves the cursor by `delta` characters.
    pub fn move_by(&mut self, delta: isize) {
        let len = self.text.chars().count() as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, len) as usize;
    }

    /// Puts the cursor at character `at` (clamped to the text).
    pub fn set_cursor(&mut self, at: usize) {
        self.cursor = at.min(self.text.chars().count());
    }

    /// Moves to the start or the end.
    pub fn home(&mut self, end: bool) {
        self.cursor = if end { self.text.chars().count() } else { 0 };
    }

    /// Undoes the last edit.
    pub fn undo(&mut self) {
        if let Some((t, c)) = self.undo.pop() {
            self.text = t;
            self.cursor = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_and_undo() {
        let mut l = LineInput::new("GET :80/x");
        l.insert("y");
        assert_eq!(l.text(), "GET :80/xy");
        l.move_by(-10);
        l.insert("é");
        l.backspace();
        assert_eq!(l.text(), "GET :80/xy");
        l.delete_word(); // at the start: nothing to delete, nothing to undo
        l.undo();
        assert_eq!(l.text(), "éGET :80/xy");
        l.undo();
        l.undo();
        assert_eq!(l.text(), "GET :80/x");
    }
}
