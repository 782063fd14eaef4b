//! `GET /join/error/{ticket}` (and `/join/error`): the `errorRedirectUrl` BBB sends browsers to,
//! with `?errors=[...]` appended. When BBB says the coordinator's instance is stale (the meeting
//! ended or BBB restarted and the callback was lost), the ticket lets the worker drop it,
//! re-create and redirect again, once. Otherwise BBB's reason is shown.

use bbb_core::bbb::BbbMessage;
use bbb_core::join::signed_join;
use bbb_core::log::RequestLog;
use bbb_core::ticket::Ticket;
use bbb_core::{page, AppError, Config, ErrorCode};
use worker::{Env, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::coordinator::protocol::RecoverCall;
use crate::respond::{self, internal};
use crate::routes::join::record;
use crate::transport::FetchTransport;

/// BBB's ways of saying "that instance is gone".
const STALE: [&str; 3] = ["invalidMeetingIdentifier", "mismatchCreateTimeParam", "meetingForciblyEnded"];

pub async fn handle(
    req: &Request,
    env: &Env,
    sealed: Option<&str>,
    log: &mut RequestLog,
) -> Result<Response, AppError> {
    let url = req.url().map_err(internal)?;
    let errors = page::parse_bbb_errors(url.query().unwrap_or(""));
    let config = crate::env_source::load(env).ok();
    if let (Some(config), Some(sealed)) = (&config, sealed) {
        if let Some(response) = recover(config, env, sealed, &errors, log).await? {
            return Ok(response);
        }
    }
    let error = AppError {
        code: ErrorCode::BbbFailed,
        message: "The meeting server could not let you in.".into(),
        bbb: errors.first().cloned(),
    };
    let response = if respond::wants_html(req) {
        let back = config.and_then(|config| config.logout_url.clone());
        respond::html(&page::join_error_page(&errors, back.as_deref()), error.status())
    } else {
        respond::json(&error.to_json(), error.status())
    };
    response.map_err(internal)
}

async fn recover(
    config: &Config,
    env: &Env,
    sealed: &str,
    errors: &[BbbMessage],
    log: &mut RequestLog,
) -> Result<Option<Response>, AppError> {
    let now = now_seconds();
    // A forged or expired ticket only means no recovery: the reason is still shown.
    let Ok(ticket) = Ticket::open(&config.callback_keys(), sealed, now) else {
        return Ok(None);
    };
    log.meeting = Some(ticket.participant.meeting.as_str().to_owned());
    log.role = Some(ticket.participant.role.name());
    let stale = errors.first().is_some_and(|error| STALE.contains(&error.key.as_str()));
    if ticket.retried || !stale {
        return Ok(None);
    }
    let call = RecoverCall { meeting: ticket.participant.meeting.clone(), stale: ticket.create_time };
    let grant = client::recover(env, &call).await?;
    record(log, &grant);
    log.note = Some("recovered");
    let bbb = config.bbb_client(FetchTransport::default());
    let location = signed_join(config, &bbb, &ticket.participant, grant.create_time, now, true);
    respond::redirect(location.expose(), 302).map(Some).map_err(internal)
}
