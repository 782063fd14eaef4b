use super::*;
use crate::bbb::ChecksumAlgorithm;
use crate::pool::ServerId;
use crate::secret::Secret;
use std::collections::HashMap;

pub struct MapSource(pub HashMap<&'static str, &'static str>);

impl ConfigSource for MapSource {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.to_string())
    }
    fn secret(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.to_string())
    }
}

pub(crate) fn full() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("BBB_URL", "https://bbb.example/bigbluebutton/"),
        ("PUBLIC_URL", "https://edge.example/"),
        ("JWT_ISSUER", "https://lms.example, portal"),
        ("JWT_AUDIENCE", "bbb-edge"),
        ("BBB_SECRET", "bbb-secret-value"),
        ("JWT_SECRET", "jwt-secret-value-0123456789abcdef"),
    ])
}

#[test]
fn defaults_apply() {
    let config = Config::load(&MapSource(full())).unwrap();
    assert_eq!(config.pool.only().unwrap().base.as_str(), "https://bbb.example/bigbluebutton/api/");
    assert_eq!(config.pool.only().unwrap().signer.algorithm, ChecksumAlgorithm::Sha256);
    assert_eq!(config.public_url.join_error_url("t.s"), "https://edge.example/join/error/t.s");
    assert_eq!(config.tokens.issuers, vec!["https://lms.example", "portal"]);
    assert_eq!((config.tokens.max_age_seconds, config.tokens.leeway_seconds), (300, 30));
    assert_eq!(config.bbb_timeout, Duration::from_millis(5000));
    assert!(config.moderator_roles.contains("moderator"));
    assert_ne!(config.callbacks.key.expose(), "bbb-secret-value");
}

#[test]
fn every_problem_is_named_and_no_value_is_echoed() {
    let mut settings = full();
    settings.remove("BBB_URL");
    settings.remove("BBB_SECRET");
    settings.insert("BBB_CHECKSUM_ALGORITHM", "md5-bbb-secret-value");
    settings.insert("JWT_LEEWAY_SECONDS", "lots");
    let error = Config::load(&MapSource(settings)).unwrap_err();
    assert_eq!(error.setting_names(), vec!["BBB_URL", "BBB_CHECKSUM_ALGORITHM", "BBB_SECRET", "JWT_LEEWAY_SECONDS"]);
    let text = error.to_string();
    assert!(text.contains("BBB_URL") && text.contains("BBB_SECRET") && text.contains("JWT_LEEWAY_SECONDS"), "{text}");
    assert!(!text.contains("md5") && !text.contains("lots") && !text.contains("value"), "{text}");
}

#[test]
fn previous_secrets_are_accepted_but_never_sign() {
    let mut settings = full();
    settings.insert("BBB_SECRET_PREVIOUS", "old-bbb-secret");
    settings.insert("JWT_SECRET_PREVIOUS", "old-jwt-secret-0123456789abcdefgh");
    let config = Config::load(&MapSource(settings.clone())).unwrap();
    assert_eq!(
        config.tokens.hmac_keys.iter().map(Secret::expose).collect::<Vec<_>>(),
        ["jwt-secret-value-0123456789abcdef", "old-jwt-secret-0123456789abcdefgh"]
    );
    assert_eq!(config.pool.only().unwrap().inbound_secrets().len(), 2);
    assert_eq!(config.pool.only().unwrap().signer.secret.expose(), "bbb-secret-value");
    // Derived callback keys follow the BBB secret's rotation.
    let mut old = full();
    old.insert("BBB_SECRET", "old-bbb-secret");
    let old_only = Config::load(&MapSource(old)).unwrap();
    assert!(config.callbacks.all().contains(&&old_only.callbacks.key));
    // An explicit CALLBACK_SECRET rotates on its own.
    settings.insert("CALLBACK_SECRET", "new-callback");
    settings.insert("CALLBACK_SECRET_PREVIOUS", "old-callback");
    let config = Config::load(&MapSource(settings)).unwrap();
    assert_eq!(
        config.callbacks.all()[..2].iter().map(|k| k.expose()).collect::<Vec<_>>(),
        ["new-callback", "old-callback"]
    );
}

#[test]
fn webhooks_need_a_whsec_secret() {
    let mut settings = full();
    settings.insert("HOST_WEBHOOK_URL", "https://lms.example/hooks");
    assert_eq!(Config::load(&MapSource(settings.clone())).unwrap_err().setting_names(), vec!["HOST_WEBHOOK_SECRET"]);
    settings.insert("HOST_WEBHOOK_SECRET", "plain-secret");
    assert_eq!(Config::load(&MapSource(settings.clone())).unwrap_err().setting_names(), vec!["HOST_WEBHOOK_SECRET"]);
    settings.insert("HOST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let mut short = settings.clone();
    short.insert("HOST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZI");
    assert_eq!(Config::load(&MapSource(short)).unwrap_err().setting_names(), vec!["HOST_WEBHOOK_SECRET"]);
    let config = Config::load(&MapSource(settings)).unwrap();
    assert_eq!(config.webhooks.target.unwrap().url, "https://lms.example/hooks");
    assert_eq!(config.webhooks.retry_base_seconds, 5);
    assert!(Config::load(&MapSource(full())).unwrap().webhooks.target.is_none());
}

#[test]
fn urls_are_https_except_to_loopback_and_judged_parsed() {
    let mut settings = full();
    settings.insert("BBB_URL", "http://bbb.example/bigbluebutton/");
    settings.insert("PUBLIC_URL", "http://edge.example");
    settings.insert("LOGOUT_URL", "http://localhost@lms.example/");
    settings.insert("HOST_WEBHOOK_URL", "https://lms.example/hooks#x");
    settings.insert("HOST_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    settings.insert("JWT_ALGORITHMS", "HS256,EdDSA");
    settings.insert("JWT_JWKS_URL", "http://127.0.0.1.lms.example/jwks");
    let error = Config::load(&MapSource(settings)).unwrap_err();
    let mut names = error.setting_names();
    names.sort();
    assert_eq!(names, ["BBB_URL", "HOST_WEBHOOK_URL", "JWT_JWKS_URL", "LOGOUT_URL", "PUBLIC_URL"]);

    let mut local = full();
    local.insert("BBB_URL", "http://127.0.0.1:8090/bigbluebutton/");
    local.insert("PUBLIC_URL", "http://localhost:8787/");
    local.insert("LOGOUT_URL", "http://[::1]:8000/left");
    let config = Config::load(&MapSource(local)).unwrap();
    assert_eq!(config.pool.only().unwrap().base.as_str(), "http://127.0.0.1:8090/bigbluebutton/api/");
    assert_eq!(config.public_url.as_str(), "http://localhost:8787");
    assert_eq!(config.logout_url.as_deref(), Some("http://[::1]:8000/left"));
}

#[test]
fn public_url_is_an_origin() {
    assert_eq!(PublicUrl::parse("https://Edge.Example:443/").unwrap().as_str(), "https://edge.example");
    assert!(PublicUrl::parse("https://edge.example/prefix").is_err());
    assert!(PublicUrl::parse("https://edge.example/?a=1").is_err());
}

#[test]
fn jwt_secrets_are_32_bytes_at_least() {
    let mut settings = full();
    settings.insert("JWT_SECRET", "abc");
    settings.insert("JWT_SECRET_PREVIOUS", "0123456789abcdef0123456789abcde");
    let error = Config::load(&MapSource(settings.clone())).unwrap_err();
    assert_eq!(error.setting_names(), vec!["JWT_SECRET", "JWT_SECRET_PREVIOUS"]);
    assert!(!error.to_string().contains("abc"));
    settings.insert("JWT_SECRET", "0123456789abcdef0123456789abcdef");
    settings.insert("JWT_SECRET_PREVIOUS", " 0123456789abcdef0123456789abcdef\n");
    assert!(Config::load(&MapSource(settings)).is_ok());
}

#[test]
fn jwt_secret_is_required_only_for_hmac_algorithms() {
    let mut settings = full();
    settings.remove("JWT_SECRET");
    assert_eq!(Config::load(&MapSource(settings)).unwrap_err().setting_names(), vec!["JWT_SECRET"]);
}

#[test]
fn asymmetric_algorithms_need_a_jwks_url() {
    let mut settings = full();
    settings.insert("JWT_ALGORITHMS", "HS256,ES256");
    assert_eq!(Config::load(&MapSource(settings.clone())).unwrap_err().setting_names(), vec!["JWT_ALGORITHMS"]);
    settings.insert("JWT_JWKS_URL", "https://lms.example/.well-known/jwks.json");
    let config = Config::load(&MapSource(settings)).unwrap();
    assert_eq!(config.tokens.algorithms.len(), 2);
    assert_eq!(config.jwks.unwrap().refresh_min_seconds, 60);
}

fn pooled() -> HashMap<&'static str, &'static str> {
    let mut settings = full();
    settings.remove("BBB_URL");
    settings.remove("BBB_SECRET");
    settings.insert(
        "BBB_SERVERS",
        r#"[{"id": "bbb1", "url": "https://bbb1.example/bigbluebutton/", "tags": ["eu"]},
            {"id": "bbb-2", "url": "https://bbb2.example/bigbluebutton/", "checksum": "sha512", "load_multiplier": 2.5}]"#,
    );
    settings.insert("BBB_SECRET_BBB1", "secret-1");
    settings.insert("BBB_SECRET_BBB_2", "secret-2");
    settings.insert("CALLBACK_SECRET", "callback-key");
    settings
}

#[test]
fn a_pool_from_bbb_servers_with_a_secret_each() {
    let config = Config::load(&MapSource(pooled())).unwrap();
    let servers = config.pool.servers();
    assert!(!config.pool.is_of_one());
    assert_eq!(servers.len(), 2);
    assert_eq!(
        (servers[0].id.as_str(), servers[0].signer.algorithm, servers[0].tags.clone()),
        ("bbb1", ChecksumAlgorithm::Sha256, vec!["eu".to_owned()])
    );
    assert_eq!(
        (servers[1].signer.secret.expose(), servers[1].signer.algorithm, servers[1].load_multiplier),
        ("secret-2", ChecksumAlgorithm::Sha512, 2.5)
    );
    assert_eq!(servers[1].origin(), "https://bbb2.example");
    // Callback URLs minted under a server's derived key stay valid; only CALLBACK_SECRET signs.
    assert_eq!(config.callbacks.key.expose(), "callback-key");
    assert_eq!(config.callbacks.all().len(), 3);
}

#[test]
fn pool_problems_are_named() {
    type Case = (&'static str, Vec<(&'static str, &'static str)>, Vec<&'static str>);
    let cases: Vec<Case> = vec![
        ("both forms", vec![("BBB_URL", "https://bbb.example/bigbluebutton/")], vec!["BBB_URL"]),
        ("a missing secret", vec![("BBB_SECRET_BBB_2", "")], vec!["BBB_SECRET_BBB_2"]),
        ("not JSON", vec![("BBB_SERVERS", "[{")], vec!["BBB_SERVERS"]),
        ("empty", vec![("BBB_SERVERS", "[]")], vec!["BBB_SERVERS"]),
        ("a bad id", vec![("BBB_SERVERS", r#"[{"id": "BBB", "url": "https://b.example/"}]"#)], vec!["BBB_SERVERS"]),
        (
            "an id twice",
            vec![(
                "BBB_SERVERS",
                r#"[{"id": "a", "url": "https://a.example/"}, {"id": "a", "url": "https://b.example/"}]"#,
            )],
            vec!["BBB_SERVERS"],
        ),
        (
            "a url twice",
            vec![(
                "BBB_SERVERS",
                r#"[{"id": "a", "url": "https://a.example/"}, {"id": "b", "url": "https://a.example/api"}]"#,
            )],
            vec!["BBB_SERVERS"],
        ),
        ("plain http", vec![("BBB_SERVERS", r#"[{"id": "a", "url": "http://a.example/"}]"#)], vec!["BBB_SERVERS"]),
        (
            "a bad checksum",
            vec![("BBB_SERVERS", r#"[{"id": "a", "url": "https://a.example/", "checksum": "md5"}]"#)],
            vec!["BBB_SERVERS"],
        ),
        (
            "a zero multiplier",
            vec![("BBB_SERVERS", r#"[{"id": "a", "url": "https://a.example/", "load_multiplier": 0}]"#)],
            vec!["BBB_SERVERS"],
        ),
        (
            "an unknown field",
            vec![("BBB_SERVERS", r#"[{"id": "a", "url": "https://a.example/", "secret": "x"}]"#)],
            vec!["BBB_SERVERS"],
        ),
        (
            "a tag ending in !",
            vec![("BBB_SERVERS", r#"[{"id": "a", "url": "https://a.example/", "tags": ["eu!"]}]"#)],
            vec!["BBB_SERVERS"],
        ),
        ("no callback key", vec![("CALLBACK_SECRET", "")], vec!["CALLBACK_SECRET"]),
    ];
    for (label, changes, expected) in cases {
        let mut settings = pooled();
        for (name, value) in changes {
            if value.is_empty() {
                settings.remove(name);
            } else {
                settings.insert(name, value);
            }
        }
        let error = Config::load(&MapSource(settings)).unwrap_err();
        assert_eq!(error.setting_names(), expected, "{label}: {error}");
        let text = error.to_string();
        assert!(!text.contains("secret-1") && !text.contains("a.example"), "{label}: no value echoed: {text}");
    }
}

#[test]
fn the_server_that_was_bbb_url_keeps_its_callback_urls_as_default() {
    // Moving from one server to a pool: keep the old server under the id `default`.
    let single = Config::load(&MapSource(full())).unwrap();
    let mut settings = pooled();
    settings.remove("CALLBACK_SECRET");
    settings.insert(
        "BBB_SERVERS",
        r#"[{"id": "default", "url": "https://bbb.example/bigbluebutton/"}, {"id": "bbb1", "url": "https://bbb1.example/bigbluebutton/"}]"#,
    );
    settings.insert("BBB_SECRET_DEFAULT", "bbb-secret-value");
    let pooled = Config::load(&MapSource(settings)).unwrap();
    assert_eq!(pooled.callbacks.key, single.callbacks.key);
    assert_eq!(
        pooled.public_url.recording_ready_url(pooled.pool.recording_ready_id(&pooled.pool.servers()[1].id)),
        "https://edge.example/callbacks/recording-ready/bbb1"
    );
    assert_eq!(
        single.public_url.recording_ready_url(single.pool.recording_ready_id(&ServerId::default_id())),
        "https://edge.example/callbacks/recording-ready"
    );
}

#[test]
fn polling_settings() {
    let config = Config::load(&MapSource(full())).unwrap();
    assert_eq!(config.polling, PollSettings { poll_seconds: 60, fail_polls: 2, recover_polls: 2, batch: 40 });
    let mut settings = full();
    settings.insert("POOL_FAIL_POLLS", "0");
    assert_eq!(Config::load(&MapSource(settings)).unwrap_err().setting_names(), vec!["POOL_FAIL_POLLS"]);
}

#[test]
fn waiting_room_settings() {
    let config = Config::load(&MapSource(full())).unwrap();
    assert_eq!(config.waiting, WaitSettings { by_default: false, max_seconds: 3600 });
    let mut settings = full();
    settings.insert("WAIT_FOR_MODERATOR", "TRUE");
    settings.insert("WAIT_MAX_SECONDS", "600");
    let config = Config::load(&MapSource(settings.clone())).unwrap();
    assert_eq!(config.waiting, WaitSettings { by_default: true, max_seconds: 600 });
    settings.insert("WAIT_FOR_MODERATOR", "yes");
    settings.insert("WAIT_MAX_SECONDS", "2");
    let error = Config::load(&MapSource(settings)).unwrap_err();
    assert_eq!(error.setting_names(), vec!["WAIT_FOR_MODERATOR", "WAIT_MAX_SECONDS"]);
}

#[test]
fn lti_platforms_are_checked_like_every_setting() {
    let config = Config::load(&MapSource(full())).unwrap();
    assert!(config.lti.is_empty());
    let mut settings = full();
    settings.insert(
        "LTI_PLATFORMS",
        r#"[{"issuer": "https://lms.example", "client_id": "c", "deployment_ids": ["1"], "auth_url": "https://lms.example/auth", "jwks_url": "https://lms.example/certs"}]"#,
    );
    settings.insert("JWKS_REFRESH_MIN_SECONDS", "120");
    let config = Config::load(&MapSource(settings.clone())).unwrap();
    assert_eq!(config.lti.find("https://lms.example", None).unwrap().jwks.refresh_min_seconds, 120);
    settings.insert("LTI_PLATFORMS", r#"[{"issuer": "https://lms.example", "client_id": "c", "deployment_ids": ["1"], "auth_url": "http://lms.example/auth", "jwks_url": "https://lms.example/certs"}]"#);
    let error = Config::load(&MapSource(settings)).unwrap_err();
    assert_eq!(error.setting_names(), vec!["LTI_PLATFORMS"]);
    assert!(error.to_string().contains("auth_url"), "{error}");
}
