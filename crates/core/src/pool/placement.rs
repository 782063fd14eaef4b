//! How a new meeting instance is placed (CONTRACT §8): the server with the lowest load among those
//! `enabled` and `online` that match the token's `server_tag`; ties go to the one with fewer
//! meetings, then to the one listed first.

use super::ServerId;

/// The `server_tag` claim, as Scalelite reads its `meta_server-tag`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagRule {
    /// No tag: untagged servers only, so tagged servers are kept for tokens that ask for them.
    Untagged,
    /// `tag`: servers with it, else untagged servers.
    Prefer(String),
    /// `tag!`: only servers with it.
    Only(String),
}

impl TagRule {
    pub fn parse(claim: Option<&str>) -> TagRule {
        match claim.map(str::trim).filter(|t| !t.is_empty()) {
            None => TagRule::Untagged,
            Some(tag) => match tag.strip_suffix('!') {
                Some(tag) => TagRule::Only(tag.to_owned()),
                None => TagRule::Prefer(tag.to_owned()),
            },
        }
    }
}

/// One server as placement sees it.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    pub id: &'a ServerId,
    pub tags: &'a [String],
    /// `enabled` and counted online.
    pub usable: bool,
    /// Participants times the multiplier, placements no poll has seen included.
    pub load: f64,
    pub meetings: u64,
}

/// The server for a new instance, or `None` (`no_server_available`). `exclude`: servers that just
/// refused this meeting's create.
pub fn choose<'a>(candidates: &[Candidate<'a>], rule: &TagRule, exclude: &[ServerId]) -> Option<&'a ServerId> {
    let open: Vec<&Candidate<'a>> = candidates.iter().filter(|c| c.usable && !exclude.contains(c.id)).collect();
    let tagged = |tag: &str| -> Vec<&Candidate<'a>> {
        open.iter().copied().filter(|c| c.tags.iter().any(|t| t == tag)).collect()
    };
    let untagged = || -> Vec<&Candidate<'a>> { open.iter().copied().filter(|c| c.tags.is_empty()).collect() };
    let pool = match rule {
        TagRule::Untagged => untagged(),
        TagRule::Only(tag) => tagged(tag),
        TagRule::Prefer(tag) => {
            let with = tagged(tag);
            if with.is_empty() {
                untagged()
            } else {
                with
            }
        }
    };
    // min_by keeps the first of equals: the order the operator listed them in.
    pool.into_iter()
        .min_by(|a, b| a.load.total_cmp(&b.load).then(a.meetings.cmp(&b.meetings)))
        .map(|candidate| candidate.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<ServerId> {
        ["a", "b", "c", "d"].iter().map(|id| ServerId::parse(id).unwrap()).collect()
    }

    fn candidate<'a>(id: &'a ServerId, tags: &'a [String], load: f64, meetings: u64) -> Candidate<'a> {
        Candidate { id, tags, usable: true, load, meetings }
    }

    #[test]
    fn lowest_load_then_fewer_meetings_then_listing_order() {
        let ids = ids();
        let none: Vec<String> = Vec::new();
        let list = vec![
            candidate(&ids[0], &none, 30.0, 1),
            candidate(&ids[1], &none, 10.0, 5),
            candidate(&ids[2], &none, 10.0, 2),
        ];
        assert_eq!(choose(&list, &TagRule::Untagged, &[]), Some(&ids[2]));
        let tie = vec![candidate(&ids[0], &none, 0.0, 0), candidate(&ids[1], &none, 0.0, 0)];
        assert_eq!(choose(&tie, &TagRule::Untagged, &[]), Some(&ids[0]));
        assert_eq!(
            choose(&tie, &TagRule::Untagged, &[ids[0].clone()]),
            Some(&ids[1]),
            "a server that refused is skipped"
        );
        let mut down = tie.clone();
        down[0].usable = false;
        down[1].usable = false;
        assert_eq!(choose(&down, &TagRule::Untagged, &[]), None);
    }

    #[test]
    fn tags_as_scalelite_reads_them() {
        let ids = ids();
        let (none, eu, us): (Vec<String>, Vec<String>, Vec<String>) = (vec![], vec!["eu".into()], vec!["us".into()]);
        let list =
            vec![candidate(&ids[0], &none, 50.0, 0), candidate(&ids[1], &eu, 90.0, 0), candidate(&ids[2], &us, 0.0, 0)];
        assert_eq!(TagRule::parse(None), TagRule::Untagged);
        assert_eq!(TagRule::parse(Some("eu!")), TagRule::Only("eu".into()));
        assert_eq!(choose(&list, &TagRule::Untagged, &[]), Some(&ids[0]), "tagged servers are kept for their tags");
        assert_eq!(choose(&list, &TagRule::parse(Some("eu")), &[]), Some(&ids[1]));
        assert_eq!(choose(&list, &TagRule::parse(Some("asia")), &[]), Some(&ids[0]), "no such server: untagged");
        assert_eq!(choose(&list, &TagRule::parse(Some("asia!")), &[]), None, "mandatory");
        let mut eu_down = list.clone();
        eu_down[1].usable = false;
        assert_eq!(choose(&eu_down, &TagRule::parse(Some("eu")), &[]), Some(&ids[0]));
        assert_eq!(choose(&eu_down, &TagRule::parse(Some("eu!")), &[]), None);
    }
}
