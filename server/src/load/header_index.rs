//! The header index: Go file headers scanned and directories listed by
//! earlier runs, saved in one file per project, so that a run takes an
//! unchanged file's header or directory's listing from the index (one
//! `statx`) instead of opening, reading and scanning the file or listing
//! the directory.
//!
//! It follows cmd/go's module index (`modindex`), through which `go list`
//! and `go build` read packages: an entry holds only while the file's stat
//! is what it was when the file was scanned (size, modification and change
//! times, inode; for a directory, any entry created, deleted or renamed
//! changes them), and a file changed in the last two seconds is not saved,
//! since a second write within the file system's timestamp granularity
//! could leave its stat unchanged. The index is keyed by the linklens binary
//! itself, so a rebuilt scanner never trusts an older one's entries.
//! `LINKLENS_INDEX=off` turns it off.
//!
//! Like modindex, it trusts what never changes without a stat (see
//! [`Trusted`]): a module directory in the module cache
//! (`GOMODCACHE/<module>@<version>`, extracted whole from a checksummed zip)
//! and a released GOROOT's `src`. Their entries carry no stamp; the index
//! is keyed by the module cache's path, GOROOT and the Go version as well,
//! so another toolchain or cache starts its own index. Only the files of
//! the main module, go.work modules, replace directories and vendor/ are
//! stat'ed.

mod codec;

use crate::buildcfg::Environ;
use crate::gosrc::FileHeader;
use crate::load::source::DirEntry;
use crate::portable::OsStrExt;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use std::hash::Hasher;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The file format; a change of layout or of what a header holds bumps it.
/// The layout is documented in docs/index-format.md.
const MAGIC: &[u8; 8] = b"LLHIDX09";
/// How old a file's last change must be for its entry to be saved.
const SETTLE: Duration = Duration::from_secs(2);
/// Entries no run has used for this many saves are dropped.
const MAX_MISSES: u8 = 8;
/// Index files kept (one per project and binary); beyond this the oldest
/// go.
const MAX_INDEX_FILES: usize = 32;
/// A larger index (some 400,000 files) is not written, so that the cache
/// stays within 2 GB whatever the projects.
const MAX_INDEX_BYTES: u64 = 64 << 20;

/// What a file's stat said when its header was scanned.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileStamp {
    size: u64,
    /// Seconds and nanoseconds.
    mtime: (i64, i64),
    ctime: (i64, i64),
    dev: u64,
    ino: u64,
}

impl FileStamp {
    /// The stamp of an entry under a [`Trusted`] root, which is never
    /// stat'ed (no real file has inode 0).
    pub const TRUSTED: FileStamp = FileStamp {
        size: 0,
        mtime: (0, 0),
        ctime: (0, 0),
        dev: 0,
        ino: 0,
    };

    /// The stamp of the regular file at `path` (symlinks followed, as a
    /// read follows them); `None` for anything else or an error.
    pub fn of(path: &Path) -> Option<FileStamp> {
        Self::of_kind(path, false)
    }

    /// The stamp of the directory at `path`: any entry created, deleted or
    /// renamed in it changes its modification and change times.
    pub fn of_dir(path: &Path) -> Option<FileStamp> {
        Self::of_kind(path, true)
    }

    fn of_kind(path: &Path, dir: bool) -> Option<FileStamp> {
        use crate::portable::MetadataExt;
        let m = std::fs::metadata(path).ok()?;
        let kind_ok = if dir { m.is_dir() } else { m.is_file() };
        kind_ok.then(|| FileStamp {
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
            dev: m.dev(),
            ino: m.ino(),
        })
    }
}

/// The directories whose contents the index trusts without a stat, as
/// cmd/go's modindex trusts the module cache: module directories in the
/// module cache (a directory `<module>@<version>` is written once, from a
/// checksummed zip, and never changed; `go clean -modcache` removes it
/// whole, which the resolver's stat of the module root sees), and the
/// `src` of a released GOROOT (changed only by installing another
/// release, which changes the Go version in the index's key). The
/// project's own tree is never trusted, even inside one of them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trusted {
    gomodcache: Option<PathBuf>,
    goroot_src: Option<PathBuf>,
    version: String,
    project: Option<PathBuf>,
}

impl Trusted {
    /// The trusted roots of `toolchain` (what `go env` said) for the
    /// project rooted at `project`. A development GOROOT (its version says
    /// `devel`, or is missing) is not trusted: it is a checkout one edits.
    pub fn of(toolchain: &crate::buildcfg::Toolchain, project: &Path) -> Trusted {
        let version = toolchain.version.clone().unwrap_or_default();
        let release = version.starts_with("go1")
            && !version.contains("devel")
            && !version.contains(char::is_whitespace);
        let absolute = |p: &Path| p.is_absolute().then(|| p.to_path_buf());
        Trusted {
            gomodcache: absolute(&toolchain.gomodcache),
            goroot_src: toolchain
                .goroot
                .as_deref()
                .filter(|_| release)
                .and_then(absolute)
                .map(|g| g.join("src")),
            version,
            project: Some(project.to_path_buf()),
        }
    }

    /// Whether `path` (a file or directory) is inside a trusted root: in a
    /// module directory of the module cache (a component `<x>@<version>`
    /// below it, not its `cache/` of downloads), or in a released GOROOT's
    /// `src`, and not in the project.
    ///
    /// (On bytes: asked for every file of every run, where `Path`'s
    /// component walk showed. The paths are the loader's own joins of
    /// clean directories, never with `.` or `..`.)
    pub fn covers(&self, path: &Path) -> bool {
        let path = path.as_os_str().as_bytes();
        let sep = |c: &u8| *c == b'/' || (cfg!(windows) && *c == b'\\');
        let under = |root: &Option<PathBuf>| -> Option<usize> {
            let root = root.as_deref()?.as_os_str().as_bytes();
            let root = root.strip_suffix(b"/").unwrap_or(root);
            let rest = path.strip_prefix(root)?;
            rest.first().is_none_or(sep).then_some(root.len())
        };
        if under(&self.project).is_some() {
            return false;
        }
        if under(&self.goroot_src).is_some() {
            return true;
        }
        let Some(at) = under(&self.gomodcache) else {
            return false;
        };
        let rest = path[at..].get(1..).unwrap_or_default();
        let first = rest.split(sep).next().unwrap_or_default();
        !first.is_empty() && first != b"cache" && memchr::memchr(b'@', rest).is_some()
    }

    /// The trusted root that holds `path`: its module's directory in the
    /// module cache, or GOROOT/src.
    pub fn root_of(&self, path: &Path) -> Option<PathBuf> {
        if !self.covers(path) {
            return None;
        }
        if let Some(src) = &self.goroot_src
            && path.starts_with(src)
        {
            return Some(src.clone());
        }
        let rest = path.strip_prefix(self.gomodcache.as_deref()?).ok()?;
        let mut root = self.gomodcache.clone()?;
        for c in rest.components() {
            root.push(c);
            if memchr::memchr(b'@', c.as_os_str().as_encoded_bytes()).is_some() {
                return Some(root);
            }
        }
        None
    }

    /// What the index's name and identity depend on.
    fn key(&self) -> u64 {
        let mut h = FxHasher::default();
        for p in [&self.gomodcache, &self.goroot_src] {
            h.write(p.as_deref().map_or(&b"-"[..], |p| p.as_os_str().as_bytes()));
            h.write_u8(0);
        }
        h.write(self.version.as_bytes());
        h.finish()
    }
}

/// What an entry holds (the first byte of its body).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A Go file's scanned header.
    Header = 0,
    /// A directory's listing.
    Listing = 1,
    /// Facts a later stage derived from files under a trusted root (what
    /// a cgo package's C code includes and calls), or from a file whose
    /// stamp is in the key (a library's symbol versions): lists of strings
    /// whose meaning that stage defines, under a key that is a path, a NUL
    /// and the stage's own key (see [`HeaderIndex::lookup_facts`]).
    Facts = 2,
}

/// Entry states of the loaded index during a run.
const UNTOUCHED: u8 = 0;
const USED: u8 = 1;
/// The file changed since (or the entry did not decode): not saved again.
const STALE: u8 = 2;

/// An entry of the index file, read where it lies in the mapping.
struct Saved<'a> {
    /// Its slot in the file's hash table (the index of its `state`).
    slot: u32,
    path: &'a [u8],
    stamp: FileStamp,
    misses: u8,
    kind: Kind,
    /// The body with its kind byte.
    raw_body: &'a [u8],
    /// Where the next entry starts.
    end: usize,
}

impl Saved<'_> {
    /// The body after its kind byte.
    fn body(&self) -> &[u8] {
        &self.raw_body[1..]
    }
}

/// Facts by key, each with its kind byte.
type FactsByKey = FxHashMap<Vec<u8>, Vec<u8>>;

/// Where the hash table starts: after the magic, identity, entry count and
/// slot count.
const TABLE_AT: usize = 24;

struct Added {
    path: Vec<u8>,
    stamp: FileStamp,
    body: Vec<u8>,
}

pub struct HeaderIndex {
    file: PathBuf,
    identity: u64,
    /// Files changed at or after this instant (seconds and nanoseconds
    /// since the epoch) are not saved.
    settled_before: (i64, i64),
    /// The index file as read (mapped), and its entries.
    bytes: IndexBytes,
    /// Slots of the file's hash table (a power of two), 0 when no index
    /// was read.
    slots: usize,
    /// How many entries the file holds.
    count: usize,
    /// Per slot: whether this run used its entry (see `save`).
    state: Vec<AtomicU8>,
    added: Mutex<Vec<Added>>,
    /// Facts recorded by this process, by key (with their kind byte), and
    /// whether some are not saved yet: kept after a save, so that a
    /// language server that drops its packages (go.mod changed) replays
    /// them instead of loading and recording them again.
    facts_added: Mutex<(FactsByKey, bool)>,
    trusted: Trusted,
    only_trusted: bool,
}

impl HeaderIndex {
    /// The index of the project rooted at `root`, in the user's cache
    /// directory; `None` when turned off or there is no cache directory.
    pub fn for_project(env: &Environ, root: &Path, trusted: Trusted) -> Option<HeaderIndex> {
        if matches!(
            env.get("LINKLENS_INDEX").map(String::as_str),
            Some("off" | "0")
        ) {
            return None;
        }
        let dir = crate::buildcfg::toolchain::user_cache_dir(env)?.join("linklens/index");
        // Another toolchain or module cache: other trusted contents.
        let identity = binary_identity()? ^ trusted.key();
        // One file per binary too: two builds used in turn (an editor's
        // and the shell's) keep their own instead of replacing each other's.
        let name = hash_bytes(root.as_os_str().as_bytes()) ^ identity;
        Some(
            HeaderIndex::open(dir.join(format!("{name:016x}")), identity, SETTLE).trusting(trusted),
        )
    }

    /// The index, trusting the entries under `trusted`'s roots without a
    /// stat (see [`Trusted`]).
    pub fn trusting(mut self, trusted: Trusted) -> HeaderIndex {
        self.trusted = trusted;
        self
    }

    /// The trusted root holding `path` (see [`Trusted::root_of`]).
    pub fn trusted_root(&self, path: &Path) -> Option<PathBuf> {
        self.trusted.root_of(path)
    }

    /// Whether `path` is read once and then trusted: its entries need no
    /// stamp (pass [`FileStamp::TRUSTED`]).
    pub fn trusts(&self, path: &Path) -> bool {
        self.trusted.covers(path)
    }

    /// The index for the trusted roots alone: other paths are neither
    /// stat'ed nor kept (the language server, which learns of edits from
    /// the editor and the file watcher, keeps its own files).
    pub fn trusted_only(mut self) -> HeaderIndex {
        self.only_trusted = true;
        self
    }

    /// Whether entries of paths outside the trusted roots are used.
    pub fn stamps_others(&self) -> bool {
        !self.only_trusted
    }

    /// How many entries the index file held.
    pub fn entry_count(&self) -> usize {
        self.count
    }

    /// Loads the index at `file` if it was written by the same `identity`;
    /// anything unreadable, foreign or corrupt is an empty index.
    pub fn open(file: PathBuf, identity: u64, settle: Duration) -> HeaderIndex {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut index = HeaderIndex {
            file,
            identity,
            settled_before: {
                let t = now.saturating_sub(settle);
                (t.as_secs() as i64, i64::from(t.subsec_nanos()))
            },
            bytes: crate::regular::Contents::Read(Vec::new()),
            slots: 0,
            count: 0,
            state: Vec::new(),
            added: Mutex::new(Vec::new()),
            facts_added: Mutex::default(),
            trusted: Trusted::default(),
            only_trusted: false,
        };
        if let Some(bytes) = read_regular(&index.file, MAX_INDEX_BYTES)
            && let Some((count, slots)) = check(&bytes, identity)
        {
            index.state = (0..slots).map(|_| AtomicU8::new(UNTOUCHED)).collect();
            index.count = count;
            index.slots = slots;
            index.bytes = bytes;
        }
        index
    }

    /// The entry at byte `at` of the file, if it is whole.
    fn entry_at(&self, at: usize) -> Option<Saved<'_>> {
        let b = &self.bytes[..self.bytes.len().checked_sub(4)?];
        let u32_at = |at: usize| Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?));
        let u64_at = |at: usize| Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?));
        let len = u32_at(at)? as usize;
        let slot = u32_at(at.checked_add(4)?)?;
        let path_at = at.checked_add(8)?;
        let path = b.get(path_at..path_at.checked_add(len)?)?;
        let s = path_at + len;
        let stamp = FileStamp {
            size: u64_at(s)?,
            dev: u64_at(s + 8)?,
            ino: u64_at(s + 16)?,
            mtime: (u64_at(s + 24)? as i64, u64_at(s + 32)? as i64),
            ctime: (u64_at(s + 40)? as i64, u64_at(s + 48)? as i64),
        };
        let misses = *b.get(s + 56)?;
        let body_len = u32_at(s + 57)? as usize;
        let body_at = s + 61;
        let raw_body = b.get(body_at..body_at.checked_add(body_len)?)?;
        // The kind byte is the body's first: an empty body is corrupt.
        let kind = match raw_body.first()? {
            0 => Kind::Header,
            1 => Kind::Listing,
            2 => Kind::Facts,
            _ => return None,
        };
        Some(Saved {
            slot,
            path,
            stamp,
            misses,
            kind,
            raw_body,
            end: body_at + body_len,
        })
    }

    /// The entry saved under `key`: one probe of the file's hash table
    /// (open addressing, linear probing), nearly always.
    fn find(&self, key: &[u8]) -> Option<Saved<'_>> {
        if self.slots == 0 {
            return None;
        }
        let h = hash_bytes(key);
        let (tag, mask) = (h as u32, self.slots - 1);
        let mut i = slot_of(h, self.slots);
        for _ in 0..self.slots {
            let at = TABLE_AT + i * 8;
            let word = u64::from_le_bytes(self.bytes.get(at..at + 8)?.try_into().ok()?);
            if word == 0 {
                return None;
            }
            if (word >> 32) as u32 == tag {
                let e = self.entry_at(word as u32 as usize)?;
                if e.path == key && e.slot as usize == i {
                    return Some(e);
                }
            }
            i = (i + 1) & mask;
        }
        None
    }

    /// The header saved for `path`, if the file's stamp is still `stamp`.
    pub fn lookup(&self, path: &Path, stamp: &FileStamp) -> Option<FileHeader> {
        self.lookup_kind(path, stamp, Kind::Header, codec::decode)
    }

    /// Only the errors of the header saved for `path` (see
    /// `codec::decode_errors`), if the file's stamp is still `stamp`.
    pub fn lookup_errors(
        &self,
        path: &Path,
        stamp: &FileStamp,
    ) -> Option<Vec<crate::gosrc::HeaderError>> {
        self.lookup_kind(path, stamp, Kind::Header, codec::decode_errors)
    }

    /// The listing saved for the directory `path`, if its stamp is still
    /// `stamp`.
    pub fn lookup_listing(&self, path: &Path, stamp: &FileStamp) -> Option<Vec<DirEntry>> {
        self.lookup_kind(path, stamp, Kind::Listing, codec::decode_listing)
    }

    fn lookup_kind<T>(
        &self,
        path: &Path,
        stamp: &FileStamp,
        kind: Kind,
        decode: fn(&[u8]) -> Option<T>,
    ) -> Option<T> {
        let (i, value) = self.peek(path, stamp, kind, decode)?;
        self.mark_used(i);
        Some(value)
    }

    /// `lookup`, leaving the entry's use unrecorded: the prefetch reads
    /// entries no load may ask for, which must still age. Returns the
    /// entry's number for [`HeaderIndex::mark_used`].
    pub fn peek_header(&self, path: &Path, stamp: &FileStamp) -> Option<(u32, FileHeader)> {
        self.peek(path, stamp, Kind::Header, codec::decode)
    }

    /// `lookup_listing` as `peek_header` is to `lookup`.
    pub fn peek_listing(&self, path: &Path, stamp: &FileStamp) -> Option<(u32, Vec<DirEntry>)> {
        self.peek(path, stamp, Kind::Listing, codec::decode_listing)
    }

    fn peek<T>(
        &self,
        path: &Path,
        stamp: &FileStamp,
        kind: Kind,
        decode: fn(&[u8]) -> Option<T>,
    ) -> Option<(u32, T)> {
        let e = self.find(path.as_os_str().as_bytes())?;
        let value = (e.stamp == *stamp && e.kind == kind)
            .then(|| decode(e.body()))
            .flatten();
        if value.is_none()
            && let Some(s) = self.state.get(e.slot as usize)
        {
            s.store(STALE, Ordering::Relaxed);
        }
        Some((e.slot, value?))
    }

    /// Whether the listing saved for the directory `path` (trusted: no
    /// stamp) has a regular `.go` file, read without decoding it: the
    /// resolver asks it of every package directory, and the loader no
    /// longer lists a recorded package's. `None` when no listing is saved
    /// or a `.go` entry is a symlink.
    pub fn trusted_listing_has_go_file(&self, path: &Path) -> Option<bool> {
        let e = self.find(path.as_os_str().as_bytes())?;
        if e.kind != Kind::Listing || e.stamp != FileStamp::TRUSTED {
            return None;
        }
        let answer = codec::listing_has_go_file(e.body())?;
        self.mark_used(e.slot);
        Some(answer)
    }

    /// Records that a load took entry `i` (from [`HeaderIndex::peek`]).
    pub fn mark_used(&self, i: u32) {
        if let Some(s) = self.state.get(i as usize) {
            s.store(USED, Ordering::Relaxed);
        }
    }

    /// Remembers a header just scanned from the file with `stamp`, to be
    /// saved unless the file changed too recently to trust its stamp.
    pub fn record(&self, path: &Path, stamp: FileStamp, header: &FileHeader) {
        self.record_kind(path, stamp, Kind::Header, |b| codec::encode(header, b));
    }

    /// Remembers a directory's listing (sorted by name), as `record`. A
    /// listing with a symlink is not kept: where it points may change
    /// while the directory does not.
    pub fn record_listing(&self, path: &Path, stamp: FileStamp, entries: &[DirEntry]) {
        if entries.iter().any(|e| e.is_symlink) {
            return;
        }
        self.record_kind(path, stamp, Kind::Listing, |b| {
            codec::encode_listing(entries, b)
        });
    }

    /// Facts saved under `key` (a trusted file's path, a NUL, then what
    /// the facts depend on besides the file): a later stage's derived data
    /// for immutable files, kept like their headers. Never stat'ed.
    pub fn lookup_facts(&self, key: &[u8]) -> Option<Vec<Vec<String>>> {
        let Some(e) = self.find(key).filter(|e| e.kind == Kind::Facts) else {
            let added = self.facts_added.lock().ok()?;
            return codec::decode_facts(added.0.get(key)?.get(1..)?);
        };
        let Some(facts) = codec::decode_facts(e.body()) else {
            if let Some(s) = self.state.get(e.slot as usize) {
                s.store(STALE, Ordering::Relaxed);
            }
            return None;
        };
        self.mark_used(e.slot);
        Some(facts)
    }

    /// Remembers facts under `key` (see [`HeaderIndex::lookup_facts`]); the
    /// caller keys only facts that derive from trusted files.
    pub fn record_facts(&self, key: &[u8], facts: &[Vec<String>]) {
        if let Ok(mut a) = self.facts_added.lock()
            && !a.0.contains_key(key)
        {
            let mut body = Vec::with_capacity(64);
            body.push(Kind::Facts as u8);
            codec::encode_facts(facts, &mut body);
            a.0.insert(key.to_vec(), body);
            a.1 = true;
        }
    }

    fn record_kind(
        &self,
        path: &Path,
        stamp: FileStamp,
        kind: Kind,
        encode: impl FnOnce(&mut Vec<u8>),
    ) {
        if stamp != FileStamp::TRUSTED && stamp.mtime.max(stamp.ctime) >= self.settled_before {
            return;
        }
        let mut body = Vec::with_capacity(256);
        body.push(kind as u8);
        encode(&mut body);
        if let Ok(mut a) = self.added.lock() {
            a.push(Added {
                path: path.as_os_str().as_bytes().to_vec(),
                stamp,
                body,
            });
        }
    }

    /// What the index holds: the entries outside the trusted roots, then
    /// those under them; in each group, the entries the saving run made
    /// first, in the order it made them, then older ones.
    pub fn entries(&self) -> impl Iterator<Item = (Kind, &Path)> {
        use std::ffi::OsStr;
        self.saved()
            .map(|e| (e.kind, Path::new(OsStr::from_bytes(e.path))))
    }

    /// The file's entries in file order.
    fn saved(&self) -> impl Iterator<Item = Saved<'_>> {
        let mut at = TABLE_AT + self.slots * 8;
        let mut left = self.count;
        std::iter::from_fn(move || {
            left = left.checked_sub(1)?;
            let e = self.entry_at(at)?;
            at = e.end;
            Some(e)
        })
    }

    /// How many entries this run took from the index.
    #[cfg(test)]
    fn used(&self) -> usize {
        self.state
            .iter()
            .filter(|s| s.load(Ordering::Relaxed) == USED)
            .count()
    }

    /// Writes the index back when this run scanned files it did not hold:
    /// the entries added or used, then the others until they have gone
    /// unused for `MAX_MISSES` saves, as many as fit in `MAX_INDEX_BYTES`.
    /// Returns whether it wrote.
    pub fn save(&self) -> std::io::Result<bool> {
        let added = match self.added.lock() {
            Ok(mut a) => std::mem::take(&mut *a),
            Err(_) => return Ok(false),
        };
        let facts = match self.facts_added.lock() {
            Ok(mut f) => (std::mem::take(&mut f.1)).then(|| f.0.clone()),
            Err(_) => None,
        };
        if added.is_empty() && facts.is_none() {
            return Ok(false);
        }
        // In the order they are kept: added, used, then the unused ones
        // that have not aged out.
        let mut entries: Vec<(&[u8], FileStamp, u8, &[u8])> = added
            .iter()
            .map(|a| (a.path.as_slice(), a.stamp, 0, a.body.as_slice()))
            .collect();
        entries.extend(
            facts
                .iter()
                .flatten()
                .map(|(key, body)| (key.as_slice(), FileStamp::TRUSTED, 0, body.as_slice())),
        );
        let state = |e: &Saved| {
            self.state
                .get(e.slot as usize)
                .map_or(STALE, |s| s.load(Ordering::Relaxed))
        };
        entries.extend(
            self.saved()
                .filter(|e| state(e) == USED)
                .map(|e| (e.path, e.stamp, 0, e.raw_body)),
        );
        entries.extend(
            self.saved()
                .filter(|e| state(e) == UNTOUCHED && e.misses < MAX_MISSES)
                .map(|e| (e.path, e.stamp, e.misses + 1, e.raw_body)),
        );
        // Two threads may both have read one file: keep one. Then as many
        // as fit, in the order above (a table slot takes at most 32 bytes
        // an entry).
        let mut seen: FxHashSet<&[u8]> =
            FxHashSet::with_capacity_and_hasher(entries.len(), Default::default());
        let mut size = TABLE_AT + 4;
        entries.retain(|(path, ..)| seen.insert(path));
        entries.retain(|(path, _, _, body)| {
            size += ENTRY_FIXED + path.len() + body.len() + 32;
            size as u64 <= MAX_INDEX_BYTES
        });
        // The entries a run must stat first, each group in its order: a
        // run's prefetch of them then stops at the first trusted one.
        let (mut entries, trusted): (Vec<_>, Vec<_>) =
            entries.into_iter().partition(|(path, ..)| {
                !self
                    .trusted
                    .covers(Path::new(std::ffi::OsStr::from_bytes(path)))
            });
        entries.extend(trusted);
        let slots = (entries.len() * 2).next_power_of_two().max(16);
        // The table first (each entry's offset is known from the sizes),
        // then the entries streamed through one small buffer: a cold k9s
        // run's 6 MB index is not built in fresh memory first (its page
        // faults and copy were a third of the save).
        let mut head = Vec::with_capacity(TABLE_AT + slots * 8);
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&self.identity.to_le_bytes());
        head.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        head.extend_from_slice(&(slots as u32).to_le_bytes());
        head.resize(TABLE_AT + slots * 8, 0);
        let mut at = head.len();
        let mut placed = Vec::with_capacity(entries.len());
        for (path, _, _, body) in &entries {
            let h = hash_bytes(path);
            let mut i = slot_of(h, slots);
            while head[TABLE_AT + i * 8..][..8] != [0; 8] {
                i = (i + 1) & (slots - 1);
            }
            let word = (u64::from(h as u32) << 32) | at as u64;
            head[TABLE_AT + i * 8..][..8].copy_from_slice(&word.to_le_bytes());
            placed.push(i as u32);
            at += ENTRY_FIXED + path.len() + body.len();
        }
        let dir = self.file.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        // Write then rename: a concurrent run reads the old index or the
        // new one, never half of one. A new name, created exclusively: no
        // file already there (or a symlink's target) is written over.
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let tmp = self.file.with_extension(format!(
            "tmp{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let write = || -> std::io::Result<()> {
            let mut w = std::io::BufWriter::with_capacity(256 << 10, f);
            let mut sum = crc32fast::Hasher::new();
            w.write_all(&head)?;
            sum.update(&head);
            let mut one = Vec::with_capacity(4096);
            for ((path, stamp, misses, body), slot) in entries.iter().zip(&placed) {
                one.clear();
                put_entry(&mut one, *slot, path, stamp, *misses, body);
                w.write_all(&one)?;
                sum.update(&one);
            }
            w.write_all(&sum.finalize().to_le_bytes())?;
            drop(w.into_inner().map_err(|e| e.into_error())?);
            Ok(())
        };
        let done = write().and_then(|()| {
            // Replacing a file deletes it: only an index, or nothing.
            if std::fs::symlink_metadata(&self.file).is_ok() && !holds_index(&self.file) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "{} is not a linklens index: left alone",
                        self.file.display()
                    ),
                ));
            }
            std::fs::rename(&tmp, &self.file)
        });
        if let Err(e) = done {
            // A full disk, say: no half-written file stays behind.
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        prune(dir);
        Ok(true)
    }
}

/// An entry's bytes besides its path and body.
const ENTRY_FIXED: usize = 4 + 4 + 8 * 7 + 1 + 4;

fn put_entry(out: &mut Vec<u8>, slot: u32, path: &[u8], s: &FileStamp, misses: u8, body: &[u8]) {
    out.extend_from_slice(&(path.len() as u32).to_le_bytes());
    out.extend_from_slice(&slot.to_le_bytes());
    out.extend_from_slice(path);
    for v in [s.size, s.dev, s.ino] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in [s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.push(misses);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
}

/// The entry and slot counts of an index file written by `identity`, or
/// `None` if it is another's, truncated or corrupt. Entries are read where
/// they lie, when asked for: opening the index reads nothing else (it
/// built a table of every entry before, 3 ms of k9s's warm check).
fn check(bytes: &[u8], identity: u64) -> Option<(usize, usize)> {
    let body_end = bytes.len().checked_sub(4)?;
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    let sum = u32_at(body_end)?;
    if bytes.get(..8)? != MAGIC
        || bytes.get(8..16)? != identity.to_le_bytes()
        || sum != crc32fast::hash(&bytes[..body_end])
    {
        return None;
    }
    let (count, slots) = (u32_at(16)? as usize, u32_at(20)? as usize);
    let table_end = slots.checked_mul(8)?.checked_add(TABLE_AT)?;
    (slots.is_power_of_two() && slots >= 16 && count <= slots && table_end <= body_end)
        .then_some((count, slots))
}

/// The table slot where probing for hash `h` starts (its top bits, the
/// best mixed).
fn slot_of(h: u64, slots: usize) -> usize {
    (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - slots.trailing_zeros())) as usize
}

/// The index file's bytes, mapped (`crate::regular::map`): at open,
/// reading k9s's 6.7 MB index copied it into fresh memory, 5 ms before
/// anything else could start.
///
/// SAFETY (of the `map` call): nobody shortens the file in place: the index
/// is replaced by renaming a new file over it (`save`), which leaves this
/// mapping the old file's.
type IndexBytes = crate::regular::Contents;

fn read_regular(file: &Path, limit: u64) -> Option<IndexBytes> {
    // SAFETY: see above.
    unsafe { crate::regular::map(file, limit) }
}

/// Keeps the newest `MAX_INDEX_FILES` index files (projects come and go;
/// test runs make many), and removes temporary files a run left behind.
///
/// The directory may hold anything: `$XDG_CACHE_HOME` or the index
/// directory may be a symlink to a shared place, and the cache may be set
/// by a workspace's environment. Following such a symlink is fine (users
/// move caches to other disks so) because only our files are ever
/// removed: named as we name them, regular files (not symlinks), and
/// starting with an index's magic (any version's). A temporary file is
/// written whole by one write, so a crashed run's has the magic too,
/// unless it died before writing: such an empty file stays.
fn prune(dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(SystemTime, PathBuf)> = Vec::new();
    for e in rd.flatten() {
        let Some(temporary) = our_name(e.file_name().as_bytes()) else {
            continue;
        };
        let path = e.path();
        let Some(modified) = std::fs::symlink_metadata(&path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
        else {
            continue;
        };
        // Another run's temporary file while it is being written; a
        // minute later, a crashed run's.
        let settled = || {
            modified
                .elapsed()
                .is_ok_and(|age| age > Duration::from_secs(60))
        };
        if (temporary && !settled()) || !holds_index(&path) {
            continue;
        }
        if temporary {
            let _ = std::fs::remove_file(&path);
        } else {
            files.push((modified, path));
        }
    }
    if files.len() <= MAX_INDEX_FILES {
        return;
    }
    files.sort();
    for (_, p) in &files[..files.len() - MAX_INDEX_FILES] {
        let _ = std::fs::remove_file(p);
    }
}

/// Whether `name` is one we give: `Some(false)` for an index file (16 hex
/// digits), `Some(true)` for a temporary one (`<index>.tmp<pid>-<n>`, or
/// `.tmp<pid>` as earlier versions wrote).
fn our_name(name: &[u8]) -> Option<bool> {
    let hex = |b: &[u8]| b.len() == 16 && b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    let digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    if hex(name) {
        return Some(false);
    }
    let (index, tail) = (name.get(..16)?, name.get(16..)?.strip_prefix(b".tmp")?);
    let (pid, n) = match tail.iter().position(|&c| c == b'-') {
        Some(i) => (&tail[..i], Some(&tail[i + 1..])),
        None => (tail, None),
    };
    (hex(index) && digits(pid) && n.is_none_or(digits)).then_some(true)
}

/// Whether `path` is a regular file, not a symlink, that starts with an
/// index's magic: `LLHIDX` and a two-digit version.
fn holds_index(path: &Path) -> bool {
    use crate::portable::MetadataExt;
    use std::io::Read;
    let Ok(link) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !link.is_file() {
        return false;
    }
    // Opened as workspace files are (no FIFO blocks it), and the same file
    // as the one checked: not what a symlink swapped in since points to.
    let Ok((f, _)) = crate::regular::open(path) else {
        return false;
    };
    if !f
        .metadata()
        .is_ok_and(|m| (m.dev(), m.ino()) == (link.dev(), link.ino()))
    {
        return false;
    }
    let mut head = [0; 8];
    f.take(8).read_exact(&mut head).is_ok()
        && head[..6] == MAGIC[..6]
        && head[6..].iter().all(u8::is_ascii_digit)
}

/// This linklens binary: its version, size and modification time.
fn binary_identity() -> Option<u64> {
    use crate::portable::MetadataExt;
    let m = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let mut h = FxHasher::default();
    h.write(MAGIC);
    h.write(env!("CARGO_PKG_VERSION").as_bytes());
    h.write_u64(m.size());
    h.write_i64(m.mtime());
    h.write_i64(m.mtime_nsec());
    Some(h.finish())
}

fn hash_bytes(b: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(b);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gosrc::scan_header;

    fn write(path: &Path, text: &str) -> FileStamp {
        std::fs::write(path, text).unwrap();
        FileStamp::of(path).unwrap()
    }

    /// An index in `dir` that trusts files changed up to now.
    fn open(dir: &Path) -> HeaderIndex {
        HeaderIndex::open(dir.join("index"), 42, Duration::ZERO)
    }

    /// Writes `dir/name` (a one-line package) and saves its header in the
    /// index in `dir`.
    fn index_one(dir: &Path, name: &str) -> (PathBuf, FileStamp) {
        let go = dir.join(name);
        let stamp = write(&go, "package a\n");
        let index = open(dir);
        index.record(&go, stamp, &scan_header(b"package a\n"));
        index.save().unwrap();
        (go, stamp)
    }

    #[test]
    fn saved_headers_are_used_while_the_file_is_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let go = tmp.path().join("a.go");
        let text = "package a\n\nimport \"net\"\n";
        let stamp = write(&go, text);
        std::thread::sleep(Duration::from_millis(10));

        let index = open(tmp.path());
        assert_eq!(index.lookup(&go, &stamp), None);
        index.record(&go, stamp, &scan_header(text.as_bytes()));
        assert!(index.save().unwrap());

        let index = open(tmp.path());
        let got = index.lookup(&go, &FileStamp::of(&go).unwrap());
        assert_eq!(got, Some(scan_header(text.as_bytes())));
        assert_eq!(index.used(), 1);
        // Nothing new: no rewrite.
        assert!(!index.save().unwrap());

        // Same size, same modification time, other contents: the change
        // time gives it away, and the new header replaces the old.
        let mtime = std::fs::metadata(&go).unwrap().modified().unwrap();
        let edited = "package a\n\nimport \"fmt\"\n";
        write(&go, edited);
        std::fs::File::options()
            .write(true)
            .open(&go)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let now = FileStamp::of(&go).unwrap();
        assert_ne!(now, stamp);
        let index = open(tmp.path());
        assert_eq!(index.lookup(&go, &now), None);
        index.record(&go, now, &scan_header(edited.as_bytes()));
        assert!(index.save().unwrap());
        let index = open(tmp.path());
        assert_eq!(
            index.lookup(&go, &now),
            Some(scan_header(edited.as_bytes()))
        );
    }

    #[test]
    fn listings_are_used_until_an_entry_comes_or_goes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pkg");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a.go"), "package a\n").unwrap();
        std::fs::create_dir(dir.join("sub")).unwrap();
        let entry = |name: &str, is_dir: bool| DirEntry {
            name: name.into(),
            is_dir,
            is_symlink: false,
            is_file: !is_dir,
        };
        let listing = vec![entry("a.go", false), entry("sub", true)];
        let stamp = FileStamp::of_dir(&dir).unwrap();
        let index = open(tmp.path());
        index.record_listing(&dir, stamp, &listing);
        index.save().unwrap();

        let index = open(tmp.path());
        let got = index.lookup_listing(&dir, &FileStamp::of_dir(&dir).unwrap());
        let names = |l: &[DirEntry]| -> Vec<(std::ffi::OsString, bool, bool)> {
            l.iter()
                .map(|e| (e.name.clone(), e.is_dir, e.is_file))
                .collect()
        };
        assert_eq!(got.as_deref().map(names), Some(names(&listing)));
        // A header lookup of a listing's path finds nothing.
        assert_eq!(index.lookup(&dir, &stamp), None);

        std::fs::write(dir.join("b.go"), "package a\n").unwrap();
        let now = FileStamp::of_dir(&dir).unwrap();
        assert_ne!(now, stamp, "a new file changes the directory's stamp");
        assert!(open(tmp.path()).lookup_listing(&dir, &now).is_none());
    }

    #[test]
    fn listings_with_symlinks_are_not_saved() {
        let tmp = tempfile::tempdir().unwrap();
        let stamp = FileStamp::of_dir(tmp.path()).unwrap();
        let link = DirEntry {
            name: "l".into(),
            is_dir: true,
            is_symlink: true,
            is_file: false,
        };
        let index = open(tmp.path());
        index.record_listing(tmp.path(), stamp, &[link]);
        assert!(!index.save().unwrap());
    }

    #[test]
    fn the_newest_index_files_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        std::fs::create_dir(&dir).unwrap();
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        let age = |p: &Path, secs: u64| {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(long_ago + Duration::from_secs(secs))
                .unwrap();
        };
        for i in 0..MAX_INDEX_FILES as u64 + 5 {
            let p = dir.join(format!("{i:016x}"));
            std::fs::write(&p, b"LLHIDX02 an older version's").unwrap();
            age(&p, i);
        }
        let orphan = dir.join("0000000000000000.tmp123-0");
        std::fs::write(&orphan, b"LLHIDX04 half").unwrap();
        age(&orphan, 0);

        let go = tmp.path().join("a.go");
        let stamp = write(&go, "package a\n");
        let index = HeaderIndex::open(dir.join("ffffffffffffffff"), 42, Duration::ZERO);
        index.record(&go, stamp, &scan_header(b"package a\n"));
        assert!(index.save().unwrap());

        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), MAX_INDEX_FILES);
        // The six oldest went (five over the limit, plus room for the new
        // one), and the crashed run's temporary file.
        assert_eq!(left[0], format!("{:016x}", 6));
        assert_eq!(left.last().unwrap(), "ffffffffffffffff");
    }

    /// The index directory a symlink to a directory of other files (some
    /// named like ours): saves, many more than the files kept, remove
    /// only files of ours.
    #[test]
    fn only_our_files_are_ever_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let long_ago = SystemTime::now() - Duration::from_secs(3600);
        let an_index = tmp.path().join("an-index");
        std::fs::write(&an_index, b"LLHIDX04").unwrap();
        let mut foreign = Vec::new();
        for i in 0..50u64 {
            let p = shared.join(match i % 5 {
                0 | 1 => format!("{i:016x}"),
                2 => format!("{i:016x}.tmp{i}"),
                3 => format!("{i:016x}.tmp1-{i}"),
                _ => format!("notes{i}.txt"),
            });
            match i {
                // A symlink named like an index, to an index: not ours.
                0 => std::os::unix::fs::symlink(&an_index, &p).unwrap(),
                // Nearly our magic.
                1 | 2 => std::fs::write(&p, b"LLHIDXab").unwrap(),
                _ => std::fs::write(&p, format!("user file {i}")).unwrap(),
            }
            if i != 0 {
                let f = std::fs::File::options().write(true).open(&p).unwrap();
                f.set_modified(long_ago).unwrap();
            }
            foreign.push((p.clone(), std::fs::read(&p).unwrap()));
        }
        let dir = tmp.path().join("index");
        std::os::unix::fs::symlink(&shared, &dir).unwrap();
        let go = tmp.path().join("a.go");
        let stamp = write(&go, "package a\n");
        for i in 0..MAX_INDEX_FILES + 18 {
            let file = dir.join(format!("{:016x}", 0xf000 + i));
            let index = HeaderIndex::open(file, 42, Duration::ZERO);
            index.record(&go, stamp, &scan_header(b"package a\n"));
            assert!(index.save().unwrap());
        }
        for (p, text) in &foreign {
            assert_eq!(
                std::fs::read(p).ok().as_ref(),
                Some(text),
                "{}",
                p.display()
            );
        }
        let ours = std::fs::read_dir(&shared)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("000000000000f"))
            .count();
        assert_eq!(ours, MAX_INDEX_FILES);
    }

    /// A save that fails (here: a directory, then a file not ours, where
    /// the index goes) leaves no temporary file, and replaces nothing.
    #[test]
    fn a_failed_save_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("00000000000000aa");
        let go = tmp.path().join("a.go");
        let stamp = write(&go, "package a\n");
        let save = || {
            let index = HeaderIndex::open(file.clone(), 42, Duration::ZERO);
            index.record(&go, stamp, &scan_header(b"package a\n"));
            index.save()
        };
        let names = || {
            let mut v: Vec<String> = std::fs::read_dir(tmp.path())
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        std::fs::create_dir(&file).unwrap();
        assert!(save().is_err());
        assert_eq!(names(), ["00000000000000aa", "a.go"]);
        std::fs::remove_dir(&file).unwrap();
        std::fs::write(&file, b"user data").unwrap();
        assert!(save().is_err());
        assert_eq!(names(), ["00000000000000aa", "a.go"]);
        assert_eq!(std::fs::read(&file).unwrap(), b"user data");
    }

    #[test]
    fn trusted_roots_are_module_directories_and_a_released_goroot() {
        let t = Trusted {
            gomodcache: Some("/home/u/go/pkg/mod".into()),
            goroot_src: Some("/usr/local/go/src".into()),
            version: "go1.26.8".into(),
            project: Some("/home/u/go/pkg/mod/example.com/work@v1.0.0/app".into()),
        };
        for (path, trusted) in [
            ("/home/u/go/pkg/mod/example.com/a@v1.2.3", true),
            ("/home/u/go/pkg/mod/example.com/a@v1.2.3/b/c.go", true),
            (
                "/home/u/go/pkg/mod/github.com/!foo/bar/v2@v2.0.0/x.go",
                true,
            ),
            // Above the module directories, the download cache, elsewhere.
            ("/home/u/go/pkg/mod/example.com", false),
            (
                "/home/u/go/pkg/mod/cache/download/example.com/a/@v/v1.2.3.zip",
                false,
            ),
            ("/home/u/go/pkg/mod2/example.com/a@v1/x.go", false),
            ("/home/u/src/a@v1/x.go", false),
            ("/usr/local/go/src/net/net.go", true),
            ("/usr/local/go/src", true),
            ("/usr/local/go/srcx/a.go", false),
            ("/usr/local/go/misc/a.go", false),
            // The project's own tree, wherever it is.
            (
                "/home/u/go/pkg/mod/example.com/work@v1.0.0/app/main.go",
                false,
            ),
            ("/home/u/go/pkg/mod/example.com/work@v1.0.0/lib/l.go", true),
        ] {
            assert_eq!(t.covers(Path::new(path)), trusted, "{path}");
        }
        // A development GOROOT is edited: not trusted.
        let mut tc = crate::buildcfg::Toolchain::fixed_for_tests();
        tc.version = Some("devel go1.27-abcdef".into());
        tc.goroot = Some("/usr/local/go".into());
        tc.gomodcache = "/m".into();
        let t = Trusted::of(&tc, Path::new("/p"));
        assert!(!t.covers(Path::new("/usr/local/go/src/net/net.go")));
        assert!(t.covers(Path::new("/m/a.com/b@v1.0.0/x.go")));
    }

    #[test]
    fn our_names() {
        assert_eq!(our_name(b"0123456789abcdef"), Some(false));
        assert_eq!(our_name(b"0123456789abcdef.tmp12-3"), Some(true));
        assert_eq!(our_name(b"0123456789abcdef.tmp12"), Some(true));
        for name in [
            &b"0123456789ABCDEF"[..],
            b"0123456789abcde",
            b"0123456789abcdef.tmp",
            b"0123456789abcdef.tmp1-",
            b"0123456789abcdef.tmpx",
            b"0123456789abcdef.txt",
            b"index",
        ] {
            assert_eq!(our_name(name), None, "{}", String::from_utf8_lossy(name));
        }
    }

    /// A checksum-valid file whose entry has an empty body (no kind byte).
    #[test]
    fn an_entry_without_a_body_is_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("index");
        let go = tmp.path().join("x.go");
        let stamp = write(&go, "package x\n");
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&42u64.to_le_bytes());
        out.extend_from_slice(&2u32.to_le_bytes());
        out.extend_from_slice(&16u32.to_le_bytes());
        out.resize(TABLE_AT + 16 * 8, 0);
        // The table holds the entry, so that the lookup reads it.
        let key = go.as_os_str().as_bytes();
        let (h, at) = (hash_bytes(key), out.len() as u64);
        let slot = slot_of(h, 16);
        out[TABLE_AT + slot * 8..][..8]
            .copy_from_slice(&((u64::from(h as u32) << 32) | at).to_le_bytes());
        put_entry(&mut out, slot as u32, key, &stamp, 0, &[]);
        put_entry(&mut out, 0, b"", &stamp, 0, &[0]);
        let sum = crc32fast::hash(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        std::fs::write(&file, &out).unwrap();
        let index = HeaderIndex::open(file, 42, Duration::ZERO);
        assert_eq!(index.lookup(&go, &stamp), None);
        assert_eq!(index.entries().count(), 0);
    }

    /// Something else than a file at the index's path (here a FIFO, whose
    /// open would wait for a writer) is no index, and no wait.
    #[test]
    fn a_fifo_at_the_index_path_is_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("index");
        let made = std::process::Command::new("mkfifo").arg(&file).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let index = HeaderIndex::open(file, 42, Duration::ZERO);
            let _ = tx.send(index.entries().count());
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok(0));
    }

    /// The prefetch reads every entry; only those a load then asks for
    /// count as used, so the others still age out.
    #[test]
    fn prefetched_entries_no_load_asks_for_age_out() {
        use crate::load::source::Sources;
        let tmp = tempfile::tempdir().unwrap();
        let old = tmp.path().join("old.go");
        write(&old, "package a\n");
        let run = |files: &[&Path]| {
            let s = Sources::new();
            s.use_index(open(tmp.path()));
            s.prefetch_indexed();
            for f in files {
                s.header(f).unwrap();
            }
            s.save_index().unwrap();
        };
        run(&[&old]);
        let indexed = |p: &Path| open(tmp.path()).entries().any(|(_, e)| e == p);
        for i in 0..=MAX_MISSES {
            assert!(indexed(&old), "after {i} saves");
            let f = tmp.path().join(format!("f{i}.go"));
            write(&f, "package a\n");
            run(&[&f]);
        }
        assert!(!indexed(&old));
        // A file a load takes from the prefetch stays.
        let f = tmp.path().join(format!("f{MAX_MISSES}.go"));
        for _ in 0..=MAX_MISSES {
            let g = tmp.path().join("g.go");
            write(&g, "package a\n");
            run(&[&f, &g]);
        }
        assert!(indexed(&f));
    }

    #[test]
    fn recently_changed_files_are_not_saved() {
        let tmp = tempfile::tempdir().unwrap();
        let go = tmp.path().join("a.go");
        let stamp = write(&go, "package a\n");
        let index = HeaderIndex::open(tmp.path().join("index"), 42, SETTLE);
        index.record(&go, stamp, &scan_header(b"package a\n"));
        assert!(!index.save().unwrap());
        assert!(!tmp.path().join("index").exists());
    }

    #[test]
    fn foreign_or_corrupt_index_files_are_ignored() {
        let tmp = tempfile::tempdir().unwrap();
        let (go, stamp) = index_one(tmp.path(), "a.go");
        let file = tmp.path().join("index");
        let good = std::fs::read(&file).unwrap();

        // Another binary's index.
        let other = HeaderIndex::open(file.clone(), 43, Duration::ZERO);
        assert_eq!(other.lookup(&go, &stamp), None);

        // Any single flipped byte or truncation: no entry, no panic.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x5a;
            std::fs::write(&file, &bad).unwrap();
            assert_eq!(open(tmp.path()).lookup(&go, &stamp), None, "byte {i}");
            std::fs::write(&file, &good[..i]).unwrap();
            assert_eq!(open(tmp.path()).lookup(&go, &stamp), None, "cut {i}");
        }
    }

    /// Lookups go through the file's hash table: with many entries some
    /// share a first slot, and each is still found, in the order saved.
    #[test]
    fn every_entry_is_found_through_the_table() {
        let tmp = tempfile::tempdir().unwrap();
        let index = open(tmp.path());
        let paths: Vec<PathBuf> = (0..500)
            .map(|i| tmp.path().join(format!("d{}/f{i}.go", i % 7)))
            .collect();
        for (i, p) in paths.iter().enumerate() {
            let text = format!("package p{i}\n");
            index.record(p, FileStamp::TRUSTED, &scan_header(text.as_bytes()));
        }
        assert!(index.save().unwrap());
        let index = open(tmp.path());
        assert_eq!(index.entry_count(), 500);
        let firsts: FxHashSet<usize> = paths
            .iter()
            .map(|p| slot_of(hash_bytes(p.as_os_str().as_bytes()), index.slots))
            .collect();
        assert!(firsts.len() < 500, "no two entries share a first slot");
        for (i, p) in paths.iter().enumerate() {
            let h = index.lookup(p, &FileStamp::TRUSTED).expect("saved entry");
            assert_eq!(h.package.unwrap().0, format!("p{i}"));
        }
        assert_eq!(
            index.lookup(&tmp.path().join("d0/x.go"), &FileStamp::TRUSTED),
            None
        );
        let listed: Vec<&Path> = index.entries().map(|(_, p)| p).collect();
        assert_eq!(
            listed,
            paths.iter().map(PathBuf::as_path).collect::<Vec<_>>()
        );
    }

    /// Entries a run must stat come first (the prefetch stops at the
    /// first trusted one), each group in the order it was recorded.
    #[test]
    fn untrusted_entries_are_saved_first() {
        let tmp = tempfile::tempdir().unwrap();
        let modcache = tmp.path().join("mod");
        let trusted = Trusted {
            gomodcache: Some(modcache.clone()),
            project: Some(tmp.path().join("app")),
            ..Trusted::default()
        };
        // (Written before the index opens: later changes are not saved.)
        std::fs::create_dir_all(tmp.path().join("app")).unwrap();
        let files: Vec<(PathBuf, FileStamp)> = (0..6)
            .map(|i| {
                if i % 2 == 0 {
                    let p = modcache.join(format!("example.com/m@v1.0.0/f{i}.go"));
                    (p, FileStamp::TRUSTED)
                } else {
                    let p = tmp.path().join(format!("app/f{i}.go"));
                    let stamp = write(&p, "package a\n");
                    (p, stamp)
                }
            })
            .collect();
        let index = open(tmp.path()).trusting(trusted.clone());
        let header = scan_header(b"package a\n");
        let mut want = (Vec::new(), Vec::new());
        for (path, stamp) in files {
            index.record(&path, stamp, &header);
            if stamp == FileStamp::TRUSTED {
                want.1.push(path);
            } else {
                want.0.push(path);
            }
        }
        assert!(index.save().unwrap());
        let index = open(tmp.path()).trusting(trusted);
        let got: Vec<PathBuf> = index.entries().map(|(_, p)| p.to_path_buf()).collect();
        assert_eq!(got, [want.0, want.1].concat());
    }

    /// A table slot that points anywhere but at an entry (a checksum-valid
    /// file a bug could write) is a miss, not a panic.
    #[test]
    fn table_slots_pointing_anywhere_are_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let (go, stamp) = index_one(tmp.path(), "a.go");
        let file = tmp.path().join("index");
        let good = std::fs::read(&file).unwrap();
        let slot = slot_of(hash_bytes(go.as_os_str().as_bytes()), 16);
        let word = TABLE_AT + slot * 8;
        for at in [
            0u32,
            1,
            23,
            24,
            (good.len() - 5) as u32,
            good.len() as u32,
            u32::MAX,
        ] {
            let mut bad = good.clone();
            bad[word..word + 4].copy_from_slice(&at.to_le_bytes());
            let end = bad.len() - 4;
            let sum = crc32fast::hash(&bad[..end]);
            bad[end..].copy_from_slice(&sum.to_le_bytes());
            std::fs::write(&file, &bad).unwrap();
            assert_eq!(open(tmp.path()).lookup(&go, &stamp), None, "offset {at}");
        }
    }

    /// Facts recorded in this process answer lookups before and after a
    /// save, are kept once however often recorded (a language server
    /// reloads its packages), and a save with nothing new writes nothing.
    #[test]
    fn facts_recorded_here_are_kept_once_and_found() {
        let tmp = tempfile::tempdir().unwrap();
        let index = open(tmp.path());
        let facts = vec![vec!["a".to_string()], vec![]];
        assert_eq!(index.lookup_facts(b"/m@v1/x\0k"), None);
        for _ in 0..3 {
            index.record_facts(b"/m@v1/x\0k", &facts);
        }
        assert_eq!(index.lookup_facts(b"/m@v1/x\0k"), Some(facts.clone()));
        assert!(index.save().unwrap());
        assert_eq!(index.lookup_facts(b"/m@v1/x\0k"), Some(facts.clone()));
        index.record_facts(b"/m@v1/x\0k", &facts);
        assert!(!index.save().unwrap(), "nothing new");
        let again = open(tmp.path());
        assert_eq!(again.entry_count(), 1);
        assert_eq!(again.lookup_facts(b"/m@v1/x\0k"), Some(facts));
    }

    #[test]
    fn unused_entries_age_out() {
        let tmp = tempfile::tempdir().unwrap();
        let (old, old_stamp) = index_one(tmp.path(), "old.go");
        let still_saved = || open(tmp.path()).lookup(&old, &old_stamp).is_some();
        // Each later save that does not use the old entry ages it.
        for i in 0..=MAX_MISSES {
            assert!(still_saved(), "after {i} saves");
            index_one(tmp.path(), &format!("f{i}.go"));
        }
        assert!(!still_saved());
    }
}
