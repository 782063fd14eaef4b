//! What meeting coordinators, the cron pass and the admin API say to the pool's Durable Object:
//! one [`Call`] each.

use bbb_core::pool::{ServerId, ServerReport};
use bbb_core::CreateTime;
use serde::{Deserialize, Serialize};

use crate::do_call::call;

/// A server for a new instance of `meeting`, counted at once (`no_server_available` when none).
#[derive(Debug, Serialize, Deserialize)]
pub struct PlaceCall {
    pub meeting: String,
    pub server_tag: Option<String>,
    pub expected_size: Option<u32>,
    pub exclude: Vec<ServerId>,
}

call!(PlaceCall => "/place", ServerId);

/// The placed instance answered its create.
#[derive(Debug, Serialize, Deserialize)]
pub struct PlacedCall {
    pub meeting: String,
    pub server: ServerId,
    pub create_time: CreateTime,
    /// Its recordings' id (`record_id`), for finding their server later.
    pub internal_meeting_id: String,
}

call!(PlacedCall => "/placed", ());

/// The instance ended in the worker's view.
#[derive(Debug, Serialize, Deserialize)]
pub struct InstanceEndedCall {
    pub meeting: String,
    pub create_time: CreateTime,
}

call!(InstanceEndedCall => "/instance-ended", ());

/// Every server, as the admin API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ServersCall {}

call!(ServersCall => "/servers", Vec<ServerReport>);

/// Sets a server's admin state (`enabled`, `cordoned`, `disabled`).
#[derive(Debug, Serialize, Deserialize)]
pub struct SetStateCall {
    pub server: ServerId,
    pub state: String,
}

call!(SetStateCall => "/set-state", ServerReport);

/// Polls the servers that are due (`force`: all of them, now), as far as one invocation's
/// subrequests allow; the rest follow from the alarm.
#[derive(Debug, Serialize, Deserialize)]
pub struct PollCall {
    pub force: bool,
}

call!(PollCall => "/poll", Vec<ServerReport>);

/// Which server hosted the instance with this internal id (a `record_id`)?
#[derive(Debug, Serialize, Deserialize)]
pub struct HostOfCall {
    pub internal_meeting_id: String,
}

call!(HostOfCall => "/host-of", Option<ServerId>);
