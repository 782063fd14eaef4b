//! What the worker and the meeting's Durable Object say to each other (JSON over the stub).

use bbb_core::coordinator::{CreateSpec, Jti};
use bbb_core::{CreateTime, MeetingId, RecordId};
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

/// `POST /ended`: BBB called the `meetingEndedURL` of the instance with `nonce`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EndedCall {
    pub nonce: String,
}

/// `POST /recording-ready`: BBB says `record_id` of this meeting is ready; confirm and announce.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecordingCall {
    pub meeting: MeetingId,
    pub record_id: RecordId,
}

/// `POST /reconcile`: look for ready recordings no one announced (their callback was lost).
#[derive(Debug, Serialize, Deserialize)]
pub struct ReconcileCall {
    pub meeting: MeetingId,
}

/// What a callback did: whether it produced a notification.
#[derive(Debug, Serialize, Deserialize)]
pub struct CallbackReply {
    pub announced: bool,
    pub state: Option<String>,
    pub bbb_calls: u32,
}

/// The answer to `/recover`: the instance to join, or none when BBB says the one the browser
/// called stale still runs (nothing was dropped).
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoverReply {
    pub grant: Option<GrantReply>,
    pub bbb_calls: u32,
}

/// The answer to `/join` (and a recovery's join): the instance to join, and what it cost.
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantReply {
    pub create_time: CreateTime,
    pub created: bool,
    pub drift: Vec<String>,
    pub bbb_calls: u32,
    pub upstream_ms: u64,
}
