//! Recovery tickets: the path segment of `errorRedirectUrl` (`/join/error/{ticket}`). When BBB
//! refuses a join because the coordinator's instance is stale, the ticket says who was joining
//! which instance, so the worker can drop it, re-create and redirect once more. HMAC-signed,
//! short-lived, path-safe: BBB appends `?errors=` to the URL and would mangle a query.

use serde::{Deserialize, Serialize};

use crate::ids::{CreateTime, MeetingId};
use crate::mac::Purpose;
use crate::pool::ServerId;
use crate::role::Role;
use crate::sealed;
use crate::secret::Secret;

/// How long after the redirect a ticket can trigger a recovery. BBB redirects at once.
pub const TICKET_SECONDS: i64 = 120;

/// Everything a join URL needs besides `createTime`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub meeting: MeetingId,
    pub full_name: String,
    pub user_id: String,
    pub role: Role,
    pub avatar_url: Option<String>,
    pub guest: bool,
    /// A viewer who waits for a moderator instead of starting the meeting (CONTRACT §9), also
    /// when a recovery finds the instance gone.
    #[serde(default)]
    pub waits: bool,
    /// Launched by an LMS (LTI): the registered LMSs may show the waiting page in a frame.
    #[serde(default)]
    pub from_lms: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub participant: Participant,
    /// The server of the instance joined (`default` in tickets from before pools).
    #[serde(default)]
    pub server: ServerId,
    pub create_time: CreateTime,
    pub expires_at: i64,
    /// Set on the URL of a recovery redirect: a second failure is shown, never retried.
    pub retried: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketError {
    Forged,
    Expired,
}

impl Ticket {
    pub fn seal(&self, key: &Secret) -> String {
        sealed::seal(self, key, TICKET)
    }

    /// Verifies the signature in constant time against each of `keys`, then the expiry.
    pub fn open(keys: &[&Secret], sealed: &str, now: i64) -> Result<Ticket, TicketError> {
        let ticket: Ticket = sealed::open(keys, TICKET, sealed).ok_or(TicketError::Forged)?;
        if now > ticket.expires_at {
            return Err(TicketError::Expired);
        }
        Ok(ticket)
    }
}

const TICKET: Purpose = Purpose(b"bbb-edge recovery ticket v1\n");

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        Ticket {
            participant: Participant {
                meeting: MeetingId::parse("room/1").unwrap(),
                full_name: "Zoë & Bob".into(),
                user_id: "u1".into(),
                role: Role::Viewer,
                avatar_url: None,
                guest: false,
                waits: false,
                from_lms: false,
            },
            server: ServerId::default_id(),
            create_time: CreateTime(1_700_000_000_000),
            expires_at: 1000,
            retried: false,
        }
    }

    #[test]
    fn seal_open_and_refuse_tampering() {
        let key = Secret::new("k");
        let sealed = ticket().seal(&key);
        assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "path-safe: {sealed}");
        assert_eq!(Ticket::open(&[&key], &sealed, 999), Ok(ticket()));
        assert_eq!(Ticket::open(&[&key], &sealed, 1001), Err(TicketError::Expired));
        assert_eq!(Ticket::open(&[&Secret::new("other")], &sealed, 999), Err(TicketError::Forged));
        let mut promoted = ticket();
        promoted.participant.role = Role::Moderator;
        let forged = format!(
            "{}.{}",
            promoted.seal(&Secret::new("other")).split('.').next().unwrap(),
            sealed.split('.').nth(1).unwrap()
        );
        assert_eq!(Ticket::open(&[&key], &forged, 999), Err(TicketError::Forged));
        for junk in ["", ".", "abc", "a.b.c"] {
            assert_eq!(Ticket::open(&[&key], junk, 0), Err(TicketError::Forged));
        }
    }
}
