//! A real Neovim (headless) attaches `linklens serve` to a fixture file; the
//! Lua script (tests/nvim/init.lua) records `vim.diagnostic.get()` and the
//! hover text, which this test checks.

mod common;

use common::lsp_client::copy_fixture;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn neovim_shows_diagnostics_and_hover() {
    let has_nvim = Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_nvim,
        "nvim not found: install it with `apt-get install -y neovim`"
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("shop");
    copy_fixture(&repo.join("tests/fixtures/lsp/shop"), &root);
    let file = root.join("cmd/api/main.go");
    let out = tmp.path().join("out.json");
    let mut child = Command::new("nvim")
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(repo.join("tests/nvim/init.lua"))
        .env("LINKLENS_ROOT", &root)
        .env("LINKLENS_FILE", &file)
        .env("LINKLENS_OUT", &out)
        .env("LINKLENS_BIN", env!("CARGO_BIN_EXE_linklens"))
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("run nvim");
    let deadline = Instant::now() + Duration::from_secs(90);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&out).expect("init.lua wrote no output");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("error").is_none(), "Lua error: {}", v["error"]);
    assert_eq!(v["waited"], true, "no diagnostics arrived: {v:#}");
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{v:#}");
    let d = &diags[0];
    assert_eq!(d["lnum"], 4);
    assert_eq!(d["col"], 1);
    assert_eq!(d["end_col"], 11);
    assert_eq!(d["severity"], 2, "vim.diagnostic.severity.WARN");
    assert_eq!(d["source"], "linklens");
    assert_eq!(d["code"], "cgo-dynamic-import");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("net/http pulls in net, which uses cgo here"),
        "{d:#}"
    );
    let hover = v["hover"].as_str().unwrap();
    assert!(
        hover.contains("example.com/shop/cmd/api → net/http → net"),
        "{hover}"
    );
    assert!(hover.contains("Ways to build it"), "{hover}");
}
