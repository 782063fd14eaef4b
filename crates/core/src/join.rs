//! `/join`, split at the coordinator boundary: [`prepare`] checks the token and decides the role
//! (no I/O), the meeting's coordinator makes sure an instance runs (and spends the `jti`), and
//! [`signed_join`] signs the join URL for that instance. All pure: time, randomness and
//! transport come in from the edge.

use crate::bbb::{join_url, BbbMessage, CreateMeeting, JoinMeeting, JoinRefusal, SignedUrl};
use crate::callback::meeting_ended_token;
use crate::config::Config;
use crate::coordinator::{CreateSpec, Jti};
use crate::error::{AppError, ErrorCode};
use crate::ids::CreateTime;
use crate::page::refusal_words;
use crate::pool::Server;
use crate::role;
use crate::ticket::{Participant, Ticket, TICKET_SECONDS};
use crate::token::{JoinClaims, VerifiedToken};

/// A join whose token passed: who joins which meeting, and what the meeting should be created with.
#[derive(Debug, Clone)]
pub struct PreparedJoin {
    pub participant: Participant,
    pub jti: Jti,
    pub spec: CreateSpec,
}

/// Verifies an HS token at `now` and decides the role from its signed claims only.
pub fn prepare(config: &Config, token: &str, now: i64) -> Result<PreparedJoin, AppError> {
    prepare_verified(config, config.tokens.verify(token, now)?)
}

/// Decides the role and the create spec from a token whose signature and times were checked.
pub fn prepare_verified(config: &Config, verified: VerifiedToken) -> Result<PreparedJoin, AppError> {
    let claims = JoinClaims::parse(&verified.claims)?;
    let role = role::decide(claims.role, &claims.roles, &config.moderator_roles);
    Ok(PreparedJoin {
        jti: Jti {
            id: claims.jti,
            issued_at: verified.issued_at,
            until: verified.expires_at.saturating_add(config.tokens.leeway_seconds as i64),
        },
        spec: CreateSpec {
            meeting: claims.meeting.clone(),
            name: claims.meeting_name,
            options: claims.create,
            server_tag: claims.server_tag,
            expected_size: claims.expected_size,
        },
        participant: Participant {
            meeting: claims.meeting,
            full_name: claims.name,
            user_id: claims.sub,
            role,
            avatar_url: claims.avatar_url,
            guest: claims.guest,
            waits: config.waiting.applies(role, claims.wait_for_moderator),
            from_lms: false,
        },
    })
}

/// The signed join URL for `participant` into the instance created at `create_time` on
/// `server`, signed with that server's secret. Its `errorRedirectUrl` carries a recovery ticket
/// in the path (`retried` marks a recovery's own URL).
pub fn signed_join(
    config: &Config,
    server: &Server,
    participant: &Participant,
    create_time: CreateTime,
    now: i64,
    retried: bool,
) -> SignedUrl {
    let ticket = Ticket {
        participant: participant.clone(),
        server: server.id.clone(),
        create_time,
        expires_at: now + TICKET_SECONDS,
        retried,
    };
    let error_redirect_url = config.public_url.join_error_url(&ticket.seal(&config.callbacks.key));
    join_url(
        &server.base,
        &server.signer,
        &JoinMeeting {
            meeting_id: &participant.meeting,
            full_name: &participant.full_name,
            user_id: &participant.user_id,
            role: participant.role,
            create_time,
            error_redirect_url: &error_redirect_url,
            avatar_url: participant.avatar_url.as_deref(),
            guest: participant.guest,
        },
    )
}

/// The answer at `/join/error` when BBB refused a join and no recovery applies: below 500 when
/// BBB refused this user (it is not an outage), `bbb_failed` when this service is misconfigured.
/// The message is the worker's own: what the browser brought back is nobody's word.
pub fn refused(refusal: Option<JoinRefusal>) -> AppError {
    let code =
        if refusal.is_none_or(JoinRefusal::is_users_refusal) { ErrorCode::JoinRefused } else { ErrorCode::BbbFailed };
    let words = refusal_words(refusal);
    let bbb =
        refusal.and_then(JoinRefusal::key).map(|key| BbbMessage { key: key.to_owned(), message: words.to_owned() });
    AppError { code, message: words.to_owned(), bbb, operator_fix: false }
}

impl Config {
    /// The `create` for `spec` on `server`, with this create's `meetingEndedURL` nonce.
    pub fn create_request(&self, spec: &CreateSpec, nonce: &str, server: &Server) -> CreateMeeting {
        let token = meeting_ended_token(&self.callbacks.key, &spec.meeting, nonce);
        CreateMeeting {
            meeting_id: spec.meeting.clone(),
            name: spec.name.clone(),
            options: spec.options.clone(),
            meeting_ended_url: self.public_url.meeting_ended_url(&token),
            recording_ready_url: self.public_url.recording_ready_url(self.pool.recording_ready_id(&server.id)),
            logout_url: self.logout_url.clone().unwrap_or_else(|| self.public_url.left_url()),
        }
    }
}
