//! Predictions per profile: the engine run with the profile's environment
//! and flags, in the directory the build runs in.

use super::{CCompiler, Profile, Unknown};
use crate::build::{CgoReason, Config, Environ};
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
            pp.error = Some(e);
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
    if !dir.is_dir() {
        pp.error = Some(format!(
            "the build directory {} does not exist",
            dir.display()
        ));
        return pp;
    }
    match engine.check(&dir, &cfg, &pkgs, false) {
        Ok(r) => {
            pp.config = Some(r.config);
            pp.packages = r.packages;
            if pp.packages.is_empty() {
                pp.error = Some(format!("no main package matches {}", pkgs.join(" ")));
            }
        }
        Err(e) => pp.error = Some(e),
    }
    pp
}

/// Predicts every profile, in order.
pub fn predict_all(engine: &Engine, base: &Environ, ps: &[Profile]) -> Vec<ProfilePrediction> {
    ps.iter().map(|p| predict(engine, base, p)).collect()
}
