//! How the worker and the meeting coordinators reach the pool's Durable Object (one, named
//! "pool"), and the `Placement` a coordinator creates with: only creates and ends call it.

use bbb_core::coordinator::{Instance, Placement};
use bbb_core::pool::{ServerId, TagRule};
use bbb_core::{AppError, CreateTime, ErrorCode, MeetingId};
use worker::Env;

use super::protocol::{InstanceEndedCall, PlaceCall, PlacedCall};
use crate::do_call::{self, Call};

const BINDING: &str = "POOL";
const NAME: &str = "pool";

pub async fn call<C: Call>(env: &Env, call: &C) -> Result<C::Reply, AppError> {
    let stub = env.durable_object(BINDING).and_then(|ns| ns.get_by_name(NAME)).map_err(|_| unavailable())?;
    do_call::send(stub, call, unavailable).await
}

fn unavailable() -> AppError {
    AppError::new(ErrorCode::Internal, "The server pool could not be reached. Please try again.")
}

pub struct PoolPlacement<'a> {
    pub env: &'a Env,
}

impl Placement for PoolPlacement<'_> {
    async fn place(
        &self,
        meeting: &MeetingId,
        tag: &TagRule,
        expected_size: Option<u32>,
        exclude: &[ServerId],
    ) -> Result<ServerId, AppError> {
        let server_tag = match tag {
            TagRule::Untagged => None,
            TagRule::Prefer(tag) => Some(tag.clone()),
            TagRule::Only(tag) => Some(format!("{tag}!")),
        };
        let place =
            PlaceCall { meeting: meeting.as_str().to_owned(), server_tag, expected_size, exclude: exclude.to_vec() };
        call(self.env, &place).await
    }

    async fn placed(&self, instance: &Instance) -> Result<(), AppError> {
        let placed = PlacedCall {
            meeting: instance.meeting.clone(),
            server: instance.server.clone(),
            create_time: instance.create_time,
            internal_meeting_id: instance.internal_meeting_id.clone(),
        };
        call(self.env, &placed).await
    }

    async fn ended(&self, meeting: &MeetingId, create_time: CreateTime) -> Result<(), AppError> {
        call(self.env, &InstanceEndedCall { meeting: meeting.as_str().to_owned(), create_time }).await
    }
}
