//! `textDocument/hover`: the explanation of the main packages concerned by
//! the import, `import "C"`, package clause or go.mod require under the
//! cursor, with the project's own builds of them.

use crate::lsp::backend::{Backend, Cancel};
use crate::lsp::profiles;
use crate::lsp::session::{Session, uri_path};
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

pub async fn hover(b: &Backend, p: HoverParams) -> Result<Option<Hover>> {
    let (_st, r) = b
        .on_session("textDocument/hover", move |st, cancel| {
            compute(st, p, cancel)
        })
        .await?;
    r
}

pub fn compute(st: &mut Session, p: HoverParams, cancel: &Cancel) -> Result<Option<Hover>> {
    let pos = p.text_document_position_params;
    let Some(path) = uri_path(&pos.text_document.uri) else {
        return Ok(None);
    };
    let Some(offset) = st.offset_of(&path, pos.position) else {
        return Ok(None);
    };
    let Some((mains, focus, span)) = st.mains_at(&path, offset) else {
        return Ok(None);
    };
    // The explanation predicts variants (the expensive part): not for a
    // request the client has given up on.
    if cancel.is_cancelled() {
        return Ok(None);
    }
    let mut md = st.explain(&mains, focus.as_deref());
    let mut rows = Vec::new();
    for d in &mains {
        if let Some((folder, ip)) = st
            .mains
            .get(d)
            .map(|m| (m.folder, m.pred.import_path.clone()))
        {
            rows.extend(st.profile_hover(folder, &ip));
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
