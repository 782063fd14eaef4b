//! The pool's Durable Object storage, one key per thing so no value grows with the pool:
//! - `server:<id>`: the server's record (admin state, health counters, last poll's load);
//! - `placement:<meeting>`: where the meeting's current instance is;
//! - `host:<internal meeting id>`: which server hosted that instance (its `record_id`), kept
//!   for recordings;
//! - `work:<meeting>`: a message the alarm still owes that meeting's coordinator.
//!
//! All JSON text, like the coordinator's.

use bbb_core::pool::{PlacementRecord, PoolView, ServerId, ServerRecord};
use bbb_core::CreateTime;
use serde::{Deserialize, Serialize};

use crate::storage::{json, parsed, Storage};

const SERVER: &str = "server:";
const PLACEMENT: &str = "placement:";
const HOST: &str = "host:";
const WORK: &str = "work:";

/// What the alarm owes a meeting's coordinator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Its server takes joins again, or not any more.
    ServerChanged { server: ServerId, joinable: bool },
    /// Its server's poll did not list the instance created at `create_time`.
    Settle { create_time: CreateTime },
}

pub struct PoolStore {
    pub storage: Storage,
}

impl PoolStore {
    pub async fn load_view(&self) -> worker::Result<PoolView> {
        let mut view = PoolView::default();
        for (key, record) in self.list::<ServerRecord>(SERVER).await? {
            if let Ok(id) = ServerId::parse(&key) {
                view.servers.insert(id, record);
            }
        }
        for (meeting, record) in self.list::<PlacementRecord>(PLACEMENT).await? {
            view.placements.insert(meeting, record);
        }
        Ok(view)
    }

    pub async fn save_server(&self, id: &ServerId, record: &ServerRecord) -> worker::Result<()> {
        self.storage.put(&format!("{SERVER}{id}"), json(record)?).await
    }

    pub async fn save_placement(&self, meeting: &str, record: Option<&PlacementRecord>) -> worker::Result<()> {
        let key = format!("{PLACEMENT}{meeting}");
        match record {
            Some(record) => self.storage.put(&key, json(record)?).await,
            None => self.storage.delete(&key).await,
        }
    }

    pub async fn save_host(&self, internal_meeting_id: &str, server: &ServerId) -> worker::Result<()> {
        self.storage.put(&format!("{HOST}{internal_meeting_id}"), server.as_str()).await
    }

    pub async fn host(&self, internal_meeting_id: &str) -> worker::Result<Option<ServerId>> {
        let stored = self.storage.text(&format!("{HOST}{internal_meeting_id}")).await?;
        Ok(stored.and_then(|id| ServerId::parse(&id).ok()))
    }

    /// Queues `work` for `meeting`'s coordinator (a later message replaces an earlier one).
    pub async fn owe(&self, meeting: &str, work: &Work) -> worker::Result<()> {
        self.storage.put(&format!("{WORK}{meeting}"), json(work)?).await
    }

    /// Up to `limit` owed messages.
    pub async fn owed(&self, limit: usize) -> worker::Result<Vec<(String, Work)>> {
        let mut owed = self.list::<Work>(WORK).await?;
        owed.truncate(limit);
        Ok(owed)
    }

    pub async fn paid(&self, meeting: &str) -> worker::Result<()> {
        self.storage.delete(&format!("{WORK}{meeting}")).await
    }

    /// Every entry under `prefix`, with the prefix taken off its key.
    async fn list<T: serde::de::DeserializeOwned>(&self, prefix: &str) -> worker::Result<Vec<(String, T)>> {
        let entries = parsed(self.storage.list(prefix).await?);
        Ok(entries.map(|(key, value)| (key[prefix.len()..].to_owned(), value)).collect())
    }
}
