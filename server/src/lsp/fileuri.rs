//! `file:` URIs to paths on every OS the server ships for.
//!
//! On Linux the server keeps `ls_types`' conversion. On Windows that
//! conversion turns VS Code's `file:///c%3A/Users/me/x.go` into `c:/Users/me/x.go`:
//! lowercase drive, `/` separators, while paths from the file system and
//! `go env` read `C:\Users\me\x.go`, so the same file would be two keys.
//! Windows paths are therefore built here (drive letter uppercased, `\`
//! separators, UNC hosts kept), and on the case-insensitive file systems of
//! Windows and macOS each name is spelled as on disk, so a file opened as
//! `c:\users\ME\x.go` is the file the workspace walk found.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tower_lsp_server::ls_types::Uri;

/// The path of a `file:` URI, spelled as the rest of the server spells paths.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let path = if cfg!(windows) {
        PathBuf::from(windows_path(uri.as_str())?)
    } else {
        uri.to_file_path()?.into_owned()
    };
    if cfg!(any(windows, target_os = "macos")) {
        Some(on_disk_case_cached(uri.as_str(), path))
    } else {
        Some(path)
    }
}

/// The Windows path of a `file:` URI: `file:///c%3A/Users/x.go`,
/// `file:///C:/Users/x.go` and `file:///c%3A%5CUsers%5Cx.go` are all
/// `C:\Users\x.go`; `file://server/share/x.go` (and `file:////server/share`,
/// as `ls_types` writes UNC paths) is `\\server\share\x.go`. `None` for other
/// schemes (`untitled:`) and for URIs without a path.
pub fn windows_path(uri: &str) -> Option<String> {
    let rest = strip_prefix_ignore_case(uri, "file:")?;
    // Query and fragment are not part of the path (`#` in a name is `%23`).
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (host, path) = match rest.strip_prefix("//") {
        Some(r) => r.split_at(r.find('/').unwrap_or(r.len())),
        None => ("", rest),
    };
    let host = percent_decode(host);
    let mut path = percent_decode(path).replace('/', "\\");
    if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        return Some(format!("\\\\{host}{path}"));
    }
    if path.starts_with("\\\\") {
        return Some(path); // file:////server/share: already UNC
    }
    // `\c:\x` (and the old `\c|\x`) is drive C.
    let b = path.as_bytes();
    if b.len() >= 3 && b[0] == b'\\' && b[1].is_ascii_alphabetic() && matches!(b[2], b':' | b'|') {
        let drive = (b[1] as char).to_ascii_uppercase();
        path = format!("{drive}:{}", &path[3..]);
        if path.len() == 2 {
            path.push('\\'); // `file:///c:` is the drive's root
        }
    }
    if path.is_empty() { None } else { Some(path) }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// `%XX` escapes to bytes, then UTF-8 (invalid sequences replaced).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `path` with each existing component spelled as its directory lists it.
/// A component that is spelled exactly so, or that is missing, or that
/// matches more than one entry (a case-sensitive directory), is kept as
/// given, and so is everything after a missing one. Symbolic links are not
/// resolved: only the case changes.
pub fn on_disk_case(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let mut found = true;
    for comp in path.components() {
        use std::path::Component;
        let Component::Normal(name) = comp else {
            out.push(comp);
            continue;
        };
        if found {
            match disk_name(&out, name) {
                Some(n) => {
                    out.push(n);
                    continue;
                }
                None => found = false,
            }
        }
        out.push(name);
    }
    out
}

/// The entry of `dir` that is `name` up to case: `name` itself if listed so.
fn disk_name(dir: &Path, name: &std::ffi::OsStr) -> Option<std::ffi::OsString> {
    let wanted = name.to_str()?.to_lowercase();
    let mut hit = None;
    for entry in std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
    .ok()?
    .flatten()
    {
        let n = entry.file_name();
        if n == name {
            return Some(n);
        }
        if n.to_str().is_some_and(|s| s.to_lowercase() == wanted) {
            if hit.is_some() {
                return None;
            }
            hit = Some(n);
        }
    }
    hit
}

/// `on_disk_case`, remembered per URI (the editor repeats the same few URIs
/// on every keystroke) while the file exists.
fn on_disk_case_cached(uri: &str, path: PathBuf) -> PathBuf {
    static CACHE: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let Ok(mut guard) = CACHE.lock() else {
        return on_disk_case(&path);
    };
    let cache = guard.get_or_insert_with(HashMap::new);
    if let Some(p) = cache.get(uri)
        && p.exists()
    {
        return p.clone();
    }
    let fixed = on_disk_case(&path);
    if fixed.exists() {
        if cache.len() >= 4096 {
            cache.clear();
        }
        cache.insert(uri.to_string(), fixed.clone());
    }
    fixed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn vscode_windows_uris() {
        for uri in [
            "file:///c%3A/Users/me/go/src/shop/main.go",
            "file:///C%3A/Users/me/go/src/shop/main.go",
            "file:///c:/Users/me/go/src/shop/main.go",
            "file:///C:/Users/me/go/src/shop/main.go",
            "file:///c%3A%5CUsers%5Cme%5Cgo%5Csrc%5Cshop%5Cmain.go",
            "file://localhost/c%3A/Users/me/go/src/shop/main.go",
            "FILE:///c|/Users/me/go/src/shop/main.go",
        ] {
            assert_eq!(
                windows_path(uri).as_deref(),
                Some(r"C:\Users\me\go\src\shop\main.go"),
                "{uri}"
            );
        }
    }

    #[test]
    fn windows_escapes_roots_and_unc() {
        assert_eq!(
            windows_path("file:///d%3A/My%20Projects/caf%C3%A9/%23x/a.go").as_deref(),
            Some(r"D:\My Projects\café\#x\a.go")
        );
        assert_eq!(windows_path("file:///c%3A").as_deref(), Some(r"C:\"));
        assert_eq!(windows_path("file:///c%3A/").as_deref(), Some(r"C:\"));
        assert_eq!(
            windows_path("file://fileserver/share/src/a.go").as_deref(),
            Some(r"\\fileserver\share\src\a.go")
        );
        // ls_types writes `\\fileserver\share\a.go` back as file:////fileserver/share/a.go.
        assert_eq!(
            windows_path("file:////fileserver/share/a.go").as_deref(),
            Some(r"\\fileserver\share\a.go")
        );
        assert_eq!(
            windows_path("file:///c%3A/x.go?query#frag").as_deref(),
            Some(r"C:\x.go")
        );
        assert_eq!(windows_path("untitled:Untitled-1"), None);
        assert_eq!(windows_path("file://"), None);
        assert_eq!(
            windows_path("file:///bad%zz%4").as_deref(),
            Some(r"\bad%zz%4")
        );
    }

    /// What `ls_types` writes for a Windows path (`path_uri` on Windows)
    /// reads back as the same path.
    #[test]
    fn windows_round_trip_of_server_uris() {
        assert_eq!(
            windows_path("file:///C%3A/Users/me/shop/cmd/api/main.go").as_deref(),
            Some(r"C:\Users\me\shop\cmd\api\main.go")
        );
    }

    #[test]
    fn unix_paths_unchanged() {
        if cfg!(any(windows, target_os = "macos")) {
            return;
        }
        let uri = Uri::from_str("file:///home/me/My%20Shop/main.go").unwrap();
        assert_eq!(
            uri_path(&uri),
            Some(PathBuf::from("/home/me/My Shop/main.go"))
        );
    }

    /// On a case-sensitive file system (Linux CI) the lookup still shows the
    /// rule: a differently-cased name is spelled as listed, an exact name is
    /// kept, an ambiguous one (two entries up to case) and a missing one are
    /// kept as given.
    #[test]
    fn on_disk_case_spells_names_as_listed() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::create_dir_all(root.join("Users/Me/Shop")).unwrap();
        std::fs::write(root.join("Users/Me/Shop/Main.go"), "package main\n").unwrap();
        assert_eq!(
            on_disk_case(&root.join("users/me/SHOP/main.go")),
            root.join("Users/Me/Shop/Main.go")
        );
        assert_eq!(
            on_disk_case(&root.join("Users/Me/Shop/Main.go")),
            root.join("Users/Me/Shop/Main.go")
        );
        assert_eq!(
            on_disk_case(&root.join("users/me/nothere/main.go")),
            root.join("Users/Me/nothere/main.go")
        );
        if std::fs::write(root.join("Users/Me/Shop/MAIN.go"), "").is_ok()
            && std::fs::read_dir(root.join("Users/Me/Shop"))
                .unwrap()
                .count()
                == 2
        {
            assert_eq!(
                on_disk_case(&root.join("users/me/shop/main.go")),
                root.join("Users/Me/Shop/main.go")
            );
        }
    }

    #[test]
    fn on_disk_case_cache_follows_the_file() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("Pkg");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("A.go"), "").unwrap();
        let uri = format!("file://{}/pkg/a.go", t.path().display());
        assert_eq!(
            on_disk_case_cached(&uri, t.path().join("pkg/a.go")),
            dir.join("A.go")
        );
        std::fs::rename(dir.join("A.go"), dir.join("a.go")).unwrap();
        assert_eq!(
            on_disk_case_cached(&uri, t.path().join("pkg/a.go")),
            dir.join("a.go")
        );
    }
}
