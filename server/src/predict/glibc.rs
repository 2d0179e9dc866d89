//! The glibc floor of a dynamic link, before the build: the newest
//! `GLIBC_x.y` version the binary will need, derived as the linker derives
//! it. Every libc symbol the linked C code references binds to the default
//! version (`sym@@GLIBC_x.y`) of the first library in link order that
//! defines it, read from that library's version definitions
//! (`.gnu.version_d` and the dynamic symbol table) with goblin. cgo's
//! `-dynimport` reads the same versions from the `_cgo_.o` that gcc linked,
//! so internal links agree with external ones.
//!
//! The references are read from text (nothing is compiled): calls in the
//! bodies of the cgo packages' preambles and `.c` files (runtime/cgo's
//! files as the target's build constraints select them), the Go side's
//! `C.name` uses, simple `#define a b` aliases of the headers they include
//! (`res_search` is `__res_search`), static archives' undefined symbols
//! (with their explicit `@VERSION`, if any), and `__libc_start_main` of the
//! C start-up files when the C linker links. What text cannot show (calls
//! a macro or `__REDIRECT` hides, calls gcc itself emits, C++ or `.syso`
//! objects, pkg-config libraries) is said in `notes` and clears `complete`.
//!
//! The same tables give the floor for an older glibc (a builder image):
//! a newer libc keeps every older version of a symbol, so the version the
//! linker would pick there is the newest one not above that glibc.

use super::Prediction;
use crate::buildcfg::Config;
use crate::buildcfg::ctoolchain::{CToolchain, Libc};
use crate::gosrc::CgoVerb;
use crate::load::graph::Graph;
use crate::load::source::Sources;
use crate::load::{Package, SourceFile};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// A glibc version as numbers: "GLIBC_2.2.5" → [2, 2, 5].
pub type Version = Vec<u32>;

/// "GLIBC_2.34" or "2.34" → [2, 34]; `None` for GLIBC_PRIVATE and others.
pub fn parse_version(s: &str) -> Option<Version> {
    let rest = s.strip_prefix("GLIBC_").unwrap_or(s);
    let v: Option<Version> = rest.split('.').map(|p| p.parse().ok()).collect();
    v.filter(|v| !v.is_empty())
}

/// "2.28" → [2, 28, 0], for settings that must be `Copy`.
pub fn version3(s: &str) -> Option<[u32; 3]> {
    let v = parse_version(s).filter(|v| (2..=3).contains(&v.len()))?;
    Some([v[0], v[1], v.get(2).copied().unwrap_or(0)])
}

/// [2, 28, 0] (a `Copy` setting) → [2, 28]: trailing zeros beyond the
/// minor version dropped, as glibc names its releases.
pub fn trim_version(v: &[u32]) -> Version {
    let mut v = v.to_vec();
    while v.len() > 2 && v.last() == Some(&0) {
        v.pop();
    }
    v
}

/// [2, 34] → "2.34".
pub fn version_text(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// How a floor was found: the symbol and package that set it, and what the
/// engine could not see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlibcFloor {
    /// `GLIBC_2.34`, or `None` when it cannot be computed (see notes).
    pub version: Option<String>,
    /// The symbol that sets it (`pthread_attr_getstack`).
    pub symbol: Option<String>,
    /// The package (or C start-up files) whose C code references it.
    pub package: Option<String>,
    /// The C library whose version tables answered, and its glibc.
    pub computed_from: String,
    /// False when some C code's references cannot be seen from text.
    pub complete: bool,
    pub notes: Vec<String>,
    /// A build that lowers the floor, with the floor predicted for it
    /// (set when a minimum or a runtime image asks for less).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower: Option<String>,
}

impl GlibcFloor {
    /// `pthread_attr_getstack@GLIBC_2.34 via runtime/cgo`.
    pub fn set_by(&self) -> Option<String> {
        Some(format!(
            "{}@{} via {}",
            self.symbol.as_ref()?,
            self.version.as_ref()?,
            self.package.as_ref()?
        ))
    }
}

/// One symbol's versions in a shared library.
#[derive(Debug, Clone, Default)]
struct SymVersions {
    /// `sym@@V`: what a new link binds to.
    default: Option<String>,
    /// Every version the library defines for it (compat ones included).
    all: Vec<String>,
}

/// A shared object's symbols with their versions, and (libc's) the
/// newest `GLIBC_` version it defines: its glibc release, found once per
/// read rather than per prediction.
#[derive(Debug, Default)]
struct Table {
    syms: HashMap<String, SymVersions>,
    release: Option<Version>,
}

impl std::ops::Deref for Table {
    type Target = HashMap<String, SymVersions>;
    fn deref(&self) -> &Self::Target {
        &self.syms
    }
}

/// The version table of a shared object, cached by size and mtime (libc's
/// is read for every dynamic prediction), and kept in the header index
/// (`sources`') under the file's stamp: reading libc.so.6 (2 MB) and
/// tabling its 3,000 symbols was most of a warm check's glibc floor (3 of
/// caddy's 4.5 ms prediction).
fn version_table(sources: &Sources, path: &Path) -> Option<(Arc<Table>, u16)> {
    type Entry = ((u64, Option<SystemTime>), Option<(Arc<Table>, u16)>);
    static CACHE: Mutex<Option<HashMap<PathBuf, Entry>>> = Mutex::new(None);
    let meta = std::fs::metadata(path).ok()?;
    let stamp = (meta.len(), meta.modified().ok());
    if let Ok(guard) = CACHE.lock()
        && let Some((s, t)) = guard.as_ref().and_then(|m| m.get(path))
        && *s == stamp
    {
        return t.clone();
    }
    let table = saved_or_read_table(sources, path, &meta);
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() > 64 {
            map.clear();
        }
        map.insert(path.to_path_buf(), (stamp, table.clone()));
    }
    table
}

/// A library's table from the header index, else read (and saved).
fn saved_or_read_table(
    sources: &Sources,
    path: &Path,
    meta: &std::fs::Metadata,
) -> Option<(Arc<Table>, u16)> {
    let key = saved_table_key(path, meta);
    if let Some(t) = sources.facts(&key).and_then(table_from_lists) {
        return Some(t);
    }
    let t = read_table(path)?;
    sources.record_facts(&key, &table_to_lists(&t));
    Some(t)
}

/// The header index's key of a library's table: its path, then all the
/// stat says of its version (a package upgrade replaces the file: a new
/// inode and change time, whatever modification time it restores).
fn saved_table_key(path: &Path, meta: &std::fs::Metadata) -> Vec<u8> {
    let nanos = |t: std::io::Result<SystemTime>| {
        t.ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos())
    };
    #[cfg(unix)]
    let (ino, ctime) = {
        use std::os::unix::fs::MetadataExt;
        (
            meta.ino(),
            (meta.ctime() as i128) << 32 | meta.ctime_nsec() as i128,
        )
    };
    #[cfg(not(unix))]
    let (ino, ctime) = (0u64, 0i128);
    let mut key = path.as_os_str().as_encoded_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(
        format!(
            "elf symbol versions v1 {} {} {ino} {ctime}",
            meta.len(),
            nanos(meta.modified())
        )
        .as_bytes(),
    );
    key
}

/// A table as the index keeps it: its machine and release, then the
/// names, default versions ("" for none) and all versions (space
/// separated) of its symbols, as parallel lists.
fn table_to_lists((table, machine): &(Arc<Table>, u16)) -> Vec<Vec<String>> {
    let mut names = Vec::with_capacity(table.syms.len());
    let mut defaults = Vec::with_capacity(table.syms.len());
    let mut all = Vec::with_capacity(table.syms.len());
    for (name, v) in &table.syms {
        names.push(name.clone());
        defaults.push(v.default.clone().unwrap_or_default());
        all.push(v.all.join(" "));
    }
    let head = vec![
        machine.to_string(),
        table
            .release
            .as_deref()
            .map(version_text)
            .unwrap_or_default(),
    ];
    vec![head, names, defaults, all]
}

fn table_from_lists(lists: Vec<Vec<String>>) -> Option<(Arc<Table>, u16)> {
    let [head, names, defaults, all]: [Vec<String>; 4] = lists.try_into().ok()?;
    let [machine, release]: [String; 2] = head.try_into().ok()?;
    if names.len() != defaults.len() || names.len() != all.len() {
        return None;
    }
    let mut syms = HashMap::with_capacity(names.len());
    for ((name, default), all) in names.into_iter().zip(defaults).zip(all) {
        let v = SymVersions {
            default: (!default.is_empty()).then_some(default),
            all: all
                .split(' ')
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect(),
        };
        syms.insert(name, v);
    }
    let release = if release.is_empty() {
        None
    } else {
        Some(parse_version(&release)?)
    };
    Some((Arc::new(Table { syms, release }), machine.parse().ok()?))
}

fn read_table(path: &Path) -> Option<(Arc<Table>, u16)> {
    let bytes = crate::regular::read_all(path).ok()?;
    let elf = goblin::elf::Elf::parse(&bytes).ok()?;
    let mut names: HashMap<u16, String> = HashMap::new();
    if let Some(verdef) = &elf.verdef {
        for vd in verdef.iter().take(4096) {
            // VER_FLG_BASE names the file itself, not a version.
            if vd.vd_flags & 1 != 0 {
                continue;
            }
            if let Some(aux) = vd.iter().next()
                && let Some(name) = elf.dynstrtab.get_at(aux.vda_name)
            {
                names.insert(vd.vd_ndx, name.to_string());
            }
        }
    }
    let mut table = HashMap::<String, SymVersions>::new();
    if let Some(versym) = &elf.versym {
        for (i, sym) in elf.dynsyms.iter().enumerate() {
            if sym.st_shndx == 0 || sym.st_name == 0 {
                continue;
            }
            let Some(vs) = versym.get_at(i) else { continue };
            let Some(version) = names.get(&vs.version()) else {
                continue;
            };
            let Some(name) = elf.dynstrtab.get_at(sym.st_name) else {
                continue;
            };
            let e = table.entry(name.to_string()).or_default();
            if !e.all.contains(version) {
                e.all.push(version.clone());
            }
            if !vs.is_hidden() {
                e.default = Some(version.clone());
            }
        }
    }
    let release = table
        .values()
        .flat_map(|s| &s.all)
        .filter_map(|v| parse_version(v))
        .max();
    Some((
        Arc::new(Table {
            syms: table,
            release,
        }),
        elf.header.e_machine,
    ))
}

/// A libc symbol referenced by linked C code.
#[derive(Debug, Clone)]
struct Reference {
    symbol: String,
    /// An explicit `sym@VERSION` (a `.symver` reference in an object).
    version: Option<String>,
    /// Who references it.
    by: String,
}

/// The libraries whose version tables answer, in link order: the cgo
/// packages' `-l` shared libraries, then libc's group (libc.so.6 and, as
/// needed, the dynamic loader).
fn link_libraries(
    cfg: &Config,
    graph: &Graph,
    p: &Prediction,
    notes: &mut Vec<String>,
) -> Vec<PathBuf> {
    let cc = &cfg.c_toolchain;
    let mut out: Vec<PathBuf> = Vec::new();
    for c in &p.cgo_packages {
        let Some(pkg) = graph.get(&c.import_path) else {
            continue;
        };
        let flags = super::libs::link_flags(cfg, pkg);
        let mut dirs = super::libs::lib_dirs(&pkg.dir, &flags);
        dirs.extend(cross_lib_dir(cfg));
        for f in &flags {
            let Some(name) = f.strip_prefix("-l") else {
                continue;
            };
            if name == "c" {
                continue;
            }
            match super::libs::resolve(cc, name, &dirs, false) {
                Some(files) => {
                    for file in files {
                        if let super::libs::LibFile::Shared { path, .. } = file
                            && !out.contains(&path)
                        {
                            out.push(path);
                        }
                    }
                }
                None => notes.push(format!(
                    "{}: -l{name} is not found in {}'s library path: its symbols are not counted",
                    c.import_path, cc.program
                )),
            }
        }
    }
    match libc_script(cfg) {
        Some(script) => {
            let bytes = crate::regular::read_all(&script).unwrap_or_default();
            if bytes.starts_with(b"\x7fELF") {
                out.push(script);
            } else {
                for input in super::libs::script_inputs(&bytes) {
                    if input.path.extension().is_none_or(|e| e != "a") && !out.contains(&input.path)
                    {
                        out.push(input.path);
                    }
                }
            }
        }
        None => notes.push(format!(
            "libc.so is not found in {}'s library path",
            cc.program
        )),
    }
    out
}

/// A Debian-style cross compiler's library directory
/// (`aarch64-linux-gnu-gcc` → /usr/aarch64-linux-gnu/lib), searched first.
fn cross_lib_dir(cfg: &Config) -> Option<PathBuf> {
    let name = Path::new(&cfg.c_toolchain.program)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let triple = name
        .strip_suffix("-gcc")
        .or_else(|| name.strip_suffix("-cc"))
        .filter(|t| t.contains("-linux-"))?;
    let dir = PathBuf::from(format!("/usr/{triple}/lib"));
    dir.is_dir().then_some(dir)
}

/// `libc.so` as the C toolchain finds it: a cross compiler's own
/// directory first, then its search dirs.
fn libc_script(cfg: &Config) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = cross_lib_dir(cfg).into_iter().collect();
    cfg.c_toolchain.find_library("c", &dirs, false)
}

/// Calls in function bodies: an identifier followed by `(` inside braces,
/// not a type tag (`struct stat` is no call of stat()).
fn body_calls(text: &str) -> Vec<String> {
    let code = super::csource::code_only(text);
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut prev_word = "";
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &code[start..i];
            let mut j = i;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            if depth > 0
                && b.get(j) == Some(&b'(')
                && !matches!(prev_word, "struct" | "union" | "enum")
                && !out.iter().any(|w| w == word)
            {
                out.push(word.to_string());
            }
            prev_word = word;
            continue;
        }
        if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            continue;
        }
        match c {
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if !c.is_ascii_whitespace() {
            prev_word = "";
        }
        i += 1;
    }
    out
}

/// `#include <h>` / `"h"` names in C text.
fn includes(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l
                .trim()
                .strip_prefix('#')?
                .trim_start()
                .strip_prefix("include")?
                .trim();
            let close = match l.chars().next()? {
                '<' => '>',
                '"' => '"',
                _ => return None,
            };
            let rest = &l[1..];
            rest.find(close).map(|e| rest[..e].to_string())
        })
        .collect()
}

/// `#define a b` aliases (both plain identifiers) in the headers `text`
/// includes, one level deep: how resolv.h turns `res_search` into
/// `__res_search`. Also the headers read from `dir` (the system's are
/// keyed by their directories' stamps, see `cached_calls`).
fn header_aliases(cfg: &Config, dir: &Path, text: &str) -> (HashMap<String, String>, Vec<PathBuf>) {
    let mut out = HashMap::new();
    let mut read = Vec::new();
    for h in includes(text) {
        let Some(path) = std::iter::once(dir)
            .chain(cfg.c_toolchain.include_dirs.iter().map(PathBuf::as_path))
            .map(|d| d.join(&h))
            .find(|p| p.is_file())
        else {
            continue;
        };
        if path.starts_with(dir) {
            read.push(path.clone());
        }
        let Ok(src) = crate::regular::read_to_string(&path) else {
            continue;
        };
        for line in src.lines() {
            let Some(rest) = line
                .trim_start()
                .strip_prefix('#')
                .and_then(|l| l.trim_start().strip_prefix("define"))
            else {
                continue;
            };
            let mut words = rest.split_whitespace();
            let (Some(a), Some(b), None) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            let ident = |s: &str| {
                s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            };
            if ident(a) && ident(b) {
                out.insert(a.to_string(), b.to_string());
            }
        }
    }
    (out, read)
}

/// The calls `scan` finds in a file (see `facts::remembered`): every
/// dynamic prediction (and fix variant) reads runtime/cgo's and net's C
/// and the headers they include. `what` names the scan and its part of the
/// file. The headers (for aliases) depend on the C toolchain: its include
/// directories, as they stand, are in the key.
fn cached_calls(
    cfg: &Config,
    sources: &Sources,
    path: &Path,
    what: &str,
    scan: impl FnOnce(&[u8]) -> (Vec<String>, Vec<PathBuf>),
) -> Arc<Vec<String>> {
    let key = calls_key(cfg, sources, path, what);
    super::facts::remembered(sources, &key, || {
        Some(
            crate::regular::read_all(path)
                .map(|src| scan(&src))
                .unwrap_or_default(),
        )
    })
    .unwrap_or_default()
}

/// Whether `cached_calls` has the calls of `path` (`what`) at hand.
fn calls_known(cfg: &Config, sources: &Sources, path: &Path, what: &str) -> bool {
    let key = calls_key(cfg, sources, path, what);
    super::facts::peek::<Vec<String>>(sources, &key).is_some()
}

fn preamble_what(at: usize) -> String {
    format!("preamble {at}")
}

fn calls_key<'p>(
    cfg: &Config,
    sources: &Sources,
    path: &'p Path,
    what: &str,
) -> super::facts::Key<'p> {
    let trusted = sources.trusts(path) && sources.overlay_contents(path).is_none();
    let version = if trusted {
        Some(0)
    } else {
        super::facts::stamp(path)
    };
    let system = super::facts::system_dirs_stamp(&cfg.c_toolchain.include_dirs);
    super::facts::Key {
        path,
        what: format!(
            "glibc calls {what} {:016x}",
            super::facts::hash64(
                format!("{:?}{system:?}", cfg.c_toolchain.include_dirs).as_bytes()
            )
        ),
        trusted,
        version: version.unwrap_or(0),
    }
}

/// The C calls of a cgo file's preamble (and the `C.name` references of
/// its Go code), `None` when the file has no `import "C"`.
fn preamble_calls(
    cfg: &Config,
    sources: &Sources,
    pkg: &Package,
    f: &SourceFile,
) -> Option<Arc<Vec<String>>> {
    let ic = f.header.import_c.as_ref()?;
    let what = preamble_what(ic.span.start);
    Some(cached_calls(cfg, sources, &f.path, &what, |src| {
        let pre = super::preamble(src, ic.span.start);
        let (aliases, read) = header_aliases(cfg, &pkg.dir, &pre);
        let mut names = body_calls(&pre);
        names.extend(super::libs::go_c_references(&String::from_utf8_lossy(src)));
        let names = names
            .into_iter()
            .map(|n| aliases.get(&n).cloned().unwrap_or(n))
            .collect();
        (names, read)
    }))
}

/// The C calls of a `.c` file of `pkg`.
fn c_file_calls(cfg: &Config, sources: &Sources, pkg: &Package, path: &Path) -> Arc<Vec<String>> {
    cached_calls(cfg, sources, path, "c", |src| {
        let text = String::from_utf8_lossy(src);
        let (aliases, read) = header_aliases(cfg, &pkg.dir, &text);
        let names = body_calls(&text)
            .into_iter()
            .map(|n| aliases.get(&n).cloned().unwrap_or(n))
            .collect();
        (names, read)
    })
}

/// What the linked C code references, per package.
fn references(
    cfg: &Config,
    sources: &Sources,
    graph: &Graph,
    p: &Prediction,
    notes: &mut Vec<String>,
) -> Vec<Reference> {
    let mut refs = Vec::new();
    let machine = super::archive::elf_machine(&cfg.goarch);
    // Every C text's calls, scanned on every core first (remembered: the
    // walk below finds them). A cold k9s check scanned DataDog/zstd's 40
    // files and their headers here on one core.
    let texts: Vec<(&Package, Option<&SourceFile>, PathBuf)> = p
        .cgo_packages
        .iter()
        .filter_map(|c| graph.get(&c.import_path))
        .flat_map(|pkg| {
            let preambles = pkg
                .cgo_files()
                .map(move |f| (&**pkg, Some(f), f.path.clone()));
            let files = pkg
                .c_files
                .iter()
                .filter(|f| f.to_string_lossy().ends_with(".c"))
                .map(move |f| (&**pkg, None, pkg.dir.join(f)));
            preambles.chain(files)
        })
        .collect();
    // (Only those not remembered yet: threads for nothing to do cost an
    // edit's re-prediction in the language server.)
    let texts: Vec<_> =
        texts
            .into_iter()
            .filter(|(_, f, path)| match f {
                Some(f) => f.header.import_c.as_ref().is_some_and(|ic| {
                    !calls_known(cfg, sources, path, &preamble_what(ic.span.start))
                }),
                None => !calls_known(cfg, sources, path, "c"),
            })
            .collect();
    if texts.len() > 1 {
        crate::par::map(&texts, |(pkg, f, path)| match f {
            Some(f) => {
                preamble_calls(cfg, sources, pkg, f);
            }
            None => {
                if path.is_file() {
                    c_file_calls(cfg, sources, pkg, path);
                }
            }
        });
    }
    for c in &p.cgo_packages {
        let Some(pkg) = graph.get(&c.import_path) else {
            continue;
        };
        let by = c.import_path.clone();
        let push = |refs: &mut Vec<Reference>, symbol: String, version: Option<String>| {
            refs.push(Reference {
                symbol,
                version,
                by: by.clone(),
            })
        };
        for f in pkg.cgo_files() {
            let Some(names) = preamble_calls(cfg, sources, pkg, f) else {
                continue;
            };
            for n in names.iter() {
                push(&mut refs, n.clone(), None);
            }
        }
        for file in &pkg.c_files {
            let name = file.to_string_lossy();
            if !name.ends_with(".c") {
                if !name.ends_with(".h") {
                    notes.push(format!(
                        "{}: {name} is not C; its references are not counted",
                        c.import_path
                    ));
                }
                continue;
            }
            let path = pkg.dir.join(file);
            if !path.is_file() {
                notes.push(format!("{}: {name} cannot be read", c.import_path));
                continue;
            }
            let names = c_file_calls(cfg, sources, pkg, &path);
            for n in names.iter() {
                push(&mut refs, n.clone(), None);
            }
        }
        if !pkg.syso_files.is_empty() {
            notes.push(format!(
                "{}: .syso objects are not read; their references are not counted",
                c.import_path
            ));
        }
        if !pkg.cgo_args(CgoVerb::PkgConfig).is_empty() {
            notes.push(format!(
                "{}: #cgo pkg-config libraries are not evaluated; their symbols are not counted",
                c.import_path
            ));
        }
        // Static archives: every member's undefined symbols (an upper bound:
        // the link may leave some members out).
        let flags = super::libs::link_flags(cfg, pkg);
        let dirs = super::libs::lib_dirs(&pkg.dir, &flags);
        for f in &flags {
            let archive = if let Some(name) = f.strip_prefix("-l") {
                match cfg.c_toolchain.find_library(name, &dirs, false) {
                    Some(path) if path.extension().is_some_and(|e| e == "a") => path,
                    _ => continue,
                }
            } else if f.ends_with(".a") && !f.starts_with('-') {
                pkg.dir
                    .join(f.replace("${SRCDIR}", &pkg.dir.to_string_lossy()))
            } else {
                continue;
            };
            match super::archive::read(&archive, true, machine) {
                Ok(a) => {
                    for m in a.members.iter() {
                        match m {
                            Ok(m) => {
                                for r in &m.references {
                                    let (s, v) = match r.symbol.split_once('@') {
                                        Some((s, v)) => (
                                            s.to_string(),
                                            Some(v.trim_start_matches('@').to_string()),
                                        ),
                                        None => (r.symbol.clone(), None),
                                    };
                                    push(&mut refs, s, v);
                                }
                            }
                            Err(e) => notes.push(format!(
                                "{}: a member of {} cannot be read ({e})",
                                c.import_path,
                                archive.display()
                            )),
                        }
                    }
                }
                Err(e) => notes.push(format!(
                    "{}: {}: {e}; its references are not counted",
                    c.import_path,
                    archive.display()
                )),
            }
        }
    }
    if p.link.linker == Some(super::Linker::External) {
        refs.push(Reference {
            symbol: "__libc_start_main".into(),
            version: None,
            by: CRT.into(),
        });
    }
    refs
}

const CRT: &str = "the C start-up files (crt1.o)";

/// The glibc target of `CC="zig cc -target x86_64-linux-gnu.2.28"`.
fn zig_target_glibc(cc: &[String]) -> Option<Option<Version>> {
    let first = Path::new(cc.first()?)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    if first != "zig" && !cc.iter().any(|a| a == "ziglang") {
        return None;
    }
    let target = cc
        .iter()
        .position(|a| a == "-target")
        .and_then(|i| cc.get(i + 1))
        .cloned()
        .or_else(|| {
            cc.iter()
                .find_map(|a| a.strip_prefix("-target=").map(str::to_string))
        });
    Some(
        target
            .and_then(|t| t.rsplit_once("gnu.").map(|(_, v)| v.to_string()))
            .and_then(|v| parse_version(&v)),
    )
}

/// The floor of a dynamic glibc link, or `None` when the binary has no
/// glibc references (static, musl, not Linux). `target` asks for the floor
/// on an older glibc than the C toolchain's (a builder image's).
pub fn floor(
    cfg: &Config,
    sources: &Sources,
    graph: &Graph,
    p: &Prediction,
    target: Option<&[u32]>,
) -> Option<GlibcFloor> {
    if p.link.result != super::Verdict::Dynamic
        || cfg.goos != "linux"
        || cfg.c_toolchain.libc != Libc::Glibc
        || p.cgo_packages.is_empty()
    {
        return None;
    }
    let mut notes = Vec::new();
    let mut complete = true;
    let mut target: Option<Version> = target.map(<[u32]>::to_vec);
    if let Some(zig) = zig_target_glibc(&cfg.cc) {
        match zig {
            Some(v) => target = Some(target.map_or(v.clone(), |t| t.min(v))),
            None => {
                return Some(GlibcFloor {
                    version: None,
                    symbol: None,
                    package: None,
                    computed_from: "zig cc".into(),
                    complete: false,
                    lower: None,
                    notes: vec!["zig cc without a glibc version in -target (x86_64-linux-gnu.2.28): zig's default glibc is not read".into()],
                });
            }
        }
    }
    // zig cc builds its glibc stubs from its own tables (never files on
    // disk): the system glibc's version tables for the target stand in,
    // read at zig's glibc version, as for a builder image of that glibc.
    let system;
    let cfg = match (&cfg.c_toolchain.zig, &target) {
        (Some(_), Some(_)) => match CToolchain::system_glibc(&cfg.goarch, &cfg.env) {
            Some(tc) => {
                system = Config {
                    c_toolchain: tc,
                    ..cfg.clone()
                };
                &system
            }
            None => cfg,
        },
        _ => cfg,
    };
    let libs = link_libraries(cfg, graph, p, &mut notes);
    let want_machine = super::archive::elf_machine(&cfg.goarch);
    let mut tables: Vec<(PathBuf, Arc<Table>)> = Vec::new();
    for path in &libs {
        match version_table(sources, path) {
            Some((t, m)) if want_machine.is_none_or(|w| w == m) => tables.push((path.clone(), t)),
            Some(_) => notes.push(format!(
                "{} is for another machine than {}",
                path.display(),
                cfg.goarch
            )),
            None => notes.push(format!("{} cannot be read", path.display())),
        }
    }
    let libc = tables.iter().find(|(p, _)| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("libc.so"))
    });
    let Some((libc_path, libc_table)) = libc else {
        notes.push("no readable libc.so.6 for the target: the floor cannot be computed".into());
        return Some(GlibcFloor {
            version: None,
            symbol: None,
            package: None,
            computed_from: cfg.c_toolchain.program.clone(),
            complete: false,
            notes,
            lower: None,
        });
    };
    let release = libc_table.release.clone();
    let mut computed_from = format!(
        "{} (glibc {})",
        libc_path.display(),
        release
            .as_deref()
            .map(version_text)
            .unwrap_or_else(|| "?".into())
    );
    if let Some(t) = &target {
        if release.as_ref().is_some_and(|r| r < t) {
            notes.push(format!(
                "the target's glibc {} is newer than {}'s {}: the floor is computed from the older one and may be lower than the real one",
                version_text(t),
                libc_path.display(),
                release.as_deref().map(version_text).unwrap_or_default()
            ));
            complete = false;
            target = None;
        } else {
            computed_from = format!(
                "glibc {} (symbol versions of {})",
                version_text(t),
                libc_path.display()
            );
        }
    }
    let refs = references(cfg, sources, graph, p, &mut notes);
    if !notes.is_empty() {
        complete = false;
    }
    let mut best: Option<(Version, String, String)> = None;
    let mut missing: BTreeMap<String, (String, String)> = BTreeMap::new();
    for r in &refs {
        let Some(sv) = tables.iter().find_map(|(_, t)| t.get(&r.symbol)) else {
            continue;
        };
        let chosen: Option<String> = match (&r.version, &target) {
            (Some(v), _) => Some(v.clone()),
            (None, None) => sv.default.clone(),
            (None, Some(t)) => {
                let newest_fit = |sv: &SymVersions| {
                    sv.all
                        .iter()
                        .filter_map(|v| parse_version(v).map(|n| (n, v)))
                        .filter(|(n, _)| n <= t)
                        .max()
                        .map(|(_, v)| v.clone())
                };
                // Names libresolv had as `#define res_search __res_search`
                // in the headers of older glibc: there the call is `__name`.
                let fit = newest_fit(sv).or_else(|| {
                    let alias = format!("__{}", r.symbol);
                    tables
                        .iter()
                        .find_map(|(_, t)| t.get(&alias))
                        .and_then(newest_fit)
                });
                if fit.is_none()
                    && let Some(d) = &sv.default
                    && parse_version(d).is_some()
                {
                    missing.insert(r.symbol.clone(), (d.clone(), r.by.clone()));
                }
                fit
            }
        };
        let Some(v) = chosen else { continue };
        let Some(n) = parse_version(&v) else { continue };
        // On a tie, a Go package's C names the floor before the start-up
        // files (which every external link has), then the first name.
        let better = match &best {
            None => true,
            Some((bn, bs, bb)) => {
                n > *bn
                    || (n == *bn
                        && (bb == CRT && r.by != CRT
                            || (bb == CRT) == (r.by == CRT) && r.symbol < *bs))
            }
        };
        if better {
            best = Some((n, r.symbol.clone(), r.by.clone()));
        }
    }
    for (sym, (v, by)) in &missing {
        notes.push(format!(
            "{sym} (referenced by {by}) has no version at or below glibc {} in this libc (its default is {v}); older headers may name it differently (resolv.h once made res_search __res_search): not counted",
            target.as_deref().map(version_text).unwrap_or_default()
        ));
    }
    let (version, symbol, package) = match best {
        Some((n, s, b)) => (
            Some(format!("GLIBC_{}", version_text(&n))),
            Some(s),
            Some(b),
        ),
        None => (None, None, None),
    };
    Some(GlibcFloor {
        version,
        symbol,
        package,
        computed_from,
        complete,
        notes,
        lower: None,
    })
}

/// What building against glibc `target` gives, predicted by the same
/// tables: "built against glibc 2.28 (a builder image with that glibc, or
/// CC=\"zig cc -target x86_64-linux-gnu.2.28\") the floor is GLIBC_2.3.2
/// (pthread_cond_broadcast@GLIBC_2.3.2 via runtime/cgo)". `None` when the
/// floor is already within `target` or cannot be computed.
pub fn lower_to(
    cfg: &Config,
    sources: &Sources,
    graph: &Graph,
    p: &Prediction,
    target: &[u32],
) -> Option<String> {
    let now = parse_version(p.link.glibc_floor.as_deref()?)?;
    if now.as_slice() <= target {
        return None;
    }
    let f = floor(cfg, sources, graph, p, Some(target))?;
    let v = f.version.clone()?;
    let t = version_text(target);
    let zig = match zig_triple(&cfg.goarch) {
        Some(triple) => {
            let found = crate::buildcfg::trust::lookup_path("zig", &cfg.env).is_some();
            format!(
                ", or CC=\"zig cc -target {triple}.{t}\"{}",
                if found { "" } else { " (zig is not on PATH)" }
            )
        }
        None => String::new(),
    };
    let mut s = format!(
        "built against glibc {t} (a builder image with that glibc{zig}) the floor is predicted {v} ({})",
        f.set_by().unwrap_or_default()
    );
    let missing: Vec<&String> = f
        .notes
        .iter()
        .filter(|n| n.contains("has no version at or below"))
        .collect();
    if !missing.is_empty() {
        s.push_str(&format!(
            "; but {} such symbol(s) do not exist there: {}",
            missing.len(),
            missing
                .iter()
                .map(|n| n.split(' ').next().unwrap_or(""))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Some(s)
}

/// zig's `-target` for a Go architecture (glibc targets).
pub fn zig_triple(goarch: &str) -> Option<&'static str> {
    Some(match goarch {
        "amd64" => "x86_64-linux-gnu",
        "arm64" => "aarch64-linux-gnu",
        "386" => "x86-linux-gnu",
        "riscv64" => "riscv64-linux-gnu",
        "ppc64le" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        _ => return None,
    })
}

/// Sets `link.glibc_floor` of a prediction (called once its link is decided).
pub fn apply(cfg: &Config, sources: &Sources, graph: &Graph, p: &mut Prediction) {
    let started = std::time::Instant::now();
    let f = floor(cfg, sources, graph, p, None);
    tracing::debug!(elapsed = ?started.elapsed(), "glibc floor of {}", p.import_path);
    p.link.glibc_floor = f.as_ref().and_then(|f| f.version.clone());
    p.link.glibc_floor_source = f.map(Box::new);
}

/// glibc by distribution release, oldest first per family (what
/// `runs_on` and the image table use). Sources: docs/glibc-images.md.
pub const DISTROS: &[(&str, &str, &[u32])] = &[
    ("Debian", "10", &[2, 28]),
    ("Debian", "11", &[2, 31]),
    ("Debian", "12", &[2, 36]),
    ("Debian", "13", &[2, 41]),
    ("Ubuntu", "18.04", &[2, 27]),
    ("Ubuntu", "20.04", &[2, 31]),
    ("Ubuntu", "22.04", &[2, 35]),
    ("Ubuntu", "24.04", &[2, 39]),
    ("RHEL", "8", &[2, 28]),
    ("RHEL", "9", &[2, 34]),
    ("Amazon Linux", "2", &[2, 26]),
    ("Amazon Linux", "2023", &[2, 34]),
];

/// "runs on glibc ≥ 2.34: Debian 12+, Ubuntu 22.04+, RHEL 9+, Amazon
/// Linux 2023+; not on Debian 11, Ubuntu 20.04, RHEL 8, Amazon Linux 2".
pub fn runs_on(floor: &[u32]) -> String {
    let mut yes = Vec::new();
    let mut no = Vec::new();
    let mut families: Vec<&str> = Vec::new();
    for (f, _, _) in DISTROS {
        if !families.contains(f) {
            families.push(f);
        }
    }
    for fam in families {
        let rel: Vec<_> = DISTROS.iter().filter(|(f, _, _)| *f == fam).collect();
        if let Some((_, r, _)) = rel.iter().find(|(_, _, v)| *v >= floor) {
            yes.push(format!("{fam} {r}+"));
        }
        if let Some((_, r, _)) = rel.iter().rev().find(|(_, _, v)| *v < floor) {
            no.push(format!("{fam} {r}"));
        }
    }
    let mut s = format!("runs on glibc ≥ {}", version_text(floor));
    if !yes.is_empty() {
        s.push_str(&format!(": {}", yes.join(", ")));
    }
    if !no.is_empty() {
        s.push_str(&format!("; not on {} or older", no.join(", ")));
    }
    s
}

/// The line under a package in `check`: "glibc floor GLIBC_2.34
/// (pthread_attr_getstack@GLIBC_2.34 via runtime/cgo): runs on …".
pub fn floor_line(g: &GlibcFloor) -> String {
    let Some(v) = &g.version else {
        return format!(
            "glibc floor: unknown ({})",
            if g.notes.is_empty() {
                "no glibc symbol references seen".to_string()
            } else {
                g.notes.join("; ")
            }
        );
    };
    let mut s = format!("glibc floor {v}");
    if let Some(by) = g.set_by() {
        s.push_str(&format!(" ({by})"));
    }
    if let Some(n) = parse_version(v) {
        s.push_str(&format!(": {}", runs_on(&n)));
    }
    if !g.complete {
        s.push_str(&format!(" [at least: {}]", g.notes.join("; ")));
    }
    s
}

/// The `glibc-too-new` caveat when the floor is above `min`.
pub fn too_new(p: &Prediction, min: &[u32]) -> Option<super::Caveat> {
    let g = p.link.glibc_floor_source.as_ref()?;
    let v = parse_version(g.version.as_ref()?)?;
    let min = trim_version(min);
    let min = min.as_slice();
    if v.as_slice() <= min {
        return None;
    }
    Some(super::Caveat {
        code: "glibc-too-new".into(),
        message: format!(
            "the binary needs {} ({}), newer than the minimum glibc {}: on an older system it stops with \"version `{}' not found\". It {}",
            g.version.as_deref().unwrap_or_default(),
            g.set_by().unwrap_or_default(),
            version_text(min),
            g.version.as_deref().unwrap_or_default(),
            runs_on(&v)
        ),
    })
}

/// Adds `glibc-too-new` to a prediction whose floor is above `min`, with
/// the build that lowers it, predicted.
pub fn require_min(cfg: &Config, sources: &Sources, p: &mut Prediction, min: &[u32]) {
    if let Some(mut c) = too_new(p, min)
        && !p.caveats.iter().any(|x| x.code == c.code)
    {
        let graph = p.graph.clone();
        if let Some(lower) = lower_to(cfg, sources, &graph, p, min) {
            c.message.push_str(&format!(". To lower it: {lower}"));
            if let Some(f) = &mut p.link.glibc_floor_source {
                f.lower = Some(lower);
            }
        }
        p.caveats.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_in_bodies_only() {
        let c = "int stat(const char*, struct stat*);\nstatic void f(void) { struct stat st; stat(\"x\", &st); /* open() */ pthread_create (0,0,0,0); }";
        let calls = body_calls(c);
        assert!(calls.contains(&"stat".to_string()));
        assert!(calls.contains(&"pthread_create".to_string()));
        assert!(!calls.contains(&"open".to_string()));
        let d = "static void f(void) { struct stat (x); }";
        assert!(body_calls(d).is_empty(), "{:?}", body_calls(d));
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("GLIBC_2.34") > parse_version("GLIBC_2.4"));
        assert!(parse_version("GLIBC_2.3.2") > parse_version("GLIBC_2.3"));
        assert_eq!(parse_version("GLIBC_PRIVATE"), None);
        assert_eq!(version_text(&[2, 2, 5]), "2.2.5");
    }

    #[test]
    fn runs_on_names_releases() {
        assert_eq!(
            runs_on(&[2, 34]),
            "runs on glibc ≥ 2.34: Debian 12+, Ubuntu 22.04+, RHEL 9+, Amazon Linux 2023+; not on Debian 11, Ubuntu 20.04, RHEL 8, Amazon Linux 2 or older"
        );
    }

    #[test]
    fn zig_target_version() {
        let cc: Vec<String> = ["zig", "cc", "-target", "x86_64-linux-gnu.2.28"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(zig_target_glibc(&cc), Some(Some(vec![2, 28])));
        assert_eq!(zig_target_glibc(&["gcc".to_string()]), None);
    }

    #[test]
    fn host_libc_table_has_default_and_compat_versions() {
        // This machine's libc: pthread_create's default moved to 2.34 when
        // libpthread merged into libc, the 2.2.5 one stays as compat.
        let libc = Path::new("/lib/x86_64-linux-gnu/libc.so.6");
        assert!(libc.exists(), "the tests need glibc at {}", libc.display());
        let (t, _) = version_table(&Sources::new(), libc).expect("libc.so.6 reads");
        let pc = &t["pthread_create"];
        assert!(pc.all.iter().any(|v| v == "GLIBC_2.2.5"), "{pc:?}");
        assert_eq!(t["getaddrinfo"].default.as_deref(), Some("GLIBC_2.2.5"));
    }

    /// A library's table is kept in the header index under its stamp:
    /// a later run takes it from there (here, a planted table the file does
    /// not have), and reads the library again once it changes.
    #[test]
    fn library_tables_are_kept_in_the_index_until_the_library_changes() {
        use crate::load::header_index::{HeaderIndex, Trusted};
        let tmp = tempfile::tempdir().unwrap();
        let lib = tmp.path().join("libc.so.6");
        std::fs::copy("/lib/x86_64-linux-gnu/libc.so.6", &lib).expect("the tests need glibc");
        let index = tmp.path().join("index");
        let tc = crate::buildcfg::Toolchain::fixed_for_tests();
        let trusted = Trusted::of(&tc, &tmp.path().join("project"));
        let sources = || {
            let s = Sources::new();
            s.use_index(
                HeaderIndex::open(index.clone(), 42, std::time::Duration::ZERO)
                    .trusting(trusted.clone()),
            );
            s
        };
        let table = |s: &Sources| {
            let meta = std::fs::metadata(&lib).unwrap();
            saved_or_read_table(s, &lib, &meta).expect("the copy reads")
        };
        let first = sources();
        let (read, machine) = table(&first);
        assert_eq!(read["getaddrinfo"].default.as_deref(), Some("GLIBC_2.2.5"));
        // What the index keeps is the table as read.
        let meta = std::fs::metadata(&lib).unwrap();
        let kept = table_from_lists(table_to_lists(&(read.clone(), machine))).unwrap();
        assert_eq!(kept.1, machine);
        assert_eq!(kept.0.release, read.release);
        assert_eq!(kept.0.syms.len(), read.syms.len());
        for (name, v) in &read.syms {
            assert_eq!(kept.0.syms[name].default, v.default, "{name}");
            assert_eq!(kept.0.syms[name].all, v.all, "{name}");
        }
        // Plant another table under the library's key.
        let planted = Table {
            syms: HashMap::from([(
                "only_in_the_index".to_string(),
                SymVersions {
                    default: Some("GLIBC_9.9".into()),
                    all: vec!["GLIBC_9.9".into()],
                },
            )]),
            release: Some(vec![9, 9]),
        };
        first.save_index().unwrap();
        let planter = sources();
        planter.record_facts(
            &saved_table_key(&lib, &meta),
            &table_to_lists(&(Arc::new(planted), machine)),
        );
        planter.save_index().unwrap();
        let (later, _) = table(&sources());
        assert!(
            later.syms.contains_key("only_in_the_index"),
            "{:?}",
            later.release
        );
        assert_eq!(later.release, Some(vec![9, 9]));
        // A new library (here, a rewritten copy) is read again.
        std::fs::remove_file(&lib).unwrap();
        std::fs::copy("/lib/x86_64-linux-gnu/libc.so.6", &lib).unwrap();
        let (after, _) = table(&sources());
        assert!(!after.syms.contains_key("only_in_the_index"));
        assert_eq!(after.release, read.release);
    }
}
