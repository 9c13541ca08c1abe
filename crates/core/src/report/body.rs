//! A response body for a person: JSON pretty-printed (keys in their order)
//! and coloured by token when asked, any other text as it came; either way
//! through the one sanitiser, so an escape sequence a server put in a body
//! shows as `\x1b[…` and never acts on the terminal.

use super::sanitize;

/// Bodies larger than this are written as they came (sanitised), not
/// pretty-printed: a tree of a 256 MB body would take gigabytes.
pub const PRETTY_MAX: usize = 8 << 20;

/// [`render`] written to `out`; a body over [`PRETTY_MAX`] is written as
/// it came, sanitised piece by piece, so its memory is its own size.
pub fn write_to(out: &mut dyn std::io::Write, bytes: &[u8], color: bool) -> std::io::Result<()> {
    if bytes.len() <= PRETTY_MAX {
        return out.write_all(render(bytes, color).as_bytes());
    }
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut cut = rest.len().min(1 << 16);
        // (At a character's boundary: a split one is not replaced.)
        while cut < rest.len() && cut > 0 && (rest[cut] & 0xC0) == 0x80 {
            cut -= 1;
        }
        if cut == 0 {
            cut = rest.len().min(1 << 16);
        }
        let (piece, tail) = rest.split_at(cut);
        out.write_all(sanitize(&String::from_utf8_lossy(piece), true).as_bytes())?;
        rest = tail;
    }
    if !bytes.ends_with(b"\n") {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The body as text for `send`'s output (ends with a newline; empty for
/// an empty body): JSON pretty-printed (coloured when `color`), anything
/// else as text; every byte sanitised.
pub fn render(bytes: &[u8], color: bool) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    let trimmed = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .trim_ascii_start();
    let pretty = if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        serde_json::from_slice::<serde_json::Value>(trimmed)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
    } else {
        None
    };
    let mut out = match pretty {
        Some(p) if color => paint_json(&sanitize(&p, true)),
        Some(p) => sanitize(&p, true),
        None => sanitize(&String::from_utf8_lossy(bytes), true),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Colours pretty JSON text: keys, strings, numbers, literals.
fn paint_json(text: &str) -> String {
    const KEY: &str = "\x1b[34m";
    const STR: &str = "\x1b[32m";
    const NUM: &str = "\x1b[33m";
    const LIT: &str = "\x1b[35m";
    const RESET: &str = "\x1b[0m";
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let mut j = i + 1;
                while j < b.len() {
                    match b[j] {
                        b'\\' => j += 2,
                        b'"' => {
                            j += 1;
                            break;
                        }
                        _ => j += 1,
                    }
                }
                let j = j.min(b.len());
                let rest = text[j..].trim_start_matches(' ');
                let colour = if rest.starts_with(':') { KEY } else { STR };
                out.push_str(colour);
                out.push_str(&text[i..j]);
                out.push_str(RESET);
                i = j;
            }
            c if c == b'-' || c.is_ascii_digit() => {
                let j = i + b[i..]
                    .iter()
                    .position(|c| {
                        !(c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
                    })
                    .unwrap_or(b.len() - i);
                out.push_str(NUM);
                out.push_str(&text[i..j]);
                out.push_str(RESET);
                i = j;
            }
            b't' | b'f' | b'n' => {
                let j = i + b[i..]
                    .iter()
                    .position(|c| !c.is_ascii_alphabetic())
                    .unwrap_or(b.len() - i);
                out.push_str(LIT);
                out.push_str(&text[i..j]);
                out.push_str(RESET);
                i = j;
            }
            _ => {
                let c = text[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_and_escapes_never_act() {
        let body = b"{\"b\":1,\"a\":\"\\u001b[2J\",\"c\":[true,null]}";
        let plain = render(body, false);
        assert_eq!(
            plain,
            "{\n  \"b\": 1,\n  \"a\": \"\\u001b[2J\",\n  \"c\": [\n    true,\n    null\n  ]\n}\n"
        );
        let coloured = render(body, true);
        assert!(coloured.contains("\x1b[34m\"b\"\x1b[0m"), "{coloured:?}");
        assert!(coloured.contains("\x1b[33m1\x1b[0m"), "{coloured:?}");
        // A raw ESC in a text body shows as text.
        assert_eq!(render(b"a\x1b[2Jb", false), "a\\x1b[2Jb\n");
        assert_eq!(render(b"", true), "");
        // Broken JSON is shown as it came.
        assert_eq!(render(b"{\"a\":", false), "{\"a\":\n");
    }
}
