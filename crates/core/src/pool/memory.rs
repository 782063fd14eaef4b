//! Placement in memory, over a [`PoolView`]: what the pool Durable Object does, without the
//! Durable Object. For host tests and tools; the edge asks the pool object.

use std::cell::{Cell, RefCell};

use super::{Pool, PoolView, ServerId, TagRule};
use crate::coordinator::{Instance, Placement};
use crate::error::AppError;
use crate::ids::{CreateTime, MeetingId};

pub struct MemoryPlacement {
    pub pool: Pool,
    pub view: RefCell<PoolView>,
    pub now: Cell<i64>,
    /// How often `place` was asked (a join for a running meeting must never ask).
    pub asked: Cell<u32>,
}

impl MemoryPlacement {
    pub fn new(pool: Pool, now: i64) -> Self {
        MemoryPlacement { pool, view: RefCell::new(PoolView::default()), now: Cell::new(now), asked: Cell::new(0) }
    }
}

impl Placement for MemoryPlacement {
    async fn place(
        &self,
        meeting: &MeetingId,
        tag: &TagRule,
        expected_size: Option<u32>,
        exclude: &[ServerId],
    ) -> Result<ServerId, AppError> {
        self.asked.set(self.asked.get() + 1);
        let now = self.now.get();
        self.view
            .borrow_mut()
            .place(&self.pool, meeting.as_str(), tag, expected_size, exclude, now)
            .ok_or_else(AppError::no_server_available)
    }

    async fn placed(&self, instance: &Instance) -> Result<(), AppError> {
        let now = self.now.get();
        self.view.borrow_mut().placed(&instance.meeting, &instance.server, instance.create_time, now);
        Ok(())
    }

    async fn ended(&self, meeting: &MeetingId, create_time: CreateTime) -> Result<(), AppError> {
        self.view.borrow_mut().ended(meeting.as_str(), Some(create_time));
        Ok(())
    }
}
