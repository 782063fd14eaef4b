//! bbb-sim: a BigBlueButton API server for local development and end-to-end tests.
//!
//! ```text
//! bbb-sim [--host 127.0.0.1] [--port 8090] [--secret S] [--algorithms sha1,sha256,sha384,sha512]
//!         [--callback-retry-ms 30000,60000,120000,300000] [--servers N]
//! ```
//! The secret can also come from `BBB_SIM_SECRET`. Port 0 picks a free port; each server prints
//! `bbb-sim listening on http://HOST:PORT/bigbluebutton/`. `--servers N` runs N independent
//! servers (each its own state, same secret) on consecutive ports, or free ones with port 0: a
//! large pool on one machine. For servers with their own secrets, start one process each.

mod api;
mod callbacks;
mod checksum;
mod client_page;
mod control;
mod recordings;
mod server;
mod state;
mod xml;

use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;

struct Args {
    host: String,
    port: u16,
    secret: String,
    algorithms: Vec<String>,
    callback_retry_ms: Vec<u64>,
    servers: u16,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        host: "127.0.0.1".into(),
        port: 8090,
        secret: std::env::var("BBB_SIM_SECRET").unwrap_or_default(),
        algorithms: ["sha1", "sha256", "sha384", "sha512"].map(String::from).to_vec(),
        callback_retry_ms: callbacks::BBB_RETRY_DELAYS_MS.to_vec(),
        servers: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--host" => args.host = value()?,
            "--port" => args.port = value()?.parse().map_err(|_| "--port must be a number")?,
            "--secret" => args.secret = value()?,
            "--algorithms" => args.algorithms = value()?.split(',').map(|s| s.trim().to_ascii_lowercase()).collect(),
            "--callback-retry-ms" => {
                args.callback_retry_ms = value()?
                    .split(',')
                    .map(|s| s.trim().parse().map_err(|_| "--callback-retry-ms takes milliseconds, comma-separated"))
                    .collect::<Result<_, _>>()?
            }
            "--servers" => {
                args.servers =
                    value()?.parse().ok().filter(|n| *n >= 1).ok_or("--servers takes a count of 1 or more")?
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.secret.is_empty() {
        return Err("a shared secret is required (--secret or BBB_SIM_SECRET)".into());
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("bbb-sim: {message}");
            }
            eprintln!(
                "usage: bbb-sim [--host 127.0.0.1] [--port 8090] [--secret S] [--algorithms sha1,sha256,sha384,sha512] [--callback-retry-ms 30000,60000,120000,300000] [--servers N]"
            );
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async move {
        let mut servers = tokio::task::JoinSet::new();
        for n in 0..args.servers {
            let port = if args.port == 0 { 0 } else { args.port + n };
            let listener = match TcpListener::bind((args.host.as_str(), port)).await {
                Ok(listener) => listener,
                Err(error) => {
                    eprintln!("bbb-sim: cannot listen on {}:{port}: {error}", args.host);
                    std::process::exit(1);
                }
            };
            let address = listener.local_addr().expect("bound address");
            println!("bbb-sim listening on http://{address}/bigbluebutton/");
            let simulator = Arc::new(server::Simulator {
                state: Mutex::new(state::State::default()),
                settings: api::Settings {
                    secret: args.secret.clone(),
                    algorithms: args.algorithms.clone(),
                    callback_retry_ms: args.callback_retry_ms.clone(),
                },
            });
            servers.spawn(server::serve(listener, simulator));
        }
        tokio::select! {
            Some(Ok(Err(error))) = servers.join_next() => {
                eprintln!("bbb-sim: {error}");
                std::process::exit(1);
            }
            _ = tokio::signal::ctrl_c() => {}
        }
    });
}
