//! Personal data (`certNo`, `certName`): the newtypes that carry it, masked in `Debug`, and
//! the masks themselves for logs and messages.

use std::fmt;

/// Masks an identity document number: the first two and last two characters stay, the
/// rest become `*`; numbers of four characters or fewer are masked entirely.
///
/// ```
/// assert_eq!(glorycard_core::mask_cert_no("11010519491231002X"), "11**************2X");
/// ```
pub fn mask_cert_no(cert_no: &str) -> String {
    let chars: Vec<char> = cert_no.chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < 2 || i >= chars.len() - 2 {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Masks a person's name: the first character stays, the rest become `*`; a one-character
/// name is masked entirely.
///
/// ```
/// assert_eq!(glorycard_core::mask_cert_name("张小凡"), "张**");
/// ```
pub fn mask_cert_name(cert_name: &str) -> String {
    let count = cert_name.chars().count();
    match cert_name.chars().next() {
        Some(first) if count > 1 => std::iter::once(first)
            .chain(std::iter::repeat_n('*', count - 1))
            .collect(),
        _ => "*".repeat(count),
    }
}

/// The ASCII character a full-width one in an identity document number stands for:
/// full-width digits `０`–`９` → `0`–`9`, `Ｘ` → `X`, `ｘ` → `x`, and the ideographic
/// space U+3000 → a space. These are exactly their NFKC forms; no other character is
/// changed (no Unicode tables are carried for the rest).
pub(crate) fn cert_no_narrow(c: char) -> Option<char> {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        'Ｘ' => Some('X'),
        'ｘ' => Some('x'),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// An identity document number with full-width digits, `Ｘ`/`ｘ` and the ideographic space
/// replaced by their ASCII forms (NFKC for these characters only), as typed on a Chinese
/// input method in full-width mode. The replica's `lookup` uses it, so such a number
/// finds its holder; validation of what is sent refuses them instead, naming the
/// character and its position, so the number sent is the one the platform holds.
///
/// ```
/// assert_eq!(glorycard_core::models::normalize_cert_no_width("１１０１\u{3000}ｘ"), "1101 x");
/// ```
pub fn normalize_cert_no_width(cert_no: &str) -> std::borrow::Cow<'_, str> {
    if !cert_no.chars().any(|c| cert_no_narrow(c).is_some()) {
        return std::borrow::Cow::Borrowed(cert_no);
    }
    cert_no
        .chars()
        .map(|c| cert_no_narrow(c).unwrap_or(c))
        .collect::<String>()
        .into()
}

/// Where `position` (0-based) is in a number of `len` characters that [`mask_cert_no`]
/// shows: the first two and last two of a number longer than four.
pub(crate) fn cert_no_shows(position: usize, len: usize) -> bool {
    len > 4 && (position < 2 || position + 2 >= len)
}

/// Declares a personal-data newtype: the text, transparent to serde (the wire form is the
/// plain string), whose `Debug` prints only its mask and which has no `Display`, so masking
/// is a property of the type rather than of each model's `Debug`. There is no `Deref` to
/// `str` either, so `to_string()` does not compile: the text is read with `as_str()`.
macro_rules! personal_text {
    ($(#[$meta:meta])* $name:ident, $mask:path) => {
        $(#[$meta])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "typescript", derive(tsify::Tsify))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps the text.
            pub fn new(text: impl Into<String>) -> Self {
                $name(text.into())
            }

            /// The text itself (personal data: do not log it).
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text itself, owned.
            pub fn into_string(self) -> String {
                self.0
            }

            /// The masked form, for logs and messages.
            pub fn masked(&self) -> String {
                $mask(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", self.masked())
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                $name(text)
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name(text.to_string())
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.0 == *other
            }
        }

        // A String on the FFI; each binding decides how its language shows it.
        #[cfg(feature = "uniffi")]
        uniffi::custom_type!($name, String, {
            lower: |value| value.0,
            try_lift: |text| Ok($name(text)),
        });
    };
}

personal_text!(
    /// An identity document number (`certNo`, personal data). `Debug` prints
    /// [`mask_cert_no`]'s form.
    ///
    /// ```
    /// let no = glorycard_core::models::CertNo::new("11010519491231002X");
    /// assert_eq!(format!("{no:?}"), "\"11**************2X\"");
    /// assert_eq!(no, "11010519491231002X");
    /// ```
    CertNo,
    mask_cert_no
);

personal_text!(
    /// A holder's name (`certName`, personal data). `Debug` prints [`mask_cert_name`]'s form.
    CertName,
    mask_cert_name
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask_cert_no(""), "");
        assert_eq!(mask_cert_no("1234"), "****");
        assert_eq!(mask_cert_no("12345"), "12*45");
        assert_eq!(mask_cert_name(""), "");
        assert_eq!(mask_cert_name("王"), "*");
        assert_eq!(mask_cert_name("Ann Lee"), "A******");
    }

    #[test]
    fn newtypes_are_transparent_on_the_wire_and_masked_in_debug() {
        let no = CertNo::new("11010519491231002X");
        assert_eq!(
            serde_json::to_string(&no).unwrap(),
            "\"11010519491231002X\""
        );
        let back: CertName = serde_json::from_str("\"张小凡\"").unwrap();
        assert_eq!(back.as_str(), "张小凡");
        assert_eq!(
            format!("{no:?} {back:?} {back:#?}"),
            "\"11**************2X\" \"张**\" \"张**\""
        );
    }
}
