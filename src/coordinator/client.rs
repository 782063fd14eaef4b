//! The worker's (and the pool's) side of a meeting's coordinator: one stub call per [`Call`],
//! errors passed through intact.

use bbb_core::{AppError, ErrorCode, MeetingId};
use worker::Env;

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
