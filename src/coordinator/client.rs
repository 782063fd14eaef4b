//! The worker's side of the coordinator: one stub call per join, errors passed through intact.

use bbb_core::coordinator::Instance;
use bbb_core::{AppError, ErrorCode, MeetingId};
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Env, Method, Request, RequestInit};

use super::protocol::{
    CallbackReply, EndedCall, GrantReply, JoinCall, ReconcileCall, RecordingCall, RecoverCall, RecoverReply,
};

const BINDING: &str = "MEETINGS";

pub async fn join(env: &Env, meeting: &MeetingId, call: &JoinCall) -> Result<GrantReply, AppError> {
    post(env, meeting, "/join", call).await
}

pub async fn recover(env: &Env, call: &RecoverCall) -> Result<RecoverReply, AppError> {
    post(env, &call.meeting, "/recover", call).await
}

/// What the meeting's coordinator holds (`None` when it never created an instance).
pub async fn state(env: &Env, meeting: &MeetingId) -> Result<Option<Instance>, AppError> {
    let stub = env.durable_object(BINDING).and_then(|ns| ns.get_by_name(meeting.as_str())).map_err(unavailable)?;
    let mut response = stub.fetch_with_str("https://coordinator/state").await.map_err(unavailable)?;
    let text = response.text().await.map_err(unavailable)?;
    serde_json::from_str(&text).map_err(|_| AppError::internal())
}

pub async fn ended(env: &Env, meeting: &MeetingId, call: &EndedCall) -> Result<CallbackReply, AppError> {
    post(env, meeting, "/ended", call).await
}

pub async fn recording_ready(env: &Env, call: &RecordingCall) -> Result<CallbackReply, AppError> {
    post(env, &call.meeting, "/recording-ready", call).await
}

pub async fn reconcile(env: &Env, call: &ReconcileCall) -> Result<CallbackReply, AppError> {
    post(env, &call.meeting, "/reconcile", call).await
}

async fn post<B: Serialize, R: DeserializeOwned>(
    env: &Env,
    meeting: &MeetingId,
    path: &str,
    body: &B,
) -> Result<R, AppError> {
    let stub = env.durable_object(BINDING).and_then(|ns| ns.get_by_name(meeting.as_str())).map_err(unavailable)?;
    let body = serde_json::to_string(body).map_err(|_| AppError::internal())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let request = Request::new_with_init(&format!("https://coordinator{path}"), &init).map_err(unavailable)?;
    let mut response = stub.fetch_with_request(request).await.map_err(unavailable)?;
    let text = response.text().await.map_err(unavailable)?;
    if response.status_code() == 200 {
        serde_json::from_str(&text).map_err(|_| AppError::internal())
    } else {
        Err(AppError::from_json(&text).unwrap_or_else(AppError::internal))
    }
}

fn unavailable(_: worker::Error) -> AppError {
    AppError::new(ErrorCode::Internal, "The meeting's coordinator could not be reached. Please try again.")
}
