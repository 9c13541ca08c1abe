//! The one directory walk (`open DIR`, `apiscope trust DIR`, the Bruno
//! importer): it never follows a symlink — a link to `/` or a loop is not
//! entered, a linked file is not read — skips hidden directories,
//! `target` and `node_modules`, and stops at a depth and a count, each a
//! one-line error rather than a hang.

use std::path::{Path, PathBuf};

/// Levels below the directory given that are looked into.
pub const MAX_DEPTH: usize = 8;

/// Files listed at most.
pub const MAX_FILES: usize = 100_000;

/// The files under `dir` whose lower-cased name `accept` takes, sorted.
pub fn files(dir: &Path, accept: &dyn Fn(&str) -> bool) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    visit(dir, 0, accept, &mut out)?;
    out.sort();
    Ok(out)
}

fn visit(
    dir: &Path,
    depth: usize,
    accept: &dyn Fn(&str) -> bool,
    out: &mut Vec<PathBuf>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_ascii_lowercase();
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        // (The entry's own type: a symlink is a symlink, never followed.)
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            visit(&e.path(), depth + 1, accept, out)?;
        } else if kind.is_file() && accept(&name) {
            if out.len() >= MAX_FILES {
                return Err(format!(
                    "{}: more than {MAX_FILES} files; open a smaller directory",
                    dir.display()
                ));
            }
            out.push(e.path());
        }
    }
    Ok(())
}

/// Whether a (lower-cased) file name is a collection file.
pub fn is_collection_file(name: &str) -> bool {
    name.ends_with(".http") || name.ends_with(".rest")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn symlinks_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("a/b")).unwrap();
        std::fs::write(d.join("a/b/x.http"), "GET https://a.example\n").unwrap();
        std::fs::write(d.join("top.rest"), "GET https://a.example\n").unwrap();
        std::os::unix::fs::symlink("/", d.join("root")).unwrap();
        std::os::unix::fs::symlink(d, d.join("a/loop")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", d.join("linked.http")).unwrap();
        let found = files(d, &is_collection_file).unwrap();
        assert_eq!(found, [d.join("a/b/x.http"), d.join("top.rest")]);
    }
}
