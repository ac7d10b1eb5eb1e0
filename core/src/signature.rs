//! From STRINGA to the signature (spec/canonical-form.md section 4), and the explained view.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::canonical::{self, Sink};
use crate::lang::Bilingual;
use crate::{Error, SecretKey, Timestamp};

/// The reasons of these errors, in English and Chinese (see `Error::message`).
pub(crate) const REASONS: &[Bilingual] = &[NOT_HEX];
const NOT_HEX: Bilingual = ("not hexadecimal", "不是十六进制数字");

type HmacSha256 = Hmac<Sha256>;

/// A signature: 32 bytes, shown as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 32]);

impl Signature {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Wraps 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Signature(bytes)
    }

    /// Parses 64 hex digits of either case; anything else is
    /// [`Error::InvalidSignatureFormat`].
    pub fn parse(text: &str) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidSignatureFormat { reason };
        if text.len() != 64 {
            return Err(invalid(format!(
                "expected 64 hex digits, got {} bytes",
                text.len()
            )));
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes)
            .map_err(|e| invalid(format!("{}: {e}", NOT_HEX.0)))?;
        Ok(Signature(bytes))
    }

    /// Compares in constant time.
    pub fn ct_eq(&self, other: &Signature) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text: [u8; 64] = hex_encode(&self.0, b"0123456789abcdef");
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({self})")
    }
}

impl FromStr for Signature {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        Signature::parse(text)
    }
}

impl serde::Serialize for Signature {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Signature {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Signature::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Hex-encodes `N` bytes into `2N` digits from `alphabet` (upper or lower case).
fn hex_encode<const N: usize, const M: usize>(bytes: &[u8; N], alphabet: &[u8; 16]) -> [u8; M] {
    let mut out = [0u8; M];
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = alphabet[usize::from(byte >> 4)];
        pair[1] = alphabet[usize::from(byte & 0x0f)];
    }
    out
}

/// Feeds STRINGA into MD5 through a buffer, so that many small pieces cost one
/// hasher call per few kilobytes.
struct Md5Sink {
    hasher: Md5,
    buffer: Vec<u8>,
}

const MD5_SINK_BUFFER: usize = 16 * 1024;

impl Md5Sink {
    /// A sink whose buffer suits a body of `body_len` bytes (small bodies, small buffer).
    fn for_body(body_len: usize) -> Self {
        Md5Sink {
            hasher: Md5::new(),
            buffer: Vec::with_capacity(body_len.saturating_mul(2).clamp(256, MD5_SINK_BUFFER)),
        }
    }

    fn finish(mut self) -> Md5 {
        self.hasher.update(&self.buffer);
        self.hasher
    }

    /// Makes room for `len` more bytes; false when they are more than the buffer holds.
    fn reserve(&mut self, len: usize) -> bool {
        if self.buffer.len() + len > self.buffer.capacity() {
            self.hasher.update(&self.buffer);
            self.buffer.clear();
        }
        len <= self.buffer.capacity()
    }
}

impl Sink for Md5Sink {
    fn put(&mut self, bytes: &[u8]) {
        if self.reserve(bytes.len()) {
            self.buffer.extend_from_slice(bytes);
        } else {
            self.hasher.update(bytes);
        }
    }

    fn put_pair(&mut self, first: bool, name: &[u8], value: &[u8]) {
        let separator: &[u8] = if first { b"" } else { b"&" };
        if self.reserve(separator.len() + name.len() + 1 + value.len()) {
            self.buffer.extend_from_slice(separator);
            self.buffer.extend_from_slice(name);
            self.buffer.push(b'=');
            self.buffer.extend_from_slice(value);
        } else {
            for piece in [separator, name, b"=", value] {
                self.hasher.update(piece);
            }
        }
    }
}

/// Appends `&key=KEY&timestamp=TIMESTAMP`, then returns the upper-case MD5 hex and the sign.
fn finish(mut md5: Md5, key: &[u8], timestamp: &Timestamp) -> Result<([u8; 32], Signature), Error> {
    md5.update(b"&key=");
    md5.update(key);
    md5.update(b"&timestamp=");
    md5.update(timestamp.as_str().as_bytes());
    let digest: [u8; 16] = md5.finalize().into();
    let md5_upper = hex_encode(&digest, b"0123456789ABCDEF");
    Ok((md5_upper, hmac_sign(key, &md5_upper)?))
}

pub(crate) fn hmac_sign(key: &[u8], message: &[u8]) -> Result<Signature, Error> {
    // HMAC takes keys of any length (longer ones are hashed first), so this cannot fail
    // for a non-empty key, and empty keys are refused before signing starts.
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| Error::EmptyKey)?;
    mac.update(message);
    Ok(Signature(mac.finalize().into_bytes().into()))
}

/// Signs a body: STRINGA from its exact bytes, then MD5 and HMAC-SHA256.
///
/// STRINGA is streamed into MD5, never materialized, so a large body costs little
/// more memory than its index.
///
/// ```
/// use glorycard_core::{sign_body, SecretKey, Timestamp};
/// let key = SecretKey::new("4fd6b8105f894d0da964b1e80b07b136");
/// let timestamp = Timestamp::parse("20210407155206")?;
/// let sign = sign_body(br#"{"dataID":0,"orgCode":"106607"}"#, &key, &timestamp)?;
/// assert_eq!(sign.to_string().len(), 64);
/// # Ok::<(), glorycard_core::Error>(())
/// ```
pub fn sign_body(body: &[u8], key: &SecretKey, timestamp: &Timestamp) -> Result<Signature, Error> {
    let key = key.bytes()?;
    let string_a = StringADigest::of_body(body)?;
    string_a.sign(key, timestamp)
}

/// MD5 fed with a body's STRINGA and nothing after it: the part of the signature that
/// does not depend on the key. A verifier computes it once and signs from a copy of it
/// with each key of the sid, instead of producing STRINGA again per key.
#[derive(Clone)]
pub(crate) struct StringADigest(Md5);

impl StringADigest {
    /// Streams the body's STRINGA into MD5 (never materialized).
    pub(crate) fn of_body(body: &[u8]) -> Result<Self, Error> {
        let mut sink = Md5Sink::for_body(body.len());
        canonical::write_body(body, &mut sink)?;
        Ok(StringADigest(sink.finish()))
    }

    /// The signature with `key` (its bytes, non-empty) at `timestamp`.
    pub(crate) fn sign(&self, key: &[u8], timestamp: &Timestamp) -> Result<Signature, Error> {
        finish(self.0.clone(), key, timestamp).map(|(_, sign)| sign)
    }
}

/// Checks a received `sign` against the body, key and timestamp, in constant time.
///
/// `Ok(false)` is a clean mismatch; an error means the inputs themselves are unusable
/// (the body is not canonicalizable, the sign is not 64 hex digits, the key is empty).
/// This is the bare check; [`Verifier`](crate::Verifier) adds sid lookup, the skew window
/// and replay refusal.
///
/// ```
/// use glorycard_core::{verify_body, SecretKey, Timestamp};
/// let key = SecretKey::new("4fd6b8105f894d0da964b1e80b07b136");
/// let timestamp = Timestamp::parse("20210407155206")?;
/// let body = std::fs::read("../tests/vectors/spec-example.body.json").unwrap_or_default();
/// # if !body.is_empty() {
/// // The sign the platform's document prints for its worked example, in upper case.
/// let sign = "EC94361A53C7969B6AFFD6AF4AF9BA1DB3283585FAD69082750054C5BE26157C";
/// assert!(verify_body(&body, &key, &timestamp, sign)?);
/// assert!(!verify_body(b"{}", &key, &timestamp, sign)?);
/// # }
/// # Ok::<(), glorycard_core::Error>(())
/// ```
pub fn verify_body(
    body: &[u8],
    key: &SecretKey,
    timestamp: &Timestamp,
    sign: &str,
) -> Result<bool, Error> {
    let received = Signature::parse(sign)?;
    Ok(sign_body(body, key, timestamp)?.ct_eq(&received))
}

/// Signs an already computed STRINGA.
pub fn sign_string_a(
    string_a: &str,
    key: &SecretKey,
    timestamp: &Timestamp,
) -> Result<Signature, Error> {
    let key = key.bytes()?;
    let mut md5 = Md5::new();
    md5.update(string_a.as_bytes());
    finish(md5, key, timestamp).map(|(_, sign)| sign)
}

/// Every stage of signing one body, for finding out why two sides disagree.
///
/// `Display` prints every stage (STRINGA included: it holds the body's data, so show it
/// deliberately). `Debug` shows only STRINGA's length, since `Debug` ends up in logs.
#[derive(Clone)]
pub struct Explanation {
    string_a: String,
    string_sign_temp_masked: String,
    md5_upper: String,
    timestamp: Timestamp,
    sign: Signature,
}

impl Explanation {
    /// STRINGA: the sorted `name=value` pairs joined with `&`.
    pub fn string_a(&self) -> &str {
        &self.string_a
    }

    /// STRINGSignTemp with the key replaced by `***`.
    pub fn string_sign_temp_masked(&self) -> &str {
        &self.string_sign_temp_masked
    }

    /// The upper-case hex MD5 of STRINGSignTemp (the HMAC's message).
    pub fn md5_upper(&self) -> &str {
        &self.md5_upper
    }

    /// The timestamp signed with.
    pub fn timestamp(&self) -> &Timestamp {
        &self.timestamp
    }

    /// The resulting signature.
    pub fn sign(&self) -> &Signature {
        &self.sign
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "STRINGA:        {}", self.string_a)?;
        writeln!(f, "STRINGSignTemp: {}", self.string_sign_temp_masked)?;
        writeln!(f, "MD5 (upper):    {}", self.md5_upper)?;
        write!(f, "sign:           {}", self.sign)
    }
}

impl fmt::Debug for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Explanation")
            .field(
                "string_a",
                &format_args!("<{} bytes, not shown>", self.string_a.len()),
            )
            .field("timestamp", &self.timestamp)
            .field("md5_upper", &self.md5_upper)
            .field("sign", &self.sign)
            .finish()
    }
}

/// Computes every stage of signing `body`: STRINGA, STRINGSignTemp (key masked as
/// `***`), the upper-case MD5 and the sign.
pub fn explain(body: &[u8], key: &SecretKey, timestamp: &Timestamp) -> Result<Explanation, Error> {
    let key_bytes = key.bytes()?;
    let string_a = canonical::canonicalize(body)?;
    let mut md5 = Md5::new();
    md5.update(string_a.as_bytes());
    let (md5_upper, sign) = finish(md5, key_bytes, timestamp)?;
    let string_sign_temp_masked = format!("{string_a}&key=***&timestamp={timestamp}");
    Ok(Explanation {
        string_a,
        string_sign_temp_masked,
        md5_upper: String::from_utf8_lossy(&md5_upper).into_owned(),
        timestamp: *timestamp,
        sign,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_parses_either_case_and_displays_lower() {
        let lower = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";
        let parsed = Signature::parse(&lower.to_uppercase()).unwrap();
        assert_eq!(parsed.to_string(), lower);
        assert_eq!(format!("{parsed:?}"), format!("Signature({lower})"));
        for bad in ["", "ec94", &format!("{lower}0"), &lower.replace('e', "g")] {
            assert_eq!(
                Signature::parse(bad).unwrap_err().code(),
                "invalid_signature_format"
            );
        }
    }

    #[test]
    fn empty_key_is_refused_everywhere() {
        let key = SecretKey::new("");
        let ts = Timestamp::EPOCH;
        assert_eq!(sign_body(b"{}", &key, &ts), Err(Error::EmptyKey));
        assert_eq!(sign_string_a("", &key, &ts), Err(Error::EmptyKey));
        assert_eq!(explain(b"{}", &key, &ts).map(|_| ()), Err(Error::EmptyKey));
    }

    #[test]
    fn md5_sink_matches_one_shot_for_any_piece_sizes() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut sink = Md5Sink::for_body(1000);
        for chunk in data.chunks(7).chain(std::iter::once(&data[..40_000])) {
            sink.put(chunk);
        }
        sink.put_pair(true, &data[..300], &data[300..20_000]);
        sink.put_pair(false, b"n", b"v");
        let mut expected = Md5::new();
        expected.update(&data);
        expected.update(&data[..40_000]);
        expected.update(&data[..300]);
        expected.update(b"=");
        expected.update(&data[300..20_000]);
        expected.update(b"&n=v");
        assert_eq!(sink.finish().finalize(), expected.finalize());
    }
}
