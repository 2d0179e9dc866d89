//! `workspace/executeCommand`: `linklens.explain` (the code lens's command).
//!
//! Debug builds (`cfg(debug_assertions)`, what `cargo test` runs) also know
//! two commands that are never advertised and do not exist in the release
//! binary users run: `linklens.debug.panic` panics inside the request, and
//! `linklens.debug.blockUntilCancelled` holds the session until the request
//! is cancelled. The LSP tests use them to check that a panic does not end
//! the session and that `$/cancelRequest` stops a request.

use crate::lsp::backend::{Backend, Cancel};
use crate::lsp::capabilities::EXPLAIN_COMMAND;
use crate::lsp::session::{Session, uri_path};
use serde_json::{Value, json};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

pub async fn execute_command(b: &Backend, p: ExecuteCommandParams) -> Result<Option<LSPAny>> {
    let (_st, r) = b
        .on_session("workspace/executeCommand", move |st, cancel| {
            compute(st, p, cancel)
        })
        .await?;
    r
}

pub fn compute(
    st: &mut Session,
    p: ExecuteCommandParams,
    cancel: &Cancel,
) -> Result<Option<LSPAny>> {
    #[cfg(debug_assertions)]
    if let Some(r) = debug_command(&p.command, cancel) {
        return r;
    }
    #[cfg(not(debug_assertions))]
    let _ = cancel;
    if p.command != EXPLAIN_COMMAND {
        return Err(Error::invalid_params(format!(
            "unknown command {}",
            p.command
        )));
    }
    let uri: Option<Uri> = p
        .arguments
        .first()
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    let Some(path) = uri.as_ref().and_then(uri_path) else {
        return Err(Error::invalid_params("linklens.explain takes [uri]"));
    };
    let mains = path.parent().map(|d| st.mains_using(d)).unwrap_or_default();
    if mains.is_empty() {
        return Ok(Some(json!("linklens: no main package builds this file.")));
    }
    Ok(Some(json!(st.explain(&mains, None))))
}

#[cfg(debug_assertions)]
pub const DEBUG_PANIC: &str = "linklens.debug.panic";
#[cfg(debug_assertions)]
pub const DEBUG_BLOCK: &str = "linklens.debug.blockUntilCancelled";

/// The debug builds' test commands (see the module comment).
#[cfg(debug_assertions)]
fn debug_command(command: &str, cancel: &Cancel) -> Option<Result<Option<LSPAny>>> {
    match command {
        DEBUG_PANIC => panic!("{DEBUG_PANIC} was run"),
        DEBUG_BLOCK => {
            let start = std::time::Instant::now();
            while !cancel.is_cancelled() && start.elapsed() < std::time::Duration::from_secs(60) {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Some(Ok(Some(json!(cancel.is_cancelled()))))
        }
        _ => None,
    }
}
