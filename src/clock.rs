//! The time at the edge. `Date.now()` in workerd advances across I/O, which is all a request needs.

use worker::Date;

/// Seconds since the epoch.
pub fn now_seconds() -> i64 {
    (Date::now().as_millis() / 1000) as i64
}
