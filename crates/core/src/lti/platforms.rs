//! `LTI_PLATFORMS` (CONTRACT §10): the LMSs that may launch bbb-edge, each a value with its
//! issuer, client id, deployments, login endpoint, keys and moderator roles.

use serde::Deserialize;

use crate::config::JwksSource;
use crate::role::ModeratorRoles;
use crate::web_url::{self, Transport};

const LIS: &str = "http://purl.imsglobal.org/vocab/lis/v2";

/// The LIS roles that make a moderator when a platform names none: Instructor, ContentDeveloper
/// and Administrator, in full and in their short forms.
pub fn default_moderator_roles() -> Vec<String> {
    let full = [
        format!("{LIS}/membership#Instructor"),
        format!("{LIS}/membership#ContentDeveloper"),
        format!("{LIS}/institution/person#Administrator"),
    ];
    full.into_iter().chain(["Instructor", "ContentDeveloper", "Administrator"].map(str::to_owned)).collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LtiPlatform {
    pub issuer: String,
    pub client_id: String,
    pub deployment_ids: Vec<String>,
    /// The platform's OIDC authorization endpoint.
    pub auth_url: String,
    /// The platform's public keys.
    pub jwks: JwksSource,
    pub moderator_roles: ModeratorRoles,
    /// The origins whose pages may show bbb-edge's pages in a frame (an LMS that embeds its
    /// tools): `frame_ancestors` when given, else the origins of `issuer` and `auth_url`.
    pub frame_ancestors: Vec<String>,
}

impl LtiPlatform {
    pub fn knows_deployment(&self, deployment_id: &str) -> bool {
        self.deployment_ids.iter().any(|known| known == deployment_id)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LtiPlatforms(Vec<LtiPlatform>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    issuer: String,
    client_id: String,
    deployment_ids: Vec<String>,
    auth_url: String,
    jwks_url: String,
    #[serde(default)]
    moderator_roles: Option<Vec<String>>,
    #[serde(default)]
    frame_ancestors: Option<Vec<String>>,
}

impl LtiPlatforms {
    /// Parses the setting; `refresh_min_seconds` bounds each platform's JWKS fetches.
    pub fn parse(setting: &str, refresh_min_seconds: i64) -> Result<LtiPlatforms, String> {
        let entries: Vec<Entry> = serde_json::from_str(setting).map_err(|_| {
            "must be a JSON array of {issuer, client_id, deployment_ids, auth_url, jwks_url}".to_owned()
        })?;
        let mut platforms = Vec::with_capacity(entries.len());
        for (n, entry) in entries.into_iter().enumerate() {
            let at = |what: &str| format!("entry {n}: {what}");
            let parsed = |value: &str, name: &str| {
                web_url::parse(value, Transport::HttpsOrLoopback).map_err(|reason| at(&format!("`{name}` {reason}")))
            };
            let url = |value: &str, name: &str| parsed(value, name).map(String::from);
            let origin = |value: &str, name: &str| parsed(value, name).map(|u| u.origin().to_owned());
            // The issuer is compared as given (it is the `iss` claim), and must be a URL too.
            url(&entry.issuer, "issuer")?;
            if entry.client_id.trim().is_empty() {
                return Err(at("`client_id` is empty"));
            }
            if entry.deployment_ids.is_empty() || entry.deployment_ids.iter().any(|id| id.trim().is_empty()) {
                return Err(at("`deployment_ids` must list at least one non-empty id"));
            }
            if platforms.iter().any(|p: &LtiPlatform| p.issuer == entry.issuer && p.client_id == entry.client_id) {
                return Err(at("the same issuer and client_id twice"));
            }
            let roles = entry.moderator_roles.unwrap_or_else(default_moderator_roles);
            let mut frame_ancestors = match &entry.frame_ancestors {
                Some(list) => list.iter().map(|o| origin(o, "frame_ancestors")).collect::<Result<Vec<_>, _>>()?,
                None => vec![origin(&entry.issuer, "issuer")?, origin(&entry.auth_url, "auth_url")?],
            };
            frame_ancestors.dedup();
            platforms.push(LtiPlatform {
                auth_url: url(&entry.auth_url, "auth_url")?,
                jwks: JwksSource { url: url(&entry.jwks_url, "jwks_url")?, refresh_min_seconds },
                moderator_roles: ModeratorRoles::parse(&roles.join(",")),
                frame_ancestors,
                issuer: entry.issuer,
                client_id: entry.client_id,
                deployment_ids: entry.deployment_ids,
            });
        }
        Ok(LtiPlatforms(platforms))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Every registered LMS's frame ancestors: who may embed the pages an LTI launch leads to.
    pub fn frame_ancestors(&self) -> Vec<String> {
        let mut all: Vec<String> = self.0.iter().flat_map(|p| p.frame_ancestors.iter().cloned()).collect();
        all.sort();
        all.dedup();
        all
    }

    /// The platform of `issuer`, and of `client_id` when given. Without a client id an issuer
    /// registered with several clients is ambiguous: `None`.
    pub fn find(&self, issuer: &str, client_id: Option<&str>) -> Option<&LtiPlatform> {
        let mut of_issuer = self.0.iter().filter(|p| p.issuer == issuer);
        match client_id {
            Some(client) => of_issuer.find(|p| p.client_id == client),
            None => match (of_issuer.next(), of_issuer.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"[{"issuer": "https://lms.example.org", "client_id": "c1", "deployment_ids": ["1"],
        "auth_url": "https://lms.example.org/mod/lti/auth.php", "jwks_url": "https://lms.example.org/mod/lti/certs.php"}]"#;

    #[test]
    fn a_platform_with_the_default_roles() {
        let platforms = LtiPlatforms::parse(ONE, 60).unwrap();
        let platform = platforms.find("https://lms.example.org", Some("c1")).unwrap();
        assert_eq!(platforms.find("https://lms.example.org", None), Some(platform));
        assert_eq!(platforms.find("https://lms.example.org", Some("c2")), None);
        assert_eq!(platforms.find("https://lms.example.org/", None), None, "issuers compare exactly");
        assert!(platform.knows_deployment("1") && !platform.knows_deployment("2"));
        for role in [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
            "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
            "Instructor",
            "ContentDeveloper",
            "Administrator",
        ] {
            assert!(platform.moderator_roles.contains(role), "{role}");
        }
        assert!(!platform.moderator_roles.contains("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"));
        assert_eq!(
            platform.jwks,
            JwksSource { url: "https://lms.example.org/mod/lti/certs.php".into(), refresh_min_seconds: 60 }
        );
        assert_eq!(platforms.frame_ancestors(), vec!["https://lms.example.org".to_owned()]);
        let embed =
            |list: &str| ONE.replace(r#""deployment_ids""#, &format!(r#""frame_ancestors": {list}, "deployment_ids""#));
        let canvas = LtiPlatforms::parse(&embed(r#"["https://school.instructure.com/courses"]"#), 60).unwrap();
        assert_eq!(canvas.frame_ancestors(), vec!["https://school.instructure.com".to_owned()]);
        let plain = LtiPlatforms::parse(&embed(r#"["http://school.example"]"#), 60).unwrap_err();
        assert!(plain.contains("frame_ancestors"), "{plain}");
    }

    #[test]
    fn every_problem_is_refused_with_a_reason() {
        let cases = [
            ("{}", "JSON array"),
            (&ONE.replace("https://lms.example.org/mod/lti/auth.php", "http://lms.example.org/auth"), "auth_url"),
            (&ONE.replace("\"https://lms.example.org\"", "\"http://lms.example.org\""), "issuer"),
            (&ONE.replace("\"c1\"", "\"  \""), "client_id"),
            (&ONE.replace("[\"1\"]", "[]"), "deployment_ids"),
            (&ONE.replace("\"client_id\"", "\"clientid\""), "JSON array"),
        ];
        for (setting, named) in cases {
            let error = LtiPlatforms::parse(setting, 60).unwrap_err();
            assert!(error.contains(named), "{setting}: {error}");
        }
        let twice = format!("[{0},{0}]", &ONE[1..ONE.len() - 1]);
        assert!(LtiPlatforms::parse(&twice, 60).unwrap_err().contains("twice"));
        let loopback = ONE.replace("https://lms.example.org", "http://127.0.0.1:9000");
        assert!(LtiPlatforms::parse(&loopback, 60).is_ok(), "loopback may use http");
    }

    #[test]
    fn an_issuer_with_two_clients_needs_the_client_id() {
        let two = format!("[{},{}]", &ONE[1..ONE.len() - 1], &ONE[1..ONE.len() - 1].replace("\"c1\"", "\"c2\""));
        let platforms = LtiPlatforms::parse(&two, 60).unwrap();
        assert_eq!(platforms.find("https://lms.example.org", None), None);
        assert_eq!(platforms.find("https://lms.example.org", Some("c2")).unwrap().client_id, "c2");
    }
}
