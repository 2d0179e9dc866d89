//! `textDocument/didClose`: the disk's text takes over from the buffer.

use crate::lsp::backend::Backend;
use tower_lsp_server::ls_types::DidCloseTextDocumentParams;

pub async fn did_close(b: &Backend, p: DidCloseTextDocumentParams) {
    let uri = p.text_document.uri;
    b.forget(&uri);
    b.change("textDocument/didClose", move |st, out| {
        st.did_close(&uri, out)
    })
    .await;
}
