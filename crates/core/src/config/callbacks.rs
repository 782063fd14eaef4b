//! The key of the worker's own callback-URL tokens and recovery tickets: `CALLBACK_SECRET`, or,
//! without it, a key derived from the BBB secret of the server `default` (the pool of one, or the
//! server that was `BBB_URL` kept under that id), so one secret never keys two things.

use super::{non_empty, ConfigSource, Problems};
use crate::mac::{self, Purpose};
use crate::pool::{Pool, ServerId};
use crate::secret::Secret;

const DERIVED: Purpose = Purpose(b"bbb-edge callback key v1");

#[derive(Clone, Debug)]
pub struct CallbackKeys {
    /// Signs new callback URLs and tickets.
    pub key: Secret,
    /// Still accepted: `CALLBACK_SECRET_PREVIOUS`, and the keys derived from every server's
    /// secrets (current and previous), so URLs handed to BBB before a rotation, before
    /// `CALLBACK_SECRET` was set, or under the pool of one stay valid. They never sign.
    pub accepted: Vec<Secret>,
}

impl CallbackKeys {
    /// Keys a callback token or ticket may be signed with: the current one first.
    pub fn all(&self) -> Vec<&Secret> {
        std::iter::once(&self.key).chain(&self.accepted).collect()
    }
}

/// `ids`: the servers listed, checked even when `pool` is not whole (a missing server secret is
/// its own problem, not also this one's); `None` when the list could not be read at all.
pub(super) fn load(
    source: &impl ConfigSource,
    pool: Option<&Pool>,
    ids: Option<&[ServerId]>,
    problems: &mut Problems,
) -> Option<CallbackKeys> {
    let explicit = non_empty(source.secret("CALLBACK_SECRET")).map(Secret::new);
    if explicit.is_none() && ids.is_some_and(|ids| !ids.contains(&ServerId::default_id())) {
        problems.invalid(
            "CALLBACK_SECRET",
            "is required with BBB_SERVERS unless one server has the id `default` (its secret then keys the callback URLs)",
        );
        return None;
    }
    let pool = pool?;
    let derived: Vec<Secret> = pool
        .servers()
        .iter()
        .flat_map(|server| server.inbound_secrets())
        .map(|secret| mac::derive(secret, DERIVED))
        .collect();
    let previous = non_empty(source.secret("CALLBACK_SECRET_PREVIOUS")).map(Secret::new);
    let key = match explicit {
        Some(key) => key,
        // Present: `ids` holds `default`, and the pool is whole.
        None => mac::derive(&pool.get(&ServerId::default_id())?.signer.secret, DERIVED),
    };
    let mut accepted: Vec<Secret> = previous.into_iter().chain(derived).collect();
    accepted.retain(|k| k != &key);
    accepted.dedup();
    Some(CallbackKeys { key, accepted })
}
