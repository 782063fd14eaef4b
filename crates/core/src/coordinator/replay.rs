//! The in-memory side of the single-use `jti` window. Reservation is synchronous, so two
//! requests with the same `jti` in one coordinator cannot both pass, whatever awaits follow.

use std::cell::RefCell;
use std::collections::HashMap;

/// `jti` → the second until which it is remembered.
#[derive(Default)]
pub struct JtiMemory(RefCell<HashMap<String, i64>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyUsed;

/// Forget expired entries once the map grows past this.
const SWEEP_ABOVE: usize = 4096;

impl JtiMemory {
    /// Reserves `jti` until `until`. The reservation is released when dropped, unless kept.
    pub fn reserve(&self, jti: &str, until: i64, now: i64) -> Result<Reservation<'_>, AlreadyUsed> {
        let mut map = self.0.borrow_mut();
        if map.get(jti).is_some_and(|&expires| expires >= now) {
            return Err(AlreadyUsed);
        }
        if map.len() >= SWEEP_ABOVE {
            map.retain(|_, &mut expires| expires >= now);
        }
        map.insert(jti.to_owned(), until);
        Ok(Reservation { memory: self, jti: jti.to_owned(), kept: false })
    }

    pub fn len(&self) -> usize {
        self.0.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.borrow().is_empty()
    }
}

pub struct Reservation<'a> {
    memory: &'a JtiMemory,
    jti: String,
    kept: bool,
}

impl Reservation<'_> {
    pub fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if !self.kept {
            self.memory.0.borrow_mut().remove(&self.jti);
        }
    }
}
