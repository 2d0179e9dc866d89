//! Differential test: package loading (`load::Package::load` over the
//! `gosrc` header scanner) against `go list -e -json` on random small
//! packages: random import forms and comments, `//go:build` and `// +build`
//! lines (counted or not), GOOS/GOARCH file-name suffixes, hidden files and
//! `import "C"` with preambles. Compares GoFiles, CgoFiles, IgnoredGoFiles,
//! InvalidGoFiles and Imports under two configurations (linux/amd64 with
//! cgo, windows/arm64 without). Fails when no `go` is on PATH.
//! LINKLENS_DIFF_CASES=N sets the number of packages (default 120).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use linklens::gosrc::TagContext;
use linklens::load::package::{LoadError, Package};
use linklens::load::source::Sources;

use crate::common::xorshift::XorShift;

const TAGS: &[&str] = &[
    "linux",
    "windows",
    "darwin",
    "amd64",
    "arm64",
    "cgo",
    "gc",
    "gccgo",
    "unix",
    "go1.21",
    "go1.99",
    "foo",
    "ignore",
    "amd64.v1",
    "amd64.v3",
    "arm64.v8.0",
];

fn go_expr(r: &mut XorShift, depth: u32) -> String {
    let s = match r.below(if depth > 2 { 2 } else { 5 }) {
        0 | 1 => r.pick(TAGS).to_string(),
        2 => format!("({})", go_expr(r, depth + 1)),
        3 => format!("{} && {}", go_expr(r, depth + 1), go_expr(r, depth + 1)),
        _ => format!("{} || {}", go_expr(r, depth + 1), go_expr(r, depth + 1)),
    };
    if r.chance(20) { format!("!{s}") } else { s }
}

fn plus_expr(r: &mut XorShift) -> String {
    (0..1 + r.below(3))
        .map(|_| {
            (0..1 + r.below(2))
                .map(|_| format!("{}{}", if r.chance(25) { "!" } else { "" }, r.pick(TAGS)))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn comment(r: &mut XorShift) -> String {
    r.pick(&[
        "// a comment\n",
        "\n",
        "/* block */\n",
        "/* multi\n   line */\n",
        "//go:generate echo\n",
        "// +build-ish but not\n",
    ])
    .to_string()
}

fn import_spec(r: &mut XorShift) -> String {
    let path = r.pick(&[
        "fmt",
        "os",
        "strings",
        "net",
        "errors",
        "m/q",
        "example.com/x/y",
        "unsafe",
    ]);
    let name = r.pick(&["", "", "f ", "_ ", ". "]);
    if r.chance(20) {
        format!("{name}`{path}`")
    } else {
        format!("{name}\"{path}\"")
    }
}

fn import_c(r: &mut XorShift) -> String {
    let pre = r.pick(&[
        "",
        "// #cgo LDFLAGS: -lm\n",
        "// #cgo linux CFLAGS: -DX=1\n// #include <stdio.h>\n",
        "/*\n#cgo !windows LDFLAGS: -lz\n#include <stdlib.h>\n*/\n",
    ]);
    format!("{pre}import \"C\"\n")
}

/// One random Go file.
fn go_file(r: &mut XorShift) -> String {
    let mut s = String::new();
    for _ in 0..r.below(3) {
        s += &comment(r);
    }
    if r.chance(40) {
        s += &format!("//go:build {}\n", go_expr(r, 0));
        if r.chance(4) {
            s += &format!("//go:build {}\n", go_expr(r, 0));
        }
    }
    if r.chance(30) {
        for _ in 0..1 + r.below(2) {
            s += &format!("// +build {}\n", plus_expr(r));
        }
    }
    if r.chance(80) {
        s += "\n";
    }
    if r.chance(30) {
        s += &comment(r);
    }
    s += "package p\n";
    if r.chance(5) {
        s += &format!("//go:build {}\n", go_expr(r, 0));
    }
    for _ in 0..r.below(4) {
        match r.below(6) {
            0 => s += &import_c(r),
            1 | 2 => s += &format!("import {}\n", import_spec(r)),
            3 => {
                s += "import (\n";
                for _ in 0..r.below(4) {
                    s += &format!("\t{}", import_spec(r));
                    s += r.pick(&["\n", " // c\n", "; ", "\n\n", " /* c */\n"]);
                }
                s += ")\n";
            }
            4 => s += &comment(r),
            _ => s += &format!("import ({})\n", import_spec(r)),
        }
    }
    if r.chance(30) {
        // Not an import: go/build stops reading at the first declaration.
        s += "var _ = 0\nimport \"late\"\n";
    } else {
        s += "\nvar _ = 0\n";
    }
    s
}

fn file_name(r: &mut XorShift, i: usize) -> String {
    let prefix = if r.chance(4) { r.pick(&["_", "."]) } else { "" };
    let suffix = r.pick(&[
        "",
        "",
        "",
        "_linux",
        "_windows",
        "_amd64",
        "_linux_arm64",
        "_darwin_amd64",
        "_windows_arm64",
        "_unix",
    ]);
    format!("{prefix}f{i}{suffix}.go")
}

#[derive(Debug, Default, PartialEq, Eq, Clone)]
struct Lists {
    go_files: BTreeSet<String>,
    cgo_files: BTreeSet<String>,
    ignored: BTreeSet<String>,
    invalid: BTreeSet<String>,
    imports: BTreeSet<String>,
    /// A `//go:build` line that does not parse: the index stops listing at
    /// that file, so only the failure itself is compared.
    bad_go_build: bool,
}

fn names(v: &serde_json::Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .filter(|x| *x != "C")
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn go_list(module: &Path, pkgs: &[String], env: &[(&str, &str)]) -> BTreeMap<String, Lists> {
    // Named one by one: `./...` leaves out packages whose files are all
    // excluded, and those are cases worth comparing.
    let out = Command::new("go")
        .args([
            "list",
            "-e",
            "-json=ImportPath,GoFiles,CgoFiles,IgnoredGoFiles,InvalidGoFiles,Imports,Error",
        ])
        .args(pkgs)
        .current_dir(module)
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .envs(env.iter().copied())
        .output()
        .expect("run go list");
    let mut m = BTreeMap::new();
    for v in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<serde_json::Value>() {
        let v = v.expect("go list JSON");
        let path = v["ImportPath"].as_str().unwrap_or_default().to_string();
        let err = v["Error"]["Err"].as_str().unwrap_or_default();
        if err.contains("parsing //go:build line") {
            let l = Lists {
                bad_go_build: true,
                ..Lists::default()
            };
            m.insert(path, l);
            continue;
        }
        m.insert(
            path,
            Lists {
                bad_go_build: false,
                go_files: names(&v, "GoFiles"),
                cgo_files: names(&v, "CgoFiles"),
                ignored: names(&v, "IgnoredGoFiles"),
                invalid: names(&v, "InvalidGoFiles"),
                imports: names(&v, "Imports"),
            },
        );
    }
    m
}

fn engine(dir: &Path, ctx: &TagContext) -> Lists {
    let pkg = Package::load(&Sources::new(), "m/x", dir, false, ctx);
    if pkg.errors.iter().any(|e| {
        matches!(e, LoadError::BadFile { message, .. } if message.contains("parsing //go:build line"))
    }) {
        return Lists {
            bad_go_build: true,
            ..Lists::default()
        };
    }
    let base = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
    let mut l = Lists::default();
    for f in &pkg.files {
        if f.is_cgo {
            l.cgo_files.insert(base(&f.path));
        } else {
            l.go_files.insert(base(&f.path));
        }
        // Explicit imports only: go list's Imports leaves out the implicit
        // cgo ones (runtime/cgo, syscall, unsafe) the engine adds.
        l.imports
            .extend(f.header.imports.iter().map(|i| i.path.clone()));
    }
    l.ignored = pkg
        .ignored
        .iter()
        .map(|(n, _)| n.to_string_lossy().into_owned())
        .collect();
    for e in &pkg.errors {
        if let LoadError::BadFile { file, .. } = e {
            let n = base(file);
            if !l.go_files.contains(&n) && !l.cgo_files.contains(&n) {
                l.invalid.insert(n);
            }
        }
    }
    l
}

fn ctx(goos: &str, goarch: &str, cgo: bool) -> TagContext {
    TagContext {
        goos: goos.into(),
        goarch: goarch.into(),
        cgo_enabled: cgo,
        compiler: "gc".into(),
        build_tags: Vec::new(),
        tool_tags: linklens::gosrc::arch_feature_tags(goarch, None),
        release_tags: linklens::gosrc::release_tags(26),
    }
}

#[test]
fn header_scanner_agrees_with_go_list() {
    crate::common::toolchain::require_go();
    let cases: usize = std::env::var("LINKLENS_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(120);
    let tmp = tempfile::tempdir().unwrap();
    let module = tmp.path();
    std::fs::write(module.join("go.mod"), "module m\n\ngo 1.21\n").unwrap();
    let mut r = XorShift(0x2545_f491_4f6c_dd1d);
    let mut sources = BTreeMap::new();
    for c in 0..cases {
        let dir = module.join(format!("p{c:04}"));
        std::fs::create_dir(&dir).unwrap();
        let mut files = Vec::new();
        for i in 0..1 + r.below(4) {
            let (name, text) = (file_name(&mut r, i), go_file(&mut r));
            std::fs::write(dir.join(&name), &text).unwrap();
            // go reads packages through its module index only when every
            // file is older than two seconds (else through go/build, which
            // differs on invalid files): age them, as real sources are.
            std::fs::File::options()
                .write(true)
                .open(dir.join(&name))
                .unwrap()
                .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3600))
                .unwrap();
            files.push((name, text));
        }
        sources.insert(format!("m/p{c:04}"), files);
    }
    let configs = [
        (
            "linux/amd64 cgo",
            ctx("linux", "amd64", true),
            [
                ("GOOS", "linux"),
                ("GOARCH", "amd64"),
                ("CGO_ENABLED", "1"),
                ("GOAMD64", "v1"),
            ],
        ),
        (
            "windows/arm64 nocgo",
            ctx("windows", "arm64", false),
            [
                ("GOOS", "windows"),
                ("GOARCH", "arm64"),
                ("CGO_ENABLED", "0"),
                ("GOARM64", "v8.0"),
            ],
        ),
    ];
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for (label, tags, env) in &configs {
        let pkgs: Vec<String> = sources.keys().map(|p| format!("./{}", &p[2..])).collect();
        let listed = go_list(module, &pkgs, env);
        for (path, files) in &sources {
            let dir = module.join(path.trim_start_matches("m/"));
            let want = listed.get(path).cloned().unwrap_or_default();
            let got = engine(&dir, tags);
            compared += 1;
            if got != want {
                let shown: Vec<String> =
                    files.iter().map(|(n, t)| format!("--- {n}\n{t}")).collect();
                disagreements.push(format!(
                    "{label} {path}\n go list: {want:?}\n engine:  {got:?}\n{}",
                    shown.join("")
                ));
            }
        }
    }
    eprintln!(
        "header vs go list: {compared} package loads compared, {} disagreements",
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{}",
        disagreements
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
