//! The OIDC third-party initiated login (LTI 1.3 §5.1.1, CONTRACT §10): the platform sends the
//! browser here with who it is; the worker sends it on to the platform's `auth_url` with a fresh
//! `nonce` and a `state` that the browser also carries in a cookie. The state is sealed, so the
//! launch learns from it which platform and nonce to expect without any storage.

use serde::{Deserialize, Serialize};

use super::platforms::{LtiPlatform, LtiPlatforms};
use crate::config::PublicUrl;
use crate::error::{AppError, ErrorCode};
use crate::mac::Purpose;
use crate::sealed;
use crate::secret::Secret;

/// How long a login may take to come back as a launch.
pub const LOGIN_SECONDS: i64 = 300;

/// The login request's parameters (query or form).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginRequest {
    pub issuer: String,
    pub login_hint: String,
    pub target_link_uri: String,
    pub lti_message_hint: Option<String>,
    pub client_id: Option<String>,
    pub deployment_id: Option<String>,
}

impl LoginRequest {
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, AppError> {
        let mut request = LoginRequest::default();
        for (name, value) in pairs {
            let value = value.to_owned();
            match name {
                "iss" => request.issuer = value,
                "login_hint" => request.login_hint = value,
                "target_link_uri" => request.target_link_uri = value,
                "lti_message_hint" => request.lti_message_hint = Some(value),
                "client_id" => request.client_id = Some(value),
                "lti_deployment_id" => request.deployment_id = Some(value),
                _ => {}
            }
        }
        for (name, value) in [("iss", &request.issuer), ("login_hint", &request.login_hint)] {
            if value.is_empty() {
                return Err(refused(format!(
                    "The LMS started this launch without `{name}`. Open the activity from the course again; if it keeps happening, the LMS's tool registration needs checking."
                )));
            }
        }
        Ok(request)
    }
}

/// What the browser carries from login to launch (sealed in `state`, and in a cookie).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginState {
    pub issuer: String,
    pub client_id: String,
    pub nonce: String,
    pub expires_at: i64,
}

impl LoginState {
    pub fn seal(&self, key: &Secret) -> String {
        sealed::seal(self, key, STATE)
    }

    pub fn open(keys: &[&Secret], state: &str, now: i64) -> Result<LoginState, AppError> {
        let opened: LoginState = sealed::open(keys, STATE, state).ok_or_else(|| {
            refused("This launch's state is not one bbb-edge made. Open the activity from the course again.")
        })?;
        if now > opened.expires_at {
            return Err(AppError::new(
                ErrorCode::TokenExpired,
                "This launch took too long between the LMS's login and its launch. Open the activity from the course again.",
            ));
        }
        Ok(opened)
    }

    /// The name of the cookie that binds this login to the browser: one per login, so two
    /// launches in two tabs do not overwrite each other.
    pub fn cookie_name(&self) -> String {
        let short: String = self.nonce.chars().take(16).collect();
        format!("bbb_edge_lti_{short}")
    }
}

const STATE: Purpose = Purpose(b"bbb-edge lti state v1\n");

/// Where the login sends the browser, and the cookie it sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginRedirect {
    pub location: String,
    pub cookie: String,
}

/// The login's answer: the platform's `auth_url` with every parameter of CONTRACT §10.
pub fn login(
    platforms: &LtiPlatforms,
    public_url: &PublicUrl,
    key: &Secret,
    request: &LoginRequest,
    nonce: String,
    now: i64,
) -> Result<LoginRedirect, AppError> {
    let platform = find(platforms, &request.issuer, request.client_id.as_deref())?;
    if let Some(deployment) = &request.deployment_id {
        if !platform.knows_deployment(deployment) {
            return Err(unknown_deployment(deployment));
        }
    }
    let state = LoginState {
        issuer: platform.issuer.clone(),
        client_id: platform.client_id.clone(),
        nonce: nonce.clone(),
        expires_at: now + LOGIN_SECONDS,
    };
    let sealed = state.seal(key);
    let redirect_uri = format!("{}/lti/launch", public_url.as_str());
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("scope", "openid");
    query.append_pair("response_type", "id_token");
    query.append_pair("response_mode", "form_post");
    query.append_pair("prompt", "none");
    query.append_pair("client_id", &platform.client_id);
    query.append_pair("redirect_uri", &redirect_uri);
    query.append_pair("login_hint", &request.login_hint);
    if let Some(hint) = &request.lti_message_hint {
        query.append_pair("lti_message_hint", hint);
    }
    query.append_pair("state", &sealed);
    query.append_pair("nonce", &nonce);
    let separator = if platform.auth_url.contains('?') { '&' } else { '?' };
    let location = format!("{}{separator}{}", platform.auth_url, query.finish());
    // SameSite=None so the form post from the LMS's origin carries it; Partitioned (CHIPS) so it
    // still works inside an LMS iframe where third-party cookies are blocked.
    let cookie = format!(
        "{}={sealed}; Path=/lti/; Max-Age={LOGIN_SECONDS}; Secure; HttpOnly; SameSite=None; Partitioned",
        state.cookie_name()
    );
    Ok(LoginRedirect { location, cookie })
}

/// The registered platform of `issuer` (and `client_id`), or a refusal that says what to register.
pub fn find<'a>(
    platforms: &'a LtiPlatforms,
    issuer: &str,
    client_id: Option<&str>,
) -> Result<&'a LtiPlatform, AppError> {
    platforms.find(issuer, client_id).ok_or_else(|| {
        let client = client_id.map(|c| format!(" with client id {c:?}")).unwrap_or_default();
        refused(format!(
            "This LMS is not registered with bbb-edge: issuer {issuer:?}{client}. Ask the people who run bbb-edge to add it to LTI_PLATFORMS (docs/lti.md)."
        ))
        .for_operator()
    })
}

pub(super) fn unknown_deployment(deployment: &str) -> AppError {
    AppError::new(
        ErrorCode::ClaimInvalid,
        format!(
            "This course's LTI deployment is not registered with bbb-edge: deployment id {deployment:?}. Ask the people who run bbb-edge to add it to the platform's deployment_ids in LTI_PLATFORMS."
        ),
    )
    .for_operator()
}

pub(super) fn refused(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidRequest, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platforms() -> LtiPlatforms {
        LtiPlatforms::parse(
            r#"[{"issuer": "https://lms.example.org", "client_id": "c1", "deployment_ids": ["1"],
            "auth_url": "https://lms.example.org/mod/lti/auth.php?x=1", "jwks_url": "https://lms.example.org/certs"}]"#,
            60,
        )
        .unwrap()
    }

    fn request() -> LoginRequest {
        LoginRequest::from_pairs([
            ("iss", "https://lms.example.org"),
            ("login_hint", "u 7"),
            ("target_link_uri", "https://edge.example/lti/launch"),
            ("lti_message_hint", "link&1"),
            ("client_id", "c1"),
            ("lti_deployment_id", "1"),
        ])
        .unwrap()
    }

    #[test]
    fn the_login_sends_every_parameter_and_binds_the_state_to_the_browser() {
        let key = Secret::new("k");
        let public = PublicUrl::parse("https://edge.example").unwrap();
        let out = login(&platforms(), &public, &key, &request(), "n0nce-0123456789abcdef".into(), 1000).unwrap();
        let (base, query) = out.location.split_once("?x=1&").unwrap();
        assert_eq!(base, "https://lms.example.org/mod/lti/auth.php");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("scope"), Some("openid"));
        assert_eq!(get("response_type"), Some("id_token"));
        assert_eq!(get("response_mode"), Some("form_post"));
        assert_eq!(get("prompt"), Some("none"));
        assert_eq!(get("client_id"), Some("c1"));
        assert_eq!(get("redirect_uri"), Some("https://edge.example/lti/launch"));
        assert_eq!(get("login_hint"), Some("u 7"));
        assert_eq!(get("lti_message_hint"), Some("link&1"));
        assert_eq!(get("nonce"), Some("n0nce-0123456789abcdef"));
        let state = LoginState::open(&[&key], get("state").unwrap(), 1000).unwrap();
        assert_eq!((state.issuer.as_str(), state.client_id.as_str()), ("https://lms.example.org", "c1"));
        assert_eq!(state.nonce, "n0nce-0123456789abcdef");
        assert!(out.cookie.starts_with(&format!("{}={}; ", state.cookie_name(), get("state").unwrap())));
        for attribute in ["Secure", "HttpOnly", "SameSite=None", "Partitioned", "Path=/lti/", "Max-Age=300"] {
            assert!(out.cookie.split("; ").any(|a| a == attribute), "{attribute}: {}", out.cookie);
        }
        assert_eq!(LoginState::open(&[&key], get("state").unwrap(), 1301).unwrap_err().code, ErrorCode::TokenExpired);
        assert_eq!(
            LoginState::open(&[&Secret::new("x")], get("state").unwrap(), 1000).unwrap_err().code,
            ErrorCode::InvalidRequest
        );
    }

    #[test]
    fn unknown_platforms_and_deployments_are_named() {
        let key = Secret::new("k");
        let public = PublicUrl::parse("https://edge.example").unwrap();
        let other = LoginRequest { issuer: "https://other.example".into(), ..request() };
        let error = login(&platforms(), &public, &key, &other, "n".into(), 0).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidRequest);
        assert!(error.message.contains("\"https://other.example\"") && error.message.contains("LTI_PLATFORMS"));
        let client = LoginRequest { client_id: Some("c9".into()), ..request() };
        assert!(login(&platforms(), &public, &key, &client, "n".into(), 0).unwrap_err().message.contains("\"c9\""));
        let deployment = LoginRequest { deployment_id: Some("7".into()), ..request() };
        let error = login(&platforms(), &public, &key, &deployment, "n".into(), 0).unwrap_err();
        assert!(error.message.contains("deployment id \"7\""), "{}", error.message);
        assert!(LoginRequest::from_pairs([("iss", "https://lms.example.org")])
            .unwrap_err()
            .message
            .contains("login_hint"));
    }
}
