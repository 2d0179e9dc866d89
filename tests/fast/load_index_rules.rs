//! Regression test for a disagreement found by header_golist_differential:
//! `go build` reads packages through cmd/go's module index, which fails a
//! package for read/syntax errors and duplicate `//go:build` lines in any
//! non-hidden .go file, even one excluded by its name or constraints and
//! even a _test.go file. Expectations observed with go1.26 `go build` on
//! files older than two seconds (see the note in load/package.rs).

use linklens::gosrc::TagContext;
use linklens::load::{LoadError, Package, Sources};

fn load(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.go"), "package main\nfunc main(){}\n").unwrap();
    for (n, t) in files {
        std::fs::write(dir.path().join(n), t).unwrap();
    }
    let ctx = TagContext {
        goos: "linux".into(),
        goarch: "amd64".into(),
        cgo_enabled: true,
        compiler: "gc".into(),
        ..TagContext::default()
    };
    let pkg = Package::load(&Sources::new(), "m", dir.path(), false, &ctx);
    pkg.errors
        .iter()
        .map(|e| match e {
            LoadError::BadFile { message, .. } => message.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn index_rejects_bad_files_whatever_their_name_or_constraints() {
    let two = "//go:build linux\n//go:build amd64\n\npackage main\n";
    assert_eq!(
        load(&[("x_windows.go", two)]),
        ["multiple //go:build comments"]
    );
    assert_eq!(
        load(&[("x_test.go", two)]),
        ["multiple //go:build comments"]
    );
    assert_eq!(
        load(&[("x_test.go", "//go:build !!linux\n\npackage main\n")]).len(),
        1
    );
    assert_eq!(
        load(&[("x_windows.go", "package main\n\0\n")]),
        ["unexpected NUL in input"]
    );
    assert_eq!(
        load(&[("x.go", "//go:build ignore\n\npackage main\nimport fmt\n")]).len(),
        1
    );
    assert_eq!(
        load(&[("x_windows.go", "package main\nimport (\n\"fmt\"\n")]).len(),
        1
    );
}

#[test]
fn index_ignores_what_it_never_evaluates() {
    // A malformed //go:build line in a file whose GOOS suffix does not match.
    assert!(load(&[("x_windows.go", "//go:build !!linux\n\npackage main\n")]).is_empty());
    // A bad #cgo line in an excluded file.
    let cgo = "//go:build ignore\n\npackage main\n//#cgo LDFLAGS: `\nimport \"C\"\n";
    assert!(load(&[("x.go", cgo)]).is_empty());
    // Hidden files are not read at all.
    assert!(load(&[("_x.go", "package main\n\0"), (".y.go", "import fmt")]).is_empty());
}

#[test]
fn unreadable_main_package_keeps_its_name() {
    // Found by tests/fast/hostile_workspace.rs: a main package whose only file
    // has a NUL byte was not recognised as main, so nothing reported it.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.go"),
        "package main\n\0\0import \"os\"\n",
    )
    .unwrap();
    let ctx = TagContext {
        goos: "linux".into(),
        goarch: "amd64".into(),
        compiler: "gc".into(),
        ..TagContext::default()
    };
    let pkg = Package::load(&Sources::new(), "m", dir.path(), false, &ctx);
    assert!(pkg.is_main());
    assert!(!pkg.errors.is_empty());
}
