//! `GET /join/error`: the `errorRedirectUrl` BBB sends browsers to, with `?errors=[...]` appended.

use bbb_core::{page, AppError, ErrorCode};
use worker::{Env, Request, Response};

use crate::respond;
use crate::routes::join::internal;

pub fn handle(req: &Request, env: &Env) -> Result<Response, AppError> {
    let url = req.url().map_err(internal)?;
    let errors = page::parse_bbb_errors(url.query().unwrap_or(""));
    let html = respond::wants_html(req);
    let first = errors.first().cloned();
    let error =
        AppError { code: ErrorCode::BbbFailed, message: "The meeting server could not let you in.".into(), bbb: first };
    let response = if html {
        let back = crate::env_source::load(env).ok().and_then(|config| config.logout_url);
        respond::html(&page::join_error_page(&errors, back.as_deref()), error.status())
    } else {
        respond::json(&error.to_json(), error.status())
    };
    response.map_err(internal)
}
