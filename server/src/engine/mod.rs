//! The engine: one toolchain, one source cache and one package cache shared
//! by every prediction, whether it comes from the CLI or the language server.

use crate::build::{Config, Environ, Toolchain};
use crate::load::graph::{Loader, PackageCache};
use crate::load::patterns;
use crate::load::source::Sources;
use crate::modules::{ModFlag, Resolver, ResolverConfig};
use crate::predict::fixes::{Variant, breaks};
use crate::predict::{self, Fix, Prediction, Verdict};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct Engine {
    pub toolchain: Arc<Toolchain>,
    pub sources: Arc<Sources>,
    pub cache: Arc<PackageCache>,
    resolvers: Mutex<HashMap<(PathBuf, String), Arc<Resolver>>>,
}

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
    pub libc: crate::build::ctoolchain::Libc,
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
        Engine {
            toolchain: Arc::new(toolchain),
            sources: Arc::new(Sources::new()),
            cache: Arc::new(PackageCache::new()),
            resolvers: Mutex::new(HashMap::new()),
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
        let root = module_root(dir).unwrap_or_else(|| dir.to_path_buf());
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
        if let Ok(mut m) = self.resolvers.lock() {
            m.insert(key, r.clone());
        }
        Ok(r)
    }

    /// Forgets everything derived from `path` (a changed file or directory).
    pub fn invalidate(&self, path: &Path) {
        self.sources.invalidate(path);
        let dir = if path.extension().is_some() {
            path.parent().unwrap_or(path)
        } else {
            path
        };
        self.cache.invalidate(dir);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
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
        let resolver = self.resolver(cwd, cfg)?;
        let matched = patterns::expand(pats, cwd, &resolver)?;
        let loader = Loader::new(cfg, &resolver, &self.sources, &self.cache);
        let mut mains = Vec::new();
        for m in matched {
            let module = resolver
                .main_modules()
                .iter()
                .find(|mm| m.dir.starts_with(&mm.dir))
                .map(|mm| (mm.path.clone(), None));
            let pkg = loader.load_dir(&m.import_path, &m.dir, false, module);
            if pkg.is_main() && (m.explicit || !pkg.files.is_empty()) {
                mains.push(pkg);
            }
        }
        // Main packages are independent and the caches are shared and
        // thread-safe: predict them on every core, keeping the input order.
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, Prediction)>> = Mutex::new(Vec::with_capacity(mains.len()));
        std::thread::scope(|scope| {
            for _ in 0..workers.min(mains.len()) {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(pkg) = mains.get(i) else { break };
                        let mut pred = predict::predict(&loader, pkg.clone());
                        if with_fixes {
                            pred.fixes = self.fixes(cfg, &pred);
                        }
                        if let Ok(mut r) = results.lock() {
                            r.push((i, pred));
                        }
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_default();
        results.sort_by_key(|(i, _)| *i);
        let packages: Vec<Prediction> = results.into_iter().map(|(_, p)| p).collect();
        Ok(Report {
            config: ConfigSummary::of(cfg),
            packages,
        })
    }

    /// Predicts the main package in `dir` under `cfg`.
    pub fn predict_dir(&self, cfg: &Config, dir: &Path) -> Result<Option<Prediction>, String> {
        let resolver = self.resolver(dir, cfg)?;
        let loader = Loader::new(cfg, &resolver, &self.sources, &self.cache);
        let Some(ip) = resolver.import_path_for_dir(dir) else {
            return Err(format!("{} is not inside a main module", dir.display()));
        };
        let pkg = loader.load_dir(&ip, dir, false, None);
        if !pkg.is_main() {
            return Ok(None);
        }
        Ok(Some(predict::predict(&loader, pkg)))
    }

    /// The prediction of `pred`'s package under a variant of `cfg`.
    pub fn predict_variant(
        &self,
        cfg: &Config,
        pred: &Prediction,
        v: &Variant,
    ) -> Option<(Config, Prediction)> {
        let vcfg = v.apply(&self.toolchain, cfg, &pred.import_path);
        let resolver = self.resolver(&pred.dir, &vcfg).ok()?;
        let loader = Loader::new(&vcfg, &resolver, &self.sources, &self.cache);
        let pkg = loader.load_dir(&pred.import_path, &pred.dir, false, None);
        let vp = predict::predict(&loader, pkg);
        Some((vcfg, vp))
    }

    /// The fixes that would make `pred` static, each predicted.
    pub fn fixes(&self, cfg: &Config, pred: &Prediction) -> Vec<Fix> {
        if pred.link.result == Verdict::Static {
            return Vec::new();
        }
        let mut variants = vec![Variant::cgo_disabled()];
        if let Some(v) = Variant::pure_go_tags(&pred.cgo_packages) {
            variants.push(v);
        }
        variants.push(Variant::musl_static());
        variants
            .into_iter()
            .filter_map(|v| {
                let (vcfg, vp) = self.predict_variant(cfg, pred, &v)?;
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
                    link: vp.link,
                    caveats: vp.caveats,
                    available,
                })
            })
            .collect()
    }
}

fn module_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("go.mod").is_file())
        .map(Path::to_path_buf)
}
