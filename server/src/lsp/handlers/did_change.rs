//! `textDocument/didChange` (full sync). A newer edit of the same document
//! supersedes an older one: the older one, if it has not started, leaves the
//! document to the newer (which carries the whole text); if it has, what it
//! computed is held back and sent with the next change, where the newer
//! edit's diagnostics replace it (no stale diagnostics reach the client).

use crate::lsp::backend::{Backend, superseded};
use crate::lsp::session::Out;
use tower_lsp_server::ls_types::DidChangeTextDocumentParams;

pub async fn did_change(b: &Backend, p: DidChangeTextDocumentParams) {
    // Full sync: the last change holds the whole text.
    let Some(change) = p
        .content_changes
        .into_iter()
        .rev()
        .find(|c| c.range.is_none())
    else {
        return;
    };
    let (uri, version) = (p.text_document.uri, p.text_document.version);
    b.announce(&uri, version, false);
    let latest = b.versions();
    let u = uri.clone();
    let r = b
        .on_session("textDocument/didChange", move |st, _| {
            if superseded(&latest, &u, version) {
                return None;
            }
            let mut out = Out::default();
            st.did_change(&u, version, change.text, &mut out);
            Some(out)
        })
        .await;
    match r {
        Ok((mut st, Some(out))) => {
            if b.superseded(&uri, version) {
                let held = std::mem::take(&mut st.held);
                st.held = held.then(out);
            } else {
                b.send(&mut st, out).await;
            }
        }
        Ok((_, None)) => {}
        Err(p) => b.show_panic(&p).await,
    }
}
