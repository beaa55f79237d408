//! Parse, evaluate and export any text that parses: errors are fine, panics,
//! hangs and stack overflows are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use velac::cue::Evaluation;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut ev) = Evaluation::from_source("fuzz.cue", text) {
        let root = ev.root;
        let _ = ev.export(root);
    }
});
