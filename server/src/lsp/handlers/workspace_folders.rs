//! `workspace/didChangeWorkspaceFolders`: folders come (new ids) and go
//! (`FolderState::Removed`, never reused).

use crate::lsp::backend::Backend;
use crate::lsp::session::uri_path;
use std::path::PathBuf;
use tower_lsp_server::ls_types::*;

pub async fn did_change_workspace_folders(b: &Backend, p: DidChangeWorkspaceFoldersParams) {
    let added: Vec<PathBuf> = p
        .event
        .added
        .iter()
        .filter_map(|f| uri_path(&f.uri))
        .collect();
    {
        let mut st = b.lock().await;
        for r in &p.event.removed {
            if let Some(path) = uri_path(&r.uri) {
                st.remove_folder(&path);
            }
        }
        for a in &p.event.added {
            st.add_folder(a.uri.clone());
        }
    }
    super::configuration::pull_config(b).await;
    // The reload also clears what the removed folders had published.
    b.change("workspace/didChangeWorkspaceFolders", |st, out| {
        st.config_changed(out)
    })
    .await;
    let uris = |fs: &[WorkspaceFolder]| fs.iter().map(|f| f.uri.clone()).collect::<Vec<_>>();
    super::watched_files::watched_folders_changed(
        b,
        &uris(&p.event.added),
        &uris(&p.event.removed),
    )
    .await;
    super::initialize::scan_binaries(b, added).await;
}
