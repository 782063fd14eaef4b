//! The page a joined browser lands on, standing in for BBB's HTML5 client.

use crate::state::Session;
use crate::xml::escape;

pub fn render(session: Option<&Session>) -> String {
    let body = match session {
        Some(session) => format!(
            "<h1 data-testid=\"meeting-name\">{}</h1>\
<dl><dt>Meeting</dt><dd data-testid=\"meeting-id\">{}</dd>\
<dt>You are</dt><dd data-testid=\"full-name\">{}</dd>\
<dt>Role</dt><dd data-testid=\"role\">{}</dd>\
<dt>Status</dt><dd data-testid=\"status\">{}</dd></dl>",
            escape(&session.meeting_name),
            escape(&session.meeting_id),
            escape(&session.full_name),
            escape(&session.role),
            if session.guest_waiting { "waiting for a moderator" } else { "in the meeting" },
        ),
        None => "<h1>No such session</h1><p data-testid=\"status\">invalid session</p>".to_owned(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>BBB simulator client</title>\
<style>body{{font:16px system-ui,sans-serif;margin:3rem}}dt{{font-weight:bold}}</style></head>\
<body><p><small>bbb-sim: a simulated BigBlueButton client</small></p>{body}</body></html>"
    )
}
