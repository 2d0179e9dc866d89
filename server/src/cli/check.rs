//! `linklens check`: predictions for every main package, as text or JSON.

use crate::build::flags::BuildFlags;
use crate::build::{Config, Environ, Toolchain};
use crate::engine::{Engine, Report};
use crate::load::header_index::HeaderIndex;
use crate::load::source::Sources;
use crate::predict::{Prediction, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Default)]
struct Options {
    json: bool,
    require_static: bool,
    cross_check: bool,
    against: Option<String>,
    profiles: bool,
    go_args: Vec<String>,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--json" | "-json" => o.json = true,
            "--cross-check" => o.cross_check = true,
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
    Ok(o)
}

/// Runs `check`; returns the process exit code.
pub fn run(args: &[String]) -> i32 {
    let opts = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("linklens check: {e}\n\n{}", super::USAGE);
            return 2;
        }
    };
    let env = super::process_env();
    let here = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // The project, to find its index before `go env` has answered: from
    // the command line's `-C` (a bad flag is reported by `config` below).
    let mut early = BuildFlags::default();
    let _ = early.parse_args(&opts.go_args);
    let project = early.chdir.map_or_else(|| here.clone(), |d| here.join(d));
    let sources = Arc::new(Sources::new());
    let root = crate::engine::module_root(&project).unwrap_or(project);
    if let Some(index) = HeaderIndex::for_project(&env, &root) {
        sources.use_index(index);
        // While `go env` answers (milliseconds in which a core is idle),
        // the files the last run read come in from the index.
        let sources = sources.clone();
        std::thread::spawn(move || sources.prefetch_indexed());
    }
    // The process ends after one check: freeing every cached package one
    // by one would only delay the exit.
    let engine =
        std::mem::ManuallyDrop::new(Engine::with_sources(Toolchain::discover(&env), sources));
    let (cfg, patterns) = match engine.config(&env, &opts.go_args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("linklens check: {e}");
            return 2;
        }
    };
    let cwd = match &cfg.flags.chdir {
        Some(d) => here.join(d),
        None => here,
    };
    if !cwd.is_dir() {
        eprintln!("linklens check: directory {} does not exist", cwd.display());
        return 2;
    }
    // go words some paths relative to the directory it runs in.
    let cfg = crate::build::Config {
        workdir: Some(cwd.clone()),
        ..cfg
    };
    let code = run_in(&engine, &env, &cwd, &cfg, &patterns, &opts);
    // After the output, which never waits for it. An index that cannot
    // be written (a read-only cache) only makes the next run slower: as
    // go with its build cache, say nothing.
    let _ = engine.sources.save_index();
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
        return super::profiles::run(engine, env, cwd, &opts.go_args, opts.json);
    }
    if let Some(bin) = &opts.against {
        return super::crosscheck::against(engine, env, cwd, bin, opts.json);
    }
    let report = match engine.check(cwd, cfg, patterns, true) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("linklens check: {e}");
            return 2;
        }
    };
    if opts.cross_check {
        return super::crosscheck::run(engine, cfg, cwd, patterns, &report, opts.json);
    }
    // Buffered: the pretty JSON is thousands of lines.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if opts.json {
        let _ = serde_json::to_writer_pretty(&mut out, &report);
        let _ = writeln!(out);
    } else {
        let _ = write!(out, "{}", render(&report));
    }
    let _ = out.flush();
    if report.packages.is_empty() {
        eprintln!("linklens check: no main packages matched");
    }
    let unmet = opts.require_static
        && report
            .packages
            .iter()
            .any(|p| p.link.result != Verdict::Static);
    if unmet { 1 } else { 0 }
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

pub fn verdict_line(p: &Prediction) -> String {
    let l = &p.link;
    let linker = match l.linker {
        Some(crate::predict::Linker::Internal) => "internal linker",
        Some(crate::predict::Linker::External) => "external linker",
        None => "",
    };
    match l.result {
        Verdict::Static => format!(
            "static{}{}",
            if l.pie { " (static-pie)" } else { "" },
            if linker.is_empty() {
                String::new()
            } else {
                format!(", {linker}")
            }
        ),
        Verdict::Dynamic => {
            let mut parts = vec![linker.to_string()];
            if let Some(i) = &l.interpreter {
                parts.push(format!("interpreter {i}"));
            }
            if !l.needed.is_empty() {
                parts.push(format!("needs {}", l.needed.join(", ")));
            }
            if l.pie {
                parts.push("PIE".into());
            }
            format!(
                "dynamic: {}",
                parts
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Verdict::Fails => format!("build fails: {}", l.error.as_deref().unwrap_or("")),
        Verdict::Unknown => format!("unknown: {}", l.error.as_deref().unwrap_or("")),
    }
}

fn render_one(p: &Prediction) -> String {
    let mut s = format!("{}\n  {}\n", p.import_path, verdict_line(p));
    if !p.reasons.is_empty() {
        s.push_str("  why:\n");
        for r in &p.reasons {
            s.push_str(&format!("    - {r}\n"));
        }
    }
    for c in &p.caveats {
        s.push_str(&format!("  caveat ({}): {}\n", c.code, c.message));
    }
    if !p.fixes.is_empty() {
        s.push_str("  to build it static:\n");
        for f in &p.fixes {
            let mut line = format!("    {:<64} → {}", f.title, f.link.label());
            if f.link.result == Verdict::Fails
                && let Some(e) = &f.link.error
            {
                line.push_str(&format!(" ({e})"));
            }
            if !f.available {
                line.push_str("  [musl-gcc is not installed: apt-get install musl-tools]");
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
