//! What can go wrong talking to BBB, kept apart so each gets its own clear answer (CONTRACT §5).

use std::fmt;

/// One `{key, message}` pair as BBB reports it (`messageKey`/`message`, or an `<errors>` entry).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BbbMessage {
    #[serde(rename = "messageKey", alias = "key")]
    pub key: String,
    pub message: String,
}

/// A BBB call that did not give a usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BbbError {
    /// BBB answered `FAILED`. `messages` holds the `messageKey`/`message` pair or the `<errors>` list.
    Failed(Vec<BbbMessage>),
    /// BBB answered, but not something we can use: a non-2xx status, or a body that is not BBB XML.
    BadResponse(BadResponse),
    /// Connection refused, reset or otherwise failed before an answer.
    Unreachable,
    /// No answer within the call's timeout.
    Timeout,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadResponse {
    Status(u16),
    MalformedXml,
    NotAnApiResponse,
    MissingField(&'static str),
}

impl BbbError {
    /// The first `messageKey` BBB gave, if it answered `FAILED`.
    pub fn message_key(&self) -> Option<&str> {
        match self {
            BbbError::Failed(messages) => messages.first().map(|m| m.key.as_str()),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.message_key().is_some_and(super::message_key::is_not_found)
    }

    /// BBB refused the checksum: `BBB_SECRET` or the checksum algorithm does not match.
    pub fn is_checksum_error(&self) -> bool {
        self.message_key().is_some_and(super::message_key::is_checksum_error)
    }

    /// The server refused before it could act: connection refused or reset, or a 5xx (from a
    /// proxy in front of it). Not a timeout, after which the call may have been carried out.
    pub fn is_server_refusal(&self) -> bool {
        matches!(self, BbbError::Unreachable | BbbError::BadResponse(BadResponse::Status(500..=599)))
    }

    /// BBB answered `FAILED`: a definite refusal, after which nothing was done. Any other error
    /// (timeout, lost connection, a proxy's 5xx) leaves open whether BBB acted.
    pub fn is_refusal(&self) -> bool {
        matches!(self, BbbError::Failed(_))
    }
}

impl fmt::Display for BbbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BbbError::Failed(messages) => match messages.first() {
                Some(first) => write!(f, "BBB refused the request ({}: {})", first.key, first.message),
                None => f.write_str("BBB refused the request"),
            },
            BbbError::BadResponse(BadResponse::Status(status)) => {
                write!(f, "BBB answered with HTTP status {status}")
            }
            BbbError::BadResponse(BadResponse::MalformedXml) => f.write_str("BBB's answer is not well-formed XML"),
            BbbError::BadResponse(BadResponse::NotAnApiResponse) => {
                f.write_str("BBB's answer is not an API response (no <response><returncode>)")
            }
            BbbError::BadResponse(BadResponse::MissingField(field)) => {
                write!(f, "BBB's answer lacks <{field}>")
            }
            BbbError::Unreachable => f.write_str("BBB could not be reached (connection refused or reset)"),
            BbbError::Timeout => f.write_str("BBB did not answer in time"),
        }
    }
}

impl std::error::Error for BbbError {}
