//! The host's toolchain as the tests find it: `go` on PATH and GOROOT from
//! `go env GOROOT`, as a user's shell finds them, never a guessed path such
//! as /usr/local/go. A test that needs a tool fails, saying what to install;
//! it never skips (a skipped check would pass without checking anything).
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

pub const INSTALL_GO: &str = "install Go (https://go.dev/dl) and put its bin/ on PATH";

/// Fail (never skip) when a tool the test depends on cannot be run.
pub fn require_tool(tool: &str, arg: &str, install: &str) {
    // GOTOOLCHAIN=local: `go version` must not switch (or download) toolchains.
    match Command::new(tool)
        .arg(arg)
        .env("GOTOOLCHAIN", "local")
        .output()
    {
        Ok(_) => {}
        Err(e) => panic!("`{tool}` is required by this test but could not be run ({e}); {install}"),
    }
}

pub fn require_go() {
    require_tool("go", "version", INSTALL_GO);
}

/// `go env GOROOT` of the `go` on PATH (asked once per test binary).
pub fn goroot() -> PathBuf {
    static GOROOT: OnceLock<PathBuf> = OnceLock::new();
    GOROOT
        .get_or_init(|| {
            let out = Command::new("go")
                .args(["env", "GOROOT"])
                .env("GOTOOLCHAIN", "local")
                .output()
                .unwrap_or_else(|e| panic!("this test needs `go` ({e}); {INSTALL_GO}"));
            assert!(
                out.status.success(),
                "go env GOROOT failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            assert!(
                root.join("src/runtime").is_dir(),
                "go env GOROOT says {}, which has no src/runtime",
                root.display()
            );
            root
        })
        .clone()
}
