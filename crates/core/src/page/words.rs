//! Every sentence a page shows, one catalogue per language (`words/*.rs`). A catalogue is a
//! value of [`Words`]: a language that misses a sentence does not compile. To add a language,
//! copy `words/en.rs`, translate it, and name it in `lang.rs` and [`words`].

use super::lang::Lang;

mod de;
mod en;
mod es;
mod fr;
mod pt_br;

/// The sentences of the pages, in one language.
pub struct Words {
    // Titles, by what went wrong.
    pub title_link_invalid: &'static str,
    pub title_server_trouble: &'static str,
    pub title_not_configured: &'static str,
    pub title_not_found: &'static str,
    pub title_could_not_join: &'static str,
    pub title_left: &'static str,
    pub title_other: &'static str,
    // What to do next, by the same kinds.
    pub next_link_invalid: &'static str,
    pub next_server_trouble: &'static str,
    pub next_not_configured: &'static str,
    pub next_not_found: &'static str,
    pub next_could_not_join: &'static str,
    pub next_other: &'static str,
    pub left_body: &'static str,
    // Labels.
    pub details: &'static str,
    pub error_code: &'static str,
    pub reason_for_support: &'static str,
    pub server_said: &'static str,
    pub back: &'static str,
    // Why BBB did not let someone in (`JoinRefusal`).
    pub refused_ended: &'static str,
    pub refused_full: &'static str,
    pub refused_guest_denied: &'static str,
    pub refused_unknown_meeting: &'static str,
    pub refused_earlier_instance: &'static str,
    pub refused_checksum: &'static str,
    pub refused_bad_join_url: &'static str,
    pub refused_other: &'static str,
    // The waiting room (CONTRACT §9). `{}` is the time waited (`m:ss`) in `waited`, minutes in
    // `waiting_long`.
    pub waiting_room: &'static str,
    pub title_waiting: &'static str,
    pub waiting_lead: &'static str,
    pub waiting_as: &'static str,
    pub waited: &'static str,
    pub waiting_long: &'static str,
    pub keep_waiting: &'static str,
}

/// The catalogue of `lang`.
pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &en::WORDS,
        Lang::De => &de::WORDS,
        Lang::Fr => &fr::WORDS,
        Lang::Es => &es::WORDS,
        Lang::PtBr => &pt_br::WORDS,
    }
}
