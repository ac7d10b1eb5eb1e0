//! The server's TLS identity from PEM: what `institution serve --tls-cert --tls-key` and
//! any other deployment of [`Server`](super::Server) over HTTPS need.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::ClientError;

/// A TLS acceptor for [`Server::new`](super::Server::new) from a certificate chain (PEM,
/// the server's certificate first) and its private key (PEM: PKCS#8, PKCS#1 or SEC1),
/// with rustls' safe defaults (TLS 1.2 and 1.3, ring) and no client authentication.
///
/// Fails with `config` when the chain holds no certificate, the key cannot be read, or
/// the key does not suit the certificate. Messages never quote the key.
pub fn tls_acceptor_from_pem(
    cert_chain_pem: &[u8],
    private_key_pem: &[u8],
) -> Result<TlsAcceptor, ClientError> {
    let chain = CertificateDer::pem_slice_iter(cert_chain_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ClientError::config_from("the certificate chain", e))?;
    if chain.is_empty() {
        return Err(ClientError::config(
            "the certificate chain holds no certificate",
        ));
    }
    let private_key = PrivateKeyDer::from_pem_slice(private_key_pem)
        .map_err(|e| ClientError::config_from("the private key", e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, private_key)
        })
        .map_err(|e| ClientError::config_from("TLS", e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_A_KEY: &[u8] =
        b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";

    #[test]
    fn a_chain_without_a_certificate_or_an_unusable_key_is_a_config_error() {
        let error = tls_acceptor_from_pem(b"", NOT_A_KEY).err().unwrap();
        assert_eq!(error.code(), "config");
        assert!(
            error.to_string().contains("holds no certificate"),
            "{error}"
        );
        let error = tls_acceptor_from_pem(b"no PEM here", b"").err().unwrap();
        assert_eq!(error.code(), "config");
        // The key's bytes are never quoted.
        let chain = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        let error = tls_acceptor_from_pem(chain, NOT_A_KEY).err().unwrap();
        assert_eq!(error.code(), "config");
        assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
    }
}
