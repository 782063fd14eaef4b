//! bbb-edge-token: mint join and API tokens for local use and for host developers to compare
//! against, and verify a token against the worker's settings to explain why it would be refused.
//!
//! ```text
//! bbb-edge-token join --meeting m1 --name Ada [--roles Instructor,Learner] [--role moderator]
//!                [--sub u1] [--meeting-name "Algebra"] [--create record=true] [--guest] [--wait]
//!                [--lifetime 120] [--alg HS256]
//! bbb-edge-token api [--sub lms-backend] [--scope "api"|"admin"] [--lifetime 120]
//! bbb-edge-token verify TOKEN
//! ```
//! Settings (JWT_ISSUER, JWT_AUDIENCE, JWT_SECRET, JWT_ALGORITHMS, …) come from the environment,
//! then `--env FILE` (default `.dev.vars` when it exists) for what the environment lacks;
//! `--issuer`, `--audience` and `--secret` override both. `verify` loads them as the worker does.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use base64ct::{Base64UrlUnpadded, Encoding};
use bbb_core::join::prepare;
use bbb_core::{Config, ConfigSource};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::{Sha256, Sha384, Sha512};

const USAGE: &str = "usage:
  bbb-edge-token join --meeting ID --name NAME [--roles A,B] [--role moderator|viewer] [--sub ID]
                      [--meeting-name NAME] [--create key=value]... [--guest] [--wait] [--avatar-url URL]
                      [--lifetime SECONDS] [--alg HS256|HS384|HS512]
  bbb-edge-token api [--sub ID] [--scope api|admin] [--lifetime SECONDS] [--alg ...]
  bbb-edge-token verify TOKEN
common: [--env FILE] [--issuer ISS] [--audience AUD] [--secret KEY]";

/// Settings from the process environment, and an env file for what it lacks.
struct Settings(HashMap<String, String>);

impl Settings {
    fn load(file: Option<&str>) -> Result<Self, String> {
        let mut values: HashMap<String, String> = std::env::vars().collect();
        let path =
            file.map(str::to_owned).or_else(|| std::path::Path::new(".dev.vars").exists().then(|| ".dev.vars".into()));
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                if let Some((key, value)) = line.split_once('=') {
                    // As with dotenv files, the environment wins: the file only fills gaps.
                    let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
                    values.entry(key.trim().to_owned()).or_insert_with(|| value.to_owned());
                }
            }
        }
        Ok(Settings(values))
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

impl ConfigSource for Settings {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name)
    }
    fn secret(&self, name: &str) -> Option<String> {
        self.get(name)
    }
}

#[derive(Default)]
struct Args {
    command: String,
    positional: Vec<String>,
    flags: HashMap<String, Vec<String>>,
}

impl Args {
    fn parse(raw: Vec<String>) -> Result<Self, String> {
        let mut args = Args::default();
        let mut it = raw.into_iter();
        args.command = it.next().ok_or("no command")?;
        while let Some(arg) = it.next() {
            match arg.strip_prefix("--") {
                Some(flag @ ("guest" | "wait")) => args.flags.entry(flag.into()).or_default().push("true".into()),
                Some(name) => {
                    let value = it.next().ok_or(format!("--{name} needs a value"))?;
                    args.flags.entry(name.to_owned()).or_default().push(value);
                }
                None => args.positional.push(arg),
            }
        }
        Ok(args)
    }

    fn one(&self, name: &str) -> Option<&str> {
        self.flags.get(name).and_then(|values| values.last()).map(String::as_str)
    }
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1).collect()) {
        Ok(args) => args,
        Err(message) => return fail(&message),
    };
    let settings = match Settings::load(args.one("env")) {
        Ok(settings) => settings,
        Err(message) => return fail(&message),
    };
    let result = match args.command.as_str() {
        "join" => join_claims(&args).and_then(|claims| mint(&settings, &args, claims)).map(|t| println!("{t}")),
        "api" => api_claims(&args).and_then(|claims| mint(&settings, &args, claims)).map(|t| println!("{t}")),
        "verify" => return verify(&settings, &args),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("bbb-edge-token: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn lifetime(args: &Args) -> Result<i64, String> {
    args.one("lifetime").map_or(Ok(120), |v| v.parse().map_err(|_| "--lifetime takes seconds".to_owned()))
}

fn join_claims(args: &Args) -> Result<Map<String, Value>, String> {
    let meeting = args.one("meeting").ok_or("join needs --meeting")?;
    let name = args.one("name").ok_or("join needs --name")?;
    let mut claims = Map::new();
    claims.insert("meeting".into(), json!(meeting));
    claims.insert("name".into(), json!(name));
    claims.insert("sub".into(), json!(args.one("sub").unwrap_or(name)));
    if let Some(roles) = args.one("roles") {
        claims.insert("roles".into(), json!(roles.split(',').collect::<Vec<_>>()));
    }
    for (flag, claim) in [("role", "role"), ("meeting-name", "meeting_name"), ("avatar-url", "avatar_url")] {
        if let Some(value) = args.one(flag) {
            claims.insert(claim.into(), json!(value));
        }
    }
    if args.one("guest").is_some() {
        claims.insert("guest".into(), json!(true));
    }
    // A viewer who waits for a moderator instead of starting the meeting (CONTRACT §9).
    if args.one("wait").is_some() {
        claims.insert("wait_for_moderator".into(), json!(true));
    }
    if let Some(pairs) = args.flags.get("create") {
        let mut create = Map::new();
        for pair in pairs {
            let (key, value) = pair.split_once('=').ok_or("--create takes key=value")?;
            // true/false/numbers as JSON, everything else as a string.
            let value = serde_json::from_str::<Value>(value)
                .ok()
                .filter(|v| v.is_boolean() || v.is_number())
                .unwrap_or(json!(value));
            create.insert(key.to_owned(), value);
        }
        claims.insert("create".into(), Value::Object(create));
    }
    Ok(claims)
}

fn api_claims(args: &Args) -> Result<Map<String, Value>, String> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(args.one("sub").unwrap_or("host-app")));
    // `api` for the JSON API; `admin` for the pool's routes (CONTRACT §8).
    claims.insert("scope".into(), json!(args.one("scope").unwrap_or("api")));
    Ok(claims)
}

fn mint(settings: &Settings, args: &Args, mut claims: Map<String, Value>) -> Result<String, String> {
    let issuer = args
        .one("issuer")
        .map(str::to_owned)
        .or_else(|| settings.get("JWT_ISSUER").map(|i| i.split(',').next().unwrap_or("").trim().to_owned()));
    let audience = args.one("audience").map(str::to_owned).or_else(|| settings.get("JWT_AUDIENCE"));
    let secret = args.one("secret").map(str::to_owned).or_else(|| settings.get("JWT_SECRET"));
    let (issuer, audience, secret) = match (issuer, audience, secret) {
        (Some(i), Some(a), Some(s)) => (i, a, s),
        _ => return Err("JWT_ISSUER, JWT_AUDIENCE and JWT_SECRET are needed (env file, environment or flags)".into()),
    };
    let now = now();
    claims.insert("iss".into(), json!(issuer));
    claims.insert("aud".into(), json!(audience));
    claims.insert("iat".into(), json!(now));
    claims.insert("exp".into(), json!(now + lifetime(args)?));
    claims.insert(
        "jti".into(),
        json!(format!("{:x}{:x}", now, std::process::id() as u64 ^ (now as u64).rotate_left(17))),
    );
    sign_hs(args.one("alg").unwrap_or("HS256"), &secret, &Value::Object(claims))
}

/// A compact JWS with HS256/384/512.
fn sign_hs(alg: &str, secret: &str, claims: &Value) -> Result<String, String> {
    let input = format!(
        "{}.{}",
        Base64UrlUnpadded::encode_string(json!({ "alg": alg, "typ": "JWT" }).to_string().as_bytes()),
        Base64UrlUnpadded::encode_string(claims.to_string().as_bytes())
    );
    let signature = match alg {
        "HS256" => mac::<Hmac<Sha256>>(secret, &input),
        "HS384" => mac::<Hmac<Sha384>>(secret, &input),
        "HS512" => mac::<Hmac<Sha512>>(secret, &input),
        other => return Err(format!("this tool signs HS256, HS384 or HS512, not {other}")),
    };
    Ok(format!("{input}.{}", Base64UrlUnpadded::encode_string(&signature)))
}

fn mac<M: Mac + hmac::digest::KeyInit>(secret: &str, input: &str) -> Vec<u8> {
    let mut mac = <M as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Verifies like the worker: the same settings parsing, token policy and claim checks.
fn verify(settings: &Settings, args: &Args) -> ExitCode {
    let Some(token) = args.positional.first() else {
        return fail("verify needs a token");
    };
    if let Some((header, payload)) = decode_unverified(token) {
        println!("header (unverified):  {header}");
        println!("payload (unverified): {payload}");
    }
    let config = match Config::load(settings) {
        Ok(config) => config,
        Err(error) => {
            println!("REFUSED config_missing: {error}");
            return ExitCode::from(1);
        }
    };
    let now = now();
    let verified = match config.tokens.verify(token, now) {
        Ok(verified) => verified,
        Err(error) => {
            let error = bbb_core::AppError::from(error);
            println!("REFUSED {} ({}): {}", error.code.as_str(), error.status(), error.message);
            return ExitCode::from(1);
        }
    };
    if verified
        .claims
        .get("scope")
        .and_then(Value::as_str)
        .is_some_and(|s| s.split(' ').any(|p| p == "api" || p == "admin"))
    {
        println!(
            "OK: an API token for sub {:?}, valid {} more seconds",
            verified.claims.get("sub"),
            verified.expires_at - now
        );
        return ExitCode::SUCCESS;
    }
    match prepare(&config, token, now) {
        Ok(join) => {
            println!(
                "OK: {} joins meeting {:?} as {}, valid {} more seconds (the jti is spent on first use){}",
                join.participant.full_name,
                join.participant.meeting.as_str(),
                join.participant.role.bbb_name(),
                verified.expires_at - now,
                if join.participant.waits { "; waits for a moderator if the meeting is not running" } else { "" }
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("REFUSED {} ({}): {}", error.code.as_str(), error.status(), error.message);
            ExitCode::from(1)
        }
    }
}

fn decode_unverified(token: &str) -> Option<(String, String)> {
    let mut parts = token.split('.');
    let decode = |part: Option<&str>| String::from_utf8(Base64UrlUnpadded::decode_vec(part?).ok()?).ok();
    Some((decode(parts.next())?, decode(parts.next())?))
}
