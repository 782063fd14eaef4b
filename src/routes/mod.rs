pub mod admin;
pub mod api;
pub mod callbacks;
pub mod healthz;
pub mod join;
pub mod join_error;
pub mod left;
pub mod wait;
