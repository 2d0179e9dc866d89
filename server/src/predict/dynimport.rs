//! The standard library's own `//go:cgo_import_dynamic` and `//go:cgo_ldflag`
//! directives: the DLLs and dylibs a Go binary imports without any cgo.
//! On Windows the runtime and syscall import kernel32.dll only (every other
//! system DLL is loaded at run time with LoadLibrary); on macOS runtime,
//! syscall, internal/syscall/unix (libresolv for net) and crypto/x509's
//! macos package (CoreFoundation, Security) name their libraries this way.
//!
//! Only standard packages are read: cmd/compile accepts these directives
//! elsewhere only in cgo-generated files, which are not on disk.

use crate::load::graph::{Graph, Loader};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// The directives of one Go file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// Libraries of `//go:cgo_import_dynamic local remote "lib"` (and the
    /// `_ _ "lib"` form), in file order, without repeats.
    pub libs: Vec<String>,
    /// Arguments of `//go:cgo_ldflag "…"`, in order.
    pub ldflags: Vec<String>,
}

/// The libraries the standard packages of `g` import through directives,
/// in the graph's order, each once, with the package that first names it.
/// `runtime` is always linked: a main package importing nothing has it
/// outside its graph, so the loader supplies it.
pub fn libraries(loader: &Loader, g: &Graph) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    // runtime first: it names kernel32.dll / libSystem before anything else.
    let runtime = g
        .get("runtime")
        .cloned()
        .or_else(|| loader.resolve("runtime", true).ok());
    let first = runtime.iter().map(|r| ("runtime", r));
    for (path, pkg) in first.chain(g.iter().filter(|(p, _)| *p != "runtime")) {
        if !pkg.standard {
            continue;
        }
        for f in &pkg.files {
            for lib in of_file(&f.path).libs {
                if !out.iter().any(|(l, _)| *l == lib) {
                    out.push((lib, path.to_string()));
                }
            }
        }
    }
    out
}

/// `//go:cgo_ldflag` arguments of the standard packages of `g`, in order.
pub fn ldflags(g: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (_, pkg) in g.iter() {
        if pkg.standard {
            for f in &pkg.files {
                out.extend(of_file(&f.path).ldflags);
            }
        }
    }
    out
}

/// The directives of `path`, remembered by size and mtime (GOROOT files
/// are read for every prediction of a Windows or macOS target).
pub fn of_file(path: &Path) -> Directives {
    type Entry = ((u64, Option<SystemTime>), Directives);
    static CACHE: Mutex<Option<HashMap<PathBuf, Entry>>> = Mutex::new(None);
    let stamp = std::fs::metadata(path)
        .map(|m| (m.len(), m.modified().ok()))
        .unwrap_or((0, None));
    if let Ok(guard) = CACHE.lock()
        && let Some((s, d)) = guard.as_ref().and_then(|m| m.get(path))
        && *s == stamp
    {
        return d.clone();
    }
    let d = crate::regular::read(path, 4 << 20)
        .map(|b| parse(&String::from_utf8_lossy(&b)))
        .unwrap_or_default();
    if let Ok(mut guard) = CACHE.lock() {
        let map = guard.get_or_insert_with(HashMap::new);
        if map.len() > 4096 {
            map.clear();
        }
        map.insert(path.to_path_buf(), (stamp, d.clone()));
    }
    d
}

/// Reads the directives of a Go file's text (cmd/compile takes them only at
/// the start of a line).
pub fn parse(text: &str) -> Directives {
    let mut d = Directives::default();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("//go:cgo_import_dynamic ") {
            // local [remote ["lib"]]: the library is the quoted third field.
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if let Some(lib) = fields.get(2).and_then(|l| unquote(l))
                && !lib.is_empty()
                && !d.libs.contains(&lib)
            {
                d.libs.push(lib);
            }
        } else if let Some(rest) = line.strip_prefix("//go:cgo_ldflag ") {
            d.ldflags.extend(unquote(rest.trim()));
        }
    }
    d
}

/// The first quoted string of a field (runtime/sys_darwin.go has a stray
/// quote after two library names, which the compiler tolerates).
fn unquote(s: &str) -> Option<String> {
    let rest = s.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_library_and_ldflag_directives() {
        let d = parse(
            "package unix\n\n//go:cgo_import_dynamic libresolv_res_9_nsearch res_9_nsearch \"/usr/lib/libresolv.9.dylib\"\n\
             //go:cgo_import_dynamic x y \"\"\n//go:cgo_import_dynamic _ _ \"/usr/lib/libSystem.B.dylib\"\n\
             //go:cgo_import_dynamic a b \"/usr/lib/libSystem.B.dylib\"\"\n//go:cgo_ldflag \"-lresolv\"\n// //go:cgo_import_dynamic a b \"nope.dll\"\n",
        );
        assert_eq!(
            d.libs,
            ["/usr/lib/libresolv.9.dylib", "/usr/lib/libSystem.B.dylib"]
        );
        assert_eq!(d.ldflags, ["-lresolv"]);
    }
}
