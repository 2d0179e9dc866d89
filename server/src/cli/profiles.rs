//! `linklens check --profiles`: the project's own builds (Makefile,
//! Dockerfile, goreleaser, ko, plus the editor default), each predicted per
//! main package, with findings and checked edits.

use crate::buildcfg::Environ;
use crate::engine::Engine;
use crate::predict::Verdict;
use crate::profiles::{self, Discovery, Edit, Finding, Profile, ProfilePrediction, Source};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(flatten)]
    profile: &'a Profile,
    prediction: &'a ProfilePrediction,
    edits: Vec<Edit>,
}

#[derive(Serialize)]
struct Output<'a> {
    profiles: Vec<Entry<'a>>,
    findings: &'a [Finding],
    /// Offered when the workspace has no build definition.
    create: Option<Edit>,
}

/// Everything `--profiles` computes, for the CLI and for tests.
pub struct Analysis {
    pub root: PathBuf,
    pub discovery: Discovery,
    /// Same order as `discovery.profiles`; the last is the editor profile.
    pub predictions: Vec<ProfilePrediction>,
    pub findings: Vec<Finding>,
    pub edits: Vec<Vec<Edit>>,
    pub create: Option<Edit>,
}

/// Discovers, predicts, finds and proposes edits for `root`.
pub fn analyse(engine: &Engine, env: &Environ, root: &Path, go_args: &[String]) -> Analysis {
    let src = Source::default();
    let mut discovery = profiles::discover(root, &src);
    let has_builds = !discovery.profiles.is_empty();
    // -C already chose `root`.
    let mut editor_args = Vec::new();
    let mut it = go_args.iter();
    while let Some(a) = it.next() {
        if a == "-C" || a == "--C" {
            it.next();
        } else if !a.starts_with("-C=") && !a.starts_with("--C=") {
            editor_args.push(a.clone());
        }
    }
    if !editor_args.iter().any(|a| !a.starts_with('-')) {
        editor_args.push("./...".into());
    }
    discovery
        .profiles
        .push(Profile::editor(root, Default::default(), editor_args));
    let predictions = profiles::predict_all(engine, env, &discovery.profiles);
    let findings = profiles::findings::all(&discovery, &predictions, &engine.toolchain.host_goarch);
    let edits = discovery
        .profiles
        .iter()
        .zip(&predictions)
        .map(|(p, pr)| profiles::edits::for_profile(engine, env, root, &src, p, pr))
        .collect();
    let create = (!has_builds)
        .then(|| predictions.last())
        .flatten()
        .filter(|e| e.packages.iter().any(|p| p.link.result == Verdict::Dynamic))
        .and_then(|e| profiles::edits::create_makefile(engine, env, root, e));
    Analysis {
        root: root.to_path_buf(),
        discovery,
        predictions,
        findings,
        edits,
        create,
    }
}

/// Prints the analysis; the exit status is 1 on an error finding, and with
/// `require` (`--require static`) also on a profile that cannot be
/// evaluated or a main package a real build would not link statically,
/// each named on standard error.
pub fn run(
    engine: &Engine,
    env: &Environ,
    root: &Path,
    go_args: &[String],
    json: bool,
    require: bool,
) -> i32 {
    let a = analyse(engine, env, root, go_args);
    let mut out = std::io::stdout().lock();
    if json {
        let o = Output {
            profiles: a
                .discovery
                .profiles
                .iter()
                .zip(&a.predictions)
                .zip(&a.edits)
                .map(|((p, pr), e)| Entry {
                    profile: p,
                    prediction: pr,
                    edits: e.clone(),
                })
                .collect(),
            findings: &a.findings,
            create: a.create.clone(),
        };
        // Unknown markers are cleaned where they are serialized; this walk
        // makes sure none of a value's text escapes through a field missed.
        let mut v = serde_json::to_value(&o).unwrap_or_default();
        clean_json(&mut v);
        let _ = serde_json::to_writer_pretty(&mut out, &v);
        let _ = writeln!(out);
    } else {
        let _ = write!(out, "{}", render(&a));
    }
    let mut failed = 0;
    for f in &a.findings {
        if f.severity == profiles::Severity::Error || (require && f.code == "profile-unknown") {
            eprintln!(
                "linklens check --profiles: {}:{}: [{}] {}",
                rel(&a.root, &f.file),
                f.line,
                f.code,
                f.message
            );
            failed += 1;
        }
    }
    if require {
        // The editor's default stands for the project only when it has no
        // build of its own.
        let real = a.discovery.profiles.len().saturating_sub(1);
        let judged = if real == 0 { 1 } else { real };
        for (p, pr) in a.discovery.profiles.iter().zip(&a.predictions).take(judged) {
            let at = match &p.file {
                Some(f) => format!("{}:{}", rel(&a.root, f), p.line),
                None => "(editor settings)".into(),
            };
            let reported = a.findings.iter().any(|f| {
                f.code == "profile-unknown" && f.profile.as_deref() == Some(p.id.as_str())
            });
            for u in pr.unknown.iter().filter(|_| !reported) {
                eprintln!(
                    "linklens check --profiles: {at}: {}: unknown {}: {}",
                    p.name, u.field, u.reason
                );
                failed += 1;
            }
            if let Some(e) = &pr.error {
                eprintln!("linklens check --profiles: {at}: {}: {e}", p.name);
                failed += 1;
            }
            for pkg in pr
                .packages
                .iter()
                .filter(|k| k.link.result != Verdict::Static)
            {
                eprintln!(
                    "linklens check --profiles: {at}: {}: {}: {}",
                    p.name,
                    pkg.import_path,
                    crate::report::verdict_line(pkg)
                );
                failed += 1;
            }
        }
    }
    i32::from(failed > 0)
}

fn clean_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if profiles::shell::has_unknown(s) => {
            *s = profiles::shell::clean(s);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(clean_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(clean_json),
        _ => {}
    }
}

fn rel(root: &Path, f: &Path) -> String {
    f.strip_prefix(root).unwrap_or(f).display().to_string()
}

/// One row per profile × main package.
pub fn render(a: &Analysis) -> String {
    let mut s = String::new();
    for ((p, pr), edits) in a
        .discovery
        .profiles
        .iter()
        .zip(&a.predictions)
        .zip(&a.edits)
    {
        let at = match &p.file {
            Some(f) => format!("{}:{}", rel(&a.root, f), p.line),
            None => "(editor settings)".into(),
        };
        s.push_str(&format!(
            "{:<28} {}\n  settings: {}\n",
            p.name,
            at,
            p.summary()
        ));
        for n in &p.notes {
            s.push_str(&format!("  note: {}\n", profiles::shell::clean(n)));
        }
        for u in &pr.unknown {
            s.push_str(&format!("  unknown: {} — {}\n", u.field, u.reason));
        }
        if let Some(e) = &pr.error {
            s.push_str(&format!("  error: {e}\n"));
        }
        for pkg in &pr.packages {
            s.push_str(&format!(
                "  {:<40} {}\n",
                pkg.import_path,
                crate::report::verdict_line(pkg)
            ));
            if let Some(g) = &pkg.link.glibc_floor_source {
                s.push_str(&format!(
                    "  {:<40} {}\n",
                    "",
                    crate::predict::glibc::floor_line(g)
                ));
            }
        }
        for e in edits {
            s.push_str(&format!("  fix: {}\n", e.title));
        }
        s.push('\n');
    }
    for f in &a.findings {
        s.push_str(&format!(
            "{}:{}: {:?} [{}] {}\n",
            rel(&a.root, &f.file),
            f.line,
            f.severity,
            f.code,
            f.message
        ));
    }
    if let Some(c) = &a.create {
        s.push_str(&format!("fix: {}\n", c.title));
    }
    s
}
