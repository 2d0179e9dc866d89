//! Benchmark: `linklens check --json ./...` against `go list -deps -json ./...`
//! on the bundled example and on a generated 2,000-package workspace, and a
//! `--cross-check` of the generated workspace. linklens runs with its header
//! index warm (as every run after the first) and without it (`LINKLENS_INDEX=off`).
//! Prints numbers; asserts nothing.
//!
//! usage: cargo build --release && cargo run --release --example bench_check [-- RUNS]

#[allow(dead_code)]
#[path = "gen_workspace.rs"]
mod gen_workspace;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let exe = std::env::current_exe().expect("current exe");
    let linklens = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("linklens"))
        .expect("target dir");
    if !linklens.exists() {
        eprintln!(
            "build the binary first: cargo build --release ({} is missing)",
            linklens.display()
        );
        std::process::exit(2);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("repo root")
        .to_path_buf();
    let ws = repo.join("target/bench-workspace");
    if !ws.join("go.mod").exists() {
        gen_workspace::generate(&ws, 2000, 20).expect("generate workspace");
    }
    println!("runs per measurement: {runs} (median after one warm-up)");
    for (name, dir) in [
        ("examples/shop", repo.join("examples/shop")),
        ("generated 2,000 packages", ws.clone()),
    ] {
        // The header index warm (every run after the first), then without
        // it (as a first run, minus saving it).
        let ours = median(runs, || {
            run(&linklens, &["check", "--json", "./..."], &dir, true)
        });
        let cold = median(runs, || {
            run(&linklens, &["check", "--json", "./..."], &dir, false)
        });
        let go = median(runs, || {
            run(
                Path::new("go"),
                &["list", "-deps", "-json", "./..."],
                &dir,
                true,
            )
        });
        println!(
            "{name:<26} linklens check --json: {:>7.1} ms (no index {:>7.1} ms)   go list -deps -json: {:>8.1} ms   speed-up {:.1}x (no index {:.1}x)",
            ms(ours),
            ms(cold),
            ms(go),
            go.as_secs_f64() / ours.as_secs_f64(),
            go.as_secs_f64() / cold.as_secs_f64()
        );
    }
    let out = Command::new(&linklens)
        .args(["check", "--cross-check", "./..."])
        .current_dir(&ws)
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run cross-check");
    print!(
        "cross-check on the generated workspace: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn run(prog: &Path, args: &[&str], dir: &PathBuf, index: bool) -> Duration {
    let t = Instant::now();
    let status = Command::new(prog)
        .args(args)
        .current_dir(dir)
        .env("LINKLENS_INDEX", if index { "on" } else { "off" })
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    let d = t.elapsed();
    if !status.success() {
        eprintln!(
            "warning: {} {:?} exited with {status}",
            prog.display(),
            args
        );
    }
    d
}

fn median(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    f();
    let mut v: Vec<Duration> = (0..runs.max(1)).map(|_| f()).collect();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
