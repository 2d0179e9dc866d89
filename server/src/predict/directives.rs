//! `//linklens:` directives, go-directive style, read from the headers the
//! loader already scanned (`gosrc::LinklensDirective`):
//!
//! - `//linklens:expect static|dynamic|report` in a main package's file
//!   says what that binary is meant to be: `dynamic` and `report` exempt it
//!   from `--require static` and turn its editor warnings into information;
//!   `static` holds it to static whatever the editor setting says.
//! - `//linklens:ignore <reason>` at the end of an import's line (or alone
//!   on the line above it) acknowledges the cgo that import pulls in: the
//!   chain through it gets no diagnostics and does not fail `--require
//!   static`, and the reason is shown with the prediction.
//!
//! The verdict itself never changes: the binary links the same way.

use super::{Location, Prediction};
use crate::load::package::Package;
use crate::load::source::Sources;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Static,
    Dynamic,
    Report,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expectation {
    pub value: Expect,
    /// The directive comment.
    pub location: Location,
}

/// An acknowledged cgo chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ignored {
    pub reason: String,
    /// The directive comment.
    pub location: Location,
}

/// Reads the directives that concern `p` (its main package `main`).
pub fn apply(p: &mut Prediction, main: Option<&Package>, sources: &Sources) {
    if let Some(main) = main {
        for f in &main.files {
            let exact;
            let header = if f.header.inexact {
                let Ok(h) = sources.exact_header(&f.path) else {
                    continue;
                };
                exact = h;
                &exact
            } else {
                &f.header
            };
            let Some(d) = header
                .directives
                .iter()
                .find(|d| d.import.is_none() && d.text.starts_with("expect"))
            else {
                continue;
            };
            let word = d.text["expect".len()..].trim();
            let value = match word {
                "static" => Expect::Static,
                "dynamic" => Expect::Dynamic,
                "report" => Expect::Report,
                other => {
                    p.reasons.push(format!(
                        "//linklens:expect {other} in {} is not understood: it takes static, dynamic or report",
                        f.path.display()
                    ));
                    continue;
                }
            };
            p.expect = Some(Expectation {
                value,
                location: Location {
                    file: f.path.clone(),
                    span: d.span,
                },
            });
            p.reasons.push(format!(
                "//linklens:expect {word}: {} is meant to be {word}",
                p.import_path
            ));
            break;
        }
    }
    let mut notes = Vec::new();
    for cp in &mut p.cgo_packages {
        for (i, loc) in cp.chain_imports.iter().enumerate() {
            let next = cp.chain.get(i + 1).unwrap_or(&cp.import_path);
            let Ok(h) = sources.exact_header(&loc.file) else {
                continue;
            };
            let Some(d) = h.directives.iter().find(|d| {
                d.import.as_deref() == Some(next.as_str()) && d.text.starts_with("ignore")
            }) else {
                continue;
            };
            let reason = d.text["ignore".len()..].trim().to_string();
            notes.push(format!(
                "{} (via {}) is acknowledged by //linklens:ignore in {}: {}",
                cp.import_path,
                next,
                loc.file.display(),
                if reason.is_empty() {
                    "no reason given"
                } else {
                    &reason
                }
            ));
            cp.ignored = Some(Ignored {
                reason,
                location: Location {
                    file: loc.file.clone(),
                    span: d.span,
                },
            });
            break;
        }
    }
    p.reasons.extend(notes);
}

impl Prediction {
    /// Why a binary that is not static is accepted as it is, if it is: an
    /// `expect dynamic|report` directive, or every package that brings in
    /// cgo acknowledged with `//linklens:ignore`.
    pub fn accepted(&self) -> Option<String> {
        if let Some(e) = &self.expect
            && e.value != Expect::Static
        {
            return Some(format!(
                "//linklens:expect {} in {}",
                if e.value == Expect::Dynamic {
                    "dynamic"
                } else {
                    "report"
                },
                e.location.file.display()
            ));
        }
        let culprits: Vec<_> = self
            .cgo_packages
            .iter()
            .filter(|c| c.import_path != "runtime/cgo" || self.cgo_packages.len() == 1)
            .collect();
        (self.link.result == super::Verdict::Dynamic
            && !culprits.is_empty()
            && culprits.iter().all(|c| c.ignored.is_some()))
        .then(|| "every import that brings in cgo is marked //linklens:ignore".to_string())
    }
}
