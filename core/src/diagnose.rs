//! When a counterpart's sign does not match: which common departure from the rules
//! would have produced it.

use md5::{Digest, Md5};

use crate::canonical::{Departure, canonicalize_departing};
use crate::signature::hmac_sign;
use crate::{Error, SecretKey, Signature, Timestamp};

/// How STRINGA may have been built differently.
const STRING_A_DEPARTURES: &[(Departure, &str)] = &[
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: false,
        },
        "",
    ),
    (
        Departure {
            verbatim_numbers: true,
            keep_empty: false,
            keep_sign: false,
        },
        "numbers signed as written (10.00) instead of canonical decimals (10)",
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: true,
            keep_sign: false,
        },
        "empty strings and nulls signed as `name=` instead of left out",
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: true,
        },
        "the top-level sign member signed instead of left out",
    ),
    (
        Departure {
            verbatim_numbers: true,
            keep_empty: true,
            keep_sign: false,
        },
        "numbers signed as written and empty values signed as `name=`",
    ),
];

/// How the hashing may have been done differently.
#[derive(Clone, Copy)]
enum Hashing {
    Rules,
    LowerCaseMd5,
    SwappedHmac,
    TimestampBeforeKey,
    NoTimestamp,
    NoMd5,
}

const HASHING_DEPARTURES: &[(Hashing, &str)] = &[
    (Hashing::Rules, ""),
    (
        Hashing::LowerCaseMd5,
        "the MD5 hex in lower case instead of upper case",
    ),
    (
        Hashing::SwappedHmac,
        "HMAC key and message swapped (keyed with the MD5, over the key)",
    ),
    (
        Hashing::TimestampBeforeKey,
        "&timestamp= placed before &key= in STRINGSignTemp",
    ),
    (Hashing::NoTimestamp, "no &timestamp= in STRINGSignTemp"),
    (
        Hashing::NoMd5,
        "HMAC over STRINGSignTemp itself, without the MD5 step",
    ),
];

fn sign_departing(
    string_a: &str,
    key: &[u8],
    timestamp: &Timestamp,
    hashing: Hashing,
) -> Result<Signature, Error> {
    let ts = timestamp.as_str().as_bytes();
    let temp: Vec<u8> = match hashing {
        Hashing::TimestampBeforeKey => {
            [string_a.as_bytes(), b"&timestamp=", ts, b"&key=", key].concat()
        }
        Hashing::NoTimestamp => [string_a.as_bytes(), b"&key=", key].concat(),
        _ => [string_a.as_bytes(), b"&key=", key, b"&timestamp=", ts].concat(),
    };
    if let Hashing::NoMd5 = hashing {
        return hmac_sign(key, &temp);
    }
    let mut md5_hex = hex::encode_upper(Md5::digest(&temp));
    if let Hashing::LowerCaseMd5 = hashing {
        md5_hex.make_ascii_lowercase();
    }
    match hashing {
        Hashing::SwappedHmac => hmac_sign(md5_hex.as_bytes(), key),
        _ => hmac_sign(key, md5_hex.as_bytes()),
    }
}

/// What [`diagnose_mismatch`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The received sign matches the rules: there is no mismatch.
    Match,
    /// The received sign is what this departure from the rules produces, e.g. "numbers
    /// signed as written (10.00) instead of canonical decimals (10)" (departures joined
    /// with "; ").
    Departure(String),
    /// None of the common departures produces it: the key, the timestamp or the bytes
    /// differ.
    Unexplained,
}

impl Diagnosis {
    /// The old shape of the answer, kept for bindings: `None` when unexplained,
    /// `Some("")` when the sign matches, `Some(departure)` otherwise.
    pub fn into_option(self) -> Option<String> {
        match self {
            Diagnosis::Match => Some(String::new()),
            Diagnosis::Departure(departure) => Some(departure),
            Diagnosis::Unexplained => None,
        }
    }
}

/// Looks for a common departure from the rules that turns `body` into `received` with
/// this key and timestamp: [`Diagnosis::Match`] when the sign follows the rules,
/// [`Diagnosis::Departure`] naming what the counterpart did, or
/// [`Diagnosis::Unexplained`] when none of them does (the key, the timestamp or the bytes
/// differ).
///
/// Tried: numbers as written, empty values kept, the top-level `sign` kept; MD5 in lower
/// case, HMAC key and message swapped, timestamp before key, no timestamp, no MD5 step;
/// and their combinations.
pub fn diagnose_mismatch(
    body: &[u8],
    key: &SecretKey,
    timestamp: &Timestamp,
    received: &Signature,
) -> Result<Diagnosis, Error> {
    let key_bytes = key.bytes()?;
    for (departure, string_a_note) in STRING_A_DEPARTURES {
        let string_a = match canonicalize_departing(body, *departure) {
            Ok(string_a) => string_a,
            // Keeping empty values or `sign` can make STRINGA too long where the rules'
            // own is not: that departure cannot be what the counterpart did.
            Err(Error::StringATooLong { .. }) if *departure != Departure::default() => continue,
            Err(error) => return Err(error),
        };
        for (hashing, hashing_note) in HASHING_DEPARTURES {
            if sign_departing(&string_a, key_bytes, timestamp, *hashing)?.ct_eq(received) {
                let notes: Vec<&str> = [*string_a_note, *hashing_note]
                    .into_iter()
                    .filter(|n| !n.is_empty())
                    .collect();
                if notes.is_empty() {
                    return Ok(Diagnosis::Match);
                }
                return Ok(Diagnosis::Departure(notes.join("; ")));
            }
        }
    }
    Ok(Diagnosis::Unexplained)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    // The document's worked example (canonical-form.md section 1) signed the wrong ways,
    // each computed independently here from the hash primitives.
    const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";

    fn hmac_hex(key: &[u8], message: &[u8]) -> Signature {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        Signature::from_bytes(mac.finalize().into_bytes().into())
    }

    #[test]
    fn recognizes_departures() {
        let body = br#"{"amount":10.00,"note":"","id":"7"}"#;
        let key = SecretKey::new(KEY);
        let ts = Timestamp::parse("20210407155206").unwrap();
        let temp = format!("amount=10.00&id=7&key={KEY}&timestamp=20210407155206");
        let verbatim = hmac_hex(
            KEY.as_bytes(),
            hex::encode_upper(Md5::digest(temp.as_bytes())).as_bytes(),
        );
        let found = diagnose_mismatch(body, &key, &ts, &verbatim).unwrap();
        assert_eq!(
            found,
            Diagnosis::Departure(
                "numbers signed as written (10.00) instead of canonical decimals (10)".into()
            )
        );

        let temp = format!("amount=10&id=7&key={KEY}&timestamp=20210407155206");
        let lower = hmac_hex(
            KEY.as_bytes(),
            hex::encode(Md5::digest(temp.as_bytes())).as_bytes(),
        );
        let found = diagnose_mismatch(body, &key, &ts, &lower).unwrap();
        assert_eq!(
            found,
            Diagnosis::Departure("the MD5 hex in lower case instead of upper case".into())
        );

        let right = crate::sign_body(body, &key, &ts).unwrap();
        assert_eq!(
            diagnose_mismatch(body, &key, &ts, &right).unwrap(),
            Diagnosis::Match
        );
        assert_eq!(Diagnosis::Match.into_option().as_deref(), Some(""));
        let unrelated = Signature::from_bytes([7; 32]);
        assert_eq!(
            diagnose_mismatch(body, &key, &ts, &unrelated).unwrap(),
            Diagnosis::Unexplained
        );
        assert_eq!(Diagnosis::Unexplained.into_option(), None);
    }
}
