//! Who is a moderator: decided from signed claims only, by exact string comparison.

/// A BBB role for `join`. Everyone is a [`Role::Viewer`] unless a signed claim says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Moderator,
    #[default]
    Viewer,
}

impl Role {
    /// The value of BBB's `role` join parameter.
    pub fn bbb_name(self) -> &'static str {
        match self {
            Role::Moderator => "MODERATOR",
            Role::Viewer => "VIEWER",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
            Role::Viewer => "viewer",
        }
    }

    /// The explicit `role` claim: exactly `"moderator"` or `"viewer"`, nothing else.
    pub fn from_claim(value: &str) -> Option<Role> {
        match value {
            "moderator" => Some(Role::Moderator),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// `MODERATOR_ROLES`: the host-app roles that make a moderator. Entries are trimmed when the
/// setting is read (that is formatting); claim values are compared exactly and case-sensitively,
/// so `instructor`, `Instructor ` and `NotInstructor` never match `Instructor` (unlike the
/// unanchored, case-insensitive regex bbb-app-rooms uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeratorRoles(Vec<String>);

impl ModeratorRoles {
    pub fn parse(setting: &str) -> Self {
        ModeratorRoles(setting.split(',').map(str::trim).filter(|role| !role.is_empty()).map(str::to_owned).collect())
    }

    pub fn contains(&self, role: &str) -> bool {
        self.0.iter().any(|known| known == role)
    }
}

impl Default for ModeratorRoles {
    fn default() -> Self {
        ModeratorRoles::parse("moderator")
    }
}

/// The role for a verified token. An explicit `role` claim decides when present (so a host can
/// also say `viewer` for someone whose roles would otherwise make them moderator: least privilege);
/// otherwise any `roles` entry listed in `MODERATOR_ROLES` makes a moderator; otherwise viewer.
pub fn decide(role_claim: Option<Role>, roles: &[String], moderator_roles: &ModeratorRoles) -> Role {
    match role_claim {
        Some(role) => role,
        None if roles.iter().any(|role| moderator_roles.contains(role)) => Role::Moderator,
        None => Role::Viewer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn decision_table() {
        let lti = ModeratorRoles::parse("Instructor, Teacher ,,Administrator");
        let cases: &[(Option<Role>, &[&str], Role)] = &[
            (None, &[], Role::Viewer),
            (None, &["Learner"], Role::Viewer),
            (None, &["Instructor"], Role::Moderator),
            (None, &["Learner", "Teacher"], Role::Moderator),
            (None, &["Administrator"], Role::Moderator),
            // look-alikes never match
            (None, &["instructor"], Role::Viewer),
            (None, &["INSTRUCTOR"], Role::Viewer),
            (None, &["Instructor "], Role::Viewer),
            (None, &[" Instructor"], Role::Viewer),
            (None, &["NotInstructor"], Role::Viewer),
            (None, &["Instructors"], Role::Viewer),
            (None, &["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], Role::Viewer),
            (None, &["Instructor#TeachingAssistant"], Role::Viewer),
            (None, &["Instr\u{200b}uctor"], Role::Viewer),
            (None, &[""], Role::Viewer),
            // the explicit claim decides
            (Some(Role::Moderator), &[], Role::Moderator),
            (Some(Role::Moderator), &["Learner"], Role::Moderator),
            (Some(Role::Viewer), &["Instructor"], Role::Viewer),
            (Some(Role::Viewer), &[], Role::Viewer),
        ];
        for (claim, list, expected) in cases {
            assert_eq!(decide(*claim, &roles(list), &lti), *expected, "{claim:?} {list:?}");
        }
    }

    #[test]
    fn default_moderator_role_is_moderator() {
        let defaults = ModeratorRoles::default();
        assert_eq!(decide(None, &roles(&["moderator"]), &defaults), Role::Moderator);
        assert_eq!(decide(None, &roles(&["Moderator"]), &defaults), Role::Viewer);
    }

    #[test]
    fn role_claim_is_exact() {
        assert_eq!(Role::from_claim("moderator"), Some(Role::Moderator));
        assert_eq!(Role::from_claim("viewer"), Some(Role::Viewer));
        for bad in ["Moderator", "MODERATOR", "moderator ", "admin", ""] {
            assert_eq!(Role::from_claim(bad), None, "{bad:?}");
        }
    }
}
