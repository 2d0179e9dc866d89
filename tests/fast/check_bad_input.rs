//! `linklens check` on hostile trees: every problem gets a clear message, the
//! other main packages are still predicted, and nothing panics or hangs.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn write(root: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, contents).unwrap();
}

fn check(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .arg("check")
        .arg("--json")
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env("CGO_ENABLED", "1")
        .output()
        .expect("run linklens");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "linklens panicked: {stderr}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn package<'a>(report: &'a Value, suffix: &str) -> &'a Value {
    report["packages"]
        .as_array()
        .and_then(|ps| {
            ps.iter().find(|p| {
                p["import_path"]
                    .as_str()
                    .is_some_and(|ip| ip.ends_with(suffix))
            })
        })
        .unwrap_or_else(|| panic!("no package {suffix} in {report:#}"))
}

/// One module with a good main package beside each kind of broken one.
fn hostile_module(root: &Path) {
    write(root, "go.mod", "module example.com/bad\n\ngo 1.22\n");
    write(
        root,
        "cmd/good/main.go",
        "package main\n\nimport \"net\"\n\nfunc main() { _ = net.ParseIP }\n",
    );
    // Binary garbage in a .go file.
    let mut garbage = vec![0u8, 159, 146, 150, 0xff, 0xfe];
    garbage.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    write(
        root,
        "cmd/binary/main.go",
        "package main\n\nimport _ \"example.com/bad/blob\"\n\nfunc main() {}\n",
    );
    write(root, "blob/blob.go", &garbage);
    // An unterminated block comment before the package clause.
    write(
        root,
        "cmd/unterminated/main.go",
        "/* never closed\npackage main\n\nimport \"fmt\"\n",
    );
    // An import cycle below a main package.
    write(
        root,
        "a/a.go",
        "package a\n\nimport _ \"example.com/bad/b\"\n",
    );
    write(
        root,
        "b/b.go",
        "package b\n\nimport _ \"example.com/bad/a\"\n",
    );
    write(
        root,
        "cmd/cycle/main.go",
        "package main\n\nimport _ \"example.com/bad/a\"\n\nfunc main() {}\n",
    );
    // An import of a package that does not exist.
    write(
        root,
        "cmd/missing/main.go",
        "package main\n\nimport _ \"example.com/bad/gone\"\n\nfunc main() {}\n",
    );
    // A 50 MB Go file: the header is read, the body is not.
    let mut big = b"package main\n\nimport \"os/user\"\n\nfunc main() { _ = user.Current }\n\nvar filler = []byte{\n".to_vec();
    big.resize(50 * 1024 * 1024, b'0');
    write(root, "cmd/huge/main.go", &big);
}

#[test]
fn broken_packages_get_clear_errors_and_the_rest_is_predicted() {
    let dir = tempfile::tempdir().unwrap();
    hostile_module(dir.path());
    let t = Instant::now();
    let (code, report, stderr) = check(dir.path(), &["./..."]);
    let took = t.elapsed();
    assert_eq!(code, 0, "stderr: {stderr}");
    println!("check of the hostile module took {took:?}");

    assert_eq!(package(&report, "cmd/good")["link"]["result"], "dynamic");
    assert_eq!(
        package(&report, "cmd/huge")["link"]["result"],
        "dynamic",
        "the 50 MB file's imports count"
    );

    let binary = &package(&report, "cmd/binary")["link"];
    assert_eq!(binary["result"], "fails");
    assert!(
        binary["error"]
            .as_str()
            .unwrap()
            .contains("example.com/bad/blob"),
        "{binary}"
    );

    let cycle = &package(&report, "cmd/cycle")["link"];
    assert_eq!(cycle["result"], "fails");
    assert!(
        cycle["error"]
            .as_str()
            .unwrap()
            .contains("import cycle not allowed"),
        "{cycle}"
    );

    let missing = &package(&report, "cmd/missing")["link"];
    assert_eq!(missing["result"], "fails");
    assert!(
        missing["error"]
            .as_str()
            .unwrap()
            .contains("example.com/bad/gone"),
        "{missing}"
    );
}

#[test]
fn unparsable_go_mod_is_a_load_error_with_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "go.mod",
        "module example.com/x\n\ngo 1.22\nrequire (\n\tthis is not valid\n",
    );
    write(dir.path(), "main.go", "package main\n\nfunc main() {}\n");
    let (code, report, stderr) = check(dir.path(), &["."]);
    // Either the package is still predicted (bad lines are reported and
    // skipped) or the run stops with a message naming go.mod; never a panic.
    if code == 2 {
        assert!(stderr.contains("go.mod"), "stderr: {stderr}");
    } else {
        assert_eq!(
            package(&report, "example.com/x")["link"]["result"],
            "static"
        );
    }
}

#[test]
fn no_go_mod_and_missing_directory_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.go", "package main\n\nfunc main() {}\n");
    let (code, _, stderr) = check(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("go.mod"), "stderr: {stderr}");

    let (code, _, stderr) = check(dir.path(), &["-C", "does/not/exist", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("does not exist"), "stderr: {stderr}");
}

#[test]
fn missing_module_in_cache_is_unknown_naming_the_module() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "go.mod",
        "module example.com/y\n\ngo 1.22\n\nrequire github.com/mattn/go-sqlite3 v1.14.22\n",
    );
    write(
        dir.path(),
        "main.go",
        "package main\n\nimport _ \"github.com/mattn/go-sqlite3\"\n\nfunc main() {}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["check", "--json", "."])
        .current_dir(dir.path())
        .env("GOTOOLCHAIN", "local")
        .env("GOMODCACHE", cache.path())
        .env_remove("GOFLAGS")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let link = &package(&report, "example.com/y")["link"];
    assert_eq!(link["result"], "unknown", "{link}");
    assert!(
        link["error"]
            .as_str()
            .unwrap()
            .contains("github.com/mattn/go-sqlite3@v1.14.22"),
        "{link}"
    );
}

#[test]
fn require_static_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "go.mod", "module example.com/z\n\ngo 1.22\n");
    write(
        dir.path(),
        "main.go",
        "package main\n\nimport \"net\"\n\nfunc main() { _ = net.ParseIP }\n",
    );
    let (code, _, _) = check(dir.path(), &["--require", "static", "."]);
    assert_eq!(code, 1);
    let (code, _, _) = check(dir.path(), &["--require", "static", "-tags", "netgo", "."]);
    assert_eq!(code, 0);
    let (code, _, stderr) = check(dir.path(), &["-nosuchflag", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nosuchflag"));
}
