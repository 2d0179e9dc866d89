//! `textDocument/codeAction`: quick fixes for linklens's diagnostics. The
//! project's own builds first (Makefile, Dockerfile, ...), then the editor's
//! settings, then suppressions; each resolved lazily
//! (`code_action_resolve`).

use crate::lsp::backend::Backend;
use crate::lsp::profiles;
use crate::lsp::session::{self, Session, path_uri, uri_path};
use crate::lsp::settings_edit;
use crate::predict::fixes;
use serde_json::json;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

pub async fn code_action(b: &Backend, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
    let (_st, (r, note)) = b
        .on_session("textDocument/codeAction", move |st, _| {
            let mut note = None;
            let r = actions(st, p, &mut note);
            (r, note)
        })
        .await?;
    if let Some(m) = note {
        b.client.log_message(MessageType::INFO, m).await;
    }
    r
}

fn actions(
    st: &mut Session,
    p: CodeActionParams,
    note: &mut Option<String>,
) -> Result<Option<CodeActionResponse>> {
    let uri = p.text_document.uri.clone();
    let Some(path) = uri_path(&uri) else {
        return Ok(None);
    };
    if p.context
        .only
        .as_ref()
        .is_some_and(|o| !o.iter().any(|k| k.as_str().starts_with("quickfix")))
    {
        return Ok(None);
    }
    // Build files, and scripts with findings of the profiles calling them.
    if profiles::is_profile_input(&path) {
        return Ok(profile_actions(st, &path, &uri, &p));
    }
    let Some(offset) = st.offset_of(&path, p.range.start) else {
        return Ok(None);
    };
    let Some((mains, _, _)) = st.mains_at(&path, offset) else {
        return Ok(None);
    };
    // The first main package that is not static decides the offers.
    let Some(main) = mains.iter().find(|d| {
        st.mains
            .get(*d)
            .is_some_and(|m| m.pred.link.result != crate::predict::Verdict::Static)
    }) else {
        return Ok(None);
    };
    // An unparsable settings file gets no edit: the offers say why.
    let folder = st.mains[main].folder;
    let main_dir = st.mains[main].pred.dir.clone();
    let mut builds = st.profile_fixes_for_main(folder, &main_dir);
    builds.sort_by_key(|(_, e)| fixes::invasiveness(&e.fix));
    // `glibc-too-new` (or no diagnostic named): the build against the
    // minimum glibc with zig cc, in the project's own build if one builds
    // this main, else in the editor's settings.
    let ours = our_diagnostics(&p);
    let glibc_diags: Vec<Diagnostic> = ours
        .iter()
        .filter(|d| d.code == Some(NumberOrString::String(GLIBC_TOO_NEW.into())))
        .cloned()
        .collect();
    let glibc_min = st
        .folder(folder)
        .and_then(|f| f.settings.min_glibc)
        .filter(|_| ours.is_empty() || !glibc_diags.is_empty());
    let glibc_builds = match glibc_min {
        Some(min) => st.profile_glibc_fixes_for_main(folder, &main_dir, &min),
        None => Vec::new(),
    };
    let blocked = settings_blocked(st, folder)
        .filter(|_| st.caps.disabled_actions)
        .map(|reason| CodeActionDisabled { reason });
    // A client that cannot create `.vscode/` gets no edit it could not
    // save: disabled with the reason where it can show one, else left
    // out (and said in the log).
    let no_dir = settings_dir_missing(st, folder);
    let blocked = blocked.or_else(|| {
        no_dir
            .clone()
            .filter(|_| st.caps.disabled_actions)
            .map(|reason| CodeActionDisabled { reason })
    });
    let omit_editor = no_dir.is_some() && !st.caps.disabled_actions;
    let m = &st.mains[main];
    let Some(engine) = st.engine() else {
        return Ok(None);
    };
    let Some((_, cfg)) = st.folder_settings(m.folder) else {
        return Ok(None);
    };
    let mut editor = engine.fixes(cfg, &m.pred);
    // Fixes are offered where the build is defined first (the Makefile,
    // Dockerfile, goreleaser or CI build that really makes the binary),
    // then in the editor's settings, which change only the prediction.
    // Only fixes predicted to reach static are offered; the least
    // invasive one is preferred.
    editor.retain(|f| f.available && f.link.result == crate::predict::Verdict::Static);
    if omit_editor {
        editor.clear();
    }
    editor.sort_by_key(|f| fixes::invasiveness(&f.id));
    let mut actions = Vec::new();
    let least = builds
        .first()
        .map(|(_, e)| fixes::invasiveness(&e.fix))
        .into_iter()
        .chain(editor.first().map(|f| fixes::invasiveness(&f.id)))
        .min();
    let mut preferred_given = false;
    for (profile, e) in &builds {
        let Some(file) = &profile.file else { continue };
        let preferred = !preferred_given && Some(fixes::invasiveness(&e.fix)) == least;
        preferred_given |= preferred;
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("{}: {}", profile.name, e.title),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: (!ours.is_empty()).then(|| ours.clone()),
            is_preferred: Some(preferred),
            data: Some(json!({"profile": e.profile, "fix": e.fix, "file": file, "uri": uri})),
            ..Default::default()
        }));
    }
    for f in editor {
        let what = match f.id.as_str() {
            "musl-static" => {
                "musl static settings (CC=musl-gcc, -linkmode external -extldflags -static)"
                    .to_string()
            }
            _ => f.title.clone(),
        };
        let preferred = !preferred_given
            && builds.is_empty()
            && blocked.is_none()
            && Some(fixes::invasiveness(&f.id)) == least;
        preferred_given |= preferred;
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!(
                "Build with {what} (→ {}) — editor prediction only (.vscode/settings.json)",
                crate::report::label(&f.link)
            ),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: (!ours.is_empty()).then(|| ours.clone()),
            is_preferred: Some(preferred),
            disabled: blocked.clone(),
            data: Some(json!({"fix": f.id, "main": m.pred.dir, "uri": uri})),
            ..Default::default()
        }));
    }
    let glibc_diags = (!glibc_diags.is_empty()).then_some(glibc_diags);
    for (profile, e) in &glibc_builds {
        let Some(file) = &profile.file else { continue };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("{}: {}", profile.name, e.title),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: glibc_diags.clone(),
            is_preferred: Some(false),
            data: Some(json!({"profile": e.profile, "fix": e.fix, "file": file, "uri": uri})),
            ..Default::default()
        }));
    }
    // Offered where zig is installed and the older glibc has every symbol.
    if let Some(min) = glibc_min
        && glibc_builds.is_empty()
        && !omit_editor
        && let Some(f) = engine.glibc_fix(cfg, &m.pred, &min).filter(|f| {
            f.available && f.breaks.is_empty() && f.link.result == crate::predict::Verdict::Dynamic
        })
    {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!(
                "Build with {} (→ glibc floor {}) — editor prediction only (.vscode/settings.json)",
                f.title,
                f.link.glibc_floor.as_deref().unwrap_or("unknown")
            ),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: glibc_diags.clone(),
            is_preferred: Some(false),
            disabled: blocked.clone(),
            data: Some(json!({"fix": f.id, "main": m.pred.dir, "uri": uri})),
            ..Default::default()
        }));
    }
    // Saying the dynamic linking is intended, go-directive style.
    let code = ours
        .first()
        .and_then(|d| match &d.code {
            Some(NumberOrString::String(c)) => Some(c.clone()),
            _ => None,
        })
        .unwrap_or_default();
    for (title, file, at, text) in st.suppression_edits(&path, offset, &code, &main_dir) {
        let (Some(pos), Some(file_uri)) = (st.position_at(&file, at), path_uri(&file)) else {
            continue;
        };
        #[allow(clippy::mutable_key_type)]
        let changes = std::collections::HashMap::from([(
            file_uri,
            vec![TextEdit {
                range: Range::new(pos, pos),
                new_text: text,
            }],
        )]);
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: (!ours.is_empty()).then(|| ours.clone()),
            edit: Some(WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
    // A project with no build definition at all: offer to write one.
    if let Some(e) = st.create_makefile_edit(folder) {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: e.title.clone(),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: (!ours.is_empty()).then(|| ours.clone()),
            data: Some(json!({"create_makefile": folder.0, "uri": uri})),
            ..Default::default()
        }));
    }
    if let (true, Some(why)) = (omit_editor, no_dir) {
        *note = Some(format!("linklens: no editor-settings fix offered: {why}"));
    }
    Ok((!actions.is_empty()).then_some(actions))
}

const GLIBC_TOO_NEW: &str = "glibc-too-new";

/// Quick fixes for the profile findings under the requested range: the
/// profile's checked edits, resolved lazily into a workspace edit.
fn profile_actions(
    st: &mut Session,
    path: &std::path::Path,
    uri: &Uri,
    p: &CodeActionParams,
) -> Option<CodeActionResponse> {
    let start = st.offset_of(path, p.range.start)?;
    let end = st.offset_of(path, p.range.end)?;
    let findings = st.profile_findings_at(path, start, end);
    let ours = our_diagnostics(p);
    let mut ids: Vec<String> = findings.iter().filter_map(|f| f.profile.clone()).collect();
    ids.dedup();
    let mut actions = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        for e in st.profile_edits(path, &id) {
            if !seen.insert((e.profile.clone(), e.fix.clone())) {
                continue;
            }
            let is_static = e
                .result
                .iter()
                .all(|(_, l)| l.result == crate::predict::Verdict::Static);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: e.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!ours.is_empty()).then(|| ours.clone()),
                is_preferred: Some(is_static && actions.is_empty()),
                data: Some(json!({"profile": e.profile, "fix": e.fix, "file": path, "uri": uri})),
                ..Default::default()
            }));
        }
    }
    (!actions.is_empty()).then_some(actions)
}

/// Why the folder's `.vscode/settings.json` cannot take a fix (it does not
/// parse), if so.
fn settings_blocked(st: &mut Session, folder: session::FolderId) -> Option<String> {
    let file = st.folder(folder)?.path.join(".vscode/settings.json");
    let text = st.text_of(&file)?;
    settings_edit::cannot_edit(Some(&text))
}

/// Why the folder's `.vscode/settings.json` cannot be created by this client
/// (its directory is missing and the client creates no directories), if so.
pub fn settings_dir_missing(st: &Session, folder: session::FolderId) -> Option<String> {
    let dir = st.folder(folder)?.path.join(".vscode");
    if !st.caps.no_new_dirs || dir.is_dir() || st.docs.contains_key(&dir.join("settings.json")) {
        return None;
    }
    Some(format!(
        "{} does not exist and this editor does not create directories for an edit \
         (Neovim 0.7): create it, or fix the build instead",
        dir.display()
    ))
}

/// The diagnostics of the code-action context that linklens published.
fn our_diagnostics(p: &CodeActionParams) -> Vec<Diagnostic> {
    p.context
        .diagnostics
        .iter()
        .filter(|d| d.source.as_deref() == Some(session::SOURCE))
        .cloned()
        .collect()
}
