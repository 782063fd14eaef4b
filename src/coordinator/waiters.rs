//! The waiting pages' sockets, held by the meeting's Durable Object with the hibernation API:
//! while nobody starts the meeting the object may be evicted and the sockets cost nothing; each
//! keeps its viewer's wait ticket as its attachment. A start sends every socket where to go and
//! closes it. Pings (`"ping"` → `"pong"`) are answered by the platform without waking the object.

use bbb_core::waiting::{WaitPaths, WaitTicket};
use bbb_core::Config;
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::ext::WebSocketExt;
use worker::worker_sys::{DurableObjectState, WebSocketRequestResponsePair};
use worker::{Response, Result, WebSocket, WebSocketPair};

/// At most this many waiting pages of one viewer (tabs, reloads) per meeting: a newer one closes
/// the oldest, so one ticket cannot pile sockets onto the object.
pub const PAGES_PER_VIEWER: usize = 4;

/// Accepts a waiting page's socket for `ticket`'s viewer. A meeting that already runs (it
/// started between the page and its socket) releases it at once. The platform's socket calls are
/// made on the raw state, whose errors (a full object) come back as errors, not panics.
pub fn accept(
    state: &DurableObjectState,
    config: &Config,
    ticket: &WaitTicket,
    running: bool,
    now: i64,
) -> Result<Response> {
    let tag = ticket.viewer_tag();
    let theirs = sockets(state, Some(&tag));
    for old in theirs.iter().take((theirs.len() + 1).saturating_sub(PAGES_PER_VIEWER)) {
        let _ = old.close(Some(4000), Some("replaced by a newer page"));
    }
    let pair = WebSocketPair::new()?;
    state
        .accept_websocket_with_tags(pair.server.as_ref(), vec![JsValue::from_str(&tag)])
        .map_err(|_| worker::Error::RustError("the meeting cannot hold another waiting page".into()))?;
    attach(&pair.server, ticket)?;
    if let Ok(pong) = WebSocketRequestResponsePair::new("ping", "pong") {
        let _ = state.set_websocket_auto_response(&pong);
    }
    if running {
        send_go(&pair.server, config, ticket, now);
    }
    Response::from_websocket(pair.client)
}

/// Sends every waiting page into the meeting (each to its own fresh ticket) and closes its
/// socket. Returns how many there were.
pub fn release(state: &DurableObjectState, config: &Config, now: i64) -> usize {
    let sockets = sockets(state, None);
    for socket in &sockets {
        match attachment(socket) {
            Some(ticket) => send_go(socket, config, &ticket, now),
            _ => {
                let _ = socket.close(Some(1011), Some("no ticket"));
            }
        }
    }
    sockets.len()
}

/// The waiting pages with an open socket.
pub fn count(state: &DurableObjectState) -> u32 {
    sockets(state, None).len() as u32
}

/// The sockets the object holds (with `tag`, when given); none when the platform says no.
fn sockets(state: &DurableObjectState, tag: Option<&str>) -> Vec<WebSocket> {
    let held = match tag {
        Some(tag) => state.get_websockets_with_tag(tag),
        None => state.get_websockets(),
    };
    held.map(|list| list.into_iter().map(WebSocket::from).collect()).unwrap_or_default()
}

/// The socket keeps its ticket as JSON text (through hibernation), on the platform's call:
/// `worker`'s generic one converts through serde_wasm_bindgen.
fn attach(socket: &WebSocket, ticket: &WaitTicket) -> Result<()> {
    let json = serde_json::to_string(ticket).map_err(|e| worker::Error::RustError(e.to_string()))?;
    Ok(socket.as_ref().serialize_attachment(JsValue::from_str(&json))?)
}

/// The ticket a socket was accepted with; `None` for anything else (such as a socket accepted by
/// an older version, which then reconnects).
fn attachment(socket: &WebSocket) -> Option<WaitTicket> {
    let json = socket.as_ref().deserialize_attachment().ok()?.as_string()?;
    serde_json::from_str(&json).ok()
}

/// The page follows `go` to `/join/wait/{ticket}`, which answers the signed join's `302`: no
/// signed URL travels in a message.
fn send_go(socket: &WebSocket, config: &Config, ticket: &WaitTicket, now: i64) {
    let sealed = ticket.for_entry(now).seal(&config.callbacks.key);
    let _ = socket.send_with_str(format!("{{\"go\":\"{}\"}}", WaitPaths::of(&sealed).page));
    let _ = socket.close(Some(1000), Some("started"));
}

/// The object's memory (wasm linear memory), for the release's log line.
pub fn memory_bytes() -> u64 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size(0) as u64 * 65536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0
    }
}
