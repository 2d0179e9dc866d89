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
    /// (tag-context hash, imported from std) → import path → package: the
    /// resolution of an import, so graph walks skip the resolver.
    imports: RwLock<HashMap<(u64, bool), ImportMemo>>,
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

    /// Drops the packages loaded from exactly `dir` (a file in it changed).
    pub fn invalidate_dir(&self, dir: &Path) {
        if let Ok(mut m) = self.map.write() {
            for pkgs in m.values_mut() {
                pkgs.remove(dir);
            }
        }
        if let Ok(mut m) = self.imports.write() {
            let dir = dir.as_os_str();
            for pkgs in m.values_mut() {
                pkgs.retain(|_, p| p.dir.as_os_str() != dir);
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

/// Import path → the package it resolves to, for one tag set and importer kind.
type ImportMemo = HashMap<String, Arc<Package>>;

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
    parent: HashMap<String, Parent>,
    pub unresolved: Vec<Unresolved>,
}

/// How a package entered the graph: the `index`-th import of `pkg`, or an
/// implicit dependency the go command adds (with the spec to blame).
#[derive(Debug, Clone)]
enum Parent {
    Import(Arc<Package>, usize),
    Implicit(String, Import),
}

impl Parent {
    fn get(&self) -> (&str, &Import) {
        match self {
            Parent::Import(p, i) => (&p.import_path, &p.imports[*i]),
            Parent::Implicit(p, imp) => (p, imp),
        }
    }
}

impl Graph {
    pub fn chain(&self, target: &str) -> ImportChain {
        let mut packages = vec![target.to_string()];
        let mut imports = Vec::new();
        let mut cur = target;
        while let Some((p, imp)) = self.parent.get(cur).map(Parent::get) {
            packages.push(p.to_string());
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
                .get(&(self.tag_key, importer_is_std))
                .and_then(|t| t.get(path))
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
            m.entry((self.tag_key, importer_is_std))
                .or_default()
                .insert(path.to_string(), pkg.clone());
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
            for (idx, imp) in pkg.imports.iter().enumerate() {
                if imp.path == "C"
                    || !seen_here.insert(imp.path.as_str())
                    || g.packages.contains_key(&imp.path)
                {
                    continue;
                }
                match self.resolve(&imp.path, pkg.standard) {
                    Ok(dep) => {
                        g.parent
                            .insert(imp.path.clone(), Parent::Import(pkg.clone(), idx));
                        g.order.push(imp.path.clone());
                        g.packages.insert(imp.path.clone(), dep.clone());
                        queue.push_back(dep);
                    }
                    Err(resolution) => {
                        if !g.unresolved.iter().any(|u| u.import_path == imp.path) {
                            g.parent
                                .insert(imp.path.clone(), Parent::Import(pkg.clone(), idx));
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
                let parent = sub
                    .parent
                    .remove(&p)
                    .unwrap_or_else(|| Parent::Implicit(g.main.clone(), reason_import.clone()));
                g.parent.insert(p.clone(), parent);
                if let Some(pkg) = sub.packages.remove(&p) {
                    g.packages.insert(p.clone(), pkg);
                }
                g.order.push(p);
            }
            g.unresolved.extend(sub.unresolved);
        }
    }
}
