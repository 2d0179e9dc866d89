//! `linklens check` as a CI gate (issue 17, item 6): `--require static`
//! explains itself on stderr, a pattern without main packages is an error,
//! `--profiles --require` fails on what it cannot evaluate, SARIF 2.1.0 and
//! GitHub annotations point at the culprit imports, and every subcommand
//! answers `--help`. Runs the real binary on a copy of `examples/shop`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn shop() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("shop");
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/shop"),
        &root,
    );
    (tmp, root)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

fn linklens(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_linklens"));
    cmd.args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env_remove("CGO_ENABLED")
        .env_remove("LINKLENS_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn require_static_names_each_failing_main_and_why() {
    let (_t, root) = shop();
    let out = linklens(&root, &["check", "--require", "static", "./..."], &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for (pkg, why) in [
        ("example.com/shop/cmd/api", "net uses cgo"),
        ("example.com/shop/cmd/admin", "os/user uses cgo"),
        (
            "example.com/shop/cmd/thumbnail",
            "example.com/shop/internal/imaging uses cgo",
        ),
    ] {
        let line = err
            .lines()
            .position(|l| l.contains(&format!("{pkg}: dynamic")))
            .unwrap_or_else(|| panic!("{pkg} not named on stderr:\n{err}"));
        assert!(
            err.lines().nth(line + 1).unwrap_or("").contains(why),
            "{pkg}: reason missing:\n{err}"
        );
    }
    assert!(
        !err.contains("cmd/worker"),
        "a static main was named: {err}"
    );
    assert!(err.contains("3 of 4 main packages"), "{err}");

    // cmd/thumbnail's package is all cgo: without cgo it fails, so the
    // passing gate names the other three.
    let ok = linklens(
        &root,
        &[
            "check",
            "--require",
            "static",
            "./cmd/api",
            "./cmd/admin",
            "./cmd/worker",
        ],
        &[("CGO_ENABLED", "0")],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(text(&ok.stderr), "");
}

#[test]
fn no_main_package_matched_is_an_error_with_require() {
    let (_t, root) = shop();
    let out = linklens(
        &root,
        &["check", "--require", "static", "./internal/..."],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no main packages matched ./internal/..."),
        "{}",
        text(&out.stderr)
    );
    // Without --require it is only reported.
    let plain = linklens(&root, &["check", "./internal/..."], &[]);
    assert_eq!(plain.status.code(), Some(0));
    assert!(text(&plain.stderr).contains("no main packages matched"));
}

#[test]
fn profiles_with_require_fail_on_unknown_and_dynamic_builds() {
    let (_t, root) = shop();
    std::fs::write(
        root.join("Makefile"),
        "build:\n\tCGO_ENABLED=$(shell cat cgo.txt) go build -o bin/api ./cmd/api\n\
         admin:\n\tCGO_ENABLED=0 go build -o bin/admin ./cmd/admin\n",
    )
    .unwrap();
    let plain = linklens(&root, &["check", "--profiles"], &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    let gated = linklens(&root, &["check", "--profiles", "--require", "static"], &[]);
    let err = text(&gated.stderr);
    assert_eq!(gated.status.code(), Some(1), "{err}");
    assert!(err.contains("Makefile:2: [profile-unknown]"), "{err}");
    assert_eq!(err.matches("cgo.txt").count(), 1, "reported twice: {err}");
    // The static `make admin` build and the editor default (which stands for
    // the project only when it has no build of its own) are not named.
    assert!(!err.contains("cmd/admin"), "{err}");

    std::fs::write(
        root.join("Makefile"),
        "admin:\n\tCGO_ENABLED=0 go build -o bin/admin ./cmd/admin\n",
    )
    .unwrap();
    let ok = linklens(&root, &["check", "--profiles", "--require", "static"], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));

    std::fs::write(
        root.join("Makefile"),
        "api:\n\tgo build -o bin/api ./cmd/api\n",
    )
    .unwrap();
    let dynamic = linklens(&root, &["check", "--profiles", "--require", "static"], &[]);
    let err = text(&dynamic.stderr);
    assert_eq!(dynamic.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Makefile:2: make api: example.com/shop/cmd/api: dynamic"),
        "{err}"
    );
}

/// The line (1-based) of the first occurrence of `needle` in `file`.
fn line_of(file: &Path, needle: &str) -> u64 {
    let t = std::fs::read_to_string(file).unwrap();
    t.lines().position(|l| l.contains(needle)).unwrap() as u64 + 1
}

#[test]
fn sarif_points_at_the_culprit_imports() {
    let (_t, root) = shop();
    let out = linklens(
        &root,
        &["check", "--format", "sarif", "--require", "static", "./..."],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "linklens");
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics");
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let id = rule["id"].as_str().unwrap();
        assert!(
            docs.join(format!("{id}.md")).is_file(),
            "no docs page for {id}"
        );
        assert!(
            rule["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{id}.md"))
        );
    }
    let results = run["results"].as_array().unwrap();
    let api = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "cmd/api/main.go"
        })
        .unwrap_or_else(|| panic!("no result in cmd/api/main.go: {results:#?}"));
    assert_eq!(api["ruleId"], "cgo-dynamic-import");
    // --require static makes the unmet packages' findings errors.
    assert_eq!(api["level"], "error");
    let region = &api["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        region["startLine"].as_u64().unwrap(),
        line_of(&root.join("cmd/api/main.go"), "\"net/http\"")
    );
    assert!(
        api["message"]["text"]
            .as_str()
            .unwrap()
            .contains("dynamically linked")
    );
    // Library packages get no findings by default (issue 17, item 3): the
    // import "C" in internal/imaging is reached through cmd/thumbnail's import.
    assert!(
        results.iter().all(
            |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("cmd/")
        ),
        "{results:#?}"
    );
}

#[test]
fn github_annotations_are_workflow_commands() {
    let (_t, root) = shop();
    let out = linklens(&root, &["check", "--format", "github", "./..."], &[]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let line = format!(
        "::warning file=cmd/api/main.go,line={},",
        line_of(&root.join("cmd/api/main.go"), "\"net/http\"")
    );
    assert!(stdout.contains(&line), "{stdout}");
    for l in stdout.lines() {
        assert!(
            l.starts_with("::warning file=") || l.starts_with("::error file="),
            "{l}"
        );
        assert!(l.contains(",title=linklens "), "{l}");
        assert!(l.contains("::"), "{l}");
    }
}

#[test]
fn every_subcommand_answers_help() {
    let (_t, root) = shop();
    for (args, expect) in [
        (&["check", "--help"][..], "usage: linklens check"),
        (&["check", "-h"][..], "usage: linklens check"),
        (&["inspect", "--help"][..], "usage: linklens inspect"),
        (&["serve", "--help"][..], "usage: linklens serve"),
        (&["--help"][..], "usage:"),
    ] {
        let out = linklens(&root, args, &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains(expect),
            "{args:?}: {}",
            text(&out.stdout)
        );
    }
    let bad = linklens(&root, &["check", "--format", "xml"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--format takes text, json, sarif or github"));
}

/// Runs the real `go build` in `dir` with `flags`; returns its stderr.
#[cfg(feature = "real-toolchain")] // runs go build
fn go_build(dir: &Path, flags: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new("go");
    cmd.arg("build")
        .args(flags)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env_remove("CGO_ENABLED")
        .env_remove("LINKLENS_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .expect("these tests need the real `go` on PATH");
    text(&out.stderr)
}

/// The static-glibc caveat names, per package, exactly the symbols ld warns
/// about in the real build (issue 17, item 8: it said os/user calls
/// getaddrinfo).
#[test]
#[cfg(feature = "real-toolchain")] // runs go build
fn nss_caveat_names_what_ld_warns_about() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("go.mod"), "module nss\n\ngo 1.22\n").unwrap();
    for (dir, src) in [
        (
            "user",
            "package main\n\nimport \"os/user\"\n\nfunc main() { _, _ = user.Current() }\n",
        ),
        (
            "net",
            "package main\n\nimport \"net\"\n\nfunc main() { _, _ = net.LookupHost(\"x\") }\n",
        ),
    ] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
        std::fs::write(root.join(dir).join("main.go"), src).unwrap();
    }
    let flags = ["-ldflags", "-linkmode external -extldflags \"-static\""];
    for (dir, other) in [("user", "getaddrinfo"), ("net", "getpwnam_r")] {
        let stderr = go_build(
            root,
            &[&flags[..], &["-o", "/dev/null", &format!("./{dir}")]].concat(),
            &[],
        );
        let warned: Vec<&str> = stderr
            .split("Using '")
            .skip(1)
            .filter_map(|s| s.split('\'').next())
            .collect();
        assert!(
            !warned.is_empty(),
            "{dir}: ld warned about nothing:\n{stderr}"
        );
        let out = linklens(
            root,
            &[&["check", "--json"][..], &flags, &[&format!("./{dir}")]].concat(),
            &[],
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let caveat = report["packages"][0]["caveats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == "glibc-static-nss")
            .unwrap_or_else(|| panic!("{dir}: no glibc-static-nss caveat: {report:#}"))["message"]
            .as_str()
            .unwrap()
            .to_string();
        for sym in &warned {
            assert!(
                caveat.contains(sym),
                "{dir}: ld warns about {sym}, caveat: {caveat}"
            );
        }
        assert!(
            !caveat.contains(other),
            "{dir}: caveat names {other}: {caveat}"
        );
    }
}

/// `CC=nosuch-gcc`: go turns cgo on without looking the compiler up, then
/// fails; the reason must not claim the compiler was found.
#[test]
#[cfg(feature = "real-toolchain")] // runs go build
fn cc_set_but_missing_is_not_found_on_path() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("go.mod"), "module x\n\ngo 1.22\n").unwrap();
    std::fs::write(
        root.join("main.go"),
        "package main\n\nimport \"net\"\n\nfunc main() { _ = net.ParseIP }\n",
    )
    .unwrap();
    let stderr = go_build(root, &["-o", "/dev/null", "."], &[("CC", "nosuch-gcc")]);
    assert!(
        stderr.contains("C compiler \"nosuch-gcc\" not found"),
        "{stderr}"
    );
    let out = linklens(root, &["check"], &[("CC", "nosuch-gcc")]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("go build will fail"), "{stdout}");
    assert!(
        stdout.contains("C compiler \"nosuch-gcc\" not found"),
        "{stdout}"
    );
    assert!(!stdout.contains("found on PATH"), "{stdout}");
    assert!(stdout.contains("CC set (`nosuch-gcc`"), "{stdout}");
}

/// Issue 17, item 3: `//linklens:expect dynamic` on a main package and
/// `//linklens:ignore <reason>` on an import are honoured by `--require`,
/// the JSON and the annotations; the verdict is unchanged (the real build
/// is still dynamic), and a directive linklens does not understand says so.
#[test]
#[cfg(feature = "real-toolchain")] // runs go build
fn directives_suppress_as_go_directives_do() {
    let (_t, root) = shop();
    let api = root.join("cmd/api/main.go");
    let src = std::fs::read_to_string(&api).unwrap();
    std::fs::write(
        &api,
        src.replace(
            "\t\"net/http\"\n",
            "\t\"net/http\" //linklens:ignore we ship on debian images\n",
        ),
    )
    .unwrap();
    let admin = root.join("cmd/admin/main.go");
    let src = std::fs::read_to_string(&admin).unwrap();
    std::fs::write(&admin, format!("//linklens:expect dynamic\n{src}")).unwrap();
    let mains = ["./cmd/api", "./cmd/admin", "./cmd/worker"];

    let out = linklens(
        &root,
        &[&["check", "--require", "static"][..], &mains].concat(),
        &[],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("example.com/shop/cmd/admin: dynamic")
            && err.contains("accepted: //linklens:expect dynamic"),
        "{err}"
    );
    assert!(
        err.contains("example.com/shop/cmd/api: dynamic")
            && err
                .contains("accepted: every import that brings in cgo is marked //linklens:ignore"),
        "{err}"
    );

    let json = linklens(&root, &[&["check", "--json"][..], &mains].concat(), &[]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let pkg = |name: &str| {
        report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["import_path"] == name)
            .unwrap()
            .clone()
    };
    let api_p = pkg("example.com/shop/cmd/api");
    assert_eq!(api_p["link"]["result"], "dynamic");
    let net = api_p["cgo_packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["import_path"] == "net")
        .unwrap();
    assert_eq!(net["ignored"]["reason"], "we ship on debian images");
    assert_eq!(
        pkg("example.com/shop/cmd/admin")["expect"]["value"],
        "dynamic"
    );

    // The build itself does not change: still dynamic for real.
    let stderr = go_build(&root, &["-o", "bin/api", "./cmd/api"], &[]);
    assert!(root.join("bin/api").is_file(), "{stderr}");
    let inspect = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["inspect", "--json"])
        .arg(root.join("bin/api"))
        .output()
        .unwrap();
    let info: Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(info[0]["linking"], "dynamic");

    let gh = linklens(
        &root,
        &[&["check", "--format", "github"][..], &mains].concat(),
        &[],
    );
    let gh = text(&gh.stdout);
    assert!(
        !gh.contains("cmd/api/main.go"),
        "an acknowledged import was annotated: {gh}"
    );

    std::fs::write(&admin, format!("//linklens:expect sometimes\n{src}")).unwrap();
    let out = linklens(&root, &["check", "--require", "static", "./cmd/admin"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let plain = linklens(&root, &["check", "./cmd/admin"], &[]);
    assert!(
        text(&plain.stdout).contains("//linklens:expect sometimes in")
            && text(&plain.stdout).contains("takes static, dynamic or report"),
        "{}",
        text(&plain.stdout)
    );
}

/// `LINKLENS_LOG=debug` writes the reasoning to stderr; stdout stays the
/// JSON report.
#[test]
fn linklens_log_writes_the_reasoning_to_stderr_only() {
    let (_t, root) = shop();
    let out = linklens(
        &root,
        &["check", "--json", "-C", ".", "./cmd/api"],
        &[("LINKLENS_LOG", "debug")],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(
        report["packages"][0]["import_path"],
        "example.com/shop/cmd/api"
    );
    assert!(err.contains("configuration: CGO_ENABLED="), "{err}");
    assert!(
        err.contains("verdict for example.com/shop/cmd/api"),
        "{err}"
    );
    // Run, or its answer taken from the cache of earlier runs.
    assert!(
        err.contains("ran go env")
            || err.contains("go env -json GOROOT") && err.contains("cached answer"),
        "{err}"
    );
    // Unset: nothing on stderr.
    let quiet = linklens(&root, &["check", "--json", "./cmd/api"], &[]);
    assert!(
        !text(&quiet.stderr).contains("[DEBUG"),
        "{}",
        text(&quiet.stderr)
    );
}
