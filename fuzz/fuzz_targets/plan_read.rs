//! A plan as `apply` and `diff` read it: `plan.json`, then bundle files,
//! separated by `\n---file <path>---\n` lines. Checks, digests and object
//! lookups must fail with an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use velac::plan::read::{PlanDir, all_steps};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split("\n---file ");
    let mut files = vec![("plan.json".to_string(), parts.next().unwrap_or("").to_string())];
    for p in parts {
        if let Some((path, body)) = p.split_once("---\n") {
            files.push((path.to_string(), body.to_string()));
        }
    }
    let Ok(dir) = PlanDir::from_files(files, std::path::Path::new("fuzz-plan")) else {
        return;
    };
    let _ = dir.plan.cluster_set();
    for s in all_steps(&dir.plan.steps) {
        for p in &s.placements {
            for o in &p.objects {
                let _ = dir.object(o);
            }
        }
    }
});
