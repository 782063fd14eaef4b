//! What the worker and the meeting's Durable Object say to each other (JSON over the stub).

use bbb_core::coordinator::{CreateSpec, Jti};
use bbb_core::{CreateTime, MeetingId};
use serde::{Deserialize, Serialize};

/// `POST /join`: spend `jti` and make sure the meeting runs.
#[derive(Debug, Serialize, Deserialize)]
pub struct JoinCall {
    pub jti: Jti,
    pub spec: CreateSpec,
}

/// `POST /recover`: BBB refused a join into the instance created at `stale`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoverCall {
    pub meeting: MeetingId,
    pub stale: CreateTime,
}

/// The answer to both: the instance to join, and what it cost.
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantReply {
    pub create_time: CreateTime,
    pub created: bool,
    pub drift: Vec<String>,
    pub bbb_calls: u32,
    pub upstream_ms: u64,
}
