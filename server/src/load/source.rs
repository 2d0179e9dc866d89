//! File contents and their scanned headers: open buffers first, then the
//! disk, with a cache keyed by path and a content stamp so that an unchanged
//! file is never scanned twice.

use crate::gosrc::{FileHeader, scan_header};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// Editor buffers that override files on disk (path → contents).
pub type Overlay = HashMap<PathBuf, Arc<Vec<u8>>>;

/// How much of a file is read: the header of any real Go file fits in far
/// less; a larger file is read only up to this size (go/build also stops
/// after the imports).
const HEADER_READ_LIMIT: u64 = 1 << 20;

#[derive(Clone, PartialEq, Eq, Debug)]
enum Stamp {
    Disk { len: u64, mtime: Option<SystemTime> },
    Buffer(u64),
}

/// Cached file headers and directory listings. Entries stay valid until
/// `invalidate` is called for them: the language server calls it for every
/// edit and watched-file event, and a CLI run sees a fixed tree. This keeps
/// repeated loads (one per build variant) free of system calls.
#[derive(Default)]
pub struct Sources {
    overlay: RwLock<Overlay>,
    headers: RwLock<HashMap<PathBuf, (Stamp, Arc<FileHeader>)>>,
    dirs: RwLock<HashMap<PathBuf, Arc<Vec<DirEntry>>>>,
}

/// A directory entry relevant to package loading.
#[derive(Debug, Clone)]
pub struct DirEntry {
    pub name: String,
    /// A directory, or a symlink to one (go/build follows them).
    pub is_dir: bool,
    /// A symlink (`./...` does not descend into symlinked directories).
    pub is_symlink: bool,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn set_overlay(&self, path: PathBuf, contents: Arc<Vec<u8>>) {
        if let Some(parent) = path.parent()
            && let Ok(mut d) = self.dirs.write()
        {
            d.remove(parent);
        }
        if let Ok(mut o) = self.overlay.write() {
            o.insert(path, contents);
        }
    }

    pub fn remove_overlay(&self, path: &Path) {
        if let Some(parent) = path.parent()
            && let Ok(mut d) = self.dirs.write()
        {
            d.remove(parent);
        }
        if let Ok(mut h) = self.headers.write() {
            h.remove(path);
        }
        if let Ok(mut o) = self.overlay.write() {
            o.remove(path);
        }
    }

    pub fn overlay_contents(&self, path: &Path) -> Option<Arc<Vec<u8>>> {
        self.overlay.read().ok()?.get(path).cloned()
    }

    /// Forgets one file's header and its directory's listing.
    pub fn invalidate_file(&self, path: &Path) {
        if let Ok(mut h) = self.headers.write() {
            h.remove(path);
        }
        if let (Some(parent), Ok(mut d)) = (path.parent(), self.dirs.write()) {
            d.remove(parent);
        }
    }

    /// Forgets cached headers under `path` (a file or a directory).
    pub fn invalidate(&self, path: &Path) {
        if let Ok(mut h) = self.headers.write() {
            h.retain(|p, _| !p.starts_with(path));
        }
        if let Ok(mut d) = self.dirs.write() {
            // A file's directory listing changes when it is created or deleted.
            d.retain(|p, _| !p.starts_with(path) && Some(p.as_path()) != path.parent());
        }
    }

    /// The header of a Go file, from the overlay or the disk.
    pub fn header(&self, path: &Path) -> Result<Arc<FileHeader>, String> {
        if let Some(buf) = self.overlay_contents(path) {
            let stamp = Stamp::Buffer(hash(&buf));
            return self.cached_or_scan(path, stamp, || Ok(buf.to_vec()));
        }
        if let Ok(h) = self.headers.read()
            && let Some((Stamp::Disk { .. }, header)) = h.get(path)
        {
            return Ok(header.clone());
        }
        // One open, one fstat and (nearly always) one read: the stamp comes
        // from the open file rather than a second lookup of the path.
        let (stamp, bytes) = read_stamped(path, HEADER_READ_LIMIT)?;
        self.cached_or_scan(path, stamp, || Ok(bytes))
    }

    fn cached_or_scan(
        &self,
        path: &Path,
        stamp: Stamp,
        read: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> Result<Arc<FileHeader>, String> {
        if let Ok(h) = self.headers.read()
            && let Some((s, header)) = h.get(path)
            && *s == stamp
        {
            return Ok(header.clone());
        }
        let bytes = read()?;
        let header = Arc::new(scan_header(&bytes));
        if let Ok(mut h) = self.headers.write() {
            h.insert(path.to_path_buf(), (stamp, header.clone()));
        }
        Ok(header)
    }

    /// Lists a directory, adding unsaved buffers that live in it.
    pub fn read_dir(&self, dir: &Path) -> Result<Arc<Vec<DirEntry>>, String> {
        if let Ok(d) = self.dirs.read()
            && let Some(entries) = d.get(dir)
        {
            return Ok(entries.clone());
        }
        let entries = Arc::new(self.list_dir(dir)?);
        if let Ok(mut d) = self.dirs.write() {
            d.insert(dir.to_path_buf(), entries.clone());
        }
        Ok(entries)
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, String> {
        let mut out: Vec<DirEntry> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .flatten()
                .map(|e| {
                    // d_type from the directory read; only symlinks need a
                    // stat (go/build follows them).
                    let ft = e.file_type().ok();
                    let is_symlink = ft.is_some_and(|t| t.is_symlink());
                    DirEntry {
                        name: e.file_name().to_string_lossy().into_owned(),
                        is_dir: match ft {
                            Some(t) if !t.is_symlink() => t.is_dir(),
                            _ => e.path().is_dir(),
                        },
                        is_symlink,
                    }
                })
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.has_overlay_in(dir) => {
                Vec::new()
            }
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        };
        if let Ok(o) = self.overlay.read() {
            for p in o.keys() {
                if p.parent() == Some(dir)
                    && let Some(name) = p.file_name()
                {
                    let name = name.to_string_lossy().into_owned();
                    if !out.iter().any(|e| e.name == name) {
                        out.push(DirEntry {
                            name,
                            is_dir: false,
                            is_symlink: false,
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn has_overlay_in(&self, dir: &Path) -> bool {
        self.overlay
            .read()
            .is_ok_and(|o| o.keys().any(|p| p.parent() == Some(dir)))
    }

    /// Reads a whole non-Go file (C sources for symbol use), size-capped.
    pub fn read_small(&self, path: &Path, limit: u64) -> Option<Vec<u8>> {
        if let Some(b) = self.overlay_contents(path) {
            return Some(b.to_vec());
        }
        read_prefix(path, limit).ok()
    }
}

/// The file's stamp and its first `limit` bytes.
fn read_stamped(path: &Path, limit: u64) -> Result<(Stamp, Vec<u8>), String> {
    use std::io::Read;
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let f = std::fs::File::open(path).map_err(err)?;
    let meta = f.metadata().map_err(err)?;
    let stamp = Stamp::Disk {
        len: meta.len(),
        mtime: meta.modified().ok(),
    };
    let want = meta.len().min(limit) as usize;
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match (&f).read(&mut buf[filled..]) {
            Ok(0) => break, // shrank since the fstat
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    buf.truncate(filled);
    if filled == want && !meta.is_file() {
        // Not a regular file (a FIFO or device named .go): its length says
        // nothing; read what is there, up to the limit.
        let mut rest = Vec::new();
        (&f).take(limit - filled as u64)
            .read_to_end(&mut rest)
            .map_err(err)?;
        buf.extend(rest);
    }
    Ok((stamp, buf))
}

fn read_prefix(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut buf = Vec::new();
    f.take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(buf)
}

fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}
