//! The meeting coordinator: one per meeting id (a Durable Object at the edge), the single writer
//! of that meeting's state. It serialises creates (single flight: concurrent joiners of a meeting
//! being created wait for the one `create` and share its result), answers joins for a running
//! instance without any BBB call, refuses replayed `jti`s, and drops a stale instance once BBB
//! itself confirms it is gone.
//!
//! Every `meetingEndedURL` BBB may hold stays valid: a create's nonce is persisted before the
//! call, and the nonces of creates whose answer was lost are kept ([`PendingCreate`]) until a
//! later answer shows which instance won (BBB keeps the first create's URL on `duplicateWarning`).
//!
//! A Durable Object does not serialise requests across an `await`, so the in-flight create is
//! explicit state here ([`CoordinatorMemory`]), not an assumption about the runtime.

mod create;
mod ending;
mod instance;
mod memory_store;
mod replay;

use std::cell::{Cell, RefCell};

use futures_channel::oneshot;

pub use instance::{recording_hosts, CreateSpec, Instance, PendingCreate, Status};
pub use memory_store::MemoryStore;
pub use replay::{sweep, JtiMemory};

use crate::bbb::{BbbClient, Transport};
use crate::config::Config;
use crate::error::{AppError, ErrorCode};
use crate::ids::{CreateTime, MeetingId};
use crate::pool::{ServerId, TagRule};
use crate::token::TokenError;
use crate::webhook::Event;

/// Persistent storage of one coordinator (Durable Object storage at the edge).
#[allow(async_fn_in_trait)]
pub trait CoordinatorStore {
    async fn load_instance(&self) -> Result<Option<Instance>, StoreError>;
    async fn save_instance(&self, instance: &Instance) -> Result<(), StoreError>;
    /// Whether `jti` was used and is still inside its window at `now`.
    async fn jti_used(&self, jti: &str, now: i64) -> Result<bool, StoreError>;
    /// Remembers `jti` until `until` (seconds since the epoch); later it may be forgotten.
    async fn remember_jti(&self, jti: &str, until: i64) -> Result<(), StoreError>;
    /// Records that `record_id` was announced; false when it already was.
    async fn first_announcement(&self, record_id: &str) -> Result<bool, StoreError>;
    /// Creates whose answer is not known yet (their nonces may be in a URL BBB holds).
    async fn load_pending_creates(&self) -> Result<Vec<PendingCreate>, StoreError>;
    async fn save_pending_creates(&self, pending: &[PendingCreate]) -> Result<(), StoreError>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreError;

impl From<StoreError> for AppError {
    fn from(_: StoreError) -> Self {
        AppError::new(ErrorCode::Internal, "The meeting state could not be read or saved. Please try again.")
    }
}

type Shared = Result<Instance, AppError>;

/// What a coordinator keeps in memory between requests.
#[derive(Default)]
pub struct CoordinatorMemory {
    /// `None` until loaded from the store; then the current instance, if any.
    instance: RefCell<Option<Option<Instance>>>,
    /// `Some` while a create is in flight: the joiners waiting for its result.
    inflight: RefCell<Option<Vec<oneshot::Sender<Shared>>>>,
    pub jtis: JtiMemory,
    /// When this memory began (seconds): a token issued later was never seen by an earlier one.
    born_at: Cell<Option<i64>>,
    /// `None` until loaded; then the creates whose answer was lost.
    pending: RefCell<Option<Vec<PendingCreate>>>,
    /// BBB said recently that the instance created at this time still runs (and when it said so):
    /// replayed stale errors for it are answered without asking again.
    confirmed_running: Cell<Option<(CreateTime, i64)>>,
}

/// How long BBB's word that an instance still runs answers further stale claims about it.
pub const CONFIRMATION_SECONDS: i64 = 10;

/// Lost creates are remembered at most this long, and at most [`PENDING_MAX`] of them: BBB ends a
/// meeting nobody joined within minutes, and calls its URL then.
pub const PENDING_SECONDS: i64 = 48 * 3600;
pub const PENDING_MAX: usize = 16;

/// A join token's `jti` with the times that bound its use.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Jti {
    pub id: String,
    pub issued_at: i64,
    /// Until when it must be remembered: `exp` plus the leeway.
    pub until: i64,
}

/// A join the coordinator admitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub instance: Instance,
    /// This request's create made the instance (it did not join a running or in-flight one).
    pub created: bool,
    /// Create parameters that differ from the running instance's (logged, not applied).
    pub drift: Vec<String>,
    /// Host notifications this step produced (a recovery learns that the old instance ended).
    pub events: Vec<Event>,
}

pub use ending::Settled;

/// Where new instances go, and what the pool hears of them: the pool Durable Object at the edge,
/// a [`crate::pool::PoolView`] in memory in tests. Only creates and ends call it: a join for a
/// running instance never does.
#[allow(async_fn_in_trait)]
pub trait Placement {
    /// A server for a new instance of `meeting` (counted at once), never one of `exclude`.
    /// `no_server_available` when none may take it.
    async fn place(
        &self,
        meeting: &MeetingId,
        tag: &TagRule,
        expected_size: Option<u32>,
        exclude: &[ServerId],
    ) -> Result<ServerId, AppError>;
    /// The instance placed on `server` answered its create.
    async fn placed(&self, instance: &Instance) -> Result<(), AppError>;
    /// The instance created at `create_time` ended in the worker's view.
    async fn ended(&self, meeting: &MeetingId, create_time: CreateTime) -> Result<(), AppError>;
}

/// What a join came to: the instance to join, or a wait for a moderator to start it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    Join(Box<Grant>),
    /// The meeting does not run and this joiner may not start it (CONTRACT §9).
    Wait,
}

/// Whether a join may create the meeting's instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// It may: it creates (or re-homes) when no instance is joinable.
    May,
    /// A viewer waiting for a moderator: it joins a running instance, or the one being
    /// created, and otherwise waits; it never creates or re-homes.
    WaitForModerator,
}

impl Start {
    /// The start of a participant who `waits` (CONTRACT §9), or may start the meeting.
    pub fn of(waits: bool) -> Start {
        if waits {
            Start::WaitForModerator
        } else {
            Start::May
        }
    }
}

/// What a recovery request came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// A running instance to join: a fresh one if BBB confirmed the stale one gone, or the one
    /// that already replaced it.
    Join(Box<Grant>),
    /// BBB says the instance the browser called stale still runs: nothing was dropped.
    StillRunning,
    /// It was gone, and this viewer waits for a moderator to start the next one; the events
    /// say what ended.
    Wait(Vec<Event>),
}

/// One request's view of the coordinator: its memory plus this request's store, settings, the
/// transport to BBB and the pool's placement.
pub struct Coordinator<'a, S, T, P> {
    pub memory: &'a CoordinatorMemory,
    pub store: &'a S,
    pub config: &'a Config,
    pub transport: &'a T,
    pub placement: &'a P,
}

impl<S: CoordinatorStore, T: Transport, P: Placement> Coordinator<'_, S, T, P> {
    /// Admits a join token's `jti` once, then makes sure the meeting runs. A running instance
    /// costs no BBB call and no pool call. The `jti` is spent only when the join succeeds, so a
    /// person whose join failed (BBB down) can retry with the same link.
    pub async fn join(
        &self,
        jti: &Jti,
        spec: &CreateSpec,
        now: i64,
        nonce: impl Fn() -> String,
    ) -> Result<Grant, AppError> {
        match self.admit(jti, spec, Start::May, now, nonce).await? {
            Admission::Join(grant) => Ok(*grant),
            Admission::Wait => unreachable!("a join that may start the meeting never waits"),
        }
    }

    /// [`Coordinator::join`] for a joiner who may have to wait: the `jti` is spent when it
    /// joins and when it waits (the page holds a wait ticket from then on).
    pub async fn admit(
        &self,
        jti: &Jti,
        spec: &CreateSpec,
        start: Start,
        now: i64,
        nonce: impl Fn() -> String,
    ) -> Result<Admission, AppError> {
        let born_at = self.memory.born_at.get().unwrap_or(now);
        self.memory.born_at.set(Some(born_at));
        let reservation =
            self.memory.jtis.reserve(&jti.id, jti.until, now).map_err(|_| AppError::from(TokenError::Replayed))?;
        // Only a token that may have been used before this memory began needs the store's word:
        // one issued (less the leeway) after that cannot have been.
        let leeway = self.config.tokens.leeway_seconds as i64;
        let maybe_seen_before = jti.issued_at.saturating_sub(leeway) <= born_at;
        if maybe_seen_before && self.store.jti_used(&jti.id, now).await? {
            // Used by an earlier incarnation of this coordinator; keep it reserved.
            reservation.keep();
            return Err(TokenError::Replayed.into());
        }
        let admission = match self.ensure_or_wait(spec, start, now, nonce).await? {
            Some(grant) => Admission::Join(Box::new(grant)),
            None => Admission::Wait,
        };
        self.store.remember_jti(&jti.id, jti.until).await?;
        reservation.keep();
        Ok(admission)
    }

    /// [`Coordinator::ensure`] when the joiner may start the meeting; else only
    /// [`Coordinator::joinable`] (`None`: it waits).
    async fn ensure_or_wait(
        &self,
        spec: &CreateSpec,
        start: Start,
        now: i64,
        nonce: impl Fn() -> String,
    ) -> Result<Option<Grant>, AppError> {
        match start {
            Start::May => self.ensure(spec, now, nonce).await.map(Some),
            Start::WaitForModerator => self.joinable(Some(spec)).await,
        }
    }

    /// The instance a waiting viewer may join now: the running one, or the one an in-flight
    /// create is making (its outcome shared); `None` when neither. Never creates.
    pub async fn joinable(&self, spec: Option<&CreateSpec>) -> Result<Option<Grant>, AppError> {
        if let Some(instance) = self.current().await?.filter(Instance::joinable) {
            return Ok(Some(joined(instance, spec, Vec::new())));
        }
        match self.follow_inflight() {
            Some(receiver) => Ok(Some(joined(outcome_of(receiver).await?, spec, Vec::new()))),
            None => Ok(None),
        }
    }

    /// A place among the waiters of the in-flight create, if there is one.
    fn follow_inflight(&self) -> Option<oneshot::Receiver<Shared>> {
        let mut inflight = self.memory.inflight.borrow_mut();
        let waiters = inflight.as_mut()?;
        let (sender, receiver) = oneshot::channel();
        waiters.push(sender);
        Some(receiver)
    }

    /// A recording BBB confirmed (`published` or `unpublished`): `recording.ready`, once per id.
    pub async fn recording_ready(
        &self,
        meeting: &MeetingId,
        recording: &crate::bbb::response::Recording,
        now: i64,
    ) -> Result<Vec<Event>, AppError> {
        if !matches!(recording.state.as_str(), "published" | "unpublished") {
            return Ok(Vec::new());
        }
        if !self.store.first_announcement(recording.record_id.as_str()).await? {
            return Ok(Vec::new());
        }
        Ok(vec![Event::recording_ready(meeting, recording, now)])
    }

    /// The instance as stored (for status routes and tests).
    pub async fn current(&self) -> Result<Option<Instance>, AppError> {
        if let Some(known) = self.memory.instance.borrow().as_ref() {
            return Ok(known.clone());
        }
        let loaded = self.store.load_instance().await?;
        let mut slot = self.memory.instance.borrow_mut();
        // Another request may have filled it while we awaited the store.
        Ok(slot.get_or_insert(loaded).clone())
    }

    /// The BBB adapter of one server of the pool.
    pub fn bbb(&self, server: &ServerId) -> Result<BbbClient<'_, T>, AppError> {
        let server = self.config.pool.get(server).ok_or_else(|| {
            AppError::new(ErrorCode::Internal, "The meeting's server is no longer configured. Please try again.")
        })?;
        Ok(server.client(self.transport, self.config.bbb_timeout))
    }

    /// A joinable instance: the running one, or the one made by the single create that
    /// concurrent joiners share. An instance whose server was lost is ended here first (once: the
    /// memory changes before any await) and re-homed with the parameters of its first create.
    async fn ensure(&self, spec: &CreateSpec, now: i64, nonce: impl Fn() -> String) -> Result<Grant, AppError> {
        let mut events = Vec::new();
        let mut rehome: Option<(CreateSpec, ServerId)> = None;
        if let Some(instance) = self.current().await? {
            if instance.joinable() {
                return Ok(joined(instance, Some(spec), events));
            }
            if instance.is_running() {
                // Its server is offline or disabled: this join moves the meeting, with what it
                // was first created with.
                if let Some((gone, event)) = self.end_in_memory(&instance, now) {
                    self.persist_end(&gone).await?;
                    events.push(event);
                }
                rehome = Some((instance.spec().unwrap_or_else(|| spec.clone()), instance.server.clone()));
            }
        }
        // Follow the in-flight create, or become it (no await in between).
        let waiting = self.follow_inflight();
        if waiting.is_none() {
            *self.memory.inflight.borrow_mut() = Some(Vec::new());
        }
        if let Some(receiver) = waiting {
            return Ok(joined(outcome_of(receiver).await?, Some(spec), events));
        }
        // This request creates; whatever happens, the waiters get the outcome.
        let flight = Flight { memory: self.memory, outcome: None };
        let (spec, exclude) = match &rehome {
            Some((stored, lost)) => (stored, std::slice::from_ref(lost)),
            None => (spec, &[][..]),
        };
        let outcome = self.create(spec, exclude, now, nonce).await;
        flight.land(outcome.clone());
        outcome.map(|instance| Grant { instance, created: true, drift: Vec::new(), events })
    }
}

/// The in-flight create. Landing hands the outcome to every waiter; dropping it without landing
/// (the creating request was cancelled) tells them to retry instead of waiting forever.
struct Flight<'a> {
    memory: &'a CoordinatorMemory,
    outcome: Option<Shared>,
}

impl Flight<'_> {
    fn land(mut self, outcome: Shared) {
        self.outcome = Some(outcome);
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or_else(|| Err(abandoned()));
        for waiter in self.memory.inflight.borrow_mut().take().unwrap_or_default() {
            let _ = waiter.send(outcome.clone());
        }
    }
}

/// A grant of an instance this request did not create; its drift is against `spec`, if any.
fn joined(instance: Instance, spec: Option<&CreateSpec>, events: Vec<Event>) -> Grant {
    let drift = spec.map(|spec| instance.drift(spec)).unwrap_or_default();
    Grant { instance, created: false, drift, events }
}

/// The outcome of the create this request followed.
async fn outcome_of(receiver: oneshot::Receiver<Shared>) -> Shared {
    receiver.await.unwrap_or_else(|_| Err(abandoned()))
}

fn ended_event(instance: &Instance, now: i64) -> Event {
    let meeting = crate::ids::MeetingId::parse(&instance.meeting).expect("stored from a MeetingId");
    Event::meeting_ended(&meeting, instance.create_time, now)
}

fn abandoned() -> AppError {
    AppError::new(ErrorCode::Internal, "The meeting was being created by a request that stopped. Please try again.")
}

#[cfg(test)]
mod tests;
