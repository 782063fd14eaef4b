//! A request's query string, cut from the URL the platform already parsed and serialised (as
//! `worker` cuts its path): parsing it again with the `url` crate would be that crate's only
//! use in the wasm.

use worker::Request;

/// What follows the first `?` of the request's URL (up to a `#`), or `""`.
pub fn raw(req: &Request) -> String {
    let url = req.inner().url();
    let query = url.split_once('?').map_or("", |(_, query)| query);
    query.split('#').next().unwrap_or_default().to_owned()
}

/// The query's name/value pairs, decoded as `application/x-www-form-urlencoded`.
pub fn pairs(req: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(raw(req).as_bytes()).into_owned().collect()
}
