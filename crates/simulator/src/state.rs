//! What the simulator remembers: meetings, join sessions, the request log and injected faults.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
pub struct Attendee {
    pub user_id: String,
    pub full_name: String,
    pub role: String,
    pub guest: bool,
}

/// One meeting instance, as bbb-web's `Meeting`.
#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub name: String,
    pub create_time: u64,
    pub voice_bridge: String,
    pub attendee_pw: String,
    pub moderator_pw: String,
    /// Whether the create call sent passwords (decides duplicateWarning vs idNotUnique).
    pub passwords_sent: bool,
    pub ended: bool,
    pub forcibly_ended: bool,
    pub end_time: Option<u64>,
    pub start_time: Option<u64>,
    pub params: BTreeMap<String, String>,
    pub metadata: BTreeMap<String, String>,
    pub attendees: Vec<Attendee>,
}

impl Meeting {
    pub fn running(&self) -> bool {
        !self.ended && !self.attendees.is_empty()
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// A browser that joined: what the client page shows.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub meeting_id: String,
    pub meeting_name: String,
    pub internal_meeting_id: String,
    pub full_name: String,
    pub role: String,
    pub user_id: String,
    pub guest_waiting: bool,
}

/// One API request, for tests to inspect. The checksum itself is not kept.
#[derive(Debug, Clone, Serialize)]
pub struct LoggedRequest {
    pub seq: u64,
    pub at_ms: u64,
    pub method: String,
    pub call: String,
    pub params: Vec<(String, String)>,
    pub checksum_ok: bool,
    pub fault: Option<String>,
    pub response_key: Option<String>,
}

/// A fault to inject into the next matching API calls.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Fault {
    /// Only calls with this name (`create`, `join`, …); every API call when absent.
    pub call: Option<String>,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many calls it applies to; until cleared when absent.
    pub times: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer normally, but only after `ms`.
    Delay { ms: u64 },
    /// Answer this HTTP status with a plain-text body.
    Status { status: u16 },
    /// Close the connection without answering.
    Drop,
    /// Answer 200 with a body that is not XML.
    Malformed,
    /// Answer FAILED with this messageKey and message.
    Failed { message_key: String, message: String },
    /// Carry the call out (a create creates), then close the connection without answering: the
    /// caller never learns what happened, as when BBB is slower than the caller's timeout.
    LoseAnswer,
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Delay { .. } => "delay",
            FaultKind::Status { .. } => "status",
            FaultKind::Drop => "drop",
            FaultKind::Malformed => "malformed",
            FaultKind::Failed { .. } => "failed",
            FaultKind::LoseAnswer => "lose_answer",
        }
    }
}

/// Outbound calls a state change asks for; the server makes them outside the lock.
#[derive(Debug, Clone)]
pub enum Outbound {
    MeetingEnded { url: String },
    RecordingReady { url: String, meeting_id: String, record_id: String },
}

#[derive(Default)]
pub struct State {
    pub meetings: HashMap<String, Meeting>,
    pub recordings: Vec<crate::recordings::Recording>,
    /// Callbacks to make, drained by the server after each request.
    pub outbound: Vec<Outbound>,
    /// What happened to each callback attempt.
    pub callbacks: Vec<crate::callbacks::CallbackAttempt>,
    /// Instances replaced by a later create (kept for recordings).
    pub ended: Vec<Meeting>,
    pub sessions: HashMap<String, Session>,
    pub requests: Vec<LoggedRequest>,
    pub faults: Vec<Fault>,
    last_create_time: u64,
    next_seq: u64,
    counter: u64,
}

impl State {
    pub fn reset(&mut self) {
        *self = State { last_create_time: self.last_create_time, ..State::default() };
    }

    /// Milliseconds since the epoch, strictly increasing across creates (two creates in one
    /// millisecond must still differ, as their internal ids would).
    pub fn next_create_time(&mut self) -> u64 {
        let now = now_ms().max(self.last_create_time + 1);
        self.last_create_time = now;
        now
    }

    /// Takes the first fault that applies to `call`, using up one of its `times`.
    pub fn take_fault(&mut self, call: &str) -> Option<FaultKind> {
        let index = self.faults.iter().position(|f| f.call.as_deref().is_none_or(|c| c == call))?;
        let fault = &mut self.faults[index];
        let kind = fault.kind.clone();
        if let Some(times) = fault.times.as_mut() {
            *times -= 1;
            if *times == 0 {
                self.faults.remove(index);
            }
        }
        Some(kind)
    }

    pub fn log(&mut self, mut entry: LoggedRequest) -> u64 {
        self.next_seq += 1;
        entry.seq = self.next_seq;
        self.requests.push(entry);
        self.next_seq
    }

    pub fn set_response_key(&mut self, seq: u64, key: Option<String>) {
        if let Some(entry) = self.requests.iter_mut().rev().find(|e| e.seq == seq) {
            entry.response_key = key;
        }
    }

    /// Random-looking tokens for passwords, sessions and voice bridges; not security-relevant.
    pub fn token(&mut self, len: usize) -> String {
        self.counter += 1;
        let seed = format!("{}-{}-{}", now_ms(), self.counter, std::process::id());
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(seed.as_bytes()));
        digest[..len].to_owned()
    }

    /// Ends a meeting (API `end`, or behind the worker's back through the control API). Like
    /// bbb-web it stays known as forcibly ended until a new `create` replaces it. Its
    /// `meetingEndedURL` is called `callbacks` times (0: the callback is lost; more: duplicated).
    pub fn end_meeting(&mut self, meeting_id: &str, callbacks: usize) -> bool {
        let Some(meeting) = self.meetings.get_mut(meeting_id).filter(|m| !m.ended) else {
            return false;
        };
        if let Some(url) = meeting.param("meetingEndedURL") {
            let url = url.to_owned();
            self.outbound.extend(std::iter::repeat_n(Outbound::MeetingEnded { url }, callbacks));
        }
        let Some(meeting) = self.meetings.get_mut(meeting_id) else {
            return false;
        };
        meeting.ended = true;
        meeting.forcibly_ended = true;
        meeting.end_time = Some(now_ms());
        let internal = meeting.internal_meeting_id.clone();
        self.sessions.retain(|_, s| s.internal_meeting_id != internal);
        true
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
