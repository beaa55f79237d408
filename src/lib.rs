//! velac: compile KubeVela Applications offline.
#![warn(missing_docs)]

pub mod cue;
pub mod cli;
pub mod diag;
pub mod source;
