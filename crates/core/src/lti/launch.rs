//! The launch (LTI 1.3 §5.1.2, CONTRACT §10): the id_token the platform form-posts, checked like a
//! host token against the platform's keys, then every LTI claim, then turned into the same
//! [`PreparedJoin`] a host token becomes. The nonce is spent by the meeting's coordinator, as a
//! host token's `jti` is: strongly consistent, and the id_token decides the meeting, so a replay
//! always reaches the object that remembers it.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::login::{unknown_deployment, LoginState};
use super::platforms::LtiPlatform;
use crate::config::Config;
use crate::coordinator::{CreateSpec, Jti};
use crate::create_options::CreateOptions;
use crate::error::{AppError, ErrorCode};
use crate::ids::MeetingId;
use crate::join::PreparedJoin;
use crate::role;
use crate::ticket::Participant;
use crate::token::{JwtAlgorithm, TokenPolicy, VerifiedToken};

const CLAIM: &str = "https://purl.imsglobal.org/spec/lti/claim/";

/// The longest `exp - iat` of an id_token. Platforms choose (Canvas signs for an hour); the launch
/// must still come within [`super::login::LOGIN_SECONDS`] of its login, and its nonce works once.
pub const ID_TOKEN_MAX_AGE_SECONDS: u64 = 3600;

/// How a platform's id_tokens are checked: its issuer, its client id in `aud`, its keys' algorithms.
pub fn token_policy(platform: &LtiPlatform, leeway_seconds: u64) -> TokenPolicy {
    TokenPolicy {
        issuers: vec![platform.issuer.clone()],
        audience: platform.client_id.clone(),
        algorithms: vec![JwtAlgorithm::Rs256, JwtAlgorithm::Es256, JwtAlgorithm::EdDsa],
        hmac_keys: Vec::new(),
        max_age_seconds: ID_TOKEN_MAX_AGE_SECONDS,
        leeway_seconds,
    }
}

/// Checks a verified id_token's LTI claims against its platform and login, and makes the join.
pub fn prepare_launch(
    config: &Config,
    platform: &LtiPlatform,
    state: &LoginState,
    verified: VerifiedToken,
) -> Result<PreparedJoin, AppError> {
    let claims = &verified.claims;
    check_azp(claims, &platform.client_id)?;
    if text(claims, "nonce") != Some(state.nonce.as_str()) {
        return Err(AppError::new(
            ErrorCode::TokenInvalid,
            "This launch's id_token was not made for this login (its nonce differs). Open the activity from the course again.",
        ));
    }
    let message_type = text(claims, &lti("message_type"));
    if message_type != Some("LtiResourceLinkRequest") {
        return Err(invalid(format!(
            "bbb-edge takes LTI resource link launches; this was {:?}. Add bbb-edge to the course as an activity (a resource link), not as a deep link or another message.",
            message_type.unwrap_or("no message type")
        )));
    }
    if text(claims, &lti("version")) != Some("1.3.0") {
        return Err(invalid("The launch is not LTI version 1.3.0."));
    }
    let deployment = text(claims, &lti("deployment_id"))
        .ok_or_else(|| invalid("The launch names no deployment (`deployment_id`)."))?;
    if !platform.knows_deployment(deployment) {
        return Err(unknown_deployment(deployment));
    }
    let resource_link = claims.get(&lti("resource_link")).and_then(Value::as_object);
    let link_id = resource_link
        .and_then(|link| text(link, "id"))
        .ok_or_else(|| invalid("The launch names no resource link (`resource_link.id`)."))?;
    let context = claims.get(&lti("context")).and_then(Value::as_object);
    let context_id = context.and_then(|c| text(c, "id")).unwrap_or("");
    let meeting = meeting_id(&platform.issuer, deployment, context_id, link_id);
    let sub = text(claims, "sub")
        .filter(|s| !s.is_empty() && s.chars().count() <= 256 && !s.chars().any(char::is_control))
        .ok_or_else(|| {
            invalid("The launch names no usable user (`sub`): bbb-edge does not take anonymous launches.")
        })?;
    let roles: Vec<String> = match claims.get(&lti("roles")) {
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let role = role::decide(None, &roles, &platform.moderator_roles);
    let name = [resource_link.and_then(|l| text(l, "title")), context.and_then(|c| text(c, "title"))]
        .into_iter()
        .flatten()
        .map(|title| bounded(title, 256))
        .find(|title| title.chars().count() >= 2)
        .unwrap_or_else(|| meeting.as_str().to_owned());
    let leeway = config.tokens.leeway_seconds as i64;
    Ok(PreparedJoin {
        jti: Jti {
            id: format!("lti-nonce:{}", state.nonce),
            issued_at: verified.issued_at,
            until: verified.expires_at.saturating_add(leeway),
        },
        spec: CreateSpec {
            meeting: meeting.clone(),
            name,
            options: CreateOptions::default(),
            server_tag: None,
            expected_size: None,
        },
        participant: Participant {
            meeting,
            full_name: full_name(claims, sub),
            user_id: sub.to_owned(),
            role,
            avatar_url: None,
            guest: false,
            waits: config.waiting.applies(role, None),
            from_lms: true,
        },
    })
}

/// `lti-` and the first 32 hex characters of `sha256(issuer \n deployment \n context \n link)`.
pub fn meeting_id(issuer: &str, deployment: &str, context: &str, link: &str) -> MeetingId {
    let digest = Sha256::digest(format!("{issuer}\n{deployment}\n{context}\n{link}").as_bytes());
    MeetingId::parse(&format!("lti-{}", &hex::encode(digest)[..32])).expect("a valid meeting id")
}

/// `name`, else given and family name, else `sub`.
fn full_name(claims: &Map<String, Value>, sub: &str) -> String {
    fn clean(value: Option<&str>) -> Option<&str> {
        value.map(str::trim).filter(|v| !v.is_empty() && !v.chars().any(char::is_control))
    }
    if let Some(name) = clean(text(claims, "name")) {
        return bounded(name, 256);
    }
    let parts: Vec<&str> =
        [clean(text(claims, "given_name")), clean(text(claims, "family_name"))].into_iter().flatten().collect();
    if !parts.is_empty() {
        return bounded(&parts.join(" "), 256);
    }
    sub.to_owned()
}

/// With several audiences, `azp` must name this client (OIDC Core §2; LTI 1.3 §5.1.3).
fn check_azp(claims: &Map<String, Value>, client_id: &str) -> Result<(), AppError> {
    let several = matches!(claims.get("aud"), Some(Value::Array(list)) if list.len() > 1);
    match text(claims, "azp") {
        Some(azp) if azp == client_id => Ok(()),
        Some(_) => Err(AppError::new(
            ErrorCode::AudienceMismatch,
            "The id_token's `azp` is not bbb-edge's client id on this LMS.",
        )),
        None if several => Err(invalid("The id_token names several audiences but no `azp`.")),
        None => Ok(()),
    }
}

fn text<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn lti(name: &str) -> String {
    format!("{CLAIM}{name}")
}

fn bounded(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::ClaimInvalid, message)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::tests::MapSource;
    use crate::role::Role;

    const ISSUER: &str = "https://lms.example.org";

    fn config(wait: bool) -> Config {
        let mut settings = crate::config::tests::full();
        settings.insert(
            "LTI_PLATFORMS",
            r#"[{"issuer": "https://lms.example.org", "client_id": "c1", "deployment_ids": ["d1"],
            "auth_url": "https://lms.example.org/auth", "jwks_url": "https://lms.example.org/certs"}]"#,
        );
        if wait {
            settings.insert("WAIT_FOR_MODERATOR", "true");
        }
        Config::load(&MapSource(settings)).unwrap()
    }

    fn state() -> LoginState {
        LoginState { issuer: ISSUER.into(), client_id: "c1".into(), nonce: "n-1".into(), expires_at: 2000 }
    }

    fn claims(extra: Value) -> VerifiedToken {
        let mut claims = json!({
            "iss": ISSUER, "aud": "c1", "azp": "c1", "sub": "u-7", "nonce": "n-1",
            "name": "Ada Lovelace",
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "d1",
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "link-1", "title": "Live class"},
            "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "course-9", "title": "Biology"},
            "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        });
        for (key, value) in extra.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(key);
            } else {
                claims[key] = value.clone();
            }
        }
        VerifiedToken { issued_at: 1000, expires_at: 1300, claims: claims.as_object().unwrap().clone() }
    }

    fn launch(extra: Value) -> Result<PreparedJoin, AppError> {
        let config = config(false);
        let platform = config.lti.find(ISSUER, Some("c1")).unwrap().clone();
        prepare_launch(&config, &platform, &state(), claims(extra))
    }

    #[test]
    fn a_learner_joins_the_links_meeting_as_viewer() {
        let join = launch(json!({})).unwrap();
        let expected = hex::encode(Sha256::digest(b"https://lms.example.org\nd1\ncourse-9\nlink-1"));
        assert_eq!(join.participant.meeting.as_str(), format!("lti-{}", &expected[..32]));
        assert_eq!(join.spec.name, "Live class");
        assert_eq!((join.participant.user_id.as_str(), join.participant.full_name.as_str()), ("u-7", "Ada Lovelace"));
        assert_eq!(join.participant.role, Role::Viewer);
        assert_eq!(join.jti, Jti { id: "lti-nonce:n-1".into(), issued_at: 1000, until: 1330 });
        assert!(!join.participant.waits);
    }

    #[test]
    fn instructors_and_administrators_moderate_in_full_and_short_forms() {
        for roles in [
            json!(["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]),
            json!(["Instructor"]),
            json!(["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"]),
            json!(["ContentDeveloper", "Learner"]),
        ] {
            let join = launch(json!({ "https://purl.imsglobal.org/spec/lti/claim/roles": roles })).unwrap();
            assert_eq!(join.participant.role, Role::Moderator, "{roles}");
        }
        for roles in [json!(["instructor"]), json!(["Instructor "]), json!(["TeachingAssistant"]), json!([])] {
            let join = launch(json!({ "https://purl.imsglobal.org/spec/lti/claim/roles": roles })).unwrap();
            assert_eq!(join.participant.role, Role::Viewer, "{roles}");
        }
    }

    #[test]
    fn names_fall_back_as_the_contract_says() {
        let link = "https://purl.imsglobal.org/spec/lti/claim/resource_link";
        let join = launch(json!({ link: {"id": "link-1"}, "name": null, "given_name": "Ada", "family_name": "King" }))
            .unwrap();
        assert_eq!((join.spec.name.as_str(), join.participant.full_name.as_str()), ("Biology", "Ada King"));
        let join = launch(
            json!({ link: {"id": "link-1"}, "https://purl.imsglobal.org/spec/lti/claim/context": null, "name": null }),
        )
        .unwrap();
        assert_eq!(join.spec.name, join.participant.meeting.as_str(), "no title: the meeting id");
        assert_eq!(join.participant.full_name, "u-7");
        let expected = hex::encode(Sha256::digest(b"https://lms.example.org\nd1\n\nlink-1"));
        assert_eq!(join.participant.meeting.as_str(), format!("lti-{}", &expected[..32]), "no context: an empty id");
    }

    #[test]
    fn every_claim_check_refuses_with_its_code() {
        let lti = |name: &str| format!("https://purl.imsglobal.org/spec/lti/claim/{name}");
        let cases = [
            (json!({ "nonce": "n-2" }), ErrorCode::TokenInvalid, "nonce"),
            (json!({ "nonce": null }), ErrorCode::TokenInvalid, "nonce"),
            (json!({ lti("message_type"): "LtiDeepLinkingRequest" }), ErrorCode::ClaimInvalid, "LtiDeepLinkingRequest"),
            (json!({ lti("version"): "1.1" }), ErrorCode::ClaimInvalid, "1.3.0"),
            (json!({ lti("deployment_id"): "d9" }), ErrorCode::ClaimInvalid, "deployment id \"d9\""),
            (json!({ lti("resource_link"): null }), ErrorCode::ClaimInvalid, "resource link"),
            (json!({ "aud": ["c1", "other"], "azp": null }), ErrorCode::ClaimInvalid, "azp"),
            (json!({ "azp": "other" }), ErrorCode::AudienceMismatch, "azp"),
            (json!({ "sub": null }), ErrorCode::ClaimInvalid, "sub"),
            (json!({ "sub": "u\n7" }), ErrorCode::ClaimInvalid, "sub"),
        ];
        for (extra, code, says) in cases {
            let error = launch(extra.clone()).unwrap_err();
            assert_eq!(error.code, code, "{extra}");
            assert!(error.message.contains(says), "{extra}: {}", error.message);
        }
        assert!(launch(json!({ "aud": ["c1", "other"] })).is_ok(), "several audiences with the right azp");
        assert!(launch(json!({ "azp": null })).is_ok(), "one audience needs no azp");
    }

    #[test]
    fn waiting_follows_the_workers_default_for_viewers_only() {
        let config = config(true);
        let platform = config.lti.find(ISSUER, None).unwrap().clone();
        assert!(prepare_launch(&config, &platform, &state(), claims(json!({}))).unwrap().participant.waits);
        let teacher = claims(json!({ "https://purl.imsglobal.org/spec/lti/claim/roles": ["Instructor"] }));
        assert!(!prepare_launch(&config, &platform, &state(), teacher).unwrap().participant.waits);
    }

    #[test]
    fn a_platforms_policy_takes_only_its_issuer_audience_and_asymmetric_algorithms() {
        let config = config(false);
        let policy = token_policy(config.lti.find(ISSUER, None).unwrap(), 30);
        assert_eq!((policy.issuers.as_slice(), policy.audience.as_str()), (&[ISSUER.to_owned()][..], "c1"));
        assert!(policy.algorithms.iter().all(|alg| !alg.is_hmac()) && policy.hmac_keys.is_empty());
    }
}
