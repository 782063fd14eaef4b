//! The meeting instance a coordinator knows about, as it is persisted.

use serde::{Deserialize, Serialize};

use crate::create_options::CreateOptions;
use crate::ids::{CreateTime, MeetingId};

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
}

impl Instance {
    pub fn is_running(&self) -> bool {
        self.status == Status::Running
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

/// A `create` whose answer never came (timeout, lost connection, a proxy's 5xx): BBB may have
/// made the meeting and may hold its `meetingEndedURL`. Persisted before the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCreate {
    pub nonce: String,
    /// When it was sent (seconds).
    pub sent_at: i64,
}

/// What a join asks the meeting to be created with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSpec {
    pub meeting: MeetingId,
    pub name: String,
    pub options: CreateOptions,
}
