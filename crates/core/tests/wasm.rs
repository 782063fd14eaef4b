//! The core compiled to wasm32 and run under Node (wasm-bindgen-test): the code paths the
//! worker runs must give the same answers there as on the host.
#![cfg(target_arch = "wasm32")]

mod support;

use std::collections::HashMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use bbb_core::bbb::response::{Created, MeetingInfo, Recordings};
use bbb_core::bbb::{ApiBase, ApiCall, ChecksumAlgorithm, Query, Signer};
use bbb_core::coordinator::{Coordinator, CoordinatorMemory, MemoryStore};
use bbb_core::join::{prepare, signed_join};
use bbb_core::pool::MemoryPlacement;
use bbb_core::token::{JwtAlgorithm, TokenError, TokenPolicy};
use bbb_core::{Config, ConfigSource, ErrorCode, Role, Secret};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::{bbb_web_accepts, call_and_query, param, ScriptedTransport};
use wasm_bindgen_test::wasm_bindgen_test;

const NOW: i64 = 1_800_000_000;

#[wasm_bindgen_test]
fn checksums_match_the_published_vectors() {
    let query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
    let secret = Secret::new("639259d4-9dd8-4b25-bf01-95f9567eaf4b");
    let expected = [
        (ChecksumAlgorithm::Sha1, "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"),
        (ChecksumAlgorithm::Sha256, "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"),
        (ChecksumAlgorithm::Sha384, "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1"),
        (ChecksumAlgorithm::Sha512, "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4"),
    ];
    for (algorithm, checksum) in expected {
        assert_eq!(algorithm.checksum("create", query, &secret), checksum);
    }
}

#[wasm_bindgen_test]
fn the_encoder_reproduces_a_published_request_byte_for_byte() {
    let query = support::published_create_query();
    let signer = Signer { secret: Secret::new("8cd8ef52e8e101574e400365b55e11a6"), algorithm: ChecksumAlgorithm::Sha1 };
    let base = ApiBase::parse("https://bbb.test/bigbluebutton/").unwrap();
    let url = signer.sign(&base, ApiCall::Create, &query);
    assert!(url.expose().ends_with("%21&checksum=bd74bc3c07945eef284118f1cd6e09463c7a49ea"));
    let mut tricky = Query::new();
    tricky.push("fullName", "Zoë & Bob+ 100% =;#'*~ 🎉");
    let signed = signer.sign(&base, ApiCall::Join, &tricky);
    let (call, raw) = call_and_query(signed.expose());
    assert!(bbb_web_accepts(&call, &raw, "8cd8ef52e8e101574e400365b55e11a6"));
    assert_eq!(param(&raw, "fullName").unwrap(), "Zoë & Bob+ 100% =;#'*~ 🎉");
}

fn hs256(claims: &str, key: &str) -> String {
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(br#"{"alg":"HS256"}"#),
        Base64UrlUnpadded::encode_string(claims.as_bytes())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes()))
}

fn policy() -> TokenPolicy {
    TokenPolicy {
        issuers: vec!["lms".into()],
        audience: "edge".into(),
        algorithms: vec![JwtAlgorithm::Hs256],
        hmac_keys: vec![Secret::new("k")],
        max_age_seconds: 300,
        leeway_seconds: 30,
    }
}

#[wasm_bindgen_test]
fn tokens_verify_and_fail_the_same_way_in_wasm() {
    let claims = format!(r#"{{"iss":"lms","aud":"edge","iat":{NOW},"exp":{}}}"#, NOW + 60);
    let good = hs256(&claims, "k");
    assert!(policy().verify(&good, NOW).is_ok());
    assert_eq!(policy().verify(&hs256(&claims, "other"), NOW).unwrap_err(), TokenError::Invalid);
    assert_eq!(policy().verify(&good, NOW + 200).unwrap_err(), TokenError::Expired);
    // A wrong-length signature must be refused, not panic: a panic would reset the isolate.
    let (head, _) = good.rsplit_once('.').unwrap();
    assert_eq!(policy().verify(&format!("{head}.AAAA"), NOW).unwrap_err(), TokenError::Invalid);
    let none =
        format!("{}.{}.", Base64UrlUnpadded::encode_string(br#"{"alg":"none"}"#), head.split('.').nth(1).unwrap());
    assert!(matches!(policy().verify(&none, NOW), Err(TokenError::AlgorithmNotAllowed(_))));
}

#[wasm_bindgen_test]
fn fixtures_parse_in_wasm() {
    let created = Created::parse(include_str!("fixtures/bbb/create-duplicateWarning.docs.xml")).unwrap();
    assert!(created.already_running);
    assert_eq!(created.create_time.0, 1_531_155_809_613);
    let info = MeetingInfo::parse(include_str!("fixtures/bbb/getMeetingInfo-attendees.php-lib.xml")).unwrap();
    assert_eq!(info.attendees.len(), 4);
    let recordings = Recordings::parse(include_str!("fixtures/bbb/getRecordings-multiple.php-lib.xml")).unwrap();
    assert_eq!(recordings.recordings.len(), 6);
    let failed = Created::parse(include_str!("fixtures/bbb/create-idNotUnique.lrb-lib.xml")).unwrap_err();
    assert_eq!(failed.message_key(), Some("idNotUnique"));
}

struct Settings(HashMap<&'static str, &'static str>);

impl ConfigSource for Settings {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.to_string())
    }
    fn secret(&self, name: &str) -> Option<String> {
        self.var(name)
    }
}

#[wasm_bindgen_test]
async fn the_join_flow_runs_in_wasm() {
    let config = Config::load(&Settings(HashMap::from([
        ("BBB_URL", "https://bbb.test/bigbluebutton"),
        ("PUBLIC_URL", "https://edge.test"),
        ("JWT_ISSUER", "lms"),
        ("JWT_AUDIENCE", "edge"),
        ("BBB_SECRET", "bbb-secret"),
        ("JWT_SECRET", "host-key-0123456789abcdef0123456789"),
        ("MODERATOR_ROLES", "Instructor"),
    ])))
    .unwrap();
    let created = "<response><returncode>SUCCESS</returncode><meetingID>m1</meetingID><internalMeetingID>x-1</internalMeetingID><createTime>1700000000001</createTime></response>";
    let transport = ScriptedTransport::new(vec![ScriptedTransport::ok(created)]);
    let placement = MemoryPlacement::new(config.pool.clone(), NOW);
    let claims = format!(
        r#"{{"iss":"lms","aud":"edge","iat":{NOW},"exp":{},"jti":"j","sub":"u","name":"Ada","meeting":"m1","roles":["Instructor"]}}"#,
        NOW + 60
    );
    let (store, memory) = (MemoryStore::default(), CoordinatorMemory::default());
    let coordinator =
        Coordinator { memory: &memory, store: &store, config: &config, transport: &transport, placement: &placement };
    let join = prepare(&config, &hs256(&claims, "host-key-0123456789abcdef0123456789"), NOW).unwrap();
    assert_eq!(join.participant.role, Role::Moderator);
    let grant = coordinator.join(&join.jti, &join.spec, NOW, || "abcd".into()).await.unwrap();
    let server = config.pool.get(&grant.instance.server).unwrap();
    let location = signed_join(&config, server, &join.participant, grant.instance.create_time, NOW, false);
    let (call, raw) = call_and_query(location.expose());
    assert!(bbb_web_accepts(&call, &raw, "bbb-secret"));
    assert_eq!(param(&raw, "createTime").unwrap(), "1700000000001");
    // Hot path in wasm too: the same meeting again makes no BBB call (none is scripted).
    let again = prepare(
        &config,
        &hs256(&claims.replace("\"jti\":\"j\"", "\"jti\":\"j2\""), "host-key-0123456789abcdef0123456789"),
        NOW,
    )
    .unwrap();
    assert!(!coordinator.join(&again.jti, &again.spec, NOW, || "x".into()).await.unwrap().created);
    let replay = coordinator.join(&join.jti, &join.spec, NOW, || "x".into()).await.unwrap_err();
    assert_eq!(replay.code, ErrorCode::TokenReplayed);

    let transport = ScriptedTransport::new(vec![Err(bbb_core::bbb::TransportError::Timeout)]);
    let (store, memory) = (MemoryStore::default(), CoordinatorMemory::default());
    let coordinator =
        Coordinator { memory: &memory, store: &store, config: &config, transport: &transport, placement: &placement };
    let error = coordinator
        .join(&bbb_core::coordinator::Jti { id: "j3".into(), issued_at: NOW, until: NOW + 60 }, &join.spec, NOW, || {
            "x".into()
        })
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::BbbTimeout);
}

#[wasm_bindgen_test]
fn wait_tickets_and_lti_meeting_ids_are_the_same_in_wasm() {
    use bbb_core::ticket::{Participant, TicketError};
    use bbb_core::waiting::{WaitSettings, WaitTicket};
    let viewer = Participant {
        meeting: bbb_core::MeetingId::parse("bio-101").unwrap(),
        full_name: "Zoë".into(),
        user_id: "u-7".into(),
        role: Role::Viewer,
        avatar_url: None,
        guest: false,
        waits: true,
        from_lms: false,
    };
    let settings = WaitSettings::default();
    let key = Secret::new("callback-key");
    let ticket = WaitTicket::begin(viewer, "Biology".into(), NOW, &settings).unwrap();
    let sealed = ticket.seal(&key);
    assert_eq!(WaitTicket::open(&[&key], &sealed, NOW + 60), Ok(ticket));
    let forged = format!("{}x", sealed);
    assert_eq!(WaitTicket::open(&[&key], &forged, NOW), Err(TicketError::Forged));
    let meeting = bbb_core::lti::meeting_id("https://lms.example.org", "d1", "course-9", "link-1");
    assert_eq!(meeting.as_str(), "lti-7ce273dc57d86bc4c6d032d6d7d65d3d");
}
