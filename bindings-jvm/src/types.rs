//! Conversions of the shared small types: the secret key, personal and body text, the
//! timestamp, and headers.

use glorycard_core as core;

use crate::error::Result;

// ---------------------------------------------------------------------------------------
// Secret and personal values cross the FFI as custom types (a `String` on the wire).
// uniffi.toml maps each to a small hand-written Kotlin class whose `toString()` hides the
// text, so the generated `org.glorycard.ffi` records (`SignInput`, `SidKey`, ...) never
// print a key or a body's data. (`certNo` and `certName` are the core's `CertNo` and
// `CertName`: plain Strings in Kotlin, masked by the records' `toString()`, which is the
// core's `Debug`.)

/// A secret key's text. Kotlin: `org.glorycard.SecretKey` (`toString()` is `SecretKey(***)`).
pub struct SecretKey(pub(crate) String);
uniffi::custom_newtype!(SecretKey, String);

impl From<SecretKey> for core::SecretKey {
    fn from(key: SecretKey) -> Self {
        core::SecretKey::new(key.0)
    }
}

/// Text that holds a body's data (STRINGA, a string value of a native body), which may
/// include a certNo or a certName. Kotlin: `org.glorycard.BodyText`, whose `toString()`
/// shows only the length.
pub struct BodyText(pub(crate) String);
uniffi::custom_newtype!(BodyText, String);
pub(crate) fn timestamp(text: &str) -> Result<core::Timestamp> {
    Ok(core::Timestamp::parse(text)?)
}

/// Now as 14 digits `yyyyMMddHHmmss` in UTC+8, whatever the host's time zone.
#[uniffi::export]
pub fn timestamp_now() -> String {
    core::Timestamp::now().to_string()
}

/// The 14-digit UTC+8 timestamp of an instant given in seconds since the Unix epoch.
#[uniffi::export]
pub fn timestamp_from_unix_seconds(unix_seconds: i64) -> Result<String> {
    Ok(core::Timestamp::from_unix_seconds(unix_seconds)?.to_string())
}

/// Now as a model time `yyyy-MM-dd HH:mm:ss` in UTC+8, whatever the host's time zone.
#[uniffi::export]
pub fn china_time_now() -> String {
    core::china_time_now()
}

/// The model time `yyyy-MM-dd HH:mm:ss` in UTC+8 of an instant in seconds since the Unix
/// epoch (the JVM's `Instant`, `ZonedDateTime` and `OffsetDateTime` arrive as this).
#[uniffi::export]
pub fn china_time_from_unix_seconds(unix_seconds: i64) -> Result<String> {
    Ok(core::china_time_from_unix_seconds(unix_seconds)?)
}

/// Always the refusal (`invalid_field`, naming `field`) of a time without a zone given
/// as a model time, in English and Chinese from the core: Java's
/// `Glorycard.chinaTime(LocalDateTime)`. `helpers` names Java's ways to give a China time.
#[uniffi::export]
pub fn refuse_zoneless_time(field: String, helpers: String) -> Result<String> {
    Err(core::models::model_time::zoneless(&field, &helpers).into())
}

/// Seconds since the Unix epoch of a 14-digit UTC+8 timestamp.
#[uniffi::export]
pub fn timestamp_to_unix_seconds(timestamp: String) -> Result<i64> {
    Ok(self::timestamp(&timestamp)?.unix_seconds())
}

/// Masks an identity document number (`11**************2X`).
#[uniffi::export]
pub fn mask_cert_no(cert_no: String) -> String {
    core::mask_cert_no(&cert_no)
}

/// Masks a person's name (`张**`).
#[uniffi::export]
pub fn mask_cert_name(cert_name: String) -> String {
    core::mask_cert_name(&cert_name)
}
/// The three headers of a signed request or response.
#[derive(uniffi::Record)]
pub struct SignedHeaders {
    /// The account id.
    pub sid: String,
    /// 14 digits, UTC+8.
    pub timestamp: String,
    /// 64 lower-case hex digits.
    pub sign: String,
}

impl From<core::SignedHeaders> for SignedHeaders {
    fn from(h: core::SignedHeaders) -> Self {
        SignedHeaders {
            sid: h.sid,
            timestamp: h.timestamp.to_string(),
            sign: h.sign.to_string(),
        }
    }
}
/// One key of one sid (configure several for a rotation; order gives `key_index`).
#[derive(uniffi::Record)]
pub struct SidKey {
    /// The account id.
    pub sid: String,
    /// Its secret key.
    pub key: SecretKey,
}

/// One HTTP header.
#[derive(uniffi::Record)]
pub struct Header {
    /// The name (compared case-insensitively).
    pub name: String,
    /// The value.
    pub value: String,
}
