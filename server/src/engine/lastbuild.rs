//! A main package's last build: the newest Go binary in the workspace built
//! from it, held against a prediction made with the settings the binary
//! records (`inspect::against`). Plain data; the server shows it in the code
//! lens, hover and a diagnostic when the binary contradicts the prediction.

use super::Engine;
use super::binaries::Bin;
use crate::buildcfg::Environ;
use crate::inspect::BinaryInfo;
use crate::predict::{Prediction, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// The newest workspace binary built from a main package, held against the
/// prediction for the settings it records.
#[derive(Debug, Clone)]
pub struct LastBuild {
    pub bin: PathBuf,
    /// Path relative to the folder, for messages.
    pub shown: String,
    pub info: Arc<Bin>,
    /// How the prediction with the binary's settings differs from it.
    pub diffs: Vec<String>,
    /// Go files of the package are newer than the binary.
    pub sources_newer: bool,
}

/// The newest binary under `root` among `binaries` whose build info names
/// `pred`'s package, compared with a prediction from its recorded settings
/// on top of `base` (for what a binary does not record, such as CC).
pub fn find(
    engine: &Engine,
    binaries: &BTreeMap<PathBuf, Arc<Bin>>,
    root: &Path,
    base: &Environ,
    pred: &Prediction,
) -> Option<LastBuild> {
    let (bin, info) = binaries
        .iter()
        .filter(|(p, b)| {
            p.starts_with(root)
                && b.info
                    .go
                    .as_ref()
                    .is_some_and(|g| g.path == pred.import_path)
        })
        .max_by_key(|(p, b)| (b.modified, (*p).clone()))?;
    let shown = bin
        .strip_prefix(root)
        .unwrap_or(bin)
        .to_string_lossy()
        .into_owned();
    Some(LastBuild {
        bin: bin.clone(),
        shown,
        diffs: contradictions(engine, base, &pred.dir, &info.info),
        info: info.clone(),
        sources_newer: info
            .modified
            .is_some_and(|built| sources_newer_than(&pred.dir, built)),
    })
}

/// Whether a Go file directly in `dir` was modified after `built`.
pub fn sources_newer_than(dir: &Path, built: SystemTime) -> bool {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| {
            e.path().extension().is_some_and(|x| x == "go")
                && e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|m| m > built)
        })
}

/// Predicts the main package in `dir` with the binary's recorded settings
/// (on top of `base`) and lists what the binary contradicts. Empty when
/// they agree or when no prediction can be made.
pub fn contradictions(
    engine: &Engine,
    base: &Environ,
    dir: &Path,
    info: &BinaryInfo,
) -> Vec<String> {
    use crate::inspect::against::{compare, settings_to_build};
    let (env, args, _) = settings_to_build(base, info);
    let Ok((cfg, _)) = engine.config(&env, &args) else {
        return Vec::new();
    };
    match engine.predict_dir(&cfg, dir) {
        Ok(Some(p)) if p.link.result != Verdict::Unknown => compare(&p.link, info),
        _ => Vec::new(),
    }
}
