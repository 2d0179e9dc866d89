//! Generates a synthetic Go module for benchmarks: N library packages in
//! layers (each imports a few packages of the layer below and some standard
//! packages; one in 40 imports net, one in 97 os/user), plus main packages
//! under cmd/ that import a spread of them.
//!
//! usage: cargo run --release --example gen_workspace -- DIR [PACKAGES] [MAINS]

use std::fmt::Write as _;
use std::path::Path;

const STD: &[&str] = &[
    "fmt",
    "strings",
    "sort",
    "encoding/json",
    "bytes",
    "errors",
    "strconv",
    "time",
    "sync",
    "io",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: gen_workspace DIR [PACKAGES=2000] [MAINS=20]");
        std::process::exit(2);
    };
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2000);
    let mains: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    if let Err(e) = generate(Path::new(dir), n, mains) {
        eprintln!("gen_workspace: {e}");
        std::process::exit(1);
    }
    println!("generated {n} packages and {mains} main packages in {dir}");
}

pub fn generate(root: &Path, n: usize, mains: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(root)?;
    std::fs::write(root.join("go.mod"), "module example.com/big\n\ngo 1.22\n")?;
    for i in 0..n {
        let mut imports: Vec<String> = vec![
            STD[i % STD.len()].to_string(),
            STD[(i * 7 + 3) % STD.len()].to_string(),
        ];
        if i % 40 == 7 {
            imports.push("net".into());
        }
        if i % 97 == 11 {
            imports.push("os/user".into());
        }
        // Layered: depend on up to three packages with lower numbers.
        for k in [1usize, 17, 131] {
            if i >= k {
                imports.push(format!("example.com/big/pkg/p{:04}", i - k));
            }
        }
        imports.sort();
        imports.dedup();
        let dir = root.join(format!("pkg/p{i:04}"));
        std::fs::create_dir_all(&dir)?;
        let mut src = format!("// Package p{i:04} is generated.\npackage p{i:04}\n\nimport (\n");
        for imp in &imports {
            let _ = writeln!(src, "\t_ \"{imp}\"");
        }
        let _ = write!(src, ")\n\n// V is exported.\nconst V = {i}\n");
        std::fs::write(dir.join("p.go"), src)?;
        // A second file excluded on linux, and a test file: both must be
        // skipped by the loader.
        std::fs::write(
            dir.join("p_windows.go"),
            format!("package p{i:04}\n\nimport _ \"os/user\"\n"),
        )?;
        std::fs::write(
            dir.join("p_test.go"),
            format!("package p{i:04}\n\nimport _ \"net\"\n"),
        )?;
    }
    for m in 0..mains {
        let dir = root.join(format!("cmd/m{m:02}"));
        std::fs::create_dir_all(&dir)?;
        let mut src = String::from("package main\n\nimport (\n");
        // Mains that import only low, net-free packages stay static.
        let top = if m % 2 == 0 { n - 1 - m } else { (m * 3) % 7 };
        let _ = writeln!(src, "\t_ \"example.com/big/pkg/p{top:04}\"");
        src.push_str(")\n\nfunc main() {}\n");
        std::fs::write(dir.join("main.go"), src)?;
    }
    Ok(())
}
