//! Identifiers checked once at the boundary ("parse, don't validate").

use std::fmt;

/// An external meeting id as BBB accepts it: 2..=256 characters (counted as Java does, in UTF-16
/// units), no `,` (BBB splits id lists on it), and nothing `ParamsUtil.sanitizeString` would change
/// (control characters, surrounding whitespace), which `create` refuses as "Invalid meeting ID".
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct MeetingId(String);

impl From<MeetingId> for String {
    fn from(id: MeetingId) -> String {
        id.0
    }
}

impl TryFrom<String> for MeetingId {
    type Error = InvalidMeetingId;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        MeetingId::parse(&raw)
    }
}

/// Why a meeting id was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidMeetingId {
    Length,
    Comma,
    ControlOrSurroundingSpace,
}

impl fmt::Display for InvalidMeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Length => "must be 2 to 256 characters long",
            Self::Comma => "must not contain ','",
            Self::ControlOrSurroundingSpace => "must not contain control characters or surrounding spaces",
        })
    }
}

impl MeetingId {
    pub fn parse(raw: &str) -> Result<Self, InvalidMeetingId> {
        let units = raw.encode_utf16().count();
        if !(2..=256).contains(&units) {
            return Err(InvalidMeetingId::Length);
        }
        if raw.contains(',') {
            return Err(InvalidMeetingId::Comma);
        }
        if raw.chars().any(char::is_control) || raw.trim() != raw {
            return Err(InvalidMeetingId::ControlOrSurroundingSpace);
        }
        Ok(MeetingId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MeetingId({:?})", self.0)
    }
}

impl fmt::Display for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A recording id: `sha1_hex(meetingID) + "-" + createTime`, the internal meeting id of the
/// session that was recorded (bbb-api.md §4b, checksum-vectors B2).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct RecordId(String);

impl From<RecordId> for String {
    fn from(id: RecordId) -> String {
        id.0
    }
}

impl TryFrom<String> for RecordId {
    type Error = InvalidRecordId;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        RecordId::parse(&raw)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRecordId;

impl fmt::Display for InvalidRecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("must look like <40 lowercase hex digits>-<create time in milliseconds>")
    }
}

impl RecordId {
    pub fn parse(raw: &str) -> Result<Self, InvalidRecordId> {
        let (hash, time) = raw.split_once('-').ok_or(InvalidRecordId)?;
        let hash_ok = hash.len() == 40 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let time_ok = !time.is_empty() && time.len() <= 20 && time.bytes().all(|b| b.is_ascii_digit());
        if hash_ok && time_ok {
            Ok(RecordId(raw.to_owned()))
        } else {
            Err(InvalidRecordId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({})", self.0)
    }
}

/// BBB's `createTime`: milliseconds since the epoch, assigned by BBB when the meeting instance
/// was created. Sending it on `join` binds the URL to that one instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CreateTime(pub u64);

impl fmt::Display for CreateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Plain integer: never scientific notation (cloud_bbb had to force this in PHP).
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_ids_follow_bbb_rules() {
        assert!(MeetingId::parse("ab").is_ok());
        assert!(MeetingId::parse("course-101 lecture ✓").is_ok());
        assert!(MeetingId::parse(&"x".repeat(256)).is_ok());
        assert_eq!(MeetingId::parse("a"), Err(InvalidMeetingId::Length));
        assert_eq!(MeetingId::parse(&"x".repeat(257)), Err(InvalidMeetingId::Length));
        // One emoji is two UTF-16 units, as Java counts it.
        assert!(MeetingId::parse("🎉").is_ok());
        assert_eq!(MeetingId::parse("a,b"), Err(InvalidMeetingId::Comma));
        assert_eq!(MeetingId::parse("ab\n"), Err(InvalidMeetingId::ControlOrSurroundingSpace));
        assert_eq!(MeetingId::parse(" ab"), Err(InvalidMeetingId::ControlOrSurroundingSpace));
    }

    #[test]
    fn record_ids_are_sha1_dash_millis() {
        assert!(RecordId::parse("6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019").is_ok());
        for bad in [
            "",
            "6367c48dd193d56ea7b0baad25b19455e529f5ee",
            "6367c48dd193d56ea7b0baad25b19455e529f5ee-",
            "6367C48DD193D56EA7B0BAAD25B19455E529F5EE-1586581110019",
            "6367c48dd193d56ea7b0baad25b19455e529f5e-1586581110019",
            "6367c48dd193d56ea7b0baad25b19455e529f5ee-15865811100x9",
            "../../etc/passwd-1",
        ] {
            assert!(RecordId::parse(bad).is_err(), "{bad}");
        }
    }
}
