//! Differential test: our build-constraint parser and evaluator against
//! Go's own go/build/constraint, run through tests/tools/constraint-oracle.
//! Fails, saying so, when no `go` toolchain is on PATH.

use std::io::Write;
use std::process::{Command, Stdio};

use linklens::gosrc::constraint::{parse_go_build, parse_plus_build};

use crate::common::xorshift::XorShift;

const TAGS: &[&str] = &[
    "linux", "cgo", "amd64", "go1.21", "a_b", "x.y", "é", "unix", "ignore",
];
const JUNK: &[&str] = &[
    "-", ",", "&", "|", "!!", "", "\u{a0}", "\u{2163}", "#", "()",
];

/// A random `//go:build` expression, mostly well formed.
fn go_expr(r: &mut XorShift, depth: u32) -> String {
    let mut s = match r.below(if depth > 3 { 3 } else { 6 }) {
        0..=2 => TAGS[r.below(TAGS.len())].to_string(),
        3 => format!("({})", go_expr(r, depth + 1)),
        4 => format!("{} && {}", go_expr(r, depth + 1), go_expr(r, depth + 1)),
        _ => format!("{} || {}", go_expr(r, depth + 1), go_expr(r, depth + 1)),
    };
    if r.below(4) == 0 {
        s = format!("!{s}");
    }
    if r.below(25) == 0 {
        // Corrupt it somewhere.
        let at = r.below(s.chars().count() + 1);
        let junk = JUNK[r.below(JUNK.len())];
        s = s
            .chars()
            .take(at)
            .chain(junk.chars())
            .chain(s.chars().skip(at))
            .collect();
    }
    if r.below(10) == 0 {
        s = s.replace(' ', "");
    }
    s
}

/// A random `// +build` line body.
fn plus_expr(r: &mut XorShift) -> String {
    let mut opts = Vec::new();
    for _ in 0..r.below(4) {
        let mut terms = Vec::new();
        for _ in 0..1 + r.below(3) {
            let neg = ["", "", "!", "!!"][r.below(4)];
            let word = if r.below(12) == 0 {
                JUNK[r.below(JUNK.len())]
            } else {
                TAGS[r.below(TAGS.len())]
            };
            terms.push(format!("{neg}{word}"));
        }
        opts.push(terms.join(","));
    }
    opts.join(if r.below(5) == 0 { "\t" } else { " " })
}

#[test]
fn constraint_parser_agrees_with_go() {
    let oracle = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/tools/constraint-oracle"
    );
    crate::common::toolchain::require_go();
    let mut r = XorShift(0x5eed_1234_abcd_ef01);
    let mut cases = Vec::new();
    for i in 0..12_000 {
        let plus = i % 4 == 0;
        let expr = if plus {
            plus_expr(&mut r)
        } else {
            go_expr(&mut r, 0)
        };
        let tags: Vec<&str> = TAGS.iter().copied().filter(|_| r.below(2) == 0).collect();
        cases.push((plus, expr, tags));
    }
    let mut child = Command::new("go")
        .args(["run", "."])
        .current_dir(oracle)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start oracle");
    let mut input = String::new();
    for (plus, expr, tags) in &cases {
        input.push_str(&format!(
            "{}\x1f{}\x1f{}\n",
            if *plus { "P" } else { "G" },
            expr,
            tags.join(",")
        ));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("oracle output");
    writer
        .join()
        .expect("writer thread")
        .expect("write to oracle");
    assert!(out.status.success(), "oracle failed");
    let answers: Vec<String> = String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(answers.len(), cases.len());

    let (mut errs, mut trues, mut disagreements) = (0, 0, Vec::new());
    for ((plus, expr, tags), want) in cases.iter().zip(&answers) {
        let parsed = if *plus {
            parse_plus_build(expr)
        } else {
            parse_go_build(expr)
        };
        let got = match parsed {
            Ok(x) => format!("ok {}", u8::from(x.eval(&mut |t| tags.contains(&t)))),
            Err(e) => format!("err {e}"),
        };
        errs += usize::from(got.starts_with("err"));
        trues += usize::from(got == "ok 1");
        if &got != want {
            disagreements.push(format!("{expr:?} tags={tags:?}: ours {got:?}, go {want:?}"));
        }
    }
    println!(
        "{} cases ({} errors, {} true), {} disagreements",
        cases.len(),
        errs,
        trues,
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{}",
        disagreements[..disagreements.len().min(20)].join("\n")
    );
    assert!(errs > 200 && trues > 1000, "generator too narrow");
}
