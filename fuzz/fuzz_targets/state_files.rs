//! The local state as a run finds it after a crash, a disk error or a hand
//! edit: status, workflow context and cluster entries holding any bytes.
//! Reading them gives an error or a value, never a panic. The first input
//! byte picks the file, the rest is its content.
#![no_main]

use libfuzzer_sys::fuzz_target;
use velac::state::{AppKey, Home, Store};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let root = std::env::temp_dir().join(format!("velac-fuzz-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let app = AppKey {
        namespace: "default".into(),
        name: "app".into(),
    };
    let app_dir = root.join("apps/default/app");
    std::fs::create_dir_all(&app_dir).expect("state directory");
    std::fs::create_dir_all(root.join("clusters")).expect("clusters directory");
    let file = match which % 3 {
        0 => app_dir.join("status.json"),
        1 => app_dir.join("context.json"),
        _ => root.join("clusters/prod.json"),
    };
    std::fs::write(&file, body).expect("writes the state file");
    let home = Home::at(root);
    let _ = home.status(&app);
    let _ = home.apps();
    let _ = home.context(&app);
    let _ = home.clusters();
    let _ = home.cluster("prod");
});
