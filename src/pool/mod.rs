//! The server pool at the edge (CONTRACT §8): one Durable Object (`ServerPool`, named "pool")
//! over `bbb_core::pool::PoolView`. It places new instances, keeps each server's admin state,
//! health and load, polls the servers for the cron pass, and tells meeting coordinators when
//! their server stops (or starts again) taking joins, or lost a meeting's end.

pub mod client;
mod object;
mod poll;
pub mod protocol;
mod store;

pub use object::ServerPool;
