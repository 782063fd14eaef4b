//! `/api/v1/*`: the host apps' JSON API over BBB's meeting and recording calls. Every request
//! needs a bearer token with `scope` containing `api`; ids are validated before any BBB call.

use bbb_core::api::{self, authorize, bearer, meeting_id, record_id, RecordingQuery};
use bbb_core::bbb::RecordingFilter;
use bbb_core::log::RequestLog;
use bbb_core::page::percent_decode;
use bbb_core::{AppError, ErrorCode};
use serde_json::{json, Value};
use worker::{Env, Method, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::jwks::JwksVerifier;
use crate::respond::{self, internal};
use crate::transport::FetchTransport;

pub async fn handle(mut req: Request, env: &Env, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let authorization = req.headers().get("authorization").ok().flatten();
    let token = bearer(authorization.as_deref())?;
    let verified = config.tokens.verify_with(token, now_seconds(), &JwksVerifier { config: &config }).await?;
    authorize(&verified)?;

    let url = req.url().map_err(internal)?;
    let path = url.path().strip_prefix("/api/v1/").unwrap_or_default().to_owned();
    let segments: Vec<String> =
        path.split('/').map(|s| String::from_utf8(percent_decode(s)).unwrap_or_default()).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let bbb = config.bbb_client(FetchTransport::default());
    let method = req.method();

    let body: Value = match (&method, segments.as_slice()) {
        (Method::Get, ["meetings", meeting]) => {
            let meeting = meeting_id(meeting)?;
            log.meeting = Some(meeting.as_str().to_owned());
            let info = bbb.meeting_info(&meeting).await?;
            let coordinator = client::state(env, &meeting).await?;
            api::meeting_json(Some(&info), coordinator.as_ref())
        }
        (Method::Post, ["meetings", meeting, "end"]) => {
            let meeting = meeting_id(meeting)?;
            log.meeting = Some(meeting.as_str().to_owned());
            bbb.end_meeting(&meeting).await?;
            json!({ "meeting": meeting.as_str(), "end_requested": true })
        }
        (Method::Get, ["recordings"]) => {
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            let query = RecordingQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
            if let RecordingFilter::Meeting(meeting) = &query.filter {
                log.meeting = Some(meeting.as_str().to_owned());
            }
            let list = bbb.recordings(&query.filter, &query.states, query.page).await?;
            api::recordings_json(&list, &query)
        }
        (Method::Get, ["recordings", id]) => api::recording_json(&one(&bbb, &record_id(id)?).await?),
        (Method::Post, ["recordings", id, action @ ("publish" | "unpublish")]) => {
            let id = record_id(id)?;
            bbb.publish_recording(&id, *action == "publish").await?;
            api::recording_json(&one(&bbb, &id).await?)
        }
        (Method::Patch, ["recordings", id]) => {
            let id = record_id(id)?;
            let meta = api::metadata_update(&req.text().await.map_err(internal)?)?;
            bbb.update_recording(&id, &meta).await?;
            api::recording_json(&one(&bbb, &id).await?)
        }
        (Method::Delete, ["recordings", id]) => {
            let id = record_id(id)?;
            bbb.delete_recording(&id).await?;
            json!({ "record_id": id.as_str(), "deleted": true })
        }
        (
            _,
            ["meetings", _]
            | ["meetings", _, "end"]
            | ["recordings"]
            | ["recordings", _]
            | ["recordings", _, "publish" | "unpublish"],
        ) => {
            return Err(AppError::new(ErrorCode::MethodNotAllowed, "This method is not allowed on this path."));
        }
        _ => return Err(AppError::new(ErrorCode::NotFound, "There is nothing at this path.")),
    };
    log.bbb_calls = bbb.transport().calls();
    log.upstream_ms = bbb.transport().upstream_ms();
    respond::json(&body.to_string(), 200).map_err(internal)
}

/// One recording in any state, or `404 not_found`.
async fn one(
    bbb: &bbb_core::bbb::BbbClient<FetchTransport>,
    id: &bbb_core::RecordId,
) -> Result<bbb_core::bbb::response::Recording, AppError> {
    let list = bbb.recordings(&RecordingFilter::Record(id.clone()), "any", None).await?;
    list.recordings
        .into_iter()
        .find(|r| &r.record_id == id)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "BBB has no recording with this id."))
}
