use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Sha256, Sha384, Sha512};

use super::*;
use crate::role::Role;

const NOW: i64 = 1_800_000_000;
const KEY: &str = "host-app-shared-key-0123456789abcdef";

fn policy() -> TokenPolicy {
    TokenPolicy {
        issuers: vec!["https://lms.example".into(), "portal".into()],
        audience: "bbb-edge".into(),
        algorithms: vec![JwtAlgorithm::Hs256, JwtAlgorithm::Hs512],
        hmac_keys: vec![Secret::new(KEY)],
        max_age_seconds: 300,
        leeway_seconds: 30,
    }
}

fn claims() -> Value {
    json!({
        "iss": "https://lms.example", "aud": "bbb-edge", "iat": NOW - 10, "exp": NOW + 120,
        "jti": "j-1", "sub": "user-42", "name": "Ada Lovelace", "meeting": "course-101",
    })
}

/// Mints a compact JWS by hand (independently of jwt-compact) so tests can build broken ones too.
fn mint_with(header: &Value, payload: &[u8], key: &str) -> String {
    let alg = header["alg"].as_str().unwrap_or("");
    let signing_input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(header.to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(payload)
    );
    let signature = match alg {
        "HS256" | "RS256" | "ES256" => mac::<Hmac<Sha256>>(key, &signing_input),
        "HS384" => mac::<Hmac<Sha384>>(key, &signing_input),
        "HS512" => mac::<Hmac<Sha512>>(key, &signing_input),
        _ => Vec::new(),
    };
    format!("{signing_input}.{}", Base64UrlUnpadded::encode_string(&signature))
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &str, data: &str) -> Vec<u8> {
    let mut mac = <M as Mac>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn mint(claims: &Value) -> String {
    mint_with(&json!({"alg": "HS256", "typ": "JWT"}), claims.to_string().as_bytes(), KEY)
}

fn with(changes: Value) -> Value {
    let mut claims = claims();
    for (key, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

fn verify(token: &str) -> Result<VerifiedToken, TokenError> {
    policy().verify(token, NOW)
}

fn join(claims: &Value) -> Result<JoinClaims, TokenError> {
    JoinClaims::parse(&verify(&mint(claims))?.claims)
}

#[test]
fn a_good_token_verifies_and_parses() {
    let verified = verify(&mint(&claims())).unwrap();
    assert_eq!((verified.issued_at, verified.expires_at), (NOW - 10, NOW + 120));
    let join = JoinClaims::parse(&verified.claims).unwrap();
    assert_eq!(join.sub, "user-42");
    assert_eq!(join.name, "Ada Lovelace");
    assert_eq!(join.meeting.as_str(), "course-101");
    assert_eq!(join.meeting_name, "course-101");
    assert_eq!(join.role, None);
    assert!(!join.guest);
}

#[test]
fn hs512_verifies_when_allowed() {
    let token = mint_with(&json!({"alg": "HS512"}), claims().to_string().as_bytes(), KEY);
    assert!(verify(&token).is_ok());
}

#[test]
fn malformed_or_badly_signed_tokens_are_invalid() {
    let good = mint(&claims());
    let (head, _) = good.rsplit_once('.').unwrap();
    let cases = [
        "not-a-jwt".to_owned(),
        "a.b".to_owned(),
        "a.b.c.d".to_owned(),
        format!("{head}.AAAA"),                // short signature: must not panic
        format!("{head}.{}", "A".repeat(400)), // long signature: must not panic
        format!("{head}."),                    // empty signature
        mint_with(&json!({"alg": "HS256"}), claims().to_string().as_bytes(), "another-key"),
        good.replacen('.', ".e", 1), // payload tampered
        "x".repeat(9000),
    ];
    for token in cases {
        assert_eq!(verify(&token).unwrap_err(), TokenError::Invalid, "{token}");
    }
    assert_eq!(verify("").unwrap_err(), TokenError::Missing);
}

#[test]
fn algorithms_outside_the_allow_list_are_refused() {
    let payload = claims().to_string();
    for alg in ["none", "None", "HS384", "hs256", "RS256", "ES256", "EdDSA"] {
        let token = mint_with(&json!({"alg": alg}), payload.as_bytes(), KEY);
        assert!(matches!(verify(&token), Err(TokenError::AlgorithmNotAllowed(_))), "{alg}");
    }
    // alg:none with the signature stripped, the classic.
    let unsigned = format!(
        "{}.{}.",
        Base64UrlUnpadded::encode_string(br#"{"alg":"none"}"#),
        Base64UrlUnpadded::encode_string(payload.as_bytes())
    );
    assert!(matches!(verify(&unsigned), Err(TokenError::AlgorithmNotAllowed(_))));
}

#[test]
fn no_hmac_key_means_no_hmac_token_verifies() {
    let mut policy = policy();
    policy.hmac_keys.clear();
    assert_eq!(policy.verify(&mint(&claims()), NOW).unwrap_err(), TokenError::Invalid);
}

#[test]
fn issuer_and_audience_must_match_exactly() {
    assert!(verify(&mint(&with(json!({"iss": "portal"})))).is_ok());
    assert!(verify(&mint(&with(json!({"aud": ["other", "bbb-edge"]})))).is_ok());
    for iss in ["https://lms.example/", "HTTPS://LMS.EXAMPLE", "portal ", "", "https://lms.example,portal"] {
        assert_eq!(verify(&mint(&with(json!({"iss": iss})))).unwrap_err(), TokenError::IssuerMismatch, "{iss}");
    }
    for aud in [json!("bbb-edge "), json!("BBB-EDGE"), json!(["other"]), json!([])] {
        assert_eq!(
            verify(&mint(&with(json!({"aud": aud.clone()})))).unwrap_err(),
            TokenError::AudienceMismatch,
            "{aud}"
        );
    }
}

#[test]
fn registered_claims_are_required_and_typed() {
    for (changes, claim) in [
        (json!({"iss": null}), "iss"),
        (json!({"aud": null}), "aud"),
        (json!({"exp": null}), "exp"),
        (json!({"iat": null}), "iat"),
        (json!({"iss": 7}), "iss"),
        (json!({"aud": [1]}), "aud"),
        (json!({"exp": "soon"}), "exp"),
    ] {
        match verify(&mint(&with(changes.clone()))) {
            Err(TokenError::ClaimInvalid(reason)) => assert!(reason.contains(claim), "{reason} / {claim}"),
            other => panic!("{changes}: {other:?}"),
        }
    }
    let not_an_object = mint_with(&json!({"alg": "HS256"}), b"[1,2]", KEY);
    assert!(matches!(verify(&not_an_object), Err(TokenError::ClaimInvalid(_))));
}

#[test]
fn time_window_with_leeway() {
    let ok = |changes: Value| verify(&mint(&with(changes))).map(|_| ());
    assert!(ok(json!({"exp": NOW - 30, "iat": NOW - 100})).is_ok(), "within leeway");
    assert_eq!(ok(json!({"exp": NOW - 31, "iat": NOW - 100})), Err(TokenError::Expired));
    assert!(ok(json!({"iat": NOW + 30, "exp": NOW + 60})).is_ok(), "iat within leeway");
    assert_eq!(ok(json!({"iat": NOW + 31, "exp": NOW + 60})), Err(TokenError::NotYetValid));
    assert!(ok(json!({"nbf": NOW + 30})).is_ok());
    assert_eq!(ok(json!({"nbf": NOW + 31})), Err(TokenError::NotYetValid));
    assert_eq!(
        ok(json!({"iat": NOW - 10, "exp": NOW + 291})),
        Err(TokenError::TooLongLived { lifetime: 301, max: 300 })
    );
    assert!(ok(json!({"iat": NOW - 10, "exp": NOW + 290})).is_ok(), "exactly the max age");
    assert!(matches!(ok(json!({"iat": NOW, "exp": NOW - 1})), Err(TokenError::Expired | TokenError::ClaimInvalid(_))));
}

#[test]
fn join_claims_are_required_and_checked() {
    for missing in ["jti", "sub", "name", "meeting"] {
        let result = join(&with(json!({ missing: null })));
        assert!(matches!(&result, Err(TokenError::ClaimInvalid(r)) if r.contains(missing)), "{missing}: {result:?}");
    }
    for bad in [
        json!({"meeting": "a"}),
        json!({"meeting": "a,b"}),
        json!({"meeting": 12}),
        json!({"name": "  "}),
        json!({"name": "line\nbreak"}),
        json!({"sub": ""}),
        json!({"roles": "Instructor"}),
        json!({"roles": ["ok", 1]}),
        json!({"role": "Moderator"}),
        json!({"role": "admin"}),
        json!({"guest": "true"}),
        json!({"avatar_url": "http://cdn.example/a.png"}),
        json!({"avatar_url": "javascript:alert(1)"}),
        json!({"avatar_url": "https://"}),
        json!({"meeting_name": "x"}),
        json!({"create": {"record": null}}),
    ] {
        assert!(matches!(join(&with(bad.clone())), Err(TokenError::ClaimInvalid(_))), "{bad}");
    }
}

#[test]
fn optional_join_claims_are_read() {
    let claims = join(&with(json!({
        "roles": ["Instructor"], "role": "moderator", "meeting_name": "Algebra 🎓",
        "avatar_url": "https://cdn.example/a.png", "guest": true, "scope": "openid join",
        "create": {"record": true}
    })))
    .unwrap();
    assert_eq!(claims.roles, vec!["Instructor"]);
    assert_eq!(claims.role, Some(Role::Moderator));
    assert_eq!(claims.meeting_name, "Algebra 🎓");
    assert_eq!(claims.avatar_url.as_deref(), Some("https://cdn.example/a.png"));
    assert!(claims.guest);
    assert_eq!(claims.create.get("record"), Some("true"));
}

#[test]
fn create_params_outside_the_allow_list_are_refused() {
    assert_eq!(
        join(&with(json!({"create": {"moderatorPW": "x"}}))).unwrap_err(),
        TokenError::CreateParamNotAllowed("moderatorPW".into())
    );
}

#[test]
fn scope_must_include_join_when_present() {
    assert_eq!(join(&with(json!({"scope": "api"}))).unwrap_err(), TokenError::ScopeMissing("join"));
    assert_eq!(join(&with(json!({"scope": "joiner"}))).unwrap_err(), TokenError::ScopeMissing("join"));
    assert!(join(&with(json!({"scope": "join"}))).is_ok());
}

#[test]
fn during_a_rotation_the_previous_key_still_verifies() {
    let mut policy = policy();
    policy.hmac_keys = vec![Secret::new("new-key"), Secret::new(KEY)];
    assert!(policy.verify(&mint(&claims()), NOW).is_ok(), "a token from the old key");
    let new = mint_with(&json!({"alg": "HS256"}), claims().to_string().as_bytes(), "new-key");
    assert!(policy.verify(&new, NOW).is_ok(), "a token from the new key");
    policy.hmac_keys.pop();
    assert_eq!(policy.verify(&mint(&claims()), NOW).unwrap_err(), TokenError::Invalid, "rotation over");
}

/// Answers as scripted, and counts how often it was asked.
struct Scripted(Result<bool, TokenError>, std::cell::Cell<u32>);

impl SignatureVerifier for Scripted {
    async fn verify(&self, token: &SignedToken<'_>) -> Result<bool, TokenError> {
        self.1.set(self.1.get() + 1);
        assert!(!token.algorithm.is_hmac());
        self.0.clone()
    }
}

#[test]
fn asymmetric_tokens_go_to_the_verifier_and_obey_the_same_rules() {
    let mut policy = policy();
    policy.algorithms = vec![JwtAlgorithm::Hs256, JwtAlgorithm::Es256];
    let es256 = mint_with(&json!({"alg": "ES256", "kid": "k1"}), claims().to_string().as_bytes(), KEY);
    let run = |answer: Result<bool, TokenError>, token: &str| {
        let verifier = Scripted(answer, std::cell::Cell::new(0));
        let result = futures_executor::block_on(policy.verify_with(token, NOW, &verifier));
        (result.map(|v| v.claims["sub"].clone()), verifier.1.get())
    };
    assert_eq!(run(Ok(true), &es256), (Ok(json!("user-42")), 1));
    assert_eq!(run(Ok(false), &es256), (Err(TokenError::Invalid), 1));
    assert_eq!(
        run(Err(TokenError::AlgorithmNotAllowed("ES256".into())), &es256).0,
        Err(TokenError::AlgorithmNotAllowed("ES256".into()))
    );
    // The synchronous check never accepts an asymmetric token.
    assert_eq!(policy.verify(&es256, NOW).unwrap_err(), TokenError::Invalid);
    // HS tokens never reach the verifier; their keys decide.
    assert_eq!(run(Ok(false), &mint(&claims())), (Ok(json!("user-42")), 0));
    // A verified asymmetric token still has its claims checked.
    let expired = mint_with(
        &json!({"alg": "ES256"}),
        with(json!({"exp": NOW - 100, "iat": NOW - 200})).to_string().as_bytes(),
        KEY,
    );
    assert_eq!(run(Ok(true), &expired).0, Err(TokenError::Expired));
    // EdDSA is not in this allow-list: refused before any verifier is asked.
    let eddsa = mint_with(&json!({"alg": "EdDSA"}), claims().to_string().as_bytes(), KEY);
    assert_eq!(run(Ok(true), &eddsa), (Err(TokenError::AlgorithmNotAllowed("EdDSA".into())), 0));
}
