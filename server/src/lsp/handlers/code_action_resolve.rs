//! `codeAction/resolve`: the edit of a chosen quick fix, computed on
//! demand (a build file's checked edit, a new Makefile, or the folder's
//! `.vscode/settings.json`).

use crate::lsp::backend::Backend;
use crate::lsp::profiles;
use crate::lsp::session::{FolderId, Session, path_uri};
use crate::lsp::settings_edit;
use crate::lsp::{LineIndex, handlers::code_action::settings_dir_missing};
use serde_json::Value;
use std::path::PathBuf;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

pub async fn code_action_resolve(b: &Backend, a: CodeAction) -> Result<CodeAction> {
    let (_st, (r, show)) = b
        .on_session("codeAction/resolve", move |st, _| {
            let mut show = None;
            let r = resolve(st, a, &mut show);
            (r, show)
        })
        .await?;
    if let Some(m) = show {
        // No edit, never a rewrite: say why where the user looks.
        b.client.show_message(MessageType::WARNING, m).await;
    }
    r
}

fn resolve(st: &mut Session, mut a: CodeAction, show: &mut Option<String>) -> Result<CodeAction> {
    let data = a.data.clone().unwrap_or(Value::Null);
    if let Some(folder) = data["create_makefile"].as_u64() {
        let Some(e) = st.create_makefile_edit(FolderId(folder)) else {
            return Err(Error::invalid_params(
                "the project has a build definition now; request code actions again",
            ));
        };
        a.edit = Some(workspace_edit(st, &e)?);
        return Ok(a);
    }
    if let (Some(profile), Some(fix), Some(file)) = (
        data["profile"].as_str(),
        data["fix"].as_str(),
        data["file"].as_str(),
    ) {
        let file = PathBuf::from(file);
        if fix == "zig-glibc" {
            let Some(e) = st.profile_glibc_edit(&file, profile) else {
                return Err(Error::invalid_params(format!(
                    "the fix {fix} of {profile} no longer applies; request code actions again"
                )));
            };
            a.edit = Some(workspace_edit(st, &e)?);
            return Ok(a);
        }
        a.edit = Some(profile_edit(st, &file, profile, fix)?);
        return Ok(a);
    }
    let (Some(fix_id), Some(main)) = (data["fix"].as_str(), data["main"].as_str()) else {
        return Err(Error::invalid_params(
            "code action data is missing `fix` or `main`",
        ));
    };
    let main = PathBuf::from(main);
    let Some(m) = st.mains.get(&main) else {
        return Err(Error::invalid_params(
            "the main package is gone; request code actions again",
        ));
    };
    let folder = m.folder;
    let (Some(engine), Some((settings, cfg))) = (st.engine(), st.folder_settings(folder)) else {
        return Err(Error::internal_error());
    };
    let found = match settings.min_glibc {
        Some(min) if fix_id == "zig-glibc" => engine.glibc_fix(cfg, &m.pred, &min),
        _ => engine
            .fixes(cfg, &m.pred)
            .into_iter()
            .find(|f| f.id == fix_id),
    };
    let Some(fix) = found else {
        return Err(Error::invalid_params(format!(
            "fix {fix_id} no longer applies"
        )));
    };
    let (flags, env) = (settings.build_flags.clone(), settings.env.clone());
    if let Some(why) = settings_dir_missing(st, folder) {
        return Err(Error::invalid_params(why));
    }
    let Some(file) = st
        .folder(folder)
        .map(|f| f.path.join(".vscode/settings.json"))
    else {
        return Err(Error::invalid_params(
            "the workspace folder is gone; request code actions again",
        ));
    };
    let existing = if file.exists() || st.docs.contains_key(&file) {
        st.text_of(&file)
    } else {
        None
    };
    let edits = match settings_edit::fix_edits(existing.as_deref(), &flags, &env, &fix) {
        Ok(e) => e,
        Err(why) => {
            // No edit, never a rewrite: say why where the user looks.
            *show = Some(format!("linklens: {why}"));
            return Err(Error::invalid_params(why));
        }
    };
    let Some(uri) = path_uri(&file) else {
        return Err(Error::internal_error());
    };
    let edit = match &existing {
        Some(old) => {
            let ix = LineIndex::new(old);
            let enc = st.caps.encoding;
            let edits = edits
                .iter()
                .map(|e| TextEdit::new(ix.range(e.start, e.end, enc), e.text.clone()))
                .collect();
            #[allow(clippy::mutable_key_type)]
            let changes = [(uri, edits)].into_iter().collect();
            WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }
        }
        None => {
            let text: String = edits.into_iter().map(|e| e.text).collect();
            new_file_edit(uri, text, st.caps.create_files)
        }
    };
    a.edit = Some(edit);
    Ok(a)
}

/// The workspace edit of a profile's fix: text edits at UTF-16 (or the
/// negotiated encoding) positions of the file as the server sees it, and
/// create+insert for new files.
fn profile_edit(
    st: &mut Session,
    file: &std::path::Path,
    profile: &str,
    fix: &str,
) -> Result<WorkspaceEdit> {
    let Some(e) = st
        .profile_edits(file, profile)
        .into_iter()
        .find(|e| e.fix == fix)
    else {
        return Err(Error::invalid_params(format!(
            "the fix {fix} of {profile} no longer applies; request code actions again"
        )));
    };
    workspace_edit(st, &e)
}

/// A profile edit (byte ranges, or whole new files) as a WorkspaceEdit.
fn workspace_edit(st: &mut Session, e: &crate::profiles::Edit) -> Result<WorkspaceEdit> {
    let enc = st.caps.encoding;
    // One TextDocumentEdit per file: its edits all refer to the text before
    // any of them (separate TextDocumentEdits would apply in sequence).
    let mut creates: Vec<Uri> = Vec::new();
    let mut per_file: Vec<(Uri, Vec<TextEdit>)> = Vec::new();
    for c in &e.changes {
        let Some(uri) = path_uri(&c.file) else {
            return Err(Error::internal_error());
        };
        let edit = match c.range {
            Some(span) => {
                let Some(text) = st.text_of(&c.file) else {
                    return Err(Error::invalid_params(format!(
                        "{} cannot be read",
                        c.file.display()
                    )));
                };
                TextEdit::new(profiles::range(&text, span, enc), c.text.clone())
            }
            None => {
                creates.push(uri.clone());
                TextEdit::new(Range::default(), c.text.clone())
            }
        };
        match per_file.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, v)) => v.push(edit),
            None => per_file.push((uri, vec![edit])),
        }
    }
    if !creates.is_empty() && st.caps.create_files {
        let ops = creates
            .into_iter()
            .map(|uri| {
                DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                    uri,
                    options: Some(CREATE_NEW),
                    annotation_id: None,
                }))
            })
            .chain(per_file.into_iter().map(|(uri, edits)| {
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                })
            }))
            .collect();
        return Ok(WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(ops)),
            ..Default::default()
        });
    }
    // Plain `changes` (clients without resource operations usually create
    // the file for an edit at 0:0 anyway).
    #[allow(clippy::mutable_key_type)]
    let changes = per_file.into_iter().collect();
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

/// A WorkspaceEdit creating `uri` with `text`: a create operation where the
/// client supports it, else an insertion at 0:0 (clients without resource
/// operations usually create the file for it anyway).
fn new_file_edit(uri: Uri, text: String, create_files: bool) -> WorkspaceEdit {
    if create_files {
        return WorkspaceEdit {
            document_changes: Some(DocumentChanges::Operations(vec![
                DocumentChangeOperation::Op(ResourceOp::Create(CreateFile {
                    uri: uri.clone(),
                    options: Some(CREATE_NEW),
                    annotation_id: None,
                })),
                DocumentChangeOperation::Edit(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version: None },
                    edits: vec![OneOf::Left(TextEdit::new(Range::default(), text))],
                }),
            ])),
            ..Default::default()
        };
    }
    #[allow(clippy::mutable_key_type)]
    let changes = [(uri, vec![TextEdit::new(Range::default(), text)])]
        .into_iter()
        .collect();
    WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    }
}

/// Options of the `CreateFile` the server sends for a file it saw missing.
/// `ignoreIfExists: false` on purpose: a client that skips the creation of
/// an existing file would insert the new file's whole text into it (two
/// JSON objects in one settings file), where failing the edit is harmless;
/// and Neovim creates the missing directories only when it creates the file.
const CREATE_NEW: CreateFileOptions = CreateFileOptions {
    overwrite: Some(false),
    ignore_if_exists: Some(false),
};
