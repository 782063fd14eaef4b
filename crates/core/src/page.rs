//! The few HTML pages a browser sees: errors, BBB's join errors, and "you left the meeting".
//! Pure string building with escaping; the edge adds the security headers.

use crate::bbb::{BbbMessage, JoinRefusal};
use crate::error::AppError;

/// An error as a page for a person (CONTRACT §5: HTML for browsers).
pub fn error_page(error: &AppError, back: Option<&str>) -> String {
    let mut body = format!("<p>{}</p>", escape(&error.message));
    if let Some(bbb) = &error.bbb {
        body.push_str(&bbb_line(bbb));
    }
    body.push_str(&format!("<p class=\"code\">Error code: <code>{}</code></p>", error.code.as_str()));
    layout(title_for(error.code.as_str()), &body, back)
}

/// BBB sent the browser back with `?errors=[{key, message}]`: what happened, in the worker's own
/// words. The `message` came through a query string, so it is never shown; a known key is, for support.
pub fn join_error_page(refusal: Option<JoinRefusal>, back: Option<&str>) -> String {
    let mut body = format!("<p>{}</p>", escape(refusal_words(refusal)));
    if let Some(key) = refusal.and_then(JoinRefusal::key) {
        body.push_str(&format!("<p class=\"code\">Reason for support: <code>{key}</code></p>"));
    }
    body.push_str("<p>Go back to your course or portal and open the join link again.</p>");
    layout("Could not join the meeting", &body, back)
}

/// The worker's words for why BBB did not let someone in.
pub fn refusal_words(refusal: Option<JoinRefusal>) -> &'static str {
    match refusal {
        Some(JoinRefusal::Ended) => "This meeting has been ended.",
        Some(JoinRefusal::Full) => "The meeting is full.",
        Some(JoinRefusal::GuestDenied) => "A moderator did not let you in.",
        Some(JoinRefusal::UnknownMeeting) => "This meeting is not running any more.",
        Some(JoinRefusal::EarlierInstance) => "Your join link belonged to an earlier session of this meeting.",
        Some(JoinRefusal::Checksum) => {
            "The meeting server could not verify the join link (a configuration problem of this service)."
        }
        Some(JoinRefusal::BadJoinUrl) => "The meeting server could not use the join link.",
        Some(JoinRefusal::Unrecognised) | None => "The meeting server could not let you in.",
    }
}

/// Where BBB sends people who leave, when the operator set no `LOGOUT_URL`.
pub fn left_page() -> String {
    layout("You left the meeting", "<p>You can close this window.</p>", None)
}

/// Reads BBB's `errors` parameter from a raw query string. BBB builds it with `java.net.URI`,
/// which leaves `+` as is, so this decodes `%XX` only (not form decoding).
pub fn parse_bbb_errors(raw_query: &str) -> Vec<BbbMessage> {
    raw_query
        .split('&')
        .find_map(|pair| pair.strip_prefix("errors="))
        .and_then(|value| String::from_utf8(percent_decode(value)).ok())
        .and_then(|json| serde_json::from_str::<Vec<BbbMessage>>(&json).ok())
        .map(|mut errors| {
            errors.truncate(10);
            errors
        })
        .unwrap_or_default()
}

fn title_for(code: &str) -> &'static str {
    match code {
        "token_expired"
        | "token_replayed"
        | "token_missing"
        | "token_invalid"
        | "token_not_yet_valid"
        | "token_too_long_lived"
        | "algorithm_not_allowed"
        | "issuer_mismatch"
        | "audience_mismatch" => "This join link is not valid",
        "bbb_failed" | "bbb_bad_response" | "bbb_unreachable" | "bbb_timeout" => {
            "The meeting server is not answering properly"
        }
        "config_missing" => "This service is not configured",
        "not_found" => "Not found",
        _ => "Something went wrong",
    }
}

fn bbb_line(message: &BbbMessage) -> String {
    format!(
        "<p class=\"bbb\">The meeting server said: <code>{}</code> {}</p>",
        escape(&message.key),
        escape(&message.message)
    )
}

fn layout(title: &str, body: &str, back: Option<&str>) -> String {
    let back = back.map(|url| format!("<p><a href=\"{}\">Back</a></p>", escape(url))).unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{title}</title>\
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}}\
h1{{font-size:1.4rem}}code{{background:#f3f3f3;padding:0 .25rem}}.code{{color:#666;font-size:.9rem}}</style>\
</head><body><main><h1>{title}</h1>{body}{back}</main></body></html>",
        title = escape(title)
    )
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Decodes `%XX` (and nothing else: `+` stays `+`, as in paths and java.net.URI queries).
pub fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn bbb_errors_from_a_real_location_header() {
        // From bigbluebutton#20178 (see shared fixtures, reconstructed/join-error-redirect-location).
        let query = "errors=[%7B%22message%22:%22You%20can%20not%20join%20a%20meeting%20that%20has%20already%20been%20forcibly%20ended%22,%22key%22:%22meetingForciblyEnded%22%7D]";
        let errors = parse_bbb_errors(query);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].key, "meetingForciblyEnded");
        assert_eq!(errors[0].message, "You can not join a meeting that has already been forcibly ended");
        let page = join_error_page(Some(JoinRefusal::of(&errors[0].key)), None);
        assert!(page.contains("This meeting has been ended."));
        assert!(page.contains("meetingForciblyEnded"));
        assert!(!page.contains("You can not join"), "BBB's (or anybody's) free text is not shown");
    }

    #[test]
    fn plus_stays_a_plus_and_junk_gives_no_errors() {
        let errors = parse_bbb_errors("errors=[%7B%22key%22:%22k%22,%22message%22:%22a+b%22%7D]");
        assert_eq!(errors[0].message, "a+b");
        assert!(parse_bbb_errors("errors=%ZZ").is_empty());
        assert!(parse_bbb_errors("other=1").is_empty());
        assert!(parse_bbb_errors("errors=").is_empty());
        assert!(parse_bbb_errors("errors=%").is_empty());
    }

    #[test]
    fn everything_shown_is_escaped() {
        let page = join_error_page(Some(JoinRefusal::of("<script>")), Some("https://lms.example/?a=1&b=\"x\""));
        assert!(!page.contains("<script>"), "an unknown key is not echoed at all");
        assert!(page.contains("could not let you in"));
        assert!(page.contains("href=\"https://lms.example/?a=1&amp;b=&quot;x&quot;\""));
        let error = AppError::new(ErrorCode::ClaimInvalid, "<b>bad</b>");
        assert!(error_page(&error, None).contains("&lt;b&gt;bad&lt;/b&gt;"));
    }
}
