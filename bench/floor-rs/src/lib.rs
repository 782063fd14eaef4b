//! The hot join's floor, built like the product (workers-rs, the workspace's release profile,
//! worker-build): `GET /join?token=…` asks one Durable Object to spend the token once (one
//! storage `get` and one `put`), then answers a fixed `302`. With `LOG_LINE = "true"` it also
//! writes one JSON log line per request, as bbb-edge does, because under `wrangler dev` console
//! output is piped through Node and costs a share of its own.

use worker::{console_log, durable_object, event, Context, DurableObject, Env, Request, Response, Result, State};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    let token = url.query_pairs().find(|(k, _)| k == "token").map(|(_, v)| v.into_owned()).unwrap_or_default();
    // The signature part identifies the token, as a jti would.
    let key = token.rsplit('.').next().unwrap_or_default();
    let stub = env.durable_object("SPENT")?.get_by_name("room")?;
    let mut answer = stub.fetch_with_str(&format!("https://do/spend?k={key}")).await?;
    let time = answer.text().await?;
    let status = if answer.status_code() == 200 { 302 } else { 401 };
    if env.var("LOG_LINE").map(|v| v.to_string() == "true").unwrap_or(false) {
        console_log!(
            "{{\"route\":\"join\",\"method\":\"GET\",\"status\":{status},\"outcome\":\"ok\",\"bbb_calls\":0,\"upstream_ms\":0}}"
        );
    }
    if status != 302 {
        return Response::error("replayed", 401);
    }
    let mut response = Response::empty()?.with_status(302);
    let headers = response.headers_mut();
    headers.set("location", &format!("http://127.0.0.1:9/join?createTime={time}"))?;
    headers.set("cache-control", "no-store")?;
    Ok(response)
}

#[durable_object(fetch)]
pub struct Spent {
    state: State,
}

impl DurableObject for Spent {
    fn new(state: State, _env: Env) -> Self {
        Spent { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        let key = url.query_pairs().find(|(k, _)| k == "k").map(|(_, v)| v.into_owned()).unwrap_or_default();
        let storage = self.state.storage();
        let stored = format!("jti:{key}");
        if storage.get::<i64>(&stored).await?.is_some() {
            return Response::error("replayed", 409);
        }
        storage.put(&stored, 1_700_000_000_000_i64).await?;
        Response::ok("1700000000000")
    }
}
