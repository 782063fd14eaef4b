//! `GET /join?token=` and `POST /join` (form field `token`).

use bbb_core::join::{join, JoinTrace};
use bbb_core::log::RequestLog;
use bbb_core::{AppError, ErrorCode};
use worker::{Date, Env, Method, Request, Response};

use crate::respond;
use crate::transport::FetchTransport;

pub async fn handle(mut req: Request, env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let is_post = req.method() == Method::Post;
    let token = if is_post { form_token(&mut req).await? } else { query_token(&req)? };
    let config = crate::env_source::load(env)?;
    let bbb = config.bbb_client(FetchTransport::default());
    let mut trace = JoinTrace::default();
    let now = (Date::now().as_millis() / 1000) as i64;
    let result = join(&config, &bbb, &token, now, &crate::random::nonce(), &mut trace).await;

    log.meeting = trace.meeting.map(|m| m.as_str().to_owned());
    log.role = trace.role.map(|r| r.name());
    log.bbb_calls = bbb.transport().calls();
    log.upstream_ms = bbb.transport().upstream_ms();
    let redirect = result?;
    log.note = Some(if redirect.created { "created" } else { "already_running" });
    // POST answers 303 so the browser follows with GET (CONTRACT §4).
    respond::redirect(redirect.location.expose(), if is_post { 303 } else { 302 }).map_err(internal)
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

/// A platform failure; its text is not shown (it could include a URL).
pub fn internal(_: worker::Error) -> AppError {
    AppError::new(ErrorCode::Internal, "An internal error occurred. Please try again.")
}
