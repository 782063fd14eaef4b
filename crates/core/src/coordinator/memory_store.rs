//! Coordinator storage in memory: for host tests and tools. The edge uses Durable Object storage.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{CoordinatorStore, Instance, StoreError};

#[derive(Default)]
pub struct MemoryStore {
    pub instance: RefCell<Option<Instance>>,
    pub jtis: RefCell<HashMap<String, i64>>,
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
}
