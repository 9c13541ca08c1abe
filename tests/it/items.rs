//! xh-style request items beyond JSON (`--form`, `--multipart`,
//! `field@file;type=…`, `--raw`) and body downloads (`-o`, `--download`),
//! checked on what a loopback server received and what landed on disk.

use crate::common;

use common::{RawServer, Reply, apiscope, apiscope_in};

fn ok(body: &[u8], extra: &str) -> Reply {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    Reply::Bytes(r)
}

fn echo_server() -> RawServer {
    RawServer::start(|_| ok(b"{}", ""))
}

/// (head lower-cased, body) of the one request the server got.
fn received(server: &RawServer) -> (String, Vec<u8>) {
    let all = server.received.lock().unwrap().clone();
    assert_eq!(all.len(), 1, "one request expected");
    let req = &all[0];
    let end = req.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&req[..end]).to_ascii_lowercase(),
        req[end + 4..].to_vec(),
    )
}

#[test]
fn form_fields_are_url_encoded() {
    let server = echo_server();
    let url = format!("{}/login", server.base);
    let run = apiscope(&["send", "--form", &url, "user=ann", "note=a b&c"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, body) = received(&server);
    assert!(head.starts_with("post /login "), "{head}");
    assert!(
        head.contains("content-type: application/x-www-form-urlencoded"),
        "{head}"
    );
    assert_eq!(String::from_utf8_lossy(&body), "user=ann&note=a+b%26c");
}

#[test]
fn file_fields_go_as_multipart_with_their_type() {
    let dir = tempfile::tempdir().unwrap();
    let pic = dir.path().join("pic.png");
    std::fs::write(&pic, b"\x89PNG fake bytes").unwrap();
    let notes = dir.path().join("notes.bin");
    std::fs::write(&notes, b"raw\r\nbytes").unwrap();
    for flag in ["--form", "--multipart"] {
        let server = echo_server();
        let url = format!("{}/upload", server.base);
        let pic_item = format!("avatar@{}", pic.display());
        let notes_item = format!("notes@{};type=text/x-custom", notes.display());
        let run = apiscope(
            &["send", flag, &url, "name=Ann", &pic_item, &notes_item],
            b"",
        );
        assert_eq!(run.code, 0, "{flag}: {}", run.stderr);
        let (head, body) = received(&server);
        let body = String::from_utf8_lossy(&body);
        let boundary = head
            .lines()
            .find_map(|l| l.strip_prefix("content-type: multipart/form-data; boundary="))
            .unwrap_or_else(|| panic!("{flag}: no multipart content type: {head}"))
            .trim()
            .to_owned();
        let parts: Vec<&str> = body.split(&format!("--{boundary}")).collect();
        // Preamble (empty), three parts, the closing `--`.
        assert_eq!(parts.len(), 5, "{flag}: {body}");
        assert!(
            parts[1].contains("name=\"name\"\r\n\r\nAnn\r\n"),
            "{}",
            parts[1]
        );
        assert!(
            parts[2].contains(
                "name=\"avatar\"; filename=\"pic.png\"\r\nContent-Type: image/png\r\n\r\n\u{fffd}PNG fake bytes\r\n"
            ),
            "{}",
            parts[2]
        );
        assert!(
            parts[3].contains(
                "filename=\"notes.bin\"\r\nContent-Type: text/x-custom\r\n\r\nraw\r\nbytes\r\n"
            ),
            "{}",
            parts[3]
        );
        assert_eq!(parts[4], "--\r\n");
    }
}

#[test]
fn a_file_field_without_a_form_is_one_line_and_nothing_is_sent() {
    let server = echo_server();
    let url = format!("{}/upload", server.base);
    let run = apiscope(&["send", &url, "avatar@pic.png"], b"");
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("needs --form or --multipart"),
        "{}",
        run.stderr
    );
    let run = apiscope(&["send", "--form", &url, "n:=1"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot go into a form"),
        "{}",
        run.stderr
    );
    assert!(server.received.lock().unwrap().is_empty());
}

#[test]
fn raw_sends_the_body_as_given() {
    let server = echo_server();
    let url = format!("{}/raw", server.base);
    let run = apiscope(
        &[
            "send",
            &url,
            "Content-Type:text/plain",
            "--raw",
            "line 1\nline 2",
        ],
        b"",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (head, body) = received(&server);
    assert!(head.starts_with("post /raw "), "{head}");
    assert_eq!(body, b"line 1\nline 2");
}

fn payload() -> Vec<u8> {
    (0..300_000u32).map(|i| (i % 251) as u8).collect()
}

#[test]
fn download_names_the_file_safely_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let body = payload();
    let served = body.clone();
    let server = RawServer::start(move |_| {
        ok(
            &served,
            "Content-Disposition: attachment; filename=\"../../etc/report.bin\"\r\n",
        )
    });
    let url = format!("{}/files/42", server.base);
    for (n, name) in [(0, "report.bin"), (1, "report-1.bin")] {
        let run = apiscope_in(dir.path(), &["send", "--download", &url], b"");
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("written to ./{name}")),
            "run {n}: {}",
            run.stderr
        );
        assert_eq!(std::fs::read(dir.path().join(name)).unwrap(), body);
        // The diagnosis prints; the body does not flood the terminal.
        assert!(run.stdout.contains("200"), "{}", run.stdout);
        assert!(run.stdout.len() < 2000, "{}", run.stdout.len());
    }
    // Nothing outside the directory, no temporary file left behind.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["report-1.bin", "report.bin"]);
}

#[test]
fn output_keeps_the_whole_body_past_max_body() {
    let dir = tempfile::tempdir().unwrap();
    let body = payload();
    let served = body.clone();
    let server = RawServer::start(move |_| ok(&served, ""));
    let url = format!("{}/big", server.base);
    let out = dir.path().join("big.bin");
    let out_s = out.to_string_lossy().into_owned();
    let run = apiscope(&["send", "--max-body", "1K", "-o", &out_s, &url], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read(&out).unwrap(), body);
    assert!(
        run.stdout.contains("the file has all of it"),
        "{}",
        run.stdout
    );
}

#[test]
fn an_error_is_not_downloaded_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = RawServer::start(|_| {
        Reply::Bytes(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 27\r\nConnection: close\r\n\r\n{\"message\":\"No such file\"}\n"
                .to_vec(),
        )
    });
    let url = format!("{}/files/nope.zip", server.base);
    let run = apiscope_in(dir.path(), &["send", "-d", &url], b"");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains("No such file"), "{}", run.stdout);
    assert!(run.stderr.contains("not downloaded"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
