//! Typed readers for BBB's XML answers. Each checks the envelope first: `returncode` must be
//! `SUCCESS` (which includes `duplicateWarning` and `noRecordings`) or the call failed.

use std::collections::BTreeMap;

use super::error::{BadResponse, BbbError, BbbMessage};
use super::xml::Element;
use crate::ids::{CreateTime, RecordId};

/// Parses the body and checks `<response><returncode>`: `FAILED` becomes [`BbbError::Failed`] with
/// BBB's `messageKey` (or its `<errors>` list) kept.
pub fn parse_envelope(body: &str) -> Result<Element, BbbError> {
    let root = Element::parse(body).map_err(|_| BbbError::BadResponse(BadResponse::MalformedXml))?;
    if root.name != "response" {
        return Err(BbbError::BadResponse(BadResponse::NotAnApiResponse));
    }
    match root.text_of("returncode") {
        Some("SUCCESS") => Ok(root),
        Some("FAILED") => Err(BbbError::Failed(failure_messages(&root))),
        _ => Err(BbbError::BadResponse(BadResponse::NotAnApiResponse)),
    }
}

fn failure_messages(root: &Element) -> Vec<BbbMessage> {
    let mut messages = Vec::new();
    if let Some(key) = root.text_of("messageKey") {
        messages.push(BbbMessage { key: key.to_owned(), message: root.text_of("message").unwrap_or("").to_owned() });
    }
    if let Some(errors) = root.child("errors") {
        for error in errors.children_named("error") {
            // BBB's api-errors template puts key/message in child elements; older ones used attributes.
            if let Some(key) = error.text_of("key") {
                messages.push(BbbMessage {
                    key: key.to_owned(),
                    message: error.text_of("message").unwrap_or("").to_owned(),
                });
            }
        }
    }
    if messages.is_empty() {
        messages.push(BbbMessage {
            key: "unknownError".to_owned(),
            message: root.text_of("message").unwrap_or("").to_owned(),
        });
    }
    messages
}

fn required<'a>(element: &'a Element, name: &'static str) -> Result<&'a str, BbbError> {
    element.text_of(name).ok_or(BbbError::BadResponse(BadResponse::MissingField(name)))
}

fn flag(element: &Element, name: &str) -> bool {
    element.text_of(name) == Some("true")
}

fn number(element: &Element, name: &str) -> Option<u64> {
    element.text_of(name).and_then(|text| text.parse().ok())
}

fn metadata(element: &Element) -> BTreeMap<String, String> {
    element
        .child("metadata")
        .map(|meta| meta.children.iter().map(|item| (item.name.clone(), item.text.clone())).collect())
        .unwrap_or_default()
}

/// The answer to `create`: a new meeting, or the running one (`duplicateWarning`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub create_time: CreateTime,
    /// BBB already had this meeting running (`messageKey=duplicateWarning`): same instance, same `createTime`.
    pub already_running: bool,
}

impl Created {
    pub fn parse(body: &str) -> Result<Self, BbbError> {
        let root = parse_envelope(body)?;
        let create_time = required(&root, "createTime")?
            .parse()
            .map_err(|_| BbbError::BadResponse(BadResponse::MissingField("createTime")))?;
        Ok(Created {
            meeting_id: required(&root, "meetingID")?.to_owned(),
            internal_meeting_id: required(&root, "internalMeetingID")?.to_owned(),
            create_time: CreateTime(create_time),
            already_running: root.text_of("messageKey").is_some_and(super::message_key::is_duplicate),
        })
    }
}

/// The answer to `join` with `redirect=false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub message_key: Option<String>,
    pub internal_meeting_id: String,
    pub user_id: String,
    pub session_token: Option<String>,
    pub guest_status: Option<String>,
    pub url: String,
}

impl Joined {
    pub fn parse(body: &str) -> Result<Self, BbbError> {
        let root = parse_envelope(body)?;
        Ok(Joined {
            message_key: root.text_of("messageKey").map(str::to_owned),
            internal_meeting_id: required(&root, "meeting_id")?.to_owned(),
            user_id: required(&root, "user_id")?.to_owned(),
            session_token: root.text_of("session_token").map(str::to_owned),
            guest_status: root.text_of("guestStatus").map(str::to_owned),
            url: required(&root, "url")?.to_owned(),
        })
    }
}

/// The answer to `isMeetingRunning`. BBB says `false` for unknown meetings and for created ones
/// nobody has joined yet, so it never decides whether to call `create`.
pub fn parse_running(body: &str) -> Result<bool, BbbError> {
    let root = parse_envelope(body)?;
    match required(&root, "running")? {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(BbbError::BadResponse(BadResponse::MissingField("running"))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attendee {
    pub user_id: String,
    pub full_name: String,
    pub role: String,
}

/// The answer to `getMeetingInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingInfo {
    pub meeting_name: String,
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub create_time: CreateTime,
    pub running: bool,
    pub has_user_joined: bool,
    pub has_been_forcibly_ended: bool,
    pub recording: bool,
    pub participant_count: u64,
    pub moderator_count: u64,
    pub start_time: Option<u64>,
    pub end_time: Option<u64>,
    pub attendees: Vec<Attendee>,
    pub metadata: BTreeMap<String, String>,
}

impl MeetingInfo {
    pub fn parse(body: &str) -> Result<Self, BbbError> {
        let root = parse_envelope(body)?;
        let attendees = root
            .child("attendees")
            .map(|list| {
                list.children_named("attendee")
                    .map(|attendee| Attendee {
                        user_id: attendee.text_of("userID").unwrap_or("").to_owned(),
                        full_name: attendee.text_of("fullName").unwrap_or("").to_owned(),
                        role: attendee.text_of("role").unwrap_or("").to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(MeetingInfo {
            meeting_name: root.text_of("meetingName").unwrap_or("").to_owned(),
            meeting_id: required(&root, "meetingID")?.to_owned(),
            internal_meeting_id: required(&root, "internalMeetingID")?.to_owned(),
            create_time: CreateTime(
                number(&root, "createTime").ok_or(BbbError::BadResponse(BadResponse::MissingField("createTime")))?,
            ),
            running: flag(&root, "running"),
            has_user_joined: flag(&root, "hasUserJoined"),
            has_been_forcibly_ended: flag(&root, "hasBeenForciblyEnded"),
            recording: flag(&root, "recording"),
            participant_count: number(&root, "participantCount").unwrap_or(0),
            moderator_count: number(&root, "moderatorCount").unwrap_or(0),
            start_time: number(&root, "startTime").filter(|t| *t > 0),
            end_time: number(&root, "endTime").filter(|t| *t > 0),
            attendees,
            metadata: metadata(&root),
        })
    }
}

/// One entry of `getMeetings`: what the pool's poll counts and compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedMeeting {
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub create_time: CreateTime,
    pub running: bool,
    /// Everyone in it, moderators included.
    pub participants: u64,
}

/// The answer to `getMeetings`: `noMeetings` is an empty list, not an error.
pub fn parse_meetings(body: &str) -> Result<Vec<ListedMeeting>, BbbError> {
    let root = parse_envelope(body)?;
    let Some(list) = root.child("meetings") else {
        return Ok(Vec::new());
    };
    list.children_named("meeting")
        .map(|meeting| {
            Ok(ListedMeeting {
                meeting_id: required(meeting, "meetingID")?.to_owned(),
                internal_meeting_id: meeting.text_of("internalMeetingID").unwrap_or("").to_owned(),
                create_time: CreateTime(
                    number(meeting, "createTime")
                        .ok_or(BbbError::BadResponse(BadResponse::MissingField("createTime")))?,
                ),
                running: flag(meeting, "running"),
                participants: number(meeting, "participantCount").unwrap_or(0),
            })
        })
        .collect()
}

/// One playback format of a recording.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Playback {
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    /// Minutes, as BBB reports it.
    pub length: u64,
}

/// One entry of `getRecordings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    pub record_id: RecordId,
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub name: String,
    pub published: bool,
    pub state: String,
    pub start_time: Option<u64>,
    pub end_time: Option<u64>,
    pub participants: Option<u64>,
    pub metadata: BTreeMap<String, String>,
    pub playback: Vec<Playback>,
}

/// The answer to `getRecordings`: `noRecordings` is an empty list, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recordings {
    pub recordings: Vec<Recording>,
    pub total: Option<u64>,
}

impl Recordings {
    pub fn parse(body: &str) -> Result<Self, BbbError> {
        let root = parse_envelope(body)?;
        let mut recordings = Vec::new();
        if let Some(list) = root.child("recordings") {
            for item in list.children_named("recording") {
                recordings.push(parse_recording(item)?);
            }
        }
        let total = root.child("pagination").and_then(|p| number(p, "totalElements"));
        Ok(Recordings { recordings, total })
    }
}

fn parse_recording(item: &Element) -> Result<Recording, BbbError> {
    let record_id = RecordId::parse(required(item, "recordID")?)
        .map_err(|_| BbbError::BadResponse(BadResponse::MissingField("recordID")))?;
    let metadata = metadata(item);
    let name =
        item.text_of("name").or_else(|| metadata.get("meetingName").map(String::as_str)).unwrap_or("").to_owned();
    let playback = item
        .child("playback")
        .map(|playback| {
            playback
                .children_named("format")
                .map(|format| Playback {
                    kind: format.text_of("type").unwrap_or("").to_owned(),
                    url: format.text_of("url").unwrap_or("").to_owned(),
                    length: number(format, "length").unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Recording {
        record_id,
        meeting_id: item.text_of("meetingID").unwrap_or("").to_owned(),
        internal_meeting_id: item.text_of("internalMeetingID").unwrap_or("").to_owned(),
        name,
        published: flag(item, "published"),
        state: item.text_of("state").unwrap_or("").to_owned(),
        start_time: number(item, "startTime"),
        end_time: number(item, "endTime"),
        participants: number(item, "participants"),
        metadata,
        playback,
    })
}
