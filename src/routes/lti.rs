//! LTI 1.3 at the edge (CONTRACT §10): `/lti/login` sends the browser to the platform with a
//! state bound to it by a cookie; `/lti/launch` checks the id_token the platform form-posts back
//! (with that platform's JWKS) and goes on as `/join` does, through the same join path.

use bbb_core::log::RequestLog;
use bbb_core::lti::{self, LoginRequest, LoginState};
use bbb_core::{AppError, ErrorCode};
use worker::{Env, Method, Request, Response};

use crate::body;
use crate::clock::now_seconds;
use crate::jwks::JwksVerifier;
use crate::respond::{self, internal};
use crate::routes::join;

/// `GET` or `POST /lti/login`: the OIDC third-party initiated login.
pub async fn login(mut req: Request, env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let pairs: Vec<(String, String)> = if req.method() == Method::Post {
        body::read_form(&mut req).await?.unwrap_or_default()
    } else {
        crate::query::pairs(&req)
    };
    let request = LoginRequest::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    let nonce = crate::random::nonce();
    let redirect = lti::login(&config.lti, &config.public_url, &config.callbacks.key, &request, nonce, now_seconds())?;
    log.note = Some("lti_login");
    respond::redirect_setting_cookie(&redirect.location, &redirect.cookie).map_err(internal)
}

/// `POST /lti/launch` (form `id_token`, `state`).
pub async fn launch(mut req: Request, env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let now = now_seconds();
    let fields = body::read_form(&mut req).await?.unwrap_or_default();
    let field = |name: &str| {
        fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).filter(|v| !v.is_empty()).ok_or_else(|| {
            AppError::new(
                ErrorCode::TokenMissing,
                format!("The LMS's launch brought no `{name}`. Open the activity from the course again."),
            )
        })
    };
    let (id_token, state) = (field("id_token")?, field("state")?);
    let opened = LoginState::open(&config.callbacks.all(), &state, now)?;
    if cookie(&req, &opened.cookie_name()).as_deref() != Some(state.as_str()) {
        return Err(AppError::new(
            ErrorCode::InvalidRequest,
            "This launch did not start in this browser: its login cookie is missing or belongs to another launch. Open the activity from the course again; if your browser blocks cookies for this site, allow them.",
        ));
    }
    let platform = lti::login::find(&config.lti, &opened.issuer, Some(&opened.client_id))?;
    let policy = lti::token_policy(platform, config.tokens.leeway_seconds);
    let verified = policy.verify_with(&id_token, now, &JwksVerifier::of(&config, &platform.jwks)).await?;
    let prepared = lti::prepare_launch(&config, platform, &opened, verified)?;
    log.note = Some("lti_launch");
    let mut response = join::enter(&req, env, &config, prepared, now, 302, log).await?;
    // The login is spent: its cookie goes.
    let gone =
        format!("{}=; Path=/lti/; Max-Age=0; Secure; HttpOnly; SameSite=None; Partitioned", opened.cookie_name());
    response.headers_mut().append("set-cookie", &gone).map_err(internal)?;
    Ok(response)
}

/// The value of the cookie `name`, if the request carries it.
fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok().flatten()?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}
