//! The trust boundary (README "Trust"; `server/src/buildcfg/trust.rs`): files in
//! an opened workspace never choose a program that runs. Every test plants
//! logging fake `go`, `gcc`, `cc` and `pkg-config` programs in the
//! workspace, names them everywhere a workspace can name them, starts from
//! a cold cache (so every `go` run that could happen does happen), and
//! checks that the marker the fakes write never appears, while a logging
//! wrapper of the real `go`, on the host's PATH, shows the runs that did
//! happen went to the user's own `go`.

use crate::common::lsp_client::{LspClient, file_uri};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const NET_MAIN: &str = "package main\n\nimport \"net\"\n\nfunc main() { _ = net.ParseIP }\n";

struct Trap {
    _tmp: tempfile::TempDir,
    tmp: PathBuf,
    ws: PathBuf,
    /// Written by any fake program that runs.
    marker: PathBuf,
    /// Written by the wrapper of the real `go` on the host PATH.
    host_log: PathBuf,
}

fn write(p: &Path, contents: impl AsRef<[u8]>) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, contents).unwrap();
}

fn executable(p: &Path, script: &str) {
    write(p, script);
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn real_go() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("go"))
                .find(|g| g.is_file())
        })
        .expect("these tests need the real `go` on PATH")
}

impl Trap {
    fn new() -> Trap {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().to_path_buf();
        let ws = tmp.join("ws");
        let marker = tmp.join("RAN");
        let host_log = tmp.join("host-go.log");
        write(&ws.join("go.mod"), "module example.com/trap\n\ngo 1.22\n");
        write(&ws.join("cmd/net/main.go"), NET_MAIN);
        let fake = format!("#!/bin/sh\necho \"$0 $*\" >> {}\n", marker.display());
        // In the workspace, in its bin/, and in the host's TMPDIR (where
        // linklens runs `go`: a relative name would resolve there).
        for rel in [
            "ws/go",
            "ws/gcc",
            "ws/cc",
            "ws/pkg-config",
            "ws/bin/go",
            "ws/bin/gcc",
            "ws/bin/cc",
            "ws/bin/pkg-config",
            "ws/fakeroot/bin/go",
            "tmpdir/go",
            "tmpdir/bin/go",
        ] {
            executable(&tmp.join(rel), &fake);
        }
        std::fs::create_dir_all(ws.join("fakeroot/src/runtime")).unwrap();
        executable(
            &tmp.join("host/go"),
            &format!(
                "#!/bin/sh\necho \"$*\" >> {}\nexec {} \"$@\"\n",
                host_log.display(),
                real_go().display()
            ),
        );
        Trap {
            _tmp: dir,
            tmp,
            ws,
            marker,
            host_log,
        }
    }

    fn ws_str(&self) -> String {
        self.ws.display().to_string()
    }

    /// The host environment: the user's own PATH (the real go's wrapper
    /// first), and fresh cache, home and temporary directories.
    fn host_env(&self, cmd: &mut Command, path_prefix: &str) {
        let system = std::env::var("PATH").unwrap_or_default();
        cmd.env_clear()
            .env(
                "PATH",
                format!("{path_prefix}{}:{system}", self.tmp.join("host").display()),
            )
            // The user's GOROOT, as a shell profile or the editor sets it:
            // without `go env` (runGo false) the standard library is found
            // from it.
            .env(
                "GOROOT",
                real_go()
                    .canonicalize()
                    .unwrap()
                    .parent()
                    .unwrap()
                    .parent()
                    .unwrap(),
            )
            .env("HOME", self.tmp.join("home"))
            .env("XDG_CACHE_HOME", self.tmp.join("cache"))
            .env("TMPDIR", self.tmp.join("tmpdir"));
    }

    fn cli(&self, args: &[&str], path_prefix: &str) -> std::process::Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_linklens"));
        cmd.args(args).current_dir(&self.ws);
        self.host_env(&mut cmd, path_prefix);
        cmd.output().unwrap()
    }

    fn serve(&self, path_prefix: &str) -> LspClient {
        LspClient::start_with(env!("CARGO_BIN_EXE_linklens"), &self.ws, |cmd| {
            self.host_env(cmd, path_prefix)
        })
    }

    fn host_runs(&self) -> String {
        std::fs::read_to_string(&self.host_log).unwrap_or_default()
    }

    /// No fake ran; and the real `go` ran exactly when `expect_go` (so the
    /// test exercised the cold path, or proved `go` stayed off).
    fn assert_safe(&self, label: &str, expect_go: bool) {
        assert!(
            !self.marker.exists(),
            "{label}: a workspace program ran: {}",
            std::fs::read_to_string(&self.marker).unwrap_or_default()
        );
        let runs = self.host_runs();
        eprintln!("{label}: the user's go ran:\n{runs}");
        if expect_go {
            assert!(
                runs.contains("list"),
                "{label}: the experiment-tag `go list` never ran (cache not cold?)"
            );
        } else {
            assert!(runs.is_empty(), "{label}: go ran although runGo is false");
        }
        assert!(
            !self.ws.join("c").exists(),
            "{label}: a cache was written where the workspace said"
        );
    }
}

/// The verdict `linklens/status` gives for `file` once the first load is
/// done (its `$/progress` end: the clients below declare work-done progress).
fn verdict(c: &mut LspClient, file: &Path) -> String {
    c.await_loaded();
    let s = c.status(file);
    s["verdict"]
        .as_str()
        .unwrap_or_else(|| panic!("not predicted after the first load: {s}"))
        .to_string()
}

fn hostile_env(t: &Trap) -> Value {
    let ws = t.ws_str();
    json!({
        "PATH": format!("{ws}/bin"),
        "XDG_CACHE_HOME": format!("{ws}/c"),
        "GOEXPERIMENT": "boringcrypto",
        "CC": format!("{ws}/bin/gcc"),
        "PKG_CONFIG": format!("{ws}/bin/pkg-config"),
        "GOROOT": format!("{ws}/fakeroot"),
        "GOFLAGS": format!("-toolexec={ws}/bin/go"),
    })
}

/// Finding 1: `.vscode/settings.json` (`linklens.env`, gopls `build.env`)
/// naming PATH, XDG_CACHE_HOME and GOEXPERIMENT used to make the
/// experiment-tag `go list` run the workspace's `go` on a cold cache.
#[test]
fn workspace_settings_never_choose_the_go_that_runs() {
    for (label, settings) in [
        ("linklens.env", "linklens.env"),
        ("gopls build.env", "gopls"),
    ] {
        let t = Trap::new();
        let env = hostile_env(&t);
        let file = if settings == "gopls" {
            json!({"gopls": {"build.env": env}})
        } else {
            json!({"linklens.env": env, "go.alternateTools": {"go": format!("{}/bin/go", t.ws_str())}})
        };
        write(
            &t.ws.join(".vscode/settings.json"),
            serde_json::to_string_pretty(&file).unwrap(),
        );
        let mut c = t.serve("");
        c.settings_root = Some(t.ws.clone());
        c.initialize(
            &t.ws,
            json!({"workspace": {"configuration": true}, "window": {"workDoneProgress": true}}),
            json!({}),
        );
        let v = verdict(&mut c, &t.ws.join("cmd/net/main.go"));
        eprintln!("{label}: {v}");
        let _ = c.drain(Duration::from_millis(100));
        assert_eq!(c.shutdown(), Some(0));
        t.assert_safe(label, true);
    }
}

/// Finding 2: in an untrusted workspace the extension sends `runGo: false`
/// and an empty `env` (vscode-extension/src/settings.ts,
/// `toInitializationOptions` and `configurationForServer` with trusted =
/// false). The folder's own `.vscode/settings.json` saying `runGo: true`
/// and naming an env must change neither: no `go` runs at all, and the
/// file's `CGO_ENABLED=0` is not applied (the net main stays dynamic).
#[test]
fn untrusted_client_is_final_over_the_workspace_file() {
    let t = Trap::new();
    let mut env = hostile_env(&t);
    env["CGO_ENABLED"] = json!("0");
    write(
        &t.ws.join(".vscode/settings.json"),
        serde_json::to_string_pretty(&json!({
            "linklens.runGo": true,
            "linklens.env": env,
            "gopls": {"build.env": env},
        }))
        .unwrap(),
    );
    // What the extension sends when vscode.workspace.isTrusted is false.
    let untrusted =
        json!({"expect": "static", "buildFlags": [], "env": {}, "codelens": true, "runGo": false});
    let mut c = t.serve("");
    c.scoped_settings.insert(
        file_uri(&t.ws),
        json!({"linklens": untrusted.clone(), "gopls": {}, "go": {}}),
    );
    c.initialize(
        &t.ws,
        json!({"workspace": {"configuration": true}, "window": {"workDoneProgress": true}}),
        untrusted,
    );
    let v = verdict(&mut c, &t.ws.join("cmd/net/main.go"));
    let _ = c.drain(Duration::from_millis(100));
    assert_eq!(c.shutdown(), Some(0));
    assert!(
        v.contains("dynamic"),
        "the workspace file's CGO_ENABLED=0 was applied: {v}"
    );
    t.assert_safe("untrusted", false);
}

/// Finding 3: `check --profiles` with a Makefile recipe, a goreleaser build,
/// a ko build, a workflow step, a task and a just recipe whose env names
/// the workspace's `go` on PATH and a new GOEXPERIMENT.
#[test]
fn build_files_never_choose_the_go_that_runs() {
    let t = Trap::new();
    let ws = t.ws_str();
    write(
        &t.ws.join("Makefile"),
        format!(
            "build:\n\tPATH={ws}/bin GOEXPERIMENT=boringcrypto CC={ws}/gcc go build ./cmd/net\n"
        ),
    );
    write(
        &t.ws.join(".goreleaser.yaml"),
        format!(
            "version: 2\nbuilds:\n  - id: net\n    main: ./cmd/net\n    env:\n      - PATH={ws}/bin\n      - GOEXPERIMENT=boringcrypto\n      - PKG_CONFIG={ws}/pkg-config\n"
        ),
    );
    write(
        &t.ws.join(".ko.yaml"),
        format!(
            "builds:\n  - id: net\n    main: ./cmd/net\n    env:\n      - PATH={ws}/bin\n      - GOEXPERIMENT=boringcrypto\n"
        ),
    );
    std::fs::create_dir_all(t.ws.join(".github/workflows")).unwrap();
    write(
        &t.ws.join(".github/workflows/ci.yml"),
        format!(
            "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    env:\n      PATH: {ws}/bin\n      GOEXPERIMENT: boringcrypto\n    steps:\n      - run: CC={ws}/gcc go build ./cmd/net\n"
        ),
    );
    write(
        &t.ws.join("Taskfile.yml"),
        format!(
            "version: '3'\nenv:\n  PATH: {ws}/bin\n  GOEXPERIMENT: boringcrypto\ntasks:\n  build:\n    cmds:\n      - CC={ws}/gcc go build ./cmd/net\n"
        ),
    );
    write(
        &t.ws.join("justfile"),
        format!(
            "export PATH := \"{ws}/bin\"\nexport GOEXPERIMENT := \"boringcrypto\"\nbuild:\n    CC={ws}/gcc go build ./cmd/net\n"
        ),
    );
    let out = t.cli(&["check", "--profiles", "--json"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let text = report.to_string();
    for source in [
        "Makefile",
        ".goreleaser.yaml",
        ".ko.yaml",
        "ci.yml",
        "Taskfile.yml",
        "justfile",
    ] {
        assert!(
            text.contains(source),
            "profile from {source} not evaluated: {text}"
        );
    }
    t.assert_safe("profiles", true);
}

/// Finding 4: relative PATH entries (`.`, `bin`, an empty entry) before the
/// user's `go`: go's exec.LookPath refuses them (ErrDot), and so do we, in
/// the CLI and in the server, which both run from the workspace.
#[test]
fn relative_path_entries_never_run() {
    let t = Trap::new();
    let out = t.cli(&["check", "--json"], ".:bin::./bin:");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(
        report["packages"][0]["link"]["result"], "dynamic",
        "{report:#}"
    );
    t.assert_safe("check", true);

    let t = Trap::new();
    let mut c = t.serve(".:bin::");
    c.initialize(
        &t.ws,
        json!({"window": {"workDoneProgress": true}}),
        json!({}),
    );
    let v = verdict(&mut c, &t.ws.join("cmd/net/main.go"));
    assert!(v.contains("dynamic"), "{v}");
    let _ = c.drain(Duration::from_millis(100));
    assert_eq!(c.shutdown(), Some(0));
    t.assert_safe("serve", true);
}
