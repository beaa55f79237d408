//! Definition files as `-d` reads them: a `.cue` file in vela-def layout
//! (first input byte even) or YAML objects (CRDs, odd), then every
//! definition compiled, its parameter schema derived and `{}` validated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use velac::cue::STACK_SIZE;
use velac::definition::Catalog;
use velac::source::SourceMap;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("velac-fuzz-defs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let name = if first % 2 == 0 { "def.cue" } else { "def.yaml" };
    std::fs::write(dir.join(name), text).expect("writes the definition");
    std::thread::Builder::new()
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let mut sources = SourceMap::new();
            let mut catalog = Catalog::empty();
            if catalog.load_path(&mut sources, &dir).is_err() {
                return;
            }
            let Ok(defs) = catalog.all(&mut sources) else {
                return;
            };
            for d in defs {
                let _ = d.program(&mut sources);
                let _ = d.parameter_schema();
                let _ = d.validate(&serde_json::json!({}));
            }
        })
        .expect("spawns the definition thread")
        .join()
        .expect("loading definitions does not panic");
});
