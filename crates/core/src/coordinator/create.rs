//! The one `create` of a meeting instance: a server from the pool's placement, the create's
//! nonce stored before the call, and BBB's answer deciding which `meetingEndedURL` it holds. A
//! server that refuses the create (connection refused or reset, 5xx) is skipped once for the next.

use super::{Coordinator, CoordinatorStore, CreateSpec, Instance, PendingCreate, Placement, Status};
use super::{PENDING_MAX, PENDING_SECONDS};
use crate::bbb::Transport;
use crate::error::{AppError, ErrorCode};
use crate::pool::{ServerId, TagRule};

impl<S: CoordinatorStore, T: Transport, P: Placement> Coordinator<'_, S, T, P> {
    pub(super) async fn create(
        &self,
        spec: &CreateSpec,
        exclude: &[ServerId],
        now: i64,
        nonce: impl Fn() -> String,
    ) -> Result<Instance, AppError> {
        let rule = TagRule::parse(spec.server_tag.as_deref());
        let server = self.placement.place(&spec.meeting, &rule, spec.expected_size, exclude).await?;
        let error = match self.create_on(&server, spec, now, nonce()).await {
            Ok(instance) => return Ok(instance),
            Err(CreateError::Refused(error)) => error,
            Err(CreateError::Other(error)) => return Err(error),
        };
        // Refused before it could act: once more, on the next server (none in a pool of one).
        let mut skip = exclude.to_vec();
        skip.push(server);
        match self.placement.place(&spec.meeting, &rule, spec.expected_size, &skip).await {
            Ok(next) => self.create_on(&next, spec, now, nonce()).await.map_err(CreateError::into_app),
            Err(no_other) if no_other.code == ErrorCode::NoServerAvailable => Err(error),
            Err(other) => Err(other),
        }
    }

    async fn create_on(
        &self,
        server: &ServerId,
        spec: &CreateSpec,
        now: i64,
        nonce: String,
    ) -> Result<Instance, CreateError> {
        let bbb = self.bbb(server)?;
        let target = self.config.pool.get(server).ok_or_else(AppError::internal)?;
        // Persisted before the call: if this object dies while BBB creates, the URL stays ours.
        let mut pending = self.pending().await?;
        pending.retain(|p| now - p.sent_at < PENDING_SECONDS);
        let earlier: Vec<String> = pending.iter().filter(|p| &p.server == server).map(|p| p.nonce.clone()).collect();
        pending.push(PendingCreate { nonce: nonce.clone(), server: server.clone(), sent_at: now });
        let overflow = pending.len().saturating_sub(PENDING_MAX);
        pending.drain(..overflow);
        self.set_pending(pending.clone()).await?;

        let request = self.config.create_request(spec, &nonce, target);
        let created = match bbb.ensure_meeting(&request).await {
            Ok(created) => created,
            Err(error) => {
                if error.is_refusal() {
                    // BBB answered FAILED: it made nothing and holds no URL of this create.
                    pending.retain(|p| p.nonce != nonce);
                    self.set_pending(pending).await?;
                }
                let refused = error.is_server_refusal();
                let error = AppError::from(error);
                return Err(if refused { CreateError::Refused(error) } else { CreateError::Other(error) });
            }
        };
        // BBB's answer settles every earlier lost create on this server: which URL does it hold?
        let previous = self.current().await?;
        let known = previous.clone().filter(|i| &i.server == server && i.create_time == created.create_time);
        let (nonce, other_nonces) = match (created.already_running, known, earlier.split_first()) {
            // A fresh meeting: this create's URL. Earlier lost creates made nothing that still runs.
            (false, _, _) => (nonce, Vec::new()),
            // The instance this coordinator already had: its URL.
            (true, Some(known), _) => (known.nonce, known.other_nonces),
            // Made by one of the creates whose answer was lost: BBB kept that one's URL.
            (true, None, Some((first, rest))) => (first.clone(), rest.to_vec()),
            // Made by someone else: BBB holds no URL of ours; the pool's poll will see its end.
            (true, None, None) => (nonce, Vec::new()),
        };
        let mut hosts = previous.map(|p| p.hosts).unwrap_or_default();
        if !hosts.contains(server) {
            hosts.push(server.clone());
        }
        let instance = Instance {
            meeting: spec.meeting.as_str().to_owned(),
            server: server.clone(),
            create_time: created.create_time,
            internal_meeting_id: created.internal_meeting_id,
            nonce,
            other_nonces,
            name: spec.name.clone(),
            params: spec.options.params().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            status: Status::Running,
            created_at_ms: (now.max(0) as u64) * 1000,
            server_lost: false,
            server_tag: spec.server_tag.clone(),
            expected_size: spec.expected_size,
            hosts,
        };
        self.store.save_instance(&instance).await.map_err(AppError::from)?;
        *self.memory.instance.borrow_mut() = Some(Some(instance.clone()));
        pending.retain(|p| &p.server != server);
        self.set_pending(pending).await?;
        // The pool counts the placement already; a lost message here costs only its settlement.
        let _ = self.placement.placed(&instance).await;
        Ok(instance)
    }

    pub(super) async fn pending(&self) -> Result<Vec<PendingCreate>, AppError> {
        if let Some(known) = self.memory.pending.borrow().as_ref() {
            return Ok(known.clone());
        }
        let loaded = self.store.load_pending_creates().await?;
        Ok(self.memory.pending.borrow_mut().get_or_insert(loaded).clone())
    }

    pub(super) async fn set_pending(&self, pending: Vec<PendingCreate>) -> Result<(), AppError> {
        let unchanged = self.memory.pending.borrow().as_ref() == Some(&pending);
        if !unchanged {
            self.store.save_pending_creates(&pending).await?;
            *self.memory.pending.borrow_mut() = Some(pending);
        }
        Ok(())
    }
}

/// A failed create: refused by the server before it could act (worth the next server), or not.
enum CreateError {
    Refused(AppError),
    Other(AppError),
}

impl CreateError {
    fn into_app(self) -> AppError {
        match self {
            CreateError::Refused(error) | CreateError::Other(error) => error,
        }
    }
}

impl From<AppError> for CreateError {
    fn from(error: AppError) -> Self {
        CreateError::Other(error)
    }
}
