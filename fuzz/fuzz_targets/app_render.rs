//! An Application file (with any Policy and Workflow beside it) and a
//! clusters file, from load to rendered objects with the built-in catalogue:
//! errors are fine, panics, hangs and blow-ups are bugs. Input: the
//! Application YAML, then optionally `\n---clusters---\n` and a clusters file.
//!
//! The built-in catalogue parses a definition the first time a render needs
//! it; rebuilt for every input that parsing is most of the work, so one
//! worker thread keeps the catalogue (and the sources it was parsed into) for
//! a thousand inputs at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, OnceLock};
use velac::definition::Catalog;
use velac::source::SourceMap;
use velac::{cue::STACK_SIZE, model, policy, render};

type Worker = (Sender<(String, Option<String>)>, Receiver<()>);

fn worker() -> &'static Mutex<Worker> {
    static W: OnceLock<Mutex<Worker>> = OnceLock::new();
    W.get_or_init(|| {
        let (to_worker, inputs) = channel::<(String, Option<String>)>();
        let (done, from_worker) = channel();
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn(move || {
                let mut n = 0usize;
                let mut sources = SourceMap::new();
                let mut catalog = Catalog::builtin();
                for (app, clusters) in inputs {
                    n += 1;
                    if n % 1000 == 0 {
                        sources = SourceMap::new();
                        catalog = Catalog::builtin();
                    }
                    render_one(&mut sources, &mut catalog, app, clusters);
                    if done.send(()).is_err() {
                        return;
                    }
                }
            })
            .expect("spawns the render thread");
        Mutex::new((to_worker, from_worker))
    })
}

fn render_one(sources: &mut SourceMap, catalog: &mut Catalog, app: String, clusters: Option<String>) {
    let id = sources.add("app.yaml", app);
    let Ok(file) = model::load(sources, id) else {
        return;
    };
    let set = match clusters {
        Some(c) => {
            let cid = sources.add("clusters.yaml", c);
            match policy::ClusterSet::load(sources, cid) {
                Ok(s) => s,
                Err(_) => return,
            }
        }
        None => policy::ClusterSet::local_only(),
    };
    let Ok(placements) = policy::deployments(&file, &set) else {
        return;
    };
    let _ = render::render_deployments(
        &file.app,
        &placements,
        &set,
        &render::ClusterVersion::default(),
        1,
        catalog,
        sources,
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (app, clusters) = match text.split_once("\n---clusters---\n") {
        Some((a, c)) => (a.to_string(), Some(c.to_string())),
        None => (text.to_string(), None),
    };
    let w = worker().lock().expect("worker lock");
    w.0.send((app, clusters)).expect("render thread alive");
    w.1.recv().expect("render does not panic");
});
