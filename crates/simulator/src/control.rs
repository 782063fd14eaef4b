//! The control API for tests and operators, under `/_sim/`:
//! - `POST /_sim/reset`: forget meetings, sessions, requests and faults;
//! - `GET /_sim/requests[?call=create]`: the API request log (checksums never included);
//! - `POST /_sim/faults` with `{"call"?, "kind": "delay"|"status"|"drop"|"malformed"|"failed"|"lose_answer", "times"?, …}`
//!   (`lose_answer` carries the call out and then closes the connection unanswered);
//!   `DELETE /_sim/faults` clears them;
//! - `GET /_sim/meetings`: the meetings as the simulator knows them;
//! - `POST /_sim/meetings/{id}/end[?callbacks=N]`: end a meeting behind the worker's back; its
//!   `meetingEndedURL` is called N times (default 1; 0 = the callback is lost);
//! - `POST /_sim/meetings/{id}/recordings[?state=published&formats=presentation,video&callbacks=N]`:
//!   record the meeting's latest instance; recording-ready is POSTed N times (default: once per
//!   format, as BBB's post_publish script runs per format; 0 = lost);
//! - `POST /_sim/meetings/{id}/participants?count=N`: N more people in the meeting (viewers), so a
//!   pool's load is real;
//! - `GET /_sim/recordings`, `GET /_sim/callbacks`: what exists, and every callback attempt;
//! - `POST /_sim/restart`: lose every meeting, as a BBB restart does.

use hyper::Method;
use serde_json::json;

use crate::api::Params;
use crate::server::Simulator;
use crate::state::{Fault, Outbound};

pub fn handle(simulator: &Simulator, method: &Method, path: &str, raw_query: &str, body: &[u8]) -> (u16, String) {
    let mut state = simulator.state.lock().unwrap();
    let params = Params::parse(raw_query);
    match (method, path) {
        (&Method::POST, "reset") => {
            state.reset();
            (200, json!({"reset": true}).to_string())
        }
        (&Method::GET, "requests") => {
            let wanted = params.get("call").map(str::to_owned);
            let list: Vec<_> =
                state.requests.iter().filter(|r| wanted.as_deref().is_none_or(|c| c == r.call)).collect();
            (200, serde_json::to_string(&list).unwrap())
        }
        (&Method::POST, "faults") => match serde_json::from_slice::<Fault>(body) {
            Ok(fault) => {
                state.faults.push(fault);
                (200, json!({"faults": state.faults.len()}).to_string())
            }
            Err(error) => (400, json!({"error": error.to_string()}).to_string()),
        },
        (&Method::DELETE, "faults") => {
            state.faults.clear();
            (200, json!({"faults": 0}).to_string())
        }
        (&Method::GET, "meetings") => {
            let mut list: Vec<_> = state.meetings.values().collect();
            list.sort_by_key(|m| m.create_time);
            (200, serde_json::to_string(&list).unwrap())
        }
        (&Method::POST, "restart") => {
            state.meetings.clear();
            state.sessions.clear();
            (200, json!({"restarted": true}).to_string())
        }
        (&Method::GET, "recordings") => (200, serde_json::to_string(&state.recordings).unwrap()),
        (&Method::GET, "callbacks") => (200, serde_json::to_string(&state.callbacks).unwrap()),
        (&Method::POST, rest) if rest.starts_with("meetings/") && rest.ends_with("/end") => {
            let id = meeting_in_path(rest, "/end");
            let callbacks = params.get("callbacks").and_then(|n| n.parse().ok()).unwrap_or(1);
            let ended = state.end_meeting(&id, callbacks);
            (if ended { 200 } else { 404 }, json!({"ended": ended}).to_string())
        }
        (&Method::POST, rest) if rest.starts_with("meetings/") && rest.ends_with("/participants") => {
            let id = meeting_in_path(rest, "/participants");
            let count = params.get("count").and_then(|n| n.parse::<usize>().ok()).unwrap_or(1);
            match state.meetings.get_mut(&id).filter(|m| !m.ended) {
                Some(meeting) => {
                    let start = meeting.attendees.len();
                    for n in start..start + count {
                        meeting.attendees.push(crate::state::Attendee {
                            user_id: format!("sim-{n}"),
                            full_name: format!("Participant {n}"),
                            role: "VIEWER".into(),
                            guest: false,
                        });
                    }
                    meeting.start_time.get_or_insert_with(crate::state::now_ms);
                    (200, json!({"participants": meeting.attendees.len()}).to_string())
                }
                None => (404, json!({"error": "no such running meeting"}).to_string()),
            }
        }
        (&Method::POST, rest) if rest.starts_with("meetings/") && rest.ends_with("/recordings") => {
            let id = meeting_in_path(rest, "/recordings");
            let formats: Vec<String> =
                params.get("formats").unwrap_or("presentation").split(',').map(str::to_owned).collect();
            let callbacks = params.get("callbacks").and_then(|n| n.parse().ok()).unwrap_or(formats.len());
            let recording_state = params.get("state").unwrap_or("published").to_owned();
            let url = state.meetings.get(&id).and_then(|m| m.metadata.get("bbb-recording-ready-url").cloned());
            let Some(recording) = crate::recordings::record(&mut state, &id, &recording_state, formats) else {
                return (404, json!({"error": "no such meeting"}).to_string());
            };
            if let Some(url) = url {
                let call =
                    Outbound::RecordingReady { url, meeting_id: id.clone(), record_id: recording.record_id.clone() };
                state.outbound.extend(std::iter::repeat_n(call, callbacks));
            }
            (200, serde_json::to_string(&recording).unwrap())
        }
        _ => (404, json!({"error": "unknown control path"}).to_string()),
    }
}

/// The (percent-encoded) meeting id in `meetings/{id}{suffix}`.
fn meeting_in_path(path: &str, suffix: &str) -> String {
    let encoded = &path["meetings/".len()..path.len() - suffix.len()];
    form_urlencoded::parse(format!("id={encoded}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}
