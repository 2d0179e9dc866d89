//! Main packages: predicting and re-predicting them, their last builds,
//! and the queries hover, code lens and status ask about them.

use super::*;
use crate::buildcfg::Config;
use crate::engine::binaries::{self, Probe};
use crate::engine::lastbuild::LastBuild;
use crate::gosrc::Span;
use crate::lsp::render;
use crate::predict::Prediction;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

impl Session {
    pub(super) fn insert_main(&mut self, folder: FolderId, pred: Prediction) {
        let last = self.last_build(folder, &pred);
        let contribs = self.contribs(folder, &pred, last.as_ref());
        self.mains.insert(
            pred.dir.clone(),
            MainEntry {
                folder,
                pred,
                contribs,
                last,
            },
        );
    }

    /// The folder's last build of `pred`'s package (see `engine::lastbuild`).
    pub(super) fn last_build(&self, folder: FolderId, pred: &Prediction) -> Option<LastBuild> {
        let f = self.folder(folder)?;
        let mut base = self.proc_env.clone();
        base.extend(f.settings.env.clone());
        crate::engine::lastbuild::find(self.engine.as_ref()?, &self.binaries, &f.path, &base, pred)
    }

    /// Binaries appeared, changed or disappeared: re-evaluates the last
    /// build of the main packages they concern. Returns the paths of known
    /// binaries that are gone (not directories to reload).
    pub fn binaries_changed(&mut self, probes: Vec<Probe>, out: &mut Out) -> HashSet<PathBuf> {
        let mut gone = HashSet::new();
        let mut concerned: HashSet<String> = HashSet::new();
        for (p, bin) in probes {
            let old = match bin {
                Some(b) if self.folder_of(&p).is_some() => {
                    if !self.binaries.contains_key(&p)
                        && self.binaries.len() >= binaries::MAX_TRACKED
                    {
                        continue;
                    }
                    concerned.extend(b.info.go.as_ref().map(|g| g.path.clone()));
                    self.binaries.insert(p, b)
                }
                _ => {
                    // A deleted directory may be all a client reports
                    // (VS Code coalesces): forget the binaries below it.
                    if !p.exists() {
                        let below: Vec<PathBuf> = self
                            .binaries
                            .keys()
                            .filter(|b| b.starts_with(&p) && **b != p)
                            .cloned()
                            .collect();
                        for b in below {
                            concerned.extend(
                                self.binaries
                                    .remove(&b)
                                    .and_then(|o| o.info.go.as_ref().map(|g| g.path.clone())),
                            );
                        }
                    }
                    let old = self.binaries.remove(&p);
                    if old.is_some() {
                        gone.insert(p);
                    }
                    old
                }
            };
            concerned.extend(old.and_then(|o| o.info.go.as_ref().map(|g| g.path.clone())));
        }
        if !self.loaded || concerned.is_empty() {
            return gone;
        }
        let dirs: Vec<PathBuf> = self
            .mains
            .iter()
            .filter(|(_, m)| concerned.contains(&m.pred.import_path))
            .map(|(d, _)| d.clone())
            .collect();
        let mut touched = BTreeSet::new();
        for d in dirs {
            let Some(m) = self.mains.get(&d) else {
                continue;
            };
            let (folder, pred) = (m.folder, m.pred.clone());
            let last = self.last_build(folder, &pred);
            let contribs = self.contribs(folder, &pred, last.as_ref());
            if let Some(m) = self.mains.get_mut(&d) {
                touched.extend(m.contribs.iter().map(|c| c.file.clone()));
                touched.extend(contribs.iter().map(|c| c.file.clone()));
                m.contribs = contribs;
                m.last = last;
            }
            out.lens_changed = true;
        }
        self.publish_files(touched, out);
        gone
    }

    /// Re-predicts `dir` as a main package. Returns the files whose
    /// diagnostics may have changed.
    pub(super) fn recompute_main(&mut self, dir: &Path) -> BTreeSet<PathBuf> {
        self.recompute_mains(&[dir.to_path_buf()], None)
    }

    /// Re-predicts main packages (in parallel: an edit deep in the graph
    /// touches many). Returns the files whose diagnostics may have changed.
    /// `changed`: the one directory invalidated since the last prediction
    /// (an edit), whose old graphs can then be repaired.
    pub(super) fn recompute_mains(
        &mut self,
        dirs: &[PathBuf],
        changed: Option<&Path>,
    ) -> BTreeSet<PathBuf> {
        let mut touched = BTreeSet::new();
        let mut jobs: Vec<(FolderId, &Path)> = Vec::new();
        // What each main contributed before: files whose contributions come
        // out the same need no new diagnostics (an import edit deep in the
        // graph re-predicts many mains and usually changes none of them).
        let mut before: HashMap<&Path, Vec<Contrib>> = HashMap::new();
        let mut graphs: HashMap<&Path, Arc<crate::load::Graph>> = HashMap::new();
        for dir in dirs {
            if let Some(old) = self.mains.remove(dir) {
                before.insert(dir, old.contribs);
                let mut pred = old.pred;
                graphs.insert(dir, std::mem::take(&mut pred.graph));
                self.retired.push(pred);
            }
            let Some(fi) = self.folder_of(dir) else {
                continue;
            };
            if !dir.is_dir() && !self.docs.keys().any(|p| p.parent() == Some(dir.as_path())) {
                continue;
            }
            jobs.push((fi, dir));
        }
        let Some(engine) = &self.engine else {
            return touched;
        };
        let runnable: Vec<(FolderId, (&Config, &Path))> = jobs
            .iter()
            .filter_map(|(fi, dir)| Some((*fi, (self.folder(*fi)?.state.config()?, *dir))))
            .collect();
        let results = match changed {
            Some(changed) => {
                let args: Vec<_> = runnable
                    .iter()
                    .map(|(_, (cfg, dir))| (*cfg, *dir, std::sync::Mutex::new(graphs.remove(dir))))
                    .collect();
                drop(graphs);
                engine.repredict_dirs(&args, changed)
            }
            None => {
                let args: Vec<(&Config, &Path)> = runnable.iter().map(|(_, a)| *a).collect();
                engine.predict_dirs(&args)
            }
        };
        let done: Vec<(FolderId, Prediction)> = runnable
            .iter()
            .zip(results)
            .filter_map(|((fi, _), r)| Some((*fi, r.ok()??)))
            .collect();
        for (fi, pred) in done {
            let dir = pred.dir.clone();
            self.insert_main(fi, pred);
            let old = before.remove(dir.as_path()).unwrap_or_default();
            if let Some(m) = self.mains.get(&dir)
                && m.contribs != old
            {
                touched.extend(m.contribs.iter().map(|c| c.file.clone()));
                touched.extend(old.into_iter().map(|c| c.file));
            }
        }
        // Mains no longer predicted: their diagnostics go.
        for old in before.into_values() {
            touched.extend(old.into_iter().map(|c| c.file));
        }
        touched
    }

    /// What the code lenses of these main packages show (verdict and last
    /// build), to tell whether a change needs a lens refresh.
    pub(super) fn lens_snapshot(&self, mains: &[PathBuf]) -> Vec<LensShown> {
        mains
            .iter()
            .filter_map(|d| self.mains.get(d))
            .map(|m| {
                (
                    render::lens_title(&m.pred),
                    m.last.as_ref().map(|l| (l.bin.clone(), l.diffs.clone())),
                )
            })
            .collect()
    }

    /// The import path of the package in `dir`, if it is in a module.
    pub fn import_path_of(&self, dir: &Path) -> Option<String> {
        let fi = self.folder_of(dir)?;
        let cfg = self.folder(fi)?.state.config()?;
        self.engine
            .as_ref()?
            .resolver(dir, cfg)
            .ok()?
            .import_path_for_dir(dir)
    }

    /// Main packages whose graph holds the package in `dir`.
    pub fn mains_using(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .mains
            .contains_key(dir)
            .then(|| dir.to_path_buf())
            .into_iter()
            .collect();
        if let Some(ip) = self.import_path_of(dir) {
            out.extend(
                self.mains
                    .iter()
                    .filter(|(d, m)| d.as_path() != dir && m.pred.graph.contains(&ip))
                    .map(|(d, _)| d.clone()),
            );
        }
        out
    }

    /// The main packages concerned by the syntax at `offset` in `path`, the
    /// package to focus the explanation on, and the span hovered.
    pub fn mains_at(
        &mut self,
        path: &Path,
        offset: usize,
    ) -> Option<(Vec<PathBuf>, Option<String>, Span)> {
        let dir = path.parent()?.to_path_buf();
        if path.file_name().is_some_and(|n| n == "go.mod") {
            let text = self.text_of(path)?;
            let gm = crate::modules::parse_go_mod(&text);
            let req = gm
                .requires
                .iter()
                .find(|r| r.span.start <= offset && offset <= r.span.end)?;
            let mains: Vec<PathBuf> = self
                .mains
                .iter()
                .filter(|(_, m)| {
                    m.pred
                        .cgo_packages
                        .iter()
                        .any(|c| c.module.as_deref() == Some(req.path.as_str()))
                })
                .map(|(d, _)| d.clone())
                .collect();
            return (!mains.is_empty()).then(|| (mains, Some(req.path.clone()), req.span));
        }
        if !is_go(path) {
            return None;
        }
        let header = self.engine.as_ref()?.sources.exact_header(path).ok()?;
        let inside = |s: &Span| s.start <= offset && offset <= s.end;
        if let Some(c) = header.import_c.as_ref().filter(|c| inside(&c.span)) {
            let mains: Vec<PathBuf> = self
                .mains
                .iter()
                .filter(|(_, m)| {
                    m.pred
                        .cgo_packages
                        .iter()
                        .any(|cp| cp.files.iter().any(|f| f.file == path))
                })
                .map(|(d, _)| d.clone())
                .collect();
            let own = self.import_path_of(&dir);
            let mains = if mains.is_empty() {
                self.mains_using(&dir)
            } else {
                mains
            };
            return (!mains.is_empty()).then_some((mains, own, c.span));
        }
        if let Some(spec) = header.imports.iter().find(|s| inside(&s.span)) {
            let through: Vec<PathBuf> = self
                .mains
                .iter()
                .filter(|(_, m)| {
                    m.pred.cgo_packages.iter().any(|cp| {
                        cp.chain_imports
                            .iter()
                            .any(|l| l.file == path && l.span == spec.span)
                    })
                })
                .map(|(d, _)| d.clone())
                .collect();
            let mains = if through.is_empty() {
                self.mains_using(&dir)
            } else {
                through
            };
            return (!mains.is_empty()).then(|| (mains, Some(spec.path.clone()), spec.span));
        }
        if let Some(clause) = header.package_clause.filter(inside) {
            let mains = self.mains_using(&dir);
            return (!mains.is_empty()).then_some((mains, None, clause));
        }
        None
    }

    /// Markdown explanation for the mains (first three).
    pub fn explain(&self, mains: &[PathBuf], focus: Option<&str>) -> String {
        let Some(engine) = &self.engine else {
            return String::new();
        };
        let mut parts = Vec::new();
        for d in mains.iter().take(3) {
            let Some(m) = self.mains.get(d) else { continue };
            let Some(f) = self.folder(m.folder) else {
                continue;
            };
            if let Some(cfg) = f.state.config() {
                parts.push(render::explain(
                    engine,
                    cfg,
                    &f.settings,
                    &m.pred,
                    m.last.as_ref(),
                    focus,
                ));
            }
        }
        if mains.len() > 3 {
            parts.push(format!("…and {} more main packages.", mains.len() - 3));
        }
        parts.join("\n---\n")
    }
}
