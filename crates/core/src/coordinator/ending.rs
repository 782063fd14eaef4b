//! How an instance stops being the meeting's, always on BBB's word: its end callback, a recovery
//! BBB confirmed, the pool's poll no longer seeing it (confirmed with `getMeetingInfo`), or its
//! server lost (the next join re-homes it). Each ends it once: the memory changes before any
//! await, so one request wins and one `meeting.ended` is announced.

use super::CONFIRMATION_SECONDS;
use super::{ended_event, Coordinator, CoordinatorStore, CreateSpec, Instance, Placement, Recovery, Start, Status};
use crate::bbb::{InstanceState, Transport};
use crate::error::AppError;
use crate::ids::{CreateTime, MeetingId};
use crate::pool::ServerId;
use crate::webhook::Event;

/// What the pool's report of an unlisted meeting came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// BBB confirmed it gone: ended here, with its `meeting.ended`.
    Ended(Vec<Event>),
    /// BBB still has it: nothing changed.
    Running,
    /// Not this coordinator's running instance (any more): the pool can forget it.
    NotHere,
}

impl<S: CoordinatorStore, T: Transport, P: Placement> Coordinator<'_, S, T, P> {
    /// A browser came back from BBB saying the instance created at `stale` on `server` is gone
    /// (`invalidMeetingIdentifier`, `mismatchCreateTimeParam`, `meetingForciblyEnded`). That claim
    /// arrived in a query string and proves nothing: a running instance is dropped (and announced
    /// ended) only after BBB's `getMeetingInfo` confirms it is gone, and then re-created once. An
    /// instance already replaced, or known ended, needs no confirmation.
    pub async fn recover(
        &self,
        stale: CreateTime,
        server: &ServerId,
        spec: &CreateSpec,
        start: Start,
        now: i64,
        nonce: impl Fn() -> String,
    ) -> Result<Recovery, AppError> {
        let mut ended = Vec::new();
        let named = |i: &Instance| i.create_time == stale && &i.server == server && i.is_running();
        if let Some(instance) = self.current().await?.filter(named) {
            let confirmed = self.memory.confirmed_running.get();
            if confirmed.is_some_and(|(time, at)| time == stale && now - at < CONFIRMATION_SECONDS) {
                return Ok(Recovery::StillRunning);
            }
            if self.still_at_bbb(&instance).await? {
                self.memory.confirmed_running.set(Some((stale, now)));
                return Ok(Recovery::StillRunning);
            }
            // Another request may have dropped it (or BBB's callback ended it) while we asked.
            if let Some((gone, event)) = self.end_in_memory(&instance, now) {
                self.persist_end(&gone).await?;
                ended.push(event);
            }
        }
        let Some(mut grant) = self.ensure_or_wait(spec, start, now, nonce).await? else {
            return Ok(Recovery::Wait(ended));
        };
        grant.events.extend(ended);
        Ok(Recovery::Join(Box::new(grant)))
    }

    /// BBB called the `meetingEndedURL` with `nonce`. The first call for the running instance
    /// marks it ended (the next join creates a new one) and yields `meeting.ended`; repeats yield
    /// nothing. A nonce of a create whose answer was lost is honoured too (BBB made that meeting,
    /// nobody could join it, and it ended). `None`: the nonce belongs to nothing this coordinator
    /// knows (`410`).
    pub async fn meeting_ended(&self, nonce: &str, now: i64) -> Result<Option<Vec<Event>>, AppError> {
        if let Some(instance) = self.current().await?.filter(|i| i.answers_to(nonce)) {
            return Ok(Some(match self.end_in_memory(&instance, now) {
                Some((gone, event)) => {
                    self.persist_end(&gone).await?;
                    vec![event]
                }
                None => Vec::new(),
            }));
        }
        let mut pending = self.pending().await?;
        if !pending.iter().any(|p| p.nonce == nonce) {
            return Ok(None);
        }
        // Its createTime was never learnt and no join URL was issued for it: nothing to announce.
        pending.retain(|p| p.nonce != nonce);
        self.set_pending(pending).await?;
        Ok(Some(Vec::new()))
    }

    /// The pool's poll did not see the instance created at `create_time` on its server: a lost
    /// end callback, if BBB confirms.
    pub async fn settle(&self, create_time: CreateTime, now: i64) -> Result<Settled, AppError> {
        let Some(instance) = self.current().await?.filter(|i| i.create_time == create_time && i.is_running()) else {
            return Ok(Settled::NotHere);
        };
        if self.still_at_bbb(&instance).await? {
            return Ok(Settled::Running);
        }
        Ok(match self.end_in_memory(&instance, now) {
            Some((gone, event)) => {
                self.persist_end(&gone).await?;
                Settled::Ended(vec![event])
            }
            None => Settled::NotHere,
        })
    }

    /// The pool says `server` takes joins again (`true`) or not any more (offline or disabled).
    /// The running instance there is marked, and a join while it is lost re-homes it.
    pub async fn server_changed(&self, server: &ServerId, joinable: bool) -> Result<bool, AppError> {
        let Some(mut instance) = self.current().await?.filter(|i| &i.server == server && i.is_running()) else {
            return Ok(false);
        };
        if instance.server_lost != joinable {
            return Ok(false);
        }
        instance.server_lost = !joinable;
        self.store.save_instance(&instance).await?;
        *self.memory.instance.borrow_mut() = Some(Some(instance));
        Ok(true)
    }

    /// Whether BBB (the instance's own server) still has the instance. Not knowing is an error,
    /// never "gone".
    async fn still_at_bbb(&self, instance: &Instance) -> Result<bool, AppError> {
        let meeting = MeetingId::parse(&instance.meeting).map_err(|_| AppError::internal())?;
        let state = self.bbb(&instance.server)?.instance_state(&meeting, instance.create_time).await?;
        Ok(state == InstanceState::Exists)
    }

    /// Ends `instance` in memory if it is still the current running one: synchronous, so exactly
    /// one request wins. The ended instance and its `meeting.ended`, for the winner.
    pub(super) fn end_in_memory(&self, instance: &Instance, now: i64) -> Option<(Instance, Event)> {
        let mut slot = self.memory.instance.borrow_mut();
        let current = slot.as_ref().and_then(Option::as_ref);
        if current != Some(instance) || !instance.is_running() {
            return None;
        }
        let mut gone = instance.clone();
        gone.status = Status::Ended;
        *slot = Some(Some(gone.clone()));
        let event = ended_event(&gone, now);
        Some((gone, event))
    }

    /// Stores an instance ended in memory and tells the pool. The pool's record of it also goes
    /// when a later poll finds it gone, so a lost message to the pool costs nothing.
    pub(super) async fn persist_end(&self, gone: &Instance) -> Result<(), AppError> {
        self.store.save_instance(gone).await?;
        if let Ok(meeting) = MeetingId::parse(&gone.meeting) {
            let _ = self.placement.ended(&meeting, gone.create_time).await;
        }
        Ok(())
    }
}
