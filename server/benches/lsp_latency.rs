//! LSP latency on a generated workspace (2,000 packages, 20 main packages):
//! time from `initialized` to the first diagnostics, and didChange →
//! publishDiagnostics over 100 edits (p50/p95), for a main package's file and
//! for a library file deep in the graph.
//!
//! Also `linklens/status` (the VS Code status item's request) p50/p95, on
//! the generated workspace and on examples/shop.
//!
//! usage: cargo bench --bench lsp_latency [-- PACKAGES] [--status-only]
//! (under `cargo test --all-targets` it only says how to run it).
//! `--status-only` skips the 500 edits.
//!
//! On a real application instead (scripts/bench-real.sh fetches k9s):
//! `cargo bench --bench lsp_latency -- --workspace DIR --open FILE --edit FILE`
//! opens FILE (relative to DIR), times initialized → its first diagnostics,
//! then adds and removes an `os/user` import in the edit FILE 100 times
//! (didChange → publishDiagnostics p50/p95).

#[allow(dead_code)]
#[path = "../examples/gen_workspace.rs"]
mod gen_workspace;
#[path = "../../tests/common/lsp_client.rs"]
mod lsp_client;

use lsp_client::{LspClient, file_uri};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("lsp_latency: run with `cargo bench --bench lsp_latency`");
        return;
    }
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(ws) = flag("--workspace") {
        let (open, edit) = match (flag("--open"), flag("--edit")) {
            (Some(o), Some(e)) => (o, e),
            _ => panic!("--workspace needs --open FILE and --edit FILE"),
        };
        real_workspace(Path::new(&ws), &open, &edit);
        return;
    }
    let n: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(2000);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("big");
    gen_workspace::generate(&root, n, 20).unwrap();

    let mut c = LspClient::start(env!("CARGO_BIN_EXE_linklens"), &root);
    let id = c.request(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(&root),
               "workspaceFolders": [{"uri": file_uri(&root), "name": "big"}],
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    c.await_response(id, Duration::from_secs(60));
    let main_file = root.join("cmd/m00/main.go");
    let t0 = Instant::now();
    c.notify("initialized", json!({}));
    c.open(&main_file, 1);
    let main_uri = file_uri(&main_file);
    let mut first = None;
    loop {
        let p = c.await_notification(
            "textDocument/publishDiagnostics",
            Duration::from_secs(120),
            |_| true,
        );
        first.get_or_insert(t0.elapsed());
        if p["uri"] == main_uri.as_str()
            && p["diagnostics"].as_array().is_some_and(|d| !d.is_empty())
        {
            break;
        }
    }
    let first = first.unwrap_or_default();
    let first_own = t0.elapsed();
    println!("workspace: {n} packages, 20 main packages");
    println!(
        "initialized → first publishDiagnostics: {:.1} ms",
        ms(first)
    );
    println!(
        "initialized → diagnostics of the opened main file: {:.1} ms",
        ms(first_own)
    );

    let lib = root.join(format!("pkg/p{:04}/p.go", n - 9));
    c.open(&lib, 1);
    c.await_diagnostics(&file_uri(&lib), |_| true);
    for (label, file) in [("main file", &main_file), ("library file", &lib)] {
        report_status(&mut c, &format!("{n}-package workspace, {label}"), &[file]);
    }
    if args.iter().any(|a| a == "--status-only") {
        let _ = c.shutdown();
        shop_status();
        return;
    }
    // Both files were opened with version 1; edits continue from there.
    let mut v = 1;
    for (label, file, kind) in [
        (
            "main file, typing in a function body",
            &main_file,
            Edit::Body,
        ),
        (
            "main file, lines inserted above the imports",
            &main_file,
            Edit::Lines,
        ),
        (
            "main file, import added/removed (re-predicts 1 main)",
            &main_file,
            Edit::Import,
        ),
        ("library file, typing in a function body", &lib, Edit::Body),
        (
            "library file, import added/removed (re-predicts its mains)",
            &lib,
            Edit::Import,
        ),
    ] {
        let lat = edits(&mut c, file, &mut v, kind, 100);
        println!(
            "didChange → publishDiagnostics, {label}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (100 edits)",
            pct(&lat, 50),
            pct(&lat, 95),
            pct(&lat, 100)
        );
    }
    report_status(
        &mut c,
        &format!("{n}-package workspace, main file, after the edits"),
        &[&main_file],
    );
    let _ = c.shutdown();
    shop_status();
}

/// First diagnostics and import edits on a real application (see the
/// module comment).
fn real_workspace(root: &Path, open: &str, edit: &str) {
    let root = std::fs::canonicalize(root).expect("--workspace must exist");
    let mut c = LspClient::start(env!("CARGO_BIN_EXE_linklens"), &root);
    let id = c.request(
        "initialize",
        json!({"processId": null, "rootUri": file_uri(&root),
               "workspaceFolders": [{"uri": file_uri(&root), "name": "ws"}],
               "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}}),
    );
    c.await_response(id, Duration::from_secs(60));
    let opened = root.join(open);
    let t0 = Instant::now();
    c.notify("initialized", json!({}));
    c.open(&opened, 1);
    let uri = file_uri(&opened);
    let mut first = None;
    loop {
        let p = c.await_notification(
            "textDocument/publishDiagnostics",
            Duration::from_secs(120),
            |_| true,
        );
        first.get_or_insert(t0.elapsed());
        if p["uri"] == uri.as_str() {
            break;
        }
    }
    println!("workspace: {}", root.display());
    println!(
        "initialized → first publishDiagnostics: {:.1} ms",
        ms(first.unwrap_or_default())
    );
    println!(
        "initialized → diagnostics of {open}: {:.1} ms",
        ms(t0.elapsed())
    );
    let file = root.join(edit);
    c.open(&file, 1);
    c.await_diagnostics(&file_uri(&file), |_| true);
    let base = std::fs::read_to_string(&file).unwrap();
    assert!(base.contains("import ("), "{edit} has no import block");
    let mut v = 1;
    let mut lat = Vec::new();
    let edit_uri = file_uri(&file);
    for i in 0..100 {
        v += 1;
        let text = if i % 2 == 0 {
            base.replacen("import (", "import (\n\t_ \"os/user\"", 1)
        } else {
            base.clone()
        };
        let t = Instant::now();
        c.change(&file, v, &text);
        c.await_notification(
            "textDocument/publishDiagnostics",
            Duration::from_secs(30),
            |p| p["uri"] == edit_uri.as_str() && p["version"] == v,
        );
        lat.push(ms(t.elapsed()));
    }
    println!(
        "didChange → publishDiagnostics, `os/user` import added/removed in {edit}: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (100 edits)",
        pct(&lat, 50),
        pct(&lat, 95),
        pct(&lat, 100)
    );
    let _ = c.shutdown();
}

/// `linklens/status` on each main package of a copy of examples/shop.
fn shop_status() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("shop");
    lsp_client::copy_fixture(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/shop"),
        &root,
    );
    let mut c = LspClient::start(env!("CARGO_BIN_EXE_linklens"), &root);
    c.initialize(&root, json!({}), json!({}));
    let mains: Vec<std::path::PathBuf> = ["api", "worker", "thumbnail", "admin"]
        .iter()
        .map(|m| root.join("cmd").join(m).join("main.go"))
        .collect();
    c.open(&mains[0], 1);
    let deadline = Instant::now() + Duration::from_secs(120);
    while status(&mut c, &mains[0])["label"] == "linklens: loading" {
        assert!(Instant::now() < deadline, "examples/shop did not load");
        std::thread::sleep(Duration::from_millis(20));
    }
    let files: Vec<&Path> = mains.iter().map(|p| p.as_path()).collect();
    report_status(&mut c, "examples/shop, its 4 main files in turn", &files);
    let _ = c.shutdown();
}

fn status(c: &mut LspClient, file: &Path) -> serde_json::Value {
    c.call(
        "linklens/status",
        json!({"textDocument": {"uri": file_uri(file)}}),
    )
}

/// 100 status requests, cycling over `files`: the first one's time, then
/// p50/p95/max of all.
fn report_status(c: &mut LspClient, label: &str, files: &[&Path]) {
    let mut lat = Vec::new();
    for i in 0..100 {
        let t = Instant::now();
        let r = status(c, files[i % files.len()]);
        lat.push(ms(t.elapsed()));
        assert!(r["label"].is_string(), "{r}");
    }
    println!(
        "linklens/status, {label}: first {:.2} ms, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (100 requests)",
        lat[0],
        pct(&lat, 50),
        pct(&lat, 95),
        pct(&lat, 100)
    );
}

#[derive(Clone, Copy)]
enum Edit {
    Body,
    Lines,
    Import,
}

fn edits(c: &mut LspClient, file: &Path, v: &mut i32, kind: Edit, k: i32) -> Vec<f64> {
    let uri = file_uri(file);
    let base = std::fs::read_to_string(file).unwrap();
    let mut lat = Vec::new();
    for i in 0..k {
        *v += 1;
        let text = match kind {
            Edit::Body => format!("{base}\nfunc f() int {{ return {i} }}\n"),
            Edit::Lines => format!("{}{base}", "// edit\n".repeat((i % 5 + 1) as usize)),
            Edit::Import if i % 2 == 0 => base.replacen("import (", "import (\n\t_ \"strings\"", 1),
            Edit::Import => base.clone(),
        };
        let t = Instant::now();
        c.change(file, *v, &text);
        let want = *v;
        c.await_notification(
            "textDocument/publishDiagnostics",
            Duration::from_secs(30),
            |p| p["uri"] == uri.as_str() && p["version"] == want,
        );
        lat.push(ms(t.elapsed()));
    }
    lat
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn pct(v: &[f64], p: usize) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s[((s.len() - 1) * p / 100).min(s.len() - 1)]
}
