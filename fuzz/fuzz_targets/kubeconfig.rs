//! A kubeconfig as `velac cluster join` reads it: the context picked, the
//! credentials it names made self-contained. Any text gives an error or an
//! entry, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("velac-fuzz-kc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary directory");
    let path = dir.join("kubeconfig");
    std::fs::write(&path, data).expect("writes the kubeconfig");
    if let Ok((kc, _name)) = velac::cluster::extract(&path, None) {
        let _ = velac::cluster::describe(&kc);
    }
});
