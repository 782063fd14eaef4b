//! The simulated `/bigbluebutton/api/*` calls, with bbb-web's validation order and messages.

use std::collections::BTreeMap;

use crate::checksum::{self, ChecksumFailure};
use crate::state::{now_ms, Attendee, Meeting, Session, State};
use crate::xml::{java_uri_quote, ResponseXml};

/// What an API call answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    Xml(String),
    Redirect(String),
}

impl Reply {
    /// The messageKey of an XML answer, for the request log.
    pub fn message_key(&self) -> Option<String> {
        let Reply::Xml(xml) = self else { return None };
        let start = xml.find("<messageKey>")? + "<messageKey>".len();
        let end = xml[start..].find("</messageKey>")? + start;
        Some(xml[start..end].to_owned()).filter(|k| !k.is_empty())
    }
}

pub struct Settings {
    pub secret: String,
    pub algorithms: Vec<String>,
}

/// Decoded parameters; the first value wins, as in the servlet API.
pub struct Params(BTreeMap<String, String>);

impl Params {
    pub fn parse(raw_query: &str) -> Self {
        let mut map = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(raw_query.as_bytes()) {
            map.entry(name.into_owned()).or_insert_with(|| value.into_owned());
        }
        Params(map)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }
}

/// The API index: answers without a checksum.
pub fn index() -> String {
    let mut xml = ResponseXml::success();
    xml.field("version", "2.0").field("apiVersion", "2.0").field("bbbVersion", "3.0.0-bbb-sim");
    xml.finish()
}

pub fn handle(state: &mut State, settings: &Settings, call: &str, raw_query: &str, host: &str) -> Reply {
    if let Err(failure) = checksum::verify(call, raw_query, &settings.secret, &settings.algorithms) {
        let message = match failure {
            ChecksumFailure::Missing => "You did not pass the checksum security check",
            _ => "Checksums do not match",
        };
        return Reply::Xml(ResponseXml::failed("checksumError", message));
    }
    let params = Params::parse(raw_query);
    match call {
        "create" => Reply::Xml(create(state, &params)),
        "join" => join(state, &params, host),
        "isMeetingRunning" => Reply::Xml(is_meeting_running(state, &params)),
        "getMeetingInfo" => Reply::Xml(meeting_info(state, &params)),
        "end" => Reply::Xml(end(state, &params)),
        "getMeetings" => Reply::Xml(meetings(state)),
        _ => Reply::Xml(ResponseXml::failed("unsupportedRequest", "This request is not supported.")),
    }
}

fn check_meeting_id(params: &Params) -> Result<&str, String> {
    let Some(id) = params.non_empty("meetingID") else {
        return Err(ResponseXml::failed("missingParamMeetingID", "You must provide a meeting ID"));
    };
    let units = id.encode_utf16().count();
    if !(2..=256).contains(&units) {
        return Err(ResponseXml::failed("validationError", "Meeting ID must be between 2 and 256 characters"));
    }
    if id.contains(',') {
        return Err(ResponseXml::failed("validationError", "Meeting ID cannot contain ','"));
    }
    Ok(id)
}

fn create(state: &mut State, params: &Params) -> String {
    let id = match check_meeting_id(params) {
        Ok(id) => id.to_owned(),
        Err(xml) => return xml,
    };
    if id.chars().any(char::is_control) || id.trim() != id {
        return ResponseXml::failed("validationError", "Invalid meeting ID");
    }
    let Some(name) = params.non_empty("name") else {
        // Key as bbb-edge expects it; bbb-web 2.4+ requires a name (MeetingNameConstraint).
        return ResponseXml::failed("missingParamName", "You must provide a meeting name");
    };
    if !(2..=256).contains(&name.encode_utf16().count()) {
        return ResponseXml::failed("validationError", "Meeting name must be between 2 and 256 characters");
    }
    let attendee_pw = params.get("attendeePW").filter(|p| !p.is_empty());
    let moderator_pw = params.get("moderatorPW").filter(|p| !p.is_empty());
    if let Some(existing) = state.meetings.get(&id).filter(|m| !m.ended) {
        // MeetingService.createMeeting: same passwords, or none sent → the running meeting.
        let same_passwords = attendee_pw == Some(existing.attendee_pw.as_str()) && moderator_pw == Some(existing.moderator_pw.as_str());
        if same_passwords || (attendee_pw.is_none() && moderator_pw.is_none()) {
            return create_xml(
                existing,
                "duplicateWarning",
                "This conference was already in existence and may currently be in progress.",
            );
        }
        return ResponseXml::failed("idNotUnique", "A meeting already exists with that meeting ID.  Please use a different meeting ID.");
    }
    let create_time = state.next_create_time();
    let metadata = params
        .0
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("meta_").filter(|n| valid_meta_name(n)).map(|n| (n.to_ascii_lowercase(), v.clone())))
        .collect();
    let meeting = Meeting {
        internal_meeting_id: format!("{}-{create_time}", sha1_hex(&id)),
        meeting_id: id.clone(),
        name: name.to_owned(),
        create_time,
        voice_bridge: format!("7{:04}", create_time % 10_000),
        attendee_pw: attendee_pw.map(str::to_owned).unwrap_or_else(|| state.token(8)),
        moderator_pw: moderator_pw.map(str::to_owned).unwrap_or_else(|| state.token(8)),
        passwords_sent: attendee_pw.is_some() || moderator_pw.is_some(),
        ended: false,
        forcibly_ended: false,
        end_time: None,
        start_time: None,
        params: params.0.iter().filter(|(k, _)| *k != "checksum").map(|(k, v)| (k.clone(), v.clone())).collect(),
        metadata,
        attendees: Vec::new(),
    };
    let xml = create_xml(&meeting, "", "");
    if let Some(previous) = state.meetings.insert(id, meeting) {
        state.ended.push(previous);
    }
    xml
}

fn valid_meta_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn create_xml(meeting: &Meeting, key: &str, message: &str) -> String {
    let mut xml = ResponseXml::success();
    xml.field("meetingID", &meeting.meeting_id)
        .field("internalMeetingID", &meeting.internal_meeting_id)
        .field("parentMeetingID", "bbb-none")
        .field("attendeePW", &meeting.attendee_pw)
        .field("moderatorPW", &meeting.moderator_pw)
        .field("createTime", meeting.create_time.to_string())
        .field("voiceBridge", &meeting.voice_bridge)
        .field("dialNumber", "613-555-1234")
        .field("createDate", meeting.create_time.to_string())
        .field("hasUserJoined", (!meeting.attendees.is_empty()).to_string())
        .field("duration", meeting.param("duration").unwrap_or("0"))
        .field("hasBeenForciblyEnded", meeting.forcibly_ended.to_string())
        .field("messageKey", key)
        .field("message", message);
    xml.finish()
}

fn join(state: &mut State, params: &Params, host: &str) -> Reply {
    let redirect = params.get("redirect").is_none_or(|r| !r.eq_ignore_ascii_case("false"));
    let error_target = |state: &State| {
        params
            .non_empty("errorRedirectUrl")
            .map(str::to_owned)
            .or_else(|| params.non_empty("meetingID").and_then(|id| state.meetings.get(id)).and_then(|m| m.param("logoutURL").map(str::to_owned)))
            .unwrap_or_else(|| format!("http://{host}/"))
    };
    let fail = |state: &State, key: &str, message: &str| {
        if redirect {
            // bbb-web appends ?errors= with java.net.URI; an existing query gets mangled.
            let json = serde_json::json!([{ "message": message, "key": key }]).to_string();
            Reply::Redirect(format!("{}?errors={}", error_target(state), java_uri_quote(&json)))
        } else {
            Reply::Xml(ResponseXml::failed(key, message))
        }
    };
    let Some(full_name) = params.non_empty("fullName") else {
        return fail(state, "missingParamFullName", "You must specify a name for the attendee who will be joining the meeting.");
    };
    let id = match check_meeting_id(params) {
        Ok(id) => id.to_owned(),
        Err(_) => return fail(state, "missingParamMeetingID", "You must specify a meeting ID for the meeting."),
    };
    let Some(meeting) = state.meetings.get(&id) else {
        return fail(state, "invalidMeetingIdentifier", "The meeting ID that you supplied did not match any existing meetings");
    };
    if meeting.forcibly_ended {
        return fail(state, "meetingForciblyEnded", "You can not join a meeting that has already been forcibly ended");
    }
    if let Some(create_time) = params.get("createTime") {
        if create_time != meeting.create_time.to_string() {
            return fail(state, "mismatchCreateTimeParam", "The createTime parameter submitted mismatches with the current meeting.");
        }
    }
    let role = match params.get("role").map(str::to_ascii_lowercase).as_deref() {
        Some("moderator") => "MODERATOR",
        Some("viewer") => "VIEWER",
        _ => match params.get("password") {
            Some(pw) if pw == meeting.moderator_pw => "MODERATOR",
            Some(pw) if pw == meeting.attendee_pw => "VIEWER",
            _ => return fail(state, "invalidPassword", "You must either send the valid role of the user, or the password, should the meeting has one."),
        },
    };
    let guest = params.get("guest") == Some("true");
    let guest_policy = meeting.param("guestPolicy").unwrap_or("ALWAYS_ACCEPT").to_owned();
    if guest && guest_policy == "ALWAYS_DENY" {
        return fail(state, "guestDeniedAccess", "You have been denied access to this meeting based on the meeting's guest policy");
    }
    let max_participants = meeting.param("maxParticipants").and_then(|m| m.parse::<usize>().ok()).filter(|m| *m > 0);
    if max_participants.is_some_and(|max| meeting.attendees.len() >= max) {
        return fail(state, "maxParticipantsReached", "The number of participants allowed for this meeting has been reached.");
    }
    let user_id = params.non_empty("userID").map(str::to_owned).unwrap_or_else(|| format!("w_{}", state.token(12)));
    let session_token = state.token(16);
    let guest_waiting = guest && guest_policy == "ASK_MODERATOR" && role != "MODERATOR";
    let meeting = state.meetings.get_mut(&id).expect("checked above");
    if !guest_waiting {
        meeting.attendees.push(Attendee { user_id: user_id.clone(), full_name: full_name.to_owned(), role: role.to_owned(), guest });
        meeting.start_time.get_or_insert_with(now_ms);
    }
    let session = Session {
        meeting_id: meeting.meeting_id.clone(),
        meeting_name: meeting.name.clone(),
        internal_meeting_id: meeting.internal_meeting_id.clone(),
        full_name: full_name.to_owned(),
        role: role.to_owned(),
        user_id: user_id.clone(),
        guest_waiting,
    };
    let internal = meeting.internal_meeting_id.clone();
    state.sessions.insert(session_token.clone(), session);
    let url = format!("http://{host}/client/BigBlueButton.html?sessionToken={session_token}");
    if redirect {
        return Reply::Redirect(url);
    }
    let mut xml = ResponseXml::success();
    let (key, message) = if guest_waiting { ("guestWait", "Guest waiting for approval to join meeting.") } else { ("successfullyJoined", "You have joined successfully.") };
    xml.field("messageKey", key)
        .field("message", message)
        .field("meeting_id", &internal)
        .field("user_id", &user_id)
        .field("auth_token", &session_token[..12])
        .field("session_token", &session_token)
        .field("guestStatus", if guest_waiting { "WAIT" } else { "ALLOW" })
        .field("url", &url);
    Reply::Xml(xml.finish())
}

fn is_meeting_running(state: &State, params: &Params) -> String {
    let id = match check_meeting_id(params) {
        Ok(id) => id,
        Err(xml) => return xml,
    };
    let running = state.meetings.get(id).is_some_and(Meeting::running);
    let mut xml = ResponseXml::success();
    xml.field("running", running.to_string());
    xml.finish()
}

fn meeting_info(state: &State, params: &Params) -> String {
    let id = match check_meeting_id(params) {
        Ok(id) => id,
        Err(xml) => return xml,
    };
    match state.meetings.get(id) {
        Some(meeting) => {
            let mut xml = ResponseXml::success();
            meeting_fields(&mut xml, meeting);
            xml.finish()
        }
        None => ResponseXml::failed("notFound", "A meeting with that ID does not exist"),
    }
}

fn meeting_fields(xml: &mut ResponseXml, meeting: &Meeting) {
    let moderators = meeting.attendees.iter().filter(|a| a.role == "MODERATOR").count();
    xml.field("meetingName", &meeting.name)
        .field("meetingID", &meeting.meeting_id)
        .field("internalMeetingID", &meeting.internal_meeting_id)
        .field("createTime", meeting.create_time.to_string())
        .field("createDate", meeting.create_time.to_string())
        .field("voiceBridge", &meeting.voice_bridge)
        .field("dialNumber", "613-555-1234")
        .field("attendeePW", &meeting.attendee_pw)
        .field("moderatorPW", &meeting.moderator_pw)
        .field("running", meeting.running().to_string())
        .field("duration", meeting.param("duration").unwrap_or("0"))
        .field("hasUserJoined", (!meeting.attendees.is_empty()).to_string())
        .field("recording", "false")
        .field("hasBeenForciblyEnded", meeting.forcibly_ended.to_string())
        .field("startTime", meeting.start_time.unwrap_or(0).to_string())
        .field("endTime", meeting.end_time.unwrap_or(0).to_string())
        .field("participantCount", meeting.attendees.len().to_string())
        .field("listenerCount", "0")
        .field("voiceParticipantCount", "0")
        .field("videoCount", "0")
        .field("maxUsers", meeting.param("maxParticipants").unwrap_or("0"))
        .field("moderatorCount", moderators.to_string());
    xml.raw("<attendees>");
    for attendee in &meeting.attendees {
        xml.raw("<attendee>")
            .field("userID", &attendee.user_id)
            .field("fullName", &attendee.full_name)
            .field("role", &attendee.role)
            .field("isPresenter", "false")
            .field("isListeningOnly", "true")
            .field("hasJoinedVoice", "false")
            .field("hasVideo", "false")
            .field("clientType", "HTML5")
            .raw("</attendee>");
    }
    xml.raw("</attendees><metadata>");
    for (name, value) in &meeting.metadata {
        xml.field(name, value);
    }
    xml.raw("</metadata>").field("isBreakout", "false");
}

fn end(state: &mut State, params: &Params) -> String {
    let id = match check_meeting_id(params) {
        Ok(id) => id.to_owned(),
        Err(xml) => return xml,
    };
    if !state.end_meeting(&id) {
        return ResponseXml::failed("notFound", "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?");
    }
    let mut xml = ResponseXml::success();
    xml.field("messageKey", "sentEndMeetingRequest").field(
        "message",
        "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.",
    );
    xml.finish()
}

fn meetings(state: &State) -> String {
    let mut xml = ResponseXml::success();
    let mut list: Vec<_> = state.meetings.values().filter(|m| !m.ended).collect();
    if list.is_empty() {
        xml.raw("<meetings/>").field("messageKey", "noMeetings").field("message", "no meetings were found on this server");
        return xml.finish();
    }
    list.sort_by_key(|m| m.create_time);
    xml.raw("<meetings>");
    for meeting in list {
        xml.raw("<meeting>");
        meeting_fields(&mut xml, meeting);
        xml.raw("</meeting>");
    }
    xml.raw("</meetings>");
    xml.finish()
}

pub fn sha1_hex(text: &str) -> String {
    hex::encode(<sha1::Sha1 as sha2::Digest>::digest(text.as_bytes()))
}
