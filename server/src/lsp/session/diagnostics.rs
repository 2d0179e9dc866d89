//! Findings to protocol diagnostics: what each main package contributes
//! to each file (engine findings, plain data), grouped and converted into
//! `Diagnostic`s, and published only where they changed.

use super::*;
use crate::engine::findings;
use crate::engine::lastbuild::LastBuild;
use crate::gosrc::Span;
use crate::lsp::render;
use crate::lsp::settings::Expect;
use crate::predict::{Location, Prediction};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString,
    Range, Uri,
};

/// One finding a main package contributes to a file: engine data, turned
/// into a `Diagnostic` only when published.
pub(super) type Contrib = findings::GoFinding;

impl Session {
    pub(super) fn contribs(
        &self,
        folder: FolderId,
        p: &Prediction,
        last: Option<&LastBuild>,
    ) -> Vec<Contrib> {
        let Some(settings) = self.folder(folder).map(|f| &f.settings) else {
            return Vec::new();
        };
        let cx = FindingContext {
            state: self,
            folder: Some(folder),
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
        );
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
                    severity: findings::Severity::Warning,
                    message: render::contradiction(&p.import_path, lb),
                    related: vec![],
                },
            );
        }
        out
    }

    /// The diagnostics of `file`, from the contributions of the main
    /// packages to it (`contribs_in`), with the main package of each.
    pub(super) fn diagnostics_for(
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
                .and_then(|e| e.sources.exact_header(file).ok())
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
                .map_or(DiagnosticSeverity::INFORMATION, severity);
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

    pub(super) fn in_workspace(&self, file: &Path) -> bool {
        self.docs.contains_key(file) || self.live_folders().any(|f| file.starts_with(&f.path))
    }

    /// The contributions of every main package to each of `files`, in
    /// main-package order: one pass over the mains for all the files.
    pub(super) fn contribs_in(
        &self,
        files: &BTreeSet<PathBuf>,
    ) -> HashMap<PathBuf, Vec<(Contrib, String)>> {
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
    pub(super) fn publish_files(&mut self, files: BTreeSet<PathBuf>, out: &mut Out) {
        let mut contribs = self.contribs_in(&files);
        for f in files {
            if !self.in_workspace(&f) {
                // A removed folder's diagnostics go with it.
                if self.published.remove(&f).is_some()
                    && let Some(uri) = path_uri(&f)
                {
                    out.publish.push((uri, Vec::new(), None));
                }
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
}

pub const SOURCE: &str = "linklens";

/// The most severe first.
fn severity_rank(s: findings::Severity) -> u8 {
    match s {
        findings::Severity::Error => 0,
        findings::Severity::Warning => 1,
        findings::Severity::Information => 2,
    }
}

fn severity(s: findings::Severity) -> DiagnosticSeverity {
    match s {
        findings::Severity::Error => DiagnosticSeverity::ERROR,
        findings::Severity::Warning => DiagnosticSeverity::WARNING,
        findings::Severity::Information => DiagnosticSeverity::INFORMATION,
    }
}

pub fn docs_href(code: &str) -> Option<Uri> {
    crate::report::docs_url(code).parse().ok()
}

pub(super) fn diag(
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

/// The state's answers to what findings need: open buffers count as files.
pub(super) struct FindingContext<'a> {
    pub(super) state: &'a Session,
    pub(super) folder: Option<FolderId>,
    pub(super) dir: &'a Path,
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
        let cfg = self.state.folder(self.folder?)?.state.config()?;
        let r = self.state.engine.as_ref()?.resolver(self.dir, cfg).ok()?;
        r.require_of(m).map(|(gomod, req)| (gomod, req.span))
    }
}
