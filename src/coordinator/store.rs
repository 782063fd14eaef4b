//! Coordinator storage on Durable Object storage: the instance under `instance`, each spent
//! `jti` under `jti:<jti>` until its window ends. An alarm forgets expired `jti`s, so storage
//! stays bounded by the joins of the last token lifetime.

use std::cell::Cell;

use bbb_core::coordinator::{sweep, CoordinatorStore, Instance, StoreError};
use worker::js_sys::Map;
use worker::{ListOptions, Storage};

const INSTANCE: &str = "instance";
const JTI_PREFIX: &str = "jti:";

pub struct DoStore<'a> {
    pub storage: Storage,
    /// The object's memory of whether the clean-up alarm is set.
    pub alarm_pending: &'a Cell<bool>,
}

impl CoordinatorStore for DoStore<'_> {
    // Stored as JSON text: serde_json is in the wasm anyway, a serde_wasm_bindgen copy per type is not.
    async fn load_instance(&self) -> Result<Option<Instance>, StoreError> {
        let Some(json) = self.storage.get::<String>(INSTANCE).await.map_err(|_| StoreError)? else {
            return Ok(None);
        };
        serde_json::from_str(&json).map(Some).map_err(|_| StoreError)
    }

    async fn save_instance(&self, instance: &Instance) -> Result<(), StoreError> {
        let json = serde_json::to_string(instance).map_err(|_| StoreError)?;
        self.storage.put(INSTANCE, json).await.map_err(|_| StoreError)
    }

    async fn jti_used(&self, jti: &str, now: i64) -> Result<bool, StoreError> {
        let until = self.storage.get::<i64>(&format!("{JTI_PREFIX}{jti}")).await.map_err(|_| StoreError)?;
        Ok(until.is_some_and(|until| until >= now))
    }

    async fn remember_jti(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        self.storage.put(&format!("{JTI_PREFIX}{jti}"), until).await.map_err(|_| StoreError)?;
        if !self.alarm_pending.get() {
            // After a restart the alarm may still be set: one read tells.
            if self.storage.get_alarm().await.map_err(|_| StoreError)?.is_none() {
                self.storage.set_alarm(alarm_time(until)).await.map_err(|_| StoreError)?;
            }
            self.alarm_pending.set(true);
        }
        Ok(())
    }
}

impl DoStore<'_> {
    /// Deletes the `jti`s whose window ended by `now`; returns when the next one ends.
    pub async fn forget_expired_jtis(&self, now: i64) -> worker::Result<Option<i64>> {
        let entries: Map = self.storage.list_with_options(ListOptions::new().prefix(JTI_PREFIX)).await?;
        let mut stored = Vec::new();
        entries.for_each(&mut |value, key| {
            if let Some(key) = key.as_string() {
                stored.push((key, value.as_f64().unwrap_or(0.0) as i64));
            }
        });
        let (expired, next) = sweep(stored, now);
        if !expired.is_empty() {
            self.storage.delete_multiple(expired).await?;
        }
        Ok(next)
    }
}

/// Milliseconds since the epoch, one second after `until` (seconds).
pub fn alarm_time(until: i64) -> worker::ScheduledTime {
    worker::ScheduledTime::new(worker::js_sys::Date::new(&((until + 1) as f64 * 1000.0).into()))
}
