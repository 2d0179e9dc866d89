//! Robustness: truncated, byte-flipped and random inputs derived from real
//! binaries (Go static ELF, Go Mach-O, Go PE, a gcc dynamic ELF) plus crafted
//! ELF headers with absurd offsets and counts. `inspect_bytes` and
//! `parse_build_info` must never panic; results are otherwise unconstrained.
//! Deterministic (xorshift with fixed seeds), so a failure reproduces.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::inspect_support::{GoBuild, XorShift, copy_fixture, go_build, require_go, require_tool};
use linklens::inspect::{InspectError, inspect_bytes, parse_build_info};

struct Corpus {
    name: &'static str,
    bytes: Vec<u8>,
}

fn build_corpus(root: &Path) -> Vec<Corpus> {
    require_go();
    require_tool("gcc", "--version", "install gcc (apt-get install gcc)");
    let src = root.join("pure");
    copy_fixture("pure", &src);
    let go = |name: &'static str, env: &'static [(&'static str, &'static str)]| {
        let b = GoBuild {
            name,
            fixture: "pure",
            env,
            args: &["-ldflags=-s -w"],
        };
        let path = go_build(&b, &src, root).unwrap_or_else(|e| panic!("{e}"));
        Corpus {
            name,
            bytes: std::fs::read(path).expect("read built binary"),
        }
    };
    let mut corpus = vec![
        go("go-static-elf", &[("CGO_ENABLED", "0")]),
        go(
            "go-macho",
            &[
                ("CGO_ENABLED", "0"),
                ("GOOS", "darwin"),
                ("GOARCH", "arm64"),
            ],
        ),
        go(
            "go-pe",
            &[
                ("CGO_ENABLED", "0"),
                ("GOOS", "windows"),
                ("GOARCH", "amd64"),
            ],
        ),
    ];
    // Small dynamic C program: PT_INTERP, DT_NEEDED, DT_RUNPATH, verneed.
    let c_src = root.join("dyn.c");
    std::fs::write(
        &c_src,
        "#include <stdio.h>\nint main(void){puts(\"x\");return 0;}\n",
    )
    .expect("write c");
    let c_out = root.join("dyn");
    let st = Command::new("gcc")
        .arg("-O1")
        .arg("-Wl,--enable-new-dtags,-rpath,/opt/x")
        .arg("-o")
        .arg(&c_out)
        .arg(&c_src)
        .status()
        .expect("run gcc");
    assert!(st.success(), "gcc failed");
    corpus.push(Corpus {
        name: "gcc-dynamic-elf",
        bytes: std::fs::read(&c_out).expect("read"),
    });
    // Universal (fat) Mach-O wrapping the thin one at offset 0x4000.
    let thin = &corpus[1].bytes;
    let mut fat = Vec::new();
    fat.extend_from_slice(&0xcafe_babe_u32.to_be_bytes());
    fat.extend_from_slice(&1u32.to_be_bytes());
    for v in [0x0100_000c_u32, 0, 0x4000, thin.len() as u32, 14] {
        fat.extend_from_slice(&v.to_be_bytes()); // cputype arm64, subtype, offset, size, align
    }
    fat.resize(0x4000, 0);
    fat.extend_from_slice(thin);
    corpus.push(Corpus {
        name: "go-macho-fat",
        bytes: fat,
    });
    corpus
}

/// Run both entry points on `input`; report instead of unwinding.
fn exercise(input: &[u8], what: &dyn Fn() -> String, failures: &mut Vec<String>) {
    let r = catch_unwind(AssertUnwindSafe(|| {
        let _ = inspect_bytes(input);
        let _ = parse_build_info(input);
    }));
    if r.is_err() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let file = dir.join(format!("inspect_fuzz_crash_{}.bin", failures.len()));
        let _ = std::fs::write(&file, input);
        failures.push(format!("{} (input saved to {})", what(), file.display()));
    }
}

/// Offsets worth hitting: the headers and the Go build-info blob.
fn hot_spots(bytes: &[u8]) -> Vec<usize> {
    let mut spots: Vec<usize> = (0..bytes.len().min(512)).collect();
    if let Some(pos) = bytes.windows(14).position(|w| w == b"\xff Go buildinf:") {
        spots.extend(pos..(pos + 96).min(bytes.len()));
    }
    spots
}

#[test]
fn hostile_inputs_never_panic() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut corpus = build_corpus(root.path());
    let started = Instant::now();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut failures = Vec::new();
    let mut cases = 0usize;

    // Sanity: the unmutated inputs are understood (so mutations start from
    // something the parsers really walk through).
    for c in &corpus {
        let info = inspect_bytes(&c.bytes).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert!(
            info.go.is_some() || c.name == "gcc-dynamic-elf",
            "{}: no Go info",
            c.name
        );
    }
    let thin = inspect_bytes(&corpus[1].bytes).expect("thin");
    let fat = inspect_bytes(&corpus[4].bytes).expect("fat");
    assert_eq!(thin, fat, "fat Mach-O must report its first architecture");

    for c in corpus.iter_mut() {
        let len = c.bytes.len();
        let small = len < 64 * 1024;
        // 1. Truncated prefixes: every length in the headers, then random cuts.
        let cuts: Vec<usize> = (0..len.min(1024))
            .chain((0..if small { 1500 } else { 250 }).map(|_| rng.below(len)))
            .collect();
        for cut in cuts {
            cases += 1;
            exercise(
                &c.bytes[..cut],
                &|| format!("{} truncated to {cut}", c.name),
                &mut failures,
            );
            // Whole-file truncations must be reported as errors, never Ok with garbage.
            if cut < 16 {
                assert!(
                    inspect_bytes(&c.bytes[..cut]).is_err(),
                    "{} cut {cut}",
                    c.name
                );
            }
        }
        // 2. Byte flips in place (restored after each case); biased to hot spots.
        let spots = hot_spots(&c.bytes);
        let rounds = if small { 3000 } else { 700 };
        for round in 0..rounds {
            let n = 1 + rng.below(8);
            let mut saved = Vec::with_capacity(n);
            for _ in 0..n {
                let pos = if rng.below(4) < 3 {
                    spots[rng.below(spots.len())]
                } else {
                    rng.below(len)
                };
                let v = match rng.below(4) {
                    0 => 0xff,
                    1 => 0,
                    2 => c.bytes[pos] ^ (1 << rng.below(8)),
                    _ => rng.next_u64() as u8,
                };
                saved.push((pos, c.bytes[pos]));
                c.bytes[pos] = v;
            }
            cases += 1;
            let desc = || format!("{} flip round {round}: {saved:?}", c.name);
            exercise(&c.bytes, &desc, &mut failures);
            for &(pos, old) in saved.iter().rev() {
                c.bytes[pos] = old;
            }
        }
    }

    // 3. Random bytes behind each magic (and no magic at all).
    let magics: [&[u8]; 8] = [
        b"",
        b"\x7fELF\x02\x01\x01",
        b"\x7fELF\x01\x02\x01",
        b"MZ",
        b"\xcf\xfa\xed\xfe",
        b"\xfe\xed\xfa\xce",
        b"\xca\xfe\xba\xbe",
        b"\xff Go buildinf:\x08\x02",
    ];
    for i in 0..2000 {
        let magic = magics[i % magics.len()];
        let mut buf = magic.to_vec();
        let n = rng.below(4096);
        buf.extend((0..n).map(|_| rng.next_u64() as u8));
        cases += 1;
        exercise(
            &buf,
            &|| format!("random #{i} len {}", buf.len()),
            &mut failures,
        );
    }

    // 4. Crafted ELF headers: absurd values in every offset/count field of the
    //    real dynamic ELF's header and first program headers.
    let base = corpus[3].bytes.clone();
    let len = base.len() as u64;
    let interesting: [u64; 10] = [
        0,
        1,
        0x40,
        len - 1,
        len,
        len + 1,
        0x7fff_ffff,
        0xffff_ffff,
        1 << 62,
        u64::MAX,
    ];
    // (offset, width) of e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize,
    // e_shnum, e_shstrndx, then p_offset/p_vaddr/p_filesz/p_memsz of phdrs 0..4.
    let mut fields: Vec<(usize, usize)> = vec![
        (32, 8),
        (40, 8),
        (54, 2),
        (56, 2),
        (58, 2),
        (60, 2),
        (62, 2),
    ];
    let phoff = u64::from_le_bytes(base[32..40].try_into().expect("phoff")) as usize;
    for i in 0..4 {
        let ph = phoff + i * 56;
        fields.extend([
            (ph, 4),
            (ph + 8, 8),
            (ph + 16, 8),
            (ph + 32, 8),
            (ph + 40, 8),
        ]);
    }
    let mut crafted = base.clone();
    for &(off, width) in &fields {
        for &v in &interesting {
            crafted[off..off + width].copy_from_slice(&v.to_le_bytes()[..width]);
            cases += 1;
            exercise(
                &crafted,
                &|| format!("crafted field @{off} = {v:#x}"),
                &mut failures,
            );
            crafted[off..off + width].copy_from_slice(&base[off..off + width]);
        }
    }
    // Pairs of absurd fields at once.
    for _ in 0..1000 {
        let mut m = base.clone();
        for _ in 0..2 {
            let (off, width) = fields[rng.below(fields.len())];
            let v = interesting[rng.below(interesting.len())];
            m[off..off + width].copy_from_slice(&v.to_le_bytes()[..width]);
        }
        cases += 1;
        exercise(&m, &|| "crafted pair".to_string(), &mut failures);
    }

    // A header claiming 65535 program headers at offset 64 of a 200-byte file
    // is reported as truncated, not parsed.
    let mut tiny = base[..200].to_vec();
    tiny[56..58].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(matches!(
        inspect_bytes(&tiny),
        Err(InspectError::Truncated { .. })
    ));

    let elapsed = started.elapsed();
    eprintln!("{cases} cases in {elapsed:.1?}");
    assert!(cases >= 10_000, "only {cases} cases");
    assert!(
        failures.is_empty(),
        "{} panics:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
