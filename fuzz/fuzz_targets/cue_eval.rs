//! Parse, evaluate and export any text that parses: errors are fine, panics,
//! hangs and stack overflows are bugs. Evaluation runs on a thread with the
//! stack the library asks for (`velac::cue::STACK_SIZE`), as the CLI does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use velac::cue::{Evaluation, STACK_SIZE};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let text = text.to_string();
    std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || {
            if let Ok(mut ev) = Evaluation::from_source("fuzz.cue", &text) {
                let root = ev.root;
                let _ = ev.export(root);
            }
        })
        .expect("spawns the evaluation thread")
        .join()
        .expect("evaluation does not panic");
});
