//! Go binaries in the workspace, so that the server can show a main
//! package's last build and hold it against the prediction. Binaries are
//! only ever read (goblin), never executed.

use crate::inspect::BinaryInfo;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Bigger files are not looked at: Go binaries are far smaller, and
/// inspecting reads the whole file.
pub const MAX_BINARY_SIZE: u64 = 1 << 30;
/// At most this many binaries are remembered (a workspace full of
/// executables, e.g. a checked-in toolchain, must not grow the server).
pub const MAX_TRACKED: usize = 256;
/// Bounds of the startup scan: depth below a folder, directory entries
/// looked at, and binaries read.
const SCAN_MAX_DEPTH: usize = 8;
const SCAN_MAX_ENTRIES: usize = 20_000;
const SCAN_MAX_BINARIES: usize = 64;

/// One Go binary as last read.
#[derive(Debug)]
pub struct Bin {
    pub info: BinaryInfo,
    pub modified: Option<SystemTime>,
}

/// A watched path, re-read: `None` when it is not (or no longer) a Go binary.
pub type Probe = (PathBuf, Option<Arc<Bin>>);

/// Under a directory whose files are never build outputs of the workspace.
pub fn excluded(p: &Path) -> bool {
    p.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some(".git" | "node_modules" | "vendor")
        )
    })
}

/// A path whose changes may concern a binary: neither Go source nor module
/// files, and not in an excluded directory.
pub fn may_be_binary(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !excluded(p)
        && !name.ends_with(".go")
        && !matches!(
            name,
            "go.mod" | "go.sum" | "go.work" | "go.work.sum" | "settings.json"
        )
}

/// A regular file (symlinks are not followed), not too big, that starts with
/// the ELF, Mach-O or PE magic. Reads four bytes.
pub fn is_candidate(p: &Path) -> bool {
    if !may_be_binary(p) {
        return false;
    }
    let Ok(meta) = std::fs::symlink_metadata(p) else {
        return false;
    };
    if !meta.is_file() || meta.len() > MAX_BINARY_SIZE || meta.len() < 64 {
        return false;
    }
    let mut magic = [0u8; 4];
    crate::regular::open(p)
        .and_then(|(mut f, _)| f.read_exact(&mut magic))
        .is_ok()
        && has_magic(&magic)
}

fn has_magic(b: &[u8; 4]) -> bool {
    b == b"\x7fELF"
        || b.starts_with(b"MZ")
        || matches!(
            b,
            [0xfe, 0xed, 0xfa, 0xce | 0xcf]
                | [0xce | 0xcf, 0xfa, 0xed, 0xfe]
                | [0xca, 0xfe, 0xba, 0xbe | 0xbf]
        )
}

/// Reads `p` if it is a Go binary.
pub fn read(p: &Path) -> Option<Arc<Bin>> {
    if !is_candidate(p) {
        return None;
    }
    let modified = std::fs::metadata(p).and_then(|m| m.modified()).ok();
    // Read through `regular` (the check above can be raced: a FIFO swapped
    // in since must not block the server), bounded as inspect bounds it.
    let bytes = crate::regular::read(p, MAX_BINARY_SIZE).ok()?;
    let mut info = crate::inspect::inspect_bytes(&bytes).ok()?;
    info.path = p.display().to_string();
    info.go.as_ref()?;
    Some(Arc::new(Bin { info, modified }))
}

/// Re-reads each path that may concern a binary.
pub fn probe(paths: &[PathBuf]) -> Vec<Probe> {
    paths
        .iter()
        .filter(|p| may_be_binary(p))
        .map(|p| (p.clone(), read(p)))
        .collect()
}

/// The Go binaries already under `roots`, bounded in depth, entries and count.
pub fn scan(roots: &[PathBuf]) -> Vec<Probe> {
    let mut found = Vec::new();
    let mut budget = SCAN_MAX_ENTRIES;
    for r in roots {
        walk(r, 0, &mut budget, &mut found);
    }
    found
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, found: &mut Vec<Probe>) {
    if depth > SCAN_MAX_DEPTH {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs = Vec::new();
    for e in rd.flatten() {
        if *budget == 0 || found.len() >= SCAN_MAX_BINARIES {
            return;
        }
        *budget -= 1;
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            if !excluded(&p) {
                subdirs.push(p);
            }
        } else if ft.is_file()
            && let Some(b) = read(&p)
        {
            found.push((p, Some(b)));
        }
    }
    subdirs.sort();
    for d in subdirs {
        walk(&d, depth + 1, budget, found);
    }
}

/// "CGO_ENABLED=1 -tags netgo -ldflags '-s -w'": the recorded settings that
/// decide linking, or "default settings".
pub fn settings_summary(info: &BinaryInfo) -> String {
    let Some(go) = &info.go else {
        return "unknown settings".into();
    };
    let mut parts = Vec::new();
    for k in ["CGO_ENABLED", "-tags", "-ldflags", "-buildmode"] {
        let Some(v) = go.settings.get(k) else {
            continue;
        };
        if k == "-buildmode" && v == "exe" {
            continue;
        }
        if k == "CGO_ENABLED" {
            parts.push(format!("CGO_ENABLED={v}"));
        } else if v.contains(char::is_whitespace) {
            parts.push(format!("{k} '{v}'"));
        } else {
            parts.push(format!("{k} {v}"));
        }
    }
    if parts.is_empty() {
        "default settings".into()
    } else {
        parts.join(" ")
    }
}

/// "dynamic (libc.so.6)", "static", "static-pie".
pub fn linking_summary(info: &BinaryInfo) -> String {
    let libs = if info.needed.is_empty() {
        info.interpreter.iter().cloned().collect::<Vec<_>>()
    } else {
        info.needed.clone()
    };
    if libs.is_empty() {
        info.linking.to_string()
    } else {
        format!("{} ({})", info.linking, libs.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_and_exclusions() {
        assert!(has_magic(b"\x7fELF"));
        assert!(has_magic(b"MZ\x90\x00"));
        assert!(has_magic(&[0xcf, 0xfa, 0xed, 0xfe]));
        assert!(!has_magic(b"#!/b"));
        assert!(excluded(Path::new("/w/.git/objects/ab")));
        assert!(excluded(Path::new("/w/vendor/x/bin")));
        assert!(!excluded(Path::new("/w/bin/app")));
        assert!(!may_be_binary(Path::new("/w/main.go")));
        assert!(may_be_binary(Path::new("/w/bin/app")));
    }

    #[test]
    fn scan_finds_nothing_in_text() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a"), [b'x'; 100]).unwrap();
        // ELF magic but garbage: a candidate, not a Go binary.
        let mut elf = b"\x7fELF".to_vec();
        elf.resize(100, 0);
        std::fs::write(d.path().join("b"), &elf).unwrap();
        assert!(is_candidate(&d.path().join("b")));
        assert!(scan(&[d.path().to_path_buf()]).is_empty());
    }
}
