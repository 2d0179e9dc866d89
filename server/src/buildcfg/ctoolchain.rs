//! The C toolchain that `CC` names, understood without running it (the
//! server never executes workspace-named programs): which libc it targets,
//! the dynamic loader it writes into executables, where it searches for
//! libraries and headers, and whether it links with `--as-needed`.
//!
//! Cross and alternative compilers are recognised from CC's words, never
//! by running them: a `<triple>-gcc` driver (Debian's cross gcc: sysroot
//! `/usr/<triple>`, private dir `/usr/lib/gcc-cross/<triple>/<ver>`),
//! `clang --target=<triple>`, and `zig cc -target <arch>-linux-<abi>[.ver]`
//! (zig ships musl and per-version glibc stubs in its own `lib/libc`, links
//! musl statically and refuses `-static` for glibc targets).

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
    /// The GOARCH the compiler emits code for, when its words or name say
    /// (`None`: not known; assume it matches).
    pub target_arch: Option<String>,
    /// The target triple CC names (`aarch64-linux-gnu`, zig's
    /// `x86_64-linux-gnu.2.28`), if any.
    pub triple: Option<String>,
    /// The cross sysroot the driver links against (`/usr/aarch64-linux-gnu`).
    pub sysroot: Option<PathBuf>,
    /// `zig cc`: its own libc (musl, or glibc stubs of one version).
    pub zig: Option<Zig>,
}

/// What `zig cc -target …` links against, from its target words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zig {
    /// zig's `lib` directory (`lib/libc/musl`, `lib/libc/glibc/abilists`),
    /// when the `zig` on PATH is the binary itself.
    pub lib_dir: Option<PathBuf>,
    /// The glibc version of the stubs (zig's default is 2.28).
    pub glibc: Option<(u32, u32)>,
}

/// zig's default glibc for `-target <arch>-linux-gnu` without a version
/// (measured with zig 0.17.1: libpthread.so.0 is needed, as before 2.34).
const ZIG_DEFAULT_GLIBC: (u32, u32) = (2, 28);

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
            cc.join("\u{0}"),
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
        let tc = match target_words(cc) {
            Some(t) => Self::targeted(program, path, &t, goos, goarch),
            None => Self::inspect(program, path, goos, goarch),
        };
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
            target_arch: None,
            triple: None,
            sysroot: None,
            zig: None,
        };
        let base = program.rsplit('/').next().unwrap_or(&program);
        // `aarch64-linux-gnu-gcc`, `aarch64-linux-gnu-gcc-12`: a cross driver.
        // (the host's own `x86_64-linux-gnu-gcc` is the native gcc).
        if let Some(t) = driver_triple(base)
            && (triple_goarch(t.split('-').next().unwrap_or_default()) != host_goarch()
                || Path::new("/usr").join(&t).is_dir())
        {
            return Self::targeted(program, path, &Target::Triple(t), goos, goarch);
        }
        if is_native_driver(base) {
            tc.target_arch = host_goarch().map(str::to_string);
        }
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

    /// A compiler CC names with an explicit target: a cross gcc driver,
    /// `clang --target=…` or `zig cc -target …`.
    fn targeted(
        program: String,
        path: Option<PathBuf>,
        target: &Target,
        goos: &str,
        goarch: &str,
    ) -> CToolchain {
        let triple = match target {
            Target::Triple(t) | Target::Zig(t) => t.clone(),
        };
        let mut parts = triple.splitn(3, '-');
        let arch = parts.next().unwrap_or_default();
        // `aarch64-linux-gnu`, `aarch64-unknown-linux-gnu`.
        let rest: Vec<&str> = triple.split('-').skip(1).collect();
        let abi = rest.last().copied().unwrap_or_default();
        let target_arch = triple_goarch(arch).map(str::to_string);
        let arch_go = target_arch.as_deref().unwrap_or(goarch);
        let musl = abi.starts_with("musl");
        let mut tc = CToolchain {
            program: program.clone(),
            path: path.clone(),
            libc: if musl {
                Libc::Musl
            } else if goos == "linux" && abi.starts_with("gnu") {
                Libc::Glibc
            } else {
                Libc::Unknown
            },
            interpreter: if musl {
                musl_loader(arch_go).map(str::to_string)
            } else if abi == "gnueabihf" {
                // gcc's GLIBC_DYNAMIC_LINKER for hard-float ARM (cmd/link's
                // own default, ld-linux.so.3, is the soft-float one).
                Some("/lib/ld-linux-armhf.so.3".into())
            } else {
                glibc_loader(arch_go).map(str::to_string)
            },
            libc_soname: if musl { "libc.so" } else { "libc.so.6" }.into(),
            lib_dirs: Vec::new(),
            include_dirs: Vec::new(),
            as_needed: false,
            gcc_lib_dir: None,
            target_arch,
            triple: Some(triple.clone()),
            sysroot: None,
            zig: None,
        };
        match target {
            Target::Zig(_) => {
                // zig searches only its own libc and the -L dirs given.
                let lib_dir = path
                    .as_deref()
                    .and_then(|p| std::fs::canonicalize(p).ok())
                    .filter(|p| read_small_text(p).is_none())
                    .and_then(|p| Some(p.parent()?.join("lib")))
                    .filter(|d| d.join("libc").is_dir());
                let glibc = (!musl).then(|| {
                    abi.split_once('.')
                        .and_then(|(_, v)| parse_version(v))
                        .unwrap_or(ZIG_DEFAULT_GLIBC)
                });
                if let Some(d) = &lib_dir {
                    let inc = if musl { "musl" } else { "glibc" };
                    tc.include_dirs
                        .push(d.join("libc/include/generic-".to_string() + inc));
                    tc.include_dirs.push(d.join("libc/include/any-linux-any"));
                }
                // zig links libc's parts --as-needed (measured: `-ldl`
                // unused leaves no libdl.so.2).
                tc.as_needed = true;
                tc.zig = Some(Zig { lib_dir, glibc });
            }
            Target::Triple(t) => {
                let base = t.replace("-unknown-", "-").replace("-pc-", "-");
                let sysroot = PathBuf::from("/usr").join(&base);
                // Debian's cross gcc: sysroot libraries first, then the
                // multiarch dirs (`gcc -print-search-dirs`).
                tc.lib_dirs.push(sysroot.join("lib"));
                for d in ["/lib", "/usr/lib"] {
                    tc.lib_dirs.push(Path::new(d).join(&base));
                }
                tc.include_dirs.push(sysroot.join("include"));
                tc.include_dirs.push(Path::new("/usr/include").join(&base));
                tc.as_needed = path.as_deref().is_some_and(driver_defaults_as_needed);
                if let Some(gcc_dir) =
                    newest_version_dir(&Path::new("/usr/lib/gcc-cross").join(&base))
                        .or_else(|| newest_version_dir(&Path::new("/usr/lib/gcc").join(&base)))
                {
                    tc.include_dirs.push(gcc_dir.join("include"));
                    tc.gcc_lib_dir = Some(gcc_dir);
                }
                if sysroot.is_dir() {
                    tc.sysroot = Some(sysroot);
                }
            }
        }
        tc
    }

    /// The system's own glibc toolchain for `goarch` (the native gcc, or
    /// Debian's `<triple>-gcc` cross sysroot): whose `libc.so.6` version
    /// tables stand in for zig's glibc stubs, which zig builds from its
    /// own sources and never keeps as files (`predict::glibc`).
    pub fn system_glibc(goarch: &str, env: &Environ) -> Option<CToolchain> {
        let cc = if host_goarch() == Some(goarch) {
            "gcc".to_string()
        } else {
            format!("{}-gcc", gnu_triple(goarch)?)
        };
        Some(CToolchain::detect(&[cc], env, "linux", goarch))
    }

    /// The directories this toolchain's libc lives in, in search order
    /// (where `libc.so.6`/`libc.a` are looked for): the cross sysroot's
    /// `lib` first for a cross compiler. Empty for `zig cc`, whose libc is
    /// built from its own sources.
    pub fn libc_dirs(&self) -> Vec<PathBuf> {
        if self.zig.is_some() {
            return Vec::new();
        }
        self.lib_dirs
            .iter()
            .filter(|d| {
                d.join(&self.libc_soname).exists()
                    || d.join("libc.so").exists()
                    || d.join("libc.a").exists()
            })
            .cloned()
            .collect()
    }

    /// Whether the compiler emits code for `goarch` (unknown: assumed yes).
    pub fn targets(&self, goarch: &str) -> bool {
        // The host's x86-64 gcc also builds 386 code (go passes -m32).
        self.target_arch.as_deref().is_none_or(|a| {
            a == goarch || (a == "amd64" && goarch == "386" && self.triple.is_none())
        })
    }

    /// The C linker writes a static executable even without `-static`
    /// (zig links musl statically).
    pub fn links_static_by_default(&self) -> bool {
        self.zig.is_some() && self.libc == Libc::Musl
    }

    /// Why `-static` cannot work with this toolchain, in its own words.
    pub fn static_link_error(&self) -> Option<String> {
        (self.zig.is_some() && self.libc == Libc::Glibc)
            .then(|| "error: libc of the specified target requires dynamic linking".to_string())
    }

    /// `zig cc` with a glibc target: `-lname` for one of glibc's libraries
    /// links zig's stub of it for that glibc version. Returns its soname
    /// and whether `symbol` lives in it at that version (before 2.34
    /// libpthread, libdl, librt, libutil and the res_* resolver were
    /// separate libraries; 2.34 merged them into libc, libm stayed apart).
    pub fn glibc_stub(&self, name: &str, symbol: &str) -> Option<(&'static str, bool)> {
        let version = self.zig.as_ref()?.glibc?;
        let merged = version >= (2, 34);
        let (soname, has) = match name {
            "c" => ("libc.so.6", true),
            "m" => ("libm.so.6", is_libm_symbol(symbol)),
            "pthread" => ("libpthread.so.0", !merged && symbol.starts_with("pthread_")),
            "dl" => (
                "libdl.so.2",
                !merged
                    && matches!(
                        symbol,
                        "dlopen"
                            | "dlsym"
                            | "dlclose"
                            | "dlerror"
                            | "dladdr"
                            | "dlvsym"
                            | "dlinfo"
                            | "dlmopen"
                    ),
            ),
            "resolv" => (
                "libresolv.so.2",
                !merged && (symbol.starts_with("res_") || symbol.starts_with("__res_")),
            ),
            "rt" => (
                "librt.so.1",
                !merged
                    && (symbol.starts_with("timer_")
                        || symbol.starts_with("mq_")
                        || symbol.starts_with("shm_")
                        || symbol.starts_with("aio_")),
            ),
            "util" => (
                "libutil.so.1",
                !merged
                    && matches!(
                        symbol,
                        "openpty" | "forkpty" | "login_tty" | "login" | "logout" | "logwtmp"
                    ),
            ),
            _ => return None,
        };
        Some((soname, has))
    }

    /// `zig cc` builds this library of its libc itself (`-lc`, `-lm`,
    /// `-lpthread`, ...): no file on disk is searched for it.
    pub fn zig_provides(&self, name: &str) -> bool {
        self.zig.is_some()
            && matches!(
                name,
                "c" | "m" | "pthread" | "dl" | "rt" | "util" | "resolv" | "xnet" | "crypt"
            )
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

/// A C compiler that links musl for `goarch`, as CC words: musl-gcc wraps
/// the host's gcc (x86-64 only here), so another architecture needs a
/// `<arch>-linux-musl-gcc` or `zig cc -target <arch>-linux-musl` from PATH.
/// Falls back to what would be needed when none is installed.
pub fn musl_cc_for(goarch: &str, env: &Environ) -> Vec<String> {
    let arch = triple_arch(goarch);
    let native = host_goarch() == Some(goarch);
    if native && lookup_path("musl-gcc", env).is_some() {
        return vec!["musl-gcc".into()];
    }
    let cross = format!("{arch}-linux-musl-gcc");
    if lookup_path(&cross, env).is_some() {
        return vec![cross];
    }
    let zig = || {
        ["zig", "cc", "-target", &format!("{arch}-linux-musl")]
            .map(str::to_string)
            .to_vec()
    };
    if lookup_path("zig", env).is_some() || !native {
        return zig();
    }
    vec!["musl-gcc".into()]
}

/// How CC names its target: a cross driver's triple, or zig's `-target`.
enum Target {
    Triple(String),
    Zig(String),
}

/// `zig cc -target T` / `-target=T`, `clang --target=T` / `-target T`.
fn target_words(cc: &[String]) -> Option<Target> {
    let base = cc.first()?.rsplit('/').next()?;
    let is_zig = base == "zig" && matches!(cc.get(1).map(String::as_str), Some("cc" | "c++"));
    let mut t = None;
    let mut it = cc.iter().skip(1);
    while let Some(w) = it.next() {
        if w == "-target" || w == "--target" {
            t = it.next().cloned();
        } else if let Some(v) = w
            .strip_prefix("--target=")
            .or_else(|| w.strip_prefix("-target="))
        {
            t = Some(v.to_string());
        }
    }
    match (is_zig, t) {
        (true, Some(t)) => Some(Target::Zig(t)),
        // `zig cc` for the host: glibc of the host's default version.
        (true, None) => Some(Target::Zig(format!(
            "{}-linux-gnu",
            goarch_triple_arch(host_goarch()?)
        ))),
        (false, Some(t)) if base.starts_with("clang") || base.ends_with("-clang") => {
            Some(Target::Triple(t))
        }
        _ => None,
    }
}

/// `aarch64-linux-gnu-gcc(-12)` → `aarch64-linux-gnu`.
fn driver_triple(base: &str) -> Option<String> {
    let (triple, tail) = base
        .rsplit_once("-gcc")
        .or_else(|| base.rsplit_once("-clang"))
        .or_else(|| base.rsplit_once("-cc"))?;
    if !(tail.is_empty()
        || tail
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.'))
    {
        return None;
    }
    let arch = triple.split('-').next()?;
    (triple.contains("-linux-") && triple_goarch(arch).is_some()).then(|| triple.to_string())
}

fn is_native_driver(base: &str) -> bool {
    let name = base.split_once('-').map_or(base, |(n, v)| {
        if v.chars().all(|c| c.is_ascii_digit() || c == '.') {
            n
        } else {
            base
        }
    });
    matches!(name, "gcc" | "cc" | "clang" | "musl-gcc")
}

fn host_goarch() -> Option<&'static str> {
    triple_goarch(std::env::consts::ARCH)
}

/// The GOARCH for a triple's architecture word.
fn triple_goarch(arch: &str) -> Option<&'static str> {
    Some(match arch {
        "x86_64" | "amd64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "i386" | "i486" | "i586" | "i686" | "x86" => "386",
        "arm" | "armhf" | "armv7" | "armv7a" | "armv6" => "arm",
        "riscv64" => "riscv64",
        "powerpc64le" | "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "loongarch64" => "loong64",
        "mips64el" => "mips64le",
        _ => return None,
    })
}

fn goarch_triple_arch(goarch: &str) -> &'static str {
    triple_arch(goarch)
}

fn parse_version(v: &str) -> Option<(u32, u32)> {
    let mut it = v.split('.');
    Some((
        it.next()?.parse().ok()?,
        it.next().unwrap_or("0").parse().ok()?,
    ))
}

/// C99/POSIX math functions (libm's exports that C code calls by name).
fn is_libm_symbol(s: &str) -> bool {
    const BASE: &[&str] = &[
        "sqrt",
        "cbrt",
        "hypot",
        "pow",
        "exp",
        "exp2",
        "expm1",
        "log",
        "log2",
        "log10",
        "log1p",
        "logb",
        "ilogb",
        "sin",
        "cos",
        "tan",
        "asin",
        "acos",
        "atan",
        "atan2",
        "sinh",
        "cosh",
        "tanh",
        "asinh",
        "acosh",
        "atanh",
        "ceil",
        "floor",
        "trunc",
        "round",
        "lround",
        "llround",
        "rint",
        "lrint",
        "llrint",
        "nearbyint",
        "fmod",
        "remainder",
        "remquo",
        "fma",
        "fmax",
        "fmin",
        "fdim",
        "frexp",
        "ldexp",
        "modf",
        "scalbn",
        "scalbln",
        "nextafter",
        "nexttoward",
        "copysign",
        "erf",
        "erfc",
        "lgamma",
        "tgamma",
        "nan",
        "fabs",
        "sincos",
        "exp10",
    ];
    let stem = s
        .strip_suffix('f')
        .filter(|t| BASE.contains(t))
        .or_else(|| s.strip_suffix('l').filter(|t| BASE.contains(t)))
        .unwrap_or(s);
    BASE.contains(&stem)
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
/// Remembered per driver and stamp: every configuration a check works out
/// (its own and its fixes') asks, and reading the 1.3 MB driver was 3% of
/// a warm caddy check.
fn driver_defaults_as_needed(driver: &Path) -> bool {
    type Stamp = (u64, Option<std::time::SystemTime>);
    static SEEN: std::sync::Mutex<Option<HashMap<PathBuf, (Stamp, bool)>>> =
        std::sync::Mutex::new(None);
    let Ok(real) = std::fs::canonicalize(driver) else {
        return false;
    };
    let Ok(meta) = std::fs::metadata(&real) else {
        return false;
    };
    if meta.len() > 16 * 1024 * 1024 {
        return false;
    }
    let stamp = (meta.len(), meta.modified().ok());
    if let Ok(m) = SEEN.lock()
        && let Some((s, answer)) = m.as_ref().and_then(|m| m.get(&real))
        && *s == stamp
    {
        return *answer;
    }
    let answer = file_contains(&real, b":--as-needed}").unwrap_or(false);
    if let Ok(mut m) = SEEN.lock() {
        let m = m.get_or_insert_with(HashMap::new);
        if m.len() > 64 {
            m.clear();
        }
        m.insert(real, (stamp, answer));
    }
    answer
}

/// Whether the regular file at `path` holds `needle`, read through one
/// 64 kB buffer: reading the 1.3 MB driver whole faulted in fresh memory
/// for every byte of it, 0.5 ms of each check.
fn file_contains(path: &Path, needle: &[u8]) -> std::io::Result<bool> {
    use std::io::Read;
    let (mut f, _) = crate::regular::open(path)?;
    let finder = memchr::memmem::Finder::new(needle);
    let keep = needle.len().saturating_sub(1);
    let mut buf = vec![0u8; 64 * 1024];
    // `held` bytes at the start of `buf` are the end of the last chunk: a
    // needle across two reads is still found.
    let mut held = 0;
    loop {
        let n = match f.read(&mut buf[held..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(false);
        }
        let end = held + n;
        if finder.find(&buf[..end]).is_some() {
            return Ok(true);
        }
        let tail = end.saturating_sub(keep);
        buf.copy_within(tail..end, 0);
        held = end - tail;
    }
}

/// `/usr/lib/gcc/<triple>/<newest version>`.
fn gcc_private_dir(triple: Option<&str>) -> Option<PathBuf> {
    newest_version_dir(&Path::new("/usr/lib/gcc").join(triple?))
}

/// The newest `<base>/<version>` directory.
fn newest_version_dir(base: &Path) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir(base)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The driver is searched chunk by chunk: a spec across two reads, at
    /// either end, or absent.
    #[test]
    fn file_contains_finds_a_needle_wherever_it_is() {
        let tmp = tempfile::tempdir().unwrap();
        let needle = b":--as-needed}";
        let file = tmp.path().join("gcc");
        for at in [
            0,
            1,
            65_530,
            65_536 - 6,
            65_536,
            131_060,
            200_000 - needle.len(),
        ] {
            let mut bytes = vec![b'x'; 200_000];
            bytes[at..at + needle.len()].copy_from_slice(needle);
            std::fs::write(&file, &bytes).unwrap();
            assert!(file_contains(&file, needle).unwrap(), "at {at}");
        }
        std::fs::write(&file, vec![b'x'; 200_000]).unwrap();
        assert!(!file_contains(&file, needle).unwrap());
        std::fs::write(&file, b":--as-needed").unwrap();
        assert!(!file_contains(&file, needle).unwrap());
    }

    fn words(s: &str) -> Vec<String> {
        crate::buildcfg::quoted::split(s).unwrap()
    }

    fn detect(cc: &str, goarch: &str) -> CToolchain {
        CToolchain::detect(&words(cc), &Environ::new(), "linux", goarch)
    }

    #[test]
    fn zig_targets_are_read_from_cc_words() {
        let musl = detect("zig cc -target aarch64-linux-musl", "arm64");
        assert_eq!(musl.libc, Libc::Musl);
        assert_eq!(musl.target_arch.as_deref(), Some("arm64"));
        assert!(musl.links_static_by_default());
        assert!(musl.static_link_error().is_none());
        let gnu = detect("zig cc -target x86_64-linux-gnu.2.28", "amd64");
        assert_eq!(gnu.libc, Libc::Glibc);
        assert_eq!(gnu.zig.as_ref().unwrap().glibc, Some((2, 28)));
        assert_eq!(
            gnu.interpreter.as_deref(),
            Some("/lib64/ld-linux-x86-64.so.2")
        );
        assert!(!gnu.links_static_by_default());
        assert!(gnu.static_link_error().is_some());
        // Before 2.34 pthread_create lives in libpthread; from 2.34 in libc.
        assert_eq!(
            gnu.glibc_stub("pthread", "pthread_create"),
            Some(("libpthread.so.0", true))
        );
        let new = detect("zig cc --target=x86_64-linux-gnu.2.34", "amd64");
        assert_eq!(
            new.glibc_stub("pthread", "pthread_create"),
            Some(("libpthread.so.0", false))
        );
        assert_eq!(new.glibc_stub("m", "sqrtf"), Some(("libm.so.6", true)));
        let default = detect("zig cc -target x86_64-linux-gnu", "amd64");
        assert_eq!(default.zig.unwrap().glibc, Some(ZIG_DEFAULT_GLIBC));
        assert!(detect("zig cc -target x86_64-linux-musl", "arm64").targets("amd64"));
        assert!(!detect("zig cc -target x86_64-linux-musl", "arm64").targets("arm64"));
    }

    #[test]
    fn cross_gcc_uses_its_sysroot() {
        let tc = detect("aarch64-linux-gnu-gcc", "arm64");
        assert_eq!(tc.triple.as_deref(), Some("aarch64-linux-gnu"));
        assert_eq!(tc.target_arch.as_deref(), Some("arm64"));
        assert_eq!(
            tc.interpreter.as_deref(),
            Some("/lib/ld-linux-aarch64.so.1")
        );
        assert_eq!(tc.lib_dirs[0], Path::new("/usr/aarch64-linux-gnu/lib"));
        let arm = detect("arm-linux-gnueabihf-gcc-12", "arm");
        assert_eq!(arm.interpreter.as_deref(), Some("/lib/ld-linux-armhf.so.3"));
        // Not a cross driver: the wrapper's own name.
        assert!(driver_triple("musl-gcc").is_none());
        assert!(driver_triple("x86_64-linux-musl-gcc").is_some());
        assert_eq!(
            detect("clang --target=aarch64-linux-gnu", "arm64")
                .target_arch
                .as_deref(),
            Some("arm64")
        );
    }

    #[test]
    fn musl_gcc_is_for_the_host_only() {
        let tc = detect("musl-gcc", "arm64");
        assert_eq!(tc.target_arch.as_deref(), host_goarch());
        let mut env = Environ::new();
        env.insert("PATH".into(), String::new());
        if host_goarch() != Some("arm64") {
            assert_eq!(
                musl_cc_for("arm64", &env),
                words("zig cc -target aarch64-linux-musl")
            );
        }
    }
}
