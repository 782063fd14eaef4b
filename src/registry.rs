//! The meeting registry: one Durable Object (named "registry") that knows which meetings were
//! created recently, so the scheduled reconciliation pass knows where to look for recordings
//! whose recording-ready callback was lost. One key per meeting: `m:<meeting id>`.

use bbb_core::registry::{due, Entry, PER_PASS};
use bbb_core::{AppError, ErrorCode, MeetingId};
use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::clock::now_seconds;
use crate::js_http;
use crate::storage::{json, parsed, Storage};

const BINDING: &str = "REGISTRY";
const NAME: &str = "registry";
const PREFIX: &str = "m:";

#[derive(Serialize, Deserialize)]
struct Meetings {
    meetings: Vec<String>,
}

#[durable_object(fetch)]
pub struct MeetingRegistry {
    state: State,
}

impl DurableObject for MeetingRegistry {
    fn new(state: State, _env: Env) -> Self {
        MeetingRegistry { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let storage = Storage::of(&self.state);
        let now = now_seconds();
        match req.path().as_str() {
            "/created" => {
                for meeting in read_meetings(&req).await?.meetings {
                    let entry = Entry { created_at: now, checked_at: None };
                    storage.put(&format!("{PREFIX}{meeting}"), json(&entry)?).await?;
                }
                Response::ok("")
            }
            "/due" => {
                let entries: Vec<(String, Entry)> = parsed(storage.list(PREFIX).await?).collect();
                let (due_now, expired) = due(&entries, now, PER_PASS);
                storage.delete_keys(expired).await?;
                let meetings = due_now.into_iter().map(|k| k[PREFIX.len()..].to_owned()).collect();
                Response::from_json(&Meetings { meetings })
            }
            "/checked" => {
                for meeting in read_meetings(&req).await?.meetings {
                    let key = format!("{PREFIX}{meeting}");
                    let stored = storage.text(&key).await?;
                    if let Some(mut entry) = stored.and_then(|text| serde_json::from_str::<Entry>(&text).ok()) {
                        entry.checked_at = Some(now);
                        storage.put(&key, json(&entry)?).await?;
                    }
                }
                Response::ok("")
            }
            _ => Response::error("unknown registry route", 404),
        }
    }
}

async fn read_meetings(req: &Request) -> Result<Meetings> {
    crate::do_call::parse(&js_http::request_text(req.inner()).await?)
}

/// One call to the registry; its answer's body.
async fn call(env: &Env, path: &str, body: &Meetings) -> std::result::Result<String, AppError> {
    let unavailable = || AppError::new(ErrorCode::Internal, "The meeting registry could not be reached.");
    let stub = env.durable_object(BINDING).and_then(|ns| ns.get_by_name(NAME)).map_err(|_| unavailable())?;
    let json = serde_json::to_string(body).unwrap_or_default();
    let request =
        js_http::request(&format!("https://registry{path}"), &[], Some(&json), None).map_err(|_| unavailable())?;
    let response = js_http::fetch_object(stub, &request).await.map_err(|_| unavailable())?;
    js_http::text(&response).await.map_err(|_| unavailable())
}

/// A coordinator created an instance of `meeting`.
pub async fn created(env: &Env, meeting: &MeetingId) -> std::result::Result<(), AppError> {
    call(env, "/created", &Meetings { meetings: vec![meeting.as_str().to_owned()] }).await.map(drop)
}

/// The meetings a reconciliation pass should look at now.
pub async fn due_meetings(env: &Env) -> std::result::Result<Vec<MeetingId>, AppError> {
    let answer = call(env, "/due", &Meetings { meetings: vec![] }).await?;
    let listed: Meetings =
        serde_json::from_str(&answer).map_err(|_| AppError::new(ErrorCode::Internal, "bad registry answer"))?;
    Ok(listed.meetings.iter().filter_map(|m| MeetingId::parse(m).ok()).collect())
}

pub async fn checked(env: &Env, meetings: &[MeetingId]) -> std::result::Result<(), AppError> {
    let meetings = meetings.iter().map(|m| m.as_str().to_owned()).collect();
    call(env, "/checked", &Meetings { meetings }).await.map(drop)
}
