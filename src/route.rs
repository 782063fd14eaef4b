//! Which route a request is for: a plain match on method and path, so every answer (also 404
//! and 405) goes through the contract's error format.

use worker::Method;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Join,
    JoinError,
    /// `/join/error/{ticket}`: the ticket is the rest of the path.
    JoinErrorTicket,
    /// `/callbacks/meeting-ended/{token}`.
    MeetingEnded,
    /// Anything under `/api/v1/`: the API routes its own paths and methods.
    Api,
    RecordingReady,
    Left,
    Healthz,
    MethodNotAllowed(&'static str),
    NotFound,
}

impl Route {
    pub fn parse(method: &Method, path: &str) -> Route {
        if path.starts_with("/api/v1/") {
            return Route::Api;
        }
        if let Some(token) = path.strip_prefix("/callbacks/meeting-ended/") {
            if token.is_empty() || token.contains('/') {
                return Route::NotFound;
            }
            return if *method == Method::Get { Route::MeetingEnded } else { Route::MethodNotAllowed("meeting_ended") };
        }
        if let Some(ticket) = path.strip_prefix("/join/error/") {
            if ticket.is_empty() || ticket.contains('/') {
                return Route::NotFound;
            }
            return if *method == Method::Get { Route::JoinErrorTicket } else { Route::MethodNotAllowed("join_error") };
        }
        let (name, allowed): (&'static str, &[Method]) = match path {
            "/join" => ("join", &[Method::Get, Method::Post]),
            "/join/error" => ("join_error", &[Method::Get]),
            "/left" => ("left", &[Method::Get]),
            "/healthz" => ("healthz", &[Method::Get]),
            "/callbacks/recording-ready" => ("recording_ready", &[Method::Post]),
            _ => return Route::NotFound,
        };
        if !allowed.contains(method) {
            return Route::MethodNotAllowed(name);
        }
        match name {
            "join" => Route::Join,
            "join_error" => Route::JoinError,
            "left" => Route::Left,
            "recording_ready" => Route::RecordingReady,
            _ => Route::Healthz,
        }
    }

    /// The name in the log line.
    pub fn name(self) -> &'static str {
        match self {
            Route::Join => "join",
            Route::JoinError | Route::JoinErrorTicket => "join_error",
            Route::Left => "left",
            Route::Healthz => "healthz",
            Route::MeetingEnded => "meeting_ended",
            Route::Api => "api",
            Route::RecordingReady => "recording_ready",
            Route::MethodNotAllowed(name) => name,
            Route::NotFound => "not_found",
        }
    }
}

pub fn method_name(method: &Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Head => "HEAD",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
        Method::Options => "OPTIONS",
        _ => "OTHER",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(Route::parse(&Method::Get, "/join"), Route::Join);
        assert_eq!(Route::parse(&Method::Post, "/join"), Route::Join);
        assert_eq!(Route::parse(&Method::Put, "/join"), Route::MethodNotAllowed("join"));
        assert_eq!(Route::parse(&Method::Get, "/join/error"), Route::JoinError);
        assert_eq!(Route::parse(&Method::Post, "/join/error"), Route::MethodNotAllowed("join_error"));
        assert_eq!(Route::parse(&Method::Get, "/join/error/abc.def"), Route::JoinErrorTicket);
        assert_eq!(Route::parse(&Method::Post, "/join/error/abc.def"), Route::MethodNotAllowed("join_error"));
        assert_eq!(Route::parse(&Method::Get, "/join/error/a/b"), Route::NotFound);
        assert_eq!(Route::parse(&Method::Get, "/callbacks/meeting-ended/x.y.z"), Route::MeetingEnded);
        assert_eq!(
            Route::parse(&Method::Post, "/callbacks/meeting-ended/x.y.z"),
            Route::MethodNotAllowed("meeting_ended")
        );
        assert_eq!(Route::parse(&Method::Post, "/callbacks/recording-ready"), Route::RecordingReady);
        assert_eq!(
            Route::parse(&Method::Get, "/callbacks/recording-ready"),
            Route::MethodNotAllowed("recording_ready")
        );
        assert_eq!(Route::parse(&Method::Get, "/healthz"), Route::Healthz);
        assert_eq!(Route::parse(&Method::Get, "/join/"), Route::NotFound);
        assert_eq!(Route::parse(&Method::Get, "/JOIN"), Route::NotFound);
        assert_eq!(Route::parse(&Method::Get, "/"), Route::NotFound);
    }
}
