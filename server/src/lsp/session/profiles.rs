//! The folders' build profiles (`lsp::profiles` holds their data).

use super::*;
use crate::buildcfg::Environ;
use crate::engine::findings;
use crate::lsp::profiles::{self as lp, FolderProfiles};
use crate::predict::Verdict;
use crate::profiles::Finding;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::Diagnostic;

impl Session {
    /// Files holding profile findings (any folder).
    pub(super) fn profile_files(&self) -> BTreeSet<PathBuf> {
        self.profiles
            .values()
            .flat_map(|fp| fp.findings.iter().map(|f| f.file.clone()))
            .collect()
    }

    /// The environment profile builds start from: the server's process
    /// environment (a Makefile or Dockerfile build does not see the
    /// editor's `go` settings).
    pub(super) fn profile_env(&self) -> Environ {
        self.proc_env.clone()
    }

    /// Open buffers under `root` other than Go files (build files, scripts).
    pub(super) fn profile_source(&self, root: &Path) -> crate::profiles::Source {
        crate::profiles::Source {
            overlay: self
                .docs
                .iter()
                .filter(|(p, _)| p.starts_with(root) && !is_go(p))
                .map(|(p, d)| (p.clone(), d.text.to_string()))
                .collect(),
        }
    }

    /// Re-predicts folder `i`'s build profiles (re-reading the build files
    /// when `rediscover`, else reusing the last discovery: Go sources
    /// changed). Returns the files whose profile findings may have changed.
    pub(super) fn refresh_profiles(&mut self, i: FolderId, rediscover: bool) -> BTreeSet<PathBuf> {
        // This refresh does what was pending for the folder.
        let rediscover = rediscover | self.stale_profiles.remove(&i).unwrap_or(false);
        let mut touched: BTreeSet<PathBuf> = self
            .profiles
            .get(&i)
            .map(|fp| fp.findings.iter().map(|f| f.file.clone()).collect())
            .unwrap_or_default();
        let Some(folder) = self.folder(i) else {
            return touched;
        };
        if matches!(folder.state, FolderState::Removed) {
            self.profiles.remove(&i);
            return touched;
        }
        let root = folder.path.clone();
        let env = self.profile_env();
        let mut fp = match self.profiles.remove(&i) {
            Some(fp) if !rediscover => fp,
            _ => FolderProfiles::discover(&root, self.profile_source(&root)),
        };
        let Some(engine) = &self.engine else {
            return touched;
        };
        if fp.discovery.profiles.is_empty() && fp.discovery.problems.is_empty() {
            // Nothing to predict: keep the (empty) discovery.
            self.profiles.insert(i, fp);
            return touched;
        }
        fp.predict(engine, &env);
        touched.extend(fp.findings.iter().map(|f| f.file.clone()));
        self.profiles.insert(i, fp);
        touched
    }

    /// Marks folder `i`'s profile predictions stale (`rediscover`: its
    /// build files too). A Go edit's own diagnostics do not wait for them:
    /// each profile is a `check` of the whole module (k9s has three, some
    /// 150 ms here), which would otherwise run on every keystroke.
    pub(super) fn mark_profiles_stale(&mut self, i: FolderId, rediscover: bool) {
        *self.stale_profiles.entry(i).or_insert(false) |= rediscover;
    }

    /// Whether some folder's profile predictions are stale.
    pub fn profiles_pending(&self) -> bool {
        !self.stale_profiles.is_empty()
    }

    /// Re-predicts the stale profiles and publishes what changed (the
    /// server runs this once edits pause).
    pub fn settle_profiles(&mut self, out: &mut Out) {
        let touched = self.refresh_stale();
        if !touched.is_empty() {
            self.publish_files(touched, out);
        }
    }

    fn refresh_stale(&mut self) -> BTreeSet<PathBuf> {
        let stale = std::mem::take(&mut self.stale_profiles);
        let mut touched = BTreeSet::new();
        for (i, rediscover) in stale {
            touched.extend(self.refresh_profiles(i, rediscover));
        }
        touched
    }

    /// Brings stale profiles up to date before a request reads them; what
    /// that changes is published with the next batch the server sends.
    fn profiles_current(&mut self) {
        if self.stale_profiles.is_empty() {
            return;
        }
        let touched = self.refresh_stale();
        let mut held = std::mem::take(&mut self.held);
        self.publish_files(touched, &mut held);
        self.held = held;
    }

    /// Whether a Go change in `dir` can change a profile prediction of
    /// folder `i`: the package is in a profile's graph (or is one of its
    /// main packages), or a profile named no package yet (an error, e.g. a
    /// main package that does not exist yet). Caps the cost of Go edits to
    /// the profiles they concern.
    pub(super) fn profiles_use(&self, i: FolderId, dir: &Path) -> bool {
        let Some(fp) = self.profiles.get(&i) else {
            return false;
        };
        if fp.discovery.profiles.is_empty() {
            return false;
        }
        let ip = self.import_path_of(dir);
        fp.preds.iter().any(|pr| {
            pr.error.is_some()
                || pr.packages.iter().any(|p| {
                    p.dir == dir
                        || ip
                            .as_ref()
                            .is_some_and(|ip| p.import_path == *ip || p.graph.contains(ip))
                })
        })
    }

    /// The profile findings on `file` as diagnostics.
    pub(super) fn profile_diagnostics(&mut self, file: &Path) -> Vec<Diagnostic> {
        let found: Vec<Finding> = self
            .profiles
            .values()
            .flat_map(|fp| fp.findings.iter().filter(|f| f.file == file).cloned())
            .collect();
        if found.is_empty() {
            return Vec::new();
        }
        let Some(text) = self.text_of(file) else {
            return Vec::new();
        };
        let enc = self.caps.encoding;
        found
            .into_iter()
            .map(|f| {
                diag(
                    lp::range(&text, f.span, enc),
                    lp::severity(f.severity),
                    &f.code,
                    f.message,
                    Some(json!({"profile": f.profile})),
                )
            })
            .collect()
    }

    /// A build file changed (buffer, close, or disk): re-reads its folder.
    pub(super) fn build_file_changed(&mut self, path: &Path, out: &mut Out) {
        let Some(i) = self.folder_of(path) else {
            return;
        };
        let mut touched = self.refresh_profiles(i, true);
        touched.insert(path.to_path_buf());
        self.publish_files(touched, out);
    }

    /// Markdown rows for the profiles building `import_path` in folder `i`.
    pub fn profile_hover(&mut self, i: FolderId, import_path: &str) -> Vec<String> {
        self.profiles_current();
        self.profiles
            .get(&i)
            .map(|fp| fp.hover_rows(import_path))
            .unwrap_or_default()
    }

    /// The profile findings of `path` overlapping bytes `start..=end`.
    pub fn profile_findings_at(&mut self, path: &Path, start: usize, end: usize) -> Vec<Finding> {
        self.profiles_current();
        self.profiles
            .values()
            .flat_map(|fp| {
                fp.findings
                    .iter()
                    .filter(|f| f.file == path && f.span.start <= end && start <= f.span.end)
            })
            .cloned()
            .collect()
    }

    /// The "create a Makefile" edit for folder `i`, when it has no build
    /// definition at all.
    pub fn create_makefile_edit(&mut self, i: FolderId) -> Option<crate::profiles::Edit> {
        self.profiles_current();
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&i)) else {
            return None;
        };
        fp.create_makefile(engine, &env)
    }

    /// Checked edits for a profile of the folder holding `path`.
    pub fn profile_edits(&mut self, path: &Path, id: &str) -> Vec<crate::profiles::Edit> {
        self.profiles_current();
        let Some(i) = self.folder_of(path) else {
            return Vec::new();
        };
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&i)) else {
            return Vec::new();
        };
        fp.edits_for(engine, &env, id)
    }

    /// The project's own builds (not the editor's default) that build the
    /// main package in `main_dir` and do not link it statically, each with
    /// its checked edits that make it static: where a Go file's fix belongs.
    pub fn profile_fixes_for_main(
        &mut self,
        folder: FolderId,
        main_dir: &Path,
    ) -> Vec<(crate::profiles::Profile, crate::profiles::Edit)> {
        self.profiles_current();
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&folder)) else {
            return Vec::new();
        };
        let builds: Vec<(crate::profiles::Profile, String)> = fp
            .discovery
            .profiles
            .iter()
            .zip(&fp.preds)
            .filter(|(p, pr)| {
                p.file.is_some()
                    && pr
                        .packages
                        .iter()
                        .any(|k| k.dir == main_dir && k.link.result != Verdict::Static)
            })
            .map(|(p, pr)| {
                let import_path = pr
                    .packages
                    .iter()
                    .find(|k| k.dir == main_dir)
                    .map(|k| k.import_path.clone())
                    .unwrap_or_default();
                (p.clone(), import_path)
            })
            .collect();
        let mut out = Vec::new();
        for (p, import_path) in builds {
            for e in fp.edits_for(engine, &env, &p.id) {
                let makes_static = e
                    .result
                    .iter()
                    .any(|(pkg, l)| *pkg == import_path && l.result == Verdict::Static);
                if makes_static {
                    out.push((p.clone(), e));
                }
            }
        }
        out
    }

    /// The project's own builds of the main package in `main_dir` whose
    /// glibc floor is above `min`, each with its checked edit that lowers
    /// it (`zig-glibc`): where the `glibc-too-new` fix belongs.
    pub fn profile_glibc_fixes_for_main(
        &mut self,
        folder: FolderId,
        main_dir: &Path,
        min: &[u32],
    ) -> Vec<(crate::profiles::Profile, crate::profiles::Edit)> {
        self.profiles_current();
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&folder)) else {
            return Vec::new();
        };
        let builds: Vec<crate::profiles::Profile> = fp
            .discovery
            .profiles
            .iter()
            .zip(&fp.preds)
            .filter(|(p, pr)| {
                p.file.is_some()
                    && pr.packages.iter().any(|k| {
                        k.dir == main_dir && crate::predict::glibc::too_new(k, min).is_some()
                    })
            })
            .map(|(p, _)| p.clone())
            .collect();
        builds
            .into_iter()
            .filter_map(|p| {
                let e = fp.glibc_edit_for(engine, &env, &p.id, min)?;
                Some((p, e))
            })
            .collect()
    }

    /// The `zig-glibc` edit of profile `id` in the folder holding `path`,
    /// against the folder's `linklens.minGlibc`.
    pub fn profile_glibc_edit(&mut self, path: &Path, id: &str) -> Option<crate::profiles::Edit> {
        self.profiles_current();
        let i = self.folder_of(path)?;
        let min = self.folder(i)?.settings.min_glibc?;
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&i)) else {
            return None;
        };
        fp.glibc_edit_for(engine, &env, id, &min)
    }

    /// The suppression quick fixes for a diagnostic at `at` in `path` on
    /// main package `main_dir`: `//linklens:ignore` at the end of the
    /// import's line (for a chain hop), and `//linklens:expect dynamic`
    /// above the main package's clause. Each as (title, file, offset, text).
    pub fn suppression_edits(
        &mut self,
        path: &Path,
        at: usize,
        code: &str,
        main_dir: &Path,
    ) -> Vec<(String, PathBuf, usize, String)> {
        let mut out = Vec::new();
        let Some(text) = self.text_of(path) else {
            return out;
        };
        if code == "cgo-dynamic-import" {
            let eol = text[at.min(text.len())..]
                .find('\n')
                .map_or(text.len(), |i| at + i);
            let eol = if text[..eol].ends_with('\r') {
                eol - 1
            } else {
                eol
            };
            out.push((
                "Acknowledge this import: add //linklens:ignore with a reason".to_string(),
                path.to_path_buf(),
                eol,
                " //linklens:ignore dynamic linking is intended here".to_string(),
            ));
        }
        let cx = FindingContext {
            state: self,
            folder: self.folder_of(main_dir),
            dir: main_dir,
        };
        if let Some(loc) = findings::Context::main_clause(&cx, main_dir) {
            let Some(main_text) = self.text_of(&loc.file) else {
                return out;
            };
            // The clause's line start (`package` is first on its line).
            let line_start = main_text[..loc.span.start.min(main_text.len())]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            out.push((
                "Mark this main package as meant to be dynamic: add //linklens:expect dynamic"
                    .to_string(),
                loc.file,
                line_start,
                "//linklens:expect dynamic\n".to_string(),
            ));
        }
        out
    }
}
