//! Builds real binaries with the real Go toolchain (gcc / musl-gcc for the
//! cgo variants) and checks every field of `inspect_path` against what
//! `readelf -h -l -d -V` and `go version -m [-json]` report for the same file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use crate::inspect_support::{GoBuild, copy_fixture, go_build, require_go, require_tool};
use linklens::inspect::{
    BinaryInfo, Format, GoBuildInfo, Linking, Module, inspect_path, render_human,
};

/// What each build must turn out to be (on top of agreeing with the tools).
struct Expect {
    build: GoBuild<'static>,
    format: Format,
    linking: Linking,
    file_type: &'static str,
    machine: &'static str,
    /// Substring that must appear in some `needed` entry.
    needs: Option<&'static str>,
    /// Substring of the interpreter, when one must be present.
    interp: Option<&'static str>,
    /// Build settings that must be present with exactly this value.
    settings: &'static [(&'static str, &'static str)],
}

fn cases() -> Vec<Expect> {
    let elf = |build, linking, file_type, needs, interp, settings| Expect {
        build,
        format: Format::Elf,
        linking,
        file_type,
        machine: "x86-64",
        needs,
        interp,
        settings,
    };
    vec![
        elf(
            GoBuild {
                name: "pure",
                fixture: "pure",
                env: &[("CGO_ENABLED", "0")],
                args: &[],
            },
            Linking::Static,
            "EXEC",
            None,
            None,
            &[
                ("CGO_ENABLED", "0"),
                ("-buildmode", "exe"),
                ("GOOS", "linux"),
            ],
        ),
        elf(
            GoBuild {
                name: "netcgo",
                fixture: "netcgo",
                env: &[("CGO_ENABLED", "1")],
                args: &[],
            },
            Linking::Dynamic,
            "EXEC",
            Some("libc.so"),
            Some("ld-linux-x86-64.so.2"),
            &[("CGO_ENABLED", "1")],
        ),
        elf(
            GoBuild {
                name: "cgo",
                fixture: "cgo",
                env: &[("CGO_ENABLED", "1")],
                args: &[],
            },
            Linking::Dynamic,
            "EXEC",
            Some("libc.so"),
            Some("ld-linux-x86-64.so.2"),
            &[("CGO_ENABLED", "1")],
        ),
        elf(
            GoBuild {
                name: "musl-static",
                fixture: "netcgo",
                env: &[("CGO_ENABLED", "1"), ("CC", "musl-gcc")],
                args: &["-ldflags=-linkmode external -extldflags \"-static\""],
            },
            Linking::Static,
            "EXEC",
            None,
            None,
            &[("-ldflags", "-linkmode external -extldflags \"-static\"")],
        ),
        elf(
            GoBuild {
                name: "pie",
                fixture: "pure",
                env: &[("CGO_ENABLED", "0")],
                args: &["-buildmode=pie"],
            },
            // Internal PIE: ET_DYN + PT_INTERP, no DT_NEEDED -> needs the loader.
            Linking::Dynamic,
            "DYN",
            None,
            Some("ld-linux-x86-64.so.2"),
            &[("-buildmode", "pie")],
        ),
        elf(
            GoBuild {
                name: "static-pie",
                fixture: "pure",
                env: &[("CGO_ENABLED", "1")],
                args: &[
                    "-buildmode=pie",
                    "-ldflags=-linkmode external -extldflags \"-static-pie\"",
                ],
            },
            Linking::StaticPie,
            "DYN",
            None,
            None,
            &[("-buildmode", "pie")],
        ),
        Expect {
            machine: "aarch64",
            ..elf(
                GoBuild {
                    name: "arm64",
                    fixture: "pure",
                    env: &[("CGO_ENABLED", "0"), ("GOARCH", "arm64")],
                    args: &[],
                },
                Linking::Static,
                "EXEC",
                None,
                None,
                &[("GOARCH", "arm64")],
            )
        },
        elf(
            GoBuild {
                name: "tagged",
                fixture: "tagged",
                env: &[("CGO_ENABLED", "1")],
                // Explicit: -buildvcs=auto silently skips stamping in some temp dirs.
                args: &[
                    "-buildvcs=true",
                    "-tags=netgo,osusergo",
                    "-ldflags=-X \"main.v=a b\"",
                ],
            },
            Linking::Static,
            "EXEC",
            None,
            None,
            &[
                ("-tags", "netgo,osusergo"),
                ("-ldflags", "-X \"main.v=a b\""),
                ("vcs", "git"),
                ("vcs.modified", "false"),
            ],
        ),
        Expect {
            build: GoBuild {
                name: "darwin",
                fixture: "pure",
                env: &[
                    ("CGO_ENABLED", "0"),
                    ("GOOS", "darwin"),
                    ("GOARCH", "arm64"),
                ],
                args: &[],
            },
            format: Format::Macho,
            linking: Linking::Dynamic,
            file_type: "EXECUTE",
            machine: "aarch64",
            needs: Some("/usr/lib/libSystem.B.dylib"),
            interp: Some("/usr/lib/dyld"),
            settings: &[("GOOS", "darwin")],
        },
        Expect {
            build: GoBuild {
                name: "windows.exe",
                fixture: "pure",
                env: &[
                    ("CGO_ENABLED", "0"),
                    ("GOOS", "windows"),
                    ("GOARCH", "amd64"),
                ],
                args: &[],
            },
            format: Format::Pe,
            linking: Linking::Dynamic,
            file_type: "EXE",
            machine: "x86-64",
            needs: Some("kernel32.dll"),
            interp: None,
            settings: &[("GOOS", "windows")],
        },
    ]
}

/// Copy the fixture (git-initialising the `tagged` one so vcs.* settings are
/// stamped) and build it.
fn build_one(b: &GoBuild<'_>, root: &Path) -> Result<PathBuf, String> {
    let src = root.join(format!("src-{}", b.name));
    copy_fixture(b.fixture, &src);
    if b.fixture == "tagged" {
        for args in [
            &["init", "-q"][..],
            &["add", "."],
            &[
                "-c",
                "user.name=linklens",
                "-c",
                "user.email=linklens@example.com",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "-qm",
                "fixture",
            ],
        ] {
            let st = Command::new("git").args(args).current_dir(&src).status();
            if !matches!(st, Ok(s) if s.success()) {
                return Err(format!("git {args:?} failed: {st:?}"));
            }
        }
    }
    let out_dir = root.join("bin");
    std::fs::create_dir_all(&out_dir).map_err(|e| e.to_string())?;
    go_build(b, &src, &out_dir)
}

fn run(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?} {} failed: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The facts readelf reports, in the same shape as BinaryInfo.
#[derive(Debug, Default)]
struct Readelf {
    class: String,
    file_type: String,
    machine: String,
    interpreter: Option<String>,
    needed: Vec<String>,
    rpath: Vec<String>,
    runpath: Vec<String>,
    glibc_floor: Option<String>,
}

fn bracketed(line: &str) -> Option<String> {
    let start = line.find('[')? + 1;
    let end = line.rfind(']')?;
    Some(line[start..end].to_string())
}

fn readelf(file: &Path) -> Readelf {
    let mut r = Readelf::default();
    for line in run("readelf", &["-h"], file).lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Class" => r.class = value.to_string(),
            "Type" => r.file_type = value.split_whitespace().next().unwrap_or("").to_string(),
            "Machine" => {
                r.machine = match value {
                    "Advanced Micro Devices X86-64" => "x86-64".into(),
                    "AArch64" => "aarch64".into(),
                    other => panic!("unexpected readelf machine {other:?}"),
                }
            }
            _ => {}
        }
    }
    for line in run("readelf", &["-l"], file).lines() {
        if let Some(rest) = line
            .trim()
            .strip_prefix("[Requesting program interpreter: ")
        {
            r.interpreter = Some(rest.trim_end_matches(']').to_string());
        }
    }
    for line in run("readelf", &["-d"], file).lines() {
        let list = if line.contains("(NEEDED)") {
            &mut r.needed
        } else if line.contains("(RPATH)") {
            &mut r.rpath
        } else if line.contains("(RUNPATH)") {
            &mut r.runpath
        } else {
            continue;
        };
        list.push(bracketed(line).expect("bracketed value"));
    }
    // Only the "Version needs" section; verdef entries also print "Name:".
    let mut in_needs = false;
    let mut best: Option<(Vec<u32>, String)> = None;
    for line in run("readelf", &["-V"], file).lines() {
        if line.starts_with("Version needs section") {
            in_needs = true;
            continue;
        }
        if line.starts_with("Version ") {
            in_needs = false;
        }
        if !in_needs {
            continue;
        }
        let Some(name) = line
            .split("Name: ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
        else {
            continue;
        };
        let Some(v) = name.strip_prefix("GLIBC_") else {
            continue;
        };
        let Ok(key) = v
            .split('.')
            .map(str::parse::<u32>)
            .collect::<Result<Vec<_>, _>>()
        else {
            continue;
        };
        if best.as_ref().is_none_or(|(b, _)| key > *b) {
            best = Some((key, name.to_string()));
        }
    }
    r.glibc_floor = best.map(|(_, n)| n);
    r
}

fn json_module(v: &serde_json::Value) -> Module {
    let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
    Module {
        path: s("Path"),
        version: s("Version"),
        sum: s("Sum"),
        replace: v.get("Replace").map(|r| Box::new(json_module(r))),
    }
}

/// `go version -m -json` (exact, unquoted values) cross-checked with the
/// text form (`go version -m`) for the version line and number of settings.
fn go_version(file: &Path) -> GoBuildInfo {
    let json: serde_json::Value =
        serde_json::from_str(&run("go", &["version", "-m", "-json"], file))
            .expect("go version json");
    let text = run("go", &["version", "-m"], file);
    let mut settings = BTreeMap::new();
    for s in json["Settings"].as_array().into_iter().flatten() {
        settings.insert(
            s["Key"].as_str().expect("key").to_string(),
            s["Value"].as_str().unwrap_or("").to_string(),
        );
    }
    let build_lines = text.lines().filter(|l| l.starts_with("\tbuild\t")).count();
    assert_eq!(
        build_lines,
        settings.len(),
        "settings count vs text:\n{text}"
    );
    let version = json["GoVersion"].as_str().expect("GoVersion").to_string();
    let first = text.lines().next().unwrap_or("");
    assert!(first.ends_with(&format!(": {version}")), "{first}");
    GoBuildInfo {
        version,
        path: json["Path"].as_str().unwrap_or("").to_string(),
        main_module: json.get("Main").map(json_module),
        deps: json["Deps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(json_module)
            .collect(),
        settings,
    }
}

fn check(e: &Expect, file: &Path, errors: &mut Vec<String>) {
    let name = e.build.name;
    let mut fail = |msg: String| errors.push(format!("[{name}] {msg}"));
    let info: BinaryInfo = match inspect_path(file) {
        Ok(i) => i,
        Err(err) => return fail(format!("inspect_path failed: {err}")),
    };
    macro_rules! same {
        ($what:expr, $ours:expr, $theirs:expr) => {
            if ($ours) != ($theirs) {
                fail(format!(
                    "{}: inspect {:?} != {:?}",
                    $what,
                    ($ours),
                    ($theirs)
                ));
            }
        };
    }
    same!(
        "path",
        info.path.as_str(),
        file.display().to_string().as_str()
    );
    same!("format", info.format, e.format);
    same!("linking", info.linking, e.linking);
    same!("file_type", info.file_type.as_str(), e.file_type);
    same!("machine", info.machine.as_str(), e.machine);
    if let Some(n) = e.needs
        && !info.needed.iter().any(|x| x.contains(n))
    {
        fail(format!("needed {:?} lacks {n}", info.needed));
    }
    match (e.interp, &info.interpreter) {
        (None, None) => {}
        (Some(want), Some(got)) if got.contains(want) => {}
        (want, got) => fail(format!("interpreter {got:?}, expected {want:?}")),
    }

    // Guard against the tool comparison passing vacuously (both sides empty).
    if e.needs == Some("libc.so") && info.glibc_floor.is_none() {
        fail("a glibc-linked binary must need some GLIBC_ version".into());
    }
    if name == "cgo"
        && !info
            .rpath
            .iter()
            .chain(&info.runpath)
            .any(|p| p == "/opt/linklens/lib")
    {
        fail(format!(
            "rpath {:?} / runpath {:?} lack the #cgo LDFLAGS rpath",
            info.rpath, info.runpath
        ));
    }
    if name == "tagged" && !go_has_replaced_dep(&info) {
        fail("tagged: expected dep example.com/linklens/dep => ./dep".into());
    }

    if e.format == Format::Elf {
        let r = readelf(file);
        same!(
            "class vs readelf",
            info.class.as_deref(),
            Some(r.class.as_str())
        );
        same!("type vs readelf", info.file_type, r.file_type);
        same!("machine vs readelf", info.machine, r.machine);
        same!("interpreter vs readelf", info.interpreter, r.interpreter);
        same!("needed vs readelf", info.needed, r.needed);
        same!("rpath vs readelf", info.rpath, r.rpath);
        same!("runpath vs readelf", info.runpath, r.runpath);
        same!("glibc floor vs readelf -V", info.glibc_floor, r.glibc_floor);
        let dynamic = r.interpreter.is_some() || !r.needed.is_empty();
        same!(
            "dynamic per readelf",
            info.linking == Linking::Dynamic,
            dynamic
        );
    }

    let want = go_version(file);
    match &info.go {
        None => fail("no Go build info".into()),
        Some(go) => {
            same!("go version", go.version, want.version);
            same!("go path", go.path, want.path);
            same!("go main module", go.main_module, want.main_module);
            same!("go deps", go.deps, want.deps);
            same!("go settings", go.settings, want.settings);
            for (k, v) in e.settings {
                same!(
                    format!("setting {k}"),
                    go.settings.get(*k).map(String::as_str),
                    Some(*v)
                );
            }
        }
    }
    let text = render_human(&info);
    if !text.contains(&info.linking.to_string()) {
        fail(format!("render_human lacks the linking mode:\n{text}"));
    }
}

fn go_has_replaced_dep(info: &BinaryInfo) -> bool {
    info.go.as_ref().is_some_and(|g| {
        g.deps.iter().any(|d| {
            d.path == "example.com/linklens/dep"
                && d.replace.as_ref().is_some_and(|r| r.path == "./dep")
        })
    })
}

#[test]
fn real_binaries_match_readelf_and_go_version() {
    require_go();
    require_tool("gcc", "--version", "install gcc (apt-get install gcc)");
    require_tool(
        "musl-gcc",
        "--version",
        "install musl-tools (apt-get install musl-tools)",
    );
    require_tool(
        "readelf",
        "--version",
        "install binutils (apt-get install binutils)",
    );
    require_tool("git", "--version", "install git (apt-get install git)");

    let root = tempfile::tempdir().expect("tempdir");
    let cases = cases();
    let queue = Mutex::new((0..cases.len()).collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    let started = Instant::now();
    // Two builders: go build parallelises internally, the machine has 2 cores.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let Some(i) = queue.lock().expect("queue").pop() else {
                        break;
                    };
                    let t = Instant::now();
                    let r = build_one(&cases[i].build, root.path());
                    eprintln!("built {} in {:.1?}", cases[i].build.name, t.elapsed());
                    results.lock().expect("results").push((i, r));
                }
            });
        }
    });
    eprintln!("all builds: {:.1?}", started.elapsed());

    let mut errors = Vec::new();
    let mut results = results.into_inner().expect("results");
    results.sort_by_key(|(i, _)| *i);
    for (i, r) in results {
        match r {
            Ok(file) => check(&cases[i], &file, &mut errors),
            Err(e) => errors.push(e),
        }
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
