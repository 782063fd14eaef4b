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
use bbb_core::jwks::{should_fetch, Cached, KeyError, KeySet, PublicKey, TTL_SECONDS};
use bbb_core::token::{JwtAlgorithm, SignatureVerifier, SignedToken, TokenError};
use worker::js_sys::{Array, Object, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_log, Cache, Headers, Response};

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
        let min_interval = self.config.jwks_refresh_min_seconds;
        let cached = match CACHE.with(|cache| cache.borrow().clone()) {
            // A fresh isolate: the colo's copy (Cache API) unless it lacks this kid, then the network.
            // Concurrent first requests may each look: none must be refused for want of a load.
            None => {
                let colo = from_colo_cache(url).await;
                let keys = match colo {
                    Some(keys) if keys.select(kid, alg) != Err(KeyError::UnknownKey) => Some(keys),
                    colo => fetch(url, self.config.bbb_timeout).await.or(colo),
                };
                remember(Cached { keys: keys.unwrap_or_default(), fetched_at: now, attempted_at: now })
            }
            // Stale, or an unknown kid after the interval: the network, once.
            Some(old) if should_fetch(Some(&old), kid, alg, now, min_interval) => {
                // Mark the attempt before awaiting: requests arriving meanwhile answer from the
                // cache instead of fetching too. (They cannot wait for this fetch: workerd forbids
                // awaiting I/O that belongs to another request, and cancels such a request.)
                remember(Cached { attempted_at: now, ..old.clone() });
                match fetch(url, self.config.bbb_timeout).await {
                    Some(keys) => remember(Cached { keys, fetched_at: now, attempted_at: now }),
                    // Keep what we had; the attempt counts, so a dead endpoint is not hammered.
                    None => Cached { attempted_at: now, ..old },
                }
            }
            Some(current) => current,
        };
        let key = cached.keys.select(kid, alg).map_err(|error| match error {
            KeyError::UnknownKey => TokenError::Invalid,
            KeyError::AlgorithmMismatch => TokenError::AlgorithmNotAllowed(alg.to_owned()),
        })?;
        webcrypto_verify(key, token.signed_data.as_bytes(), &token.signature).await.map_err(|_| TokenError::Invalid)
    }
}

fn remember(cached: Cached) -> Cached {
    CACHE.with(|cache| *cache.borrow_mut() = Some(cached.clone()));
    cached
}

/// The colo's cached copy of the JWKS (shared by the isolates there), if any.
async fn from_colo_cache(url: &str) -> Option<KeySet> {
    let mut response = Cache::default().get(url, true).await.ok()??;
    KeySet::parse(&response.text().await.ok()?).ok()
}

/// The JWKS from the network, or `None` (logged, without the URL) when it cannot be had. A good
/// answer also goes into the colo's cache for an hour.
async fn fetch(url: &str, timeout: Duration) -> Option<KeySet> {
    let outcome = match crate::transport::get(url, timeout).await {
        Ok(reply) if reply.status == 200 => {
            let parsed = KeySet::parse(&reply.body).map_err(|e| e.0);
            if parsed.is_ok() {
                let _ = put_colo_cache(url, &reply.body).await;
            }
            parsed
        }
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

async fn put_colo_cache(url: &str, body: &str) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", &format!("max-age={TTL_SECONDS}"))?;
    Cache::default().put(url, Response::ok(body)?.with_headers(headers)).await
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
