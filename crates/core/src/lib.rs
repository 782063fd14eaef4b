//! The pure core of bbb-edge. Nothing here knows about the `worker` crate, the clock or the
//! network: token policy, role decision, BBB signing and parsing, and the join flow are plain
//! functions and types, unit-tested on the host and in wasm.

pub mod api;
pub mod bbb;
pub mod callback;
pub mod config;
pub mod coordinator;
pub mod create_options;
pub mod error;
pub mod health;
pub mod ids;
pub mod join;
pub mod jwks;
pub mod log;
pub mod lti;
pub mod mac;
pub mod page;
pub mod pool;
pub mod registry;
pub mod role;
pub mod sealed;
pub mod secret;
pub mod ticket;
pub mod token;
pub mod waiting;
pub mod web_url;
pub mod webhook;

pub use config::{Config, ConfigError, ConfigSource};
pub use error::{AppError, ErrorCode};
pub use ids::{CreateTime, MeetingId, RecordId};
pub use role::Role;
pub use secret::Secret;
