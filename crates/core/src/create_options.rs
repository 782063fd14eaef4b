//! The `create` claim: BBB create parameters a host app may set, allow-listed (CONTRACT §3).

use serde_json::Value;

/// Parameters a token may set, as BBB names them. `lockSettings*` is matched as a prefix below.
const ALLOWED: &[&str] = &[
    "record",
    "autoStartRecording",
    "allowStartStopRecording",
    "duration",
    "welcome",
    "moderatorOnlyMessage",
    "maxParticipants",
    "muteOnStart",
    "webcamsOnlyForModerator",
    "guestPolicy",
    "meetingLayout",
    "disabledFeatures",
    "bannerText",
];

/// Validated create parameters in a stable order, values already BBB strings. Deserialising
/// (from the worker to the coordinator) checks every name against the allow-list again.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "Vec<(String, String)>", try_from = "Vec<(String, String)>")]
pub struct CreateOptions(Vec<(String, String)>);

impl From<CreateOptions> for Vec<(String, String)> {
    fn from(options: CreateOptions) -> Self {
        options.0
    }
}

impl TryFrom<Vec<(String, String)>> for CreateOptions {
    type Error = String;

    fn try_from(params: Vec<(String, String)>) -> Result<Self, Self::Error> {
        for (name, _) in &params {
            let allowed = match name.strip_prefix("meta_") {
                Some(meta) => valid_meta_name(meta) && !reserved_meta_name(meta),
                None => ALLOWED.contains(&name.as_str()) || is_lock_setting(name),
            };
            if !allowed {
                return Err(format!("create parameter {name:?} is not allowed"));
            }
        }
        Ok(CreateOptions(params))
    }
}

/// Why the `create` claim was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateOptionsError {
    /// A key outside the allow-list (`create_param_not_allowed`).
    NotAllowed(String),
    /// The claim's shape is wrong (`claim_invalid`).
    Invalid(String),
}

impl CreateOptions {
    /// Reads the claim. Keys come out sorted (serde_json maps are ordered), so the same claim
    /// always yields the same query.
    pub fn from_claim(claim: Option<&Value>) -> Result<Self, CreateOptionsError> {
        let Some(claim) = claim else {
            return Ok(CreateOptions::default());
        };
        let object =
            claim.as_object().ok_or_else(|| CreateOptionsError::Invalid("`create` must be an object".into()))?;
        let mut params = Vec::with_capacity(object.len());
        for (key, value) in object {
            if key == "meta" {
                params.extend(meta_params(value)?);
            } else if ALLOWED.contains(&key.as_str()) || is_lock_setting(key) {
                params.push((key.clone(), scalar(key, value)?));
            } else {
                return Err(CreateOptionsError::NotAllowed(key.clone()));
            }
        }
        Ok(CreateOptions(params))
    }

    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.params().find(|(k, _)| *k == name).map(|(_, v)| v)
    }
}

fn is_lock_setting(key: &str) -> bool {
    key.strip_prefix("lockSettings").is_some_and(|rest| {
        rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && rest.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

fn valid_meta_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn reserved_meta_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("bbb-") || lower == "endcallbackurl"
}

fn scalar(key: &str, value: &Value) -> Result<String, CreateOptionsError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(CreateOptionsError::Invalid(format!("`create.{key}` must be a string, number or boolean"))),
    }
}

/// `meta` keys become `meta_<key>`. BBB accepts `[a-zA-Z][a-zA-Z0-9-]*` and lower-cases names, so
/// reserved names are compared case-insensitively: `bbb-*` (BBB's own, e.g. the recording-ready
/// URL the worker sets) and `endcallbackurl` (an unauthenticated end callback) are refused.
fn meta_params(value: &Value) -> Result<Vec<(String, String)>, CreateOptionsError> {
    let object =
        value.as_object().ok_or_else(|| CreateOptionsError::Invalid("`create.meta` must be an object".into()))?;
    object
        .iter()
        .map(|(key, value)| {
            if !valid_meta_name(key) {
                return Err(CreateOptionsError::Invalid(format!(
                    "`create.meta` key {key:?} must match [a-zA-Z][a-zA-Z0-9-]*"
                )));
            }
            if reserved_meta_name(key) {
                return Err(CreateOptionsError::NotAllowed(format!("meta.{key}")));
            }
            Ok((format!("meta_{key}"), scalar(&format!("meta.{key}"), value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn allowed_values_become_bbb_strings() {
        let options = CreateOptions::from_claim(Some(&json!({
            "record": true,
            "duration": 90,
            "welcome": "Hi <b>all</b>",
            "lockSettingsDisableCam": false,
            "meta": {"course": "CS-101", "term-id": 7}
        })))
        .unwrap();
        let params: Vec<_> = options.params().collect();
        assert_eq!(
            params,
            vec![
                ("duration", "90"),
                ("lockSettingsDisableCam", "false"),
                ("meta_course", "CS-101"),
                ("meta_term-id", "7"),
                ("record", "true"),
                ("welcome", "Hi <b>all</b>"),
            ]
        );
    }

    #[test]
    fn keys_outside_the_allow_list_are_refused() {
        for key in [
            "moderatorPW",
            "attendeePW",
            "meetingEndedURL",
            "logoutURL",
            "meetingID",
            "name",
            "lockSettings",
            "lockSettingsdisableCam",
            "Record",
        ] {
            let claim = json!({ key: "x" });
            assert_eq!(
                CreateOptions::from_claim(Some(&claim)),
                Err(CreateOptionsError::NotAllowed(key.to_string())),
                "{key}"
            );
        }
    }

    #[test]
    fn reserved_meta_names_are_refused_whatever_their_case() {
        for key in ["bbb-recording-ready-url", "BBB-Recording-Ready-Url", "endCallbackUrl", "ENDCALLBACKURL"] {
            let claim = json!({ "meta": { key: "https://evil.example" } });
            assert_eq!(
                CreateOptions::from_claim(Some(&claim)),
                Err(CreateOptionsError::NotAllowed(format!("meta.{key}"))),
                "{key}"
            );
        }
    }

    #[test]
    fn deserialising_checks_the_allow_list_again() {
        let options = CreateOptions::from_claim(Some(&json!({"record": true, "meta": {"course": "x"}}))).unwrap();
        let json = serde_json::to_string(&options).unwrap();
        assert_eq!(serde_json::from_str::<CreateOptions>(&json).unwrap(), options);
        for smuggled in
            [r#"[["moderatorPW","x"]]"#, r#"[["meta_bbb-recording-ready-url","x"]]"#, r#"[["meetingEndedURL","x"]]"#]
        {
            assert!(serde_json::from_str::<CreateOptions>(smuggled).is_err(), "{smuggled}");
        }
    }

    #[test]
    fn malformed_shapes_are_invalid() {
        for claim in [
            json!("record=true"),
            json!({"record": null}),
            json!({"record": [true]}),
            json!({"meta": "x"}),
            json!({"meta": {"1abc": "x"}}),
            json!({"meta": {"a_b": "x"}}),
            json!({"meta": {"a": {"b": 1}}}),
        ] {
            assert!(matches!(CreateOptions::from_claim(Some(&claim)), Err(CreateOptionsError::Invalid(_))), "{claim}");
        }
    }
}
