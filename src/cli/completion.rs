//! `velac completion SHELL` and `velac man`: what `vela completion` and
//! kubectl users expect, generated from the same clap definitions the
//! commands parse with, so they never fall behind a new flag.

use super::{Cli, EXIT_FAIL, EXIT_OK};
use clap::{Args, CommandFactory};
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub(super) struct CompletionArgs {
    /// The shell to complete for.
    shell: clap_complete::Shell,
}

#[derive(Args)]
pub(super) struct ManArgs {
    /// Write one page per command (velac.1, velac-render.1, …) into this
    /// directory instead of printing velac(1).
    #[arg(long = "out-dir", value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub(super) fn completion(a: CompletionArgs) -> u8 {
    // Into memory first: the generator panics on a failed write (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut Cli::command(), "velac", &mut script);
    print_all(&script)
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print_all(bytes: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            eprintln!("velac: {e}");
            EXIT_FAIL
        }
    }
}

/// Prints velac(1), or writes a page per command.
pub(super) fn man(a: ManArgs) -> u8 {
    let cmd = Cli::command();
    let written = match &a.out_dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| format!("{}: {e}", dir.display())),
        None => {
            let mut page = Vec::new();
            return match clap_mangen::Man::new(cmd).render(&mut page) {
                Ok(()) => print_all(&page),
                Err(e) => {
                    eprintln!("velac: {e}");
                    EXIT_FAIL
                }
            };
        }
    };
    match written {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("velac: {e}");
            EXIT_FAIL
        }
    }
}
