//! Everything BBB-specific: signing, the canonical query, XML answers and the adapter.

pub mod checksum;
pub mod client;
pub mod error;
pub mod message_key;
pub mod query;
pub mod request;
pub mod response;
pub mod xml;

pub use checksum::ChecksumAlgorithm;
pub use client::{
    join_url, BbbClient, CreateMeeting, HttpReply, InstanceState, JoinMeeting, RecordingFilter, Transport,
    TransportError,
};
pub use error::{BadResponse, BbbError, BbbMessage};
pub use message_key::JoinRefusal;
pub use query::Query;
pub use request::{ApiBase, ApiCall, SignedUrl, Signer};
