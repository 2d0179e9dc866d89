//! macOS (Mach-O) targets: the dylibs and frameworks the executable loads.
//!
//! A macOS binary is never static: Apple ships no static libc, so libSystem
//! is always loaded by dyld. What matters is whether anything beyond the
//! system's own libraries (/usr/lib, /System) is needed.
//!
//! - The Go linker records the libraries of the standard library's
//!   `//go:cgo_import_dynamic` directives in the packages linked: libSystem
//!   (runtime, syscall), libresolv (net, through internal/syscall/unix),
//!   CoreFoundation and Security (crypto/x509). Checked with real cross
//!   builds (tests/windarwin.rs).
//! - A cgo build links with clang and the macOS SDK; each `-lfoo` and
//!   `-framework Foo` becomes the install name of its `.tbd` stub or
//!   `.dylib`. Without the SDK (any Linux host) the names cannot be known,
//!   and darwin cgo cannot be linked here to check them: the prediction says
//!   so instead of guessing.

use super::{Caveat, Link, Linker, Prediction, Verdict, dynimport};
use crate::buildcfg::{Config, LinkerFlags};
use crate::load::graph::{Graph, Loader};
use std::path::{Path, PathBuf};

/// Diagnostic code of a macOS binary that needs libraries outside the system.
pub const NONSYSTEM_CODE: &str = "macos-nonsystem-dylib";

/// The verdict words of a macOS prediction (the reason that starts so).
pub const SYSTEM_ONLY: &str = "system libraries only (/usr/lib, /System)";
pub const NEEDS_THIRD_PARTY: &str = "needs Homebrew/rpath libraries";

pub const LIBSYSTEM: &str = "/usr/lib/libSystem.B.dylib";

/// Whether `install_name` is one of the system's own libraries.
pub fn is_system(install_name: &str) -> bool {
    install_name.starts_with("/usr/lib/") || install_name.starts_with("/System/")
}

pub fn link(
    loader: &Loader,
    g: &Graph,
    p: &mut Prediction,
    _ld: &LinkerFlags,
    linker: Linker,
    iscgo: bool,
) -> Link {
    let cfg = loader.cfg;
    p.reasons.push(
        "macOS binaries always load libSystem dynamically (Apple ships no static libc): no Go binary for macOS is static".into(),
    );
    let from_go = dynimport::libraries(loader, g);
    let mut needed: Vec<String> = Vec::new();
    for (lib, pkg) in &from_go {
        p.reasons.push(format!(
            "{pkg} imports {lib} (//go:cgo_import_dynamic in the standard library)"
        ));
        needed.push(lib.clone());
    }
    if iscgo && !needed.iter().any(|n| n == LIBSYSTEM) {
        needed.push(LIBSYSTEM.into());
    }
    if linker == Linker::External {
        p.reasons.push(format!(
            "cgo: the C linker ({}) links with the macOS SDK; linklens cannot link darwin cgo on this host to check it",
            cfg.c_toolchain.program
        ));
        let sdk = sdk_root(cfg);
        // Install names Go's own directives spell out (crypto/x509 names
        // CoreFoundation and Security): a `-framework` among them needs no SDK.
        let mut known: Vec<String> = from_go.iter().map(|(l, _)| l.clone()).collect();
        if let Ok(macos) = loader.resolve("crypto/x509/internal/macos", true) {
            for f in &macos.files {
                known.extend(dynimport::of_file(&f.path).libs);
            }
        }
        for c in p.cgo_packages.clone() {
            let Some(pkg) = g.get(&c.import_path) else {
                continue;
            };
            let flags = super::libs::link_flags(cfg, pkg);
            let mut dirs = super::libs::lib_dirs(&pkg.dir, &flags);
            if let Some(s) = &sdk {
                dirs.push(s.join("usr/lib"));
            }
            let mut i = 0;
            while i < flags.len() {
                let f = &flags[i];
                let (what, found) = if f == "-framework" {
                    i += 1;
                    let Some(name) = flags.get(i) else { break };
                    (
                        format!("-framework {name}"),
                        sdk.as_ref()
                            .and_then(|s| framework(s, name))
                            .or_else(|| known_framework(&known, name)),
                    )
                } else if let Some(name) = f.strip_prefix("-l") {
                    (format!("-l{name}"), dylib(&dirs, name))
                } else {
                    i += 1;
                    continue;
                };
                i += 1;
                match found {
                    Some(Found::Dynamic(install)) => {
                        p.reasons
                            .push(format!("{what} ({}) is the dylib {install}", c.import_path));
                        if !needed.contains(&install) {
                            needed.push(install);
                        }
                    }
                    Some(Found::Static(a)) => p.reasons.push(format!(
                        "{what} ({}) resolves to the static archive {}: linked into the binary",
                        c.import_path,
                        a.display()
                    )),
                    None => {
                        return Link {
                            result: Verdict::Unknown,
                            linker: Some(linker),
                            interpreter: None,
                            needed: vec![],
                            pie: false,
                            glibc_floor: None,
                            glibc_floor_source: None,
                            error: Some(format!(
                                "{} links {what}: its install name is in the macOS SDK (a .tbd stub), which is not on this host{}; linklens cannot tell which dylib the binary will load",
                                c.import_path,
                                if sdk.is_some() {
                                    "'s SDKROOT"
                                } else {
                                    " (SDKROOT is not set)"
                                }
                            )),
                        };
                    }
                }
            }
        }
    }
    let outside: Vec<&String> = needed.iter().filter(|n| !is_system(n)).collect();
    if outside.is_empty() {
        p.reasons.push(format!(
            "{SYSTEM_ONLY} — {} {} part of every macOS",
            needed.join(", "),
            if needed.len() == 1 { "is" } else { "are" }
        ));
    } else {
        let names: Vec<&str> = outside.iter().map(|s| s.as_str()).collect();
        let msg = format!(
            "{NEEDS_THIRD_PARTY}: {} (not on a Mac that lacks them) — dyld stops the program with \"Library not loaded\" there",
            names.join(", ")
        );
        p.reasons.push(msg.clone());
        p.caveats.push(Caveat {
            code: NONSYSTEM_CODE.into(),
            message: format!(
                "{msg}. Link them statically (point -L at their .a only) or ship them with the app."
            ),
        });
    }
    Link {
        result: Verdict::Dynamic,
        linker: Some(linker),
        interpreter: Some("/usr/lib/dyld".into()),
        needed,
        pie: cfg.is_pie(),
        glibc_floor: None,
        glibc_floor_source: None,
        error: None,
    }
}

/// `/System/Library/Frameworks/X.framework/Versions/A/X` among `known`.
fn known_framework(known: &[String], name: &str) -> Option<Found> {
    let dir = format!("/System/Library/Frameworks/{name}.framework/Versions/");
    known
        .iter()
        .find(|k| {
            k.strip_prefix(&dir)
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(_, file)| file == name)
        })
        .map(|k| Found::Dynamic(k.clone()))
}

enum Found {
    Dynamic(String),
    Static(PathBuf),
}

/// `SDKROOT`, or `-isysroot DIR` in CC or CGO_LDFLAGS.
fn sdk_root(cfg: &Config) -> Option<PathBuf> {
    if let Some(s) = cfg.env.get("SDKROOT").filter(|s| !s.is_empty()) {
        return Some(PathBuf::from(s));
    }
    let words: Vec<&String> = cfg.cc.iter().chain(&cfg.cgo_ldflags).collect();
    words
        .windows(2)
        .find(|w| w[0] == "-isysroot")
        .map(|w| PathBuf::from(w[1]))
}

fn framework(sdk: &Path, name: &str) -> Option<Found> {
    let dir = sdk
        .join("System/Library/Frameworks")
        .join(format!("{name}.framework"));
    install_name(&dir.join(format!("{name}.tbd")))
        .or_else(|| install_name(&dir.join(name)))
        .map(Found::Dynamic)
}

/// ld64's order per directory: `libfoo.tbd`, `libfoo.dylib`, `libfoo.a`.
fn dylib(dirs: &[PathBuf], name: &str) -> Option<Found> {
    for d in dirs {
        for ext in ["tbd", "dylib"] {
            let f = d.join(format!("lib{name}.{ext}"));
            if f.is_file() {
                return install_name(&f).map(Found::Dynamic);
            }
        }
        let a = d.join(format!("lib{name}.a"));
        if a.is_file() {
            return Some(Found::Static(a));
        }
    }
    None
}

/// The install name of a `.tbd` stub (`install-name:`) or a Mach-O dylib
/// (LC_ID_DYLIB).
fn install_name(path: &Path) -> Option<String> {
    let bytes = crate::regular::read(path, 64 << 20).ok()?;
    if let Ok(goblin::mach::Mach::Binary(m)) = goblin::mach::Mach::parse(&bytes) {
        return m.name.map(str::to_string);
    }
    tbd_install_name(&String::from_utf8_lossy(&bytes))
}

/// `install-name: '/usr/lib/libz.1.dylib'` (tbd v3/v4) or
/// `"install_names":[{"name":"…"}]` (v5, JSON).
pub fn tbd_install_name(text: &str) -> Option<String> {
    for line in text.lines() {
        if let Some(v) = line.trim().strip_prefix("install-name:") {
            let v = v.trim().trim_matches(['\'', '"']);
            return (!v.is_empty()).then(|| v.to_string());
        }
    }
    let at = text.find("\"install_names\"")?;
    let rest = &text[at..];
    let name_at = rest.find("\"name\"")?;
    let rest = rest[name_at + 6..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tbd_install_names() {
        let v4 = "--- !tapi-tbd\ntbd-version: 4\ntargets: [ x86_64-macos, arm64-macos ]\ninstall-name: '/usr/lib/libz.1.dylib'\n";
        assert_eq!(
            tbd_install_name(v4).as_deref(),
            Some("/usr/lib/libz.1.dylib")
        );
        let v5 = r#"{"main_library":{"install_names":[{"name":"/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation"}]}}"#;
        assert_eq!(
            tbd_install_name(v5).as_deref(),
            Some("/System/Library/Frameworks/Foundation.framework/Versions/C/Foundation")
        );
        assert!(is_system("/usr/lib/libresolv.9.dylib"));
        assert!(!is_system(
            "/opt/homebrew/opt/sqlite/lib/libsqlite3.0.dylib"
        ));
        assert!(!is_system("@rpath/libfoo.dylib"));
    }

    /// darwin cgo cannot be linked here (no SDK), so these are the engine's
    /// rules only: a `-l` with no stub is unknown, naming the flag; a `.tbd`
    /// under `-L` gives its install name, outside the system's paths.
    #[test]
    fn darwin_cgo_libraries_come_from_stubs_or_stay_unknown() {
        use crate::buildcfg::{Environ, Toolchain};
        use crate::engine::Engine;
        let tmp = tempfile::tempdir().unwrap();
        let m = tmp.path();
        std::fs::write(m.join("go.mod"), "module example.com/m\n\ngo 1.26\n").unwrap();
        std::fs::write(
            m.join("main.go"),
            "package main\n\n// #cgo LDFLAGS: -L${SRCDIR}/lib -lsqlite3\n// int sqlite3_libversion_number(void);\nimport \"C\"\n\nfunc main() { println(C.sqlite3_libversion_number()) }\n",
        )
        .unwrap();
        let mut env: Environ = crate::buildcfg::trust::process_env();
        for (k, v) in [
            ("GOOS", "darwin"),
            ("GOARCH", "arm64"),
            ("CGO_ENABLED", "1"),
        ] {
            env.insert(k.into(), v.into());
        }
        // An osxcross-style compiler for the target, read as a file and
        // never run (darwin headers are not checked); the host's gcc would
        // fail first, as it does for real: it cannot assemble arm64 code.
        let cc = tmp.path().join("arm64-apple-darwin23-clang");
        std::fs::write(&cc, "#!/bin/sh\nexit 1\n").unwrap();
        std::fs::set_permissions(&cc, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        env.insert("CC".into(), cc.to_string_lossy().into_owned());
        let engine = Engine::new(Toolchain::discover(&env));
        let (cfg, _) = engine.config(&env, &[]).unwrap();
        let check = || {
            engine.clear_caches();
            let mut r = engine.check(m, &cfg, &[".".into()], false).unwrap();
            r.packages.remove(0)
        };
        let p = check();
        assert_eq!(p.link.result, Verdict::Unknown, "{:?}", p.link);
        assert!(
            p.link
                .error
                .as_deref()
                .is_some_and(|e| e.contains("-lsqlite3")),
            "{:?}",
            p.link
        );
        std::fs::create_dir_all(m.join("lib")).unwrap();
        std::fs::write(
            m.join("lib/libsqlite3.tbd"),
            "--- !tapi-tbd\ntbd-version: 4\ninstall-name: '/opt/homebrew/opt/sqlite/lib/libsqlite3.0.dylib'\n",
        )
        .unwrap();
        let p = check();
        assert_eq!(p.link.result, Verdict::Dynamic, "{:?}", p.link);
        assert!(
            p.link
                .needed
                .contains(&"/opt/homebrew/opt/sqlite/lib/libsqlite3.0.dylib".to_string())
        );
        assert!(p.link.needed.contains(&LIBSYSTEM.to_string()));
        assert!(p.caveats.iter().any(|c| c.code == NONSYSTEM_CODE));
        assert!(
            crate::report::verdict_line(&p).ends_with(
                "needs Homebrew/rpath libraries: /opt/homebrew/opt/sqlite/lib/libsqlite3.0.dylib (not on a Mac that lacks them)"
            ),
            "{}",
            crate::report::verdict_line(&p)
        );
    }
}
