//! `initialize`, `initialized` (watchers, settings, the first load with
//! `$/progress`) and `shutdown`.

use crate::engine::binaries;
use crate::lsp::backend::Backend;
use crate::lsp::capabilities::{self, Caps};
use crate::lsp::session::Out;
use std::path::PathBuf;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

pub async fn initialize(b: &Backend, params: InitializeParams) -> Result<InitializeResult> {
    let caps = Caps::of(&params);
    #[allow(deprecated)]
    let roots = params
        .workspace_folders
        .clone()
        .map(|f| f.into_iter().map(|f| f.uri).collect::<Vec<_>>())
        .or_else(|| params.root_uri.clone().map(|u| vec![u]))
        .unwrap_or_default();
    {
        let mut st = b.lock().await;
        st.caps = caps;
        st.init_options = params.initialization_options.clone();
        st.apply_log_level();
        for r in &roots {
            st.add_folder(r.clone());
        }
    }
    b.watched.lock().await.folders = roots;
    Ok(InitializeResult {
        capabilities: capabilities::server(caps.encoding),
        server_info: Some(ServerInfo {
            name: "linklens".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        offset_encoding: None,
    })
}

pub async fn initialized(b: &Backend) {
    crate::lsp::LOG_READY.notify_one();
    let dyn_watch = b.lock().await.caps.dyn_watch;
    if dyn_watch {
        super::watched_files::register_watchers(b).await;
    } else {
        super::watched_files::start_notify(b).await;
    }
    super::configuration::pull_config(b).await;
    initial_load(b).await;
}

pub async fn shutdown(b: &Backend) -> Result<()> {
    if let Ok(mut w) = b.watcher.lock() {
        *w = None;
    }
    Ok(())
}

/// The live folders' directories.
pub async fn folder_roots(b: &Backend) -> Vec<PathBuf> {
    b.lock()
        .await
        .live_folders()
        .map(|f| f.path.clone())
        .collect()
}

/// Reads the Go binaries already in `roots` (bounded scan, off the lock).
pub async fn scan_binaries(b: &Backend, roots: Vec<PathBuf>) {
    let probes = tokio::task::spawn_blocking(move || binaries::scan(&roots))
        .await
        .unwrap_or_default();
    if probes.is_empty() {
        return;
    }
    b.change("linklens: reading binaries", move |st, out| {
        st.binaries_changed(probes, out);
    })
    .await;
}

/// The first load, with `$/progress` when the client supports it.
async fn initial_load(b: &Backend) {
    let progress = b.lock().await.caps.progress;
    let token = NumberOrString::String("linklens-load".into());
    let ongoing = if progress
        && b.client
            .create_work_done_progress(token.clone())
            .await
            .is_ok()
    {
        Some(
            b.client
                .progress(token, "linklens")
                .with_message("predicting link modes")
                .begin()
                .await,
        )
    } else {
        None
    };
    let roots = folder_roots(b).await;
    scan_binaries(b, roots).await;
    let r = b
        .on_session("linklens: loading the workspace", |st, _| {
            let mut out = Out::default();
            st.load_all(&mut out);
            out
        })
        .await;
    let n = match r {
        Ok((mut st, out)) => {
            let n = st.mains.len();
            b.send(&mut st, out).await;
            format!("{n} main packages")
        }
        Err(p) => {
            b.show_panic(&p).await;
            "failed".into()
        }
    };
    if let Some(p) = ongoing {
        p.finish_with_message(n).await;
    }
}
