//! The one error type of the crate, with stable string codes for bindings.

use std::fmt;

/// Everything that can go wrong in canonicalization, signing, verification and validation.
///
/// Each variant has a stable [`code`](Error::code) that bindings expose unchanged
/// (Python `.code`, JavaScript `error.code`, Kotlin `code`). Messages never contain the
/// secret key, and never contain a `certNo` or `certName` value: fields are named,
/// their contents are not echoed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The body is not well-formed JSON (RFC 8259).
    InvalidJson {
        /// Byte offset into the body where the problem was found.
        offset: usize,
        /// What was expected or found there.
        reason: &'static str,
    },
    /// The body is not valid UTF-8, or a `\u` escape encodes a lone surrogate.
    InvalidUtf8 {
        /// Byte offset into the body of the offending byte or escape.
        offset: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// The top level of the body is valid JSON but not an object.
    NotAnObject {
        /// The JSON type that was found (`array`, `string`, `number`, ...).
        found: &'static str,
    },
    /// The same key appears twice in one object (after escape decoding).
    DuplicateKey {
        /// The key (a field name, never a value).
        key: String,
        /// Byte offset of the second occurrence.
        offset: usize,
    },
    /// Two different paths flatten to the same name (e.g. `{"a.b":1,"a":{"b":2}}`).
    NameCollision {
        /// The flattened name both paths produce.
        name: String,
    },
    /// Objects and arrays are nested deeper than the limit.
    TooDeep {
        /// Byte offset of the container that exceeds the limit.
        offset: usize,
        /// The nesting limit (64).
        limit: usize,
    },
    /// A number's canonical decimal would be longer than the limit.
    NumberOutOfRange {
        /// Byte offset of the number.
        offset: usize,
        /// The length limit (512).
        limit: usize,
    },
    /// A native value (JS object, Python dict, Kotlin map) has no JSON form, such as NaN,
    /// infinity or an unsupported type.
    InvalidValue {
        /// The flattened name of the value's place, e.g. `detail.items[2].price`.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The body is larger than this implementation indexes: 4 GiB of body, or of the
    /// decoded text its strings and numbers expand to.
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
    },
    /// The body's STRINGA would be longer than 16 × the body's length + 65,536 bytes
    /// (canonical-form.md section 2 rule 4). Decided from the parsed index, before any
    /// STRINGA is produced, so a small body cannot demand gigabytes of it.
    StringATooLong {
        /// The body's length in bytes.
        body_len: usize,
        /// The longest STRINGA allowed for this body.
        limit: u64,
    },
    /// A timestamp is not 14 digits forming a real `yyyyMMddHHmmss` date and time.
    InvalidTimestamp {
        /// What is wrong with it.
        reason: String,
    },
    /// A signature is not 64 hexadecimal digits.
    InvalidSignatureFormat {
        /// What is wrong with it.
        reason: String,
    },
    /// The signature does not match the body, key and timestamp.
    SignatureMismatch,
    /// The timestamp is further from the verifier's clock than the allowed skew.
    TimestampOutOfWindow {
        /// The received timestamp.
        timestamp: String,
        /// Received minus now, in seconds (negative: in the past).
        skew_seconds: i64,
        /// The allowed skew in seconds.
        max_skew_seconds: u64,
    },
    /// The same (sid, timestamp, sign) was already accepted inside the window.
    Replayed,
    /// The replay cache holds as many unexpired (sid, timestamp, sign) triples as it may:
    /// the request is refused rather than an entry forgotten while it could still be
    /// replayed. Size the cache for the request rate times the window (2 × skew).
    ReplayCacheFull {
        /// The configured capacity.
        capacity: usize,
    },
    /// The shared replay cache (a database several servers use) could not be consulted:
    /// the request is refused, since it might be a replay (fail closed).
    ReplayCacheUnavailable {
        /// What failed (the store's message; never anything the caller sent).
        reason: String,
    },
    /// No key is configured for the received `sid`.
    UnknownSid {
        /// The received sid.
        sid: String,
    },
    /// A required header (`sid`, `timestamp` or `sign`) is missing.
    MissingHeader {
        /// The header's name.
        name: &'static str,
    },
    /// A signature header (`sid`, `timestamp` or `sign`) appears more than once, so which
    /// one was signed is ambiguous.
    DuplicateHeader {
        /// The header's name.
        name: &'static str,
    },
    /// The secret key is empty.
    EmptyKey,
    /// A model field fails validation. The field is named; its value is never echoed.
    InvalidField {
        /// The wire name of the field, e.g. `deductionFee` or `data[3].certNo`.
        field: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A model could not be serialized or deserialized.
    Serialization {
        /// What serde reported, with values redacted where they could be personal.
        reason: String,
    },
}

/// A value a message names: written as it is, quoted like Rust's `{:?}` (a key, a sid, a
/// header's name), or, for a reason, in the message's language where the core wrote it
/// from a closed set (see [`chinese_reason`]).
enum Arg<'a> {
    Text(&'a str),
    Quoted(&'a str),
    Number(u64),
    Signed(i64),
    Reason(&'a str),
    /// A name the caller chose, said as it is, unless it is wholly a reason the core
    /// writes (the `(top level)` of a path).
    Name(&'a str),
}

/// A message's two templates, English first, and the values `{0}`, `{1}`, `{2}` name.
type Templates<'a> = (&'static str, &'static str, [Arg<'a>; 3]);

const NONE: Arg<'static> = Arg::Text("");

impl Error {
    /// The message in both languages, side by side: the one place each is written. `{n}`
    /// is the n-th value; a value is never a key, a certNo or a certName (fields and
    /// headers are named, their contents are not echoed).
    fn templates(&self) -> Templates<'_> {
        use Arg::{Number as N, Quoted as Q, Reason as R, Signed, Text as T};
        let n = |value: usize| N(value as u64);
        match self {
            Error::InvalidJson { offset, reason } => (
                "invalid JSON at byte {0}: {1}",
                "JSON 格式错误（第 {0} 字节）：{1}",
                [n(*offset), R(reason), NONE],
            ),
            Error::InvalidUtf8 { offset, reason } => (
                "invalid UTF-8 at byte {0}: {1}",
                "UTF-8 编码无效（第 {0} 字节）：{1}",
                [n(*offset), R(reason), NONE],
            ),
            Error::NotAnObject { found } => (
                "the body's top level must be a JSON object, found {0}",
                "报文顶层必须是 JSON 对象，实际是{0}",
                [R(found), NONE, NONE],
            ),
            Error::DuplicateKey { key, offset } => (
                "duplicate key {0} in one object at byte {1}",
                "同一对象中的键 {0} 重复（第 {1} 字节）",
                [Q(key), n(*offset), NONE],
            ),
            Error::NameCollision { name } => (
                "two different paths flatten to the same name {0}",
                "两个不同的路径展开后同名：{0}",
                [Q(name), NONE, NONE],
            ),
            Error::TooDeep { offset, limit } => (
                "nesting deeper than {0} levels at byte {1}",
                "嵌套超过 {0} 层（第 {1} 字节）",
                [n(*limit), n(*offset), NONE],
            ),
            Error::NumberOutOfRange { offset, limit } => (
                "number at byte {0} has a canonical decimal longer than {1} characters",
                "第 {0} 字节处的数字，规范十进制形式超过 {1} 个字符",
                [n(*offset), n(*limit), NONE],
            ),
            Error::InvalidValue { path, reason } => (
                "value at {0} cannot be signed: {1}",
                "{0} 处的值无法签名：{1}",
                // The path as it is (it may quote a name the caller chose), but for the
                // `(top level)` the core writes, which is said in Chinese.
                [Arg::Name(path), R(reason), NONE],
            ),
            Error::BodyTooLarge { len } => (
                "body of {0} bytes is larger than the supported 4 GiB (or expands beyond it)",
                "报文 {0} 字节，超过支持的 4 GiB（或展开后超过）",
                [n(*len), NONE, NONE],
            ),
            Error::StringATooLong { body_len, limit } => (
                "the body's STRINGA would be longer than {0} bytes (16 × the body's {1} bytes + 65,536)",
                "报文的 STRINGA 将超过 {0} 字节（16 × 报文的 {1} 字节 + 65,536）",
                [N(*limit), n(*body_len), NONE],
            ),
            Error::InvalidTimestamp { reason } => (
                "invalid timestamp: {0}",
                "时间戳无效：{0}",
                [R(reason), NONE, NONE],
            ),
            Error::InvalidSignatureFormat { reason } => (
                "invalid signature format: {0}",
                "签名格式无效：{0}",
                [R(reason), NONE, NONE],
            ),
            Error::SignatureMismatch => (
                "signature mismatch: the sign does not match the body, key and timestamp",
                "签名不匹配：sign 与报文、密钥和时间戳不符",
                [NONE, NONE, NONE],
            ),
            Error::TimestampOutOfWindow {
                timestamp,
                skew_seconds,
                max_skew_seconds,
            } => (
                "timestamp {0} is {1} s from now, outside the allowed ±{2} s",
                "时间戳 {0} 与当前时间相差 {1} 秒，超出允许的 ±{2} 秒",
                [T(timestamp), Signed(*skew_seconds), N(*max_skew_seconds)],
            ),
            Error::Replayed => (
                "replayed request: this sid, timestamp and sign were already accepted",
                "重放请求：此 sid、timestamp 和 sign 已被接受过",
                [NONE, NONE, NONE],
            ),
            Error::ReplayCacheFull { capacity } => (
                "replay cache full: {0} requests accepted inside the window; refused so that none is forgotten",
                "防重放缓存已满：时间窗口内已接受 {0} 个请求；为免遗忘其中任何一个，拒绝本请求",
                [n(*capacity), NONE, NONE],
            ),
            Error::ReplayCacheUnavailable { reason } => (
                "replay cache unavailable: {0}",
                "防重放缓存不可用：{0}",
                [R(reason), NONE, NONE],
            ),
            Error::UnknownSid { sid } => {
                ("unknown sid {0}", "未知的 sid {0}", [Q(sid), NONE, NONE])
            }
            Error::MissingHeader { name } => (
                "missing header {0}",
                "缺少请求头 {0}",
                [Q(name), NONE, NONE],
            ),
            Error::DuplicateHeader { name } => (
                "header {0} appears more than once",
                "请求头 {0} 出现了不止一次",
                [Q(name), NONE, NONE],
            ),
            Error::EmptyKey => ("the secret key is empty", "密钥为空", [NONE, NONE, NONE]),
            Error::InvalidField { field, reason } => (
                "invalid field {0}: {1}",
                "字段 {0} 无效：{1}",
                [T(field), R(reason), NONE],
            ),
            Error::Serialization { reason } => (
                "model (de)serialization failed: {0}",
                "模型序列化或反序列化失败：{0}",
                [R(reason), NONE, NONE],
            ),
        }
    }

    /// Writes the message: English, or Chinese when `chinese` finds the Chinese of the
    /// reasons the core writes (`crate::messages` has every module's; this module knows
    /// none, so that the modules' errors and their reasons do not import each other).
    pub(crate) fn write_message(
        &self,
        out: &mut dyn fmt::Write,
        chinese: Option<ChineseOf<'_>>,
    ) -> fmt::Result {
        let (english, in_chinese, args) = self.templates();
        let template = if chinese.is_some() {
            in_chinese
        } else {
            english
        };
        render(out, template, &args, chinese)
    }
}

/// Finds the Chinese of a reason the core writes in English, `None` for other text.
pub(crate) type ChineseOf<'a> = &'a dyn Fn(&str) -> Option<&'static str>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_message(f, None)
    }
}

impl std::error::Error for Error {}

/// Writes `template` with each `{n}` replaced by `args[n]`: one small routine for every
/// message in both languages, rather than a formatting call per message and language
/// (which the WebAssembly module would pay for in bytes).
fn render(
    out: &mut dyn fmt::Write,
    template: &str,
    args: &[Arg<'_>],
    chinese: Option<ChineseOf<'_>>,
) -> fmt::Result {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.write_str(&rest[..open])?;
        let index = rest
            .as_bytes()
            .get(open + 1)
            .map(|digit| digit.wrapping_sub(b'0'));
        match index.and_then(|i| args.get(usize::from(i))) {
            Some(arg) if rest.as_bytes().get(open + 2) == Some(&b'}') => {
                arg.write(out, chinese)?;
                rest = &rest[open + 3..];
            }
            // Not a placeholder: a brace written as it is.
            _ => {
                out.write_str("{")?;
                rest = &rest[open + 1..];
            }
        }
    }
    out.write_str(rest)
}

impl Arg<'_> {
    fn write(&self, out: &mut dyn fmt::Write, chinese: Option<ChineseOf<'_>>) -> fmt::Result {
        match (self, chinese) {
            (Arg::Text(text), _) => out.write_str(text),
            (Arg::Quoted(text), _) => write!(out, "{text:?}"),
            (Arg::Number(value), _) => write!(out, "{value}"),
            (Arg::Signed(value), _) => write!(out, "{value}"),
            (Arg::Reason(reason), Some(chinese)) => write_chinese_reason(out, reason, chinese),
            (Arg::Name(name), Some(chinese)) => out.write_str(chinese(name).unwrap_or(name)),
            (Arg::Reason(text) | Arg::Name(text), None) => out.write_str(text),
        }
    }
}

/// Writes a reason in Chinese: as a whole where it is a known one, else each part of
/// `text (aside)` and of `head: tail: ...` that is known. Text the core did not write (a
/// name a caller chose, serde's or a store's words) is kept byte for byte, its own
/// punctuation too: only a separator next to a translated part becomes full-width. No
/// recursion: a reason may quote a name a caller chose, with any number of colons in it.
fn write_chinese_reason(
    out: &mut dyn fmt::Write,
    reason: &str,
    chinese_reason: ChineseOf<'_>,
) -> fmt::Result {
    if let Some(chinese) = chinese_reason(reason) {
        return out.write_str(chinese);
    }
    // `text (aside)`: found by chars, not by a string pattern (a smaller WebAssembly module).
    let aside = reason
        .strip_suffix(')')
        .and_then(|r| r.rfind('('))
        .filter(|&open| reason[..open].ends_with(' '))
        .and_then(|open| chinese_reason(&reason[open + 1..reason.len() - 1]).map(|zh| (open, zh)));
    match aside {
        Some((open, aside)) => {
            write_chinese_parts(out, &reason[..open - 1], chinese_reason)?;
            out.write_str("（")?;
            out.write_str(aside)?;
            out.write_str("）")
        }
        None => write_chinese_parts(out, reason, chinese_reason),
    }
}

/// Writes `head: tail: ...` with each part in Chinese where it is a known reason; a colon
/// next to a translated part becomes a full-width one, any other stays as it was.
fn write_chinese_parts(
    out: &mut dyn fmt::Write,
    text: &str,
    chinese_reason: ChineseOf<'_>,
) -> fmt::Result {
    let mut rest = text;
    // Whether the part before the separator being written was translated.
    let mut previous: Option<bool> = None;
    loop {
        // Found by chars, not by a string pattern (a smaller WebAssembly module).
        let colon = rest
            .char_indices()
            .find(|&(i, c)| c == ':' && rest[i + 1..].starts_with(' '))
            .map(|(i, _)| i);
        let part = colon.map_or(rest, |colon| &rest[..colon]);
        let chinese = chinese_reason(part);
        if let Some(previous) = previous {
            out.write_str(if previous || chinese.is_some() {
                "："
            } else {
                ": "
            })?;
        }
        out.write_str(chinese.unwrap_or(part))?;
        match colon {
            Some(colon) => {
                rest = &rest[colon + 2..];
                previous = Some(chinese.is_some());
            }
            None => return Ok(()),
        }
    }
}

/// The broad family of an [`Error`], for bindings that map errors to class hierarchies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorFamily {
    /// The body cannot be canonicalized (JSON, UTF-8, structure, limits).
    InvalidBody,
    /// A timestamp is malformed or outside the allowed window.
    InvalidTimestamp,
    /// A signature is malformed, does not match, is replayed, or no key is known.
    Signature,
    /// A model field is invalid or a model cannot be (de)serialized.
    Validation,
    /// The secret key is unusable.
    Key,
}

impl Error {
    /// The stable, machine-readable code of this error ([`ErrorCode::InvalidJson`], ...);
    /// [`ErrorCode::as_str`] gives its string (`invalid_json`, `duplicate_key`, ...).
    ///
    /// Codes never change meaning; bindings and tests match on them.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidJson { .. } => ErrorCode::InvalidJson,
            Error::InvalidUtf8 { .. } => ErrorCode::InvalidUtf8,
            Error::NotAnObject { .. } => ErrorCode::NotAnObject,
            Error::DuplicateKey { .. } => ErrorCode::DuplicateKey,
            Error::NameCollision { .. } => ErrorCode::NameCollision,
            Error::TooDeep { .. } => ErrorCode::TooDeep,
            Error::NumberOutOfRange { .. } => ErrorCode::NumberOutOfRange,
            Error::InvalidValue { .. } => ErrorCode::InvalidValue,
            Error::BodyTooLarge { .. } => ErrorCode::BodyTooLarge,
            Error::StringATooLong { .. } => ErrorCode::StringATooLong,
            Error::InvalidTimestamp { .. } => ErrorCode::InvalidTimestamp,
            Error::InvalidSignatureFormat { .. } => ErrorCode::InvalidSignatureFormat,
            Error::SignatureMismatch => ErrorCode::SignatureMismatch,
            Error::TimestampOutOfWindow { .. } => ErrorCode::TimestampOutOfWindow,
            Error::Replayed => ErrorCode::Replayed,
            Error::ReplayCacheFull { .. } => ErrorCode::ReplayCacheFull,
            Error::ReplayCacheUnavailable { .. } => ErrorCode::ReplayCacheUnavailable,
            Error::UnknownSid { .. } => ErrorCode::UnknownSid,
            Error::MissingHeader { .. } => ErrorCode::MissingHeader,
            Error::DuplicateHeader { .. } => ErrorCode::DuplicateHeader,
            Error::EmptyKey => ErrorCode::EmptyKey,
            Error::InvalidField { .. } => ErrorCode::InvalidField,
            Error::Serialization { .. } => ErrorCode::Serialization,
        }
    }

    /// The family this error belongs to (the family of its [`code`](Error::code)).
    pub fn family(&self) -> ErrorFamily {
        self.code().family()
    }

    /// The byte offset into the body, for errors that have one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Error::InvalidJson { offset, .. }
            | Error::InvalidUtf8 { offset, .. }
            | Error::DuplicateKey { offset, .. }
            | Error::TooDeep { offset, .. }
            | Error::NumberOutOfRange { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    /// The field a validation error names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::InvalidField { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn invalid_field(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        Error::InvalidField {
            field: field.into(),
            reason: reason.to_string(),
        }
    }
}

/// Declares [`ErrorCode`] with its string and family, and derives [`ErrorCode::ALL`],
/// [`ErrorCode::as_str`] and [`ErrorCode::family`] from that one table, so that no list
/// of codes is written twice and `ALL` holds every variant once, in declaration order.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $family:ident;)*) => {
        /// The stable, machine-readable code of an [`Error`], one per kind of failure.
        ///
        /// Bindings expose [`as_str`](ErrorCode::as_str) unchanged (Python `.code`,
        /// JavaScript `error.code`, Kotlin `code`), and derive their lists of codes and
        /// their exception classes from [`ALL`](ErrorCode::ALL) and
        /// [`family`](ErrorCode::family).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order (the order of [`ERROR_CODES`]).
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code's string, e.g. `invalid_json`. It never changes.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// The family the code belongs to, for bindings that map errors to classes.
            pub const fn family(self) -> ErrorFamily {
                match self {
                    $(ErrorCode::$variant => ErrorFamily::$family,)*
                }
            }
        }
    };
}

error_codes! {
    /// [`Error::InvalidJson`].
    InvalidJson = "invalid_json", InvalidBody;
    /// [`Error::InvalidUtf8`].
    InvalidUtf8 = "invalid_utf8", InvalidBody;
    /// [`Error::NotAnObject`].
    NotAnObject = "not_an_object", InvalidBody;
    /// [`Error::DuplicateKey`].
    DuplicateKey = "duplicate_key", InvalidBody;
    /// [`Error::NameCollision`].
    NameCollision = "name_collision", InvalidBody;
    /// [`Error::TooDeep`].
    TooDeep = "too_deep", InvalidBody;
    /// [`Error::NumberOutOfRange`].
    NumberOutOfRange = "number_out_of_range", InvalidBody;
    /// [`Error::InvalidValue`].
    InvalidValue = "invalid_value", InvalidBody;
    /// [`Error::BodyTooLarge`].
    BodyTooLarge = "body_too_large", InvalidBody;
    /// [`Error::StringATooLong`].
    StringATooLong = "stringa_too_long", InvalidBody;
    /// [`Error::InvalidTimestamp`].
    InvalidTimestamp = "invalid_timestamp", InvalidTimestamp;
    /// [`Error::InvalidSignatureFormat`].
    InvalidSignatureFormat = "invalid_signature_format", Signature;
    /// [`Error::SignatureMismatch`].
    SignatureMismatch = "signature_mismatch", Signature;
    /// [`Error::TimestampOutOfWindow`].
    TimestampOutOfWindow = "timestamp_out_of_window", InvalidTimestamp;
    /// [`Error::Replayed`].
    Replayed = "replayed", Signature;
    /// [`Error::ReplayCacheFull`].
    ReplayCacheFull = "replay_cache_full", Signature;
    /// [`Error::ReplayCacheUnavailable`].
    ReplayCacheUnavailable = "replay_cache_unavailable", Signature;
    /// [`Error::UnknownSid`].
    UnknownSid = "unknown_sid", Signature;
    /// [`Error::MissingHeader`].
    MissingHeader = "missing_header", Signature;
    /// [`Error::DuplicateHeader`].
    DuplicateHeader = "duplicate_header", Signature;
    /// [`Error::EmptyKey`].
    EmptyKey = "empty_key", Key;
    /// [`Error::InvalidField`].
    InvalidField = "invalid_field", Validation;
    /// [`Error::Serialization`].
    Serialization = "serialization", Validation;
}

impl ErrorFamily {
    /// Every family, in declaration order.
    pub const ALL: &'static [ErrorFamily] = &[
        ErrorFamily::InvalidBody,
        ErrorFamily::InvalidTimestamp,
        ErrorFamily::Signature,
        ErrorFamily::Validation,
        ErrorFamily::Key,
    ];

    /// The family's stable name: `invalid_body`, `invalid_timestamp`, `signature`,
    /// `validation` or `key`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorFamily::InvalidBody => "invalid_body",
            ErrorFamily::InvalidTimestamp => "invalid_timestamp",
            ErrorFamily::Signature => "signature",
            ErrorFamily::Validation => "validation",
            ErrorFamily::Key => "key",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for ErrorFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the [`ErrorCode`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

impl std::str::FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<ErrorCode> for &str {
    fn eq(&self, other: &ErrorCode) -> bool {
        *self == other.as_str()
    }
}

/// Every stable code's string, in declaration order: [`ErrorCode::ALL`] as strings.
pub const ERROR_CODES: &[&str] = &{
    let mut codes = [""; ErrorCode::ALL.len()];
    let mut i = 0;
    while i < codes.len() {
        codes[i] = ErrorCode::ALL[i].as_str();
        i += 1;
    }
    codes
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lang;

    /// One of each variant, with values that show how each is written.
    fn one_of_each() -> Vec<Error> {
        vec![
            Error::InvalidJson {
                offset: 7,
                reason: "expected a string key",
            },
            Error::InvalidUtf8 {
                offset: 3,
                reason: "not a valid UTF-8 sequence",
            },
            Error::NotAnObject { found: "an array" },
            Error::DuplicateKey {
                key: "a\"b".into(),
                offset: 9,
            },
            Error::NameCollision { name: "a.b".into() },
            Error::TooDeep {
                offset: 64,
                limit: 64,
            },
            Error::NumberOutOfRange {
                offset: 5,
                limit: 512,
            },
            Error::InvalidValue {
                path: "(top level)".into(),
                reason: "NaN and infinity have no JSON form".into(),
            },
            Error::BodyTooLarge { len: 1 << 32 },
            Error::StringATooLong {
                body_len: 10,
                limit: 65_696,
            },
            Error::InvalidTimestamp {
                reason: "month must be 01-12 (expected 14 digits yyyyMMddHHmmss, UTC+8)".into(),
            },
            Error::InvalidSignatureFormat {
                reason: "expected 64 hex digits, got 3 bytes".into(),
            },
            Error::SignatureMismatch,
            Error::TimestampOutOfWindow {
                timestamp: "20240101000000".into(),
                skew_seconds: -400,
                max_skew_seconds: 300,
            },
            Error::Replayed,
            Error::ReplayCacheFull { capacity: 100 },
            Error::ReplayCacheUnavailable {
                reason: "connection refused".into(),
            },
            Error::UnknownSid { sid: "S1".into() },
            Error::MissingHeader { name: "sign" },
            Error::DuplicateHeader { name: "timestamp" },
            Error::EmptyKey,
            Error::InvalidField {
                field: "certNo".into(),
                reason: "the GB 11643 check character does not match".into(),
            },
            Error::Serialization {
                reason: "missing field `orgCode`".into(),
            },
        ]
    }

    #[test]
    fn english_messages_are_as_before() {
        let english: Vec<String> = one_of_each().iter().map(|e| e.to_string()).collect();
        assert_eq!(
            english,
            [
                "invalid JSON at byte 7: expected a string key",
                "invalid UTF-8 at byte 3: not a valid UTF-8 sequence",
                "the body's top level must be a JSON object, found an array",
                "duplicate key \"a\\\"b\" in one object at byte 9",
                "two different paths flatten to the same name \"a.b\"",
                "nesting deeper than 64 levels at byte 64",
                "number at byte 5 has a canonical decimal longer than 512 characters",
                "value at (top level) cannot be signed: NaN and infinity have no JSON form",
                "body of 4294967296 bytes is larger than the supported 4 GiB (or expands beyond it)",
                "the body's STRINGA would be longer than 65696 bytes (16 × the body's 10 bytes + 65,536)",
                "invalid timestamp: month must be 01-12 (expected 14 digits yyyyMMddHHmmss, UTC+8)",
                "invalid signature format: expected 64 hex digits, got 3 bytes",
                "signature mismatch: the sign does not match the body, key and timestamp",
                "timestamp 20240101000000 is -400 s from now, outside the allowed ±300 s",
                "replayed request: this sid, timestamp and sign were already accepted",
                "replay cache full: 100 requests accepted inside the window; refused so that none is forgotten",
                "replay cache unavailable: connection refused",
                "unknown sid \"S1\"",
                "missing header \"sign\"",
                "header \"timestamp\" appears more than once",
                "the secret key is empty",
                "invalid field certNo: the GB 11643 check character does not match",
                "model (de)serialization failed: missing field `orgCode`",
            ]
        );
        for error in one_of_each() {
            assert_eq!(error.message(Lang::English), error.to_string());
        }
    }

    #[test]
    fn every_code_has_a_chinese_message_with_the_same_values() {
        let errors = one_of_each();
        let codes: Vec<ErrorCode> = errors.iter().map(Error::code).collect();
        assert_eq!(
            codes,
            ErrorCode::ALL,
            "one_of_each covers every code, in order"
        );
        let chinese: Vec<String> = errors.iter().map(Error::message_zh).collect();
        assert_eq!(
            chinese,
            [
                "JSON 格式错误（第 7 字节）：此处应为字符串形式的键",
                "UTF-8 编码无效（第 3 字节）：不是有效的 UTF-8 字节序列",
                "报文顶层必须是 JSON 对象，实际是数组",
                "同一对象中的键 \"a\\\"b\" 重复（第 9 字节）",
                "两个不同的路径展开后同名：\"a.b\"",
                "嵌套超过 64 层（第 64 字节）",
                "第 5 字节处的数字，规范十进制形式超过 512 个字符",
                "（顶层） 处的值无法签名：NaN 和无穷大没有 JSON 形式",
                "报文 4294967296 字节，超过支持的 4 GiB（或展开后超过）",
                "报文的 STRINGA 将超过 65696 字节（16 × 报文的 10 字节 + 65,536）",
                "时间戳无效：月份必须在 01-12 之间（应为 14 位数字 yyyyMMddHHmmss，UTC+8）",
                "签名格式无效：expected 64 hex digits, got 3 bytes",
                "签名不匹配：sign 与报文、密钥和时间戳不符",
                "时间戳 20240101000000 与当前时间相差 -400 秒，超出允许的 ±300 秒",
                "重放请求：此 sid、timestamp 和 sign 已被接受过",
                "防重放缓存已满：时间窗口内已接受 100 个请求；为免遗忘其中任何一个，拒绝本请求",
                "防重放缓存不可用：connection refused",
                "未知的 sid \"S1\"",
                "缺少请求头 \"sign\"",
                "请求头 \"timestamp\" 出现了不止一次",
                "密钥为空",
                "字段 certNo 无效：GB 11643 校验码不符",
                "模型序列化或反序列化失败：missing field `orgCode`",
            ]
        );
        for error in &errors {
            assert_eq!(error.message(Lang::Chinese), error.message_zh());
        }
    }

    #[test]
    fn reasons_are_chinese_from_the_core_itself() {
        let broken = crate::canonicalize(b"{\"a\":1,}").unwrap_err();
        assert_eq!(broken.code(), ErrorCode::InvalidJson);
        assert_eq!(
            broken.message_zh(),
            "JSON 格式错误（第 7 字节）：此处应为字符串形式的键"
        );
        let bom = crate::canonicalize(b"\xEF\xBB\xBF{}").unwrap_err();
        assert!(
            bom.message_zh().contains("字节顺序标记"),
            "{}",
            bom.message_zh()
        );
        let timestamp = crate::Timestamp::parse("20240230120000").unwrap_err();
        assert_eq!(
            timestamp.message_zh(),
            "时间戳无效：该月没有这一天（应为 14 位数字 yyyyMMddHHmmss，UTC+8）"
        );
        let sign = crate::Signature::parse(&"g".repeat(64)).unwrap_err();
        assert!(
            sign.message_zh()
                .starts_with("签名格式无效：不是十六进制数字："),
            "{}",
            sign.message_zh()
        );
        let mut writer = crate::JsonWriter::new();
        let nan = writer.float(f64::NAN).unwrap_err();
        assert_eq!(
            nan.message_zh(),
            "（顶层） 处的值无法签名：NaN 和无穷大没有 JSON 形式"
        );
    }

    #[test]
    fn reasons_not_written_by_the_core_are_kept_inside_a_chinese_sentence() {
        // Text the core did not write is kept byte for byte, its punctuation too, so that
        // both languages name the same values.
        let reason = "unknown variant `7`: expected one of `0`, `1` (at line 1)";
        let error = Error::Serialization {
            reason: reason.into(),
        };
        assert_eq!(
            error.message_zh(),
            format!("模型序列化或反序列化失败：{reason}")
        );
        // A path a caller chose, which looks like `head: tail (aside)`, is not rewritten.
        let value = Error::InvalidValue {
            path: "a: b (c)".into(),
            reason: "x: y (z)".into(),
        };
        assert_eq!(value.message_zh(), "a: b (c) 处的值无法签名：x: y (z)");
        assert_eq!(
            value.to_string(),
            "value at a: b (c) cannot be signed: x: y (z)"
        );
        // A known part next to an unknown one: only that separator becomes full-width.
        let mixed = Error::InvalidTimestamp {
            reason: format!("{}: a: b", crate::timestamp::REASONS[0].0),
        };
        assert_eq!(
            mixed.message_zh(),
            format!("时间戳无效：{}：a: b", crate::timestamp::REASONS[0].1)
        );
        // A name a caller chose, with many colons in it: no recursion, every part kept.
        let colons = "a: ".repeat(100_000);
        let many = Error::Serialization {
            reason: format!("unknown field `{colons}`"),
        };
        assert!(
            many.message_zh()
                .ends_with(&format!("unknown field `{colons}`"))
        );
        // Braces in a template that are not placeholders are kept.
        let mut out = String::new();
        render(&mut out, "{x} {0} {9} {", &[Arg::Number(1)], None).unwrap();
        assert_eq!(out, "{x} 1 {9} {");
    }

    #[test]
    fn all_holds_every_code_once_in_declaration_order() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i, "{code}");
            assert_eq!(ERROR_CODES[i], code.as_str());
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ERROR_CODES.len(), ErrorCode::ALL.len());
        let mut strings = ERROR_CODES.to_vec();
        strings.sort_unstable();
        strings.dedup();
        assert_eq!(
            strings.len(),
            ERROR_CODES.len(),
            "a code's string is used twice"
        );
        assert!("no_such_code".parse::<ErrorCode>().is_err());
    }

    #[test]
    fn today_order_is_kept() {
        // The order bindings and users already saw; new codes go at the end or where
        // they belong, but these keep their relative order.
        assert_eq!(
            &ERROR_CODES[..3],
            ["invalid_json", "invalid_utf8", "not_an_object"]
        );
        assert_eq!(ERROR_CODES[8..10], ["body_too_large", "stringa_too_long"]);
        assert_eq!(ERROR_CODES.last(), Some(&"serialization"));
    }

    #[test]
    fn every_family_has_a_code_and_a_distinct_name() {
        for family in ErrorFamily::ALL {
            assert!(
                ErrorCode::ALL.iter().any(|c| c.family() == *family),
                "{family}"
            );
        }
        let mut names: Vec<_> = ErrorFamily::ALL.iter().map(|f| f.as_str()).collect();
        names.dedup();
        assert_eq!(names.len(), ErrorFamily::ALL.len());
    }
}
