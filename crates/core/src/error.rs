//! The contract's error codes (CONTRACT §5) and the one error type every route answers with.

/// The largest request body any route reads (CONTRACT §4).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

use crate::bbb::{message_key, BadResponse, BbbError, BbbMessage};
use crate::config::ConfigError;
use crate::token::TokenError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    TokenMissing,
    TokenInvalid,
    AlgorithmNotAllowed,
    TokenExpired,
    TokenNotYetValid,
    TokenTooLongLived,
    IssuerMismatch,
    AudienceMismatch,
    TokenReplayed,
    ClaimInvalid,
    CreateParamNotAllowed,
    ScopeMissing,
    /// BBB refused to let this user in (the meeting is full, a guest was denied, it ended): not an outage.
    JoinRefused,
    /// A malformed API request (query parameter or body); nothing was sent to BBB.
    InvalidRequest,
    NotFound,
    MethodNotAllowed,
    /// A callback for something this worker does not know (any more): BBB stops retrying.
    Gone,
    /// A request body over [`MAX_BODY_BYTES`].
    PayloadTooLarge,
    ConfigMissing,
    /// The pool has no enabled, online server that may take the meeting (CONTRACT §8).
    NoServerAvailable,
    BbbFailed,
    BbbBadResponse,
    BbbUnreachable,
    BbbTimeout,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 25] = [
        Self::TokenMissing,
        Self::TokenInvalid,
        Self::AlgorithmNotAllowed,
        Self::TokenExpired,
        Self::TokenNotYetValid,
        Self::TokenTooLongLived,
        Self::IssuerMismatch,
        Self::AudienceMismatch,
        Self::TokenReplayed,
        Self::ClaimInvalid,
        Self::CreateParamNotAllowed,
        Self::ScopeMissing,
        Self::JoinRefused,
        Self::InvalidRequest,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Gone,
        Self::PayloadTooLarge,
        Self::ConfigMissing,
        Self::NoServerAvailable,
        Self::BbbFailed,
        Self::BbbBadResponse,
        Self::BbbUnreachable,
        Self::BbbTimeout,
        Self::Internal,
    ];

    pub fn from_name(name: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|code| code.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenMissing => "token_missing",
            Self::TokenInvalid => "token_invalid",
            Self::AlgorithmNotAllowed => "algorithm_not_allowed",
            Self::TokenExpired => "token_expired",
            Self::TokenNotYetValid => "token_not_yet_valid",
            Self::TokenTooLongLived => "token_too_long_lived",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::AudienceMismatch => "audience_mismatch",
            Self::TokenReplayed => "token_replayed",
            Self::ClaimInvalid => "claim_invalid",
            Self::CreateParamNotAllowed => "create_param_not_allowed",
            Self::ScopeMissing => "scope_missing",
            Self::JoinRefused => "join_refused",
            Self::InvalidRequest => "invalid_request",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Gone => "gone",
            Self::PayloadTooLarge => "payload_too_large",
            Self::ConfigMissing => "config_missing",
            Self::NoServerAvailable => "no_server_available",
            Self::BbbFailed => "bbb_failed",
            Self::BbbBadResponse => "bbb_bad_response",
            Self::BbbUnreachable => "bbb_unreachable",
            Self::BbbTimeout => "bbb_timeout",
            Self::Internal => "internal_error",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Self::TokenMissing | Self::ClaimInvalid | Self::CreateParamNotAllowed | Self::InvalidRequest => 400,
            Self::TokenInvalid
            | Self::AlgorithmNotAllowed
            | Self::TokenExpired
            | Self::TokenNotYetValid
            | Self::TokenTooLongLived
            | Self::IssuerMismatch
            | Self::AudienceMismatch
            | Self::TokenReplayed => 401,
            Self::ScopeMissing | Self::JoinRefused => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Gone => 410,
            Self::PayloadTooLarge => 413,
            Self::Internal => 500,
            Self::BbbFailed | Self::BbbBadResponse | Self::BbbUnreachable => 502,
            Self::ConfigMissing | Self::NoServerAvailable => 503,
            Self::BbbTimeout => 504,
        }
    }
}

/// An answer that is not a success: a code, a human message, and BBB's own words when it gave any.
/// Messages are written here from known text; none carries a secret, checksum, token or URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// BBB's `messageKey`/`message` (first of them when BBB sent a list).
    pub bbb: Option<BbbMessage>,
    /// Only the people who run bbb-edge can fix it (an LMS or deployment to register): a page
    /// says so instead of sending the person back to try again.
    pub operator_fix: bool,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError { code, message: message.into(), bbb: None, operator_fix: false }
    }

    /// See [`AppError::operator_fix`].
    pub fn for_operator(self) -> Self {
        AppError { operator_fix: true, ..self }
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// A bug or a platform failure. Its cause is logged apart; the text never carries it (it
    /// could hold a URL).
    pub fn internal() -> Self {
        AppError::new(ErrorCode::Internal, "An internal error occurred. Please try again.")
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::new(ErrorCode::NotFound, message)
    }

    pub fn method_not_allowed() -> Self {
        AppError::new(ErrorCode::MethodNotAllowed, "This method is not allowed on this path.")
    }

    pub fn no_server_available() -> Self {
        AppError::new(
            ErrorCode::NoServerAvailable,
            "No meeting server can take this meeting right now (all are full, offline, cordoned or disabled). Please try again in a few minutes.",
        )
    }

    pub fn payload_too_large() -> Self {
        AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("The request body is larger than {} KiB.", MAX_BODY_BYTES / 1024),
        )
    }

    /// Reads back what [`AppError::to_json`] wrote (across the worker/coordinator boundary).
    pub fn from_json(body: &str) -> Option<AppError> {
        #[derive(serde::Deserialize)]
        struct Wire {
            error: String,
            message: String,
            bbb: Option<BbbMessage>,
        }
        let wire: Wire = serde_json::from_str(body).ok()?;
        Some(AppError {
            code: ErrorCode::from_name(&wire.error)?,
            message: wire.message,
            bbb: wire.bbb,
            operator_fix: false,
        })
    }

    /// `{"error": code, "message": text, "bbb": {"messageKey", "message"}}` (CONTRACT §5).
    pub fn to_json(&self) -> String {
        let mut body = serde_json::json!({ "error": self.code.as_str(), "message": self.message });
        if let Some(bbb) = &self.bbb {
            body["bbb"] = serde_json::json!({ "messageKey": bbb.key, "message": bbb.message });
        }
        body.to_string()
    }
}

impl From<TokenError> for AppError {
    fn from(error: TokenError) -> Self {
        let code = match &error {
            TokenError::Missing => ErrorCode::TokenMissing,
            TokenError::Invalid => ErrorCode::TokenInvalid,
            TokenError::AlgorithmNotAllowed(_) => ErrorCode::AlgorithmNotAllowed,
            TokenError::Expired => ErrorCode::TokenExpired,
            TokenError::NotYetValid => ErrorCode::TokenNotYetValid,
            TokenError::TooLongLived { .. } => ErrorCode::TokenTooLongLived,
            TokenError::IssuerMismatch => ErrorCode::IssuerMismatch,
            TokenError::AudienceMismatch => ErrorCode::AudienceMismatch,
            TokenError::Replayed => ErrorCode::TokenReplayed,
            TokenError::ClaimInvalid(_) => ErrorCode::ClaimInvalid,
            TokenError::CreateParamNotAllowed(_) => ErrorCode::CreateParamNotAllowed,
            TokenError::ScopeMissing(_) => ErrorCode::ScopeMissing,
        };
        AppError::new(code, error.to_string())
    }
}

impl From<BbbError> for AppError {
    fn from(error: BbbError) -> Self {
        let message = error.to_string();
        match error {
            BbbError::Failed(messages) => {
                let code = if messages.first().is_some_and(|m| message_key::is_not_found(&m.key)) {
                    ErrorCode::NotFound
                } else {
                    ErrorCode::BbbFailed
                };
                AppError { code, message, bbb: messages.into_iter().next(), operator_fix: false }
            }
            BbbError::BadResponse(BadResponse::Status(_) | BadResponse::MalformedXml)
            | BbbError::BadResponse(BadResponse::NotAnApiResponse | BadResponse::MissingField(_)) => {
                AppError::new(ErrorCode::BbbBadResponse, message)
            }
            BbbError::Unreachable => AppError::new(ErrorCode::BbbUnreachable, message),
            BbbError::Timeout => AppError::new(ErrorCode::BbbTimeout, message),
        }
    }
}

impl From<&ConfigError> for AppError {
    fn from(error: &ConfigError) -> Self {
        AppError::new(ErrorCode::ConfigMissing, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_body_keeps_bbb_message_key() {
        let error = AppError::from(BbbError::Failed(vec![BbbMessage {
            key: "maxParticipantsReached".into(),
            message: "The number of participants allowed for this meeting has been reached.".into(),
        }]));
        assert_eq!(error.status(), 502);
        let body: serde_json::Value = serde_json::from_str(&error.to_json()).unwrap();
        assert_eq!(body["error"], "bbb_failed");
        assert_eq!(body["bbb"]["messageKey"], "maxParticipantsReached");
    }

    #[test]
    fn json_round_trips_every_code() {
        for code in ErrorCode::ALL {
            let mut error = AppError::new(code, "text");
            assert_eq!(AppError::from_json(&error.to_json()), Some(error.clone()));
            error.bbb = Some(BbbMessage { key: "k".into(), message: "m".into() });
            assert_eq!(AppError::from_json(&error.to_json()), Some(error));
        }
        assert_eq!(AppError::from_json(r#"{"error":"nope","message":""}"#), None);
    }

    #[test]
    fn not_found_from_bbb_is_404() {
        let error = AppError::from(BbbError::Failed(vec![BbbMessage { key: "notFound".into(), message: "x".into() }]));
        assert_eq!((error.code, error.status()), (ErrorCode::NotFound, 404));
    }

    #[test]
    fn transport_failures_are_distinct() {
        let codes: Vec<_> = [
            BbbError::Timeout,
            BbbError::Unreachable,
            BbbError::BadResponse(BadResponse::Status(500)),
            BbbError::BadResponse(BadResponse::MalformedXml),
        ]
        .into_iter()
        .map(|e| {
            let e = AppError::from(e);
            (e.code.as_str(), e.status(), e.bbb.is_none())
        })
        .collect();
        assert_eq!(
            codes,
            vec![
                ("bbb_timeout", 504, true),
                ("bbb_unreachable", 502, true),
                ("bbb_bad_response", 502, true),
                ("bbb_bad_response", 502, true)
            ]
        );
    }
}
