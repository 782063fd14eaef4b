//! The whole join flow on the host, with BBB answering from a script.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use bbb_core::bbb::{HttpReply, TransportError};
use bbb_core::join::{join, JoinTrace};
use bbb_core::{Config, ConfigSource, ErrorCode, Role};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use support::{bbb_web_accepts, call_and_query, param, params, ScriptedTransport};

const NOW: i64 = 1_800_000_000;
const BBB_SECRET: &str = "bbb-shared-secret-for-tests";
const JWT_SECRET: &str = "jwt-secret-for-tests";

struct Settings(HashMap<&'static str, &'static str>);

impl ConfigSource for Settings {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.to_string())
    }
    fn secret(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.to_string())
    }
}

fn config() -> Config {
    Config::load(&Settings(HashMap::from([
        ("BBB_URL", "http://127.0.0.1:9/bigbluebutton/"),
        ("PUBLIC_URL", "https://edge.example"),
        ("JWT_ISSUER", "lms"),
        ("JWT_AUDIENCE", "bbb-edge"),
        ("BBB_SECRET", BBB_SECRET),
        ("JWT_SECRET", JWT_SECRET),
        ("MODERATOR_ROLES", "Instructor"),
        ("BBB_TIMEOUT_MS", "1500"),
    ])))
    .unwrap()
}

fn token(extra: Value) -> String {
    let mut claims = json!({
        "iss": "lms", "aud": "bbb-edge", "iat": NOW, "exp": NOW + 60, "jti": "j1",
        "sub": "u-1", "name": "Zoë & Bob+ 100% 🎉", "meeting": "course/101",
    });
    for (key, value) in extra.as_object().unwrap() {
        claims[key] = value.clone();
    }
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(br#"{"alg":"HS256","typ":"JWT"}"#),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(JWT_SECRET.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes()))
}

const CREATED: &str = "<response><returncode>SUCCESS</returncode><meetingID>course/101</meetingID>\
<internalMeetingID>abc-1700000000123</internalMeetingID><createTime>1700000000123</createTime>\
<messageKey></messageKey><message></message></response>";

fn run(
    token: &str,
    replies: Vec<Result<HttpReply, TransportError>>,
) -> (Result<bbb_core::join::JoinRedirect, bbb_core::AppError>, ScriptedTransport, JoinTrace) {
    let config = config();
    let bbb = config.bbb_client(ScriptedTransport::new(replies));
    let mut trace = JoinTrace::default();
    let result = futures_executor::block_on(join(&config, &bbb, token, NOW, "00ff00ff", &mut trace));
    (result, bbb.into_transport(), trace)
}

#[test]
fn a_viewer_join_creates_once_and_redirects_to_a_signed_join_url() {
    let (result, transport, trace) = run(
        &token(json!({"create": {"record": true, "meta": {"course": "CS"}}})),
        vec![ScriptedTransport::ok(CREATED)],
    );
    let redirect = result.unwrap();
    assert_eq!(redirect.role, Role::Viewer);
    assert!(redirect.created);
    assert_eq!(trace.role, Some(Role::Viewer));

    let requests = transport.requests.borrow();
    assert_eq!(requests.len(), 1, "one BBB call per join");
    let (create_url, timeout) = &requests[0];
    assert_eq!(*timeout, Duration::from_millis(3000), "create gets twice BBB_TIMEOUT_MS");
    let (call, query) = call_and_query(create_url);
    assert_eq!(call, "create");
    assert!(create_url.starts_with("http://127.0.0.1:9/bigbluebutton/api/create?"));
    assert!(bbb_web_accepts(&call, &query, BBB_SECRET));
    let names: Vec<String> = params(&query).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "name",
            "meetingID",
            "meta_course",
            "record",
            "meetingEndedURL",
            "meta_bbb-recording-ready-url",
            "logoutURL",
            "checksum"
        ]
    );
    assert!(!query.contains("PW="), "no passwords are ever sent");
    let ended = param(&query, "meetingEndedURL").unwrap();
    assert!(ended.starts_with("https://edge.example/callbacks/meeting-ended/") && !ended.contains('?'), "{ended}");
    assert_eq!(
        param(&query, "meta_bbb-recording-ready-url").unwrap(),
        "https://edge.example/callbacks/recording-ready"
    );
    assert_eq!(param(&query, "logoutURL").unwrap(), "https://edge.example/left");

    let (call, query) = call_and_query(redirect.location.expose());
    assert_eq!(call, "join");
    assert!(bbb_web_accepts(&call, &query, BBB_SECRET));
    let join = params(&query);
    let expected: Vec<(String, String)> = [
        ("fullName", "Zoë & Bob+ 100% 🎉"),
        ("meetingID", "course/101"),
        ("role", "VIEWER"),
        ("userID", "u-1"),
        ("createTime", "1700000000123"),
        ("redirect", "true"),
        ("errorRedirectUrl", "https://edge.example/join/error"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(&join[..join.len() - 1], &expected[..]);
}

#[test]
fn moderators_come_from_signed_roles_and_duplicate_warning_keeps_create_time() {
    let duplicate = CREATED.replace("<messageKey></messageKey><message></message>", "<messageKey>duplicateWarning</messageKey><message>This conference was already in existence and may currently be in progress.</message>");
    let (result, _, _) = run(
        &token(json!({"roles": ["Instructor"], "avatar_url": "https://cdn.example/a.png", "guest": true})),
        vec![ScriptedTransport::ok(&duplicate)],
    );
    let redirect = result.unwrap();
    assert_eq!(redirect.role, Role::Moderator);
    assert!(!redirect.created);
    let (_, query) = call_and_query(redirect.location.expose());
    assert_eq!(param(&query, "role").unwrap(), "MODERATOR");
    assert_eq!(param(&query, "createTime").unwrap(), "1700000000123");
    assert_eq!(param(&query, "avatarURL").unwrap(), "https://cdn.example/a.png");
    assert_eq!(param(&query, "guest").unwrap(), "true");
}

#[test]
fn a_bad_token_never_reaches_bbb() {
    let (result, transport, trace) = run(&token(json!({"aud": "someone-else"})), vec![]);
    assert_eq!(result.unwrap_err().code, ErrorCode::AudienceMismatch);
    assert!(transport.requests.borrow().is_empty());
    assert!(trace.meeting.is_none());
}

#[test]
fn bbb_faults_map_to_distinct_errors() {
    let failed = "<response><returncode>FAILED</returncode><messageKey>maxConcurrent</messageKey><message>Too many</message></response>";
    let cases: Vec<(Result<HttpReply, TransportError>, ErrorCode, u16)> = vec![
        (Err(TransportError::Timeout), ErrorCode::BbbTimeout, 504),
        (Err(TransportError::Unreachable), ErrorCode::BbbUnreachable, 502),
        (Ok(HttpReply { status: 500, body: "oops".into() }), ErrorCode::BbbBadResponse, 502),
        (ScriptedTransport::ok("<response><returncode>SUCC"), ErrorCode::BbbBadResponse, 502),
        (ScriptedTransport::ok(failed), ErrorCode::BbbFailed, 502),
    ];
    for (reply, code, status) in cases {
        let (result, _, trace) = run(&token(json!({})), vec![reply]);
        let error = result.unwrap_err();
        assert_eq!((error.code, error.status()), (code, status), "{error:?}");
        assert_eq!(trace.meeting.as_ref().map(|m| m.as_str()), Some("course/101"));
        let body = error.to_json();
        assert!(!body.contains(BBB_SECRET) && !body.contains("checksum") && !body.contains("127.0.0.1"), "{body}");
    }
    let (result, _, _) = run(&token(json!({})), vec![ScriptedTransport::ok(failed)]);
    assert_eq!(result.unwrap_err().bbb.unwrap().key, "maxConcurrent");
}
