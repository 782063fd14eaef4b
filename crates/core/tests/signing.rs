//! Checksums against every published vector, and property tests: any parameter value survives
//! encoding and is accepted by a bbb-web-style verifier.
#![cfg(not(target_arch = "wasm32"))] // proptest is host-only; tests/wasm.rs covers the vectors in wasm

mod support;

use bbb_core::bbb::{ApiBase, ApiCall, ChecksumAlgorithm, Query, Signer};
use bbb_core::Secret;
use proptest::prelude::*;
use support::{bbb_web_accepts, call_and_query, params};

fn vector(call: &str, query: &str, secret: &str, algorithm: ChecksumAlgorithm, expected: &str) {
    assert_eq!(algorithm.checksum(call, query, &Secret::new(secret)), expected, "{call}?{query}");
}

#[test]
fn published_vectors() {
    use ChecksumAlgorithm::*;
    let a1 = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";
    let a1_secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
    vector("create", a1, a1_secret, Sha1, "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17");
    vector("create", a1, a1_secret, Sha256, "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e");
    vector(
        "create",
        a1,
        a1_secret,
        Sha384,
        "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1",
    );
    vector("create", a1, a1_secret, Sha512, "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4");
    vector(
        "create",
        "allowStartStopRecording=true&attendeePW=ap&autoStartRecording=false&meetingID=random-3110272&moderatorPW=mp&name=random-3110272&record=false&voiceBridge=70860&welcome=%3Cbr%3EWelcome+to+%3Cb%3E%25%25CONFNAME%25%25%3C%2Fb%3E%21",
        "8cd8ef52e8e101574e400365b55e11a6",
        Sha1,
        "bd74bc3c07945eef284118f1cd6e09463c7a49ea",
    );
    vector("getMeetings", "foo=bar&baz=bazinga", "AFFE", Sha1, "8c313ec566a91bb9a409b51a0f515f53216a43ae");
    vector(
        "getMeetings",
        "foo=bar&baz=bazinga",
        "AFFE",
        Sha256,
        "e93a022a742425259bf3acec803ad8b4e428e7653b66bfecfa60d935a04bcc3b",
    );
    vector("getMeetings", "", "AFFE", Sha1, "e0a2f45a343479c590e64a9bdd673331adff2a75");
    vector("foo", "foo=bar&baz=bazinga", "S3cr3t", Sha1, "694ad46bc5a79a572bab6c8b9a939527c39ac7f6");
    vector(
        "foo",
        "foo=bar&baz=bazinga",
        "S3cr3t",
        Sha256,
        "0ce0d779a8220be9824c7eab055b36b59ac504ba899a76d7c528b8473960025e",
    );
    vector(
        "getMeetingInfo",
        "meetingID=test-meeting-1",
        "test-1",
        Sha256,
        "7901d9cf0f7e63a7e5eacabfd75fabfb223259d6c045ac5b4d86fb774c371945",
    );
    vector(
        "getMeetingInfo",
        "meetingID=SHA1_meeting",
        "test-1",
        Sha256,
        "c8cd32fbbc006424c5784b8e9679b8ff0d21c577d361d9afdab37638b1d7a4e8",
    );
    vector(
        "getMeetingInfo",
        "meetingID=SHA256_meeting",
        "test-1",
        Sha256,
        "cd288062f4b623e1f975150e4c47a8cc212937174acafe8b1f340d5aef1877af",
    );
    vector("getMeetingInfo", "", "test-1", Sha256, "217da05b692320353e17a1b11c24e9e715caeee51ab5af35231ee5becc350d1e");
    vector("getMeetingInfo", "", "test-2", Sha256, "d3a5ebf2c9a52d3b9f421492499f11a1a625f3b9af48c6b1cc61d1c6c565aee6");
    vector("getUser", "name=bbb", "test", Sha1, "14727e995e790f61f6f0be878d52efb248b00e92");
    vector("getMeetings", "", "b4578c133b8a49acaecacbb3abec91a1", Sha1, "626a395f69c5f3a3e04145a8262c318c6f788808");
    vector(
        "hooks/create",
        "callbackURL=https%3A%2F%2Fapp.example.com%2Fbbb%2Fhooks",
        a1_secret,
        Sha1,
        "051c9396dc8e457c70fea866aeb2bbcc9942b526",
    );
}

/// The encoder reproduces the exact published query bytes, so the signer reproduces the checksum.
#[test]
fn encoder_and_signer_reproduce_published_requests() {
    let base = ApiBase::parse("https://test-install.blindsidenetworks.com/bigbluebutton/").unwrap();
    let query = support::published_create_query();
    let signer = Signer { secret: Secret::new("8cd8ef52e8e101574e400365b55e11a6"), algorithm: ChecksumAlgorithm::Sha1 };
    let url = signer.sign(&base, ApiCall::Create, &query);
    assert!(url.expose().ends_with("&checksum=bd74bc3c07945eef284118f1cd6e09463c7a49ea"), "{url:?}");

    let mut docs = Query::new();
    docs.push("name", "Test Meeting")
        .push("meetingID", "abc123")
        .push("attendeePW", "111222")
        .push("moderatorPW", "333444");
    let signer =
        Signer { secret: Secret::new("639259d4-9dd8-4b25-bf01-95f9567eaf4b"), algorithm: ChecksumAlgorithm::Sha1 };
    assert_eq!(
        signer.sign(&base, ApiCall::Create, &docs).expose(),
        "https://test-install.blindsidenetworks.com/bigbluebutton/api/create?name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    );
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +%&=;#'*~?/\\\\\"<>{}|^`\\[\\]a-zA-Z0-9éß🎉\u{0}-\u{1f}]{0,40}",
        Just(String::new()),
        Just("%%CONFNAME%%".to_owned()),
        Just("a+b%20c%2Bd".to_owned()),
        Just("checksum=deadbeef".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_parameters_round_trip_and_verify(
        values in proptest::collection::vec((tricky_string(), tricky_string()), 1..8),
        algorithm in prop_oneof![Just(ChecksumAlgorithm::Sha1), Just(ChecksumAlgorithm::Sha256), Just(ChecksumAlgorithm::Sha384), Just(ChecksumAlgorithm::Sha512)],
        secret in "[ -~]{1,40}",
    ) {
        let base = ApiBase::parse("https://bbb.test/bigbluebutton").unwrap();
        let signer = Signer { secret: Secret::new(secret.clone()), algorithm };
        let mut query = Query::new();
        for (name, value) in &values {
            query.push(name, value);
        }
        let url = signer.sign(&base, ApiCall::Join, &query);
        let (call, raw) = call_and_query(url.expose());
        prop_assert_eq!(&call, "join");
        // Only unreserved bytes, %XX, + and the separators travel: no layer can re-encode them.
        prop_assert!(raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-._%+&=".contains(&b)), "{}", raw);
        prop_assert!(bbb_web_accepts(&call, &raw, signer.secret.expose()));
        let decoded = params(&raw);
        prop_assert_eq!(&decoded[..decoded.len() - 1], &values[..]);
        prop_assert_eq!(&decoded.last().unwrap().0, "checksum");
    }
}
