//! bbb-edge, the edge layer: maps requests, bindings and `fetch` onto the pure core in
//! `bbb-core`. Handlers stay thin; decisions live in the core.

mod clock;
mod coordinator;
mod env_source;
mod jwks;
mod random;
mod reconcile;
mod registry;
mod respond;
mod route;
mod routes;
mod transport;

use bbb_core::log::RequestLog;
use worker::{console_log, event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

pub use coordinator::MeetingCoordinator;
pub use registry::MeetingRegistry;
use route::Route;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let route = Route::parse(&req.method(), &req.path());
    let mut log =
        RequestLog { route: route.name(), method: route::method_name(&req.method()), ..RequestLog::default() };
    // The API answers JSON whatever the client accepts.
    let wants_html = route != Route::Api && respond::wants_html(&req);
    let result = match route {
        Route::Join => routes::join::handle(req, &env, &mut log).await,
        Route::JoinError => routes::join_error::handle(&req, &env, None, &mut log).await,
        Route::JoinErrorTicket => {
            let path = req.path();
            let ticket = path.strip_prefix("/join/error/").unwrap_or_default().to_owned();
            routes::join_error::handle(&req, &env, Some(&ticket), &mut log).await
        }
        Route::Left => routes::left::handle(),
        Route::MeetingEnded => {
            let path = req.path();
            let token = path.strip_prefix("/callbacks/meeting-ended/").unwrap_or_default().to_owned();
            routes::callbacks::meeting_ended(&env, &token, &mut log).await
        }
        Route::RecordingReady => routes::callbacks::recording_ready(req, &env, &mut log).await,
        Route::Api => routes::api::handle(req, &env, &mut log).await,
        Route::Healthz => routes::healthz::handle(&env, &mut log).await,
        Route::MethodNotAllowed(_) => Err(bbb_core::AppError::new(
            bbb_core::ErrorCode::MethodNotAllowed,
            "This method is not allowed on this path.",
        )),
        Route::NotFound => {
            Err(bbb_core::AppError::new(bbb_core::ErrorCode::NotFound, "There is nothing at this path."))
        }
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
            respond::error(&error, wants_html, &env)?
        }
    };
    log.status = response.status_code();
    console_log!("{}", log.to_json());
    Ok(response)
}

/// The cron trigger: reconcile recordings whose recording-ready callback was lost.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    reconcile::run(&env).await;
}
