//! When a counterpart's sign does not match: which common departure from the rules
//! would have produced it.

use md5::{Digest, Md5};

use crate::canonical::{Departure, canonicalize_departing};
use crate::models::event_time::{distance, zone_it_looks_like};
use crate::signature::hmac_sign;
use crate::{Error, SecretKey, Signature, Timestamp};

/// How STRINGA may have been built differently.
const STRING_A_DEPARTURES: &[(Departure, &str)] = &[
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: false,
            strings_as_numbers: false,
        },
        "",
    ),
    (
        Departure {
            verbatim_numbers: true,
            keep_empty: false,
            keep_sign: false,
            strings_as_numbers: false,
        },
        "numbers signed as written (10.00) instead of canonical decimals (10), as when a \
         value is signed as a string and sent as a number",
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: true,
            keep_sign: false,
            strings_as_numbers: false,
        },
        "empty strings and nulls signed as `name=` instead of left out",
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: true,
            strings_as_numbers: false,
        },
        "the top-level sign member signed instead of left out",
    ),
    (
        Departure {
            verbatim_numbers: true,
            keep_empty: true,
            keep_sign: false,
            strings_as_numbers: false,
        },
        "numbers signed as written and empty values signed as `name=`",
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: false,
            strings_as_numbers: true,
        },
        "a value signed as a number and sent as a string (\"10.00\" sent, the number \
         10.00 signed: 10): send the same JSON type you sign",
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
/// Tried: numbers as written (or signed as strings), numeric strings signed as numbers,
/// empty values kept, the top-level `sign` kept; MD5 in lower
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

/// Whether a signing timestamp is one the platform refuses whatever the sign: further
/// than `max_skew_seconds` (the platform's window, [`DEFAULT_MAX_SKEW_SECONDS`]) from
/// `now`. `None` when it is inside the window; otherwise the departure, naming UTC (or
/// another zone) when the timestamp is off by a whole number of hours give or take the
/// window, the mark of a clock read in the host's zone instead of China time:
/// "timestamp 20261207070000 is 8 hours behind China Standard Time now (20261207150000),
/// outside the platform's ±300 s: it looks like UTC; build it in Asia/Shanghai".
///
/// [`DEFAULT_MAX_SKEW_SECONDS`]: crate::DEFAULT_MAX_SKEW_SECONDS
pub fn diagnose_timestamp(
    timestamp: &Timestamp,
    now: &Timestamp,
    max_skew_seconds: u64,
) -> Option<String> {
    let offset = timestamp.unix_seconds() - now.unix_seconds();
    let off_by = offset.unsigned_abs();
    if off_by <= max_skew_seconds {
        return None;
    }
    let direction = if offset > 0 { "ahead of" } else { "behind" };
    let mut departure = format!(
        "timestamp {timestamp} is {} {direction} China Standard Time now ({now}), outside \
         the platform's ±{max_skew_seconds} s",
        distance(off_by)
    );
    // A whole number of hours, give or take the clocks' own skew.
    let hours = (offset as f64 / 3600.0).round() as i64;
    let skew = i64::try_from(max_skew_seconds).unwrap_or(i64::MAX);
    if (offset - hours * 3600).abs() <= skew
        && let Some(zone) = zone_it_looks_like(hours * 3600)
    {
        departure.push_str(&format!(
            ": it looks like {zone}; build it in Asia/Shanghai"
        ));
    }
    Some(departure)
}

/// [`diagnose_mismatch`] with the time now: a timestamp the platform refuses (see
/// [`diagnose_timestamp`], with the platform's ±`max_skew_seconds`) is a departure too,
/// even when the sign follows the rules, since the platform answers such a request only
/// with a signature failure. Departures are joined with "; ", the timestamp's last.
pub fn diagnose_mismatch_at(
    body: &[u8],
    key: &SecretKey,
    timestamp: &Timestamp,
    received: &Signature,
    now: &Timestamp,
    max_skew_seconds: u64,
) -> Result<Diagnosis, Error> {
    let signing = diagnose_mismatch(body, key, timestamp, received)?;
    let Some(timing) = diagnose_timestamp(timestamp, now, max_skew_seconds) else {
        return Ok(signing);
    };
    Ok(Diagnosis::Departure(match signing {
        Diagnosis::Departure(departure) => format!("{departure}; {timing}"),
        Diagnosis::Match | Diagnosis::Unexplained => timing,
    }))
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
                "numbers signed as written (10.00) instead of canonical decimals (10), as \
                 when a value is signed as a string and sent as a number"
                    .into()
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

    #[test]
    fn a_value_signed_as_a_number_and_sent_as_a_string_is_named() {
        // Python's sign({"fee": Decimal("10.00"), "id": "7"}) signs the number 10.00,
        // whose canonical decimal is 10: STRINGA "fee=10&id=7". The body sent carries
        // the string "10.00", whose STRINGA under the rules is "fee=10.00&id=7".
        let sent = br#"{"fee":"10.00","id":"7"}"#;
        let key = SecretKey::new(KEY);
        let ts = Timestamp::parse("20210407155206").unwrap();
        let temp = format!("fee=10&id=7&key={KEY}&timestamp=20210407155206");
        let signed_as_number = hmac_hex(
            KEY.as_bytes(),
            hex::encode_upper(Md5::digest(temp.as_bytes())).as_bytes(),
        );
        match diagnose_mismatch(sent, &key, &ts, &signed_as_number).unwrap() {
            Diagnosis::Departure(text) => assert!(
                text.starts_with("a value signed as a number and sent as a string"),
                "{text}"
            ),
            other => panic!("{other:?}"),
        }
        // A string that is not a number is never read as one: "7a" stays "7a".
        let sent = br#"{"fee":"7a"}"#;
        let temp = format!("fee=7a&key={KEY}&timestamp=20210407155206");
        let right = hmac_hex(
            KEY.as_bytes(),
            hex::encode_upper(Md5::digest(temp.as_bytes())).as_bytes(),
        );
        assert_eq!(
            diagnose_mismatch(sent, &key, &ts, &right).unwrap(),
            Diagnosis::Match
        );
    }

    // Now: 2026-12-07 15:00:00 China time (07:00:00 UTC); the platform's ±300 s.
    #[test]
    fn a_timestamp_outside_the_window_is_the_departure() {
        let now = Timestamp::parse("20261207150000").unwrap();
        let at = |text: &str| Timestamp::parse(text).unwrap();
        // 240 s ahead: inside.
        assert_eq!(diagnose_timestamp(&at("20261207150400"), &now, 300), None);
        // 301 s ahead: outside, and not near a whole hour.
        assert_eq!(
            diagnose_timestamp(&at("20261207150501"), &now, 300).as_deref(),
            Some(
                "timestamp 20261207150501 is 301 s ahead of China Standard Time now \
                 (20261207150000), outside the platform's ±300 s"
            )
        );
        // UTC read a minute after now: 07:01:00 is 8 h − 60 s = 28,740 s = 7 h 59 min
        // behind; within 300 s of −8 h, so UTC (UTC+8 − 8 h).
        assert_eq!(
            diagnose_timestamp(&at("20261207070100"), &now, 300).as_deref(),
            Some(
                "timestamp 20261207070100 is 7 h 59 min behind China Standard Time now \
                 (20261207150000), outside the platform's ±300 s: it looks like UTC; build \
                 it in Asia/Shanghai"
            )
        );
        // The spec's 2021 timestamp: 15:52:06 is 52 min from a whole hour, no zone.
        let old = diagnose_timestamp(&at("20210407155206"), &now, 300).unwrap();
        assert!(
            old.contains("days behind") && !old.contains("looks like"),
            "{old}"
        );
    }

    #[test]
    fn a_matching_sign_at_a_utc_timestamp_is_diagnosed() {
        let body = br#"{"amount":10.00,"id":"7"}"#;
        let key = SecretKey::new(KEY);
        let now = Timestamp::parse("20261207150000").unwrap();
        let utc = Timestamp::parse("20261207070000").unwrap();
        let right = crate::sign_body(body, &key, &utc).unwrap();
        // The sign alone matches…
        assert_eq!(
            diagnose_mismatch(body, &key, &utc, &right).unwrap(),
            Diagnosis::Match
        );
        // …but the platform refuses the timestamp: exactly 8 hours behind → UTC.
        assert_eq!(
            diagnose_mismatch_at(body, &key, &utc, &right, &now, 300).unwrap(),
            Diagnosis::Departure(
                "timestamp 20261207070000 is 8 hours behind China Standard Time now \
                 (20261207150000), outside the platform's ±300 s: it looks like UTC; build \
                 it in Asia/Shanghai"
                    .into()
            )
        );
        // Inside the window the answer is diagnose_mismatch's.
        assert_eq!(
            diagnose_mismatch_at(
                body,
                &key,
                &now,
                &crate::sign_body(body, &key, &now).unwrap(),
                &now,
                300
            )
            .unwrap(),
            Diagnosis::Match
        );
    }
}
