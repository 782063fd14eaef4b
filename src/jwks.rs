//! Public keys at the edge: the host app's (`JWT_JWKS_URL`) and each LTI platform's, one cache
//! per keyset URL (the URLs come from the settings, so the caches are bounded by them). A JWKS
//! is fetched with a timeout, kept per isolate,
//! and refreshed by the core's policy (`bbb_core::jwks::should_fetch`): after the TTL, or for an
//! unknown `kid` at most once per `JWKS_REFRESH_MIN_SECONDS`; never a fetch per request. A new
//! `kid` used in the very moment of its first fetch gets one `token_invalid`: publish new keys in
//! the JWKS before signing with them, as JWKS practice has it.
//! The colo's copy (Cache API) is shared by every worker of the zone, so it is sealed with this
//! worker's key and carries its real fetch time (`bbb_core::jwks::ColoCopy`).
//! Signatures are checked by workerd's WebCrypto (`crypto.subtle`), which runs natively: no
//! Rust crypto crate is in the wasm, and ES256/RS256 cost microseconds instead of milliseconds.

use std::cell::RefCell;

use bbb_core::config::{Config, JwksSource};
use bbb_core::jwks::{should_fetch, Cached, ColoCopy, KeyError, KeySet, PublicKey, TTL_SECONDS};
use bbb_core::token::{JwtAlgorithm, SignatureVerifier, SignedToken, TokenError};
use worker::js_sys::{Array, Object, Reflect, JSON};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_log, Cache, Headers, Response};

use crate::clock::now_seconds;

thread_local! {
    static CACHE: RefCell<Vec<(String, Cached)>> = const { RefCell::new(Vec::new()) };
}

/// Checks asymmetric signatures against one keyset: the host's, or an LTI platform's.
pub struct JwksVerifier<'a> {
    config: &'a Config,
    source: Option<&'a JwksSource>,
}

impl<'a> JwksVerifier<'a> {
    /// The host app's keys (`JWT_JWKS_URL`), when configured.
    pub fn host(config: &'a Config) -> Self {
        JwksVerifier { config, source: config.jwks.as_ref() }
    }

    pub fn of(config: &'a Config, source: &'a JwksSource) -> Self {
        JwksVerifier { config, source: Some(source) }
    }
}

impl SignatureVerifier for JwksVerifier<'_> {
    async fn verify(&self, token: &SignedToken<'_>) -> Result<bool, TokenError> {
        let alg = token.algorithm.name();
        let kid = token.key_id.as_deref();
        let Some(source) = self.source else {
            return Ok(false);
        };
        let cached = keys(self.config, source, Some((kid, alg))).await;
        let key = cached.keys.select(kid, alg).map_err(|error| match error {
            KeyError::UnknownKey => TokenError::Invalid,
            KeyError::AlgorithmMismatch => TokenError::AlgorithmNotAllowed(alg.to_owned()),
        })?;
        webcrypto_verify(key, token.signed_data.as_bytes(), &token.signature).await.map_err(|_| TokenError::Invalid)
    }
}

/// The keys of `source` as this isolate knows them, loaded or refreshed by the core's policy: for
/// a token naming `(kid, alg)`, an unknown kid may refresh them; `None` (a health check) only the
/// TTL does.
pub async fn keys(config: &Config, source: &JwksSource, wanted: Option<(Option<&str>, &str)>) -> Cached {
    let url = source.url.as_str();
    let now = now_seconds();
    let min_interval = source.refresh_min_seconds;
    let refresh = |old: &Cached| match wanted {
        Some((kid, alg)) => should_fetch(Some(old), kid, alg, now, min_interval),
        None => now - old.attempted_at >= min_interval && now - old.fetched_at >= TTL_SECONDS,
    };
    let known = CACHE.with(|cache| cache.borrow().iter().find(|(u, _)| u == url).map(|(_, c)| c.clone()));
    let remember = |cached: Cached| remember(url, cached);
    match known {
        // A fresh isolate: the colo's copy (Cache API) unless it lacks this kid, then the network.
        // Concurrent first requests may each look: none must be refused for want of a load.
        None => {
            let colo = from_colo_cache(config, url, now).await;
            let lacks_kid = |copy: &Cached| {
                wanted.is_some_and(|(kid, alg)| copy.keys.select(kid, alg) == Err(KeyError::UnknownKey))
            };
            match colo {
                Some(copy) if !lacks_kid(&copy) => remember(Cached { attempted_at: now, ..copy }),
                colo => match fetch(config, url, now).await {
                    Some(keys) => remember(Cached { keys, fetched_at: now, attempted_at: now }),
                    None => remember(colo.map(|copy| Cached { attempted_at: now, ..copy }).unwrap_or(Cached {
                        keys: KeySet::default(),
                        fetched_at: now,
                        attempted_at: now,
                    })),
                },
            }
        }
        // Stale, or an unknown kid after the interval: the network, once.
        Some(old) if refresh(&old) => {
            // Mark the attempt before awaiting: requests arriving meanwhile answer from the
            // cache instead of fetching too. (They cannot wait for this fetch: workerd forbids
            // awaiting I/O that belongs to another request, and cancels such a request.)
            remember(Cached { attempted_at: now, ..old.clone() });
            match fetch(config, url, now).await {
                Some(keys) => remember(Cached { keys, fetched_at: now, attempted_at: now }),
                // Keep what we had; the attempt counts, so a dead endpoint is not hammered.
                None => Cached { attempted_at: now, ..old },
            }
        }
        Some(current) => current,
    }
}

fn remember(url: &str, cached: Cached) -> Cached {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        match cache.iter_mut().find(|(u, _)| u == url) {
            Some((_, slot)) => *slot = cached.clone(),
            None => cache.push((url.to_owned(), cached.clone())),
        }
    });
    cached
}

/// Where this worker keeps its copy of `url`'s JWKS in the colo cache: under its own origin.
fn colo_key(config: &Config, url: &str) -> String {
    format!("{}{}", config.public_url.as_str(), ColoCopy::cache_path(url))
}

/// The colo's copy of the JWKS (shared by the isolates there), if this worker made it and it is
/// younger than the TTL: the Cache API is shared by every worker of the zone.
async fn from_colo_cache(config: &Config, url: &str, now: i64) -> Option<Cached> {
    let mut response = Cache::default().get(colo_key(config, url), true).await.ok()??;
    let sealed = response.text().await.ok()?;
    let (fetched_at, keys) = ColoCopy::open(&config.callbacks.all(), url, &sealed, now)?;
    Some(Cached { keys, fetched_at, attempted_at: fetched_at })
}

/// The JWKS from the network, or `None` (logged, without the URL) when it cannot be had. A good
/// answer also goes into the colo's cache, sealed, until its TTL ends.
async fn fetch(config: &Config, url: &str, now: i64) -> Option<KeySet> {
    let outcome = match crate::transport::get(url, config.bbb_timeout).await {
        Ok(reply) if reply.status == 200 => {
            let parsed = KeySet::parse(&reply.body).map_err(|e| e.0);
            if parsed.is_ok() {
                let sealed = ColoCopy::seal(&config.callbacks.key, url, now, &reply.body);
                let _ = put_colo_cache(&colo_key(config, url), &sealed).await;
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

async fn put_colo_cache(key: &str, sealed: &str) -> worker::Result<()> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("cache-control", &format!("max-age={TTL_SECONDS}"))?;
    Cache::default().put(key, Response::ok(sealed)?.with_headers(headers)).await
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
