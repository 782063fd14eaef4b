//! The waiting room (CONTRACT §9): a viewer who may not start a meeting waits on a page until a
//! moderator's join starts it. What the page holds to come back is a [`WaitTicket`]: sealed with
//! the worker's callback key under its own purpose, bound to one viewer of one meeting, and
//! never more than that: it opens only as a viewer's ticket, and a wait never creates a meeting.

use serde::{Deserialize, Serialize};

use crate::mac::Purpose;
use crate::role::Role;
use crate::sealed;
use crate::secret::Secret;
use crate::ticket::{Participant, TicketError};

/// How often a page without JavaScript asks again (`<meta http-equiv="refresh">`).
pub const REFRESH_SECONDS: u32 = 10;

/// How long after a wait's maximum the page's "keep waiting" still works.
pub const KEEP_WAITING_SECONDS: i64 = 600;

/// How long the ticket a released page is sent to stays good: it is used at once.
pub const ENTRY_SECONDS: i64 = 120;

/// `WAIT_FOR_MODERATOR` and `WAIT_MAX_SECONDS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitSettings {
    /// Whether viewers wait when their token does not say (`wait_for_moderator`).
    pub by_default: bool,
    /// After this long the page says so and offers to keep waiting.
    pub max_seconds: u32,
}

impl Default for WaitSettings {
    fn default() -> Self {
        WaitSettings { by_default: false, max_seconds: 3600 }
    }
}

impl WaitSettings {
    /// Whether this join must wait for a moderator instead of starting the meeting: only a
    /// viewer, and only when the token (or, when it is silent, the worker's default) says so.
    pub fn applies(&self, role: Role, claim: Option<bool>) -> bool {
        role == Role::Viewer && claim.unwrap_or(self.by_default)
    }
}

/// A viewer waiting for a meeting to start: who, for which meeting (and its name, for the page),
/// and since when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitTicket {
    participant: Participant,
    meeting_name: String,
    since: i64,
    expires_at: i64,
}

impl WaitTicket {
    /// A wait that begins at `now`; `None` for a moderator, who never waits.
    pub fn begin(participant: Participant, meeting_name: String, now: i64, settings: &WaitSettings) -> Option<Self> {
        if participant.role != Role::Viewer {
            return None;
        }
        let expires_at = now + settings.max_seconds as i64 + KEEP_WAITING_SECONDS;
        Some(WaitTicket { participant, meeting_name, since: now, expires_at })
    }

    /// The same wait, started again at `now` ("keep waiting").
    pub fn again(&self, now: i64, settings: &WaitSettings) -> Self {
        Self::begin(self.participant.clone(), self.meeting_name.clone(), now, settings).expect("a viewer's ticket")
    }

    /// The ticket a released page is sent to: good for [`ENTRY_SECONDS`] from `now`.
    pub fn for_entry(&self, now: i64) -> Self {
        WaitTicket { expires_at: self.expires_at.max(now + ENTRY_SECONDS), ..self.clone() }
    }

    pub fn participant(&self) -> &Participant {
        &self.participant
    }

    /// A short, fixed-length name for this viewer (a hash of the user id), to count their pages.
    pub fn viewer_tag(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.participant.user_id.as_bytes());
        format!("viewer:{}", &hex::encode(digest)[..32])
    }

    pub fn meeting_name(&self) -> &str {
        &self.meeting_name
    }

    pub fn since(&self) -> i64 {
        self.since
    }

    /// Whether the wait is past `WAIT_MAX_SECONDS` at `now`.
    pub fn too_long(&self, now: i64, settings: &WaitSettings) -> bool {
        now - self.since > settings.max_seconds as i64
    }

    pub fn seal(&self, key: &Secret) -> String {
        sealed::seal(self, key, WAIT_TICKET)
    }

    /// Verifies the tag in constant time against each of `keys`, then the expiry. A ticket
    /// whose participant is not a viewer is refused like a forged one.
    pub fn open(keys: &[&Secret], sealed: &str, now: i64) -> Result<WaitTicket, TicketError> {
        let ticket: WaitTicket = sealed::open(keys, WAIT_TICKET, sealed).ok_or(TicketError::Forged)?;
        if ticket.participant.role != Role::Viewer {
            return Err(TicketError::Forged);
        }
        if now > ticket.expires_at {
            return Err(TicketError::Expired);
        }
        Ok(ticket)
    }
}

/// A sealed ticket's paths on the worker: its page, the page's socket, and "keep waiting".
pub struct WaitPaths {
    pub page: String,
    pub socket: String,
    pub again: String,
}

impl WaitPaths {
    pub fn of(sealed: &str) -> Self {
        let page = format!("/join/wait/{sealed}");
        WaitPaths { socket: format!("{page}/socket"), again: format!("{page}/again"), page }
    }
}

const WAIT_TICKET: Purpose = Purpose(b"bbb-edge wait ticket v1\n");

#[cfg(test)]
mod tests {
    use base64ct::{Base64UrlUnpadded, Encoding};

    use super::*;
    use crate::ids::MeetingId;
    use crate::ticket::Ticket;

    fn viewer() -> Participant {
        Participant {
            meeting: MeetingId::parse("bio-101").unwrap(),
            full_name: "Zoë".into(),
            user_id: "u-7".into(),
            role: Role::Viewer,
            avatar_url: None,
            guest: false,
            waits: true,
            from_lms: false,
        }
    }

    const SETTINGS: WaitSettings = WaitSettings { by_default: false, max_seconds: 3600 };

    #[test]
    fn only_viewers_wait_and_only_when_asked() {
        let settings = WaitSettings { by_default: true, ..SETTINGS };
        assert!(settings.applies(Role::Viewer, None));
        assert!(!settings.applies(Role::Viewer, Some(false)), "the token's word beats the default");
        assert!(!settings.applies(Role::Moderator, Some(true)), "moderators never wait");
        assert!(!SETTINGS.applies(Role::Viewer, None));
        assert!(SETTINGS.applies(Role::Viewer, Some(true)));
        let moderator = Participant { role: Role::Moderator, ..viewer() };
        assert_eq!(WaitTicket::begin(moderator, "Biology".into(), 0, &SETTINGS), None);
    }

    #[test]
    fn a_ticket_opens_until_its_wait_may_be_kept_and_not_after() {
        let key = Secret::new("k");
        let ticket = WaitTicket::begin(viewer(), "Biology".into(), 1000, &SETTINGS).unwrap();
        let sealed = ticket.seal(&key);
        assert!(sealed.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)), "path-safe: {sealed}");
        let last = 1000 + 3600 + KEEP_WAITING_SECONDS;
        assert_eq!(WaitTicket::open(&[&key], &sealed, last), Ok(ticket.clone()));
        assert_eq!(WaitTicket::open(&[&key], &sealed, last + 1), Err(TicketError::Expired));
        assert!(!ticket.too_long(4600, &SETTINGS) && ticket.too_long(4601, &SETTINGS));
        let again = ticket.again(5000, &SETTINGS);
        assert_eq!((again.since(), again.participant()), (5000, ticket.participant()));
        assert_eq!(ticket.for_entry(last).expires_at, last + ENTRY_SECONDS);
    }

    #[test]
    fn a_ticket_cannot_become_a_moderator_another_meeting_or_a_recovery() {
        let key = Secret::new("k");
        let ticket = WaitTicket::begin(viewer(), "Biology".into(), 1000, &SETTINGS).unwrap();
        let sealed = ticket.seal(&key);
        let (payload, tag) = sealed.split_once('.').unwrap();
        // Edited payloads keep the old tag: a moderator, another meeting.
        for edit in [("viewer", "moderator"), ("bio-101", "bio-102")] {
            let json = String::from_utf8(Base64UrlUnpadded::decode_vec(payload).unwrap()).unwrap();
            assert!(json.contains(edit.0));
            let edited = json.replace(edit.0, edit.1);
            let forged = format!("{}.{tag}", Base64UrlUnpadded::encode_string(edited.as_bytes()));
            assert_eq!(WaitTicket::open(&[&key], &forged, 1000), Err(TicketError::Forged), "{edit:?}");
        }
        // A moderator's wait ticket sealed with the right key (a bug elsewhere) still does not open.
        let promoted = WaitTicket { participant: Participant { role: Role::Moderator, ..viewer() }, ..ticket.clone() };
        assert_eq!(WaitTicket::open(&[&key], &promoted.seal(&key), 1000), Err(TicketError::Forged));
        // Another key, and the recovery ticket's purpose, do not open it.
        assert_eq!(WaitTicket::open(&[&Secret::new("other")], &sealed, 1000), Err(TicketError::Forged));
        assert_eq!(Ticket::open(&[&key], &sealed, 1000), Err(TicketError::Forged));
    }
}
