//! Building responses: errors as HTML or JSON (CONTRACT §5), pages and redirects with the
//! headers that keep signed URLs out of caches and referrers.

use bbb_core::page;
use bbb_core::AppError;
use worker::{Env, Headers, Request, Response, Result};

/// Nothing from another origin.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'";

/// A page's policy: [`CSP`], `extra` directives, and who may show it in a frame: nobody, unless
/// `ancestors` (the registered LMSs, for the pages an LTI launch leads to: LMSs embed their tools).
fn policy(extra: &str, ancestors: &[String]) -> String {
    let frames = if ancestors.is_empty() { "'none'".to_owned() } else { ancestors.join(" ") };
    format!("{CSP}{extra}; frame-ancestors {frames}")
}

/// A platform failure; its text is not shown (it could include a URL).
pub fn internal(_: worker::Error) -> AppError {
    AppError::internal()
}

/// The language of a page for this request (`Accept-Language`, CONTRACT §9).
pub fn page_lang(req: &Request) -> page::Lang {
    page::Lang::negotiate(req.headers().get("accept-language").ok().flatten().as_deref())
}

/// Browsers ask for `text/html`; everything else gets JSON.
pub fn wants_html(req: &Request) -> bool {
    req.headers().get("accept").ok().flatten().is_some_and(|accept| accept.contains("text/html"))
}

/// An error as the contract's JSON, or a page; `lti` pages may be framed by the registered LMSs.
pub fn error(error: &AppError, html: bool, lang: page::Lang, env: &Env, lti: bool) -> Result<Response> {
    if html {
        let config = crate::env_source::load(env).ok();
        let back = config.as_ref().and_then(|config| config.logout_url.clone());
        let ancestors = match (&config, lti) {
            (Some(config), true) => config.lti.frame_ancestors(),
            _ => Vec::new(),
        };
        let body = page::error_page(error, back.as_deref(), lang);
        html_under(&body, error.status(), lang, &policy("", &ancestors))
    } else {
        json(&error.to_json(), error.status())
    }
}

pub fn html(body: &str, status: u16, lang: page::Lang) -> Result<Response> {
    html_under(body, status, lang, &policy("", &[]))
}

/// The waiting room's page: the strict CSP, plus its one inline script (by hash) and a socket
/// to this origin; `ancestors` may frame it.
pub fn waiting_html(body: &str, lang: page::Lang, ancestors: &[String]) -> Result<Response> {
    let extra = format!("; script-src {}; connect-src 'self'", page::wait_script_hash());
    html_under(body, 200, lang, &policy(&extra, ancestors))
}

fn html_under(body: &str, status: u16, lang: page::Lang, csp: &str) -> Result<Response> {
    let headers = private_headers()?;
    headers.set("content-type", "text/html; charset=utf-8")?;
    headers.set("content-language", lang.tag())?;
    // The page depends on the request's language (the answer is not stored: no-store).
    headers.set("vary", "accept, accept-language")?;
    headers.set("content-security-policy", csp)?;
    headers.set("x-content-type-options", "nosniff")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}

pub fn json(body: &str, status: u16) -> Result<Response> {
    let headers = private_headers()?;
    headers.set("content-type", "application/json")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}

/// A redirect to a signed URL: `302` for GET, `303` for POST (so the browser follows with GET).
/// Built by hand: `Response.redirect()` in JS has immutable headers.
pub fn redirect(location: &str, status: u16) -> Result<Response> {
    let headers = private_headers()?;
    headers.set("location", location)?;
    Ok(Response::empty()?.with_status(status).with_headers(headers))
}

/// The LTI login's `302` to the platform, setting the cookie that binds the login to the browser.
pub fn redirect_setting_cookie(location: &str, cookie: &str) -> Result<Response> {
    let mut response = redirect(location, 302)?;
    response.headers_mut().append("set-cookie", cookie)?;
    Ok(response)
}

fn private_headers() -> Result<Headers> {
    let headers = Headers::new();
    headers.set("cache-control", "no-store")?;
    headers.set("referrer-policy", "no-referrer")?;
    Ok(headers)
}
