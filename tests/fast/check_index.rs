//! `linklens check` with its header index (file headers and directory
//! listings saved between runs): the same predictions as without it, and an
//! edited file or directory is always read again, even when the edit keeps
//! its size and modification time.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn check(dir: &Path, cache: &Path, index: bool) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["check", "--json", "./..."])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env("CGO_ENABLED", "1")
        .env("XDG_CACHE_HOME", cache)
        .env("LINKLENS_INDEX", if index { "on" } else { "off" })
        .output()
        .expect("run linklens");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

fn verdict(report: &Value) -> &str {
    report["packages"][0]["link"]["result"]
        .as_str()
        .unwrap_or("")
}

#[test]
fn the_index_changes_no_prediction_and_never_hides_an_edit() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let m = tmp.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
    let main = m.join("main.go");
    // Same length: the edit below keeps the size.
    let static_src = "package main\n\nimport _ \"os\" // pad\n\nfunc main() {}\n";
    let dynamic_src = "package main\n\nimport _ \"net\" // pd\n\nfunc main() {}\n";
    assert_eq!(static_src.len(), dynamic_src.len());
    std::fs::write(&main, static_src).unwrap();
    // The index keeps only files unchanged for two seconds.
    std::thread::sleep(Duration::from_millis(2100));

    let first = check(&m, &cache, true);
    assert_eq!(verdict(&first), "static", "{first:#}");
    let index_dir = cache.join("linklens/index");
    let saved: Vec<_> = std::fs::read_dir(&index_dir).unwrap().flatten().collect();
    assert_eq!(saved.len(), 1, "one index file for the project");
    assert_eq!(check(&m, &cache, true), first, "a run from the index");
    assert_eq!(check(&m, &cache, false), first, "a run without the index");

    let mtime = std::fs::metadata(&main).unwrap().modified().unwrap();
    std::fs::write(&main, dynamic_src).unwrap();
    let f = std::fs::File::options().write(true).open(&main).unwrap();
    f.set_modified(mtime).unwrap();
    drop(f);
    let edited = check(&m, &cache, true);
    assert_eq!(verdict(&edited), "dynamic", "{edited:#}");
    assert_eq!(edited, check(&m, &cache, false));

    // A new main package, the module directory's modification time put
    // back: its change time still shows the new entry.
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(check(&m, &cache, true), edited, "listings saved");
    let mtime = std::fs::metadata(&m).unwrap().modified().unwrap();
    std::fs::create_dir_all(m.join("two")).unwrap();
    std::fs::write(m.join("two/main.go"), static_src).unwrap();
    let dir = std::fs::File::open(&m).unwrap();
    dir.set_modified(mtime).unwrap();
    drop(dir);
    let grown = check(&m, &cache, true);
    let paths: Vec<&str> = grown["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["import_path"].as_str())
        .collect();
    assert_eq!(paths, ["example.com/m", "example.com/m/two"], "{grown:#}");
    assert_eq!(grown, check(&m, &cache, false));
}

/// A save that fails mid-write (a full disk; here the file size limit,
/// which holds for root too) leaves no temporary file in the cache, and
/// the run still succeeds.
#[test]
fn a_failed_index_write_leaves_no_temporary_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let m = tmp.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("go.mod"), "module example.com/m\n\ngo 1.22\n").unwrap();
    std::fs::write(m.join("main.go"), "package main\n\nfunc main() {}\n").unwrap();
    // Enough files for an index over 4 KiB, the size at which writes
    // fail below (EFBIG, SIGXFSZ ignored).
    for i in 0..60 {
        let text = format!("package main\n\nimport _ \"os\"\n\nvar v{i} = {i}\n");
        std::fs::write(m.join(format!("f{i}.go")), text).unwrap();
    }
    // The index keeps only files unchanged for two seconds.
    std::thread::sleep(Duration::from_millis(2100));
    let out = Command::new("sh")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 8 && exec \"$0\" check --json ./...",
            env!("CARGO_BIN_EXE_linklens"),
        ])
        .current_dir(&m)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env("XDG_CACHE_HOME", &cache)
        .env("LINKLENS_INDEX", "on")
        .output()
        .expect("run linklens");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index_dir = cache.join("linklens/index");
    let left: Vec<_> = std::fs::read_dir(&index_dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    // Without the limit, that run saves an index: the write was tried.
    check(&m, &cache, true);
    let saved: Vec<_> = std::fs::read_dir(&index_dir).unwrap().flatten().collect();
    assert_eq!(saved.len(), 1);
    assert!(saved[0].metadata().unwrap().len() > 4096);
}
