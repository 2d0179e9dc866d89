//! The per-user cache directory (the header index, the experiment tags),
//! where each OS keeps caches: `$XDG_CACHE_HOME` or `~/.cache` on Linux and
//! the BSDs, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows, as
//! Go's `os.UserCacheDir`. An explicit `$XDG_CACHE_HOME` wins everywhere, so
//! a user (or a test) can move the cache on any OS.

use super::Environ;
use std::path::PathBuf;

pub fn user_cache_dir(env: &Environ) -> Option<PathBuf> {
    cache_dir_for(std::env::consts::OS, env)
}

/// `user_cache_dir` for the OS named as in `std::env::consts::OS`.
pub fn cache_dir_for(os: &str, env: &Environ) -> Option<PathBuf> {
    let get = |key: &str| {
        // Windows variable names are case-insensitive (`LocalAppData`).
        let v = if os == "windows" {
            env.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        } else {
            env.get(key)
        };
        v.filter(|v| !v.is_empty()).map(PathBuf::from)
    };
    if let Some(dir) = get("XDG_CACHE_HOME") {
        return Some(dir);
    }
    match os {
        "windows" => get("LOCALAPPDATA"),
        "macos" | "ios" => get("HOME").map(|h| h.join("Library").join("Caches")),
        _ => get("HOME").map(|h| h.join(".cache")),
    }
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

    #[test]
    fn per_os_defaults() {
        let e = env(&[
            ("HOME", "/home/me"),
            ("LOCALAPPDATA", r"C:\Users\me\AppData\Local"),
        ]);
        assert_eq!(
            cache_dir_for("linux", &e),
            Some(PathBuf::from("/home/me/.cache"))
        );
        assert_eq!(
            cache_dir_for("freebsd", &e),
            Some(PathBuf::from("/home/me/.cache"))
        );
        assert_eq!(
            cache_dir_for("macos", &e),
            Some(PathBuf::from("/home/me").join("Library").join("Caches"))
        );
        assert_eq!(
            cache_dir_for("windows", &e),
            Some(PathBuf::from(r"C:\Users\me\AppData\Local"))
        );
    }

    #[test]
    fn windows_names_ignore_case_and_home_is_not_used() {
        let e = env(&[("LocalAppData", r"D:\cache"), ("HOME", "/c/Users/me")]);
        assert_eq!(
            cache_dir_for("windows", &e),
            Some(PathBuf::from(r"D:\cache"))
        );
        assert_eq!(cache_dir_for("windows", &env(&[("HOME", "/x")])), None);
        assert_eq!(
            cache_dir_for("windows", &env(&[("LOCALAPPDATA", "")])),
            None
        );
    }

    #[test]
    fn xdg_cache_home_wins_when_set() {
        let e = env(&[("HOME", "/home/me"), ("XDG_CACHE_HOME", "/tmp/c")]);
        for os in ["linux", "macos", "windows"] {
            assert_eq!(cache_dir_for(os, &e), Some(PathBuf::from("/tmp/c")), "{os}");
        }
        let e = env(&[("HOME", "/home/me"), ("XDG_CACHE_HOME", "")]);
        assert_eq!(
            cache_dir_for("linux", &e),
            Some(PathBuf::from("/home/me/.cache"))
        );
        assert_eq!(cache_dir_for("linux", &env(&[])), None);
    }

    #[test]
    fn this_os() {
        let e = env(&[("HOME", "/h"), ("LOCALAPPDATA", "/l")]);
        assert!(user_cache_dir(&e).is_some());
    }
}
