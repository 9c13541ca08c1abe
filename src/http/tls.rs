//! The TLS client configuration, built here rather than by reqwest so its
//! session store can mark when TLS starts (see [`super::timed`]): the same
//! choices reqwest makes for `rustls-tls` — the webpki roots, TLS 1.2 and
//! 1.3, ALPN `h2` then `http/1.1` — with `--verify`, `--cert` and
//! `--insecure` applied.

use super::{ClientError, ClientOptions};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

/// The rustls configuration for `options`.
pub fn config(options: &ClientOptions) -> Result<rustls::ClientConfig, ClientError> {
    let read = |what: &str, p: &std::path::Path| {
        std::fs::read(p).map_err(|e| ClientError(format!("{what} {}: {e}", p.display())))
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| ClientError(format!("TLS versions: {e}")))?;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(ca) = &options.ca_file {
        let pem = read("--verify", ca)?;
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| {
                ClientError(format!(
                    "--verify {}: not PEM certificates: {e}",
                    ca.display()
                ))
            })?;
            roots.add(cert).map_err(|e| {
                ClientError(format!(
                    "--verify {}: a certificate rustls cannot use: {e}",
                    ca.display()
                ))
            })?;
            n += 1;
        }
        if n == 0 {
            return Err(ClientError(format!(
                "--verify {}: no certificate in it",
                ca.display()
            )));
        }
    } else {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    let builder = if options.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerifier(provider.clone())))
    } else {
        builder.with_root_certificates(roots)
    };
    let mut config = match &options.client_cert {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let mut pem = read("--cert", cert)?;
            if let Some(k) = key {
                pem.push(b'\n');
                pem.extend(read("--cert-key", k)?);
            }
            let unusable = |e: String| {
                ClientError(format!(
                    "--cert {}: not a PEM certificate with its private key ({e}); give the key with --cert-key",
                    cert.display()
                ))
            };
            let chain = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| unusable(e.to_string()))?;
            if chain.is_empty() {
                return Err(unusable("no certificate".into()));
            }
            let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| unusable(e.to_string()))?;
            let key = provider
                .key_provider
                .load_private_key(key)
                .map_err(|e| unusable(e.to_string()))?;
            let certified = rustls::sign::CertifiedKey::new(chain, key);
            // A key that is not the certificate's is refused here; a
            // certificate webpki cannot parse (X.509 v1, as `openssl x509
            // -req` makes without extensions) is sent as curl sends it:
            // the server judges it.
            if let Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) =
                certified.keys_match()
            {
                return Err(ClientError(format!(
                    "--cert {}: the private key is not the certificate's",
                    cert.display()
                )));
            }
            builder.with_client_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(
                certified,
            )))
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    if options.phases {
        config.resumption = rustls::client::Resumption::store(Arc::new(super::timed::TlsStart(
            Arc::new(rustls::client::ClientSessionMemoryCache::new(256)),
        )));
    }
    Ok(config)
}

/// `--verify no` / `--insecure`: any certificate is taken (the handshake's
/// signatures are still checked, as reqwest's own verifier does).
#[derive(Debug)]
struct NoVerifier(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
