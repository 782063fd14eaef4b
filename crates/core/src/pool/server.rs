//! One BBB server of the pool: its id, API base, signer (secret and checksum algorithm), the
//! previous secret during a rotation, its load multiplier and tags (CONTRACT §8).

use std::fmt;
use std::time::Duration;

use crate::bbb::{ApiBase, BbbClient, Signer, Transport};
use crate::secret::Secret;

/// A server id: 1–32 characters of `a-z 0-9 -`. `default` is the pool of one made from `BBB_URL`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ServerId(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidServerId;

impl fmt::Display for InvalidServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("must be 1 to 32 characters of a-z, 0-9 and -")
    }
}

impl ServerId {
    pub fn parse(raw: &str) -> Result<ServerId, InvalidServerId> {
        let ok = (1..=32).contains(&raw.len())
            && raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(ServerId(raw.to_owned()))
        } else {
            Err(InvalidServerId)
        }
    }

    /// The id of the pool of one that `BBB_URL` makes.
    pub fn default_id() -> ServerId {
        ServerId("default".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The secret holding this server's shared secret: `BBB_SECRET_<ID>`, upper-cased, `-` as `_`.
    pub fn secret_name(&self) -> String {
        format!("BBB_SECRET_{}", self.0.to_ascii_uppercase().replace('-', "_"))
    }
}

impl Default for ServerId {
    /// Instances stored before there were pools were all on the pool of one.
    fn default() -> Self {
        ServerId::default_id()
    }
}

impl From<ServerId> for String {
    fn from(id: ServerId) -> String {
        id.0
    }
}

impl TryFrom<String> for ServerId {
    type Error = InvalidServerId;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        ServerId::parse(&raw)
    }
}

impl fmt::Debug for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerId({})", self.0)
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Clone, Debug)]
pub struct Server {
    pub id: ServerId,
    pub base: ApiBase,
    pub signer: Signer,
    /// Accepted for inbound callbacks during a rotation (`BBB_SECRET_<ID>_PREVIOUS`); never signs.
    pub previous_secret: Option<Secret>,
    pub load_multiplier: f64,
    pub tags: Vec<String>,
}

impl Server {
    /// The BBB adapter for this server, for one call or one request: nothing is copied.
    pub fn client<'a, T: Transport>(&'a self, transport: &'a T, timeout: Duration) -> BbbClient<'a, T> {
        BbbClient::new(&self.base, &self.signer, timeout, transport)
    }

    /// Secrets a callback from this server may be signed with: the current one, then the previous.
    pub fn inbound_secrets(&self) -> Vec<&Secret> {
        std::iter::once(&self.signer.secret).chain(self.previous_secret.as_ref()).collect()
    }

    /// Scheme, host and port only: what `/api/v1/servers` shows.
    pub fn origin(&self) -> &str {
        self.base.origin()
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_their_secret_names() {
        assert_eq!(ServerId::parse("bbb1").unwrap().secret_name(), "BBB_SECRET_BBB1");
        assert_eq!(ServerId::parse("eu-west-2").unwrap().secret_name(), "BBB_SECRET_EU_WEST_2");
        assert!(ServerId::parse(&"a".repeat(32)).is_ok());
        for bad in ["", "BBB1", "bbb_1", "bbb 1", "ü", &"a".repeat(33)] {
            assert!(ServerId::parse(bad).is_err(), "{bad}");
        }
    }
}
