//! Ground truth for the glibc floor (issue #15): each fixture in
//! tests/fixtures/glibc/ is built with the real `go` and C toolchain, the
//! binary's floor is read twice (`objdump -T` and `linklens inspect`), and
//! `linklens check --json` must have predicted the same
//! `packages[0].link.glibc_floor` (and, where the case names one, the
//! symbol that sets it) with the same environment, before the build.
//!
//! Run: `cargo test -p linklens --features real-toolchain --test glibc_floor`
//! (needs go, gcc, ar, objdump, make, aarch64-linux-gnu-gcc with
//! libc6-dev-arm64-cross, and zig from PyPI's `ziglang` for `python3 -m
//! ziglang`, whose binary the zig-glibc cases link onto PATH as `zig`;
//! scripts/test-deps.sh installs them). Filter with
//! `GLIBC_FILTER=<substring>`. Prints `N passed, M failed`.

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

struct Case {
    name: &'static str,
    fixture: &'static str,
    env: &'static [(&'static str, &'static str)],
    flags: &'static [&'static str],
    /// The floor the real build has on this machine (Debian 12, glibc
    /// 2.36), checked against the binary too, so a drift of the machine
    /// shows as such.
    floor: Option<&'static str>,
    /// The symbol the prediction must name as setting it.
    symbol: Option<&'static str>,
}

const ZIG_228: &str = "python3 -m ziglang cc -target x86_64-linux-gnu.2.28";
const ZIG_231: &str = "python3 -m ziglang cc -target x86_64-linux-gnu.2.31";

#[rustfmt::skip]
const CASES: &[Case] = &[
    Case { name: "net+os/user, gcc", fixture: "netuser", env: &[], flags: &[], floor: Some("GLIBC_2.34"), symbol: Some("pthread_attr_getstack") },
    Case { name: "net+os/user, external linker", fixture: "netuser", env: &[], flags: &["-ldflags=-linkmode=external"], floor: Some("GLIBC_2.34"), symbol: Some("pthread_attr_getstack") },
    Case { name: "net+os/user, pie", fixture: "netuser", env: &[], flags: &["-buildmode=pie"], floor: Some("GLIBC_2.34"), symbol: None },
    Case { name: "net+os/user, zig cc glibc 2.28", fixture: "netuser", env: &[("CC", ZIG_228)], flags: &[], floor: Some("GLIBC_2.3.2"), symbol: None },
    Case { name: "net+os/user, arm64 aarch64-linux-gnu-gcc", fixture: "netuser", env: &[("GOARCH", "arm64"), ("CGO_ENABLED", "1"), ("CC", "aarch64-linux-gnu-gcc")], flags: &[], floor: Some("GLIBC_2.34"), symbol: Some("pthread_attr_getstack") },
    Case { name: "net+os/user, netgo,osusergo", fixture: "netuser", env: &[], flags: &["-tags=netgo,osusergo"], floor: None, symbol: None },
    Case { name: "net+os/user, musl-gcc", fixture: "netuser", env: &[("CC", "musl-gcc")], flags: &[], floor: None, symbol: None },
    Case { name: "__thread preamble", fixture: "tls", env: &[], flags: &[], floor: Some("GLIBC_2.34"), symbol: None },
    Case { name: "__thread preamble, zig cc glibc 2.28", fixture: "tls", env: &[("CC", ZIG_228)], flags: &[], floor: Some("GLIBC_2.3.2"), symbol: None },
    Case { name: "own .c file (arc4random)", fixture: "ownc", env: &[], flags: &[], floor: Some("GLIBC_2.36"), symbol: Some("arc4random") },
    Case { name: "static archive (pidfd_open)", fixture: "archive", env: &[], flags: &[], floor: Some("GLIBC_2.36"), symbol: Some("pidfd_open") },
    Case { name: "libm exp/log/pow, gcc", fixture: "libm", env: &[], flags: &[], floor: Some("GLIBC_2.34"), symbol: None },
    Case { name: "libm exp/log/pow, zig cc glibc 2.31", fixture: "libm", env: &[("CC", ZIG_231)], flags: &[], floor: Some("GLIBC_2.29"), symbol: Some("exp") },
    Case { name: "crypto/x509 (via net)", fixture: "x509", env: &[], flags: &[], floor: Some("GLIBC_2.34"), symbol: None },
    Case { name: "plugin", fixture: "plugin", env: &[], flags: &[], floor: Some("GLIBC_2.34"), symbol: None },
    Case { name: "net.LookupCNAME (res_search), gcc", fixture: "cname", env: &[], flags: &[], floor: Some("GLIBC_2.34"), symbol: None },
    Case { name: "net.LookupCNAME (__res_search), zig cc glibc 2.28", fixture: "cname", env: &[("CC", ZIG_228)], flags: &[], floor: Some("GLIBC_2.3.2"), symbol: None },
    Case { name: "pure Go", fixture: "purego", env: &[], flags: &[], floor: None, symbol: None },
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn require(tool: &str, args: &[&str], install: &str) {
    let ok = Command::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "`{tool}` is required by this test and could not be run; {install}"
    );
}

/// The newest GLIBC_x.y among a binary's version needs, per `objdump -T`.
fn objdump_floor(bin: &Path) -> Option<String> {
    let out = Command::new("objdump").arg("-T").arg(bin).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut best: Option<(Vec<u32>, String)> = None;
    for word in text.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        let Some(rest) = word.strip_prefix("GLIBC_") else {
            continue;
        };
        let Ok(v) = rest
            .split('.')
            .map(str::parse::<u32>)
            .collect::<Result<Vec<_>, _>>()
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(b, _)| v > *b) {
            best = Some((v, word.to_string()));
        }
    }
    best.map(|(_, w)| w)
}

fn linklens(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_linklens"));
    cmd.current_dir(dir).args(args).env("LINKLENS_INDEX", "off");
    hermetic(&mut cmd, env);
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "linklens {args:?}: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn hermetic(cmd: &mut Command, env: &[(&str, &str)]) {
    cmd.env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-buildvcs=false")
        .env("GOPROXY", "off")
        .env("GOWORK", "off")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("CGO_ENABLED")
        .env_remove("CC");
    for (k, v) in env {
        cmd.env(k, v);
    }
}

fn run(case: &Case, work: &Path) -> Result<(), String> {
    let dir = work.join(case.name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"));
    common::fs::copy_tree(
        &repo().join("tests/fixtures/glibc").join(case.fixture),
        &dir,
    )
    .unwrap();
    if case.fixture == "archive" {
        // The archive is built here, by the real gcc and ar.
        let ok = Command::new("gcc")
            .args(["-c", "-O2", "-o", "pid.o", "-x", "c", "pid.c.txt"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new("ar")
                .args(["rcs", "libpid.a", "pid.o"])
                .current_dir(&dir)
                .status()
                .is_ok_and(|s| s.success());
        if !ok {
            return Err("could not build libpid.a with gcc and ar".into());
        }
    }
    // Predicted first: the prediction must not need the binary.
    let report = linklens(&dir, case.env, &[&["check", "--json"], case.flags].concat());
    let link = &report["packages"][0]["link"];
    let predicted = link["glibc_floor"].as_str().map(str::to_string);
    let mut build = Command::new("go");
    build
        .current_dir(&dir)
        .args(["build", "-o", "bin"])
        .args(case.flags)
        .arg(".");
    hermetic(&mut build, case.env);
    let out = build.output().map_err(|e| format!("go build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bin = dir.join("bin");
    let by_objdump = objdump_floor(&bin);
    let inspected = linklens(&dir, &[], &["inspect", "--json", "bin"]);
    let by_inspect = inspected[0]["glibc_floor"].as_str().map(str::to_string);
    if by_objdump != by_inspect {
        return Err(format!(
            "objdump -T says {by_objdump:?}, linklens inspect {by_inspect:?}"
        ));
    }
    if by_objdump.as_deref() != case.floor {
        return Err(format!(
            "the real binary's floor is {by_objdump:?}, the case expects {:?}: the machine changed, update the case",
            case.floor
        ));
    }
    if predicted != by_objdump {
        return Err(format!(
            "predicted {predicted:?}, binary {by_objdump:?}; prediction: {}",
            link["glibc_floor_source"]
        ));
    }
    // `check --against` compares the floor with the binary's (CC is not
    // recorded in build info: the case's CC comes from the environment).
    let against = linklens(&dir, case.env, &["check", "--against", "bin", "--json"]);
    let diffs = against["differences"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if diffs
        .iter()
        .any(|d| d.as_str().is_some_and(|d| d.contains("glibc floor")))
    {
        return Err(format!("check --against disagrees: {diffs:?}"));
    }
    if let Some(sym) = case.symbol {
        let got = link["glibc_floor_source"]["symbol"].as_str();
        if got != Some(sym) {
            return Err(format!(
                "predicted the floor set by {got:?}, expected {sym}"
            ));
        }
        // The binary references it at that version.
        let t = Command::new("objdump")
            .arg("-T")
            .arg(&bin)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&t.stdout);
        let v = predicted.as_deref().unwrap_or_default();
        if !text
            .lines()
            .any(|l| l.contains(v) && l.split_whitespace().last() == Some(sym))
        {
            return Err(format!("the binary has no {sym}@{v} reference"));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    require("go", &["version"], "install Go and put it on PATH");
    require("gcc", &["--version"], "apt-get install gcc");
    require("objdump", &["--version"], "apt-get install binutils");
    require("musl-gcc", &["--version"], "apt-get install musl-tools");
    require("make", &["--version"], "apt-get install make");
    require(
        "aarch64-linux-gnu-gcc",
        &["--version"],
        "apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross",
    );
    require(
        "python3",
        &["-m", "ziglang", "version"],
        "pip install ziglang (scripts/test-deps.sh)",
    );
    let filter = std::env::var("GLIBC_FILTER").unwrap_or_default();
    let work = tempfile::tempdir().unwrap();
    let (mut passed, mut failed) = (0, 0);
    for case in CASES.iter().filter(|c| c.name.contains(&filter)) {
        let t = std::time::Instant::now();
        match run(case, work.path()) {
            Ok(()) => {
                passed += 1;
                println!("ok   {} ({:.1}s)", case.name, t.elapsed().as_secs_f64());
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {}: {e}", case.name);
            }
        }
    }
    for (name, check) in [
        (
            "--min-glibc 2.28 finds glibc-too-new, with the lowered floor",
            min_glibc as fn(&Path) -> Result<(), String>,
        ),
        (
            "--min-glibc 2.28: the zig-glibc fix, built for real with its CC, has the floor it predicts",
            zig_fix,
        ),
        (
            "Dockerfile: debian:11-slim final image is too old for a bookworm build",
            dockerfile,
        ),
        (
            "editor: linklens.minGlibc gives glibc-too-new on the import, hover the distros, the zig quick fix",
            editor,
        ),
        (
            "editor: the zig quick fix edits the Makefile that builds the main; make builds it at that floor",
            editor_makefile,
        ),
    ] {
        if !name.contains(&filter) {
            continue;
        }
        match check(work.path()) {
            Ok(()) => {
                passed += 1;
                println!("ok   {name}");
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {name}: {e}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `--min-glibc 2.28` on net+os/user: a glibc-too-new caveat naming the
/// floor, and the floor predicted for a build against 2.28, which the zig
/// case above builds for real (GLIBC_2.3.2).
fn min_glibc(work: &Path) -> Result<(), String> {
    let dir = work.join("min-glibc");
    common::fs::copy_tree(&repo().join("tests/fixtures/glibc/netuser"), &dir).unwrap();
    let r = linklens(&dir, &[], &["check", "--json", "--min-glibc", "2.28"]);
    let p = &r["packages"][0];
    let caveat = p["caveats"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["code"] == "glibc-too-new"))
        .ok_or_else(|| format!("no glibc-too-new caveat: {}", p["caveats"]))?;
    let msg = caveat["message"].as_str().unwrap_or_default();
    if !msg.contains("GLIBC_2.34") || !msg.contains("not on Debian 11") {
        return Err(format!("caveat does not name the floor and distros: {msg}"));
    }
    let lower = p["link"]["glibc_floor_source"]["lower"]
        .as_str()
        .unwrap_or_default();
    if !lower.contains("predicted GLIBC_2.3.2") {
        return Err(format!("no lowered floor GLIBC_2.3.2 predicted: {lower:?}"));
    }
    let r = linklens(&dir, &[], &["check", "--json", "--min-glibc", "2.34"]);
    if r["packages"][0]["caveats"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["code"] == "glibc-too-new"))
    {
        return Err("glibc-too-new with a floor equal to the minimum".into());
    }
    Ok(())
}

/// A directory with `zig` in it: a link to the zig binary that PyPI's
/// `ziglang` ships inside its package (pip puts no `zig` on PATH).
fn zig_dir(work: &Path) -> Result<PathBuf, String> {
    let dir = work.join("zig-bin");
    let zig = dir.join("zig");
    if zig.exists() {
        return Ok(dir);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import ziglang, os; print(os.path.dirname(ziglang.__file__))",
        ])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    let pkg = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !pkg.join("zig").is_file() {
        return Err(format!("no zig binary in {}", pkg.display()));
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(pkg.join("zig"), &zig).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// PATH with `dir` first.
fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The `zig-glibc` fix of `check --json`'s first package.
fn zig_glibc_fix(report: &Value) -> Option<Value> {
    report["packages"][0]["fixes"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == "zig-glibc")
        .cloned()
}

/// `--min-glibc 2.28` on net+os/user offers `zig-glibc`, predicted by the
/// engine: the floor its `link` predicts is the real binary's when the
/// package is built with the fix's own CC (zig from PyPI on PATH). Without
/// zig on PATH the fix is the same, marked unavailable; at 2.34 there is
/// none.
fn zig_fix(work: &Path) -> Result<(), String> {
    let dir = work.join("zig-fix");
    common::fs::copy_tree(&repo().join("tests/fixtures/glibc/netuser"), &dir).unwrap();
    let path = path_with(&zig_dir(work)?);
    let with_zig: &[(&str, &str)] = &[("PATH", &path)];
    let args = ["check", "--json", "--min-glibc", "2.28"];
    let fix = zig_glibc_fix(&linklens(&dir, with_zig, &args))
        .ok_or("no zig-glibc fix with --min-glibc 2.28")?;
    let cc = fix["env"]
        .as_array()
        .and_then(|e| e.iter().find(|kv| kv[0] == "CC"))
        .and_then(|kv| kv[1].as_str())
        .unwrap_or_default()
        .to_string();
    if cc != "zig cc -target x86_64-linux-gnu.2.28"
        || fix["title"] != "CC=\"zig cc -target x86_64-linux-gnu.2.28\""
        || fix["available"] != true
    {
        return Err(format!("zig-glibc fix: {fix:#}"));
    }
    let predicted = fix["link"]["glibc_floor"]
        .as_str()
        .ok_or_else(|| format!("the fix predicts no floor: {}", fix["link"]))?
        .to_string();
    if fix["link"]["result"] != "dynamic" {
        return Err(format!("the fix's link: {}", fix["link"]));
    }
    // zig not on PATH (it is not, here): the same prediction, unavailable.
    let bare = zig_glibc_fix(&linklens(&dir, &[], &args)).ok_or("no fix without zig")?;
    if bare["available"] != false || bare["link"]["glibc_floor"] != predicted.as_str() {
        return Err(format!("without zig on PATH: {bare:#}"));
    }
    let mut text = Command::new(env!("CARGO_BIN_EXE_linklens"));
    text.current_dir(&dir)
        .args(["check", "--min-glibc", "2.28"])
        .env("LINKLENS_INDEX", "off");
    hermetic(&mut text, &[]);
    let text = String::from_utf8_lossy(&text.output().unwrap().stdout).into_owned();
    let line = text
        .split("  to lower the glibc floor:\n")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .unwrap_or_default();
    if !line.starts_with("    CC=\"zig cc -target x86_64-linux-gnu.2.28\"")
        || !line.contains(&format!("→ dynamic, glibc floor {predicted}"))
        || !line.contains("[zig is not installed: pip install ziglang")
    {
        return Err(format!("check's text has no zig line: {text}"));
    }
    if zig_glibc_fix(&linklens(
        &dir,
        with_zig,
        &["check", "--json", "--min-glibc", "2.34"],
    ))
    .is_some()
    {
        return Err("a zig-glibc fix with the floor equal to the minimum".into());
    }
    // The real build, with the fix's CC.
    let mut build = Command::new("go");
    build.current_dir(&dir).args(["build", "-o", "bin", "."]);
    hermetic(&mut build, &[("PATH", &path), ("CC", &cc)]);
    let out = build.output().map_err(|e| format!("go build: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "go build with CC={cc:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let real = objdump_floor(&dir.join("bin"));
    if real.as_deref() != Some(predicted.as_str()) {
        return Err(format!(
            "the fix predicts {predicted}, the binary built with it has {real:?}"
        ));
    }
    Ok(())
}

/// The quick fixes offered on a diagnostic.
fn code_actions(c: &mut common::lsp_client::LspClient, uri: &str, d: &Value) -> Vec<Value> {
    c.call(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d], "only": ["quickfix"]}}),
    )
    .as_array()
    .cloned()
    .unwrap_or_default()
}

/// The language server on a copy of net+os/user with `linklens.minGlibc:
/// "2.28"` and zig on its PATH, and its `glibc-too-new` diagnostic.
fn glibc_server(
    work: &Path,
    name: &str,
    makefile: Option<&str>,
) -> Result<(common::lsp_client::LspClient, PathBuf, Value), String> {
    use common::lsp_client::{LspClient, file_uri};
    let dir = work.join(name);
    common::fs::copy_tree(&repo().join("tests/fixtures/glibc/netuser"), &dir).unwrap();
    if let Some(m) = makefile {
        std::fs::write(dir.join("Makefile"), m).unwrap();
    }
    let path = path_with(&zig_dir(work)?);
    let uri = file_uri(&dir);
    let mut c = LspClient::start_with(env!("CARGO_BIN_EXE_linklens"), &dir, |cmd| {
        hermetic(cmd, &[("PATH", &path)]);
    });
    c.scoped_settings
        .insert(uri.clone(), json!({"linklens.minGlibc": "2.28"}));
    let caps = json!({"workspace": {"configuration": true, "workspaceFolders": true}});
    c.initialize_folders(&[dir.as_path()], caps, json!({}));
    let main = dir.join("main.go");
    c.open(&main, 1);
    let d = c.await_diagnostics(&file_uri(&main), |d| {
        d.iter().any(|d| d["code"] == "glibc-too-new")
    });
    let g = d
        .iter()
        .find(|d| d["code"] == "glibc-too-new")
        .cloned()
        .ok_or("no glibc-too-new diagnostic")?;
    Ok((c, dir, g))
}

/// The Makefile's `build` recipe gets zig cc from the quick fix on
/// `glibc-too-new` (the real build is edited, not the editor's settings);
/// the edited Makefile, run by make, builds the binary at the floor the
/// title states.
fn editor_makefile(work: &Path) -> Result<(), String> {
    use common::lsp_client::file_uri;
    let (mut c, dir, g) = glibc_server(
        work,
        "editor-makefile",
        Some(".PHONY: build\nbuild:\n\tgo build -o bin .\n"),
    )?;
    let main_uri = file_uri(&dir.join("main.go"));
    let actions = code_actions(&mut c, &main_uri, &g);
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    let zig: Vec<&Value> = actions
        .iter()
        .filter(|a| a["data"]["fix"] == "zig-glibc")
        .collect();
    let [a] = zig.as_slice() else {
        return Err(format!("not one zig-glibc action: {titles:?}"));
    };
    let title = a["title"].as_str().unwrap_or_default();
    if a["data"]["profile"].is_null()
        || !title.starts_with(
            "make build: Makefile: build with CC=\"zig cc -target x86_64-linux-gnu.2.28\"",
        )
        || !title.ends_with("→ glibc floor GLIBC_2.3.2")
    {
        return Err(format!("zig action: {a:#}"));
    }
    let resolved = c.call("codeAction/resolve", (*a).clone());
    c.shutdown();
    let makefile = dir.join("Makefile");
    let edits = resolved["edit"]["changes"][file_uri(&makefile)]
        .as_array()
        .cloned()
        .ok_or_else(|| format!("no Makefile edit: {resolved:#}"))?;
    let mut text = std::fs::read_to_string(&makefile).unwrap();
    for e in edits.iter().rev() {
        // One-line ASCII file positions.
        let off = |p: &Value| {
            let line = p["line"].as_u64().unwrap() as usize;
            let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
            start + p["character"].as_u64().unwrap() as usize
        };
        let (s, en) = (off(&e["range"]["start"]), off(&e["range"]["end"]));
        text.replace_range(s..en, e["newText"].as_str().unwrap_or_default());
    }
    if !text.contains("\tCC=\"zig cc -target x86_64-linux-gnu.2.28\" go build -o bin .") {
        return Err(format!("edited Makefile: {text}"));
    }
    std::fs::write(&makefile, &text).unwrap();
    let path = path_with(&zig_dir(work)?);
    let mut make = Command::new("make");
    make.current_dir(&dir).arg("build");
    hermetic(&mut make, &[("PATH", &path)]);
    let out = make.output().map_err(|e| format!("make: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "make build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let real = objdump_floor(&dir.join("bin"));
    if real.as_deref() != Some("GLIBC_2.3.2") {
        return Err(format!("the title says GLIBC_2.3.2, make built {real:?}"));
    }
    Ok(())
}

/// A Dockerfile building in golang:1.26-bookworm (glibc 2.36, the floor
/// this machine's real build has) for debian:11-slim (2.31): an error on
/// the final FROM; debian:12-slim gets none.
fn dockerfile(work: &Path) -> Result<(), String> {
    let mut codes = Vec::new();
    for fin in ["debian:11-slim", "debian:12-slim"] {
        let dir = work.join(format!("docker-{}", fin.replace([':', '.'], "-")));
        common::fs::copy_tree(&repo().join("tests/fixtures/glibc/netuser"), &dir).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            format!(
                "FROM golang:1.26-bookworm AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n\nFROM {fin}\nCOPY --from=build /app /app\n"
            ),
        )
        .unwrap();
        let r = linklens(&dir, &[], &["check", "--profiles", "--json"]);
        let found: Vec<(String, u64)> = r["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter(|f| {
                f["code"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("image-glibc"))
            })
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    f["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        codes.push(found);
    }
    if codes[0] != [("image-glibc-too-old".to_string(), 6)] || !codes[1].is_empty() {
        return Err(format!(
            "findings: debian:11-slim {:?}, debian:12-slim {:?}",
            codes[0], codes[1]
        ));
    }
    Ok(())
}

/// The language server with `linklens.minGlibc: "2.28"`: `glibc-too-new`
/// on the `"net"` import (the chain to runtime/cgo, whose C sets the
/// floor), and the hover names the floor and where it runs. Its quick fix
/// (no build file: the editor's settings) builds with zig cc against 2.28
/// and says the floor that gives.
fn editor(work: &Path) -> Result<(), String> {
    use common::lsp_client::file_uri;
    let (mut c, dir, g) = glibc_server(work, "editor", None)?;
    let g = &g;
    let main = dir.join("main.go");
    let main_uri = file_uri(&main);
    let line = g["range"]["start"]["line"].as_u64();
    let text = std::fs::read_to_string(&main).unwrap();
    let at = text
        .lines()
        .nth(line.unwrap_or(0) as usize)
        .unwrap_or_default();
    if !at.contains("\"net\"")
        || !g["message"]
            .as_str()
            .unwrap_or_default()
            .contains("GLIBC_2.34")
    {
        return Err(format!("glibc-too-new on line {at:?}: {g}"));
    }
    let h = c.call(
        "textDocument/hover",
        json!({"textDocument": {"uri": main_uri}, "position": g["range"]["start"]}),
    );
    let md = h["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let actions = code_actions(&mut c, &main_uri, g);
    let zig = actions.iter().find(|a| a["data"]["fix"] == "zig-glibc");
    let resolved = zig.map(|a| c.call("codeAction/resolve", a.clone()));
    c.shutdown();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    let zig = zig.ok_or_else(|| format!("no zig-glibc quick fix: {titles:?}"))?;
    let title = zig["title"].as_str().unwrap_or_default();
    if !title.contains("CC=\"zig cc -target x86_64-linux-gnu.2.28\"")
        || !title.contains("→ glibc floor GLIBC_2.3.2")
        || !zig["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|d| d["code"] == "glibc-too-new"))
    {
        return Err(format!("zig quick fix: {zig:#}"));
    }
    let settings = file_uri(&dir.join(".vscode/settings.json"));
    let edit = resolved.unwrap_or_default()["edit"].to_string();
    if !edit.contains(&settings)
        || !edit.contains(r#"\"CC\": \"zig cc -target x86_64-linux-gnu.2.28\""#)
    {
        return Err(format!("zig quick fix edit: {edit}"));
    }
    if !md.contains("runs on glibc ≥ 2.34: Debian 12+") || !md.contains("glibc-too-new") {
        return Err(format!("hover: {md}"));
    }
    Ok(())
}
