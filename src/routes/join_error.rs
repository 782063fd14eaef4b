//! `GET /join/error/{ticket}` (and `/join/error`): the `errorRedirectUrl` BBB sends browsers to,
//! with `?errors=[...]` appended. What arrives in that query comes from the browser: it may say
//! the instance is stale, but only BBB's own answer (asked by the meeting's coordinator) can get
//! it dropped and re-created, once. Otherwise the page says, in the worker's words, why BBB did
//! not let the person in; the query's text is never shown.

use bbb_core::bbb::JoinRefusal;
use bbb_core::join::{refused, signed_join};
use bbb_core::log::RequestLog;
use bbb_core::ticket::Ticket;
use bbb_core::{page, AppError, Config};
use worker::{Env, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::coordinator::protocol::RecoverCall;
use crate::respond::{self, internal};
use crate::routes::join::{grant_server, record};

pub async fn handle(
    req: &Request,
    env: &Env,
    sealed: Option<&str>,
    log: &mut RequestLog,
) -> Result<Response, AppError> {
    let refusal = page::parse_bbb_errors(&crate::query::raw(req)).first().map(|error| JoinRefusal::of(&error.key));
    let config = crate::env_source::load(env).ok();
    if let (Some(config), Some(sealed), Some(refusal)) = (&config, sealed, refusal) {
        if refusal.is_stale_instance() {
            if let Some(response) = recover(req, config, env, sealed, log).await? {
                return Ok(response);
            }
        }
    }
    let error = refused(refusal);
    log.outcome = error.code.as_str();
    log.bbb_message_key = refusal.and_then(JoinRefusal::key).map(str::to_owned);
    let response = if respond::wants_html(req) {
        let back = config.and_then(|config| config.logout_url.clone());
        let lang = respond::page_lang(req);
        respond::html(&page::join_error_page(refusal, back.as_deref(), lang), error.status(), lang)
    } else {
        respond::json(&error.to_json(), error.status())
    };
    response.map_err(internal)
}

/// The recovery of a stale instance, when the ticket is good and BBB confirms; `None` otherwise.
async fn recover(
    req: &Request,
    config: &Config,
    env: &Env,
    sealed: &str,
    log: &mut RequestLog,
) -> Result<Option<Response>, AppError> {
    let now = now_seconds();
    // A forged or expired ticket only means no recovery: the reason is still shown.
    let Ok(ticket) = Ticket::open(&config.callbacks.all(), sealed, now) else {
        return Ok(None);
    };
    log.meeting = Some(ticket.participant.meeting.as_str().to_owned());
    log.role = Some(ticket.participant.role.name());
    if ticket.retried {
        return Ok(None);
    }
    let call = RecoverCall {
        meeting: ticket.participant.meeting.clone(),
        server: ticket.server.clone(),
        stale: ticket.create_time,
        waits: ticket.participant.waits,
    };
    let reply = client::call(env, &ticket.participant.meeting, &call).await?;
    if let Some(meeting_name) = reply.wait_for {
        // The instance is gone and this viewer waits for the next start.
        log.bbb_calls = reply.bbb_calls;
        return crate::routes::wait::begin(req, config, ticket.participant, meeting_name, now, log).map(Some);
    }
    let Some(grant) = reply.grant else {
        log.bbb_calls = reply.bbb_calls;
        log.note = Some("still_running");
        return Ok(None);
    };
    record(log, &grant);
    log.note = Some("recovered");
    let server = grant_server(config, &grant)?;
    let location = signed_join(config, server, &ticket.participant, grant.create_time, now, true);
    respond::redirect(location.expose(), 302).map(Some).map_err(internal)
}
