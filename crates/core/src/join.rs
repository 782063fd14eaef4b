//! `/join`: token → role → meeting exists → signed join URL. Pure: time, randomness and transport
//! come in from the edge.

use crate::bbb::{BbbClient, CreateMeeting, JoinMeeting, SignedUrl, Transport};
use crate::callback::meeting_ended_token;
use crate::config::Config;
use crate::error::AppError;
use crate::ids::{CreateTime, MeetingId};
use crate::role::{self, Role};
use crate::token::JoinClaims;

/// Where to send the browser.
#[derive(Debug, Clone)]
pub struct JoinRedirect {
    pub location: SignedUrl,
    pub meeting: MeetingId,
    pub role: Role,
    pub create_time: CreateTime,
    /// `false` when BBB answered `duplicateWarning` (the meeting was already running).
    pub created: bool,
}

/// What is known about a join so far, for the log line, even when it fails.
#[derive(Debug, Default, Clone)]
pub struct JoinTrace {
    pub meeting: Option<MeetingId>,
    pub role: Option<Role>,
}

/// Runs a join. `now` is seconds since the epoch; `nonce` is fresh randomness for this create's
/// callback URL.
pub async fn join<T: Transport>(
    config: &Config,
    bbb: &BbbClient<T>,
    token: &str,
    now: i64,
    nonce: &str,
    trace: &mut JoinTrace,
) -> Result<JoinRedirect, AppError> {
    let verified = config.tokens.verify(token, now)?;
    let claims = JoinClaims::parse(&verified.claims)?;
    trace.meeting = Some(claims.meeting.clone());
    let role = role::decide(claims.role, &claims.roles, &config.moderator_roles);
    trace.role = Some(role);

    let create = create_request(config, &claims, nonce);
    let created = bbb.ensure_meeting(&create).await?;
    let error_redirect_url = config.public_url.join_error_url();
    let location = bbb.join_url(&JoinMeeting {
        meeting_id: &claims.meeting,
        full_name: &claims.name,
        user_id: &claims.sub,
        role,
        create_time: created.create_time,
        error_redirect_url: &error_redirect_url,
        avatar_url: claims.avatar_url.as_deref(),
        guest: claims.guest,
    });
    Ok(JoinRedirect {
        location,
        meeting: claims.meeting,
        role,
        create_time: created.create_time,
        created: !created.already_running,
    })
}

fn create_request(config: &Config, claims: &JoinClaims, nonce: &str) -> CreateMeeting {
    let token = meeting_ended_token(&config.callback_key, &claims.meeting, nonce);
    CreateMeeting {
        meeting_id: claims.meeting.clone(),
        name: claims.meeting_name.clone(),
        options: claims.create.clone(),
        meeting_ended_url: config.public_url.meeting_ended_url(&token),
        recording_ready_url: config.public_url.recording_ready_url(),
        logout_url: config.logout_url.clone().unwrap_or_else(|| config.public_url.left_url()),
    }
}

impl Config {
    /// The BBB adapter for these settings over `transport`.
    pub fn bbb_client<T: Transport>(&self, transport: T) -> BbbClient<T> {
        BbbClient::new(self.bbb_base.clone(), self.signer.clone(), self.bbb_timeout, transport)
    }
}
