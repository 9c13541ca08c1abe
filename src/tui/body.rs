//! The body viewer's document: a lazily pretty-printed, lazily indexed view
//! of a response body.
//!
//! A 20 MB JSON body is never parsed into a tree or formatted whole. The
//! document keeps the raw bytes and an index of where each pretty-printed
//! line starts (source offset and nesting depth), extended only as far as
//! the user scrolls; a visible line is formatted — and coloured by token —
//! when it is drawn. The first screen costs microseconds whatever the size.

use memchr::memchr;

/// What a token is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// An object key.
    Key,
    /// A string value.
    Str,
    /// A number.
    Num,
    /// `true`, `false`, `null`.
    Lit,
    /// Braces, brackets, commas, colons.
    Punct,
    /// Indentation and plain text.
    Plain,
}

/// Characters of one line shown at most (a 1 MB string is cut for display;
/// a 5,000-character one is shown whole, wrapped or scrolled sideways).
pub const MAX_LINE: usize = 65_536;

/// Lines between two marks of the index: a line's start is found from the
/// mark before it, at most this many lines on.
const STEP: usize = 32;

/// A body prepared for viewing: only a sparse line index. The bytes stay
/// in the exchange (never copied) and are passed to each call, so a body
/// costs its own size plus half a byte per line seen so far — a 256 MB
/// JSON body of 100 million pretty lines indexes in 50 MB, not 1.6 GB.
#[derive(Debug, Clone)]
pub struct BodyDoc {
    json: bool,
    /// (source offset, depth) of every [`STEP`]th line start found so far.
    marks: Vec<(usize, u32)>,
    /// Lines indexed so far.
    lines: usize,
    /// The start of the last line indexed.
    last: (usize, u32),
    /// Whether the index reaches the end of the body.
    complete: bool,
}

impl BodyDoc {
    /// A document for a body; JSON when it starts like JSON.
    pub fn new(bytes: &[u8]) -> BodyDoc {
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
        let json = matches!(first, Some(b'{' | b'['));
        let start = if json {
            bytes
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0)
        } else {
            0
        };
        BodyDoc {
            complete: bytes.is_empty(),
            json,
            marks: vec![(start, 0)],
            lines: 1,
            last: (start, 0),
        }
    }

    /// A document shown as plain text lines, whatever it starts with (jq
    /// output: already pretty, possibly several values).
    pub fn plain(bytes: &[u8]) -> BodyDoc {
        BodyDoc {
            complete: bytes.is_empty(),
            json: false,
            marks: vec![(0, 0)],
            lines: 1,
            last: (0, 0),
        }
    }

    /// Whether the body is shown as JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Lines indexed so far, and whether that is all of them.
    pub fn known_lines(&self) -> (usize, bool) {
        (self.lines, self.complete)
    }

    /// Extends the index to at least `n` lines (or the end).
    pub fn ensure_lines(&mut self, bytes: &[u8], n: usize) {
        while !self.complete && self.lines < n {
            self.index_next(bytes);
        }
    }

    /// Extends the index until it covers source byte `offset`.
    pub fn ensure_offset(&mut self, bytes: &[u8], offset: usize) {
        while !self.complete && self.last.0 <= offset {
            self.index_next(bytes);
        }
    }

    /// The line that shows source byte `offset` (index must cover it).
    pub fn line_of_offset(&self, bytes: &[u8], offset: usize) -> usize {
        let k = match self.marks.binary_search_by(|(o, _)| o.cmp(&offset)) {
            Ok(k) => return k * STEP,
            Err(k) => k.saturating_sub(1),
        };
        let mut line = k * STEP;
        let mut at = self.marks[k];
        while line + 1 < self.lines {
            let next = self.step(bytes, at);
            if next.0 > offset {
                break;
            }
            at = next;
            line += 1;
        }
        line
    }

    /// The start of the line after the one starting at `at`.
    fn step(&self, bytes: &[u8], (off, depth): (usize, u32)) -> (usize, u32) {
        if self.json {
            scan_json_line(bytes, off, depth, None)
        } else {
            match memchr(b'\n', &bytes[off.min(bytes.len())..]) {
                Some(i) => (off + i + 1, 0),
                None => (bytes.len(), 0),
            }
        }
    }

    fn index_next(&mut self, bytes: &[u8]) {
        let (off, _) = self.last;
        let (next, next_depth) = self.step(bytes, self.last);
        if next >= bytes.len() || next <= off {
            self.complete = true;
        } else {
            self.last = (next, next_depth);
            if self.lines.is_multiple_of(STEP) {
                self.marks.push(self.last);
            }
            self.lines += 1;
        }
    }

    /// The start of line `i`, found from the mark before it.
    fn start_of(&self, bytes: &[u8], i: usize) -> Option<(usize, u32)> {
        if i >= self.lines {
            return None;
        }
        let mut at = *self.marks.get(i / STEP)?;
        for _ in 0..i % STEP {
            at = self.step(bytes, at);
        }
        Some(at)
    }

    /// The tokens of line `i` (after `ensure_lines(i + 1)`), sanitised.
    pub fn line(&self, bytes: &[u8], i: usize) -> Vec<(Tok, String)> {
        let Some((off, depth)) = self.start_of(bytes, i) else {
            return Vec::new();
        };
        if self.json {
            let mut toks = Vec::new();
            scan_json_line(bytes, off, depth, Some(&mut toks));
            toks
        } else {
            let off = off.min(bytes.len());
            let end = memchr(b'\n', &bytes[off..]).map_or(bytes.len(), |e| off + e);
            let slice = &bytes[off..end.min(off + MAX_LINE)];
            let text = String::from_utf8_lossy(slice);
            vec![(
                Tok::Plain,
                crate::report::sanitize(text.trim_end_matches('\r'), false),
            )]
        }
    }

    /// Source offsets of every occurrence of `needle` (case-insensitive
    /// ASCII), at most `limit`.
    pub fn find_all(hay: &[u8], needle: &str, limit: usize) -> Vec<usize> {
        if needle.is_empty() {
            return Vec::new();
        }
        let lower: Vec<u8> = needle.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let first = lower[0];
        let mut out = Vec::new();
        let mut i = 0;
        while i + lower.len() <= hay.len() && out.len() < limit {
            let rest = &hay[i..];
            let next = match memchr::memchr2(first, first.to_ascii_uppercase(), rest) {
                Some(n) => i + n,
                None => break,
            };
            if next + lower.len() <= hay.len()
                && hay[next..next + lower.len()]
                    .iter()
                    .zip(&lower)
                    .all(|(a, b)| a.to_ascii_lowercase() == *b)
            {
                out.push(next);
            }
            i = next + 1;
        }
        out
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// End of a string starting at the quote `i` (index after the closing quote).
fn string_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        match memchr::memchr2(b'"', b'\\', &b[j..]) {
            Some(n) => {
                let k = j + n;
                if b[k] == b'\\' {
                    j = k + 2;
                } else {
                    return k + 1;
                }
            }
            None => return b.len(),
        }
    }
    b.len().min(j)
}

/// Formats (when `out` is given) or just measures one pretty-printed line
/// starting at `off` with nesting `depth`; returns where the next line
/// starts and its depth. Tolerant of invalid JSON: it never fails, it only
/// lays out what is there.
fn scan_json_line(
    b: &[u8],
    off: usize,
    depth: u32,
    mut out: Option<&mut Vec<(Tok, String)>>,
) -> (usize, u32) {
    let mut i = skip_ws(b, off);
    let mut depth = depth;
    let mut width = 0usize;
    let mut push = |out: &mut Option<&mut Vec<(Tok, String)>>, t: Tok, s: &[u8]| {
        if let Some(o) = out.as_deref_mut() {
            if width >= MAX_LINE {
                return;
            }
            let text = String::from_utf8_lossy(&s[..s.len().min(MAX_LINE)]);
            width += text.len();
            o.push((t, crate::report::sanitize(&text, false)));
        }
    };
    // A line starting with a closer is dedented.
    if i < b.len() && matches!(b[i], b'}' | b']') {
        depth = depth.saturating_sub(1);
    }
    if out.is_some() {
        let indent = "  ".repeat(depth.min(64) as usize);
        push(&mut out, Tok::Plain, indent.as_bytes());
    }
    let mut first = true;
    while i < b.len() {
        let c = b[i];
        match c {
            b'{' | b'[' => {
                push(&mut out, Tok::Punct, &b[i..i + 1]);
                let close = if c == b'{' { b'}' } else { b']' };
                let j = skip_ws(b, i + 1);
                if j < b.len() && b[j] == close {
                    push(&mut out, Tok::Punct, &b[j..j + 1]);
                    i = j + 1;
                } else {
                    return (j, depth + 1);
                }
            }
            b'}' | b']' => {
                if !first {
                    return (i, depth);
                }
                push(&mut out, Tok::Punct, &b[i..i + 1]);
                i += 1;
            }
            b',' => {
                push(&mut out, Tok::Punct, b",");
                return (skip_ws(b, i + 1), depth);
            }
            b':' => {
                push(&mut out, Tok::Punct, b": ");
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                let after = skip_ws(b, end);
                let kind = if after < b.len() && b[after] == b':' {
                    Tok::Key
                } else {
                    Tok::Str
                };
                push(&mut out, kind, &b[i..end]);
                i = end;
            }
            c if c.is_ascii_whitespace() => i = skip_ws(b, i),
            _ => {
                let start = i;
                while i < b.len()
                    && !matches!(b[i], b',' | b'}' | b']' | b':' | b'{' | b'[' | b'"')
                    && !b[i].is_ascii_whitespace()
                {
                    i += 1;
                }
                let word = &b[start..i];
                let kind = if matches!(word, b"true" | b"false" | b"null") {
                    Tok::Lit
                } else if word
                    .first()
                    .is_some_and(|c| c.is_ascii_digit() || *c == b'-')
                {
                    Tok::Num
                } else {
                    Tok::Plain
                };
                push(&mut out, kind, word);
                if i == start {
                    i += 1;
                }
            }
        }
        first = false;
    }
    (b.len(), depth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(b: &[u8]) -> Vec<String> {
        let mut doc = BodyDoc::new(b);
        doc.ensure_lines(b, usize::MAX);
        (0..doc.known_lines().0)
            .map(|i| doc.line(b, i).into_iter().map(|(_, s)| s).collect())
            .collect()
    }

    #[test]
    fn pretty_prints_lazily() {
        assert_eq!(
            render(br#"{"a":[1,2,{}],"b":{"c":null,"d":"x,y"},"e":[]}"#),
            [
                "{",
                "  \"a\": [",
                "    1,",
                "    2,",
                "    {}",
                "  ],",
                "  \"b\": {",
                "    \"c\": null,",
                "    \"d\": \"x,y\"",
                "  },",
                "  \"e\": []",
                "}"
            ]
        );
    }

    #[test]
    fn tokens_are_typed_and_sanitised() {
        let b = b"{\"k\":\"\x1b[31m\",\"n\":-1.5,\"t\":true}";
        let mut doc = BodyDoc::new(b);
        doc.ensure_lines(b, 3);
        let l = doc.line(b, 1);
        assert_eq!(l[1].0, Tok::Key);
        assert_eq!(l[3].0, Tok::Str);
        assert!(l[3].1.contains("\\x1b"));
        assert_eq!(doc.line(b, 2)[3].0, Tok::Num);
    }

    #[test]
    fn truncated_and_text_bodies_never_fail() {
        assert!(render(br#"{"a":[1,2,{"b":"unterminated"#).len() >= 3);
        assert_eq!(
            render(b"<html>\n<title>x</title>\n"),
            ["<html>", "<title>x</title>"]
        );
    }

    #[test]
    fn search_maps_to_lines() {
        let b = br#"{"a":1,"needle":2,"c":"NEEDLE"}"#;
        let mut doc = BodyDoc::new(b);
        let hits = BodyDoc::find_all(b, "needle", 10);
        assert_eq!(hits.len(), 2);
        doc.ensure_offset(b, hits[1]);
        assert_eq!(doc.line_of_offset(b, hits[1]), 3);
    }

    #[test]
    fn the_sparse_index_finds_every_line_as_a_dense_one_would() {
        let items: Vec<String> = (0..500)
            .map(|i| format!(r#"{{"id":{i},"tags":["a","b"],"n":{{"x":null}}}}"#))
            .collect();
        let body = format!("[{}]", items.join(","));
        let b = body.as_bytes();
        let mut doc = BodyDoc::new(b);
        doc.ensure_lines(b, usize::MAX);
        let (n, complete) = doc.known_lines();
        assert!(complete && n > 5_000, "{n}");
        // Dense: each line from the one before.
        let mut at = doc.marks[0];
        for i in 0..n {
            assert_eq!(doc.start_of(b, i), Some(at), "line {i}");
            assert_eq!(doc.line_of_offset(b, at.0), i, "offset {}", at.0);
            at = doc.step(b, at);
        }
        assert_eq!(doc.start_of(b, n), None);
        assert!(doc.marks.len() <= n / STEP + 1);
    }
}
