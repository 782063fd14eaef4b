//! Settings from the worker's bindings: `[vars]` through `env.var`, secrets through `env.secret`.

use std::cell::OnceCell;
use std::rc::Rc;

use bbb_core::{AppError, Config, ConfigSource};
use worker::Env;

pub struct EnvSource<'a>(pub &'a Env);

impl ConfigSource for EnvSource<'_> {
    fn var(&self, name: &str) -> Option<String> {
        self.0.var(name).ok().map(|value| value.to_string())
    }

    fn secret(&self, name: &str) -> Option<String> {
        self.0.secret(name).ok().map(|value| value.to_string())
    }
}

thread_local! {
    /// Bindings are fixed for the life of an isolate (a new version gets new isolates), so the
    /// parsed settings are kept. A failed parse is not kept: it is answered on every request.
    static CONFIG: OnceCell<Rc<Config>> = const { OnceCell::new() };
}

/// Loads the settings, or the contract's `config_missing` error naming what is wrong.
pub fn load(env: &Env) -> Result<Rc<Config>, AppError> {
    if let Some(config) = CONFIG.with(|cell| cell.get().cloned()) {
        return Ok(config);
    }
    let config = Rc::new(Config::load(&EnvSource(env)).map_err(|error| AppError::from(&error))?);
    Ok(CONFIG.with(|cell| cell.get_or_init(|| config).clone()))
}
