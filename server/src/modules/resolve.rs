//! Resolution of import paths to directories, following the go command's
//! module mode (cmd/go/internal/modload: importFromModules, dirInModule,
//! fetch, Replacement, setDefaultBuildMod).
//!
//! Choice on broken files: the go command refuses to do anything when a
//! go.mod or go.work has an error. We prefer to stay useful: the file that
//! roots the build (the go.work, or the single go.mod) must be readable and
//! name a module, otherwise `new` fails; everything else (bad lines, a `use`
//! directory without go.mod, conflicting replaces) is skipped and reported by
//! [`Resolver::problems`], worded as the go command would ("/x/go.mod:3:
//! unknown directive: foo"), so the caller can show it next to a prediction
//! that the real build would fail.
//!
//! Known simplifications: only the main modules' own requirements are
//! consulted (no module graph walk through dependencies' go.mod files, which
//! matters only for go < 1.17 main modules with incomplete requirements);
//! `exclude` does not bump the selected version; vendor consistency with
//! go.mod is not checked; `cmd/vendor` and GOFIPS140 snapshots are ignored.

use rustc_hash::FxHashMap as HashMap;
use std::ffi::OsString;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use super::gomod::{GoMod, Replace, ReplaceTarget, Require, parse_go_mod};
use super::gowork::{GoWork, parse_go_work};
use super::modcache;
use super::semver;
use super::vendor::parse_modules_txt;

/// `-mod` as the go command reads it (flag or GOFLAGS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModFlag {
    Mod,
    Readonly,
    Vendor,
}

#[derive(Debug, Clone, Default)]
pub struct ResolverConfig {
    /// GOROOT (its `src/` holds the standard library).
    pub goroot: PathBuf,
    /// GOMODCACHE.
    pub gomodcache: PathBuf,
    /// GOWORK from the environment: `None` = search upwards for go.work,
    /// `Some("off")` = disabled, `Some(path)` = that file.
    pub gowork: Option<String>,
    /// `-mod` if given (flag or GOFLAGS).
    pub mod_flag: Option<ModFlag>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A standard-library package (directory under GOROOT/src, including
    /// GOROOT/src/vendor for the std's own vendored imports).
    Std { dir: PathBuf },
    /// A package of a module (main module, workspace module, replaced
    /// directory, vendored or module cache).
    Module {
        module: String,
        version: Option<String>,
        dir: PathBuf,
        vendored: bool,
    },
    /// The module that should provide the package is required but not in the
    /// module cache: the prediction must say unknown, naming it.
    MissingModule { module: String, version: String },
    /// No module provides the package.
    NotFound { message: String },
}

/// A main module: the module of the directory analysed, or each `use` of a
/// go.work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MainModule {
    pub path: String,
    pub dir: PathBuf,
    pub gomod: PathBuf,
}

/// Where a replaced module's files come from, with relative directories
/// already made absolute against the file that declared them.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Dir { abs: PathBuf, written: String },
    Module { path: String, version: String },
}

type ReplaceKey = (String, Option<String>);

#[derive(Debug)]
struct Vendor {
    dir: PathBuf,
    /// Package import path → (module path, version) from modules.txt.
    pkgs: HashMap<String, (String, String)>,
    /// Go ≥ 1.23: a vendored package must be listed in modules.txt.
    require_listed: bool,
    /// Why vendor mode is on, for messages.
    reason: String,
}

/// Parts of the file-system cache (see `Resolver::shard`).
const FS_SHARDS: usize = 16;

/// File-system facts, cached: resolution asks the same few questions for
/// thousands of imports. Cleared with [`Resolver::clear_fs_cache`].
#[derive(Debug, Default)]
struct FsCache {
    // Keyed by the paths' bytes: `Path`'s own hash walks its components,
    // which showed in every import's resolution.
    exists: HashMap<OsString, bool>,
    has_gomod: HashMap<OsString, bool>,
    go_dir: HashMap<OsString, Result<bool, String>>,
    /// Import path → where it was found, for imports from outside std
    /// (`[0]`) and from std (`[1]`).
    found: [HashMap<String, Resolution>; 2],
    /// A dependency's go.mod → its `go` line.
    go_line: HashMap<OsString, Option<String>>,
}

/// Resolves import paths for one main module or workspace.
#[derive(Debug)]
pub struct Resolver {
    goroot_src: PathBuf,
    gomodcache: PathBuf,
    mains: Vec<MainModule>,
    /// Parsed go.mod of each main module (same order as `mains`).
    main_files: Vec<GoMod>,
    main_by_path: HashMap<String, usize>,
    go_work: Option<PathBuf>,
    work: Option<GoWork>,
    /// Required module path → selected (maximum required) version.
    selected: HashMap<String, String>,
    work_replace: HashMap<ReplaceKey, Target>,
    mod_replace: HashMap<ReplaceKey, Target>,
    vendor: Option<Vendor>,
    /// Where vendor/modules.txt is or would be (go.mod or go.work dir).
    modules_txt: PathBuf,
    problems: Vec<String>,
    /// go.work `use` directories whose go.mod could not be read: go stops.
    bad_uses: Vec<super::gowork::BadUse>,
    /// The caches, in parts by key: the loader's threads resolve at once,
    /// and one lock for all made them wait for each other's writes.
    fs: [RwLock<FsCache>; FS_SHARDS],
    go_dir_probe: std::sync::OnceLock<GoDirProbe>,
}

/// Answers `is_go_dir` from a listing the caller already holds or can take
/// from its header index (the loader reads the same directories): `None`
/// to list the directory here.
pub struct GoDirProbe(pub Box<ProbeFn>);

type ProbeFn = dyn Fn(&Path) -> Option<bool> + Send + Sync;

impl std::fmt::Debug for GoDirProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GoDirProbe")
    }
}

impl Resolver {
    /// Finds the module root (go.mod, or go.work unless GOWORK=off) that
    /// contains `dir` and reads its files. Errors are clear messages
    /// ("no go.mod found in /x or any parent", "go.mod:3: unknown directive").
    pub fn new(dir: &Path, cfg: &ResolverConfig) -> Result<Resolver, String> {
        let dir = absolute(dir)?;
        let mut problems = Vec::new();
        let go_work = match cfg.gowork.as_deref() {
            Some("off") => None,
            None | Some("") | Some("auto") => find_up(&dir, "go.work", Some(&cfg.goroot)),
            Some(p) if Path::new(p).is_absolute() => Some(clean(Path::new(p))),
            Some(p) => return Err(format!("invalid GOWORK={p}: not an absolute path")),
        };
        let mut mains = Vec::new();
        let mut main_files = Vec::new();
        let mut work = None;
        let mut bad_uses = Vec::new();
        if let Some(wf) = &go_work {
            let src = read(wf)?;
            let w = parse_go_work(&src);
            problems.extend(w.errors.iter().map(|e| format!("{}:{e}", wf.display())));
            let wdir = parent(wf);
            for (u, use_span) in &w.uses {
                let mdir = clean(&wdir.join(u));
                let gomod = mdir.join("go.mod");
                if let Err(e) = crate::regular::read_all(&gomod) {
                    bad_uses.push(super::gowork::BadUse {
                        dir: mdir.clone(),
                        gomod: gomod.clone(),
                        error: super::gowork::io_error_text(&e),
                        span: *use_span,
                    });
                }
                let parsed = read(&gomod).and_then(|src| {
                    let f = parse_go_mod(&src);
                    problems.extend(f.errors.iter().map(|e| format!("{}:{e}", gomod.display())));
                    match &f.module {
                        Some(_) => Ok(f),
                        None => Err(format!("{}: missing module declaration", gomod.display())),
                    }
                });
                match parsed {
                    Ok(f) => {
                        mains.push((mdir, gomod, f));
                    }
                    Err(m) => problems.push(format!(
                        "cannot load module {u} listed in {}: {m}",
                        wf.display()
                    )),
                }
            }
            work = Some(w);
            if mains.is_empty() {
                return Err(format!(
                    "no modules were found in the workspace {} (no usable `use` directory)",
                    wf.display()
                ));
            }
        } else {
            let Some(gomod) = find_up(&dir, "go.mod", None) else {
                return Err(format!(
                    "go.mod file not found in {} or any parent directory; run 'go mod init' (linklens needs module mode)",
                    dir.display()
                ));
            };
            let root = parent(&gomod);
            let f = parse_go_mod(&read(&gomod)?);
            problems.extend(f.errors.iter().map(|e| format!("{}:{e}", gomod.display())));
            if f.module.is_none() {
                return Err(format!(
                    "{}: missing module declaration; add a line like `module example.com/m`",
                    gomod.display()
                ));
            }
            mains.push((root, gomod, f));
        }

        let mut main_by_path = HashMap::default();
        let mut main_list = Vec::new();
        for (mdir, gomod, f) in mains {
            let Some((path, _)) = f.module.clone() else {
                continue;
            };
            if let Some(&prev) = main_by_path.get(&path) {
                let prev: &MainModule = &main_list[prev];
                problems.push(format!(
                    "module {path} appears multiple times in workspace ({} and {}); ignoring the second",
                    prev.dir.display(),
                    mdir.display()
                ));
                continue;
            }
            main_by_path.insert(path.clone(), main_list.len());
            main_list.push(MainModule {
                path,
                dir: mdir,
                gomod,
            });
            main_files.push(f);
        }

        // The selected version of each required module: the maximum over the
        // main modules' requirements (MVS over the roots).
        let mut selected: HashMap<String, String> = HashMap::default();
        for f in &main_files {
            for r in &f.requires {
                if main_by_path.contains_key(&r.path) {
                    continue;
                }
                match selected.get_mut(&r.path) {
                    Some(v) if semver::compare(&r.version, v).is_gt() => *v = r.version.clone(),
                    Some(_) => {}
                    None => {
                        selected.insert(r.path.clone(), r.version.clone());
                    }
                }
            }
        }

        let mut mod_replace = HashMap::default();
        for (m, f) in main_list.iter().zip(&main_files) {
            add_replaces(
                &mut mod_replace,
                &f.replaces,
                &m.dir,
                &m.gomod,
                &mut problems,
            );
        }
        let mut work_replace = HashMap::default();
        if let (Some(w), Some(wf)) = (&work, &go_work) {
            add_replaces(
                &mut work_replace,
                &w.replaces,
                &parent(wf),
                wf,
                &mut problems,
            );
        }

        // Vendor mode, as setDefaultBuildMod decides it.
        let (vendor_dir, go_version, source) = match (&go_work, &work) {
            (Some(wf), Some(w)) => (parent(wf).join("vendor"), w.go_version.clone(), "go.work"),
            _ => (
                main_list[0].dir.join("vendor"),
                main_files[0].go_version.clone(),
                "go.mod",
            ),
        };
        let modules_txt = vendor_dir.join("modules.txt");
        let in_workspace = go_work.is_some();
        let txt = match crate::regular::read_all(&modules_txt) {
            Ok(b) => Some(parse_modules_txt(&String::from_utf8_lossy(&b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                problems.push(format!("reading {}: {e}", modules_txt.display()));
                None
            }
        };
        let reason = match cfg.mod_flag {
            Some(ModFlag::Vendor) => Some("-mod=vendor is set".to_string()),
            Some(ModFlag::Mod) if in_workspace => {
                problems.push(
                    "-mod may only be set to readonly or vendor when in workspace mode; set GOWORK=off to use -mod=mod"
                        .into(),
                );
                None
            }
            Some(_) => None,
            None => {
                let is_dir = fs::metadata(&vendor_dir).is_ok_and(|m| m.is_dir());
                let new_enough = go_version
                    .as_deref()
                    .is_some_and(|v| semver::go_version_at_least(v, 1, 14));
                let same_mode = txt.as_ref().is_some_and(|t| t.workspace) == in_workspace;
                (is_dir && new_enough && same_mode).then(|| {
                    format!("Go version in {source} is at least 1.14 and vendor directory exists")
                })
            }
        };
        let vendor = reason.map(|reason| {
            let mut pkgs = HashMap::default();
            for m in txt.iter().flat_map(|t| &t.modules) {
                for p in &m.packages {
                    pkgs.insert(p.clone(), (m.path.clone(), m.version.clone()));
                }
            }
            let require_listed = go_version
                .as_deref()
                .is_some_and(|v| semver::go_version_at_least(v, 1, 23));
            Vendor {
                dir: vendor_dir,
                pkgs,
                require_listed,
                reason,
            }
        });

        Ok(Resolver {
            goroot_src: cfg.goroot.join("src"),
            gomodcache: cfg.gomodcache.clone(),
            mains: main_list,
            main_files,
            main_by_path,
            go_work,
            work,
            selected,
            work_replace,
            mod_replace,
            vendor,
            modules_txt,
            problems,
            bad_uses,
            fs: Default::default(),
            go_dir_probe: std::sync::OnceLock::new(),
        })
    }

    pub fn main_modules(&self) -> &[MainModule] {
        &self.mains
    }

    /// The go.work file in use, if any.
    pub fn go_work(&self) -> Option<&Path> {
        self.go_work.as_deref()
    }

    /// The parsed go.work, if in workspace mode.
    /// The go.work `use` directories whose go.mod go cannot open, in order.
    pub fn bad_uses(&self) -> &[super::gowork::BadUse] {
        &self.bad_uses
    }

    pub fn go_work_file(&self) -> Option<&GoWork> {
        self.work.as_ref()
    }

    /// The parsed go.mod of each main module, in [`Self::main_modules`] order.
    pub fn main_go_mods(&self) -> &[GoMod] {
        &self.main_files
    }

    /// Whether packages come from vendor/ (go.mod go >= 1.14 and
    /// vendor/modules.txt present, unless -mod says otherwise).
    pub fn vendor_mode(&self) -> bool {
        self.vendor.is_some()
    }

    /// The vendor directory in use, and why (vendor mode only).
    pub fn vendor_dir(&self) -> Option<(&Path, &str)> {
        self.vendor
            .as_ref()
            .map(|v| (v.dir.as_path(), v.reason.as_str()))
    }

    /// Problems found in the files read (bad go.mod lines, unusable `use`
    /// directories, conflicting replacements), each `file:line: message` where
    /// there is a line. The go command would refuse to build with any of them.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The selected version of a required (non-main) module.
    pub fn selected_version(&self, module: &str) -> Option<&str> {
        self.selected.get(module).map(String::as_str)
    }

    /// Forgets cached directory facts (call after files were created or
    /// removed under a module; config file changes need a new Resolver).
    pub fn clear_fs_cache(&self) {
        for shard in self.fs.iter() {
            *shard.write().unwrap_or_else(PoisonError::into_inner) = FsCache::default();
        }
    }

    /// The import path of the package in `dir`, if `dir` is inside a main
    /// module; a directory name that is not UTF-8 shows as U+FFFD (as in
    /// `go list -json`), and `dir_import_path_error` says the package fails.
    pub fn import_path_for_dir(&self, dir: &Path) -> Option<String> {
        let raw = self.raw_import_path_for_dir(dir)?;
        Some(String::from_utf8_lossy(&raw).into_owned())
    }

    /// Why go rejects the import path of the package in `dir`: it takes
    /// the path's bytes from the directory names, and fails a package
    /// whose path is not UTF-8.
    pub fn dir_import_path_error(&self, dir: &Path) -> Option<String> {
        let raw = self.raw_import_path_for_dir(dir)?;
        std::str::from_utf8(&raw).is_err().then(|| {
            format!(
                "malformed import path {}: invalid UTF-8",
                crate::gosrc::go_quote(&raw)
            )
        })
    }

    fn raw_import_path_for_dir(&self, dir: &Path) -> Option<Vec<u8>> {
        let dir = absolute(dir).ok()?;
        let (m, rel) = self
            .mains
            .iter()
            .filter_map(|m| dir.strip_prefix(&m.dir).ok().map(|rel| (m, rel)))
            .min_by_key(|(_, rel)| rel.components().count())?;
        // A directory with its own go.mod belongs to another module.
        let mut d = dir.clone();
        while d != m.dir {
            if self.has_gomod(&d) {
                return None;
            }
            if !d.pop() {
                return None;
            }
        }
        let mut path = m.path.clone().into_bytes();
        for c in rel.components() {
            path.push(b'/');
            path.extend_from_slice(c.as_os_str().as_encoded_bytes());
        }
        Some(path)
    }

    /// The go.mod file and `require` line of a main module that requires
    /// `module` (for diagnostics on go.mod). With several, the one requiring
    /// the selected version wins.
    pub fn require_of(&self, module: &str) -> Option<(PathBuf, super::gomod::Require)> {
        let sel = self.selected.get(module);
        let all = || {
            self.mains
                .iter()
                .zip(&self.main_files)
                .flat_map(|(m, f)| f.requires.iter().map(move |r| (m, r)))
                .filter(|(_, r)| r.path == module)
        };
        let (m, r): (&MainModule, &Require) = all()
            .find(|(_, r)| Some(&r.version) == sel)
            .or_else(|| all().next())?;
        Some((m.gomod.clone(), r.clone()))
    }

    /// Every file whose change invalidates this resolver (go.mod, go.work,
    /// vendor/modules.txt of all main modules). modules.txt is listed even
    /// when absent: creating it can switch vendor mode on.
    pub fn config_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self.go_work.iter().cloned().collect();
        v.extend(self.mains.iter().map(|m| m.gomod.clone()));
        v.push(self.modules_txt.clone());
        v
    }

    /// The go.mod of a required (non-main) module, and how the go command
    /// names that module when its `go` line is newer than the toolchain:
    /// `module ../dep` for a directory replacement (modload's go.mod
    /// summary, the path as written), `example.com/dep@v1.0.0` for a module
    /// from the cache (modfetch.Download). `None` for main modules and in
    /// vendor mode (go reads vendor/modules.txt instead).
    pub fn dependency_gomod(&self, module: &str) -> Option<(PathBuf, String)> {
        if self.vendor.is_some() || self.main_by_path.contains_key(module) {
            return None;
        }
        let version = self.selected.get(module)?;
        Some(match self.replacement(module, version) {
            Some(Target::Dir { abs, written }) => (abs.join("go.mod"), format!("module {written}")),
            Some(Target::Module { path, version }) => (
                modcache::module_dir(&self.gomodcache, path, version).join("go.mod"),
                format!("{path}@{version}"),
            ),
            None => (
                modcache::module_dir(&self.gomodcache, module, version).join("go.mod"),
                format!("{module}@{version}"),
            ),
        })
    }

    /// The `go` line of `gomod` (`None` when it is missing or has none),
    /// remembered.
    pub fn go_line(&self, gomod: &Path) -> Option<String> {
        self.cached(
            gomod,
            |c| c.go_line.get(gomod.as_os_str()),
            |c, k, v| {
                c.go_line.insert(k, v);
            },
            || {
                let src = crate::regular::read_all(gomod).ok()?;
                parse_go_mod(&String::from_utf8_lossy(&src)).go_version
            },
        )
    }

    /// Resolves `import_path` as imported by a package of the standard
    /// library (`from_std`) or not.
    pub fn resolve(&self, import_path: &str, from_std: bool) -> Resolution {
        // Every build variant resolves the same imports: remember where
        // they were found (not failures: a package may appear).
        let shard = self.shard(import_path.as_bytes());
        if let Some(r) = shard.read().unwrap_or_else(PoisonError::into_inner).found
            [from_std as usize]
            .get(import_path)
        {
            return r.clone();
        }
        let r = self.resolve_uncached(import_path, from_std);
        if matches!(r, Resolution::Std { .. } | Resolution::Module { .. }) {
            shard.write().unwrap_or_else(PoisonError::into_inner).found[from_std as usize]
                .insert(import_path.to_string(), r.clone());
        }
        r
    }

    /// Forgets what was learnt about `dir` and the imports found there
    /// (a file in it appeared, changed or went away).
    pub fn forget_dir(&self, dir: &Path) {
        for shard in self.fs.iter() {
            let mut c = shard.write().unwrap_or_else(PoisonError::into_inner);
            c.exists.remove(dir.as_os_str());
            c.go_dir.remove(dir.as_os_str());
            c.has_gomod.remove(dir.as_os_str());
            for found in &mut c.found {
                found.retain(|_, r| match r {
                    Resolution::Std { dir: d } | Resolution::Module { dir: d, .. } => {
                        d.as_os_str() != dir.as_os_str()
                    }
                    _ => false,
                });
            }
        }
    }

    fn resolve_uncached(&self, import_path: &str, from_std: bool) -> Resolution {
        let path = import_path;
        if let Err(message) = check_import_path(path) {
            return Resolution::NotFound { message };
        }
        let std_like = !path.split('/').next().unwrap_or("").contains('.');
        // The standard library's own dependencies live in GOROOT/src/vendor
        // (golang.org/x/net/... imported by net): modload's stdVendor.
        if from_std && !std_like {
            let dir = self.goroot_src.join("vendor").join(path);
            if self.exists(&dir) {
                return Resolution::Std { dir };
            }
        }
        if std_like {
            let dir = self.goroot_src.join(path);
            if let Ok(true) = self.is_go_dir(&dir) {
                return Resolution::Std { dir };
            }
        }
        match &self.vendor {
            Some(v) => self.resolve_vendored(path, v, std_like),
            None => self.resolve_in_modules(path, std_like),
        }
    }

    fn not_found(&self, path: &str, std_like: bool) -> Resolution {
        let message = if std_like {
            format!(
                "package {path} is not in std ({})",
                self.goroot_src.join(path).display()
            )
        } else {
            format!("no required module provides package {path}; to add it:\n\tgo get {path}")
        };
        Resolution::NotFound { message }
    }

    /// Main modules first, then vendor/<path>; both is ambiguous.
    fn resolve_vendored(&self, path: &str, v: &Vendor, std_like: bool) -> Resolution {
        let mut found = Vec::new();
        for m in &self.mains {
            match self.dir_in_module(path, &m.path, &m.dir, true) {
                Ok(Some(dir)) => found.push(Resolution::Module {
                    module: m.path.clone(),
                    version: None,
                    dir,
                    vendored: false,
                }),
                Ok(None) => {}
                Err(message) => return Resolution::NotFound { message },
            }
        }
        let dir = v.dir.join(path);
        if let Ok(true) = self.is_go_dir(&dir) {
            let listed = v.pkgs.get(path);
            if listed.is_some() || !v.require_listed {
                let (module, version) = listed.cloned().unwrap_or_default();
                found.push(Resolution::Module {
                    module,
                    version: (!version.is_empty()).then_some(version),
                    dir,
                    vendored: true,
                });
            } else if found.is_empty() {
                return Resolution::NotFound {
                    message: format!(
                        "package {path} exists in the vendor directory but is missing from vendor/modules.txt; to sync the vendor directory run go {} vendor",
                        if self.go_work.is_some() {
                            "work"
                        } else {
                            "mod"
                        }
                    ),
                };
            }
        }
        match found.len() {
            0 if std_like => self.not_found(path, true),
            0 => Resolution::NotFound {
                message: format!(
                    "cannot find module providing package {path}: import lookup disabled by -mod=vendor\n\t({})",
                    v.reason
                ),
            },
            1 => found
                .pop()
                .unwrap_or_else(|| self.not_found(path, std_like)),
            _ => Resolution::NotFound {
                message: ambiguous(path, &found),
            },
        }
    }

    /// Every module whose path is a prefix of `path` may hold it; exactly one
    /// must (importFromModules). A module missing from the cache stops the
    /// search, as the go command's failed fetch does.
    fn resolve_in_modules(&self, path: &str, std_like: bool) -> Resolution {
        let mut found = Vec::new();
        let mut prefix = path;
        loop {
            if prefix != "go" && prefix != "toolchain" {
                match self.module_root(prefix) {
                    Ok(None) => {}
                    Ok(Some((root, is_local, version))) => {
                        match self.dir_in_module(path, prefix, &root, is_local) {
                            Ok(Some(dir)) => found.push(Resolution::Module {
                                module: prefix.to_string(),
                                version,
                                dir,
                                vendored: false,
                            }),
                            Ok(None) => {}
                            Err(message) => return Resolution::NotFound { message },
                        }
                    }
                    Err(r) => return r,
                }
            }
            match prefix.rfind('/') {
                Some(i) => prefix = &prefix[..i],
                None => break,
            }
        }
        match found.len() {
            0 => self.not_found(path, std_like),
            1 => found
                .pop()
                .unwrap_or_else(|| self.not_found(path, std_like)),
            _ => {
                found.reverse();
                Resolution::NotFound {
                    message: ambiguous(path, &found),
                }
            }
        }
    }

    /// The root directory of module `prefix` if it is a main module or
    /// required: (dir, is local, required version). `Err` is the resolution
    /// to return at once (not in the module cache, replacement dir missing).
    fn module_root(
        &self,
        prefix: &str,
    ) -> Result<Option<(PathBuf, bool, Option<String>)>, Resolution> {
        if let Some(&i) = self.main_by_path.get(prefix) {
            return Ok(Some((self.mains[i].dir.clone(), true, None)));
        }
        let Some(version) = self.selected.get(prefix) else {
            return Ok(None);
        };
        let (mpath, mversion) = match self.replacement(prefix, version) {
            Some(Target::Dir { abs, written }) => {
                if !self.exists(abs) {
                    return Err(Resolution::NotFound {
                        message: format!(
                            "{prefix}@{version}: replacement directory {written} does not exist"
                        ),
                    });
                }
                return Ok(Some((abs.clone(), true, Some(version.clone()))));
            }
            Some(Target::Module { path, version }) => (path.as_str(), version.as_str()),
            None => (prefix, version.as_str()),
        };
        if let Err(message) = modcache::check_module_path(mpath, mversion) {
            return Err(Resolution::NotFound { message });
        }
        let dir = modcache::module_dir(&self.gomodcache, mpath, mversion);
        if !self.exists(&dir) {
            return Err(Resolution::MissingModule {
                module: prefix.to_string(),
                version: version.clone(),
            });
        }
        Ok(Some((dir, false, Some(version.clone()))))
    }

    /// go.work replaces win over go.mod ones; a version-specific replace
    /// wins over a path-wide one.
    fn replacement(&self, path: &str, version: &str) -> Option<&Target> {
        // Asked for every import resolved: no key strings built when no
        // module replaces anything (most), a scan when few do.
        if self.work_replace.is_empty() && self.mod_replace.is_empty() {
            return None;
        }
        if self.work_replace.len() + self.mod_replace.len() <= 32 {
            fn find<'m>(
                m: &'m HashMap<ReplaceKey, Target>,
                path: &str,
                v: Option<&str>,
            ) -> Option<&'m Target> {
                m.iter()
                    .find(|((p, pv), _)| p == path && pv.as_deref() == v)
                    .map(|(_, t)| t)
            }
            return [&self.work_replace, &self.mod_replace]
                .into_iter()
                .find_map(|m| find(m, path, Some(version)).or_else(|| find(m, path, None)));
        }
        let exact = (path.to_string(), Some(version.to_string()));
        let any = (path.to_string(), None);
        [&self.work_replace, &self.mod_replace]
            .into_iter()
            .find_map(|m| m.get(&exact).or_else(|| m.get(&any)))
    }

    /// modload's dirInModule: the package directory if it has Go files and,
    /// for local trees, no nested go.mod claims it.
    fn dir_in_module(
        &self,
        path: &str,
        mpath: &str,
        root: &Path,
        is_local: bool,
    ) -> Result<Option<PathBuf>, String> {
        let rel = if path == mpath {
            ""
        } else if path.len() > mpath.len()
            && path.starts_with(mpath)
            && path.as_bytes()[mpath.len()] == b'/'
        {
            &path[mpath.len() + 1..]
        } else {
            return Ok(None);
        };
        let dir = if rel.is_empty() {
            root.to_path_buf()
        } else {
            root.join(rel)
        };
        if is_local {
            let mut d = dir.clone();
            while d != root && d.starts_with(root) {
                if self.has_gomod(&d) {
                    return Ok(None);
                }
                if !d.pop() {
                    break;
                }
            }
        }
        Ok(self.is_go_dir(&dir)?.then_some(dir))
    }

    fn cached<T: Clone>(
        &self,
        key: &Path,
        get: impl Fn(&FsCache) -> Option<&T>,
        put: impl FnOnce(&mut FsCache, OsString, T),
        compute: impl FnOnce() -> T,
    ) -> T {
        let shard = self.shard(key.as_os_str().as_encoded_bytes());
        if let Some(v) = get(&shard.read().unwrap_or_else(PoisonError::into_inner)) {
            return v.clone();
        }
        let v = compute();
        put(
            &mut shard.write().unwrap_or_else(PoisonError::into_inner),
            key.as_os_str().to_owned(),
            v.clone(),
        );
        v
    }

    /// The part of the caches that holds `key` (a path or import path).
    fn shard(&self, key: &[u8]) -> &RwLock<FsCache> {
        use std::hash::BuildHasher;
        let h = rustc_hash::FxBuildHasher.hash_one(key);
        &self.fs[(h >> 58) as usize % FS_SHARDS]
    }

    fn exists(&self, p: &Path) -> bool {
        self.cached(
            p,
            |c| c.exists.get(p.as_os_str()),
            |c, k, v| {
                c.exists.insert(k, v);
            },
            || fs::metadata(p).is_ok(),
        )
    }

    fn has_gomod(&self, dir: &Path) -> bool {
        self.cached(
            dir,
            |c| c.has_gomod.get(dir.as_os_str()),
            |c, k, v| {
                c.has_gomod.insert(k, v);
            },
            || fs::metadata(dir.join("go.mod")).is_ok_and(|m| !m.is_dir()),
        )
    }

    /// What a directory listing read elsewhere shows: whether `dir` has a
    /// go.mod, and whether it has a regular `.go` file (only a yes is
    /// recorded: a symlinked `.go` file still needs a stat).
    pub fn note_listing(&self, dir: &Path, has_gomod: bool, has_go_file: bool) {
        let mut c = self
            .shard(dir.as_os_str().as_encoded_bytes())
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        c.has_gomod.insert(dir.as_os_str().to_owned(), has_gomod);
        if has_go_file {
            c.go_dir.insert(dir.as_os_str().to_owned(), Ok(true));
        }
    }

    /// Lists directories for `is_go_dir` through `probe` from now on.
    pub fn set_go_dir_probe(&self, probe: GoDirProbe) {
        let _ = self.go_dir_probe.set(probe);
    }

    /// fsys.IsGoDir: a `.go` regular file (or symlink to one) in `dir`. A
    /// missing directory is `Ok(false)`; an unreadable one an error.
    fn is_go_dir(&self, dir: &Path) -> Result<bool, String> {
        self.cached(
            dir,
            |c| c.go_dir.get(dir.as_os_str()),
            |c, k, v| {
                c.go_dir.insert(k, v);
            },
            || match self.go_dir_probe.get().and_then(|p| (p.0)(dir)) {
                Some(yes) => Ok(yes),
                None => is_go_dir(dir),
            },
        )
    }
}

fn is_go_dir(dir: &Path) -> Result<bool, String> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(false);
        }
        Err(e) => return Err(format!("reading {}: {e}", dir.display())),
    };
    for e in entries.flatten() {
        if !e.file_name().as_encoded_bytes().ends_with(b".go") {
            continue;
        }
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_file() || (ft.is_symlink() && fs::metadata(e.path()).is_ok_and(|m| m.is_file())) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn ambiguous(path: &str, found: &[Resolution]) -> String {
    let mut msg = format!("ambiguous import: found package {path} in multiple modules:");
    for r in found {
        if let Resolution::Module {
            module,
            version,
            dir,
            ..
        } = r
        {
            let v = version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            msg.push_str(&format!("\n\t{module}{v} ({})", dir.display()));
        }
    }
    msg
}

fn add_replaces(
    map: &mut HashMap<ReplaceKey, Target>,
    replaces: &[Replace],
    base: &Path,
    file: &Path,
    problems: &mut Vec<String>,
) {
    for r in replaces {
        let target = match &r.new {
            ReplaceTarget::Dir(d) => Target::Dir {
                abs: clean(&base.join(d)),
                written: d.clone(),
            },
            ReplaceTarget::Module { path, version } => Target::Module {
                path: path.clone(),
                version: version.clone(),
            },
        };
        let key = (r.old_path.clone(), r.old_version.clone());
        match map.get(&key) {
            Some(prev) if *prev != target => problems.push(format!(
                "{}: conflicting replacements for {}{}; using the first",
                file.display(),
                r.old_path,
                r.old_version
                    .as_deref()
                    .map(|v| format!("@{v}"))
                    .unwrap_or_default()
            )),
            Some(_) => {}
            None => {
                map.insert(key, target);
            }
        }
    }
}

/// The part of module.CheckImportPath that keeps lookups inside their roots.
fn check_import_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty import path".into());
    }
    if path == "C" {
        return Err("import \"C\" is cgo's pseudo-package, not a directory".into());
    }
    if path.starts_with('/')
        || path == "."
        || path == ".."
        || path.starts_with("./")
        || path.starts_with("../")
    {
        return Err(format!(
            "\"{path}\" is relative or absolute, but only package paths are supported in module mode"
        ));
    }
    if path.contains('@') {
        return Err(format!("import path \"{path}\" should not have @version"));
    }
    for elem in path.split('/') {
        if elem.is_empty() || elem.starts_with('.') {
            return Err(format!(
                "malformed import path \"{path}\": empty or dot-led path element"
            ));
        }
        if let Some(c) = elem
            .chars()
            .find(|c| !(c.is_alphanumeric() || "-._~+".contains(*c)))
        {
            return Err(format!(
                "malformed import path \"{path}\": invalid char {c:?}"
            ));
        }
    }
    Ok(())
}

fn read(p: &Path) -> Result<String, String> {
    crate::regular::read_all(p)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("reading {}: {e}", p.display()))
}

fn parent(p: &Path) -> PathBuf {
    p.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// An absolute, lexically cleaned path (no symlink resolution, as the go
/// command works with the logical working directory).
fn absolute(p: &Path) -> Result<PathBuf, String> {
    std::path::absolute(p)
        .map(|p| clean(&p))
        .map_err(|e| format!("{}: {e}", p.display()))
}

/// filepath.Clean for the components Rust exposes.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() && !p.is_absolute() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Walks up from `dir` looking for a regular file `name`; `stop_below` is
/// GOROOT for go.work (the go command does not look at or above it).
fn find_up(dir: &Path, name: &str, stop_below: Option<&Path>) -> Option<PathBuf> {
    let mut d = dir.to_path_buf();
    loop {
        let f = d.join(name);
        if fs::metadata(&f).is_ok_and(|m| m.is_file()) {
            return Some(f);
        }
        if !d.pop() {
            return None;
        }
        if stop_below.is_some_and(|g| !g.as_os_str().is_empty() && d == g) {
            return None;
        }
    }
}
