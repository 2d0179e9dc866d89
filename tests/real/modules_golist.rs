//! Our resolution agrees with the real go command (`go list -deps`) on a
//! small module with a local replace, std and std-vendored packages.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::toolchain::goroot;
use linklens::modules::{Resolution, Resolver, ResolverConfig};

fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

#[test]
fn matches_go_list() {
    // The `go` on PATH and its own GOROOT (fails, saying so, without go).
    let goroot = goroot();
    let go = goroot.join("bin/go");
    let t = tempfile::tempdir().unwrap();
    let ws = t.path().join("ws");
    write(
        &ws,
        "app/go.mod",
        "module example.com/app\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => ../lib\n",
    );
    write(
        &ws,
        "app/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\t\"net\"\n\n\t\"example.com/app/internal/x\"\n\t\"example.com/lib/util\"\n)\n\n\
         func main() { fmt.Println(net.IPv4len, x.X, util.U) }\n",
    );
    write(
        &ws,
        "app/internal/x/x.go",
        "package x\n\nimport \"os\"\n\nvar X = os.Args\n",
    );
    write(&ws, "lib/go.mod", "module example.com/lib\n\ngo 1.22\n");
    write(
        &ws,
        "lib/util/util.go",
        "package util\n\nimport \"strings\"\n\nvar U = strings.ToUpper(\"u\")\n",
    );

    let cache = t.path().join("modcache");
    let out = Command::new(&go)
        .args([
            "list",
            "-f",
            "{{.ImportPath}}\t{{.Dir}}\t{{.Standard}}",
            "-deps",
            "./...",
        ])
        .current_dir(ws.join("app"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOWORK", "off")
        .env("GOROOT", &goroot)
        .env("GOMODCACHE", &cache)
        .env("GOPATH", t.path().join("gopath"))
        .env("GOCACHE", t.path().join("gocache"))
        .env("CGO_ENABLED", "0")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "go list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let cfg = ResolverConfig {
        goroot: goroot.clone(),
        gomodcache: cache,
        gowork: Some("off".into()),
        mod_flag: None,
    };
    let r = Resolver::new(&ws.join("app"), &cfg).unwrap();
    let (mut std_count, mut vendored, mut modules) = (0, 0, 0);
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (ip, dir, standard) = (f[0], PathBuf::from(f[1]), f[2] == "true");
        let ours = match ip.strip_prefix("vendor/") {
            Some(p) => {
                vendored += 1;
                r.resolve(p, true)
            }
            None => r.resolve(ip, standard),
        };
        match ours {
            Resolution::Std { dir: d } if standard => {
                std_count += 1;
                assert_eq!(d, dir, "{ip}");
            }
            Resolution::Module { dir: d, .. } if !standard => {
                modules += 1;
                assert_eq!(d, dir, "{ip}");
            }
            other => panic!(
                "{ip}: go says {} (standard={standard}), we say {other:?}",
                dir.display()
            ),
        }
    }
    assert_eq!(modules, 3, "main, internal/x and the replaced lib/util");
    assert!(
        vendored >= 1,
        "net pulls in vendor/golang.org/x/net/dns/dnsmessage"
    );
    assert!(std_count > 20);
    eprintln!(
        "compared {std_count} std ({vendored} std-vendored) and {modules} module packages with go list"
    );
}
