//! The scheduled reconciliation pass (cron trigger): for recently created meetings, ask BBB
//! which recordings are ready and announce any a lost recording-ready callback never triggered.
//! Each meeting's coordinator decides, so nothing is announced twice.

use bbb_core::log::{Reconciled, RequestLog};
use worker::{console_log, Env};

use crate::coordinator::client;
use crate::coordinator::protocol::ReconcileCall;

pub async fn run(env: &Env) {
    let mut log = RequestLog { route: "reconcile", method: "CRON", ..RequestLog::default() };
    log.outcome = "ok";
    match crate::registry::due_meetings(env).await {
        Ok(meetings) => {
            let mut announced = 0;
            let mut failed = 0;
            for meeting in &meetings {
                match client::call(env, meeting, &ReconcileCall { meeting: meeting.clone() }).await {
                    Ok(reply) => {
                        log.bbb_calls += reply.bbb_calls;
                        announced += u32::from(reply.announced);
                    }
                    Err(error) => {
                        failed += 1;
                        log.bbb_message_key = error.bbb.map(|m| m.key).or(log.bbb_message_key.take());
                    }
                }
            }
            if let Err(error) = crate::registry::checked(env, &meetings).await {
                log.outcome = error.code.as_str();
            }
            log.reconciled = Some(Reconciled { meetings: meetings.len() as u32, announced, failed });
        }
        Err(error) => log.outcome = error.code.as_str(),
    }
    console_log!("{}", log.to_json());
}
