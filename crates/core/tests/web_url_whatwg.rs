//! `web_url` against the `url` crate's WHATWG parser: every URL it accepts, WHATWG accepts too,
//! with the same serialization, origin, path, query and loopback judgement. (It refuses more:
//! what WHATWG would rewrite.)
#![cfg(not(target_arch = "wasm32"))] // proptest and url are host-only

use bbb_core::web_url::{parse, Transport, WebUrl};
use proptest::prelude::*;
use url::{Host, Url};

fn whatwg_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Ours accepted `raw` as `ours`: WHATWG must read it the same way.
fn agrees(raw: &str, ours: &WebUrl) {
    let whatwg = Url::parse(raw.trim()).unwrap_or_else(|e| panic!("{raw:?}: accepted here, WHATWG says {e}"));
    assert_eq!(ours.as_str(), whatwg.as_str(), "{raw:?}");
    assert_eq!(ours.origin(), whatwg.origin().ascii_serialization(), "{raw:?}");
    assert_eq!(ours.path(), whatwg.path(), "{raw:?}");
    assert_eq!(ours.query(), whatwg.query(), "{raw:?}");
    assert_eq!(ours.is_loopback(), whatwg_loopback(&whatwg), "{raw:?}");
    assert!(whatwg.username().is_empty() && whatwg.password().is_none() && whatwg.fragment().is_none(), "{raw:?}");
}

fn check(raw: &str) -> bool {
    match parse(raw, Transport::HttpsOrLoopback) {
        Ok(ours) => {
            agrees(raw, &ours);
            true
        }
        Err(_) => false,
    }
}

const SCHEMES: &[&str] = &["https://", "http://", "HTTPS://", "hTtP://", "https:/", "https:", "https:\\\\", "ftp://"];
const HOSTS: &[&str] = &[
    "bbb.example.org",
    "BBB.Example.Org",
    "localhost",
    "LocalHost",
    "127.0.0.1",
    "127.0.0.01",
    "127.1",
    "2130706433",
    "0x7f.0.0.1",
    "127.0.0.1.example.org",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::ffff:7f00:1]",
    "[::ffff:127.0.0.1]",
    "[2001:DB8::1]",
    "[2001:db8:0:0:1:0:0:1]",
    "a_b.example",
    "-x-.example",
    "example.1a",
    "example.",
    "x..y",
    "user@host.example",
    "user:pw@host.example",
    "",
    "%6c%6fcalhost",
];
const PORTS: &[&str] = &["", ":", ":443", ":80", ":8443", ":08090", ":0", ":65535", ":65536", ":x"];
const PATHS: &[&str] = &[
    "",
    "/",
    "/bigbluebutton/",
    "/bigbluebutton/api",
    "/a/../b",
    "/a/./b",
    "/a/%2e%2E/b",
    "/a/.%2e",
    "/a%20b",
    "/a b",
    "/a%zz",
    "/a|b",
    "/{x}",
    "/`x`",
    "/a^b",
    "/a[b]",
    "/~user/x.png",
    "/a;b=c,d!$&'()*+:@",
    "/a\\b",
    "/a\"b",
    "/a<b>",
];
const QUERIES: &[&str] =
    &["", "?", "?a=b", "?a=b&c=d%20e", "?s=80&d=x/y?z", "?q='x'", "?a=<b>", "?a=\"b\"", "?a b", "?a=%"];

#[test]
fn every_combination_agrees_with_whatwg() {
    let mut accepted = 0;
    for scheme in SCHEMES {
        for host in HOSTS {
            for port in PORTS {
                for path in PATHS {
                    for query in QUERIES {
                        if check(&format!("{scheme}{host}{port}{path}{query}")) {
                            accepted += 1;
                        }
                    }
                }
            }
        }
    }
    // Not a vacuous pass: a good share of the combinations is accepted and compared.
    assert!(accepted > 2000, "only {accepted} accepted");
}

#[test]
fn what_operators_write_is_accepted() {
    for raw in [
        "https://bbb.example.org/bigbluebutton/",
        "https://bbb.example.org/bigbluebutton/api/",
        "https://bbb.example.org/bigbluebutton",
        "https://BBB.example.org",
        "https://bbb1.eu.example.org:8443/bigbluebutton/",
        "http://127.0.0.1:8090/bigbluebutton/",
        "http://localhost:8787",
        "http://[::1]:8090/",
        "https://lms.example.org/mod/lti/auth.php",
        "https://canvas.instructure.com/api/lti/authorize_redirect",
        "https://sso.canvaslms.com/api/lti/security/jwks",
        "https://moodle.example.edu/mod/lti/certs.php",
        "https://hooks.example.org/bbb?tenant=42&key=a%2Fb",
        "https://www.gravatar.com/avatar/205e460b479e2e5b48aec07710c08d50?s=80&d=identicon",
        "https://xn--bcher-kva.example/",
    ] {
        let ours = parse(raw, Transport::HttpsOrLoopback).unwrap_or_else(|e| panic!("{raw}: {e}"));
        agrees(raw, &ours);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn any_text_it_accepts_whatwg_reads_the_same(
        scheme in prop::sample::select(SCHEMES),
        rest in "[a-zA-Z0-9.:/?@%\\[\\]_~!$&'()*+,;=#\\\\ <>{}|^`-]{0,40}",
    ) {
        check(&format!("{scheme}{rest}"));
    }

    #[test]
    fn any_host_it_accepts_whatwg_reads_the_same(host in "[a-zA-Z0-9.:_%\\[\\]-]{1,24}", port in prop::sample::select(PORTS)) {
        check(&format!("http://{host}{port}/"));
        check(&format!("https://{host}{port}/x?y"));
    }
}
