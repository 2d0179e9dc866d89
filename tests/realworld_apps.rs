//! Real applications and real cross/alternative C toolchains, built with the
//! real `go` and compared with `linklens check` (result, interpreter,
//! DT_NEEDED as a set), plus `--cross-check` (linklens's package graph against
//! `go list -deps`) per application. Issue 14's table.
//!
//! Pinned modules come through the Go module proxy into
//! `target/realworld/modcache` (kept between runs); zig comes from PyPI's
//! `ziglang` package, made reachable as `zig` on a PATH dir of this run.
//! Nothing is skipped: a missing tool is a failure that says what to install.
//!
//! `REALWORLD_ONLY=cross|gowork|<app name>` runs one group (comma-separated).
//! Prints `N passed, M failed`; exits 1 when M > 0.

#[allow(dead_code)]
mod common;

use common::fs::which;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const STATIC: &str = "-linkmode external -extldflags -static";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Link {
    result: String,
    interpreter: Option<String>,
    needed: BTreeSet<String>,
    error: Option<String>,
}

impl std::fmt::Display for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} interp={} needed={:?}",
            self.result,
            self.interpreter.as_deref().unwrap_or("-"),
            self.needed
        )?;
        if let Some(e) = &self.error {
            write!(f, " ({})", e.lines().last().unwrap_or_default())?;
        }
        Ok(())
    }
}

/// One build: where, which package, environment and `go build` flags.
struct Case {
    name: String,
    dir: PathBuf,
    pkg: String,
    env: Vec<(String, String)>,
    ldflags: Option<String>,
    tags: Option<String>,
}

struct Ctx {
    root: PathBuf,
    work: tempfile::TempDir,
    path: String,
    linklens: PathBuf,
    gomodcache: PathBuf,
    passed: usize,
    failed: Vec<String>,
}

fn main() {
    let start = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    let only: Option<Vec<String>> = std::env::var("REALWORLD_ONLY")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let want = |g: &str| only.as_ref().is_none_or(|o| o.iter().any(|x| x == g));
    let work = tempfile::tempdir().unwrap();
    let bin = work.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    // zig from the ziglang package, as `zig` on an absolute PATH dir.
    let zig = ziglang_binary();
    std::os::unix::fs::symlink(&zig, bin.join("zig")).unwrap();
    for tool in ["go", "gcc", "musl-gcc", "aarch64-linux-gnu-gcc"] {
        assert!(
            which(tool).is_some(),
            "{tool} is not on PATH: run scripts/test-deps.sh (musl-tools, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)"
        );
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let linklens = PathBuf::from(env!("CARGO_BIN_EXE_linklens"));
    let gomodcache = root.join("target/realworld/modcache");
    std::fs::create_dir_all(&gomodcache).unwrap();
    let mut cx = Ctx {
        root,
        work,
        path,
        linklens,
        gomodcache,
        passed: 0,
        failed: Vec::new(),
    };
    if want("cross") {
        cross_matrix(&mut cx);
    }
    if want("gowork") {
        gowork_missing_use(&mut cx);
    }
    for app in APPS {
        if want(app.name) {
            application(&mut cx, app);
        }
    }
    for f in &cx.failed {
        println!("FAIL {f}");
    }
    println!(
        "{} passed, {} failed ({:.0}s)",
        cx.passed,
        cx.failed.len(),
        start.elapsed().as_secs_f64()
    );
    if !cx.failed.is_empty() {
        std::process::exit(1);
    }
}

fn ziglang_binary() -> PathBuf {
    let out = Command::new("python3")
        .args([
            "-c",
            "import ziglang, os; print(os.path.dirname(ziglang.__file__))",
        ])
        .output()
        .expect("python3 is needed to find zig (PyPI ziglang)");
    assert!(
        out.status.success(),
        "zig not found: `pip install ziglang==0.17.1` (scripts/test-deps.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let zig = dir.join("zig");
    assert!(zig.is_file(), "{} is missing", zig.display());
    zig
}

impl Ctx {
    fn go(&self, dir: &Path) -> Command {
        let mut c = Command::new("go");
        c.current_dir(dir)
            .env("PATH", &self.path)
            .env("GOMODCACHE", &self.gomodcache)
            .env("GOFLAGS", "-modcacherw")
            .env("GOTOOLCHAIN", "local")
            .env_remove("CC")
            .env_remove("CGO_ENABLED")
            .env_remove("GOARCH");
        c
    }

    fn record(&mut self, name: &str, ok: Result<(), String>) {
        match ok {
            Ok(()) => {
                println!("ok   {name}");
                self.passed += 1;
            }
            Err(e) => {
                println!("FAIL {name}: {e}");
                self.failed.push(name.to_string());
            }
        }
    }

    /// `go build` for real, then `linklens check` with the same settings.
    fn compare(&mut self, c: &Case) {
        let t = Instant::now();
        let res = self.truth(c).and_then(|truth| {
            let pred = self.predict(c)?;
            let same = truth.result == pred.result
                && (truth.result == "fails"
                    || (truth.interpreter == pred.interpreter && truth.needed == pred.needed));
            if same {
                Ok(())
            } else {
                Err(format!("\n    go build: {truth}\n    linklens: {pred}"))
            }
        });
        let name = format!("{} ({:.0}s)", c.name, t.elapsed().as_secs_f64());
        self.record(&name, res);
    }

    fn build_args(c: &Case) -> Vec<String> {
        let mut a = Vec::new();
        if let Some(l) = &c.ldflags {
            a.push(format!("-ldflags={l}"));
        }
        if let Some(t) = &c.tags {
            a.push(format!("-tags={t}"));
        }
        a
    }

    fn truth(&self, c: &Case) -> Result<Link, String> {
        let exe = self.work.path().join("out.bin");
        let _ = std::fs::remove_file(&exe);
        let out = self
            .go(&c.dir)
            .envs(c.env.iter().map(|(k, v)| (k, v)))
            .arg("build")
            .arg("-o")
            .arg(&exe)
            .args(Self::build_args(c))
            .arg(&c.pkg)
            .output()
            .map_err(|e| format!("go: {e}"))?;
        if !out.status.success() {
            return Ok(Link {
                result: "fails".into(),
                interpreter: None,
                needed: BTreeSet::new(),
                error: Some(String::from_utf8_lossy(&out.stderr).trim().to_string()),
            });
        }
        let bytes = std::fs::read(&exe).map_err(|e| e.to_string())?;
        let elf = goblin::elf::Elf::parse(&bytes).map_err(|e| e.to_string())?;
        let interpreter = elf.interpreter.map(str::to_string);
        let needed: BTreeSet<String> = elf.libraries.iter().map(|s| s.to_string()).collect();
        let result = if interpreter.is_none() && needed.is_empty() {
            "static"
        } else {
            "dynamic"
        };
        Ok(Link {
            result: result.into(),
            interpreter,
            needed,
            error: None,
        })
    }

    fn linklens(&self, dir: &Path) -> Command {
        let mut c = Command::new(&self.linklens);
        c.current_dir(dir)
            .env("PATH", &self.path)
            .env("GOMODCACHE", &self.gomodcache)
            .env("GOTOOLCHAIN", "local")
            .env("LINKLENS_INDEX", "off")
            .env_remove("CC")
            .env_remove("CGO_ENABLED")
            .env_remove("GOARCH")
            .env_remove("GOFLAGS");
        c
    }

    fn predict(&self, c: &Case) -> Result<Link, String> {
        let out = self
            .linklens(&c.dir)
            .envs(c.env.iter().map(|(k, v)| (k, v)))
            .args(["check", "--json"])
            .args(Self::build_args(c))
            .arg(&c.pkg)
            .output()
            .map_err(|e| format!("linklens: {e}"))?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
            format!(
                "linklens check --json: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
        let l = &v["packages"][0]["link"];
        Ok(Link {
            result: l["result"].as_str().unwrap_or("?").to_string(),
            interpreter: l["interpreter"].as_str().map(str::to_string),
            needed: l["needed"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            error: l["error"].as_str().map(str::to_string),
        })
    }
}

const LM_MAIN: &str = r#"package main

/*
#cgo LDFLAGS: -lm
#include <math.h>
*/
import "C"
import "fmt"

func main() { fmt.Println(C.sqrt(2)) }
"#;

const LM_NET_MAIN: &str = r#"package main

/*
#cgo LDFLAGS: -lm
#include <math.h>
*/
import "C"
import (
	"fmt"
	"net"
)

func main() { fmt.Println(C.sqrt(2)); fmt.Println(net.LookupHost("localhost")) }
"#;

fn write_module(dir: &Path, main: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("go.mod"), "module example.com/lm\n\ngo 1.22\n").unwrap();
    std::fs::write(dir.join("main.go"), main).unwrap();
}

/// cgo + `-lm` under cross gcc and zig, default and external static
/// (issue 14's rows; what go1.26.8 did is what each case must match).
fn cross_matrix(cx: &mut Ctx) {
    let lm = cx.work.path().join("lm");
    write_module(&lm, LM_MAIN);
    let lmnet = cx.work.path().join("lmnet");
    write_module(&lmnet, LM_NET_MAIN);
    let compilers: &[(&str, &str, &str)] = &[
        ("aarch64-linux-gnu-gcc", "arm64", "aarch64-linux-gnu-gcc"),
        ("zig musl", "amd64", "zig cc -target x86_64-linux-musl"),
        (
            "zig gnu.2.28",
            "amd64",
            "zig cc -target x86_64-linux-gnu.2.28",
        ),
        (
            "zig aarch64 musl",
            "arm64",
            "zig cc -target aarch64-linux-musl",
        ),
    ];
    for (label, goarch, cc) in compilers {
        for ldflags in [None, Some(STATIC)] {
            let env = vec![
                ("CGO_ENABLED".to_string(), "1".to_string()),
                ("GOARCH".to_string(), goarch.to_string()),
                ("CC".to_string(), cc.to_string()),
            ];
            cx.compare(&Case {
                name: format!(
                    "cgo -lm, {label}, {}",
                    if ldflags.is_some() {
                        "external static"
                    } else {
                        "default"
                    }
                ),
                dir: lm.clone(),
                pkg: ".".into(),
                env,
                ldflags: ldflags.map(str::to_string),
                tags: None,
            });
        }
    }
    // net's -lresolv: libresolv.so.2 before glibc 2.34, merged after.
    for (label, cc) in [
        ("zig gnu.2.28", "zig cc -target x86_64-linux-gnu.2.28"),
        ("zig gnu.2.34", "zig cc -target x86_64-linux-gnu.2.34"),
    ] {
        cx.compare(&Case {
            name: format!("cgo -lm + net, {label}, default"),
            dir: lmnet.clone(),
            pkg: ".".into(),
            env: vec![("CC".into(), cc.into())],
            ldflags: None,
            tags: None,
        });
    }
    // Only net uses cgo: the internal linker, which gets no dynamic imports
    // from zig's static musl (fails); external linking is static.
    let netonly = cx.work.path().join("netonly");
    write_module(
        &netonly,
        "package main\n\nimport (\n\t\"fmt\"\n\t\"net\"\n)\n\nfunc main() { fmt.Println(net.LookupHost(\"localhost\")) }\n",
    );
    for (label, ldflags) in [
        ("internal (fails)", None),
        ("-linkmode external", Some("-linkmode external")),
    ] {
        cx.compare(&Case {
            name: format!("net only, zig musl, {label}"),
            dir: netonly.clone(),
            pkg: ".".into(),
            env: vec![("CC".into(), "zig cc -target x86_64-linux-musl".into())],
            ldflags: ldflags.map(str::to_string),
            tags: None,
        });
    }
    // musl-gcc wraps the host's x86-64 gcc: an arm64 build fails.
    cx.compare(&Case {
        name: "cgo -lm, GOARCH=arm64 CC=musl-gcc (fails)".into(),
        dir: lm.clone(),
        pkg: ".".into(),
        env: vec![
            ("CGO_ENABLED".into(), "1".into()),
            ("GOARCH".into(), "arm64".into()),
            ("CC".into(), "musl-gcc".into()),
        ],
        ldflags: Some(STATIC.into()),
        tags: None,
    });
    // The fix offered for arm64 is an aarch64 musl compiler, predicted static.
    let out = cx
        .linklens(&lm)
        .env("CGO_ENABLED", "1")
        .env("GOARCH", "arm64")
        .env("CC", "aarch64-linux-gnu-gcc")
        .args(["check", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let ok = if text.contains("CC=\"zig cc -target aarch64-linux-musl\"")
        && !text.contains("CC=musl-gcc")
    {
        Ok(())
    } else {
        Err(format!(
            "fix for arm64 is not an aarch64 musl compiler:\n{text}"
        ))
    };
    cx.record("arm64 musl fix names zig cc -target aarch64-linux-musl", ok);
}

/// A go.work whose `use` directory has no go.mod: go's own error.
fn gowork_missing_use(cx: &mut Ctx) {
    let w = cx.work.path().join("gw");
    std::fs::create_dir_all(w.join("app")).unwrap();
    std::fs::write(w.join("go.work"), "go 1.22\n\nuse ./app\nuse ./missing\n").unwrap();
    std::fs::write(w.join("app/go.mod"), "module example.com/app\n\ngo 1.22\n").unwrap();
    std::fs::write(w.join("app/main.go"), "package main\n\nfunc main() {}\n").unwrap();
    let c = Case {
        name: "go.work use dir without go.mod".into(),
        dir: w.join("app"),
        pkg: ".".into(),
        env: vec![],
        ldflags: None,
        tags: None,
    };
    let res = cx.truth(&c).and_then(|truth| {
        let pred = cx.predict(&c)?;
        let want = truth.error.clone().unwrap_or_default();
        if truth.result == "fails" && pred.result == "fails" && pred.error.as_deref() == Some(&want)
        {
            Ok(())
        } else {
            Err(format!("go build: {truth}\n    linklens: {pred}"))
        }
    });
    cx.record(&c.name, res);
    // A real module zip: prometheus's go.work names nested modules that
    // its zip leaves out (go prints one line for each).
    let app = App {
        name: "prometheus",
        module: "github.com/prometheus/prometheus",
        version: "v0.316.0",
        pkg: "./cmd/prometheus",
    };
    let res = fetch_app(cx, &app, false).and_then(|dir| {
        let c = Case {
            name: String::new(),
            dir,
            pkg: app.pkg.into(),
            env: vec![],
            ldflags: None,
            tags: None,
        };
        let truth = cx.truth(&c)?;
        let pred = cx.predict(&c)?;
        if truth.result == "fails" && pred.result == "fails" && truth.error == pred.error {
            Ok(())
        } else {
            Err(format!("go build: {truth:?}\n    linklens: {pred:?}"))
        }
    });
    cx.record(
        "prometheus v0.316.0 module zip, go.work use dirs missing",
        res,
    );
}

struct App {
    name: &'static str,
    module: &'static str,
    version: &'static str,
    pkg: &'static str,
}

const APPS: &[App] = &[
    App {
        name: "caddy",
        module: "github.com/caddyserver/caddy/v2",
        version: "v2.11.9",
        pkg: "./cmd/caddy",
    },
    App {
        name: "containerd",
        module: "github.com/containerd/containerd/v2",
        version: "v2.4.2",
        pkg: "./cmd/containerd",
    },
    App {
        name: "sqlc",
        module: "github.com/sqlc-dev/sqlc",
        version: "v1.31.1",
        pkg: "./cmd/sqlc",
    },
];

/// The module's source, as its zip gives it (go.work and all), copied out
/// of the read-only module cache once.
fn fetch_app(cx: &Ctx, app: &App, deps: bool) -> Result<PathBuf, String> {
    let src = cx.root.join("target/realworld/src").join(app.name);
    if src.join("go.mod").is_file() {
        return Ok(src);
    }
    let out = cx
        .go(&cx.root)
        .args(["mod", "download", "-json"])
        .arg(format!("{}@{}", app.module, app.version))
        .output()
        .map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "go mod download: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let dir = v["Dir"]
        .as_str()
        .ok_or_else(|| format!("go mod download: {v}"))?;
    // A fresh target/ has no src/ yet; a copy cut short is made again (cp
    // -r into an existing directory would nest the tree).
    let _ = std::fs::remove_dir_all(&src);
    std::fs::create_dir_all(src.parent().expect("src has a parent")).map_err(|e| e.to_string())?;
    let status = Command::new("cp")
        .arg("-r")
        .arg(dir)
        .arg(&src)
        .status()
        .map_err(|e| e.to_string())?;
    let chmod = Command::new("chmod")
        .arg("-R")
        .arg("u+w")
        .arg(&src)
        .status()
        .map_err(|e| e.to_string())?;
    if !status.success() || !chmod.success() {
        return Err(format!("copying {dir} failed"));
    }
    if !deps {
        return Ok(src);
    }
    let dl = cx
        .go(&src)
        .args(["mod", "download"])
        .output()
        .map_err(|e| e.to_string())?;
    if !dl.status.success() {
        return Err(String::from_utf8_lossy(&dl.stderr).to_string());
    }
    Ok(src)
}

/// A configuration: label, environment, `-ldflags`, `-tags`.
type Config = (
    &'static str,
    Vec<(String, String)>,
    Option<&'static str>,
    Option<&'static str>,
);

/// Five configurations per application, and the package graph.
fn application(cx: &mut Ctx, app: &App) {
    let dir = match fetch_app(cx, app, true) {
        Ok(d) => d,
        Err(e) => {
            cx.record(&format!("{} fetch", app.name), Err(e));
            return;
        }
    };
    let t = Instant::now();
    let out = cx
        .linklens(&dir)
        .args(["check", "--cross-check", app.pkg])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let summary = text
        .lines()
        .find(|l| l.starts_with("cross-check against go list"))
        .unwrap_or("no cross-check summary")
        .to_string();
    let res = if out.status.success() && summary.ends_with(" 0 differences") {
        Ok(())
    } else {
        Err(format!(
            "{summary}\n{}",
            text.lines()
                .filter(|l| l.contains("linklens does not") || l.contains("go list does not"))
                .take(10)
                .collect::<Vec<_>>()
                .join("\n")
        ))
    };
    cx.record(
        &format!(
            "{} {} --cross-check ({:.0}s)",
            app.name,
            app.pkg,
            t.elapsed().as_secs_f64()
        ),
        res,
    );
    let configs: [Config; 5] = [
        ("default", vec![], None, None),
        (
            "CGO_ENABLED=0",
            vec![("CGO_ENABLED".into(), "0".into())],
            None,
            None,
        ),
        ("netgo,osusergo", vec![], None, Some("netgo,osusergo")),
        ("glibc external static", vec![], Some(STATIC), None),
        (
            "musl static",
            vec![("CC".into(), "musl-gcc".into())],
            Some(STATIC),
            None,
        ),
    ];
    for (label, env, ldflags, tags) in configs {
        cx.compare(&Case {
            name: format!("{} {}, {label}", app.name, app.version),
            dir: dir.clone(),
            pkg: app.pkg.into(),
            env,
            ldflags: ldflags.map(str::to_string),
            tags: tags.map(str::to_string),
        });
    } // `go build` above indexed every module it read (cmd/go's module
    // index, in GOCACHE): linklens's reader of it against the files.
    let res = go_index_matches_files(cx, app, &dir);
    cx.record(
        &format!("{} cmd/go module index read as the files say", app.name),
        res,
    );
    let res = go_index_check_is_the_same(cx, app, &dir);
    cx.record(
        &format!(
            "{} check with a cold index (from cmd/go's) = reading every file",
            app.name
        ),
        res,
    );
}

fn go_output(cx: &Ctx, dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = cx.go(dir).args(args).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "go {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The file kinds cmd/go's index keeps (`fileListForExt`, and `.go`).
const INDEXED_EXTS: &[&str] = &[
    ".go", ".c", ".cc", ".cpp", ".cxx", ".m", ".h", ".hh", ".hpp", ".hxx", ".f", ".F", ".for",
    ".f90", ".s", ".S", ".sx", ".swig", ".swigcxx", ".syso",
];

/// Every module-cache package of the build: cmd/go's index (as
/// `linklens::load::go_index` reads it) lists the directory's source files,
/// and each Go file's header taken from it has the package name, imports,
/// constraints and `embed` use that scanning the file gives. Files the
/// reader leaves to the disk (errors, `import "C"`) are counted, not
/// compared.
fn go_index_matches_files(cx: &Ctx, app: &App, dir: &Path) -> Result<(), String> {
    use linklens::load::go_index::GoIndex;
    let gocache = go_output(cx, dir, &["env", "GOCACHE"])?;
    let version = go_output(cx, dir, &["env", "GOVERSION"])?;
    let dirs = go_output(
        cx,
        dir,
        &[
            "list",
            "-deps",
            "-f",
            "{{if .Module}}{{.Dir}}{{end}}",
            app.pkg,
        ],
    )?;
    let gi = GoIndex::new(Path::new(&gocache), &cx.gomodcache, &version);
    let (mut taken, mut left, mut packages) = (0, 0, 0);
    let mut problems = Vec::new();
    for d in dirs.lines().map(Path::new) {
        if !d.starts_with(&cx.gomodcache) {
            continue;
        }
        packages += 1;
        let Some(listing) = gi.listing(d) else {
            problems.push(format!("{}: not in cmd/go's index", d.display()));
            continue;
        };
        let listed: Vec<String> = listing
            .iter()
            .map(|e| e.name.to_string_lossy().into_owned())
            .collect();
        let mut on_disk: Vec<String> = std::fs::read_dir(d)
            .map_err(|e| e.to_string())?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with(['_', '.']) && INDEXED_EXTS.iter().any(|x| n.ends_with(x)))
            .collect();
        on_disk.sort();
        if listed != on_disk {
            problems.push(format!(
                "{}: index lists {listed:?}, disk has {on_disk:?}",
                d.display()
            ));
        }
        for name in listed.iter().filter(|n| n.ends_with(".go")) {
            let path = d.join(name);
            let Some(h) = gi.header(&path) else {
                left += 1;
                continue;
            };
            taken += 1;
            let x = linklens::gosrc::scan_header(&std::fs::read(&path).map_err(|e| e.to_string())?);
            let paths = |h: &linklens::gosrc::FileHeader| {
                h.imports.iter().map(|i| i.path.clone()).collect::<Vec<_>>()
            };
            let plus = |h: &linklens::gosrc::FileHeader| {
                format!(
                    "{:?}",
                    h.plus_build.iter().map(|p| &p.0).collect::<Vec<_>>()
                )
            };
            let same = h.inexact
                && x.errors.is_empty()
                && x.import_c.is_none()
                && h.package.as_ref().map(|p| &p.0) == x.package.as_ref().map(|p| &p.0)
                && paths(&h) == paths(&x)
                && h.imports_embed == x.imports_embed
                && format!("{:?}", h.go_build.as_ref().map(|g| &g.0))
                    == format!("{:?}", x.go_build.as_ref().map(|g| &g.0))
                // cmd/go keeps `// +build` lines only without `//go:build`.
                && (x.go_build.is_some() || plus(&h) == plus(&x));
            if !same {
                problems.push(format!("{}: index {h:?}\nfile {x:?}", path.display()));
            }
        }
    }
    println!(
        "     {}: {packages} module-cache packages, {taken} Go files taken from cmd/go's index, {left} left to the disk",
        app.name
    );
    if taken < 100 {
        problems.push(format!("only {taken} files taken from the index"));
    }
    match problems.len() {
        0 => Ok(()),
        n => Err(format!(
            "{n} problems, the first: {}",
            problems[..n.min(5)].join("\n")
        )),
    }
}

/// `check --json` with linklens's own index cold (so module-cache files come
/// from cmd/go's index, spans read back from the files shown), then warm,
/// prints exactly what a check that reads every file prints.
fn go_index_check_is_the_same(cx: &Ctx, app: &App, dir: &Path) -> Result<(), String> {
    let gocache = go_output(cx, dir, &["env", "GOCACHE"])?;
    let cache = cx.work.path().join(format!("xdg-{}", app.name));
    let run = |indexed: bool, gocache: &str| -> Result<(String, String), String> {
        let mut c = cx.linklens(dir);
        if indexed {
            c.env_remove("LINKLENS_INDEX")
                .env("XDG_CACHE_HOME", &cache)
                .env("GOCACHE", gocache)
                .env("LINKLENS_LOG", "debug");
        }
        let out = c
            .args(["check", "--json", "./..."])
            .output()
            .map_err(|e| e.to_string())?;
        Ok((
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    };
    let (plain, _) = run(false, &gocache)?;
    let (cold, log) = run(true, &gocache)?;
    let from_go = log
        .split("go_index=")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(0);
    if from_go < 100 {
        return Err(format!(
            "the cold check took {from_go} entries from cmd/go's index"
        ));
    }
    let (warm, _) = run(true, &gocache)?;
    // Our index keeps the headers taken from cmd/go's; a run without
    // cmd/go's index at hand still shows the files' spans.
    let (without, _) = run(true, "off")?;
    for (what, out) in [
        ("cold", &cold),
        ("warm", &warm),
        ("warm, GOCACHE=off", &without),
    ] {
        if *out != plain {
            let at = out
                .bytes()
                .zip(plain.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(out.len().min(plain.len()));
            let near = |s: &str| {
                s.get(at.saturating_sub(200)..(at + 200).min(s.len()))
                    .unwrap_or("")
                    .to_string()
            };
            return Err(format!(
                "{what} output differs at byte {at}:\n{}\n---- reading every file:\n{}",
                near(out),
                near(&plain)
            ));
        }
    }
    println!(
        "     {}: {from_go} headers and listings from cmd/go's index",
        app.name
    );
    Ok(())
}
