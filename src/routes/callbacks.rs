//! BBB's callbacks. Both are authenticated before anything else, answered fast, and handled
//! once in the meeting's coordinator, whatever BBB repeats.
//! - `GET /callbacks/meeting-ended/{token}`: the worker's own HMAC token (constant-time check);
//!   `401` forged, `410` for an instance the coordinator does not know.
//! - `POST /callbacks/recording-ready`: `signed_parameters`, a JWT signed with the BBB secret;
//!   the recording is confirmed with `getRecordings` before `recording.ready` is sent once per
//!   `record_id`. `401` forged, `410` when BBB does not know the recording.

use bbb_core::callback::{verify_meeting_ended_token, verify_recording_ready, RecordingReadyError};
use bbb_core::log::RequestLog;
use bbb_core::pool::{Server, ServerId};
use bbb_core::{AppError, ErrorCode};
use serde_json::json;
use worker::{Env, Request, Response};

use crate::coordinator::client;
use crate::coordinator::protocol::{EndedCall, RecordingCall};
use crate::respond::{self, internal};

pub async fn meeting_ended(env: &Env, token: &str, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let ticket = verify_meeting_ended_token(&config.callbacks.all(), token)
        .map_err(|_| AppError::new(ErrorCode::TokenInvalid, "This callback URL was not issued by this service."))?;
    log.meeting = Some(ticket.meeting.as_str().to_owned());
    let reply = client::call(env, &ticket.meeting, &EndedCall { nonce: ticket.nonce }).await?;
    log.note = Some(if reply.announced { "announced" } else { "repeat" });
    respond::json(&json!({ "ok": true }).to_string(), 200).map_err(internal)
}

/// `POST /callbacks/recording-ready/{server}` (`server: Some`) is checked with that server's
/// secrets only. The pool of one's URL without an id (also valid in a pool, for recordings of
/// meetings created before it) is checked against each server's secrets; the one that matches
/// is the server.
pub async fn recording_ready(
    mut req: Request,
    env: &Env,
    server: Option<&str>,
    log: &mut RequestLog,
) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let candidates: Vec<&Server> = match server {
        Some(id) => {
            let id = ServerId::parse(id).map_err(|_| AppError::not_found("There is no server with this id."))?;
            vec![config.pool.get(&id).ok_or_else(|| AppError::not_found("There is no server with this id."))?]
        }
        None => config.pool.servers().iter().collect(),
    };
    let signed = signed_parameters(&mut req).await?;
    let mut outcome = Err(RecordingReadyError::Forged);
    for candidate in &candidates {
        outcome =
            verify_recording_ready(&candidate.inbound_secrets(), &signed).map(|ready| (ready, candidate.id.clone()));
        if !matches!(outcome, Err(RecordingReadyError::Forged)) {
            break;
        }
    }
    let (ready, server) = outcome.map_err(|error| match error {
        RecordingReadyError::Forged => {
            AppError::new(ErrorCode::TokenInvalid, "signed_parameters is not signed with this server's BBB secret.")
        }
        RecordingReadyError::Malformed => {
            AppError::new(ErrorCode::ClaimInvalid, "signed_parameters lacks a matching meeting_id and record_id.")
        }
    })?;
    log.meeting = Some(ready.meeting.as_str().to_owned());
    log.server = Some(server.to_string());
    let call = RecordingCall { meeting: ready.meeting.clone(), record_id: ready.record_id, server };
    let reply = client::call(env, &ready.meeting, &call).await?;
    log.bbb_calls = reply.bbb_calls;
    log.note = Some(if reply.announced { "announced" } else { "not_announced" });
    respond::json(&json!({ "ok": true, "state": reply.state }).to_string(), 200).map_err(internal)
}

/// BBB posts a form; some load balancers relay it as JSON (b3lb). Both are read.
async fn signed_parameters(req: &mut Request) -> Result<String, AppError> {
    let missing = || AppError::new(ErrorCode::TokenMissing, "The callback carries no signed_parameters.");
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    let body = crate::body::read_text(req).await?;
    let value = if content_type.starts_with("application/json") {
        serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("signed_parameters").and_then(|s| s.as_str()).map(str::to_owned))
    } else {
        form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "signed_parameters").map(|(_, v)| v.into_owned())
    };
    value.filter(|v| !v.is_empty()).ok_or_else(missing)
}
