//! ms per verification of one token, per algorithm, pure-Rust in wasm (V8 under Node).

use jwt_compact::alg::{Ed25519, Es256, Rsa};
use jwt_compact::jwk::JsonWebKey;
use jwt_compact::{Algorithm, AlgorithmExt, UntrustedToken};
use serde_json::Value;
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

const FIXTURES: &str = include_str!("../fixtures.json");

fn time<F: FnMut()>(label: &str, iterations: u32, mut run: F) {
    run(); // warm up
    let started = js_sys::Date::now();
    for _ in 0..iterations {
        run();
    }
    let per_op = (js_sys::Date::now() - started) / f64::from(iterations);
    console_log!("pure-Rust {label}: {per_op:.3} ms per verification ({iterations} runs)");
}

fn fixture(alg: &str) -> (String, JsonWebKey<'static>) {
    let all: Value = serde_json::from_str(FIXTURES).unwrap();
    let token = all[alg]["token"].as_str().unwrap().to_owned();
    let jwk: JsonWebKey<'static> = serde_json::from_value(all[alg]["jwk"].clone()).unwrap();
    (token, jwk)
}

#[wasm_bindgen_test]
fn eddsa() {
    let (token, jwk) = fixture("EdDSA");
    let key = <Ed25519 as Algorithm>::VerifyingKey::try_from(&jwk).unwrap();
    let token = UntrustedToken::new(&token).unwrap();
    time("EdDSA", 200, || assert!(Ed25519.validator::<Value>(&key).validate(&token).is_ok()));
}

#[wasm_bindgen_test]
fn es256() {
    let (token, jwk) = fixture("ES256");
    let key = <Es256 as Algorithm>::VerifyingKey::try_from(&jwk).unwrap();
    let token = UntrustedToken::new(&token).unwrap();
    time("ES256", 100, || assert!(Es256.validator::<Value>(&key).validate(&token).is_ok()));
}

#[wasm_bindgen_test]
fn rs256() {
    let (token, jwk) = fixture("RS256");
    let key = <Rsa as Algorithm>::VerifyingKey::try_from(&jwk).unwrap();
    let token = UntrustedToken::new(&token).unwrap();
    time("RS256", 100, || assert!(Rsa::rs256().validator::<Value>(&key).validate(&token).is_ok()));
}
