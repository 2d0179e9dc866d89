//! The server's state and every change to it, as plain synchronous code: the
//! protocol layer (mod.rs) holds it behind one mutex, so changes are
//! serialized, and turns the returned `Out` into notifications.
//!
//! Incrementality: each main package keeps its prediction and the
//! diagnostics it contributes. An edit invalidates the edited directory in
//! the engine, re-predicts only the main packages whose import graph holds
//! that package (or the package itself when it is a main), and republishes
//! only files whose diagnostics came from, or now come from, those mains.

use super::binaries::{self, Bin, Probe};
use super::position::{Encoding, LineIndex};
use super::profiles::{self as lp, FolderProfiles};
use super::render;
use super::settings::{Expect, Layers, Settings, parse_jsonc};
use crate::buildcfg::{Config, Environ, Toolchain};
use crate::engine::{Engine, findings};
use crate::gosrc::{FileHeader, Span, scan_header};
use crate::predict::{Location, Prediction, Verdict};
use crate::profiles::Finding;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString,
    Range, Uri,
};

pub use crate::report::DOCS_BASE;
pub const SOURCE: &str = "linklens";

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

pub struct Doc {
    pub uri: Uri,
    pub version: i32,
    pub text: Arc<str>,
}

pub struct Folder {
    pub uri: Uri,
    pub path: PathBuf,
    pub layers: Layers,
    pub settings: Settings,
    pub cfg: Result<Config, String>,
}

/// One diagnostic a main package contributes to a file.
#[derive(Debug, Clone, PartialEq)]
struct Contrib {
    file: PathBuf,
    span: Span,
    code: String,
    severity: DiagnosticSeverity,
    message: String,
    related: Vec<(Location, String)>,
}

pub struct MainEntry {
    pub folder: usize,
    pub pred: Prediction,
    contribs: Vec<Contrib>,
    pub last: Option<LastBuild>,
}

/// A main package's lens as shown: verdict title, and last build with its
/// contradictions.
type LensShown = (String, Option<(PathBuf, Vec<String>)>);

/// The newest workspace binary built from a main package, held against the
/// prediction for the settings it records.
#[derive(Debug, Clone)]
pub struct LastBuild {
    pub bin: PathBuf,
    /// Workspace-relative path, for messages.
    pub shown: String,
    pub info: Arc<Bin>,
    /// How the prediction with the binary's settings differs from it.
    pub diffs: Vec<String>,
    /// Go files of the package are newer than the binary.
    pub sources_newer: bool,
}

/// Notifications for the protocol layer to send.
#[derive(Default)]
pub struct Out {
    pub publish: Vec<(Uri, Vec<Diagnostic>, Option<i32>)>,
    pub logs: Vec<String>,
    pub messages: Vec<String>,
    pub lens_changed: bool,
}

#[derive(Default)]
pub struct State {
    pub caps: Caps,
    pub folders: Vec<Folder>,
    pub init_options: Option<Value>,
    pub proc_env: Environ,
    engine: Option<Engine>,
    engine_run_go: bool,
    pub docs: HashMap<PathBuf, Doc>,
    pub mains: BTreeMap<PathBuf, MainEntry>,
    published: HashMap<PathBuf, Vec<Diagnostic>>,
    /// Open Go files that are in no module.
    outside: HashSet<PathBuf>,
    /// Texts of files not open in the editor, with their line starts, read
    /// once and dropped when the file changes (watchers tell us, as they
    /// tell the engine's caches).
    texts: HashMap<PathBuf, (Arc<str>, Arc<[usize]>)>,
    /// Go binaries found in the folders, by path.
    pub binaries: BTreeMap<PathBuf, Arc<Bin>>,
    /// Build profiles per folder index.
    pub profiles: HashMap<usize, FolderProfiles>,
    pub loaded: bool,
    /// Predictions replaced by newer ones, freed once the answer is sent
    /// (`drop_retired`): freeing a 2,000-package graph is thousands of
    /// reference counts the editor need not wait for.
    retired: Vec<Prediction>,
}

pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    super::fileuri::uri_path(uri)
}

pub fn path_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

pub fn module_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("go.mod").is_file() || d.join("go.work").is_file())
        .map(Path::to_path_buf)
}

fn is_go(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "go")
}

impl State {
    pub fn new(proc_env: Environ) -> State {
        State {
            proc_env,
            ..Default::default()
        }
    }

    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    pub fn add_folder(&mut self, uri: Uri) -> Option<usize> {
        let path = uri_path(&uri)?;
        if let Some(i) = self.folders.iter().position(|f| f.path == path) {
            return Some(i);
        }
        let layers = Layers {
            init_options: self.init_options.clone(),
            ..Default::default()
        };
        self.folders.push(Folder {
            uri,
            path,
            settings: layers.resolve(),
            layers,
            cfg: Err("not configured yet".into()),
        });
        Some(self.folders.len() - 1)
    }

    /// The folder holding `path` (the innermost one); a file outside every
    /// folder gets an implicit folder at its module root.
    pub fn folder_for(&mut self, path: &Path) -> Option<usize> {
        let best = self
            .folders
            .iter()
            .enumerate()
            .filter(|(_, f)| path.starts_with(&f.path))
            .max_by_key(|(_, f)| f.path.as_os_str().len())
            .map(|(i, _)| i);
        if best.is_some() {
            return best;
        }
        let dir = path.parent()?;
        let root = module_root(dir).unwrap_or_else(|| dir.to_path_buf());
        let i = self.add_folder(path_uri(&root)?)?;
        self.reconfigure(i);
        Some(i)
    }

    fn folder_index_of(&self, path: &Path) -> Option<usize> {
        self.folders
            .iter()
            .enumerate()
            .filter(|(_, f)| path.starts_with(&f.path))
            .max_by_key(|(_, f)| f.path.as_os_str().len())
            .map(|(i, _)| i)
    }

    /// Reads the folder's `.vscode/settings.json` into its layers.
    fn read_vscode_file(&mut self, i: usize) {
        let p = self.folders[i].path.join(".vscode/settings.json");
        let text = self
            .docs
            .get(&p)
            .map(|d| d.text.to_string())
            .or_else(|| crate::regular::read_to_string(&p).ok());
        self.folders[i].layers.vscode_file = text.and_then(|t| parse_jsonc(&t).ok());
    }

    /// Sets the client's configuration answers for folder `i`.
    pub fn set_client_config(
        &mut self,
        i: usize,
        linklens: Option<Value>,
        gopls: Option<Value>,
        go: Option<Value>,
    ) {
        if let Some(f) = self.folders.get_mut(i) {
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
            .folders
            .iter()
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
    fn reconfigure(&mut self, i: usize) {
        self.read_vscode_file(i);
        let f = &mut self.folders[i];
        f.layers.init_options = self.init_options.clone();
        f.settings = f.layers.resolve();
        self.apply_log_level();
        let run_go = self.folders.iter().all(|f| f.settings.run_go);
        if self.engine.is_none() || self.engine_run_go != run_go {
            let tc = if run_go {
                Toolchain::discover(&self.proc_env)
            } else {
                crate::buildcfg::Toolchain::discover_with(&self.proc_env, false)
            };
            let engine = Engine::new(tc);
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
        let f = &mut self.folders[i];
        let mut env = self.proc_env.clone();
        env.extend(f.settings.env.clone());
        f.cfg = engine.config(&env, &f.settings.build_flags).map(|(c, _)| c);
    }

    /// (Re)loads every folder: configuration, main packages, diagnostics.
    pub fn load_all(&mut self, out: &mut Out) {
        for i in 0..self.folders.len() {
            self.reload_folder(i, out);
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
        out.lens_changed = true;
    }

    // ---- build profiles ----------------------------------------------

    /// Files holding profile findings (any folder).
    fn profile_files(&self) -> BTreeSet<PathBuf> {
        self.profiles
            .values()
            .flat_map(|fp| fp.findings.iter().map(|f| f.file.clone()))
            .collect()
    }

    /// The environment profile builds start from: the server's process
    /// environment (a Makefile or Dockerfile build does not see the
    /// editor's `go` settings).
    fn profile_env(&self) -> Environ {
        self.proc_env.clone()
    }

    /// Open buffers under `root` other than Go files (build files, scripts).
    fn profile_source(&self, root: &Path) -> crate::profiles::Source {
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
    fn refresh_profiles(&mut self, i: usize, rediscover: bool) -> BTreeSet<PathBuf> {
        let mut touched: BTreeSet<PathBuf> = self
            .profiles
            .get(&i)
            .map(|fp| fp.findings.iter().map(|f| f.file.clone()).collect())
            .unwrap_or_default();
        let Some(folder) = self.folders.get(i) else {
            return touched;
        };
        if folder.cfg.as_ref().is_err_and(|e| e == "folder removed") {
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

    /// Whether a Go change in `dir` can change a profile prediction of
    /// folder `i`: the package is in a profile's graph (or is one of its
    /// main packages), or a profile named no package yet (an error, e.g. a
    /// main package that does not exist yet). Caps the cost of Go edits to
    /// the profiles they concern.
    fn profiles_use(&self, i: usize, dir: &Path) -> bool {
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
    fn profile_diagnostics(&mut self, file: &Path) -> Vec<Diagnostic> {
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
    fn build_file_changed(&mut self, path: &Path, out: &mut Out) {
        let Some(i) = self.folder_index_of(path) else {
            return;
        };
        let mut touched = self.refresh_profiles(i, true);
        touched.insert(path.to_path_buf());
        self.publish_files(touched, out);
    }

    /// Markdown rows for the profiles building `import_path` in folder `i`.
    pub fn profile_hover(&self, i: usize, import_path: &str) -> Vec<String> {
        self.profiles
            .get(&i)
            .map(|fp| fp.hover_rows(import_path))
            .unwrap_or_default()
    }

    /// The profile findings of `path` overlapping bytes `start..=end`.
    pub fn profile_findings_at(&self, path: &Path, start: usize, end: usize) -> Vec<Finding> {
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
    pub fn create_makefile_edit(&mut self, i: usize) -> Option<crate::profiles::Edit> {
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&i)) else {
            return None;
        };
        fp.create_makefile(engine, &env)
    }

    /// Checked edits for a profile of the folder holding `path`.
    pub fn profile_edits(&mut self, path: &Path, id: &str) -> Vec<crate::profiles::Edit> {
        let Some(i) = self.folder_index_of(path) else {
            return Vec::new();
        };
        let env = self.profile_env();
        let (Some(engine), Some(fp)) = (&self.engine, self.profiles.get_mut(&i)) else {
            return Vec::new();
        };
        fp.edits_for(engine, &env, id)
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
            folder: 0,
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

    /// A position of `offset` in `path` in the negotiated encoding.
    pub fn position_at(
        &mut self,
        path: &Path,
        offset: usize,
    ) -> Option<tower_lsp_server::ls_types::Position> {
        let text = self.text_of(path)?;
        Some(LineIndex::new(&text).position(offset, self.caps.encoding))
    }

    /// The project's own builds (not the editor's default) that build the
    /// main package in `main_dir` and do not link it statically, each with
    /// its checked edits that make it static: where a Go file's fix belongs.
    pub fn profile_fixes_for_main(
        &mut self,
        folder: usize,
        main_dir: &Path,
    ) -> Vec<(crate::profiles::Profile, crate::profiles::Edit)> {
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

    fn reload_folder(&mut self, i: usize, out: &mut Out) {
        self.reconfigure(i);
        self.refresh_profiles(i, true);
        self.mains.retain(|_, m| m.folder != i);
        let folder = &self.folders[i];
        let cfg = match &folder.cfg {
            Ok(c) => c.clone(),
            Err(e) => {
                out.messages.push(format!(
                    "linklens: the build settings of {} are invalid: {e}",
                    folder.path.display()
                ));
                return;
            }
        };
        let mut roots = Vec::new();
        if module_root(&folder.path).is_some() {
            roots.push(folder.path.clone());
        }
        find_modules(&folder.path, &mut roots, 0);
        roots.sort();
        roots.dedup();
        let Some(engine) = &self.engine else { return };
        let pats = vec!["./...".to_string()];
        let mut preds = Vec::new();
        for root in roots {
            match engine.check(&root, &cfg, &pats, false) {
                Ok(r) => preds.extend(r.packages),
                Err(e) => out.logs.push(format!("{}: {e}", root.display())),
            }
        }
        for p in preds {
            if self.folder_index_of(&p.dir) == Some(i) && !self.mains.contains_key(&p.dir) {
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
            if self.folder_index_of(&d) == Some(i) && !self.mains.contains_key(&d) {
                self.recompute_main(&d);
            }
        }
    }

    fn insert_main(&mut self, folder: usize, pred: Prediction) {
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

    /// The newest binary in the folder built from `pred`'s package, checked
    /// against a prediction made with the settings the binary records.
    fn last_build(&self, folder: usize, pred: &Prediction) -> Option<LastBuild> {
        let root = &self.folders.get(folder)?.path;
        let (bin, info) = self
            .binaries
            .iter()
            .filter(|(p, b)| {
                p.starts_with(root)
                    && b.info
                        .go
                        .as_ref()
                        .is_some_and(|g| g.path == pred.import_path)
            })
            .max_by_key(|(p, b)| (b.modified, (*p).clone()))?;
        let shown = bin
            .strip_prefix(root)
            .unwrap_or(bin)
            .to_string_lossy()
            .into_owned();
        let sources_newer = info.modified.is_some_and(|built| {
            std::fs::read_dir(&pred.dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| {
                    is_go(&e.path())
                        && e.metadata()
                            .and_then(|m| m.modified())
                            .is_ok_and(|m| m > built)
                })
        });
        Some(LastBuild {
            bin: bin.clone(),
            shown,
            diffs: self.contradictions(folder, pred, &info.info),
            info: info.clone(),
            sources_newer,
        })
    }

    /// Predicts `pred`'s package with the binary's recorded settings (on top
    /// of the folder's environment, for what is not recorded, such as CC) and
    /// lists what the binary contradicts. Empty when they agree or when no
    /// prediction can be made.
    fn contradictions(
        &self,
        folder: usize,
        pred: &Prediction,
        info: &crate::inspect::BinaryInfo,
    ) -> Vec<String> {
        use crate::inspect::against::{compare, settings_to_build};
        let Some(engine) = &self.engine else {
            return Vec::new();
        };
        let mut base = self.proc_env.clone();
        base.extend(self.folders[folder].settings.env.clone());
        let (env, args, _) = settings_to_build(&base, info);
        let Ok((cfg, _)) = engine.config(&env, &args) else {
            return Vec::new();
        };
        match engine.predict_dir(&cfg, &pred.dir) {
            Ok(Some(p)) if p.link.result != Verdict::Unknown => compare(&p.link, info),
            _ => Vec::new(),
        }
    }

    /// Binaries appeared, changed or disappeared: re-evaluates the last
    /// build of the main packages they concern. Returns the paths of known
    /// binaries that are gone (not directories to reload).
    pub fn binaries_changed(&mut self, probes: Vec<Probe>, out: &mut Out) -> HashSet<PathBuf> {
        let mut gone = HashSet::new();
        let mut concerned: HashSet<String> = HashSet::new();
        for (p, bin) in probes {
            let old = match bin {
                Some(b) if self.folder_index_of(&p).is_some() => {
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
    fn recompute_main(&mut self, dir: &Path) -> BTreeSet<PathBuf> {
        self.recompute_mains(&[dir.to_path_buf()], None)
    }

    /// Re-predicts main packages (in parallel: an edit deep in the graph
    /// touches many). Returns the files whose diagnostics may have changed.
    /// `changed`: the one directory invalidated since the last prediction
    /// (an edit), whose old graphs can then be repaired.
    fn recompute_mains(&mut self, dirs: &[PathBuf], changed: Option<&Path>) -> BTreeSet<PathBuf> {
        let mut touched = BTreeSet::new();
        let mut jobs: Vec<(usize, &Path)> = Vec::new();
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
            let Some(fi) = self.folder_index_of(dir) else {
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
        let runnable: Vec<(usize, (&Config, &Path))> = jobs
            .iter()
            .filter_map(|(fi, dir)| Some((*fi, (self.folders[*fi].cfg.as_ref().ok()?, *dir))))
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
        let done: Vec<(usize, Prediction)> = runnable
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
    fn lens_snapshot(&self, mains: &[PathBuf]) -> Vec<LensShown> {
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

    /// Frees the predictions replaced since the last call.
    pub fn drop_retired(&mut self) {
        self.retired.clear();
    }

    /// The import path of the package in `dir`, if it is in a module.
    pub fn import_path_of(&self, dir: &Path) -> Option<String> {
        let fi = self.folder_index_of(dir)?;
        let cfg = self.folders[fi].cfg.as_ref().ok()?;
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

    /// A Go file changed (buffer or disk): re-predicts what it touches.
    fn go_file_changed(&mut self, path: &Path, out: &mut Out) {
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
        // Profiles build the same sources: re-predict them (same discovery)
        // after the main packages, with the engine cache already refreshed.
        if let Some(i) = self.folder_index_of(&dir)
            && self.profiles_use(i, &dir)
        {
            touched.extend(self.refresh_profiles(i, false));
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
    fn spans_moved(&mut self, path: &Path, old: &FileHeader, new: &FileHeader, out: &mut Out) {
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

    fn buffer_changed(&mut self, path: &Path, out: &mut Out) {
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
        let outside = path.parent().is_none_or(|d| module_root(d).is_none());
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

    fn reload_containing(&mut self, path: &Path, out: &mut Out) {
        let folders: Vec<usize> = (0..self.folders.len())
            .filter(|&i| {
                path.starts_with(&self.folders[i].path) || self.folders[i].path.starts_with(path)
            })
            .collect();
        let mut touched: BTreeSet<PathBuf> = BTreeSet::new();
        for i in folders {
            touched.extend(
                self.mains
                    .values()
                    .filter(|m| m.folder == i)
                    .flat_map(|m| m.contribs.iter().map(|c| c.file.clone())),
            );
            touched.extend(
                self.published
                    .keys()
                    .filter(|p| p.starts_with(&self.folders[i].path))
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
        let mut folders: BTreeMap<usize, Vec<PathBuf>> = BTreeMap::new();
        for p in profile_inputs {
            if let Some(i) = self.folder_index_of(&p) {
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

    /// Re-pulled configuration: reconfigure and reload every folder.
    pub fn config_changed(&mut self, out: &mut Out) {
        if let Some(e) = &self.engine {
            // Settings can change CC or tags: nothing derived is reusable.
            e.clear_caches();
        }
        self.load_all(out);
    }

    // ---- diagnostics -------------------------------------------------

    fn contribs(&self, folder: usize, p: &Prediction, last: Option<&LastBuild>) -> Vec<Contrib> {
        let settings = &self.folders[folder].settings;
        let cx = FindingContext {
            state: self,
            folder,
            dir: &p.dir,
        };
        let mut out: Vec<Contrib> = findings::for_prediction(
            p,
            findings::Options {
                expect_static: settings.expect == Expect::Static,
                libraries: settings.library_diagnostics,
                min_glibc: settings.min_glibc,
            },
            &cx,
        )
        .into_iter()
        .map(|f| Contrib {
            file: f.file,
            span: f.span,
            code: f.code,
            severity: match f.severity {
                findings::Severity::Error => DiagnosticSeverity::ERROR,
                findings::Severity::Warning => DiagnosticSeverity::WARNING,
                findings::Severity::Information => DiagnosticSeverity::INFORMATION,
            },
            message: f.message,
            related: f.related,
        })
        .collect();
        if let Some(lb) = last.filter(|lb| !lb.diffs.is_empty())
            && let Some(loc) = findings::Context::main_clause(&cx, &p.dir)
        {
            // Before the caveats, which close the list.
            let caveats = out
                .iter()
                .rev()
                .take_while(|c| p.caveats.iter().any(|k| k.code == c.code))
                .count();
            out.insert(
                out.len() - caveats,
                Contrib {
                    file: loc.file,
                    span: loc.span,
                    code: "binary-contradicts-prediction".into(),
                    severity: DiagnosticSeverity::WARNING,
                    message: render::contradiction(&p.import_path, lb),
                    related: vec![],
                },
            );
        }
        out
    }

    /// The text of a file: the open buffer, else the disk (cached by mtime).
    pub fn text_of(&mut self, path: &Path) -> Option<Arc<str>> {
        if let Some(d) = self.docs.get(path) {
            return Some(d.text.clone());
        }
        self.disk_text(path).map(|(t, _)| t)
    }

    fn disk_text(&mut self, path: &Path) -> Option<(Arc<str>, Arc<[usize]>)> {
        if let Some(t) = self.texts.get(path) {
            return Some(t.clone());
        }
        let text: Arc<str> =
            Arc::from(String::from_utf8_lossy(&crate::regular::read_all(path).ok()?).into_owned());
        let starts: Arc<[usize]> = super::position::line_starts(&text).into();
        self.texts
            .insert(path.to_path_buf(), (text.clone(), starts.clone()));
        Some((text, starts))
    }

    /// Forgets the text read for `path` (a file or a directory).
    fn forget_texts(&mut self, path: &Path) {
        if self.texts.remove(path).is_none() {
            self.texts.retain(|p, _| !p.starts_with(path));
        }
    }

    fn range_of(&mut self, loc: &Location) -> Option<Range> {
        let enc = self.caps.encoding;
        if let Some(d) = self.docs.get(&loc.file) {
            return Some(LineIndex::new(&d.text).range(loc.span.start, loc.span.end, enc));
        }
        let (text, starts) = self.disk_text(&loc.file)?;
        Some(LineIndex::with_starts(&text, &starts).range(loc.span.start, loc.span.end, enc))
    }

    /// The diagnostics of `file`, from the contributions of the main
    /// packages to it (`contribs_in`), with the main package of each.
    fn diagnostics_for(
        &mut self,
        file: &Path,
        contribs: Vec<(Contrib, String)>,
    ) -> Vec<Diagnostic> {
        // (span, code) → contributions, in main-package order.
        let mut groups: BTreeMap<(usize, usize, String), Vec<(Contrib, String)>> = BTreeMap::new();
        for (c, main) in contribs {
            groups
                .entry((c.span.start, c.span.end, c.code.clone()))
                .or_default()
                .push((c, main));
        }
        let mut out = Vec::new();
        if self.outside.contains(file) {
            let span = self
                .engine
                .as_ref()
                .and_then(|e| e.sources.header(file).ok())
                .and_then(|h| h.package.as_ref().map(|(_, s)| *s))
                .unwrap_or_default();
            let loc = Location {
                file: file.to_path_buf(),
                span,
            };
            if let Some(range) = self.range_of(&loc) {
                out.push(diag(
                    range,
                    DiagnosticSeverity::INFORMATION,
                    "outside-module",
                    "linklens: this file is not inside a Go module (no go.mod in its directory or any parent), so its linkage is not predicted; run `go mod init` to create one".into(),
                    None,
                ));
            }
        }
        for ((start, end, code), cs) in groups {
            let Some(range) = self.range_of(&Location {
                file: file.to_path_buf(),
                span: Span::new(start, end),
            }) else {
                continue;
            };
            let (first, _) = &cs[0];
            let mut message = first.message.clone();
            let mains: Vec<&String> = cs
                .iter()
                .map(|(_, m)| m)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if mains.len() > 1 {
                message.push_str(&format!(
                    " (also affects {} other main package{})",
                    mains.len() - 1,
                    if mains.len() > 2 { "s" } else { "" }
                ));
            }
            let severity = cs
                .iter()
                .map(|(c, _)| c.severity)
                .min_by_key(|s| severity_rank(*s))
                .unwrap_or(first.severity);
            let mut related = Vec::new();
            for (loc, msg) in first.related.clone() {
                if let (Some(r), Some(uri)) = (self.range_of(&loc), path_uri(&loc.file)) {
                    related.push(DiagnosticRelatedInformation {
                        location: tower_lsp_server::ls_types::Location::new(uri, r),
                        message: msg,
                    });
                }
            }
            let data = json!({"mains": mains});
            let mut d = diag(range, severity, &code, message, Some(data));
            d.related_information = (!related.is_empty()).then_some(related);
            out.push(d);
        }
        out.extend(self.profile_diagnostics(file));
        out
    }

    fn in_workspace(&self, file: &Path) -> bool {
        self.docs.contains_key(file) || self.folders.iter().any(|f| file.starts_with(&f.path))
    }

    /// The contributions of every main package to each of `files`, in
    /// main-package order: one pass over the mains for all the files.
    fn contribs_in(&self, files: &BTreeSet<PathBuf>) -> HashMap<PathBuf, Vec<(Contrib, String)>> {
        // Keyed by the path's bytes: comparing `Path`s walks components.
        let wanted: HashSet<&std::ffi::OsStr> = files.iter().map(|f| f.as_os_str()).collect();
        let mut by_file: HashMap<PathBuf, Vec<(Contrib, String)>> = HashMap::new();
        for m in self.mains.values() {
            for c in &m.contribs {
                if wanted.contains(c.file.as_os_str()) {
                    by_file
                        .entry(c.file.clone())
                        .or_default()
                        .push((c.clone(), m.pred.import_path.clone()));
                }
            }
        }
        by_file
    }

    /// Publishes the files whose diagnostics differ from what the client
    /// has (always the open ones, so each edit gets an answer).
    fn publish_files(&mut self, files: BTreeSet<PathBuf>, out: &mut Out) {
        let mut contribs = self.contribs_in(&files);
        for f in files {
            if !self.in_workspace(&f) {
                continue;
            }
            let diags = self.diagnostics_for(&f, contribs.remove(&f).unwrap_or_default());
            let open = self.docs.get(&f).map(|d| (d.uri.clone(), d.version));
            let old = self.published.get(&f);
            if open.is_none() && old.is_none_or(|o| o.is_empty()) && diags.is_empty() {
                continue;
            }
            if open.is_none() && old == Some(&diags) {
                continue;
            }
            let Some(uri) = open
                .as_ref()
                .map(|(u, _)| u.clone())
                .or_else(|| path_uri(&f))
            else {
                continue;
            };
            out.publish.push((uri, diags.clone(), open.map(|(_, v)| v)));
            if diags.is_empty() {
                self.published.remove(&f);
            } else {
                self.published.insert(f, diags);
            }
        }
    }

    // ---- queries (hover, actions, lens, status) ------------------------

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
        let header = self.engine.as_ref()?.sources.header(path).ok()?;
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

    pub fn range_in(&mut self, path: &Path, span: Span) -> Option<Range> {
        self.range_of(&Location {
            file: path.to_path_buf(),
            span,
        })
    }

    /// Markdown explanation for the mains (first three).
    pub fn explain(&self, mains: &[PathBuf], focus: Option<&str>) -> String {
        let Some(engine) = &self.engine else {
            return String::new();
        };
        let mut parts = Vec::new();
        for d in mains.iter().take(3) {
            let Some(m) = self.mains.get(d) else { continue };
            let f = &self.folders[m.folder];
            if let Ok(cfg) = &f.cfg {
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

    pub fn offset_of(
        &mut self,
        path: &Path,
        pos: tower_lsp_server::ls_types::Position,
    ) -> Option<usize> {
        let text = self.text_of(path)?;
        Some(LineIndex::new(&text).offset(pos, self.caps.encoding))
    }

    pub fn folder_settings(&self, i: usize) -> Option<(&Settings, &Config)> {
        let f = self.folders.get(i)?;
        Some((&f.settings, f.cfg.as_ref().ok()?))
    }
}

fn severity_rank(s: DiagnosticSeverity) -> u8 {
    match s {
        DiagnosticSeverity::ERROR => 0,
        DiagnosticSeverity::WARNING => 1,
        DiagnosticSeverity::INFORMATION => 2,
        _ => 3,
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

pub fn docs_href(code: &str) -> Option<Uri> {
    crate::report::docs_url(code).parse().ok()
}

fn diag(
    range: Range,
    severity: DiagnosticSeverity,
    code: &str,
    message: String,
    data: Option<Value>,
) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: docs_href(code).map(|href| CodeDescription { href }),
        source: Some(SOURCE.into()),
        message,
        related_information: None,
        tags: None,
        data,
    }
}

/// Module roots below `dir` (not into vendor, testdata, hidden or `_` dirs).
fn find_modules(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 12 {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with(['.', '_'])
                || name == "testdata"
                || name == "vendor"
                || name == "node_modules"
            {
                continue;
            }
            find_modules(&e.path(), out, depth + 1);
        } else if name == "go.mod" && depth > 0 {
            out.push(dir.to_path_buf());
        }
    }
}

/// The state's answers to what findings need: open buffers count as files.
struct FindingContext<'a> {
    state: &'a State,
    folder: usize,
    dir: &'a Path,
}

impl findings::Context for FindingContext<'_> {
    fn main_clause(&self, dir: &Path) -> Option<Location> {
        let e = self.state.engine.as_ref()?;
        let mut files = findings::go_files_in(dir);
        files.extend(
            self.state
                .docs
                .keys()
                .filter(|f| is_go(f) && f.parent() == Some(dir))
                .cloned(),
        );
        findings::main_clause_in(&e.sources, files)
    }

    fn require_of(&self, m: &str) -> Option<(PathBuf, Span)> {
        let cfg = self.state.folders[self.folder].cfg.as_ref().ok()?;
        let r = self.state.engine.as_ref()?.resolver(self.dir, cfg).ok()?;
        r.require_of(m).map(|(gomod, req)| (gomod, req.span))
    }
}
