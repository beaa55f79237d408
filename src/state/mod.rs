//! The applier's state: a directory (`$VELAC_HOME`, default `~/.velac`) that
//! holds the cluster registry and, per application, its status and the plans
//! it applied.
//!
//! ```text
//! $VELAC_HOME/clusters/<name>.json            registry entries (owner-only)
//! $VELAC_HOME/apps/<namespace>/<app>/status.json
//! $VELAC_HOME/apps/<namespace>/<app>/context.json  variables and step memory (owner-only)
//! $VELAC_HOME/apps/<namespace>/<app>/revisions/<app>-v<N>.json  the plan as applied
//! $VELAC_HOME/apps/<namespace>/<app>/run.lock   held for a whole apply
//! $VELAC_HOME/apps/<namespace>/<app>/status.lock held around each status update
//! ```
//!
//! Every write is atomic (temporary file, fsync, rename), so a process killed
//! at any point leaves either the old or the new file. Locks are advisory OS
//! file locks, released by the kernel when their holder dies: a crash never
//! leaves a stale lock behind, and the lock file names the last holder.

pub mod context;
pub mod status;

use crate::fsutil::{WriteError, write_file};
use serde_json::Value as Json;
use std::any::Any;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

pub use context::WorkflowContext;
pub use status::AppStatus;

/// Errors of the state store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Reading or writing failed.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    /// An atomic write failed.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// A state file does not parse.
    #[error("{0}: corrupt state file: {1}")]
    Corrupt(PathBuf, String),
    /// Someone else holds the application's lock.
    #[error("application {app} is locked by {holder}")]
    Locked {
        /// `namespace/name`.
        app: String,
        /// Who holds it (pid, host, user, command, since).
        holder: String,
    },
    /// No home directory to default to.
    #[error("cannot find a home directory; set VELAC_HOME")]
    NoHome,
    /// The hub cluster refused or failed a request.
    #[error("hub: {0}")]
    Hub(String),
}

fn io(p: &Path) -> impl FnOnce(std::io::Error) -> StateError + '_ {
    move |e| StateError::Io(p.to_path_buf(), e)
}

/// The state directory.
#[derive(Clone, Debug)]
pub struct Home {
    root: PathBuf,
}

/// An application's identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppKey {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl std::fmt::Display for AppKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// Creates a directory readable by its owner only.
fn private_dir(p: &Path) -> Result<(), StateError> {
    std::fs::create_dir_all(p).map_err(io(p))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o700)).map_err(io(p))?;
    }
    Ok(())
}

/// Writes a file atomically and owner-only (credentials live in some).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    if let Some(d) = path.parent() {
        private_dir(d)?;
    }
    write_file(path, bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io(path))?;
    }
    Ok(())
}

/// Reads and parses a JSON state file; `None` when it does not exist.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, StateError> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| StateError::Corrupt(path.to_path_buf(), e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::Io(path.to_path_buf(), e)),
    }
}

/// Serialises and writes a JSON state file atomically (owner-only).
pub fn write_json<T: serde::Serialize>(path: &Path, v: &T) -> Result<(), StateError> {
    let mut text = serde_json::to_string_pretty(v).expect("state serialises");
    text.push('\n');
    write_private(path, text.as_bytes())
}

/// Where the applier keeps its state: the local directory ([`Home`]) or a
/// hub cluster (`cluster::hub::Hub`). Both give the same guarantees: atomic
/// updates, one run lock per application, and status updates that never
/// lose a concurrent one.
pub trait Store: Sync {
    /// The application's status, if it was ever applied.
    fn status(&self, app: &AppKey) -> Result<Option<AppStatus>, StateError>;
    /// Reads, changes and writes the status, locking or retrying so that a
    /// concurrent update is never lost (`f` may run more than once).
    fn update_status_with(
        &self,
        app: &AppKey,
        f: &mut dyn FnMut(&mut Option<AppStatus>),
    ) -> Result<(), StateError>;
    /// Every application with a status, sorted.
    fn apps(&self) -> Result<Vec<(AppKey, AppStatus)>, StateError>;
    /// Keeps the plan a run applies (`plan.json` and its bundle files).
    fn save_plan(
        &self,
        app: &AppKey,
        revision: &str,
        files: &[(String, String)],
    ) -> Result<(), StateError>;
    /// A plan kept by [`Store::save_plan`].
    fn plan_files(
        &self,
        app: &AppKey,
        revision: &str,
    ) -> Result<Option<Vec<(String, String)>>, StateError>;
    /// Takes the application's run lock; refused, naming the holder, while
    /// someone else has it. Dropping the guard releases it.
    fn lock_run(&self, app: &AppKey, command: &str) -> Result<Box<dyn Any + Send>, StateError>;
    /// Registry entries (as JSON; see `cluster::Entry`).
    fn clusters(&self) -> Result<Vec<Json>, StateError>;
    /// One registry entry.
    fn cluster(&self, name: &str) -> Result<Option<Json>, StateError>;
    /// Stores an entry; with `create`, `Ok(false)` when one of that name exists.
    fn put_cluster(&self, name: &str, entry: &Json, create: bool) -> Result<bool, StateError>;
    /// Removes an entry.
    fn remove_cluster(&self, name: &str) -> Result<(), StateError>;
    /// Where the state is, for messages.
    fn describe(&self) -> String;
    /// The workflow context (variables, step memory) of the application.
    fn context(&self, app: &AppKey) -> Result<Option<WorkflowContext>, StateError>;
    /// Replaces the workflow context. Only the holder of the run lock writes
    /// it, so a plain replace is enough.
    fn save_context(&self, app: &AppKey, ctx: &WorkflowContext) -> Result<(), StateError>;
}

impl dyn Store + '_ {
    /// [`Store::update_status_with`], returning what `f` returned on its
    /// last run.
    pub fn update_status<T>(
        &self,
        app: &AppKey,
        mut f: impl FnMut(&mut Option<AppStatus>) -> T,
    ) -> Result<T, StateError> {
        let mut out = None;
        self.update_status_with(app, &mut |s| out = Some(f(s)))?;
        out.ok_or_else(|| {
            StateError::Corrupt(
                PathBuf::from(self.describe()),
                "status update did not run".into(),
            )
        })
    }
}

impl Home {
    /// `$VELAC_HOME`, else `~/.velac`.
    pub fn from_env() -> Result<Home, StateError> {
        if let Some(h) = std::env::var_os("VELAC_HOME").filter(|h| !h.is_empty()) {
            return Ok(Home::at(PathBuf::from(h)));
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or(StateError::NoHome)?;
        Ok(Home::at(PathBuf::from(home).join(".velac")))
    }

    /// A state directory at this path.
    pub fn at(root: PathBuf) -> Home {
        Home { root }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where registry entries live.
    pub fn clusters_dir(&self) -> PathBuf {
        self.root.join("clusters")
    }

    fn app_dir(&self, app: &AppKey) -> PathBuf {
        self.root.join("apps").join(&app.namespace).join(&app.name)
    }

    /// Where the copy of an applied plan lives.
    pub fn plan_path(&self, app: &AppKey, revision: &str) -> PathBuf {
        self.app_dir(app)
            .join("revisions")
            .join(format!("{revision}.json"))
    }

    fn lock(
        &self,
        app: &AppKey,
        file: &str,
        command: &str,
        wait: bool,
    ) -> Result<Lock, StateError> {
        let dir = self.app_dir(app);
        private_dir(&dir)?;
        let path = dir.join(file);
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        if wait {
            f.lock().map_err(io(&path))?;
        } else {
            match f.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = f.read_to_string(&mut holder);
                    let holder = holder.trim();
                    return Err(StateError::Locked {
                        app: app.to_string(),
                        holder: if holder.is_empty() {
                            "another process".into()
                        } else {
                            holder.to_string()
                        },
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(StateError::Io(path, e)),
            }
        }
        let who = holder(command);
        f.set_len(0).map_err(io(&path))?;
        f.rewind().map_err(io(&path))?;
        f.write_all(who.as_bytes()).map_err(io(&path))?;
        Ok(Lock { _file: f })
    }
}

impl Store for Home {
    fn status(&self, app: &AppKey) -> Result<Option<AppStatus>, StateError> {
        read_json(&self.app_dir(app).join("status.json"))
    }

    /// Under a status lock file, so that a `workflow suspend` and a running
    /// apply never lose each other's change.
    fn update_status_with(
        &self,
        app: &AppKey,
        f: &mut dyn FnMut(&mut Option<AppStatus>),
    ) -> Result<(), StateError> {
        let _guard = self.lock(app, "status.lock", "status update", true)?;
        let mut s = self.status(app)?;
        let before = s.clone();
        f(&mut s);
        if s != before {
            let p = self.app_dir(app).join("status.json");
            match &s {
                Some(s) => write_json(&p, s)?,
                None => {
                    if let Err(e) = std::fs::remove_file(&p)
                        && e.kind() != std::io::ErrorKind::NotFound
                    {
                        return Err(StateError::Io(p, e));
                    }
                }
            }
        }
        Ok(())
    }

    fn apps(&self) -> Result<Vec<(AppKey, AppStatus)>, StateError> {
        let mut out = Vec::new();
        let Ok(nss) = std::fs::read_dir(self.root.join("apps")) else {
            return Ok(out);
        };
        for ns in nss.flatten() {
            let Ok(apps) = std::fs::read_dir(ns.path()) else {
                continue;
            };
            for a in apps.flatten() {
                let key = AppKey {
                    namespace: ns.file_name().to_string_lossy().into_owned(),
                    name: a.file_name().to_string_lossy().into_owned(),
                };
                if let Some(s) = self.status(&key)? {
                    out.push((key, s));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// One file per revision: one write, one sync.
    fn save_plan(
        &self,
        app: &AppKey,
        revision: &str,
        files: &[(String, String)],
    ) -> Result<(), StateError> {
        write_json(&self.plan_path(app, revision), &files)
    }

    fn plan_files(
        &self,
        app: &AppKey,
        revision: &str,
    ) -> Result<Option<Vec<(String, String)>>, StateError> {
        read_json(&self.plan_path(app, revision))
    }

    fn lock_run(&self, app: &AppKey, command: &str) -> Result<Box<dyn Any + Send>, StateError> {
        Ok(Box::new(self.lock(app, "run.lock", command, false)?))
    }

    fn clusters(&self) -> Result<Vec<Json>, StateError> {
        let Ok(rd) = std::fs::read_dir(self.clusters_dir()) else {
            return Ok(Vec::new());
        };
        let mut paths: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut out = Vec::new();
        for p in paths {
            if let Some(v) = read_json(&p)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    fn cluster(&self, name: &str) -> Result<Option<Json>, StateError> {
        read_json(&self.clusters_dir().join(format!("{name}.json")))
    }

    fn put_cluster(&self, name: &str, entry: &Json, create: bool) -> Result<bool, StateError> {
        let p = self.clusters_dir().join(format!("{name}.json"));
        if create && p.exists() {
            return Ok(false);
        }
        write_json(&p, entry)?;
        Ok(true)
    }

    fn remove_cluster(&self, name: &str) -> Result<(), StateError> {
        let p = self.clusters_dir().join(format!("{name}.json"));
        std::fs::remove_file(&p).map_err(|e| StateError::Io(p, e))
    }

    fn describe(&self) -> String {
        format!("state directory {}", self.root.display())
    }

    fn context(&self, app: &AppKey) -> Result<Option<WorkflowContext>, StateError> {
        read_json(&self.app_dir(app).join("context.json"))
    }

    fn save_context(&self, app: &AppKey, ctx: &WorkflowContext) -> Result<(), StateError> {
        write_json(&self.app_dir(app).join("context.json"), ctx)
    }
}

/// A held lock; dropping it (or the process dying) releases it.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Who holds a lock: pid, host, user, command and since when (shown to
/// whoever is refused).
pub fn holder(command: &str) -> String {
    format!(
        "pid {} on {} (user {}, `{command}`, since {})",
        std::process::id(),
        hostname(),
        std::env::var("USER").unwrap_or_else(|_| "?".into()),
        status::now()
    )
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> Home {
        let d = std::env::temp_dir().join(format!("velac-state-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        Home::at(d)
    }

    fn key() -> AppKey {
        AppKey {
            namespace: "default".into(),
            name: "app".into(),
        }
    }

    #[test]
    fn second_run_lock_is_refused_naming_the_holder() {
        let home = tmp("lock");
        let h: &dyn Store = &home;
        let l = h.lock_run(&key(), "velac apply p").unwrap();
        let e = h.lock_run(&key(), "velac apply q").unwrap_err().to_string();
        assert!(e.contains("default/app is locked by pid"), "{e}");
        assert!(e.contains("velac apply p"), "{e}");
        drop(l);
        h.lock_run(&key(), "velac apply q").unwrap();
        let _ = std::fs::remove_dir_all(home.root());
    }

    #[test]
    fn status_round_trips_and_files_are_owner_only() {
        let home = tmp("status");
        let h: &dyn Store = &home;
        assert!(h.status(&key()).unwrap().is_none());
        h.update_status(&key(), |s| {
            *s = Some(AppStatus::new("app", "default"));
        })
        .unwrap();
        let s = h.status(&key()).unwrap().unwrap();
        assert_eq!(s.name, "app");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let p = home.root().join("apps/default/app/status.json");
            let mode = std::fs::metadata(p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(h.apps().unwrap().len(), 1);
        let _ = std::fs::remove_dir_all(home.root());
    }
}
