//! `#cgo pkg-config:` evaluated by reading `.pc` files, as the host's
//! pkgconf would answer `pkg-config --cflags -- pkgs` and `pkg-config --libs
//! -- pkgs` (what cmd/go runs), without running it. Our own reader rather
//! than a crate: the maintained `.pc` parsers (`pkg-config` the crate runs
//! the program; `pkgconf`'s Rust ports are unmaintained) do not model
//! pkgconf's search path, system-directory filtering and sysroot rules,
//! which decide the flags go sees. Checked against pkgconf 1.8.1:
//!
//! - search path: `PKG_CONFIG_PATH`, then `PKG_CONFIG_LIBDIR` if set, else
//!   the personality's `DefaultSearchPaths` (Debian:
//!   `/usr/share/pkgconfig/personality.d/<triplet>.personality`, selected by
//!   a `<triplet>-pkg-config` name in `PKG_CONFIG`);
//! - `--cflags` walks `Requires` and `Requires.private` (a missing private
//!   requirement fails it); `--libs` walks `Requires` only and never reads
//!   `Libs.private`, unless `--static` is among the directive's arguments;
//! - `-I` of the system include dirs and `-L` of the system library dirs are
//!   dropped (so musl-gcc never sees `-I/usr/include`); `PKG_CONFIG_SYSROOT_DIR`
//!   is prefixed to `-I`/`-L` paths first, so sysroot paths stay.
//!
//! The variables come from the host environment only (the user's shell or
//! editor), never from workspace files: see `buildcfg::trust`.

use crate::buildcfg::Environ;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What pkg-config would print for one package list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flags {
    pub cflags: Vec<String>,
    pub libs: Vec<String>,
}

/// The host pkg-config's configuration.
#[derive(Debug, Clone)]
pub struct Search {
    dirs: Vec<PathBuf>,
    sysroot: Option<String>,
    system_include: Vec<String>,
    system_lib: Vec<String>,
    allow_system_cflags: bool,
    allow_system_libs: bool,
}

/// pkgconf's compiled-in defaults when no personality file is found
/// (Debian's x86-64 values, with the triplet substituted).
fn default_personality(triplet: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let search = format!(
        "/usr/local/lib/{triplet}/pkgconfig:/usr/local/lib/pkgconfig:/usr/local/share/pkgconfig:\
         /usr/lib/{triplet}/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig"
    );
    let libs = format!("/lib:/lib/{triplet}:/usr/lib:/usr/lib/{triplet}");
    (split(&search), vec!["/usr/include".into()], split(&libs))
}

fn split(s: &str) -> Vec<String> {
    s.split(':')
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect()
}

/// The GNU triplet of the host `pkg-config` (not of the target: go runs the
/// host's pkg-config, whatever CC is).
fn host_triplet() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "x86_64-linux-gnu",
        "aarch64" => "aarch64-linux-gnu",
        "x86" => "i386-linux-gnu",
        "arm" => "arm-linux-gnueabihf",
        "riscv64" => "riscv64-linux-gnu",
        "powerpc64" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        _ => "x86_64-linux-gnu",
    }
}

impl Search {
    /// From the host environment (`PKG_CONFIG*`).
    pub fn from_env(env: &Environ) -> Search {
        let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
        // `PKG_CONFIG=aarch64-linux-gnu-pkg-config` selects that personality.
        let triplet = get("PKG_CONFIG")
            .and_then(|p| {
                let base = Path::new(&p).file_name()?.to_string_lossy().into_owned();
                base.strip_suffix("-pkg-config").map(str::to_string)
            })
            .unwrap_or_else(|| host_triplet().to_string());
        let (mut search, mut inc, mut lib) = default_personality(&triplet);
        let file = format!("/usr/share/pkgconfig/personality.d/{triplet}.personality");
        if let Ok(text) = crate::regular::read_to_string(Path::new(&file)) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once(':') {
                    match k.trim() {
                        "DefaultSearchPaths" => search = split(v.trim()),
                        "SystemIncludePaths" => inc = split(v.trim()),
                        "SystemLibraryPaths" => lib = split(v.trim()),
                        _ => {}
                    }
                }
            }
        }
        if let Some(v) = get("PKG_CONFIG_SYSTEM_INCLUDE_PATH") {
            inc = split(&v);
        }
        if let Some(v) = get("PKG_CONFIG_SYSTEM_LIBRARY_PATH") {
            lib = split(&v);
        }
        let mut dirs: Vec<PathBuf> = get("PKG_CONFIG_PATH")
            .map(|v| split(&v).into_iter().map(PathBuf::from).collect())
            .unwrap_or_default();
        match env.get("PKG_CONFIG_LIBDIR") {
            // Set, even empty: it replaces the default path.
            Some(v) => dirs.extend(split(v).into_iter().map(PathBuf::from)),
            None => dirs.extend(search.into_iter().map(PathBuf::from)),
        }
        Search {
            dirs,
            sysroot: get("PKG_CONFIG_SYSROOT_DIR").filter(|s| s != "/"),
            system_include: inc,
            system_lib: lib,
            allow_system_cflags: env.contains_key("PKG_CONFIG_ALLOW_SYSTEM_CFLAGS"),
            allow_system_libs: env.contains_key("PKG_CONFIG_ALLOW_SYSTEM_LIBS"),
        }
    }

    /// From the process environment (the host's: see the module comment).
    pub fn from_host() -> Search {
        Search::from_env(&crate::buildcfg::trust::process_env())
    }

    fn find(&self, name: &str) -> Option<PathBuf> {
        // A name with a slash or ending in .pc is a file path to pkgconf.
        if name.ends_with(".pc") && Path::new(name).is_absolute() {
            return Some(PathBuf::from(name));
        }
        self.dirs
            .iter()
            .map(|d| d.join(format!("{name}.pc")))
            .find(|p| p.is_file())
    }
}

/// One parsed `.pc` file.
#[derive(Debug, Default)]
struct PcFile {
    vars: HashMap<String, String>,
    fields: HashMap<String, String>,
}

impl PcFile {
    fn parse(text: &str, path: &Path, sysroot: Option<&str>) -> PcFile {
        let mut pc = PcFile::default();
        if let Some(dir) = path.parent() {
            pc.vars
                .insert("pcfiledir".into(), dir.to_string_lossy().into_owned());
        }
        pc.vars
            .insert("pc_sysrootdir".into(), sysroot.unwrap_or("/").to_string());
        // Continuation lines join with the next.
        let joined = text.replace("\\\n", " ");
        for line in joined.lines() {
            let line = match line.find('#') {
                Some(i) => &line[..i],
                None => line,
            }
            .trim();
            if line.is_empty() {
                continue;
            }
            let key_end = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(line.len());
            let (key, rest) = line.split_at(key_end);
            let rest = rest.trim_start();
            if let Some(v) = rest.strip_prefix('=') {
                let v = pc.expand(v.trim());
                pc.vars.insert(key.to_string(), v);
            } else if let Some(v) = rest.strip_prefix(':') {
                let v = pc.expand(v.trim());
                pc.fields.insert(key.to_ascii_lowercase(), v);
            }
        }
        pc
    }

    /// `${var}` expanded from the variables defined so far.
    fn expand(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        let mut guard = 0;
        while let Some(i) = rest.find("${") {
            guard += 1;
            if guard > 1000 {
                break;
            }
            out.push_str(&rest[..i]);
            match rest[i + 2..].find('}') {
                Some(j) => {
                    let name = &rest[i + 2..i + 2 + j];
                    out.push_str(self.vars.get(name).map(String::as_str).unwrap_or(""));
                    rest = &rest[i + 2 + j + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn field(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Package names of a `Requires` value (`a >= 1, b` → a, b).
fn requires(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_version = false;
    for w in v.split([' ', ',', '\t']).filter(|w| !w.is_empty()) {
        if skip_version {
            skip_version = false;
            continue;
        }
        if matches!(w, "=" | "<" | ">" | "<=" | ">=" | "!=") {
            skip_version = true;
            continue;
        }
        out.push(w.to_string());
    }
    out
}

/// cmd/go's words for a failed pkg-config run (`# [pkg-config --cflags  --
/// pkgs]` and pkgconf's stderr).
fn not_found(args: &str, name: &str, required_by: &str) -> String {
    format!(
        "# [pkg-config {args}]\nPackage {name} was not found in the pkg-config search path.\n\
         Perhaps you should add the directory containing `{name}.pc'\n\
         to the PKG_CONFIG_PATH environment variable\n\
         Package '{name}', required by '{required_by}', not found"
    )
}

struct Walk<'a> {
    search: &'a Search,
    seen: Vec<String>,
    cflags: Vec<String>,
    libs: Vec<String>,
}

impl Walk<'_> {
    /// Visits `name` (required by `by`): its flags, then its requirements'.
    /// `private`: follow `Requires.private` (and for libs, `Libs.private`).
    fn visit(
        &mut self,
        name: &str,
        by: &str,
        want_cflags: bool,
        private: bool,
    ) -> Result<(), (String, String)> {
        if self.seen.iter().any(|s| s == name) {
            return Ok(());
        }
        self.seen.push(name.to_string());
        let path = self
            .search
            .find(name)
            .ok_or_else(|| (name.to_string(), by.to_string()))?;
        let text = crate::regular::read_to_string(&path).unwrap_or_default();
        let pc = PcFile::parse(&text, &path, self.search.sysroot.as_deref());
        let words = |v: &str| crate::gosrc::header::split_quoted(v).unwrap_or_default();
        if want_cflags {
            self.cflags.extend(words(pc.field("cflags")));
        } else {
            self.libs.extend(words(pc.field("libs")));
            if private {
                self.libs.extend(words(pc.field("libs.private")));
            }
        }
        for r in requires(pc.field("requires")) {
            self.visit(&r, name, want_cflags, private)?;
        }
        if private {
            for r in requires(pc.field("requires.private")) {
                self.visit(&r, name, want_cflags, private)?;
            }
        }
        Ok(())
    }
}

/// The flags `#cgo pkg-config: args` gives, or go's error (the build fails).
pub fn evaluate(search: &Search, args: &[String]) -> Result<Flags, String> {
    let (opts, pkgs): (Vec<&String>, Vec<&String>) = args.iter().partition(|a| a.starts_with("--"));
    let static_ = opts.iter().any(|o| *o == "--static");
    let opt_text = opts
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let pkg_text = pkgs
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut out = Flags::default();
    for want_cflags in [true, false] {
        let mut w = Walk {
            search,
            seen: Vec::new(),
            cflags: Vec::new(),
            libs: Vec::new(),
        };
        for p in &pkgs {
            // --cflags always walks the private requirements.
            if let Err((name, by)) =
                w.visit(p, "virtual:world", want_cflags, want_cflags || static_)
            {
                let args = format!(
                    "{} {opt_text} -- {pkg_text}",
                    if want_cflags { "--cflags" } else { "--libs" }
                );
                return Err(not_found(&args, &name, &by));
            }
        }
        if want_cflags {
            out.cflags = search.filter(w.cflags, true);
        } else {
            out.libs = search.filter(w.libs, false);
        }
    }
    Ok(out)
}

impl Search {
    /// Sysroot prefix, system-dir filtering, duplicates dropped.
    fn filter(&self, flags: Vec<String>, cflags: bool) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for f in flags {
            let (flag, sys, allow) = if cflags {
                ("-I", &self.system_include, self.allow_system_cflags)
            } else {
                ("-L", &self.system_lib, self.allow_system_libs)
            };
            let f = match (f.strip_prefix(flag), &self.sysroot) {
                (Some(p), Some(root)) if p.starts_with('/') && !p.starts_with(root.as_str()) => {
                    format!("{flag}{root}{p}")
                }
                _ => f,
            };
            if !allow
                && let Some(p) = f.strip_prefix(flag)
                && sys
                    .iter()
                    .any(|s| s.trim_end_matches('/') == p.trim_end_matches('/'))
            {
                continue;
            }
            if !out.contains(&f) || f.starts_with("-l") {
                out.push(f);
            }
        }
        out
    }
}

/// `#cgo pkg-config:` of `pkg` evaluated with the host's pkg-config
/// settings: empty flags without the directive, go's error when a package
/// is missing. Remembered for a moment (a prediction asks several times).
pub fn package_flags(pkg: &crate::load::Package) -> Result<Flags, String> {
    use crate::gosrc::CgoVerb;
    type Entry = (std::time::Instant, Result<Flags, String>);
    static RECENT: std::sync::Mutex<Option<HashMap<Vec<String>, Entry>>> =
        std::sync::Mutex::new(None);
    let args = pkg.cgo_args(CgoVerb::PkgConfig);
    if args.is_empty() {
        return Ok(Flags::default());
    }
    if let Ok(g) = RECENT.lock()
        && let Some((at, r)) = g.as_ref().and_then(|m| m.get(&args))
        && at.elapsed() < std::time::Duration::from_secs(2)
    {
        return r.clone();
    }
    let r = evaluate(&Search::from_host(), &args);
    if let Ok(mut g) = RECENT.lock() {
        let m = g.get_or_insert_with(HashMap::new);
        if m.len() > 64 {
            m.clear();
        }
        m.insert(args, (std::time::Instant::now(), r.clone()));
    }
    r
}

/// The package's link flags as cmd/go passes them: `#cgo LDFLAGS`, then
/// what `pkg-config --libs` prints (CGO_LDFLAGS, which comes first, is the
/// caller's).
pub fn ldflags(pkg: &crate::load::Package) -> Vec<String> {
    let mut out = pkg.cgo_args(crate::gosrc::CgoVerb::LdFlags);
    if let Ok(f) = package_flags(pkg) {
        out.extend(f.libs);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Environ {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    /// The same files and questions as the real pkgconf 1.8.1 was asked
    /// (its answers are in the assertions).
    #[test]
    fn requires_private_and_system_dirs_as_pkgconf() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(
            d,
            "a.pc",
            "prefix=/opt/a\nlibdir=${prefix}/lib\nName: a\nVersion: 1\nDescription: a\nRequires: b >= 1\nRequires.private: c\nLibs: -L${libdir} -la\nLibs.private: -lapriv\nCflags: -I${prefix}/include -DA\n",
        );
        write(
            d,
            "b.pc",
            "Name: b\nVersion: 2\nDescription: b\nLibs: -L/usr/lib/x86_64-linux-gnu -lb\nCflags: -I/usr/include -DB\n",
        );
        write(
            d,
            "c.pc",
            "Name: c\nVersion: 2\nDescription: c\nLibs: -lc1\nLibs.private: -lcpriv\nCflags: -DC\n",
        );
        let ds = d.to_string_lossy();
        let s = Search::from_env(&env(&[
            ("PKG_CONFIG_PATH", &ds),
            ("PKG_CONFIG_LIBDIR", &ds),
        ]));
        let f = evaluate(&s, &["a".into()]).unwrap();
        assert_eq!(f.cflags, ["-I/opt/a/include", "-DA", "-DB", "-DC"]);
        assert_eq!(f.libs, ["-L/opt/a/lib", "-la", "-lb"]);
        let f = evaluate(&s, &["--static".into(), "a".into()]).unwrap();
        assert_eq!(
            f.libs,
            ["-L/opt/a/lib", "-la", "-lapriv", "-lb", "-lc1", "-lcpriv"]
        );
        let s = Search::from_env(&env(&[
            ("PKG_CONFIG_PATH", &ds),
            ("PKG_CONFIG_LIBDIR", &ds),
            ("PKG_CONFIG_SYSROOT_DIR", "/sys"),
        ]));
        let f = evaluate(&s, &["a".into()]).unwrap();
        assert_eq!(
            f.cflags,
            [
                "-I/sys/opt/a/include",
                "-DA",
                "-I/sys/usr/include",
                "-DB",
                "-DC"
            ]
        );
        assert_eq!(
            f.libs,
            [
                "-L/sys/opt/a/lib",
                "-la",
                "-L/sys/usr/lib/x86_64-linux-gnu",
                "-lb"
            ]
        );
        // A missing private requirement fails --cflags (go asks it first).
        std::fs::remove_file(d.join("c.pc")).unwrap();
        let err = evaluate(&s, &["a".into()]).unwrap_err();
        assert!(
            err.contains("Package c was not found in the pkg-config search path."),
            "{err}"
        );
        assert!(
            err.ends_with("Package 'c', required by 'a', not found"),
            "{err}"
        );
        let err = evaluate(&s, &["zzz".into()]).unwrap_err();
        assert!(
            err.starts_with("# [pkg-config --cflags  -- zzz]\nPackage zzz was not found"),
            "{err}"
        );
        assert!(
            err.ends_with("required by 'virtual:world', not found"),
            "{err}"
        );
    }

    #[test]
    fn odd_files_do_not_panic() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        write(
            d,
            "x.pc",
            "a=${a}${\nLibs: ${x\nRequires: x, , >= \nCflags: \"unterminated\n",
        );
        let ds = d.to_string_lossy();
        let s = Search::from_env(&env(&[("PKG_CONFIG_LIBDIR", &ds)]));
        let _ = evaluate(&s, &["x".into()]);
    }
}
