//! The module cache layout: `$GOMODCACHE/<escaped path>@<escaped version>`.

use std::path::{Path, PathBuf};

/// Escapes a module path or version as the module cache does: each upper-case
/// letter becomes `!` followed by its lower-case form
/// (module.EscapePath / EscapeVersion, minus their validity checks; see
/// [`check_module_path`]).
pub fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The directory of `path@version` in the module cache (which may not exist).
/// Check untrusted paths with [`check_module_path`] first: `..` elements
/// would point outside the cache.
pub fn module_dir(gomodcache: &Path, path: &str, version: &str) -> PathBuf {
    // One allocation: asked for every import resolved.
    let mut dir = gomodcache.as_os_str().to_owned();
    dir.reserve(path.len() + version.len() + 8);
    let root = gomodcache.as_os_str().as_encoded_bytes();
    if !root.is_empty() && !std::path::is_separator(*root.last().unwrap_or(&b'/') as char) {
        dir.push(std::path::MAIN_SEPARATOR_STR);
    }
    let mut push_escaped = |s: &str| {
        let mut rest = s;
        while let Some(i) = rest.find(|c: char| c.is_ascii_uppercase()) {
            dir.push(&rest[..i]);
            dir.push("!");
            dir.push(rest[i..i + 1].to_ascii_lowercase());
            rest = &rest[i + 1..];
        }
        dir.push(rest);
    };
    push_escaped(path);
    push_escaped("@");
    push_escaped(version);
    PathBuf::from(dir)
}

/// The part of module.CheckPath that keeps cache paths inside the cache and
/// escaping unambiguous: non-empty `/`-separated elements of ASCII letters,
/// digits and `-._~+`, none `.`/`..`, no leading dot; versions likewise.
pub fn check_module_path(path: &str, version: &str) -> Result<(), String> {
    let bad =
        |what: &str, why: &str| Err(format!("malformed module path \"{path}\" ({what}): {why}"));
    if path.is_empty() {
        return bad("path", "empty string");
    }
    for elem in path.split('/') {
        if elem.is_empty() {
            return bad("path", "empty path element");
        }
        if elem.starts_with('.') {
            return bad("path", "leading dot in path element");
        }
        if let Some(c) = elem
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "-._~+".contains(*c)))
        {
            return bad("path", &format!("invalid char {c:?}"));
        }
    }
    if version.is_empty()
        || version.starts_with('.')
        || version.contains(['/', '\\', '!'])
        || !version.is_ascii()
        || version.chars().any(|c| c.is_ascii_control())
    {
        return Err(format!(
            "module {path}: disallowed version string \"{version}\""
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The module directory is the escaped path and version joined to the
    /// cache, however the cache path ends.
    #[test]
    fn module_dirs() {
        for root in ["/home/u/go/pkg/mod", "/home/u/go/pkg/mod/", "rel/mod", ""] {
            for (path, version) in [
                ("github.com/BurntSushi/toml", "v1.4.0"),
                ("golang.org/x/sys", "v0.30.0-RC1"),
                ("example.com/m", "v1.0.0"),
            ] {
                let root = Path::new(root);
                assert_eq!(
                    module_dir(root, path, version),
                    root.join(format!("{}@{}", escape(path), escape(version))),
                    "{root:?} {path} {version}"
                );
            }
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape("github.com/Azure/azure-sdk"),
            "github.com/!azure/azure-sdk"
        );
        assert_eq!(
            escape("github.com/BurntSushi/TOML"),
            "github.com/!burnt!sushi/!t!o!m!l"
        );
        assert_eq!(escape("v1.0.0-RC1"), "v1.0.0-!r!c1");
        assert_eq!(escape("plain/path"), "plain/path");
        assert_eq!(
            module_dir(Path::new("/c"), "github.com/Sirupsen/logrus", "v1.0.0"),
            PathBuf::from("/c/github.com/!sirupsen/logrus@v1.0.0")
        );
    }

    #[test]
    fn path_checks() {
        assert!(check_module_path("example.com/a/v2", "v2.0.0").is_ok());
        assert!(check_module_path("../../etc", "v1.0.0").is_err());
        assert!(check_module_path("a//b", "v1.0.0").is_err());
        assert!(check_module_path("a/b", "../x").is_err());
        assert!(check_module_path("a/é", "v1.0.0").is_err());
        assert!(check_module_path("a/b!c", "v1.0.0").is_err());
    }
}
