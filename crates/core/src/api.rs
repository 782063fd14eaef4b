//! The host apps' JSON API (`/api/v1/*`, CONTRACT §4): bearer tokens with `scope` containing
//! `api`, requests parsed into types before any BBB call, BBB's XML answered as typed JSON.

use serde_json::{json, Map, Value};

use crate::bbb::response::{MeetingInfo, Recording, Recordings};
use crate::bbb::RecordingFilter;
use crate::coordinator::Instance;
use crate::error::{AppError, ErrorCode};
use crate::ids::{MeetingId, RecordId};
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
    if !verified.claims.contains_key("scope") {
        return Err(TokenError::ScopeMissing("api").into());
    }
    check_scope(&verified.claims, "api")?;
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

pub fn recording_json(recording: &Recording) -> Value {
    json!({
        "record_id": recording.record_id.as_str(),
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

pub fn recordings_json(list: &Recordings, query: &RecordingQuery) -> Value {
    let mut body = json!({ "recordings": list.recordings.iter().map(recording_json).collect::<Vec<_>>() });
    if let Some((offset, limit)) = query.page {
        body["offset"] = json!(offset);
        body["limit"] = json!(limit);
        body["total"] = json!(list.total);
    }
    body
}

/// A meeting as BBB reports it, with what the coordinator knows.
pub fn meeting_json(info: Option<&MeetingInfo>, coordinator: Option<&Instance>) -> Value {
    let mut body = Map::new();
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
