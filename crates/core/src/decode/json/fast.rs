//! The skeleton parser's fast path: a hand-written recursive descent over
//! the bytes that builds the same [`Json`] as the serde path for every valid
//! document, but skims what the skeleton drops (array elements past
//! [`KEEP_ITEMS`], members past [`KEEP_KEYS`]) with a byte scanner —
//! strings jumped with `memchr`, brackets matched on a stack — instead of
//! tokenising them. That is what lets a 100 MB collection page decode above
//! 1 GB/s.
//!
//! It gives up (`None`) on anything unusual: a syntax error, a number
//! serde_json would refuse, deep nesting. The caller then runs the serde
//! path, which gives the exact error. Skimmed values are checked for
//! balanced brackets and closed strings, not token by token: a typo deep in
//! item 50,000 of a page is not reported (see `body.rs`).

use super::{Json, KEEP_ITEMS, KEEP_KEYS, cut, is_interesting_key};

/// Nesting the fast path handles; deeper documents go to serde_json, whose
/// limit (128) then decides.
const MAX_DEPTH: usize = 100;

/// Parses `bytes` as one JSON document, or `None` to let serde decide.
pub fn parse(bytes: &[u8]) -> Option<Json> {
    let mut p = Parser { b: bytes, i: 0 };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    (p.i == bytes.len()).then_some(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Json> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => Some(Json::String(cut(&self.string()?))),
            b't' => self.literal(b"true", Json::Bool(true)),
            b'f' => self.literal(b"false", Json::Bool(false)),
            b'n' => self.literal(b"null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &[u8], v: Json) -> Option<Json> {
        self.b[self.i..].starts_with(word).then(|| {
            self.i += word.len();
            v
        })
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.i;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        // serde_json's own number grammar and range rules (u64, i64, f64).
        serde_json::from_slice::<serde_json::Number>(&self.b[start..self.i])
            .ok()
            .map(Json::Number)
    }

    /// A string at `self.i` (its opening quote), unescaped.
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        let end = string_end(self.b, start)?;
        self.i = end;
        let inner = &self.b[start + 1..end - 1];
        if !inner.contains(&b'\\') {
            if inner.iter().any(|&c| c < 0x20) {
                return None;
            }
            return std::str::from_utf8(inner).ok().map(str::to_owned);
        }
        serde_json::from_slice::<String>(&self.b[start..end]).ok()
    }

    fn object(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Json::Object(members));
        }
        loop {
            self.ws();
            if self.peek()? != b'"' {
                return None;
            }
            let key = cut(&self.string()?);
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            if members.len() < KEEP_KEYS || is_interesting_key(&key) {
                let v = self.value(depth)?;
                members.push((key, v));
            } else {
                self.i = skim(self.b, self.i, depth)?;
            }
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(Json::Object(members));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<Json> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.i += 1;
        let mut items = Vec::new();
        let mut len = 0usize;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Json::Array { items, len });
        }
        loop {
            self.ws();
            if len < KEEP_ITEMS {
                items.push(self.value(depth)?);
            } else {
                self.i = skim(self.b, self.i, depth)?;
            }
            len += 1;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Json::Array { items, len });
                }
                _ => return None,
            }
        }
    }
}

/// The index just past the string whose opening quote is at `start`.
/// Eight bytes at a time (most strings are short, too short for `memchr`'s
/// set-up to pay), looking for the quote or a backslash.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        while let Some(chunk) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().ok()?);
            let m = has_byte(w, b'"') | has_byte(w, b'\\');
            if m != 0 {
                i += (m.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// The high bit set in each byte of `w` equal to `c` (exact for the lowest
/// such byte, which is all the callers use).
fn has_byte(w: u64, c: u8) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let x = w ^ (LO * u64::from(c));
    x.wrapping_sub(LO) & !x & HI
}

/// Skims the value at `i`: the index just past it. Strings are jumped,
/// brackets matched on a stack; scalars must be made of scalar bytes.
fn skim(b: &[u8], mut i: usize, depth: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => return string_end(b, i),
        b'{' | b'[' => {}
        _ => {
            let start = i;
            while let Some(b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z') = b.get(i)
            {
                i += 1;
            }
            let word = &b[start..i];
            let ok = matches!(word, b"true" | b"false" | b"null")
                || (matches!(word.first(), Some(b'-' | b'0'..=b'9'))
                    && word
                        .iter()
                        .all(|c| matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')));
            return ok.then_some(i);
        }
    }
    let mut stack: Vec<u8> = Vec::with_capacity(16);
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                i = string_end(b, i)?;
                continue;
            }
            b'{' | b'[' => {
                if depth + stack.len() >= MAX_DEPTH {
                    return None;
                }
                stack.push(if c == b'{' { b'}' } else { b']' });
            }
            b'}' | b']' => {
                if stack.pop()? != c {
                    return None;
                }
                if stack.is_empty() {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_page_is_read_by_the_fast_path() {
        let mut s = String::from("{\"data\":[");
        for i in 0..200 {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                "{{\"id\":\"card_{i:08}\",\"title\":\"Card number {i} \\\"quoted\\\" \\u00e9\",\"tags\":[\"alpha\",\"beta\"],\"score\":{}.25,\"done\":{},\"owner\":{{\"id\":{},\"name\":\"Ada\"}}}}",
                i * 7,
                i % 2 == 0,
                i % 97
            ));
        }
        s.push_str("],\"pagination\":{\"page_count\":50,\"page\":3}}");
        let v = parse(s.as_bytes()).expect("the fast path reads it");
        assert_eq!(
            v.pointer("/pagination/page_count").and_then(Json::as_i64),
            Some(50)
        );
        match v.pointer("/data") {
            Some(Json::Array { items, len }) => assert_eq!((items.len(), *len), (KEEP_ITEMS, 200)),
            other => panic!("{other:?}"),
        }
    }
}
