//! Which language a page is in: the best of the browser's `Accept-Language` (RFC 9110 §12.5.4,
//! with q-values) among the languages the catalogue has, else English (CONTRACT §9).

/// A language the pages are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    PtBr,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::PtBr];

    /// The BCP 47 tag, for `<html lang>` and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::PtBr => "pt-BR",
        }
    }

    /// The language a range like `de-CH` or `pt` asks for, if the catalogue has it. Portuguese of
    /// any region gets Brazilian Portuguese, the one written.
    fn of_range(range: &str) -> Option<Lang> {
        let primary = range.split('-').next().unwrap_or_default().to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            "fr" => Some(Lang::Fr),
            "es" => Some(Lang::Es),
            "pt" => Some(Lang::PtBr),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header: the highest q among known ranges
    /// (the first one listed on a tie); English when none is known or the header is absent.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let mut best: Option<(u16, Lang)> = None;
        for item in accept_language.unwrap_or_default().split(',').take(32) {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or_default().trim();
            let q = match parts.find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q="))) {
                None => 1000,
                Some(text) => match quality(text) {
                    Some(q) => q,
                    None => continue, // a malformed weight: the range is not trusted
                },
            };
            if q == 0 {
                continue;
            }
            if let Some(lang) = Lang::of_range(range) {
                if best.is_none_or(|(best_q, _)| q > best_q) {
                    best = Some((q, lang));
                }
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }
}

/// A q-value in thousandths (`0.8` → 800), or None when it is not one.
fn quality(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(fraction),
        "1" if fraction == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_best_known_language() {
        assert_eq!(Lang::negotiate(None), Lang::En);
        assert_eq!(Lang::negotiate(Some("")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de-DE,de;q=0.9,en;q=0.8")), Lang::De);
        assert_eq!(Lang::negotiate(Some("ja,fr;q=0.5")), Lang::Fr, "an unknown first choice is skipped");
        assert_eq!(Lang::negotiate(Some("en;q=0.4, es;q=0.7")), Lang::Es, "by q, not by order");
        assert_eq!(Lang::negotiate(Some("pt-PT")), Lang::PtBr);
        assert_eq!(Lang::negotiate(Some("PT-br")), Lang::PtBr);
        assert_eq!(Lang::negotiate(Some("fr;q=0, de;q=0.1")), Lang::De, "q=0 means not this one");
        assert_eq!(Lang::negotiate(Some("zh-CN,ja")), Lang::En, "nothing known: English");
        assert_eq!(Lang::negotiate(Some("*")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de;q=2, fr")), Lang::Fr, "a bad q-value is not 1");
        assert_eq!(Lang::negotiate(Some("fr, de")), Lang::Fr, "a tie goes to the first");
    }

    #[test]
    fn quality_values() {
        assert_eq!(quality("1"), Some(1000));
        assert_eq!(quality("1.000"), Some(1000));
        assert_eq!(quality("0.5"), Some(500));
        assert_eq!(quality("0.125"), Some(125));
        assert_eq!(quality("0"), Some(0));
        assert_eq!(quality("0.1234"), None);
        assert_eq!(quality("1.5"), None);
        assert_eq!(quality("x"), None);
    }
}
