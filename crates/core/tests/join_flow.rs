//! The whole join flow on the host, as the edge runs it: prepare (token, role) → the meeting's
//! coordinator (single flight, jti) → signed join URL, with BBB answering from a script.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::collections::HashMap;
use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use bbb_core::bbb::{HttpReply, SignedUrl, TransportError};
use bbb_core::coordinator::{Coordinator, CoordinatorMemory, MemoryStore};
use bbb_core::join::{prepare, signed_join};
use bbb_core::pool::MemoryPlacement;
use bbb_core::ticket::Ticket;
use bbb_core::{AppError, Config, ConfigSource, ErrorCode, Role};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use support::{bbb_web_accepts, call_and_query, param, params, ScriptedTransport};

const NOW: i64 = 1_800_000_000;
const BBB_SECRET: &str = "bbb-shared-secret-for-tests";
const JWT_SECRET: &str = "jwt-secret-for-tests-0123456789abcdef";

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

struct Outcome {
    location: Result<SignedUrl, AppError>,
    role: Option<Role>,
}

fn run(token: &str, replies: Vec<Result<HttpReply, TransportError>>) -> (Outcome, ScriptedTransport) {
    let config = config();
    let transport = ScriptedTransport::new(replies);
    let placement = MemoryPlacement::new(config.pool.clone(), NOW);
    let (store, memory) = (MemoryStore::default(), CoordinatorMemory::default());
    let coordinator =
        Coordinator { memory: &memory, store: &store, config: &config, transport: &transport, placement: &placement };
    let mut role = None;
    let location = prepare(&config, token, NOW).and_then(|join| {
        role = Some(join.participant.role);
        let grant = futures_executor::block_on(coordinator.join(&join.jti, &join.spec, NOW, || "00ff".into()))?;
        let server = config.pool.get(&grant.instance.server).unwrap();
        Ok(signed_join(&config, server, &join.participant, grant.instance.create_time, NOW, false))
    });
    (Outcome { location, role }, transport)
}

#[test]
fn a_viewer_join_creates_once_and_redirects_to_a_signed_join_url() {
    let (outcome, transport) = run(
        &token(json!({"create": {"record": true, "meta": {"course": "CS"}}})),
        vec![ScriptedTransport::ok(CREATED)],
    );
    let location = outcome.location.unwrap();
    assert_eq!(outcome.role, Some(Role::Viewer));

    let requests = transport.requests.borrow();
    assert_eq!(requests.len(), 1, "one BBB call for a new meeting");
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

    let (call, query) = call_and_query(location.expose());
    assert_eq!(call, "join");
    assert!(bbb_web_accepts(&call, &query, BBB_SECRET));
    let join = params(&query);
    let names: Vec<&str> = join.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["fullName", "meetingID", "role", "userID", "createTime", "redirect", "errorRedirectUrl", "checksum"]
    );
    assert_eq!(param(&query, "fullName").unwrap(), "Zoë & Bob+ 100% 🎉");
    assert_eq!(param(&query, "meetingID").unwrap(), "course/101");
    assert_eq!(param(&query, "role").unwrap(), "VIEWER");
    assert_eq!(param(&query, "userID").unwrap(), "u-1");
    assert_eq!(param(&query, "createTime").unwrap(), "1700000000123");
    assert_eq!(param(&query, "redirect").unwrap(), "true");
    // errorRedirectUrl: the recovery ticket in the path, no query (BBB appends ?errors=).
    let error_url = param(&query, "errorRedirectUrl").unwrap();
    let sealed = error_url.strip_prefix("https://edge.example/join/error/").expect(&error_url);
    assert!(!sealed.contains(['?', '/']));
    let ticket = Ticket::open(&config().callbacks.all(), sealed, NOW).unwrap();
    assert_eq!(ticket.create_time.0, 1_700_000_000_123);
    assert_eq!(ticket.participant.full_name, "Zoë & Bob+ 100% 🎉");
    assert!(!ticket.retried);
}

#[test]
fn moderators_come_from_signed_roles_and_duplicate_warning_keeps_create_time() {
    let duplicate = CREATED.replace(
        "<messageKey></messageKey><message></message>",
        "<messageKey>duplicateWarning</messageKey><message>This conference was already in existence and may currently be in progress.</message>",
    );
    let (outcome, _) = run(
        &token(json!({"roles": ["Instructor"], "avatar_url": "https://cdn.example/a.png", "guest": true})),
        vec![ScriptedTransport::ok(&duplicate)],
    );
    assert_eq!(outcome.role, Some(Role::Moderator));
    let (_, query) = call_and_query(outcome.location.unwrap().expose());
    assert_eq!(param(&query, "role").unwrap(), "MODERATOR");
    assert_eq!(param(&query, "createTime").unwrap(), "1700000000123");
    assert_eq!(param(&query, "avatarURL").unwrap(), "https://cdn.example/a.png");
    assert_eq!(param(&query, "guest").unwrap(), "true");
}

#[test]
fn a_bad_token_never_reaches_bbb() {
    let (outcome, transport) = run(&token(json!({"aud": "someone-else"})), vec![]);
    assert_eq!(outcome.location.unwrap_err().code, ErrorCode::AudienceMismatch);
    assert!(transport.requests.borrow().is_empty());
    assert!(outcome.role.is_none());
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
        let (outcome, _) = run(&token(json!({})), vec![reply]);
        let error = outcome.location.unwrap_err();
        assert_eq!((error.code, error.status()), (code, status), "{error:?}");
        let body = error.to_json();
        assert!(!body.contains(BBB_SECRET) && !body.contains("checksum") && !body.contains("127.0.0.1"), "{body}");
    }
    let (outcome, _) = run(&token(json!({})), vec![ScriptedTransport::ok(failed)]);
    assert_eq!(outcome.location.unwrap_err().bbb.unwrap().key, "maxConcurrent");
}
