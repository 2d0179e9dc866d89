//! A MinGW-w64 cross compiler (`x86_64-w64-mingw32-gcc` and its `-posix` /
//! `-win32` variants), read as files: where its libraries are and which
//! threading model it was built with. Kept apart from `ctoolchain` (which
//! describes ELF toolchains) because everything here is PE-specific.

use std::path::{Path, PathBuf};

/// What a Windows link with this compiler searches and adds by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinGw {
    /// `x86_64-w64-mingw32`.
    pub triple: String,
    /// `-l` search path after the user's `-L` dirs: gcc's private directory
    /// (libgcc, libstdc++), then the target's `lib` (import libraries).
    pub lib_dirs: Vec<PathBuf>,
    /// gcc's thread model, from the driver's private directory name
    /// (`12-posix`, `12-win32`): the posix one links `-lpthread` by default.
    pub posix_threads: bool,
}

/// The MinGW toolchain `program` names (resolved on PATH as `path`), if it is one.
pub fn detect(program: &str, path: Option<&Path>) -> Option<MinGw> {
    let name = Path::new(program)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    let at = name.find("-w64-mingw32")?;
    let triple = name[..at + "-w64-mingw32".len()].to_string();
    // Debian's `x86_64-w64-mingw32-gcc` is an alternatives link to
    // `…-gcc-win32` or `…-gcc-posix`: the final name says the variant.
    let real = path
        .and_then(|p| std::fs::canonicalize(p).ok())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| name.clone());
    let variant = if real.ends_with("-posix") || name.ends_with("-posix") {
        Some("posix")
    } else if real.ends_with("-win32") || name.ends_with("-win32") {
        Some("win32")
    } else {
        None
    };
    let gcc_base = Path::new("/usr/lib/gcc").join(&triple);
    let gcc_dir = newest(&gcc_base, variant);
    let posix_threads = match variant {
        Some(v) => v == "posix",
        None => gcc_dir
            .as_deref()
            .and_then(Path::file_name)
            .is_some_and(|n| n.to_string_lossy().ends_with("-posix")),
    };
    let mut lib_dirs: Vec<PathBuf> = gcc_dir.into_iter().collect();
    lib_dirs.push(gcc_base);
    lib_dirs.push(Path::new("/usr").join(&triple).join("lib"));
    lib_dirs.push(Path::new("/usr").join(&triple).join("sys-root/mingw/lib"));
    Some(MinGw {
        triple,
        lib_dirs,
        posix_threads,
    })
}

/// `/usr/lib/gcc/<triple>/<newest version>[-<variant>]`.
fn newest(base: &Path, variant: Option<&str>) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(base)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            let n = p.file_name().unwrap_or_default().to_string_lossy();
            variant.is_none_or(|v| n.ends_with(&format!("-{v}")))
        })
        .collect();
    dirs.sort_by_key(|d| {
        d.file_name()
            .map(|n| {
                n.to_string_lossy()
                    .split(['.', '-'])
                    .map(|p| p.parse::<u32>().unwrap_or(0))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    dirs.pop()
}

impl MinGw {
    /// The file GNU ld (PE) takes for `-lname`: `libname.dll.a`, `name.dll.a`,
    /// `libname.a`, `name.lib`, `libname.dll` per directory, only the
    /// archives under `-static`.
    pub fn find_library(
        &self,
        name: &str,
        extra: &[PathBuf],
        static_link: bool,
    ) -> Option<PathBuf> {
        let dynamic = [
            format!("lib{name}.dll.a"),
            format!("{name}.dll.a"),
            format!("lib{name}.a"),
            format!("{name}.lib"),
            format!("lib{name}.dll"),
            format!("{name}.dll"),
        ];
        let statics = [format!("lib{name}.a"), format!("{name}.lib")];
        let names: &[String] = if static_link { &statics } else { &dynamic };
        extra
            .iter()
            .chain(&self.lib_dirs)
            .find_map(|d| names.iter().map(|n| d.join(n)).find(|p| p.is_file()))
    }

    /// Whether `#include <header>` resolves: the `-I` dirs, gcc's own
    /// include directory, then the target's headers.
    pub fn has_header(&self, header: &str, extra: &[PathBuf]) -> bool {
        let sys = [
            self.lib_dirs.first().map(|d| d.join("include")),
            Some(Path::new("/usr").join(&self.triple).join("include")),
        ];
        extra
            .iter()
            .cloned()
            .chain(sys.into_iter().flatten())
            .any(|d| d.join(header).exists())
    }

    /// Whether `file` ships with the toolchain as a DLL (libwinpthread-1.dll,
    /// libstdc++-6.dll…): a MinGW runtime a clean Windows does not have.
    pub fn ships_dll(&self, dll: &str) -> bool {
        self.lib_dirs.iter().any(|d| {
            std::fs::read_dir(d).is_ok_and(|mut it| {
                it.any(|e| {
                    e.is_ok_and(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(dll))
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_debian_variants() {
        // The installed cross compiler (scripts/test-deps.sh installs it).
        let gcc = Path::new("/usr/bin/x86_64-w64-mingw32-gcc-posix");
        assert!(gcc.exists(), "gcc-mingw-w64-x86-64 is not installed");
        let m = detect("x86_64-w64-mingw32-gcc-posix", Some(gcc)).unwrap();
        assert_eq!(m.triple, "x86_64-w64-mingw32");
        assert!(m.posix_threads);
        let w = detect(
            "x86_64-w64-mingw32-gcc-win32",
            Some(Path::new("/usr/bin/x86_64-w64-mingw32-gcc-win32")),
        )
        .unwrap();
        assert!(!w.posix_threads);
        assert!(
            w.find_library("pthread", &[], false)
                .is_some_and(|p| p.ends_with("libpthread.dll.a"))
        );
        assert!(
            w.find_library("pthread", &[], true)
                .is_some_and(|p| p.ends_with("libpthread.a"))
        );
        assert!(w.ships_dll("libwinpthread-1.dll"));
        assert!(!w.ships_dll("kernel32.dll"));
        assert!(detect("gcc", None).is_none());
    }
}
