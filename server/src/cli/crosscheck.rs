//! `--cross-check`: holds the engine's package graph against
//! `go list -deps -json` run with the same configuration, package by
//! package (selected files, cgo use, and the set of packages reached).

use crate::buildcfg::Config;
use crate::engine::{Engine, Report};
use crate::load::graph::Loader;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GoPackage {
    import_path: String,
    #[serde(default)]
    dir: String,
    #[serde(default)]
    go_files: Vec<String>,
    #[serde(default)]
    cgo_files: Vec<String>,
    #[serde(default)]
    name: String,
}

/// Packages as the engine sees them, keyed by directory.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Facts {
    files: BTreeSet<String>,
    cgo: bool,
}

pub fn run(
    engine: &Engine,
    cfg: &Config,
    cwd: &Path,
    patterns: &[String],
    report: &Report,
    json: bool,
) -> i32 {
    let go_pkgs = match go_list(&engine.toolchain, cfg, cwd, patterns) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("linklens check --cross-check: {e}");
            return 2;
        }
    };
    let Ok(resolver) = engine.resolver(cwd, cfg) else {
        eprintln!(
            "linklens check --cross-check: cannot resolve the module in {}",
            cwd.display()
        );
        return 2;
    };
    let loader = Loader::new(cfg, &resolver, &engine.sources, &engine.cache);
    // The engine's view of every package in every main package's graph.
    let mut ours: BTreeMap<PathBuf, Facts> = BTreeMap::new();
    for pred in &report.packages {
        let main = loader.load_dir(&pred.import_path, &pred.dir, false, None);
        let g = loader.graph(main);
        for (_, pkg) in g.iter() {
            ours.insert(
                pkg.dir.clone(),
                Facts {
                    files: pkg
                        .files
                        .iter()
                        .filter_map(|f| {
                            f.path.file_name().map(|n| n.to_string_lossy().into_owned())
                        })
                        .collect(),
                    cgo: pkg.uses_cgo(),
                },
            );
        }
    }
    // go list's view of the same main packages' dependencies.
    let mains: BTreeSet<PathBuf> = report.packages.iter().map(|p| p.dir.clone()).collect();
    let mut theirs: BTreeMap<PathBuf, (String, Facts)> = BTreeMap::new();
    for p in &go_pkgs {
        if p.dir.is_empty() {
            continue;
        }
        let files = p.go_files.iter().chain(&p.cgo_files).cloned().collect();
        theirs.insert(
            PathBuf::from(&p.dir),
            (
                p.import_path.clone(),
                Facts {
                    files,
                    cgo: !p.cgo_files.is_empty(),
                },
            ),
        );
    }
    // go list -deps also lists non-main packages matched by the patterns and
    // their deps; compare only packages reachable from main packages on both
    // sides: those in ours, and those go lists that we also consider mains'.
    let reachable_go = reachable(&go_pkgs, &mains);
    let mut diffs = Vec::new();
    for (dir, facts) in &ours {
        match theirs.get(dir) {
            None => diffs.push(format!(
                "{}: linklens includes it, go list does not",
                dir.display()
            )),
            Some((ip, t)) => {
                if t.files != facts.files {
                    let only_ours: Vec<_> = facts.files.difference(&t.files).collect();
                    let only_go: Vec<_> = t.files.difference(&facts.files).collect();
                    diffs.push(format!(
                        "{ip}: files differ: only linklens {only_ours:?}, only go {only_go:?}"
                    ));
                }
                if t.cgo != facts.cgo {
                    diffs.push(format!(
                        "{ip}: cgo use differs: linklens {}, go {}",
                        facts.cgo, t.cgo
                    ));
                }
            }
        }
    }
    for dir in &reachable_go {
        if !ours.contains_key(dir)
            && let Some((ip, _)) = theirs.get(dir)
        {
            diffs.push(format!("{ip}: go list includes it, linklens does not"));
        }
    }
    if json {
        let v = serde_json::json!({"packages_compared": ours.len(), "differences": diffs});
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "cross-check against go list: {} packages compared, {} differences",
            ours.len(),
            diffs.len()
        );
        for d in &diffs {
            println!("  {d}");
        }
    }
    if diffs.is_empty() { 0 } else { 1 }
}

/// Directories go list reaches from the main packages (its -deps output is
/// in dependency order, with each package's Deps field not requested; we
/// re-derive reachability from the set of main packages by asking for the
/// packages whose import paths appear in the engine's graphs).
fn reachable(go_pkgs: &[GoPackage], mains: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    // Without Deps we take everything go list printed when all matched
    // packages are mains; otherwise only the mains themselves (a non-main
    // package's deps are not part of any link).
    let all_main = go_pkgs
        .iter()
        .filter(|p| mains.contains(Path::new(&p.dir)))
        .all(|p| p.name == "main");
    let matched_non_main = go_pkgs
        .iter()
        .any(|p| p.name != "main" && !p.dir.is_empty() && mains.contains(Path::new(&p.dir)));
    if all_main && !matched_non_main {
        go_pkgs
            .iter()
            .filter(|p| !p.dir.is_empty())
            .map(|p| PathBuf::from(&p.dir))
            .collect()
    } else {
        mains.clone()
    }
}

/// The host's `go list` (see `buildcfg::trust`), in the workspace, with the
/// predicted build's target variables and flags.
fn go_list(
    tc: &crate::buildcfg::Toolchain,
    cfg: &Config,
    cwd: &Path,
    patterns: &[String],
) -> Result<Vec<GoPackage>, String> {
    let mut cmd = tc.go_command(&cfg.env)?;
    let mut args: Vec<String> = vec![
        "list".into(),
        "-e".into(),
        "-deps".into(),
        "-json=ImportPath,Dir,GoFiles,CgoFiles,Name".into(),
    ];
    if let Some(t) = &cfg.flags.tags {
        args.push(format!("-tags={}", t.join(",")));
    }
    for (on, f) in [
        (cfg.flags.race, "-race"),
        (cfg.flags.msan, "-msan"),
        (cfg.flags.asan, "-asan"),
    ] {
        if on {
            args.push(f.into());
        }
    }
    if let Some(m) = &cfg.flags.mod_flag {
        args.push(format!("-mod={m}"));
    }
    // Only main packages are predicted; list them so -deps covers exactly
    // their graphs.
    let mains = main_package_args(cwd, patterns);
    args.extend(mains);
    // CC matters to go list's cgo default (it looks CC up, never runs it);
    // the GOWORK the prediction used is a file to read.
    for k in ["CC", "GOWORK"] {
        if let Some(v) = cfg.env.get(k) {
            cmd.env(k, v);
        }
    }
    let out = cmd
        .args(&args)
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("could not run go list: {e}"))?;
    let mut pkgs = Vec::new();
    for v in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<GoPackage>() {
        pkgs.push(v.map_err(|e| format!("reading go list output: {e}"))?);
    }
    if pkgs.is_empty() {
        return Err(format!(
            "go list printed nothing: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(pkgs)
}

fn main_package_args(_cwd: &Path, patterns: &[String]) -> Vec<String> {
    if patterns.is_empty() {
        vec!["./...".into()]
    } else {
        patterns.to_vec()
    }
}

/// `check --against BINARY`: predicts with the settings recorded in the
/// binary's build info and holds the prediction against what the binary is.
pub fn against(
    engine: &Engine,
    env: &crate::buildcfg::Environ,
    cwd: &Path,
    bin: &str,
    json: bool,
) -> i32 {
    let info = match crate::inspect::inspect_path(Path::new(bin)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("linklens check --against: {bin}: {e}");
            return 2;
        }
    };
    let Some(go) = &info.go else {
        eprintln!("linklens check --against: {bin} has no Go build info");
        return 2;
    };
    let (env, args, notes) = crate::inspect::against::settings_to_build(env, &info);
    let (cfg, _) = match engine.config(&env, &args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("linklens check --against: the recorded flags do not parse: {e}");
            return 2;
        }
    };
    let report = match engine.check(cwd, &cfg, std::slice::from_ref(&go.path), false) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("linklens check --against: {e}");
            return 2;
        }
    };
    let Some(pred) = report.packages.first() else {
        eprintln!(
            "linklens check --against: {} is not a main package here",
            go.path
        );
        return 2;
    };
    let diffs = crate::inspect::against::compare(&pred.link, &info);
    if json {
        let v = serde_json::json!({
            "binary": bin,
            "package": go.path,
            "settings": go.settings,
            "build": cfg.summary(),
            "notes": notes,
            "predicted": pred.link,
            "actual": {"linking": info.linking, "interpreter": info.interpreter, "needed": info.needed, "file_type": info.file_type},
            "agree": diffs.is_empty(),
            "differences": diffs,
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("{bin}: {} built with {}", go.path, cfg.summary());
        for n in &notes {
            println!("  note: {n}");
        }
        println!("  predicted: {}", crate::report::verdict_line(pred));
        println!(
            "  binary:    {}{}{}",
            info.linking,
            info.interpreter
                .as_ref()
                .map(|i| format!(", interpreter {i}"))
                .unwrap_or_default(),
            if info.needed.is_empty() {
                String::new()
            } else {
                format!(", needs {}", info.needed.join(", "))
            }
        );
        if diffs.is_empty() {
            println!("  agree");
        } else {
            println!(
                "  DISAGREE (the sources changed since the build, or it ran with another C toolchain or environment):"
            );
            for d in &diffs {
                println!("    - {d}");
            }
        }
    }
    if diffs.is_empty() { 0 } else { 1 }
}
