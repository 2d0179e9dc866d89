//! The toolchain when `linklens.runGo` is false (untrusted workspace): the
//! same facts `Toolchain::discover` gets from `go env -json`, read from the
//! environment and GOROOT's files without running any program.

use crate::build::toolchain::{Environ, Toolchain, host_goarch, host_goos, lookup_path};
use std::path::{Path, PathBuf};

pub fn offline(env: &Environ) -> Toolchain {
    let mut tc = Toolchain::default();
    let get = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    tc.goroot = get("GOROOT").map(PathBuf::from).or_else(|| {
        // The `go` on PATH is GOROOT/bin/go (through symlinks): not run.
        let real = std::fs::canonicalize(lookup_path("go", env)?).ok()?;
        let root = real.parent()?.parent()?.to_path_buf();
        root.join("src/runtime").is_dir().then_some(root)
    });
    tc.host_goos = host_goos().to_string();
    tc.host_goarch = host_goarch().to_string();
    let home = get("HOME").unwrap_or_else(|| "/root".into());
    tc.gomodcache = get("GOMODCACHE").map(PathBuf::from).unwrap_or_else(|| {
        let gopath = get("GOPATH")
            .and_then(|p| p.split(':').next().map(str::to_string))
            .filter(|p| !p.is_empty());
        gopath.map_or_else(
            || Path::new(&home).join("go/pkg/mod"),
            |g| Path::new(&g).join("pkg/mod"),
        )
    });
    if let Some(root) = &tc.goroot {
        tc.version = std::fs::read_to_string(root.join("VERSION"))
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string));
        tc.goroot_env = read_env_file(&root.join("go.env"));
    }
    let cfg_dir = get("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(&home).join(".config"));
    tc.goenv_file = read_env_file(
        &get("GOENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| cfg_dir.join("go/env")),
    );
    tc.notes.push("linklens.runGo is false: `go env` was not run; GOROOT and settings come from the environment".into());
    tc
}

fn read_env_file(path: &Path) -> Environ {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}
