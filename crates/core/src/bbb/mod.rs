//! Everything BBB-specific: signing, the canonical query, XML answers and the adapter.

pub mod checksum;
pub mod client;
pub mod error;
pub mod query;
pub mod request;
pub mod response;
pub mod xml;

pub use checksum::ChecksumAlgorithm;
pub use client::{BbbClient, CreateMeeting, HttpReply, JoinMeeting, RecordingFilter, Transport, TransportError};
pub use error::{BadResponse, BbbError, BbbMessage};
pub use query::Query;
pub use request::{ApiBase, ApiCall, SignedUrl, Signer};
