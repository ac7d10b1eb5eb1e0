//! Signing: STRINGA, the sign, the explanation of every stage, and [`Signer`].

use glorycard_core as core;

use crate::error::Result;
use crate::types::{BodyText, SecretKey, SignedHeaders, timestamp};

/// STRINGA of a body (its exact bytes).
#[uniffi::export]
pub fn canonicalize(body: Vec<u8>) -> Result<String> {
    Ok(core::canonicalize(&body)?)
}

/// What one signature is computed from, in one record: the arguments cross the FFI in one
/// buffer (each separate argument costs the JVM side a native allocation call).
#[derive(uniffi::Record)]
pub struct SignInput {
    /// The exact body bytes.
    pub body: Vec<u8>,
    /// The secret key.
    pub key: SecretKey,
    /// 14 digits `yyyyMMddHHmmss`, UTC+8.
    pub timestamp: String,
}

/// The sign (64 lower-case hex digits) of the body with the key at the timestamp.
#[uniffi::export]
pub fn sign(input: SignInput) -> Result<String> {
    let ts = self::timestamp(&input.timestamp)?;
    Ok(core::sign_body(&input.body, &input.key.into(), &ts)?.to_string())
}

/// The sign of an already computed STRINGA.
#[uniffi::export]
pub fn sign_string_a(string_a: String, key: SecretKey, timestamp: String) -> Result<String> {
    let ts = self::timestamp(&timestamp)?;
    Ok(core::sign_string_a(&string_a, &key.into(), &ts)?.to_string())
}
/// Every stage of signing one body (the key masked as `***`).
#[derive(uniffi::Record)]
pub struct Explanation {
    /// STRINGA.
    pub string_a: BodyText,
    /// STRINGSignTemp with the key replaced by `***` (it holds STRINGA).
    pub string_sign_temp_masked: BodyText,
    /// Upper-case hex MD5 of STRINGSignTemp.
    pub md5_upper: String,
    /// The timestamp signed with.
    pub timestamp: String,
    /// The sign, lower-case hex.
    pub sign: String,
}

/// Computes every stage of signing the body.
#[uniffi::export]
pub fn explain(input: SignInput) -> Result<Explanation> {
    let ts = self::timestamp(&input.timestamp)?;
    let e = core::explain(&input.body, &input.key.into(), &ts)?;
    Ok(Explanation {
        string_a: BodyText(e.string_a().to_string()),
        string_sign_temp_masked: BodyText(e.string_sign_temp_masked().to_string()),
        md5_upper: e.md5_upper().to_string(),
        timestamp: e.timestamp().to_string(),
        sign: e.sign().to_string(),
    })
}
/// Signs bodies for one account (`sid`) with its secret key.
#[derive(uniffi::Object)]
pub struct Signer(core::Signer);

#[uniffi::export]
impl Signer {
    /// A signer for `sid` with `key`.
    #[uniffi::constructor]
    pub fn new(sid: String, key: SecretKey) -> Self {
        Signer(core::Signer::new(sid, key.into()))
    }

    /// The account id.
    pub fn sid(&self) -> String {
        self.0.sid().to_string()
    }

    /// Signs `body` now (UTC+8).
    pub fn sign(&self, body: Vec<u8>) -> Result<SignedHeaders> {
        Ok(self.0.sign(&body)?.into())
    }

    /// Signs `body` at `timestamp`.
    pub fn sign_at(&self, body: Vec<u8>, timestamp: String) -> Result<SignedHeaders> {
        let ts = self::timestamp(&timestamp)?;
        Ok(self.0.sign_at(&body, &ts)?.into())
    }
}
