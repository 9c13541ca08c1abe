//! Transport on the wire: TLS servers the test makes with a generated CA
//! (rcgen) — an unknown CA, `--verify CA.pem`, an expired certificate, one
//! for another host, one that wants a client certificate (`--cert`,
//! `--cert-key`) — and an HTTP proxy (`--proxy`). Each failure names its
//! cause in one finding and a step.

use crate::common::{RawServer, apiscope_in, reply};
use std::io::{Read, Write};
use std::sync::Arc;

struct Pki {
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
}

impl Pki {
    fn new() -> Pki {
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(rcgen::DnType::CommonName, "apiscope test CA (FAKE)");
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = p.self_signed(&ca_key).unwrap();
        Pki { ca, ca_key }
    }

    /// A leaf for `names`, valid from `from` to `to` (years), for a server
    /// or a client.
    fn leaf(
        &self,
        names: &[&str],
        years: (i32, i32),
        client: bool,
    ) -> (rcgen::Certificate, rcgen::KeyPair) {
        let mut p = rcgen::CertificateParams::new(
            names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
        )
        .unwrap();
        p.not_before = rcgen::date_time_ymd(years.0, 1, 1);
        p.not_after = rcgen::date_time_ymd(years.1, 1, 1);
        p.extended_key_usages = vec![if client {
            rcgen::ExtendedKeyUsagePurpose::ClientAuth
        } else {
            rcgen::ExtendedKeyUsagePurpose::ServerAuth
        }];
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = p.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        (cert, key)
    }
}

/// A TLS server on 127.0.0.1 with this certificate (and, given a CA, one
/// that wants a client certificate it issued): `200 {}` to any request.
fn tls_server(
    cert: &rcgen::Certificate,
    key: &rcgen::KeyPair,
    client_ca: Option<&rcgen::Certificate>,
) -> (String, std::thread::JoinHandle<()>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let chain = vec![cert.der().clone()];
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
    let config = match client_ca {
        None => builder
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.der().clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(chain, key)
                .unwrap()
        }
    };
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut served = 0;
        while std::time::Instant::now() < until && served < 4 {
            let Ok((tcp, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(5));
                continue;
            };
            served += 1;
            let _ = tcp.set_nonblocking(false);
            let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                match tls.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        buf.extend_from_slice(&chunk[..n]);
                        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            let _ = tls.write_all(
                                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                            );
                            let _ = tls.flush();
                            tls.conn.send_close_notify();
                            let _ = tls.flush();
                            break;
                        }
                    }
                }
            }
        }
    });
    (format!("https://127.0.0.1:{port}/tls"), handle)
}

fn send(dir: &std::path::Path, url: &str, extra: &[&str]) -> crate::common::Run {
    let mut args = vec!["send", url, "--format", "json", "--timeout", "10"];
    args.extend_from_slice(extra);
    apiscope_in(dir, &args, b"")
}

fn json(run: &crate::common::Run) -> serde_json::Value {
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|_| panic!("{}\n{}", run.stdout, run.stderr))
}

#[test]
fn tls_failures_name_their_cause_and_the_options_fix_them() {
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca.pem()).unwrap();
    let ca_s = ca.to_string_lossy().into_owned();

    // An unknown CA; then trusted with --verify.
    let (cert, key) = pki.leaf(&["127.0.0.1", "localhost"], (2020, 2090), false);
    let (url, h) = tls_server(&cert, &key, None);
    let run = send(dir.path(), &url, &[]);
    let d = json(&run);
    assert_eq!(d["error"]["code"], "TLS_ERROR", "{d}");
    assert!(
        d["findings"]
            .to_string()
            .contains("an authority this machine does not trust"),
        "{d}"
    );
    assert!(
        d["troubleshooting"][0]
            .as_str()
            .unwrap()
            .contains("--verify CA.pem"),
        "{d}"
    );
    let run = send(dir.path(), &url, &["--verify", &ca_s]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json(&run)["status"], 200);
    drop(h);

    // Expired.
    let (cert, key) = pki.leaf(&["127.0.0.1"], (2019, 2020), false);
    let (url, _h) = tls_server(&cert, &key, None);
    let d = json(&send(dir.path(), &url, &["--verify", &ca_s]));
    assert!(
        d["findings"]
            .to_string()
            .contains("certificate has expired"),
        "{d}"
    );

    // For another host.
    let (cert, key) = pki.leaf(&["api.other.example"], (2020, 2090), false);
    let (url, _h) = tls_server(&cert, &key, None);
    let d = json(&send(dir.path(), &url, &["--verify", &ca_s]));
    assert!(
        d["findings"]
            .to_string()
            .contains("issued for another host name"),
        "{d}"
    );

    // A client certificate wanted: without one, said; with one, 200.
    let (cert, key) = pki.leaf(&["127.0.0.1"], (2020, 2090), false);
    let (url, _h) = tls_server(&cert, &key, Some(&pki.ca));
    let d = json(&send(dir.path(), &url, &["--verify", &ca_s]));
    assert!(
        d["findings"].to_string().contains("client certificate"),
        "{d}"
    );
    let (client, client_key) = pki.leaf(&["apiscope-client"], (2020, 2090), true);
    let (c, k) = (dir.path().join("client.pem"), dir.path().join("client.key"));
    std::fs::write(&c, client.pem()).unwrap();
    std::fs::write(&k, client_key.serialize_pem()).unwrap();
    let run = send(
        dir.path(),
        &url,
        &[
            "--verify",
            &ca_s,
            "--cert",
            &c.to_string_lossy(),
            "--cert-key",
            &k.to_string_lossy(),
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // A file that is not what it should be: one line, exit 2.
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    for args in [
        vec!["--verify", junk.to_str().unwrap()],
        vec!["--cert", junk.to_str().unwrap()],
        vec!["--cert", dir.path().join("missing.pem").to_str().unwrap()],
    ] {
        let run = send(dir.path(), "https://127.0.0.1:9/", &args);
        assert_eq!(run.code, 2, "{args:?}: {}\n{}", run.stdout, run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("junk.pem") || run.stderr.contains("missing.pem"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_proxy_carries_the_request() {
    let proxy = RawServer::start(|_| reply(200, &[("Content-Type", "application/json")], "{}"));
    let dir = tempfile::tempdir().unwrap();
    let run = send(
        dir.path(),
        "http://api.example.invalid/v1/things?x=1",
        &["--proxy", &proxy.base],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let seen = proxy.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("GET http://api.example.invalid/v1/things?x=1 HTTP/1.1\r\n"),
        "{}",
        seen[0]
    );
}
