//! `textDocument/didOpen`.

use crate::lsp::backend::Backend;
use tower_lsp_server::ls_types::DidOpenTextDocumentParams;

pub async fn did_open(b: &Backend, p: DidOpenTextDocumentParams) {
    let doc = p.text_document;
    // A reopened document starts its versions over.
    b.announce(&doc.uri, doc.version, true);
    b.change("textDocument/didOpen", move |st, out| {
        st.did_open(doc.uri, doc.version, doc.text, out);
    })
    .await;
}
