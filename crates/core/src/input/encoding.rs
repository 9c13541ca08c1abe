//! Undoing transfer and content codings left in a capture: chunked framing,
//! gzip, deflate (zlib or raw) and brotli. A body that claims a coding but
//! is not in it (HAR tools usually store the decoded text) is kept as it is;
//! one that is in it but cannot be decoded is kept and reported, never
//! mis-parsed as JSON.

use crate::model::Response;
use std::io::Read;

/// One body is decompressed up to this size (the default `--max-body`).
pub const MAX_BODY: u64 = 256 << 20;
/// A whole input (every entry of a HAR, every response of a capture) is
/// decompressed up to this much in all: a thousand bombed entries cost what
/// one does.
pub const MAX_PER_INPUT: u64 = 1 << 30;
/// Beyond 16 MB, a body may not grow more than this many times its coded
/// size: real JSON compresses 5–20×, a bomb a million.
pub const MAX_RATIO: u64 = 1000;

/// What decompression an input may still do.
#[derive(Debug, Clone)]
pub struct Inflate {
    /// Bytes left for the whole input.
    pub left: u64,
}

impl Default for Inflate {
    fn default() -> Inflate {
        Inflate {
            left: MAX_PER_INPUT,
        }
    }
}

/// Removes chunked framing and content codings from a response body in
/// place, adding a note for anything a reader should know.
pub fn normalise(resp: &mut Response) {
    normalise_within(resp, &mut Inflate::default());
}

/// As [`normalise`], within what is left of an input's decompression
/// budget (shared by every response of one file).
pub fn normalise_within(resp: &mut Response, budget: &mut Inflate) {
    let chunked = resp
        .headers
        .get("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if (chunked || looks_chunked(&resp.body))
        && let Some(body) = dechunk(&resp.body)
    {
        resp.body = body.into();
        resp.notes
            .push("Chunked transfer framing was left in the capture; it was removed".into());
    }

    decode_codings(resp, budget, MAX_BODY, false);
}

/// Undoes the content codings of a response as it came off the network
/// (the HTTP client asks for none and decodes none itself): within
/// `max_body` (`--max-body`) and the ratio rule. On success the
/// `Content-Encoding` and `Content-Length` headers go, as they describe
/// bytes no longer there.
pub fn decode_received(resp: &mut Response, max_body: u64) {
    let decoded = decode_codings(resp, &mut Inflate::default(), max_body, true);
    if decoded {
        resp.headers.remove("content-encoding");
        resp.headers.remove("content-length");
    }
}

/// Decodes every coding of `Content-Encoding`, last first; whether the
/// body was decoded (wholly or cut).
fn decode_codings(resp: &mut Response, budget: &mut Inflate, max_body: u64, live: bool) -> bool {
    let Some(coding) = resp
        .headers
        .get("content-encoding")
        .map(|c| c.trim().to_ascii_lowercase())
    else {
        return false;
    };
    if resp.body.is_empty() {
        return false;
    }
    let mut decoded = false;
    // Several codings apply in order; undo them last to first.
    let codings: Vec<String> = coding
        .split(',')
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    for c in codings.iter().rev() {
        let coded = resp.body.len() as u64;
        let limit = max_body
            .min(budget.left)
            .min(coded.saturating_mul(MAX_RATIO).max(16 << 20));
        match decode(c, &resp.body, limit) {
            Decoded::Done(body) => {
                budget.left = budget.left.saturating_sub(body.len() as u64);
                resp.body = body.into();
                decoded = true;
            }
            Decoded::Cut(body) => {
                budget.left = budget.left.saturating_sub(body.len() as u64);
                resp.notes.push(if live && body.len() as u64 == max_body {
                    format!(
                        "Body cut at {} (--max-body) when decompressing {c} ({} coded): the rest was not decoded",
                        size(body.len() as u64),
                        size(coded)
                    )
                } else {
                    format!(
                        "The {c} body was cut at {} decompressed (from {} coded): a bigger result is a decompression bomb or over what one file may expand to",
                        size(body.len() as u64),
                        size(coded)
                    )
                });
                resp.body = body.into();
                decoded = true;
                break;
            }
            Decoded::AlreadyPlain => break,
            Decoded::Failed(why) => {
                resp.notes.push(format!(
                    "The body is {c}-encoded (Content-Encoding: {coding}) and could not be decoded: {why}"
                ));
                break;
            }
            Decoded::Unsupported => {
                resp.notes.push(format!(
                    "The body uses Content-Encoding {c}, which apiscope cannot decode; it is shown as received"
                ));
                break;
            }
        }
    }
    decoded
}

/// `256 MB`, `12 KB`, `40 bytes`.
fn size(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{} MB", n >> 20)
    } else if n >= 1 << 10 {
        format!("{} KB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

enum Decoded {
    Done(Vec<u8>),
    /// Decoded up to the limit, the rest not.
    Cut(Vec<u8>),
    AlreadyPlain,
    Failed(String),
    Unsupported,
}

fn decode(coding: &str, body: &[u8], limit: u64) -> Decoded {
    match coding {
        "gzip" | "x-gzip" => {
            if !body.starts_with(&[0x1f, 0x8b]) {
                return plain_or_fail(body, "no gzip header");
            }
            read_all(flate2::read::MultiGzDecoder::new(body), limit)
        }
        "deflate" => {
            // zlib-wrapped (the standard) or raw deflate (what some servers send).
            if body.len() >= 2
                && body[0] & 0x0f == 8
                && u16::from_be_bytes([body[0], body[1]]).is_multiple_of(31)
            {
                read_all(flate2::read::ZlibDecoder::new(body), limit)
            } else if looks_plain(body) {
                Decoded::AlreadyPlain
            } else {
                read_all(flate2::read::DeflateDecoder::new(body), limit)
            }
        }
        "br" => {
            if looks_plain(body) {
                // Brotli has no magic number; text that already reads as
                // JSON/HTML was stored decoded (as HAR exporters do).
                return Decoded::AlreadyPlain;
            }
            read_all(brotli_decompressor::Decompressor::new(body, 4096), limit)
        }
        _ => {
            if looks_plain(body) {
                Decoded::AlreadyPlain
            } else {
                Decoded::Unsupported
            }
        }
    }
}

fn plain_or_fail(body: &[u8], why: &str) -> Decoded {
    if looks_plain(body) {
        Decoded::AlreadyPlain
    } else {
        Decoded::Failed(why.into())
    }
}

fn read_all(reader: impl Read, limit: u64) -> Decoded {
    let mut out = Vec::new();
    // One byte more than the limit tells a body that fits from one cut.
    match reader.take(limit.saturating_add(1)).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > limit => {
            out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            Decoded::Cut(out)
        }
        Ok(_) => Decoded::Done(out),
        Err(e) => Decoded::Failed(e.to_string()),
    }
}

/// Whether bytes already read as text a decoder would understand (JSON,
/// markup, or printable UTF-8).
fn looks_plain(body: &[u8]) -> bool {
    let head = &body[..body.len().min(512)];
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        // A multi-byte character cut at the 512-byte mark.
        Err(e) if e.valid_up_to() + 4 >= head.len() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    let t = text.trim_start_matches('\u{feff}').trim_start();
    t.starts_with(['{', '[', '<', '"'])
        || (!t.is_empty() && t.chars().all(|c| !c.is_control() || c.is_whitespace()))
}

/// Whether a body starts like chunked framing: a hex size line.
fn looks_chunked(body: &[u8]) -> bool {
    // A chunk-size line is short: never scan a whole body for its newline.
    let head = &body[..body.len().min(256)];
    let Some(eol) = head.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let line = body[..eol].strip_suffix(b"\r").unwrap_or(&body[..eol]);
    let size = line.split(|&b| b == b';').next().unwrap_or(line);
    !size.is_empty()
        && size.len() <= 8
        && size.iter().all(u8::is_ascii_hexdigit)
        && body.len() > eol + 1
        && matches!(body[eol + 1], b'{' | b'[' | b'<')
}

/// Removes chunked framing; `None` when the body is not validly framed
/// (then it is left as it is).
pub fn dechunk(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    loop {
        let eol = rest.iter().position(|&b| b == b'\n')?;
        let line = rest[..eol].strip_suffix(b"\r").unwrap_or(&rest[..eol]);
        let size_hex = line.split(|&b| b == b';').next()?;
        let size_str = std::str::from_utf8(size_hex).ok()?.trim();
        if size_str.is_empty() {
            return None;
        }
        let size = usize::from_str_radix(size_str, 16).ok()?;
        rest = &rest[eol + 1..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size {
            // Truncated capture: keep what arrived.
            out.extend_from_slice(rest);
            return Some(out);
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .unwrap_or(rest);
        if rest.is_empty() {
            return Some(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Headers;
    use std::io::Write;

    fn resp(enc: &str, body: Vec<u8>) -> Response {
        let mut headers = Headers::new();
        headers.push("Content-Encoding", enc);
        Response {
            status: Some(200),
            headers,
            body: body.into(),
            ..Response::default()
        }
    }

    #[test]
    fn gzip_is_decoded() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"{\"a\":1}").unwrap();
        let mut r = resp("gzip", e.finish().unwrap());
        normalise(&mut r);
        assert_eq!(&r.body[..], b"{\"a\":1}");
        assert!(r.notes.is_empty());
    }

    #[test]
    fn already_decoded_text_is_kept() {
        let mut r = resp("br", b"{\"a\":1}".to_vec());
        normalise(&mut r);
        assert_eq!(&r.body[..], b"{\"a\":1}");
    }

    #[test]
    fn broken_gzip_is_reported() {
        let mut r = resp("gzip", vec![0x1f, 0x8b, 8, 0, 1, 2, 3]);
        normalise(&mut r);
        assert!(r.notes[0].contains("could not be decoded"), "{:?}", r.notes);
    }

    #[test]
    fn chunked_framing_is_removed() {
        assert_eq!(
            dechunk(b"7\r\n{\"a\":1}\r\n0\r\n\r\n").unwrap(),
            b"{\"a\":1}"
        );
        assert_eq!(dechunk(b"nothex\r\n"), None);
    }
}

/// A text file's characters as editors write them: UTF-8 (a byte-order
/// mark dropped), or UTF-16 little- or big-endian behind its byte-order
/// mark (Windows tools, Postman exports saved from PowerShell). `None`:
/// neither.
pub fn text_of(bytes: &[u8]) -> Option<String> {
    let utf16 = |rest: &[u8], le: bool| -> Option<String> {
        if !rest.len().is_multiple_of(2) {
            return None;
        }
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
    };
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).ok();
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, false);
    }
    String::from_utf8(bytes.to_vec()).ok()
}

#[cfg(test)]
mod text_tests {
    use super::text_of;

    #[test]
    fn utf8_utf16_and_their_marks() {
        assert_eq!(text_of(b"{\"a\":1}").as_deref(), Some("{\"a\":1}"));
        assert_eq!(text_of(b"\xEF\xBB\xBF{}").as_deref(), Some("{}"));
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("{\"é\":1}".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text_of(&le).as_deref(), Some("{\"é\":1}"));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("{}".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(text_of(&be).as_deref(), Some("{}"));
        assert_eq!(text_of(b"\xFF\xFE{"), None);
        assert_eq!(text_of(b"\xC3"), None);
    }
}
