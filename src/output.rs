//! Writing output files: the one writer behind every file a run writes
//! (`train -o`, `predict -o`, `evaluate --folds-out`, `--scores-out` and
//! the `--report` files).
//!
//! A run first lists its inputs and outputs in an [`OutputPlan`], which
//! refuses an output that is one of the inputs, is named twice, or is a
//! special file (a FIFO, a device, a directory), before anything is read or
//! written. Each file is then written to a temporary file with a short
//! name (`.jscam-XXXXXX.tmp`) in the target's directory, synced and renamed
//! over the target ([`AtomicFile`], [`write_files`]): a failed write (a full
//! disk, a file-size limit) leaves the previous file as it was, and a
//! symlink planted at the target is replaced, never followed. Temporary
//! files are registered while they live, so that a binary can remove them
//! when it is interrupted ([`remove_temporaries_on_signal`]).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{Error, Result};

/// The temporary files alive in this process, removed on SIGINT/SIGTERM.
#[derive(Debug, Default)]
pub struct TempRegistry {
    live: Mutex<Vec<PathBuf>>,
}

impl TempRegistry {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
        // A panic while the lock was held leaves a list that is still usable.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn register(&self, path: &Path) {
        self.lock().push(path.to_owned());
    }

    fn unregister(&self, path: &Path) {
        let mut live = self.lock();
        if let Some(i) = live.iter().position(|p| p == path) {
            live.swap_remove(i);
        }
    }

    /// The temporary files registered now.
    #[cfg(test)]
    pub fn live(&self) -> Vec<PathBuf> {
        self.lock().clone()
    }

    /// Removes every registered temporary file (what the signal handler
    /// does before the process dies); returns how many were removed.
    pub fn remove_all(&self) -> usize {
        let mut live = self.lock();
        live.drain(..)
            .filter(|p| std::fs::remove_file(p).is_ok())
            .count()
    }
}

/// The registry every [`AtomicFile`] of the process uses.
pub(crate) fn temporaries() -> &'static TempRegistry {
    static REGISTRY: std::sync::OnceLock<TempRegistry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(TempRegistry::default)
}

/// Removes the live temporary files when the process gets SIGINT, SIGTERM
/// or SIGHUP, then lets the signal end the process as it would have. A
/// binary calls this once at start; a library user who writes files may.
///
/// # Errors
/// [`Error::Config`] when the handler cannot be installed.
#[cfg(unix)]
pub fn remove_temporaries_on_signal() -> Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])
        .map_err(|e| Error::Config(format!("installing the signal handler: {e}")))?;
    std::thread::Builder::new()
        .name("jscam-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                temporaries().remove_all();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                // Only reached if the default action does not end the process.
                std::process::exit(128 + signal);
            }
        })
        .map_err(|e| Error::Config(format!("starting the signal thread: {e}")))?;
    Ok(())
}

/// Without Unix signals there is nothing to install.
#[cfg(not(unix))]
pub fn remove_temporaries_on_signal() -> Result<()> {
    Ok(())
}

/// (device, inode) of the file `path` names, following links.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// `path` with its directory resolved (`./a/../b.csv` → `/abs/b.csv`), so
/// that two spellings of a file that does not exist yet compare equal.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(full) = std::fs::canonicalize(path) {
        return full;
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_owned(),
    }
}

/// True when `a` and `b` name the same file: the same device and inode
/// (through links and other spellings), or the same resolved path.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (identity(a), identity(b)) {
        (Some(x), Some(y)) => x == y,
        _ => resolved(a) == resolved(b),
    }
}

/// Refuses a target that exists and is neither a regular file nor a
/// symlink (which is replaced, not followed).
fn check_target_kind(path: &Path) -> Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    let kind = meta.file_type();
    if kind.is_file() || kind.is_symlink() {
        return Ok(());
    }
    let what = if kind.is_dir() {
        "a directory"
    } else {
        "a FIFO, a device or a socket"
    };
    Err(Error::write(
        path,
        std::io::Error::other(format!(
            "exists and is not a regular file ({what}); refusing to replace it"
        )),
    ))
}

/// A run's inputs and outputs, checked against each other before the run
/// reads or writes anything.
#[derive(Debug, Default)]
pub struct OutputPlan {
    inputs: Vec<(PathBuf, String)>,
    outputs: Vec<(PathBuf, String)>,
}

impl OutputPlan {
    /// An empty plan.
    pub fn new() -> Self {
        OutputPlan::default()
    }

    /// Notes an input file; `what` names it in messages ("the training data").
    ///
    /// # Errors
    /// [`Error::Config`] when the same file was noted as an input before
    /// (through any spelling or link): it would be read twice.
    pub fn input(&mut self, path: &Path, what: &str) -> Result<&mut Self> {
        if let Some((first, first_what)) = self.inputs.iter().find(|(p, _)| same_file(p, path)) {
            let uses = if first_what == what {
                format!("twice as {what}")
            } else {
                format!("as {first_what} and as {what}")
            };
            return Err(Error::Config(format!(
                "{} is given {uses} ({}); give each file once",
                path.display(),
                first.display()
            )));
        }
        self.inputs.push((path.to_owned(), what.to_owned()));
        Ok(self)
    }

    /// Notes an output file; `flag` names it in messages (`--folds-out`).
    ///
    /// # Errors
    /// [`Error::Config`] when it is one of the inputs or an output noted
    /// before; [`Error::Write`] when it is a directory or special file.
    pub fn output(&mut self, path: &Path, flag: &str) -> Result<&mut Self> {
        for (input, what) in &self.inputs {
            if same_file(input, path) {
                return Err(Error::Config(format!(
                    "{flag} {} is {what} ({}); write it somewhere else",
                    path.display(),
                    input.display()
                )));
            }
        }
        for (other, other_flag) in &self.outputs {
            if same_file(other, path) {
                return Err(Error::Config(format!(
                    "{flag} {} and {other_flag} {} are the same file; give each its own",
                    path.display(),
                    other.display()
                )));
            }
        }
        check_target_kind(path)?;
        self.outputs.push((path.to_owned(), flag.to_owned()));
        Ok(self)
    }
}

/// A file being written: bytes go to a temporary file beside the target,
/// which [`AtomicFile::commit`] renames over it. Dropped without a commit
/// (an error, a panic), the temporary file is removed and the target is
/// left as it was.
#[derive(Debug)]
pub struct AtomicFile {
    temporary: Option<tempfile::NamedTempFile>,
    target: PathBuf,
    registry: &'static TempRegistry,
}

impl AtomicFile {
    /// Starts writing `target`.
    ///
    /// # Errors
    /// [`Error::Write`] when `target` is a directory or special file, or
    /// the temporary file cannot be created.
    pub fn create(target: &Path) -> Result<Self> {
        Self::create_registered(target, temporaries())
    }

    /// As [`AtomicFile::create`], registering the temporary file in `registry`.
    ///
    /// # Errors
    /// As [`AtomicFile::create`].
    pub(crate) fn create_registered(
        target: &Path,
        registry: &'static TempRegistry,
    ) -> Result<Self> {
        check_target_kind(target)?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        // A short name, whatever the target's: a target name near the
        // 255-byte limit must still leave room for it.
        let mut builder = tempfile::Builder::new();
        builder.prefix(".jscam-").suffix(".tmp").rand_bytes(6);
        #[cfg(unix)]
        {
            // As `File::create` would: 0666 less the umask (tempfile's default is 0600).
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temporary = builder
            .tempfile_in(dir)
            .map_err(|e| Error::write(target, e))?;
        registry.register(temporary.path());
        Ok(AtomicFile {
            temporary: Some(temporary),
            target: target.to_owned(),
            registry,
        })
    }

    /// The temporary file's path.
    pub fn temporary_path(&self) -> &Path {
        self.temporary.as_ref().map_or(Path::new(""), |t| t.path())
    }

    /// Syncs the temporary file and renames it over the target.
    ///
    /// # Errors
    /// [`Error::Write`] naming the target.
    pub fn commit(mut self) -> Result<()> {
        let temporary = self.temporary.take().expect("committed once");
        let path = temporary.path().to_owned();
        let result = temporary.as_file().sync_all().and_then(|()| {
            temporary
                .persist(&self.target)
                .map(drop)
                .map_err(|e| e.error)
        });
        self.registry.unregister(&path);
        result.map_err(|e| Error::write(&self.target, e))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.temporary.as_mut().expect("not committed").write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.temporary.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(temporary) = self.temporary.take() {
            let path = temporary.path().to_owned();
            drop(temporary);
            self.registry.unregister(&path);
        }
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`].
///
/// # Errors
/// [`Error::Write`] naming `path`; the previous file is then unchanged.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    write_files(&[(path.to_owned(), bytes.to_vec())])
}

/// Writes several files together: every temporary file is written first,
/// and only when all of them are is each renamed over its target, so a
/// failed write (a full disk) leaves every previous file as it was.
///
/// # Errors
/// [`Error::Write`] naming the file that failed.
pub fn write_files(files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let mut file = AtomicFile::create(path)?;
        file.write_all(bytes)
            .and_then(|()| file.flush())
            .map_err(|e| Error::write(path, e))?;
        staged.push(file);
    }
    for file in staged {
        file.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_signal_cleanup_removes_live_temporaries_only() {
        let registry: &'static TempRegistry = Box::leak(Box::default());
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "previous").unwrap();
        let mut file = AtomicFile::create_registered(&target, registry).unwrap();
        file.write_all(b"half written").unwrap();
        let temporary = file.temporary_path().to_owned();
        assert!(temporary.exists());
        assert_eq!(registry.live(), std::slice::from_ref(&temporary));
        // What the signal thread does.
        assert_eq!(registry.remove_all(), 1);
        assert!(!temporary.exists());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous");
        drop(file);
        assert_eq!(names(dir.path()), ["out.csv"]);
        // A committed file is no longer registered.
        let mut file = AtomicFile::create_registered(&target, registry).unwrap();
        file.write_all(b"new").unwrap();
        file.commit().unwrap();
        assert!(registry.live().is_empty());
        assert_eq!(registry.remove_all(), 0);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    }

    #[test]
    fn a_dropped_file_leaves_the_target_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "previous").unwrap();
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"partial").unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_long_target_name_fits() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(format!("{}.csv", "a".repeat(247)));
        assert_eq!(target.file_name().unwrap().len(), 251);
        write_file(&target, b"x").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"x");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let target = dir.path().join("report.md");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        write_file(&target, b"report").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&target).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "report");
    }

    #[test]
    fn the_plan_refuses_inputs_repeated_outputs_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "text,label\n").unwrap();
        let mut plan = OutputPlan::new();
        plan.input(&data, "the data").unwrap();
        let err = plan
            .input(&dir.path().join("./data.csv"), "the data")
            .unwrap_err();
        assert!(err.to_string().contains("twice as the data"), "{err}");
        let spelled = dir.path().join(".").join("data.csv");
        let err = plan.output(&spelled, "--folds-out").unwrap_err();
        assert!(err.to_string().contains("is the data"), "{err}");
        let out = dir.path().join("new.csv");
        plan.output(&out, "--folds-out").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let err = plan
            .output(&dir.path().join("sub/../new.csv"), "--scores-out")
            .unwrap_err();
        assert!(err.to_string().contains("same file"), "{err}");
        let err = plan.output(dir.path(), "--scores-out").unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data.csv");
        std::fs::write(&data, "x").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&data, &link).unwrap();
        let mut plan = OutputPlan::new();
        plan.input(&data, "the data").unwrap();
        assert!(plan.output(&link, "-o").is_err());
    }

    #[test]
    fn a_failed_write_in_a_group_leaves_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("a.svg");
        std::fs::write(&first, "old a").unwrap();
        let missing_dir = dir.path().join("missing/b.svg");
        let err = write_files(&[
            (first.clone(), b"new a".to_vec()),
            (missing_dir, b"new b".to_vec()),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("b.svg"), "{err}");
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "old a");
        assert_eq!(names(dir.path()), ["a.svg"]);
    }
}
