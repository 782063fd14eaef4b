//! The compact JWS check every signed token goes through first (host tokens, BBB's
//! recording-ready `signed_parameters`): bounded size, three base64url parts, a JSON header,
//! no `crit` (RFC 7515 §4.1.11: the worker implements no extension, so any is refused), and
//! the HMAC check for `HS*`, with the length guard jwt-compact needs.

use jwt_compact::alg::{Hs256, Hs256Key, Hs384, Hs384Key, Hs512, Hs512Key};
use jwt_compact::{Algorithm, AlgorithmSignature, UntrustedToken};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::{JwtAlgorithm, TokenError};
use crate::secret::Secret;

/// Longer than any sane token; refusing early keeps floods of junk cheap.
pub const MAX_JWS_BYTES: usize = 8 * 1024;

/// Header fields jwt-compact does not model, that the worker must look at.
#[derive(Deserialize)]
struct Extensions {
    /// `Some` whenever the header names `crit`, even as `null`.
    #[serde(default, deserialize_with = "present")]
    crit: Option<Value>,
}

fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// A compact JWS that passed the structural checks; its signature not yet verified.
pub struct Jws<'a> {
    /// The header's `alg`, as written (compared exactly).
    pub alg: String,
    pub key_id: Option<String>,
    /// `header.payload`, the bytes the signature covers.
    pub signed_data: &'a str,
    pub signature: Vec<u8>,
    untrusted: UntrustedToken<'a, Extensions>,
}

impl<'a> Jws<'a> {
    /// Structure only: size, parts, header JSON, no `crit`. Every failure is `token_invalid`.
    pub fn parse(token: &'a str) -> Result<Jws<'a>, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Missing);
        }
        if token.len() > MAX_JWS_BYTES {
            return Err(TokenError::Invalid);
        }
        let untrusted = UntrustedToken::<Extensions>::try_from(token).map_err(|_| TokenError::Invalid)?;
        if untrusted.header().other_fields.crit.is_some() {
            return Err(TokenError::Invalid);
        }
        let (signed_data, _) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        Ok(Jws {
            alg: untrusted.algorithm().to_owned(),
            key_id: untrusted.header().key_id.clone(),
            signed_data,
            signature: untrusted.signature_bytes().to_vec(),
            untrusted,
        })
    }

    /// Whether the signature is `algorithm`'s HMAC under one of `keys` (false for asymmetric ones).
    pub fn hmac_matches(&self, algorithm: JwtAlgorithm, keys: &[&Secret]) -> bool {
        keys.iter().any(|key| hmac_matches(algorithm, key, &self.signature, self.signed_data.as_bytes()))
    }

    /// The claims, once a signature passed: only then is the payload trusted enough to be read.
    pub fn claims_after_signature(self) -> Result<jwt_compact::Claims<Map<String, Value>>, TokenError> {
        self.untrusted.deserialize_claims_unchecked::<Map<String, Value>>().map_err(|_| {
            TokenError::ClaimInvalid("the payload must be a JSON object with integer exp, nbf and iat".into())
        })
    }
}

fn hmac_matches(algorithm: JwtAlgorithm, key: &Secret, signature: &[u8], signed_data: &[u8]) -> bool {
    let key = key.expose().as_bytes();
    match algorithm {
        JwtAlgorithm::Hs256 => verify(Hs256, &Hs256Key::new(key), signature, signed_data),
        JwtAlgorithm::Hs384 => verify(Hs384, &Hs384Key::new(key), signature, signed_data),
        JwtAlgorithm::Hs512 => verify(Hs512, &Hs512Key::new(key), signature, signed_data),
        JwtAlgorithm::Es256 | JwtAlgorithm::EdDsa | JwtAlgorithm::Rs256 => false,
    }
}

/// Checks the length first: jwt-compact's HMAC `try_from_slice` panics on a wrong-length slice.
fn verify<A: Algorithm>(algorithm: A, key: &A::VerifyingKey, signature: &[u8], signed_data: &[u8]) -> bool {
    if A::Signature::LENGTH.is_some_and(|len| len.get() != signature.len()) {
        return false;
    }
    match A::Signature::try_from_slice(signature) {
        Ok(signature) => algorithm.verify_signature(&signature, key, signed_data),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64ct::{Base64UrlUnpadded, Encoding};

    fn token(header: &str) -> String {
        let head = Base64UrlUnpadded::encode_string(header.as_bytes());
        let body = Base64UrlUnpadded::encode_string(b"{}");
        format!("{head}.{body}.c2ln")
    }

    #[test]
    fn crit_in_any_form_is_refused() {
        assert!(Jws::parse(&token(r#"{"alg":"HS256"}"#)).is_ok());
        for header in [
            r#"{"alg":"HS256","crit":["x-ext"],"x-ext":1}"#,
            r#"{"alg":"HS256","crit":[]}"#,
            r#"{"alg":"HS256","crit":null}"#,
            r#"{"alg":"HS256","crit":"exp"}"#,
        ] {
            assert_eq!(Jws::parse(&token(header)).err(), Some(TokenError::Invalid), "{header}");
        }
    }

    #[test]
    fn structure_and_size() {
        assert_eq!(Jws::parse("").err(), Some(TokenError::Missing));
        for junk in ["a", "a.b", "a.b.c.d", "!!.!!.!!", &token("not json")] {
            assert_eq!(Jws::parse(junk).err(), Some(TokenError::Invalid), "{junk}");
        }
        let long = token(&format!(r#"{{"alg":"HS256","pad":"{}"}}"#, "x".repeat(MAX_JWS_BYTES)));
        assert_eq!(Jws::parse(&long).err(), Some(TokenError::Invalid));
    }

    #[test]
    fn a_wrong_length_hmac_signature_is_false_not_a_panic() {
        let token = token(r#"{"alg":"HS256"}"#);
        let jws = Jws::parse(&token).unwrap();
        assert!(!jws.hmac_matches(JwtAlgorithm::Hs256, &[&Secret::new("k")]));
    }
}
