//! Libraries named by `-lfoo`: the file the linker would pick, the soname a
//! dynamic executable records for it (glibc's `.so` linker scripts
//! included), and the symbols it defines (for `--as-needed` links).

use crate::buildcfg::ctoolchain::CToolchain;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibFile {
    /// A shared object: its soname and the symbols it defines with a
    /// default version.
    Shared { soname: String, path: PathBuf },
    /// A static archive (links into the binary, no DT_NEEDED).
    Archive(PathBuf),
}

/// Resolves `-lname` to what the linker would use.
pub fn resolve(
    cc: &CToolchain,
    name: &str,
    extra_dirs: &[PathBuf],
    static_link: bool,
) -> Option<Vec<LibFile>> {
    let path = cc.find_library(name, extra_dirs, static_link)?;
    if path.extension().is_some_and(|e| e == "a") {
        return Some(vec![LibFile::Archive(path)]);
    }
    Some(shared_files_cached(&path))
}

/// `shared_files`, remembered by the file's size and mtime: `-lresolv` and
/// friends are resolved for every prediction (a whole shared object read and
/// parsed each time, otherwise).
fn shared_files_cached(path: &Path) -> Vec<LibFile> {
    type Entry = ((u64, Option<SystemTime>), Vec<LibFile>);
    static CACHE: Mutex<Option<HashMap<PathBuf, Entry>>> = Mutex::new(None);
    let stamp = std::fs::metadata(path)
        .map(|m| (m.len(), m.modified().ok()))
        .unwrap_or((0, None));
    if let Ok(guard) = CACHE.lock()
        && let Some((s, files)) = guard.as_ref().and_then(|m| m.get(path))
        && *s == stamp
    {
        return files.clone();
    }
    let files = shared_files(path, 0);
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() > 256 {
            map.clear();
        }
        map.insert(path.to_path_buf(), (stamp, files.clone()));
    }
    files
}

/// A `.so` is either an ELF shared object or a GNU ld script (`GROUP (...)`,
/// `INPUT (...)`) naming the real files; `AS_NEEDED (...)` members are
/// left out, since they only matter when a symbol needs them.
fn shared_files(path: &Path, depth: u32) -> Vec<LibFile> {
    let Ok(bytes) = crate::regular::read_all(path) else {
        return Vec::new();
    };
    if bytes.starts_with(b"\x7fELF") {
        return vec![LibFile::Shared {
            soname: soname_of(&bytes, path),
            path: path.to_path_buf(),
        }];
    }
    if depth > 4 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for input in script_inputs(&bytes) {
        if input.as_needed || input.path.extension().is_some_and(|e| e == "a") {
            continue;
        }
        if input.path.exists() {
            out.extend(shared_files(&input.path, depth + 1));
        }
    }
    out
}

/// The soname an ELF shared object records, else its file name.
pub fn soname_of(bytes: &[u8], path: &Path) -> String {
    goblin::elf::Elf::parse(bytes)
        .ok()
        .and_then(|e| e.soname.map(str::to_string))
        .unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
}

/// A file a GNU ld script names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInput {
    pub path: PathBuf,
    /// Inside `AS_NEEDED (...)`.
    pub as_needed: bool,
}

/// The absolute paths a GNU ld script (`GROUP`/`INPUT`, as in glibc's
/// `libc.so` and `libm.a`) names, in order; empty for anything else.
pub fn script_inputs(bytes: &[u8]) -> Vec<ScriptInput> {
    if bytes.len() > 64 * 1024 || bytes.starts_with(b"\x7fELF") || bytes.starts_with(b"!<") {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut as_needed_depth = 0;
    let cleaned = strip_c_comments(&text);
    // Each '(' records whether it opened an AS_NEEDED group.
    let mut paren_stack: Vec<bool> = Vec::new();
    let mut rest = cleaned.as_str();
    while !rest.is_empty() {
        let c = rest.chars().next().unwrap_or(' ');
        if c == '(' {
            paren_stack.push(false);
            rest = &rest[1..];
            continue;
        }
        if c == ')' {
            if paren_stack.pop() == Some(true) {
                as_needed_depth -= 1;
            }
            rest = &rest[1..];
            continue;
        }
        if c.is_whitespace() || c == ',' {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        if word == "AS_NEEDED" {
            as_needed_depth += 1;
            // The next '(' belongs to AS_NEEDED.
            if let Some(inner) = rest.trim_start().strip_prefix('(') {
                rest = inner;
                paren_stack.push(true);
            }
            continue;
        }
        if word.starts_with('/') {
            out.push(ScriptInput {
                path: PathBuf::from(word),
                as_needed: as_needed_depth > 0,
            });
        }
    }
    out
}

fn strip_c_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        match rest[i + 2..].find("*/") {
            Some(j) => rest = &rest[i + 2 + j + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The symbols a shared object defines with a default (non-hidden) version:
/// what an undefined reference binds to. Cached by size and mtime: libc's
/// table is read for every prediction that checks an archive.
pub fn defined_symbols(path: &Path) -> Arc<HashSet<String>> {
    type Entry = ((u64, Option<SystemTime>), Arc<HashSet<String>>);
    static CACHE: Mutex<Option<HashMap<PathBuf, Entry>>> = Mutex::new(None);
    let stamp = std::fs::metadata(path)
        .map(|m| (m.len(), m.modified().ok()))
        .unwrap_or((0, None));
    if let Ok(guard) = CACHE.lock()
        && let Some((s, syms)) = guard.as_ref().and_then(|m| m.get(path))
        && *s == stamp
    {
        return syms.clone();
    }
    let syms = Arc::new(read_defined_symbols(path));
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() > 64 {
            map.clear();
        }
        map.insert(path.to_path_buf(), (stamp, syms.clone()));
    }
    syms
}

fn read_defined_symbols(path: &Path) -> HashSet<String> {
    let mut out = HashSet::new();
    let Ok(bytes) = crate::regular::read_all(path) else {
        return out;
    };
    let Ok(elf) = goblin::elf::Elf::parse(&bytes) else {
        return out;
    };
    let versym = elf.versym.as_ref();
    for (i, sym) in elf.dynsyms.iter().enumerate() {
        if sym.st_shndx == 0 || sym.st_name == 0 {
            continue;
        }
        if let Some(vs) = versym.and_then(|v| v.get_at(i))
            && vs.is_hidden()
        {
            continue;
        }
        if let Some(name) = elf.dynstrtab.get_at(sym.st_name) {
            out.insert(name.to_string());
        }
    }
    out
}

/// C identifiers in `text` (a preamble or a C file), for matching against
/// library symbols.
pub fn c_identifiers(text: &str) -> HashSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            w.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        })
        .map(str::to_string)
        .collect()
}

/// Names referenced as `C.name` in Go source.
pub fn go_c_references(src: &str) -> HashSet<String> {
    let bytes = src.as_bytes();
    let mut out = HashSet::new();
    let mut i = 0;
    while let Some(off) = src[i..].find("C.") {
        let at = i + off;
        let boundary = at == 0
            || !(bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b'.');
        let start = at + 2;
        let end = src[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(src.len(), |e| start + e);
        if boundary && end > start {
            out.insert(src[start..end].to_string());
        }
        i = start;
    }
    out
}

/// A package's link flags as cgo passes them: its `#cgo LDFLAGS`, then
/// `CGO_LDFLAGS`.
pub(crate) fn link_flags(cfg: &crate::buildcfg::Config, pkg: &crate::load::Package) -> Vec<String> {
    pkg.cgo_args(crate::gosrc::CgoVerb::LdFlags)
        .into_iter()
        .chain(cfg.cgo_ldflags.iter().cloned())
        .collect()
}

/// The `-L` directories of a package's link flags, relative to its
/// directory, `${SRCDIR}` expanded (as cgo expands it).
pub(crate) fn lib_dirs(pkg_dir: &std::path::Path, flags: &[String]) -> Vec<std::path::PathBuf> {
    flags
        .iter()
        .filter_map(|f| f.strip_prefix("-L"))
        .map(|d| pkg_dir.join(d.replace("${SRCDIR}", &pkg_dir.to_string_lossy())))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_c_references() {
        let ids = super::go_c_references("x := C.sqrt(C.double(2)); y := abc.C.nope; C.");
        assert!(ids.contains("sqrt") && ids.contains("double"));
        assert!(!ids.contains("nope"));
    }

    use super::*;

    #[test]
    fn linker_script_skips_as_needed_and_archives() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("libc.so");
        std::fs::write(
            &script,
            "/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\nGROUP ( /nonexistent/libc.so.6 /usr/lib/libc_nonshared.a AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )\n",
        )
        .unwrap();
        // Nothing exists, so nothing resolves, and nothing panics.
        assert!(shared_files(&script, 0).is_empty());
    }

    #[test]
    fn real_glibc_scripts_resolve_to_sonames() {
        let libm = Path::new("/usr/lib/x86_64-linux-gnu/libm.so");
        if !libm.exists() {
            return;
        }
        let files = shared_files(libm, 0);
        assert!(
            files
                .iter()
                .any(|f| matches!(f, LibFile::Shared { soname, .. } if soname == "libm.so.6")),
            "{files:?}"
        );
        assert!(
            !files
                .iter()
                .any(|f| matches!(f, LibFile::Shared { soname, .. } if soname.contains("mvec")))
        );
    }
}
