//! The stores' error: what storage adds to the client's and the core's errors.

use glorycard_client::ClientError;
use glorycard_core::Lang;

/// Everything a replica or an outbox call can end with, other than success.
///
/// [`code`](DurableError::code) is stable: `storage` and `conflict` for the stores
/// themselves, and the client's and the core's codes for a call that failed there (a sync
/// or a drain that could not reach the platform, a record that does not validate).
/// Messages never contain the key, a `certNo` or a `certName`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DurableError {
    /// The local database of a replica or an outbox failed (I/O, a file that is not
    /// this kind of database, a newer schema). Nothing was half-written: every change is
    /// one SQLite transaction.
    #[error("storage: {reason}")]
    Storage {
        /// What failed (SQLite's message; never a stored value).
        reason: String,
    },
    /// The request contradicts what is already stored: another record under a
    /// `deductionID` the outbox holds, or a second drain of the same outbox.
    #[error("conflict: {reason}")]
    Conflict {
        /// What conflicts (ids only, no personal data).
        reason: String,
    },
    /// A record failed the core's validation (nothing was stored).
    #[error(transparent)]
    Core(#[from] glorycard_core::Error),
    /// A call to the platform failed (a sync's page, a drain's failure every item shares).
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl DurableError {
    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            DurableError::Storage { .. } => "storage",
            DurableError::Conflict { .. } => "conflict",
            DurableError::Core(error) => error.code().as_str(),
            DurableError::Client(error) => error.code(),
        }
    }

    /// The message in `lang`: English is this error's `Display`; Chinese is written here,
    /// beside each code (the client's and the core's errors say theirs themselves).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (DurableError::Core(error), _) => error.message(lang),
            (DurableError::Client(error), _) => error.message(lang),
            (DurableError::Storage { reason }, Lang::Chinese) => format!("存储错误：{reason}"),
            (DurableError::Conflict { reason }, Lang::Chinese) => format!("冲突：{reason}"),
            _ => self.to_string(),
        }
    }

    /// The message in Chinese (简体中文): [`message`](DurableError::message) with
    /// [`Lang::Chinese`].
    pub fn message_zh(&self) -> String {
        self.message(Lang::Chinese)
    }

    /// True when trying again later may succeed: the client's retryable failures. A
    /// storage error, a conflict or an invalid record would fail the same way.
    pub fn is_retryable(&self) -> bool {
        match self {
            DurableError::Client(error) => error.is_retryable(),
            DurableError::Storage { .. }
            | DurableError::Conflict { .. }
            | DurableError::Core(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_chinese_message_and_keeps_its_code() {
        let errors = [
            DurableError::Storage {
                reason: "disk I/O error".into(),
            },
            DurableError::Conflict {
                reason: "deductionID D-1 holds another record".into(),
            },
            DurableError::Core(glorycard_core::Error::EmptyKey),
            DurableError::Client(ClientError::HttpStatus {
                status: 500,
                attempts: 1,
            }),
        ];
        let chinese: Vec<String> = errors.iter().map(DurableError::message_zh).collect();
        assert_eq!(
            chinese,
            [
                "存储错误：disk I/O error",
                "冲突：deductionID D-1 holds another record",
                "密钥为空",
                "1 次尝试后收到 HTTP 状态码 500",
            ]
        );
        let codes: Vec<&str> = errors.iter().map(DurableError::code).collect();
        assert_eq!(codes, ["storage", "conflict", "empty_key", "http_status"]);
        for error in &errors {
            assert_eq!(error.message(Lang::English), error.to_string());
        }
    }
}
