//! The few Unix-only std APIs the server uses, with Windows stand-ins of the
//! same names, so the modules that use them change one `use` line each.
//! Plus `exec.LookPath`'s Windows rules (`;`, `PATHEXT`, `Path` spelled in
//! any case) for finding `go` and the C compiler.

use std::path::{Path, PathBuf};

#[cfg(unix)]
pub use std::os::unix::ffi::OsStrExt;
#[cfg(unix)]
pub use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

#[cfg(not(unix))]
pub use other::*;

#[cfg(not(unix))]
mod other {
    use std::ffi::OsStr;
    use std::time::{SystemTime, UNIX_EPOCH};

    /// Paths as bytes (UTF-8 on Windows; the header index stores them).
    pub trait OsStrExt {
        fn as_bytes(&self) -> &[u8];
        fn from_bytes(b: &[u8]) -> &Self;
    }
    impl OsStrExt for OsStr {
        fn as_bytes(&self) -> &[u8] {
            self.as_encoded_bytes()
        }
        /// Bytes that are not UTF-8 (they never come from `as_bytes` of a
        /// Unicode path) give an empty path, which names no file.
        fn from_bytes(b: &[u8]) -> &OsStr {
            OsStr::new(std::str::from_utf8(b).unwrap_or(""))
        }
    }

    /// What a file stamp needs: NTFS has no change time and std exposes no
    /// stable file id, so the change time is the modification time and the
    /// device and inode are 0 (size and nanosecond mtime still change on
    /// every write; directories' mtimes change when entries come and go).
    pub trait MetadataExt {
        fn size(&self) -> u64;
        fn mtime(&self) -> i64;
        fn mtime_nsec(&self) -> i64;
        fn ctime(&self) -> i64;
        fn ctime_nsec(&self) -> i64;
        fn dev(&self) -> u64;
        fn ino(&self) -> u64;
    }
    fn since_epoch(t: std::io::Result<SystemTime>) -> (i64, i64) {
        match t.map(|t| t.duration_since(UNIX_EPOCH)) {
            Ok(Ok(d)) => (d.as_secs() as i64, i64::from(d.subsec_nanos())),
            _ => (0, 0),
        }
    }
    impl MetadataExt for std::fs::Metadata {
        fn size(&self) -> u64 {
            self.len()
        }
        fn mtime(&self) -> i64 {
            since_epoch(self.modified()).0
        }
        fn mtime_nsec(&self) -> i64 {
            since_epoch(self.modified()).1
        }
        fn ctime(&self) -> i64 {
            self.mtime()
        }
        fn ctime_nsec(&self) -> i64 {
            self.mtime_nsec()
        }
        fn dev(&self) -> u64 {
            0
        }
        fn ino(&self) -> u64 {
            0
        }
    }

    /// `O_NONBLOCK` has no Windows meaning (no FIFOs in the file system):
    /// the caller's check that it opened a regular file is what counts.
    pub trait OpenOptionsExt {
        fn custom_flags(&mut self, flags: i32) -> &mut Self;
    }
    impl OpenOptionsExt for std::fs::OpenOptions {
        fn custom_flags(&mut self, _flags: i32) -> &mut Self {
            self
        }
    }

    /// Windows has no execute bits: every file "is executable".
    pub trait PermissionsExt {
        fn mode(&self) -> u32;
    }
    impl PermissionsExt for std::fs::Permissions {
        fn mode(&self) -> u32 {
            0o755
        }
    }
}

/// `exec.LookPath` on Windows: `prog` with a path separator is checked
/// as is; otherwise each `;`-separated directory of `Path` (any spelling) is
/// tried with `prog` itself if it has one of the `PATHEXT` extensions, else
/// with each of them appended (`go` → `go.exe`).
pub fn lookup_path_windows(prog: &str, env: &crate::buildcfg::Environ) -> Option<PathBuf> {
    let var = |name: &str| {
        env.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let exts: Vec<String> = var("PATHEXT")
        .unwrap_or(".COM;.EXE;.BAT;.CMD")
        .split(';')
        .filter(|e| e.starts_with('.'))
        .map(str::to_ascii_lowercase)
        .collect();
    let has_ext = Path::new(prog)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.contains(&format!(".{}", e.to_ascii_lowercase())));
    let find = |base: PathBuf| -> Option<PathBuf> {
        if has_ext && base.is_file() {
            return Some(base);
        }
        exts.iter()
            .map(|e| {
                let mut s = base.clone().into_os_string();
                s.push(e);
                PathBuf::from(s)
            })
            .find(|p| p.is_file())
    };
    if prog.contains(['/', '\\']) || prog.get(1..2) == Some(":") {
        return find(PathBuf::from(prog));
    }
    var("PATH")?
        .split(';')
        .map(|d| d.trim_matches('"'))
        .filter(|d| !d.is_empty())
        .find_map(|d| find(Path::new(d).join(prog)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows checkouts (`core.autocrlf=true`) have CRLF sources: headers,
    /// cgo directives, build constraints and go.mod read as with LF.
    #[test]
    fn crlf_sources_read_like_lf() {
        let go = "//go:build linux && (amd64 || arm64)\n// +build linux\n\n// Package imaging.\npackage imaging\n\n/*\n#cgo linux LDFLAGS: -lm -lpng\n#cgo CFLAGS: -O2\n#include <png.h>\n*/\nimport \"C\"\n\nimport (\n\t\"net\"\n\tu \"os/user\"\n\t_ \"embed\"\n)\n";
        let (lf, crlf) = (
            crate::gosrc::scan_header(go.as_bytes()),
            crate::gosrc::scan_header(go.replace('\n', "\r\n").as_bytes()),
        );
        let view = |h: &crate::gosrc::FileHeader| {
            format!(
                "{:?} {:?} {:?} {:?} {:?} {} {}",
                h.package.as_ref().map(|p| &p.0),
                h.go_build.as_ref().map(|b| &b.0),
                h.plus_build.iter().map(|b| &b.0).collect::<Vec<_>>(),
                h.imports
                    .iter()
                    .map(|i| (&i.path, &i.name))
                    .collect::<Vec<_>>(),
                h.import_c.as_ref().map(|c| c
                    .directives
                    .iter()
                    .map(|d| (&d.conditions, &d.verb, &d.args))
                    .collect::<Vec<_>>()),
                h.imports_embed,
                h.errors.len(),
            )
        };
        assert_eq!(view(&crlf), view(&lf));
        assert!(
            view(&lf).contains("-lpng") && lf.errors.is_empty(),
            "{}",
            view(&lf)
        );

        let gomod = "module example.com/shop\n\ngo 1.22.0\n\ntoolchain go1.26.8\n\nrequire (\n\tgolang.org/x/sys v0.20.0 // indirect\n)\n\nreplace example.com/a => ../a\n";
        let (lf, crlf) = (
            crate::modules::gomod::parse_go_mod(gomod),
            crate::modules::gomod::parse_go_mod(&gomod.replace('\n', "\r\n")),
        );
        let view = |m: &crate::modules::gomod::GoMod| {
            format!(
                "{:?} {:?} {:?} {:?} {:?}",
                m.module.as_ref().map(|m| &m.0),
                m.go_version,
                m.toolchain,
                m.requires,
                m.replaces
            )
        };
        // Spans differ by the CRs; compare what was read.
        let strip_spans = |s: String| {
            let mut parts = s.split("Span {");
            let mut out = parts.next().unwrap_or_default().to_string();
            for part in parts {
                out.push_str(part.split_once('}').map_or(part, |(_, rest)| rest));
            }
            out
        };
        assert_eq!(strip_spans(view(&crlf)), strip_spans(view(&lf)));
        assert!(view(&lf).contains("golang.org/x/sys"), "{}", view(&lf));
    }

    #[test]
    fn windows_lookup_uses_path_pathext_and_any_case() {
        let t = tempfile::tempdir().unwrap();
        let (a, b) = (t.path().join("a"), t.path().join("go dir"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("go.exe"), "MZ").unwrap();
        std::fs::write(a.join("go"), "not a Windows program").unwrap();
        std::fs::write(a.join("gcc.EXE"), "MZ").unwrap();
        let path = format!("{};\"{}\"", a.display(), b.display());
        let env: crate::buildcfg::Environ = [("Path".to_string(), path)].into_iter().collect();
        assert_eq!(lookup_path_windows("go", &env), Some(b.join("go.exe")));
        assert_eq!(lookup_path_windows("go.exe", &env), Some(b.join("go.exe")));
        // PATHEXT is lowercased; a listed file with another case still is a file on NTFS,
        // and on this test's file system the spelled name must exist.
        assert_eq!(
            lookup_path_windows("gcc.EXE", &env),
            Some(a.join("gcc.EXE"))
        );
        assert_eq!(lookup_path_windows("cc", &env), None);
        let explicit = b.join("go");
        assert_eq!(
            lookup_path_windows(explicit.to_str().unwrap(), &env),
            Some(b.join("go.exe"))
        );
        let mut only_bat = env.clone();
        only_bat.insert("PATHEXT".into(), ".BAT".into());
        assert_eq!(lookup_path_windows("go", &only_bat), None);
        assert_eq!(lookup_path_windows("go", &Default::default()), None);
    }
}
