//! The decision: from a main package's import graph and a `Config`, what
//! `go build` produces. Encodes cmd/go's and cmd/link's rules (see
//! docs/ground-truth.md for the builds that check them).

pub mod archive;
pub mod cgooff;
pub mod cpp;
pub mod csource;
pub mod darwin;
pub mod directives;
pub mod dynimport;
pub mod facts;
pub mod fixes;
pub mod glibc;
pub mod ldsim;
pub mod libs;
pub mod linkline;
pub mod pkgconfig;
pub mod platform;
pub mod stdcgo;
pub mod windows;

use crate::buildcfg::ctoolchain::Libc;
use crate::buildcfg::{Config, LinkerFlags};
use crate::gosrc::{CgoVerb, Span};
use crate::load::graph::{Graph, Has, Loader};
use crate::load::source::Sources;
use crate::load::{Import, LoadError, Package};
use crate::modules::Resolution;
use platform::*;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Static,
    Dynamic,
    Fails,
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Static => "static",
            Verdict::Dynamic => "dynamic",
            Verdict::Fails => "fails",
            Verdict::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Linker {
    Internal,
    External,
}

/// What the link produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub result: Verdict,
    pub linker: Option<Linker>,
    pub interpreter: Option<String>,
    pub needed: Vec<String>,
    /// A position-independent executable (ELF type DYN).
    pub pie: bool,
    /// Go's error (for `fails`) or why the outcome is unknown.
    pub error: Option<String>,
    /// The newest `GLIBC_x.y` the binary will need (as `inspect` spells
    /// it); `None` for static, musl and non-glibc links.
    pub glibc_floor: Option<String>,
    /// The symbol and package that set it, and what could not be seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glibc_floor_source: Option<Box<glibc::GlibcFloor>>,
}

impl Link {
    fn fails(msg: impl Into<String>) -> Link {
        Link {
            result: Verdict::Fails,
            linker: None,
            interpreter: None,
            needed: vec![],
            pie: false,
            error: Some(msg.into()),
            glibc_floor: None,
            glibc_floor_source: None,
        }
    }
    fn unknown(msg: impl Into<String>) -> Link {
        Link {
            result: Verdict::Unknown,
            linker: None,
            interpreter: None,
            needed: vec![],
            pie: false,
            error: Some(msg.into()),
            glibc_floor: None,
            glibc_floor_source: None,
        }
    }
}

/// A path in JSON output: shown lossily (a file name need not be UTF-8,
/// and serde would refuse it, cutting the output short).
pub fn serialize_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&p.to_string_lossy())
}

/// `serialize_path` for an optional path.
pub fn serialize_opt_path<S: serde::Serializer>(
    p: &Option<PathBuf>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => serialize_path(p, s),
        None => s.serialize_none(),
    }
}

/// A place in a file (a byte span), for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    #[serde(serialize_with = "serialize_path")]
    pub file: PathBuf,
    pub span: Span,
}

impl From<&Import> for Location {
    fn from(i: &Import) -> Self {
        Location {
            file: i.file.clone(),
            span: i.span,
        }
    }
}

/// A package in the graph that uses cgo.
#[derive(Debug, Clone, Serialize)]
pub struct CgoPackage {
    pub import_path: String,
    pub standard: bool,
    /// Module path providing the package (for go.mod diagnostics).
    pub module: Option<String>,
    /// Import paths from the main package to this one.
    pub chain: Vec<String>,
    /// The import spec in each package of the chain that leads on.
    pub chain_imports: Vec<Location>,
    /// Go files with `import "C"`, and where.
    pub files: Vec<Location>,
    /// Why it uses cgo, in words.
    pub purpose: String,
    /// Whether the internal linker can handle its C objects.
    pub internal_link_ok: bool,
    /// `#cgo LDFLAGS` that apply.
    pub ldflags: Vec<String>,
    /// Acknowledged with `//linklens:ignore` on an import of its chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<directives::Ignored>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caveat {
    /// Stable kebab-case id (also the diagnostic code).
    pub code: String,
    pub message: String,
}

/// One way of building the package differently, with its predicted result.
#[derive(Debug, Clone, Serialize)]
pub struct Fix {
    /// `cgo-disabled`, `netgo-osusergo`, `musl-static`, `glibc-static`.
    pub id: String,
    pub title: String,
    /// Environment changes (`CGO_ENABLED=0`, `CC=musl-gcc`).
    pub env: Vec<(String, String)>,
    /// Tags to add.
    pub tags: Vec<String>,
    /// `-ldflags` arguments to add.
    pub ldflags: Vec<String>,
    pub link: Link,
    pub caveats: Vec<Caveat>,
    /// What stops working or changes behaviour.
    pub breaks: Vec<String>,
    /// Whether the tools it needs are installed (musl-gcc).
    pub available: bool,
}

/// The prediction for one main package under one configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub import_path: String,
    #[serde(serialize_with = "serialize_path")]
    pub dir: PathBuf,
    pub link: Link,
    pub cgo_enabled: bool,
    pub cgo_reason: String,
    pub cgo_packages: Vec<CgoPackage>,
    pub caveats: Vec<Caveat>,
    /// Why, in order: the cgo decision, what uses cgo, the linker choice.
    pub reasons: Vec<String>,
    pub fixes: Vec<Fix>,
    /// Where a failure comes from (the import or file), if known.
    pub error_location: Option<Location>,
    /// `//linklens:expect` on the main package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<directives::Expectation>,
    /// The import graph it was predicted from (for incremental updates:
    /// which main packages an edited package affects).
    #[serde(skip)]
    pub graph: Arc<Graph>,
}

/// The real spans of locations in module-cache files whose loader header
/// came from cmd/go's index (placeholders until shown: see
/// `FileHeader::inexact`).
fn exact_locations(p: &mut Prediction, sources: &Sources) {
    let fix = |l: &mut Location| l.span = sources.exact_span(&l.file, l.span);
    p.error_location.iter_mut().for_each(fix);
    for cp in &mut p.cgo_packages {
        cp.chain_imports.iter_mut().for_each(fix);
        cp.files.iter_mut().for_each(fix);
    }
}

/// Predicts the link of `main` under the loader's configuration.
pub fn predict(loader: &Loader, main: Arc<Package>) -> Prediction {
    predict_graph(loader, loader.graph(main))
}

/// Predicts the link of the graph's main package, from a graph the
/// loader's tag context and resolver would walk (e.g. another prediction's
/// `graph.imported_only()` under the same tags).
pub fn predict_graph(loader: &Loader, mut graph: Graph) -> Prediction {
    let cfg = loader.cfg;
    let (import_path, dir) = match graph.get(&graph.main) {
        Some(m) => (m.import_path.clone(), m.dir.clone()),
        None => (graph.main.clone(), PathBuf::new()),
    };
    let mut p = Prediction {
        import_path,
        dir,
        link: Link::unknown("not computed"),
        cgo_enabled: cfg.cgo_enabled,
        cgo_reason: cfg.cgo_reason.describe(cfg.cgo_enabled),
        cgo_packages: Vec::new(),
        caveats: Vec::new(),
        reasons: vec![cfg.cgo_reason.describe(cfg.cgo_enabled)],
        fixes: Vec::new(),
        error_location: None,
        expect: None,
        graph: Arc::default(),
    };
    p.link = decide(loader, &mut graph, &mut p);
    glibc::apply(cfg, loader.sources, &graph, &mut p);
    exact_locations(&mut p, loader.sources);
    directives::apply(
        &mut p,
        graph.get(&graph.main).map(|m| m.as_ref()),
        loader.sources,
    );
    p.graph = Arc::new(graph);
    if tracing::enabled!(tracing::Level::DEBUG) {
        // The main reason: the last one (the linker's choice), after the
        // cgo decision and what uses cgo.
        tracing::debug!(
            reasons = ?p.reasons,
            "verdict for {} under {}: {} ({})",
            p.import_path,
            cfg.summary(),
            p.link.result.as_str(),
            p.reasons.last().map(String::as_str).unwrap_or("no reason recorded"),
        );
    }
    p
}

fn decide(loader: &Loader, g: &mut Graph, p: &mut Prediction) -> Link {
    let cfg = loader.cfg;
    // go.mod / go.work asking for a newer Go: the go command stops while
    // loading modules, whatever the target, compiler or build mode; only
    // its flag checks (BuildInit) come earlier.
    if let Some((link, at)) = toolchain_too_old(loader, g) {
        if let Some(link) = flag_failure(cfg) {
            return link;
        }
        p.error_location = at;
        return link;
    }
    // A go.work `use` directory without a readable go.mod: go stops
    // loading the workspace (after its own go-line check above).
    if let Some(bad) = loader.resolver.bad_uses().first() {
        if let Some(link) = flag_failure(cfg) {
            return link;
        }
        let short = |p: &std::path::Path| short_path(p, cfg.workdir.as_deref());
        p.error_location = loader.resolver.go_work().map(|wf| Location {
            file: wf.to_path_buf(),
            span: bad.span,
        });
        // One line per unloadable module (prometheus's zip leaves four out).
        let all: Vec<String> = loader
            .resolver
            .bad_uses()
            .iter()
            .map(|b| b.message(short))
            .collect();
        return Link::fails(all.join("\n"));
    }
    if cfg.flags.compiler.as_deref().is_some_and(|c| c != "gc") {
        return Link::unknown(
            "linklens predicts the gc toolchain only (-compiler=gccgo is not modelled)",
        );
    }
    match cfg.buildmode() {
        "default" | "exe" | "pie" => {}
        other => {
            return Link::unknown(format!(
                "-buildmode={other} does not produce an executable; linklens predicts executables"
            ));
        }
    }
    if cfg.goos == "ios" {
        p.reasons.push(
            "darwin binaries always link libSystem dynamically: they are never static".into(),
        );
        return Link {
            result: Verdict::Dynamic,
            linker: None,
            interpreter: Some("/usr/lib/dyld".into()),
            needed: vec!["/usr/lib/libSystem.B.dylib".into()],
            pie: true,
            error: None,
            glibc_floor: None,
            glibc_floor_source: None,
        };
    }
    // Windows (PE) and macOS (Mach-O) go through the same cmd/go and
    // cmd/link decisions below; only the link itself differs (`windows`,
    // `darwin`).
    if !matches!(cfg.goos.as_str(), "linux" | "windows" | "darwin") {
        return Link::unknown(format!(
            "linklens predicts Linux, Windows and macOS linking; {}/{} binaries load the system's libraries in their own way",
            cfg.goos, cfg.goarch
        ));
    }

    if let Some(link) = flag_failure(cfg) {
        return link;
    }

    let ldflags = LinkerFlags::parse(&cfg.flags.ldflags_for(&g.main));
    let pie = cfg.is_pie();
    // cmd/go's externalLinkingReason: these add runtime/cgo, and need cgo.
    let explicit_linkmode = ldflags.linkmode.clone();
    let ext_reason = if explicit_linkmode.as_deref() == Some("external") {
        Some("-ldflags=-linkmode=external".to_string())
    } else if pie && !internal_link_pie_supported(&cfg.goos, &cfg.goarch) {
        Some("-buildmode=pie".to_string())
    } else if cfg.flags.linkshared {
        Some("-linkshared".to_string())
    } else {
        must_link_external(&cfg.goos, &cfg.goarch, false)
    };
    if let Some(what) = &ext_reason {
        if !cfg.cgo_enabled {
            return Link::fails(format!(
                "go: {what} requires external (cgo) linking, but cgo is not enabled"
            ));
        }
        let imp = main_clause_import(g);
        loader.add_implicit(g, "runtime/cgo", imp);
    }
    if cfg.flags.race {
        let imp = main_clause_import(g);
        loader.add_implicit(g, "runtime/race", imp);
    }
    for (on, pkg) in [
        (cfg.flags.msan, "runtime/msan"),
        (cfg.flags.asan, "runtime/asan"),
    ] {
        if on {
            let imp = main_clause_import(g);
            loader.add_implicit(g, pkg, imp);
        }
    }

    // Load errors anywhere in the graph: go stops there.
    if let Some(link) = load_failure(g, p) {
        return link;
    }

    p.caveats
        .extend(cgooff::caveat(g, &cfg.tags, loader.sources));
    collect_cgo_packages(g, p);
    let iscgo = g.contains("runtime/cgo");
    if iscgo && !cfg.cgo_enabled {
        // Imported explicitly (`import _ "runtime/cgo"`) with cgo off: its
        // C half is missing and the link fails (seen on go1.26).
        p.error_location = Some(Location::from(
            &g.chain("runtime/cgo")
                .imports
                .last()
                .cloned()
                .unwrap_or_else(|| main_clause_import(g)),
        ));
        return Link::fails(
            "runtime/cgo is linked but cgo is disabled: the link fails (relocation target _cgo_yield not defined)",
        );
    }

    // The C compiler must exist when anything is compiled with cgo.
    if !p.cgo_packages.is_empty() && cfg.c_toolchain.path.is_none() {
        let cc = &cfg.c_toolchain.program;
        return Link::fails(format!(
            "cgo: C compiler \"{cc}\" not found: exec: \"{cc}\": executable file not found in $PATH"
        ));
    }
    // A compiler for another architecture (musl-gcc, x86-64 only, with
    // GOARCH=arm64): runtime/cgo's assembly does not assemble.
    if (iscgo || !p.cgo_packages.is_empty()) && !cfg.c_toolchain.targets(&cfg.goarch) {
        return Link::fails(format!(
            "cgo: C compiler \"{}\" builds for {}, not GOARCH={}: runtime/cgo's gcc_{}.S does not assemble (\"Error: no such instruction\")",
            cfg.c_toolchain.program,
            cfg.c_toolchain
                .target_arch
                .as_deref()
                .unwrap_or("another architecture"),
            cfg.goarch,
            cfg.goarch
        ));
    }
    if let Some(link) = missing_header(loader, g, p) {
        return link;
    }

    // cmd/link: host objects from packages outside internalpkg force
    // external linking in auto mode; so do some compiler flags.
    // Any host object outside internalpkg forces it; name the package's own
    // C code before a standard package's (plugin, ...) when both are there.
    let external_obj = p
        .cgo_packages
        .iter()
        .filter(|c| !c.internal_link_ok)
        .min_by_key(|c| c.standard)
        .map(|c| c.import_path.clone())
        .or_else(|| {
            g.packages_with(Has::SysoFiles)
                .map(|(path, _)| path)
                .find(|path| !stdcgo::internal_link_ok(path))
                .map(str::to_string)
        });
    let prefer_ext = p.cgo_packages.iter().find(|c| {
        g.get(&c.import_path).is_some_and(|pkg| {
            pkg.cgo_args(CgoVerb::CFlags)
                .iter()
                .chain(&cfg.cgo_cflags)
                .any(|f| f.starts_with("-flto") || f.starts_with("-fplugin"))
        })
    });
    let ext_needed = if cfg.flags.msan || cfg.flags.asan {
        Some("the sanitizer runtime".to_string())
    } else if pie && !internal_link_pie_supported(&cfg.goos, &cfg.goarch) {
        Some("buildmode=pie".to_string())
    } else {
        must_link_external(&cfg.goos, &cfg.goarch, iscgo)
    };

    let linker = match explicit_linkmode
        .as_deref()
        .or(match cfg.go_extlink_enabled.as_deref() {
            Some("0") => Some("internal"),
            Some("1") => Some("external"),
            _ => None,
        }) {
        Some("internal") => {
            if let Some(why) = &ext_needed {
                return Link::fails(format!(
                    "internal linking requested but external linking required: {why}"
                ));
            }
            p.reasons.push("internal linker: -linkmode=internal".into());
            Linker::Internal
        }
        Some("external") => {
            p.reasons.push(match &explicit_linkmode {
                Some(_) => "external linker: -ldflags=-linkmode=external".into(),
                None => "external linker: GO_EXTLINK_ENABLED=1".into(),
            });
            Linker::External
        }
        _ => {
            if let Some(why) = &ext_needed {
                p.reasons.push(format!("external linker: {why}"));
                Linker::External
            } else if iscgo && let Some(pkg) = &external_obj {
                p.reasons.push(format!(
                    "external linker: {pkg} has C code, which only the C linker ({}) can link",
                    cfg.c_toolchain.program
                ));
                Linker::External
            } else if let (true, Some(c)) = (iscgo, prefer_ext) {
                p.reasons.push(format!("external linker: {} is compiled with flags the internal linker does not accept", c.import_path));
                Linker::External
            } else {
                if iscgo {
                    let pkgs: Vec<&str> = p
                        .cgo_packages
                        .iter()
                        .map(|c| c.import_path.as_str())
                        .collect();
                    p.reasons.push(format!(
                        "internal linker: only standard packages it can handle use cgo ({})",
                        pkgs.join(", ")
                    ));
                }
                Linker::Internal
            }
        }
    };

    match cfg.goos.as_str() {
        "windows" => return windows::link(loader, g, p, &ldflags, linker, iscgo),
        "darwin" => return darwin::link(loader, g, p, &ldflags, linker, iscgo),
        _ => {}
    }
    match linker {
        Linker::Internal => internal_link(cfg, loader.sources, g, p, &ldflags, iscgo, pie),
        Linker::External => external_link(loader, g, p, &ldflags, pie),
    }
}

/// Flags that need cgo or a platform, checked by cmd/go (BuildInit) before
/// it reads any go.mod or builds anything.
fn flag_failure(cfg: &Config) -> Option<Link> {
    for (on, flag) in [
        (cfg.flags.race, "-race"),
        (cfg.flags.msan, "-msan"),
        (cfg.flags.asan, "-asan"),
    ] {
        if on && !cfg.cgo_enabled {
            return Some(Link::fails(format!(
                "go: {flag} requires cgo; enable cgo by setting CGO_ENABLED=1"
            )));
        }
    }
    if cfg.flags.race && !race_supported(&cfg.goos, &cfg.goarch) {
        return Some(Link::fails(format!(
            "go: -race is not supported on {}/{}",
            cfg.goos, cfg.goarch
        )));
    }
    if cfg.flags.race && cfg.flags.buildmode.as_deref() == Some("pie") {
        return Some(Link::fails(
            "go: -buildmode=pie not supported when -race is enabled",
        ));
    }
    None
}

/// A go.mod or go.work that needs a newer Go than the toolchain, with
/// GOTOOLCHAIN=local (the go command may not switch toolchains, so it
/// fails; with `auto` it would switch, which is not modelled). What go1.26.8
/// does (docs/ground-truth.md, "Go version lines"):
/// - single module, `go` line newer: `go: go.mod requires go >= 1.99.0
///   (running go 1.26.8; GOTOOLCHAIN=local)`; a `toolchain` line alone
///   changes nothing;
/// - workspace, go.work `go` line newer: the same, naming go.work; else
///   each `use`d module whose go.mod is newer than the toolchain, or newer
///   than go.work's (≥ 1.21), fails with "module X listed in go.work file
///   requires go >= V, but go.work lists go W" (one line each);
/// - a dependency providing a package of the graph, its go.mod newer:
///   `go: example.com/dep@v1.0.0 requires go >= …` (from the module cache)
///   or `go: module ../dep requires go >= …` (directory replacement).
///
/// Paths are relative to the build's directory when that is shorter
/// (base.ShortPath).
fn toolchain_too_old(loader: &Loader, g: &Graph) -> Option<(Link, Option<Location>)> {
    let found = go_lines_too_new(loader, g)?;
    match loader.cfg.gotoolchain.as_deref() {
        Some("local") => Some(found),
        other => {
            // GOTOOLCHAIN=auto (go.env's default) or a named toolchain: the
            // go command would switch to (and maybe download) a newer go.
            // What that go would build is not this toolchain's business.
            let (link, at) = found;
            let what = link.error.unwrap_or_default();
            let what = what
                .trim_start_matches("go: ")
                .split(" (running go")
                .next()
                .unwrap_or_default()
                .to_string();
            Some((
                Link::unknown(format!(
                    "{what}: with GOTOOLCHAIN={}, go build would switch to (and download) a newer toolchain; linklens predicts for the local {} only (set GOTOOLCHAIN=local to see the failure)",
                    other.unwrap_or("auto"),
                    loader.cfg.go_version.as_deref().unwrap_or("go"),
                )),
                at,
            ))
        }
    }
}

/// The go.mod/go.work `go` lines that the local toolchain cannot build,
/// as `go build` with GOTOOLCHAIN=local reports them.
fn go_lines_too_new(loader: &Loader, g: &Graph) -> Option<(Link, Option<Location>)> {
    use crate::modules::semver::{compare_go, go_from_toolchain};
    let cfg = loader.cfg;
    let local = go_from_toolchain(cfg.go_version.as_deref()?)?;
    let too_new = |v: &str| compare_go(v, local).is_gt();
    let requires = |what: &str, v: &str| {
        format!("go: {what} requires go >= {v} (running go {local}; GOTOOLCHAIN=local)")
    };
    let short = |p: &std::path::Path| short_path(p, cfg.workdir.as_deref());
    let at = |file: &std::path::Path, span: Option<Span>| {
        span.map(|span| Location {
            file: file.to_path_buf(),
            span,
        })
    };
    let r = loader.resolver;
    let mods = r.main_modules().iter().zip(r.main_go_mods());
    if let (Some(wf), Some(w)) = (r.go_work(), r.go_work_file()) {
        if let Some(v) = w.go_version.as_deref().filter(|v| too_new(v)) {
            return Some((Link::fails(requires(&short(wf), v)), at(wf, w.go_span)));
        }
        // gover.FromGoWork / FromGoMod defaults for a missing `go` line.
        let (wv, verb) = match w.go_version.as_deref() {
            Some(v) => (v, "lists"),
            None => ("1.18", "implicitly requires"),
        };
        let mut errors = Vec::new();
        let mut first = None;
        for (m, f) in mods {
            let mv = f.go_version.as_deref().unwrap_or("1.16");
            if too_new(mv) || (compare_go(mv, wv).is_gt() && compare_go(mv, "1.21").is_ge()) {
                errors.push(format!(
                    "go: module {} listed in go.work file requires go >= {mv}, but go.work {verb} go {wv}; to update it:\n\tgo work use",
                    short(&m.dir)
                ));
                first = first.or_else(|| at(&m.gomod, f.go_span));
            }
        }
        if !errors.is_empty() {
            return Some((Link::fails(errors.join("\n")), first));
        }
    } else if let Some((m, f)) = mods.into_iter().next()
        && let Some(v) = f.go_version.as_deref().filter(|v| too_new(v))
    {
        return Some((
            Link::fails(requires(&short(&m.gomod), v)),
            at(&m.gomod, f.go_span),
        ));
    }
    // Dependencies: the newest go line among the modules providing packages.
    let mut worst: Option<(String, String, String)> = None;
    // Each module once (k9s: 2,400 packages from 200 modules).
    let mut seen = rustc_hash::FxHashSet::default();
    for (_, pkg) in g.packages_with(Has::ModuleVersion) {
        let Some((module, Some(_))) = &pkg.module else {
            continue;
        };
        if !seen.insert(module.as_str()) {
            continue;
        }
        if let Some((gomod, what)) = r.dependency_gomod(module)
            && let Some(v) = go_line(loader.sources, r, &gomod)
            && too_new(&v)
            && worst
                .as_ref()
                .is_none_or(|(_, _, w)| compare_go(&v, w).is_gt())
        {
            worst = Some((module.clone(), what, v));
        }
    }
    let (module, what, v) = worst?;
    let loc = r
        .require_of(&module)
        .map(|(file, req)| Location {
            file,
            span: req.span,
        })
        .or_else(|| {
            let (path, _) = g
                .iter()
                .find(|(_, k)| k.module.as_ref().is_some_and(|m| m.0 == module))?;
            g.chain(path).imports.last().map(Location::from)
        });
    Some((Link::fails(requires(&what, &v)), loc))
}

/// The `go` line of a dependency's go.mod; for a module-cache go.mod
/// (never changed) kept in the header index: reading and parsing the
/// go.mod files of k9s's 200 modules was 7 ms of every check.
fn go_line(sources: &Sources, r: &crate::modules::Resolver, gomod: &Path) -> Option<String> {
    if !sources.trusts(gomod) {
        return r.go_line(gomod);
    }
    let key = facts::Key {
        path: gomod,
        what: "go line".into(),
        trusted: true,
        version: 0,
    };
    // No `go` line is an empty list.
    let line = facts::remembered(sources, &key, || {
        Some((r.go_line(gomod).into_iter().collect::<Vec<_>>(), Vec::new()))
    })?;
    line.first().cloned()
}

/// base.ShortPath: `path` relative to `cwd` when that is shorter.
fn short_path(path: &std::path::Path, cwd: Option<&std::path::Path>) -> String {
    use std::path::Component;
    let full = path.display().to_string();
    let Some(cwd) = cwd.filter(|c| c.is_absolute() && path.is_absolute()) else {
        return full;
    };
    let norm = |p: &std::path::Path| -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => v.push(s.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    v.pop();
                }
                _ => {}
            }
        }
        v
    };
    let (p, c) = (norm(path), norm(cwd));
    let common = p.iter().zip(&c).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; c.len() - common];
    parts.extend(p[common..].iter().map(String::as_str));
    let rel = if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    };
    if rel.len() < full.len() { rel } else { full }
}

/// The location of `package main` (for implicit imports and failures).
fn main_clause_import(g: &Graph) -> Import {
    let main = g.get(&g.main);
    let (file, span) = main
        .and_then(|m| m.files.first())
        .map(|f| (f.path.clone(), f.header.package_clause.unwrap_or_default()))
        .unwrap_or_default();
    Import {
        path: String::new(),
        file,
        span,
    }
}

fn load_failure(g: &Graph, p: &mut Prediction) -> Option<Link> {
    if let Some(cycle) = g.import_cycle() {
        let last = &cycle[cycle.len() - 2];
        if let Some(pkg) = g.get(last)
            && let Some(imp) = pkg
                .imports()
                .find(|i| cycle.last().is_some_and(|l| l == i.path))
        {
            p.error_location = Some(Location::from(&imp.to_import()));
        }
        return Some(Link::fails(format!(
            "import cycle not allowed: {}",
            cycle.join(" → ")
        )));
    }
    let mut unknown: Option<(String, Location)> = None;
    for (path, pkg) in g.packages_with(Has::LoadErrors) {
        if let Some(err) = pkg.errors.first() {
            let chain = g.chain(path);
            let at = chain
                .imports
                .last()
                .map(Location::from)
                .or_else(|| match err {
                    LoadError::BadFile { file, span, .. } => Some(Location {
                        file: file.clone(),
                        span: *span,
                    }),
                    _ => None,
                });
            p.error_location = at;
            let mut msg = err.go_message(&pkg.dir);
            if path != g.main {
                msg = format!("package {path}: {msg}");
            }
            if let LoadError::ConstraintsExcludeAll { cgo_only: true } = err {
                msg.push_str(" (its Go files all use cgo, and cgo is disabled)");
            }
            if let LoadError::Unreadable(_) = err
                && pkg.standard
            {
                return Some(Link::unknown(format!(
                    "cannot read the standard library package {path}: {msg}"
                )));
            }
            return Some(Link::fails(msg));
        }
    }
    for u in &g.unresolved {
        match &u.resolution {
            Resolution::MissingModule { module, version } if unknown.is_none() => {
                unknown = Some((
                    format!(
                        "module {module}@{version} (needed for {}) is not in the module cache; run `go mod download {module}`",
                        u.import_path
                    ),
                    Location::from(&u.import),
                ));
            }
            Resolution::NotFound { message } => {
                p.error_location = Some(Location::from(&u.import));
                return Some(Link::fails(message.clone()));
            }
            _ => {}
        }
    }
    unknown.map(|(msg, at)| {
        p.error_location = Some(at);
        Link::unknown(msg)
    })
}

fn collect_cgo_packages(g: &Graph, p: &mut Prediction) {
    for (path, pkg) in g.packages_with(Has::CgoFiles) {
        let chain = g.chain(path);
        let purpose = if pkg.standard {
            stdcgo::purpose(path)
                .unwrap_or("C code in the standard library")
                .to_string()
        } else {
            "C code (import \"C\")".to_string()
        };
        p.cgo_packages.push(CgoPackage {
            import_path: path.to_string(),
            standard: pkg.standard,
            module: pkg.module.as_ref().map(|(m, _)| m.clone()),
            chain: chain.packages,
            chain_imports: chain.imports.iter().map(Location::from).collect(),
            files: pkg
                .cgo_files()
                .map(|f| Location {
                    file: f.path.clone(),
                    span: f.import_c_span(),
                })
                .collect(),
            purpose,
            internal_link_ok: pkg.standard && stdcgo::internal_link_ok(path),
            ldflags: pkgconfig::ldflags(pkg),
            ignored: None,
        });
    }
    for c in &p.cgo_packages {
        if c.import_path == "runtime/cgo" && c.chain.len() > 2 {
            continue;
        }
        let via = if c.chain.len() > 1 {
            format!(" (via {})", c.chain.join(" → "))
        } else {
            String::new()
        };
        p.reasons
            .push(format!("{} uses cgo for {}{via}", c.import_path, c.purpose));
    }
}

/// `#include`s the C compiler reaches (the preprocessor's conditionals
/// evaluated, see cpp.rs) in a cgo preamble or a package's `.c` file whose
/// header the C toolchain lacks: the build fails in the C compiler.
fn missing_header(loader: &Loader, g: &Graph, p: &mut Prediction) -> Option<Link> {
    let cfg = loader.cfg;
    for c in p.cgo_packages.iter().filter(|c| !c.standard) {
        let pkg = g.get(&c.import_path)?;
        // cmd/go runs pkg-config before compiling: a missing .pc fails it.
        if let Err(e) = pkgconfig::package_flags(pkg) {
            p.error_location = pkg.cgo_directives.iter().find_map(|(file, d)| {
                (d.verb == CgoVerb::PkgConfig).then(|| Location {
                    file: file.clone(),
                    span: d.span,
                })
            });
            return Some(Link::fails(format!("# {}\n{e}", c.import_path)));
        }
        let mut dirs = vec![pkg.dir.clone()];
        dirs.extend(cpp::package_include_dirs(cfg, pkg));
        // One look per header name (zstd's 40 files include stdlib.h).
        let mut found: std::collections::HashMap<&str, bool> = Default::default();
        let units = cpp::package_units(cfg, loader.sources, pkg);
        for unit in &units {
            for inc in &unit.facts.includes {
                if *found
                    .entry(&inc.name)
                    .or_insert_with(|| has_header(cfg, &inc.name, &dirs))
                {
                    continue;
                }
                let span = if unit.preamble {
                    g.get(&c.import_path)
                        .and_then(|pkg| pkg.cgo_files().find(|f| f.path == unit.file))
                        .and_then(|f| f.header.import_c.as_ref())
                        .map(|ic| ic.span)
                        .unwrap_or_default()
                } else {
                    Span::default()
                };
                p.error_location = Some(Location {
                    file: unit.file.clone(),
                    span,
                });
                return Some(Link::fails(format!(
                    "{}: fatal error: {}: No such file or directory (not in {}'s include path)",
                    unit.file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    inc.name,
                    cfg.c_toolchain.program
                )));
            }
        }
    }
    None
}

/// Whether the target's C compiler finds `#include <header>`: MinGW's own
/// include path for Windows; for macOS the SDK is not on this host, so
/// headers are not checked.
fn has_header(cfg: &Config, header: &str, dirs: &[PathBuf]) -> bool {
    match cfg.goos.as_str() {
        "windows" => crate::buildcfg::mingw::detect(
            &cfg.c_toolchain.program,
            cfg.c_toolchain.path.as_deref(),
        )
        .is_none_or(|m| m.has_header(header, dirs)),
        "darwin" => true,
        _ => cfg.c_toolchain.has_header(header, dirs),
    }
}

/// The comment block directly above `import "C"` (the cgo preamble).
pub fn preamble(src: &[u8], c_offset: usize) -> String {
    let text = String::from_utf8_lossy(&src[..c_offset.min(src.len())]);
    let Some(import_at) = text.rfind("import") else {
        return String::new();
    };
    let before = &text[..import_at];
    let before = before.trim_end_matches([' ', '\t', '(', '\n', '\r']);
    let before = if text[import_at..].contains('(')
        && !text[import_at..]
            .trim_start_matches("import")
            .trim()
            .starts_with('"')
    {
        // Grouped import: the doc comment sits above the "C" line itself.
        &text[..c_offset.min(text.len())]
    } else {
        before
    };
    let before = before.trim_end_matches(|c: char| c != '\n' && c != '/' && c.is_whitespace());
    if let Some(stripped) = before.strip_suffix("*/")
        && let Some(start) = stripped.rfind("/*")
    {
        return stripped[start + 2..].to_string();
    }
    let mut lines = Vec::new();
    for line in before.lines().rev() {
        let t = line.trim();
        if let Some(c) = t.strip_prefix("//") {
            lines.push(c.to_string());
        } else if t.is_empty() && lines.is_empty() {
            continue;
        } else {
            break;
        }
    }
    lines.reverse();
    lines.join("\n")
}

fn internal_link(
    cfg: &Config,
    sources: &Sources,
    g: &Graph,
    p: &mut Prediction,
    ld: &LinkerFlags,
    iscgo: bool,
    pie: bool,
) -> Link {
    if ld.wants_static() || ld.wants_static_pie() {
        p.caveats.push(Caveat {
            code: "extldflags-ignored".into(),
            message: "`-extldflags` is ignored: the internal linker is used, so the C linker never sees `-static`. \
                      Add `-linkmode external` to make it count."
                .into(),
        });
    }
    if !iscgo && !pie {
        if ld.interpreter.is_some() {
            p.reasons
                .push("-I is ignored: a static executable has no interpreter".into());
        }
        p.reasons
            .push("no package uses cgo: the Go linker writes a static executable".into());
        return Link {
            result: Verdict::Static,
            linker: Some(Linker::Internal),
            interpreter: None,
            needed: vec![],
            pie: false,
            error: None,
            glibc_floor: None,
            glibc_floor_source: None,
        };
    }
    if iscgo && cfg.c_toolchain.links_static_by_default() {
        // cgo -dynimport reads the _cgo_.o that zig linked statically: no
        // dynamic imports, so cmd/link leaves libc's symbols undefined
        // (measured: go1.26.8, zig 0.17.1, net only).
        return Link::fails(format!(
            "link: relocation target … not defined (libc's functions that runtime/cgo and the cgo packages call): {} links musl statically, so the Go linker gets no dynamic imports (add -ldflags=-linkmode=external)",
            cfg.c_toolchain.program
        ));
    }
    if iscgo && ld.no_dynamic {
        return Link::fails("cannot use dynamic imports with -d flag");
    }
    let interpreter = ld.interpreter.clone().or_else(|| {
        if iscgo {
            cfg.c_toolchain.interpreter.clone()
        } else {
            // An internally linked PIE without cgo: cmd/link's default
            // loader, or musl's when the glibc one is missing on this host.
            let glibc = crate::buildcfg::ctoolchain::glibc_loader(&cfg.goarch)?;
            if std::path::Path::new(glibc).exists() || cfg.is_cross() {
                Some(glibc.to_string())
            } else {
                crate::buildcfg::ctoolchain::musl_loader(&cfg.goarch)
                    .map(str::to_string)
                    .or(Some(glibc.to_string()))
            }
        }
    });
    let mut needed = Vec::new();
    if iscgo {
        if let Some(link) = internal_link_archives(cfg, sources, g, p) {
            return link;
        }
        needed = needed_libs(cfg, g, p, interpreter.as_deref(), &[]);
    } else {
        p.reasons.push("-buildmode=pie: the Go linker writes a position-independent executable that needs the dynamic loader".into());
    }
    Link {
        result: Verdict::Dynamic,
        linker: Some(Linker::Internal),
        interpreter,
        needed,
        pie,
        error: None,
        glibc_floor: None,
        glibc_floor_source: None,
    }
}

/// DT_NEEDED of a dynamic link: libc, then the shared libraries the cgo
/// packages' `-l` flags add (standard packages' flags add none here: their
/// symbols live in libc), then those static archives' members need
/// (`from_archives`), with the reason recorded.
fn needed_libs(
    cfg: &Config,
    g: &Graph,
    p: &mut Prediction,
    interpreter: Option<&str>,
    from_archives: &[String],
) -> Vec<String> {
    let mut needed = vec![cfg.c_toolchain.libc_soname.clone()];
    for c in &p.cgo_packages {
        if let Some(pkg) = g.get(&c.import_path) {
            for lib in dynamic_libs(cfg, pkg, &[], &p.cgo_packages) {
                if !needed.contains(&lib) {
                    needed.push(lib);
                }
            }
        }
    }
    for lib in from_archives {
        if !needed.contains(lib) {
            needed.push(lib.clone());
        }
    }
    p.reasons.push(format!(
        "the binary loads {} through {}",
        needed.join(", "),
        interpreter.unwrap_or("the system loader")
    ));
    needed
}

/// The shared libraries `-l` flags of `pkg` add to DT_NEEDED.
fn dynamic_libs(
    cfg: &Config,
    pkg: &Package,
    extra_dirs: &[PathBuf],
    _all: &[CgoPackage],
) -> Vec<String> {
    let mut dirs: Vec<PathBuf> = extra_dirs.to_vec();
    let ldflags: Vec<String> = pkgconfig::ldflags(pkg)
        .into_iter()
        .chain(cfg.cgo_ldflags.iter().cloned())
        .collect();
    for f in &ldflags {
        if let Some(d) = f.strip_prefix("-L") {
            dirs.push(
                pkg.dir
                    .join(d.replace("${SRCDIR}", &pkg.dir.to_string_lossy())),
            );
        }
    }
    let mut idents: Option<std::collections::HashSet<String>> = None;
    let mut out = Vec::new();
    for f in &ldflags {
        let Some(name) = f.strip_prefix("-l") else {
            continue;
        };
        // zig's glibc stubs: needed when a symbol the code uses is in
        // that library at the target's glibc version.
        if cfg.c_toolchain.zig.is_some()
            && let Some((soname, _)) = cfg.c_toolchain.glibc_stub(name, "")
        {
            let ids = idents.get_or_insert_with(|| c_identifiers_of(pkg, cfg));
            let used = ids.iter().any(|i| {
                cfg.c_toolchain
                    .glibc_stub(name, i)
                    .is_some_and(|(_, has)| has)
            });
            if used && soname != cfg.c_toolchain.libc_soname && !out.iter().any(|o| o == soname) {
                out.push(soname.to_string());
            }
            continue;
        }
        let Some(files) = libs::resolve(&cfg.c_toolchain, name, &dirs, false) else {
            continue;
        };
        for file in files {
            let libs::LibFile::Shared { soname, path } = file else {
                continue;
            };
            if soname == cfg.c_toolchain.libc_soname {
                continue;
            }
            if cfg.c_toolchain.as_needed {
                let ids = idents.get_or_insert_with(|| c_identifiers_of(pkg, cfg));
                let defined = libs::defined_symbols(&path);
                if !ids.iter().any(|i| defined.contains(i)) {
                    continue;
                }
            }
            if !out.contains(&soname) {
                out.push(soname);
            }
        }
    }
    out
}

fn c_identifiers_of(pkg: &Package, _cfg: &Config) -> std::collections::HashSet<String> {
    let mut ids = std::collections::HashSet::new();
    for f in pkg.cgo_files() {
        if let (Ok(src), Some(ic)) = (crate::regular::read_all(&f.path), &f.header.import_c) {
            ids.extend(libs::c_identifiers(&preamble(&src, ic.span.start)));
            // Go code calls C functions as C.name: those are references too.
            ids.extend(libs::go_c_references(&String::from_utf8_lossy(&src)));
        }
    }
    for c in &pkg.c_files {
        if let Ok(src) = crate::regular::read_to_string(pkg.dir.join(c)) {
            ids.extend(libs::c_identifiers(&src));
        }
    }
    ids
}

fn external_link(
    loader: &Loader,
    g: &Graph,
    p: &mut Prediction,
    ld: &LinkerFlags,
    pie: bool,
) -> Link {
    let cfg = loader.cfg;
    let static_pie = ld.wants_static_pie();
    let asked_static =
        ld.wants_static() || static_pie || cfg.cgo_ldflags.iter().any(|f| f == "-static");
    if asked_static && let Some(err) = cfg.c_toolchain.static_link_error() {
        return Link::fails(err);
    }
    let static_link = asked_static || cfg.c_toolchain.links_static_by_default();
    if static_link {
        // Every -l must have an archive, libc included.
        let mut libs_needed: Vec<(String, &Package)> = Vec::new();
        for c in &p.cgo_packages {
            if let Some(pkg) = g.get(&c.import_path) {
                for f in pkgconfig::ldflags(pkg).iter().chain(&cfg.cgo_ldflags) {
                    if let Some(name) = f.strip_prefix("-l") {
                        libs_needed.push((name.to_string(), pkg));
                    }
                }
            }
        }
        libs_needed.push((
            "c".into(),
            g.get(&g.main)
                .map(|a| a.as_ref())
                .unwrap_or_else(|| unreachable_pkg()),
        ));
        for (name, pkg) in libs_needed {
            let dirs = libs::lib_dirs(&pkg.dir, &pkgconfig::ldflags(pkg));
            if cfg.c_toolchain.zig_provides(&name) {
                continue;
            }
            if libs::resolve(&cfg.c_toolchain, &name, &dirs, true).is_none() {
                return Link::fails(format!(
                    "/usr/bin/ld: cannot find -l{name}: No such file or directory (no static lib{name}.a for {})",
                    cfg.c_toolchain.program
                ));
            }
        }
        let mut archive_calls = Vec::new();
        if let Err(link) = link_archives(loader, g, p, &ld.extldflags, true, &mut archive_calls) {
            return link;
        }
        // The C code's own calls that glibc warns about in a static link
        // (measured: go-sqlite3's sqlite3-binding.c calls dlopen).
        let mut c_calls: Vec<String> = if cfg.c_toolchain.libc == Libc::Glibc {
            static_glibc_calls(loader, g, p)
        } else {
            Vec::new()
        };
        c_calls.extend(archive_calls);
        // What ld warns about, per package (measured: go1.26.8, glibc 2.36):
        // the NSS functions each package's cgo code links (`stdcgo`).
        let nss: Vec<&stdcgo::StdCgo> = p
            .cgo_packages
            .iter()
            .filter_map(|c| {
                stdcgo::row(&c.import_path).filter(|r| c.standard && r.nss_calls.is_some())
            })
            .collect();
        if cfg.c_toolchain.libc == Libc::Glibc && !nss.is_empty() {
            let calls: Vec<String> = nss
                .iter()
                .map(|r| format!("{} calls {}", r.path, r.nss_calls.unwrap_or_default()))
                .collect();
            let mut calls = calls;
            calls.extend(c_calls.iter().cloned());
            let tags: Vec<&str> = nss.iter().filter_map(|r| r.pure_go_tag).collect();
            p.caveats.push(Caveat {
                code: "glibc-static-nss".into(),
                message: format!(
                    "glibc static link: {} through glibc's NSS, which loads the host's shared glibc at run time \
                     (the linker warns \"Using '…' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking\"). \
                     Add `-tags {}` or build with musl.",
                    calls.join("; "),
                    tags.join(",")
                ),
            });
        } else if !c_calls.is_empty() {
            p.caveats.push(Caveat {
                code: "glibc-static-nss".into(),
                message: format!(
                    "glibc static link: {}; at run time these need the shared libraries of the glibc version used for linking \
                     (the linker warns \"Using '…' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking\"). \
                     Build with musl to avoid it.",
                    c_calls.join("; ")
                ),
            });
        }
        p.reasons.push(if asked_static {
            format!(
                "the C linker ({}) links everything statically (-extldflags {})",
                cfg.c_toolchain.program,
                if static_pie { "-static-pie" } else { "-static" }
            )
        } else {
            format!(
                "the C linker ({}) links its own musl statically",
                cfg.c_toolchain.program
            )
        });
        return Link {
            result: Verdict::Static,
            linker: Some(Linker::External),
            interpreter: None,
            needed: vec![],
            pie: static_pie && pie,
            error: None,
            glibc_floor: None,
            glibc_floor_source: None,
        };
    }
    let interpreter = ld
        .interpreter
        .clone()
        .or_else(|| cfg.c_toolchain.interpreter.clone());
    let mut from_archives =
        match link_archives(loader, g, p, &ld.extldflags, false, &mut Vec::new()) {
            Ok(out) => out.map(|o| o.needed_by_archives).unwrap_or_default(),
            Err(link) => return link,
        };
    if let Some(ld_so) = tls_loader(loader, g, p, interpreter.as_deref())
        && !from_archives.contains(&ld_so)
    {
        from_archives.push(ld_so);
    }
    let needed = needed_libs(cfg, g, p, interpreter.as_deref(), &from_archives);
    Link {
        result: Verdict::Dynamic,
        linker: Some(Linker::External),
        interpreter,
        needed,
        pie,
        error: None,
        glibc_floor: None,
        glibc_floor_source: None,
    }
}

/// glibc functions ld warns about in a static link (they load shared
/// objects at run time).
const STATIC_WARNED: &[&str] = &[
    "dlopen",
    "getaddrinfo",
    "gethostbyname",
    "gethostbyname2",
    "gethostbyname_r",
    "gethostbyaddr",
    "getservbyname",
    "getservbyname_r",
    "getprotobyname",
    "getprotobyname_r",
    "getnetbyname_r",
    "getpwnam",
    "getpwnam_r",
    "getpwuid",
    "getpwuid_r",
    "getgrnam",
    "getgrnam_r",
    "getgrgid",
    "getgrgid_r",
    "getgrouplist",
    "initgroups",
    "getspnam",
];

/// glibc functions that ld warns about in a static link (they load shared
/// objects at run time), called from the active code of the packages' own
/// C sources: "<package> calls dlopen". Archives' members are not read for
/// this.
fn static_glibc_calls(loader: &Loader, g: &Graph, p: &Prediction) -> Vec<String> {
    let mut out = Vec::new();
    for c in p.cgo_packages.iter().filter(|c| !c.standard) {
        let Some(pkg) = g.get(&c.import_path) else {
            continue;
        };
        let mut calls = std::collections::HashSet::new();
        for u in cpp::package_units(loader.cfg, loader.sources, pkg) {
            calls.extend(u.facts.warned.iter().cloned());
        }
        let syms: Vec<&str> = STATIC_WARNED
            .iter()
            .copied()
            .filter(|s| calls.contains(*s))
            .collect();
        if !syms.is_empty() {
            out.push(format!("{} calls {}", c.import_path, syms.join(", ")));
        }
    }
    out
}

/// The `STATIC_WARNED` functions the pulled members of the followed
/// archives call ("librdkafka_glibc_linux_amd64.a calls dlopen, …").
fn archive_static_calls(inputs: &[ldsim::Input], out: &ldsim::Outcome, calls: &mut Vec<String>) {
    for input in inputs {
        match input {
            ldsim::Input::Group(members) => archive_static_calls(members, out, calls),
            ldsim::Input::Archive {
                label,
                archive,
                follow: true,
                ..
            } => {
                let mut syms: Vec<&str> = Vec::new();
                for pulled in out.pulled.iter().filter(|x| &x.archive == label) {
                    let Some(Ok(m)) = archive
                        .names
                        .iter()
                        .position(|n| *n == pulled.member)
                        .and_then(|i| archive.members.get(i))
                    else {
                        continue;
                    };
                    for w in STATIC_WARNED {
                        if !syms.contains(w) && m.references.iter().any(|r| r.symbol == *w) {
                            syms.push(w);
                        }
                    }
                }
                if !syms.is_empty() {
                    let file = std::path::Path::new(label)
                        .file_name()
                        .map_or(label.clone(), |n| n.to_string_lossy().into_owned());
                    let line = format!("{file} calls {}", syms.join(", "));
                    if !calls.contains(&line) {
                        calls.push(line);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Thread-local storage in a package's C code, dynamically linked against
/// glibc: the objects call `__tls_get_addr`, which only ld.so defines, so
/// the binary needs the loader's soname (measured: sqlc v1.31.1's
/// pg_query_go v6.2.2, `__thread` in parser/pg_query.c, NEEDED
/// ld-linux-x86-64.so.2).
fn tls_loader(
    loader: &Loader,
    g: &Graph,
    p: &mut Prediction,
    interpreter: Option<&str>,
) -> Option<String> {
    let cfg = loader.cfg;
    if cfg.c_toolchain.libc != Libc::Glibc {
        return None;
    }
    let soname = Path::new(interpreter?)
        .file_name()?
        .to_string_lossy()
        .into_owned();
    for c in p.cgo_packages.iter().filter(|c| !c.standard) {
        let pkg = g.get(&c.import_path)?;
        if let Some(u) = cpp::package_units(cfg, loader.sources, pkg)
            .into_iter()
            .find(|u| u.facts.tls)
        {
            p.reasons.push(format!(
                "{} has thread-local variables in its C code ({}): glibc resolves their accesses with __tls_get_addr from the dynamic loader, so the binary needs {soname}",
                c.import_path,
                u.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
            ));
            return Some(soname);
        }
    }
    None
}

/// Cgo packages whose link flags reach the C link, in cmd/link's order
/// (`cgo_packages` follows the graph's breadth-first import order).
fn link_packages<'g>(g: &'g Graph, p: &Prediction) -> Vec<&'g Package> {
    p.cgo_packages
        .iter()
        .filter_map(|c| g.get(&c.import_path).map(|a| a.as_ref()))
        .collect()
}

/// Static archives the packages name on the external link line: which
/// members the link takes and whether their references resolve. `Ok(None)`
/// when no package names an archive; `Err` when the link fails or the
/// engine cannot tell.
fn link_archives(
    loader: &Loader,
    g: &Graph,
    p: &mut Prediction,
    extldflags: &[String],
    static_link: bool,
    archive_calls: &mut Vec<String>,
) -> Result<Option<ldsim::Outcome>, Link> {
    let pkgs = link_packages(g, p);
    let line = linkline::build(loader.cfg, loader.sources, &pkgs, extldflags, static_link);
    if !line.names_archive {
        return Ok(None);
    }
    let out = ldsim::simulate(&line.inputs);
    let verdict = archive_verdict(&line, &out);
    if let Some(label) = verdict.as_ref().err().and(verdict_archive(&line, &out)) {
        p.error_location = archive_location(g, &line, &label);
    }
    verdict?;
    if static_link && loader.cfg.c_toolchain.libc == Libc::Glibc {
        archive_static_calls(&line.inputs, &out, archive_calls);
    }
    archive_reasons(&line, &out, &loader.cfg.c_toolchain.libc_soname, p);
    Ok(Some(out))
}

/// The archive a failure points at.
fn verdict_archive(line: &linkline::Line, out: &ldsim::Outcome) -> Option<String> {
    out.unresolved
        .first()
        .map(|u| u.archive.clone())
        .or_else(|| line.origins.first().map(|o| o.0.clone()))
}

/// The `#cgo LDFLAGS` line that names `label`.
fn archive_location(g: &Graph, line: &linkline::Line, label: &str) -> Option<Location> {
    let (_, pkg, word) = line.origins.iter().find(|o| o.0 == label)?;
    let pkg = g.get(pkg)?;
    let dir = pkg.dir.to_string_lossy();
    pkg.cgo_directives
        .iter()
        .find(|(_, d)| {
            d.verb == CgoVerb::LdFlags
                && d.args.iter().any(|a| a.replace("${SRCDIR}", &dir) == *word)
        })
        .map(|(file, d)| Location {
            file: file.clone(),
            span: d.span,
        })
}

/// `fails` or `unknown` from a simulated link, if it comes to that.
fn archive_verdict(line: &linkline::Line, out: &ldsim::Outcome) -> Result<(), Link> {
    if let Some(fatal) = line.fatal.as_ref().or(out.fatal.as_ref()) {
        return Err(Link::fails(fatal.clone()));
    }
    if let Some(why) = line.unreadable.as_ref().or(out.unreadable.as_ref()) {
        return Err(Link::unknown(format!(
            "cannot tell whether the C link resolves the static archive's symbols: {why}"
        )));
    }
    if out.unresolved.is_empty() {
        return Ok(());
    }
    let mut lines: Vec<String> = out.unresolved.iter().take(3).map(|u| u.message()).collect();
    if out.unresolved.len() > 3 {
        lines.push(format!(
            "(and {} more undefined references)",
            out.unresolved.len() - 3
        ));
    }
    if !line.blind.is_empty() {
        let names: Vec<&str> = out.unresolved.iter().map(|u| u.symbol.as_str()).collect();
        return Err(Link::unknown(format!(
            "the static archive needs {} and linklens cannot see every input that might define {}: {}",
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" },
            line.blind.join("; ")
        )));
    }
    Err(Link::fails(lines.join("\n")))
}

fn archive_reasons(line: &linkline::Line, out: &ldsim::Outcome, libc: &str, p: &mut Prediction) {
    let file = |label: &str| {
        std::path::Path::new(label)
            .file_name()
            .map_or(label.to_string(), |n| n.to_string_lossy().into_owned())
    };
    let mut seen: Vec<&str> = Vec::new();
    for (label, _, _) in &line.origins {
        if seen.contains(&label.as_str()) {
            continue;
        }
        seen.push(label);
        let pulled: Vec<&ldsim::Pulled> =
            out.pulled.iter().filter(|x| &x.archive == label).collect();
        if pulled.is_empty() {
            p.reasons.push(format!(
                "{}: nothing the packages' C code references is defined in this static archive, so the link takes none of it",
                file(label)
            ));
            continue;
        }
        let members: Vec<&str> = pulled.iter().map(|x| x.member.as_str()).collect();
        let wants: Vec<&str> = pulled
            .iter()
            .map(|x| x.because.as_str())
            .filter(|b| !b.is_empty())
            .collect();
        p.reasons.push(format!(
            "{}: the link takes {} from this static archive{}; everything those members reference is defined",
            file(label),
            members.join(", "),
            if wants.is_empty() {
                String::new()
            } else {
                format!(" (for {})", wants.join(", "))
            }
        ));
    }
    let shared: Vec<&str> = out
        .needed_by_archives
        .iter()
        .map(String::as_str)
        .filter(|s| *s != libc)
        .collect();
    if !shared.is_empty() {
        p.reasons.push(format!(
            "the archives' members call into {}, so the binary needs {} too",
            shared.join(", "),
            if shared.len() == 1 { "it" } else { "them" }
        ));
    }
    for (sym, pkg) in &out.assumed {
        p.reasons.push(format!(
            "{sym}, which a static archive needs, is taken to be defined by {pkg}'s C code (its objects are not built yet, so this is read from the source)"
        ));
    }
}

/// `-linkmode internal` with a package that links a static archive: cmd/link
/// never reads the archive, and when cmd/go's own `_cgo_.o` link of the
/// package fails it refuses internal linking outright (seen on go1.26).
fn internal_link_archives(
    cfg: &Config,
    sources: &Sources,
    g: &Graph,
    p: &mut Prediction,
) -> Option<Link> {
    for c in p.cgo_packages.iter().filter(|c| !c.standard) {
        let pkg = g.get(&c.import_path)?;
        let line = linkline::build(cfg, sources, &[pkg.as_ref()], &[], false);
        if !line.names_archive {
            continue;
        }
        let out = ldsim::simulate(&line.inputs);
        match archive_verdict(&line, &out) {
            Err(link) if link.result == Verdict::Unknown => return Some(link),
            Err(_) => {
                return Some(Link::fails(format!(
                    "internal linking requested but external linking required: some packages could not be built to support internal linking ([{}])",
                    c.import_path
                )));
            }
            Ok(()) => {
                if let Some(first) = out.pulled.first() {
                    let target = if first.because.is_empty() {
                        format!("symbols of {}", first.archive)
                    } else {
                        first.because.clone()
                    };
                    return Some(Link::fails(format!(
                        "{}(.text): relocation target {target} not defined (the internal linker does not read static archives)",
                        c.import_path
                    )));
                }
            }
        }
    }
    None
}

fn unreachable_pkg() -> &'static Package {
    static EMPTY: std::sync::OnceLock<Package> = std::sync::OnceLock::new();
    EMPTY.get_or_init(|| Package::empty("", Path::new(""), false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buildcfg::{Environ, Toolchain};
    use crate::engine::Engine;
    use std::path::Path;

    #[test]
    fn short_path_is_relative_when_shorter() {
        let p = Path::new("/work/m/go.mod");
        assert_eq!(short_path(p, Some(Path::new("/work/m"))), "go.mod");
        assert_eq!(
            short_path(p, Some(Path::new("/work/m/cmd/x"))),
            "../../go.mod"
        );
        assert_eq!(
            short_path(Path::new("/work/m"), Some(Path::new("/work/m"))),
            "."
        );
        assert_eq!(
            short_path(p, Some(Path::new("/a/b/c/d/e/f"))),
            "/work/m/go.mod"
        );
        assert_eq!(short_path(p, None), "/work/m/go.mod");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let f = root.join(rel);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }

    /// The toolchain is fixed (go1.26.8, no GOROOT): no `go` runs.
    fn check(dir: &Path, gotoolchain: &str) -> Prediction {
        let engine = Engine::new(Toolchain::fixed_for_tests());
        let env: Environ = [
            ("GOTOOLCHAIN".to_string(), gotoolchain.to_string()),
            ("CGO_ENABLED".to_string(), "0".to_string()),
        ]
        .into_iter()
        .collect();
        let (mut cfg, _) = engine.config(&env, &[]).unwrap();
        cfg.workdir = Some(dir.to_path_buf());
        let mut r = engine.check(dir, &cfg, &[".".into()], true).unwrap();
        assert_eq!(r.packages.len(), 1);
        r.packages.remove(0)
    }

    const MAIN: &str = "package main\n\nfunc main() {}\n";

    #[test]
    fn go_line_newer_than_the_toolchain_fails_with_gotoolchain_local() {
        let tmp = tempfile::tempdir().unwrap();
        let m = tmp.path().join("m");
        let gomod = "module example.com/m\n\ngo 1.99.0\n";
        write(&m, "go.mod", gomod);
        write(&m, "main.go", MAIN);
        let p = check(&m, "local");
        assert_eq!(p.link.result, Verdict::Fails);
        assert_eq!(
            p.link.error.as_deref(),
            Some("go: go.mod requires go >= 1.99.0 (running go 1.26.8; GOTOOLCHAIN=local)")
        );
        // On the go line of go.mod, and no "fix" that fails the same way.
        let at = p.error_location.expect("a location");
        assert_eq!(at.file, m.join("go.mod"));
        assert_eq!(&gomod[at.span.start..at.span.end], "go 1.99.0");
        assert!(p.fixes.is_empty(), "{:?}", p.fixes);
        // With GOTOOLCHAIN=auto go would switch toolchains: not this
        // toolchain's build, so unknown, saying why.
        let auto = check(&m, "auto").link;
        assert_eq!(auto.result, Verdict::Unknown);
        assert!(
            auto.error.as_deref().is_some_and(|e| e.starts_with(
                "go.mod requires go >= 1.99.0: with GOTOOLCHAIN=auto, go build would switch"
            )),
            "{auto:?}"
        );
        // The toolchain's own version passes; a toolchain line alone too.
        write(&m, "go.mod", "module example.com/m\n\ngo 1.26.8\n");
        assert_eq!(check(&m, "local").link.result, Verdict::Static);
        write(
            &m,
            "go.mod",
            "module example.com/m\n\ngo 1.21\n\ntoolchain go1.99.0\n",
        );
        assert_eq!(check(&m, "local").link.result, Verdict::Static);
    }

    #[test]
    fn go_work_use_without_go_mod_fails_as_go_does() {
        // Measured with go1.26.8 from app/: "go: cannot load module
        // ../missing listed in go.work file: open ../missing/go.mod: no
        // such file or directory".
        let tmp = tempfile::tempdir().unwrap();
        let w = tmp.path();
        write(w, "go.work", "go 1.22\n\nuse ./app\nuse ./missing\n");
        write(w, "app/go.mod", "module example.com/app\n\ngo 1.22\n");
        write(w, "app/main.go", MAIN);
        let p = check(&w.join("app"), "local");
        assert_eq!(p.link.result, Verdict::Fails);
        assert_eq!(
            p.link.error.as_deref(),
            Some(
                "go: cannot load module ../missing listed in go.work file: open ../missing/go.mod: no such file or directory"
            )
        );
        assert_eq!(p.error_location.map(|l| l.file), Some(w.join("go.work")));
        // go.work's own go line is checked first.
        write(w, "go.work", "go 1.99\n\nuse ./app\nuse ./missing\n");
        let p = check(&w.join("app"), "local");
        assert_eq!(
            p.link.error.as_deref(),
            Some("go: ../go.work requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)")
        );
    }

    #[test]
    fn workspace_and_dependency_go_lines() {
        let tmp = tempfile::tempdir().unwrap();
        let w = tmp.path();
        write(w, "go.work", "go 1.99\n\nuse ./app\n");
        write(w, "app/go.mod", "module example.com/app\n\ngo 1.22\n");
        write(w, "app/main.go", MAIN);
        let p = check(&w.join("app"), "local");
        assert_eq!(
            p.link.error.as_deref(),
            Some("go: ../go.work requires go >= 1.99 (running go 1.26.8; GOTOOLCHAIN=local)")
        );
        assert_eq!(p.error_location.map(|l| l.file), Some(w.join("go.work")));

        // go.work is fine, another `use`d module is too new.
        write(w, "go.work", "go 1.22\n\nuse (\n\t./app\n\t./lib\n)\n");
        write(w, "lib/go.mod", "module example.com/lib\n\ngo 1.99.0\n");
        let p = check(&w.join("app"), "local");
        assert_eq!(
            p.link.error.as_deref(),
            Some(
                "go: module ../lib listed in go.work file requires go >= 1.99.0, but go.work lists go 1.22; to update it:\n\tgo work use"
            )
        );
        assert_eq!(p.error_location.map(|l| l.file), Some(w.join("lib/go.mod")));

        // A replaced dependency whose go.mod is too new, imported (outside
        // the workspace above).
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("d");
        let gomod = "module example.com/d\n\ngo 1.22\n\nrequire example.com/dep v0.0.0\n\nreplace example.com/dep => ./dep\n";
        write(&d, "go.mod", gomod);
        write(
            &d,
            "main.go",
            "package main\n\nimport \"example.com/dep\"\n\nfunc main() { dep.F() }\n",
        );
        write(&d, "dep/go.mod", "module example.com/dep\n\ngo 1.99.0\n");
        write(&d, "dep/dep.go", "package dep\n\nfunc F() {}\n");
        let p = check(&d, "local");
        assert_eq!(
            p.link.error.as_deref(),
            Some("go: module ./dep requires go >= 1.99.0 (running go 1.26.8; GOTOOLCHAIN=local)")
        );
        let at = p.error_location.expect("a location");
        assert_eq!(
            &gomod[at.span.start..at.span.end],
            "require example.com/dep v0.0.0"
        );
        // Required but not imported: go builds it.
        write(&d, "main.go", MAIN);
        assert_eq!(check(&d, "local").link.result, Verdict::Static);
    }

    /// A module-cache dependency's go line (what go reports as
    /// `example.com/new@v1.0.0 requires go >= ...`) is kept in the header
    /// index: a later run with a fresh process memo answers without reading
    /// the go.mod (here rewritten in between, which a module cache never is).
    #[test]
    fn module_cache_go_lines_are_kept_in_the_index() {
        use crate::load::header_index::{HeaderIndex, Trusted};
        use crate::load::source::Sources;
        let tmp = tempfile::tempdir().unwrap();
        let modcache = tmp.path().join("mod");
        let dep = modcache.join("example.com/new@v1.0.0");
        write(&dep, "go.mod", "module example.com/new\n\ngo 1.99.0\n");
        write(&dep, "new.go", "package new\n\nfunc F() {}\n");
        let m = tmp.path().join("m");
        write(
            &m,
            "go.mod",
            "module example.com/m\n\ngo 1.22\n\nrequire example.com/new v1.0.0\n",
        );
        write(
            &m,
            "main.go",
            "package main\n\nimport \"example.com/new\"\n\nfunc main() { new.F() }\n",
        );
        let toolchain = || {
            let mut tc = Toolchain::fixed_for_tests();
            tc.gomodcache = modcache.clone();
            tc
        };
        let index = tmp.path().join("index");
        let trusted = Trusted::of(&toolchain(), &m);
        let run = || {
            let sources = Arc::new(Sources::new());
            sources.use_index(
                HeaderIndex::open(index.clone(), 42, std::time::Duration::ZERO)
                    .trusting(trusted.clone()),
            );
            let engine = Engine::with_sources(toolchain(), sources.clone());
            let env: Environ = [
                ("GOTOOLCHAIN".to_string(), "local".to_string()),
                ("CGO_ENABLED".to_string(), "0".to_string()),
                ("GOFLAGS".to_string(), "-mod=mod".to_string()),
            ]
            .into_iter()
            .collect();
            let (mut cfg, _) = engine.config(&env, &[]).unwrap();
            cfg.workdir = Some(m.clone());
            let r = engine.check(&m, &cfg, &[".".into()], false).unwrap();
            sources.save_index().unwrap();
            r.packages[0].link.clone()
        };
        let first = run();
        assert_eq!(first.result, Verdict::Fails);
        assert_eq!(
            first.error.as_deref(),
            Some(
                "go: example.com/new@v1.0.0 requires go >= 1.99.0 (running go 1.26.8; GOTOOLCHAIN=local)"
            )
        );
        write(&dep, "go.mod", "module example.com/new\n\ngo 1.22\n");
        facts::forget_memo();
        assert_eq!(run().error, first.error, "from the index");
    }
}
