use super::*;
use crate::bbb::{ApiBase, ChecksumAlgorithm, Signer};
use crate::secret::Secret;

const NOW: i64 = 1_800_000_000;

fn server(id: &str, multiplier: f64, tags: &[&str]) -> Server {
    Server {
        id: ServerId::parse(id).unwrap(),
        base: ApiBase::parse(&format!("https://{id}.example/bigbluebutton/")).unwrap(),
        signer: Signer { secret: Secret::new(format!("secret-{id}")), algorithm: ChecksumAlgorithm::Sha256 },
        previous_secret: None,
        load_multiplier: multiplier,
        tags: tags.iter().map(|t| t.to_string()).collect(),
    }
}

fn pool() -> Pool {
    Pool::new(vec![server("a", 1.0, &[]), server("b", 1.0, &[]), server("c", 2.0, &[])])
}

fn id(name: &str) -> ServerId {
    ServerId::parse(name).unwrap()
}

fn settings() -> PollSettings {
    PollSettings { poll_seconds: 60, fail_polls: 2, recover_polls: 2, batch: 40 }
}

fn listed(meeting: &str, time: u64, participants: u64) -> ListedMeeting {
    ListedMeeting {
        meeting_id: meeting.into(),
        internal_meeting_id: format!("x-{time}"),
        create_time: CreateTime(time),
        running: true,
        participants,
    }
}

#[test]
fn a_burst_of_new_meetings_spreads_at_once() {
    let (pool, mut view) = (pool(), PoolView::default());
    let mut count: BTreeMap<String, u32> = BTreeMap::new();
    for i in 0..30 {
        let chosen = view.place(&pool, &format!("m{i}"), &TagRule::Untagged, None, &[], NOW).unwrap();
        *count.entry(chosen.to_string()).or_default() += 1;
    }
    // Multiplier 2 counts c double: the fair shares are 12, 12 and 6.
    assert_eq!(count, BTreeMap::from([("a".into(), 12), ("b".into(), 12), ("c".into(), 6)]));
}

#[test]
fn load_is_participants_times_multiplier_and_unseen_placements_count_their_size() {
    let (pool, mut view) = (pool(), PoolView::default());
    view.apply_poll(&id("a"), Some(&[listed("old", 1, 40)]), &settings(), NOW);
    view.apply_poll(&id("b"), Some(&[]), &settings(), NOW);
    view.apply_poll(&id("c"), Some(&[listed("big", 2, 10)]), &settings(), NOW);
    assert_eq!(view.load(&pool.servers()[0], NOW), 40.0);
    assert_eq!(view.load(&pool.servers()[2], NOW), 20.0);
    assert_eq!(view.place(&pool, "n1", &TagRule::Untagged, Some(30), &[], NOW), Some(id("b")));
    assert_eq!(view.load(&pool.servers()[1], NOW), 30.0);
    assert_eq!(view.place(&pool, "n2", &TagRule::Untagged, Some(5), &[], NOW), Some(id("c")), "20 < 30 < 40");
    assert_eq!(view.load(&pool.servers()[1], NOW + UNSEEN_SECONDS), 0.0, "an unseen placement counts 15 minutes");
    // A poll that lists it counts its real participants instead.
    view.placed("n1", &id("b"), CreateTime(7), NOW + 1);
    view.apply_poll(&id("b"), Some(&[listed("n1", 7, 3)]), &settings(), NOW + 60);
    assert_eq!(view.load(&pool.servers()[1], NOW + 60), 3.0);
    assert!(view.placements["n1"].seen);
}

#[test]
fn only_enabled_online_servers_take_new_meetings() {
    let (pool, mut view) = (pool(), PoolView::default());
    assert_eq!(view.set_state(&id("a"), AdminState::Cordoned), None, "cordoned meetings keep taking joins");
    assert_eq!(view.set_state(&id("b"), AdminState::Disabled), Some(false));
    assert_eq!(view.place(&pool, "m", &TagRule::Untagged, None, &[], NOW), Some(id("c")));
    view.apply_poll(&id("c"), None, &settings(), NOW);
    let outcome = view.apply_poll(&id("c"), None, &settings(), NOW + 60);
    assert_eq!(outcome.joinable_changed, Some(false), "offline after two failed polls");
    assert_eq!(view.place(&pool, "m2", &TagRule::Untagged, None, &[], NOW), None, "no_server_available");
    assert_eq!(view.meetings_on(&id("c")), ["m"]);
    view.apply_poll(&id("c"), Some(&[]), &settings(), NOW + 120);
    assert_eq!(view.apply_poll(&id("c"), Some(&[]), &settings(), NOW + 180).joinable_changed, Some(true));
}

#[test]
fn a_pool_of_one_places_on_its_server_unless_disabled() {
    let single = Pool::of_one(server("default", 1.0, &["ignored"]));
    let mut view = PoolView::default();
    view.apply_poll(&ServerId::default_id(), None, &settings(), NOW);
    view.apply_poll(&ServerId::default_id(), None, &settings(), NOW + 60);
    let rule = TagRule::parse(Some("eu!"));
    assert_eq!(view.place(&single, "m", &rule, None, &[], NOW), Some(ServerId::default_id()), "nowhere else to go");
    view.set_state(&ServerId::default_id(), AdminState::Disabled);
    assert_eq!(view.place(&single, "m", &rule, None, &[], NOW), None);
}

#[test]
fn a_running_meeting_its_server_stopped_listing_is_reported_after_the_grace() {
    let (pool, mut view) = (pool(), PoolView::default());
    let chosen = view.place(&pool, "m", &TagRule::Untagged, None, &[], NOW).unwrap();
    view.placed("m", &chosen, CreateTime(5), NOW);
    assert!(view.apply_poll(&chosen, Some(&[]), &settings(), NOW + 10).unlisted.is_empty(), "just created");
    let outcome = view.apply_poll(&chosen, Some(&[listed("m", 4, 0)]), &settings(), NOW + GRACE_SECONDS);
    assert_eq!(outcome.unlisted, [("m".to_owned(), CreateTime(5))], "another instance is not this one");
    view.ended("m", Some(CreateTime(4)));
    assert!(view.placements.contains_key("m"), "an older instance's end leaves the current placement");
    view.ended("m", Some(CreateTime(5)));
    assert!(view.placements.is_empty());
}

#[test]
fn polls_go_oldest_first_in_batches() {
    let (pool, mut view) = (pool(), PoolView::default());
    assert_eq!(view.due_for_poll(&pool, 2, NOW, 60).len(), 2);
    view.apply_poll(&id("a"), Some(&[]), &settings(), NOW);
    view.apply_poll(&id("b"), Some(&[]), &settings(), NOW - 30);
    let due: Vec<&str> = view.due_for_poll(&pool, 5, NOW + 40, 60).iter().map(|s| s.id.as_str()).collect();
    assert_eq!(due, ["c", "b"], "never polled, then the oldest poll; a is not due");
    assert_eq!(view.due_for_poll(&pool, 5, NOW + 56, 60).len(), 3, "a few seconds early counts");
}
