//! Predictions per profile: the engine run with the profile's environment
//! and flags, in the directory the build runs in.

use super::{CCompiler, Profile, Unknown};
use crate::buildcfg::{CgoReason, Config, Environ};
use crate::engine::{ConfigSummary, Engine};
use crate::predict::Prediction;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ProfilePrediction {
    /// [`Profile::id`].
    pub profile: String,
    /// The settings used (absent when the profile could not be evaluated).
    pub config: Option<ConfigSummary>,
    /// One per main package the build names.
    pub packages: Vec<Prediction>,
    /// Values that could not be evaluated: the profile's result is unknown.
    pub unknown: Vec<Unknown>,
    /// Why no prediction was made (flags go rejects, no module...).
    pub error: Option<String>,
}

/// The environment and config the profile's build sees.
pub fn config(
    engine: &Engine,
    base: &Environ,
    p: &Profile,
) -> Result<(Config, Vec<String>), String> {
    let mut env = base.clone();
    for k in &p.env_remove {
        env.remove(k);
    }
    for (k, v) in &p.env {
        env.insert(k.clone(), v.clone());
    }
    if let CCompiler::Musl { .. } = p.c_compiler {
        // alpine's gcc is a musl gcc: musl-gcc stands in for it here.
        let cc = env.get("CC").map(String::as_str).unwrap_or("");
        if cc.is_empty() || cc == "gcc" || cc == "cc" {
            env.insert("CC".into(), "musl-gcc".into());
        }
    }
    if let CCompiler::Missing { .. } = p.c_compiler {
        env.remove("CC");
    }
    let (mut cfg, pkgs) = Config::new(&engine.toolchain, &env, &p.args)?;
    if let CCompiler::Missing { .. } = &p.c_compiler
        && matches!(
            cfg.cgo_reason,
            CgoReason::Default { .. } | CgoReason::NoCompiler { .. }
        )
    {
        // Go ≥1.20: CC unset and no gcc on PATH ⇒ cgo off. This machine has
        // gcc, so the engine (and `go env`) would say on: emulate the image.
        cfg.cgo_enabled = false;
        cfg.cgo_reason = CgoReason::NoCompiler {
            compiler: "gcc".into(),
        };
        cfg.tags.cgo_enabled = false;
    }
    Ok((cfg, pkgs))
}

/// Predicts one profile.
pub fn predict(engine: &Engine, base: &Environ, p: &Profile) -> ProfilePrediction {
    let mut pp = ProfilePrediction {
        profile: p.id.clone(),
        config: None,
        packages: Vec::new(),
        unknown: p.unknowns(),
        error: None,
    };
    if !pp.unknown.is_empty() {
        return pp;
    }
    let (cfg, mut pkgs) = match config(engine, base, p) {
        Ok(c) => c,
        Err(e) => {
            pp.error = Some(super::shell::clean(&e));
            return pp;
        }
    };
    if pkgs.is_empty() {
        pkgs.push(".".into());
    }
    let dir = match &cfg.flags.chdir {
        Some(c) => p.dir.join(c),
        None => p.dir.clone(),
    };
    match file_args(&dir, &pkgs) {
        Ok(Some(pkg)) => pkgs = vec![pkg],
        Ok(None) => {}
        Err(reason) => {
            pp.unknown.push(Unknown {
                field: "packages".into(),
                reason,
            });
            return pp;
        }
    }
    if !dir.is_dir() {
        pp.error = Some(format!(
            "the build directory {} does not exist",
            dir.display()
        ));
        return pp;
    }
    match engine.check(&dir, &cfg, &pkgs, false) {
        Ok(r) => {
            // The flags go in as written: `-X v=<template>` keeps its marker.
            let mut c = r.config;
            c.summary = super::shell::clean(&c.summary);
            c.cgo_reason = super::shell::clean(&c.cgo_reason);
            c.cc = super::shell::clean(&c.cc);
            c.notes = c.notes.iter().map(|n| super::shell::clean(n)).collect();
            pp.config = Some(c);
            pp.packages = r.packages;
            builder_glibc(&cfg, &engine.sources, p, &mut pp.packages);
            if pp.packages.is_empty() {
                pp.error = Some(format!("no main package matches {}", pkgs.join(" ")));
            }
        }
        Err(e) => pp.error = Some(super::shell::clean(&e)),
    }
    pp
}

/// `go build main.go` builds the package `command-line-arguments` from the
/// named files only. When they are all the Go files of their directory
/// (test files aside), that is the directory's package: returned as
/// `./dir`. Otherwise linklens, which predicts whole packages, cannot say.
fn file_args(dir: &std::path::Path, pkgs: &[String]) -> Result<Option<String>, String> {
    if !pkgs.iter().any(|p| p.ends_with(".go")) {
        return Ok(None);
    }
    if !pkgs.iter().all(|p| p.ends_with(".go")) {
        return Err(format!(
            "`{}` mixes Go files and packages, which go build rejects",
            pkgs.join(" ")
        ));
    }
    let parent = |p: &str| {
        std::path::Path::new(p)
            .parent()
            .map(|d| d.to_path_buf())
            .unwrap_or_default()
    };
    let d = parent(&pkgs[0]);
    if pkgs.iter().any(|p| parent(p) != d) {
        return Err("the Go files named are in different directories".into());
    }
    let named: std::collections::BTreeSet<String> = pkgs
        .iter()
        .filter_map(|p| std::path::Path::new(p).file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    let abs = dir.join(&d);
    let Ok(rd) = std::fs::read_dir(&abs) else {
        return Err(format!("the directory {} cannot be read", abs.display()));
    };
    let mut others: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".go") && !n.ends_with("_test.go") && !named.contains(n))
        .collect();
    if !others.is_empty() {
        others.sort();
        return Err(format!(
            "`go build {}` builds only the named files, and {} has other Go files ({}): linklens predicts whole packages",
            pkgs.join(" "),
            if d.as_os_str().is_empty() {
                ".".to_string()
            } else {
                d.display().to_string()
            },
            others.join(", ")
        ));
    }
    let d = d.display().to_string();
    Ok(Some(if d.is_empty() || d == "." {
        ".".into()
    } else if d.starts_with('/') || d.starts_with("./") || d.starts_with("../") {
        d
    } else {
        format!("./{d}")
    }))
}

/// Predicts every profile, in order.
pub fn predict_all(engine: &Engine, base: &Environ, ps: &[Profile]) -> Vec<ProfilePrediction> {
    ps.iter().map(|p| predict(engine, base, p)).collect()
}

/// A Dockerfile build runs in its builder image: where that image's glibc
/// is known, the floor is the one that glibc gives (the newest version of
/// each symbol not above it, from this machine's libc, which keeps every
/// older version); otherwise this machine's, said in a note.
fn builder_glibc(
    cfg: &crate::buildcfg::Config,
    sources: &crate::load::source::Sources,
    p: &Profile,
    preds: &mut [crate::predict::Prediction],
) {
    use super::images::{ImageGlibc, glibc_of};
    let Some(stage) = &p.docker else { return };
    for pred in preds.iter_mut() {
        if pred.link.glibc_floor_source.is_none() {
            continue;
        }
        match glibc_of(&stage.image) {
            ImageGlibc::Known { version, distro } => {
                let graph = pred.graph.clone();
                if let Some(mut f) =
                    crate::predict::glibc::floor(cfg, sources, &graph, pred, Some(&version))
                {
                    f.notes.insert(
                        0,
                        format!(
                            "built in {} ({distro}, glibc {})",
                            stage.image,
                            crate::predict::glibc::version_text(&version)
                        ),
                    );
                    pred.link.glibc_floor = f.version.clone();
                    pred.link.glibc_floor_source = Some(Box::new(f));
                    runtime_lower(cfg, sources, p, pred);
                }
            }
            ImageGlibc::Unknown(why) => {
                if let Some(f) = &mut pred.link.glibc_floor_source {
                    f.complete = false;
                    f.notes.push(format!(
                        "the builder's glibc is unknown ({why}): predicted with this machine's libc"
                    ));
                }
            }
            ImageGlibc::None => {}
        }
    }
}

/// When the final image's glibc is older than the floor: the floor a build
/// against that glibc gives (the fix `image-glibc-too-old` offers).
fn runtime_lower(
    cfg: &crate::buildcfg::Config,
    sources: &crate::load::source::Sources,
    p: &Profile,
    pred: &mut crate::predict::Prediction,
) {
    use super::images::{ImageGlibc, glibc_of};
    let Some(rt) = &p.runtime else { return };
    let ImageGlibc::Known { version, .. } = glibc_of(&rt.image) else {
        return;
    };
    let graph = pred.graph.clone();
    if let Some(lower) = crate::predict::glibc::lower_to(cfg, sources, &graph, pred, &version)
        && let Some(f) = &mut pred.link.glibc_floor_source
    {
        f.lower = Some(lower);
    }
}

#[cfg(test)]
mod tests {
    use super::file_args;

    #[test]
    fn go_files_as_packages() {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir(t.path().join("cmd")).unwrap();
        std::fs::write(t.path().join("main.go"), "package main\n").unwrap();
        std::fs::write(t.path().join("main_test.go"), "package main\n").unwrap();
        std::fs::write(t.path().join("cmd/main.go"), "package main\n").unwrap();
        std::fs::write(t.path().join("cmd/util.go"), "package main\n").unwrap();
        let a = |v: &[&str]| {
            file_args(
                t.path(),
                &v.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(a(&["./..."]), Ok(None));
        assert_eq!(a(&["main.go"]), Ok(Some(".".into())));
        assert_eq!(a(&["cmd/main.go", "cmd/util.go"]), Ok(Some("./cmd".into())));
        let e = a(&["./cmd/main.go"]).unwrap_err();
        assert!(e.contains("util.go"), "{e}");
        assert!(a(&["main.go", "./cmd"]).is_err());
    }
}
