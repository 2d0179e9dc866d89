//! cmd/go's module index, read as data: what `go build` and `go list`
//! already recorded in GOCACHE about every file of a module in the module
//! cache, so that a run without our own index (cold) reads no file of those
//! modules.
//!
//! cmd/go (`cmd/go/internal/modindex`, Go 1.19 on) indexes each module of
//! the module cache the first time it loads a package from it, and keeps the
//! result in GOCACHE as an ordinary cache entry:
//!
//! - the key (an action ID) is SHA-256 of the cache's salt (`runtime.Version`
//!   without a ` X:`/`-X:` experiment suffix), then
//!   `module index <runtime.Version> go index v2 <module root>\n`;
//! - `GOCACHE/<id[:2]>/<id>-a` is the 175-byte action entry
//!   `v1 <id> <output id> <size, %20d> <time, %20d>\n`;
//! - `GOCACHE/<out[:2]>/<out>-d` is the index, which cmd/go maps and checks
//!   only by its size and its own header;
//! - format (`modindex/index_format.txt`, little-endian u32s, strings as
//!   u32 offsets into a table of uvarint-length strings ending in 0xFF):
//!   `go index v2\n`, the table's offset, the package count, then per
//!   package (sorted by directory) the directory and its record's offset. A
//!   package record: error, directory, file count, file record offsets. A
//!   file record: error, parse error, synopsis, name, package name,
//!   ignoreFile, binaryOnly, `#cgo` lines, `//go:build` line, `// +build`
//!   lines, imports (path and position), embeds, directives.
//!
//! A module directory at a version never changes, so cmd/go trusts an
//! entry without looking at the files; so do we, for the same modules only
//! (GOROOT/src is indexed per package with a hash of its files' mtimes,
//! which would need the stats we avoid; it is read as before). The module
//! root is found from the path the way `header_index::Trusted` finds it.
//!
//! The index has no spans (only each import's position, and not the
//! package clause's), no import names, and not the text of the `import "C"`
//! preamble. So only a file the index saw no problem in and that does not
//! `import "C"` is taken from it (everything else is read as before), and
//! its header is marked inexact: its import spans are placeholders
//! (`FileHeader::inexact`), and whoever shows one reads the file then
//! (`Sources::exact_header`). Written here, not by a crate: no crate reads
//! cmd/go's private format. Anything malformed is only a miss.

use crate::gosrc::constraint::{parse_go_build, parse_plus_build};
use crate::gosrc::{FileHeader, ImportSpec, Span};
use crate::load::source::DirEntry;
use crate::portable::OsStrExt;
use rustc_hash::FxHashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

const MAGIC: &[u8] = b"go index v2\n";
/// `v1 ` + 64 + ` ` + 64 + ` ` + 20 + ` ` + 20 + `\n`.
const ACTION_ENTRY_SIZE: usize = 175;

/// The module indexes of one GOCACHE, for one Go version's cmd/go.
pub struct GoIndex {
    gocache: PathBuf,
    gomodcache: PathBuf,
    /// `runtime.Version()` of the `go` that wrote them (`go env GOVERSION`).
    version: String,
    modules: Mutex<FxHashMap<PathBuf, ModuleCell>>,
    /// Map the files (a short run) or read them (see `read_whole`).
    map: bool,
}

/// A module's index, opened once by whichever thread asks first.
type ModuleCell = Arc<OnceLock<Option<Arc<Module>>>>;

impl std::fmt::Debug for GoIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoIndex")
            .field("gocache", &self.gocache)
            .finish_non_exhaustive()
    }
}

impl GoIndex {
    /// The indexes `go` keeps, from what `go env` said: `None` when it keeps
    /// none we can read (GOCACHE off or not an absolute path, a GOCACHEPROG
    /// cache program, `GODEBUG=goindex=0`, no version).
    pub fn of(toolchain: &crate::buildcfg::Toolchain) -> Option<GoIndex> {
        let get = |k: &str| toolchain.reported.get(k).map(String::as_str);
        let gocache = Path::new(get("GOCACHE")?);
        let version = toolchain.version.as_deref()?;
        let off = get("GOCACHEPROG").is_some_and(|p| !p.is_empty())
            || get("GODEBUG").is_some_and(|d| d.split(',').any(|s| s.trim() == "goindex=0"));
        (!off
            && gocache.is_absolute()
            && toolchain.gomodcache.is_absolute()
            && version.starts_with("go"))
        .then(|| GoIndex::new(gocache, &toolchain.gomodcache, version))
    }

    pub fn new(gocache: &Path, gomodcache: &Path, version: &str) -> GoIndex {
        GoIndex {
            gocache: gocache.to_path_buf(),
            gomodcache: gomodcache.to_path_buf(),
            version: version.to_string(),
            modules: Mutex::default(),
            map: true,
        }
    }

    /// Reads each index file whole instead of mapping it: for a process
    /// that lives long (the language server), where a cmd/go rewriting a
    /// damaged entry in place, however unlikely, must not fault a mapping.
    pub fn read_whole(mut self) -> GoIndex {
        self.map = false;
        self
    }

    /// The source files cmd/go indexed in `dir` (not those named `_*` or
    /// `.*`, nor files of no kind go/build knows, which no load looks at),
    /// sorted by name; `None` if `dir` is no indexed package.
    pub fn listing(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        let (module, pkg) = self.package(dir)?;
        module
            .files(pkg)?
            .map(|f| {
                Some(DirEntry {
                    name: OsStr::from_bytes(module.string_at(f + FILE_NAME)?).to_owned(),
                    is_dir: false,
                    is_symlink: false,
                    is_file: true,
                })
            })
            .collect()
    }

    /// Whether `dir` is an indexed package with a `.go` file: only `true`
    /// is an answer (a directory the index has no `.go` file of may still
    /// have one go/build skips, `_x.go`).
    pub fn has_go_file(&self, dir: &Path) -> Option<bool> {
        let (module, pkg) = self.package(dir)?;
        let mut files = module.files(pkg)?;
        files
            .any(|f| {
                module
                    .string_at(f + FILE_NAME)
                    .is_some_and(|n| n.ends_with(b".go"))
            })
            .then_some(true)
    }

    /// The header of `path` as the index holds it, if the index saw nothing
    /// wrong in the file and it does not `import "C"`; spans are
    /// placeholders (see the module comment).
    pub fn header(&self, path: &Path) -> Option<FileHeader> {
        let (module, pkg) = self.package(path.parent()?)?;
        let name = path.file_name()?.as_bytes();
        let file = module.file(pkg, name)?;
        module.header(file, name.ends_with(b".go"))
    }

    /// Whether `header` would give `path`'s header (then the file has no
    /// error go/build would report), without building it.
    pub fn is_clean(&self, path: &Path) -> bool {
        let Some((module, pkg)) = path.parent().and_then(|d| self.package(d)) else {
            return false;
        };
        let Some(name) = path.file_name().map(|n| n.as_bytes()) else {
            return false;
        };
        module
            .file(pkg, name)
            .and_then(|f| module.read_header(f, name.ends_with(b".go"), false))
            .is_some()
    }

    fn package(&self, dir: &Path) -> Option<(Arc<Module>, usize)> {
        let (root, rel) = self.split(dir)?;
        let module = self.module(root)?;
        let pkg = module.package(rel)?;
        Some((module, pkg))
    }

    /// `dir` as its module's root in the module cache and the directory
    /// relative to it (`a/b`, or empty for the root).
    fn split<'a>(&self, dir: &'a Path) -> Option<(&'a Path, &'a [u8])> {
        let bytes = dir.as_os_str().as_bytes();
        let cache = self.gomodcache.as_os_str().as_bytes();
        let cache = cache.strip_suffix(b"/").unwrap_or(cache);
        let rest = bytes.strip_prefix(cache)?.strip_prefix(b"/")?;
        if rest.starts_with(b"cache/") || rest == b"cache" {
            return None;
        }
        // The first component with an `@` ends the module's root
        // (`github.com/!burnt!sushi/toml@v1.4.0`).
        let at = memchr::memchr(b'@', rest)?;
        let end = memchr::memchr(b'/', &rest[at..]).map_or(rest.len(), |i| at + i);
        let root = &bytes[..cache.len() + 1 + end];
        let rel = rest.get(end + 1..).unwrap_or_default();
        Some((Path::new(OsStr::from_bytes(root)), rel))
    }

    fn module(&self, root: &Path) -> Option<Arc<Module>> {
        let cell = {
            let mut modules = self.modules.lock().ok()?;
            match modules.get(root) {
                Some(c) => c.clone(),
                None => modules.entry(root.to_path_buf()).or_default().clone(),
            }
        };
        cell.get_or_init(|| self.open(root).map(Arc::new)).clone()
    }

    fn open(&self, root: &Path) -> Option<Module> {
        use sha2::Digest;
        let salt = self
            .version
            .find(" X:")
            .or_else(|| self.version.find("-X:"))
            .map_or(self.version.as_str(), |i| &self.version[..i]);
        let mut h = sha2::Sha256::new();
        h.update(salt.as_bytes());
        h.update(b"module index ");
        h.update(self.version.as_bytes());
        h.update(b" go index v2 ");
        h.update(root.as_os_str().as_bytes());
        h.update(b"\n");
        let id = hex(&h.finalize());
        let action = crate::regular::read(
            &self.gocache.join(&id[..2]).join(format!("{id}-a")),
            ACTION_ENTRY_SIZE as u64 + 1,
        )
        .ok()?;
        let (out, size) = parse_action_entry(&action, &id)?;
        let file = self.gocache.join(&out[..2]).join(format!("{out}-d"));
        let data = if self.map {
            map(&file, size)?
        } else {
            let d = crate::regular::read(&file, size.saturating_add(1)).ok()?;
            (d.len() as u64 == size && size > 0).then_some(Bytes::Read(d))?
        };
        Module::new(data)
    }
}

/// The output ID and size of a cache action entry for `id`.
fn parse_action_entry(e: &[u8], id: &str) -> Option<(String, u64)> {
    if e.len() != ACTION_ENTRY_SIZE || !e.starts_with(b"v1 ") || e[ACTION_ENTRY_SIZE - 1] != b'\n' {
        return None;
    }
    let text = std::str::from_utf8(e).ok()?;
    let mut f = text[3..ACTION_ENTRY_SIZE - 1]
        .split(' ')
        .filter(|s| !s.is_empty());
    let (eid, out, size) = (f.next()?, f.next()?, f.next()?);
    let ok = eid == id && out.len() == 64 && out.bytes().all(|c| c.is_ascii_hexdigit());
    ok.then(|| Some((out.to_string(), size.parse().ok()?)))?
}

/// The regular file `file` if it is `size` bytes long (cmd/go's check of
/// an output file against its action entry), mapped (`regular::map`).
fn map(file: &Path, size: u64) -> Option<Bytes> {
    // SAFETY: cmd/go never rewrites a cache output file whose size and hash
    // are right (its name is the hash), and removes files by unlinking them,
    // which leaves a mapping intact.
    let data = unsafe { crate::regular::map(file, u64::from(u32::MAX)) }?;
    (data.len() as u64 == size && size > 0).then_some(data)
}

type Bytes = crate::regular::Contents;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Bounds no real header comes near (a file's imports or `+build` lines, a
/// name, path or constraint line): past them a record is left to the file.
const MAX_LINES: usize = 10_000;
const MAX_STRING: usize = 4096;

// Offsets of a file record's fields (cmd/go's `sourceFile*` constants).
const FILE_ERROR: usize = 0;
const FILE_PARSE_ERROR: usize = 4;
const FILE_NAME: usize = 12;
const FILE_PKG_NAME: usize = 16;
const FILE_IGNORE: usize = 20;
const FILE_BINARY_ONLY: usize = 24;
const FILE_CGO: usize = 28;
const FILE_GO_BUILD: usize = 32;
const FILE_PLUS_BUILD: usize = 36;

/// One module's index file.
pub struct Module {
    data: Bytes,
    /// Where the string table starts.
    strings: usize,
    packages: usize,
}

impl Module {
    fn new(data: Bytes) -> Option<Module> {
        let mut m = Module {
            data,
            strings: 0,
            packages: 0,
        };
        let d = &m.data[..];
        if !d.starts_with(MAGIC) {
            return None;
        }
        let strings = m.u32_at(MAGIC.len())?;
        let table = d.get(strings..)?;
        // The table starts with the empty string and ends with 0xFF.
        if strings < MAGIC.len() + 8 || table.first() != Some(&0) || table.last() != Some(&0xFF) {
            return None;
        }
        let packages = m.u32_at(MAGIC.len() + 4)?;
        if packages > (strings - MAGIC.len() - 8) / 8 {
            return None;
        }
        (m.strings, m.packages) = (strings, packages);
        Some(m)
    }

    /// The u32 at `off`, below the string table; cmd/go takes one with the
    /// top bit set for corruption.
    fn u32_at(&self, off: usize) -> Option<usize> {
        let limit = if self.strings == 0 {
            self.data.len()
        } else {
            self.strings
        };
        let b = self.data[..limit].get(off..off.checked_add(4)?)?;
        let v = u32::from_le_bytes(b.try_into().ok()?);
        (v >> 31 == 0).then_some(v as usize)
    }

    /// The string whose table offset is the u32 at `off`.
    fn string_at(&self, off: usize) -> Option<&[u8]> {
        let s = self.data.get(self.strings + self.u32_at(off)?..)?;
        let (len, n) = uvarint(s)?;
        s.get(n..n.checked_add(usize::try_from(len).ok()?)?)
    }

    /// The record of the package in directory `rel`, by binary search (the
    /// packages are sorted by directory).
    fn package(&self, rel: &[u8]) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.packages);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let dir = self.string_at(MAGIC.len() + 8 + 8 * mid)?;
            match dir.cmp(rel) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.u32_at(MAGIC.len() + 8 + 8 * mid + 4),
            }
        }
        None
    }

    /// The offsets of a package's file records; `None` if cmd/go could not
    /// read the directory.
    fn files(&self, pkg: usize) -> Option<impl Iterator<Item = usize> + '_> {
        if !self.string_at(pkg)?.is_empty() {
            return None;
        }
        let n = self.u32_at(pkg + 8)?;
        // Each offset is four bytes of what lies below the string table.
        (n <= self.strings / 4).then_some(())?;
        Some((0..n).map_while(move |i| self.u32_at(pkg + 12 + 4 * i)))
    }

    /// The record of the file `name` of the package at `pkg`, by binary
    /// search (cmd/go lists a directory's files sorted by name).
    fn file(&self, pkg: usize, name: &[u8]) -> Option<usize> {
        if !self.string_at(pkg)?.is_empty() {
            return None;
        }
        let (mut lo, mut hi) = (0, self.u32_at(pkg + 8)?);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let f = self.u32_at(pkg + 12 + 4 * mid)?;
            match self.string_at(f + FILE_NAME)?.cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(f),
            }
        }
        None
    }

    /// The header of the file record at `f`; `None` for a file with any
    /// error, an `import "C"`, `//go:binary-only-package`, or a constraint
    /// we cannot parse (those are read from the file).
    fn header(&self, f: usize, go: bool) -> Option<FileHeader> {
        self.read_header(f, go, true)
    }

    /// `header`, and with `keep` false only whether there would be one
    /// (nothing allocated for the imports).
    fn read_header(&self, f: usize, go: bool, keep: bool) -> Option<FileHeader> {
        let clean = self.string_at(f + FILE_ERROR)?.is_empty()
            && self.string_at(f + FILE_PARSE_ERROR)?.is_empty()
            && self.u32_at(f + FILE_IGNORE)? == 0
            && self.u32_at(f + FILE_BINARY_ONLY)? == 0
            && self.string_at(f + FILE_CGO)?.is_empty();
        if !clean {
            return None;
        }
        // A cache is data: a string no Go header has (every reference may
        // point at one huge string) is left to the file.
        let text =
            |b: &[u8]| (b.len() <= MAX_STRING).then(|| String::from_utf8_lossy(b).into_owned());
        let mut h = FileHeader {
            inexact: true,
            ..FileHeader::default()
        };
        let go_build = self.string_at(f + FILE_GO_BUILD)?;
        if !go_build.is_empty() {
            let expr = go_build.strip_prefix(b"//go:build")?;
            h.go_build = Some((parse_go_build(&text(expr)?).ok()?, Span::default()));
        }
        let plus = self.u32_at(f + FILE_PLUS_BUILD)?;
        if plus > MAX_LINES {
            return None;
        }
        let mut at = f + FILE_PLUS_BUILD + 4;
        for _ in 0..plus {
            let line = self.string_at(at)?;
            at += 4;
            // `// +build a b`, as `constraint.IsPlusBuild` accepted it.
            let rest = line.strip_prefix(b"//")?.trim_ascii_start();
            let expr = rest.strip_prefix(b"+build")?;
            if let Ok(x) = parse_plus_build(&text(expr)?) {
                h.plus_build.push((x, Span::default()));
            }
        }
        if !go {
            return Some(h);
        }
        let pkg_name = self.string_at(f + FILE_PKG_NAME)?;
        if pkg_name.is_empty() {
            return None;
        }
        h.package = Some((text(pkg_name)?, Span::default()));
        h.package_clause = Some(Span::default());
        let imports = self.u32_at(at)?;
        at += 4;
        if imports > MAX_LINES {
            return None;
        }
        h.imports.reserve(if keep { imports } else { 0 });
        for i in 0..imports {
            let path = self.string_at(at + 20 * i)?;
            // (cmd/go recorded an invalid path as a parse error.)
            if path == b"C" || path.len() > MAX_STRING || std::str::from_utf8(path).is_err() {
                return None;
            }
            h.imports_embed |= path == b"embed";
            if keep {
                // Import `i` is at the placeholder span `i + 1..i + 1`.
                let span = Span::new(i + 1, i + 1);
                h.imports.push(ImportSpec {
                    path: text(path)?,
                    name: None,
                    span,
                    path_span: span,
                });
            }
        }
        Some(h)
    }
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &c) in b.iter().enumerate().take(10) {
        v |= u64::from(c & 0x7f) << (7 * i);
        if c < 0x80 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The exact span of what the placeholder `span` of an inexact header
/// stands for, in `exact` (the same file's header, read from it).
pub fn exact_span(span: Span, inexact: &FileHeader, exact: &FileHeader) -> Option<Span> {
    if span == Span::default() {
        return exact.package_clause;
    }
    let i = span.start.checked_sub(1)?;
    let want = &inexact.imports.get(i)?.path;
    exact
        .imports
        .get(i)
        .filter(|x| &x.path == want)
        .map(|x| x.span)
}

#[cfg(test)]
pub(crate) mod fixture {
    use super::*;

    /// A `go index v2` file in cmd/go's layout (`modindex/write.go`): one
    /// package per `(dir, files)`, each file `(name, pkg name, go:build
    /// line, +build lines, imports, error)`.
    pub type File<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
        &'a str,
    );

    pub fn encode(packages: &[(&str, &[File])]) -> Vec<u8> {
        let mut strings: Vec<u8> = vec![0];
        let mut string = |s: &str| -> u32 {
            if s.is_empty() {
                return 0;
            }
            let at = strings.len() as u32;
            let mut n = s.len();
            while n >= 0x80 {
                strings.push(n as u8 | 0x80);
                n >>= 7;
            }
            strings.push(n as u8);
            strings.extend_from_slice(s.as_bytes());
            at
        };
        let mut body: Vec<u32> = Vec::new();
        let head = MAGIC.len() + 8 + 8 * packages.len();
        let mut table = Vec::new();
        for (dir, files) in packages {
            let pkg = head + 4 * body.len();
            table.push((string(dir), pkg as u32));
            body.extend([0, string(dir), files.len() as u32]);
            let first = body.len();
            body.extend(std::iter::repeat_n(0, files.len()));
            for (i, (name, pkg_name, go_build, plus, imports, error)) in files.iter().enumerate() {
                body[first + i] = (head + 4 * body.len()) as u32;
                body.extend([string(error), 0, 0, string(name), string(pkg_name), 0, 0, 0]);
                body.push(string(go_build));
                body.push(plus.len() as u32);
                body.extend(plus.iter().map(|p| string(p)));
                body.push(imports.len() as u32);
                for imp in *imports {
                    body.extend([string(imp), 0, 0, 0, 0]);
                }
                body.extend([0, 0]); // no embeds, no directives
            }
        }
        strings.push(0xFF);
        let str_at = head + 4 * body.len();
        let mut out = MAGIC.to_vec();
        out.extend((str_at as u32).to_le_bytes());
        out.extend((packages.len() as u32).to_le_bytes());
        for (d, p) in table {
            out.extend(d.to_le_bytes());
            out.extend(p.to_le_bytes());
        }
        out.extend(body.iter().flat_map(|w| w.to_le_bytes()));
        out.extend(strings);
        out
    }

    /// The index in a GOCACHE where cmd/go would keep it for `root`.
    pub fn cache_with(gocache: &Path, root: &Path, data: &[u8]) {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(format!(
            "go1.26.8module index go1.26.8 go index v2 {}\n",
            root.display()
        ));
        let id = hex(&h.finalize());
        let out = hex(&sha2::Sha256::digest(data));
        std::fs::create_dir_all(gocache.join(&id[..2])).unwrap();
        std::fs::create_dir_all(gocache.join(&out[..2])).unwrap();
        let entry = format!("v1 {id} {out} {:>20} {:>20}\n", data.len(), 1);
        assert_eq!(entry.len(), ACTION_ENTRY_SIZE);
        std::fs::write(gocache.join(&id[..2]).join(format!("{id}-a")), entry).unwrap();
        std::fs::write(gocache.join(&out[..2]).join(format!("{out}-d")), data).unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::{self, cache_with, encode};
    use super::*;

    fn sample() -> Vec<u8> {
        encode(&[
            (
                "",
                &[
                    ("a.go", "a", "", &[], &["fmt", "embed"], ""),
                    (
                        "b_linux.go",
                        "a",
                        "//go:build linux && !cgo",
                        &[],
                        &["os/user"],
                        "",
                    ),
                    (
                        "bad.go",
                        "",
                        "",
                        &[],
                        &[],
                        "read bad.go: unexpected NUL in input",
                    ),
                    ("c.go", "a", "", &[], &["C", "unsafe"], ""),
                    ("old.s", "", "", &["// +build amd64"], &[], ""),
                ],
            ),
            ("sub", &[("s.go", "sub", "", &[], &[], "")]),
        ])
    }

    #[test]
    fn module_index_entries_are_found_and_read() {
        let tmp = tempfile::tempdir().unwrap();
        let (gocache, modcache) = (tmp.path().join("go-build"), tmp.path().join("mod"));
        let root = modcache.join("example.com/!big@v1.0.0");
        cache_with(&gocache, &root, &sample());
        let gi = GoIndex::new(&gocache, &modcache, "go1.26.8");

        let names = |d: &Path| {
            gi.listing(d).map(|l| {
                l.iter()
                    .map(|e| e.name.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            names(&root).unwrap(),
            ["a.go", "b_linux.go", "bad.go", "c.go", "old.s"]
        );
        assert_eq!(names(&root.join("sub")).unwrap(), ["s.go"]);
        assert_eq!(names(&root.join("nope")), None);
        assert_eq!(gi.has_go_file(&root.join("sub")), Some(true));

        let a = gi.header(&root.join("a.go")).unwrap();
        assert!(a.inexact && a.imports_embed && a.errors.is_empty());
        assert_eq!(a.package.as_ref().unwrap().0, "a");
        let paths: Vec<_> = a
            .imports
            .iter()
            .map(|i| (i.path.as_str(), i.span))
            .collect();
        assert_eq!(
            paths,
            [("fmt", Span::new(1, 1)), ("embed", Span::new(2, 2))]
        );
        let b = gi.header(&root.join("b_linux.go")).unwrap();
        assert_eq!(
            format!("{:?}", b.go_build.unwrap().0)
                .matches("cgo")
                .count(),
            1
        );
        // Errors and cgo are the file's to tell.
        assert!(gi.header(&root.join("bad.go")).is_none());
        assert!(gi.header(&root.join("c.go")).is_none());
        // Assembly: its constraint only.
        let s = gi.header(&root.join("old.s")).unwrap();
        assert!(s.package.is_none() && s.plus_build.len() == 1);

        // Another version's cmd/go, another module, outside the cache.
        assert!(
            GoIndex::new(&gocache, &modcache, "go1.26.7")
                .header(&root.join("a.go"))
                .is_none()
        );
        assert!(
            gi.header(&modcache.join("example.com/big@v1.0.0/a.go"))
                .is_none()
        );
        assert!(gi.header(&modcache.join("cache/download/a.go")).is_none());
        assert!(gi.header(&tmp.path().join("a.go")).is_none());
    }

    /// cmd/go checks an output file against its entry's size; so do we.
    #[test]
    fn an_index_file_of_another_size_is_a_miss() {
        let tmp = tempfile::tempdir().unwrap();
        let (gocache, modcache) = (tmp.path().join("go-build"), tmp.path().join("mod"));
        let root = modcache.join("example.com/m@v1.0.0");
        cache_with(&gocache, &root, &sample());
        for f in walk(&gocache)
            .iter()
            .filter(|f| f.to_string_lossy().ends_with("-d"))
        {
            let mut d = std::fs::read(f).unwrap();
            d.push(0);
            std::fs::write(f, d).unwrap();
        }
        let gi = GoIndex::new(&gocache, &modcache, "go1.26.8");
        assert!(gi.listing(&root).is_none());
    }

    fn walk(d: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(d).unwrap().flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    /// A cache is the user's, but a cut-short or damaged file must only
    /// miss: every truncation and every single-byte change of a valid
    /// index is read without a panic.
    #[test]
    fn damaged_indexes_never_panic() {
        let data = sample();
        let read = |d: Vec<u8>| {
            let Some(m) = Module::new(Bytes::Read(d)) else {
                return;
            };
            for rel in [&b""[..], b"sub", b"zzz"] {
                if let Some(p) = m.package(rel)
                    && let Some(files) = m.files(p)
                {
                    for f in files.take(64) {
                        let _ = m.string_at(f + FILE_NAME);
                        let _ = m.header(f, true);
                        let _ = m.header(f, false);
                    }
                }
            }
        };
        for n in 0..data.len() {
            read(data[..n].to_vec());
        }
        for i in 0..data.len() {
            for v in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut d = data.clone();
                d[i] = v;
                read(d);
            }
        }
    }

    /// Every import of a crafted index may name one huge string: no header
    /// is built of such a record (the file is read instead).
    #[test]
    fn records_no_go_file_has_are_left_to_the_file() {
        let huge = "x".repeat(MAX_STRING + 1);
        let many: Vec<&str> = vec!["fmt"; MAX_LINES + 1];
        let tmp = tempfile::tempdir().unwrap();
        let (gocache, modcache) = (tmp.path().join("go-build"), tmp.path().join("mod"));
        let root = modcache.join("example.com/m@v1.0.0");
        let files: &[fixture::File] = &[
            ("a.go", "m", "", &[], &[huge.as_str()], ""),
            ("b.go", "m", "", &[], &many, ""),
            ("c.go", &huge, "", &[], &[], ""),
            ("d.go", "m", "", &[], &["fmt"], ""),
        ];
        cache_with(&gocache, &root, &encode(&[("", files)]));
        let gi = GoIndex::new(&gocache, &modcache, "go1.26.8");
        for f in ["a.go", "b.go", "c.go"] {
            assert!(gi.header(&root.join(f)).is_none(), "{f}");
            assert!(!gi.is_clean(&root.join(f)), "{f}");
        }
        assert!(gi.header(&root.join("d.go")).is_some() && gi.is_clean(&root.join("d.go")));
    }

    #[test]
    fn placeholders_map_to_the_files_spans() {
        let inexact = FileHeader {
            inexact: true,
            package_clause: Some(Span::default()),
            imports: ["fmt", "os"]
                .iter()
                .enumerate()
                .map(|(i, p)| ImportSpec {
                    path: p.to_string(),
                    name: None,
                    span: Span::new(i + 1, i + 1),
                    path_span: Span::new(i + 1, i + 1),
                })
                .collect(),
            ..FileHeader::default()
        };
        let exact = crate::gosrc::scan_header(b"package a\n\nimport (\n\t\"fmt\"\n\tx \"os\"\n)\n");
        assert_eq!(
            exact_span(Span::default(), &inexact, &exact),
            exact.package_clause
        );
        assert_eq!(
            exact_span(Span::new(2, 2), &inexact, &exact),
            Some(exact.imports[1].span)
        );
        assert_eq!(
            &"package a\n\nimport (\n\t\"fmt\"\n\tx \"os\"\n)\n"
                [exact.imports[1].span.start..exact.imports[1].span.end],
            "x \"os\""
        );
        assert_eq!(exact_span(Span::new(3, 3), &inexact, &exact), None);
    }

    #[test]
    fn action_entries_are_read_as_cmd_go_writes_them() {
        let id = "a".repeat(64);
        let out = "b".repeat(64);
        let e = format!("v1 {id} {out} {:>20} {:>20}\n", 1234, 5);
        assert_eq!(
            parse_action_entry(e.as_bytes(), &id),
            Some((out.clone(), 1234))
        );
        assert_eq!(parse_action_entry(e.as_bytes(), &"c".repeat(64)), None);
        assert_eq!(parse_action_entry(&e.as_bytes()[1..], &id), None);
        let bad = format!("v1 {id} {} {:>20} {:>20}\n", "x".repeat(64), 1, 5);
        assert_eq!(parse_action_entry(bad.as_bytes(), &id), None);
    }
}
