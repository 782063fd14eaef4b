//! URLs from settings and claims, judged on their parsed form, never on their text:
//! `http://localhost@lms.example.org/` is a URL for `lms.example.org`, and
//! `http://127.0.0.1.bbb.example.org/` is not loopback.
//!
//! Keys, tokens and signed URLs never travel unencrypted (CONTRACT §2): `https`, or `http` to a
//! loopback host (`127.0.0.0/8`, `[::1]`, `localhost`) for local development. No userinfo (it is
//! a credential in a place that gets logged), no fragment (never sent; a sign of a pasted link).
//!
//! The parser accepts the WHATWG URLs an operator writes, `scheme://host[:port][/path][?query]`,
//! whose text already is their serialization but for the case of scheme and host, a default or
//! zero-padded port, an empty path and IPv6 spelling. What WHATWG would rewrite instead (dot
//! segments, backslashes, numeric hosts such as `2130706433` or `127.1`, characters it
//! percent-encodes) is refused with a reason, so an accepted URL means to us exactly what it means
//! to the platform's `fetch` and to browsers. The tests hold it to the `url` crate's WHATWG parser.

use std::net::Ipv6Addr;

/// What a URL may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `https`, or `http` to a loopback host: settings the operator writes.
    HttpsOrLoopback,
    /// `https` only: URLs that other people's browsers load (a token's `avatar_url`).
    HttpsOnly,
}

/// An absolute `http(s)` URL with a host, in its WHATWG serialization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebUrl {
    serialization: String,
    /// End of `scheme://host[:port]`.
    origin_end: usize,
    /// Start of `?query`, if there is one.
    query_start: Option<usize>,
    loopback: bool,
}

impl WebUrl {
    pub fn as_str(&self) -> &str {
        &self.serialization
    }

    /// `scheme://host[:port]`, as browsers write an origin.
    pub fn origin(&self) -> &str {
        &self.serialization[..self.origin_end]
    }

    /// The path, at least `/`.
    pub fn path(&self) -> &str {
        &self.serialization[self.origin_end..self.query_start.unwrap_or(self.serialization.len())]
    }

    /// What follows `?`, when there is a `?`.
    pub fn query(&self) -> Option<&str> {
        self.query_start.map(|start| &self.serialization[start + 1..])
    }

    /// `localhost`, `127.0.0.0/8` or `[::1]`.
    pub fn is_loopback(&self) -> bool {
        self.loopback
    }
}

impl From<WebUrl> for String {
    fn from(url: WebUrl) -> String {
        url.serialization
    }
}

const NOT_ABSOLUTE: &str = "must be an absolute URL such as https://host/path";
const BAD_HOST: &str = "must name its host by a DNS name, a dotted IPv4 address or [IPv6]";
const BAD_CHARACTERS: &str =
    "must contain only letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes in its path (no . or .. segments)";

/// Parses `raw` (trimmed) into an absolute web URL with a host, or says why not, in words fit
/// for a configuration error (never echoing the value).
pub fn parse(raw: &str, transport: Transport) -> Result<WebUrl, &'static str> {
    let raw = raw.trim();
    if !raw.is_ascii() {
        // It ends up in Location headers and fetches, which are ASCII.
        return Err("must be ASCII (write an international host name in punycode)");
    }
    if raw.chars().any(|c| c.is_ascii_whitespace() || c.is_ascii_control()) {
        return Err("must not contain spaces");
    }
    if raw.contains('#') {
        return Err("must not contain a fragment (#...)");
    }
    let (scheme, rest) = raw.split_once(':').ok_or(NOT_ABSOLUTE)?;
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !scheme_ok {
        return Err(NOT_ABSOLUTE);
    }
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ if rest.starts_with("//") => return Err("must use https"),
        _ => return Err("has no host"),
    };
    // WHATWG reads `\` as `/` in http(s) URLs and forgives a missing slash; we do neither.
    let rest = rest.strip_prefix("//").filter(|_| !rest.contains('\\')).ok_or(NOT_ABSOLUTE)?;
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err("must not contain a user name or password");
    }
    let (host, port) = split_port(authority)?;
    let (host, loopback) = parse_host(host)?;
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    if !path.split('/').all(path_segment_ok) || !query.is_none_or(query_ok) {
        return Err(BAD_CHARACTERS);
    }

    let mut serialization = format!("{scheme}://{host}");
    if let Some(port) = port.filter(|&p| p != default_port) {
        serialization.push(':');
        serialization.push_str(&port.to_string());
    }
    let origin_end = serialization.len();
    serialization.push_str(if path.is_empty() { "/" } else { path });
    let query_start = query.map(|query| {
        let start = serialization.len();
        serialization.push('?');
        serialization.push_str(query);
        start
    });
    let url = WebUrl { serialization, origin_end, query_start, loopback };
    match (default_port, transport) {
        (443, _) => Ok(url),
        (_, Transport::HttpsOrLoopback) if url.loopback => Ok(url),
        (_, Transport::HttpsOrLoopback) => Err("must use https (plain http only for loopback hosts)"),
        _ => Err("must use https"),
    }
}

/// `host[:port]`: the port, when there is one, is digits up to 65535 (`host:` has none).
fn split_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let colon = match authority.rfind(':') {
        Some(at) if !authority[at..].contains(']') => at,
        _ => return Ok((authority, None)),
    };
    let digits = &authority[colon + 1..];
    if digits.is_empty() {
        return Ok((&authority[..colon], None));
    }
    // Leading zeros are allowed (WHATWG drops them), so the value is what is bounded.
    let port = digits.bytes().try_fold(0u16, |port, b| {
        let digit = b.is_ascii_digit().then(|| u16::from(b - b'0'))?;
        port.checked_mul(10)?.checked_add(digit)
    });
    Ok((&authority[..colon], Some(port.ok_or("has a port that is not a number from 0 to 65535")?)))
}

/// The host in its serialization (lower case; IPv6 compressed) and whether it is loopback.
fn parse_host(host: &str) -> Result<(String, bool), &'static str> {
    if host.is_empty() {
        return Err("has no host");
    }
    if let Some(inside) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: Ipv6Addr = inside.parse().map_err(|_| BAD_HOST)?;
        // WHATWG writes every address in hex; Rust writes IPv4-mapped ones with a dotted tail.
        let text = ip.to_string();
        if text.contains('.') {
            return Err(BAD_HOST);
        }
        return Ok((format!("[{text}]"), ip.is_loopback()));
    }
    let host = host.to_ascii_lowercase();
    let labels_ok = host
        .split('.')
        .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    if !labels_ok {
        return Err(BAD_HOST);
    }
    // A host whose last label starts with a digit is an IPv4 address to WHATWG (in decimal,
    // octal, hex or fewer parts): only the dotted-quad spelling is taken.
    let last = host.rsplit('.').next().unwrap_or_default();
    if last.starts_with(|c: char| c.is_ascii_digit()) {
        let octets = dotted_quad(&host).ok_or(BAD_HOST)?;
        return Ok((host, octets[0] == 127));
    }
    let loopback = host == "localhost";
    Ok((host, loopback))
}

/// `a.b.c.d`, each 0 to 255 in decimal without leading zeros.
fn dotted_quad(host: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = host.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.len() > 1 && part.starts_with('0') || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// Characters WHATWG leaves as they are in a path and a query (RFC 3986's pchar).
fn pchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b)
}

/// `%XX` escapes are well formed; everything else is a `pchar` (or, with `extra`, one of those).
fn escaped_ok(text: &str, extra: &[u8]) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) => i += 3,
            b if pchar(b) || extra.contains(&b) => i += 1,
            _ => return false,
        }
    }
    true
}

/// A path segment WHATWG keeps as written: no `.` or `..` (in any escaping), nothing it escapes.
fn path_segment_ok(segment: &str) -> bool {
    let dots = segment.to_ascii_lowercase().replace("%2e", ".");
    escaped_ok(segment, b"") && dots != "." && dots != ".."
}

/// A query WHATWG keeps as written (it escapes `'` in http(s) queries, so that is refused too).
fn query_ok(query: &str) -> bool {
    !query.contains('\'') && escaped_ok(query, b"/?")
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
            "http://[0:0:0:0:0:0:0:1]/",
        ] {
            assert!(parse(good, HttpsOrLoopback).is_ok(), "{good}");
        }
        for bad in [
            "http://bbb.example.org/bigbluebutton/",
            "http://localhost@lms.example.org/",
            "http://127.0.0.1.bbb.example.org/",
            "http://localhost.example.org/",
            "http://localhost./",
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
            "https://:443/",
            "mailto:ops@example.org",
            "javascript:alert(1)",
            "",
        ] {
            assert!(parse(bad, HttpsOrLoopback).is_err(), "{bad}");
        }
    }

    #[test]
    fn what_whatwg_would_rewrite_is_refused() {
        for rewritten in [
            // Numeric hosts in other spellings (all 127.0.0.1 to WHATWG).
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://127.000.000.001/",
            "http://[::ffff:127.0.0.1]/",
            // Dot segments, backslashes, a missing slash, characters WHATWG escapes.
            "https://bbb.example.org/a/../admin",
            "https://bbb.example.org/a/%2E%2e/admin",
            "https://bbb.example.org/./x",
            "https:\\\\bbb.example.org/",
            "https:/bbb.example.org/",
            "https:bbb.example.org/",
            "https://bbb.example.org/a\"b",
            "https://bbb.example.org/{x}",
            "https://bbb.example.org/a|b",
            "https://bbb.example.org/?q='x'",
            "https://bbb.example.org/%zz",
            "https://bbb.example.org:99999/",
            "https://bbb.example.org:8o/",
            "https://bbb..example.org/",
            "https://bbb%2eexample.org/",
        ] {
            assert!(parse(rewritten, HttpsOrLoopback).is_err(), "{rewritten}");
        }
    }

    #[test]
    fn serialised_as_whatwg_does() {
        for (raw, serialised, origin) in [
            (
                "HTTPS://BBB.Example.ORG/BigBlueButton/",
                "https://bbb.example.org/BigBlueButton/",
                "https://bbb.example.org",
            ),
            ("https://bbb.example.org", "https://bbb.example.org/", "https://bbb.example.org"),
            ("https://bbb.example.org:443/x", "https://bbb.example.org/x", "https://bbb.example.org"),
            ("https://bbb.example.org:08443/x", "https://bbb.example.org:8443/x", "https://bbb.example.org:8443"),
            ("https://bbb.example.org:/x", "https://bbb.example.org/x", "https://bbb.example.org"),
            ("http://localhost:80", "http://localhost/", "http://localhost"),
            ("http://[0:0::1]:8090?a=b", "http://[::1]:8090/?a=b", "http://[::1]:8090"),
            (
                "  https://cdn.example/a%20b.png?s=80&d=x/y?z  ",
                "https://cdn.example/a%20b.png?s=80&d=x/y?z",
                "https://cdn.example",
            ),
        ] {
            let url = parse(raw, HttpsOrLoopback).unwrap();
            assert_eq!((url.as_str(), url.origin()), (serialised, origin), "{raw}");
        }
        let url = parse("https://h.example/p/q?x=1", HttpsOnly).unwrap();
        assert_eq!((url.path(), url.query()), ("/p/q", Some("x=1")));
        let url = parse("https://h.example?", HttpsOnly).unwrap();
        assert_eq!((url.path(), url.query()), ("/", Some("")));
    }

    #[test]
    fn https_only_refuses_loopback_http_too() {
        assert!(parse("https://cdn.example/a.png", HttpsOnly).is_ok());
        assert!(parse("http://127.0.0.1/a.png", HttpsOnly).is_err());
        assert!(parse("https://cdn.example@evil.example/a.png", HttpsOnly).is_err());
    }

    #[test]
    fn reasons_never_echo_the_value() {
        for raw in ["http://secret-host.example/", "https://secret-host.example/{secret}", "https://secret:x/"] {
            let reason = parse(raw, HttpsOrLoopback).unwrap_err();
            assert!(!reason.contains("secret"), "{reason}");
        }
    }
}
