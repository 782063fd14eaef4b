//! The meeting instance a coordinator knows about, as it is persisted.

use serde::{Deserialize, Serialize};

use crate::create_options::CreateOptions;
use crate::ids::{CreateTime, MeetingId};
use crate::pool::ServerId;

/// Where an instance stands. `creating` is never stored: it is the in-flight create in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Ended,
}

/// What a `create` established: BBB's `createTime` and internal id, the nonce of its
/// `meetingEndedURL`, and the parameters that were actually used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub meeting: String,
    /// The server it runs on (`default` for instances stored before pools).
    #[serde(default)]
    pub server: ServerId,
    pub create_time: CreateTime,
    pub internal_meeting_id: String,
    pub nonce: String,
    /// Nonces of earlier creates whose answer was lost, when BBB's `duplicateWarning` showed this
    /// instance was made by one of them: BBB keeps the first create's `meetingEndedURL`, so its
    /// end callback may come on any of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_nonces: Vec<String>,
    pub name: String,
    pub params: Vec<(String, String)>,
    pub status: Status,
    pub created_at_ms: u64,
    /// The pool said its server stopped taking joins (offline or disabled): the next join ends it
    /// in the worker's view and creates the meeting elsewhere.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub server_lost: bool,
    /// Placement asked for at the first create, kept for re-homing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_size: Option<u32>,
    /// Every server that hosted an instance of this meeting (where its recordings are).
    #[serde(default)]
    pub hosts: Vec<ServerId>,
}

impl Instance {
    pub fn is_running(&self) -> bool {
        self.status == Status::Running
    }

    /// Running, on a server that takes joins: a join needs no BBB call.
    pub fn joinable(&self) -> bool {
        self.is_running() && !self.server_lost
    }

    /// The create this instance was made with: what a re-homing or a recovery creates again.
    pub fn spec(&self) -> Option<CreateSpec> {
        Some(CreateSpec {
            meeting: MeetingId::parse(&self.meeting).ok()?,
            name: self.name.clone(),
            options: CreateOptions::try_from(self.params.clone()).ok()?,
            server_tag: self.server_tag.clone(),
            expected_size: self.expected_size,
        })
    }

    /// Whether a `meetingEndedURL` with `nonce` names this instance.
    pub fn answers_to(&self, nonce: &str) -> bool {
        self.nonce == nonce || self.other_nonces.iter().any(|n| n == nonce)
    }

    /// Create parameters a later token asked for that differ from what this instance was
    /// created with. BBB ignores them on a running meeting, so they are only reported.
    pub fn drift(&self, spec: &CreateSpec) -> Vec<String> {
        let mut differing = Vec::new();
        if spec.name != self.name {
            differing.push("name".to_owned());
        }
        let used: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let asked: Vec<(&str, &str)> = spec.options.params().collect();
        for (key, value) in &asked {
            if !used.contains(&(*key, *value)) {
                differing.push((*key).to_owned());
            }
        }
        for (key, _) in &used {
            if !asked.iter().any(|(k, _)| k == key) && !differing.iter().any(|d| d == key) {
                differing.push((*key).to_owned());
            }
        }
        differing
    }
}

/// The servers where a meeting's recordings can be: those that hosted its instances (just the
/// current one's, for instances stored before pools), or every server when the worker never
/// created it.
pub fn recording_hosts(pool: &crate::pool::Pool, instance: Option<&Instance>) -> Vec<ServerId> {
    match instance {
        Some(instance) if !instance.hosts.is_empty() => instance.hosts.clone(),
        Some(instance) => vec![instance.server.clone()],
        None => pool.servers().iter().map(|server| server.id.clone()).collect(),
    }
}

/// A `create` whose answer never came (timeout, lost connection, a proxy's 5xx): BBB may have
/// made the meeting and may hold its `meetingEndedURL`. Persisted before the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCreate {
    pub nonce: String,
    /// Where it was sent: only a create on the same server can have made what BBB answers there.
    #[serde(default)]
    pub server: ServerId,
    /// When it was sent (seconds).
    pub sent_at: i64,
}

/// What a join asks the meeting to be created with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSpec {
    pub meeting: MeetingId,
    pub name: String,
    pub options: CreateOptions,
    /// The token's `server_tag` (`tag` or `tag!`), for placement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_tag: Option<String>,
    /// The token's `expected_size`: the new meeting's load until a poll sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_size: Option<u32>,
}
