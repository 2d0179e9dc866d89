//! Windows (PE) targets: which DLLs the executable imports, and whether a
//! clean Windows has them all.
//!
//! - The Go linker writes the DLLs of the standard library's
//!   `//go:cgo_import_dynamic` directives: kernel32.dll only (go1.26.8;
//!   everything else is loaded at run time with LoadLibrary).
//! - With cgo, `runtime/cgo`'s C code adds the C runtime (msvcrt.dll with
//!   Debian's MinGW), named by the toolchain's own `libmsvcrt.a`.
//! - The external link (MinGW gcc) imports a DLL for each `-l` import
//!   library (`libfoo.dll.a`, or a `libfoo.a` that is one) whose symbols the
//!   C code references, plus KERNEL32.dll and the C runtime; the posix
//!   thread variant adds `-lpthread` itself, C++ adds `-lstdc++ -lgcc_s`.
//!   `-extldflags -static` makes ld take only `lib*.a`, so MinGW's runtime
//!   DLLs (libwinpthread-1.dll, libstdc++-6.dll, libgcc_s_seh-1.dll) are
//!   linked in from their static archives.
//!
//! Import libraries are read here (goblin's archive and COFF readers) rather
//! than by running `dlltool`/`nm`: linklens runs no program but `go`.

use super::{Caveat, CgoPackage, Link, Linker, Prediction, Verdict, dynimport, libs};
use crate::buildcfg::mingw::MinGw;
use crate::buildcfg::{Config, LinkerFlags};
use crate::load::graph::{Graph, Loader};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Diagnostic code of a Windows binary that needs DLLs a clean Windows lacks.
pub const NONSYSTEM_CODE: &str = "windows-nonsystem-dll";

/// The verdict words of a Windows prediction (the reason that starts so).
pub const SYSTEM_ONLY: &str = "system DLLs only";
pub const NEEDS_THIRD_PARTY: &str = "needs MinGW/third-party DLLs";

/// What a Windows or macOS prediction says about the libraries beyond the
/// system's own, in a few words ("system DLLs only", "needs Homebrew/rpath
/// libraries: …"); `None` for other targets.
pub fn platform_verdict(p: &Prediction) -> Option<&str> {
    let starts = [
        SYSTEM_ONLY,
        NEEDS_THIRD_PARTY,
        super::darwin::SYSTEM_ONLY,
        super::darwin::NEEDS_THIRD_PARTY,
    ];
    p.reasons
        .iter()
        .rev()
        .find(|r| starts.iter().any(|s| r.starts_with(s)))
        .and_then(|r| r.split(" — ").next())
}

/// The link of a Windows executable, once the linker is chosen.
pub fn link(
    loader: &Loader,
    g: &Graph,
    p: &mut Prediction,
    ld: &LinkerFlags,
    linker: Linker,
    iscgo: bool,
) -> Link {
    let cfg = loader.cfg;
    let pie = cfg.is_pie();
    let mingw =
        crate::buildcfg::mingw::detect(&cfg.c_toolchain.program, cfg.c_toolchain.path.as_deref());
    let mut needed: Vec<String> = Vec::new();
    let mut foreign: Vec<String> = Vec::new();
    let push = |needed: &mut Vec<String>, dll: String| {
        if !needed.iter().any(|d| d.eq_ignore_ascii_case(&dll)) {
            needed.push(dll);
        }
    };
    match linker {
        Linker::Internal => {
            let from_go = dynimport::libraries(loader, g);
            let names: Vec<&str> = from_go.iter().map(|(l, _)| l.as_str()).collect();
            let pkgs: Vec<&str> = from_go.iter().map(|(_, p)| p.as_str()).collect();
            p.reasons.push(format!(
                "the Go linker writes the imports of the standard library's own //go:cgo_import_dynamic directives: {} (from {}); Go loads every other system DLL at run time with LoadLibrary",
                names.join(", "),
                dedup(&pkgs).join(", ")
            ));
            for (l, _) in from_go {
                push(&mut needed, l);
            }
            if iscgo {
                // cmd/go links runtime/cgo's C objects with the C compiler
                // once and turns their imports into directives: the C runtime.
                match mingw.as_ref().and_then(crt_dll) {
                    Some(crt) => {
                        p.reasons.push(format!(
                            "runtime/cgo's C code imports the C runtime, {crt} (MinGW's libmsvcrt.a)"
                        ));
                        push(&mut needed, crt);
                    }
                    None => return not_mingw(cfg),
                }
            }
        }
        Linker::External => {
            let Some(m) = mingw.as_ref() else {
                return not_mingw(cfg);
            };
            let static_link = ld.wants_static() || cfg.cgo_ldflags.iter().any(|f| f == "-static");
            match external(cfg, g, p, m, static_link, &mut needed, &mut foreign) {
                Ok(()) => {}
                Err(link) => return link,
            }
        }
    }
    let third: Vec<String> = match &mingw {
        Some(m) => needed
            .iter()
            .filter(|d| m.ships_dll(d) || foreign.iter().any(|f| f.eq_ignore_ascii_case(d)))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    if third.is_empty() {
        p.reasons.push(format!(
            "{SYSTEM_ONLY} — {} {} part of every Windows, so the .exe runs on a clean Windows",
            needed.join(", "),
            if needed.len() == 1 { "is" } else { "are" }
        ));
    } else {
        let msg = format!(
            "{NEEDS_THIRD_PARTY}: {} (not on a clean Windows) — ship {} beside the .exe, or link statically with `-ldflags '-extldflags \"-static\"'`",
            third.join(", "),
            if third.len() == 1 { "it" } else { "them" }
        );
        p.reasons.push(msg.clone());
        p.caveats.push(Caveat {
            code: NONSYSTEM_CODE.into(),
            message: format!(
                "{msg}. Without {}, Windows refuses to start the program (\"The code execution cannot proceed because {} was not found\").",
                if third.len() == 1 { "it" } else { "them" },
                third[0]
            ),
        });
    }
    Link {
        result: Verdict::Dynamic,
        linker: Some(linker),
        interpreter: None,
        needed,
        pie,
        glibc_floor: None,
        glibc_floor_source: None,
        error: None,
    }
}

fn dedup<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for s in v {
        if !out.contains(s) {
            out.push(s);
        }
    }
    out
}

fn not_mingw(cfg: &Config) -> Link {
    Link {
        result: Verdict::Unknown,
        linker: None,
        interpreter: None,
        needed: vec![],
        pie: false,
        glibc_floor: None,
        glibc_floor_source: None,
        error: Some(format!(
            "cgo for windows/{} links with a MinGW-w64 C compiler; CC is `{}`, which linklens does not recognise as one (set CC=x86_64-w64-mingw32-gcc)",
            cfg.goarch, cfg.c_toolchain.program
        )),
    }
}

/// The C runtime DLL MinGW links (`-lmsvcrt` in gcc's specs).
fn crt_dll(m: &MinGw) -> Option<String> {
    let lib = import_lib(&m.find_library("msvcrt", &[], false)?)?;
    lib.dll_of("malloc")
        .or_else(|| lib.dlls.first().map(String::as_str))
        .map(str::to_string)
}

/// The external (MinGW gcc) link: KERNEL32, the C runtime, then what the
/// `-l` flags' import libraries give for symbols the C code references.
fn external(
    cfg: &Config,
    g: &Graph,
    p: &mut Prediction,
    m: &MinGw,
    static_link: bool,
    needed: &mut Vec<String>,
    foreign: &mut Vec<String>,
) -> Result<(), Link> {
    let add = |needed: &mut Vec<String>, dll: &str| {
        if !needed.iter().any(|d| d.eq_ignore_ascii_case(dll)) {
            needed.push(dll.to_string());
        }
    };
    let kernel = m
        .find_library("kernel32", &[], false)
        .and_then(|f| import_lib(&f))
        .and_then(|l| l.dlls.first().cloned());
    let crt = crt_dll(m);
    let (Some(kernel), Some(crt)) = (kernel, crt) else {
        return Err(Link {
            result: Verdict::Unknown,
            linker: Some(Linker::External),
            interpreter: None,
            needed: vec![],
            pie: false,
            glibc_floor: None,
            glibc_floor_source: None,
            error: Some(format!(
                "cannot read MinGW's libkernel32.a / libmsvcrt.a in {}",
                m.lib_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        });
    };
    p.reasons.push(format!(
        "the C linker ({}) imports {kernel} (the Go runtime's imports, through libkernel32.a) and {crt} (the C runtime)",
        cfg.c_toolchain.program
    ));
    add(needed, &kernel);
    add(needed, &crt);

    let referenced = referenced_symbols(g, &p.cgo_packages);
    let cxx = p.cgo_packages.iter().any(|c| {
        g.get(&c.import_path).is_some_and(|pkg| {
            pkg.c_files.iter().any(|f| {
                let f = f.to_string_lossy();
                [".cc", ".cpp", ".cxx"].iter().any(|e| f.ends_with(e))
            })
        })
    });
    // (-l name, package that asks, whether its symbols are known)
    let mut wanted: Vec<(String, Vec<PathBuf>, String, bool)> = Vec::new();
    for c in &p.cgo_packages {
        let Some(pkg) = g.get(&c.import_path) else {
            continue;
        };
        let flags = super::libs::link_flags(cfg, pkg);
        let dirs = super::libs::lib_dirs(&pkg.dir, &flags);
        for f in &flags {
            if let Some(name) = f.strip_prefix("-l")
                && !wanted.iter().any(|w| w.0 == name)
            {
                wanted.push((name.into(), dirs.clone(), c.import_path.clone(), true));
            }
        }
    }
    if m.posix_threads && !wanted.iter().any(|w| w.0 == "pthread") {
        wanted.push((
            "pthread".into(),
            vec![],
            format!(
                "{} (posix thread model: -lpthread by default)",
                cfg.c_toolchain.program
            ),
            true,
        ));
    }
    if cxx {
        for name in ["stdc++", "gcc_s"] {
            // The C++ runtime's symbols are mangled and inlined: assume used.
            if static_link && name == "gcc_s" {
                continue; // -static links libgcc_eh instead
            }
            wanted.push((name.into(), vec![], "the C++ link (g++)".into(), false));
        }
    }
    for (name, dirs, by, check) in wanted {
        let Some(file) = m.find_library(&name, &dirs, static_link) else {
            return Err(Link {
                result: Verdict::Fails,
                linker: Some(Linker::External),
                interpreter: None,
                needed: vec![],
                pie: false,
                glibc_floor: None,
                glibc_floor_source: None,
                error: Some(format!(
                    "/usr/bin/{}-ld: cannot find -l{name}: No such file or directory{}",
                    m.triple,
                    if static_link {
                        " (no static archive under -static)"
                    } else {
                        ""
                    }
                )),
            });
        };
        let shown = file.display();
        let Some(lib) = import_lib(&file) else {
            p.reasons.push(format!(
                "-l{name} ({by}) resolves to {shown}, a static archive: linked into the .exe"
            ));
            continue;
        };
        let dlls: Vec<&str> = if check {
            let mut v: Vec<&str> = referenced.iter().filter_map(|s| lib.dll_of(s)).collect();
            v.sort();
            v.dedup();
            v
        } else {
            lib.dlls.iter().map(String::as_str).collect()
        };
        if dlls.is_empty() {
            p.reasons.push(format!(
                "-l{name} ({by}) resolves to the import library {shown}, but the C code uses none of its functions: ld imports nothing from it"
            ));
            continue;
        }
        let from_user = !m.lib_dirs.iter().any(|d| file.starts_with(d));
        p.reasons.push(format!(
            "-l{name} ({by}) resolves to the import library {shown}: the .exe imports {}{}",
            dlls.join(", "),
            if static_link {
                " (an import library even under -static: the DLL stays)"
            } else {
                ""
            }
        ));
        for d in dlls {
            add(needed, d);
            if from_user {
                foreign.push(d.to_string());
            }
        }
    }
    if static_link {
        p.reasons.push(
            "-extldflags -static: ld takes only lib*.a archives, so MinGW's runtime (libwinpthread, libstdc++, libgcc) is linked into the .exe".into(),
        );
    }
    Ok(())
}

/// C identifiers of the cgo packages (preambles, C/C++ files, `C.name`).
fn referenced_symbols(g: &Graph, cgo: &[CgoPackage]) -> HashSet<String> {
    let mut ids = HashSet::new();
    for c in cgo {
        let Some(pkg) = g.get(&c.import_path) else {
            continue;
        };
        for f in pkg.cgo_files() {
            if let (Ok(src), Some(ic)) =
                (crate::regular::read(&f.path, 8 << 20), &f.header.import_c)
            {
                ids.extend(libs::c_identifiers(&super::preamble(&src, ic.span.start)));
                ids.extend(libs::go_c_references(&String::from_utf8_lossy(&src)));
            }
        }
        for f in &pkg.c_files {
            if let Ok(src) = crate::regular::read(&pkg.dir.join(f), 8 << 20) {
                ids.extend(libs::c_identifiers(&String::from_utf8_lossy(&src)));
            }
        }
    }
    ids
}

/// A Windows import library: which DLL each imported function comes from.
#[derive(Debug, Default)]
pub struct ImportLib {
    by_symbol: HashMap<String, String>,
    /// The DLLs it imports from, first seen first.
    pub dlls: Vec<String>,
}

impl ImportLib {
    pub fn dll_of(&self, symbol: &str) -> Option<&str> {
        self.by_symbol.get(symbol).map(String::as_str)
    }
}

/// Reads `path` as an import library, `None` when it imports nothing (a
/// static archive) or cannot be read. Cached by size and mtime.
pub fn import_lib(path: &Path) -> Option<Arc<ImportLib>> {
    type Entry = ((u64, Option<SystemTime>), Option<Arc<ImportLib>>);
    static CACHE: Mutex<Option<HashMap<PathBuf, Entry>>> = Mutex::new(None);
    let stamp = std::fs::metadata(path)
        .map(|m| (m.len(), m.modified().ok()))
        .unwrap_or((0, None));
    if let Ok(guard) = CACHE.lock()
        && let Some((s, l)) = guard.as_ref().and_then(|m| m.get(path))
        && *s == stamp
    {
        return l.clone();
    }
    let lib = crate::regular::read(path, 256 << 20)
        .ok()
        .map(|b| read_import_lib(&b))
        .filter(|l| !l.dlls.is_empty())
        .map(Arc::new);
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() > 128 {
            map.clear();
        }
        map.insert(path.to_path_buf(), (stamp, lib.clone()));
    }
    lib
}

/// Both forms: short import members (MSVC, llvm-dlltool: the DLL name is in
/// the member), and binutils dlltool's objects, where a function's member
/// refers to `_head_<lib>`, whose member refers to `<lib>_iname`, whose
/// member's `.idata$7` section holds the DLL name.
fn read_import_lib(bytes: &[u8]) -> ImportLib {
    use goblin::archive::Archive;
    let mut out = ImportLib::default();
    let Ok(ar) = Archive::parse(bytes) else {
        return out;
    };
    let summary = ar.summarize();
    let mut member_of: HashMap<&str, &str> = HashMap::new();
    for (member, _, syms) in &summary {
        for s in syms {
            member_of.entry(s).or_insert(member);
        }
    }
    let mut head_dll: HashMap<String, Option<String>> = HashMap::new();
    for (member, _, syms) in &summary {
        let imps: Vec<&str> = syms
            .iter()
            .filter_map(|s| s.strip_prefix("__imp_"))
            .collect();
        if imps.is_empty() {
            continue;
        }
        let Ok(data) = ar.extract(member, bytes) else {
            continue;
        };
        let dll = if let Some(d) = short_import_dll(data) {
            Some(d)
        } else {
            undefined_symbols(data)
                .into_iter()
                .find(|u| u.starts_with("_head_"))
                .and_then(|head| {
                    head_dll
                        .entry(head.clone())
                        .or_insert_with(|| dll_of_head(&ar, bytes, &member_of, &head))
                        .clone()
                })
        };
        let Some(dll) = dll else {
            continue;
        };
        if !out.dlls.contains(&dll) {
            out.dlls.push(dll.clone());
        }
        for s in imps {
            out.by_symbol.insert(s.to_string(), dll.clone());
        }
    }
    out
}

/// `IMPORT_OBJECT_HEADER` (Sig1 0, Sig2 0xFFFF), then "symbol\0dll\0".
fn short_import_dll(data: &[u8]) -> Option<String> {
    if data.len() < 20 || data[0..4] != [0, 0, 0xff, 0xff] {
        return None;
    }
    let mut names = data[20..].split(|&b| b == 0);
    names.next()?;
    let dll = names.next()?;
    (!dll.is_empty()).then(|| String::from_utf8_lossy(dll).into_owned())
}

fn dll_of_head(
    ar: &goblin::archive::Archive<'_>,
    bytes: &[u8],
    member_of: &HashMap<&str, &str>,
    head: &str,
) -> Option<String> {
    let hm = member_of.get(head)?;
    let hdata = ar.extract(hm, bytes).ok()?;
    let iname = undefined_symbols(hdata)
        .into_iter()
        .find(|u| u.ends_with("_iname"))?;
    let tm = member_of.get(iname.as_str())?;
    let tdata = ar.extract(tm, bytes).ok()?;
    let coff = goblin::pe::Coff::parse(tdata).ok()?;
    let sect = coff
        .sections
        .iter()
        .find(|s| s.name().is_ok_and(|n| n == ".idata$7"))?;
    let raw = sect.data(tdata).ok()??;
    let name = raw.split(|&b| b == 0).next()?;
    (!name.is_empty()).then(|| String::from_utf8_lossy(name).into_owned())
}

/// Names of the undefined symbols of a COFF object.
fn undefined_symbols(data: &[u8]) -> Vec<String> {
    let Ok(coff) = goblin::pe::Coff::parse(data) else {
        return Vec::new();
    };
    let (Some(syms), Some(strs)) = (&coff.symbols, &coff.strings) else {
        return Vec::new();
    };
    syms.iter()
        .filter(|(_, _, s)| s.section_number == 0 && s.storage_class == 2)
        .filter_map(|(_, name, s)| {
            name.map(str::to_string)
                .or_else(|| s.name(strs).ok().map(str::to_string))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Debian's MinGW import libraries (gcc-mingw-w64-x86-64, installed by
    /// scripts/test-deps.sh): the names ld writes into the import table.
    #[test]
    fn reads_mingw_import_libraries() {
        let lib = Path::new("/usr/x86_64-w64-mingw32/lib");
        assert!(lib.is_dir(), "gcc-mingw-w64-x86-64 is not installed");
        let pthread = import_lib(&lib.join("libpthread.dll.a")).expect("an import library");
        assert_eq!(
            pthread.dll_of("pthread_create"),
            Some("libwinpthread-1.dll")
        );
        let k = import_lib(&lib.join("libkernel32.a")).expect("an import library");
        assert_eq!(k.dll_of("CreateThread"), Some("KERNEL32.dll"));
        let crt = import_lib(&lib.join("libmsvcrt.a")).expect("an import library");
        assert_eq!(crt.dll_of("malloc"), Some("msvcrt.dll"));
        // The static winpthread archive imports nothing.
        assert!(import_lib(&lib.join("libwinpthread.a")).is_none());
    }

    /// The words a user reads (check's verdict line, the hover's first line)
    /// and the fix list, for the pthread program (tests/windarwin.rs
    /// checks the import lists against real builds).
    #[test]
    fn pthread_needs_winpthread_and_static_fixes_it() {
        use crate::buildcfg::{Environ, Toolchain};
        use crate::engine::Engine;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/windarwin/pthread");
        let mut env: Environ = crate::buildcfg::trust::process_env();
        for (k, v) in [
            ("GOOS", "windows"),
            ("GOARCH", "amd64"),
            ("CGO_ENABLED", "1"),
            ("CC", "x86_64-w64-mingw32-gcc-win32"),
        ] {
            env.insert(k.into(), v.into());
        }
        let engine = Engine::new(Toolchain::discover(&env));
        let (cfg, _) = engine.config(&env, &[]).unwrap();
        let mut r = engine.check(&dir, &cfg, &[".".into()], true).unwrap();
        let p = r.packages.remove(0);
        let line = crate::report::verdict_line(&p);
        assert!(
            line.ends_with(
                "needs KERNEL32.dll, msvcrt.dll, libwinpthread-1.dll, PIE — needs MinGW/third-party DLLs: libwinpthread-1.dll (not on a clean Windows)"
            ),
            "{line}"
        );
        assert!(p.caveats.iter().any(|c| c.code == NONSYSTEM_CODE));
        let fixes: Vec<(String, Vec<String>)> = p
            .fixes
            .iter()
            .map(|f| (f.id.clone(), f.link.needed.clone()))
            .collect();
        assert!(
            fixes.contains(&(
                "mingw-static".into(),
                vec!["KERNEL32.dll".into(), "msvcrt.dll".into()]
            )),
            "{fixes:?}"
        );
        // CGO_ENABLED=0 drops the only Go file (it imports "C"): go fails.
        assert!(
            p.fixes
                .iter()
                .any(|f| f.id == "cgo-disabled" && f.link.result == Verdict::Fails),
            "{fixes:?}"
        );
    }
}
