//! Writing artefacts so that a reader never sees half of them.
//!
//! A directory is written next to its destination under a temporary name and
//! renamed into place; a previous artefact of ours is swapped out and removed
//! afterwards. A directory that is not ours (not empty, no marker file) is
//! never replaced.
//!
//! Durability is paid once per tree, not once per file: the files are
//! created, written and synced by several workers at once (creating a file
//! waits on the file system far more than on the CPU, and concurrent syncs
//! share the journal's commits), then every directory of the tree is synced,
//! and after the rename the parent, so the tree is on disk when the call
//! returns. (One `syncfs(2)` instead was measured and rejected: it also
//! flushes, and walks, everything else on the file system, and on a disk
//! shared with a build it took longer and used seconds of kernel time.)
//! The replaced tree is removed by the same workers: unlinking thousands of
//! files that are on disk costs as much as writing them.
//!
//! Re-writing a tree mostly rewrites the same files (a plan re-made after a
//! one-line change), so a file whose bytes equal the replaced tree's file at
//! the same path is hard-linked from it instead of written: it is already
//! durable, and neither the new tree nor the removal of the old one then
//! pays for its data. Only a file with no other link, of the same privacy,
//! is reused (see [`reusable`]); anything else is written as new.

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
/// is a file every directory of ours holds (e.g. `index.json`). A `private`
/// tree (one holding Secrets) is readable by its owner only: directories
/// 0700, files 0600, from the moment they are created.
pub fn write_dir(
    dest: &Path,
    files: &[(String, String)],
    marker: &str,
    private: bool,
) -> Result<(), WriteError> {
    let mut tree = TreeWriter::begin(dest, marker, private)?;
    for (rel, text) in files {
        tree.add(rel, text.clone());
    }
    tree.finish()
}

/// A file handed to the writers: its path in the temporary tree, where the
/// replaced tree has it, and its contents.
type Job = (PathBuf, Option<PathBuf>, String);

/// [`write_dir`] a file at a time: each file is handed to the writer
/// threads as soon as it exists, so a caller producing thousands (a
/// bundle) neither holds them all nor waits for the disk before producing
/// the next. Nothing is visible at `dest` until [`TreeWriter::finish`];
/// dropped unfinished (an error elsewhere), it removes what it wrote.
pub struct TreeWriter {
    dest: PathBuf,
    parent: PathBuf,
    tmp: PathBuf,
    old: PathBuf,
    private: bool,
    /// The replaced tree, when there is one (files may be linked from it).
    previous: Option<PathBuf>,
    /// Directories created in the temporary tree, itself included.
    dirs: std::collections::BTreeSet<PathBuf>,
    queue: Option<std::sync::mpsc::SyncSender<Job>>,
    workers: Vec<std::thread::JoinHandle<Option<WriteError>>>,
    /// Set by the first failure; later files are skipped.
    failed: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// The first failure on this thread (creating a directory).
    error: Option<WriteError>,
}

impl TreeWriter {
    /// Starts replacing `dest` (see [`write_dir`] for `marker` and
    /// `private`); fails at once when `dest` holds something not ours.
    pub fn begin(dest: &Path, marker: &str, private: bool) -> Result<Self, WriteError> {
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
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        let base = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let pid = std::process::id();
        let tmp = parent.join(format!(".{base}.velac-tmp-{pid}"));
        let old = parent.join(format!(".{base}.velac-old-{pid}"));
        let _ = std::fs::remove_dir_all(&tmp);
        create_dir(&tmp, private)?;
        // A small queue: the producer waits rather than piling files up.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(64);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        let failed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let workers = (0..WRITERS)
            .map(|_| {
                let (rx, failed) = (rx.clone(), failed.clone());
                std::thread::spawn(move || write_jobs(&rx, &failed, private))
            })
            .collect();
        Ok(TreeWriter {
            dest: dest.to_path_buf(),
            parent,
            tmp: tmp.clone(),
            old,
            private,
            previous: dest.exists().then(|| dest.to_path_buf()),
            dirs: [tmp].into(),
            queue: Some(tx),
            workers,
            failed,
            error: None,
        })
    }

    /// Adds one file; an error is reported by [`TreeWriter::finish`].
    pub fn add(&mut self, rel: &str, contents: String) {
        use std::sync::atomic::Ordering;
        if self.error.is_some() || self.failed.load(Ordering::Relaxed) {
            return;
        }
        let path = self.tmp.join(rel);
        let mut d = path.clone();
        let mut missing = Vec::new();
        while d.pop() && !self.dirs.contains(&d) {
            missing.push(d.clone());
        }
        if let Some(deepest) = missing.first() {
            if let Err(e) = create_dir(deepest, self.private) {
                self.error = Some(e);
                return;
            }
            self.dirs.extend(missing);
        }
        let previous = self.previous.as_ref().map(|p| p.join(rel));
        if let Some(q) = &self.queue {
            // Fails only when every writer has stopped, which `finish` reports.
            let _ = q.send((path, previous, contents));
        }
    }

    /// Waits for the writers, makes the tree durable and swaps it in.
    pub fn finish(mut self) -> Result<(), WriteError> {
        let result = self.settle().and_then(|()| self.swap());
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
        result
    }

    /// Closes the queue and collects the writers' first error.
    fn settle(&mut self) -> Result<(), WriteError> {
        self.queue = None;
        let mut first = self.error.take();
        for w in self.workers.drain(..) {
            let e = w.join().unwrap_or_else(|_| {
                Some(WriteError::Io(
                    self.tmp.clone(),
                    std::io::Error::other("a writer thread panicked"),
                ))
            });
            first = first.or(e);
        }
        first.map_or(Ok(()), Err)
    }

    fn swap(&mut self) -> Result<(), WriteError> {
        // The entries of every directory, deepest first.
        for d in self.dirs.iter().rev() {
            sync_dir(d)?;
        }
        let dest = &self.dest;
        if dest.exists() {
            std::fs::rename(dest, &self.old).map_err(io(dest))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, dest) {
            // Put the previous artefact back rather than leave nothing.
            let _ = std::fs::rename(&self.old, dest);
            return Err(WriteError::Io(dest.to_path_buf(), e));
        }
        sync_dir(&self.parent)?;
        remove_tree(&self.old);
        Ok(())
    }
}

impl Drop for TreeWriter {
    /// Unfinished (the caller failed before `finish`): nothing is left.
    fn drop(&mut self) {
        if !self.workers.is_empty() {
            self.failed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = self.settle();
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

/// One writer thread: takes files until the queue closes; after the first
/// failure (its own or another's) it only drains the queue.
fn write_jobs(
    rx: &std::sync::Mutex<std::sync::mpsc::Receiver<Job>>,
    failed: &std::sync::atomic::AtomicBool,
    private: bool,
) -> Option<WriteError> {
    use std::sync::atomic::Ordering;
    let mut first = None;
    loop {
        let job = match rx.lock() {
            Ok(q) => q.recv(),
            Err(_) => break,
        };
        let Ok((path, previous, text)) = job else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            continue;
        }
        if let Err(e) = write_one(&path, previous.as_deref(), text.as_bytes(), private) {
            failed.store(true, Ordering::Relaxed);
            first.get_or_insert(e);
        }
    }
    first
}

/// Writes (and syncs) one file of the temporary tree, or links the replaced
/// tree's copy when it is the same.
fn write_one(
    path: &Path,
    previous: Option<&Path>,
    contents: &[u8],
    private: bool,
) -> Result<(), WriteError> {
    if let Some(old) = previous
        && reusable(old, contents, private)
        && std::fs::hard_link(old, path).is_ok()
    {
        return Ok(());
    }
    let mut f = create_file(path, private)?;
    f.write_all(contents).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Whether the replaced tree's file `old` can be linked into the new tree in
/// place of writing `contents`: a regular file holding exactly those bytes,
/// with no other link (a file shared with something outside the tree could
/// be changed through it later), owner-only exactly when the new tree is
/// `private`. Its data was synced when it was written, as every file of
/// ours is. Any doubt (unreadable, not Unix) means no.
#[cfg(unix)]
fn reusable(old: &Path, contents: &[u8], private: bool) -> bool {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    // `link(2)` links a symbolic link itself, not what it names.
    if !std::fs::symlink_metadata(old).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(mut f) = std::fs::File::open(old) else {
        return false;
    };
    let Ok(m) = f.metadata() else {
        return false;
    };
    if !m.is_file() || m.nlink() != 1 || m.len() != contents.len() as u64 {
        return false;
    }
    if (m.mode() & 0o077 == 0) != private {
        return false;
    }
    let mut buf = Vec::with_capacity(contents.len());
    f.read_to_end(&mut buf).is_ok() && buf == contents
}

#[cfg(not(unix))]
fn reusable(_old: &Path, _contents: &[u8], _private: bool) -> bool {
    false
}

/// Creates a directory (and its parents), owner-only when `private`.
fn create_dir(d: &Path, private: bool) -> Result<(), WriteError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    #[cfg(not(unix))]
    let _ = private;
    b.create(d).map_err(io(d))
}

/// Creates (or truncates) a file, owner-only when `private`.
fn create_file(p: &Path, private: bool) -> Result<std::fs::File, WriteError> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    o.open(p).map_err(io(p))
}

/// Removes a replaced tree, its files by several workers at once (a large
/// bundle has thousands). Best effort: what is left is only a hidden
/// `.velac-old` directory.
fn remove_tree(root: &Path) {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                _ => files.push(e.path()),
            }
        }
    }
    let _ = in_parallel(&files, |p| {
        let _ = std::fs::remove_file(p);
        Ok(())
    });
    let _ = std::fs::remove_dir_all(root);
}

/// Makes a directory's entries durable (the files created or renamed in it).
fn sync_dir(d: &Path) -> Result<(), WriteError> {
    std::fs::File::open(d)
        .and_then(|f| f.sync_all())
        .map_err(io(d))
}

/// Workers writing files at once: enough to keep a slow file system busy,
/// few enough not to matter on a fast one.
const WRITERS: usize = 4;

/// Runs `f` on every item with [`WRITERS`] threads; the first error wins.
fn in_parallel<T: Sync>(
    items: &[T],
    f: impl Fn(&T) -> Result<(), WriteError> + Sync,
) -> Result<(), WriteError> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first: std::sync::Mutex<Option<WriteError>> = std::sync::Mutex::new(None);
    std::thread::scope(|sc| {
        for _ in 0..WRITERS.min(items.len()) {
            sc.spawn(|| {
                while !failed.load(Ordering::Relaxed) {
                    let Some(it) = items.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    if let Err(e) = f(it) {
                        failed.store(true, Ordering::Relaxed);
                        first.lock().expect("first error").get_or_insert(e);
                    }
                }
            });
        }
    });
    match first.into_inner().expect("first error") {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
        write_dir(&dest, &files, "index.json", false).unwrap();
        assert_eq!(
            std::fs::read_to_string(dest.join("a/b.yaml")).unwrap(),
            "x: 1\n"
        );
        // A second write replaces the tree: stale files disappear.
        let files2 = vec![
            ("index.json".to_string(), "{}\n".to_string()),
            ("c.yaml".into(), "y: 2\n".into()),
        ];
        write_dir(&dest, &files2, "index.json", false).unwrap();
        assert!(!dest.join("a/b.yaml").exists());
        assert!(dest.join("c.yaml").exists());
        // Someone else's directory is left alone.
        let other = root.join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("keep.txt"), "mine").unwrap();
        assert!(matches!(
            write_dir(&other, &files, "index.json", false),
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

    /// A rewritten tree reuses (links) exactly the files whose bytes and
    /// privacy are unchanged and that nothing else links to.
    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_linked_not_rewritten() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let root = std::env::temp_dir().join(format!("velac-fsutil-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dest = root.join("out");
        let ino = |rel: &str| std::fs::metadata(dest.join(rel)).unwrap().ino();
        let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let first = f(&[
            ("m", "{}"),
            ("a/same", "1"),
            ("a/changed", "2"),
            ("b/shared", "3"),
        ]);
        write_dir(&dest, &first, "m", false).unwrap();
        let (same, changed, shared) = (ino("a/same"), ino("a/changed"), ino("b/shared"));
        // Something outside the tree links to one file.
        std::fs::hard_link(dest.join("b/shared"), root.join("outside")).unwrap();
        let second = f(&[
            ("m", "{}"),
            ("a/same", "1"),
            ("a/changed", "two"),
            ("b/shared", "3"),
        ]);
        write_dir(&dest, &second, "m", false).unwrap();
        assert_eq!(ino("a/same"), same, "unchanged file reused");
        assert_ne!(ino("a/changed"), changed);
        assert_ne!(
            ino("b/shared"),
            shared,
            "a file linked elsewhere is written anew"
        );
        assert_eq!(std::fs::metadata(dest.join("a/same")).unwrap().nlink(), 1);
        for (rel, text) in &second {
            assert_eq!(&std::fs::read_to_string(dest.join(rel)).unwrap(), text);
        }
        // Becoming private: nothing readable by others is reused.
        let same = ino("a/same");
        write_dir(&dest, &second, "m", true).unwrap();
        assert_ne!(ino("a/same"), same);
        let mode = std::fs::metadata(dest.join("a/same"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // Private to private: reused again.
        let same = ino("a/same");
        write_dir(&dest, &second, "m", true).unwrap();
        assert_eq!(ino("a/same"), same);
        let _ = std::fs::remove_dir_all(&root);
    }

    /// A writer dropped before `finish` (its caller failed) leaves the
    /// previous tree as it was and no temporary directory.
    #[test]
    fn an_unfinished_tree_leaves_nothing() {
        let root = std::env::temp_dir().join(format!("velac-fsutil-drop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dest = root.join("out");
        write_dir(&dest, &[("m".into(), "1".into())], "m", false).unwrap();
        let mut tree = TreeWriter::begin(&dest, "m", false).unwrap();
        for i in 0..200 {
            tree.add(&format!("d{}/f{i}", i % 7), format!("{i}"));
        }
        drop(tree);
        assert_eq!(std::fs::read_to_string(dest.join("m")).unwrap(), "1");
        assert!(!dest.join("d0").exists());
        let names: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["out"]);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn many_files_in_many_directories_all_land() {
        let root = std::env::temp_dir().join(format!("velac-fsutil-many-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let dest = root.join("bundle");
        let mut files: Vec<(String, String)> = (0..300)
            .map(|i| {
                (
                    format!("c{}/ns{}/cm.{i}.yaml", i % 3, i % 5),
                    format!("i: {i}\n"),
                )
            })
            .collect();
        files.push(("index.json".into(), "{}\n".into()));
        write_dir(&dest, &files, "index.json", true).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dest), 0o700);
            assert_eq!(mode(&dest.join("c1/ns1")), 0o700);
            assert_eq!(mode(&dest.join("c1/ns1/cm.1.yaml")), 0o600);
        }
        for (rel, text) in &files {
            assert_eq!(&std::fs::read_to_string(dest.join(rel)).unwrap(), text);
        }
        // A file that cannot be written fails the whole tree, which then
        // leaves the previous one in place.
        let mut bad = files.clone();
        bad.push(("c0/ns0/cm.0.yaml/nested".into(), "x".into()));
        assert!(write_dir(&dest, &bad, "index.json", true).is_err());
        assert_eq!(
            std::fs::read_to_string(dest.join("c1/ns1/cm.1.yaml")).unwrap(),
            "i: 1\n"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
