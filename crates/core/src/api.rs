//! The host apps' JSON API (`/api/v1/*`, CONTRACT §4): bearer tokens with `scope` containing
//! `api`, requests parsed into types before any BBB call, BBB's XML answered as typed JSON.

use serde_json::{json, Map, Value};

use crate::bbb::response::{MeetingInfo, Recording, Recordings};
use crate::bbb::RecordingFilter;
use crate::coordinator::Instance;
use crate::error::{AppError, ErrorCode};
use crate::ids::{MeetingId, RecordId};
use crate::pool::ServerId;
use crate::token::{check_scope, TokenError, VerifiedToken};

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(authorization: Option<&str>) -> Result<&str, AppError> {
    authorization
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| AppError::new(ErrorCode::TokenMissing, "Send the API token as `Authorization: Bearer <token>`."))
}

/// An API token, once verified like join tokens: its `scope` must contain `api` (join tokens
/// are refused with `scope_missing`) and it must name a `sub`.
pub fn authorize(verified: &VerifiedToken) -> Result<String, AppError> {
    authorize_scope(verified, "api")
}

/// Like [`authorize`], for routes of another scope (`admin` for the pool's routes). Scopes do not
/// imply each other: `admin` alone opens no `api` route, and `api` no pool route.
pub fn authorize_scope(verified: &VerifiedToken, scope: &'static str) -> Result<String, AppError> {
    if !verified.claims.contains_key("scope") {
        return Err(TokenError::ScopeMissing(scope).into());
    }
    check_scope(&verified.claims, scope)?;
    match verified.claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => Ok(sub.clone()),
        _ => Err(TokenError::ClaimInvalid("`sub` is required".into()).into()),
    }
}

pub fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidRequest, message)
}

pub fn meeting_id(raw: &str) -> Result<MeetingId, AppError> {
    MeetingId::parse(raw).map_err(|reason| invalid(format!("The meeting id {reason}.")))
}

pub fn record_id(raw: &str) -> Result<RecordId, AppError> {
    RecordId::parse(raw).map_err(|reason| invalid(format!("The recording id {reason}.")))
}

/// `GET /api/v1/recordings?meeting=|record_id=&state=&offset=&limit=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingQuery {
    pub filter: RecordingFilter,
    pub states: String,
    pub page: Option<(u32, u32)>,
}

const STATES: [&str; 6] = ["processing", "processed", "published", "unpublished", "deleted", "any"];

impl RecordingQuery {
    pub fn parse<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Result<Self, AppError> {
        let (mut filter, mut states, mut offset, mut limit) = (None, None, None, None);
        for (name, value) in pairs {
            match name {
                "meeting" => filter = Some(RecordingFilter::Meeting(meeting_id(value)?)),
                "record_id" => filter = Some(RecordingFilter::Record(record_id(value)?)),
                "state" => {
                    if value.split(',').any(|s| !STATES.contains(&s)) {
                        return Err(invalid(format!("`state` takes a comma list of {}.", STATES.join(", "))));
                    }
                    states = Some(value.to_owned());
                }
                "offset" => {
                    offset = Some(value.parse::<u32>().map_err(|_| invalid("`offset` must be a whole number."))?)
                }
                "limit" => {
                    limit = Some(
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|l| (1..=100).contains(l))
                            .ok_or_else(|| invalid("`limit` must be 1 to 100."))?,
                    )
                }
                _ => {}
            }
        }
        let filter = filter.ok_or_else(|| {
            invalid("`meeting` or `record_id` is required: listing every recording on the server is never done.")
        })?;
        let page = match (offset, limit) {
            (None, None) => None,
            (offset, limit) => Some((offset.unwrap_or(0), limit.unwrap_or(100))),
        };
        Ok(RecordingQuery { filter, states: states.unwrap_or_else(|| "published,unpublished".into()), page })
    }
}

/// `PATCH /api/v1/recordings/{id}` body: `{"meta": {"key": "value" | null}}`.
pub fn metadata_update(body: &str) -> Result<Vec<(String, Option<String>)>, AppError> {
    let value: Value = serde_json::from_str(body).map_err(|_| invalid("The body must be JSON: {\"meta\": {…}}."))?;
    let meta =
        value.get("meta").and_then(Value::as_object).ok_or_else(|| invalid("The body must hold a `meta` object."))?;
    meta.iter()
        .map(|(key, value)| {
            let name_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !name_ok || key.to_ascii_lowercase().starts_with("bbb-") {
                return Err(invalid(format!(
                    "Metadata name {key:?} is not allowed (letters, digits and -, not bbb-*)."
                )));
            }
            match value {
                Value::Null => Ok((key.clone(), None)),
                Value::String(s) if !s.is_empty() => Ok((key.clone(), Some(s.clone()))),
                _ => Err(invalid(format!("`meta.{key}` must be a non-empty string, or null to remove it."))),
            }
        })
        .collect()
}

pub fn recording_json(recording: &Recording, server: &ServerId) -> Value {
    json!({
        "record_id": recording.record_id.as_str(),
        "server": server.as_str(),
        "meeting": recording.meeting_id,
        "internal_meeting_id": recording.internal_meeting_id,
        "name": recording.name,
        "state": recording.state,
        "published": recording.published,
        "start_time": recording.start_time,
        "end_time": recording.end_time,
        "participants": recording.participants,
        "metadata": recording.metadata,
        "playback": recording.playback,
    })
}

/// One list from the recordings of a meeting on each server that hosted it: by start time,
/// then paged as asked. One server paged them itself; several were each asked for their first
/// `offset + limit` ([`per_server_page`]), and the merge is paged here.
pub fn recordings_json(lists: Vec<(ServerId, Recordings)>, query: &RecordingQuery) -> Value {
    let merged = lists.len() > 1;
    let total = lists.iter().map(|(_, list)| list.total).sum::<Option<u64>>();
    let mut all: Vec<(ServerId, Recording)> = lists
        .into_iter()
        .flat_map(|(server, list)| list.recordings.into_iter().map(move |r| (server.clone(), r)))
        .collect();
    all.sort_by_key(|(_, r)| (r.start_time, r.record_id.clone()));
    if let Some((offset, limit)) = query.page.filter(|_| merged) {
        all = all.into_iter().skip(offset as usize).take(limit as usize).collect();
    }
    let mut body = json!({ "recordings": all.iter().map(|(server, r)| recording_json(r, server)).collect::<Vec<_>>() });
    if let Some((offset, limit)) = query.page {
        body["offset"] = json!(offset);
        body["limit"] = json!(limit);
        body["total"] = json!(total);
    }
    body
}

/// What to ask each of `servers` servers for, so that merging their lists can serve the page.
pub fn per_server_page(query: &RecordingQuery, servers: usize) -> Option<(u32, u32)> {
    match query.page {
        Some((offset, limit)) if servers > 1 => Some((0, offset.saturating_add(limit))),
        page => page,
    }
}

/// A meeting for the API: BBB's `getMeetingInfo`, where it runs, what its coordinator holds, and
/// how many viewers wait for it on a waiting page (CONTRACT §9).
pub fn meeting_json(
    info: Option<&MeetingInfo>,
    server: &ServerId,
    coordinator: Option<&Instance>,
    waiting: u32,
) -> Value {
    let mut body = Map::new();
    body.insert("server".into(), json!(server.as_str()));
    body.insert("waiting".into(), json!(waiting));
    if let Some(info) = info {
        body.insert("meeting".into(), json!(info.meeting_id));
        body.insert("name".into(), json!(info.meeting_name));
        body.insert("running".into(), json!(info.running));
        body.insert("create_time".into(), json!(info.create_time.0));
        body.insert("internal_meeting_id".into(), json!(info.internal_meeting_id));
        body.insert("has_user_joined".into(), json!(info.has_user_joined));
        body.insert("forcibly_ended".into(), json!(info.has_been_forcibly_ended));
        body.insert("recording".into(), json!(info.recording));
        body.insert("participants".into(), json!(info.participant_count));
        body.insert("moderators".into(), json!(info.moderator_count));
        body.insert("start_time".into(), json!(info.start_time));
        body.insert("end_time".into(), json!(info.end_time));
        body.insert("attendees".into(), json!(info.attendees));
        body.insert("metadata".into(), json!(info.metadata));
    }
    if let Some(instance) = coordinator {
        body.insert(
            "coordinator".into(),
            json!({
                "create_time": instance.create_time.0,
                "status": instance.status,
                "name": instance.name,
                "create_params": instance.params.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "server": instance.server.as_str(),
                // Its server stopped taking joins: the next join moves the meeting.
                "server_lost": instance.server_lost,
            }),
        );
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<RecordingQuery, AppError> {
        RecordingQuery::parse(pairs.iter().copied())
    }

    #[test]
    fn recording_queries_are_always_filtered_and_checked() {
        let q = query(&[("meeting", "room-1")]).unwrap();
        assert_eq!(q.filter, RecordingFilter::Meeting(MeetingId::parse("room-1").unwrap()));
        assert_eq!((q.states.as_str(), q.page), ("published,unpublished", None));
        let by_record = query(&[("record_id", "6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019")]).unwrap();
        assert!(matches!(by_record.filter, RecordingFilter::Record(_)));
        let q = query(&[("meeting", "room-1"), ("state", "any"), ("offset", "20"), ("limit", "10")]).unwrap();
        assert_eq!((q.states.as_str(), q.page), ("any", Some((20, 10))));
        for bad in [
            &[][..],
            &[("meeting", "a")][..],
            &[("meeting", "room"), ("state", "published;drop")][..],
            &[("meeting", "room"), ("limit", "0")][..],
            &[("meeting", "room"), ("limit", "101")][..],
            &[("meeting", "room"), ("offset", "-1")][..],
            &[("record_id", "../x")][..],
        ] {
            assert_eq!(query(bad).unwrap_err().code, ErrorCode::InvalidRequest, "{bad:?}");
        }
    }

    #[test]
    fn metadata_updates() {
        assert_eq!(
            metadata_update(r#"{"meta": {"title": "Week 1", "course": null}}"#).unwrap(),
            vec![("course".to_owned(), None), ("title".to_owned(), Some("Week 1".to_owned()))]
        );
        for bad in [
            r#"{"meta": {"bbb-origin": "x"}}"#,
            r#"{"meta": {"a b": "x"}}"#,
            r#"{"meta": {"t": 1}}"#,
            r#"{"meta": {"t": ""}}"#,
            "[]",
            "nope",
        ] {
            assert_eq!(metadata_update(bad).unwrap_err().code, ErrorCode::InvalidRequest, "{bad}");
        }
    }
}
