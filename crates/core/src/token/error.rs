//! Why a token was refused. Each variant is one contract error code (CONTRACT §5).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    Missing,
    /// Not a compact JWS, a bad signature, or an unknown key.
    Invalid,
    AlgorithmNotAllowed(String),
    Expired,
    NotYetValid,
    TooLongLived {
        lifetime: i64,
        max: u64,
    },
    IssuerMismatch,
    AudienceMismatch,
    Replayed,
    /// A required claim is missing or malformed; the text names the claim, never its value.
    ClaimInvalid(String),
    CreateParamNotAllowed(String),
    ScopeMissing(&'static str),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("No token was given. Open the join link from your application again."),
            Self::Invalid => f.write_str("The token is not a valid signed token."),
            Self::AlgorithmNotAllowed(alg) => write!(f, "Tokens signed with {alg:?} are not accepted."),
            Self::Expired => f.write_str("The token has expired. Open the join link from your application again."),
            Self::NotYetValid => f.write_str("The token is not valid yet. Check the clocks of the host application."),
            Self::TooLongLived { lifetime, max } => {
                write!(f, "The token lives {lifetime} s (exp - iat); at most {max} s is accepted.")
            }
            Self::IssuerMismatch => f.write_str("The token's issuer (iss) is not accepted."),
            Self::AudienceMismatch => f.write_str("The token's audience (aud) is not this service."),
            Self::Replayed => {
                f.write_str("This join token was already used. Open the join link from your application again.")
            }
            Self::ClaimInvalid(reason) => write!(f, "The token is missing a claim or has a malformed one: {reason}."),
            Self::CreateParamNotAllowed(key) => write!(f, "The create parameter {key:?} may not be set by a token."),
            Self::ScopeMissing(scope) => write!(f, "The token's scope does not include {scope:?}."),
        }
    }
}

impl std::error::Error for TokenError {}
