//! `textDocument/codeLens`: on a main package's clause, its verdict and its
//! last build.

use crate::lsp::backend::Backend;
use crate::lsp::capabilities::EXPLAIN_COMMAND;
use crate::lsp::render;
use crate::lsp::session::{Session, uri_path};
use serde_json::json;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

pub async fn code_lens(b: &Backend, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let (_st, r) = b
        .on_session("textDocument/codeLens", move |st, _| compute(st, p))
        .await?;
    r
}

pub fn compute(st: &mut Session, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
    let uri = p.text_document.uri;
    let Some(path) = uri_path(&uri) else {
        return Ok(None);
    };
    let Some(dir) = path.parent() else {
        return Ok(None);
    };
    let Some(m) = st.mains.get(dir) else {
        return Ok(None);
    };
    if st.folder(m.folder).is_some_and(|f| !f.settings.codelens) {
        return Ok(None);
    }
    let title = render::lens_title(&m.pred);
    let Some(engine) = st.engine() else {
        return Ok(None);
    };
    let Some(span) = engine
        .sources
        .exact_header(&path)
        .ok()
        .and_then(|h| h.package_clause)
    else {
        return Ok(None);
    };
    let last = m.last.as_ref().map(|lb| {
        let mut t = render::last_build_line(lb);
        if !lb.diffs.is_empty() {
            t.push_str(" ⚠ contradicts the prediction");
        }
        t
    });
    let Some(range) = st.range_in(&path, span) else {
        return Ok(None);
    };
    let lens = |title: String| CodeLens {
        range,
        command: Some(Command {
            title,
            command: EXPLAIN_COMMAND.into(),
            arguments: Some(vec![json!(uri)]),
        }),
        data: None,
    };
    Ok(Some(std::iter::once(title).chain(last).map(lens).collect()))
}
