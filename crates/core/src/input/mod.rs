//! Readers that turn what a user hands apiscope into exchanges: a raw HTTP
//! response (`curl -i` / `curl -v`), a HAR 1.2 file, an apiscope session, or
//! a bare JSON body with its status and headers given as flags.

pub mod curl;
pub mod encoding;
pub mod har;
pub mod raw_http;
pub mod session;

use crate::model::{Exchange, Headers, Response};
use std::path::Path;

/// Why an input could not be read as any HTTP response. Each message names
/// the source and, where it can, the line and the field.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The file could not be read.
    #[error("{file}: {error}")]
    Io {
        /// The path.
        file: String,
        /// The OS error.
        error: std::io::Error,
    },
    /// Nothing in it.
    #[error("{file}: empty input; expected a raw HTTP response, a HAR file or a session")]
    Empty {
        /// The path, or `-`.
        file: String,
    },
    /// Not an HTTP response.
    #[error(
        "{file}: line {line}: not an HTTP response (found '{found}'); expected a status line such as 'HTTP/1.1 200 OK'"
    )]
    NotHttp {
        /// The path.
        file: String,
        /// The 1-based line.
        line: usize,
        /// The start of what was found.
        found: String,
    },
    /// A file that starts like HAR but is not valid HAR.
    #[error("{file}: not a valid HAR 1.2 file: {message}")]
    Har {
        /// The path.
        file: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A file that starts like a session but is not a valid one.
    #[error("{file}: not a valid apiscope session: {message}")]
    Session {
        /// The path.
        file: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A curl command rather than a response.
    #[error(
        "{file}: this is a curl command, not a response; decode reads what the server answered (curl -i output, a HAR file or a session); `apiscope replay {file} --live` sends it, `apiscope open {file}` opens it"
    )]
    CurlCommand {
        /// The path.
        file: String,
    },
    /// A curl command that could not be read.
    #[error("{file}: {error}")]
    Curl {
        /// The path.
        file: String,
        /// What is wrong, with its line.
        error: curl::CurlError,
    },
    /// A malformed `-H` flag.
    #[error("bad header '{0}': expected 'Name: value'")]
    BadHeader(String),
    /// More exchanges than are held in memory at once.
    #[error(
        "{file}: more than {limit} exchanges, more than apiscope holds at once; `apiscope decode {file}` reads a HAR file of any size"
    )]
    TooMany {
        /// The path.
        file: String,
        /// The most held.
        limit: usize,
    },
}

/// The most exchanges `open`, `replay` and a HAR on stdin hold in memory
/// (about 200 MB of small exchanges). `decode` of a HAR file streams it and
/// has no limit.
pub const MAX_EXCHANGES: usize = 200_000;

/// What a bare body (no status line) is given from the command line.
#[derive(Debug, Clone, Default)]
pub struct BareBody {
    /// `--status`.
    pub status: Option<u16>,
    /// `-H 'Name: value'`.
    pub headers: Headers,
}

/// Parses `Name: value` flags into headers.
pub fn parse_header_flags(flags: &[String]) -> Result<Headers, InputError> {
    let mut h = Headers::new();
    for f in flags {
        match f.split_once(':') {
            Some((n, v)) if !n.trim().is_empty() && !n.contains(char::is_whitespace) => {
                h.push(n.trim(), v.trim());
            }
            _ => return Err(InputError::BadHeader(f.clone())),
        }
    }
    Ok(h)
}

/// Reads anything `open` and `replay` take: a session, a HAR file, a raw
/// response, or a file of curl commands (whose exchanges hold only the
/// request until they are sent; see [`Exchange::has_response`]).
pub fn read_any(path: &str) -> Result<Vec<Exchange>, InputError> {
    if let Some(exchanges) = read_har_streaming(path)? {
        return Ok(exchanges);
    }
    let bytes = read_file(path)?;
    let source = if path == "-" { "<stdin>" } else { path };
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    if curl::sniff(body) {
        let text = String::from_utf8_lossy(body);
        // `@file` arguments are read beside the command file (from the
        // current folder for standard input), as curl would there.
        let base = if path == "-" {
            std::path::PathBuf::from(".")
        } else {
            std::path::Path::new(path)
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map_or_else(
                    || std::path::PathBuf::from("."),
                    std::path::Path::to_path_buf,
                )
        };
        let requests =
            curl::parse_all_in(&text, Some(&base)).map_err(|error| InputError::Curl {
                file: source.to_owned(),
                error,
            })?;
        return Ok(requests
            .into_iter()
            .map(|r| Exchange {
                request: Some(r),
                ..Exchange::default()
            })
            .collect());
    }
    read_shared(&bytes, source, &BareBody::default())
}

/// A HAR file on disk is parsed as it is read, entry by entry: its text is
/// never held beside its exchanges (a HAR of a million entries would take
/// twice the memory). `None` when `path` is not a HAR file on disk.
fn read_har_streaming(path: &str) -> Result<Option<Vec<Exchange>>, InputError> {
    use std::io::Read as _;
    if path == "-" {
        return Ok(None);
    }
    let io = |error| InputError::Io {
        file: path.to_owned(),
        error,
    };
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(None);
    };
    let mut head = [0u8; 4096];
    let n = file.read(&mut head).map_err(io)?;
    let head = &head[..n];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if !har::sniff(head) {
        return Ok(None);
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    // Skip a BOM; serde_json reads JSON text, not its encoding mark.
    let mut bom = [0u8; 3];
    let got = file.read(&mut bom).map_err(io)?;
    let rest: Box<dyn std::io::Read> = if got == 3 && bom == *b"\xEF\xBB\xBF" {
        Box::new(file)
    } else {
        Box::new(std::io::Read::chain(&bom[..got], file))
    };
    let mut out = Vec::new();
    let limit = MAX_EXCHANGES;
    let walked = har::for_each(rest, path, |e| {
        if out.len() >= limit {
            return Err("too many".into());
        }
        out.push(e);
        Ok(())
    });
    match walked {
        Ok(_) => Ok(Some(out)),
        Err(_) if out.len() >= limit => Err(InputError::TooMany {
            file: path.to_owned(),
            limit,
        }),
        Err(e) => Err(e),
    }
}

fn read_file(path: &str) -> Result<bytes::Bytes, InputError> {
    let io = |error| InputError::Io {
        file: if path == "-" { "<stdin>" } else { path }.to_owned(),
        error,
    };
    if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(io)?;
        return Ok(buf.into());
    }
    let file = std::fs::File::open(Path::new(path)).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_file()
        && meta.len() >= MAP_FROM
        && let Some(map) = map_file(&file)
    {
        return Ok(bytes::Bytes::from_owner(map));
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::io::Read::read_to_end(&mut &file, &mut buf).map_err(io)?;
    Ok(buf.into())
}

/// Files from this size up are mapped rather than read: a 100 MB body
/// costs 7 ms to map and 150 ms to copy on a small VM, and the exchanges'
/// bodies are slices of the map, never copies.
const MAP_FROM: u64 = 1 << 20;

/// A read-only map of a regular file, or `None` (then it is read).
#[allow(unsafe_code)]
fn map_file(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: the map is read-only and only ever read as bytes. The one
    // hazard is another process truncating the file while apiscope reads
    // it (the read then faults, as with ripgrep's mmap mode); apiscope
    // reads captures and HARs that nothing else is writing. The README says
    // so, and `APISCOPE_NO_MMAP=1` turns mapping off.
    if std::env::var_os("APISCOPE_NO_MMAP").is_some() {
        return None;
    }
    let map = unsafe { memmap2::Mmap::map(file) }.ok()?;
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Some(map)
}

/// Reads a file (or standard input for `-`).
pub fn read_path(path: &str, bare: &BareBody) -> Result<Vec<Exchange>, InputError> {
    if bare.status.is_none()
        && bare.headers.is_empty()
        && let Some(exchanges) = read_har_streaming(path)?
    {
        return Ok(exchanges);
    }
    let bytes = read_file(path)?;
    let source = if path == "-" { "<stdin>" } else { path };
    read_shared(&bytes, source, bare)
}

/// Reads exchanges from bytes, recognising the input by its content.
pub fn read_bytes(
    bytes: &[u8],
    source: &str,
    bare: &BareBody,
) -> Result<Vec<Exchange>, InputError> {
    read_shared(&bytes::Bytes::copy_from_slice(bytes), source, bare)
}

/// As [`read_bytes`], from shared bytes: the bodies of a raw capture are
/// slices of the input, not copies of it (a 1 GB capture costs 1 GB).
pub fn read_shared(
    shared: &bytes::Bytes,
    source: &str,
    bare: &BareBody,
) -> Result<Vec<Exchange>, InputError> {
    let bytes: &[u8] = shared;
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body.iter().position(|c| !c.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(InputError::Empty {
            file: source.to_owned(),
        });
    };
    let trimmed = &body[start..];
    if har::sniff(trimmed) {
        let mut out = Vec::new();
        let walked = har::for_each_slice(trimmed, source, |e| {
            if out.len() >= MAX_EXCHANGES {
                return Err("too many".into());
            }
            out.push(e);
            Ok(())
        });
        return match walked {
            Ok(_) => Ok(out),
            Err(_) if out.len() >= MAX_EXCHANGES => Err(InputError::TooMany {
                file: source.to_owned(),
                limit: MAX_EXCHANGES,
            }),
            Err(e) => Err(e),
        };
    }
    if session::sniff(trimmed) {
        return session::read(trimmed, source);
    }
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        return Ok(vec![bare_exchange(shared, bare)]);
    }
    if raw_http::sniff(bytes) {
        return raw_http::read_shared(shared, source).map(|e| vec![e]);
    }
    if curl::sniff(trimmed) {
        return Err(InputError::CurlCommand {
            file: source.to_owned(),
        });
    }
    if bare.status.is_some() {
        // The user said what it is: a non-JSON body with its status.
        return Ok(vec![bare_exchange(shared, bare)]);
    }
    let line = 1 + bytes[..bytes.len() - trimmed.len()]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    let first_line = trimmed.split(|&b| b == b'\n').next().unwrap_or(trimmed);
    Err(InputError::NotHttp {
        file: source.to_owned(),
        line,
        found: String::from_utf8_lossy(first_line)
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .take(60)
            .collect(),
    })
}

fn bare_exchange(bytes: &bytes::Bytes, bare: &BareBody) -> Exchange {
    let mut response = Response {
        status: bare.status,
        headers: bare.headers.clone(),
        body: bytes.clone(),
        ..Response::default()
    };
    encoding::normalise(&mut response);
    Exchange {
        request: None,
        response,
        timing: Default::default(),
        failure: None,
        dialect: None,
    }
}
