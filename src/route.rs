//! Which route a request is for, from one table of paths and their methods. Every answer that
//! is not a route's own (404, and 405 with its `Allow` header) is decided here.

use worker::Method;

/// A route, with the path segments it captured (still percent-encoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Join,
    JoinError,
    /// `/join/error/{ticket}`.
    JoinErrorTicket(String),
    /// `/join/wait/{ticket}`: the waiting room's page, or the join once the meeting runs.
    Wait(String),
    /// `/join/wait/{ticket}/again`: "keep waiting", a wait started again.
    WaitAgain(String),
    /// `/join/wait/{ticket}/socket`: the page's WebSocket to the meeting's Durable Object.
    WaitSocket(String),
    Left,
    /// `GET` or `POST /lti/login`: the OIDC login an LMS starts (CONTRACT §10).
    LtiLogin,
    /// `POST /lti/launch`: the id_token the LMS form-posts.
    LtiLaunch,
    /// `GET /lti/jwks`: the tool's keyset, empty (bbb-edge signs no LTI message).
    LtiJwks,
    Healthz,
    /// `/callbacks/meeting-ended/{token}`.
    MeetingEnded(String),
    /// `POST /callbacks/recording-ready` (`None`) or `…/recording-ready/{server}`.
    RecordingReady(Option<String>),
    /// `GET /api/v1/meetings/{meeting}`.
    ApiMeeting(String),
    /// `POST /api/v1/meetings/{meeting}/end`.
    ApiMeetingEnd(String),
    /// `GET /api/v1/recordings`.
    ApiRecordings,
    /// `GET /api/v1/recordings/{record_id}`.
    ApiRecording(String),
    /// `PATCH /api/v1/recordings/{record_id}`.
    ApiRecordingUpdate(String),
    /// `DELETE /api/v1/recordings/{record_id}`.
    ApiRecordingDelete(String),
    /// `POST /api/v1/recordings/{record_id}/publish` or `…/unpublish`.
    ApiRecordingPublish(String, bool),
    /// `GET /api/v1/servers` (scope `admin`).
    ApiServers,
    /// `POST /api/v1/servers/{id}/enable`, `…/cordon`, `…/disable` (scope `admin`).
    ApiServerState(String, &'static str),
    /// `POST /api/v1/pool/poll` (scope `admin`).
    ApiPoolPoll,
}

/// A known path asked with a method it does not take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongMethod {
    pub name: &'static str,
    /// The `Allow` header: the methods the path takes.
    pub allow: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Route(Route),
    WrongMethod(WrongMethod),
    NotFound,
}

/// A path segment in the table: a fixed word, or one non-empty value captured.
#[derive(Clone, Copy)]
enum Part {
    Word(&'static str),
    Value,
}

use Part::{Value, Word};

type Build = fn(&[String]) -> Route;

/// One path: its segments, its name in the log line, and what each method does.
struct Entry {
    path: &'static [Part],
    name: &'static str,
    allow: &'static str,
    methods: &'static [(Method, Build)],
}

const TABLE: &[Entry] = &[
    Entry {
        path: &[Word("join")],
        name: "join",
        allow: "GET, POST",
        methods: &[(Method::Get, |_| Route::Join), (Method::Post, |_| Route::Join)],
    },
    Entry {
        path: &[Word("join"), Word("error")],
        name: "join_error",
        allow: "GET",
        methods: &[(Method::Get, |_| Route::JoinError)],
    },
    Entry {
        path: &[Word("join"), Word("error"), Value],
        name: "join_error",
        allow: "GET",
        methods: &[(Method::Get, |v| Route::JoinErrorTicket(v[0].clone()))],
    },
    Entry {
        path: &[Word("join"), Word("wait"), Value],
        name: "wait",
        allow: "GET",
        methods: &[(Method::Get, |v| Route::Wait(v[0].clone()))],
    },
    Entry {
        path: &[Word("join"), Word("wait"), Value, Word("again")],
        name: "wait",
        allow: "GET",
        methods: &[(Method::Get, |v| Route::WaitAgain(v[0].clone()))],
    },
    Entry {
        path: &[Word("join"), Word("wait"), Value, Word("socket")],
        name: "wait_socket",
        allow: "GET",
        methods: &[(Method::Get, |v| Route::WaitSocket(v[0].clone()))],
    },
    Entry {
        path: &[Word("lti"), Word("login")],
        name: "lti_login",
        allow: "GET, POST",
        methods: &[(Method::Get, |_| Route::LtiLogin), (Method::Post, |_| Route::LtiLogin)],
    },
    Entry {
        path: &[Word("lti"), Word("launch")],
        name: "lti_launch",
        allow: "POST",
        methods: &[(Method::Post, |_| Route::LtiLaunch)],
    },
    Entry {
        path: &[Word("lti"), Word("jwks")],
        name: "lti_jwks",
        allow: "GET",
        methods: &[(Method::Get, |_| Route::LtiJwks)],
    },
    Entry { path: &[Word("left")], name: "left", allow: "GET", methods: &[(Method::Get, |_| Route::Left)] },
    Entry { path: &[Word("healthz")], name: "healthz", allow: "GET", methods: &[(Method::Get, |_| Route::Healthz)] },
    Entry {
        path: &[Word("callbacks"), Word("meeting-ended"), Value],
        name: "meeting_ended",
        allow: "GET",
        methods: &[(Method::Get, |v| Route::MeetingEnded(v[0].clone()))],
    },
    Entry {
        path: &[Word("callbacks"), Word("recording-ready")],
        name: "recording_ready",
        allow: "POST",
        methods: &[(Method::Post, |_| Route::RecordingReady(None))],
    },
    Entry {
        path: &[Word("callbacks"), Word("recording-ready"), Value],
        name: "recording_ready",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::RecordingReady(Some(v[0].clone())))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("meetings"), Value],
        name: "api",
        allow: "GET",
        methods: &[(Method::Get, |v| Route::ApiMeeting(v[0].clone()))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("meetings"), Value, Word("end")],
        name: "api",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::ApiMeetingEnd(v[0].clone()))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("recordings")],
        name: "api",
        allow: "GET",
        methods: &[(Method::Get, |_| Route::ApiRecordings)],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("recordings"), Value],
        name: "api",
        allow: "GET, PATCH, DELETE",
        methods: &[
            (Method::Get, |v| Route::ApiRecording(v[0].clone())),
            (Method::Patch, |v| Route::ApiRecordingUpdate(v[0].clone())),
            (Method::Delete, |v| Route::ApiRecordingDelete(v[0].clone())),
        ],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("recordings"), Value, Word("publish")],
        name: "api",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::ApiRecordingPublish(v[0].clone(), true))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("recordings"), Value, Word("unpublish")],
        name: "api",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::ApiRecordingPublish(v[0].clone(), false))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("servers")],
        name: "admin",
        allow: "GET",
        methods: &[(Method::Get, |_| Route::ApiServers)],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("servers"), Value, Word("enable")],
        name: "admin",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::ApiServerState(v[0].clone(), "enable"))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("servers"), Value, Word("cordon")],
        name: "admin",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::ApiServerState(v[0].clone(), "cordon"))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("servers"), Value, Word("disable")],
        name: "admin",
        allow: "POST",
        methods: &[(Method::Post, |v| Route::ApiServerState(v[0].clone(), "disable"))],
    },
    Entry {
        path: &[Word("api"), Word("v1"), Word("pool"), Word("poll")],
        name: "admin",
        allow: "POST",
        methods: &[(Method::Post, |_| Route::ApiPoolPoll)],
    },
];

impl Matched {
    pub fn parse(method: &Method, path: &str) -> Matched {
        let Some(rest) = path.strip_prefix('/') else {
            return Matched::NotFound;
        };
        let segments: Vec<&str> = rest.split('/').collect();
        for entry in TABLE {
            let Some(values) = captures(entry.path, &segments) else {
                continue;
            };
            return match entry.methods.iter().find(|(m, _)| m == method) {
                Some((_, build)) => Matched::Route(build(&values)),
                None => Matched::WrongMethod(WrongMethod { name: entry.name, allow: entry.allow }),
            };
        }
        Matched::NotFound
    }

    /// The name in the log line.
    pub fn name(&self) -> &'static str {
        match self {
            Matched::Route(route) => route.name(),
            Matched::WrongMethod(wrong) => wrong.name,
            Matched::NotFound => "not_found",
        }
    }
}

impl Route {
    pub fn name(&self) -> &'static str {
        match self {
            Route::Join => "join",
            Route::JoinError | Route::JoinErrorTicket(_) => "join_error",
            Route::Wait(_) | Route::WaitAgain(_) => "wait",
            Route::WaitSocket(_) => "wait_socket",
            Route::Left => "left",
            Route::LtiLogin => "lti_login",
            Route::LtiLaunch => "lti_launch",
            Route::LtiJwks => "lti_jwks",
            Route::Healthz => "healthz",
            Route::MeetingEnded(_) => "meeting_ended",
            Route::RecordingReady(_) => "recording_ready",
            Route::ApiServers | Route::ApiServerState(..) | Route::ApiPoolPoll => "admin",
            _ => "api",
        }
    }
}

fn captures(pattern: &[Part], segments: &[&str]) -> Option<Vec<String>> {
    if pattern.len() != segments.len() {
        return None;
    }
    let mut values = Vec::new();
    for (part, segment) in pattern.iter().zip(segments) {
        match part {
            Word(word) if word == segment => {}
            Value if !segment.is_empty() => values.push((*segment).to_owned()),
            _ => return None,
        }
    }
    Some(values)
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

    fn route(method: Method, path: &str) -> Matched {
        Matched::parse(&method, path)
    }

    fn wrong(name: &'static str, allow: &'static str) -> Matched {
        Matched::WrongMethod(WrongMethod { name, allow })
    }

    #[test]
    fn routes_and_their_methods() {
        assert_eq!(route(Method::Get, "/join"), Matched::Route(Route::Join));
        assert_eq!(route(Method::Post, "/join"), Matched::Route(Route::Join));
        assert_eq!(route(Method::Put, "/join"), wrong("join", "GET, POST"));
        assert_eq!(route(Method::Get, "/join/error"), Matched::Route(Route::JoinError));
        assert_eq!(route(Method::Post, "/join/error"), wrong("join_error", "GET"));
        assert_eq!(route(Method::Get, "/join/error/abc.def"), Matched::Route(Route::JoinErrorTicket("abc.def".into())));
        assert_eq!(route(Method::Post, "/join/error/abc.def"), wrong("join_error", "GET"));
        assert_eq!(route(Method::Get, "/join/error/a/b"), Matched::NotFound);
        assert_eq!(route(Method::Get, "/join/error/"), Matched::NotFound);
        assert_eq!(route(Method::Get, "/join/wait/t.s"), Matched::Route(Route::Wait("t.s".into())));
        assert_eq!(route(Method::Get, "/join/wait/t.s/again"), Matched::Route(Route::WaitAgain("t.s".into())));
        assert_eq!(route(Method::Get, "/join/wait/t.s/socket"), Matched::Route(Route::WaitSocket("t.s".into())));
        assert_eq!(route(Method::Post, "/join/wait/t.s"), wrong("wait", "GET"));
        assert_eq!(route(Method::Get, "/join/wait"), Matched::NotFound);
        assert_eq!(route(Method::Get, "/lti/login"), Matched::Route(Route::LtiLogin));
        assert_eq!(route(Method::Post, "/lti/login"), Matched::Route(Route::LtiLogin));
        assert_eq!(route(Method::Post, "/lti/launch"), Matched::Route(Route::LtiLaunch));
        assert_eq!(route(Method::Get, "/lti/launch"), wrong("lti_launch", "POST"));
        assert_eq!(route(Method::Get, "/lti/jwks"), Matched::Route(Route::LtiJwks));
        assert_eq!(route(Method::Get, "/join/wait/t.s/other"), Matched::NotFound);
        assert_eq!(
            route(Method::Get, "/callbacks/meeting-ended/x.y.z"),
            Matched::Route(Route::MeetingEnded("x.y.z".into()))
        );
        assert_eq!(route(Method::Post, "/callbacks/meeting-ended/x.y.z"), wrong("meeting_ended", "GET"));
        assert_eq!(route(Method::Post, "/callbacks/recording-ready"), Matched::Route(Route::RecordingReady(None)));
        assert_eq!(
            route(Method::Post, "/callbacks/recording-ready/bbb1"),
            Matched::Route(Route::RecordingReady(Some("bbb1".into())))
        );
        assert_eq!(route(Method::Get, "/callbacks/recording-ready"), wrong("recording_ready", "POST"));
        assert_eq!(route(Method::Get, "/healthz"), Matched::Route(Route::Healthz));
        assert_eq!(route(Method::Get, "/join/"), Matched::NotFound);
        assert_eq!(route(Method::Get, "/JOIN"), Matched::NotFound);
        assert_eq!(route(Method::Get, "/"), Matched::NotFound);
        assert_eq!(route(Method::Get, ""), Matched::NotFound);
    }

    #[test]
    fn api_paths() {
        let id = "6367c48dd193d56ea7b0baad25b19455e529f5ee-1586581110019";
        assert_eq!(
            route(Method::Get, "/api/v1/meetings/Course%20101%2Fa"),
            Matched::Route(Route::ApiMeeting("Course%20101%2Fa".into()))
        );
        assert_eq!(route(Method::Post, "/api/v1/meetings/m/end"), Matched::Route(Route::ApiMeetingEnd("m".into())));
        assert_eq!(route(Method::Get, "/api/v1/meetings/m/end"), wrong("api", "POST"));
        assert_eq!(route(Method::Get, "/api/v1/recordings"), Matched::Route(Route::ApiRecordings));
        assert_eq!(route(Method::Delete, "/api/v1/recordings"), wrong("api", "GET"));
        assert_eq!(
            route(Method::Patch, &format!("/api/v1/recordings/{id}")),
            Matched::Route(Route::ApiRecordingUpdate(id.into()))
        );
        assert_eq!(route(Method::Put, &format!("/api/v1/recordings/{id}")), wrong("api", "GET, PATCH, DELETE"));
        assert_eq!(
            route(Method::Post, &format!("/api/v1/recordings/{id}/unpublish")),
            Matched::Route(Route::ApiRecordingPublish(id.into(), false))
        );
        assert_eq!(route(Method::Get, "/api/v1/nothing"), Matched::NotFound);
        assert_eq!(route(Method::Get, "/api/v1/servers"), Matched::Route(Route::ApiServers));
        assert_eq!(
            route(Method::Post, "/api/v1/servers/bbb1/cordon"),
            Matched::Route(Route::ApiServerState("bbb1".into(), "cordon"))
        );
        assert_eq!(route(Method::Get, "/api/v1/servers/bbb1/cordon"), wrong("admin", "POST"));
        assert_eq!(route(Method::Post, "/api/v1/pool/poll"), Matched::Route(Route::ApiPoolPoll));
        assert_eq!(route(Method::Get, "/api/v1/meetings/"), Matched::NotFound);
    }

    #[test]
    fn every_entry_allows_what_it_routes() {
        for entry in TABLE {
            let listed: Vec<&str> = entry.allow.split(", ").collect();
            let routed: Vec<&str> = entry.methods.iter().map(|(m, _)| method_name(m)).collect();
            assert_eq!(listed, routed, "{}", entry.name);
        }
    }
}
