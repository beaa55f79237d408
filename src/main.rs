//! The `velac` binary: parse arguments, run, map the outcome to an exit code.

use std::process::ExitCode;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Deeply nested configurations recurse deeply; give evaluation a large stack.
    let worker = std::thread::Builder::new()
        .stack_size(velac::cli::STACK_SIZE)
        .spawn(|| {
            velac::cue::allow_deep_nesting();
            velac::cli::run(std::env::args_os().collect())
        });
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => {
            eprintln!("velac: internal error (this is a bug; please report it)");
            ExitCode::from(70)
        }
    }
}
