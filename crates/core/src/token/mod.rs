//! Host-app token verification with jwt-compact: algorithm allow-list, signature, exact issuer and
//! audience, time window and lifetime. The claims a route needs are read in `claims.rs`.

mod algorithm;
mod claims;
mod error;
mod jws;

pub use algorithm::{parse_allow_list, JwtAlgorithm};
pub(crate) use claims::check_scope;
pub use claims::JoinClaims;
pub use error::TokenError;
pub use jws::{Jws, MAX_JWS_BYTES};

use serde_json::{Map, Value};

use crate::secret::Secret;

/// What the operator configured for host tokens (CONTRACT §2).
#[derive(Clone, Debug)]
pub struct TokenPolicy {
    pub issuers: Vec<String>,
    pub audience: String,
    pub algorithms: Vec<JwtAlgorithm>,
    /// `JWT_SECRET`, then `JWT_SECRET_PREVIOUS` during a rotation. Empty: no HS token verifies.
    pub hmac_keys: Vec<Secret>,
    pub max_age_seconds: u64,
    pub leeway_seconds: u64,
}

/// A token whose structure and algorithm passed, its signature not yet checked.
pub struct SignedToken<'a> {
    pub algorithm: JwtAlgorithm,
    pub key_id: Option<String>,
    /// `header.payload`, the bytes the signature covers.
    pub signed_data: &'a str,
    pub signature: Vec<u8>,
    jws: Jws<'a>,
}

/// Checks asymmetric signatures. `Err` says why there was nothing to check against
/// (`token_invalid` for an unknown key, `algorithm_not_allowed` when `alg` is not the key's).
#[allow(async_fn_in_trait)]
pub trait SignatureVerifier {
    async fn verify(&self, token: &SignedToken<'_>) -> Result<bool, TokenError>;
}

/// For HS-only settings: no asymmetric signature is ever valid.
pub struct NoAsymmetricKeys;

impl SignatureVerifier for NoAsymmetricKeys {
    async fn verify(&self, _: &SignedToken<'_>) -> Result<bool, TokenError> {
        Ok(false)
    }
}

/// A token whose signature, issuer, audience and time window were checked. The remaining
/// claims are still untyped; a route parses the ones it needs (e.g. [`JoinClaims`]).
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    pub issued_at: i64,
    pub expires_at: i64,
    pub claims: Map<String, Value>,
}

impl TokenPolicy {
    /// Verifies an HS token at `now` (seconds since the epoch). The signature is checked before
    /// any claim is looked at, so an unsigned token can only ever learn `token_invalid`.
    /// Asymmetric tokens need [`TokenPolicy::verify_with`].
    pub fn verify(&self, token: &str, now: i64) -> Result<VerifiedToken, TokenError> {
        let signed = self.inspect(token)?;
        if !signed.algorithm.is_hmac() || !self.signature_matches(&signed) {
            return Err(TokenError::Invalid);
        }
        self.accept(signed, now)
    }

    /// Like [`TokenPolicy::verify`], with `verifier` checking asymmetric signatures (the host
    /// app's JWKS, in WebCrypto at the edge).
    pub async fn verify_with<V: SignatureVerifier>(
        &self,
        token: &str,
        now: i64,
        verifier: &V,
    ) -> Result<VerifiedToken, TokenError> {
        let signed = self.inspect(token)?;
        let valid =
            if signed.algorithm.is_hmac() { self.signature_matches(&signed) } else { verifier.verify(&signed).await? };
        if !valid {
            return Err(TokenError::Invalid);
        }
        self.accept(signed, now)
    }

    /// Structure and algorithm, before the signature: a compact JWS whose `alg` is allowed.
    pub fn inspect<'a>(&self, token: &'a str) -> Result<SignedToken<'a>, TokenError> {
        let jws = Jws::parse(token)?;
        let algorithm = self
            .algorithms
            .iter()
            .copied()
            .find(|alg| alg.name() == jws.alg)
            .ok_or_else(|| TokenError::AlgorithmNotAllowed(printable(&jws.alg)))?;
        Ok(SignedToken {
            algorithm,
            key_id: jws.key_id.clone(),
            signed_data: jws.signed_data,
            signature: jws.signature.clone(),
            jws,
        })
    }

    /// The claims of a token whose signature passed.
    fn accept(&self, signed: SignedToken<'_>, now: i64) -> Result<VerifiedToken, TokenError> {
        let claims = signed.jws.claims_after_signature()?;
        let issued_at = claims.issued_at.map(|t| t.timestamp());
        let expires_at = claims.expiration.map(|t| t.timestamp());
        let not_before = claims.not_before.map(|t| t.timestamp());
        let custom = claims.custom;

        self.check_issuer(&custom)?;
        self.check_audience(&custom)?;
        let expires_at = expires_at.ok_or_else(|| TokenError::ClaimInvalid("`exp` is required".into()))?;
        let issued_at = issued_at.ok_or_else(|| TokenError::ClaimInvalid("`iat` is required".into()))?;
        let leeway = self.leeway_seconds as i64;
        if now > expires_at.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if not_before.is_some_and(|nbf| nbf > now.saturating_add(leeway)) || issued_at > now.saturating_add(leeway) {
            return Err(TokenError::NotYetValid);
        }
        if expires_at < issued_at {
            return Err(TokenError::ClaimInvalid("`exp` is before `iat`".into()));
        }
        let lifetime = expires_at - issued_at;
        if lifetime > self.max_age_seconds as i64 {
            return Err(TokenError::TooLongLived { lifetime, max: self.max_age_seconds });
        }
        Ok(VerifiedToken { issued_at, expires_at, claims: custom })
    }

    fn signature_matches(&self, token: &SignedToken<'_>) -> bool {
        let keys: Vec<&Secret> = self.hmac_keys.iter().collect();
        token.jws.hmac_matches(token.algorithm, &keys)
    }

    fn check_issuer(&self, claims: &Map<String, Value>) -> Result<(), TokenError> {
        match claims.get("iss") {
            None => Err(TokenError::ClaimInvalid("`iss` is required".into())),
            Some(Value::String(iss)) if self.issuers.iter().any(|known| known == iss) => Ok(()),
            Some(Value::String(_)) => Err(TokenError::IssuerMismatch),
            Some(_) => Err(TokenError::ClaimInvalid("`iss` must be a string".into())),
        }
    }

    /// `aud` may be a string or an array of strings (RFC 7519 §4.1.3); ours must be in it exactly.
    fn check_audience(&self, claims: &Map<String, Value>) -> Result<(), TokenError> {
        let matches = |value: &Value| value.as_str() == Some(self.audience.as_str());
        match claims.get("aud") {
            None => Err(TokenError::ClaimInvalid("`aud` is required".into())),
            Some(Value::String(_)) if matches(&claims["aud"]) => Ok(()),
            Some(Value::String(_)) => Err(TokenError::AudienceMismatch),
            Some(Value::Array(list)) if list.iter().all(Value::is_string) => {
                if list.iter().any(matches) {
                    Ok(())
                } else {
                    Err(TokenError::AudienceMismatch)
                }
            }
            Some(_) => Err(TokenError::ClaimInvalid("`aud` must be a string or an array of strings".into())),
        }
    }
}

/// An attacker-chosen `alg` goes into an error message: keep it short and printable.
fn printable(alg: &str) -> String {
    alg.chars().filter(|c| c.is_ascii_graphic()).take(16).collect()
}

#[cfg(test)]
mod tests;
