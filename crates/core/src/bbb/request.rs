//! Signed BBB requests: the API base URL, the call names, and the checksum appended to the query.

use std::fmt;

use super::checksum::ChecksumAlgorithm;
use super::query::Query;
use crate::secret::Secret;
use crate::web_url::{self, Transport};

/// The BBB API calls bbb-edge makes. The name is part of the hashed string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiCall {
    Create,
    Join,
    IsMeetingRunning,
    GetMeetingInfo,
    GetMeetings,
    End,
    GetRecordings,
    PublishRecordings,
    UpdateRecordings,
    DeleteRecordings,
}

impl ApiCall {
    pub fn name(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Join => "join",
            Self::IsMeetingRunning => "isMeetingRunning",
            Self::GetMeetingInfo => "getMeetingInfo",
            Self::GetMeetings => "getMeetings",
            Self::End => "end",
            Self::GetRecordings => "getRecordings",
            Self::PublishRecordings => "publishRecordings",
            Self::UpdateRecordings => "updateRecordings",
            Self::DeleteRecordings => "deleteRecordings",
        }
    }
}

/// `BBB_URL` normalised to the API root, always ending in `/api/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiBase {
    url: String,
    /// End of the scheme, host and port.
    origin_end: usize,
}

/// Why a `BBB_URL` value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidBaseUrl(pub &'static str);

impl ApiBase {
    /// Accepts `https://bbb.example.org/bigbluebutton/` with or without `api/` and trailing slash;
    /// plain http only for a loopback host (the local simulator).
    pub fn parse(raw: &str) -> Result<Self, InvalidBaseUrl> {
        let url = web_url::parse(raw, Transport::HttpsOrLoopback).map_err(InvalidBaseUrl)?;
        if url.query().is_some() {
            return Err(InvalidBaseUrl("must not contain a query"));
        }
        let trimmed = url.as_str().trim_end_matches('/');
        let api = if trimmed.ends_with("/api") { trimmed.to_owned() } else { format!("{trimmed}/api") };
        Ok(ApiBase { url: format!("{api}/"), origin_end: url.origin().len() })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// Scheme, host and port only.
    pub fn origin(&self) -> &str {
        &self.url[..self.origin_end]
    }

    /// The API index (`GET /bigbluebutton/api`), which answers without a checksum.
    pub fn index_url(&self) -> &str {
        self.url.trim_end_matches('/')
    }
}

/// How bbb-edge signs: the server's secret and the chosen hash.
#[derive(Clone, Debug)]
pub struct Signer {
    pub secret: Secret,
    pub algorithm: ChecksumAlgorithm,
}

impl Signer {
    /// Hashes exactly `query`'s bytes and appends `checksum=` to those same bytes.
    pub fn sign(&self, base: &ApiBase, call: ApiCall, query: &Query) -> SignedUrl {
        let checksum = self.algorithm.checksum(call.name(), query.as_str(), &self.secret);
        let separator = if query.is_empty() { "" } else { "&" };
        SignedUrl {
            call,
            url: format!("{}{}?{}{separator}checksum={checksum}", base.as_str(), call.name(), query.as_str()),
        }
    }
}

/// A complete signed BBB URL. It is a bearer credential (a join URL lets anyone in), so its `Debug`
/// shows only the call name; the URL itself goes to `fetch` or a `Location` header and nowhere else.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedUrl {
    call: ApiCall,
    url: String,
}

impl SignedUrl {
    pub fn call(&self) -> ApiCall {
        self.call
    }

    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SignedUrl({}, [redacted])", self.call.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_is_normalised_to_the_api_root() {
        for raw in [
            "https://bbb.example.org/bigbluebutton",
            "https://bbb.example.org/bigbluebutton/",
            "https://bbb.example.org/bigbluebutton/api",
            "https://bbb.example.org/bigbluebutton/api/",
            " https://bbb.example.org/bigbluebutton/api// ",
            "https://BBB.example.org/bigbluebutton",
        ] {
            assert_eq!(ApiBase::parse(raw).unwrap().as_str(), "https://bbb.example.org/bigbluebutton/api/", "{raw}");
        }
    }

    #[test]
    fn base_url_without_scheme_or_with_query_is_refused() {
        for raw in [
            "bbb.example.org/bigbluebutton",
            "https://",
            "https://x/b?x=1",
            "ftp://x/b",
            "https://x/a b",
            "https://bücher.example/b",
            "http://bbb.example.org/bigbluebutton",
            "http://localhost@bbb.example.org/bigbluebutton",
        ] {
            assert!(ApiBase::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn signed_url_debug_hides_the_url() {
        let signer = Signer { secret: Secret::new("s3cret"), algorithm: ChecksumAlgorithm::Sha256 };
        let base = ApiBase::parse("https://bbb.test/bigbluebutton").unwrap();
        let mut query = Query::new();
        query.push("meetingID", "m1");
        let signed = signer.sign(&base, ApiCall::Join, &query);
        let shown = format!("{signed:?}");
        assert!(!shown.contains("checksum") && !shown.contains("bbb.test"), "{shown}");
    }

    #[test]
    fn empty_query_signs_only_the_call_name() {
        let signer = Signer { secret: Secret::new("AFFE"), algorithm: ChecksumAlgorithm::Sha1 };
        let base = ApiBase::parse("https://bbb.test/bigbluebutton/api/").unwrap();
        let signed = signer.sign(&base, ApiCall::IsMeetingRunning, &Query::new());
        let expected = ChecksumAlgorithm::Sha1.checksum("isMeetingRunning", "", &signer.secret);
        assert_eq!(signed.expose(), format!("https://bbb.test/bigbluebutton/api/isMeetingRunning?checksum={expected}"));
    }
}
