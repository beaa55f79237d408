//! The embedded built-in definitions (generated list; see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/builtin_definitions.rs"));
