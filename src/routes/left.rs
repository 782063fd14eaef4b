//! `GET /left`: where BBB sends people who leave, when no `LOGOUT_URL` is set.

use bbb_core::{page, AppError};
use worker::Response;

use crate::respond::{self, internal};

pub fn handle() -> Result<Response, AppError> {
    respond::html(&page::left_page(), 200).map_err(internal)
}
