//! Package patterns as the go command matches them: `.`, `./cmd/x`,
//! `./...`, `dir/...` and import paths (with `/...`) inside main modules.

use super::source::Sources;
use crate::modules::{Resolution, Resolver};
use std::path::{Component, Path, PathBuf};

/// A directory that a pattern matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub import_path: String,
    pub dir: PathBuf,
    /// Named directly rather than through a `...` wildcard: go reports a
    /// package that cannot build instead of skipping it.
    pub explicit: bool,
}

/// Directories walked at most, so that a pathological tree cannot hang us.
const WALK_LIMIT: usize = 200_000;
/// Directories in a level of the walk from which they are listed on every
/// core.
const PARALLEL_LEVEL: usize = 64;

pub fn expand(
    patterns: &[String],
    cwd: &Path,
    resolver: &Resolver,
    sources: &Sources,
) -> Result<Vec<Matched>, String> {
    let mut out: Vec<Matched> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let defaults = ["./...".to_string()];
    let patterns = if patterns.is_empty() {
        &defaults[..]
    } else {
        patterns
    };
    for pat in patterns {
        let found = expand_one(pat, cwd, resolver, sources)?;
        if found.is_empty() {
            return Err(format!("pattern {pat}: matched no packages"));
        }
        for m in found {
            if seen.insert(m.dir.clone()) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

fn expand_one(
    pat: &str,
    cwd: &Path,
    resolver: &Resolver,
    sources: &Sources,
) -> Result<Vec<Matched>, String> {
    let is_local = pat == "."
        || pat == ".."
        || pat.starts_with("./")
        || pat.starts_with("../")
        || pat.starts_with('/');
    if is_local {
        let (base, recursive) = match pat.strip_suffix("/...") {
            Some(b) => (b, true),
            None if pat == "..." => (".", true),
            None => (pat, false),
        };
        let dir = normalize(&cwd.join(base));
        if !dir.is_dir() {
            return Err(format!("directory {} does not exist", dir.display()));
        }
        let dirs = if recursive {
            walk(&dir, resolver, sources)
        } else {
            vec![dir.clone()]
        };
        let mut out = Vec::new();
        for d in dirs {
            match resolver.import_path_for_dir(&d) {
                Some(ip) => out.push(Matched {
                    import_path: ip,
                    dir: d,
                    explicit: !recursive,
                }),
                None if !recursive => {
                    return Err(format!(
                        "directory {} is outside the main module or its selected dependencies",
                        d.display()
                    ));
                }
                None => {}
            }
        }
        return Ok(out);
    }
    if let Some(prefix) = pat.strip_suffix("/...") {
        let mut out = Vec::new();
        for m in resolver.main_modules() {
            let root = if prefix == m.path || prefix.starts_with(&format!("{}/", m.path)) {
                m.dir.join(prefix[m.path.len()..].trim_start_matches('/'))
            } else if m.path.starts_with(&format!("{prefix}/")) {
                m.dir.clone()
            } else {
                continue;
            };
            for d in walk(&root, resolver, sources) {
                if let Some(ip) = resolver.import_path_for_dir(&d) {
                    out.push(Matched {
                        import_path: ip,
                        dir: d,
                        explicit: false,
                    });
                }
            }
        }
        return Ok(out);
    }
    match resolver.resolve(pat, false) {
        Resolution::Std { dir } | Resolution::Module { dir, .. } => Ok(vec![Matched {
            import_path: pat.to_string(),
            dir,
            explicit: true,
        }]),
        Resolution::MissingModule { module, version } => Err(format!(
            "package {pat}: module {module}@{version} is not in the module cache"
        )),
        Resolution::NotFound { message } => Err(message),
    }
}

/// Directories under `root` holding `.go` files, skipping what `./...`
/// skips: names starting with `.` or `_`, `testdata`, `vendor`, nested
/// modules, and symlinked directories. Listings come from (and stay in)
/// `sources`, where package loading finds them again, and what they show
/// is told to the resolver, so that no directory is read twice.
fn walk(root: &Path, resolver: &Resolver, sources: &Sources) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut level = vec![root.to_path_buf()];
    let mut visited = 0usize;
    // Level by level, each level's directories listed on every core.
    while !level.is_empty() && visited < WALK_LIMIT {
        level.truncate(WALK_LIMIT - visited);
        visited += level.len();
        // (A level of a few directories costs less than starting threads:
        // a directory from the index is a stat, some microseconds.)
        let one = |dir: &PathBuf| visit(dir, dir == root, resolver, sources);
        let listed = if level.len() < PARALLEL_LEVEL {
            level.iter().map(one).collect()
        } else {
            crate::par::map(&level, one)
        };
        let mut next = Vec::new();
        for (dir, (has_go, subdirs)) in level.into_iter().zip(listed) {
            if has_go {
                out.push(dir);
            }
            next.extend(subdirs);
        }
        level = next;
    }
    out.sort();
    out
}

/// One directory of the walk: whether it holds `.go` files, and the
/// subdirectories to walk next (none if it is a nested module).
fn visit(
    dir: &Path,
    is_root: bool,
    resolver: &Resolver,
    sources: &Sources,
) -> (bool, Vec<PathBuf>) {
    let Ok(entries) = sources.read_dir(dir) else {
        return (false, Vec::new());
    };
    let has_gomod = entries.iter().any(|e| e.name == "go.mod" && !e.is_dir);
    if has_gomod && !is_root {
        return (false, Vec::new()); // a nested module
    }
    let hidden = |e: &super::source::DirEntry| {
        e.name.as_encoded_bytes().starts_with(b".") || e.name.as_encoded_bytes().starts_with(b"_")
    };
    let go_file =
        |e: &&super::source::DirEntry| !e.is_dir && e.name.as_encoded_bytes().ends_with(b".go");
    resolver.note_listing(
        dir,
        has_gomod,
        entries.iter().filter(go_file).any(|e| !e.is_symlink),
    );
    let has_go = entries.iter().filter(go_file).any(|e| !hidden(e));
    let subdirs = entries
        .iter()
        .filter(|e| {
            e.is_dir && !e.is_symlink && !hidden(e) && e.name != "testdata" && e.name != "vendor"
        })
        .map(|e| dir.join(&e.name))
        .collect();
    (has_go, subdirs)
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
