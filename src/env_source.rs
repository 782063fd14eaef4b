//! Settings from the worker's bindings: `[vars]` through `env.var`, secrets through `env.secret`.

use bbb_core::ConfigSource;
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

/// Loads the settings, or the contract's `config_missing` error naming what is wrong.
pub fn load(env: &Env) -> Result<bbb_core::Config, bbb_core::AppError> {
    bbb_core::Config::load(&EnvSource(env)).map_err(|error| bbb_core::AppError::from(&error))
}
