//! The waiting pages' sockets, held by the meeting's Durable Object with the hibernation API:
//! while nobody starts the meeting the object may be evicted and the sockets cost nothing; each
//! keeps its viewer's wait ticket as its attachment. A start sends every socket where to go and
//! closes it. Pings (`"ping"` → `"pong"`) are answered by the platform without waking the object.

use bbb_core::waiting::{WaitPaths, WaitTicket};
use bbb_core::Config;
use worker::{Response, Result, State, WebSocket, WebSocketPair};

/// Accepts a waiting page's socket for `ticket`'s viewer. A meeting that already runs (it
/// started between the page and its socket) releases it at once.
pub fn accept(state: &State, config: &Config, ticket: &WaitTicket, running: bool, now: i64) -> Result<Response> {
    let pair = WebSocketPair::new()?;
    state.accept_web_socket(&pair.server);
    pair.server.serialize_attachment(ticket)?;
    if let Ok(pong) = worker::worker_sys::WebSocketRequestResponsePair::new("ping", "pong") {
        state.set_websocket_auto_response(&pong);
    }
    if running {
        send_go(&pair.server, config, ticket, now);
    }
    Response::from_websocket(pair.client)
}

/// Sends every waiting page into the meeting (each to its own fresh ticket) and closes its
/// socket. Returns how many there were.
pub fn release(state: &State, config: &Config, now: i64) -> usize {
    let sockets = state.get_websockets();
    for socket in &sockets {
        match socket.deserialize_attachment::<WaitTicket>() {
            Ok(Some(ticket)) => send_go(socket, config, &ticket, now),
            _ => {
                let _ = socket.close(Some(1011), Some("no ticket"));
            }
        }
    }
    sockets.len()
}

/// The waiting pages with an open socket.
pub fn count(state: &State) -> u32 {
    state.get_websockets().len() as u32
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
