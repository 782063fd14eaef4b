//! `/api/v1/*`: the host apps' JSON API over BBB's meeting and recording calls, across the pool:
//! a meeting is asked at its instance's server, its recordings on every server that hosted it,
//! a `record_id` at the server that hosted its instance. Every request needs a bearer token with
//! `scope` containing `api`; ids are validated before any BBB call.

use std::rc::Rc;

use bbb_core::api::{self, authorize_scope, bearer, meeting_id, record_id, RecordingQuery};
use bbb_core::bbb::response::{MeetingInfo, Recording};
use bbb_core::bbb::RecordingFilter;
use bbb_core::coordinator::{recording_hosts, Instance};
use bbb_core::log::RequestLog;
use bbb_core::page::percent_decode;
use bbb_core::pool::{Server, ServerId};
use bbb_core::{AppError, Config, MeetingId, RecordId};
use serde_json::{json, Value};
use worker::{Env, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::coordinator::protocol::StateCall;
use crate::jwks::JwksVerifier;
use crate::pool::protocol::HostOfCall;
use crate::respond::{self, internal};
use crate::route::Route;
use crate::transport::FetchTransport;

/// The settings, once the request's bearer token is verified and has `scope`.
pub async fn authorized(req: &Request, env: &Env, scope: &'static str) -> Result<Rc<Config>, AppError> {
    let config = crate::env_source::load(env)?;
    let authorization = req.headers().get("authorization").ok().flatten();
    let token = bearer(authorization.as_deref())?;
    let verified = config.tokens.verify_with(token, now_seconds(), &JwksVerifier::host(&config)).await?;
    authorize_scope(&verified, scope)?;
    Ok(config)
}

pub async fn handle(mut req: Request, env: &Env, route: &Route, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = authorized(&req, env, "api").await?;
    let transport = FetchTransport::default();
    let timeout = config.bbb_timeout;
    let body: Value = match route {
        Route::ApiMeeting(meeting) => {
            let meeting = meeting_id(&decoded(meeting))?;
            log.meeting = Some(meeting.as_str().to_owned());
            let state = client::call(env, &meeting, &StateCall {}).await?;
            let (server, info) = meeting_info(&config, &transport, &meeting, state.instance.as_ref()).await?;
            api::meeting_json(Some(&info), &server.id, state.instance.as_ref(), state.waiting)
        }
        Route::ApiMeetingEnd(meeting) => {
            let meeting = meeting_id(&decoded(meeting))?;
            log.meeting = Some(meeting.as_str().to_owned());
            let state = client::call(env, &meeting, &StateCall {}).await?.instance;
            let (server, _) = meeting_info(&config, &transport, &meeting, state.as_ref()).await?;
            server.client(&transport, timeout).end_meeting(&meeting).await?;
            json!({ "meeting": meeting.as_str(), "server": server.id.as_str(), "end_requested": true })
        }
        Route::ApiRecordings => {
            let pairs = crate::query::pairs(&req);
            let query = RecordingQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
            let servers = match &query.filter {
                RecordingFilter::Meeting(meeting) => {
                    log.meeting = Some(meeting.as_str().to_owned());
                    let state = client::call(env, meeting, &StateCall {}).await?.instance;
                    recording_hosts(&config.pool, state.as_ref())
                }
                RecordingFilter::Record(id) => vec![recording_host(env, &config, &transport, id).await?.id.clone()],
            };
            let page = api::per_server_page(&query, servers.len());
            let mut lists = Vec::new();
            for id in servers {
                let Some(server) = config.pool.get(&id) else { continue };
                lists.push((
                    id,
                    server.client(&transport, timeout).recordings(&query.filter, &query.states, page).await?,
                ));
            }
            api::recordings_json(lists, &query)
        }
        Route::ApiRecording(id) => {
            let id = record_id(&decoded(id))?;
            let server = recording_host(env, &config, &transport, &id).await?;
            api::recording_json(&one(&config, &transport, server, &id).await?, &server.id)
        }
        Route::ApiRecordingPublish(id, publish) => {
            let id = record_id(&decoded(id))?;
            let server = recording_host(env, &config, &transport, &id).await?;
            server.client(&transport, timeout).publish_recording(&id, *publish).await?;
            api::recording_json(&one(&config, &transport, server, &id).await?, &server.id)
        }
        Route::ApiRecordingUpdate(id) => {
            let id = record_id(&decoded(id))?;
            let meta = api::metadata_update(&crate::body::read_text(&mut req).await?)?;
            let server = recording_host(env, &config, &transport, &id).await?;
            server.client(&transport, timeout).update_recording(&id, &meta).await?;
            api::recording_json(&one(&config, &transport, server, &id).await?, &server.id)
        }
        Route::ApiRecordingDelete(id) => {
            let id = record_id(&decoded(id))?;
            let server = recording_host(env, &config, &transport, &id).await?;
            server.client(&transport, timeout).delete_recording(&id).await?;
            json!({ "record_id": id.as_str(), "server": server.id.as_str(), "deleted": true })
        }
        _ => return Err(AppError::internal()),
    };
    log.bbb_calls = transport.calls();
    log.upstream_ms = transport.upstream_ms();
    respond::json(&body.to_string(), 200).map_err(internal)
}

/// A path value as sent (`Course%20101%2Fa`), decoded; not UTF-8 is refused by the id check.
pub fn decoded(segment: &str) -> String {
    String::from_utf8(percent_decode(segment)).unwrap_or_default()
}

/// `getMeetingInfo` at the server of the meeting's current instance; for a meeting the worker
/// does not know, at each server in turn until one has it. `404` when none does.
async fn meeting_info<'a>(
    config: &'a Config,
    transport: &FetchTransport,
    meeting: &MeetingId,
    state: Option<&Instance>,
) -> Result<(&'a Server, MeetingInfo), AppError> {
    let candidates: Vec<&Server> = match state.and_then(|instance| config.pool.get(&instance.server)) {
        Some(server) => vec![server],
        None => config.pool.servers().iter().collect(),
    };
    let mut last = None;
    for server in candidates {
        match server.client(transport, config.bbb_timeout).meeting_info(meeting).await {
            Ok(info) => return Ok((server, info)),
            Err(error) if error.is_not_found() => last = Some(error),
            Err(error) => return Err(error.into()),
        }
    }
    Err(last.map(AppError::from).unwrap_or_else(|| AppError::not_found("BBB has no meeting with this id.")))
}

/// The server that hosted the instance a recording belongs to (its `record_id` is that
/// instance's internal id): as the pool remembers it, else the one server that has it.
async fn recording_host<'a>(
    env: &Env,
    config: &'a Config,
    transport: &FetchTransport,
    id: &RecordId,
) -> Result<&'a Server, AppError> {
    if let Some(server) = config.pool.only() {
        return Ok(server);
    }
    let known: Option<ServerId> =
        crate::pool::client::call(env, &HostOfCall { internal_meeting_id: id.as_str().to_owned() }).await?;
    if let Some(server) = known.and_then(|id| config.pool.get(&id)) {
        return Ok(server);
    }
    for server in config.pool.servers() {
        if one(config, transport, server, id).await.is_ok() {
            return Ok(server);
        }
    }
    Err(AppError::not_found("BBB has no recording with this id."))
}

/// One recording in any state at `server`, or `404 not_found`.
async fn one(
    config: &Config,
    transport: &FetchTransport,
    server: &Server,
    id: &RecordId,
) -> Result<Recording, AppError> {
    let list = server
        .client(transport, config.bbb_timeout)
        .recordings(&RecordingFilter::Record(id.clone()), "any", None)
        .await?;
    list.recordings
        .into_iter()
        .find(|r| &r.record_id == id)
        .ok_or_else(|| AppError::not_found("BBB has no recording with this id."))
}
