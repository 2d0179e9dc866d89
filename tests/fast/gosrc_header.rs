//! Header scanning (`linklens::gosrc::scan_header`) against go/build's rules.

use linklens::gosrc::{CgoVerb, ErrorKind, Expr, FileHeader, Span, scan_header};

fn at(src: &str, s: Span) -> &str {
    &src[s.start..s.end]
}

fn paths(h: &FileHeader) -> Vec<&str> {
    h.imports.iter().map(|i| i.path.as_str()).collect()
}

fn tag(t: &str) -> Expr {
    Expr::Tag(t.to_string())
}

#[test]
fn every_import_form_with_exact_spans() {
    let src = "package main\n\nimport \"fmt\"\nimport f2 \"fmt2\"\nimport . \"dot\"\nimport _ \"blank\"\nimport (\n\t\"a\"; b \"b\" // c\n\t/* x */ _ `raw/path`\n\t. \"d\"\n)\nimport ()\n\nfunc main() {}\n";
    let h = scan_header(src.as_bytes());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    let (name, span) = h.package.clone().unwrap();
    assert_eq!((name.as_str(), at(src, span)), ("main", "main"));
    assert_eq!(at(src, h.package_clause.unwrap()), "package main");
    assert_eq!(
        paths(&h),
        ["fmt", "fmt2", "dot", "blank", "a", "b", "raw/path", "d"]
    );
    let names: Vec<Option<&str>> = h.imports.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            None,
            Some("f2"),
            Some("."),
            Some("_"),
            None,
            Some("b"),
            Some("_"),
            Some(".")
        ]
    );
    let spans: Vec<&str> = h.imports.iter().map(|i| at(src, i.span)).collect();
    assert_eq!(
        spans,
        [
            "\"fmt\"",
            "f2 \"fmt2\"",
            ". \"dot\"",
            "_ \"blank\"",
            "\"a\"",
            "b \"b\"",
            "_ `raw/path`",
            ". \"d\""
        ]
    );
    let lits: Vec<&str> = h.imports.iter().map(|i| at(src, i.path_span)).collect();
    assert_eq!(
        lits,
        [
            "\"fmt\"",
            "\"fmt2\"",
            "\"dot\"",
            "\"blank\"",
            "\"a\"",
            "\"b\"",
            "`raw/path`",
            "\"d\""
        ]
    );
    assert!(h.import_c.is_none());
    assert!(!h.imports_embed);
}

#[test]
fn bom_is_skipped_and_spans_stay_absolute() {
    let src = "\u{feff}//go:build linux\n\npackage p\nimport \"os\"\n";
    let h = scan_header(src.as_bytes());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    let (x, span) = h.go_build.clone().unwrap();
    assert_eq!(x, tag("linux"));
    assert_eq!(at(src, span), "//go:build linux");
    assert_eq!(at(src, h.imports[0].path_span), "\"os\"");
    // A BOM anywhere else is an error, as in go/scanner.
    let h = scan_header("package p\nimport \"os\" // \u{feff}\n".as_bytes());
    assert_eq!(h.errors.len(), 1);
    assert_eq!(h.errors[0].message, "illegal byte order mark");
}

#[test]
fn stops_after_imports_and_ignores_later_text() {
    let src = "package p\nimport \"a\"\nvar x = 1\nimport \"late\"\n\u{0}garbage\"";
    let h = scan_header(src.as_bytes());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    assert_eq!(paths(&h), ["a"]);
}

#[test]
fn embed_import_is_noticed() {
    let h = scan_header(b"package p\nimport (\n\t_ \"embed\"\n\t\"os\"\n)\n");
    assert!(h.imports_embed);
    assert_eq!(paths(&h), ["embed", "os"]);
}

#[test]
fn comments_everywhere_between_imports() {
    let src = "/* lead */ package /* a */ p // b\n// c\nimport /* d */ ( // e\n/* f\n*/ \"x\" /* g */ ; /* h */ y \"y\" // i\n// j\n) // k\n/* l */ import \"z\"\n";
    let h = scan_header(src.as_bytes());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    assert_eq!(paths(&h), ["x", "y", "z"]);
    assert_eq!(at(src, h.imports[1].span), "y \"y\"");
}

#[test]
fn go_build_wins_but_both_are_kept() {
    let src = "// +build ignore\n//go:build linux && (amd64 || arm64)\n\npackage p\n";
    let h = scan_header(src.as_bytes());
    let (x, span) = h.go_build.clone().unwrap();
    assert_eq!(at(src, span), "//go:build linux && (amd64 || arm64)");
    let or = Expr::Or(Box::new(tag("amd64")), Box::new(tag("arm64")));
    assert_eq!(x, Expr::And(Box::new(tag("linux")), Box::new(or)));
    assert_eq!(h.plus_build.len(), 1);
    assert_eq!(at(src, h.plus_build[0].1), "// +build ignore");
}

#[test]
fn plus_build_needs_a_following_blank_line() {
    // No blank line before the package clause: the line is a doc comment.
    let h = scan_header(b"// +build linux\npackage p\n");
    assert!(h.plus_build.is_empty());
    // With the blank line it counts; several lines all count (AND).
    let src = "// Copyright\n\n// +build linux darwin\n// +build cgo,!race\n\n// Package doc.\n// +build ignored\npackage p\n";
    let h = scan_header(src.as_bytes());
    let texts: Vec<&str> = h.plus_build.iter().map(|(_, s)| at(src, *s)).collect();
    assert_eq!(texts, ["// +build linux darwin", "// +build cgo,!race"]);
    let cgo_not_race = Expr::And(
        Box::new(tag("cgo")),
        Box::new(Expr::Not(Box::new(tag("race")))),
    );
    assert_eq!(h.plus_build[1].0, cgo_not_race);
    // `+build` after the package clause or inside /* */ never counts.
    let h = scan_header(b"package p\n\n// +build linux\n\nimport \"os\"\n");
    assert!(h.plus_build.is_empty());
    let h = scan_header(b"/*\n// +build linux\n\n*/\n\npackage p\n");
    assert!(h.plus_build.is_empty());
    // `//go:build` counts anywhere in the leading comments, blank line or not,
    // but not inside /* */.
    let h = scan_header(b"/* x */\n//go:build linux\npackage p\n");
    assert_eq!(h.go_build.unwrap().0, tag("linux"));
    let h = scan_header(b"/*\n//go:build linux\n*/\npackage p\n");
    assert!(h.go_build.is_none());
    // `//go:buildx` and `// +buildx` are not constraints.
    let h = scan_header(b"//go:buildx\n// +buildy\n\npackage p\n");
    assert!(h.go_build.is_none() && h.plus_build.is_empty() && h.errors.is_empty());
}

#[test]
fn multiple_or_bad_go_build_lines_are_constraint_errors() {
    let src = "//go:build linux\n//go:build darwin\n\npackage p\nimport \"os\"\n";
    let h = scan_header(src.as_bytes());
    assert_eq!(h.errors.len(), 1);
    assert_eq!(h.errors[0].kind, ErrorKind::Constraint);
    assert_eq!(h.errors[0].message, "multiple //go:build comments");
    assert_eq!(at(src, h.errors[0].span), "//go:build darwin");
    // What was read is kept.
    assert_eq!(h.go_build.clone().unwrap().0, tag("linux"));
    assert_eq!(paths(&h), ["os"]);

    let h = scan_header(b"//go:build linux &&\n\npackage p\n");
    assert!(h.go_build.is_none());
    assert_eq!(h.errors[0].kind, ErrorKind::Constraint);
    assert_eq!(
        h.errors[0].message,
        "parsing //go:build line: unexpected end of expression"
    );
    let h = scan_header(b"//go:build\npackage p\n");
    assert_eq!(
        h.errors[0].message,
        "parsing //go:build line: unexpected end of expression"
    );
}

#[test]
fn cgo_directives_from_the_attached_doc_comment() {
    let src = "package p\n\n/*\n#cgo CFLAGS: -DX=\"a b\" -I${SRCDIR}/inc\n#cgo linux,amd64 !windows LDFLAGS: -lm '-L/o p t'\n#cgo (linux && cgo) pkg-config: libfoo\n#cgo noescape f\n#cgo nocallback g\n#include <stdio.h>\n*/\nimport \"C\"\nimport \"unsafe\"\n";
    let h = scan_header(src.as_bytes());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    assert_eq!(paths(&h), ["unsafe"]);
    let c = h.import_c.unwrap();
    assert_eq!(at(src, c.span), "\"C\"");
    let d = &c.directives;
    assert_eq!(d.len(), 3);
    assert_eq!(
        at(src, d[0].span),
        "#cgo CFLAGS: -DX=\"a b\" -I${SRCDIR}/inc"
    );
    assert_eq!(
        (d[0].verb, d[0].args.clone()),
        (
            CgoVerb::CFlags,
            vec!["-DX=a b".to_string(), "-I${SRCDIR}/inc".to_string()]
        )
    );
    assert!(d[0].conditions.is_empty());
    assert_eq!(d[1].conditions, ["linux,amd64", "!windows"]);
    assert_eq!(
        (d[1].verb, d[1].args.clone()),
        (
            CgoVerb::LdFlags,
            vec!["-lm".to_string(), "-L/o p t".to_string()]
        )
    );
    assert_eq!(d[2].conditions, ["(linux", "&&", "cgo)"]);
    assert_eq!(d[2].verb, CgoVerb::PkgConfig);
}

#[test]
fn cgo_doc_comment_must_touch_the_spec() {
    // A blank line between the comment and `import "C"`: no doc, no directives.
    let h = scan_header(b"package p\n\n// #cgo LDFLAGS: -lm\n\nimport \"C\"\n");
    assert!(h.import_c.unwrap().directives.is_empty());
    // `//` lines directly above count.
    let h = scan_header(b"package p\n\n// #cgo LDFLAGS: -lm\n// #cgo CFLAGS: -O2\nimport \"C\"\n");
    assert_eq!(h.import_c.unwrap().directives.len(), 2);
    // A comment on the previous token's line is a line comment, not a doc.
    let h = scan_header(b"package p; import \"os\" /* #cgo LDFLAGS: -lm */\nimport \"C\"\n");
    assert!(h.import_c.unwrap().directives.is_empty());
    // In a group, the spec's own comment; a lone spec in a group falls back
    // to the comment above `import`.
    let h = scan_header(b"package p\n// #cgo LDFLAGS: -la\nimport (\n\t\"os\"\n\t// #cgo LDFLAGS: -lb\n\t\"C\"\n)\n");
    assert_eq!(h.import_c.unwrap().directives[0].args, ["-lb"]);
    let h = scan_header(b"package p\n// #cgo LDFLAGS: -la\nimport (\n\t\"os\"\n\t\"C\"\n)\n");
    assert!(h.import_c.unwrap().directives.is_empty());
    let h = scan_header(b"package p\n// #cgo LDFLAGS: -la\nimport (\n\t\"C\"\n)\n");
    assert_eq!(h.import_c.unwrap().directives[0].args, ["-la"]);
    // CRLF line endings.
    let h = scan_header(b"package p\r\n\r\n// #cgo LDFLAGS: -lm\r\nimport \"C\"\r\n");
    assert_eq!(h.import_c.unwrap().directives[0].args, ["-lm"]);
}

#[test]
fn malformed_cgo_lines_are_errors_with_their_conditions() {
    let src = "package p\n// #cgo LDFLAGS -lm\n// #cgo windows LDFLAGS: \"open\n// #cgo BOGUS: x\n// #cgo CFLAGS: -D`x`\n// #cgo: not a directive\nimport \"C\"\n";
    let h = scan_header(src.as_bytes());
    let got: Vec<(&str, &str, ErrorKind)> = h
        .errors
        .iter()
        .map(|e| (e.message.as_str(), at(src, e.span), e.kind.clone()))
        .collect();
    let cond = |c: &[&str]| ErrorKind::Cgo {
        conditions: c.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        got,
        [
            (
                "invalid #cgo line: #cgo LDFLAGS -lm",
                "#cgo LDFLAGS -lm",
                cond(&[])
            ),
            (
                "invalid #cgo line: #cgo windows LDFLAGS: \"open",
                "#cgo windows LDFLAGS: \"open",
                cond(&["windows"])
            ),
            (
                "invalid #cgo verb: #cgo BOGUS: x",
                "#cgo BOGUS: x",
                cond(&[])
            ),
            (
                "malformed #cgo argument: -D`x`",
                "#cgo CFLAGS: -D`x`",
                cond(&[])
            ),
        ]
    );
    assert!(h.import_c.unwrap().directives.is_empty());
}

#[test]
fn nul_byte_in_header_is_a_read_error() {
    let h = scan_header(b"package p\nimport \"o\0s\"\n");
    assert_eq!(h.errors.len(), 1);
    assert_eq!(
        (h.errors[0].message.as_str(), h.errors[0].kind.clone()),
        ("unexpected NUL in input", ErrorKind::Read)
    );
    assert_eq!(h.errors[0].span, Span::new(19, 20));
    assert_eq!(h.package.unwrap().0, "p");
    // A NUL after the imports is never read by go/build.
    let h = scan_header(b"package p\nimport \"os\"\nfunc f() { \0 }\n");
    assert!(h.errors.is_empty());
}

#[test]
fn unterminated_things_are_syntax_errors() {
    for src in [
        &b"package p\n/* never closed\nimport \"os\"\n"[..],
        b"package p\nimport \"os\n",
        b"package p\nimport `os\n",
        b"package p\nimport (\n\"os\"\n",
        b"/* only a comment",
        b"",
        b"package",
        b"package p\nimport",
        b"package p\nimport x\n",
        b"package p\nimport (\"a\" \"b\")\n",
    ] {
        let h = scan_header(src);
        assert!(!h.errors.is_empty(), "{:?}", String::from_utf8_lossy(src));
        assert!(
            h.errors
                .iter()
                .all(|e| e.kind == ErrorKind::Syntax && e.span.end <= src.len()),
            "{:?}",
            h.errors
        );
    }
    // What was read before the error is kept.
    let h = scan_header(b"package p\nimport \"a\"\nimport (\n\"b\"\n");
    assert_eq!(paths(&h), ["a", "b"]);
    assert_eq!(h.errors[0].message, "expected ')', found 'EOF'");
}

#[test]
fn invalid_import_paths_and_encodings() {
    let cases: &[(&[u8], &str)] = &[
        (b"package p\nimport \"a b\"\n", "invalid import path: a b"),
        (b"package p\nimport \"\"\n", "invalid import path: "),
        (
            b"package p\nimport \"a\\x80\"\n",
            "invalid import path: a\u{fffd}",
        ),
        (b"package p\nimport \"a:b\"\n", "invalid import path: a:b"),
        (b"package p\nimport \"\\q\"\n", "unknown escape sequence"),
        (b"package p\nimport \"a\xff\"\n", "illegal UTF-8 encoding"),
        (b"// \xff\npackage p\n", "illegal UTF-8 encoding"),
        (
            b"package p\nimport @ \"a\"\n",
            "illegal character U+0040 '@'",
        ),
    ];
    for (src, msg) in cases {
        let h = scan_header(src);
        assert_eq!(
            h.errors.first().map(|e| e.message.as_str()),
            Some(*msg),
            "{:?}",
            String::from_utf8_lossy(src)
        );
    }
    // Escapes and Unicode are fine when the result is a valid path.
    let h = scan_header("package p\nimport \"\\x61/\\u00e9t\u{e9}\"\n".as_bytes());
    assert!(h.errors.is_empty(), "{:?}", h.errors);
    assert_eq!(paths(&h), ["a/\u{e9}t\u{e9}"]);
}

#[test]
fn garbage_never_panics() {
    // Deterministic pseudo-random bytes, biased towards Go punctuation.
    let alphabet = b"package import \"C\"`()/*;\n\t._x\\\0\xff\xef\xbb\xbf+build go:build #cgo: ";
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    for len in 0..3000usize {
        let mut buf = Vec::with_capacity(len % 200);
        for _ in 0..len % 200 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let b = if seed.is_multiple_of(3) {
                (seed >> 8) as u8
            } else {
                alphabet[(seed >> 8) as usize % alphabet.len()]
            };
            buf.push(b);
        }
        let h = scan_header(&buf);
        for e in &h.errors {
            assert!(e.span.start <= e.span.end && e.span.end <= buf.len());
        }
        for i in &h.imports {
            assert!(
                i.span.end <= buf.len() && buf.get(i.path_span.start..i.path_span.end).is_some()
            );
        }
    }
}

#[test]
fn huge_file_returns_fast() {
    let mut src = b"//go:build linux\n\npackage p\n\nimport (\n\t\"os\"\n\t\"C\"\n)\n\n".to_vec();
    let line = b"func f() { x := \"/* not a comment\"; _ = x }\n";
    while src.len() < 50 << 20 {
        src.extend_from_slice(line);
    }
    let t = std::time::Instant::now();
    let h = scan_header(&src);
    let took = t.elapsed();
    assert_eq!(paths(&h), ["os"]);
    assert!(h.import_c.is_some());
    println!("50 MB file: header scanned in {took:?}");
    // A full pass over 50 MB takes far longer, even in release builds; the
    // generous bound keeps a loaded machine from failing the test.
    assert!(
        took < std::time::Duration::from_millis(200),
        "took {took:?}"
    );
    // Without a package clause go/build reads the whole file; we stay linear
    // (about 1 s per 10 MB in a debug build).
    let mut junk = vec![b'/'; 2];
    junk.extend(std::iter::repeat_n(b'x', 5 << 20));
    let t = std::time::Instant::now();
    let h = scan_header(&junk);
    println!("5 MB comment without package: {:?}", t.elapsed());
    assert!(!h.errors.is_empty() && h.package.is_none());
}

/// Headers are scanned from a file's first bytes when they hold the whole
/// header (load/source.rs reads 16 KiB first). Over every file of the Go
/// installation and the fixtures, and over cuts of those files at many
/// points, the prefix scan either agrees with the whole-file scan or asks
/// for the whole file.
#[test]
fn prefix_scans_agree_with_whole_file_scans() {
    use linklens::gosrc::scan_header_prefix;
    let goroot = crate::common::toolchain::goroot();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for root in [goroot.join("src"), repo.join("tests/fixtures")] {
        let mut stack = vec![root];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "go") {
                    files.push(p);
                }
            }
        }
    }
    assert!(files.len() > 5000, "only {} Go files found", files.len());
    let (mut decided, mut deferred) = (0, 0);
    for f in &files {
        let Ok(src) = std::fs::read(f) else { continue };
        let whole = scan_header(&src);
        for cut in [16 << 10, 4096, 1024, 300, 100] {
            if src.len() <= cut {
                continue;
            }
            match scan_header_prefix(&src[..cut]) {
                Some(h) => {
                    decided += 1;
                    assert_eq!(h, whole, "{} cut at {cut}", f.display());
                }
                None => deferred += 1,
            }
        }
    }
    println!(
        "{} files, {decided} prefix scans agreed, {deferred} asked for the whole file",
        files.len()
    );
}
