//! The C toolchain that `CC` names, understood without running it (the
//! server never executes workspace-named programs): which libc it targets,
//! the dynamic loader it writes into executables, where it searches for
//! libraries and headers, and whether it links with `--as-needed`.

use super::toolchain::{Environ, lookup_path};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Glibc,
    Musl,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CToolchain {
    /// The program CC names (first word), as written.
    pub program: String,
    /// Where it was found on PATH, if it was.
    pub path: Option<PathBuf>,
    pub libc: Libc,
    /// The loader written into dynamically linked executables.
    pub interpreter: Option<String>,
    /// The libc soname a dynamic executable needs (`libc.so.6`, musl's `libc.so`).
    pub libc_soname: String,
    /// Directories searched for `-lfoo`, in order.
    pub lib_dirs: Vec<PathBuf>,
    /// System header directories, in order.
    pub include_dirs: Vec<PathBuf>,
    /// The link passes `--as-needed` by default (Debian's gcc does): only
    /// libraries that resolve a symbol end up in DT_NEEDED.
    pub as_needed: bool,
    /// gcc's private library directory (`libgcc.a`, `libgcc_s.so`), which
    /// the driver searches after `-L` dirs (musl-gcc's specs keep it).
    pub gcc_lib_dir: Option<PathBuf>,
}

impl CToolchain {
    pub fn detect(cc: &[String], env: &Environ, goos: &str, goarch: &str) -> CToolchain {
        let program = cc.first().cloned().unwrap_or_else(|| "gcc".into());
        let path = lookup_path(&program, env);
        // Every build variant of every main package asks again: remember
        // the answer per compiler file (its size and mtime, so that an
        // upgrade or a new install in a long-running server is seen).
        type Key = (
            String,
            Option<PathBuf>,
            Option<(u64, std::time::SystemTime)>,
            String,
            String,
        );
        static SEEN: std::sync::Mutex<Vec<(Key, CToolchain)>> = std::sync::Mutex::new(Vec::new());
        let stamp = path
            .as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .and_then(|m| Some((m.len(), m.modified().ok()?)));
        let key: Key = (
            program.clone(),
            path.clone(),
            stamp,
            goos.into(),
            goarch.into(),
        );
        if let Ok(seen) = SEEN.lock()
            && let Some((_, tc)) = seen.iter().find(|(k, _)| *k == key)
        {
            return tc.clone();
        }
        let tc = Self::inspect(program, path, goos, goarch);
        if let Ok(mut seen) = SEEN.lock() {
            seen.push((key, tc.clone()));
        }
        tc
    }

    fn inspect(program: String, path: Option<PathBuf>, goos: &str, goarch: &str) -> CToolchain {
        let triple = gnu_triple(goarch);
        let mut tc = CToolchain {
            program: program.clone(),
            path: path.clone(),
            libc: if goos == "linux" {
                Libc::Glibc
            } else {
                Libc::Unknown
            },
            interpreter: glibc_loader(goarch).map(str::to_string),
            libc_soname: "libc.so.6".into(),
            lib_dirs: Vec::new(),
            include_dirs: Vec::new(),
            as_needed: false,
            gcc_lib_dir: None,
        };
        let text = path.as_deref().and_then(read_small_text);
        let specs = text
            .as_deref()
            .and_then(specs_path)
            .and_then(|p| crate::regular::read_to_string(p).ok());
        let musl = program.contains("musl") || text.as_deref().is_some_and(|t| t.contains("musl"));
        if musl {
            tc.libc = Libc::Musl;
            tc.libc_soname = "libc.so".into();
            tc.interpreter = musl_loader(goarch).map(str::to_string);
            if let Some(s) = &specs {
                if let Some(l) = spec_value(s, "-dynamic-linker") {
                    tc.interpreter = Some(l);
                }
                tc.lib_dirs.extend(
                    spec_values(s, "-L")
                        .into_iter()
                        .filter(|d| d != ".")
                        .map(PathBuf::from),
                );
                tc.include_dirs.extend(
                    spec_values(s, "-isystem")
                        .into_iter()
                        .filter(|d| d.starts_with('/'))
                        .map(PathBuf::from),
                );
            }
            if tc.lib_dirs.is_empty() {
                tc.lib_dirs.push(PathBuf::from(format!(
                    "/usr/lib/{}-linux-musl",
                    triple_arch(goarch)
                )));
                tc.lib_dirs.push(PathBuf::from("/usr/lib/musl/lib"));
            }
            if tc.include_dirs.is_empty() {
                tc.include_dirs.push(PathBuf::from(format!(
                    "/usr/include/{}-linux-musl",
                    triple_arch(goarch)
                )));
                tc.include_dirs.push(PathBuf::from("/usr/lib/musl/include"));
            }
            // musl-gcc's specs replace the whole link spec, dropping --as-needed.
            tc.as_needed = false;
        } else {
            for d in ["/usr/local/lib", "/lib", "/usr/lib"] {
                if let Some(t) = &triple {
                    tc.lib_dirs.push(Path::new(d).join(t));
                }
                tc.lib_dirs.push(PathBuf::from(d));
            }
            tc.include_dirs.push(PathBuf::from("/usr/local/include"));
            if let Some(t) = &triple {
                tc.include_dirs.push(Path::new("/usr/include").join(t));
            }
            tc.include_dirs.push(PathBuf::from("/usr/include"));
            tc.as_needed = path.as_deref().is_some_and(driver_defaults_as_needed);
        }
        if let Some(gcc_dir) = gcc_private_dir(triple.as_deref()) {
            tc.include_dirs.push(gcc_dir.join("include"));
            tc.gcc_lib_dir = Some(gcc_dir);
        }
        tc
    }

    /// Resolves `-lname` to a library file as the linker would: the shared
    /// object first unless `static_link`, then the archive.
    pub fn find_library(
        &self,
        name: &str,
        extra_dirs: &[PathBuf],
        static_link: bool,
    ) -> Option<PathBuf> {
        // Every prediction of a cgo program looks its libraries up, a stat
        // per directory and suffix (dozens): the answer is remembered for a
        // moment, so a burst of predictions (an edit above twenty mains)
        // asks the file system once and a library installed meanwhile is
        // still seen within seconds.
        type Key = (String, bool, Vec<PathBuf>);
        type Found = (std::time::Instant, Option<PathBuf>);
        static RECENT: std::sync::Mutex<Option<HashMap<Key, Found>>> = std::sync::Mutex::new(None);
        const FRESH: std::time::Duration = std::time::Duration::from_secs(2);
        let dirs: Vec<PathBuf> = extra_dirs.iter().chain(&self.lib_dirs).cloned().collect();
        let key = (name.to_string(), static_link, dirs);
        if let Ok(guard) = RECENT.lock()
            && let Some((at, found)) = guard.as_ref().and_then(|m| m.get(&key))
            && at.elapsed() < FRESH
        {
            return found.clone();
        }
        let found = Self::search_library(name, &key.2, static_link);
        if let Ok(mut guard) = RECENT.lock() {
            let m = guard.get_or_insert_with(HashMap::new);
            if m.len() > 256 {
                m.clear();
            }
            m.insert(key, (std::time::Instant::now(), found.clone()));
        }
        found
    }

    fn search_library(name: &str, dirs: &[PathBuf], static_link: bool) -> Option<PathBuf> {
        for dir in dirs {
            if !static_link {
                let so = dir.join(format!("lib{name}.so"));
                if so.exists() {
                    return Some(so);
                }
            }
            let a = dir.join(format!("lib{name}.a"));
            if a.exists() {
                return Some(a);
            }
        }
        None
    }

    /// Whether `#include <header>` resolves in the system include path.
    pub fn has_header(&self, header: &str, extra_dirs: &[PathBuf]) -> bool {
        extra_dirs
            .iter()
            .chain(&self.include_dirs)
            .any(|d| d.join(header).exists())
    }
}

fn read_small_text(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > 64 * 1024 {
        return None;
    }
    let bytes = crate::regular::read_all(path).ok()?;
    if bytes.starts_with(b"\x7fELF") {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// `-specs "path"` or `-specs=path` in a wrapper script such as musl-gcc.
fn specs_path(script: &str) -> Option<PathBuf> {
    let idx = script.find("-specs")?;
    let rest = script[idx + "-specs".len()..].trim_start_matches(['=', ' ']);
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest.find(['"', '\'', ' ', '\n']).unwrap_or(rest.len());
    Some(PathBuf::from(&rest[..end]))
}

fn spec_values(specs: &str, flag: &str) -> Vec<String> {
    let words: Vec<&str> = specs.split_whitespace().collect();
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if *w == flag {
            if let Some(v) = words.get(i + 1) {
                out.push(v.to_string());
            }
        } else if let Some(v) = w.strip_prefix(flag)
            && flag == "-L"
            && !v.is_empty()
        {
            out.push(v.trim_end_matches("%s").to_string());
        }
    }
    out
}

fn spec_value(specs: &str, flag: &str) -> Option<String> {
    spec_values(specs, flag).into_iter().next()
}

/// Debian's gcc driver carries `%{!fsanitize=*:--as-needed}` in its built-in
/// link spec; we look for it in the driver's bytes instead of running it.
fn driver_defaults_as_needed(driver: &Path) -> bool {
    let Ok(real) = std::fs::canonicalize(driver) else {
        return false;
    };
    let Ok(meta) = std::fs::metadata(&real) else {
        return false;
    };
    if meta.len() > 16 * 1024 * 1024 {
        return false;
    }
    const SPEC: &[u8] = b":--as-needed}";
    crate::regular::read_all(&real).is_ok_and(|b| b.windows(SPEC.len()).any(|w| w == SPEC))
}

/// `/usr/lib/gcc/<triple>/<newest version>`.
fn gcc_private_dir(triple: Option<&str>) -> Option<PathBuf> {
    let base = Path::new("/usr/lib/gcc").join(triple?);
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&base)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    // Numerically, so that 12 is newer than 9.
    versions.sort_by_key(|v| {
        v.file_name()
            .and_then(|n| n.to_str())
            .map(|n| {
                n.split('.')
                    .map(|p| p.parse::<u32>().unwrap_or(0))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    versions.pop()
}

fn triple_arch(goarch: &str) -> &'static str {
    match goarch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "arm" => "arm",
        "riscv64" => "riscv64",
        "ppc64le" => "powerpc64le",
        "s390x" => "s390x",
        "loong64" => "loongarch64",
        _ => "unknown",
    }
}

fn gnu_triple(goarch: &str) -> Option<String> {
    Some(
        match goarch {
            "amd64" => "x86_64-linux-gnu",
            "arm64" => "aarch64-linux-gnu",
            "386" => "i386-linux-gnu",
            "arm" => "arm-linux-gnueabihf",
            "riscv64" => "riscv64-linux-gnu",
            "ppc64le" => "powerpc64le-linux-gnu",
            "s390x" => "s390x-linux-gnu",
            "loong64" => "loongarch64-linux-gnu",
            "mips64le" => "mips64el-linux-gnuabi64",
            _ => return None,
        }
        .to_string(),
    )
}

/// cmd/link's `Linuxdynld` per architecture.
pub fn glibc_loader(goarch: &str) -> Option<&'static str> {
    Some(match goarch {
        "amd64" => "/lib64/ld-linux-x86-64.so.2",
        "arm64" => "/lib/ld-linux-aarch64.so.1",
        "386" => "/lib/ld-linux.so.2",
        "arm" => "/lib/ld-linux.so.3",
        "loong64" => "/lib64/ld-linux-loongarch-lp64d.so.1",
        "riscv64" => "/lib/ld.so.1",
        "ppc64le" => "/lib64/ld64.so.2",
        "s390x" => "/lib64/ld64.so.1",
        "mips" | "mipsle" => "/lib/ld.so.1",
        "mips64" | "mips64le" => "/lib64/ld64.so.1",
        _ => return None,
    })
}

/// cmd/link's `LinuxdynldMusl`.
pub fn musl_loader(goarch: &str) -> Option<&'static str> {
    Some(match goarch {
        "amd64" => "/lib/ld-musl-x86_64.so.1",
        "arm64" => "/lib/ld-musl-aarch64.so.1",
        "386" => "/lib/ld-musl-i386.so.1",
        "arm" => "/lib/ld-musl-armhf.so.1",
        "ppc64le" => "/lib/ld-musl-powerpc64le.so.1",
        "s390x" => "/lib/ld-musl-s390x.so.1",
        "loong64" => "/lib/ld-musl-loongarch64.so.1",
        _ => return None,
    })
}
