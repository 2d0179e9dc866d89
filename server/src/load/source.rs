//! File contents and their scanned headers: open buffers first, then the
//! disk, with a cache keyed by path and a content stamp so that an unchanged
//! file is never scanned twice.

use crate::gosrc::{FileHeader, scan_header, scan_header_prefix};
use crate::load::go_index::GoIndex;
use crate::load::header_index::{FileStamp, HeaderIndex, Kind};
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

/// Editor buffers that override files on disk (path → contents).
pub type Overlay = HashMap<PathBuf, Arc<Vec<u8>>>;

/// How much of a file is read: the header of any real Go file fits in far
/// less; a larger file is read only up to this size (go/build also stops
/// after the imports).
const HEADER_READ_LIMIT: u64 = 1 << 20;

/// What is read first: enough for the package clause and imports of
/// nearly every file. Of the 30,000 files in k9s's module cache, half are
/// under 3.2 kB and 0.5% have a header past 4 kB (a second read); 16 kB
/// (0.03%) copied twice the bytes for a cold check.
const HEADER_PREFIX: usize = 4 << 10;

#[derive(Clone, PartialEq, Eq, Debug)]
enum Stamp {
    /// Read from the disk; valid until invalidated (watchers tell us).
    Disk,
    /// An editor buffer, by content hash.
    Buffer(u64),
}

/// Cached file headers and directory listings. Entries stay valid until
/// `invalidate` is called for them: the language server calls it for every
/// edit and watched-file event, and a CLI run sees a fixed tree. This keeps
/// repeated loads (one per build variant) free of system calls.
#[derive(Default)]
pub struct Sources {
    overlay: RwLock<Overlay>,
    headers: RwLock<PathMap<(Stamp, Arc<FileHeader>)>>,
    /// Disk reads in progress (see `header_of`).
    reading: Mutex<PathMap<InFlight<FileHeader>>>,
    /// Directory listings in progress.
    listing: Mutex<PathMap<ListingInFlight>>,
    dirs: RwLock<PathMap<Arc<Vec<DirEntry>>>>,
    /// Headers and listings saved by earlier runs (see `header_index`).
    index: OnceLock<HeaderIndex>,
    /// What `prefetch_indexed` took from the index, until a load asks for
    /// it (and only then counts as used: see `HeaderIndex::peek`).
    prefetched: Mutex<Prefetched>,
    /// How the index was used (see [`IndexCounts`]).
    counts: IndexCounts,
    /// cmd/go's own index of the module cache's modules, for what our
    /// index does not hold yet (see `go_index`).
    go_index: OnceLock<GoIndex>,
    /// Headers read from files whose loader header is inexact (see
    /// `exact_header`): the few a prediction shows.
    exact: Mutex<PathMap<Arc<FileHeader>>>,
}

/// How many files and directories this run stat'ed to check an index entry,
/// and how many it took from the index without a stat (trusted roots, see
/// `header_index::Trusted`). Logged at debug level when the index is saved,
/// for the tests and for whoever wonders where the time goes.
#[derive(Default, Debug)]
pub struct IndexCounts {
    pub stamped: AtomicUsize,
    pub trusted: AtomicUsize,
    /// Files and directories read from the disk (not in the index).
    pub read: AtomicUsize,
    /// Headers and listings taken from cmd/go's module index.
    pub go_index: AtomicUsize,
}

#[derive(Default)]
struct Prefetched {
    headers: PathMap<(u32, Arc<FileHeader>)>,
    dirs: PathMap<(u32, Arc<Vec<DirEntry>>)>,
}

/// A map keyed by paths, hashed as bytes: `Path`'s own hash walks its
/// components, which showed in every package load. Look up with
/// `path.as_os_str()`.
pub type PathMap<V> = FxHashMap<OsString, V>;

/// A read that other threads wait for instead of repeating.
type InFlight<T> = Arc<OnceLock<Result<Arc<T>, String>>>;

/// A listing that other threads wait for instead of repeating.
type ListingInFlight = Arc<OnceLock<Result<Arc<Vec<DirEntry>>, ListError>>>;

/// Why a directory could not be listed: go's words, and whether it is
/// not there (or not a directory), which `fsys.IsGoDir` takes as "no".
#[derive(Debug, Clone)]
struct ListError {
    missing: bool,
    message: String,
}

/// A directory entry relevant to package loading.
#[derive(Debug, Clone)]
pub struct DirEntry {
    /// As the directory holds it: names need not be UTF-8 (go takes them).
    pub name: OsString,
    /// A directory, or a symlink to one (go/build follows them).
    pub is_dir: bool,
    /// A symlink (`./...` does not descend into symlinked directories).
    pub is_symlink: bool,
    /// A regular file (not a symlink, FIFO or device).
    pub is_file: bool,
}

impl DirEntry {
    /// The name for go/build's name rules, which look only at ASCII
    /// (`.go`, `_test`, a leading `_` or `.`): an invalid byte shown as
    /// U+FFFD changes no answer. Open files by `name`, never by this.
    pub fn rule_name(&self) -> std::borrow::Cow<'_, str> {
        self.name.to_string_lossy()
    }
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn set_overlay(&self, path: PathBuf, contents: Arc<Vec<u8>>) {
        if let Some(parent) = path.parent()
            && let Ok(mut d) = self.dirs.write()
        {
            d.remove(parent.as_os_str());
        }
        if let Ok(mut o) = self.overlay.write() {
            o.insert(path, contents);
        }
    }

    pub fn remove_overlay(&self, path: &Path) {
        if let Some(parent) = path.parent()
            && let Ok(mut d) = self.dirs.write()
        {
            d.remove(parent.as_os_str());
        }
        if let Ok(mut h) = self.headers.write() {
            h.remove(path.as_os_str());
        }
        if let Ok(mut o) = self.overlay.write() {
            o.remove(path);
        }
    }

    /// Takes the headers of unchanged files and the listings of unchanged
    /// directories from `index` from now on.
    pub fn use_index(&self, index: HeaderIndex) {
        let _ = self.index.set(index);
    }

    /// Takes what cmd/go's module index knows of a trusted module-cache
    /// file or directory that our index does not hold (see `go_index`).
    /// Only with an index that trusts the module cache: `LINKLENS_INDEX=off`
    /// reads every file.
    pub fn use_go_index(&self, go_index: GoIndex) {
        let _ = self.go_index.set(go_index);
    }

    /// cmd/go's index, for `path` if our index trusts it and no editor
    /// buffer overrides it.
    fn go_index_for(&self, path: &Path) -> Option<&GoIndex> {
        let go = self.go_index.get()?;
        self.index.get().filter(|i| i.trusts(path))?;
        Some(go)
    }

    /// Takes from the index, ahead of need, every listing and header it
    /// holds for an unchanged directory or file: what the previous run
    /// read, which this one most likely reads too. Reads no file: what the
    /// index does not hold is left for the load. (For the CLI, which has no
    /// editor buffers: these are disk listings, without the overlay.)
    pub fn prefetch_indexed(&self) {
        let Some(index) = self.index.get() else {
            return;
        };
        let started = std::time::Instant::now();
        let _logged = Defer(move || {
            tracing::debug!(elapsed = ?started.elapsed(), "prefetched the index's entries");
        });
        // Handed over in batches: one lock for many entries, while the
        // loader's threads take them.
        const BATCH: usize = 128;
        let (mut headers, mut dirs) = (Vec::new(), Vec::new());
        let publish = |headers: &mut Vec<_>, dirs: &mut Vec<_>| {
            if let Ok(mut p) = self.prefetched.lock() {
                p.headers.extend(headers.drain(..));
                p.dirs.extend(dirs.drain(..));
            }
        };
        for (kind, path) in index.entries() {
            // A trusted entry costs no stat: the loader's threads decode
            // it when they get to it, on every core, and only if needed.
            // What is left here is what waits on a stat, and the index
            // holds it first.
            if index.trusts(path) {
                break;
            }
            let key = path.as_os_str();
            match kind {
                Kind::Listing => {
                    if self.dirs.read().is_ok_and(|d| d.contains_key(key)) {
                        continue;
                    }
                    let Some((i, l)) = self
                        .stamp(index, path, true)
                        .and_then(|s| index.peek_listing(path, &s))
                    else {
                        continue;
                    };
                    dirs.push((key.to_owned(), (i, Arc::new(l))));
                }
                // Taken when a prediction asks (`Sources::facts`).
                Kind::Facts => {}
                Kind::Header => {
                    if self.headers.read().is_ok_and(|h| h.contains_key(key)) {
                        continue;
                    }
                    let Some((i, h)) = self
                        .stamp(index, path, false)
                        .and_then(|s| index.peek_header(path, &s))
                    else {
                        continue;
                    };
                    headers.push((key.to_owned(), (i, Arc::new(h))));
                    if headers.len() == BATCH {
                        publish(&mut headers, &mut dirs);
                    }
                }
            }
        }
        publish(&mut headers, &mut dirs);
    }

    /// The stamp an index entry for `path` must have: none to take for a
    /// trusted path, else its stat's (`None` when it is gone or of
    /// another kind).
    fn stamp(&self, index: &HeaderIndex, path: &Path, dir: bool) -> Option<FileStamp> {
        if index.trusts(path) {
            self.counts.trusted.fetch_add(1, Ordering::Relaxed);
            return Some(FileStamp::TRUSTED);
        }
        if !index.stamps_others() {
            return None;
        }
        self.counts.stamped.fetch_add(1, Ordering::Relaxed);
        if dir {
            FileStamp::of_dir(path)
        } else {
            FileStamp::of(path)
        }
    }

    /// How the index was used so far.
    pub fn index_counts(&self) -> &IndexCounts {
        &self.counts
    }

    /// A prefetched header, now used.
    fn take_prefetched_header(&self, path: &Path) -> Option<Arc<FileHeader>> {
        let index = self.index.get()?;
        let (i, h) = self
            .prefetched
            .lock()
            .ok()?
            .headers
            .remove(path.as_os_str())?;
        index.mark_used(i);
        if let Ok(mut m) = self.headers.write() {
            m.insert(path.as_os_str().to_owned(), (Stamp::Disk, h.clone()));
        }
        Some(h)
    }

    /// A prefetched listing, now used.
    fn take_prefetched_dir(&self, dir: &Path) -> Option<Arc<Vec<DirEntry>>> {
        let index = self.index.get()?;
        let (i, l) = self.prefetched.lock().ok()?.dirs.remove(dir.as_os_str())?;
        index.mark_used(i);
        if let Ok(mut d) = self.dirs.write() {
            d.insert(dir.as_os_str().to_owned(), l.clone());
        }
        Some(l)
    }

    /// Whether `path` is under a root the index trusts without a stat
    /// (module cache, released GOROOT; see `header_index::Trusted`): facts
    /// derived from such files alone can be kept in the index.
    pub fn trusts(&self, path: &Path) -> bool {
        self.index.get().is_some_and(|i| i.trusts(path))
    }

    /// Facts a prediction derived from trusted files in an earlier run
    /// (see `HeaderIndex::lookup_facts`), under `key`.
    pub fn facts(&self, key: &[u8]) -> Option<Vec<Vec<String>>> {
        self.index.get()?.lookup_facts(key)
    }

    /// Keeps `facts` under `key` for later runs; the key must start with a
    /// path, trusted or with its stamp after the NUL, and name everything
    /// else the facts depend on.
    pub fn record_facts(&self, key: &[u8], facts: &[Vec<String>]) {
        if let Some(i) = self.index.get() {
            i.record_facts(key, facts);
        }
    }

    /// Saves the header index, if one is in use and this run added to it.
    pub fn save_index(&self) -> std::io::Result<bool> {
        let Some(index) = self.index.get() else {
            return Ok(false);
        };
        let c = &self.counts;
        tracing::debug!(
            stamped = c.stamped.load(Ordering::Relaxed),
            trusted = c.trusted.load(Ordering::Relaxed),
            read = c.read.load(Ordering::Relaxed),
            go_index = c.go_index.load(Ordering::Relaxed),
            "header index: entries checked by stat, trusted, read from disk, from cmd/go's index"
        );
        index.save()
    }

    pub fn overlay_contents(&self, path: &Path) -> Option<Arc<Vec<u8>>> {
        let o = self.overlay.read().ok()?;
        // (No hash of the path when there is nothing to find: the CLI.)
        if o.is_empty() {
            return None;
        }
        o.get(path).cloned()
    }

    /// Forgets one file's header and its directory's listing.
    pub fn invalidate_file(&self, path: &Path) {
        if let Ok(mut h) = self.headers.write() {
            h.remove(path.as_os_str());
        }
        if let Ok(mut e) = self.exact.lock() {
            e.remove(path.as_os_str());
        }
        if let (Some(parent), Ok(mut d)) = (path.parent(), self.dirs.write()) {
            d.remove(parent.as_os_str());
        }
    }

    /// Forgets cached headers under `path` (a file or a directory).
    pub fn invalidate(&self, path: &Path) {
        if let Ok(mut h) = self.headers.write() {
            h.retain(|p, _| !Path::new(p).starts_with(path));
        }
        if let Ok(mut e) = self.exact.lock() {
            e.retain(|p, _| !Path::new(p).starts_with(path));
        }
        if let Ok(mut d) = self.dirs.write() {
            // A file's directory listing changes when it is created or deleted.
            d.retain(|p, _| {
                let p = Path::new(p);
                !p.starts_with(path) && Some(p) != path.parent()
            });
        }
    }

    /// The header of a Go file, from the overlay or the disk, as the
    /// loader sees it: possibly inexact (see `FileHeader::inexact`), which
    /// changes no answer about what builds.
    pub fn header(&self, path: &Path) -> Result<Arc<FileHeader>, String> {
        self.header_of(path, false)
    }

    /// The header of a Go file with its real spans, import names and
    /// `//linklens:` directives: the loader's unless that one came from
    /// cmd/go's index, then read from the file (once). For what is shown:
    /// the few files of a prediction's chains, and the language server's.
    pub fn exact_header(&self, path: &Path) -> Result<Arc<FileHeader>, String> {
        let h = self.header_of(path, false)?;
        if !h.inexact {
            return Ok(h);
        }
        if let Some(h) = self
            .exact
            .lock()
            .ok()
            .and_then(|e| e.get(path.as_os_str()).cloned())
        {
            return Ok(h);
        }
        let h = Arc::new(read_header(path, false)?);
        if let Ok(mut e) = self.exact.lock() {
            e.insert(path.as_os_str().to_owned(), h.clone());
        }
        Ok(h)
    }

    /// `span` of `file` as shown: the real one where the loader's header
    /// of `file` is inexact and the span one of its placeholders.
    pub fn exact_span(&self, file: &Path, span: crate::gosrc::Span) -> crate::gosrc::Span {
        // (Only a trusted file's header can be inexact: no read of a
        // go.mod or a project file to find out. Whether cmd/go's index is
        // in use this run does not matter: ours keeps inexact headers.)
        if !self.trusts(file) {
            return span;
        }
        let Ok(h) = self.header_of(file, false) else {
            return span;
        };
        if !h.inexact {
            return span;
        }
        // A file gone since (the module cache cleaned during the run):
        // its start, never a placeholder.
        self.exact_header(file)
            .ok()
            .and_then(|x| crate::load::go_index::exact_span(span, &h, &x))
            .unwrap_or_default()
    }

    /// The file's header if it has errors (as `header_of`; `None` when it
    /// has none): for a `_test.go` or other platform's file, whose errors
    /// are all a package load asks of it. A trusted file's saved header is
    /// then read no further than its errors, and not kept (a quarter of a
    /// module graph's files are tests: k9s has 5,600 of 20,000).
    pub fn header_errors_of(
        &self,
        path: &Path,
        regular: bool,
    ) -> Result<Option<Arc<FileHeader>>, String> {
        if let Some(index) = self.index.get()
            && index.trusts(path)
            && self.overlay_contents(path).is_none()
            && let Some(errors) = index.lookup_errors(path, &FileStamp::TRUSTED)
        {
            self.counts.trusted.fetch_add(1, Ordering::Relaxed);
            return Ok((!errors.is_empty()).then(|| {
                Arc::new(FileHeader {
                    errors,
                    ..FileHeader::default()
                })
            }));
        }
        // cmd/go's index, not kept in ours: a later run replays the package
        // without asking (see `Package::record`), and a load under other
        // tags asks cmd/go's index again.
        if let Some(go) = self.go_index_for(path)
            && self.overlay_contents(path).is_none()
            && go.is_clean(path)
        {
            self.counts.go_index.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
        self.header_of(path, regular)
            .map(|h| (!h.errors.is_empty()).then_some(h))
    }

    /// `header`, knowing from the directory listing whether `path` is a
    /// regular file (then a short read is its end: no read to confirm it).
    pub fn header_of(&self, path: &Path, regular: bool) -> Result<Arc<FileHeader>, String> {
        if let Some(buf) = self.overlay_contents(path) {
            let stamp = Stamp::Buffer(hash(&buf));
            return self.cached_or_scan(path, stamp, || Ok(buf.to_vec()));
        }
        if let Ok(h) = self.headers.read()
            && let Some((Stamp::Disk, header)) = h.get(path.as_os_str())
        {
            return Ok(header.clone());
        }
        if let Some(h) = self.take_prefetched_header(path) {
            return Ok(h);
        }
        // A trusted entry needs no stat and no read: no reason to make
        // other threads wait for it. Nor to keep it here: decoding it again
        // (a load under other tags) costs less than keeping every header of
        // a module graph in this map (k9s: 15,000).
        if let Some(index) = self.index.get()
            && index.trusts(path)
            && let Some(h) = index.lookup(path, &FileStamp::TRUSTED)
        {
            self.counts.trusted.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::new(h));
        }
        // What cmd/go indexed for its own builds, kept in ours from now on.
        if let Some(go) = self.go_index_for(path)
            && let Some(h) = go.header(path)
        {
            self.counts.go_index.fetch_add(1, Ordering::Relaxed);
            if let Some(index) = self.index.get() {
                index.record(path, FileStamp::TRUSTED, &h);
            }
            return Ok(Arc::new(h));
        }
        // Walks on several threads meet the same standard packages at the
        // same time: one reads, the others wait for its result.
        let cell = match self.reading.lock() {
            Ok(mut r) => r.entry(path.as_os_str().to_owned()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        // One open and (nearly always) one read of the first bytes; the
        // rest only when the header does not end inside them.
        let header = cell
            .get_or_init(|| self.disk_header(path, regular).map(Arc::new))
            .clone();
        if let Ok(h) = &header
            && let Ok(mut m) = self.headers.write()
        {
            m.insert(path.as_os_str().to_owned(), (Stamp::Disk, h.clone()));
        }
        if let Ok(mut r) = self.reading.lock() {
            r.remove(path.as_os_str());
        }
        header
    }

    /// A file's header from the index while the file is unchanged since
    /// it was indexed; otherwise read (and then indexed).
    fn disk_header(&self, path: &Path, regular: bool) -> Result<FileHeader, String> {
        // (No stat for a path the index does not stamp: no index, or the
        // language server's, which keeps the trusted roots alone.)
        let indexed = self
            .index
            .get()
            .and_then(|i| Some((i, self.stamp(i, path, false)?)));
        let Some((index, stamp)) = indexed else {
            return read_header(path, regular);
        };
        if let Some(h) = index.lookup(path, &stamp) {
            return Ok(h);
        }
        self.counts.read.fetch_add(1, Ordering::Relaxed);
        // Stamped before the read: a change during it makes the saved
        // stamp stale, never the saved header.
        let h = read_header(path, regular)?;
        index.record(path, stamp, &h);
        Ok(h)
    }

    fn cached_or_scan(
        &self,
        path: &Path,
        stamp: Stamp,
        read: impl FnOnce() -> Result<Vec<u8>, String>,
    ) -> Result<Arc<FileHeader>, String> {
        if let Ok(h) = self.headers.read()
            && let Some((s, header)) = h.get(path.as_os_str())
            && *s == stamp
        {
            return Ok(header.clone());
        }
        let bytes = read()?;
        let header = Arc::new(scan_header(&bytes));
        if let Ok(mut h) = self.headers.write() {
            h.insert(path.as_os_str().to_owned(), (stamp, header.clone()));
        }
        Ok(header)
    }

    /// Lists a directory, adding unsaved buffers that live in it.
    pub fn read_dir(&self, dir: &Path) -> Result<Arc<Vec<DirEntry>>, String> {
        self.listing_of(dir).map_err(|e| e.message)
    }

    /// The files of a package directory a load looks at: `read_dir`'s, or
    /// for a module-cache directory this run has not listed, the source
    /// files cmd/go's index holds (it leaves out `_*`, `.*` and files
    /// of no kind go/build reads, which a load skips too; subdirectories
    /// are not in it, so this is not a listing for anything else).
    pub fn package_entries(&self, dir: &Path) -> Result<Arc<Vec<DirEntry>>, String> {
        if let Ok(d) = self.dirs.read()
            && let Some(entries) = d.get(dir.as_os_str())
        {
            return Ok(entries.clone());
        }
        if let Some(go) = self.go_index_for(dir)
            && !self.has_overlay_in(dir)
            && let Some(entries) = go.listing(dir)
        {
            self.counts.go_index.fetch_add(1, Ordering::Relaxed);
            return Ok(Arc::new(entries));
        }
        self.read_dir(dir)
    }

    fn listing_of(&self, dir: &Path) -> Result<Arc<Vec<DirEntry>>, ListError> {
        if let Ok(d) = self.dirs.read()
            && let Some(entries) = d.get(dir.as_os_str())
        {
            return Ok(entries.clone());
        }
        if let Some(l) = self.take_prefetched_dir(dir) {
            return Ok(l);
        }
        // As for headers: one thread lists, the others wait for it.
        let cell = match self.listing.lock() {
            Ok(mut r) => r.entry(dir.as_os_str().to_owned()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let entries = cell
            .get_or_init(|| self.list_dir(dir).map(Arc::new))
            .clone();
        if let Ok(e) = &entries
            && let Ok(mut d) = self.dirs.write()
        {
            d.insert(dir.as_os_str().to_owned(), e.clone());
        }
        if let Ok(mut r) = self.listing.lock() {
            r.remove(dir.as_os_str());
        }
        entries
    }

    fn list_dir(&self, dir: &Path) -> Result<Vec<DirEntry>, ListError> {
        let mut out: Vec<DirEntry> = match self.disk_listing(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && self.has_overlay_in(dir) => {
                Vec::new()
            }
            Err(e) => {
                return Err(ListError {
                    missing: matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ),
                    message: format!("{}: {e}", dir.display()),
                });
            }
        };
        if let Ok(o) = self.overlay.read() {
            for p in o.keys() {
                if p.parent() == Some(dir)
                    && let Some(name) = p.file_name()
                {
                    let name = name.to_owned();
                    if !out.iter().any(|e| e.name == name) {
                        out.push(DirEntry {
                            name,
                            is_dir: false,
                            is_symlink: false,
                            is_file: false,
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// A directory's entries on disk, sorted by name: from the index while
    /// the directory is unchanged since it was indexed, else listed (and
    /// then indexed).
    fn disk_listing(&self, dir: &Path) -> std::io::Result<Vec<DirEntry>> {
        let indexed = self
            .index
            .get()
            .and_then(|i| Some((i, self.stamp(i, dir, true)?)));
        if let Some((index, stamp)) = &indexed
            && let Some(entries) = index.lookup_listing(dir, stamp)
        {
            return Ok(entries);
        }
        self.counts.read.fetch_add(1, Ordering::Relaxed);
        let mut entries = list_disk_dir(dir)?;
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some((index, stamp)) = indexed {
            index.record_listing(dir, stamp, &entries);
        }
        Ok(entries)
    }

    /// Whether an editor buffer lives in `dir`.
    pub fn has_overlay_in(&self, dir: &Path) -> bool {
        self.overlay
            .read()
            .is_ok_and(|o| o.keys().any(|p| p.parent() == Some(dir)))
    }

    /// The resolver's `is_go_dir` from this cache's listings (which the
    /// loader reads next anyway, and which the index serves): a `.go`
    /// regular file, or symlink to one, as `fsys.IsGoDir`. Editor buffers
    /// do not count (the resolver looks at the disk); an error is left to
    /// the resolver's own listing, which words it.
    pub fn go_dir_probe(self: &Arc<Self>) -> crate::modules::resolve::GoDirProbe {
        let sources = Arc::downgrade(self);
        crate::modules::resolve::GoDirProbe(Box::new(move |dir| {
            let sources = sources.upgrade()?;
            let trusted = sources
                .index
                .get()
                .filter(|i| i.trusts(dir) && !sources.has_overlay_in(dir));
            // A directory a module does not have never comes (a module's
            // directory does not change): remembered, so that a later run
            // does not look for it again (caddy's resolution asks for some
            // 150).
            let gone_key = || {
                let mut k = dir.as_os_str().as_encoded_bytes().to_vec();
                k.extend_from_slice(b"\0missing directory");
                k
            };
            if let Some(index) = trusted {
                if let Some(answer) = index.trusted_listing_has_go_file(dir) {
                    sources.counts.trusted.fetch_add(1, Ordering::Relaxed);
                    return Some(answer);
                }
                // A package cmd/go indexed with a `.go` file is one; kept
                // in ours, so that a later run opens no module's index.
                // (Asked first: nearly every directory probed is one.)
                let go_key = || {
                    let mut k = dir.as_os_str().as_encoded_bytes().to_vec();
                    k.extend_from_slice(b"\0go directory");
                    k
                };
                let key = go_key();
                if index.lookup_facts(&key).is_some() {
                    sources.counts.trusted.fetch_add(1, Ordering::Relaxed);
                    return Some(true);
                }
                if index.lookup_facts(&gone_key()).is_some() {
                    sources.counts.trusted.fetch_add(1, Ordering::Relaxed);
                    return Some(false);
                }
                if let Some(go) = sources.go_index.get()
                    && go.has_go_file(dir) == Some(true)
                {
                    sources.counts.go_index.fetch_add(1, Ordering::Relaxed);
                    index.record_facts(&key, &[]);
                    return Some(true);
                }
            }
            // A missing directory is no Go directory: answered here, not
            // listed again by the resolver.
            let entries = match sources.listing_of(dir) {
                Ok(entries) => entries,
                Err(e) if e.missing => {
                    // Only once its module is there: a module not yet
                    // downloaded has none of its directories.
                    if let Some(index) = trusted
                        && index.trusted_root(dir).is_some_and(|r| r.is_dir())
                    {
                        index.record_facts(&gone_key(), &[]);
                    }
                    return Some(false);
                }
                Err(_) => return None,
            };
            Some(entries.iter().any(|e| {
                e.name.as_encoded_bytes().ends_with(b".go")
                    && !e.is_dir
                    && (e.is_file
                        || (e.is_symlink
                            && std::fs::metadata(dir.join(&e.name)).is_ok_and(|m| m.is_file())))
            }))
        }))
    }

    /// Reads a whole non-Go file (C sources for symbol use), size-capped.
    pub fn read_small(&self, path: &Path, limit: u64) -> Option<Vec<u8>> {
        if let Some(b) = self.overlay_contents(path) {
            return Some(b.to_vec());
        }
        crate::regular::read(path, limit).ok()
    }
}

/// The entries of the directory `dir` as listed, in the listing's order.
fn list_disk_dir(dir: &Path) -> std::io::Result<Vec<DirEntry>> {
    Ok(std::fs::read_dir(dir)?
        .flatten()
        .map(|e| {
            // d_type from the directory read; only symlinks need a stat
            // (go/build follows them).
            let ft = e.file_type().ok();
            let is_symlink = ft.is_some_and(|t| t.is_symlink());
            DirEntry {
                is_file: ft.is_some_and(|t| t.is_file()),
                name: e.file_name(),
                is_dir: match ft {
                    Some(t) if !t.is_symlink() => t.is_dir(),
                    _ => e.path().is_dir(),
                },
                is_symlink,
            }
        })
        .collect())
}

/// The header of the Go file at `path`, reading no more of it than needed.
fn read_header(path: &Path, regular: bool) -> Result<FileHeader, String> {
    // Without the path: the package's error names the file.
    let err = |e: std::io::Error| crate::regular::go_error_text(&e);
    let (mut f, _) = crate::regular::open(path).map_err(err)?;
    // One buffer per thread: the header keeps nothing of it.
    thread_local! {
        static PREFIX: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut buf = PREFIX.with(|b| std::mem::take(&mut *b.borrow_mut()));
    buf.resize(HEADER_PREFIX, 0);
    let header = read_header_into(&mut f, regular, &mut buf);
    if buf.capacity() <= 2 * HEADER_PREFIX {
        PREFIX.with(|b| *b.borrow_mut() = buf);
    }
    header
}

/// `read_header` of the open file `f`, read into `buf` (`HEADER_PREFIX`
/// bytes long).
fn read_header_into(
    f: &mut std::fs::File,
    regular: bool,
    buf: &mut Vec<u8>,
) -> Result<FileHeader, String> {
    use std::io::Read;
    let err = |e: std::io::Error| crate::regular::go_error_text(&e);
    let mut filled = 0;
    let mut at_eof = false;
    while filled < buf.len() {
        match f.read(&mut buf[filled..]) {
            Ok(0) => {
                at_eof = true;
                break;
            }
            Ok(n) => {
                filled += n;
                if filled < buf.len() {
                    // A header complete in what was read needs no more.
                    if let Some(h) = scan_header_prefix(&buf[..filled]) {
                        return Ok(h);
                    }
                    // A short read of a regular file is its end (Linux reads
                    // regular files in full up to the end).
                    if regular {
                        at_eof = true;
                        break;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(err(e)),
        }
    }
    buf.truncate(filled);
    if at_eof {
        return Ok(scan_header(buf));
    }
    if let Some(h) = scan_header_prefix(buf) {
        return Ok(h);
    }
    // The header goes on (or the import reader failed, and go/build then
    // parses the whole file): read the rest, up to the limit.
    f.take(HEADER_READ_LIMIT - filled as u64)
        .read_to_end(buf)
        .map_err(err)?;
    Ok(scan_header(buf))
}

fn hash(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// Runs its closure when dropped (at every return).
struct Defer<F: FnMut()>(F);

impl<F: FnMut()> Drop for Defer<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The resolver's Go-directory probe answers from the listing: yes for
    /// a `.go` file, no for none and for a directory that is not there or
    /// is a file (as `fsys.IsGoDir`, without the resolver listing it again).
    #[test]
    fn go_dir_probe_answers_missing_directories_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let go = tmp.path().join("go");
        let empty = tmp.path().join("empty");
        std::fs::create_dir_all(&go).unwrap();
        std::fs::create_dir_all(&empty).unwrap();
        std::fs::write(go.join("a.go"), "package a\n").unwrap();
        std::fs::write(empty.join("a.txt"), "").unwrap();
        let sources = Arc::new(Sources::new());
        let probe = sources.go_dir_probe();
        assert_eq!((probe.0)(&go), Some(true));
        assert_eq!((probe.0)(&empty), Some(false));
        assert_eq!((probe.0)(&tmp.path().join("missing")), Some(false));
        assert_eq!((probe.0)(&go.join("a.go")), Some(false));
        assert_eq!((probe.0)(&go.join("a.go").join("below")), Some(false));
    }

    /// A directory that a module in the module cache does not have is
    /// remembered as missing (a module's directory never changes), but
    /// only once the module itself is there: before it is downloaded, none
    /// of its directories exist.
    #[test]
    fn missing_module_directories_are_remembered_once_the_module_is_there() {
        use crate::load::header_index::{HeaderIndex, Trusted};
        let tmp = tempfile::tempdir().unwrap();
        let (app, modcache) = (tmp.path().join("app"), tmp.path().join("mod"));
        let here = modcache.join("example.com/m@v1.0.0");
        let later = modcache.join("example.com/n@v1.0.0");
        std::fs::create_dir_all(&here).unwrap();
        let mut tc = crate::buildcfg::Toolchain::fixed_for_tests();
        tc.gomodcache = modcache.clone();
        let trusted = Trusted::of(&tc, &app);
        let run = |dirs: &[&Path]| -> Vec<Option<bool>> {
            let sources = Arc::new(Sources::new());
            let index = HeaderIndex::open(tmp.path().join("index"), 1, std::time::Duration::ZERO)
                .trusting(trusted.clone());
            sources.use_index(index);
            let probe = sources.go_dir_probe();
            let answers = dirs.iter().map(|d| (probe.0)(d)).collect();
            sources.save_index().unwrap();
            answers
        };
        let (gone, unborn) = (here.join("sub"), later.join("sub"));
        assert_eq!(run(&[&gone, &unborn]), [Some(false), Some(false)]);
        // Both appear (the second module is downloaded): the first is still
        // remembered as missing, the second is seen.
        for d in [&gone, &unborn] {
            std::fs::create_dir_all(d).unwrap();
            std::fs::write(d.join("a.go"), "package sub\n").unwrap();
        }
        assert_eq!(run(&[&gone, &unborn]), [Some(false), Some(true)]);
    }

    /// A module-cache file cmd/go indexed is not read for a load; its
    /// spans come from the file when shown, in that run and in a later one
    /// that takes the header from our index without cmd/go's at hand.
    #[test]
    fn inexact_headers_are_shown_with_the_files_spans() {
        use crate::gosrc::Span;
        use crate::load::go_index::{GoIndex, fixture};
        use crate::load::header_index::{HeaderIndex, Trusted};
        let tmp = tempfile::tempdir().unwrap();
        let (app, modcache, gocache) = (
            tmp.path().join("app"),
            tmp.path().join("mod"),
            tmp.path().join("go-build"),
        );
        let root = modcache.join("example.com/m@v1.0.0");
        std::fs::create_dir_all(&root).unwrap();
        let text = "package m\n\nimport (\n\tx \"fmt\"\n\t\"os\"\n)\n";
        std::fs::write(root.join("a.go"), text).unwrap();
        std::fs::write(root.join("a_test.go"), "package m\n").unwrap();
        let files: &[fixture::File] = &[
            ("a.go", "m", "", &[], &["fmt", "os"], ""),
            ("a_test.go", "m", "", &[], &[], ""),
        ];
        fixture::cache_with(&gocache, &root, &fixture::encode(&[("", files)]));
        let mut tc = crate::buildcfg::Toolchain::fixed_for_tests();
        tc.gomodcache = modcache.clone();
        let trusted = Trusted::of(&tc, &app);
        let a = root.join("a.go");
        let at = |s: &str| {
            let i = text.find(s).unwrap();
            Span::new(i, i + s.len())
        };
        for with_go_index in [true, false] {
            let sources = Sources::new();
            sources.use_index(
                HeaderIndex::open(tmp.path().join("index"), 1, std::time::Duration::ZERO)
                    .trusting(trusted.clone()),
            );
            if with_go_index {
                sources.use_go_index(GoIndex::new(&gocache, &modcache, "go1.26.8"));
                assert_eq!(
                    sources.header_errors_of(&root.join("a_test.go"), true),
                    Ok(None)
                );
            }
            let h = sources.header_of(&a, true).unwrap();
            assert!(h.inexact, "the header comes from an index, not the file");
            assert_eq!(sources.exact_span(&a, Span::new(1, 1)), at("x \"fmt\""));
            assert_eq!(sources.exact_span(&a, Span::new(2, 2)), at("\"os\""));
            assert_eq!(sources.exact_span(&a, Span::default()), at("package m"));
            assert_eq!(
                sources.exact_header(&a).unwrap().imports[0].name.as_deref(),
                Some("x")
            );
            sources.save_index().unwrap();
        }
        // Gone since: the start of the file, never a placeholder.
        std::fs::remove_file(&a).unwrap();
        let sources = Sources::new();
        sources.use_index(
            HeaderIndex::open(tmp.path().join("index"), 1, std::time::Duration::ZERO)
                .trusting(trusted),
        );
        assert_eq!(sources.exact_span(&a, Span::new(2, 2)), Span::default());
    }
}
