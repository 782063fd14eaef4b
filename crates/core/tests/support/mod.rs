//! Test helpers: an independent re-implementation of bbb-web's checksum check, and a transport
//! that answers from a script.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use bbb_core::bbb::{HttpReply, Query, SignedUrl, Transport, TransportError};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// bbb-web's `GetChecksum`: the raw query, the first `checksum` value cut out by plain string
/// replacement, the hash chosen by the checksum's length, compared ignoring case.
pub fn bbb_web_accepts(call: &str, raw_query: &str, secret: &str) -> bool {
    let checksums: Vec<&str> = raw_query.split('&').filter_map(|p| p.strip_prefix("checksum=")).collect();
    let [checksum] = checksums[..] else { return false };
    let rest = raw_query
        .replace(&format!("&checksum={checksum}"), "")
        .replace(&format!("checksum={checksum}&"), "")
        .replace(&format!("checksum={checksum}"), "");
    let data = format!("{call}{rest}{secret}");
    let expected = match checksum.len() {
        40 => hex::encode(Sha1::digest(data.as_bytes())),
        64 => hex::encode(Sha256::digest(data.as_bytes())),
        96 => hex::encode(Sha384::digest(data.as_bytes())),
        128 => hex::encode(Sha512::digest(data.as_bytes())),
        _ => return false,
    };
    expected.eq_ignore_ascii_case(checksum)
}

/// Splits a signed URL into (call, raw query).
pub fn call_and_query(url: &str) -> (String, String) {
    let (path, query) = url.split_once('?').expect("signed URLs have a query");
    (path.rsplit('/').next().unwrap().to_owned(), query.to_owned())
}

/// Decoded parameters of a raw query, in order (form decoding, as the servlet container does).
pub fn params(raw_query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect()
}

pub fn param(raw_query: &str, name: &str) -> Option<String> {
    params(raw_query).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// Answers each request with the next scripted reply and remembers the URLs it was sent.
#[derive(Default)]
pub struct ScriptedTransport {
    pub replies: RefCell<VecDeque<Result<HttpReply, TransportError>>>,
    pub requests: RefCell<Vec<(String, Duration)>>,
}

impl ScriptedTransport {
    pub fn new(replies: Vec<Result<HttpReply, TransportError>>) -> Self {
        ScriptedTransport { replies: RefCell::new(replies.into()), requests: RefCell::default() }
    }

    pub fn ok(body: &str) -> Result<HttpReply, TransportError> {
        Ok(HttpReply { status: 200, body: body.to_owned() })
    }
}

impl Transport for ScriptedTransport {
    async fn get(&self, url: &SignedUrl, timeout: Duration) -> Result<HttpReply, TransportError> {
        self.get_unsigned(url.expose(), timeout).await
    }

    async fn get_unsigned(&self, url: &str, timeout: Duration) -> Result<HttpReply, TransportError> {
        self.requests.borrow_mut().push((url.to_owned(), timeout));
        self.replies.borrow_mut().pop_front().expect("a reply was scripted for every request")
    }
}

/// The create request of checksum vector A2 (bigbluebutton#11561), parameter by parameter; its
/// encoded bytes must equal the published query, secret `8cd8ef52e8e101574e400365b55e11a6`,
/// sha1 `bd74bc3c07945eef284118f1cd6e09463c7a49ea`.
pub fn published_create_query() -> Query {
    let mut query = Query::new();
    query
        .push("allowStartStopRecording", "true")
        .push("attendeePW", "ap")
        .push("autoStartRecording", "false")
        .push("meetingID", "random-3110272")
        .push("moderatorPW", "mp")
        .push("name", "random-3110272")
        .push("record", "false")
        .push("voiceBridge", "70860")
        .push("welcome", "<br>Welcome to <b>%%CONFNAME%%</b>!");
    query
}
