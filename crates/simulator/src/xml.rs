//! Writing BBB-shaped XML (the freemarker templates of bigbluebutton-web, compressed).

use std::fmt::Write;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// `<response><returncode>…</returncode>` + elements, in order.
pub struct ResponseXml(String);

impl ResponseXml {
    pub fn success() -> Self {
        ResponseXml("<response><returncode>SUCCESS</returncode>".to_owned())
    }

    /// XML without the envelope, for pieces such as one `<recording>`.
    pub fn fragment() -> Self {
        ResponseXml(String::new())
    }

    pub fn into_inner(self) -> String {
        self.0
    }

    pub fn failed(key: &str, message: &str) -> String {
        let mut xml = ResponseXml("<response><returncode>FAILED</returncode>".to_owned());
        xml.field("messageKey", key).field("message", message);
        xml.finish()
    }

    pub fn field(&mut self, name: &str, value: impl AsRef<str>) -> &mut Self {
        let _ = write!(self.0, "<{name}>{}</{name}>", escape(value.as_ref()));
        self
    }

    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.0.push_str(xml);
        self
    }

    pub fn finish(mut self) -> String {
        self.0.push_str("</response>");
        self.0
    }
}

/// Quotes a string the way `java.net.URI`'s multi-argument constructors quote a query: reserved
/// and unreserved characters stay, everything else (space, `"`, `{`, `%`, non-ASCII…) becomes `%XX`.
/// This is how bbb-web builds `?errors=` on join redirects.
pub fn java_uri_quote(text: &str) -> String {
    const KEEP: &[u8] = b"-_.!~*'();/?:@&=+$,[]";
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric() || KEEP.contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_the_location_headers_seen_in_bbb_issues() {
        let json = r#"[{"message":"You can not join a meeting that has already been forcibly ended","key":"meetingForciblyEnded"}]"#;
        assert_eq!(
            java_uri_quote(json),
            "[%7B%22message%22:%22You%20can%20not%20join%20a%20meeting%20that%20has%20already%20been%20forcibly%20ended%22,%22key%22:%22meetingForciblyEnded%22%7D]"
        );
    }
}
