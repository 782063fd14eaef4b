//! The BBB section: `BBB_SERVERS` (a JSON list, CONTRACT §8) with a secret per server, or the pool
//! of one that `BBB_URL` + `BBB_SECRET` + `BBB_CHECKSUM_ALGORITHM` make (server `default`); and
//! how the pool is polled.

use serde::Deserialize;

use super::{non_empty, ConfigSource, Problems};
use crate::bbb::{ApiBase, ChecksumAlgorithm, Signer};
use crate::pool::{Pool, Server, ServerId};
use crate::secret::Secret;

/// How the pool is polled (CONTRACT §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollSettings {
    /// `POOL_POLL_SECONDS`: the interval between two polls.
    pub poll_seconds: u64,
    /// `POOL_FAIL_POLLS`: failed polls in a row that make a server `offline`.
    pub fail_polls: u32,
    /// `POOL_RECOVER_POLLS`: good polls in a row that make it `online` again.
    pub recover_polls: u32,
    /// `POOL_POLL_BATCH`: servers polled per Durable Object invocation, so a poll of any pool size
    /// stays within the platform's subrequest limit (50 on the free plan, 1000 on paid).
    pub batch: usize,
}

pub(super) fn polling(source: &impl ConfigSource, problems: &mut Problems) -> PollSettings {
    let var = |name: &str| non_empty(source.var(name));
    PollSettings {
        poll_seconds: problems.number("POOL_POLL_SECONDS", var("POOL_POLL_SECONDS"), 60, 10..=3600),
        fail_polls: problems.number("POOL_FAIL_POLLS", var("POOL_FAIL_POLLS"), 2, 1..=100) as u32,
        recover_polls: problems.number("POOL_RECOVER_POLLS", var("POOL_RECOVER_POLLS"), 2, 1..=100) as u32,
        batch: problems.number("POOL_POLL_BATCH", var("POOL_POLL_BATCH"), 40, 1..=900) as usize,
    }
}

/// The servers: the pool when all is well, and the ids listed when the list could be read
/// (other sections check against them even when a server's secret is missing).
pub(super) struct Servers {
    pub pool: Option<Pool>,
    pub ids: Option<Vec<ServerId>>,
}

pub(super) fn load(source: &impl ConfigSource, problems: &mut Problems) -> Servers {
    let var = |name: &str| non_empty(source.var(name));
    match var("BBB_SERVERS") {
        None => Servers { pool: single(source, problems).map(Pool::of_one), ids: Some(vec![ServerId::default_id()]) },
        Some(listed) => {
            // (BBB_CHECKSUM_ALGORITHM is ignored here: each entry has its own `checksum`.)
            if var("BBB_URL").is_some() {
                problems.invalid("BBB_URL", "is for a single server; with BBB_SERVERS, list every server there");
            }
            if non_empty(source.secret("BBB_SECRET")).is_some() {
                problems.invalid("BBB_SECRET", "is for BBB_URL; with BBB_SERVERS each server has BBB_SECRET_<ID>");
            }
            let Some(parsed) = problems.parse("BBB_SERVERS", Some(listed), parse_list) else {
                return Servers { pool: None, ids: None };
            };
            let ids = parsed.iter().map(|p| p.id.clone()).collect();
            let count = parsed.len();
            let servers: Vec<Server> =
                parsed.into_iter().filter_map(|listed| with_secrets(listed, source, problems)).collect();
            Servers { pool: (servers.len() == count).then(|| Pool::new(servers)), ids: Some(ids) }
        }
    }
}

/// `BBB_URL` and friends: one server with the id `default`.
fn single(source: &impl ConfigSource, problems: &mut Problems) -> Option<Server> {
    let var = |name: &str| non_empty(source.var(name));
    let base = problems.require("BBB_URL", var("BBB_URL"), |v| ApiBase::parse(v).map_err(|e| e.0.to_owned()));
    let algorithm =
        problems.parse("BBB_CHECKSUM_ALGORITHM", var("BBB_CHECKSUM_ALGORITHM"), algorithm).unwrap_or_default();
    let secret = non_empty(source.secret("BBB_SECRET")).map(Secret::new);
    if secret.is_none() {
        problems.missing("BBB_SECRET");
    }
    let previous = non_empty(source.secret("BBB_SECRET_PREVIOUS")).map(Secret::new);
    Some(Server {
        id: ServerId::default_id(),
        base: base?,
        signer: Signer { secret: secret?, algorithm },
        previous_secret: previous,
        load_multiplier: 1.0,
        tags: Vec::new(),
    })
}

fn algorithm(value: &str) -> Result<ChecksumAlgorithm, String> {
    value.parse::<ChecksumAlgorithm>().map_err(|_| "must be sha1, sha256, sha384 or sha512".to_owned())
}

/// One entry of `BBB_SERVERS`, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Listed {
    id: String,
    url: String,
    checksum: Option<String>,
    load_multiplier: Option<f64>,
    #[serde(default)]
    tags: Vec<String>,
}

/// A server without its secret yet.
struct Parsed {
    id: ServerId,
    base: ApiBase,
    algorithm: ChecksumAlgorithm,
    load_multiplier: f64,
    tags: Vec<String>,
}

/// The list, checked entry by entry; the message says which entry and which field, never a value.
fn parse_list(json: &str) -> Result<Vec<Parsed>, String> {
    let listed: Vec<Listed> = serde_json::from_str(json).map_err(|error| {
        format!(
            "must be a JSON array of {{\"id\", \"url\", \"checksum\"?, \"load_multiplier\"?, \"tags\"?}} (line {}, column {})",
            error.line(),
            error.column()
        )
    })?;
    if listed.is_empty() {
        return Err("lists no server".into());
    }
    let mut servers: Vec<Parsed> = Vec::new();
    for (index, entry) in listed.into_iter().enumerate() {
        let at = |what: &str| format!("entry {}: {what}", index + 1);
        let id = ServerId::parse(&entry.id).map_err(|e| at(&format!("`id` {e}")))?;
        if servers.iter().any(|s| s.id == id) {
            return Err(at(&format!("the id {id} is listed twice")));
        }
        let base = ApiBase::parse(&entry.url).map_err(|e| at(&format!("`url` {}", e.0)))?;
        if servers.iter().any(|s| s.base == base) {
            return Err(at("`url` is another entry's server"));
        }
        let algorithm =
            entry.checksum.as_deref().map(algorithm).transpose().map_err(|e| at(&format!("`checksum` {e}")))?;
        let load_multiplier = entry.load_multiplier.unwrap_or(1.0);
        if !(load_multiplier.is_finite() && load_multiplier > 0.0) {
            return Err(at("`load_multiplier` must be a number above 0"));
        }
        if entry.tags.iter().any(|t| t.is_empty() || t.ends_with('!') || t.len() > 64) {
            return Err(at("`tags` must be non-empty names up to 64 characters, not ending in `!`"));
        }
        servers.push(Parsed { id, base, algorithm: algorithm.unwrap_or_default(), load_multiplier, tags: entry.tags });
    }
    Ok(servers)
}

fn with_secrets(parsed: Parsed, source: &impl ConfigSource, problems: &mut Problems) -> Option<Server> {
    let name = parsed.id.secret_name();
    let secret = non_empty(source.secret(&name)).map(Secret::new);
    if secret.is_none() {
        problems.missing(name.clone());
    }
    let previous = non_empty(source.secret(&format!("{name}_PREVIOUS"))).map(Secret::new);
    Some(Server {
        id: parsed.id,
        base: parsed.base,
        signer: Signer { secret: secret?, algorithm: parsed.algorithm },
        previous_secret: previous,
        load_multiplier: parsed.load_multiplier,
        tags: parsed.tags,
    })
}
