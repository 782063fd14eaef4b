//! What the pool knows (the pool Durable Object's state): each server's admin state, health and
//! load from its last poll, and where each meeting's current instance was placed. Placing counts
//! at once, so a class-start burst of new meetings spreads instead of piling onto the server that
//! was emptiest at the last poll (Scalelite #1048).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::health::HealthCounters;
use super::placement::{choose, Candidate, TagRule};
use super::{Pool, Server, ServerId};
use crate::bbb::response::ListedMeeting;
use crate::config::PollSettings;
use crate::ids::CreateTime;

/// How long a placement no poll has seen counts with its expected size.
pub const UNSEEN_SECONDS: i64 = 15 * 60;
/// The expected size of a meeting whose token says none.
pub const DEFAULT_EXPECTED_SIZE: u32 = 15;
/// A meeting its server does not list is reported only this long after it was placed (a create
/// the poll raced past). The meeting's coordinator confirms with `getMeetingInfo` anyway.
pub const GRACE_SECONDS: i64 = 30;

/// The operator's word on a server, changed through the admin API; it survives deploys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdminState {
    #[default]
    Enabled,
    /// No new meetings; running ones keep taking joins (drain for maintenance).
    Cordoned,
    /// No joins: its meetings are re-homed at their next join.
    Disabled,
}

impl AdminState {
    pub fn parse(name: &str) -> Option<AdminState> {
        match name {
            "enable" | "enabled" => Some(AdminState::Enabled),
            "cordon" | "cordoned" => Some(AdminState::Cordoned),
            "disable" | "disabled" => Some(AdminState::Disabled),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AdminState::Enabled => "enabled",
            AdminState::Cordoned => "cordoned",
            AdminState::Disabled => "disabled",
        }
    }
}

/// One server's record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerRecord {
    pub state: AdminState,
    pub counters: HealthCounters,
    /// Participants (moderators included) of its meetings at the last good poll.
    pub participants: u64,
    pub meetings: u64,
    pub last_poll: Option<i64>,
}

impl ServerRecord {
    /// Its meetings may take joins: not disabled and not offline.
    pub fn joinable(&self) -> bool {
        self.state != AdminState::Disabled && self.counters.health.counts_online()
    }

    /// It may take new meetings.
    pub fn placeable(&self) -> bool {
        self.state == AdminState::Enabled && self.counters.health.counts_online()
    }
}

/// Where a meeting's current instance is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacementRecord {
    pub server: ServerId,
    pub placed_at: i64,
    pub expected_size: u32,
    /// Known once its create answered.
    pub create_time: Option<CreateTime>,
    /// A poll has listed it: its participants count instead of its expected size.
    pub seen: bool,
}

/// What one server's poll changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// Its meetings can take joins now (`Some(true)`) or not any more (`Some(false)`).
    pub joinable_changed: Option<bool>,
    /// Meetings the pool holds as running there that it did not list: each meeting's coordinator
    /// confirms with `getMeetingInfo` and ends it once (a lost end callback).
    pub unlisted: Vec<(String, CreateTime)>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolView {
    pub servers: BTreeMap<ServerId, ServerRecord>,
    /// By meeting id.
    pub placements: BTreeMap<String, PlacementRecord>,
}

impl PoolView {
    pub fn record(&self, id: &ServerId) -> ServerRecord {
        self.servers.get(id).cloned().unwrap_or_default()
    }

    /// Participants times the multiplier, with placements no poll has seen counted at their
    /// expected size for [`UNSEEN_SECONDS`].
    pub fn load(&self, server: &Server, now: i64) -> f64 {
        let unseen: u64 = self
            .placements
            .values()
            .filter(|p| p.server == server.id && !p.seen && now - p.placed_at < UNSEEN_SECONDS)
            .map(|p| u64::from(p.expected_size))
            .sum();
        (self.record(&server.id).participants + unseen) as f64 * server.load_multiplier
    }

    /// Meetings on `id`: those its last poll listed, and placements since that it has not seen.
    pub fn meetings(&self, id: &ServerId, now: i64) -> u64 {
        let unseen = self
            .placements
            .values()
            .filter(|p| &p.server == id && !p.seen && now - p.placed_at < UNSEEN_SECONDS)
            .count();
        self.record(id).meetings + unseen as u64
    }

    /// Places `meeting`'s new instance and counts it at once; `None` when no server may take it.
    pub fn place(
        &mut self,
        pool: &Pool,
        meeting: &str,
        rule: &TagRule,
        expected_size: Option<u32>,
        exclude: &[ServerId],
        now: i64,
    ) -> Option<ServerId> {
        // A pool of one has nowhere else to go: only the operator's "disabled" stops it.
        let candidates: Vec<Candidate<'_>> = pool
            .servers()
            .iter()
            .map(|server| {
                let record = self.record(&server.id);
                let usable = if pool.is_of_one() { record.state == AdminState::Enabled } else { record.placeable() };
                Candidate {
                    id: &server.id,
                    tags: if pool.is_of_one() { &[] } else { &server.tags },
                    usable,
                    load: self.load(server, now),
                    meetings: self.meetings(&server.id, now),
                }
            })
            .collect();
        let rule = if pool.is_of_one() { &TagRule::Untagged } else { rule };
        let chosen = choose(&candidates, rule, exclude)?.clone();
        let expected_size = expected_size.unwrap_or(DEFAULT_EXPECTED_SIZE);
        let record =
            PlacementRecord { server: chosen.clone(), placed_at: now, expected_size, create_time: None, seen: false };
        self.placements.insert(meeting.to_owned(), record);
        Some(chosen)
    }

    /// The placed instance answered its create: it runs at `server` since `create_time`.
    pub fn placed(&mut self, meeting: &str, server: &ServerId, create_time: CreateTime, now: i64) {
        let record = self.placements.entry(meeting.to_owned()).or_insert_with(|| PlacementRecord {
            server: server.clone(),
            placed_at: now,
            expected_size: DEFAULT_EXPECTED_SIZE,
            create_time: None,
            seen: false,
        });
        record.server = server.clone();
        record.create_time = Some(create_time);
    }

    /// The instance ended (or was re-homed): forget its placement, if it is still that one.
    pub fn ended(&mut self, meeting: &str, create_time: Option<CreateTime>) {
        let current = self.placements.get(meeting).map(|p| p.create_time);
        if current.is_some() && (create_time.is_none() || current.flatten() == create_time) {
            self.placements.remove(meeting);
        }
    }

    /// Sets a server's admin state; says whether its meetings' joinability changed.
    pub fn set_state(&mut self, id: &ServerId, state: AdminState) -> Option<bool> {
        let record = self.servers.entry(id.clone()).or_default();
        let before = record.joinable();
        record.state = state;
        let after = record.joinable();
        (before != after).then_some(after)
    }

    /// One server's poll: its health, its load, which placements it shows, which it lost.
    pub fn apply_poll(
        &mut self,
        id: &ServerId,
        listed: Option<&[ListedMeeting]>,
        settings: &PollSettings,
        now: i64,
    ) -> PollOutcome {
        let record = self.servers.entry(id.clone()).or_default();
        let joinable_before = record.joinable();
        record.counters = record.counters.after_poll(listed.is_some(), settings.fail_polls, settings.recover_polls);
        record.last_poll = Some(now);
        let mut outcome = PollOutcome::default();
        if let Some(listed) = listed {
            record.participants = listed.iter().map(|m| m.participants).sum();
            record.meetings = listed.len() as u64;
            for (meeting, placement) in self.placements.iter_mut().filter(|(_, p)| &p.server == id) {
                let shown = listed.iter().any(|m| {
                    &m.meeting_id == meeting && placement.create_time.is_none_or(|time| time == m.create_time)
                });
                if shown {
                    placement.seen = true;
                } else if let Some(time) = placement.create_time.filter(|_| now - placement.placed_at >= GRACE_SECONDS)
                {
                    outcome.unlisted.push((meeting.clone(), time));
                }
            }
        }
        let joinable_after = self.record(id).joinable();
        outcome.joinable_changed = (joinable_before != joinable_after).then_some(joinable_after);
        outcome
    }

    /// The meetings whose current instance is on `id`.
    pub fn meetings_on(&self, id: &ServerId) -> Vec<String> {
        self.placements.iter().filter(|(_, p)| &p.server == id).map(|(m, _)| m.clone()).collect()
    }

    /// Servers oldest-polled first, at most `batch`: the next poll round's share. A poll due
    /// within a few seconds counts as due: the cron's minute is not exact.
    pub fn due_for_poll<'a>(&self, pool: &'a Pool, batch: usize, now: i64, interval: i64) -> Vec<&'a Server> {
        let mut due: Vec<&Server> = pool
            .servers()
            .iter()
            .filter(|s| self.record(&s.id).last_poll.is_none_or(|at| now - at + 5 >= interval))
            .collect();
        due.sort_by_key(|s| self.record(&s.id).last_poll.unwrap_or(i64::MIN));
        due.truncate(batch);
        due
    }
}

#[cfg(test)]
mod tests;
