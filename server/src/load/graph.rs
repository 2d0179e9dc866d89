//! The import graph of one main package, built breadth-first so that the
//! chain recorded for each package is a shortest one (`main → net/http →
//! net`), and the loader that fills it from a shared package cache.

use super::package::{Import, Package};
use super::source::Sources;
use crate::build::Config;
use crate::modules::{Resolution, Resolver};
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Packages loaded under some tag set, shared between configurations and
/// requests. Keyed by directory and the tag context they were loaded with.
#[derive(Default)]
pub struct PackageCache {
    /// Tag-context hash → directory → package.
    map: RwLock<HashMap<u64, HashMap<PathBuf, Arc<Package>>>>,
    /// Tag-context hash → (import path, imported from std) → package: the
    /// resolution of an import, so graph walks skip the resolver.
    imports: RwLock<HashMap<u64, HashMap<(String, bool), Arc<Package>>>>,
}

impl PackageCache {
    pub fn new() -> PackageCache {
        PackageCache::default()
    }

    /// Drops packages in `dir` (a changed file's directory) or below it.
    pub fn invalidate(&self, path: &Path) {
        if let Ok(mut m) = self.map.write() {
            for pkgs in m.values_mut() {
                pkgs.retain(|d, _| !d.starts_with(path));
            }
        }
        if let Ok(mut m) = self.imports.write() {
            for pkgs in m.values_mut() {
                pkgs.retain(|_, p| !p.dir.starts_with(path));
            }
        }
    }

    pub fn clear(&self) {
        if let Ok(mut m) = self.map.write() {
            m.clear();
        }
        if let Ok(mut m) = self.imports.write() {
            m.clear();
        }
    }

    pub fn len(&self) -> usize {
        self.map
            .read()
            .map(|m| m.values().map(HashMap::len).sum())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An import that could not be turned into a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub import_path: String,
    pub importer: String,
    pub import: Import,
    pub resolution: Resolution,
}

/// The chain of imports from the main package to a package.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportChain {
    /// Import paths from the main package to the target, both included.
    pub packages: Vec<String>,
    /// The import spec in each package of the chain that leads to the next
    /// (`imports.len() == packages.len() - 1`).
    pub imports: Vec<Import>,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub main: String,
    pub packages: HashMap<String, Arc<Package>>,
    /// Import paths in breadth-first order from the main package.
    pub order: Vec<String>,
    parent: HashMap<String, (String, Import)>,
    pub unresolved: Vec<Unresolved>,
}

impl Graph {
    pub fn chain(&self, target: &str) -> ImportChain {
        let mut packages = vec![target.to_string()];
        let mut imports = Vec::new();
        let mut cur = target;
        while let Some((p, imp)) = self.parent.get(cur) {
            packages.push(p.clone());
            imports.push(imp.clone());
            cur = p;
            if packages.len() > self.packages.len() + 1 {
                break; // defensive: the parent map is a tree by construction
            }
        }
        packages.reverse();
        imports.reverse();
        ImportChain { packages, imports }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.packages.contains_key(path)
    }

    pub fn get(&self, path: &str) -> Option<&Arc<Package>> {
        self.packages.get(path)
    }
}

/// Loads packages for one configuration.
pub struct Loader<'a> {
    pub cfg: &'a Config,
    pub resolver: &'a Resolver,
    pub sources: &'a Sources,
    pub cache: &'a PackageCache,
    tag_key: u64,
}

impl<'a> Loader<'a> {
    pub fn new(
        cfg: &'a Config,
        resolver: &'a Resolver,
        sources: &'a Sources,
        cache: &'a PackageCache,
    ) -> Loader<'a> {
        use std::hash::{Hash, Hasher};
        let mut h = rustc_hash::FxHasher::default();
        format!("{:?}", cfg.tags).hash(&mut h);
        // Two modules may resolve one import path differently.
        (resolver as *const Resolver as usize).hash(&mut h);
        Loader {
            tag_key: h.finish(),
            cfg,
            resolver,
            sources,
            cache,
        }
    }

    /// Loads (or takes from the cache) the package in `dir`.
    pub fn load_dir(
        &self,
        import_path: &str,
        dir: &Path,
        standard: bool,
        module: Option<(String, Option<String>)>,
    ) -> Arc<Package> {
        if let Ok(m) = self.cache.map.read()
            && let Some(p) = m.get(&self.tag_key).and_then(|pkgs| pkgs.get(dir))
        {
            return p.clone();
        }
        let mut pkg = Package::load(self.sources, import_path, dir, standard, &self.cfg.tags);
        pkg.module = module;
        let pkg = Arc::new(pkg);
        if let Ok(mut m) = self.cache.map.write() {
            m.entry(self.tag_key)
                .or_default()
                .insert(dir.to_path_buf(), pkg.clone());
        }
        pkg
    }

    /// The package for an import path as seen from `importer`.
    pub fn resolve(&self, path: &str, importer_is_std: bool) -> Result<Arc<Package>, Resolution> {
        if let Ok(m) = self.cache.imports.read()
            && let Some(p) = m
                .get(&self.tag_key)
                .and_then(|t| t.get(&(path.to_string(), importer_is_std)))
        {
            return Ok(p.clone());
        }
        let pkg = match self.resolver.resolve(path, importer_is_std) {
            Resolution::Std { dir } => self.load_dir(path, &dir, true, None),
            Resolution::Module {
                module,
                version,
                dir,
                ..
            } => self.load_dir(path, &dir, false, Some((module, version))),
            other => return Err(other),
        };
        if let Ok(mut m) = self.cache.imports.write() {
            m.entry(self.tag_key)
                .or_default()
                .insert((path.to_string(), importer_is_std), pkg.clone());
        }
        Ok(pkg)
    }

    /// The import graph from `main`, breadth first.
    pub fn graph(&self, main: Arc<Package>) -> Graph {
        let mut g = Graph {
            main: main.import_path.clone(),
            ..Graph::default()
        };
        let mut queue = VecDeque::new();
        g.order.push(main.import_path.clone());
        g.packages.insert(main.import_path.clone(), main.clone());
        queue.push_back(main);
        while let Some(pkg) = queue.pop_front() {
            let mut seen_here = rustc_hash::FxHashSet::default();
            for imp in &pkg.imports {
                if imp.path == "C"
                    || !seen_here.insert(imp.path.as_str())
                    || g.packages.contains_key(&imp.path)
                {
                    continue;
                }
                match self.resolve(&imp.path, pkg.standard) {
                    Ok(dep) => {
                        g.parent
                            .insert(imp.path.clone(), (pkg.import_path.clone(), imp.clone()));
                        g.order.push(imp.path.clone());
                        g.packages.insert(imp.path.clone(), dep.clone());
                        queue.push_back(dep);
                    }
                    Err(resolution) => {
                        if !g.unresolved.iter().any(|u| u.import_path == imp.path) {
                            g.parent
                                .insert(imp.path.clone(), (pkg.import_path.clone(), imp.clone()));
                            g.unresolved.push(Unresolved {
                                import_path: imp.path.clone(),
                                importer: pkg.import_path.clone(),
                                import: imp.clone(),
                                resolution,
                            });
                        }
                    }
                }
            }
        }
        g
    }

    /// Adds packages the go command links without an import (runtime/cgo
    /// for external linking, runtime/race for -race) to the graph, with
    /// the main package as their parent.
    pub fn add_implicit(&self, g: &mut Graph, path: &str, reason_import: Import) {
        if g.packages.contains_key(path) {
            return;
        }
        if let Ok(pkg) = self.resolve(path, true) {
            let mut sub = self.graph(pkg);
            for p in std::mem::take(&mut sub.order) {
                if g.packages.contains_key(&p) {
                    continue;
                }
                let (parent, imp) = match sub.parent.remove(&p) {
                    Some(pi) => pi,
                    None => (g.main.clone(), reason_import.clone()),
                };
                g.parent.insert(p.clone(), (parent, imp));
                if let Some(pkg) = sub.packages.remove(&p) {
                    g.packages.insert(p.clone(), pkg);
                }
                g.order.push(p);
            }
            g.unresolved.extend(sub.unresolved);
        }
    }
}
