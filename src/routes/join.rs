//! `GET /join?token=` and `POST /join` (form field `token`): the token and role are checked here,
//! the meeting's coordinator spends the `jti` and makes sure an instance runs (no BBB call when
//! it does), and the join URL is signed here.

use bbb_core::join::{prepare_verified, signed_join};
use bbb_core::log::RequestLog;
use bbb_core::{AppError, ErrorCode};
use worker::{Env, Method, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::coordinator::protocol::{GrantReply, JoinCall};
use crate::jwks::JwksVerifier;
use crate::respond::{self, internal};
use crate::transport::FetchTransport;

pub async fn handle(mut req: Request, env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let is_post = req.method() == Method::Post;
    let token = if is_post { form_token(&mut req).await? } else { query_token(&req)? };
    let config = crate::env_source::load(env)?;
    let now = now_seconds();
    let verified = config.tokens.verify_with(&token, now, &JwksVerifier { config: &config }).await?;
    let join = prepare_verified(&config, verified)?;
    log.meeting = Some(join.participant.meeting.as_str().to_owned());
    log.role = Some(join.participant.role.name());

    let call = JoinCall { jti: join.jti.clone(), spec: join.spec.clone() };
    let grant = client::join(env, &join.participant.meeting, &call).await?;
    record(log, &grant);
    let bbb = config.bbb_client(FetchTransport::default());
    let location = signed_join(&config, &bbb, &join.participant, grant.create_time, now, false);
    // POST answers 303 so the browser follows with GET (CONTRACT §4).
    respond::redirect(location.expose(), if is_post { 303 } else { 302 }).map_err(internal)
}

/// What the coordinator did, for the log line.
pub fn record(log: &mut RequestLog, grant: &GrantReply) {
    log.bbb_calls = grant.bbb_calls;
    log.upstream_ms = grant.upstream_ms;
    log.note = Some(if grant.created { "created" } else { "running" });
    if !grant.drift.is_empty() {
        // BBB ignores create parameters for a running meeting; the running instance wins.
        log.drift = Some(grant.drift.join(","));
    }
}

fn query_token(req: &Request) -> Result<String, AppError> {
    let url = req.url().map_err(internal)?;
    let token = url.query_pairs().find(|(name, _)| name == "token").map(|(_, value)| value.into_owned());
    token.filter(|t| !t.is_empty()).ok_or_else(missing)
}

async fn form_token(req: &mut Request) -> Result<String, AppError> {
    let form = req
        .form_data()
        .await
        .map_err(|_| AppError::new(ErrorCode::TokenMissing, "POST /join takes a form with a `token` field."))?;
    match form.get_field("token") {
        Some(token) if !token.is_empty() => Ok(token),
        _ => Err(missing()),
    }
}

fn missing() -> AppError {
    AppError::new(ErrorCode::TokenMissing, "No token was given. Open the join link from your application again.")
}
