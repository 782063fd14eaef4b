//! `GET /healthz`: settings complete, BBB usable, the host's JWKS usable. Public and cheap:
//! configuration is checked on every call (a problem is named at once); the pool of one's server
//! is probed at most once per `PROBE_SECONDS` per isolate; a pool's health is the pool's own
//! (its polls), read at most once per `PROBE_SECONDS` per isolate; the JWKS status is what the
//! isolate's keys are, fetched only as the JWKS policy allows. Names settings, never values, and
//! servers by id, never by URL.

use std::cell::RefCell;

use bbb_core::health::{Decision, Probe, ProbeMemo, PROBE_SECONDS};
use bbb_core::log::RequestLog;
use bbb_core::pool::{Server, ServerReport};
use bbb_core::{AppError, Config};
use serde_json::{json, Value};
use worker::{Date, Env, Response};

use crate::env_source::EnvSource;
use crate::pool::protocol::ServersCall;
use crate::respond::{self, internal};
use crate::transport::FetchTransport;

thread_local! {
    static PROBE: RefCell<ProbeMemo> = RefCell::new(ProbeMemo::default());
    /// The pool's report, and when it was read (ms).
    static POOL: RefCell<Option<(u64, Vec<ServerReport>)>> = const { RefCell::new(None) };
}

pub async fn handle(env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = match Config::load(&EnvSource(env)) {
        Ok(config) => config,
        Err(error) => {
            log.outcome = bbb_core::ErrorCode::ConfigMissing.as_str();
            let body = json!({
                "status": "unavailable",
                "config": { "ok": false, "problems": error.setting_names(), "message": error.to_string() },
                "bbb": { "ok": null },
            });
            return respond::json(&body.to_string(), 503).map_err(internal);
        }
    };
    let mut body = json!({ "config": { "ok": true } });
    if !config.lti.is_empty() {
        // How many LMSs may launch (their URLs are not shown).
        body["lti"] = json!({ "platforms": config.lti.len() });
    }
    let mut ready = match config.pool.only() {
        Some(server) => {
            body["config"]["checksum_algorithm"] = json!(server.signer.algorithm.name());
            body["bbb"] = probe(&config, server, log).await;
            body["bbb"]["ok"] == true
        }
        None => {
            let servers = pool_report(env).await?;
            let placeable = servers.iter().filter(|s| s.placeable()).count();
            body["bbb"] = json!({ "ok": placeable > 0, "servers_taking_meetings": placeable });
            body["servers"] =
                servers.iter().map(|s| json!({ "id": s.id, "state": s.state, "health": s.health })).collect();
            placeable > 0
        }
    };
    if let Some(source) = &config.jwks {
        let cached = crate::jwks::keys(&config, source, None).await;
        // Hosts signing with their own keys cannot join without a usable key: not ready.
        let usable = !cached.keys.keys.is_empty();
        ready &= usable;
        body["jwks"] = json!({ "ok": usable, "keys": cached.keys.keys.len(), "skipped": cached.keys.skipped });
        if !usable {
            body["jwks"]["error"] = json!("the JWKS could not be reached in time, or holds no usable key");
        }
    }
    body["status"] = json!(if ready { "ok" } else { "unavailable" });
    respond::json(&body.to_string(), if ready { 200 } else { 503 }).map_err(internal)
}

/// The pool's view of its servers, as this isolate last read it (at most every `PROBE_SECONDS`).
async fn pool_report(env: &Env) -> Result<Vec<ServerReport>, AppError> {
    let now = Date::now().as_millis();
    let fresh =
        POOL.with(|cell| cell.borrow().clone()).filter(|(at, _)| now.saturating_sub(*at) < PROBE_SECONDS * 1000);
    if let Some((_, servers)) = fresh {
        return Ok(servers);
    }
    let servers = crate::pool::client::call(env, &ServersCall {}).await?;
    POOL.with(|cell| *cell.borrow_mut() = Some((now, servers.clone())));
    Ok(servers)
}

/// The server of a pool of one, from this isolate's last probe, probing when it is older than
/// `PROBE_SECONDS`.
async fn probe(config: &Config, server: &Server, log: &mut RequestLog) -> Value {
    let now = Date::now().as_millis();
    let give_up = 3 * config.bbb_timeout.as_millis() as u64;
    let probe = match PROBE.with(|memo| memo.borrow_mut().decide(now, give_up)) {
        Decision::Reuse(probe) => probe,
        Decision::Checking => return json!({ "ok": null, "checking": true }),
        Decision::Run => {
            let transport = FetchTransport::default();
            let outcome = server.client(&transport, config.bbb_timeout).probe().await;
            log.bbb_calls = transport.calls();
            log.upstream_ms = transport.upstream_ms();
            let probe = Probe {
                at_ms: Date::now().as_millis(),
                outcome: outcome.map(|()| transport.upstream_ms()).map_err(AppError::from),
            };
            PROBE.with(|memo| memo.borrow_mut().finish(probe.clone()));
            probe
        }
    };
    let checked_ago_ms = now.saturating_sub(probe.at_ms);
    match probe.outcome {
        Ok(latency_ms) => json!({ "ok": true, "latency_ms": latency_ms, "checked_ms_ago": checked_ago_ms }),
        Err(error) => {
            log.outcome = error.code.as_str();
            log.bbb_message_key = error.bbb.as_ref().map(|m| m.key.clone());
            let mut detail = json!({ "ok": false, "error": error.code.as_str(), "message": error.message, "checked_ms_ago": checked_ago_ms });
            if let Some(bbb) = &error.bbb {
                detail["messageKey"] = json!(bbb.key);
                if bbb_core::bbb::message_key::is_checksum_error(&bbb.key) {
                    detail["hint"] = json!("BBB_SECRET or BBB_CHECKSUM_ALGORITHM does not match the BBB server");
                }
            }
            detail
        }
    }
}
