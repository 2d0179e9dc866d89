//! Ground-truth harness: builds every fixture main package with the real `go`
//! under a matrix of configurations, reads the resulting ELF, and checks that
//! `linklens check --json` predicted the same thing with the same environment.
//! It also runs `linklens check --cross-check` once per fixture module.
//!
//! Run: `cargo test -p linklens --features real-toolchain --test groundtruth` (needs go, gcc, musl-gcc, zlib1g-dev).
//! Filter with `GT_FILTER=<substring>` (matched against "<fixture> <pkg> [<case>]").
//! The observed truth for go1.26.8 is documented in docs/ground-truth.md; the
//! matrix below mirrors tests/fixtures/gt/observe.py, which generated that doc.

#[allow(dead_code)]
mod common;

use common::fs::{copy_tree, which};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use linklens::predict::stdcgo;
use serde_json::Value;

/// Placeholder env value: replaced by a directory holding only a `go` symlink,
/// so cmd/go cannot find gcc and turns cgo off by itself.
const NO_GCC_PATH: &str = "@NO_GCC_PATH@";

/// One configuration of the matrix: extra environment and `go build` flags.
struct Case {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    flags: &'static [&'static str],
}

const EXT_STATIC: &str = r#"-linkmode external -extldflags "-static""#;

/// The configurations that do not depend on the table of standard cgo
/// packages; [`cases`] adds the pure-Go tag cases and each row's flag or
/// environment (`-race`, `GOEXPERIMENT=...`).
#[rustfmt::skip]
const BASE_CASES: &[Case] = &[
    Case { name: "default", env: &[], flags: &[] },
    Case { name: "cgo0", env: &[("CGO_ENABLED", "0")], flags: &[] },
    Case { name: "tags-mytag", env: &[], flags: &["-tags", "mytag"] },
    Case { name: "extld-static", env: &[], flags: &["-ldflags", r#"-extldflags "-static""#] },
    Case { name: "linkext", env: &[], flags: &["-ldflags", "-linkmode external"] },
    Case { name: "linkint", env: &[], flags: &["-ldflags", "-linkmode internal"] },
    Case { name: "linkext-static", env: &[], flags: &["-ldflags", EXT_STATIC] },
    Case { name: "musl-linkext-static", env: &[("CC", "musl-gcc")], flags: &["-ldflags", EXT_STATIC] },
    Case { name: "musl", env: &[("CC", "musl-gcc")], flags: &[] },
    Case { name: "pie", env: &[], flags: &["-buildmode=pie"] },
    Case { name: "pie-cgo0", env: &[("CGO_ENABLED", "0")], flags: &["-buildmode=pie"] },
    Case { name: "static-pie", env: &[], flags: &["-buildmode=pie", "-ldflags", r#"-linkmode external -extldflags "-static-pie""#] },
    Case { name: "arm64", env: &[("GOARCH", "arm64")], flags: &[] },
    Case { name: "cc-missing", env: &[("CC", "/nonexistent/cc")], flags: &[] },
    Case { name: "nogcc-path", env: &[("PATH", NO_GCC_PATH)], flags: &[] },
    Case { name: "race-cgo0", env: &[("CGO_ENABLED", "0")], flags: &["-race"] },
    Case { name: "linkext-cgo0", env: &[("CGO_ENABLED", "0")], flags: &["-ldflags=-linkmode=external"] },
    Case { name: "interp", env: &[], flags: &["-ldflags", "-I /opt/ld.so"] },
];

/// A main package: module dir (relative to the repo root), pattern, import path,
/// and which cases to run. Only the core mains get the whole matrix: each extra
/// configuration compiles another std variant (pie, race, arm64, ...), and running
/// the big graphs (net/http, crypto) through all of them took ~17 min cold.
struct Main {
    dir: &'static str,
    pkg: &'static str,
    import_path: &'static str,
    cases: Cases,
}

enum Cases {
    All,
    /// `SPOT` plus these extra case names.
    Spot(&'static [&'static str]),
    /// Exactly these cases (for mains where the SPOT ones add nothing new).
    Only(&'static [&'static str]),
}

/// Cases every main runs: the common configurations users actually try,
/// plus the case with every pure-Go tag (see [`spot`]).
const SPOT: &[&str] = &["default", "cgo0", "linkext-static", "musl", "cc-missing"];

const GT: &str = "tests/fixtures/gt";

/// The main packages besides the fixtures of the table of standard cgo
/// packages (`linklens::predict::stdcgo`), which [`mains`] adds with every
/// case. An entry here wins over a row's fixture with the same package.
#[rustfmt::skip]
const BASE_MAINS: &[Main] = &[
    Main { dir: "tests/fixtures/gt/cgolocal", pkg: "./cmd/add", import_path: "example.com/gt/cgolocal/cmd/add", cases: Cases::All },
    Main { dir: "tests/fixtures/gt/sqlitestyle", pkg: ".", import_path: "example.com/gt/sqlitestyle", cases: Cases::All },
    Main { dir: "tests/fixtures/gt/constraints", pkg: "./cmd/included", import_path: "example.com/gt/constraints/cmd/included", cases: Cases::All },
    Main { dir: "tests/fixtures/gt/constraints", pkg: "./cmd/excluded", import_path: "example.com/gt/constraints/cmd/excluded", cases: Cases::All },
    Main { dir: "tests/fixtures/gt/net", pkg: "./cmd/http", import_path: "example.com/gt/net/cmd/http", cases: Cases::Spot(&["tags-netgo", "goflags-tags", "extld-static"]) },
    Main { dir: "tests/fixtures/gt/net", pkg: "./cmd/parseip", import_path: "example.com/gt/net/cmd/parseip", cases: Cases::Spot(&["tags-netgo", "pie"]) },
    Main { dir: "tests/fixtures/gt/x509", pkg: ".", import_path: "example.com/gt/x509", cases: Cases::Spot(&["tags-netgo", "tags-osusergo"]) },
    Main { dir: "tests/fixtures/gt/cgolibm", pkg: ".", import_path: "example.com/gt/cgolibm", cases: Cases::Spot(&["linkint", "pie", "musl-linkext-static", "linkext-cgo0"]) },
    Main { dir: "tests/fixtures/gt/cgolibz", pkg: ".", import_path: "example.com/gt/cgolibz", cases: Cases::Spot(&["linkint", "pie", "musl-linkext-static"]) },
    Main { dir: "tests/fixtures/gt/cgocond", pkg: ".", import_path: "example.com/gt/cgocond", cases: Cases::Spot(&["linkint", "arm64"]) },
    Main { dir: "tests/fixtures/gt/cgoonly", pkg: ".", import_path: "example.com/gt/cgoonly", cases: Cases::Spot(&["arm64", "nogcc-path", "linkext-cgo0", "pie-cgo0"]) },
    Main { dir: "tests/fixtures/gt/constraints", pkg: "./cmd/plusnoblank", import_path: "example.com/gt/constraints/cmd/plusnoblank", cases: Cases::Spot(&["arm64", "tags-mytag"]) },
    Main { dir: "tests/fixtures/gt/vendored", pkg: ".", import_path: "example.com/gt/vendored", cases: Cases::Spot(&["tags-netgo", "extld-static"]) },
    Main { dir: "tests/fixtures/gt/replacecgo", pkg: ".", import_path: "example.com/gt/replacecgo", cases: Cases::Spot(&["nogcc-path", "linkint"]) },
    Main { dir: "tests/fixtures/gt/workspace/app", pkg: "./cmd/check", import_path: "example.com/gt/ws/app/cmd/check", cases: Cases::Spot(&["tags-netgo"]) },
    // Static archives in #cgo LDFLAGS (built from archives.txt by `prepare_archives`).
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/nolibm", import_path: "example.com/gt/cgoarchive/cmd/nolibm", cases: Cases::Only(&["default", "pie", "linkext-static", "static-pie", "musl", "musl-linkext-static", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/withlibm", import_path: "example.com/gt/cgoarchive/cmd/withlibm", cases: Cases::Only(&["default", "linkext", "pie", "linkext-static", "static-pie", "musl", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/libmfirst", import_path: "example.com/gt/cgoarchive/cmd/libmfirst", cases: Cases::Only(&["default", "linkext-static", "musl", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/grouped", import_path: "example.com/gt/cgoarchive/cmd/grouped", cases: Cases::Only(&["default", "linkext-static", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/self", import_path: "example.com/gt/cgoarchive/cmd/self", cases: Cases::Only(&["default", "cgo0", "cc-missing", "linkext", "extld-static", "linkext-static", "static-pie", "musl", "musl-linkext-static", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/ordered", import_path: "example.com/gt/cgoarchive/cmd/ordered", cases: Cases::Only(&["default", "linkext-static", "musl"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/misordered", import_path: "example.com/gt/cgoarchive/cmd/misordered", cases: Cases::Only(&["default", "linkext-static", "musl", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/unused", import_path: "example.com/gt/cgoarchive/cmd/unused", cases: Cases::Only(&["default", "linkext-static", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/callback", import_path: "example.com/gt/cgoarchive/cmd/callback", cases: Cases::Only(&["default", "linkext-static", "linkint"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/split", import_path: "example.com/gt/cgoarchive/cmd/split", cases: Cases::Only(&["default", "linkext-static"]) },
    Main { dir: "tests/fixtures/gt/cgoarchive", pkg: "./cmd/splitswap", import_path: "example.com/gt/cgoarchive/cmd/splitswap", cases: Cases::Only(&["default", "linkext-static"]) },
    Main { dir: "examples/shop", pkg: "./cmd/api", import_path: "example.com/shop/cmd/api", cases: Cases::Spot(&[]) },
    Main { dir: "examples/shop", pkg: "./cmd/worker", import_path: "example.com/shop/cmd/worker", cases: Cases::Spot(&[]) },
    Main { dir: "examples/shop", pkg: "./cmd/thumbnail", import_path: "example.com/shop/cmd/thumbnail", cases: Cases::Spot(&[]) },
    Main { dir: "examples/shop", pkg: "./cmd/admin", import_path: "example.com/shop/cmd/admin", cases: Cases::Spot(&["tags-osusergo"]) },
    // go.mod / go.work lines newer than the toolchain (GOTOOLCHAIN=local):
    // go refuses before loading packages, whatever the configuration.
    Main { dir: "tests/fixtures/gt/gover/mod", pkg: ".", import_path: "example.com/gt/gover/mod", cases: Cases::Spot(&["arm64", "race-cgo0"]) },
    Main { dir: "tests/fixtures/gt/gover/lang", pkg: ".", import_path: "example.com/gt/gover/lang", cases: Cases::Spot(&[]) },
    Main { dir: "tests/fixtures/gt/gover/toolchain", pkg: ".", import_path: "example.com/gt/gover/toolchain", cases: Cases::Spot(&[]) },
    Main { dir: "tests/fixtures/gt/gover/work/app", pkg: ".", import_path: "example.com/gt/gover/work/app", cases: Cases::Spot(&[]) },
    Main { dir: "tests/fixtures/gt/gover/workmod/app", pkg: ".", import_path: "example.com/gt/gover/workmod/app", cases: Cases::Spot(&[]) },
    Main { dir: "tests/fixtures/gt/gover/dep", pkg: ".", import_path: "example.com/gt/gover/dep", cases: Cases::Spot(&[]) },
];

/// Fixtures whose build fails with a message linklens must reproduce word
/// for word (the other failures compare the result only). The go command
/// fails on them before listing packages, so they have no cross-check.
const EXACT_ERROR: &[&str] = &[
    "tests/fixtures/gt/gover/mod",
    "tests/fixtures/gt/gover/lang",
    "tests/fixtures/gt/gover/work/app",
    "tests/fixtures/gt/gover/workmod/app",
    "tests/fixtures/gt/gover/dep",
];

impl Main {
    fn runs(&self, case: &Case) -> bool {
        match self.cases {
            Cases::All => true,
            Cases::Spot(extra) => {
                SPOT.contains(&case.name)
                    || case.name == all_tags_case()
                    || extra.contains(&case.name)
            }
            Cases::Only(names) => names.contains(&case.name),
        }
    }
}

fn leak<T: ?Sized>(b: Box<T>) -> &'static T {
    Box::leak(b)
}

/// The case with every pure-Go tag of the table (`tags-netgo-osusergo`).
fn all_tags_case() -> &'static str {
    let tags = stdcgo::all_pure_go_tags();
    leak(format!("tags-{}", tags.join("-")).into_boxed_str())
}

/// [`BASE_CASES`] plus what the table of standard cgo packages implies:
/// each pure-Go tag alone, all of them (in `-tags` and in GOFLAGS), and
/// the flag or environment that links a row's package (`-race`).
fn cases() -> Vec<Case> {
    let mut out: Vec<Case> = BASE_CASES
        .iter()
        .map(|c| Case {
            name: c.name,
            env: c.env,
            flags: c.flags,
        })
        .collect();
    let tags = stdcgo::all_pure_go_tags();
    let all = tags.join(",");
    if tags.len() > 1 {
        out.push(Case {
            name: all_tags_case(),
            env: &[],
            flags: leak(Box::new(["-tags", leak(all.clone().into_boxed_str())])),
        });
    }
    for t in &tags {
        out.push(Case {
            name: leak(format!("tags-{t}").into_boxed_str()),
            env: &[],
            flags: leak(Box::new(["-tags", *t])),
        });
    }
    out.push(Case {
        name: "goflags-tags",
        env: leak(Box::new([(
            "GOFLAGS",
            leak(format!("-tags={all}").into_boxed_str()),
        )])),
        flags: &[],
    });
    for r in stdcgo::STD_CGO {
        if !matches!(r.ground_truth, stdcgo::GroundTruth::Fixture { .. }) {
            continue;
        }
        let case = match r.via {
            stdcgo::Via::Flag(f) => Case {
                name: f.trim_start_matches('-'),
                env: &[],
                flags: leak(Box::new([f])),
            },
            stdcgo::Via::Env(k, v) => Case {
                name: leak(format!("{}-{}", k.to_lowercase(), v).into_boxed_str()),
                env: leak(Box::new([(k, v)])),
                flags: &[],
            },
            stdcgo::Via::Import | stdcgo::Via::Part(_) => continue,
        };
        if out.iter().all(|c| c.name != case.name) {
            out.push(case);
        }
    }
    out
}

/// [`BASE_MAINS`] plus each table row's fixture, with every case.
fn mains(root: &Path) -> Vec<Main> {
    let mut out: Vec<Main> = Vec::new();
    for r in stdcgo::STD_CGO {
        let stdcgo::GroundTruth::Fixture { dir, pkg } = r.ground_truth else {
            continue;
        };
        let dir: &'static str = leak(format!("{GT}/{dir}").into_boxed_str());
        if BASE_MAINS
            .iter()
            .chain(&out)
            .any(|m| m.dir == dir && m.pkg == pkg)
        {
            continue;
        }
        let gomod = std::fs::read_to_string(root.join(dir).join("go.mod"))
            .unwrap_or_else(|e| panic!("{}: fixture {dir}/go.mod: {e}", r.path));
        let module = gomod
            .lines()
            .find_map(|l| l.trim().strip_prefix("module "))
            .unwrap_or_else(|| panic!("{dir}/go.mod has no module line"))
            .trim();
        let import_path = match pkg.trim_start_matches('.').trim_start_matches('/') {
            "" => module.to_string(),
            sub => format!("{module}/{sub}"),
        };
        out.push(Main {
            dir,
            pkg,
            import_path: leak(import_path.into_boxed_str()),
            cases: Cases::All,
        });
    }
    // The warm-up main (see `main`) leads.
    out.sort_by_key(|m| m.pkg != "./cmd/lookup");
    out.extend(BASE_MAINS.iter().map(|m| Main {
        dir: m.dir,
        pkg: m.pkg,
        import_path: m.import_path,
        cases: match m.cases {
            Cases::All => Cases::All,
            Cases::Spot(x) => Cases::Spot(x),
            Cases::Only(x) => Cases::Only(x),
        },
    }));
    out
}

/// What a link produced (from `go build` + the ELF) or what linklens predicted.
#[derive(Debug, Clone, PartialEq)]
struct Link {
    result: String,
    linker: Option<String>,
    interpreter: Option<String>,
    needed: BTreeSet<String>,
    pie: bool,
    error: Option<String>,
}

enum Job<'a> {
    Build(&'a Main, &'a Case),
    CrossCheck(&'static str),
    /// `stdcgo::STD_CGO` against GOROOT (see [`std_table`]).
    StdTable,
    /// Cross-check of a directory that does not exist: must exit non-zero, so an
    /// implementation that ignores its arguments cannot pass the cross-checks.
    CrossCheckControl,
}

struct Ctx {
    /// A copy of the fixtures outside any git checkout (see `copy_tree`).
    root: PathBuf,
    linklens: PathBuf,
    no_gcc_dir: PathBuf,
    tmp: PathBuf,
}

fn main() -> ExitCode {
    let start = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ has a parent")
        .canonicalize()
        .expect("repo root");
    if let Err(msg) = preflight() {
        eprintln!("groundtruth: cannot run: {msg}");
        println!("0 passed, 1 failed");
        return ExitCode::FAILURE;
    }
    let tmp = tempfile::Builder::new()
        .prefix("linklens-gt-")
        .tempdir()
        .expect("tempdir");
    let no_gcc_dir = tmp.path().join("nogcc-bin");
    std::fs::create_dir(&no_gcc_dir).expect("mkdir");
    std::os::unix::fs::symlink(which("go").expect("go on PATH"), no_gcc_dir.join("go"))
        .expect("symlink go");
    // Build from a copy outside the git checkout: inside it, every go build
    // stamps VCS info by running git (~0.3s each, most of a pure-Go build).
    // The path is stable so GOCACHE entries (keyed by directory) survive reruns.
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("groundtruth-src");
    let _ = std::fs::remove_dir_all(&work);
    for d in [GT, "examples/shop"] {
        copy_tree(&root.join(d), &work.join(d)).expect("copy fixtures");
    }
    let cases = cases();
    let mains = mains(&root);
    // A case name in a Spot/Only list that no case has would shrink the
    // matrix silently.
    for m in &mains {
        if let Cases::Spot(names) | Cases::Only(names) = m.cases {
            for n in names {
                if cases.iter().all(|c| c.name != *n) {
                    eprintln!(
                        "groundtruth: {} {} names case {n}, which does not exist",
                        m.dir, m.pkg
                    );
                    println!("0 passed, 1 failed");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let mut dirs: Vec<&'static str> = Vec::new();
    for m in &mains {
        if !dirs.contains(&m.dir) {
            dirs.push(m.dir);
        }
    }
    for d in &dirs {
        if let Err(msg) = prepare_archives(&work.join(d), tmp.path()) {
            eprintln!("groundtruth: cannot prepare {d}: {msg}");
            println!("0 passed, 1 failed");
            return ExitCode::FAILURE;
        }
    }
    let ctx = Ctx {
        root: work,
        linklens: PathBuf::from(env!("CARGO_BIN_EXE_linklens")),
        no_gcc_dir,
        tmp: tmp.path().to_path_buf(),
    };

    let filter = std::env::var("GT_FILTER").unwrap_or_default();
    let mut jobs: Vec<Job> = Vec::new();
    for c in &cases {
        for m in mains.iter().filter(|m| m.runs(c)) {
            jobs.push(Job::Build(m, c));
        }
    }
    jobs.push(Job::StdTable);
    // Mains whose build must fail with go's exact words are not cross-checked.
    dirs.retain(|d| !EXACT_ERROR.contains(d));
    jobs.extend(dirs.into_iter().map(Job::CrossCheck));
    jobs.push(Job::CrossCheckControl);
    jobs.retain(|j| filter.is_empty() || label(j).contains(&filter));

    // Warm-up: building net/cmd/lookup first, one at a time per configuration,
    // compiles each std variant (pie, race, arm64, musl, tags) once instead of
    // twice in two concurrent go processes.
    let (warm, rest): (Vec<Job>, Vec<Job>) = jobs
        .into_iter()
        .partition(|j| matches!(j, Job::Build(m, _) if m.pkg == "./cmd/lookup"));
    let passed = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    run_pool(&ctx, &warm, 1, &passed, &failed);
    run_pool(&ctx, &rest, 2, &passed, &failed);

    let (p, f) = (passed.into_inner(), failed.into_inner());
    println!("total time {:.0}s", start.elapsed().as_secs_f64());
    println!("{p} passed, {f} failed");
    if f > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn run_pool(ctx: &Ctx, jobs: &[Job], threads: usize, passed: &AtomicUsize, failed: &AtomicUsize) {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(i) else { break };
                    let t0 = Instant::now();
                    let verdict = match job {
                        Job::Build(m, c) => check_build(ctx, m, c),
                        Job::CrossCheck(dir) => cross_check(ctx, dir),
                        Job::StdTable => std_table(),
                        Job::CrossCheckControl => match cross_check(ctx, "does/not/exist") {
                            Ok(_) => Err(
                                "linklens check --cross-check exited 0 for a missing directory"
                                    .into(),
                            ),
                            Err(_) => Ok("non-zero exit for a missing directory".into()),
                        },
                    };
                    let secs = t0.elapsed().as_secs_f64();
                    let _guard = out.lock().unwrap();
                    match verdict {
                        Ok(note) => {
                            passed.fetch_add(1, Ordering::SeqCst);
                            println!("ok   {} {note} ({secs:.1}s)", label(job));
                        }
                        Err(diff) => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            println!("FAIL {} ({secs:.1}s)\n{}", label(job), indent(&diff));
                        }
                    }
                }
            });
        }
    });
}

fn label(job: &Job) -> String {
    match job {
        Job::Build(m, c) => format!("{} {} [{}]", short(m.dir), m.pkg, c.name),
        Job::CrossCheck(dir) => format!("{} ./... [cross-check]", short(dir)),
        Job::StdTable => "stdcgo table [GOROOT]".into(),
        Job::CrossCheckControl => "does/not/exist ./... [cross-check negative control]".into(),
    }
}

fn short(dir: &str) -> &str {
    dir.strip_prefix(GT)
        .map_or(dir, |d| d.trim_start_matches('/'))
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("       {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fail loudly instead of skipping: a missing tool would silently shrink the matrix.
fn preflight() -> Result<(), String> {
    let mut missing = Vec::new();
    for (tool, fix) in [
        ("go", "install Go (https://go.dev/dl) and put it on PATH"),
        ("gcc", "apt-get install gcc"),
        ("musl-gcc", "apt-get install musl-tools"),
        ("ar", "apt-get install binutils"),
    ] {
        if which(tool).is_none() {
            missing.push(format!("`{tool}` not found on PATH: {fix}"));
        }
    }
    if !Path::new("/usr/include/zlib.h").exists() {
        missing
            .push("zlib.h missing (fixture cgolibz links -lz): apt-get install zlib1g-dev".into());
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing.join("; "))
    }
}

/// Builds the static archives a fixture's `archives.txt` lists (`<archive>
/// <C sources...>` per line, relative to the fixture) into the fixture copy:
/// `gcc -c -O2` per source, then `ar rcs`. Built archives are never committed.
fn prepare_archives(dir: &Path, tmp: &Path) -> Result<(), String> {
    let Ok(list) = std::fs::read_to_string(dir.join("archives.txt")) else {
        return Ok(());
    };
    for line in list.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let archive = dir.join(words.next().unwrap_or_default());
        let objs = tempfile::Builder::new()
            .prefix("objs-")
            .tempdir_in(tmp)
            .map_err(|e| e.to_string())?;
        let mut ar = Command::new("ar");
        ar.arg("rcs").arg(&archive);
        for src in words {
            // Named like a normal build's object, as ld's messages show it.
            let stem = Path::new(src).file_stem().unwrap_or_default();
            let obj = objs.path().join(stem).with_extension("o");
            run_tool(
                Command::new("gcc")
                    .args(["-c", "-O2", "-o"])
                    .arg(&obj)
                    .arg(dir.join(src)),
            )?;
            ar.arg(obj);
        }
        if let Some(parent) = archive.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let _ = std::fs::remove_file(&archive);
        run_tool(&mut ar)?;
    }
    Ok(())
}

fn run_tool(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The environment shared by `go build` and `linklens check` for one case.
fn command(ctx: &Ctx, program: &Path, case_env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(program);
    // Inherited values would silently change every case (GOFLAGS=-buildvcs=false is set here).
    for k in [
        "GOFLAGS",
        "CGO_ENABLED",
        "CC",
        "CXX",
        "GOARCH",
        "GOOS",
        "CGO_LDFLAGS",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("GOTOOLCHAIN", "local").env("GOPROXY", "off");
    for (k, v) in case_env {
        if *v == NO_GCC_PATH {
            cmd.env(k, &ctx.no_gcc_dir);
        } else {
            cmd.env(k, v);
        }
    }
    cmd
}

fn check_build(ctx: &Ctx, m: &Main, c: &Case) -> Result<String, String> {
    let dir = ctx.root.join(m.dir);
    let truth = go_build(ctx, &dir, m, c)?;
    let mut cmd = command(ctx, &ctx.linklens, c.env);
    cmd.arg("check").arg("--json").arg("-C").arg(&dir);
    cmd.args(c.flags).arg(m.pkg);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run linklens: {e}"))?;
    let predicted = parse_prediction(&out, m, &dir).map_err(|e| {
        format!(
            "linklens check --json gave no usable prediction: {e}\n  go build: {}",
            describe(&truth)
        )
    })?;
    let exact = EXACT_ERROR.contains(&m.dir);
    if exact && truth.result == "fails" && truth.error != predicted.error {
        return Err(format!(
            "error text differs\n  go build: {:?}\n  linklens: {:?}",
            truth.error, predicted.error
        ));
    }
    compare(&truth, &predicted)
}

fn go_build(ctx: &Ctx, dir: &Path, m: &Main, c: &Case) -> Result<Link, String> {
    let go = which("go").ok_or("go vanished from PATH")?;
    let out_dir = tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(&ctx.tmp)
        .map_err(|e| e.to_string())?;
    let exe = out_dir.path().join("bin");
    let out = command(ctx, &go, c.env)
        .current_dir(dir)
        .arg("build")
        .arg("-o")
        .arg(&exe)
        .args(c.flags)
        .arg(m.pkg)
        .output()
        .map_err(|e| format!("cannot run go: {e}"))?;
    if !out.status.success() {
        return Ok(Link {
            result: "fails".into(),
            linker: None,
            interpreter: None,
            needed: BTreeSet::new(),
            pie: false,
            error: Some(String::from_utf8_lossy(&out.stderr).trim().to_string()),
        });
    }
    let bytes = std::fs::read(&exe).map_err(|e| format!("read {}: {e}", exe.display()))?;
    read_elf(&bytes)
}

fn read_elf(bytes: &[u8]) -> Result<Link, String> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| format!("bad ELF from go build: {e}"))?;
    let interpreter = elf.interpreter.map(str::to_string);
    let needed: BTreeSet<String> = elf.libraries.iter().map(|s| s.to_string()).collect();
    // Every gcc/musl-gcc link pulls in crti.o's .init; the Go linker never writes one.
    // Verified against `-ldflags=-v` "host link:" on all builds (docs/ground-truth.md).
    let external = elf
        .section_headers
        .iter()
        .any(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(".init"));
    let result = if interpreter.is_none() && needed.is_empty() {
        "static"
    } else {
        "dynamic"
    };
    Ok(Link {
        result: result.into(),
        linker: Some(if external { "external" } else { "internal" }.into()),
        interpreter,
        needed,
        pie: elf.header.e_type == goblin::elf::header::ET_DYN,
        error: None,
    })
}

fn parse_prediction(out: &Output, m: &Main, dir: &Path) -> Result<Link, String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ctx = || {
        format!(
            "(exit {}; stderr: {})",
            out.status.code().map_or("signal".into(), |c| c.to_string()),
            first_lines(&stderr, 3)
        )
    };
    let v: Value =
        serde_json::from_str(&stdout).map_err(|e| format!("stdout is not JSON ({e}) {}", ctx()))?;
    let pkgs = v["packages"]
        .as_array()
        .ok_or_else(|| format!("no \"packages\" array {}", ctx()))?;
    let dir_s = dir.to_string_lossy();
    let pkg = pkgs
        .iter()
        .find(|p| p["import_path"] == m.import_path)
        .or_else(|| pkgs.iter().find(|p| p["dir"].as_str() == Some(&*dir_s)))
        .or(if pkgs.len() == 1 { pkgs.first() } else { None })
        .ok_or_else(|| format!("no package {} in output {}", m.import_path, ctx()))?;
    let link = &pkg["link"];
    let s = |k: &str| link[k].as_str().map(str::to_string);
    Ok(Link {
        result: s("result").ok_or_else(|| format!("link.result missing {}", ctx()))?,
        linker: s("linker"),
        interpreter: s("interpreter"),
        needed: link["needed"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        pie: link["pie"].as_bool().unwrap_or(false),
        error: s("error"),
    })
}

fn compare(truth: &Link, pred: &Link) -> Result<String, String> {
    let mut diffs = Vec::new();
    if truth.result != pred.result {
        diffs.push(format!(
            "result: go build={} linklens={}",
            truth.result, pred.result
        ));
    }
    if truth.result == "fails" && pred.result == "fails" {
        let pred_err = pred.error.as_deref().unwrap_or("");
        for m in ld_diagnostics(truth.error.as_deref().unwrap_or("")) {
            if !pred_err.contains(&m) {
                diffs.push(format!("linklens error lacks ld's \"{m}\""));
            }
        }
    }
    if truth.result == "fails" || pred.result == "fails" {
        // ld's report, when there is one, says more than go's first lines.
        let truth_err = truth.error.as_deref().unwrap_or("-");
        let ld = ld_diagnostics(truth_err);
        let errs = format!(
            "go error:       {}\nlinklens error: {}",
            if ld.is_empty() {
                first_lines(truth_err, 2)
            } else {
                ld.join(" ")
            },
            first_lines(pred.error.as_deref().unwrap_or("-"), 2)
        );
        return if diffs.is_empty() {
            Ok(format!("fails\n{}", indent(&errs)))
        } else {
            diffs.push(errs);
            Err(diffs.join("\n"))
        };
    }
    if truth.result == pred.result {
        if truth.interpreter != pred.interpreter {
            diffs.push(format!(
                "interpreter: go build={:?} linklens={:?}",
                truth.interpreter, pred.interpreter
            ));
        }
        if truth.needed != pred.needed {
            diffs.push(format!(
                "needed: go build={:?} linklens={:?}",
                truth.needed, pred.needed
            ));
        }
        if truth.pie != pred.pie {
            diffs.push(format!("pie: go build={} linklens={}", truth.pie, pred.pie));
        }
        if truth.linker != pred.linker {
            diffs.push(format!(
                "linker: go build={:?} linklens={:?}",
                truth.linker, pred.linker
            ));
        }
    }
    if diffs.is_empty() {
        Ok(describe(truth))
    } else {
        diffs.push(format!("go build: {}", describe(truth)));
        Err(diffs.join("\n"))
    }
}

/// The parts of GNU ld's undefined-symbol report that a prediction must
/// repeat: "/usr/bin/ld: lib.a(m.o): in function `f'" and
/// "undefined reference to `sym'" (the file:line part in between varies).
fn ld_diagnostics(err: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in err.lines().map(str::trim) {
        if line.starts_with("/usr/bin/ld: ")
            && let Some(i) = line.find(": in function `")
            && let Some(end) = line[i..].find('\'')
        {
            out.push(line[..i + end + 1].to_string());
        }
        if let Some(i) = line.find("undefined reference to `")
            && let Some(end) = line[i..].find('\'')
        {
            out.push(line[i..i + end + 1].to_string());
        }
    }
    out
}

fn describe(l: &Link) -> String {
    if l.result == "fails" {
        return format!(
            "fails: {}",
            first_lines(l.error.as_deref().unwrap_or(""), 1)
        );
    }
    format!(
        "{} linker={} pie={} interp={} needed={:?}",
        l.result,
        l.linker.as_deref().unwrap_or("?"),
        l.pie,
        l.interpreter.as_deref().unwrap_or("-"),
        l.needed
    )
}

fn first_lines(s: &str, n: usize) -> String {
    s.lines()
        .filter(|l| !l.trim().is_empty())
        .take(n)
        .collect::<Vec<_>>()
        .join(" | ")
}

/// `linklens check --cross-check` compares its own package graph with `go list -deps -json`.
fn cross_check(ctx: &Ctx, dir: &str) -> Result<String, String> {
    let out = command(ctx, &ctx.linklens, &[])
        .arg("check")
        .arg("--cross-check")
        .arg("-C")
        .arg(ctx.root.join(dir))
        .arg("./...")
        .output()
        .map_err(|e| format!("cannot run linklens: {e}"))?;
    if out.status.success() {
        Ok("engine agrees with go list".into())
    } else {
        Err(format!(
            "linklens check --cross-check exited {}:\n{}{}",
            out.status.code().map_or("signal".into(), |c| c.to_string()),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The table of standard cgo packages against this toolchain's GOROOT:
/// every standard package with `import "C"` in a non-test file (not
/// `//go:build ignore`, not under cmd/ or testdata/) is a row or in
/// `NOT_REACHABLE`; each pure-Go tag is a real build constraint of its
/// package; `internal_link` is exactly cmd/link's `internalpkg`.
fn std_table() -> Result<String, String> {
    let go = which("go").ok_or("go vanished from PATH")?;
    let out = Command::new(go)
        .args(["env", "GOROOT"])
        .output()
        .map_err(|e| format!("go env GOROOT: {e}"))?;
    let goroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let src = goroot.join("src");
    let mut with_c: BTreeSet<String> = BTreeSet::new();
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let e = e.map_err(|e| e.to_string())?;
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().map_err(|e| e.to_string())?.is_dir() {
                if !(matches!(name.as_str(), "testdata" | "vendor") || p == src.join("cmd")) {
                    stack.push(p);
                }
                continue;
            }
            if !name.ends_with(".go") || name.ends_with("_test.go") {
                continue;
            }
            let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            let ignored = text.lines().any(|l| l.trim() == "//go:build ignore");
            if !ignored && text.lines().any(|l| l.trim() == "import \"C\"") {
                let rel = d.strip_prefix(&src).unwrap_or(&d);
                with_c.insert(rel.to_string_lossy().into_owned());
            }
        }
    }
    let mut problems = Vec::new();
    for pkg in &with_c {
        if stdcgo::row(pkg).is_none() && !stdcgo::NOT_REACHABLE.iter().any(|(p, _)| p == pkg) {
            problems.push(format!(
                "{pkg} has import \"C\" in GOROOT but no row in STD_CGO"
            ));
        }
    }
    for (pkg, _) in stdcgo::NOT_REACHABLE {
        if !with_c.contains(*pkg) {
            problems.push(format!(
                "NOT_REACHABLE lists {pkg}, which has no cgo in GOROOT"
            ));
        }
    }
    for r in stdcgo::STD_CGO {
        let Some(tag) = r.pure_go_tag else { continue };
        let dir = src.join(r.path);
        let constrained = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .any(|t| {
                t.lines()
                    .any(|l| l.starts_with("//go:build") && l.contains(&format!("!{tag}")))
            });
        if !constrained {
            problems.push(format!(
                "{}: no file of it says //go:build ... !{tag}",
                r.path
            ));
        }
    }
    let lib = src.join("cmd/link/internal/ld/lib.go");
    let text = std::fs::read_to_string(&lib).map_err(|e| format!("{}: {e}", lib.display()))?;
    let start = text
        .find("var internalpkg = []string{")
        .ok_or("cmd/link lib.go has no internalpkg")?;
    let body = &text[start..start + text[start..].find('}').ok_or("internalpkg unterminated")?];
    let internalpkg: BTreeSet<&str> = body.split('"').skip(1).step_by(2).collect();
    let table: BTreeSet<&str> = stdcgo::STD_CGO
        .iter()
        .filter(|r| r.internal_link)
        .map(|r| r.path)
        .collect();
    if internalpkg != table {
        problems.push(format!(
            "internal_link differs from cmd/link's internalpkg: only cmd/link {:?}, only the table {:?}",
            internalpkg.difference(&table).collect::<Vec<_>>(),
            table.difference(&internalpkg).collect::<Vec<_>>()
        ));
    }
    if problems.is_empty() {
        Ok(format!(
            "{} packages with import \"C\" under {}, internalpkg has {}",
            with_c.len(),
            goroot.display(),
            internalpkg.len()
        ))
    } else {
        Err(problems.join("\n"))
    }
}
