//! End to end: the real `linklens serve` binary over stdio, on a copy of
//! tests/fixtures/lsp/shop.

use crate::common::lsp_client::{LspClient, TIMEOUT, file_uri, temp_fixture, vscode_capabilities};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn fixture() -> (tempfile::TempDir, PathBuf) {
    temp_fixture("lsp/shop")
}

fn start(root: &Path) -> LspClient {
    let (c, init) = LspClient::serve(root, vscode_capabilities(), json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(
        init["capabilities"]["codeActionProvider"]["resolveProvider"],
        true
    );
    c
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter_map(|d| d["code"].as_str()).collect()
}

#[test]
fn diagnostics_hover_fix_and_updates() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    // Progress for the first load, and dynamic file-watch registration.
    c.await_notification("$/progress", TIMEOUT, |p| p["value"]["kind"] == "end");
    assert!(
        c.server_requests
            .iter()
            .any(|(m, _)| m == "window/workDoneProgress/create")
    );
    assert!(
        c.server_requests
            .iter()
            .any(|(m, p)| m == "client/registerCapability"
                && p.to_string().contains("workspace/didChangeWatchedFiles")
                && p.to_string().contains("**/go.mod"))
    );

    let api = root.join("cmd/api/main.go");
    let api_uri = file_uri(&api);
    c.open(&api, 1);
    let diags = c.await_diagnostics(&api_uri, |d| !d.is_empty());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    // `"net/http"` is on line 4 (0-based), after one tab.
    assert_eq!(
        d["range"],
        json!({"start": {"line": 4, "character": 1}, "end": {"line": 4, "character": 11}})
    );
    assert_eq!(d["code"], "cgo-dynamic-import");
    assert_eq!(d["source"], "linklens");
    assert_eq!(d["severity"], 2, "Warning");
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.starts_with("net/http pulls in net, which uses cgo here: example.com/shop/cmd/api will be dynamically linked (libc.so.6"),
        "{msg}"
    );
    assert!(
        d["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("docs/diagnostics/cgo-dynamic-import.md")
    );
    let related = d["relatedInformation"].as_array().unwrap();
    assert_eq!(
        related[0]["message"],
        "example.com/shop/cmd/api imports net/http"
    );
    assert_eq!(related[0]["location"]["uri"], api_uri.as_str());
    assert!(
        related[1]["message"]
            .as_str()
            .unwrap()
            .starts_with("net/http imports net"),
        "{related:#?}"
    );
    assert!(
        related[1]["location"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/src/net/http/")
            || related[1]["location"]["uri"]
                .as_str()
                .unwrap()
                .contains("/src/net/http/")
    );

    // Hover on the import: verdict, chain, the table of ways to build it.
    let hover = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": api_uri}, "position": {"line": 4, "character": 4}}),
    );
    let md = hover["contents"]["value"].as_str().unwrap();
    assert!(md.contains("`example.com/shop/cmd/api` — dynamic"), "{md}");
    assert!(
        md.contains("example.com/shop/cmd/api → net/http → net"),
        "{md}"
    );
    assert!(md.contains("| `CGO_ENABLED=0` | static |"), "{md}");
    assert!(md.contains("| `-tags netgo,osusergo` | static |"), "{md}");
    assert!(md.contains("musl static"), "{md}");
    assert!(md.contains("**Settings**"), "{md}");
    // Hover on `package main` too; none on a plain line.
    let h2 = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": api_uri}, "position": {"line": 0, "character": 9}}),
    );
    assert!(
        h2["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("dynamic")
    );
    let h3 = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": api_uri}, "position": {"line": 7, "character": 20}}),
    );
    assert!(h3.is_null());

    // Code lens and the linklens/status contract.
    let lens = c.call(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": api_uri}}),
    );
    assert_eq!(
        lens[0]["command"]["title"],
        "linklens: dynamic: libc.so.6 — why?"
    );
    assert_eq!(lens[0]["command"]["command"], "linklens.explain");
    let explained = c.call(
        "workspace/executeCommand",
        json!({"command": "linklens.explain", "arguments": [api_uri]}),
    );
    assert!(explained.as_str().unwrap().contains("Ways to build it"));
    let status = c.call("linklens/status", json!({"textDocument": {"uri": api_uri}}));
    assert_eq!(status["package"], "example.com/shop/cmd/api");
    assert_eq!(status["verdict"], "dynamic");
    assert_eq!(status["severity"], "warning");
    assert!(
        status["label"]
            .as_str()
            .unwrap()
            .starts_with("linklens: dynamic")
    );

    // Code actions → resolve → a WorkspaceEdit creating .vscode/settings.json.
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": api_uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Build with -tags netgo (→ static) — editor prediction only")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Build with CGO_ENABLED=0 (→ static) — editor prediction only")),
        "{titles:?}"
    );
    let netgo = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .is_some_and(|t| t.starts_with("Build with -tags netgo (→ static)"))
        })
        .unwrap()
        .clone();
    assert_eq!(netgo["kind"], "quickfix");
    assert!(netgo.get("edit").is_none(), "edits are resolved lazily");
    let resolved = c.call("codeAction/resolve", netgo);
    let ops = resolved["edit"]["documentChanges"].as_array().unwrap();
    let settings = root.join(".vscode/settings.json");
    assert_eq!(ops[0]["kind"], "create");
    assert_eq!(ops[0]["uri"], file_uri(&settings));
    let text = ops[1]["edits"][0]["newText"].as_str().unwrap();
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["linklens.buildFlags"], json!(["-tags", "netgo"]));
    assert_eq!(v["gopls"]["build.buildFlags"], json!(["-tags", "netgo"]));
    assert!(
        !settings.exists(),
        "the server never writes behind the client's back"
    );

    // Apply it as a client would; VS Code then re-sends configuration.
    std::fs::create_dir_all(root.join(".vscode")).unwrap();
    std::fs::write(&settings, text).unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    c.await_diagnostics(&api_uri, |d| d.is_empty());
    let status = c.call("linklens/status", json!({"textDocument": {"uri": api_uri}}));
    assert_eq!(status["verdict"], "static");
    let hover = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": api_uri}, "position": {"line": 0, "character": 9}}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("linklens.buildFlags in .vscode/settings.json")
    );
    std::fs::remove_file(&settings).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&settings), "type": 3}]}),
    );
    c.await_diagnostics(&api_uri, |d| d.len() == 1);

    // A stale version is ignored; editing the import away clears it.
    let src = std::fs::read_to_string(&api).unwrap();
    let without = src
        .replace("\t\"net/http\"\n", "")
        .replace("http.StatusOK", "200");
    c.change(&api, 3, &without);
    c.await_diagnostics(&api_uri, |d| d.is_empty());
    c.change(&api, 2, &src); // stale: must not bring the warning back
    c.change(&api, 4, &without.replace("200", "201"));
    let d = c.await_diagnostics(&api_uri, |_| true);
    assert!(d.is_empty(), "stale didChange was applied: {d:#?}");
    let status = c.call("linklens/status", json!({"textDocument": {"uri": api_uri}}));
    assert_eq!(status["verdict"], "static");

    // Lines inserted above the imports: the same prediction, moved spans.
    c.change(&api, 5, &format!("// moved\n{src}"));
    let d = c.await_diagnostics(&api_uri, |d| !d.is_empty());
    assert_eq!(d[0]["range"]["start"], json!({"line": 5, "character": 1}));
    c.change(&api, 6, &format!("// moved\n// again\n{src}"));
    let d = c.await_diagnostics(&api_uri, |d| !d.is_empty());
    assert_eq!(d[0]["range"]["start"], json!({"line": 6, "character": 1}));
    assert_eq!(
        d[0]["relatedInformation"][0]["location"]["range"]["start"]["line"],
        6
    );
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": api_uri}, "position": {"line": 6, "character": 4}}),
    );
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("net/http → net")
    );

    // A non-main package reached from a main package: no diagnostics by
    // default (the main package's own import carries them), every hop with
    // linklens.libraryDiagnostics.
    let web = root.join("internal/web/web.go");
    let web_uri = file_uri(&web);
    c.open(&web, 1);
    let d = c.await_diagnostics(&web_uri, |_| true);
    assert!(d.is_empty(), "{d:#?}");
    // (the same settings file as above)
    std::fs::create_dir_all(root.join(".vscode")).unwrap();
    std::fs::write(&settings, r#"{"linklens.libraryDiagnostics": true}"#).unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    let d = c.await_diagnostics(&web_uri, |d| !d.is_empty());
    assert_eq!(codes(&d), ["cgo-dynamic-import"]);
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("example.com/shop/cmd/web will be dynamically linked")
    );
    std::fs::remove_file(&settings).unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    c.await_diagnostics(&web_uri, |d| d.is_empty());

    // A pure main package gets nothing.
    let pure = root.join("cmd/pure/main.go");
    c.open(&pure, 1);
    let d = c.await_diagnostics(&file_uri(&pure), |_| true);
    assert!(d.is_empty(), "{d:#?}");
    let lens = c.call(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": file_uri(&pure)}}),
    );
    assert_eq!(lens[0]["command"]["title"], "linklens: static");

    // go.mod changed on disk: cmd/sqlish goes from "fails" to dynamic, with
    // a diagnostic on the require line.
    let sqlish = root.join("cmd/sqlish/main.go");
    let sq_uri = file_uri(&sqlish);
    c.open(&sqlish, 1);
    let d = c.await_diagnostics(&sq_uri, |d| !d.is_empty());
    assert_eq!(codes(&d), ["build-fails"]);
    assert_eq!(d[0]["severity"], 1);
    let gomod = root.join("go.mod");
    let mut text = std::fs::read_to_string(&gomod).unwrap();
    text.push_str(
        "\nrequire example.com/cgolib v0.0.0\n\nreplace example.com/cgolib => ./cgolib\n",
    );
    std::fs::write(&gomod, &text).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&gomod), "type": 2}]}),
    );
    let d = c.await_diagnostics(&sq_uri, |d| codes(d) == ["cgo-dynamic-import"]);
    assert!(
        d[0]["message"]
            .as_str()
            .unwrap()
            .contains("example.com/cgolib"),
        "{d:#?}"
    );
    let md = c.await_diagnostics(&file_uri(&gomod), |d| !d.is_empty());
    assert_eq!(codes(&md), ["cgo-module-require"]);
    assert_eq!(md[0]["range"]["start"]["line"], 4);
    let h = c.call("textDocument/hover", json!({"textDocument": {"uri": file_uri(&gomod)}, "position": {"line": 4, "character": 10}}));
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("example.com/shop/cmd/sqlish")
    );

    // Deleting a folder: its diagnostics go away without a restart.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": web_uri}}),
    );
    std::fs::remove_dir_all(root.join("internal")).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&root.join("internal")), "type": 3}]}),
    );
    let cmd_web = file_uri(&root.join("cmd/web/main.go"));
    let got = c.await_diagnostics_all(&[
        (&web_uri, &|d: &[Value]| d.is_empty()),
        (&cmd_web, &|d: &[Value]| codes(d) == ["build-fails"]),
    ]);
    assert_eq!(got[1][0]["severity"], 1);

    assert_eq!(c.shutdown(), Some(0));
}

/// go.mod asking for a newer Go than the toolchain, with GOTOOLCHAIN=local
/// (set in the folder's settings): `go build` refuses, so every main
/// package fails, with a `build-fails` error on the go.mod `go` line; fixing
/// the line clears it.
#[test]
fn go_mod_newer_than_the_toolchain_fails_on_the_go_line() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("newgo");
    let gomod = root.join("go.mod");
    for (rel, text) in [
        ("go.mod", "module example.com/newgo\n\ngo 1.99.0\n"),
        (
            "cmd/app/main.go",
            "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n",
        ),
        (
            ".vscode/settings.json",
            r#"{"linklens.env": {"GOTOOLCHAIN": "local"}}"#,
        ),
    ] {
        let f = root.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    let mut c = start(&root);
    let diags = c.await_diagnostics(&file_uri(&gomod), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["build-fails"], "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["severity"], 1, "Error");
    assert_eq!(
        d["range"],
        json!({"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 9}})
    );
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("example.com/newgo/cmd/app: go build will fail: go: ")
            && msg.contains("go.mod requires go >= 1.99.0 (running go 1.")
            && msg.ends_with("; GOTOOLCHAIN=local)"),
        "{msg}"
    );
    let main = root.join("cmd/app/main.go");
    let status = c.call(
        "linklens/status",
        json!({"textDocument": {"uri": file_uri(&main)}}),
    );
    assert_eq!(status["verdict"], "fails", "{status}");
    assert_eq!(status["severity"], "error");

    std::fs::write(&gomod, "module example.com/newgo\n\ngo 1.22\n").unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&gomod), "type": 2}]}),
    );
    c.await_diagnostics(&file_uri(&gomod), |d| d.is_empty());
    let status = c.call(
        "linklens/status",
        json!({"textDocument": {"uri": file_uri(&main)}}),
    );
    assert_eq!(status["verdict"], "static", "{status}");
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn bad_input_keeps_the_server_alive() {
    let (_tmp, root) = fixture();
    let mut c = start(&root);
    // Malformed JSON: a parse error response, and the server keeps going.
    c.send_raw(b"{\"jsonrpc\": \"2.0\", \"id\": 99, \"method\": ");
    let err = c.await_notification_or_response_error();
    assert_eq!(err["error"]["code"], -32700);
    let id = c.request("linklens/doesNotExist", json!({}));
    let r = c.await_response(id, TIMEOUT);
    assert_eq!(r["error"]["code"], -32601);
    let id = c.request("linklens/status", json!({"nope": 1}));
    assert!(c.await_response(id, TIMEOUT).get("error").is_some());
    let id = c.request(
        "workspace/executeCommand",
        json!({"command": "linklens.explain", "arguments": [42]}),
    );
    assert!(c.await_response(id, TIMEOUT).get("error").is_some());
    // A file outside any module: one Information diagnostic, no crash.
    let outside =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/lsp/outside/main.go");
    let tmp2 = tempfile::tempdir().unwrap();
    let out_file = tmp2.path().join("main.go");
    std::fs::copy(&outside, &out_file).unwrap();
    c.open(&out_file, 1);
    let d = c.await_diagnostics(&file_uri(&out_file), |d| !d.is_empty());
    assert_eq!(codes(&d), ["outside-module"]);
    assert_eq!(d[0]["severity"], 3);
    // Hover at absurd positions, on unknown documents: no error.
    let h = c.call("textDocument/hover", json!({"textDocument": {"uri": file_uri(&out_file)}, "position": {"line": 999, "character": 999}}));
    assert!(h.is_null());
    let h = c.call("textDocument/hover", json!({"textDocument": {"uri": "file:///nonexistent/x.go"}, "position": {"line": 0, "character": 0}}));
    assert!(h.is_null());
    // Still serving.
    let status = c.call(
        "linklens/status",
        json!({"textDocument": {"uri": file_uri(&root.join("cmd/pure/main.go"))}}),
    );
    assert_eq!(status["verdict"], "static");
    assert_eq!(status["severity"], "ok");
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}
