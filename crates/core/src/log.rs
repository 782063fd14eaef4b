//! The one structured log line per request. Only fields chosen here can appear: no URL, query,
//! header, token, checksum or secret is ever a field.

use serde::Serialize;

#[derive(Debug, Default, Serialize)]
pub struct RequestLog {
    pub route: &'static str,
    pub method: &'static str,
    pub status: u16,
    /// `ok`, or the contract error code.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    /// The BBB server of the pool the request went to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bbb_message_key: Option<String>,
    pub bbb_calls: u32,
    pub upstream_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
    /// Create parameters a token asked for that differ from the running instance's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<String>,
    /// A reconciliation pass: meetings looked at, recordings announced, meetings that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<Reconciled>,
}

#[derive(Debug, Default, Serialize)]
pub struct Reconciled {
    pub meetings: u32,
    pub announced: u32,
    pub failed: u32,
}

impl RequestLog {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain struct serialises")
    }
}

/// One line per host-notification attempt (from the coordinator's alarm). No URL, no body.
#[derive(Debug, Serialize)]
pub struct DeliveryLog<'a> {
    pub route: &'static str,
    pub event: &'a str,
    pub meeting: &'a str,
    pub attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `delivered`, `retry` or `given_up`.
    pub outcome: &'static str,
}

impl DeliveryLog<'_> {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain struct serialises")
    }
}
