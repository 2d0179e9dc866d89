//! Real-world ground truth for cgo: pinned modules nobody here wrote
//! (go-sqlite3, pg_query_go as sqlc v1.31.1 pins it, confluent-kafka-go,
//! lib/pq, gopacket/pcap, miekg/pkcs11 as containerd uses it) and `#cgo pkg-config:` libraries (sqlite3, zlib),
//! each built with the real `go` under the configurations users try, the
//! ELF read (result, interpreter, DT_NEEDED exactly) and compared with
//! `linklens check --json` under the same environment and flags.
//!
//! Run: `cargo test -p linklens --features real-toolchain --test realworld_cgo`.
//! Needs go, gcc, musl-gcc, pkg-config, libsqlite3-dev, libpcap-dev, zlib1g-dev
//! (scripts/test-deps.sh) and the Go module proxy: the modules are fetched
//! once into `target/tmp/realworld-modcache` (GOMODCACHE) and kept there.
//! Filter with `RW_FILTER=<substring of "main [case]">`.
//!
//! gopacket/pcap *without* libpcap-dev runs both commands in a private mount
//! namespace (`unshare -m`, root or an unprivileged user namespace) whose
//! /usr/include and /usr/lib/<triple> are overlays with that package's files
//! removed, so the host is never changed.

#[allow(dead_code)]
mod common;

use common::fs::{copy_tree, which};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;

const EXT_STATIC: &str = r#"-linkmode external -extldflags "-static""#;
/// Replaced by an empty directory: pkg-config then finds no `.pc` file.
const EMPTY_DIR: &str = "@EMPTY@";

struct Case {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    flags: &'static [&'static str],
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "default", env: &[], flags: &[] },
    Case { name: "cgo0", env: &[("CGO_ENABLED", "0")], flags: &[] },
    Case { name: "netgo-osusergo", env: &[], flags: &["-tags", "netgo,osusergo"] },
    Case { name: "glibc-static", env: &[], flags: &["-ldflags", EXT_STATIC] },
    Case { name: "musl-static", env: &[("CC", "musl-gcc")], flags: &["-ldflags", EXT_STATIC] },
    Case { name: "pc-missing", env: &[("PKG_CONFIG_LIBDIR", EMPTY_DIR), ("PKG_CONFIG_PATH", EMPTY_DIR)], flags: &[] },
    // Both commands run where libpcap-dev's files are gone (see `without_pcap_dev`).
    Case { name: "no-libpcap-dev", env: &[], flags: &[] },
];

/// (main under cmd/, cases). `pc-missing` only where pkg-config is asked.
#[rustfmt::skip]
const MAINS: &[(&str, &[&str])] = &[
    ("pq", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static"]),
    ("pcsqlite", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static", "pc-missing"]),
    ("pczlib", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static", "pc-missing"]),
    ("pcap", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static", "no-libpcap-dev"]),
    ("sqlite", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static"]),
    ("pgquery", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static"]),
    ("kafka", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static"]),
    // containerd's PKCS#11 dependency: `#include <windows.h>` under `#ifdef _WIN32`.
    ("pkcs11", &["default", "cgo0", "netgo-osusergo", "glibc-static", "musl-static"]),
];

#[derive(Debug, Clone, PartialEq)]
struct Link {
    result: String,
    interpreter: Option<String>,
    needed: BTreeSet<String>,
    error: Option<String>,
    caveats: Vec<String>,
}

struct Ctx {
    src: PathBuf,
    modcache: PathBuf,
    empty: PathBuf,
    out: PathBuf,
    linklens: PathBuf,
}

fn main() -> ExitCode {
    let start = Instant::now();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ has a parent")
        .to_path_buf();
    if let Err(msg) = preflight() {
        eprintln!("realworld_cgo: cannot run: {msg}");
        println!("0 passed, 1 failed");
        return ExitCode::FAILURE;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    // A stable path outside the git checkout (no VCS stamping; GOCACHE
    // entries survive reruns).
    let src = tmp.join("realworld-src");
    let _ = std::fs::remove_dir_all(&src);
    copy_tree(&root.join("tests/fixtures/realworld"), &src).expect("copy fixture");
    let ctx = Ctx {
        src,
        modcache: tmp.join("realworld-modcache"),
        empty: tmp.join("realworld-empty"),
        out: tmp.join("realworld-out"),
        linklens: PathBuf::from(env!("CARGO_BIN_EXE_linklens")),
    };
    for d in [&ctx.empty, &ctx.out] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    // The modules, once per run (a no-op when the cache has them).
    let t0 = Instant::now();
    let dl = go(&ctx, &[])
        .args(["mod", "download"])
        .output()
        .expect("run go mod download");
    if !dl.status.success() {
        eprintln!(
            "realworld_cgo: go mod download failed (the Go module proxy must be reachable):\n{}",
            String::from_utf8_lossy(&dl.stderr)
        );
        println!("0 passed, 1 failed");
        return ExitCode::FAILURE;
    }
    println!("modules ready ({:.0}s)", t0.elapsed().as_secs_f64());

    let filter = std::env::var("RW_FILTER").unwrap_or_default();
    let mut jobs: Vec<(&str, &Case)> = Vec::new();
    // Case-major: the first build of each configuration compiles its std
    // variant and the big C packages once.
    for c in CASES {
        for (m, cases) in MAINS {
            if cases.contains(&c.name) && format!("{m} [{}]", c.name).contains(&filter) {
                jobs.push((m, c));
            }
        }
    }
    let passed = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let print = Mutex::new(());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some((m, c)) = jobs.get(i) else { break };
                    let t = Instant::now();
                    let verdict = check(&ctx, m, c);
                    let secs = t.elapsed().as_secs_f64();
                    let _g = print.lock().unwrap();
                    match verdict {
                        Ok(note) => {
                            passed.fetch_add(1, Ordering::SeqCst);
                            println!("ok   {m} [{}] {note} ({secs:.1}s)", c.name);
                        }
                        Err(diff) => {
                            failed.fetch_add(1, Ordering::SeqCst);
                            println!("FAIL {m} [{}] ({secs:.1}s)\n{diff}", c.name);
                        }
                    }
                }
            });
        }
    });
    let (p, f) = (passed.into_inner(), failed.into_inner());
    println!("total time {:.0}s", start.elapsed().as_secs_f64());
    println!("{p} passed, {f} failed");
    if f > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn preflight() -> Result<(), String> {
    let mut missing = Vec::new();
    for (tool, fix) in [
        ("go", "install Go and put it on PATH"),
        ("gcc", "apt-get install gcc"),
        ("musl-gcc", "apt-get install musl-tools"),
        ("pkg-config", "apt-get install pkg-config"),
    ] {
        if which(tool).is_none() {
            missing.push(format!("`{tool}` not found on PATH: {fix}"));
        }
    }
    for (header, pkg) in [
        ("/usr/include/sqlite3.h", "libsqlite3-dev"),
        ("/usr/include/pcap.h", "libpcap-dev"),
        ("/usr/include/zlib.h", "zlib1g-dev"),
    ] {
        if !Path::new(header).exists() {
            missing.push(format!("{header} missing: apt-get install {pkg}"));
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing.join("; "))
    }
}

/// A command with the case's environment, the rest of the host's cleared of
/// what would change every case.
fn command(ctx: &Ctx, program: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(program);
    for k in [
        "GOFLAGS",
        "CGO_ENABLED",
        "CC",
        "CXX",
        "GOARCH",
        "GOOS",
        "CGO_CFLAGS",
        "CGO_LDFLAGS",
        "PKG_CONFIG",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_LIBDIR",
        "PKG_CONFIG_SYSROOT_DIR",
    ] {
        cmd.env_remove(k);
    }
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOMODCACHE", &ctx.modcache)
        .env("GOFLAGS", "-modcacherw")
        .current_dir(&ctx.src);
    for (k, v) in env {
        if *v == EMPTY_DIR {
            cmd.env(k, &ctx.empty);
        } else {
            cmd.env(k, v);
        }
    }
    cmd
}

fn go(ctx: &Ctx, env: &[(&str, &str)]) -> Command {
    command(ctx, &which("go").expect("go on PATH"), env)
}

fn check(ctx: &Ctx, m: &str, c: &Case) -> Result<String, String> {
    let exe = ctx.out.join(format!("{m}.{}", c.name));
    let _ = std::fs::remove_file(&exe);
    let mut pkg = format!("./cmd/{m}");
    if c.name == "pc-missing" {
        // go caches a cgo package's build without keying it on pkg-config's
        // search path (measured: a warm cache builds with the .pc hidden), so
        // this case builds a copy with a fresh constant, which go must compile.
        let copy = ctx.src.join(format!("cmd/{m}_pcmissing"));
        copy_tree(&ctx.src.join(format!("cmd/{m}")), &copy).map_err(|e| e.to_string())?;
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        std::fs::write(
            copy.join("nonce.go"),
            format!("package main\n\nconst nonce = \"{nonce}\"\n"),
        )
        .map_err(|e| e.to_string())?;
        pkg = format!("./cmd/{m}_pcmissing");
    }
    let mut build = go(ctx, c.env);
    build
        .arg("build")
        .arg("-o")
        .arg(&exe)
        .args(c.flags)
        .arg(&pkg);
    let hidden = c.name == "no-libpcap-dev";
    let gocache = ctx.out.join("gocache-no-libpcap-dev");
    if hidden {
        // go does not key a cgo package's cache entry on system headers: a
        // cache that built gopacket/pcap with the headers would reuse it.
        let _ = std::fs::remove_dir_all(&gocache);
        build.env("GOCACHE", &gocache);
        build = without_pcap_dev(build)?;
    }
    let out = build.output().map_err(|e| format!("cannot run go: {e}"))?;
    let truth = if out.status.success() {
        read_elf(&std::fs::read(&exe).map_err(|e| e.to_string())?)?
    } else {
        Link {
            result: "fails".into(),
            interpreter: None,
            needed: BTreeSet::new(),
            error: Some(String::from_utf8_lossy(&out.stderr).trim().to_string()),
            caveats: vec![],
        }
    };
    let mut predict = command(ctx, &ctx.linklens, c.env);
    predict.arg("check").arg("--json").args(c.flags).arg(&pkg);
    if hidden {
        predict = without_pcap_dev(predict)?;
    }
    let out = predict
        .output()
        .map_err(|e| format!("cannot run linklens: {e}"))?;
    let pred = parse(&String::from_utf8_lossy(&out.stdout)).map_err(|e| {
        format!(
            "linklens gave no prediction ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    compare(&truth, &pred)
}

/// `cmd` as it runs on a machine without libpcap-dev: inside `unshare -m`,
/// with overlays on the directories that hold the package's files (as
/// `dpkg -L libpcap0.8-dev` lists them) and those files removed in the
/// overlay only.
fn without_pcap_dev(cmd: Command) -> Result<Command, String> {
    let list = Command::new("dpkg")
        .args(["-L", "libpcap0.8-dev"])
        .output()
        .map_err(|e| format!("dpkg: {e}"))?;
    let files: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter(|f| {
            (f.starts_with("/usr/include/") || f.starts_with("/usr/lib/")) && !Path::new(f).is_dir()
        })
        .map(str::to_string)
        .collect();
    if !files.iter().any(|f| f == "/usr/include/pcap.h") {
        return Err("libpcap0.8-dev is not installed (apt-get install libpcap-dev)".into());
    }
    let dirs: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let rest = f
                .strip_prefix("/usr/include/")
                .map(|_| "/usr/include".to_string());
            rest.or_else(|| {
                // /usr/lib/<triple>/libpcap.so, /usr/lib/<triple>/pkgconfig/libpcap.pc
                let mut parts = f.splitn(5, '/');
                let (_, usr, lib, triple) =
                    (parts.next(), parts.next()?, parts.next()?, parts.next()?);
                Some(format!("/{usr}/{lib}/{triple}"))
            })
        })
        .collect();
    let mut script = String::from("set -e\nt=$(mktemp -d)\n");
    for (i, d) in dirs.iter().enumerate() {
        script.push_str(&format!(
            "mkdir -p $t/u{i} $t/w{i}\nmount -t overlay overlay -o lowerdir={d},upperdir=$t/u{i},workdir=$t/w{i} {d}\n"
        ));
    }
    script.push_str("rm -rf /usr/include/pcap");
    for f in &files {
        script.push(' ');
        script.push_str(f);
    }
    script.push_str("\nexec \"$@\"\n");
    let root = is_root();
    let mut wrapped = Command::new("unshare");
    wrapped.args(if root { vec!["-m"] } else { vec!["-r", "-m"] });
    wrapped.args(["sh", "-c", &script, "sh"]);
    wrapped.arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        wrapped.current_dir(d);
    }
    Ok(wrapped)
}

/// Whether this process runs as root (`id -u`), without libc bindings.
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn read_elf(bytes: &[u8]) -> Result<Link, String> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| format!("bad ELF: {e}"))?;
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
        caveats: vec![],
    })
}

fn parse(stdout: &str) -> Result<Link, String> {
    let v: Value = serde_json::from_str(stdout).map_err(|e| format!("not JSON: {e}"))?;
    let p = v["packages"]
        .as_array()
        .and_then(|a| a.first())
        .ok_or("no package")?;
    let l = &p["link"];
    let strs = |v: &Value, k: &str| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x[k].as_str().or(x.as_str()).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(Link {
        result: l["result"].as_str().ok_or("no link.result")?.to_string(),
        interpreter: l["interpreter"].as_str().map(str::to_string),
        needed: strs(&l["needed"], "").into_iter().collect(),
        error: l["error"].as_str().map(str::to_string),
        caveats: strs(&p["caveats"], "code"),
    })
}

/// The words of go's (or the compiler's, or ld's) error a predicted
/// failure must repeat.
fn key_lines(err: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in err.lines().map(str::trim) {
        if let Some(i) = line.find("undefined reference to `")
            && let Some(end) = line[i + 24..].find('\'')
        {
            out.push(line[i..i + 24 + end + 1].to_string());
        }
        if let Some(i) = line.find("fatal error: ")
            && let Some(end) = line[i..].find(": No such file")
        {
            out.push(line[i..i + end].to_string());
        }
        if line.starts_with("Package ")
            && line.contains("was not found in the pkg-config search path")
        {
            out.push(line.to_string());
        }
    }
    out.dedup();
    out.truncate(3);
    out
}

fn compare(truth: &Link, pred: &Link) -> Result<String, String> {
    let describe = |l: &Link| match l.result.as_str() {
        "fails" => format!(
            "fails: {}",
            l.error
                .as_deref()
                .unwrap_or("")
                .lines()
                .find(|x| !x.starts_with('#'))
                .unwrap_or("")
        ),
        r => format!(
            "{r} interp={} needed={:?}",
            l.interpreter.as_deref().unwrap_or("-"),
            l.needed
        ),
    };
    // The compiler fails on code linklens does not type-check: it must say
    // that the package loses its cgo files (cgo-files-dropped).
    if truth.result == "fails"
        && truth
            .error
            .as_deref()
            .is_some_and(|e| e.contains(": undefined: "))
        && pred.caveats.iter().any(|c| c == "cgo-files-dropped")
    {
        return Ok(format!(
            "fails in the compiler; linklens warns cgo-files-dropped ({})",
            describe(pred)
        ));
    }
    let mut diffs = Vec::new();
    if truth.result != pred.result {
        diffs.push(format!(
            "result: go build={} linklens={}",
            truth.result, pred.result
        ));
    } else if truth.result == "fails" {
        let perr = pred.error.as_deref().unwrap_or("");
        for k in key_lines(truth.error.as_deref().unwrap_or("")) {
            if !perr.contains(&k) {
                diffs.push(format!("linklens error lacks \"{k}\""));
            }
        }
    } else {
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
    }
    if diffs.is_empty() {
        Ok(describe(truth))
    } else {
        diffs.push(format!("  go build: {}", describe(truth)));
        diffs.push(format!("  linklens: {}", describe(pred)));
        Err(diffs
            .iter()
            .map(|d| format!("       {d}"))
            .collect::<Vec<_>>()
            .join("\n"))
    }
}
