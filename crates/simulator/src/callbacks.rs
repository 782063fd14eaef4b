//! BBB's outbound calls: the meeting-ended GET (bbb-web's CallbackUrlService: any 2xx is
//! success, redirects are not followed, retried after 30 s, 1, 2 and 5 min) and the
//! recording-ready POST (post_publish_recording_ready_callback.rb: a form with
//! `signed_parameters`, an HS256 JWT of `{meeting_id, record_id}` signed with the shared secret,
//! one attempt).

use std::time::Duration;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

/// bbb-web's retry delays; tests shorten them with `--callback-retry-ms`.
pub const BBB_RETRY_DELAYS_MS: [u64; 4] = [30_000, 60_000, 120_000, 300_000];

/// What happened to one callback attempt, for the control API's log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CallbackAttempt {
    pub kind: &'static str,
    pub url: String,
    pub status: Option<u16>,
    pub at_ms: u64,
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

async fn send(client: &HttpClient, request: Request<Full<Bytes>>) -> Option<u16> {
    let response = tokio::time::timeout(Duration::from_secs(10), client.request(request)).await.ok()?.ok()?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Some(status)
}

/// GETs `url` as is until a 2xx, waiting `delays` between attempts; reports every attempt.
pub async fn meeting_ended(url: String, delays: Vec<u64>, report: impl Fn(CallbackAttempt)) {
    let client = client();
    for attempt in 0..=delays.len() {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(delays[attempt - 1])).await;
        }
        let request = Request::builder().method(Method::GET).uri(&url).body(Full::new(Bytes::new()));
        let status = match request {
            Ok(request) => send(&client, request).await,
            Err(_) => None,
        };
        report(CallbackAttempt { kind: "meeting-ended", url: url.clone(), status, at_ms: crate::state::now_ms() });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
    }
}

/// POSTs `signed_parameters` once, as BBB's post_publish script does.
pub async fn recording_ready(
    url: String,
    secret: String,
    meeting_id: String,
    record_id: String,
    report: impl Fn(CallbackAttempt),
) {
    let body = format!("signed_parameters={}", signed_parameters(&secret, &meeting_id, &record_id));
    let request = Request::builder()
        .method(Method::POST)
        .uri(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(body)));
    let status = match request {
        Ok(request) => send(&client(), request).await,
        Err(_) => None,
    };
    report(CallbackAttempt { kind: "recording-ready", url, status, at_ms: crate::state::now_ms() });
}

/// `JWT.encode({meeting_id:, record_id:}, secret)` with ruby-jwt's defaults: HS256, `{"alg":"HS256"}`.
pub fn signed_parameters(secret: &str, meeting_id: &str, record_id: &str) -> String {
    let header = Base64UrlUnpadded::encode_string(br#"{"alg":"HS256"}"#);
    let claims = serde_json::json!({ "meeting_id": meeting_id, "record_id": record_id }).to_string();
    let input = format!("{header}.{}", Base64UrlUnpadded::encode_string(claims.as_bytes()));
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_parameters_match_vector_b3() {
        assert_eq!(
            signed_parameters("639259d4-9dd8-4b25-bf01-95f9567eaf4b", "abc123", "6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019"),
            "eyJhbGciOiJIUzI1NiJ9.eyJtZWV0aW5nX2lkIjoiYWJjMTIzIiwicmVjb3JkX2lkIjoiNjM2N2M0OGRkMTkzZDU2ZWE3YjBiYWFkMjViMTk0NTVlNTI5ZjVlZS0xNTg2NTgxMTEwMDE5In0.JbzUxcPWhrPABMRzFrgcpBeuaUPmoT2G7Bsm552eaD8"
        );
    }
}
