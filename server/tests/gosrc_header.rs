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
