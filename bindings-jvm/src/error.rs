//! Error conversion: every core error as its family's variant of [`NativeError`], and the
//! stable error codes.

use std::fmt;

use glorycard_client::ClientError;
use glorycard_core as core;
use glorycard_durable::DurableError;

/// Every error of the core for the JVM: one variant per core [`core::ErrorFamily`], each
/// with the stable `code` and the message, plus the body offset or model field where the
/// family has one.
///
/// uniffi generates the sealed class `org.glorycard.ffi.NativeException` with one subclass
/// per variant; the facade's `native { }` (Errors.kt) turns each into the public class of
/// its family (`org.glorycard.InvalidBodyException`, ...) with an exhaustive `when` on
/// that sealed class, so a family added here does not compile there until it has a class.
#[derive(Debug, uniffi::Error)]
pub enum NativeError {
    /// [`core::ErrorFamily::InvalidBody`]: Kotlin `InvalidBodyException`.
    InvalidBody {
        /// The stable code (`invalid_json`, `too_deep`, ...).
        code: String,
        /// The core's message (never contains a key, certNo or certName).
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
        /// Byte offset into the body, for body errors that have one.
        offset: Option<u64>,
    },
    /// [`core::ErrorFamily::InvalidTimestamp`]: Kotlin `InvalidTimestampException`.
    InvalidTimestamp {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
    },
    /// [`core::ErrorFamily::Signature`]: Kotlin `SignatureException`.
    Signature {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
    },
    /// [`core::ErrorFamily::Validation`]: Kotlin `ValidationException`.
    Validation {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
        /// The wire name of the invalid field, for `invalid_field`.
        field: Option<String>,
    },
    /// [`core::ErrorFamily::Key`]: Kotlin `KeyException`.
    Key {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
    },
    /// The platform could not be reached, or answered with an HTTP error or not in time
    /// (`timeout`, `connect`, `http_status`, `transport`): Kotlin `TransportException`.
    Transport {
        /// The stable code.
        code: String,
        /// The client's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
        /// True when trying again later may succeed.
        retryable: bool,
        /// The HTTP status, for `http_status`.
        http_status: Option<i32>,
    },
    /// The platform refused the request (`platform_rejected`, `responseFlag` "0"):
    /// Kotlin `PlatformRejectedException`.
    PlatformRejected {
        /// The stable code.
        code: String,
        /// The client's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
        /// The platform's `responseMessage`.
        platform_message: String,
    },
    /// An answer arrived but cannot be trusted: its signature failed (the core's
    /// signature codes), it was unsigned (`unsigned_response`) or malformed
    /// (`invalid_response`): Kotlin `UntrustedResponseException`. Whether the request was
    /// applied is unknown.
    UntrustedResponse {
        /// The stable code.
        code: String,
        /// The client's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
        /// True when trying again later may succeed.
        retryable: bool,
    },
    /// The client's configuration is unusable (`config`): Kotlin `ConfigException`.
    Config {
        /// The stable code.
        code: String,
        /// The client's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
    },
    /// An outbox or replica file failed, or the request contradicts what it holds
    /// (`storage`, `conflict`): Kotlin `StorageException`.
    Storage {
        /// The stable code.
        code: String,
        /// The store's message (never a stored value).
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
    },
    /// A family this binding does not know yet (`ErrorFamily` is non-exhaustive): Kotlin
    /// `GlorycardException` itself.
    Other {
        /// The stable code.
        code: String,
        /// The core's message.
        detail: String,
        /// The same message in Chinese (简体中文), from the core, client or store.
        detail_zh: String,
        /// Byte offset into the body, where there is one.
        offset: Option<u64>,
        /// The wire name of the invalid field, where there is one.
        field: Option<String>,
    },
}

impl NativeError {
    /// The stable code.
    pub fn code(&self) -> &str {
        match self {
            NativeError::InvalidBody { code, .. }
            | NativeError::InvalidTimestamp { code, .. }
            | NativeError::Signature { code, .. }
            | NativeError::Validation { code, .. }
            | NativeError::Key { code, .. }
            | NativeError::Transport { code, .. }
            | NativeError::PlatformRejected { code, .. }
            | NativeError::UntrustedResponse { code, .. }
            | NativeError::Config { code, .. }
            | NativeError::Storage { code, .. }
            | NativeError::Other { code, .. } => code,
        }
    }

    /// The message.
    pub fn detail(&self) -> &str {
        match self {
            NativeError::InvalidBody { detail, .. }
            | NativeError::InvalidTimestamp { detail, .. }
            | NativeError::Signature { detail, .. }
            | NativeError::Validation { detail, .. }
            | NativeError::Key { detail, .. }
            | NativeError::Transport { detail, .. }
            | NativeError::PlatformRejected { detail, .. }
            | NativeError::UntrustedResponse { detail, .. }
            | NativeError::Config { detail, .. }
            | NativeError::Storage { detail, .. }
            | NativeError::Other { detail, .. } => detail,
        }
    }
}

impl NativeError {
    /// The message in Chinese.
    pub fn detail_zh(&self) -> &str {
        match self {
            NativeError::InvalidBody { detail_zh, .. }
            | NativeError::InvalidTimestamp { detail_zh, .. }
            | NativeError::Signature { detail_zh, .. }
            | NativeError::Validation { detail_zh, .. }
            | NativeError::Key { detail_zh, .. }
            | NativeError::Transport { detail_zh, .. }
            | NativeError::PlatformRejected { detail_zh, .. }
            | NativeError::UntrustedResponse { detail_zh, .. }
            | NativeError::Config { detail_zh, .. }
            | NativeError::Storage { detail_zh, .. }
            | NativeError::Other { detail_zh, .. } => detail_zh,
        }
    }
}

impl fmt::Display for NativeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

impl std::error::Error for NativeError {}

impl From<core::Error> for NativeError {
    fn from(error: core::Error) -> Self {
        NativeError::of_family(
            error.code(),
            error.to_string(),
            error.message_zh(),
            error.offset().map(|o| o as u64),
            error.field().map(str::to_string),
        )
    }
}

impl From<ClientError> for NativeError {
    fn from(error: ClientError) -> Self {
        let code = error.code().to_string();
        let retryable = error.is_retryable();
        let detail = error.to_string();
        let detail_zh = error.message_zh();
        match error {
            ClientError::Core(error) => error.into(),
            ClientError::Timeout { .. } | ClientError::Connect { .. } => NativeError::Transport {
                code,
                detail,
                detail_zh,
                retryable,
                http_status: None,
            },
            ClientError::HttpStatus { status, .. } => NativeError::Transport {
                code,
                detail,
                detail_zh,
                retryable,
                http_status: Some(i32::from(status)),
            },
            ClientError::PlatformRejected { message } => NativeError::PlatformRejected {
                code,
                detail,
                detail_zh,
                platform_message: message,
            },
            ClientError::ResponseSignature { .. }
            | ClientError::UnsignedResponse { .. }
            | ClientError::InvalidResponse { .. } => NativeError::UntrustedResponse {
                code,
                detail,
                detail_zh,
                retryable,
            },
            ClientError::Config { .. } => NativeError::Config {
                code,
                detail,
                detail_zh,
            },
            // Transport, and variants added later (ClientError is non-exhaustive).
            _ => NativeError::Transport {
                code,
                detail,
                detail_zh,
                retryable,
                http_status: None,
            },
        }
    }
}

impl From<DurableError> for NativeError {
    fn from(error: DurableError) -> Self {
        match error {
            DurableError::Core(error) => error.into(),
            DurableError::Client(error) => error.into(),
            other => NativeError::Storage {
                code: other.code().to_string(),
                detail: other.to_string(),
                detail_zh: other.message_zh(),
            },
        }
    }
}

impl NativeError {
    /// The variant of `code`'s family, with the offset or field where the family has one.
    fn of_family(
        code: core::ErrorCode,
        detail: String,
        detail_zh: String,
        offset: Option<u64>,
        field: Option<String>,
    ) -> Self {
        let code_text = code.as_str().to_string();
        match code.family() {
            core::ErrorFamily::InvalidBody => NativeError::InvalidBody {
                code: code_text,
                detail,
                detail_zh,
                offset,
            },
            core::ErrorFamily::InvalidTimestamp => NativeError::InvalidTimestamp {
                code: code_text,
                detail,
                detail_zh,
            },
            core::ErrorFamily::Signature => NativeError::Signature {
                code: code_text,
                detail,
                detail_zh,
            },
            core::ErrorFamily::Validation => NativeError::Validation {
                code: code_text,
                detail,
                detail_zh,
                field,
            },
            core::ErrorFamily::Key => NativeError::Key {
                code: code_text,
                detail,
                detail_zh,
            },
            // ErrorFamily is non_exhaustive: a family added later still crosses the FFI.
            _ => NativeError::Other {
                code: code_text,
                detail,
                detail_zh,
                offset,
                field,
            },
        }
    }
}

pub(crate) type Result<T> = std::result::Result<T, NativeError>;

/// The message of an error made from its code alone (`error_of_code`, the JNI path's
/// `throwCode`), in English and in Chinese.
pub(crate) fn describe_code(code: core::ErrorCode) -> (String, String) {
    (
        format!("an error of code {code} (family {})", code.family()),
        format!("错误代码 {code}（类别 {}）", code.family()),
    )
}

/// Every stable error code of the core, in declaration order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

/// Fails with an error of `code` (its family's variant), so that the facade can tell which
/// exception class a code arrives as without a table of its own; `Ok` for a string that is
/// not a code.
#[uniffi::export]
pub fn error_of_code(code: String) -> Result<()> {
    match code.parse::<core::ErrorCode>() {
        Ok(code) => {
            let (detail, detail_zh) = describe_code(code);
            Err(NativeError::of_family(code, detail, detail_zh, None, None))
        }
        Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{deduction_from_json, deduction_to_json, deduction_validate};
    use crate::signing::canonicalize;

    #[test]
    fn every_code_crosses_as_its_family_variant() {
        for code in core::ErrorCode::ALL {
            let error = error_of_code(code.as_str().to_string()).unwrap_err();
            assert_eq!(error.code(), code.as_str());
            assert!(!matches!(error, NativeError::Other { .. }), "{code}");
        }
        assert!(error_of_code("no_such_code".to_string()).is_ok());
    }

    /// The Chinese crosses with every error: the core's, the client's and the stores'.
    #[test]
    fn every_error_carries_its_chinese_message() {
        for code in core::ErrorCode::ALL {
            let error = error_of_code(code.as_str().to_string()).unwrap_err();
            assert!(error.detail_zh().starts_with("错误代码 "), "{code}");
        }
        let core_error: NativeError = core::Error::EmptyKey.into();
        assert_eq!(core_error.detail_zh(), "密钥为空");
        let client: NativeError = ClientError::HttpStatus {
            status: 503,
            attempts: 2,
        }
        .into();
        assert_eq!(client.code(), "http_status");
        assert_eq!(client.detail_zh(), "2 次尝试后收到 HTTP 状态码 503");
        let wrapped: NativeError =
            DurableError::Client(ClientError::Core(core::Error::SignatureMismatch)).into();
        assert_eq!(wrapped.code(), "signature_mismatch");
        assert_eq!(
            wrapped.detail_zh(),
            "签名不匹配：sign 与报文、密钥和时间戳不符"
        );
        let storage: NativeError = DurableError::Storage {
            reason: "disk full".into(),
        }
        .into();
        assert_eq!(
            (storage.code(), storage.detail(), storage.detail_zh()),
            ("storage", "storage: disk full", "存储错误：disk full")
        );
    }

    #[test]
    fn core_errors_keep_code_family_offset_and_field() {
        let NativeError::InvalidBody { code, offset, .. } =
            canonicalize(b"{\"a\":1,}".to_vec()).unwrap_err()
        else {
            panic!("not an InvalidBody")
        };
        assert_eq!(code, "invalid_json");
        assert!(offset.is_some());

        let mut deduction = deduction_from_json(
            r#"{"orgCode":"106607","certType":"0","certNo":"11010519491231002X","certName":"张三","deductionID":"D-1","totalFee":"10.00","deductionFee":"10.00","deductionTime":"2024-02-29 23:59:59","gloryType":"1","deductionType":"0"}"#.to_string(),
        )
        .unwrap();
        assert!(
            deduction_validate(
                deduction_from_json(deduction_to_json(deduction.clone()).unwrap()).unwrap()
            )
            .is_ok()
        );
        deduction.total_fee = "9.99".to_string();
        let NativeError::Validation {
            code,
            field,
            detail,
            detail_zh,
        } = deduction_validate(deduction).unwrap_err()
        else {
            panic!("not a Validation")
        };
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("invalid_field", Some("deductionFee"))
        );
        assert!(!detail.contains("11010519491231002X"));
        assert_eq!(detail_zh, "字段 deductionFee 无效：不能超过 totalFee");
    }
}
