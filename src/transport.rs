//! The BBB transport at the edge: `fetch` with an AbortController, raced against a timer, so a
//! silent BBB costs at most the call's timeout. It also counts calls and upstream time for the log.

use std::cell::Cell;
use std::time::Duration;

use bbb_core::bbb::{HttpReply, SignedUrl, Transport, TransportError};
use futures_util::future::{select, Either};
use futures_util::pin_mut;
use worker::wasm_bindgen::JsValue;
use worker::{Date, Delay};

use crate::js_http;

#[derive(Default)]
pub struct FetchTransport {
    calls: Cell<u32>,
    upstream_ms: Cell<u64>,
}

impl FetchTransport {
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    pub fn upstream_ms(&self) -> u64 {
        self.upstream_ms.get()
    }

    async fn fetch(&self, url: &str, timeout: Duration) -> Result<HttpReply, TransportError> {
        let started = Date::now().as_millis();
        let result = fetch_with_timeout(url, timeout).await;
        self.calls.set(self.calls.get() + 1);
        self.upstream_ms.set(self.upstream_ms.get() + Date::now().as_millis().saturating_sub(started));
        result
    }
}

impl Transport for FetchTransport {
    async fn get(&self, url: &SignedUrl, timeout: Duration) -> Result<HttpReply, TransportError> {
        self.fetch(url.expose(), timeout).await
    }

    async fn get_unsigned(&self, url: &str, timeout: Duration) -> Result<HttpReply, TransportError> {
        self.fetch(url, timeout).await
    }
}

/// One GET with a timeout, outside BBB (the host app's JWKS).
pub async fn get(url: &str, timeout: Duration) -> Result<HttpReply, TransportError> {
    fetch_with_timeout(url, timeout).await
}

async fn fetch_with_timeout(url: &str, timeout: Duration) -> Result<HttpReply, TransportError> {
    // Our query holds only unreserved bytes, %XX and +, which URL parsing keeps as they are, so
    // the bytes hashed are the bytes sent.
    send_with_timeout(url, &[], None, timeout).await
}

/// POSTs a JSON `body` with `headers` (host webhooks), with the same timeout handling.
pub async fn post_json(
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> Result<HttpReply, TransportError> {
    let mut all = vec![("content-type", "application/json"), ("user-agent", "bbb-edge")];
    all.extend_from_slice(headers);
    send_with_timeout(url, &all, Some(body), timeout).await
}

async fn send_with_timeout(
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    timeout: Duration,
) -> Result<HttpReply, TransportError> {
    let controller = web_sys::AbortController::new().map_err(|_| TransportError::Unreachable)?;
    let signal = controller.signal();
    let request = js_http::request(url, headers, body, Some(&signal)).map_err(|_| TransportError::Unreachable)?;
    let exchange = async {
        let response = js_http::fetch(&request).await?;
        let status = response.status();
        let body = js_http::text(&response).await?;
        Ok::<_, JsValue>(HttpReply { status, body })
    };
    let timer = Delay::from(timeout);
    pin_mut!(exchange, timer);
    match select(exchange, timer).await {
        Either::Left((Ok(reply), _)) => Ok(reply),
        // workerd's fetch errors (refused, reset, DNS) carry no detail worth more than this,
        // and their text can include the URL, so it is not kept.
        Either::Left((Err(_), _)) => Err(TransportError::Unreachable),
        Either::Right(((), _)) => {
            controller.abort();
            Err(TransportError::Timeout)
        }
    }
}
