//! Ground truth for Windows and macOS targets: each case is cross-built with
//! the real toolchain (go, and MinGW-w64 gcc/g++ for windows cgo), the
//! binary's import table is read with `linklens inspect --json`, and
//! `linklens check --json` under the same environment and flags must predict
//! exactly those DLLs / dylibs, and the same platform verdict words (which
//! imported DLLs ship with MinGW or the test's own library rather than with
//! Windows; which dylibs live outside /usr/lib and /System).
//!
//! DLL names are compared without case: Go's directives write
//! `kernel32.dll`, MinGW's import library `KERNEL32.dll`, and the Windows
//! loader ignores case (the prediction reads both spellings from the same
//! files, so they agree exactly in practice; the comparison does not rely on
//! it). Lists are compared as sets: the import table's order is the linker's.
//! Each binary is also held against the prediction with `check --against`,
//! from the settings it records.
//!
//! darwin cgo is not built: it needs Apple's SDK to link (zig 0.17 stops at
//! `unable to find system framework "CoreFoundation"`, which runtime/cgo
//! links on darwin/arm64), and no SDK can be installed here.
//!
//! Run: `cargo test -p linklens --features real-toolchain --test windarwin`
//! (needs go and gcc-mingw-w64-x86-64 / g++-mingw-w64-x86-64, installed by
//! scripts/test-deps.sh). Prints `N passed, M failed`.

#[allow(dead_code)]
mod common;

use common::fs::{copy_tree, which};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

struct Case {
    name: &'static str,
    fixture: &'static str,
    env: &'static [(&'static str, &'static str)],
    flags: &'static [&'static str],
}

const WIN: (&str, &str) = ("GOOS", "windows");
const DARWIN: (&str, &str) = ("GOOS", "darwin");
const AMD64: (&str, &str) = ("GOARCH", "amd64");
const ARM64: (&str, &str) = ("GOARCH", "arm64");
const CGO1: (&str, &str) = ("CGO_ENABLED", "1");
const MINGW: (&str, &str) = ("CC", "x86_64-w64-mingw32-gcc");
const MINGW_POSIX: (&str, &str) = ("CC", "x86_64-w64-mingw32-gcc-posix");
const GXX: (&str, &str) = ("CXX", "x86_64-w64-mingw32-g++");
const GXX_POSIX: (&str, &str) = ("CXX", "x86_64-w64-mingw32-g++-posix");
const STATIC: &[&str] = &["-ldflags", r#"-extldflags "-static""#];

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Pure Go: the runtime's own kernel32.dll imports only.
    Case { name: "win-pure-net-user-x509", fixture: "pure", env: &[WIN, AMD64], flags: &[] },
    Case { name: "win-arm64-pure", fixture: "pure", env: &[WIN, ARM64], flags: &[] },
    Case { name: "win-hello", fixture: "hello", env: &[WIN, AMD64], flags: &[] },
    Case { name: "win-pure-cgo1", fixture: "pure", env: &[WIN, AMD64, CGO1, MINGW], flags: &[] },
    // runtime/cgo linked internally: its C code adds the C runtime.
    Case { name: "win-runtime-cgo-internal", fixture: "rtcgo", env: &[WIN, AMD64, CGO1, MINGW], flags: &[] },
    // External link with MinGW.
    Case { name: "win-cgo-plain", fixture: "cgonolib", env: &[WIN, AMD64, CGO1, MINGW], flags: &[] },
    Case { name: "win-cgo-plain-posix", fixture: "cgonolib", env: &[WIN, AMD64, CGO1, MINGW_POSIX], flags: &[] },
    Case { name: "win-pthread", fixture: "pthread", env: &[WIN, AMD64, CGO1, MINGW], flags: &[] },
    Case { name: "win-pthread-posix", fixture: "pthread", env: &[WIN, AMD64, CGO1, MINGW_POSIX], flags: &[] },
    Case { name: "win-pthread-static", fixture: "pthread", env: &[WIN, AMD64, CGO1, MINGW], flags: STATIC },
    Case { name: "win-pthread-posix-static", fixture: "pthread", env: &[WIN, AMD64, CGO1, MINGW_POSIX], flags: STATIC },
    Case { name: "win-cxx", fixture: "cpp", env: &[WIN, AMD64, CGO1, MINGW, GXX], flags: &[] },
    Case { name: "win-cxx-posix", fixture: "cpp", env: &[WIN, AMD64, CGO1, MINGW_POSIX, GXX_POSIX], flags: &[] },
    Case { name: "win-cxx-static", fixture: "cpp", env: &[WIN, AMD64, CGO1, MINGW, GXX], flags: STATIC },
    Case { name: "win-ws2_32-pthread", fixture: "winsock", env: &[WIN, AMD64, CGO1, MINGW], flags: &[] },
    Case { name: "win-ws2_32-pthread-static", fixture: "winsock", env: &[WIN, AMD64, CGO1, MINGW], flags: STATIC },
    Case { name: "win-thirdparty-dll", fixture: "thirdparty", env: &[WIN, AMD64, CGO1, MINGW], flags: &[] },
    // darwin, cgo off (cross-compiling).
    Case { name: "darwin-hello", fixture: "hello", env: &[DARWIN, ARM64], flags: &[] },
    Case { name: "darwin-fmt-os", fixture: "fmt", env: &[DARWIN, ARM64], flags: &[] },
    Case { name: "darwin-pure-net-user-x509", fixture: "pure", env: &[DARWIN, ARM64], flags: &[] },
    Case { name: "darwin-amd64-pure", fixture: "pure", env: &[DARWIN, AMD64], flags: &[] },
];

fn main() -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf();
    for tool in [
        "go",
        "x86_64-w64-mingw32-gcc",
        "x86_64-w64-mingw32-g++-posix",
    ] {
        if which(tool).is_none() {
            eprintln!(
                "windarwin: {tool} is not on PATH (scripts/test-deps.sh installs gcc-mingw-w64-x86-64 and g++-mingw-w64-x86-64)"
            );
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    }
    // Outside the git checkout (go would stamp VCS info by running git), at
    // a stable path so GOCACHE entries survive reruns.
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("windarwin-src");
    let _ = std::fs::remove_dir_all(&work);
    copy_tree(&root.join("tests/fixtures/windarwin"), &work).expect("copy fixtures");
    if let Err(e) = build_greet(&work.join("thirdparty/lib")) {
        eprintln!("windarwin: cannot build the test DLL: {e}");
        println!("0 passed, 1 failed");
        return ExitCode::FAILURE;
    }
    let linklens = PathBuf::from(env!("CARGO_BIN_EXE_linklens"));
    let filter = std::env::var("WD_FILTER").unwrap_or_default();
    let (mut passed, mut failed) = (0, 0);
    for case in CASES.iter().filter(|c| c.name.contains(&filter)) {
        match run(&work, &linklens, case) {
            Ok(()) => {
                passed += 1;
                eprintln!("ok   {}", case.name);
            }
            Err(e) => {
                failed += 1;
                eprintln!("FAIL {}: {e}", case.name);
            }
        }
    }
    if "release".contains(&filter) || filter.is_empty() {
        match release(&work, &linklens) {
            Ok(n) => {
                passed += n;
                eprintln!("ok   goreleaser: {n} windows/darwin targets");
            }
            Err(e) => {
                failed += 1;
                eprintln!("FAIL goreleaser: {e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(work: &Path, linklens: &Path, case: &Case) -> Result<(), String> {
    let dir = work.join(case.fixture);
    let out = work.join("out").join(case.name);
    let mut build = Command::new("go");
    build
        .arg("build")
        .arg("-o")
        .arg(&out)
        .args(case.flags)
        .arg(".")
        .current_dir(&dir);
    let mut check = Command::new(linklens);
    check
        .args(["check", "--json"])
        .args(case.flags)
        .arg(".")
        .current_dir(&dir);
    for c in [&mut build, &mut check] {
        // Inherited values would change every case.
        for k in [
            "GOFLAGS",
            "CGO_ENABLED",
            "CC",
            "CXX",
            "CGO_LDFLAGS",
            "GOOS",
            "GOARCH",
        ] {
            c.env_remove(k);
        }
        c.env("GOFLAGS", "-buildvcs=false");
        c.envs(case.env.iter().copied());
    }
    let b = build.output().map_err(|e| format!("go build: {e}"))?;
    if !b.status.success() {
        return Err(format!(
            "go build failed: {}",
            String::from_utf8_lossy(&b.stderr)
        ));
    }
    let inspected = Command::new(linklens)
        .args(["inspect", "--json"])
        .arg(&out)
        .output()
        .map_err(|e| format!("inspect: {e}"))?;
    let info: Value = serde_json::from_slice(&inspected.stdout).map_err(|e| {
        format!(
            "inspect --json: {e}: {}",
            String::from_utf8_lossy(&inspected.stdout)
        )
    })?;
    let info = if info.is_array() {
        info[0].clone()
    } else {
        info
    };
    let pe = info["format"] == "pe";
    let actual = names(&info["needed"], pe);

    let c = check.output().map_err(|e| format!("check: {e}"))?;
    let report: Value = serde_json::from_slice(&c.stdout)
        .map_err(|e| format!("check --json: {e}: {}", String::from_utf8_lossy(&c.stderr)))?;
    let pkg = &report["packages"][0];
    let link = &pkg["link"];
    if link["result"] != "dynamic" {
        return Err(format!("predicted {link}, the binary imports {actual:?}"));
    }
    let predicted = names(&link["needed"], pe);
    if predicted != actual {
        return Err(format!(
            "imports: predicted {predicted:?}, binary {actual:?}\nreasons: {:#}",
            pkg["reasons"]
        ));
    }
    // `check --against` the binary, from its recorded settings alone (CC
    // is not recorded: a Windows cgo build is taken to be MinGW's).
    let mut against = Command::new(linklens);
    against
        .args(["check", "--against"])
        .arg(&out)
        .arg(".")
        .current_dir(&dir);
    for k in [
        "GOFLAGS",
        "CGO_ENABLED",
        "CC",
        "CXX",
        "CGO_LDFLAGS",
        "GOOS",
        "GOARCH",
    ] {
        against.env_remove(k);
    }
    let a = against
        .output()
        .map_err(|e| format!("check --against: {e}"))?;
    let text = String::from_utf8_lossy(&a.stdout);
    if !a.status.success() || !text.contains("\n  agree") {
        return Err(format!(
            "check --against disagrees:\n{text}{}",
            String::from_utf8_lossy(&a.stderr)
        ));
    }
    // The verdict words, from the binary: what a clean system lacks.
    let outside: Vec<String> = info["needed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|n| {
            if pe {
                ships_with_mingw_or_test(work, n)
            } else {
                !(n.starts_with("/usr/lib/") || n.starts_with("/System/"))
            }
        })
        .map(str::to_string)
        .collect();
    let expected = match (pe, outside.is_empty()) {
        (true, true) => "system DLLs only".to_string(),
        (true, false) => format!(
            "needs MinGW/third-party DLLs: {} (not on a clean Windows)",
            outside.join(", ")
        ),
        (false, true) => "system libraries only (/usr/lib, /System)".to_string(),
        (false, false) => format!("needs Homebrew/rpath libraries: {}", outside.join(", ")),
    };
    let reasons: Vec<&str> = pkg["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let said = reasons
        .iter()
        .rev()
        .find(|r| r.starts_with("system ") || r.starts_with("needs "))
        .map(|r| r.split(" — ").next().unwrap_or(r))
        .unwrap_or("");
    if pe && !outside.is_empty() {
        // Order of the list is the prediction's; compare the set.
        let mut a: Vec<&str> = said
            .trim_start_matches("needs MinGW/third-party DLLs: ")
            .trim_end_matches(" (not on a clean Windows)")
            .split(", ")
            .collect();
        a.sort();
        let mut b: Vec<&str> = outside.iter().map(String::as_str).collect();
        b.sort();
        if a != b || !said.starts_with("needs MinGW/third-party DLLs: ") {
            return Err(format!(
                "verdict words: said {said:?}, the binary needs {expected:?}"
            ));
        }
    } else if said != expected {
        return Err(format!(
            "verdict words: said {said:?}, the binary needs {expected:?}"
        ));
    }
    Ok(())
}

/// `check --profiles` on a goreleaser file with `goos: [windows, darwin]`:
/// each target's prediction against the binary its own command builds, and
/// the non-system-DLL finding exactly where the binary needs one.
fn release(work: &Path, linklens: &Path) -> Result<usize, String> {
    let dir = work.join("release");
    let out = Command::new(linklens)
        .args(["check", "--profiles", "--json", "."])
        .current_dir(&dir)
        .env_remove("GOFLAGS")
        .output()
        .map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "check --profiles --json: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let mut n = 0;
    for prof in v["profiles"].as_array().into_iter().flatten() {
        if prof["kind"] != "goreleaser" {
            continue;
        }
        let id = prof["id"].as_str().unwrap_or_default();
        let mut build = Command::new("go");
        build.arg("build").current_dir(&dir);
        for k in ["GOFLAGS", "CGO_ENABLED", "CC", "CXX", "GOOS", "GOARCH"] {
            build.env_remove(k);
        }
        for (k, val) in prof["env"].as_object().into_iter().flatten() {
            build.env(k, val.as_str().unwrap_or_default());
        }
        build.args(
            prof["args"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str),
        );
        let b = build.output().map_err(|e| e.to_string())?;
        if !b.status.success() {
            return Err(format!(
                "{id}: go build failed: {}",
                String::from_utf8_lossy(&b.stderr)
            ));
        }
        let bin = dir.join(prof["output"].as_str().unwrap_or_default());
        let bin = if prof["env"]["GOOS"] == "windows" {
            bin.with_extension("exe")
        } else {
            bin
        };
        let bin = if bin.exists() {
            bin
        } else {
            dir.join(prof["output"].as_str().unwrap_or_default())
        };
        let i = Command::new(linklens)
            .args(["inspect", "--json"])
            .arg(&bin)
            .output()
            .map_err(|e| e.to_string())?;
        let info: Value =
            serde_json::from_slice(&i.stdout).map_err(|e| format!("{id}: inspect: {e}"))?;
        let info = if info.is_array() {
            info[0].clone()
        } else {
            info
        };
        let pe = info["format"] == "pe";
        let pkg = &prof["prediction"]["packages"][0];
        let (predicted, actual) = (
            names(&pkg["link"]["needed"], pe),
            names(&info["needed"], pe),
        );
        if predicted != actual {
            return Err(format!("{id}: predicted {predicted:?}, binary {actual:?}"));
        }
        let outside = info["needed"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|d| {
                if pe {
                    ships_with_mingw_or_test(work, d)
                } else {
                    !(d.starts_with("/usr/lib/") || d.starts_with("/System/"))
                }
            });
        let flagged = v["findings"].as_array().into_iter().flatten().any(|f| {
            f["profile"] == id
                && (f["code"] == "windows-nonsystem-dll" || f["code"] == "macos-nonsystem-dylib")
        });
        if outside != flagged {
            return Err(format!(
                "{id}: the binary needs non-system libraries: {outside}, finding on the build: {flagged}"
            ));
        }
        n += 1;
    }
    if n < 5 {
        return Err(format!(
            "only {n} goreleaser targets were predicted (5 expected)"
        ));
    }
    Ok(n)
}

/// Sorted names, lower-cased for PE (see the module comment).
fn names(v: &Value, pe: bool) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|s| {
            if pe {
                s.to_ascii_lowercase()
            } else {
                s.to_string()
            }
        })
        .collect();
    out.sort();
    out
}

/// A DLL the MinGW packages install as a file (their runtime) or the test
/// built: not part of Windows.
fn ships_with_mingw_or_test(work: &Path, dll: &str) -> bool {
    let mut dirs = vec![
        work.join("thirdparty/lib"),
        PathBuf::from("/usr/x86_64-w64-mingw32/lib"),
    ];
    if let Ok(rd) = std::fs::read_dir("/usr/lib/gcc/x86_64-w64-mingw32") {
        dirs.extend(rd.flatten().map(|e| e.path()));
    }
    dirs.iter().any(|d| {
        std::fs::read_dir(d).is_ok_and(|mut rd| {
            rd.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(dll)))
        })
    })
}

/// greet.dll and its import library libgreet.dll.a, with MinGW gcc.
fn build_greet(lib: &Path) -> Result<(), String> {
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args([
            "-shared",
            "-o",
            "greet.dll",
            "greet.c",
            "-Wl,--out-implib,libgreet.dll.a",
        ])
        .current_dir(lib)
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
