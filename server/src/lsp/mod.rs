//! `linklens serve`: the language server, a thin protocol layer over the
//! engine. `backend` runs session work off the async runtime (panics caught
//! per request, requests cancellable); `session` holds the state and every
//! change to it; `handlers` has one file per request or notification;
//! `capabilities` says what each side can do. Every conversion from engine
//! data (byte spans, findings, predictions) to protocol types happens here.

pub mod backend;
pub mod capabilities;
pub mod fileuri;
pub mod framing;
pub mod handlers;
pub mod position;
pub mod profiles;
pub mod render;
pub mod session;
pub mod settings;
pub mod settings_edit;
pub mod watch;

pub use backend::Backend;
pub use capabilities::EXPLAIN_COMMAND;
pub use position::{Encoding, LineIndex};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer, LspService, Server};

/// Messages tower-lsp-server handles at once (its default is 4). Changes
/// wait in line for the session, and a message is not even read while every
/// slot is taken: with 4, a few edits typed during a long request kept the
/// client's `$/cancelRequest` for it unread. Edits that wait are cheap (a
/// newer one supersedes them).
const IN_FLIGHT: usize = 64;

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
        .custom_method("linklens/status", |b: &Backend, p: Value| {
            let b = b.clone();
            async move {
                b.guard_request("linklens/status", handlers::status::status(&b, p))
                    .await
            }
        })
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
            .concurrency_level(IN_FLIGHT)
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

/// Routing only: each handler is in `handlers`, guarded against panics.
impl LanguageServer for Backend {
    async fn initialize(&self, p: InitializeParams) -> Result<InitializeResult> {
        self.guard_request("initialize", handlers::initialize::initialize(self, p))
            .await
    }

    async fn initialized(&self, _: InitializedParams) {
        self.guard_notification("initialized", handlers::initialize::initialized(self))
            .await
    }

    async fn shutdown(&self) -> Result<()> {
        self.guard_request("shutdown", handlers::initialize::shutdown(self))
            .await
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        self.guard_notification(
            "textDocument/didOpen",
            handlers::did_open::did_open(self, p),
        )
        .await
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        self.guard_notification(
            "textDocument/didChange",
            handlers::did_change::did_change(self, p),
        )
        .await
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        self.guard_notification(
            "textDocument/didSave",
            handlers::did_save::did_save(self, p),
        )
        .await
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        self.guard_notification(
            "textDocument/didClose",
            handlers::did_close::did_close(self, p),
        )
        .await
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        self.guard_notification(
            "workspace/didChangeWatchedFiles",
            handlers::watched_files::did_change_watched_files(self, p),
        )
        .await
    }

    async fn did_change_configuration(&self, p: DidChangeConfigurationParams) {
        self.guard_notification(
            "workspace/didChangeConfiguration",
            handlers::configuration::did_change_configuration(self, p),
        )
        .await
    }

    async fn did_change_workspace_folders(&self, p: DidChangeWorkspaceFoldersParams) {
        self.guard_notification(
            "workspace/didChangeWorkspaceFolders",
            handlers::workspace_folders::did_change_workspace_folders(self, p),
        )
        .await
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        self.guard_request("textDocument/hover", handlers::hover::hover(self, p))
            .await
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.guard_request(
            "textDocument/codeAction",
            handlers::code_action::code_action(self, p),
        )
        .await
    }

    async fn code_action_resolve(&self, a: CodeAction) -> Result<CodeAction> {
        self.guard_request(
            "codeAction/resolve",
            handlers::code_action_resolve::code_action_resolve(self, a),
        )
        .await
    }

    async fn code_lens(&self, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.guard_request(
            "textDocument/codeLens",
            handlers::code_lens::code_lens(self, p),
        )
        .await
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<LSPAny>> {
        self.guard_request(
            "workspace/executeCommand",
            handlers::execute_command::execute_command(self, p),
        )
        .await
    }
}
