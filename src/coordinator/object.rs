//! The Durable Object: one per meeting id. It keeps the coordinator's memory between requests,
//! loads the settings once, and maps its calls (`protocol.rs`) onto `bbb_core::coordinator`.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use bbb_core::bbb::RecordingFilter;
use bbb_core::coordinator::{
    recording_hosts, Admission, Coordinator, CoordinatorMemory, CoordinatorStore, CreateSpec, Grant, Instance,
    Recovery, Settled, Start,
};
use bbb_core::create_options::CreateOptions;
use bbb_core::waiting::WaitTicket;
use bbb_core::webhook::Event;
use bbb_core::{AppError, Config, ErrorCode, MeetingId};
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
};

use super::delivery::deliver_due;
use super::protocol::{
    CallbackReply, EndedCall, GrantReply, JoinCall, MeetingState, ReconcileCall, RecordingCall, RecoverCall,
    RecoverReply, ServerChangedCall, SettleCall, SettleReply, StateCall, WaitCall, WAIT_SOCKET_PATH,
};
use super::store::DoStore;
use super::waiters;
use crate::clock::now_seconds;
use crate::do_call::{read, reply, Call};
use crate::pool::client::PoolPlacement;
use crate::storage::{second_after, Storage};
use crate::transport::FetchTransport;

type Here<'a> = Coordinator<'a, DoStore<'a>, FetchTransport, PoolPlacement<'a>>;

#[durable_object] // fetch, alarm, and the waiting room's hibernating sockets
pub struct MeetingCoordinator {
    state: State,
    /// The same state as the platform's object: its socket calls report errors (`worker`'s
    /// wrappers of them panic).
    sockets: worker::worker_sys::DurableObjectState,
    env: Env,
    memory: CoordinatorMemory,
    /// Settings are fixed for the life of this object; parsed on first use.
    config: OnceCell<Rc<Config>>,
    /// Whether the `jti` clean-up alarm is known to be set (saves a storage read per join).
    alarm_pending: Cell<bool>,
}

impl DurableObject for MeetingCoordinator {
    fn new(state: State, env: Env) -> Self {
        let sockets = state._inner();
        MeetingCoordinator {
            state: State::from(worker::wasm_bindgen::JsCast::unchecked_into::<worker::worker_sys::DurableObjectState>(
                sockets.clone(),
            )),
            sockets,
            env,
            memory: CoordinatorMemory::default(),
            config: OnceCell::new(),
            alarm_pending: Cell::new(false),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let config = match self.config() {
            Ok(config) => config,
            Err(error) => return reply::<StateCall>(Err(error)),
        };
        let transport = FetchTransport::default();
        let placement = PoolPlacement { env: &self.env };
        let store = DoStore { storage: Storage::of(&self.state), alarm_pending: &self.alarm_pending };
        let here = Coordinator {
            memory: &self.memory,
            store: &store,
            config: &config,
            transport: &transport,
            placement: &placement,
        };
        let now = now_seconds();
        match req.path().as_str() {
            JoinCall::PATH => {
                let call: JoinCall = read(&req).await?;
                let start = Start::of(call.waits);
                let admission = here.admit(&call.jti, &call.spec, start, now, crate::random::nonce).await;
                let grant = match admission {
                    Ok(Admission::Join(grant)) => {
                        self.after_grant(&here, *grant, now).await.map(|g| Some(grant_reply(g, &transport)))
                    }
                    Ok(Admission::Wait) => Ok(None),
                    Err(error) => Err(error),
                };
                reply::<JoinCall>(grant)
            }
            WaitCall::PATH => {
                let grant = here.joinable(None).await.map(|g| g.map(|g| grant_reply(g, &transport)));
                reply::<WaitCall>(grant)
            }
            path if path.starts_with(WAIT_SOCKET_PATH) => {
                let sealed = &path[WAIT_SOCKET_PATH.len()..];
                let Ok(ticket) = WaitTicket::open(&config.callbacks.all(), sealed, now) else {
                    return Response::error("bad wait ticket", 401);
                };
                let running = here.current().await.ok().flatten().is_some_and(|i| i.joinable());
                waiters::accept(&self.sockets, &config, &ticket, running, now)
            }
            RecoverCall::PATH => {
                let call: RecoverCall = read(&req).await?;
                reply::<RecoverCall>(self.recover(&here, &call, now).await)
            }
            EndedCall::PATH => {
                let call: EndedCall = read(&req).await?;
                let outcome = match here.meeting_ended(&call.nonce, now).await {
                    Ok(Some(events)) => {
                        let announced = !events.is_empty();
                        self.announce(&store, &config, events, now).await?;
                        Ok(CallbackReply { announced, state: None, bbb_calls: 0 })
                    }
                    Ok(None) => Err(AppError::new(ErrorCode::Gone, "No meeting instance with this callback is known.")),
                    Err(error) => Err(error),
                };
                reply::<EndedCall>(outcome)
            }
            ReconcileCall::PATH => {
                let call: ReconcileCall = read(&req).await?;
                let outcome = match self.reconcile(&here, &call.meeting, now).await {
                    Ok(events) => {
                        let announced = !events.is_empty();
                        self.announce(&store, &config, events, now).await?;
                        Ok(CallbackReply { announced, state: None, bbb_calls: transport.calls() })
                    }
                    Err(error) => Err(error),
                };
                reply::<ReconcileCall>(outcome)
            }
            RecordingCall::PATH => {
                let call: RecordingCall = read(&req).await?;
                let outcome = match self.confirm_recording(&here, &call, now).await {
                    Ok((events, state)) => {
                        let announced = !events.is_empty();
                        self.announce(&store, &config, events, now).await?;
                        Ok(CallbackReply { announced, state: Some(state), bbb_calls: transport.calls() })
                    }
                    Err(error) => Err(error),
                };
                reply::<RecordingCall>(outcome)
            }
            StateCall::PATH => {
                let state = here.current().await;
                reply::<StateCall>(
                    state.map(|instance| MeetingState { instance, waiting: waiters::count(&self.sockets) }),
                )
            }
            SettleCall::PATH => {
                let call: SettleCall = read(&req).await?;
                let outcome = match here.settle(call.create_time, now).await {
                    Ok(Settled::Ended(events)) => {
                        self.announce(&store, &config, events, now).await?;
                        Ok(SettleReply { ended: true, here: false })
                    }
                    Ok(Settled::Running) => Ok(SettleReply { ended: false, here: true }),
                    Ok(Settled::NotHere) => Ok(SettleReply { ended: false, here: false }),
                    Err(error) => Err(error),
                };
                reply::<SettleCall>(outcome)
            }
            ServerChangedCall::PATH => {
                let call: ServerChangedCall = read(&req).await?;
                let changed = here.server_changed(&call.server, call.joinable).await;
                if let Ok(true) = changed {
                    let meeting = here.current().await.ok().flatten().map(|i| i.meeting).unwrap_or_default();
                    let note = if call.joinable { "server_back" } else { "server_lost" };
                    let line = serde_json::json!({ "route": "coordinator", "note": note, "meeting": meeting, "server": call.server.as_str() });
                    worker::console_log!("{line}");
                }
                reply::<ServerChangedCall>(changed)
            }
            _ => Response::error("unknown coordinator route", 404),
        }
    }

    /// Sends due host notifications, forgets expired `jti`s, and comes back for the next of either.
    async fn alarm(&self) -> Result<Response> {
        self.alarm_pending.set(false);
        let store = DoStore { storage: Storage::of(&self.state), alarm_pending: &self.alarm_pending };
        let now = now_seconds();
        let next_jti = store.forget_expired_jtis(now).await?;
        let next_delivery = match (self.config(), store.load_instance().await) {
            (Ok(config), Ok(instance)) => {
                let meeting = instance.map(|i| i.meeting).unwrap_or_default();
                deliver_due(&store, &config, &meeting, now).await?
            }
            _ => None,
        };
        if let Some(next) = [next_jti, next_delivery].into_iter().flatten().min() {
            store.storage.set_alarm(second_after(next)).await?;
            self.alarm_pending.set(true);
        }
        Response::ok("")
    }

    /// Pings are answered by the auto-response; a page sends nothing else.
    async fn websocket_message(&self, _: WebSocket, _: WebSocketIncomingMessage) -> Result<()> {
        Ok(())
    }

    /// A page went away: complete the close.
    async fn websocket_close(&self, socket: WebSocket, _: usize, _: String, _: bool) -> Result<()> {
        let _ = socket.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _: WebSocket, _: worker::Error) -> Result<()> {
        Ok(())
    }
}

impl MeetingCoordinator {
    /// What a grant brings along: the lost instance's `meeting.ended` of a re-homing, and the
    /// registry's note of a new instance.
    async fn after_grant(&self, here: &Here<'_>, grant: Grant, now: i64) -> std::result::Result<Grant, AppError> {
        self.announce(here.store, here.config, grant.events.clone(), now).await.map_err(|_| AppError::internal())?;
        if grant.created {
            self.release_waiters(here.config, &grant.instance.meeting, now);
            if let Ok(meeting) = MeetingId::parse(&grant.instance.meeting) {
                self.register(&meeting).await;
            }
        }
        Ok(grant)
    }

    async fn recover(
        &self,
        here: &Here<'_>,
        call: &RecoverCall,
        now: i64,
    ) -> std::result::Result<RecoverReply, AppError> {
        let spec = spec_of(call, here.current().await?);
        let start = Start::of(call.waits);
        let calls = || here.transport.calls();
        match here.recover(call.stale, &call.server, &spec, start, now, crate::random::nonce).await? {
            Recovery::Join(grant) => {
                let grant = self.after_grant(here, *grant, now).await?;
                let grant = grant_reply(grant, here.transport);
                Ok(RecoverReply { bbb_calls: grant.bbb_calls, grant: Some(grant), wait_for: None })
            }
            Recovery::StillRunning => Ok(RecoverReply { grant: None, bbb_calls: calls(), wait_for: None }),
            Recovery::Wait(ended) => {
                self.announce(here.store, here.config, ended, now).await.map_err(|_| AppError::internal())?;
                Ok(RecoverReply { grant: None, bbb_calls: calls(), wait_for: Some(spec.name) })
            }
        }
    }

    /// A start: every waiting page goes in (CONTRACT §9).
    fn release_waiters(&self, config: &Config, meeting: &str, now: i64) {
        let released = waiters::release(&self.sockets, config, now);
        if released > 0 {
            let line = serde_json::json!({
                "route": "coordinator", "note": "waiters_released", "meeting": meeting,
                "released": released, "memory_bytes": waiters::memory_bytes(),
            });
            worker::console_log!("{line}");
        }
    }

    /// Queues host notifications, when the operator configured a receiver.
    async fn announce(&self, store: &DoStore<'_>, config: &Config, events: Vec<Event>, now: i64) -> Result<()> {
        if config.webhooks.target.is_none() {
            return Ok(());
        }
        store.enqueue(events, now).await
    }

    /// Tells the registry an instance was created, so reconciliation looks here. A failure only
    /// costs reconciliation for this meeting; the join goes on.
    async fn register(&self, meeting: &MeetingId) {
        if let Err(error) = crate::registry::created(&self.env, meeting).await {
            worker::console_error!("{}", error.to_json());
        }
    }

    /// Recordings of `meeting`, on every server that hosted it, that BBB lists as ready and no
    /// one announced yet.
    async fn reconcile(
        &self,
        here: &Here<'_>,
        meeting: &MeetingId,
        now: i64,
    ) -> std::result::Result<Vec<Event>, AppError> {
        if here.config.webhooks.target.is_none() {
            return Ok(Vec::new());
        }
        let filter = RecordingFilter::Meeting(meeting.clone());
        let mut events = Vec::new();
        for server in recording_hosts(&here.config.pool, here.current().await?.as_ref()) {
            for recording in here.bbb(&server)?.recordings(&filter, "published,unpublished", None).await?.recordings {
                events.extend(here.recording_ready(meeting, &recording, now).await?);
            }
        }
        Ok(events)
    }

    /// Confirms a recording with `getRecordings` at the server that announced it, before anything
    /// user-visible happens.
    async fn confirm_recording(
        &self,
        here: &Here<'_>,
        call: &RecordingCall,
        now: i64,
    ) -> std::result::Result<(Vec<Event>, String), AppError> {
        let filter = RecordingFilter::Record(call.record_id.clone());
        let found = here.bbb(&call.server)?.recordings(&filter, "any", None).await?;
        let recording = found
            .recordings
            .into_iter()
            .find(|r| r.record_id == call.record_id)
            .ok_or_else(|| AppError::new(ErrorCode::Gone, "BBB does not know this recording."))?;
        // Without a receiver nothing is announced, so nothing is marked as announced either.
        let events = match here.config.webhooks.target {
            Some(_) => here.recording_ready(&call.meeting, &recording, now).await?,
            None => Vec::new(),
        };
        Ok((events, recording.state))
    }

    fn config(&self) -> std::result::Result<Rc<Config>, AppError> {
        if let Some(config) = self.config.get() {
            return Ok(config.clone());
        }
        let config = crate::env_source::load(&self.env)?;
        Ok(self.config.get_or_init(|| config).clone())
    }
}

/// A recovery re-creates with what the instance was created with (or plain defaults).
fn spec_of(call: &RecoverCall, current: Option<Instance>) -> CreateSpec {
    current.and_then(|instance| instance.spec()).unwrap_or_else(|| CreateSpec {
        meeting: call.meeting.clone(),
        name: call.meeting.as_str().to_owned(),
        options: CreateOptions::default(),
        server_tag: None,
        expected_size: None,
    })
}

fn grant_reply(grant: Grant, transport: &FetchTransport) -> GrantReply {
    GrantReply {
        server: grant.instance.server,
        create_time: grant.instance.create_time,
        created: grant.created,
        drift: grant.drift,
        bbb_calls: transport.calls(),
        upstream_ms: transport.upstream_ms(),
    }
}
