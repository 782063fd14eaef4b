//! The JWT algorithms bbb-edge knows, and `JWT_ALGORITHMS` parsing.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Hs384,
    Hs512,
    Es256,
    EdDsa,
    Rs256,
}

impl JwtAlgorithm {
    pub const ALL: [JwtAlgorithm; 6] = [Self::Hs256, Self::Hs384, Self::Hs512, Self::Es256, Self::EdDsa, Self::Rs256];

    /// The JOSE `alg` name, compared exactly (`hs256` is not `HS256`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
            Self::Rs256 => "RS256",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    pub fn is_hmac(self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs384 | Self::Hs512)
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `JWT_ALGORITHMS` (a comma list). Asymmetric algorithms need `JWT_JWKS_URL`: without
/// it they are refused here rather than silently never matching.
pub fn parse_allow_list(setting: &str, jwks_configured: bool) -> Result<Vec<JwtAlgorithm>, String> {
    let mut algorithms = Vec::new();
    for name in setting.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let algorithm = JwtAlgorithm::from_name(name)
            .ok_or_else(|| format!("unknown algorithm {name:?} (known: HS256, HS384, HS512, ES256, EdDSA, RS256)"))?;
        if !algorithm.is_hmac() && !jwks_configured {
            return Err(format!("{name} needs JWT_JWKS_URL (the host app's public keys)"));
        }
        if !algorithms.contains(&algorithm) {
            algorithms.push(algorithm);
        }
    }
    if algorithms.is_empty() {
        return Err("lists no algorithm".into());
    }
    Ok(algorithms)
}
