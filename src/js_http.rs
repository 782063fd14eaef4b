//! Requests, fetches and bodies straight on the platform's objects (`web_sys`), one promise
//! each. `worker`'s `Request::new_with_init` converts a whole `RequestInit` (cf options
//! included) and its `Response::text` reads the body as a stream, chunk by chunk across the JS
//! boundary: the profile of a hot join showed the stream read as its dearest step, and both
//! cost code size (bench/profile.mjs, scripts/wasm-size.py).

use worker::js_sys;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

/// A request to `url`: `POST` with `body` when there is one, else `GET`; `signal` aborts it.
pub fn request(
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    signal: Option<&web_sys::AbortSignal>,
) -> Result<web_sys::Request, JsValue> {
    let init = web_sys::RequestInit::new();
    if let Some(body) = body {
        init.set_method("POST");
        init.set_body(&JsValue::from_str(body));
    }
    if !headers.is_empty() {
        let list = web_sys::Headers::new()?;
        for (name, value) in headers {
            list.set(name, value)?;
        }
        init.set_headers(&list);
    }
    if let Some(signal) = signal {
        init.set_signal(Some(signal));
    }
    web_sys::Request::new_with_str_and_init(url, &init)
}

/// The global `fetch` (outbound: BBB, the host's JWKS and webhooks).
pub async fn fetch(request: &web_sys::Request) -> Result<web_sys::Response, JsValue> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    Ok(JsFuture::from(scope.fetch_with_request(request)).await?.unchecked_into())
}

/// A Durable Object's `fetch` through its stub.
pub async fn fetch_object(stub: worker::Stub, request: &web_sys::Request) -> Result<web_sys::Response, JsValue> {
    let object: worker::worker_sys::DurableObject = stub.into_rpc();
    Ok(JsFuture::from(object.fetch_with_request(request)?).await?.unchecked_into())
}

/// The whole body as text, in one promise.
pub async fn text(response: &web_sys::Response) -> Result<String, JsValue> {
    body_text(response.text()).await
}

/// The whole body of a request an object received, as text, in one promise.
pub async fn request_text(request: &web_sys::Request) -> Result<String, JsValue> {
    body_text(request.text()).await
}

async fn body_text(promise: Result<js_sys::Promise, JsValue>) -> Result<String, JsValue> {
    JsFuture::from(promise?).await?.as_string().ok_or(JsValue::NULL)
}
