//! Shared helpers for the inspect integration tests: locate the real tools
//! and build the Go fixtures in tests/fixtures/inspect/.
#![allow(dead_code)] // inspect_real and inspect_fuzz use different subsets

use std::path::{Path, PathBuf};
use std::process::Command;

pub use crate::common::toolchain::{require_go, require_tool};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/inspect")
}

/// Copy a fixture module into `dest` so the build sees no VCS from this repo.
pub fn copy_fixture(name: &str, dest: &Path) {
    copy_dir(&fixtures_dir().join(name), dest);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("mkdir {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// One `go build` of a fixture.
pub struct GoBuild<'a> {
    pub name: &'a str,
    pub fixture: &'a str,
    pub env: &'a [(&'a str, &'a str)],
    pub args: &'a [&'a str],
}

/// `go build -o <dir>/<name>` inside the copied fixture at `src`, with a
/// hermetic environment: local toolchain only, no proxy, no GOFLAGS/GOWORK
/// from the developer's setup; GOCACHE stays the default so reruns are fast.
pub fn go_build(b: &GoBuild<'_>, src: &Path, out_dir: &Path) -> Result<PathBuf, String> {
    let out = out_dir.join(b.name);
    let mut cmd = Command::new("go");
    cmd.current_dir(src)
        .arg("build")
        .arg("-o")
        .arg(&out)
        .args(b.args)
        .arg(".")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOWORK", "off")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("CGO_ENABLED")
        .env_remove("CC")
        .env_remove("CGO_LDFLAGS");
    for (k, v) in b.env {
        cmd.env(k, v);
    }
    let res = cmd
        .output()
        .map_err(|e| format!("{}: cannot run go: {e}", b.name))?;
    if !res.status.success() {
        return Err(format!(
            "{}: go build {:?} failed:\n{}",
            b.name,
            b.args,
            String::from_utf8_lossy(&res.stderr)
        ));
    }
    Ok(out)
}

/// Deterministic xorshift64* generator (no extra crates).
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}
