//! The BBB adapter: the only code that knows BBB's query parameters. Callers use domain methods;
//! the transport (worker `fetch` at the edge, a fake in unit tests) only moves bytes.

use std::time::Duration;

use super::error::{BadResponse, BbbError};
use super::query::Query;
use super::request::{ApiBase, ApiCall, SignedUrl, Signer};
use super::response::{self, Created, MeetingInfo, Recordings};
use crate::create_options::CreateOptions;
use crate::ids::{CreateTime, MeetingId, RecordId};
use crate::role::Role;

/// What the transport got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

/// Why the transport got nothing back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportError {
    Timeout,
    Unreachable,
}

/// Moves one GET request to BBB and back, giving up after `timeout`.
#[allow(async_fn_in_trait)] // used only inside one single-threaded isolate; no Send bound wanted
pub trait Transport {
    async fn get(&self, url: &SignedUrl, timeout: Duration) -> Result<HttpReply, TransportError>;
    async fn get_unsigned(&self, url: &str, timeout: Duration) -> Result<HttpReply, TransportError>;
}

/// The settings for a meeting instance that bbb-edge creates.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateMeeting {
    pub meeting_id: MeetingId,
    pub name: String,
    pub options: CreateOptions,
    /// The worker's own HMAC-signed `meetingEndedURL` (kept server-side by BBB, unlike `meta_`).
    pub meeting_ended_url: String,
    pub recording_ready_url: String,
    pub logout_url: String,
}

/// One user's way into one meeting instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinMeeting<'a> {
    pub meeting_id: &'a MeetingId,
    pub full_name: &'a str,
    pub user_id: &'a str,
    pub role: Role,
    pub create_time: CreateTime,
    pub error_redirect_url: &'a str,
    pub avatar_url: Option<&'a str>,
    pub guest: bool,
}

/// What BBB says of one instance of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    /// BBB has it, running or still waiting for its first user.
    Exists,
    /// BBB knows no such meeting, has a later instance of it, or reports it ended.
    Gone,
}

/// Which recordings to list. Always filtered: an unfiltered `getRecordings` returns every
/// recording on the server (bbb-api.md §5, `allowFetchAllRecordings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingFilter {
    Meeting(MeetingId),
    Record(RecordId),
}

/// One server's API, over a transport, for the calls of one request. A cheap view (as oauth2-rs
/// passes its HTTP client per call): the server and the transport are borrowed, not owned.
pub struct BbbClient<'a, T> {
    base: &'a ApiBase,
    signer: &'a Signer,
    timeout: Duration,
    transport: &'a T,
}

impl<'a, T: Transport> BbbClient<'a, T> {
    pub fn new(base: &'a ApiBase, signer: &'a Signer, timeout: Duration, transport: &'a T) -> Self {
        BbbClient { base, signer, timeout, transport }
    }

    pub fn transport(&self) -> &'a T {
        self.transport
    }

    /// Makes sure the meeting exists and returns its instance. A repeated `create` for a running
    /// meeting answers `duplicateWarning` with the running instance's `createTime`: success. No
    /// passwords are sent, which is what makes that answer possible (BBB 2.6+).
    pub async fn ensure_meeting(&self, meeting: &CreateMeeting) -> Result<Created, BbbError> {
        let mut query = Query::new();
        query.push("name", &meeting.name).push("meetingID", meeting.meeting_id.as_str());
        for (name, value) in meeting.options.params() {
            query.push(name, value);
        }
        query
            .push("meetingEndedURL", &meeting.meeting_ended_url)
            .push("meta_bbb-recording-ready-url", &meeting.recording_ready_url)
            .push("logoutURL", &meeting.logout_url);
        // create can load slides and allocate a voice bridge: it gets twice the usual time.
        let body = self.call(ApiCall::Create, &query, self.timeout * 2).await?;
        Created::parse(&body)
    }

    pub async fn is_meeting_running(&self, meeting_id: &MeetingId) -> Result<bool, BbbError> {
        let mut query = Query::new();
        query.push("meetingID", meeting_id.as_str());
        let body = self.call(ApiCall::IsMeetingRunning, &query, self.timeout).await?;
        response::parse_running(&body)
    }

    pub async fn meeting_info(&self, meeting_id: &MeetingId) -> Result<MeetingInfo, BbbError> {
        let mut query = Query::new();
        query.push("meetingID", meeting_id.as_str());
        let body = self.call(ApiCall::GetMeetingInfo, &query, self.timeout).await?;
        MeetingInfo::parse(&body)
    }

    /// Whether the instance of `meeting_id` created at `create_time` still exists at BBB
    /// (`getMeetingInfo`). Any other failure is passed on: not knowing is not "gone".
    pub async fn instance_state(
        &self,
        meeting_id: &MeetingId,
        create_time: CreateTime,
    ) -> Result<InstanceState, BbbError> {
        match self.meeting_info(meeting_id).await {
            Err(error) if error.is_not_found() => Ok(InstanceState::Gone),
            Err(error) => Err(error),
            Ok(info) if info.create_time != create_time || info.has_been_forcibly_ended || info.end_time.is_some() => {
                Ok(InstanceState::Gone)
            }
            Ok(_) => Ok(InstanceState::Exists),
        }
    }

    pub async fn recordings(
        &self,
        filter: &RecordingFilter,
        states: &str,
        page: Option<(u32, u32)>,
    ) -> Result<Recordings, BbbError> {
        let mut query = Query::new();
        match filter {
            RecordingFilter::Meeting(id) => query.push("meetingID", id.as_str()),
            RecordingFilter::Record(id) => query.push("recordID", id.as_str()),
        };
        query.push("state", states);
        if let Some((offset, limit)) = page {
            query.push("offset", &offset.to_string()).push("limit", &limit.to_string());
        }
        let body = self.call(ApiCall::GetRecordings, &query, self.timeout).await?;
        Recordings::parse(&body)
    }

    /// Every meeting the server holds (`getMeetings`), for the pool's poll.
    pub async fn meetings(&self) -> Result<Vec<response::ListedMeeting>, BbbError> {
        let body = self.call(ApiCall::GetMeetings, &Query::new(), self.timeout).await?;
        response::parse_meetings(&body)
    }

    /// Ends a running meeting. BBB answers at once and ends it asynchronously.
    pub async fn end_meeting(&self, meeting_id: &MeetingId) -> Result<(), BbbError> {
        let mut query = Query::new();
        query.push("meetingID", meeting_id.as_str());
        let body = self.call(ApiCall::End, &query, self.timeout).await?;
        response::parse_envelope(&body).map(drop)
    }

    pub async fn publish_recording(&self, record_id: &RecordId, publish: bool) -> Result<(), BbbError> {
        let mut query = Query::new();
        query.push("recordID", record_id.as_str()).push("publish", if publish { "true" } else { "false" });
        let body = self.call(ApiCall::PublishRecordings, &query, self.timeout).await?;
        response::parse_envelope(&body).map(drop)
    }

    /// Sets metadata; `None` removes the key (BBB removes a key sent with an empty value).
    pub async fn update_recording(
        &self,
        record_id: &RecordId,
        meta: &[(String, Option<String>)],
    ) -> Result<(), BbbError> {
        let mut query = Query::new();
        query.push("recordID", record_id.as_str());
        for (name, value) in meta {
            query.push(&format!("meta_{name}"), value.as_deref().unwrap_or(""));
        }
        let body = self.call(ApiCall::UpdateRecordings, &query, self.timeout).await?;
        response::parse_envelope(&body).map(drop)
    }

    pub async fn delete_recording(&self, record_id: &RecordId) -> Result<(), BbbError> {
        let mut query = Query::new();
        query.push("recordID", record_id.as_str());
        let body = self.call(ApiCall::DeleteRecordings, &query, self.timeout).await?;
        response::parse_envelope(&body).map(drop)
    }

    /// Checks reachability and the secret together: the API index must answer, and a signed call
    /// must not come back `checksumError` (the trick littleredbutton's `isConnectionWorking` uses).
    pub async fn probe(&self) -> Result<(), BbbError> {
        let reply = self.transport.get_unsigned(self.base.index_url(), self.timeout).await.map_err(transport_error)?;
        check_status(reply.status)?;
        response::parse_envelope(&reply.body)?;
        let probe_id = MeetingId::parse("bbb-edge-health-probe").expect("constant id is valid");
        self.is_meeting_running(&probe_id).await.map(|_| ())
    }

    async fn call(&self, call: ApiCall, query: &Query, timeout: Duration) -> Result<String, BbbError> {
        let url = self.signer.sign(self.base, call, query);
        let reply = self.transport.get(&url, timeout).await.map_err(transport_error)?;
        check_status(reply.status)?;
        Ok(reply.body)
    }
}

/// The signed join URL for a browser redirect. No I/O (so no client): BBB checks it when the
/// browser arrives.
pub fn join_url(base: &ApiBase, signer: &Signer, join: &JoinMeeting<'_>) -> SignedUrl {
    let mut query = Query::new();
    query
        .push("fullName", join.full_name)
        .push("meetingID", join.meeting_id.as_str())
        .push("role", join.role.bbb_name())
        .push("userID", join.user_id)
        .push("createTime", &join.create_time.to_string())
        .push("redirect", "true")
        .push("errorRedirectUrl", join.error_redirect_url)
        .push_opt("avatarURL", join.avatar_url);
    if join.guest {
        query.push("guest", "true");
    }
    signer.sign(base, ApiCall::Join, &query)
}

fn transport_error(error: TransportError) -> BbbError {
    match error {
        TransportError::Timeout => BbbError::Timeout,
        TransportError::Unreachable => BbbError::Unreachable,
    }
}

fn check_status(status: u16) -> Result<(), BbbError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(BbbError::BadResponse(BadResponse::Status(status)))
    }
}
