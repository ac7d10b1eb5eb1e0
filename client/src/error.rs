//! The client's error: the core's errors plus what HTTP and the platform add.

use std::fmt;
use std::time::Duration;

use glorycard_core::Lang;

/// An underlying error kept as a [`ClientError`]'s source.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a call to the platform (or an institution) can end with, other than success.
///
/// [`code`](ClientError::code) is stable: the core's codes for signing, verification and
/// validation, plus `timeout`, `connect`, `http_status`, `platform_rejected`,
/// `unsigned_response`, `invalid_response`, `config`, `transport` and `stopped` (the durable stores'
/// own `storage` and `conflict` are in `glorycard-durable`). Messages never contain
/// the key, a `certNo` or a `certName`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// Signing, verification or validation failed in the core (the request was not sent,
    /// or the response failed verification).
    #[error("{0}")]
    Core(#[from] glorycard_core::Error),
    /// The response's signature did not verify, so it was not trusted.
    #[error("response signature rejected: {source}{}", unverified_hint(.unverified_message))]
    ResponseSignature {
        /// Why verification failed.
        source: glorycard_core::Error,
        /// The `responseMessage` of the untrusted response, when it has one. It is shown
        /// because the usual cause is a wrong key on this side, and the platform's own
        /// refusal ("签名错误") says so; it must not be acted on.
        unverified_message: Option<String>,
    },
    /// No attempt finished inside the configured timeouts.
    #[error("timeout after {attempts} attempt(s) in {elapsed:?}")]
    Timeout {
        /// Attempts made.
        attempts: u32,
        /// Time spent on all attempts and backoff.
        elapsed: Duration,
    },
    /// The platform could not be reached (connection refused, reset, closed, TLS failure).
    #[error("cannot reach the platform after {attempts} attempt(s): {reason}")]
    Connect {
        /// Attempts made.
        attempts: u32,
        /// The last transport error, with its causes, on one line.
        reason: String,
        /// The last transport error itself (a `reqwest::Error`).
        #[source]
        source: Option<BoxError>,
    },
    /// The platform answered with an HTTP status other than 200.
    #[error("HTTP status {status} after {attempts} attempt(s)")]
    HttpStatus {
        /// The last status received.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The platform answered `responseFlag` "0": a business refusal, never retried.
    #[error("platform_rejected: {message}")]
    PlatformRejected {
        /// The platform's `responseMessage`.
        message: String,
    },
    /// The response carried no `sid`/`timestamp`/`sign` headers and the client requires
    /// signed responses (the document's rule). Enable
    /// [`ClientBuilder::accept_unsigned_responses`](crate::ClientBuilder::accept_unsigned_responses)
    /// only where a deployment's platform does not sign its responses.
    #[error(
        "unsigned_response: the response has no {missing} header; the platform must sign responses (accept_unsigned_responses allows this deployment quirk)"
    )]
    UnsignedResponse {
        /// The first missing header.
        missing: &'static str,
    },
    /// The response is signed but not a well-formed platform response.
    #[error("invalid response: {reason}")]
    InvalidResponse {
        /// What is wrong with it (no personal data).
        reason: String,
    },
    /// The client's configuration is unusable.
    #[error("invalid configuration: {reason}")]
    Config {
        /// What is wrong.
        reason: String,
        /// The error it comes from, where there is one (a URL or PEM that does not parse,
        /// an HTTP client or runtime that cannot be built).
        #[source]
        source: Option<BoxError>,
    },
    /// The caller's [`AttemptGate`](crate::AttemptGate) refused an attempt: nothing more
    /// was sent. Attempts made before it (`attempts`) may have been applied.
    #[error("stopped before attempt {}: {reason}", .attempts + 1)]
    Stopped {
        /// Attempts made before the gate refused (0: nothing was sent).
        attempts: u32,
        /// The gate's reason.
        reason: String,
    },
    /// Any other transport failure (reading the body, decoding).
    #[error("transport error: {reason}")]
    Transport {
        /// The underlying error, with its causes, on one line.
        reason: String,
        /// The underlying error itself, where there is one (a `reqwest::Error`, a task's
        /// `JoinError`).
        #[source]
        source: Option<BoxError>,
    },
}

impl ClientError {
    /// A [`ClientError::Transport`] for `source`, its message as the reason.
    pub fn transport(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        ClientError::Transport {
            reason: source.to_string(),
            source: Some(Box::new(source)),
        }
    }

    /// The stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Core(error) => error.code().as_str(),
            ClientError::ResponseSignature { source, .. } => source.code().as_str(),
            ClientError::Timeout { .. } => "timeout",
            ClientError::Connect { .. } => "connect",
            ClientError::HttpStatus { .. } => "http_status",
            ClientError::PlatformRejected { .. } => "platform_rejected",
            ClientError::UnsignedResponse { .. } => "unsigned_response",
            ClientError::InvalidResponse { .. } => "invalid_response",
            ClientError::Config { .. } => "config",
            ClientError::Transport { .. } => "transport",
            ClientError::Stopped { .. } => "stopped",
        }
    }

    /// The message in `lang`: English is this error's `Display`; Chinese is written here,
    /// beside the code of each variant (the core's errors say theirs in the core). The
    /// values named are the same in both, and no key, `certNo` or `certName` is among them.
    pub fn message(&self, lang: Lang) -> String {
        let Lang::Chinese = lang else {
            return self.to_string();
        };
        match self {
            ClientError::Core(error) => error.message(lang),
            ClientError::ResponseSignature {
                source,
                unverified_message,
            } => {
                let hint = match unverified_message {
                    Some(message) => {
                        format!("；未经验证的响应称 {message:?}（通常是本方的密钥或 sid 配置错误）")
                    }
                    None => String::new(),
                };
                format!("响应签名被拒绝：{}{hint}", source.message(lang))
            }
            ClientError::Timeout { attempts, elapsed } => {
                format!("{attempts} 次尝试后超时，共用时 {elapsed:?}")
            }
            ClientError::Connect {
                attempts, reason, ..
            } => {
                format!("{attempts} 次尝试后仍无法连接平台：{reason}")
            }
            ClientError::HttpStatus { status, attempts } => {
                format!("{attempts} 次尝试后收到 HTTP 状态码 {status}")
            }
            ClientError::PlatformRejected { message } => {
                format!("platform_rejected：平台拒绝了请求：{message}")
            }
            ClientError::UnsignedResponse { missing } => format!(
                "unsigned_response：响应缺少 {missing} 请求头；平台必须对响应签名\
                 （accept_unsigned_responses 可放行此部署的特殊情况）"
            ),
            ClientError::InvalidResponse { reason } => format!("响应无效：{reason}"),
            ClientError::Config { reason, .. } => format!("配置无效：{reason}"),
            ClientError::Stopped { attempts, reason } => {
                format!("在第 {} 次尝试前停止：{reason}", attempts + 1)
            }
            ClientError::Transport { reason, .. } => format!("传输错误：{reason}"),
        }
    }

    /// The message in Chinese (简体中文): [`message`](ClientError::message) with
    /// [`Lang::Chinese`].
    pub fn message_zh(&self) -> String {
        self.message(Lang::Chinese)
    }

    /// True for failures where the request may or may not have been applied, so a later
    /// retry (with the same business key) is the right reaction: transport failures,
    /// timeouts, 429/5xx, and answers that could not be trusted. False for refusals that a
    /// retry cannot change (validation, `platform_rejected`, other HTTP statuses,
    /// configuration). The client's own retry loop retries only the transport failures,
    /// timeouts and 429/5xx: an untrusted answer would most likely come back the same.
    pub fn is_retryable(&self) -> bool {
        match self {
            ClientError::Timeout { .. }
            | ClientError::Connect { .. }
            | ClientError::Transport { .. }
            | ClientError::ResponseSignature { .. }
            | ClientError::UnsignedResponse { .. }
            | ClientError::InvalidResponse { .. } => true,
            ClientError::HttpStatus { status, .. } => *status == 429 || *status >= 500,
            ClientError::Core(_)
            | ClientError::PlatformRejected { .. }
            | ClientError::Config { .. }
            // The caller stopped the call on purpose: whether to try again is its decision.
            | ClientError::Stopped { .. } => false,
        }
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        ClientError::Config {
            reason: reason.into(),
            source: None,
        }
    }

    /// `config` with the error it comes from: `reason` is what was being configured, and
    /// the message is `reason: source` as before.
    pub(crate) fn config_from(
        reason: impl fmt::Display,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        ClientError::Config {
            reason: format!("{reason}: {source}"),
            source: Some(Box::new(source)),
        }
    }
}

fn unverified_hint(message: &Option<String>) -> String {
    match message {
        Some(message) => format!(
            "; the unverified response says {message:?} (a wrong key or sid on this side is the usual cause)"
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn every_variant_has_a_chinese_message_and_keeps_its_code() {
        let errors = [
            ClientError::Core(glorycard_core::Error::EmptyKey),
            ClientError::ResponseSignature {
                source: glorycard_core::Error::SignatureMismatch,
                unverified_message: Some("签名错误".into()),
            },
            ClientError::Timeout {
                attempts: 3,
                elapsed: Duration::from_millis(1500),
            },
            ClientError::Connect {
                attempts: 2,
                reason: "connection refused".into(),
                source: None,
            },
            ClientError::HttpStatus {
                status: 503,
                attempts: 3,
            },
            ClientError::PlatformRejected {
                message: "重复扣款".into(),
            },
            ClientError::UnsignedResponse { missing: "sign" },
            ClientError::InvalidResponse {
                reason: "not JSON".into(),
            },
            ClientError::config("sid is required"),
            ClientError::Stopped {
                attempts: 1,
                reason: "shutting down".into(),
            },
            ClientError::Transport {
                reason: "reset".into(),
                source: None,
            },
        ];
        let chinese: Vec<String> = errors.iter().map(ClientError::message_zh).collect();
        assert_eq!(
            chinese,
            [
                "密钥为空",
                "响应签名被拒绝：签名不匹配：sign 与报文、密钥和时间戳不符；未经验证的响应称 \"签名错误\"（通常是本方的密钥或 sid 配置错误）",
                "3 次尝试后超时，共用时 1.5s",
                "2 次尝试后仍无法连接平台：connection refused",
                "3 次尝试后收到 HTTP 状态码 503",
                "platform_rejected：平台拒绝了请求：重复扣款",
                "unsigned_response：响应缺少 sign 请求头；平台必须对响应签名（accept_unsigned_responses 可放行此部署的特殊情况）",
                "响应无效：not JSON",
                "配置无效：sid is required",
                "在第 2 次尝试前停止：shutting down",
                "传输错误：reset",
            ]
        );
        for error in &errors {
            assert_eq!(error.message(Lang::English), error.to_string());
        }
    }

    #[test]
    fn config_keeps_the_parse_error_as_its_source() {
        let error = crate::Client::builder("not a url")
            .build()
            .map(|_| ())
            .unwrap_err();
        assert_eq!(error.code(), "config");
        let source = error.source().expect("the URL's parse error");
        assert_eq!(
            error.to_string(),
            format!("invalid configuration: base URL \"not a url\": {source}")
        );
        assert!(ClientError::config("sid is required").source().is_none());
    }
}
