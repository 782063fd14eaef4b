//! Values the worker hands to a browser and takes back unchanged: JSON, base64url, and an
//! HMAC-SHA256 tag under a purpose label (`mac.rs`), so a value sealed for one purpose (a
//! recovery ticket) never opens as another (a wait ticket). Path-safe: `[A-Za-z0-9_-]` and one `.`.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::mac::{self, Purpose};
use crate::secret::Secret;

pub fn seal<T: Serialize>(value: &T, key: &Secret, purpose: Purpose) -> String {
    let payload = Base64UrlUnpadded::encode_string(serde_json::to_string(value).expect("plain data").as_bytes());
    let signature = mac::tag(key, purpose, &[&payload]);
    format!("{payload}.{}", Base64UrlUnpadded::encode_string(&signature))
}

/// The value, when its tag verifies (in constant time) under one of `keys` for `purpose`.
pub fn open<T: DeserializeOwned>(keys: &[&Secret], purpose: Purpose, sealed: &str) -> Option<T> {
    let (payload, signature) = sealed.split_once('.')?;
    let signature = Base64UrlUnpadded::decode_vec(signature).ok()?;
    if !mac::verify(keys, purpose, &[payload], &signature) {
        return None;
    }
    serde_json::from_slice(&Base64UrlUnpadded::decode_vec(payload).ok()?).ok()
}
