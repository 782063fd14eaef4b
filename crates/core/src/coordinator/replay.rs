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

/// What a clean-up pass over stored `jti`s does at `now`: the keys whose window ended, and when
/// the next remaining one ends (for the next alarm), if any.
pub fn sweep<K>(stored: impl IntoIterator<Item = (K, i64)>, now: i64) -> (Vec<K>, Option<i64>) {
    let mut expired = Vec::new();
    let mut next: Option<i64> = None;
    for (key, until) in stored {
        if until < now {
            expired.push(key);
        } else {
            next = Some(next.map_or(until, |n| n.min(until)));
        }
    }
    (expired, next)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_forgets_only_expired_entries_and_finds_the_next_alarm() {
        let stored = vec![("jti:a", 100), ("jti:b", 99), ("jti:c", 250), ("jti:d", 180)];
        assert_eq!(sweep(stored.clone(), 100), (vec!["jti:b"], Some(100)));
        assert_eq!(sweep(stored.clone(), 200), (vec!["jti:a", "jti:b", "jti:d"], Some(250)));
        assert_eq!(sweep(stored, 300), (vec!["jti:a", "jti:b", "jti:c", "jti:d"], None));
        assert_eq!(sweep(Vec::<(&str, i64)>::new(), 0), (vec![], None));
    }

    #[test]
    fn a_reservation_is_released_unless_kept() {
        let memory = JtiMemory::default();
        drop(memory.reserve("a", 100, 0).unwrap());
        assert!(memory.is_empty());
        memory.reserve("a", 100, 0).unwrap().keep();
        assert_eq!(memory.reserve("a", 100, 50).err(), Some(AlreadyUsed));
        assert!(memory.reserve("a", 100, 101).is_ok(), "expired entries are no replays");
    }

    #[test]
    fn memory_stays_bounded() {
        let memory = JtiMemory::default();
        for i in 0..SWEEP_ABOVE {
            memory.reserve(&format!("old-{i}"), 10, 0).unwrap().keep();
        }
        memory.reserve("new", 100, 50).unwrap().keep();
        assert_eq!(memory.len(), 1, "expired entries are swept once the map is large");
    }
}
