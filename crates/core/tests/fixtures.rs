//! Every BBB response fixture in tests/fixtures/bbb (sources in its SOURCES.md) parses, or fails
//! cleanly with BBB's key.
#![cfg(not(target_arch = "wasm32"))] // reads the fixture directory; tests/wasm.rs embeds a sample

use std::fs;
use std::path::{Path, PathBuf};

use bbb_core::bbb::response::{self, Created, Joined, MeetingInfo, Recordings};
use bbb_core::bbb::{BadResponse, BbbError};

fn fixtures_dir() -> PathBuf {
    std::env::var_os("BBB_FIXTURES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bbb"))
}

fn xml_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [fixtures_dir(), fixtures_dir().join("reconstructed")] {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "xml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 50, "expected the full fixture set, found {}", files.len());
    files
}

fn read(name: &str) -> String {
    fs::read_to_string(fixtures_dir().join(name)).unwrap()
}

/// A FAILED answer must keep a non-empty messageKey.
fn assert_clean_failure(name: &str, error: &BbbError) {
    match error {
        BbbError::Failed(messages) => assert!(messages.iter().all(|m| !m.key.is_empty()), "{name}: {messages:?}"),
        other => panic!("{name}: expected FAILED with a messageKey, got {other:?}"),
    }
}

#[test]
fn every_fixture_parses_or_fails_cleanly() {
    for path in xml_files() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let body = fs::read_to_string(&path).unwrap();
        if name.starts_with("getMeetingInfo-breakout-fragments") {
            // Only XML comments holding elided snippets: not an answer at all.
            assert_eq!(response::parse_envelope(&body).unwrap_err(), BbbError::BadResponse(BadResponse::MalformedXml));
            continue;
        }
        let outcome = if name.starts_with("create-") {
            Created::parse(&body).map(drop)
        } else if name.starts_with("getMeetingInfo-") {
            MeetingInfo::parse(&body).map(drop)
        } else if name.starts_with("isMeetingRunning-") {
            response::parse_running(&body).map(drop)
        } else if name.starts_with("getRecordings-") {
            Recordings::parse(&body).map(drop)
        } else if name.starts_with("join-") {
            Joined::parse(&body).map(drop)
        } else {
            response::parse_envelope(&body).map(drop)
        };
        if let Err(error) = outcome {
            assert_clean_failure(&name, &error);
        }
    }
}

#[test]
fn create_success_and_duplicate_warning() {
    let fresh = Created::parse(&read("reconstructed/create-success.reconstructed.xml")).unwrap();
    assert_eq!(fresh.create_time.0, 1_531_155_809_613);
    assert_eq!(fresh.internal_meeting_id, "640ab2bae07bedc4c163f679a746f7ab7fb5d1fa-1531155809613");
    assert!(!fresh.already_running);
    for name in ["create-duplicateWarning.docs.xml", "create-duplicateWarning.php-lib.xml"] {
        let duplicate = Created::parse(&read(name)).unwrap();
        assert!(duplicate.already_running, "{name}");
    }
}

#[test]
fn create_failures_keep_the_message_key() {
    let cases = [
        ("create-idNotUnique.lrb-lib.xml", "idNotUnique"),
        ("create-checksumError.docs.xml", "checksumError"),
        ("create-checksumError-legacy.issue11561.xml", "checksumError"),
        ("create-checksumError-legacy.issue5721.xml", "checksumError"),
        ("reconstructed/create-missingParamMeetingID.reconstructed.xml", "missingParamMeetingID"),
        ("reconstructed/create-validationError-meetingID-comma.reconstructed.xml", "validationError"),
    ];
    for (name, key) in cases {
        assert_eq!(Created::parse(&read(name)).unwrap_err().message_key(), Some(key), "{name}");
    }
    let error = Created::parse(&read("create-idNotUnique.lrb-lib.xml")).unwrap_err();
    let BbbError::Failed(messages) = error else { panic!() };
    // BBB's exact text, double space included.
    assert_eq!(
        messages[0].message,
        "A meeting already exists with that meeting ID.  Please use a different meeting ID."
    );
}

#[test]
fn join_redirect_false() {
    let joined = Joined::parse(&read("join-redirect-false.docs.xml")).unwrap();
    assert_eq!(joined.message_key.as_deref(), Some("successfullyJoined"));
    assert_eq!(joined.session_token.as_deref(), Some("ai1wqj8wb6s7rnk0"));
    assert_eq!(Joined::parse(&read("join-redirect-false.php-lib.xml")).unwrap().guest_status.as_deref(), Some("ALLOW"));
    let unknown = Joined::parse(&read("reconstructed/join-invalidMeetingIdentifier-redirect-false.reconstructed.xml"));
    assert_eq!(unknown.unwrap_err().message_key(), Some("invalidMeetingIdentifier"));
}

#[test]
fn meeting_info_with_attendees_and_metadata() {
    let info = MeetingInfo::parse(&read("getMeetingInfo-attendees.docs.xml")).unwrap();
    assert!(!info.attendees.is_empty());
    assert!(info.metadata.contains_key("bbb-recording-ready-url"), "{:?}", info.metadata);
    let php = MeetingInfo::parse(&read("getMeetingInfo-attendees.php-lib.xml")).unwrap();
    assert_eq!(php.attendees.len(), 4);
    assert!(php.attendees.iter().any(|a| a.role == "MODERATOR"));
    let not_found = MeetingInfo::parse(&read("reconstructed/getMeetingInfo-notFound.reconstructed.xml")).unwrap_err();
    assert!(not_found.is_not_found());
}

#[test]
fn running_flag() {
    assert!(response::parse_running(&read("isMeetingRunning-true.docs.xml")).unwrap());
    assert!(response::parse_running(&read("isMeetingRunning-true.php-lib.xml")).unwrap());
}

#[test]
fn recordings_lists() {
    let docs = Recordings::parse(&read("getRecordings-multiple.docs.xml")).unwrap();
    assert_eq!(docs.recordings.len(), 2);
    let first = &docs.recordings[0];
    assert_eq!(first.record_id.as_str(), "ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124");
    assert_eq!(first.name, "Fred's Room");
    assert!(first.published);
    assert_eq!(first.state, "published");
    assert!(first.playback.iter().any(|p| p.kind == "presentation" && p.url.starts_with("https://")));
    assert_eq!(Recordings::parse(&read("getRecordings-multiple.php-lib.xml")).unwrap().recordings.len(), 6);
    assert_eq!(Recordings::parse(&read("getRecordings-multiple.lrb-lib.xml")).unwrap().recordings.len(), 7);
    for empty in
        ["getRecordings-noRecordings.php-lib.xml", "reconstructed/getRecordings-noRecordings.server-literal.xml"]
    {
        assert!(Recordings::parse(&read(empty)).unwrap().recordings.is_empty(), "{empty}");
    }
    let paged = Recordings::parse(&read("reconstructed/getRecordings-paginated.reconstructed.xml")).unwrap();
    assert!(paged.total.is_some());
}

#[test]
fn non_xml_and_foreign_xml_are_bad_responses() {
    assert_eq!(
        Created::parse("<html><body>502 Bad Gateway</body></html>").unwrap_err(),
        BbbError::BadResponse(BadResponse::NotAnApiResponse)
    );
    assert_eq!(
        Created::parse("<response><returncode>SUCCESS").unwrap_err(),
        BbbError::BadResponse(BadResponse::MalformedXml)
    );
    assert_eq!(Created::parse("{\"response\":{}}").unwrap_err(), BbbError::BadResponse(BadResponse::MalformedXml));
    assert!(matches!(
        Created::parse("<response><returncode>SUCCESS</returncode><meetingID>x</meetingID></response>"),
        Err(BbbError::BadResponse(BadResponse::MissingField(_)))
    ));
}
