//! The Durable Object: one per meeting id. It keeps the coordinator's memory between requests,
//! loads the settings once, and maps its internal routes onto `bbb_core::coordinator`.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use bbb_core::bbb::RecordingFilter;
use bbb_core::coordinator::CoordinatorStore;
use bbb_core::coordinator::{Coordinator, CoordinatorMemory, CreateSpec, Grant, Recovery};
use bbb_core::create_options::CreateOptions;
use bbb_core::webhook::Event;
use bbb_core::{AppError, Config, ErrorCode};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::delivery::deliver_due;
use super::protocol::{
    CallbackReply, EndedCall, GrantReply, JoinCall, ReconcileCall, RecordingCall, RecoverCall, RecoverReply,
};
use super::store::{alarm_time, DoStore};
use crate::clock::now_seconds;
use crate::transport::FetchTransport;

#[durable_object(alarm)] // fetch and alarm only: no websocket glue in the wasm
pub struct MeetingCoordinator {
    state: State,
    env: Env,
    memory: CoordinatorMemory,
    /// Settings are fixed for the life of this object; parsed on first use.
    config: OnceCell<Rc<Config>>,
    /// Whether the `jti` clean-up alarm is known to be set (saves a storage read per join).
    alarm_pending: Cell<bool>,
}

impl DurableObject for MeetingCoordinator {
    fn new(state: State, env: Env) -> Self {
        MeetingCoordinator {
            state,
            env,
            memory: CoordinatorMemory::default(),
            config: OnceCell::new(),
            alarm_pending: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let config = match self.config() {
            Ok(config) => config,
            Err(error) => return reply_error(&error),
        };
        let bbb = config.bbb_client(FetchTransport::default());
        let store = DoStore { storage: self.state.storage(), alarm_pending: &self.alarm_pending };
        let coordinator = Coordinator { memory: &self.memory, store: &store, config, bbb: &bbb };
        let now = now_seconds();
        let outcome = match req.path().as_str() {
            "/join" => {
                let call: JoinCall = req.json().await?;
                let grant = coordinator.join(&call.jti, &call.spec, now, crate::random::nonce).await;
                if grant.as_ref().is_ok_and(|g| g.created) {
                    self.register(&call.spec.meeting).await;
                }
                grant
            }
            "/recover" => {
                let call: RecoverCall = req.json().await?;
                let spec = match coordinator.current().await {
                    Ok(current) => spec_of(&call, current),
                    Err(error) => return reply_error(&error),
                };
                return match coordinator.recover(call.stale, &spec, now, crate::random::nonce).await {
                    Ok(Recovery::Join(grant)) => {
                        self.announce(&store, config, grant.events.clone(), now).await?;
                        if grant.created {
                            self.register(&call.meeting).await;
                        }
                        let grant = reply(*grant, bbb.transport());
                        Response::from_json(&RecoverReply { bbb_calls: grant.bbb_calls, grant: Some(grant) })
                    }
                    Ok(Recovery::StillRunning) => {
                        Response::from_json(&RecoverReply { grant: None, bbb_calls: bbb.transport().calls() })
                    }
                    Err(error) => reply_error(&error),
                };
            }
            "/ended" => {
                let call: EndedCall = req.json().await?;
                return match coordinator.meeting_ended(&call.nonce, now).await {
                    Ok(Some(events)) => {
                        let announced = !events.is_empty();
                        self.announce(&store, config, events, now).await?;
                        Response::from_json(&CallbackReply { announced, state: None, bbb_calls: 0 })
                    }
                    Ok(None) => {
                        reply_error(&AppError::new(ErrorCode::Gone, "No meeting instance with this callback is known."))
                    }
                    Err(error) => reply_error(&error),
                };
            }
            "/reconcile" => {
                let call: ReconcileCall = req.json().await?;
                return match self.reconcile(&coordinator, &call.meeting, now).await {
                    Ok(events) => {
                        let announced = !events.is_empty();
                        self.announce(&store, config, events, now).await?;
                        Response::from_json(&CallbackReply {
                            announced,
                            state: None,
                            bbb_calls: bbb.transport().calls(),
                        })
                    }
                    Err(error) => reply_error(&error),
                };
            }
            "/recording-ready" => {
                let call: RecordingCall = req.json().await?;
                return match self.confirm_recording(&coordinator, &call, now).await {
                    Ok((events, state)) => {
                        let announced = !events.is_empty();
                        self.announce(&store, config, events, now).await?;
                        let bbb_calls = bbb.transport().calls();
                        Response::from_json(&CallbackReply { announced, state: Some(state), bbb_calls })
                    }
                    Err(error) => reply_error(&error),
                };
            }
            "/state" => {
                return match coordinator.current().await {
                    Ok(instance) => Response::from_json(&instance),
                    Err(error) => reply_error(&error),
                };
            }
            _ => return Response::error("unknown coordinator route", 404),
        };
        match outcome {
            Ok(grant) => Response::from_json(&reply(grant, bbb.transport())),
            Err(error) => reply_error(&error),
        }
    }

    /// Sends due host notifications, forgets expired `jti`s, and comes back for the next of either.
    async fn alarm(&self) -> Result<Response> {
        self.alarm_pending.set(false);
        let store = DoStore { storage: self.state.storage(), alarm_pending: &self.alarm_pending };
        let now = now_seconds();
        let next_jti = store.forget_expired_jtis(now).await?;
        let next_delivery = match (self.config(), store.load_instance().await) {
            (Ok(config), Ok(instance)) => {
                let meeting = instance.map(|i| i.meeting).unwrap_or_default();
                deliver_due(&store, config, &meeting, now).await?
            }
            _ => None,
        };
        if let Some(next) = [next_jti, next_delivery].into_iter().flatten().min() {
            self.state.storage().set_alarm(alarm_time(next)).await?;
            self.alarm_pending.set(true);
        }
        Response::ok("")
    }
}

impl MeetingCoordinator {
    /// Queues host notifications, when the operator configured a receiver.
    async fn announce(&self, store: &DoStore<'_>, config: &Config, events: Vec<Event>, now: i64) -> Result<()> {
        if config.webhooks.is_none() {
            return Ok(());
        }
        store.enqueue(events, now).await
    }

    /// Tells the registry an instance was created, so reconciliation looks here. A failure only
    /// costs reconciliation for this meeting; the join goes on.
    async fn register(&self, meeting: &bbb_core::MeetingId) {
        if let Err(error) = crate::registry::created(&self.env, meeting).await {
            worker::console_error!("{}", error.to_json());
        }
    }

    /// Recordings of `meeting` that BBB lists as ready and no one announced yet.
    async fn reconcile(
        &self,
        coordinator: &Coordinator<'_, DoStore<'_>, FetchTransport>,
        meeting: &bbb_core::MeetingId,
        now: i64,
    ) -> std::result::Result<Vec<Event>, AppError> {
        if coordinator.config.webhooks.is_none() {
            return Ok(Vec::new());
        }
        let filter = RecordingFilter::Meeting(meeting.clone());
        let mut events = Vec::new();
        for recording in coordinator.bbb.recordings(&filter, "published,unpublished", None).await?.recordings {
            events.extend(coordinator.recording_ready(meeting, &recording, now).await?);
        }
        Ok(events)
    }

    /// Confirms a recording with `getRecordings` before anything user-visible happens.
    async fn confirm_recording(
        &self,
        coordinator: &Coordinator<'_, DoStore<'_>, FetchTransport>,
        call: &RecordingCall,
        now: i64,
    ) -> std::result::Result<(Vec<Event>, String), AppError> {
        let filter = RecordingFilter::Record(call.record_id.clone());
        let found = coordinator.bbb.recordings(&filter, "any", None).await?;
        let recording = found
            .recordings
            .into_iter()
            .find(|r| r.record_id == call.record_id)
            .ok_or_else(|| AppError::new(ErrorCode::Gone, "BBB does not know this recording."))?;
        // Without a receiver nothing is announced, so nothing is marked as announced either.
        let events = match coordinator.config.webhooks {
            Some(_) => coordinator.recording_ready(&call.meeting, &recording, now).await?,
            None => Vec::new(),
        };
        Ok((events, recording.state))
    }

    fn config(&self) -> std::result::Result<&Config, AppError> {
        if let Some(config) = self.config.get() {
            return Ok(config);
        }
        let config = crate::env_source::load(&self.env)?;
        Ok(self.config.get_or_init(|| config))
    }
}

/// A recovery re-creates with what the instance was created with (or plain defaults).
fn spec_of(call: &RecoverCall, current: Option<bbb_core::coordinator::Instance>) -> CreateSpec {
    let (name, options) = current
        .and_then(|instance| Some((instance.name, CreateOptions::try_from(instance.params).ok()?)))
        .unwrap_or_else(|| (call.meeting.as_str().to_owned(), CreateOptions::default()));
    CreateSpec { meeting: call.meeting.clone(), name, options }
}

fn reply(grant: Grant, transport: &FetchTransport) -> GrantReply {
    GrantReply {
        create_time: grant.instance.create_time,
        created: grant.created,
        drift: grant.drift,
        bbb_calls: transport.calls(),
        upstream_ms: transport.upstream_ms(),
    }
}

fn reply_error(error: &AppError) -> Result<Response> {
    Ok(Response::ok(error.to_json())?.with_status(error.status()))
}
