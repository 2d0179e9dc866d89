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
    gomodcache.join(format!("{}@{}", escape(path), escape(version)))
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
