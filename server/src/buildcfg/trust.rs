//! The trust boundary, enforced here and nowhere else.
//!
//! A user opens repositories they did not write. So:
//! - **Programs and the environment that chooses them** (PATH, GOROOT,
//!   GOTOOLCHAIN, GOFLAGS, GOENV, CC, PKG_CONFIG, HOME and the XDG
//!   directories) come only from the *host* environment: the server's or
//!   CLI's process environment, which the user (or their editor) set. Files
//!   in the workspace (`.vscode/settings.json`, Makefiles, Dockerfiles,
//!   goreleaser/ko files, go.mod, go.work) describe the *predicted* build
//!   as data: the engine reads the files they name and never runs them.
//! - The only program linklens runs is the host's `go`, through
//!   [`go_command`], with `GOTOOLCHAIN=local` (never switch or download a
//!   toolchain), `GOPROXY=off`, `GOFLAGS` empty, and of the predicted
//!   build's variables only the [`DATA_VARS`], which select a target but
//!   cannot name a program.
//! - Only absolute paths are looked up: relative PATH entries (`.`, `bin`,
//!   an empty entry) are skipped, as Go's `exec.LookPath` refuses them
//!   (`ErrDot`), and a relative program name is never resolved.

use super::toolchain::Environ;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Variables of a predicted build that may reach the host's `go`: they pick
/// a target or a file to read, never a program to run.
pub const DATA_VARS: &[&str] = &[
    "GOOS",
    "GOARCH",
    "GOEXPERIMENT",
    "CGO_ENABLED",
    "GO386",
    "GOAMD64",
    "GOARM",
    "GOARM64",
    "GOMIPS",
    "GOMIPS64",
    "GOPPC64",
    "GORISCV64",
    "GOWASM",
];

/// The process environment as a map (what `go build` would see), dropping
/// variables whose name or value is not UTF-8 as `os.Environ` users do.
pub fn process_env() -> Environ {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Finds `prog` as `exec.LookPath` does, without running it: an absolute
/// path is checked as it is; a bare name is searched in the absolute
/// entries of `env`'s PATH. Relative names and relative PATH entries give
/// `None` (Go reports them as `ErrDot`; we never look them up).
pub fn lookup_path(prog: &str, env: &Environ) -> Option<PathBuf> {
    if cfg!(windows) {
        return crate::portable::lookup_path_windows(prog, env);
    }
    use crate::portable::PermissionsExt;
    let is_exec = |p: &Path| {
        p.metadata()
            .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false)
    };
    if prog.contains('/') {
        let p = PathBuf::from(prog);
        return (p.is_absolute() && is_exec(&p)).then_some(p);
    }
    if prog.is_empty() {
        return None;
    }
    let path = env.get("PATH")?;
    path.split(':')
        .map(Path::new)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(prog))
        .find(|p| is_exec(p))
}

/// The host's `go`: on the host PATH, else `$GOROOT/bin/go` when the host
/// sets an absolute GOROOT.
pub fn find_go(host: &Environ) -> Option<PathBuf> {
    if let Some(p) = lookup_path("go", host) {
        return Some(p);
    }
    let root = Path::new(host.get("GOROOT")?);
    if !root.is_absolute() {
        return None;
    }
    let p = root
        .join("bin")
        .join(if cfg!(windows) { "go.exe" } else { "go" });
    p.is_file().then_some(p)
}

/// A `go` command ready to run: the host's `go` with the host environment,
/// the pinned offline settings, and the predicted build's [`DATA_VARS`]
/// from `data`. The caller adds arguments and, if it must, a working
/// directory (the default is a neutral one, so no go.mod is read).
pub fn go_command(host: &Environ, data: &Environ) -> Result<Command, String> {
    let go = find_go(host)
        .ok_or_else(|| "the `go` command was not found on PATH or in GOROOT/bin".to_string())?;
    let mut cmd = Command::new(go);
    cmd.env_clear()
        .envs(host)
        .envs(
            DATA_VARS
                .iter()
                .filter_map(|k| Some((*k, data.get(*k)?.as_str()))),
        )
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .current_dir(std::env::temp_dir())
        .stdin(std::process::Stdio::null());
    Ok(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn exe(dir: &Path, name: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// Relative entries are skipped wherever the process runs (the CLI
    /// test `relative_path_entries_never_run` runs one from the workspace).
    #[test]
    fn only_absolute_entries_and_names_are_looked_up() {
        let tmp = tempfile::tempdir().unwrap();
        let abs = exe(&tmp.path().join("abs"), "gcc");
        let env: Environ = [(
            "PATH".to_string(),
            format!(":.:rel:{}", tmp.path().join("abs").display()),
        )]
        .into();
        assert_eq!(lookup_path("gcc", &env), Some(abs.clone()));
        assert_eq!(lookup_path(abs.to_str().unwrap(), &env), Some(abs));
        assert_eq!(lookup_path("", &env), None);
        assert_eq!(lookup_path("nosuch-gcc", &env), None);
    }

    #[test]
    fn go_command_takes_only_data_from_the_predicted_build() {
        let tmp = tempfile::tempdir().unwrap();
        let host_go = exe(&tmp.path().join("host"), "go");
        exe(&tmp.path().join("ws"), "go");
        let host: Environ = [
            ("PATH".into(), tmp.path().join("host").display().to_string()),
            ("HOME".into(), "/home/u".into()),
        ]
        .into();
        let data: Environ = [
            ("PATH".into(), tmp.path().join("ws").display().to_string()),
            ("GOOS".into(), "windows".into()),
            ("GOFLAGS".into(), "-toolexec=/ws/x".into()),
            ("CC".into(), "/ws/cc".into()),
            ("XDG_CACHE_HOME".into(), "/ws/c".into()),
        ]
        .into();
        let cmd = go_command(&host, &data).unwrap();
        assert_eq!(cmd.get_program(), host_go.as_os_str());
        let envs: std::collections::BTreeMap<_, _> = cmd
            .get_envs()
            .map(|(k, v)| (k.to_str().unwrap(), v.and_then(|v| v.to_str())))
            .collect();
        assert_eq!(envs["GOOS"], Some("windows"));
        assert_eq!(envs["GOFLAGS"], Some(""));
        assert_eq!(envs["GOTOOLCHAIN"], Some("local"));
        assert_eq!(envs["GOPROXY"], Some("off"));
        assert_eq!(
            envs["PATH"],
            Some(tmp.path().join("host").to_str().unwrap())
        );
        assert!(!envs.contains_key("CC"));
        assert!(!envs.contains_key("XDG_CACHE_HOME"));
    }
}
