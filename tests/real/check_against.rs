//! `linklens check --against BINARY`: a binary built by the real `go build`
//! agrees with the prediction for its recorded settings, and a binary that
//! the sources no longer match is reported as a disagreement.

use std::path::Path;
use std::process::Command;

fn go_build(dir: &Path, cgo: &str, out: &str) {
    let st = Command::new("go")
        .args(["build", "-o", out, "."])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", cgo)
        .env_remove("GOFLAGS")
        .status()
        .expect("go is required (install Go)");
    assert!(st.success(), "go build failed");
}

fn against(dir: &Path, bin: &str) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["check", "--json", "--against", bin])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env_remove("CGO_ENABLED")
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

#[test]
fn agreement_and_stale_binaries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("go.mod"), "module example.com/against\n\ngo 1.22\n").unwrap();
    std::fs::write(
        d.join("main.go"),
        "package main\n\nimport \"net\"\n\nfunc main() { _ = net.ParseIP(\"::1\") }\n",
    )
    .unwrap();
    go_build(d, "1", "dyn");
    go_build(d, "0", "static");

    // Each binary is predicted with its own recorded CGO_ENABLED.
    let (code, v) = against(d, "dyn");
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["agree"], true);
    assert_eq!(v["predicted"]["result"], "dynamic");
    assert_eq!(v["settings"]["CGO_ENABLED"], "1");
    let (code, v) = against(d, "static");
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["predicted"]["result"], "static");

    // The sources drop net: the cgo binary is now stale.
    std::fs::write(d.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    let (code, v) = against(d, "dyn");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["agree"], false);
    let diffs = v["differences"].to_string();
    assert!(diffs.contains("predicted static"), "{diffs}");
}

#[test]
fn non_binaries_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["check", "--against", "notes.txt"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an ELF, Mach-O or PE file"));
}
