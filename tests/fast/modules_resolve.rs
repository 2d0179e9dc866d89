//! Resolver behaviour on temporary module trees (and the real GOROOT).

use std::fs;
use std::path::Path;

use crate::common::toolchain::goroot;
use linklens::modules::{ModFlag, Resolution, Resolver, ResolverConfig};

fn write(root: &Path, rel: &str, content: &str) {
    assert!(
        !rel.starts_with('/'),
        "test helper writes inside temp dirs only"
    );
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// A package directory with one Go file.
fn pkg(root: &Path, rel: &str) {
    let file = if rel.is_empty() {
        "x.go".to_string()
    } else {
        format!("{rel}/x.go")
    };
    write(root, &file, "package x\n");
}

fn cfg(cache: &Path) -> ResolverConfig {
    ResolverConfig {
        goroot: goroot(),
        gomodcache: cache.to_path_buf(),
        gowork: Some("off".into()),
        mod_flag: None,
    }
}

fn module_dir(r: &Resolution) -> (&str, Option<&str>, &Path, bool) {
    match r {
        Resolution::Module {
            module,
            version,
            dir,
            vendored,
        } => (module, version.as_deref(), dir, *vendored),
        other => panic!("expected a module package, got {other:?}"),
    }
}

#[test]
fn main_module_std_and_std_vendor() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("m");
    write(&root, "go.mod", "module example.com/m\n\ngo 1.22\n");
    pkg(&root, "");
    pkg(&root, "internal/a");
    pkg(&root, "nested/inner"); // claimed by the nested module below
    write(&root, "nested/go.mod", "module example.com/other\n");
    fs::create_dir_all(root.join("empty")).unwrap();
    let r = Resolver::new(&root.join("internal/a"), &cfg(&t.path().join("cache"))).unwrap();
    assert_eq!(r.main_modules().len(), 1);
    assert_eq!(r.main_modules()[0].path, "example.com/m");
    assert!(r.problems().is_empty());
    assert!(!r.vendor_mode());
    assert_eq!(r.go_work(), None);

    assert_eq!(
        module_dir(&r.resolve("example.com/m", false)),
        ("example.com/m", None, root.as_path(), false)
    );
    assert_eq!(
        module_dir(&r.resolve("example.com/m/internal/a", false)).2,
        root.join("internal/a")
    );
    assert!(matches!(
        r.resolve("example.com/m/empty", false),
        Resolution::NotFound { .. }
    ));
    assert!(matches!(
        r.resolve("example.com/m/nested/inner", false),
        Resolution::NotFound { .. }
    ));

    assert_eq!(
        r.resolve("net/http", false),
        Resolution::Std {
            dir: goroot().join("src/net/http")
        }
    );
    let dns = "golang.org/x/net/dns/dnsmessage";
    assert_eq!(
        r.resolve(dns, true),
        Resolution::Std {
            dir: goroot().join("src/vendor").join(dns)
        }
    );
    match r.resolve(dns, false) {
        Resolution::NotFound { message } => assert!(
            message.starts_with("no required module provides package"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    match r.resolve("nosuch/std", false) {
        Resolution::NotFound { message } => assert!(message.contains("is not in std"), "{message}"),
        other => panic!("{other:?}"),
    }
    for bad in ["", "C", "./x", "/abs", "a/../../etc", "x@v1", "a//b"] {
        assert!(
            matches!(r.resolve(bad, false), Resolution::NotFound { .. }),
            "{bad}"
        );
    }

    assert_eq!(
        r.import_path_for_dir(&root.join("internal/a")).as_deref(),
        Some("example.com/m/internal/a")
    );
    assert_eq!(
        r.import_path_for_dir(&root).as_deref(),
        Some("example.com/m")
    );
    assert_eq!(r.import_path_for_dir(&root.join("nested/inner")), None);
    assert_eq!(r.import_path_for_dir(t.path()), None);
    assert_eq!(
        r.config_files(),
        vec![root.join("go.mod"), root.join("vendor/modules.txt")]
    );
}

#[test]
fn requires_replaces_and_module_cache() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let root = t.path().join("ws/m");
    write(
        &root,
        "go.mod",
        "module example.com/m\ngo 1.21\nrequire (\n\texample.com/local v0.0.0\n\tgithub.com/BurntSushi/toml v1.3.2\n\
         \texample.com/forked v1.0.0\n\texample.com/pinned v1.1.0\n\texample.com/missing v0.5.0 // indirect\n)\n\
         replace example.com/local => ../local\n\
         replace example.com/forked => example.com/fork v1.0.1\n\
         replace example.com/pinned v1.0.0 => ../never\n",
    );
    pkg(&t.path().join("ws"), "local/sub");
    write(
        &t.path().join("ws"),
        "local/go.mod",
        "module example.com/local\n",
    );
    pkg(&cache, "github.com/!burnt!sushi/toml@v1.3.2");
    pkg(&cache, "example.com/fork@v1.0.1/pkg");
    pkg(&cache, "example.com/pinned@v1.1.0");
    let r = Resolver::new(&root, &cfg(&cache)).unwrap();

    let local = r.resolve("example.com/local/sub", false);
    assert_eq!(
        module_dir(&local),
        (
            "example.com/local",
            Some("v0.0.0"),
            t.path().join("ws/local/sub").as_path(),
            false
        )
    );
    assert_eq!(
        module_dir(&r.resolve("github.com/BurntSushi/toml", false)).2,
        cache.join("github.com/!burnt!sushi/toml@v1.3.2")
    );
    assert_eq!(
        module_dir(&r.resolve("example.com/forked/pkg", false)).2,
        cache.join("example.com/fork@v1.0.1/pkg")
    );
    // The v1.0.0-only replace does not apply to the selected v1.1.0.
    assert_eq!(
        module_dir(&r.resolve("example.com/pinned", false)).2,
        cache.join("example.com/pinned@v1.1.0")
    );
    assert_eq!(
        r.resolve("example.com/missing/x", false),
        Resolution::MissingModule {
            module: "example.com/missing".into(),
            version: "v0.5.0".into()
        }
    );

    let (gomod, req) = r.require_of("example.com/missing").unwrap();
    assert_eq!(gomod, root.join("go.mod"));
    let src = fs::read_to_string(&gomod).unwrap();
    assert_eq!(
        &src[req.span.start..req.span.end],
        "example.com/missing v0.5.0 // indirect"
    );
    assert!(req.indirect);
    assert!(r.require_of("example.com/nope").is_none());
}

#[test]
fn nested_modules_longest_prefix() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let root = t.path().join("m");
    write(
        &root,
        "go.mod",
        "module m\nrequire (\n\texample.com/a v1.0.0\n\texample.com/a/b v1.2.0\n)\n",
    );
    pkg(&cache, "example.com/a/b@v1.2.0/c");
    pkg(&cache, "example.com/a@v1.0.0/b/d"); // not in a/b: falls back to the shorter prefix
    pkg(&cache, "example.com/a@v1.0.0/b/both");
    pkg(&cache, "example.com/a/b@v1.2.0/both");
    let r = Resolver::new(&root, &cfg(&cache)).unwrap();
    assert_eq!(
        module_dir(&r.resolve("example.com/a/b/c", false)).0,
        "example.com/a/b"
    );
    let d = r.resolve("example.com/a/b/d", false);
    assert_eq!(
        module_dir(&d),
        (
            "example.com/a",
            Some("v1.0.0"),
            cache.join("example.com/a@v1.0.0/b/d").as_path(),
            false
        )
    );
    match r.resolve("example.com/a/b/both", false) {
        Resolution::NotFound { message } => {
            assert!(message.starts_with("ambiguous import"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    match r.resolve("example.com/a/b/none", false) {
        Resolution::NotFound { message } => {
            assert!(message.contains("no required module provides"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn workspace_and_gowork_off() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let ws = t.path().join("ws");
    write(
        &ws,
        "go.work",
        "go 1.22\n\nuse (\n\t./a\n\t./b\n\t./gone\n)\nreplace example.com/dep v1.5.0 => ./dep\n",
    );
    write(
        &ws,
        "a/go.mod",
        "module example.com/a\ngo 1.22\nrequire example.com/dep v1.2.0\nrequire example.com/b v0.1.0\n",
    );
    write(
        &ws,
        "b/go.mod",
        "module example.com/b\ngo 1.22\nrequire example.com/dep v1.5.0\nreplace example.com/dep => ../nowhere\n",
    );
    pkg(&ws, "a/cmd");
    pkg(&ws, "b/lib");
    pkg(&ws, "dep");
    pkg(&cache, "example.com/dep@v1.2.0");
    pkg(&cache, "example.com/b@v0.1.0/lib");

    let mut c = cfg(&cache);
    c.gowork = None; // search upwards, as the go command does
    let r = Resolver::new(&ws.join("a/cmd"), &c).unwrap();
    assert_eq!(r.go_work(), Some(ws.join("go.work").as_path()));
    let paths: Vec<&str> = r.main_modules().iter().map(|m| m.path.as_str()).collect();
    assert_eq!(paths, vec!["example.com/a", "example.com/b"]);
    assert_eq!(r.problems().len(), 1, "{:?}", r.problems()); // ./gone has no go.mod
    assert!(r.problems()[0].contains("gone"));
    // b is a main module: its workspace copy wins over the required version.
    assert_eq!(
        module_dir(&r.resolve("example.com/b/lib", false)),
        ("example.com/b", None, ws.join("b/lib").as_path(), false)
    );
    // dep: max(v1.2.0, v1.5.0) = v1.5.0, replaced by go.work (over b's go.mod).
    assert_eq!(
        module_dir(&r.resolve("example.com/dep", false)),
        (
            "example.com/dep",
            Some("v1.5.0"),
            ws.join("dep").as_path(),
            false
        )
    );
    assert_eq!(r.selected_version("example.com/dep"), Some("v1.5.0"));
    assert_eq!(
        r.import_path_for_dir(&ws.join("b/lib")).as_deref(),
        Some("example.com/b/lib")
    );
    assert_eq!(r.config_files()[0], ws.join("go.work"));

    // Explicit GOWORK file.
    c.gowork = Some(ws.join("go.work").to_string_lossy().into_owned());
    assert_eq!(Resolver::new(t.path(), &c).unwrap().main_modules().len(), 2);
    c.gowork = Some("relative/go.work".into());
    assert!(
        Resolver::new(&ws, &c)
            .unwrap_err()
            .contains("not an absolute path")
    );

    // GOWORK=off: only a's go.mod; b comes from the cache, dep is v1.2.0.
    let r = Resolver::new(&ws.join("a/cmd"), &cfg(&cache)).unwrap();
    assert_eq!(r.go_work(), None);
    assert_eq!(r.main_modules().len(), 1);
    assert_eq!(
        module_dir(&r.resolve("example.com/b/lib", false)).2,
        cache.join("example.com/b@v0.1.0/lib")
    );
    assert_eq!(
        module_dir(&r.resolve("example.com/dep", false)).2,
        cache.join("example.com/dep@v1.2.0")
    );
}

#[test]
fn vendor_mode_defaults() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let root = t.path().join("m");
    let gomod = |v: &str| format!("module example.com/m\ngo {v}\nrequire example.com/v v1.0.0\n");
    write(
        &root,
        "vendor/modules.txt",
        "# example.com/v v1.0.0\n## explicit\nexample.com/v/p\n",
    );
    pkg(&root, "vendor/example.com/v/p");
    pkg(&root, "vendor/example.com/v/unlisted");
    pkg(&cache, "example.com/v@v1.0.0/p");

    write(&root, "go.mod", &gomod("1.14"));
    let r = Resolver::new(&root, &cfg(&cache)).unwrap();
    assert!(r.vendor_mode());
    assert_eq!(
        module_dir(&r.resolve("example.com/v/p", false)),
        (
            "example.com/v",
            Some("v1.0.0"),
            root.join("vendor/example.com/v/p").as_path(),
            true
        )
    );
    // Before go 1.23 an unlisted vendored package is still used.
    assert!(module_dir(&r.resolve("example.com/v/unlisted", false)).3);
    assert!(matches!(
        r.resolve("example.com/nope", false),
        Resolution::NotFound { .. }
    ));

    write(&root, "go.mod", &gomod("1.23"));
    let r = Resolver::new(&root, &cfg(&cache)).unwrap();
    match r.resolve("example.com/v/unlisted", false) {
        Resolution::NotFound { message } => assert!(
            message.contains("missing from vendor/modules.txt"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }

    write(&root, "go.mod", &gomod("1.13"));
    let r = Resolver::new(&root, &cfg(&cache)).unwrap();
    assert!(!r.vendor_mode());
    assert_eq!(
        module_dir(&r.resolve("example.com/v/p", false)).2,
        cache.join("example.com/v@v1.0.0/p")
    );
    let mut forced = cfg(&cache);
    forced.mod_flag = Some(ModFlag::Vendor);
    assert!(Resolver::new(&root, &forced).unwrap().vendor_mode());

    write(&root, "go.mod", &gomod("1.22"));
    let mut m = cfg(&cache);
    m.mod_flag = Some(ModFlag::Mod);
    assert!(!Resolver::new(&root, &m).unwrap().vendor_mode());
    m.mod_flag = Some(ModFlag::Readonly);
    assert!(!Resolver::new(&root, &m).unwrap().vendor_mode());
}

#[test]
fn workspace_vendor() {
    let t = tempfile::tempdir().unwrap();
    let ws = t.path();
    write(ws, "go.work", "go 1.22\nuse ./a\n");
    write(
        ws,
        "a/go.mod",
        "module a\ngo 1.22\nrequire example.com/v v1.0.0\n",
    );
    write(
        ws,
        "vendor/modules.txt",
        "## workspace\n# example.com/v v1.0.0\n## explicit; go 1.20\nexample.com/v\n",
    );
    pkg(ws, "vendor/example.com/v");
    let mut c = cfg(&ws.join("cache"));
    c.gowork = None;
    let r = Resolver::new(&ws.join("a"), &c).unwrap();
    assert!(r.vendor_mode());
    assert_eq!(
        module_dir(&r.resolve("example.com/v", false)).2,
        ws.join("vendor/example.com/v")
    );
    // A module-mode modules.txt next to a go.mod is not used in workspace mode.
    write(
        ws,
        "vendor/modules.txt",
        "# example.com/v v1.0.0\nexample.com/v\n",
    );
    assert!(!Resolver::new(&ws.join("a"), &c).unwrap().vendor_mode());
}

#[test]
fn errors_and_problems() {
    let t = tempfile::tempdir().unwrap();
    let c = cfg(&t.path().join("cache"));
    let err = Resolver::new(t.path(), &c).unwrap_err();
    assert!(err.contains("go.mod file not found"), "{err}");
    assert!(Resolver::new(&t.path().join("does/not/exist"), &c).is_err());

    write(t.path(), "go.mod", "go 1.22\n");
    assert!(
        Resolver::new(t.path(), &c)
            .unwrap_err()
            .contains("missing module declaration")
    );

    write(
        t.path(),
        "go.mod",
        "module m\ngo 1.22\nfoo bar\nrequire x.com/y v1.0.0\n",
    );
    let r = Resolver::new(t.path(), &c).unwrap();
    let gomod = t.path().join("go.mod");
    assert_eq!(
        r.problems(),
        [format!("{}:3: unknown directive: foo", gomod.display())]
    );
    assert!(matches!(
        r.resolve("x.com/y", false),
        Resolution::MissingModule { .. }
    ));

    // A hostile require cannot point outside the module cache.
    write(
        t.path(),
        "go.mod",
        "module m\nrequire ../../etc v1.0.0\nrequire x.com/z ../../v\n",
    );
    let r = Resolver::new(t.path(), &c).unwrap();
    assert!(matches!(
        r.resolve("x.com/z", false),
        Resolution::NotFound { .. }
    ));

    // A symlink loop where a package directory should be.
    std::os::unix::fs::symlink(t.path().join("loop"), t.path().join("loop")).unwrap();
    assert!(matches!(
        r.resolve("m/loop", false),
        Resolution::NotFound { .. }
    ));
    assert_eq!(
        r.import_path_for_dir(&t.path().join("loop")).as_deref(),
        Some("m/loop")
    );
}

#[test]
fn many_packages_resolve_quickly() {
    let t = tempfile::tempdir().unwrap();
    let cache = t.path().join("cache");
    let root = t.path().join("m");
    let mut gomod = String::from("module example.com/m\ngo 1.22\nrequire (\n");
    for i in 0..200 {
        gomod.push_str(&format!("\texample.com/dep{i} v1.0.{i}\n"));
        pkg(&cache, &format!("example.com/dep{i}@v1.0.{i}/p"));
    }
    gomod.push_str(")\n");
    write(&root, "go.mod", &gomod);
    let r = Resolver::new(&root, &cfg(&cache)).unwrap();
    let start = std::time::Instant::now();
    for round in 0..50 {
        for i in 0..200 {
            let res = r.resolve(&format!("example.com/dep{i}/p"), false);
            assert!(
                matches!(res, Resolution::Module { .. }),
                "{round} {i} {res:?}"
            );
        }
        assert!(matches!(r.resolve("fmt", false), Resolution::Std { .. }));
    }
    let took = start.elapsed();
    println!("10,050 resolutions took {took:?}");
}
