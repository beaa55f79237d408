//! Writing artefacts so that a reader never sees half of them.
//!
//! A directory is written next to its destination under a temporary name and
//! renamed into place; a previous artefact of ours is swapped out and removed
//! afterwards. A directory that is not ours (not empty, no marker file) is
//! never replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why writing failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The destination holds something else.
    #[error("refusing to replace {0}: it is not empty and holds no {1}")]
    NotOurs(PathBuf, String),
    /// An I/O error, with the path involved.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |e| WriteError::Io(p.to_path_buf(), e)
}

/// Writes one file atomically (temporary file in the same directory, synced,
/// then renamed).
pub fn write_file(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.velac-tmp-{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(contents).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        WriteError::Io(path.to_path_buf(), e)
    })
}

/// Replaces directory `dest` with exactly `files` (relative paths). `marker`
/// is a file every directory of ours holds (e.g. `index.json`).
pub fn write_dir(dest: &Path, files: &[(String, String)], marker: &str) -> Result<(), WriteError> {
    if dest.exists() {
        let ours = dest.join(marker).is_file();
        let empty = std::fs::read_dir(dest).map_err(io(dest))?.next().is_none();
        if !ours && !empty {
            return Err(WriteError::NotOurs(dest.to_path_buf(), marker.to_string()));
        }
    }
    let parent = dest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let base = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{base}.velac-tmp-{pid}"));
    let old = parent.join(format!(".{base}.velac-old-{pid}"));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = (|| {
        for (rel, text) in files {
            let p = tmp.join(rel);
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d).map_err(io(d))?;
            }
            let mut f = std::fs::File::create(&p).map_err(io(&p))?;
            f.write_all(text.as_bytes()).map_err(io(&p))?;
            f.sync_all().map_err(io(&p))?;
        }
        if dest.exists() {
            std::fs::rename(dest, &old).map_err(io(dest))?;
        }
        if let Err(e) = std::fs::rename(&tmp, dest) {
            // Put the previous artefact back rather than leave nothing.
            let _ = std::fs::rename(&old, dest);
            return Err(WriteError::Io(dest.to_path_buf(), e));
        }
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_our_directories_only() {
        let root = std::env::temp_dir().join(format!("velac-fsutil-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dest = root.join("out");
        let files = vec![
            ("index.json".to_string(), "{}\n".to_string()),
            ("a/b.yaml".into(), "x: 1\n".into()),
        ];
        write_dir(&dest, &files, "index.json").unwrap();
        assert_eq!(
            std::fs::read_to_string(dest.join("a/b.yaml")).unwrap(),
            "x: 1\n"
        );
        // A second write replaces the tree: stale files disappear.
        let files2 = vec![
            ("index.json".to_string(), "{}\n".to_string()),
            ("c.yaml".into(), "y: 2\n".into()),
        ];
        write_dir(&dest, &files2, "index.json").unwrap();
        assert!(!dest.join("a/b.yaml").exists());
        assert!(dest.join("c.yaml").exists());
        // Someone else's directory is left alone.
        let other = root.join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("keep.txt"), "mine").unwrap();
        assert!(matches!(
            write_dir(&other, &files, "index.json"),
            Err(WriteError::NotOurs(..))
        ));
        assert_eq!(
            std::fs::read_to_string(other.join("keep.txt")).unwrap(),
            "mine"
        );
        write_file(&root.join("f/g.txt"), b"hello").unwrap();
        assert_eq!(std::fs::read(root.join("f/g.txt")).unwrap(), b"hello");
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("velac-"))
            .collect();
        assert!(leftovers.is_empty());
        let _ = std::fs::remove_dir_all(&root);
    }
}
