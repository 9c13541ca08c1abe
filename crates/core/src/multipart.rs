//! `multipart/form-data` bodies, as curl builds them: shared by the curl
//! importer (`-F`) and the request items (`--form` / `--multipart`,
//! `field@file`).

/// One part of a multipart form (`-F`, `--form-string`).
pub struct Part {
    /// The form field's name.
    pub name: String,
    /// The part's bytes.
    pub content: Vec<u8>,
    /// The file name sent, for a file part.
    pub filename: Option<String>,
    /// The part's Content-Type, when it has one.
    pub content_type: Option<String>,
    /// Extra part headers, `Name: value`.
    pub headers: Vec<String>,
}

/// curl's content type for an uploaded file, by its extension.
pub fn guess_type(filename: &str) -> &'static str {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "gif" => "image/gif",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain",
        "htm" | "html" => "text/html",
        "pdf" => "application/pdf",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// A boundary shaped like curl's: 24 dashes and 16 hex digits, from the
/// parts themselves (the same command gives the same body).
pub fn boundary(parts: &[Part]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.name.bytes().chain(p.content.iter().copied()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("------------------------{h:016x}")
}

/// The `multipart/form-data` body of the parts.
pub fn multipart(parts: &[Part], boundary: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!(
            "Content-Disposition: form-data; name=\"{}\"",
            p.name.replace('"', "%22")
        );
        if let Some(f) = &p.filename {
            disposition.push_str(&format!("; filename=\"{}\"", f.replace('"', "%22")));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(t) = &p.content_type {
            out.extend_from_slice(format!("Content-Type: {t}\r\n").as_bytes());
        }
        for h in &p.headers {
            out.extend_from_slice(format!("{h}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.content);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}
