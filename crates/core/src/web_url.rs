//! URLs from settings and claims, judged on their parsed form (the `url` crate, WHATWG rules),
//! never on their text: `http://localhost@lms.example.org/` is a URL for `lms.example.org`, and
//! `http://127.0.0.1.bbb.example.org/` is not loopback.
//!
//! Keys, tokens and signed URLs never travel unencrypted (CONTRACT §2): `https`, or `http` to a
//! loopback host (`127.0.0.0/8`, `[::1]`, `localhost`) for local development. No userinfo (it is
//! a credential in a place that gets logged), no fragment (never sent; a sign of a pasted link).

use url::{Host, Url};

/// What a URL may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `https`, or `http` to a loopback host: settings the operator writes.
    HttpsOrLoopback,
    /// `https` only: URLs that other people's browsers load (a token's `avatar_url`).
    HttpsOnly,
}

/// Parses `raw` (trimmed) into an absolute web URL with a host, or says why not, in words fit
/// for a configuration error (never echoing the value).
pub fn parse(raw: &str, transport: Transport) -> Result<Url, &'static str> {
    let raw = raw.trim();
    if !raw.is_ascii() {
        // It ends up in Location headers and fetches, which are ASCII.
        return Err("must be ASCII (write an international host name in punycode)");
    }
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces");
    }
    let url = Url::parse(raw).map_err(|_| "must be an absolute URL such as https://host/path")?;
    if url.cannot_be_a_base() || url.host().is_none() || url.host_str() == Some("") {
        return Err("has no host");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password");
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment (#...)");
    }
    match (url.scheme(), transport) {
        ("https", _) => Ok(url),
        ("http", Transport::HttpsOrLoopback) if is_loopback(&url) => Ok(url),
        ("http", Transport::HttpsOrLoopback) => Err("must use https (plain http only for loopback hosts)"),
        _ => Err("must use https"),
    }
}

/// `localhost`, `127.0.0.0/8` or `[::1]`, as the parser understood the host.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transport::{HttpsOnly, HttpsOrLoopback};

    #[test]
    fn https_anywhere_http_only_to_loopback() {
        for good in [
            "https://bbb.example.org/bigbluebutton/",
            "https://bbb.example.org:8443/",
            "http://127.0.0.1:8090/bigbluebutton/",
            "http://127.8.9.10/",
            "http://localhost:8787",
            "http://LOCALHOST/",
            "http://[::1]:9/hooks",
            // The parser normalises these to 127.0.0.1.
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            assert!(parse(good, HttpsOrLoopback).is_ok(), "{good}");
        }
        for bad in [
            "http://bbb.example.org/bigbluebutton/",
            "http://localhost@lms.example.org/",
            "http://127.0.0.1.bbb.example.org/",
            "http://localhost.example.org/",
            "http://128.0.0.1/",
            "http://[::2]/",
            "http://0.0.0.0/",
            "https://user:pw@lms.example.org/hooks",
            "https://lms.example.org/#top",
            "https://lms.example.org/a b",
            "https://bücher.example/",
            "bbb.example.org/bigbluebutton",
            "ftp://bbb.example.org/",
            "https://",
            "mailto:ops@example.org",
            "javascript:alert(1)",
            "",
        ] {
            assert!(parse(bad, HttpsOrLoopback).is_err(), "{bad}");
        }
    }

    #[test]
    fn https_only_refuses_loopback_http_too() {
        assert!(parse("https://cdn.example/a.png", HttpsOnly).is_ok());
        assert!(parse("http://127.0.0.1/a.png", HttpsOnly).is_err());
        assert!(parse("https://cdn.example@evil.example/a.png", HttpsOnly).is_err());
    }

    #[test]
    fn reasons_never_echo_the_value() {
        let reason = parse("http://secret-host.example/", HttpsOrLoopback).unwrap_err();
        assert!(!reason.contains("secret-host"), "{reason}");
    }
}
