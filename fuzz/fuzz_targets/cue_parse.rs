//! The CUE parser must return an AST or an error for any text, never panic or
//! overflow its stack.
#![no_main]

use libfuzzer_sys::fuzz_target;
use velac::cue::parser::parse_file;
use velac::source::FileId;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_file(FileId(0), text);
    }
});
