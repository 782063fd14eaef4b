//! The pool's Durable Object: the single writer of the servers' state and of the placements. It
//! keeps the whole view in memory (loaded once), answers placements at once, and polls. Each
//! invocation stays within `POOL_POLL_BATCH` subrequests: a poll round or the messages it owes
//! meeting coordinators go out in batches from its alarm, so a pool of any size polls on any plan.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use bbb_core::pool::{AdminState, PoolView, Server, ServerId, ServerReport, TagRule};
use bbb_core::{AppError, Config, ErrorCode};
use futures_util::future::join_all;
use worker::{console_log, durable_object, DurableObject, Env, Request, Response, Result, State};

use super::poll::poll;
use super::protocol::{HostOfCall, InstanceEndedCall, PlaceCall, PlacedCall, PollCall, ServersCall, SetStateCall};
use super::store::{PoolStore, Work};
use crate::clock::now_seconds;
use crate::coordinator::client as meetings;
use crate::coordinator::protocol::{ServerChangedCall, SettleCall};
use crate::do_call::{read, reply, Call};
use crate::storage::Storage;

#[durable_object(alarm)]
pub struct ServerPool {
    state: State,
    env: Env,
    /// `None` until loaded from storage.
    view: RefCell<Option<PoolView>>,
    config: OnceCell<Rc<Config>>,
    /// A forced poll (the admin API's) in progress: the servers it has still to poll.
    forced_left: RefCell<Option<Vec<ServerId>>>,
}

impl DurableObject for ServerPool {
    fn new(state: State, env: Env) -> Self {
        ServerPool { state, env, view: RefCell::new(None), config: OnceCell::new(), forced_left: RefCell::new(None) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let config = match self.config() {
            Ok(config) => config,
            Err(error) => return reply::<ServersCall>(Err(error)),
        };
        if let Err(error) = self.load().await {
            return reply::<ServersCall>(Err(error));
        }
        let now = now_seconds();
        let path = req.path();
        if path != ServersCall::PATH {
            // One line per call: what the pool is asked, never more than ids.
            console_log!("{}", serde_json::json!({ "route": "pool", "call": path.trim_start_matches('/') }));
        }
        match path.as_str() {
            PlaceCall::PATH => {
                let call: PlaceCall = read(&req).await?;
                reply::<PlaceCall>(self.place(&config, call, now).await)
            }
            PlacedCall::PATH => {
                let call: PlacedCall = read(&req).await?;
                reply::<PlacedCall>(self.placed(call, now).await)
            }
            InstanceEndedCall::PATH => {
                let call: InstanceEndedCall = read(&req).await?;
                reply::<InstanceEndedCall>(self.instance_ended(call).await)
            }
            ServersCall::PATH => reply::<ServersCall>(Ok(self.reports(&config, now))),
            SetStateCall::PATH => {
                let call: SetStateCall = read(&req).await?;
                reply::<SetStateCall>(self.set_state(&config, call, now).await)
            }
            PollCall::PATH => {
                let call: PollCall = read(&req).await?;
                if call.force {
                    let every = config.pool.servers().iter().map(|s| s.id.clone()).collect();
                    *self.forced_left.borrow_mut() = Some(every);
                }
                let outcome = self.poll_round(&config).await;
                reply::<PollCall>(outcome.map(|()| self.reports(&config, now_seconds())))
            }
            HostOfCall::PATH => {
                let call: HostOfCall = read(&req).await?;
                reply::<HostOfCall>(self.store().host(&call.internal_meeting_id).await.map_err(storage))
            }
            _ => Response::error("unknown pool route", 404),
        }
    }

    /// Pays what is owed to meeting coordinators, else polls the next batch; comes back while
    /// anything is left.
    async fn alarm(&self) -> Result<Response> {
        let (Ok(config), Ok(())) = (self.config(), self.load().await) else {
            return Response::ok("");
        };
        let owed = self.store().owed(config.polling.batch).await?;
        if owed.is_empty() {
            if let Err(error) = self.poll_round(&config).await {
                console_log!("{}", serde_json::json!({ "route": "pool", "outcome": error.code.as_str() }));
            }
        } else {
            self.pay(owed).await?;
        }
        self.come_back_if_needed(&config).await?;
        Response::ok("")
    }
}

impl ServerPool {
    fn store(&self) -> PoolStore {
        PoolStore { storage: Storage::of(&self.state) }
    }

    fn config(&self) -> std::result::Result<Rc<Config>, AppError> {
        if let Some(config) = self.config.get() {
            return Ok(config.clone());
        }
        let config = crate::env_source::load(&self.env)?;
        Ok(self.config.get_or_init(|| config).clone())
    }

    async fn load(&self) -> std::result::Result<(), AppError> {
        if self.view.borrow().is_some() {
            return Ok(());
        }
        let loaded = self.store().load_view().await.map_err(storage)?;
        // Another request may have loaded it while we awaited storage.
        self.view.borrow_mut().get_or_insert(loaded);
        Ok(())
    }

    /// Runs `change` on the view (never across an await).
    fn with_view<R>(&self, change: impl FnOnce(&mut PoolView) -> R) -> R {
        change(self.view.borrow_mut().as_mut().expect("loaded before any route"))
    }

    fn reports(&self, config: &Config, now: i64) -> Vec<ServerReport> {
        self.with_view(|view| ServerReport::all(&config.pool, view, now))
    }

    async fn place(&self, config: &Config, call: PlaceCall, now: i64) -> std::result::Result<ServerId, AppError> {
        let rule = TagRule::parse(call.server_tag.as_deref());
        let (chosen, record) = self.with_view(|view| {
            let chosen = view.place(&config.pool, &call.meeting, &rule, call.expected_size, &call.exclude, now);
            (chosen, view.placements.get(&call.meeting).cloned())
        });
        let chosen = chosen.ok_or_else(AppError::no_server_available)?;
        self.store().save_placement(&call.meeting, record.as_ref()).await.map_err(storage)?;
        Ok(chosen)
    }

    async fn placed(&self, call: PlacedCall, now: i64) -> std::result::Result<(), AppError> {
        let record = self.with_view(|view| {
            view.placed(&call.meeting, &call.server, call.create_time, now);
            view.placements.get(&call.meeting).cloned()
        });
        let store = self.store();
        store.save_placement(&call.meeting, record.as_ref()).await.map_err(storage)?;
        store.save_host(&call.internal_meeting_id, &call.server).await.map_err(storage)
    }

    async fn instance_ended(&self, call: InstanceEndedCall) -> std::result::Result<(), AppError> {
        let record = self.with_view(|view| {
            view.ended(&call.meeting, Some(call.create_time));
            view.placements.get(&call.meeting).cloned()
        });
        self.store().save_placement(&call.meeting, record.as_ref()).await.map_err(storage)
    }

    async fn set_state(
        &self,
        config: &Config,
        call: SetStateCall,
        now: i64,
    ) -> std::result::Result<ServerReport, AppError> {
        let server =
            config.pool.get(&call.server).ok_or_else(|| AppError::not_found("There is no server with this id."))?;
        let state = AdminState::parse(&call.state)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidRequest, "The state must be enable, cordon or disable."))?;
        let (changed, record, meetings) = self.with_view(|view| {
            let changed = view.set_state(&server.id, state);
            (changed, view.record(&server.id), view.meetings_on(&server.id))
        });
        let store = self.store();
        store.save_server(&server.id, &record).await.map_err(storage)?;
        if let Some(joinable) = changed {
            for meeting in meetings {
                let work = Work::ServerChanged { server: server.id.clone(), joinable };
                store.owe(&meeting, &work).await.map_err(storage)?;
            }
            self.come_back_soon().await.map_err(storage)?;
        }
        Ok(self.with_view(|view| ServerReport::of(server, view, now)))
    }

    /// The servers this round polls, at most one batch: those due, oldest poll first, or in a
    /// forced pass the next of those it has still to poll (taken off its list).
    fn round<'a>(&self, config: &'a Config, now: i64) -> Vec<&'a Server> {
        let batch = config.polling.batch;
        if let Some(left) = self.forced_left.borrow_mut().as_mut() {
            let take = left.len().min(batch);
            return left.drain(..take).filter_map(|id| config.pool.get(&id)).collect();
        }
        self.with_view(|view| view.due_for_poll(&config.pool, batch, now, config.polling.poll_seconds as i64))
    }

    /// Whether another round is due (without taking a forced pass's next servers).
    fn more_to_poll(&self, config: &Config, now: i64) -> bool {
        if let Some(left) = self.forced_left.borrow().as_ref() {
            return !left.is_empty();
        }
        self.with_view(|view| !view.due_for_poll(&config.pool, 1, now, config.polling.poll_seconds as i64).is_empty())
    }

    /// Polls one batch and records what it showed: health, load, meetings seen, and what each
    /// affected meeting's coordinator must hear (owed, sent from the alarm).
    async fn poll_round(&self, config: &Config) -> std::result::Result<(), AppError> {
        let servers = self.round(config, now_seconds());
        if servers.is_empty() {
            *self.forced_left.borrow_mut() = None;
            return Ok(());
        }
        let started = worker::Date::now().as_millis();
        let results = poll(config, &servers).await;
        let now = now_seconds();
        // One line per round: how many servers (= subrequests) one invocation polled, how long.
        let took = worker::Date::now().as_millis().saturating_sub(started);
        console_log!("{}", serde_json::json!({ "route": "pool_round", "servers": servers.len(), "ms": took }));
        let store = self.store();
        let mut owed: Vec<(String, Work)> = Vec::new();
        for (id, listed) in results {
            let (outcome, record, placements, on_server) = self.with_view(|view| {
                let outcome = view.apply_poll(&id, listed.as_deref(), &config.polling, now);
                let placements: Vec<_> = view
                    .placements
                    .iter()
                    .filter(|(_, p)| p.server == id)
                    .map(|(m, p)| (m.clone(), p.clone()))
                    .collect();
                (outcome, view.record(&id), placements, view.meetings_on(&id))
            });
            store.save_server(&id, &record).await.map_err(storage)?;
            for (meeting, placement) in placements.iter().filter(|(_, p)| p.seen) {
                store.save_placement(meeting, Some(placement)).await.map_err(storage)?;
            }
            if let Some(joinable) = outcome.joinable_changed {
                owed.extend(on_server.into_iter().map(|m| (m, Work::ServerChanged { server: id.clone(), joinable })));
            }
            owed.extend(outcome.unlisted.into_iter().map(|(m, create_time)| (m, Work::Settle { create_time })));
            let line = serde_json::json!({
                "route": "pool_poll", "server": id.as_str(), "ok": listed.is_some(),
                "health": record.counters.health.name(), "meetings": record.meetings,
            });
            console_log!("{line}");
        }
        for (meeting, work) in &owed {
            store.owe(meeting, work).await.map_err(storage)?;
        }
        self.come_back_if_needed(config).await.map_err(storage)?;
        Ok(())
    }

    /// Sends owed messages to meeting coordinators, a batch at once; a meeting whose instance
    /// a settlement found gone (or not there) is forgotten. Delivered or not, a message is not
    /// retried forever: the next poll finds what is still true.
    async fn pay(&self, owed: Vec<(String, Work)>) -> Result<()> {
        let store = self.store();
        let deliveries = owed.iter().map(|(meeting, work)| self.deliver(meeting, work));
        for (result, (meeting, _)) in join_all(deliveries).await.into_iter().zip(&owed) {
            if let Err(reason) = result {
                console_log!("{}", serde_json::json!({ "route": "pool_work", "outcome": "failed", "reason": reason }));
            }
            store.paid(meeting).await?;
        }
        Ok(())
    }

    async fn deliver(&self, meeting: &str, work: &Work) -> std::result::Result<(), String> {
        let id = bbb_core::MeetingId::parse(meeting).map_err(|_| "not a meeting id".to_owned())?;
        match work {
            Work::ServerChanged { server, joinable } => {
                let call = ServerChangedCall { server: server.clone(), joinable: *joinable };
                meetings::call(&self.env, &id, &call).await.map(drop).map_err(|e| e.message)
            }
            Work::Settle { create_time } => {
                let settled = meetings::call(&self.env, &id, &SettleCall { create_time: *create_time })
                    .await
                    .map_err(|e| e.message)?;
                if settled.here {
                    return Ok(());
                }
                let record = self.with_view(|view| {
                    view.ended(meeting, Some(*create_time));
                    view.placements.get(meeting).cloned()
                });
                self.store().save_placement(meeting, record.as_ref()).await.map_err(|e| e.to_string())
            }
        }
    }

    async fn come_back_if_needed(&self, config: &Config) -> Result<()> {
        let owed = !self.store().owed(1).await?.is_empty();
        let more = self.more_to_poll(config, now_seconds());
        if owed || more {
            self.come_back_soon().await?;
        }
        if !more {
            *self.forced_left.borrow_mut() = None;
        }
        Ok(())
    }

    async fn come_back_soon(&self) -> Result<()> {
        Storage::of(&self.state).set_alarm(worker::js_sys::Date::now() + 1000.0).await
    }
}

fn storage(_: worker::Error) -> AppError {
    AppError::new(ErrorCode::Internal, "The pool's state could not be read or saved. Please try again.")
}
