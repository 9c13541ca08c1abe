//! Where apiscope keeps the user's files (the platform directories from
//! `directories`), and how it writes them: atomically, so a crash or a full
//! disk never leaves half a file where a good one was.

use std::path::{Path, PathBuf};

/// The user data directory (sessions, history): `$APISCOPE_DATA_DIR` when
/// set, else the platform's (e.g. `~/.local/share/apiscope`).
pub fn data_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("APISCOPE_DATA_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "apiscope").map(|d| d.data_dir().to_path_buf())
}

/// Where named sessions are saved.
pub fn sessions_dir() -> Option<PathBuf> {
    data_dir().map(|d| d.join("sessions"))
}

/// A path as given, or else the named session in the sessions directory
/// (`name` or `name.json`).
pub fn resolve(name_or_path: &str) -> PathBuf {
    let p = PathBuf::from(name_or_path);
    if p.exists() || name_or_path == "-" || name_or_path.contains(std::path::MAIN_SEPARATOR) {
        return p;
    }
    if let Some(dir) = sessions_dir() {
        for candidate in [
            dir.join(name_or_path),
            dir.join(format!("{name_or_path}.json")),
        ] {
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    p
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Its directory could not be made.
    #[error("{}: cannot create the directory: {source}", dir.display())]
    CreateDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// No temporary file could be made beside it.
    #[error("{}: cannot create a temporary file: {source}", dir.display())]
    TempFile {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Writing, syncing or renaming it failed.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Writes `bytes` to `path` through a temporary file in the same directory
/// and a rename: readers see the old file or the new one, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write as _;
    // A symlink is followed (the file it points to is replaced, not the
    // link), and a file that exists keeps its permissions.
    let write = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Write { path, source }
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(write(path))?,
        _ => path.to_path_buf(),
    };
    let path = target.as_path();
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|source| StoreError::TempFile {
        dir: dir.to_owned(),
        source,
    })?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(write(path))?;
    if let Some(p) = permissions {
        std::fs::set_permissions(tmp.path(), p).map_err(write(path))?;
    }
    tmp.persist(path).map_err(|e| write(path)(e.error))?;
    Ok(())
}

/// Writes a file that holds secrets (the private env file, the trust
/// store): created 0600, replaced atomically, never through a symlink (a
/// link there is an error: a tracked file it points to must not receive a
/// token).
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_new(path, bytes, true, true)
}

/// A file an import writes: never through a symlink (a link planted where
/// the output goes does not redirect it), its directory made.
pub fn write_fresh(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_new(path, bytes, false, true)
}

/// `>> file` of a collection, already allowed by the trust model: never
/// through a symlink, never creating a directory, replaced atomically.
pub fn write_confined(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_new(path, bytes, false, false)
}

fn write_new(path: &Path, bytes: &[u8], private: bool, create_dir: bool) -> Result<(), StoreError> {
    use std::io::Write as _;
    let fail = |source: std::io::Error| StoreError::Write {
        path: path.to_owned(),
        source,
    };
    if let Ok(m) = std::fs::symlink_metadata(path)
        && m.file_type().is_symlink()
    {
        return Err(fail(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "it is a symlink: not written through it",
        )));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if create_dir {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            dir: dir.to_owned(),
            source,
        })?;
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|source| StoreError::TempFile {
        dir: dir.to_owned(),
        source,
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // A secrets file is 0600; another keeps the mode of the file it
        // replaces (else 0644).
        let mode = if private {
            0o600
        } else {
            std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o777)
        };
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/s.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(dir.path().join("sub")).unwrap().count(),
            1
        );
        // The parent is a file: a clear error, and the file is untouched.
        let err = write_atomic(&p.join("x"), b"x");
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
    }

    #[cfg(unix)]
    #[test]
    fn a_rewrite_keeps_permissions_and_follows_a_symlink() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("api.http");
        std::fs::write(&p, "GET https://a.example\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link.http");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        write_atomic(&link, b"GET https://b.example\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"GET https://b.example\n");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }
}
