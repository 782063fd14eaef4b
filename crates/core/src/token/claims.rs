//! The claims of a join token, parsed once into types (CONTRACT §3).

use serde_json::{Map, Value};

use super::TokenError;
use crate::create_options::{CreateOptions, CreateOptionsError};
use crate::ids::MeetingId;
use crate::role::Role;
use crate::web_url::{self, Transport};

/// A verified join token's application claims.
#[derive(Clone, Debug, PartialEq)]
pub struct JoinClaims {
    pub jti: String,
    /// Stable user id; BBB `userID`.
    pub sub: String,
    /// Display name; BBB `fullName`.
    pub name: String,
    pub meeting: MeetingId,
    pub roles: Vec<String>,
    pub role: Option<Role>,
    /// BBB `name` on create; the meeting id when the token has none.
    pub meeting_name: String,
    pub create: CreateOptions,
    pub avatar_url: Option<String>,
    pub guest: bool,
    /// Pool placement (CONTRACT §8): `tag` prefers servers with it, `tag!` requires them.
    pub server_tag: Option<String>,
    /// How many people the host expects: the new meeting's load until a poll sees it.
    pub expected_size: Option<u32>,
    /// `wait_for_moderator` (CONTRACT §9); `None` leaves it to `WAIT_FOR_MODERATOR`.
    pub wait_for_moderator: Option<bool>,
}

impl JoinClaims {
    pub fn parse(claims: &Map<String, Value>) -> Result<Self, TokenError> {
        check_scope(claims, "join")?;
        let meeting = MeetingId::parse(required_str(claims, "meeting")?)
            .map_err(|reason| invalid(format!("`meeting` {reason}")))?;
        let meeting_name = match optional_str(claims, "meeting_name")? {
            Some(name) => {
                let units = name.encode_utf16().count();
                if !(2..=256).contains(&units) || name.chars().any(char::is_control) {
                    return Err(invalid("`meeting_name` must be 2 to 256 characters without control characters"));
                }
                name.to_owned()
            }
            None => meeting.as_str().to_owned(),
        };
        Ok(JoinClaims {
            jti: bounded(claims, "jti")?,
            sub: bounded(claims, "sub")?,
            name: display_name(claims)?,
            meeting,
            roles: roles(claims)?,
            role: match optional_str(claims, "role")? {
                Some(value) => {
                    Some(Role::from_claim(value).ok_or_else(|| invalid("`role` must be \"moderator\" or \"viewer\""))?)
                }
                None => None,
            },
            meeting_name,
            create: CreateOptions::from_claim(claims.get("create")).map_err(|error| match error {
                CreateOptionsError::NotAllowed(key) => TokenError::CreateParamNotAllowed(key),
                CreateOptionsError::Invalid(reason) => TokenError::ClaimInvalid(reason),
            })?,
            avatar_url: avatar_url(claims)?,
            guest: optional_bool(claims, "guest")?.unwrap_or(false),
            wait_for_moderator: optional_bool(claims, "wait_for_moderator")?,
            server_tag: server_tag(claims)?,
            expected_size: match claims.get("expected_size") {
                None => None,
                Some(value) => Some(
                    value
                        .as_u64()
                        .filter(|n| (1..=10_000).contains(n))
                        .ok_or_else(|| invalid("`expected_size` must be a whole number from 1 to 10000"))?
                        as u32,
                ),
            },
        })
    }
}

/// `scope` is optional; when present it is a space-separated list that must hold `wanted`.
pub(crate) fn check_scope(claims: &Map<String, Value>, wanted: &'static str) -> Result<(), TokenError> {
    match claims.get("scope") {
        None => Ok(()),
        Some(Value::String(scope)) if scope.split(' ').any(|s| s == wanted) => Ok(()),
        Some(Value::String(_)) => Err(TokenError::ScopeMissing(wanted)),
        Some(_) => Err(invalid("`scope` must be a space-separated string")),
    }
}

fn invalid(reason: impl Into<String>) -> TokenError {
    TokenError::ClaimInvalid(reason.into())
}

fn optional_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(invalid(format!("`{name}` must be a string"))),
    }
}

fn optional_bool(claims: &Map<String, Value>, name: &str) -> Result<Option<bool>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Bool(value)) => Ok(Some(*value)),
        Some(_) => Err(invalid(format!("`{name}` must be a boolean"))),
    }
}

fn required_str<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<&'a str, TokenError> {
    optional_str(claims, name)?.ok_or_else(|| invalid(format!("`{name}` is required")))
}

/// An identifier-like claim: 1 to 256 characters, no control characters.
fn bounded(claims: &Map<String, Value>, name: &str) -> Result<String, TokenError> {
    let value = required_str(claims, name)?;
    if value.is_empty() || value.chars().count() > 256 || value.chars().any(char::is_control) {
        return Err(invalid(format!("`{name}` must be 1 to 256 characters without control characters")));
    }
    Ok(value.to_owned())
}

fn display_name(claims: &Map<String, Value>) -> Result<String, TokenError> {
    let name = required_str(claims, "name")?;
    if name.trim().is_empty() || name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(invalid("`name` must be 1 to 256 characters without control characters"));
    }
    Ok(name.to_owned())
}

fn roles(claims: &Map<String, Value>) -> Result<Vec<String>, TokenError> {
    match claims.get("roles") {
        None => Ok(Vec::new()),
        Some(Value::Array(list)) => list
            .iter()
            .map(|role| role.as_str().map(str::to_owned).ok_or_else(|| invalid("`roles` must be an array of strings")))
            .collect(),
        Some(_) => Err(invalid("`roles` must be an array of strings")),
    }
}

/// A tag name (as in `BBB_SERVERS`), with an optional trailing `!` that makes it mandatory.
fn server_tag(claims: &Map<String, Value>) -> Result<Option<String>, TokenError> {
    let Some(tag) = optional_str(claims, "server_tag")? else {
        return Ok(None);
    };
    let name = tag.strip_suffix('!').unwrap_or(tag);
    if name.is_empty()
        || name.len() > 64
        || name.ends_with('!')
        || name.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(invalid("`server_tag` must be a tag name of up to 64 characters, optionally ending in `!`"));
    }
    Ok(Some(tag.to_owned()))
}

/// https only, judged on the parsed URL: BBB fetches it into every participant's client.
fn avatar_url(claims: &Map<String, Value>) -> Result<Option<String>, TokenError> {
    let Some(url) = optional_str(claims, "avatar_url")? else {
        return Ok(None);
    };
    if url.len() > 2048 {
        return Err(invalid("`avatar_url` must be at most 2048 bytes"));
    }
    let parsed =
        web_url::parse(url, Transport::HttpsOnly).map_err(|reason| invalid(format!("`avatar_url` {reason}")))?;
    Ok(Some(parsed.into()))
}
