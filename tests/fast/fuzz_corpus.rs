//! A short, deterministic fuzz run on stable Rust: every fuzz target of
//! fuzz/ (the same functions, from fuzz/targets.rs) over seeds taken from the
//! repository plus xorshift mutations of them. Catches regressions of the
//! crashes libFuzzer found (their inputs live in fuzz/regressions/<target>/
//! and are always run first) without needing nightly or libFuzzer.

#[allow(dead_code)] // not every helper of the shared file is a target here
#[path = "../../fuzz/targets.rs"]
mod targets;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::common::xorshift::XorShift;

/// Fragments that matter to the parsers, spliced in by the mutator.
const TOKENS: &[&[u8]] = &[
    b"//go:build ",
    b"// +build ",
    b"package main\n",
    b"import ",
    b"\"C\"",
    b"import \"C\"\n",
    b"// #cgo linux LDFLAGS: -lm\n",
    b"(",
    b")",
    b"\n",
    b"\n\n",
    b"\0",
    b"/*",
    b"*/",
    b"`",
    b"\"",
    b"'",
    b"\\",
    b"\xff\xfe",
    b"\xe2\x80\xa8",
    b"&&",
    b"||",
    b"!",
    b"require (",
    b"replace a => ../b",
    b"=>",
    b"// indirect",
    b"## explicit; go 1.21",
    b"# example.com/m v1.0.0",
    b"-ldflags=",
    b"-extldflags ",
    b"\xff Go buildinf:",
    b"\x7fELF",
    b"\xff\xff\xff\xff\xff\xff\xff\x7f",
    b"\0\0\0\0",
];

fn mutate(r: &mut XorShift, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + r.below(4) {
        let at = r.below(b.len() + 1);
        match r.below(7) {
            0 if !b.is_empty() => {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
            1 if !b.is_empty() => {
                let i = r.below(b.len());
                b[i] = r.next() as u8;
            }
            2 => {
                let end = (at + 1 + r.below(64)).min(b.len());
                b.drain(at..end);
            }
            3 => {
                let t = TOKENS[r.below(TOKENS.len())];
                b.splice(at..at, t.iter().copied());
            }
            4 => b.truncate(at),
            5 if !b.is_empty() => {
                // Duplicate a chunk (repeated clauses, nested parens).
                let s = r.below(b.len());
                let e = (s + 1 + r.below(128)).min(b.len());
                let chunk = b[s..e].to_vec();
                b.splice(at..at, chunk);
            }
            _ if b.len() >= 8 => {
                // Absurd little-endian integer (offsets, counts, varints).
                let i = r.below(b.len() - 7);
                b[i..i + 8].copy_from_slice(&r.next().to_le_bytes());
            }
            _ => b.push(r.next() as u8),
        }
    }
    b
}

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, keep, out);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Committed crash inputs of `target`, then the files `keep` selects from
/// the fixtures and examples, then `extra`.
fn seeds(target: &str, keep: &dyn Fn(&Path) -> bool, extra: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    files_under(
        &repo().join("fuzz/regressions").join(target),
        &|_| true,
        &mut paths,
    );
    let regressions = paths.len();
    for d in ["tests/fixtures", "examples"] {
        files_under(&repo().join(d), keep, &mut paths);
    }
    let mut out: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    out.extend(extra.iter().map(|e| e.to_vec()));
    assert!(
        out.len() > regressions,
        "no seeds for {target} beyond the regressions"
    );
    out
}

fn run(name: &str, seeds: &[Vec<u8>], cases: usize, f: fn(&[u8])) {
    let start = Instant::now();
    let mut r = XorShift(0x9e37_79b9_7f4a_7c15 ^ name.len() as u64);
    let check = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| f(input))).is_err() {
            let path = std::env::temp_dir().join(format!("linklens-fuzz-{name}-crash"));
            let _ = std::fs::write(&path, input);
            panic!(
                "{name}: panic on a {}-byte input (saved to {})",
                input.len(),
                path.display()
            );
        }
    };
    for s in seeds {
        check(s);
    }
    for _ in 0..cases {
        let s = &seeds[r.below(seeds.len())];
        check(&mutate(&mut r, s));
    }
    eprintln!(
        "{name}: {} seeds + {cases} mutations in {:?}",
        seeds.len(),
        start.elapsed()
    );
}

fn ext_is(p: &Path, exts: &[&str]) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.contains(&e))
}

#[test]
fn header_scanner() {
    let s = seeds("header", &|p| ext_is(p, &["go", "c"]), &[b""]);
    run("header", &s, 4000, targets::header);
}

#[test]
fn constraints() {
    // The text after each //go:build and // +build line of the fixtures.
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for src in seeds("constraint", &|p| ext_is(p, &["go"]), &[]) {
        for l in String::from_utf8_lossy(&src).lines() {
            if let Some(x) = l
                .strip_prefix("//go:build ")
                .or_else(|| l.strip_prefix("// +build "))
            {
                lines.push(x.as_bytes().to_vec());
            }
        }
    }
    lines.push(b"!(linux && (cgo || !netgo)) || go1.21".to_vec());
    lines.push(b"linux,cgo !windows,!arm64".to_vec());
    lines.push("(".repeat(600).into_bytes());
    run("constraint", &lines, 6000, targets::constraint);
}

#[test]
fn module_files() {
    let keep = |p: &Path| {
        matches!(
            p.file_name().and_then(|n| n.to_str()),
            Some("go.mod" | "go.work" | "modules.txt")
        )
    };
    let s = seeds(
        "modfiles",
        &keep,
        &[b"module m\ngo 1.21\nrequire (\n\ta v1.0.0\n)\n"],
    );
    run("modfiles", &s, 4000, targets::modfiles);
}

#[test]
fn build_flags() {
    let s = seeds(
        "flags",
        &|_| false,
        &[
            b"-linkmode external -extldflags \"-static -lm\"",
            b"-s -w -X 'main.version=1.2.3 beta'",
            b"-ldflags=-linkmode=internal -tags=netgo,osusergo -trimpath",
            b"-tags netgo -ldflags \"-extldflags=-static\" -buildmode=pie ./cmd/...",
            b"-mod=vendor -race -ldflags=example.com/m/cmd/...=-d",
            b"-I /lib/ld-musl-x86_64.so.1 -extld=musl-gcc -d",
        ],
    );
    run("flags", &s, 6000, targets::flags);
}

#[test]
fn binaries() {
    // Crafted headers and the inspect fixtures' sources (the "not a binary"
    // paths); with the real toolchain, also a real dynamic ELF from gcc.
    #[allow(unused_mut)] // grows only with the real toolchain
    let mut extra: Vec<Vec<u8>> = vec![
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec(),
        b"MZ\x90\0".to_vec(),
        b"\xcf\xfa\xed\xfe\x0c\0\0\x01".to_vec(),
    ];
    #[cfg(feature = "real-toolchain")]
    {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("x.c");
        std::fs::write(&c, "int main(void){return 0;}\n").unwrap();
        let out = dir.path().join("x");
        let st = std::process::Command::new("gcc")
            .args(["-Os", "-s", "-o"])
            .arg(&out)
            .arg(&c)
            .status()
            .expect("gcc (apt-get install -y gcc)");
        assert!(st.success(), "gcc failed");
        extra.push(std::fs::read(&out).unwrap());
    }
    let refs: Vec<&[u8]> = extra.iter().map(|e| e.as_slice()).collect();
    let s = seeds("inspect", &|p| ext_is(p, &["md"]), &refs);
    run("inspect", &s, 3000, targets::inspect);
}

#[test]
fn build_profiles() {
    let keep = |p: &Path| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.contains("Dockerfile") || n == "Makefile" || n.ends_with(".yaml") || n.ends_with(".sh")
    };
    let s = seeds(
        "profiles",
        &keep,
        &[
            b"FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nRUN go build -tags netgo -o /app ./cmd/x\nFROM scratch\nCOPY --from=build /app /app\n",
            b"build:\n\tCGO_ENABLED=1 go build -ldflags '-linkmode external -extldflags \"-static\"' ./...\n",
            b"builds:\n  - env: [CGO_ENABLED=0]\n    flags: [-trimpath]\n    ldflags: ['-s -w']\n",
        ],
    );
    run("profiles", &s, 3000, targets::profiles);
}
