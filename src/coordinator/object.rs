//! The Durable Object: one per meeting id. It keeps the coordinator's memory between requests,
//! loads the settings once, and maps its internal routes onto `bbb_core::coordinator`.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use bbb_core::coordinator::{Coordinator, CoordinatorMemory, CreateSpec, Grant};
use bbb_core::create_options::CreateOptions;
use bbb_core::{AppError, Config};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use super::protocol::{GrantReply, JoinCall, RecoverCall};
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
                coordinator.join(&call.jti, &call.spec, now, crate::random::nonce).await
            }
            "/recover" => {
                let call: RecoverCall = req.json().await?;
                let spec = match coordinator.current().await {
                    Ok(current) => spec_of(&call, current),
                    Err(error) => return reply_error(&error),
                };
                coordinator.recover(call.stale, &spec, now, crate::random::nonce).await
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

    /// Forgets expired `jti`s and comes back when the next one expires.
    async fn alarm(&self) -> Result<Response> {
        self.alarm_pending.set(false);
        let store = DoStore { storage: self.state.storage(), alarm_pending: &self.alarm_pending };
        let now = now_seconds();
        if let Some(next) = store.forget_expired_jtis(now).await? {
            self.state.storage().set_alarm(alarm_time(next)).await?;
            self.alarm_pending.set(true);
        }
        Response::ok("")
    }
}

impl MeetingCoordinator {
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
