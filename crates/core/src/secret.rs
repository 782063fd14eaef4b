//! Secret values that must never reach a log line, an error message or a response body.

use std::fmt;

/// A secret string (BBB shared secret, JWT key, callback key).
///
/// It has no `Display`, and its `Debug` prints `Secret([redacted])`, so formatting a struct that
/// holds one can never leak it. Read the value only where it is used as key material: [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value. Surrounding whitespace is removed, because a trailing newline or space
    /// pasted into `wrangler secret put` is a classic cause of checksum errors (BBB#7630).
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.len() == value.len() {
            Secret(value)
        } else {
            Secret(trimmed.to_owned())
        }
    }

    /// The secret bytes, for hashing or HMAC keys only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let secret = Secret::new("639259d4-9dd8-4b25-bf01-95f9567eaf4b");
        let printed = format!("{secret:?} {:?}", Some(&secret));
        assert!(!printed.contains("639259d4"), "{printed}");
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn surrounding_whitespace_is_dropped() {
        assert_eq!(Secret::new(" abc\n").expose(), "abc");
    }
}
