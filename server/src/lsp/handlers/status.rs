//! `linklens/status`: the contract of the VS Code status item.

use crate::lsp::backend::Backend;
use crate::lsp::session::{Session, uri_path};
use crate::lsp::settings;
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

pub async fn status(b: &Backend, p: Value) -> Result<Value> {
    let (_st, r) = b
        .on_session("linklens/status", move |st, _| compute(st, p))
        .await?;
    r
}

pub fn compute(st: &mut Session, params: Value) -> Result<Value> {
    let uri: Uri = params
        .pointer("/textDocument/uri")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::invalid_params("expected {\"textDocument\":{\"uri\":...}}"))?;
    let Some(path) = uri_path(&uri) else {
        return Ok(no_status("linklens: not a file"));
    };
    let Some(dir) = path.parent() else {
        return Ok(no_status("linklens"));
    };
    let mains = st.mains_using(dir);
    let Some(m) = mains.first().and_then(|d| st.mains.get(d)) else {
        return Ok(no_status(if st.loaded {
            "linklens: no main package"
        } else {
            "linklens: loading"
        }));
    };
    let expect_static = st
        .folder(m.folder)
        .is_none_or(|f| f.settings.expect == settings::Expect::Static);
    let p = &m.pred;
    let severity = match p.link.result {
        crate::predict::Verdict::Static => "ok",
        crate::predict::Verdict::Dynamic if expect_static => "warning",
        crate::predict::Verdict::Fails => "error",
        _ => "info",
    };
    let mut label = format!("linklens: {}", crate::report::label(&p.link));
    if mains.len() > 1 {
        label.push_str(&format!(" (+{} more)", mains.len() - 1));
    }
    let package = p.import_path.clone();
    let verdict = p.link.result.as_str();
    let markdown = st.explain(&mains, None);
    Ok(
        json!({"package": package, "verdict": verdict, "label": label, "severity": severity, "markdown": markdown}),
    )
}

fn no_status(label: &str) -> Value {
    json!({"package": null, "verdict": null, "label": label, "severity": "ok", "markdown": ""})
}
