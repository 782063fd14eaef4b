//! A pool of BBB servers (CONTRACT §8): which servers there are (`server.rs`), how a new meeting
//! instance is placed (`placement.rs`), how polls decide health (`health.rs`), and the pool's
//! view of servers and placements that a poll updates (`view.rs`). Pure; the pool Durable Object
//! at the edge stores the view and does the I/O.

pub mod health;
mod memory;
pub mod placement;
mod report;
mod server;
pub mod view;

pub use health::{Health, HealthCounters};
pub use memory::MemoryPlacement;
pub use placement::{choose, Candidate, TagRule};
pub use report::ServerReport;
pub use server::{InvalidServerId, Server, ServerId};
pub use view::{AdminState, PlacementRecord, PoolView, ServerRecord};

/// The servers, in the order the operator listed them (ties in placement go to the earlier one).
#[derive(Clone, Debug)]
pub struct Pool {
    servers: Vec<Server>,
    /// Made from `BBB_URL`: the recording-ready URL keeps its old form.
    of_one: bool,
}

impl Pool {
    pub fn new(servers: Vec<Server>) -> Pool {
        Pool { servers, of_one: false }
    }

    /// The pool of one that `BBB_URL` + `BBB_SECRET` make: everything as before pools.
    pub fn of_one(server: Server) -> Pool {
        Pool { servers: vec![server], of_one: true }
    }

    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    pub fn get(&self, id: &ServerId) -> Option<&Server> {
        self.servers.iter().find(|server| &server.id == id)
    }

    pub fn is_of_one(&self) -> bool {
        self.of_one
    }

    /// The server of a pool of one, made from `BBB_URL`.
    pub fn only(&self) -> Option<&Server> {
        self.of_one.then(|| &self.servers[0])
    }

    /// The id in a server's recording-ready URL (`None`: the pool of one's URL without it).
    pub fn recording_ready_id<'a>(&self, server: &'a ServerId) -> Option<&'a ServerId> {
        (!self.of_one).then_some(server)
    }
}
