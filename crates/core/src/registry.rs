//! Which meetings a reconciliation pass looks at: those created within a window (their recordings
//! appear after they end), least recently checked first, a bounded number per pass. Pure; the
//! registry Durable Object stores one entry per meeting.

use serde::{Deserialize, Serialize};

/// How far back a pass looks: recordings are processed within hours of the end.
pub const WINDOW_SECONDS: i64 = 48 * 3600;
/// How often one meeting is checked.
pub const INTERVAL_SECONDS: i64 = 10 * 60;
/// Meetings per pass, inside the free plan's 50 subrequests per invocation.
pub const PER_PASS: usize = 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub created_at: i64,
    pub checked_at: Option<i64>,
}

/// The meetings due for a check at `now` (at most `limit`, never checked first, then oldest
/// check), and the entries that left the window and can be forgotten.
pub fn due<K: Clone>(entries: &[(K, Entry)], now: i64, limit: usize) -> (Vec<K>, Vec<K>) {
    let mut expired = Vec::new();
    let mut candidates: Vec<(&K, Option<i64>)> = Vec::new();
    for (key, entry) in entries {
        if now - entry.created_at > WINDOW_SECONDS {
            expired.push(key.clone());
        } else if entry.checked_at.is_none_or(|checked| now - checked >= INTERVAL_SECONDS) {
            candidates.push((key, entry.checked_at));
        }
    }
    candidates.sort_by_key(|(_, checked)| checked.unwrap_or(i64::MIN));
    (candidates.into_iter().take(limit).map(|(k, _)| k.clone()).collect(), expired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_meetings() {
        let now = 1_000_000;
        let entries = vec![
            ("fresh", Entry { created_at: now - 60, checked_at: None }),
            ("checked-just-now", Entry { created_at: now - 3600, checked_at: Some(now - 60) }),
            ("checked-long-ago", Entry { created_at: now - 7200, checked_at: Some(now - 3600) }),
            ("checked-a-while-ago", Entry { created_at: now - 7200, checked_at: Some(now - 900) }),
            ("too-old", Entry { created_at: now - WINDOW_SECONDS - 1, checked_at: None }),
        ];
        let (due_now, expired) = due(&entries, now, 10);
        assert_eq!(due_now, vec!["fresh", "checked-long-ago", "checked-a-while-ago"]);
        assert_eq!(expired, vec!["too-old"]);
        assert_eq!(due(&entries, now, 2).0, vec!["fresh", "checked-long-ago"]);
    }
}
