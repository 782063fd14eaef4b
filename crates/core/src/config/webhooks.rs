//! The host-webhook section: where notifications go, their signing secret, the retry pace
//! (CONTRACT §6).

use super::{non_empty, setting_url, ConfigSource, Problems};
use crate::webhook::WebhookSecret;

/// `HOST_WEBHOOK_URL` and its signing secret.
#[derive(Clone, Debug)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: WebhookSecret,
}

#[derive(Clone, Debug)]
pub struct Webhooks {
    /// Where host notifications go, if anywhere.
    pub target: Option<WebhookTarget>,
    /// First retry delay of a host notification; later ones grow from it.
    pub retry_base_seconds: u64,
}

pub(super) fn load(source: &impl ConfigSource, problems: &mut Problems) -> Option<Webhooks> {
    let url = problems.parse("HOST_WEBHOOK_URL", non_empty(source.var("HOST_WEBHOOK_URL")), setting_url);
    let secret =
        problems.parse("HOST_WEBHOOK_SECRET", non_empty(source.secret("HOST_WEBHOOK_SECRET")), WebhookSecret::parse);
    if url.is_some() && secret.is_none() && !problems.names("HOST_WEBHOOK_SECRET") {
        problems.missing("HOST_WEBHOOK_SECRET");
    }
    let retry_base_seconds =
        problems.number("WEBHOOK_RETRY_BASE_SECONDS", non_empty(source.var("WEBHOOK_RETRY_BASE_SECONDS")), 5, 1..=3600);
    Some(Webhooks { target: url.zip(secret).map(|(url, secret)| WebhookTarget { url, secret }), retry_base_seconds })
}
