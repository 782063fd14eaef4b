//! The worker's own callback-URL tokens. BBB's `meetingEndedURL` call carries no signature, so the
//! URL itself is the credential: `<base64url(meeting id)>.<nonce>.<base64url(HMAC-SHA256)>`, all
//! path-safe. The nonce is picked per `create`; BBB assigns `createTime` only in its answer.

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::MeetingId;
use crate::secret::Secret;

/// A verified `meetingEndedURL` token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingEndedTicket {
    pub meeting: MeetingId,
    pub nonce: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForgedToken;

pub fn meeting_ended_token(key: &Secret, meeting: &MeetingId, nonce: &str) -> String {
    let encoded_meeting = Base64UrlUnpadded::encode_string(meeting.as_str().as_bytes());
    let mac = mac(key, meeting, nonce).finalize().into_bytes();
    format!("{encoded_meeting}.{nonce}.{}", Base64UrlUnpadded::encode_string(&mac))
}

/// Checks a token in constant time (`Mac::verify_slice`).
pub fn verify_meeting_ended_token(key: &Secret, token: &str) -> Result<MeetingEndedTicket, ForgedToken> {
    let mut parts = token.split('.');
    let (Some(encoded_meeting), Some(nonce), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ForgedToken);
    };
    let meeting = Base64UrlUnpadded::decode_vec(encoded_meeting)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|id| MeetingId::parse(&id).ok())
        .ok_or(ForgedToken)?;
    if nonce.is_empty() || nonce.len() > 64 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ForgedToken);
    }
    let signature = Base64UrlUnpadded::decode_vec(signature).map_err(|_| ForgedToken)?;
    mac(key, &meeting, nonce).verify_slice(&signature).map_err(|_| ForgedToken)?;
    Ok(MeetingEndedTicket { meeting, nonce: nonce.to_owned() })
}

fn mac(key: &Secret, meeting: &MeetingId, nonce: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.expose().as_bytes()).expect("HMAC takes any key length");
    // Length-prefixed, so no (meeting, nonce) pair can be shifted into another.
    mac.update(b"bbb-edge meeting-ended v1\n");
    mac.update(&(meeting.as_str().len() as u32).to_be_bytes());
    mac.update(meeting.as_str().as_bytes());
    mac.update(nonce.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let key = Secret::new("callback-key");
        let meeting = MeetingId::parse("course 101/ä").unwrap();
        let token = meeting_ended_token(&key, &meeting, "0123abcd");
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'), "{token}");
        let ticket = verify_meeting_ended_token(&key, &token).unwrap();
        assert_eq!((ticket.meeting, ticket.nonce.as_str()), (meeting.clone(), "0123abcd"));

        assert_eq!(verify_meeting_ended_token(&Secret::new("other"), &token), Err(ForgedToken));
        let other_nonce = token.replace(".0123abcd.", ".0123abce.");
        assert_eq!(verify_meeting_ended_token(&key, &other_nonce), Err(ForgedToken));
        let other_meeting = meeting_ended_token(&key, &MeetingId::parse("other").unwrap(), "0123abcd");
        let spliced = format!("{}.{}", other_meeting.split('.').next().unwrap(), token.split_once('.').unwrap().1);
        assert_eq!(verify_meeting_ended_token(&key, &spliced), Err(ForgedToken));
        for junk in ["", "a.b", "a.b.c.d", "..", &format!("{token}x")] {
            assert_eq!(verify_meeting_ended_token(&key, junk), Err(ForgedToken), "{junk}");
        }
    }
}
