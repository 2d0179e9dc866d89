//! The import graph of one main package, built breadth-first so that the
//! chain recorded for each package is a shortest one (`main → net/http →
//! net`), and the loader that fills it from a shared package cache.

use super::package::{Import, LoadError, Package};
use super::source::{PathMap, Sources};
use crate::buildcfg::Config;
use crate::modules::{Resolution, Resolver};
use hashbrown::HashTable;
use rustc_hash::FxHashMap as HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

/// Packages loaded under some tag set, shared between configurations and
/// requests. Keyed by directory and the tag context they were loaded with.
#[derive(Default)]
pub struct PackageCache {
    /// Tag-context hash → directory → package (in parts by directory).
    map: Sharded<HashMap<u64, PathMap<Arc<Package>>>>,
    /// (tag-context hash, imported from std) → import path → package: the
    /// resolution of an import, so graph walks skip the resolver.
    imports: Sharded<HashMap<(u64, bool), ImportMemo>>,
    /// What each package's imports resolve to, so a graph walk does one
    /// lookup per package instead of one per import.
    deps: RwLock<DepsTable>,
    /// (resolver address, directory) → packages loaded there: a package
    /// serves every tag context that answers its `tag_queries` the same
    /// (build variants mostly differ in tags that few packages test).
    shared: Sharded<HashMap<usize, PathMap<Vec<Arc<Package>>>>>,
    /// Bumped by every invalidation: a graph walked at an older generation
    /// may hold packages that changed since.
    generation: std::sync::atomic::AtomicU64,
    /// The most nodes and edges a graph has had: walks reserve that much
    /// rather than growing their tables a dozen times.
    largest_graph: (AtomicU32, AtomicU32),
}

/// A map behind sixteen locks, by the hash of its keys: the loader's
/// threads read these maps for every import and write them for every new
/// package; behind one lock each, a thread waited for the other's writes
/// (a futex sleep), and every read moved the lock's cache line between
/// the cores.
struct Sharded<T>([RwLock<T>; 16]);

impl<T: Default> Default for Sharded<T> {
    fn default() -> Self {
        Sharded(Default::default())
    }
}

impl<T> Sharded<T> {
    /// The part that holds `key` (a path or import path).
    fn part(&self, key: &[u8]) -> &RwLock<T> {
        use std::hash::BuildHasher;
        let h = rustc_hash::FxBuildHasher.hash_one(key);
        &self.0[(h >> 60) as usize]
    }

    fn parts(&self) -> impl Iterator<Item = &RwLock<T>> {
        self.0.iter()
    }
}

#[derive(Default)]
struct DepsTable {
    /// Package address → what its imports resolve to.
    by_pkg: HashMap<usize, PackageDeps>,
    /// Package address → addresses of the packages whose lists import it:
    /// what an edit to it makes stale, found without scanning every list.
    /// Built by the first `invalidate_dir` (a CLI run never needs it) and
    /// kept up to date after; an address listed for a package no longer
    /// there only costs a list recomputed.
    importers: Option<HashMap<usize, Vec<usize>>>,
}

impl DepsTable {
    fn insert(&mut self, pkg: &Arc<Package>, tag_key: u64, deps: Arc<[Dep]>) {
        let key = Arc::as_ptr(pkg) as usize;
        if let Some(importers) = &mut self.importers {
            note_importer(importers, key, &deps);
        }
        match self.by_pkg.entry(key) {
            std::collections::hash_map::Entry::Occupied(mut e) => {
                e.get_mut().remember(tag_key, deps)
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(PackageDeps {
                    pkg: pkg.clone(),
                    first: (tag_key, deps),
                    more: Vec::new(),
                });
            }
        }
    }

    /// Drops the lists of the `gone` packages and of their importers.
    fn forget(&mut self, gone: &[usize]) {
        let by_pkg = &self.by_pkg;
        let importers = self.importers.get_or_insert_with(|| {
            let mut m = HashMap::default();
            for (key, entry) in by_pkg {
                for (_, deps) in entry.lists() {
                    note_importer(&mut m, *key, deps);
                }
            }
            m
        });
        for g in gone {
            self.by_pkg.remove(g);
            for importer in importers.remove(g).unwrap_or_default() {
                self.by_pkg.remove(&importer);
            }
        }
    }

    fn clear(&mut self) {
        self.by_pkg.clear();
        self.importers = None;
    }
}

fn note_importer(importers: &mut HashMap<usize, Vec<usize>>, importer: usize, deps: &[Dep]) {
    for d in deps {
        if let Dep::Package { pkg, .. } = d {
            let list = importers.entry(Arc::as_ptr(pkg) as usize).or_default();
            if list.last() != Some(&importer) {
                list.push(importer);
            }
        }
    }
}

/// What a package's imports resolve to.
struct PackageDeps {
    /// The package itself, so that its address (the key) cannot be reused
    /// by another package while the entry lives.
    pkg: Arc<Package>,
    /// The list of the first tag context (by hash) that resolved them,
    /// inline: walks read it for every node. One list usually serves every
    /// context: see `PackageDeps::serving`.
    first: ResolvedFor,
    /// Lists for contexts the first one does not serve.
    more: Vec<ResolvedFor>,
}

/// A tag-context hash and the resolved imports computed under it.
type ResolvedFor = (u64, Arc<[Dep]>);

impl PackageDeps {
    fn lists(&self) -> impl Iterator<Item = &ResolvedFor> {
        std::iter::once(&self.first).chain(&self.more)
    }

    /// The resolved imports valid under `tags` (hash `tag_key`), and
    /// whether they were computed for `tag_key` itself (if not, they are
    /// worth remembering for it).
    ///
    /// A list computed under another context serves when every imported
    /// package is the one `tags` loads too: import paths resolve to
    /// directories the same way under any tags, and the packages of one
    /// directory answer their tag queries exclusively (loading asks the same
    /// questions until an answer differs), so answering a package's queries
    /// is what makes it the one `tags` loads.
    fn serving(
        &self,
        tag_key: u64,
        answers: &dyn Fn(&Arc<Package>) -> bool,
    ) -> Option<(&Arc<[Dep]>, bool)> {
        if let Some((_, deps)) = self.lists().find(|(k, _)| *k == tag_key) {
            return Some((deps, true));
        }
        self.lists()
            .map(|(_, deps)| deps)
            .find(|deps| {
                deps.iter().all(|d| match d {
                    Dep::Package { pkg, .. } => answers(pkg),
                    Dep::Cgo => true,
                    Dep::Unresolved(_) => false,
                })
            })
            .map(|deps| (deps, false))
    }

    fn remember(&mut self, tag_key: u64, deps: Arc<[Dep]>) {
        if !self.lists().any(|(k, _)| *k == tag_key) {
            self.more.push((tag_key, deps));
        }
    }

    /// Drops the lists that import a stale package; false if the package
    /// itself is stale or nothing is left.
    fn retain(&mut self, stale: impl Fn(&Package) -> bool) -> bool {
        if stale(&self.pkg) {
            return false;
        }
        let fresh = |(_, deps): &ResolvedFor| {
            !deps
                .iter()
                .any(|d| matches!(d, Dep::Package { pkg, .. } if stale(pkg)))
        };
        self.more.retain(fresh);
        if !fresh(&self.first) {
            if self.more.is_empty() {
                return false;
            }
            self.first = self.more.remove(0);
        }
        true
    }
}

impl PackageCache {
    pub fn new() -> PackageCache {
        PackageCache::default()
    }

    /// Drops packages in `dir` (a changed file's directory) or below it.
    pub fn invalidate(&self, path: &Path) {
        self.bump();
        for part in self.map.parts() {
            if let Ok(mut m) = part.write() {
                for pkgs in m.values_mut() {
                    pkgs.retain(|d, _| !Path::new(d).starts_with(path));
                }
            }
        }
        for part in self.imports.parts() {
            if let Ok(mut m) = part.write() {
                for pkgs in m.values_mut() {
                    pkgs.retain(|_, p| !p.dir.starts_with(path));
                }
            }
        }
        for part in self.shared.parts() {
            if let Ok(mut m) = part.write() {
                for dirs in m.values_mut() {
                    dirs.retain(|d, _| !Path::new(d).starts_with(path));
                }
            }
        }
        self.forget_deps(|d| d.starts_with(path));
    }

    /// Drops the resolved imports of packages in matching directories and
    /// of every package importing one of them.
    fn forget_deps(&self, stale: impl Fn(&Path) -> bool) {
        if let Ok(mut m) = self.deps.write() {
            m.by_pkg.retain(|_, entry| entry.retain(|p| stale(&p.dir)));
        }
    }

    /// Drops the packages loaded from exactly `dir` (a file in it changed)
    /// and what refers to them. Runs on every keystroke that changes a
    /// header: entries are matched by package identity, not by path.
    pub fn invalidate_dir(&self, dir: &Path) {
        self.bump();
        let mut gone: Vec<usize> = Vec::new();
        let key = dir.as_os_str().as_encoded_bytes();
        if let Ok(mut m) = self.map.part(key).write() {
            for pkgs in m.values_mut() {
                gone.extend(
                    pkgs.remove(dir.as_os_str())
                        .map(|p| Arc::as_ptr(&p) as usize),
                );
            }
        }
        if let Ok(mut m) = self.shared.part(key).write() {
            for dirs in m.values_mut() {
                if let Some(loaded) = dirs.remove(dir.as_os_str()) {
                    gone.extend(loaded.iter().map(|p| Arc::as_ptr(p) as usize));
                }
            }
        }
        if gone.is_empty() {
            return;
        }
        let stale = |p: &Package| gone.contains(&(p as *const Package as usize));
        for part in self.imports.parts() {
            if let Ok(mut m) = part.write() {
                for pkgs in m.values_mut() {
                    pkgs.retain(|_, p| !stale(p));
                }
            }
        }
        if let Ok(mut m) = self.deps.write() {
            m.forget(&gone);
        }
    }

    pub fn clear(&self) {
        self.bump();
        for part in self.map.parts() {
            if let Ok(mut m) = part.write() {
                m.clear();
            }
        }
        for part in self.imports.parts() {
            if let Ok(mut m) = part.write() {
                m.clear();
            }
        }
        if let Ok(mut m) = self.deps.write() {
            m.clear();
        }
        for part in self.shared.parts() {
            if let Ok(mut m) = part.write() {
                m.clear();
            }
        }
    }

    /// The current generation (see `Graph::is_current`).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    pub fn len(&self) -> usize {
        self.map
            .parts()
            .map(|part| {
                part.read()
                    .map(|m| m.values().map(HashMap::len).sum::<usize>())
                    .unwrap_or(0)
            })
            .sum()
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

/// The import graph of one main package: its packages in breadth-first
/// order, each with how it entered the graph (for chains) and the graph
/// packages it imports (for cycles). Packages are shared with the cache;
/// lookups by import path go through a table of node indices, so building a
/// graph allocates no strings.
#[derive(Default, Clone)]
pub struct Graph {
    pub main: String,
    /// The cache generation the walk started at.
    generation: u64,
    /// The tag context (and resolver) of the walk, as `Loader::tag_key`.
    tag_key: u64,
    /// Sizes of `nodes`, `edges` and `unresolved` before the first implicit
    /// package was added: what the imports alone reach.
    imported: Option<(u32, u32, u32)>,
    nodes: Vec<Node>,
    /// Graph packages imported by each node: `edges[node.edges]`.
    edges: Vec<u32>,
    /// Node indices, hashed by the node's import path.
    index: HashTable<u32>,
    /// Node index by package identity: a walk meets each package once per
    /// import of it, and comparing addresses is far cheaper than hashing
    /// paths (a package's directory has one import path in a build).
    by_pkg: HashMap<usize, u32>,
    pub unresolved: Vec<Unresolved>,
}

#[derive(Clone)]
struct Node {
    pkg: Arc<Package>,
    via: Via,
    edges: std::ops::Range<u32>,
    /// `hash_path` of the node's import path (for the index).
    hash: u64,
    /// What predictions ask of every package (a bit per `Has`), kept here
    /// so that asking does not visit each package's memory.
    has: u8,
    /// The node's path is its package's own import path (nearly always:
    /// not for a package two paths name, through replaces), so that
    /// `path` need not reach into the importer's file headers.
    own_path: bool,
}

/// Something a prediction looks for among all the packages of a graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Has {
    LoadErrors = 1,
    CgoFiles = 2,
    SysoFiles = 4,
    /// Provided by a dependency module (a module with a version).
    ModuleVersion = 8,
}

impl Has {
    fn of(pkg: &Package) -> u8 {
        let mut bits = 0;
        for (yes, has) in [
            (!pkg.errors.is_empty(), Has::LoadErrors),
            (pkg.uses_cgo(), Has::CgoFiles),
            (!pkg.syso_files.is_empty(), Has::SysoFiles),
            (matches!(pkg.module, Some((_, Some(_)))), Has::ModuleVersion),
        ] {
            if yes {
                bits |= has as u8;
            }
        }
        bits
    }
}

/// How a package entered the graph.
#[derive(Clone)]
enum Via {
    /// The main package.
    Root,
    /// The `import`-th import of node `parent`.
    Import { parent: u32, import: u32 },
    /// A dependency the go command adds without an import (runtime/cgo for
    /// external linking, runtime/race for -race). Boxed: rare, and nodes
    /// stay small.
    Implicit(Box<Implicit>),
}

#[derive(Clone)]
struct Implicit {
    path: String,
    /// The import blamed for it.
    reason: Import,
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Graph")
            .field("main", &self.main)
            .field("packages", &self.len())
            .field("unresolved", &self.unresolved.len())
            .finish()
    }
}

/// A path whose first element has no dot: the standard library's shape.
fn is_std_like(path: &str) -> bool {
    !path.split('/').next().unwrap_or("").contains('.')
}

fn hash_path(path: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(path)
}

impl Graph {
    /// The import path a node is known by (the path as imported).
    fn path(&self, i: u32) -> &str {
        let node = &self.nodes[i as usize];
        if node.own_path {
            return &node.pkg.import_path;
        }
        self.via_path(&node.pkg, &node.via)
    }

    /// Sets the `own_path` of the nodes `which` (after their vias or
    /// packages changed).
    fn refresh_own_paths(&mut self, which: impl Iterator<Item = u32>) {
        for i in which {
            let n = &self.nodes[i as usize];
            let own = self.via_path(&n.pkg, &n.via) == n.pkg.import_path;
            self.nodes[i as usize].own_path = own;
        }
    }

    /// The import path of a package that entered the graph by `via`.
    fn via_path<'a>(&'a self, pkg: &'a Package, via: &'a Via) -> &'a str {
        match via {
            Via::Root => &pkg.import_path,
            // A standard package is known by its own path: the std's
            // vendored copy of golang.org/x/net/... is vendor/golang.org/x/net/...
            Via::Import { .. } if pkg.standard => &pkg.import_path,
            Via::Import { parent, import } => {
                self.nodes[*parent as usize]
                    .pkg
                    .import(*import as usize)
                    .path
            }
            Via::Implicit(i) => &i.path,
        }
    }

    fn find(&self, path: &str) -> Option<u32> {
        self.find_hashed(path, hash_path(path))
    }

    /// `find` with the path's hash known: the path is compared only with
    /// nodes whose hash matches.
    fn find_hashed(&self, path: &str, hash: u64) -> Option<u32> {
        self.index
            .find(hash, |&i| {
                self.nodes[i as usize].hash == hash && self.path(i) == path
            })
            .copied()
    }

    fn push(&mut self, pkg: Arc<Package>, via: Via) -> u32 {
        let hash = hash_path(self.via_path(&pkg, &via));
        let has = Has::of(&pkg);
        self.push_known(pkg, via, hash, has)
    }

    /// `push` with the hash of the node's path and the package's `Has`
    /// bits known.
    fn push_known(&mut self, pkg: Arc<Package>, via: Via, hash: u64, has: u8) -> u32 {
        let i = self.nodes.len() as u32;
        let own_path = self.via_path(&pkg, &via) == pkg.import_path;
        self.nodes.push(Node {
            has,
            pkg,
            via,
            edges: 0..0,
            hash,
            own_path,
        });
        let Graph { index, nodes, .. } = self;
        index.insert_unique(hash, i, |&j| nodes[j as usize].hash);
        let key = Arc::as_ptr(&self.nodes[i as usize].pkg) as usize;
        self.by_pkg.entry(key).or_insert(i);
        i
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing was invalidated in `cache` since the walk (so its
    /// packages are still the cache's).
    pub fn is_current(&self, cache: &PackageCache) -> bool {
        !self.nodes.is_empty() && self.generation == cache.generation()
    }

    /// The graph as the imports alone make it, without the packages
    /// `add_implicit` added (for predicting another build of the same
    /// packages without walking them again).
    pub fn imported_only(&self) -> Graph {
        self.clone().into_imported_only()
    }

    /// `imported_only`, consuming the graph.
    pub fn into_imported_only(self) -> Graph {
        let mut g = self;
        if let Some((nodes, edges, unresolved)) = g.imported.take() {
            for i in nodes..g.nodes.len() as u32 {
                let node = &g.nodes[i as usize];
                let hash = node.hash;
                if let Ok(entry) = g.index.find_entry(hash, |&j| j == i) {
                    entry.remove();
                }
            }
            g.by_pkg.retain(|_, t| *t < nodes);
            g.nodes.truncate(nodes as usize);
            g.edges.truncate(edges as usize);
            g.unresolved.truncate(unresolved as usize);
        }
        g
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Import paths and packages, breadth first from the main package.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<Package>)> {
        (0..self.nodes.len() as u32).map(|i| (self.path(i), &self.nodes[i as usize].pkg))
    }

    /// The import paths and packages that have `what`, breadth first.
    pub fn packages_with(&self, what: Has) -> impl Iterator<Item = (&str, &Arc<Package>)> {
        (0..self.nodes.len() as u32)
            .filter(move |&i| self.nodes[i as usize].has & what as u8 != 0)
            .map(|i| (self.path(i), &self.nodes[i as usize].pkg))
    }

    /// Import paths, breadth first from the main package.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        (0..self.nodes.len() as u32).map(|i| self.path(i))
    }

    pub fn chain(&self, target: &str) -> ImportChain {
        let Some(mut cur) = self.find(target) else {
            // An unresolved import: the chain to the package importing it.
            if let Some(u) = self.unresolved.iter().find(|u| u.import_path == target) {
                let mut up = self.chain(&u.importer);
                up.packages.push(target.to_string());
                up.imports.push(u.import.clone());
                return up;
            }
            return ImportChain {
                packages: vec![target.to_string()],
                imports: Vec::new(),
            };
        };
        let mut packages = vec![target.to_string()];
        let mut imports = Vec::new();
        loop {
            let (parent, import) = match &self.nodes[cur as usize].via {
                Via::Root => break,
                Via::Import { parent, import } => (
                    *parent,
                    self.nodes[*parent as usize]
                        .pkg
                        .import(*import as usize)
                        .to_import(),
                ),
                Via::Implicit(i) => (0, i.reason.clone()),
            };
            imports.push(import);
            packages.push(self.path(parent).to_string());
            cur = parent;
            if packages.len() > self.nodes.len() + 1 {
                break; // defensive: parents form a tree by construction
            }
        }
        packages.reverse();
        imports.reverse();
        ImportChain { packages, imports }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.find(path).is_some()
    }

    pub fn get(&self, path: &str) -> Option<&Arc<Package>> {
        self.find(path).map(|i| &self.nodes[i as usize].pkg)
    }

    /// An import cycle, as go reports it ("import cycle not allowed"): the
    /// import paths around it, the first repeated at the end. An iterative
    /// depth-first walk, so deep graphs cannot overflow the stack.
    pub fn import_cycle(&self) -> Option<Vec<String>> {
        const NEW: u8 = 0;
        const ACTIVE: u8 = 1;
        const DONE: u8 = 2;
        if self.nodes.is_empty() {
            return None;
        }
        let mut mark = vec![NEW; self.nodes.len()];
        // (node, next edge to follow)
        let mut stack: Vec<(u32, u32)> = vec![(0, self.nodes[0].edges.start)];
        mark[0] = ACTIVE;
        while let Some((node, next)) = stack.last_mut() {
            let range = &self.nodes[*node as usize].edges;
            if *next >= range.end {
                mark[*node as usize] = DONE;
                stack.pop();
                continue;
            }
            let dep = self.edges[*next as usize];
            *next += 1;
            match mark[dep as usize] {
                ACTIVE => {
                    let start = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[start..]
                        .iter()
                        .map(|(n, _)| self.path(*n).to_string())
                        .collect();
                    cycle.push(self.path(dep).to_string());
                    return Some(cycle);
                }
                DONE => {}
                _ => {
                    mark[dep as usize] = ACTIVE;
                    stack.push((dep, self.nodes[dep as usize].edges.start));
                }
            }
        }
        None
    }
}

/// Loads packages for one configuration.
pub struct Loader<'a> {
    pub cfg: &'a Config,
    pub resolver: &'a Resolver,
    pub sources: &'a Sources,
    pub cache: &'a PackageCache,
    tag_key: u64,
    /// The tags alone, hashed: what a package record in the index is
    /// keyed by (see `load_or_replay`).
    record_key: u64,
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
        let record_key = h.finish();
        // Two modules may resolve one import path differently.
        (resolver as *const Resolver as usize).hash(&mut h);
        Loader {
            tag_key: h.finish(),
            record_key,
            cfg,
            resolver,
            sources,
            cache,
        }
    }

    /// `TagContext::answers` of `pkg`'s queries under this loader's tags,
    /// remembered.
    fn answers(&self, pkg: &Arc<Package>) -> bool {
        if let Some(a) = pkg.answered.get(self.tag_key) {
            return a;
        }
        let a = self.cfg.tags.answers(&pkg.tag_queries);
        pkg.answered.set(self.tag_key, a);
        a
    }

    /// Loads (or takes from the cache) the package in `dir`.
    pub fn load_dir(
        &self,
        import_path: &str,
        dir: &Path,
        standard: bool,
        module: Option<(String, Option<String>)>,
    ) -> Arc<Package> {
        let key = dir.as_os_str().as_encoded_bytes();
        if let Ok(m) = self.cache.map.part(key).read()
            && let Some(p) = m
                .get(&self.tag_key)
                .and_then(|pkgs| pkgs.get(dir.as_os_str()))
        {
            return p.clone();
        }
        let resolver_key = self.resolver as *const Resolver as usize;
        let tags = &self.cfg.tags;
        let reused = self.cache.shared.part(key).read().ok().and_then(|m| {
            m.get(&resolver_key)?
                .get(dir.as_os_str())?
                .iter()
                .find(|p| tags.answers(&p.tag_queries))
                .cloned()
        });
        let pkg = match reused {
            Some(p) => p,
            None => {
                let (mut pkg, queries) = self.load_or_replay(import_path, dir, standard);
                // A directory name that is not UTF-8 (shown as U+FFFD).
                if !standard
                    && import_path.contains('\u{fffd}')
                    && let Some(e) = self.resolver.dir_import_path_error(dir)
                {
                    pkg.errors.insert(0, LoadError::MalformedImportPath(e));
                }
                pkg.module = module;
                pkg.tag_queries = queries;
                let pkg = Arc::new(pkg);
                match self.cache.shared.part(key).write() {
                    Ok(mut m) => {
                        // Another thread may have loaded it meanwhile: one
                        // value per package, so graphs can compare addresses.
                        let loaded = m
                            .entry(resolver_key)
                            .or_default()
                            .entry(dir.as_os_str().to_owned())
                            .or_default();
                        match loaded.iter().find(|p| tags.answers(&p.tag_queries)) {
                            Some(p) => p.clone(),
                            None => {
                                loaded.push(pkg.clone());
                                pkg
                            }
                        }
                    }
                    Err(_) => pkg,
                }
            }
        };
        match self.cache.map.part(key).write() {
            Ok(mut m) => m
                .entry(self.tag_key)
                .or_default()
                .entry(dir.as_os_str().to_owned())
                .or_insert(pkg)
                .clone(),
            Err(_) => pkg,
        }
    }

    /// Loads the package in `dir`; a trusted directory's (module cache,
    /// released GOROOT: never changed) is replayed from what a load of it
    /// under the same tags recorded in the index, when it did: its files
    /// that build are read, and neither its listing nor its other files
    /// (tests, other platforms: k9s's module graph, 21,000 files, has
    /// 8,000 of them).
    fn load_or_replay(
        &self,
        import_path: &str,
        dir: &Path,
        standard: bool,
    ) -> (Package, Vec<crate::gosrc::TagQuery>) {
        let tags = &self.cfg.tags;
        let key = (self.sources.trusts(dir) && !self.sources.has_overlay_in(dir)).then(|| {
            let mut key = dir.as_os_str().as_encoded_bytes().to_vec();
            key.push(0);
            key.extend_from_slice(
                format!(
                    "package {:016x} {} {import_path}",
                    self.record_key,
                    u8::from(standard)
                )
                .as_bytes(),
            );
            key
        });
        if let Some(key) = &key
            && let Some(record) = self.sources.facts(key)
            && let Some(replayed) =
                Package::replay(self.sources, import_path, dir, standard, tags, &record)
        {
            return replayed;
        }
        let (pkg, queries) = crate::gosrc::tags::record(|| {
            Package::load(self.sources, import_path, dir, standard, tags)
        });
        // (Not if an editor buffer came meanwhile: the load may have read it.)
        if let Some(key) = &key
            && !self.sources.has_overlay_in(dir)
            && let Some(record) = pkg.record(&queries)
        {
            self.sources.record_facts(key, &record);
        }
        (pkg, queries)
    }

    /// The package for an import path as seen from `importer`.
    pub fn resolve(&self, path: &str, importer_is_std: bool) -> Result<Arc<Package>, Resolution> {
        let part = self.cache.imports.part(path.as_bytes());
        if let Ok(m) = part.read()
            && let Some(p) = m
                .get(&(self.tag_key, importer_is_std))
                .and_then(|t| t.get(path))
        {
            return Ok(p.clone());
        }
        let pkg = match self.resolver.resolve(path, importer_is_std) {
            // A dotted path found in the standard library is its vendored
            // copy (GOROOT/src/vendor): a package apart from the module's
            // package of the same path, as `go list` shows it.
            Resolution::Std { dir } if !is_std_like(path) => {
                self.load_dir(&format!("vendor/{path}"), &dir, true, None)
            }
            Resolution::Std { dir } => self.load_dir(path, &dir, true, None),
            Resolution::Module {
                module,
                version,
                dir,
                ..
            } => self.load_dir(path, &dir, false, Some((module, version))),
            other => return Err(other),
        };
        if let Ok(mut m) = part.write() {
            m.entry((self.tag_key, importer_is_std))
                .or_default()
                .insert(path.to_string(), pkg.clone());
        }
        Ok(pkg)
    }

    /// What each import of `pkg` resolves to, from the cache when every
    /// import resolved before (unresolved imports are retried: a package
    /// may appear).
    fn deps(&self, pkg: &Arc<Package>) -> Arc<[Dep]> {
        let key = Arc::as_ptr(pkg) as usize;
        // A list computed under other tags: the imports it resolved to
        // packages this context loads too are kept (see `serving`), only
        // the others are resolved again. Under a fix's tags most packages
        // differ from the default build's only in the few imports that lead
        // to `net` or a cgo package.
        let mut earlier: Option<Arc<[Dep]>> = None;
        if let Ok(m) = self.cache.deps.read()
            && let Some(e) = m.by_pkg.get(&key)
        {
            if let Some((deps, _)) = e.serving(self.tag_key, &|p| self.answers(p)) {
                return deps.clone();
            }
            earlier = Some(e.first.1.clone());
        }
        let mut all_resolved = true;
        let deps: Arc<[Dep]> = pkg
            .imports()
            .enumerate()
            .map(|(i, imp)| {
                if imp.path == "C" {
                    return Dep::Cgo;
                }
                if let Some(d @ Dep::Package { pkg: p, .. }) =
                    earlier.as_deref().and_then(|e| e.get(i))
                    && self.answers(p)
                {
                    return d.clone();
                }
                match self.resolve(imp.path, pkg.standard) {
                    // The path's hash and the package's flags now: walks
                    // then read neither import paths nor packages.
                    Ok(p) => Dep::Package {
                        has: Has::of(&p),
                        path_hash: hash_path(if p.standard { &p.import_path } else { imp.path }),
                        pkg: p,
                    },
                    Err(r) => {
                        all_resolved = false;
                        Dep::Unresolved(Box::new(r))
                    }
                }
            })
            .collect();
        if all_resolved && let Ok(mut m) = self.cache.deps.write() {
            m.insert(pkg, self.tag_key, deps.clone());
        }
        deps
    }

    /// Loads every package the `roots` import, directly or not, and
    /// resolves their imports, on every core. Walks from several main
    /// packages at once otherwise meet the same unloaded packages together
    /// and wait for each other; after this, they only read the cache.
    pub fn preload(&self, roots: &[Arc<Package>]) {
        struct Work {
            queue: Vec<Arc<Package>>,
            seen: rustc_hash::FxHashSet<usize>,
            /// Packages taken from the queue and not done yet: while any is,
            /// the queue may grow again.
            busy: usize,
        }
        let work = std::sync::Mutex::new(Work {
            queue: roots.to_vec(),
            seen: roots.iter().map(|p| Arc::as_ptr(p) as usize).collect(),
            busy: 0,
        });
        let more = std::sync::Condvar::new();
        crate::par::run(|| {
            loop {
                let pkg = {
                    let Ok(mut w) = work.lock() else { return };
                    loop {
                        if let Some(p) = w.queue.pop() {
                            w.busy += 1;
                            break p;
                        }
                        if w.busy == 0 {
                            more.notify_all();
                            return;
                        }
                        w = match more.wait(w) {
                            Ok(w) => w,
                            Err(_) => return,
                        };
                    }
                };
                let deps = self.deps(&pkg);
                let Ok(mut w) = work.lock() else { return };
                let mut pushed = 0;
                for d in deps.iter() {
                    if let Dep::Package { pkg, .. } = d
                        && w.seen.insert(Arc::as_ptr(pkg) as usize)
                    {
                        w.queue.push(pkg.clone());
                        pushed += 1;
                    }
                }
                w.busy -= 1;
                // Wake the waiting only for new work or the end: a wake per
                // package kept the threads contending on this lock when the
                // packages were already loaded (the server's repeat checks).
                if pushed > 1 || w.busy == 0 {
                    more.notify_all();
                } else if pushed == 1 {
                    more.notify_one();
                }
            }
        });
    }

    /// The import graph from `main`, breadth first.
    pub fn graph(&self, main: Arc<Package>) -> Graph {
        let (nodes, edges) = &self.cache.largest_graph;
        let (nodes, edges) = (
            nodes.load(Ordering::Relaxed) as usize,
            edges.load(Ordering::Relaxed) as usize,
        );
        let mut g = Graph {
            generation: self.cache.generation(),
            tag_key: self.tag_key,
            main: main.import_path.clone(),
            nodes: Vec::with_capacity(nodes),
            edges: Vec::with_capacity(edges),
            index: HashTable::with_capacity(nodes),
            by_pkg: HashMap::with_capacity_and_hasher(nodes, Default::default()),
            ..Graph::default()
        };
        g.push(main, Via::Root);
        self.extend(&mut g, 0);
        let (nodes, edges) = &self.cache.largest_graph;
        nodes.fetch_max(g.nodes.len() as u32, Ordering::Relaxed);
        edges.fetch_max(g.edges.len() as u32, Ordering::Relaxed);
        g
    }

    /// The import graph from `main` after the package in `changed` was
    /// reloaded, from `old`, the graph walked just before (nothing else was
    /// invalidated since). When the changed package's imports discover the
    /// same packages in the same order as before, every other package is
    /// reached exactly as before and only that package's node and edges
    /// change; otherwise (or when anything else differs) this is
    /// `graph(main)`.
    pub fn regraph(&self, old: Graph, main: Arc<Package>, changed: &Path) -> Graph {
        match self.repair(old, &main, changed) {
            Some(g) => g,
            None => self.graph(main),
        }
    }

    fn repair(&self, old: Graph, main: &Arc<Package>, changed: &Path) -> Option<Graph> {
        // One invalidation (of `changed`) since the walk, same tags and
        // resolver, and no unresolved import whose owner may now differ.
        if old.tag_key != self.tag_key
            || old.generation + 1 != self.cache.generation()
            || !old.unresolved.is_empty()
            || old.main != main.import_path
        {
            return None;
        }
        let mut g = old.into_imported_only();
        let path = self.resolver.import_path_for_dir(changed)?;
        let k = g.find(&path)?;
        if k != 0 && !Arc::ptr_eq(&g.nodes[0].pkg, main) {
            return None;
        }
        // The changed package as the walk would reach it now.
        let pkg = match g.nodes[k as usize].via {
            Via::Root => main.clone(),
            Via::Import { parent, import } => {
                let parent = g.nodes[parent as usize].pkg.clone();
                match self.deps(&parent).get(import as usize)? {
                    Dep::Package { pkg, .. } => pkg.clone(),
                    _ => return None,
                }
            }
            Via::Implicit(_) => return None,
        };
        if pkg.dir != changed {
            return None;
        }
        // Nodes after the root are in the order of their parents (breadth
        // first): `k`'s discoveries are the contiguous run [a, b).
        let parent_of = |n: &Node| match n.via {
            Via::Import { parent, .. } => parent,
            _ => u32::MAX,
        };
        let a = 1 + g.nodes[1..].partition_point(|n| parent_of(n) < k) as u32;
        let b = 1 + g.nodes[1..].partition_point(|n| parent_of(n) <= k) as u32;
        let old_key = Arc::as_ptr(&g.nodes[k as usize].pkg) as usize;
        g.by_pkg.remove(&old_key);
        g.by_pkg.insert(Arc::as_ptr(&pkg) as usize, k);
        // Replay `k`'s expansion: each import must reach a node that
        // existed before it, or the next of its old discoveries.
        let deps = self.deps(&pkg);
        let mut edges = Vec::with_capacity(deps.len());
        let mut found: Vec<u32> = Vec::new();
        for (idx, dep) in deps.iter().enumerate() {
            match dep {
                Dep::Cgo => {}
                Dep::Unresolved(_) => return None,
                Dep::Package {
                    pkg: p, path_hash, ..
                } => {
                    let t = *g.by_pkg.get(&(Arc::as_ptr(p) as usize))?;
                    let next = a + found.len() as u32;
                    if t == next && t < b && g.nodes[t as usize].hash == *path_hash {
                        found.push(idx as u32);
                    } else if t >= next {
                        return None;
                    }
                    edges.push(t);
                }
            }
        }
        if a + found.len() as u32 != b {
            return None;
        }
        let node = &mut g.nodes[k as usize];
        node.has = Has::of(&pkg);
        node.pkg = pkg;
        let range = node.edges.clone();
        let delta = edges.len() as i64 - range.len() as i64;
        node.edges = range.start..range.start + edges.len() as u32;
        g.edges
            .splice(range.start as usize..range.end as usize, edges);
        for n in &mut g.nodes[k as usize + 1..] {
            n.edges = (n.edges.start as i64 + delta) as u32..(n.edges.end as i64 + delta) as u32;
        }
        for (i, import) in (a..b).zip(found) {
            g.nodes[i as usize].via = Via::Import { parent: k, import };
        }
        // (Only `k` and its discoveries changed package or via.)
        g.refresh_own_paths(std::iter::once(k).chain(a..b));
        g.generation = self.cache.generation();
        Some(g)
    }

    /// Walks breadth first from node `from`, adding what is not yet in `g`.
    fn extend(&self, g: &mut Graph, from: u32) {
        /// Nodes walked under one read lock of the resolved imports: taking
        /// it per node made walks on several threads contend on the lock,
        /// and releasing it now and then lets writers in.
        const RUN: usize = 256;
        let mut next = from;
        // Lists another context computed that serve this one too: recorded
        // for it once the read lock is released.
        let mut serving_too: Vec<(usize, Arc<[Dep]>)> = Vec::new();
        while (next as usize) < g.nodes.len() {
            if let Ok(known) = self.cache.deps.read() {
                for _ in 0..RUN {
                    let Some(node) = g.nodes.get(next as usize) else {
                        break;
                    };
                    let key = Arc::as_ptr(&node.pkg) as usize;
                    let Some((deps, own)) = known
                        .by_pkg
                        .get(&key)
                        .and_then(|e| e.serving(self.tag_key, &|p| self.answers(p)))
                    else {
                        break;
                    };
                    if !own {
                        serving_too.push((key, deps.clone()));
                    }
                    self.add_edges(g, next, deps);
                    next += 1;
                }
            }
            if !serving_too.is_empty()
                && let Ok(mut m) = self.cache.deps.write()
            {
                for (key, deps) in serving_too.drain(..) {
                    if let Some(pkg) = m.by_pkg.get(&key).map(|e| e.pkg.clone()) {
                        m.insert(&pkg, self.tag_key, deps);
                    }
                }
            }
            // Resolving a package's imports for the first time loads
            // packages and writes the cache: outside the read lock.
            if let Some(node) = g.nodes.get(next as usize) {
                let pkg = node.pkg.clone();
                let deps = self.deps(&pkg);
                self.add_edges(g, next, &deps);
                next += 1;
            }
        }
    }

    /// Adds node `node`'s imports (`deps`, resolved) to `g`: edges to the
    /// packages already in it, new nodes for the others.
    fn add_edges(&self, g: &mut Graph, node: u32, deps: &[Dep]) {
        let start = g.edges.len() as u32;
        for (idx, dep) in deps.iter().enumerate() {
            match dep {
                Dep::Cgo => {}
                Dep::Package {
                    pkg: p,
                    path_hash: hash,
                    has,
                } => {
                    let key = Arc::as_ptr(p) as usize;
                    let seen = match g.by_pkg.get(&key) {
                        Some(&t) => Some(t),
                        None => {
                            // Another package value for a path already in
                            // the graph: the path decides, as before. (The
                            // path is read only if a node's hash matches:
                            // reaching it costs two cache misses.)
                            let nodes = &g.nodes;
                            let want = if p.standard {
                                p.import_path.as_str()
                            } else {
                                nodes[node as usize].pkg.import(idx).path
                            };
                            let t = g
                                .index
                                .find(*hash, |&i| {
                                    nodes[i as usize].hash == *hash && g.path(i) == want
                                })
                                .copied();
                            if let Some(t) = t {
                                g.by_pkg.insert(key, t);
                            }
                            t
                        }
                    };
                    let target = match seen {
                        Some(t) => t,
                        None => g.push_known(
                            p.clone(),
                            Via::Import {
                                parent: node,
                                import: idx as u32,
                            },
                            *hash,
                            *has,
                        ),
                    };
                    g.edges.push(target);
                }
                Dep::Unresolved(resolution) => {
                    let pkg = &g.nodes[node as usize].pkg;
                    let import = pkg.import(idx);
                    if !g.unresolved.iter().any(|u| u.import_path == import.path) {
                        let u = Unresolved {
                            import_path: import.path.to_string(),
                            importer: pkg.import_path.clone(),
                            import: import.to_import(),
                            resolution: (**resolution).clone(),
                        };
                        g.unresolved.push(u);
                    }
                }
            }
        }
        g.nodes[node as usize].edges = start..g.edges.len() as u32;
    }

    /// Adds a package the go command links without an import (runtime/cgo
    /// for external linking, runtime/race for -race) and its dependencies
    /// to the graph, blaming `reason_import` for it.
    pub fn add_implicit(&self, g: &mut Graph, path: &str, reason_import: Import) {
        if g.contains(path) || g.is_empty() {
            return;
        }
        if let Ok(pkg) = self.resolve(path, true) {
            g.imported.get_or_insert((
                g.nodes.len() as u32,
                g.edges.len() as u32,
                g.unresolved.len() as u32,
            ));
            let node = g.push(
                pkg,
                Via::Implicit(Box::new(Implicit {
                    path: path.to_string(),
                    reason: reason_import,
                })),
            );
            // The main package now depends on it (for cycle detection).
            self.extend(g, node);
        }
    }
}

/// What one import of a package resolves to.
#[derive(Debug, Clone)]
pub enum Dep {
    /// `import "C"`: cgo, not a package.
    Cgo,
    Package {
        pkg: Arc<Package>,
        /// `hash_path` of the import path that names it.
        path_hash: u64,
        /// Its `Has` bits.
        has: u8,
    },
    /// Boxed: rare, and a list of `Dep`s (one per import, 51,000 in k9s's
    /// graph) is then a third of the size.
    Unresolved(Box<Resolution>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buildcfg::{Environ, Toolchain};
    use crate::engine::Engine;
    use std::path::PathBuf;

    use crate::xorshift::XorShift;

    /// A node as `shape` shows it.
    type NodeShape = (String, usize, Option<(u32, u32)>, Vec<u32>, u8);

    /// Everything a graph holds, node by node: path, package identity, how
    /// it was reached, its edges and flags.
    fn shape(g: &Graph) -> Vec<NodeShape> {
        (0..g.nodes.len() as u32)
            .map(|i| {
                let n = &g.nodes[i as usize];
                let via = match n.via {
                    Via::Import { parent, import } => Some((parent, import)),
                    _ => None,
                };
                let edges = g.edges[n.edges.start as usize..n.edges.end as usize].to_vec();
                (
                    g.path(i).to_string(),
                    Arc::as_ptr(&n.pkg) as usize,
                    via,
                    edges,
                    n.has,
                )
            })
            .collect()
    }

    fn write_pkg(root: &Path, name: &str, imports: &[String]) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let pkg = if name.starts_with("cmd/") {
            "main"
        } else {
            "p"
        };
        let mut src = format!("package {pkg}\n\nimport (\n");
        for imp in imports {
            src.push_str(&format!("\t_ \"example.com/r/{imp}\"\n\n"));
        }
        src.push_str(")\n");
        if pkg == "main" {
            src.push_str("\nfunc main() {}\n");
        }
        let file = dir.join("a.go");
        std::fs::write(&file, src).unwrap();
        file
    }

    /// Repairing a graph after one package's imports change gives exactly
    /// the graph a fresh walk gives, over random edit sequences (reordered,
    /// added, duplicated, removed and unresolvable imports, edits to the
    /// mains themselves); and it is taken often enough to matter.
    #[test]
    fn repaired_graphs_equal_fresh_walks() {
        const PKGS: usize = 40;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("go.mod"), "module example.com/r\n\ngo 1.22\n").unwrap();
        let mut r = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut imports: Vec<Vec<String>> = Vec::new();
        for i in 0..PKGS {
            let list: Vec<String> = (0..r.below(4))
                .filter(|_| i > 0)
                .map(|_| format!("pkg/p{:02}", r.below(i)))
                .collect();
            write_pkg(root, &format!("pkg/p{i:02}"), &list);
            imports.push(list);
        }
        let mains: Vec<String> = (0..3).map(|m| format!("cmd/m{m}")).collect();
        for m in &mains {
            let list = vec![
                format!("pkg/p{:02}", PKGS - 1 - r.below(5)),
                format!("pkg/p{:02}", r.below(PKGS)),
            ];
            write_pkg(root, m, &list);
            imports.push(list);
        }
        let engine = Engine::new(Toolchain::fixed_for_tests());
        let (cfg, _) = engine.config(&Environ::new(), &[]).unwrap();
        let resolver = engine.resolver(root, &cfg).unwrap();
        let loader = Loader::new(&cfg, &resolver, &engine.sources, &engine.cache);
        let main_of =
            |m: &str| loader.load_dir(&format!("example.com/r/{m}"), &root.join(m), false, None);
        let mut graphs: Vec<Graph> = mains.iter().map(|m| loader.graph(main_of(m))).collect();
        let (mut repaired, mut edits) = (0, 0);
        for _ in 0..300 {
            let i = r.below(imports.len());
            let name = if i < PKGS {
                format!("pkg/p{i:02}")
            } else {
                mains[i - PKGS].clone()
            };
            let list = &mut imports[i];
            let lower = if i < PKGS { i } else { PKGS };
            match r.below(6) {
                0 if list.len() > 1 => {
                    let j = r.below(list.len());
                    let moved = list.remove(j);
                    list.push(moved);
                }
                1 if !list.is_empty() => {
                    list.remove(r.below(list.len()));
                }
                2 if !list.is_empty() => {
                    let again = list[r.below(list.len())].clone();
                    list.insert(r.below(list.len() + 1), again);
                }
                3 if lower > 0 && r.below(8) == 0 => list.push("pkg/missing".into()),
                _ if lower > 0 => {
                    let at = r.below(list.len() + 1);
                    list.insert(at, format!("pkg/p{:02}", r.below(lower)));
                }
                _ => {}
            }
            list.retain(|p| p != "pkg/missing" || r.below(2) == 0);
            let file = write_pkg(root, &name, list);
            engine.invalidate(&file);
            edits += 1;
            let dir = root.join(&name);
            for (g, m) in graphs.iter_mut().zip(&mains) {
                let main = main_of(m);
                let fresh = loader.graph(main.clone());
                let old = std::mem::take(g);
                let stale = old.generation + 1 != engine.cache.generation();
                if let Some(fixed) = loader.repair(old, &main, &dir) {
                    assert!(!stale);
                    assert_eq!(shape(&fixed), shape(&fresh), "{m} after editing {name}");
                    assert_eq!(fixed.import_cycle(), fresh.import_cycle());
                    repaired += 1;
                }
                *g = fresh;
            }
        }
        assert!(
            repaired * 4 > edits,
            "only {repaired} repairs in {edits} edits × 3 mains"
        );
    }

    /// A walk under other tags in a cache that earlier walks filled (a fix
    /// variant's, reusing the default build's resolved imports where the
    /// imported package is the same) gives the graph a walk in an empty
    /// cache gives, over random graphs whose packages import other
    /// packages under `netgo`, `foo` or neither.
    #[test]
    fn walks_under_other_tags_equal_walks_in_an_empty_cache() {
        const PKGS: usize = 30;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("go.mod"), "module example.com/r\n\ngo 1.22\n").unwrap();
        let mut r = XorShift(0x2545_f491_4f6c_dd1d);
        let import_list = |r: &mut XorShift, below: usize| -> String {
            (0..r.below(3))
                .filter(|_| below > 0)
                .map(|_| format!("\t_ \"example.com/r/pkg/p{:02}\"\n", r.below(below)))
                .collect()
        };
        for i in 0..PKGS {
            let dir = root.join(format!("pkg/p{i:02}"));
            std::fs::create_dir_all(&dir).unwrap();
            let plain = import_list(&mut r, i);
            std::fs::write(
                dir.join("a.go"),
                format!("package p\n\nimport (\n{plain})\n"),
            )
            .unwrap();
            if r.below(3) == 0 {
                let tag = ["netgo", "foo", "!netgo"][r.below(3)];
                let extra = import_list(&mut r, i);
                std::fs::write(
                    dir.join("b.go"),
                    format!("//go:build {tag}\n\npackage p\n\nimport (\n{extra})\n"),
                )
                .unwrap();
            }
        }
        let main_dir = root.join("cmd/m");
        std::fs::create_dir_all(&main_dir).unwrap();
        let mains: String = (PKGS - 6..PKGS)
            .map(|i| format!("\t_ \"example.com/r/pkg/p{i:02}\"\n"))
            .collect();
        std::fs::write(
            main_dir.join("main.go"),
            format!("package main\n\nimport (\n{mains})\n\nfunc main() {{}}\n"),
        )
        .unwrap();
        // Path, how it was reached, edges, flags, and the package's files:
        // packages compared by value, as two engines' are not the same.
        let by_value = |g: &Graph| -> Vec<(NodeShape, Vec<PathBuf>)> {
            shape(g)
                .into_iter()
                .zip(g.nodes.iter())
                .map(|((path, _, via, edges, has), n)| {
                    let files = n.pkg.files.iter().map(|f| f.path.clone()).collect();
                    ((path, 0, via, edges, has), files)
                })
                .collect()
        };
        let walk = |engine: &Engine, tags: &str| {
            let args: Vec<String> = if tags.is_empty() {
                vec![]
            } else {
                vec!["-tags".into(), tags.into()]
            };
            let (cfg, _) = engine.config(&Environ::new(), &args).unwrap();
            let resolver = engine.resolver(root, &cfg).unwrap();
            let loader = Loader::new(&cfg, &resolver, &engine.sources, &engine.cache);
            let main = loader.load_dir("example.com/r/cmd/m", &main_dir, false, None);
            by_value(&loader.graph(main))
        };
        let shared = Engine::new(Toolchain::fixed_for_tests());
        let mut differ = 0;
        for tags in ["", "netgo", "foo", "netgo,foo", "", "foo"] {
            let fresh = walk(&Engine::new(Toolchain::fixed_for_tests()), tags);
            differ += usize::from(fresh != walk(&Engine::new(Toolchain::fixed_for_tests()), ""));
            assert_eq!(walk(&shared, tags), fresh, "-tags {tags:?}");
        }
        assert!(
            differ >= 2,
            "the tags change the graph in only {differ} walks"
        );
    }

    /// A module-cache package is recorded in the index by its first load
    /// and replayed by later runs from its record: only the files that
    /// build are looked up, not the listing nor the test and other
    /// platforms' files.
    #[test]
    fn trusted_packages_are_replayed_from_their_records() {
        use crate::load::header_index::{HeaderIndex, Trusted};
        use std::sync::atomic::Ordering;
        let tmp = tempfile::tempdir().unwrap();
        let (app, modcache) = (tmp.path().join("app"), tmp.path().join("mod"));
        let modroot = modcache.join("example.com/m@v1.0.0");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::create_dir_all(&modroot).unwrap();
        std::fs::write(app.join("go.mod"), "module example.com/app\n\ngo 1.22\n").unwrap();
        for (name, text) in [
            ("a.go", "package m\n\nimport \"fmt\"\n"),
            ("a_test.go", "package m\n"),
            ("b_windows.go", "package m\n"),
            ("c.go", "//go:build ignore\n\npackage m\n"),
        ] {
            std::fs::write(modroot.join(name), text).unwrap();
        }
        let run = |tags: &[&str]| {
            let mut tc = Toolchain::fixed_for_tests();
            tc.gomodcache = modcache.clone();
            let trusted = Trusted::of(&tc, &app);
            let engine = Engine::new(tc);
            let index = HeaderIndex::open(tmp.path().join("index"), 1, std::time::Duration::ZERO)
                .trusting(trusted);
            engine.sources.use_index(index);
            let args: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
            let (cfg, _) = engine.config(&Environ::new(), &args).unwrap();
            let resolver = engine.resolver(&app, &cfg).unwrap();
            let loader = Loader::new(&cfg, &resolver, &engine.sources, &engine.cache);
            let pkg = loader.load_dir("example.com/m", &modroot, false, None);
            engine.sources.save_index().unwrap();
            let looked_up = engine
                .sources
                .index_counts()
                .trusted
                .load(Ordering::Relaxed);
            (format!("{pkg:?}"), looked_up)
        };
        let (first, all) = run(&[]);
        assert_eq!(all, 5, "the listing and four files");
        let (again, built) = run(&[]);
        assert_eq!(again, first);
        assert_eq!(built, 1, "a.go alone");
        // Other tags: another record, made by a load.
        let (_, all) = run(&["-tags", "ignore"]);
        assert_eq!(all, 5);
        assert_eq!(run(&["-tags", "ignore"]).1, 2, "a.go and c.go");
    }

    /// A package without C files or `import "C"` loads the same with cgo on
    /// and off, so the cgo-disabled fix's graph reuses it (the same value)
    /// instead of loading it again; one with C files is loaded for each.
    #[test]
    fn packages_without_c_are_shared_between_cgo_on_and_off() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::write(root.join("go.mod"), "module example.com/r\n\ngo 1.22\n").unwrap();
        for (dir, file, text) in [
            ("pure", "p.go", "package pure\n"),
            ("withc", "w.go", "package withc\n"),
            ("withc", "w.c", "int f(void) { return 0; }\n"),
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            std::fs::write(root.join(dir).join(file), text).unwrap();
        }
        let engine = Engine::new(Toolchain::fixed_for_tests());
        let load = |cgo: &str, dir: &str| {
            let mut env = Environ::new();
            env.insert("CGO_ENABLED".into(), cgo.into());
            env.insert("CC".into(), "gcc".into());
            let (cfg, _) = engine.config(&env, &[]).unwrap();
            let resolver = engine.resolver(root, &cfg).unwrap();
            let loader = Loader::new(&cfg, &resolver, &engine.sources, &engine.cache);
            loader.load_dir(
                &format!("example.com/r/{dir}"),
                &root.join(dir),
                false,
                None,
            )
        };
        assert!(Arc::ptr_eq(&load("1", "pure"), &load("0", "pure")));
        let (on, off) = (load("1", "withc"), load("0", "withc"));
        assert!(!Arc::ptr_eq(&on, &off));
        assert_eq!(on.c_files.len(), 1);
        assert!(off.c_files.is_empty(), "cgo off drops the C files");
    }
}
