//! End to end, workspace-level behaviour of the real `linklens serve`:
//! several workspace folders each with their own settings, a file outside
//! any module, UTF-16 positions, code lens refresh, watcher registration
//! (RelativePattern or glob strings), and quick fixes that edit a JSONC
//! `.vscode/settings.json` without losing its comments.
//!
//! Fixtures: tests/fixtures/lsp/multiroot/{netsvc,usersvc}, two modules
//! whose main packages are dynamic by default (net, os/user).

use crate::common::lsp_client::{LspClient, TIMEOUT, copy_fixture, file_uri};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_linklens");

fn fixture(name: &str, into: &Path) -> PathBuf {
    let dst = into.join(name);
    copy_fixture(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/lsp/multiroot")
            .join(name),
        &dst,
    );
    dst
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter_map(|d| d["code"].as_str()).collect()
}

fn hover_text(c: &mut LspClient, uri: &str, line: u32, character: u32) -> Value {
    c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    )
}

fn lens_title(c: &mut LspClient, uri: &str) -> String {
    let lens = c.call(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    lens[0]["command"]["title"]
        .as_str()
        .unwrap_or_else(|| panic!("no lens: {lens}"))
        .to_string()
}

fn count(c: &LspClient, method: &str) -> usize {
    c.server_requests
        .iter()
        .filter(|(m, _)| m == method)
        .count()
}

/// The byte offset of an LSP position counted in UTF-16 code units.
fn offset16(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().unwrap() as usize;
    let ch = pos["character"].as_u64().unwrap() as usize;
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

/// Applies TextEdits (all against `text`, as LSP defines them).
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut es: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset16(text, &e["range"]["start"]),
                offset16(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    es.sort_by_key(|e| (e.0, e.1));
    let mut out = String::new();
    let mut at = 0;
    for (s, e, t) in es {
        assert!(s >= at, "overlapping edits: {edits:#?}");
        out.push_str(&text[at..s]);
        out.push_str(t);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[test]
fn multi_root_folders_follow_their_own_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let net = fixture("netsvc", tmp.path());
    let user = fixture("usersvc", tmp.path());
    let (net_uri, user_uri) = (file_uri(&net), file_uri(&user));
    let mut c = LspClient::start(BIN, tmp.path());
    // Each folder's `workspace/configuration` answer: netsvc only reports
    // its linkage, usersvc builds with cgo off.
    c.scoped_settings
        .insert(net_uri.clone(), json!({"linklens.expect": "report"}));
    c.scoped_settings.insert(
        user_uri.clone(),
        json!({"linklens.env": {"CGO_ENABLED": "0"}}),
    );
    let caps = json!({
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {
            "configuration": true,
            "workspaceFolders": true,
            "didChangeWatchedFiles": {"dynamicRegistration": true, "relativePatternSupport": true},
        },
    });
    let init = c.initialize_folders(&[net.as_path(), user.as_path()], caps, json!({}));
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(
        init["capabilities"]["workspace"]["workspaceFolders"]["supported"],
        true
    );

    // Watchers: a RelativePattern per workspace folder and glob.
    let reg = c.await_server_request("client/registerCapability", 0);
    let r = &reg["registrations"][0];
    assert_eq!(r["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(r["id"], "linklens-watched-files-1");
    let watchers = r["registerOptions"]["watchers"].as_array().unwrap();
    for base in [&net_uri, &user_uri] {
        for g in [
            "**/*.go",
            "**/go.mod",
            "**/go.sum",
            "**/go.work",
            "**/vendor/modules.txt",
            "**/.vscode/settings.json",
            "**/Dockerfile*",
            "**/{.,}goreleaser.y*ml",
        ] {
            assert!(
                watchers.contains(&json!({"globPattern": {"baseUri": base, "pattern": g}})),
                "no {g} watcher for {base}: {watchers:#?}"
            );
        }
    }
    assert!(watchers.iter().all(|w| w["globPattern"].is_object()));

    // netsvc: dynamic, reported as Information (its own `expect`), on the
    // `"net"` import whose line holds a comment with non-ASCII: columns in
    // UTF-16 code units (bytes would say 28, characters 18).
    let net_main = net.join("main.go");
    let net_main_uri = file_uri(&net_main);
    c.open(&net_main, 1);
    let d = c.await_diagnostics(&net_main_uri, |d| !d.is_empty());
    assert_eq!(codes(&d), ["cgo-dynamic-import"], "{d:#?}");
    assert_eq!(
        d[0]["severity"], 3,
        "Information: netsvc sets expect=report"
    );
    assert_eq!(
        d[0]["range"],
        json!({"start": {"line": 6, "character": 20}, "end": {"line": 6, "character": 25}})
    );
    let text = std::fs::read_to_string(&net_main).unwrap();
    let (s, e) = (
        offset16(&text, &d[0]["range"]["start"]),
        offset16(&text, &d[0]["range"]["end"]),
    );
    assert_eq!(&text[s..e], "\"net\"");
    // Hover at a UTF-16 position inside the import maps back to it.
    let h = hover_text(&mut c, &net_main_uri, 6, 22);
    assert_eq!(h["range"], d[0]["range"]);
    assert!(
        h["contents"]["value"].as_str().unwrap().contains("dynamic"),
        "{h}"
    );
    assert!(lens_title(&mut c, &net_main_uri).contains("dynamic"));

    // usersvc: os/user would need libc, but its folder builds with
    // CGO_ENABLED=0: static, nothing published.
    let user_main = user.join("main.go");
    let user_main_uri = file_uri(&user_main);
    c.open(&user_main, 1);
    let d = c.await_diagnostics(&user_main_uri, |_| true);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(lens_title(&mut c, &user_main_uri), "linklens: static");
    let status = c.call(
        "linklens/status",
        json!({"textDocument": {"uri": user_main_uri}}),
    );
    assert_eq!(status["verdict"], "static");
    let h = hover_text(&mut c, &user_main_uri, 0, 9);
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(
        md.contains("`CGO_ENABLED=0` from linklens.env (editor settings)"),
        "{md}"
    );
    // Each folder's settings were asked for with that folder as the scope.
    let scopes: Vec<&str> = c
        .server_requests
        .iter()
        .filter(|(m, _)| m == "workspace/configuration")
        .flat_map(|(_, p)| p["items"].as_array().unwrap())
        .filter_map(|i| i["scopeUri"].as_str())
        .collect();
    assert!(scopes.contains(&net_uri.as_str()), "{scopes:?}");
    assert!(scopes.contains(&user_uri.as_str()), "{scopes:?}");

    // A Go file outside every folder and module: one clear Information
    // diagnostic on its package clause, no crash.
    let elsewhere = tempfile::tempdir().unwrap();
    let lone = elsewhere.path().join("main.go");
    std::fs::write(
        &lone,
        "package main\n\nimport \"net\"\n\nfunc main() { _ = net.IPv4len }\n",
    )
    .unwrap();
    let lone_uri = file_uri(&lone);
    c.open(&lone, 1);
    let d = c.await_diagnostics(&lone_uri, |d| !d.is_empty());
    assert_eq!(codes(&d), ["outside-module"], "{d:#?}");
    assert_eq!(d[0]["severity"], 3);
    assert_eq!(
        d[0]["range"],
        json!({"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 12}})
    );
    let msg = d[0]["message"].as_str().unwrap();
    assert!(msg.contains("not inside a Go module"), "{msg}");
    assert!(msg.contains("go mod init"), "{msg}");
    let status = c.call(
        "linklens/status",
        json!({"textDocument": {"uri": lone_uri}}),
    );
    assert_eq!(status["verdict"], Value::Null, "{status}");
    assert!(hover_text(&mut c, &lone_uri, 2, 9).is_null());
    // The server still answers for the folders.
    let h = hover_text(&mut c, &net_main_uri, 6, 22);
    assert_eq!(h["range"], d0_range());
    assert_eq!(lens_title(&mut c, &user_main_uri), "linklens: static");

    // Removing a folder: the new registration (only netsvc) is in force
    // before the old one is dropped.
    let since = c.server_requests.len();
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [{"uri": user_uri, "name": "usersvc"}]}}),
    );
    let reg = c.await_server_request("client/registerCapability", since);
    let r = &reg["registrations"][0];
    assert_eq!(r["id"], "linklens-watched-files-2");
    let watchers = r["registerOptions"]["watchers"].as_array().unwrap();
    assert!(
        watchers
            .iter()
            .all(|w| w["globPattern"]["baseUri"] == net_uri.as_str()),
        "{watchers:#?}"
    );
    let unreg = c.await_server_request("client/unregisterCapability", since);
    assert_eq!(
        unreg["unregisterations"],
        json!([{"id": "linklens-watched-files-1", "method": "workspace/didChangeWatchedFiles"}])
    );
    let order: Vec<&str> = c.server_requests[since..]
        .iter()
        .map(|(m, _)| m.as_str())
        .filter(|m| m.ends_with("registerCapability"))
        .collect();
    assert_eq!(
        order,
        ["client/registerCapability", "client/unregisterCapability"]
    );
    // The removed folder keeps no main package: no lens, no status.
    let lens = c.call(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": user_main_uri}}),
    );
    assert!(lens.is_null(), "{lens}");
    let status = c.call(
        "linklens/status",
        json!({"textDocument": {"uri": user_main_uri}}),
    );
    assert_eq!(status["verdict"], Value::Null, "{status}");
    // The remaining folder still answers.
    assert_eq!(
        hover_text(&mut c, &net_main_uri, 6, 22)["range"],
        d0_range()
    );
    // This client did not offer codeLens refresh: none was sent.
    assert_eq!(count(&c, "workspace/codeLens/refresh"), 0);
    let _ = c.drain(Duration::from_millis(50));
    assert_eq!(c.shutdown(), Some(0));
}

/// The range of the `"net"` import of netsvc/main.go, in UTF-16.
fn d0_range() -> Value {
    json!({"start": {"line": 6, "character": 20}, "end": {"line": 6, "character": 25}})
}

#[test]
fn code_lens_refresh_after_configuration_and_verdict_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = fixture("netsvc", tmp.path());
    let root_uri = file_uri(&root);
    let mut c = LspClient::start(BIN, &root);
    c.scoped_settings.insert(root_uri.clone(), json!({}));
    let caps = json!({
        "workspace": {
            "configuration": true,
            "codeLens": {"refreshSupport": true},
            "didChangeWatchedFiles": {"dynamicRegistration": true},
        },
    });
    c.initialize(&root, caps, json!({}));
    // No relativePatternSupport: the glob strings.
    let reg = c.await_server_request("client/registerCapability", 0);
    let watchers = reg["registrations"][0]["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .clone();
    for g in [
        "**/*.go",
        "**/go.mod",
        "**/go.sum",
        "**/go.work",
        "**/vendor/modules.txt",
    ] {
        assert!(
            watchers.contains(&json!({"globPattern": g})),
            "{g}: {watchers:#?}"
        );
    }
    assert!(watchers.iter().all(|w| w["globPattern"].is_string()));

    let main = root.join("main.go");
    let uri = file_uri(&main);
    c.open(&main, 1);
    c.await_diagnostics(&uri, |d| !d.is_empty());
    // The first load refreshes the lenses once; it is taken here so that
    // a late one cannot stand for a later step's refresh.
    c.await_server_request("workspace/codeLens/refresh", 0);
    assert_eq!(
        lens_title(&mut c, &uri),
        "linklens: dynamic: libc.so.6 — why?"
    );

    // Configuration changes the verdict: a refresh request (answered by
    // the client), then the lens shows the new verdict.
    c.scoped_settings.insert(
        root_uri.clone(),
        json!({"linklens.env": {"CGO_ENABLED": "0"}}),
    );
    let since = c.server_requests.len();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    c.await_diagnostics(&uri, |d| d.is_empty());
    c.await_server_request("workspace/codeLens/refresh", since);
    assert_eq!(lens_title(&mut c, &uri), "linklens: static");

    // And back.
    c.scoped_settings.insert(root_uri.clone(), json!({}));
    let since = c.server_requests.len();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    c.await_diagnostics(&uri, |d| !d.is_empty());
    c.await_server_request("workspace/codeLens/refresh", since);
    assert!(lens_title(&mut c, &uri).starts_with("linklens: dynamic"));

    // An edit changes the verdict (the net import goes): refresh again.
    let text = std::fs::read_to_string(&main).unwrap();
    let pure = text
        .replace("/* ünïcødé 🚀🚀 */ \"net\"\n", "")
        .replace("net.IPv4len", "4");
    let since = c.server_requests.len();
    c.change(&main, 2, &pure);
    c.await_diagnostics(&uri, |d| d.is_empty());
    c.await_server_request("workspace/codeLens/refresh", since);
    assert_eq!(lens_title(&mut c, &uri), "linklens: static");
    // An edit that changes no verdict sends no refresh.
    let since = c.server_requests.len();
    c.change(&main, 3, &format!("{pure}\n// just a comment\n"));
    c.await_diagnostics(&uri, |_| true);
    let _ = c.drain(Duration::from_millis(200));
    assert_eq!(
        c.server_requests[since..]
            .iter()
            .filter(|(m, _)| m == "workspace/codeLens/refresh")
            .count(),
        0
    );
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn settings_fix_keeps_jsonc_comments_and_refuses_a_broken_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = fixture("netsvc", tmp.path());
    let settings = root.join(".vscode/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    // Tabs, CRLF, comments everywhere, trailing commas, a nested object.
    let before = "// Team settings: keep the comments!\r\n{\r\n\t// formatting\r\n\t\"editor.formatOnSave\": true, /* always */\r\n\t\"gopls\": {\r\n\t\t\"ui.semanticTokens\": true, // colours\r\n\t},\r\n\t// \"linklens.expect\": \"report\",\r\n}\r\n";
    std::fs::write(&settings, before).unwrap();
    let mut c = LspClient::start(BIN, &root);
    c.settings_root = Some(root.clone());
    let caps = json!({
        "workspace": {"configuration": true, "workspaceEdit": {"documentChanges": true}},
        "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}, "disabledSupport": true}},
    });
    c.initialize(&root, caps, json!({}));
    let main = root.join("main.go");
    let uri = file_uri(&main);
    c.open(&main, 1);
    let d = c.await_diagnostics(&uri, |d| !d.is_empty());
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d[0]["range"], "context": {"diagnostics": d}}),
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
        .unwrap_or_else(|| panic!("{actions:#?}"))
        .clone();
    assert!(netgo.get("disabled").is_none());
    let resolved = c.call("codeAction/resolve", netgo.clone());
    // Small insertions into the existing file, nothing replaced.
    let edits = resolved["edit"]["changes"][file_uri(&settings)]
        .as_array()
        .unwrap_or_else(|| panic!("{resolved:#}"))
        .clone();
    assert!(
        edits
            .iter()
            .all(|e| e["range"]["start"] == e["range"]["end"]),
        "{edits:#?}"
    );
    let after = apply_edits(before, &edits);
    assert_eq!(
        after,
        "// Team settings: keep the comments!\r\n{\r\n\t// formatting\r\n\t\"editor.formatOnSave\": true, /* always */\r\n\t\"gopls\": {\r\n\t\t\"ui.semanticTokens\": true, // colours\r\n\t\t\"build.buildFlags\": [\"-tags\", \"netgo\"],\r\n\t\t\"build.env\": {},\r\n\t},\r\n\t// \"linklens.expect\": \"report\",\r\n\t\"linklens.buildFlags\": [\"-tags\", \"netgo\"],\r\n\t\"linklens.env\": {},\r\n}\r\n"
    );
    assert_eq!(
        std::fs::read_to_string(&settings).unwrap(),
        before,
        "the server never writes behind the client's back"
    );
    // Applied (VS Code re-sends configuration): static now; the server
    // read the JSONC file.
    std::fs::write(&settings, &after).unwrap();
    c.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    c.await_diagnostics(&uri, |d| d.is_empty());
    let h = hover_text(&mut c, &uri, 0, 9);
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("`-tags netgo` from linklens.buildFlags in .vscode/settings.json"),
        "{h}"
    );

    // A settings file with a syntax error: the offers are disabled with
    // the reason, and resolving one anyway gives no edit and a message.
    let broken = "{\n\t\"editor.formatOnSave\": true\n\t\"go.buildTags\": \"x\"\n}\n";
    std::fs::write(&settings, broken).unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": file_uri(&settings), "type": 2}]}),
    );
    let d = c.await_diagnostics(&uri, |d| !d.is_empty());
    let actions = c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d[0]["range"], "context": {"diagnostics": d}}),
    );
    let why = ".vscode/settings.json has a syntax error at line 3, column 2: expected `,` or `}`; linklens does not edit it until it parses";
    let mut offered = 0;
    for a in actions.as_array().unwrap() {
        if a["data"]["fix"].is_string() {
            assert_eq!(a["disabled"]["reason"], why, "{a:#}");
            assert_ne!(a["isPreferred"], true);
            offered += 1;
        }
    }
    assert!(offered > 0, "{actions:#?}");
    let id = c.request("codeAction/resolve", netgo);
    let r = c.await_response(id, TIMEOUT);
    assert_eq!(r["error"]["message"], why, "{r}");
    let m = c.await_notification("window/showMessage", TIMEOUT, |p| {
        p["message"].as_str().is_some_and(|m| m.contains(why))
    });
    assert_eq!(m["type"], 2, "Warning");
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), broken);
    assert_eq!(c.shutdown(), Some(0));
}

/// The `window/logMessage` notifications among `msgs` that are engine
/// debug events (type 4, Log).
fn debug_logs(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .filter(|m| m["method"] == "window/logMessage" && m["params"]["type"] == 4)
        .filter_map(|m| m["params"]["message"].as_str().map(str::to_string))
        .filter(|s| s.starts_with("[DEBUG") || s.starts_with("[TRACE"))
        .collect()
}

/// `linklens.logLevel: debug` in initializationOptions sends the engine's
/// reasoning (the cgo decision, each main package's verdict) to the
/// client's log; at the default level (warn) no debug event arrives.
#[test]
fn log_level_sends_the_reasoning_to_the_client_log() {
    let tmp = tempfile::tempdir().unwrap();
    let shop = tmp.path().join("shop");
    copy_fixture(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/shop"),
        &shop,
    );
    let caps = json!({"workspace": {"configuration": true}});
    let start = || {
        LspClient::start_with(BIN, &shop, |cmd| {
            cmd.env_remove("LINKLENS_LOG");
        })
    };

    let mut c = start();
    c.initialize(
        &shop,
        caps.clone(),
        json!({"linklens": {"logLevel": "debug"}}),
    );
    let cgo = c.await_notification("window/logMessage", TIMEOUT, |p| {
        p["type"] == 4
            && p["message"]
                .as_str()
                .is_some_and(|m| m.contains("configuration: CGO_ENABLED="))
    });
    assert!(cgo["message"].as_str().unwrap().contains("CC="), "{cgo}");
    let verdict = c.await_notification("window/logMessage", TIMEOUT, |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("verdict for example.com/shop/cmd/api"))
    });
    assert_eq!(verdict["type"], 4, "{verdict}");
    c.shutdown();

    let mut c = start();
    let caps_env = caps.clone();
    let mut caps = caps;
    caps["window"] = json!({"workDoneProgress": true});
    c.initialize(&shop, caps, json!({}));
    // Wait for the end of the first load (its event), ask for a hover of
    // the opened main, then look at everything that arrived.
    c.await_loaded();
    let api = shop.join("cmd/api/main.go");
    c.open(&api, 1);
    let _ = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": file_uri(&api)}, "position": {"line": 0, "character": 0}}),
    );
    let msgs = c.drain(Duration::from_millis(100));
    let debug = debug_logs(&msgs);
    assert!(
        debug.is_empty(),
        "debug events at the default level: {debug:?}"
    );
    c.shutdown();

    // LINKLENS_LOG wins over the setting.
    let mut c = LspClient::start_with(BIN, &shop, |cmd| {
        cmd.env("LINKLENS_LOG", "debug");
    });
    c.initialize(&shop, caps_env, json!({"logLevel": "off"}));
    c.await_notification("window/logMessage", TIMEOUT, |p| {
        p["message"]
            .as_str()
            .is_some_and(|m| m.contains("verdict for example.com/shop/cmd/api"))
    });
    c.shutdown();
}
