use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::oneshot;
use futures_executor::block_on;
use futures_util::future::join_all;
use std::future::Future;

use super::*;
use crate::bbb::{HttpReply, SignedUrl, TransportError};
use crate::config::ConfigSource;
use crate::create_options::CreateOptions;
use crate::ids::{CreateTime, MeetingId};
use crate::pool::{MemoryPlacement, ServerId};

const NOW: i64 = 1_800_000_000;

struct Settings;

impl ConfigSource for Settings {
    fn var(&self, name: &str) -> Option<String> {
        let value = match name {
            "BBB_URL" => "https://bbb.test/bigbluebutton/",
            "PUBLIC_URL" => "https://edge.test",
            "JWT_ISSUER" => "lms",
            "JWT_AUDIENCE" => "edge",
            _ => return None,
        };
        Some(value.to_owned())
    }
    fn secret(&self, name: &str) -> Option<String> {
        match name {
            "BBB_SECRET" => Some("secret".to_owned()),
            "JWT_SECRET" => Some("jwt-secret-0123456789abcdef0123456789".to_owned()),
            _ => None,
        }
    }
}

/// Settings of a pool of servers, each with its own secret.
struct PoolSettings(Vec<String>);

impl ConfigSource for PoolSettings {
    fn var(&self, name: &str) -> Option<String> {
        match name {
            "BBB_SERVERS" => Some(
                serde_json::to_string(
                    &self
                        .0
                        .iter()
                        .map(|id| serde_json::json!({ "id": id, "url": format!("https://{id}.test/bigbluebutton/") }))
                        .collect::<Vec<_>>(),
                )
                .unwrap(),
            ),
            "BBB_URL" => None,
            other => Settings.var(other),
        }
    }
    fn secret(&self, name: &str) -> Option<String> {
        match name {
            "CALLBACK_SECRET" => Some("callback-key".into()),
            "BBB_SECRET" => None,
            name if name.starts_with("BBB_SECRET_") => Some(format!("secret-{name}")),
            other => Settings.secret(other),
        }
    }
}

/// A small BBB: `create` makes an instance or answers `duplicateWarning` for the running one,
/// `getMeetingInfo` reports it. Calls can be held at a gate, scripted to fail (without acting),
/// have their answer lost (after acting), and are counted.
#[derive(Default)]
struct FakeBbb {
    calls: Cell<u32>,
    info_calls: Cell<u32>,
    gate: RefCell<Option<oneshot::Receiver<()>>>,
    failures: RefCell<VecDeque<Result<HttpReply, TransportError>>>,
    /// The next call is carried out, then answered with a timeout.
    lose_next: Cell<bool>,
    next_time: Cell<u64>,
    /// The instance BBB has: its createTime, the `meetingEndedURL` it keeps, and whether it ended.
    meeting: RefCell<Option<(u64, String, bool)>>,
}

impl FakeBbb {
    /// BBB ends the meeting (a moderator, or nobody joined); it then reports it forcibly ended.
    fn end(&self) {
        if let Some(meeting) = self.meeting.borrow_mut().as_mut() {
            meeting.2 = true;
        }
    }

    /// The nonce of the `meetingEndedURL` BBB holds.
    fn held_nonce(&self) -> String {
        let url = self.meeting.borrow().as_ref().unwrap().1.clone();
        url.rsplit('/').next().unwrap().split('.').nth(1).unwrap().to_owned()
    }

    fn create(&self, query: &str) -> String {
        let mut meeting = self.meeting.borrow_mut();
        let (time, key) = match meeting.as_ref() {
            Some((time, _, false)) => (*time, "duplicateWarning"),
            _ => {
                let time = 1_700_000_000_000 + self.next_time.get();
                self.next_time.set(self.next_time.get() + 1);
                let url = form_urlencoded::parse(query.as_bytes())
                    .find(|(k, _)| k == "meetingEndedURL")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                *meeting = Some((time, url, false));
                (time, "")
            }
        };
        format!(
            "<response><returncode>SUCCESS</returncode><meetingID>m</meetingID><internalMeetingID>x-{time}</internalMeetingID><createTime>{time}</createTime><messageKey>{key}</messageKey></response>"
        )
    }

    fn meeting_info(&self) -> String {
        match self.meeting.borrow().as_ref() {
            Some((time, _, ended)) => format!(
                "<response><returncode>SUCCESS</returncode><meetingID>course-101</meetingID><internalMeetingID>x-{time}</internalMeetingID><createTime>{time}</createTime><running>{}</running><hasBeenForciblyEnded>{ended}</hasBeenForciblyEnded><endTime>{}</endTime></response>",
                !ended,
                if *ended { time + 1 } else { 0 }
            ),
            None => "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>A meeting with that ID does not exist</message></response>".into(),
        }
    }
}

/// BBB answering `FAILED` with `key`.
fn refused(key: &str) -> HttpReply {
    HttpReply {
        status: 200,
        body: format!(
            "<response><returncode>FAILED</returncode><messageKey>{key}</messageKey><message>x</message></response>"
        ),
    }
}

/// The transport to a fleet of fake servers, by host (`bbb.test` is the pool of one).
#[derive(Clone)]
struct Handle(Rc<Vec<(String, Rc<FakeBbb>)>>);

impl Handle {
    fn to(&self, url: &str) -> Rc<FakeBbb> {
        let host = url.split('/').nth(2).unwrap_or_default();
        self.0
            .iter()
            .find(|(h, _)| h == host)
            .map(|(_, fake)| fake.clone())
            .unwrap_or_else(|| panic!("no server {host}"))
    }
}

impl Transport for Handle {
    async fn get(&self, url: &SignedUrl, _: Duration) -> Result<HttpReply, TransportError> {
        let server = self.to(url.expose());
        let this = &server;
        this.calls.set(this.calls.get() + 1);
        let gate = this.gate.borrow_mut().take();
        if let Some(gate) = gate {
            let _ = gate.await;
        }
        if let Some(failure) = this.failures.borrow_mut().pop_front() {
            return failure;
        }
        let (path, query) = url.expose().split_once('?').unwrap();
        let body = if path.ends_with("/api/create") {
            this.create(query)
        } else if path.ends_with("/api/getMeetingInfo") {
            this.info_calls.set(this.info_calls.get() + 1);
            this.meeting_info()
        } else {
            panic!("unexpected call {path}")
        };
        if this.lose_next.replace(false) {
            return Err(TransportError::Timeout);
        }
        Ok(HttpReply { status: 200, body })
    }

    async fn get_unsigned(&self, _: &str, _: Duration) -> Result<HttpReply, TransportError> {
        unreachable!()
    }
}

/// The in-memory store, counting how often the coordinator asks it about a `jti`.
#[derive(Default)]
struct MemStore {
    inner: MemoryStore,
    jti_reads: Cell<u32>,
}

impl std::ops::Deref for MemStore {
    type Target = MemoryStore;
    fn deref(&self) -> &MemoryStore {
        &self.inner
    }
}

impl CoordinatorStore for MemStore {
    async fn load_instance(&self) -> Result<Option<Instance>, StoreError> {
        self.inner.load_instance().await
    }
    async fn save_instance(&self, instance: &Instance) -> Result<(), StoreError> {
        self.inner.save_instance(instance).await
    }
    async fn jti_used(&self, jti: &str, now: i64) -> Result<bool, StoreError> {
        self.jti_reads.set(self.jti_reads.get() + 1);
        self.inner.jti_used(jti, now).await
    }
    async fn remember_jti(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        self.inner.remember_jti(jti, until).await
    }
    async fn first_announcement(&self, record_id: &str) -> Result<bool, StoreError> {
        self.inner.first_announcement(record_id).await
    }
    async fn load_pending_creates(&self) -> Result<Vec<PendingCreate>, StoreError> {
        self.inner.load_pending_creates().await
    }
    async fn save_pending_creates(&self, pending: &[PendingCreate]) -> Result<(), StoreError> {
        self.inner.save_pending_creates(pending).await
    }
}

struct World {
    config: Config,
    /// The pool of one's server, or the first server of a pool.
    fake: Rc<FakeBbb>,
    fleet: Vec<(String, Rc<FakeBbb>)>,
    transport: Handle,
    placement: MemoryPlacement,
    store: MemStore,
    memory: CoordinatorMemory,
}

impl World {
    fn new() -> Self {
        World::with(Config::load(&Settings).unwrap())
    }

    /// A pool of servers `a`, `b`, … (hosts `a.test`, …).
    fn pool(ids: &[&str]) -> Self {
        World::with(Config::load(&PoolSettings(ids.iter().map(|id| id.to_string()).collect())).unwrap())
    }

    fn with(config: Config) -> Self {
        let fleet: Vec<(String, Rc<FakeBbb>)> = config
            .pool
            .servers()
            .iter()
            .map(|server| (server.base.as_str().split('/').nth(2).unwrap().to_owned(), Rc::new(FakeBbb::default())))
            .collect();
        let placement = MemoryPlacement::new(config.pool.clone(), NOW);
        World {
            fake: fleet[0].1.clone(),
            transport: Handle(Rc::new(fleet.clone())),
            fleet,
            config,
            placement,
            store: MemStore::default(),
            memory: CoordinatorMemory::default(),
        }
    }

    fn server(&self, id: &str) -> Rc<FakeBbb> {
        self.fleet.iter().find(|(host, _)| host == &format!("{id}.test")).unwrap().1.clone()
    }

    fn coordinator(&self) -> Coordinator<'_, MemStore, Handle, MemoryPlacement> {
        Coordinator {
            memory: &self.memory,
            store: &self.store,
            config: &self.config,
            transport: &self.transport,
            placement: &self.placement,
        }
    }

    fn hold_next_create(&self) -> oneshot::Sender<()> {
        let (open, gate) = oneshot::channel();
        *self.fake.gate.borrow_mut() = Some(gate);
        open
    }

    fn hold_next_create_on(&self, id: &str) -> oneshot::Sender<()> {
        let (open, gate) = oneshot::channel();
        *self.server(id).gate.borrow_mut() = Some(gate);
        open
    }
}

fn spec(name: &str, record: bool) -> CreateSpec {
    CreateSpec {
        meeting: MeetingId::parse("course-101").unwrap(),
        name: name.to_owned(),
        options: CreateOptions::from_claim(Some(&serde_json::json!({ "record": record }))).unwrap(),
        server_tag: None,
        expected_size: None,
    }
}

/// A token issued ten seconds before `NOW`, remembered until `NOW + 60`.
fn jti(id: &str) -> Jti {
    Jti { id: id.to_owned(), issued_at: NOW - 10, until: NOW + 60 }
}

/// A fresh nonce per create, as the edge's random ones are.
fn nonce() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    format!("nonce-{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

#[test]
fn two_hundred_concurrent_first_joins_make_one_create() {
    let world = World::new();
    let open = world.hold_next_create();
    let coordinator = world.coordinator();
    let spec = spec("Course", true);
    let joins = (0..200).map(|i| {
        let spec = spec.clone();
        let coordinator = &coordinator;
        async move { coordinator.join(&jti(&format!("jti-{i}")), &spec, NOW, nonce).await }
    });
    let (results, ()) = block_on(futures_util::future::join(join_all(joins), async move { open.send(()).unwrap() }));
    assert_eq!(world.fake.calls.get(), 1, "exactly one create");
    let grants: Vec<Grant> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(grants.len(), 200);
    let time = grants[0].instance.create_time;
    assert!(grants.iter().all(|g| g.instance.create_time == time));
    assert_eq!(grants.iter().filter(|g| g.created).count(), 1);
    assert_eq!(world.store.jtis.borrow().len(), 200, "every jti is spent");
}

#[test]
fn a_running_meeting_is_joined_without_any_bbb_call() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("first"), &spec("Course", true), NOW, nonce)).unwrap();
    assert!(first.created);
    let calls = world.fake.calls.get();
    for i in 0..100 {
        let grant = block_on(coordinator.join(&jti(&format!("j{i}")), &spec("Course", true), NOW, nonce)).unwrap();
        assert_eq!(grant.instance.create_time, first.instance.create_time);
        assert!(!grant.created && grant.drift.is_empty());
    }
    assert_eq!(world.fake.calls.get(), calls, "hot path: zero BBB calls");
}

#[test]
fn a_jti_works_once() {
    let world = World::new();
    let coordinator = world.coordinator();
    assert!(block_on(coordinator.join(&jti("same"), &spec("Course", true), NOW, nonce)).is_ok());
    let again = block_on(coordinator.join(&jti("same"), &spec("Course", true), NOW, nonce)).unwrap_err();
    assert_eq!(again.code, ErrorCode::TokenReplayed);
    assert!(block_on(coordinator.join(&jti("other"), &spec("Course", true), NOW, nonce)).is_ok());
}

#[test]
fn the_same_jti_twice_at_once_passes_once() {
    let world = World::new();
    let open = world.hold_next_create();
    let coordinator = world.coordinator();
    let spec = spec("Course", true);
    let (a, b, ()) = block_on(futures_util::future::join3(
        coordinator.join(&jti("dup"), &spec, NOW, nonce),
        coordinator.join(&jti("dup"), &spec, NOW, nonce),
        async move { open.send(()).unwrap() },
    ));
    assert!(a.is_ok());
    assert_eq!(b.unwrap_err().code, ErrorCode::TokenReplayed);
}

#[test]
fn replay_is_caught_by_the_store_after_the_memory_is_gone() {
    let mut world = World::new();
    block_on(world.coordinator().join(&jti("j1"), &spec("Course", true), NOW, nonce)).unwrap();
    world.memory = CoordinatorMemory::default(); // the Durable Object was evicted
    let calls = world.fake.calls.get();
    let coordinator = world.coordinator();
    assert_eq!(
        block_on(coordinator.join(&jti("j1"), &spec("Course", true), NOW, nonce)).unwrap_err().code,
        ErrorCode::TokenReplayed
    );
    // The stored instance still serves the hot path.
    assert!(!block_on(coordinator.join(&jti("j2"), &spec("Course", true), NOW, nonce)).unwrap().created);
    assert_eq!(world.fake.calls.get(), calls);
    // Expired entries are not replays.
    assert!(block_on(coordinator.join(&jti("j1"), &spec("Course", true), NOW + 61, nonce)).is_ok());
}

#[test]
fn a_failed_create_is_shared_by_its_waiters_but_not_cached() {
    let world = World::new();
    world.fake.failures.borrow_mut().push_back(Ok(refused("maxConcurrent")));
    let open = world.hold_next_create();
    let coordinator = world.coordinator();
    let spec = spec("Course", true);
    let (a, b, ()) = block_on(futures_util::future::join3(
        coordinator.join(&jti("a"), &spec, NOW, nonce),
        coordinator.join(&jti("b"), &spec, NOW, nonce),
        async move { open.send(()).unwrap() },
    ));
    assert_eq!(a.unwrap_err().bbb.unwrap().key, "maxConcurrent");
    assert_eq!(b.unwrap_err().bbb.unwrap().key, "maxConcurrent");
    assert_eq!(world.fake.calls.get(), 1);
    // The next joiner retries, and a failed join's jti was not spent.
    let retry = block_on(coordinator.join(&jti("a"), &spec, NOW, nonce)).unwrap();
    assert!(retry.created);
    assert_eq!(world.fake.calls.get(), 2);
    world.fake.failures.borrow_mut().push_back(Err(TransportError::Timeout));
    assert!(world.store.instance.borrow().is_some());
}

#[test]
fn later_tokens_do_not_change_a_running_instance() {
    let world = World::new();
    let coordinator = world.coordinator();
    block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    let grant = block_on(coordinator.join(&jti("b"), &spec("Other name", false), NOW, nonce)).unwrap();
    assert_eq!(grant.drift, vec!["name", "record"]);
    let state = block_on(coordinator.current()).unwrap().unwrap();
    assert_eq!(state.name, "Course");
    assert_eq!(state.params, vec![("record".to_owned(), "true".to_owned())]);
    assert!(state.nonce.starts_with("nonce-"));
}

/// A recovery of the pool of one's instance created at `stale`, with the usual spec.
fn recover(
    coordinator: &Coordinator<'_, MemStore, Handle, MemoryPlacement>,
    stale: CreateTime,
    start: Start,
    now: i64,
) -> Result<Recovery, AppError> {
    block_on(coordinator.recover(stale, &ServerId::default_id(), &spec("Course", true), start, now, nonce))
}

fn recovered(recovery: Result<Recovery, AppError>) -> Grant {
    match recovery.unwrap() {
        Recovery::Join(grant) => *grant,
        Recovery::StillRunning | Recovery::Wait(_) => panic!("expected a recovery"),
    }
}

#[test]
fn recover_drops_only_an_instance_bbb_confirms_gone() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    // Someone reports an instance that is not the current one: nothing is dropped, BBB not asked.
    let other = recovered(recover(&coordinator, CreateTime(1), Start::May, NOW));
    assert_eq!(other.instance.create_time, first.instance.create_time);
    assert_eq!(world.fake.calls.get(), 1);
    // BBB ended it: dropped and created anew, once, however many report it.
    world.fake.end();
    let time = first.instance.create_time;
    let recovery = recovered(recover(&coordinator, time, Start::May, NOW));
    assert!(recovery.created);
    assert_ne!(recovery.instance.create_time, time);
    assert_eq!(world.fake.info_calls.get(), 1);
    let again = recovered(recover(&coordinator, time, Start::May, NOW));
    assert_eq!(again.instance.create_time, recovery.instance.create_time);
    assert_eq!((world.fake.calls.get(), world.fake.info_calls.get()), (3, 1), "one create, one question");
}

#[test]
fn a_stale_claim_about_a_running_instance_drops_nothing() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    let time = first.instance.create_time;
    for at in [NOW, NOW + 1, NOW + CONFIRMATION_SECONDS - 1] {
        let answer = recover(&coordinator, time, Start::May, at).unwrap();
        assert_eq!(answer, Recovery::StillRunning);
    }
    assert_eq!(world.fake.info_calls.get(), 1, "BBB's word is kept briefly");
    assert_eq!(recover(&coordinator, time, Start::May, NOW + CONFIRMATION_SECONDS).unwrap(), Recovery::StillRunning);
    assert_eq!(world.fake.info_calls.get(), 2);
    let stored = world.store.instance.borrow().clone().unwrap();
    assert_eq!(stored, first.instance, "not ended, not re-created, the same callback nonce");
    assert_eq!(world.fake.calls.get(), 3, "one create and two questions");
}

#[test]
fn when_bbb_cannot_say_nothing_is_dropped() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    world.fake.failures.borrow_mut().push_back(Err(TransportError::Timeout));
    let error = recover(&coordinator, first.instance.create_time, Start::May, NOW).unwrap_err();
    assert_eq!(error.code, ErrorCode::BbbTimeout);
    assert!(world.store.instance.borrow().as_ref().unwrap().is_running());
}

#[test]
fn a_create_nonce_is_stored_before_the_call() {
    let world = World::new();
    let open = world.hold_next_create();
    let coordinator = world.coordinator();
    let (a, spec) = (jti("a"), spec("Course", true));
    let mut join = Box::pin(coordinator.join(&a, &spec, NOW, nonce));
    let waker = futures_util::task::noop_waker();
    assert!(join.as_mut().poll(&mut std::task::Context::from_waker(&waker)).is_pending());
    let pending = world.store.pending.borrow().clone();
    assert_eq!(pending.len(), 1, "persisted while BBB is still creating");
    open.send(()).unwrap();
    let grant = block_on(join).unwrap();
    assert_eq!(grant.instance.nonce, pending[0].nonce);
    assert!(world.store.pending.borrow().is_empty(), "settled by the answer");
}

#[test]
fn a_lost_create_answer_keeps_bbbs_url_valid() {
    let world = World::new();
    let coordinator = world.coordinator();
    world.fake.lose_next.set(true);
    let lost = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap_err();
    assert_eq!(lost.code, ErrorCode::BbbTimeout);
    let held = world.fake.held_nonce();
    assert_eq!(world.store.pending.borrow()[0].nonce, held);
    // The retry gets duplicateWarning: BBB kept the first create's URL.
    let retry = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW + 5, nonce)).unwrap();
    assert_eq!(retry.instance.nonce, held);
    assert!(world.store.pending.borrow().is_empty());
    let events = block_on(coordinator.meeting_ended(&held, NOW + 60)).unwrap().unwrap();
    assert_eq!(events.len(), 1, "BBB's end on the first URL is announced");
    assert!(events[0].body.contains(&retry.instance.create_time.0.to_string()));
    assert_eq!(block_on(coordinator.meeting_ended(&held, NOW + 61)).unwrap(), Some(vec![]), "once");
}

#[test]
fn several_lost_answers_leave_every_candidate_url_valid() {
    let world = World::new();
    let coordinator = world.coordinator();
    world.fake.failures.borrow_mut().push_back(Err(TransportError::Timeout)); // never reached BBB
    assert!(block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).is_err());
    world.fake.lose_next.set(true); // made the meeting
    assert!(block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).is_err());
    let retry = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    let held = world.fake.held_nonce();
    assert!(retry.instance.answers_to(&held));
    assert_eq!(retry.instance.other_nonces.len(), 1);
    assert_eq!(block_on(coordinator.meeting_ended(&held, NOW)).unwrap().unwrap().len(), 1);
}

#[test]
fn a_refused_create_forgets_its_nonce() {
    let world = World::new();
    world.fake.failures.borrow_mut().push_back(Ok(refused("maxConcurrent")));
    assert!(block_on(world.coordinator().join(&jti("a"), &spec("Course", true), NOW, nonce)).is_err());
    assert!(world.store.pending.borrow().is_empty());
}

#[test]
fn a_lost_create_bbb_ended_alone_is_answered_and_announces_nothing() {
    let world = World::new();
    let coordinator = world.coordinator();
    world.fake.lose_next.set(true);
    assert!(block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).is_err());
    let held = world.fake.held_nonce();
    world.fake.end(); // nobody could join it; BBB expires it and calls its URL
    assert_eq!(
        block_on(coordinator.meeting_ended(&held, NOW + 300)).unwrap(),
        Some(vec![]),
        "200, nothing to announce"
    );
    assert!(world.store.pending.borrow().is_empty());
    // A fresh create next time, with its own URL; the old nonce is settled.
    let next = block_on(coordinator.join(&jti("b"), &spec("Course", true), NOW + 400, nonce)).unwrap();
    assert_ne!(next.instance.nonce, held);
    assert_eq!(block_on(coordinator.meeting_ended(&held, NOW + 500)).unwrap(), None);
}

#[test]
fn a_duplicate_of_the_instance_already_known_keeps_its_url() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    // The worker's view says ended (a callback), but BBB still has it: BBB's answer wins.
    block_on(coordinator.meeting_ended(&first.instance.nonce, NOW)).unwrap();
    let again = block_on(coordinator.join(&jti("b"), &spec("Course", true), NOW, nonce)).unwrap();
    assert_eq!(again.instance.create_time, first.instance.create_time);
    assert_eq!(again.instance.nonce, first.instance.nonce);
    assert!(again.instance.is_running());
}

#[test]
fn waiters_are_released_when_the_creating_request_goes_away() {
    let world = World::new();
    let _open = world.hold_next_create();
    let coordinator = world.coordinator();
    let spec = spec("Course", true);
    let (a, b) = (jti("a"), jti("b"));
    let mut creator = Box::pin(coordinator.join(&a, &spec, NOW, nonce));
    let mut waiter = Box::pin(coordinator.join(&b, &spec, NOW, nonce));
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(creator.as_mut().poll(&mut cx).is_pending());
    assert!(waiter.as_mut().poll(&mut cx).is_pending());
    drop(creator);
    match waiter.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Err(error)) => assert_eq!(error.code, ErrorCode::Internal),
        other => panic!("the waiter must be released, got {other:?}"),
    }
    // Nothing is left in flight: the next join creates.
    assert!(block_on(coordinator.join(&jti("c"), &spec, NOW, nonce)).unwrap().created);
}

#[test]
fn the_store_is_asked_only_about_tokens_an_earlier_memory_could_have_seen() {
    let mut world = World::new();
    block_on(world.coordinator().join(&jti("old"), &spec("Course", true), NOW, nonce)).unwrap();
    world.memory = CoordinatorMemory::default(); // evicted; the new memory begins at NOW + 100
    let later = NOW + 100;
    let reads = world.store.jti_reads.get();
    let coordinator = world.coordinator();
    // Issued before the new memory began (within the leeway): the store must be asked.
    let early = Jti { id: "early".into(), issued_at: later - 20, until: later + 60 };
    block_on(coordinator.join(&early, &spec("Course", true), later, nonce)).unwrap();
    assert_eq!(world.store.jti_reads.get(), reads + 1);
    // Issued after it began, beyond the leeway: memory alone decides, and still catches replays.
    let fresh = Jti { id: "fresh".into(), issued_at: later + 31, until: later + 90 };
    block_on(coordinator.join(&fresh, &spec("Course", true), later + 31, nonce)).unwrap();
    assert_eq!(world.store.jti_reads.get(), reads + 1);
    let replay = block_on(coordinator.join(&fresh, &spec("Course", true), later + 32, nonce)).unwrap_err();
    assert_eq!(replay.code, ErrorCode::TokenReplayed);
}

#[test]
fn meeting_ended_once_per_instance_and_the_next_join_creates() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    assert_eq!(block_on(coordinator.meeting_ended("other-nonce", NOW)).unwrap(), None, "unknown: 410");
    let nonce_of_first = first.instance.nonce.clone();
    let events = block_on(coordinator.meeting_ended(&nonce_of_first, NOW)).unwrap().unwrap();
    assert_eq!(events.len(), 1);
    assert!(
        events[0].body.contains("\"meeting.ended\"")
            && events[0].body.contains(&first.instance.create_time.0.to_string())
    );
    for _ in 0..4 {
        assert_eq!(
            block_on(coordinator.meeting_ended(&nonce_of_first, NOW)).unwrap(),
            Some(vec![]),
            "BBB's retries: nothing new"
        );
    }
    world.fake.end();
    let next = block_on(coordinator.join(&jti("b"), &spec("Course", true), NOW, nonce)).unwrap();
    assert!(next.created);
    assert_ne!(next.instance.create_time, first.instance.create_time);
}

#[test]
fn a_recovery_announces_the_instance_it_dropped() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    world.fake.end();
    let recovered = recovered(recover(&coordinator, first.instance.create_time, Start::May, NOW));
    assert_eq!(recovered.events.len(), 1);
    let late_callback = block_on(coordinator.meeting_ended(&first.instance.nonce, NOW)).unwrap();
    assert!(late_callback.is_none() || late_callback == Some(vec![]), "never a second meeting.ended");
    assert!(recovered.instance.is_running(), "the new instance is untouched by the old callback");
}

#[test]
fn recording_ready_once_per_record_and_only_when_confirmed() {
    let world = World::new();
    let coordinator = world.coordinator();
    let meeting = MeetingId::parse("course-101").unwrap();
    let body = include_str!("../../tests/fixtures/bbb/getRecordings-multiple.docs.xml");
    let mut recording = crate::bbb::response::Recordings::parse(body).unwrap().recordings.remove(0);
    recording.state = "processing".into();
    assert!(block_on(coordinator.recording_ready(&meeting, &recording, NOW)).unwrap().is_empty());
    recording.state = "published".into();
    let events = block_on(coordinator.recording_ready(&meeting, &recording, NOW)).unwrap();
    assert_eq!(events.len(), 1);
    let body: serde_json::Value = serde_json::from_str(&events[0].body).unwrap();
    assert_eq!(body["type"], "recording.ready");
    assert_eq!(body["data"]["record_id"], recording.record_id.as_str());
    assert_eq!(body["data"]["published"], true);
    assert!(body["data"]["playback"][0]["url"].as_str().unwrap().starts_with("https://"));
    assert!(block_on(coordinator.recording_ready(&meeting, &recording, NOW)).unwrap().is_empty(), "once per record_id");
}

fn server_id(id: &str) -> ServerId {
    ServerId::parse(id).unwrap()
}

#[test]
fn a_join_for_a_running_meeting_never_asks_the_pool() {
    let world = World::pool(&["a", "b"]);
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    assert_eq!(world.placement.asked.get(), 1);
    for i in 0..50 {
        block_on(coordinator.join(&jti(&format!("j{i}")), &spec("Course", true), NOW, nonce)).unwrap();
    }
    assert_eq!(world.placement.asked.get(), 1, "hot joins: no pool call");
    let on = world.server(first.instance.server.as_str());
    assert_eq!(on.calls.get(), 1, "and one BBB call, on the placed server");
    assert_eq!(world.placement.view.borrow().placements["course-101"].create_time, Some(first.instance.create_time));
}

#[test]
fn a_lost_server_re_homes_the_meeting_at_the_next_join_once() {
    let world = World::pool(&["a", "b"]);
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    let lost = first.instance.server.clone();
    assert!(block_on(coordinator.server_changed(&lost, false)).unwrap());
    assert!(!block_on(coordinator.server_changed(&server_id("zz"), false)).unwrap(), "not its server");
    world.placement.view.borrow_mut().set_state(&lost, crate::pool::AdminState::Disabled);
    // Concurrent joins share the one create elsewhere; the lost instance ends once.
    let open = world.hold_next_create_on(if lost.as_str() == "a" { "b" } else { "a" });
    let later = spec("Other name", false);
    let (x, y, ()) = block_on(futures_util::future::join3(
        coordinator.join(&jti("x"), &later, NOW + 10, nonce),
        coordinator.join(&jti("y"), &later, NOW + 10, nonce),
        async move { open.send(()).unwrap() },
    ));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_ne!(x.instance.server, lost);
    assert_eq!(x.instance.create_time, y.instance.create_time);
    assert_eq!(x.events.len() + y.events.len(), 1, "one meeting.ended for the lost instance");
    let moved = block_on(coordinator.current()).unwrap().unwrap();
    assert_eq!(
        (moved.name.as_str(), moved.params.clone()),
        ("Course", vec![("record".to_owned(), "true".to_owned())]),
        "the first create's parameters"
    );
    assert_eq!(moved.hosts, vec![lost.clone(), moved.server.clone()], "both servers hosted it");
    assert!(moved.joinable());
}

#[test]
fn a_server_that_refuses_the_create_is_skipped_once() {
    let world = World::pool(&["a", "b"]);
    world.server("a").failures.borrow_mut().push_back(Err(TransportError::Unreachable));
    let grant = block_on(world.coordinator().join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    assert_eq!(grant.instance.server.as_str(), "b");
    // A timeout is not skipped: the meeting may exist where the create went.
    let world = World::pool(&["a", "b"]);
    world.server("a").failures.borrow_mut().push_back(Err(TransportError::Timeout));
    let error = block_on(world.coordinator().join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap_err();
    assert_eq!(error.code, ErrorCode::BbbTimeout);
    // A pool of one has no next server: its error stands.
    let world = World::new();
    world.fake.failures.borrow_mut().push_back(Err(TransportError::Unreachable));
    let error = block_on(world.coordinator().join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap_err();
    assert_eq!(error.code, ErrorCode::BbbUnreachable);
}

#[test]
fn no_server_available() {
    let world = World::pool(&["a"]);
    world.placement.view.borrow_mut().set_state(&server_id("a"), crate::pool::AdminState::Cordoned);
    let error = block_on(world.coordinator().join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap_err();
    assert_eq!((error.code, error.status()), (ErrorCode::NoServerAvailable, 503));
    assert!(world.store.jtis.borrow().is_empty(), "the token stays usable");
}

#[test]
fn an_unlisted_instance_is_ended_once_bbb_confirms() {
    let world = World::pool(&["a", "b"]);
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    let time = first.instance.create_time;
    assert_eq!(block_on(coordinator.settle(time, NOW)).unwrap(), Settled::Running, "BBB still has it");
    world.server(first.instance.server.as_str()).end();
    let Settled::Ended(events) = block_on(coordinator.settle(time, NOW)).unwrap() else { panic!("ended") };
    assert_eq!(events.len(), 1);
    assert_eq!(block_on(coordinator.settle(time, NOW)).unwrap(), Settled::NotHere, "once");
    assert!(world.placement.view.borrow().placements.is_empty(), "the pool forgets it");
}

#[test]
fn lost_create_answers_count_per_server() {
    let world = World::pool(&["a", "b"]);
    let coordinator = world.coordinator();
    world.server("a").lose_next.set(true);
    assert!(block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).is_err());
    let on_a = world.server("a").held_nonce();
    // The next create goes to b (a counts the first placement): a fresh meeting there, its own URL.
    let grant = block_on(coordinator.join(&jti("a"), &spec("Course", true), NOW, nonce)).unwrap();
    assert_eq!(grant.instance.server.as_str(), "b");
    assert!(!grant.instance.answers_to(&on_a));
    assert_eq!(
        world.store.pending.borrow().iter().map(|p| p.server.as_str()).collect::<Vec<_>>(),
        ["a"],
        "a's lost create is still honoured"
    );
    assert_eq!(block_on(coordinator.meeting_ended(&on_a, NOW)).unwrap(), Some(vec![]));
}

fn admit(
    coordinator: &Coordinator<'_, MemStore, Handle, MemoryPlacement>,
    id: &str,
    start: Start,
    now: i64,
) -> Result<Admission, AppError> {
    block_on(coordinator.admit(&jti(id), &spec("Course", true), start, now, nonce))
}

#[test]
fn a_waiting_viewer_never_creates_and_spends_its_jti() {
    let world = World::new();
    let coordinator = world.coordinator();
    assert_eq!(admit(&coordinator, "v1", Start::WaitForModerator, NOW), Ok(Admission::Wait));
    assert_eq!((world.fake.calls.get(), world.placement.asked.get()), (0, 0), "no create, no placement");
    assert_eq!(block_on(coordinator.current()).unwrap(), None);
    let again = admit(&coordinator, "v1", Start::WaitForModerator, NOW).unwrap_err();
    assert_eq!(again.code, ErrorCode::TokenReplayed, "the waiting page holds a ticket; the token is spent");
    assert_eq!(block_on(coordinator.joinable(None)), Ok(None));
    // The moderator starts it; waiting viewers (and later ones) join the running instance.
    let started = block_on(coordinator.join(&jti("m"), &spec("Course", true), NOW + 5, nonce)).unwrap();
    assert!(started.created);
    let joined = block_on(coordinator.joinable(None)).unwrap().unwrap();
    assert_eq!((joined.instance.create_time, joined.created), (started.instance.create_time, false));
    match admit(&coordinator, "v2", Start::WaitForModerator, NOW + 6).unwrap() {
        Admission::Join(grant) => assert_eq!(grant.instance.create_time, started.instance.create_time),
        Admission::Wait => panic!("the meeting runs"),
    }
    assert_eq!(world.fake.calls.get(), 1, "one create, the moderator's");
}

#[test]
fn a_waiting_viewer_shares_a_create_in_flight() {
    let world = World::new();
    let coordinator = world.coordinator();
    let open = world.hold_next_create();
    let (moderator, viewer, ticket, ()) = block_on(futures_util::future::join4(
        coordinator.join(&jti("m"), &spec("Course", true), NOW, nonce),
        coordinator.admit(&jti("v"), &spec("Course", true), Start::WaitForModerator, NOW, nonce),
        coordinator.joinable(None),
        async move { open.send(()).unwrap() },
    ));
    let time = moderator.unwrap().instance.create_time;
    match viewer.unwrap() {
        Admission::Join(grant) => assert_eq!((grant.instance.create_time, grant.created), (time, false)),
        Admission::Wait => panic!("a create was in flight"),
    }
    assert_eq!(ticket.unwrap().unwrap().instance.create_time, time);
    assert_eq!(world.fake.calls.get(), 1);
}

#[test]
fn a_waiting_viewer_does_not_re_home_or_restart_an_ended_meeting() {
    let world = World::pool(&["a", "b"]);
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("m1"), &spec("Course", true), NOW, nonce)).unwrap();
    let lost = first.instance.server.clone();
    assert!(block_on(coordinator.server_changed(&lost, false)).unwrap());
    assert_eq!(admit(&coordinator, "v1", Start::WaitForModerator, NOW + 1), Ok(Admission::Wait));
    let calls = world.server("a").calls.get() + world.server("b").calls.get();
    assert_eq!(calls, 1, "no re-homing for a viewer");
    assert!(block_on(coordinator.current()).unwrap().unwrap().is_running(), "nothing ended either");
    // The meeting ends; viewers who come for its next start wait again.
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("m1"), &spec("Course", true), NOW, nonce)).unwrap();
    block_on(coordinator.meeting_ended(&first.instance.nonce, NOW + 60)).unwrap();
    assert_eq!(admit(&coordinator, "v2", Start::WaitForModerator, NOW + 61), Ok(Admission::Wait));
    assert_eq!(world.fake.calls.get(), 1);
}

#[test]
fn a_waiting_viewers_recovery_ends_the_stale_instance_and_waits() {
    let world = World::new();
    let coordinator = world.coordinator();
    let first = block_on(coordinator.join(&jti("m"), &spec("Course", true), NOW, nonce)).unwrap();
    world.fake.end();
    let time = first.instance.create_time;
    let recovery = recover(&coordinator, time, Start::WaitForModerator, NOW);
    match recovery.unwrap() {
        Recovery::Wait(events) => assert_eq!(events.len(), 1, "its meeting.ended"),
        other => panic!("expected a wait, got {other:?}"),
    }
    assert_eq!(world.fake.calls.get(), 2, "the create and getMeetingInfo: no second create");
    assert!(!block_on(coordinator.current()).unwrap().unwrap().is_running());
}
