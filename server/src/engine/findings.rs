//! What a prediction means for the Go files of a project, as plain data:
//! where each diagnostic goes (the import on every hop of a cgo chain,
//! `import "C"`, the go.mod require, the main package clause), its code and
//! its words. The editor turns these into LSP diagnostics; `check --format
//! sarif|github` prints them. Build files have their own findings
//! (`profiles::findings`).

use crate::gosrc::Span;
use crate::predict::{Location, Prediction, Verdict};
use crate::report;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GoFinding {
    pub file: PathBuf,
    pub span: Span,
    /// `cgo-dynamic-import`, `cgo-import-c`, `cgo-module-require`,
    /// `build-fails`, or a caveat's code (docs/diagnostics/<code>.md).
    pub code: String,
    pub severity: Severity,
    pub message: String,
    /// The rest of the chain, for related information.
    pub related: Vec<(Location, String)>,
}

/// Where the facts a finding needs beyond the prediction come from.
pub trait Context {
    /// The `package main` clause of the main package in `dir`.
    fn main_clause(&self, dir: &Path) -> Option<Location>;
    /// The go.mod `require` of module `m`: the file and the span.
    fn require_of(&self, m: &str) -> Option<(PathBuf, Span)>;
}

/// Most related locations one finding carries. Every hop of an import
/// chain gets a finding; giving each the whole chain made the published
/// size quadratic (a 500-deep chain sent 50 MB and took 20 s to load).
const MAX_RELATED: usize = 16;

/// What the user asked to see.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The project wants static binaries: dynamic linking is a warning,
    /// else information (a `//linklens:expect` directive decides first).
    pub expect_static: bool,
    /// Findings in library packages too (every hop of a chain, `import
    /// "C"` in libraries); by default only the main package's own files
    /// and go.mod get them, so a library's `net` import does not warn once
    /// per main package that uses it.
    pub libraries: bool,
    /// The oldest glibc the binaries must run on (`linklens.minGlibc`):
    /// a floor above it is a `glibc-too-new` finding.
    pub min_glibc: Option<[u32; 3]>,
}

/// The findings of one main package's prediction.
pub fn for_prediction(p: &Prediction, opts: Options, cx: &dyn Context) -> Vec<GoFinding> {
    use crate::predict::directives::Expect;
    let expect_static = match p.expect.as_ref().map(|e| e.value) {
        Some(Expect::Static) => true,
        Some(Expect::Dynamic | Expect::Report) => false,
        None => opts.expect_static,
    };
    // A Windows or macOS binary is never static; needing only the OS's own
    // libraries is what "static" means there, so it is no warning.
    let system_only = crate::predict::windows::platform_verdict(p).is_some_and(|w| {
        w == crate::predict::windows::SYSTEM_ONLY || w == crate::predict::darwin::SYSTEM_ONLY
    });
    let warn = if expect_static && !system_only {
        Severity::Warning
    } else {
        Severity::Information
    };
    let mut out = Vec::new();
    match p.link.result {
        Verdict::Dynamic => {
            let only_runtime = p
                .cgo_packages
                .iter()
                .all(|c| c.import_path == "runtime/cgo");
            for cp in &p.cgo_packages {
                // runtime/cgo rides along with every other cgo package; an
                // acknowledged chain (`//linklens:ignore`) is left alone.
                if (cp.import_path == "runtime/cgo" && !only_runtime) || cp.ignored.is_some() {
                    continue;
                }
                let related: Vec<(Location, String)> = cp
                    .chain_imports
                    .iter()
                    .enumerate()
                    .map(|(i, loc)| {
                        let from = cp.chain.get(i).map(String::as_str).unwrap_or("?");
                        let to = cp
                            .chain
                            .get(i + 1)
                            .map(String::as_str)
                            .unwrap_or(&cp.import_path);
                        (loc.clone(), format!("{from} imports {to}"))
                    })
                    .chain(
                        cp.files
                            .first()
                            .map(|f| (f.clone(), format!("{} has import \"C\"", cp.import_path))),
                    )
                    .collect();
                for (i, loc) in cp.chain_imports.iter().enumerate() {
                    out.push(GoFinding {
                        file: loc.file.clone(),
                        span: loc.span,
                        code: "cgo-dynamic-import".into(),
                        severity: warn,
                        message: report::hop_message(p, cp, i),
                        related: related_window(&related, i),
                    });
                }
                for loc in &cp.files {
                    out.push(GoFinding {
                        file: loc.file.clone(),
                        span: loc.span,
                        code: "cgo-import-c".into(),
                        severity: warn,
                        message: format!(
                            "{} uses cgo ({}): {}",
                            cp.import_path,
                            cp.purpose,
                            report::outcome(p)
                        ),
                        related: related_window(&related, related.len().saturating_sub(1)),
                    });
                }
                if let (false, Some(m)) = (cp.standard, &cp.module)
                    && let Some((gomod, span)) = cx.require_of(m)
                {
                    out.push(GoFinding {
                        file: gomod,
                        span,
                        code: "cgo-module-require".into(),
                        severity: warn,
                        message: format!(
                            "{m} provides {}, which uses cgo ({}): {}",
                            cp.import_path,
                            cp.purpose,
                            report::outcome(p)
                        ),
                        related: related.clone(),
                    });
                }
            }
        }
        Verdict::Fails => {
            if let Some(loc) = p.error_location.clone().or_else(|| cx.main_clause(&p.dir)) {
                out.push(GoFinding {
                    file: loc.file,
                    span: loc.span,
                    code: "build-fails".into(),
                    severity: Severity::Error,
                    message: report::outcome(p),
                    related: vec![],
                });
            }
        }
        Verdict::Static | Verdict::Unknown => {}
    }
    if !opts.libraries {
        out.retain(|f| {
            f.file.parent() == Some(p.dir.as_path())
                || f.file.file_name().is_some_and(|n| n == "go.mod")
        });
    }
    let mut caveats = p.caveats.clone();
    if let Some(min) = opts.min_glibc
        && let Some(c) = crate::predict::glibc::too_new(p, &min)
        && !caveats.iter().any(|x| x.code == c.code)
    {
        caveats.push(c);
    }
    if !caveats.is_empty()
        && let Some(main_loc) = cx.main_clause(&p.dir)
    {
        for c in &caveats {
            // glibc-too-new sits on the import that leads to the package
            // whose C code sets the floor.
            let loc = (c.code == "glibc-too-new")
                .then(|| {
                    let by = p.link.glibc_floor_source.as_ref()?.package.as_ref()?;
                    let cp = p.cgo_packages.iter().find(|c| &c.import_path == by)?;
                    cp.chain_imports.first().cloned()
                })
                .flatten()
                .unwrap_or_else(|| main_loc.clone());
            out.push(GoFinding {
                file: loc.file.clone(),
                span: loc.span,
                code: c.code.clone(),
                severity: warn,
                message: format!("{}: {}", p.import_path, c.message),
                related: vec![],
            });
        }
    }
    out
}

/// The related locations around hop `i`, keeping the last (the package
/// with `import "C"`).
fn related_window(related: &[(Location, String)], i: usize) -> Vec<(Location, String)> {
    if related.len() <= MAX_RELATED {
        return related.to_vec();
    }
    let half = MAX_RELATED / 2;
    let start = i.saturating_sub(half).min(related.len() - MAX_RELATED);
    let mut out = related[start..start + MAX_RELATED - 1].to_vec();
    out.extend(related.last().cloned());
    out
}

/// The `package main` clause among `files` (sorted first; test files are
/// never the clause), read through the engine's sources.
pub fn main_clause_in(
    sources: &crate::load::source::Sources,
    mut files: Vec<PathBuf>,
) -> Option<Location> {
    files.sort();
    files.dedup();
    files.into_iter().find_map(|f| {
        if f.as_os_str().as_encoded_bytes().ends_with(b"_test.go") {
            return None;
        }
        let h = sources.exact_header(&f).ok()?;
        let (name, span) = h.package.clone()?;
        (name == "main").then_some(Location { file: f, span })
    })
}

/// The Go files directly in `dir`.
pub fn go_files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|f| f.extension().is_some_and(|e| e == "go"))
                .collect()
        })
        .unwrap_or_default()
}
