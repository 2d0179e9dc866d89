//! File events: `workspace/didChangeWatchedFiles` from clients that watch
//! (registered with relative patterns or globs, see `lsp::watch`), and the
//! server's own notify watcher for clients that do not.

use crate::engine::binaries;
use crate::lsp::backend::Backend;
use crate::lsp::profiles;
use crate::lsp::session::uri_path;
use crate::lsp::watch;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::*;

pub async fn did_change_watched_files(b: &Backend, p: DidChangeWatchedFilesParams) {
    let paths: Vec<PathBuf> = p.changes.iter().filter_map(|c| uri_path(&c.uri)).collect();
    files_changed(b, paths).await;
}

pub async fn files_changed(b: &Backend, paths: Vec<PathBuf>) {
    // VS Code re-sends configuration when settings.json changes; other
    // clients do not, so the server re-pulls it itself.
    if paths.iter().any(|p| p.ends_with(".vscode/settings.json")) {
        super::configuration::pull_config(b).await;
    }
    // Binaries are read before taking the session (they can be large).
    let probe_paths = paths.clone();
    let probes = tokio::task::spawn_blocking(move || binaries::probe(&probe_paths))
        .await
        .unwrap_or_default();
    b.change("workspace/didChangeWatchedFiles", move |st, out| {
        let gone = st.binaries_changed(probes, out);
        // `**/*` reports every file: keep what concerns sources, and do not
        // take a deleted binary for a deleted directory.
        let paths: Vec<PathBuf> = paths
            .into_iter()
            .filter(|p| interesting(p) && !gone.contains(p))
            .collect();
        st.files_changed(&paths, out);
    })
    .await;
}

fn interesting(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".go")
        || matches!(name, "go.mod" | "go.sum" | "go.work" | "modules.txt")
        || p.ends_with(".vscode/settings.json")
        || profiles::is_profile_input(p)
        || (p.extension().is_none() && !p.exists())
}

pub async fn register_watchers(b: &Backend) {
    let relative = b.lock().await.caps.relative_patterns;
    // Held across the exchange: registrations stay in order.
    let mut w = b.watched.lock().await;
    let generation = w.next_generation();
    let reg = watch::registration(generation, &w.folders, relative);
    match b.client.register_capability(vec![reg]).await {
        Ok(()) => {
            if let Some(old) = w.registered.replace(generation)
                && let Err(e) = b
                    .client
                    .unregister_capability(vec![watch::unregistration(old)])
                    .await
            {
                b.client
                    .log_message(
                        MessageType::WARNING,
                        format!("could not drop the previous file watchers: {e}"),
                    )
                    .await;
            }
        }
        Err(e) if w.registered.is_some() => {
            b.client
                .log_message(
                    MessageType::WARNING,
                    format!("could not update file watchers ({e}); keeping the previous ones"),
                )
                .await;
        }
        Err(e) => {
            drop(w);
            b.client
                .log_message(
                    MessageType::WARNING,
                    format!("could not register file watchers ({e}); watching with notify"),
                )
                .await;
            start_notify(b).await;
        }
    }
}
pub async fn watched_folders_changed(b: &Backend, added: &[Uri], removed: &[Uri]) {
    let changed = b.watched.lock().await.change(added, removed);
    let caps = b.lock().await.caps;
    let registered = b.watched.lock().await.registered.is_some();
    if changed && caps.dyn_watch && caps.relative_patterns && registered {
        register_watchers(b).await;
    }
}
pub async fn start_notify(b: &Backend) {
    use notify::Watcher;
    let roots = super::initialize::folder_roots(b).await;
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
            b.client
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
            b.client
                .log_message(
                    MessageType::WARNING,
                    format!("cannot watch {}: {e}", r.display()),
                )
                .await;
        }
    }
    if let Ok(mut slot) = b.watcher.lock() {
        *slot = Some(w);
    }
    let me = b.clone();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut paths = vec![first];
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            while let Ok(p) = rx.try_recv() {
                paths.push(p);
            }
            paths.sort();
            paths.dedup();
            files_changed(&me, paths).await;
        }
    });
}
