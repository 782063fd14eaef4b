//! The worker's (and the pool's) side of a meeting's coordinator: one stub call per [`Call`],
//! errors passed through intact.

use bbb_core::{AppError, ErrorCode, MeetingId};
use worker::{Env, Headers, Request, RequestInit, Response};

use super::protocol::WAIT_SOCKET_PATH;
use crate::do_call::{self, Call};

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
    let headers = Headers::new();
    headers.set("upgrade", "websocket").map_err(|_| unavailable())?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    let url = format!("https://object{WAIT_SOCKET_PATH}{sealed}");
    let request = Request::new_with_init(&url, &init).map_err(|_| unavailable())?;
    let response = stub.fetch_with_request(request).await.map_err(|_| unavailable())?;
    match response.status_code() {
        101 => Ok(response),
        401 => Err(AppError::new(ErrorCode::TokenInvalid, "This waiting link is not valid.")),
        _ => Err(AppError::new(ErrorCode::Internal, "The waiting room could not take this page. It will try again.")),
    }
}
