//! The host app's public keys at the edge. The JWKS is fetched with a timeout, kept per isolate,
//! and refreshed by the core's policy (`bbb_core::jwks::should_fetch`): after the TTL, or for an
//! unknown `kid` at most once per `JWKS_REFRESH_MIN_SECONDS`; never a fetch per request. A new
//! `kid` used in the very moment of its first fetch gets one `token_invalid`: publish new keys in
//! the JWKS before signing with them, as JWKS practice has it.
//! Signatures are checked by workerd's WebCrypto (`crypto.subtle`), which runs natively: no
//! Rust crypto crate is in the wasm, and ES256/RS256 cost microseconds instead of milliseconds.

use std::cell::RefCell;
use std::time::Duration;

use bbb_core::config::Config;
use bbb_core::jwks::{should_fetch, Cached, KeyError, KeySet, PublicKey};
use bbb_core::token::{JwtAlgorithm, SignatureVerifier, SignedToken, TokenError};
use worker::console_log;
use worker::js_sys::{Array, Object, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

use crate::clock::now_seconds;

thread_local! {
    static CACHE: RefCell<Option<Cached>> = const { RefCell::new(None) };
}

pub struct JwksVerifier<'a> {
    pub config: &'a Config,
}

impl SignatureVerifier for JwksVerifier<'_> {
    async fn verify(&self, token: &SignedToken<'_>) -> Result<bool, TokenError> {
        let Some(url) = &self.config.jwks_url else {
            return Ok(false);
        };
        let alg = token.algorithm.name();
        let kid = token.key_id.as_deref();
        let now = now_seconds();
        let cached = CACHE.with(|cache| cache.borrow().clone());
        let cached = if should_fetch(cached.as_ref(), kid, alg, now, self.config.jwks_refresh_min_seconds) {
            // Mark the attempt before awaiting: requests arriving meanwhile answer from the cache
            // instead of fetching too. (They cannot wait for this fetch: workerd forbids awaiting
            // I/O that belongs to another request, and cancels such a request as hung.)
            let attempt = cached.clone().map(|old| Cached { attempted_at: now, ..old });
            let attempt = attempt.unwrap_or(Cached { keys: KeySet::default(), fetched_at: now, attempted_at: now });
            CACHE.with(|cache| *cache.borrow_mut() = Some(attempt));
            let fresh = fetch(url, self.config.bbb_timeout).await;
            let next = match (fresh, cached) {
                (Some(keys), _) => Cached { keys, fetched_at: now, attempted_at: now },
                // Keep what we had; the attempt still counts, so a dead endpoint is not hammered.
                (None, Some(old)) => Cached { attempted_at: now, ..old },
                (None, None) => Cached { keys: KeySet::default(), fetched_at: now, attempted_at: now },
            };
            CACHE.with(|cache| *cache.borrow_mut() = Some(next.clone()));
            next
        } else {
            cached.expect("should_fetch is true without a cache")
        };
        let key = cached.keys.select(kid, alg).map_err(|error| match error {
            KeyError::UnknownKey => TokenError::Invalid,
            KeyError::AlgorithmMismatch => TokenError::AlgorithmNotAllowed(alg.to_owned()),
        })?;
        webcrypto_verify(key, token.signed_data.as_bytes(), &token.signature).await.map_err(|_| TokenError::Invalid)
    }
}

/// The JWKS, or `None` (logged, without the URL) when it cannot be had.
async fn fetch(url: &str, timeout: Duration) -> Option<KeySet> {
    let outcome = match crate::transport::get(url, timeout).await {
        Ok(reply) if reply.status == 200 => KeySet::parse(&reply.body).map_err(|e| e.0),
        Ok(reply) => Err(format!("HTTP {}", reply.status)),
        Err(_) => Err("unreachable or timed out".to_owned()),
    };
    let line = match &outcome {
        Ok(keys) => {
            serde_json::json!({ "route": "jwks", "outcome": "fetched", "keys": keys.keys.len(), "skipped": keys.skipped })
        }
        Err(reason) => serde_json::json!({ "route": "jwks", "outcome": "failed", "reason": reason }),
    };
    console_log!("{line}");
    outcome.ok()
}

async fn webcrypto_verify(key: &PublicKey, data: &[u8], signature: &[u8]) -> Result<bool, JsValue> {
    let global: web_sys::WorkerGlobalScope = worker::js_sys::global().unchecked_into();
    let subtle = global.crypto()?.subtle();
    let jwk: Object =
        JSON::parse(&serde_json::to_string(&key.jwk).map_err(|e| JsValue::from_str(&e.to_string()))?)?.unchecked_into();
    let (import, verify) = match key.algorithm {
        JwtAlgorithm::Rs256 => {
            (object(&[("name", "RSASSA-PKCS1-v1_5"), ("hash", "SHA-256")])?, object(&[("name", "RSASSA-PKCS1-v1_5")])?)
        }
        // JWS ES256 signatures are r‖s, the form WebCrypto's ECDSA takes.
        JwtAlgorithm::Es256 => {
            (object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?, object(&[("name", "ECDSA"), ("hash", "SHA-256")])?)
        }
        JwtAlgorithm::EdDsa => (object(&[("name", "Ed25519")])?, object(&[("name", "Ed25519")])?),
        JwtAlgorithm::Hs256 | JwtAlgorithm::Hs384 | JwtAlgorithm::Hs512 => return Ok(false),
    };
    let usages = Array::of1(&JsValue::from_str("verify"));
    let crypto_key: web_sys::CryptoKey =
        JsFuture::from(subtle.import_key_with_object("jwk", &jwk, &import, false, &usages)?).await?.unchecked_into();
    let valid =
        JsFuture::from(subtle.verify_with_object_and_u8_array_and_u8_array(&verify, &crypto_key, signature, data)?)
            .await?;
    Ok(valid.as_bool().unwrap_or(false))
}

fn object(pairs: &[(&str, &str)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &JsValue::from_str(key), &JsValue::from_str(value))?;
    }
    Ok(object)
}
