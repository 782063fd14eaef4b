//! The meeting coordinator at the edge: a Durable Object per meeting id, a thin shell over
//! `bbb_core::coordinator`. `client` is how the stateless worker calls it.

pub mod client;
mod delivery;
mod object;
pub mod protocol;
mod store;

pub use object::MeetingCoordinator;
