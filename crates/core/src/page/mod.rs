//! The few HTML pages a browser sees: errors, BBB's join errors, the waiting room (`waiting.rs`)
//! and "you left the meeting", in the browser's language (`lang.rs`, catalogues in `words/`).
//! Pure string building with escaping; the edge adds the security headers (a strict CSP:
//! nothing from another origin).

mod lang;
mod waiting;
mod words;

pub use lang::Lang;
pub use waiting::{wait_script_hash, waiting_page, WaitingPage};
pub use words::{words, Words};

use crate::bbb::{BbbMessage, JoinRefusal};
use crate::error::{AppError, ErrorCode};

/// What kind of trouble a page is about: it picks the title and the next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    LinkInvalid,
    ServerTrouble,
    NotConfigured,
    NotFound,
    CouldNotJoin,
    Other,
}

impl Kind {
    fn of(code: ErrorCode) -> Kind {
        use ErrorCode::*;
        match code {
            TokenExpired
            | TokenReplayed
            | TokenMissing
            | TokenInvalid
            | TokenNotYetValid
            | TokenTooLongLived
            | AlgorithmNotAllowed
            | IssuerMismatch
            | AudienceMismatch
            | ClaimInvalid
            | CreateParamNotAllowed => Kind::LinkInvalid,
            BbbFailed | BbbBadResponse | BbbUnreachable | BbbTimeout | NoServerAvailable => Kind::ServerTrouble,
            ConfigMissing => Kind::NotConfigured,
            NotFound | Gone => Kind::NotFound,
            JoinRefused => Kind::CouldNotJoin,
            _ => Kind::Other,
        }
    }

    fn title(self, w: &Words) -> &'static str {
        match self {
            Kind::LinkInvalid => w.title_link_invalid,
            Kind::ServerTrouble => w.title_server_trouble,
            Kind::NotConfigured => w.title_not_configured,
            Kind::NotFound => w.title_not_found,
            Kind::CouldNotJoin => w.title_could_not_join,
            Kind::Other => w.title_other,
        }
    }

    fn next_step(self, w: &Words) -> &'static str {
        match self {
            Kind::LinkInvalid => w.next_link_invalid,
            Kind::ServerTrouble => w.next_server_trouble,
            Kind::NotConfigured => w.next_not_configured,
            Kind::NotFound => w.next_not_found,
            Kind::CouldNotJoin => w.next_could_not_join,
            Kind::Other => w.next_other,
        }
    }
}

/// An error as a page for a person (CONTRACT §5: HTML for browsers): the title and the next
/// step in `lang`; the worker's own detail (written in English) below, marked as English.
pub fn error_page(error: &AppError, back: Option<&str>, lang: Lang) -> String {
    let w = words(lang);
    let kind = if error.operator_fix { Kind::NotConfigured } else { Kind::of(error.code) };
    let mut body = format!("<p>{}</p>", escape(kind.next_step(w)));
    let detail_lang = if lang == Lang::En { String::new() } else { " lang=\"en\"".to_owned() };
    body.push_str(&format!(
        "<p class=\"detail\"><span class=\"label\">{}:</span> <span{detail_lang}>{}</span></p>",
        escape(w.details),
        escape(&error.message)
    ));
    if let Some(bbb) = &error.bbb {
        body.push_str(&format!(
            "<p class=\"code\">{}: <code>{}</code> <span lang=\"en\">{}</span></p>",
            escape(w.server_said),
            escape(&bbb.key),
            escape(&bbb.message)
        ));
    }
    body.push_str(&format!("<p class=\"code\">{}: <code>{}</code></p>", escape(w.error_code), error.code.as_str()));
    layout(lang, kind.title(w), &body, back)
}

/// BBB sent the browser back with `?errors=[{key, message}]`: what happened, in the worker's own
/// words. The `message` came through a query string, so it is never shown; a known key is, for support.
pub fn join_error_page(refusal: Option<JoinRefusal>, back: Option<&str>, lang: Lang) -> String {
    let w = words(lang);
    let mut body = format!("<p>{}</p>", escape(refused(refusal, w)));
    if let Some(key) = refusal.and_then(JoinRefusal::key) {
        body.push_str(&format!("<p class=\"code\">{}: <code>{key}</code></p>", escape(w.reason_for_support)));
    }
    body.push_str(&format!("<p>{}</p>", escape(w.next_could_not_join)));
    layout(lang, w.title_could_not_join, &body, back)
}

/// The worker's words (English) for why BBB did not let someone in, for the JSON error.
pub fn refusal_words(refusal: Option<JoinRefusal>) -> &'static str {
    refused(refusal, words(Lang::En))
}

fn refused(refusal: Option<JoinRefusal>, w: &Words) -> &'static str {
    match refusal {
        Some(JoinRefusal::Ended) => w.refused_ended,
        Some(JoinRefusal::Full) => w.refused_full,
        Some(JoinRefusal::GuestDenied) => w.refused_guest_denied,
        Some(JoinRefusal::UnknownMeeting) => w.refused_unknown_meeting,
        Some(JoinRefusal::EarlierInstance) => w.refused_earlier_instance,
        Some(JoinRefusal::Checksum) => w.refused_checksum,
        Some(JoinRefusal::BadJoinUrl) => w.refused_bad_join_url,
        Some(JoinRefusal::Unrecognised) | None => w.refused_other,
    }
}

/// Where BBB sends people who leave, when the operator set no `LOGOUT_URL`.
pub fn left_page(lang: Lang) -> String {
    let w = words(lang);
    layout(lang, w.title_left, &format!("<p>{}</p>", escape(w.left_body)), None)
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

/// The page around `body`: its language, title, a layout that reads on a 375 px phone, and
/// light and dark themes from `prefers-color-scheme`, all inline (the CSP allows no other origin).
fn layout(lang: Lang, title: &str, body: &str, back: Option<&str>) -> String {
    document(lang, title, "", &format!("<main><h1>{}</h1>{body}{}</main>", escape(title), back_link(lang, back)))
}

fn back_link(lang: Lang, back: Option<&str>) -> String {
    back.map(|url| format!("<p><a href=\"{}\">{}</a></p>", escape(url), escape(words(lang).back))).unwrap_or_default()
}

/// The document: `head` and `body` are markup already escaped.
fn document(lang: Lang, title: &str, head: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">\
<title>{title}</title><style>{STYLE}</style>{head}</head><body>{body}</body></html>",
        lang = lang.tag(),
        title = escape(title)
    )
}

/// Contrast: #1f2328 on #fff and #e6edf3 on #0d1117 are both above 12:1; the muted text
/// (#57606a / #9aa4ae) above 4.5:1 on its background.
const STYLE: &str = "*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;background:#fff;color:#1f2328}\
main{max-width:40rem;margin:0 auto;padding:2.5rem 1.25rem;overflow-wrap:anywhere}\
h1{font-size:1.4rem;line-height:1.3;margin:0 0 1rem}\
code{background:#eff1f3;padding:0 .25rem;border-radius:3px}\
.code,.detail{color:#57606a;font-size:.9rem}\
a{color:#0969da}\
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}code{background:#262c36}\
.code,.detail{color:#9aa4ae}a{color:#4493f8}}";

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
        let page = join_error_page(Some(JoinRefusal::of(&errors[0].key)), None, Lang::En);
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
        let page =
            join_error_page(Some(JoinRefusal::of("<script>")), Some("https://lms.example/?a=1&b=\"x\""), Lang::En);
        assert!(!page.contains("<script>"), "an unknown key is not echoed at all");
        assert!(page.contains("could not let you in"));
        assert!(page.contains("href=\"https://lms.example/?a=1&amp;b=&quot;x&quot;\""));
        let error = AppError::new(ErrorCode::ClaimInvalid, "<b>bad</b>");
        assert!(error_page(&error, None, Lang::De).contains("&lt;b&gt;bad&lt;/b&gt;"));
    }

    #[test]
    fn a_refusal_only_the_operator_can_fix_says_so() {
        let error = AppError::new(ErrorCode::ClaimInvalid, "deployment id \"9\" is not registered").for_operator();
        let page = error_page(&error, None, Lang::En);
        assert!(page.contains("<h1>This service is not configured</h1>") && page.contains("tell your support team"));
        assert!(page.contains("claim_invalid") && page.contains("deployment id &quot;9&quot;"));
        let plain = error_page(&AppError { operator_fix: false, ..error }, None, Lang::En);
        assert!(plain.contains("<h1>This join link is not valid</h1>"));
    }

    #[test]
    fn every_page_in_every_language() {
        let error = AppError::new(ErrorCode::TokenExpired, "The token has expired.");
        for lang in Lang::ALL {
            let w = words(lang);
            let pages = [
                error_page(&error, Some("https://lms.example/"), lang),
                join_error_page(Some(JoinRefusal::Full), None, lang),
                left_page(lang),
            ];
            for page in &pages {
                assert!(page.starts_with(&format!("<!doctype html><html lang=\"{}\">", lang.tag())), "{lang:?}");
                assert!(page.contains("<title>") && page.contains("prefers-color-scheme:dark"));
                assert!(page.contains("width=device-width"));
                assert!(!page.contains("http://") && !page.contains("src="), "nothing from another origin");
            }
            assert!(
                pages[0].contains(&escape(w.title_link_invalid)) && pages[0].contains(&escape(w.next_link_invalid))
            );
            assert!(pages[0].contains("token_expired") && pages[0].contains(&escape(w.back)));
            assert!(pages[1].contains(&escape(w.refused_full)) && pages[1].contains("maxParticipantsReached"));
            assert!(pages[2].contains(&escape(w.title_left)));
            if lang != Lang::En {
                assert!(
                    pages[0].contains("<span lang=\"en\">The token has expired.</span>"),
                    "the English detail is marked"
                );
            }
        }
    }

    #[test]
    fn catalogues_are_translated() {
        // Every sentence but the few that are the same word in both languages differs from English.
        let en = words(Lang::En);
        let fields = |w: &Words| {
            [
                w.waiting_room,
                w.title_link_invalid,
                w.title_server_trouble,
                w.title_not_configured,
                w.title_could_not_join,
                w.title_left,
                w.title_other,
                w.next_link_invalid,
                w.next_server_trouble,
                w.next_not_configured,
                w.next_not_found,
                w.next_could_not_join,
                w.next_other,
                w.left_body,
                w.error_code,
                w.reason_for_support,
                w.server_said,
                w.back,
                w.refused_ended,
                w.refused_full,
                w.refused_guest_denied,
                w.refused_unknown_meeting,
                w.refused_earlier_instance,
                w.refused_checksum,
                w.refused_bad_join_url,
                w.refused_other,
                w.title_waiting,
                w.waiting_lead,
                w.waiting_as,
                w.waited,
                w.waiting_long,
                w.keep_waiting,
            ]
        };
        for lang in [Lang::De, Lang::Fr, Lang::Es, Lang::PtBr] {
            for (theirs, english) in fields(words(lang)).iter().zip(fields(en)) {
                assert!(!theirs.is_empty() && *theirs != english, "{lang:?}: {english:?} is not translated");
            }
        }
    }
}
