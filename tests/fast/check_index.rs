//! `linklens check` with its header index (file headers and directory
//! listings saved between runs): the same predictions as without it, and an
//! edited file or directory is always read again, even when the edit keeps
//! its size and modification time.

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn check(dir: &Path, cache: &Path, index: bool) -> Value {
    check_logged(dir, cache, index, &[]).0
}

/// `check`, with more environment, and the index's counts from its debug
/// log: entries checked by a stat, entries trusted without one, and files
/// or directories read from the disk.
fn check_logged(
    dir: &Path,
    cache: &Path,
    index: bool,
    env: &[(&str, &Path)],
) -> (Value, [usize; 3]) {
    let out = Command::new(env!("CARGO_BIN_EXE_linklens"))
        .args(["check", "--json", "./..."])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env("CGO_ENABLED", "1")
        .env("XDG_CACHE_HOME", cache)
        .env("LINKLENS_INDEX", if index { "on" } else { "off" })
        .env("LINKLENS_LOG", "debug")
        .envs(env.iter().copied())
        .output()
        .expect("run linklens");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let counts = log
        .lines()
        .find(|l| l.contains("header index:"))
        .map(|l| {
            ["stamped=", "trusted=", "read="].map(|k| {
                let at = l.find(k).map_or(l.len(), |i| i + k.len());
                let n = l[at..].split(|c: char| !c.is_ascii_digit()).next();
                n.and_then(|n| n.parse().ok()).unwrap_or(usize::MAX)
            })
        })
        .unwrap_or([0; 3]);
    (
        serde_json::from_slice(&out.stdout).expect("JSON report"),
        counts,
    )
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

/// The module cache is immutable (a module directory at a version is
/// extracted once from a checksummed zip), so, as cmd/go's modindex does,
/// a warm run takes a dependency's files from the index without a stat;
/// the main module's and a replace directory's files are still checked by
/// stat, and their edits are seen at once.
#[test]
fn module_cache_is_read_once_then_trusted_and_local_edits_are_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let modcache = tmp.path().join("modcache");
    let dep = modcache.join("example.com/dep@v1.0.0");
    std::fs::create_dir_all(&dep).unwrap();
    std::fs::write(dep.join("go.mod"), "module example.com/dep\n\ngo 1.22\n").unwrap();
    let dep_go = dep.join("dep.go");
    std::fs::write(&dep_go, "package dep\n\nimport _ \"os\" // pad\n").unwrap();
    let local = tmp.path().join("local");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(
        local.join("go.mod"),
        "module example.com/local\n\ngo 1.22\n",
    )
    .unwrap();
    let local_go = local.join("local.go");
    std::fs::write(&local_go, "package local\n\nimport _ \"os\" // pad\n").unwrap();
    let m = tmp.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("go.mod"),
        "module example.com/m\n\ngo 1.22\n\nrequire (\n\texample.com/dep v1.0.0\n\texample.com/local v0.0.0\n)\n\nreplace example.com/local => ../local\n",
    )
    .unwrap();
    let main = m.join("main.go");
    let main_src = "package main\n\nimport (\n\t_ \"example.com/dep\"\n\t_ \"example.com/local\"\n\t_ \"os\" // pad\n)\n\nfunc main() {}\n";
    std::fs::write(&main, main_src).unwrap();
    // The index keeps only local files unchanged for two seconds.
    std::thread::sleep(Duration::from_millis(2100));
    let env = [("GOMODCACHE", modcache.as_path())];
    let run = |index: bool| check_logged(&m, &cache, index, &env);

    let (first, [_, _, read]) = run(true);
    assert_eq!(verdict(&first), "static", "{first:#}");
    assert!(
        read >= 6,
        "the first run reads every file and directory: {read}"
    );
    let (warm, [stamped, trusted, read]) = run(true);
    assert_eq!(warm, first);
    assert_eq!(read, 0, "a warm run reads nothing");
    // The module cache's directory and file (and GOROOT's) come without a
    // stat; the main module's and the replacement's directory and Go file
    // are stat'ed.
    assert!(trusted >= 2, "trusted {trusted}");
    assert_eq!(stamped, 4, "stat'ed entries");

    // Same size, same modification time: an edit in place that only a
    // stat (change time) would show.
    let edit_in_place = |path: &Path, from: &str, to: &str| {
        let text = std::fs::read_to_string(path).unwrap();
        let edited = text.replace(from, to);
        assert_eq!(text.len(), edited.len());
        let mtime = std::fs::metadata(path).unwrap().modified().unwrap();
        std::fs::write(path, edited).unwrap();
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(mtime).unwrap();
    };
    // The module cache is not to be edited; if it is, the warm index does
    // not look (go's own module index does not either), while a run
    // without the index reads the edit: proof that nothing was stat'ed.
    edit_in_place(&dep_go, "_ \"os\" // pad", "_ \"net\" // pd");
    let (trusting, [_, _, read]) = run(true);
    assert_eq!(trusting, first, "the module cache is trusted");
    assert_eq!(read, 0);
    assert_eq!(verdict(&run(false).0), "dynamic");
    edit_in_place(&dep_go, "_ \"net\" // pd", "_ \"os\" // pad");

    // A replacement directory is the user's: its edit is seen.
    edit_in_place(&local_go, "_ \"os\" // pad", "_ \"net\" // pd");
    let (edited, _) = run(true);
    assert_eq!(verdict(&edited), "dynamic", "{edited:#}");
    edit_in_place(&local_go, "_ \"net\" // pd", "_ \"os\" // pad");

    // And so is the main module's, even after the index is warm.
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(run(true).0, first);
    edit_in_place(&main, "_ \"os\" // pad", "_ \"net\" // pd");
    let (edited, _) = run(true);
    assert_eq!(verdict(&edited), "dynamic", "{edited:#}");
    assert_eq!(edited, run(false).0);
}
