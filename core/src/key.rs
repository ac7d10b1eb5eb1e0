//! The secret key: never printed, zeroized on drop.

use std::fmt;

use zeroize::Zeroizing;

use crate::Error;

/// The secret key issued by the platform, as text (its UTF-8 bytes key the HMAC).
///
/// `Debug` and `Display` print `SecretKey(***)` / `***`; the memory holding the key is
/// overwritten with zeros when the last copy is dropped. An empty key can be constructed
/// (so configuration errors surface where the key is used) but every operation that
/// signs or verifies with it fails with [`Error::EmptyKey`].
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    /// Wraps the key text. The caller's copy is the caller's to clear.
    pub fn new(text: impl Into<String>) -> Self {
        SecretKey(Zeroizing::new(text.into()))
    }

    /// The key's bytes, refusing an empty key.
    pub(crate) fn bytes(&self) -> Result<&[u8], Error> {
        if self.0.is_empty() {
            Err(Error::EmptyKey)
        } else {
            Ok(self.0.as_bytes())
        }
    }

    /// True when the key is empty (and so unusable).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for SecretKey {
    fn from(text: String) -> Self {
        SecretKey::new(text)
    }
}

impl From<&str> for SecretKey {
    fn from(text: &str) -> Self {
        SecretKey::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let key = SecretKey::new("4fd6b8105f894d0da964b1e80b07b136");
        assert_eq!(format!("{key:?}"), "SecretKey(***)");
        assert_eq!(format!("{key}"), "***");
        assert_eq!(
            format!("{:#?}", Some(key.clone())),
            "Some(\n    SecretKey(***),\n)"
        );
    }

    #[test]
    fn empty_key_refused_on_use() {
        assert_eq!(SecretKey::new("").bytes(), Err(Error::EmptyKey));
    }
}
