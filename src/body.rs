//! Request bodies, bounded (CONTRACT §4): over `MAX_BODY_BYTES` is `413 payload_too_large`,
//! decided from `Content-Length` before anything is read, and enforced while reading a body
//! that declares no length (chunked), which is cancelled as soon as it is too long.

use bbb_core::error::MAX_BODY_BYTES;
use bbb_core::AppError;
use futures_util::StreamExt;
use worker::Request;

/// Refuses a request whose declared body is too long. Every request goes through this first.
pub fn check_declared_length(req: &Request) -> Result<(), AppError> {
    let declared = req.headers().get("content-length").ok().flatten();
    match declared.map(|value| value.trim().parse::<u64>()) {
        Some(Ok(length)) if length > MAX_BODY_BYTES as u64 => Err(AppError::payload_too_large()),
        _ => Ok(()),
    }
}

/// The body, read up to the limit.
pub async fn read(req: &mut Request) -> Result<Vec<u8>, AppError> {
    check_declared_length(req)?;
    let mut stream = match req.stream() {
        Ok(stream) => stream,
        // No body at all.
        Err(_) => return Ok(Vec::new()),
    };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| AppError::internal())?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            // Dropping the stream cancels it: the rest is never read.
            return Err(AppError::payload_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body as text (UTF-8; anything else is not a body any route takes).
pub async fn read_text(req: &mut Request) -> Result<String, AppError> {
    String::from_utf8(read(req).await?)
        .map_err(|_| AppError::new(bbb_core::ErrorCode::InvalidRequest, "The request body is not UTF-8 text."))
}

/// The fields of an `application/x-www-form-urlencoded` body, or `None` for any other type.
pub async fn read_form(req: &mut Request) -> Result<Option<Vec<(String, String)>>, AppError> {
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    let body = read(req).await?;
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Ok(None);
    }
    Ok(Some(form_urlencoded::parse(&body).into_owned().collect()))
}
