//! `GET /healthz`: settings complete, BBB reachable with the right secret, the host's JWKS
//! usable. Public and cheap: configuration is checked on every call (a problem is named at
//! once), BBB is probed at most once per `PROBE_SECONDS` per isolate, and the JWKS status is what
//! the isolate's keys are, fetched only as the JWKS policy allows. Names settings, never values.

use std::cell::RefCell;

use bbb_core::health::{Decision, Probe, ProbeMemo};
use bbb_core::log::RequestLog;
use bbb_core::{AppError, Config};
use serde_json::{json, Value};
use worker::{Date, Env, Response};

use crate::env_source::EnvSource;
use crate::respond::{self, internal};
use crate::transport::FetchTransport;

thread_local! {
    static PROBE: RefCell<ProbeMemo> = RefCell::new(ProbeMemo::default());
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
    let bbb_status = bbb_status(&config, log).await;
    let mut ready = bbb_status["ok"] == true;
    let mut body = json!({
        "config": { "ok": true, "checksum_algorithm": config.signer.algorithm.name() },
        "bbb": bbb_status,
    });
    if let Some(cached) = crate::jwks::keys(&config, None).await {
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

/// BBB's state from this isolate's last probe, probing when it is older than `PROBE_SECONDS`.
async fn bbb_status(config: &Config, log: &mut RequestLog) -> Value {
    let now = Date::now().as_millis();
    let give_up = 3 * config.bbb_timeout.as_millis() as u64;
    let probe = match PROBE.with(|memo| memo.borrow_mut().decide(now, give_up)) {
        Decision::Reuse(probe) => probe,
        Decision::Checking => return json!({ "ok": null, "checking": true }),
        Decision::Run => {
            let bbb = config.bbb_client(FetchTransport::default());
            let outcome = bbb.probe().await;
            log.bbb_calls = bbb.transport().calls();
            log.upstream_ms = bbb.transport().upstream_ms();
            let probe = Probe {
                at_ms: Date::now().as_millis(),
                outcome: outcome.map(|()| bbb.transport().upstream_ms()).map_err(AppError::from),
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
