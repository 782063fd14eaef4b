//! The one query encoder for BBB calls: the string it builds is the string hashed and the string sent.

use std::fmt;

/// Parameters of one BBB call, already encoded, in the order they were added.
///
/// Encoding is `application/x-www-form-urlencoded` (space as `+`, everything outside
/// `[A-Za-z0-9*-._]` percent-encoded: the set Java's `URLEncoder` leaves alone). bbb-web hashes the
/// raw query it receives, so any stable encoding works; this one also survives browsers, which
/// re-encode `'` in query strings but never touch `%XX`, `+` or `*`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Query {
    encoded: String,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name=value`. Order is kept exactly; nothing is sorted or de-duplicated.
    pub fn push(&mut self, name: &str, value: &str) -> &mut Self {
        if !self.encoded.is_empty() {
            self.encoded.push('&');
        }
        self.encoded.extend(form_urlencoded::byte_serialize(name.as_bytes()));
        self.encoded.push('=');
        self.encoded.extend(form_urlencoded::byte_serialize(value.as_bytes()));
        self
    }

    pub fn push_opt(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value {
            self.push(name, value);
        }
        self
    }

    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Unsigned parameters are not secret, but names and values can be personal data.
        write!(f, "Query({} bytes)", self.encoded.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_java_urlencoder() {
        let mut query = Query::new();
        query.push("name", "Test Meeting").push("welcome", "<br>Welcome to <b>%%CONFNAME%%</b>!");
        assert_eq!(
            query.as_str(),
            "name=Test+Meeting&welcome=%3Cbr%3EWelcome+to+%3Cb%3E%25%25CONFNAME%25%25%3C%2Fb%3E%21"
        );
    }

    #[test]
    fn reserved_and_non_ascii_characters_are_escaped() {
        let mut query = Query::new();
        query.push("fullName", "Ada & Bob+=;#'*~ 🎉");
        assert_eq!(query.as_str(), "fullName=Ada+%26+Bob%2B%3D%3B%23%27*%7E+%F0%9F%8E%89");
    }
}
