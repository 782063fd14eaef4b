//! `GET /left`: where BBB sends people who leave, when no `LOGOUT_URL` is set.

use bbb_core::{page, AppError};
use worker::{Request, Response};

use crate::respond::{self, internal};

pub fn handle(req: &Request) -> Result<Response, AppError> {
    let lang = respond::page_lang(req);
    respond::html(&page::left_page(lang), 200, lang).map_err(internal)
}
