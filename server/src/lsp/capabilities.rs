//! Capabilities, both ways, in one place: what the client can do (read
//! once from `initialize` into `Caps`) and what the server offers.

use super::position::Encoding;
use tower_lsp_server::ls_types::*;

/// The command behind the code lens: the explanation of a main package.
pub const EXPLAIN_COMMAND: &str = "linklens.explain";

/// What the client can do, from its initialize capabilities.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub encoding: Encoding,
    pub dyn_watch: bool,
    pub progress: bool,
    pub config_pull: bool,
    pub create_files: bool,
    /// The client is known not to create missing parent directories of a
    /// new file (Neovim 0.7 advertises `create` but only opens the file;
    /// VS Code and Neovim 0.8+ create them).
    pub no_new_dirs: bool,
    pub lens_refresh: bool,
    /// `workspace.didChangeWatchedFiles.relativePatternSupport`.
    pub relative_patterns: bool,
    /// `textDocument.codeAction.disabledSupport`.
    pub disabled_actions: bool,
}

impl Default for Caps {
    fn default() -> Self {
        Caps {
            encoding: Encoding::Utf16,
            dyn_watch: false,
            progress: false,
            config_pull: false,
            create_files: false,
            no_new_dirs: false,
            lens_refresh: false,
            relative_patterns: false,
            disabled_actions: false,
        }
    }
}

/// Clients that advertise `create` but whose `CreateFile` does not create
/// missing directories: Neovim before 0.8 (its `create_file` opens the file
/// with `io.open`, which fails without the directory, and a buffer written
/// there fails with E212).
fn creates_no_directories(info: Option<&ClientInfo>) -> bool {
    let Some(info) = info else { return false };
    if info.name != "Neovim" {
        return false;
    }
    let version = info.version.as_deref().unwrap_or("");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(0), Some(minor)) => minor < 8,
        (Some(_), _) => false,
        // No version: assume the old behaviour (the safe side).
        (None, _) => true,
    }
}

impl Caps {
    /// The client's capabilities that change what the server does.
    pub fn of(params: &InitializeParams) -> Caps {
        let caps = &params.capabilities;
        let utf8 = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let ws = caps.workspace.as_ref();
        Caps {
            encoding: if utf8 {
                Encoding::Utf8
            } else {
                Encoding::Utf16
            },
            dyn_watch: ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false),
            progress: caps
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
            config_pull: ws.and_then(|w| w.configuration).unwrap_or(false),
            create_files: ws
                .and_then(|w| w.workspace_edit.as_ref())
                .and_then(|e| e.resource_operations.as_ref())
                .is_some_and(|r| r.contains(&ResourceOperationKind::Create)),
            no_new_dirs: creates_no_directories(params.client_info.as_ref()),
            lens_refresh: ws
                .and_then(|w| w.code_lens.as_ref())
                .and_then(|c| c.refresh_support)
                .unwrap_or(false),
            relative_patterns: ws
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.relative_pattern_support)
                .unwrap_or(false),
            disabled_actions: caps
                .text_document
                .as_ref()
                .and_then(|t| t.code_action.as_ref())
                .and_then(|c| c.disabled_support)
                .unwrap_or(false),
        }
    }
}

/// What the server offers, in the position encoding it chose.
pub fn server(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            resolve_provider: Some(true),
            ..Default::default()
        })),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![EXPLAIN_COMMAND.into()],
            ..Default::default()
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, version: Option<&str>) -> ClientInfo {
        ClientInfo {
            name: name.into(),
            version: version.map(Into::into),
        }
    }

    #[test]
    fn only_old_neovim_creates_no_directories() {
        assert!(creates_no_directories(Some(&info("Neovim", Some("0.7.2")))));
        assert!(creates_no_directories(Some(&info("Neovim", Some("0.5.1")))));
        assert!(creates_no_directories(Some(&info("Neovim", None))));
        for v in ["0.8.0", "0.10.4", "0.11.4", "1.0.0"] {
            assert!(
                !creates_no_directories(Some(&info("Neovim", Some(v)))),
                "{v}"
            );
        }
        assert!(!creates_no_directories(Some(&info(
            "Visual Studio Code",
            Some("1.100.3")
        ))));
        assert!(!creates_no_directories(None));
    }
}
