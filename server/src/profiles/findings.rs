//! Findings on the profiles' own lines, as plain data for the language
//! server to publish: a runtime image that cannot run the binary, builds of
//! the same package that disagree, values that cannot be evaluated.

use super::{Discovery, ImageClass, Profile, ProfileKind, ProfilePrediction};
use crate::gosrc::Span;
use crate::predict::{Prediction, Verdict};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Information,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    #[serde(serialize_with = "crate::predict::serialize_path")]
    pub file: PathBuf,
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    pub severity: Severity,
    /// `image-missing-loader`, `image-libc-mismatch`, `profile-drift`, `profile-unknown`.
    pub code: String,
    pub message: String,
    /// [`Profile::id`] the finding is about.
    pub profile: Option<String>,
}

fn is_glibc_loader(i: &str) -> bool {
    i.contains("ld-linux")
}

fn is_musl_loader(i: &str) -> bool {
    i.contains("ld-musl")
}

/// The findings of one profile (image and unknown checks).
pub fn for_profile(p: &Profile, pred: &ProfilePrediction) -> Vec<Finding> {
    let mut out = Vec::new();
    if let (Some(file), Some(span)) = (&p.file, p.span) {
        for u in &pred.unknown {
            out.push(Finding {
                file: file.clone(),
                span,
                line: p.line,
                severity: Severity::Warning,
                code: "profile-unknown".into(),
                message: format!("{}: {} cannot be evaluated: {}", p.name, u.field, u.reason),
                profile: Some(p.id.clone()),
            });
        }
    }
    // A Windows/macOS target that needs libraries the OS lacks: said on
    // the build's own line (goreleaser builds one profile per target).
    if let (Some(file), Some(span)) = (&p.file, p.span) {
        for pkg in &pred.packages {
            for c in pkg.caveats.iter().filter(|c| {
                c.code == crate::predict::windows::NONSYSTEM_CODE
                    || c.code == crate::predict::darwin::NONSYSTEM_CODE
            }) {
                out.push(Finding {
                    file: file.clone(),
                    span,
                    line: p.line,
                    severity: Severity::Warning,
                    code: c.code.clone(),
                    message: format!("{} ({}): {}", pkg.import_path, p.name, c.message),
                    profile: Some(p.id.clone()),
                });
            }
        }
    }
    let Some(rt) = &p.runtime else { return out };
    for pkg in &pred.packages {
        if pkg.link.result != Verdict::Dynamic {
            continue;
        }
        let interp = pkg.link.interpreter.clone().unwrap_or_default();
        let needs = if interp.is_empty() {
            pkg.link.needed.join(", ")
        } else {
            interp.clone()
        };
        let what = format!("{} ({})", pkg.import_path, p.name);
        if let Some(f) = image_glibc(rt, pkg, &what) {
            out.push(Finding {
                profile: Some(p.id.clone()),
                ..f
            });
        }
        let (code, message) = match rt.class {
            ImageClass::NoLibc => (
                "image-missing-loader",
                format!(
                    "{} will fail to start: the binary {what} needs {needs}, which this image does not have",
                    rt.image
                ),
            ),
            ImageClass::Musl if is_glibc_loader(&interp) => (
                "image-libc-mismatch",
                format!(
                    "{} has musl, but the binary {what} is linked against glibc (needs {interp}): it will fail to start with \"no such file or directory\"",
                    rt.image
                ),
            ),
            ImageClass::Glibc if is_musl_loader(&interp) => (
                "image-libc-mismatch",
                format!(
                    "{} has glibc, but the binary {what} is linked against musl (needs {interp}): it will fail to start",
                    rt.image
                ),
            ),
            _ => continue,
        };
        out.push(Finding {
            file: rt.file.clone(),
            span: rt.span,
            line: rt.line,
            severity: Severity::Error,
            code: code.into(),
            message,
            profile: Some(p.id.clone()),
        });
    }
    out
}

/// `image-glibc-too-old` when the final image's glibc is older than the
/// binary's floor; `image-glibc-unknown` when linklens does not know it.
fn image_glibc(rt: &super::Runtime, pkg: &Prediction, what: &str) -> Option<Finding> {
    use super::images::{ImageGlibc, glibc_of};
    use crate::predict::glibc::{parse_version, version_text};
    let src = pkg.link.glibc_floor_source.as_ref()?;
    let floor = src.version.as_deref()?;
    let need = parse_version(floor)?;
    let by = src.set_by().unwrap_or_else(|| floor.to_string());
    let (severity, code, message) = match glibc_of(&rt.image) {
        ImageGlibc::Known { version, distro } if version < need => (
            Severity::Error,
            "image-glibc-too-old",
            format!(
                "{} is {distro} with glibc {}, but the binary {what} needs {floor} ({by}): it will fail to start with \"version `{floor}' not found\"{}",
                rt.image,
                version_text(&version),
                src.lower
                    .as_ref()
                    .map(|l| format!(". To lower it: {l}"))
                    .unwrap_or_default()
            ),
        ),
        ImageGlibc::Unknown(why) => (
            Severity::Information,
            "image-glibc-unknown",
            format!(
                "the binary {what} needs {floor} ({by}); the glibc of this image is unknown: {why}"
            ),
        ),
        _ => return None,
    };
    Some(Finding {
        file: rt.file.clone(),
        span: rt.span,
        line: rt.line,
        severity,
        code: code.into(),
        message,
        profile: None,
    })
}

fn kind_label(v: &Prediction) -> String {
    crate::report::label(&v.link)
}

/// All findings: per profile, plus drift between Makefile builds and the
/// goreleaser release build of the same package for `host_arch` linux.
pub fn all(d: &Discovery, preds: &[ProfilePrediction], host_arch: &str) -> Vec<Finding> {
    let mut out = d.problems.clone();
    let first_own = out.len();
    for (p, pr) in d.profiles.iter().zip(preds) {
        out.extend(for_profile(p, pr));
    }
    let release: Vec<(&Profile, &ProfilePrediction)> = d
        .profiles
        .iter()
        .zip(preds)
        .filter(|(p, _)| {
            p.kind == ProfileKind::Goreleaser
                && p.env.get("GOOS").map(String::as_str) == Some("linux")
                && p.env.get("GOARCH").map(String::as_str) == Some(host_arch)
        })
        .collect();
    for (p, pr) in d.profiles.iter().zip(preds) {
        if !matches!(p.kind, ProfileKind::Make | ProfileKind::Script) {
            continue;
        }
        let (Some(file), Some(span)) = (&p.file, p.span) else {
            continue;
        };
        for pkg in &pr.packages {
            let Some((rp, rpkg)) = release.iter().find_map(|(rp, rpr)| {
                rpr.packages
                    .iter()
                    .find(|x| x.import_path == pkg.import_path)
                    .map(|x| (*rp, x))
            }) else {
                continue;
            };
            let (a, b) = (pkg.link.result, rpkg.link.result);
            let decided = |v| matches!(v, Verdict::Static | Verdict::Dynamic);
            if a != b && decided(a) && decided(b) {
                out.push(Finding {
                    file: file.clone(),
                    span,
                    line: p.line,
                    severity: Severity::Warning,
                    code: "profile-drift".into(),
                    message: format!(
                        "`{}` builds {} {}, but the release build ({}, {}:{}) builds it {}",
                        p.name,
                        pkg.import_path,
                        kind_label(pkg),
                        rp.name,
                        rp.file
                            .as_ref()
                            .and_then(|f| f.file_name())
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        rp.line,
                        kind_label(rpkg)
                    ),
                    profile: Some(p.id.clone()),
                });
            }
        }
    }
    for f in &mut out[first_own..] {
        f.message = super::shell::clean(&f.message);
    }
    out
}
