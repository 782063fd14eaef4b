//! Calls between the worker and its Durable Objects, one typed definition each: a [`Call`] names
//! its path and its reply type next to its request type, so caller and object cannot disagree.
//! The caller sends with [`send`]; the object reads with [`read`] and answers with [`reply`].
//! Errors cross as the contract's JSON and come back as the same `AppError`.

use bbb_core::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response, Stub};

use crate::js_http;

/// One Durable Object call: the request is `Self`, sent as JSON to `PATH`.
pub trait Call: Serialize + DeserializeOwned {
    const PATH: &'static str;
    type Reply: Serialize + DeserializeOwned;
}

/// `call!(Request => "/path", Reply)`: a call's one definition, beside its request type.
macro_rules! call {
    ($request:ty => $path:literal, $reply:ty) => {
        impl $crate::do_call::Call for $request {
            const PATH: &'static str = $path;
            type Reply = $reply;
        }
    };
}
pub(crate) use call;

/// Sends `call` to the object behind `stub` and reads its reply. `unreachable` is the error for
/// an object that could not be reached (its words name the object).
pub async fn send<C: Call>(stub: Stub, call: &C, unreachable: fn() -> AppError) -> Result<C::Reply, AppError> {
    let body = serde_json::to_string(call).map_err(|_| AppError::internal())?;
    let text = exchange(stub, C::PATH, &body, unreachable).await?;
    serde_json::from_str(&text).map_err(|_| AppError::internal())
}

/// The untyped exchange, one copy for every call type (only the JSON is per type), on the
/// platform's own objects (see `js_http`).
async fn exchange(stub: Stub, path: &str, body: &str, unreachable: fn() -> AppError) -> Result<String, AppError> {
    let request =
        js_http::request(&format!("https://object{path}"), &[], Some(body), None).map_err(|_| unreachable())?;
    let response = js_http::fetch_object(stub, &request).await.map_err(|_| unreachable())?;
    let text = js_http::text(&response).await.map_err(|_| unreachable())?;
    if response.status() == 200 {
        Ok(text)
    } else {
        Err(AppError::from_json(&text).unwrap_or_else(AppError::internal))
    }
}

/// The request of a call, in the object (as text, then JSON: `worker`'s `Request::json` converts
/// through serde_wasm_bindgen, a copy per call type).
pub async fn read<C: Call>(req: &Request) -> worker::Result<C> {
    parse(&js_http::request_text(req.inner()).await?)
}

/// A call's JSON, or the object's error for it. serde's message is left out: it quotes the
/// body, and an uncaught error is logged by the platform.
pub fn parse<T: DeserializeOwned>(json: &str) -> worker::Result<T> {
    serde_json::from_str(json).map_err(|_| worker::Error::RustError("a call whose body is not its JSON".into()))
}

/// The object's answer to a call: its reply, or the error in the contract's JSON.
pub fn reply<C: Call>(outcome: Result<C::Reply, AppError>) -> worker::Result<Response> {
    let json = outcome.and_then(|reply| serde_json::to_string(&reply).map_err(|_| AppError::internal()));
    answer(json)
}

fn answer(json: Result<String, AppError>) -> worker::Result<Response> {
    match json {
        Ok(json) => {
            let headers = worker::Headers::new();
            headers.set("content-type", "application/json")?;
            Ok(Response::ok(json)?.with_headers(headers))
        }
        Err(error) => Ok(Response::ok(error.to_json())?.with_status(error.status())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coordinator::protocol::SettleCall;

    #[test]
    fn a_malformed_call_is_refused_without_quoting_its_body() {
        // serde_json's own message would be: invalid type: string "copied-from-the-body", …
        let error = parse::<SettleCall>(r#"{"create_time": "copied-from-the-body"}"#).unwrap_err();
        assert!(!error.to_string().contains("copied-from-the-body"), "{error}");
        assert!(parse::<SettleCall>(r#"{"create_time": 1700000000000}"#).is_ok());
    }
}
