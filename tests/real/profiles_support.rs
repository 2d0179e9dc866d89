//! Shared by the profile ground-truth tests: copy a fixture, run the build a
//! profile describes for real on this machine (make, the Dockerfile stage's
//! RUN lines as shell, goreleaser/ko parameters as `go build`; a workflow
//! step, task or just recipe as its shell scripts, with the environment the
//! tool gives them, in real bash/sh), and compare the binary with the
//! prediction.

#![allow(dead_code)]

use linklens::buildcfg::Environ;
use linklens::inspect::{Linking, inspect_path};
use linklens::predict::{Prediction, Verdict};
use linklens::profiles::{CCompiler, LINK_ENV, Profile, ProfileKind};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/profiles")
}

/// The environment builds and predictions start from: this machine's,
/// without anything that would change the link behind the profile's back.
pub fn base_env() -> Environ {
    let mut env: Environ = std::env::vars().collect();
    for k in LINK_ENV {
        env.remove(*k);
    }
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env.insert("GOPROXY".into(), "off".into());
    env.insert("GOFLAGS".into(), String::new());
    env
}

pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().expect("tempdir");
    let st = Command::new("cp")
        .arg("-a")
        .arg(fixtures().join(name).join("."))
        .arg(t.path())
        .status()
        .expect("cp");
    assert!(st.success());
    t
}

fn run(mut cmd: Command, what: &str) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A PATH with go and a shell but no C compiler (a golang:*-alpine builder
/// without `apk add gcc`).
fn no_cc_path(tmp: &Path) -> String {
    let bin = tmp.join("_nocc_bin");
    let _ = std::fs::create_dir_all(&bin);
    let go = which("go").expect("go on PATH");
    for (name, target) in [
        ("go", go),
        ("sh", PathBuf::from("/bin/sh")),
        ("mkdir", PathBuf::from("/bin/mkdir")),
    ] {
        let _ = std::os::unix::fs::symlink(&target, bin.join(name));
    }
    bin.display().to_string()
}

fn which(p: &str) -> Option<PathBuf> {
    std::env::var("PATH")
        .ok()?
        .split(':')
        .map(|d| Path::new(d).join(p))
        .find(|p| p.is_file())
}

/// Runs the build `p` describes in `root` (a temp copy); returns the
/// binaries it produced (more than one when `-o` names a directory).
pub fn build(p: &Profile, root: &Path, env: &Environ) -> Result<Vec<PathBuf>, String> {
    let out = match p.kind {
        ProfileKind::Make | ProfileKind::Script => {
            let target = p.make_target.clone().ok_or("no make target")?;
            let mut c = Command::new("make");
            c.arg("-s")
                .arg(&target)
                .current_dir(&p.dir)
                .env_clear()
                .envs(env)
                .env("GOTOOLCHAIN", "local");
            run(c, &format!("make {target}"))?;
            p.local_output().ok_or("no output path")?
        }
        ProfileKind::Dockerfile => {
            let d = p.docker.as_ref().ok_or("no stage")?;
            let ctx = p
                .file
                .as_ref()
                .and_then(|f| f.parent())
                .ok_or("no context")?;
            let output = p.output.clone().ok_or("no output")?;
            let out_dir = Path::new(&output)
                .parent()
                .map(|x| x.display().to_string())
                .unwrap_or_default();
            let abs = ctx.join("_abs");
            let mut subst: Vec<(String, String)> =
                vec![(d.context_dest.clone(), ctx.display().to_string())];
            let mut local_out = PathBuf::from(&output);
            if let Ok(rest) = Path::new(&output).strip_prefix(&d.context_dest) {
                local_out = ctx.join(rest);
            } else if out_dir.starts_with('/') {
                subst.push((out_dir.clone(), format!("{}{}", abs.display(), out_dir)));
                local_out = PathBuf::from(format!("{}{}", abs.display(), output));
            }
            subst.sort_by_key(|(a, _)| std::cmp::Reverse(a.len()));
            let mut e = env.clone();
            for (k, v) in &d.env {
                e.insert(k.clone(), v.clone());
            }
            match &p.c_compiler {
                CCompiler::Missing { .. } => {
                    e.remove("CC");
                    e.insert("PATH".into(), no_cc_path(root));
                }
                CCompiler::Musl { .. } => {
                    if e.get("CC").is_none_or(|c| c == "gcc" || c == "cc") {
                        e.insert("CC".into(), "musl-gcc".into());
                    }
                }
                CCompiler::Host => {}
            }
            let cwd = Path::new(&d.workdir)
                .strip_prefix(&d.context_dest)
                .map(|r| ctx.join(r))
                .unwrap_or_else(|_| ctx.to_path_buf());
            for r in &d.runs {
                if r.contains("apk ") || r.contains("apt-get") {
                    continue;
                }
                let mut script = r.clone();
                for (from, to) in &subst {
                    if from != "/" {
                        script = script.replace(from.as_str(), to);
                    }
                }
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("set -e\n{script}"))
                    .current_dir(&cwd)
                    .env_clear()
                    .envs(&e)
                    .env("GOTOOLCHAIN", "local");
                run(c, &format!("RUN {r}"))?;
            }
            local_out
        }
        ProfileKind::Goreleaser | ProfileKind::Ko => {
            let mut e = env.clone();
            for (k, v) in &p.env {
                e.insert(k.clone(), v.clone());
            }
            let mut c = Command::new("go");
            c.arg("build")
                .args(p.args_display())
                .current_dir(&p.dir)
                .env_clear()
                .envs(&e)
                .env("GOTOOLCHAIN", "local");
            run(c, &format!("go build {}", p.args_display().join(" ")))?;
            p.dir.join(p.output.clone().ok_or("no output")?)
        }
        ProfileKind::Workflow | ProfileKind::Taskfile | ProfileKind::Just => {
            let r = p.replay.as_ref().ok_or("no replay")?;
            let mut e = env.clone();
            for (k, v) in &r.env {
                e.insert(k.clone(), v.clone());
            }
            for script in &r.scripts {
                let mut c = Command::new(&r.shell);
                c.args(&r.shell_args)
                    .arg("-c")
                    .arg(script)
                    .current_dir(&r.dir)
                    .env_clear()
                    .envs(&e)
                    .env("GOTOOLCHAIN", "local");
                run(c, &format!("{} -c {script}", r.shell))?;
            }
            p.local_output().ok_or("no output path")?
        }
        ProfileKind::Editor => return Err("the editor profile is not a build".into()),
    };
    if out.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&out)
            .map_err(|e| e.to_string())?
            .flatten()
            .map(|e| e.path())
            .collect();
        v.sort();
        Ok(v)
    } else if out.is_file() {
        Ok(vec![out])
    } else {
        Err(format!("the build produced no {}", out.display()))
    }
}

/// Compares a built binary with the prediction: result, interpreter, needed.
pub fn compare(pred: &Prediction, bin: &Path) -> Result<String, String> {
    let info = inspect_path(bin).map_err(|e| format!("{}: {e:?}", bin.display()))?;
    let actual = match info.linking {
        Linking::Static | Linking::StaticPie => Verdict::Static,
        Linking::Dynamic => Verdict::Dynamic,
    };
    let mut need_a = info.needed.clone();
    let mut need_p = pred.link.needed.clone();
    need_a.sort();
    need_p.sort();
    let label = format!(
        "{} interp={:?} needed={:?}",
        actual.as_str(),
        info.interpreter,
        need_a
    );
    // Mach-O included: the engine names every dylib (libSystem, libresolv,
    // CoreFoundation, Security for net/http) from Go's own directives.
    if actual != pred.link.result
        || (actual == Verdict::Dynamic
            && (info.interpreter != pred.link.interpreter || need_a != need_p))
    {
        return Err(format!(
            "predicted {} interp={:?} needed={:?}, built {label}",
            pred.link.result.as_str(),
            pred.link.interpreter,
            need_p
        ));
    }
    Ok(label)
}
