//! Workspace folders: their life (`FolderState`), settings layers, build
//! configuration, and (re)loading their main packages.

use super::*;
use crate::buildcfg::Toolchain;
use crate::engine::Engine;
use crate::engine::workspace::module_or_workspace_dir;
use crate::lsp::settings::{Layers, parse_jsonc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::Uri;

impl Session {
    pub fn folder(&self, id: FolderId) -> Option<&Folder> {
        self.folders.iter().find(|f| f.id == id)
    }

    pub(super) fn folder_mut(&mut self, id: FolderId) -> Option<&mut Folder> {
        self.folders.iter_mut().find(|f| f.id == id)
    }

    /// The folders the client has (not removed).
    pub fn live_folders(&self) -> impl Iterator<Item = &Folder> {
        self.folders
            .iter()
            .filter(|f| !matches!(f.state, FolderState::Removed))
    }

    /// Adds the folder at `uri`, unless a live folder is there already.
    pub fn add_folder(&mut self, uri: Uri) -> Option<FolderId> {
        let path = uri_path(&uri)?;
        if let Some(f) = self.live_folders().find(|f| f.path == path) {
            return Some(f.id);
        }
        let layers = Layers {
            init_options: self.init_options.clone(),
            ..Default::default()
        };
        let id = FolderId(self.next_folder);
        self.next_folder += 1;
        self.folders.push(Folder {
            id,
            uri,
            path,
            settings: layers.resolve(),
            layers,
            state: FolderState::Loading,
        });
        Some(id)
    }

    /// The client removed the folder at `path`: it keeps its id, as
    /// `Removed`; the next reload drops what it contributed.
    pub fn remove_folder(&mut self, path: &Path) {
        let gone: Vec<FolderId> = self
            .live_folders()
            .filter(|f| f.path == path)
            .map(|f| f.id)
            .collect();
        for id in gone {
            if let Some(f) = self.folder_mut(id) {
                f.state = FolderState::Removed;
            }
            self.mains.retain(|_, m| m.folder != id);
            self.profiles.remove(&id);
        }
    }

    /// The folder holding `path` (the innermost one); a file outside every
    /// folder gets an implicit folder at its module root.
    pub fn folder_for(&mut self, path: &Path) -> Option<FolderId> {
        if let Some(id) = self.folder_of(path) {
            return Some(id);
        }
        let dir = path.parent()?;
        let root = module_or_workspace_dir(dir).unwrap_or_else(|| dir.to_path_buf());
        let id = self.add_folder(path_uri(&root)?)?;
        self.reconfigure(id);
        Some(id)
    }

    /// The innermost live folder holding `path`.
    pub fn folder_of(&self, path: &Path) -> Option<FolderId> {
        self.live_folders()
            .filter(|f| path.starts_with(&f.path))
            .max_by_key(|f| f.path.as_os_str().len())
            .map(|f| f.id)
    }

    /// Reads the folder's `.vscode/settings.json` into its layers.
    pub(super) fn read_vscode_file(&mut self, id: FolderId) {
        let Some(p) = self
            .folder(id)
            .map(|f| f.path.join(".vscode/settings.json"))
        else {
            return;
        };
        let text = self
            .docs
            .get(&p)
            .map(|d| d.text.to_string())
            .or_else(|| crate::regular::read_to_string(&p).ok());
        if let Some(f) = self.folder_mut(id) {
            f.layers.vscode_file = text.and_then(|t| parse_jsonc(&t).ok());
        }
    }

    /// Sets the client's configuration answers for folder `id`.
    pub fn set_client_config(
        &mut self,
        id: FolderId,
        linklens: Option<Value>,
        gopls: Option<Value>,
        go: Option<Value>,
    ) {
        if let Some(f) = self.folder_mut(id) {
            let nonnull = |v: Option<Value>| v.filter(|v| v.is_object());
            f.layers.client_linklens = nonnull(linklens);
            f.layers.client_gopls = nonnull(gopls);
            f.layers.client_go = nonnull(go);
        }
    }

    /// The log level: `LINKLENS_LOG` when set, else the most verbose
    /// `linklens.logLevel` of the folders, else the default (warn).
    pub fn apply_log_level(&self) {
        let from_settings = self
            .live_folders()
            .filter_map(|f| f.settings.log_level)
            .max();
        let from_init = || {
            Layers {
                init_options: self.init_options.clone(),
                ..Default::default()
            }
            .resolve()
            .log_level
        };
        crate::log::set_level(
            crate::log::env_level()
                .or(from_settings)
                .or_else(from_init)
                .unwrap_or(crate::log::DEFAULT),
        );
    }

    /// Rebuilds the engine when needed and the folder's `Config`.
    pub(super) fn reconfigure(&mut self, id: FolderId) {
        if self
            .folder(id)
            .is_none_or(|f| matches!(f.state, FolderState::Removed))
        {
            return;
        }
        self.read_vscode_file(id);
        let init_options = self.init_options.clone();
        let Some(f) = self.folder_mut(id) else { return };
        f.layers.init_options = init_options;
        f.settings = f.layers.resolve();
        self.apply_log_level();
        let run_go = self.live_folders().all(|f| f.settings.run_go);
        if self.engine.is_none() || self.engine_run_go != run_go {
            let tc = if run_go {
                Toolchain::discover(&self.proc_env)
            } else {
                crate::buildcfg::Toolchain::discover_with(&self.proc_env, false)
            };
            let engine = Engine::new(tc);
            // Dependencies and the standard library from the index's
            // trusted part (the workspace's own files come from the editor
            // and the disk, as before).
            if let Some(root) = self.folder(id).map(|f| f.path.clone()) {
                let trusted = crate::load::header_index::Trusted::of(&engine.toolchain, &root);
                if let Some(index) = crate::load::header_index::HeaderIndex::for_project(
                    &self.proc_env,
                    &root,
                    trusted,
                ) {
                    engine.sources.use_index(index.trusted_only());
                    if let Some(go) = crate::load::go_index::GoIndex::of(&engine.toolchain) {
                        engine.sources.use_go_index(go.read_whole());
                    }
                }
            }
            for (p, d) in &self.docs {
                if is_go(p) {
                    engine
                        .sources
                        .set_overlay(p.clone(), Arc::new(d.text.as_bytes().to_vec()));
                }
            }
            self.engine = Some(engine);
            self.engine_run_go = run_go;
        }
        let Some(engine) = &self.engine else { return };
        let Some(f) = self.folders.iter_mut().find(|f| f.id == id) else {
            return;
        };
        let mut env = self.proc_env.clone();
        env.extend(f.settings.env.clone());
        f.state = match engine.config(&env, &f.settings.build_flags) {
            Ok((c, _)) => FolderState::Ready(Box::new(c)),
            Err(e) => FolderState::Failed(FolderFailure::BuildSettings(e)),
        };
    }

    /// (Re)loads every folder: configuration, main packages, diagnostics.
    pub fn load_all(&mut self, out: &mut Out) {
        let ids: Vec<FolderId> = self.folders.iter().map(|f| f.id).collect();
        for id in ids {
            self.reload_folder(id, out);
        }
        self.loaded = true;
        let mut files: BTreeSet<PathBuf> = self.published.keys().cloned().collect();
        files.extend(
            self.mains
                .values()
                .flat_map(|m| m.contribs.iter().map(|c| c.file.clone())),
        );
        files.extend(self.docs.keys().cloned());
        files.extend(self.profile_files());
        self.publish_files(files, out);
        // What the first load read of the module cache and GOROOT, for the
        // next session (after the diagnostics, which never wait for it).
        if let Some(engine) = &self.engine {
            let _ = engine.sources.save_index();
        }
        out.lens_changed = true;
    }

    pub(super) fn reload_folder(&mut self, i: FolderId, out: &mut Out) {
        self.reconfigure(i);
        // After the main packages' diagnostics are out (see
        // `mark_profiles_stale`).
        self.mark_profiles_stale(i, true);
        self.mains.retain(|_, m| m.folder != i);
        let Some(folder) = self.folder(i) else { return };
        let cfg = match &folder.state {
            FolderState::Ready(c) => (**c).clone(),
            FolderState::Failed(FolderFailure::BuildSettings(e)) => {
                out.messages.push(format!(
                    "linklens: the build settings of {} are invalid: {e}",
                    folder.path.display()
                ));
                return;
            }
            FolderState::Loading | FolderState::Removed => return,
        };
        let Some(engine) = &self.engine else { return };
        let found = crate::engine::workspace::main_packages(engine, &folder.path, &cfg);
        for (root, e) in found.errors {
            out.logs.push(format!("{}: {e}", root.display()));
        }
        let preds = found.mains;
        for p in preds {
            if self.folder_of(&p.dir) == Some(i) && !self.mains.contains_key(&p.dir) {
                self.insert_main(i, p);
            }
        }
        // Open files in directories not covered by `./...` (e.g. a main
        // package in a folder that is not a module's subtree).
        let open_dirs: Vec<PathBuf> = self
            .docs
            .keys()
            .filter(|p| is_go(p))
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        for d in open_dirs {
            if self.folder_of(&d) == Some(i) && !self.mains.contains_key(&d) {
                self.recompute_main(&d);
            }
        }
    }

    pub(super) fn reload_containing(&mut self, path: &Path, out: &mut Out) {
        let folders: Vec<(FolderId, PathBuf)> = self
            .live_folders()
            .filter(|f| path.starts_with(&f.path) || f.path.starts_with(path))
            .map(|f| (f.id, f.path.clone()))
            .collect();
        let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
        for (i, root) in folders {
            touched.extend(
                self.mains
                    .values()
                    .filter(|m| m.folder == i)
                    .flat_map(|m| m.contribs.iter().map(|c| c.file.clone())),
            );
            touched.extend(
                self.published
                    .keys()
                    .filter(|p| p.starts_with(&root))
                    .cloned(),
            );
            self.reload_folder(i, out);
            touched.extend(
                self.profiles
                    .get(&i)
                    .into_iter()
                    .flat_map(|fp| fp.findings.iter().map(|f| f.file.clone())),
            );
            touched.extend(
                self.mains
                    .values()
                    .filter(|m| m.folder == i)
                    .flat_map(|m| m.contribs.iter().map(|c| c.file.clone())),
            );
        }
        touched.extend(
            self.docs
                .keys()
                .filter(|p| p.starts_with(path.parent().unwrap_or(path)))
                .cloned(),
        );
        out.lens_changed = true;
        self.publish_files(touched, out);
    }

    /// Re-pulled configuration: reconfigure and reload every folder.
    pub fn config_changed(&mut self, out: &mut Out) {
        if let Some(e) = &self.engine {
            // Settings can change CC or tags: nothing derived is reusable.
            e.clear_caches();
        }
        self.load_all(out);
    }
}
