//! The engine: one toolchain, one source cache and one package cache shared
//! by every prediction, whether it comes from the CLI or the language server.

pub mod binaries;
pub mod findings;
pub mod lastbuild;
pub mod workspace;

use crate::buildcfg::{Config, Environ, Toolchain};
use crate::load::graph::{Graph, Loader, PackageCache};
use crate::load::patterns;
use crate::load::source::Sources;
use crate::modules::{ModFlag, Resolver, ResolverConfig};
use crate::predict::fixes::{Variant, breaks};
use crate::predict::{self, Fix, Prediction, Verdict};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A main package to predict again: its configuration, its directory and
/// its graph from before the change (taken by the prediction).
pub type RepredictJob<'a> = (&'a Config, &'a Path, Mutex<Option<Arc<Graph>>>);

pub struct Engine {
    pub toolchain: Arc<Toolchain>,
    pub sources: Arc<Sources>,
    pub cache: Arc<PackageCache>,
    resolvers: Mutex<HashMap<(PathBuf, String), Arc<Resolver>>>,
    /// Variant predictions (the hover/status table's rows, the fixes) of
    /// the current sources, until the next `invalidate`: the language server
    /// asks for the same ones on every hover and status request.
    variants: Mutex<HashMap<String, VariantPrediction>>,
}

/// A variant's configuration and prediction (see [`Engine::predict_variant`]).
pub type VariantPrediction = Arc<(Config, Prediction)>;

/// Beyond this many remembered variant predictions, start over.
const VARIANT_MEMO_MAX: usize = 512;

/// Predictions for every main package matched by the patterns.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub config: ConfigSummary,
    pub packages: Vec<Prediction>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ConfigSummary {
    pub goos: String,
    pub goarch: String,
    pub cgo_enabled: bool,
    pub cgo_reason: String,
    pub cc: String,
    pub libc: crate::buildcfg::ctoolchain::Libc,
    pub tags: Vec<String>,
    pub go_version: Option<String>,
    pub notes: Vec<String>,
    pub summary: String,
}

impl ConfigSummary {
    pub fn of(cfg: &Config) -> ConfigSummary {
        ConfigSummary {
            goos: cfg.goos.clone(),
            goarch: cfg.goarch.clone(),
            cgo_enabled: cfg.cgo_enabled,
            cgo_reason: cfg.cgo_reason.describe(cfg.cgo_enabled),
            cc: cfg.cc.join(" "),
            libc: cfg.c_toolchain.libc,
            tags: cfg.flags.tags.clone().unwrap_or_default(),
            go_version: cfg.go_version.clone(),
            notes: cfg.notes.clone(),
            summary: cfg.summary(),
        }
    }
}

impl Engine {
    pub fn new(toolchain: Toolchain) -> Engine {
        Engine::with_sources(toolchain, Arc::new(Sources::new()))
    }

    /// An engine reading through `sources` (which may already hold files).
    pub fn with_sources(toolchain: Toolchain, sources: Arc<Sources>) -> Engine {
        Engine {
            toolchain: Arc::new(toolchain),
            sources,
            cache: Arc::new(PackageCache::new()),
            resolvers: Mutex::new(HashMap::new()),
            variants: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self, env: &Environ, args: &[String]) -> Result<(Config, Vec<String>), String> {
        Config::new(&self.toolchain, env, args)
    }

    /// The resolver for the module (or workspace) containing `dir`.
    pub fn resolver(&self, dir: &Path, cfg: &Config) -> Result<Arc<Resolver>, String> {
        let rc = ResolverConfig {
            goroot: cfg.goroot.clone().unwrap_or_default(),
            gomodcache: cfg.gomodcache.clone(),
            gowork: cfg.gowork.clone().filter(|w| !w.is_empty()),
            mod_flag: match cfg.flags.mod_flag.as_deref() {
                Some("mod") => Some(ModFlag::Mod),
                Some("readonly") => Some(ModFlag::Readonly),
                Some("vendor") => Some(ModFlag::Vendor),
                _ => None,
            },
        };
        let root = workspace::module_dir(dir).unwrap_or_else(|| dir.to_path_buf());
        let key = (
            root,
            format!("{:?}|{:?}|{:?}", rc.gowork, rc.mod_flag, rc.gomodcache),
        );
        if let Ok(m) = self.resolvers.lock()
            && let Some(r) = m.get(&key)
        {
            return Ok(r.clone());
        }
        let r = Arc::new(Resolver::new(dir, &rc)?);
        r.set_go_dir_probe(self.sources.go_dir_probe());
        if let Ok(mut m) = self.resolvers.lock() {
            m.insert(key, r.clone());
        }
        Ok(r)
    }

    /// Forgets every loaded package and variant prediction (settings
    /// changed: CC, tags or the C toolchain may differ).
    pub fn clear_caches(&self) {
        self.cache.clear();
        if let Ok(mut m) = self.variants.lock() {
            m.clear();
        }
    }

    /// Forgets everything derived from `path` (a changed file or directory).
    pub fn invalidate(&self, path: &Path) {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".go") {
            // One Go file: its header, its directory's listing and package.
            self.sources.invalidate_file(path);
            if let Ok(mut m) = self.variants.lock() {
                m.clear();
            }
            if let Some(dir) = path.parent() {
                self.cache.invalidate_dir(dir);
                // The directory may have gained or lost its Go files.
                if let Ok(rs) = self.resolvers.lock() {
                    for r in rs.values() {
                        r.forget_dir(dir);
                    }
                }
            }
            return;
        }
        self.sources.invalidate(path);
        if let Ok(mut m) = self.variants.lock() {
            m.clear();
        }
        let dir = if path.extension().is_some() {
            path.parent().unwrap_or(path)
        } else {
            path
        };
        self.cache.invalidate(dir);
        if matches!(name, "go.mod" | "go.work" | "modules.txt" | "go.sum")
            || path.extension().is_none()
        {
            if let Ok(mut m) = self.resolvers.lock() {
                m.clear();
            }
            // Module boundaries may have moved: package identities change.
            self.cache.clear();
        }
    }

    /// `linklens check`: every main package the patterns match, from `cwd`.
    pub fn check(
        &self,
        cwd: &Path,
        cfg: &Config,
        pats: &[String],
        with_fixes: bool,
    ) -> Result<Report, String> {
        let started = std::time::Instant::now();
        let stage = crate::log::Stages::new();
        let resolver = self.resolver(cwd, cfg)?;
        let matched = patterns::expand(pats, cwd, &resolver, &self.sources)?;
        stage.done("patterns");
        let loader = Loader::new(cfg, &resolver, &self.sources, &self.cache);
        // Loading reads every matched directory: mostly system calls, done
        // on every core, like the predictions after it.
        let loaded = crate::par::map(&matched, |m| {
            let module = resolver
                .main_modules()
                .iter()
                .find(|mm| m.dir.starts_with(&mm.dir))
                .map(|mm| (mm.path.clone(), None));
            loader.load_dir(&m.import_path, &m.dir, false, module)
        });
        let mains: Vec<_> = matched
            .iter()
            .zip(loaded)
            .filter(|(m, pkg)| pkg.is_main() && (m.explicit || !pkg.files.is_empty()))
            .map(|(_, pkg)| pkg)
            .collect();
        stage.done("load matched");
        loader.preload(&mains);
        stage.done("preload");
        tracing::debug!(
            matched = matched.len(),
            mains = mains.len(),
            elapsed = ?started.elapsed(),
            "loaded {} package(s), {} main",
            matched.len(),
            mains.len()
        );
        // Main packages are independent and the caches are shared and
        // thread-safe. With fixes, the fix variants a prediction will ask
        // for run alongside it (see `likely_variants`): one main's
        // prediction alone left a core idle.
        let graphs = crate::par::map(&mains, |m| {
            std::sync::Mutex::new(Some(loader.graph(m.clone())))
        });
        let mut jobs: Vec<(usize, Option<Variant>)> = (0..mains.len()).map(|i| (i, None)).collect();
        if with_fixes {
            for (i, g) in graphs.iter().enumerate() {
                if let Ok(g) = g.lock()
                    && let Some(g) = g.as_ref()
                {
                    jobs.extend(likely_variants(cfg, g).into_iter().map(|v| (i, Some(v))));
                }
            }
        }
        let done = crate::par::map(&jobs, |(i, v)| {
            let main = &mains[*i];
            match v {
                None => {
                    let graph = graphs[*i].lock().ok().and_then(|mut g| g.take());
                    Some(match graph {
                        Some(g) => predict::predict_graph(&loader, g),
                        None => predict::predict(&loader, main.clone()),
                    })
                }
                Some(v) => {
                    self.variant_of(cfg, &main.dir, &main.import_path, None, v);
                    None
                }
            }
        });
        let mut packages: Vec<Prediction> = done.into_iter().flatten().collect();
        stage.done("predict");
        if with_fixes {
            // Every (main, variant) prediction on every core (one main has
            // three), remembered; then each main's fixes from them.
            let jobs: Vec<(&Prediction, Variant)> = packages
                .iter()
                .filter(|p| p.link.result != Verdict::Static)
                .flat_map(|p| fix_variants(cfg, p).into_iter().map(move |v| (p, v)))
                .collect();
            crate::par::map(&jobs, |(pred, v)| self.predict_variant(cfg, pred, v));
            let fixes = crate::par::map(&packages, |pred| self.fixes(cfg, pred));
            for (p, f) in packages.iter_mut().zip(fixes) {
                p.fixes = f;
            }
            stage.done("fixes");
        }
        Ok(Report {
            config: ConfigSummary::of(cfg),
            packages,
        })
    }

    /// Predicts the main package in `dir` under `cfg`.
    pub fn predict_dir(&self, cfg: &Config, dir: &Path) -> Result<Option<Prediction>, String> {
        self.predict_main(cfg, dir, None)
    }

    /// `predict_dir`, repairing `before` (the package's graph from before
    /// the directory in it was invalidated) when it can.
    fn predict_main(
        &self,
        cfg: &Config,
        dir: &Path,
        before: Option<(Graph, &Path)>,
    ) -> Result<Option<Prediction>, String> {
        let resolver = self.resolver(dir, cfg)?;
        let loader = Loader::new(cfg, &resolver, &self.sources, &self.cache);
        let Some(ip) = resolver.import_path_for_dir(dir) else {
            return Err(format!("{} is not inside a main module", dir.display()));
        };
        let started = std::time::Instant::now();
        let pkg = loader.load_dir(&ip, dir, false, None);
        if !pkg.is_main() {
            return Ok(None);
        }
        let repaired = before.is_some();
        let graph = match before {
            Some((old, changed)) => loader.regraph(old, pkg, changed),
            None => loader.graph(pkg),
        };
        tracing::debug!(
            packages = graph.len(),
            repaired,
            elapsed = ?started.elapsed(),
            "loaded the import graph of {ip}"
        );
        Ok(Some(predict::predict_graph(&loader, graph)))
    }

    /// `predict_dir` for several directories at once, on every core.
    pub fn predict_dirs(
        &self,
        jobs: &[(&Config, &Path)],
    ) -> Vec<Result<Option<Prediction>, String>> {
        crate::par::map(jobs, |(cfg, dir)| self.predict_dir(cfg, dir))
    }

    /// `predict_dirs` after the Go files of `changed` (a directory) were
    /// invalidated, each job with the graph of its prediction from just
    /// before: the graphs are repaired where the change allows it
    /// (`Loader::regraph`) rather than walked again.
    pub fn repredict_dirs(
        &self,
        jobs: &[RepredictJob],
        changed: &Path,
    ) -> Vec<Result<Option<Prediction>, String>> {
        crate::par::map(jobs, |(cfg, dir, old)| {
            // The caller's own copy, usually: taken, not cloned.
            let old = old.lock().ok().and_then(|mut o| o.take());
            let before = old.map(|g| (Arc::unwrap_or_clone(g), changed));
            self.predict_main(cfg, dir, before)
        })
    }

    /// The prediction of `pred`'s package under a variant of `cfg`,
    /// remembered until the next [`Engine::invalidate`]. The variant's
    /// configuration derives from `cfg`'s environment, flags and directory
    /// only, so those (with the variant and the package) are the key.
    pub fn predict_variant(
        &self,
        cfg: &Config,
        pred: &Prediction,
        v: &Variant,
    ) -> Option<VariantPrediction> {
        self.variant_of(cfg, &pred.dir, &pred.import_path, Some(&pred.graph), v)
    }

    /// `predict_variant` of the main package `import_path` in `dir`, whose
    /// prediction under `cfg` walked `graph` (when known: a variant of the
    /// same packages then shares it).
    fn variant_of(
        &self,
        cfg: &Config,
        dir: &Path,
        import_path: &str,
        graph: Option<&Graph>,
        v: &Variant,
    ) -> Option<VariantPrediction> {
        let key = format!(
            "{v:?}|{}|{}|{:?}|{:?}|{:?}",
            dir.display(),
            import_path,
            cfg.env,
            cfg.flags,
            cfg.workdir
        );
        if let Ok(m) = self.variants.lock()
            && let Some(hit) = m.get(&key)
        {
            return Some(hit.clone());
        }
        let started = std::time::Instant::now();
        let vcfg = v.apply(&self.toolchain, cfg, import_path);
        let resolver = self.resolver(dir, &vcfg).ok()?;
        let loader = Loader::new(&vcfg, &resolver, &self.sources, &self.cache);
        let same_packages = vcfg.tags == cfg.tags
            && self
                .resolver(dir, cfg)
                .is_ok_and(|r| Arc::ptr_eq(&r, &resolver));
        let vp = match graph {
            // Same tags, same modules: the same graph (musl static changes
            // only the C toolchain and link flags).
            Some(g) if same_packages && g.is_current(&self.cache) => {
                predict::predict_graph(&loader, g.imported_only())
            }
            _ => {
                let pkg = loader.load_dir(import_path, dir, false, None);
                predict::predict(&loader, pkg)
            }
        };
        tracing::debug!(
            variant = v.id,
            shared_graph = same_packages,
            elapsed = ?started.elapsed(),
            "predicted {} with {}",
            import_path,
            v.id
        );
        let out = Arc::new((vcfg, vp));
        if let Ok(mut m) = self.variants.lock() {
            if m.len() >= VARIANT_MEMO_MAX {
                m.clear();
            }
            m.insert(key, out.clone());
        }
        Some(out)
    }

    /// The fixes that would make `pred` static, each predicted.
    pub fn fixes(&self, cfg: &Config, pred: &Prediction) -> Vec<Fix> {
        if pred.link.result == Verdict::Static {
            return Vec::new();
        }
        fix_variants(cfg, pred)
            .into_iter()
            .filter_map(|v| {
                let both = self.predict_variant(cfg, pred, &v)?;
                let (vcfg, vp) = &*both;
                // Failing as the build itself does (a go.mod needing a newer
                // Go, an import cycle) is no way out: leave it unsaid.
                if vp.link.result == Verdict::Fails && vp.link.error == pred.link.error {
                    return None;
                }
                let available = v.id != "musl-static" || vcfg.c_toolchain.path.is_some();
                Some(Fix {
                    id: v.id.to_string(),
                    title: v.title.clone(),
                    env: v.env.clone(),
                    tags: v.add_tags.clone(),
                    ldflags: v.add_ldflags.clone(),
                    breaks: breaks(&v, &pred.cgo_packages, vp.link.result),
                    link: vp.link.clone(),
                    caveats: vp.caveats.clone(),
                    available,
                })
            })
            .collect()
    }

    /// The fix that lowers `pred`'s glibc floor to `min` (see
    /// [`glibc_fix_variant`]): its link is the engine's prediction of that
    /// build, with the lowered floor, as once zig is installed; `available`
    /// says whether `zig` is on PATH (looked up, never run). Symbols the
    /// older glibc does not have are what it breaks (the link fails on them).
    pub fn glibc_fix(&self, cfg: &Config, pred: &Prediction, min: &[u32]) -> Option<Fix> {
        let v = glibc_fix_variant(cfg, pred, min)?;
        let both = self.predict_variant(cfg, pred, &v)?;
        let (_, vp) = &*both;
        if vp.link.result == Verdict::Fails && vp.link.error == pred.link.error {
            return None;
        }
        let breaks = vp
            .link
            .glibc_floor_source
            .iter()
            .flat_map(|f| &f.notes)
            .filter(|n| n.contains("has no version at or below"))
            .map(|n| {
                let head = n.split_once("; ").map_or(n.as_str(), |(h, _)| h);
                format!("{head}: this build fails on it")
            })
            .collect();
        Some(Fix {
            id: v.id.to_string(),
            title: v.title.clone(),
            env: v.env.clone(),
            tags: v.add_tags.clone(),
            ldflags: v.add_ldflags.clone(),
            breaks,
            link: vp.link.clone(),
            caveats: vp.caveats.clone(),
            available: crate::buildcfg::trust::lookup_path("zig", &cfg.env).is_some(),
        })
    }
}

/// The variant that lowers `pred`'s glibc floor to `min` (`zig-glibc`):
/// only for a dynamic glibc link on Linux whose predicted floor is above
/// `min`, that is where `glibc-too-new` applies.
pub fn glibc_fix_variant(cfg: &Config, pred: &Prediction, min: &[u32]) -> Option<Variant> {
    if cfg.goos != "linux"
        || cfg.c_toolchain.libc != crate::buildcfg::ctoolchain::Libc::Glibc
        || pred.link.result != Verdict::Dynamic
    {
        return None;
    }
    predict::glibc::too_new(pred, min)?;
    Variant::zig_glibc(&cfg.goarch, min)
}

/// The fix variants that `fix_variants` will most likely ask for, known
/// from the main package's graph before its prediction, and walking other
/// packages than it (musl static shares the prediction's graph): with cgo
/// on and a package using it, on the platforms whose fixes are
/// `CGO_ENABLED=0` and the pure-Go tags. A wrong guess costs a prediction
/// nobody asks for; the fixes then predict what they need.
fn likely_variants(cfg: &Config, g: &Graph) -> Vec<Variant> {
    if !cfg.cgo_enabled || matches!(cfg.goos.as_str(), "windows" | "darwin") {
        return Vec::new();
    }
    let mut any = false;
    let mut std_cgo: Vec<&str> = Vec::new();
    for (path, p) in g.packages_with(crate::load::graph::Has::CgoFiles) {
        any = true;
        if p.standard {
            std_cgo.push(path);
        }
    }
    if !any {
        return Vec::new();
    }
    // Most costly first: the pure-Go tags' walk re-resolves every package
    // that leads to net.
    let mut variants: Vec<Variant> = Variant::pure_go_tags_of(&std_cgo).into_iter().collect();
    variants.push(Variant::cgo_disabled());
    variants
}

/// The variants that may make `pred` static, least invasive first (see
/// `fixes::invasiveness`).
fn fix_variants(cfg: &Config, pred: &Prediction) -> Vec<Variant> {
    let mut variants = Vec::new();
    match cfg.goos.as_str() {
        // Windows and macOS binaries are never static: the fix is to need
        // nothing beyond the system's own libraries.
        "windows" | "darwin" => {
            let nonsystem = pred.caveats.iter().any(|c| {
                c.code == crate::predict::windows::NONSYSTEM_CODE
                    || c.code == crate::predict::darwin::NONSYSTEM_CODE
            });
            if !nonsystem && pred.cgo_packages.is_empty() {
                return Vec::new();
            }
            variants.push(Variant::cgo_disabled());
            if cfg.goos == "windows" && nonsystem {
                variants.push(Variant::mingw_static());
            }
        }
        _ => {
            if let Some(v) = Variant::pure_go_tags(&pred.cgo_packages) {
                variants.push(v);
            }
            variants.push(Variant::cgo_disabled());
            variants.push(Variant::musl_static_for(cfg));
        }
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Variant predictions are remembered (the same result, not recomputed)
    /// until a file changes, and then reflect the change.
    #[test]
    fn variant_predictions_are_remembered_until_invalidate() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
        let main = dir.join("main.go");
        std::fs::write(&main, "package main\n\nfunc main() {}\n").unwrap();
        let engine = Engine::new(Toolchain::fixed_for_tests());
        let (cfg, _) = engine.config(&Environ::new(), &[]).unwrap();
        let pred = engine.predict_dir(&cfg, &dir).unwrap().unwrap();
        let v = Variant::cgo_disabled();
        let a = engine.predict_variant(&cfg, &pred, &v).unwrap();
        assert_eq!(a.1.link.result, Verdict::Static);
        let again = engine.predict_variant(&cfg, &pred, &v).unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        let other = engine
            .predict_variant(&cfg, &pred, &Variant::glibc_static())
            .unwrap();
        assert!(!Arc::ptr_eq(&a, &other));

        std::fs::write(
            &main,
            "package main\n\nimport _ \"example.com/m/missing\"\n\nfunc main() {}\n",
        )
        .unwrap();
        engine.invalidate(&main);
        let after = engine.predict_variant(&cfg, &pred, &v).unwrap();
        assert_eq!(after.1.link.result, Verdict::Fails, "{:?}", after.1.link);
        engine.clear_caches();
        let cleared = engine.predict_variant(&cfg, &pred, &v).unwrap();
        assert!(!Arc::ptr_eq(&after, &cleared));
    }

    /// This process's environment without what would choose another
    /// build than the host's default.
    fn host_env() -> Environ {
        let mut env = crate::buildcfg::trust::process_env();
        for k in [
            "CC",
            "CGO_ENABLED",
            "GOOS",
            "GOARCH",
            "CGO_LDFLAGS",
            "GOFLAGS",
        ] {
            env.remove(k);
        }
        env
    }

    /// The variants run alongside a prediction are those its fixes then
    /// ask for, bar musl static (which shares the prediction's graph): for
    /// net alone, os/user alone, both, and none (a static program, whose
    /// fixes ask for nothing).
    #[test]
    fn likely_variants_are_the_fixes_that_walk_their_own_graph() {
        let mut env = host_env();
        env.insert("CGO_ENABLED".into(), "1".into());
        let engine = Engine::new(Toolchain::discover(&env));
        let (cfg, _) = engine.config(&env, &[]).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let cases: [(&str, &[&str]); 4] = [
            ("net", &["netgo"]),
            ("os/user", &["osusergo"]),
            ("net\"\n\t\"os/user", &["netgo", "osusergo"]),
            ("strings", &[]),
        ];
        for (n, (imports, tags)) in cases.iter().enumerate() {
            let dir = tmp.path().join(format!("m{n}"));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
            let blank: String = imports
                .split("\"\n\t\"")
                .map(|i| format!("\t_ \"{i}\"\n"))
                .collect();
            std::fs::write(
                dir.join("main.go"),
                format!("package main\n\nimport (\n{blank})\n\nfunc main() {{}}\n"),
            )
            .unwrap();
            let pred = engine.predict_dir(&cfg, &dir).unwrap().unwrap();
            let likely = likely_variants(&cfg, &pred.graph);
            let asked: Vec<Variant> = if pred.link.result == Verdict::Static {
                Vec::new()
            } else {
                fix_variants(&cfg, &pred)
                    .into_iter()
                    .filter(|v| v.id != "musl-static")
                    .collect()
            };
            assert_eq!(likely, asked, "{imports}");
            let likely_tags: Vec<&str> = likely
                .iter()
                .flat_map(|v| &v.add_tags)
                .map(String::as_str)
                .collect();
            assert_eq!(likely_tags, *tags, "{imports}");
        }
    }

    /// The `zig-glibc` fix exists exactly where `glibc-too-new` applies (a
    /// dynamic glibc link whose floor is above the minimum), names zig's
    /// target for that glibc, and carries the floor the engine predicts for
    /// that build, whether or not zig is on PATH (`available` says which).
    #[test]
    fn zig_glibc_fix_only_where_the_floor_is_above_the_minimum() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
        std::fs::write(
            dir.join("main.go"),
            "package main\n\nimport (\n\t\"net\"\n\t\"os/user\"\n)\n\nfunc main() { user.Current(); net.LookupHost(\"x\") }\n",
        )
        .unwrap();
        let env = host_env();
        let engine = Engine::new(Toolchain::discover(&env));
        let (cfg, _) = engine.config(&env, &[]).unwrap();
        let pred = engine.predict_dir(&cfg, &dir).unwrap().unwrap();
        assert_eq!(pred.link.result, Verdict::Dynamic, "{:?}", pred.link);
        // This machine's glibc (2.36): pthread_attr_getstack@GLIBC_2.34.
        assert_eq!(pred.link.glibc_floor.as_deref(), Some("GLIBC_2.34"));

        let triple = predict::glibc::zig_triple(&cfg.goarch).unwrap();
        let v = glibc_fix_variant(&cfg, &pred, &[2, 28, 0]).expect("2.34 is above 2.28");
        assert_eq!(v.id, "zig-glibc");
        let cc = format!("zig cc -target {triple}.2.28");
        assert_eq!(v.env, vec![("CC".to_string(), cc.clone())]);
        assert_eq!(v.title, format!("CC=\"{cc}\""));
        assert_eq!(glibc_fix_variant(&cfg, &pred, &[2, 28]), Some(v));
        // At or above the floor: nothing to lower.
        for min in [&[2, 34][..], &[2, 34, 0], &[2, 36]] {
            assert_eq!(glibc_fix_variant(&cfg, &pred, min), None, "{min:?}");
            assert!(engine.glibc_fix(&cfg, &pred, min).is_none(), "{min:?}");
        }
        // The static fixes never include it.
        assert!(
            engine
                .fixes(&cfg, &pred)
                .iter()
                .all(|f| f.id != "zig-glibc")
        );

        let fix = engine.glibc_fix(&cfg, &pred, &[2, 28]).unwrap();
        assert_eq!(fix.link.result, Verdict::Dynamic, "{:?}", fix.link);
        assert_eq!(fix.link.glibc_floor.as_deref(), Some("GLIBC_2.3.2"));
        assert!(fix.breaks.is_empty(), "{:?}", fix.breaks);
        let zig = crate::buildcfg::trust::lookup_path("zig", &cfg.env);
        assert_eq!(fix.available, zig.is_some());

        // No zig on PATH: the same prediction, not available.
        let mut bare = env.clone();
        bare.insert("PATH".into(), "/usr/bin:/bin".into());
        let (bcfg, _) = engine.config(&bare, &[]).unwrap();
        if crate::buildcfg::trust::lookup_path("zig", &bcfg.env).is_none() {
            let f = engine.glibc_fix(&bcfg, &pred, &[2, 28]).unwrap();
            assert!(!f.available);
            assert_eq!(f.link.glibc_floor.as_deref(), Some("GLIBC_2.3.2"));
        }

        // Static (cgo off), or not glibc (musl-gcc): no floor, no fix.
        for (k, val) in [("CGO_ENABLED", "0"), ("CC", "musl-gcc")] {
            let mut e = env.clone();
            e.insert(k.into(), val.into());
            let (c, _) = engine.config(&e, &[]).unwrap();
            let p = engine.predict_dir(&c, &dir).unwrap().unwrap();
            assert!(glibc_fix_variant(&c, &p, &[2, 28]).is_none(), "{k}={val}");
        }
    }

    /// `check` predicts the fixes with graphs that reuse the base
    /// configuration's packages and resolved imports; each graph and
    /// prediction must equal what a fresh engine makes under the fix's own
    /// configuration (real go env, the bundled example: mains that use net,
    /// os/user, cgo and none).
    #[test]
    fn fixes_predicted_from_shared_graphs_match_fresh_predictions() {
        let shop = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/shop");
        let env = crate::buildcfg::trust::process_env();
        let engine = Engine::new(Toolchain::discover(&env));
        let (cfg, _) = engine.config(&env, &[]).unwrap();
        let report = engine.check(&shop, &cfg, &["./...".into()], true).unwrap();
        // What a graph is made of: its packages in order, with their files.
        let contents = |g: &crate::load::graph::Graph| -> Vec<(String, Vec<String>)> {
            g.iter()
                .map(|(path, pkg)| {
                    let files = pkg.files.iter().map(|f| f.path.display().to_string());
                    (path.to_string(), files.collect())
                })
                .collect()
        };
        let mut compared = 0;
        for pred in &report.packages {
            let mut variants = vec![Variant::cgo_disabled(), Variant::musl_static()];
            variants.extend(Variant::pure_go_tags(&pred.cgo_packages));
            for v in variants {
                let shared = engine.predict_variant(&cfg, pred, &v).unwrap();
                let fresh = Engine::new(Toolchain::discover(&env));
                let vcfg = v.apply(&fresh.toolchain, &cfg, &pred.import_path);
                let alone = fresh.predict_dir(&vcfg, &pred.dir).unwrap().unwrap();
                let what = format!("{} with {}", pred.import_path, v.id);
                assert_eq!(contents(&shared.1.graph), contents(&alone.graph), "{what}");
                assert_eq!(shared.1.link, alone.link, "{what}");
                assert_eq!(shared.1.caveats, alone.caveats, "{what}");
                compared += 1;
            }
        }
        assert!(compared >= 8, "only {compared} variants compared");
    }
}
