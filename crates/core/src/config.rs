//! Settings (CONTRACT §2), read once per request from vars and secrets into types. Every problem
//! is collected, so `/healthz` can name them all at once; values are never echoed.

use std::fmt;
use std::time::Duration;

use crate::bbb::{ApiBase, ChecksumAlgorithm, Signer};
use crate::mac::{self, Purpose};
use crate::role::ModeratorRoles;
use crate::secret::Secret;
use crate::token::{parse_allow_list, TokenPolicy};
use crate::web_url::{self, Transport};
use crate::webhook::WebhookSecret;

/// Where settings come from: `[vars]` and secret storage at the edge, a map in tests.
pub trait ConfigSource {
    fn var(&self, name: &str) -> Option<String>;
    fn secret(&self, name: &str) -> Option<String>;
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bbb_base: ApiBase,
    pub signer: Signer,
    pub bbb_timeout: Duration,
    pub public_url: PublicUrl,
    pub tokens: TokenPolicy,
    pub moderator_roles: ModeratorRoles,
    pub logout_url: Option<String>,
    /// Key of the worker's own callback-URL tokens and recovery tickets (signs).
    pub callback_key: Secret,
    /// Keys still accepted for them during a rotation (`CALLBACK_SECRET_PREVIOUS`, or the key
    /// derived from `BBB_SECRET_PREVIOUS`): URLs handed to BBB for running meetings stay valid.
    pub callback_previous: Option<Secret>,
    /// `BBB_SECRET_PREVIOUS`, accepted for inbound BBB callbacks during a rotation.
    pub bbb_secret_previous: Option<Secret>,
    /// The host app's JWKS, for asymmetric tokens.
    pub jwks_url: Option<String>,
    /// The shortest interval between two JWKS fetches.
    pub jwks_refresh_min_seconds: i64,
    /// Where host notifications go, if anywhere.
    pub webhooks: Option<WebhookTarget>,
    /// First retry delay of a host notification; later ones grow from it.
    pub webhook_retry_base_seconds: u64,
}

/// `HOST_WEBHOOK_URL` and its signing secret.
#[derive(Clone, Debug)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: WebhookSecret,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigProblem {
    Missing(&'static str),
    Invalid(&'static str, String),
}

/// Everything wrong with the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError(pub Vec<ConfigProblem>);

impl ConfigError {
    /// The names of the settings at fault, for `/healthz`.
    pub fn setting_names(&self) -> Vec<&'static str> {
        self.0
            .iter()
            .map(|problem| match problem {
                ConfigProblem::Missing(name) | ConfigProblem::Invalid(name, _) => *name,
            })
            .collect()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("This service is not configured correctly. ")?;
        let missing: Vec<_> = self
            .0
            .iter()
            .filter_map(|p| match p {
                ConfigProblem::Missing(name) => Some(*name),
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

/// The worker's public origin, used to build the URLs it hands to BBB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = web_url::parse(raw, Transport::HttpsOrLoopback)?;
        if url.path() != "/" || url.query().is_some() {
            return Err("must be an origin (scheme, host and port) without a path or query".into());
        }
        Ok(PublicUrl(url.origin().ascii_serialization()))
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

    pub fn recording_ready_url(&self) -> String {
        format!("{}/callbacks/recording-ready", self.0)
    }

    pub fn left_url(&self) -> String {
        format!("{}/left", self.0)
    }
}

/// A URL setting: https, or http to a loopback host; stored as the parser wrote it.
fn setting_url(value: &str) -> Result<String, String> {
    web_url::parse(value, Transport::HttpsOrLoopback).map(String::from).map_err(str::to_owned)
}

/// RFC 7518 §3.2: an HS256 key at least as long as the hash (32 bytes).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

fn checked_jwt_secret(problems: &mut Vec<ConfigProblem>, name: &'static str, value: Option<String>) -> Option<Secret> {
    let secret = Secret::new(non_empty(value)?);
    if secret.expose().len() < MIN_JWT_SECRET_BYTES {
        problems.push(ConfigProblem::Invalid(
            name,
            format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long (RFC 7518 §3.2); generate one with `openssl rand -hex 32`"),
        ));
        return None;
    }
    Some(secret)
}

impl Config {
    /// Keys a callback token or ticket may be signed with: the current one, then the previous.
    pub fn callback_keys(&self) -> Vec<&Secret> {
        std::iter::once(&self.callback_key).chain(self.callback_previous.as_ref()).collect()
    }

    /// Secrets an inbound BBB callback may be signed with: the current one, then the previous.
    pub fn bbb_inbound_secrets(&self) -> Vec<&Secret> {
        std::iter::once(&self.signer.secret).chain(self.bbb_secret_previous.as_ref()).collect()
    }

    pub fn load(source: &impl ConfigSource) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let var = |name: &'static str| non_empty(source.var(name));

        let bbb_base =
            required(&mut problems, "BBB_URL", var("BBB_URL"), |v| ApiBase::parse(v).map_err(|e| e.0.to_owned()));
        let algorithm = optional(&mut problems, "BBB_CHECKSUM_ALGORITHM", var("BBB_CHECKSUM_ALGORITHM"), |v| {
            v.parse::<ChecksumAlgorithm>().map_err(|_| "must be sha1, sha256, sha384 or sha512".to_owned())
        })
        .unwrap_or_default();
        let public_url = required(&mut problems, "PUBLIC_URL", var("PUBLIC_URL"), PublicUrl::parse);
        let issuers = required(&mut problems, "JWT_ISSUER", var("JWT_ISSUER"), |v| {
            let list: Vec<String> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            if list.is_empty() {
                Err("lists no issuer".to_owned())
            } else {
                Ok(list)
            }
        });
        let audience = required(&mut problems, "JWT_AUDIENCE", var("JWT_AUDIENCE"), |v| Ok(v.trim().to_owned()));
        let jwks_url = optional(&mut problems, "JWT_JWKS_URL", var("JWT_JWKS_URL"), setting_url);
        let jwks_refresh_min_seconds =
            seconds(&mut problems, "JWKS_REFRESH_MIN_SECONDS", var("JWKS_REFRESH_MIN_SECONDS"), 60, 1..=86_400) as i64;
        let algorithms = optional(&mut problems, "JWT_ALGORITHMS", var("JWT_ALGORITHMS"), |v| {
            // Named once: an invalid JWT_JWKS_URL is its own problem, not also this one's.
            parse_allow_list(v, var("JWT_JWKS_URL").is_some())
        })
        .unwrap_or_else(|| parse_allow_list("HS256", false).expect("default is valid"));
        let max_age = seconds(&mut problems, "JWT_MAX_AGE_SECONDS", var("JWT_MAX_AGE_SECONDS"), 300, 1..=86_400);
        let leeway = seconds(&mut problems, "JWT_LEEWAY_SECONDS", var("JWT_LEEWAY_SECONDS"), 30, 0..=600);
        let timeout_ms = seconds(&mut problems, "BBB_TIMEOUT_MS", var("BBB_TIMEOUT_MS"), 5000, 100..=60_000);
        let moderator_roles = var("MODERATOR_ROLES").map(|v| ModeratorRoles::parse(&v)).unwrap_or_default();
        let logout_url = optional(&mut problems, "LOGOUT_URL", var("LOGOUT_URL"), setting_url);

        let bbb_secret = non_empty(source.secret("BBB_SECRET")).map(Secret::new);
        if bbb_secret.is_none() {
            problems.push(ConfigProblem::Missing("BBB_SECRET"));
        }
        let jwt_given = non_empty(source.secret("JWT_SECRET"));
        if jwt_given.is_none() && algorithms.iter().any(|alg| alg.is_hmac()) {
            problems.push(ConfigProblem::Missing("JWT_SECRET"));
        }
        let jwt_secret = checked_jwt_secret(&mut problems, "JWT_SECRET", jwt_given);
        let jwt_previous =
            checked_jwt_secret(&mut problems, "JWT_SECRET_PREVIOUS", source.secret("JWT_SECRET_PREVIOUS"));
        let bbb_previous = non_empty(source.secret("BBB_SECRET_PREVIOUS")).map(Secret::new);
        let callback_secret = non_empty(source.secret("CALLBACK_SECRET")).map(Secret::new);
        let callback_secret_previous = non_empty(source.secret("CALLBACK_SECRET_PREVIOUS")).map(Secret::new);
        let webhook_url = optional(&mut problems, "HOST_WEBHOOK_URL", var("HOST_WEBHOOK_URL"), setting_url);
        let webhook_secret =
            optional(&mut problems, "HOST_WEBHOOK_SECRET", non_empty(source.secret("HOST_WEBHOOK_SECRET")), |v| {
                WebhookSecret::parse(v)
            });
        if webhook_url.is_some()
            && webhook_secret.is_none()
            && !problems.iter().any(|p| matches!(p, ConfigProblem::Invalid("HOST_WEBHOOK_SECRET", _)))
        {
            problems.push(ConfigProblem::Missing("HOST_WEBHOOK_SECRET"));
        }
        let webhooks = webhook_url.zip(webhook_secret).map(|(url, secret)| WebhookTarget { url, secret });
        let webhook_retry_base_seconds =
            seconds(&mut problems, "WEBHOOK_RETRY_BASE_SECONDS", var("WEBHOOK_RETRY_BASE_SECONDS"), 5, 1..=3600);

        match (bbb_base, public_url, issuers, audience, bbb_secret) {
            (Some(bbb_base), Some(public_url), Some(issuers), Some(audience), Some(bbb_secret))
                if problems.is_empty() =>
            {
                // Without CALLBACK_SECRET the key follows the BBB secret, and so does its rotation.
                let (callback_key, callback_previous) = match callback_secret {
                    Some(key) => (key, callback_secret_previous),
                    None => (derive_callback_key(&bbb_secret), bbb_previous.as_ref().map(derive_callback_key)),
                };
                Ok(Config {
                    bbb_base,
                    signer: Signer { secret: bbb_secret, algorithm },
                    bbb_timeout: Duration::from_millis(timeout_ms),
                    public_url,
                    tokens: TokenPolicy {
                        issuers,
                        audience,
                        algorithms,
                        hmac_keys: jwt_secret.into_iter().chain(jwt_previous).collect(),
                        max_age_seconds: max_age,
                        leeway_seconds: leeway,
                    },
                    moderator_roles,
                    logout_url,
                    callback_key,
                    callback_previous,
                    bbb_secret_previous: bbb_previous,
                    jwks_url,
                    jwks_refresh_min_seconds,
                    webhooks,
                    webhook_retry_base_seconds,
                })
            }
            _ => Err(ConfigError(problems)),
        }
    }
}

/// Without `CALLBACK_SECRET`, callback tokens use a key derived from the BBB secret, so the BBB
/// secret itself never keys two different things.
fn derive_callback_key(bbb_secret: &Secret) -> Secret {
    mac::derive(bbb_secret, Purpose(b"bbb-edge callback key v1"))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn required<T>(
    problems: &mut Vec<ConfigProblem>,
    name: &'static str,
    value: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    match value {
        None => {
            problems.push(ConfigProblem::Missing(name));
            None
        }
        Some(value) => optional(problems, name, Some(value), parse),
    }
}

fn optional<T>(
    problems: &mut Vec<ConfigProblem>,
    name: &'static str,
    value: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let value = value?;
    match parse(&value) {
        Ok(parsed) => Some(parsed),
        Err(reason) => {
            problems.push(ConfigProblem::Invalid(name, reason));
            None
        }
    }
}

fn seconds(
    problems: &mut Vec<ConfigProblem>,
    name: &'static str,
    value: Option<String>,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> u64 {
    optional(problems, name, value, |v| {
        v.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| format!("must be a whole number from {} to {}", range.start(), range.end()))
    })
    .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    pub struct MapSource(pub HashMap<&'static str, &'static str>);

    impl ConfigSource for MapSource {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
        fn secret(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    fn full() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("BBB_URL", "https://bbb.example/bigbluebutton/"),
            ("PUBLIC_URL", "https://edge.example/"),
            ("JWT_ISSUER", "https://lms.example, portal"),
            ("JWT_AUDIENCE", "bbb-edge"),
            ("BBB_SECRET", "bbb-secret-value"),
            ("JWT_SECRET", "jwt-secret-value-0123456789abcdef"),
        ])
    }

    #[test]
    fn defaults_apply() {
        let config = Config::load(&MapSource(full())).unwrap();
        assert_eq!(config.bbb_base.as_str(), "https://bbb.example/bigbluebutton/api/");
        assert_eq!(config.signer.algorithm, ChecksumAlgorithm::Sha256);
        assert_eq!(config.public_url.join_error_url("t.s"), "https://edge.example/join/error/t.s");
        assert_eq!(config.tokens.issuers, vec!["https://lms.example", "portal"]);
        assert_eq!((config.tokens.max_age_seconds, config.tokens.leeway_seconds), (300, 30));
        assert_eq!(config.bbb_timeout, Duration::from_millis(5000));
        assert!(config.moderator_roles.contains("moderator"));
        assert_ne!(config.callback_key.expose(), "bbb-secret-value");
    }

    #[test]
    fn every_problem_is_named_and_no_value_is_echoed() {
        let mut settings = full();
        settings.remove("BBB_URL");
        settings.remove("BBB_SECRET");
        settings.insert("BBB_CHECKSUM_ALGORITHM", "md5-bbb-secret-value");
        settings.insert("JWT_LEEWAY_SECONDS", "lots");
        let error = Config::load(&MapSource(settings)).unwrap_err();
        assert_eq!(
            error.setting_names(),
            vec!["BBB_URL", "BBB_CHECKSUM_ALGORITHM", "JWT_LEEWAY_SECONDS", "BBB_SECRET"]
        );
        let text = error.to_string();
        assert!(
            text.contains("BBB_URL") && text.contains("BBB_SECRET") && text.contains("JWT_LEEWAY_SECONDS"),
            "{text}"
        );
        assert!(!text.contains("md5") && !text.contains("lots") && !text.contains("value"), "{text}");
    }

    #[test]
    fn previous_secrets_are_accepted_but_never_sign() {
        let mut settings = full();
        settings.insert("BBB_SECRET_PREVIOUS", "old-bbb-secret");
        settings.insert("JWT_SECRET_PREVIOUS", "old-jwt-secret-0123456789abcdefgh");
        let config = Config::load(&MapSource(settings.clone())).unwrap();
        assert_eq!(
            config.tokens.hmac_keys.iter().map(Secret::expose).collect::<Vec<_>>(),
            ["jwt-secret-value-0123456789abcdef", "old-jwt-secret-0123456789abcdefgh"]
        );
        assert_eq!(config.bbb_inbound_secrets().len(), 2);
        assert_eq!(config.signer.secret.expose(), "bbb-secret-value");
        // Derived callback keys follow the BBB secret's rotation.
        let mut old = full();
        old.insert("BBB_SECRET", "old-bbb-secret");
        let old_only = Config::load(&MapSource(old)).unwrap();
        assert_eq!(config.callback_keys()[1], &old_only.callback_key);
        // An explicit CALLBACK_SECRET rotates on its own.
        settings.insert("CALLBACK_SECRET", "new-callback");
        settings.insert("CALLBACK_SECRET_PREVIOUS", "old-callback");
        let config = Config::load(&MapSource(settings)).unwrap();
        assert_eq!(
            config.callback_keys().iter().map(|k| k.expose()).collect::<Vec<_>>(),
            ["new-callback", "old-callback"]
        );
    }

    #[test]
    fn webhooks_need_a_whsec_secret() {
        let mut settings = full();
        settings.insert("HOST_WEBHOOK_URL", "https://lms.example/hooks");
        assert_eq!(
            Config::load(&MapSource(settings.clone())).unwrap_err().setting_names(),
            vec!["HOST_WEBHOOK_SECRET"]
        );
        settings.insert("HOST_WEBHOOK_SECRET", "plain-secret");
        assert_eq!(
            Config::load(&MapSource(settings.clone())).unwrap_err().setting_names(),
            vec!["HOST_WEBHOOK_SECRET"]
        );
        settings.insert("HOST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let mut short = settings.clone();
        short.insert("HOST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZI");
        assert_eq!(Config::load(&MapSource(short)).unwrap_err().setting_names(), vec!["HOST_WEBHOOK_SECRET"]);
        let config = Config::load(&MapSource(settings)).unwrap();
        assert_eq!(config.webhooks.unwrap().url, "https://lms.example/hooks");
        assert_eq!(config.webhook_retry_base_seconds, 5);
        assert!(Config::load(&MapSource(full())).unwrap().webhooks.is_none());
    }

    #[test]
    fn urls_are_https_except_to_loopback_and_judged_parsed() {
        let mut settings = full();
        settings.insert("BBB_URL", "http://bbb.example/bigbluebutton/");
        settings.insert("PUBLIC_URL", "http://edge.example");
        settings.insert("LOGOUT_URL", "http://localhost@lms.example/");
        settings.insert("HOST_WEBHOOK_URL", "https://lms.example/hooks#x");
        settings.insert("HOST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        settings.insert("JWT_ALGORITHMS", "HS256,EdDSA");
        settings.insert("JWT_JWKS_URL", "http://127.0.0.1.lms.example/jwks");
        let mut names = Config::load(&MapSource(settings)).unwrap_err().setting_names();
        names.sort();
        assert_eq!(names, ["BBB_URL", "HOST_WEBHOOK_URL", "JWT_JWKS_URL", "LOGOUT_URL", "PUBLIC_URL"]);

        let mut local = full();
        local.insert("BBB_URL", "http://127.0.0.1:8090/bigbluebutton/");
        local.insert("PUBLIC_URL", "http://localhost:8787/");
        local.insert("LOGOUT_URL", "http://[::1]:8000/left");
        let config = Config::load(&MapSource(local)).unwrap();
        assert_eq!(config.bbb_base.as_str(), "http://127.0.0.1:8090/bigbluebutton/api/");
        assert_eq!(config.public_url.as_str(), "http://localhost:8787");
        assert_eq!(config.logout_url.as_deref(), Some("http://[::1]:8000/left"));
    }

    #[test]
    fn public_url_is_an_origin() {
        assert_eq!(PublicUrl::parse("https://Edge.Example:443/").unwrap().as_str(), "https://edge.example");
        assert!(PublicUrl::parse("https://edge.example/prefix").is_err());
        assert!(PublicUrl::parse("https://edge.example/?a=1").is_err());
    }

    #[test]
    fn jwt_secrets_are_32_bytes_at_least() {
        let mut settings = full();
        settings.insert("JWT_SECRET", "abc");
        settings.insert("JWT_SECRET_PREVIOUS", "0123456789abcdef0123456789abcde");
        let error = Config::load(&MapSource(settings.clone())).unwrap_err();
        assert_eq!(error.setting_names(), vec!["JWT_SECRET", "JWT_SECRET_PREVIOUS"]);
        assert!(!error.to_string().contains("abc"));
        settings.insert("JWT_SECRET", "0123456789abcdef0123456789abcdef");
        settings.insert("JWT_SECRET_PREVIOUS", " 0123456789abcdef0123456789abcdef\n");
        assert!(Config::load(&MapSource(settings)).is_ok());
    }

    #[test]
    fn jwt_secret_is_required_only_for_hmac_algorithms() {
        let mut settings = full();
        settings.remove("JWT_SECRET");
        assert_eq!(Config::load(&MapSource(settings)).unwrap_err().setting_names(), vec!["JWT_SECRET"]);
    }

    #[test]
    fn asymmetric_algorithms_need_a_jwks_url() {
        let mut settings = full();
        settings.insert("JWT_ALGORITHMS", "HS256,ES256");
        assert_eq!(Config::load(&MapSource(settings.clone())).unwrap_err().setting_names(), vec!["JWT_ALGORITHMS"]);
        settings.insert("JWT_JWKS_URL", "https://lms.example/.well-known/jwks.json");
        let config = Config::load(&MapSource(settings)).unwrap();
        assert_eq!(config.tokens.algorithms.len(), 2);
        assert_eq!(config.jwks_refresh_min_seconds, 60);
    }
}
