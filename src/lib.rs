//! bbb-edge, the edge layer: maps requests, bindings and `fetch` onto the pure core in
//! `bbb-core`. Handlers stay thin; decisions live in the core.

mod body;
mod clock;
mod coordinator;
mod do_call;
mod env_source;
mod js_http;
mod jwks;
mod pool;
mod query;
mod random;
mod reconcile;
mod registry;
mod respond;
mod route;
mod routes;
mod storage;
mod transport;

use bbb_core::log::RequestLog;
use bbb_core::AppError;
use worker::{console_log, event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

pub use coordinator::MeetingCoordinator;
pub use pool::ServerPool;
pub use registry::MeetingRegistry;
use route::{Matched, Route};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let matched = Matched::parse(&req.method(), &req.path());
    let mut log =
        RequestLog { route: matched.name(), method: route::method_name(&req.method()), ..RequestLog::default() };
    // The API answers JSON whatever the client accepts, also for its unknown paths.
    let wants_html = !req.path().starts_with("/api/") && respond::wants_html(&req);
    let lang = respond::page_lang(&req);
    let result = match body::check_declared_length(&req) {
        Err(too_large) => Err(too_large),
        Ok(()) => match &matched {
            Matched::Route(route) => handle(route, req, &env, &mut log).await,
            Matched::WrongMethod(_) => Err(AppError::method_not_allowed()),
            Matched::NotFound => Err(AppError::not_found("There is nothing at this path.")),
        },
    };
    let response = match result {
        Ok(response) => {
            if log.outcome.is_empty() {
                log.outcome = "ok";
            }
            response
        }
        Err(error) => {
            log.outcome = error.code.as_str();
            if log.bbb_message_key.is_none() {
                log.bbb_message_key = error.bbb.as_ref().map(|m| m.key.clone());
            }
            let lti = matches!(matched, Matched::Route(Route::LtiLogin | Route::LtiLaunch));
            let mut response = respond::error(&error, wants_html, lang, &env, lti)?;
            if let Matched::WrongMethod(wrong) = &matched {
                response.headers_mut().set("allow", wrong.allow)?;
            }
            response
        }
    };
    log.status = response.status_code();
    console_log!("{}", log.to_json());
    Ok(response)
}

async fn handle(
    route: &Route,
    req: Request,
    env: &Env,
    log: &mut RequestLog,
) -> std::result::Result<Response, AppError> {
    match route {
        Route::Join => routes::join::handle(req, env, log).await,
        Route::JoinError => routes::join_error::handle(&req, env, None, log).await,
        Route::JoinErrorTicket(ticket) => routes::join_error::handle(&req, env, Some(ticket), log).await,
        Route::Wait(ticket) => routes::wait::page(&req, env, ticket, false, log).await,
        Route::WaitAgain(ticket) => routes::wait::page(&req, env, ticket, true, log).await,
        Route::WaitSocket(ticket) => routes::wait::socket(&req, env, ticket, log).await,
        Route::Left => routes::left::handle(&req),
        Route::LtiLogin => routes::lti::login(req, env, log).await,
        Route::LtiLaunch => routes::lti::launch(req, env, log).await,
        Route::LtiJwks => respond::json(r#"{"keys":[]}"#, 200).map_err(respond::internal),
        Route::Healthz => routes::healthz::handle(env, log).await,
        Route::MeetingEnded(token) => routes::callbacks::meeting_ended(env, token, log).await,
        Route::RecordingReady(server) => routes::callbacks::recording_ready(req, env, server.as_deref(), log).await,
        Route::ApiServers | Route::ApiServerState(..) | Route::ApiPoolPoll => {
            routes::admin::handle(req, env, route, log).await
        }
        api => routes::api::handle(req, env, api, log).await,
    }
}

/// The cron trigger (every minute): the pool polls the servers that are due (POOL_POLL_SECONDS),
/// and recordings whose recording-ready callback was lost are looked for.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    if let Err(error) = pool::client::call(&env, &pool::protocol::PollCall { force: false }).await {
        console_log!("{}", serde_json::json!({ "route": "pool_poll", "outcome": error.code.as_str() }));
    }
    reconcile::run(&env).await;
}
