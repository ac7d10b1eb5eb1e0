//! Signing requests and responses: the `sid`, `timestamp` and `sign` headers.

use crate::{Error, SecretKey, Signature, Timestamp, sign_body};

/// The three headers of a signed request or response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignedHeaders {
    /// The account id issued by the platform.
    pub sid: String,
    /// When the body was signed (UTC+8).
    pub timestamp: Timestamp,
    /// The signature over the body.
    pub sign: Signature,
}

impl SignedHeaders {
    /// The header names and values, ready for an HTTP request.
    pub fn to_pairs(&self) -> [(&'static str, String); 3] {
        [
            ("sid", self.sid.clone()),
            ("timestamp", self.timestamp.to_string()),
            ("sign", self.sign.to_string()),
        ]
    }
}

/// Signs bodies for one account (`sid`) with its secret key.
#[derive(Debug, Clone)]
pub struct Signer {
    sid: String,
    key: SecretKey,
}

impl Signer {
    /// A signer for `sid` with `key`.
    pub fn new(sid: impl Into<String>, key: SecretKey) -> Self {
        Signer {
            sid: sid.into(),
            key,
        }
    }

    /// The account id.
    pub fn sid(&self) -> &str {
        &self.sid
    }

    /// Signs `body` (its exact bytes, as sent) at `timestamp`.
    pub fn sign_at(&self, body: &[u8], timestamp: &Timestamp) -> Result<SignedHeaders, Error> {
        Ok(SignedHeaders {
            sid: self.sid.clone(),
            timestamp: *timestamp,
            sign: sign_body(body, &self.key, timestamp)?,
        })
    }

    /// Signs `body` now (UTC+8).
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn sign(&self, body: &[u8]) -> Result<SignedHeaders, Error> {
        self.sign_at(body, &Timestamp::now())
    }
}
