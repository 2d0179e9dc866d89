//! The protocol side of the server: the client handle, the session behind
//! one lock, and how handlers run session work.
//!
//! Session work (the engine: loading, predicting, reading files) never runs
//! on the async runtime's two workers: `on_session` moves it to a blocking
//! thread together with the session lock. A panic there is caught: the
//! request gets an error response saying so, the client's log gets the
//! panic, and the session goes on (the lock is released as the panic
//! unwinds). A cancelled request (`$/cancelRequest`, answered -32800 by
//! tower-lsp-server) drops its future: the work already started finishes
//! on its thread, but nothing it produced is sent, and its `Cancel` tells
//! work that can stop early to stop.

use super::session::{Out, Session};
use super::watch;
use futures_util::FutureExt;
use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard};
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{self, ErrorCode};
use tower_lsp_server::ls_types::{MessageType, Uri};

#[derive(Clone)]
pub struct Backend {
    pub(super) client: Client,
    session: Arc<Mutex<Session>>,
    /// The server's own file watcher, for clients that do not watch.
    pub(super) watcher: Arc<std::sync::Mutex<Option<notify::RecommendedWatcher>>>,
    /// The client-side watch registration and the folders it covers.
    pub(super) watched: Arc<Mutex<watch::Watched>>,
    /// The newest version of each open document the client has announced
    /// (`didChange` on arrival, before it waits for the session): an older
    /// edit still waiting, or still computing, steps aside for it.
    latest: Arc<std::sync::Mutex<HashMap<Uri, i32>>>,
    /// Bumped by every change that leaves profiles stale: the settle
    /// scheduled last is the one that runs (see `schedule_settle`).
    settle: Arc<std::sync::atomic::AtomicU64>,
}

/// How long edits must pause before stale profiles are re-predicted.
const SETTLE_DELAY: std::time::Duration = std::time::Duration::from_millis(300);

/// Session work that panicked: the method and the panic's message.
#[derive(Debug)]
pub struct Panicked {
    pub method: &'static str,
    pub message: String,
}

impl From<Panicked> for jsonrpc::Error {
    fn from(p: Panicked) -> Self {
        jsonrpc::Error {
            code: ErrorCode::InternalError,
            message: format!(
                "linklens: internal error in {}: {} (the server keeps running; please report this)",
                p.method, p.message
            )
            .into(),
            data: None,
        }
    }
}

/// Set once the request that started a piece of work is cancelled (or
/// answered): long work that checks it stops early.
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Sets the `Cancel` when the handler's future is dropped: tower-lsp-server
/// drops it on `$/cancelRequest`.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.0.store(true, Ordering::Relaxed);
    }
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            session: Arc::new(Mutex::new(Session::new(
                crate::buildcfg::trust::process_env(),
            ))),
            watcher: Arc::new(std::sync::Mutex::new(None)),
            watched: Arc::new(Mutex::new(watch::Watched::default())),
            latest: Arc::new(std::sync::Mutex::new(HashMap::new())),
            settle: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }

    /// The session, for reads and writes that do no engine work (client
    /// capabilities, folder lists, settings answers).
    pub(super) async fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().await
    }

    /// Runs `work` on the session on a blocking thread. The lock is held
    /// until the returned guard is dropped, so that a change's notifications
    /// go out before the next change starts.
    pub(super) async fn on_session<T: Send + 'static>(
        &self,
        method: &'static str,
        work: impl FnOnce(&mut Session, &Cancel) -> T + Send + 'static,
    ) -> Result<(OwnedMutexGuard<Session>, T), Panicked> {
        let cancel = Cancel::default();
        let _on_drop = CancelOnDrop(cancel.clone());
        let guard = self.session.clone().lock_owned().await;
        let task = tokio::task::spawn_blocking(move || {
            let mut session = guard;
            let t = work(&mut session, &cancel);
            (session, t)
        });
        match task.await {
            Ok(v) => Ok(v),
            Err(e) if e.is_panic() => Err(self.report_panic(method, e.into_panic()).await),
            Err(_) => Err(self
                .report_panic(method, Box::new("the server is shutting down"))
                .await),
        }
    }

    /// Logs a panic of `method`'s handler (`tracing` and the client's log)
    /// and says what it was.
    pub(super) async fn report_panic(
        &self,
        method: &'static str,
        payload: Box<dyn std::any::Any + Send>,
    ) -> Panicked {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into());
        tracing::error!(method, "panic: {message}");
        self.client
            .log_message(
                MessageType::ERROR,
                format!(
                    "linklens: internal error in {method}: {message} \
                     (the server keeps running; please report this)"
                ),
            )
            .await;
        Panicked { method, message }
    }

    /// Runs a request's handler; a panic anywhere in it (the protocol glue
    /// too, not only the session work `on_session` guards) is answered as an
    /// error and logged.
    pub(super) async fn guard_request<T>(
        &self,
        method: &'static str,
        handler: impl Future<Output = jsonrpc::Result<T>>,
    ) -> jsonrpc::Result<T> {
        match AssertUnwindSafe(handler).catch_unwind().await {
            Ok(r) => r,
            Err(payload) => Err(self.report_panic(method, payload).await.into()),
        }
    }

    /// Runs a notification's handler; a panic anywhere in it is logged and
    /// shown (there is no response to carry it).
    pub(super) async fn guard_notification(
        &self,
        method: &'static str,
        handler: impl Future<Output = ()>,
    ) {
        if let Err(payload) = AssertUnwindSafe(handler).catch_unwind().await {
            let p = self.report_panic(method, payload).await;
            self.show_panic(&p).await;
        }
    }

    /// Runs a change (a notification's session work) and sends what it
    /// produced. A panic is also shown to the user: a notification has no
    /// response to carry it.
    pub(super) async fn change(
        &self,
        method: &'static str,
        work: impl FnOnce(&mut Session, &mut Out) + Send + 'static,
    ) {
        let r = self
            .on_session(method, move |st, _| {
                let mut out = Out::default();
                work(st, &mut out);
                out
            })
            .await;
        match r {
            Ok((mut st, out)) => self.send(&mut st, out).await,
            Err(p) => self.show_panic(&p).await,
        }
    }

    pub(super) async fn show_panic(&self, p: &Panicked) {
        self.client
            .show_message(
                MessageType::ERROR,
                format!(
                    "linklens: internal error in {}: {} (the server keeps running; see its log)",
                    p.method, p.message
                ),
            )
            .await;
    }

    /// Sends what a change produced, after what an edit that stepped aside
    /// held back. Called with the session locked so that publications stay
    /// in the order of the changes.
    pub(super) async fn send(&self, st: &mut Session, out: Out) {
        let out = std::mem::take(&mut st.held).then(out);
        for m in out.logs {
            self.client.log_message(MessageType::WARNING, m).await;
        }
        for m in out.messages {
            self.client.show_message(MessageType::WARNING, m).await;
        }
        for (uri, diags, version) in out.publish {
            self.client.publish_diagnostics(uri, diags, version).await;
        }
        if out.lens_changed && st.caps.lens_refresh {
            // Fire and forget: the answer carries nothing.
            let c = self.client.clone();
            tokio::spawn(async move {
                let _ = c.code_lens_refresh().await;
            });
        }
        st.drop_retired();
        if st.profiles_pending() {
            self.schedule_settle();
        }
    }

    /// Re-predicts stale profiles once no change has come for
    /// `SETTLE_DELAY`: while the user types, each edit gets its own file's
    /// diagnostics at once and the project's builds wait (as gopls
    /// diagnoses the edited file first and the workspace after a delay).
    fn schedule_settle(&self) {
        let mine = self.settle.fetch_add(1, Ordering::Relaxed) + 1;
        let b = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(SETTLE_DELAY).await;
            if b.settle.load(Ordering::Relaxed) != mine {
                return; // a later change scheduled its own
            }
            b.change("linklens/settleProfiles", |st, out| st.settle_profiles(out))
                .await;
        });
    }

    /// Records that the client opened `uri` at `version` (`reset`), or
    /// sent `version` of it. Only opened documents are tracked: edits of
    /// others are ignored by the session and must not grow this map.
    pub(super) fn announce(&self, uri: &Uri, version: i32, reset: bool) {
        if let Ok(mut l) = self.latest.lock() {
            if reset {
                l.insert(uri.clone(), version);
            } else if let Some(v) = l.get_mut(uri) {
                *v = (*v).max(version);
            }
        }
    }

    /// Forgets a closed document's versions.
    pub(super) fn forget(&self, uri: &Uri) {
        if let Ok(mut l) = self.latest.lock() {
            l.remove(uri);
        }
    }

    /// A newer version of `uri` than `version` has arrived.
    pub(super) fn superseded(&self, uri: &Uri, version: i32) -> bool {
        superseded(&self.latest, uri, version)
    }

    pub(super) fn versions(&self) -> Arc<std::sync::Mutex<HashMap<Uri, i32>>> {
        self.latest.clone()
    }
}

/// Whether `latest` holds a newer version of `uri` than `version`.
pub(super) fn superseded(
    latest: &std::sync::Mutex<HashMap<Uri, i32>>,
    uri: &Uri,
    version: i32,
) -> bool {
    latest
        .lock()
        .ok()
        .and_then(|l| l.get(uri).copied())
        .is_some_and(|v| v > version)
}
