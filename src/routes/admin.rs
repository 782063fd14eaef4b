//! The pool's admin API (CONTRACT §8), for tokens whose `scope` contains `admin`: the servers
//! with their state, health and load; enable, cordon or disable one (it survives deploys); poll
//! every server now.

use bbb_core::log::RequestLog;
use bbb_core::pool::ServerId;
use bbb_core::AppError;
use serde_json::json;
use worker::{Env, Request, Response};

use crate::pool::client::call;
use crate::pool::protocol::{PollCall, ServersCall, SetStateCall};
use crate::respond::{self, internal};
use crate::route::Route;
use crate::routes::api::{authorized, decoded};

pub async fn handle(req: Request, env: &Env, route: &Route, log: &mut RequestLog) -> Result<Response, AppError> {
    authorized(&req, env, "admin").await?;
    let body = match route {
        Route::ApiServers => json!({ "servers": call(env, &ServersCall {}).await? }),
        Route::ApiServerState(id, action) => {
            let server =
                ServerId::parse(&decoded(id)).map_err(|_| AppError::not_found("There is no server with this id."))?;
            log.server = Some(server.to_string());
            json!(call(env, &SetStateCall { server, state: (*action).to_owned() }).await?)
        }
        Route::ApiPoolPoll => json!({ "servers": call(env, &PollCall { force: true }).await? }),
        _ => return Err(AppError::internal()),
    };
    respond::json(&body.to_string(), 200).map_err(internal)
}
