//! Soak: random edits to many files through `linklens serve`, checking after
//! every batch that the server's verdict for each main package equals a
//! fresh `linklens check --json` of the same content (kept on disk in step
//! with the editor buffers), and that the server's memory stays flat.
//!
//! `soak_short` runs in CI (50 files, 500 edits). `soak_full` is the issue's
//! 200 files / 10,000 edits: `cargo test --release --test lsp soak_full -- --ignored`.

use crate::common::lsp_client::{LspClient, file_uri, proc_status_kib};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::xorshift::XorShift;

struct Shape {
    mains: usize,
    libs: usize,
    files_per_lib: usize,
    edits: usize,
    batch: usize,
}

/// Pure standard packages, and (rarer) ones that use cgo on linux.
const STD: &[&str] = &["fmt", "strings", "crypto/sha256", "sort", "bytes", "errors"];
const CGO_STD: &[&str] = &["net", "os/user"];

struct Tree {
    root: PathBuf,
    /// Path → (package name, index of its lib or None for a main).
    files: Vec<(PathBuf, String, Option<usize>)>,
    shape: (usize, usize),
    rev: u64,
}

impl Tree {
    fn text(&mut self, r: &mut XorShift, i: usize, keep_imports: Option<&str>) -> String {
        self.rev += 1;
        let (_, pkg, lib) = &self.files[i];
        let imports = match keep_imports {
            Some(block) => block.to_string(),
            None => {
                let mut v = Vec::new();
                for _ in 0..r.below(3) {
                    v.push(STD[r.below(STD.len())].to_string());
                }
                if r.below(12) == 0 {
                    v.push(CGO_STD[r.below(CGO_STD.len())].to_string());
                }
                // Libraries import only higher-numbered ones: no cycles.
                let from = lib.map_or(0, |l| l + 1);
                if from < self.shape.1 {
                    for _ in 0..r.below(3) {
                        let l = from + r.below(self.shape.1 - from);
                        v.push(format!("example.com/soak/lib/l{l}"));
                    }
                }
                let mut block: String = v.iter().map(|p| format!("\t_ \"{p}\"\n")).collect();
                if lib.is_some() && r.below(60) == 0 {
                    block.push_str("\t_ \"unsafe\"\n");
                    return format!(
                        "package {pkg}\n\n// #include <stdlib.h>\nimport \"C\"\n\nimport (\n{block})\n\n// rev {}\n",
                        self.rev
                    );
                }
                block
            }
        };
        let body = if pkg == "main" {
            "func main() {}\n"
        } else {
            ""
        };
        format!(
            "package {pkg}\n\nimport (\n{imports})\n\n{body}// rev {}\n",
            self.rev
        )
    }
}

fn imports_block(text: &str) -> Option<String> {
    let start = text.find("import (\n")? + "import (\n".len();
    let end = start + text[start..].find(')')?;
    // Keep cgo files' full header by regenerating them instead.
    (!text.contains("import \"C\"")).then(|| text[start..end].to_string())
}

/// `linklens check --json` verdicts by main package import path.
fn check(root: &Path) -> BTreeMap<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["check", "--json"])
        .current_dir(root)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["import_path"].as_str().unwrap().to_string(),
                p["link"]["result"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn soak(shape: Shape) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("soak");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("go.mod"), "module example.com/soak\n\ngo 1.22\n").unwrap();
    let mut files = Vec::new();
    for m in 0..shape.mains {
        files.push((
            root.join(format!("cmd/m{m}/main.go")),
            "main".to_string(),
            None,
        ));
    }
    for l in 0..shape.libs {
        for f in 0..shape.files_per_lib {
            files.push((
                root.join(format!("lib/l{l}/f{f}.go")),
                format!("l{l}"),
                Some(l),
            ));
        }
    }
    let mut tree = Tree {
        root: root.clone(),
        files,
        shape: (shape.mains, shape.libs),
        rev: 0,
    };
    let mut r = XorShift(0x5eed_50a6_1234_5678);
    let mut texts = Vec::new();
    for i in 0..tree.files.len() {
        let t = tree.text(&mut r, i, None);
        let p = &tree.files[i].0;
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &t).unwrap();
        texts.push(t);
    }
    let mut c = LspClient::start(env!("CARGO_BIN_EXE_linklens"), &tree.root);
    let pid = c.pid();
    c.initialize(&tree.root, json!({}), json!({}));
    for (i, (p, _, _)) in tree.files.iter().enumerate() {
        c.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": file_uri(p), "languageId": "go", "version": 1, "text": texts[i]}}),
        );
    }
    let mut versions = vec![1; tree.files.len()];
    let mains: Vec<(String, PathBuf)> = (0..shape.mains)
        .map(|m| {
            (
                format!("example.com/soak/cmd/m{m}"),
                tree.files[m].0.clone(),
            )
        })
        .collect();
    let start = Instant::now();
    let mut rss = Vec::new();
    let mut compared = 0;
    let mut dynamic_seen = 0;
    let mut edits = 0;
    while edits < shape.edits {
        for _ in 0..shape.batch.min(shape.edits - edits) {
            let i = r.below(tree.files.len());
            // Most edits keep the imports (typing in a body); some rewrite them.
            let keep = if r.below(10) < 7 {
                imports_block(&texts[i])
            } else {
                None
            };
            let t = tree.text(&mut r, i, keep.as_deref());
            std::fs::write(&tree.files[i].0, &t).unwrap();
            versions[i] += 1;
            c.change(&tree.files[i].0, versions[i], &t);
            texts[i] = t;
            edits += 1;
        }
        // The server handles notifications in order, so these answers
        // reflect every edit above.
        let mut served = BTreeMap::new();
        for (ip, file) in &mains {
            let s = c.call(
                "linklens/status",
                json!({"textDocument": {"uri": file_uri(file)}}),
            );
            served.insert(ip.clone(), s["verdict"].as_str().unwrap_or("?").to_string());
        }
        let fresh = check(&tree.root);
        let fresh: BTreeMap<String, String> = fresh
            .into_iter()
            .filter(|(ip, _)| served.contains_key(ip))
            .collect();
        assert_eq!(served, fresh, "after {edits} edits");
        compared += served.len();
        dynamic_seen += served.values().filter(|v| *v == "dynamic").count();
        let _ = c.drain(Duration::from_millis(1));
        rss.push(proc_status_kib(pid, "VmRSS"));
    }
    let took = start.elapsed();
    let end = check(&tree.root);
    let dynamic = end.values().filter(|v| *v == "dynamic").count();
    let stat = end.values().filter(|v| *v == "static").count();
    eprintln!(
        "soak: {} files, {edits} edits in {took:?}, {compared} verdicts compared ({dynamic_seen} dynamic), {} batches, \
         RSS KiB per batch first/max/last {}/{}/{}, {dynamic} dynamic + {stat} static mains at the end",
        tree.files.len(),
        rss.len(),
        rss[0],
        rss.iter().max().unwrap(),
        rss.last().unwrap()
    );
    // Flat: the last batch uses at most a little more than the first.
    let (first, last) = (rss[0], *rss.last().unwrap());
    assert!(
        last <= first + first / 2 + 16 * 1024,
        "RSS grew from {first} to {last} KiB"
    );
    // Both outcomes were exercised, not one verdict all along.
    assert!(
        dynamic_seen > 0 && dynamic_seen < compared,
        "{dynamic_seen}/{compared} dynamic"
    );
    let _ = c.drain(Duration::from_millis(20));
    assert_eq!(c.shutdown(), Some(0));
}

#[test]
fn soak_short() {
    soak(Shape {
        mains: 10,
        libs: 10,
        files_per_lib: 4,
        edits: 500,
        batch: 100,
    });
}

#[test]
#[ignore = "long: 200 files, 10,000 edits (run with --release -- --ignored)"]
fn soak_full() {
    soak(Shape {
        mains: 20,
        libs: 30,
        files_per_lib: 6,
        edits: 10_000,
        batch: 500,
    });
}
