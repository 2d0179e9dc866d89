//! End to end: build profiles in the real `linklens serve` on a copy of
//! tests/fixtures/profiles/webapp — findings on the Dockerfile's own lines,
//! their quick fixes applied as a client would, and re-predictions when the
//! build file or the Go sources change.

use crate::common::lsp_client::{LspClient, TIMEOUT, file_uri, temp_fixture, vscode_capabilities};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixture() -> (tempfile::TempDir, PathBuf) {
    temp_fixture("profiles/webapp")
}

fn start(root: &Path) -> LspClient {
    LspClient::serve(root, vscode_capabilities(), json!({})).0
}

fn loader(d: &[Value]) -> Vec<Value> {
    d.iter()
        .filter(|d| d["code"] == "image-missing-loader")
        .cloned()
        .collect()
}

/// UTF-16 position → byte offset.
fn offset(text: &str, pos: &Value) -> usize {
    let (line, ch) = (
        pos["line"].as_u64().unwrap() as usize,
        pos["character"].as_u64().unwrap() as usize,
    );
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units >= ch || c == '\n' {
            return start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Applies a WorkspaceEdit to the disk as a client would; returns the
/// files changed.
fn apply(edit: &Value) -> Vec<PathBuf> {
    let mut per_file: Vec<(String, Vec<Value>)> = Vec::new();
    if let Some(ch) = edit["changes"].as_object() {
        for (uri, edits) in ch {
            per_file.push((uri.clone(), edits.as_array().unwrap().clone()));
        }
    }
    for op in edit["documentChanges"].as_array().into_iter().flatten() {
        if op["kind"] == "create" {
            let p = PathBuf::from(op["uri"].as_str().unwrap().trim_start_matches("file://"));
            if !p.exists() {
                std::fs::write(&p, "").unwrap();
            }
        } else {
            let uri = op["textDocument"]["uri"].as_str().unwrap().to_string();
            per_file.push((uri, op["edits"].as_array().unwrap().clone()));
        }
    }
    let mut changed = Vec::new();
    for (uri, mut edits) in per_file {
        let p = PathBuf::from(uri.trim_start_matches("file://"));
        let mut text = std::fs::read_to_string(&p).unwrap_or_default();
        let at = |t: &str, e: &Value| offset(t, &e["range"]["start"]);
        edits.sort_by_key(|e| std::cmp::Reverse(at(&text, e)));
        for e in edits {
            let (s, en) = (at(&text, &e), offset(&text, &e["range"]["end"]));
            text.replace_range(s..en, e["newText"].as_str().unwrap());
        }
        std::fs::write(&p, &text).unwrap();
        if !changed.contains(&p) {
            changed.push(p);
        }
    }
    changed
}

fn watched(c: &mut LspClient, files: &[PathBuf]) {
    let changes: Vec<Value> = files
        .iter()
        .map(|f| json!({"uri": file_uri(f), "type": 2}))
        .collect();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": changes }),
    );
}

#[test]
fn dockerfile_findings_fixes_and_updates() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    assert!(
        c.server_requests
            .iter()
            .any(|(m, p)| m == "client/registerCapability"
                && p.to_string().contains("**/Dockerfile*")
                && p.to_string().contains("**/*.mk"))
    );
    let docker = root.join("Dockerfile");
    let uri = file_uri(&docker);
    let original = std::fs::read_to_string(&docker).unwrap();
    let from_line = original
        .lines()
        .position(|l| l.starts_with("FROM scratch"))
        .unwrap();
    c.open(&docker, 1);
    let diags = c.await_diagnostics(&uri, |d| !loader(d).is_empty());
    let d = loader(&diags).remove(0);
    assert_eq!(d["range"]["start"]["line"], from_line, "{d:#}");
    assert_eq!(d["source"], "linklens");
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("docs/diagnostics/image-missing-loader.md")
    );

    // Quick fixes on the finding's range, resolved lazily.
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d.clone()], "only": ["quickfix"]}}),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert!(titles.len() >= 2, "{titles:?}");
    assert!(
        titles.iter().all(|t| t.contains("Dockerfile")),
        "{titles:?}"
    );
    let cgo = actions
        .iter()
        .find(|a| a["data"]["fix"] == "cgo-disabled")
        .unwrap_or_else(|| panic!("{titles:?}"));
    assert!(cgo.get("edit").is_none_or(Value::is_null));
    // The netgo fix resolves to an edit of the Dockerfile alone too.
    let netgo = actions
        .iter()
        .find(|a| a["data"]["fix"] == "netgo-osusergo")
        .unwrap_or_else(|| panic!("{titles:?}"));
    let r = c.call("codeAction/resolve", netgo.clone());
    let edits = r["edit"]["changes"].as_object().unwrap();
    assert_eq!(edits.keys().collect::<Vec<_>>(), vec![&uri]);
    assert!(r["edit"].to_string().contains("netgo,osusergo"), "{r:#}");
    let resolved = c.call("codeAction/resolve", cgo.clone());
    let changed = apply(&resolved["edit"]);
    assert_eq!(changed, vec![docker.clone()]);
    let fixed = std::fs::read_to_string(&docker).unwrap();
    assert!(fixed.contains("CGO_ENABLED=0"), "{fixed}");
    // The editor applied it to the buffer; the save reaches the watcher too.
    c.change(&docker, 2, &fixed);
    watched(&mut c, std::slice::from_ref(&docker));
    c.await_diagnostics(&uri, |d| loader(d).is_empty());

    // Back to the original: the finding returns.
    c.drain(Duration::from_millis(300));
    std::fs::write(&docker, &original).unwrap();
    c.change(&docker, 3, &original);
    c.await_diagnostics(&uri, |d| !loader(d).is_empty());

    // The Go sources make the binary static anyway: no finding.
    c.drain(Duration::from_millis(300));
    let web = root.join("cmd/web/main.go");
    let web_src = std::fs::read_to_string(&web).unwrap();
    std::fs::write(
        &web,
        "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(version) }\n",
    )
    .unwrap();
    watched(&mut c, std::slice::from_ref(&web));
    c.await_diagnostics(&uri, |d| loader(d).is_empty());
    // The import back: the finding reappears.
    c.drain(Duration::from_millis(300));
    std::fs::write(&web, &web_src).unwrap();
    watched(&mut c, std::slice::from_ref(&web));
    c.await_diagnostics(&uri, |d| !loader(d).is_empty());

    // Hover on the main package lists the profiles building it.
    c.open(&web, 1);
    let hover = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": file_uri(&web)}, "position": {"line": 0, "character": 2}}),
    );
    let md = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(md.contains("Build profiles"), "{md}");
    assert!(md.contains("`Dockerfile:"), "{md}");

    // A runtime image with glibc, in the editor buffer only: no finding.
    let distroless = original.replace("FROM scratch", "FROM gcr.io/distroless/base");
    c.change(&docker, 4, &distroless);
    c.await_diagnostics(&uri, |d| {
        loader(d).is_empty() && !d.iter().any(|x| x["code"] == "image-libc-mismatch")
    });
    c.shutdown();
}

/// A client that watches nothing: the server's own watcher (notify) sees the
/// Makefile change on disk, and the findings of the unopened Makefile follow.
#[test]
fn makefile_findings_follow_the_disk_without_client_watcher() {
    let (_tmp, root) = fixture();
    let mut c = LspClient::start(env!("CARGO_BIN_EXE_linklens"), &root);
    c.initialize(
        &root,
        json!({"general": {"positionEncodings": ["utf-16"]}}),
        json!({}),
    );
    let mk = root.join("Makefile");
    let uri = file_uri(&mk);
    let text = std::fs::read_to_string(&mk).unwrap();
    let build_line = text
        .lines()
        .position(|l| l.contains("-o $(BIN)/web ./cmd/web"))
        .unwrap();
    let drift_on = |d: &[Value], line: usize| {
        d.iter()
            .any(|x| x["code"] == "profile-drift" && x["range"]["start"]["line"] == line)
    };
    let diags = c.await_diagnostics(&uri, |d| drift_on(d, build_line));
    assert!(
        diags.iter().any(|x| x["code"] == "profile-unknown"),
        "{diags:#?}"
    );
    // Let the watcher settle, then fix `make build` on disk.
    c.drain(Duration::from_millis(300));
    let fixed = text.replace(
        "\t$(GO) build -ldflags \"$(LDFLAGS)\" -o $(BIN)/web ./cmd/web",
        "\tCGO_ENABLED=0 $(GO) build -ldflags \"$(LDFLAGS)\" -o $(BIN)/web ./cmd/web",
    );
    assert_ne!(fixed, text);
    std::fs::write(&mk, &fixed).unwrap();
    let diags = c.await_diagnostics(&uri, |d| !drift_on(d, build_line));
    assert!(
        diags.iter().any(|x| x["code"] == "profile-unknown"),
        "{diags:#?}"
    );
    c.shutdown();
}

#[test]
fn project_without_build_files_gets_a_makefile_offer() {
    let (_tmp, root) = temp_fixture("profiles/bare");
    let mut c = start(&root);
    let main = root.join("main.go");
    let uri = file_uri(&main);
    c.open(&main, 1);
    let diags = c.await_diagnostics(&uri, |d| {
        d.iter().any(|x| x["code"] == "cgo-dynamic-import")
    });
    let d = diags
        .iter()
        .find(|x| x["code"] == "cgo-dynamic-import")
        .unwrap()
        .clone();
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let make = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"].as_str().unwrap().starts_with("create Makefile"))
        .unwrap_or_else(|| panic!("no create-Makefile action in {actions:#}"))
        .clone();
    assert!(
        make["title"].as_str().unwrap().ends_with("→ static"),
        "{make}"
    );
    let resolved = c.call("codeAction/resolve", make);
    let makefile = root.join("Makefile");
    assert!(
        !makefile.exists(),
        "the client applies edits, not the server"
    );
    let changed = apply(&resolved["edit"]);
    assert_eq!(changed, vec![makefile.clone()]);
    let text = std::fs::read_to_string(&makefile).unwrap();
    assert!(
        text.contains(".PHONY: build") && text.contains("CGO_ENABLED=0 go build"),
        "{text}"
    );

    // The new Makefile is a build profile: no second offer to create one
    // (the watched-file event is handled concurrently, so poll briefly).
    watched(&mut c, &[makefile]);
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let actions = c.call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
        );
        if !actions.to_string().contains("create Makefile") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still offered: {actions:#}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Issue 17, items 1 and 2: from the Go file's diagnostic, the first offer
/// edits the Makefile that really builds the binary, is preferred, and is
/// the least invasive fix that reaches static (`-tags netgo`, not
/// CGO_ENABLED=0); the editor-settings fixes come last, labelled as
/// prediction only, and no offer leads anywhere but static. Applied as a
/// client would, the real `make build` then writes a static binary.
#[test]
#[cfg(feature = "real-toolchain")] // runs make, which runs go build
fn go_file_fix_edits_the_makefile_and_make_builds_static() {
    let (_t, root) = temp_fixture("../../examples/shop");
    std::fs::write(
        root.join("Makefile"),
        "build:\n\tgo build -o bin/api ./cmd/api\n",
    )
    .unwrap();
    let mut c = start(&root);
    let api = root.join("cmd/api/main.go");
    let uri = file_uri(&api);
    c.open(&api, 1);
    let d = c.await_diagnostics(&uri, |d| !d.is_empty());
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d[0]["range"], "context": {"diagnostics": d}}),
    );
    let actions = actions.as_array().unwrap().clone();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    eprintln!("{titles:#?}");
    let first = &actions[0];
    assert_eq!(
        first["data"]["file"].as_str().map(PathBuf::from),
        Some(root.join("Makefile")),
        "the first offer is not the Makefile's: {titles:#?}"
    );
    assert_eq!(first["isPreferred"], true, "{first:#}");
    assert!(first["data"]["fix"] == "netgo-osusergo", "{first:#}");
    assert_eq!(
        actions.iter().filter(|a| a["isPreferred"] == true).count(),
        1,
        "{titles:#?}"
    );
    let first_editor = titles
        .iter()
        .position(|t| t.contains("editor prediction only"))
        .expect("editor settings fixes are still offered");
    let builds: Vec<usize> = actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a["data"]["profile"].is_string())
        .map(|(i, _)| i)
        .collect();
    assert!(
        !builds.is_empty() && builds.iter().all(|&i| i < first_editor),
        "editor fixes must come after the build's: {titles:#?}"
    );
    for t in &titles {
        assert!(!t.contains("→ fails") && !t.contains("→ dynamic"), "{t}");
    }
    let resolved = c.call("codeAction/resolve", first.clone());
    let changed = apply(&resolved["edit"]);
    assert_eq!(changed, vec![root.join("Makefile")]);
    let makefile = std::fs::read_to_string(root.join("Makefile")).unwrap();
    assert!(makefile.contains("netgo"), "{makefile}");
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));

    assert_eq!(
        crate::common::lsp_client::make_then_linking(&root, "build", "bin/api"),
        "static"
    );
}

/// Issue 17, item 3, in the editor: the quick fixes that add
/// `//linklens:ignore` to the import and `//linklens:expect dynamic` to the
/// main package; applied as a client would, the warning goes away (ignore)
/// or becomes information (expect dynamic).
#[test]
fn suppression_quick_fixes() {
    let (_t, root) = temp_fixture("../../examples/shop");
    let mut c = start(&root);
    for (file, title, check) in [
        ("cmd/api/main.go", "Acknowledge this import", "gone"),
        (
            "cmd/admin/main.go",
            "Mark this main package as meant to be dynamic",
            "information",
        ),
    ] {
        let path = root.join(file);
        let uri = file_uri(&path);
        c.open(&path, 1);
        let d = c.await_diagnostics(&uri, |d| !d.is_empty());
        assert_eq!(d[0]["severity"], 2, "{d:#?}");
        let actions = c.call(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d[0]["range"], "context": {"diagnostics": [d[0]]}}),
        );
        let a = actions
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"].as_str().unwrap().starts_with(title))
            .unwrap_or_else(|| panic!("no {title:?} in {actions:#?}"))
            .clone();
        assert_ne!(a["isPreferred"], true);
        let changed = apply(&a["edit"]);
        assert_eq!(changed, vec![path.clone()]);
        let text = std::fs::read_to_string(&path).unwrap();
        c.change(&path, 2, &text);
        match check {
            "gone" => {
                assert!(text.contains("\"net/http\" //linklens:ignore "), "{text}");
                c.await_diagnostics(&uri, |d| d.is_empty());
            }
            _ => {
                // Just above the clause: inside the package doc comment
                // group, where go doc hides `//tool:directive` lines.
                assert!(
                    text.contains("\n//linklens:expect dynamic\npackage main\n"),
                    "{text}"
                );
                c.await_diagnostics(&uri, |d| {
                    !d.is_empty() && d.iter().all(|d| d["severity"] == 3)
                });
            }
        }
    }
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}

/// A Go edit's own diagnostics do not wait for the project's builds: they
/// come first, the Dockerfile's re-predicted finding follows once edits
/// pause, and a hover right after the edit already shows the profiles as
/// the new text builds them.
#[test]
fn go_edits_publish_first_and_profiles_follow() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    let docker = root.join("Dockerfile");
    let docker_uri = file_uri(&docker);
    c.open(&docker, 1);
    c.await_diagnostics(&docker_uri, |d| !loader(d).is_empty());
    let web = root.join("cmd/web/main.go");
    let web_uri = file_uri(&web);
    c.open(&web, 1);
    c.await_diagnostics(&web_uri, |_| true);
    let hover = |c: &mut LspClient| -> String {
        let h = c.call(
            "textDocument/hover",
            json!({"textDocument": {"uri": web_uri}, "position": {"line": 0, "character": 2}}),
        );
        let md = h["contents"]["value"].as_str().unwrap_or_default();
        md.lines()
            .find(|l| l.contains("`Dockerfile:"))
            .unwrap_or_else(|| panic!("no Dockerfile row in {md}"))
            .to_string()
    };
    assert!(hover(&mut c).contains("dynamic"), "{}", hover(&mut c));

    // net/http removed in the buffer only.
    c.change(
        &web,
        2,
        "package main\n\nimport \"fmt\"\n\nvar version = \"dev\"\n\nfunc main() { fmt.Println(version) }\n",
    );
    let docker_first = std::cell::Cell::new(false);
    c.await_notification("textDocument/publishDiagnostics", TIMEOUT, |p| {
        // (A publication of the Dockerfile as it was may go out with the
        // edit's: the hover above brought its profiles up to date.)
        let diags = p["diagnostics"].as_array().cloned().unwrap_or_default();
        if p["uri"] == docker_uri.as_str() && loader(&diags).is_empty() {
            docker_first.set(true);
        }
        p["uri"] == web_uri.as_str() && p["version"] == 2
    });
    assert!(
        !docker_first.get(),
        "the Dockerfile was re-predicted before the edited file's diagnostics"
    );
    let row = hover(&mut c);
    assert!(row.contains("static") && !row.contains("dynamic"), "{row}");
    c.await_diagnostics(&docker_uri, |d| loader(d).is_empty());
    c.shutdown();
}
