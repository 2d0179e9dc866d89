//! The C link line of an external link (or of cmd/go's per-package
//! `_cgo_.o` link), as the inputs ld reads in order: the Go and C objects,
//! then each cgo package's `CGO_LDFLAGS` and `#cgo LDFLAGS` (packages in
//! cmd/link's load order: breadth-first in import order), then
//! `-extldflags`, then what gcc adds (libgcc, libc). This module finds and
//! reads the files; ldsim.rs decides what resolves.
//!
//! The C library's own archives and shared objects (libc, libm, libgcc,
//! libpthread...) only define symbols here: their internal references are
//! the toolchain's business. Archives the packages name are followed
//! member by member.

use super::archive::{self, Archive};
use super::csource;
use super::ldsim::{Definer, Input};
use super::libs;
use crate::buildcfg::Config;
use crate::buildcfg::ctoolchain::Libc;
use crate::load::Package;
use crate::load::source::Sources;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Libraries that belong to the C toolchain: read for their definitions only.
const SYSTEM_LIBS: &[&str] = &[
    "c",
    "m",
    "pthread",
    "dl",
    "rt",
    "util",
    "resolv",
    "anl",
    "mvec",
    "gcc",
    "gcc_s",
    "gcc_eh",
    "c_nonshared",
];

/// What go.o and runtime/cgo define for C code to call.
const GO_DEFINED: &[&str] = &[
    "main",
    "crosscall2",
    "_cgo_panic",
    "_cgo_topofstack",
    "_cgo_wait_runtime_init_done",
    "_cgo_release_context",
    "_cgo_set_context_function",
    "_cgo_get_context_function",
    "_cgo_init",
];

/// gcc and ld options that change symbol resolution in ways not modelled:
/// with them on the line a missing symbol is not proof of failure.
const NOT_MODELLED: &[&str] = &[
    "-nostdlib",
    "-nodefaultlibs",
    "-nolibc",
    "-u",
    "-T",
    "-fuse-ld=",
    "-flto",
    "-fsanitize=",
    "--unresolved-symbols",
    "--allow-shlib-undefined",
    "--defsym",
    "--wrap",
    "--undefined",
    "--require-defined",
    "--just-symbols",
    "--copy-dt-needed-entries",
    "--script",
];

/// ld options (inside `-Wl,`) whose next word is their value, not a file.
const LD_VALUE_OPTIONS: &[&str] = &[
    "-rpath",
    "-rpath-link",
    "-soname",
    "-h",
    "-Map",
    "--version-script",
    "-z",
    "--dynamic-linker",
    "-I",
    "-e",
    "--entry",
    "-o",
    "-y",
    "-Y",
];

#[derive(Debug, Default)]
pub struct Line {
    pub inputs: Vec<Input>,
    /// Whether the packages name an archive or object file of their own
    /// (otherwise there is nothing for ldsim to add).
    pub names_archive: bool,
    /// Parts of the line not read or not modelled: a reference left
    /// unresolved might be defined there.
    pub blind: Vec<String>,
    /// ld stops at this (a named file does not exist).
    pub fatal: Option<String>,
    /// A named archive that cannot be read at all.
    pub unreadable: Option<String>,
    /// Where each followed archive comes from: (label, package, word).
    pub origins: Vec<(String, String, String)>,
}

/// Position-dependent ld state (`-Bstatic`, `--as-needed`, ...).
#[derive(Debug, Clone, Copy)]
struct Mode {
    static_libs: bool,
    as_needed: bool,
    whole: bool,
}

struct Builder<'a> {
    cfg: &'a Config,
    machine: Option<u16>,
    dirs: Vec<PathBuf>,
    mode: Mode,
    saved: Vec<Mode>,
    /// Open `--start-group`s, innermost last.
    groups: Vec<Vec<Input>>,
    /// ld scripts being expanded (a script may name itself).
    script_depth: u32,
    line: Line,
}

/// The words one package contributes: CGO_LDFLAGS, then its `#cgo LDFLAGS`
/// with `${SRCDIR}` expanded.
fn package_words(cfg: &Config, pkg: &Package) -> Vec<String> {
    let dir = pkg.dir.to_string_lossy();
    cfg.cgo_ldflags
        .iter()
        .cloned()
        .chain(
            super::pkgconfig::ldflags(pkg)
                .into_iter()
                .map(|w| w.replace("${SRCDIR}", &dir)),
        )
        .collect()
}

/// The line for `pkgs` (cgo packages in link order). `extldflags` and the
/// Go objects belong to the final link; cmd/go's `_cgo_.o` link has neither.
pub fn build(
    cfg: &Config,
    sources: &Sources,
    pkgs: &[&Package],
    extldflags: &[String],
    static_link: bool,
) -> Line {
    let cc = &cfg.c_toolchain;
    let mut b = Builder {
        cfg,
        machine: archive::elf_machine(&cfg.goarch),
        dirs: Vec::new(),
        mode: Mode {
            static_libs: static_link,
            as_needed: cc.as_needed,
            whole: false,
        },
        saved: Vec::new(),
        groups: Vec::new(),
        script_depth: 0,
        line: Line::default(),
    };
    let words: Vec<(Option<&Package>, Vec<String>)> = pkgs
        .iter()
        .map(|p| (Some(*p), package_words(cfg, p)))
        .chain(std::iter::once((None, extldflags.to_vec())))
        .collect();
    // ld applies every -L to every -l, wherever they stand.
    for (pkg, ws) in &words {
        let base = pkg.map_or_else(PathBuf::new, |p| p.dir.clone());
        let mut it = ws.iter();
        while let Some(w) = it.next() {
            let dir = match w.as_str() {
                "-L" => it.next().cloned(),
                _ => w.strip_prefix("-L").map(str::to_string),
            };
            if let Some(d) = dir {
                b.dirs.push(base.join(d));
            }
        }
    }
    if let Some(d) = &cc.gcc_lib_dir {
        b.dirs.push(d.clone());
    }
    // Most links name no archive: skip reading libc and friends for them.
    if !words.iter().any(|(_, ws)| b.names_archive(ws)) {
        return b.line;
    }
    let mut objs = objects(sources, pkgs, &mut b.line.blind);
    if static_link
        && cc.libc == Libc::Glibc
        && let Input::Objects { defines, .. } = &mut objs
    {
        // A static link has no ld.so: ld relaxes the general-dynamic TLS
        // accesses to local-exec and drops the `__tls_get_addr` calls
        // (measured: confluent-kafka-go v2.11.1's librdkafka links static).
        defines.push(("__tls_get_addr".into(), Definer::Go));
    }
    b.line.inputs.push(objs);
    for (pkg, ws) in &words {
        b.words(*pkg, ws);
    }
    while let Some(g) = b.groups.pop() {
        b.push(Input::Group(g));
    }
    b.defaults(static_link);
    b.line
}

/// The Go and C objects: what the packages' C code references and defines.
fn objects(sources: &Sources, pkgs: &[&Package], blind: &mut Vec<String>) -> Input {
    let mut references: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut defines: Vec<(String, Definer)> = GO_DEFINED
        .iter()
        .map(|s| (s.to_string(), Definer::Go))
        .collect();
    let read = |p: &Path| {
        sources
            .read_small(p, 1 << 20)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    };
    for pkg in pkgs.iter().filter(|p| !p.standard) {
        let mut c_texts = Vec::new();
        let mut refs = HashSet::new();
        for f in pkg.cgo_files() {
            let Some(src) = read(&f.path) else { continue };
            if let Some(ic) = &f.header.import_c {
                c_texts.push(super::preamble(src.as_bytes(), ic.span.start));
            }
            refs.extend(libs::go_c_references(&src));
            for e in csource::go_exports(&src) {
                defines.push((e, Definer::Go));
            }
        }
        for f in &pkg.c_files {
            let name = f.as_encoded_bytes();
            if [".cc", ".cpp", ".cxx", ".C"]
                .iter()
                .any(|e| name.ends_with(e.as_bytes()))
            {
                blind.push(format!(
                    "{} has C++ sources (g++ links libstdc++, which is not modelled)",
                    pkg.import_path
                ));
            }
            if let Some(t) = read(&pkg.dir.join(f)) {
                c_texts.push(t);
            }
        }
        for t in &c_texts {
            refs.extend(csource::body_references(t));
            for d in csource::definitions(t) {
                defines.push((d, Definer::CSource(pkg.import_path.clone())));
            }
        }
        let mut refs: Vec<String> = refs.into_iter().collect();
        refs.sort();
        references.extend(refs.into_iter().filter(|r| seen.insert(r.clone())));
    }
    Input::Objects {
        references,
        defines,
    }
}

fn is_object_file(w: &str) -> bool {
    w.ends_with(".a") || w.ends_with(".o") || w.ends_with(".so") || w.contains(".so.")
}

impl Builder<'_> {
    fn push(&mut self, input: Input) {
        match self.groups.last_mut() {
            Some(g) => g.push(input),
            None => self.line.inputs.push(input),
        }
    }

    /// Whether `ws` names an archive or object of the project's own: a
    /// file word, or `-lname` (not a C library) that finds only `libname.a`.
    fn names_archive(&self, ws: &[String]) -> bool {
        let args: Vec<&str> = ws
            .iter()
            .flat_map(|w| match w.strip_prefix("-Wl,") {
                Some(list) => list.split(',').collect::<Vec<_>>(),
                None => vec![w.as_str()],
            })
            .collect();
        let static_libs = self.mode.static_libs || args.contains(&"-Bstatic");
        args.iter().any(|w| {
            if let Some(name) = w.strip_prefix("-l") {
                return match name.strip_prefix(':') {
                    Some(file) => file.ends_with(".a"),
                    None => {
                        !SYSTEM_LIBS.contains(&name)
                            && self
                                .cfg
                                .c_toolchain
                                .find_library(name, &self.dirs, static_libs)
                                .is_some_and(|p| p.extension().is_some_and(|e| e == "a"))
                    }
                };
            }
            !w.starts_with('-') && is_object_file(w) && !w.contains(".so")
        })
    }

    fn blind(&mut self, why: String) {
        if !self.line.blind.contains(&why) {
            self.line.blind.push(why);
        }
    }

    fn words(&mut self, pkg: Option<&Package>, ws: &[String]) {
        let base = pkg.map_or_else(PathBuf::new, |p| p.dir.clone());
        let who = pkg.map_or("-extldflags".to_string(), |p| p.import_path.clone());
        let mut i = 0;
        while i < ws.len() {
            let w = ws[i].as_str();
            i += 1;
            if w == "-L" {
                i += 1;
            } else if w.starts_with("-L") {
            } else if let Some(name) = w.strip_prefix("-l") {
                self.library(name, &who, w);
            } else if let Some(args) = w.strip_prefix("-Wl,") {
                let args: Vec<&str> = args.split(',').collect();
                let mut j = 0;
                while j < args.len() {
                    j += self.ld_arg(args[j], &base, &who);
                }
            } else if w == "-Xlinker" {
                if let Some(a) = ws.get(i) {
                    i += 1;
                    self.ld_arg(a, &base, &who);
                }
            } else if w == "-static" || w == "-static-pie" {
                // In -extldflags it is the static link the caller asked for.
                if pkg.is_some() {
                    self.blind(format!("{who} passes {w} in its link flags"));
                }
            } else if NOT_MODELLED.iter().any(|f| w.starts_with(f)) {
                self.blind(format!("{who} passes {w}"));
            } else if !w.starts_with('-') && is_object_file(w) {
                self.file(&base.join(w), w, &who, !Path::new(w).is_absolute());
            }
        }
    }

    /// One ld option; returns how many words it used.
    fn ld_arg(&mut self, a: &str, base: &Path, who: &str) -> usize {
        match a {
            "--start-group" | "-(" => self.groups.push(Vec::new()),
            "--end-group" | "-)" => {
                if let Some(g) = self.groups.pop() {
                    self.push(Input::Group(g));
                }
            }
            "--whole-archive" => self.mode.whole = true,
            "--no-whole-archive" => self.mode.whole = false,
            "-Bstatic" | "-dn" | "-non_shared" | "-static" => self.mode.static_libs = true,
            "-Bdynamic" | "-dy" | "-call_shared" => self.mode.static_libs = false,
            "--as-needed" => self.mode.as_needed = true,
            "--no-as-needed" => self.mode.as_needed = false,
            "--push-state" => self.saved.push(self.mode),
            "--pop-state" => {
                if let Some(m) = self.saved.pop() {
                    self.mode = m;
                }
            }
            _ if LD_VALUE_OPTIONS.contains(&a) => return 2,
            _ if a.starts_with("-l") => self.library(&a[2..], who, a),
            _ if NOT_MODELLED.iter().any(|f| a.starts_with(f)) => {
                self.blind(format!("{who} passes -Wl,{a}"));
            }
            _ if !a.starts_with('-') && is_object_file(a) => {
                self.file(&base.join(a), a, who, !Path::new(a).is_absolute());
            }
            _ => {}
        }
        1
    }

    /// `-lname` (or `-l:file`): the first match in the search path.
    fn library(&mut self, name: &str, who: &str, word: &str) {
        let found = match name.strip_prefix(':') {
            Some(file) => self
                .dirs
                .iter()
                .chain(&self.cfg.c_toolchain.lib_dirs)
                .map(|d| d.join(file))
                .find(|p| p.exists()),
            None => self
                .cfg
                .c_toolchain
                .find_library(name, &self.dirs, self.mode.static_libs),
        };
        let Some(path) = found else {
            self.blind(format!("-l{name} is not in the library search path"));
            return;
        };
        let system = SYSTEM_LIBS.contains(&name);
        if !system && path.extension().is_some_and(|e| e == "a") {
            self.line.names_archive = true;
            self.line.origins.push((
                path.to_string_lossy().into_owned(),
                who.to_string(),
                word.to_string(),
            ));
        }
        let input = self.read(&path, system, self.mode.as_needed);
        if let Some(i) = input {
            self.push(i);
        }
    }

    /// A file named on the line: an archive, object or shared library.
    fn file(&mut self, path: &Path, word: &str, who: &str, relative: bool) {
        if relative {
            // The final link runs in a temporary directory.
            self.blind(format!("{who} names {word} by a relative path"));
            return;
        }
        let label = path.to_string_lossy().into_owned();
        let followed = !word.contains(".so");
        if followed {
            self.line.names_archive = true;
            self.line
                .origins
                .push((label.clone(), who.to_string(), word.to_string()));
        }
        if !path.exists() {
            self.line.fatal.get_or_insert(format!(
                "/usr/bin/ld: cannot find {label}: No such file or directory"
            ));
            return;
        }
        if word.ends_with(".o") {
            match crate::regular::read_all(path) {
                Ok(bytes) => {
                    let member = archive::parse_member(word, &bytes, self.machine);
                    self.push(Input::Archive {
                        label,
                        archive: Arc::new(one_member(word, member)),
                        follow: true,
                        whole: true,
                    });
                }
                Err(e) => {
                    self.line.unreadable.get_or_insert(format!("{label}: {e}"));
                }
            }
            return;
        }
        if let Some(i) = self.read(path, false, self.mode.as_needed) {
            self.push(i);
        }
    }

    /// Reads an archive, a shared object or an ld script naming either.
    fn read(&mut self, path: &Path, system: bool, as_needed: bool) -> Option<Input> {
        let label = path.to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "a") {
            let ar = archive::read(path, !system, self.machine);
            return match ar {
                Ok(a) => Some(Input::Archive {
                    label,
                    archive: a,
                    follow: !system,
                    whole: self.mode.whole && !system,
                }),
                // glibc's libm.a is an ld script naming the real archives.
                Err(archive::ReadError::Malformed(_)) => self.script(path, system, as_needed),
                Err(e) => {
                    if system {
                        self.blind(format!("{label} cannot be read ({e})"));
                    } else {
                        self.line
                            .unreadable
                            .get_or_insert(format!("cannot read {label}: {e}"));
                    }
                    None
                }
            };
        }
        let Some(head) = read_head(path) else {
            self.blind(format!("{label} cannot be read"));
            return None;
        };
        if head.starts_with(b"\x7fELF") {
            let bytes = crate::regular::read_all(path).ok()?;
            return Some(Input::Shared {
                soname: libs::soname_of(&bytes, path),
                symbols: libs::defined_symbols(path),
                as_needed,
            });
        }
        self.script(path, system, as_needed)
    }

    /// A GNU ld script: its files, as one group.
    fn script(&mut self, path: &Path, system: bool, as_needed: bool) -> Option<Input> {
        let bytes = crate::regular::read_all(path).unwrap_or_default();
        let files = libs::script_inputs(&bytes);
        if self.script_depth >= 4 {
            let msg = format!("{} nests ld scripts too deeply", path.display());
            if system {
                self.blind(msg);
            } else {
                self.line.unreadable.get_or_insert(msg);
            }
            return None;
        }
        if files.is_empty() {
            let what = if system {
                "is neither an archive, a shared object nor a linker script linklens reads"
            } else {
                "is not an ar archive, a shared object or an ld script"
            };
            let msg = format!("{} {what}", path.display());
            if system {
                self.blind(msg);
            } else {
                self.line.unreadable.get_or_insert(msg);
            }
            return None;
        }
        self.script_depth += 1;
        let mut group = Vec::new();
        for f in files {
            if f.path.exists() {
                if let Some(i) = self.read(&f.path, system, as_needed || f.as_needed) {
                    group.push(i);
                }
            } else {
                self.blind(format!(
                    "{} names {}, which does not exist",
                    path.display(),
                    f.path.display()
                ));
            }
        }
        self.script_depth -= 1;
        Some(Input::Group(group))
    }

    /// What the gcc driver appends: libgcc and libc (a group when static).
    fn defaults(&mut self, static_link: bool) {
        let cc = &self.cfg.c_toolchain;
        self.mode = Mode {
            static_libs: static_link,
            as_needed: cc.as_needed,
            whole: false,
        };
        let gcc_dir = cc.gcc_lib_dir.clone();
        let libgcc = gcc_dir.as_ref().map(|d| d.join("libgcc.a"));
        let libgcc_eh = gcc_dir.as_ref().map(|d| d.join("libgcc_eh.a"));
        let mut inputs = Vec::new();
        match &libgcc {
            Some(p) if p.exists() => inputs.extend(self.read(p, true, false)),
            _ => self.blind("gcc's libgcc.a was not found".into()),
        }
        if static_link || cc.libc == Libc::Musl {
            if let Some(p) = libgcc_eh.filter(|p| p.exists()) {
                inputs.extend(self.read(&p, true, false));
            }
        } else if let Some(p) = cc
            .lib_dirs
            .iter()
            .map(|d| d.join("libgcc_s.so.1"))
            .find(|p| p.exists())
        {
            // `--push-state --as-needed -lgcc_s --pop-state` in gcc's specs.
            inputs.extend(self.read(&p, true, true));
        }
        match cc.find_library("c", &[], static_link) {
            Some(p) => inputs.extend(self.read(&p, true, cc.as_needed)),
            None => self.blind("the C library was not found".into()),
        }
        if static_link {
            // `--start-group -lgcc -lgcc_eh -lc --end-group`.
            self.push(Input::Group(inputs));
        } else {
            for i in inputs {
                self.push(i);
            }
        }
    }
}

fn read_head(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut buf = vec![0u8; 8];
    let (mut f, _) = crate::regular::open(path).ok()?;
    let n = f.read(&mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}

/// A lone object file as a one-member archive linked whole.
fn one_member(name: &str, member: Result<archive::Member, String>) -> Archive {
    let defines = member
        .as_ref()
        .map(|m| m.defines.clone())
        .unwrap_or_default();
    Archive {
        names: vec![name.to_string()],
        index: defines.iter().map(|d| (d.clone(), 0)).collect(),
        index_symbols: vec![defines],
        members: vec![member],
        has_index: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buildcfg::flags::BuildFlags;
    use crate::buildcfg::toolchain::{Environ, Toolchain};
    #[cfg(feature = "real-toolchain")]
    use crate::predict::ldsim;
    #[cfg(feature = "real-toolchain")]
    use std::process::Command;

    fn host_config() -> Option<Config> {
        if std::env::consts::OS != "linux" || std::env::consts::ARCH != "x86_64" {
            return None;
        }
        let mut tc = Toolchain::default();
        tc.host_goos = "linux".into();
        tc.host_goarch = "amd64".into();
        let env: Environ = std::env::vars().collect();
        let mut env = env;
        env.insert("CGO_ENABLED".into(), "1".into());
        env.remove("CC");
        env.remove("CGO_LDFLAGS");
        let cfg = Config::with_flags(&tc, &env, BuildFlags::default());
        // Config finds the compiler on PATH (no program runs): a missing
        // one must fail these tests, not skip them.
        assert!(
            cfg.c_toolchain.path.is_some(),
            "these tests need a C compiler on PATH (apt-get install -y gcc)"
        );
        Some(cfg)
    }

    /// A package `p` in `dir` whose preamble carries `ldflags` and whose Go
    /// code calls `needm_root`.
    fn package(cfg: &Config, sources: &Sources, dir: &Path, ldflags: &str) -> Package {
        std::fs::write(
            dir.join("p.go"),
            format!(
                "package p\n\n/*\n#cgo LDFLAGS: {ldflags}\ndouble needm_root(double);\n*/\nimport \"C\"\n\nfunc R() float64 {{ return float64(C.needm_root(2)) }}\n"
            ),
        )
        .unwrap();
        Package::load(sources, "example.com/p", dir, false, &cfg.tags)
    }

    #[cfg(feature = "real-toolchain")]
    fn archive_calling_sqrt(dir: &Path) {
        let c = dir.join("needm.c");
        std::fs::write(
            &c,
            "#include <math.h>\ndouble needm_root(double x) { return sqrt(x); }\n",
        )
        .unwrap();
        let o = dir.join("needm.o");
        let ok = |c: &mut Command| c.status().expect("gcc and ar (apt-get install -y gcc)");
        assert!(
            ok(Command::new("gcc")
                .args(["-c", "-O2", "-o"])
                .arg(&o)
                .arg(&c))
            .success()
        );
        assert!(
            ok(Command::new("ar")
                .arg("rcs")
                .arg(dir.join("libneedm.a"))
                .arg(&o))
            .success()
        );
    }

    #[test]
    #[cfg(feature = "real-toolchain")] // runs gcc and ar
    fn archive_needs_libm_only_when_named_after_it() {
        let Some(cfg) = host_config() else { return };
        let dir = tempfile::tempdir().unwrap();
        archive_calling_sqrt(dir.path());
        let sources = Sources::new();
        let run = |ldflags: &str| {
            let sub = tempfile::tempdir_in(dir.path()).unwrap();
            let flags = ldflags.replace("DIR", &dir.path().to_string_lossy());
            let pkg = package(&cfg, &sources, sub.path(), &flags);
            let line = build(&cfg, &sources, &[&pkg], &[], false);
            assert!(line.names_archive, "{ldflags}");
            assert!(
                line.fatal.is_none() && line.unreadable.is_none(),
                "{ldflags}"
            );
            (line.blind.clone(), ldsim::simulate(&line.inputs))
        };
        let (blind, alone) = run("DIR/libneedm.a");
        assert_eq!(alone.unresolved[0].symbol, "sqrt", "{alone:?}");
        assert!(blind.is_empty(), "{blind:?}");
        let (_, after) = run("-LDIR -lneedm -lm");
        assert!(after.unresolved.is_empty(), "{after:?}");
        assert!(after.needed_by_archives.contains(&"libm.so.6".to_string()));
        if cfg.c_toolchain.as_needed {
            let (_, before) = run("-lm DIR/libneedm.a");
            assert_eq!(before.unresolved[0].symbol, "sqrt");
        }
        // Checked with gcc: a group brings libm back for the archive.
        let (_, grouped) = run("-Wl,--start-group -lm DIR/libneedm.a -Wl,--end-group");
        assert!(grouped.unresolved.is_empty(), "{:?}", grouped.unresolved);
        assert!(
            grouped
                .needed_by_archives
                .contains(&"libm.so.6".to_string())
        );
    }

    #[test]
    fn links_without_archives_are_not_replayed() {
        let Some(cfg) = host_config() else { return };
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources::new();
        let pkg = package(&cfg, &sources, dir.path(), "-lm");
        let line = build(&cfg, &sources, &[&pkg], &[], false);
        assert!(!line.names_archive && line.inputs.is_empty());
    }

    #[test]
    fn missing_unreadable_and_self_naming_archives() {
        let Some(cfg) = host_config() else { return };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_string_lossy().into_owned();
        // A fresh package (and source cache) per flag set.
        let line_for = |ldflags: &str| {
            let sub = tempfile::tempdir_in(dir.path()).unwrap();
            let sources = Sources::new();
            let pkg = package(&cfg, &sources, sub.path(), ldflags);
            build(&cfg, &sources, &[&pkg], &[], false)
        };
        let line = line_for(&format!("{d}/libabsent.a"));
        assert_eq!(
            line.fatal.as_deref(),
            Some(
                format!("/usr/bin/ld: cannot find {d}/libabsent.a: No such file or directory")
                    .as_str()
            )
        );
        std::fs::write(dir.path().join("libjunk.a"), "neither archive nor script").unwrap();
        let line = line_for(&format!("{d}/libjunk.a"));
        assert!(line.unreadable.is_some(), "{:?}", line.fatal);
        // An ld script that names itself must not recurse forever.
        std::fs::write(
            dir.path().join("libloop.a"),
            format!("GROUP ( {d}/libloop.a )\n"),
        )
        .unwrap();
        let line = line_for(&format!("{d}/libloop.a"));
        assert!(line.unreadable.unwrap_or_default().contains("too deeply"));
        // A relative path is not followed: the final link runs elsewhere.
        let line = line_for("lib/librel.a");
        assert!(
            line.blind.iter().any(|b| b.contains("relative")),
            "{:?}",
            line.blind
        );
    }
}
