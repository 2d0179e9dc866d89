//! Constraint expressions, tag matching, file-name rules and file selection.

use linklens::gosrc::constraint::{parse_go_build, parse_plus_build};
use linklens::gosrc::filename::{NameExclusion, exclude_by_name};
use linklens::gosrc::select::{Exclusion, select_file};
use linklens::gosrc::{Expr, TagContext, arch_feature_tags, release_tags, scan_header};

fn ctx(goos: &str, goarch: &str, cgo: bool) -> TagContext {
    TagContext {
        goos: goos.into(),
        goarch: goarch.into(),
        cgo_enabled: cgo,
        compiler: "gc".into(),
        build_tags: vec!["netgo".into()],
        tool_tags: vec!["goexperiment.boringcrypto".into(), "amd64.v1".into()],
        release_tags: release_tags(26),
    }
}

fn eval(x: &Expr, c: &TagContext) -> bool {
    x.eval(&mut |t| c.matches(t))
}

#[test]
fn go_build_precedence_and_errors() {
    let x = parse_go_build("a || b && !c").unwrap();
    let t = |s: &str| Box::new(Expr::Tag(s.into()));
    assert_eq!(
        x,
        Expr::Or(
            t("a"),
            Box::new(Expr::And(t("b"), Box::new(Expr::Not(t("c")))))
        )
    );
    assert_eq!(
        parse_go_build("!(a || b)").unwrap(),
        Expr::Not(Box::new(Expr::Or(t("a"), t("b"))))
    );
    assert_eq!(
        parse_go_build(" go1.21 && ünï_cödé ").unwrap(),
        Expr::And(t("go1.21"), t("ünï_cödé"))
    );
    for (text, err) in [
        ("", "unexpected end of expression"),
        ("a &&", "unexpected end of expression"),
        ("(a", "missing close paren"),
        ("(a || b", "missing close paren"),
        ("a b", "unexpected token b"),
        ("!!a", "double negation not allowed"),
        ("a & b", "invalid syntax at &"),
        ("a | b", "invalid syntax at |"),
        ("a-b", "invalid syntax at -"),
        ("a)", "unexpected token )"),
        ("()", "unexpected token )"),
        ("a,b", "invalid syntax at ,"),
    ] {
        assert_eq!(parse_go_build(text), Err(err.to_string()), "{text:?}");
    }
    let x = parse_go_build("linux && (amd64 || arm64) && !windows && go1.26").unwrap();
    assert!(eval(&x, &ctx("linux", "amd64", true)));
    assert!(!eval(&x, &ctx("linux", "386", true)));
    assert!(eval(&x, &ctx("android", "arm64", false)));
    let big = vec!["a"; 1001].join(" || ");
    assert_eq!(
        parse_go_build(&big),
        Err("build expression too large".into())
    );
    let deep = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert_eq!(
        parse_go_build(&deep),
        Err("build expression too large".into())
    );
}

#[test]
fn plus_build_syntax() {
    let t = |s: &str| Box::new(Expr::Tag(s.into()));
    let x = parse_plus_build("linux,386 darwin,!cgo").unwrap();
    let want = Expr::Or(
        Box::new(Expr::And(t("linux"), t("386"))),
        Box::new(Expr::And(t("darwin"), Box::new(Expr::Not(t("cgo"))))),
    );
    assert_eq!(x, want);
    // Invalid terms become the never-set tag `ignore`, as in go/build.
    assert_eq!(
        parse_plus_build("!!linux").unwrap(),
        Expr::Tag("ignore".into())
    );
    assert_eq!(parse_plus_build("").unwrap(), Expr::Tag("ignore".into()));
    assert_eq!(parse_plus_build("a-b").unwrap(), Expr::Tag("ignore".into()));
    assert_eq!(parse_plus_build("!").unwrap(), Expr::Tag("ignore".into()));
    assert!(parse_plus_build(&vec!["a"; 102].join(" ")).is_err());
}

#[test]
fn match_tag_rules() {
    let c = ctx("android", "arm64", true);
    for yes in [
        "android",
        "linux",
        "unix",
        "arm64",
        "gc",
        "cgo",
        "netgo",
        "boringcrypto",
        "go1.1",
        "go1.26",
        "amd64.v1",
    ] {
        assert!(c.matches(yes), "{yes}");
    }
    for no in ["go1.27", "darwin", "amd64", "gccgo", "ignore", "race", ""] {
        assert!(!c.matches(no), "{no}");
    }
    assert!(ctx("illumos", "amd64", false).matches("solaris"));
    assert!(ctx("ios", "arm64", false).matches("darwin"));
    assert!(!ctx("darwin", "arm64", false).matches("ios"));
    assert!(!ctx("linux", "amd64", false).matches("cgo"));
    assert!(!ctx("windows", "amd64", false).matches("unix"));
    assert!(!ctx("js", "wasm", false).matches("unix"));
}

#[test]
fn arch_feature_tag_lists() {
    assert_eq!(arch_feature_tags("amd64", None), ["amd64.v1"]);
    assert_eq!(
        arch_feature_tags("amd64", Some("v3")),
        ["amd64.v1", "amd64.v2", "amd64.v3"]
    );
    assert_eq!(arch_feature_tags("arm", None), ["arm.5", "arm.6", "arm.7"]);
    assert_eq!(
        arch_feature_tags("arm", Some("6,softfloat")),
        ["arm.5", "arm.6"]
    );
    assert_eq!(arch_feature_tags("arm64", None), ["arm64.v8.0"]);
    assert_eq!(
        arch_feature_tags("arm64", Some("v8.2,lse")),
        ["arm64.v8.0", "arm64.v8.1", "arm64.v8.2"]
    );
    let v91 = arch_feature_tags("arm64", Some("v9.1"));
    assert_eq!(v91[..2], ["arm64.v9.0", "arm64.v9.1"]);
    assert_eq!(v91[2..].len(), 7); // v8.0 ..= v8.6
    assert_eq!(v91.last().unwrap(), "arm64.v8.6");
    assert_eq!(
        arch_feature_tags("arm64", Some("v9.5")).last().unwrap(),
        "arm64.v8.9"
    );
    assert_eq!(arch_feature_tags("386", None), ["386.sse2"]);
    assert_eq!(
        arch_feature_tags("mipsle", Some("softfloat")),
        ["mipsle.softfloat"]
    );
    assert_eq!(
        arch_feature_tags("ppc64le", Some("power10")),
        ["ppc64le.power8", "ppc64le.power9", "ppc64le.power10"]
    );
    assert_eq!(
        arch_feature_tags("riscv64", Some("rva22u64")),
        ["riscv64.rva20u64", "riscv64.rva22u64"]
    );
    assert_eq!(
        arch_feature_tags("wasm", None),
        ["wasm.satconv", "wasm.signext"]
    );
    assert!(arch_feature_tags("s390x", None).is_empty());
    assert_eq!(release_tags(3), ["go1.1", "go1.2", "go1.3"]);
}

#[test]
fn file_name_rules() {
    let linux = ctx("linux", "amd64", true);
    let android = ctx("android", "arm64", true);
    let cases: &[(&str, Option<NameExclusion>, Option<NameExclusion>)] = &[
        ("a.go", None, None),
        ("linux.go", None, None),
        ("windows.go", None, None),
        ("a_linux.go", None, None),
        (
            "a_windows.go",
            Some(NameExclusion::OsArch),
            Some(NameExclusion::OsArch),
        ),
        ("a_amd64.go", None, Some(NameExclusion::OsArch)),
        ("a_linux_amd64.go", None, Some(NameExclusion::OsArch)),
        ("a_linux_arm64.go", Some(NameExclusion::OsArch), None),
        ("a_android.go", Some(NameExclusion::OsArch), None),
        ("a_unix.go", None, None),
        ("a_foo_linux.go", None, None),
        ("a_linux_foo.go", None, None),
        ("x_windows_linux.go", None, None),
        ("a.b_windows.go", None, None),
        (
            "a_windows.pb.go",
            Some(NameExclusion::OsArch),
            Some(NameExclusion::OsArch),
        ),
        (
            "a_test.go",
            Some(NameExclusion::Test),
            Some(NameExclusion::Test),
        ),
        (
            "a_windows_test.go",
            Some(NameExclusion::Test),
            Some(NameExclusion::Test),
        ),
        (
            "_a.go",
            Some(NameExclusion::Hidden),
            Some(NameExclusion::Hidden),
        ),
        (
            ".a.go",
            Some(NameExclusion::Hidden),
            Some(NameExclusion::Hidden),
        ),
        (
            "a.c",
            Some(NameExclusion::NotGo),
            Some(NameExclusion::NotGo),
        ),
        (
            "a.go.orig",
            Some(NameExclusion::NotGo),
            Some(NameExclusion::NotGo),
        ),
    ];
    for (name, on_linux, on_android) in cases {
        assert_eq!(exclude_by_name(name, &linux), *on_linux, "{name} linux");
        assert_eq!(
            exclude_by_name(name, &android),
            *on_android,
            "{name} android"
        );
    }
}

#[test]
fn selection_sequence() {
    let on = ctx("linux", "amd64", true);
    let off = ctx("linux", "amd64", false);
    let sel =
        |name: &str, src: &str, c: &TagContext| select_file(name, &scan_header(src.as_bytes()), c);

    assert_eq!(sel("a.go", "package p\n", &on), Ok(()));
    assert_eq!(
        sel("a_windows.go", "package p\n", &on),
        Err(Exclusion::Name(NameExclusion::OsArch))
    );
    assert_eq!(
        sel("a.go", "//go:build windows\n\npackage p\n", &on),
        Err(Exclusion::Constraint)
    );
    assert_eq!(sel("a.go", "//go:build !cgo\n\npackage p\n", &off), Ok(()));
    assert_eq!(
        sel("a.go", "//go:build !cgo\n\npackage p\n", &on),
        Err(Exclusion::Constraint)
    );
    // `//go:build` controls even when `+build` disagrees.
    assert_eq!(
        sel(
            "a.go",
            "// +build ignore\n//go:build linux\n\npackage p\n",
            &on
        ),
        Ok(())
    );
    assert_eq!(
        sel("a.go", "// +build ignore\n\npackage p\n", &on),
        Err(Exclusion::Constraint)
    );
    // Checked with go list: an empty `// +build` means `ignore`; `//go:build`
    // after a /* */ line still counts.
    assert_eq!(
        sel("a.go", "// +build\n\npackage p\n", &on),
        Err(Exclusion::Constraint)
    );
    assert_eq!(
        sel("a.go", "/* x */\n//go:build windows\npackage p\n", &on),
        Err(Exclusion::Constraint)
    );
    assert_eq!(
        sel("a.go", "// +build linux\n// +build 386\n\npackage p\n", &on),
        Err(Exclusion::Constraint)
    );
    // import "C" is an implicit `cgo` constraint.
    let cgo = "package p\nimport \"C\"\n";
    assert_eq!(sel("a.go", cgo, &on), Ok(()));
    assert_eq!(sel("a.go", cgo, &off), Err(Exclusion::CgoDisabled));
    assert_eq!(
        sel("a.go", &format!("//go:build windows\n\n{cgo}"), &off),
        Err(Exclusion::Constraint)
    );
    // Errors that stop go/build before the constraint.
    assert_eq!(
        sel(
            "a.go",
            "//go:build linux\n//go:build linux\npackage p\n",
            &on
        ),
        Err(Exclusion::Invalid)
    );
    assert_eq!(
        sel("a.go", "//go:build (linux\npackage p\n", &on),
        Err(Exclusion::Invalid)
    );
    assert_eq!(
        sel("a_windows.go", "package p\0", &on),
        Err(Exclusion::Name(NameExclusion::OsArch))
    );
    assert_eq!(sel("a.go", "package p\0", &on), Err(Exclusion::Invalid));
    assert_eq!(
        sel("doc.go", "package documentation\n", &on),
        Err(Exclusion::Documentation)
    );
    // Syntax errors do not exclude: they fail the build if the file is selected.
    let h = scan_header(b"package p\nimport x\n");
    assert_eq!(select_file("a.go", &h, &on), Ok(()));
    assert_eq!(h.build_errors(&on).count(), 1);
}

#[test]
fn cgo_directive_conditions() {
    let src = "package p\n// #cgo LDFLAGS: -la\n// #cgo linux,arm64 darwin LDFLAGS: -lb\n// #cgo linux&&!cgo LDFLAGS: -lc\n// #cgo linux && cgo LDFLAGS: -le\n// #cgo !linux LDFLAGS: -ld\n// #cgo windows LDFLAGS: \"bad\nimport \"C\"\n";
    let h = scan_header(src.as_bytes());
    let applied = |c: &TagContext| -> Vec<String> {
        let d = &h.import_c.as_ref().unwrap().directives;
        d.iter()
            .filter(|d| d.applies(c))
            .flat_map(|d| d.args.clone())
            .collect()
    };
    // Conditions are whitespace-separated and ORed: `linux && cgo` is three of them.
    assert_eq!(applied(&ctx("linux", "amd64", true)), ["-la", "-le"]);
    assert_eq!(
        applied(&ctx("linux", "amd64", false)),
        ["-la", "-lc", "-le"]
    );
    assert_eq!(
        applied(&ctx("darwin", "amd64", true)),
        ["-la", "-lb", "-le", "-ld"]
    );
    assert_eq!(applied(&ctx("linux", "arm64", true)), ["-la", "-lb", "-le"]);
    // The malformed line only matters where its condition holds.
    assert_eq!(h.build_errors(&ctx("linux", "amd64", true)).count(), 0);
    assert_eq!(h.build_errors(&ctx("windows", "amd64", true)).count(), 1);
}
