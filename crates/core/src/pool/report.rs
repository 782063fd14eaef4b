//! A server as the admin API shows it (CONTRACT §8): id, origin, state, health, load, meetings,
//! last poll and failed polls. No secret, and no path of its URL.

use serde::{Deserialize, Serialize};

use super::{Pool, PoolView, Server};
use crate::webhook::rfc3339;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerReport {
    pub id: String,
    pub url: String,
    pub state: String,
    pub health: String,
    pub load: f64,
    pub meetings: u64,
    pub last_poll: Option<String>,
    pub failed_polls: u32,
}

impl ServerReport {
    pub fn of(server: &Server, view: &PoolView, now: i64) -> ServerReport {
        let record = view.record(&server.id);
        ServerReport {
            id: server.id.to_string(),
            url: server.origin().to_owned(),
            state: record.state.name().to_owned(),
            health: record.counters.health.name().to_owned(),
            load: view.load(server, now),
            meetings: view.meetings(&server.id, now),
            last_poll: record.last_poll.map(rfc3339),
            failed_polls: record.counters.failed_polls,
        }
    }

    pub fn all(pool: &Pool, view: &PoolView, now: i64) -> Vec<ServerReport> {
        pool.servers().iter().map(|server| ServerReport::of(server, view, now)).collect()
    }

    /// Enabled and counted online: the pool can place new meetings here.
    pub fn placeable(&self) -> bool {
        self.state == "enabled" && self.health != "offline"
    }
}
