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
    let body = json!({
        "status": if status == 200 { "ok" } else { "unavailable" },
        "config": { "ok": true, "checksum_algorithm": config.signer.algorithm.name() },
        "bbb": bbb_status,
    });
    respond::json(&body.to_string(), status).map_err(internal)
}
