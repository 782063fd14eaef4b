//! The waiting room's page (CONTRACT §9): who waits for which meeting, for how long, and what
//! happens next. Its script opens a WebSocket to the meeting's Durable Object and follows the
//! `go` it is sent; without JavaScript a `<meta http-equiv="refresh">` (inside `<noscript>`, so
//! it never fires beside the socket) asks again every [`REFRESH_SECONDS`]. The script is inline
//! and allowed by its hash alone ([`wait_script_hash`]); it reads everything from `data-`
//! attributes, so its text, and so its hash, never changes.

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

use super::{back_link, document, escape, words, Lang};
use crate::waiting::REFRESH_SECONDS;

/// What a waiting page shows.
pub struct WaitingPage<'a> {
    pub lang: Lang,
    pub meeting_name: &'a str,
    pub full_name: &'a str,
    /// When the wait began and now (seconds since the epoch), and its maximum.
    pub since: i64,
    pub now: i64,
    pub max_seconds: u32,
    /// The page's own address (`/join/wait/{ticket}`): the refresh and the reload go there.
    pub page_path: &'a str,
    /// Where the script opens its socket.
    pub socket_path: &'a str,
    /// "Keep waiting" (a wait started again).
    pub again_path: &'a str,
    pub back: Option<&'a str>,
}

pub fn waiting_page(page: &WaitingPage) -> String {
    let w = words(page.lang);
    let too_long = page.now - page.since > page.max_seconds as i64;
    let waited = (page.now - page.since).max(0);
    let clock = format!("{}:{:02}", waited / 60, waited % 60);
    let (before, after) = w.waited.split_once("{}").unwrap_or((w.waited, ""));
    let max_minutes = page.max_seconds.div_ceil(60).to_string();
    let head = if too_long {
        WAIT_STYLE.to_owned()
    } else {
        format!(
            "{WAIT_STYLE}<noscript><meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS};url={}\"></noscript>",
            escape(page.page_path)
        )
    };
    let body = format!(
        "<main{class} id=\"wait\" data-since=\"{since}\" data-now=\"{now}\" data-max=\"{max}\" data-page=\"{page_path}\" data-socket=\"{socket}\">\
<p class=\"eyebrow\">{room}</p><h1>{meeting}</h1>\
<div class=\"waiting\"><p class=\"lead\"><span class=\"dot\" aria-hidden=\"true\"></span>{lead}</p>\
<p>{waiting_as} <strong>{name}</strong></p>\
<p class=\"detail\" aria-live=\"polite\">{before}<span id=\"waited\">{clock}</span>{after}</p></div>\
<div class=\"later\"><p>{long}</p><p><a class=\"button\" href=\"{again}\">{keep}</a></p></div>{back}</main>\
<script>{WAIT_SCRIPT}</script>",
        class = if too_long { " class=\"long\"" } else { "" },
        since = page.since,
        now = page.now,
        max = page.max_seconds,
        page_path = escape(page.page_path),
        socket = escape(page.socket_path),
        room = escape(w.waiting_room),
        meeting = escape(page.meeting_name),
        lead = escape(w.waiting_lead),
        waiting_as = escape(w.waiting_as),
        name = escape(page.full_name),
        before = escape(before),
        after = escape(after),
        long = escape(&w.waiting_long.replace("{}", &max_minutes)),
        again = escape(page.again_path),
        keep = escape(w.keep_waiting),
        back = back_link(page.lang, page.back),
    );
    document(page.lang, &format!("{} · {}", w.title_waiting, page.meeting_name), &head, &body)
}

/// `'sha256-…'` of the inline script, for the page's `script-src`.
pub fn wait_script_hash() -> String {
    format!("'sha256-{}'", Base64::encode_string(&Sha256::digest(WAIT_SCRIPT.as_bytes())))
}

/// The page's script: the time waited, the socket (reconnecting with backoff; after a few
/// failures it reloads the page, which asks the worker; not when a newer page of the same viewer
/// took its place, close code 4000), and the maximum wait.
const WAIT_SCRIPT: &str = r#"(function(){var m=document.getElementById("wait"),d=m.dataset,since=+d.since,max=+d.max,skew=Date.now()/1e3-d.now,clock=document.getElementById("waited"),done=false,tries=0,ws=null,ping=0;history.replaceState(null,"",d.page);function tick(){var w=Date.now()/1e3-skew-since;var s=Math.max(0,Math.floor(w));clock.textContent=Math.floor(s/60)+":"+(s%60<10?"0":"")+s%60;if(w>max&&!done){done=true;m.classList.add("long");if(ws)ws.close()}}function connect(){if(done)return;if(tries>5){location.replace(d.page);return}var u=new URL(d.socket,location.href);u.protocol=u.protocol=="https:"?"wss:":"ws:";ws=new WebSocket(u.href);ws.onopen=function(){tries=0;ping=setInterval(function(){if(ws.readyState==1)ws.send("ping")},30000)};ws.onmessage=function(e){var go;try{go=JSON.parse(e.data).go}catch(x){}if(go){done=true;location.replace(go)}};ws.onclose=function(e){clearInterval(ping);if(!done&&e.code!=4000)setTimeout(connect,Math.min(30000,500*Math.pow(2,tries++)))}}tick();setInterval(tick,1000);connect()})();"#;

/// The room's own look: a quiet pulse while waiting (still for reduced motion), and the "keep
/// waiting" part shown only once the wait is too long.
const WAIT_STYLE: &str = "<style>.eyebrow{margin:0 0 .25rem;color:#57606a;font-size:.85rem;letter-spacing:.06em;text-transform:uppercase}\
.lead{display:flex;gap:.75rem;align-items:baseline}\
.dot{flex:none;width:.7rem;height:.7rem;border-radius:50%;background:#1a7f37;animation:pulse 1.6s ease-in-out infinite}\
@keyframes pulse{50%{opacity:.25}}@media (prefers-reduced-motion:reduce){.dot{animation:none}}\
.later{display:none}.long .later{display:block}.long .waiting{display:none}\
.button{display:inline-block;padding:.6rem 1.1rem;border-radius:6px;background:#0969da;color:#fff;text-decoration:none;font-weight:600}\
@media (prefers-color-scheme:dark){.eyebrow{color:#9aa4ae}.dot{background:#3fb950}.button{background:#1f6feb;color:#fff}}</style>";

#[cfg(test)]
mod tests {
    use super::*;

    fn page(lang: Lang, now: i64) -> String {
        waiting_page(&WaitingPage {
            lang,
            meeting_name: "Biology <101>",
            full_name: "Zoë \"Z\"",
            since: 1000,
            now,
            max_seconds: 3600,
            page_path: "/join/wait/abc.def",
            socket_path: "/join/wait/abc.def/socket",
            again_path: "/join/wait/abc.def/again",
            back: None,
        })
    }

    #[test]
    fn a_waiting_page_says_who_waits_for_what_and_refreshes_without_script() {
        let html = page(Lang::En, 1000 + 185);
        assert!(html.contains("<h1>Biology &lt;101&gt;</h1>") && html.contains("<strong>Zoë &quot;Z&quot;</strong>"));
        assert!(html.contains("<title>Waiting for the meeting to start · Biology &lt;101&gt;</title>"));
        assert!(html.contains("Waiting time: <span id=\"waited\">3:05</span>"));
        assert!(
            html.contains("<noscript><meta http-equiv=\"refresh\" content=\"10;url=/join/wait/abc.def\"></noscript>")
        );
        assert!(html.contains("<main id=\"wait\""), "not marked too long");
        assert!(html.contains(&format!("<script>{WAIT_SCRIPT}</script>")));
    }

    #[test]
    fn past_the_maximum_it_stops_refreshing_and_offers_to_keep_waiting() {
        let html = page(Lang::De, 1000 + 3601);
        assert!(html.contains("<main class=\"long\" id=\"wait\""));
        assert!(!html.contains("http-equiv=\"refresh\""));
        assert!(
            html.contains("mehr als 60 Minuten") && html.contains("href=\"/join/wait/abc.def/again\">Weiter warten")
        );
    }

    #[test]
    fn every_language_has_the_room() {
        for lang in Lang::ALL {
            let html = page(lang, 1100);
            let w = words(lang);
            assert!(html.starts_with(&format!("<!doctype html><html lang=\"{}\">", lang.tag())));
            assert!(html.contains(&escape(w.waiting_lead)) && html.contains(&escape(w.keep_waiting)));
            assert!(w.waited.matches("{}").count() == 1 && w.waiting_long.matches("{}").count() == 1, "{lang:?}");
            assert!(!html.split("<script>").next().unwrap().contains("{}"), "every number filled in");
            assert!(!html.contains("src=") && !html.contains("http://"), "nothing from another origin");
        }
    }

    #[test]
    fn the_script_hash_is_of_the_script_as_served() {
        let hash = wait_script_hash();
        assert!(hash.starts_with("'sha256-") && hash.ends_with("='"), "{hash}");
        assert!(!WAIT_SCRIPT.contains("</"), "the script cannot end its element early");
    }
}
