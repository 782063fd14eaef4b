//! The waiting room at the edge (CONTRACT §9). `/join` answers a viewer who waits with the page
//! built here; the page comes back to `GET /join/wait/{ticket}` (its refresh without JavaScript,
//! its reload, and where its socket's `go` points), which joins once the meeting runs. The ticket
//! is checked here, and again by the meeting's Durable Object, which holds the page's socket.

use bbb_core::join::signed_join;
use bbb_core::log::RequestLog;
use bbb_core::page::{self, WaitingPage};
use bbb_core::ticket::{Participant, TicketError};
use bbb_core::waiting::{WaitPaths, WaitTicket};
use bbb_core::{AppError, Config, ErrorCode};
use worker::{Env, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::coordinator::protocol::WaitCall;
use crate::respond::{self, internal};
use crate::routes::join::{grant_server, record};

/// `GET /join/wait/{ticket}` (and `…/again`, which starts the wait again): the signed join's
/// `302` when the meeting runs, else the waiting page. Never creates the meeting.
pub async fn page(
    req: &Request,
    env: &Env,
    sealed: &str,
    again: bool,
    log: &mut RequestLog,
) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let now = now_seconds();
    let mut ticket = open(&config, sealed, now, log)?;
    if again {
        ticket = ticket.again(now, &config.waiting);
    }
    let participant = ticket.participant();
    let Some(grant) = client::call(env, &participant.meeting, &WaitCall {}).await? else {
        log.note = Some("waiting");
        return waiting(req, &config, &ticket, now);
    };
    record(log, &grant);
    let server = grant_server(&config, &grant)?;
    let location = signed_join(&config, server, participant, grant.create_time, now, false);
    respond::redirect(location.expose(), 302).map_err(internal)
}

/// A wait begins now for `participant` (a viewer who waits): its ticket, and the page.
pub fn begin(
    req: &Request,
    config: &Config,
    participant: Participant,
    meeting_name: String,
    now: i64,
    log: &mut RequestLog,
) -> Result<Response, AppError> {
    log.note = Some("waiting");
    let ticket = WaitTicket::begin(participant, meeting_name, now, &config.waiting).ok_or_else(AppError::internal)?;
    waiting(req, config, &ticket, now)
}

/// The waiting page for `ticket`, with the ticket sealed into its paths.
pub fn waiting(req: &Request, config: &Config, ticket: &WaitTicket, now: i64) -> Result<Response, AppError> {
    let paths = WaitPaths::of(&ticket.seal(&config.callbacks.key));
    let lang = respond::page_lang(req);
    let body = page::waiting_page(&WaitingPage {
        lang,
        meeting_name: ticket.meeting_name(),
        full_name: &ticket.participant().full_name,
        since: ticket.since(),
        now,
        max_seconds: config.waiting.max_seconds,
        page_path: &paths.page,
        socket_path: &paths.socket,
        again_path: &paths.again,
        back: config.logout_url.as_deref(),
    });
    let ancestors = if ticket.participant().from_lms { config.lti.frame_ancestors() } else { Vec::new() };
    respond::waiting_html(&body, lang, &ancestors).map_err(internal)
}

/// `GET /join/wait/{ticket}/socket` with `Upgrade: websocket`: handed to the meeting's object.
pub async fn socket(req: &Request, env: &Env, sealed: &str, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let ticket = open(&config, sealed, now_seconds(), log)?;
    let upgrade = req.headers().get("upgrade").ok().flatten().unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(AppError::new(
            ErrorCode::InvalidRequest,
            "This address takes a WebSocket: the waiting page opens it by itself.",
        ));
    }
    client::wait_socket(env, &ticket.participant().meeting, sealed).await
}

fn open(config: &Config, sealed: &str, now: i64, log: &mut RequestLog) -> Result<WaitTicket, AppError> {
    let ticket = WaitTicket::open(&config.callbacks.all(), sealed, now).map_err(|error| match error {
        TicketError::Forged => AppError::new(
            ErrorCode::TokenInvalid,
            "This waiting link is not valid. Open the meeting link from your course or portal again.",
        ),
        TicketError::Expired => AppError::new(
            ErrorCode::TokenExpired,
            "This waiting link has expired. Open the meeting link from your course or portal again.",
        ),
    })?;
    log.meeting = Some(ticket.participant().meeting.as_str().to_owned());
    log.role = Some(ticket.participant().role.name());
    Ok(ticket)
}
