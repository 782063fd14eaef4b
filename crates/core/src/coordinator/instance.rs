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
    pub name: String,
    pub params: Vec<(String, String)>,
    pub status: Status,
    pub created_at_ms: u64,
}

impl Instance {
    pub fn is_running(&self) -> bool {
        self.status == Status::Running
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

/// What a join asks the meeting to be created with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSpec {
    pub meeting: MeetingId,
    pub name: String,
    pub options: CreateOptions,
}
