//! Host apps' public keys (`JWT_JWKS_URL`) for asymmetric tokens: which keys of a JWKS are
//! usable, which key a token names, and when the cached set must be fetched again. Pure: the
//! fetching and the signature check are the edge's (WebCrypto in workerd).
//!
//! Policy, strict by design:
//! - the algorithm is bound to the key: RSA → RS256, EC P-256 → ES256, OKP Ed25519 → EdDSA; a
//!   key's `alg`, when present, must say the same; a token whose `alg` is not its key's is refused;
//! - RSA moduli under 2048 bits, other curves, symmetric (`oct`) keys, `use` other than `sig`
//!   and `key_ops` without `verify` are left out, each with a reason;
//! - an unknown `kid` triggers at most one refresh per `JWKS_REFRESH_MIN_SECONDS`; in between it
//!   is answered from the cache (negative caching), so a flood of made-up kids cannot make the
//!   worker fetch per request.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Map, Value};

use crate::mac::{self, Purpose};
use crate::secret::Secret;
use crate::token::JwtAlgorithm;

/// How long a fetched set is used before it is fetched again (also without an unknown kid).
pub const TTL_SECONDS: i64 = 3600;

/// One usable public key, with the algorithm it is bound to. `jwk` is the key as published,
/// for `crypto.subtle.importKey("jwk", …)`.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicKey {
    pub kid: Option<String>,
    pub algorithm: JwtAlgorithm,
    pub jwk: Map<String, Value>,
}

/// A parsed JWKS: the usable keys, and why the others were left out (for `/healthz` and logs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeySet {
    pub keys: Vec<PublicKey>,
    pub skipped: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidJwks(pub String);

impl KeySet {
    pub fn parse(document: &str) -> Result<KeySet, InvalidJwks> {
        let value: Value = serde_json::from_str(document).map_err(|_| InvalidJwks("not JSON".into()))?;
        let keys = value.get("keys").and_then(Value::as_array).ok_or_else(|| InvalidJwks("no `keys` array".into()))?;
        let mut set = KeySet::default();
        for (index, key) in keys.iter().enumerate() {
            let Some(jwk) = key.as_object() else {
                set.skipped.push(format!("key {index}: not an object"));
                continue;
            };
            match usable(jwk) {
                Ok(algorithm) => set.keys.push(PublicKey {
                    kid: jwk.get("kid").and_then(Value::as_str).map(str::to_owned),
                    algorithm,
                    jwk: jwk.clone(),
                }),
                Err(reason) => {
                    let kid = jwk.get("kid").and_then(Value::as_str).unwrap_or("(no kid)");
                    set.skipped.push(format!("key {index} {kid:?}: {reason}"));
                }
            }
        }
        Ok(set)
    }

    /// The key for a token's `kid` and `alg`.
    pub fn select(&self, kid: Option<&str>, alg: &str) -> Result<&PublicKey, KeyError> {
        let candidates: Vec<&PublicKey> = match kid {
            Some(kid) => self.keys.iter().filter(|k| k.kid.as_deref() == Some(kid)).collect(),
            // Without a kid, only an unambiguous set will do.
            None => self.keys.iter().collect(),
        };
        match candidates.as_slice() {
            [] => Err(KeyError::UnknownKey),
            [key] if key.algorithm.name() == alg => Ok(key),
            [_] => Err(KeyError::AlgorithmMismatch),
            many => {
                let matching: Vec<_> = many.iter().filter(|k| k.algorithm.name() == alg).collect();
                match matching.as_slice() {
                    [key] if kid.is_some() => Ok(key),
                    [] => Err(KeyError::AlgorithmMismatch),
                    _ => Err(KeyError::UnknownKey),
                }
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// No key with that kid (or no kid and no single key): `token_invalid`, maybe after a refresh.
    UnknownKey,
    /// The token's `alg` is not its key's: `algorithm_not_allowed`.
    AlgorithmMismatch,
}

fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let encoded = text(jwk, name).ok_or_else(|| format!("no `{name}`"))?;
    Base64UrlUnpadded::decode_vec(encoded).map_err(|_| format!("`{name}` is not base64url"))
}

fn usable(jwk: &Map<String, Value>) -> Result<JwtAlgorithm, String> {
    if let Some(usage) = text(jwk, "use") {
        if usage != "sig" {
            return Err(format!("use {usage:?}, not \"sig\""));
        }
    }
    if let Some(ops) = jwk.get("key_ops").and_then(Value::as_array) {
        if !ops.iter().any(|op| op == "verify") {
            return Err("key_ops without \"verify\"".into());
        }
    }
    let algorithm = match (text(jwk, "kty"), text(jwk, "crv")) {
        (Some("RSA"), _) => {
            let modulus = bytes(jwk, "n")?;
            bytes(jwk, "e")?;
            let bits = modulus_bits(&modulus);
            if bits < 2048 {
                return Err(format!("RSA modulus of {bits} bits (2048 at least)"));
            }
            JwtAlgorithm::Rs256
        }
        (Some("EC"), Some("P-256")) => {
            if bytes(jwk, "x")?.len() != 32 || bytes(jwk, "y")?.len() != 32 {
                return Err("P-256 coordinates must be 32 bytes".into());
            }
            JwtAlgorithm::Es256
        }
        (Some("OKP"), Some("Ed25519")) => {
            if bytes(jwk, "x")?.len() != 32 {
                return Err("an Ed25519 key is 32 bytes".into());
            }
            JwtAlgorithm::EdDsa
        }
        (Some("oct"), _) => return Err("symmetric keys never come from a JWKS".into()),
        (kty, crv) => return Err(format!("unsupported key type {kty:?} / curve {crv:?}")),
    };
    match text(jwk, "alg") {
        None => Ok(algorithm),
        Some(alg) if alg == algorithm.name() => Ok(algorithm),
        Some(alg) => Err(format!("alg {alg:?} does not fit a key that is {}", algorithm.name())),
    }
}

fn modulus_bits(modulus: &[u8]) -> usize {
    let significant: Vec<&u8> = modulus.iter().skip_while(|&&b| b == 0).collect();
    match significant.first() {
        None => 0,
        Some(&&first) => significant.len() * 8 - first.leading_zeros() as usize,
    }
}

/// What is known of the JWKS in this isolate.
#[derive(Clone, Debug, PartialEq)]
pub struct Cached {
    pub keys: KeySet,
    pub fetched_at: i64,
    /// The last fetch attempt, successful or not.
    pub attempted_at: i64,
}

/// The JWKS as kept in the colo's cache (the Cache API), which every worker of the zone can
/// write: a copy is used only if it carries this worker's MAC (keyed from its callback key) over
/// the JWKS URL, the real fetch time and the body, and only within [`TTL_SECONDS`] of that fetch,
/// so a key the host removed stops working within the TTL however often the copy is read.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ColoCopy {
    pub fetched_at: i64,
    pub body: String,
    mac: String,
}

const COLO_COPY: Purpose = Purpose(b"bbb-edge jwks colo copy v1\n");

impl ColoCopy {
    /// The path (under the worker's own origin) of the copy of `url`'s JWKS in the colo cache.
    pub fn cache_path(url: &str) -> String {
        format!("/.bbb-edge/jwks/{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(url.as_bytes())))
    }

    pub fn seal(key: &Secret, url: &str, fetched_at: i64, body: &str) -> String {
        let tag = mac::tag(key, COLO_COPY, &copy_parts(url, fetched_at, body));
        let copy = ColoCopy { fetched_at, body: body.to_owned(), mac: Base64UrlUnpadded::encode_string(&tag) };
        serde_json::to_string(&copy).expect("plain data")
    }

    /// The keys and their real fetch time, if `sealed` is a copy this worker made for `url` and
    /// it is younger than the TTL; `None` for anything else (forged, another URL's, too old).
    pub fn open(keys: &[&Secret], url: &str, sealed: &str, now: i64) -> Option<(i64, KeySet)> {
        let copy: ColoCopy = serde_json::from_str(sealed).ok()?;
        let tag = Base64UrlUnpadded::decode_vec(&copy.mac).ok()?;
        if !mac::verify(keys, COLO_COPY, &copy_parts(url, copy.fetched_at, &copy.body), &tag) {
            return None;
        }
        if copy.fetched_at > now || now - copy.fetched_at >= TTL_SECONDS {
            return None;
        }
        Some((copy.fetched_at, KeySet::parse(&copy.body).ok()?))
    }
}

fn copy_parts(url: &str, fetched_at: i64, body: &str) -> [Vec<u8>; 4] {
    let url = url.as_bytes();
    [
        (url.len() as u32).to_be_bytes().to_vec(),
        url.to_vec(),
        fetched_at.to_be_bytes().to_vec(),
        body.as_bytes().to_vec(),
    ]
}

/// Whether to fetch the JWKS now, for a token naming `kid`.
pub fn should_fetch(cached: Option<&Cached>, kid: Option<&str>, alg: &str, now: i64, min_interval: i64) -> bool {
    let Some(cached) = cached else {
        return true;
    };
    if now - cached.attempted_at < min_interval {
        return false; // at most one fetch per interval, whatever the tokens say
    }
    let stale = now - cached.fetched_at >= TTL_SECONDS;
    stale || cached.keys.select(kid, alg) == Err(KeyError::UnknownKey)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys() -> Value {
        serde_json::from_str(include_str!("jwks_test_keys.json")).unwrap()
    }

    fn set(entries: Vec<Value>) -> KeySet {
        KeySet::parse(&json!({ "keys": entries }).to_string()).unwrap()
    }

    fn with(key: &str, extra: Value) -> Value {
        let mut jwk = keys()[key].clone();
        for (k, v) in extra.as_object().unwrap() {
            jwk[k] = v.clone();
        }
        jwk
    }

    #[test]
    fn usable_keys_are_bound_to_their_algorithm() {
        let set = set(vec![
            with("rsa2048", json!({"kid": "r", "use": "sig", "alg": "RS256"})),
            with("p256", json!({"kid": "e"})),
            with("ed25519", json!({"kid": "o", "key_ops": ["verify"]})),
        ]);
        assert!(set.skipped.is_empty(), "{:?}", set.skipped);
        let algs: Vec<_> = set.keys.iter().map(|k| (k.kid.as_deref(), k.algorithm)).collect();
        assert_eq!(
            algs,
            [(Some("r"), JwtAlgorithm::Rs256), (Some("e"), JwtAlgorithm::Es256), (Some("o"), JwtAlgorithm::EdDsa)]
        );
    }

    #[test]
    fn weak_or_unfit_keys_are_left_out_with_a_reason() {
        let set = set(vec![
            with("rsa1024", json!({"kid": "weak"})),
            with("p384", json!({"kid": "p384"})),
            with("rsa2048", json!({"kid": "enc", "use": "enc"})),
            with("rsa2048", json!({"kid": "lies", "alg": "ES256"})),
            with("p256", json!({"kid": "ops", "key_ops": ["sign"]})),
            json!({"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"}),
            json!("not a key"),
        ]);
        assert!(set.keys.is_empty());
        let reasons = set.skipped.join("\n");
        for expected in
            ["1024 bits", "P-384", "use \"enc\"", "alg \"ES256\" does not fit", "key_ops", "symmetric", "not an object"]
        {
            assert!(reasons.contains(expected), "{expected} in\n{reasons}");
        }
        assert!(KeySet::parse("{}").is_err());
        assert!(KeySet::parse("nope").is_err());
    }

    #[test]
    fn selection_by_kid_and_algorithm() {
        let set = set(vec![with("rsa2048", json!({"kid": "r"})), with("ed25519", json!({"kid": "o"}))]);
        assert_eq!(set.select(Some("r"), "RS256").unwrap().kid.as_deref(), Some("r"));
        assert_eq!(set.select(Some("r"), "ES256"), Err(KeyError::AlgorithmMismatch), "alg confusion");
        assert_eq!(set.select(Some("r"), "HS256"), Err(KeyError::AlgorithmMismatch), "HS with an RSA key");
        assert_eq!(set.select(Some("x"), "RS256"), Err(KeyError::UnknownKey));
        assert_eq!(set.select(None, "RS256"), Err(KeyError::UnknownKey), "no kid and two keys: ambiguous");
        let single = super::tests::set(vec![with("ed25519", json!({}))]);
        assert_eq!(single.select(None, "EdDSA").unwrap().algorithm, JwtAlgorithm::EdDsa);
    }

    #[test]
    fn colo_copies_are_ours_or_nothing() {
        let key = Secret::new("callback-key");
        let url = "https://lms.example/jwks.json";
        let body = json!({ "keys": [with("ed25519", json!({"kid": "o"}))] }).to_string();
        let sealed = ColoCopy::seal(&key, url, 1000, &body);
        let (fetched_at, keys) = ColoCopy::open(&[&key], url, &sealed, 1500).unwrap();
        assert_eq!((fetched_at, keys.keys.len()), (1000, 1), "the real fetch time, not the read time");
        assert!(ColoCopy::open(&[&Secret::new("new"), &key], url, &sealed, 1500).is_some(), "rotation");
        assert!(ColoCopy::open(&[&Secret::new("other")], url, &sealed, 1500).is_none(), "another worker's key");
        assert!(ColoCopy::open(&[&key], "https://other.example/jwks.json", &sealed, 1500).is_none(), "another URL");
        assert!(ColoCopy::open(&[&key], url, &sealed, 1000 + TTL_SECONDS).is_none(), "older than the TTL");
        assert!(ColoCopy::open(&[&key], url, &sealed, 999).is_none(), "from the future");
        assert!(ColoCopy::open(&[&key], url, &body, 1500).is_none(), "a plain JWKS planted in the cache");
        let mut copy: serde_json::Value = serde_json::from_str(&sealed).unwrap();
        copy["fetched_at"] = json!(1400);
        assert!(ColoCopy::open(&[&key], url, &copy.to_string(), 1500).is_none(), "a refreshed-looking time");
        copy["fetched_at"] = json!(1000);
        copy["body"] = json!(json!({ "keys": [with("p256", json!({"kid": "planted"}))] }).to_string());
        assert!(ColoCopy::open(&[&key], url, &copy.to_string(), 1500).is_none(), "planted keys");
    }

    #[test]
    fn fetching_is_bounded() {
        let cached =
            Cached { keys: set(vec![with("ed25519", json!({"kid": "o"}))]), fetched_at: 1000, attempted_at: 1000 };
        assert!(should_fetch(None, Some("o"), "EdDSA", 1000, 60));
        assert!(!should_fetch(Some(&cached), Some("o"), "EdDSA", 1010, 60), "known kid: cache");
        assert!(
            !should_fetch(Some(&cached), Some("new"), "EdDSA", 1010, 60),
            "unknown kid within the interval: negative cache"
        );
        assert!(
            should_fetch(Some(&cached), Some("new"), "EdDSA", 1060, 60),
            "unknown kid after the interval: one refresh"
        );
        assert!(should_fetch(Some(&cached), Some("o"), "EdDSA", 1000 + TTL_SECONDS, 60), "stale");
        let failed = Cached { attempted_at: 1200, ..cached };
        assert!(!should_fetch(Some(&failed), Some("new"), "EdDSA", 1230, 60), "a failed attempt also counts");
    }
}
