//! One poll round: `getMeetings` on each due server, at once, each within `BBB_TIMEOUT_MS`.

use bbb_core::bbb::response::ListedMeeting;
use bbb_core::pool::{Server, ServerId};
use bbb_core::Config;
use futures_util::future::join_all;

use crate::transport::FetchTransport;

/// What each server listed, or `None` when its poll failed (unreachable, timeout, an error).
pub async fn poll(config: &Config, servers: &[&Server]) -> Vec<(ServerId, Option<Vec<ListedMeeting>>)> {
    let transport = FetchTransport::default();
    let polls = servers.iter().map(|server| {
        let transport = &transport;
        async move {
            let listed = server.client(transport, config.bbb_timeout).meetings().await.ok();
            (server.id.clone(), listed)
        }
    });
    join_all(polls).await
}
