//! What the worker (and the pool) say to a meeting's Durable Object: one [`Call`] each, with its
//! path and reply (JSON over the stub).

use bbb_core::coordinator::{CreateSpec, Instance, Jti};
use bbb_core::pool::ServerId;
use bbb_core::{CreateTime, RecordId};
use serde::{Deserialize, Serialize};

use crate::do_call::call;

/// Spend `jti` and make sure the meeting runs (placing it if it must be created), or, for a
/// viewer who `waits`, join it only if it runs. `None`: that viewer waits (CONTRACT §9).
#[derive(Debug, Serialize, Deserialize)]
pub struct JoinCall {
    pub jti: Jti,
    pub spec: CreateSpec,
    #[serde(default)]
    pub waits: bool,
}

call!(JoinCall => "/join", Option<GrantReply>);

/// A waiting viewer's page asks whether the meeting runs now. `None`: not yet. Never creates.
#[derive(Debug, Serialize, Deserialize)]
pub struct WaitCall {}

call!(WaitCall => "/wait", Option<GrantReply>);

/// A waiting page's WebSocket: `GET` with `Upgrade: websocket` to this path followed by the
/// sealed wait ticket. Not a JSON call: the answer is the `101` with the socket, held by the
/// object (hibernating) until a start sends it `{"go": "/join/wait/{ticket}"}`.
pub const WAIT_SOCKET_PATH: &str = "/wait-socket/";

/// BBB refused a join into the instance created at `stale` on `server`.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecoverCall {
    pub meeting: bbb_core::MeetingId,
    #[serde(default)]
    pub server: ServerId,
    pub stale: CreateTime,
    /// The viewer waits for a moderator: a recovery that finds the instance gone does not create.
    #[serde(default)]
    pub waits: bool,
}

call!(RecoverCall => "/recover", RecoverReply);

/// BBB called the `meetingEndedURL` of the instance with `nonce`.
#[derive(Debug, Serialize, Deserialize)]
pub struct EndedCall {
    pub nonce: String,
}

call!(EndedCall => "/ended", CallbackReply);

/// `server` says `record_id` of this meeting is ready: confirm there, and announce.
#[derive(Debug, Serialize, Deserialize)]
pub struct RecordingCall {
    pub meeting: bbb_core::MeetingId,
    pub record_id: RecordId,
    #[serde(default)]
    pub server: ServerId,
}

call!(RecordingCall => "/recording-ready", CallbackReply);

/// Look for ready recordings no one announced (their callback was lost), on every host.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReconcileCall {
    pub meeting: bbb_core::MeetingId,
}

call!(ReconcileCall => "/reconcile", CallbackReply);

/// What the coordinator holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct StateCall {}

call!(StateCall => "/state", MeetingState);

#[derive(Debug, Serialize, Deserialize)]
pub struct MeetingState {
    /// `None` when it never created an instance.
    pub instance: Option<Instance>,
    /// Waiting pages with an open socket.
    pub waiting: u32,
}

/// From the pool: its poll did not see the instance created at `create_time`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SettleCall {
    pub create_time: CreateTime,
}

call!(SettleCall => "/settle", SettleReply);

/// `ended`: BBB confirmed it gone and it was ended (announced); `here`: it is still this
/// coordinator's running instance (else the pool may forget it).
#[derive(Debug, Serialize, Deserialize)]
pub struct SettleReply {
    pub ended: bool,
    pub here: bool,
}

/// From the pool: `server` takes joins again, or not any more.
#[derive(Debug, Serialize, Deserialize)]
pub struct ServerChangedCall {
    pub server: ServerId,
    pub joinable: bool,
}

call!(ServerChangedCall => "/server-changed", bool);

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
    /// The instance was gone and the viewer waits for the next start: the meeting's name.
    #[serde(default)]
    pub wait_for: Option<String>,
}

/// The instance to join, on which server, and what it cost.
#[derive(Debug, Serialize, Deserialize)]
pub struct GrantReply {
    pub server: ServerId,
    pub create_time: CreateTime,
    pub created: bool,
    pub drift: Vec<String>,
    pub bbb_calls: u32,
    pub upstream_ms: u64,
}
