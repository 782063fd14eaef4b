//! Durable Object storage as bbb-edge keeps it: each value a JSON text, a number or a flag,
//! read and written on the platform's object. (`worker`'s `get`, `put` and `list_with_options`
//! convert every value and option through serde_wasm_bindgen, a copy of that code per type.)

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::js_sys::{self, Map, Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::worker_sys::DurableObjectStorage;
use worker::{Result, State};

pub struct Storage {
    raw: DurableObjectStorage,
}

impl Storage {
    pub fn of(state: &State) -> Storage {
        // `worker`'s storage wrapper has the object but will not hand it over by value.
        let storage = state.storage();
        let raw: &JsValue = storage.as_raw().as_ref();
        Storage { raw: raw.clone().unchecked_into() }
    }

    async fn get(&self, key: &str) -> Result<JsValue> {
        Ok(JsFuture::from(self.raw.get(key)?).await?)
    }

    /// A text value; `None` when the key is absent (or holds something else).
    pub async fn text(&self, key: &str) -> Result<Option<String>> {
        Ok(self.get(key).await?.as_string())
    }

    /// A number value; `None` when the key is absent (or holds something else).
    pub async fn number(&self, key: &str) -> Result<Option<f64>> {
        Ok(self.get(key).await?.as_f64())
    }

    /// Whether the key holds anything.
    pub async fn has(&self, key: &str) -> Result<bool> {
        Ok(!self.get(key).await?.is_undefined())
    }

    /// Stores a text (`&str`, `String`), a number (`f64`) or a flag (`bool`).
    pub async fn put(&self, key: &str, value: impl Into<JsValue>) -> Result<()> {
        JsFuture::from(self.raw.put(key, value.into())?).await?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        JsFuture::from(self.raw.delete(key)?).await?;
        Ok(())
    }

    /// Deletes each of `keys` (not the whole storage, as the platform's `deleteAll` would).
    pub async fn delete_keys(&self, keys: Vec<String>) -> Result<()> {
        // The platform deletes at most 128 keys per call.
        for chunk in keys.chunks(128) {
            let chunk = chunk.iter().map(|key| JsValue::from_str(key)).collect();
            JsFuture::from(self.raw.delete_multiple(chunk)?).await?;
        }
        Ok(())
    }

    /// Every key under `prefix` (whole keys, in key order) with its value.
    pub async fn list(&self, prefix: &str) -> Result<Vec<(String, JsValue)>> {
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("prefix"), &JsValue::from_str(prefix))?;
        let listed: Map = JsFuture::from(self.raw.list_with_options(options)?).await?.unchecked_into();
        let mut entries = Vec::with_capacity(listed.size() as usize);
        listed.for_each(&mut |value, key| {
            if let Some(key) = key.as_string() {
                entries.push((key, value));
            }
        });
        Ok(entries)
    }

    /// When the alarm is set for (milliseconds since the epoch), if it is.
    pub async fn alarm(&self) -> Result<Option<f64>> {
        Ok(JsFuture::from(self.raw.get_alarm(Object::new())?).await?.as_f64())
    }

    /// Sets the alarm for `at_ms` (milliseconds since the epoch).
    pub async fn set_alarm(&self, at_ms: f64) -> Result<()> {
        JsFuture::from(self.raw.set_alarm(js_sys::Date::new(&at_ms.into()), Object::new())?).await?;
        Ok(())
    }
}

/// One second after `until` (seconds since the epoch), in milliseconds: when an alarm for it runs.
pub fn second_after(until: i64) -> f64 {
    (until + 1) as f64 * 1000.0
}

/// A record as the JSON text it is stored as. (Serialising before the storage call keeps one
/// copy of the call's future for every record type.)
pub fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))
}

/// The entries of a listing that hold JSON text of a `T`; anything else is passed over.
pub fn parsed<T: DeserializeOwned>(entries: Vec<(String, JsValue)>) -> impl Iterator<Item = (String, T)> {
    entries.into_iter().filter_map(|(key, value)| Some((key, serde_json::from_str(&value.as_string()?).ok()?)))
}
