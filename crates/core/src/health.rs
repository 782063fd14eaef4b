//! `/healthz` stays cheap (CONTRACT §4): an isolate probes BBB at most once per
//! [`PROBE_SECONDS`] and answers health checks in between from the last probe, so no rate of
//! health checks becomes load on BBB. Pure: the edge keeps one memo per isolate and does the I/O.

use crate::error::AppError;

/// How long a probe's outcome answers health checks.
pub const PROBE_SECONDS: u64 = 10;

/// One probe: when it finished, and its outcome (the latency in ms, or why BBB is not usable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub at_ms: u64,
    pub outcome: Result<u64, AppError>,
}

/// What a health check does about BBB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Answer from this probe.
    Reuse(Probe),
    /// Probe now (marked as running: others reuse the last outcome or wait).
    Run,
    /// A probe is running and none finished before it: nothing to say yet.
    Checking,
}

#[derive(Debug, Default)]
pub struct ProbeMemo {
    last: Option<Probe>,
    running_since_ms: Option<u64>,
}

impl ProbeMemo {
    /// `give_up_ms`: after this long a running probe is taken as lost (its request was cancelled).
    pub fn decide(&mut self, now_ms: u64, give_up_ms: u64) -> Decision {
        let fresh = self.last.as_ref().filter(|probe| now_ms.saturating_sub(probe.at_ms) < PROBE_SECONDS * 1000);
        if let Some(probe) = fresh {
            return Decision::Reuse(probe.clone());
        }
        let running = self.running_since_ms.is_some_and(|since| now_ms.saturating_sub(since) < give_up_ms);
        match (running, &self.last) {
            (true, Some(probe)) => Decision::Reuse(probe.clone()),
            (true, None) => Decision::Checking,
            (false, _) => {
                self.running_since_ms = Some(now_ms);
                Decision::Run
            }
        }
    }

    pub fn finish(&mut self, probe: Probe) {
        self.running_since_ms = None;
        self.last = Some(probe);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(at_ms: u64) -> Probe {
        Probe { at_ms, outcome: Ok(3) }
    }

    #[test]
    fn one_probe_per_interval() {
        let mut memo = ProbeMemo::default();
        assert_eq!(memo.decide(0, 5000), Decision::Run);
        assert_eq!(memo.decide(10, 5000), Decision::Checking, "a second check while the first probe runs");
        memo.finish(ok(20));
        for now in [20, 5000, 10_019] {
            assert_eq!(memo.decide(now, 5000), Decision::Reuse(ok(20)));
        }
        assert_eq!(memo.decide(10_020, 5000), Decision::Run);
        assert_eq!(memo.decide(10_030, 5000), Decision::Reuse(ok(20)), "the last outcome while refreshing");
    }

    #[test]
    fn a_probe_that_never_finished_is_given_up() {
        let mut memo = ProbeMemo::default();
        assert_eq!(memo.decide(0, 5000), Decision::Run);
        assert_eq!(memo.decide(4999, 5000), Decision::Checking);
        assert_eq!(memo.decide(5000, 5000), Decision::Run);
    }
}
