//! The Go projects inside a directory an editor opened, as plain data: where
//! the nearest module starts, which modules lie below, and the main packages
//! of all of them. `check` starts from patterns instead (`load::patterns`);
//! the server has a folder, not a pattern, and a folder may hold several
//! modules that no `./...` of one of them reaches.

use super::Engine;
use crate::buildcfg::Config;
use crate::predict::Prediction;
use std::path::{Path, PathBuf};

/// The directory of the nearest go.mod at or above `dir`: the module root,
/// as cmd/go's `modload.findModuleRoot` finds it.
pub fn module_dir(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("go.mod").is_file())
        .map(Path::to_path_buf)
}

/// The directory of the nearest go.mod or go.work at or above `dir`: where a
/// file's build context starts (a file below neither is in no module, and a
/// go.work directory is a project root even without a go.mod of its own).
pub fn module_or_workspace_dir(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("go.mod").is_file() || d.join("go.work").is_file())
        .map(Path::to_path_buf)
}

/// Deepest directory level searched for nested modules.
const MAX_DEPTH: usize = 12;

/// Module roots strictly below `dir`, sorted. Like `./...`, it does not go
/// into vendor, testdata, or directories starting with `.` or `_`; nor into
/// node_modules (a JavaScript tree beside a Go module is large and holds
/// no Go module of the project).
pub fn modules_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(dir, &mut out, 0);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            if name.starts_with(['.', '_'])
                || name == "testdata"
                || name == "vendor"
                || name == "node_modules"
            {
                continue;
            }
            walk(&e.path(), out, depth + 1);
        } else if name == "go.mod" && depth > 0 {
            out.push(dir.to_path_buf());
        }
    }
}

/// What a folder holds: the predictions of its main packages, and the
/// modules that could not be loaded, with go's words for why.
#[derive(Debug, Default)]
pub struct FolderMains {
    pub mains: Vec<Prediction>,
    pub errors: Vec<(PathBuf, String)>,
}

/// Predicts every main package under `root`: `./...` of the module (or
/// workspace) at `root` if there is one, and of each module below it. A
/// main package appears once (the first module that reaches it).
pub fn main_packages(engine: &Engine, root: &Path, cfg: &Config) -> FolderMains {
    let mut roots = Vec::new();
    if module_or_workspace_dir(root).is_some() {
        roots.push(root.to_path_buf());
    }
    roots.extend(modules_below(root));
    roots.dedup();
    let pats = vec!["./...".to_string()];
    let mut out = FolderMains::default();
    let mut seen = std::collections::HashSet::new();
    for r in roots {
        match engine.check(&r, cfg, &pats, false) {
            Ok(rep) => out.mains.extend(
                rep.packages
                    .into_iter()
                    .filter(|p| seen.insert(p.dir.clone())),
            ),
            Err(e) => out.errors.push((r, e)),
        }
    }
    tracing::debug!(
        root = %root.display(),
        mains = out.mains.len(),
        "found {} main package(s) under {}",
        out.mains.len(),
        root.display()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_roots_differ_on_go_work() {
        let d = tempfile::tempdir().unwrap();
        let w = d.path();
        std::fs::create_dir_all(w.join("a/cmd")).unwrap();
        std::fs::write(w.join("go.work"), "go 1.22\n\nuse ./a\n").unwrap();
        std::fs::write(w.join("a/go.mod"), "module example.com/a\n").unwrap();
        assert_eq!(module_dir(&w.join("a/cmd")), Some(w.join("a")));
        assert_eq!(module_or_workspace_dir(&w.join("a/cmd")), Some(w.join("a")));
        assert_eq!(module_dir(w), None);
        assert_eq!(module_or_workspace_dir(w), Some(w.to_path_buf()));
    }

    #[test]
    fn modules_below_skips_what_dot_dot_dot_skips() {
        let d = tempfile::tempdir().unwrap();
        let w = d.path();
        for m in [
            "x",
            "y/z",
            "vendor/v",
            "testdata/t",
            ".hidden/h",
            "_u/u",
            "node_modules/n",
        ] {
            std::fs::create_dir_all(w.join(m)).unwrap();
            std::fs::write(w.join(m).join("go.mod"), "module m\n").unwrap();
        }
        std::fs::write(w.join("go.mod"), "module top\n").unwrap();
        assert_eq!(modules_below(w), vec![w.join("x"), w.join("y/z")]);
    }
}
