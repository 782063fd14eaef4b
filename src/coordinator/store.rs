//! Coordinator storage on Durable Object storage:
//! - `instance`: the meeting instance (JSON);
//! - `jti:<jti>`: a spent token until its window ends (an alarm forgets it afterwards, so storage
//!   stays bounded by the joins of the last token lifetime);
//! - `announced:<record_id>`: `recording.ready` was queued for it;
//! - `outbox:<event id>`: a host notification on its way, with its attempts (JSON);
//! - `pending_creates`: creates whose answer is not known yet, with their nonces (JSON), written
//!   before each create is sent.

use std::cell::Cell;

use bbb_core::coordinator::{sweep, CoordinatorStore, Instance, PendingCreate, StoreError};
use bbb_core::webhook::{Delivery, Event};

use crate::storage::{json, parsed, second_after, Storage};

const INSTANCE: &str = "instance";
const JTI_PREFIX: &str = "jti:";
const ANNOUNCED_PREFIX: &str = "announced:";
const OUTBOX_PREFIX: &str = "outbox:";
const PENDING_CREATES: &str = "pending_creates";

pub struct DoStore<'a> {
    pub storage: Storage,
    /// The object's memory of whether the clean-up alarm is set.
    pub alarm_pending: &'a Cell<bool>,
}

impl CoordinatorStore for DoStore<'_> {
    async fn load_instance(&self) -> Result<Option<Instance>, StoreError> {
        let Some(json) = self.storage.text(INSTANCE).await.map_err(|_| StoreError)? else {
            return Ok(None);
        };
        serde_json::from_str(&json).map(Some).map_err(|_| StoreError)
    }

    async fn save_instance(&self, instance: &Instance) -> Result<(), StoreError> {
        self.storage.put(INSTANCE, json(instance).map_err(|_| StoreError)?).await.map_err(|_| StoreError)
    }

    async fn jti_used(&self, jti: &str, now: i64) -> Result<bool, StoreError> {
        let until = self.storage.number(&format!("{JTI_PREFIX}{jti}")).await.map_err(|_| StoreError)?;
        Ok(until.is_some_and(|until| until as i64 >= now))
    }

    async fn first_announcement(&self, record_id: &str) -> Result<bool, StoreError> {
        let key = format!("{ANNOUNCED_PREFIX}{record_id}");
        if self.storage.has(&key).await.map_err(|_| StoreError)? {
            return Ok(false);
        }
        self.storage.put(&key, true).await.map_err(|_| StoreError)?;
        Ok(true)
    }

    async fn load_pending_creates(&self) -> Result<Vec<PendingCreate>, StoreError> {
        let Some(json) = self.storage.text(PENDING_CREATES).await.map_err(|_| StoreError)? else {
            return Ok(Vec::new());
        };
        serde_json::from_str(&json).map_err(|_| StoreError)
    }

    async fn save_pending_creates(&self, pending: &[PendingCreate]) -> Result<(), StoreError> {
        if pending.is_empty() {
            return self.storage.delete(PENDING_CREATES).await.map_err(|_| StoreError);
        }
        self.storage.put(PENDING_CREATES, json(&pending).map_err(|_| StoreError)?).await.map_err(|_| StoreError)
    }

    async fn remember_jti(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        self.storage.put(&format!("{JTI_PREFIX}{jti}"), until as f64).await.map_err(|_| StoreError)?;
        if !self.alarm_pending.get() {
            // After a restart the alarm may still be set: one read tells.
            if self.storage.alarm().await.map_err(|_| StoreError)?.is_none() {
                self.storage.set_alarm(second_after(until)).await.map_err(|_| StoreError)?;
            }
            self.alarm_pending.set(true);
        }
        Ok(())
    }
}

impl DoStore<'_> {
    /// Queues `events` for the host, once per event id, and makes the alarm come now.
    pub async fn enqueue(&self, events: Vec<Event>, now: i64) -> worker::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        for event in events {
            let key = format!("{OUTBOX_PREFIX}{}", event.id);
            if !self.storage.has(&key).await? {
                self.storage.put(&key, json(&Delivery::new(event, now))?).await?;
            }
        }
        self.storage.set_alarm(second_after(now - 1)).await?;
        self.alarm_pending.set(true);
        Ok(())
    }

    /// Every queued delivery.
    pub async fn deliveries(&self) -> worker::Result<Vec<Delivery>> {
        Ok(parsed(self.storage.list(OUTBOX_PREFIX).await?).map(|(_, delivery)| delivery).collect())
    }

    pub async fn save_delivery(&self, delivery: &Delivery) -> worker::Result<()> {
        self.storage.put(&format!("{OUTBOX_PREFIX}{}", delivery.event.id), json(delivery)?).await
    }

    pub async fn remove_delivery(&self, delivery: &Delivery) -> worker::Result<()> {
        self.storage.delete(&format!("{OUTBOX_PREFIX}{}", delivery.event.id)).await
    }

    /// Deletes the `jti`s whose window ended by `now`; returns when the next one ends.
    pub async fn forget_expired_jtis(&self, now: i64) -> worker::Result<Option<i64>> {
        let entries = self.storage.list(JTI_PREFIX).await?;
        let stored = entries.into_iter().map(|(key, until)| (key, until.as_f64().unwrap_or(0.0) as i64));
        let (expired, next) = sweep(stored, now);
        self.storage.delete_keys(expired).await?;
        Ok(next)
    }
}
