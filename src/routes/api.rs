//! `/api/v1/*`: the host apps' JSON API over BBB's meeting and recording calls. Every request
//! needs a bearer token with `scope` containing `api`; ids are validated before any BBB call.

use bbb_core::api::{self, authorize, bearer, meeting_id, record_id, RecordingQuery};
use bbb_core::bbb::RecordingFilter;
use bbb_core::log::RequestLog;
use bbb_core::page::percent_decode;
use bbb_core::AppError;
use serde_json::{json, Value};
use worker::{Env, Request, Response};

use crate::clock::now_seconds;
use crate::coordinator::client;
use crate::jwks::JwksVerifier;
use crate::respond::{self, internal};
use crate::route::Route;
use crate::transport::FetchTransport;

pub async fn handle(mut req: Request, env: &Env, route: &Route, log: &mut RequestLog) -> Result<Response, AppError> {
    let config = crate::env_source::load(env)?;
    let authorization = req.headers().get("authorization").ok().flatten();
    let token = bearer(authorization.as_deref())?;
    let verified = config.tokens.verify_with(token, now_seconds(), &JwksVerifier { config: &config }).await?;
    authorize(&verified)?;

    let bbb = config.bbb_client(FetchTransport::default());
    let body: Value = match route {
        Route::ApiMeeting(meeting) => {
            let meeting = meeting_id(&decoded(meeting))?;
            log.meeting = Some(meeting.as_str().to_owned());
            let info = bbb.meeting_info(&meeting).await?;
            let coordinator = client::state(env, &meeting).await?;
            api::meeting_json(Some(&info), coordinator.as_ref())
        }
        Route::ApiMeetingEnd(meeting) => {
            let meeting = meeting_id(&decoded(meeting))?;
            log.meeting = Some(meeting.as_str().to_owned());
            bbb.end_meeting(&meeting).await?;
            json!({ "meeting": meeting.as_str(), "end_requested": true })
        }
        Route::ApiRecordings => {
            let url = req.url().map_err(internal)?;
            let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            let query = RecordingQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
            if let RecordingFilter::Meeting(meeting) = &query.filter {
                log.meeting = Some(meeting.as_str().to_owned());
            }
            let list = bbb.recordings(&query.filter, &query.states, query.page).await?;
            api::recordings_json(&list, &query)
        }
        Route::ApiRecording(id) => api::recording_json(&one(&bbb, &record_id(&decoded(id))?).await?),
        Route::ApiRecordingPublish(id, publish) => {
            let id = record_id(&decoded(id))?;
            bbb.publish_recording(&id, *publish).await?;
            api::recording_json(&one(&bbb, &id).await?)
        }
        Route::ApiRecordingUpdate(id) => {
            let id = record_id(&decoded(id))?;
            let meta = api::metadata_update(&crate::body::read_text(&mut req).await?)?;
            bbb.update_recording(&id, &meta).await?;
            api::recording_json(&one(&bbb, &id).await?)
        }
        Route::ApiRecordingDelete(id) => {
            let id = record_id(&decoded(id))?;
            bbb.delete_recording(&id).await?;
            json!({ "record_id": id.as_str(), "deleted": true })
        }
        _ => return Err(AppError::internal()),
    };
    log.bbb_calls = bbb.transport().calls();
    log.upstream_ms = bbb.transport().upstream_ms();
    respond::json(&body.to_string(), 200).map_err(internal)
}

/// A path value as sent (`Course%20101%2Fa`), decoded; not UTF-8 is refused by the id check.
fn decoded(segment: &str) -> String {
    String::from_utf8(percent_decode(segment)).unwrap_or_default()
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
        .ok_or_else(|| AppError::not_found("BBB has no recording with this id."))
}
