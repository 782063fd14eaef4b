//! Settings (CONTRACT §2, §8), read once from vars and secrets into types, in sections that each
//! load and report their own problems: the BBB servers (`servers.rs`), host tokens (`tokens.rs`),
//! the worker's callback keys (`callbacks.rs`) and host webhooks (`webhooks.rs`). Every problem is
//! collected, so `/healthz` can name them all at once; values are never echoed.

mod callbacks;
mod servers;
mod tokens;
mod webhooks;

use std::fmt;
use std::time::Duration;

pub use callbacks::CallbackKeys;
pub use servers::PollSettings;
pub use tokens::{JwksSource, MIN_JWT_SECRET_BYTES};
pub use webhooks::{WebhookTarget, Webhooks};

use crate::lti::LtiPlatforms;
use crate::pool::Pool;
use crate::role::ModeratorRoles;
use crate::token::TokenPolicy;
use crate::waiting::WaitSettings;
use crate::web_url::{self, Transport};

/// Where settings come from: `[vars]` and secret storage at the edge, a map in tests.
pub trait ConfigSource {
    fn var(&self, name: &str) -> Option<String>;
    fn secret(&self, name: &str) -> Option<String>;
}

#[derive(Clone, Debug)]
pub struct Config {
    /// The BBB servers: `BBB_SERVERS`, or the pool of one that `BBB_URL` makes.
    pub pool: Pool,
    pub polling: PollSettings,
    pub bbb_timeout: Duration,
    pub public_url: PublicUrl,
    pub tokens: TokenPolicy,
    pub moderator_roles: ModeratorRoles,
    /// The host app's JWKS, for asymmetric tokens.
    pub jwks: Option<JwksSource>,
    pub logout_url: Option<String>,
    /// The worker's own callback-URL tokens and recovery tickets.
    pub callbacks: CallbackKeys,
    pub webhooks: Webhooks,
    /// `WAIT_FOR_MODERATOR`, `WAIT_MAX_SECONDS` (CONTRACT §9).
    pub waiting: WaitSettings,
    /// `LTI_PLATFORMS` (CONTRACT §10): the LMSs that may launch bbb-edge.
    pub lti: LtiPlatforms,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigProblem {
    Missing(String),
    Invalid(String, String),
}

/// Everything wrong with the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub Vec<ConfigProblem>);

impl ConfigError {
    /// The names of the settings at fault, for `/healthz`.
    pub fn setting_names(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|problem| match problem {
                ConfigProblem::Missing(name) | ConfigProblem::Invalid(name, _) => name.as_str(),
            })
            .collect()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("This service is not configured correctly. ")?;
        let missing: Vec<&str> = self
            .0
            .iter()
            .filter_map(|p| match p {
                ConfigProblem::Missing(name) => Some(name.as_str()),
                ConfigProblem::Invalid(..) => None,
            })
            .collect();
        if !missing.is_empty() {
            write!(f, "Missing settings: {}. ", missing.join(", "))?;
        }
        for problem in &self.0 {
            if let ConfigProblem::Invalid(name, reason) = problem {
                write!(f, "{name} {reason}. ")?;
            }
        }
        Ok(())
    }
}

/// Where a section's problems go while it loads.
#[derive(Default)]
pub(crate) struct Problems(Vec<ConfigProblem>);

impl Problems {
    pub fn missing(&mut self, name: impl Into<String>) {
        self.0.push(ConfigProblem::Missing(name.into()));
    }

    pub fn invalid(&mut self, name: impl Into<String>, reason: impl Into<String>) {
        self.0.push(ConfigProblem::Invalid(name.into(), reason.into()));
    }

    pub fn names(&self, name: &str) -> bool {
        self.0.iter().any(|p| matches!(p, ConfigProblem::Missing(n) | ConfigProblem::Invalid(n, _) if n == name))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses a present value; a failure is recorded under `name`.
    pub fn parse<T>(
        &mut self,
        name: &str,
        value: Option<String>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(&value?) {
            Ok(parsed) => Some(parsed),
            Err(reason) => {
                self.invalid(name, reason);
                None
            }
        }
    }

    /// Like [`Problems::parse`], and a missing value is a problem too.
    pub fn require<T>(
        &mut self,
        name: &str,
        value: Option<String>,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        if value.is_none() {
            self.missing(name);
        }
        self.parse(name, value, parse)
    }

    /// A whole number within `range`, `default` when absent.
    pub fn number(
        &mut self,
        name: &str,
        value: Option<String>,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> u64 {
        self.parse(name, value, |v| {
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| format!("must be a whole number from {} to {}", range.start(), range.end()))
        })
        .unwrap_or(default)
    }
}

/// `true` or `false` (any case).
fn boolean(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("must be true or false".into()),
    }
}

/// A setting with only white space counts as absent.
pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// A URL setting: https, or http to a loopback host; stored as the parser wrote it.
pub(crate) fn setting_url(value: &str) -> Result<String, String> {
    web_url::parse(value, Transport::HttpsOrLoopback).map(String::from).map_err(str::to_owned)
}

/// The worker's public origin, used to build the URLs it hands to BBB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = web_url::parse(raw, Transport::HttpsOrLoopback)?;
        if url.path() != "/" || url.query().is_some() {
            return Err("must be an origin (scheme, host and port) without a path or query".into());
        }
        Ok(PublicUrl(url.origin().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `errorRedirectUrl`: the recovery ticket in the path and no query string, because BBB
    /// appends `?errors=` itself (CONTRACT §4).
    pub fn join_error_url(&self, ticket: &str) -> String {
        format!("{}/join/error/{ticket}", self.0)
    }

    pub fn meeting_ended_url(&self, token: &str) -> String {
        format!("{}/callbacks/meeting-ended/{token}", self.0)
    }

    /// `meta_bbb-recording-ready-url` for one server: `…/callbacks/recording-ready/{id}` in a
    /// pool, and as before (`…/callbacks/recording-ready`) for the pool of one.
    pub fn recording_ready_url(&self, server: Option<&crate::pool::ServerId>) -> String {
        match server {
            Some(id) => format!("{}/callbacks/recording-ready/{id}", self.0),
            None => format!("{}/callbacks/recording-ready", self.0),
        }
    }

    pub fn left_url(&self) -> String {
        format!("{}/left", self.0)
    }
}

impl Config {
    pub fn load(source: &impl ConfigSource) -> Result<Config, ConfigError> {
        let mut problems = Problems::default();
        let var = |name: &str| non_empty(source.var(name));

        let servers = servers::load(source, &mut problems);
        let callbacks = callbacks::load(source, servers.pool.as_ref(), servers.ids.as_deref(), &mut problems);
        let polling = servers::polling(source, &mut problems);
        let public_url = problems.require("PUBLIC_URL", var("PUBLIC_URL"), PublicUrl::parse);
        let timeout_ms = problems.number("BBB_TIMEOUT_MS", var("BBB_TIMEOUT_MS"), 5000, 100..=60_000);
        let (tokens, jwks) = tokens::load(source, &mut problems);
        let moderator_roles = var("MODERATOR_ROLES").map(|v| ModeratorRoles::parse(&v)).unwrap_or_default();
        let logout_url = problems.parse("LOGOUT_URL", var("LOGOUT_URL"), setting_url);
        let webhooks = webhooks::load(source, &mut problems);
        // Each platform's keyset is fetched as the host's is (JWKS_REFRESH_MIN_SECONDS; an
        // invalid value is the tokens section's problem, and the default applies here).
        let refresh =
            var("JWKS_REFRESH_MIN_SECONDS").and_then(|v| v.trim().parse().ok()).filter(|n| (1..=86_400).contains(n));
        let lti = problems
            .parse("LTI_PLATFORMS", var("LTI_PLATFORMS"), |v| LtiPlatforms::parse(v, refresh.unwrap_or(60)))
            .unwrap_or_default();
        let waiting = WaitSettings {
            by_default: problems.parse("WAIT_FOR_MODERATOR", var("WAIT_FOR_MODERATOR"), boolean).unwrap_or(false),
            max_seconds: problems.number("WAIT_MAX_SECONDS", var("WAIT_MAX_SECONDS"), 3600, 5..=86_400) as u32,
        };

        match (servers.pool, public_url, tokens, callbacks, webhooks) {
            (Some(pool), Some(public_url), Some(tokens), Some(callbacks), Some(webhooks)) if problems.is_empty() => {
                Ok(Config {
                    pool,
                    polling,
                    bbb_timeout: Duration::from_millis(timeout_ms),
                    public_url,
                    tokens,
                    moderator_roles,
                    jwks,
                    logout_url,
                    callbacks,
                    webhooks,
                    waiting,
                    lti,
                })
            }
            _ => Err(ConfigError(problems.0)),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
