//! Host notifications leave from the meeting's coordinator: queued in its storage when decided,
//! sent from its alarm, retried with growing delays until a 2xx, given up after a day and logged.
//! Every attempt carries the same `webhook-id`.

use std::time::Duration;

use bbb_core::config::Config;
use bbb_core::log::DeliveryLog;
use worker::console_log;

use super::store::DoStore;
use crate::transport::post_json;

const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends every delivery that is due; returns when the next one is.
pub async fn deliver_due(store: &DoStore<'_>, config: &Config, meeting: &str, now: i64) -> worker::Result<Option<i64>> {
    let Some(target) = &config.webhooks.target else {
        return Ok(None);
    };
    let mut next: Option<i64> = None;
    for delivery in store.deliveries().await? {
        if delivery.next_at > now {
            next = Some(next.map_or(delivery.next_at, |n| n.min(delivery.next_at)));
            continue;
        }
        let event = &delivery.event;
        let signature = target.secret.sign(&event.id, now, &event.body);
        let timestamp = now.to_string();
        let headers =
            [("webhook-id", event.id.as_str()), ("webhook-timestamp", &timestamp), ("webhook-signature", &signature)];
        let status =
            post_json(&target.url, &headers, &event.body, ATTEMPT_TIMEOUT).await.ok().map(|reply| reply.status);
        let attempt = delivery.attempts + 1;
        let mut log =
            DeliveryLog { route: "webhook", event: &event.id, meeting, attempt, status, outcome: "delivered" };
        if status.is_some_and(|s| (200..300).contains(&s)) {
            store.remove_delivery(&delivery).await?;
        } else {
            match delivery.clone().failed(now, config.webhooks.retry_base_seconds) {
                Some(retry) => {
                    log.outcome = "retry";
                    next = Some(next.map_or(retry.next_at, |n| n.min(retry.next_at)));
                    store.save_delivery(&retry).await?;
                }
                None => {
                    log.outcome = "given_up";
                    store.remove_delivery(&delivery).await?;
                }
            }
        }
        console_log!("{}", log.to_json());
    }
    Ok(next)
}
