//! The control API for tests and operators, under `/_sim/`:
//! - `POST /_sim/reset`: forget meetings, sessions, requests and faults;
//! - `GET /_sim/requests[?call=create]`: the API request log (checksums never included);
//! - `POST /_sim/faults` with `{"call"?, "kind": "delay"|"status"|"drop"|"malformed"|"failed", "times"?, …}`;
//!   `DELETE /_sim/faults` clears them;
//! - `GET /_sim/meetings`: the meetings as the simulator knows them;
//! - `POST /_sim/meetings/{id}/end`: end a meeting behind the worker's back;
//! - `POST /_sim/restart`: lose every meeting, as a BBB restart does.

use hyper::Method;
use serde_json::json;

use crate::api::Params;
use crate::server::Simulator;
use crate::state::Fault;

pub fn handle(simulator: &Simulator, method: &Method, path: &str, raw_query: &str, body: &[u8]) -> (u16, String) {
    let mut state = simulator.state.lock().unwrap();
    match (method, path) {
        (&Method::POST, "reset") => {
            state.reset();
            (200, json!({"reset": true}).to_string())
        }
        (&Method::GET, "requests") => {
            let wanted = Params::parse(raw_query).get("call").map(str::to_owned);
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
        (&Method::POST, rest) if rest.starts_with("meetings/") && rest.ends_with("/end") => {
            let encoded = &rest["meetings/".len()..rest.len() - "/end".len()];
            let id: String = form_urlencoded::parse(format!("id={encoded}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let ended = state.end_meeting(&id);
            (if ended { 200 } else { 404 }, json!({"ended": ended}).to_string())
        }
        _ => (404, json!({"error": "unknown control path"}).to_string()),
    }
}
