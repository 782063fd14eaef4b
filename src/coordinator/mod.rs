//! The meeting coordinator at the edge: a Durable Object per meeting id, a thin shell over
//! `bbb_core::coordinator`. `client` is how the stateless worker calls it; `waiters` holds the
//! waiting room's sockets.

pub mod client;
mod delivery;
mod object;
pub mod protocol;
mod store;
mod waiters;

pub use object::MeetingCoordinator;
