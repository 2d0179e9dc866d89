//! `linklens serve`: the language server. A thin protocol layer over the
//! engine: all state lives in `session::Session` behind one mutex (handlers run
//! concurrently in tower-lsp; holding the lock while publishing keeps the
//! diagnostics of successive edits in order), and every type conversion
//! (byte spans → positions in the negotiated encoding) happens at this edge.

pub mod fileuri;
pub mod framing;
pub mod position;
pub mod profiles;
pub mod render;
pub mod session;
pub mod settings;
pub mod settings_edit;
pub mod watch;
use crate::engine::binaries;
use crate::predict::fixes;
pub use position::{Encoding, LineIndex};
use serde_json::{Value, json};
use session::{Out, Session, path_uri, uri_path};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Mutex;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

pub const EXPLAIN_COMMAND: &str = "linklens.explain";

#[derive(Clone)]
pub struct Backend {
    client: Client,
    state: Arc<Mutex<Session>>,
    watcher: Arc<std::sync::Mutex<Option<notify::RecommendedWatcher>>>,
    /// The client-side watch registration and the folders it covers.
    watched: Arc<Mutex<watch::Watched>>,
}

/// Runs the server on stdin/stdout until `exit`; returns the exit code.
pub fn run() -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("linklens serve: {e}");
            return 1;
        }
    };
    let shut_down = Arc::new(AtomicBool::new(false));
    rt.block_on(async {
        let (service, socket) = LspService::build(|client| {
            forward_log(client.clone());
            Backend::new(client)
        })
        .custom_method("linklens/status", Backend::status)
        .finish();
        // stdin → framing::pump → tower-lsp; tower-lsp's messages and the
        // pump's error answers → one writer of stdout.
        let (server_in, pump_out) = tokio::io::duplex(1 << 16);
        let (server_out, frames_in) = tokio::io::duplex(1 << 16);
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        tokio::spawn(framing::pump(
            tokio::io::stdin(),
            pump_out,
            tx.clone(),
            shut_down.clone(),
        ));
        tokio::spawn(framing::frames(frames_in, tx));
        let writer = tokio::spawn(framing::write_out(rx, tokio::io::stdout()));
        Server::new(server_in, server_out, socket)
            .serve(service)
            .await;
        // What the server wrote last is still on its way out (bounded: the
        // client may not be reading).
        let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer).await;
    });
    // The stdin reader is a blocking thread that never returns on its own.
    rt.shutdown_timeout(std::time::Duration::from_millis(100));
    // The LSP spec: 1 for exit without shutdown (or input closed before).
    if shut_down.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

/// Events the log channel holds before it drops (and counts) more.
const LOG_QUEUE: usize = 1024;

/// Signalled once the client is initialized: tower-lsp drops notifications
/// sent before that, so the log task holds its events until then.
static LOG_READY: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Installs the `tracing` subscriber for the server: events go through a
/// bounded channel (never blocking the thread that emits them, which may
/// hold the state lock) to a task that sends them as `window/logMessage`.
fn forward_log(client: Client) {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<crate::log::Line>(LOG_QUEUE);
    crate::log::init(
        crate::log::Sink::Channel(tx),
        crate::log::env_level().unwrap_or(crate::log::DEFAULT),
    );
    if let Some(v) = crate::log::env_invalid() {
        tracing::warn!(
            "ignoring {}={v:?}: not one of off, error, warn, info, debug, trace",
            crate::log::ENV
        );
    }
    tokio::spawn(async move {
        LOG_READY.notified().await;
        let mut reported = 0;
        while let Some((level, line)) = rx.recv().await {
            let dropped = crate::log::dropped();
            if dropped > reported {
                let n = dropped - reported;
                reported = dropped;
                client
                    .log_message(
                        MessageType::WARNING,
                        format!("linklens: {n} log message(s) dropped (the log channel was full)"),
                    )
                    .await;
            }
            let kind = match level {
                tracing::Level::ERROR => MessageType::ERROR,
                tracing::Level::WARN => MessageType::WARNING,
                tracing::Level::INFO => MessageType::INFO,
                _ => MessageType::LOG,
            };
            client.log_message(kind, line).await;
        }
    });
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::new(Mutex::new(Session::new(
                crate::buildcfg::trust::process_env(),
            ))),
            watcher: Arc::new(std::sync::Mutex::new(None)),
            watched: Arc::new(Mutex::new(watch::Watched::default())),
        }
    }

    /// Sends what a state change produced. Called with the state locked so
    /// that publications stay in the order of the changes.
    async fn send(&self, out: Out, lens_refresh: bool) {
        for m in out.logs {
            self.client.log_message(MessageType::WARNING, m).await;
        }
        for m in out.messages {
            self.client.show_message(MessageType::WARNING, m).await;
        }
        for (uri, diags, version) in out.publish {
            self.client.publish_diagnostics(uri, diags, version).await;
        }
        if out.lens_changed && lens_refresh {
            // Fire and forget: the answer carries nothing.
            let c = self.client.clone();
            tokio::spawn(async move {
                let _ = c.code_lens_refresh().await;
            });
        }
    }

    /// Pulls `linklens`, `gopls` and `go` settings for every folder.
    async fn pull_config(&self) {
        let (pull, folders) = {
            let st = self.state.lock().await;
            (
                st.caps.config_pull,
                st.live_folders()
                    .map(|f| (f.id, f.uri.clone()))
                    .collect::<Vec<_>>(),
            )
        };
        if !pull {
            return;
        }
        for (id, uri) in folders {
            let items = ["linklens", "gopls", "go"]
                .iter()
                .map(|s| ConfigurationItem {
                    scope_uri: Some(uri.clone()),
                    section: Some(s.to_string()),
                })
                .collect();
            match self.client.configuration(items).await {
                Ok(mut v) => {
                    v.resize(3, Value::Null);
                    let mut it = v.into_iter();
                    let mut st = self.state.lock().await;
                    st.set_client_config(id, it.next(), it.next(), it.next());
                }
                Err(e) => {
                    self.client
                        .log_message(
                            MessageType::WARNING,
                            format!("workspace/configuration failed: {e}"),
                        )
                        .await
                }
            }
        }
    }

    /// Registers the file watchers (see `watch`). A new registration is in
    /// force before the previous one is dropped, so no change is missed in
    /// between (gopls does the same). The first failure falls back to the
    /// server's own watcher.
    async fn register_watchers(&self) {
        let relative = self.state.lock().await.caps.relative_patterns;
        // Held across the exchange: registrations stay in order.
        let mut w = self.watched.lock().await;
        let generation = w.next_generation();
        let reg = watch::registration(generation, &w.folders, relative);
        match self.client.register_capability(vec![reg]).await {
            Ok(()) => {
                if let Some(old) = w.registered.replace(generation)
                    && let Err(e) = self
                        .client
                        .unregister_capability(vec![watch::unregistration(old)])
                        .await
                {
                    self.client
                        .log_message(
                            MessageType::WARNING,
                            format!("could not drop the previous file watchers: {e}"),
                        )
                        .await;
                }
            }
            Err(e) if w.registered.is_some() => {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("could not update file watchers ({e}); keeping the previous ones"),
                    )
                    .await;
            }
            Err(e) => {
                drop(w);
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("could not register file watchers ({e}); watching with notify"),
                    )
                    .await;
                self.start_notify().await;
            }
        }
    }

    /// Workspace folders came or went: relative patterns name folders, so
    /// they are registered anew (glob strings need nothing).
    async fn watched_folders_changed(&self, added: &[Uri], removed: &[Uri]) {
        let changed = self.watched.lock().await.change(added, removed);
        let caps = self.state.lock().await.caps;
        let registered = self.watched.lock().await.registered.is_some();
        if changed && caps.dyn_watch && caps.relative_patterns && registered {
            self.register_watchers().await;
        }
    }

    async fn folder_roots(&self) -> Vec<PathBuf> {
        let st = self.state.lock().await;
        st.folders.iter().map(|f| f.path.clone()).collect()
    }

    /// The server-side watcher for clients that do not watch files for us
    /// (Neovim on Linux): notify events, debounced ~100 ms.
    async fn start_notify(&self) {
        use notify::Watcher;
        let roots: Vec<PathBuf> = self
            .state
            .lock()
            .await
            .folders
            .iter()
            .map(|f| f.path.clone())
            .collect();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
        let handler = move |res: notify::Result<notify::Event>| {
            if let Ok(ev) = res {
                if matches!(ev.kind, notify::EventKind::Access(_)) {
                    return;
                }
                for p in ev.paths {
                    if interesting(&p)
                        || binaries::is_candidate(&p)
                        || (!p.exists() && binaries::may_be_binary(&p))
                    {
                        let _ = tx.send(p);
                    }
                }
            }
        };
        let mut w = match notify::recommended_watcher(handler) {
            Ok(w) => w,
            Err(e) => {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("file watching unavailable: {e}"),
                    )
                    .await;
                return;
            }
        };
        for r in &roots {
            if let Err(e) = w.watch(r, notify::RecursiveMode::Recursive) {
                self.client
                    .log_message(
                        MessageType::WARNING,
                        format!("cannot watch {}: {e}", r.display()),
                    )
                    .await;
            }
        }
        if let Ok(mut slot) = self.watcher.lock() {
            *slot = Some(w);
        }
        let me = self.clone();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut paths = vec![first];
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                while let Ok(p) = rx.try_recv() {
                    paths.push(p);
                }
                paths.sort();
                paths.dedup();
                me.files_changed(paths).await;
            }
        });
    }

    async fn files_changed(&self, paths: Vec<PathBuf>) {
        // VS Code re-sends configuration when settings.json changes; other
        // clients do not, so the server re-pulls it itself.
        if paths.iter().any(|p| p.ends_with(".vscode/settings.json")) {
            self.pull_config().await;
        }
        // Binaries are read off the lock (they can be large).
        let probe_paths = paths.clone();
        let probes = tokio::task::spawn_blocking(move || binaries::probe(&probe_paths))
            .await
            .unwrap_or_default();
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        let gone = st.binaries_changed(probes, &mut out);
        // `**/*` reports every file: keep what concerns sources, and do not
        // take a deleted binary for a deleted directory.
        let paths: Vec<PathBuf> = paths
            .into_iter()
            .filter(|p| interesting(p) && !gone.contains(p))
            .collect();
        st.files_changed(&paths, &mut out);
        let refresh = st.caps.lens_refresh;
        self.send(out, refresh).await;
        st.drop_retired();
    }

    /// Reads the Go binaries already in `roots` (bounded scan, off the lock).
    async fn scan_binaries(&self, roots: Vec<PathBuf>) {
        let probes = tokio::task::spawn_blocking(move || binaries::scan(&roots))
            .await
            .unwrap_or_default();
        if probes.is_empty() {
            return;
        }
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.binaries_changed(probes, &mut out);
        let refresh = st.caps.lens_refresh;
        self.send(out, refresh).await;
    }

    /// The first load, with `$/progress` when the client supports it.
    async fn initial_load(&self) {
        let progress = self.state.lock().await.caps.progress;
        let token = NumberOrString::String("linklens-load".into());
        let ongoing = if progress
            && self
                .client
                .create_work_done_progress(token.clone())
                .await
                .is_ok()
        {
            Some(
                self.client
                    .progress(token, "linklens")
                    .with_message("predicting link modes")
                    .begin()
                    .await,
            )
        } else {
            None
        };
        let roots = self.folder_roots().await;
        self.scan_binaries(roots).await;
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.load_all(&mut out);
        let refresh = st.caps.lens_refresh;
        let n = st.mains.len();
        self.send(out, refresh).await;
        drop(st);
        if let Some(p) = ongoing {
            p.finish_with_message(format!("{n} main packages")).await;
        }
    }

    /// `linklens/status`: the contract of the VS Code status item.
    pub async fn status(&self, params: Value) -> Result<Value> {
        let uri: Uri = params
            .pointer("/textDocument/uri")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::invalid_params("expected {\"textDocument\":{\"uri\":...}}"))?;
        let st = self.state.lock().await;
        let Some(path) = uri_path(&uri) else {
            return Ok(no_status("linklens: not a file"));
        };
        let Some(dir) = path.parent() else {
            return Ok(no_status("linklens"));
        };
        let mains = st.mains_using(dir);
        let Some(m) = mains.first().and_then(|d| st.mains.get(d)) else {
            return Ok(no_status(if st.loaded {
                "linklens: no main package"
            } else {
                "linklens: loading"
            }));
        };
        let expect_static = st
            .folder(m.folder)
            .is_none_or(|f| f.settings.expect == settings::Expect::Static);
        let p = &m.pred;
        let severity = match p.link.result {
            crate::predict::Verdict::Static => "ok",
            crate::predict::Verdict::Dynamic if expect_static => "warning",
            crate::predict::Verdict::Fails => "error",
            _ => "info",
        };
        let mut label = format!("linklens: {}", p.link.label());
        if mains.len() > 1 {
            label.push_str(&format!(" (+{} more)", mains.len() - 1));
        }
        let package = p.import_path.clone();
        let verdict = p.link.result.as_str();
        let markdown = st.explain(&mains, None);
        Ok(
            json!({"package": package, "verdict": verdict, "label": label, "severity": severity, "markdown": markdown}),
        )
    }
}

/// Quick fixes for the profile findings under the requested range: the
/// profile's checked edits, resolved lazily into a workspace edit.
fn profile_actions(
    st: &mut Session,
    path: &std::path::Path,
    uri: &Uri,
    p: &CodeActionParams,
) -> Option<CodeActionResponse> {
    let start = st.offset_of(path, p.range.start)?;
    let end = st.offset_of(path, p.range.end)?;
    let findings = st.profile_findings_at(path, start, end);
    let ours = our_diagnostics(p);
    let mut ids: Vec<String> = findings.iter().filter_map(|f| f.profile.clone()).collect();
    ids.dedup();
    let mut actions = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        for e in st.profile_edits(path, &id) {
            if !seen.insert((e.profile.clone(), e.fix.clone())) {
                continue;
            }
            let is_static = e
                .result
                .iter()
                .all(|(_, l)| l.result == crate::predict::Verdict::Static);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: e.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!ours.is_empty()).then(|| ours.clone()),
                is_preferred: Some(is_static && actions.is_empty()),
                data: Some(json!({"profile": e.profile, "fix": e.fix, "file": path, "uri": uri})),
                ..Default::default()
            }));
        }
    }
    (!actions.is_empty()).then_some(actions)
}

/// Why the folder's `.vscode/settings.json` cannot take a fix (it does not
/// parse), if so.
fn settings_blocked(st: &mut Session, folder: session::FolderId) -> Option<String> {
    let file = st.folder(folder)?.path.join(".vscode/settings.json");
    let text = st.text_of(&file)?;
    settings_edit::cannot_edit(Some(&text))
}

/// Why the folder's `.vscode/settings.json` cannot be created by this client
/// (its directory is missing and the client creates no directories), if so.
fn settings_dir_missing(st: &Session, folder: session::FolderId) -> Option<String> {
    let dir = st.folder(folder)?.path.join(".vscode");
    if !st.caps.no_new_dirs || dir.is_dir() || st.docs.contains_key(&dir.join("settings.json")) {
        return None;
    }
    Some(format!(
        "{} does not exist and this editor does not create directories for an edit \
         (Neovim 0.7): create it, or fix the build instead",
        dir.display()
    ))
}

/// The diagnostics of the code-action context that linklens published.
fn our_diagnostics(p: &CodeActionParams) -> Vec<Diagnostic> {
    p.context
        .diagnostics
        .iter()
        .filter(|d| d.source.as_deref() == Some(session::SOURCE))
        .cloned()
        .collect()
}

/// The workspace edit of a profile's fix: text edits at UTF-16 (or the
/// negotiated encoding) positions of the file as the server sees it, and
/// create+insert for new files.
fn profile_edit(
    st: &mut Session,
    file: &std::path::Path,
    profile: &str,
    fix: &str,
) -> Result<WorkspaceEdit> {
    let Some(e) = st
        .profile_edits(file, profile)
        .into_iter()
        .find(|e| e.fix == fix)
    else {
        return Err(Error::invalid_params(format!(
            "the fix {fix} of {profile} no longer applies; request code actions again"
        )));
    };
    workspace_edit(st, &e)
}

/// A profile edit (byte ranges, or whole new files) as a WorkspaceEdit.
fn workspace_edit(st: &mut Session, e: &crate::profiles::Edit) -> Result<WorkspaceEdit> {
    let enc = st.caps.encoding;
    // One TextDocumentEdit per file: its edits all refer to the text before
    // any of them (separate TextDocumentEdits would apply in sequence).
    let mut creates: Vec<Uri> = Vec::new();
    let mut per_file: Vec<(Uri, Vec<TextEdit>)> = Vec::new();
    for c in &e.changes {
        let Some(uri) = path_uri(&c.file) else {
            return Err(Error::internal_error());
        };
        let edit = match c.range {
            Some(span) => {
                let Some(text) = st.text_of(&c.file) else {
                    return Err(Error::invalid_params(format!(
                        "{} cannot be read",
                        c.file.display()
                    )));
                };
                TextEdit::new(profiles::range(&text, span, enc), c.text.clone())
            }
            None => {
                creates.push(uri.clone());
                TextEdit::new(Range::default(), c.text.clone())
            }
        };
        match per_file.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, v)) => v.push(edit),
            None => per_file.push((uri, vec![edit])),
        }
    }
    if !creates.is_empty() && st.caps.create_files {
        let ops = creates
            .into_iter()
            .map(|uri| {
                DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                    uri,
                    options: Some(CREATE_NEW),
                    annotation_id: None,
                }))
            })
            .chain(per_file.into_iter().map(|(uri, edits)| {
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                })
            }))
            .collect();
        return Ok(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(ops)),
            ..Default::default()
        });
    }
    // Plain `changes` (clients without resource operations usually create
    // the file for an edit at 0:0 anyway).
    #[allow(clippy::mutable_key_type)]
    let changes = per_file.into_iter().collect();
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

/// A WorkspaceEdit creating `uri` with `text`: a create operation where the
/// client supports it, else an insertion at 0:0 (clients without resource
/// operations usually create the file for it anyway).
fn new_file_edit(uri: Uri, text: String, create_files: bool) -> WorkspaceEdit {
    if create_files {
        return WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(vec![
                DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                    uri: uri.clone(),
                    options: Some(CREATE_NEW),
                    annotation_id: None,
                })),
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                    edits: vec![OneOf::Left(TextEdit::new(Range::default(), text))],
                }),
            ])),
            ..Default::default()
        };
    }
    #[allow(clippy::mutable_key_type)]
    let changes = [(uri, vec![TextEdit::new(Range::default(), text)])]
        .into_iter()
        .collect();
    WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

/// Options of the `CreateFile` the server sends for a file it saw missing.
/// `ignoreIfExists: false` on purpose: a client that skips the creation of
/// an existing file would insert the new file's whole text into it (two
/// JSON objects in one settings file), where failing the edit is harmless;
/// and Neovim creates the missing directories only when it creates the file.
const CREATE_NEW: CreateFileOptions = CreateFileOptions {
    overwrite: Some(false),
    ignore_if_exists: Some(false),
};

/// Clients that advertise `create` but whose `CreateFile` does not create
/// missing directories: Neovim before 0.8 (its `create_file` opens the file
/// with `io.open`, which fails without the directory, and a buffer written
/// there fails with E212).
fn creates_no_directories(info: Option<&ClientInfo>) -> bool {
    let Some(info) = info else { return false };
    if info.name != "Neovim" {
        return false;
    }
    let version = info.version.as_deref().unwrap_or("");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(0), Some(minor)) => minor < 8,
        (Some(_), _) => false,
        // No version: assume the old behaviour (the safe side).
        (None, _) => true,
    }
}

fn no_status(label: &str) -> Value {
    json!({"package": null, "verdict": null, "label": label, "severity": "ok", "markdown": ""})
}

fn interesting(p: &std::path::Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".go")
        || matches!(name, "go.mod" | "go.sum" | "go.work" | "modules.txt")
        || p.ends_with(".vscode/settings.json")
        || profiles::is_profile_input(p)
        || (p.extension().is_none() && !p.exists())
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps = &params.capabilities;
        let utf8 = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let ws = caps.workspace.as_ref();
        let create_files = ws
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.resource_operations.as_ref())
            .is_some_and(|r| r.contains(&ResourceOperationKind::Create));
        let mut st = self.state.lock().await;
        st.caps = session::Caps {
            encoding: if utf8 {
                Encoding::Utf8
            } else {
                Encoding::Utf16
            },
            dyn_watch: ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            config_pull: ws.and_then(|w| w.configuration).unwrap_or(false),
            create_files,
            no_new_dirs: creates_no_directories(params.client_info.as_ref()),
            lens_refresh: ws
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false),
            relative_patterns: ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.relative_pattern_support)
                .unwrap_or(false),
            disabled_actions: caps
                .text_document
                .as_ref()
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.disabled_support)
                .unwrap_or(false),
        };
        st.init_options = params.initialization_options.clone();
        st.apply_log_level();
        #[allow(deprecated)]
        let roots = params
            .workspace_folders
            .clone()
            .map(|f| f.into_iter().map(|f| f.uri).collect::<Vec<_>>())
            .or_else(|| params.root_uri.clone().map(|u| vec![u]))
            .unwrap_or_default();
        for r in &roots {
            st.add_folder(r.clone());
        }
        drop(st);
        self.watched.lock().await.folders = roots;
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(if utf8 {
                    PositionEncodingKind::UTF8
                } else {
                    PositionEncodingKind::UTF16
                }),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..Default::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        resolve_provider: Some(true),
                        ..Default::default()
                    },
                )),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![EXPLAIN_COMMAND.into()],
                    ..Default::default()
                }),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "linklens".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        LOG_READY.notify_one();
        let dyn_watch = self.state.lock().await.caps.dyn_watch;
        if dyn_watch {
            self.register_watchers().await;
        } else {
            self.start_notify().await;
        }
        self.pull_config().await;
        self.initial_load().await;
    }

    async fn shutdown(&self) -> Result<()> {
        if let Ok(mut w) = self.watcher.lock() {
            *w = None;
        }
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.did_open(
            p.text_document.uri,
            p.text_document.version,
            p.text_document.text,
            &mut out,
        );
        let r = st.caps.lens_refresh;
        self.send(out, r).await;
        st.drop_retired();
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        // Full sync: the last change holds the whole text.
        let Some(change) = p
            .content_changes
            .into_iter()
            .rev()
            .find(|c| c.range.is_none())
        else {
            return;
        };
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.did_change(
            &p.text_document.uri,
            p.text_document.version,
            change.text,
            &mut out,
        );
        let r = st.caps.lens_refresh;
        self.send(out, r).await;
        st.drop_retired();
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        // go.mod and friends are read from disk: a save changes them.
        if let Some(path) =
            uri_path(&p.text_document.uri).filter(|p| p.extension().is_none_or(|e| e != "go"))
        {
            self.files_changed(vec![path]).await;
        }
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.did_close(&p.text_document.uri, &mut out);
        let r = st.caps.lens_refresh;
        self.send(out, r).await;
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        let paths: Vec<PathBuf> = p.changes.iter().filter_map(|c| uri_path(&c.uri)).collect();
        self.files_changed(paths).await;
    }

    async fn did_change_configuration(&self, _: DidChangeConfigurationParams) {
        self.pull_config().await;
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.config_changed(&mut out);
        let r = st.caps.lens_refresh;
        self.send(out, r).await;
    }

    async fn did_change_workspace_folders(&self, p: DidChangeWorkspaceFoldersParams) {
        let added: Vec<PathBuf> = p
            .event
            .added
            .iter()
            .filter_map(|f| uri_path(&f.uri))
            .collect();
        {
            let mut st = self.state.lock().await;
            for r in &p.event.removed {
                if let Some(path) = uri_path(&r.uri) {
                    // It loses its main packages and diagnostics on the
                    // reload below; its id is never given to another.
                    st.remove_folder(&path);
                }
            }
            for a in &p.event.added {
                st.add_folder(a.uri.clone());
            }
        }
        self.pull_config().await;
        let mut st = self.state.lock().await;
        let mut out = Out::default();
        st.config_changed(&mut out);
        let r = st.caps.lens_refresh;
        self.send(out, r).await;
        drop(st);
        let uris = |fs: &[WorkspaceFolder]| fs.iter().map(|f| f.uri.clone()).collect::<Vec<_>>();
        self.watched_folders_changed(&uris(&p.event.added), &uris(&p.event.removed))
            .await;
        self.scan_binaries(added).await;
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let pos = p.text_document_position_params;
        let Some(path) = uri_path(&pos.text_document.uri) else {
            return Ok(None);
        };
        let mut st = self.state.lock().await;
        let Some(offset) = st.offset_of(&path, pos.position) else {
            return Ok(None);
        };
        let Some((mains, focus, span)) = st.mains_at(&path, offset) else {
            return Ok(None);
        };
        let mut md = st.explain(&mains, focus.as_deref());
        let mut rows = Vec::new();
        for d in &mains {
            if let Some(m) = st.mains.get(d) {
                rows.extend(st.profile_hover(m.folder, &m.pred.import_path));
            }
        }
        rows.dedup();
        if let Some(sec) = profiles::hover_section(rows) {
            md.push_str("\n---\n");
            md.push_str(&sec);
        }
        if md.is_empty() {
            return Ok(None);
        }
        let range = st.range_in(&path, span);
        Ok(Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: md,
            }),
            range,
        }))
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = p.text_document.uri.clone();
        let Some(path) = uri_path(&uri) else {
            return Ok(None);
        };
        if p.context
            .only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|k| k.as_str().starts_with("quickfix")))
        {
            return Ok(None);
        }
        let mut st = self.state.lock().await;
        // Build files, and scripts with findings of the profiles calling them.
        if profiles::is_profile_input(&path) {
            return Ok(profile_actions(&mut st, &path, &uri, &p));
        }
        let Some(offset) = st.offset_of(&path, p.range.start) else {
            return Ok(None);
        };
        let Some((mains, _, _)) = st.mains_at(&path, offset) else {
            return Ok(None);
        };
        // The first main package that is not static decides the offers.
        let Some(main) = mains.iter().find(|d| {
            st.mains
                .get(*d)
                .is_some_and(|m| m.pred.link.result != crate::predict::Verdict::Static)
        }) else {
            return Ok(None);
        };
        // An unparsable settings file gets no edit: the offers say why.
        let folder = st.mains[main].folder;
        let main_dir = st.mains[main].pred.dir.clone();
        let mut builds = st.profile_fixes_for_main(folder, &main_dir);
        builds.sort_by_key(|(_, e)| fixes::invasiveness(&e.fix));
        let blocked = settings_blocked(&mut st, folder)
            .filter(|_| st.caps.disabled_actions)
            .map(|reason| CodeActionDisabled { reason });
        // A client that cannot create `.vscode/` gets no edit it could not
        // save: disabled with the reason where it can show one, else left
        // out (and said in the log).
        let no_dir = settings_dir_missing(&st, folder);
        let blocked = blocked.or_else(|| {
            no_dir
                .clone()
                .filter(|_| st.caps.disabled_actions)
                .map(|reason| CodeActionDisabled { reason })
        });
        let omit_editor = no_dir.is_some() && !st.caps.disabled_actions;
        let m = &st.mains[main];
        let Some(engine) = st.engine() else {
            return Ok(None);
        };
        let Some((_, cfg)) = st.folder_settings(m.folder) else {
            return Ok(None);
        };
        let ours = our_diagnostics(&p);
        let mut editor = engine.fixes(cfg, &m.pred);
        // Fixes are offered where the build is defined first (the Makefile,
        // Dockerfile, goreleaser or CI build that really makes the binary),
        // then in the editor's settings, which change only the prediction.
        // Only fixes predicted to reach static are offered; the least
        // invasive one is preferred.
        editor.retain(|f| f.available && f.link.result == crate::predict::Verdict::Static);
        if omit_editor {
            editor.clear();
        }
        editor.sort_by_key(|f| fixes::invasiveness(&f.id));
        let mut actions = Vec::new();
        let least = builds
            .first()
            .map(|(_, e)| fixes::invasiveness(&e.fix))
            .into_iter()
            .chain(editor.first().map(|f| fixes::invasiveness(&f.id)))
            .min();
        let mut preferred_given = false;
        for (profile, e) in &builds {
            let Some(file) = &profile.file else { continue };
            let preferred = !preferred_given && Some(fixes::invasiveness(&e.fix)) == least;
            preferred_given |= preferred;
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{}: {}", profile.name, e.title),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!ours.is_empty()).then(|| ours.clone()),
                is_preferred: Some(preferred),
                data: Some(json!({"profile": e.profile, "fix": e.fix, "file": file, "uri": uri})),
                ..Default::default()
            }));
        }
        for f in editor {
            let what = match f.id.as_str() {
                "musl-static" => {
                    "musl static settings (CC=musl-gcc, -linkmode external -extldflags -static)"
                        .to_string()
                }
                _ => f.title.clone(),
            };
            let preferred = !preferred_given
                && builds.is_empty()
                && blocked.is_none()
                && Some(fixes::invasiveness(&f.id)) == least;
            preferred_given |= preferred;
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!(
                    "Build with {what} (→ {}) — editor prediction only (.vscode/settings.json)",
                    f.link.label()
                ),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!ours.is_empty()).then(|| ours.clone()),
                is_preferred: Some(preferred),
                disabled: blocked.clone(),
                data: Some(json!({"fix": f.id, "main": m.pred.dir, "uri": uri})),
                ..Default::default()
            }));
        }
        // Saying the dynamic linking is intended, go-directive style.
        let code = ours
            .first()
            .and_then(|d| match &d.code {
                Some(NumberOrString::String(c)) => Some(c.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for (title, file, at, text) in st.suppression_edits(&path, offset, &code, &main_dir) {
            let (Some(pos), Some(file_uri)) = (st.position_at(&file, at), path_uri(&file)) else {
                continue;
            };
            #[allow(clippy::mutable_key_type)]
            let changes = std::collections::HashMap::from([(
                file_uri,
                vec![TextEdit {
                    range: Range::new(pos, pos),
                    new_text: text,
                }],
            )]);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!ours.is_empty()).then(|| ours.clone()),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                ..Default::default()
            }));
        }
        // A project with no build definition at all: offer to write one.
        if let Some(e) = st.create_makefile_edit(folder) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: e.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!ours.is_empty()).then(|| ours.clone()),
                data: Some(json!({"create_makefile": folder.0, "uri": uri})),
                ..Default::default()
            }));
        }
        if let (true, Some(why)) = (omit_editor, no_dir) {
            self.client
                .log_message(
                    MessageType::INFO,
                    format!("linklens: no editor-settings fix offered: {why}"),
                )
                .await;
        }
        Ok((!actions.is_empty()).then_some(actions))
    }

    async fn code_action_resolve(&self, mut a: CodeAction) -> Result<CodeAction> {
        let data = a.data.clone().unwrap_or(Value::Null);
        if let Some(folder) = data["create_makefile"].as_u64() {
            let mut st = self.state.lock().await;
            let Some(e) = st.create_makefile_edit(session::FolderId(folder)) else {
                return Err(Error::invalid_params(
                    "the project has a build definition now; request code actions again",
                ));
            };
            a.edit = Some(workspace_edit(&mut st, &e)?);
            return Ok(a);
        }
        if let (Some(profile), Some(fix), Some(file)) = (
            data["profile"].as_str(),
            data["fix"].as_str(),
            data["file"].as_str(),
        ) {
            let mut st = self.state.lock().await;
            a.edit = Some(profile_edit(&mut st, &PathBuf::from(file), profile, fix)?);
            return Ok(a);
        }
        let (Some(fix_id), Some(main)) = (data["fix"].as_str(), data["main"].as_str()) else {
            return Err(Error::invalid_params(
                "code action data is missing `fix` or `main`",
            ));
        };
        let main = PathBuf::from(main);
        let mut st = self.state.lock().await;
        let Some(m) = st.mains.get(&main) else {
            return Err(Error::invalid_params(
                "the main package is gone; request code actions again",
            ));
        };
        let folder = m.folder;
        let (Some(engine), Some((settings, cfg))) = (st.engine(), st.folder_settings(folder))
        else {
            return Err(Error::internal_error());
        };
        let Some(fix) = engine
            .fixes(cfg, &m.pred)
            .into_iter()
            .find(|f| f.id == fix_id)
        else {
            return Err(Error::invalid_params(format!(
                "fix {fix_id} no longer applies"
            )));
        };
        let (flags, env) = (settings.build_flags.clone(), settings.env.clone());
        if let Some(why) = settings_dir_missing(&st, folder) {
            return Err(Error::invalid_params(why));
        }
        let Some(file) = st
            .folder(folder)
            .map(|f| f.path.join(".vscode/settings.json"))
        else {
            return Err(Error::invalid_params(
                "the workspace folder is gone; request code actions again",
            ));
        };
        let existing = if file.exists() || st.docs.contains_key(&file) {
            st.text_of(&file)
        } else {
            None
        };
        let edits = match settings_edit::fix_edits(existing.as_deref(), &flags, &env, &fix) {
            Ok(e) => e,
            Err(why) => {
                // No edit, never a rewrite: say why where the user looks.
                self.client
                    .show_message(MessageType::WARNING, format!("linklens: {why}"))
                    .await;
                return Err(Error::invalid_params(why));
            }
        };
        let Some(uri) = path_uri(&file) else {
            return Err(Error::internal_error());
        };
        let edit = match &existing {
            Some(old) => {
                let ix = LineIndex::new(old);
                let enc = st.caps.encoding;
                let edits = edits
                    .iter()
                    .map(|e| TextEdit::new(ix.range(e.start, e.end, enc), e.text.clone()))
                    .collect();
                #[allow(clippy::mutable_key_type)]
                let changes = [(uri, edits)].into_iter().collect();
                WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }
            }
            None => {
                let text: String = edits.into_iter().map(|e| e.text).collect();
                new_file_edit(uri, text, st.caps.create_files)
            }
        };
        a.edit = Some(edit);
        Ok(a)
    }

    async fn code_lens(&self, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let uri = p.text_document.uri;
        let Some(path) = uri_path(&uri) else {
            return Ok(None);
        };
        let mut st = self.state.lock().await;
        let Some(dir) = path.parent() else {
            return Ok(None);
        };
        let Some(m) = st.mains.get(dir) else {
            return Ok(None);
        };
        if st.folder(m.folder).is_some_and(|f| !f.settings.codelens) {
            return Ok(None);
        }
        let title = render::lens_title(&m.pred);
        let Some(engine) = st.engine() else {
            return Ok(None);
        };
        let Some(span) = engine
            .sources
            .header(&path)
            .ok()
            .and_then(|h| h.package_clause)
        else {
            return Ok(None);
        };
        let last = m.last.as_ref().map(|lb| {
            let mut t = render::last_build_line(lb);
            if !lb.diffs.is_empty() {
                t.push_str(" ⚠ contradicts the prediction");
            }
            t
        });
        let Some(range) = st.range_in(&path, span) else {
            return Ok(None);
        };
        let lens = |title: String| CodeLens {
            range,
            command: Some(Command {
                title,
                command: EXPLAIN_COMMAND.into(),
                arguments: Some(vec![json!(uri)]),
            }),
            data: None,
        };
        Ok(Some(std::iter::once(title).chain(last).map(lens).collect()))
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        if p.command != EXPLAIN_COMMAND {
            return Err(Error::invalid_params(format!(
                "unknown command {}",
                p.command
            )));
        }
        let uri: Option<Uri> = p
            .arguments
            .first()
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok());
        let Some(path) = uri.as_ref().and_then(uri_path) else {
            return Err(Error::invalid_params("linklens.explain takes [uri]"));
        };
        let st = self.state.lock().await;
        let mains = path.parent().map(|d| st.mains_using(d)).unwrap_or_default();
        if mains.is_empty() {
            return Ok(Some(json!("linklens: no main package builds this file.")));
        }
        Ok(Some(json!(st.explain(&mains, None))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, version: Option<&str>) -> ClientInfo {
        ClientInfo {
            name: name.into(),
            version: version.map(Into::into),
        }
    }

    #[test]
    fn only_old_neovim_creates_no_directories() {
        assert!(creates_no_directories(Some(&info("Neovim", Some("0.7.2")))));
        assert!(creates_no_directories(Some(&info("Neovim", Some("0.5.1")))));
        assert!(creates_no_directories(Some(&info("Neovim", None))));
        for v in ["0.8.0", "0.10.4", "0.11.4", "1.0.0"] {
            assert!(
                !creates_no_directories(Some(&info("Neovim", Some(v)))),
                "{v}"
            );
        }
        assert!(!creates_no_directories(Some(&info(
            "Visual Studio Code",
            Some("1.100.3")
        ))));
        assert!(!creates_no_directories(None));
    }
}
