//! The HTTP side: one hyper HTTP/1 connection task per client, routing to the API, the client
//! page and the control API. Returning an error from the service makes hyper close the
//! connection without an answer, which is how the `drop` fault works.

use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST, LOCATION};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::api::{self, Reply, Settings};
use crate::state::{now_ms, FaultKind, LoggedRequest, Outbound, State};
use crate::{callbacks, client_page, control};

pub struct Simulator {
    pub state: Mutex<State>,
    pub settings: Settings,
}

/// The service refused to answer: hyper drops the connection.
#[derive(Debug)]
pub struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

pub type HttpResponse = Response<Full<Bytes>>;

pub async fn serve(listener: TcpListener, simulator: Arc<Simulator>) -> std::io::Result<Infallible> {
    loop {
        let (stream, _peer): (_, SocketAddr) = listener.accept().await?;
        let simulator = simulator.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let simulator = simulator.clone();
                async move {
                    let response = route(request, &simulator).await;
                    make_outbound_calls(&simulator);
                    response
                }
            });
            // A dropped connection or a client that hangs up is normal here.
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Starts the callbacks the last request asked for (meeting ended, recording ready).
fn make_outbound_calls(simulator: &Arc<Simulator>) {
    let calls: Vec<Outbound> = std::mem::take(&mut simulator.state.lock().unwrap().outbound);
    for call in calls {
        let report = {
            let simulator = simulator.clone();
            move |attempt| simulator.state.lock().unwrap().callbacks.push(attempt)
        };
        match call {
            Outbound::MeetingEnded { url } => {
                let delays = simulator.settings.callback_retry_ms.clone();
                tokio::spawn(callbacks::meeting_ended(url, delays, report));
            }
            Outbound::RecordingReady { url, meeting_id, record_id } => {
                let secret = simulator.settings.secret.clone();
                tokio::spawn(callbacks::recording_ready(url, secret, meeting_id, record_id, report));
            }
        }
    }
}

async fn route(request: Request<Incoming>, simulator: &Simulator) -> Result<HttpResponse, DropConnection> {
    let path = request.uri().path().to_owned();
    let raw_query = request.uri().query().unwrap_or("").to_owned();
    let host = request.headers().get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_owned();
    let method = request.method().clone();

    if let Some(call) = path.strip_prefix("/bigbluebutton/api/") {
        return api_call(simulator, &method, call, &raw_query, &host).await;
    }
    if path == "/bigbluebutton/api" || path == "/bigbluebutton/api/" {
        return Ok(xml(api::index()));
    }
    if path == "/client/BigBlueButton.html" {
        let state = simulator.state.lock().unwrap();
        let token = api::Params::parse(&raw_query).get("sessionToken").map(str::to_owned);
        let session = token.and_then(|t| state.sessions.get(&t).cloned());
        return Ok(html(client_page::render(session.as_ref()), if session.is_some() { 200 } else { 404 }));
    }
    if let Some(rest) = path.strip_prefix("/_sim/") {
        let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let (status, json) = control::handle(simulator, &method, rest, &raw_query, &body);
        return Ok(respond(status, "application/json", json));
    }
    Ok(respond(404, "text/plain", "not found".into()))
}

async fn api_call(
    simulator: &Simulator,
    method: &Method,
    call: &str,
    raw_query: &str,
    host: &str,
) -> Result<HttpResponse, DropConnection> {
    let (fault, seq) = {
        let mut state = simulator.state.lock().unwrap();
        let fault = state.take_fault(call);
        let checksum_ok =
            crate::checksum::verify(call, raw_query, &simulator.settings.secret, &simulator.settings.algorithms)
                .is_ok();
        let params = form_urlencoded::parse(raw_query.as_bytes())
            .filter(|(name, _)| name != "checksum")
            .map(|(n, v)| (n.into_owned(), v.into_owned()))
            .collect();
        let seq = state.log(LoggedRequest {
            seq: 0,
            at_ms: now_ms(),
            method: method.to_string(),
            call: call.to_owned(),
            params,
            checksum_ok,
            fault: fault.as_ref().map(|f| f.name().to_owned()),
            response_key: None,
        });
        (fault, seq)
    };
    match fault {
        Some(FaultKind::Delay { ms }) => tokio::time::sleep(Duration::from_millis(ms)).await,
        Some(FaultKind::Status { status }) => return Ok(respond(status, "text/plain", "Internal Server Error".into())),
        Some(FaultKind::Drop) => return Err(DropConnection),
        Some(FaultKind::Malformed) => return Ok(xml("<response><returncode>SUCCESS</returncode><meetingID>".into())),
        Some(FaultKind::Failed { message_key, message }) => {
            let body = crate::xml::ResponseXml::failed(&message_key, &message);
            simulator.state.lock().unwrap().set_response_key(seq, Some(message_key));
            return Ok(xml(body));
        }
        Some(FaultKind::LoseAnswer) | None => {}
    }
    let mut state = simulator.state.lock().unwrap();
    let reply = api::handle(&mut state, &simulator.settings, call, raw_query, host);
    state.set_response_key(seq, reply.message_key());
    if matches!(fault, Some(FaultKind::LoseAnswer)) {
        return Err(DropConnection);
    }
    Ok(match reply {
        Reply::Xml(body) => xml(body),
        Reply::Redirect(location) => {
            let mut response = respond(302, "text/plain", String::new());
            let value = HeaderValue::from_str(&location).unwrap_or_else(|_| HeaderValue::from_static("/"));
            response.headers_mut().insert(LOCATION, value);
            response
        }
    })
}

fn xml(body: String) -> HttpResponse {
    respond(200, "text/xml;charset=utf-8", body)
}

fn html(body: String, status: u16) -> HttpResponse {
    respond(status, "text/html; charset=utf-8", body)
}

pub fn respond(status: u16, content_type: &'static str, body: String) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
