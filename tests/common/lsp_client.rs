//! A small LSP client for tests: runs `linklens serve`, frames JSON-RPC with
//! Content-Length headers, answers the server's requests the way VS Code
//! would (workspace/configuration from the folder's .vscode/settings.json),
//! and waits for responses and notifications with timeouts. With
//! `LSP_TRACE` set, every message from the server is printed to stderr.
#![allow(dead_code)]

use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct LspClient {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications and responses not consumed yet.
    backlog: VecDeque<Value>,
    /// Folder whose .vscode/settings.json answers workspace/configuration.
    pub settings_root: Option<PathBuf>,
    /// Every request the server sent us (method, params).
    pub server_requests: Vec<(String, Value)>,
    /// Per-folder settings (by folder URI, as VS Code's flat settings
    /// object): the answer to a configuration item with that scopeUri,
    /// before `settings_root`.
    pub scoped_settings: HashMap<String, Value>,
    /// The client declared `window.workDoneProgress` (see `await_loaded`).
    progress: bool,
    /// The first load's `$/progress` end has arrived.
    loaded: bool,
}

/// What VS Code declares and the server reacts to: UTF-16 positions,
/// work-done progress (the first load's `$/progress`), configuration,
/// dynamically registered file watchers, workspace edits that create files,
/// lazily resolved code actions.
pub fn vscode_capabilities() -> Value {
    json!({
        "general": {"positionEncodings": ["utf-16"]},
        "window": {"workDoneProgress": true},
        "workspace": {
            "configuration": true,
            "didChangeWatchedFiles": {"dynamicRegistration": true},
            "workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]},
        },
        "textDocument": {"codeAction": {"resolveSupport": {"properties": ["edit"]}}},
    })
}

pub fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

impl LspClient {
    /// The server's process id (for memory readings in /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn start(bin: &str, cwd: &Path) -> LspClient {
        Self::start_with(bin, cwd, |_| {})
    }

    /// Like `start`, with the server's command adjusted first (its
    /// environment, for instance).
    pub fn start_with(bin: &str, cwd: &Path, adjust: impl FnOnce(&mut Command)) -> LspClient {
        require_go();
        let mut cmd = Command::new(bin);
        cmd.arg("serve")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        adjust(&mut cmd);
        let mut child = cmd.spawn().expect("start linklens serve");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = None;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length:") {
                        len = v.trim().parse::<usize>().ok();
                    }
                }
                let Some(n) = len else { return };
                let mut buf = vec![0; n];
                if r.read_exact(&mut buf).is_err() {
                    return;
                }
                match serde_json::from_slice::<Value>(&buf) {
                    Ok(v) => {
                        if std::env::var_os("LSP_TRACE").is_some() {
                            eprintln!(
                                "<- {}",
                                String::from_utf8_lossy(&buf)
                                    .chars()
                                    .take(300)
                                    .collect::<String>()
                            );
                        }
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                    Err(e) => panic!(
                        "server sent invalid JSON: {e}: {}",
                        String::from_utf8_lossy(&buf)
                    ),
                }
            }
        });
        LspClient {
            child,
            stdin,
            rx,
            next_id: 1,
            backlog: VecDeque::new(),
            settings_root: None,
            server_requests: vec![],
            scoped_settings: HashMap::new(),
            progress: false,
            loaded: false,
        }
    }

    /// `linklens serve` in `root`, whose .vscode/settings.json answers
    /// workspace/configuration, initialized with `capabilities` (plus
    /// `window.workDoneProgress`) and `init_options`; returns once the first
    /// load is done (`await_loaded`), with the initialize result.
    pub fn serve(root: &Path, capabilities: Value, init_options: Value) -> (LspClient, Value) {
        let mut c = LspClient::start(env!("CARGO_BIN_EXE_linklens"), root);
        c.settings_root = Some(root.to_path_buf());
        let mut capabilities = capabilities;
        capabilities["window"]["workDoneProgress"] = json!(true);
        let init = c.initialize(root, capabilities, init_options);
        c.await_loaded();
        (c, init)
    }

    /// Waits for the end of the first load: the `$/progress` end the server
    /// sends once every folder is predicted (the event, not a poll). Every
    /// message, that end included, stays in the backlog for the test to
    /// read. Needs `window.workDoneProgress`.
    pub fn await_loaded(&mut self) {
        assert!(
            self.progress,
            "await_loaded needs a client that declares window.workDoneProgress"
        );
        let deadline = Instant::now() + TIMEOUT;
        let is_end = |m: &Value| {
            m["method"] == "$/progress"
                && m["params"]["token"] == "linklens-load"
                && m["params"]["value"]["kind"] == "end"
        };
        self.loaded |= self.backlog.iter().any(is_end);
        while !self.loaded {
            let Some(m) = self.next_message(deadline) else {
                panic!("the first load did not end within {TIMEOUT:?}");
            };
            self.loaded = is_end(&m);
            self.backlog.push_back(m);
        }
    }

    /// `linklens/status` for `file` (the VS Code status item's request).
    pub fn status(&mut self, file: &Path) -> Value {
        self.call(
            "linklens/status",
            json!({"textDocument": {"uri": file_uri(file)}}),
        )
    }

    pub fn send_raw(&mut self, body: &[u8]) {
        let _ = write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len());
        let _ = self.stdin.write_all(body);
        let _ = self.stdin.flush();
    }

    fn send(&mut self, v: &Value) {
        self.send_raw(v.to_string().as_bytes());
    }

    pub fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its result; panics on an error reply.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        let r = self.await_response(id, TIMEOUT);
        if let Some(e) = r.get("error") {
            panic!("{method} failed: {e}");
        }
        r["result"].clone()
    }

    /// The settings VS Code would return for a section (flat dotted keys in
    /// settings.json become the section object), for the folder `scope`.
    fn configuration(&self, section: &str, scope: Option<&str>) -> Value {
        let all = if let Some(v) = scope.and_then(|s| self.scoped_settings.get(s)) {
            v.clone()
        } else {
            let Some(root) = &self.settings_root else {
                return Value::Null;
            };
            let Ok(text) = std::fs::read_to_string(root.join(".vscode/settings.json")) else {
                return json!({});
            };
            // JSON with comments, as VS Code reads it.
            linklens::jsonc::parse_value(&text).unwrap_or_else(|_| json!({}))
        };
        let Value::Object(all) = all else {
            return json!({});
        };
        if let Some(v) = all.get(section) {
            return v.clone();
        }
        let prefix = format!("{section}.");
        let obj: serde_json::Map<String, Value> = all
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.to_string(), v.clone())))
            .collect();
        Value::Object(obj)
    }

    /// The params of the first request `method` the server sent at or after
    /// index `since` of `server_requests` (waiting for it, answering the
    /// server's requests on the way).
    pub fn await_server_request(&mut self, method: &str, since: usize) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some((_, p)) = self
                .server_requests
                .iter()
                .skip(since)
                .find(|(m, _)| m == method)
            {
                return p.clone();
            }
            match self.next_or_request(deadline, true) {
                Some(m) if m.get("method").is_some() && m.get("id").is_some() => {}
                Some(m) => self.backlog.push_back(m),
                None => panic!("no {method} request from the server within {TIMEOUT:?}"),
            }
        }
    }

    /// Starts with several workspace folders (the first is also rootUri).
    pub fn initialize_folders(
        &mut self,
        folders: &[&Path],
        capabilities: Value,
        init_options: Value,
    ) -> Value {
        self.progress = capabilities["window"]["workDoneProgress"] == true;
        let ws: Vec<Value> = folders
            .iter()
            .map(|f| {
                let name = f.file_name().unwrap().to_string_lossy();
                json!({"uri": file_uri(f), "name": name})
            })
            .collect();
        let r = self.call(
            "initialize",
            json!({
                "processId": null,
                "rootUri": file_uri(folders[0]),
                "workspaceFolders": ws,
                "capabilities": capabilities,
                "initializationOptions": init_options,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    /// Next message from the server, answering its requests on the way.
    fn next_message(&mut self, deadline: Instant) -> Option<Value> {
        self.next_or_request(deadline, false)
    }

    /// Like `next_message`; with `requests`, a request of the server is
    /// returned too once answered (and recorded in `server_requests`).
    fn next_or_request(&mut self, deadline: Instant, requests: bool) -> Option<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = match self.rx.recv_timeout(left) {
                Ok(v) => v,
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => return None,
            };
            if let (Some(id), Some(method)) = (v.get("id"), v.get("method").and_then(Value::as_str))
            {
                let result = match method {
                    "workspace/configuration" => {
                        let items = v["params"]["items"].as_array().cloned().unwrap_or_default();
                        Value::Array(
                            items
                                .iter()
                                .map(|i| {
                                    self.configuration(
                                        i["section"].as_str().unwrap_or(""),
                                        i["scopeUri"].as_str(),
                                    )
                                })
                                .collect(),
                        )
                    }
                    _ => Value::Null,
                };
                self.server_requests
                    .push((method.to_string(), v["params"].clone()));
                let reply = json!({"jsonrpc": "2.0", "id": id, "result": result});
                self.send(&reply);
                if requests {
                    return Some(v);
                }
                continue;
            }
            return Some(v);
        }
    }

    pub fn await_response(&mut self, id: i64, timeout: Duration) -> Value {
        if let Some(i) = self
            .backlog
            .iter()
            .position(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
        {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = Instant::now() + timeout;
        while let Some(m) = self.next_message(deadline) {
            if m.get("id") == Some(&json!(id)) && m.get("method").is_none() {
                return m;
            }
            self.backlog.push_back(m);
        }
        panic!(
            "no response to request {id} within {timeout:?}; backlog: {:#?}",
            self.backlog
        );
    }

    /// Waits for a notification `method` whose params satisfy `pred`;
    /// earlier ones that do not match are dropped.
    pub fn await_notification(
        &mut self,
        method: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let matches = |m: &Value| m["method"] == method && pred(&m["params"]);
        while let Some(m) = self.backlog.pop_front() {
            if matches(&m) {
                return m["params"].clone();
            }
        }
        let deadline = Instant::now() + timeout;
        while let Some(m) = self.next_message(deadline) {
            if matches(&m) {
                return m["params"].clone();
            }
        }
        panic!("no {method} notification matching the expectation within {timeout:?}");
    }

    /// The next publishDiagnostics for `uri` whose list satisfies `pred`.
    pub fn await_diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let p = self.await_notification("textDocument/publishDiagnostics", TIMEOUT, |p| {
            p["uri"] == uri
                && pred(
                    p["diagnostics"]
                        .as_array()
                        .map(Vec::as_slice)
                        .unwrap_or(&[]),
                )
        });
        p["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until, for every `(uri, pred)`, a publishDiagnostics for `uri`
    /// satisfying `pred` has arrived (in any order: one change may republish
    /// several files in whatever order the server walks them). Returns the
    /// matching lists, in the order asked.
    #[allow(clippy::type_complexity, dead_code)]
    pub fn await_diagnostics_all(
        &mut self,
        wanted: &[(&str, &dyn Fn(&[Value]) -> bool)],
    ) -> Vec<Vec<Value>> {
        let mut found: Vec<Option<Vec<Value>>> = vec![None; wanted.len()];
        let deadline = Instant::now() + TIMEOUT;
        let mut pending: Vec<Value> = self.backlog.drain(..).collect();
        loop {
            for m in pending.drain(..) {
                if m["method"] != "textDocument/publishDiagnostics" {
                    continue;
                }
                let p = &m["params"];
                let d = p["diagnostics"].as_array().cloned().unwrap_or_default();
                for (i, (uri, pred)) in wanted.iter().enumerate() {
                    if found[i].is_none() && p["uri"] == *uri && pred(&d) {
                        found[i] = Some(d.clone());
                    }
                }
            }
            if found.iter().all(Option::is_some) {
                return found.into_iter().flatten().collect();
            }
            match self.next_message(deadline) {
                Some(m) => pending.push(m),
                None => panic!(
                    "publishDiagnostics matching the expectations did not all arrive within {TIMEOUT:?} (got {})",
                    found.iter().filter(|f| f.is_some()).count()
                ),
            }
        }
    }

    /// Drains what arrives within `d` (for "nothing more is published").
    pub fn drain(&mut self, d: Duration) -> Vec<Value> {
        let deadline = Instant::now() + d;
        let mut out: Vec<Value> = self.backlog.drain(..).collect();
        while let Some(m) = self.next_message(deadline) {
            out.push(m);
        }
        out
    }

    pub fn initialize(&mut self, root: &Path, capabilities: Value, init_options: Value) -> Value {
        self.progress = capabilities["window"]["workDoneProgress"] == true;
        let r = self.call(
            "initialize",
            json!({
                "processId": null,
                "rootUri": file_uri(root),
                "workspaceFolders": [{"uri": file_uri(root), "name": "ws"}],
                "capabilities": capabilities,
                "initializationOptions": init_options,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    pub fn open(&mut self, path: &Path, version: i32) {
        let text = std::fs::read_to_string(path).unwrap();
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": file_uri(path), "languageId": "go", "version": version, "text": text}}),
        );
    }

    pub fn change(&mut self, path: &Path, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": file_uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Writes `bytes` as they are, without a header (framing abuse).
    pub fn send_unframed(&mut self, bytes: &[u8]) {
        let _ = self.stdin.write_all(bytes);
        let _ = self.stdin.flush();
    }

    /// A `/proc/<pid>/status` field of the server in KiB (`VmRSS`, `VmHWM`).
    pub fn proc_status_kib(&self, field: &str) -> u64 {
        proc_status_kib(self.pid(), field)
    }

    /// shutdown + exit; returns the exit status.
    pub fn shutdown(mut self) -> Option<i32> {
        let id = self.request("shutdown", Value::Null);
        let r = self.await_response(id, TIMEOUT);
        assert!(r.get("error").is_none(), "shutdown failed: {r}");
        self.exit()
    }

    /// Sends `exit` (after `shutdown` or not) and returns the exit status.
    pub fn exit(mut self) -> Option<i32> {
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit after `exit`");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server reads the standard library from the GOROOT of the `go` on
/// PATH: without it every prediction fails, so say that first (once).
fn require_go() {
    static GO: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let found = GO.get_or_init(|| {
        Command::new("go")
            .arg("version")
            .env("GOTOOLCHAIN", "local")
            .output()
            .map(drop)
            .map_err(|e| e.to_string())
    });
    if let Err(e) = found {
        panic!(
            "the LSP tests need `go` on PATH ({e}): install Go (https://go.dev/dl) and put its bin/ on PATH"
        );
    }
}

/// A `/proc/<pid>/status` field in KiB (0 when it cannot be read).
pub fn proc_status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Copies `tests/fixtures/<rel>` into a fresh temporary directory (as its
/// last path element) so a test can edit it; the TempDir keeps it alive.
pub fn temp_fixture(rel: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let name = Path::new(rel).file_name().expect("fixture name");
    let root = tmp.path().join(name);
    copy_fixture(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures")
            .join(rel),
        &root,
    );
    (tmp, root)
}

pub fn copy_fixture(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_fixture(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

impl LspClient {
    /// The next error response with a null id (a parse error).
    pub fn await_notification_or_response_error(&mut self) -> Value {
        let is_it = |m: &Value| m.get("error").is_some() && m["id"].is_null();
        if let Some(i) = self.backlog.iter().position(is_it) {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        while let Some(m) = self.next_message(deadline) {
            if is_it(&m) {
                return m;
            }
            self.backlog.push_back(m);
        }
        panic!("no error response");
    }
}

/// Runs the real `make <target>` in `root` (GOTOOLCHAIN=local, no GOFLAGS,
/// CGO_ENABLED unset) and returns what `linklens inspect` says of `bin`:
/// `static`, `dynamic`... A fix is proven by the binary it builds.
pub fn make_then_linking(root: &Path, target: &str, bin: &str) -> String {
    let out = Command::new("make")
        .arg(target)
        .current_dir(root)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env_remove("CGO_ENABLED")
        .output()
        .expect("make (apt-get install -y build-essential)");
    assert!(
        out.status.success(),
        "make {target}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inspect = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["inspect", "--json"])
        .arg(root.join(bin))
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    info[0]["linking"].as_str().unwrap_or("").to_string()
}
