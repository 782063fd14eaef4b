//! `GET /join?token=` and `POST /join` (form field `token`): the token and role are checked here,
//! the meeting's coordinator spends the `jti` and makes sure an instance runs (no BBB call when
//! it does), and the join URL is signed here. [`enter`] is the one join path: an LTI launch
//! (`routes/lti.rs`) goes through it too.

use bbb_core::join::{prepare_verified, signed_join, PreparedJoin};
use bbb_core::log::RequestLog;
use bbb_core::{AppError, ErrorCode};
use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Env, Method, Request, Response};

use crate::body;
use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::coordinator::protocol::{GrantReply, JoinCall};
use crate::jwks::JwksVerifier;
use crate::respond::{self, internal};

pub async fn handle(mut req: Request, env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let is_post = req.method() == Method::Post;
    let token = if is_post { form_token(&mut req).await? } else { query_token(&req)? };
    let config = crate::env_source::load(env)?;
    let now = now_seconds();
    let verified = config.tokens.verify_with(&token, now, &JwksVerifier::host(&config)).await?;
    let join = prepare_verified(&config, verified)?;
    // POST answers 303 so the browser follows with GET (CONTRACT §4).
    enter(&req, env, &config, join, now, if is_post { 303 } else { 302 }, log).await
}

/// A prepared join, from a host token or an LTI launch: the meeting's coordinator spends its
/// `jti` and makes sure the meeting runs, then the signed join's redirect (`status`), or the
/// waiting room for a viewer who waits.
pub async fn enter(
    req: &Request,
    env: &Env,
    config: &bbb_core::Config,
    join: PreparedJoin,
    now: i64,
    status: u16,
    log: &mut RequestLog,
) -> Result<Response, AppError> {
    log.meeting = Some(join.participant.meeting.as_str().to_owned());
    log.role = Some(join.participant.role.name());

    let call = JoinCall { jti: join.jti.clone(), spec: join.spec.clone(), waits: join.participant.waits };
    let Some(grant) = client::call(env, &join.participant.meeting, &call).await? else {
        // A viewer before the meeting runs: the waiting room (CONTRACT §9); the jti is spent.
        return crate::routes::wait::begin(req, config, join.participant, join.spec.name, now, log);
    };
    record(log, &grant);
    let server = grant_server(config, &grant)?;
    let location = signed_join(config, server, &join.participant, grant.create_time, now, false);
    respond::redirect(location.expose(), status).map_err(internal)
}

/// The server the coordinator's grant is on: the join URL is signed with its secret.
pub fn grant_server<'a>(
    config: &'a bbb_core::Config,
    grant: &GrantReply,
) -> Result<&'a bbb_core::pool::Server, AppError> {
    config.pool.get(&grant.server).ok_or_else(AppError::internal)
}

/// What the coordinator did, for the log line.
pub fn record(log: &mut RequestLog, grant: &GrantReply) {
    log.bbb_calls = grant.bbb_calls;
    log.server = Some(grant.server.to_string());
    log.upstream_ms = grant.upstream_ms;
    log.note = Some(if grant.created { "created" } else { "running" });
    if !grant.drift.is_empty() {
        // BBB ignores create parameters for a running meeting; the running instance wins.
        log.drift = Some(grant.drift.join(","));
    }
}

fn query_token(req: &Request) -> Result<String, AppError> {
    let token = crate::query::pairs(req).into_iter().find(|(name, _)| name == "token").map(|(_, value)| value);
    token.filter(|t| !t.is_empty()).ok_or_else(missing)
}

/// The `token` field of a form, read within the body limit. Host pages post
/// `application/x-www-form-urlencoded`; `multipart/form-data` is read by the platform once the
/// bounded body is in hand.
async fn form_token(req: &mut Request) -> Result<String, AppError> {
    let not_a_form = || AppError::new(ErrorCode::TokenMissing, "POST /join takes a form with a `token` field.");
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    let token = if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let bytes = body::read(req).await?;
        multipart_field(&content_type, &bytes, "token").await.ok_or_else(not_a_form)?
    } else {
        let fields = body::read_form(req).await?.ok_or_else(not_a_form)?;
        fields.into_iter().find(|(name, _)| name == "token").map(|(_, value)| value)
    };
    token.filter(|t| !t.is_empty()).ok_or_else(missing)
}

/// One text field of a multipart body, through the platform's own parser.
async fn multipart_field(content_type: &str, bytes: &[u8], name: &str) -> Option<Option<String>> {
    let headers = web_sys::Headers::new().ok()?;
    headers.set("content-type", content_type).ok()?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_headers(&headers);
    init.set_body(&worker::js_sys::Uint8Array::from(bytes));
    let copy = web_sys::Request::new_with_str_and_init("https://bbb-edge.invalid/join", &init).ok()?;
    let form: web_sys::FormData = JsFuture::from(copy.form_data().ok()?).await.ok()?.unchecked_into();
    Some(form.get(name).as_string())
}

fn missing() -> AppError {
    AppError::new(ErrorCode::TokenMissing, "No token was given. Open the join link from your application again.")
}
