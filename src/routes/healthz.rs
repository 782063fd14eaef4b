//! `GET /healthz`: settings complete and BBB reachable with the right secret. Names settings,
//! never their values.

use bbb_core::log::RequestLog;
use bbb_core::{AppError, Config};
use serde_json::json;
use worker::{Env, Response};

use crate::env_source::EnvSource;
use crate::respond::{self, internal};
use crate::transport::FetchTransport;

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
    let bbb = config.bbb_client(FetchTransport::default());
    let probe = bbb.probe().await;
    log.bbb_calls = bbb.transport().calls();
    log.upstream_ms = bbb.transport().upstream_ms();
    let (status, bbb_status) = match probe {
        Ok(()) => (200, json!({ "ok": true, "latency_ms": log.upstream_ms })),
        Err(error) => {
            let error = AppError::from(error);
            log.outcome = error.code.as_str();
            log.bbb_message_key = error.bbb.as_ref().map(|m| m.key.clone());
            let mut detail = json!({ "ok": false, "error": error.code.as_str(), "message": error.message });
            if let Some(bbb) = &error.bbb {
                detail["messageKey"] = json!(bbb.key);
                if bbb.key == "checksumError" {
                    detail["hint"] = json!("BBB_SECRET or BBB_CHECKSUM_ALGORITHM does not match the BBB server");
                }
            }
            (503, detail)
        }
    };
    let mut body = json!({
        "status": if status == 200 { "ok" } else { "unavailable" },
        "config": { "ok": true, "checksum_algorithm": config.signer.algorithm.name() },
        "bbb": bbb_status,
    });
    let mut status = status;
    if let Some(url) = &config.jwks_url {
        // Hosts signing with their own keys cannot join without a usable key: not ready.
        let jwks = jwks_status(url, config.bbb_timeout).await;
        if jwks["ok"] != true {
            status = 503;
            body["status"] = json!("unavailable");
        }
        body["jwks"] = jwks;
    }
    respond::json(&body.to_string(), status).map_err(internal)
}

/// The host app's JWKS: reachable, and how many of its keys are usable (never its URL).
async fn jwks_status(url: &str, timeout: std::time::Duration) -> serde_json::Value {
    match crate::transport::get(url, timeout).await {
        Ok(reply) if reply.status == 200 => match bbb_core::jwks::KeySet::parse(&reply.body) {
            Ok(keys) => json!({ "ok": !keys.keys.is_empty(), "keys": keys.keys.len(), "skipped": keys.skipped }),
            Err(error) => json!({ "ok": false, "error": format!("the JWKS is not usable: {}", error.0) }),
        },
        Ok(reply) => json!({ "ok": false, "error": format!("the JWKS answered HTTP {}", reply.status) }),
        Err(_) => json!({ "ok": false, "error": "the JWKS could not be reached in time" }),
    }
}
