//! The worker's (and the pool's) side of a meeting's coordinator: one stub call per [`Call`],
//! errors passed through intact.

use bbb_core::{AppError, ErrorCode, MeetingId};
use worker::{Env, Response};

use super::protocol::WAIT_SOCKET_PATH;
use crate::do_call::{self, Call};
use crate::js_http;

const BINDING: &str = "MEETINGS";

/// Sends `call` to the coordinator of `meeting`.
pub async fn call<C: Call>(env: &Env, meeting: &MeetingId, call: &C) -> Result<C::Reply, AppError> {
    let stub =
        env.durable_object(BINDING).and_then(|ns| ns.get_by_name(meeting.as_str())).map_err(|_| unavailable())?;
    do_call::send(stub, call, unavailable).await
}

fn unavailable() -> AppError {
    AppError::new(ErrorCode::Internal, "The meeting's coordinator could not be reached. Please try again.")
}

/// Hands a waiting page's WebSocket upgrade to the coordinator of `meeting` (see
/// [`WAIT_SOCKET_PATH`]); its `101` goes back to the browser as it is.
pub async fn wait_socket(env: &Env, meeting: &MeetingId, sealed: &str) -> Result<Response, AppError> {
    let stub =
        env.durable_object(BINDING).and_then(|ns| ns.get_by_name(meeting.as_str())).map_err(|_| unavailable())?;
    let url = format!("https://object{WAIT_SOCKET_PATH}{sealed}");
    let request = js_http::request(&url, &[("upgrade", "websocket")], None, None).map_err(|_| unavailable())?;
    let response = js_http::fetch_object(stub, &request).await.map_err(|_| unavailable())?;
    match response.status() {
        101 => Ok(Response::from(response)),
        401 => Err(AppError::new(ErrorCode::TokenInvalid, "This waiting link is not valid.")),
        _ => Err(AppError::new(ErrorCode::Internal, "The waiting room could not take this page. It will try again.")),
    }
}
