//! LTI 1.3 (CONTRACT §10): any LMS launches bbb-edge as a tool. The registered platforms
//! (`platforms.rs`), the OIDC login that sends the browser to the platform (`login.rs`), and the
//! launch whose id_token becomes the same prepared join a host token does (`launch.rs`).

pub mod launch;
pub mod login;
pub mod platforms;

pub use launch::{meeting_id, prepare_launch, token_policy};
pub use login::{login, LoginRedirect, LoginRequest, LoginState};
pub use platforms::{LtiPlatform, LtiPlatforms};
