//! Every build profile of the fixture projects, predicted and then built for
//! real on this machine (make, Dockerfile builder-stage RUN lines as shell,
//! goreleaser/ko parameters as go build); the ELF must match the prediction.
//! Then every offered edit is applied to a fresh copy, re-predicted (static
//! expected) and built again. The `readers` fixture has one build per kind
//! of file read since issue 17 (workflow steps with env at three levels and
//! a matrix, Taskfile tasks, just recipes, a Dockerfile heredoc, goreleaser
//! v1 `build:` with `main: main.go`, make `include`): each must be found,
//! and link as its comment in the fixture says.

use crate::profiles_support::*;
use linklens::buildcfg::Toolchain;
use linklens::cli::profiles::analyse;
use linklens::engine::Engine;
use linklens::predict::Verdict;
use linklens::profiles::{self, Source, edits};
use std::path::Path;

const PROJECTS: [&str; 4] = ["webapp", "cgoapp", "bare", "readers"];

/// The readers fixture's builds and how the real build links each, as
/// the fixture's comments say.
const READERS: [(&str, Verdict); 14] = [
    ("workflow ci.yml job build step \"levels\"", Verdict::Static),
    (
        "workflow ci.yml job build step \"step over job\"",
        Verdict::Dynamic,
    ),
    (
        "workflow ci.yml job build step \"step over workflow\"",
        Verdict::Static,
    ),
    (
        "workflow ci.yml job build step \"in a directory\"",
        Verdict::Dynamic,
    ),
    (
        "workflow ci.yml job matrix step #1 [cgo=0, os=ubuntu-latest]",
        Verdict::Static,
    ),
    (
        "workflow ci.yml job matrix step #1 [cgo=1, os=ubuntu-latest]",
        Verdict::Dynamic,
    ),
    ("task build", Verdict::Static),
    ("task dyn", Verdict::Dynamic),
    ("just build", Verdict::Static),
    ("just dyn", Verdict::Dynamic),
    ("Dockerfile stage build", Verdict::Dynamic),
    ("goreleaser readers linux/amd64", Verdict::Static),
    ("make build", Verdict::Static),
    ("make file", Verdict::Dynamic),
];

#[test]
fn profiles_match_real_builds() {
    let env = base_env();
    let engine = Engine::new(Toolchain::discover(&env));
    let (mut passed, mut failed, mut skipped) = (0, 0, Vec::new());
    let mut failures = Vec::new();
    let mut readers_built: Vec<(String, Verdict)> = Vec::new();
    for project in PROJECTS {
        let tmp = copy_fixture(project);
        let root = tmp.path();
        let a = analyse(&engine, &env, root, &[]);
        for (p, pr) in a.discovery.profiles.iter().zip(&a.predictions) {
            if p.kind == profiles::ProfileKind::Editor {
                continue;
            }
            if !pr.unknown.is_empty() {
                skipped.push(format!(
                    "{project} {}: unknown ({})",
                    p.name, pr.unknown[0].reason
                ));
                continue;
            }
            if p.env
                .get("GOOS")
                .is_some_and(|os| os != "linux" && os != "darwin")
            {
                skipped.push(format!("{project} {}: not a linux target", p.name));
                continue;
            }
            let pkg = match pr.packages.as_slice() {
                [one] => one,
                other => {
                    failed += 1;
                    failures.push(format!(
                        "{project} {}: {} predictions ({:?})",
                        p.name,
                        other.len(),
                        pr.error
                    ));
                    continue;
                }
            };
            let res = build(p, root, &env).and_then(|bins| compare(pkg, &bins[0]));
            match res {
                Ok(label) => {
                    passed += 1;
                    if project == "readers" {
                        readers_built.push((p.name.clone(), pkg.link.result));
                    }
                    println!(
                        "ok   {project:<7} {:<34} {:<28} {label}",
                        p.name,
                        pkg.import_path.rsplit('/').next().unwrap_or("")
                    );
                }
                Err(e) => {
                    failed += 1;
                    failures.push(format!(
                        "{project} {} ({}:{}): {e}",
                        p.name,
                        p.file
                            .as_deref()
                            .map(|f| f.display().to_string())
                            .unwrap_or_default(),
                        p.line
                    ));
                }
            }
        }
    }
    for (name, want) in READERS {
        match readers_built.iter().find(|(n, _)| n == name) {
            Some((_, got)) if *got == want => {}
            Some((_, got)) => {
                failed += 1;
                failures.push(format!(
                    "readers {name}: built {}, the fixture says {}",
                    got.as_str(),
                    want.as_str()
                ));
            }
            None => {
                failed += 1;
                failures.push(format!("readers {name}: not found or not built"));
            }
        }
    }
    for s in &skipped {
        println!("skip {s}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!(
        "{passed} passed, {failed} failed ({} skipped)",
        skipped.len()
    );
    assert_eq!(failed, 0, "{failures:#?}");
    assert!(passed >= 29, "too few profiles checked: {passed}");
}

/// Applies `e` to a fresh copy of `project`: returns the copy.
fn apply_edit(project: &str, from: &Path, e: &edits::Edit) -> tempfile::TempDir {
    let tmp = copy_fixture(project);
    let mut files: Vec<_> = e.changes.iter().map(|c| c.file.clone()).collect();
    files.dedup();
    for f in files {
        let rel = f.strip_prefix(from).expect("edit inside the workspace");
        let dest = tmp.path().join(rel);
        let mine: Vec<&edits::Change> = e.changes.iter().filter(|c| c.file == f).collect();
        let text = match mine.iter().find(|c| c.range.is_none()) {
            Some(c) => c.text.clone(),
            None => edits::apply(&std::fs::read_to_string(&dest).unwrap(), &mine),
        };
        std::fs::write(&dest, text).unwrap();
    }
    tmp
}

#[test]
fn edits_make_real_builds_static() {
    let env = base_env();
    let engine = Engine::new(Toolchain::discover(&env));
    let (mut passed, mut failed) = (0, 0);
    let mut failures = Vec::new();
    for project in PROJECTS {
        let orig = copy_fixture(project);
        let a = analyse(&engine, &env, orig.path(), &[]);
        let all: Vec<&edits::Edit> = a.edits.iter().flatten().chain(a.create.as_ref()).collect();
        for e in all {
            let tmp = apply_edit(project, orig.path(), e);
            let root = tmp.path();
            let d = profiles::discover(root, &Source::default());
            let Some(p) = d.profiles.iter().find(|p| p.id == e.profile) else {
                failed += 1;
                failures.push(format!(
                    "{project} {}: profile {} gone after the edit",
                    e.title, e.profile
                ));
                continue;
            };
            let pr = profiles::predict(&engine, &env, p);
            let want = if e.fix == "runtime-image" {
                let f = profiles::findings::for_profile(p, &pr);
                if f.iter().any(|f| f.code.starts_with("image-")) {
                    failed += 1;
                    failures.push(format!(
                        "{project} {}: image finding remains: {f:?}",
                        e.title
                    ));
                    continue;
                }
                None
            } else {
                Some(Verdict::Static)
            };
            if let Some(w) = want
                && (pr.packages.is_empty() || pr.packages.iter().any(|x| x.link.result != w))
            {
                failed += 1;
                failures.push(format!(
                    "{project} {}: re-predicted {:?}",
                    e.title,
                    pr.packages
                        .iter()
                        .map(|x| linklens::report::label(&x.link))
                        .collect::<Vec<_>>()
                ));
                continue;
            }
            let res = build(p, root, &env).and_then(|bins| {
                let mut labels = Vec::new();
                for (b, pkg) in bins.iter().zip(&pr.packages) {
                    labels.push(compare(pkg, b)?);
                }
                if bins.len() != pr.packages.len() {
                    return Err(format!(
                        "{} binaries for {} packages",
                        bins.len(),
                        pr.packages.len()
                    ));
                }
                Ok(labels.join("; "))
            });
            match res {
                Ok(l) => {
                    passed += 1;
                    println!("ok   {project:<7} {} [{l}]", e.title);
                    for c in &e.changes {
                        println!(
                            "       {}: {:?} ← {:?}",
                            c.file.file_name().unwrap_or_default().to_string_lossy(),
                            c.range,
                            c.text
                        );
                    }
                }
                Err(err) => {
                    failed += 1;
                    failures.push(format!("{project} {}: {err}", e.title));
                }
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("{passed} passed, {failed} failed");
    assert_eq!(failed, 0, "{failures:#?}");
    assert!(passed >= 8, "too few edits checked: {passed}");
}

/// `check --profiles`, text and JSON, on every fixture project: unknown
/// values show as `<unknown>`, never as linklens' internal marker.
#[test]
fn no_internal_placeholder_in_output() {
    let mut projects: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    projects.sort();
    assert!(projects.len() >= 4, "{projects:?}");
    for project in &projects {
        let tmp = copy_fixture(project);
        for json in [true, false] {
            let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_linklens"));
            c.args(["check", "--profiles"])
                .current_dir(tmp.path())
                .env("GOTOOLCHAIN", "local")
                .env("GOFLAGS", "")
                .env_remove("CGO_ENABLED");
            if json {
                c.arg("--json");
            }
            let out = c.output().expect("run linklens");
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(out.stdout.len() > 100, "{project}: {text}");
            if let Some(at) = text.find("@@") {
                panic!(
                    "{project} (json: {json}): internal placeholder in the output: ...{}...",
                    &text[at.saturating_sub(200)..(at + 60).min(text.len())]
                );
            }
        }
    }
}
