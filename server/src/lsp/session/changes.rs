//! Edits and file events: what each changes, and what is re-predicted.

use super::*;
use crate::engine::workspace::module_or_workspace_dir;
use crate::gosrc::{FileHeader, Span, scan_header};
use crate::lsp::profiles::{self as lp};
use crate::predict::Location;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::Uri;

impl Session {
    /// A Go file changed (buffer or disk): re-predicts what it touches.
    pub(super) fn go_file_changed(&mut self, path: &Path, out: &mut Out) {
        let Some(dir) = path.parent().map(Path::to_path_buf) else {
            return;
        };
        self.forget_texts(path);
        if let Some(e) = &self.engine {
            e.invalidate(path);
        }
        let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
        let mut affected = self.mains_using(&dir);
        if !affected.contains(&dir) {
            affected.push(dir.clone());
        }
        let lens_before = self.lens_snapshot(&affected);
        touched.extend(self.recompute_mains(&affected, Some(&dir)));
        let lens_after = self.lens_snapshot(&affected);
        out.lens_changed |= lens_before != lens_after;
        // Profiles build the same sources: re-predicted (same discovery)
        // once edits pause, or before a request reads them.
        if let Some(i) = self.folder_of(&dir)
            && self.profiles_use(i, &dir)
        {
            self.mark_profiles_stale(i, false);
        }
        touched.insert(path.to_path_buf());
        self.publish_files(touched, out);
    }

    pub fn did_open(&mut self, uri: Uri, version: i32, text: String, out: &mut Out) {
        let Some(path) = uri_path(&uri) else { return };
        self.folder_for(&path);
        self.docs.insert(
            path.clone(),
            Doc {
                uri,
                version,
                text: Arc::from(text),
            },
        );
        self.buffer_changed(&path, out);
    }

    /// Full-text change; stale versions (≤ the current one) are ignored.
    pub fn did_change(&mut self, uri: &Uri, version: i32, text: String, out: &mut Out) {
        let Some(path) = uri_path(uri) else { return };
        let Some(doc) = self.docs.get_mut(&path) else {
            return;
        };
        if version <= doc.version {
            return;
        }
        doc.version = version;
        let old = std::mem::replace(&mut doc.text, Arc::from(text));
        if is_go(&path) && self.loaded && self.engine.is_some() {
            let new = self.docs[&path].text.clone();
            let (oh, nh) = (scan_header(old.as_bytes()), scan_header(new.as_bytes()));
            if shape(&oh) == shape(&nh) {
                // Same imports, constraints and package: no prediction can
                // change. Only byte spans may have moved (lines inserted
                // above the imports): remap them instead of re-predicting.
                self.spans_moved(&path, &oh, &nh, out);
                return;
            }
        }
        self.buffer_changed(&path, out);
    }

    /// An edit that kept the header's meaning: refresh the overlay, move the
    /// spans recorded for this file, republish what mentions it.
    pub(super) fn spans_moved(
        &mut self,
        path: &Path,
        old: &FileHeader,
        new: &FileHeader,
        out: &mut Out,
    ) {
        if let (Some(e), Some(d)) = (&self.engine, self.docs.get(path)) {
            e.sources
                .set_overlay(path.to_path_buf(), Arc::new(d.text.as_bytes().to_vec()));
            // Cached packages hold the old spans; reloading one dir is cheap.
            // With an identical header they stay valid as they are.
            if old != new {
                e.invalidate(path);
            }
        }
        let mut touched = BTreeSet::from([path.to_path_buf()]);
        if old != new {
            let map: HashMap<Span, Span> = header_spans(old)
                .into_iter()
                .zip(header_spans(new))
                .collect();
            let mv = |l: &mut Location| -> bool {
                if l.file == path
                    && let Some(n) = map.get(&l.span)
                    && *n != l.span
                {
                    l.span = *n;
                    return true;
                }
                false
            };
            let dirs: Vec<PathBuf> = self.mains.keys().cloned().collect();
            for d in dirs {
                let Some(m) = self.mains.get_mut(&d) else {
                    continue;
                };
                let mut moved = false;
                for cp in &mut m.pred.cgo_packages {
                    for l in cp.chain_imports.iter_mut().chain(cp.files.iter_mut()) {
                        moved |= mv(l);
                    }
                }
                if let Some(l) = &mut m.pred.error_location {
                    moved |= mv(l);
                }
                // Contributions on the package clause (caveats, last build)
                // are not prediction locations but move too.
                moved |= m
                    .contribs
                    .iter()
                    .any(|c| c.file == path && map.get(&c.span).is_some_and(|n| *n != c.span));
                if !moved {
                    continue;
                }
                let folder = m.folder;
                let pred = m.pred.clone();
                let last = m.last.clone();
                let contribs = self.contribs(folder, &pred, last.as_ref());
                if let Some(m) = self.mains.get_mut(&d) {
                    touched.extend(m.contribs.iter().map(|c| c.file.clone()));
                    m.contribs = contribs;
                    touched.extend(m.contribs.iter().map(|c| c.file.clone()));
                }
            }
        }
        self.publish_files(touched, out);
    }

    pub fn did_close(&mut self, uri: &Uri, out: &mut Out) {
        let Some(path) = uri_path(uri) else { return };
        if self.docs.remove(&path).is_none() {
            return;
        }
        self.outside.remove(&path);
        if let Some(e) = &self.engine {
            e.sources.remove_overlay(&path);
        }
        if is_go(&path) && self.loaded {
            self.go_file_changed(&path, out);
        } else if lp::is_profile_input(&path) && self.loaded {
            self.build_file_changed(&path, out);
        }
    }

    pub(super) fn buffer_changed(&mut self, path: &Path, out: &mut Out) {
        if !is_go(path) {
            if path.ends_with(".vscode/settings.json") && self.loaded {
                self.reload_containing(path, out);
            } else if lp::is_profile_input(path) && self.loaded {
                self.build_file_changed(path, out);
            }
            return;
        }
        let text = self.docs.get(path).map(|d| d.text.clone());
        if let (Some(e), Some(t)) = (&self.engine, text) {
            e.sources
                .set_overlay(path.to_path_buf(), Arc::new(t.as_bytes().to_vec()));
        }
        let outside = path
            .parent()
            .is_none_or(|d| module_or_workspace_dir(d).is_none());
        if outside {
            self.outside.insert(path.to_path_buf());
        } else {
            self.outside.remove(path);
        }
        if !self.loaded {
            return;
        }
        self.go_file_changed(path, out);
    }

    /// Files changed on disk (client watcher or our own).
    pub fn files_changed(&mut self, paths: &[PathBuf], out: &mut Out) {
        if !self.loaded {
            return;
        }
        let mut reload: Vec<PathBuf> = Vec::new();
        let mut profile_inputs: Vec<PathBuf> = Vec::new();
        for p in paths {
            self.forget_texts(p);
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let config = matches!(
                name,
                "go.mod" | "go.sum" | "go.work" | "go.work.sum" | "modules.txt" | "settings.json"
            );
            if config || !is_go(p) && !p.is_file() {
                // Module layout, settings, or a whole directory changed.
                if let Some(e) = &self.engine {
                    e.invalidate(p);
                }
                reload.push(p.clone());
            } else if is_go(p) {
                if self.docs.contains_key(p) && p.exists() {
                    continue; // the buffer wins over the disk
                }
                self.go_file_changed(p, out);
            } else if lp::is_profile_input(p) && !self.docs.contains_key(p) {
                profile_inputs.push(p.clone());
            }
        }
        // One re-discovery per folder, however many build files changed.
        let mut folders: BTreeMap<FolderId, Vec<PathBuf>> = BTreeMap::new();
        for p in profile_inputs {
            if let Some(i) = self.folder_of(&p) {
                folders.entry(i).or_default().push(p);
            }
        }
        for (i, files) in folders {
            let mut touched = self.refresh_profiles(i, true);
            touched.extend(files);
            self.publish_files(touched, out);
        }
        reload.sort();
        reload.dedup();
        for p in reload {
            self.reload_containing(&p, out);
        }
    }
}

/// The header with every span zeroed: all that predictions depend on.
fn shape(h: &FileHeader) -> FileHeader {
    let z = Span::default();
    let mut h = h.clone();
    if let Some((_, s)) = &mut h.package {
        *s = z;
    }
    h.package_clause = h.package_clause.map(|_| z);
    if let Some((_, s)) = &mut h.go_build {
        *s = z;
    }
    h.plus_build.iter_mut().for_each(|(_, s)| *s = z);
    for i in &mut h.imports {
        (i.span, i.path_span) = (z, z);
    }
    if let Some(c) = &mut h.import_c {
        c.span = z;
        c.directives.iter_mut().for_each(|d| d.span = z);
    }
    h.errors.iter_mut().for_each(|e| e.span = z);
    h
}

/// Every span of a header, in a fixed order (pairs up between two headers
/// of the same shape).
fn header_spans(h: &FileHeader) -> Vec<Span> {
    let mut v = Vec::new();
    v.extend(h.package.as_ref().map(|(_, s)| *s));
    v.extend(h.package_clause);
    for i in &h.imports {
        v.extend([i.span, i.path_span]);
    }
    if let Some(c) = &h.import_c {
        v.push(c.span);
        v.extend(c.directives.iter().map(|d| d.span));
    }
    v.extend(h.errors.iter().map(|e| e.span));
    v
}
