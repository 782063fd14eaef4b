//! Host notifications per Standard Webhooks (CONTRACT §6): the signing secret, the signature
//! over `id.timestamp.body`, the event bodies, and the retry schedule. Pure; delivery is the edge's.

use base64ct::{Base64, Encoding};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::bbb::response::Recording;
use crate::ids::{CreateTime, MeetingId};
use crate::secret::Secret;

/// The shortest `HOST_WEBHOOK_SECRET` key accepted (the Standard Webhooks libraries make 24).
pub const MIN_KEY_BYTES: usize = 24;

/// `HOST_WEBHOOK_SECRET`: `whsec_` + base64 of the HMAC key.
#[derive(Clone, Debug)]
pub struct WebhookSecret(Secret);

impl WebhookSecret {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let encoded = raw.trim().strip_prefix("whsec_").ok_or("must start with whsec_")?;
        let key = Base64::decode_vec(encoded).map_err(|_| "must be whsec_ followed by base64")?;
        if key.len() < MIN_KEY_BYTES {
            return Err(format!("must hold a key of at least {MIN_KEY_BYTES} bytes"));
        }
        Ok(WebhookSecret(Secret::new(encoded)))
    }

    /// `webhook-signature`: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let key = Base64::decode_vec(self.0.expose()).expect("checked when parsed");
        let tag = crate::mac::raw_tag(&key, &[format!("{id}.{timestamp}.").as_bytes(), body.as_bytes()]);
        format!("v1,{}", Base64::encode_string(&tag))
    }
}

/// One notification, fixed when it is first queued: every retry sends the same id and body.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// `webhook-id`. Derived from what happened, so a repeat of the same fact has the same id.
    pub id: String,
    pub body: String,
}

impl Event {
    pub fn meeting_ended(meeting: &MeetingId, create_time: CreateTime, now: i64) -> Event {
        let data = json!({ "meeting": meeting.as_str(), "create_time": create_time.0 });
        Event::new("meeting.ended", &format!("{meeting}\n{create_time}"), data, now)
    }

    pub fn recording_ready(meeting: &MeetingId, recording: &Recording, now: i64) -> Event {
        let data = json!({
            "meeting": meeting.as_str(),
            "record_id": recording.record_id.as_str(),
            "state": recording.state,
            "published": recording.published,
            "playback": recording.playback,
        });
        Event::new("recording.ready", recording.record_id.as_str(), data, now)
    }

    fn new(kind: &str, fact: &str, data: Value, now: i64) -> Event {
        let digest = Sha256::digest(format!("{kind}\n{fact}").as_bytes());
        let body = json!({ "type": kind, "timestamp": rfc3339(now), "data": data }).to_string();
        Event { id: format!("evt_{}", hex::encode(&digest[..16])), body }
    }
}

/// One event on its way to the host: how often it was tried, and when next.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub event: Event,
    pub attempts: u32,
    pub first_at: i64,
    pub next_at: i64,
}

impl Delivery {
    pub fn new(event: Event, now: i64) -> Self {
        Delivery { event, attempts: 0, first_at: now, next_at: now }
    }

    /// After a failed attempt: when to try again, or `None` once it has been tried long enough.
    pub fn failed(mut self, now: i64, base_seconds: u64) -> Option<Delivery> {
        self.attempts += 1;
        if now - self.first_at >= GIVE_UP_AFTER_SECONDS {
            return None;
        }
        self.next_at = now + retry_delay(self.attempts, base_seconds) as i64;
        Some(self)
    }
}

/// Growing delays from `base`: base, 2·base, 4·base, … capped at an hour. With a 5 s base the
/// attempts span a day after about 30 tries.
pub fn retry_delay(attempt: u32, base_seconds: u64) -> u64 {
    let factor = 1u64 << attempt.saturating_sub(1).min(20);
    base_seconds.max(1).saturating_mul(factor).min(3600)
}

/// Deliveries stop this long after the first attempt (CONTRACT §6: at least 24 hours).
pub const GIVE_UP_AFTER_SECONDS: i64 = 25 * 3600;

/// `2026-11-28T19:05:00Z` for seconds since the epoch (UTC, proleptic Gregorian).
pub fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_webhooks_vector() {
        // From the Standard Webhooks reference libraries' tests (recomputed here).
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, r#"{"test": 2432232314}"#),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(format!("{secret:?}").contains("redacted"));
    }

    #[test]
    fn secrets_must_be_whsec_base64() {
        for bad in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_", "whsec_YWJj"] {
            assert!(WebhookSecret::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_892_700), "2026-11-28T19:05:00Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn the_same_fact_gets_the_same_id() {
        let meeting = MeetingId::parse("room").unwrap();
        let a = Event::meeting_ended(&meeting, CreateTime(1), 100);
        let b = Event::meeting_ended(&meeting, CreateTime(1), 200);
        let c = Event::meeting_ended(&meeting, CreateTime(2), 100);
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        let body: Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(body["type"], "meeting.ended");
        assert_eq!(body["data"], json!({"meeting": "room", "create_time": 1}));
        assert_eq!(body["timestamp"], "1970-01-01T00:01:40Z");
    }

    #[test]
    fn deliveries_are_retried_then_given_up() {
        let event = Event::meeting_ended(&MeetingId::parse("room").unwrap(), CreateTime(1), 0);
        let first = Delivery::new(event, 1000);
        assert_eq!(first.next_at, 1000);
        let second = first.failed(1000, 5).unwrap();
        assert_eq!((second.attempts, second.next_at), (1, 1005));
        let third = second.failed(1005, 5).unwrap();
        assert_eq!((third.attempts, third.next_at), (2, 1015));
        assert!(third.clone().failed(1000 + GIVE_UP_AFTER_SECONDS - 1, 5).is_some());
        assert!(third.failed(1000 + GIVE_UP_AFTER_SECONDS, 5).is_none());
    }

    #[test]
    fn retries_grow_and_cap() {
        let delays: Vec<u64> = (1..=12).map(|n| retry_delay(n, 5)).collect();
        assert_eq!(delays[..6], [5, 10, 20, 40, 80, 160]);
        assert_eq!(delays[11], 3600);
        let total: u64 = (1..=40).map(|n| retry_delay(n, 5)).sum();
        assert!(total >= 24 * 3600, "40 attempts span a day: {total}");
    }
}
