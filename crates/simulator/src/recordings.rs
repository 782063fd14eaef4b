//! Simulated recordings and bbb-web's recording calls (RecordingController, RecordingService):
//! ids are prefix-matched (a meeting id becomes `sha1(meetingID)`), the default states are
//! `published,unpublished`, an empty `meta_x=` removes a key, and `notFound` comes only when
//! none of the listed ids exists.

use std::collections::BTreeMap;

use crate::api::{sha1_hex, Params};
use crate::state::{now_ms, State};
use crate::xml::ResponseXml;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Recording {
    pub record_id: String,
    pub meeting_id: String,
    pub internal_meeting_id: String,
    pub name: String,
    pub published: bool,
    pub state: String,
    pub start_time: u64,
    pub end_time: u64,
    pub participants: usize,
    pub metadata: BTreeMap<String, String>,
    pub formats: Vec<String>,
}

impl Recording {
    fn xml(&self, host: &str) -> String {
        let mut xml = ResponseXml::fragment();
        xml.raw("<recording>")
            .field("recordID", &self.record_id)
            .field("meetingID", &self.meeting_id)
            .field("internalMeetingID", &self.internal_meeting_id)
            .field("name", &self.name)
            .field("isBreakout", "false")
            .field("published", self.published.to_string())
            .field("state", &self.state)
            .field("startTime", self.start_time.to_string())
            .field("endTime", self.end_time.to_string())
            .field("participants", self.participants.to_string())
            .field("rawSize", "977816")
            .raw("<metadata>");
        for (name, value) in &self.metadata {
            xml.field(name, value);
        }
        xml.raw("</metadata>").field("size", "305977").raw("<playback>");
        for format in &self.formats {
            xml.raw("<format>")
                .field("type", format)
                .field("url", format!("http://{host}/playback/{format}/2.3/{}", self.record_id))
                .field("processingTime", "7177")
                .field("length", ((self.end_time.saturating_sub(self.start_time)) / 60_000).to_string())
                .field("size", "305977")
                .raw("</format>");
        }
        xml.raw("</playback></recording>");
        xml.into_inner()
    }
}

/// Makes a recording of the meeting's latest instance (control API).
pub fn record(state: &mut State, meeting_id: &str, recording_state: &str, formats: Vec<String>) -> Option<Recording> {
    let meeting = state.meetings.get(meeting_id)?;
    let mut metadata = meeting.metadata.clone();
    metadata.insert("meetingName".into(), meeting.name.clone());
    metadata.insert("meetingId".into(), meeting.meeting_id.clone());
    metadata.insert("isBreakout".into(), "false".into());
    let start = meeting.start_time.unwrap_or(meeting.create_time);
    let recording = Recording {
        record_id: meeting.internal_meeting_id.clone(),
        meeting_id: meeting.meeting_id.clone(),
        internal_meeting_id: meeting.internal_meeting_id.clone(),
        name: meeting.name.clone(),
        published: recording_state == "published",
        state: recording_state.to_owned(),
        start_time: start,
        end_time: meeting.end_time.unwrap_or_else(now_ms).max(start + 60_000),
        participants: meeting.attendees.len(),
        metadata,
        formats,
    };
    state.recordings.retain(|r| r.record_id != recording.record_id);
    state.recordings.push(recording.clone());
    Some(recording)
}

fn ids(params: &Params, name: &str) -> Vec<String> {
    params
        .get(name)
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The recordings a `recordID` list names, by prefix.
fn matching<'a>(state: &'a mut State, record_ids: &[String]) -> impl Iterator<Item = &'a mut Recording> {
    let record_ids = record_ids.to_vec();
    state.recordings.iter_mut().filter(move |r| record_ids.iter().any(|id| r.record_id.starts_with(id.as_str())))
}

pub fn get(state: &State, params: &Params, host: &str) -> String {
    let prefixes: Vec<String> = match (ids(params, "recordID"), ids(params, "meetingID")) {
        (record_ids, _) if !record_ids.is_empty() => record_ids,
        (_, meeting_ids) if !meeting_ids.is_empty() => meeting_ids.iter().map(|m| sha1_hex(m)).collect(),
        _ => Vec::new(),
    };
    let states = ids(params, "state");
    let states: Vec<&str> =
        if states.is_empty() { vec!["published", "unpublished"] } else { states.iter().map(String::as_str).collect() };
    let list: Vec<&Recording> = state
        .recordings
        .iter()
        .filter(|r| prefixes.is_empty() || prefixes.iter().any(|p| r.record_id.starts_with(p.as_str())))
        .filter(|r| states.contains(&"any") || states.contains(&r.state.as_str()))
        .collect();
    let offset = params.get("offset").and_then(|o| o.parse::<usize>().ok());
    let limit = params.get("limit").and_then(|l| l.parse::<usize>().ok()).filter(|l| (1..=100).contains(l));
    let page: Vec<&Recording> = match (offset, limit) {
        (Some(offset), Some(limit)) => list.iter().skip(offset).take(limit).copied().collect(),
        _ => list.clone(),
    };
    let mut xml = ResponseXml::success();
    if page.is_empty() {
        xml.raw("<recordings></recordings>")
            .field("messageKey", "noRecordings")
            .field("message", "There are no recordings for the meeting(s).");
        return xml.finish();
    }
    xml.raw("<recordings>");
    for recording in &page {
        xml.raw(&recording.xml(host));
    }
    xml.raw("</recordings>");
    if let (Some(offset), Some(limit)) = (offset, limit) {
        xml.raw(&format!(
            "<pagination><pageable><offset>{offset}</offset><limit>{limit}</limit><paged>true</paged><unpaged>false</unpaged></pageable><totalElements>{}</totalElements><empty>false</empty></pagination>",
            list.len()
        ));
    }
    xml.finish()
}

fn require_ids(params: &Params) -> Result<Vec<String>, String> {
    let record_ids = ids(params, "recordID");
    if record_ids.is_empty() {
        return Err(ResponseXml::failed("missingParamRecordID", "You must specify a recordID."));
    }
    Ok(record_ids)
}

fn not_found() -> String {
    ResponseXml::failed("notFound", "We could not find recordings")
}

pub fn publish(state: &mut State, params: &Params) -> String {
    let record_ids = match require_ids(params) {
        Ok(ids) => ids,
        Err(xml) => return xml,
    };
    let publish = match params.get("publish") {
        Some("true") => true,
        Some("false") => false,
        _ => return ResponseXml::failed("missingParamPublish", "You must specify a publish value true or false."),
    };
    let mut found = false;
    for recording in matching(state, &record_ids).filter(|r| r.state != "deleted") {
        found = true;
        recording.published = publish;
        recording.state = if publish { "published" } else { "unpublished" }.to_owned();
    }
    if !found {
        return not_found();
    }
    let mut xml = ResponseXml::success();
    xml.field("published", publish.to_string());
    xml.finish()
}

pub fn update(state: &mut State, params: &Params) -> String {
    let record_ids = match require_ids(params) {
        Ok(ids) => ids,
        Err(xml) => return xml,
    };
    let meta: Vec<(String, String)> = params
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("meta_").map(|name| (name.to_owned(), v.to_owned())))
        .collect();
    let mut found = false;
    for recording in matching(state, &record_ids) {
        found = true;
        for (name, value) in &meta {
            if value.is_empty() {
                recording.metadata.remove(name);
            } else {
                recording.metadata.insert(name.clone(), value.clone());
            }
        }
    }
    if !found {
        return not_found();
    }
    let mut xml = ResponseXml::success();
    xml.field("updated", "true");
    xml.finish()
}

pub fn delete(state: &mut State, params: &Params) -> String {
    let record_ids = match require_ids(params) {
        Ok(ids) => ids,
        Err(xml) => return xml,
    };
    let mut found = false;
    for recording in matching(state, &record_ids) {
        found = true;
        recording.state = "deleted".to_owned();
        recording.published = false;
    }
    if !found {
        return not_found();
    }
    let mut xml = ResponseXml::success();
    xml.field("deleted", "true");
    xml.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{handle, Reply, Settings};
    use sha2::{Digest, Sha256};

    const SECRET: &str = "rec-secret";

    fn call(state: &mut State, name: &str, query: &str) -> String {
        let checksum = hex::encode(Sha256::digest(format!("{name}{query}{SECRET}").as_bytes()));
        let settings = Settings { secret: SECRET.into(), algorithms: vec!["sha256".into()], callback_retry_ms: vec![] };
        match handle(state, &settings, name, &format!("{query}&checksum={checksum}"), "sim.test") {
            Reply::Xml(xml) => xml,
            other => panic!("{other:?}"),
        }
    }

    fn recorded(state: &mut State, meeting: &str, recording_state: &str) -> String {
        call(state, "create", &format!("name=Room&meetingID={meeting}&meta_course=CS"));
        record(state, meeting, recording_state, vec!["presentation".into(), "video".into()]).unwrap().record_id
    }

    #[test]
    fn get_filters_by_meeting_record_prefix_and_state() {
        let mut state = State::default();
        let a = recorded(&mut state, "m1", "published");
        let b = recorded(&mut state, "m2", "processing");
        assert!(a.starts_with(&sha1_hex("m1")));
        let by_meeting = call(&mut state, "getRecordings", "meetingID=m1");
        assert!(by_meeting.contains(&a) && !by_meeting.contains(&b));
        assert!(by_meeting.contains("<type>video</type>") && by_meeting.contains("<course>CS</course>"));
        // Default states are published,unpublished: the processing one needs state=any.
        assert!(call(&mut state, "getRecordings", "meetingID=m2").contains("<messageKey>noRecordings</messageKey>"));
        assert!(call(&mut state, "getRecordings", "meetingID=m2&state=any").contains(&b));
        // recordID is a prefix match; it wins over meetingID.
        let prefix = &a[..20];
        assert!(call(&mut state, "getRecordings", &format!("recordID={prefix}&meetingID=m2")).contains(&a));
        let paged = call(&mut state, "getRecordings", "state=any&offset=1&limit=1");
        assert!(paged.contains("<totalElements>2</totalElements>"), "{paged}");
    }

    #[test]
    fn publish_update_delete() {
        let mut state = State::default();
        let id = recorded(&mut state, "m1", "published");
        assert!(call(&mut state, "publishRecordings", &format!("recordID={id}&publish=false"))
            .contains("<published>false</published>"));
        assert_eq!(state.recordings[0].state, "unpublished");
        assert!(call(&mut state, "publishRecordings", &format!("recordID={id}")).contains("missingParamPublish"));
        assert!(call(&mut state, "publishRecordings", "publish=true").contains("missingParamRecordID"));
        assert!(call(&mut state, "publishRecordings", "recordID=ffff&publish=true")
            .contains("<messageKey>notFound</messageKey>"));

        call(&mut state, "updateRecordings", &format!("recordID={id}&meta_title=Week+1&meta_course="));
        assert_eq!(state.recordings[0].metadata.get("title").map(String::as_str), Some("Week 1"));
        assert!(!state.recordings[0].metadata.contains_key("course"), "an empty value removes the key");

        assert!(call(&mut state, "deleteRecordings", &format!("recordID={id}")).contains("<deleted>true</deleted>"));
        assert!(call(&mut state, "getRecordings", &format!("recordID={id}")).contains("noRecordings"));
        assert!(call(&mut state, "getRecordings", &format!("recordID={id}&state=deleted")).contains(&id));
    }

    #[test]
    fn recording_calls_use_the_legacy_checksum_message() {
        let mut state = State::default();
        let settings = Settings { secret: SECRET.into(), algorithms: vec!["sha256".into()], callback_retry_ms: vec![] };
        let Reply::Xml(xml) = handle(&mut state, &settings, "getRecordings", "meetingID=m1&checksum=00", "h") else {
            panic!()
        };
        assert!(xml.contains("You did not pass the checksum security check"), "{xml}");
    }
}
