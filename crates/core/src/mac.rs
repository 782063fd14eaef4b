//! The one keyed-HMAC helper: HMAC-SHA256 over a purpose label and the parts of a message.
//! Every MAC the worker makes itself (callback URLs, recovery tickets, derived keys, the JWKS
//! cache) goes through here, each with its own label, so no tag made for one purpose verifies
//! for another. Checks are constant-time (`Mac::verify_slice`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// A purpose label, e.g. `b"bbb-edge recovery ticket v1\n"`. Part of every tag made with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purpose(pub &'static [u8]);

fn keyed(key: &[u8], label: &[u8], parts: &[impl AsRef<[u8]>]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(label);
    for part in parts {
        mac.update(part.as_ref());
    }
    mac
}

/// The 32-byte tag of `parts` under `key` for `purpose`.
pub fn tag(key: &Secret, purpose: Purpose, parts: &[impl AsRef<[u8]>]) -> [u8; 32] {
    keyed(key.expose().as_bytes(), purpose.0, parts).finalize().into_bytes().into()
}

/// Whether `tag` is the tag of `parts` under any of `keys` (current first, then previous).
pub fn verify(keys: &[&Secret], purpose: Purpose, parts: &[impl AsRef<[u8]>], tag: &[u8]) -> bool {
    keys.iter().any(|key| keyed(key.expose().as_bytes(), purpose.0, parts).verify_slice(tag).is_ok())
}

/// HMAC-SHA256 of `message` under raw key bytes, without a label: for formats that fix the
/// message themselves (Standard Webhooks' `id.timestamp.body`).
pub fn raw_tag(key: &[u8], message: &[impl AsRef<[u8]>]) -> [u8; 32] {
    keyed(key, b"", message).finalize().into_bytes().into()
}

/// A key for `purpose` derived from `secret`, so one secret never keys two different things.
pub fn derive(secret: &Secret, purpose: Purpose) -> Secret {
    Secret::new(hex::encode(tag(secret, purpose, &[] as &[&[u8]])))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Purpose = Purpose(b"a\n");
    const B: Purpose = Purpose(b"b\n");

    #[test]
    fn tags_verify_only_for_their_key_purpose_and_parts() {
        let key = Secret::new("key");
        let tag = tag(&key, A, &[b"one", b"two"]);
        assert!(verify(&[&key], A, &[b"one", b"two"], &tag));
        assert!(verify(&[&Secret::new("new"), &key], A, &[b"onetwo".as_slice()], &tag), "parts are concatenated");
        assert!(!verify(&[&key], B, &[b"one", b"two"], &tag), "another purpose");
        assert!(!verify(&[&Secret::new("other")], A, &[b"one", b"two"], &tag));
        assert!(!verify(&[&key], A, &[b"one", b"two"], &tag[..31]), "a short tag");
        assert!(!verify(&[], A, &[b"one", b"two"], &tag));
    }

    #[test]
    fn raw_tags_are_plain_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            hex::encode(raw_tag(b"Jefe", &[b"what do ya want ".as_slice(), b"for nothing?"])),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn derived_keys_differ_by_purpose() {
        let secret = Secret::new("s");
        assert_ne!(derive(&secret, A), derive(&secret, B));
        assert_ne!(derive(&secret, A).expose(), "s");
    }
}
