//! `textDocument/didSave`: go.mod and friends are read from disk, so a save
//! changes them (Go files are read from the buffer).

use crate::lsp::backend::Backend;
use crate::lsp::session::uri_path;
use tower_lsp_server::ls_types::DidSaveTextDocumentParams;

pub async fn did_save(b: &Backend, p: DidSaveTextDocumentParams) {
    if let Some(path) =
        uri_path(&p.text_document.uri).filter(|p| p.extension().is_none_or(|e| e != "go"))
    {
        super::watched_files::files_changed(b, vec![path]).await;
    }
}
