//! The trust model: what a collection — a file from anyone, a cloned
//! repository's `.http` folder, an imported export — may read, write and
//! send. Every such decision is made here, for every front end, as the one
//! credential rule of [`crate::secrets`] decides what may leave the machine.
//!
//! | | untrusted | trusted | never |
//! |---|---|---|---|
//! | browse, edit, send a request the user picked | yes | yes | — |
//! | `>> file` | not written | inside the collection directory | outside it, through a symlink, from a request the user did not pick |
//! | `< file` | inside the directory, regular files | same, plus `--allow-read DIR` | special files, past [`MAX_READ`] |
//! | a secret-source value to an origin | only to origins the user confirmed | origins confirmed at trust time; new ones asked | to an origin known only at run time without an interactive yes |
//! | an automatic dependency to a loopback or private address | asked | asked once | — |
//!
//! Facts about the file system (canonical paths, file kinds) come through
//! the [`World`]; the decisions are pure.

use super::vars::World;
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The largest file a collection reads (`< file`, a multipart part, an
/// environment file).
pub const MAX_READ: u64 = 64 << 20;

/// What kind of file a path names (without following a last symlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    Regular,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A FIFO, a socket, a device.
    Special,
}

/// A path's kind and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFacts {
    /// Its kind.
    pub kind: FileKind,
    /// Its size in bytes.
    pub len: u64,
}

/// Why a read or a write was refused: one line naming the path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {why}", path.display())]
pub struct Refused {
    /// The path as the collection wrote it, joined to its directory.
    pub path: PathBuf,
    /// Why.
    pub why: String,
}

/// What this run may do with one collection directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    root: PathBuf,
    trusted: bool,
    origins: BTreeSet<String>,
    local: BTreeSet<String>,
    allow_read: Vec<PathBuf>,
}

impl Trust {
    /// The rules for the collection under `root` (canonical), trusted or
    /// not, with the origins confirmed for it so far.
    pub fn new(root: PathBuf, trusted: bool, origins: impl IntoIterator<Item = String>) -> Trust {
        Trust {
            root,
            trusted,
            origins: origins.into_iter().collect(),
            local: BTreeSet::new(),
            allow_read: Vec::new(),
        }
    }

    /// The collection directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the collection is trusted (`apiscope trust DIR`, `--trust`).
    pub fn trusted(&self) -> bool {
        self.trusted
    }

    /// Trusts it for this run.
    pub fn set_trusted(&mut self, trusted: bool) {
        self.trusted = trusted;
    }

    /// `--allow-read DIR` (canonical): `< file` may read there too, in a
    /// trusted collection.
    pub fn allow_read(&mut self, dir: PathBuf) {
        self.allow_read.push(dir);
    }

    /// The origins confirmed for secret-source values.
    pub fn origins(&self) -> &BTreeSet<String> {
        &self.origins
    }

    /// Whether secret-source values may go to `origin` without asking.
    pub fn confirmed(&self, origin: &str) -> bool {
        self.origins.contains(origin)
    }

    /// Whether an automatic dependency may go to the loopback or private
    /// `origin` without asking.
    pub fn local_confirmed(&self, origin: &str) -> bool {
        // (A trusted directory's confirmed origins were asked once.)
        self.local.contains(origin) || (self.trusted && self.origins.contains(origin))
    }

    /// The user said yes: secret-source values may go to these origins,
    /// and automatic dependencies to these local ones.
    pub fn confirm(
        &mut self,
        origins: impl IntoIterator<Item = String>,
        local: impl IntoIterator<Item = String>,
    ) {
        self.origins.extend(origins);
        self.local.extend(local);
    }

    /// `< file` of a collection whose file is in `dir`: the canonical path
    /// to read, if it may be read — a regular file inside the collection
    /// directory (or, trusted, an `--allow-read` one), at most
    /// [`MAX_READ`] bytes; never a FIFO or a device.
    pub fn may_read(&self, dir: &Path, path: &str, world: &dyn World) -> Result<PathBuf, Refused> {
        let joined = dir.join(path);
        let refuse = |why: String| Refused {
            path: joined.clone(),
            why,
        };
        let canonical = world
            .canonical(&joined)
            .map_err(|e| refuse(format!("cannot be read: {e}")))?;
        let inside = canonical.starts_with(&self.root)
            || (self.trusted && self.allow_read.iter().any(|d| canonical.starts_with(d)));
        if !inside {
            return Err(refuse(format!(
                "not read: it is outside the collection directory {}{}",
                self.root.display(),
                if self.trusted {
                    " (--allow-read DIR lets a trusted collection read there)"
                } else {
                    ""
                }
            )));
        }
        let facts = world
            .facts(&canonical)
            .map_err(|e| refuse(format!("cannot be read: {e}")))?;
        match facts.kind {
            FileKind::Regular if facts.len <= MAX_READ => Ok(canonical),
            FileKind::Regular => Err(refuse(format!(
                "not read: {} MiB is more than a collection reads ({} MiB)",
                facts.len >> 20,
                MAX_READ >> 20
            ))),
            FileKind::Dir => Err(refuse("not read: it is a directory".into())),
            FileKind::Symlink | FileKind::Special => Err(refuse(
                "not read: it is not a regular file (a FIFO, a device or a socket)".into(),
            )),
        }
    }

    /// `>> file` of a collection whose file is in `dir`: the path to write,
    /// if it may be written — a trusted collection, a request the user
    /// picked, inside the collection directory, in a directory that exists,
    /// never through a symlink.
    pub fn may_write(
        &self,
        dir: &Path,
        path: &str,
        picked: bool,
        world: &dyn World,
    ) -> Result<PathBuf, Refused> {
        let joined = normalise(&dir.join(path.trim()));
        let refuse = |why: &str| Refused {
            path: joined.clone(),
            why: format!("not written: {why}"),
        };
        if path.trim().is_empty() {
            return Err(refuse("`>>` names no file"));
        }
        // (Relative to the collection file's directory, made absolute.)
        let Ok(base) = world.canonical(dir) else {
            return Err(refuse("the collection's directory cannot be read"));
        };
        if !self.trusted {
            return Err(refuse(&format!(
                "the collection is not trusted (apiscope trust {} lets its >> write inside it)",
                self.root.display()
            )));
        }
        if !picked {
            return Err(refuse(
                "it was sent because another request uses its response; only a request you pick writes a file",
            ));
        }
        let target = normalise(&base.join(path.trim()));
        if !target.starts_with(&self.root) || target == self.root {
            return Err(refuse("it is outside the collection directory"));
        }
        let parent = target.parent().unwrap_or(&self.root);
        match world.canonical(parent) {
            Ok(c) if c == parent => {}
            Ok(_) => return Err(refuse("a directory on its way is a symlink")),
            Err(_) => return Err(refuse("its directory does not exist")),
        }
        match world.facts(&target) {
            Ok(f) if f.kind == FileKind::Symlink => Err(refuse("it is a symlink")),
            Ok(f) if f.kind != FileKind::Regular => Err(refuse("it is not a regular file")),
            _ => Ok(target),
        }
    }
}

/// `a/./b/../c` → `a/c`, without touching the disk (a `..` past the root
/// stays at the root).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `origin` (`scheme://host[:port]`) is a loopback or private
/// address (or `localhost`): where an automatic dependency is asked about.
pub fn is_local(origin: &str) -> bool {
    let Ok(u) = url::Url::parse(origin) else {
        return false;
    };
    match u.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost") || d.ends_with(".local")
        }
        Some(url::Host::Ipv4(ip)) => v4_local(ip),
        // (An IPv4 address written as IPv6, `[::ffff:127.0.0.1]`, is
        // that IPv4 address on the wire.)
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
                || ip.to_ipv4_mapped().is_some_and(v4_local)
        }
        None => false,
    }
}

fn v4_local(ip: std::net::Ipv4Addr) -> bool {
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        // 100.64.0.0/10, carrier-grade NAT: another network's machines.
        || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
}

/// `https://api.example.com:8443` for a URL; `None` when it does not parse.
pub fn origin_of(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    match u.origin() {
        url::Origin::Tuple(..) => Some(u.origin().ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_local;

    #[test]
    fn local_addresses_in_every_spelling() {
        for local in [
            "http://localhost:8080",
            "http://api.localhost",
            "http://127.0.0.1",
            "http://2130706433",
            "http://10.1.2.3",
            "http://192.168.0.1",
            "http://169.254.169.254",
            "http://100.64.0.1",
            "http://[::1]",
            "http://[fd00::1]",
            "http://[::ffff:127.0.0.1]:18500",
            "http://[::ffff:10.0.0.1]",
            "http://[::ffff:169.254.169.254]",
        ] {
            assert!(is_local(local), "{local}");
        }
        for public in [
            "https://api.example.com",
            "http://8.8.8.8",
            "http://100.128.0.1",
            "http://[2001:db8::1]",
            "http://[::ffff:8.8.8.8]",
        ] {
            assert!(!is_local(public), "{public}");
        }
    }
}
