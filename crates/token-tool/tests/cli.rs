//! The token tool as a host developer runs it: mint, then ask why the worker would refuse.

use std::path::PathBuf;
use std::process::{Command, Output};

const TOOL: &str = env!("CARGO_BIN_EXE_bbb-edge-token");

/// A fresh file per call: tests run in parallel and must not share (or truncate) one.
fn env_file(name: &str, body: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("bbb-edge-token-{}-{n}-{name}.vars", std::process::id()));
    std::fs::write(&path, body).unwrap();
    path
}

fn settings() -> PathBuf {
    env_file(
        "good",
        "BBB_URL=http://127.0.0.1:9/bigbluebutton/\nPUBLIC_URL=http://127.0.0.1:8787\nJWT_ISSUER=https://lms.example,portal\n\
         JWT_AUDIENCE=bbb-edge\nBBB_SECRET=bbb\nJWT_SECRET=shared-key-0123456789abcdef0123456789\nMODERATOR_ROLES=Instructor\nJWT_ALGORITHMS=HS256,HS512\n",
    )
}

fn run(args: &[&str]) -> Output {
    Command::new(TOOL).args(args).env_clear().output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn mint(args: &[&str]) -> String {
    let output = run(args);
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn minted_tokens_verify_with_the_decided_role() {
    let vars = settings();
    let env = vars.to_str().unwrap();
    let token = mint(&["join", "--env", env, "--meeting", "m1", "--name", "Ada", "--roles", "Instructor"]);
    let output = run(&["verify", token.as_str(), "--env", env]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("OK: Ada joins meeting \"m1\" as MODERATOR"), "{}", text(&output));
    assert!(text(&output).contains(r#""iss":"https://lms.example""#), "the first issuer is used: {}", text(&output));

    let viewer =
        mint(&["join", "--env", env, "--meeting", "m1", "--name", "Bob", "--alg", "HS512", "--create", "record=true"]);
    assert!(text(&run(&["verify", viewer.as_str(), "--env", env])).contains("as VIEWER"));
    let api = mint(&["api", "--env", env, "--sub", "lms-backend"]);
    assert!(text(&run(&["verify", api.as_str(), "--env", env])).contains("OK: an API token"));
}

#[test]
fn verify_explains_refusals_with_the_contract_codes() {
    let vars = settings();
    let env = vars.to_str().unwrap();
    let other_audience =
        mint(&["join", "--env", env, "--audience", "someone-else", "--meeting", "m1", "--name", "Ada"]);
    let long_lived = mint(&["join", "--env", env, "--lifetime", "3600", "--meeting", "m1", "--name", "Ada"]);
    let bad_param = mint(&["join", "--env", env, "--meeting", "m1", "--name", "Ada", "--create", "moderatorPW=x"]);
    let other_key = mint(&["join", "--env", env, "--secret", "not-the-key", "--meeting", "m1", "--name", "Ada"]);
    let hs384 = mint(&["join", "--env", env, "--alg", "HS384", "--meeting", "m1", "--name", "Ada"]);
    for (token, expected) in [
        (other_audience, "REFUSED audience_mismatch (401)"),
        (long_lived, "REFUSED token_too_long_lived (401)"),
        (bad_param, "REFUSED create_param_not_allowed (400)"),
        (other_key, "REFUSED token_invalid (401)"),
        (hs384, "REFUSED algorithm_not_allowed (401)"),
        ("garbage".to_owned(), "REFUSED token_invalid"),
    ] {
        let output = run(&["verify", token.as_str(), "--env", env]);
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        assert!(text(&output).contains(expected), "{expected}: {}", text(&output));
    }
}

#[test]
fn missing_settings_are_named() {
    let empty = env_file("empty", "");
    let output = run(&["join", "--env", empty.to_str().unwrap(), "--meeting", "m1", "--name", "Ada"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("JWT_ISSUER, JWT_AUDIENCE and JWT_SECRET"));
    let token = mint(&["join", "--env", settings().to_str().unwrap(), "--meeting", "m1", "--name", "Ada"]);
    let output = run(&["verify", token.as_str(), "--env", empty.to_str().unwrap()]);
    assert!(
        text(&output).contains("REFUSED config_missing") && text(&output).contains("BBB_SECRET"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_waiting_viewer_is_explained() {
    let vars = settings();
    let env = vars.to_str().unwrap();
    let token = mint(&["join", "--env", env, "--meeting", "m1", "--name", "Zoë", "--wait"]);
    let output = run(&["verify", token.as_str(), "--env", env]);
    assert!(
        text(&output).contains("as VIEWER") && text(&output).contains("waits for a moderator"),
        "{}",
        text(&output)
    );
    let teacher = mint(&["join", "--env", env, "--meeting", "m1", "--name", "Ada", "--roles", "Instructor", "--wait"]);
    let output = run(&["verify", teacher.as_str(), "--env", env]);
    assert!(text(&output).contains("as MODERATOR") && !text(&output).contains("waits"), "{}", text(&output));
}
