//! When a counterpart's sign does not match: which common departure from the rules
//! would have produced it, in English and Chinese.

use std::fmt;

use md5::{Digest, Md5};

use crate::canonical::{Departure, canonicalize_departing};
use crate::models::event_time::{distance, zone_it_looks_like};
use crate::signature::hmac_sign;
use crate::{Error, Lang, SecretKey, Signature, Timestamp};

/// A departure's words, written once in both languages.
struct Words {
    en: &'static str,
    zh: &'static str,
}

/// The rules' own step: no words.
const RULES: Words = Words { en: "", zh: "" };

/// How STRINGA may have been built differently.
const STRING_A_DEPARTURES: &[(Departure, Words)] = &[
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: false,
            strings_as_numbers: false,
        },
        RULES,
    ),
    (
        Departure {
            verbatim_numbers: true,
            keep_empty: false,
            keep_sign: false,
            strings_as_numbers: false,
        },
        Words {
            en: "numbers signed as written (10.00) instead of canonical decimals (10), as when \
                 a value is signed as a string and sent as a number",
            zh: "数字按原文（10.00）而不是规范小数（10）签名，常见于签名时把值当作字符串、发送时却是数字",
        },
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: true,
            keep_sign: false,
            strings_as_numbers: false,
        },
        Words {
            en: "empty strings and nulls signed as `name=` instead of left out",
            zh: "空字符串和 null 签成了 `name=`，而不是略去",
        },
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: true,
            strings_as_numbers: false,
        },
        Words {
            en: "the top-level sign member signed instead of left out",
            zh: "顶层的 sign 成员也参与了签名，而不是略去",
        },
    ),
    (
        Departure {
            verbatim_numbers: true,
            keep_empty: true,
            keep_sign: false,
            strings_as_numbers: false,
        },
        Words {
            en: "numbers signed as written and empty values signed as `name=`",
            zh: "数字按原文签名，空值也签成了 `name=`",
        },
    ),
    (
        Departure {
            verbatim_numbers: false,
            keep_empty: false,
            keep_sign: false,
            strings_as_numbers: true,
        },
        Words {
            en: "a value signed as a number and sent as a string (\"10.00\" sent, the number \
                 10.00 signed: 10): send the same JSON type you sign",
            zh: "值按数字签名却按字符串发送（发送的是 \"10.00\"，签名的是数字 10.00，即 10）：\
                 发送的 JSON 类型要与签名时一致",
        },
    ),
];

/// Which bytes STRINGSignTemp was hashed as.
const GB18030_BYTES: Words = Words {
    en: "STRINGSignTemp hashed as GBK (GB18030) bytes instead of UTF-8, as a Chinese-Windows \
         program does with ANSI text",
    zh: "STRINGSignTemp 按 GBK（GB18030）编码的字节计算，而不是 UTF-8（中文 Windows 程序按 ANSI \
         编码处理文本时常见）",
};

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

const HASHING_DEPARTURES: &[(Hashing, Words)] = &[
    (Hashing::Rules, RULES),
    (
        Hashing::LowerCaseMd5,
        Words {
            en: "the MD5 hex in lower case instead of upper case",
            zh: "MD5 十六进制用了小写而不是大写",
        },
    ),
    (
        Hashing::SwappedHmac,
        Words {
            en: "HMAC key and message swapped (keyed with the MD5, over the key)",
            zh: "HMAC 的密钥与消息对调了（以 MD5 为密钥，对密钥做 HMAC）",
        },
    ),
    (
        Hashing::TimestampBeforeKey,
        Words {
            en: "&timestamp= placed before &key= in STRINGSignTemp",
            zh: "STRINGSignTemp 中 &timestamp= 放在了 &key= 之前",
        },
    ),
    (
        Hashing::NoTimestamp,
        Words {
            en: "no &timestamp= in STRINGSignTemp",
            zh: "STRINGSignTemp 中缺少 &timestamp=",
        },
    ),
    (
        Hashing::NoMd5,
        Words {
            en: "HMAC over STRINGSignTemp itself, without the MD5 step",
            zh: "HMAC 直接作用于 STRINGSignTemp 本身，省略了 MD5 这一步",
        },
    ),
];

/// `string_a` is STRINGA's bytes as the counterpart hashed them (UTF-8, or GB18030).
fn sign_departing(
    string_a: &[u8],
    key: &[u8],
    timestamp: &Timestamp,
    hashing: Hashing,
) -> Result<Signature, Error> {
    let ts = timestamp.as_str().as_bytes();
    let temp: Vec<u8> = match hashing {
        Hashing::TimestampBeforeKey => [string_a, b"&timestamp=", ts, b"&key=", key].concat(),
        Hashing::NoTimestamp => [string_a, b"&key=", key].concat(),
        _ => [string_a, b"&key=", key, b"&timestamp=", ts].concat(),
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

/// A text's GB18030 bytes, or `None` when the encoder cannot encode it (the departure is
/// then not tried). What [`diagnose_mismatch_with`] takes to try the GBK departure.
pub type Gb18030Encoder<'a> = &'a dyn Fn(&str) -> Option<Vec<u8>>;

/// `text` as GB18030 bytes (the WHATWG Encoding Standard's gb18030 encoder, which covers
/// all of Unicode and encodes GBK's characters as GBK does); `None` for the code points
/// that encoder refuses.
#[cfg(feature = "gb18030")]
pub fn encode_gb18030(text: &str) -> Option<Vec<u8>> {
    let (bytes, _, had_errors) = encoding_rs::GB18030.encode(text);
    (!had_errors).then(|| bytes.into_owned())
}

/// What a counterpart did differently, in English and in Chinese: one or more
/// departures, joined with "; " ("；" in Chinese). `Display` writes the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departures {
    english: String,
    chinese: String,
}

impl Departures {
    /// The departures in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        lang.pick(&self.english, &self.chinese)
    }

    /// The departures in English and in Chinese.
    pub fn into_texts(self) -> (String, String) {
        (self.english, self.chinese)
    }

    /// None yet.
    fn new() -> Departures {
        Departures {
            english: String::new(),
            chinese: String::new(),
        }
    }

    /// The departures of `words`, skipping the rules' own (empty) words.
    fn of(words: [&Words; 3]) -> Departures {
        let mut departures = Departures::new();
        for words in words.into_iter().filter(|w| !w.en.is_empty()) {
            departures.push(words.en, words.zh);
        }
        departures
    }

    /// One more departure, last.
    fn push(&mut self, english: &str, chinese: &str) {
        if !self.english.is_empty() {
            self.english.push_str("; ");
            self.chinese.push('；');
        }
        self.english.push_str(english);
        self.chinese.push_str(chinese);
    }
}

impl fmt::Display for Departures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english)
    }
}

/// What [`diagnose_mismatch`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diagnosis {
    /// The received sign matches the rules: there is no mismatch.
    Match,
    /// The received sign is what these departures from the rules produce, e.g. "numbers
    /// signed as written (10.00) instead of canonical decimals (10)", in both languages.
    Departure(Departures),
    /// None of the common departures produces it: the key, the timestamp or the bytes
    /// differ.
    Unexplained,
}

impl Diagnosis {
    /// The old shape of the answer, kept for bindings: `None` when unexplained,
    /// `Some("")` when the sign matches, `Some(departure)` (in English) otherwise.
    pub fn into_option(self) -> Option<String> {
        self.text(Lang::English).map(str::to_owned)
    }

    /// [`into_option`](Diagnosis::into_option) in `lang`: `None` when unexplained, `""`
    /// when the sign matches, the departures in `lang` otherwise.
    pub fn text(&self, lang: Lang) -> Option<&str> {
        match self {
            Diagnosis::Match => Some(""),
            Diagnosis::Departure(departures) => Some(departures.text(lang)),
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
/// empty values kept, the top-level `sign` kept; STRINGSignTemp hashed as GBK (GB18030)
/// bytes instead of UTF-8 (with the `gb18030` feature; see [`diagnose_mismatch_with`]);
/// MD5 in lower case, HMAC key and message swapped, timestamp before key, no timestamp,
/// no MD5 step; and their combinations.
pub fn diagnose_mismatch(
    body: &[u8],
    key: &SecretKey,
    timestamp: &Timestamp,
    received: &Signature,
) -> Result<Diagnosis, Error> {
    #[cfg(feature = "gb18030")]
    let gb18030: Option<Gb18030Encoder<'_>> = Some(&encode_gb18030);
    #[cfg(not(feature = "gb18030"))]
    let gb18030: Option<Gb18030Encoder<'_>> = None;
    diagnose_mismatch_with(body, key, timestamp, received, gb18030)
}

/// [`diagnose_mismatch`] with the GB18030 encoder given (the WebAssembly binding's comes
/// from the JavaScript platform, so that the module carries no table): with `None`, or
/// for a STRINGA the encoder cannot encode, the GBK departure is not tried.
///
/// The GBK departure: STRINGSignTemp hashed as its GB18030 bytes, as a program on Chinese
/// Windows does when it converts text with the ANSI code page (GBK, whose characters
/// GB18030 encodes alike) instead of UTF-8; tried alone and with every other departure
/// (with "no MD5 step", the HMAC over the GBK bytes). The key and the timestamp are taken
/// as they are: the timestamp is ASCII, and so are the platform's keys.
pub fn diagnose_mismatch_with(
    body: &[u8],
    key: &SecretKey,
    timestamp: &Timestamp,
    received: &Signature,
    gb18030: Option<Gb18030Encoder<'_>>,
) -> Result<Diagnosis, Error> {
    let key_bytes = key.bytes()?;
    for (departure, string_a_words) in STRING_A_DEPARTURES {
        let string_a = match canonicalize_departing(body, *departure) {
            Ok(string_a) => string_a,
            // Keeping empty values or `sign` can make STRINGA too long where the rules'
            // own is not: that departure cannot be what the counterpart did.
            Err(Error::StringATooLong { .. }) if *departure != Departure::default() => continue,
            Err(error) => return Err(error),
        };
        // GB18030 encodes ASCII as ASCII: for an ASCII STRINGA the GBK bytes are the UTF-8
        // bytes, and the GBK departure signs exactly as the rules do. Not tried then.
        let gbk_string_a = match gb18030 {
            Some(encode) if !string_a.is_ascii() => encode(&string_a),
            _ => None,
        };
        let encodings = [
            (Some(string_a.as_bytes()), &RULES),
            (gbk_string_a.as_deref(), &GB18030_BYTES),
        ];
        for (string_a_bytes, encoding_words) in encodings {
            let Some(string_a_bytes) = string_a_bytes else {
                continue;
            };
            for (hashing, hashing_words) in HASHING_DEPARTURES {
                let sign = sign_departing(string_a_bytes, key_bytes, timestamp, *hashing)?;
                if sign.ct_eq(received) {
                    let departures =
                        Departures::of([string_a_words, encoding_words, hashing_words]);
                    if departures.english.is_empty() {
                        return Ok(Diagnosis::Match);
                    }
                    return Ok(Diagnosis::Departure(departures));
                }
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
    diagnose_timestamp_in(timestamp, now, max_skew_seconds, Lang::English)
}

/// [`diagnose_timestamp`] in `lang`.
pub fn diagnose_timestamp_in(
    timestamp: &Timestamp,
    now: &Timestamp,
    max_skew_seconds: u64,
    lang: Lang,
) -> Option<String> {
    let offset = timestamp.unix_seconds() - now.unix_seconds();
    let off_by = offset.unsigned_abs();
    if off_by <= max_skew_seconds {
        return None;
    }
    let mut departure = match lang {
        Lang::Chinese => format!(
            "时间戳 {timestamp} 比当前中国标准时间（{now}）{} {}，超出平台允许的 \
             ±{max_skew_seconds} 秒",
            if offset > 0 { "快" } else { "慢" },
            distance_zh(off_by)
        ),
        Lang::English => format!(
            "timestamp {timestamp} is {} {} China Standard Time now ({now}), outside the \
             platform's ±{max_skew_seconds} s",
            distance(off_by),
            if offset > 0 { "ahead of" } else { "behind" }
        ),
    };
    // A whole number of hours, give or take the clocks' own skew.
    let hours = (offset as f64 / 3600.0).round() as i64;
    let skew = i64::try_from(max_skew_seconds).unwrap_or(i64::MAX);
    if (offset - hours * 3600).abs() <= skew
        && let Some(zone) = zone_it_looks_like(hours * 3600)
    {
        departure.push_str(&lang.pick(
            format!(": it looks like {zone}; build it in Asia/Shanghai"),
            format!("：看起来是 {zone} 时间；请按 Asia/Shanghai（中国标准时间）生成"),
        ));
    }
    Some(departure)
}

/// `distance` in Chinese: "8 小时", "7 小时 59 分钟", "3 天", "90 秒".
fn distance_zh(seconds: u64) -> String {
    if seconds >= 2 * 86_400 {
        format!("{} 天", seconds / 86_400)
    } else if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{} 小时", seconds / 3600)
    } else if seconds >= 3600 {
        format!("{} 小时 {} 分钟", seconds / 3600, seconds % 3600 / 60)
    } else {
        format!("{seconds} 秒")
    }
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
    let timing = |lang| diagnose_timestamp_in(timestamp, now, max_skew_seconds, lang);
    let (Some(english), Some(chinese)) = (timing(Lang::English), timing(Lang::Chinese)) else {
        return Ok(signing);
    };
    let mut departures = match signing {
        Diagnosis::Departure(departures) => departures,
        Diagnosis::Match | Diagnosis::Unexplained => Departures::new(),
    };
    departures.push(&english, &chinese);
    Ok(Diagnosis::Departure(departures))
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
            found.text(Lang::English),
            Some(
                "numbers signed as written (10.00) instead of canonical decimals (10), as \
                 when a value is signed as a string and sent as a number"
            )
        );
        assert_eq!(
            found.text(Lang::Chinese),
            Some(
                "数字按原文（10.00）而不是规范小数（10）签名，常见于签名时把值当作字符串、发送时却是数字"
            )
        );

        let temp = format!("amount=10&id=7&key={KEY}&timestamp=20210407155206");
        let lower = hmac_hex(
            KEY.as_bytes(),
            hex::encode(Md5::digest(temp.as_bytes())).as_bytes(),
        );
        let found = diagnose_mismatch(body, &key, &ts, &lower).unwrap();
        assert_eq!(
            found.clone().into_option().as_deref(),
            Some("the MD5 hex in lower case instead of upper case")
        );
        assert_eq!(
            found.text(Lang::Chinese),
            Some("MD5 十六进制用了小写而不是大写")
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
            Diagnosis::Departure(departures) => assert!(
                departures
                    .to_string()
                    .starts_with("a value signed as a number and sent as a string"),
                "{departures}"
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
        let at = diagnose_mismatch_at(body, &key, &utc, &right, &now, 300).unwrap();
        assert_eq!(
            at.text(Lang::English),
            Some(
                "timestamp 20261207070000 is 8 hours behind China Standard Time now \
                 (20261207150000), outside the platform's ±300 s: it looks like UTC; build \
                 it in Asia/Shanghai"
            )
        );
        assert_eq!(
            at.text(Lang::Chinese),
            Some(
                "时间戳 20261207070000 比当前中国标准时间（20261207150000）慢 8 小时，超出平台允许的 \
                 ±300 秒：看起来是 UTC 时间；请按 Asia/Shanghai（中国标准时间）生成"
            )
        );
        // With a signing departure too: the timestamp's last, in both languages.
        let temp = format!("amount=10&id=7&key={KEY}&timestamp=20261207070000");
        let lower = hmac_hex(
            KEY.as_bytes(),
            hex::encode(Md5::digest(temp.as_bytes())).as_bytes(),
        );
        let both = diagnose_mismatch_at(body, &key, &utc, &lower, &now, 300).unwrap();
        assert!(
            both.text(Lang::English).unwrap().starts_with(
                "the MD5 hex in lower case instead of upper case; timestamp 20261207070000"
            ),
            "{both:?}"
        );
        assert!(
            both.text(Lang::Chinese)
                .unwrap()
                .starts_with("MD5 十六进制用了小写而不是大写；时间戳 20261207070000"),
            "{both:?}"
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
    /// GB18030 bytes from encoding_rs (a dev-dependency, whatever the `gb18030` feature).
    fn gbk(text: &str) -> Option<Vec<u8>> {
        let (bytes, _, had_errors) = encoding_rs::GB18030.encode(text);
        (!had_errors).then(|| bytes.into_owned())
    }

    /// HMAC-SHA256 over the upper-case MD5 hex of `temp`'s GBK bytes, the key as it is.
    fn signed_as_gbk(temp: &str) -> Signature {
        let bytes = gbk(temp).unwrap();
        hmac_hex(
            KEY.as_bytes(),
            hex::encode_upper(Md5::digest(&bytes)).as_bytes(),
        )
    }

    const GBK_EN: &str = "STRINGSignTemp hashed as GBK (GB18030) bytes instead of UTF-8, as a \
                          Chinese-Windows program does with ANSI text";
    const GBK_ZH: &str = "STRINGSignTemp 按 GBK（GB18030）编码的字节计算，而不是 UTF-8（中文 \
                          Windows 程序按 ANSI 编码处理文本时常见）";

    #[test]
    fn a_sign_over_the_gbk_bytes_is_named_alone_and_combined() {
        let body = r#"{"name":"张三","fee":10.00}"#.as_bytes();
        let key = SecretKey::new(KEY);
        let ts = Timestamp::parse("20210407155206").unwrap();
        // 张三 is D5 C5 C8 FD in GBK, E5 BC A0 E4 B8 89 in UTF-8.
        assert_eq!(gbk("张三").unwrap(), [0xD5, 0xC5, 0xC8, 0xFD]);
        let with: Option<Gb18030Encoder<'_>> = Some(&gbk);

        let alone = signed_as_gbk(&format!(
            "fee=10&name=张三&key={KEY}&timestamp=20210407155206"
        ));
        let found = diagnose_mismatch_with(body, &key, &ts, &alone, with).unwrap();
        assert_eq!(found.text(Lang::English), Some(GBK_EN));
        assert_eq!(found.text(Lang::Chinese), Some(GBK_ZH));
        // Without an encoder the departure is not tried.
        assert_eq!(
            diagnose_mismatch_with(body, &key, &ts, &alone, None).unwrap(),
            Diagnosis::Unexplained
        );

        // With numbers as written (STRINGA's departure first, then the bytes').
        let as_written = signed_as_gbk(&format!(
            "fee=10.00&name=张三&key={KEY}&timestamp=20210407155206"
        ));
        let found = diagnose_mismatch_with(body, &key, &ts, &as_written, with).unwrap();
        let english = found.text(Lang::English).unwrap();
        assert!(
            english.starts_with("numbers signed as written (10.00)")
                && english.ends_with(&format!("; {GBK_EN}")),
            "{english}"
        );
        assert!(
            found
                .text(Lang::Chinese)
                .unwrap()
                .ends_with(&format!("；{GBK_ZH}")),
            "{found:?}"
        );

        // With no MD5 step: the HMAC straight over the GBK bytes.
        let temp = format!("fee=10&name=张三&key={KEY}&timestamp=20210407155206");
        let no_md5 = hmac_hex(KEY.as_bytes(), &gbk(&temp).unwrap());
        let found = diagnose_mismatch_with(body, &key, &ts, &no_md5, with).unwrap();
        assert_eq!(
            found.text(Lang::English),
            Some(
                format!("{GBK_EN}; HMAC over STRINGSignTemp itself, without the MD5 step").as_str()
            )
        );
    }

    #[test]
    fn an_ascii_body_is_never_diagnosed_as_gbk() {
        // Its GBK bytes are its UTF-8 bytes: the GBK sign is the rules' sign, a match.
        let body = br#"{"id":"7"}"#;
        let key = SecretKey::new(KEY);
        let ts = Timestamp::parse("20210407155206").unwrap();
        let gbk_sign = signed_as_gbk(&format!("id=7&key={KEY}&timestamp=20210407155206"));
        let encoder_called = std::cell::Cell::new(false);
        let spy = |text: &str| {
            encoder_called.set(true);
            gbk(text)
        };
        assert_eq!(
            diagnose_mismatch_with(body, &key, &ts, &gbk_sign, Some(&spy)).unwrap(),
            Diagnosis::Match
        );
        let unrelated = Signature::from_bytes([7; 32]);
        assert_eq!(
            diagnose_mismatch_with(body, &key, &ts, &unrelated, Some(&spy)).unwrap(),
            Diagnosis::Unexplained
        );
        assert!(!encoder_called.get(), "an ASCII STRINGA was encoded");
    }

    #[test]
    fn a_text_the_encoder_refuses_is_not_tried_as_gbk() {
        let body = r#"{"name":"张三"}"#.as_bytes();
        let key = SecretKey::new(KEY);
        let ts = Timestamp::parse("20210407155206").unwrap();
        let gbk_sign = signed_as_gbk(&format!("name=张三&key={KEY}&timestamp=20210407155206"));
        let refuses = |_: &str| None;
        assert_eq!(
            diagnose_mismatch_with(body, &key, &ts, &gbk_sign, Some(&refuses)).unwrap(),
            Diagnosis::Unexplained
        );
    }

    // diagnose_mismatch itself: the GBK departure with the feature, not without it.
    #[test]
    fn diagnose_mismatch_tries_gbk_exactly_when_the_feature_is_on() {
        let body = r#"{"name":"张三"}"#.as_bytes();
        let key = SecretKey::new(KEY);
        let ts = Timestamp::parse("20210407155206").unwrap();
        let gbk_sign = signed_as_gbk(&format!("name=张三&key={KEY}&timestamp=20210407155206"));
        let found = diagnose_mismatch(body, &key, &ts, &gbk_sign).unwrap();
        if cfg!(feature = "gb18030") {
            assert_eq!(found.text(Lang::English), Some(GBK_EN));
        } else {
            assert_eq!(found, Diagnosis::Unexplained);
        }
    }

    #[cfg(feature = "gb18030")]
    #[test]
    fn the_native_encoder_covers_all_of_unicode() {
        // Two-byte GBK, a four-byte BMP code point (U+00A5 ¥: 81 30 84 36 in the ranges)
        // and a supplementary one (U+20000: 95 32 82 36), as Python's str.encode("gb18030").
        assert_eq!(encode_gb18030("a张").unwrap(), [0x61, 0xD5, 0xC5]);
        assert_eq!(encode_gb18030("¥").unwrap(), [0x81, 0x30, 0x84, 0x36]);
        assert_eq!(
            encode_gb18030("\u{20000}").unwrap(),
            [0x95, 0x32, 0x82, 0x36]
        );
    }
}
