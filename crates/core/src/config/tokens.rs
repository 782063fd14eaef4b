//! The host-token section: issuers, audience, algorithms, keys (`JWT_SECRET`, or the host's JWKS),
//! lifetime and leeway (CONTRACT §2, §3).

use super::{non_empty, setting_url, ConfigSource, Problems};
use crate::secret::Secret;
use crate::token::{parse_allow_list, TokenPolicy};

/// RFC 7518 §3.2: an HS256 key at least as long as the hash (32 bytes).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// The host app's JWKS (`JWT_JWKS_URL`) and how often it may be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwksSource {
    pub url: String,
    /// `JWKS_REFRESH_MIN_SECONDS`: the shortest interval between two fetches.
    pub refresh_min_seconds: i64,
}

pub(super) fn load(source: &impl ConfigSource, problems: &mut Problems) -> (Option<TokenPolicy>, Option<JwksSource>) {
    let var = |name: &str| non_empty(source.var(name));
    let issuers = problems.require("JWT_ISSUER", var("JWT_ISSUER"), |v| {
        let list: Vec<String> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
        if list.is_empty() {
            Err("lists no issuer".to_owned())
        } else {
            Ok(list)
        }
    });
    let audience = problems.require("JWT_AUDIENCE", var("JWT_AUDIENCE"), |v| Ok(v.trim().to_owned()));
    let jwks_url = problems.parse("JWT_JWKS_URL", var("JWT_JWKS_URL"), setting_url);
    let refresh_min_seconds =
        problems.number("JWKS_REFRESH_MIN_SECONDS", var("JWKS_REFRESH_MIN_SECONDS"), 60, 1..=86_400) as i64;
    let algorithms = problems
        .parse("JWT_ALGORITHMS", var("JWT_ALGORITHMS"), |v| {
            // Named once: an invalid JWT_JWKS_URL is its own problem, not also this one's.
            parse_allow_list(v, var("JWT_JWKS_URL").is_some())
        })
        .unwrap_or_else(|| parse_allow_list("HS256", false).expect("default is valid"));
    let max_age = problems.number("JWT_MAX_AGE_SECONDS", var("JWT_MAX_AGE_SECONDS"), 300, 1..=86_400);
    let leeway = problems.number("JWT_LEEWAY_SECONDS", var("JWT_LEEWAY_SECONDS"), 30, 0..=600);

    let given = non_empty(source.secret("JWT_SECRET"));
    if given.is_none() && algorithms.iter().any(|alg| alg.is_hmac()) {
        problems.missing("JWT_SECRET");
    }
    let secret = checked_secret(problems, "JWT_SECRET", given);
    let previous = checked_secret(problems, "JWT_SECRET_PREVIOUS", source.secret("JWT_SECRET_PREVIOUS"));

    let jwks = jwks_url.map(|url| JwksSource { url, refresh_min_seconds });
    let policy = issuers.zip(audience).map(|(issuers, audience)| TokenPolicy {
        issuers,
        audience,
        algorithms,
        hmac_keys: secret.into_iter().chain(previous).collect(),
        max_age_seconds: max_age,
        leeway_seconds: leeway,
    });
    (policy, jwks)
}

fn checked_secret(problems: &mut Problems, name: &str, value: Option<String>) -> Option<Secret> {
    let secret = Secret::new(non_empty(value)?);
    if secret.expose().len() < MIN_JWT_SECRET_BYTES {
        problems.invalid(
            name,
            format!("must be at least {MIN_JWT_SECRET_BYTES} bytes long (RFC 7518 §3.2); generate one with `openssl rand -hex 32`"),
        );
        return None;
    }
    Some(secret)
}
