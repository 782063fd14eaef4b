//! What BBB's `messageKey`s mean to bbb-edge (bbb-api.md §6). The rest of the code asks these
//! questions instead of comparing strings. `messageKey` is BBB's stable part; `message` may change
//! and, when it comes back through a browser's query string, is anybody's text.

/// `getMeetingInfo`, `end` and the recording calls: no such meeting or recording.
pub fn is_not_found(key: &str) -> bool {
    key == "notFound"
}

/// `create`: the meeting was already running; its answer is the running instance (SUCCESS).
pub fn is_duplicate(key: &str) -> bool {
    key == "duplicateWarning"
}

pub fn is_checksum_error(key: &str) -> bool {
    key == "checksumError"
}

/// Why BBB sent a browser to the `errorRedirectUrl` instead of into the meeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinRefusal {
    /// `invalidMeetingIdentifier`: BBB knows no meeting with that id (it ended, or BBB restarted).
    UnknownMeeting,
    /// `mismatchCreateTimeParam`: the join URL belongs to an earlier instance of the meeting.
    EarlierInstance,
    /// `meetingForciblyEnded`: a moderator or the API ended it.
    Ended,
    /// `maxParticipantsReached`.
    Full,
    /// `guestDeniedAccess` (`guestDeny` in older servers).
    GuestDenied,
    /// `checksumError`: the worker and the server disagree on the secret: an operator's problem.
    Checksum,
    /// `missingParamFullName`, `missingParamMeetingID`, `invalidPassword`: a join URL BBB
    /// could not use at all.
    BadJoinUrl,
    /// A key bbb-edge does not know. Not echoed: it arrived in a query string.
    Unrecognised,
}

impl JoinRefusal {
    pub fn of(key: &str) -> JoinRefusal {
        match key {
            "invalidMeetingIdentifier" => Self::UnknownMeeting,
            "mismatchCreateTimeParam" => Self::EarlierInstance,
            "meetingForciblyEnded" => Self::Ended,
            "maxParticipantsReached" => Self::Full,
            "guestDeniedAccess" | "guestDeny" => Self::GuestDenied,
            "checksumError" => Self::Checksum,
            "missingParamFullName" | "missingParamMeetingID" | "invalidPassword" => Self::BadJoinUrl,
            _ => Self::Unrecognised,
        }
    }

    /// The key as BBB spells it, for support; `None` for keys bbb-edge does not know.
    pub fn key(self) -> Option<&'static str> {
        Some(match self {
            Self::UnknownMeeting => "invalidMeetingIdentifier",
            Self::EarlierInstance => "mismatchCreateTimeParam",
            Self::Ended => "meetingForciblyEnded",
            Self::Full => "maxParticipantsReached",
            Self::GuestDenied => "guestDeniedAccess",
            Self::Checksum => "checksumError",
            Self::BadJoinUrl => "invalidJoinUrl",
            Self::Unrecognised => return None,
        })
    }

    /// BBB says the instance the join URL names is gone: a recovery may re-create it, once BBB
    /// itself confirms that (the browser's word proves nothing).
    pub fn is_stale_instance(self) -> bool {
        matches!(self, Self::UnknownMeeting | Self::EarlierInstance | Self::Ended)
    }

    /// A refusal of this user (answered below 500), not a fault of the service.
    pub fn is_users_refusal(self) -> bool {
        !matches!(self, Self::Checksum | Self::BadJoinUrl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_their_meaning() {
        for key in ["invalidMeetingIdentifier", "mismatchCreateTimeParam", "meetingForciblyEnded"] {
            assert!(JoinRefusal::of(key).is_stale_instance(), "{key}");
            assert_eq!(JoinRefusal::of(key).key(), Some(key));
        }
        assert!(!JoinRefusal::of("maxParticipantsReached").is_stale_instance());
        assert!(JoinRefusal::of("guestDeny").is_users_refusal());
        assert!(!JoinRefusal::of("checksumError").is_users_refusal());
        assert_eq!(JoinRefusal::of("Call 0800 to unlock").key(), None);
        assert!(is_not_found("notFound") && is_checksum_error("checksumError"));
    }
}
