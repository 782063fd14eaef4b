//! A server's health from its polls (CONTRACT §8): `offline` after `POOL_FAIL_POLLS` failed polls
//! in a row, `online` again after `POOL_RECOVER_POLLS` good ones. A server no poll has judged yet
//! counts as online.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    /// No poll has judged it yet: it counts as online.
    Unknown,
    Online,
    Offline,
}

impl Health {
    pub fn counts_online(self) -> bool {
        self != Health::Offline
    }

    pub fn name(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Online => "online",
            Health::Offline => "offline",
        }
    }
}

/// Polls in a row, good or failed, and the health they made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCounters {
    pub health: Health,
    pub failed_polls: u32,
    pub good_polls: u32,
}

impl Default for HealthCounters {
    fn default() -> Self {
        HealthCounters { health: Health::Unknown, failed_polls: 0, good_polls: 0 }
    }
}

impl HealthCounters {
    /// After one poll; `fail_after` and `recover_after` are the settings.
    pub fn after_poll(self, ok: bool, fail_after: u32, recover_after: u32) -> HealthCounters {
        if ok {
            let good_polls = self.good_polls.saturating_add(1);
            let health = match self.health {
                Health::Offline if good_polls < recover_after => Health::Offline,
                _ => Health::Online,
            };
            HealthCounters { health, failed_polls: 0, good_polls }
        } else {
            let failed_polls = self.failed_polls.saturating_add(1);
            let health = if failed_polls >= fail_after { Health::Offline } else { self.health };
            HealthCounters { health, failed_polls, good_polls: 0 }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(polls: &[bool]) -> Vec<Health> {
        let mut counters = HealthCounters::default();
        polls
            .iter()
            .map(|&ok| {
                counters = counters.after_poll(ok, 2, 2);
                counters.health
            })
            .collect()
    }

    #[test]
    fn offline_after_two_failures_online_after_two_successes() {
        use Health::{Offline, Online, Unknown};
        assert_eq!(HealthCounters::default().health, Unknown);
        assert!(Unknown.counts_online());
        assert_eq!(run(&[false]), [Unknown]);
        assert_eq!(run(&[true, false, false]), [Online, Online, Offline]);
        assert_eq!(run(&[false, false, true, true]), [Unknown, Offline, Offline, Online]);
        assert_eq!(
            run(&[false, false, true, false, true, true]),
            [Unknown, Offline, Offline, Offline, Offline, Online]
        );
        assert_eq!(
            run(&[true, false, true, false]),
            [Online, Online, Online, Online],
            "one failure is not two in a row"
        );
    }
}
