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
    /// Delays between meeting-ended callback attempts (bbb-web: 30 s, 1, 2, 5 min).
    pub callback_retry_ms: Vec<u64>,
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

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
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
        // The recording calls use the legacy check and its message (bbb-api.md §1.1).
        let legacy = call.ends_with("Recordings");
        let message = match failure {
            ChecksumFailure::Missing => "You did not pass the checksum security check",
            _ if legacy => "You did not pass the checksum security check",
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
        "getRecordings" => Reply::Xml(crate::recordings::get(state, &params, host)),
        "publishRecordings" => Reply::Xml(crate::recordings::publish(state, &params)),
        "updateRecordings" => Reply::Xml(crate::recordings::update(state, &params)),
        "deleteRecordings" => Reply::Xml(crate::recordings::delete(state, &params)),
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
        let same_passwords =
            attendee_pw == Some(existing.attendee_pw.as_str()) && moderator_pw == Some(existing.moderator_pw.as_str());
        if same_passwords || (attendee_pw.is_none() && moderator_pw.is_none()) {
            return create_xml(
                existing,
                "duplicateWarning",
                "This conference was already in existence and may currently be in progress.",
            );
        }
        return ResponseXml::failed(
            "idNotUnique",
            "A meeting already exists with that meeting ID.  Please use a different meeting ID.",
        );
    }
    let create_time = state.next_create_time();
    let metadata = params
        .0
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("meta_").filter(|n| valid_meta_name(n)).map(|n| (n.to_ascii_lowercase(), v.clone()))
        })
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
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
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
            .or_else(|| {
                params
                    .non_empty("meetingID")
                    .and_then(|id| state.meetings.get(id))
                    .and_then(|m| m.param("logoutURL").map(str::to_owned))
            })
            .unwrap_or_else(|| format!("http://{host}/"))
    };
    let fail = |state: &State, key: &str, message: &str| {
        if redirect {
            // bbb-web appends ?errors= with java.net.URI; an existing query gets mangled.
            // In bbb-web's order: message, then key (serde_json's maps would sort them).
            let quoted = |text: &str| serde_json::Value::from(text).to_string();
            let json = format!("[{{\"message\":{},\"key\":{}}}]", quoted(message), quoted(key));
            Reply::Redirect(format!("{}?errors={}", error_target(state), java_uri_quote(&json)))
        } else {
            Reply::Xml(ResponseXml::failed(key, message))
        }
    };
    let Some(full_name) = params.non_empty("fullName") else {
        return fail(
            state,
            "missingParamFullName",
            "You must specify a name for the attendee who will be joining the meeting.",
        );
    };
    let id = match check_meeting_id(params) {
        Ok(id) => id.to_owned(),
        Err(_) => return fail(state, "missingParamMeetingID", "You must specify a meeting ID for the meeting."),
    };
    let Some(meeting) = state.meetings.get(&id) else {
        return fail(
            state,
            "invalidMeetingIdentifier",
            "The meeting ID that you supplied did not match any existing meetings",
        );
    };
    if meeting.forcibly_ended {
        return fail(state, "meetingForciblyEnded", "You can not join a meeting that has already been forcibly ended");
    }
    if let Some(create_time) = params.get("createTime") {
        if create_time != meeting.create_time.to_string() {
            return fail(
                state,
                "mismatchCreateTimeParam",
                "The createTime parameter submitted mismatches with the current meeting.",
            );
        }
    }
    let role = match params.get("role").map(str::to_ascii_lowercase).as_deref() {
        Some("moderator") => "MODERATOR",
        Some("viewer") => "VIEWER",
        _ => match params.get("password") {
            Some(pw) if pw == meeting.moderator_pw => "MODERATOR",
            Some(pw) if pw == meeting.attendee_pw => "VIEWER",
            _ => {
                return fail(
                    state,
                    "invalidPassword",
                    "You must either send the valid role of the user, or the password, should the meeting has one.",
                )
            }
        },
    };
    let guest = params.get("guest") == Some("true");
    let guest_policy = meeting.param("guestPolicy").unwrap_or("ALWAYS_ACCEPT").to_owned();
    if guest && guest_policy == "ALWAYS_DENY" {
        return fail(
            state,
            "guestDeniedAccess",
            "You have been denied access to this meeting based on the meeting's guest policy",
        );
    }
    let max_participants = meeting.param("maxParticipants").and_then(|m| m.parse::<usize>().ok()).filter(|m| *m > 0);
    if max_participants.is_some_and(|max| meeting.attendees.len() >= max) {
        return fail(
            state,
            "maxParticipantsReached",
            "The number of participants allowed for this meeting has been reached.",
        );
    }
    let user_id = params.non_empty("userID").map(str::to_owned).unwrap_or_else(|| format!("w_{}", state.token(12)));
    let session_token = state.token(16);
    let guest_waiting = guest && guest_policy == "ASK_MODERATOR" && role != "MODERATOR";
    let meeting = state.meetings.get_mut(&id).expect("checked above");
    if !guest_waiting {
        meeting.attendees.push(Attendee {
            user_id: user_id.clone(),
            full_name: full_name.to_owned(),
            role: role.to_owned(),
            guest,
        });
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
    let (key, message) = if guest_waiting {
        ("guestWait", "Guest waiting for approval to join meeting.")
    } else {
        ("successfullyJoined", "You have joined successfully.")
    };
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
    if !state.end_meeting(&id, 1) {
        return ResponseXml::failed(
            "notFound",
            "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?",
        );
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
        xml.raw("<meetings/>")
            .field("messageKey", "noMeetings")
            .field("message", "no meetings were found on this server");
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

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    const SECRET: &str = "sim-test-secret";

    fn settings() -> Settings {
        Settings { secret: SECRET.into(), algorithms: vec!["sha1".into(), "sha256".into()], callback_retry_ms: vec![] }
    }

    fn signed(call: &str, query: &str) -> String {
        let checksum = hex::encode(Sha256::digest(format!("{call}{query}{SECRET}").as_bytes()));
        if query.is_empty() {
            format!("checksum={checksum}")
        } else {
            format!("{query}&checksum={checksum}")
        }
    }

    fn call(state: &mut State, name: &str, query: &str) -> Reply {
        handle(state, &settings(), name, &signed(name, query), "sim.test")
    }

    fn xml(reply: Reply) -> String {
        match reply {
            Reply::Xml(xml) => xml,
            other => panic!("expected XML, got {other:?}"),
        }
    }

    fn field<'a>(xml: &'a str, name: &str) -> &'a str {
        let start =
            xml.find(&format!("<{name}>")).map(|i| i + name.len() + 2).unwrap_or_else(|| panic!("{name} in {xml}"));
        &xml[start..start + xml[start..].find('<').unwrap()]
    }

    #[test]
    fn a_repeated_create_is_a_duplicate_with_the_same_create_time() {
        let mut state = State::default();
        let first = xml(call(&mut state, "create", "name=Room&meetingID=m1"));
        assert_eq!(field(&first, "returncode"), "SUCCESS");
        assert!(first.contains("<messageKey></messageKey>"));
        let second = xml(call(&mut state, "create", "name=Other+name&meetingID=m1&record=true"));
        assert_eq!(field(&second, "messageKey"), "duplicateWarning");
        assert_eq!(field(&second, "createTime"), field(&first, "createTime"));
        assert_eq!(field(&first, "internalMeetingID"), format!("{}-{}", sha1_hex("m1"), field(&first, "createTime")));
        // Different passwords than the running meeting's: idNotUnique.
        let clash = xml(call(&mut state, "create", "name=Room&meetingID=m1&attendeePW=a1&moderatorPW=m1"));
        assert_eq!(field(&clash, "messageKey"), "idNotUnique");
    }

    #[test]
    fn a_duplicate_keeps_the_first_meeting_ended_url() {
        // bbb-web ignores a duplicate's parameters: the URL it calls at the end is the first one.
        let mut state = State::default();
        xml(call(&mut state, "create", "name=Room&meetingID=m1&meetingEndedURL=https%3A%2F%2Fedge%2Ffirst"));
        let again =
            xml(call(&mut state, "create", "name=Room&meetingID=m1&meetingEndedURL=https%3A%2F%2Fedge%2Fsecond"));
        assert_eq!(field(&again, "messageKey"), "duplicateWarning");
        assert!(state.end_meeting("m1", 1));
        let called: Vec<_> = state
            .outbound
            .iter()
            .map(|o| match o {
                crate::state::Outbound::MeetingEnded { url } => url.as_str(),
                crate::state::Outbound::RecordingReady { url, .. } => url.as_str(),
            })
            .collect();
        assert_eq!(called, ["https://edge/first"]);
    }

    #[test]
    fn an_ended_meeting_is_created_anew() {
        let mut state = State::default();
        let first = xml(call(&mut state, "create", "name=Room&meetingID=m1"));
        assert!(state.end_meeting("m1", 0));
        let again = xml(call(&mut state, "create", "name=Room&meetingID=m1"));
        assert!(again.contains("<messageKey></messageKey>"));
        assert_ne!(field(&again, "createTime"), field(&first, "createTime"));
    }

    #[test]
    fn checksum_errors_come_first() {
        let mut state = State::default();
        let reply = xml(handle(
            &mut state,
            &settings(),
            "create",
            "name=Room&meetingID=m1&checksum=0000000000000000000000000000000000000000",
            "h",
        ));
        assert_eq!(field(&reply, "messageKey"), "checksumError");
        let unsigned = xml(handle(&mut state, &settings(), "create", "name=Room&meetingID=m1", "h"));
        assert_eq!(field(&unsigned, "messageKey"), "checksumError");
        assert!(state.meetings.is_empty());
    }

    #[test]
    fn create_validates_ids_and_names() {
        let mut state = State::default();
        for (query, key) in [
            ("name=Room", "missingParamMeetingID"),
            ("name=Room&meetingID=a", "validationError"),
            ("name=Room&meetingID=a%2Cb", "validationError"),
            ("meetingID=m1", "missingParamName"),
        ] {
            assert_eq!(field(&xml(call(&mut state, "create", query)), "messageKey"), key, "{query}");
        }
    }

    #[test]
    fn join_redirects_to_the_client_or_to_the_error_url() {
        let mut state = State::default();
        let created = xml(call(&mut state, "create", "name=Room&meetingID=m1&guestPolicy=ALWAYS_DENY"));
        let time = field(&created, "createTime").to_owned();
        let error_url = "errorRedirectUrl=https%3A%2F%2Fedge.test%2Fjoin%2Ferror";
        let ok = call(
            &mut state,
            "join",
            &format!("fullName=Ada&meetingID=m1&role=moderator&createTime={time}&{error_url}"),
        );
        let Reply::Redirect(client) = ok else { panic!("{ok:?}") };
        assert!(client.starts_with("http://sim.test/client/BigBlueButton.html?sessionToken="));
        let session = state.sessions.values().next().unwrap();
        assert_eq!((session.full_name.as_str(), session.role.as_str()), ("Ada", "MODERATOR"));

        let cases = [
            (format!("fullName=Ada&meetingID=m1&role=VIEWER&createTime=1&{error_url}"), "mismatchCreateTimeParam"),
            (format!("fullName=Ada&meetingID=nope&role=VIEWER&{error_url}"), "invalidMeetingIdentifier"),
            (format!("meetingID=m1&role=VIEWER&{error_url}"), "missingParamFullName"),
            (format!("fullName=Ada&meetingID=m1&{error_url}"), "invalidPassword"),
            (format!("fullName=Ada&meetingID=m1&role=VIEWER&guest=true&{error_url}"), "guestDeniedAccess"),
        ];
        for (query, key) in cases {
            let Reply::Redirect(location) = call(&mut state, "join", &query) else { panic!("{query}") };
            assert!(location.starts_with("https://edge.test/join/error?errors=[%7B%22message%22:"), "{location}");
            assert!(location.contains(&format!("%22key%22:%22{key}%22")), "{key}: {location}");
        }
        state.end_meeting("m1", 0);
        let Reply::Redirect(location) =
            call(&mut state, "join", &format!("fullName=Ada&meetingID=m1&role=VIEWER&{error_url}"))
        else {
            panic!()
        };
        assert!(location.contains("meetingForciblyEnded"), "{location}");
    }

    #[test]
    fn join_with_redirect_false_answers_xml() {
        let mut state = State::default();
        call(&mut state, "create", "name=Room&meetingID=m1");
        let joined = xml(call(&mut state, "join", "fullName=Ada&meetingID=m1&role=VIEWER&redirect=false"));
        assert_eq!(field(&joined, "messageKey"), "successfullyJoined");
        assert!(field(&joined, "url").contains("sessionToken="));
        let refused = xml(call(&mut state, "join", "fullName=Ada&meetingID=zz&role=VIEWER&redirect=false"));
        assert_eq!(field(&refused, "messageKey"), "invalidMeetingIdentifier");
    }

    #[test]
    fn running_info_and_end() {
        let mut state = State::default();
        call(&mut state, "create", "name=Room&meetingID=m1&meta_Course=CS-101");
        assert_eq!(field(&xml(call(&mut state, "isMeetingRunning", "meetingID=m1")), "running"), "false");
        call(&mut state, "join", "fullName=Ada&meetingID=m1&role=VIEWER");
        assert_eq!(field(&xml(call(&mut state, "isMeetingRunning", "meetingID=m1")), "running"), "true");
        let info = xml(call(&mut state, "getMeetingInfo", "meetingID=m1"));
        assert_eq!(field(&info, "participantCount"), "1");
        assert_eq!(field(&info, "course"), "CS-101", "meta names are lower-cased");
        assert_eq!(field(&xml(call(&mut state, "end", "meetingID=m1")), "messageKey"), "sentEndMeetingRequest");
        assert_eq!(field(&xml(call(&mut state, "end", "meetingID=m1")), "messageKey"), "notFound");
        assert_eq!(field(&xml(call(&mut state, "getMeetingInfo", "meetingID=zz")), "messageKey"), "notFound");
    }
}
