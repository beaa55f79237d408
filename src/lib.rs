//! velac: compile KubeVela Applications offline.
#![warn(missing_docs)]

pub mod cli;
pub mod cue;
pub mod diag;
pub mod source;
