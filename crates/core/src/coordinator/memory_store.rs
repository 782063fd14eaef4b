//! Coordinator storage in memory: for host tests and tools. The edge uses Durable Object storage.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::{CoordinatorStore, Instance, PendingCreate, StoreError};

#[derive(Default)]
pub struct MemoryStore {
    pub instance: RefCell<Option<Instance>>,
    pub pending: RefCell<Vec<PendingCreate>>,
    pub jtis: RefCell<HashMap<String, i64>>,
    pub announced: RefCell<HashSet<String>>,
}

impl CoordinatorStore for MemoryStore {
    async fn load_instance(&self) -> Result<Option<Instance>, StoreError> {
        Ok(self.instance.borrow().clone())
    }

    async fn save_instance(&self, instance: &Instance) -> Result<(), StoreError> {
        *self.instance.borrow_mut() = Some(instance.clone());
        Ok(())
    }

    async fn jti_used(&self, jti: &str, now: i64) -> Result<bool, StoreError> {
        Ok(self.jtis.borrow().get(jti).is_some_and(|&until| until >= now))
    }

    async fn remember_jti(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        self.jtis.borrow_mut().insert(jti.to_owned(), until);
        Ok(())
    }

    async fn first_announcement(&self, record_id: &str) -> Result<bool, StoreError> {
        Ok(self.announced.borrow_mut().insert(record_id.to_owned()))
    }

    async fn load_pending_creates(&self) -> Result<Vec<PendingCreate>, StoreError> {
        Ok(self.pending.borrow().clone())
    }

    async fn save_pending_creates(&self, pending: &[PendingCreate]) -> Result<(), StoreError> {
        *self.pending.borrow_mut() = pending.to_vec();
        Ok(())
    }
}
