//! What authenticates BBB's callbacks.
//! - `meetingEndedURL` carries no signature, so the URL itself is the credential:
//!   `<base64url(meeting id)>.<nonce>.<base64url(HMAC-SHA256)>`, all path-safe. The nonce is
//!   picked per `create`; BBB assigns `createTime` only in its answer.
//! - recording-ready posts `signed_parameters`, a JWT that BBB signs with its shared secret
//!   (HS256; HS384/HS512 behind load balancers). It has no `exp`: it only triggers work.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;
use sha1::Sha1;

use crate::ids::{MeetingId, RecordId};
use crate::mac::{self, Purpose};
use crate::secret::Secret;
use crate::token::{Jws, JwtAlgorithm};

const MEETING_ENDED: Purpose = Purpose(b"bbb-edge meeting-ended v1\n");

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
    let tag = mac::tag(key, MEETING_ENDED, &tagged_parts(meeting, nonce));
    format!("{encoded_meeting}.{nonce}.{}", Base64UrlUnpadded::encode_string(&tag))
}

/// Checks a token in constant time (`Mac::verify_slice`) against each of `keys` (the current
/// callback key, then the previous during a rotation).
pub fn verify_meeting_ended_token(keys: &[&Secret], token: &str) -> Result<MeetingEndedTicket, ForgedToken> {
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
    if !mac::verify(keys, MEETING_ENDED, &tagged_parts(&meeting, nonce), &signature) {
        return Err(ForgedToken);
    }
    Ok(MeetingEndedTicket { meeting, nonce: nonce.to_owned() })
}

/// A verified recording-ready callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingReady {
    pub meeting: MeetingId,
    pub record_id: RecordId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordingReadyError {
    /// Not a JWS, an algorithm outside HS256/384/512, or no key's signature: `401`.
    Forged,
    /// Signed, but without a usable `meeting_id` and `record_id`: `400`.
    Malformed,
}

/// Verifies `signed_parameters` against each of `keys` (the BBB secret, and during a rotation the
/// previous one), then checks that `record_id` belongs to `meeting_id`
/// (`sha1(meeting_id)-<createTime>`).
pub fn verify_recording_ready(
    keys: &[&Secret],
    signed_parameters: &str,
) -> Result<RecordingReady, RecordingReadyError> {
    use RecordingReadyError::{Forged, Malformed};
    let jws = Jws::parse(signed_parameters).map_err(|_| Forged)?;
    let algorithm = match JwtAlgorithm::from_name(&jws.alg) {
        Some(algorithm) if algorithm.is_hmac() => algorithm,
        _ => return Err(Forged),
    };
    if !jws.hmac_matches(algorithm, keys) {
        return Err(Forged);
    }
    let claims = jws.claims_after_signature().map_err(|_| Malformed)?.custom;
    let text = |name: &str| claims.get(name).and_then(Value::as_str).ok_or(Malformed);
    let meeting = MeetingId::parse(text("meeting_id")?).map_err(|_| Malformed)?;
    let record_id = RecordId::parse(text("record_id")?).map_err(|_| Malformed)?;
    let prefix = format!("{}-", hex::encode(<Sha1 as sha2::Digest>::digest(meeting.as_str().as_bytes())));
    if !record_id.as_str().starts_with(&prefix) {
        return Err(Malformed);
    }
    Ok(RecordingReady { meeting, record_id })
}

/// Length-prefixed, so no (meeting, nonce) pair can be shifted into another.
fn tagged_parts(meeting: &MeetingId, nonce: &str) -> [Vec<u8>; 3] {
    let length = (meeting.as_str().len() as u32).to_be_bytes();
    [length.to_vec(), meeting.as_str().as_bytes().to_vec(), nonce.as_bytes().to_vec()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// checksum-vectors.md B3: built the way BBB's post_publish script does it.
    const B3: &str = "eyJhbGciOiJIUzI1NiJ9.eyJtZWV0aW5nX2lkIjoiYWJjMTIzIiwicmVjb3JkX2lkIjoiNjM2N2M0OGRkMTkzZDU2ZWE3YjBiYWFkMjViMTk0NTVlNTI5ZjVlZS0xNTg2NTgxMTEwMDE5In0.JbzUxcPWhrPABMRzFrgcpBeuaUPmoT2G7Bsm552eaD8";

    #[test]
    fn recording_ready_vector_b3() {
        let secret = Secret::new("639259d4-9dd8-4b25-bf01-95f9567eaf4b");
        let ready = verify_recording_ready(&[&secret], B3).unwrap();
        assert_eq!(ready.meeting.as_str(), "abc123");
        assert_eq!(ready.record_id.as_str(), "6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019");
        // Rotation: the previous secret still verifies while listed.
        assert!(verify_recording_ready(&[&Secret::new("new-secret"), &secret], B3).is_ok());
        assert_eq!(verify_recording_ready(&[&Secret::new("wrong")], B3), Err(RecordingReadyError::Forged));
    }

    #[test]
    fn recording_ready_refusals() {
        let secret = Secret::new("639259d4-9dd8-4b25-bf01-95f9567eaf4b");
        let (head, rest) = B3.split_once('.').unwrap();
        let none =
            format!("{}.{}", Base64UrlUnpadded::encode_string(br#"{"alg":"none"}"#), rest.rsplit_once('.').unwrap().0)
                + ".";
        for forged in ["", "abc", "a.b.c", &none, &format!("{head}.{rest}x"), &B3[..B3.len() - 4]] {
            assert_eq!(verify_recording_ready(&[&secret], forged), Err(RecordingReadyError::Forged), "{forged}");
        }
        let sign = |payload: &str| {
            let input = format!("{head}.{}", Base64UrlUnpadded::encode_string(payload.as_bytes()));
            let tag = crate::mac::raw_tag(secret.expose().as_bytes(), &[input.as_bytes()]);
            format!("{input}.{}", Base64UrlUnpadded::encode_string(&tag))
        };
        for payload in [
            r#"{"meeting_id":"abc123"}"#,
            r#"{"meeting_id":"abc123","record_id":"../etc"}"#,
            r#"{"meeting_id":"other","record_id":"6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019"}"#,
        ] {
            assert_eq!(
                verify_recording_ready(&[&secret], &sign(payload)),
                Err(RecordingReadyError::Malformed),
                "{payload}"
            );
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let key = Secret::new("callback-key");
        let meeting = MeetingId::parse("course 101/ä").unwrap();
        let token = meeting_ended_token(&key, &meeting, "0123abcd");
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_'), "{token}");
        let ticket = verify_meeting_ended_token(&[&key], &token).unwrap();
        assert_eq!((ticket.meeting, ticket.nonce.as_str()), (meeting.clone(), "0123abcd"));
        // During a rotation the previous key still verifies URLs handed out before it.
        assert!(verify_meeting_ended_token(&[&Secret::new("new"), &key], &token).is_ok());

        assert_eq!(verify_meeting_ended_token(&[&Secret::new("other")], &token), Err(ForgedToken));
        let other_nonce = token.replace(".0123abcd.", ".0123abce.");
        assert_eq!(verify_meeting_ended_token(&[&key], &other_nonce), Err(ForgedToken));
        let other_meeting = meeting_ended_token(&key, &MeetingId::parse("other").unwrap(), "0123abcd");
        let spliced = format!("{}.{}", other_meeting.split('.').next().unwrap(), token.split_once('.').unwrap().1);
        assert_eq!(verify_meeting_ended_token(&[&key], &spliced), Err(ForgedToken));
        for junk in ["", "a.b", "a.b.c.d", "..", &format!("{token}x")] {
            assert_eq!(verify_meeting_ended_token(&[&key], junk), Err(ForgedToken), "{junk}");
        }
    }
}
