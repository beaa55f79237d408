//! The provider functions step templates call, as the applier carries them
//! out: each module is one `vela/*` package.

pub mod config;
pub mod deploy;
pub mod email;
pub mod http;
pub mod kube;
pub mod metrics;
pub mod rerender;
pub mod util;
