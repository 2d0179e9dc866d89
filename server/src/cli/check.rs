//! `linklens check`: predictions for every main package, as text or JSON.

use crate::buildcfg::flags::BuildFlags;
use crate::buildcfg::{Config, Environ, Toolchain};
use crate::engine::{Engine, Report};
use crate::load::header_index::HeaderIndex;
use crate::load::source::Sources;
use crate::predict::{Prediction, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Format {
    #[default]
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Default)]
struct Options {
    help: bool,
    format: Format,
    json: bool,
    require_static: bool,
    cross_check: bool,
    against: Option<String>,
    profiles: bool,
    /// `--min-glibc 2.28`: the oldest glibc the binaries must run on.
    min_glibc: Option<Vec<u32>>,
    go_args: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-h" | "-help" | "--help" => o.help = true,
            "--json" | "-json" => o.format = Format::Json,
            "--format" => {
                i += 1;
                o.format = parse_format(args.get(i).map(String::as_str))?;
            }
            _ if a.starts_with("--format=") => {
                o.format = parse_format(Some(&a["--format=".len()..]))?;
            }
            "--cross-check" => o.cross_check = true,
            "--min-glibc" => {
                i += 1;
                o.min_glibc = Some(min_glibc(args.get(i).map(String::as_str))?);
            }
            _ if a.starts_with("--min-glibc=") => {
                o.min_glibc = Some(min_glibc(Some(&a["--min-glibc=".len()..]))?);
            }
            "--profiles" => o.profiles = true,
            "--require" | "--require=static" => {
                if a == "--require" {
                    i += 1;
                    match args.get(i).map(String::as_str) {
                        Some("static") => {}
                        Some(other) => {
                            return Err(format!("--require takes `static`, not {other:?}"));
                        }
                        None => return Err("--require needs a value: static".into()),
                    }
                }
                o.require_static = true;
            }
            "--against" => {
                i += 1;
                o.against = Some(args.get(i).cloned().ok_or("--against needs a binary")?);
            }
            _ if a.starts_with("--against=") => {
                o.against = Some(a["--against=".len()..].to_string())
            }
            _ if a.starts_with("--require=") => {
                return Err(format!("--require takes `static`, not {:?}", &a[10..]));
            }
            _ => o.go_args.push(args[i].clone()),
        }
        i += 1;
    }
    o.json = o.format == Format::Json;
    if o.format != Format::Text
        && o.format != Format::Json
        && (o.profiles || o.cross_check || o.against.is_some())
    {
        return Err("--format sarif|github applies to predictions of main packages, not to --profiles, --cross-check or --against".into());
    }
    Ok(o)
}

fn min_glibc(v: Option<&str>) -> Result<Vec<u32>, String> {
    let v = v.ok_or("--min-glibc needs a version: 2.28")?;
    crate::predict::glibc::parse_version(v)
        .filter(|n| n.len() >= 2)
        .ok_or_else(|| format!("--min-glibc takes a glibc version such as 2.28, not {v:?}"))
}

fn parse_format(v: Option<&str>) -> Result<Format, String> {
    match v {
        Some("text") => Ok(Format::Text),
        Some("json") => Ok(Format::Json),
        Some("sarif") => Ok(Format::Sarif),
        Some("github") => Ok(Format::Github),
        Some(other) => Err(format!(
            "--format takes text, json, sarif or github, not {other:?}"
        )),
        None => Err("--format needs a value: text, json, sarif or github".into()),
    }
}

pub const USAGE: &str = "\
usage: linklens check [go build flags] [--json | --format text|json|sarif|github]
                      [--require static] [--min-glibc 2.28]
                      [--cross-check | --against BINARY | --profiles]
                      [-C dir] [packages]

Check predicts, for each main package the patterns match (default ./...),
whether `go build` with the same environment and flags produces a static or a
dynamic binary, why (the import chain that pulls in cgo), and which changes
would make it static, each with its own predicted result.

It takes go build's flags as go spells them (-tags, -ldflags, -buildmode,
-race, -mod, -C ...) and reads CGO_ENABLED, CC, GOOS, GOARCH and GOFLAGS from
the environment, like go build.

The flags are:

	--json
		print the predictions as JSON (same as --format json).
	--format text|json|sarif|github
		sarif: a SARIF 2.1.0 log for code scanning; github: GitHub Actions
		annotations (::warning file=...) on the culprit imports.
	--require static
		exit 1 unless every main package is predicted static; each one that
		is not is named on standard error with its reason. A pattern that
		matches no main package is then an error (exit 2).
	--min-glibc VERSION
		the oldest glibc the binaries must run on (2.28): a predicted glibc
		floor above it is a glibc-too-new finding, with the fix that lowers
		it predicted (CC=\"zig cc -target x86_64-linux-gnu.2.28\").
	--cross-check
		compare the engine's package graph with `go list -deps -json`.
	--against BINARY
		predict with the settings recorded in a built Go binary and compare.
	--profiles
		predict the project's own builds (Makefile, Dockerfile, goreleaser,
		ko); with --require, exit 1 on any error finding or unknown profile.

Exit status: 0 ok, 1 --require not met (or --cross-check differences, or an
error finding with --profiles), 2 usage or load error.";

/// Runs `check`; returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    let opts = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("linklens check: {e}\n\n{USAGE}");
            return 2;
        }
    };
    if opts.help {
        println!("{USAGE}");
        return 0;
    }
    let started = std::time::Instant::now();
    let stage = crate::log::Stages::new();
    let env = super::process_env();
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // The project, to find its index before `go env` has answered: from
    // the command line's `-C` (a bad flag is reported by `config` below).
    let mut early = BuildFlags::default();
    let _ = early.parse_args(&opts.go_args);
    let project = early.chdir.map_or_else(|| here.clone(), |d| here.join(d));
    let sources = Arc::new(Sources::new());
    let root = crate::engine::workspace::module_dir(&project).unwrap_or(project);
    // (`go env`'s answer is cached: see `Toolchain::discover`.)
    let toolchain = Toolchain::discover(&env);
    stage.done("go env");
    let trusted = crate::load::header_index::Trusted::of(&toolchain, &root);
    if let Some(index) = HeaderIndex::for_project(&env, &root, trusted) {
        sources.use_index(index);
        if let Some(go) = crate::load::go_index::GoIndex::of(&toolchain) {
            sources.use_go_index(go);
        }
        stage.done("index read");
        // While the configuration is worked out and the patterns expanded,
        // the files the last run read come in from the index.
        let sources = sources.clone();
        std::thread::spawn(move || sources.prefetch_indexed());
    }
    // The process ends after one check: freeing every cached package one
    // by one would only delay the exit.
    let engine = std::mem::ManuallyDrop::new(Engine::with_sources(toolchain, sources));
    let (cfg, patterns) = match engine.config(&env, &opts.go_args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("linklens check: {e}");
            return 2;
        }
    };
    stage.done("config");
    let cwd = match &cfg.flags.chdir {
        Some(d) => here.join(d),
        None => here,
    };
    if !cwd.is_dir() {
        eprintln!("linklens check: directory {} does not exist", cwd.display());
        return 2;
    }
    // go words some paths relative to the directory it runs in.
    let cfg = crate::buildcfg::Config {
        workdir: Some(cwd.clone()),
        ..cfg
    };
    let code = run_in(&engine, &env, &cwd, &cfg, &patterns, &opts);
    stage.done("check and output");
    // After the output, which never waits for it. An index that cannot
    // be written (a read-only cache) only makes the next run slower: as
    // go with its build cache, say nothing.
    let _ = engine.sources.save_index();
    stage.done("index save");
    tracing::debug!(elapsed = ?started.elapsed(), "check done");
    code
}

fn run_in(
    engine: &Engine,
    env: &Environ,
    cwd: &Path,
    cfg: &Config,
    patterns: &[String],
    opts: &Options,
) -> i32 {
    if opts.profiles {
        return super::profiles::run(
            engine,
            env,
            cwd,
            &opts.go_args,
            opts.json,
            opts.require_static,
        );
    }
    if let Some(bin) = &opts.against {
        return super::crosscheck::against(engine, env, cwd, bin, opts.json);
    }
    let mut report = match engine.check(cwd, cfg, patterns, true) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("linklens check: {e}");
            return 2;
        }
    };
    if let Some(min) = &opts.min_glibc {
        for p in &mut report.packages {
            crate::predict::glibc::require_min(cfg, &engine.sources, p, min);
            // The build that lowers the floor, predicted (zig cc against
            // the minimum glibc's stubs).
            if let Some(f) = engine.glibc_fix(cfg, p, min) {
                p.fixes.push(f);
            }
        }
    }
    if opts.cross_check {
        return super::crosscheck::run(engine, cfg, cwd, patterns, &report, opts.json);
    }
    let stage = crate::log::Stages::new();
    // Buffered: the pretty JSON is thousands of lines.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let require = opts.require_static;
    match opts.format {
        Format::Json => {
            let _ = serde_json::to_writer_pretty(&mut out, &report);
            let _ = writeln!(out);
        }
        Format::Text => {
            let _ = write!(out, "{}", render(&report));
        }
        Format::Sarif => {
            let log = super::annotate::sarif(engine, cfg, cwd, &report, require);
            let _ = serde_json::to_writer_pretty(&mut out, &log);
            let _ = writeln!(out);
        }
        Format::Github => {
            let _ = write!(
                out,
                "{}",
                super::annotate::github(engine, cfg, cwd, &report, require)
            );
        }
    }
    let _ = out.flush();
    stage.done("output");
    if report.packages.is_empty() {
        let what = if patterns.is_empty() {
            "./...".to_string()
        } else {
            patterns.join(" ")
        };
        if require {
            eprintln!("linklens check: --require static: no main packages matched {what}");
            return 2;
        }
        eprintln!("linklens check: no main packages matched {what}");
    }
    if !require {
        return 0;
    }
    for p in report
        .packages
        .iter()
        .filter(|p| p.link.result != Verdict::Static)
    {
        if let Some(why) = p.accepted() {
            eprintln!(
                "linklens check: {}: {} (accepted: {why})",
                p.import_path,
                crate::report::verdict_line(p)
            );
        }
    }
    let unmet: Vec<&Prediction> = report
        .packages
        .iter()
        .filter(|p| p.link.result != Verdict::Static && p.accepted().is_none())
        .collect();
    for p in &unmet {
        eprintln!(
            "linklens check: {}: {}",
            p.import_path,
            crate::report::verdict_line(p)
        );
        if let Some(why) = require_reason(p) {
            eprintln!("    because {why}");
        }
    }
    if unmet.is_empty() {
        return 0;
    }
    eprintln!(
        "linklens check: --require static: {} of {} main packages would not be static",
        unmet.len(),
        report.packages.len()
    );
    1
}

/// The reason a `--require static` failure names: the culprit chain for a
/// dynamic binary, else the first reason that is not the cgo setting.
fn require_reason(p: &Prediction) -> Option<String> {
    if p.link.result == Verdict::Dynamic
        && let Some(cp) = p
            .cgo_packages
            .iter()
            .find(|c| c.import_path != "runtime/cgo")
            .or(p.cgo_packages.first())
    {
        return Some(format!(
            "{} uses cgo ({}) via {}",
            cp.import_path,
            cp.purpose,
            crate::report::chain_text(cp)
        ));
    }
    p.reasons
        .iter()
        .find(|r| !r.starts_with("CGO_ENABLED"))
        .cloned()
}

/// The human report: one block per main package.
pub fn render(report: &Report) -> String {
    let mut s = format!("build: {}\n", report.config.summary);
    for n in &report.config.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    for p in &report.packages {
        s.push('\n');
        s.push_str(&render_one(p));
    }
    s
}

fn render_one(p: &Prediction) -> String {
    let mut s = format!("{}\n  {}\n", p.import_path, crate::report::verdict_line(p));
    if let Some(g) = &p.link.glibc_floor_source {
        s.push_str(&format!("  {}\n", crate::predict::glibc::floor_line(g)));
    }
    if !p.reasons.is_empty() {
        s.push_str("  why:\n");
        for r in &p.reasons {
            s.push_str(&format!("    - {r}\n"));
        }
    }
    for c in &p.caveats {
        s.push_str(&format!("  caveat ({}): {}\n", c.code, c.message));
    }
    // Only fixes predicted to reach static are offered as fixes, apart
    // from the one that lowers the glibc floor (`--min-glibc`); the others
    // are shown apart, as information.
    let (glibc, rest): (Vec<_>, Vec<_>) = p.fixes.iter().partition(|f| f.id == "zig-glibc");
    let (fixes, others): (Vec<_>, Vec<_>) = rest
        .into_iter()
        .partition(|f| f.link.result == Verdict::Static);
    for (heading, list) in [
        ("to build it static:", fixes),
        ("to lower the glibc floor:", glibc),
        ("also predicted (not static):", others),
    ] {
        if list.is_empty() {
            continue;
        }
        s.push_str(&format!("  {heading}\n"));
        for f in list {
            let label = if f.id == "zig-glibc" {
                crate::report::floor_label(&f.link)
            } else {
                crate::report::label(&f.link)
            };
            let mut line = format!("    {:<64} → {label}", f.title);
            if f.link.result == Verdict::Fails
                && let Some(e) = &f.link.error
            {
                line.push_str(&format!(" ({e})"));
            }
            if !f.available {
                let cc = f
                    .env
                    .iter()
                    .find(|(k, _)| k == "CC")
                    .map(|(_, v)| v.as_str());
                line.push_str(match cc {
                    _ if f.id == "zig-glibc" => {
                        "  [zig is not installed: pip install ziglang, and put its zig on PATH]"
                    }
                    Some(c) if c.starts_with("zig ") => {
                        "  [zig is not installed: pip install ziglang, or a musl cross compiler for the target]"
                    }
                    _ => "  [musl-gcc is not installed: apt-get install musl-tools]",
                });
            }
            s.push_str(&line);
            s.push('\n');
            for b in &f.breaks {
                s.push_str(&format!("        but: {b}\n"));
            }
            for c in &f.caveats {
                s.push_str(&format!("        caveat: {}\n", c.message));
            }
        }
    }
    s
}
