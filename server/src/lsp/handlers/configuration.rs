//! Settings: `workspace/configuration` pulled per folder (the `linklens`,
//! `gopls` and `go` sections), and `workspace/didChangeConfiguration`.

use crate::lsp::backend::Backend;
use serde_json::Value;
use tower_lsp_server::ls_types::*;

/// Pulls `linklens`, `gopls` and `go` settings for every folder.
pub async fn pull_config(b: &Backend) {
    let (pull, folders) = {
        let st = b.lock().await;
        (
            st.caps.config_pull,
            st.live_folders()
                .map(|f| (f.id, f.uri.clone()))
                .collect::<Vec<_>>(),
        )
    };
    if !pull {
        return;
    }
    for (id, uri) in folders {
        let items = ["linklens", "gopls", "go"]
            .iter()
            .map(|s| ConfigurationItem {
                scope_uri: Some(uri.clone()),
                section: Some(s.to_string()),
            })
            .collect();
        match b.client.configuration(items).await {
            Ok(mut v) => {
                v.resize(3, Value::Null);
                let mut it = v.into_iter();
                b.lock()
                    .await
                    .set_client_config(id, it.next(), it.next(), it.next());
            }
            Err(e) => {
                b.client
                    .log_message(
                        MessageType::WARNING,
                        format!("workspace/configuration failed: {e}"),
                    )
                    .await
            }
        }
    }
}

pub async fn did_change_configuration(b: &Backend, _: DidChangeConfigurationParams) {
    pull_config(b).await;
    b.change("workspace/didChangeConfiguration", |st, out| {
        st.config_changed(out)
    })
    .await;
}
