//! velac: compile KubeVela Applications offline.
#![warn(missing_docs)]

// pest_derive (without its std feature) refers to `alloc` directly.
extern crate alloc;

pub mod apply;
pub mod cli;
pub mod cluster;
pub mod cue;
pub mod definition;
pub mod diag;
pub mod diff;
pub mod duration;
pub mod explain;
pub mod fsutil;
pub mod model;
pub mod plan;
pub mod policy;
pub mod render;
pub mod source;
pub mod state;
pub mod step;
pub mod yaml;
