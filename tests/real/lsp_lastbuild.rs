//! End to end: the real `linklens serve` notices binaries that the real
//! `go build` writes into the workspace, shows them as the main package's
//! last build, and warns when a binary contradicts the prediction for the
//! settings it records.

use crate::common::lsp_client::{LspClient, TIMEOUT, file_uri, temp_fixture};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CONTRADICTS: &str = "binary-contradicts-prediction";

const WITH_NET: &str = "package main\n\nimport (\n\t\"fmt\"\n\t\"net\"\n)\n\nfunc main() { fmt.Println(net.IPv4len) }\n";
const WITHOUT_NET: &str =
    "package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc main() { fmt.Println(4) }\n";

fn fixture() -> (tempfile::TempDir, PathBuf) {
    temp_fixture("lsp/lastbuild")
}

fn start(root: &Path, dyn_watch: bool) -> LspClient {
    let caps = json!({
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {
            "configuration": true,
            "didChangeWatchedFiles": {"dynamicRegistration": dyn_watch},
        },
    });
    LspClient::serve(root, caps, json!({})).0
}

/// The real `go build -o bin/app .`.
fn go_build(root: &Path, cgo: &str) {
    let out = Command::new("go")
        .args(["build", "-o", "bin/app", "."])
        .current_dir(root)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-buildvcs=false")
        .env("GOPROXY", "off")
        .env("CGO_ENABLED", cgo)
        .output()
        .expect("run go build");
    assert!(
        out.status.success(),
        "go build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What a client watching `**/*` reports after a build.
fn notify_built(c: &mut LspClient, root: &Path, kind: u32) {
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": file_uri(&root.join("bin")), "type": 1},
            {"uri": file_uri(&root.join("bin/app")), "type": kind},
        ]}),
    );
}

fn hover_at_package(c: &mut LspClient, main: &Path) -> String {
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": file_uri(main)}, "position": {"line": 0, "character": 2}}),
    );
    h["contents"]["value"].as_str().unwrap_or("").to_string()
}

/// Polls the hover until it contains `want` (file events are asynchronous).
fn await_hover(c: &mut LspClient, main: &Path, want: &str) -> String {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let md = hover_at_package(c, main);
        if md.contains(want) {
            return md;
        }
        assert!(
            Instant::now() < deadline,
            "hover never contained {want:?}; last:\n{md}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn has_code(diags: &[Value], code: &str) -> bool {
    diags.iter().any(|d| d["code"] == code)
}

#[test]
fn last_build_hover_and_contradiction() {
    let (_tmp, root) = fixture();
    let main = root.join("main.go");
    let uri = file_uri(&main);
    let mut c = start(&root, true);
    assert!(
        c.server_requests
            .iter()
            .any(|(m, p)| m == "client/registerCapability" && p.to_string().contains("\"**/*\"")),
        "the server watches every file for binaries"
    );
    c.open(&main, 1);
    c.await_diagnostics(&uri, |d| has_code(d, "cgo-dynamic-import"));

    // A cgo build of the net-importing main: dynamic, as predicted.
    go_build(&root, "1");
    notify_built(&mut c, &root, 1);
    let md = await_hover(&mut c, &main, "last build: bin/app — dynamic (libc.so.6");
    assert!(md.contains("built with CGO_ENABLED=1"), "{md}");
    assert!(!md.contains(CONTRADICTS), "{md}");
    let lenses = c.call(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let titles: Vec<&str> = lenses
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["command"]["title"].as_str())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("last build: bin/app — dynamic (libc.so.6)")),
        "{titles:?}"
    );

    // Drop the net import without rebuilding: the binary is now stale.
    std::fs::write(&main, WITHOUT_NET).unwrap();
    c.change(&main, 2, WITHOUT_NET);
    let diags = c.await_diagnostics(&uri, |d| has_code(d, CONTRADICTS));
    let d = diags.iter().find(|d| d["code"] == CONTRADICTS).unwrap();
    assert_eq!(d["severity"], 2, "Warning");
    assert_eq!(d["source"], "linklens");
    assert_eq!(d["range"]["start"]["line"], 0, "on `package main`");
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.starts_with("bin/app, the last build of example.com/lastbuild (with CGO_ENABLED=1), contradicts the prediction for the same settings: predicted static, the binary is dynamic;"),
        "{msg}"
    );
    assert!(
        msg.contains("DT_NEEDED: predicted none, binary libc.so.6"),
        "{msg}"
    );
    assert!(
        msg.contains("predicted static, the binary is dynamic"),
        "{msg}"
    );
    assert!(msg.contains("stale"), "{msg}");
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("docs/diagnostics/binary-contradicts-prediction.md")
    );

    // Rebuild: the binary agrees again.
    go_build(&root, "1");
    notify_built(&mut c, &root, 2);
    c.await_diagnostics(&uri, |d| !has_code(d, CONTRADICTS));
    await_hover(
        &mut c,
        &main,
        "last build: bin/app — static, built with CGO_ENABLED=1",
    );

    // Back to net: the static binary contradicts the cgo prediction...
    std::fs::write(&main, WITH_NET).unwrap();
    c.change(&main, 3, WITH_NET);
    c.await_diagnostics(&uri, |d| has_code(d, CONTRADICTS));
    // ...until it is rebuilt without cgo, which makes it static for real.
    go_build(&root, "0");
    notify_built(&mut c, &root, 2);
    let diags = c.await_diagnostics(&uri, |d| !has_code(d, CONTRADICTS));
    assert!(has_code(&diags, "cgo-dynamic-import"), "{diags:#?}");
    await_hover(
        &mut c,
        &main,
        "last build: bin/app — static, built with CGO_ENABLED=0",
    );

    // Deleting the directory forgets its binaries, even when only the
    // directory is reported (as VS Code does).
    std::fs::remove_dir_all(root.join("bin")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("bin")), "type": 3}]}),
    );
    let deadline = Instant::now() + TIMEOUT;
    while hover_at_package(&mut c, &main).contains("last build") {
        assert!(Instant::now() < deadline, "the deleted binary stayed");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn startup_scan_and_notify_fallback() {
    let (_tmp, root) = fixture();
    let main = root.join("main.go");
    // A binary that exists before the server starts is found by the scan.
    go_build(&root, "0");
    // No dynamic registration: the server watches with notify itself.
    let mut c = start(&root, false);
    c.open(&main, 1);
    await_hover(
        &mut c,
        &main,
        "last build: bin/app — static, built with CGO_ENABLED=0",
    );
    // A rebuild is seen without any client notification.
    go_build(&root, "1");
    await_hover(&mut c, &main, "last build: bin/app — dynamic (libc.so.6)");
    assert_eq!(c.shutdown(), Some(0));
}
